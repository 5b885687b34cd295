/* The kernel registry: every memory-kernel variant of every architecture,
 * with what it requires, in one list per architecture, widest first.  The
 * resolver (which width a plan names), the dispatcher (which kernels a
 * table holds), calibration (which kernels to time), the tests and the
 * benchmarks all read it, so "is this variant usable here" has one answer.
 *
 * The list is data about every architecture, so that a plan for a
 * described arm64 machine can be resolved on an x86-64 build; only the
 * variants of the architecture being built carry their functions. */
#ifndef VMOPT_MEM_REGISTRY_H
#define VMOPT_MEM_REGISTRY_H

#include <stdint.h>

#include "lib/machine.h"
#include "lib/mem/mem.h"

typedef enum {
    VMOPT__MEM_VECTOR, /* a loop of vector (or word) moves: has a simd width */
    VMOPT__MEM_STRING, /* rep movsb / rep stosb: no width, forward only */
} vmopt__mem_kind;

typedef struct {
    const char *name;   /* "avx512": the plan's and the dump's word for it */
    const char *arch;   /* "x86_64", "aarch64"; NULL: every architecture */
    vmopt__mem_kind kind;
    int simd;           /* VMOPT__SIMD_* of a vector variant; -1 for a string one */
    unsigned vec_bytes; /* register width; 0 for a string variant */
    uint32_t requires;  /* 1u << VMOPT__FEAT_*: all of them must be present */
    const char *requires_text; /* "avx512f+bw+vl", for reasons */
    const vmopt__mem_kernels *impl; /* NULL where not built for this architecture */
    int streams;        /* has non-temporal functions (move_nt, set_nt) */
    int zeroes;         /* has a DC ZVA zero fill (set_zva) */
} vmopt__mem_variant;

/* Widest first within each architecture; ends with the generic variant,
 * which every architecture has and which is the test oracle. */
extern const vmopt__mem_variant vmopt__mem_registry[];
extern const unsigned vmopt__mem_registry_len;

/* Whether v can run on m: its architecture and every feature it requires. */
int vmopt__mem_usable(const vmopt__mem_variant *v, const struct vmopt_machine *m);
/* The widest vector variant m can run (generic at worst); never NULL. */
const vmopt__mem_variant *vmopt__mem_widest(const struct vmopt_machine *m);
/* The widest vector variant of this build that m can run: the same as
 * vmopt__mem_widest when m is the machine running, generic when m is a
 * described machine of another architecture.  Never NULL, never without
 * functions. */
const vmopt__mem_variant *vmopt__mem_runnable(const struct vmopt_machine *m);
/* The vector variant of m's architecture for a VMOPT__SIMD_* width, usable
 * or not; NULL when the architecture has none of that width. */
const vmopt__mem_variant *vmopt__mem_by_simd(const struct vmopt_machine *m, int simd);
/* By name, among the variants built into this library (impl != NULL). */
const vmopt__mem_variant *vmopt__mem_by_name(const char *name);
/* The string-instruction variant of m's architecture, usable or not (NULL: none). */
const vmopt__mem_variant *vmopt__mem_string(const struct vmopt_machine *m);

#endif
