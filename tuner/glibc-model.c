/* glibc 2.40's choices as a function of the machine description (see
 * glibc-model.h).  Each step names the glibc flag or rule it models; the
 * numbers are glibc's, not this project's. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "tuner/glibc-model.h"

/* The L3 as glibc reads it: CPUID's leaves, which in a VM may describe the
 * host (cache_size_alt from sysconf, or cpuid_l3= on a described machine),
 * else the topology's. */
static uint64_t cpuid_cache(const struct vmopt_machine *m, int level)
{
    const vmopt__fact *alt = &m->cache_size_alt[level];
    return alt->value && alt->src == VMOPT__SRC_SYSCONF ? alt->value : m->cache_size[level].value;
}

static void x86(const struct vmopt_machine *m, vmopt__glibc_choice *g)
{
    int intel = m->vendor_kind == VMOPT__VENDOR_INTEL, amd = m->vendor_kind == VMOPT__VENDOR_AMD;
    int erms = vmopt__has(m, VMOPT__FEAT_ERMS), fsrm = vmopt__has(m, VMOPT__FEAT_FSRM);
    /* cpu_features.c: Intel with AVX-512 but not AVX-VNNI prefers no
     * 512-bit registers (frequency licences). */
    int no_avx512 = intel && vmopt__has(m, VMOPT__FEAT_AVX512F) && !vmopt__has(m, VMOPT__FEAT_AVX_VNNI);
    int avx512 = vmopt__has(m, VMOPT__FEAT_AVX512F) && !no_avx512, vl = vmopt__has(m, VMOPT__FEAT_AVX512VL);
    const char *sfx = erms ? "_erms" : "";
    const char *set_base;

    if (avx512) {
        snprintf(g->memmove, sizeof g->memmove, "__memmove_avx512_%s%s", vl ? "unaligned" : "no_vzeroupper",
                 vl ? sfx : "");
        g->vec_bytes = 64;
        set_base = "avx512";
    } else if (vmopt__has(m, VMOPT__FEAT_AVX2)) {
        snprintf(g->memmove, sizeof g->memmove, "__memmove_%s_unaligned%s", vl ? "evex" : "avx", sfx);
        g->vec_bytes = 32;
        set_base = vl && vmopt__has(m, VMOPT__FEAT_AVX512BW) ? "evex" : "avx2";
    } else {
        snprintf(g->memmove, sizeof g->memmove, "__memmove_sse2_unaligned%s", sfx);
        g->vec_bytes = 16;
        set_base = "sse2";
    }
    snprintf(g->memset, sizeof g->memset, "__memset_%s_unaligned%s", set_base, sfx);

    /* dl-cacheinfo.h: the "shared" cache and a thread's share of it.
     * Intel's L3 is divided among the threads sharing it and, being
     * non-inclusive from Skylake-SP on (every Intel machine described
     * here), the L2 is added; AMD's is the L3 as CPUID leaf 0x8000001D
     * reports it, undivided (plus the L2 before family 0x17). */
    uint64_t l2 = cpuid_cache(m, VMOPT__L2), shared = cpuid_cache(m, VMOPT__L3), per_thread;
    if (!shared)
        shared = l2;
    if (intel) {
        uint64_t threads = m->cache_shared_by[VMOPT__L3].value ? m->cache_shared_by[VMOPT__L3].value : 1;
        uint64_t threads_l2 = m->cache_shared_by[VMOPT__L2].value ? m->cache_shared_by[VMOPT__L2].value : 1;
        per_thread = shared / threads + l2 / threads_l2;
        shared += l2;
    } else {
        if (amd && m->family < 0x17)
            shared += l2;
        per_thread = shared;
    }
    g->shared = shared;
    g->per_thread = per_thread;
    uint64_t nt = shared / 4, low = per_thread * 3 / 4;
    if (nt < low || !erms)
        nt = low;
    if (nt < 0x4040)
        nt = UINT64_C(64) << 20;
    g->nontemporal_min = nt;

    uint64_t movsb = avx512 ? 4096 * 4 : g->vec_bytes == 32 ? 4096 * 2 : 2048;
    if (fsrm)
        movsb = 2112;
    /* AMD: rep movsb from the non-temporal threshold, where non-temporal
     * stores take over: never (BZ 30994). */
    g->rep_movsb_min = !erms || amd ? VMOPT__GLIBC_NEVER : movsb;
    g->rep_stosb_min = !erms || amd ? VMOPT__GLIBC_NEVER : 2048;
    snprintf(g->why, sizeof g->why, "%s%s%s%s", intel ? "intel" : amd ? "amd" : "other",
             no_avx512 ? ", Prefer_No_AVX512" : "", erms ? ", erms" : "",
             fsrm ? ", fsrm: Avoid_Short_Distance_REP_MOVSB" : "");
}

static void arm64(const struct vmopt_machine *m, vmopt__glibc_choice *g)
{
    int sve = vmopt__has(m, VMOPT__FEAT_SVE), prefer = vmopt__kernel_keeps_sve(m);
    int a64fx = m->vendor_kind == VMOPT__VENDOR_FUJITSU && m->model_number == 0x001;
    uint64_t zva = m->zva_block.value;

    /* memcpy.c: no MOPS on these machines; SVE: A64FX's own, else SVE where
     * the kernel keeps it, else the generic (NEON) one. */
    const char *cpy = sve ? (a64fx ? "a64fx" : prefer ? "sve" : "generic") : "generic";
    snprintf(g->memmove, sizeof g->memmove, "__memcpy_%s", cpy);
    g->vec_bytes = strcmp(cpy, "generic") == 0 ? 16 : (unsigned)m->sve_vl.value;
    /* memset.c: A64FX's for 256-byte ZVA blocks, SVE with 64-byte blocks
     * where the kernel keeps SVE, the ZVA one for 64-byte blocks, else the
     * generic one, which never uses DC ZVA. */
    const char *set = sve && a64fx && zva == 256   ? "a64fx"
                      : sve && prefer && zva == 64 ? "sve_zva64"
                      : zva == 64                  ? "zva64"
                                                   : "generic";
    snprintf(g->memset, sizeof g->memset, "__memset_%s", set);
    g->rep_movsb_min = g->rep_stosb_min = g->nontemporal_min = VMOPT__GLIBC_NEVER;
    snprintf(g->why, sizeof g->why, "%s%s; DC ZVA %llu B%s", sve ? "sve" : "no sve",
             sve && !prefer ? ", kernel drops SVE at system calls (prefer_sve_ifuncs off)" : "",
             (unsigned long long)zva, a64fx ? "; A64FX (MIDR)" : "");
}

void vmopt__glibc_model(const struct vmopt_machine *m, vmopt__glibc_choice *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(m->arch, "aarch64") == 0)
        arm64(m, out);
    else
        x86(m, out);
}
