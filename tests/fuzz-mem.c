/* libFuzzer target: every kernel variant this CPU supports against the
 * generic oracle, on sizes, alignments and overlaps the fuzzer picks.  The
 * buffers are allocated at their exact size, so under AddressSanitizer a
 * kernel that reads or writes one byte outside them is reported.
 *
 * Input: op (copy apart / move within one buffer / set), the fill byte, then
 * the size and the two offsets; whatever follows seeds the contents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/machine.h"
#include "lib/mem/mem.h"
#include "vmopt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGION (64u << 10)

static const vmopt__mem_kernels *usable[8];
static size_t nusable;

static void init(void)
{
    vmopt_machine *m;
    if (vmopt_machine_probe(&m, VMOPT_PROBE_ISA) < 0)
        abort();
    for (const vmopt__mem_kernels *const *k = vmopt__mem_variants; *k; k++) {
        int ok = 1;
        for (int f = 0; f < VMOPT__FEAT_COUNT; f++)
            if (((*k)->requires & (1u << f)) && !vmopt__has(m, (vmopt__feature)f))
                ok = 0;
        if (ok)
            usable[nusable++] = *k;
    }
    vmopt_machine_free(m);
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
    if (!nusable)
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
    for (size_t i = 0; i < nusable; i++) {
        const vmopt__mem_kernels *k = usable[i];
        for (int nt = 0; nt < 2; nt++) {
            if (nt && !k->move_nt)
                continue;
            memcpy(got_a, start_a, REGION);
            memcpy(got_b, start_b, REGION);
            void *r, *expect = (op == 0 ? got_b : got_a) + doff;
            if (op == 0)
                r = (nt ? k->move_nt : k->move)(got_b + doff, got_a + soff, n);
            else if (op == 1)
                r = (nt ? k->move_nt : k->move)(got_a + doff, got_a + soff, n);
            else
                r = (nt ? k->set_nt : k->set)(got_a + doff, c, n);
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
