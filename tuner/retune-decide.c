/* The retuning decision: see retune-decide.h.
 *
 * Identification scores each workload from 0 to 1:
 *   bulk-copy    the share of the bytes copied that went in copies of
 *                1 MiB or more, times how hard the process copies (full
 *                at 1 GB/s while sampling);
 *   interpreter  pool operations per second (full at 10 M/s), times the
 *                share of bytes copied in small copies;
 *   jit          TLB misses per second (full at 1 M/s), or with hardware
 *                counters data-TLB misses per cycle (full at 1 in 1000);
 *   balanced     0.25, the floor the others must rise above.
 * A change needs the challenger ahead of the workload in force by the
 * hysteresis (relative) and by 0.1 (absolute), in VMOPT__RETUNE_STREAK
 * samples in a row, after the plan in force has dwelt its minimum time.
 * Alternating samples restart the streak, so they never change anything. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/plan.h"
#include "tuner/retune-decide.h"

#define BIG_CLASS 13 /* 2^(13+7) = 1 MiB */
#define BALANCED_FLOOR 0.25
#define ABSOLUTE_MARGIN 0.1

static double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

typedef struct {
    double big_share, copy_gbs, pool_mops, tlb_mmiss, tlb_miss_pct, dtlb_per_kcycle;
} facts;

static facts facts_of(const vmopt__sample *s)
{
    facts f = {0};
    uint64_t bytes = 0, big = 0;
    for (int c = 0; c < VMOPT__SIZE_CLASSES; c++) {
        bytes += s->copy_bytes[c];
        if (c >= BIG_CLASS)
            big += s->copy_bytes[c];
    }
    f.big_share = bytes ? (double)big / (double)bytes : 0;
    f.copy_gbs = s->sample_ns ? (double)bytes / (double)s->sample_ns : 0;
    double secs = s->window_ns ? (double)s->window_ns / 1e9 : 0;
    f.pool_mops = secs > 0 ? (double)s->pool_ops / secs / 1e6 : 0;
    f.tlb_mmiss = secs > 0 ? (double)s->tlb_misses / secs / 1e6 : 0;
    f.tlb_miss_pct = s->tlb_lookups ? 100.0 * (double)s->tlb_misses / (double)s->tlb_lookups : 0;
    f.dtlb_per_kcycle = s->has_counters && s->cycles ? 1000.0 * (double)s->dtlb_misses / (double)s->cycles : 0;
    return f;
}

void vmopt__retune_scores(const vmopt__sample *s, double score[5])
{
    facts f = facts_of(s);
    score[VMOPT__WL_BALANCED] = BALANCED_FLOOR;
    score[VMOPT__WL_BULK_COPY] = f.big_share * clamp01(f.copy_gbs / 1.0);
    score[VMOPT__WL_INTERPRETER] = clamp01(f.pool_mops / 10.0) * (1 - f.big_share);
    double jit = clamp01(f.tlb_mmiss / 1.0);
    if (s->has_counters && clamp01(f.dtlb_per_kcycle) > jit)
        jit = clamp01(f.dtlb_per_kcycle);
    score[VMOPT__WL_JIT] = jit;
    score[VMOPT__WL_LOW_MEMORY] = 0; /* a host's choice, never identified */
}

static void explain(int w, const vmopt__sample *s, char *buf, size_t len)
{
    facts f = facts_of(s);
    switch (w) {
    case VMOPT__WL_BULK_COPY:
        snprintf(buf, len, "%.0f%% of the bytes copied went in copies of 1 MiB or more, at %.1f GB/s",
                 100 * f.big_share, f.copy_gbs);
        break;
    case VMOPT__WL_INTERPRETER:
        snprintf(buf, len, "%.1f M pool operations/s, %.0f%% of the bytes copied in copies under 1 MiB",
                 f.pool_mops, 100 * (1 - f.big_share));
        break;
    case VMOPT__WL_JIT:
        if (s->has_counters && f.dtlb_per_kcycle >= f.tlb_mmiss)
            snprintf(buf, len, "%.2f data-TLB misses per 1000 cycles (counters)", f.dtlb_per_kcycle);
        else
            snprintf(buf, len, "%.2f M software-TLB misses/s (%.1f%% of lookups)", f.tlb_mmiss, f.tlb_miss_pct);
        break;
    default:
        snprintf(buf, len, "no workload stands out (copies %.1f GB/s, %.0f%% in 1 MiB or more; pools %.1f M "
                           "ops/s; TLB %.2f M misses/s)",
                 f.copy_gbs, 100 * f.big_share, f.pool_mops, f.tlb_mmiss);
    }
}

int vmopt__retune_decide(const vmopt__retune_state *prev, const vmopt__retune_params *p,
                         const vmopt__sample *s, vmopt__retune_state *next, char *reason, size_t len)
{
    double score[5];
    vmopt__retune_scores(s, score);
    int best = VMOPT__WL_BALANCED;
    for (int w = 0; w < 5; w++)
        if (score[w] > score[best])
            best = w;
    *next = *prev;
    next->dwelt_ns += s->window_ns;
    double here = score[prev->workload];
    int challenges = best != prev->workload && score[best] >= here * (1 + p->hysteresis_pct / 100.0) &&
                     score[best] >= here + ABSOLUTE_MARGIN;
    if (!challenges) {
        next->candidate = -1;
        next->streak = 0;
        return 0;
    }
    if (next->candidate == best) {
        next->streak++;
    } else {
        next->candidate = best;
        next->streak = 1;
    }
    if (next->streak < VMOPT__RETUNE_STREAK || next->dwelt_ns < p->dwell_ns)
        return 0;
    char why[160];
    explain(best, s, why, sizeof why);
    snprintf(reason, len, "%s -> %s: %s (score %.2f vs %.2f, %u samples running)",
             vmopt__workload_names[prev->workload], vmopt__workload_names[best], why, score[best], here,
             next->streak);
    next->workload = best;
    next->candidate = -1;
    next->streak = 0;
    next->dwelt_ns = 0;
    return 1;
}

void vmopt__sample_format(const vmopt__sample *s, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len,
                                "window_ns=%" PRIu64 " sample_ns=%" PRIu64 " pool=%" PRIu64 "/%" PRIu64 "/%" PRIu64
                                " tlb=%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64 " counters=%d/%" PRIu64 "/%" PRIu64
                                "/%" PRIu64,
                                s->window_ns, s->sample_ns, s->pool_ops, s->pool_refills, s->pool_drains,
                                s->tlb_lookups, s->tlb_misses, s->tlb_used, s->tlb_entries, s->has_counters,
                                s->cycles, s->dtlb_misses, s->llc_misses);
    for (int c = 0; c < VMOPT__SIZE_CLASSES && n < len; c++)
        if (s->copy_calls[c])
            n += (size_t)snprintf(buf + n, len - n, " c%d=%" PRIu64 "/%" PRIu64, c, s->copy_calls[c],
                                  s->copy_bytes[c]);
}

int vmopt__sample_parse(const char *line, vmopt__sample *s)
{
    memset(s, 0, sizeof *s);
    int used = 0;
    if (sscanf(line,
               "window_ns=%" SCNu64 " sample_ns=%" SCNu64 " pool=%" SCNu64 "/%" SCNu64 "/%" SCNu64 " tlb=%" SCNu64
               "/%" SCNu64 "/%" SCNu64 "/%" SCNu64 " counters=%d/%" SCNu64 "/%" SCNu64 "/%" SCNu64 "%n",
               &s->window_ns, &s->sample_ns, &s->pool_ops, &s->pool_refills, &s->pool_drains, &s->tlb_lookups,
               &s->tlb_misses, &s->tlb_used, &s->tlb_entries, &s->has_counters, &s->cycles, &s->dtlb_misses,
               &s->llc_misses, &used) != 13)
        return -1;
    const char *p = line + used;
    for (;;) {
        int c, k = 0;
        uint64_t calls, bytes;
        if (sscanf(p, " c%d=%" SCNu64 "/%" SCNu64 "%n", &c, &calls, &bytes, &k) != 3)
            break;
        if (c < 0 || c >= VMOPT__SIZE_CLASSES)
            return -1;
        s->copy_calls[c] = calls;
        s->copy_bytes[c] = bytes;
        p += k;
    }
    return 0;
}
