/* Copies and sets of 2 to 8 vectors of one width with no loop: every load
 * before any store, two overlapping vectors at each end.  A template, as
 * vec-loop.h is: the including file defines VEC (16, 32 or 64) and is built
 * with that width's flags; the memory kernels (lib/mem/vec-loop.h) and the
 * exported functions' bodies (dispatch/entry-x86.h) both use it. */
#ifndef VEC
#error "define VEC before including vec-block.h"
#endif

#include <stddef.h>

#include "lib/mem/small.h"

#define VEC_T_(w) vmopt__v##w
#define VEC_T(w) VEC_T_(w)
#define VEC_U_(w) vmopt__v##w##u
#define VEC_U(w) VEC_U_(w)
typedef VEC_T(VEC) vec;
typedef VEC_U(VEC) vecu;

#define LOAD(p) (*(const vecu *)(p))
#define STORE(p, v) (*(vecu *)(p) = (v))

/* n <= 2 * VEC. */
static inline __attribute__((always_inline)) void move_le2(unsigned char *d, const unsigned char *s,
                                                          size_t n)
{
    if (n <= 16) {
        vmopt__move_le16(d, s, n);
        return;
    }
#if VEC >= 32
    if (n <= 32) {
        VMOPT__MOVE2(vmopt__v16u, d, s, n);
        return;
    }
#endif
#if VEC >= 64
    if (n <= 64) {
        VMOPT__MOVE2(vmopt__v32u, d, s, n);
        return;
    }
#endif
    VMOPT__MOVE2(vecu, d, s, n);
}

/* n <= VEC: set with the narrower registers, two stores each. */
static inline __attribute__((always_inline)) void set_le_vec(unsigned char *d, int c, size_t n)
{
    if (n <= 16) {
        vmopt__set_le16(d, c, n);
        return;
    }
#if VEC >= 32
    if (n <= 32) {
        VMOPT__SET2(vmopt__v16u, d, (vmopt__v16){0} + (unsigned char)c, n);
        return;
    }
#endif
#if VEC >= 64
    VMOPT__SET2(vmopt__v32u, d, (vmopt__v32){0} + (unsigned char)c, n);
#endif
}

/* 2 * VEC < n <= 8 * VEC: four or eight loads, then the stores. */
static inline __attribute__((always_inline)) void move_le8(unsigned char *d, const unsigned char *s,
                                                          size_t n)
{
    if (n <= 4 * VEC) {
        vec a = LOAD(s), b = LOAD(s + VEC), y = LOAD(s + n - 2 * VEC), z = LOAD(s + n - VEC);
        STORE(d, a);
        STORE(d + VEC, b);
        STORE(d + n - 2 * VEC, y);
        STORE(d + n - VEC, z);
        return;
    }
    const unsigned char *e = s + n - 4 * VEC;
    vec a0 = LOAD(s), a1 = LOAD(s + VEC), a2 = LOAD(s + 2 * VEC), a3 = LOAD(s + 3 * VEC);
    vec z0 = LOAD(e), z1 = LOAD(e + VEC), z2 = LOAD(e + 2 * VEC), z3 = LOAD(e + 3 * VEC);
    unsigned char *f = d + n - 4 * VEC;
    STORE(d, a0);
    STORE(d + VEC, a1);
    STORE(d + 2 * VEC, a2);
    STORE(d + 3 * VEC, a3);
    STORE(f, z0);
    STORE(f + VEC, z1);
    STORE(f + 2 * VEC, z2);
    STORE(f + 3 * VEC, z3);
}

/* 8 * VEC < n <= 16 * VEC: sixteen loads, then the stores (the avx2
 * entry's inline range; 16 registers, all of ymm0-15). */
static inline __attribute__((always_inline)) void move_le16(unsigned char *d, const unsigned char *s,
                                                           size_t n)
{
    const unsigned char *e = s + n - 8 * VEC;
    vec a[8], z[8];
    for (int i = 0; i < 8; i++)
        a[i] = LOAD(s + i * VEC);
    for (int i = 0; i < 8; i++)
        z[i] = LOAD(e + i * VEC);
    unsigned char *f = d + n - 8 * VEC;
    for (int i = 0; i < 8; i++)
        STORE(d + i * VEC, a[i]);
    for (int i = 0; i < 8; i++)
        STORE(f + i * VEC, z[i]);
}

/* 2 * VEC < n <= 8 * VEC, every byte v. */
static inline __attribute__((always_inline)) void set_le8(unsigned char *d, vec v, size_t n)
{
    VMOPT__SET2(vecu, d, v, 2 * VEC);
    VMOPT__SET2(vecu, d + n - 2 * VEC, v, 2 * VEC);
    if (n > 4 * VEC) {
        VMOPT__SET2(vecu, d + 2 * VEC, v, 2 * VEC);
        VMOPT__SET2(vecu, d + n - 4 * VEC, v, 2 * VEC);
    }
}

