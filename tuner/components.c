/* The probe components of libvmopt: the libraries that know most first. */
#include "config.h"

#include <stddef.h>

#include "tuner/probe.h"

const vmopt__probe *const vmopt__probe_components[] = {
#ifdef __x86_64__
    &vmopt__probe_isa_x86,
#endif
    &vmopt__probe_isa_baseline,
#ifdef HAVE_HWLOC
    &vmopt__probe_topology_hwloc,
#endif
    &vmopt__probe_topology_sysfs,
#ifdef HAVE_PAPI
    &vmopt__probe_counters_papi,
#endif
    &vmopt__probe_counters_none,
    NULL,
};
