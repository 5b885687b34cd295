/* One kernel variant, named by the program's own name (test-mem-generic,
 * -sse2, -avx2, -avx512, -erms, -neon, -sve: one program per variant, one source),
 * against the byte-loop oracle of memcheck.h, whether or not the
 * dispatcher would pick it here.  A variant this CPU lacks is skipped
 * (exit 77), never passed. */
#include "lib/mem/mem.h"
#include "lib/mem/registry.h"
#include "lib/plan.h"
#include "tests/memcheck.h"
#include "tests/testutil.h"

#include <stdlib.h>
#include <string.h>
#ifdef __aarch64__
#include <sys/prctl.h>
#endif

static const vmopt__mem_kernels *k;
static const vmopt__mem_variant *variant_of;
static const char *name;

static void test_move(void **state)
{
    memcheck_fns f = {name, k->move, k->set, 1};
    assert_int_equal(memcheck_copy(&f, NULL), 0);
}

static void test_move_overlap(void **state)
{
    memcheck_fns f = {name, k->move, k->set, 1};
    assert_int_equal(memcheck_overlap(&f), 0);
}

static void test_set(void **state)
{
    memcheck_fns f = {name, k->move, k->set, 1};
    assert_int_equal(memcheck_set(&f, NULL), 0);
}

static void test_guard_pages(void **state)
{
    memcheck_fns f = {name, k->move, k->set, 1};
    assert_int_equal(memcheck_guard(&f), 0);
}

static void test_nontemporal(void **state)
{
    if (!k->move_nt || !k->set_nt) {
        assert_null(k->move_nt);
        assert_null(k->set_nt);
        skip();
    }
    char nt_name[64];
    snprintf(nt_name, sizeof nt_name, "%s non-temporal", name);
    memcheck_fns f = {nt_name, k->move_nt, k->set_nt, 1};
    assert_int_equal(memcheck_copy(&f, NULL), 0);
    assert_int_equal(memcheck_set(&f, NULL), 0);
    assert_int_equal(memcheck_overlap(&f), 0);
    assert_int_equal(memcheck_guard(&f), 0);
}

/* Zero fills through DC ZVA: every size to 4 KiB at every alignment, so
 * that the head, the blocks and the tail meet at every offset, then large
 * sizes; any other byte takes the vector path.  Guard bytes around each
 * fill catch a block cleared past its end. */
static void test_zva(void **state)
{
    /* The registry says which variants zero with DC ZVA; the resolver reads it. */
    assert_int_equal(variant_of->zeroes, k->set_zva != NULL);
    if (!k->set_zva)
        skip();
    char zva_name[64];
    snprintf(zva_name, sizeof zva_name, "%s DC ZVA", name);
    memcheck_fns f = {zva_name, k->move, k->set_zva, 1};
    mc_init();
    mc_failures = 0;
    for (size_t n = 0; n <= 4096; n += n < 512 ? 1 : 7)
        for (size_t da = 0; da < 64; da += n < 512 ? 1 : 5)
            mc_set_one(&f, n, da, 0);
    assert_int_equal(mc_failures, 0);
    assert_int_equal(memcheck_set(&f, NULL), 0);
}

int main(int argc, char **argv)
{
    const char *self = argc > 0 ? strrchr(argv[0], '/') : NULL;
    self = self ? self + 1 : argc > 0 ? argv[0] : "";
    /* libtool may run the program as lt-test-mem-X. */
    const char *prefix = strstr(self, "test-mem-");
    if (!prefix || !prefix[9]) {
        printf("%s: the program's name must be test-mem-VARIANT\n", self);
        return 1;
    }
    const char *variant = prefix + 9;
    const vmopt__mem_variant *v = vmopt__mem_by_name(variant);
    if (!v) {
        printf("variant %s is not built for this architecture\n", variant);
        return 77;
    }
    k = v->impl;
    variant_of = v;
    name = v->name;
    vmopt_machine *m;
    if (vmopt_machine_probe(&m, VMOPT_PROBE_ISA) < 0)
        return 1;
    if (!vmopt__mem_usable(v, m)) {
        printf("this CPU lacks %s: variant %s skipped\n", v->requires_text, variant);
        vmopt_machine_free(m);
        return 77;
    }
    vmopt_machine_free(m);
#ifdef __aarch64__
    /* The SVE kernels at the vector length CI forced (qemu's
     * sve-default-vector-length): the kernel's word, through prctl. */
    if (v->simd == VMOPT__SIMD_SVE) {
        int vl = prctl(PR_SVE_GET_VL, 0, 0, 0, 0);
        const char *want = getenv("VMOPT_TEST_SVE_BITS");
        printf("sve: vector length %d bits\n", vl < 0 ? -1 : (vl & PR_SVE_VL_LEN_MASK) * 8);
        if (want && (vl < 0 || (vl & PR_SVE_VL_LEN_MASK) * 8 != atoi(want))) {
            printf("sve: VMOPT_TEST_SVE_BITS=%s, but the vector length is not that\n", want);
            return 1;
        }
    }
#endif

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_move),        cmocka_unit_test(test_move_overlap),
        cmocka_unit_test(test_set),         cmocka_unit_test(test_guard_pages),
        cmocka_unit_test(test_nontemporal), cmocka_unit_test(test_zva),
    };
    return cmocka_run_group_tests_name(variant, tests, NULL, NULL);
}
