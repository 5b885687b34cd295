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

static int probe_glibc(struct vmopt_machine *m)
{
#if defined(__x86_64__) && defined(HAVE_SYS_PLATFORM_X86_H) && defined(CPU_FEATURE_ACTIVE)
#define ACTIVE(feat)                                                                               \
    do {                                                                                           \
        if (CPU_FEATURE_ACTIVE(feat))                                                              \
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
#undef ACTIVE
    m->isa_probe = "glibc";
    return 0;
#else
    (void)m;
    return VMOPT_EUNSUPPORTED;
#endif
}

const vmopt__probe vmopt__probe_isa_glibc = {"glibc", VMOPT_PROBE_ISA, probe_glibc};
