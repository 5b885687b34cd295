/* vmopt_pool_create(): fills every VMOPT_POOL_AUTO field from the plan in
 * force (tuning first if nothing is in force yet) and the options, then
 * builds the pool. */
#include "config.h"

#include <errno.h>

#include "lib/internal.h"
#include "lib/options.h"
#include "lib/plan.h"
#include "lib/pool/pool.h"
#include "runtime/runtime.h"

VMOPT_EXTERN int vmopt_pool_create(vmopt_pool **out, const vmopt_pool_config *cfg)
{
    int rc = vmopt__check_create(out, cfg, cfg ? cfg->size : 0, sizeof(vmopt_pool_config), "vmopt_pool_create",
                                 "VMOPT_POOL_CONFIG_INIT");
    if (rc < 0)
        return rc;
    vmopt_pool_config c = *cfg;
    if (c.magazine == VMOPT_POOL_AUTO || c.chunk_size == VMOPT_POOL_AUTO) {
        vmopt_plan *plan = vmopt__plan_or_tune("vmopt_pool_create", &rc);
        if (!plan)
            return rc;
        if (c.magazine == VMOPT_POOL_AUTO)
            c.magazine = (long)plan->v[VMOPT__K_POOL_MAGAZINE];
        if (c.chunk_size == VMOPT_POOL_AUTO)
            c.chunk_size = (long)plan->v[VMOPT__K_POOL_CHUNK];
        vmopt_plan_free(plan);
    }
    if (c.debug == VMOPT_POOL_AUTO) {
#ifdef VMOPT_DEBUG
        c.debug = 1;
#else
        c.debug = vmopt__option_long(VMOPT__O_POOL_DEBUG) == 1;
#endif
    }
    return vmopt__pool_create(out, &c);
}
