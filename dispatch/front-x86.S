/* The exported memcpy, memmove, mempcpy, memset and their __*_chk forms on
 * x86-64.  Each first compares the size n with one word w,
 * vmopt__mem_front.word (dispatch/table.c sets it with the table):
 *   n < w: AVX-512 below 32 B (w = 32), one 256-bit masked load and store
 *     (no branch ladder, so a size that changes from call to call costs
 *     no misprediction), or the C body (w = SIZE_MAX: the baseline, before
 *     the probe, VMOPT_SIMD=sse2, VMOPT_DISABLE's pass-through);
 *   then, under both vector entries, n < 32 is avx2's (w = 0) ladder, and
 *     32-64 B two VEX 32-byte vectors and a vzeroupper, no branch taken;
 *   past 64 B, one compare of n + 8w with 256 keeps avx2's 65-256 B
 *     (memmove; memset tests w first) and sends AVX-512 (n + 256) and
 *     avx2's larger sizes on, where a test of w sends AVX-512 to its own
 *     64-byte vectors and EVEX registers 16-31, to 512 B; avx2 copies to
 *     256 B inline, then to inline_max (vmopt__mem_front.inline_max, 256
 *     or 512) and past it runs its kernel's loop inline
 *     (lib/mem/avx2-loop.h) below move_loop_max / set_loop_max: the
 *     table's special thresholds while its loop is that kernel.
 * So the avx2 path pays what glibc's does plus one load, one compare and
 * one branch not taken; the AVX-512 path one taken branch below 32 B and
 * two past 64 B (memmove; one for memset).  The word is read once, so a
 * retune cannot split the tests; a stale inline_max or loop word only sends a size to a path valid for
 * it under both vector entries.  Past their own sizes both go to the
 * table: avx2 straight to its vector loop below the smallest special
 * threshold, otherwise to the C bodies (dispatch/entry-x86.h), which
 * choose.
 *
 * Layout matters as much as the ops: hot targets sit at 16-byte
 * boundaries (.p2align 4, always after a ret) and the avx2 ladder right
 * after the 32-64 B path.  On Zen 3 (AMD family 25 model 1), a loop of
 * same-size calls through dlopen'ed copies (31 interleaved rounds): 16-31
 * B copies went from 0.85x to 1.0x glibc when the ladder moved there;
 * memset's 65-128 B from 0.92x to 1.0x when inline_max moved out of the
 * table into the front's line (no dependent load); bench-replay, 15
 * alternating runs of this layout against the one before (the AVX-512
 * masked copy first, avx2 behind two flag tests): geometric mean 1.049x ->
 * 1.064x glibc, sqlite3-index 1.004x -> 1.036x, qemu-xz 0.977x -> 0.993x.
 *
 * Why asm: the first instruction after the test must be safe on a CPU
 * without AVX-512, which C cannot promise once the compiler schedules
 * code; and C cannot keep to registers 16-31.  Figures (bench-replay,
 * AMD family 25 model 17): 256-bit masks beat 512-bit ones at 0-31 B
 * (2.8 vs 3.3 ns); the jump and vzeroupper of a C front cost 0.3-0.9 ns;
 * the one-word test before the masked copy took the lua-strings stream
 * from 0.93x to 0.95-0.96x glibc, and every op on that path counts (the
 * page test below is 0.12 ns of a 2.3 ns call).
 *
 * Assembled twice: with VMOPT_FRONT_PRELOAD the symbols are the C
 * library's names (libvmopt-preload.so), without it vmopt_memcpy and the
 * rest (libvmopt).  A masked access whose vector would cross into the next
 * page takes the C path: fault suppression costs a microcode assist
 * (90-150 ns there, against a PROT_NONE page, for a load or a store). */
#include "config.h"
#include "dispatch/table-offsets.h"
#include "lib/mem/avx2-loop.h"


#ifdef VMOPT_FRONT_PRELOAD
#define F_MEMCPY memcpy
#define F_MEMMOVE memmove
#define F_MEMPCPY mempcpy
#define F_MEMSET memset
#else
#define F_MEMCPY vmopt_memcpy
#define F_MEMMOVE vmopt_memmove
#define F_MEMPCPY vmopt_mempcpy
#define F_MEMSET vmopt_memset
#endif

/* Every function on a 64-byte line, so that libvmopt's copy and the
 * preload's have one layout within their lines: a 32-byte shift of one
 * function moved bench-mem's same-size loops by up to a quarter, one
 * class up and another down (Zen 3). */
#define FUNC(name)                                                                                 \
    .globl name;                                                                                   \
    .type name, @function;                                                                         \
    .p2align 6;                                                                                    \
    name:
/* A second name for the function that follows. */
#define ALIAS(name)                                                                                \
    .globl name;                                                                                   \
    .type name, @function;                                                                         \
    name:

/* Two overlapping moves of w bytes through registers a and b, both loads
 * first: bytes [0, w) and [n - w, n), for any n from w to 2w. */
.macro MOVE2 insn, w, a, b
    \insn (%rsi), \a
    \insn -\w(%rsi, %rdx), \b
    \insn \a, (%rdi)
    \insn \b, -\w(%rdi, %rdx)
.endm

/* 2k w-byte vectors through the 2k registers numbered r of the kind reg
 * (ymm, zmm), every load before any store: bytes [0, wk) and [n - wk, n),
 * for n to 2wk.  MOVE_RING32 is the 32-byte form. */
.macro MOVE_RING insn, w, reg, r:vararg
    k = 0
    .irp x, \r
    k = k + \w / 2
    .endr
    o = 0
    .irp x, \r
    .if o < k
    \insn o(%rsi), %\reg\x
    .else
    \insn (o - 2 * k)(%rsi, %rdx), %\reg\x
    .endif
    o = o + \w
    .endr
    o = 0
    .irp x, \r
    .if o < k
    \insn %\reg\x, o(%rdi)
    .else
    \insn %\reg\x, (o - 2 * k)(%rdi, %rdx)
    .endif
    o = o + \w
    .endr
.endm
.macro MOVE_RING32 insn, r:vararg
    MOVE_RING \insn, 32, ymm, \r
.endm

/* Stores of the w-byte register r, vectors from to from + k - 1 counted
 * from the front: bytes [from * w, (from + k) * w); SET_BACK counts them
 * from the end, [n - (from + k) * w, n - from * w), in ascending order;
 * SET_RING does both. */
.macro SET_FRONT insn, r, w, from, k
    o = \from * \w
    .rept \k
    \insn \r, o(%rdi)
    o = o + \w
    .endr
.endm
.macro SET_BACK insn, r, w, from, k
    o = (\from + \k) * \w
    .rept \k
    \insn \r, (-o)(%rdi, %rdx)
    o = o - \w
    .endr
.endm
.macro SET_RING insn, r, w, from, k
    SET_FRONT \insn, \r, \w, \from, \k
    SET_BACK \insn, \r, \w, \from, \k
.endm

    .text

#ifdef VMOPT_FRONT_PRELOAD
FUNC(__memcpy_chk)
ALIAS(__memmove_chk)
    cmpq %rdx, %rcx
    jb 9f
    jmp F_MEMMOVE
9:  jmp __chk_fail@PLT
    .size __memcpy_chk, . - __memcpy_chk
    .size __memmove_chk, . - __memmove_chk

FUNC(__mempcpy_chk)
    cmpq %rdx, %rcx
    jb 9b
    jmp F_MEMPCPY
    .size __mempcpy_chk, . - __mempcpy_chk

FUNC(__memset_chk)
    cmpq %rdx, %rcx
    jb 9b
    jmp F_MEMSET
    .size __memset_chk, . - __memset_chk
#endif

/* mempcpy: the vector entries' paths to 512 B leave %rax at dst + n; past
 * them, or on the C entry, the C body returns dst, and n is added after. */
FUNC(F_MEMPCPY)
#ifdef VMOPT_FRONT_PRELOAD
ALIAS(__mempcpy)
#endif
    leaq (%rdi, %rdx), %rax
    movq vmopt__mem_front+VMOPT__FRONT_WORD(%rip), %r9
    cmpq $-1, %r9
    je 8f
    cmpq $512, %rdx
    jbe .Lmove_go
8:  pushq %rdx
    call vmopt__front_move_c
    popq %rdx
    addq %rdx, %rax
    ret
    .size F_MEMPCPY, . - F_MEMPCPY
#ifdef VMOPT_FRONT_PRELOAD
    .size __mempcpy, . - __mempcpy
#endif

FUNC(F_MEMCPY)
ALIAS(F_MEMMOVE)
    movq %rdi, %rax
    movq vmopt__mem_front+VMOPT__FRONT_WORD(%rip), %r9
.Lmove_go: /* from mempcpy too, n <= 512 and a vector entry; %rax holds the return value */
    cmpq %r9, %rdx
    jb .Lmove_mask
    cmpq $32, %rdx
    jb .Lmove_avx2_lt32
    cmpq $64, %rdx
    ja .Lmove_gt64
    /* 32-64 B, under both vector entries, no branch taken: VEX registers,
     * so AVX2 suffices, and a vzeroupper. */
    MOVE2 vmovdqu, 32, %ymm0, %ymm1
    vzeroupper
    ret
    /* The avx2 entry.  Below 32 B a ladder from the top (17, 8, 4) whose
     * last rung, 0-3 B, the commonest class (two thirds of cpython's
     * calls, all of lua's), takes no branch past the dispatch and every
     * other class one; glibc's takes one in each, 2-3 B included.  Tried
     * splitting at 8 B first (16-31 B two branches): bench-replay on Zen 3,
     * 6 alternating runs, sqlite3 and git 2.3-2.7% slower, lua 1.7% faster.
     * Exactly 16 B is two 8-byte moves, as in the kernels (lib/mem/small.h),
     * not one 16-byte vector twice: a 16-byte load that overlaps part of a
     * store still in flight cannot take its data from it and waits for it
     * to reach the cache, and two halves each inside one store forward.
     * bench-mem's memmove-overlap 16 B (dst = src + 8, call after call):
     * 0.70x glibc with the vector, 1.7-2.6x with the halves; 16 B copies
     * 1.0x either way (Zen 3, AMD family 25 model 1). */
    .p2align 4
.Lmove_avx2_lt32:
    cmpl $16, %edx
    ja 5f
    cmpl $8, %edx
    jae 1f
    cmpl $4, %edx
    jae 4f
    cmpl $1, %edx
    jbe 2f
    movzwl (%rsi), %ecx
    movzwl -2(%rsi, %rdx), %r8d
    movw %cx, (%rdi)
    movw %r8w, -2(%rdi, %rdx)
    ret
    .p2align 4
2:  jb 3f
    movzbl (%rsi), %ecx
    movb %cl, (%rdi)
3:  ret
    .p2align 4
4:  MOVE2 movl, 4, %ecx, %r8d
    ret
    .p2align 4
1:  MOVE2 movq, 8, %rcx, %r8
    ret
    /* Not aligned: at a 16-byte boundary this block crossed a 64-byte
     * line, and 16-31 B copies ran 0.85-0.92x glibc; packed after the
     * 8-15 B one it stays inside a line and runs 1.0x (Zen 3, AMD family
     * 25 model 1, same-size loop through dlopen'ed copies, 31 interleaved
     * rounds; no other class moved). */
5:  MOVE2 vmovdqu, 16, %xmm0, %xmm1
    ret
    /* Past 64 B, the word is 0 for avx2, 32 for AVX-512 (the C entry's
     * SIZE_MAX never gets here): n + 8w is at most 256 only for avx2's
     * 65-256 B (n + 256 wraps only for n within 256 of SIZE_MAX, no
     * object's size), which takes one compare and no branch
     * to its copy; the rest (AVX-512 at n + 256) go on to a test of w
     * (.Lmove_gt256_or_avx512), avx2 falling through to its larger sizes
     * and AVX-512 taking a branch to its own paths.  With the test of w
     * first and then one of n, avx2's 256 B ran 0.92x glibc (0.89-1.02x
     * over 6 runs of bench-mem, Zen 3, AMD family 25 model 1), 1.0x
     * (0.99-1.10x) with the one compare, and node-json's stream, 36% of
     * its moves at 129-256 B, 1.03x -> 1.07x in one of two alternating
     * bench-replay runs.  With AVX-512 falling through instead, avx2's
     * 512 B, one taken branch more, ran 0.93x against 0.98x.  The cost
     * moved to AVX-512 past 64 B, a taken branch more than before, is not
     * measured: no AVX-512 machine since.  avx2 to 256 B: four or eight
     * overlapping vectors, every load before any store, stored in
     * ascending order (glibc's descending tail stores ran misaligned 256 B
     * copies 1.7x slower); 129-256 B falls through and 65-128 B takes a
     * branch, glibc's order.  The same-size loop at 65-128 B: 0.98-0.99x
     * -> 1.03-1.06x glibc (Zen 3). */
    .p2align 4
.Lmove_gt64:
    leaq (%rdx, %r9, 8), %rcx
    cmpq $256, %rcx
    ja .Lmove_gt256_or_avx512
    vmovdqu (%rsi), %ymm0
    vmovdqu 32(%rsi), %ymm1
    cmpq $128, %rdx
    jbe 2f
    vmovdqu 64(%rsi), %ymm2
    vmovdqu 96(%rsi), %ymm3
    vmovdqu -128(%rsi, %rdx), %ymm4
    vmovdqu -96(%rsi, %rdx), %ymm5
    vmovdqu -64(%rsi, %rdx), %ymm6
    vmovdqu -32(%rsi, %rdx), %ymm7
    vmovdqu %ymm0, (%rdi)
    vmovdqu %ymm1, 32(%rdi)
    vmovdqu %ymm2, 64(%rdi)
    vmovdqu %ymm3, 96(%rdi)
    vmovdqu %ymm4, -128(%rdi, %rdx)
    vmovdqu %ymm5, -96(%rdi, %rdx)
    vmovdqu %ymm6, -64(%rdi, %rdx)
    vmovdqu %ymm7, -32(%rdi, %rdx)
    vzeroupper
    ret
    .p2align 4
2:  vmovdqu -64(%rsi, %rdx), %ymm2
    vmovdqu -32(%rsi, %rdx), %ymm3
    vmovdqu %ymm0, (%rdi)
    vmovdqu %ymm1, 32(%rdi)
    vmovdqu %ymm2, -64(%rdi, %rdx)
    vmovdqu %ymm3, -32(%rdi, %rdx)
    vzeroupper
    ret
    /* avx2 past 256 B: to inline_max (256 or 512) sixteen vectors, then
     * below the table's smallest special threshold the avx2 loop inline
     * (move_loop_max: 0 when the table's loop is not avx2's, a counting
     * copy for one), else the table.  The loop is two taken branches past
     * the entry, as glibc's is; through the table it was four and an
     * indirect jump, and 600 B-2 KiB copies ran 0.83-0.96x glibc, inline
     * 0.93-1.07x (Zen 3, same-size loop, 31 interleaved rounds). */
    .p2align 4
.Lmove_gt256_or_avx512:
    testq %r9, %r9
    jnz .Lmove_avx512_gt64
.Lmove_avx2_gt256:
    cmpq vmopt__mem_front+VMOPT__FRONT_INLINE_MAX(%rip), %rdx
    jbe .Lmove_avx2_le512
.Lmove_avx2_loop:
    cmpq vmopt__mem_front+VMOPT__FRONT_MOVE_LOOP_MAX(%rip), %rdx
    jae .Lmove_table
    AVX2_MOVE_GT256
    /* 257 B to inline_max: twelve vectors to 384 B, all sixteen registers
     * past it, loaded, then stored.  Sixteen at every size ran 0.78-0.80x
     * glibc at 257 B and 0.95-1.0x at 300-384 B; twelve 0.89-0.99x and
     * 1.15-1.24x (Zen 3, same-size loop): one 32-byte store a cycle, the
     * fewer the better.  A destination inside the source past 384 B takes
     * the loop: the ring's stores, overlapping the next call's loads, ran
     * 0.90-0.94x glibc at 420-512 B overlapping by 72 B, the loop 1.0x;
     * the test costs the others about a cycle (512 B: 1.14x -> 1.09x). */
    .p2align 4
.Lmove_avx2_le512:
    cmpq $384, %rdx
    ja 6f
    MOVE_RING32 vmovdqu, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
    vzeroupper
    ret
    .p2align 4
6:  movq %rdi, %rcx
    subq %rsi, %rcx
    cmpq %rdx, %rcx
    jb .Lmove_avx2_loop
    MOVE_RING32 vmovdqu, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    vzeroupper
    ret
    /* The table's choice.  memcpy (%rax is dst): below the smallest
     * special threshold a tail jump to its vector loop, else the C body's
     * choice.  mempcpy calls the C body and adds n. */
.Lmove_table:
    cmpq %rdi, %rax
    jne 4f
    movq vmopt__mem_live(%rip), %rcx
    cmpq VMOPT__T_MOVE_SPECIAL_MIN(%rcx), %rdx
    jae vmopt__entry_avx2_move_large
    jmp *VMOPT__T_MOVE(%rcx)
4:  pushq %rdx
    call vmopt__entry_avx2_move_large
    popq %rdx
    addq %rdx, %rax
    ret
    /* AVX-512, 65-128 B: two 64-byte vectors. */
.Lmove_avx512_gt64:
    cmpq $128, %rdx
    ja .Lmove_avx512_gt128
    MOVE2 vmovdqu64, 64, %zmm16, %zmm17
    ret
    /* 129-256 B: four 64-byte vectors, 257-512 B sixteen 32-byte ones
     * (every load before any store); past that, the C body and its table.
     * Interleaved against glibc 2.36 on AMD family 25 model 17, minimum of
     * 61 rounds: at 256 B aligned four 64-byte vectors take 2.9 ns, eight
     * 32-byte ones 3.2-3.9 ns, glibc 3.0-3.7 ns; at 384-512 B misaligned
     * by 3 and 17 the 32-byte ones win (5.0-5.5 ns against 5.9 ns). */
.Lmove_avx512_gt128:
    cmpq $256, %rdx
    ja .Lmove_avx512_gt256
    vmovdqu64 (%rsi), %zmm16
    vmovdqu64 64(%rsi), %zmm17
    vmovdqu64 -128(%rsi, %rdx), %zmm18
    vmovdqu64 -64(%rsi, %rdx), %zmm19
    vmovdqu64 %zmm16, (%rdi)
    vmovdqu64 %zmm17, 64(%rdi)
    vmovdqu64 %zmm18, -128(%rdi, %rdx)
    vmovdqu64 %zmm19, -64(%rdi, %rdx)
    ret
.Lmove_avx512_gt256:
    cmpq $512, %rdx
    ja .Lmove_avx512_table
    cmpq $0, vmopt__mem_front+VMOPT__FRONT_RING32(%rip)
    jne 6f
    MOVE_RING vmovdqu64, 64, zmm, 16, 17, 18, 19, 20, 21, 22, 23
    ret
6:  MOVE_RING32 vmovdqu64, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ret
    /* Past 512 B (memcpy and memmove only: mempcpy's larger sizes take the
     * C body): below the table's smallest special threshold a tail jump to
     * its vector loop, else the C body's choice. */
.Lmove_avx512_table:
    movq vmopt__mem_live(%rip), %rcx
    cmpq VMOPT__T_MOVE_SPECIAL_MIN(%rcx), %rdx
    jae vmopt__entry_avx512_move_large
    jmp *VMOPT__T_MOVE(%rcx)

.Lmove_mask: /* n below the word: AVX-512 below 32 B, or the C entry */
    cmpq $32, %r9
    jne vmopt__front_move_c
    /* Either 32-byte vector across a page end (one bit of the xor)? */
    leaq 31(%rdi), %rcx
    leaq 31(%rsi), %r8
    xorq %rdi, %rcx
    xorq %rsi, %r8
    orq %r8, %rcx
    testb $0x10, %ch
    jnz 7f
    bzhil %edx, .Lones(%rip), %ecx
    kmovd %ecx, %k1
    vmovdqu8 (%rsi), %ymm16{%k1}{z}
    vmovdqu8 %ymm16, (%rdi){%k1}
    ret
    /* Near a page end: the C body's ladder, keeping %rax. */
7:  pushq %rax
    call vmopt__entry_avx512_move
    popq %rax
    ret

    .size F_MEMCPY, . - F_MEMCPY
    .size F_MEMMOVE, . - F_MEMMOVE

FUNC(F_MEMSET)
    movq %rdi, %rax
    movq vmopt__mem_front+VMOPT__FRONT_WORD(%rip), %r9
    cmpq %r9, %rdx
    jb .Lset_mask
    cmpq $32, %rdx
    jb .Lset_avx2_lt32
    cmpq $64, %rdx
    ja .Lset_gt64
    /* 32-64 B, under both entries: no branch taken, and 80% of qemu-user's
     * memsets.  VEX registers, so AVX2 suffices, and a vzeroupper, which
     * the AVX-512 entry's EVEX ymm16 did without: one cheap op there
     * against a taken branch here (qemu-user's streams 0.94x -> 0.98x
     * and 0.96x -> 1.00x glibc on Zen 3, AMD family 25 model 1, when the
     * avx2 path stopped branching). */
    vmovd %esi, %xmm0
    vpbroadcastb %xmm0, %ymm0
    SET_RING vmovdqu, %ymm0, 32, 0, 1
    vzeroupper
    ret
    .p2align 4
.Lset_avx2_lt32:
    cmpl $16, %edx
    jae 6f
    movzbl %sil, %ecx
    movabsq $0x0101010101010101, %r8
    imulq %r8, %rcx
    cmpl $8, %edx
    jae 2f
    cmpl $4, %edx
    jae 4f
    cmpl $1, %edx
    jbe 3f
    movw %cx, (%rdi)
    movw %cx, -2(%rdi, %rdx)
    ret
    .p2align 4
3:  jb 5f
    movb %cl, (%rdi)
5:  ret
    .p2align 4
4:  movl %ecx, (%rdi)
    movl %ecx, -4(%rdi, %rdx)
    ret
    .p2align 4
2:  movq %rcx, (%rdi)
    movq %rcx, -8(%rdi, %rdx)
    ret
    .p2align 4
6:  vmovd %esi, %xmm0
    vpbroadcastb %xmm0, %xmm0
    vmovdqu %xmm0, (%rdi)
    vmovdqu %xmm0, -16(%rdi, %rdx)
    ret
    /* Past 64 B: as memcpy's, one test of the word sends AVX-512 to its
     * own stores; avx2 to 256 B four or eight overlapping stores.  Below
     * 16 B (.Lset_avx2_lt32) the byte is spread by a multiply, not a vector
     * broadcast, and stored from a register. */
    .p2align 4
.Lset_gt64:
    testq %r9, %r9
    jnz .Lset_avx512_gt64
    cmpq $256, %rdx
    ja .Lset_avx2_gt256
    vmovd %esi, %xmm0
    vpbroadcastb %xmm0, %ymm0
    SET_FRONT vmovdqu, %ymm0, 32, 0, 2
    cmpq $128, %rdx
    ja 1f
    SET_BACK vmovdqu, %ymm0, 32, 0, 2
    vzeroupper
    ret
    .p2align 4
1:  SET_FRONT vmovdqu, %ymm0, 32, 2, 2
    SET_BACK vmovdqu, %ymm0, 32, 0, 4
    vzeroupper
    ret
    /* avx2 past 256 B: the avx2 loop inline below set_loop_max, else the
     * table; no stores inline past eight (vmopt__mem_entry_set_inline_hi).  Sixteen
     * overlapping stores at 257-512 B, every size stored once or twice,
     * ran 0.71-0.76x glibc at 300-384 B, the loop 0.84-0.99x, and tied at
     * 512 B (Zen 3, same-size loop). */
    .p2align 4
.Lset_avx2_gt256:
    cmpq vmopt__mem_front+VMOPT__FRONT_SET_LOOP_MAX(%rip), %rdx
    jae .Lset_table
    AVX2_SET_GT256
.Lset_table:
    movq vmopt__mem_live(%rip), %rcx
    cmpq VMOPT__T_SET_SPECIAL_MIN(%rcx), %rdx
    jae vmopt__entry_avx2_set_large
    jmp *VMOPT__T_SET(%rcx)
    /* AVX-512 to 512 B: two, four or eight 64-byte stores (stores split
     * no load); past that the C body. */
.Lset_avx512_gt64:
    vpbroadcastb %esi, %zmm16
    cmpq $128, %rdx
    ja .Lset_avx512_gt128
    SET_RING vmovdqu64, %zmm16, 64, 0, 1
    ret
.Lset_avx512_gt128:
    cmpq $256, %rdx
    ja .Lset_avx512_gt256
    SET_RING vmovdqu64, %zmm16, 64, 0, 2
    ret
.Lset_avx512_gt256:
    cmpq $512, %rdx
    ja .Lset_avx512_table
    SET_RING vmovdqu64, %zmm16, 64, 0, 4
    ret
.Lset_avx512_table:
    movq vmopt__mem_live(%rip), %rcx
    cmpq VMOPT__T_SET_SPECIAL_MIN(%rcx), %rdx
    jae vmopt__entry_avx512_set_large
    jmp *VMOPT__T_SET(%rcx)
.Lset_mask: /* n below the word: AVX-512 below 32 B, or the C entry */
    cmpq $32, %r9
    jne vmopt__front_set_c
    /* AVX-512, below 32 B: one masked 256-bit store, or near a page end
     * the C body's ladder. */
    vpbroadcastb %esi, %ymm16
    leaq 31(%rdi), %rcx
    xorq %rdi, %rcx
    testl $4096, %ecx
    jnz vmopt__entry_avx512_set
    movl $-1, %ecx
    bzhil %edx, %ecx, %ecx
    kmovd %ecx, %k1
    vmovdqu8 %ymm16, (%rdi){%k1}
    ret
    .size F_MEMSET, . - F_MEMSET

    .section .rodata
    .p2align 2
.Lones: .long -1

    .section .note.GNU-stack, "", @progbits
