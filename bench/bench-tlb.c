/* The software TLB against a QEMU-style reference written here (a direct-
 * mapped table indexed by the low bits of the page number, tag compare, add
 * the addend, an 8-entry victim TLB, as accel/tcg/cputlb.c), in the same
 * run, with samples interleaved: ns per lookup and miss rate per workload
 * for each strategy at fixed sizes and for the adaptive configuration; then
 * the cost of each flush kind.  VMOPT_BENCH_QUICK=1 takes fewer samples. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The page size is the reference's, fixed at build time as QEMU's is per
 * target; bench-tlb-any.c runs the same loop with it known at run time. */
#define VMOPT_TLB_PAGE_SHIFT 12

#include "bench/bench-tlb.h"
#include "bench/harness.h"

#define SHIFT 12
#define PAGE (UINT64_C(1) << SHIFT)

/* ---- the reference: QEMU's softmmu TLB, reduced to what a lookup does ---- */
typedef struct {
    uint64_t addr_read, addr_write, addr_code;
    intptr_t addend;
} ref_entry;

struct ref_tlb {
    ref_entry *table;
    uint64_t mask;
    ref_entry victim[8];
    unsigned vnext;
    uint64_t misses;
    /* QEMU's dynamic sizing (tlb_mmu_resize_locked), at each full flush:
     * entries in use, and the most of them in the current 100 ms window. */
    int resize;
    uint64_t n_used, window_max, window_begin_ns, resizes;
    /* QEMU fills through the CPU class's tcg_ops->tlb_fill: an indirect call. */
    int (*fill)(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot);
};

static void *host_of(uint64_t page)
{
    return (void *)(uintptr_t)(UINT64_C(0x100000000000) + (page >> 3));
}

static int bench_fill(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot)
{
    (void)opaque, (void)access;
    *host = host_of(vaddr & ~(PAGE - 1));
    *prot = 7;
    return 0;
}

static void ref_init(ref_tlb *r, uint64_t entries)
{
    memset(r, 0, sizeof *r);
    r->table = aligned_alloc(64, entries * sizeof *r->table);
    memset(r->table, -1, entries * sizeof *r->table);
    memset(r->victim, -1, sizeof r->victim);
    r->mask = entries - 1;
    r->fill = bench_fill;
    r->window_begin_ns = (uint64_t)bench_now_ns();
}

/* QEMU's sizes for a 64-bit target: 2^6 to 2^20 entries, 2^8 at start. */
#define REF_MIN_ENTRIES 64
#define REF_MAX_ENTRIES (UINT64_C(1) << 20)

static uint64_t pow2_ceil(uint64_t v)
{
    uint64_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

/* accel/tcg/cputlb.c's tlb_mmu_resize_locked, as of QEMU 8: double past 70%
 * use in the window; after a whole window under 30%, shrink to the power
 * of two that holds the window's most (doubled if that would be over 70%). */
static void ref_resize(ref_tlb *r)
{
    uint64_t now = (uint64_t)bench_now_ns(), old = r->mask + 1, size = old;
    int expired = now > r->window_begin_ns + 100 * 1000000ull;
    if (r->n_used > r->window_max)
        r->window_max = r->n_used;
    uint64_t rate = r->window_max * 100 / old;
    if (rate > 70) {
        size = old * 2 < REF_MAX_ENTRIES ? old * 2 : REF_MAX_ENTRIES;
    } else if (rate < 30 && expired) {
        uint64_t ceil = pow2_ceil(r->window_max);
        if (ceil && r->window_max * 100 / ceil > 70)
            ceil *= 2;
        size = ceil > REF_MIN_ENTRIES ? ceil : REF_MIN_ENTRIES;
    }
    if (size == old) {
        if (expired) {
            r->window_begin_ns = now;
            r->window_max = r->n_used;
        }
        return;
    }
    free(r->table);
    r->table = aligned_alloc(64, size * sizeof *r->table);
    r->mask = size - 1;
    r->window_begin_ns = now;
    r->window_max = 0;
    r->resizes++;
}

/* tlb_flush: resize (when dynamic), then clear the whole table. */
static void ref_flush(ref_tlb *r)
{
    if (r->resize)
        ref_resize(r);
    memset(r->table, -1, (r->mask + 1) * sizeof(ref_entry));
    memset(r->victim, -1, sizeof r->victim);
    r->n_used = 0;
}

static __attribute__((noinline)) void *ref_miss(ref_tlb *r, uint64_t vaddr)
{
    uint64_t page = vaddr & ~(PAGE - 1);
    ref_entry *e = &r->table[(vaddr >> SHIFT) & r->mask];
    r->misses++;
    for (int i = 0; i < 8; i++)
        if (r->victim[i].addr_read == page) { /* every entry here allows all three kinds */
            ref_entry t = r->victim[i];
            r->victim[i] = *e;
            *e = t;
            return (void *)(uintptr_t)((intptr_t)vaddr + e->addend);
        }
    if (e->addr_read != UINT64_MAX) {
        r->victim[r->vnext] = *e;
        r->vnext = (r->vnext + 1) % 8;
    } else {
        r->n_used++;
    }
    void *host;
    unsigned prot;
    r->fill(NULL, vaddr, 0, &host, &prot);
    e->addr_read = e->addr_write = e->addr_code = page;
    e->addend = (intptr_t)host - (intptr_t)page;
    return (void *)((uintptr_t)host + (vaddr - page));
}

static inline void *ref_lookup(ref_tlb *r, uint64_t vaddr)
{
    ref_entry *e = &r->table[(vaddr >> SHIFT) & r->mask];
    if (__builtin_expect(e->addr_read == (vaddr & ~(PAGE - 1)), 1))
        return (void *)(uintptr_t)((intptr_t)vaddr + e->addend);
    return ref_miss(r, vaddr);
}

static inline void *ref_lookup_write(ref_tlb *r, uint64_t vaddr)
{
    ref_entry *e = &r->table[(vaddr >> SHIFT) & r->mask];
    if (__builtin_expect(e->addr_write == (vaddr & ~(PAGE - 1)), 1))
        return (void *)(uintptr_t)((intptr_t)vaddr + e->addend);
    return ref_miss(r, vaddr);
}

/* The hit paths compared instruction for instruction (bench-tlb prints
 * their counts from its own code): each is one lookup of one kind, with
 * the arguments where the lookup's own call takes them (vmopt's fault
 * pointer fourth), so that no move is a wrapper's. */
void *bench_ref_read(ref_tlb *r, uint64_t vaddr);
void *bench_ref_write(ref_tlb *r, uint64_t vaddr);
void *bench_vmopt_read(vmopt_tlb *t, uint64_t vaddr, unsigned unused, int *fault);
void *bench_vmopt_write(vmopt_tlb *t, uint64_t vaddr, unsigned unused, int *fault);
void *bench_vmopt_exec(vmopt_tlb *t, uint64_t vaddr, unsigned unused, int *fault);
__attribute__((noinline)) void *bench_ref_read(ref_tlb *r, uint64_t vaddr)
{
    return ref_lookup(r, vaddr);
}
__attribute__((noinline)) void *bench_ref_write(ref_tlb *r, uint64_t vaddr)
{
    return ref_lookup_write(r, vaddr);
}
__attribute__((noinline)) void *bench_vmopt_read(vmopt_tlb *t, uint64_t vaddr, unsigned unused, int *fault)
{
    (void)unused;
    return vmopt_tlb_lookup(t, vaddr, VMOPT_TLB_READ, fault);
}
__attribute__((noinline)) void *bench_vmopt_write(vmopt_tlb *t, uint64_t vaddr, unsigned unused, int *fault)
{
    (void)unused;
    return vmopt_tlb_lookup(t, vaddr, VMOPT_TLB_WRITE, fault);
}
__attribute__((noinline)) void *bench_vmopt_exec(vmopt_tlb *t, uint64_t vaddr, unsigned unused, int *fault)
{
    (void)unused;
    return vmopt_tlb_lookup(t, vaddr, VMOPT_TLB_EXEC, fault);
}

/* ---- workloads: traces of guest addresses ------------------------------ */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static trace make_uniform(const char *name, uint64_t pages, size_t n)
{
    trace t = {name, malloc(n * sizeof(uint64_t)), n, 0, NULL};
    for (size_t i = 0; i < n; i++)
        t.addr[i] = ((UINT64_C(0x40000) + next() % pages) << SHIFT) | (next() & (PAGE - 8));
    return t;
}

static trace make_sequential(size_t n)
{
    trace t = {"sequential sweep, 16 Ki pages", malloc(n * sizeof(uint64_t)), n, 0, NULL};
    for (size_t i = 0; i < n; i++)
        t.addr[i] = ((UINT64_C(0x40000) + (i / 8) % 16384) << SHIFT) | ((i % 8) * 512);
    return t;
}

/* 64 pages 1 MiB apart: every page number a multiple of 256. */
static trace make_strided(size_t n)
{
    trace t = {"strided: 64 pages, 1 MiB apart", malloc(n * sizeof(uint64_t)), n, 0, NULL};
    for (size_t i = 0; i < n; i++)
        t.addr[i] = ((UINT64_C(0x40000) + (next() % 64) * 256) << SHIFT) | 64;
    return t;
}

/* Hits of both kinds: 1 Ki pages, one access in three a store. */
static trace make_mixed_rw(size_t n)
{
    trace t = make_uniform("uniform, 1 Ki pages, loads and stores mixed", 1024, n);
    t.write = malloc(n);
    for (size_t i = 0; i < n; i++)
        t.write[i] = next() % 3 == 0;
    return t;
}

/* The working set grows and shrinks: 64, 4 Ki, 256, 16 Ki, 64 pages, with a
 * full flush (a guest context switch) every 20,000 accesses. */
static trace make_phased(size_t n)
{
    static const uint64_t sets[] = {64, 4096, 256, 16384, 64};
    trace t = {"phased 64/4Ki/256/16Ki/64 pages, flush every 20k", malloc(n * sizeof(uint64_t)), n, 20000, NULL};
    for (size_t i = 0; i < n; i++) {
        uint64_t pages = sets[i * 5 / n];
        t.addr[i] = ((UINT64_C(0x40000) + next() % pages) << SHIFT) | 8;
    }
    return t;
}

/* The pages a real program touches: sqlite3 under valgrind's lackey,
 * recorded once per run when valgrind and sqlite3 are installed. */
#define SQLITE_TRACE "sqlite3 (valgrind lackey trace, loads and stores)"
static trace record_program(void)
{
    trace t = {SQLITE_TRACE, NULL, 0, 0, NULL};
    FILE *p = popen("valgrind --tool=lackey --trace-mem=yes --log-fd=1 sqlite3 :memory: "
                    "\"create table t(a,b); with recursive c(x) as (select 1 union all select x+1 "
                    "from c where x<20000) insert into t select x, randomblob(200) from c; "
                    "select count(*), sum(length(b)) from t where a % 3 = 0;\" 2>/dev/null",
                    "r");
    if (!p)
        return t;
    t.addr = malloc(TRACE_MAX * sizeof(uint64_t));
    t.write = malloc(TRACE_MAX);
    char line[128];
    /* "I  addr" fetches and " L addr" loads are reads; " S" stores and
     * " M" modifies (a load and a store) are writes. */
    while (t.n < TRACE_MAX && fgets(line, sizeof line, p)) {
        unsigned long long a;
        if ((line[0] == 'I' || line[0] == ' ') && sscanf(line + 2, "%llx", &a) == 1) {
            t.write[t.n] = line[0] == ' ' && (line[1] == 'S' || line[1] == 'M');
            t.addr[t.n++] = a;
        }
    }
    pclose(p);
    return t;
}

static void run_vmopt(void *arg)
{
    bench_tlb_run(arg);
}

static void run_ref(void *arg)
{
    run_arg *a = arg;
    const trace *tr = a->tr;
    uint64_t sum = 0;
    for (size_t i = 0; i < tr->n;) {
        if (tr->flush_every)
            ref_flush(a->ref);
        size_t end = bench_tlb_run_length(tr, i);
        if (tr->write)
            for (; i < end; i++)
                sum += (uintptr_t)(tr->write[i] ? ref_lookup_write(a->ref, tr->addr[i]) : ref_lookup(a->ref, tr->addr[i]));
        else
            for (; i < end; i++)
                sum += (uintptr_t)ref_lookup(a->ref, tr->addr[i]);
    }
    a->sink += sum;
}

typedef struct {
    const char *name;
    int strategy, hash, ways;
    long entries, min, max;
    int resize, rehash;
    int any_page; /* the loop built without VMOPT_TLB_PAGE_SHIFT */
} tlb_kind;

static const tlb_kind kinds[] = {
    /* Fixed sizes, direct-mapped with the mask, as QEMU indexes: the best
     * of these is what the adaptive table must come within 5% of. */
    {"fixed 64", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1, 64, 64, 64, 0, 0, 0},
    {"fixed 256", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1, 256, 256, 256, 0, 0, 0},
    {"fixed 1024", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1, 1024, 1024, 1024, 0, 0, 0},
    {"fixed 4096", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1, 4096, 4096, 4096, 0, 0, 0},
    {"fixed 16384", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1, 16384, 16384, 16384, 0, 0, 0},
    {"direct xor-fold 256", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_XOR_FOLD, 1, 256, 256, 256, 0, 0, 0},
    {"direct fx 256", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_FX, 1, 256, 256, 256, 0, 0, 0},
    {"4-way xor-fold 256", VMOPT_TLB_SET_ASSOC, VMOPT_TLB_HASH_XOR_FOLD, 4, 256, 256, 256, 0, 0, 0},
    /* What the default profile resolves to here: mask, resize and rehash on. */
    {"adaptive 64-16384", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1, 256, 64, 16384, 1, 1, 0},
    {"adaptive, run-time page", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_MASK, 1, 256, 64, 16384, 1, 1, 1},
};
#define NFIXED 5 /* the first five */
#define NKINDS (sizeof kinds / sizeof kinds[0])

static vmopt_tlb *make(const tlb_kind *k)
{
    vmopt_tlb_config c = VMOPT_TLB_CONFIG_INIT;
    c.strategy = k->strategy;
    c.hash = k->hash;
    c.ways = k->ways;
    c.entries = k->entries;
    c.min_entries = k->min;
    c.max_entries = k->max;
    c.victim = 8;
    c.resize = k->resize;
    c.rehash = k->rehash;
    c.fill = bench_fill;
    vmopt_tlb *t;
    if (vmopt_tlb_create(&t, &c) < 0) {
        fprintf(stderr, "vmopt_tlb_create: %s\n", vmopt_errmsg());
        exit(1);
    }
    return t;
}

static unsigned samples = 11;

#define NREFS 3
static void workload(const trace *tr)
{
    if (!tr->n) {
        printf("\n%s: skipped (valgrind or sqlite3 not installed)\n", tr->name);
        return;
    }
    /* The reference: QEMU's TLB with its own resizing, 256 entries at start;
     * and, as context, fixed at QEMU's default size and at 16 Ki. */
    ref_tlb refs[NREFS];
    static const uint64_t ref_size[NREFS] = {256, 256, 16384};
    static const char *const ref_name[NREFS] = {"QEMU-style, QEMU's resizing", "QEMU-style, fixed 256",
                                                "QEMU-style, fixed 16384"};
    enum { N = NKINDS + NREFS };
    run_arg args[N];
    bench_fn fns[N];
    void *argp[N];
    const char *names[N];
    vmopt_tlb *tlbs[NKINDS];
    for (int i = 0; i < NREFS; i++) {
        ref_init(&refs[i], ref_size[i]);
        refs[i].resize = i == 0;
        names[i] = ref_name[i];
        args[i] = (run_arg){tr, NULL, &refs[i], 0, 0, 0, 0};
        fns[i] = run_ref;
    }
    for (size_t k = 0; k < NKINDS; k++) {
        tlbs[k] = make(&kinds[k]);
        args[k + NREFS] = (run_arg){tr, tlbs[k], NULL, 0, 0, 0, kinds[k].resize};
        fns[k + NREFS] = kinds[k].any_page ? bench_tlb_run_any : run_vmopt;
        names[k + NREFS] = kinds[k].name;
    }
    for (size_t i = 0; i < N; i++)
        argp[i] = &args[i];
    bench_result r[N];
    char group[96];
    snprintf(group, sizeof group, "tlb/%s", tr->name);
    /* Misses counted over one pass from cold. */
    uint64_t miss[N];
    for (size_t i = 0; i < N; i++) {
        if (i < NREFS) {
            uint64_t before = refs[i].misses;
            fns[i](&args[i]);
            miss[i] = refs[i].misses - before;
        } else {
            vmopt_tlb_stats a, b;
            vmopt_tlb_get_stats(tlbs[i - NREFS], &a);
            fns[i](&args[i]);
            vmopt_tlb_get_stats(tlbs[i - NREFS], &b);
            miss[i] = b.misses - a.misses;
        }
    }
    for (size_t i = NREFS; i < N; i++)
        args[i].track = 0;
    bench_measure_many(group, names, fns, argp, N, samples, 20, r);
    size_t best_fixed = NREFS;
    for (size_t i = 0; i < N; i++)
        bench_per_op(&r[i], tr->n);
    for (size_t k = 0; k < NFIXED; k++)
        if (r[k + NREFS].median_ns < r[best_fixed].median_ns)
            best_fixed = k + NREFS;
    printf("\n%s (%zu accesses)\n%-28s %10s %9s %12s\n", tr->name, tr->n, "", "ns/lookup", "miss %",
           "speed vs QEMU (>1: faster)");
    for (size_t i = 0; i < N; i++) {
        bench_record(&r[i], &r[0]);
        printf("%-28s %10.2f %8.2f%%  %6.2fx", names[i], r[i].median_ns, 100.0 * (double)miss[i] / (double)tr->n,
               bench_ratio(&r[0], &r[i]));
        if (i == 0)
            printf("   resizes %llu, now %llu entries", (unsigned long long)refs[0].resizes,
                   (unsigned long long)refs[0].mask + 1);
        if (i >= NREFS && kinds[i - NREFS].resize) {
            vmopt_tlb_stats st;
            vmopt_tlb_get_stats(tlbs[i - NREFS], &st);
            vmopt_tlb_config cfg;
            vmopt_tlb_get_config(tlbs[i - NREFS], &cfg);
            static const char *const hashes[] = {"mask", "xor-fold", "fx"};
            printf("   %.2fx the best fixed size; resizes %llu, rehashes %llu, now %llu entries, %s",
                   bench_ratio(&r[best_fixed], &r[i]), (unsigned long long)st.resizes, (unsigned long long)st.rehashes,
                   (unsigned long long)st.entries, hashes[cfg.hash]);
        }
        putchar('\n');
    }
    if (tr->flush_every) {
        /* The adaptive table's size over a fresh pass, sampled at each flush. */
        vmopt_tlb *t = make(&kinds[NKINDS - 1]);
        run_arg a = {tr, t, NULL, 0, 0, 0, 1};
        run_vmopt(&a);
        vmopt_tlb_stats st;
        vmopt_tlb_get_stats(t, &st);
        printf("adaptive: average %.0f entries over the run (largest fixed: 16384), %llu resizes\n",
               (double)a.entry_sum / (double)a.entry_samples, (unsigned long long)st.resizes);
        vmopt_tlb_destroy(t);
    }
    for (size_t k = 0; k < NKINDS; k++)
        vmopt_tlb_destroy(tlbs[k]);
    for (int i = 0; i < NREFS; i++)
        free(refs[i].table);
}

/* The hit path's instructions, read from this program's own code: each
 * bench_* function is one lookup, and its hit path is the straight line
 * from its entry to the first ret (GCC lays the miss out of line). */
static void hit_paths(void)
{
    static const char *const fn[] = {"bench_ref_read", "bench_ref_write", "bench_vmopt_read", "bench_vmopt_write",
                                      "bench_vmopt_exec"};
    char cmd[4200], self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return;
    self[len] = 0;
    printf("\nhit path, instructions from entry to the first ret (objdump of this program)\n");
    for (size_t i = 0; i < sizeof fn / sizeof fn[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "objdump -d --no-show-raw-insn '%s' 2>/dev/null | awk '/<%s>:/{on=1; next} on && /ret/{print n; exit} "
                 "on && /^ *[0-9a-f]+:/{n++} on && /^$/{exit}'",
                 self, fn[i]);
        FILE *p = popen(cmd, "r");
        char out[32] = "";
        if (!p || !fgets(out, sizeof out, p))
            snprintf(out, sizeof out, "? (no objdump)\n");
        if (p)
            pclose(p);
        printf("%-20s %s", fn[i], out);
    }
}

/* ---- flushes ----------------------------------------------------------- */
typedef struct {
    vmopt_tlb *tlb;
    ref_tlb *ref;
    uint64_t pages;
    int kind; /* 0 full, 1 page, 2 range of 16 pages */
} flush_arg;

static void touch(flush_arg *a)
{
    int fault;
    for (uint64_t p = 0; p < a->pages; p++)
        vmopt_tlb_lookup(a->tlb, (UINT64_C(0x40000) + p * 7) << SHIFT, VMOPT_TLB_READ, &fault);
}




/* A full flush alone, timed around the call after 100 pages were touched,
 * against clearing the whole table as QEMU's tlb_flush does (memset), and
 * 100 page flushes and one range flush over the same pages. */
static double median_flush(vmopt_tlb *t, ref_tlb *ref, int kind, long entries)
{
    enum { ROUNDS = 201 };
    double v[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        flush_arg a = {t, ref, 100, kind};
        if (ref)
            for (uint64_t p = 0; p < 100; p++)
                ref_lookup(ref, (UINT64_C(0x40000) + p * 7) << SHIFT);
        else
            touch(&a);
        double t0 = bench_now_ns();
        if (ref)
            memset(ref->table, -1, (uint64_t)entries * sizeof(ref_entry));
        else if (kind == 0)
            vmopt_tlb_flush(t);
        else if (kind == 1)
            for (uint64_t p = 0; p < 100; p++)
                vmopt_tlb_flush_page(t, (UINT64_C(0x40000) + p * 7) << SHIFT);
        else
            vmopt_tlb_flush_range(t, UINT64_C(0x40000) << SHIFT, 100 * 7 << SHIFT);
        v[r] = bench_now_ns() - t0;
    }
    return bench_median(v, ROUNDS);
}

static void flushes(void)
{
    printf("\nflush after touching 100 pages: ns per flush (median of 201; clock overhead included)\n");
    printf("%-8s %12s %14s %14s %18s %12s\n", "entries", "full", "100 x page", "range (700 p)",
           "QEMU memset", "memset/full");
    for (long entries = 1024; entries <= 65536; entries *= 4) {
        tlb_kind k = {"fixed", VMOPT_TLB_DIRECT, VMOPT_TLB_HASH_XOR_FOLD, 1, entries, entries, entries, 0, 0, 0};
        vmopt_tlb *t = make(&k);
        ref_tlb ref;
        ref_init(&ref, (uint64_t)entries);
        double full = median_flush(t, NULL, 0, entries), page = median_flush(t, NULL, 1, entries);
        double range = median_flush(t, NULL, 2, entries), clear = median_flush(NULL, &ref, 0, entries);
        printf("%-8ld %12.0f %14.0f %14.0f %18.0f %11.1fx\n", entries, full, page, range, clear, clear / full);
        char name[64];
        bench_result r = {.group = "tlb/flush", .samples = 201, .median_ns = full, .p10_ns = full, .p90_ns = full};
        bench_result q = r;
        snprintf(name, sizeof name, "full flush after 100 pages, %ld entries", entries);
        r.name = name;
        q.name = "QEMU-style memset of the table";
        q.median_ns = q.p10_ns = q.p90_ns = clear;
        bench_record(&r, &q);
        vmopt_tlb_destroy(t);
        free(ref.table);
    }
}

/* VMOPT_BENCH_ONLY=text runs only the workloads whose name holds it. */
/* Miss rate against entries for each hash: direct-mapped at fixed sizes,
 * with QEMU's 8-entry victim TLB, no resizing, one pass from cold.  Counts
 * only, so one pass each; recorded as "miss_rate" (make plots draws it). */
static void miss_sweep(const trace *tr)
{
    static const int hashes[] = {VMOPT_TLB_HASH_MASK, VMOPT_TLB_HASH_XOR_FOLD, VMOPT_TLB_HASH_FX};
    static const char *const hash_name[] = {"mask", "xor-fold", "fx"};
    if (!tr->n)
        return;
    printf("\n%s: miss %% by entries, one cold pass\n%-10s", tr->name, "entries");
    for (int h = 0; h < 3; h++)
        printf(" %9s", hash_name[h]);
    putchar('\n');
    char group[128];
    snprintf(group, sizeof group, "tlb-misses/%s", tr->name);
    for (long e = 64; e <= 16384; e *= 2) {
        printf("%-10ld", e);
        for (int h = 0; h < 3; h++) {
            tlb_kind k = {"sweep", VMOPT_TLB_DIRECT, hashes[h], 1, e, e, e, 0, 0, 0};
            vmopt_tlb *t = make(&k);
            run_arg a = {tr, t, NULL, 0, 0, 0, 0};
            vmopt_tlb_stats st;
            run_vmopt(&a);
            vmopt_tlb_get_stats(t, &st);
            double rate = (double)st.misses / (double)tr->n;
            printf(" %8.2f%%", 100 * rate);
            char name[64];
            snprintf(name, sizeof name, "%s %ld", hash_name[h], e);
            bench_counter(group, name, "miss_rate", rate);
            vmopt_tlb_destroy(t);
        }
        putchar('\n');
    }
}

static int wanted(const char *name)
{
    const char *only = getenv("VMOPT_BENCH_ONLY");
    return !only || strstr(name, only);
}

int main(void)
{
    if (getenv("VMOPT_BENCH_QUICK"))
        samples = 5;
    size_t n = 1u << 20;
    trace traces[] = {
        make_uniform("uniform, 64 pages (all hits: the hit path)", 64, n),
        make_uniform("uniform, 1 Ki pages", 1024, n),
        make_uniform("uniform, 16 Ki pages", 16384, n),
        make_uniform("uniform, 256 Ki pages (beyond the largest size)", 262144, n),
        make_sequential(n),
        make_strided(n),
        make_mixed_rw(n),
        make_phased(n * 2),
        wanted(SQLITE_TRACE) ? record_program() : (trace){SQLITE_TRACE, NULL, 0, 0, NULL},
    };
    bench_print_cpu();
    printf("software TLB, %u interleaved samples; miss %% from one cold pass\n", samples);
    for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++)
        if (wanted(traces[i].name))
            workload(&traces[i]);
    for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++)
        if (wanted(traces[i].name))
            miss_sweep(&traces[i]);
    if (getenv("VMOPT_BENCH_ONLY"))
        return 0;
    hit_paths();
    flushes();
    return 0;
}
