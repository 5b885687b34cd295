/* vmopt_autotune(): installs a plan, keeps the previous one on any error,
 * honours VMOPT_PROFILE and VMOPT_SIMD, and is safe from many threads. */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/wait.h>

#include "lib/machine.h"
#include "lib/options.h"
#include "tuner/probe.h"
#include "lib/plan.h"
#include "tests/testutil.h"

/* The name of the profile behind the plan in force. */
static const char *current_name(void)
{
    static char name[VMOPT__NAME_LEN];
    vmopt_plan *plan = vmopt_current_plan();
    assert_non_null(plan);
    memcpy(name, plan->profile, sizeof name);
    vmopt_plan_free(plan);
    return name;
}

static void test_before_any(void **state)
{
    assert_null(vmopt_current_plan());
    assert_contains(vmopt_errmsg(), "no plan installed");
}

static void test_default_then_named(void **state)
{
    assert_int_equal(vmopt_autotune(NULL), 0);
    assert_string_equal(current_name(), "default");
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.profile = "jit";
    assert_int_equal(vmopt_autotune(&o), 0);
    assert_string_equal(current_name(), "jit");
    /* jit's retune.enabled started the retuner: stopped, so that the tests
     * below (which reset options and fork) do not race with a thread none
     * of them is about (ThreadSanitizer saw both, flakily). */
    vmopt_retune_stop();
}

/* vmopt_autotune() probes only what the plan reads (the ISA from the
 * loader's data, a few sysfs files), and its plan is the one the full
 * probe (cpu_features, hwloc) gives, value for value.  Where the two
 * probes see different caches (an odd sysfs numbering, no sysfs at all),
 * the plans may differ: the test says so and checks what it can. */
static void test_cheap_probe_same_plan(void **state)
{
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = VMOPT_TUNE_FRESH;
    assert_int_equal(vmopt_autotune(&o), 0);
    vmopt_plan *cheap = vmopt_current_plan();
    assert_non_null(cheap);
    o.probe = VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY; /* asked for: the full probe */
    assert_int_equal(vmopt_autotune(&o), 0);
    vmopt_plan *full = vmopt_current_plan();
    assert_non_null(full);

    vmopt_machine *m;
    assert_int_equal(vmopt_machine_probe(&m, VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY), 0);
    struct vmopt_machine *fm = (struct vmopt_machine *)m;
    char l2[32] = "", l3[32] = "";
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index2/size", "r");
    if (f) {
        if (!fgets(l2, sizeof l2, f))
            l2[0] = 0;
        fclose(f);
    }
    f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (f) {
        if (!fgets(l3, sizeof l3, f))
            l3[0] = 0;
        fclose(f);
    }
    unsigned long long l2b = strtoull(l2, NULL, 10) * 1024, l3b = strtoull(l3, NULL, 10) * 1024;
    int same_caches = l2b && l2b == fm->cache_size[VMOPT__L2].value && (!l3b || l3b == fm->cache_size[VMOPT__L3].value);
    for (int k = 0; k < VMOPT__K_COUNT; k++) {
        if (full->v[k] != cheap->v[k] && same_caches)
            fail_msg("%s: %llu from the full probe, %llu from the plan's probe", vmopt__fields[k].qualified,
                     (unsigned long long)full->v[k], (unsigned long long)cheap->v[k]);
    }
    if (!same_caches)
        print_message("sysfs and the full probe disagree on the caches here: plans not compared\n");
    /* The plan's probe: no cpu_features, no hwloc. */
    struct vmopt_machine *pm;
    assert_int_equal(vmopt__machine_probe_plan(&pm, VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY), 0);
    assert_string_equal(pm->topology_probe, "sysfs-plan");
#if defined(__x86_64__) && defined(HAVE_SYS_PLATFORM_X86_H)
    assert_string_equal(pm->isa_probe, "glibc");
#endif
    assert_int_equal(pm->features & fm->features, fm->features & ((1u << VMOPT__FEAT_COUNT) - 1));
    /* The vendor rules see the same vendor: the preload infers it (SSE4A,
     * family 6, or MIDR_EL1) where the full probe reads it. */
    if (fm->vendor_kind == VMOPT__VENDOR_INTEL || fm->vendor_kind == VMOPT__VENDOR_AMD ||
        strcmp(fm->arch, "aarch64") == 0)
        assert_int_equal(pm->vendor_kind, fm->vendor_kind);
    assert_int_equal(pm->zva_block.value, fm->zva_block.value);
    assert_int_equal(pm->sve_vl.value, fm->sve_vl.value);
    free(pm);
    /* The ISA part of the plan never depends on the probe. */
    assert_int_equal(full->v[VMOPT__K_MEMCPY_SIMD], cheap->v[VMOPT__K_MEMCPY_SIMD]);
    vmopt_machine_free(m);
    vmopt_plan_free(cheap);
    vmopt_plan_free(full);
}

static void test_bad_profile_keeps_plan(void **state)
{
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.profile = "interpreter";
    assert_int_equal(vmopt_autotune(&o), 0);
    vmopt_plan *before = vmopt_current_plan();

    o.profile = write_file("half.conf", "[tlb]\nvictim = 2\n[pool]\nmagazine = lots\n");
    assert_int_equal(vmopt_autotune(&o), -EINVAL);
    assert_contains(vmopt_errmsg(), "half.conf:4:");
    vmopt_plan *after = vmopt_current_plan();
    /* Not even the good line 2 was applied. */
    assert_string_equal(current_name(), "interpreter");
    assert_int_equal(plan_value(after, "tlb.victim"), plan_value(before, "tlb.victim"));
    assert_int_equal(plan_value(after, "tlb.victim"), 8);
    assert_memory_equal(before, after, sizeof(struct vmopt_plan));
    vmopt_plan_free(before);
    vmopt_plan_free(after);
}

static void test_env(void **state)
{
    setenv("VMOPT_PROFILE", "bulk-copy", 1);
    setenv("VMOPT_SIMD", BASE_NAME, 1);
    vmopt__options_reset();
    assert_int_equal(vmopt_autotune(NULL), 0);
    assert_string_equal(current_name(), "bulk-copy");
    vmopt_plan *plan = vmopt_current_plan();
    const char *reason;
    assert_string_equal(plan_text(plan, "memcpy.simd", &reason), BASE_NAME);
    assert_contains(reason, "VMOPT_SIMD=" BASE_NAME);
    vmopt_plan_free(plan);

    /* A bad VMOPT_PROFILE fails the call and leaves bulk-copy in force. */
    setenv("VMOPT_PROFILE", "/nonexistent/x.conf", 1);
    vmopt__options_reset();
    assert_int_equal(vmopt_autotune(NULL), -ENOENT);
    assert_string_equal(current_name(), "bulk-copy");
    unsetenv("VMOPT_PROFILE");
    unsetenv("VMOPT_SIMD");
    vmopt__options_reset();
}

static void test_bad_options(void **state)
{
    vmopt_options o = {.size = 4};
    assert_int_equal(vmopt_autotune(&o), -EINVAL);
    assert_contains(vmopt_errmsg(), "VMOPT_OPTIONS_INIT");
    vmopt_options p = VMOPT_OPTIONS_INIT;
    p.probe = 0x100;
    assert_int_equal(vmopt_autotune(&p), -EINVAL);
}

static void *tune_many(void *arg)
{
    static const char *const names[] = {"default", "jit", "interpreter", "low-memory"};
    vmopt_options o = VMOPT_OPTIONS_INIT;
    long id = (long)arg;
    for (int i = 0; i < 50; i++) {
        o.profile = names[(id + i) % 4];
        if (vmopt_autotune(&o) != 0)
            return (void *)1;
        vmopt_plan *plan = vmopt_current_plan();
        if (!plan)
            return (void *)1;
        vmopt_plan_free(plan);
    }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, tune_many, (void *)i), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        assert_int_equal(pthread_join(t[i], &r), 0);
        assert_null(r);
    }
    const char *n = current_name();
    assert_true(strcmp(n, "default") == 0 || strcmp(n, "jit") == 0 || strcmp(n, "interpreter") == 0 ||
                strcmp(n, "low-memory") == 0);
}

static void test_errno_kept(void **state)
{
    errno = 1234;
    assert_int_equal(vmopt_autotune(NULL), 0);
    assert_int_equal(errno, 1234);
}

/* A child forked while another thread is inside vmopt_autotune can tune
 * again: no lock is left held across fork. */
static atomic_int tuning_done, forking_done;

/* The thread lives until the forks are over: a child forked after it
 * returned but before the join would hold a finished, unjoined thread,
 * which ThreadSanitizer reports as a leak when the child exits. */
static void *tune_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < 300; i++)
        if (vmopt_autotune(NULL) < 0)
            abort();
    atomic_store(&tuning_done, 1);
    while (!atomic_load(&forking_done))
        sched_yield();
    return NULL;
}

static void test_fork_while_tuning(void **state)
{
    pthread_t th;
    int forks = 0;
    atomic_store(&tuning_done, 0);
    atomic_store(&forking_done, 0);
    assert_int_equal(pthread_create(&th, NULL, tune_loop, NULL), 0);
    while (!atomic_load(&tuning_done) && forks < 200) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            alarm(5); /* a held lock would hang here: die instead */
            _exit(vmopt_autotune(NULL) == 0 ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status)) /* SIGALRM: a hang; anything else: a crash */
            fail_msg("fork %d: the child did not exit: signal %d (%s)", forks, WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        assert_int_equal(WEXITSTATUS(status), 0);
        forks++;
    }
    atomic_store(&forking_done, 1);
    pthread_join(th, NULL);
    assert_true(forks > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_any),      cmocka_unit_test(test_default_then_named),
        cmocka_unit_test(test_bad_profile_keeps_plan), cmocka_unit_test(test_env),
        cmocka_unit_test(test_cheap_probe_same_plan),
        cmocka_unit_test(test_bad_options),     cmocka_unit_test(test_threads),
        cmocka_unit_test(test_errno_kept),      cmocka_unit_test(test_fork_while_tuning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
