/* Probe components.  Each part of the machine description (ISA, topology,
 * counters) has components tried in priority order until one answers; the
 * last of each part always answers, so a missing library or an unreadable
 * file degrades the description and never fails the probe (after hwloc's
 * discovery components). */
#ifndef VMOPT_PROBE_H
#define VMOPT_PROBE_H

#include "lib/machine.h"

typedef struct {
    const char *name;
    unsigned part;     /* VMOPT_PROBE_ISA, _TOPOLOGY or _COUNTERS */
    int (*run)(struct vmopt_machine *m); /* 0, or negative: try the next */
} vmopt__probe;

/* The components linked into this library, highest priority first within
 * each part; NULL-terminated.  libvmopt has runtime/components.c, the preload
 * library its own cheaper list (preload/components.c). */
extern const vmopt__probe *const vmopt__probe_components[];
/* The components that read only what a plan needs (the ISA, the cache
 * sizes, huge pages) with no CPUID, no shared library and a few system
 * calls: what vmopt_autotune() probes unless asked for more. */
extern const vmopt__probe *const vmopt__probe_plan_components[];

extern const vmopt__probe vmopt__probe_isa_cpu_features;
extern const vmopt__probe vmopt__probe_isa_glibc;
extern const vmopt__probe vmopt__probe_isa_baseline;
extern const vmopt__probe vmopt__probe_topology_hwloc;
extern const vmopt__probe vmopt__probe_topology_sysfs;
extern const vmopt__probe vmopt__probe_caches_sysfs;
extern const vmopt__probe vmopt__probe_plan_sysfs;
extern const vmopt__probe vmopt__probe_counters_papi;
extern const vmopt__probe vmopt__probe_counters_none;

/* The machine as the plan reads it, from vmopt__probe_plan_components:
 * the parts asked for (VMOPT_PROBE_ISA, _TOPOLOGY; the ISA always),
 * m->unprobed naming what they left out.  Never fails but for memory. */
int vmopt__machine_probe_plan(struct vmopt_machine **out, unsigned parts);

/* Fills the topology of m from an hwloc synthetic description
 * ("synthetic:...") or an XML file.  VMOPT_EUNSUPPORTED without hwloc. */
int vmopt__topology_describe(struct vmopt_machine *m, const char *spec);

#endif
