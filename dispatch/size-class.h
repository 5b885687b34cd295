/* The size classes that copies and sets past the inline sizes are counted
 * in, while the retuner samples (dispatch/table.c counts, the retuner and
 * its decision read): class c holds sizes in [2^(c+7), 2^(c+8)), so 0 is
 * 128-255 B (smaller copies never reach the dispatch table), and the last
 * class everything from 2^(7+VMOPT__SIZE_CLASSES-1) up. */
#ifndef VMOPT_DISPATCH_SIZE_CLASS_H
#define VMOPT_DISPATCH_SIZE_CLASS_H

#include <stddef.h>

#define VMOPT__SIZE_CLASSES 24

static inline unsigned vmopt__size_class(size_t n)
{
    unsigned c = n < 256 ? 0 : (unsigned)(63 - __builtin_clzll(n)) - 7;
    return c < VMOPT__SIZE_CLASSES ? c : VMOPT__SIZE_CLASSES - 1;
}

/* The smallest size of class c. */
static inline size_t vmopt__size_class_min(unsigned c)
{
    return (size_t)128 << c;
}

#endif
