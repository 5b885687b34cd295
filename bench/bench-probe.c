/* What the probe costs, against the libraries it wraps, measured side by
 * side: the ISA part against a bare cpu_features call, the topology part
 * against a bare hwloc load.  Resolution and profile loading for context. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#ifdef __x86_64__
#include <cpu_features/cpuinfo_x86.h>
#endif
#ifdef HAVE_HWLOC
#include <hwloc.h>
#endif

#include "bench/harness.h"
#include "vmopt.h"

static void probe_parts(void *arg)
{
    vmopt_machine *m;
    if (vmopt_machine_probe(&m, *(unsigned *)arg) < 0)
        abort();
    vmopt_machine_free(m);
}

#ifdef __x86_64__
static void bare_cpu_features(void *arg)
{
    X86Info info = GetX86Info();
    bench_keep(info.features);
}
#endif

#ifdef HAVE_HWLOC
static void bare_hwloc(void *arg)
{
    hwloc_topology_t t;
    hwloc_topology_init(&t);
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_load(t);
    hwloc_topology_destroy(t);
}
#endif

static void load_builtin(void *arg)
{
    vmopt_profile *p;
    if (vmopt_profile_load(&p, "jit") < 0)
        abort();
    vmopt_profile_free(p);
}

typedef struct {
    vmopt_machine *m;
    vmopt_profile *p;
} resolve_arg;

static void resolve(void *arg)
{
    resolve_arg *a = arg;
    vmopt_plan *plan;
    if (vmopt_plan_resolve(&plan, a->m, a->p) < 0)
        abort();
    vmopt_plan_free(plan);
}

/* Measures a vmopt probe, after its reference when there is one, and
 * reports the ratio. */
static void compare(const char *ref_name, bench_fn ref_fn, const char *name, unsigned *parts,
                    double sample_ms)
{
    bench_result ref, r;
    if (ref_fn) {
        ref = bench_measure("probe", ref_name, ref_fn, NULL, 21, sample_ms);
        bench_report(&ref, NULL);
    }
    r = bench_measure("probe", name, probe_parts, parts, 21, sample_ms);
    bench_report(&r, ref_fn ? &ref : NULL);
}

int main(void)
{
    unsigned isa = VMOPT_PROBE_ISA, topo = VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY, all = VMOPT_PROBE_ALL;
    bench_result r;

    printf("vmopt %s: probe and resolve costs (median of 21 samples; ratio = vmopt / reference)\n",
           vmopt_version_string());
#ifdef __x86_64__
    compare("cpu_features GetX86Info", bare_cpu_features, "vmopt ISA", &isa, 20);
#else
    compare(NULL, NULL, "vmopt ISA", &isa, 20);
#endif
#ifdef HAVE_HWLOC
    compare("hwloc init+load", bare_hwloc, "vmopt ISA+topology", &topo, 50);
#endif
    /* PAPI initialises once per process; later probes reuse its answer. */
    r = bench_measure("probe", "vmopt all parts (PAPI cached)", probe_parts, &all, 21, 50);
    bench_report(&r, NULL);

    r = bench_measure("profile", "load built-in jit (+default)", load_builtin, NULL, 21, 20);
    bench_report(&r, NULL);
    resolve_arg a;
    if (vmopt_machine_probe(&a.m, VMOPT_PROBE_ALL) < 0 || vmopt_profile_load(&a.p, "default") < 0)
        return 1;
    r = bench_measure("profile", "resolve default", resolve, &a, 21, 20);
    bench_report(&r, NULL);
    vmopt_profile_free(a.p);
    vmopt_machine_free(a.m);
    return 0;
}
