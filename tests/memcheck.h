/* Correctness sweeps for any memmove/memset pair: every size 0-1024, larger
 * sizes around powers of two and given thresholds, every alignment modulo
 * 64, buffers against PROT_NONE guard pages, overlap in both directions.
 * The expected bytes come from a byte loop written here, not from the
 * C library and not from the code under test. */
#ifndef VMOPT_MEMCHECK_H
#define VMOPT_MEMCHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/mem/mem.h"

typedef struct {
    const char *name;
    vmopt__move_fn move;
    vmopt__set_fn set;
    int move_overlaps; /* 0: only called with apart ranges */
} memcheck_fns;

/* Sizes above 1 KiB: around every power of two up to 8 MiB, and around the
 * thresholds given (0-terminated). */
#define MEMCHECK_MAX (8u << 20)

static unsigned char *mc_src, *mc_dst, *mc_ref;
static size_t mc_cap;
static int mc_failures;

#define MC_FAIL(...)                                                                               \
    do {                                                                                           \
        if (mc_failures++ < 10)                                                                    \
            fprintf(stderr, __VA_ARGS__);                                                          \
    } while (0)

static uint64_t mc_rng = 0x9e3779b97f4a7c15u;
static inline uint64_t mc_next(void)
{
    mc_rng ^= mc_rng << 13;
    mc_rng ^= mc_rng >> 7;
    mc_rng ^= mc_rng << 17;
    return mc_rng;
}

static void mc_fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(mc_next() >> 24);
}

static void mc_init(void)
{
    if (mc_src)
        return;
    mc_cap = MEMCHECK_MAX + 4096;
    mc_src = malloc(mc_cap);
    mc_dst = malloc(mc_cap);
    mc_ref = malloc(mc_cap);
    if (!mc_src || !mc_dst || !mc_ref)
        abort();
    mc_fill(mc_src, mc_cap);
}

static int mc_equal(const unsigned char *a, const unsigned char *b, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) {
            *at = i;
            return 0;
        }
    return 1;
}

/* Copies n bytes from src+sa to dst+da; checks the copy, the bytes around
 * it (64 each side, and the whole buffer is 0x5a elsewhere) and the return
 * value. */
static void mc_copy_one(const memcheck_fns *f, size_t n, size_t sa, size_t da)
{
    unsigned char *d = mc_dst + 64 + da;
    const unsigned char *s = mc_src + 64 + sa;
    size_t at;

    memset(d - 64, 0x5a, n + 128);
    void *r = f->move(d, s, n);
    if (r != d)
        MC_FAIL("%s: move(n=%zu, sa=%zu, da=%zu) returned %p, not dst %p\n", f->name, n, sa, da, r,
                (void *)d);
    if (!mc_equal(d, s, n, &at))
        MC_FAIL("%s: move(n=%zu, sa=%zu, da=%zu): byte %zu is %#x, want %#x\n", f->name, n, sa, da,
                at, d[at], s[at]);
    for (size_t i = 1; i <= 64; i++)
        if (d[-(ptrdiff_t)i] != 0x5a || d[n + i - 1] != 0x5a) {
            MC_FAIL("%s: move(n=%zu, sa=%zu, da=%zu) wrote outside [dst, dst+n)\n", f->name, n, sa, da);
            break;
        }
}

static void mc_set_one(const memcheck_fns *f, size_t n, size_t da, int c)
{
    unsigned char *d = mc_dst + 64 + da;
    unsigned char want = (unsigned char)c;

    memset(d - 64, want ^ 0xa5, n + 128);
    void *r = f->set(d, c, n);
    if (r != d)
        MC_FAIL("%s: set(n=%zu, da=%zu) returned %p, not dst\n", f->name, n, da, r);
    for (size_t i = 0; i < n; i++)
        if (d[i] != want) {
            MC_FAIL("%s: set(n=%zu, da=%zu, c=%#x): byte %zu is %#x\n", f->name, n, da, c, i, d[i]);
            break;
        }
    for (size_t i = 1; i <= 64; i++)
        if (d[-(ptrdiff_t)i] != (want ^ 0xa5) || d[n + i - 1] != (want ^ 0xa5)) {
            MC_FAIL("%s: set(n=%zu, da=%zu) wrote outside [dst, dst+n)\n", f->name, n, da);
            break;
        }
}

static size_t mc_large_sizes(size_t *out, const size_t *thresholds)
{
    size_t k = 0;
    for (size_t p = 2048; p <= MEMCHECK_MAX; p *= 2) {
        out[k++] = p - 1;
        out[k++] = p;
        if (p < MEMCHECK_MAX)
            out[k++] = p + 1;
    }
    for (; thresholds && *thresholds; thresholds++)
        if (*thresholds + 1 < MEMCHECK_MAX && *thresholds > 1) {
            out[k++] = *thresholds - 1;
            out[k++] = *thresholds;
            out[k++] = *thresholds + 1;
        }
    return k;
}

/* Every size 0-1024 at 64 alignment pairs, a full 64 x 64 alignment grid for
 * sizes at the edges of the kernels' steps, and the large sizes. */
static int memcheck_copy(const memcheck_fns *f, const size_t *thresholds)
{
    static const size_t edges[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
                                   255, 256, 257, 511, 512, 513, 1023, 1024};
    size_t large[80];

    mc_init();
    mc_failures = 0;
    for (size_t n = 0; n <= 1024; n++)
        for (size_t da = 0; da < 64; da++)
            mc_copy_one(f, n, (da * 7 + n) % 64, da);
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        for (size_t sa = 0; sa < 64; sa++)
            for (size_t da = 0; da < 64; da++)
                mc_copy_one(f, edges[i], sa, da);
    size_t k = mc_large_sizes(large, thresholds);
    for (size_t i = 0; i < k; i++) {
        static const size_t aligns[][2] = {{0, 0}, {1, 63}, {32, 5}};
        for (size_t j = 0; j < 3; j++)
            mc_copy_one(f, large[i], aligns[j][0], aligns[j][1]);
    }
    return mc_failures;
}

static int memcheck_set(const memcheck_fns *f, const size_t *thresholds)
{
    size_t large[80];

    mc_init();
    mc_failures = 0;
    for (size_t n = 0; n <= 1024; n++)
        for (size_t da = 0; da < 64; da++)
            mc_set_one(f, n, da, (int)(n * 31 + da));
    /* Only the low byte of c counts. */
    mc_set_one(f, 100, 3, 0x1ff);
    mc_set_one(f, 100, 3, -1);
    size_t k = mc_large_sizes(large, thresholds);
    for (size_t i = 0; i < k; i++) {
        mc_set_one(f, large[i], 0, 0);
        mc_set_one(f, large[i], 13, 0xc3);
    }
    return mc_failures;
}

/* One region of len bytes; src and dst are at offsets so and dso inside it.
 * The expected result is computed with a byte loop through a copy. */
static void mc_overlap_one(const memcheck_fns *f, size_t n, size_t so, size_t dso, size_t len)
{
    unsigned char *base = mc_dst + 64;
    size_t at;

    memcpy(base, mc_src, len);
    memcpy(mc_ref, mc_src, len);
    for (size_t i = 0; i < n; i++)
        mc_ref[dso + i] = mc_src[so + i];
    void *r = f->move(base + dso, base + so, n);
    if (r != base + dso)
        MC_FAIL("%s: overlapping move returned the wrong pointer\n", f->name);
    if (!mc_equal(base, mc_ref, len, &at))
        MC_FAIL("%s: move(n=%zu) from +%zu to +%zu (distance %+ld): byte %zu is %#x, want %#x\n",
                f->name, n, so, dso, (long)dso - (long)so, at, base[at], mc_ref[at]);
}

/* Both directions at every distance below 300 and at a few large ones, for
 * sizes on both sides of each kernel step. */
static int memcheck_overlap(const memcheck_fns *f)
{
    static const size_t sizes[] = {1,   2,   15,  16,  17,  33,  64,  65,   100,  128,  129,  200,
                                   256, 257, 300, 511, 512, 513, 600, 1000, 2049, 4097, 65537};
    static const size_t far[] = {500, 1024, 4095, 4096, 40000};

    mc_init();
    mc_failures = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        for (size_t dist = 1; dist < 300 + sizeof far / sizeof far[0]; dist++) {
            size_t d = dist < 300 ? dist : far[dist - 300];
            if (d >= n)
                continue;
            size_t pad = (dist * 13) % 64; /* varies the alignment */
            size_t len = n + d + 2 * pad + 64;
            mc_overlap_one(f, n, pad, pad + d, len); /* dst above src: backward */
            mc_overlap_one(f, n, pad + d, pad, len); /* dst below src: forward */
        }
    }
    return mc_failures;
}

/* Buffers whose first byte follows a PROT_NONE page and whose last byte
 * precedes one: a kernel that reads or writes one byte too far faults. */
static int memcheck_guard(const memcheck_fns *f)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t span = 3u << 20; /* room for 1 MiB each way */
    unsigned char *m = mmap(NULL, span + 2 * (size_t)page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        abort();
    if (mprotect(m, (size_t)page, PROT_NONE) != 0 ||
        mprotect(m + page + span, (size_t)page, PROT_NONE) != 0)
        abort();
    unsigned char *lo = m + page, *hi = m + page + span;
    static const size_t big[] = {4095, 4096, 65537, 1u << 20};

    mc_init();
    mc_failures = 0;
    mc_fill(lo, span);
    for (size_t i = 0; i < 1024 + sizeof big / sizeof big[0]; i++) {
        size_t n = i <= 1024 ? i : big[i - 1025];
        size_t at;
        /* Source at the low guard, destination ending at the high guard. */
        if (f->move(hi - n, lo, n) != hi - n || !mc_equal(hi - n, lo, n, &at))
            MC_FAIL("%s: guarded move(n=%zu) up\n", f->name, n);
        /* Source ending at the high guard, destination at the low guard. */
        if (f->move(lo, hi - n, n) != lo || !mc_equal(lo, hi - n, n, &at))
            MC_FAIL("%s: guarded move(n=%zu) down\n", f->name, n);
        if (f->set) {
            f->set(lo, 0x11, n);
            f->set(hi - n, 0x22, n);
            if (n && (lo[0] != 0x11 || lo[n - 1] != 0x11 || hi[-1] != 0x22 || hi[-(ptrdiff_t)n] != 0x22))
                MC_FAIL("%s: guarded set(n=%zu)\n", f->name, n);
        }
        mc_fill(lo, n + 64);
    }
    munmap(m, span + 2 * (size_t)page);
    return mc_failures;
}

#endif
