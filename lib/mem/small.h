/* Copies and sets of at most 2 * width bytes with two overlapping
 * loads/stores per step, no loop and no call: the small-size path of the
 * exported functions and of every kernel.  All loads come before any store,
 * so it is a correct memmove.
 *
 * The vector types are GCC's generic vectors, so each file that includes
 * this compiles it with its own flags (SSE2 in shared code, VEX in the AVX
 * files); everything here is static inline and never shared between files. */
#ifndef VMOPT_MEM_SMALL_H
#define VMOPT_MEM_SMALL_H

#include <stddef.h>
#include <stdint.h>

#define VMOPT__VEC_TYPES_(bytes)                                                                   \
    typedef unsigned char vmopt__v##bytes __attribute__((vector_size(bytes)));                    \
    typedef vmopt__v##bytes vmopt__v##bytes##u __attribute__((aligned(1), may_alias))
VMOPT__VEC_TYPES_(16);
VMOPT__VEC_TYPES_(32);
VMOPT__VEC_TYPES_(64);
typedef uint64_t vmopt__u64u __attribute__((aligned(1), may_alias));
typedef uint32_t vmopt__u32u __attribute__((aligned(1), may_alias));
typedef uint16_t vmopt__u16u __attribute__((aligned(1), may_alias));

/* Both ends of [d, d+n) from [s, s+n) with two accesses of type T, for
 * sizeof(T) <= n <= 2 * sizeof(T). */
#define VMOPT__MOVE2(T, d, s, n)                                                                   \
    do {                                                                                           \
        T a_ = *(const T *)(s);                                                                    \
        T b_ = *(const T *)((s) + (n) - sizeof(T));                                                \
        *(T *)(d) = a_;                                                                            \
        *(T *)((d) + (n) - sizeof(T)) = b_;                                                        \
    } while (0)

/* n <= 16. */
static inline __attribute__((always_inline)) void vmopt__move_le16(unsigned char *d,
                                                                   const unsigned char *s, size_t n)
{
    if (n >= 8)
        VMOPT__MOVE2(vmopt__u64u, d, s, n);
    else if (n >= 4)
        VMOPT__MOVE2(vmopt__u32u, d, s, n);
    else if (n >= 2)
        VMOPT__MOVE2(vmopt__u16u, d, s, n);
    else if (n)
        *d = *s;
}

/* 16 < n <= 64, with 16-byte vectors: four loads, then four stores. */
static inline __attribute__((always_inline)) void vmopt__move_le64_v16(unsigned char *d,
                                                                       const unsigned char *s,
                                                                       size_t n)
{
    if (n <= 32) {
        VMOPT__MOVE2(vmopt__v16u, d, s, n);
        return;
    }
    vmopt__v16 a = *(const vmopt__v16u *)s, b = *(const vmopt__v16u *)(s + 16);
    vmopt__v16 y = *(const vmopt__v16u *)(s + n - 32), z = *(const vmopt__v16u *)(s + n - 16);
    *(vmopt__v16u *)d = a;
    *(vmopt__v16u *)(d + 16) = b;
    *(vmopt__v16u *)(d + n - 32) = y;
    *(vmopt__v16u *)(d + n - 16) = z;
}

/* 64 < n <= 128, with 16-byte vectors: eight loads, then eight stores.
 * Written out: as arrays, GCC 12 keeps them on the stack. */
static inline __attribute__((always_inline)) void vmopt__move_le128_v16(unsigned char *d,
                                                                        const unsigned char *s,
                                                                        size_t n)
{
    const unsigned char *e = s + n - 64;
    vmopt__v16 a0 = *(const vmopt__v16u *)s, a1 = *(const vmopt__v16u *)(s + 16);
    vmopt__v16 a2 = *(const vmopt__v16u *)(s + 32), a3 = *(const vmopt__v16u *)(s + 48);
    vmopt__v16 z0 = *(const vmopt__v16u *)e, z1 = *(const vmopt__v16u *)(e + 16);
    vmopt__v16 z2 = *(const vmopt__v16u *)(e + 32), z3 = *(const vmopt__v16u *)(e + 48);
    unsigned char *f = d + n - 64;
    *(vmopt__v16u *)d = a0;
    *(vmopt__v16u *)(d + 16) = a1;
    *(vmopt__v16u *)(d + 32) = a2;
    *(vmopt__v16u *)(d + 48) = a3;
    *(vmopt__v16u *)f = z0;
    *(vmopt__v16u *)(f + 16) = z1;
    *(vmopt__v16u *)(f + 32) = z2;
    *(vmopt__v16u *)(f + 48) = z3;
}

static inline __attribute__((always_inline)) uint64_t vmopt__splat8(int c)
{
    return (uint64_t)(unsigned char)c * UINT64_C(0x0101010101010101);
}

/* Set both ends of [d, d+n) to the pattern v of type T, sizeof(T) <= n <= 2 * sizeof(T). */
#define VMOPT__SET2(T, d, v, n)                                                                    \
    do {                                                                                           \
        *(T *)(d) = (v);                                                                           \
        *(T *)((d) + (n) - sizeof(T)) = (v);                                                       \
    } while (0)

/* n <= 16. */
static inline __attribute__((always_inline)) void vmopt__set_le16(unsigned char *d, int c, size_t n)
{
    uint64_t w = vmopt__splat8(c);
    if (n >= 8)
        VMOPT__SET2(vmopt__u64u, d, w, n);
    else if (n >= 4)
        VMOPT__SET2(vmopt__u32u, d, (uint32_t)w, n);
    else if (n >= 2)
        VMOPT__SET2(vmopt__u16u, d, (uint16_t)w, n);
    else if (n)
        *d = (unsigned char)c;
}

/* 16 < n <= 128, with 16-byte vectors. */
static inline __attribute__((always_inline)) void vmopt__set_le128_v16(unsigned char *d, int c,
                                                                       size_t n)
{
    vmopt__v16 v = (vmopt__v16){0} + (unsigned char)c;
    if (n <= 32) {
        VMOPT__SET2(vmopt__v16u, d, v, n);
    } else if (n <= 64) {
        VMOPT__SET2(vmopt__v16u, d, v, 32);
        VMOPT__SET2(vmopt__v16u, d + n - 32, v, 32);
    } else {
        VMOPT__SET2(vmopt__v16u, d, v, 32);
        VMOPT__SET2(vmopt__v16u, d + 32, v, 32);
        VMOPT__SET2(vmopt__v16u, d + n - 64, v, 32);
        VMOPT__SET2(vmopt__v16u, d + n - 32, v, 32);
    }
}

#endif
