/* Resolution: machine + profile -> plan.  Every value becomes concrete and
 * carries a one-line reason citing the fact it came from.  A pure function
 * of its inputs, so tests feed it described machines. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/machine.h"
#include "lib/mem/registry.h"
#include "lib/plan.h"
#include "profiles/resolve.h"
#include "dispatch/dispatch.h"
#include "dispatch/entry.h"

typedef struct {
    struct vmopt_plan *plan;
    const struct vmopt_machine *m;
    const struct vmopt_profile *p;
    const vmopt__overrides *ov;
    vmopt__key k; /* the key its rule is resolving */
} ctx;

VMOPT__PRINTF(4, 5) static void set(ctx *c, vmopt__key k, uint64_t v, const char *fmt, ...)
{
    va_list ap;
    c->plan->v[k] = v;
    va_start(ap, fmt);
    vsnprintf(c->plan->reason[k], VMOPT__REASON_LEN, fmt, ap);
    va_end(ap);
}

/* "L3 32 MiB (hwloc)" */
static const char *cache_fact(const struct vmopt_machine *m, int level, char *buf, size_t len)
{
    static const char *const names[] = {"L1d", "L2", "L3"};
    char size[32];
    vmopt__format_size(m->cache_size[level].value, size, sizeof size);
    snprintf(buf, len, "%s %s (%s)", names[level], size,
             vmopt__source_name((vmopt__source)m->cache_size[level].src));
    return buf;
}

static int is_x86(const struct vmopt_machine *m)
{
    return strcmp(m->arch, "x86_64") == 0;
}

/* The widest variant this machine runs, and why: the kernel registry's
 * answer (lib/mem/registry.c), so the plan never names a width the
 * dispatcher would not install. */
static const vmopt__mem_variant *best_simd(const struct vmopt_machine *m, char *why, size_t len)
{
    const vmopt__mem_variant *v = vmopt__mem_widest(m);
    if (v->requires)
        snprintf(why, len, "%s (%s)", v->requires_text,
                 vmopt__source_name((vmopt__source)m->feature_src[__builtin_ctz(v->requires)]));
    else
        snprintf(why, len, "no vector kernels for %s", m->arch[0] ? m->arch : "this architecture");
    return v;
}

static int simd_supported(const struct vmopt_machine *m, int simd)
{
    const vmopt__mem_variant *v = vmopt__mem_by_simd(m, simd);
    return v && vmopt__mem_usable(v, m);
}

static vmopt__vendor vendor(const struct vmopt_machine *m)
{
    return (vmopt__vendor)m->vendor_kind;
}

/* Intel cores with AVX-512 but no AVX-VNNI (Skylake-SP to Ice Lake, before
 * Sapphire Rapids) drop to a lower clock licence while 512-bit registers
 * are in use, and take the neighbouring code with them: glibc sets
 * Prefer_No_AVX512 there (and uses 256-bit EVEX), LLVM defaults to
 * prefer-vector-width=256 (llvm-project #47680). */
static int intel_avx512_throttles(const struct vmopt_machine *m)
{
    return vendor(m) == VMOPT__VENDOR_INTEL && vmopt__has(m, VMOPT__FEAT_AVX512F) &&
           !vmopt__has(m, VMOPT__FEAT_AVX_VNNI);
}

/* AMD family 25 with AVX-512: Zen 4 (Zen 3, the same family, has none). */
static int zen4(const struct vmopt_machine *m)
{
    return vendor(m) == VMOPT__VENDOR_AMD && m->family == 0x19 && vmopt__has(m, VMOPT__FEAT_AVX512F);
}

static const char *simd_name(uint64_t simd)
{
    return vmopt__fields[VMOPT__K_MEMCPY_SIMD].names[simd];
}

/* simd and loop: an override (VMOPT_SIMD) or an explicit value the machine
 * can run, else the automatic choice. */
static void resolve_width(ctx *c)
{
    vmopt__key k = c->k;
    const vmopt__setting *s = &c->p->s[k];
    char why[64];
    const vmopt__mem_variant *best = best_simd(c->m, why, sizeof why);
    int want = -1;
    const char *from = NULL;

    if (c->ov && c->ov->simd >= 0) {
        want = c->ov->simd;
        from = c->ov->simd_from;
    } else if (s->set && !s->is_auto) {
        want = (int)s->value;
        from = s->from;
    }
    c->plan->is_auto[k] = want < 0;
    if (want >= 0 && simd_supported(c->m, want)) {
        set(c, k, (uint64_t)want, "set by %s", from);
        return;
    }
    if (want >= 0) {
        set(c, k, (uint64_t)best->simd, "%s asks %s but this CPU lacks it; %s -> %s", from, simd_name((uint64_t)want),
            why, best->name);
        return;
    }
    if (k == VMOPT__K_MEMCPY_SIMD) {
        if (best->simd == VMOPT__SIMD_AVX512 && intel_avx512_throttles(c->m) &&
            simd_supported(c->m, VMOPT__SIMD_AVX2)) {
            set(c, k, VMOPT__SIMD_AVX2, "%s, but Intel without avx_vnni (before Sapphire Rapids): 512-bit "
                                        "registers lower the clock (glibc Prefer_No_AVX512, LLVM #47680) -> avx2",
                why);
            return;
        }
        /* Zen 4 runs each 512-bit operation as two 256-bit halves, so its
         * 64-byte vectors move no more a cycle than 32-byte ones, and the
         * AVX-512 front pays for them in taken branches (three at 129-256
         * B) and below 32 B in its masked copy, which beats a ladder only
         * where sizes change from call to call.  On AMD family 25 model 17
         * (bench-replay, 8 alternating runs, median per stream), the avx2
         * entry against the AVX-512 one: geometric mean 1.065x against
         * 1.046x glibc, lua-strings (every call 3 B) 1.01x against 0.92x,
         * node-json 1.04x against 1.01x, cpython-json 1.02x against 1.07x;
         * bench-mem 128 B 0.89x against 0.77x, 256 B 1.09x against 0.95x,
         * memset 256 B 1.00x against 0.82x.  Zen 5 (family 26) has the
         * full-width datapath and keeps the 64-byte entry. */
        if (best->simd == VMOPT__SIMD_AVX512 && zen4(c->m) && simd_supported(c->m, VMOPT__SIMD_AVX2)) {
            set(c, k, VMOPT__SIMD_AVX2, "%s, but AMD family 25 (Zen 4) splits 512-bit operations in two: "
                                        "the avx2 entry beats the AVX-512 one (bench-replay, bench-mem on "
                                        "family 25 model 17) -> avx2",
                why);
            return;
        }
        if (best->simd == VMOPT__SIMD_SVE && !vmopt__kernel_keeps_sve(c->m) &&
            simd_supported(c->m, VMOPT__SIMD_NEON)) {
            uint64_t r = c->m->kernel.value;
            set(c, k, VMOPT__SIMD_NEON, "%s, but Linux %llu.%llu drops SVE state at every system call, so "
                                        "SVE code traps again after each (glibc prefer_sve_ifuncs) -> neon",
                why, (unsigned long long)(r >> 16), (unsigned long long)(r >> 8 & 0xff));
            return;
        }
        set(c, k, (uint64_t)best->simd, "%s -> widest registers %s", why, best->name);
        return;
    }
    /* The loop: 32-byte vectors behind a 64-byte entry on Zen 4, which
     * splits each 512-bit operation in two: there (AMD family 25 model 17,
     * bench-mem) the 32-byte loop matches the 64-byte one aligned at 1-64
     * KiB and beats it misaligned by 1.2x at 4-16 KiB (83 vs 65 GiB/s at 4
     * KiB).  Elsewhere (Zen 5's full-width datapath, Sapphire Rapids) the
     * entry's width, as glibc; `measure` compares the loops on the machine
     * itself. */
    uint64_t entry = c->plan->v[VMOPT__K_MEMCPY_SIMD];
    const struct vmopt_machine *m = c->m;
    int unknown = vendor(m) == VMOPT__VENDOR_UNKNOWN;
    if (entry == VMOPT__SIMD_AVX512 && (zen4(m) || unknown) && simd_supported(m, VMOPT__SIMD_AVX2))
        set(c, k, VMOPT__SIMD_AVX2, "entry avx512 on %s: 32-byte loops (the 64-byte loop splits its "
                                    "loads on Zen 4; measure compares them) -> avx2",
            zen4(m) ? "AMD family 25 (Zen 4)" : "an unknown vendor");
    else if (entry == VMOPT__SIMD_SVE)
        set(c, k, entry, "the entry's width: NEON's 64-byte ldp/stp loop, SVE pairs to 2 vectors "
                         "(as glibc's memcpy_sve) -> sve");
    else
        set(c, k, entry, "the entry's width -> %s", simd_name(entry));
}

static unsigned vector_bytes(int simd)
{
    switch (simd) {
    case VMOPT__SIMD_AVX512:
        return 64;
    case VMOPT__SIMD_AVX2:
        return 32;
    case VMOPT__SIMD_SSE2:
    case VMOPT__SIMD_NEON:
    case VMOPT__SIMD_SVE: /* its NEON moves past the SVE pair */
        return 16;
    default:
        return 8;
    }
}

/* The entry's vectors: 16 bytes for the generic entry, which uses the
 * 16-byte vectors every architecture has. */
static unsigned entry_bytes(uint64_t simd)
{
    unsigned b = vector_bytes((int)simd);
    return b < 16 ? 16 : b;
}

static void auto_inline_max(ctx *c)
{
    uint64_t simd = c->plan->v[VMOPT__K_MEMCPY_SIMD], loop = c->plan->v[VMOPT__K_MEMCPY_LOOP];
    unsigned w = entry_bytes(simd), lw = entry_bytes(loop);
    if (simd == VMOPT__SIMD_SVE) {
        /* The sve entry copies two of its vectors unasked, at any VL, then
         * 16-byte NEON moves to 128 B; a VL of 1024 bits or more puts the
         * pair past 128 B (and a VL that is not a power of two rounds up). */
        uint64_t vl = c->m->sve_vl.value, pair = 2 * (vl ? vl : 16), v = 128;
        while (v < pair)
            v *= 2;
        char vl_text[24] = "VL (unknown: 16)";
        if (vl)
            snprintf(vl_text, sizeof vl_text, "%llu", (unsigned long long)vl);
        set(c, VMOPT__K_MEMCPY_INLINE_MAX, v,
            "sve entry: one predicated pair to 2 x %s B, 16-byte vectors to 128 B -> %llu B", vl_text,
            (unsigned long long)v);
        return;
    }
    /* On this build the entry of a described machine's width may not
     * exist (an arm64 plan on x86-64): then two of its vectors. */
    const vmopt__mem_entry *e = vmopt__mem_entry_for((int)simd);
    uint64_t front = e->simd == (int)simd ? vmopt__mem_entry_front(e) : 2u * w;
    if (lw < w) {
        /* A narrower loop kernel copies up to 8 of its own vectors with no
         * loop; the entry inlines only what it copies before reading the
         * table.  On Zen 4 (AMD family 25 model 17, bench-mem) eight
         * misaligned 64-byte loads cost more at 257-512 B than the call to
         * the 32-byte kernel. */
        set(c, VMOPT__K_MEMCPY_INLINE_MAX, front,
            "%s entry, %s loop: the entry's own %llu B inline, the %u-byte loop kernel past them -> %llu B",
            simd_name(simd), simd_name(loop), (unsigned long long)front, lw, (unsigned long long)front);
        return;
    }
    /* The entry's vectors loaded, then stored, as many as it inlines: no
     * loop and no call.  Eight, as glibc's entries do on every CPU they run
     * on; sixteen in the avx2 entry (all of ymm0-15), as the AVX-512 front
     * moves 257-512 B in sixteen 32-byte vectors, which beat the loop there
     * on Zen 4 (family 25 model 17) and on Zen 3 (family 25 model 1: the
     * front's 384 and 512 B copies 0.94-0.99x and 0.95-1.02x glibc through
     * its inline loop, 1.13-1.17x and 1.02x inline, a same-size loop of
     * interleaved rounds).  memset stops at eight either way (the entry's
     * set_inline_hi).  measure times the shorter limits against the loop. */
    unsigned nv = e->simd == (int)simd ? e->inline_vectors : VMOPT__INLINE_VECTORS;
    char set_note[48] = "";
    size_t set_hi = vmopt__mem_entry_set_inline_hi(e);
    if (e->simd == (int)simd && set_hi < (size_t)nv * w)
        snprintf(set_note, sizeof set_note, " (memset inline to %zu B, then its loop)", set_hi);
    set(c, VMOPT__K_MEMCPY_INLINE_MAX, (uint64_t)nv * w,
        "%u-byte vectors in the %s entry, %u overlapping loads and stores -> %u B%s", w, simd_name(simd), nv,
        nv * w, set_note);
}

/* glibc 2.40's rep movsb threshold for Intel (sysdeps/x86/dl-cacheinfo.h):
 * 4 KiB per 16 bytes of vector for 32- and 64-byte vectors, 2 KiB for
 * 16-byte ones, and 2112 B with FSRM. */
static uint64_t glibc_intel_movsb(const struct vmopt_machine *m, unsigned vec_bytes)
{
    if (vmopt__has(m, VMOPT__FEAT_FSRM))
        return 2112;
    return vec_bytes >= 32 ? 4096u * (vec_bytes / 16) : 2048;
}

static void auto_rep_min(ctx *c)
{
    vmopt__key k = c->k;
    int movs = k == VMOPT__K_MEMCPY_REP_MOVSB_MIN;
    const char *insn = movs ? "rep movsb" : "rep stosb";
    const struct vmopt_machine *m = c->m;
    char fact[64], size[32];

    if (!is_x86(m)) {
        set(c, k, 0, "%s: no %s -> never", m->arch, insn);
        return;
    }
    if (!vmopt__has(m, VMOPT__FEAT_ERMS)) {
        set(c, k, 0, "no erms: %s is slower than a vector loop at every size -> never", insn);
        return;
    }
    int simd = (int)c->plan->v[VMOPT__K_MEMCPY_LOOP];
    const char *loop = simd_name((uint64_t)simd);
    if (movs && vendor(m) == VMOPT__VENDOR_AMD) {
        if (m->family == 0x17) {
            set(c, k, 0, "AMD family 23 (Zen, Zen 2): rep movsb is microcoded, slower than the %s loop "
                         "at every size (firedancer #1073) -> never", loop);
            return;
        }
        if (m->family >= 0x1a && simd >= VMOPT__SIMD_AVX2) {
            /* Zen 5 (AMD family 26 model 2, KVM): rep movsb copies what is
             * not in the L1d faster than any vector loop.  bench-mem, the
             * same buffers over and over: the 64-byte loop leads while a
             * copy and its source fit in the 48 KiB L1d (16 KiB: 232 vs
             * 146 GiB/s) and falls to 80 GiB/s past it, where rep movsb
             * keeps 150 (32 KiB) and 116 (64-256 KiB).  bench-replay's
             * 256 KiB window: xz's 8 KiB copies 0.82x glibc on the loop,
             * 1.0x on rep movsb; git's and node's 2-8 KiB 0.82-0.89x on the
             * loop, 1.0x on rep movsb from 2 KiB, 0.88-0.96x from 4 KiB.
             * Below half the L1d the dispatcher samples the two
             * (dispatch/sampled.c).  Only this Zen 5 was measured past 8
             * KiB; issue 3's figures (the loop 1.2-1.3x at 4-8 KiB) were
             * these hot ones. */
            set(c, k, 2048,
                "AMD family 26 (Zen 5): rep movsb outruns the %s loop on data outside the L1d (bench-mem, "
                "bench-replay on family 26 model 2); below half the L1d the two are sampled -> 2 KiB",
                loop);
            return;
        }
        /* On Zen 4 (family 25 model 17) the 32-byte loop beats rep movsb at
         * 1-64 KiB (4 KiB: 106 vs 91 GiB/s, misaligned 83 vs 64), past its
         * 32 KiB L1d too; on Zen 3 (family 25 model 1) by 1.27-1.34x at 4-8
         * KiB (4 KiB: 60 vs 45 GiB/s) and 1-5% to 4 MiB. */
        set(c, k, 0, "AMD%s: rep movsb is slow when (dst - src) mod 4 KiB is small, and the %s loop matches "
                     "or beats it elsewhere (glibc BZ 30994; bench-mem on Zen 3 and Zen 4) -> never",
            m->family >= 0x19 ? " Zen 3/4" : "", loop);
        return;
    }
    if (movs && vendor(m) == VMOPT__VENDOR_INTEL && simd >= VMOPT__SIMD_AVX2 && m->cache_size[VMOPT__L1D].value) {
        /* bench-mem on Intel family 6 model 167 (AVX-512, FSRM, KVM, L1d 48
         * KiB): the avx512 loop beats rep movsb at 1-32 KiB (4 KiB: 213 vs
         * 198 GiB/s; 2 KiB 1.5x), and rep movsb the loop at 64 KiB-1 MiB
         * (45.4 vs 41.9 GiB/s at 64 KiB); they tie past the L2.  The only
         * Intel measured here: glibc's 2112 B below, where L1d is unknown
         * (the preload does not read it). */
        uint64_t v = m->cache_size[VMOPT__L1D].value;
        vmopt__format_size(v, size, sizeof size);
        set(c, k, v, "Intel, erms: the %s loop leads while a copy fits in the %s (bench-mem on Intel family 6 "
                     "model 167) -> %s",
            loop, cache_fact(m, VMOPT__L1D, fact, sizeof fact), size);
        return;
    }
    if (movs && vendor(m) == VMOPT__VENDOR_INTEL) {
        /* L1d unknown (the preload), or a loop narrower than AVX2: glibc's
         * thresholds, which Intel's engineers set.  Dispatch keeps a copy
         * whose distance is within 63 bytes (modulo 4 GiB) on the loop, as
         * glibc does with FSRM (Avoid_Short_Distance_REP_MOVSB): rep movsb
         * is slow there. */
        uint64_t v = glibc_intel_movsb(m, vector_bytes(simd));
        vmopt__format_size(v, size, sizeof size);
        set(c, k, v, "Intel, erms%s: glibc's threshold for %s vectors%s -> %s",
            vmopt__has(m, VMOPT__FEAT_FSRM) ? "+fsrm" : "", loop,
            vmopt__has(m, VMOPT__FEAT_FSRM) ? " with fsrm (short distances stay on the loop)" : "", size);
        return;
    }
    if (simd >= VMOPT__SIMD_AVX2 && movs) {
        set(c, k, 0, "erms, but the %s loop matches or beats rep movsb at every size below the streaming "
                     "threshold (bench-mem on Zen 4 and Zen 5) -> never",
            loop);
        return;
    }
    if (!movs && vendor(m) == VMOPT__VENDOR_INTEL && (simd < VMOPT__SIMD_AVX2 || !m->cache_size[VMOPT__L2].value)) {
        set(c, k, 2048, "Intel, erms: glibc's rep stosb threshold -> 2 KiB");
        return;
    }
    if (!movs && vendor(m) == VMOPT__VENDOR_AMD && m->family >= 0x1a && simd >= VMOPT__SIMD_AVX2) {
        /* bench-mem on Zen 5 (AMD family 26 model 2): the avx512 loop beats
         * rep stosb while the data is in the 1 MiB L2 (512 KiB: 238 vs 156
         * GiB/s), rep stosb the loop from 1 MiB to the streaming threshold
         * (1 MiB: 155 vs 123; 4 MiB 120 vs 95).  Every Zen 5 has a 1 MiB
         * L2: its size where the preload does not read it. */
        uint64_t v = m->cache_size[VMOPT__L2].value ? m->cache_size[VMOPT__L2].value : 1u << 20;
        vmopt__format_size(v, size, sizeof size);
        set(c, k, v, "AMD family 26 (Zen 5): the %s loop leads within %s, rep stosb past it "
                     "(bench-mem on family 26 model 2) -> %s",
            loop, m->cache_size[VMOPT__L2].value ? cache_fact(m, VMOPT__L2, fact, sizeof fact) : "the L2 (1 MiB on every Zen 5)",
            size);
        return;
    }
    if (!movs && vendor(m) == VMOPT__VENDOR_AMD && simd >= VMOPT__SIMD_AVX2) {
        /* bench-mem on Zen 3 (AMD family 25 model 1): the avx2 loop beats
         * rep stosb 1.05-1.15x from 512 KiB to 4 MiB, and matches it past
         * the streaming threshold; on Zen 4 (family 25 model 17) it beat it
         * 1.14x at 4 MiB and matched it at 512 KiB-2 MiB.  glibc leaves rep
         * stosb off on AMD too. */
        set(c, k, 0, "AMD, erms: the %s loop matches or beats rep stosb at every size (bench-mem on Zen 3 "
                     "and Zen 4) -> never",
            loop);
        return;
    }
    if (simd >= VMOPT__SIMD_AVX2 && m->cache_size[VMOPT__L2].value) {
        /* A 32- or 64-byte loop outruns rep stosb while the data is in L2;
         * past L2 the string instruction's full-line writes, which skip the
         * read for ownership, do as well or better.  bench-mem on Intel
         * family 6 model 167 (L2 2 MiB): the avx512 loop beats rep stosb at
         * 1-32 KiB (4 KiB: 213 vs 195 GiB/s; glibc's 2 KiB threshold ran
         * vmopt's 2 KiB sets 0.55x glibc, whose threshold is exclusive),
         * they tie at 64 KiB-1 MiB, and rep stosb leads 1.07x at 2 MiB.
         * `measure` times both. */
        uint64_t v = m->cache_size[VMOPT__L2].value;
        vmopt__format_size(v, size, sizeof size);
        set(c, k, v, "erms; %s loop leads within %s -> %s", loop, cache_fact(m, VMOPT__L2, fact, sizeof fact),
            size);
        return;
    }
    /* glibc's rule for narrow vectors: 2 KiB per 16 bytes of vector. */
    uint64_t v = 2048u * (vector_bytes(simd) < 16 ? 1 : vector_bytes(simd) / 16);
    vmopt__format_size(v, size, sizeof size);
    set(c, k, v, "erms%s; %s vectors (L2 %s) -> %s as glibc", vmopt__has(m, VMOPT__FEAT_FSRM) ? "+fsrm" : "",
        loop, m->cache_size[VMOPT__L2].value ? "known" : "unknown", size);
}

static void auto_nontemporal(ctx *c)
{
    const struct vmopt_machine *m = c->m;
    int level = vmopt__last_level_cache(m);
    char fact[64], size[32], share_text[96] = "";

    const vmopt__mem_variant *loop = vmopt__mem_by_simd(m, (int)c->plan->v[VMOPT__K_MEMCPY_LOOP]);
    if (!loop || !loop->streams) {
        set(c, VMOPT__K_MEMCPY_NONTEMPORAL_MIN, 0, "the %s loop has no streaming stores -> never stream",
            loop ? loop->name : "generic");
        return;
    }
    if (level < 0) {
        set(c, VMOPT__K_MEMCPY_NONTEMPORAL_MIN, 0, "no cache size known -> never stream");
        return;
    }
    /* A copy larger than this thread's share of the last-level cache evicts
     * everyone else's data on its way through: stream it.  As glibc 2.38
     * does, on the cache size the probe trusts: 3/4 of the share, but not
     * below 1/4 of the whole cache, so that a thread of a big machine still
     * copies its own working set through the cache.  bench-mem here, L3
     * 32 MiB shared by 2 PUs: the AVX-512 loop leads at 8 MiB (28.5 vs 24.4
     * GiB/s), streaming at 16 MiB (21.9 vs 13.8).  bulk-copy streams at half
     * of each, trading the copy's own reuse for everyone else's. */
    uint64_t whole = m->cache_size[level].value, sharing = m->cache_shared_by[level].value;
    uint64_t share = sharing > 1 ? whole / sharing : whole;
    int bulk = c->p->workload == VMOPT__WL_BULK_COPY;
    uint64_t by_share = bulk ? share / 2 : share / 4 * 3, floor = bulk ? whole / 8 : whole / 4;
    uint64_t v = by_share > floor ? by_share : floor;
    /* Zen 5 (AMD family 26 model 2, L3 32 MiB shared by 2 PUs), whose plan
     * copies from 2 KiB and sets from the L2 with the string instructions:
     * at 16 MiB rep movsb beats streaming (41.8 vs 36-39 GiB/s) and rep
     * stosb more so (118 vs 89); at 32 MiB they tie, and streaming sets
     * lead (89 vs 83).  So stream from twice the share, within the whole. */
    int zen5 = vendor(m) == VMOPT__VENDOR_AMD && m->family >= 0x1a && !bulk &&
               c->plan->v[VMOPT__K_MEMCPY_REP_MOVSB_MIN] != 0;
    if (zen5)
        v = share * 2 < whole ? share * 2 : whole;
    char each[32];
    vmopt__format_size(share, each, sizeof each);
    vmopt__format_size(v, size, sizeof size);
    if (sharing > 1)
        snprintf(share_text, sizeof share_text, " shared by %llu PUs: %s each",
                 (unsigned long long)sharing, each);
    set(c, VMOPT__K_MEMCPY_NONTEMPORAL_MIN, v, "%s%s; %s -> %s", cache_fact(m, level, fact, sizeof fact),
        share_text,
        zen5 ? "AMD family 26 (Zen 5), rep movsb/stosb in the plan: they lead to twice a share, within the whole "
               "(bench-mem on family 26 model 2)"
        : by_share >= floor ? (bulk ? "1/2 of a share for bulk-copy" : "3/4 of a share")
                            : (bulk ? "1/8 of the whole for bulk-copy" : "1/4 of the whole"),
        size);
}

/* DC ZVA clears a whole block (DCZID_EL0: 4 << BS bytes) without reading
 * it.  With 64-byte blocks, ARM's optimized-routines memset uses it for
 * zero fills from 512 B (DC_ZVA_THRESHOLD), past which the aligned blocks
 * outnumber the head and tail; with larger blocks (A64FX's 256 B) the same
 * eight blocks' worth.  Not measured here: qemu-user's timings mean nothing. */
static void auto_zva(ctx *c)
{
    const struct vmopt_machine *m = c->m;
    const vmopt__mem_variant *loop = vmopt__mem_by_simd(m, (int)c->plan->v[VMOPT__K_MEMCPY_LOOP]);
    char size[32];

    if (strcmp(m->arch, "aarch64") != 0) {
        set(c, VMOPT__K_MEMCPY_ZVA_MIN, 0, "%s: no DC ZVA -> never", m->arch[0] ? m->arch : "unknown");
        return;
    }
    if (!loop || !loop->zeroes) {
        set(c, VMOPT__K_MEMCPY_ZVA_MIN, 0, "the %s loop has no DC ZVA path -> never", loop ? loop->name : "generic");
        return;
    }
    if (!m->zva_block.src) {
        set(c, VMOPT__K_MEMCPY_ZVA_MIN, 0, "DC ZVA block size unknown -> never");
        return;
    }
    if (!m->zva_block.value) {
        set(c, VMOPT__K_MEMCPY_ZVA_MIN, 0, "DC ZVA prohibited (DCZID_EL0.DZP, %s) -> never",
            vmopt__source_name((vmopt__source)m->zva_block.src));
        return;
    }
    uint64_t block = m->zva_block.value, v = block * 8 < 512 ? 512 : block * 8;
    vmopt__format_size(v, size, sizeof size);
    set(c, VMOPT__K_MEMCPY_ZVA_MIN, v, "DC ZVA blocks of %llu B (%s): zero fills from %s, %s", (unsigned long long)block,
        vmopt__source_name((vmopt__source)m->zva_block.src), size,
        block <= 64 ? "ARM optimized-routines' threshold" : "eight blocks");
}

static void auto_tlb_strategy(ctx *c)
{
    set(c, VMOPT__K_TLB_STRATEGY, VMOPT__TLB_DIRECT,
        "direct-mapped: one compare on the hit path, as QEMU's softmmu");
}

static void auto_tlb_rehash(ctx *c)
{
    set(c, VMOPT__K_TLB_REHASH, 1, "on: a hash that spreads more when most fills evict from a mostly empty table");
}

/* With rehashing, start from the cheapest index and spread only when the
 * guest's pages collide (bench-tlb: the mask's hit path is the fastest, and
 * 64 pages 1 MiB apart miss 98% under it, 0.01% under xor-fold). */
static void auto_tlb_hash(ctx *c)
{
    if (c->plan->v[VMOPT__K_TLB_REHASH])
        set(c, VMOPT__K_TLB_HASH, VMOPT__HASH_MASK,
            "mask: QEMU's index, the cheapest hit path; rehash spreads it when pages collide");
    else
        set(c, VMOPT__K_TLB_HASH, VMOPT__HASH_XOR_FOLD,
            "xor-fold: rehash off, and strided guests' pages spread where a mask stacks them");
}

static void auto_tlb_ways(ctx *c)
{
    if (c->plan->v[VMOPT__K_TLB_STRATEGY] == VMOPT__TLB_DIRECT)
        set(c, VMOPT__K_TLB_WAYS, 1, "direct-mapped -> 1");
    else
        set(c, VMOPT__K_TLB_WAYS, 4, "set-associative: 4 ways fit one 64-byte line of tags");
}

/* A TLB entry is 32 bytes (tag, three permissions folded in, addend). */
enum { TLB_ENTRY_BYTES = 32 };

static uint64_t pow2_floor(uint64_t v)
{
    return v ? UINT64_C(1) << (63 - __builtin_clzll(v)) : 0;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void auto_tlb_max(ctx *c)
{
    const struct vmopt_machine *m = c->m;
    const vmopt__field *f = &vmopt__fields[VMOPT__K_TLB_MAX_ENTRIES];
    int low = c->p->workload == VMOPT__WL_LOW_MEMORY;
    int level = low ? VMOPT__L1D : VMOPT__L2;
    char fact[64];

    if (!m->cache_size[level].value) {
        set(c, VMOPT__K_TLB_MAX_ENTRIES, 4096, "%s size unknown -> 4096 (128 KiB of entries)",
            low ? "L1d" : "L2");
        return;
    }
    /* The table may grow to half the cache level it should live in. */
    uint64_t v = clamp(pow2_floor(m->cache_size[level].value / 2 / TLB_ENTRY_BYTES), f->min, f->max);
    set(c, VMOPT__K_TLB_MAX_ENTRIES, v, "%s, half of it in %d-byte entries -> %llu%s",
        cache_fact(m, level, fact, sizeof fact), TLB_ENTRY_BYTES, (unsigned long long)v,
        low ? " (low-memory: L1d)" : "");
}

static void auto_tlb_min(ctx *c)
{
    uint64_t v = c->plan->v[VMOPT__K_TLB_MAX_ENTRIES] < 64 ? c->plan->v[VMOPT__K_TLB_MAX_ENTRIES] : 64;
    set(c, VMOPT__K_TLB_MIN_ENTRIES, v, "64: QEMU's floor, below which resizing only thrashes");
}

static void auto_tlb_entries(ctx *c)
{
    uint64_t want = c->p->workload == VMOPT__WL_JIT ? 1024 : 256;
    uint64_t v = clamp(want, c->plan->v[VMOPT__K_TLB_MIN_ENTRIES], c->plan->v[VMOPT__K_TLB_MAX_ENTRIES]);
    set(c, VMOPT__K_TLB_ENTRIES, v, "%s start at %llu%s",
        c->p->workload == VMOPT__WL_JIT ? "jit guests touch more pages:" : "QEMU's default",
        (unsigned long long)want, v != want ? ", clamped to min/max" : "");
}

static void auto_tlb_victim(ctx *c)
{
    uint64_t v = c->p->workload == VMOPT__WL_LOW_MEMORY ? 4 : c->p->workload == VMOPT__WL_JIT ? 16 : 8;
    set(c, VMOPT__K_TLB_VICTIM, v, "%s -> %llu",
        v == 8 ? "QEMU's victim TLB size" : v == 16 ? "jit: more conflict misses to absorb" : "low-memory",
        (unsigned long long)v);
}

static void auto_tlb_resize(ctx *c)
{
    set(c, VMOPT__K_TLB_RESIZE, 1, "on: grow above 70%% use, shrink after a window below 30%%");
}

static void auto_pool_magazine(ctx *c)
{
    const struct vmopt_machine *m = c->m;
    char fact[64];
    uint64_t base = 64;
    const char *basis = "L1d unknown: 64";

    if (m->cache_size[VMOPT__L1D].value) {
        /* Hot objects a thread keeps should fit 1/8 of L1d at 64 B each. */
        base = clamp(pow2_floor(m->cache_size[VMOPT__L1D].value / 8 / 64), 16, 1024);
        basis = cache_fact(m, VMOPT__L1D, fact, sizeof fact);
    }
    uint64_t v = base;
    const char *adj = "";
    if (c->p->workload == VMOPT__WL_INTERPRETER) {
        v = base * 2;
        adj = ", x2 for an interpreter's churn";
    } else if (c->p->workload == VMOPT__WL_LOW_MEMORY) {
        v = base / 4 < 4 ? 4 : base / 4;
        adj = ", /4 for low memory";
    }
    set(c, VMOPT__K_POOL_MAGAZINE, v, "%s, 1/8 of it in 64-byte objects%s -> %llu", basis, adj,
        (unsigned long long)v);
}

static void auto_pool_chunk(ctx *c)
{
    const struct vmopt_machine *m = c->m;
    int low = c->p->workload == VMOPT__WL_LOW_MEMORY;

    for (unsigned i = 0; i < m->n_page_sizes && !low; i++) {
        if (m->page_sizes[i] == (UINT64_C(2) << 20)) {
            set(c, VMOPT__K_POOL_CHUNK, m->page_sizes[i], "2 MiB huge pages (%s): one TLB entry a chunk",
                vmopt__source_name((vmopt__source)m->page_sizes_src));
            return;
        }
    }
    set(c, VMOPT__K_POOL_CHUNK, 64 * 1024, "%s -> 64 KiB",
        low ? "low-memory: small chunks" : "no 2 MiB huge pages known");
}

/* "auto" for a key whose only rule is its field table default ([retune]). */
static void auto_field_default(ctx *c)
{
    set(c, c->k, vmopt__field_default(c->k), "the default (VMOPT_RETUNE overrides at run time)");
}

/* The rules, in the order the keys are resolved: a rule may read the keys
 * above it.  A key's rule runs when the profile says "auto" (or leaves out
 * a key whose default is auto); with every_value, for an explicit value
 * too, which it checks (a width must be one that runs here). */
static const struct {
    vmopt__key key;
    void (*rule)(ctx *c);
    int every_value;
} rules[] = {
    {VMOPT__K_MEMCPY_SIMD, resolve_width, 1},
    {VMOPT__K_MEMCPY_LOOP, resolve_width, 1},
    {VMOPT__K_MEMCPY_INLINE_MAX, auto_inline_max, 0},
    {VMOPT__K_MEMCPY_REP_MOVSB_MIN, auto_rep_min, 0},
    {VMOPT__K_MEMCPY_NONTEMPORAL_MIN, auto_nontemporal, 0},
    {VMOPT__K_MEMCPY_REP_STOSB_MIN, auto_rep_min, 0},
    {VMOPT__K_MEMCPY_ZVA_MIN, auto_zva, 0},
    {VMOPT__K_TLB_STRATEGY, auto_tlb_strategy, 0},
    {VMOPT__K_TLB_REHASH, auto_tlb_rehash, 0},
    {VMOPT__K_TLB_HASH, auto_tlb_hash, 0},
    {VMOPT__K_TLB_WAYS, auto_tlb_ways, 0},
    {VMOPT__K_TLB_MAX_ENTRIES, auto_tlb_max, 0},
    {VMOPT__K_TLB_MIN_ENTRIES, auto_tlb_min, 0},
    {VMOPT__K_TLB_ENTRIES, auto_tlb_entries, 0},
    {VMOPT__K_TLB_VICTIM, auto_tlb_victim, 0},
    {VMOPT__K_TLB_RESIZE, auto_tlb_resize, 0},
    {VMOPT__K_POOL_MAGAZINE, auto_pool_magazine, 0},
    {VMOPT__K_POOL_CHUNK, auto_pool_chunk, 0},
    {VMOPT__K_RETUNE_ENABLED, auto_field_default, 0},
    {VMOPT__K_RETUNE_PERIOD, auto_field_default, 0},
    {VMOPT__K_RETUNE_DWELL, auto_field_default, 0},
    {VMOPT__K_RETUNE_HYSTERESIS, auto_field_default, 0},
};
_Static_assert(VMOPT__ARRAY_SIZE(rules) == VMOPT__K_COUNT, "every key has one rule");

/* Each key once: a key added to the field table without a rule fails every
 * resolve (and so every test), rather than resolving to zero. */
static int rules_cover_every_key(void)
{
    unsigned char seen[VMOPT__K_COUNT] = {0};
    for (unsigned i = 0; i < VMOPT__ARRAY_SIZE(rules); i++)
        if ((unsigned)rules[i].key >= VMOPT__K_COUNT || seen[rules[i].key]++)
            return 0;
    return 1;
}

int vmopt__plan_resolve(struct vmopt_plan *plan, const struct vmopt_machine *m,
                        const struct vmopt_profile *p, const vmopt__overrides *ov)
{
    ctx c = {plan, m, p, ov, VMOPT__K_COUNT};

    memset(plan, 0, sizeof *plan);
    vmopt__strlcpy(plan->profile, p->name, sizeof plan->profile);
    vmopt__strlcpy(plan->description, p->description, sizeof plan->description);
    vmopt__strlcpy(plan->origin, p->origin, sizeof plan->origin);
    vmopt__strlcpy(plan->chain, p->chain, sizeof plan->chain);
    plan->workload = p->workload;

    if (!rules_cover_every_key())
        return vmopt__fail(-EINVAL, "internal: the resolver's rules do not name each key once");
    for (unsigned i = 0; i < VMOPT__K_COUNT; i++) {
        vmopt__key k = rules[i].key;
        const vmopt__setting *s = &p->s[k];
        const vmopt__field *f = &vmopt__fields[k];

        c.k = k;
        if (rules[i].every_value) {
            rules[i].rule(&c);
            continue;
        }
        if (s->set && !s->is_auto) {
            set(&c, k, s->value, "set by %s", s->from);
            continue;
        }
        if (!s->set && strcmp(f->dflt, "auto") != 0) {
            uint64_t v = 0;
            const char *why;
            if (vmopt__field_parse(k, f->dflt, &v, &why) < 0)
                return vmopt__fail(-EINVAL, "internal: default of %s: %s", f->qualified, why);
            set(&c, k, v, "default");
            continue;
        }
        plan->is_auto[k] = 1;
        rules[i].rule(&c);
    }
    /* Explicit and automatic values may still disagree (max set to 128,
     * entries auto at 256): the explicit one wins and the other follows. */
    uint64_t lo = plan->v[VMOPT__K_TLB_MIN_ENTRIES], hi = plan->v[VMOPT__K_TLB_MAX_ENTRIES];
    if (lo > hi) {
        if (plan->is_auto[VMOPT__K_TLB_MIN_ENTRIES])
            set(&c, VMOPT__K_TLB_MIN_ENTRIES, hi, "lowered to tlb.max_entries");
        else if (plan->is_auto[VMOPT__K_TLB_MAX_ENTRIES])
            set(&c, VMOPT__K_TLB_MAX_ENTRIES, lo, "raised to tlb.min_entries");
        lo = plan->v[VMOPT__K_TLB_MIN_ENTRIES];
        hi = plan->v[VMOPT__K_TLB_MAX_ENTRIES];
    }
    uint64_t n = plan->v[VMOPT__K_TLB_ENTRIES];
    if ((n < lo || n > hi) && plan->is_auto[VMOPT__K_TLB_ENTRIES])
        set(&c, VMOPT__K_TLB_ENTRIES, clamp(n, lo, hi), "clamped into [tlb.min_entries, tlb.max_entries]");
    if (plan->v[VMOPT__K_TLB_WAYS] > plan->v[VMOPT__K_TLB_MIN_ENTRIES])
        return vmopt__fail(VMOPT_ERANGE_VALUE, "%s: tlb.ways %llu exceeds tlb.min_entries %llu",
                           p->origin, (unsigned long long)plan->v[VMOPT__K_TLB_WAYS],
                           (unsigned long long)plan->v[VMOPT__K_TLB_MIN_ENTRIES]);
    if (lo > hi || n < lo || n > hi)
        return vmopt__fail(VMOPT_ERANGE_VALUE, "%s: tlb sizes disagree: min %llu, entries %llu, max %llu",
                           p->origin, (unsigned long long)lo, (unsigned long long)n, (unsigned long long)hi);
    return 0;
}

VMOPT_EXTERN int vmopt_plan_resolve(vmopt_plan **out, const vmopt_machine *m, const vmopt_profile *p)
{
    if (!out || !m || !p)
        return vmopt__fail(-EINVAL, "vmopt_plan_resolve: out, machine and profile are required");
    struct vmopt_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return vmopt__fail(-ENOMEM, "vmopt_plan_resolve: out of memory");
    vmopt__overrides none = VMOPT__OVERRIDES_NONE;
    int rc = vmopt__plan_resolve(plan, m, p, &none);
    if (rc < 0) {
        free(plan);
        return rc;
    }
    *out = plan;
    return 0;
}
