/* 16-byte SSE2 kernels: the x86-64 baseline, valid on every x86-64 CPU, and
 * the table dispatch starts with. */
#include "config.h"

#include <emmintrin.h>

#define VEC 16
#define VEC_STREAM(p, v) _mm_stream_si128((__m128i *)(p), (__m128i)(v))
#define VEC_STREAM_FENCE() __builtin_ia32_sfence()
#define VEC_TABLE vmopt__mem_sse2
#include "lib/mem/vec-loop.h"
