/* libvmopt-record.so: an LD_PRELOAD recorder of memcpy, memmove, mempcpy,
 * memset and their __*_chk forms.  Each call's op, size, alignments and
 * (for overlapping moves) distance go to VMOPT_RECORD.<pid>, then the call
 * goes on to the C library's function.  bench/bench-replay.c replays the
 * streams.  A benchmark tool, never installed.
 *
 * The file is a shared mapping, so the records survive a process that ends
 * with a raw exit_group (qemu-user does) and need no flush; each thread
 * takes its slot with one atomic add.  A forked child stops recording (it
 * would write into its parent's file); one that execs records anew.
 * VMOPT_RECORD_MAX bounds the records a process keeps (default 2 Mi). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/stream.h"

#define EXPORT __attribute__((visibility("default")))

typedef void *(*move_fn)(void *, const void *, size_t);
typedef void *(*set_fn)(void *, int, size_t);

static move_fn real_memcpy, real_memmove, real_mempcpy;
static set_fn real_memset;
static stream_header *hdr;
static stream_record *recs;

/* Until the constructor found the C library's functions (the loader calls
 * memcpy before it), a byte loop does the work. */
static void *byte_move(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((uintptr_t)d - (uintptr_t)s >= n)
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    else
        for (size_t i = n; i-- > 0;)
            d[i] = s[i];
    return dst;
}

static void record(unsigned op, const void *dst, const void *src, size_t n, int c)
{
    stream_header *h = hdr;
    if (!h)
        return;
    uint64_t i = atomic_fetch_add_explicit((_Atomic uint64_t *)&h->count, 1, memory_order_relaxed);
    if (i >= h->capacity)
        return;
    intptr_t delta = (intptr_t)dst - (intptr_t)src;
    stream_record r = {
        .n = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n,
        .delta = delta > INT32_MAX ? INT32_MAX : delta < INT32_MIN ? INT32_MIN : (int32_t)delta,
        .op = (uint8_t)op,
        .dalign = (uint8_t)((uintptr_t)dst & 63),
        .salign = (uint8_t)((uintptr_t)src & 63),
        .byte = (uint8_t)c,
    };
    recs[i] = r;
}

EXPORT void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
    record(OP_MEMCPY, d, s, n, 0);
    return (real_memcpy ? real_memcpy : byte_move)(d, s, n);
}

EXPORT void *memmove(void *d, const void *s, size_t n)
{
    record(OP_MEMMOVE, d, s, n, 0);
    return (real_memmove ? real_memmove : byte_move)(d, s, n);
}

EXPORT void *mempcpy(void *restrict d, const void *restrict s, size_t n)
{
    record(OP_MEMPCPY, d, s, n, 0);
    if (real_mempcpy)
        return real_mempcpy(d, s, n);
    return (unsigned char *)byte_move(d, s, n) + n;
}

EXPORT void *__mempcpy(void *restrict d, const void *restrict s, size_t n)
{
    return mempcpy(d, s, n);
}

EXPORT void *memset(void *d, int c, size_t n)
{
    record(OP_MEMSET, d, NULL, n, c);
    if (real_memset)
        return real_memset(d, c, n);
    for (size_t i = 0; i < n; i++)
        ((unsigned char *)d)[i] = (unsigned char)c;
    return d;
}

extern void __chk_fail(void) __attribute__((noreturn));

EXPORT void *__memcpy_chk(void *restrict d, const void *restrict s, size_t n, size_t len)
{
    if (len < n)
        __chk_fail();
    return memcpy(d, s, n);
}

EXPORT void *__memmove_chk(void *d, const void *s, size_t n, size_t len)
{
    if (len < n)
        __chk_fail();
    return memmove(d, s, n);
}

EXPORT void *__mempcpy_chk(void *restrict d, const void *restrict s, size_t n, size_t len)
{
    if (len < n)
        __chk_fail();
    return mempcpy(d, s, n);
}

EXPORT void *__memset_chk(void *d, int c, size_t n, size_t len)
{
    if (len < n)
        __chk_fail();
    return memset(d, c, n);
}

static void stop_in_child(void)
{
    hdr = NULL;
}

__attribute__((constructor)) static void start(void)
{
    int saved = errno;
    real_memcpy = (move_fn)dlsym(RTLD_NEXT, "memcpy");
    real_memmove = (move_fn)dlsym(RTLD_NEXT, "memmove");
    real_mempcpy = (move_fn)dlsym(RTLD_NEXT, "mempcpy");
    real_memset = (set_fn)dlsym(RTLD_NEXT, "memset");
    const char *prefix = getenv("VMOPT_RECORD");
    const char *max = getenv("VMOPT_RECORD_MAX");
    uint64_t cap = max ? strtoull(max, NULL, 0) : (uint64_t)2 << 20;
    if (prefix && *prefix && cap) {
        /* A process that execs keeps its pid: each image gets a file. */
        char path[4096];
        int fd = -1;
        for (int k = 0; k < 100 && fd < 0; k++) {
            snprintf(path, sizeof path, k ? "%s.%ld.%d" : "%s.%ld", prefix, (long)getpid(), k);
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0 && errno != EEXIST)
                break;
        }
        size_t len = sizeof(stream_header) + cap * sizeof(stream_record);
        void *p = MAP_FAILED;
        if (fd >= 0 && ftruncate(fd, (off_t)len) == 0)
            p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (fd >= 0)
            close(fd);
        if (p != MAP_FAILED) {
            stream_header *h = p;
            memcpy(h->magic, STREAM_MAGIC, 8);
            h->version = STREAM_VERSION;
            h->record_size = sizeof(stream_record);
            h->capacity = cap;
            recs = (stream_record *)(h + 1);
            pthread_atfork(NULL, NULL, stop_in_child);
            hdr = h;
        } else {
            fprintf(stderr, "vmopt-record: %s: %s\n", path, strerror(errno));
        }
    }
    errno = saved;
}
