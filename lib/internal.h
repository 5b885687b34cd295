/* Internal helpers shared by every layer: error messages, logging, small
 * utilities.  Names here are vmopt__ (internal across files). */
#ifndef VMOPT_INTERNAL_H
#define VMOPT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>

#include "vmopt.h"

#define VMOPT__ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VMOPT__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define VMOPT__COLD __attribute__((cold, noinline))

/* Sets this thread's message (vmopt_errmsg()) and returns err, so that a
 * failure reads: return vmopt__fail(-EINVAL, "%s: ...", name); */
VMOPT__COLD int vmopt__fail(int err, const char *fmt, ...) VMOPT__PRINTF(2, 3);
void vmopt__clear_error(void);

typedef enum { VMOPT__LOG_ERROR, VMOPT__LOG_WARN, VMOPT__LOG_INFO, VMOPT__LOG_DEBUG } vmopt__log_level;
void vmopt__log(vmopt__log_level level, const char *fmt, ...) VMOPT__PRINTF(2, 3);

/* Sizes as people write them: 4096, 64K, 64KiB, 2 MiB, 1G.  Returns 0 or
 * -EINVAL / -ERANGE; *end_msg says what is wrong. */
int vmopt__parse_size(const char *s, uint64_t *out, const char **why);
int vmopt__parse_uint(const char *s, uint64_t *out, const char **why);
/* "24 MiB", "48 KiB", "4096 B": exact when the size is a whole number of the unit. */
void vmopt__format_size(uint64_t v, char *buf, size_t len);
/* Copies src into a buffer of len bytes, always terminated. */
void vmopt__strlcpy(char *dst, const char *src, size_t len);
/* "origin:line" into a buffer of len bytes, truncated as snprintf would be:
 * a profile's every key records where it was set, and snprintf costs a
 * start-up 20 times what this does. */
void vmopt__format_where(char *dst, size_t len, const char *origin, int line);

#ifdef __aarch64__
/* MIDR_EL1 (implementer, variant, part, revision) where the kernel emulates
 * the read for user space (HWCAP_CPUID), else 0. */
uint64_t vmopt__arm64_midr(void);
#endif

/* s as a JSON string, quotes included: '"' and '\\' escaped, every other
 * control character (and DEL) as \u00XX, so that no text from a file or
 * another process can break the document or drive a terminal.  NULL is "". */
void vmopt__json_string(FILE *f, const char *s);

/* The running program's full path (/proc/self/exe), or "" if unknown;
 * errno is kept. */
void vmopt__self_exe(char *buf, size_t len);

/* CLOCK_MONOTONIC in ns; the coarse one (a few ms of resolution, no
 * system call) for windows measured in tens of ms on slow paths. */
uint64_t vmopt__now_ns(void);
uint64_t vmopt__coarse_ns(void);

/* A background thread of the library's (the retuner, the statistics):
 * *wake made a condition variable on CLOCK_MONOTONIC for its timed waits,
 * then the thread started with every signal blocked (it inherits the
 * mask, so a process's signals go to its own threads: one that blocks
 * SIGTERM to read it from a signalfd must not have it delivered here).
 * 0, or the error pthread_create returned. */
int vmopt__thread_start(pthread_t *thread, void *(*fn)(void *), pthread_cond_t *wake);
/* Its end: *stopping set and wake signalled, then the thread joined with
 * lock let go meanwhile.  lock is held on entry and on return. */
void vmopt__thread_stop(pthread_mutex_t *lock, pthread_cond_t *wake, pthread_t thread, int *stopping);

#endif
