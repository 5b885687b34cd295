/* The object pool: chunks from the OS carved into objects of one size,
 * per-thread magazines (Bonwick's "Magazines and Vmem", 2001) in front of
 * a depot of full and empty magazines under one lock.
 *
 * A thread holds two magazines per pool, the loaded one and the previous
 * one.  An alloc pops the loaded one; when it is empty and the previous is
 * full they swap; only when both are empty does the thread go to the depot
 * (or the chunks) for a full one.  Frees mirror that.  So a thread that
 * alternates at a boundary never touches the lock, and one that allocates
 * or frees in bulk does once per magazine.  A free from another thread
 * than the allocating one is an ordinary free into the freeing thread's
 * magazine: the objects are the pool's, not a thread's.
 *
 * Retuning: a thread that goes to the depot more than 64 times in 10 ms
 * doubles the pool's magazine size (up to 4096); a pool that needs a new
 * chunk within 100 ms of the last doubles its chunk size (up to 64x the
 * configured one).  Both only grow, so they never flap. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sched.h>
#include <time.h>

#include "lib/internal.h"
#include "lib/options.h"
#include "lib/pool/pool.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#endif
#ifdef POOL_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Pools with thread caches at once; more work through the lock.  A pool's
 * id carries its slot in the low bits, so that a call finds both in one
 * load. */
#define SLOT_BITS 5
#define SLOTS ((1u << SLOT_BITS) - 1)
#define NO_SLOT SLOTS
#define SLOT_OF(id) ((unsigned)(id) & SLOTS)
#define GROW_SLOW_OPS 64
#define GROW_WINDOW_NS (10 * 1000000ull)
#define CHUNK_WINDOW_NS (100 * 1000000ull)
#define CHUNK_GROWTH_MAX 64

int vmopt__pool_fail_next;

/* Every live pool by slot, so that a thread's exit finds the pools its
 * caches belong to (and skips those destroyed since). */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static vmopt_pool *live[SLOTS];
static vmopt_pool *all_pools; /* every live pool, with a slot or without (debug, ASan) */
static uint64_t next_id = 1;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

/* This thread's caches, by pool slot: a call compares the cache's pool_id
 * with the pool's.  A slot with no cache points at no_cache, whose pool_id
 * 0 matches no pool.  A cache whose pool was destroyed stays (ids are never
 * reused, so it matches no pool either) until this thread exits or makes
 * another cache in the slot.
 * Initial-exec: 256 bytes of static TLS, one fs-relative load to find. */
static vmopt__pool_tcache no_cache;
static __thread vmopt__pool_tcache *tls[SLOTS + 1] __attribute__((tls_model("initial-exec"))) = {
    [0 ... SLOTS] = &no_cache}; /* [NO_SLOT] stays no_cache */

static uint64_t relaxed(const uint64_t *v)
{
    return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void bump(uint64_t *v)
{
    __atomic_store_n(v, *v + 1, __ATOMIC_RELAXED);
}

#define HUGE_PAGE (2u << 20)

/* Chunks of 2 MiB or more start on a 2 MiB boundary and ask for
 * transparent huge pages, so that each 2 MiB of objects costs one TLB
 * entry (the plan's reason for choosing that size says so). */
static void *os_alloc(size_t bytes)
{
    if (vmopt__pool_fail_next > 0) {
        vmopt__pool_fail_next--;
        return NULL;
    }
    int huge = bytes >= HUGE_PAGE && bytes % HUGE_PAGE == 0;
    size_t span = huge ? bytes + HUGE_PAGE : bytes;
    char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (huge) {
        char *base = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
        if (base > p)
            munmap(p, (size_t)(base - p));
        if (base + bytes < p + span)
            munmap(base + bytes, (size_t)(p + span - (base + bytes)));
        madvise(base, bytes, MADV_HUGEPAGE); /* advice: refused where THP is off, which is fine */
        p = base;
    }
    return p;
}

static void *heap_alloc_aligned(size_t align, size_t bytes)
{
    if (vmopt__pool_fail_next > 0) {
        vmopt__pool_fail_next--;
        return NULL;
    }
    return align ? aligned_alloc(align, bytes) : malloc(bytes);
}

static void *heap_alloc(size_t bytes)
{
    return heap_alloc_aligned(0, bytes);
}

/* ---- chunks (pool lock held) --------------------------------------------- */

static vmopt__chunk *new_chunk(vmopt_pool *p)
{
    uint64_t now = vmopt__coarse_ns();
    if (p->n_chunks && now - p->last_chunk_ns < CHUNK_WINDOW_NS && p->chunk_bytes < p->chunk_min * CHUNK_GROWTH_MAX &&
        p->chunk_bytes < (UINT64_C(1) << 30))
        p->chunk_bytes *= 2;
    size_t bytes = p->chunk_bytes;
    if (bytes < p->stride)
        bytes = (p->stride + 4095) & ~(size_t)4095;
    vmopt__chunk *c = heap_alloc(sizeof *c);
    void *base = c ? os_alloc(bytes) : NULL;
    uint8_t *bits = NULL;
    if (base && p->debug && !(bits = calloc(bytes / p->stride / 8 + 1, 1))) {
        munmap(base, bytes);
        base = NULL;
    }
    if (!base) {
        free(c);
        return NULL;
    }
    *c = (vmopt__chunk){p->chunks, base, bytes, 0, bytes / p->stride, bits};
    POISON(base, bytes);
    p->chunks = p->current = c;
    p->n_chunks++;
    p->bytes_held += bytes;
    p->last_chunk_ns = now;
    return c;
}

/* Up to n fresh objects into out; how many. */
static unsigned carve(vmopt_pool *p, void **out, unsigned n)
{
    unsigned got = 0;
    while (got < n) {
        vmopt__chunk *c = p->current;
        if (!c || c->objects == c->capacity) {
            if (!(c = new_chunk(p)))
                break;
        }
        while (got < n && c->objects < c->capacity)
            out[got++] = c->base + c->objects++ * p->stride;
    }
    return got;
}

static vmopt__chunk *chunk_of(vmopt_pool *p, const void *obj)
{
    for (vmopt__chunk *c = p->chunks; c; c = c->next)
        if ((const char *)obj >= c->base && (const char *)obj < c->base + c->objects * p->stride)
            return c;
    return NULL;
}

/* ---- magazines ------------------------------------------------------------ */

static vmopt__magazine *new_magazine(unsigned capacity)
{
    vmopt__magazine *m = heap_alloc(sizeof *m + capacity * sizeof(void *));
    if (m) {
        m->next = NULL;
        m->n = 0;
        m->capacity = capacity;
    }
    return m;
}

static vmopt__magazine *pop(vmopt__magazine **list)
{
    vmopt__magazine *m = *list;
    if (m)
        *list = m->next;
    return m;
}

static void push(vmopt__magazine **list, vmopt__magazine *m)
{
    m->next = *list;
    *list = m;
}

/* An empty magazine of the size in force, from the depot or new.  With no
 * thread caches (magazine 0) the depot still keeps its free objects in
 * magazines of 64. */
static vmopt__magazine *empty_magazine(vmopt_pool *p)
{
    unsigned want = p->magazine ? p->magazine : 64;
    vmopt__magazine *m;
    while ((m = pop(&p->empty)) && m->capacity < want)
        free(m);
    return m ? m : new_magazine(want);
}

/* ---- the locked path: debug, ASan, and pools with no thread slot ---------- */

static VMOPT__COLD void bad_free(vmopt_pool *p, void *obj, const char *what)
{
    vmopt__log(VMOPT__LOG_ERROR, "vmopt_pool_free(%s): %p %s", p->name, obj, what);
    fprintf(stderr, "vmopt: vmopt_pool_free(%s): %p %s\n", p->name, obj, what);
    abort();
}

static void *locked_alloc(vmopt_pool *p)
{
    pthread_mutex_lock(&p->lock);
    void *obj = NULL;
    vmopt__magazine *m = p->full;
    if (m) {
        obj = m->slot[--m->n];
        if (!m->n)
            push(&p->empty, pop(&p->full));
    } else if (p->loose) {
        obj = p->loose;
        UNPOISON(obj, sizeof(void *));
        p->loose = *(void **)obj;
    } else {
        carve(p, &obj, 1);
    }
    if (obj) {
        if (p->debug) {
            vmopt__chunk *c = chunk_of(p, obj);
            size_t i = (size_t)((char *)obj - c->base) / p->stride;
            c->in_use[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        UNPOISON(obj, p->object_size);
        p->locked_allocs++;
    }
    pthread_mutex_unlock(&p->lock);
    if (!obj)
        errno = ENOMEM;
    return obj;
}

static void depot_put(vmopt_pool *p, void *obj)
{
    vmopt__magazine *m = p->full;
    if (!m || m->n == m->capacity) {
        if ((m = empty_magazine(p)))
            push(&p->full, m);
    }
    if (m) {
        m->slot[m->n++] = obj;
    } else { /* no memory for a magazine: link it through itself */
        UNPOISON(obj, sizeof(void *));
        *(void **)obj = p->loose;
        p->loose = obj;
        POISON(obj, sizeof(void *));
    }
}

static void locked_free(vmopt_pool *p, void *obj)
{
    pthread_mutex_lock(&p->lock);
    if (p->debug) {
        vmopt__chunk *c = chunk_of(p, obj);
        if (!c)
            bad_free(p, obj, "is not an object of this pool (foreign pointer)");
        size_t off = (size_t)((char *)obj - c->base), i = off / p->stride;
        if (off % p->stride)
            bad_free(p, obj, "is inside an object, not at its start");
        if (!(c->in_use[i / 8] & (1u << (i % 8))))
            bad_free(p, obj, "is already free (double free)");
        c->in_use[i / 8] &= (uint8_t)~(1u << (i % 8));
    }
    POISON(obj, p->object_size);
    depot_put(p, obj);
    p->locked_frees++;
    pthread_mutex_unlock(&p->lock);
}

/* ---- thread caches -------------------------------------------------------- */

/* The slow path of a thread's cache runs between begin and end: begin
 * folds the ops the fast path counted in head.state into the totals and
 * writes n back into the loaded magazine; the slow path then works on the
 * magazines alone; end publishes the loaded one's n as the new state.
 * Stats see seq odd in between and retry (a seqlock). */
static void begin(vmopt__pool_tcache *t)
{
    __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    uint64_t s = t->head.state, ops = s / VMOPT__POOL_OP;
    unsigned n = (unsigned)s & VMOPT__POOL_N_MASK;
    int64_t net = (int64_t)n - (int64_t)t->base_n; /* fast frees - fast allocs */
    __atomic_store_n(&t->fast_allocs, t->fast_allocs + (uint64_t)((int64_t)ops - net) / 2, __ATOMIC_RELAXED);
    __atomic_store_n(&t->fast_frees, t->fast_frees + (uint64_t)((int64_t)ops + net) / 2, __ATOMIC_RELAXED);
    if (t->loaded)
        t->loaded->n = n;
}

static void end(vmopt__pool_tcache *t)
{
    unsigned n = t->loaded ? t->loaded->n : 0;
    t->head.slot = t->loaded ? t->loaded->slot : NULL;
    t->head.cap = t->loaded ? t->loaded->capacity : 0;
    __atomic_store_n(&t->head.state, (uint64_t)n, __ATOMIC_RELAXED);
    __atomic_store_n(&t->base_n, n, __ATOMIC_RELAXED);
    __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
}

/* The fast allocs and frees a thread has served, as of now: 1, or 0 when
 * the thread stayed inside its slow path for all the tries.  The caller
 * holds the pool lock, which that slow path may be waiting for: it must
 * not wait here. */
static int fast_ops(const vmopt__pool_tcache *t, uint64_t *allocs, uint64_t *frees)
{
    for (int tries = 0; tries < 64; tries++) {
        unsigned seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
        uint64_t s = __atomic_load_n(&t->head.state, __ATOMIC_RELAXED);
        unsigned base = __atomic_load_n(&t->base_n, __ATOMIC_RELAXED);
        uint64_t a = relaxed(&t->fast_allocs), f = relaxed(&t->fast_frees);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (!(seq & 1) && seq == __atomic_load_n(&t->seq, __ATOMIC_RELAXED)) {
            int64_t ops = (int64_t)(s / VMOPT__POOL_OP), net = (int64_t)(s & VMOPT__POOL_N_MASK) - base;
            *allocs = a + (uint64_t)(ops - net) / 2;
            *frees = f + (uint64_t)(ops + net) / 2;
            return 1;
        }
    }
    return 0;
}

/* Called under the pool lock at each trip to the depot: a thread that
 * makes 64 trips within 10 ms doubles the pool's magazine size. */
static void retune_magazine(vmopt__pool_tcache *t)
{
    vmopt_pool *p = t->pool;
    uint64_t now = vmopt__coarse_ns();
    if (++t->slow_ops < GROW_SLOW_OPS)
        return;
    if (now - t->window_start_ns < GROW_WINDOW_NS && p->magazine < VMOPT__POOL_MAX_MAGAZINE) {
        p->magazine *= 2;
        vmopt__log(VMOPT__LOG_DEBUG, "pool %s: magazine %u: 64 depot trips in under 10 ms", p->name,
                   p->magazine);
    }
    t->slow_ops = 0;
    t->window_start_ns = now;
}

VMOPT_EXTERN void *vmopt__pool_refill(vmopt_pool_cache *c)
{
    vmopt__pool_tcache *t = (vmopt__pool_tcache *)c;
    vmopt_pool *p = t->pool;
    if (!c->cap)
        return locked_alloc(p);
    begin(t);
    vmopt__magazine *m = NULL;
    if (t->previous && t->previous->n) {
        m = t->previous;
        t->previous = t->loaded;
        t->loaded = m;
    } else {
        pthread_mutex_lock(&p->lock);
        m = pop(&p->full);
        if (!m && (m = empty_magazine(p))) {
            m->n = carve(p, m->slot, m->capacity);
            while (m->n < m->capacity && p->loose) { /* objects freed without a magazine */
                void *obj = p->loose;
                UNPOISON(obj, sizeof(void *));
                p->loose = *(void **)obj;
                m->slot[m->n++] = obj;
            }
            if (!m->n) {
                push(&p->empty, m);
                m = NULL;
            }
        }
        if (m) {
            if (t->previous)
                push(&p->empty, t->previous);
            t->previous = t->loaded;
            t->loaded = m;
            bump(&t->refills);
            retune_magazine(t);
        }
        pthread_mutex_unlock(&p->lock);
    }
    void *obj = NULL;
    if (m) {
        obj = m->slot[--m->n];
        bump(&t->slow_allocs);
    }
    end(t);
    if (!obj)
        errno = ENOMEM;
    return obj;
}

VMOPT_EXTERN void vmopt__pool_drain(vmopt_pool_cache *c, void *obj)
{
    vmopt__pool_tcache *t = (vmopt__pool_tcache *)c;
    vmopt_pool *p = t->pool;
    if (!obj)
        return;
    if (!c->cap) {
        locked_free(p, obj);
        return;
    }
    begin(t);
    if (t->previous && t->previous->n == 0 && t->previous->capacity >= t->loaded->capacity) {
        vmopt__magazine *m = t->previous;
        t->previous = t->loaded;
        t->loaded = m;
    } else {
        pthread_mutex_lock(&p->lock);
        vmopt__magazine *m = empty_magazine(p);
        if (m) {
            if (t->previous)
                push(t->previous->n ? &p->full : &p->empty, t->previous);
            t->previous = t->loaded;
            t->loaded = m;
            bump(&t->drains);
            retune_magazine(t);
        } else { /* no memory for a magazine: the object goes to the depot alone */
            depot_put(p, obj);
            obj = NULL;
        }
        pthread_mutex_unlock(&p->lock);
    }
    if (obj)
        t->loaded->slot[t->loaded->n++] = obj;
    bump(&t->slow_frees);
    end(t);
}

/* The thread's magazines go back to the depot (pool lock held; the
 * owning thread).  Its cache then sends every call to the slow path until
 * it loads a magazine again. */
static void flush_cache(vmopt_pool *p, vmopt__pool_tcache *t)
{
    begin(t);
    vmopt__magazine *mags[2] = {t->loaded, t->previous};
    for (int i = 0; i < 2; i++)
        if (mags[i])
            push(mags[i]->n ? &p->full : &p->empty, mags[i]);
    t->loaded = t->previous = NULL;
    end(t);
}

/* A thread that exits: its magazines to the depot, its counters to the
 * pool's, and off the pool's list (pool lock held). */
static void release_cache(vmopt_pool *p, vmopt__pool_tcache *t)
{
    flush_cache(p, t);
    p->gone[0] += t->fast_allocs + t->slow_allocs;
    p->gone[1] += t->fast_frees + t->slow_frees;
    p->gone[2] += t->fast_allocs + t->fast_frees;
    p->gone[3] += t->refills;
    p->gone[4] += t->drains;
    for (vmopt__pool_tcache **q = &p->caches; *q; q = &(*q)->next_in_pool)
        if (*q == t) {
            *q = t->next_in_pool;
            break;
        }
}

static void thread_exit(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&registry_lock);
    for (unsigned s = 0; s < SLOTS; s++) {
        vmopt__pool_tcache *t = tls[s];
        if (t == &no_cache)
            continue;
        vmopt_pool *p = live[s];
        if (p && p->id == t->pool_id) { /* its pool lives: magazines and counts go back */
            pthread_mutex_lock(&p->lock);
            release_cache(p, t);
            pthread_mutex_unlock(&p->lock);
        }
        free(t);
        tls[s] = &no_cache;
    }
    pthread_mutex_unlock(&registry_lock);
}

static void make_exit_key(void)
{
    pthread_key_create(&exit_key, thread_exit);
}

static VMOPT__COLD vmopt__pool_tcache *new_cache(vmopt_pool *p)
{
    if (p->slot == NO_SLOT)
        return &p->shared;
    /* A line of its own: another thread's cache written beside it would
     * take the line away at every op. */
    size_t bytes = (sizeof(vmopt__pool_tcache) + 63) & ~(size_t)63;
    vmopt__pool_tcache *t = heap_alloc_aligned(64, bytes);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    t->pool = p;
    t->pool_id = p->id;
    t->window_start_ns = vmopt__coarse_ns();
    pthread_mutex_lock(&p->lock);
    begin(t);
    t->loaded = p->debug ? NULL : empty_magazine(p);
    end(t); /* no magazine: cap 0, every call through the locked path */
    t->next_in_pool = p->caches;
    p->caches = t;
    pthread_mutex_unlock(&p->lock);
    pthread_once(&exit_once, make_exit_key);
    pthread_setspecific(exit_key, (void *)1);
    if (tls[p->slot] != &no_cache) /* left by a destroyed pool (a live one would match) */
        free(tls[p->slot]);
    tls[p->slot] = t;
    return t;
}

/* The pool's cache for this thread, or NULL. */
static inline vmopt__pool_tcache *cache_of(const vmopt_pool *p)
{
    vmopt__pool_tcache *t = tls[p->slot];
    return __builtin_expect(t->pool_id == p->id, 1) ? t : NULL;
}

VMOPT_EXTERN vmopt_pool_cache *vmopt_pool_thread_cache(vmopt_pool *p)
{
    vmopt__pool_tcache *t = cache_of(p);
    if (!t)
        t = new_cache(p);
    return t ? &t->head : NULL;
}

/* The called paths: the hit is a lookup in this thread's table and the
 * inline path, with no frame; all else goes out of line. */
static VMOPT__COLD void *alloc_slow(vmopt_pool *p)
{
    vmopt__pool_tcache *t = new_cache(p);
    return t ? vmopt_pool_cache_alloc(&t->head) : locked_alloc(p);
}

static VMOPT__COLD void free_slow(vmopt_pool *p, void *obj)
{
    vmopt__pool_tcache *t = obj ? new_cache(p) : NULL;
    if (t)
        vmopt_pool_cache_free(&t->head, obj);
    else if (obj)
        locked_free(p, obj);
}

VMOPT_EXTERN void *vmopt_pool_alloc(vmopt_pool *p)
{
    uint64_t id = p->id;
    vmopt__pool_tcache *t = tls[SLOT_OF(id)];
    if (__builtin_expect(t->pool_id == id, 1))
        return vmopt_pool_cache_alloc(&t->head);
    return alloc_slow(p);
}

VMOPT_EXTERN void vmopt_pool_free(vmopt_pool *p, void *obj)
{
    uint64_t id = p->id;
    vmopt__pool_tcache *t = tls[SLOT_OF(id)];
    if (__builtin_expect(t->pool_id == id, 1))
        vmopt_pool_cache_free(&t->head, obj);
    else
        free_slow(p, obj);
}

/* ---- trim ------------------------------------------------------------------ */

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return (x > y) - (x < y);
}

/* The first of all[0..n) at or above addr (all sorted). */
static size_t lower_bound(void *const *all, size_t n, const char *addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((const char *)all[mid] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Every free object the depot holds, into one array (pool lock held); the
 * depot keeps its magazines, emptied.  NULL with *n 0 if there are none. */
static void **take_depot(vmopt_pool *p, size_t *n)
{
    size_t cap = 0, loose = 0;
    for (vmopt__magazine *m = p->full; m; m = m->next)
        cap += m->n;
    for (void *o = p->loose; o; loose++) {
        UNPOISON(o, sizeof(void *));
        void *next = *(void **)o;
        POISON(o, sizeof(void *));
        o = next;
    }
    *n = 0;
    void **all = cap + loose ? malloc((cap + loose) * sizeof *all) : NULL;
    if (!all)
        return NULL;
    while (p->full) {
        vmopt__magazine *m = pop(&p->full);
        memcpy(all + *n, m->slot, m->n * sizeof *all);
        *n += m->n;
        m->n = 0;
        push(&p->empty, m);
    }
    while (p->loose) {
        void *o = p->loose;
        UNPOISON(o, sizeof(void *));
        p->loose = *(void **)o;
        all[(*n)++] = o;
    }
    return all;
}

static void release_chunk(vmopt_pool *p, vmopt__chunk *c)
{
    UNPOISON(c->base, c->bytes);
    munmap(c->base, c->bytes);
    p->bytes_held -= c->bytes;
    p->n_chunks--;
    free(c->in_use);
    free(c);
}

VMOPT_EXTERN size_t vmopt_pool_trim(vmopt_pool *p)
{
    vmopt__pool_tcache *mine = cache_of(p);
    pthread_mutex_lock(&p->lock);
    if (mine)
        flush_cache(p, mine);
    size_t n, released = 0;
    void **all = take_depot(p, &n);
    if (all) {
        /* A chunk goes when the depot holds every object carved from it.
         * The counts come from the sorted array as it is; the objects of
         * chunks released are dropped from it only afterwards. */
        qsort(all, n, sizeof *all, cmp_ptr);
        uint8_t *gone = calloc(n, 1);
        for (vmopt__chunk **q = &p->chunks; gone && *q;) {
            vmopt__chunk *c = *q;
            size_t lo = lower_bound(all, n, c->base), hi = lower_bound(all, n, c->base + c->bytes);
            if (hi - lo == c->objects && c->objects) {
                memset(gone + lo, 1, hi - lo);
                *q = c->next;
                if (p->current == c)
                    p->current = NULL;
                released += c->bytes;
                release_chunk(p, c);
            } else {
                q = &c->next;
            }
        }
        for (size_t i = 0; i < n; i++)
            if (!gone || !gone[i])
                depot_put(p, all[i]);
        free(gone);
        free(all);
    }
    if (mine) { /* an empty magazine again, or the locked path if none can be had */
        begin(mine);
        mine->loaded = empty_magazine(p);
        end(mine);
    }
    pthread_mutex_unlock(&p->lock);
    return released;
}

/* ---- life cycle and stats ------------------------------------------------- */

VMOPT_EXTERN void vmopt_pool_get_stats(vmopt_pool *p, vmopt_pool_stats *out)
{
    /* A thread in its slow path (seq odd) may wait for the pool lock: then
     * the lock is let go, and the sum starts again once it has passed. */
    for (;;) {
        pthread_mutex_lock(&p->lock);
        uint64_t allocs = p->gone[0] + p->locked_allocs, frees = p->gone[1] + p->locked_frees;
        uint64_t hits = p->gone[2], refills = p->gone[3], drains = p->gone[4];
        int whole = 1;
        for (vmopt__pool_tcache *t = p->caches; t && whole; t = t->next_in_pool) {
            uint64_t fa = 0, ff = 0;
            whole = fast_ops(t, &fa, &ff);
            allocs += fa + relaxed(&t->slow_allocs);
            frees += ff + relaxed(&t->slow_frees);
            hits += fa + ff;
            refills += relaxed(&t->refills);
            drains += relaxed(&t->drains);
        }
        if (whole)
            *out = (vmopt_pool_stats){allocs, frees, hits, refills, drains, p->n_chunks, p->bytes_held,
                                      p->magazine, p->chunk_bytes};
        pthread_mutex_unlock(&p->lock);
        if (whole)
            return;
        sched_yield();
    }
}

void vmopt__pool_sum(uint64_t *ops, uint64_t *refills, uint64_t *drains)
{
    *ops = *refills = *drains = 0;
    pthread_mutex_lock(&registry_lock);
    for (unsigned s = 0; s < SLOTS; s++)
        if (live[s]) {
            vmopt_pool_stats st;
            vmopt_pool_get_stats(live[s], &st);
            *ops += st.allocs + st.frees;
            *refills += st.refills;
            *drains += st.drains;
        }
    pthread_mutex_unlock(&registry_lock);
}

unsigned vmopt__pool_each_stats(char (*name)[32], uint64_t *object_size, vmopt_pool_stats *out, unsigned max)
{
    unsigned n = 0;
    pthread_mutex_lock(&registry_lock);
    for (vmopt_pool *p = all_pools; p && n < max; p = p->all_next, n++) {
        vmopt_pool_get_stats(p, &out[n]);
        memcpy(name[n], p->name, sizeof name[n]);
        name[n][sizeof name[n] - 1] = 0;
        object_size[n] = p->object_size;
    }
    pthread_mutex_unlock(&registry_lock);
    return n;
}

static int is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

int vmopt__pool_create(vmopt_pool **out, const vmopt_pool_config *cfg)
{
#define BAD(...) vmopt__fail(-EINVAL, "vmopt_pool_create: " __VA_ARGS__)
    vmopt_pool_config c = *cfg;
    if (c.object_size == 0 || c.object_size > (1u << 20))
        return BAD("object_size %zu: 1 byte to 1 MiB", c.object_size);
    if (c.align == 0)
        c.align = c.object_size >= 16 ? 16 : c.object_size >= 8 ? 8 : sizeof(void *);
    if (!is_pow2(c.align) || c.align > 4096)
        return BAD("align %zu: a power of two up to 4096", c.align);
    if (c.magazine < 0 || c.magazine > VMOPT__POOL_MAX_MAGAZINE)
        return BAD("magazine %ld: 0 to %d objects", c.magazine, VMOPT__POOL_MAX_MAGAZINE);
    if (c.chunk_size < 4096 || !is_pow2((uint64_t)c.chunk_size) || c.chunk_size > (1l << 30))
        return BAD("chunk_size %ld: a power of two from 4 KiB to 1 GiB", c.chunk_size);
    if (c.debug != 0 && c.debug != 1)
        return BAD("debug %d: 0 or 1", c.debug);
#undef BAD
    vmopt_pool *p = calloc(1, sizeof *p);
    if (!p)
        return vmopt__fail(-ENOMEM, "vmopt_pool_create: out of memory");
    /* The depot's lock spins a little before it sleeps: held for a few
     * pointer moves, it is free again long before a futex round trip ends
     * (12 us a system call in a KVM guest).  Producer/consumer runs whose
     * 10th percentile fell below 1.5x mimalloc, Zen 3 (AMD family 25 model
     * 1): 4 of 22 with a plain mutex, 1 of 22 with this one. */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&p->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    vmopt__strlcpy(p->name, c.name ? c.name : "pool", sizeof p->name);
    p->object_size = c.object_size;
    size_t stride = (c.object_size + c.align - 1) & ~(c.align - 1);
    p->stride = stride < sizeof(void *) ? sizeof(void *) : stride;
    p->chunk_bytes = p->chunk_min = (size_t)c.chunk_size;
    p->debug = c.debug;
    p->magazine = (unsigned)c.magazine;
#ifdef POOL_ASAN
    p->magazine = 0; /* every object poisoned while free: each call takes the locked path */
#endif
    if (p->debug)
        p->magazine = 0;
    p->shared.pool = p;
    pthread_mutex_lock(&registry_lock);
    p->slot = NO_SLOT;
    if (p->magazine) /* with no magazine, a thread cache would only say so */
        for (unsigned s = 0; s < SLOTS; s++)
            if (!live[s]) {
                live[s] = p;
                p->slot = s;
                break;
            }
    p->id = next_id++ << SLOT_BITS | p->slot;
    p->all_prev = NULL;
    p->all_next = all_pools;
    if (all_pools)
        all_pools->all_prev = p;
    all_pools = p;
    pthread_mutex_unlock(&registry_lock);
    *out = p;
    return 0;
}

VMOPT_EXTERN void vmopt_pool_destroy(vmopt_pool *p)
{
    if (!p)
        return;
    /* Other threads' caches stay for those threads to free (their exit
     * finds the pool gone from the registry); the caller's goes now. */
    pthread_mutex_lock(&registry_lock);
    if (p->slot < SLOTS)
        live[p->slot] = NULL;
    if (p->all_prev)
        p->all_prev->all_next = p->all_next;
    else
        all_pools = p->all_next;
    if (p->all_next)
        p->all_next->all_prev = p->all_prev;
    pthread_mutex_unlock(&registry_lock);
    for (vmopt__pool_tcache *t = p->caches; t; t = t->next_in_pool) {
        free(t->loaded);
        free(t->previous);
    }
    if (tls[p->slot]->pool_id == p->id) {
        free(tls[p->slot]);
        tls[p->slot] = &no_cache;
    }
    vmopt__magazine *lists[2] = {p->full, p->empty};
    for (int i = 0; i < 2; i++)
        for (vmopt__magazine *m = lists[i], *next; m; m = next) {
            next = m->next;
            free(m);
        }
    for (vmopt__chunk *c = p->chunks, *next; c; c = next) {
        next = c->next;
        release_chunk(p, c);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}
