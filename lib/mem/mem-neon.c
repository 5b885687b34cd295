/* 16-byte Advanced SIMD (NEON) kernels: the arm64 baseline, valid on every
 * AArch64 CPU (Advanced SIMD is part of ARMv8-A), and the table dispatch
 * starts with there.  The loop moves 64 bytes an iteration in two ldp/stp
 * pairs of q registers.  No streaming stores: AArch64's STNP is a hint that
 * ARM's own memcpy does not use, and nothing here has measured it.
 *
 * Zero fills past the plan's memcpy.zva_min clear whole blocks with DC ZVA
 * (lib/mem/zva-arm64.h), the unaligned head and tail with the vector stores. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

static void *zva_set(void *dst, int c, size_t n);

#define VEC 16
#define VEC_TABLE vmopt__mem_neon
#define VEC_SET_ZVA zva_set
#include "lib/mem/vec-loop.h"
#include "lib/mem/zva-arm64.h"
