/* Replays recorded call streams of real programs (bench/streams/, made by
 * bench/record-streams.sh with bench/record.c) through vmopt's preload
 * library and through the C library, in one process, interleaved: each
 * sample times one pass over a stream with one and then the other, so a
 * machine that speeds up or slows down moves both alike.  Prints, per
 * stream, the median over rounds of each round's time ratio (> 1: vmopt is
 * faster), its 10th and 90th percentiles, and the geometric mean.
 *
 * The preload is dlopen'ed as LD_PRELOAD would map it, its constructor
 * tuning it as in any process; with no saved plan (VMOPT_CACHE_DIR is a
 * fresh directory unless set), it runs the plan a new user gets.  Both are
 * called through pointers, as a program calls them through its PLT.
 *
 * Each call is replayed at the recorded size and alignments: a move whose
 * recorded ranges overlapped keeps its distance, others copy between two
 * buffers 2 KiB apart modulo 4 KiB, at offsets spread over a 256 KiB window
 * (the L2 of most machines), the same offsets for both.
 *
 * Code placement moves a ratio by up to a tenth from one process to the
 * next (where the preload, the C library and this loop land: Zen 3, AMD
 * family 25 model 1, same build, same streams), so by default the replay
 * runs in five processes one after another (VMOPT_BENCH_PROCS; one with
 * VMOPT_BENCH_QUICK), each with its own address layout and its own empty
 * cache directory, and a stream's figure is the median of the processes'
 * medians; the range over the processes is printed beside it.
 *
 * --stats measures what VMOPT_STATS=1 costs instead: the preload against
 * a second copy of it (a copy of the file, so that it is a second library
 * with its own state) loaded with VMOPT_STATS=1, which counts every call
 * as a process publishing its statistics does (dlopen'ed, it starts no
 * thread and writes no page: those cost a few microseconds four times a
 * second, not a cost per call).
 *
 * Usage: bench-replay [--stats] [LIBVMOPT-PRELOAD.SO] [STREAM.rec.xz ...] */
#include "config.h"

#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/harness.h"
#include "bench/stream.h"

typedef void *(*move_fn)(void *, const void *, size_t);
typedef void *(*set_fn)(void *, int, size_t);

typedef struct {
    move_fn op_move[3]; /* memcpy, memmove, mempcpy */
    set_fn set;
} impl;

typedef struct {
    char name[64];
    stream_record *r;
    uint32_t *doff, *soff; /* per call, into the buffers */
    size_t n;
    uint64_t bytes;
    size_t small; /* calls of 256 B or less */
    size_t max_n;
} stream;

typedef struct {
    const impl *im;
    const stream *st;
    unsigned char *dbuf, *sbuf;
} job;

#define WINDOW (256u << 10)

static void run_stream(void *arg)
{
    const job *j = arg;
    const stream *st = j->st;
    const impl *im = j->im;
    for (size_t i = 0; i < st->n; i++) {
        const stream_record *r = &st->r[i];
        unsigned char *d = j->dbuf + st->doff[i];
        if (r->op == OP_MEMSET) {
            im->set(d, r->byte, r->n);
        } else if ((r->delta < 0 ? -(int64_t)r->delta : r->delta) < (int64_t)r->n) {
            /* An overlapping move: src and dst in one buffer, as recorded. */
            im->op_move[r->op](d, d - r->delta, r->n);
        } else {
            im->op_move[r->op](d, j->sbuf + st->soff[i], r->n);
        }
        bench_keep(d);
    }
}

static int load(stream *st, const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "xz -dc '%s'", path);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    stream_header h;
    if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, STREAM_MAGIC, 8) != 0 ||
        h.record_size != sizeof(stream_record)) {
        fprintf(stderr, "bench-replay: %s: not a stream of version %d\n", path, STREAM_VERSION);
        pclose(f);
        return -1;
    }
    uint64_t want = h.count < h.capacity ? h.count : h.capacity;
    st->r = malloc(want * sizeof *st->r);
    st->doff = malloc(want * sizeof *st->doff);
    st->soff = malloc(want * sizeof *st->soff);
    if (!st->r || !st->doff || !st->soff)
        abort();
    st->n = fread(st->r, sizeof *st->r, want, f);
    pclose(f);
    const char *base = strrchr(path, '/');
    snprintf(st->name, sizeof st->name, "%s", base ? base + 1 : path);
    char *dot = strstr(st->name, ".rec");
    if (dot)
        *dot = 0;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < st->n; i++) {
        stream_record *r = &st->r[i];
        if (r->op >= OP_COUNT)
            r->op = OP_MEMMOVE;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* Line-granular offsets over the window, then the recorded alignment.
         * An overlapping move needs room on both sides of its destination. */
        uint32_t span = (uint32_t)(WINDOW / 64);
        st->doff[i] = (uint32_t)((x % span) * 64 + r->dalign);
        st->soff[i] = (uint32_t)(((x >> 32) % span) * 64 + r->salign);
        int64_t ad = r->delta < 0 ? -(int64_t)r->delta : r->delta;
        if (ad < (int64_t)r->n && r->op != OP_MEMSET)
            st->doff[i] += (uint32_t)ad; /* d - delta stays inside the buffer */
        st->bytes += r->n;
        st->small += r->n <= 256;
        if (r->n > st->max_n)
            st->max_n = r->n;
    }
    return st->n ? 0 : -1;
}

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (!p) {
        fprintf(stderr, "bench-replay: %s: %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

/* A copy of the file lib in dir, to dlopen as a second library. */
static char *copy_of(const char *lib, const char *dir)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/libvmopt-preload-stats.so", dir);
    FILE *in = fopen(lib, "rb"), *out = fopen(path, "wb");
    char buf[65536];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    if (!in || !out || ferror(in) || fclose(out) != 0) {
        fprintf(stderr, "bench-replay: cannot copy %s to %s\n", lib, path);
        exit(1);
    }
    fclose(in);
    return path;
}

static void bind(impl *im, void *h)
{
    im->op_move[OP_MEMCPY] = (move_fn)sym(h, "memcpy");
    im->op_move[OP_MEMMOVE] = (move_fn)sym(h, "memmove");
    im->op_move[OP_MEMPCPY] = (move_fn)sym(h, "mempcpy");
    im->set = (set_fn)sym(h, "memset");
}

/* One stream's rounds, from one process or several: round k of process p
 * at [p * samples + k]. */
typedef struct {
    char name[64];
    size_t n, small;
    double *tl, *tv;
} result;

/* samples rounds of stream st, libc and vmopt alternating first. */
static void measure(const stream *st, const impl *libc, const impl *vm, unsigned char *a, unsigned char *b,
                    unsigned samples, double *tl, double *tv)
{
    job jv = {vm, st, b + 2048, a}, jl = {libc, st, b + 2048, a};
    /* Passes per timing: at least 2 ms of calls. */
    unsigned reps = 1;
    double t0 = bench_now_ns();
    run_stream(&jl);
    run_stream(&jv);
    double one = (bench_now_ns() - t0) / 2;
    while (reps * one < 2e6)
        reps *= 2;
    for (unsigned k = 0; k < samples; k++)
        for (int o = 0; o < 2; o++) {
            job *j = (k + o) % 2 ? &jv : &jl;
            double t = bench_now_ns();
            for (unsigned r = 0; r < reps; r++)
                run_stream(j);
            t = (bench_now_ns() - t) / reps / (double)st->n;
            (j == &jv ? tv : tl)[k] = t;
        }
}

static double median_ratio(const double *tl, const double *tv, unsigned n, double *scratch)
{
    for (unsigned k = 0; k < n; k++)
        scratch[k] = tl[k] / tv[k];
    return bench_median(scratch, n);
}

/* The table, the geometric mean and the JSON records. */
static void report(result *res, int ns, unsigned procs, unsigned samples, const char *lname, const char *vname,
                   int stats)
{
    unsigned all = procs * samples;
    printf("\n%u process%s of %u rounds; in each round, one pass over the stream with each, the order\n"
           "alternating; ratio: the median over the processes of the median of their rounds' %s/%s time\n"
           "ratios (> 1: %s is faster), [lowest, highest] process\n\n",
           procs, procs > 1 ? "es" : "", samples, lname, vname, vname);
    printf("%-16s %8s %7s %10s %10s %8s %16s\n", "stream", "calls", "<=256B", lname, vname, "ratio",
           "[low, high]");
    double logsum = 0, worst = 1e9;
    double *scratch = calloc(all, sizeof *scratch), *per = calloc(procs, sizeof *per);
    if (!scratch || !per)
        abort();
    for (int i = 0; i < ns; i++) {
        result *x = &res[i];
        for (unsigned p = 0; p < procs; p++)
            per[p] = median_ratio(x->tl + p * samples, x->tv + p * samples, samples, scratch);
        double ratio = bench_median(per, procs); /* sorts per */
        bench_result r[2];
        char names[2][96];
        for (int k = 0; k < 2; k++) {
            double *v = k ? x->tv : x->tl;
            memcpy(scratch, v, all * sizeof *v);
            double med = bench_median(scratch, all);
            snprintf(names[k], sizeof names[k], "%s %s", x->name, k ? vname : lname);
            r[k] = (bench_result){.group = "replay", .name = names[k], .samples = all, .calls_per_sample = x->n,
                                  .median_ns = med, .p10_ns = scratch[all / 10],
                                  .p90_ns = scratch[all - 1 - all / 10], .sample_ns = v};
        }
        bench_record(&r[0], NULL);
        bench_record(&r[1], &r[0]);
        logsum += log(ratio);
        if (ratio < worst)
            worst = ratio;
        printf("%-16s %8zu %6.1f%% %7.2f ns %7.2f ns %7.3fx  [%.3f, %.3f]\n", x->name, x->n,
               100.0 * (double)x->small / (double)x->n, r[0].median_ns, r[1].median_ns, ratio, per[0],
               per[procs - 1]);
        fflush(stdout);
    }
    free(scratch);
    free(per);
    printf("\ngeometric mean over %d streams: %.3fx %s speed (worst stream %.3fx)\n", ns, exp(logsum / ns),
           stats ? "vmopt's without statistics" : "the C library's", worst);
    if (stats)
        printf("bar: VMOPT_STATS=1 costs at most 1%%: %+.2f%%, %s\n", 100 * (1 / exp(logsum / ns) - 1),
               exp(logsum / ns) >= 0.99 ? "met" : "NOT MET");
}

/* A process of the replay: this program again, which prints each stream
 * as "S name calls small" and each round as "R stream round libc vmopt". */
static int child_rounds(char **argv, result *res, int *ns, unsigned p, unsigned samples)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        setenv("VMOPT_REPLAY_CHILD", "1", 1);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    char line[256];
    int got = 0;
    while (f && fgets(line, sizeof line, f)) {
        char name[64];
        size_t n, small;
        unsigned i, k;
        double tl, tv;
        if (sscanf(line, "S %63s %zu %zu", name, &n, &small) == 3 && p == 0 && *ns < 32) {
            result *x = &res[(*ns)++];
            snprintf(x->name, sizeof x->name, "%s", name);
            x->n = n;
            x->small = small;
        } else if (sscanf(line, "R %u %u %lf %lf", &i, &k, &tl, &tv) == 4 && i < (unsigned)*ns && k < samples) {
            res[i].tl[p * samples + k] = tl;
            res[i].tv[p * samples + k] = tv;
            got++;
        } else if (line[0] != 'S') {
            fputs(line, stderr);
        }
    }
    if (f)
        fclose(f);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && got == *ns * (int)samples ? 0 : -1;
}

/* The machine, the preload and the reference, above the table. */
static void print_head(const char *lib, int stats)
{
    char cpu[256];
    bench_cpu(cpu, sizeof cpu);
    printf("cpu: %s\npreload: %s\n%s\n", cpu, lib,
           stats ? "reference: the preload without statistics; vmopt+stats: a copy of it with VMOPT_STATS=1"
                 : "libc: the C library's memcpy/memmove/mempcpy/memset (IFUNC-selected)");
}

static void remove_cache_dir(void)
{
    const char *d = getenv("VMOPT_CACHE_DIR");
    if (d && strncmp(d, "/tmp/vmopt-replay-", 18) == 0)
        rmdir(d); /* empty unless the preload saved a plan: then kept, to read */
}

int main(int argc, char **argv)
{
    char **args = argv;
    int stats = argc > 1 && strcmp(argv[1], "--stats") == 0;
    if (stats) {
        argv++;
        argc--;
    }
    const char *lib = argc > 1 ? argv[1] : ".libs/libvmopt-preload.so";
    unsigned samples = getenv("VMOPT_BENCH_QUICK") ? 7 : 21;
    const char *pe = getenv("VMOPT_BENCH_PROCS");
    unsigned procs = pe ? (unsigned)atoi(pe) : getenv("VMOPT_BENCH_QUICK") ? 1 : 5;
    if (procs < 1 || procs > 64)
        procs = 1;
    int child = getenv("VMOPT_REPLAY_CHILD") != NULL;
    const char *lname = stats ? "vmopt" : "libc", *vname = stats ? "vmopt+stats" : "vmopt";
    enum { MAX_STREAMS = 32 };
    static result res[MAX_STREAMS];

    if (!child && procs > 1) {
        print_head(lib, stats);
        if (stats)
            bench_output_name("bench-replay-stats");
        for (int i = 0; i < MAX_STREAMS; i++) {
            res[i].tl = calloc(procs * samples, sizeof(double));
            res[i].tv = calloc(procs * samples, sizeof(double));
            if (!res[i].tl || !res[i].tv)
                abort();
        }
        int ns = 0;
        for (unsigned p = 0; p < procs; p++)
            if (child_rounds(args, res, &ns, p, samples) != 0 || ns == 0) {
                fprintf(stderr, "bench-replay: process %u of %u failed\n", p + 1, procs);
                return 1;
            }
        report(res, ns, procs, samples, lname, vname, stats);
        return 0;
    }

    static char tmpl[] = "/tmp/vmopt-replay-XXXXXX";
    if (!getenv("VMOPT_CACHE_DIR") && mkdtemp(tmpl)) {
        setenv("VMOPT_CACHE_DIR", tmpl, 1);
        atexit(remove_cache_dir);
    }
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "bench-replay: %s\n", dlerror());
        return 1;
    }
    static impl vm, libc;
    bind(&vm, h);
    /* The reference: the C library's, as its IFUNC resolved them for this
     * CPU; with --stats, vmopt counting. */
    if (stats) {
        char dir[] = "/tmp/vmopt-replay-stats-XXXXXX";
        if (!mkdtemp(dir))
            return 1;
        const char *copy = copy_of(lib, dir);
        setenv("VMOPT_STATS", "1", 1);
        void *hs = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
        unsetenv("VMOPT_STATS");
        unlink(copy);
        rmdir(dir);
        if (!hs) {
            fprintf(stderr, "bench-replay: %s\n", dlerror());
            return 1;
        }
        /* vmopt without statistics is the reference; the candidate counts. */
        libc = vm;
        bind(&vm, hs);
        bench_output_name("bench-replay-stats");
    } else {
        libc.op_move[OP_MEMCPY] = (move_fn)sym(RTLD_DEFAULT, "memcpy");
        libc.op_move[OP_MEMMOVE] = (move_fn)sym(RTLD_DEFAULT, "memmove");
        libc.op_move[OP_MEMPCPY] = (move_fn)sym(RTLD_DEFAULT, "mempcpy");
        libc.set = (set_fn)sym(RTLD_DEFAULT, "memset");
    }
    if ((void *)vm.op_move[OP_MEMCPY] == (void *)libc.op_move[OP_MEMCPY]) {
        fprintf(stderr, "bench-replay: the preload's memcpy is the C library's: run without LD_PRELOAD\n");
        return 1;
    }

    if (!child)
        print_head(lib, stats);

    static stream st[MAX_STREAMS];
    int ns = 0;
    for (int i = 2; i < argc && ns < MAX_STREAMS; i++)
        if (load(&st[ns], argv[i]) == 0)
            ns++;
    if (!ns) {
        fprintf(stderr, "bench-replay: no stream loaded\n");
        return 1;
    }
    size_t max_n = 0;
    for (int i = 0; i < ns; i++)
        if (st[i].max_n > max_n)
            max_n = st[i].max_n;
    size_t cap = WINDOW + 2 * max_n + 8192;
    unsigned char *a = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *b = mmap(NULL, cap + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED || b == MAP_FAILED)
        return 1;
    memset(a, 1, cap);
    memset(b, 2, cap + 4096);

    for (int i = 0; i < ns; i++) {
        result *x = &res[i];
        snprintf(x->name, sizeof x->name, "%s", st[i].name);
        x->n = st[i].n;
        x->small = st[i].small;
        x->tl = calloc(samples, sizeof *x->tl);
        x->tv = calloc(samples, sizeof *x->tv);
        if (!x->tl || !x->tv)
            abort();
        measure(&st[i], &libc, &vm, a, b, samples, x->tl, x->tv);
        if (child) {
            printf("S %s %zu %zu\n", x->name, x->n, x->small);
            for (unsigned k = 0; k < samples; k++)
                printf("R %d %u %.17g %.17g\n", i, k, x->tl[k], x->tv[k]);
            fflush(stdout);
        }
    }
    if (child)
        return 0;
    report(res, ns, 1, samples, lname, vname, stats);
    return 0;
}
