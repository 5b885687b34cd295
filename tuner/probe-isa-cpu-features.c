/* ISA probe for x86-64 and AArch64: Google's cpu_features (which also checks that the
 * OS saves the wide registers), completed with FSRM and AVX-VNNI, which
 * cpu_features 0.7 lacks, from glibc's <sys/platform/x86.h>: that reads what the dynamic
 * loader already detected, so it costs no CPUID (about 4 us each in a VM). */
#include "config.h"

#include <string.h>
#ifdef __x86_64__
#include <cpu_features/cpuinfo_x86.h>
#else
#include <cpu_features/cpuinfo_aarch64.h>
#include <stdint.h>
#endif
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


#ifdef __x86_64__
static void trim_copy(char *dst, size_t len, const char *src)
{
    while (*src == ' ')
        src++;
    vmopt__strlcpy(dst, src, len);
    size_t n = strlen(dst);
    while (n && dst[n - 1] == ' ')
        dst[--n] = '\0';
}

static int probe_isa(struct vmopt_machine *m)
{
    const X86Info info = GetX86Info();
    const X86Features *f = &info.features;

    vmopt__strlcpy(m->arch, "x86_64", sizeof m->arch);
    trim_copy(m->vendor, sizeof m->vendor, info.vendor);
    m->vendor_kind = (uint8_t)vmopt__vendor_of(m->vendor);
    m->vendor_src = VMOPT__SRC_CPU_FEATURES;
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
    if (CPU_FEATURE_ACTIVE(AVX_VNNI))
        vmopt__set_feature(m, VMOPT__FEAT_AVX_VNNI, VMOPT__SRC_GLIBC);
#endif
    m->isa_probe = "cpu_features";
    return 0;
}

#else
/* AArch64: the features from the kernel's hwcaps, and the CPU's identity
 * from MIDR_EL1 (implementer, part, revision), as cpu_features reads them.
 * The implementer stands where x86 has the vendor, the part where it has
 * the model; family is the implementer code. */
static int probe_isa(struct vmopt_machine *m)
{
    Aarch64Info info = GetAarch64Info();
    /* cpu_features reads the identity from /proc/cpuinfo, which qemu-user
     * passes through from its host; MIDR_EL1 itself (Linux emulates the
     * read where HWCAP_CPUID says so, and so does qemu) is the CPU the code
     * runs on. */
    uint64_t midr = vmopt__arm64_midr();
    if (midr) {
        info.implementer = (int)(midr >> 24 & 0xff);
        info.variant = (int)(midr >> 20 & 0xf);
        info.part = (int)(midr >> 4 & 0xfff);
        info.revision = (int)(midr & 0xf);
    }
    vmopt__strlcpy(m->arch, "aarch64", sizeof m->arch);
    const char *implementer = vmopt__arm64_implementer((unsigned)info.implementer);
    if (implementer)
        vmopt__strlcpy(m->vendor, implementer, sizeof m->vendor);
    m->vendor_kind = (uint8_t)(m->vendor[0] ? vmopt__vendor_of(m->vendor) : VMOPT__VENDOR_UNKNOWN);
    m->vendor_src = VMOPT__SRC_REGISTER;
    m->family = info.implementer;
    m->model_number = info.part;
    m->stepping = info.revision;
    SET_IF(m, info.features.asimd, ASIMD);
    SET_IF(m, info.features.sve, SVE);
    m->isa_probe = "cpu_features";
    return 0;
}
#endif

const vmopt__probe vmopt__probe_isa_cpu_features = {"cpu_features", VMOPT_PROBE_ISA, probe_isa};
