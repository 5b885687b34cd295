/* The exported functions' bodies with 32-byte AVX2 registers: built with
 * -mavx2, entered only when the live table's entry is avx2. */
#include "config.h"

#define VEC 32
#define ENTRY(f) vmopt__entry_avx2_##f
#include "dispatch/entry-x86.h"
