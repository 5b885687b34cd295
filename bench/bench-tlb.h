/* What bench-tlb's two translation units share: the traces, and the loop
 * that runs one through a vmopt TLB, compiled once with the page size known
 * at build time (bench-tlb.c) and once without (bench-tlb-any.c). */
#ifndef VMOPT_BENCH_TLB_H
#define VMOPT_BENCH_TLB_H

#include <stddef.h>
#include <stdint.h>

#include "vmopt.h"

#define TRACE_MAX (1u << 21)
typedef struct {
    const char *name;
    uint64_t *addr;
    size_t n;
    size_t flush_every; /* 0: never; else a full flush (a context switch) every n accesses */
    uint8_t *write;     /* NULL: every access a read; else 1 where it is a write */
} trace;

/* ---- running a trace through a TLB ------------------------------------- */
typedef struct ref_tlb ref_tlb;
typedef struct {
    const trace *tr;
    vmopt_tlb *tlb;
    ref_tlb *ref;
    uint64_t sink;
    uint64_t entry_sum, entry_samples; /* the table size, sampled at each flush */
    int track;
} run_arg;

/* The lookup loop walks a trace in runs between flushes, so that the inner
 * loop is the lookups alone, shaped as the reference's.  Static inline, so
 * each translation unit compiles it with its own VMOPT_TLB_PAGE_SHIFT. */
static inline size_t bench_tlb_run_length(const trace *tr, size_t i)
{
    size_t end = tr->flush_every ? i + tr->flush_every : tr->n;
    return end < tr->n ? end : tr->n;
}

static inline void bench_tlb_run(run_arg *a)
{
    const trace *tr = a->tr;
    uint64_t sum = 0;
    int fault;
    for (size_t i = 0; i < tr->n;) {
        if (tr->flush_every) {
            vmopt_tlb_flush(a->tlb);
            if (a->track) {
                vmopt_tlb_stats st;
                vmopt_tlb_get_stats(a->tlb, &st);
                a->entry_sum += st.entries;
                a->entry_samples++;
            }
        }
        size_t end = bench_tlb_run_length(tr, i);
        if (tr->write) /* a VM's load and store sites: each a constant kind */
            for (; i < end; i++)
                sum += (uintptr_t)(tr->write[i] ? vmopt_tlb_lookup(a->tlb, tr->addr[i], VMOPT_TLB_WRITE, &fault)
                                                : vmopt_tlb_lookup(a->tlb, tr->addr[i], VMOPT_TLB_READ, &fault));
        else
            for (; i < end; i++)
                sum += (uintptr_t)vmopt_tlb_lookup(a->tlb, tr->addr[i], VMOPT_TLB_READ, &fault);
    }
    a->sink += sum;
}

/* The same loop with the page size read from the TLB (bench-tlb-any.c). */
void bench_tlb_run_any(void *arg);

#endif
