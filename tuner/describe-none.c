/* Without hwloc there is no way to build a topology from a description. */
#include "config.h"

#include "lib/internal.h"
#include "tuner/probe.h"

int vmopt__topology_describe(struct vmopt_machine *m, const char *spec)
{
    (void)m;
    return vmopt__fail(VMOPT_EUNSUPPORTED, "topology '%s': this build has no hwloc (--without-hwloc)", spec);
}
