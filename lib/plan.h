/* The plan: every tunable of every component, declared once here.  The
 * list gives the enum of keys, the profile parser's table, the resolver's
 * slots and the dump's fields.  Plain data, read by every layer. */
#ifndef VMOPT_PLAN_H
#define VMOPT_PLAN_H

#include <stdint.h>

#include "vmopt.h"

/* Enumerated value lists: the first name is index 0. */
#define VMOPT__SIMD_NAMES "generic", "sse2", "avx2", "avx512", "neon", "sve"
enum { VMOPT__SIMD_GENERIC, VMOPT__SIMD_SSE2, VMOPT__SIMD_AVX2, VMOPT__SIMD_AVX512, VMOPT__SIMD_NEON, VMOPT__SIMD_SVE };
/* The TLB's enums are the public ones (vmopt.h), whose values index the
 * name lists. */
#define VMOPT__TLB_STRATEGY_NAMES "direct", "set-assoc"
enum { VMOPT__TLB_DIRECT = VMOPT_TLB_DIRECT, VMOPT__TLB_SET_ASSOC = VMOPT_TLB_SET_ASSOC };
_Static_assert(VMOPT_TLB_DIRECT == 0 && VMOPT_TLB_SET_ASSOC == 1, "the order of VMOPT__TLB_STRATEGY_NAMES");
/* The intent a profile declares ([profile] workload); auto rules read it. */
#define VMOPT__WORKLOAD_NAMES "balanced", "interpreter", "jit", "bulk-copy", "low-memory"
enum { VMOPT__WL_BALANCED, VMOPT__WL_INTERPRETER, VMOPT__WL_JIT, VMOPT__WL_BULK_COPY, VMOPT__WL_LOW_MEMORY };
extern const char *const vmopt__workload_names[];
#define VMOPT__TLB_HASH_NAMES "mask", "xor-fold", "fx"
enum { VMOPT__HASH_MASK = VMOPT_TLB_HASH_MASK, VMOPT__HASH_XOR_FOLD = VMOPT_TLB_HASH_XOR_FOLD, VMOPT__HASH_FX = VMOPT_TLB_HASH_FX };
_Static_assert(VMOPT_TLB_HASH_MASK == 0 && VMOPT_TLB_HASH_XOR_FOLD == 1 && VMOPT_TLB_HASH_FX == 2,
               "the order of VMOPT__TLB_HASH_NAMES");

typedef enum {
    VMOPT__T_SIZE,  /* bytes: 4096, 64KiB, 2 MiB */
    VMOPT__T_COUNT, /* a plain number */
    VMOPT__T_MS,    /* milliseconds */
    VMOPT__T_BOOL,  /* on/off, yes/no, true/false, 1/0 */
    VMOPT__T_ENUM,  /* one of the field's names */
} vmopt__type;

#define VMOPT__F_POW2 0x1u /* the value must be a power of two (or 0 where 0 is allowed) */

/* XX(ID, section, key, type, flags, min, max, default, names, meaning)
 * default is a profile value ("auto" or a literal); names is the enum list
 * for VMOPT__T_ENUM, else NULL. */
#define VMOPT__FIELDS(XX)                                                                          \
    XX(MEMCPY_SIMD, memcpy, simd, ENUM, 0, 0, 5, "auto", simd_names,                               \
       "vector width of the exported functions, which copy and set small sizes themselves")       \
    XX(MEMCPY_LOOP, memcpy, loop, ENUM, 0, 0, 5, "auto", simd_names,                               \
       "vector width of the copy and set loops past inline_max")                                   \
    XX(MEMCPY_INLINE_MAX, memcpy, inline_max, SIZE, VMOPT__F_POW2, 16, 512, "auto", NULL,          \
       "largest copy done inside the exported function, with no loop and no call")                \
    XX(MEMCPY_REP_MOVSB_MIN, memcpy, rep_movsb_min, SIZE, 0, 0, UINT64_C(1) << 40, "auto", NULL,   \
       "smallest copy done with rep movsb (0: never)")                                             \
    XX(MEMCPY_NONTEMPORAL_MIN, memcpy, nontemporal_min, SIZE, 0, 0, UINT64_C(1) << 40, "auto",     \
       NULL, "smallest copy done with non-temporal stores (0: never)")                             \
    XX(MEMCPY_REP_STOSB_MIN, memcpy, rep_stosb_min, SIZE, 0, 0, UINT64_C(1) << 40, "auto", NULL,   \
       "smallest memset done with rep stosb (0: never)")                                           \
    XX(MEMCPY_ZVA_MIN, memcpy, zva_min, SIZE, 0, 0, UINT64_C(1) << 40, "auto", NULL,               \
       "smallest memset of zero done with DC ZVA, arm64 (0: never)")                               \
    XX(TLB_STRATEGY, tlb, strategy, ENUM, 0, 0, 1, "auto", tlb_strategy_names,                     \
       "table organisation of the software TLB")                                                   \
    XX(TLB_HASH, tlb, hash, ENUM, 0, 0, 2, "auto", tlb_hash_names,                                 \
       "how a page number picks its slot")                                                         \
    XX(TLB_WAYS, tlb, ways, COUNT, VMOPT__F_POW2, 1, 8, "auto", NULL,                              \
       "entries per set (1 for direct-mapped)")                                                    \
    XX(TLB_ENTRIES, tlb, entries, COUNT, VMOPT__F_POW2, 16, UINT64_C(1) << 22, "auto", NULL,       \
       "initial number of entries")                                                                \
    XX(TLB_MIN_ENTRIES, tlb, min_entries, COUNT, VMOPT__F_POW2, 16, UINT64_C(1) << 22, "auto",     \
       NULL, "smallest size dynamic resizing may shrink to")                                       \
    XX(TLB_MAX_ENTRIES, tlb, max_entries, COUNT, VMOPT__F_POW2, 16, UINT64_C(1) << 22, "auto",     \
       NULL, "largest size dynamic resizing may grow to")                                          \
    XX(TLB_VICTIM, tlb, victim, COUNT, 0, 0, 64, "auto", NULL,                                     \
       "entries of the victim TLB (0: none)")                                                      \
    XX(TLB_RESIZE, tlb, resize, BOOL, 0, 0, 1, "auto", NULL,                                       \
       "resize the table at run time on its use rate")                                             \
    XX(TLB_REHASH, tlb, rehash, BOOL, 0, 0, 1, "auto", NULL,                                       \
       "move to a hash that spreads more when conflict misses dominate, and back")                 \
    XX(POOL_MAGAZINE, pool, magazine, COUNT, 0, 0, 4096, "auto", NULL,                             \
       "objects each thread caches before touching the shared free list (0: no cache)")            \
    XX(POOL_CHUNK, pool, chunk_size, SIZE, VMOPT__F_POW2, 4096, UINT64_C(1) << 30, "auto", NULL,   \
       "bytes a pool takes from the OS at a time")                                                 \
    XX(RETUNE_ENABLED, retune, enabled, BOOL, 0, 0, 1, "off", NULL,                                \
       "sample the workload and retune while the process runs")                                    \
    XX(RETUNE_PERIOD, retune, period_ms, MS, 0, 1, 60000, "100", NULL,                             \
       "time between samples")                                                                     \
    XX(RETUNE_DWELL, retune, dwell_ms, MS, 0, 0, 600000, "1000", NULL,                             \
       "minimum time a plan stays before the next change")                                         \
    XX(RETUNE_HYSTERESIS, retune, hysteresis_pct, COUNT, 0, 0, 100, "20", NULL,                    \
       "how much better a new plan must look before it replaces the old one, in percent")

typedef enum {
#define VMOPT__FIELD_ENUM_(id, sec, key, type, flags, min, max, dflt, names, meaning) VMOPT__K_##id,
    VMOPT__FIELDS(VMOPT__FIELD_ENUM_)
#undef VMOPT__FIELD_ENUM_
        VMOPT__K_COUNT
} vmopt__key;

#define VMOPT__SECTIONS(XX) XX(memcpy) XX(tlb) XX(pool) XX(retune)

typedef struct {
    const char *section;
    const char *key;
    const char *qualified; /* "section.key" */
    vmopt__type type;
    unsigned flags;
    uint64_t min, max;
    const char *dflt;
    const char *const *names; /* ENUM only, NULL-terminated */
    const char *meaning;
} vmopt__field;

extern const vmopt__field vmopt__fields[VMOPT__K_COUNT];
extern const char *const vmopt__sections[];

/* The index of a field, or -1.  The search starts at hint (any value; a
 * file lists its keys in table order, so the caller's last index + 1 finds
 * most at the first compare) and wraps. */
int vmopt__field_find(const char *section, const char *key, int hint);
int vmopt__field_find_qualified(const char *qualified, int hint);
/* Parses a value of field k ("auto" is handled by the caller).  Returns 0,
 * or a negative error with *why saying what is wrong. */
int vmopt__field_parse(vmopt__key k, const char *text, uint64_t *out, const char **why);
/* Formats a value of field k for people: "avx512", "24 MiB", "on", "100". */
void vmopt__field_format(vmopt__key k, uint64_t v, char *buf, size_t len);
/* Index of name in a NULL-terminated list, or -1. */
int vmopt__name_index(const char *const *names, const char *name);

#define VMOPT__NAME_LEN 64
#define VMOPT__DESC_LEN 256
#define VMOPT__ORIGIN_LEN 256
#define VMOPT__REASON_LEN 192

/* One profile setting: explicit, "auto", or absent (not set). */
typedef struct {
    uint8_t set;
    uint8_t is_auto;
    uint64_t value;
    char from[96]; /* "jit.conf:7", "built-in jit" */
} vmopt__setting;

struct vmopt_profile {
    char name[VMOPT__NAME_LEN];
    char description[VMOPT__DESC_LEN];
    char origin[VMOPT__ORIGIN_LEN]; /* file path, or "built-in" */
    char chain[VMOPT__ORIGIN_LEN];  /* "jit < default": the include chain */
    int workload;                   /* VMOPT__WL_* */
    char workload_from[96];
    vmopt__setting s[VMOPT__K_COUNT];
};

struct vmopt_plan {
    char profile[VMOPT__NAME_LEN];
    char description[VMOPT__DESC_LEN];
    char origin[VMOPT__ORIGIN_LEN];
    char chain[VMOPT__ORIGIN_LEN];
    int workload;
    uint64_t v[VMOPT__K_COUNT];
    uint8_t is_auto[VMOPT__K_COUNT];
    char reason[VMOPT__K_COUNT][VMOPT__REASON_LEN];
};

/* The TLB's fields checked against each other, the one check that profile
 * files, saved plans and vmopt_tlb_create() all make: min_entries <=
 * entries <= max_entries, 2, 4 or 8 ways for a set-associative table, and
 * at least two sets in the smallest table.  A value of -1 is not known yet
 * (auto, or not set) and is checked against nothing.  0, or 1 with what is
 * wrong in why ("tlb.min_entries 4194304 is above tlb.max_entries 16") and
 * the two fields at odds in pair (VMOPT__K_*; NULL: not wanted), the one
 * named first in why first. */
typedef struct {
    long strategy, ways, entries, min_entries, max_entries;
} vmopt__tlb_shape;
int vmopt__tlb_shape_wrong(const vmopt__tlb_shape *s, char *why, size_t len, int pair[2]);

/* A field's default as a value (its table row's, parsed); 0 for one whose
 * default is "auto", which only the resolver can decide. */
uint64_t vmopt__field_default(vmopt__key k);

#endif
