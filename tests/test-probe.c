/* The probe on this machine (sanity, whatever the machine) and the
 * described-machine seam (synthetic strings, XML, feature lists). */
#include <sys/utsname.h>
#ifdef __aarch64__
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "tests/testutil.h"

static int built_with(const char *what)
{
    const char *v = getenv(what);
    return v && strcmp(v, "yes") == 0;
}

static void test_isa_only(void **state)
{
    vmopt_machine *m;
    struct utsname u;
    assert_int_equal(vmopt_machine_probe(&m, VMOPT_PROBE_ISA), 0);
    assert_int_equal(uname(&u), 0);
    assert_string_equal(m->arch, u.machine);
    if (strcmp(u.machine, "x86_64") == 0) {
        assert_int_equal(vmopt_machine_has(m, "sse2"), 1);
        assert_string_equal(m->isa_probe, "cpu_features");
        assert_int_equal(m->feature_src[VMOPT__FEAT_SSE2], VMOPT__SRC_CPU_FEATURES);
        /* avx512f without avx is impossible: cpu_features read the CPU, not noise. */
        if (vmopt_machine_has(m, "avx512f"))
            assert_int_equal(vmopt_machine_has(m, "avx2"), 1);
    }
#ifdef __aarch64__
    /* cpu_features, and the kernel's word on SVE (qemu-aarch64's default
     * CPU has it; -cpu cortex-a53 has not). */
    int sve = (getauxval(AT_HWCAP) & HWCAP_SVE) != 0;
    assert_string_equal(m->isa_probe, "cpu_features");
    assert_int_equal(vmopt_machine_has(m, "asimd"), 1);
    assert_int_equal(vmopt_machine_has(m, "sve"), sve);
    if (getauxval(AT_HWCAP) & HWCAP_CPUID) { /* MIDR_EL1: implementer, part, revision */
        uint64_t midr;
        __asm__ volatile("mrs %0, midr_el1" : "=r"(midr));
        assert_int_equal(m->family, midr >> 24 & 0xff);
        assert_int_equal(m->model_number, midr >> 4 & 0xfff);
        assert_int_equal(m->stepping, midr & 0xf);
    }
    vmopt_machine_free(m);
    /* The plan's probe (the preload's) reads the hwcaps alone. */
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = VMOPT_TUNE_FRESH;
    assert_int_equal(vmopt_autotune(&o), 0);
    vmopt_plan *plan = vmopt_current_plan();
    assert_int_equal(vmopt_machine_probe(&m, VMOPT_PROBE_ISA), 0);
    const char *reason;
    /* SVE where the CPU has it and the kernel keeps its state across
     * system calls; NEON otherwise, saying why. */
    const char *simd = plan_text(plan, "memcpy.simd", &reason);
    if (sve && vmopt__kernel_keeps_sve(m)) {
        assert_string_equal(simd, "sve");
        assert_string_equal(plan_text(plan, "memcpy.loop", NULL), "sve");
        assert_true(plan_value(plan, "memcpy.inline_max") >= 2 * m->sve_vl.value);
    } else {
        assert_string_equal(simd, "neon");
        if (sve)
            assert_non_null(strstr(reason, "prefer_sve_ifuncs"));
    }
    vmopt_plan_free(plan);
#endif
    /* The expensive parts did not run. */
    assert_null(m->topology_probe);
    assert_null(m->counters_probe);
    assert_int_equal(m->cache_size[VMOPT__L1D].value, 0);
    assert_int_equal(vmopt_machine_has(m, "avx9000"), -EINVAL);
    vmopt_machine_free(m);
}

static void test_full_probe(void **state)
{
    vmopt_machine *m;
    assert_int_equal(vmopt_machine_probe(&m, VMOPT_PROBE_ALL), 0);
    const char *sysfs = "sysfs";
#ifdef __aarch64__
    /* Under qemu-user on an x86 host, /proc/cpuinfo is the host's. */
    char info[512] = "";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        info[fread(info, 1, sizeof info - 1, ci)] = '\0';
        fclose(ci);
    }
    if (strstr(info, "vendor_id"))
        sysfs = "sysfs-host";
#endif
    assert_string_equal(m->topology_probe, built_with("have_hwloc") ? "hwloc" : sysfs);
    assert_true(m->pus.value >= 1);
    assert_true(m->cores.value >= 1 && m->cores.value <= m->pus.value);
    /* Every machine this runs on has a data cache and reports it. */
    assert_true(m->cache_size[VMOPT__L1D].value >= 4096);
    assert_true(m->cache_line[VMOPT__L1D].value >= 16);
    assert_string_equal(m->counters_probe, built_with("have_papi") ? "papi" : "none");
    /* Either there are counters, or the dump says why not. */
    if (m->counters == 0)
        assert_true(strlen(m->counters_reason) > 10);
    else
        assert_true(m->presets != 0);
    vmopt_machine_free(m);
}

static void test_bad_parts(void **state)
{
    vmopt_machine *m = NULL;
    assert_int_equal(vmopt_machine_probe(&m, 0x80), -EINVAL);
    assert_null(m);
    assert_contains(vmopt_errmsg(), "unknown part");
}

static void test_synthetic_took(void **state)
{
    vmopt_machine *m;
    if (!built_with("have_hwloc")) {
        assert_int_equal(vmopt_machine_describe(&m, "synthetic:core:1 pu:1", NULL), VMOPT_EUNSUPPORTED);
        skip();
    }
    assert_int_equal(vmopt_machine_describe(&m, "synthetic:pack:3 core:5 pu:1", "avx2"), 0);
    assert_int_equal(m->packages.value, 3);
    assert_int_equal(m->cores.value, 15);
    assert_string_equal(m->topology_probe, "hwloc-synthetic");
    /* MiB, not MB: hwloc 2.9 reads 16MB as 16,000,000 bytes. */
    vmopt_machine_free(m);
    assert_int_equal(vmopt_machine_describe(&m, "synthetic:l3:1(size=16MiB) core:1 pu:1", NULL), 0);
    assert_int_equal(m->cache_size[VMOPT__L3].value, 16u << 20);
    vmopt_machine_free(m);
    /* A string hwloc cannot parse is an error, never this machine in disguise. */
    assert_int_equal(vmopt_machine_describe(&m, "synthetic:pack:2 gizmo:3", NULL), -EINVAL);
    assert_contains(vmopt_errmsg(), "gizmo");
}

static void test_xml(void **state)
{
    vmopt_machine *m;
    char path[512];
    if (!built_with("have_hwloc"))
        skip();
    snprintf(path, sizeof path, "%s/tests/data/two-numa.xml", getenv("top_srcdir"));
    assert_int_equal(vmopt_machine_describe(&m, path, "sse2,avx2"), 0);
    assert_string_equal(m->topology_probe, "hwloc-xml");
    assert_int_equal(m->numa_nodes.value, 2);
    assert_int_equal(m->cores.value, 8);
    assert_int_equal(m->pus.value, 16);
    assert_int_equal(m->cache_size[VMOPT__L3].value, 16u << 20);
    assert_int_equal(m->cache_size[VMOPT__L2].value, 512u << 10);
    vmopt_machine_free(m);
    assert_int_equal(vmopt_machine_describe(&m, "/nonexistent.xml", NULL), -EINVAL);
    assert_contains(vmopt_errmsg(), "/nonexistent.xml");
}

static void test_feature_list(void **state)
{
    vmopt_machine *m;
    if (!built_with("have_hwloc"))
        skip();
    assert_int_equal(vmopt_machine_describe(&m, "synthetic:core:1 pu:1", "sse2,avx3"), -EINVAL);
    assert_contains(vmopt_errmsg(), "unknown feature 'avx3'");
    assert_int_equal(vmopt_machine_describe(&m, "synthetic:core:1 pu:1", "arch=aarch64,asimd,sve"), 0);
    assert_string_equal(m->arch, "aarch64");
    assert_int_equal(vmopt_machine_has(m, "sve"), 1);
    assert_int_equal(vmopt_machine_has(m, "sse2"), 0);
    vmopt_machine_free(m);
}

static void test_feature_names(void **state)
{
    unsigned n = 0;
    while (vmopt_feature_name(n))
        n++;
    assert_int_equal(n, VMOPT__FEAT_COUNT);
    assert_string_equal(vmopt_feature_name(VMOPT__FEAT_FSRM), "fsrm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_only),     cmocka_unit_test(test_full_probe),
        cmocka_unit_test(test_bad_parts),    cmocka_unit_test(test_synthetic_took),
        cmocka_unit_test(test_xml),          cmocka_unit_test(test_feature_list),
        cmocka_unit_test(test_feature_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
