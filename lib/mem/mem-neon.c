/* 16-byte Advanced SIMD (NEON) kernels: the arm64 baseline, valid on every
 * AArch64 CPU (Advanced SIMD is part of ARMv8-A), and the table dispatch
 * starts with there.  The loop moves 64 bytes an iteration in two ldp/stp
 * pairs of q registers.  No streaming stores: AArch64's STNP is a hint that
 * ARM's own memcpy does not use, and nothing here has measured it.
 *
 * Zero fills past the plan's memcpy.zva_min clear whole blocks with DC ZVA
 * (the cache line is allocated zeroed, with no read for ownership), the
 * unaligned head and tail with the vector stores. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

static void *neon_set_zva(void *dst, int c, size_t n);

#define VEC 16
#define VEC_TABLE vmopt__mem_neon
#define VEC_SET_ZVA neon_set_zva
#include "lib/mem/vec-loop.h"

static void *neon_set_zva(void *dst, int c, size_t n)
{
    uint64_t dczid;
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
    /* DZP set: the kernel or hypervisor prohibits DC ZVA. */
    if ((unsigned char)c != 0 || (dczid & 0x10))
        return vec_set(dst, c, n);
    size_t block = (size_t)4 << (dczid & 0xf);
    if (n < 2 * block)
        return vec_set(dst, 0, n);
    unsigned char *p = dst, *end = p + n;
    unsigned char *first = (unsigned char *)(((uintptr_t)p + block - 1) & ~(uintptr_t)(block - 1));
    unsigned char *last = (unsigned char *)((uintptr_t)end & ~(uintptr_t)(block - 1));
    vec_set(p, 0, (size_t)(first - p));
    for (unsigned char *b = first; b < last; b += block)
        __asm__ volatile("dc zva, %0" : : "r"(b) : "memory");
    vec_set(last, 0, (size_t)(end - last));
    return dst;
}
