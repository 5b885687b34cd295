/* The entries: the bodies of the exported functions (memcpy, vmopt_memcpy,
 * ...), one per vector width, each built with its own ISA flags.  The
 * exported function branches once on the width the live table chose and
 * goes to that body: on x86-64 the asm front compares the size with
 * vmopt__mem_front.word; elsewhere the C body (body.h) reads the entry
 * byte, vmopt__mem_entry_live.  Both are the same for the process's life
 * but for a retune.  The baseline body is inline in body.h, valid on every
 * CPU of the architecture and before any probe. */
#ifndef VMOPT_DISPATCH_ENTRY_H
#define VMOPT_DISPATCH_ENTRY_H

#include <stdatomic.h>
#include <stddef.h>

#include "dispatch/dispatch.h"

typedef void *(*vmopt__move_with_fn)(void *dst, const void *src, size_t n, const vmopt__mem_table *t);
typedef void *(*vmopt__set_with_fn)(void *dst, int c, size_t n, const vmopt__mem_table *t);

typedef struct {
    int simd;           /* VMOPT__SIMD_* of the registers it uses */
    unsigned vec_bytes;   /* its registers' width */
    unsigned front_bytes; /* it copies up to this many before reading the table */
    size_t front_word;    /* x86: the word the asm front compares the size with (front-x86.S) */
    /* x86: the kernel whose loops the asm front expands inline past
     * inline_max (lib/mem/avx2-loop.h), taken while the live table's loop
     * is that kernel; NULL: the front reads the table past its sizes. */
    const vmopt__mem_kernels *front_loop;
    unsigned inline_vectors; /* it copies up to this many of its vectors inline (inline_max's top) */
    const char *how;    /* for the dump: "64-byte vectors, masked below 64 B" */
    vmopt__move_fn move; /* on the live table */
    vmopt__set_fn set;
    vmopt__move_with_fn move_with; /* on a given table: for calibration and tests */
    vmopt__set_with_fn set_with;
    /* NULL, or what it copies before reading the table when that depends
     * on the CPU: the sve entry's two vectors, 2 x VL. */
    size_t (*front)(void);
} vmopt__mem_entry;

/* The entries built for this architecture, widest first, the baseline last. */
extern const vmopt__mem_entry vmopt__mem_entries[];
extern const unsigned vmopt__mem_entries_len;
/* The entry of a width; the baseline for a width without one. */
const vmopt__mem_entry *vmopt__mem_entry_for(int simd);
/* The smallest inline_max a table of entry e can have: what it copies
 * before the table is read, and at least two of its vectors. */
size_t vmopt__mem_entry_front(const vmopt__mem_entry *e);
/* The largest inline_max a table of entry e can have: inline_vectors of
 * its vectors, or its front when that is more (sve at 1024 bits and up). */
size_t vmopt__mem_entry_inline_hi(const vmopt__mem_entry *e);

/* The most a memset of entry e copies inline, whatever inline_max: its
 * front, or VMOPT__INLINE_VECTORS of its vectors if that is more (memcpy
 * may inline more: inline_vectors); past it, the loop. */
size_t vmopt__mem_entry_set_inline_hi(const vmopt__mem_entry *e);
/* The largest memcpy (set 0) or memset (set 1) that t's entry copies
 * inline: t's inline_max, or less for a memset. */
size_t vmopt__mem_inline_max(const vmopt__mem_table *t, int set);

/* The live table's entry width, set with the table by vmopt__mem_publish. */
extern _Atomic unsigned char vmopt__mem_entry_live;
/* What the x86 front (dispatch/front-x86.S) reads before the table, in one
 * line, set with it by vmopt__mem_publish: the live entry's front_word,
 * which memcpy and memset compare the size with first; the live table's
 * inline_max (at most 512), which the avx2 paths compare it with past
 * 256 B; and below move_loop_max and set_loop_max they run the entry's
 * front_loop inline: the table's move_special_min and set_special_min when
 * its loop is that kernel, else 0 (the table for every size).  Each word is
 * safe with any other's stale value: every path they choose is valid for
 * every size that reaches it. */
typedef struct {
    _Atomic size_t word;
    _Atomic size_t inline_max;
    _Atomic size_t move_loop_max;
    _Atomic size_t set_loop_max;
    /* Nonzero: the AVX-512 entry moves 257-512 B in sixteen 32-byte
     * vectors, where 64-byte ones split (a 32-byte loop, Zen 4); zero:
     * eight 64-byte ones. */
    _Atomic size_t ring32;
} vmopt__mem_front_words;
extern vmopt__mem_front_words vmopt__mem_front;

#ifdef __x86_64__
void *vmopt__entry_avx512_move(void *dst, const void *src, size_t n);
void *vmopt__entry_avx512_set(void *dst, int c, size_t n);
void *vmopt__entry_avx512_move_with(void *dst, const void *src, size_t n, const vmopt__mem_table *t);
void *vmopt__entry_avx512_set_with(void *dst, int c, size_t n, const vmopt__mem_table *t);
/* Past the asm front's own sizes only (n > 512): where it jumps. */
void *vmopt__entry_avx512_move_large(void *dst, const void *src, size_t n);
void *vmopt__entry_avx512_set_large(void *dst, int c, size_t n);
void *vmopt__entry_avx2_move_large(void *dst, const void *src, size_t n);
void *vmopt__entry_avx2_set_large(void *dst, int c, size_t n);
void *vmopt__entry_avx2_move(void *dst, const void *src, size_t n);
void *vmopt__entry_avx2_set(void *dst, int c, size_t n);
void *vmopt__entry_avx2_move_with(void *dst, const void *src, size_t n, const vmopt__mem_table *t);
void *vmopt__entry_avx2_set_with(void *dst, int c, size_t n, const vmopt__mem_table *t);
/* The C bodies the asm front (dispatch/front-x86.S) falls back to. */
void *vmopt__front_move_c(void *dst, const void *src, size_t n);
void *vmopt__front_set_c(void *dst, int c, size_t n);
#endif
#ifdef __aarch64__
void *vmopt__entry_sve_move(void *dst, const void *src, size_t n);
void *vmopt__entry_sve_set(void *dst, int c, size_t n);
void *vmopt__entry_sve_move_with(void *dst, const void *src, size_t n, const vmopt__mem_table *t);
void *vmopt__entry_sve_set_with(void *dst, int c, size_t n, const vmopt__mem_table *t);
size_t vmopt__entry_sve_front(void);
#endif

#endif
