/* bench-pool: ns per alloc+free pair for the object pool, inlined
 * (vmopt_pool_cache_alloc/free on the thread's handle) and called
 * (vmopt_pool_alloc/free), against glibc's malloc, mimalloc and jemalloc,
 * all in the same run, samples interleaved.
 *
 * "empty calls" calls a function that does nothing, the way the references
 * are called: the floor under every called column.
 *
 * Patterns: "pair" allocates an object and frees it at once; "batch"
 * allocates 1000 and then frees them in the order allocated.  Sizes 16, 64
 * and 256 B.  Each sample runs in fresh threads (1, or 2 at once) that
 * warm up and then start together; a sample's time is from
 * the first start to the last finish, so with 2 threads the figure is of
 * the total rate of pairs.
 *
 * "producer/consumer" is the pattern of a VM's I/O threads: one thread
 * allocates objects, writes a word of each and hands them over in batches
 * of 64 through a ring; another reads the word and frees them.  Every free
 * is of an object another thread allocated.  Its figure is ns per object,
 * and the bar is on the ratio to mimalloc of each interleaved round: the
 * median and the 10th percentile.
 *
 * mimalloc and jemalloc are the Debian packages' libraries, opened with
 * dlopen(RTLD_LOCAL) so that they do not replace glibc's malloc for the
 * rest of the process (jemalloc needs more static TLS than glibc keeps for
 * that, so the benchmark restarts itself with GLIBC_TUNABLES asking for
 * it); their columns say "absent" when not installed (tools/setup.sh
 * --test installs them). */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/harness.h"
#include "vmopt.h"

enum { BATCH = 1000, MAX_THREADS = 2 };

static unsigned samples = 15;
static const double sample_ns = 10e6;

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);
static malloc_fn mi_malloc_p, je_malloc_p;
static free_fn mi_free_p, je_free_p;

typedef struct job job;
typedef void (*kernel_fn)(job *j, unsigned long n);

struct job { /* each on lines of its own: a thread writes its slot[] */
    _Alignas(64) size_t size;
    vmopt_pool *pool;
    vmopt_pool_cache *cache; /* this thread's, set in the thread */
    kernel_fn kernel;
    unsigned long n;
    unsigned long first; /* producer/consumer: the batch it starts at */
    unsigned threads;
    double t0, t1;
    void *slot[BATCH];
};

/* Each allocator's two loops, with its calls written out so that the
 * inline pool's fast path is compiled into the loop as a VM would have it.
 * bench_keep stops the compiler from dropping a malloc whose result is
 * unused; the batch's array is in memory, so every object is kept. */
#define KERNELS(name, ALLOC, FREE)                                                                 \
    static void pair_##name(job *j, unsigned long n)                                               \
    {                                                                                              \
        for (unsigned long i = 0; i < n; i++) {                                                    \
            void *p = ALLOC;                                                                       \
            bench_keep(p);                                                                         \
            FREE(p);                                                                               \
        }                                                                                          \
    }                                                                                              \
    static void batch_##name(job *j, unsigned long n)                                              \
    {                                                                                              \
        for (unsigned long r = 0; r < n; r++) {                                                    \
            for (int i = 0; i < BATCH; i++)                                                        \
                j->slot[i] = ALLOC;                                                                \
            bench_keep(j->slot);                                                                   \
            for (int i = 0; i < BATCH; i++)                                                        \
                FREE(j->slot[i]);                                                                  \
        }                                                                                          \
    }

/* The floor of the called columns: a function that does nothing, called
 * through a pointer as the references are. */
__attribute__((noinline)) static void *nop_malloc(size_t size)
{
    return (void *)size;
}
__attribute__((noinline)) static void nop_free(void *p)
{
    __asm__ volatile("" : : "r"(p));
}
malloc_fn bench_nop_malloc_p = nop_malloc; /* not static: the calls stay indirect */
free_fn bench_nop_free_p = nop_free;

#define NOP_FREE(p) bench_nop_free_p(p)
#define INLINE_FREE(p) vmopt_pool_cache_free(j->cache, p)
#define CALLED_FREE(p) vmopt_pool_free(j->pool, p)
#define MI_FREE(p) mi_free_p(p)
#define JE_FREE(p) je_free_p(p)
KERNELS(inline, vmopt_pool_cache_alloc(j->cache), INLINE_FREE)
KERNELS(called, vmopt_pool_alloc(j->pool), CALLED_FREE)
KERNELS(glibc, malloc(j->size), free)
KERNELS(mimalloc, mi_malloc_p(j->size), MI_FREE)
KERNELS(jemalloc, je_malloc_p(j->size), JE_FREE)
KERNELS(nop, bench_nop_malloc_p(j->size), NOP_FREE)

enum { INLINE, CALLED, GLIBC, MIMALLOC, JEMALLOC, NOP, NALLOC };
static const char *const alloc_name[NALLOC] = {"pool inline", "pool called", "glibc", "mimalloc",
                                               "jemalloc", "empty calls"};
static const kernel_fn kernels[2][NALLOC] = {
    {pair_inline, pair_called, pair_glibc, pair_mimalloc, pair_jemalloc, pair_nop},
    {batch_inline, batch_called, batch_glibc, batch_mimalloc, batch_jemalloc, batch_nop},
};
static const char *const pattern_name[2] = {"alloc then free", "1000 allocs, 1000 frees"};

/* ---- producer/consumer ---------------------------------------------------- */

enum { PC_BATCH = 64, PC_RING = 16, PC_SLICES = 5 };

typedef struct {
    _Alignas(64) unsigned long head; /* batches handed over */
    _Alignas(64) unsigned long tail; /* batches freed */
    _Alignas(64) void *batch[PC_RING][PC_BATCH];
} pc_ring;

static pc_ring ring;

/* One turn of a wait for the other thread: a pause, and past a few
 * microseconds of them a yield.  Two threads the guest put on one vCPU
 * would otherwise spin out a whole time slice at each handover: rounds of
 * either allocator stalled from 5-200 ns an object to 0.6-10 us (Zen 3
 * guest, 2 vCPUs), and the pool's, being the shorter, lost more of their
 * ratio to the same stall. */
static inline void pc_wait(unsigned *spins)
{
    if (++*spins < 1024)
        __builtin_ia32_pause();
    else
        sched_yield();
}

#define PC_KERNELS(name, ALLOC, FREE)                                                              \
    static void produce_##name(job *j, unsigned long n)                                            \
    {                                                                                              \
        for (unsigned long b = j->first; b < j->first + n; b++) {                                  \
            for (unsigned spins = 0; b - __atomic_load_n(&ring.tail, __ATOMIC_ACQUIRE) >= PC_RING;)   \
                pc_wait(&spins);                                                                   \
            void **slot = ring.batch[b % PC_RING];                                                 \
            for (int i = 0; i < PC_BATCH; i++) {                                                   \
                void *p = ALLOC;                                                                   \
                *(unsigned long *)p = b;                                                           \
                slot[i] = p;                                                                       \
            }                                                                                      \
            __atomic_store_n(&ring.head, b + 1, __ATOMIC_RELEASE);                                 \
        }                                                                                          \
        j->first += n;                                                                             \
    }                                                                                              \
    static void consume_##name(job *j, unsigned long n)                                            \
    {                                                                                              \
        unsigned long sum = 0;                                                                     \
        for (unsigned long b = j->first; b < j->first + n; b++) {                                  \
            for (unsigned spins = 0; __atomic_load_n(&ring.head, __ATOMIC_ACQUIRE) == b;)          \
                pc_wait(&spins);                                                                   \
            void **slot = ring.batch[b % PC_RING];                                                 \
            for (int i = 0; i < PC_BATCH; i++) {                                                   \
                sum += *(unsigned long *)slot[i];                                                  \
                FREE(slot[i]);                                                                     \
            }                                                                                      \
            __atomic_store_n(&ring.tail, b + 1, __ATOMIC_RELEASE);                                 \
        }                                                                                          \
        j->first += n;                                                                             \
        bench_keep(sum);                                                                           \
    }
PC_KERNELS(inline, vmopt_pool_cache_alloc(j->cache), INLINE_FREE)
PC_KERNELS(called, vmopt_pool_alloc(j->pool), CALLED_FREE)
PC_KERNELS(glibc, malloc(j->size), free)
PC_KERNELS(mimalloc, mi_malloc_p(j->size), MI_FREE)
PC_KERNELS(jemalloc, je_malloc_p(j->size), JE_FREE)

static const kernel_fn producers[NALLOC] = {produce_inline, produce_called, produce_glibc, produce_mimalloc,
                                            produce_jemalloc, NULL};
static const kernel_fn consumers[NALLOC] = {consume_inline, consume_called, consume_glibc, consume_mimalloc,
                                            consume_jemalloc, NULL};

static unsigned arrived;

static void *thread_main(void *arg)
{
    job *j = arg;
    if (j->pool && !(j->cache = vmopt_pool_thread_cache(j->pool))) {
        fprintf(stderr, "bench-pool: vmopt_pool_thread_cache: out of memory\n");
        exit(1);
    }
    j->kernel(j, j->n / 8 + 1); /* warm: the thread's cache, heap or arena is made */
    /* A spinning start: a thread that blocked in a barrier would wake
     * milliseconds late on a guest whose idle vCPU the host has parked. */
    __atomic_add_fetch(&arrived, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < j->threads)
        __builtin_ia32_pause();
    j->t0 = bench_now_ns();
    j->kernel(j, j->n);
    j->t1 = bench_now_ns();
    return NULL;
}

/* One sample: ns per pair of the total rate of `threads` threads, each
 * running the kernel n times (each time 1 pair, or BATCH). */
static double run_threads(const kernel_fn *k, vmopt_pool *pool, size_t size, unsigned long n, unsigned threads)
{
    static job jobs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    arrived = 0;
    ring.head = ring.tail = 0;
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (job){.size = size, .pool = pool, .kernel = k[t], .n = n, .threads = threads};
        if (pthread_create(&th[t], NULL, thread_main, &jobs[t])) {
            perror("bench-pool: pthread_create");
            exit(1);
        }
    }
    double first = 0, last = 0;
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        if (!t || jobs[t].t0 < first)
            first = jobs[t].t0;
        if (!t || jobs[t].t1 > last)
            last = jobs[t].t1;
    }
    return last - first;
}

static double sample(kernel_fn k, vmopt_pool *pool, size_t size, unsigned long n, unsigned threads)
{
    const kernel_fn ks[MAX_THREADS] = {k, k};
    return run_threads(ks, pool, size, n, threads) / ((double)n * threads);
}

/* ns per object handed from a producer thread to a consumer thread. */
static double sample_pc(int a, vmopt_pool *pool, size_t size, unsigned long batches)
{
    const kernel_fn ks[MAX_THREADS] = {producers[a], consumers[a]};
    return run_threads(ks, pool, size, batches, 2) / ((double)batches * PC_BATCH);
}

static int available(int a)
{
    return (a != MIMALLOC || mi_malloc_p) && (a != JEMALLOC || je_malloc_p);
}

/* ns per pair, medians, [alloc][threads - 1], for one size and pattern. */
static void measure(int pattern, size_t size, vmopt_pool *pool, double med[NALLOC][MAX_THREADS],
                    bench_result res[NALLOC][MAX_THREADS])
{
    unsigned long n[NALLOC];
    unsigned per_call = pattern ? BATCH : 1;
    for (int a = 0; a < NALLOC; a++) {
        if (!available(a))
            continue;
        vmopt_pool *p = a <= CALLED ? pool : NULL;
        unsigned long calls = 64;
        double ns;
        while ((ns = sample(kernels[pattern][a], p, size, calls, 1) * (double)calls) < sample_ns / 8)
            calls *= 2;
        n[a] = (unsigned long)((double)calls * sample_ns / ns) + 1;
    }
    static double v[NALLOC][MAX_THREADS][64];
    for (unsigned s = 0; s < samples; s++)
        for (unsigned t = 1; t <= MAX_THREADS; t++)
            for (int a = 0; a < NALLOC; a++)
                if (available(a))
                    v[a][t - 1][s] = sample(kernels[pattern][a], a <= CALLED ? pool : NULL, size, n[a], t) / per_call;
    for (int a = 0; a < NALLOC; a++)
        for (unsigned t = 1; t <= MAX_THREADS; t++) {
            if (!available(a)) {
                med[a][t - 1] = 0;
                continue;
            }
            double *x = v[a][t - 1];
            med[a][t - 1] = bench_median(x, samples); /* sorts x */
            char name[64];
            snprintf(name, sizeof name, "%s %zu B %u thread%s %s", pattern ? "batch" : "pair", size, t,
                     t > 1 ? "s" : "", alloc_name[a]);
            res[a][t - 1] = (bench_result){.group = "pool", .name = strdup(name),
                                           .median_ns = med[a][t - 1], .p10_ns = x[samples / 10],
                                           .p90_ns = x[samples - 1 - samples / 10], .samples = samples,
                                           .calls_per_sample = n[a] * per_call * t,
                                           .sample_ns = bench_samples(x, samples)};
        }
}

/* Producer/consumer, for one size: ns per object (medians) in med[a], and
 * per round the ratio of each allocator's time to the inlined pool's, so
 * that the bar's 10th percentile is of rounds measured side by side. */
enum { PC_ALLOCS = JEMALLOC + 1 };
static void measure_pc(size_t size, vmopt_pool *pool, double med[PC_ALLOCS], double ratio_med[PC_ALLOCS],
                       double ratio_p10[PC_ALLOCS], bench_result res[PC_ALLOCS])
{
    unsigned long n[PC_ALLOCS];
    for (int a = 0; a < PC_ALLOCS; a++) {
        if (!available(a))
            continue;
        unsigned long batches = 16;
        double ns;
        while ((ns = sample_pc(a, a <= CALLED ? pool : NULL, size, batches) * (double)batches * PC_BATCH) <
               sample_ns / 8)
            batches *= 2;
        n[a] = (unsigned long)((double)batches * sample_ns / ns) + 1;
    }
    /* A round is PC_SLICES turns of each allocator in turn, a fifth of a
     * sample each: the cost of a handover is a cache line crossing between
     * two vCPUs, which the host moves between its cores every few ms, 5 ns
     * an object on one pair and 30 on another (Zen 3 guest); turns that
     * short see the same placement for every allocator of a round, so that
     * its ratios compare like with like. */
    static double v[PC_ALLOCS][64], r[PC_ALLOCS][64];
    for (unsigned s = 0; s < samples; s++) {
        for (int a = 0; a < PC_ALLOCS; a++)
            v[a][s] = 0;
        for (int k = 0; k < PC_SLICES; k++)
            for (int a = 0; a < PC_ALLOCS; a++)
                if (available(a))
                    v[a][s] += sample_pc(a, a <= CALLED ? pool : NULL, size, n[a] / PC_SLICES + 1) / PC_SLICES;
    }
    for (int a = 0; a < PC_ALLOCS; a++) {
        if (!available(a)) {
            med[a] = ratio_med[a] = ratio_p10[a] = 0;
            continue;
        }
        for (unsigned s = 0; s < samples; s++)
            r[a][s] = v[a][s] / v[INLINE][s];
        double x[64];
        memcpy(x, v[a], samples * sizeof *x);
        med[a] = bench_median(x, samples);
        char name[64];
        snprintf(name, sizeof name, "producer/consumer %zu B %s", size, alloc_name[a]);
        res[a] = (bench_result){.group = "pool", .name = strdup(name), .median_ns = med[a], .p10_ns = x[samples / 10],
                                .p90_ns = x[samples - 1 - samples / 10], .samples = samples,
                                .calls_per_sample = n[a] * PC_BATCH, .sample_ns = bench_samples(x, samples)};
        ratio_med[a] = bench_median(r[a], samples); /* sorts r[a] */
        ratio_p10[a] = r[a][samples / 10];
    }
}

static void open_references(char **argv)
{
    void *mi = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (mi) {
        mi_malloc_p = (malloc_fn)dlsym(mi, "mi_malloc");
        mi_free_p = (free_fn)dlsym(mi, "mi_free");
        if (!mi_free_p)
            mi_malloc_p = NULL;
    }
    void *je = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!je && strstr(dlerror(), "static TLS") && !getenv("GLIBC_TUNABLES")) {
        /* jemalloc's thread state is initial-exec TLS, more than glibc keeps
         * spare for a library opened late: start again with more. */
        setenv("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=65536", 1);
        execv("/proc/self/exe", argv);
    }
    if (je) {
        je_malloc_p = (malloc_fn)dlsym(je, "malloc");
        je_free_p = (free_fn)dlsym(je, "free");
        if (!je_free_p || je_malloc_p == malloc)
            je_malloc_p = NULL;
    }
    if (!mi_malloc_p)
        printf("mimalloc absent (libmimalloc2.0: tools/setup.sh --test installs it)\n");
    if (!je_malloc_p)
        printf("jemalloc absent (libjemalloc2: tools/setup.sh --test installs it)\n");
}

static const char *verdict(int met)
{
    return met ? "met" : "NOT MET";
}

/* The producer/consumer table and its bar, over every size. */
enum { NSIZES = 3 };
static void report_pc(const size_t *sizes, double pc_med[][PC_ALLOCS], double pc_ratio[][PC_ALLOCS],
                      double pc_p10[][PC_ALLOCS], bench_result pc_res[][PC_ALLOCS])
{
    printf("\nproducer/consumer: ns per object; x: speed of the inlined pool over each, per round "
           "(median, 10th percentile)\n%-6s", "size");
    for (int a = 0; a < PC_ALLOCS; a++)
        printf(" %20s", alloc_name[a]);
    putchar('\n');
    for (size_t z = 0; z < NSIZES; z++) {
        printf("%-6zu", sizes[z]);
        for (int a = 0; a < PC_ALLOCS; a++) {
            char cell[40] = "absent";
            if (available(a) && a == INLINE)
                snprintf(cell, sizeof cell, "%.2f", pc_med[z][a]);
            else if (available(a))
                snprintf(cell, sizeof cell, "%.2f %.2fx %.2fx", pc_med[z][a], pc_ratio[z][a], pc_p10[z][a]);
            printf(" %20s", cell);
            if (available(a))
                bench_record(&pc_res[z][a], a == INLINE ? NULL : &pc_res[z][INLINE]);
        }
        putchar('\n');
    }
    if (mi_malloc_p) {
        double worst_med = 1e9, worst_p10 = 1e9;
        for (size_t z = 0; z < NSIZES; z++) {
            if (pc_ratio[z][MIMALLOC] < worst_med)
                worst_med = pc_ratio[z][MIMALLOC];
            if (pc_p10[z][MIMALLOC] < worst_p10)
                worst_p10 = pc_p10[z][MIMALLOC];
        }
        printf("\nbar (the worst size):\n  producer/consumer, inlined pool >= 1.5x mimalloc, 10th percentile too: %.2fx (p10 %.2fx), %s\n",
               worst_med, worst_p10, verdict(worst_med >= 1.5 && worst_p10 >= 1.5));
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    if (getenv("VMOPT_BENCH_QUICK"))
        samples = 5;
    open_references(argv);
    bench_print_cpu();
    /* VMOPT_BENCH_ONLY=producer: only the producer/consumer pattern. */
    const char *only = getenv("VMOPT_BENCH_ONLY");
    int pc_only = only && strstr("producer/consumer", only);
    static const size_t sizes[NSIZES] = {16, 64, 256};
    double med[2][NSIZES][NALLOC][MAX_THREADS];
    bench_result res[2][NSIZES][NALLOC][MAX_THREADS];
    vmopt_pool_stats st[NSIZES];
    double pc_med[NSIZES][PC_ALLOCS], pc_ratio[NSIZES][PC_ALLOCS], pc_p10[NSIZES][PC_ALLOCS];
    bench_result pc_res[NSIZES][PC_ALLOCS];
    for (size_t z = 0; z < NSIZES; z++) {
        vmopt_pool_config cfg = VMOPT_POOL_CONFIG_INIT; /* magazine and chunk size: the plan's */
        cfg.object_size = sizes[z];
        cfg.name = "bench";
        vmopt_pool *pool;
        if (vmopt_pool_create(&pool, &cfg) < 0) {
            fprintf(stderr, "bench-pool: %s\n", vmopt_errmsg());
            return 1;
        }
        for (int pattern = 0; pattern < 2 && !pc_only; pattern++)
            measure(pattern, sizes[z], pool, med[pattern][z], res[pattern][z]);
        measure_pc(sizes[z], pool, pc_med[z], pc_ratio[z], pc_p10[z], pc_res[z]);
        vmopt_pool_get_stats(pool, &st[z]);
        vmopt_pool_destroy(pool);
    }

    if (pc_only) {
        report_pc(sizes, pc_med, pc_ratio, pc_p10, pc_res);
        return 0;
    }
    printf("object pool: ns per alloc+free pair, medians of %u interleaved samples; "
           "2 threads: ns per pair of the total rate, and its speed-up over 1\n",
           samples);
    for (int pattern = 0; pattern < 2; pattern++) {
        printf("\n%s\n%-6s %-8s", pattern_name[pattern], "size", "threads");
        for (int a = 0; a < NALLOC; a++)
            printf(" %12s", alloc_name[a]);
        putchar('\n');
        for (size_t z = 0; z < NSIZES; z++)
            for (unsigned t = 1; t <= MAX_THREADS; t++) {
                printf("%-6zu %-8u", sizes[z], t);
                for (int a = 0; a < NALLOC; a++) {
                    char cell[32] = "absent";
                    if (available(a) && t == 1)
                        snprintf(cell, sizeof cell, "%.2f", med[pattern][z][a][0]);
                    else if (available(a))
                        snprintf(cell, sizeof cell, "%.2f %.2fx", med[pattern][z][a][1],
                                 med[pattern][z][a][0] / med[pattern][z][a][1]);
                    printf(" %12s", cell);
                    if (available(a))
                        bench_record(&res[pattern][z][a][t - 1], a == INLINE ? NULL : &res[pattern][z][INLINE][t - 1]);
                }
                putchar('\n');
            }
    }
    printf("\npool state after its runs:");
    for (size_t z = 0; z < NSIZES; z++)
        printf(" %zu B: magazine %llu, %llu refills, %llu drains;", sizes[z], (unsigned long long)st[z].magazine,
               (unsigned long long)st[z].refills, (unsigned long long)st[z].drains);
    putchar('\n');

    /* The bars, over every size. */
    double worst_called = 0, worst_inline = 0, worst_vs_mi = 1e9, worst_vs_glibc = 1e9, worst_called_mi = 1e9;
    double worst_scale = 1e9;
    for (size_t z = 0; z < NSIZES; z++) {
        double (*pair)[MAX_THREADS] = med[0][z], (*batch)[MAX_THREADS] = med[1][z];
        if (pair[CALLED][0] > worst_called)
            worst_called = pair[CALLED][0];
        if (pair[INLINE][0] > worst_inline)
            worst_inline = pair[INLINE][0];
        if (batch[GLIBC][0] / batch[INLINE][0] < worst_vs_glibc)
            worst_vs_glibc = batch[GLIBC][0] / batch[INLINE][0];
        if (mi_malloc_p && batch[MIMALLOC][0] / batch[INLINE][0] < worst_vs_mi)
            worst_vs_mi = batch[MIMALLOC][0] / batch[INLINE][0];
        if (mi_malloc_p && batch[MIMALLOC][0] / batch[CALLED][0] < worst_called_mi)
            worst_called_mi = batch[MIMALLOC][0] / batch[CALLED][0];
        for (int pattern = 0; pattern < 2; pattern++)
            for (int a = INLINE; a <= CALLED; a++) {
                double scale = med[pattern][z][a][0] / med[pattern][z][a][1];
                if (scale < worst_scale)
                    worst_scale = scale;
            }
    }
    printf("\nbars (the worst size):\n");
    printf("  pair, called pool <= 2.5 ns: %.2f ns, %s\n", worst_called, verdict(worst_called <= 2.5));
    printf("  pair, inlined pool <= 1 ns: %.2f ns, %s\n", worst_inline, verdict(worst_inline <= 1.0));
    if (mi_malloc_p) {
        printf("  batch, inlined pool >= 2x mimalloc: %.2fx, %s\n", worst_vs_mi, verdict(worst_vs_mi >= 2));
        printf("  batch, called pool faster than mimalloc: %.3fx, %s\n", worst_called_mi,
               verdict(worst_called_mi > 1));
    } else {
        printf("  batch, against mimalloc: not measured (mimalloc absent)\n");
    }
    printf("  batch, inlined pool >= 5x glibc: %.2fx, %s\n", worst_vs_glibc, verdict(worst_vs_glibc >= 5));
    double over = 0;
    for (size_t z = 0; z < NSIZES; z++)
        for (int pattern = 0; pattern < 2; pattern++)
            if (med[pattern][z][CALLED][0] - med[pattern][z][NOP][0] > over)
                over = med[pattern][z][CALLED][0] - med[pattern][z][NOP][0];
    printf("  (the called pool costs at most %.2f ns a pair above two calls of an empty function)\n", over);
    printf("  2 threads >= 1.8x the pairs/s of one (pool, both patterns): %.2fx, %s\n", worst_scale,
           verdict(worst_scale >= 1.8));
    report_pc(sizes, pc_med, pc_ratio, pc_p10, pc_res);
    return 0;
}
