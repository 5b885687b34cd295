/* The components of libvmopt: the probes, the libraries that know most
 * first, and the calibrator. */
#include "config.h"

#include <stddef.h>

#include "lib/pool/pool.h"
#include "lib/tlb/tlb.h"
#include "tuner/calibrate.h"
#include "tuner/sample-counters.h"
#include "tuner/probe.h"
#include "tuner/retune-decide.h"

const vmopt__probe *const vmopt__probe_components[] = {
#ifdef __x86_64__
    &vmopt__probe_isa_cpu_features,
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

/* Pools, TLBs and hardware counts, cumulative: the retuner takes
 * differences. */
static void collect(vmopt__sample *c)
{
    vmopt__pool_sum(&c->pool_ops, &c->pool_refills, &c->pool_drains);
    vmopt__tlb_sum(&c->tlb_lookups, &c->tlb_misses, &c->tlb_used, &c->tlb_entries);
    c->has_counters = vmopt__counters_read(&c->cycles, &c->dtlb_misses, &c->llc_misses);
}

vmopt__collect_fn vmopt__collector = collect;
