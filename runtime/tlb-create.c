/* vmopt_tlb_create(): fills every VMOPT_TLB_AUTO field from the plan in
 * force (tuning first if nothing is in force yet), then builds the TLB. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/internal.h"
#include "lib/plan.h"
#include "lib/tlb/tlb.h"
#include "runtime/runtime.h"

VMOPT_EXTERN int vmopt_tlb_create(vmopt_tlb **out, const vmopt_tlb_config *cfg)
{
    int rc = vmopt__check_create(out, cfg, cfg ? cfg->size : 0, sizeof(vmopt_tlb_config), "vmopt_tlb_create",
                                 "VMOPT_TLB_CONFIG_INIT");
    if (rc < 0)
        return rc;
    vmopt_tlb_config c = *cfg;
    if (c.strategy == VMOPT_TLB_AUTO || c.hash == VMOPT_TLB_AUTO || c.ways == VMOPT_TLB_AUTO ||
        c.entries == VMOPT_TLB_AUTO || c.min_entries == VMOPT_TLB_AUTO || c.max_entries == VMOPT_TLB_AUTO ||
        c.victim == VMOPT_TLB_AUTO || c.resize == VMOPT_TLB_AUTO || c.rehash == VMOPT_TLB_AUTO) {
        vmopt_plan *plan = vmopt__plan_or_tune("vmopt_tlb_create", &rc);
        if (!plan)
            return rc;
#define FROM_PLAN(field, key, type)                                                                \
    if (c.field == VMOPT_TLB_AUTO)                                                                 \
        c.field = (type)plan->v[VMOPT__K_##key];
        FROM_PLAN(strategy, TLB_STRATEGY, int)
        FROM_PLAN(hash, TLB_HASH, int)
        /* The plan's ways are for the plan's strategy: a caller that chose
         * set-associative over a direct-mapped plan gets 4 (docs/profiles.md). */
        if (c.ways == VMOPT_TLB_AUTO && c.strategy == VMOPT_TLB_SET_ASSOC &&
            plan->v[VMOPT__K_TLB_STRATEGY] != VMOPT_TLB_SET_ASSOC)
            c.ways = 4;
        FROM_PLAN(ways, TLB_WAYS, int)
        FROM_PLAN(entries, TLB_ENTRIES, long)
        FROM_PLAN(min_entries, TLB_MIN_ENTRIES, long)
        FROM_PLAN(max_entries, TLB_MAX_ENTRIES, long)
        FROM_PLAN(victim, TLB_VICTIM, int)
        FROM_PLAN(resize, TLB_RESIZE, int)
        FROM_PLAN(rehash, TLB_REHASH, int)
#undef FROM_PLAN
        vmopt_plan_free(plan);
        /* A fixed size given with automatic bounds stays inside them. */
        if (cfg->entries != VMOPT_TLB_AUTO && cfg->min_entries == VMOPT_TLB_AUTO && c.min_entries > c.entries)
            c.min_entries = c.entries;
        if (cfg->entries != VMOPT_TLB_AUTO && cfg->max_entries == VMOPT_TLB_AUTO && c.max_entries < c.entries)
            c.max_entries = c.entries;
    }
    return vmopt__tlb_create((struct vmopt_tlb **)out, &c);
}

VMOPT_EXTERN int vmopt__tlb_create_fixed(vmopt_tlb **out, const vmopt_tlb_config *cfg, unsigned page_shift)
{
    if (cfg && page_shift < 64 && cfg->page_size != UINT64_C(1) << page_shift)
        return vmopt__fail(-EINVAL,
                           "vmopt_tlb_create: page_size %llu, but the caller was built with "
                           "VMOPT_TLB_PAGE_SHIFT %u (%llu-byte pages)",
                           (unsigned long long)cfg->page_size, page_shift,
                           (unsigned long long)1 << page_shift);
    return (vmopt_tlb_create)(out, cfg);
}
