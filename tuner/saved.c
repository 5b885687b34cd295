/* Saved plans: see saved.h.  The file is text, one line per field, so that
 * it can be read and diffed:
 *
 *   vmopt saved plan 1
 *   signature: vmopt 0.1.0; x86_64 AuthenticAMD "AMD EPYC" 25/17/1; ...
 *   profile: default
 *   ...
 *   memcpy.simd<TAB>avx512<TAB>auto<TAB>avx512f+bw+vl (cpu_features) -> widest loop avx512
 *   ...
 *   checksum: 1f0c6a6c2d3e4b5a
 *
 * The checksum (FNV-1a, 64 bits) covers every byte before its line, so a
 * truncated or damaged file is refused whole; every value is parsed and
 * range-checked as a profile's would be, and every field must appear once. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#endif
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/internal.h"
#include "lib/options.h"
#include "tuner/calibrate.h"
#include "tuner/saved.h"

#define MAGIC "vmopt saved plan 1"
#define MAX_FILE (64 * 1024)

static uint64_t fnv1a(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ull

/* The caches, as part of the machine's identity: a VM moved to a host with
 * other caches, or given another share of one, is another machine.  On
 * x86 glibc has already read them from CPUID at start-up, and sysconf
 * hands them over with no system call (its L3 may be the package's where
 * sysfs gives the CCX's: an identity need not be the figure the resolver
 * uses, only the same on the machine that saved and the one that loads).
 * Elsewhere, sysfs: glibc knows no sizes on arm64.  Three sysfs reads are
 * nine system calls, 25 us in this project's KVM guest (Zen 4). */
static const char *cache_sizes(uint64_t size[3])
{
#if defined(__x86_64__) || defined(__i386__)
    static const int name[3] = {_SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL3_CACHE_SIZE};
    for (int i = 0; i < 3; i++) {
        long v = sysconf(name[i]);
        size[i] = v > 0 ? (uint64_t)v : 0;
    }
    return "CPUID";
#else
    /* L1d, L2 and L3 as Linux numbers them (index1 is the L1i). */
    static const int index[3] = {0, 2, 3};
    for (int i = 0; i < 3; i++) {
        char path[80], buf[32];
        const char *why;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index[i]);
        if (vmopt__sysfs_read(path, buf, sizeof buf) < 0 || vmopt__parse_size(buf, &size[i], &why) < 0)
            size[i] = 0;
    }
    return "sysfs";
#endif
}

/* The CPU's identity: its family/model/stepping signature (CPUID leaf 1's
 * eax), the same whichever probe ran, libvmopt's (cpu_features) or the
 * preload's (glibc).  glibc keeps the leaf from its start-up, which saves
 * a CPUID (7 us in a guest, where each one exits to the host). */
static void cpu_identity(const struct vmopt_machine *m, char *buf, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned sig = 0;
#ifdef CPU_FEATURE_ACTIVE /* <sys/platform/x86.h>; CPUID_INDEX_1 is an enum, not a macro */
    const struct cpuid_feature *leaf = __x86_get_cpuid_feature_leaf(CPUID_INDEX_1);
    if (leaf)
        sig = leaf->cpuid_array[0];
#endif
    unsigned b, c, d;
    if (!sig && !__get_cpuid(1, &sig, &b, &c, &d))
        sig = 0;
    snprintf(buf, len, "%s cpuid 0x%x", m->arch, sig);
#elif defined(__aarch64__)
    /* MIDR_EL1 (implementer, part, revision): Linux emulates the read for
     * user space where HWCAP_CPUID says so; and the hwcaps, which say what
     * the kernel lets the process use (SVE, its vector length aside). */
    unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
    uint64_t midr = vmopt__arm64_midr();
    snprintf(buf, len, "%s midr 0x%llx hwcap 0x%lx/0x%lx", m->arch, (unsigned long long)midr, hwcap, hwcap2);
#else
    snprintf(buf, len, "%s", m->arch);
#endif
}

void vmopt__signature(const struct vmopt_machine *m, const struct vmopt_profile *p, char *buf,
                      size_t len)
{
    uint64_t h = FNV_INIT;
    h = fnv1a(&p->workload, sizeof p->workload, h);
    for (int k = 0; k < VMOPT__K_COUNT; k++) {
        const vmopt__setting *s = &p->s[k];
        uint8_t flags[2] = {s->set, s->is_auto};
        h = fnv1a(flags, sizeof flags, h);
        h = fnv1a(&s->value, sizeof s->value, h);
    }
    char cpu[128];
    cpu_identity(m, cpu, sizeof cpu);
    uint64_t size[3];
    const char *source = cache_sizes(size);
    snprintf(buf, len, "vmopt %s; %s; features 0x%x; caches %llu/%llu/%llu (%s); profile %s %016llx",
             vmopt_version_string(), cpu, m->features, (unsigned long long)size[0],
             (unsigned long long)size[1], (unsigned long long)size[2], source, p->name,
             (unsigned long long)h);
}

int vmopt__cache_file(const char *name, char *buf, size_t len)
{
    const char *dir = vmopt__option_string(VMOPT__O_CACHE_DIR);
    const char *xdg = secure_getenv("XDG_CACHE_HOME"), *home = secure_getenv("HOME");
    int n;
    if (dir && *dir)
        n = snprintf(buf, len, "%s/%s", dir, name);
    else if (xdg && *xdg == '/')
        n = snprintf(buf, len, "%s/vmopt/%s", xdg, name);
    else if (home && *home == '/')
        n = snprintf(buf, len, "%s/.cache/vmopt/%s", home, name);
    else
        return vmopt__fail(-ENOENT, "cache directory: no VMOPT_CACHE_DIR, XDG_CACHE_HOME or HOME");
    if (n < 0 || (size_t)n >= len)
        return vmopt__fail(-ENAMETOOLONG, "cache directory: the path of '%s' is too long", name);
    return 0;
}

int vmopt__saved_path(const char *profile_name, char *buf, size_t len)
{
    /* A built-in is its name ("jit.plan"); a file is its base name and a
     * hash of its absolute path ("jit.fast.3f2a9c1e.plan"), so that
     * jit.fast.conf, a jit.conf elsewhere and the built-in jit do not take
     * turns overwriting one plan. */
    int file = strchr(profile_name, '/') || strstr(profile_name, ".conf");
    const char *base = strrchr(profile_name, '/');
    base = base ? base + 1 : profile_name;
    size_t blen = strlen(base);
    if (file && blen > 5 && strcmp(base + blen - 5, ".conf") == 0)
        blen -= 5;
    char name[256];
    if (blen == 0 || blen + 24 > sizeof name || memchr(base, '\n', blen))
        return vmopt__fail(-ENAMETOOLONG, "saved plans: no usable file name for profile '%s'", profile_name);
    if (!file) {
        snprintf(name, sizeof name, "%.*s.plan", (int)blen, base);
    } else {
        char abs[4096];
        const char *id = realpath(profile_name, abs) ? abs : profile_name;
        uint32_t h = (uint32_t)fnv1a(id, strlen(id), FNV_INIT);
        snprintf(name, sizeof name, "%.*s.%08x.plan", (int)blen, base, (unsigned)h);
    }
    return vmopt__cache_file(name, buf, len);
}

/* mkdir -p of the directory part of path, each new level 0700. */
int vmopt__make_parents(const char *path)
{
    char dir[4096];
    vmopt__strlcpy(dir, path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

/* One line of the header: "name: value" with no newline inside. */
static int put_header(char *buf, size_t cap, size_t *n, const char *name, const char *value)
{
    int w = snprintf(buf + *n, cap - *n, "%s: ", name);
    if (w < 0 || (size_t)w >= cap - *n)
        return -1;
    *n += (size_t)w;
    for (const char *c = value; *c; c++)
        if (*n < cap - 1)
            buf[(*n)++] = *c == '\n' || *c == '\t' ? ' ' : *c;
    if (*n >= cap - 1)
        return -1;
    buf[(*n)++] = '\n';
    return 0;
}

int vmopt__plan_save(const struct vmopt_plan *plan, const char *signature, int level, const char *path)
{
    char *buf = malloc(MAX_FILE);
    if (!buf)
        return vmopt__fail(-ENOMEM, "saving %s: out of memory", path);
    size_t n = 0;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    n += (size_t)snprintf(buf, MAX_FILE, "%s\n", MAGIC);
    int bad = put_header(buf, MAX_FILE, &n, "signature", signature) < 0;
    bad |= put_header(buf, MAX_FILE, &n, "profile", plan->profile) < 0;
    bad |= put_header(buf, MAX_FILE, &n, "description", plan->description) < 0;
    bad |= put_header(buf, MAX_FILE, &n, "origin", plan->origin) < 0;
    bad |= put_header(buf, MAX_FILE, &n, "chain", plan->chain) < 0;
    bad |= put_header(buf, MAX_FILE, &n, "workload", vmopt__workload_names[plan->workload]) < 0;
    bad |= put_header(buf, MAX_FILE, &n, "level", vmopt__level_names[level]) < 0;
    bad |= put_header(buf, MAX_FILE, &n, "saved", when) < 0;
    for (int k = 0; k < VMOPT__K_COUNT && !bad; k++) {
        char value[64], reason[VMOPT__REASON_LEN];
        vmopt__field_format((vmopt__key)k, plan->v[k], value, sizeof value);
        vmopt__strlcpy(reason, plan->reason[k], sizeof reason);
        for (char *c = reason; *c; c++)
            if (*c == '\n' || *c == '\t')
                *c = ' ';
        int w = snprintf(buf + n, MAX_FILE - n, "%s\t%s\t%s\t%s\n", vmopt__fields[k].qualified, value,
                         plan->is_auto[k] ? "auto" : "set", reason);
        bad = w < 0 || (size_t)w >= MAX_FILE - n;
        if (!bad)
            n += (size_t)w;
    }
    if (!bad) {
        int w = snprintf(buf + n, MAX_FILE - n, "checksum: %016llx\n",
                         (unsigned long long)fnv1a(buf, n, FNV_INIT));
        bad = w < 0 || (size_t)w >= MAX_FILE - n;
        n += bad ? 0 : (size_t)w;
    }
    if (bad) {
        free(buf);
        return vmopt__fail(-EOVERFLOW, "saving %s: the plan does not fit in %d bytes", path, MAX_FILE);
    }

    int rc = vmopt__make_parents(path);
    if (rc < 0) {
        free(buf);
        return vmopt__fail(rc, "saving %s: cannot create its directory: %s", path, strerror(-rc));
    }
    if ((rc = vmopt__file_dir_trusted(path, "saving a plan")) < 0) {
        free(buf);
        return rc;
    }
    /* A name of its own per writer: pid and a counter, created exclusively. */
    static unsigned seq;
    char tmp[4096 + 64];
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(),
                 __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = -errno;
        free(buf);
        return vmopt__fail(rc, "saving %s: cannot create %s: %s", path, tmp, strerror(-rc));
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    rc = done == n && fsync(fd) == 0 ? 0 : -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    free(buf);
    if (rc < 0) {
        unlink(tmp);
        return vmopt__fail(rc ? rc : -EIO, "saving %s: %s", path, strerror(rc ? -rc : EIO));
    }
    return 0;
}

/* The value after "name: " on the line at *p, copied into out; advances *p. */
static int take_header(char **p, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    if (strncmp(*p, name, nl) != 0 || (*p)[nl] != ':' || (*p)[nl + 1] != ' ')
        return -1;
    char *v = *p + nl + 2, *end = strchr(v, '\n');
    if (!end)
        return -1;
    *end = 0;
    vmopt__strlcpy(out, v, len);
    *p = end + 1;
    return 0;
}

int vmopt__plan_load_saved(struct vmopt_plan *plan, const char *signature, const char *path, int *level_out)
{
    /* The message first: its arguments may point into buf. */
#define CORRUPT(fmt, ...)                                                                          \
    __extension__({                                                                                \
        int rc_ = vmopt__fail(-EBADMSG, "saved plan %s: " fmt, path, ##__VA_ARGS__);              \
        free(buf);                                                                                 \
        rc_;                                                                                       \
    })
    char *buf = NULL;
    size_t n;
    int rc = vmopt__file_dir_trusted(path, "saved plan");
    if (rc == 0)
        rc = vmopt__file_read(path, VMOPT__FILE_OWNED, MAX_FILE, "saved plan", &buf, &n);
    if (rc < 0)
        return rc;

    /* The checksum line ends the file and covers everything before it. */
    const char *tag = "checksum: ";
    char *last = n >= 2 ? buf + n - 2 : buf;
    while (last > buf && last[-1] != '\n')
        last--;
    if (n < 2 || buf[n - 1] != '\n' || strncmp(last, tag, strlen(tag)) != 0)
        return CORRUPT("truncated (no checksum line at the end)");
    unsigned long long want = strtoull(last + strlen(tag), NULL, 16);
    if (fnv1a(buf, (size_t)(last - buf), FNV_INIT) != want)
        return CORRUPT("checksum mismatch: the file is damaged");
    *last = 0;

    char *p = buf, saved_sig[VMOPT__SIGNATURE_LEN], workload[32], level[32], when[32];
    struct vmopt_plan out;
    memset(&out, 0, sizeof out);
    if (strncmp(p, MAGIC "\n", strlen(MAGIC) + 1) != 0)
        return CORRUPT("not a vmopt saved plan (first line is not '%s')", MAGIC);
    p += strlen(MAGIC) + 1;
    if (take_header(&p, "signature", saved_sig, sizeof saved_sig) < 0 ||
        take_header(&p, "profile", out.profile, sizeof out.profile) < 0 ||
        take_header(&p, "description", out.description, sizeof out.description) < 0 ||
        take_header(&p, "origin", out.origin, sizeof out.origin) < 0 ||
        take_header(&p, "chain", out.chain, sizeof out.chain) < 0 ||
        take_header(&p, "workload", workload, sizeof workload) < 0 ||
        take_header(&p, "level", level, sizeof level) < 0 || take_header(&p, "saved", when, sizeof when) < 0)
        return CORRUPT("a header line is missing or out of order");
    if (strcmp(saved_sig, signature) != 0) {
        free(buf);
        return vmopt__fail(-ESTALE, "saved plan %s is for another machine or profile: saved for \"%s\", this is \"%s\"",
                           path, saved_sig, signature); /* saved_sig is a copy, not in buf */
    }
    if ((out.workload = vmopt__name_index(vmopt__workload_names, workload)) < 0)
        return CORRUPT("unknown workload '%s'", workload);
    int lv = vmopt__name_index(vmopt__level_names, level);
    if (lv < 0)
        return CORRUPT("unknown level '%s'", level);

    uint8_t seen[VMOPT__K_COUNT] = {0};
    int line = 10, last_k = -1;
    while (*p) {
        char *end = strchr(p, '\n');
        if (!end)
            return CORRUPT("line %d: no newline", line);
        *end = 0;
        char *f[4] = {p, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            char *t = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
            if (!t)
                return CORRUPT("line %d: expected key, value, auto|set and reason, tab-separated", line);
            *t = 0;
            f[i] = t + 1;
        }
        int k = vmopt__field_find_qualified(f[0], last_k + 1);
        if (k < 0)
            return CORRUPT("line %d: unknown key '%s'", line, f[0]);
        if (seen[k]++)
            return CORRUPT("line %d: '%s' appears twice", line, f[0]);
        const char *why = "";
        if (vmopt__field_parse((vmopt__key)k, f[1], &out.v[k], &why) < 0)
            return CORRUPT("line %d: %s = %s: %s", line, f[0], f[1], why);
        if (strcmp(f[2], "auto") != 0 && strcmp(f[2], "set") != 0)
            return CORRUPT("line %d: expected auto or set, not '%s'", line, f[2]);
        out.is_auto[k] = f[2][0] == 'a';
        last_k = k;
        vmopt__strlcpy(out.reason[k], f[3], sizeof out.reason[k]);
        p = end + 1;
        line++;
    }
    for (int k = 0; k < VMOPT__K_COUNT; k++)
        if (!seen[k])
            return CORRUPT("'%s' is missing", vmopt__fields[k].qualified);
    /* Each value in range is not enough: a plan whose TLB no create call
     * would accept is refused here, whole, as a profile would be. */
    vmopt__tlb_shape shape = {(long)out.v[VMOPT__K_TLB_STRATEGY], (long)out.v[VMOPT__K_TLB_WAYS],
                              (long)out.v[VMOPT__K_TLB_ENTRIES], (long)out.v[VMOPT__K_TLB_MIN_ENTRIES],
                              (long)out.v[VMOPT__K_TLB_MAX_ENTRIES]};
    char shape_why[160];
    if (vmopt__tlb_shape_wrong(&shape, shape_why, sizeof shape_why, NULL))
        return CORRUPT("%s", shape_why);
    /* Where it came from, for the dump. */
    char origin[VMOPT__ORIGIN_LEN];
    snprintf(origin, sizeof origin, "%s; saved %s (%s, %s)", out.origin, path, level, when);
    vmopt__strlcpy(out.origin, origin, sizeof out.origin);
    *plan = out;
    *level_out = lv;
    free(buf);
    return 0;
#undef CORRUPT
}
