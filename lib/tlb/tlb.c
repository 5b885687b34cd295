/* The software TLB: the miss path, flushes, the victim TLB and dynamic
 * resizing.  The hit path is static inline in vmopt.h: index, compare, add.
 *
 * Tables hold sets of `ways` entries (1: direct-mapped).  Every entry filled
 * since the last full flush is on a list, so a full flush of a large,
 * sparsely used table clears only what was used (as v86 keeps a list of
 * valid entries; QEMU tracks dirty state).  Resizing follows QEMU's
 * tlb_mmu_resize_locked: grow at once when more than 70% of the entries
 * were used in a window, shrink only after a whole window (100 ms) below
 * 30%, so that it never flaps.  Rehashing does for conflict misses what
 * resizing does for capacity misses: when most misses evict a live entry
 * from a mostly empty table, the index moves to a hash that spreads more
 * (mask -> xor-fold -> fx), and back to the configured one only after a
 * whole window in which the pages held would not collide under it. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/internal.h"
#include "lib/plan.h"
#include "lib/tlb/tlb.h"

/* All ones: never a page address, and a table is emptied by memset. */
#define INVALID_TAG UINT64_MAX
#define GROW_PCT 70
#define SHRINK_PCT 30
#define SHRINK_WINDOW_NS (100 * 1000000ull)
_Static_assert(VMOPT__TLB_MAX_VICTIM % 8 == 0, "the victim filter has eight slots a word");
#define PUBLISH_EVERY 64 /* misses between two publications for the retuner */

_Static_assert(sizeof(vmopt__tlb_entry) == 32, "two entries per cache line");
_Static_assert(offsetof(struct vmopt_tlb, fast) == 0, "the inline hit path reads the head");

/* The hit path's index for a hash on a table of 2^bits sets, into f. */
static void index_for(const struct vmopt_tlb *t, vmopt__tlb_fast *f, unsigned hash, unsigned bits)
{
    f->table = t->table;
    f->page_mask = t->page_mask;
    f->index_mask = ((UINT64_C(1) << bits) - 1) << 5;
    f->shift = t->page_shift - 5;
    f->hash = hash;
    f->fold = bits;
    f->hash_shift = hash == VMOPT_TLB_HASH_FX ? 64 - bits - 5 : f->shift;
}

static void set_index(const struct vmopt_tlb *t, vmopt__tlb_fast *f, unsigned hash)
{
    index_for(t, f, hash, t->set_bits);
}

/* The set page falls in under the index in f: the inline path's byte
 * offset, in sets. */
static uint64_t set_under(const struct vmopt_tlb *t, const vmopt__tlb_fast *f, uint64_t page)
{
    uint64_t offset = __builtin_expect(f->hash == VMOPT_TLB_HASH_MASK, 1) ? (page >> f->shift) & f->index_mask
                                                                           : vmopt__tlb_hashed(f, page);
    return offset >> 5;
}

static uint64_t set_of(const struct vmopt_tlb *t, uint64_t page)
{
    return set_under(t, &t->fast, page);
}

static void set_hash(struct vmopt_tlb *t, unsigned hash)
{
    t->hash = hash;
    set_index(t, &t->fast, hash);
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
    memset(e, 0xff, sizeof *e);
}

static int is_valid(const vmopt__tlb_entry *e)
{
    return e->tag[0] != INVALID_TAG || e->tag[1] != INVALID_TAG || e->tag[2] != INVALID_TAG;
}

static int holds(const vmopt__tlb_entry *e, uint64_t page)
{
    return e->tag[0] == page || e->tag[1] == page || e->tag[2] == page;
}

static unsigned pick_way(struct vmopt_tlb *t, const vmopt__tlb_entry *base, uint64_t set, uint64_t page);
static uint64_t page_of(const vmopt__tlb_entry *e);
static void list_entry(struct vmopt_tlb *t, uint64_t i);

/* Allocates a table of n entries and makes it live: empty, or (carry)
 * holding what the old one held, each entry moved to its set under the new
 * size and hash.  Where two land on one set of one way, the later on the
 * used list stays.  A resize between flushes is not a flush: the caller's
 * translations are still good, and refilling them costs a miss and a fill
 * each (a page-table walk, in a VM) where moving costs a copy. */
static int set_table(struct vmopt_tlb *t, uint64_t n, int carry)
{
    vmopt__tlb_entry *table = aligned_alloc(64, n * sizeof *table);
    uint32_t *used = malloc(n * sizeof *used);
    uint8_t *next_way = calloc(n / t->ways, 1);
    uint8_t *occupancy = malloc(n / t->ways);
    if (!table || !used || !next_way || !occupancy) {
        free(table);
        free(used);
        free(next_way);
        free(occupancy);
        return -ENOMEM;
    }
    memset(table, 0xff, n * sizeof *table);
    t->window_misses = t->window_shadow_hits = 0;
    vmopt__tlb_entry *old = t->table;
    uint32_t *old_used = t->used;
    uint64_t old_n_used = carry && old ? t->n_used : 0, old_n = t->n_entries;
    int old_whole = t->used_overflow; /* the list missed some: walk the whole old table */
    free(t->next_way);
    free(t->occupancy);
    t->table = table;
    t->used = used;
    t->used_overflow = 0;
    t->next_way = next_way;
    t->occupancy = occupancy;
    t->n_used = 0;
    t->n_valid = 0;
    t->n_entries = n;
    uint64_t sets = n / t->ways;
    t->set_bits = log2u(sets);
    set_hash(t, t->hash);
    uint64_t walk = old_whole && carry && old ? old_n : old_n_used;
    for (uint64_t u = 0; u < walk; u++) {
        const vmopt__tlb_entry *e = &old[old_whole ? u : old_used[u]];
        if (!is_valid(e))
            continue; /* flushed by page since it was listed */
        uint64_t page = page_of(e), set = set_of(t, page);
        unsigned way = t->ways > 1 ? pick_way(t, &table[set], set, page) : 0;
        uint64_t i = set + ((uint64_t)way << t->set_bits);
        if (!is_valid(&table[i])) {
            t->n_valid++;
            list_entry(t, i);
        }
        table[i] = *e;
    }
    free(old);
    free(old_used);
    return 0;
}

static uint64_t page_of(const vmopt__tlb_entry *e)
{
    return e->tag[0] != INVALID_TAG ? e->tag[0] : e->tag[1] != INVALID_TAG ? e->tag[1] : e->tag[2];
}

#define BYTES(b) (UINT64_C(0x0101010101010101) * (b))
#define PROT_ALL (VMOPT_TLB_PROT_READ | VMOPT_TLB_PROT_WRITE | VMOPT_TLB_PROT_EXEC)

/* The victim filter's byte for a page: the top byte of a multiplicative
 * hash, so that pages of one set (equal low bits) get different bytes. */
static uint64_t victim_byte(uint64_t page)
{
    return (page * UINT64_C(0x9e3779b97f4a7c15)) >> 56;
}

static void drop_victim(struct vmopt_tlb *t, unsigned i)
{
    invalidate(&t->victim[i]);
    t->victim_page[i] = INVALID_TAG;
    t->victim_live[i / 8] &= ~(UINT64_C(0x80) << (i % 8 * 8));
}

/* Victim slot i takes entry e, which holds page. */
static inline __attribute__((always_inline)) void set_victim(struct vmopt_tlb *t, unsigned i, const vmopt__tlb_entry *e,
                                                            uint64_t page)
{
    unsigned shift = i % 8 * 8;
    t->victim[i] = *e;
    t->victim_page[i] = page;
    t->victim_hash[i / 8] = (t->victim_hash[i / 8] & ~(UINT64_C(0xff) << shift)) | victim_byte(page) << shift;
    t->victim_live[i / 8] |= UINT64_C(0x80) << shift;
}

/* The victim slot holding page (for some access kind), or n_victim: per
 * word of eight, the bytes equal to the page's (a byte equal to zero after
 * the xor, by the carry trick, which may also flag a byte above a true
 * match but never misses one), then a compare of the pages of those. */
static unsigned find_victim(const struct vmopt_tlb *t, uint64_t page)
{
    uint64_t want = BYTES(victim_byte(page));
    for (unsigned w = 0; w * 8 < t->n_search; w++) {
        uint64_t x = t->victim_hash[w] ^ want;
        uint64_t z = (x - BYTES(1)) & ~x & t->victim_live[w];
        for (; z; z &= z - 1) {
            unsigned i = w * 8 + (unsigned)__builtin_ctzll(z) / 8;
            if (t->victim_page[i] == page)
                return i;
        }
    }
    return t->n_search;
}

static void clear_victims(struct vmopt_tlb *t)
{
    for (unsigned i = 0; i < t->n_victim; i++)
        drop_victim(t, i);
}

/* Clears what was used, or the whole table when most of it was. */
static void clear_used(struct vmopt_tlb *t)
{
    if (t->n_used > t->n_entries / 4 || t->used_overflow) {
        memset(t->table, 0xff, t->n_entries * sizeof *t->table);
    } else {
        for (uint64_t i = 0; i < t->n_used; i++)
            invalidate(&t->table[t->used[i]]);
    }
    t->n_used = 0;
    t->used_overflow = 0;
    t->n_valid = 0;
    clear_victims(t);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The pages filled most recently (the working set as it is now, where the
 * table may still hold an older one), and how many of them would find
 * their set already full under hash: what switching to it would cost. */
static unsigned collisions_under(struct vmopt_tlb *t, unsigned hash, unsigned bits, unsigned *pages)
{
    uint64_t recent[VMOPT__TLB_RECENT];
    unsigned n = t->n_recent < VMOPT__TLB_RECENT ? (unsigned)t->n_recent : VMOPT__TLB_RECENT;
    memcpy(recent, t->recent, n * sizeof *recent);
    qsort(recent, n, sizeof *recent, cmp_u64);
    vmopt__tlb_fast f = t->fast;
    index_for(t, &f, hash, bits);
    memset(t->occupancy, 0, (size_t)1 << bits);
    unsigned distinct = 0, collisions = 0;
    for (unsigned i = 0; i < n; i++) {
        if (i && recent[i] == recent[i - 1])
            continue;
        distinct++;
        uint8_t *o = &t->occupancy[set_under(t, &f, recent[i])];
        *o += *o < UINT8_MAX;
        collisions += *o > t->ways;
    }
    *pages = distinct;
    return collisions;
}

/* The index hash for what was seen since the last check.  Conflict misses
 * are those that evict a live translation from a table that is mostly
 * empty (a full one is a capacity problem, which growing solves): when more
 * than half of the fills did that, move to the next hash that spreads more.
 * Go back to the configured, cheaper one only after a whole window (100 ms)
 * on this one, and only if the pages filled most recently (16 at least)
 * would hardly collide under it (1 in 16), so that alternating phases
 * cannot make it flap. */
static unsigned hash_target(struct vmopt_tlb *t, uint64_t valid, uint64_t now, int after_fills)
{
    unsigned hash = t->hash, pages;
    if (after_fills && hash < VMOPT_TLB_HASH_FX && t->evictions * 2 > t->fills_since_check &&
        valid * 100 < t->n_entries * SHRINK_PCT)
        return hash + 1;
    if (hash != (unsigned)t->cfg.hash && now - t->hash_since_ns >= SHRINK_WINDOW_NS) {
        unsigned collisions = collisions_under(t, (unsigned)t->cfg.hash, t->set_bits, &pages);
        if (pages >= 16 && collisions * 16 <= pages)
            return (unsigned)t->cfg.hash;
    }
    return hash;
}

/* Growth pays only if some size within bounds would hit: the shadow holds
 * the tags of a direct-mapped table of max_entries (under the mask) for
 * SHADOW_SETS of its sets, one in each group of g = max_entries /
 * SHADOW_SETS consecutive sets: the one whose offset in the group is the
 * group's number mod g, so that neither a compact working set nor a
 * power-of-two stride escapes the sample.  It is
 * updated at every miss of the real table that falls in a sampled set.  A
 * hit in a smaller table is a hit in the larger one too (its index bits
 * are a subset, direct-mapped), so the misses alone keep the shadow exact.
 * Growing pays when the largest table would have hit a fifth of
 * SHADOW_FULL_SAMPLE sampled misses, or half of SHADOW_MIN_SAMPLE; it does
 * not when it would have hit a sixteenth of those.  Anything else cannot
 * tell (the pages
 * that miss may all fall in sets outside the sample): the sample carries
 * over to the next check, and after SHADOW_MAX_WAIT checks without one the
 * table grows, as QEMU's would.  A cyclic working set of
 * 500 pages gets no hit in a table of 128 or 256, so a shadow one size up
 * would never grow it; the largest one does. */
#define SHADOW_SETS 1024
#define SHADOW_MIN_SAMPLE 32
#define SHADOW_FULL_SAMPLE 256
#define SHADOW_MAX_WAIT 32

enum { PAYS_NO, PAYS_YES, PAYS_UNKNOWN };

static int growth_pays(const struct vmopt_tlb *t)
{
    uint64_t n = t->window_misses, hits = t->window_shadow_hits;
    if (!t->shadow)
        return PAYS_YES;
    if (!t->shadow_live)
        return PAYS_NO; /* resting after a no (shadow_rest) */
    if (t->shadow_warm) /* its hits are true ones, its misses not yet */
        return n >= SHADOW_MIN_SAMPLE && hits * 2 >= n ? PAYS_YES : PAYS_UNKNOWN;
    if (n >= SHADOW_FULL_SAMPLE)
        return hits * 5 >= n ? PAYS_YES : PAYS_NO;
    /* A small sample decides only when it is clear: at a true rate of 6%
     * (256 Ki pages against a largest size of 16 Ki), 32 samples reach a
     * fifth once in 500 checks, and that grew the table. */
    if (n >= SHADOW_MIN_SAMPLE && hits * 2 >= n)
        return PAYS_YES;
    if (n >= SHADOW_MIN_SAMPLE && hits * 16 <= n)
        return PAYS_NO;
    return PAYS_UNKNOWN;
}

/* The shadow costs a miss about 1 ns (Zen 4 KVM guest, bench-tlb at 256 Ki
 * pages), and a working set beyond any size keeps it saying no.  After a
 * no, it rests for shadow_backoff checks (1, 2, 4 ... SHADOW_MAX_REST), and
 * then comes back with a new epoch.  The largest table would not have been
 * emptied meanwhile, so until it has seen as many sampled misses as it has
 * sets it is warming up: a hit then is a true hit, and can say yes, but a
 * miss may be one that table would have hit, so it cannot say no. */
#define SHADOW_MAX_REST 256

static void shadow_rest(struct vmopt_tlb *t)
{
    t->shadow_live = NULL;
    t->shadow_rest_left = t->shadow_backoff;
    if (t->shadow_backoff < SHADOW_MAX_REST)
        t->shadow_backoff *= 2;
}

/* Empties the shadow: a new epoch in the tags' page-offset bits, and a
 * clear only when the epochs wrap. */
static void shadow_epoch_next(struct vmopt_tlb *t)
{
    if (++t->shadow_epoch >= (UINT64_C(1) << t->page_shift)) {
        t->shadow_epoch = 1;
        for (uint64_t i = 0; i < t->shadow_sets; i++)
            t->shadow[i] = 0;
    }
}

/* At each check: a resting shadow counts down, and comes back cold.  A
 * table at its largest size has nothing to grow into: the shadow sleeps
 * until the table shrinks. */
static void shadow_wake(struct vmopt_tlb *t)
{
    if (!t->shadow)
        return;
    if (t->n_entries >= (uint64_t)t->cfg.max_entries) {
        t->shadow_live = NULL;
        t->shadow_rest_left = 0;
        return;
    }
    if (t->shadow_live || (t->shadow_rest_left && --t->shadow_rest_left))
        return;
    shadow_epoch_next(t);
    t->shadow_live = t->shadow;
    t->shadow_warm = (unsigned)t->shadow_sets;
    t->window_misses = t->window_shadow_hits = 0;
}

/* One miss of page, seen by the shadow when it falls in a sampled set. */
static void shadow_miss(struct vmopt_tlb *t, uint64_t page)
{
    uint64_t set = (page >> t->page_shift) & t->shadow_set_mask;
    uint64_t group = set >> t->shadow_group_bits;
    if (((set ^ group) & t->shadow_pick_mask) != 0)
        return;
    uint64_t tag = page | t->shadow_epoch;
    t->window_shadow_hits += t->shadow[group] == tag;
    t->window_misses++;
    t->shadow[group] = tag;
    if (__builtin_expect(t->shadow_warm, 0) && --t->shadow_warm == 0)
        t->window_misses = t->window_shadow_hits = 0;
}

/* A full flush empties the largest table too. */
static void shadow_flush(struct vmopt_tlb *t)
{
    if (t->shadow)
        shadow_epoch_next(t);
}

/* Whether the pages filled last (16 at least) would hardly collide (1 in
 * 16) in a table of 2^bits sets under hash. */
static int fits_under(struct vmopt_tlb *t, unsigned hash, unsigned bits)
{
    unsigned pages, collisions = collisions_under(t, hash, bits, &pages);
    return pages >= 16 && collisions * 16 <= pages;
}

/* The size for `valid` entries in use now, but only when growing pays
 * (growth_pays: QEMU grows a table for 256 Ki pages to its largest size,
 * which still misses 94% and costs more per lookup).  Grow:
 * - past 70% use, as QEMU does;
 * - when the misses are conflicts (most fills evict a live entry) and the
 *   largest table under the mask would hit them: the inline path stays
 *   the mask's, where another hash costs every hit in the hashed slot a
 *   call;
 * - when conflicts persist under the hash that spreads most.
 * Shrink when the most used in a whole window (100 ms) stayed below 30%,
 * and the table is not thrashing, to the size at which that most would be
 * under 70% and the pages filled last would not collide. */
static uint64_t size_target(struct vmopt_tlb *t, uint64_t valid, uint64_t now, int *keep_sample)
{
    uint64_t n = t->n_entries, target = n;
    if (valid > t->window_max_valid)
        t->window_max_valid = valid;
    /* Most fills evicting a live entry: conflicts, not capacity. */
    int thrashing = t->evictions * 2 > t->fills_since_check && t->fills_since_check >= 16;
    int crowded = valid * 100 > n * GROW_PCT || (thrashing && t->hash == VMOPT_TLB_HASH_FX);
    if ((crowded || thrashing) && n < (uint64_t)t->cfg.max_entries) {
        int pays = growth_pays(t);
        if (pays == PAYS_YES)
            t->shadow_backoff = 1;
        if (pays == PAYS_NO && t->shadow_live)
            shadow_rest(t);
        if (pays == PAYS_YES && (crowded || t->hash == VMOPT_TLB_HASH_MASK))
            return n * 2;
        if (pays == PAYS_UNKNOWN && (t->shadow_warm || ++t->shadow_waits < SHADOW_MAX_WAIT)) {
            *keep_sample = 1;
            return n;
        }
        if (pays == PAYS_UNKNOWN && (crowded || t->hash == VMOPT_TLB_HASH_MASK))
            return n * 2;
    }
    /* A table that thrashes does not shrink: its few valid entries are the
     * survivors of collisions, not the working set (rehashing fixes them). */
    if (now - t->window_start_ns >= SHRINK_WINDOW_NS && !thrashing) {
        uint64_t most = t->window_max_valid;
        while (most * 100 < target * SHRINK_PCT && target / 2 >= (uint64_t)t->cfg.min_entries &&
               most * 100 <= (target / 2) * GROW_PCT &&
               (t->n_recent < 16 || fits_under(t, t->hash, log2u(target / 2 / t->ways))))
            target /= 2;
        t->window_start_ns = now;
        t->window_max_valid = valid;
    }
    return target;
}

/* Resizing and rehashing, with `valid` entries in use now.  Checked at
 * every full flush (with the use just before it), every `entries` fills
 * (after_fills) and at vmopt_tlb_poll().  Returns 1 when the table changed
 * (its entries moved into the new table: see set_table). */
static int adapt(struct vmopt_tlb *t, uint64_t valid, int after_fills)
{
    if (!t->cfg.resize && !t->cfg.rehash)
        return 0;
    uint64_t now = vmopt__coarse_ns(), n = t->n_entries;
    int keep_sample = 0; /* too few sampled to tell: carried over to the next check */
    shadow_wake(t);
    uint64_t size = t->cfg.resize ? size_target(t, valid, now, &keep_sample) : n;
    if (!keep_sample) {
        t->window_misses = t->window_shadow_hits = 0;
        t->shadow_waits = 0;
    }
    unsigned hash = t->hash, old = hash;
    if (t->cfg.rehash && size == n && !keep_sample)
        hash = hash_target(t, valid, now, after_fills);
    /* The pages filled last are read only by a table that may shrink or
     * go back to its hash; a crowded one does not keep them. */
    t->track_recent = valid * 100 <= n * GROW_PCT || hash != (unsigned)t->cfg.hash || size != n;
    if (size == n && hash == old)
        return 0;
    t->hash = hash;
    if (set_table(t, size, 1) < 0) {
        set_hash(t, old);
        return 0;
    }
    clear_victims(t);
    if (size != n) {
        t->stats.resizes++;
        t->window_start_ns = now;
        t->window_max_valid = 0;
    }
    if (hash != old) {
        t->stats.rehashes++;
        t->hash_since_ns = now;
        t->n_recent = 0;
    }
    return 1;
}

/* The victim TLB pays when it answers one miss in VICTIM_PAYS: searching
 * and filling it costs the miss path about a third (2-3 ns a miss, on a
 * Zen 4 KVM guest, against 7 ns for the rest with the bench's cheap fill),
 * and a working set far beyond the table hits it almost never.  When it
 * did not pay over a check (`entries` fills), the miss path neither looks
 * in it nor fills it for VICTIM_REST checks, and then tries again; each
 * try that does not pay doubles the rest, to VICTIM_REST_MAX checks, and
 * one that pays makes it short again.  A try is a check of full-path
 * misses, which cost about twice the plain one: at a fixed rest of 15 they
 * were 6% of the misses of a working set beyond any size, and 7-10% of its
 * time (Zen 3, AMD family 25 model 1, 256 Ki uniform pages).  Only an
 * adaptive TLB (resize or rehash on) does this: a fixed configuration
 * keeps what it was given. */
#define VICTIM_PAYS 32
#define VICTIM_REST 15
#define VICTIM_REST_MAX 1023

static void victims_check(struct vmopt_tlb *t)
{
    uint64_t misses = t->stats.misses - t->check_misses, hits = t->stats.victim_hits - t->check_victim_hits;
    t->check_misses = t->stats.misses;
    t->check_victim_hits = t->stats.victim_hits;
    if (!t->n_victim || (!t->cfg.resize && !t->cfg.rehash))
        return;
    if (t->n_search && hits * VICTIM_PAYS < misses) {
        clear_victims(t);
        t->n_search = 0;
        t->next_victim = 0;
        t->victim_rest = t->victim_backoff;
        if (t->victim_backoff < VICTIM_REST_MAX)
            t->victim_backoff = t->victim_backoff * 2 + 1;
    } else if (t->n_search) {
        t->victim_backoff = VICTIM_REST;
    } else if (--t->victim_rest == 0) {
        t->n_search = t->n_victim;
    }
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

/* Whether a miss needs more than the plain path (see vmopt__tlb_miss):
 * every field it reads changes only in a check, a flush or create, each
 * of which ends here. */
static int miss_extras(const struct vmopt_tlb *t)
{
    return t->ways > 1 || t->fast.hash != VMOPT_TLB_HASH_MASK || t->n_search;
}

static void run_flush(struct vmopt_tlb *t)
{
    uint64_t valid = t->n_valid;
    clear_used(t);
    shadow_flush(t);
    t->stats.flushes++;
    adapt(t, valid, 0);
    t->miss_extras = miss_extras(t);
    CHECK(t);
}

/* Puts entry i, empty until now, on the used list.  A valid entry is on
 * it already (the invariant), so replacing one lists nothing.  An entry
 * flushed by page and filled again goes on it twice, which costs a flush
 * one more store; a list full of such repeats stops taking entries and
 * makes the next flush clear the whole table.  No byte per entry says
 * "listed": that test was a load and a store of a random byte on every
 * fill into an empty entry, most of the misses after a flush. */
static void list_entry(struct vmopt_tlb *t, uint64_t i)
{
    if (__builtin_expect(t->n_used < t->n_entries, 1))
        t->used[t->n_used++] = (uint32_t)i;
    else
        t->used_overflow = 1;
}

/* Way w of the set whose first way is base: tables are laid out way by
 * way (way w of set s is entry s + w * sets), so that the first ways form
 * a direct-mapped table and the inline path indexes every strategy alike,
 * with a shift that depends on the page size alone. */
#define WAY(t, base, w) ((base)[(uint64_t)(w) << (t)->set_bits])

/* Where page goes in a set of several ways: the way that already holds it
 * (for another access kind), an empty way, or the set's next way in turn. */
static unsigned pick_way(struct vmopt_tlb *t, const vmopt__tlb_entry *base, uint64_t set, uint64_t page)
{
    unsigned ways = t->ways;
    for (unsigned w = 0; w < ways; w++)
        if (holds(&WAY(t, base, w), page))
            return w;
    for (unsigned w = 0; w < ways; w++)
        if (!is_valid(&WAY(t, base, w)))
            return w;
    unsigned way = t->next_way[set] % ways;
    t->next_way[set] = (uint8_t)(way + 1);
    return way;
}

/* A hit in another way of the set: moved to the front, where the inline
 * path looks, and counted as the hit it is.  NULL if none. */
static vmopt__tlb_entry *other_way(struct vmopt_tlb *t, vmopt__tlb_entry *base, uint64_t page, unsigned access)
{
    for (unsigned w = 1; w < t->ways; w++)
        if (WAY(t, base, w).tag[access] == page) {
            vmopt__tlb_entry hit = WAY(t, base, w);
            WAY(t, base, w) = base[0];
            base[0] = hit;
            t->fast.hits++;
            return &base[0];
        }
    return NULL;
}

/* Entry e, at index i, takes the victim TLB's entry v (which holds page
 * for this access), and v takes what e held. */
static void swap_victim(struct vmopt_tlb *t, vmopt__tlb_entry *e, uint64_t i, unsigned v)
{
    vmopt__tlb_entry hit = t->victim[v];
    if (is_valid(e)) {
        set_victim(t, v, e, page_of(e));
    } else {
        drop_victim(t, v);
        t->n_valid++;
        list_entry(t, i);
    }
    *e = hit;
    t->stats.victim_hits++;
}

/* e's tags for page, for the access kinds prot grants. */
static inline __attribute__((always_inline)) void set_tags(vmopt__tlb_entry *e, uint64_t page, unsigned prot)
{
    if (__builtin_expect((prot & PROT_ALL) == PROT_ALL, 1)) {
        e->tag[VMOPT_TLB_READ] = e->tag[VMOPT_TLB_WRITE] = e->tag[VMOPT_TLB_EXEC] = page;
    } else {
        e->tag[VMOPT_TLB_READ] = prot & VMOPT_TLB_PROT_READ ? page : INVALID_TAG;
        e->tag[VMOPT_TLB_WRITE] = prot & VMOPT_TLB_PROT_WRITE ? page : INVALID_TAG;
        e->tag[VMOPT_TLB_EXEC] = prot & VMOPT_TLB_PROT_EXEC ? page : INVALID_TAG;
    }
}

/* Entry e, at index i, takes the fill's translation of page; what it held
 * for another page moves to the victim TLB.  plain (a constant): the
 * victims are known to be off, and the caller records the recent ring. */
static inline __attribute__((always_inline)) void install_as(struct vmopt_tlb *t, vmopt__tlb_entry *e, uint64_t i,
                                                             uint64_t page, void *host, unsigned prot, int plain)
{
    /* The page e holds, or INVALID_TAG: an entry's tags name one page
     * (vmopt__tlb_is_valid checks it), so one read answers both "empty?"
     * and "another page?". */
    uint64_t held = page_of(e);
    if (held == INVALID_TAG) {
        t->n_valid++;
        list_entry(t, i);
    } else if (held != page) {
        t->evictions++;
        if (!plain && t->n_search) {
            set_victim(t, t->next_victim, e, held);
            t->next_victim = t->next_victim + 1 == t->n_search ? 0 : t->next_victim + 1;
        }
    }
    set_tags(e, page, prot);
    e->addend = (uint64_t)(uintptr_t)host - page;
    if (!plain && t->track_recent)
        t->recent[t->n_recent++ % VMOPT__TLB_RECENT] = page;
}

/* ---- what the retuner sees ------------------------------------------------ */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vmopt_tlb *registry;

static void publish(struct vmopt_tlb *t)
{
    __atomic_store_n(&t->pub_lookups, t->fast.hits + t->stats.misses, __ATOMIC_RELAXED);
    __atomic_store_n(&t->pub_misses, t->stats.misses, __ATOMIC_RELAXED);
    __atomic_store_n(&t->pub_used, t->n_valid, __ATOMIC_RELAXED);
    __atomic_store_n(&t->pub_entries, t->n_entries, __ATOMIC_RELAXED);
    const uint64_t more[9] = {t->fast.hits,          t->stats.misses,  t->stats.victim_hits,
                              t->stats.faults,       t->stats.flushes, t->stats.page_flushes,
                              t->stats.resizes,      t->stats.rehashes, t->hash};
    for (int i = 0; i < 9; i++)
        __atomic_store_n(&t->pub_more[i], more[i], __ATOMIC_RELAXED);
}

static void register_tlb(struct vmopt_tlb *t)
{
    publish(t);
    pthread_mutex_lock(&registry_lock);
    t->reg_prev = NULL;
    t->reg_next = registry;
    if (registry)
        registry->reg_prev = t;
    registry = t;
    pthread_mutex_unlock(&registry_lock);
}

static void unregister_tlb(struct vmopt_tlb *t)
{
    pthread_mutex_lock(&registry_lock);
    if (t->reg_prev)
        t->reg_prev->reg_next = t->reg_next;
    else
        registry = t->reg_next;
    if (t->reg_next)
        t->reg_next->reg_prev = t->reg_prev;
    pthread_mutex_unlock(&registry_lock);
}

void vmopt__tlb_sum(uint64_t *lookups, uint64_t *misses, uint64_t *used, uint64_t *entries)
{
    *lookups = *misses = *used = *entries = 0;
    pthread_mutex_lock(&registry_lock);
    for (struct vmopt_tlb *t = registry; t; t = t->reg_next) {
        *lookups += __atomic_load_n(&t->pub_lookups, __ATOMIC_RELAXED);
        *misses += __atomic_load_n(&t->pub_misses, __ATOMIC_RELAXED);
        *used += __atomic_load_n(&t->pub_used, __ATOMIC_RELAXED);
        *entries += __atomic_load_n(&t->pub_entries, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&registry_lock);
}

unsigned vmopt__tlb_published(vmopt_tlb_stats *out, unsigned *hash, unsigned max)
{
    unsigned n = 0;
    pthread_mutex_lock(&registry_lock);
    for (struct vmopt_tlb *t = registry; t && n < max; t = t->reg_next, n++) {
        uint64_t m[9];
        for (int i = 0; i < 9; i++)
            m[i] = __atomic_load_n(&t->pub_more[i], __ATOMIC_RELAXED);
        vmopt_tlb_stats *o = &out[n];
        memset(o, 0, sizeof *o);
        o->hits = m[0];
        o->misses = m[1];
        o->victim_hits = m[2];
        o->faults = m[3];
        o->fills = m[1] - m[2] - m[3];
        o->flushes = m[4];
        o->page_flushes = m[5];
        o->resizes = m[6];
        o->rehashes = m[7];
        hash[n] = (unsigned)m[8];
        o->used = __atomic_load_n(&t->pub_used, __ATOMIC_RELAXED);
        o->entries = __atomic_load_n(&t->pub_entries, __ATOMIC_RELAXED);
        o->use_rate = o->entries ? (double)o->used / (double)o->entries : 0;
    }
    pthread_mutex_unlock(&registry_lock);
    return n;
}

/* The miss path's rare ends, out of line so that its common one keeps
 * fewer registers: a fill that faults or does not allow the access
 * (counted, reported, nothing cached), and the check every `entries`
 * fills. */
static __attribute__((noinline, cold)) void *refused(struct vmopt_tlb *t, int rc, int *fault)
{
    t->stats.faults++;
    if (fault)
        *fault = rc;
    return NULL;
}

static __attribute__((noinline)) void check_after_fills(struct vmopt_tlb *t)
{
    adapt(t, t->n_valid, 1);
    victims_check(t);
    t->fills_since_check = 0;
    t->evictions = 0;
    t->miss_extras = miss_extras(t);
}

/* The miss of an entry that needs nothing but a fill: the common case of
 * a table that has settled (a direct-mapped one under the mask, its
 * victims resting because they did not pay; the shadow's sample and the
 * ring of recent pages cost it a test each), with 20 fewer instructions
 * than the full path (callgrind, Zen 4 build): a working set far beyond
 * the largest table misses on almost every access.  What it needs after
 * the fill is kept in memory beside the fill's answers (the fill sees
 * their address), so that only t and vaddr stay in registers across the
 * call.  Inlined into vmopt__tlb_miss: as a function of its own, reached
 * by a tail jump, it ran a miss at 7.2 ns against the QEMU-style
 * reference's 6.7 ns (uniform over 256 Ki pages, 256 entries; AMD family
 * 25 model 17, interleaved rounds), inline at 6.8 ns, with 48
 * instructions a miss against the reference's 56 either way. */
static inline __attribute__((always_inline)) void *plain_miss(struct vmopt_tlb *t, uint64_t vaddr, unsigned access, int *fault)
{
    struct {
        void *host;
        unsigned prot, access;
        int *fault;
    } f = {NULL, 0, access, fault};
    t->stats.misses++;
    int rc = t->fill(t->opaque, vaddr, access, &f.host, &f.prot);
    if (__builtin_expect(rc != 0 || !(f.prot >> f.access & 1), 0))
        return refused(t, rc ? rc : VMOPT_TLB_EPERM, f.fault);
    uint64_t page = vaddr & t->page_mask;
    uint64_t i = ((page >> t->fast.shift) & t->fast.index_mask) >> 5;
    if (t->shadow_live)
        shadow_miss(t, page);
    if (t->track_recent)
        t->recent[t->n_recent++ % VMOPT__TLB_RECENT] = page;
    install_as(t, &t->table[i], i, page, f.host, f.prot, 1);
    if (__builtin_expect(++t->fills_since_check >= t->n_entries, 0))
        check_after_fills(t);
    CHECK(t);
    return (void *)((uintptr_t)f.host + (vaddr - page));
}

/* Every miss but the plain one: a flush or a publication due, an access
 * kind out of range, or a table with more than one way, another hash, the
 * victims or the shadow at work. */
static __attribute__((noinline)) void *full_miss(struct vmopt_tlb *t, uint64_t vaddr, unsigned access, int *fault)
{
    if (__builtin_expect(atomic_load_explicit(&t->flush_pending, memory_order_relaxed), 0))
        vmopt_tlb_poll(t);
    if (__builtin_expect(t->stats.misses % PUBLISH_EVERY == 0, 0))
        publish(t); /* as of the previous miss; also at each safe point */
    if (__builtin_expect(access > VMOPT_TLB_EXEC, 0)) {
        if (fault)
            *fault = -EINVAL;
        return NULL;
    }
    if (!t->miss_extras)
        return plain_miss(t, vaddr, access, fault);
    uint64_t page = vaddr & t->page_mask;
    uint64_t set = set_of(t, page);
    vmopt__tlb_entry *base = &t->table[set], *e = base;
    unsigned way = 0;
    /* Under a hash other than the mask, the inline path looked at the
     * mask's slot only: the hashed one may hold the page. */
    if (t->fast.hash != VMOPT_TLB_HASH_MASK && base->tag[access] == page) {
        t->fast.hits++;
        return (void *)(uintptr_t)(vaddr + base->addend);
    }
    if (t->ways > 1) {
        if ((e = other_way(t, base, page, access)))
            return (void *)(uintptr_t)(vaddr + e->addend);
        way = pick_way(t, base, set, page);
        e = &WAY(t, base, way);
    }
    t->stats.misses++;
    uint64_t i = set + ((uint64_t)way << t->set_bits);
    if (t->shadow_live)
        shadow_miss(t, page);

    /* The victims (find_victim): a hit swaps back in; the page held for
     * other access kinds only must not outlive the fill below. */
    unsigned nv = t->n_search, v = nv ? find_victim(t, page) : 0;
    if (v < nv && t->victim[v].tag[access] == page) {
        swap_victim(t, e, i, v);
        CHECK(t);
        return (void *)(uintptr_t)(vaddr + e->addend);
    }
    void *host = NULL;
    unsigned prot = 0;
    int rc = t->fill(t->opaque, vaddr, access, &host, &prot);
    if (__builtin_expect(rc != 0 || !(prot >> access & 1), 0))
        return refused(t, rc ? rc : VMOPT_TLB_EPERM, fault);
    if (v < nv)
        drop_victim(t, v);
    install_as(t, e, i, page, host, prot, 0);
    void *result = (void *)((uintptr_t)host + (vaddr - page));
    if (__builtin_expect(++t->fills_since_check >= t->n_entries, 0))
        check_after_fills(t);
    CHECK(t);
    return result;
}

/* The inline lookup's miss: the plain path in place, or a jump to the full
 * one (which then pays this function's three saved registers). */
VMOPT_EXTERN void *vmopt__tlb_miss(vmopt_tlb *tlb, uint64_t vaddr, unsigned access, int *fault)
{
    struct vmopt_tlb *t = tlb;
    if (__builtin_expect(atomic_load_explicit(&t->flush_pending, memory_order_relaxed) ||
                             t->stats.misses % PUBLISH_EVERY == 0 || access > VMOPT_TLB_EXEC || t->miss_extras,
                         0))
        return full_miss(t, vaddr, access, fault);
    return plain_miss(t, vaddr, access, fault);
}

/* The calls that return nothing do nothing with a NULL TLB, as
 * vmopt_tlb_destroy; those that return an int return -EINVAL. */
VMOPT_EXTERN void vmopt_tlb_flush(vmopt_tlb *t)
{
    if (t)
        run_flush(t);
}

VMOPT_EXTERN void vmopt_tlb_flush_page(vmopt_tlb *t, uint64_t vaddr)
{
    if (!t)
        return;
    uint64_t page = vaddr & t->page_mask;
    vmopt__tlb_entry *base = &t->table[set_of(t, page)];
    for (unsigned w = 0; w < t->ways; w++)
        if (holds(&WAY(t, base, w), page)) {
            invalidate(&WAY(t, base, w));
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
    if (!t || len == 0)
        return;
    uint64_t size = ~t->page_mask + 1;
    uint64_t first = vaddr & t->page_mask;
    uint64_t last = (len - 1 > UINT64_MAX - vaddr ? UINT64_MAX : vaddr + len - 1) & t->page_mask;
    uint64_t pages = ((last - first) >> t->page_shift) + 1;
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
    if (t)
        atomic_store_explicit(&t->flush_pending, 1, memory_order_release);
}

VMOPT_EXTERN int vmopt_tlb_poll(vmopt_tlb *t)
{
    if (!t)
        return -EINVAL;
    int flushed = 0;
    if (atomic_exchange_explicit(&t->flush_pending, 0, memory_order_acq_rel)) {
        run_flush(t);
        flushed = 1;
    }
    /* A safe point is also where a window that saw no flush ends: the
     * table may resize there, which is not a flush the caller asked for. */
    if (!flushed) {
        adapt(t, t->n_valid, 0);
        t->miss_extras = miss_extras(t);
    }
    publish(t);
    return flushed;
}

VMOPT_EXTERN void vmopt_tlb_get_stats(const vmopt_tlb *t, vmopt_tlb_stats *out)
{
    if (!out)
        return;
    if (!t) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = t->stats;
    /* Every counted miss ends in one of the three. */
    out->fills = t->stats.misses - t->stats.victim_hits - t->stats.faults;
    out->hits = t->fast.hits;
    out->entries = t->n_entries;
    out->used = t->n_valid;
    out->use_rate = t->n_entries ? (double)t->n_valid / (double)t->n_entries : 0;
}

VMOPT_EXTERN void vmopt_tlb_get_config(const vmopt_tlb *t, vmopt_tlb_config *out)
{
    if (!out)
        return;
    if (!t) {
        memset(out, 0, sizeof *out);
        return;
    }
    *out = t->cfg;
    out->entries = (long)t->n_entries;
    out->hash = (int)t->hash;
    out->victim = (int)t->n_search;
}

VMOPT_EXTERN void vmopt_tlb_destroy(vmopt_tlb *t)
{
    if (!t)
        return;
    unregister_tlb(t);
    free(t->shadow);
    free(t->table);
    free(t->used);
    free(t->next_way);
    free(t->occupancy);
    free(t);
}

int vmopt__tlb_is_valid(const struct vmopt_tlb *t, const char **why)
{
    if ((UINT64_C(1) << (t->set_bits + t->way_bits)) != t->n_entries)
        return *why = "sets x ways != entries", 0;
    vmopt__tlb_fast f = t->fast;
    set_index(t, &f, t->hash);
    if (memcmp(&f, &t->fast, sizeof f) != 0)
        return *why = "the hit path's index does not match the geometry", 0;
    /* The used list as a byte per entry, here only: the table keeps none. */
    uint8_t *listed = t->used_overflow ? NULL : calloc(t->n_entries, 1);
    const char *bad = NULL;
    for (uint64_t u = 0; listed && u < t->n_used && !bad; u++) {
        if (t->used[u] >= t->n_entries)
            bad = "the used list names an entry past the table";
        else
            listed[t->used[u]] = 1;
    }
    for (uint64_t i = 0; i < t->n_entries && !bad; i++) {
        const vmopt__tlb_entry *e = &t->table[i];
        if (!is_valid(e))
            continue;
        uint64_t page = page_of(e);
        if (listed && !listed[i])
            bad = "a valid entry is not on the used list";
        for (unsigned k = 0; k < 3; k++)
            if (e->tag[k] != INVALID_TAG && e->tag[k] != page)
                bad = "an entry's tags name two pages";
        if (page & ~t->page_mask)
            bad = "a tag is not page-aligned";
        if (set_of(t, page) != (i & ((UINT64_C(1) << t->set_bits) - 1)))
            bad = "an entry sits in the wrong set";
    }
    free(listed);
    if (bad)
        return *why = bad, 0;
    if (t->n_used > t->n_entries)
        return *why = "used list longer than the table", 0;
    for (unsigned i = 0; i < t->n_victim; i++) {
        if (is_valid(&t->victim[i]) &&
            (!(t->victim_live[i / 8] >> (i % 8 * 8) & 0x80) ||
             (t->victim_hash[i / 8] >> (i % 8 * 8) & 0xff) != victim_byte(page_of(&t->victim[i]))))
            return *why = "a victim is missing from the victim filter", 0;
        if (t->victim_page[i] != (is_valid(&t->victim[i]) ? page_of(&t->victim[i]) : INVALID_TAG))
            return *why = "a victim's page is out of date", 0;
    }
    if (t->miss_extras != miss_extras(t))
        return *why = "the miss path's choice is out of date", 0;
    uint64_t valid = 0;
    for (uint64_t i = 0; i < t->n_entries; i++)
        valid += is_valid(&t->table[i]);
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
    if (!is_pow2((uint64_t)cfg->min_entries) || !is_pow2((uint64_t)cfg->max_entries) ||
        !is_pow2((uint64_t)cfg->entries))
        return BAD("entries %ld, min_entries %ld, max_entries %ld: each must be a power of two",
                   cfg->entries, cfg->min_entries, cfg->max_entries);
    /* The profile field's bound, so that a plan and a create call agree. */
    uint64_t most = vmopt__fields[VMOPT__K_TLB_MAX_ENTRIES].max;
    if ((uint64_t)cfg->max_entries > most)
        return BAD("max_entries %ld: at most %llu", cfg->max_entries, (unsigned long long)most);
    vmopt__tlb_shape shape = {cfg->strategy, ways, cfg->entries, cfg->min_entries, cfg->max_entries};
    char why[160];
    if (vmopt__tlb_shape_wrong(&shape, why, sizeof why, NULL))
        return BAD("%s", why);
    if (cfg->victim < 0 || cfg->victim > VMOPT__TLB_MAX_VICTIM)
        return BAD("victim %d: 0 to %d entries", cfg->victim, VMOPT__TLB_MAX_VICTIM);
    if (cfg->resize != 0 && cfg->resize != 1)
        return BAD("resize %d: 0 or 1", cfg->resize);
    if (cfg->rehash != 0 && cfg->rehash != 1)
        return BAD("rehash %d: 0 or 1", cfg->rehash);
    if (!cfg->fill)
        return BAD("fill is NULL: the TLB needs the VM's page walk");
#undef BAD
    struct vmopt_tlb *t = calloc(1, sizeof *t);
    if (!t)
        return vmopt__fail(-ENOMEM, "vmopt_tlb_create: out of memory");
    t->cfg = *cfg;
    t->fill = cfg->fill;
    t->opaque = cfg->opaque;
    t->cfg.ways = ways;
    t->ways = (unsigned)ways;
    t->way_bits = log2u((uint64_t)ways);
    t->hash = (unsigned)cfg->hash;
    t->page_shift = log2u(cfg->page_size);
    t->page_mask = ~(cfg->page_size - 1);
    t->n_victim = t->n_search = (unsigned)cfg->victim;
    t->victim_backoff = VICTIM_REST;
    t->track_recent = cfg->resize || cfg->rehash;
    clear_victims(t);
    t->window_start_ns = vmopt__coarse_ns();
    if (t->cfg.resize) {
        t->shadow_sets = (uint64_t)cfg->max_entries < SHADOW_SETS ? (uint64_t)cfg->max_entries : SHADOW_SETS;
        t->shadow_group_bits = log2u((uint64_t)cfg->max_entries / t->shadow_sets);
        t->shadow_set_mask = (uint64_t)cfg->max_entries - 1;
        t->shadow_pick_mask = (UINT64_C(1) << t->shadow_group_bits) - 1;
        t->shadow = t->shadow_live = calloc(t->shadow_sets, sizeof *t->shadow); /* 0: no page with epoch 1 */
        t->shadow_epoch = 1;
        t->shadow_backoff = 1;
    }
    if ((t->cfg.resize && !t->shadow) || set_table(t, (uint64_t)cfg->entries, 0) < 0) {
        free(t->shadow);
        free(t);
        return vmopt__fail(-ENOMEM, "vmopt_tlb_create: out of memory for %ld entries", cfg->entries);
    }
    t->miss_extras = miss_extras(t);
    register_tlb(t);
    *out = t;
    return 0;
}
