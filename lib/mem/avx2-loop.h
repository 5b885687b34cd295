/* The avx2 loops past 256 B as assembler macros, for .S files: the avx2
 * kernel (lib/mem/mem-avx2-loop.S) is built of them, and the x86 front
 * (dispatch/front-x86.S) expands them inline, so that its avx2 sizes past
 * inline_max reach the loop with no call, no indirect jump and no size test
 * of the kernel's own.
 *
 * Both expect n (%rdx) > 256, keep %rax (the caller's return value: dst,
 * or dst + n for mempcpy) and end in ret.  They use %rcx, %rdx, %rsi,
 * %rdi, %r8, %r11 and ymm0-8, and end with a vzeroupper.
 *
 * The loops store to 32-byte aligned addresses, not to whole lines: on Zen
 * 3 (AMD family 25 model 1) 64-byte alignment was no faster for copies at
 * any destination offset (0, 3, 32 mod 64) and 0.87-0.96x at 1-2 KiB
 * memsets 32 bytes past a line.  Each loop starts a line (.p2align 6, the
 * memset one .p2align 5: it is 28 bytes): in the front, where it first
 * fell across one, 1-2 KiB memsets ran 0.90-0.92x the kernel called
 * directly, on a line 0.98-1.02x (Zen 3, same-size loop). */
#ifndef VMOPT_MEM_AVX2_LOOP_H
#define VMOPT_MEM_AVX2_LOOP_H

/* Four 32-byte stores of r0-r3 (one register four times for a memset)
 * at base, base + 32, + 64, + 96, in that order. */
.macro STORE4 insn, base, r0, r1, r2, r3
    \insn \r0, (\base)
    \insn \r1, 32(\base)
    \insn \r2, 64(\base)
    \insn \r3, 96(\base)
.endm

/* memmove, n > 256, either direction: the first vector and the last four
 * (forward) or the first four and the last one (backward) are loaded
 * before any store, and the loop between them moves four vectors at a
 * time, away from the bytes it has yet to read. */
.macro AVX2_MOVE_GT256
    movq %rdi, %r11
    movq %rdi, %rcx
    subq %rsi, %rcx
    vmovdqu (%rsi), %ymm0
    cmpq %rdx, %rcx
    jb .Lavx2_back\@ /* the destination starts inside the source */
    vmovdqu -32(%rsi, %rdx), %ymm5
    vmovdqu -64(%rsi, %rdx), %ymm6
    vmovdqu -96(%rsi, %rdx), %ymm7
    vmovdqu -128(%rsi, %rdx), %ymm8
    /* %rdx: the last four vectors' start; %rdi: the first aligned vector
     * past dst; %rsi: its source. */
    leaq -128(%rdi, %rdx), %rdx
    orq $31, %rdi
    incq %rdi
    subq %r11, %rsi
    addq %rdi, %rsi
    .p2align 6
.Lavx2_fwd\@:
    vmovdqu (%rsi), %ymm1
    vmovdqu 32(%rsi), %ymm2
    vmovdqu 64(%rsi), %ymm3
    vmovdqu 96(%rsi), %ymm4
    subq $-128, %rsi
    STORE4 vmovdqa, %rdi, %ymm1, %ymm2, %ymm3, %ymm4
    subq $-128, %rdi
    cmpq %rdi, %rdx
    ja .Lavx2_fwd\@
    vmovdqu %ymm5, 96(%rdx)
    vmovdqu %ymm6, 64(%rdx)
    vmovdqu %ymm7, 32(%rdx)
    vmovdqu %ymm8, (%rdx)
    vmovdqu %ymm0, (%r11)
    vzeroupper
    ret
    /* Backward; dst == src moves nothing. */
    .p2align 4
.Lavx2_back\@:
    testq %rcx, %rcx
    jz .Lavx2_none\@
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
.Lavx2_bloop\@:
    vmovdqu 96(%rsi), %ymm1
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
    jb .Lavx2_bloop\@
    STORE4 vmovdqu, %rdi, %ymm0, %ymm5, %ymm6, %ymm7
    vmovdqu %ymm8, -32(%rdi, %rdx)
.Lavx2_none\@:
    vzeroupper
    ret
.endm

/* memset, n > 256: four stores at each end and between them aligned
 * stores, four at a time. */
.macro AVX2_SET_GT256
    vmovd %esi, %xmm0
    vpbroadcastb %xmm0, %ymm0
    STORE4 vmovdqu, %rdi, %ymm0, %ymm0, %ymm0, %ymm0
    leaq 128(%rdi), %rcx
    andq $-32, %rcx
    leaq -128(%rdi, %rdx), %rdx
    .p2align 5
.Lavx2_set\@:
    STORE4 vmovdqa, %rcx, %ymm0, %ymm0, %ymm0, %ymm0
    subq $-128, %rcx
    cmpq %rdx, %rcx
    jb .Lavx2_set\@
    STORE4 vmovdqu, %rdx, %ymm0, %ymm0, %ymm0, %ymm0
    vzeroupper
    ret
.endm

#endif
