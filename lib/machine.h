/* The machine description: plain data, filled by the probe components in
 * tuner/ (or built from a synthetic description), read by every layer.
 * Every number carries the source it came from, because the sources
 * disagree (in a KVM guest hwloc sees a 32 MiB L3 where sysconf reports the
 * host socket's 320 MiB). */
#ifndef VMOPT_MACHINE_H
#define VMOPT_MACHINE_H

#include <stdint.h>

#include "vmopt.h"

/* ISA features the library can use: one list, which gives the enum, the
 * names and the parser of feature lists. */
#define VMOPT__FEATURES(XX)                                                                        \
    XX(SSE2, sse2)                                                                                 \
    XX(SSE3, sse3)                                                                                 \
    XX(SSSE3, ssse3)                                                                               \
    XX(SSE4_1, sse4_1)                                                                             \
    XX(SSE4_2, sse4_2)                                                                             \
    XX(AVX, avx)                                                                                   \
    XX(AVX2, avx2)                                                                                 \
    XX(AVX512F, avx512f)                                                                           \
    XX(AVX512BW, avx512bw)                                                                         \
    XX(AVX512VL, avx512vl)                                                                         \
    XX(ERMS, erms)                                                                                 \
    XX(FSRM, fsrm)                                                                                 \
    XX(AVX_VNNI, avx_vnni)                                                                         \
    XX(ASIMD, asimd)                                                                               \
    XX(SVE, sve)                                                                                   \
    XX(SVE2, sve2)

typedef enum {
#define VMOPT__FEAT_ENUM_(id, name) VMOPT__FEAT_##id,
    VMOPT__FEATURES(VMOPT__FEAT_ENUM_)
#undef VMOPT__FEAT_ENUM_
        VMOPT__FEAT_COUNT
} vmopt__feature;

/* Who designed the core, as the vendor rules (profiles/resolve.c) read it:
 * glibc's arch_kind on x86 (Hygon counts as AMD), the MIDR implementer on
 * arm64. */
#define VMOPT__VENDORS(XX)                                                                         \
    XX(UNKNOWN, "unknown")                                                                         \
    XX(INTEL, "intel")                                                                             \
    XX(AMD, "amd")                                                                                 \
    XX(ARM, "arm")                                                                                 \
    XX(FUJITSU, "fujitsu")                                                                         \
    XX(APPLE, "apple")                                                                             \
    XX(OTHER, "other")

typedef enum {
#define VMOPT__VENDOR_ENUM_(id, name) VMOPT__VENDOR_##id,
    VMOPT__VENDORS(VMOPT__VENDOR_ENUM_)
#undef VMOPT__VENDOR_ENUM_
        VMOPT__VENDOR_COUNT
} vmopt__vendor;

const char *vmopt__vendor_name(vmopt__vendor v);
/* The kind of a CPUID vendor string or MIDR implementer name. */
vmopt__vendor vmopt__vendor_of(const char *name);
/* The name of a MIDR_EL1 implementer code ("ARM" for 0x41), or NULL. */
const char *vmopt__arm64_implementer(unsigned code);
/* A kernel release's first len characters, "6.1" or "5.14.0", as
 * 0x060100, 0x050e00; -1 when they are not one to three numbers. */
int vmopt__parse_release(const char *p, size_t len, uint64_t *out);

/* Where a fact came from. */
#define VMOPT__SOURCES(XX)                                                                         \
    XX(NONE, "none")                                                                               \
    XX(CPU_FEATURES, "cpu_features")                                                               \
    XX(GLIBC, "glibc")                                                                             \
    XX(HWLOC, "hwloc")                                                                             \
    XX(SYSFS, "sysfs")                                                                             \
    XX(SYSCONF, "sysconf")                                                                         \
    XX(PAPI, "papi")                                                                               \
    XX(UNAME, "uname")                                                                             \
    XX(GIVEN, "given")                                                                             \
    XX(AUXV, "auxv")                                                                               \
    XX(PRCTL, "prctl")                                                                             \
    XX(REGISTER, "register")

typedef enum {
#define VMOPT__SRC_ENUM_(id, name) VMOPT__SRC_##id,
    VMOPT__SOURCES(VMOPT__SRC_ENUM_)
#undef VMOPT__SRC_ENUM_
        VMOPT__SRC_COUNT
} vmopt__source;

const char *vmopt__source_name(vmopt__source s);

typedef struct {
    uint64_t value; /* 0 when unknown */
    uint8_t src;    /* vmopt__source */
} vmopt__fact;

enum { VMOPT__L1D, VMOPT__L2, VMOPT__L3, VMOPT__CACHE_LEVELS };

/* PAPI presets the tuner can use; the list gives the bits and names. */
#define VMOPT__PRESETS(XX)                                                                         \
    XX(TOT_CYC, "PAPI_TOT_CYC")                                                                    \
    XX(TOT_INS, "PAPI_TOT_INS")                                                                    \
    XX(TLB_DM, "PAPI_TLB_DM")                                                                      \
    XX(TLB_IM, "PAPI_TLB_IM")                                                                      \
    XX(L1_DCM, "PAPI_L1_DCM")                                                                      \
    XX(L2_TCM, "PAPI_L2_TCM")                                                                      \
    XX(L3_TCM, "PAPI_L3_TCM")

enum {
#define VMOPT__PRESET_ENUM_(id, name) VMOPT__PRESET_##id,
    VMOPT__PRESETS(VMOPT__PRESET_ENUM_)
#undef VMOPT__PRESET_ENUM_
        VMOPT__PRESET_COUNT
};

#define VMOPT__MAX_PAGE_SIZES 4

/* Facts a quick probe chose not to gather (the preload's start-up), so that
 * a dump says "not probed" rather than "unknown" or 0. */
enum {
    VMOPT__UNPROBED_IDENTITY = 0x1u, /* vendor and model name (CPUID leaf 0 and 0x8000000x) */
    VMOPT__UNPROBED_LAYOUT = 0x2u,   /* cores, PUs, packages, NUMA nodes; caches left at 0 */
    VMOPT__UNPROBED_HUGE_PAGES = 0x4u, /* the huge page sizes */
};

struct vmopt_machine {
    unsigned probed;   /* VMOPT_PROBE_* parts that ran */
    unsigned unprobed; /* VMOPT__UNPROBED_* facts a quick probe left out */

    /* ISA */
    char arch[16];
    char vendor[16];
    char model[64];
    int family, model_number, stepping;
    uint8_t vendor_kind;                    /* vmopt__vendor */
    uint8_t vendor_src;                     /* where vendor_kind came from */
    uint32_t features;                      /* bit per vmopt__feature */
    uint8_t feature_src[VMOPT__FEAT_COUNT]; /* vmopt__source of each present bit */
    const char *isa_probe;                  /* component that answered */
    /* arm64: the SVE vector length in bytes (PR_SVE_GET_VL), the DC ZVA
     * block in bytes (DCZID_EL0; 0 when the kernel prohibits DC ZVA or it
     * is unknown), and the kernel release as 0xMMmmpp, which decides
     * whether SVE is worth it in string functions (glibc's
     * prefer_sve_ifuncs). */
    vmopt__fact sve_vl, zva_block, kernel;

    /* topology */
    vmopt__fact cache_size[VMOPT__CACHE_LEVELS];
    vmopt__fact cache_line[VMOPT__CACHE_LEVELS];
    /* How many PUs share one instance of the cache (0: unknown). */
    vmopt__fact cache_shared_by[VMOPT__CACHE_LEVELS];
    /* A second opinion on each cache size where another source disagrees. */
    vmopt__fact cache_size_alt[VMOPT__CACHE_LEVELS];
    vmopt__fact packages, cores, pus, numa_nodes;
    uint64_t page_sizes[VMOPT__MAX_PAGE_SIZES]; /* huge-page sizes, ascending */
    unsigned n_page_sizes;
    uint8_t page_sizes_src;
    const char *topology_probe;
    char topology_spec[128]; /* what a described machine was built from */

    /* hardware counters */
    const char *counters_probe;
    unsigned counters;       /* usable preset events */
    unsigned pmu_slots;      /* counters the PMU component claims */
    uint32_t presets;        /* bit per VMOPT__PRESET_* available */
    char counters_version[16];
    char counters_reason[192]; /* why there are none, when there are none */
};

static inline int vmopt__has(const struct vmopt_machine *m, vmopt__feature f)
{
    return (m->features >> f) & 1u;
}

static inline void vmopt__set_feature(struct vmopt_machine *m, vmopt__feature f, vmopt__source src)
{
    m->features |= 1u << f;
    m->feature_src[f] = (uint8_t)src;
}

static inline void vmopt__set_fact(vmopt__fact *f, uint64_t value, vmopt__source src)
{
    f->value = value;
    f->src = (uint8_t)(value ? src : VMOPT__SRC_NONE);
}

const char *vmopt__feature_name(vmopt__feature f);
const char *vmopt__preset_name(unsigned preset);
/* Parses "avx2,erms,arch=x86_64" into m; -EINVAL naming the bad word. */
int vmopt__parse_features(struct vmopt_machine *m, const char *list);
/* Whether the kernel keeps SVE enabled across system calls: Linux 4.15 to
 * 6.1 (but for 5.14) drop it at each one, so the first SVE instruction
 * after a call traps and SVE string functions lose (glibc's
 * prefer_sve_ifuncs).  An unknown kernel counts as modern, as in glibc. */
int vmopt__kernel_keeps_sve(const struct vmopt_machine *m);
/* Largest cache level known (L3, else L2, else L1d), or -1. */
int vmopt__last_level_cache(const struct vmopt_machine *m);

#endif
