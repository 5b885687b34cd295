/* Resolution on described machines other than this one: the expected value
 * and the fact cited for every auto key that depends on the machine. */
#include "tests/testutil.h"

static vmopt_plan *resolve_on(const char *topology, const char *features, const char *profile,
                              vmopt_machine **out_m)
{
    vmopt_machine *m;
    vmopt_profile *p;
    vmopt_plan *plan;
    if (vmopt_machine_describe(&m, topology, features) < 0)
        fail_msg("describe: %s", vmopt_errmsg());
    assert_int_equal(vmopt_profile_load(&p, profile), 0);
    if (vmopt_plan_resolve(&plan, m, p) < 0)
        fail_msg("resolve: %s", vmopt_errmsg());
    vmopt_profile_free(p);
    if (out_m)
        *out_m = m;
    else
        vmopt_machine_free(m);
    return plan;
}

#define ASSERT_KEY(plan, key, text, cited)                                                          \
    do {                                                                                           \
        const char *reason_;                                                                       \
        assert_string_equal(plan_text(plan, key, &reason_), text);                                 \
        assert_contains(reason_, cited);                                                           \
    } while (0)

static void test_no_l3(void **state)
{
    vmopt_plan *plan = resolve_on("synthetic:pack:1 l2:4(size=512KiB) l1d:1(size=32KiB) core:1 pu:1",
                                  "sse2,avx,avx2,erms", "default", NULL);
    ASSERT_KEY(plan, "memcpy.simd", "avx2", "avx2");
    ASSERT_KEY(plan, "memcpy.loop", "avx2", "the entry's width");
    ASSERT_KEY(plan, "memcpy.inline_max", "256 B", "32-byte vectors in the avx2 entry");
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "0 B", "avx2 loop matches or beats rep movsb");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "512 KiB", "L2 512 KiB");
    /* No L3: the last level is L2, and the reason says so. */
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "384 KiB", "L2 512 KiB");
    ASSERT_KEY(plan, "tlb.max_entries", "8192", "L2 512 KiB");
    ASSERT_KEY(plan, "pool.magazine", "64", "L1d 32 KiB");
    ASSERT_KEY(plan, "pool.chunk_size", "64 KiB", "no 2 MiB huge pages");
    vmopt_plan_free(plan);
}

static void test_two_sockets_large_l3(void **state)
{
    vmopt_machine *m;
    vmopt_plan *plan = resolve_on("synthetic:pack:2 l3:1(size=256MiB) l2:32(size=1MiB) l1d:1(size=48KiB) core:1 pu:2",
                                  "sse2,avx2,avx512f,avx512bw,avx512vl,erms,fsrm", "default", &m);
    ASSERT_KEY(plan, "memcpy.simd", "avx512", "avx512f+bw+vl");
    ASSERT_KEY(plan, "memcpy.loop", "avx2", "32-byte loops");
    ASSERT_KEY(plan, "memcpy.inline_max", "512 B", "avx512 entry, avx2 loop: the entry's own 512 B inline");
    /* Each L3 serves 64 PUs: 3/4 of a 4 MiB share is below the floor. */
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "64 MiB", "L3 256 MiB (given) shared by 64 PUs: 4 MiB each; 1/4 of the whole");
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "0 B", "avx2 loop matches or beats");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "1 MiB", "L2 1 MiB");
    ASSERT_KEY(plan, "tlb.max_entries", "16384", "L2 1 MiB");
    ASSERT_KEY(plan, "pool.magazine", "64", "L1d 48 KiB");
    vmopt_plan_free(plan);

    char json[8192];
    FILE *f = fmemopen(json, sizeof json, "w");
    assert_int_equal(vmopt_machine_dump(f, m, VMOPT_DUMP_JSON), 0);
    fclose(f);
    assert_contains(json, "\"packages\": {\"value\": 2");
    assert_contains(json, "\"cores\": {\"value\": 64");
    assert_contains(json, "\"pus\": {\"value\": 128");
    vmopt_machine_free(m);

    /* bulk-copy streams from half the L3 on the same machine. */
    plan = resolve_on("synthetic:pack:2 l3:1(size=256MiB) l2:32(size=1MiB) l1d:1(size=48KiB) core:1 pu:2",
                      "sse2,avx2,erms", "bulk-copy", NULL);
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "32 MiB", "1/8 of the whole for bulk-copy");
    vmopt_plan_free(plan);
}

static void test_small_single_core(void **state)
{
    vmopt_plan *plan = resolve_on("synthetic:l2:1(size=256KiB) l1d:1(size=16KiB) core:1 pu:1", "sse2",
                                  "interpreter", NULL);
    ASSERT_KEY(plan, "memcpy.simd", "sse2", "sse2");
    ASSERT_KEY(plan, "memcpy.inline_max", "128 B", "-> 128 B");
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "0 B", "no erms");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "0 B", "no erms");
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "192 KiB", "L2 256 KiB");
    ASSERT_KEY(plan, "tlb.max_entries", "4096", "L2 256 KiB");
    /* interpreter doubles the L1d-derived magazine (16 KiB / 512 = 32). */
    ASSERT_KEY(plan, "pool.magazine", "64", "interpreter");
    ASSERT_KEY(plan, "tlb.entries", "256", "built-in/interpreter.conf");
    vmopt_plan_free(plan);
}

static void test_forced_simd_downgrades(void **state)
{
    vmopt_machine *m;
    vmopt_profile *p;
    vmopt_plan *plan;
    assert_int_equal(vmopt_machine_describe(&m, "synthetic:l2:1(size=1MiB) l1d:1(size=32KiB) core:1 pu:1",
                                            "sse2,avx2,erms"), 0);
    assert_int_equal(vmopt_profile_parse(&p, "[memcpy]\nsimd = avx512\n", "want512"), 0);
    assert_int_equal(vmopt_plan_resolve(&plan, m, p), 0);
    ASSERT_KEY(plan, "memcpy.simd", "avx2", "want512:2 asks avx512 but this CPU lacks it");
    vmopt_plan_free(plan);
    vmopt_profile_free(p);
    vmopt_machine_free(m);
}

static void test_aarch64(void **state)
{
    vmopt_plan *plan = resolve_on("synthetic:l3:1(size=8MiB) l2:4(size=512KiB) l1d:1(size=64KiB) core:1 pu:1",
                                  "arch=aarch64,asimd", "default", NULL);
    /* Advanced SIMD, the arm64 kernels' registers; no string instructions,
     * and no streaming stores in the NEON loop. */
    ASSERT_KEY(plan, "memcpy.simd", "neon", "asimd (given) -> widest registers neon");
    ASSERT_KEY(plan, "memcpy.loop", "neon", "the entry's width");
    ASSERT_KEY(plan, "memcpy.inline_max", "128 B", "16-byte vectors in the neon entry");
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "0 B", "aarch64");
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "0 B", "the neon loop has no streaming stores -> never stream");
    vmopt_plan_free(plan);
}

static void test_unknown_caches(void **state)
{
    /* Nothing known: every rule still gives a value and says why. */
    vmopt_machine *m = fake_machine(0, 0, 0, "sse2");
    vmopt_profile *p;
    vmopt_plan *plan;
    assert_int_equal(vmopt_profile_load(&p, "default"), 0);
    assert_int_equal(vmopt_plan_resolve(&plan, m, p), 0);
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "0 B", "no cache size known");
    ASSERT_KEY(plan, "tlb.max_entries", "4096", "unknown");
    ASSERT_KEY(plan, "pool.magazine", "64", "L1d unknown");
    vmopt_plan_free(plan);
    vmopt_profile_free(p);
    vmopt_machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_l3),
        cmocka_unit_test(test_two_sockets_large_l3),
        cmocka_unit_test(test_small_single_core),
        cmocka_unit_test(test_forced_simd_downgrades),
        cmocka_unit_test(test_aarch64),
        cmocka_unit_test(test_unknown_caches),
    };
    vmopt_machine *m;
    if (vmopt_machine_describe(&m, "synthetic:core:1 pu:1", NULL) == VMOPT_EUNSUPPORTED) {
        fprintf(stderr, "skipped: this build has no hwloc, so no described machines\n");
        return 77;
    }
    vmopt_machine_free(m);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
