/* include= inheritance: order, overrides, relative paths, cycles. */
#include "tests/testutil.h"

static vmopt_plan *resolve(vmopt_profile *p)
{
    vmopt_machine *m = fake_machine(32 << 10, 1 << 20, 32 << 20, "sse2,avx2,avx512f,avx512bw,avx512vl,erms");
    vmopt_plan *plan;
    if (vmopt_plan_resolve(&plan, m, p) < 0)
        fail_msg("%s", vmopt_errmsg());
    vmopt_machine_free(m);
    return plan;
}

static void test_builtin_chain(void **state)
{
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_load(&p, "low-memory"), 0);
    vmopt_plan *plan = resolve(p);
    const char *reason;
    /* low-memory sets victim itself and inherits default's explicit retune values. */
    assert_int_equal(plan_value(plan, "tlb.victim"), 4);
    plan_text(plan, "tlb.victim", &reason);
    assert_contains(reason, "built-in/low-memory.conf:");
    plan_text(plan, "retune.period_ms", &reason);
    assert_contains(reason, "built-in/default.conf:");
    /* The workload it declares steers the auto rules: TLB sized for L1d, not L2. */
    assert_int_equal(plan_value(plan, "tlb.max_entries"), (32 << 10) / 2 / 32);
    assert_int_equal(plan_value(plan, "pool.chunk_size"), 64 << 10);
    vmopt_plan_free(plan);
    vmopt_profile_free(p);
}

static void test_file_over_builtin(void **state)
{
    const char *path = write_file("site.conf", "[tlb]\nvictim = 32\n[profile]\ninclude = jit\nname = site\n");
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_load(&p, path), 0);
    assert_string_equal(vmopt_profile_name(p), "site");
    /* The description comes from the included profile when the file has none. */
    assert_contains(vmopt_profile_description(p), "JIT");
    vmopt_plan *plan = resolve(p);
    /* The file's own value wins even though include= came after it. */
    assert_int_equal(plan_value(plan, "tlb.victim"), 32);
    assert_int_equal(plan_value(plan, "retune.enabled"), 1); /* from jit */
    assert_int_equal(plan_value(plan, "tlb.entries"), 1024); /* jit workload */
    vmopt_plan_free(plan);
    vmopt_profile_free(p);
}

static void test_relative_and_multiple(void **state)
{
    write_file("base-a.conf", "[profile]\nworkload = bulk-copy\n[tlb]\nvictim = 2\nhash = fx\n");
    write_file("base-b.conf", "[tlb]\nvictim = 16\n");
    const char *top = write_file("top.conf", "[profile]\ninclude = base-a.conf\ninclude = base-b.conf\n");
    vmopt_profile *p;
    /* Relative includes resolve against the including file's directory, not the cwd. */
    assert_int_equal(chdir("/"), 0);
    if (vmopt_profile_load(&p, top) < 0)
        fail_msg("%s", vmopt_errmsg());
    vmopt_plan *plan = resolve(p);
    assert_int_equal(plan_value(plan, "tlb.victim"), 16); /* later include wins */
    assert_string_equal(plan_text(plan, "tlb.hash", NULL), "fx");
    assert_int_equal(plan_value(plan, "memcpy.nontemporal_min"), 16 << 20); /* bulk-copy: L3/2 */
    vmopt_plan_free(plan);
    vmopt_profile_free(p);
}

static void test_cycle(void **state)
{
    write_file("c1.conf", "[profile]\ninclude = c2.conf\n");
    write_file("c2.conf", "[profile]\ninclude = c3.conf\n");
    write_file("c3.conf", "# loops back\n[profile]\ninclude = c1.conf\n");
    char c1[300];
    snprintf(c1, sizeof c1, "%s/c1.conf", tmp_dir());
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_load(&p, c1), VMOPT_ECYCLE);
    assert_contains(vmopt_errmsg(), "include cycle");
    assert_contains(vmopt_errmsg(), c1);
    /* A self-include is the smallest cycle. */
    const char *self = write_file("self.conf", "[profile]\ninclude = self.conf\n");
    assert_int_equal(vmopt_profile_load(&p, self), VMOPT_ECYCLE);
}

static void test_bad_include(void **state)
{
    const char *path = write_file("inc.conf", "[profile]\nname = x\ninclude = missing.conf\n");
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_load(&p, path), -ENOENT);
    char where[300];
    snprintf(where, sizeof where, "%s:3: include missing.conf:", path);
    assert_contains(vmopt_errmsg(), where);
    /* An error inside an included file names that file and line. */
    write_file("broken.conf", "[tlb]\nways = 5\n");
    path = write_file("inc2.conf", "[profile]\ninclude = broken.conf\n");
    assert_int_equal(vmopt_profile_load(&p, path), VMOPT_ERANGE_VALUE);
    assert_contains(vmopt_errmsg(), "broken.conf:2: tlb.ways = 5");
}

/* 8 files, each including the next 8 times, 8 deep: 8^7 loads unless the
 * parser keeps a budget.  It refuses at once, saying why. */
static void test_fan_out(void **state)
{
    char name[32], text[512];
    const char *top = NULL;
    for (int i = 7; i >= 0; i--) {
        int n = snprintf(text, sizeof text, "[profile]\n");
        for (int k = 0; i < 7 && k < 8; k++)
            n += snprintf(text + n, sizeof text - (size_t)n, "include = fan%d.conf\n", i + 1);
        if (i == 7)
            snprintf(text + n, sizeof text - (size_t)n, "[tlb]\nvictim = 4\n");
        snprintf(name, sizeof name, "fan%d.conf", i);
        top = write_file(name, text);
    }
    vmopt_profile *p;
    uint64_t t0 = vmopt__now_ns();
    assert_int_equal(vmopt_profile_load(&p, top), VMOPT_ECYCLE);
    assert_contains(vmopt_errmsg(), "more than 64 files");
    assert_true(vmopt__now_ns() - t0 < 1000000000ull);
}

static void test_conflict_across_files(void **state)
{
    /* min from the base, max from the child: checked after the merge. */
    write_file("minbase.conf", "[tlb]\nmin_entries = 4096\n");
    const char *path = write_file("maxchild.conf", "[profile]\ninclude = minbase.conf\n[tlb]\nmax_entries = 1024\n");
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_load(&p, path), VMOPT_ERANGE_VALUE);
    assert_contains(vmopt_errmsg(), "minbase.conf:2: tlb.min_entries 4096 is above tlb.max_entries 1024");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_chain),
        cmocka_unit_test(test_file_over_builtin),
        cmocka_unit_test(test_relative_and_multiple),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_fan_out),
        cmocka_unit_test(test_bad_include),
        cmocka_unit_test(test_conflict_across_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
