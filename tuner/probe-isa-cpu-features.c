/* ISA probe for x86-64: Google's cpu_features (which also checks that the
 * OS saves the wide registers), completed with FSRM, which cpu_features 0.7
 * lacks, from glibc's <sys/platform/x86.h>: that reads what the dynamic
 * loader already detected, so it costs no CPUID (about 4 us each in a VM). */
#include "config.h"

#include <cpu_features/cpuinfo_x86.h>
#include <string.h>
#ifdef HAVE_SYS_PLATFORM_X86_H
#include <sys/platform/x86.h>
#endif

#include "lib/internal.h"
#include "tuner/probe.h"

/* cpu_features 0.7 declares its flags as signed one-bit fields: a set flag
 * reads -1, so every test is != 0. */
#define SET_IF(m, flag, feat)                                                                      \
    do {                                                                                           \
        if ((flag) != 0)                                                                           \
            vmopt__set_feature(m, VMOPT__FEAT_##feat, VMOPT__SRC_CPU_FEATURES);                    \
    } while (0)

static void trim_copy(char *dst, size_t len, const char *src)
{
    while (*src == ' ')
        src++;
    vmopt__strlcpy(dst, src, len);
    size_t n = strlen(dst);
    while (n && dst[n - 1] == ' ')
        dst[--n] = '\0';
}

static int probe_x86(struct vmopt_machine *m)
{
    const X86Info info = GetX86Info();
    const X86Features *f = &info.features;

    vmopt__strlcpy(m->arch, "x86_64", sizeof m->arch);
    trim_copy(m->vendor, sizeof m->vendor, info.vendor);
    trim_copy(m->model, sizeof m->model, info.brand_string);
    m->family = info.family;
    m->model_number = info.model;
    m->stepping = info.stepping;
    SET_IF(m, f->sse2, SSE2);
    SET_IF(m, f->sse3, SSE3);
    SET_IF(m, f->ssse3, SSSE3);
    SET_IF(m, f->sse4_1, SSE4_1);
    SET_IF(m, f->sse4_2, SSE4_2);
    SET_IF(m, f->avx, AVX);
    SET_IF(m, f->avx2, AVX2);
    SET_IF(m, f->avx512f, AVX512F);
    SET_IF(m, f->avx512bw, AVX512BW);
    SET_IF(m, f->avx512vl, AVX512VL);
    SET_IF(m, f->erms, ERMS);
#if defined(HAVE_SYS_PLATFORM_X86_H) && defined(CPU_FEATURE_ACTIVE)
    if (CPU_FEATURE_ACTIVE(FSRM))
        vmopt__set_feature(m, VMOPT__FEAT_FSRM, VMOPT__SRC_GLIBC);
#endif
    m->isa_probe = "cpu_features";
    return 0;
}

const vmopt__probe vmopt__probe_isa_cpu_features = {"cpu_features", VMOPT_PROBE_ISA, probe_x86};
