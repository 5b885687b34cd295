/* The vector kernels, written once for a vector width and included by
 * mem-sse2.c, mem-avx2.c, mem-avx512.c (x86-64) and mem-neon.c (arm64),
 * each compiled with its own flags (as glibc's memmove-vec-unaligned-erms.S
 * is included once per width).  The vectors are GCC's generic ones, so the
 * same loop is SSE, VEX, EVEX or NEON code; on arm64 GCC pairs the moves
 * into ldp/stp of q registers, a 64-byte loop of two pairs, as ARM's
 * optimized-routines memcpy has.  The including file defines:
 *   VEC          the vector width in bytes: 16, 32 or 64
 *   VEC_STREAM   optional: VEC_STREAM(p, v), a non-temporal store of v at
 *                aligned p, and VEC_STREAM_FENCE() after a run of them;
 *                without it the table has no non-temporal functions
 *   VEC_TABLE    the name of the table to define (its name and what it
 *                requires are the registry's, lib/mem/registry.c)
 *   VEC_SET_ZVA  optional: the table's DC ZVA zero fill (arm64)
 *   VEC_SMALL_MAX(), VEC_MOVE_SMALL(d, s, n), VEC_SET_SMALL(d, c, n)
 *                optional: sizes up to VEC_SMALL_MAX() (at least 2 * VEC)
 *                done by these instead of the overlapping vector moves,
 *                as the SVE kernels' predicated pairs do
 *   VEC_ASM_MOVE, VEC_ASM_SET, VEC_ASM_MOVE_SMALL, VEC_ASM_SET_SMALL
 *                optional: the table's move and set are the asm entries
 *                VEC_ASM_MOVE and VEC_ASM_SET, which loop past 8 * VEC
 *                themselves and tail-call this file's vec_move and vec_set,
 *                exported under the other two names, below it (avx2's,
 *                lib/mem/mem-avx2-loop.S)
 * Everything here is static; the file exports only its table.
 *
 * The shape follows glibc's: up to 8 vectors with overlapping loads and
 * stores and no loop; above that, the first vector and the last four are
 * loaded before anything is stored, the destination is aligned, and the loop
 * moves four vectors per iteration in the safe direction, so one function
 * is memcpy and memmove at once. */
#ifndef VEC
#error "define VEC before including vec-loop.h"
#endif

#include <stdint.h>

#include "lib/mem/mem.h"
#include "lib/mem/small.h"

#include "lib/mem/vec-block.h"

#define STORE_ALIGNED(p, v) (*(vec *)(p) = (v))
#ifndef VEC_STREAM
/* No streaming stores: `stream` is always 0, and these are never reached. */
#define VEC_STREAM(p, v) STORE_ALIGNED(p, v)
#define VEC_STREAM_FENCE() ((void)0)
#define VEC_NO_STREAM 1
#endif


/* The loops align their stores to whole cache lines (or to one vector, if
 * wider): four 32-byte stores aligned to 32 alone touch three lines one
 * iteration in two.  glibc's memset aligns to 2 x VEC for the same reason.
 * HEAD vectors at the start (or the end) cover the bytes before it. */
#define LOOP_ALIGN (VEC > 64 ? VEC : 64)
#define HEAD (LOOP_ALIGN / VEC)

/* Forward, n > 8 * VEC; safe when d <= s or the ranges do not overlap.
 * With stream set, the loop's stores bypass the cache. */
static inline __attribute__((always_inline)) void move_forward(unsigned char *d,
                                                              const unsigned char *s, size_t n,
                                                              int stream)
{
    vec head[HEAD];
    for (int i = 0; i < HEAD; i++)
        head[i] = LOAD(s + i * VEC);
    vec t1 = LOAD(s + n - VEC), t2 = LOAD(s + n - 2 * VEC), t3 = LOAD(s + n - 3 * VEC),
        t4 = LOAD(s + n - 4 * VEC);
    unsigned char *end = d + n;
    size_t skew = LOOP_ALIGN - ((uintptr_t)d & (LOOP_ALIGN - 1));
    unsigned char *p = d + skew;
    const unsigned char *q = s + skew;
    unsigned char *stop = end - 4 * VEC;
    while (p < stop) {
        vec x0 = LOAD(q), x1 = LOAD(q + VEC), x2 = LOAD(q + 2 * VEC), x3 = LOAD(q + 3 * VEC);
        if (stream) {
            VEC_STREAM(p, x0);
            VEC_STREAM(p + VEC, x1);
            VEC_STREAM(p + 2 * VEC, x2);
            VEC_STREAM(p + 3 * VEC, x3);
        } else {
            STORE_ALIGNED(p, x0);
            STORE_ALIGNED(p + VEC, x1);
            STORE_ALIGNED(p + 2 * VEC, x2);
            STORE_ALIGNED(p + 3 * VEC, x3);
        }
        p += 4 * VEC;
        q += 4 * VEC;
    }
    if (stream)
        VEC_STREAM_FENCE();
    STORE(end - VEC, t1);
    STORE(end - 2 * VEC, t2);
    STORE(end - 3 * VEC, t3);
    STORE(end - 4 * VEC, t4);
    for (int i = 0; i < HEAD; i++)
        STORE(d + i * VEC, head[i]);
}

/* Backward, n > 8 * VEC; safe when d >= s or the ranges do not overlap. */
static inline __attribute__((always_inline)) void move_backward(unsigned char *d,
                                                               const unsigned char *s, size_t n)
{
    vec tail[HEAD];
    for (int i = 0; i < HEAD; i++)
        tail[i] = LOAD(s + n - (i + 1) * VEC);
    vec h0 = LOAD(s), h1 = LOAD(s + VEC), h2 = LOAD(s + 2 * VEC), h3 = LOAD(s + 3 * VEC);
    unsigned char *end = d + n;
    size_t skew = (uintptr_t)end & (LOOP_ALIGN - 1);
    unsigned char *p = end - skew;
    const unsigned char *q = s + n - skew;
    unsigned char *stop = d + 4 * VEC;
    while (p > stop) {
        vec x3 = LOAD(q - VEC), x2 = LOAD(q - 2 * VEC), x1 = LOAD(q - 3 * VEC), x0 = LOAD(q - 4 * VEC);
        STORE_ALIGNED(p - VEC, x3);
        STORE_ALIGNED(p - 2 * VEC, x2);
        STORE_ALIGNED(p - 3 * VEC, x1);
        STORE_ALIGNED(p - 4 * VEC, x0);
        p -= 4 * VEC;
        q -= 4 * VEC;
    }
    STORE(d, h0);
    STORE(d + VEC, h1);
    STORE(d + 2 * VEC, h2);
    STORE(d + 3 * VEC, h3);
    for (int i = 0; i < HEAD; i++)
        STORE(end - (i + 1) * VEC, tail[i]);
}

#ifdef VEC_ASM_MOVE
#define vec_move VEC_ASM_MOVE_SMALL
#define vec_set VEC_ASM_SET_SMALL
#define VEC_LINKAGE
void *VEC_ASM_MOVE(void *dst, const void *src, size_t n);
void *VEC_ASM_SET(void *dst, int c, size_t n);
void *vec_move(void *dst, const void *src, size_t n);
void *vec_set(void *dst, int c, size_t n);
#else
#define VEC_ASM_MOVE vec_move
#define VEC_ASM_SET vec_set
#define VEC_LINKAGE static
#endif

VEC_LINKAGE void *vec_move(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

#ifdef VEC_MOVE_SMALL
    if (n <= VEC_SMALL_MAX()) {
        VEC_MOVE_SMALL(d, s, n);
        return dst;
    }
#endif
    if (n <= 2 * VEC)
        move_le2(d, s, n);
    else if (n <= 8 * VEC)
        move_le8(d, s, n);
    else if ((uintptr_t)d - (uintptr_t)s < n)
        move_backward(d, s, n); /* d lies inside [s, s+n): a forward loop would clobber s */
    else
        move_forward(d, s, n, 0);
    return dst;
}

#ifndef VEC_NO_STREAM
static void *vec_move_nt(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    /* Streaming only pays for whole lines, and only when the ranges are
     * apart: the stores are weakly ordered against the loads. */
    if (n <= 8 * VEC || (uintptr_t)d - (uintptr_t)s < n || (uintptr_t)s - (uintptr_t)d < n)
        return VEC_ASM_MOVE(dst, src, n);
    move_forward(d, s, n, 1);
    return dst;
}
#endif

/* n > 8 * VEC, as glibc's memset: four vectors at each end, and between
 * them a loop of four line-aligned stores, each line written once. */
static inline __attribute__((always_inline)) void set_large(unsigned char *d, vec v, size_t n,
                                                           int stream)
{
    unsigned char *end = d + n;
    STORE(d, v);
    STORE(d + VEC, v);
    STORE(d + 2 * VEC, v);
    STORE(d + 3 * VEC, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 4 * VEC) & ~(uintptr_t)(LOOP_ALIGN - 1));
    unsigned char *stop = end - 4 * VEC;
    while (p < stop) {
        if (stream) {
            VEC_STREAM(p, v);
            VEC_STREAM(p + VEC, v);
            VEC_STREAM(p + 2 * VEC, v);
            VEC_STREAM(p + 3 * VEC, v);
        } else {
            STORE_ALIGNED(p, v);
            STORE_ALIGNED(p + VEC, v);
            STORE_ALIGNED(p + 2 * VEC, v);
            STORE_ALIGNED(p + 3 * VEC, v);
        }
        p += 4 * VEC;
    }
    if (stream)
        VEC_STREAM_FENCE();
    STORE(stop, v);
    STORE(stop + VEC, v);
    STORE(stop + 2 * VEC, v);
    STORE(stop + 3 * VEC, v);
}

static inline __attribute__((always_inline)) void *vec_set_any(void *dst, int c, size_t n, int stream)
{
    unsigned char *d = dst;

#ifdef VEC_SET_SMALL
    if (n <= VEC_SMALL_MAX()) {
        VEC_SET_SMALL(d, c, n);
        return dst;
    }
#endif
    if (n <= VEC) {
        set_le_vec(d, c, n);
        return dst;
    }
    vec v = (vec){0} + (unsigned char)c;
    if (n <= 2 * VEC) {
        VMOPT__SET2(vecu, d, v, n);
    } else if (n <= 8 * VEC) {
        set_le8(d, v, n);
    } else {
        set_large(d, v, n, stream);
    }
    return dst;
}

VEC_LINKAGE void *vec_set(void *dst, int c, size_t n)
{
    return vec_set_any(dst, c, n, 0);
}

#ifndef VEC_NO_STREAM
static void *vec_set_nt(void *dst, int c, size_t n)
{
    return vec_set_any(dst, c, n, 1);
}
#endif

const vmopt__mem_kernels VEC_TABLE = {
    .move = VEC_ASM_MOVE,
    .set = VEC_ASM_SET,
#ifndef VEC_NO_STREAM
    .move_nt = vec_move_nt,
    .set_nt = vec_set_nt,
#endif
#ifdef VEC_SET_ZVA
    .set_zva = VEC_SET_ZVA,
#endif
};
