/* Calibration: see calibrate.h.  Every figure is the best of several runs
 * (the least disturbed one), and a candidate replaces the estimate only
 * when it wins by a margin, so that noise does not move a threshold. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lib/internal.h"
#include "dispatch/dispatch.h"
#include "dispatch/entry.h"
#include "lib/mem/mem.h"
#include "lib/mem/registry.h"
#include "tuner/calibrate.h"

#define MARGIN 0.95 /* a challenger must take at most 95% of the incumbent's time */

typedef struct {
    struct vmopt_plan *plan;
    const struct vmopt_machine *m;
    int level;
    vmopt__progress_fn progress;
    void *arg;
    int step, steps;
    char *src, *dst;
    size_t buf;
    const uint64_t *trace; /* the caller's recorded TLB trace, or NULL */
    size_t trace_len;
} cal;

static double now_ns(void)
{
    return (double)vmopt__now_ns();
}

static void report(cal *c, const char *what)
{
    if (c->progress)
        c->progress(c->arg, c->step >= c->steps ? 1.0 : (double)c->step / c->steps, what);
    c->step++;
}

static int reps(const cal *c)
{
    return c->level >= 2 ? 15 : 5;
}

/* GiB/s of fn moving n bytes: best of the runs, each at least 64 KiB. */
static double move_rate(const cal *c, vmopt__move_fn fn, size_t n)
{
    size_t k = n >= 65536 ? 1 : 65536 / n;
    double best = 1e300;
    fn(c->dst, c->src, n);
    for (int r = 0; r < reps(c); r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < k; i++) {
            fn(c->dst, c->src, n);
            __asm__ volatile("" : : : "memory");
        }
        double t = now_ns() - t0;
        if (t < best)
            best = t;
    }
    return (double)n * (double)k / best * 1e9 / (1u << 30);
}

static double set_rate(const cal *c, vmopt__set_fn fn, size_t n)
{
    size_t k = n >= 65536 ? 1 : 65536 / n;
    double best = 1e300;
    fn(c->dst, 1, n);
    for (int r = 0; r < reps(c); r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < k; i++) {
            fn(c->dst, (int)i, n);
            __asm__ volatile("" : : : "memory");
        }
        double t = now_ns() - t0;
        if (t < best)
            best = t;
    }
    return (double)n * (double)k / best * 1e9 / (1u << 30);
}

/* The kernels of a registry variant, if this machine runs them. */
static const vmopt__mem_kernels *variant(const char *name, const struct vmopt_machine *m)
{
    const vmopt__mem_variant *v = vmopt__mem_by_name(name);
    return v && vmopt__mem_usable(v, m) ? v->impl : NULL;
}

static void fmt_size(uint64_t v, char *buf, size_t len)
{
    vmopt__format_size(v, buf, len);
}

/* The first index of the tail of sizes where the challenger wins at every
 * one by the margin; n when it wins at none or not at the largest. */
static size_t winning_tail(const double *incumbent, const double *challenger, size_t n)
{
    size_t from = n;
    while (from > 0 && incumbent[from - 1] <= challenger[from - 1] * MARGIN)
        from--;
    return from;
}

/* A threshold for a reason: its size, or "never" for 0. */
static void fmt_threshold(uint64_t v, char *buf, size_t len)
{
    if (v)
        fmt_size(v, buf, len);
    else
        snprintf(buf, len, "never");
}

/* ---- memcpy ------------------------------------------------------------- */

/* GiB/s of fn moving n bytes from src + so to dst + doff. */
static double move_rate_at(const cal *c, vmopt__move_fn fn, size_t n, size_t so, size_t doff)
{
    cal shifted = *c;
    shifted.src += so;
    shifted.dst += doff;
    return move_rate(&shifted, fn, n);
}

/* The loop's width: every vector variant this machine runs, at 1-64 KiB,
 * aligned and misaligned (the 64-byte loop of a CPU that splits 512-bit
 * loads loses there).  The score is the sum over sizes of time relative to
 * the fastest there; the estimate's width stays unless another scores
 * better by the margin. */
static void calibrate_loop(cal *c)
{
    enum { MAX_V = 4, MAX_S = 8 };
    static const size_t quick[] = {1024, 4096, 16384, 65536};
    static const size_t all[] = {512, 1024, 2048, 4096, 8192, 16384, 32768, 65536};
    const size_t *sizes = c->level >= 2 ? all : quick;
    size_t nsizes = c->level >= 2 ? 8 : 4, ncols = 2 * nsizes;
    report(c, "memcpy: loop width");
    if (!c->plan->is_auto[VMOPT__K_MEMCPY_LOOP])
        return;
    const vmopt__mem_variant *v[MAX_V];
    int nv = 0;
    for (unsigned i = 0; i < vmopt__mem_registry_len && nv < MAX_V; i++) {
        const vmopt__mem_variant *r = &vmopt__mem_registry[i];
        /* No SVE where the kernel drops its state at system calls: the
         * traps that follow each one are not in a copy loop's timing. */
        if (r->simd == VMOPT__SIMD_SVE && !vmopt__kernel_keeps_sve(c->m))
            continue;
        if (r->kind == VMOPT__MEM_VECTOR && r->simd != VMOPT__SIMD_GENERIC && r->impl && vmopt__mem_usable(r, c->m))
            v[nv++] = r;
    }
    if (nv < 2) {
        if (nv == 1)
            snprintf(c->plan->reason[VMOPT__K_MEMCPY_LOOP], VMOPT__REASON_LEN,
                     "one vector loop runs here (%s): nothing to measure -> %s", v[0]->name, v[0]->name);
        return;
    }
    double rate[MAX_V][2 * MAX_S], score[MAX_V] = {0};
    for (size_t s = 0; s < ncols; s++)
        for (int i = 0; i < nv; i++)
            rate[i][s] = s < nsizes ? move_rate(c, v[i]->impl->move, sizes[s])
                                    : move_rate_at(c, v[i]->impl->move, sizes[s - nsizes], 17, 3);
    int best = 0, estimate = -1;
    for (int i = 0; i < nv; i++) {
        for (size_t s = 0; s < ncols; s++) {
            double top = 0;
            for (int j = 0; j < nv; j++)
                if (rate[j][s] > top)
                    top = rate[j][s];
            score[i] += top / rate[i][s];
        }
        if (score[i] < score[best])
            best = i;
        if ((uint64_t)v[i]->simd == c->plan->v[VMOPT__K_MEMCPY_LOOP])
            estimate = i;
    }
    if (estimate >= 0 && score[best] > score[estimate] * MARGIN)
        best = estimate;
    char reason[VMOPT__REASON_LEN], at[32];
    size_t mid = nsizes / 2, used;
    fmt_size(sizes[mid], at, sizeof at);
    used = (size_t)snprintf(reason, sizeof reason, "measured at %s aligned/misaligned:", at);
    for (int i = 0; i < nv; i++)
        used += (size_t)snprintf(reason + used, sizeof reason - used, " %s %.0f/%.0f", v[i]->name, rate[i][mid],
                                 rate[i][nsizes + mid]);
    snprintf(reason + used, sizeof reason - used, " GiB/s; best over %zu sizes -> %s", ncols, v[best]->name);
    c->plan->v[VMOPT__K_MEMCPY_LOOP] = (uint64_t)v[best]->simd;
    vmopt__strlcpy(c->plan->reason[VMOPT__K_MEMCPY_LOOP], reason, VMOPT__REASON_LEN);
}

/* ns per copy of n bytes through an entry on table t. */
static double entry_ns(const cal *c, const vmopt__mem_entry *e, const vmopt__mem_table *t, size_t n)
{
    enum { CALLS = 4096 };
    double best = 1e300;
    for (int r = 0; r < reps(c); r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < CALLS; i++) {
            e->move_with(c->dst + (i & 7) * 8, c->src + (i & 15) * 4, n - (i & 31), t);
            __asm__ volatile("" : : : "memory");
        }
        double dt = now_ns() - t0;
        if (dt < best)
            best = dt;
    }
    return best / CALLS;
}

/* inline_max: two, four or eight of the entry's vectors inline, the loop
 * kernel past them, timed over sizes from two to eight vectors through the
 * entry the plan chose.  The estimate stays unless another wins by the
 * margin. */
static void calibrate_inline(cal *c)
{
    report(c, "memcpy: inline limit");
    if (!c->plan->is_auto[VMOPT__K_MEMCPY_INLINE_MAX])
        return;
    const vmopt__mem_variant *ev = vmopt__mem_by_simd(c->m, (int)c->plan->v[VMOPT__K_MEMCPY_SIMD]);
    if (!ev || !ev->impl || !vmopt__mem_usable(ev, c->m))
        return;
    const vmopt__mem_entry *e = vmopt__mem_entry_for(ev->simd);
    size_t w = e->vec_bytes, lo = vmopt__mem_entry_front(e), hi = vmopt__mem_entry_inline_hi(e);
    size_t lim[3] = {lo, lo * 2 < hi ? lo * 2 : hi, hi};
    uint64_t estimate = c->plan->v[VMOPT__K_MEMCPY_INLINE_MAX];
    double ns[3] = {0};
    int best = -1, est = 2;
    for (int i = 0; i < 3; i++) {
        vmopt__mem_table t;
        c->plan->v[VMOPT__K_MEMCPY_INLINE_MAX] = lim[i];
        vmopt__mem_table_from_plan(&t, c->plan, c->m);
        for (size_t n = lo + w / 2; n <= hi; n += w)
            ns[i] += entry_ns(c, e, &t, n);
        if (lim[i] == estimate)
            est = i;
    }
    best = est;
    for (int i = 0; i < 3; i++)
        if (ns[i] < ns[best] * MARGIN)
            best = i;
    c->plan->v[VMOPT__K_MEMCPY_INLINE_MAX] = lim[best];
    if (lo == hi)
        return; /* nothing to choose: the estimate's reason stands */
    double k = (double)((hi - lo) / w);
    snprintf(c->plan->reason[VMOPT__K_MEMCPY_INLINE_MAX], VMOPT__REASON_LEN,
             "measured over %zu-%zu B, ns a copy with %zu, %zu, %zu B inline: %.2f, %.2f, %.2f -> %zu B", lo + 1,
             hi, lim[0], lim[1], lim[2], ns[0] / k, ns[1] / k, ns[2] / k, lim[best]);
}

/* GiB/s of fn moving n bytes to and from offsets spread over half the
 * buffer (512 KiB): data mostly outside the L1d, as a program's copies of
 * its own buffers are.  Copies whose data is in the L1d are the sampler's
 * (dispatch/sampled.c), below half the L1d. */
static double move_rate_spread(const cal *c, vmopt__move_fn fn, size_t n)
{
    size_t window = c->buf / 2, slots = n < window ? window / n : 1;
    size_t k = slots < 4 ? 4 : slots;
    double best = 1e300;
    for (int r = 0; r < reps(c); r++) {
        double t0 = now_ns();
        for (size_t i = 0; i < k; i++) {
            size_t off = (i % slots) * n;
            fn(c->dst + off, c->src + off, n);
            __asm__ volatile("" : : : "memory");
        }
        double t = now_ns() - t0;
        if (t < best)
            best = t;
    }
    return (double)n * (double)k / best * 1e9 / (1u << 30);
}

/* The smallest size from which the string instruction is faster than the
 * plan's loop, by the margin there and not clearly slower at any size above
 * (0: never).  Copies are timed spread over a window outside the L1d. */
static void calibrate_rep(cal *c, int set)
{
    vmopt__key key = set ? VMOPT__K_MEMCPY_REP_STOSB_MIN : VMOPT__K_MEMCPY_REP_MOVSB_MIN;
    report(c, set ? "memset: rep stosb threshold" : "memcpy: rep movsb threshold");
    const vmopt__mem_kernels *rep = variant("erms", c->m);
    const char *loop_name = vmopt__fields[VMOPT__K_MEMCPY_LOOP].names[c->plan->v[VMOPT__K_MEMCPY_LOOP]];
    const vmopt__mem_kernels *loop = variant(loop_name, c->m);
    if (!c->plan->is_auto[key] || !rep || !loop)
        return;
    enum { MAX_SIZES = 16 };
    size_t sizes[MAX_SIZES], n = 0;
    for (size_t s = 1024; s <= c->buf && n < MAX_SIZES; s *= c->level >= 2 ? 2 : 4)
        sizes[n++] = s;
    double r_loop[MAX_SIZES], r_rep[MAX_SIZES];
    for (size_t i = 0; i < n; i++) {
        r_loop[i] = set ? set_rate(c, loop->set, sizes[i]) : move_rate_spread(c, loop->move, sizes[i]);
        r_rep[i] = set ? set_rate(c, rep->set, sizes[i]) : move_rate_spread(c, rep->move, sizes[i]);
    }
    /* From the top down while the loop is not clearly faster (a tie past
     * the L2 does not undo a lead below it: Zen 5, 60 vs 58 GiB/s at 1 MiB
     * after 80 vs 114 at 256 KiB), then up to where rep is clearly faster. */
    size_t from = n;
    while (from > 0 && r_loop[from - 1] * MARGIN <= r_rep[from - 1])
        from--;
    while (from < n && r_loop[from] > r_rep[from] * MARGIN)
        from++;
    uint64_t v = from < n ? sizes[from] : 0;
    /* The figures on either side of the choice: the last size the loop
     * won and the first the instruction did (never: the two largest). */
    size_t hi = from < n ? from : n - 1, lo = hi > 0 ? hi - 1 : hi;
    char s_lo[32], s_hi[32], result[32];
    fmt_size(sizes[lo], s_lo, sizeof s_lo);
    fmt_size(sizes[hi], s_hi, sizeof s_hi);
    fmt_threshold(v, result, sizeof result);
    snprintf(c->plan->reason[key], VMOPT__REASON_LEN,
             "measured%s: %s loop %.0f vs %s %.0f GiB/s at %s, %.0f vs %.0f at %s -> %s",
             set ? "" : " over a 512 KiB window", loop_name, r_loop[lo],
             set ? "rep stosb" : "rep movsb", r_rep[lo], s_lo, r_loop[hi], r_rep[hi], s_hi, result);
    c->plan->v[key] = v;
}

/* Exhaustive only: the size from which non-temporal stores beat the loop,
 * up to twice the last-level cache. */
static void calibrate_nontemporal(cal *c)
{
    report(c, "memcpy: streaming threshold");
    int level = vmopt__last_level_cache(c->m);
    const char *loop_name = vmopt__fields[VMOPT__K_MEMCPY_LOOP].names[c->plan->v[VMOPT__K_MEMCPY_LOOP]];
    const vmopt__mem_kernels *loop = variant(loop_name, c->m);
    if (c->level < 2 || level < 0 || !loop || !loop->move_nt || !c->plan->is_auto[VMOPT__K_MEMCPY_NONTEMPORAL_MIN])
        return;
    size_t top = (size_t)c->m->cache_size[level].value * 2;
    char *src = mmap(NULL, top, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *dst = mmap(NULL, top, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (src == MAP_FAILED || dst == MAP_FAILED) {
        if (src != MAP_FAILED)
            munmap(src, top);
        if (dst != MAP_FAILED)
            munmap(dst, top);
        return;
    }
    memset(src, 1, top);
    memset(dst, 2, top);
    cal big = *c;
    big.src = src;
    big.dst = dst;
    enum { MAX_SIZES = 8 };
    size_t sizes[MAX_SIZES], n = 0;
    for (size_t s = top / 16; s <= top && n < MAX_SIZES; s *= 2)
        sizes[n++] = s;
    double r_loop[MAX_SIZES], r_nt[MAX_SIZES];
    for (size_t i = 0; i < n; i++) {
        r_loop[i] = move_rate(&big, loop->move, sizes[i]);
        r_nt[i] = move_rate(&big, loop->move_nt, sizes[i]);
    }
    munmap(src, top);
    munmap(dst, top);
    size_t from = winning_tail(r_loop, r_nt, n);
    uint64_t v = from < n ? sizes[from] : 0;
    size_t at = from < n ? from : n - 1;
    char where[32], result[32];
    fmt_size(sizes[at], where, sizeof where);
    fmt_threshold(v, result, sizeof result);
    snprintf(c->plan->reason[VMOPT__K_MEMCPY_NONTEMPORAL_MIN], VMOPT__REASON_LEN,
             "measured: %s loop %.1f vs streaming %.1f GiB/s at %s -> %s", loop_name, r_loop[at], r_nt[at], where,
             result);
    c->plan->v[VMOPT__K_MEMCPY_NONTEMPORAL_MIN] = v;
}

/* ---- TLB ---------------------------------------------------------------- */

static int fill_identity(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot)
{
    (void)access;
    (void)opaque; /* the pages are never touched: any host address will do */
    *host = (void *)(uintptr_t)(0x100000000ull + (vaddr & ~(uint64_t)4095));
    *prot = VMOPT_TLB_PROT_READ | VMOPT_TLB_PROT_WRITE | VMOPT_TLB_PROT_EXEC;
    return 0;
}

/* ns per lookup of a synthetic trace: most lookups over a working set
 * three quarters of the table, a strided run of pages 1 MiB apart among
 * them (the conflicts a mask index suffers). */
static double tlb_rate(const cal *c, int strategy, int ways, int hash, long entries, const uint64_t *trace, size_t n)
{
    vmopt_tlb_config tc = VMOPT_TLB_CONFIG_INIT;
    tc.strategy = strategy;
    tc.ways = strategy == VMOPT_TLB_DIRECT ? 1 : ways;
    tc.hash = hash;
    tc.entries = tc.min_entries = tc.max_entries = entries;
    tc.victim = (int)c->plan->v[VMOPT__K_TLB_VICTIM];
    tc.resize = tc.rehash = 0;
    tc.fill = fill_identity;
    vmopt_tlb *t;
    if (vmopt_tlb_create(&t, &tc) < 0)
        return 1e300;
    double best = 1e300;
    for (int r = 0; r < reps(c); r++) {
        int fault;
        uintptr_t sum = 0;
        double t0 = now_ns();
        for (size_t i = 0; i < n; i++)
            sum += (uintptr_t)vmopt_tlb_lookup(t, trace[i], VMOPT_TLB_READ, &fault);
        double dt = now_ns() - t0;
        __asm__ volatile("" : : "r"(sum));
        if (dt < best)
            best = dt;
    }
    vmopt_tlb_destroy(t);
    return best / (double)n;
}

/* The index hash, on the same trace and the organisation chosen.  With
 * rehashing on, the hash in force follows the conflicts at run time, and
 * the estimate's (mask, the cheapest hit) stays the starting point. */
static void calibrate_tlb_hash(cal *c, int ways, const uint64_t *trace, size_t n)
{
    if (!c->plan->is_auto[VMOPT__K_TLB_HASH] || c->plan->v[VMOPT__K_TLB_REHASH])
        return;
    static const char *const names[] = {"mask", "xor-fold", "fx"};
    int strategy = ways == 1 ? VMOPT_TLB_DIRECT : VMOPT_TLB_SET_ASSOC, estimate = (int)c->plan->v[VMOPT__K_TLB_HASH];
    double r[3];
    int best = estimate;
    for (int h = 0; h < 3; h++)
        r[h] = tlb_rate(c, strategy, ways, h, (long)c->plan->v[VMOPT__K_TLB_ENTRIES], trace, n);
    for (int h = 0; h < 3; h++)
        if (r[h] < r[best] * MARGIN)
            best = h;
    snprintf(c->plan->reason[VMOPT__K_TLB_HASH], VMOPT__REASON_LEN,
             "measured on %s: mask %.2f, xor-fold %.2f, fx %.2f ns a lookup -> %s", c->trace ? "the given trace" : "a synthetic trace",
             r[0], r[1], r[2], names[best]);
    c->plan->v[VMOPT__K_TLB_HASH] = (uint64_t)best;
}

/* The table's size, on the caller's recorded trace only (a synthetic one
 * would size the table for itself): the smallest size within 5% of the
 * best, from min_entries to max_entries. */
static void calibrate_tlb_size(cal *c, int ways)
{
    if (!c->trace || !c->plan->is_auto[VMOPT__K_TLB_ENTRIES])
        return;
    int strategy = ways == 1 ? VMOPT_TLB_DIRECT : VMOPT_TLB_SET_ASSOC, hash = (int)c->plan->v[VMOPT__K_TLB_HASH];
    uint64_t lo = c->plan->v[VMOPT__K_TLB_MIN_ENTRIES], hi = c->plan->v[VMOPT__K_TLB_MAX_ENTRIES];
    if (lo < (uint64_t)(ways * 16))
        lo = (uint64_t)ways * 16;
    enum { MAX_SIZES = 24 };
    uint64_t size[MAX_SIZES];
    double r[MAX_SIZES], best = 1e300;
    int n = 0;
    for (uint64_t e = lo; e <= hi && n < MAX_SIZES; e *= c->level >= 2 ? 2 : 4) {
        size[n] = e;
        r[n] = tlb_rate(c, strategy, ways, hash, (long)e, c->trace, c->trace_len);
        if (r[n] < best)
            best = r[n];
        n++;
    }
    if (!n)
        return;
    int pick = n - 1;
    for (int i = 0; i < n; i++)
        if (r[i] * MARGIN <= best) {
            pick = i;
            break;
        }
    char text[VMOPT__REASON_LEN];
    size_t used = (size_t)snprintf(text, sizeof text, "measured on the given trace:");
    for (int i = 0; i < n && used < sizeof text - 40; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, " %llu %.2f", (unsigned long long)size[i], r[i]);
    snprintf(text + used, sizeof text - used, " ns -> %llu", (unsigned long long)size[pick]);
    vmopt__strlcpy(c->plan->reason[VMOPT__K_TLB_ENTRIES], text, VMOPT__REASON_LEN);
    c->plan->v[VMOPT__K_TLB_ENTRIES] = size[pick];
}

static void calibrate_tlb(cal *c)
{
    report(c, "tlb: organisation");
    if (!c->plan->is_auto[VMOPT__K_TLB_STRATEGY] && !c->trace)
        return;
    const uint64_t *trace = c->trace;
    size_t n = c->trace_len;
    uint64_t *synthetic = NULL;
    if (!trace) {
        n = c->level >= 2 ? 400000 : 60000;
        if (!(synthetic = malloc(n * sizeof *synthetic)))
            return;
        uint64_t pages = c->plan->v[VMOPT__K_TLB_ENTRIES] * 3 / 4, x = 0x9e3779b97f4a7c15u;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            synthetic[i] = (x & 7) == 0 ? ((x >> 8) % 64) << 20 : ((x >> 8) % pages) << 12;
        }
        trace = synthetic;
    }
    const char *on = c->trace ? "the given trace" : "a synthetic trace";
    int ways = (int)c->plan->v[VMOPT__K_TLB_WAYS];
    if (c->plan->is_auto[VMOPT__K_TLB_STRATEGY]) {
        static const int ways_tried[] = {2, 4, 8};
        int hash = (int)c->plan->v[VMOPT__K_TLB_HASH];
        long entries = (long)c->plan->v[VMOPT__K_TLB_ENTRIES];
        double direct = tlb_rate(c, VMOPT_TLB_DIRECT, 1, hash, entries, trace, n), best = direct;
        int best_ways = 1;
        char tried[96] = "";
        size_t used = 0;
        for (int w = 0; w < (c->level >= 2 ? 3 : 1); w++) {
            int try_ways = c->level >= 2 ? ways_tried[w] : 4;
            double r = tlb_rate(c, VMOPT_TLB_SET_ASSOC, try_ways, hash, entries, trace, n);
            used += (size_t)snprintf(tried + used, sizeof tried - used, ", %d-way %.2f", try_ways, r);
            if (r < best * MARGIN) {
                best = r;
                best_ways = try_ways;
            }
        }
        snprintf(c->plan->reason[VMOPT__K_TLB_STRATEGY], VMOPT__REASON_LEN,
                 "measured on %s: direct %.2f%s ns a lookup -> %s", on, direct, tried,
                 best_ways == 1 ? "direct" : "set-assoc");
        c->plan->v[VMOPT__K_TLB_STRATEGY] = best_ways == 1 ? VMOPT__TLB_DIRECT : VMOPT__TLB_SET_ASSOC;
        if (c->plan->is_auto[VMOPT__K_TLB_WAYS]) {
            c->plan->v[VMOPT__K_TLB_WAYS] = (uint64_t)best_ways;
            snprintf(c->plan->reason[VMOPT__K_TLB_WAYS], VMOPT__REASON_LEN, "with the measured organisation -> %d",
                     best_ways);
        }
        ways = (int)c->plan->v[VMOPT__K_TLB_WAYS];
    }
    calibrate_tlb_hash(c, ways, trace, n);
    calibrate_tlb_size(c, ways);
    free(synthetic);
}

/* ---- pool --------------------------------------------------------------- */

/* ns per alloc+free pair in batches of 128 once the pool is warm.  Fresh
 * pools, few enough depot trips (48 at a magazine of 16) that the pool's
 * own retuning (64 trips in 10 ms) leaves the magazine as configured. */
static double pool_rate(const cal *c, long magazine)
{
    enum { BATCH = 128, TIMED = 2 };
    static void *obj[BATCH];
    double best = 1e300;
    for (int r = 0; r < reps(c); r++) {
        vmopt_pool_config pc = VMOPT_POOL_CONFIG_INIT;
        pc.object_size = 64;
        pc.magazine = magazine;
        pc.chunk_size = 64 * 1024;
        pc.debug = 0;
        vmopt_pool *p;
        if (vmopt_pool_create(&p, &pc) < 0)
            return 1e300;
        vmopt_pool_cache *h = vmopt_pool_thread_cache(p);
        double t0 = 0;
        for (int b = 0; b <= TIMED; b++) {
            if (b == 1)
                t0 = now_ns(); /* batch 0 carved the objects */
            for (int i = 0; i < BATCH; i++)
                obj[i] = h ? vmopt_pool_cache_alloc(h) : vmopt_pool_alloc(p);
            for (int i = 0; i < BATCH; i++)
                h ? vmopt_pool_cache_free(h, obj[i]) : vmopt_pool_free(p, obj[i]);
        }
        double t = now_ns() - t0;
        vmopt_pool_destroy(p);
        if (t < best)
            best = t;
    }
    return best / (BATCH * TIMED);
}

static void calibrate_pool(cal *c)
{
    report(c, "pool: magazine size");
    if (!c->plan->is_auto[VMOPT__K_POOL_MAGAZINE])
        return;
    static const long tried[] = {16, 32, 64, 128, 256, 512, 1024};
    int hi = c->level >= 2 ? 7 : 5;
    double rate[7], best = 1e300;
    for (int i = 0; i < hi; i++) {
        rate[i] = pool_rate(c, tried[i]);
        if (rate[i] < best)
            best = rate[i];
    }
    /* The smallest magazine within 10% of the best: what a thread holds
     * idle is memory too. */
    int pick = hi - 1;
    for (int i = 0; i < hi; i++)
        if (rate[i] <= best * 1.10) {
            pick = i;
            break;
        }
    snprintf(c->plan->reason[VMOPT__K_POOL_MAGAZINE], VMOPT__REASON_LEN,
             "measured, 128-object batches: %.2f ns a pair at %ld, %.2f at %ld, best %.2f -> %ld (within 10%% of "
             "the best)",
             rate[0], tried[0], rate[pick], tried[pick], best, tried[pick]);
    c->plan->v[VMOPT__K_POOL_MAGAZINE] = (uint64_t)tried[pick];
}

/* ---- the whole ----------------------------------------------------------- */

int vmopt__calibrate(struct vmopt_plan *plan, const struct vmopt_machine *m, const vmopt_options *o)
{
    int level = o->level;
    if (level <= 0)
        return 0;
    cal c = {plan, m, level, o->progress, o->progress_arg, 0, 7, NULL, NULL, (size_t)1 << 20, /* 7 steps, then done */
             o->tlb_trace, o->tlb_trace_len};
    /* Source and destination 2 KiB apart modulo 4 KiB, as bench-mem's: at
     * the same offset every load would wait on the store before it with the
     * same low 12 bits (4K aliasing), and rep movsb is slow on AMD when the
     * distance modulo 4 KiB is small (glibc BZ 30994): a calibration on such
     * buffers measures the buffers, not the kernels. */
    char *src = malloc(c.buf + 8192), *dst = malloc(c.buf + 8192);
    if (!src || !dst) {
        free(src);
        free(dst);
        return vmopt__fail(-ENOMEM, "calibration: out of memory");
    }
    c.src = (char *)(((uintptr_t)src + 4095) & ~(uintptr_t)4095);
    c.dst = (char *)(((uintptr_t)dst + 4095) & ~(uintptr_t)4095) + 2048;
    memset(c.src, 1, c.buf + 64);
    memset(c.dst, 2, c.buf + 64);
    calibrate_loop(&c);
    calibrate_inline(&c);
    calibrate_rep(&c, 0);
    calibrate_rep(&c, 1);
    calibrate_nontemporal(&c);
    calibrate_tlb(&c);
    calibrate_pool(&c);
    report(&c, "done");
    free(src);
    free(dst);
    char origin[VMOPT__ORIGIN_LEN];
    snprintf(origin, sizeof origin, "%s; calibrated (%s)", plan->origin, vmopt__level_names[level]);
    vmopt__strlcpy(plan->origin, origin, sizeof plan->origin);
    return 0;
}
