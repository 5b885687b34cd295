/* Building, publishing and printing the live dispatch table. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/body.h"
#include "dispatch/dispatch.h"
#include "dispatch/size-class.h"
#include "dispatch/table-offsets.h"
#include "lib/internal.h"
#include "lib/mem/registry.h"

#ifdef __x86_64__
#define BASELINE vmopt__mem_sse2
#define BASELINE_SIMD VMOPT__SIMD_SSE2
#define BASELINE_NAME "sse2"
#elif defined(__aarch64__)
#define BASELINE vmopt__mem_neon
#define BASELINE_SIMD VMOPT__SIMD_NEON
#define BASELINE_NAME "neon"
#else
#define BASELINE vmopt__mem_generic
#define BASELINE_SIMD VMOPT__SIMD_GENERIC
#define BASELINE_NAME "generic"
#endif

/* The baseline table must be valid before any code of the library has run,
 * so it is constant data; a kernel's functions are static to its file, so
 * the baseline reaches them through its exported table. */
static void *baseline_move(void *d, const void *s, size_t n)
{
    return BASELINE.move(d, s, n);
}

static void *baseline_set(void *d, int c, size_t n)
{
    return BASELINE.set(d, c, n);
}

const vmopt__mem_table vmopt__mem_baseline = {
    .entry = BASELINE_SIMD,
    .inline_max = 16 * VMOPT__INLINE_VECTORS,
    .rep_movsb_min = SIZE_MAX,
    .rep_stosb_min = SIZE_MAX,
    .zva_min = SIZE_MAX,
    .nontemporal_min = SIZE_MAX,
    .move_special_min = SIZE_MAX,
    .set_special_min = SIZE_MAX,
    .move = baseline_move,
    .move_rep = baseline_move,
    .move_nt = baseline_move,
    .set = baseline_set,
    .set_rep = baseline_set,
    .set_nt = baseline_set,
    .set_zva = baseline_set,
    .vec_name = BASELINE_NAME,
    .rep_name = "none",
    .nt_name = "none",
};

/* The asm front's memcpy and memset compare n with one word first
 * (front-x86.S): below it, AVX-512's masked copy or the C body; from it,
 * the 32-64 B path both vector entries share.  AVX-512's word, 32: below
 * 32 B the masked copy.  avx2's, 0: never below, its ladder comes after.
 * Every other entry's, SIZE_MAX: always below, the C body. */
#define FRONT_WORD_AVX512 32u
#define FRONT_WORD_AVX2 0u
#define FRONT_WORD_C SIZE_MAX

_Atomic(const vmopt__mem_table *) vmopt__mem_live = &vmopt__mem_baseline;
_Atomic unsigned char vmopt__mem_entry_live = BASELINE_SIMD;
_Alignas(64) vmopt__mem_front_words vmopt__mem_front = {.word = FRONT_WORD_C};

/* ---- entries ------------------------------------------------------------ */

static void *base_move(void *d, const void *s, size_t n)
{
    return vmopt__move_base(d, s, n, NULL);
}

static void *base_set(void *d, int c, size_t n)
{
    return vmopt__set_base(d, c, n, NULL);
}

static void *base_move_with(void *d, const void *s, size_t n, const vmopt__mem_table *t)
{
    return vmopt__move_base(d, s, n, t);
}

static void *base_set_with(void *d, int c, size_t n, const vmopt__mem_table *t)
{
    return vmopt__set_base(d, c, n, t);
}

_Static_assert(offsetof(vmopt__mem_table, inline_max) == VMOPT__T_INLINE_MAX, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_table, move_special_min) == VMOPT__T_MOVE_SPECIAL_MIN, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_table, set_special_min) == VMOPT__T_SET_SPECIAL_MIN, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_table, move) == VMOPT__T_MOVE, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_table, set) == VMOPT__T_SET, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_front_words, word) == VMOPT__FRONT_WORD, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_front_words, inline_max) == VMOPT__FRONT_INLINE_MAX, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_front_words, move_loop_max) == VMOPT__FRONT_MOVE_LOOP_MAX, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_front_words, set_loop_max) == VMOPT__FRONT_SET_LOOP_MAX, "table-offsets.h");
_Static_assert(offsetof(vmopt__mem_front_words, ring32) == VMOPT__FRONT_RING32, "table-offsets.h");

const vmopt__mem_entry vmopt__mem_entries[] = {
#ifdef __x86_64__
    /* The asm front (front-x86.S) copies 512 B before the table. */
    {VMOPT__SIMD_AVX512, 64, 512, FRONT_WORD_AVX512, NULL, 8, "64-byte vectors, masked below 32 B", vmopt__entry_avx512_move,
     vmopt__entry_avx512_set, vmopt__entry_avx512_move_with, vmopt__entry_avx512_set_with, NULL},
    /* The asm front copies 256 B before the table, then to inline_max up
     * to 16 vectors: all of ymm0-15 loaded, then stored, as the AVX-512
     * front moves 257-512 B in sixteen 32-byte vectors; past inline_max
     * the avx2 kernel's loops, inline. */
    {VMOPT__SIMD_AVX2, 32, 256, FRONT_WORD_AVX2, &vmopt__mem_avx2, 16, "32-byte vectors", vmopt__entry_avx2_move,
     vmopt__entry_avx2_set, vmopt__entry_avx2_move_with, vmopt__entry_avx2_set_with, NULL},
#endif
#ifdef __aarch64__
    /* Two predicated SVE vectors, then 16-byte NEON moves. */
    {VMOPT__SIMD_SVE, 16, 0, FRONT_WORD_C, NULL, VMOPT__INLINE_VECTORS, "SVE pairs to 2 vectors, then 16-byte vectors", vmopt__entry_sve_move,
     vmopt__entry_sve_set, vmopt__entry_sve_move_with, vmopt__entry_sve_set_with, vmopt__entry_sve_front},
#endif
    {BASELINE_SIMD, 16, 16, FRONT_WORD_C, NULL, VMOPT__INLINE_VECTORS, "16-byte vectors", base_move, base_set, base_move_with, base_set_with, NULL},
};
const unsigned vmopt__mem_entries_len = VMOPT__ARRAY_SIZE(vmopt__mem_entries);

size_t vmopt__mem_entry_front(const vmopt__mem_entry *e)
{
    size_t f = e->front ? e->front() : e->front_bytes;
    return f > 2 * e->vec_bytes ? f : 2 * e->vec_bytes;
}

size_t vmopt__mem_entry_inline_hi(const vmopt__mem_entry *e)
{
    size_t most = (size_t)e->inline_vectors * e->vec_bytes, f = vmopt__mem_entry_front(e);
    return f > most ? f : most;
}

size_t vmopt__mem_entry_set_inline_hi(const vmopt__mem_entry *e)
{
    size_t most = (size_t)VMOPT__INLINE_VECTORS * e->vec_bytes, f = vmopt__mem_entry_front(e);
    return f > most ? f : most;
}

size_t vmopt__mem_inline_max(const vmopt__mem_table *t, int set)
{
    size_t top = set ? vmopt__mem_entry_set_inline_hi(vmopt__mem_entry_for(t->entry)) : SIZE_MAX;
    return t->inline_max < top ? t->inline_max : top;
}

const vmopt__mem_entry *vmopt__mem_entry_for(int simd)
{
    for (unsigned i = 0; i < vmopt__mem_entries_len; i++)
        if (vmopt__mem_entries[i].simd == simd)
            return &vmopt__mem_entries[i];
    return &vmopt__mem_entries[vmopt__mem_entries_len - 1];
}

/* ---- tables from plans -------------------------------------------------- */

/* The variant of a width if m can run it, else the widest m can: the
 * resolver never asks for what the machine lacks, but a hand-built plan
 * might, and an illegal instruction is not an answer. */
static const vmopt__mem_variant *usable_width(int simd, const struct vmopt_machine *m)
{
    const vmopt__mem_variant *v = vmopt__mem_by_simd(m, simd);
    if (!v || !v->impl || !vmopt__mem_usable(v, m))
        v = vmopt__mem_runnable(m);
    return v;
}

void vmopt__mem_table_finish(vmopt__mem_table *t)
{
    if (t->rep_movsb_sure < t->rep_movsb_min)
        t->rep_movsb_sure = t->rep_movsb_min;
    t->move_special_min = t->rep_movsb_min < t->nontemporal_min ? t->rep_movsb_min : t->nontemporal_min;
    size_t s = t->rep_stosb_min < t->nontemporal_min ? t->rep_stosb_min : t->nontemporal_min;
    t->set_special_min = s < t->zva_min ? s : t->zva_min;
}

static size_t threshold(uint64_t v)
{
    return v == 0 || v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

void vmopt__mem_table_from_plan(vmopt__mem_table *t, const struct vmopt_plan *plan,
                                const struct vmopt_machine *m)
{
    const vmopt__mem_variant *ev = usable_width((int)plan->v[VMOPT__K_MEMCPY_SIMD], m);
    const vmopt__mem_variant *lv = usable_width((int)plan->v[VMOPT__K_MEMCPY_LOOP], m);
    const vmopt__mem_entry *e = vmopt__mem_entry_for(ev->simd);
    const vmopt__mem_kernels *vec = lv->impl;

    memset(t, 0, sizeof *t);
    t->entry = e->simd;
    /* An entry copies its front sizes before it reads the table, and no
     * more than eight vectors without a loop. */
    uint64_t lo = vmopt__mem_entry_front(e), hi = vmopt__mem_entry_inline_hi(e), v = plan->v[VMOPT__K_MEMCPY_INLINE_MAX];
    t->inline_max = (size_t)(v < lo ? lo : v > hi ? hi : v);
    t->move = vec->move;
    t->set = vec->set;
    t->vec_name = lv->name;
    t->rep_movsb_min = t->rep_stosb_min = t->nontemporal_min = t->zva_min = SIZE_MAX;
    t->move_rep = t->move_nt = vec->move;
    t->set_rep = t->set_nt = t->set_zva = vec->set;
    if (vec->set_zva) {
        t->zva_min = threshold(plan->v[VMOPT__K_MEMCPY_ZVA_MIN]);
        t->set_zva = vec->set_zva;
    }
    t->rep_name = t->nt_name = "none";
    const vmopt__mem_variant *rep = vmopt__mem_string(m);
    if (rep && rep->impl) {
        /* rep movsb is part of every x86-64; the resolver asks for it only
         * where ERMS makes it fast. */
        t->rep_movsb_min = threshold(plan->v[VMOPT__K_MEMCPY_REP_MOVSB_MIN]);
        t->rep_stosb_min = threshold(plan->v[VMOPT__K_MEMCPY_REP_STOSB_MIN]);
        t->move_rep = rep->impl->move;
        t->set_rep = rep->impl->set;
        t->rep_name = "rep movsb/stosb";
        /* Below half the L1d, a copy and its source may both sit in it,
         * where the loop can outrun rep movsb (dispatch/sampled.c): those
         * sizes are sampled.  The L1d unknown (the preload): 24 KiB, half
         * the smallest L1d of the CPUs whose plans start rep movsb below
         * it (Zen 5 and Intel family 6 model 167, 48 KiB). */
        size_t l1d = m->cache_size[VMOPT__L1D].value ? (size_t)m->cache_size[VMOPT__L1D].value : 48u << 10;
        t->rep_movsb_sure = l1d / 2;
    }
    if (vec->move_nt && vec->set_nt) {
        t->nontemporal_min = threshold(plan->v[VMOPT__K_MEMCPY_NONTEMPORAL_MIN]);
        t->move_nt = vec->move_nt;
        t->set_nt = vec->set_nt;
        t->nt_name = lv->name;
    }
    vmopt__mem_table_finish(t);
}

void vmopt__mem_table_passthrough(vmopt__mem_table *t, vmopt__move_fn move, vmopt__set_fn set,
                                  const char *name)
{
    memset(t, 0, sizeof *t);
    t->entry = BASELINE_SIMD;
    t->inline_max = 0;
    t->rep_movsb_min = t->rep_stosb_min = t->nontemporal_min = t->zva_min = SIZE_MAX;
    t->move = t->move_rep = t->move_nt = move;
    t->set = t->set_rep = t->set_nt = t->set_zva = set;
    t->vec_name = t->rep_name = t->nt_name = name;
    vmopt__mem_table_finish(t);
}

/* Published tables, kept for ever and reused when the same table comes
 * back, so that retuning between a few tables allocates nothing. */
typedef struct published {
    vmopt__mem_table t;
    struct published *next;
} published;

static pthread_mutex_t publish_lock = PTHREAD_MUTEX_INITIALIZER;
static published *tables;

void vmopt__mem_lock(void)
{
    pthread_mutex_lock(&publish_lock);
}

void vmopt__mem_unlock(void)
{
    pthread_mutex_unlock(&publish_lock);
}

/* The front's inline_max: the avx2 paths copy at most 512 B inline. */
#define FRONT_INLINE_TOP 512u

/* The AVX-512 front's 257-512 B in 32-byte vectors where the plan's loop
 * is 32 bytes wide (behind a counting or sampling copy, the table it
 * wraps): the plan's rule that 64-byte operations split there (Zen 4,
 * profiles/resolve.c).  Elsewhere eight 64-byte vectors: on Intel family
 * 6 model 167 they ran 512 B copies in 2.86 ns, the sixteen 32-byte ones
 * in 3.86 ns (glibc 2.5-2.7 ns; bench-mem, interleaved). */
static size_t ring32(const vmopt__mem_table *t)
{
#ifdef __x86_64__
    while (t->counted_from || t->sampled_from)
        t = t->counted_from ? t->counted_from : t->sampled_from;
    return t->entry == VMOPT__SIMD_AVX512 && t->move == vmopt__mem_avx2.move;
#else
    (void)t;
    return 0;
#endif
}

/* The entry first: an entry is correct on any table, and the baseline
 * entry is the only one that honours inline_max 0.  The front's words may
 * be read with each other's old values, which front-x86.S allows. */
static void publish_stores(const vmopt__mem_table *t)
{
    atomic_store_explicit(&vmopt__mem_entry_live, (unsigned char)t->entry, memory_order_relaxed);
    const vmopt__mem_entry *e = vmopt__mem_entry_for(t->entry);
    const vmopt__mem_kernels *k = e->front_loop;
    size_t inline_max = t->inline_max < FRONT_INLINE_TOP ? t->inline_max : FRONT_INLINE_TOP;
    atomic_store_explicit(&vmopt__mem_front.inline_max, inline_max, memory_order_relaxed);
    atomic_store_explicit(&vmopt__mem_front.move_loop_max, k && t->move == k->move ? t->move_special_min : 0,
                          memory_order_relaxed);
    atomic_store_explicit(&vmopt__mem_front.set_loop_max, k && t->set == k->set ? t->set_special_min : 0,
                          memory_order_relaxed);
    atomic_store_explicit(&vmopt__mem_front.ring32, ring32(t), memory_order_relaxed);
    atomic_store_explicit(&vmopt__mem_front.word, e->front_word, memory_order_relaxed);
    atomic_store_explicit(&vmopt__mem_live, t, memory_order_release);
}

static int counting; /* vmopt__mem_counting, publish_lock held */
static void wrap_counting(vmopt__mem_table *w, const vmopt__mem_table *t);

static const vmopt__mem_table *publish_exact(const vmopt__mem_table *t);

/* Publishes t, wrapped in a counting copy while counting is on (a
 * sampling or counting table as it is). */
static const vmopt__mem_table *publish_locked(const vmopt__mem_table *t)
{
    if (!counting || t->sampled_from || t->counted_from)
        return publish_exact(t);
    const vmopt__mem_table *origin = publish_exact(t);
    if (!origin)
        return NULL;
    vmopt__mem_table w;
    wrap_counting(&w, origin);
    return publish_exact(&w);
}

static const vmopt__mem_table *publish_exact(const vmopt__mem_table *t)
{
    published *p = tables;
    while (p && memcmp(&p->t, t, sizeof *t) != 0)
        p = p->next;
    if (!p && (p = calloc(1, sizeof *p)) != NULL) {
        p->t = *t;
        p->next = tables;
        tables = p;
    }
    if (p)
        publish_stores(&p->t);
    return p ? &p->t : NULL;
}

const vmopt__mem_table *vmopt__mem_publish(const vmopt__mem_table *t)
{
    pthread_mutex_lock(&publish_lock);
    const vmopt__mem_table *live = publish_locked(t);
    pthread_mutex_unlock(&publish_lock);
    return live;
}

/* ---- counting for the live statistics -------------------------------------- */

/* One thread's counts.  Only its thread writes them, with plain loads and
 * stores (relaxed atomics, so that the reader's loads are no data race);
 * a thread that exits frees its block for the next thread, which adds to
 * what is there: the sums stay right.  Past MAX_COUNTERS threads at once,
 * the rest share the last block, with atomic adds. */
#define MAX_COUNTERS 128
typedef struct {
    _Atomic uint64_t calls[2][VMOPT__SIZE_CLASSES], bytes[2][VMOPT__SIZE_CLASSES];
    _Atomic int taken;
} counter_block;
static counter_block blocks[MAX_COUNTERS + 1];
static __thread counter_block *mine __attribute__((tls_model("initial-exec")));
static pthread_key_t release_key;

static void release_block(void *b)
{
    atomic_store_explicit(&((counter_block *)b)->taken, 0, memory_order_release);
    mine = NULL;
}

static void create_key(void)
{
    pthread_key_create(&release_key, release_block);
}

/* This thread's block, taken on its first counted call. */
static __attribute__((noinline)) counter_block *take_block(void)
{
    for (unsigned i = 0; i < MAX_COUNTERS; i++) {
        int free_ = 0;
        if (atomic_load_explicit(&blocks[i].taken, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_strong(&blocks[i].taken, &free_, 1)) {
            mine = &blocks[i];
            pthread_setspecific(release_key, mine);
            return mine;
        }
    }
    return mine = &blocks[MAX_COUNTERS];
}

const vmopt__mem_table *vmopt__mem_table_origin(const vmopt__mem_table *t)
{
    if (t->sampled_from)
        t = t->sampled_from;
    return t->counted_from ? t->counted_from : t;
}

/* The table a counting kernel forwards to: the live one's origin. */
static const vmopt__mem_table *counted_origin(void)
{
    return vmopt__mem_table_origin(atomic_load_explicit(&vmopt__mem_live, memory_order_acquire));
}

/* Counts a call that t serves; one t's entry copies inline is not counted
 * even when a sampling table (whose inline_max is lower) passed it on, so
 * that what is counted never depends on the retuner's windows. */
static void count(const vmopt__mem_table *t, int set, size_t n)
{
    if (n <= t->inline_max)
        return;
    counter_block *b = mine ? mine : take_block();
    unsigned c = vmopt__size_class(n);
    if (__builtin_expect(b == &blocks[MAX_COUNTERS], 0)) {
        atomic_fetch_add_explicit(&b->calls[set][c], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->bytes[set][c], n, memory_order_relaxed);
        return;
    }
    atomic_store_explicit(&b->calls[set][c], atomic_load_explicit(&b->calls[set][c], memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&b->bytes[set][c], atomic_load_explicit(&b->bytes[set][c], memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static void *count_move(void *d, const void *s, size_t n)
{
    const vmopt__mem_table *t = counted_origin();
    count(t, 0, n);
    return t->move(d, s, n);
}

static void *count_move_rep(void *d, const void *s, size_t n)
{
    const vmopt__mem_table *t = counted_origin();
    count(t, 0, n);
    return (t->move_rep ? t->move_rep : t->move)(d, s, n);
}

static void *count_move_nt(void *d, const void *s, size_t n)
{
    const vmopt__mem_table *t = counted_origin();
    count(t, 0, n);
    return (t->move_nt ? t->move_nt : t->move)(d, s, n);
}

static void *count_set(void *d, int c, size_t n)
{
    const vmopt__mem_table *t = counted_origin();
    count(t, 1, n);
    return t->set(d, c, n);
}

static void *count_set_rep(void *d, int c, size_t n)
{
    const vmopt__mem_table *t = counted_origin();
    count(t, 1, n);
    return (t->set_rep ? t->set_rep : t->set)(d, c, n);
}

static void *count_set_nt(void *d, int c, size_t n)
{
    const vmopt__mem_table *t = counted_origin();
    count(t, 1, n);
    return (t->set_nt ? t->set_nt : t->set)(d, c, n);
}

static void *count_set_zva(void *d, int c, size_t n)
{
    const vmopt__mem_table *t = counted_origin();
    count(t, 1, n);
    return (t->set_zva ? t->set_zva : t->set)(d, c, n);
}

/* t with every kernel counting first; its thresholds, and so which calls
 * reach which kernel, are t's. */
static void wrap_counting(vmopt__mem_table *w, const vmopt__mem_table *t)
{
    *w = *t;
    w->counted_from = t;
    w->move = count_move;
    w->move_rep = t->move_rep ? count_move_rep : NULL;
    w->move_nt = t->move_nt ? count_move_nt : NULL;
    w->set = count_set;
    w->set_rep = t->set_rep ? count_set_rep : NULL;
    w->set_nt = t->set_nt ? count_set_nt : NULL;
    w->set_zva = t->set_zva ? count_set_zva : NULL;
}

void vmopt__mem_counting(int on)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, create_key);
    pthread_mutex_lock(&publish_lock);
    counting = on;
    const vmopt__mem_table *t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    const vmopt__mem_table *origin = vmopt__mem_table_origin(t);
    /* A sampling table stays live until its window ends: its origin is
     * what it samples (and the retuner publishes when the window ends). */
    if (!t->sampled_from) {
        if (on && !t->counted_from)
            publish_locked(t);
        else if (!on && t->counted_from)
            publish_exact(origin);
    }
    pthread_mutex_unlock(&publish_lock);
}

void vmopt__mem_counts(uint64_t calls[2][VMOPT__SIZE_CLASSES], uint64_t bytes[2][VMOPT__SIZE_CLASSES])
{
    memset(calls, 0, sizeof(uint64_t[2][VMOPT__SIZE_CLASSES]));
    memset(bytes, 0, sizeof(uint64_t[2][VMOPT__SIZE_CLASSES]));
    for (unsigned i = 0; i <= MAX_COUNTERS; i++)
        for (int set = 0; set < 2; set++)
            for (unsigned c = 0; c < VMOPT__SIZE_CLASSES; c++) {
                calls[set][c] += atomic_load_explicit(&blocks[i].calls[set][c], memory_order_relaxed);
                bytes[set][c] += atomic_load_explicit(&blocks[i].bytes[set][c], memory_order_relaxed);
            }
}

/* ---- sampling for the retuner ------------------------------------------- */

#define SAMPLE_EVERY 8 /* of the small calls, a thread adds one in 8 to the shared counts */
static _Atomic uint64_t hist_calls[VMOPT__SIZE_CLASSES], hist_bytes[VMOPT__SIZE_CLASSES];

/* Copies of 64 KiB and more are few and long: each is counted.  Of the
 * smaller ones, a thread counts one in SAMPLE_EVERY, for all of them. */
static void record(size_t n)
{
    static __thread unsigned countdown;
    uint64_t weight = 1;
    if (n < 65536) {
        if (countdown) {
            countdown--;
            return;
        }
        countdown = SAMPLE_EVERY - 1;
        weight = SAMPLE_EVERY;
    }
    unsigned c = vmopt__size_class(n);
    atomic_fetch_add_explicit(&hist_calls[c], weight, memory_order_relaxed);
    atomic_fetch_add_explicit(&hist_bytes[c], (uint64_t)n * weight, memory_order_relaxed);
}

/* The table the sampling kernels forward to: the live one's origin, or the
 * live one itself if sampling stopped between the caller's load and this. */
static const vmopt__mem_table *forward(void)
{
    const vmopt__mem_table *t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    return t->sampled_from ? t->sampled_from : t;
}

static void *sample_move(void *d, const void *s, size_t n)
{
    record(n);
    return forward()->move(d, s, n);
}

static void *sample_move_rep(void *d, const void *s, size_t n)
{
    record(n);
    return forward()->move_rep(d, s, n);
}

static void *sample_move_nt(void *d, const void *s, size_t n)
{
    record(n);
    const vmopt__mem_table *t = forward();
    return (t->move_nt ? t->move_nt : t->move)(d, s, n);
}

static void *sample_set(void *d, int c, size_t n)
{
    record(n);
    return forward()->set(d, c, n);
}

static void *sample_set_rep(void *d, int c, size_t n)
{
    record(n);
    return forward()->set_rep(d, c, n);
}

static void *sample_set_nt(void *d, int c, size_t n)
{
    record(n);
    const vmopt__mem_table *t = forward();
    return (t->set_nt ? t->set_nt : t->set)(d, c, n);
}

static void *sample_set_zva(void *d, int c, size_t n)
{
    record(n);
    return forward()->set_zva(d, c, n);
}

/* A child forked inside a sampling window would sample for life: it gets
 * the table sampled from.  The child has one thread, and the publish lock
 * may be held by a parent's thread, so the stores are made without it. */
static void unsample_in_child(void)
{
    const vmopt__mem_table *t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (t->sampled_from)
        publish_stores(t->sampled_from);
}

static void register_unsample(void)
{
    pthread_atfork(NULL, NULL, unsample_in_child);
}

void vmopt__mem_sampling(int on)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_unsample);
    pthread_mutex_lock(&publish_lock);
    const vmopt__mem_table *t = atomic_load_explicit(&vmopt__mem_live, memory_order_acquire);
    if (on && !t->sampled_from) {
        vmopt__mem_table s = *t;
        s.sampled_from = t;
        /* The retuner's size classes start at 128 B: copies above it are
         * sampled whatever the entry would have copied inline. */
        if (s.inline_max > 128)
            s.inline_max = 128;
        s.move = sample_move;
        s.move_rep = t->move_rep ? sample_move_rep : NULL;
        s.move_nt = t->move_nt ? sample_move_nt : NULL;
        s.set = sample_set;
        s.set_rep = t->set_rep ? sample_set_rep : NULL;
        s.set_nt = t->set_nt ? sample_set_nt : NULL;
        s.set_zva = t->set_zva ? sample_set_zva : NULL;
        publish_locked(&s);
    } else if (!on && t->sampled_from) {
        publish_locked(t->sampled_from);
    }
    pthread_mutex_unlock(&publish_lock);
}

void vmopt__mem_histogram(uint64_t *calls, uint64_t *bytes, unsigned classes)
{
    for (unsigned c = 0; c < classes && c < VMOPT__SIZE_CLASSES; c++) {
        calls[c] = atomic_load_explicit(&hist_calls[c], memory_order_relaxed);
        bytes[c] = atomic_load_explicit(&hist_bytes[c], memory_order_relaxed);
    }
}

/* The size classes of one primitive, in order: each entry serves [lo, next lo). */
typedef struct {
    size_t lo;
    const char *what;
} size_class;

static int classes(const vmopt__mem_table *t, int set, size_class *c)
{
    size_t rep = set ? t->rep_stosb_min : t->rep_movsb_min;
    size_t inline_max = vmopt__mem_inline_max(t, set);
    size_t first = inline_max ? inline_max + 1 : 0;
    size_class all[4];
    int n = 0, k = 0;

    if (inline_max)
        all[n++] = (size_class){0, "inline"};
    all[n++] = (size_class){first, "loop"};
    if (rep < t->nontemporal_min)
        all[n++] = (size_class){rep > first ? rep : first, "rep"};
    if (t->nontemporal_min != SIZE_MAX)
        all[n++] = (size_class){t->nontemporal_min > first ? t->nontemporal_min : first, "nt"};
    /* A class that the next one starts at or before serves no size. */
    for (int i = 0; i < n; i++)
        if (i + 1 == n || all[i + 1].lo > all[i].lo)
            c[k++] = all[i];
    return k;
}

static const char *class_name(const vmopt__mem_table *t, int set, const char *what, char *buf,
                              size_t len)
{
    if (strcmp(what, "inline") == 0)
        snprintf(buf, len, "inline, %s", vmopt__mem_entry_for(t->entry)->how);
    else if (strcmp(what, "loop") == 0)
        snprintf(buf, len, vmopt__mem_inline_max(t, set) ? "%s loop" : "%s", t->vec_name);
    else if (strcmp(what, "rep") == 0 && !set && t->rep_movsb_sure > t->rep_movsb_min &&
             t->rep_movsb_sure < t->nontemporal_min) {
        char sure[32];
        vmopt__format_size(t->rep_movsb_sure, sure, sizeof sure);
        snprintf(buf, len, "rep movsb or %s loop, sampled, < %s", t->vec_name, sure);
    } else if (strcmp(what, "rep") == 0)
        snprintf(buf, len, set ? "rep stosb" : "rep movsb");
    else
        snprintf(buf, len, "%s non-temporal", t->nt_name);
    return buf;
}

int vmopt__mem_table_ranges(const vmopt__mem_table *t, int set, uint64_t lo[4], char name[4][48])
{
    size_class c[4];
    int k = classes(t, set, c);
    for (int i = 0; i < k; i++) {
        lo[i] = c[i].lo;
        class_name(t, set, c[i].what, name[i], sizeof name[i]);
    }
    return k;
}

void vmopt__mem_table_print(FILE *f, const vmopt__mem_table *t)
{
    static const char *const prims[] = {"memcpy", "memset"};
    for (int set = 0; set < 2; set++) {
        size_class c[4];
        int k = classes(t, set, c);
        fprintf(f, "%-16s =", prims[set]);
        for (int i = 0; i < k; i++) {
            char lo[32], name[64];
            vmopt__format_size(i + 1 < k ? c[i + 1].lo - 1 : c[i].lo, lo, sizeof lo);
            class_name(t, set, c[i].what, name, sizeof name);
            if (i + 1 < k && c[i].lo == 0)
                fprintf(f, " %s up to %s;", name, lo);
            else if (i + 1 == k && c[i].lo == 0)
                fprintf(f, " %s at every size", name);
            else
                fprintf(f, " %s from %s%s", name, (vmopt__format_size(c[i].lo, lo, sizeof lo), lo),
                        i + 1 < k ? ";" : "");
        }
        fputc('\n', f);
    }
}

void vmopt__mem_table_print_json(FILE *f, const vmopt__mem_table *t)
{
    static const char *const prims[] = {"memcpy", "memset"};
    fputc('{', f);
    for (int set = 0; set < 2; set++) {
        size_class c[4];
        int k = classes(t, set, c);
        fprintf(f, "%s\"%s\": [", set ? ", " : "", prims[set]);
        for (int i = 0; i < k; i++) {
            char name[64];
            size_t hi = i + 1 < k ? c[i + 1].lo - 1 : SIZE_MAX;
            fprintf(f, "%s{\"min\": %zu, \"max\": ", i ? ", " : "", c[i].lo);
            if (hi == SIZE_MAX)
                fputs("null", f);
            else
                fprintf(f, "%zu", hi);
            fprintf(f, ", \"kernel\": \"%s\"}", class_name(t, set, c[i].what, name, sizeof name));
        }
        fputc(']', f);
    }
    fputc('}', f);
}
