/* The components of libvmopt: the probes, the libraries that know most
 * first, and the calibrator. */
#include "config.h"

#include <stddef.h>

#include "lib/pool/pool.h"
#include "lib/tlb/tlb.h"
#include "runtime/stats.h"
#include "tuner/calibrate.h"
#include "tuner/sample-counters.h"
#include "tuner/probe.h"
#include "tuner/retune-decide.h"

const vmopt__probe *const vmopt__probe_components[] = {
#if defined(__x86_64__) || defined(__aarch64__)
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

/* What vmopt_autotune() probes unless asked for more: the ISA from the
 * loader's data (no CPUID: each one traps to the hypervisor in a VM) and
 * the few sysfs files the plan reads (hwloc opens about 130).  cpu_features
 * and hwloc run when something asks for the whole machine (vmopt info,
 * vmopt_machine_probe, options.probe). */
const vmopt__probe *const vmopt__probe_plan_components[] = {
#ifdef __x86_64__
    &vmopt__probe_isa_glibc,
    &vmopt__probe_isa_cpu_features, /* a glibc without <sys/platform/x86.h> */
#endif
    &vmopt__probe_isa_baseline,
    &vmopt__probe_plan_sysfs,
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

/* The live statistics' TLBs and pools. */
static void stats_parts(vmopt__stats_parts *out)
{
    out->n_tlbs = vmopt__tlb_published(out->tlb, out->tlb_hash, VMOPT__STATS_TLBS);
    out->n_pools = vmopt__pool_each_stats(out->pool_name, out->pool_object_size, out->pool, VMOPT__STATS_POOLS);
}

const vmopt__stats_parts_fn vmopt__stats_collect_parts = stats_parts;
