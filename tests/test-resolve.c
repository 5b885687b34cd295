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
    ASSERT_KEY(plan, "memcpy.inline_max", "512 B", "32-byte vectors in the avx2 entry, 16 overlapping");
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

/* SVE: the entry's predicated pair covers 2 x VL, so inline_max follows
 * the vector length (rounded up to a power of two); a kernel that drops SVE
 * state at system calls keeps NEON, as glibc's prefer_sve_ifuncs does. */
static void test_aarch64_sve(void **state)
{
    static const struct {
        const char *features, *simd, *inline_max, *reason;
    } cases[] = {
        {"arch=aarch64,asimd,sve,sve_vl=128,kernel=6.1", "neon", "128 B",
         "Linux 6.1 drops SVE state at every system call"},
        {"arch=aarch64,asimd,sve,sve_vl=128,kernel=5.10", "neon", "128 B", "prefer_sve_ifuncs) -> neon"},
        {"arch=aarch64,asimd,sve,sve_vl=128,kernel=5.14", "sve", "128 B", "2 x 16 B"},
        {"arch=aarch64,asimd,sve,sve_vl=256,kernel=6.2", "sve", "128 B", "2 x 32 B"},
        {"arch=aarch64,asimd,sve,sve_vl=512,kernel=4.14", "sve", "128 B", "2 x 64 B"},
        {"arch=aarch64,asimd,sve,sve_vl=1024", "sve", "256 B", "2 x 128 B"},
        {"arch=aarch64,asimd,sve,sve_vl=1536", "sve", "512 B", "2 x 192 B"},
        {"arch=aarch64,asimd,sve,sve_vl=2048", "sve", "512 B", "2 x 256 B, 16-byte vectors to 128 B -> 512 B"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vmopt_plan *plan = resolve_on("synthetic:l2:1(size=1MiB) l1d:1(size=64KiB) core:1 pu:1", cases[i].features,
                                      "default", NULL);
        const char *reason;
        assert_string_equal(plan_text(plan, "memcpy.simd", &reason), cases[i].simd);
        if (strcmp(cases[i].simd, "neon") == 0)
            assert_contains(reason, cases[i].reason);
        assert_string_equal(plan_text(plan, "memcpy.loop", NULL), cases[i].simd);
        assert_string_equal(plan_text(plan, "memcpy.inline_max", &reason), cases[i].inline_max);
        if (strcmp(cases[i].simd, "sve") == 0)
            assert_contains(reason, cases[i].reason);
        vmopt_plan_free(plan);
    }
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

/* The vendor rules: the same features and topology, a different vendor or
 * family, a different plan, each citing its source. */
#define TOPO_BIG "synthetic:pack:1 l3:4(size=32MiB) l2:8(size=1MiB) l1d:1(size=48KiB) core:1 pu:2"
#define AVX512 "sse2,avx,avx2,avx512f,avx512bw,avx512vl,erms,fsrm"
/* The preload's facts: L2 and L3, no L1d; and no cache at all. */
#define TOPO_NO_L1D "synthetic:pack:1 l3:4(size=32MiB) l2:8(size=1MiB) core:1 pu:2"
#define TOPO_NONE "synthetic:pack:1 core:1 pu:2"

static void test_vendor_rules_x86(void **state)
{
    /* Intel before Sapphire Rapids: no 512-bit registers; rep movsb from
     * the L1d, rep stosb from the L2 (bench-mem on Intel family 6 model
     * 167). */
    vmopt_plan *plan = resolve_on(TOPO_BIG, "vendor=GenuineIntel,family=6,model=0x6a," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.simd", "avx2", "Prefer_No_AVX512");
    ASSERT_KEY(plan, "memcpy.loop", "avx2", "the entry's width");
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "48 KiB", "while a copy fits in the L1d 48 KiB");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "1 MiB", "leads within L2 1 MiB");
    vmopt_plan_free(plan);
    /* L1d unknown (the preload): glibc's FSRM threshold; no cache known:
     * glibc's rep stosb threshold too. */
    plan = resolve_on(TOPO_NO_L1D, "vendor=GenuineIntel,family=6,model=0xa7,avx_vnni," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "2112 B", "short distances stay on the loop");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "1 MiB", "leads within L2 1 MiB");
    vmopt_plan_free(plan);
    plan = resolve_on(TOPO_NONE, "vendor=GenuineIntel,family=6,model=0xa7,avx_vnni," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "2 KiB", "glibc's rep stosb threshold");
    vmopt_plan_free(plan);
    /* With AVX-VNNI (Sapphire Rapids): 512-bit entry and loop. */
    plan = resolve_on(TOPO_BIG, "vendor=GenuineIntel,family=6,model=0x8f,avx_vnni," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.simd", "avx512", "widest registers avx512");
    ASSERT_KEY(plan, "memcpy.loop", "avx512", "the entry's width");
    vmopt_plan_free(plan);
    /* Intel without FSRM: 4 KiB per 16 bytes of the 32-byte loop's vectors. */
    plan = resolve_on(TOPO_NO_L1D, "vendor=GenuineIntel,family=6,model=0x55,sse2,avx,avx2,erms", "default", NULL);
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "8 KiB", "glibc's threshold for avx2 vectors");
    vmopt_plan_free(plan);
    /* Zen 4 splits 512-bit operations: a 256-bit entry and loop; Zen 5
     * does not.  An explicit avx512 entry on Zen 4 keeps the 256-bit loop. */
    plan = resolve_on(TOPO_BIG, "vendor=AuthenticAMD,family=0x19,model=0x11," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.simd", "avx2", "AMD family 25 (Zen 4) splits 512-bit operations");
    ASSERT_KEY(plan, "memcpy.loop", "avx2", "the entry's width");
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "0 B", "BZ 30994");
    vmopt_plan_free(plan);
    {
        vmopt_machine *m;
        vmopt_profile *p;
        assert_int_equal(vmopt_machine_describe(&m, TOPO_BIG, "vendor=AuthenticAMD,family=0x19,model=0x11," AVX512), 0);
        assert_int_equal(vmopt_profile_parse(&p, "[memcpy]\nsimd = avx512\n", "want512"), 0);
        assert_int_equal(vmopt_plan_resolve(&plan, m, p), 0);
        ASSERT_KEY(plan, "memcpy.simd", "avx512", "set by want512");
        ASSERT_KEY(plan, "memcpy.loop", "avx2", "AMD family 25 (Zen 4)");
        vmopt_plan_free(plan);
        vmopt_profile_free(p);
        vmopt_machine_free(m);
    }
    plan = resolve_on(TOPO_BIG, "vendor=AuthenticAMD,family=0x1a,model=0x02," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.simd", "avx512", "widest registers avx512");
    ASSERT_KEY(plan, "memcpy.loop", "avx512", "the entry's width");
    /* Zen 5: rep movsb from 2 KiB (sampled against the loop below half
     * the L1d), rep stosb past the L2, known or not. */
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "2 KiB", "AMD family 26 (Zen 5)");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "1 MiB", "leads within L2 1 MiB");
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "4 MiB", "twice a share");
    vmopt_plan_free(plan);
    plan = resolve_on(TOPO_NONE, "vendor=AuthenticAMD,family=0x1a,model=0x02," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "2 KiB", "sampled");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "1 MiB", "1 MiB on every Zen 5");
    vmopt_plan_free(plan);
    /* Zen 3 and Zen 4 keep the loop at every size. */
    plan = resolve_on(TOPO_BIG, "vendor=AuthenticAMD,family=0x19,model=0x01,sse2,avx,avx2,erms,fsrm", "default", NULL);
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "0 B", "Zen 3/4");
    ASSERT_KEY(plan, "memcpy.rep_stosb_min", "0 B", "matches or beats rep stosb");
    vmopt_plan_free(plan);
    /* Zen 2 under a hypervisor that reports erms: still microcoded. */
    plan = resolve_on(TOPO_BIG, "vendor=AuthenticAMD,family=0x17,model=0x31,sse2,avx,avx2,erms", "default", NULL);
    ASSERT_KEY(plan, "memcpy.rep_movsb_min", "0 B", "microcoded");
    vmopt_plan_free(plan);
}

/* A VM whose CPUID gives the host's L3: the threshold follows the topology. */
static void test_vm_cpuid_l3(void **state)
{
    vmopt_plan *plan = resolve_on("synthetic:pack:1 l3:1(size=32MiB) l2:2(size=1MiB) l1d:1(size=32KiB) core:1 pu:1",
                                  "vendor=AuthenticAMD,family=0x19,model=0x11,cpuid_l3=320M," AVX512, "default", NULL);
    ASSERT_KEY(plan, "memcpy.nontemporal_min", "12 MiB", "L3 32 MiB (given)");
    vmopt_plan_free(plan);
}

static void test_feature_settings(void **state)
{
    vmopt_machine *m;
    const char *topo = "synthetic:core:1 pu:1";
    /* Each bad setting is refused by name, and no machine is made. */
    static const char *const bad[][2] = {
        {"sve_vl=100", "sve_vl '100'"}, {"sve_vl=4096", "sve_vl '4096'"}, {"zva=96", "zva '96'"},
        {"line=8", "line '8'"},         {"kernel=six", "kernel 'six'"},  {"family=-1", "family '-1'"},
        {"cpuid_l3=0", "cpuid_l3 '0'"}, {"colour=red", "unknown setting 'colour='"},
        {"vendor=", "vendor ''"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = NULL;
        assert_int_equal(vmopt_machine_describe(&m, topo, bad[i][0]), -EINVAL);
        assert_null(m);
        assert_contains(vmopt_errmsg(), bad[i][1]);
    }
    assert_int_equal(vmopt_machine_describe(&m, topo, "vendor=Fujitsu,family=0x46,model=0x001,asimd,sve,"
                                                      "sve_vl=512,zva=256,kernel=5.14,line=256"),
                     0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(vmopt_machine_dump(f, m, 0), 0);
    fclose(f);
    assert_contains(text, "vendor rules fujitsu (given)");
    assert_contains(text, "SVE 512-bit vectors (given), DC ZVA 256 B blocks (given), kernel 5.14.0 (given)");
    assert_contains(text, "256 B lines");
    free(text);
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
        cmocka_unit_test(test_aarch64_sve),
        cmocka_unit_test(test_unknown_caches),
        cmocka_unit_test(test_vendor_rules_x86),
        cmocka_unit_test(test_vm_cpuid_l3),
        cmocka_unit_test(test_feature_settings),
    };
    vmopt_machine *m;
    if (vmopt_machine_describe(&m, "synthetic:core:1 pu:1", NULL) == VMOPT_EUNSUPPORTED) {
        fprintf(stderr, "skipped: this build has no hwloc, so no described machines\n");
        return 77;
    }
    vmopt_machine_free(m);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
