/* Counter fallback: no counter library in this build.  Always answers. */
#include "config.h"

#include "lib/internal.h"
#include "tuner/probe.h"

static int probe_none(struct vmopt_machine *m)
{
    m->counters_probe = "none";
    m->counters = 0;
    vmopt__strlcpy(m->counters_reason, "built without PAPI (--without-papi)",
                   sizeof m->counters_reason);
    return 0;
}

const vmopt__probe vmopt__probe_counters_none = {"none", VMOPT_PROBE_COUNTERS, probe_none};
