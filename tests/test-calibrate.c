/* Calibration: at the measure level every value it measures carries its
 * figures and stays in its field's range, the streaming threshold keeps
 * its estimate; values a profile set are never touched; progress runs
 * from 0 to 1; a bad level is refused; and a saved plan stands in for its
 * own level and lower ones, never a higher one. */
#include "dispatch/entry.h"
#include "lib/internal.h"
#include "lib/options.h"
#include "lib/plan.h"
#include "profiles/resolve.h"
#include "tuner/calibrate.h"
#include "tests/testutil.h"

/* What calibration says of the loop: x86-64 has several vector loops to
 * time against each other; arm64 has NEON's, and SVE's where the CPU has
 * SVE and the kernel keeps it. */
static const char *loop_measured(void)
{
#ifdef __x86_64__
    return "measured";
#else
    struct vmopt_machine *m;
    assert_int_equal(vmopt_machine_probe(&m, VMOPT_PROBE_ISA), 0);
    int two = vmopt__has(m, VMOPT__FEAT_SVE) && vmopt__kernel_keeps_sve(m);
    vmopt_machine_free(m);
    return two ? "measured" : "nothing to measure";
#endif
}
#define LOOP_MEASURED loop_measured()

static void resolve(const char *profile, struct vmopt_plan *plan, struct vmopt_machine **m)
{
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_load(&p, profile), 0);
    assert_int_equal(vmopt_machine_probe(m, VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY), 0);
    vmopt__overrides ov = VMOPT__OVERRIDES_NONE;
    assert_int_equal(vmopt__plan_resolve(plan, *m, p, &ov), 0);
    vmopt_profile_free(p);
}

static void in_range(const struct vmopt_plan *plan)
{
    for (int k = 0; k < VMOPT__K_COUNT; k++) {
        char text[64];
        uint64_t back;
        const char *why = "";
        vmopt__field_format((vmopt__key)k, plan->v[k], text, sizeof text);
        if (vmopt__field_parse((vmopt__key)k, text, &back, &why) < 0 || back != plan->v[k])
            fail_msg("%s = %s: %s", vmopt__fields[k].qualified, text, why);
    }
}

typedef struct {
    int calls;
    double last;
    int backwards;
    char what[64];
} seen;

static void on_progress(void *arg, double done, const char *what)
{
    seen *s = arg;
    if (done < s->last)
        s->backwards = 1;
    s->last = done;
    s->calls++;
    vmopt__strlcpy(s->what, what, sizeof s->what);
}

static void test_measure(void **state)
{
    struct vmopt_plan plan, before;
    struct vmopt_machine *m;
    resolve("default", &plan, &m);
    before = plan;
    seen s = {0};
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.level = VMOPT_LEVEL_MEASURE;
    o.progress = on_progress;
    o.progress_arg = &s;
    assert_int_equal(vmopt__calibrate(&plan, m, &o), 0);
    assert_true(s.calls >= 6 && !s.backwards && s.last == 1.0);
    assert_string_equal(s.what, "done");
    in_range(&plan);
    assert_contains(plan.reason[VMOPT__K_MEMCPY_LOOP], LOOP_MEASURED);
    static const vmopt__key measured[] = {VMOPT__K_TLB_STRATEGY, VMOPT__K_POOL_MAGAZINE};
    for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++)
        assert_contains(plan.reason[measured[i]], "measured");
    /* inline_max is measured where the entry leaves a choice: between what
     * it copies before the table and eight of its vectors. */
    const vmopt__mem_entry *e = vmopt__mem_entry_for((int)plan.v[VMOPT__K_MEMCPY_SIMD]);
    if (vmopt__mem_entry_front(e) < vmopt__mem_entry_inline_hi(e))
        assert_contains(plan.reason[VMOPT__K_MEMCPY_INLINE_MAX], "measured");
    else
        assert_int_equal(plan.v[VMOPT__K_MEMCPY_INLINE_MAX], vmopt__mem_entry_front(e));
    if (vmopt__has(m, VMOPT__FEAT_ERMS)) {
        assert_contains(plan.reason[VMOPT__K_MEMCPY_REP_MOVSB_MIN], "GiB/s at");
        assert_contains(plan.reason[VMOPT__K_MEMCPY_REP_STOSB_MIN], "rep stosb");
    }
    /* Streaming is measured only at the exhaustive level. */
    assert_int_equal(plan.v[VMOPT__K_MEMCPY_NONTEMPORAL_MIN], before.v[VMOPT__K_MEMCPY_NONTEMPORAL_MIN]);
    assert_string_equal(plan.reason[VMOPT__K_MEMCPY_NONTEMPORAL_MIN], before.reason[VMOPT__K_MEMCPY_NONTEMPORAL_MIN]);
    assert_contains(plan.origin, "calibrated (measure)");
    /* Without a recorded trace, the TLB's size is left to resizing. */
    assert_string_equal(plan.reason[VMOPT__K_TLB_ENTRIES], before.reason[VMOPT__K_TLB_ENTRIES]);
    /* With rehashing on, the hash adapts at run time: the estimate stays. */
    assert_int_equal(plan.v[VMOPT__K_TLB_REHASH], 1);
    assert_string_equal(plan.reason[VMOPT__K_TLB_HASH], before.reason[VMOPT__K_TLB_HASH]);
    /* Estimate changes nothing. */
    struct vmopt_plan again = before;
    vmopt_options est = VMOPT_OPTIONS_INIT;
    assert_int_equal(vmopt__calibrate(&again, m, &est), 0);
    assert_memory_equal(&again, &before, sizeof again);
    vmopt_machine_free(m);
}

static void test_tlb_hash(void **state)
{
    const char *path = write_file("norehash.conf", "[profile]\nname = norehash\ninclude = default\n"
                                                   "[tlb]\nrehash = off\n");
    struct vmopt_plan plan;
    struct vmopt_machine *m;
    resolve(path, &plan, &m);
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.level = VMOPT_LEVEL_MEASURE;
    assert_int_equal(vmopt__calibrate(&plan, m, &o), 0);
    assert_contains(plan.reason[VMOPT__K_TLB_HASH], "measured on a synthetic trace: mask ");
    assert_true(plan.v[VMOPT__K_TLB_HASH] <= 2);
    vmopt_machine_free(m);
}

/* A recorded trace: a VM whose working set is 3000 pages gets a table
 * that holds them, measured on its own addresses. */
static void test_tlb_trace(void **state)
{
    struct vmopt_plan plan;
    struct vmopt_machine *m;
    resolve("default", &plan, &m);
    enum { N = 200000 };
    static uint64_t trace[N];
    uint64_t x = 7;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        trace[i] = (0x40000000u + (x % 3000) * 4096) | (x & 0xfff);
    }
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.level = VMOPT_LEVEL_MEASURE;
    o.tlb_trace = trace;
    o.tlb_trace_len = N;
    assert_int_equal(vmopt__calibrate(&plan, m, &o), 0);
    assert_contains(plan.reason[VMOPT__K_TLB_ENTRIES], "measured on the given trace:");
    assert_true(plan.v[VMOPT__K_TLB_ENTRIES] >= 4096);
    assert_true(plan.v[VMOPT__K_TLB_ENTRIES] <= plan.v[VMOPT__K_TLB_MAX_ENTRIES]);
    assert_contains(plan.reason[VMOPT__K_TLB_STRATEGY], "the given trace");
    in_range(&plan);
    vmopt_machine_free(m);
    /* A length without a trace is refused. */
    o.tlb_trace = NULL;
    assert_int_equal(vmopt_autotune(&o), -EINVAL);
    assert_contains(vmopt_errmsg(), "tlb_trace");
}

static void test_set_values_kept(void **state)
{
    const char *path = write_file("fixed.conf", "[profile]\nname = fixed\ninclude = default\n"
                                                "[memcpy]\nsimd = sse2\nrep_movsb_min = 4 KiB\nrep_stosb_min = 0\n"
                                                "[tlb]\nstrategy = set-assoc\nways = 2\n[pool]\nmagazine = 48\n");
    struct vmopt_plan plan, before;
    struct vmopt_machine *m;
    resolve(path, &plan, &m);
    before = plan;
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.level = VMOPT_LEVEL_MEASURE;
    assert_int_equal(vmopt__calibrate(&plan, m, &o), 0);
    static const vmopt__key fixed[] = {VMOPT__K_MEMCPY_SIMD, VMOPT__K_MEMCPY_REP_MOVSB_MIN,
                                       VMOPT__K_MEMCPY_REP_STOSB_MIN, VMOPT__K_TLB_STRATEGY,
                                       VMOPT__K_TLB_WAYS, VMOPT__K_POOL_MAGAZINE};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        assert_int_equal(plan.v[fixed[i]], before.v[fixed[i]]);
        assert_string_equal(plan.reason[fixed[i]], before.reason[fixed[i]]);
        assert_contains(plan.reason[fixed[i]], "fixed.conf");
    }
    assert_int_equal(plan.v[VMOPT__K_POOL_MAGAZINE], 48);
    vmopt_machine_free(m);
}

static void test_autotune_levels(void **state)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s/cache", tmp_dir());
    setenv("VMOPT_CACHE_DIR", dir, 1);
    vmopt__options_reset();
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.level = 7;
    assert_int_equal(vmopt_autotune(&o), -EINVAL);
    assert_contains(vmopt_errmsg(), "level 7");

    /* Saved at estimate: a measure request calibrates again. */
    o.level = VMOPT_LEVEL_ESTIMATE;
    o.flags = VMOPT_TUNE_SAVE;
    assert_int_equal(vmopt_autotune(&o), 0);
    o.level = VMOPT_LEVEL_MEASURE;
    o.flags = 0;
    assert_int_equal(vmopt_autotune(&o), 0);
    vmopt_plan *p = vmopt_current_plan();
    assert_false(strstr(p->origin, "saved"));
    assert_contains(p->origin, "calibrated (measure)");
    vmopt_plan_free(p);

    /* Saved at measure: it stands in for measure and for estimate. */
    o.flags = VMOPT_TUNE_SAVE | VMOPT_TUNE_FRESH;
    assert_int_equal(vmopt_autotune(&o), 0);
    for (int level = VMOPT_LEVEL_ESTIMATE; level <= VMOPT_LEVEL_MEASURE; level++) {
        o.level = level;
        o.flags = 0;
        assert_int_equal(vmopt_autotune(&o), 0);
        p = vmopt_current_plan();
        assert_contains(p->origin, "saved");
        assert_contains(p->origin, "(measure,");
        assert_contains(p->reason[VMOPT__K_MEMCPY_LOOP], LOOP_MEASURED);
        vmopt_plan_free(p);
    }
    unsetenv("VMOPT_CACHE_DIR");
    vmopt__options_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measure),
        cmocka_unit_test(test_tlb_hash),
        cmocka_unit_test(test_tlb_trace),
        cmocka_unit_test(test_set_values_kept),
        cmocka_unit_test(test_autotune_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
