/* A benchmark for test-bench-json.sh: two trivial candidates through the
 * harness, one the other's reference, so that the JSON file it writes at
 * exit has every kind of entry make bench's files have.  Its figures mean
 * nothing and nothing reads them as figures. */
#include "bench/harness.h"

static void add(void *arg)
{
    volatile unsigned *x = arg;
    *x += 1;
}

static void add_twice(void *arg)
{
    volatile unsigned *x = arg;
    *x += 1;
    *x += 1;
}

int main(void)
{
    unsigned a = 0, b = 0;
    const char *names[] = {"add twice", "add once"};
    bench_fn fns[] = {add_twice, add};
    void *args[] = {&a, &b};
    bench_result r[2];
    bench_measure_many("sample", names, fns, args, 2, 11, 0.2, r);
    r[0].bytes = r[1].bytes = 4;
    bench_report(&r[1], NULL);
    bench_report(&r[0], &r[1]);
    /* one by hand, with no samples */
    bench_result one = {.group = "sample", .name = "by hand", .median_ns = 2.5, .p10_ns = 2, .p90_ns = 3,
                        .samples = 1, .calls_per_sample = 1};
    bench_record(&one, NULL);
    return 0;
}
