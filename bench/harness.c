#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/harness.h"

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[n / 2];
}

static double run(bench_fn fn, void *arg, unsigned long calls)
{
    double t0 = bench_now_ns();
    for (unsigned long i = 0; i < calls; i++)
        fn(arg);
    return bench_now_ns() - t0;
}

static unsigned long calibrate(bench_fn fn, void *arg, double sample_ms)
{
    unsigned long calls = 1;
    /* Doubles the batch until one batch takes a tenth of a sample. */
    while (run(fn, arg, calls) < sample_ms * 1e5 && calls < (1ul << 30))
        calls *= 2;
    return calls * 10;
}

bench_result bench_measure(const char *group, const char *name, bench_fn fn, void *arg,
                           unsigned samples, double sample_ms)
{
    bench_result r = {.group = group, .name = name, .samples = samples};
    unsigned long calls = calibrate(fn, arg, sample_ms);
    double *per_call = calloc(samples, sizeof *per_call), *raw = calloc(samples, sizeof *raw);
    if (!per_call || !raw)
        abort();
    for (unsigned s = 0; s < samples; s++)
        raw[s] = per_call[s] = run(fn, arg, calls) / (double)calls;
    r.sample_ns = raw; /* kept for the process's life, as the record is */
    qsort(per_call, samples, sizeof *per_call, cmp_double);
    r.median_ns = per_call[samples / 2];
    r.p10_ns = per_call[samples / 10];
    r.p90_ns = per_call[samples - 1 - samples / 10];
    r.calls_per_sample = calls;
    free(per_call);
    return r;
}

/* Samples that results point into live as long as the program: kept
 * reachable from here, so that LeakSanitizer sees them as in use. */
static void keep(void *p)
{
    static struct kept {
        struct kept *next;
        void *p;
    } *list;
    struct kept *k = malloc(sizeof *k);
    if (!k)
        abort();
    *k = (struct kept){list, p};
    list = k;
}

void bench_measure_many(const char *group, const char *const *names, bench_fn const *fns,
                        void *const *args, unsigned n, unsigned samples, double sample_ms,
                        bench_result *out)
{
    unsigned long *calls = calloc(n, sizeof *calls);
    double *per_call = calloc((size_t)n * samples, sizeof *per_call);
    if (!calls || !per_call)
        abort();
    for (unsigned i = 0; i < n; i++)
        calls[i] = calibrate(fns[i], args[i], sample_ms);
    /* Each round in turn forward and backward, so that every candidate
     * sits as often early in a round as late. */
    for (unsigned s = 0; s < samples; s++)
        for (unsigned k = 0; k < n; k++) {
            unsigned i = s % 2 ? n - 1 - k : k;
            per_call[(size_t)i * samples + s] = run(fns[i], args[i], calls[i]) / (double)calls[i];
        }
    double *sorted = malloc(samples * sizeof *sorted);
    if (!sorted)
        abort();
    for (unsigned i = 0; i < n; i++) {
        /* in round order, for bench_ratio; the statistics from a sorted copy */
        double *v = per_call + (size_t)i * samples;
        memcpy(sorted, v, samples * sizeof *v);
        qsort(sorted, samples, sizeof *sorted, cmp_double);
        out[i] = (bench_result){.group = group, .name = names[i], .samples = samples,
                                .median_ns = sorted[samples / 2], .p10_ns = sorted[samples / 10],
                                .p90_ns = sorted[samples - 1 - samples / 10], .calls_per_sample = calls[i],
                                .sample_ns = v};
    }
    free(sorted);
    free(calls);
    keep(per_call); /* the results point into it */
}

double bench_ratio(const bench_result *ref, const bench_result *r)
{
    unsigned n = ref->samples < r->samples ? ref->samples : r->samples;
    if (!ref->sample_ns || !r->sample_ns || n == 0)
        return ref->median_ns / r->median_ns;
    double *q = malloc(n * sizeof *q);
    if (!q)
        abort();
    for (unsigned s = 0; s < n; s++)
        q[s] = ref->sample_ns[s] / r->sample_ns[s];
    double m = bench_median(q, n);
    free(q);
    return m;
}

static void unit(double ns, char *buf, size_t len)
{
    if (ns >= 1e6)
        snprintf(buf, len, "%.2f ms", ns / 1e6);
    else if (ns >= 1e3)
        snprintf(buf, len, "%.2f us", ns / 1e3);
    else
        snprintf(buf, len, "%.2f ns", ns);
}

double *bench_samples(const double *v, unsigned n)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        abort();
    keep(c);
    memcpy(c, v, n * sizeof *c);
    return c;
}

void bench_per_op(bench_result *r, unsigned long ops)
{
    r->median_ns /= (double)ops;
    r->p10_ns /= (double)ops;
    r->p90_ns /= (double)ops;
    for (unsigned s = 0; r->sample_ns && s < r->samples; s++)
        r->sample_ns[s] /= (double)ops;
    r->calls_per_sample *= ops;
}

void bench_report(const bench_result *r, const bench_result *reference)
{
    char med[32], lo[32], hi[32];
    unit(r->median_ns, med, sizeof med);
    unit(r->p10_ns, lo, sizeof lo);
    unit(r->p90_ns, hi, sizeof hi);
    printf("%-10s %-34s median %10s  [p10 %s, p90 %s]", r->group, r->name, med, lo, hi);
    if (reference)
        printf("  %.2fx %s", r->median_ns / reference->median_ns, reference->name);
    putchar('\n');
    bench_record(r, reference);
}

void bench_cpu_parse(bench_cpu_info *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->vendor, "unknown");
    c->family = c->model = c->stepping = -1;
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (!ci)
        return;
    char line[4096];
    /* The first CPU's block: it ends at the first empty line. */
    while (fgets(line, sizeof line, ci) && line[0] != '\n') {
        char *v = strchr(line, ':');
        if (!v)
            continue;
        v += v[1] == ' ' ? 2 : 1;
        v[strcspn(v, "\n")] = 0;
        if (!strncmp(line, "vendor_id", 9))
            snprintf(c->vendor, sizeof c->vendor, "%s", v);
        else if (!strncmp(line, "cpu family", 10))
            c->family = atoi(v);
        else if (!strncmp(line, "model name", 10))
            snprintf(c->model_name, sizeof c->model_name, "%s", v);
        else if (!strncmp(line, "model", 5))
            c->model = atoi(v);
        else if (!strncmp(line, "stepping", 8))
            c->stepping = atoi(v);
        else if (!strncmp(line, "cpu MHz", 7))
            c->mhz = atoi(v);
        else if (!strncmp(line, "flags", 5))
            c->hypervisor = strstr(v, " hypervisor") != NULL;
        /* arm64: MIDR_EL1's fields, as the library's probe reads them */
        else if (!strncmp(line, "CPU implementer", 15)) {
            c->family = (int)strtol(v, NULL, 0);
            snprintf(c->vendor, sizeof c->vendor, "arm implementer %s", v);
        } else if (!strncmp(line, "CPU part", 8))
            c->model = (int)strtol(v, NULL, 0);
        else if (!strncmp(line, "CPU revision", 12))
            c->stepping = atoi(v);
    }
    fclose(ci);
}

void bench_cpu(char *buf, size_t len)
{
    bench_cpu_info c;
    bench_cpu_parse(&c);
    snprintf(buf, len, "%s \"%s\" family %d model %d stepping %d", c.vendor, c.model_name, c.family, c.model,
             c.stepping);
}

void bench_print_cpu(void)
{
    char cpu[256];
    bench_cpu(cpu, sizeof cpu);
    printf("cpu: %s\n", cpu);
}
