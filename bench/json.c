/* The benchmarks' results in Google Benchmark's JSON format
 * (docs/dump-format.md, "Benchmark results"): every sample as one
 * repetition, then the aggregates (mean, median, stddev, cv, p10, p90),
 * and a context block that names the machine the figures came from.
 * compare.py of Debian's libbenchmark-tools reads the file as Google
 * Benchmark's own, with its Mann-Whitney U test over the repetitions.
 *
 * Results are kept as recorded and written once, at exit, to
 * $VMOPT_BENCH_OUT/<program>.json (default bench/results/), replacing the
 * last run's: a file is one run of one program, as Google Benchmark's is. */
#include "config.h"

#include <errno.h>
#include <gnu/libc-version.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench/harness.h"

typedef struct {
    char *name;      /* "group/name" */
    char *reference; /* NULL, or the reference's "group/name" */
    double ratio, median_ns, p10_ns, p90_ns, bytes;
    unsigned long calls;
    unsigned n;
    double *ns;
    char *counter; /* a measured value that is not a time (bench_counter), or NULL */
    double value;
} record;

static record *records;
static size_t nrecords, cap;
/* /proc/stat at the first record: steal time over the run. */
static unsigned long long stat0_total, stat0_steal;

static void read_stat(unsigned long long *total, unsigned long long *steal)
{
    *total = *steal = 0;
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = {0};
    if (f && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                    &v[6], &v[7]) == 8) {
        for (int i = 0; i < 8; i++)
            *total += v[i];
        *steal = v[7];
    }
    if (f)
        fclose(f);
}

static char *full_name(const bench_result *r)
{
    size_t len = strlen(r->group) + strlen(r->name) + 2;
    char *s = malloc(len);
    if (!s)
        abort();
    snprintf(s, len, "%s/%s", r->group, r->name);
    return s;
}

static void write_all(void);

void bench_record(const bench_result *r, const bench_result *reference)
{
    if (!nrecords) {
        read_stat(&stat0_total, &stat0_steal);
        atexit(write_all);
    }
    if (nrecords == cap) {
        cap = cap ? 2 * cap : 64;
        records = realloc(records, cap * sizeof *records);
        if (!records)
            abort();
    }
    record *k = &records[nrecords++];
    *k = (record){.name = full_name(r), .median_ns = r->median_ns, .p10_ns = r->p10_ns, .p90_ns = r->p90_ns,
                  .bytes = r->bytes, .calls = r->calls_per_sample, .n = r->sample_ns ? r->samples : 1};
    if (reference) {
        k->reference = full_name(reference);
        k->ratio = r->median_ns / reference->median_ns;
    }
    k->ns = malloc(k->n * sizeof *k->ns);
    if (!k->ns)
        abort();
    if (r->sample_ns)
        memcpy(k->ns, r->sample_ns, k->n * sizeof *k->ns);
    else
        k->ns[0] = r->median_ns;
}

void bench_counter(const char *group, const char *name, const char *counter, double value)
{
    bench_result r = {.group = group, .name = name, .samples = 1, .calls_per_sample = 1};
    bench_record(&r, NULL);
    record *k = &records[nrecords - 1];
    k->counter = strdup(counter);
    k->value = value;
    if (!k->counter)
        abort();
}

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

/* "32K" (sysfs) in bytes */
static long long sysfs_size(const char *text)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    return *end == 'K' ? v << 10 : *end == 'M' ? v << 20 : *end == 'G' ? v << 30 : v;
}

/* The CPUs in a sysfs list, "0-3,8" */
static int list_count(const char *text)
{
    int n = 0;
    for (const char *p = text; *p && *p != '\n';) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        n += (int)(b - a + 1);
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return ok ? 0 : -1;
}

/* caches[] as Google Benchmark writes it, from cpu0's sysfs; the sizes go
 * into the signature too. */
static void put_caches(FILE *f, char *sig, size_t siglen)
{
    fputs("    \"caches\": [", f);
    int first = 1;
    for (int i = 0; i < 8; i++) {
        char path[128], type[32], level[16], size[32], shared[256];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if (read_line(path, type, sizeof type) < 0)
            break;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if (read_line(path, level, sizeof level) < 0)
            break;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (read_line(path, size, sizeof size) < 0)
            break;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
        int sharing = read_line(path, shared, sizeof shared) == 0 ? list_count(shared) : 1;
        fprintf(f, "%s\n      {\"type\": ", first ? "" : ",");
        put_string(f, type);
        fprintf(f, ", \"level\": %d, \"size\": %lld, \"num_sharing\": %d}", atoi(level), sysfs_size(size), sharing);
        size_t used = strlen(sig);
        snprintf(sig + used, siglen - used, " L%s%s:%s", level,
                 strcmp(type, "Data") == 0 ? "d" : strcmp(type, "Instruction") == 0 ? "i" : "", size);
        first = 0;
    }
    fputs(first ? "],\n" : "\n    ],\n", f);
}

static void put_context(FILE *f)
{
    char cpu[256], host[256] = "", exe[4096] = "", date[64], sig[512];
    bench_cpu_info info;
    bench_cpu_parse(&info);
    bench_cpu(cpu, sizeof cpu);
    gethostname(host, sizeof host - 1);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S%z", localtime_r(&now, &tm));
    struct utsname u;
    if (uname(&u) < 0)
        strcpy(u.release, "unknown");
    double load[3] = {0};
    if (getloadavg(load, 3) < 0)
        load[0] = load[1] = load[2] = -1;
    unsigned long long total, steal;
    read_stat(&total, &steal);
    double steal_pct = total > stat0_total ? 100.0 * (double)(steal - stat0_steal) / (double)(total - stat0_total) : 0;
    char gov[64] = "";
    int scaling = read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", gov, sizeof gov) == 0 &&
                  strcmp(gov, "performance") != 0;

    fputs("  \"context\": {\n    \"date\": ", f);
    put_string(f, date);
    fputs(",\n    \"host_name\": ", f);
    put_string(f, host);
    fputs(",\n    \"executable\": ", f);
    put_string(f, exe);
    fprintf(f, ",\n    \"num_cpus\": %ld,\n    \"mhz_per_cpu\": %d,\n    \"cpu_scaling_enabled\": %s,\n",
            sysconf(_SC_NPROCESSORS_ONLN), info.mhz, scaling ? "true" : "false");
    snprintf(sig, sizeof sig, "%s family %d model %d stepping %d, %ld cpus%s,", info.vendor, info.family, info.model,
             info.stepping, sysconf(_SC_NPROCESSORS_ONLN), info.hypervisor ? ", hypervisor" : "");
    put_caches(f, sig, sizeof sig);
    fprintf(f, "    \"load_avg\": [%.2f, %.2f, %.2f],\n    \"library_build_type\": \"release\",\n", load[0], load[1],
            load[2]);
    fputs("    \"cpu\": ", f);
    put_string(f, cpu);
    fputs(",\n    \"cpu_vendor\": ", f);
    put_string(f, info.vendor);
    fputs(",\n    \"cpu_model_name\": ", f);
    put_string(f, info.model_name);
    fprintf(f, ",\n    \"cpu_family\": %d,\n    \"cpu_model\": %d,\n    \"cpu_stepping\": %d,\n", info.family,
            info.model, info.stepping);
    fprintf(f, "    \"hypervisor\": %s,\n    \"kernel\": ", info.hypervisor ? "true" : "false");
    put_string(f, u.release);
    fputs(",\n    \"glibc\": ", f);
    put_string(f, gnu_get_libc_version());
    fprintf(f, ",\n    \"steal_percent\": %.2f,\n    \"machine_signature\": ", steal_pct);
    put_string(f, sig);
    fputs("\n  },\n", f);
}

static void put_entry(FILE *f, const record *k, size_t family, const char *suffix, const char *run_type,
                      unsigned index, double ns, const char *unit, int last)
{
    fputs("    {\n      \"name\": ", f);
    if (suffix) {
        size_t len = strlen(k->name) + strlen(suffix) + 2;
        char *s = malloc(len);
        if (!s)
            abort();
        snprintf(s, len, "%s_%s", k->name, suffix);
        put_string(f, s);
        free(s);
    } else {
        put_string(f, k->name);
    }
    fprintf(f, ",\n      \"family_index\": %zu,\n      \"per_family_instance_index\": 0,\n      \"run_name\": ", family);
    put_string(f, k->name);
    fprintf(f, ",\n      \"run_type\": \"%s\",\n      \"repetitions\": %u,\n", run_type, k->n);
    if (suffix)
        fprintf(f, "      \"threads\": 1,\n      \"aggregate_name\": \"%s\",\n      \"aggregate_unit\": \"%s\",\n"
                   "      \"iterations\": %u,\n",
                suffix, unit, k->n);
    else
        fprintf(f, "      \"repetition_index\": %u,\n      \"threads\": 1,\n      \"iterations\": %lu,\n", index,
                k->calls);
    fprintf(f, "      \"real_time\": %.6g,\n      \"cpu_time\": %.6g,\n      \"time_unit\": \"ns\"", ns, ns);
    if (k->bytes > 0 && strcmp(unit, "time") == 0 && ns > 0)
        fprintf(f, ",\n      \"bytes_per_second\": %.6g", k->bytes / ns * 1e9);
    if (k->counter) {
        fputs(",\n      ", f);
        put_string(f, k->counter);
        fprintf(f, ": %.6g", k->value);
    }
    if (k->reference) {
        fprintf(f, ",\n      \"ratio_to_reference\": %.4f,\n      \"label\": ", k->ratio);
        char label[512];
        snprintf(label, sizeof label, "median %.3fx %s", k->ratio, k->reference);
        put_string(f, label);
    }
    fprintf(f, "\n    }%s\n", last ? "" : ",");
}

static void put_record(FILE *f, const record *k, size_t family, int last)
{
    if (k->counter) { /* a value, not timings: no aggregates */
        put_entry(f, k, family, NULL, "iteration", 0, 0, "time", last);
        return;
    }
    double sum = 0, sq = 0;
    for (unsigned i = 0; i < k->n; i++) {
        put_entry(f, k, family, NULL, "iteration", i, k->ns[i], "time", 0);
        sum += k->ns[i];
    }
    double mean = sum / k->n;
    for (unsigned i = 0; i < k->n; i++)
        sq += (k->ns[i] - mean) * (k->ns[i] - mean);
    double sd = k->n > 1 ? sqrt(sq / (k->n - 1)) : 0;
    put_entry(f, k, family, "mean", "aggregate", 0, mean, "time", 0);
    put_entry(f, k, family, "median", "aggregate", 0, k->median_ns, "time", 0);
    put_entry(f, k, family, "stddev", "aggregate", 0, sd, "time", 0);
    put_entry(f, k, family, "cv", "aggregate", 0, mean > 0 ? sd / mean : 0, "percentage", 0);
    put_entry(f, k, family, "p10", "aggregate", 0, k->p10_ns, "time", 0);
    put_entry(f, k, family, "p90", "aggregate", 0, k->p90_ns, "time", last);
}

static const char *out_name; /* bench_output_name; else the program's */

void bench_output_name(const char *name)
{
    out_name = name;
}

static void write_all(void)
{
    const char *dir = getenv("VMOPT_BENCH_OUT");
    char path[4096], tmp[4200];
    if (!dir || !*dir) {
        dir = "bench/results";
        mkdir("bench", 0755);
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "bench: cannot make %s: %s; results not written\n", dir, strerror(errno));
        return;
    }
    const char *prog = out_name ? out_name : program_invocation_short_name;
    if (strncmp(prog, "lt-", 3) == 0)
        prog += 3;
    snprintf(path, sizeof path, "%s/%s.json", dir, prog);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "bench: cannot write %s: %s\n", tmp, strerror(errno));
        return;
    }
    fputs("{\n", f);
    put_context(f);
    fputs("  \"benchmarks\": [\n", f);
    for (size_t i = 0; i < nrecords; i++)
        put_record(f, &records[i], i, i + 1 == nrecords);
    fputs("  ]\n}\n", f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return;
    }
    fprintf(stderr, "bench: %zu results in %s\n", nrecords, path);
}
