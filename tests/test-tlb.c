/* The software TLB against a reference model: a guest page table (a plain
 * map) that the fill function reads.  Long random sequences of lookups of
 * each access kind, remaps and unmaps followed by the flush a VM would do
 * (page, range, all, address-space switch), permission upgrades and new
 * mappings without a flush (a fault caches nothing), and resize checks, for
 * every strategy, hash, victim size and page size: after every step the TLB
 * answers exactly what the page table says, and its invariants hold. */
#include <time.h>

#define VMOPT_TLB_COUNT_HITS 1

#include "lib/tlb/tlb.h"
#include "tests/testutil.h"

#define POOL 600

typedef struct {
    uint64_t vpn;
    uintptr_t host; /* 0: unmapped */
    unsigned prot;
} pte;

typedef struct {
    pte pages[POOL];
    unsigned shift;
    uint64_t fills;
} guest;

static pte *find(guest *g, uint64_t vaddr)
{
    uint64_t vpn = vaddr >> g->shift;
    for (int i = 0; i < POOL; i++)
        if (g->pages[i].vpn == vpn)
            return &g->pages[i];
    return NULL;
}

static int find_before(const guest *g, int n, uint64_t vpn)
{
    for (int i = 0; i < n; i++)
        if (g->pages[i].vpn == vpn)
            return 1;
    return 0;
}

static int fill(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot)
{
    guest *g = opaque;
    pte *p = find(g, vaddr);
    g->fills++;
    if (!p || !p->host)
        return 14; /* the VM's own fault code */
    *host = (void *)p->host;
    *prot = p->prot;
    return 0;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void new_mapping(guest *g, pte *p)
{
    p->host = (uintptr_t)(next() << g->shift) | ((uintptr_t)1 << g->shift);
    p->prot = (unsigned)(next() % 8);
}

/* Page numbers: dense, strided by powers of two (which collide under a
 * mask), and at the very top of the 64-bit space. */
static void make_guest(guest *g, unsigned shift)
{
    memset(g, 0, sizeof *g);
    g->shift = shift;
    uint64_t top = (UINT64_MAX >> shift);
    for (int i = 0; i < POOL; i++) {
        pte *p = &g->pages[i];
        if (i < 200)
            p->vpn = 0x1000 + (uint64_t)i;
        else if (i < 400)
            p->vpn = (uint64_t)(i - 200) << (6 + i % 6);
        else if (i < 550)
            p->vpn = next() % (top + 1);
        else
            p->vpn = top - (uint64_t)(i - 550);
        p->vpn &= top;
        while (find_before(g, i, p->vpn)) /* one page, one entry of the model */
            p->vpn = (p->vpn + 1) & top;
        if (next() % 5)
            new_mapping(g, p);
    }
}

static void check_lookup(vmopt_tlb *tlb, guest *g, pte *p, unsigned access, const char *where)
{
    uint64_t off = next() & ((UINT64_C(1) << g->shift) - 1);
    uint64_t vaddr = (p->vpn << g->shift) | off;
    int fault = 0;
    void *got = vmopt_tlb_lookup(tlb, vaddr, access, &fault);
    int allowed = p->host && (p->prot & (1u << access));
    if (allowed) {
        if (got != (void *)(p->host + off))
            fail_msg("%s: vaddr %#llx kind %u: got %p, want %#llx", where, (unsigned long long)vaddr,
                     access, got, (unsigned long long)(p->host + off));
    } else {
        if (got != NULL)
            fail_msg("%s: vaddr %#llx kind %u: got %p, want a fault", where, (unsigned long long)vaddr,
                     access, got);
        assert_int_equal(fault, p->host ? VMOPT_TLB_EPERM : 14);
    }
}

static void run_sequence(int strategy, int hash, int ways, int victim, int resize, int rehash,
                         unsigned shift, long entries, int steps)
{
    static guest g;
    make_guest(&g, shift);
    vmopt_tlb_config cfg = VMOPT_TLB_CONFIG_INIT;
    cfg.page_size = UINT64_C(1) << shift;
    cfg.strategy = strategy;
    cfg.hash = hash;
    cfg.ways = ways;
    cfg.entries = entries;
    cfg.min_entries = 16;
    cfg.max_entries = 4096;
    cfg.victim = victim;
    cfg.resize = resize;
    cfg.rehash = rehash;
    cfg.fill = fill;
    cfg.opaque = &g;
    vmopt_tlb *tlb;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), 0);
    uint64_t lookups = 0, asid = 0;
    char where[128];
    snprintf(where, sizeof where, "strategy %d hash %d ways %d victim %d resize %d rehash %d page 2^%u",
             strategy, hash, ways, victim, resize, rehash, shift);

    for (int step = 0; step < steps; step++) {
        pte *p = &g.pages[next() % POOL];
        unsigned op = (unsigned)(next() % 100);
        if (op < 80) {
            check_lookup(tlb, &g, p, (unsigned)(next() % 3), where);
            lookups++;
        } else if (op < 86) { /* remap or unmap one page, then flush it */
            if (next() % 3)
                new_mapping(&g, p);
            else
                p->host = 0;
            vmopt_tlb_flush_page(tlb, (p->vpn << g.shift) + (next() & ((UINT64_C(1) << g.shift) - 1)));
        } else if (op < 89) { /* change a run of pages, flush the range */
            int first = (int)(next() % 200), n = 1 + (int)(next() % 20);
            for (int i = first; i < first + n && i < 200; i++)
                new_mapping(&g, &g.pages[i]);
            vmopt_tlb_flush_range(tlb, g.pages[first].vpn << g.shift, (uint64_t)n << g.shift);
        } else if (op < 92) { /* more permission, or a new page: no flush needed */
            if (p->host)
                p->prot |= 1u << (next() % 3);
            else
                new_mapping(&g, p);
        } else if (op < 94) {
            for (int i = 0; i < POOL; i += 7)
                new_mapping(&g, &g.pages[i]);
            vmopt_tlb_flush(tlb);
        } else if (op < 96) { /* another address space: a new page table */
            for (int i = 0; i < POOL; i++)
                if (next() % 2)
                    new_mapping(&g, &g.pages[i]);
            vmopt_tlb_switch(tlb, ++asid);
        } else if (op < 97) {
            vmopt_tlb_poll(tlb);
        } else {
            /* The same page again, every kind: hits after the first. */
            for (unsigned k = 0; k < 3; k++, lookups++)
                check_lookup(tlb, &g, p, k, where);
        }
        const char *why;
        if (!vmopt__tlb_is_valid(tlb, &why))
            fail_msg("%s, step %d: invariant broken: %s", where, step, why);
    }
    vmopt_tlb_stats st;
    vmopt_tlb_get_stats(tlb, &st);
    assert_int_equal(st.hits + st.misses, lookups);
    assert_int_equal(st.fills + st.faults + st.victim_hits, st.misses);
    assert_true(st.hits > 0 && st.fills > 0 && st.faults > 0);
    /* An adaptive TLB stops searching victims that do not pay
     * (test_victims_that_pay); a fixed one always has them. */
    if (victim && !resize && !rehash)
        assert_true(st.victim_hits > 0 || strategy == VMOPT_TLB_SET_ASSOC);
    vmopt_tlb_destroy(tlb);
}

static void test_model_every_strategy(void **state)
{
    static const int hashes[] = {VMOPT_TLB_HASH_MASK, VMOPT_TLB_HASH_XOR_FOLD, VMOPT_TLB_HASH_FX};
    for (int h = 0; h < 3; h++)
        for (int victim = 0; victim <= 8; victim += 8)
            for (int adapt = 0; adapt <= 2; adapt++) { /* neither, resize, both */
                int resize = adapt >= 1, rehash = adapt == 2;
                run_sequence(VMOPT_TLB_DIRECT, hashes[h], 1, victim, resize, rehash, 12, 64, 40000);
                for (int ways = 2; ways <= 8; ways *= 2)
                    run_sequence(VMOPT_TLB_SET_ASSOC, hashes[h], ways, victim, resize, rehash, 12, 64, 20000);
            }
}

static void test_model_every_page_size(void **state)
{
    for (unsigned shift = 12; shift <= 30; shift++)
        run_sequence(VMOPT_TLB_DIRECT, shift % 2 ? VMOPT_TLB_HASH_MASK : VMOPT_TLB_HASH_XOR_FOLD, 1, 8, 1,
                     1, shift, 32, 8000);
}

/* No access is allowed beyond what the fill granted, and a fault is not
 * cached: the same lookup after the page is mapped succeeds. */
static void test_permissions_and_faults(void **state)
{
    static guest g;
    make_guest(&g, 12);
    pte *p = &g.pages[0];
    p->host = 0x7000000;
    p->prot = VMOPT_TLB_PROT_READ;
    vmopt_tlb_config cfg = VMOPT_TLB_CONFIG_INIT;
    cfg.strategy = VMOPT_TLB_DIRECT;
    cfg.hash = VMOPT_TLB_HASH_MASK;
    cfg.entries = cfg.min_entries = cfg.max_entries = 64;
    cfg.victim = 0;
    cfg.resize = 0;
    cfg.rehash = 0;
    cfg.fill = fill;
    cfg.opaque = &g;
    vmopt_tlb *tlb;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), 0);
    uint64_t va = (p->vpn << 12) + 5;
    int fault = 0;
    assert_ptr_equal(vmopt_tlb_lookup(tlb, va, VMOPT_TLB_READ, &fault), (void *)0x7000005);
    assert_null(vmopt_tlb_lookup(tlb, va, VMOPT_TLB_WRITE, &fault));
    assert_int_equal(fault, VMOPT_TLB_EPERM);
    assert_null(vmopt_tlb_lookup(tlb, va, VMOPT_TLB_EXEC, &fault));
    uint64_t fills = g.fills;
    assert_ptr_equal(vmopt_tlb_lookup(tlb, va, VMOPT_TLB_READ, &fault), (void *)0x7000005);
    assert_int_equal(g.fills, fills); /* a hit */

    pte *q = &g.pages[1];
    q->host = 0;
    uint64_t vq = q->vpn << 12;
    assert_null(vmopt_tlb_lookup(tlb, vq, VMOPT_TLB_READ, &fault));
    assert_int_equal(fault, 14);
    q->host = 0x9000000;
    q->prot = 7;
    assert_ptr_equal(vmopt_tlb_lookup(tlb, vq, VMOPT_TLB_WRITE, &fault), (void *)0x9000000);
    /* An access kind past tag[] (a variable: a constant would not compile)
     * is refused, not read from the entry's addend. */
    volatile unsigned bad = 3;
    fault = 0;
    assert_null(vmopt_tlb_lookup(tlb, va, bad, &fault));
    assert_int_equal(fault, -EINVAL);
    fault = 0;
    assert_null(vmopt_tlb_lookup(tlb, 0x10, bad, &fault));
    assert_int_equal(fault, -EINVAL);
    vmopt_tlb_destroy(tlb);
}

static void test_bad_config(void **state)
{
    static guest g;
    vmopt_tlb_config cfg = VMOPT_TLB_CONFIG_INIT;
    cfg.fill = fill;
    cfg.opaque = &g;
    vmopt_tlb *tlb = NULL;
    cfg.page_size = 3000;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "page_size 3000");
    cfg.page_size = 4096;
    cfg.strategy = VMOPT_TLB_SET_ASSOC;
    cfg.ways = 3;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "ways 3");
    cfg.ways = 4;
    cfg.entries = 100;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "power of two");
    cfg.entries = VMOPT_TLB_AUTO;
    cfg.fill = NULL;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "fill is NULL");
    assert_null(tlb);
    /* Everything from the plan. */
    cfg.fill = fill;
    cfg.strategy = cfg.ways = VMOPT_TLB_AUTO;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), 0);
    vmopt_tlb_config got;
    vmopt_tlb_get_config(tlb, &got);
    assert_true(got.strategy >= 0 && got.entries >= 16 && got.max_entries >= got.entries);
    vmopt_tlb_destroy(tlb);
    /* Set-associative chosen, ways left to the plan: 4, whatever the
     * plan's strategy (docs/profiles.md). */
    cfg.strategy = VMOPT_TLB_SET_ASSOC;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), 0);
    vmopt_tlb_get_config(tlb, &got);
    assert_int_equal(got.strategy, VMOPT_TLB_SET_ASSOC);
    assert_int_equal(got.ways, 4);
    vmopt_tlb_destroy(tlb);
    /* The same bound as the profile field's, stated the same way. */
    cfg.strategy = VMOPT_TLB_DIRECT;
    cfg.entries = cfg.min_entries = 64;
    cfg.max_entries = 1l << 23;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "max_entries 8388608: at most 4194304");
    /* NULL: the calls that return nothing do nothing, poll says -EINVAL. */
    vmopt_tlb_flush(NULL);
    vmopt_tlb_flush_page(NULL, 0);
    vmopt_tlb_flush_range(NULL, 0, 4096);
    vmopt_tlb_flush_async(NULL);
    vmopt_tlb_stats ts;
    memset(&ts, 0xff, sizeof ts);
    vmopt_tlb_get_stats(NULL, &ts);
    assert_int_equal(ts.misses, 0);
    memset(&got, 0xff, sizeof got);
    vmopt_tlb_get_config(NULL, &got);
    assert_int_equal(got.entries, 0);
    assert_int_equal(vmopt_tlb_poll(NULL), -EINVAL);
}

/* A direct-mapped TLB under the mask over g's page table. */
static vmopt_tlb *direct_tlb(guest *g, long entries, long min, long max, int victim, int resize, int rehash)
{
    vmopt_tlb_config cfg = VMOPT_TLB_CONFIG_INIT;
    cfg.strategy = VMOPT_TLB_DIRECT;
    cfg.hash = VMOPT_TLB_HASH_MASK;
    cfg.entries = entries;
    cfg.min_entries = min;
    cfg.max_entries = max;
    cfg.victim = victim;
    cfg.resize = resize;
    cfg.rehash = rehash;
    cfg.fill = fill;
    cfg.opaque = g;
    vmopt_tlb *tlb;
    assert_int_equal(vmopt_tlb_create(&tlb, &cfg), 0);
    return tlb;
}

/* A full flush of a big table after a few pages costs what was used; the
 * table grows when it runs full and shrinks after a quiet window. */
static void test_flush_and_resize(void **state)
{
    static guest g;
    make_guest(&g, 12);
    for (int i = 0; i < POOL; i++) {
        g.pages[i].vpn = 0x100000 + (uint64_t)i;
        new_mapping(&g, &g.pages[i]);
        g.pages[i].prot = 7;
    }
    vmopt_tlb *tlb = direct_tlb(&g, 64, 64, 1024, 0, 1, 0);
    int fault;
    for (int round = 0; round < 20; round++)
        for (int i = 0; i < 500; i++)
            vmopt_tlb_lookup(tlb, g.pages[i].vpn << 12, VMOPT_TLB_READ, &fault);
    vmopt_tlb_stats st;
    vmopt_tlb_get_stats(tlb, &st);
    /* 500 pages: it grew past 70% use until they fit (then nothing misses). */
    assert_true(st.entries >= 512);
    assert_true(st.resizes >= 3);
    /* A small working set, flushed often, for longer than the window. */
    uint64_t resizes = st.resizes;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        for (int i = 0; i < 20; i++)
            vmopt_tlb_lookup(tlb, g.pages[i].vpn << 12, VMOPT_TLB_READ, &fault);
        vmopt_tlb_flush(tlb);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 350);
    vmopt_tlb_get_stats(tlb, &st);
    assert_true(st.entries < 512);
    assert_true(st.entries >= 64);
    /* It shrank step by step and never grew back: no flapping. */
    assert_true(st.resizes - resizes <= 4);
    vmopt_tlb_destroy(tlb);
}

/* A table that grows between flushes keeps its translations: right after
 * each resize, the pages the old table held (under the mask, the last `old
 * size` pages of a sweep over a power-of-two number of pages) hit with no
 * miss. */
static void test_growth_keeps_entries(void **state)
{
    static guest g;
    make_guest(&g, 12);
    enum { PAGES = 512 };
    for (int i = 0; i < PAGES; i++) {
        g.pages[i].vpn = 0x100000 + (uint64_t)i;
        new_mapping(&g, &g.pages[i]);
        g.pages[i].prot = 7;
    }
    vmopt_tlb *tlb = direct_tlb(&g, 64, 64, 1024, 0, 1, 0);
    vmopt_tlb_stats st, was;
    vmopt_tlb_get_stats(tlb, &was);
    int fault, checked = 0;
    for (int n = 0; n < PAGES * 20; n++) {
        int i = n % PAGES;
        vmopt_tlb_lookup(tlb, g.pages[i].vpn << 12, VMOPT_TLB_READ, &fault);
        vmopt_tlb_get_stats(tlb, &st);
        if (st.resizes != was.resizes && st.flushes == was.flushes && st.entries > was.entries && n >= PAGES) {
            uint64_t held = was.entries < PAGES ? was.entries : PAGES;
            assert_true(st.used >= held - 1);
            uint64_t misses = st.misses;
            for (uint64_t k = 0; k < held; k++) {
                pte *p = &g.pages[(i + PAGES - (int)k) % PAGES];
                assert_ptr_equal(vmopt_tlb_lookup(tlb, p->vpn << 12, VMOPT_TLB_READ, &fault), (void *)p->host);
            }
            vmopt_tlb_get_stats(tlb, &st);
            assert_int_equal(st.misses, misses);
            checked++;
        }
        was = st;
    }
    assert_true(checked >= 1);
    vmopt_tlb_destroy(tlb);
}

static uint64_t ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000);
}

static void lookup_pages(vmopt_tlb *tlb, const guest *g, int first, int n, int rounds)
{
    int fault;
    for (int r = 0; r < rounds; r++)
        for (int i = first; i < first + n; i++)
            assert_ptr_equal(vmopt_tlb_lookup(tlb, g->pages[i].vpn << 12, VMOPT_TLB_READ, &fault),
                             (void *)g->pages[i].host);
}

/* 256 entries, direct-mapped under the mask, not resized. */
static vmopt_tlb *strided_tlb(guest *g, int rehash)
{
    return direct_tlb(g, 256, 256, 256, 8, 0, rehash);
}

/* Pages a power of two apart stack up in one slot under the mask: the TLB
 * moves to xor-fold, where they spread; once the guest goes back to dense
 * pages for longer than the window, it returns to the cheaper mask; and
 * strided and dense phases alternating faster than the window move it at
 * most once each way per window. */
static void test_rehash(void **state)
{
    static guest g;
    make_guest(&g, 12);
    for (int i = 0; i < POOL; i++) {
        /* 0-63: 64 pages 1 MiB apart; 64-127: 64 dense pages. */
        g.pages[i].vpn = i < 64 ? 0x40000 + (uint64_t)i * 256 : 0x90000 + (uint64_t)i;
        g.pages[i].host = (uintptr_t)(i + 1) << 20;
        g.pages[i].prot = 7;
    }
    vmopt_tlb *tlb = strided_tlb(&g, 1);
    vmopt_tlb_config got;
    vmopt_tlb_stats st;

    lookup_pages(tlb, &g, 0, 64, 20);
    vmopt_tlb_get_config(tlb, &got);
    vmopt_tlb_get_stats(tlb, &st);
    assert_int_equal(got.hash, VMOPT_TLB_HASH_XOR_FOLD);
    assert_int_equal(st.rehashes, 1);
    uint64_t misses = st.misses;
    lookup_pages(tlb, &g, 0, 64, 20); /* spread now: all hits */
    vmopt_tlb_get_stats(tlb, &st);
    assert_int_equal(st.misses, misses);

    /* Dense pages for longer than the window, with the safe point a VM
     * calls: back to the mask, and they do not collide there either. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        lookup_pages(tlb, &g, 64, 64, 1);
        vmopt_tlb_poll(tlb);
    } while (ms_since(&start) < 150);
    vmopt_tlb_get_config(tlb, &got);
    vmopt_tlb_get_stats(tlb, &st);
    assert_int_equal(got.hash, VMOPT_TLB_HASH_MASK);
    assert_int_equal(st.rehashes, 2);

    /* Strided and dense phases of 20 ms each, for 250 ms: each change back
     * to the mask waits a whole window, so at most 2 changes per window. */
    uint64_t before = st.rehashes;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int phase = 0; ms_since(&start) < 250; phase++) {
        struct timespec p0;
        clock_gettime(CLOCK_MONOTONIC, &p0);
        do {
            lookup_pages(tlb, &g, phase % 2 ? 64 : 0, 64, 1);
            vmopt_tlb_poll(tlb);
        } while (ms_since(&p0) < 20);
    }
    vmopt_tlb_get_stats(tlb, &st);
    assert_true(st.rehashes - before <= 6);
    vmopt_tlb_destroy(tlb);
}

/* Pages 0-63 of g: 64 pages 1 MiB apart (page numbers 256 apart). */
static void strided_guest(guest *g)
{
    make_guest(g, 12);
    for (int i = 0; i < 64; i++) {
        g->pages[i].vpn = 0x40000 + (uint64_t)i * 256;
        g->pages[i].host = (uintptr_t)(i + 1) << 20;
        g->pages[i].prot = 7;
    }
}

/* Rehashing off: the strided pages keep missing under the mask. */
static void test_rehash_off(void **state)
{
    static guest g;
    strided_guest(&g);
    vmopt_tlb *tlb = strided_tlb(&g, 0);
    lookup_pages(tlb, &g, 0, 64, 20);
    vmopt_tlb_stats st;
    vmopt_tlb_get_stats(tlb, &st);
    assert_int_equal(st.rehashes, 0);
    assert_true(st.misses > 64 * 19);
    vmopt_tlb_destroy(tlb);
}

/* Conflict misses that the largest table under the mask would hit: the
 * TLB grows, and keeps the mask's inline path, rather than rehash. */
static void test_conflicts_grow(void **state)
{
    static guest g;
    strided_guest(&g);
    vmopt_tlb *tlb = direct_tlb(&g, 256, 64, 16384, 8, 1, 1);
    lookup_pages(tlb, &g, 0, 64, 2000);
    vmopt_tlb_config got;
    vmopt_tlb_stats st;
    vmopt_tlb_get_config(tlb, &got);
    vmopt_tlb_get_stats(tlb, &st);
    assert_int_equal(got.hash, VMOPT_TLB_HASH_MASK);
    assert_int_equal(st.rehashes, 0);
    assert_int_equal(got.entries, 16384); /* 64 pages 256 apart spread there */
    uint64_t misses = st.misses;
    lookup_pages(tlb, &g, 0, 64, 20);
    vmopt_tlb_get_stats(tlb, &st);
    assert_int_equal(st.misses, misses);
    vmopt_tlb_destroy(tlb);
}

/* An adaptive TLB stops searching a victim TLB that a working set far
 * beyond the table never hits, and takes it back when misses would hit it:
 * two pages that share a slot, in turn. */
static void test_victims_that_pay(void **state)
{
    static guest g;
    make_guest(&g, 12);
    vmopt_tlb *tlb = direct_tlb(&g, 64, 64, 64, 8, 1, 0); /* resizing on, but it cannot grow */
    vmopt_tlb_config got;
    vmopt_tlb_stats st, before;
    vmopt_tlb_get_config(tlb, &got);
    assert_int_equal(got.victim, 8);
    for (int i = 0; i < POOL; i++) { /* spread over 2^20 pages */
        g.pages[i].vpn = 0x40000 + (next() & 0xfffff);
        g.pages[i].host = (uintptr_t)(i + 1) << 20;
        g.pages[i].prot = 7;
    }
    int fault;
    for (int r = 0; r < 64 * 4; r++) {
        pte *p = &g.pages[next() % POOL];
        assert_ptr_equal(vmopt_tlb_lookup(tlb, p->vpn << 12, VMOPT_TLB_READ, &fault), (void *)p->host);
    }
    vmopt_tlb_get_config(tlb, &got);
    assert_int_equal(got.victim, 0);
    /* Two pages 64 apart: one slot of 64 entries. */
    g.pages[0].vpn = 0x50000;
    g.pages[1].vpn = 0x50040;
    vmopt_tlb_flush(tlb);
    vmopt_tlb_get_stats(tlb, &before);
    lookup_pages(tlb, &g, 0, 2, 2000);
    vmopt_tlb_get_stats(tlb, &st);
    vmopt_tlb_get_config(tlb, &got);
    assert_int_equal(got.victim, 8);
    /* Back within VICTIM_REST + 1 checks of 64 fills; hits after. */
    assert_true(st.victim_hits - before.victim_hits > 4000 - 17 * 64 - 64);
    vmopt_tlb_destroy(tlb);
}

/* A working set the victims never help: each try of them that does not
 * pay doubles the rest before the next (15, 31, 63, ... checks), so over
 * 2000 checks of 64 fills they are tried about 7 times, not once in 16
 * checks (125 times) as with a fixed rest; the first try comes as before. */
static void test_victims_back_off(void **state)
{
    static guest g;
    make_guest(&g, 12);
    vmopt_tlb *tlb = direct_tlb(&g, 64, 64, 64, 8, 1, 0);
    for (int i = 0; i < POOL; i++) {
        g.pages[i].vpn = 0x40000 + (next() & 0xfffff);
        g.pages[i].host = (uintptr_t)(i + 1) << 20;
        g.pages[i].prot = 7;
    }
    int fault, was = 8, tries = 0, first = -1;
    for (int check = 0; check < 2000; check++) {
        for (int r = 0; r < 64; r++) {
            pte *p = &g.pages[next() % POOL];
            assert_ptr_equal(vmopt_tlb_lookup(tlb, p->vpn << 12, VMOPT_TLB_READ, &fault), (void *)p->host);
        }
        vmopt_tlb_config got;
        vmopt_tlb_get_config(tlb, &got);
        if (got.victim && !was) {
            tries++;
            if (first < 0)
                first = check;
        }
        was = got.victim;
    }
    assert_true(first >= 0 && first <= 17);
    assert_true(tries >= 5 && tries <= 8);
    vmopt_tlb_destroy(tlb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_permissions_and_faults),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_model_every_strategy),
        cmocka_unit_test(test_model_every_page_size),
        cmocka_unit_test(test_flush_and_resize),
        cmocka_unit_test(test_rehash),
        cmocka_unit_test(test_rehash_off),
        cmocka_unit_test(test_conflicts_grow),
        cmocka_unit_test(test_growth_keeps_entries),
        cmocka_unit_test(test_victims_that_pay),
        cmocka_unit_test(test_victims_back_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
