/* The embedding API: the dispatched primitives under vmopt_ names, usable
 * before and after vmopt_autotune() (before it, on the baseline table).
 * On x86-64 the exported functions are dispatch/front-x86.S, which falls
 * back to the C bodies here past its own sizes and off AVX-512. */
#include "config.h"

#include "dispatch/body.h"
#include "vmopt.h"

#ifdef __x86_64__
void *vmopt__front_move_c(void *dst, const void *src, size_t n)
{
    return vmopt__move_body(dst, src, n);
}

void *vmopt__front_set_c(void *dst, int c, size_t n)
{
    return vmopt__set_body(dst, c, n);
}
#else
VMOPT_EXTERN void *vmopt_memmove(void *dst, const void *src, size_t n)
{
    return vmopt__move_body(dst, src, n);
}

VMOPT_EXTERN void *vmopt_memcpy(void *dst, const void *src, size_t n)
{
    return vmopt__move_body(dst, src, n);
}

VMOPT_EXTERN void *vmopt_mempcpy(void *dst, const void *src, size_t n)
{
    return (unsigned char *)vmopt__move_body(dst, src, n) + n;
}

VMOPT_EXTERN void *vmopt_memset(void *dst, int c, size_t n)
{
    return vmopt__set_body(dst, c, n);
}
#endif
