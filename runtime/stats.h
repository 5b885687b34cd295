/* The live statistics (runtime/stats.c) and what each library adds to
 * them: libvmopt its TLBs and pools (runtime/components.c), the preload
 * nothing (it has neither). */
#ifndef VMOPT_RUNTIME_STATS_H
#define VMOPT_RUNTIME_STATS_H

#include <stdint.h>

#include "vmopt.h"

#define VMOPT__STATS_TLBS 8
#define VMOPT__STATS_POOLS 8

typedef struct {
    unsigned n_tlbs, n_pools;
    vmopt_tlb_stats tlb[VMOPT__STATS_TLBS];
    unsigned tlb_hash[VMOPT__STATS_TLBS];
    char pool_name[VMOPT__STATS_POOLS][32];
    uint64_t pool_object_size[VMOPT__STATS_POOLS];
    vmopt_pool_stats pool[VMOPT__STATS_POOLS];
} vmopt__stats_parts;

typedef void (*vmopt__stats_parts_fn)(vmopt__stats_parts *out);
extern const vmopt__stats_parts_fn vmopt__stats_collect_parts; /* NULL: none */

/* VMOPT_STATS=1 asks for the page: started by vmopt_autotune, or for the
 * preload once main runs (vmopt__rt_start_retuner starts both). */
void vmopt__stats_start_if_asked(void);

#endif
