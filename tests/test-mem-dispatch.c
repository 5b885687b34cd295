/* The exported primitives (vmopt_memcpy, ...) through the live table:
 * correct on the baseline before any tuning, correct with every supported
 * vector kernel when the thresholds are low enough that the loop, rep movsb
 * and non-temporal paths all run in the sweep, tables built from plans
 * never ask for what the machine lacks, and a table swapped while threads
 * copy never shows them a wrong byte. */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "dispatch/dispatch.h"
#include "dispatch/entry.h"
#include "lib/mem/registry.h"
#include "lib/plan.h"
#include "profiles/resolve.h"
#include "lib/options.h"
#include "profiles/builtin.h"
#include "tests/memcheck.h"
#include "tests/testutil.h"


static const memcheck_fns api = {"vmopt_memmove", vmopt_memmove, vmopt_memset, 1};

static void sweep(const size_t *thresholds)
{
    assert_int_equal(memcheck_copy(&api, thresholds), 0);
    assert_int_equal(memcheck_set(&api, thresholds), 0);
    assert_int_equal(memcheck_overlap(&api), 0);
    assert_int_equal(memcheck_guard(&api), 0);
}

static void test_baseline_before_tuning(void **state)
{
    assert_ptr_equal(atomic_load(&vmopt__mem_live), &vmopt__mem_baseline);
    sweep(NULL);
}

static void test_entry_points(void **state)
{
    unsigned char a[300], b[300];
    for (int i = 0; i < 300; i++)
        a[i] = (unsigned char)i;
    for (size_t n = 0; n < 300; n += 7) {
        assert_ptr_equal(vmopt_mempcpy(b, a, n), b + n);
        assert_memory_equal(a, b, n);
        assert_ptr_equal(vmopt_memcpy(b, a, n), b);
        assert_ptr_equal(vmopt_memset(b, 0x33, n), b);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(b[i], 0x33);
    }
}

/* A plan for a synthetic machine, resolved from the default profile. */
static struct vmopt_plan *plan_for(vmopt_machine *m)
{
    vmopt_profile *p;
    struct vmopt_plan *plan = calloc(1, sizeof *plan);
    vmopt__overrides ov = VMOPT__OVERRIDES_NONE;
    assert_int_equal(vmopt_profile_load(&p, "default"), 0);
    assert_int_equal(vmopt__plan_resolve(plan, m, p, &ov), 0);
    vmopt_profile_free(p);
    return plan;
}

/* Every entry (the exported functions' body for a width) at every inline
 * limit it honours, and every loop behind the widest entry, with the
 * thresholds low enough that the rep and streaming paths run in the sweep.
 * Each table is published, so vmopt_memmove goes through the entry as a
 * program's memcpy does. */
static void check_table(struct vmopt_plan *plan, vmopt_machine *host, int entry, int loop, size_t inl)
{
    vmopt__mem_table t;
    plan->v[VMOPT__K_MEMCPY_SIMD] = (uint64_t)entry;
    plan->v[VMOPT__K_MEMCPY_LOOP] = (uint64_t)loop;
    plan->v[VMOPT__K_MEMCPY_INLINE_MAX] = inl;
    plan->v[VMOPT__K_MEMCPY_REP_MOVSB_MIN] = 3000;
    plan->v[VMOPT__K_MEMCPY_REP_STOSB_MIN] = 2000;
    plan->v[VMOPT__K_MEMCPY_NONTEMPORAL_MIN] = 70000;
    vmopt__mem_table_from_plan(&t, plan, host);
    assert_int_equal(t.entry, entry);
    assert_string_equal(t.vec_name, vmopt__fields[VMOPT__K_MEMCPY_LOOP].names[loop]);
    assert_int_equal(t.inline_max, inl);
    assert_ptr_not_equal(vmopt__mem_publish(&t), NULL);
    assert_int_equal(atomic_load(&vmopt__mem_entry_live), entry);
    const size_t thresholds[] = {3000, 2000, 70000, inl, 2 * inl, 0};
    sweep(thresholds);
    /* The entry's C body too, on the same table: on x86-64 the asm front
     * copies most sizes itself, and the body serves calibration, the page
     * ends and a retune's window. */
    const vmopt__mem_entry *en = vmopt__mem_entry_for(entry);
    const memcheck_fns body = {"the entry's C body", en->move, en->set, 1};
    assert_int_equal(memcheck_copy(&body, thresholds), 0);
    assert_int_equal(memcheck_set(&body, thresholds), 0);
    assert_int_equal(memcheck_overlap(&body), 0);
}

static void test_every_entry_every_path(void **state)
{
    vmopt_machine *host;
    assert_int_equal(vmopt_machine_probe(&host, VMOPT_PROBE_ISA), 0);
    struct vmopt_plan *plan = plan_for(host);
    int entries = 0, loops = 0;

    for (unsigned e = 0; e < vmopt__mem_entries_len; e++) {
        const vmopt__mem_entry *en = &vmopt__mem_entries[e];
        const vmopt__mem_variant *v = vmopt__mem_by_simd(host, en->simd);
        if (!v || !vmopt__mem_usable(v, host))
            continue; /* this CPU lacks it: test-mem-<variant> says so */
        for (size_t inl = vmopt__mem_entry_front(en); inl <= vmopt__mem_entry_inline_hi(en); inl *= 2)
            check_table(plan, host, en->simd, en->simd, inl);
        entries++;
    }
    const vmopt__mem_variant *widest = vmopt__mem_widest(host);
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++) {
        const vmopt__mem_variant *v = &vmopt__mem_registry[i];
        if (v->impl && v->kind == VMOPT__MEM_VECTOR && vmopt__mem_usable(v, host)) {
            check_table(plan, host, widest->simd, v->simd, vmopt__mem_entry_front(vmopt__mem_entry_for(widest->simd)));
            loops++;
        }
    }
#ifdef __x86_64__
    assert_true(entries >= 1 && loops >= 2); /* sse2 and generic exist on every x86-64 */
#endif
    free(plan);
    vmopt_machine_free(host);
}

/* The entry is the plan's width, and VMOPT_SIMD forces it: the dump never
 * names an entry that is not the one running. */
static void test_entry_follows_plan(void **state)
{
#ifdef __x86_64__
    vmopt_machine *m = fake_machine(32 << 10, 1 << 20, 32 << 20, "sse2,avx,avx2");
    int simd = VMOPT__SIMD_AVX2;
    size_t most = 512, front = 256; /* 16 of its 32-byte vectors; the 8 its front copies */
#else
    vmopt_machine *m = fake_machine(32 << 10, 1 << 20, 32 << 20, BASE_FEATURES);
    int simd = BASE_SIMD;
    size_t most = 128, front = 32; /* 8 of its 16-byte vectors; 2 of them */
#endif
    struct vmopt_plan *plan = plan_for(m);
    vmopt__mem_table t;
    vmopt__mem_table_from_plan(&t, plan, m);
    assert_int_equal(plan->v[VMOPT__K_MEMCPY_SIMD], simd);
    assert_int_equal(t.entry, simd);
    assert_int_equal(t.inline_max, most);
    plan->v[VMOPT__K_MEMCPY_INLINE_MAX] = 16; /* below what the entry copies unasked */
    vmopt__mem_table_from_plan(&t, plan, m);
    assert_int_equal(t.inline_max, front);
    free(plan);
    vmopt_machine_free(m);
}

static void test_table_never_exceeds_machine(void **state)
{
    vmopt__mem_table t;
    struct vmopt_plan *plan;
    vmopt_machine *m;
#ifdef __x86_64__
    m = fake_machine(32 << 10, 1 << 20, 32 << 20, "sse2,avx,avx2");
    plan = plan_for(m);
    plan->v[VMOPT__K_MEMCPY_SIMD] = VMOPT__SIMD_AVX512; /* as a hand-edited plan might */
    vmopt__mem_table_from_plan(&t, plan, m);
    assert_string_equal(t.vec_name, "avx2");
    /* No erms: the resolver never asks for rep movsb, and 0 means never. */
    assert_int_equal(plan->v[VMOPT__K_MEMCPY_REP_MOVSB_MIN], 0);
    assert_true(t.rep_movsb_min == SIZE_MAX);
    assert_true(t.nontemporal_min == (size_t)plan->v[VMOPT__K_MEMCPY_NONTEMPORAL_MIN]);
    free(plan);
    vmopt_machine_free(m);
#endif
    /* A width of another architecture, or one this build has no kernel
     * for, runs the widest this build has: never a NULL kernel. */
    m = fake_machine(32 << 10, 1 << 20, 32 << 20, BASE_FEATURES);
    plan = plan_for(m);
    vmopt__mem_table_from_plan(&t, plan, m);
    assert_string_equal(t.vec_name, BASE_NAME);
    plan->v[VMOPT__K_MEMCPY_SIMD] = plan->v[VMOPT__K_MEMCPY_LOOP] =
        BASE_SIMD == VMOPT__SIMD_NEON ? VMOPT__SIMD_AVX512 : VMOPT__SIMD_NEON;
    vmopt__mem_table_from_plan(&t, plan, m);
    assert_string_equal(t.vec_name, BASE_NAME);
    assert_int_equal(t.entry, BASE_SIMD);
    free(plan);
    vmopt_machine_free(m);
#ifdef __aarch64__
    /* No string instructions and no streaming stores on arm64. */
    assert_true(t.rep_movsb_min == SIZE_MAX && t.nontemporal_min == SIZE_MAX);
#endif
}

static void test_publish_reuses_tables(void **state)
{
    vmopt__mem_table t = vmopt__mem_baseline;
    t.inline_max = 32;
    const vmopt__mem_table *a = vmopt__mem_publish(&t);
    t.inline_max = 64;
    const vmopt__mem_table *b = vmopt__mem_publish(&t);
    t.inline_max = 32;
    const vmopt__mem_table *c = vmopt__mem_publish(&t);
    assert_ptr_not_equal(a, b);
    assert_ptr_equal(a, c);
    assert_ptr_equal(atomic_load(&vmopt__mem_live), c);
}

#ifdef __x86_64__
/* What the asm front reads before any table, published with each table
 * and never run here (no vmopt_mem* call until the baseline is back, so
 * any CPU runs this): AVX-512 masks below 32 B, and moves 257-512 B in
 * 32-byte vectors only behind the 32-byte loop, counted or not; avx2 compares with the
 * table's inline_max, and runs its kernel's loops inline below the
 * special thresholds while the table's loop is that kernel (not a
 * counting copy, not another kernel); the C entry sends every size to its
 * body. */
static void test_front_words_follow_entry(void **state)
{
    static const struct {
        int entry;
        const char *loop;
        int counting;
        size_t word, inline_max, move_loop_max, set_loop_max, ring32;
    } want[] = {
        {VMOPT__SIMD_AVX512, "avx2", 0, 32, 256, 0, 0, 1},
        {VMOPT__SIMD_AVX512, "avx2", 1, 32, 256, 0, 0, 1},
        {VMOPT__SIMD_AVX512, "avx512", 0, 32, 256, 0, 0, 0},
        {VMOPT__SIMD_AVX2, "avx2", 0, 0, 256, 4096, 8192, 0},
        {VMOPT__SIMD_AVX2, "avx2", 1, 0, 256, 0, 0, 0},
        {VMOPT__SIMD_AVX2, "sse2", 0, 0, 256, 0, 0, 0},
        {VMOPT__SIMD_SSE2, "avx2", 0, SIZE_MAX, 256, 0, 0, 0},
    };
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
        vmopt__mem_table t = vmopt__mem_baseline;
        const vmopt__mem_kernels *k = vmopt__mem_by_name(want[i].loop)->impl;
        t.entry = want[i].entry;
        t.inline_max = 256;
        t.move = k->move;
        t.set = k->set;
        t.move_special_min = 4096;
        t.set_special_min = 8192;
        vmopt__mem_counting(want[i].counting);
        assert_ptr_not_equal(vmopt__mem_publish(&t), NULL);
        size_t word = atomic_load(&vmopt__mem_front.word), inline_max = atomic_load(&vmopt__mem_front.inline_max);
        size_t move_loop = atomic_load(&vmopt__mem_front.move_loop_max);
        size_t set_loop = atomic_load(&vmopt__mem_front.set_loop_max);
        size_t ring32 = atomic_load(&vmopt__mem_front.ring32);
        vmopt__mem_counting(0);
        assert_ptr_not_equal(vmopt__mem_publish(&vmopt__mem_baseline), NULL);
        assert_int_equal(word, want[i].word);
        assert_int_equal(inline_max, want[i].inline_max);
        assert_int_equal(move_loop, want[i].move_loop_max);
        assert_int_equal(set_loop, want[i].set_loop_max);
        assert_int_equal(ring32, want[i].ring32);
    }
    /* The baseline's words: every size to the C body, no loop inline. */
    assert_int_equal(atomic_load(&vmopt__mem_front.word), SIZE_MAX);
    assert_int_equal(atomic_load(&vmopt__mem_front.move_loop_max), 0);
}
#endif

static void test_autotune_installs_plan(void **state)
{
    assert_int_equal(vmopt_autotune(NULL), 0);
    vmopt_plan *plan = vmopt_current_plan();
    const vmopt__mem_table *live = atomic_load(&vmopt__mem_live);
    assert_string_equal(live->vec_name, plan_text(plan, "memcpy.loop", NULL));
    assert_string_equal(vmopt__fields[VMOPT__K_MEMCPY_SIMD].names[live->entry], plan_text(plan, "memcpy.simd", NULL));
    assert_int_equal(atomic_load(&vmopt__mem_entry_live), live->entry);
    assert_int_equal(live->inline_max, plan_value(plan, "memcpy.inline_max"));
    vmopt_plan_free(plan);

    setenv("VMOPT_SIMD", BASE_NAME, 1);
    vmopt__options_reset();
    assert_int_equal(vmopt_autotune(NULL), 0);
    assert_string_equal(atomic_load(&vmopt__mem_live)->vec_name, BASE_NAME);
    assert_int_equal(atomic_load(&vmopt__mem_live)->entry, BASE_SIMD);
    assert_int_equal(atomic_load(&vmopt__mem_entry_live), BASE_SIMD);
    unsetenv("VMOPT_SIMD");
    vmopt__options_reset();
}

/* rep movsb is slow when the destination lies within 63 bytes past the
 * source modulo 4 GiB (glibc's Avoid_Short_Distance_REP_MOVSB): such a copy
 * stays on the vector loop, in every entry.  Two windows 4 GiB + 32 B
 * apart, in one reservation. */
static unsigned loop_calls, rep_calls;

static void *count_loop(void *d, const void *s, size_t n)
{
    loop_calls++;
    return memmove(d, s, n);
}

static void *count_rep(void *d, const void *s, size_t n)
{
    rep_calls++;
    return memmove(d, s, n);
}

static void test_short_distance_skips_rep(void **state)
{
    const size_t win = 1 << 16, n = 8192;
    const uint64_t far = UINT64_C(1) << 32;
    unsigned char *base = mmap(NULL, far + 2 * win, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        skip(); /* no 4 GiB of address space (a 32-bit or limited process) */
    assert_int_equal(mprotect(base, win, PROT_READ | PROT_WRITE), 0);
    assert_int_equal(mprotect(base + far, win, PROT_READ | PROT_WRITE), 0);
    for (size_t i = 0; i < win; i++)
        base[i] = (unsigned char)(i * 13 + 1);
    vmopt_machine *host;
    assert_int_equal(vmopt_machine_probe(&host, VMOPT_PROBE_ISA), 0);
    int tested = 0;
    for (unsigned e = 0; e < vmopt__mem_entries_len; e++) {
        const vmopt__mem_entry *en = &vmopt__mem_entries[e];
        const vmopt__mem_variant *v = vmopt__mem_by_simd(host, en->simd);
        if (!v || !vmopt__mem_usable(v, host))
            continue;
        vmopt__mem_table t = vmopt__mem_baseline;
        t.entry = en->simd;
        t.inline_max = vmopt__mem_entry_front(en);
        t.move = count_loop;
        t.move_rep = count_rep;
        t.rep_movsb_min = 4096;
        vmopt__mem_table_finish(&t);
        vmopt__mem_publish(&t);
        static const struct { size_t at; int rep; } cases[] = {{32, 0}, {63, 0}, {64, 1}, {4096, 1}};
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            unsigned char *dst = base + far + cases[c].at;
            loop_calls = rep_calls = 0;
            memset(dst, 0, n);
            assert_ptr_equal(vmopt_memcpy(dst, base, n), dst);
            assert_memory_equal(dst, base, n);
            assert_int_equal(rep_calls, (unsigned)cases[c].rep);
            assert_int_equal(loop_calls, (unsigned)!cases[c].rep);
        }
        /* The same distance below 4 GiB, 16 KiB apart: rep movsb. */
        rep_calls = 0;
        vmopt_memcpy(base + 16384, base, n);
        assert_int_equal(rep_calls, 1);
        tested++;
    }
    assert_true(tested > 0);
    vmopt__mem_publish(&vmopt__mem_baseline);
    vmopt_machine_free(host);
    munmap(base, far + 2 * win);
}

/* The sampler's choice: the cheaper kernel per byte takes a class, by 5%
 * to change its mind, and one outlying sample moves a mean a little. */
static void test_sampled_choice(void **state)
{
    vmopt__sampled_class c;
    vmopt__sampled_reset();
    assert_int_equal(vmopt__sampled_get(13, &c), 0);
    assert_int_equal(c.rep, 1); /* the plan's choice until measured */
    assert_int_equal(c.loop_cost | c.rep_cost, 0);
    vmopt__sampled_note(13, 0, 1000, 8192);
    assert_int_equal(vmopt__sampled_get(13, &c), 0);
    assert_int_equal(c.loop_cost, 1000 * 16 * 1024 / 8192);
    assert_int_equal(c.rep, 1); /* one kernel measured: no comparison yet */
    vmopt__sampled_note(13, 1, 1500, 8192);
    assert_int_equal(vmopt__sampled_get(13, &c), 0);
    assert_int_equal(c.rep, 0);
    /* rep movsb 3% cheaper, sample after sample: not enough. */
    for (int i = 0; i < 200; i++)
        vmopt__sampled_note(13, 1, 970, 8192);
    assert_int_equal(vmopt__sampled_get(13, &c), 0);
    assert_true(c.rep_cost < c.loop_cost);
    assert_int_equal(c.rep, 0);
    for (int i = 0; i < 50; i++)
        vmopt__sampled_note(13, 1, 800, 8192);
    assert_int_equal(vmopt__sampled_get(13, &c), 0);
    assert_int_equal(c.rep, 1);
    /* An interrupt inside a timing: counted at four times the mean. */
    uint32_t before = c.loop_cost;
    vmopt__sampled_note(13, 0, 1000000, 8192);
    assert_int_equal(vmopt__sampled_get(13, &c), 0);
    assert_int_equal(c.loop_cost, before + (4 * before - before) / 8);
    /* Other classes untouched; out-of-range classes refused. */
    assert_int_equal(vmopt__sampled_get(12, &c), 0);
    assert_int_equal(c.loop_cost | c.rep_cost, 0);
    assert_int_equal(vmopt__sampled_get(9, &c), -1);
    vmopt__sampled_reset();
}

/* The band between rep_movsb_min and rep_movsb_sure follows the sampler's
 * choice (bar its trials), past it rep movsb always, and every copy is
 * exact whichever kernel did it. */
static void test_sampled_band(void **state)
{
    vmopt_machine *host;
    assert_int_equal(vmopt_machine_probe(&host, VMOPT_PROBE_ISA), 0);
    vmopt__mem_table t = vmopt__mem_baseline;
    t.move = count_loop;
    t.move_rep = count_rep;
    t.rep_movsb_min = 2048;
    t.rep_movsb_sure = 24576;
    vmopt__mem_table_finish(&t);
    vmopt__mem_publish(&t);
    enum { N = 8192, CALLS = 2048 };
    unsigned char *src = malloc(N + 8), *dst = malloc(N + 64 + 8);
    for (size_t i = 0; i < N + 8; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    for (int want_rep = 0; want_rep < 2; want_rep++) {
        /* Costs so far apart that the real trials cannot turn them. */
        vmopt__sampled_reset();
        vmopt__sampled_note(13, want_rep, 1, N);
        vmopt__sampled_note(13, !want_rep, UINT64_C(1) << 30, N);
        loop_calls = rep_calls = 0;
        for (int i = 0; i < CALLS; i++) {
            memset(dst, 0, N + 64 + 8);
            /* 8192-8199 B: all in the class [8 KiB, 16 KiB) */
            assert_ptr_equal(vmopt_memcpy(dst + (i & 31), src, N + (i & 7)), dst + (i & 31));
            assert_memory_equal(dst + (i & 31), src, N + (i & 7));
            assert_int_equal(dst[(i & 31) + N + (i & 7)], 0);
        }
        unsigned chosen = want_rep ? rep_calls : loop_calls, other = want_rep ? loop_calls : rep_calls;
        assert_int_equal(chosen + other, CALLS);
        /* At most one trial in two on the other kernel. */
        assert_true(other <= (CALLS / VMOPT__SAMPLE_PERIOD + 1) * VMOPT__SAMPLE_TRIAL);
        assert_true(other > 0); /* and it is tried */
        vmopt__sampled_class c;
        vmopt__sampled_get(13, &c);
        assert_int_equal(c.rep, want_rep);
    }
    /* From rep_movsb_sure on: rep movsb, even where the class chose the loop. */
    unsigned char *big_s = malloc(32768), *big_d = malloc(32768);
    memset(big_s, 5, 32768);
    vmopt__sampled_reset();
    vmopt__sampled_note(15, 0, 1, 32768);
    vmopt__sampled_note(15, 1, UINT64_C(1) << 30, 32768);
    loop_calls = rep_calls = 0;
    for (int i = 0; i < 600; i++)
        vmopt_memcpy(big_d, big_s, 32768);
    assert_int_equal(rep_calls, 600);
    assert_memory_equal(big_d, big_s, 32768);
    /* Below rep_movsb_min: the loop, never sampled. */
    loop_calls = rep_calls = 0;
    for (int i = 0; i < 600; i++)
        vmopt_memcpy(dst, src, 2047);
    assert_int_equal(rep_calls, 0);
    vmopt__sampled_reset();
    vmopt__mem_publish(&vmopt__mem_baseline);
    free(big_s);
    free(big_d);
    free(src);
    free(dst);
    vmopt_machine_free(host);
}

static void test_dump_shows_live_table(void **state)
{
    vmopt__mem_table t = vmopt__mem_baseline;
    t.nt_name = "sse2";
    t.rep_movsb_min = 4096;
    t.rep_stosb_min = 8192;
    t.nontemporal_min = 1 << 20;
    vmopt__mem_table_finish(&t);
    vmopt__mem_publish(&t);

    vmopt_machine *m = fake_machine(32 << 10, 1 << 20, 32 << 20, BASE_FEATURES);
    struct vmopt_plan *plan = plan_for(m);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(vmopt_plan_dump(f, m, plan, VMOPT_DUMP_LIVE), 0);
    fclose(f);
    assert_contains(text, "[dispatch]");
    assert_contains(text, "memcpy           = inline, 16-byte vectors up to 128 B; " BASE_NAME " loop from 129 B; "
                          "rep movsb from 4 KiB; sse2 non-temporal from 1 MiB\n");
    assert_contains(text, "memset           = inline, 16-byte vectors up to 128 B; " BASE_NAME " loop from 129 B; "
                          "rep stosb from 8 KiB; sse2 non-temporal from 1 MiB\n");
    free(text);

    f = open_memstream(&text, &len);
    assert_int_equal(vmopt_plan_dump(f, m, plan, VMOPT_DUMP_LIVE | VMOPT_DUMP_JSON), 0);
    fclose(f);
    assert_contains(text, "\"dispatch\": {\"memcpy\": [{\"min\": 0, \"max\": 128, \"kernel\": \"inline");
    assert_contains(text, "{\"min\": 4096, \"max\": 1048575, \"kernel\": \"rep movsb\"}");
    free(text);
    free(plan);
    vmopt_machine_free(m);
}

/* Threads copy and check while the main thread swaps tables. */
static atomic_int stop;

static void *copier(void *arg)
{
    size_t seed = (size_t)arg, bad = 0;
    unsigned char *src = malloc(1 << 17), *dst = malloc(1 << 17);
    for (size_t i = 0; i < (1 << 17); i++)
        src[i] = (unsigned char)(i * 7 + seed);
    for (size_t round = 0; !atomic_load(&stop); round++) {
        size_t n = (round * 2654435761u + seed) % (1 << 17);
        vmopt_memset(dst, 0, n);
        vmopt_memcpy(dst, src, n);
        if (memcmp(dst, src, n) != 0)
            bad++;
    }
    free(src);
    free(dst);
    return (void *)bad;
}

static void test_swap_while_copying(void **state)
{
    vmopt_machine *host;
    assert_int_equal(vmopt_machine_probe(&host, VMOPT_PROBE_ISA), 0);
    struct vmopt_plan *plan = plan_for(host);
    vmopt__mem_table t[3];
    for (int i = 0; i < 3; i++) {
        plan->v[VMOPT__K_MEMCPY_SIMD] = (uint64_t)(i + 1);
        plan->v[VMOPT__K_MEMCPY_LOOP] = (uint64_t)(3 - i);
        plan->v[VMOPT__K_MEMCPY_REP_MOVSB_MIN] = 1000u << i;
        plan->v[VMOPT__K_MEMCPY_NONTEMPORAL_MIN] = 30000u << i;
        vmopt__mem_table_from_plan(&t[i], plan, host);
    }
    pthread_t th[3];
    atomic_store(&stop, 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, copier, (void *)i), 0);
    for (int i = 0; i < 20000; i++)
        vmopt__mem_publish(&t[i % 3]);
    atomic_store(&stop, 1);
    for (size_t i = 0; i < 3; i++) {
        void *bad;
        pthread_join(th[i], &bad);
        assert_int_equal((size_t)bad, 0);
    }
    free(plan);
    vmopt_machine_free(host);
}

/* A child forked inside a sampling window gets the table the window
 * started from; the parent keeps sampling until it ends the window. */
static void test_fork_leaves_sampling(void **state)
{
    const vmopt__mem_table *before = atomic_load(&vmopt__mem_live);
    vmopt__mem_sampling(1);
    const vmopt__mem_table *sampled = atomic_load(&vmopt__mem_live);
    assert_ptr_equal(sampled->sampled_from, before);
    pid_t pid = fork();
    if (pid == 0) {
        const vmopt__mem_table *t = atomic_load(&vmopt__mem_live);
        char a[4096], b[4096];
        memset(a, 7, sizeof a);
        vmopt_memcpy(b, a, sizeof b);
        _exit(t == before && !t->sampled_from && b[4095] == 7 ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_ptr_equal(atomic_load(&vmopt__mem_live), sampled);
    vmopt__mem_sampling(0);
    assert_ptr_equal(atomic_load(&vmopt__mem_live), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_before_tuning),
        cmocka_unit_test(test_entry_points),
        cmocka_unit_test(test_every_entry_every_path),
        cmocka_unit_test(test_entry_follows_plan),
        cmocka_unit_test(test_table_never_exceeds_machine),
        cmocka_unit_test(test_publish_reuses_tables),
#ifdef __x86_64__
        cmocka_unit_test(test_front_words_follow_entry),
#endif
        cmocka_unit_test(test_short_distance_skips_rep),
        cmocka_unit_test(test_sampled_choice),
        cmocka_unit_test(test_sampled_band),
        cmocka_unit_test(test_fork_leaves_sampling),
        cmocka_unit_test(test_autotune_installs_plan),
        cmocka_unit_test(test_dump_shows_live_table),
        cmocka_unit_test(test_swap_while_copying),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
