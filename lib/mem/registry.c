/* The kernel registry: see registry.h.  The only place that says which
 * variant needs which features. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "lib/mem/registry.h"
#include "lib/plan.h"

#define F(x) (1u << VMOPT__FEAT_##x)
#ifdef __x86_64__
#define X86(k) (&(k))
#else
#define X86(k) NULL
#endif
#ifdef __aarch64__
#define ARM64(k) (&(k))
#else
#define ARM64(k) NULL
#endif

const vmopt__mem_variant vmopt__mem_registry[] = {
    /* x86-64.  AVX-512 asks for VL too: the masked moves of the entry
     * below 64 B are byte-granular (BW), and every CPU with F+BW but not VL
     * is a Xeon Phi, where the resolver has no figures. */
    {"avx512", "x86_64", VMOPT__MEM_VECTOR, VMOPT__SIMD_AVX512, 64, F(AVX512F) | F(AVX512BW) | F(AVX512VL),
     "avx512f+bw+vl", X86(vmopt__mem_avx512), 1, 0},
    {"avx2", "x86_64", VMOPT__MEM_VECTOR, VMOPT__SIMD_AVX2, 32, F(AVX2), "avx2", X86(vmopt__mem_avx2), 1, 0},
    {"sse2", "x86_64", VMOPT__MEM_VECTOR, VMOPT__SIMD_SSE2, 16, F(SSE2), "sse2", X86(vmopt__mem_sse2), 1, 0},
    {"erms", "x86_64", VMOPT__MEM_STRING, -1, 0, F(ERMS), "erms", X86(vmopt__mem_erms), 0, 0},
    /* arm64.  Advanced SIMD is part of every ARMv8-A CPU.  The sve variant
     * is NEON's loop with predicated SVE pairs up to two vectors: its
     * register width is the CPU's (128 to 2048 bits), its loop's 16 B. */
    {"sve", "aarch64", VMOPT__MEM_VECTOR, VMOPT__SIMD_SVE, 16, F(SVE), "sve", ARM64(vmopt__mem_sve), 0, 1},
    {"neon", "aarch64", VMOPT__MEM_VECTOR, VMOPT__SIMD_NEON, 16, F(ASIMD), "asimd", ARM64(vmopt__mem_neon), 0, 1},
    /* Every architecture: the oracle, and what a CPU the library knows
     * nothing of runs. */
    {"generic", NULL, VMOPT__MEM_VECTOR, VMOPT__SIMD_GENERIC, 8, 0, "nothing", &vmopt__mem_generic, 0, 0},
};
const unsigned vmopt__mem_registry_len = sizeof vmopt__mem_registry / sizeof vmopt__mem_registry[0];

static int same_arch(const vmopt__mem_variant *v, const struct vmopt_machine *m)
{
    return !v->arch || strcmp(v->arch, m->arch) == 0;
}

int vmopt__mem_usable(const vmopt__mem_variant *v, const struct vmopt_machine *m)
{
    return same_arch(v, m) && (m->features & v->requires) == v->requires;
}

const vmopt__mem_variant *vmopt__mem_widest(const struct vmopt_machine *m)
{
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++) {
        const vmopt__mem_variant *v = &vmopt__mem_registry[i];
        if (v->kind == VMOPT__MEM_VECTOR && vmopt__mem_usable(v, m))
            return v;
    }
    return &vmopt__mem_registry[vmopt__mem_registry_len - 1];
}

const vmopt__mem_variant *vmopt__mem_runnable(const struct vmopt_machine *m)
{
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++) {
        const vmopt__mem_variant *v = &vmopt__mem_registry[i];
        if (v->kind == VMOPT__MEM_VECTOR && v->impl && vmopt__mem_usable(v, m))
            return v;
    }
    return &vmopt__mem_registry[vmopt__mem_registry_len - 1];
}

const vmopt__mem_variant *vmopt__mem_by_simd(const struct vmopt_machine *m, int simd)
{
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++) {
        const vmopt__mem_variant *v = &vmopt__mem_registry[i];
        if (v->kind == VMOPT__MEM_VECTOR && v->simd == simd && same_arch(v, m))
            return v;
    }
    return NULL;
}

const vmopt__mem_variant *vmopt__mem_by_name(const char *name)
{
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++)
        if (vmopt__mem_registry[i].impl && strcmp(vmopt__mem_registry[i].name, name) == 0)
            return &vmopt__mem_registry[i];
    return NULL;
}

const vmopt__mem_variant *vmopt__mem_string(const struct vmopt_machine *m)
{
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++)
        if (vmopt__mem_registry[i].kind == VMOPT__MEM_STRING && same_arch(&vmopt__mem_registry[i], m))
            return &vmopt__mem_registry[i];
    return NULL;
}
