/* 32-byte AVX2 kernels.  Built with -mavx2 and only called when the probe
 * says the CPU and the OS support AVX2. */
#include "config.h"

#include <immintrin.h>

#define VEC 32
#define VEC_STREAM(p, v) _mm256_stream_si256((__m256i *)(p), (__m256i)(v))
#define VEC_STREAM_FENCE() __builtin_ia32_sfence()
#define VEC_TABLE vmopt__mem_avx2
#include "lib/mem/vec-loop.h"
