/* SVE kernels: the NEON kernels' 64-byte ldp/stp loop and DC ZVA zero
 * fills, with sizes up to two SVE vectors done by one predicated pair
 * (lib/mem/sve-pair.h) instead of the ladder of 16-byte moves.  Built with
 * SVE enabled; the registry lets them run only where the CPU has SVE.
 * Vector-length agnostic: the same code at 128 to 2048 bits. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "lib/mem/sve-pair.h"

static void *zva_set(void *dst, int c, size_t n);

#define VEC 16
#define VEC_TABLE vmopt__mem_sve
#define VEC_SET_ZVA zva_set
#define VEC_SMALL_MAX() vmopt__sve_pair_bytes()
#define VEC_MOVE_SMALL vmopt__sve_move_pair
#define VEC_SET_SMALL vmopt__sve_set_pair
#include "lib/mem/vec-loop.h"
#include "lib/mem/zva-arm64.h"
