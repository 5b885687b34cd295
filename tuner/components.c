/* The components of libvmopt: the probes, the libraries that know most
 * first, and the calibrator. */
#include "config.h"

#include <stddef.h>

#include "tuner/calibrate.h"
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

vmopt__calibrate_fn vmopt__calibrator = vmopt__calibrate;
