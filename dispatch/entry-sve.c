/* The exported functions' bodies with SVE: built with SVE enabled, entered
 * only when the live table's entry is sve (the resolver asks for it where
 * the CPU has SVE and the kernel keeps SVE state across system calls).
 *
 * Every size up to two vectors (2 x VL: 32 B at 128 bits, 512 B at 2048)
 * is one predicated load pair and store pair (lib/mem/sve-pair.h), before
 * the table is read.  Past that, up to the table's inline_max and never
 * past 128 B, the 16-byte overlapping moves of the NEON body; past those,
 * the table's kernels.  VL is read at each call, so a thread that changes
 * its vector length (prctl PR_SVE_SET_VL) stays correct. */
#include "config.h"

#include "dispatch/body.h"
#include "dispatch/entry.h"
#include "lib/mem/sve-pair.h"

enum { NEON_INLINE_MAX = 16 * VMOPT__INLINE_VECTORS };

static inline __attribute__((always_inline)) void *entry_move(void *dst, const void *src, size_t n,
                                                              const vmopt__mem_table *t)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (VMOPT__LIKELY(n <= vmopt__sve_pair_bytes())) {
        vmopt__sve_move_pair(d, s, n);
        return dst;
    }
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max && n <= NEON_INLINE_MAX)) {
        /* n > 2 x VL >= 32 */
        if (n <= 64)
            vmopt__move_le64_v16(d, s, n);
        else
            vmopt__move_le128_v16(d, s, n);
        return dst;
    }
    return vmopt__move_past_inline(t, dst, src, n);
}

static inline __attribute__((always_inline)) void *entry_set(void *dst, int c, size_t n,
                                                             const vmopt__mem_table *t)
{
    if (VMOPT__LIKELY(n <= vmopt__sve_pair_bytes())) {
        vmopt__sve_set_pair(dst, c, n);
        return dst;
    }
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max && n <= NEON_INLINE_MAX)) {
        vmopt__set_le128_v16(dst, c, n);
        return dst;
    }
    return vmopt__set_past_inline(t, dst, c, n);
}

void *vmopt__entry_sve_move(void *dst, const void *src, size_t n)
{
    return entry_move(dst, src, n, NULL);
}

void *vmopt__entry_sve_set(void *dst, int c, size_t n)
{
    return entry_set(dst, c, n, NULL);
}

void *vmopt__entry_sve_move_with(void *dst, const void *src, size_t n, const vmopt__mem_table *t)
{
    return entry_move(dst, src, n, t);
}

void *vmopt__entry_sve_set_with(void *dst, int c, size_t n, const vmopt__mem_table *t)
{
    return entry_set(dst, c, n, t);
}

size_t vmopt__entry_sve_front(void)
{
    return vmopt__sve_pair_bytes();
}
