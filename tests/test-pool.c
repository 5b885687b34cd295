/* The object pool: objects distinct, aligned and writable across their
 * whole size; LIFO reuse; the inline and called paths; frees from other
 * threads under a multi-thread stress; trim returning memory (RSS drops);
 * injected allocation failures (NULL with ENOMEM, the pool still usable);
 * debug mode's double-free and foreign-pointer reports; bad configs.  The
 * ASan build runs it with LeakSanitizer, and its pools poison free objects. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "lib/pool/pool.h"
#include "tests/testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

static vmopt_pool *make_pool(size_t size, size_t align, long magazine, int debug)
{
    vmopt_pool_config cfg = VMOPT_POOL_CONFIG_INIT;
    cfg.object_size = size;
    cfg.align = align;
    cfg.magazine = magazine;
    cfg.chunk_size = 64 * 1024;
    cfg.debug = debug;
    cfg.name = "test";
    vmopt_pool *p = NULL;
    if (vmopt_pool_create(&p, &cfg) < 0)
        fail_msg("vmopt_pool_create: %s", vmopt_errmsg());
    return p;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return (x > y) - (x < y);
}

/* n objects: distinct, aligned, not overlapping, each writable over its
 * whole size with the pattern surviving the others' writes. */
static void check_objects(void **obj, size_t n, size_t size, size_t align)
{
    for (size_t i = 0; i < n; i++) {
        assert_non_null(obj[i]);
        assert_int_equal((uintptr_t)obj[i] % align, 0);
        memset(obj[i], (int)(i & 0xff), size);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < size; b++)
            if (((unsigned char *)obj[i])[b] != (i & 0xff))
                fail_msg("object %zu byte %zu overwritten", i, b);
    void **sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, obj, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_ptr);
    for (size_t i = 1; i < n; i++)
        assert_true((char *)sorted[i] >= (char *)sorted[i - 1] + size);
    free(sorted);
}

static void test_single_thread(void **state)
{
    static const size_t sizes[][2] = {{1, 0}, {8, 8}, {16, 0}, {24, 8}, {64, 64}, {100, 4}, {256, 0}, {4000, 4096}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t size = sizes[s][0], align = sizes[s][1] ? sizes[s][1] : (size >= 16 ? 16 : 1);
        for (long magazine = 0; magazine <= 64; magazine += 64) {
            vmopt_pool *p = make_pool(size, sizes[s][1], magazine, 0);
            enum { N = 3000 };
            static void *obj[N];
            for (size_t i = 0; i < N; i++)
                obj[i] = i % 2 ? vmopt_pool_alloc(p) : vmopt_pool_cache_alloc(vmopt_pool_thread_cache(p));
            check_objects(obj, N, size, align);
            /* LIFO: what was freed last comes back first. */
            vmopt_pool_free(p, obj[5]);
            vmopt_pool_free(p, obj[9]);
            assert_ptr_equal(vmopt_pool_alloc(p), obj[9]);
            assert_ptr_equal(vmopt_pool_alloc(p), obj[5]);
            for (size_t i = 0; i < N; i++)
                if (i % 2)
                    vmopt_pool_cache_free(vmopt_pool_thread_cache(p), obj[i]);
                else
                    vmopt_pool_free(p, obj[i]);
            vmopt_pool_free(p, NULL);
            vmopt_pool_stats st;
            vmopt_pool_get_stats(p, &st);
            assert_int_equal(st.allocs, N + 2);
            assert_int_equal(st.frees, N + 2);
            assert_true(st.chunks >= 1 && st.bytes_held >= N * size);
#ifndef TEST_ASAN /* ASan: no thread caches, so that free objects stay poisoned */
            if (magazine)
                assert_true(st.cache_hits > N && st.refills > 0 && st.drains > 0);
            else
#endif
                assert_int_equal(st.cache_hits, 0);
            /* Everything again: reused, not new chunks. */
            uint64_t chunks = st.chunks;
            for (size_t i = 0; i < N; i++)
                obj[i] = vmopt_pool_alloc(p);
            check_objects(obj, N, size, align);
            vmopt_pool_get_stats(p, &st);
            assert_int_equal(st.chunks, chunks);
            for (size_t i = 0; i < N; i++)
                vmopt_pool_free(p, obj[i]);
            vmopt_pool_destroy(p);
        }
    }
}

/* ---- threads ------------------------------------------------------------- */

enum { THREADS = 4, ROUNDS = 20000, HANDOFF = 256 };

typedef struct {
    vmopt_pool *pool;
    void *volatile box[THREADS][HANDOFF]; /* box[t]: objects other threads hand to t */
    pthread_mutex_t lock[THREADS];
    size_t size;
} shared_t;

typedef struct {
    shared_t *sh;
    int id;
} worker_arg;

static void *worker(void *argp)
{
    worker_arg *a = argp;
    shared_t *sh = a->sh;
    vmopt_pool_cache *c = vmopt_pool_thread_cache(sh->pool);
    uint64_t x = (uint64_t)a->id * 0x9e3779b97f4a7c15u + 1;
    void *mine[64];
    int n = 0;
    for (int r = 0; r < ROUNDS; r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        if (n < 64 && (x & 3) != 0) {
            void *o = x & 4 ? vmopt_pool_cache_alloc(c) : vmopt_pool_alloc(sh->pool);
            if (!o)
                return (void *)1;
            memset(o, a->id + 1, sh->size);
            mine[n++] = o;
        } else if (n) {
            void *o = mine[--n];
            for (size_t b = 0; b < sh->size; b++)
                if (((unsigned char *)o)[b] != a->id + 1)
                    return (void *)2; /* someone else wrote our object */
            /* Half go to another thread, which frees them. */
            int to = (int)((x >> 8) % THREADS);
            if (to != a->id && (x & 8)) {
                pthread_mutex_lock(&sh->lock[to]);
                int i = 0;
                while (i < HANDOFF && sh->box[to][i])
                    i++;
                if (i < HANDOFF) {
                    memset(o, 0, sh->size);
                    sh->box[to][i] = o;
                    o = NULL;
                }
                pthread_mutex_unlock(&sh->lock[to]);
            }
            if (o)
                vmopt_pool_free(sh->pool, o);
        }
        if (r % 64 == 0) { /* free what others handed us */
            pthread_mutex_lock(&sh->lock[a->id]);
            for (int i = 0; i < HANDOFF; i++)
                if (sh->box[a->id][i]) {
                    vmopt_pool_cache_free(c, sh->box[a->id][i]);
                    sh->box[a->id][i] = NULL;
                }
            pthread_mutex_unlock(&sh->lock[a->id]);
        }
    }
    while (n)
        vmopt_pool_free(sh->pool, mine[--n]);
    return NULL;
}

static void test_threads_cross_free(void **state)
{
    static shared_t sh;
    memset(&sh, 0, sizeof sh);
    sh.size = 48;
    sh.pool = make_pool(sh.size, 0, 32, 0);
    for (int i = 0; i < THREADS; i++)
        pthread_mutex_init(&sh.lock[i], NULL);
    pthread_t th[THREADS];
    worker_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (worker_arg){&sh, i};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        assert_null(rc);
    }
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < HANDOFF; i++)
            if (sh.box[t][i])
                vmopt_pool_free(sh.pool, sh.box[t][i]);
    vmopt_pool_stats st;
    vmopt_pool_get_stats(sh.pool, &st);
    assert_int_equal(st.allocs, st.frees); /* the exited threads' counts are kept */
    assert_true(st.allocs > THREADS * ROUNDS / 4);
    vmopt_pool_destroy(sh.pool);
}

/* ---- memory ---------------------------------------------------------------- */

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_trim_returns_memory(void **state)
{
    vmopt_pool *p = make_pool(256, 0, 64, 0);
    enum { N = 200000 }; /* 51 MB of objects */
    void **obj = malloc(N * sizeof *obj);
    for (size_t i = 0; i < N; i++) {
        obj[i] = vmopt_pool_alloc(p);
        assert_non_null(obj[i]);
        memset(obj[i], 1, 256);
    }
    long full = rss_kib();
    /* Keep one object in the first chunk: that chunk stays, the rest go. */
    for (size_t i = 1; i < N; i++)
        vmopt_pool_free(p, obj[i]);
    size_t released = vmopt_pool_trim(p);
    long trimmed = rss_kib();
    vmopt_pool_stats st;
    vmopt_pool_get_stats(p, &st);
    if (released < (size_t)N * 256 * 8 / 10)
        fail_msg("released %zu of %zu held; %llu chunks left", released, (size_t)st.bytes_held + released, (unsigned long long)st.chunks);
    assert_true(full - trimmed >= (long)(released / 1024) * 8 / 10);
    assert_true(st.chunks >= 1 && st.bytes_held <= 4u << 20);
    /* Still usable, and the kept object intact. */
    for (int b = 0; b < 256; b++)
        assert_int_equal(((unsigned char *)obj[0])[b], 1);
    for (size_t i = 1; i < 1000; i++) {
        obj[i] = vmopt_pool_alloc(p);
        memset(obj[i], 2, 256);
    }
    check_objects(obj, 1000, 256, 16);
    for (size_t i = 0; i < 1000; i++)
        vmopt_pool_free(p, obj[i]);
    free(obj);
    vmopt_pool_destroy(p);
}

static void test_out_of_memory(void **state)
{
    for (long magazine = 0; magazine <= 16; magazine += 16) {
        vmopt_pool *p = make_pool(64, 0, magazine, 0);
        void *a = vmopt_pool_alloc(p);
        assert_non_null(a);
        /* Fill the first chunk, then every allocation from the OS fails. */
        enum { N = 2000 };
        static void *obj[N];
        size_t got = 0;
        vmopt__pool_fail_next = 1 << 30;
        errno = 0;
        while (got < N && (obj[got] = vmopt_pool_alloc(p)))
            got++;
        assert_true(got < N);
        assert_int_equal(errno, ENOMEM);
        assert_null(vmopt_pool_alloc(p));
        /* Frees still work with no memory for magazines. */
        for (size_t i = 0; i < got; i++)
            vmopt_pool_free(p, obj[i]);
        vmopt__pool_fail_next = 0;
        /* Usable again: everything freed comes back, then new chunks. */
        for (size_t i = 0; i < N; i++) {
            obj[i] = vmopt_pool_alloc(p);
            assert_non_null(obj[i]);
        }
        obj[0] = a;
        check_objects(obj, N, 64, 16);
        for (size_t i = 0; i < N; i++)
            vmopt_pool_free(p, obj[i]);
        vmopt_pool_destroy(p); /* LeakSanitizer (ASan build) checks nothing is left */
    }
}

/* Runs fn in a child with stderr captured; returns what it printed, and
 * its wait status. */
static int child_status(void (*fn)(void), char *out, size_t len)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 2);
        fn();
        _exit(0);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t n;
    while (got < len - 1 && (n = read(fd[0], out + got, len - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = 0;
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

static int child_aborts(void (*fn)(void), char *out, size_t len)
{
    int status = child_status(fn, out, len);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

#ifdef TEST_ASAN
static void use_after_free(void)
{
    vmopt_pool *p = make_pool(32, 0, 64, 0);
    char *a = vmopt_pool_alloc(p);
    vmopt_pool_free(p, a);
    ((volatile char *)a)[5] = 1;
}
#endif

static void double_free(void)
{
    vmopt_pool *p = make_pool(32, 0, 64, 1);
    void *a = vmopt_pool_alloc(p);
    vmopt_pool_free(p, a);
    vmopt_pool_free(p, a);
}

static void foreign_pointer(void)
{
    vmopt_pool *p = make_pool(32, 0, 64, 1);
    static char elsewhere[64];
    vmopt_pool_alloc(p);
    vmopt_pool_free(p, elsewhere);
}

static void inside_pointer(void)
{
    vmopt_pool *p = make_pool(32, 0, 64, 1);
    char *a = vmopt_pool_alloc(p);
    vmopt_pool_free(p, a + 8);
}

static void test_debug_mode(void **state)
{
    char msg[4096];
    assert_true(child_aborts(double_free, msg, sizeof msg));
    assert_contains(msg, "vmopt_pool_free(test)");
    assert_contains(msg, "double free");
    assert_true(child_aborts(foreign_pointer, msg, sizeof msg));
    assert_contains(msg, "foreign pointer");
    assert_true(child_aborts(inside_pointer, msg, sizeof msg));
    assert_contains(msg, "inside an object");
#ifdef TEST_ASAN
    /* Free objects are poisoned: a write to one is reported. */
    int status = child_status(use_after_free, msg, sizeof msg);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    assert_contains(msg, "use-after-poison");
#endif
    /* Correct use in debug mode works as ever. */
    vmopt_pool *p = make_pool(32, 0, 64, 1);
    void *obj[100];
    for (int i = 0; i < 100; i++)
        obj[i] = vmopt_pool_alloc(p);
    check_objects(obj, 100, 32, 16);
    for (int i = 0; i < 100; i++)
        vmopt_pool_free(p, obj[i]);
    vmopt_pool_destroy(p);
}

static void test_bad_config(void **state)
{
    vmopt_pool_config cfg = VMOPT_POOL_CONFIG_INIT;
    vmopt_pool *p = NULL;
    assert_int_equal(vmopt_pool_create(&p, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "object_size 0");
    cfg.object_size = 64;
    cfg.align = 24;
    assert_int_equal(vmopt_pool_create(&p, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "align 24");
    cfg.align = 0;
    cfg.chunk_size = 5000;
    assert_int_equal(vmopt_pool_create(&p, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "chunk_size 5000");
    cfg.chunk_size = VMOPT_POOL_AUTO;
    cfg.magazine = 5000;
    assert_int_equal(vmopt_pool_create(&p, &cfg), -EINVAL);
    assert_contains(vmopt_errmsg(), "magazine 5000");
    assert_null(p);
    /* The plan's sizes. */
    cfg.magazine = VMOPT_POOL_AUTO;
    assert_int_equal(vmopt_pool_create(&p, &cfg), 0);
    vmopt_pool_stats st;
    vmopt_pool_get_stats(p, &st);
    assert_true(st.chunk_size >= 4096);
    vmopt_pool_destroy(p);
}

/* ---- retuning ------------------------------------------------------------- */

static void test_retune(void **state)
{
    /* Bulk allocation makes a refill per magazine: 100 000 objects with a
     * magazine of 16 is 6 250 trips to the depot in a few ms, and chunk
     * after chunk. */
    vmopt_pool *p = make_pool(64, 0, 16, 0);
    enum { N = 100000 };
    void **obj = malloc(N * sizeof *obj);
    for (size_t i = 0; i < N; i++)
        assert_non_null(obj[i] = vmopt_pool_alloc(p));
    vmopt_pool_stats st;
    vmopt_pool_get_stats(p, &st);
#ifdef TEST_ASAN
    /* ASan: every object is poisoned while free, so no thread caches. */
    assert_int_equal(st.magazine, 0);
    assert_int_equal(st.cache_hits, 0);
#else
    assert_true(st.magazine > 16);
    assert_true(st.refills < N / 16);
#endif
    assert_true(st.chunk_size > 64 * 1024); /* chunks wanted within 100 ms of each other */
    check_objects(obj, 1000, 64, 16);
    for (size_t i = 0; i < N; i++)
        vmopt_pool_free(p, obj[i]);
    vmopt_pool_destroy(p);

    /* Alternating allocs and frees stay in the magazine: nothing grows. */
    p = make_pool(64, 0, 16, 0);
    for (int i = 0; i < 200000; i++)
        vmopt_pool_free(p, vmopt_pool_alloc(p));
    vmopt_pool_get_stats(p, &st);
    assert_int_equal(st.chunks, 1);
    assert_int_equal(st.chunk_size, 64 * 1024);
#ifndef TEST_ASAN
    assert_int_equal(st.magazine, 16);
    assert_true(st.refills <= 1 && st.drains == 0);
    assert_int_equal(st.cache_hits, 2 * 200000 - 1); /* the first alloc refilled */
#endif
    assert_int_equal(st.allocs, 200000);
    assert_int_equal(st.frees, 200000);
    vmopt_pool_destroy(p);
    free(obj);

    /* 2 MiB chunks start on a 2 MiB boundary (for transparent huge pages). */
    vmopt_pool_config cfg = VMOPT_POOL_CONFIG_INIT;
    cfg.object_size = 64;
    cfg.chunk_size = 2 << 20;
    cfg.magazine = 16;
    assert_int_equal(vmopt_pool_create(&p, &cfg), 0);
    void *some[16];
    uintptr_t lowest = UINTPTR_MAX;
    for (int i = 0; i < 16; i++) { /* the first magazine's: the chunk's first 16 */
        some[i] = vmopt_pool_alloc(p);
        if ((uintptr_t)some[i] < lowest)
            lowest = (uintptr_t)some[i];
    }
    assert_int_equal(lowest % (2 << 20), 0);
    for (int i = 0; i < 16; i++)
        vmopt_pool_free(p, some[i]);
    vmopt_pool_destroy(p);
}

/* ---- destroy while other threads hold caches ------------------------------ */

typedef struct {
    vmopt_pool *a, *b;
    pthread_barrier_t step;
    int bad;
} destroy_shared;

static void *destroy_worker(void *argp)
{
    destroy_shared *sh = argp;
    vmopt_pool_free(sh->a, vmopt_pool_alloc(sh->a)); /* a cache of a */
    pthread_barrier_wait(&sh->step); /* main destroys a, makes b */
    pthread_barrier_wait(&sh->step);
    enum { N = 500 };
    void *obj[N];
    for (int i = 0; i < N; i++)
        if (!(obj[i] = vmopt_pool_alloc(sh->b)))
            sh->bad = 1;
    for (int i = 0; i < N; i++)
        memset(obj[i], 7, 64);
    for (int i = 0; i < N; i++)
        vmopt_pool_free(sh->b, obj[i]);
    return NULL;
}

static void *exit_after_destroy(void *argp)
{
    destroy_shared *sh = argp;
    vmopt_pool_free(sh->a, vmopt_pool_alloc(sh->a));
    pthread_barrier_wait(&sh->step);
    pthread_barrier_wait(&sh->step);
    return NULL;
}

/* Stats read while another thread runs through its slow path: they used
 * to wait, pool lock held, for a thread that waited for that lock. */
typedef struct {
    vmopt_pool *pool;
    int rounds, done;
} churn_arg;

static void *churn(void *arg)
{
    churn_arg *a = arg;
    static void *objs[3000];
    for (int r = 0; r < a->rounds; r++) {
        for (int i = 0; i < 3000; i++)
            objs[i] = vmopt_pool_alloc(a->pool);
        for (int i = 0; i < 3000; i++)
            vmopt_pool_free(a->pool, objs[i]);
    }
    __atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void test_stats_while_used(void **state)
{
    vmopt_pool *p = make_pool(64, 0, 16, 0);
    churn_arg a = {p, 300, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, churn, &a), 0);
    vmopt_pool_stats st;
    unsigned reads = 0;
    while (!__atomic_load_n(&a.done, __ATOMIC_ACQUIRE)) {
        vmopt_pool_get_stats(p, &st);
        assert_true(st.allocs <= 300u * 3000u);
        reads++;
    }
    pthread_join(th, NULL);
    vmopt_pool_get_stats(p, &st);
    assert_int_equal(st.allocs, 300u * 3000u);
    assert_int_equal(st.frees, 300u * 3000u);
    assert_true(reads > 0);
    vmopt_pool_destroy(p);
}

static void test_destroy_with_thread_caches(void **state)
{
    static destroy_shared sh;
    sh.a = make_pool(64, 0, 32, 0);
    pthread_barrier_init(&sh.step, NULL, 2);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, destroy_worker, &sh), 0);
    pthread_barrier_wait(&sh.step);
    vmopt_pool_destroy(sh.a); /* the worker's cache of a is left for it to free */
    sh.b = make_pool(64, 0, 32, 0); /* a's slot again: the worker must not take a's cache */
    void *mine = vmopt_pool_alloc(sh.b);
    memset(mine, 1, 64);
    pthread_barrier_wait(&sh.step);
    pthread_join(th, NULL);
    assert_false(sh.bad);
    for (int b = 0; b < 64; b++)
        assert_int_equal(((unsigned char *)mine)[b], 1); /* not handed out twice */
    vmopt_pool_free(sh.b, mine);
    vmopt_pool_stats st;
    vmopt_pool_get_stats(sh.b, &st);
    assert_int_equal(st.allocs, 501);
    assert_int_equal(st.frees, 501);
    vmopt_pool_destroy(sh.b);
    pthread_barrier_destroy(&sh.step);

    /* A thread that exits after its pool is gone frees its cache and
     * touches nothing of the pool's (valgrind and TSan see to the rest). */
    sh.a = make_pool(64, 0, 32, 0);
    pthread_barrier_init(&sh.step, NULL, 2);
    assert_int_equal(pthread_create(&th, NULL, exit_after_destroy, &sh), 0);
    pthread_barrier_wait(&sh.step);
    vmopt_pool_destroy(sh.a);
    pthread_barrier_wait(&sh.step);
    pthread_join(th, NULL);
    pthread_barrier_destroy(&sh.step);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_thread),      cmocka_unit_test(test_threads_cross_free),
        cmocka_unit_test(test_trim_returns_memory), cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_debug_mode),         cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_retune),             cmocka_unit_test(test_destroy_with_thread_caches),
        cmocka_unit_test(test_stats_while_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
