/* ISA probe for x86-64 from what glibc's dynamic loader already detected
 * (<sys/platform/x86.h>, glibc 2.33+): no CPUID at all, where cpu_features
 * costs about 36 us in this VM because every CPUID leaf traps to the
 * hypervisor.  "Active" means the CPU has it and the OS saves its
 * registers.  The preload library uses it for its start-up; it names no
 * vendor or model. */
#include "config.h"

#include <errno.h>

#ifdef HAVE_SYS_PLATFORM_X86_H
#include <sys/platform/x86.h>
#endif

#include "lib/internal.h"
#include "tuner/probe.h"

#if defined(__x86_64__) && defined(HAVE_SYS_PLATFORM_X86_H) && defined(CPU_FEATURE_ACTIVE)
/* glibc's x86_cpu_active(), with the shift unsigned: the header's shifts
 * an int 1 by up to 31 (undefined behaviour, which UBSan stops at for bit
 * 31, AVX512VL's). */
static int active(unsigned index)
{
    const unsigned bits = 8 * sizeof(unsigned);
    const struct cpuid_feature *leaf = __x86_get_cpuid_feature_leaf(index / (bits * 4));
    unsigned reg = index % (bits * 4);
    return leaf && (leaf->active_array[reg / bits] >> (reg % bits) & 1u);
}
#endif

static int probe_glibc(struct vmopt_machine *m)
{
#if defined(__x86_64__) && defined(HAVE_SYS_PLATFORM_X86_H) && defined(CPU_FEATURE_ACTIVE)
#define ACTIVE(feat)                                                                               \
    do {                                                                                           \
        if (active(x86_cpu_##feat))                                                                \
            vmopt__set_feature(m, VMOPT__FEAT_##feat, VMOPT__SRC_GLIBC);                           \
    } while (0)
    vmopt__strlcpy(m->arch, "x86_64", sizeof m->arch);
    ACTIVE(SSE2);
    ACTIVE(SSE3);
    ACTIVE(SSSE3);
    ACTIVE(SSE4_1);
    ACTIVE(SSE4_2);
    ACTIVE(AVX);
    ACTIVE(AVX2);
    ACTIVE(AVX512F);
    ACTIVE(AVX512BW);
    ACTIVE(AVX512VL);
    ACTIVE(ERMS);
    ACTIVE(FSRM);
    ACTIVE(AVX_VNNI);
#undef ACTIVE
    /* Family, model and stepping from the leaf 1 that glibc's start-up
     * kept; the vendor and name would each cost a CPUID, a trap to the
     * hypervisor in a VM (3.8 us here, AMD family 25 model 17 under KVM). */
    const struct cpuid_feature *leaf = __x86_get_cpuid_feature_leaf(CPUID_INDEX_1);
    if (leaf && leaf->cpuid_array[0]) {
        unsigned sig = leaf->cpuid_array[0], base_family = (sig >> 8) & 0xf, base_model = (sig >> 4) & 0xf;
        m->family = (int)(base_family + (base_family == 0xf ? (sig >> 20) & 0xff : 0));
        m->model_number = (int)(base_model | (base_family == 0xf || base_family == 6 ? ((sig >> 16) & 0xf) << 4 : 0));
        m->stepping = (int)(sig & 0xf);
    }
    /* The vendor rules need the vendor, which CPUID leaf 0 would cost:
     * SSE4A is AMD's (and Hygon's) alone, and every Intel core since the
     * Pentium Pro is family 6. */
    if (active(x86_cpu_SSE4A))
        m->vendor_kind = VMOPT__VENDOR_AMD;
    else if (m->family == 6)
        m->vendor_kind = VMOPT__VENDOR_INTEL;
    m->vendor_src = m->vendor_kind ? VMOPT__SRC_GLIBC : VMOPT__SRC_NONE;
    m->unprobed |= VMOPT__UNPROBED_IDENTITY;
    m->isa_probe = "glibc";
    return 0;
#else
    (void)m;
    return VMOPT_EUNSUPPORTED;
#endif
}

const vmopt__probe vmopt__probe_isa_glibc = {"glibc", VMOPT_PROBE_ISA, probe_glibc};
