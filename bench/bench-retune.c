/* bench-retune: the combined workloads of the earlier Rust system and a
 * phased one whose character changes mid-run, each with retuning off (the
 * default profile), on (the same profile, retuning), and with each fixed
 * profile, all in the same run with the configurations interleaved.
 *
 * Workloads (fixed amounts of work, timed):
 *   alloc+copy    pool objects of 256 B, a 200-byte copy into each
 *   tlb+alloc     software-TLB lookups over 2 Ki pages, a pool pair every 8
 *   memcpy+alloc  64 KiB copies, a pool pair each
 *   sustained     a steady mix: 2 KiB copies, lookups, pool pairs
 *   stress        the mix in 2 threads at once
 *   phased        10 MiB copies through 4 buffers (a migration), then
 *                 interpreter-like pool traffic with small copies, then the
 *                 copies again
 * The retuning profile is the default one with a 20 ms period and 100 ms
 * of dwell (bench/retune.conf), so that a phase of about a second sees the
 * change; the "off" profile is the same with retuning off.  Pools and TLBs
 * are made once: the configurations differ in the dispatch table and the
 * retuner only.
 *
 * --timeline runs the phased workload once, retuning, and records when each
 * phase ended (bench/results/bench-retune-timeline.json); with
 * VMOPT_RETUNE_RECORD set, as make bench sets it, the retuner writes each
 * sample and its scores beside it, and tools/plots draws the two as the
 * retune timeline. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/harness.h"
#include "vmopt.h"

enum { OFF, ON, F_BULK, F_INTERP, F_JIT, NCONF };
static const char *const conf_name[NCONF] = {"retune off", "retune on", "fixed bulk-copy",
                                             "fixed interpreter", "fixed jit"};
static char conf_path[2][256]; /* OFF and ON profiles, written at start */

static vmopt_pool *pool64, *pool256;
static char *src, *dst;
enum { BIG = 10 << 20, NBUF = 4 };

static int fill(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot)
{
    (void)access;
    *host = (char *)opaque + (vaddr & 0x3ff000);
    *prot = VMOPT_TLB_PROT_READ | VMOPT_TLB_PROT_WRITE;
    return 0;
}

static vmopt_tlb *new_tlb(void)
{
    static char guest[4 << 20];
    vmopt_tlb_config c = VMOPT_TLB_CONFIG_INIT;
    c.fill = fill;
    c.opaque = guest;
    vmopt_tlb *t;
    if (vmopt_tlb_create(&t, &c) < 0) {
        fprintf(stderr, "bench-retune: %s\n", vmopt_errmsg());
        exit(1);
    }
    return t;
}

static void alloc_copy(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        char *o = vmopt_pool_alloc(pool256);
        vmopt_memcpy(o, src + (i & 1023), 200);
        bench_keep(o);
        vmopt_pool_free(pool256, o);
    }
}

static void tlb_alloc(vmopt_tlb *t, unsigned long n)
{
    uint64_t x = 88172645463325252ull;
    int fault;
    for (unsigned long i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bench_keep(vmopt_tlb_lookup(t, (x % 2048) << 12, VMOPT_TLB_READ, &fault));
        if ((i & 7) == 0)
            vmopt_pool_free(pool64, vmopt_pool_alloc(pool64));
    }
}

static void memcpy_alloc(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        vmopt_memcpy(dst + (i & 3) * 65536, src + ((i + 1) & 3) * 65536, 65536);
        vmopt_pool_free(pool64, vmopt_pool_alloc(pool64));
    }
}

static void mix(vmopt_tlb *t, unsigned long n, size_t off)
{
    int fault;
    for (unsigned long i = 0; i < n; i++) {
        vmopt_memcpy(dst + off + (i & 7) * 2048, src + off + ((i + 3) & 7) * 2048, 2048);
        bench_keep(vmopt_tlb_lookup(t, (i * 37 % 1024) << 12, VMOPT_TLB_READ, &fault));
        if ((i & 3) == 0)
            vmopt_pool_free(pool64, vmopt_pool_alloc(pool64));
    }
}

static void big_copies(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        vmopt_memcpy(dst + (i % NBUF) * (size_t)BIG, src + ((i + 1) % NBUF) * (size_t)BIG, BIG);
}

typedef struct {
    vmopt_tlb *tlb;
    unsigned long n;
    size_t off;
} stress_arg;

static void *stress_thread(void *p)
{
    stress_arg *a = p;
    vmopt_tlb *t = new_tlb();
    mix(t, a->n, a->off);
    vmopt_tlb_destroy(t);
    return NULL;
}

static vmopt_tlb *main_tlb;

/* The workloads: index, name, and the phases each has (1, or 3). */
enum { W_ALLOC_COPY, W_TLB_ALLOC, W_MEMCPY_ALLOC, W_SUSTAINED, W_STRESS, W_PHASED, NWORK };
static const char *const work_name[NWORK] = {"alloc+copy", "tlb+alloc", "memcpy+alloc", "sustained", "stress",
                                             "phased"};
static double quick = 1; /* VMOPT_BENCH_QUICK shortens everything */

/* Runs workload w, filling t[phase] with ns; returns the phases. */
static int run(int w, double t[3])
{
    double t0 = bench_now_ns();
    switch (w) {
    case W_ALLOC_COPY:
        alloc_copy((unsigned long)(20e6 * quick));
        break;
    case W_TLB_ALLOC:
        tlb_alloc(main_tlb, (unsigned long)(40e6 * quick));
        break;
    case W_MEMCPY_ALLOC:
        memcpy_alloc((unsigned long)(60e3 * quick));
        break;
    case W_SUSTAINED:
        mix(main_tlb, (unsigned long)(4e6 * quick), 0);
        break;
    case W_STRESS: {
        pthread_t th[2];
        stress_arg a[2] = {{NULL, (unsigned long)(3e6 * quick), 0}, {NULL, (unsigned long)(3e6 * quick), 1 << 20}};
        for (int i = 0; i < 2; i++)
            pthread_create(&th[i], NULL, stress_thread, &a[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        break;
    }
    case W_PHASED:
        big_copies((unsigned long)(2500 * quick));
        t[0] = bench_now_ns() - t0;
        t0 = bench_now_ns();
        alloc_copy((unsigned long)(25e6 * quick));
        t[1] = bench_now_ns() - t0;
        t0 = bench_now_ns();
        big_copies((unsigned long)(2500 * quick));
        t[2] = bench_now_ns() - t0;
        return 3;
    }
    t[0] = bench_now_ns() - t0;
    return 1;
}

static void use(int conf)
{
    static const char *const fixed[] = {NULL, NULL, "bulk-copy", "interpreter", "jit"};
    vmopt_retune_stop();
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = VMOPT_TUNE_FRESH;
    o.profile = conf <= ON ? conf_path[conf] : fixed[conf];
    if (vmopt_autotune(&o) < 0) {
        fprintf(stderr, "bench-retune: %s: %s\n", o.profile, vmopt_errmsg());
        exit(1);
    }
    if (conf == ON && vmopt_retune_start() < 0) {
        fprintf(stderr, "bench-retune: %s\n", vmopt_errmsg());
        exit(1);
    }
}

static void write_profiles(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int on = 0; on < 2; on++) {
        snprintf(conf_path[on], sizeof conf_path[on], "%s/vmopt-bench-retune-%d-%s.conf", dir, (int)getpid(),
                 on ? "on" : "off");
        FILE *f = fopen(conf_path[on], "w");
        if (!f || fprintf(f, "[profile]\nname = retune-%s\ninclude = default\n[retune]\nenabled = off\n"
                             "period_ms = 20\ndwell_ms = 100\n",
                          on ? "on" : "off") < 0 || fclose(f) != 0) {
            perror(conf_path[on]);
            exit(1);
        }
    }
}

/* One phased run, retuning from the start (use(ON) made the process's
 * first plan, at base ns: the retuner's t = 0, to within the install's own
 * time); each phase's end in seconds on that clock. */
static int timeline(double base)
{
    double t[3], end = bench_now_ns() - base;
    run(W_PHASED, t);
    vmopt_retune_stop();
    for (int p = 0; p < 3; p++) {
        char name[32];
        end += t[p];
        snprintf(name, sizeof name, "phase %d end", p + 1);
        bench_counter("retune-timeline", name, "t_s", end / 1e9);
        printf("phase %d (%s) ends at t=%.3f s\n", p + 1, p == 1 ? "pool traffic, small copies" : "10 MiB copies",
               end / 1e9);
    }
    vmopt_retune_event e[16];
    unsigned n = vmopt_retune_history(e, 16);
    for (unsigned i = 0; i < n; i++)
        printf("  t=%.3fs %s\n", e[i].t, e[i].reason);
    unlink(conf_path[0]);
    unlink(conf_path[1]);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned rounds = 5;
    int timeline_only = argc > 1 && strcmp(argv[1], "--timeline") == 0;
    if (argc > 1 && !timeline_only) {
        fprintf(stderr, "usage: bench-retune [--timeline]\n");
        return 2;
    }
    if (getenv("VMOPT_BENCH_QUICK")) {
        quick = 0.2;
        rounds = 3;
    }
    write_profiles();
    src = malloc((size_t)BIG * NBUF);
    dst = malloc((size_t)BIG * NBUF);
    memset(src, 1, (size_t)BIG * NBUF);
    memset(dst, 2, (size_t)BIG * NBUF);
    if (timeline_only)
        bench_output_name("bench-retune-timeline");
    use(timeline_only ? ON : OFF);
    double base = bench_now_ns();
    vmopt_pool_config pc = VMOPT_POOL_CONFIG_INIT;
    pc.object_size = 64;
    vmopt_pool_create(&pool64, &pc);
    pc.object_size = 256;
    vmopt_pool_create(&pool256, &pc);
    main_tlb = new_tlb();
    if (timeline_only)
        return timeline(base);

    /* [work][conf][phase][round] */
    static double v[NWORK][NCONF][3][16];
    int phases[NWORK];
    for (unsigned r = 0; r < rounds; r++)
        for (int w = 0; w < NWORK; w++)
            for (int c = 0; c < NCONF; c++) {
                use(c);
                double t[3];
                phases[w] = run(w, t);
                for (int p = 0; p < phases[w]; p++)
                    v[w][c][p][r] = t[p];
            }
    vmopt_retune_stop();
    printf("retuning: ms per workload (phase), medians of %u rounds, configurations interleaved\n", rounds);
    printf("%-14s %-6s", "workload", "phase");
    for (int c = 0; c < NCONF; c++)
        printf(" %17s", conf_name[c]);
    printf("   on/off  on/best-fixed\n");
    double med[NWORK][NCONF][3];
    int within = 1;
    double worst_best = 0, on_total = 0, off_total = 0, sustained_cost = 0;
    for (int w = 0; w < NWORK; w++)
        for (int p = 0; p < phases[w]; p++) {
            printf("%-14s %-6d", work_name[w], p + 1);
            double best_fixed = 1e300;
            for (int c = 0; c < NCONF; c++) {
                med[w][c][p] = bench_median(v[w][c][p], rounds);
                printf(" %17.1f", med[w][c][p] / 1e6);
                if (c != ON && med[w][c][p] < best_fixed)
                    best_fixed = med[w][c][p];
                bench_result res = {.group = "retune", .name = conf_name[c], .median_ns = med[w][c][p],
                                    .p10_ns = v[w][c][p][0], .p90_ns = v[w][c][p][rounds - 1], .samples = rounds,
                                    .calls_per_sample = 1, .sample_ns = v[w][c][p]};
                char name[96];
                snprintf(name, sizeof name, "%s phase %d, %s", work_name[w], p + 1, conf_name[c]);
                res.name = strdup(name);
                bench_record(&res, NULL);
            }
            double on_off = med[w][ON][p] / med[w][OFF][p], on_best = med[w][ON][p] / best_fixed;
            printf("   %6.3f  %6.3f\n", on_off, on_best);
            if (w == W_PHASED) {
                within &= on_best <= 1.10;
                if (on_best > worst_best)
                    worst_best = on_best;
                on_total += med[w][ON][p];
                off_total += med[w][OFF][p];
            }
            if (w == W_SUSTAINED)
                sustained_cost = on_off - 1;
        }
    vmopt_retune_event e[16];
    unsigned n = vmopt_retune_history(e, 16);
    printf("\nthe last retuning changes:\n");
    for (unsigned i = n > 6 ? n - 6 : 0; i < n; i++)
        printf("  t=%.2fs %s\n", e[i].t, e[i].reason);
    printf("\nbars:\n");
    printf("  sustained: retuning costs <= 1%%: %+.2f%%, %s\n", 100 * sustained_cost,
           sustained_cost <= 0.01 ? "met" : "NOT MET");
    printf("  phased: within 1.1x of the best fixed profile in each phase: worst %.3fx, %s\n", worst_best,
           within ? "met" : "NOT MET");
    printf("  phased: faster than the default profile overall: %.3fx its time, %s\n", on_total / off_total,
           on_total < off_total ? "met" : "NOT MET");
    unlink(conf_path[0]);
    unlink(conf_path[1]);
    return 0;
}
