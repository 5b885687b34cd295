/* The exported functions' bodies with 64-byte AVX-512 registers and byte
 * masks (AVX512BW): built with -mavx512f -mavx512bw -mavx512vl, entered
 * only when the live table's entry is avx512. */
#include "config.h"

#define VEC 64
#define ENTRY(f) vmopt__entry_avx512_##f
#include "dispatch/entry-x86.h"
