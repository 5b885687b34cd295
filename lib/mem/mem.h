/* Memory kernels: memmove and memset in one variant per ISA, each file
 * built with its own compiler flags and exporting one table.  A kernel knows
 * nothing of plans or thresholds; dispatch/ composes kernels by size. */
#ifndef VMOPT_MEM_H
#define VMOPT_MEM_H

#include <stddef.h>
#include <stdint.h>

typedef void *(*vmopt__move_fn)(void *dst, const void *src, size_t n);
typedef void *(*vmopt__set_fn)(void *dst, int c, size_t n);

/* Every function handles every size and alignment; every move function
 * handles overlap in both directions, as memmove does, and returns dst. */
/* What each variant needs and what it is called are the registry's
 * (lib/mem/registry.h); a kernel file exports its functions only. */
typedef struct {
    vmopt__move_fn move;
    vmopt__set_fn set;
    /* Non-temporal stores for data that will not be read again soon; NULL
     * when the variant has none.  An overlapping move falls back to the
     * cached loop, since streaming stores are only ordered by a fence. */
    vmopt__move_fn move_nt;
    vmopt__set_fn set_nt;
    /* A memset that clears whole blocks with DC ZVA when c is 0 (arm64;
     * any other c, or DC ZVA prohibited, takes set's path); NULL elsewhere. */
    vmopt__set_fn set_zva;
} vmopt__mem_kernels;

extern const vmopt__mem_kernels vmopt__mem_generic;
#ifdef __x86_64__
extern const vmopt__mem_kernels vmopt__mem_sse2;
extern const vmopt__mem_kernels vmopt__mem_avx2;
extern const vmopt__mem_kernels vmopt__mem_avx512;
extern const vmopt__mem_kernels vmopt__mem_erms;
#endif
#ifdef __aarch64__
extern const vmopt__mem_kernels vmopt__mem_neon;
extern const vmopt__mem_kernels vmopt__mem_sve;
#endif

#endif
