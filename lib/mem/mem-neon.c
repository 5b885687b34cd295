/* 16-byte Advanced SIMD (NEON) kernels: the arm64 baseline, valid on every
 * AArch64 CPU (Advanced SIMD is part of ARMv8-A), and the table dispatch
 * starts with there.  The loop moves 64 bytes an iteration in two ldp/stp
 * pairs of q registers.  No streaming stores: AArch64's STNP is a hint that
 * ARM's own memcpy does not use, and nothing here has measured it. */
#include "config.h"

#define VEC 16
#define VEC_TABLE vmopt__mem_neon
#include "lib/mem/vec-loop.h"
