/* The sampled band of copies: rep movsb or the vector loop, chosen per size
 * class by timing a few of the process's own calls.
 *
 * Why: on AMD family 26 model 2 (Zen 5, KVM) the 64-byte loop copies 4-16
 * KiB that sit in the L1d 1.6x faster than rep movsb (bench-mem: 230 vs 140
 * GiB/s), and rep movsb copies the same sizes from the L2 1.2-1.3x faster
 * than the loop (bench-replay's 256 KiB window; xz's 8 KiB copies 0.82x
 * glibc on the loop, 1.0x on rep movsb).  No threshold wins both, and which
 * one a process has is a fact about the process, not the CPU: so the process
 * is measured.  Past the band (a copy too large to sit in the L1d with its
 * source) rep movsb wins whatever the cache holds there, and is taken
 * without timing.
 *
 * Cost: per call, a thread-local countdown and one relaxed byte load; one
 * call in VMOPT__SAMPLE_PERIOD per thread reads the TSC twice (about 20-40
 * cycles, against the 200+ of a 2 KiB copy) and writes its class's line.
 * The state is shared by the threads, with relaxed atomics: a lost update
 * only loses a sample. */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "dispatch/dispatch.h"

#ifdef __x86_64__
#include <sys/prctl.h>
#endif

enum { FIRST = 10, CLASSES = 22 }; /* 1 KiB to 2 GiB */

typedef struct {
    _Atomic uint32_t cost[2]; /* 0: the loop, 1: rep movsb */
    _Atomic unsigned char rep;
} sampled_class;

/* rep movsb in every class until measured otherwise: the plan chose it for
 * these sizes.  A zero cost means "not sampled yet". */
static sampled_class state[CLASSES] = {
#define R {{0, 0}, 1}
    R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R,
#undef R
};

static unsigned class_of(size_t n)
{
    unsigned l = 63u - (unsigned)__builtin_clzll((unsigned long long)n | 1);
    return l < FIRST ? 0 : l - FIRST >= CLASSES ? CLASSES - 1 : l - FIRST;
}

/* The cost of ticks for n bytes: ticks per KiB, times 16, saturated. */
static uint32_t cost_of(uint64_t ticks, size_t n)
{
    uint64_t c = n ? (ticks << 14) / n : UINT32_MAX;
    return c > UINT32_MAX ? UINT32_MAX : c ? (uint32_t)c : 1;
}

static void note(sampled_class *s, int rep, uint32_t x)
{
    uint32_t old = atomic_load_explicit(&s->cost[rep], memory_order_relaxed);
    uint32_t mean;
    if (!old) {
        mean = x;
    } else {
        /* An interrupt or a migration inside the timing is not the kernel's
         * cost: a sample is counted at most four times the mean. */
        if ((uint64_t)x > (uint64_t)old * 4)
            x = old * 4;
        mean = (uint32_t)((int64_t)old + ((int64_t)x - (int64_t)old) / 8);
        if (!mean)
            mean = 1;
    }
    atomic_store_explicit(&s->cost[rep], mean, memory_order_relaxed);
    uint32_t loop = atomic_load_explicit(&s->cost[0], memory_order_relaxed);
    uint32_t movs = atomic_load_explicit(&s->cost[1], memory_order_relaxed);
    if (!loop || !movs)
        return;
    int now = atomic_load_explicit(&s->rep, memory_order_relaxed);
    /* The other kernel must be 5% cheaper to take over. */
    if (now && (uint64_t)loop * 100 < (uint64_t)movs * 95)
        atomic_store_explicit(&s->rep, 0, memory_order_relaxed);
    else if (!now && (uint64_t)movs * 100 < (uint64_t)loop * 95)
        atomic_store_explicit(&s->rep, 1, memory_order_relaxed);
}

void vmopt__sampled_note(unsigned log2, int rep, uint64_t ticks, size_t n)
{
    if (log2 >= FIRST && log2 - FIRST < CLASSES)
        note(&state[log2 - FIRST], !!rep, cost_of(ticks, n));
}

int vmopt__sampled_get(unsigned log2, vmopt__sampled_class *out)
{
    if (log2 < FIRST || log2 - FIRST >= CLASSES)
        return -1;
    const sampled_class *s = &state[log2 - FIRST];
    out->loop_cost = atomic_load_explicit(&s->cost[0], memory_order_relaxed);
    out->rep_cost = atomic_load_explicit(&s->cost[1], memory_order_relaxed);
    out->rep = atomic_load_explicit(&s->rep, memory_order_relaxed);
    return 0;
}

void vmopt__sampled_reset(void)
{
    for (unsigned i = 0; i < CLASSES; i++) {
        atomic_store_explicit(&state[i].cost[0], 0, memory_order_relaxed);
        atomic_store_explicit(&state[i].cost[1], 0, memory_order_relaxed);
        atomic_store_explicit(&state[i].rep, 1, memory_order_relaxed);
    }
}

#ifdef __x86_64__
/* 1 when this process may read the TSC: a process that set PR_TSC_SIGSEGV
 * would get a signal from its own memcpy.  Asked once, errno kept.  A
 * process that turns the TSC off after its first sampled copy is not
 * covered (docs/security.md). */
static int tsc_readable(void)
{
    static _Atomic int ok = -1;
    int v = atomic_load_explicit(&ok, memory_order_relaxed);
    if (v < 0) {
        int saved = errno, mode = 0;
        v = prctl(PR_GET_TSC, &mode, 0, 0, 0) == 0 && mode == PR_TSC_ENABLE;
        errno = saved;
        atomic_store_explicit(&ok, v, memory_order_relaxed);
    }
    return v;
}
#else
static int tsc_readable(void)
{
    return 0;
}
#endif

/* Per thread: calls in the band until the next trial, and the trial's
 * state.  A trial runs one kernel for VMOPT__SAMPLE_TRIAL calls and times
 * the last VMOPT__SAMPLE_TIMED together, from the TSC before the first of
 * them to the TSC after the last: the first calls pay for the cache state
 * the other kernel left (rep movsb on Zen 5 leaves its destination outside
 * the L1d: a loop timed right after it ran 1.3x slower than its own steady
 * state), and a fenced TSC read costs about 18 ns in a KVM guest (AMD
 * family 26 model 2), two 2 KiB copies' worth: timing each call alone
 * measured the fences.  What the program does between the timed calls is
 * in both kernels' windows alike. */
typedef struct {
    unsigned countdown, left, trials, cls;
    int mixed;
    size_t bytes;
    uint64_t t0;
} sampler;

static __thread sampler me __attribute__((tls_model("initial-exec")));

static inline uint64_t tsc(void)
{
#ifdef __x86_64__
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return (uint64_t)hi << 32 | lo;
#else
    return 0;
#endif
}

void *vmopt__move_sampled(const vmopt__mem_table *t, void *dst, const void *src, size_t n)
{
    unsigned cls = class_of(n);
    if (__builtin_expect(me.left == 0, 1)) {
        if (__builtin_expect(me.countdown-- != 0, 1)) {
            if (atomic_load_explicit(&state[cls].rep, memory_order_relaxed))
                return t->move_rep(dst, src, n);
            return t->move(dst, src, n);
        }
        me.countdown = VMOPT__SAMPLE_PERIOD - 1;
        me.left = VMOPT__SAMPLE_TRIAL;
        me.trials++;
    }
    /* In a trial: the kernels by turns, trial after trial. */
    int rep = (int)(me.trials & 1);
    vmopt__move_fn f = rep ? t->move_rep : t->move;
    unsigned left = --me.left;
    if (left >= VMOPT__SAMPLE_TIMED || !tsc_readable())
        return f(dst, src, n);
    if (left == VMOPT__SAMPLE_TIMED - 1) {
        me.cls = cls;
        me.mixed = 0;
        me.bytes = 0;
        me.t0 = tsc();
    }
    me.mixed |= cls != me.cls;
    me.bytes += n;
    f(dst, src, n);
    if (left == 0 && !me.mixed)
        note(&state[cls], rep, cost_of(tsc() - me.t0, me.bytes));
    return dst;
}
