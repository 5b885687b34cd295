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
#include <unistd.h>

#include "bench/harness.h"
#include "bench/stream.h"

typedef void *(*move_fn)(void *, const void *, size_t);
typedef void *(*set_fn)(void *, int, size_t);

typedef struct {
    const char *name;
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

int main(int argc, char **argv)
{
    int stats = argc > 1 && strcmp(argv[1], "--stats") == 0;
    if (stats) {
        argv++;
        argc--;
    }
    const char *lib = argc > 1 ? argv[1] : ".libs/libvmopt-preload.so";
    char tmpl[] = "/tmp/vmopt-replay-XXXXXX";
    if (!getenv("VMOPT_CACHE_DIR") && mkdtemp(tmpl))
        setenv("VMOPT_CACHE_DIR", tmpl, 1);
    unsigned samples = getenv("VMOPT_BENCH_QUICK") ? 7 : 21;

    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "bench-replay: %s\n", dlerror());
        return 1;
    }
    static impl vm = {.name = "vmopt"}, libc = {.name = "libc"};
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
        libc.name = "vmopt";
        vm.name = "vmopt+stats";
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

    char cpu[256];
    bench_cpu(cpu, sizeof cpu);
    printf("cpu: %s\npreload: %s\n%s\n", cpu, lib,
           stats ? "reference: the preload without statistics; vmopt+stats: a copy of it with VMOPT_STATS=1"
                 : "libc: the C library's memcpy/memmove/mempcpy/memset (IFUNC-selected)");

    enum { MAX_STREAMS = 32 };
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

    printf("\n%u rounds; in each, one pass over the stream with each, the order alternating;\n"
           "ratio: the median of the rounds' %s/%s time ratios (> 1: %s is faster)\n\n",
           samples, libc.name, vm.name, vm.name);
    printf("%-16s %8s %7s %10s %10s %8s %16s\n", "stream", "calls", "<=256B", libc.name, vm.name, "ratio", "[p10, p90]");
    double logsum = 0, worst = 1e9;
    double *tl = calloc(samples, sizeof *tl), *tv = calloc(samples, sizeof *tv), *ra = calloc(samples, sizeof *ra);
    if (!tl || !tv || !ra)
        abort();
    for (int i = 0; i < ns; i++) {
        job jv = {&vm, &st[i], b + 2048, a}, jl = {&libc, &st[i], b + 2048, a};
        /* Passes per timing: at least 2 ms of calls. */
        unsigned reps = 1;
        double t0 = bench_now_ns();
        run_stream(&jl);
        run_stream(&jv);
        double one = (bench_now_ns() - t0) / 2;
        while (reps * one < 2e6)
            reps *= 2;
        for (unsigned k = 0; k < samples; k++) {
            for (int o = 0; o < 2; o++) {
                job *j = (k + o) % 2 ? &jv : &jl;
                double t = bench_now_ns();
                for (unsigned r = 0; r < reps; r++)
                    run_stream(j);
                t = (bench_now_ns() - t) / reps / (double)st[i].n;
                if (j == &jv)
                    tv[k] = t;
                else
                    tl[k] = t;
            }
            ra[k] = tl[k] / tv[k];
        }
        bench_result r[2];
        for (int k = 0; k < 2; k++) {
            double *v = k ? tv : tl;
            r[k] = (bench_result){.group = "replay", .name = st[i].name, .samples = samples,
                                  .calls_per_sample = reps * st[i].n, .median_ns = bench_median(v, samples),
                                  .p10_ns = v[samples / 10], .p90_ns = v[samples - 1 - samples / 10],
                                  .sample_ns = v};
        }
        char vname[96], lname[96];
        snprintf(lname, sizeof lname, "%s %s", st[i].name, libc.name);
        snprintf(vname, sizeof vname, "%s %s", st[i].name, vm.name);
        r[0].name = lname;
        r[1].name = vname;
        bench_record(&r[0], NULL);
        bench_record(&r[1], &r[0]);
        double ratio = bench_median(ra, samples);
        logsum += log(ratio);
        if (ratio < worst)
            worst = ratio;
        printf("%-16s %8zu %6.1f%% %7.2f ns %7.2f ns %7.3fx  [%.3f, %.3f]\n", st[i].name, st[i].n,
               100.0 * (double)st[i].small / (double)st[i].n, r[0].median_ns, r[1].median_ns, ratio,
               ra[samples / 10], ra[samples - 1 - samples / 10]);
        fflush(stdout);
    }
    printf("\ngeometric mean over %d streams: %.3fx %s speed (worst stream %.3fx)\n", ns, exp(logsum / ns),
           stats ? "vmopt's without statistics" : "the C library's", worst);
    if (stats)
        printf("bar: VMOPT_STATS=1 costs at most 1%%: %+.2f%%, %s\n", 100 * (1 / exp(logsum / ns) - 1),
               exp(logsum / ns) >= 0.99 ? "met" : "NOT MET");
    return 0;
}
