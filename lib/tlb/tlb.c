/* The software TLB: the miss path, flushes, the victim TLB and dynamic
 * resizing.  The hit path is static inline in vmopt.h: index, compare, add.
 *
 * Tables hold sets of `ways` entries (1: direct-mapped).  Every entry filled
 * since the last full flush is on a list, so a full flush of a large,
 * sparsely used table clears only what was used (as v86 keeps a list of
 * valid entries; QEMU tracks dirty state).  Resizing follows QEMU's
 * tlb_mmu_resize_locked: grow at once when more than 70% of the entries
 * were used in a window, shrink only after a whole window (100 ms) below
 * 30%, so that it never flaps. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/internal.h"
#include "lib/tlb/tlb.h"

#define INVALID_TAG UINT64_C(1)
#define GROW_PCT 70
#define SHRINK_PCT 30
#define SHRINK_WINDOW_NS (100 * 1000000ull)

_Static_assert(sizeof(vmopt__tlb_entry) == 32, "two entries per cache line");
_Static_assert(offsetof(struct vmopt_tlb, fast) == 0, "the inline hit path reads the head");

/* The set vaddr falls in: the inline path's byte offset, in entries of ways. */
static uint64_t set_of(const vmopt__tlb_fast *f, uint64_t vaddr)
{
    return vmopt__tlb_offset(f, vaddr) >> (f->page_shift - f->index_shift);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static unsigned log2u(uint64_t v)
{
    unsigned n = 0;
    while (v > 1) {
        v >>= 1;
        n++;
    }
    return n;
}

static void invalidate(vmopt__tlb_entry *e)
{
    e->tag[0] = e->tag[1] = e->tag[2] = INVALID_TAG;
    e->addend = 0;
}

static int is_valid(const vmopt__tlb_entry *e)
{
    return e->tag[0] != INVALID_TAG || e->tag[1] != INVALID_TAG || e->tag[2] != INVALID_TAG;
}

static int holds(const vmopt__tlb_entry *e, uint64_t page)
{
    return e->tag[0] == page || e->tag[1] == page || e->tag[2] == page;
}

/* Allocates an empty table of n entries and makes it live. */
static int set_table(struct vmopt_tlb *t, uint64_t n)
{
    vmopt__tlb_entry *table = aligned_alloc(64, n * sizeof *table);
    uint32_t *used = malloc(n * sizeof *used);
    uint8_t *listed = calloc(n, 1);
    uint8_t *next_way = calloc(n / t->fast.ways, 1);
    if (!table || !used || !listed || !next_way) {
        free(table);
        free(used);
        free(listed);
        free(next_way);
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < n; i++)
        invalidate(&table[i]);
    free(t->fast.table);
    free(t->used);
    free(t->listed);
    free(t->next_way);
    t->fast.table = table;
    t->used = used;
    t->listed = listed;
    t->next_way = next_way;
    t->n_used = 0;
    t->n_valid = 0;
    t->n_entries = n;
    uint64_t sets = n / t->fast.ways;
    t->fast.set_mask = sets - 1;
    t->fast.set_bits = log2u(sets);
    t->fast.index_mask = (sets - 1) << (5 + t->fast.way_bits);
    t->fast.fx_shift = 64 - t->fast.set_bits;
    return 0;
}

static uint64_t page_of(const vmopt__tlb_entry *e)
{
    return e->tag[0] != INVALID_TAG ? e->tag[0] : e->tag[1] != INVALID_TAG ? e->tag[1] : e->tag[2];
}

static void drop_victim(struct vmopt_tlb *t, unsigned i)
{
    invalidate(&t->victim[i]);
    t->victim_page[i] = INVALID_TAG;
}

static void clear_victims(struct vmopt_tlb *t)
{
    for (unsigned i = 0; i < t->n_victim; i++)
        drop_victim(t, i);
}

/* Clears what was used, or the whole table when most of it was. */
static void clear_used(struct vmopt_tlb *t)
{
    if (t->n_used > t->n_entries / 4) {
        for (uint64_t i = 0; i < t->n_entries; i++)
            invalidate(&t->fast.table[i]);
        memset(t->listed, 0, t->n_entries);
    } else {
        for (uint64_t i = 0; i < t->n_used; i++) {
            invalidate(&t->fast.table[t->used[i]]);
            t->listed[t->used[i]] = 0;
        }
    }
    t->n_used = 0;
    t->n_valid = 0;
    clear_victims(t);
}

/* The resize decision, with `valid` entries in use now: grow at once past
 * 70%; shrink when the most used in a whole window (100 ms) stayed below
 * 30%, to the size at which that most would be under 70%.  Checked at every
 * full flush (with the use just before it), every `entries` misses and at
 * vmopt_tlb_poll().  Returns 1 when the table changed (and is empty). */
static int maybe_resize(struct vmopt_tlb *t, uint64_t valid)
{
    if (!t->cfg.resize)
        return 0;
    uint64_t n = t->n_entries, now = now_ns(), target = n;
    if (valid > t->window_max_valid)
        t->window_max_valid = valid;
    if (valid * 100 > n * GROW_PCT && n < (uint64_t)t->cfg.max_entries) {
        target = n * 2;
    } else if (now - t->window_start_ns >= SHRINK_WINDOW_NS) {
        uint64_t most = t->window_max_valid;
        while (most * 100 < target * SHRINK_PCT && target / 2 >= (uint64_t)t->cfg.min_entries &&
               most * 100 <= (target / 2) * GROW_PCT)
            target /= 2;
        t->window_start_ns = now;
        t->window_max_valid = valid;
    }
    if (target == n || set_table(t, target) < 0)
        return 0;
    clear_victims(t);
    t->stats.resizes++;
    t->window_start_ns = now;
    t->window_max_valid = 0;
    return 1;
}

/* --enable-debug checks the whole table after every slow-path change. */
#ifdef VMOPT_DEBUG
#define CHECK(t)                                                                                   \
    do {                                                                                           \
        const char *why_;                                                                          \
        if (!vmopt__tlb_is_valid(t, &why_)) {                                                      \
            vmopt__log(VMOPT__LOG_ERROR, "tlb invariant broken: %s", why_);                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
#else
#define CHECK(t) ((void)0)
#endif

static void run_flush(struct vmopt_tlb *t)
{
    uint64_t valid = t->n_valid;
    clear_used(t);
    t->stats.flushes++;
    maybe_resize(t, valid);
    CHECK(t);
}

static void list_entry(struct vmopt_tlb *t, uint64_t i)
{
    if (!t->listed[i]) {
        t->listed[i] = 1;
        t->used[t->n_used++] = (uint32_t)i;
    }
}

VMOPT_EXTERN void *vmopt__tlb_miss(vmopt_tlb *tlb, uint64_t vaddr, unsigned access, int *fault)
{
    struct vmopt_tlb *t = tlb;
    vmopt__tlb_fast *f = &t->fast;

    if (atomic_load_explicit(&t->flush_pending, memory_order_acquire))
        vmopt_tlb_poll(t);
    if (access > VMOPT_TLB_EXEC) {
        if (fault)
            *fault = -EINVAL;
        return NULL;
    }
    uint64_t page = vaddr & f->page_mask;
    uint64_t set = set_of(f, vaddr);
    vmopt__tlb_entry *base = &f->table[set * f->ways];

    /* A hit in another way of the set: move it to the front, where the
     * inline path looks, and count it as the hit it is. */
    for (unsigned w = 1; w < f->ways; w++)
        if (base[w].tag[access] == page) {
            vmopt__tlb_entry hit = base[w];
            base[w] = base[0];
            base[0] = hit;
            f->hits++;
            return (void *)(uintptr_t)(vaddr + base[0].addend);
        }
    t->stats.misses++;

    /* Where the page goes: the way that already holds it (for another
     * access kind), an empty way, or the set's next way in turn. */
    unsigned way = 0;
    if (f->ways > 1) {
        way = f->ways;
        for (unsigned w = 0; w < f->ways && way == f->ways; w++)
            if (holds(&base[w], page))
                way = w;
        for (unsigned w = 0; w < f->ways && way == f->ways; w++)
            if (!is_valid(&base[w]))
                way = w;
        if (way == f->ways) {
            way = t->next_way[set] % f->ways;
            t->next_way[set] = (uint8_t)(way + 1);
        }
    }
    vmopt__tlb_entry *e = &base[way];

    /* One pass over the victims: a hit swaps back in; an older translation
     * of the page for other access kinds must not outlive the fill below. */
    /* Locals, so the scan is a load and a compare per victim. */
    const uint64_t *vpage = t->victim_page;
    unsigned nv = t->n_victim, i = 0;
    while (i < nv && vpage[i] != page)
        i++;
    int stale = -1;
    if (i < nv) {
        if (t->victim[i].tag[access] == page) {
            vmopt__tlb_entry hit = t->victim[i];
            t->n_valid += !is_valid(e);
            t->victim[i] = *e;
            t->victim_page[i] = is_valid(e) ? page_of(e) : INVALID_TAG;
            *e = hit;
            t->stats.victim_hits++;
            list_entry(t, set * f->ways + way);
            return (void *)(uintptr_t)(vaddr + e->addend);
        }
        stale = (int)i; /* the page for other access kinds: replaced below */
    }
    void *host = NULL;
    unsigned prot = 0;
    int rc = t->cfg.fill(t->cfg.opaque, vaddr, access, &host, &prot);
    if (rc == 0 && !(prot & (1u << access)))
        rc = VMOPT_TLB_EPERM;
    if (rc != 0) {
        t->stats.faults++;
        if (fault)
            *fault = rc;
        return NULL;
    }
    if (stale >= 0)
        drop_victim(t, (unsigned)stale);
    if (t->n_victim && is_valid(e) && !holds(e, page)) {
        t->victim[t->next_victim] = *e;
        t->victim_page[t->next_victim] = page_of(e);
        t->next_victim = t->next_victim + 1 == t->n_victim ? 0 : t->next_victim + 1;
    }
    t->n_valid += !is_valid(e);
    for (unsigned k = 0; k <= VMOPT_TLB_EXEC; k++)
        e->tag[k] = prot & (1u << k) ? page : INVALID_TAG;
    e->addend = (uint64_t)(uintptr_t)host - page;
    t->stats.fills++;
    list_entry(t, set * f->ways + way);
    void *result = (void *)((uintptr_t)host + (vaddr - page));
    if (++t->misses_since_check >= t->n_entries) {
        t->misses_since_check = 0;
        maybe_resize(t, t->n_valid);
    }
    CHECK(t);
    return result;
}

VMOPT_EXTERN void vmopt_tlb_flush(vmopt_tlb *t)
{
    run_flush(t);
}

VMOPT_EXTERN void vmopt_tlb_flush_page(vmopt_tlb *t, uint64_t vaddr)
{
    vmopt__tlb_fast *f = &t->fast;
    uint64_t page = vaddr & f->page_mask;
    vmopt__tlb_entry *base = &f->table[set_of(f, vaddr) * f->ways];
    for (unsigned w = 0; w < f->ways; w++)
        if (holds(&base[w], page)) {
            invalidate(&base[w]);
            t->n_valid--;
        }
    for (unsigned i = 0; i < t->n_victim; i++)
        if (t->victim_page[i] == page)
            drop_victim(t, i);
    t->stats.page_flushes++;
    CHECK(t);
}

VMOPT_EXTERN void vmopt_tlb_flush_range(vmopt_tlb *t, uint64_t vaddr, uint64_t len)
{
    if (len == 0)
        return;
    uint64_t size = ~t->fast.page_mask + 1;
    uint64_t first = vaddr & t->fast.page_mask;
    uint64_t last = (len - 1 > UINT64_MAX - vaddr ? UINT64_MAX : vaddr + len - 1) & t->fast.page_mask;
    uint64_t pages = ((last - first) >> t->fast.page_shift) + 1;
    /* Past half the table, one full flush is cheaper than a page at a time. */
    if (pages == 0 || pages > t->n_entries / 2) {
        run_flush(t);
        return;
    }
    for (uint64_t p = first, i = 0; i < pages; i++, p += size)
        vmopt_tlb_flush_page(t, p);
}

VMOPT_EXTERN void vmopt_tlb_switch(vmopt_tlb *t, uint64_t asid)
{
    if (asid == t->asid)
        return;
    t->asid = asid;
    run_flush(t);
}

VMOPT_EXTERN void vmopt_tlb_flush_async(vmopt_tlb *t)
{
    atomic_store_explicit(&t->flush_pending, 1, memory_order_release);
}

VMOPT_EXTERN int vmopt_tlb_poll(vmopt_tlb *t)
{
    int flushed = 0;
    if (atomic_exchange_explicit(&t->flush_pending, 0, memory_order_acq_rel)) {
        run_flush(t);
        flushed = 1;
    }
    /* A safe point is also where a window that saw no flush ends. */
    if (!flushed && maybe_resize(t, t->n_valid))
        flushed = 1;
    return flushed;
}

VMOPT_EXTERN void vmopt_tlb_get_stats(const vmopt_tlb *t, vmopt_tlb_stats *out)
{
    *out = t->stats;
    out->hits = t->fast.hits;
    out->entries = t->n_entries;
    out->used = t->n_valid;
    out->use_rate = t->n_entries ? (double)t->n_valid / (double)t->n_entries : 0;
}

VMOPT_EXTERN void vmopt_tlb_get_config(const vmopt_tlb *t, vmopt_tlb_config *out)
{
    *out = t->cfg;
    out->entries = (long)t->n_entries;
}

VMOPT_EXTERN void vmopt_tlb_destroy(vmopt_tlb *t)
{
    if (!t)
        return;
    free(t->fast.table);
    free(t->used);
    free(t->listed);
    free(t->next_way);
    free(t);
}

int vmopt__tlb_is_valid(const struct vmopt_tlb *t, const char **why)
{
    const vmopt__tlb_fast *f = &t->fast;
    if (f->ways * (f->set_mask + 1) != t->n_entries)
        return *why = "sets x ways != entries", 0;
    for (uint64_t i = 0; i < t->n_entries; i++) {
        const vmopt__tlb_entry *e = &f->table[i];
        if (!is_valid(e))
            continue;
        if (!t->listed[i])
            return *why = "a valid entry is not on the used list", 0;
        uint64_t page = page_of(e);
        for (unsigned k = 0; k < 3; k++)
            if (e->tag[k] != INVALID_TAG && e->tag[k] != page)
                return *why = "an entry's tags name two pages", 0;
        if (page & ~f->page_mask)
            return *why = "a tag is not page-aligned", 0;
        if (set_of(f, page) != i / f->ways)
            return *why = "an entry sits in the wrong set", 0;
    }
    if (t->n_used > t->n_entries)
        return *why = "used list longer than the table", 0;
    for (unsigned i = 0; i < t->n_victim; i++)
        if (t->victim_page[i] != (is_valid(&t->victim[i]) ? page_of(&t->victim[i]) : INVALID_TAG))
            return *why = "a victim's page is out of date", 0;
    uint64_t valid = 0;
    for (uint64_t i = 0; i < t->n_entries; i++)
        valid += is_valid(&f->table[i]);
    if (valid != t->n_valid)
        return *why = "the count of valid entries is off", 0;
    return 1;
}

static int is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

int vmopt__tlb_create(struct vmopt_tlb **out, const vmopt_tlb_config *cfg)
{
#define BAD(...) vmopt__fail(-EINVAL, "vmopt_tlb_create: " __VA_ARGS__)
    if (!is_pow2(cfg->page_size) || cfg->page_size < 4096 || cfg->page_size > (UINT64_C(1) << 30))
        return BAD("page_size %llu: not a power of two from 4 KiB to 1 GiB",
                   (unsigned long long)cfg->page_size);
    if (cfg->strategy != VMOPT_TLB_DIRECT && cfg->strategy != VMOPT_TLB_SET_ASSOC)
        return BAD("strategy %d: not VMOPT_TLB_DIRECT or VMOPT_TLB_SET_ASSOC", cfg->strategy);
    if (cfg->hash < VMOPT_TLB_HASH_MASK || cfg->hash > VMOPT_TLB_HASH_FX)
        return BAD("hash %d: not one of VMOPT_TLB_HASH_*", cfg->hash);
    int ways = cfg->strategy == VMOPT_TLB_DIRECT ? 1 : cfg->ways;
    if (cfg->strategy == VMOPT_TLB_SET_ASSOC && ways != 2 && ways != 4 && ways != 8)
        return BAD("ways %d: a set-associative TLB has 2, 4 or 8", cfg->ways);
    if (!is_pow2((uint64_t)cfg->min_entries) || !is_pow2((uint64_t)cfg->max_entries) ||
        !is_pow2((uint64_t)cfg->entries))
        return BAD("entries %ld, min_entries %ld, max_entries %ld: each must be a power of two",
                   cfg->entries, cfg->min_entries, cfg->max_entries);
    if (cfg->min_entries > cfg->entries || cfg->entries > cfg->max_entries || cfg->max_entries > (1l << 24))
        return BAD("entries %ld outside [min_entries %ld, max_entries %ld] (max 16 Mi)", cfg->entries,
                   cfg->min_entries, cfg->max_entries);
    if (cfg->min_entries < 2 * ways)
        return BAD("min_entries %ld: at least two sets of %d ways", cfg->min_entries, ways);
    if (cfg->victim < 0 || cfg->victim > VMOPT__TLB_MAX_VICTIM)
        return BAD("victim %d: 0 to %d entries", cfg->victim, VMOPT__TLB_MAX_VICTIM);
    if (cfg->resize != 0 && cfg->resize != 1)
        return BAD("resize %d: 0 or 1", cfg->resize);
    if (!cfg->fill)
        return BAD("fill is NULL: the TLB needs the VM's page walk");
#undef BAD
    struct vmopt_tlb *t = calloc(1, sizeof *t);
    if (!t)
        return vmopt__fail(-ENOMEM, "vmopt_tlb_create: out of memory");
    t->cfg = *cfg;
    t->cfg.ways = ways;
    t->fast.ways = (unsigned)ways;
    t->fast.way_bits = log2u((uint64_t)ways);
    t->fast.hash = (unsigned)cfg->hash;
    t->fast.page_shift = log2u(cfg->page_size);
    t->fast.index_shift = t->fast.page_shift - 5 - t->fast.way_bits;
    t->fast.page_mask = ~(cfg->page_size - 1);
    t->n_victim = (unsigned)cfg->victim;
    clear_victims(t);
    t->window_start_ns = now_ns();
    if (set_table(t, (uint64_t)cfg->entries) < 0) {
        free(t);
        return vmopt__fail(-ENOMEM, "vmopt_tlb_create: out of memory for %ld entries", cfg->entries);
    }
    *out = t;
    return 0;
}
