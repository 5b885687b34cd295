/* Retuning.  The decision function on synthetic samples: identification,
 * the streak, the minimum dwell, the hysteresis, hardware counters when
 * there are some, and noisy alternating samples that must never change
 * anything.  Then live: threads copy (checking every byte), look up a TLB
 * and allocate from a pool while the retuner samples and swaps the
 * dispatch table at safe points and from its own thread (ThreadSanitizer
 * runs this in tests/run-all.sh). */
#include <pthread.h>
#include <sys/stat.h>

#include "lib/internal.h"
#include "lib/options.h"
#include "lib/plan.h"
#include "tuner/sample-counters.h"
#include "tuner/retune-decide.h"
#include "tests/testutil.h"

#define MS 1000000ull

/* Under ThreadSanitizer the copies crawl, too slowly to look like bulk
 * copying: there the live test checks the machinery (bytes, races), not
 * the identification, which the tests before it cover. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#endif

static vmopt__sample bulk(void)
{
    vmopt__sample s = {.window_ns = 100 * MS, .sample_ns = 1 * MS};
    s.copy_calls[14] = 1000;             /* 2 MiB copies */
    s.copy_bytes[14] = 1000ull << 21;    /* 2 GB in 1 ms: 2 GB/s */
    s.copy_calls[1] = 5000;
    s.copy_bytes[1] = 5000ull * 300;
    return s;
}

static vmopt__sample interp(void)
{
    vmopt__sample s = {.window_ns = 100 * MS, .sample_ns = 1 * MS};
    s.copy_calls[0] = 20000;
    s.copy_bytes[0] = 20000ull * 200;
    s.pool_ops = 2000000; /* 20 M/s */
    return s;
}

static vmopt__sample quiet(void)
{
    vmopt__sample s = {.window_ns = 100 * MS, .sample_ns = 1 * MS};
    s.copy_calls[2] = 100;
    s.copy_bytes[2] = 100ull * 600;
    return s;
}

static const vmopt__retune_params params = {0, 20};

static int feed(vmopt__retune_state *st, const vmopt__retune_params *p, vmopt__sample (*make)(void), int n,
                char *reason)
{
    int changes = 0;
    for (int i = 0; i < n; i++) {
        vmopt__sample s = make();
        vmopt__retune_state next;
        changes += vmopt__retune_decide(st, p, &s, &next, reason, 256);
        *st = next;
    }
    return changes;
}

static void test_identifies(void **state)
{
    double score[5];
    vmopt__sample s = bulk();
    vmopt__retune_scores(&s, score);
    assert_true(score[VMOPT__WL_BULK_COPY] > 0.9 && score[VMOPT__WL_BULK_COPY] <= 1);
    s = interp();
    vmopt__retune_scores(&s, score);
    assert_true(score[VMOPT__WL_INTERPRETER] > 0.9);
    assert_true(score[VMOPT__WL_BULK_COPY] < 0.01);
    s = quiet();
    vmopt__retune_scores(&s, score);
    for (int w = 0; w < 5; w++)
        assert_true(score[w] <= score[VMOPT__WL_BALANCED]);

    char reason[256];
    vmopt__retune_state st = {VMOPT__WL_BALANCED, -1, 0, 0};
    /* Two samples are a streak too short; the third changes. */
    assert_int_equal(feed(&st, &params, bulk, VMOPT__RETUNE_STREAK - 1, reason), 0);
    assert_int_equal(st.workload, VMOPT__WL_BALANCED);
    assert_int_equal(feed(&st, &params, bulk, 1, reason), 1);
    assert_int_equal(st.workload, VMOPT__WL_BULK_COPY);
    assert_contains(reason, "balanced -> bulk-copy");
    assert_contains(reason, "in copies of 1 MiB or more");
    /* It stays while the samples say so, then moves on. */
    assert_int_equal(feed(&st, &params, bulk, 50, reason), 0);
    assert_int_equal(feed(&st, &params, interp, VMOPT__RETUNE_STREAK, reason), 1);
    assert_int_equal(st.workload, VMOPT__WL_INTERPRETER);
    assert_contains(reason, "pool operations/s");
    /* Back to balanced when nothing stands out. */
    assert_int_equal(feed(&st, &params, quiet, VMOPT__RETUNE_STREAK, reason), 1);
    assert_int_equal(st.workload, VMOPT__WL_BALANCED);
    assert_contains(reason, "no workload stands out");
}

static void test_dwell_and_hysteresis(void **state)
{
    char reason[256];
    /* 1 s of dwell, 100 ms windows: the change waits for the tenth sample. */
    vmopt__retune_params slow = {1000 * MS, 20};
    vmopt__retune_state st = {VMOPT__WL_BALANCED, -1, 0, 0};
    assert_int_equal(feed(&st, &slow, bulk, 9, reason), 0);
    assert_int_equal(feed(&st, &slow, bulk, 1, reason), 1);
    /* And the next change waits a whole dwell again. */
    assert_int_equal(feed(&st, &slow, interp, 9, reason), 0);
    assert_int_equal(feed(&st, &slow, interp, 1, reason), 1);

    /* A challenger 10% ahead does not beat a 20% hysteresis, nor one
     * ahead by less than 0.1. */
    vmopt__sample s = quiet();
    s.pool_ops = 300000; /* 3 M ops/s: interpreter 0.30 vs balanced 0.25 */
    double score[5];
    vmopt__retune_scores(&s, score);
    assert_true(score[VMOPT__WL_INTERPRETER] > score[VMOPT__WL_BALANCED]);
    st = (vmopt__retune_state){VMOPT__WL_BALANCED, -1, 0, 0};
    for (int i = 0; i < 100; i++) {
        vmopt__retune_state next;
        assert_int_equal(vmopt__retune_decide(&st, &params, &s, &next, reason, sizeof reason), 0);
        st = next;
    }
}

static void test_counters(void **state)
{
    char reason[256];
    vmopt__sample s = quiet();
    /* No software TLB in the process, but the PMU sees data-TLB misses. */
    s.has_counters = 1;
    s.cycles = 100000000;
    s.dtlb_misses = 200000; /* 2 per 1000 cycles */
    double score[5];
    vmopt__retune_scores(&s, score);
    assert_true(score[VMOPT__WL_JIT] > 0.9);
    vmopt__retune_state st = {VMOPT__WL_BALANCED, -1, 0, 0}, next;
    for (int i = 0; i < VMOPT__RETUNE_STREAK; i++) {
        int changed = vmopt__retune_decide(&st, &params, &s, &next, reason, sizeof reason);
        st = next;
        assert_int_equal(changed, i == VMOPT__RETUNE_STREAK - 1);
    }
    assert_int_equal(st.workload, VMOPT__WL_JIT);
    assert_contains(reason, "data-TLB misses per 1000 cycles (counters)");
    /* The same sample without counters says nothing of the TLB. */
    s.has_counters = 0;
    vmopt__retune_scores(&s, score);
    assert_true(score[VMOPT__WL_JIT] < 0.01);
    /* Software TLB misses alone are enough. */
    s.tlb_lookups = 10000000;
    s.tlb_misses = 300000; /* 3 M/s */
    vmopt__retune_scores(&s, score);
    assert_true(score[VMOPT__WL_JIT] > 0.9);
}

static void test_no_flap(void **state)
{
    char reason[256];
    vmopt__sample (*const kinds[])(void) = {bulk, interp, quiet};
    vmopt__retune_state st = {VMOPT__WL_BALANCED, -1, 0, 0};
    /* Every pattern shorter than the streak: bulk, interp, bulk, interp...;
     * bulk, bulk, quiet...; and a pseudo-random mix that never repeats one
     * kind three times in a row. */
    int changes = 0;
    for (int i = 0; i < 3000; i++) {
        vmopt__sample s = kinds[i % 2]();
        vmopt__retune_state next;
        changes += vmopt__retune_decide(&st, &params, &s, &next, reason, sizeof reason);
        st = next;
    }
    for (int i = 0; i < 3000; i++) {
        vmopt__sample s = i % 3 == 2 ? quiet() : bulk();
        vmopt__retune_state next;
        changes += vmopt__retune_decide(&st, &params, &s, &next, reason, sizeof reason);
        st = next;
    }
    uint64_t x = 12345;
    int last = -1, run = 0;
    for (int i = 0; i < 3000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int k = (int)(x % 3);
        if (k == last && ++run >= VMOPT__RETUNE_STREAK - 1)
            k = (k + 1) % 3;
        run = k == last ? run : 0;
        last = k;
        vmopt__sample s = kinds[k]();
        vmopt__retune_state next;
        changes += vmopt__retune_decide(&st, &params, &s, &next, reason, sizeof reason);
        st = next;
    }
    assert_int_equal(changes, 0);
    assert_int_equal(st.workload, VMOPT__WL_BALANCED);
}

/* The process's hardware counts: there exactly when the probe finds the
 * presets they need, and growing with work. */
static void test_counters_read(void **state)
{
    struct vmopt_machine *m;
    assert_int_equal(vmopt_machine_probe(&m, VMOPT_PROBE_COUNTERS), 0);
    unsigned need = 1u << VMOPT__PRESET_TOT_CYC | 1u << VMOPT__PRESET_TLB_DM;
    int expect = m->counters > 0 && (m->presets & need) == need;
    uint64_t c0 = 0, t0 = 0, l0 = 0, c1 = 0, t1 = 0, l1 = 0;
    assert_int_equal(vmopt__counters_read(&c0, &t0, &l0), expect);
    if (expect) {
        volatile uint64_t x = 0;
        for (int i = 0; i < 50000000; i++)
            x += (uint64_t)i;
        assert_int_equal(vmopt__counters_read(&c1, &t1, &l1), 1);
        assert_true(c1 > c0 + 10000000);
    } else {
        assert_int_equal(c0 + t0 + l0, 0); /* untouched */
    }
    vmopt_machine_free(m);
}

/* ---- recorded samples ------------------------------------------------------ */

/* Samples that VMOPT_RETUNE_RECORD wrote during bench-retune (the phased
 * workload's 10 MiB copies, mostly): replayed from balanced, with the
 * default dwell scaled to the recording's 20 ms period. */
static void test_recorded(void **state)
{
    char path[1024];
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/tests/data/retune-recorded.samples", top ? top : ".");
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    static vmopt__sample s[512];
    int n = 0;
    char line[2048];
    while (n < 512 && fgets(line, sizeof line, f))
        assert_int_equal(vmopt__sample_parse(line, &s[n++]), 0);
    fclose(f);
    assert_true(n > 30);
    /* Round trip of the text form. */
    char again[2048];
    vmopt__sample back;
    vmopt__sample_format(&s[0], again, sizeof again);
    assert_int_equal(vmopt__sample_parse(again, &back), 0);
    assert_memory_equal(&back, &s[0], sizeof back);

    vmopt__retune_params p = {100 * MS, 20};
    vmopt__retune_state st = {VMOPT__WL_BALANCED, -1, 0, 0};
    int changes = 0, runs = 0, run = 0, prev_best = -1;
    char reason[256];
    for (int i = 0; i < n; i++) {
        double score[5];
        vmopt__retune_scores(&s[i], score);
        int best = 0;
        for (int w = 1; w < 5; w++)
            if (score[w] > score[best])
                best = w;
        run = best == prev_best ? run + 1 : 1;
        if (run == VMOPT__RETUNE_STREAK)
            runs++; /* a run long enough to justify one change */
        prev_best = best;
        vmopt__retune_state next;
        if (vmopt__retune_decide(&st, &p, &s[i], &next, reason, sizeof reason)) {
            changes++;
            assert_int_equal(next.workload, best); /* to what the samples say */
            assert_true(run >= VMOPT__RETUNE_STREAK);
        }
        st = next;
    }
    assert_int_equal(st.workload, VMOPT__WL_BULK_COPY); /* the copies dominate */
    assert_true(changes >= 1 && changes <= runs);
}

/* ---- live --------------------------------------------------------------- */

typedef struct {
    int id;
    int *stop; /* read and written with atomics */
    size_t copy;
    int bad;
    vmopt_pool *pool;
} worker_arg;

static int fill(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot)
{
    (void)access;
    *host = (char *)opaque + (vaddr & 0xff000);
    *prot = VMOPT_TLB_PROT_READ | VMOPT_TLB_PROT_WRITE;
    return 0;
}

static void *worker(void *argp)
{
    worker_arg *a = argp;
    size_t n = a->copy;
    unsigned char *src = malloc(n), *dst = malloc(n);
    static char guest[1 << 20];
    for (size_t i = 0; i < n; i++)
        src[i] = (unsigned char)(i * 7 + (size_t)a->id);
    vmopt_tlb_config tc = VMOPT_TLB_CONFIG_INIT;
    tc.fill = fill;
    tc.opaque = guest;
    vmopt_tlb *tlb;
    if (vmopt_tlb_create(&tlb, &tc) < 0)
        a->bad = 1;
    for (unsigned round = 0; !__atomic_load_n(a->stop, __ATOMIC_ACQUIRE) && !a->bad; round++) {
        size_t len = n - (round % 64); /* odd sizes and tails too */
        memset(dst, 0, n);
        vmopt_memcpy(dst, src, len);
        if (memcmp(dst, src, len) != 0 || (len < n && dst[len] != 0))
            a->bad = 2; /* a byte wrong, or one written past the end */
        int fault;
        for (uint64_t p = 0; p < 512; p++)
            if (!vmopt_tlb_lookup(tlb, (p * 4096 * 37) & 0xfffffff, VMOPT_TLB_READ, &fault))
                a->bad = 3;
        void *o[32];
        for (int i = 0; i < 32; i++)
            o[i] = vmopt_pool_alloc(a->pool);
        for (int i = 0; i < 32; i++)
            vmopt_pool_free(a->pool, o[i]);
    }
    vmopt_tlb_destroy(tlb);
    free(src);
    free(dst);
    return NULL;
}

static void run_workers(int *stop, worker_arg *args, pthread_t *th, int n, size_t copy, vmopt_pool *pool)
{
    for (int i = 0; i < n; i++) {
        args[i] = (worker_arg){i, stop, copy, 0, pool};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
}

static void test_live(void **state)
{
    /* Short periods so that a test sees changes: 5 ms, no dwell. */
    const char *profile = write_file("fast-retune.conf", "[profile]\nname = fast\ninclude = default\n"
                                                         "[retune]\nperiod_ms = 5\ndwell_ms = 0\n");
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", tmp_dir());
    setenv("VMOPT_CACHE_DIR", cache, 1);
    char recpath[400];
    snprintf(recpath, sizeof recpath, "%s/retune.samples", tmp_dir());
    setenv("VMOPT_RETUNE_RECORD", recpath, 1);
    vmopt__options_reset();
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.profile = profile;
    assert_int_equal(vmopt_autotune(&o), 0);
    vmopt_pool_config pc = VMOPT_POOL_CONFIG_INIT;
    pc.object_size = 64;
    vmopt_pool *pool;
    assert_int_equal(vmopt_pool_create(&pool, &pc), 0);
    /* A log past its bound, one line with a terminal escape: the change
     * below rotates it, and vmopt_retune_log prints the escape as text. */
    char logpath[400];
    snprintf(logpath, sizeof logpath, "%s/retune.log", cache);
    mkdir(cache, 0700);
    FILE *lf = fopen(logpath, "w");
    assert_non_null(lf);
    for (int i = 0; i < 1000; i++)
        fprintf(lf, "2026-01-01T00:00:00Z old[%d]: balanced -> jit: filler line of the log %04d\n", i, i);
    fprintf(lf, "2026-01-01T00:00:00Z evil[1]: \x1b[2J\x1b]0;owned\a\n");
    fclose(lf);
    struct stat lst;
    assert_int_equal(stat(logpath, &lst), 0);
    assert_true(lst.st_size > 64 * 1024);

    /* Big copies, retuned at safe points from this thread. */
    int stop = 0;
    enum { N = 2 };
    worker_arg args[N];
    pthread_t th[N];
    run_workers(&stop, args, th, N, 3 << 20, pool);
    int changed = 0;
    for (int i = 0; i < 4000 && !changed; i++) {
        changed |= vmopt_retune();
        usleep(500);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
#ifdef TEST_TSAN
    (void)changed;
    vmopt_retune_start();
    __atomic_store_n(&stop, 0, __ATOMIC_RELEASE);
    run_workers(&stop, args, th, N, 4096, pool);
    usleep(200000);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    vmopt_retune_stop();
    vmopt_pool_destroy(pool);
    return;
#endif
    assert_true(changed);
    vmopt_plan *p = vmopt_current_plan();
    assert_int_equal(p->workload, VMOPT__WL_BULK_COPY);
#ifdef __x86_64__
    assert_contains(p->reason[VMOPT__K_MEMCPY_NONTEMPORAL_MIN], "retuned for bulk-copy");
#endif
    /* (Elsewhere what bulk-copy decides, the streaming and string
     * thresholds, is "never" for every workload: the workload alone changes.) */
    vmopt_plan_free(p);
    vmopt_retune_event e[16];
    unsigned n = vmopt_retune_history(e, 16);
    assert_true(n >= 1);
    assert_string_equal(e[n - 1].to, "bulk-copy");
    assert_contains(e[n - 1].reason, "1 MiB or more");
    /* VMOPT_RETUNE_RECORD: every sample, which the parser reads back, then
     * its scores and the workload in force; the change on its line. */
    FILE *rf = fopen(recpath, "r");
    assert_non_null(rf);
    char rline[2048];
    int samples = 0, change_lines = 0;
    while (fgets(rline, sizeof rline, rf)) {
        vmopt__sample rs;
        assert_int_equal(vmopt__sample_parse(rline, &rs), 0);
        assert_contains(rline, " # t=");
        assert_contains(rline, " bulk-copy=");
        assert_contains(rline, " in_force=");
        samples++;
        if (strstr(rline, " change=balanced->bulk-copy")) {
            assert_contains(rline, "in_force=bulk-copy change");
            change_lines++;
        }
    }
    fclose(rf);
    assert_true(samples >= VMOPT__RETUNE_STREAK);
    assert_int_equal(change_lines, 1);
    unsetenv("VMOPT_RETUNE_RECORD");
    /* The machine's log has it too, for `vmopt dump` in other processes. */
    char *text = NULL, path[512];
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_true(vmopt_retune_log(mem, 16, path, sizeof path) >= 1);
    fclose(mem);
    assert_contains(text, "-> bulk-copy: ");
    assert_contains(text, "test-retune[");
    assert_contains(path, cache);
    free(text);
    /* Rotated to its newer half, near the 32 KiB bound, the new line last. */
    assert_int_equal(stat(logpath, &lst), 0);
    assert_true(lst.st_size <= 16 * 1024 + 512);
    mem = open_memstream(&text, &len);
    assert_true(vmopt_retune_log(mem, 2, NULL, 0) == 2);
    fclose(mem);
    assert_contains(text, "evil[1]: \\x1b[2J\\x1b]0;owned\\x07\n");
    assert_null(strchr(text, '\x1b'));
    free(text);
    /* Zero lines asked: none, and no division by zero. */
    mem = open_memstream(&text, &len);
    assert_int_equal(vmopt_retune_log(mem, 0, NULL, 0), 0);
    fclose(mem);
    assert_int_equal(len, 0);
    free(text);

    /* Small copies and pool traffic, retuned by the background thread: it
     * comes back from bulk-copy. */
    assert_int_equal(vmopt_retune_start(), 0);
    assert_int_equal(vmopt_retune_start(), 0); /* once */
    __atomic_store_n(&stop, 0, __ATOMIC_RELEASE);
    run_workers(&stop, args, th, N, 4096, pool);
    for (int i = 0; i < 400; i++) {
        usleep(5000);
        if (vmopt_retune_history(e, 16) > n)
            break;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].bad, 0);
    }
    vmopt_retune_stop();
    unsigned m = vmopt_retune_history(e, 16);
    assert_true(m > n);
    assert_string_equal(e[m - 1].from, "bulk-copy");
    p = vmopt_current_plan();
    assert_true(p->workload != VMOPT__WL_BULK_COPY);
    vmopt_plan_free(p);
    vmopt_pool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identifies),
        cmocka_unit_test(test_dwell_and_hysteresis),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_no_flap),
        cmocka_unit_test(test_recorded),
        cmocka_unit_test(test_counters_read),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
