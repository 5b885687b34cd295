/* libFuzzer target: every kernel variant this CPU supports, and every entry
 * (the exported functions' bodies, dispatch/entry.h) on tables of each loop
 * with low rep and streaming thresholds, against the generic oracle, on
 * sizes, alignments and overlaps the fuzzer picks.  The
 * buffers are allocated at their exact size, so under AddressSanitizer a
 * kernel that reads or writes one byte outside them is reported.
 *
 * Input: op (copy apart / move within one buffer / set), the fill byte, then
 * the size and the two offsets; whatever follows seeds the contents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/machine.h"
#include "dispatch/dispatch.h"
#include "dispatch/entry.h"
#include "lib/mem/mem.h"
#include "lib/mem/registry.h"
#include "vmopt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGION (64u << 10)

typedef struct {
    vmopt__move_fn move, move_nt;
    vmopt__set_fn set, set_nt;
    const vmopt__mem_entry *entry; /* NULL: the kernels above, called directly */
    vmopt__mem_table table;
} target;

static target targets[32];
static size_t ntargets;

static void init(void)
{
    vmopt_machine *m;
    if (vmopt_machine_probe(&m, VMOPT_PROBE_ISA) < 0)
        abort();
    for (unsigned i = 0; i < vmopt__mem_registry_len; i++) {
        const vmopt__mem_variant *v = &vmopt__mem_registry[i];
        if (v->impl && vmopt__mem_usable(v, m))
            targets[ntargets++] = (target){v->impl->move, v->impl->move_nt, v->impl->set, v->impl->set_nt, NULL, {0}};
    }
    /* Each entry on a table of each vector loop: rep from 3000 B, streaming
     * from 70000 B, so that a fuzzed size reaches every class. */
    const vmopt__mem_variant *rep = vmopt__mem_string(m);
    for (unsigned e = 0; e < vmopt__mem_entries_len; e++) {
        const vmopt__mem_entry *en = &vmopt__mem_entries[e];
        const vmopt__mem_variant *ev = vmopt__mem_by_simd(m, en->simd);
        if (!ev || !vmopt__mem_usable(ev, m))
            continue;
        for (unsigned i = 0; i < vmopt__mem_registry_len; i++) {
            const vmopt__mem_variant *v = &vmopt__mem_registry[i];
            if (!v->impl || v->kind != VMOPT__MEM_VECTOR || !vmopt__mem_usable(v, m))
                continue;
            target t = {0};
            t.entry = en;
            t.table = vmopt__mem_baseline;
            t.table.entry = en->simd;
            t.table.inline_max = vmopt__mem_entry_inline_hi(en);
            t.table.move = t.table.move_rep = t.table.move_nt = v->impl->move;
            t.table.set = t.table.set_rep = t.table.set_nt = t.table.set_zva = v->impl->set;
            if (v->impl->set_zva) {
                t.table.zva_min = 600;
                t.table.set_zva = v->impl->set_zva;
            }
            if (rep && vmopt__mem_usable(rep, m)) {
                t.table.rep_movsb_min = 3000;
                t.table.rep_stosb_min = 2000;
                t.table.move_rep = rep->impl->move;
                t.table.set_rep = rep->impl->set;
            }
            if (v->impl->move_nt) {
                t.table.nontemporal_min = 70000;
                t.table.move_nt = v->impl->move_nt;
                t.table.set_nt = v->impl->set_nt;
            }
            vmopt__mem_table_finish(&t.table);
            targets[ntargets++] = t;
        }
    }
    vmopt_machine_free(m);
}

/* An entry runs as a program calls it: its table published, then the
 * exported function (on x86-64 the asm front, dispatch/front-x86.S);
 * mempcpy's result is turned back into dst. */
static void *do_move(const target *t, int nt, void *d, const void *s, size_t n, int pcpy)
{
    if (t->entry) {
        if (!vmopt__mem_publish(&t->table))
            abort();
        if (pcpy) {
            unsigned char *e = vmopt_mempcpy(d, s, n);
            return e == (unsigned char *)d + n ? d : NULL;
        }
        return vmopt_memmove(d, s, n);
    }
    return (nt ? t->move_nt : t->move)(d, s, n);
}

static void *do_set(const target *t, int nt, void *d, int c, size_t n)
{
    if (t->entry) {
        if (!vmopt__mem_publish(&t->table))
            abort();
        return vmopt_memset(d, c, n);
    }
    return (nt ? t->set_nt : t->set)(d, c, n);
}

static uint32_t take(const uint8_t **p, size_t *left, unsigned bytes)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < bytes && *left; i++, (*p)++, (*left)--)
        v |= (uint32_t)**p << (8 * i);
    return v;
}

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (uint8_t)(seed >> 16);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ntargets)
        init();
    const uint8_t *p = data;
    size_t left = size;
    unsigned op = take(&p, &left, 1) % 3;
    int c = (int)take(&p, &left, 1);
    /* Mostly small sizes, where the kernels branch most. */
    uint32_t raw = take(&p, &left, 3);
    size_t n = raw & 1 ? (raw >> 1) % 1100 : (raw >> 1) % (REGION / 2);
    size_t soff = take(&p, &left, 3) % (REGION - n + 1);
    size_t doff = take(&p, &left, 3) % (REGION - n + 1);
    uint32_t seed = take(&p, &left, 4);

    /* The oracle's result once, then every variant from the same start. */
    uint8_t *want_a = malloc(REGION), *want_b = malloc(REGION);
    uint8_t *got_a = malloc(REGION), *got_b = malloc(REGION);
    uint8_t *start_a = malloc(REGION), *start_b = malloc(REGION);
    if (!want_a || !want_b || !got_a || !got_b || !start_a || !start_b)
        abort();
    fill(start_a, REGION, seed);
    fill(start_b, REGION, ~seed);
    memcpy(want_a, start_a, REGION);
    memcpy(want_b, start_b, REGION);
    if (op == 0)
        vmopt__mem_generic.move(want_b + doff, want_a + soff, n);
    else if (op == 1)
        vmopt__mem_generic.move(want_a + doff, want_a + soff, n);
    else
        vmopt__mem_generic.set(want_a + doff, c, n);
    for (size_t i = 0; i < ntargets; i++) {
        const target *k = &targets[i];
        for (int nt = 0; nt < 2; nt++) {
            if (nt && (k->entry || !k->move_nt))
                continue;
            memcpy(got_a, start_a, REGION);
            memcpy(got_b, start_b, REGION);
            void *r, *expect = (op == 0 ? got_b : got_a) + doff;
            if (op == 0)
                r = do_move(k, nt, got_b + doff, got_a + soff, n, seed & 1);
            else if (op == 1)
                r = do_move(k, nt, got_a + doff, got_a + soff, n, seed & 1);
            else
                r = do_set(k, nt, got_a + doff, c, n);
            if (r != expect || memcmp(want_a, got_a, REGION) != 0 || memcmp(want_b, got_b, REGION) != 0)
                abort(); /* the kernel disagrees with the oracle: a finding */
        }
    }
    free(start_a);
    free(start_b);
    free(want_a);
    free(want_b);
    free(got_a);
    free(got_b);
    return 0;
}
