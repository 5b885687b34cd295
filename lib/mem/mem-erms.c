/* rep movsb / rep stosb.  With ERMS (and FSRM for short strings) the
 * microcode moves whole cache lines and, past the L2, writes them without
 * reading them first, which a vector loop cannot ask for.  Only a forward
 * copy is fast: a move whose destination lies inside its source goes
 * backward with DF set, which is slow but correct; dispatch never sends
 * such a move here. */
#include "config.h"

#include <stdint.h>

#include "lib/mem/mem.h"

static void *erms_move(void *dst, const void *src, size_t n)
{
    void *d = dst;
    const void *s = src;

    if ((uintptr_t)dst - (uintptr_t)src < n && n) {
        d = (unsigned char *)dst + n - 1;
        s = (const unsigned char *)src + n - 1;
        __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    } else {
        __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    }
    return dst;
}

static void *erms_set(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

const vmopt__mem_kernels vmopt__mem_erms = {
    .move = erms_move,
    .set = erms_set,
};
