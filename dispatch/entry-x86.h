/* The exported functions' bodies for one x86 vector width, included by
 * dispatch/entry-avx2.c and dispatch/entry-avx512.c, each compiled with its
 * own -m flags.  The including file defines VEC (32 or 64) and ENTRY(name),
 * which names its functions.
 *
 * Sizes up to two vectors are copied before the table is read: the scalar
 * ladder to 16 B, then two overlapping moves of 16, 32 or 64 bytes.  On
 * x86-64 the AVX-512 sizes below 128 B normally take the asm front
 * (dispatch/front-x86.S), which masks; this body serves it past 128 B and
 * near a page end.  Up to the table's inline_max (at most eight
 * vectors) every load comes before any store, with no loop and no call;
 * past it the table's kernels take over, as in the baseline body. */
#ifndef VEC
#error "define VEC before including entry-x86.h"
#endif

#include "dispatch/body.h"
#include "dispatch/entry.h"
#include "lib/mem/vec-block.h"

/* n > 2 * VEC: the asm front jumps here straight past its own sizes. */
static inline __attribute__((always_inline)) void *entry_move_large(void *dst, const void *src, size_t n,
                                                                    const vmopt__mem_table *t)
{
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max)) {
        if (n <= 8 * VEC)
            move_le8(dst, src, n);
        else
            move_le16(dst, src, n);
        return dst;
    }
    return vmopt__move_past_inline(t, dst, src, n);
}

static inline __attribute__((always_inline)) void *entry_set_large(void *dst, vec v, int c, size_t n,
                                                                   const vmopt__mem_table *t)
{
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    /* Eight vectors at most, as the asm front (vmopt__mem_entry_set_inline_hi). */
    if (VMOPT__LIKELY(n <= t->inline_max && n <= 8 * VEC)) {
        set_le8(dst, v, n);
        return dst;
    }
    return vmopt__set_past_inline(t, dst, c, n);
}

static inline __attribute__((always_inline)) void *entry_move(void *dst, const void *src, size_t n,
                                                              const vmopt__mem_table *t)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n <= 2 * VEC) {
        move_le2(d, s, n);
        return dst;
    }
    return entry_move_large(dst, src, n, t);
}

static inline __attribute__((always_inline)) void *entry_set(void *dst, int c, size_t n,
                                                             const vmopt__mem_table *t)
{
    unsigned char *d = dst;
    if (n <= VEC) {
        set_le_vec(d, c, n);
        return dst;
    }
    vec v = (vec){0} + (unsigned char)c;
    if (n <= 2 * VEC) {
        VMOPT__SET2(vecu, d, v, n);
        return dst;
    }
    return entry_set_large(dst, v, c, n, t);
}

void *ENTRY(move)(void *dst, const void *src, size_t n)
{
    return entry_move(dst, src, n, NULL);
}

void *ENTRY(set)(void *dst, int c, size_t n)
{
    return entry_set(dst, c, n, NULL);
}

void *ENTRY(move_large)(void *dst, const void *src, size_t n)
{
    return entry_move_large(dst, src, n, NULL);
}

void *ENTRY(set_large)(void *dst, int c, size_t n)
{
    return entry_set_large(dst, (vec){0} + (unsigned char)c, c, n, NULL);
}

void *ENTRY(move_with)(void *dst, const void *src, size_t n, const vmopt__mem_table *t)
{
    return entry_move(dst, src, n, t);
}

void *ENTRY(set_with)(void *dst, int c, size_t n, const vmopt__mem_table *t)
{
    return entry_set(dst, c, n, t);
}
