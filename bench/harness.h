/* The benchmark harness: warm-up, repeated samples, median and spread, the
 * reference measured in the same run, ratios printed, and every result,
 * with every sample, written at exit in Google Benchmark's JSON format to
 * $VMOPT_BENCH_OUT/<program>.json (default bench/results/), with a context
 * block that names the machine (bench/json.c).  compare.py of Debian's
 * libbenchmark-tools reads it.  Only `make bench` runs benchmarks. */
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
    /* Every sample's time per call, `samples` of them (any order), or NULL:
     * then the JSON has the median as its one repetition. */
    double *sample_ns;
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

/* ref's time over r's, paired: the median over the rounds of the two
 * samples each round took, for results of one bench_measure_many (whose
 * samples stay in round order); > 1 means r is faster.  Results without
 * samples: the ratio of the medians. */
double bench_ratio(const bench_result *ref, const bench_result *r);

/* A copy of n samples for a bench_result built by hand (never freed: the
 * result may outlive the array it was measured into). */
double *bench_samples(const double *v, unsigned n);

/* Divides the times by the operations one call of fn performs. */
void bench_per_op(bench_result *r, unsigned long ops);

/* Records r for the JSON file only (for benchmarks that print their own
 * table); r's name and samples are copied. */
void bench_record(const bench_result *r, const bench_result *reference);

/* Records a measured value that is not a time (a miss rate) for the JSON
 * file: one entry, its times 0, with the field `counter` set to value, as
 * Google Benchmark writes a user counter. */
void bench_counter(const char *group, const char *name, const char *counter, double value);

/* The JSON file's name, <name>.json, for a program with more than one
 * mode (bench-retune --timeline); the program's name by default. */
void bench_output_name(const char *name);

/* Prints one row (and its ratio to reference, when given) and records it.
 * ratio > 1 means this is slower than the reference. */
void bench_report(const bench_result *r, const bench_result *reference);

/* CLOCK_MONOTONIC in ns, and the median of v[0..n) (sorts v), for
 * benchmarks that time single operations themselves. */
double bench_now_ns(void);
double bench_median(double *v, size_t n);

/* Keeps a value alive so the compiler cannot drop the work producing it. */
#define bench_keep(v) __asm__ volatile("" : : "g"(v) : "memory")

/* The CPU this runs on, from /proc/cpuinfo's first CPU: vendor, model
 * name, family, model and stepping (on arm64 MIDR_EL1's implementer, part
 * and revision), MHz, and whether it is a hypervisor's guest. */
typedef struct {
    char vendor[64], model_name[128];
    int family, model, stepping, mhz, hypervisor;
} bench_cpu_info;
void bench_cpu_parse(bench_cpu_info *c);
/* The same as one line (every benchmark prints it with its figures). */
void bench_cpu(char *buf, size_t len);
void bench_print_cpu(void);

#endif
