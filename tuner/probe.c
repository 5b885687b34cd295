/* The probe: runs the components for each part asked for, and builds
 * described (synthetic) machines for tests and what-if dumps. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __aarch64__
#include <asm/hwcap.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#endif

#include "lib/internal.h"
#include "tuner/probe.h"

/* sysconf's cache sizes come from glibc's own CPUID reading, which in a VM
 * may describe the host (a 320 MiB "L3" here where hwloc sees 32 MiB).  The
 * dump shows it beside the chosen number.  Each call runs CPUID again
 * (a trap to the hypervisor in a VM), so the preload's cheap probe skips it. */
static void second_opinion(struct vmopt_machine *m)
{
    static const int names[VMOPT__CACHE_LEVELS] = {
        _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL2_CACHE_SIZE, _SC_LEVEL3_CACHE_SIZE};

    for (int level = 0; level < VMOPT__CACHE_LEVELS; level++) {
        long v = sysconf(names[level]);
        if (v > 0 && (uint64_t)v != m->cache_size[level].value &&
            m->cache_size[level].src != VMOPT__SRC_SYSCONF)
            vmopt__set_fact(&m->cache_size_alt[level], (uint64_t)v, VMOPT__SRC_SYSCONF);
    }
}

#ifdef __aarch64__
/* What the arm64 rules read beside the hwcaps: the SVE vector length, the
 * DC ZVA block (DCZID_EL0 reads at EL0 with no trap), the kernel release
 * (glibc's prefer_sve_ifuncs) and the vendor from MIDR_EL1's implementer.
 * Two system calls, prctl and uname, neither of which blocks. */
static void arm64_facts(struct vmopt_machine *m)
{
    unsigned long hwcap2 = getauxval(AT_HWCAP2);
    if (hwcap2 & HWCAP2_SVE2)
        vmopt__set_feature(m, VMOPT__FEAT_SVE2, VMOPT__SRC_AUXV);
    if (vmopt__has(m, VMOPT__FEAT_SVE)) {
        int vl = prctl(PR_SVE_GET_VL);
        if (vl > 0)
            vmopt__set_fact(&m->sve_vl, (uint64_t)(vl & PR_SVE_VL_LEN_MASK), VMOPT__SRC_PRCTL);
    }
    uint64_t dczid;
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
    vmopt__set_fact(&m->zva_block, dczid & 0x10 ? 0 : UINT64_C(4) << (dczid & 0xf), VMOPT__SRC_REGISTER);
    m->zva_block.src = VMOPT__SRC_REGISTER; /* known, even when prohibited */
    /* "6.18.44-cloud-arm64": the numbers before the first other character. */
    struct utsname u;
    uint64_t release;
    if (uname(&u) == 0 && vmopt__parse_release(u.release, strspn(u.release, "0123456789."), &release) == 0)
        vmopt__set_fact(&m->kernel, release, VMOPT__SRC_UNAME);
    uint64_t midr = vmopt__arm64_midr();
    if (m->vendor_kind == VMOPT__VENDOR_UNKNOWN && midr) {
        const char *implementer = vmopt__arm64_implementer((unsigned)(midr >> 24 & 0xff));
        m->vendor_kind = (uint8_t)(implementer ? vmopt__vendor_of(implementer) : VMOPT__VENDOR_OTHER);
        m->vendor_src = VMOPT__SRC_REGISTER;
    }
}
#endif

static void run_part_of(const vmopt__probe *const *list, struct vmopt_machine *m, unsigned part)
{
    for (const vmopt__probe *const *c = list; *c; c++) {
        if ((*c)->part != part)
            continue;
        int rc = (*c)->run(m);
        if (rc == 0) {
            vmopt__log(VMOPT__LOG_DEBUG, "probe: %s answered", (*c)->name);
            return;
        }
        vmopt__log(VMOPT__LOG_INFO, "probe: %s unavailable (%s), trying the next", (*c)->name,
                   vmopt_strerror(rc));
    }
}

static void run_part(struct vmopt_machine *m, unsigned part)
{
    run_part_of(vmopt__probe_components, m, part);
}

static void run_isa(const vmopt__probe *const *list, struct vmopt_machine *m)
{
    run_part_of(list, m, VMOPT_PROBE_ISA);
#ifdef __aarch64__
    if (strcmp(m->arch, "aarch64") == 0)
        arm64_facts(m);
#endif
}

int vmopt__machine_probe_plan(struct vmopt_machine **out, unsigned parts)
{
    struct vmopt_machine *m = calloc(1, sizeof *m);
    if (!m)
        return vmopt__fail(-ENOMEM, "probe: out of memory");
    run_isa(vmopt__probe_plan_components, m);
    if (parts & VMOPT_PROBE_TOPOLOGY)
        run_part_of(vmopt__probe_plan_components, m, VMOPT_PROBE_TOPOLOGY);
    m->probed = VMOPT_PROBE_ISA | (parts & VMOPT_PROBE_TOPOLOGY);
    *out = m;
    return 0;
}

VMOPT_EXTERN int vmopt_machine_probe(vmopt_machine **out, unsigned parts)
{
    if (!out)
        return vmopt__fail(-EINVAL, "vmopt_machine_probe: out is NULL");
    if (parts & ~VMOPT_PROBE_ALL)
        return vmopt__fail(-EINVAL, "vmopt_machine_probe: unknown part bits 0x%x", parts & ~VMOPT_PROBE_ALL);
    struct vmopt_machine *m = calloc(1, sizeof *m);
    if (!m)
        return vmopt__fail(-ENOMEM, "vmopt_machine_probe: out of memory");

    if (parts == 0)
        parts = VMOPT_PROBE_ALL;
    /* The ISA part also names the architecture, which the others use. */
    run_isa(vmopt__probe_components, m);
    if (parts & VMOPT_PROBE_TOPOLOGY) {
        run_part(m, VMOPT_PROBE_TOPOLOGY);
        if (!m->topology_probe || strcmp(m->topology_probe, "sysfs-caches") != 0)
            second_opinion(m);
    }
    if (parts & VMOPT_PROBE_COUNTERS)
        run_part(m, VMOPT_PROBE_COUNTERS);
    m->probed = parts | VMOPT_PROBE_ISA;
    *out = m;
    return 0;
}

VMOPT_EXTERN int vmopt_machine_describe(vmopt_machine **out, const char *topology,
                                        const char *features)
{
    if (!out || !topology)
        return vmopt__fail(-EINVAL, "vmopt_machine_describe: out and topology are required");
    struct vmopt_machine *m = calloc(1, sizeof *m);
    if (!m)
        return vmopt__fail(-ENOMEM, "vmopt_machine_describe: out of memory");

    m->isa_probe = "given";
    m->counters_probe = "given";
    vmopt__strlcpy(m->counters_reason, "described machine: no counters", sizeof m->counters_reason);
    int rc = features ? vmopt__parse_features(m, features) : 0;
    if (rc == 0)
        rc = vmopt__topology_describe(m, topology);
    if (rc < 0) {
        free(m);
        return rc;
    }
    if (!m->arch[0])
        vmopt__strlcpy(m->arch, vmopt__has(m, VMOPT__FEAT_ASIMD) ? "aarch64" : "x86_64", sizeof m->arch);
    if (!m->vendor[0])
        vmopt__strlcpy(m->vendor, "described", sizeof m->vendor);
    vmopt__strlcpy(m->topology_spec, topology, sizeof m->topology_spec);
    m->probed = VMOPT_PROBE_ALL;
    *out = m;
    return 0;
}

VMOPT_EXTERN void vmopt_machine_free(vmopt_machine *m)
{
    free(m);
}
