/* A recorded call stream: what bench/record.c writes and bench/bench-replay.c
 * reads.  A 32-byte header, then one 12-byte record per call, in call
 * order across the process's threads.  Little-endian, as both ends run on
 * the machine that wrote it. */
#ifndef VMOPT_BENCH_STREAM_H
#define VMOPT_BENCH_STREAM_H

#include <stdint.h>

#define STREAM_MAGIC "VMOPTREC"
#define STREAM_VERSION 1

enum { OP_MEMCPY, OP_MEMMOVE, OP_MEMPCPY, OP_MEMSET, OP_COUNT };

typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t record_size;     /* sizeof(stream_record) */
    uint64_t count;           /* records written (may exceed capacity: those were dropped) */
    uint64_t capacity;        /* records the file has room for */
} stream_header;

typedef struct {
    uint32_t n;      /* bytes; saturated at UINT32_MAX */
    int32_t delta;   /* dst - src, saturated: meaningful where |delta| < n (an overlapping move) */
    uint8_t op;      /* OP_* (the __*_chk forms as their plain ones) */
    uint8_t dalign;  /* dst % 64 */
    uint8_t salign;  /* src % 64; 0 for memset */
    uint8_t byte;    /* memset's value */
} stream_record;

_Static_assert(sizeof(stream_header) == 32, "header layout");
_Static_assert(sizeof(stream_record) == 12, "record layout");

#endif
