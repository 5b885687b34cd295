/* A libFuzzer target run without libFuzzer: random inputs for a bounded
 * time, for builds that have no libFuzzer (the arm64 cross build: Debian
 * has no arm64 cross clang runtime).  Linked with one fuzz target
 * (tests/fuzz-mem.c), it is a test: the target aborts on a finding, and
 * the input that did it is printed, in hex, to be replayed.
 *
 * VMOPT_FUZZ_SECONDS bounds the run (default 10); VMOPT_FUZZ_SEED fixes
 * the inputs (default: from the clock, printed). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t input[64];
static size_t input_len;

static void on_abort(int sig)
{
    static const char hex[] = "0123456789abcdef";
    char line[2 * sizeof input + 64];
    size_t k = 0;
    const char head[] = "fuzz-random: finding on input ";
    memcpy(line, head, sizeof head - 1);
    k = sizeof head - 1;
    for (size_t i = 0; i < input_len; i++) {
        line[k++] = hex[input[i] >> 4];
        line[k++] = hex[input[i] & 15];
    }
    line[k++] = '\n';
    ssize_t w = write(2, line, k);
    (void)w;
    signal(sig, SIG_DFL);
}

static uint64_t next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    const char *sec = getenv("VMOPT_FUZZ_SECONDS"), *seed_text = getenv("VMOPT_FUZZ_SEED");
    double seconds = sec ? atof(sec) : 10;
    uint64_t seed = seed_text ? strtoull(seed_text, NULL, 0) : (uint64_t)time(NULL);
    if (seconds <= 0) {
        fprintf(stderr, "fuzz-random: VMOPT_FUZZ_SECONDS '%s' is not a positive number of seconds\n", sec);
        return 1;
    }
    printf("fuzz-random: seed %llu, %.0f s\n", (unsigned long long)seed, seconds);
    fflush(stdout);
    signal(SIGABRT, on_abort);
    uint64_t s = seed, runs = 0;
    for (double end = now() + seconds; runs < 16 || now() < end; runs++) {
        input_len = 14 + next(&s) % (sizeof input - 14);
        for (size_t i = 0; i < input_len; i++)
            input[i] = (uint8_t)next(&s);
        LLVMFuzzerTestOneInput(input, input_len);
    }
    printf("fuzz-random: %llu inputs, no finding\n", (unsigned long long)runs);
    return 0;
}
