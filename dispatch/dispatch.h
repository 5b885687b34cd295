/* The live dispatch table of the memory primitives: which kernel moves or
 * sets how many bytes.  One immutable table is live at a time; a new one is
 * published with one atomic store, and a published table is never freed,
 * so a caller that loaded the old pointer finishes its call on it.
 *
 * The table starts at the architecture's baseline (SSE2 on x86-64, no
 * string instructions, no streaming), valid before any probe or
 * constructor runs; whoever tunes replaces it. */
#ifndef VMOPT_DISPATCH_H
#define VMOPT_DISPATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dispatch/size-class.h"
#include "lib/mem/mem.h"
#include "lib/plan.h"
#include "lib/machine.h"

/* An entry copies up to this many of its vectors itself, with no loop and
 * no call (glibc's entries do the same up to 8 vectors). */
#define VMOPT__INLINE_VECTORS 8

typedef struct vmopt__mem_table_s {
    int entry;              /* VMOPT__SIMD_* of the exported functions' body (dispatch/entry.h) */
    size_t inline_max;      /* 2 to 8 of the entry's vectors; 0 passes every call above 16 B on */
    size_t rep_movsb_min;   /* SIZE_MAX: never */
    size_t rep_stosb_min;   /* SIZE_MAX: never */
    size_t nontemporal_min; /* SIZE_MAX: never; copies and sets alike */
    size_t zva_min;         /* zero fills from here take set_zva (SIZE_MAX: never) */
    size_t move_special_min; /* min(rep_movsb_min, nontemporal_min): below it, one
                                compare sends a copy to the vector loop */
    size_t set_special_min;  /* min(rep_stosb_min, nontemporal_min, zva_min) */
    vmopt__move_fn move, move_rep, move_nt;
    vmopt__set_fn set, set_rep, set_nt, set_zva;
    const char *vec_name, *rep_name, *nt_name;
    /* A sampling table (the retuner's): its kernels count sizes, then call
     * this table's.  NULL in every other table. */
    const struct vmopt__mem_table_s *sampled_from;
    /* A counting table (VMOPT_STATS): its kernels count each call in the
     * calling thread's own counters, then call this table's.  NULL in
     * every other table. */
    const struct vmopt__mem_table_s *counted_from;
    /* From rep_movsb_min up to here (exclusive), each copy's kernel is
     * chosen by sampling: rep movsb or the loop, whichever copied the
     * size class faster lately (vmopt__move_sampled).  A copy this size
     * or more cannot fit in the L1d with its source, and takes rep movsb
     * outright.  At most rep_movsb_min (vmopt__mem_table_finish raises it
     * to that): no band. */
    size_t rep_movsb_sure;
} vmopt__mem_table;

/* The sampled band of t (rep_movsb_min <= n < rep_movsb_sure): every
 * VMOPT__SAMPLE_PERIOD calls in the band, a thread runs a trial, the next
 * VMOPT__SAMPLE_TRIAL calls on one kernel, rep movsb and the loop by turns,
 * and times the last VMOPT__SAMPLE_TIMED of them (the time-stamp counter);
 * each size class (a power of two) takes whichever costs less per byte on
 * average, by 5% to change its mind.  The other calls read one byte of
 * shared state.  Where the TSC cannot be read (prctl PR_TSC_SIGSEGV),
 * nothing is timed and rep movsb stays. */
#define VMOPT__SAMPLE_PERIOD 256u
#define VMOPT__SAMPLE_TRIAL 8u
#define VMOPT__SAMPLE_TIMED 5u
void *vmopt__move_sampled(const vmopt__mem_table *t, void *dst, const void *src, size_t n);
/* The sampler's state of the size class [2^log2, 2^(log2+1)), for the tests
 * and for vmopt stat: the mean costs (TSC ticks per KiB, times 16; 0: no
 * sample yet) of the loop and of rep movsb, and 1 when rep movsb is in use.
 * A cost is fed with vmopt__sampled_note (the tests feed their own). */
typedef struct {
    uint32_t loop_cost, rep_cost;
    int rep;
} vmopt__sampled_class;
int vmopt__sampled_get(unsigned log2, vmopt__sampled_class *out);
void vmopt__sampled_note(unsigned log2, int rep, uint64_t ticks, size_t n);
void vmopt__sampled_reset(void);

extern _Atomic(const vmopt__mem_table *) vmopt__mem_live;
extern const vmopt__mem_table vmopt__mem_baseline;

/* Builds the table a plan asks for on machine m.  A kernel the machine
 * lacks is never chosen: the widest one it has takes its place, and
 * inline_max is clamped to what the entry copies inline (2 to 8 vectors). */
void vmopt__mem_table_from_plan(vmopt__mem_table *t, const struct vmopt_plan *plan,
                                const struct vmopt_machine *m);
/* Fills the fields derived from the others; every builder calls it last. */
void vmopt__mem_table_finish(vmopt__mem_table *t);
/* A table that hands every call to the given functions (the C library's). */
void vmopt__mem_table_passthrough(vmopt__mem_table *t, vmopt__move_fn move, vmopt__set_fn set,
                                  const char *name);
/* Makes a copy of t live.  Copies are kept and reused, never freed.
 * Returns the live copy, or NULL (out of memory: the old table stays). */
const vmopt__mem_table *vmopt__mem_publish(const vmopt__mem_table *t);
/* The lock vmopt__mem_publish takes, for whoever publishes from several
 * threads to hold across fork (pthread_atfork), after its own locks: the
 * tuner's runtime does. */
void vmopt__mem_lock(void);
void vmopt__mem_unlock(void);
/* Sampling for the retuner: on publishes a copy of the live table whose
 * kernels count each call's size first; off publishes the table it was
 * copied from.  Neither undoes a table someone else published meanwhile.
 * The counts (cumulative, calls and bytes by size class, see
 * dispatch/size-class.h) are read with vmopt__mem_histogram. */
void vmopt__mem_sampling(int on);
void vmopt__mem_histogram(uint64_t *calls, uint64_t *bytes, unsigned classes);

/* Counting for the live statistics (runtime/stats.c): on, every table
 * published from then on is wrapped in a counting copy whose kernels add
 * each call and its bytes, by size class, to counters of the calling
 * thread's own (no shared atomic on the copy path); the live table is
 * wrapped at once.  Calls the entry copies inline (up to the table's
 * inline_max) never reach a kernel and are not counted.  Off unwraps. */
void vmopt__mem_counting(int on);
/* The counts since counting began, summed over the threads: [0] copies
 * (memcpy, memmove, mempcpy), [1] sets; calls and bytes per size class. */
void vmopt__mem_counts(uint64_t calls[2][VMOPT__SIZE_CLASSES], uint64_t bytes[2][VMOPT__SIZE_CLASSES]);
/* The table t serves calls from: t without its sampling or counting copy. */
const vmopt__mem_table *vmopt__mem_table_origin(const vmopt__mem_table *t);
/* The ranges of one primitive (set 0: memcpy, 1: memset), in order: range
 * i serves sizes from lo[i] to the next one's lo, with the kernel name[i].
 * How many (at most 4). */
int vmopt__mem_table_ranges(const vmopt__mem_table *t, int set, uint64_t lo[4], char name[4][48]);

/* One line per primitive: which kernel serves which sizes. */
void vmopt__mem_table_print(FILE *f, const vmopt__mem_table *t);
void vmopt__mem_table_print_json(FILE *f, const vmopt__mem_table *t);

#endif
