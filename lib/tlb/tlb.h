/* The software TLB's private state.  Its head (vmopt__tlb_fast, in
 * vmopt.h) is what the inline hit path reads. */
#ifndef VMOPT_TLB_H
#define VMOPT_TLB_H

#include <stdatomic.h>
#include <stdint.h>

#include "vmopt.h"

#define VMOPT__TLB_MAX_VICTIM 64
#define VMOPT__TLB_RECENT 64 /* pages filled last, which rehashing judges by */

struct vmopt_tlb {
    vmopt__tlb_fast fast;
    vmopt__tlb_entry *table;  /* as fast.table */
    uint64_t page_mask;
    /* What a plain miss reads and writes (tlb.c, plain_miss), with the two
     * fields above, in the first three 64-byte lines, where they were
     * spread over seven.  In a loop of misses alone (uniform over 256 Ki
     * pages, AMD family 25 model 17), the order alone changed nothing, and
     * fill and opaque here rather than cfg's ran 0.97-1.0x the QEMU-style
     * reference against 0.95-0.98x (4 alternating runs each). */
    atomic_int flush_pending;
    /* 0 when a miss needs none of the fields below: one way, the mask, no
     * victims searched (plain_miss samples the shadow and records the
     * recent pages itself).  Set again at the end of every check, flush
     * and create. */
    int miss_extras;
    /* The pages filled last: kept only while a check may read them
     * (tlb.c, adapt: a table under 30% used, or off the configured hash). */
    int track_recent;
    int used_overflow;        /* `used` was full and missed some: the next flush clears all */
    uint64_t *shadow_live;    /* shadow (below), or NULL while it rests */
    uint64_t fills_since_check, evictions; /* since the last check */
    uint64_t n_entries;
    uint64_t n_valid;         /* entries of the table holding a translation */
    uint32_t *used;           /* entries filled since the last full flush */
    uint64_t n_used;
    vmopt_tlb_fill_fn fill;   /* cfg's, copied here (above) */
    void *opaque;
    uint64_t n_recent;
    vmopt_tlb_stats stats;
    uint64_t recent[VMOPT__TLB_RECENT];
    /* The geometry, for the slow paths. */
    unsigned page_shift, set_bits, ways, way_bits, hash;
    vmopt_tlb_config cfg;     /* every AUTO resolved */
    uint8_t *next_way;        /* per set: the way to replace next */
    uint8_t *occupancy;       /* per set: scratch for collisions_under() */
    vmopt__tlb_entry victim[VMOPT__TLB_MAX_VICTIM];
    uint64_t victim_page[VMOPT__TLB_MAX_VICTIM]; /* the page each holds, or 1 */
    /* A byte of each victim's page hash, eight to a word, and 0x80 in the
     * bytes of the slots in use: a miss tests eight victims in a few
     * instructions, and compares the pages of the bytes that match only. */
    uint64_t victim_hash[VMOPT__TLB_MAX_VICTIM / 8], victim_live[VMOPT__TLB_MAX_VICTIM / 8];
    /* n_victim configured; n_search searched and filled now: n_victim, or
     * 0 for victim_rest checks after the victims did not pay (tlb.c,
     * victims_check), with the misses and victim hits at the last check. */
    unsigned n_victim, n_search, next_victim, victim_rest;
    unsigned victim_backoff; /* the next rest: VICTIM_REST, doubled by each try that did not pay */
    uint64_t check_misses, check_victim_hits;
    uint64_t asid;
    /* resizing and rehashing */
    uint64_t window_start_ns, window_max_valid;
    uint64_t hash_since_ns;
    /* Whether growing can pay: the tags a direct-mapped table of the
     * largest size would hold, for a sample of its sets (tlb.c,
     * growth_pays), each tagged with the flush epoch; and the sampled
     * misses since the last check, and those it would have hit.  NULL
     * when the table does not resize. */
    uint64_t *shadow;
    uint64_t shadow_sets, shadow_epoch;
    unsigned shadow_group_bits; /* log2 of the sets per sampled set */
    uint64_t shadow_set_mask, shadow_pick_mask;
    unsigned shadow_waits;      /* checks the sample has carried over */
    unsigned shadow_rest_left, shadow_backoff; /* checks left; the next rest */
    unsigned shadow_warm;       /* sampled misses that only warm it up */
    uint64_t window_misses, window_shadow_hits;
    /* What the retuner reads from another thread: written by the owner at
     * every 64th miss and each safe point with relaxed stores, so it lags by the hits
     * since.  On the registry's list, under its lock. */
    uint64_t pub_lookups, pub_misses, pub_used, pub_entries;
    /* The same for the live statistics: hits, misses, victim hits,
     * faults, flushes, page flushes, resizes, rehashes, the hash. */
    uint64_t pub_more[9];
    struct vmopt_tlb *reg_prev, *reg_next;
};

/* The sums over every live TLB of what they last published, for the
 * retuner. */
void vmopt__tlb_sum(uint64_t *lookups, uint64_t *misses, uint64_t *used, uint64_t *entries);

/* What each live TLB last published, for the live statistics: out[i]'s
 * counts and sizes (use_rate computed), hash[i] its VMOPT_TLB_HASH_*.
 * How many were written (at most max). */
unsigned vmopt__tlb_published(vmopt_tlb_stats *out, unsigned *hash, unsigned max);

/* Debug invariant checker: 1 if consistent, else 0 with *why. */
int vmopt__tlb_is_valid(const struct vmopt_tlb *t, const char **why);
/* Creates a TLB from a configuration with no AUTO left; -EINVAL names the
 * field that is wrong. */
int vmopt__tlb_create(struct vmopt_tlb **out, const vmopt_tlb_config *cfg);

#endif
