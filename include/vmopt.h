/*
 * vmopt — adaptive auto-tuning runtime for virtual-machine processes.
 *
 * The one public header.  Conventions, stated once:
 *   - functions returning int return 0 on success or a negative errno value;
 *     vmopt_strerror() names it and vmopt_errmsg() gives this thread's last
 *     detailed message (for example "site.conf:12: unknown key 'simdd'");
 *   - functions returning a pointer return NULL on failure, likewise;
 *   - every handle is opaque, created by one function and freed by one.
 */
#ifndef VMOPT_H
#define VMOPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmopt-version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define VMOPT_EXTERN __attribute__((visibility("default")))
#else
#define VMOPT_EXTERN
#endif

/* For the functions a VM calls per operation: GCC calls them through the
 * GOT, skipping the PLT stub's extra jump (about 0.5 ns a call here).
 * Clang has no such attribute; -fno-plt does the same for a whole build. */
#if defined(__GNUC__) && !defined(__clang__)
#define VMOPT_HOT_CALL __attribute__((noplt))
#else
#define VMOPT_HOT_CALL
#endif

/* ---- version ------------------------------------------------------------ */

/** The library's version as VMOPT_VERSION_HEX was when it was built. */
VMOPT_EXTERN unsigned vmopt_version(void);
/** The library's version as a string, "MAJOR.MINOR.PATCH". */
VMOPT_EXTERN const char *vmopt_version_string(void);

/* ---- errors ------------------------------------------------------------- */

/* Errors beyond errno's own, all negative (errno values are returned negated). */
#define VMOPT_ERRNO_MAP(XX)                                                   \
    XX(EPARSE, -1001, "malformed profile")                                    \
    XX(EUNKNOWN, -1002, "unknown section, key or name")                       \
    XX(ERANGE_VALUE, -1003, "value out of range")                             \
    XX(ECYCLE, -1004, "profile include cycle")                                \
    XX(EUNSUPPORTED, -1005, "not supported on this machine or build")

typedef enum {
#define VMOPT_ERR_ENUM_(name, val, msg) VMOPT_##name = val,
    VMOPT_ERRNO_MAP(VMOPT_ERR_ENUM_)
#undef VMOPT_ERR_ENUM_
} vmopt_errno;

/** A short constant description of err (a vmopt error or a negated errno). */
VMOPT_EXTERN const char *vmopt_strerror(int err);
/** This thread's last detailed error message; "" if none.  Valid until the
 *  thread's next failing vmopt call. */
VMOPT_EXTERN const char *vmopt_errmsg(void);

/* ---- the machine -------------------------------------------------------- */

/** What the probe found: ISA features, caches, cores, NUMA nodes, huge
 *  pages and hardware counters, each with the source it came from. */
typedef struct vmopt_machine vmopt_machine;

/* Parts of the probe.  The ISA part is cheap (tens of microseconds); the
 * topology (hwloc) and counter (PAPI) parts cost milliseconds each, so a
 * caller that already holds a saved plan probes VMOPT_PROBE_ISA only. */
#define VMOPT_PROBE_ISA 0x1u
#define VMOPT_PROBE_TOPOLOGY 0x2u
#define VMOPT_PROBE_COUNTERS 0x4u
#define VMOPT_PROBE_ALL 0x7u

/** Probes this machine; parts not asked for stay unknown. */
VMOPT_EXTERN int vmopt_machine_probe(vmopt_machine **out, unsigned parts);
/** Builds a machine from a description instead of this one, for tests and
 *  what-if dumps.  topology: "synthetic:<hwloc synthetic string>" or the
 *  path of an hwloc XML file; features: comma-separated names from
 *  vmopt_feature_name() and settings (NULL: none): arch=x86_64|aarch64,
 *  vendor=GenuineIntel|AuthenticAMD|ARM|Fujitsu|Apple, family=N, model=N,
 *  stepping=N (decimal or 0x hex; on arm64 family is the MIDR implementer
 *  and model the part), sve_vl=BITS, zva=BYTES (0: DC ZVA prohibited),
 *  kernel=X.Y[.Z], line=BYTES (every cache level's line) and cpuid_l3=SIZE
 *  (the L3 a VM's CPUID leaves report where the topology says otherwise).
 *  Counters are reported as absent.  Needs hwloc (VMOPT_EUNSUPPORTED). */
VMOPT_EXTERN int vmopt_machine_describe(vmopt_machine **out, const char *topology,
                                        const char *features);
/** One of the built-in described platforms (docs/platforms.md), by name. */
VMOPT_EXTERN int vmopt_machine_platform(vmopt_machine **out, const char *name);
/** The built-in platforms' names, by index from 0; NULL past the last. */
VMOPT_EXTERN const char *vmopt_platform_name(unsigned index);
VMOPT_EXTERN void vmopt_machine_free(vmopt_machine *m);

/** ISA features the machine description knows, by index from 0; NULL past
 *  the last. */
VMOPT_EXTERN const char *vmopt_feature_name(unsigned index);
/** 1 if the machine has the named feature, 0 if not, negative if unknown name. */
VMOPT_EXTERN int vmopt_machine_has(const vmopt_machine *m, const char *feature);

/* ---- profiles ----------------------------------------------------------- */

/** A named, parsed parameter set (INI file or built-in), values possibly
 *  "auto", with its include chain already merged. */
typedef struct vmopt_profile vmopt_profile;

/** Loads a built-in profile by name, or a file when name_or_path contains
 *  '/' or ends in ".conf".  A bad file is rejected whole (vmopt_errmsg()
 *  says "file:line: problem"). */
VMOPT_EXTERN int vmopt_profile_load(vmopt_profile **out, const char *name_or_path);
/** Parses a profile from memory; origin names it in messages. */
VMOPT_EXTERN int vmopt_profile_parse(vmopt_profile **out, const char *text, const char *origin);
VMOPT_EXTERN void vmopt_profile_free(vmopt_profile *p);
VMOPT_EXTERN const char *vmopt_profile_name(const vmopt_profile *p);
VMOPT_EXTERN const char *vmopt_profile_description(const vmopt_profile *p);

/** Built-in profiles by index from 0; NULL past the last. */
VMOPT_EXTERN const char *vmopt_builtin_profile_name(unsigned index);
VMOPT_EXTERN const char *vmopt_builtin_profile_description(unsigned index);
/** The text of a built-in profile (what is installed as NAME.conf). */
VMOPT_EXTERN const char *vmopt_builtin_profile_text(const char *name);

/* ---- plans -------------------------------------------------------------- */

/** A profile resolved for a machine: every value concrete, each with the
 *  reason it was chosen. */
typedef struct vmopt_plan vmopt_plan;

VMOPT_EXTERN int vmopt_plan_resolve(vmopt_plan **out, const vmopt_machine *m,
                                    const vmopt_profile *p);
VMOPT_EXTERN void vmopt_plan_free(vmopt_plan *plan);
/** The value of "section.key" (e.g. "memcpy.nontemporal_min") as a number;
 *  enumerated values give their index.  -ENOENT for an unknown key. */
VMOPT_EXTERN int vmopt_plan_get(const vmopt_plan *plan, const char *key, unsigned long long *value);
/** The value of "section.key" as text ("avx512", "24 MiB"), and its reason. */
VMOPT_EXTERN int vmopt_plan_describe(const vmopt_plan *plan, const char *key, char *value,
                                     size_t value_len, const char **reason);

/* ---- environment options ---------------------------------------------- */

/** One VMOPT_* environment variable: what it means, its default, and the
 *  value in force.  A value the library refused (bad syntax) is ignored:
 *  value is then NULL and refused says why. */
typedef struct vmopt_option_info {
    const char *variable;      /* "VMOPT_SIMD" */
    const char *meaning;
    const char *default_value; /* as people read it: "warn", "the plan's memcpy.simd" */
    const char *value;         /* the environment's value in force, NULL: the default */
    const char *refused;       /* why a set value was ignored, NULL: not refused */
} vmopt_option_info;

/** The index-th option (0, 1, ...); 0, or -ENOENT past the last.  What
 *  `vmopt options` prints. */
VMOPT_EXTERN int vmopt_option_describe(unsigned index, vmopt_option_info *out);
/** The value in force of one option ("VMOPT_PROFILE"), validated; NULL
 *  when unset, refused or not an option. */
VMOPT_EXTERN const char *vmopt_option_get(const char *variable);

/* ---- dumps -------------------------------------------------------------- */

#define VMOPT_DUMP_JSON 0x1u
/** Also show the memory primitives' dispatch table live in this process:
 *  which kernel serves which sizes. */
#define VMOPT_DUMP_LIVE 0x2u

/** Writes the machine description (what `vmopt info` prints). */
VMOPT_EXTERN int vmopt_machine_dump(FILE *f, const vmopt_machine *m, unsigned flags);
/** Writes the machine and the plan with the reason for every value (what
 *  `vmopt dump` and VMOPT_DUMP print).  JSON: docs/dump-format.md. */
VMOPT_EXTERN int vmopt_plan_dump(FILE *f, const vmopt_machine *m, const vmopt_plan *plan,
                                 unsigned flags);

/** Writes the platform guide, docs/platforms.md: the default profile's plan
 *  on every built-in platform, with the reasons, beside glibc's, QEMU's and
 *  mimalloc's choices there.  flags: 0. */
VMOPT_EXTERN int vmopt_platforms_dump(FILE *f, unsigned flags);

/* ---- the process-wide runtime ------------------------------------------- */

/** Options for vmopt_autotune().  Initialise with VMOPT_OPTIONS_INIT so that
 *  fields added later keep their defaults. */
typedef struct vmopt_options {
    size_t size;         /* sizeof(vmopt_options) */
    const char *profile; /* built-in name or file; NULL: $VMOPT_PROFILE, else "default" */
    unsigned probe;      /* VMOPT_PROBE_* parts; 0: ISA and topology (what the plan reads) */
    unsigned flags;      /* VMOPT_TUNE_* */
    int level;           /* VMOPT_LEVEL_*: how hard to calibrate */
    /* Called as calibration goes (done from 0 to 1, and what runs); NULL: none. */
    void (*progress)(void *arg, double done, const char *what);
    void *progress_arg;
    /* A recorded trace of the VM's guest addresses (4 KiB pages), for the
     * TLB's calibration: its organisation, hash and size are then measured
     * on it.  NULL: a synthetic trace, and the size left to resizing. */
    const uint64_t *tlb_trace;
    size_t tlb_trace_len;
} vmopt_options;
#define VMOPT_OPTIONS_INIT {sizeof(vmopt_options), NULL, 0, 0, VMOPT_LEVEL_ESTIMATE, NULL, NULL, NULL, 0}

/* Calibration levels, after FFTW's planner.  A saved plan of the level
 * asked for, or a higher one, stands in for calibrating again. */
enum {
    VMOPT_LEVEL_ESTIMATE = 0,   /* no measurement: the probe alone */
    VMOPT_LEVEL_MEASURE = 1,    /* short micro-benchmarks, 50 ms at most */
    VMOPT_LEVEL_EXHAUSTIVE = 2, /* every candidate, seconds */
};

/* vmopt_options.flags */
#define VMOPT_TUNE_SAVE 0x1u  /* save the plan chosen, for the next start on this machine */
#define VMOPT_TUNE_FRESH 0x2u /* ignore a saved plan: probe and resolve again */
#define VMOPT_TUNE_RETUNE 0x4u /* start the background retuner (vmopt_retune_start) */

/** Probes (once per process), loads the profile, resolves it and installs
 *  the plan.  A plan saved for this machine and profile (VMOPT_TUNE_SAVE,
 *  `vmopt tune --save`) is loaded instead, after probing the ISA only; one
 *  saved for another machine, or damaged, is ignored with one warning.
 *  On error the plan in force stays in force (a failed save reports its
 *  error with the new plan installed).  Writes the dump named by
 *  $VMOPT_DUMP the first time a plan is installed.  Thread-safe; opts may
 *  be NULL. */
VMOPT_EXTERN int vmopt_autotune(const vmopt_options *opts);
/** A copy of the plan in force (free it), or NULL with -ENOENT before any. */
VMOPT_EXTERN vmopt_plan *vmopt_current_plan(void);

/* ---- runtime retuning ------------------------------------------------------ */

/* The retuner samples the process once a period (retune.period_ms, or
 * VMOPT_RETUNE=<ms>): copy sizes during a short window at the end of each
 * period, pool and TLB rates, hardware counters where there are any.  It
 * identifies the workload (balanced, interpreter, jit, bulk-copy) and,
 * after its hysteresis and minimum dwell, re-resolves the plan for it and
 * publishes the new dispatch table with one atomic store.  It starts with
 * VMOPT_TUNE_RETUNE, the profile's retune.enabled, VMOPT_RETUNE=1 (which
 * the preload honours) or vmopt_retune_start(); a VM may instead call
 * vmopt_retune() at its safe points.  VMOPT_RETUNE=0 keeps it off. */

/** Starts the background thread; 0 if it runs already. */
VMOPT_EXTERN int vmopt_retune_start(void);
/** Stops it and waits for it. */
VMOPT_EXTERN void vmopt_retune_stop(void);
/** One step at a safe point: never blocks on the copy path; 1 when the
 *  plan changed, else 0. */
VMOPT_EXTERN int vmopt_retune(void);

typedef struct vmopt_retune_event {
    double t;              /* seconds since the first plan */
    char from[16], to[16]; /* workloads */
    char reason[256];
} vmopt_retune_event;
/** The last changes, oldest first (at most 16 are kept); how many. */
VMOPT_EXTERN unsigned vmopt_retune_history(vmopt_retune_event *out, unsigned max);

/* ---- live statistics: what `vmopt stat PID` shows -------------------------- */

/** Publishes this process's live statistics: a page of its own, mode 0600,
 *  in $XDG_RUNTIME_DIR/vmopt/ (else /tmp/vmopt-UID/, 0700), that a thread
 *  rewrites four times a second and that goes at exit.  Copies and sets
 *  are counted from then on, per thread.  VMOPT_STATS=1 calls it at
 *  start-up.  0 (also when it runs already), or -errno with vmopt_errmsg. */
VMOPT_EXTERN int vmopt_stats_start(void);
/** Stops publishing, removes the page and stops counting. */
VMOPT_EXTERN void vmopt_stats_stop(void);

/** One reading of a process's page (opaque). */
typedef struct vmopt_stats vmopt_stats;
/** Reads the page of process pid: one of the caller's own (a page owned by
 *  another uid, or open to others, is refused: -EPERM), -ENOENT when pid
 *  publishes none, -ESRCH when its page is stale (the process is gone).
 *  *out is freed with vmopt_stats_free. */
VMOPT_EXTERN int vmopt_stats_read(vmopt_stats **out, int pid);
VMOPT_EXTERN void vmopt_stats_free(vmopt_stats *s);
/** The PIDs of the caller's processes that publish, ascending; stale pages
 *  are removed on the way.  How many were written (at most max), or -errno. */
VMOPT_EXTERN int vmopt_stats_list(int *pids, int max);
enum { VMOPT_STATS_TEXT = 0, VMOPT_STATS_JSON = 1, VMOPT_STATS_OPENMETRICS = 2, VMOPT_STATS_LIST = 3 };
/** Prints n readings: text (with rates where before[i] is an earlier
 *  reading of the same process), JSON (docs/dump-format.md; an array
 *  unless n is 1), the OpenMetrics text format, ended by # EOF, or a list
 *  (a heading, then one line per process). */
VMOPT_EXTERN int vmopt_stats_print(FILE *f, vmopt_stats *const *now, vmopt_stats *const *before, unsigned n,
                                   unsigned format);
/** Writes the last `last` lines (at most 64) of the machine's log of
 *  changes, which every retuning process appends to in the cache directory
 *  (what `vmopt dump` shows); how many.  path_out, if not NULL, gets the
 *  log's path. */
VMOPT_EXTERN int vmopt_retune_log(FILE *f, unsigned last, char *path_out, size_t path_len);

/* ---- memory primitives ---------------------------------------------------- */

/* The C library's functions, dispatched to the kernels the plan in force
 * chose (before vmopt_autotune(), to the baseline: SSE2 on x86-64).  All of
 * them are correct for overlapping buffers, as memmove is.  The kernel is
 * named and forced with $VMOPT_SIMD or the profile's [memcpy] simd key. */
VMOPT_EXTERN void *vmopt_memcpy(void *dst, const void *src, size_t n);
VMOPT_EXTERN void *vmopt_memmove(void *dst, const void *src, size_t n);
/** Like vmopt_memcpy, but returns dst + n. */
VMOPT_EXTERN void *vmopt_mempcpy(void *dst, const void *src, size_t n);
VMOPT_EXTERN void *vmopt_memset(void *dst, int c, size_t n);

/* ---- software TLB -------------------------------------------------------- */

/* Guest-virtual page -> host address with read, write and execute
 * permission, as an emulator's softmmu keeps it (QEMU's cputlb.c).  One TLB
 * per vCPU thread: lookups, fills and flushes from that thread only, except
 * vmopt_tlb_flush_async(), which any thread may call.  See docs/tlb.md. */
typedef struct vmopt_tlb vmopt_tlb;

/* Access kinds, and permission bits (1 << kind). */
enum { VMOPT_TLB_READ = 0, VMOPT_TLB_WRITE = 1, VMOPT_TLB_EXEC = 2 };
#define VMOPT_TLB_PROT_READ 0x1u
#define VMOPT_TLB_PROT_WRITE 0x2u
#define VMOPT_TLB_PROT_EXEC 0x4u

/* Strategies and index hashes; VMOPT_TLB_AUTO takes the value from the plan
 * in force (vmopt_autotune), else the default profile's. */
#define VMOPT_TLB_AUTO (-1)
enum { VMOPT_TLB_DIRECT = 0, VMOPT_TLB_SET_ASSOC = 1 };
enum { VMOPT_TLB_HASH_MASK = 0, VMOPT_TLB_HASH_XOR_FOLD = 1, VMOPT_TLB_HASH_FX = 2 };

/** The VM's page walk, called on a miss: for the page holding vaddr, set
 *  *host_page to the host address of the page's first byte and *prot to the
 *  VMOPT_TLB_PROT_* it allows, and return 0; or return a nonzero fault code,
 *  which goes back to the caller and caches nothing.  A fill that does not
 *  allow the access asked for is a fault too (VMOPT_TLB_EPERM). */
typedef int (*vmopt_tlb_fill_fn)(void *opaque, uint64_t vaddr, unsigned access, void **host_page,
                                 unsigned *prot);
#define VMOPT_TLB_EPERM (-13)

typedef struct vmopt_tlb_config {
    size_t size;         /* sizeof(vmopt_tlb_config) */
    uint64_t page_size;  /* a power of two, 4 KiB to 1 GiB */
    int strategy, hash;  /* VMOPT_TLB_*, or VMOPT_TLB_AUTO */
    int ways;            /* 2, 4, 8 for set-assoc; AUTO */
    long entries, min_entries, max_entries; /* powers of two; AUTO */
    int victim;          /* victim entries, 0-64; AUTO */
    int resize;          /* 0, 1; AUTO */
    int rehash;          /* 0, 1: change the hash on conflict misses; AUTO */
    vmopt_tlb_fill_fn fill;
    void *opaque;
} vmopt_tlb_config;
#define VMOPT_TLB_CONFIG_INIT                                                                      \
    {sizeof(vmopt_tlb_config), 4096, VMOPT_TLB_AUTO, VMOPT_TLB_AUTO, VMOPT_TLB_AUTO,              \
     VMOPT_TLB_AUTO, VMOPT_TLB_AUTO, VMOPT_TLB_AUTO, VMOPT_TLB_AUTO, VMOPT_TLB_AUTO,              \
     VMOPT_TLB_AUTO, NULL, NULL}

/** Creates a TLB; -EINVAL naming the bad field, -ENOMEM. */
VMOPT_EXTERN int vmopt_tlb_create(vmopt_tlb **out, const vmopt_tlb_config *cfg);
VMOPT_EXTERN int vmopt__tlb_create_fixed(vmopt_tlb **out, const vmopt_tlb_config *cfg, unsigned page_shift);

/* A VM whose page size is fixed when it is built (as QEMU's is per target,
 * TARGET_PAGE_BITS) may define VMOPT_TLB_PAGE_SHIFT before including this
 * header: the hit path then shifts and masks by constants, as QEMU's does,
 * and vmopt_tlb_create() refuses any other page size.  In bench-tlb the
 * run-time page size costs the mask's hit about half a cycle more (a
 * variable shift and its count in a register). */
#ifdef VMOPT_TLB_PAGE_SHIFT
#define vmopt_tlb_create(out, cfg) vmopt__tlb_create_fixed(out, cfg, VMOPT_TLB_PAGE_SHIFT)
#define VMOPT__TLB_SHIFT(f) (VMOPT_TLB_PAGE_SHIFT - 5)
#define VMOPT__TLB_PAGE_MASK(f) (~((UINT64_C(1) << VMOPT_TLB_PAGE_SHIFT) - 1))
#else
#define VMOPT__TLB_SHIFT(f) ((f)->shift)
#define VMOPT__TLB_PAGE_MASK(f) ((f)->page_mask)
#endif
VMOPT_EXTERN void vmopt_tlb_destroy(vmopt_tlb *tlb);

/* Internal, read by the inline hit path below; its layout is not part of
 * the API and changes with the library version (rebuild to upgrade). */
typedef struct {
    uint64_t tag[3];  /* page address allowed per access kind; all ones when not */
    uint64_t addend;  /* host address - guest address, modulo 2^64 */
} vmopt__tlb_entry;
typedef struct {
    vmopt__tlb_entry *table;
    uint64_t page_mask;     /* ~(page_size - 1) */
    uint64_t index_mask;    /* (sets - 1) << 5: a byte offset into the first ways */
    unsigned shift;         /* the mask's: vaddr to byte offset, page_shift - 5 */
    unsigned hash;          /* VMOPT_TLB_HASH_*, in force now */
    unsigned hash_shift;    /* xor-fold: as shift; fx: 64 - set bits - 5 */
    unsigned fold;          /* xor-fold: the page number's bits folded onto the index */
    uint64_t hits;
} vmopt__tlb_fast;
VMOPT_EXTERN VMOPT_HOT_CALL void *vmopt__tlb_miss(vmopt_tlb *tlb, uint64_t vaddr, unsigned access, int *fault);

/* The byte offset of page's set under a hash other than the mask, pre-
 * shifted as the mask's (QEMU's trick):
 *   xor-fold  the page number's next bits (fold) folded onto its low bits;
 *   fx        FxHash's multiply, the product's top bits. */
static inline uint64_t vmopt__tlb_hashed(const vmopt__tlb_fast *f, uint64_t page)
{
    if (f->hash == VMOPT_TLB_HASH_XOR_FOLD)
        return ((page ^ (page >> f->fold)) >> f->hash_shift) & f->index_mask;
    return ((page * UINT64_C(0x517cc1b727220a95)) >> f->hash_shift) & f->index_mask;
}

/** The host address of vaddr for an access of that kind: on a hit, index,
 *  compare, add; on a miss, the victim TLB, then the fill function.  NULL
 *  with *fault set to the fill's code when the VM faults.  Hits are counted
 *  only where VMOPT_TLB_COUNT_HITS is defined before this header: a counter
 *  in memory chains every lookup to the one before it (0.7 ns a lookup in
 *  bench-tlb). */
#if defined(__GNUC__) && !defined(__clang__)
VMOPT_EXTERN void vmopt__tlb_bad_access(void)
    __attribute__((error("vmopt_tlb_lookup: access must be VMOPT_TLB_READ, _WRITE or _EXEC")));
#else
VMOPT_EXTERN void vmopt__tlb_bad_access(void);
#endif
static inline void *vmopt_tlb_lookup(vmopt_tlb *tlb, uint64_t vaddr, unsigned access, int *fault)
{
    vmopt__tlb_fast *f = (vmopt__tlb_fast *)tlb;
    /* access indexes tag[]: a constant out of range does not compile (GCC),
     * a variable one goes to the miss path, which refuses it (-EINVAL).
     * The test folds away for a constant, the usual call. */
    if (__builtin_constant_p(access) && access > 2)
        vmopt__tlb_bad_access();
    if (!__builtin_constant_p(access) && __builtin_expect(access > 2, 0))
        return vmopt__tlb_miss(tlb, vaddr, access, fault);
    uint64_t page = vaddr & VMOPT__TLB_PAGE_MASK(f);
    /* The mask's slot, whatever the hash: an entry holding this page
     * anywhere is its translation, and under another hash it sits there
     * only when both hashes agree.  So the hit path is QEMU's, instruction
     * for instruction (bench-tlb counts them): index, compare, add.  Under
     * another hash the miss path probes the hashed slot first (a call, a
     * few ns, where a miss costs 10-20); an inline second probe made GCC 12
     * keep three more moves on every hit.  Only a set's first way is
     * looked at here: the miss path moves a hit in another way to the
     * front. */
    vmopt__tlb_entry *e = (vmopt__tlb_entry *)((char *)f->table + ((vaddr >> VMOPT__TLB_SHIFT(f)) & f->index_mask));
    if (__builtin_expect(e->tag[access] == page, 1))
        goto hit;
    return vmopt__tlb_miss(tlb, vaddr, access, fault);
hit:
#ifdef VMOPT_TLB_COUNT_HITS
    f->hits++;
#endif
    return (void *)(uintptr_t)(vaddr + e->addend);
}

/** Forgets every translation / the one of vaddr's page / those of the pages
 *  overlapping [vaddr, vaddr+len).  A full flush costs the entries used
 *  since the last one, not the table's size. */
VMOPT_EXTERN void vmopt_tlb_flush(vmopt_tlb *tlb);
VMOPT_EXTERN void vmopt_tlb_flush_page(vmopt_tlb *tlb, uint64_t vaddr);
VMOPT_EXTERN void vmopt_tlb_flush_range(vmopt_tlb *tlb, uint64_t vaddr, uint64_t len);
/** Switches to another address space (a guest ASID or page-table root):
 *  nothing translated in the previous one is returned afterwards. */
VMOPT_EXTERN void vmopt_tlb_switch(vmopt_tlb *tlb, uint64_t asid);
/** From any thread: asks the owning thread's TLB to flush everything before
 *  its next miss or lookup through vmopt_tlb_poll(). */
VMOPT_EXTERN void vmopt_tlb_flush_async(vmopt_tlb *tlb);
/** Called by the owning thread at its safe points: runs a pending
 *  asynchronous flush, and may resize the table.  Returns 1 if it flushed
 *  (a resize alone is 0), -EINVAL for a NULL TLB.  The calls on a TLB that
 *  return nothing do nothing when it is NULL. */
VMOPT_EXTERN int vmopt_tlb_poll(vmopt_tlb *tlb);

typedef struct vmopt_tlb_stats {
    uint64_t hits, misses, victim_hits, fills, faults, flushes, page_flushes, resizes, rehashes;
    uint64_t entries;     /* current table size */
    uint64_t used;        /* entries holding a translation */
    double use_rate;      /* used / entries */
} vmopt_tlb_stats;
VMOPT_EXTERN void vmopt_tlb_get_stats(const vmopt_tlb *tlb, vmopt_tlb_stats *out);
/** The configuration in force, with every AUTO resolved; entries, hash
 *  and victim are the ones in force now (resizing and rehashing change the
 *  first two; an adaptive TLB's victims rest, victim 0, while they do not
 *  pay). */
VMOPT_EXTERN void vmopt_tlb_get_config(const vmopt_tlb *tlb, vmopt_tlb_config *out);

/* ---- object pool ----------------------------------------------------------- */

/* Objects of one size and alignment (frames, nodes, handles), from chunks
 * taken from the OS, through per-thread magazines (Bonwick's): a LIFO
 * array of free objects per thread and per pool, exchanged whole with the
 * pool's depot when it runs empty or full.  Any thread may free any
 * object: it goes into that thread's magazine, as cheap as a local free.
 * See docs/pool.md. */
typedef struct vmopt_pool vmopt_pool;

#define VMOPT_POOL_AUTO (-1)
typedef struct vmopt_pool_config {
    size_t size;        /* sizeof(vmopt_pool_config) */
    size_t object_size; /* bytes, 1 to 1 MiB */
    size_t align;       /* a power of two up to 4096; 0: 16, or less for smaller objects */
    long magazine;      /* objects a thread caches, 0-4096 (0: none); AUTO: the plan's */
    long chunk_size;    /* bytes taken from the OS at a time, a power of two; AUTO: the plan's */
    int debug;          /* 1: catch double frees and foreign pointers (slower); AUTO: on in
                           --enable-debug builds or with VMOPT_POOL_DEBUG=1 */
    const char *name;   /* for messages; NULL: "pool" */
} vmopt_pool_config;
#define VMOPT_POOL_CONFIG_INIT                                                                     \
    {sizeof(vmopt_pool_config), 0, 0, VMOPT_POOL_AUTO, VMOPT_POOL_AUTO, VMOPT_POOL_AUTO, NULL}

/** Creates a pool; -EINVAL naming the bad field, -ENOMEM. */
VMOPT_EXTERN int vmopt_pool_create(vmopt_pool **out, const vmopt_pool_config *cfg);
/** Frees every chunk.  No thread may use the pool, or hold its objects,
 *  from then on. */
VMOPT_EXTERN void vmopt_pool_destroy(vmopt_pool *pool);
/** An object, or NULL with errno ENOMEM (the pool stays usable). */
VMOPT_EXTERN VMOPT_HOT_CALL void *vmopt_pool_alloc(vmopt_pool *pool);
/** Gives an object back; from any thread.  NULL is ignored. */
/* A double free or a pointer from elsewhere is caught only in debug mode
 * (debug = 1, VMOPT_POOL_DEBUG=1): otherwise the object is cached twice
 * and handed out twice, as with malloc's fast paths. */
VMOPT_EXTERN VMOPT_HOT_CALL void vmopt_pool_free(vmopt_pool *pool, void *obj);
/** Returns to the OS the chunks whose objects are all free in the depot
 *  or the calling thread's magazines; the bytes released. */
VMOPT_EXTERN size_t vmopt_pool_trim(vmopt_pool *pool);

typedef struct vmopt_pool_stats {
    uint64_t allocs, frees;   /* every call */
    uint64_t cache_hits;      /* allocs and frees served by a thread's magazine */
    uint64_t refills, drains; /* magazines exchanged with the depot or the chunks */
    uint64_t chunks;          /* chunks held now */
    uint64_t bytes_held;      /* their bytes */
    uint64_t magazine;        /* the magazine size in force (retuning grows it) */
    uint64_t chunk_size;      /* the next chunk's size (retuning grows it) */
} vmopt_pool_stats;
/** Counters summed over the threads; others' may lag by their last ops. */
VMOPT_EXTERN void vmopt_pool_get_stats(vmopt_pool *pool, vmopt_pool_stats *out);

/* The inline fast path: a thread asks once for its magazine of a pool and
 * then allocates and frees through it with no call.  The handle is this
 * thread's only, and lives until the thread exits or the pool is
 * destroyed. */
typedef struct vmopt_pool_cache {
    void **slot;    /* the loaded magazine: slot[0..n) are free objects */
    uint64_t state; /* n in the low 16 bits; above them the allocs and frees served
                       here since the magazine was loaded (one add counts an op) */
    unsigned cap;   /* 0 sends every call to the slow path (debug, ASan) */
} vmopt_pool_cache;
#define VMOPT__POOL_N_MASK 0xffffu
#define VMOPT__POOL_OP (UINT64_C(1) << 16)
/** This thread's magazine of pool (made on first use); NULL on ENOMEM. */
VMOPT_EXTERN vmopt_pool_cache *vmopt_pool_thread_cache(vmopt_pool *pool);
VMOPT_EXTERN void *vmopt__pool_refill(vmopt_pool_cache *c);
VMOPT_EXTERN void vmopt__pool_drain(vmopt_pool_cache *c, void *obj);

/** vmopt_pool_alloc through this thread's magazine, inline. */
static inline void *vmopt_pool_cache_alloc(vmopt_pool_cache *c)
{
    uint64_t s = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
    unsigned n = (unsigned)s & VMOPT__POOL_N_MASK;
    if (__builtin_expect(n != 0, 1)) {
        __atomic_store_n(&c->state, s + VMOPT__POOL_OP - 1, __ATOMIC_RELAXED);
        return c->slot[n - 1];
    }
    return vmopt__pool_refill(c);
}

/** vmopt_pool_free through this thread's magazine, inline.  NULL is ignored. */
static inline void vmopt_pool_cache_free(vmopt_pool_cache *c, void *obj)
{
    uint64_t s = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
    unsigned n = (unsigned)s & VMOPT__POOL_N_MASK;
    if (__builtin_expect(n < c->cap && obj != NULL, 1)) {
        c->slot[n] = obj;
        __atomic_store_n(&c->state, s + VMOPT__POOL_OP + 1, __ATOMIC_RELAXED);
        return;
    }
    vmopt__pool_drain(c, obj);
}

#ifdef __cplusplus
}
#endif
#endif /* VMOPT_H */
