/* memcpy, memmove and memset: every kernel variant this CPU supports, the
 * dispatch vmopt_autotune() chose, and the C library's own functions,
 * measured in the same run, 8 B to 256 MiB, aligned and misaligned; then a
 * mixed workload whose sizes follow the distribution of real programs.
 * Each row gives GiB/s per candidate, vmopt's speed over the C library's
 * (> 1: vmopt is faster) and over the best hand-written kernel of the same
 * run (AVX-512, AVX2, SSE2 loops, rep movsb, non-temporal stores: what the
 * machine allows; <= 1, as vmopt dispatches to one of them).
 *
 * VMOPT_BENCH_MIN and VMOPT_BENCH_MAX bound the sizes (default 8 B to 256 MiB);
 * VMOPT_BENCH_QUICK=1 takes fewer samples; VMOPT_BENCH_ONLY=avx2,erms,...
 * keeps only those kernels beside libc and vmopt. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/harness.h"
#include "dispatch/dispatch.h"
#include "lib/mem/mem.h"
#include "lib/mem/registry.h"
#include "vmopt.h"

typedef struct {
    char name[32];
    vmopt__move_fn move;
    vmopt__set_fn set;
} candidate;

/* Taken through pointers, as a program calls them through the PLT. */
static void *(*volatile libc_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile libc_memset)(void *, int, size_t) = memset;

static candidate cands[16];
static int ncands;

/* VMOPT_BENCH_ONLY=libc,vmopt,avx2 keeps those candidates (libc and vmopt always). */
static int wanted(const char *name)
{
    const char *only = getenv("VMOPT_BENCH_ONLY");
    if (!only || !strcmp(name, "libc") || !strcmp(name, "vmopt"))
        return 1;
    size_t n = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static void add(const char *name, vmopt__move_fn move, vmopt__set_fn set)
{
    if (!wanted(name))
        return;
    snprintf(cands[ncands].name, sizeof cands[ncands].name, "%s", name);
    cands[ncands].move = move;
    cands[ncands].set = set;
    ncands++;
}

typedef enum { COPY, COPY_MISALIGNED, MOVE_OVERLAP, SET } op;
static const char *const op_names[] = {"memcpy", "memcpy-misaligned", "memmove-overlap", "memset"};

typedef struct {
    const candidate *c;
    op o;
    unsigned char *d;
    const unsigned char *s;
    size_t n;
    unsigned long reps;
} job;

static void run_job(void *arg)
{
    job *j = arg;
    if (j->o == SET) {
        for (unsigned long i = 0; i < j->reps; i++) {
            j->c->set(j->d, (int)i, j->n);
            bench_keep(j->d);
        }
    } else {
        for (unsigned long i = 0; i < j->reps; i++) {
            j->c->move(j->d, j->s, j->n);
            bench_keep(j->d);
        }
    }
}

static unsigned char *buf_a, *buf_b;
static size_t min_size = 8, max_size = (size_t)256 << 20;
static unsigned samples = 11;

static double gib_s(double bytes, double ns)
{
    return bytes / ns * 1e9 / (1024.0 * 1024 * 1024);
}

static void size_label(size_t n, char *buf, size_t len)
{
    if (n >= (1u << 20))
        snprintf(buf, len, "%zu MiB", n >> 20);
    else if (n >= 1024)
        snprintf(buf, len, "%zu KiB", n >> 10);
    else
        snprintf(buf, len, "%zu B", n);
}

static void table(op o)
{
    printf("\n%s: GiB/s (ns per call below 1 KiB), median of %u interleaved samples; ratios paired by round\n%-8s",
           op_names[o], samples,
           "size");
    for (int i = 0; i < ncands; i++)
        printf(" %12s", cands[i].name);
    printf(" %9s %8s %-10s\n", "libc/vmopt", "best/vmopt", "best");
    for (size_t n = min_size; n <= max_size; n *= 2) {
        if (o == MOVE_OVERLAP && n > ((size_t)16 << 20))
            break;
        char label[16], group[48], name[16][64]; /* one each: a result names its reference */
        size_label(n, label, sizeof label);
        printf("%-8s", label);
        job jobs[16];
        bench_fn fns[16];
        void *args[16];
        const char *names[16];
        bench_result r[16];
        snprintf(group, sizeof group, "mem/%s", op_names[o]);
        for (int i = 0; i < ncands; i++) {
            /* Source and destination 2 KiB apart modulo 4 KiB: at the same
             * offset, every load would wait on the store before it that
             * matches its low 12 bits (4K aliasing), in every candidate. */
            job j = {&cands[i], o, buf_b + 2048, buf_a, n, 1};
            if (o == COPY_MISALIGNED) {
                j.d = buf_b + 2048 + 3;
                j.s = buf_a + 17;
            } else if (o == MOVE_OVERLAP) {
                /* The destination inside the source: the backward direction. */
                j.s = buf_a;
                j.d = buf_a + (n < 64 ? n / 2 : 64 + 8);
            }
            j.reps = n >= 65536 ? 1 : 65536 / n;
            jobs[i] = j;
            fns[i] = run_job;
            args[i] = &jobs[i];
            names[i] = cands[i].name;
        }
        bench_measure_many(group, names, fns, args, (unsigned)ncands, samples,
                           n >= (1u << 20) ? 20 : 2, r);
        for (int i = 0; i < ncands; i++) {
            bench_per_op(&r[i], jobs[i].reps);
            snprintf(name[i], sizeof name[i], "%s %zu", cands[i].name, n);
            r[i].name = name[i];
            r[i].bytes = (double)n;
            bench_record(&r[i], i ? &r[0] : NULL);
            if (n < 1024)
                printf(" %9.2f ns", r[i].median_ns);
            else
                printf(" %12.1f", gib_s((double)n, r[i].median_ns));
        }
        /* The best of the hand-written kernels (every variant but the
         * generic oracle) in this run: what the machine allows. */
        int best = -1;
        for (int i = 2; i < ncands; i++)
            if (strcmp(cands[i].name, "generic") != 0 && (best < 0 || r[i].median_ns < r[best].median_ns))
                best = i;
        /* The ratios paired round by round (bench_ratio): the drift of a
         * shared machine cancels within a round. */
        printf(" %8.2fx", bench_ratio(&r[0], &r[1]));
        if (best >= 0)
            printf(" %7.2fx %-10s", bench_ratio(&r[best], &r[1]), cands[best].name);
        putchar('\n');
        fflush(stdout);
    }
}

/* Sizes drawn like the memcpy size distributions LLVM libc and fleetbench
 * benchmark with: half are 16 B or less, nine in ten 256 B or less, and a
 * long tail to 64 KiB; offsets vary so alignments vary. */
#define MIX 8192
static struct {
    uint32_t n, src, dst;
} mix[MIX];

static void make_mix(void)
{
    uint64_t x = 0x2545f4914f6cdd1d;
    for (int i = 0; i < MIX; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned p = (unsigned)(x % 1000);
        uint32_t r = (uint32_t)(x >> 32);
        uint32_t n;
        if (p < 500)
            n = r % 17;
        else if (p < 750)
            n = 17 + r % 48;
        else if (p < 900)
            n = 65 + r % 192;
        else if (p < 980)
            n = 257 + r % 3840;
        else
            n = 4097 + r % 61440;
        mix[i].n = n;
        mix[i].src = (uint32_t)((x >> 12) % (1u << 20));
        mix[i].dst = (uint32_t)((x >> 24) % (1u << 20));
    }
}

static void run_mix(void *arg)
{
    const candidate *c = arg;
    for (int i = 0; i < MIX; i++) {
        c->move(buf_b + mix[i].dst, buf_a + mix[i].src, mix[i].n);
        bench_keep(buf_b);
    }
}

static void mixed(void)
{
    make_mix();
    printf("\nmixed sizes (50%% <= 16 B, 90%% <= 256 B, tail to 64 KiB): ns per call\n");
    bench_fn fns[16];
    void *args[16];
    const char *names[16];
    bench_result r[16];
    for (int i = 0; i < ncands; i++) {
        fns[i] = run_mix;
        args[i] = &cands[i];
        names[i] = cands[i].name;
    }
    bench_measure_many("mem/mixed", names, fns, args, (unsigned)ncands, 31, 5, r);
    for (int i = 0; i < ncands; i++) {
        bench_per_op(&r[i], MIX);
        bench_report(&r[i], i ? &r[0] : NULL);
    }
    printf("vmopt / libc: %.2fx the C library's speed\n", bench_ratio(&r[0], &r[1]));
}

int main(void)
{
    const char *max = getenv("VMOPT_BENCH_MAX");
    if (max)
        max_size = strtoull(max, NULL, 0);
    const char *min = getenv("VMOPT_BENCH_MIN");
    if (min)
        min_size = strtoull(min, NULL, 0);
    if (getenv("VMOPT_BENCH_QUICK"))
        samples = 5;
    if (vmopt_autotune(NULL) < 0) {
        fprintf(stderr, "vmopt_autotune: %s\n", vmopt_errmsg());
        return 1;
    }
    vmopt_machine *m;
    if (vmopt_machine_probe(&m, VMOPT_PROBE_ISA) < 0)
        return 1;

    add("libc", libc_memmove, libc_memset);
    add("vmopt", vmopt_memmove, vmopt_memset);
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++) {
        const vmopt__mem_variant *v = &vmopt__mem_registry[i];
        if (!v->impl)
            continue;
        if (!vmopt__mem_usable(v, m)) {
            printf("skipped: %s (this CPU lacks %s)\n", v->name, v->requires_text);
            continue;
        }
        add(v->name, v->impl->move, v->impl->set);
        if (v->impl->move_nt) {
            char name[32];
            snprintf(name, sizeof name, "%s-nt", v->name);
            add(name, v->impl->move_nt, v->impl->set_nt);
        }
    }
    vmopt_machine_free(m);

    /* The mixed workload reaches 1 MiB + 64 KiB into both buffers. */
    size_t cap = (max_size > ((size_t)2 << 20) ? max_size : ((size_t)2 << 20)) + 8192;
    buf_a = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    buf_b = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf_a == MAP_FAILED || buf_b == MAP_FAILED)
        return 1;
    memset(buf_a, 1, cap);
    memset(buf_b, 2, cap);

    char cpu[256];
    vmopt_machine *id;
    if (vmopt_machine_probe(&id, VMOPT_PROBE_ISA) == 0) {
        char json[4096];
        FILE *f = fmemopen(json, sizeof json, "w");
        vmopt_machine_dump(f, id, 0);
        fclose(f);
        sscanf(json, "%*[^\n]\ncpu %255[^\n]", cpu);
        printf("cpu: %s\n", cpu);
        vmopt_machine_free(id);
    }
    printf("vmopt dispatch in this run:\n");
    vmopt__mem_table_print(stdout, atomic_load(&vmopt__mem_live));
    mixed();
    for (op o = COPY; o <= SET; o++)
        table(o);
    return 0;
}
