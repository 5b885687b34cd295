/* The avx2 kernel's entries, vmopt__avx2_move and vmopt__avx2_set: past
 * 256 B (8 vectors) their own loops, below it a tail jump to the C code of
 * lib/mem/vec-loop.h (mem-avx2.c), which they leave the sizes it inlines.
 *
 * Why asm: the same loops in C (vec-loop.h, 64-byte aligned stores, GCC
 * 12) ran 0.89-0.97x glibc 2.36's __memmove_avx_unaligned_erms at 513 B
 * to 2 KiB, and the loop alone, called past the C function's size tests,
 * 0.96-1.16x.  This shape, glibc's, ran 1.0-1.25x (AMD family 25 model 1,
 * a same-size loop through dlopen'ed copies, 31 interleaved rounds).  It
 * is also how the front (dispatch/front-x86.S) reaches the loop: one
 * compare, not taken.
 *
 * The loops store to 32-byte aligned addresses, not to whole lines: on the
 * same machine 64-byte alignment was no faster for copies at any
 * destination offset (0, 3, 32 mod 64) and 0.87-0.96x at 1-2 KiB memsets
 * 32 bytes past a line. */
#include "config.h"

#define FUNC(name)                                                                                 \
    .globl name;                                                                                   \
    .hidden name;                                                                                  \
    .type name, @function;                                                                         \
    .p2align 6;                                                                                    \
    name:

/* Four 32-byte stores of r0-r3 (one register four times for a memset)
 * at base, base + 32, + 64, + 96, in that order. */
.macro STORE4 insn, base, r0, r1, r2, r3
    \insn \r0, (\base)
    \insn \r1, 32(\base)
    \insn \r2, 64(\base)
    \insn \r3, 96(\base)
.endm

    .text

/* Every size; overlap in either direction, as memmove.  Past 256 B: the
 * first vector and the last four (forward) or the first four and the last
 * one (backward) are loaded before any store, and the loop between them
 * moves four vectors at a time, away from the bytes it has yet to read. */
FUNC(vmopt__avx2_move)
    cmpq $256, %rdx
    jbe vmopt__avx2_move_small
    movq %rdi, %rax
    movq %rdi, %rcx
    subq %rsi, %rcx
    vmovdqu (%rsi), %ymm0
    cmpq %rdx, %rcx
    jb 5f /* the destination starts inside the source: backward */
    vmovdqu -32(%rsi, %rdx), %ymm5
    vmovdqu -64(%rsi, %rdx), %ymm6
    vmovdqu -96(%rsi, %rdx), %ymm7
    vmovdqu -128(%rsi, %rdx), %ymm8
    /* %rdx: the last four vectors' start; %rdi: the first aligned vector
     * past dst; %rsi: its source. */
    leaq -128(%rdi, %rdx), %rdx
    orq $31, %rdi
    incq %rdi
    subq %rax, %rsi
    addq %rdi, %rsi
    .p2align 4
1:  vmovdqu (%rsi), %ymm1
    vmovdqu 32(%rsi), %ymm2
    vmovdqu 64(%rsi), %ymm3
    vmovdqu 96(%rsi), %ymm4
    subq $-128, %rsi
    STORE4 vmovdqa, %rdi, %ymm1, %ymm2, %ymm3, %ymm4
    subq $-128, %rdi
    cmpq %rdi, %rdx
    ja 1b
    vmovdqu %ymm5, 96(%rdx)
    vmovdqu %ymm6, 64(%rdx)
    vmovdqu %ymm7, 32(%rdx)
    vmovdqu %ymm8, (%rdx)
    vmovdqu %ymm0, (%rax)
    vzeroupper
    ret
    /* Backward; dst == src moves nothing. */
    .p2align 4
5:  testq %rcx, %rcx
    jz 9f
    vmovdqu 32(%rsi), %ymm5
    vmovdqu 64(%rsi), %ymm6
    vmovdqu 96(%rsi), %ymm7
    vmovdqu -32(%rsi, %rdx), %ymm8
    /* %r8: the aligned start of the highest four vectors below the last
     * one; %rsi: its source.  Two pointers, not an index: the indexed
     * loads ran 0.95-0.98x glibc at 16-256 KiB, these 1.0-1.07x (Zen 3,
     * overlapping by 72 B, same-size loop). */
    leaq -129(%rdi, %rdx), %r8
    andq $-32, %r8
    subq %rdi, %rsi
    addq %r8, %rsi
    .p2align 4
2:  vmovdqu 96(%rsi), %ymm1
    vmovdqu 64(%rsi), %ymm2
    vmovdqu 32(%rsi), %ymm3
    vmovdqu (%rsi), %ymm4
    addq $-128, %rsi
    vmovdqa %ymm1, 96(%r8)
    vmovdqa %ymm2, 64(%r8)
    vmovdqa %ymm3, 32(%r8)
    vmovdqa %ymm4, (%r8)
    addq $-128, %r8
    cmpq %r8, %rdi
    jb 2b
    STORE4 vmovdqu, %rdi, %ymm0, %ymm5, %ymm6, %ymm7
    vmovdqu %ymm8, -32(%rdi, %rdx)
9:  vzeroupper
    ret
    .size vmopt__avx2_move, . - vmopt__avx2_move

/* Every size.  Past 256 B: four stores at each end and between them
 * aligned stores, four at a time. */
FUNC(vmopt__avx2_set)
    cmpq $256, %rdx
    jbe vmopt__avx2_set_small
    vmovd %esi, %xmm0
    vpbroadcastb %xmm0, %ymm0
    movq %rdi, %rax
    STORE4 vmovdqu, %rdi, %ymm0, %ymm0, %ymm0, %ymm0
    leaq 128(%rdi), %rcx
    andq $-32, %rcx
    leaq -128(%rdi, %rdx), %rdx
    .p2align 4
1:  STORE4 vmovdqa, %rcx, %ymm0, %ymm0, %ymm0, %ymm0
    subq $-128, %rcx
    cmpq %rdx, %rcx
    jb 1b
    STORE4 vmovdqu, %rdx, %ymm0, %ymm0, %ymm0, %ymm0
    vzeroupper
    ret
    .size vmopt__avx2_set, . - vmopt__avx2_set

    .section .note.GNU-stack, "", @progbits
