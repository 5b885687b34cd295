/* The probe components of the preload library, which starts in every
 * process of a host: nothing that maps another shared library or runs
 * CPUID.  The ISA comes from glibc's own detection and the L2 and L3 sizes
 * from four sysfs reads; hwloc, PAPI and cpu_features are for libvmopt and
 * the tool. */
#include "config.h"

#include <stddef.h>

#include "tuner/calibrate.h"
#include "tuner/probe.h"
#include "runtime/stats.h"
#include "tuner/retune-decide.h"

const vmopt__probe *const vmopt__probe_components[] = {
#ifdef __x86_64__
    &vmopt__probe_isa_glibc,
#endif
    &vmopt__probe_isa_baseline,
    &vmopt__probe_caches_sysfs,
    &vmopt__probe_counters_none,
    NULL,
};

/* Its whole list is already what a plan needs. */
const vmopt__probe *const vmopt__probe_plan_components[] = {
#ifdef __x86_64__
    &vmopt__probe_isa_glibc,
#endif
    &vmopt__probe_isa_baseline,
    &vmopt__probe_caches_sysfs,
    NULL,
};

/* The preload only estimates: its start-up has no time to measure. */
vmopt__calibrate_fn vmopt__calibrator = NULL;

/* Nor has it pools or TLBs to count: the retuner sees its copies only. */
vmopt__collect_fn vmopt__collector = NULL;

/* The same for the live statistics. */
const vmopt__stats_parts_fn vmopt__stats_collect_parts = NULL;
