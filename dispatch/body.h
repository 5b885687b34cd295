/* The bodies of the exported memmove and memset, shared by the embedding
 * API (vmopt_memcpy, ...) and the preload library (memcpy, ...).
 *
 * The exported function tests one byte, the live table's entry width, and
 * jumps straight to the body built for those registers (dispatch/entry-*.c):
 * a direct jump on a branch that goes the same way for the life of the
 * process, where glibc's IFUNC takes none.  docs/memory.md says why this and
 * not an IFUNC.  The baseline body below runs before any probe, on CPUs
 * with no wider entry, and under VMOPT_DISABLE's pass-through table.
 *
 * Every body copies small sizes itself with overlapping loads and stores,
 * no loop and no indirect call, up to the table's inline_max; larger ones
 * go through the live table.  Every path loads before it stores or picks
 * the safe direction, so memcpy is memmove, as glibc's is: a program that
 * overlaps a memcpy behaves as it did. */
#ifndef VMOPT_DISPATCH_BODY_H
#define VMOPT_DISPATCH_BODY_H

#include <stdint.h>

#include "dispatch/dispatch.h"
#include "dispatch/entry.h"
#include "lib/mem/small.h"

#define VMOPT__LIKELY(x) __builtin_expect(!!(x), 1)

/* Past inline_max: most sizes go to the vector loop with one compare; the
 * string and streaming kernels are forward-only, so a destination inside
 * the source goes to the vector loop, which copies backward. */
static inline __attribute__((always_inline)) void *vmopt__move_past_inline(const vmopt__mem_table *t, void *dst,
                                                                          const void *src, size_t n)
{
    if (VMOPT__LIKELY(n < t->move_special_min))
        return t->move(dst, src, n);
    uintptr_t distance = (uintptr_t)dst - (uintptr_t)src;
    if (distance >= n) {
        if (n >= t->nontemporal_min)
            return t->move_nt(dst, src, n);
        /* rep movsb is slow when the destination is within 63 bytes past
         * the source modulo 4 GiB (glibc's Avoid_Short_Distance_REP_MOVSB). */
        if (n >= t->rep_movsb_min && (uint32_t)distance >= 64)
            return n >= t->rep_movsb_sure ? t->move_rep(dst, src, n) : vmopt__move_sampled(t, dst, src, n);
    }
    return t->move(dst, src, n);
}

static inline __attribute__((always_inline)) void *vmopt__set_past_inline(const vmopt__mem_table *t, void *dst,
                                                                         int c, size_t n)
{
    if (VMOPT__LIKELY(n < t->set_special_min))
        return t->set(dst, c, n);
    if (n >= t->nontemporal_min)
        return t->set_nt(dst, c, n);
    if (n >= t->zva_min && (unsigned char)c == 0)
        return t->set_zva(dst, 0, n);
    if (n >= t->rep_stosb_min)
        return t->set_rep(dst, c, n);
    return t->set(dst, c, n);
}

/* The baseline body, with 16-byte vectors (every x86-64 has SSE2, every
 * AArch64 NEON).  Sizes up to 16 are copied before the table is read, so
 * VMOPT_DISABLE's pass-through table (inline_max 0) sees every call above
 * 16 bytes.  t NULL: the live table. */
static inline __attribute__((always_inline)) void *vmopt__move_base(void *dst, const void *src, size_t n,
                                                                   const vmopt__mem_table *t)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (VMOPT__LIKELY(n <= 16)) {
        vmopt__move_le16(d, s, n);
        return dst;
    }
    /* Acquire pairs with the release in vmopt__mem_publish; on x86 it is a
     * plain load. */
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max)) {
        if (n <= 32)
            VMOPT__MOVE2(vmopt__v16u, d, s, n);
        else if (n <= 64)
            vmopt__move_le64_v16(d, s, n);
        else
            vmopt__move_le128_v16(d, s, n);
        return dst;
    }
    return vmopt__move_past_inline(t, dst, src, n);
}

static inline __attribute__((always_inline)) void *vmopt__set_base(void *dst, int c, size_t n,
                                                                  const vmopt__mem_table *t)
{
    if (VMOPT__LIKELY(n <= 16)) {
        vmopt__set_le16(dst, c, n);
        return dst;
    }
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max)) {
        vmopt__set_le128_v16(dst, c, n);
        return dst;
    }
    return vmopt__set_past_inline(t, dst, c, n);
}

static inline __attribute__((always_inline)) void *vmopt__move_body(void *dst, const void *src, size_t n)
{
#ifdef __x86_64__
    unsigned e = atomic_load_explicit(&vmopt__mem_entry_live, memory_order_relaxed);
    if (VMOPT__LIKELY(e == VMOPT__SIMD_AVX512))
        return vmopt__entry_avx512_move(dst, src, n);
    if (e == VMOPT__SIMD_AVX2)
        return vmopt__entry_avx2_move(dst, src, n);
#elif defined(__aarch64__)
    if (atomic_load_explicit(&vmopt__mem_entry_live, memory_order_relaxed) == VMOPT__SIMD_SVE)
        return vmopt__entry_sve_move(dst, src, n);
#endif
    return vmopt__move_base(dst, src, n, NULL);
}

static inline __attribute__((always_inline)) void *vmopt__set_body(void *dst, int c, size_t n)
{
#ifdef __x86_64__
    unsigned e = atomic_load_explicit(&vmopt__mem_entry_live, memory_order_relaxed);
    if (VMOPT__LIKELY(e == VMOPT__SIMD_AVX512))
        return vmopt__entry_avx512_set(dst, c, n);
    if (e == VMOPT__SIMD_AVX2)
        return vmopt__entry_avx2_set(dst, c, n);
#elif defined(__aarch64__)
    if (atomic_load_explicit(&vmopt__mem_entry_live, memory_order_relaxed) == VMOPT__SIMD_SVE)
        return vmopt__entry_sve_set(dst, c, n);
#endif
    return vmopt__set_base(dst, c, n, NULL);
}

#endif
