/* The profile parser on good files and on every class of bad input: each
 * bad file is rejected whole with "file:line: problem". */
#include "lib/plan.h"
#include "tests/testutil.h"

static void load_ok(const char *text, vmopt_profile **p)
{
    const char *path = write_file("ok.conf", text);
    int rc = vmopt_profile_load(p, path);
    if (rc < 0)
        fail_msg("%s", vmopt_errmsg());
}

/* Loads text as a file and expects error err at line, with msg. */
static void expect_error(const char *text, int err, int line, const char *msg)
{
    const char *path = write_file("bad.conf", text);
    vmopt_profile *p = (vmopt_profile *)0x1;
    int rc = vmopt_profile_load(&p, path);
    assert_int_equal(rc, err);
    assert_ptr_equal(p, (vmopt_profile *)0x1); /* nothing handed out */
    char where[300];
    snprintf(where, sizeof where, "%s:%d: ", path, line);
    assert_contains(vmopt_errmsg(), where);
    assert_contains(vmopt_errmsg(), msg);
}

static void test_good_file(void **state)
{
    vmopt_profile *p;
    load_ok("# a comment\n"
            "[profile]\nname = site\ndescription = Our hosts\nworkload = jit\n"
            "[memcpy]\nsimd = avx2\nnontemporal_min = 8 MiB\nrep_movsb_min = 4KiB\n"
            "[tlb]\nhash = fx\nentries = 1024\nresize = off\n"
            "[pool]\nmagazine = auto\n",
            &p);
    assert_string_equal(vmopt_profile_name(p), "site");
    assert_string_equal(vmopt_profile_description(p), "Our hosts");
    vmopt_machine *m = fake_machine(32 << 10, 1 << 20, 0, "sse2,avx2,erms");
    vmopt_plan *plan;
    assert_int_equal(vmopt_plan_resolve(&plan, m, p), 0);
    const char *reason;
    assert_string_equal(plan_text(plan, "memcpy.simd", &reason), "avx2");
    assert_contains(reason, "ok.conf:7");
    assert_int_equal(plan_value(plan, "memcpy.nontemporal_min"), 8u << 20);
    assert_int_equal(plan_value(plan, "memcpy.rep_movsb_min"), 4096);
    assert_string_equal(plan_text(plan, "tlb.hash", NULL), "fx");
    assert_int_equal(plan_value(plan, "tlb.entries"), 1024);
    assert_int_equal(plan_value(plan, "tlb.resize"), 0);
    vmopt_plan_free(plan);
    vmopt_machine_free(m);
    vmopt_profile_free(p);
}

static void test_name_defaults_to_file(void **state)
{
    vmopt_profile *p;
    load_ok("[memcpy]\nsimd = sse2\n", &p);
    assert_string_equal(vmopt_profile_name(p), "ok");
    vmopt_profile_free(p);
}

static void test_unknown_section(void **state)
{
    expect_error("[profile]\nname = x\n\n[memcopy]\nsimd = avx2\n", VMOPT_EUNKNOWN, 5, "unknown section [memcopy]");
}

static void test_unknown_key(void **state)
{
    expect_error("[memcpy]\nsimd = avx2\nsimdd = avx2\n", VMOPT_EUNKNOWN, 3, "unknown key 'simdd' in [memcpy]");
    expect_error("[profile]\nnmae = x\n", VMOPT_EUNKNOWN, 2, "unknown key 'nmae' in [profile]");
}

static void test_malformed_values(void **state)
{
    expect_error("[memcpy]\nsimd = avx1024\n", -EINVAL, 2, "memcpy.simd = avx1024");
    expect_error("[memcpy]\nnontemporal_min = lots\n", -EINVAL, 2, "expected a size");
    expect_error("[memcpy]\nnontemporal_min = 8 MB\n", -EINVAL, 2, "unknown size unit");
    expect_error("[tlb]\nentries = 12x\n", -EINVAL, 2, "trailing characters");
    expect_error("[tlb]\nresize = maybe\n", -EINVAL, 2, "expected on or off");
    expect_error("[profile]\nworkload = gaming\n", VMOPT_EPARSE, 2, "workload = gaming");
    expect_error("[tlb]\nentries = 99999999999999999999999\n", -ERANGE, 2, "too large");
}

static void test_out_of_range(void **state)
{
    expect_error("[tlb]\nvictim = 65\n", VMOPT_ERANGE_VALUE, 2, "out of range (0 to 64)");
    expect_error("[tlb]\nentries = 1000\n", VMOPT_ERANGE_VALUE, 2, "power of two");
    expect_error("[memcpy]\ninline_max = 8\n", VMOPT_ERANGE_VALUE, 2, "out of range");
    expect_error("[tlb]\nmin_entries = 1024\nmax_entries = 256\n", VMOPT_ERANGE_VALUE, 2,
                 "tlb.min_entries 1024 is above tlb.max_entries 256");
    /* Each value in range, together no TLB vmopt_tlb_create would make. */
    expect_error("[tlb]\nstrategy = set-assoc\nways = 1\n", VMOPT_ERANGE_VALUE, 3,
                 "tlb.ways 1: a set-associative TLB has 2, 4 or 8");
}

static void test_syntax(void **state)
{
    expect_error("[memcpy]\nsimd avx2\n", VMOPT_EPARSE, 2, "syntax error");
    expect_error("[memcpy\nsimd = avx2\n", VMOPT_EPARSE, 1, "syntax error");
    expect_error("simd = avx2\n", VMOPT_EPARSE, 1, "before any [section]");
    expect_error("[memcpy]\nsimd = avx2\nsimd = sse2\n", VMOPT_EPARSE, 3, "duplicate key 'simd' (first set at line 2)");
    char longline[400] = "[memcpy]\n# fine\nsimd = ";
    memset(longline + strlen(longline), 'x', 250);
    expect_error(longline, VMOPT_EPARSE, 3, "longer than");
}

static void test_first_error_wins(void **state)
{
    /* A syntax error before a semantic one is the one reported, and vice versa. */
    expect_error("[memcpy]\noops\nsimd = bad\n", VMOPT_EPARSE, 2, "syntax error");
    expect_error("[memcpy]\nsimd = bad\noops\n", -EINVAL, 2, "memcpy.simd = bad");
}

static void test_missing_and_unreadable(void **state)
{
    vmopt_profile *p;
    char path[300];
    snprintf(path, sizeof path, "%s/nope.conf", tmp_dir());
    assert_int_equal(vmopt_profile_load(&p, path), -ENOENT);
    assert_contains(vmopt_errmsg(), path);
    assert_contains(vmopt_errmsg(), "cannot open");
    /* A directory opens, even for root, and is refused for what it is. */
    snprintf(path, sizeof path, "%s/dir.conf", tmp_dir());
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(vmopt_profile_load(&p, path), -EISDIR);
    assert_contains(vmopt_errmsg(), "is a directory");
    const char *bin = write_file("bin.conf", "[memcpy]\n");
    FILE *f = fopen(bin, "a");
    fputc('\0', f);
    fclose(f);
    assert_int_equal(vmopt_profile_load(&p, bin), VMOPT_EPARSE);
    assert_contains(vmopt_errmsg(), "NUL byte");
}

static void test_unknown_builtin(void **state)
{
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_load(&p, "turbo"), -ENOENT);
    assert_contains(vmopt_errmsg(), "unknown profile 'turbo'");
    assert_contains(vmopt_errmsg(), "default, interpreter, jit, bulk-copy, low-memory");
}

static void test_builtins_parse(void **state)
{
    unsigned n = 0;
    for (const char *name; (name = vmopt_builtin_profile_name(n)); n++) {
        vmopt_profile *p;
        if (vmopt_profile_load(&p, name) < 0)
            fail_msg("built-in %s: %s", name, vmopt_errmsg());
        assert_string_equal(vmopt_profile_name(p), name);
        assert_true(strlen(vmopt_profile_description(p)) > 10);
        assert_non_null(vmopt_builtin_profile_text(name));
        vmopt_profile_free(p);
    }
    assert_int_equal(n, 5);
}

static void test_parse_string(void **state)
{
    vmopt_profile *p;
    assert_int_equal(vmopt_profile_parse(&p, "[tlb]\nways = 3\n", "inline"), VMOPT_ERANGE_VALUE);
    assert_contains(vmopt_errmsg(), "inline:2: tlb.ways = 3");
    assert_int_equal(vmopt_profile_parse(&p, "[profile]\ninclude = jit\n[tlb]\nways = 2\n", "inline"), 0);
    assert_string_equal(vmopt_profile_name(p), "inline");
    vmopt_profile_free(p);
}

/* Every default of the field table parses as its own field's value, and
 * vmopt__field_default gives it: what the runtime uses before any plan. */
static void test_field_defaults(void **state)
{
    for (int k = 0; k < VMOPT__K_COUNT; k++) {
        const vmopt__field *f = &vmopt__fields[k];
        if (strcmp(f->dflt, "auto") == 0) {
            assert_int_equal(vmopt__field_default((vmopt__key)k), 0);
            continue;
        }
        uint64_t v;
        const char *why = NULL;
        if (vmopt__field_parse((vmopt__key)k, f->dflt, &v, &why) < 0)
            fail_msg("default of %s, '%s': %s", f->qualified, f->dflt, why);
        assert_int_equal(vmopt__field_default((vmopt__key)k), v);
    }
    assert_int_equal(vmopt__field_default(VMOPT__K_RETUNE_PERIOD), 100);
    assert_int_equal(vmopt__field_default(VMOPT__K_RETUNE_HYSTERESIS), 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_field_defaults),
        cmocka_unit_test(test_name_defaults_to_file),
        cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_malformed_values),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_missing_and_unreadable),
        cmocka_unit_test(test_unknown_builtin),
        cmocka_unit_test(test_builtins_parse),
        cmocka_unit_test(test_parse_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
