/* 64-byte AVX-512 kernels.  Built with -mavx512f -mavx512bw (the byte
 * broadcast of memset needs BW) and only called when the probe says the CPU
 * and the OS support both. */
#include "config.h"

#include <immintrin.h>

#define VEC 64
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (__m512i)(v))
#define VEC_STREAM_FENCE() __builtin_ia32_sfence()
#define VEC_TABLE vmopt__mem_avx512
#include "lib/mem/vec-loop.h"
