/* The avx2 kernel's entries, vmopt__avx2_move and vmopt__avx2_set: past
 * 256 B (8 vectors) their own loops (lib/mem/avx2-loop.h), below it a tail
 * jump to the C code of lib/mem/vec-loop.h (mem-avx2.c), which they leave
 * the sizes it inlines.
 *
 * Why asm: the same loops in C (vec-loop.h, 64-byte aligned stores, GCC
 * 12) ran 0.89-0.97x glibc 2.36's __memmove_avx_unaligned_erms at 513 B
 * to 2 KiB, and the loop alone, called past the C function's size tests,
 * 0.96-1.16x.  This shape, glibc's, ran 1.0-1.25x (AMD family 25 model 1,
 * a same-size loop through dlopen'ed copies, 31 interleaved rounds).  The
 * x86 front (dispatch/front-x86.S) expands the same loops inline. */
#include "config.h"
#include "lib/mem/avx2-loop.h"

#define FUNC(name)                                                                                 \
    .globl name;                                                                                   \
    .hidden name;                                                                                  \
    .type name, @function;                                                                         \
    .p2align 6;                                                                                    \
    name:

    .text

/* Every size; overlap in either direction, as memmove. */
FUNC(vmopt__avx2_move)
    cmpq $256, %rdx
    jbe vmopt__avx2_move_small
    movq %rdi, %rax
    AVX2_MOVE_GT256
    .size vmopt__avx2_move, . - vmopt__avx2_move

/* Every size. */
FUNC(vmopt__avx2_set)
    cmpq $256, %rdx
    jbe vmopt__avx2_set_small
    movq %rdi, %rax
    AVX2_SET_GT256
    .size vmopt__avx2_set, . - vmopt__avx2_set

    .section .note.GNU-stack, "", @progbits
