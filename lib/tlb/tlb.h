/* The software TLB's private state.  Its head (vmopt__tlb_fast, in
 * vmopt.h) is what the inline hit path reads. */
#ifndef VMOPT_TLB_H
#define VMOPT_TLB_H

#include <stdatomic.h>
#include <stdint.h>

#include "vmopt.h"

#define VMOPT__TLB_MAX_VICTIM 64

struct vmopt_tlb {
    vmopt__tlb_fast fast;
    vmopt_tlb_config cfg;     /* every AUTO resolved */
    uint64_t n_entries;
    uint64_t n_valid;         /* entries of the table holding a translation */
    uint32_t *used;           /* entries filled since the last full flush */
    uint64_t n_used;
    uint8_t *listed;          /* entry i is on `used` */
    uint8_t *next_way;        /* per set: the way to replace next */
    vmopt__tlb_entry victim[VMOPT__TLB_MAX_VICTIM];
    uint64_t victim_page[VMOPT__TLB_MAX_VICTIM]; /* the page each holds, or 1: one compare each */
    unsigned n_victim, next_victim;
    uint64_t asid;
    atomic_int flush_pending;
    /* resizing */
    uint64_t misses_since_check;
    uint64_t window_start_ns, window_max_valid;
    vmopt_tlb_stats stats;
};

/* Debug invariant checker: 1 if consistent, else 0 with *why. */
int vmopt__tlb_is_valid(const struct vmopt_tlb *t, const char **why);
/* Creates a TLB from a configuration with no AUTO left; -EINVAL names the
 * field that is wrong. */
int vmopt__tlb_create(struct vmopt_tlb **out, const vmopt_tlb_config *cfg);

#endif
