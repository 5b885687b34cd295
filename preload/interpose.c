/* The symbols the preload library puts in front of the C library's.  They
 * run from the first call any object makes, before any constructor: the
 * live table starts as constant data (the baseline) and is only ever
 * replaced whole.  Nothing here takes a lock, allocates, makes a system call
 * or touches errno, so each is safe in a signal handler and after fork. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "dispatch/body.h"

#define INTERPOSE __attribute__((visibility("default")))

/* glibc declares these only for its own use. */
void *__mempcpy(void *restrict dst, const void *restrict src, size_t n);
void *__memcpy_chk(void *restrict dst, const void *restrict src, size_t n, size_t dstlen);
void *__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen);
void *__mempcpy_chk(void *restrict dst, const void *restrict src, size_t n, size_t dstlen);
void *__memset_chk(void *dst, int c, size_t n, size_t dstlen);

/* glibc's: prints "*** buffer overflow detected ***" and aborts. */
extern void __chk_fail(void) __attribute__((noreturn));

#ifndef __x86_64__ /* x86-64: dispatch/front-x86.S, assembled with VMOPT_FRONT_PRELOAD */
INTERPOSE void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    return vmopt__move_body(dst, src, n);
}

INTERPOSE void *memmove(void *dst, const void *src, size_t n)
{
    return vmopt__move_body(dst, src, n);
}

INTERPOSE void *mempcpy(void *restrict dst, const void *restrict src, size_t n)
{
    return (unsigned char *)vmopt__move_body(dst, src, n) + n;
}

/* Older binaries call glibc's internal name. */
INTERPOSE void *__mempcpy(void *restrict dst, const void *restrict src, size_t n)
{
    return (unsigned char *)vmopt__move_body(dst, src, n) + n;
}

INTERPOSE void *memset(void *dst, int c, size_t n)
{
    return vmopt__set_body(dst, c, n);
}

/* The fortified entry points (_FORTIFY_SOURCE) pass the destination's size
 * as the compiler knows it; overflowing it aborts, as in glibc. */
INTERPOSE void *__memcpy_chk(void *restrict dst, const void *restrict src, size_t n, size_t dstlen)
{
    if (__builtin_expect(dstlen < n, 0))
        __chk_fail();
    return vmopt__move_body(dst, src, n);
}

INTERPOSE void *__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
    if (__builtin_expect(dstlen < n, 0))
        __chk_fail();
    return vmopt__move_body(dst, src, n);
}

INTERPOSE void *__mempcpy_chk(void *restrict dst, const void *restrict src, size_t n, size_t dstlen)
{
    if (__builtin_expect(dstlen < n, 0))
        __chk_fail();
    return (unsigned char *)vmopt__move_body(dst, src, n) + n;
}

INTERPOSE void *__memset_chk(void *dst, int c, size_t n, size_t dstlen)
{
    if (__builtin_expect(dstlen < n, 0))
        __chk_fail();
    return vmopt__set_body(dst, c, n);
}
#endif
