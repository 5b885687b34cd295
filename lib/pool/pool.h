/* The object pool's private state.  Its per-thread head
 * (vmopt_pool_cache, in vmopt.h) is what the inline paths read. */
#ifndef VMOPT_POOL_H
#define VMOPT_POOL_H

#include <pthread.h>
#include <stdint.h>

#include "vmopt.h"

#define VMOPT__POOL_MAX_MAGAZINE 4096

/* A magazine: an array of free objects, full or empty, as it moves
 * between a thread and the depot. */
typedef struct vmopt__magazine {
    struct vmopt__magazine *next;
    unsigned n, capacity;
    void *slot[];
} vmopt__magazine;

typedef struct vmopt__chunk {
    struct vmopt__chunk *next;
    char *base;        /* objects from here */
    size_t bytes;      /* mapped */
    size_t objects;    /* carved so far */
    size_t capacity;   /* objects it holds */
    uint8_t *in_use;   /* debug: a bit per object */
} vmopt__chunk;

struct vmopt_pool;

/* A thread's magazines of one pool: the public head, then the previous
 * magazine (Bonwick's two, so that alternating allocs and frees at a
 * boundary do not go to the depot each time). */
typedef struct vmopt__pool_tcache {
    vmopt_pool_cache head;
    uint64_t pool_id; /* beside head, read by every call */
    vmopt__magazine *loaded, *previous;
    struct vmopt_pool *pool;
    struct vmopt__pool_tcache *next_in_pool; /* the pool's list, under its lock */
    uint64_t slow_ops, window_start_ns;      /* for retuning the magazine size */
    /* This thread writes these in its slow path, inside seq's odd phase;
     * stats read them with head.state and retry while seq is odd or moved. */
    unsigned seq;
    unsigned base_n;                          /* n when the ops in head.state began */
    uint64_t fast_allocs, fast_frees;         /* folded from head.state */
    uint64_t refills, drains, slow_allocs, slow_frees;
} vmopt__pool_tcache;

struct vmopt_pool {
    /* Read by every call: a line that the lock's traffic does not touch. */
    uint64_t id;   /* never reused: caches compare it; its low bits are the slot */
    unsigned slot; /* this pool's index in every thread's cache table */
    _Alignas(64) pthread_mutex_t lock; /* the depot, chunks, caches list */
    char name[32];
    size_t object_size, stride;
    size_t chunk_bytes;   /* the next chunk's size */
    size_t chunk_min;     /* the configured one */
    unsigned magazine;    /* the size in force */
    int debug;
    vmopt__magazine *full, *empty; /* the depot */
    vmopt__chunk *chunks, *current;
    uint64_t n_chunks, bytes_held, last_chunk_ns;
    void *loose;          /* free objects linked through their first word (no magazine to spare) */
    vmopt__pool_tcache *caches;
    vmopt__pool_tcache shared; /* cap 0: for a pool with no thread slot left */
    uint64_t gone[6];     /* exited threads' allocs, frees, hits, refills, drains, slow allocs */
    uint64_t locked_allocs, locked_frees;
    struct vmopt_pool *all_prev, *all_next; /* every live pool, slot or not (the registry's lock) */
};

/* Creates a pool from a configuration with no AUTO left; -EINVAL names
 * the field that is wrong. */
int vmopt__pool_create(vmopt_pool **out, const vmopt_pool_config *cfg);

/* The sums over every pool with thread caches, for the retuner: allocs +
 * frees, refills, drains. */
void vmopt__pool_sum(uint64_t *ops, uint64_t *refills, uint64_t *drains);

/* Each live pool's name, object size and counters (vmopt_pool_get_stats),
 * for the live statistics.  How many were written (at most max). */
unsigned vmopt__pool_each_stats(char (*name)[32], uint64_t *object_size, vmopt_pool_stats *out, unsigned max);

/* Tests: make the next n OS allocations of any pool fail (0: none). */
extern int vmopt__pool_fail_next;

#endif
