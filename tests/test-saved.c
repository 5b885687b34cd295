/* Saved plans: the round trip; refusal of a file for another machine or
 * profile, of a damaged or truncated one, and of one with a bad value;
 * concurrent writers leaving whole files; vmopt_autotune() saving, loading
 * in place of the probe, and tuning afresh with one warning when the file
 * is no good. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>

#include "lib/options.h"
#include "lib/plan.h"
#include "profiles/resolve.h"
#include "tuner/saved.h"
#include "tests/testutil.h"

static int lv; /* the level a load reports */

static struct vmopt_plan resolved(const char *profile, struct vmopt_machine **mp, char *sig)
{
    vmopt_profile *p;
    struct vmopt_machine *m;
    struct vmopt_plan plan;
    assert_int_equal(vmopt_profile_load(&p, profile), 0);
    assert_int_equal(vmopt_machine_probe(&m, VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY), 0);
    vmopt__overrides ov = VMOPT__OVERRIDES_NONE;
    assert_int_equal(vmopt__plan_resolve(&plan, m, p, &ov), 0);
    vmopt__signature(m, p, sig, VMOPT__SIGNATURE_LEN);
    vmopt_profile_free(p);
    if (mp)
        *mp = m;
    else
        vmopt_machine_free(m);
    return plan;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    *n = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
}

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h;
}

/* Replaces the first `from` with `to` in the file and fixes its checksum,
 * so that what is tested is the content, not the damage. */
static void edit(const char *path, const char *from, const char *to)
{
    size_t n;
    char *buf = slurp(path, &n);
    buf[n] = 0;
    char *at = strstr(buf, from);
    assert_non_null(at);
    char *out = malloc(n + strlen(to) + 64);
    size_t pre = (size_t)(at - buf);
    memcpy(out, buf, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    char *sum = strstr(out, "checksum: ");
    assert_non_null(sum);
    sprintf(sum, "checksum: %016llx\n", (unsigned long long)fnv(out, (size_t)(sum - out)));
    spit(path, out, strlen(out));
    free(out);
    free(buf);
}

/* Replaces key and its value, whatever the host's value is. */
static void edit_value(const char *path, const char *key, const char *to)
{
    size_t n;
    char *buf = slurp(path, &n), line[256];
    buf[n] = 0;
    char *at = strstr(buf, key);
    assert_non_null(at);
    size_t len = strlen(key) + strcspn(at + strlen(key), "\t\n");
    assert_true(len < sizeof line);
    memcpy(line, at, len);
    line[len] = 0;
    free(buf);
    edit(path, line, to);
}

/* Each profile its own file: a built-in, a file of the same name, and a
 * name with dots in it do not share one. */
static void test_names(void **state)
{
    char a[512], b[512], c[512], d[512];
    setenv("VMOPT_CACHE_DIR", "/cache", 1);
    vmopt__options_reset();
    assert_int_equal(vmopt__saved_path("jit", a, sizeof a), 0);
    assert_string_equal(a, "/cache/jit.plan");
    assert_int_equal(vmopt__saved_path("/etc/vmopt/jit.fast.conf", b, sizeof b), 0);
    assert_int_equal(vmopt__saved_path("/etc/vmopt/jit.conf", c, sizeof c), 0);
    assert_int_equal(vmopt__saved_path("/home/x/jit.conf", d, sizeof d), 0);
    assert_true(strncmp(b, "/cache/jit.fast.", 16) == 0 && strlen(b) == strlen("/cache/jit.fast.12345678.plan"));
    assert_string_not_equal(a, c);
    assert_string_not_equal(b, c);
    assert_string_not_equal(c, d);
    unsetenv("VMOPT_CACHE_DIR");
    vmopt__options_reset();
}

static void test_round_trip(void **state)
{
    char sig[VMOPT__SIGNATURE_LEN], path[512];
    struct vmopt_plan plan = resolved("jit", NULL, sig), back;
    snprintf(path, sizeof path, "%s/a/b/jit.plan", tmp_dir()); /* directories made as needed */
    assert_int_equal(vmopt__plan_save(&plan, sig, VMOPT_LEVEL_ESTIMATE, path), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), 0);
    assert_string_equal(back.profile, "jit");
    assert_int_equal(back.workload, plan.workload);
    assert_memory_equal(back.v, plan.v, sizeof plan.v);
    assert_memory_equal(back.is_auto, plan.is_auto, sizeof plan.is_auto);
    for (int k = 0; k < VMOPT__K_COUNT; k++)
        assert_string_equal(back.reason[k], plan.reason[k]);
    assert_contains(back.origin, "saved ");
    assert_contains(back.origin, "estimate");
    /* The signature names the machine and the profile's settings. */
    assert_contains(sig, vmopt_version_string());
    assert_contains(sig, "profile jit");
    char other[VMOPT__SIGNATURE_LEN];
    resolved("default", NULL, other);
    assert_string_not_equal(sig, other);
    assert_int_equal(vmopt__plan_load_saved(&back, sig, "/nonexistent/x.plan", &lv), -ENOENT);
}

static void test_refused(void **state)
{
    char sig[VMOPT__SIGNATURE_LEN], path[512];
    struct vmopt_plan plan = resolved("default", NULL, sig), back;
    snprintf(path, sizeof path, "%s/refused.plan", tmp_dir());
    assert_int_equal(vmopt__plan_save(&plan, sig, VMOPT_LEVEL_ESTIMATE, path), 0);

    /* Another machine. */
    char wrong[VMOPT__SIGNATURE_LEN];
    snprintf(wrong, sizeof wrong, "%s, but another CPU", sig);
    memset(&back, 0x5a, sizeof back);
    struct vmopt_plan untouched = back;
    assert_int_equal(vmopt__plan_load_saved(&back, wrong, path, &lv), -ESTALE);
    assert_contains(vmopt_errmsg(), "another machine or profile");
    assert_contains(vmopt_errmsg(), path);
    assert_memory_equal(&back, &untouched, sizeof back); /* nothing changed */

    /* Truncated anywhere: refused. */
    size_t n;
    char *good = slurp(path, &n);
    for (size_t cut = 0; cut < n; cut += 37) {
        spit(path, good, cut);
        assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EBADMSG);
        assert_contains(vmopt_errmsg(), path);
    }
    /* One byte changed anywhere before the checksum: refused. */
    for (size_t at = 0; at < n - 30; at += 53) {
        char *bad = malloc(n);
        memcpy(bad, good, n);
        bad[at] ^= 0x20;
        spit(path, bad, n);
        assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EBADMSG);
        assert_contains(vmopt_errmsg(), "damaged");
        free(bad);
    }
    /* Well-formed, checksum right, but a value the profile could not hold. */
    spit(path, good, n);
    edit_value(path, "memcpy.inline_max\t", "memcpy.inline_max\t4 KiB");
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EBADMSG);
    assert_contains(vmopt_errmsg(), "memcpy.inline_max = 4 KiB: out of range");
    spit(path, good, n);
    edit(path, "pool.magazine\t", "pool.magazine2\t");
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EBADMSG);
    assert_contains(vmopt_errmsg(), "unknown key 'pool.magazine2'");
    spit(path, good, n);
    edit(path, "pool.chunk_size\t", "pool.magazine\t");
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EBADMSG);
    assert_contains(vmopt_errmsg(), "appears twice");
    /* Each TLB value in range, together no TLB: refused as a profile is. */
    spit(path, good, n);
    edit_value(path, "tlb.min_entries\t", "tlb.min_entries\t4194304");
    edit_value(path, "tlb.max_entries\t", "tlb.max_entries\t16");
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EBADMSG);
    assert_contains(vmopt_errmsg(), "tlb.min_entries 4194304 is above tlb.max_entries 16");
    /* A file others may write, or grown past any plan's size: refused,
     * naming the file. */
    spit(path, good, n);
    chmod(path, 0666);
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EPERM);
    assert_contains(vmopt_errmsg(), "writable by group or others");
    assert_contains(vmopt_errmsg(), path);
    chmod(path, 0600);
    char *big = calloc(1, 70 * 1024);
    memset(big, 'x', 70 * 1024);
    spit(path, big, 70 * 1024);
    free(big);
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EFBIG);
    assert_contains(vmopt_errmsg(), "too large");
    /* A FIFO (no writer): refused at once, not waited on. */
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), -EINVAL);
    assert_contains(vmopt_errmsg(), "not a regular file");
    unlink(path);
    spit(path, good, n);
    chmod(path, 0600); /* whatever the umask */
    assert_int_equal(vmopt__plan_load_saved(&back, sig, path, &lv), 0);
    free(good);
}

/* Writers in several processes save over one file while this one reads
 * it: every read sees a whole file, and no temporary file is left. */
static void test_concurrent_writers(void **state)
{
    char sig[VMOPT__SIGNATURE_LEN], path[512], dir[256];
    struct vmopt_plan plan = resolved("default", NULL, sig), back;
    snprintf(dir, sizeof dir, "%s/concurrent", tmp_dir());
    snprintf(path, sizeof path, "%s/default.plan", dir);
    assert_int_equal(vmopt__plan_save(&plan, sig, VMOPT_LEVEL_ESTIMATE, path), 0);
    enum { WRITERS = 4, SAVES = 150 };
    pid_t pid[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        if ((pid[w] = fork()) == 0) {
            for (int i = 0; i < SAVES; i++) {
                if (vmopt__plan_save(&plan, sig, VMOPT_LEVEL_MEASURE, path) < 0)
                    _exit(1);
            }
            _exit(0);
        }
    }
    int reads = 0, running = WRITERS;
    while (running) {
        int rc = vmopt__plan_load_saved(&back, sig, path, &lv);
        if (rc != 0)
            fail_msg("read %d: %s", reads, vmopt_errmsg());
        assert_memory_equal(back.v, plan.v, sizeof plan.v);
        reads++;
        int status;
        pid_t done = waitpid(-1, &status, WNOHANG);
        if (done > 0) {
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
            running--;
        }
    }
    assert_true(reads > 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = default.plan", dir);
    assert_int_equal(system(cmd), 0);
}

/* stderr into a file while fn runs; returns what was written. */
static char *stderr_of(void (*fn)(void))
{
    static char out[8192];
    char path[300];
    snprintf(path, sizeof path, "%s/stderr.txt", tmp_dir());
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    fclose(f);
    return out;
}

static void tune_twice(void)
{
    assert_int_equal(vmopt_autotune(NULL), 0);
    assert_int_equal(vmopt_autotune(NULL), 0);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_autotune(void **state)
{
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/cache", tmp_dir());
    snprintf(path, sizeof path, "%s/default.plan", dir);
    setenv("VMOPT_CACHE_DIR", dir, 1);
    vmopt__options_reset();

    /* Nothing saved: probed and resolved. */
    assert_int_equal(vmopt_autotune(NULL), 0);
    vmopt_plan *p = vmopt_current_plan();
    assert_false(strstr(p->origin, "saved"));
    vmopt_plan_free(p);
    assert_int_equal(access(path, F_OK), -1);

    /* Saved, then loaded in place of the probe. */
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = VMOPT_TUNE_SAVE;
    assert_int_equal(vmopt_autotune(&o), 0);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(vmopt_autotune(NULL), 0);
    p = vmopt_current_plan();
    assert_contains(p->origin, "saved");
    assert_contains(p->origin, path);
    vmopt_plan_free(p);
    /* FRESH ignores it. */
    o.flags = VMOPT_TUNE_FRESH;
    assert_int_equal(vmopt_autotune(&o), 0);
    p = vmopt_current_plan();
    assert_false(strstr(p->origin, "saved"));
    vmopt_plan_free(p);
    /* A profile of another name has a file of its own. */
    o.flags = 0;
    o.profile = "jit";
    assert_int_equal(vmopt_autotune(&o), 0);
    p = vmopt_current_plan();
    assert_string_equal(p->profile, "jit");
    assert_false(strstr(p->origin, "saved"));
    vmopt_plan_free(p);

    /* A damaged file: tuned afresh, with one warning for two calls. */
    size_t n;
    char *good = slurp(path, &n);
    char *bad = malloc(n);
    memcpy(bad, good, n);
    bad[n / 2] ^= 1;
    spit(path, bad, n);
    char *err = stderr_of(tune_twice);
    assert_int_equal(count(err, "damaged"), 1);
    assert_contains(err, "ignored, tuning afresh");
    p = vmopt_current_plan();
    assert_false(strstr(p->origin, "saved"));
    vmopt_plan_free(p);
    free(bad);
    free(good);
    unsetenv("VMOPT_CACHE_DIR");
    vmopt__options_reset();
}

/* The cache stays, the machine changes under it (a VM migrated to another
 * CPU, a home directory shared by two hosts): a plan saved on the other CPU
 * is never used here.  The file below is what that CPU would have written,
 * checksum and all, but for its CPUID signature. */
static void test_new_cpu_same_cache(void **state)
{
    char dir[256], path[300], sig[VMOPT__SIGNATURE_LEN], other[VMOPT__SIGNATURE_LEN];
    snprintf(dir, sizeof dir, "%s/moved", tmp_dir());
    snprintf(path, sizeof path, "%s/default.plan", dir);
    setenv("VMOPT_CACHE_DIR", dir, 1);
    vmopt__options_reset();
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = VMOPT_TUNE_SAVE | VMOPT_TUNE_FRESH;
    assert_int_equal(vmopt_autotune(&o), 0);
    assert_int_equal(vmopt_autotune(NULL), 0);
    vmopt_plan *p = vmopt_current_plan();
    assert_contains(p->origin, "saved"); /* on this CPU, it is used */
    vmopt_plan_free(p);

    struct vmopt_plan plan = resolved("default", NULL, sig);
    /* x86: CPUID leaf 1's signature; arm64: MIDR_EL1.  Another stepping. */
#ifdef __aarch64__
    const char *key = "midr 0x";
#else
    const char *key = "cpuid 0x";
#endif
    const char *cpu = strstr(sig, key);
    assert_non_null(cpu);
    size_t kl = strlen(key);
    snprintf(other, sizeof other, "%.*s%s%x%s", (int)(cpu - sig), sig, key,
             (unsigned)strtoul(cpu + kl, NULL, 16) ^ 0x10u, cpu + kl + strspn(cpu + kl, "0123456789abcdef"));
    assert_string_not_equal(sig, other);
    assert_int_equal(vmopt__plan_save(&plan, other, VMOPT_LEVEL_MEASURE, path), 0);
    assert_int_equal(vmopt__plan_load_saved(&plan, sig, path, &lv), -ESTALE);
    assert_int_equal(vmopt_autotune(NULL), 0);
    p = vmopt_current_plan();
    assert_false(strstr(p->origin, "saved"));
    vmopt_plan_free(p);

    /* Nor a plan from a CPU with other features: they are part of the
     * signature, as the caches are (from CPUID on x86, sysfs elsewhere). */
    vmopt_profile *prof;
    vmopt_machine *a;
    assert_int_equal(vmopt_profile_load(&prof, "default"), 0);
    assert_int_equal(vmopt_machine_probe(&a, VMOPT_PROBE_ISA), 0);
    vmopt__signature(a, prof, sig, sizeof sig);
    ((struct vmopt_machine *)a)->features ^= 1u << VMOPT__FEAT_AVX2;
    vmopt__signature(a, prof, other, sizeof other);
    assert_string_not_equal(sig, other);
    assert_contains(sig, "caches ");
    vmopt_machine_free(a);
    vmopt_profile_free(prof);
    unsetenv("VMOPT_CACHE_DIR");
    vmopt__options_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_autotune),
        cmocka_unit_test(test_new_cpu_same_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
