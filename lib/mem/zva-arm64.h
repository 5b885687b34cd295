/* Zero fills with DC ZVA, for the arm64 kernels (mem-neon.c, mem-sve.c):
 * included after vec-loop.h, whose vec_set does the unaligned head and
 * tail.  The including file declares `static void *zva_set(void *, int,
 * size_t)` and names it VEC_SET_ZVA before including vec-loop.h.
 *
 * DC ZVA clears one block (DCZID_EL0: 4 << BS bytes) and allocates the line
 * zeroed, with no read for ownership.  Any byte but 0, or DC ZVA
 * prohibited (DZP), takes the vector path. */
static void *zva_set(void *dst, int c, size_t n)
{
    uint64_t dczid;
    __asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
    /* DZP set: the kernel or hypervisor prohibits DC ZVA. */
    if ((unsigned char)c != 0 || (dczid & 0x10))
        return vec_set(dst, c, n);
    size_t block = (size_t)4 << (dczid & 0xf);
    if (n < 2 * block)
        return vec_set(dst, 0, n);
    unsigned char *p = dst, *end = p + n;
    unsigned char *first = (unsigned char *)(((uintptr_t)p + block - 1) & ~(uintptr_t)(block - 1));
    unsigned char *last = (unsigned char *)((uintptr_t)end & ~(uintptr_t)(block - 1));
    vec_set(p, 0, (size_t)(first - p));
    for (unsigned char *b = first; b < last; b += block)
        __asm__ volatile("dc zva, %0" : : "r"(b) : "memory");
    vec_set(last, 0, (size_t)(end - last));
    return dst;
}
