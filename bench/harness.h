/* The benchmark harness: warm-up, repeated samples, median and spread, the
 * reference measured in the same run, ratios printed, and every result
 * also appended as a JSON line to $VMOPT_BENCH_JSON (default
 * bench/results.jsonl).  Only `make bench` runs benchmarks. */
#ifndef VMOPT_BENCH_HARNESS_H
#define VMOPT_BENCH_HARNESS_H

#include <stddef.h>

typedef void (*bench_fn)(void *arg);

typedef struct {
    const char *group, *name;
    double median_ns; /* per call */
    double p10_ns, p90_ns;
    unsigned samples;
    unsigned long calls_per_sample;
    double bytes; /* per call, for throughput; 0 when not a byte-moving benchmark */
} bench_result;

/* Times fn: warms up, sizes each sample to about sample_ms, takes samples,
 * and reports per-call median and 10th/90th percentiles. */
bench_result bench_measure(const char *group, const char *name, bench_fn fn, void *arg,
                           unsigned samples, double sample_ms);

/* Times n candidates with their samples interleaved (one sample of each in
 * turn), so that a machine that slows down or speeds up during the run
 * moves them all alike and their ratios stay fair.  out[i] gets fns[i]. */
void bench_measure_many(const char *group, const char *const *names, bench_fn const *fns,
                        void *const *args, unsigned n, unsigned samples, double sample_ms,
                        bench_result *out);

/* Divides the times by the operations one call of fn performs. */
void bench_per_op(bench_result *r, unsigned long ops);

/* Appends the JSON line only (for benchmarks that print their own table). */
void bench_record(const bench_result *r, const bench_result *reference);

/* Prints one row (and its ratio to reference, when given) and appends the
 * JSON line.  ratio > 1 means this is slower than the reference. */
void bench_report(const bench_result *r, const bench_result *reference);

/* CLOCK_MONOTONIC in ns, and the median of v[0..n) (sorts v), for
 * benchmarks that time single operations themselves. */
double bench_now_ns(void);
double bench_median(double *v, size_t n);

/* Keeps a value alive so the compiler cannot drop the work producing it. */
#define bench_keep(v) __asm__ volatile("" : : "g"(v) : "memory")

/* The CPU this runs on, from /proc/cpuinfo: vendor, model name, family,
 * model and stepping (every benchmark prints it with its figures). */
void bench_cpu(char *buf, size_t len);
void bench_print_cpu(void);

#endif
