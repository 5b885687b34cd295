/* Up to two SVE vectors with no branch ladder: the small-size path of the
 * sve kernels (lib/mem/mem-sve.c) and of the sve entry (dispatch/entry-sve.c),
 * vector-length agnostic.  whilelo makes one predicate for the first vector
 * and one for the second, so every n from 0 to 2 * VL is one load pair and
 * one store pair; lanes a predicate leaves off are neither read nor
 * written, and cannot fault.  Both loads come before either store, so a
 * move is memmove.  This is the shape of glibc's memcpy_sve.S and ARM
 * optimized-routines' memcpy-sve.S for sizes to 2 vectors; past that they,
 * and vmopt, use Advanced SIMD pairs, not a wider SVE loop.
 * Included only by files built with SVE enabled. */
#ifndef VMOPT_MEM_SVE_PAIR_H
#define VMOPT_MEM_SVE_PAIR_H

#include <arm_sve.h>
#include <stddef.h>
#include <stdint.h>

/* The bytes the two vectors cover: 2 * VL, 32 to 512.  VL is per thread
 * and can change (prctl PR_SVE_SET_VL), so callers read it at each call. */
static inline __attribute__((always_inline)) size_t vmopt__sve_pair_bytes(void)
{
    return 2 * svcntb();
}

/* n <= vmopt__sve_pair_bytes(). */
static inline __attribute__((always_inline)) void vmopt__sve_move_pair(unsigned char *d, const unsigned char *s,
                                                                      size_t n)
{
    uint64_t vl = svcntb();
    svbool_t p0 = svwhilelt_b8_u64(0, n), p1 = svwhilelt_b8_u64(vl, n);
    svuint8_t a = svld1_u8(p0, s), b = svld1_u8(p1, s + vl);
    svst1_u8(p0, d, a);
    svst1_u8(p1, d + vl, b);
}

/* n <= vmopt__sve_pair_bytes(). */
static inline __attribute__((always_inline)) void vmopt__sve_set_pair(unsigned char *d, int c, size_t n)
{
    uint64_t vl = svcntb();
    svuint8_t v = svdup_n_u8((uint8_t)c);
    svst1_u8(svwhilelt_b8_u64(0, n), d, v);
    svst1_u8(svwhilelt_b8_u64(vl, n), d + vl, v);
}

#endif
