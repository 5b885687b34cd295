/* The exported functions' bodies for one x86 vector width, included by
 * dispatch/entry-avx2.c and dispatch/entry-avx512.c, each compiled with its
 * own -m flags.  The including file defines VEC (32 or 64) and ENTRY(name),
 * which names its functions.
 *
 * Sizes up to two vectors are copied before the table is read: at 64 bytes,
 * a masked load and store below one vector (no branch ladder: a size
 * mispredicted among 0-63 costs nothing here), two overlapping vectors up
 * to 128 B; at 32 bytes, the scalar ladder to 16 B, then two overlapping
 * 16- or 32-byte moves.  Up to the table's inline_max (at most eight
 * vectors) every load comes before any store, with no loop and no call;
 * past it the table's kernels take over, as in the baseline body. */
#ifndef VEC
#error "define VEC before including entry-x86.h"
#endif

#include <immintrin.h>

#include "dispatch/body.h"
#include "dispatch/entry.h"
#include "lib/mem/vec-block.h"

#if VEC == 64
/* n < 64: one masked load and store.  Masked-off bytes are neither read nor
 * written and do not fault, but a masked access that must suppress a fault
 * costs a microcode assist, so one whose vector would cross into the next
 * page takes the ladder instead, as glibc's memset does.  Written in asm on
 * zmm16, which the EVEX encoding reaches and VEX code never sees dirty: no
 * vzeroupper on the way out (0.3 ns a call on Zen 4, family 25 model 17). */
static inline __attribute__((always_inline)) int crosses_page(const void *p)
{
    return ((uintptr_t)p & 4095) > 4096 - 64;
}

static inline __attribute__((always_inline)) void small_move(unsigned char *d, const unsigned char *s, size_t n)
{
    if (__builtin_expect(crosses_page(d) | crosses_page(s), 0)) {
        if (n <= 16)
            vmopt__move_le16(d, s, n);
        else if (n <= 32)
            VMOPT__MOVE2(vmopt__v16u, d, s, n);
        else
            VMOPT__MOVE2(vmopt__v32u, d, s, n);
        return;
    }
    __asm__("bzhiq %2, %3, %%rcx\n\t"
            "kmovq %%rcx, %%k1\n\t"
            "vmovdqu8 (%1), %%zmm16%{%%k1%}%{z%}\n\t"
            "vmovdqu8 %%zmm16, (%0)%{%%k1%}"
            :
            : "r"(d), "r"(s), "r"(n), "r"(~(uint64_t)0)
            : "rcx", "k1", "xmm16", "memory");
}

static inline __attribute__((always_inline)) void small_set(unsigned char *d, int c, size_t n)
{
    if (__builtin_expect(crosses_page(d), 0)) {
        if (n <= 16)
            vmopt__set_le16(d, c, n);
        else if (n <= 32)
            VMOPT__SET2(vmopt__v16u, d, (vmopt__v16){0} + (unsigned char)c, n);
        else
            VMOPT__SET2(vmopt__v32u, d, (vmopt__v32){0} + (unsigned char)c, n);
        return;
    }
    __asm__("vpbroadcastb %k1, %%zmm16\n\t"
            "bzhiq %2, %3, %%rcx\n\t"
            "kmovq %%rcx, %%k1\n\t"
            "vmovdqu8 %%zmm16, (%0)%{%%k1%}"
            :
            : "r"(d), "r"(c), "r"(n), "r"(~(uint64_t)0)
            : "rcx", "k1", "xmm16", "memory");
}
#endif

static inline __attribute__((always_inline)) void *entry_move(void *dst, const void *src, size_t n,
                                                              const vmopt__mem_table *t)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
#if VEC == 64
    if (VMOPT__LIKELY(n < 64)) {
        small_move(d, s, n);
        return dst;
    }
#else
    if (VMOPT__LIKELY(n <= 16)) {
        vmopt__move_le16(d, s, n);
        return dst;
    }
    if (n <= 32) {
        VMOPT__MOVE2(vmopt__v16u, d, s, n);
        return dst;
    }
#endif
    if (n <= 2 * VEC) {
        VMOPT__MOVE2(vecu, d, s, n);
        return dst;
    }
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max)) {
        move_le8(d, s, n);
        return dst;
    }
    return vmopt__move_past_inline(t, dst, src, n);
}

static inline __attribute__((always_inline)) void *entry_set(void *dst, int c, size_t n,
                                                             const vmopt__mem_table *t)
{
    unsigned char *d = dst;
#if VEC == 64
    if (VMOPT__LIKELY(n < 64)) {
        small_set(d, c, n);
        return dst;
    }
#else
    if (VMOPT__LIKELY(n <= 16)) {
        vmopt__set_le16(d, c, n);
        return dst;
    }
    if (n <= 32) {
        VMOPT__SET2(vmopt__v16u, d, (vmopt__v16){0} + (unsigned char)c, n);
        return dst;
    }
#endif
    vec v = (vec){0} + (unsigned char)c;
    if (n <= 2 * VEC) {
        VMOPT__SET2(vecu, d, v, n);
        return dst;
    }
    if (!t)
        t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (VMOPT__LIKELY(n <= t->inline_max)) {
        set_le8(d, v, n);
        return dst;
    }
    return vmopt__set_past_inline(t, dst, c, n);
}

void *ENTRY(move)(void *dst, const void *src, size_t n)
{
    return entry_move(dst, src, n, NULL);
}

void *ENTRY(set)(void *dst, int c, size_t n)
{
    return entry_set(dst, c, n, NULL);
}

void *ENTRY(move_with)(void *dst, const void *src, size_t n, const vmopt__mem_table *t)
{
    return entry_move(dst, src, n, t);
}

void *ENTRY(set_with)(void *dst, int c, size_t n, const vmopt__mem_table *t)
{
    return entry_set(dst, c, n, t);
}
