/* 32-byte AVX2 kernels.  Built with -mavx2 and only called when the probe
 * says the CPU and the OS support AVX2. */
#include "config.h"

#include <immintrin.h>

#define VEC 32
#define VEC_STREAM(p, v) _mm256_stream_si256((__m256i *)(p), (__m256i)(v))
#define VEC_STREAM_FENCE() __builtin_ia32_sfence()
#define VEC_TABLE vmopt__mem_avx2
/* The loops past 256 B are asm (lib/mem/mem-avx2-loop.S says why). */
#define VEC_ASM_MOVE vmopt__avx2_move
#define VEC_ASM_SET vmopt__avx2_set
#define VEC_ASM_MOVE_SMALL vmopt__avx2_move_small
#define VEC_ASM_SET_SMALL vmopt__avx2_set_small
#include "lib/mem/vec-loop.h"
