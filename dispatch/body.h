/* The bodies of the exported memmove and memset, shared by the embedding
 * API (vmopt_memcpy, ...) and the preload library (memcpy, ...).  Sizes up
 * to the table's inline_max are copied right here with overlapping 16-byte
 * loads and stores, no loop and no indirect call, so a small copy costs what
 * glibc's does; larger ones go through the live table.  Sizes up to 16 are
 * copied before the table is read, so VMOPT_DISABLE's pass-through table
 * (inline_max 0) sees every call above 16 bytes.  Every path loads
 * before it stores or picks the safe direction, so memcpy is memmove, as
 * glibc's is: a program that overlaps a memcpy behaves as it did. */
#ifndef VMOPT_DISPATCH_BODY_H
#define VMOPT_DISPATCH_BODY_H

#include <stdint.h>

#include "dispatch/dispatch.h"
#include "lib/mem/small.h"

#define VMOPT__LIKELY(x) __builtin_expect(!!(x), 1)

static inline __attribute__((always_inline)) void *vmopt__move_body(void *dst, const void *src,
                                                                   size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    /* Half the copies of a typical program are this small: two scalar moves,
     * before even the table is read (one cycle less, measured). */
    if (VMOPT__LIKELY(n <= 16)) {
        vmopt__move_le16(d, s, n);
        return dst;
    }
    /* Acquire pairs with the release in vmopt__mem_publish; on x86 it is a
     * plain load. */
    const vmopt__mem_table *t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max)) {
        if (n <= 32)
            VMOPT__MOVE2(vmopt__v16u, d, s, n);
        else if (n <= 64)
            vmopt__move_le64_v16(d, s, n);
        else
            vmopt__move_le128_v16(d, s, n);
        return dst;
    }
    /* Most sizes past the inline ones go to the vector loop: one compare. */
    if (VMOPT__LIKELY(n < t->move_special_min))
        return t->move(dst, src, n);
    /* The string and streaming kernels are forward-only: a destination
     * inside the source goes to the vector loop, which copies backward. */
    if ((uintptr_t)d - (uintptr_t)s >= n) {
        if (n >= t->nontemporal_min)
            return t->move_nt(dst, src, n);
        if (n >= t->rep_movsb_min)
            return t->move_rep(dst, src, n);
    }
    return t->move(dst, src, n);
}

static inline __attribute__((always_inline)) void *vmopt__set_body(void *dst, int c, size_t n)
{
    if (VMOPT__LIKELY(n <= 16)) {
        vmopt__set_le16(dst, c, n);
        return dst;
    }
    const vmopt__mem_table *t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max)) {
        vmopt__set_le128_v16(dst, c, n);
        return dst;
    }
    if (VMOPT__LIKELY(n < t->set_special_min))
        return t->set(dst, c, n);
    if (n >= t->nontemporal_min)
        return t->set_nt(dst, c, n);
    if (n >= t->rep_stosb_min)
        return t->set_rep(dst, c, n);
    return t->set(dst, c, n);
}

#endif
