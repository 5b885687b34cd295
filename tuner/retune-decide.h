/* Runtime retuning: what a sample of the running process holds, and the
 * decision made from it.  The decision is a pure function of the state
 * before, the [retune] settings and the sample, so that tests feed it
 * synthetic and recorded samples; runtime/retuner.c collects the samples,
 * acts on the decisions and keeps their history. */
#ifndef VMOPT_RETUNE_H
#define VMOPT_RETUNE_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch/size-class.h" /* VMOPT__SIZE_CLASSES */

/* What happened in one window, as deltas (counts since the last sample). */
typedef struct {
    uint64_t window_ns;
    /* Copies and sets past the inline sizes, seen while sampling was on
     * (sample_ns of the window); calls and bytes by size class. */
    uint64_t sample_ns;
    uint64_t copy_calls[VMOPT__SIZE_CLASSES], copy_bytes[VMOPT__SIZE_CLASSES];
    /* Pools: allocs + frees, and magazine exchanges with the depot. */
    uint64_t pool_ops, pool_refills, pool_drains;
    /* TLBs: lookups and misses; entries in use and in the tables now. */
    uint64_t tlb_lookups, tlb_misses, tlb_used, tlb_entries;
    /* Hardware counters, when the PMU has them (has_counters). */
    int has_counters;
    uint64_t cycles, dtlb_misses, llc_misses;
} vmopt__sample;

typedef struct {
    uint64_t dwell_ns;      /* a plan stays at least this long */
    unsigned hysteresis_pct; /* a challenger must score this much higher */
} vmopt__retune_params;

/* What the decision remembers between samples. */
typedef struct {
    int workload;       /* VMOPT__WL_* in force */
    int candidate;      /* the workload the last samples pointed to, -1: none */
    unsigned streak;    /* consecutive samples that pointed to candidate */
    uint64_t dwelt_ns;  /* time since the workload in force was installed */
} vmopt__retune_state;

#define VMOPT__RETUNE_STREAK 3 /* samples in a row before a change */

/* What this library can count besides copies: libvmopt sums its pools and
 * TLBs; the preload has neither (NULL).  From its components file. */
typedef void (*vmopt__collect_fn)(vmopt__sample *cumulative);
extern vmopt__collect_fn vmopt__collector;

/* One sample as a line of text ("window_ns=... c3=calls/bytes ..."), and
 * back: how samples are recorded (VMOPT_RETUNE_RECORD) and replayed. */
void vmopt__sample_format(const vmopt__sample *s, char *buf, size_t len);
int vmopt__sample_parse(const char *line, vmopt__sample *s);

/* Each workload's score for a sample, 0 to 1 (balanced is the floor that
 * the others must rise above). */
void vmopt__retune_scores(const vmopt__sample *s, double score[5]);

/* The decision: *next is the state after s; returns 1 when the workload
 * changes (next->workload), with the reason in reason, else 0.  Pure. */
int vmopt__retune_decide(const vmopt__retune_state *prev, const vmopt__retune_params *p,
                         const vmopt__sample *s, vmopt__retune_state *next, char *reason, size_t len);

#endif
