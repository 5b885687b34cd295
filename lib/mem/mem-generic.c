/* Plain C kernels: eight bytes at a time, with byte heads and tails.  Built
 * on every architecture; the fallback of a CPU the library knows nothing
 * of, and the oracle every other variant is tested against. */
#include "config.h"

#include <stdint.h>

#include "lib/mem/mem.h"
#include "lib/mem/small.h"

static void *generic_move(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if ((uintptr_t)d - (uintptr_t)s >= n) {
        /* d is below s or past its end: forward never overwrites a byte
         * before reading it. */
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(vmopt__u64u *)d = *(const vmopt__u64u *)s;
        for (; n; n--)
            *d++ = *s++;
    } else {
        for (; n >= 8; n -= 8)
            *(vmopt__u64u *)(d + n - 8) = *(const vmopt__u64u *)(s + n - 8);
        for (; n; n--)
            d[n - 1] = s[n - 1];
    }
    return dst;
}

static void *generic_set(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t w = vmopt__splat8(c);

    for (; n >= 8; n -= 8, d += 8)
        *(vmopt__u64u *)d = w;
    for (; n; n--)
        *d++ = (unsigned char)c;
    return dst;
}

const vmopt__mem_kernels vmopt__mem_generic = {
    .move = generic_move,
    .set = generic_set,
};
