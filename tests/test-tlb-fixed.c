/* The hit path built with the page size fixed at build time
 * (VMOPT_TLB_PAGE_SHIFT, as QEMU's TARGET_PAGE_BITS): the same answers as
 * the run-time one, for every strategy and hash, and vmopt_tlb_create()
 * refuses another page size with a message that says why. */
#define VMOPT_TLB_PAGE_SHIFT 16

#include "tests/testutil.h"
#include "vmopt.h"

static int fill(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot)
{
    (void)opaque, (void)access;
    uint64_t page = vaddr >> VMOPT_TLB_PAGE_SHIFT;
    if (page % 7 == 3)
        return 5; /* unmapped */
    *host = (void *)(uintptr_t)((page * 0x9e37 + 1) << VMOPT_TLB_PAGE_SHIFT);
    *prot = page % 5 == 0 ? VMOPT_TLB_PROT_READ : 7;
    return 0;
}

static void test_fixed_page_size(void **state)
{
    static const int strategies[][3] = {
        {VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1},      {VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_XOR_FOLD, 1},
        {VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_FX, 1},        {VMOPT_TLB_SET_ASSOC, VMOPT_TLB_HASH_MASK, 4},
        {VMOPT_TLB_SET_ASSOC, VMOPT_TLB_HASH_FX, 2},
    };
    for (size_t s = 0; s < sizeof strategies / sizeof strategies[0]; s++) {
        vmopt_tlb_config cfg = VMOPT_TLB_CONFIG_INIT;
        cfg.page_size = 1u << VMOPT_TLB_PAGE_SHIFT;
        cfg.strategy = strategies[s][0];
        cfg.hash = strategies[s][1];
        cfg.ways = strategies[s][2];
        cfg.entries = cfg.min_entries = cfg.max_entries = 64;
        cfg.victim = 4;
        cfg.resize = 0;
        cfg.rehash = 1;
        cfg.fill = fill;
        vmopt_tlb *tlb;
        assert_int_equal(vmopt_tlb_create(&tlb, &cfg), 0);
        uint64_t x = 12345;
        for (int i = 0; i < 200000; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            /* dense pages and pages 2^20 pages apart, so rehashing runs too */
            uint64_t page = (x >> 60) & 1 ? (x >> 33) % 300 : ((x >> 33) % 64) << 20;
            uint64_t vaddr = page << VMOPT_TLB_PAGE_SHIFT | ((x >> 7) & 0xffff);
            unsigned access = (unsigned)(x >> 40) % 3;
            int fault = 0;
            void *got = vmopt_tlb_lookup(tlb, vaddr, access, &fault);
            void *host;
            unsigned prot;
            int rc = fill(NULL, vaddr, access, &host, &prot);
            if (rc == 0 && (prot & (1u << access))) {
                if (got != (char *)host + (vaddr & 0xffff))
                    fail_msg("strategy %zu: vaddr %#llx: got %p, want %p", s, (unsigned long long)vaddr, got,
                             (void *)((char *)host + (vaddr & 0xffff)));
            } else {
                assert_null(got);
                assert_int_equal(fault, rc ? 5 : VMOPT_TLB_EPERM);
            }
            if (i % 50000 == 0)
                vmopt_tlb_flush(tlb);
        }
        vmopt_tlb_destroy(tlb);
    }
}

static void test_other_page_size_refused(void **state)
{
    vmopt_tlb_config cfg = VMOPT_TLB_CONFIG_INIT; /* 4096-byte pages */
    cfg.fill = fill;
    vmopt_tlb *tlb = NULL;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), -EINVAL);
    assert_null(tlb);
    assert_contains(vmopt_errmsg(), "page_size 4096");
    assert_contains(vmopt_errmsg(), "VMOPT_TLB_PAGE_SHIFT 16");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_page_size),
        cmocka_unit_test(test_other_page_size_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
