/* The retuning loop: samples the process, asks vmopt__retune_decide, and
 * has the runtime switch the plan when it says so.  One sample per period
 * (the plan's retune.period_ms, or $VMOPT_RETUNE's): the copy sizes are
 * counted during a window at its end, 1% of the period (1 ms at least),
 * through a sampling dispatch table, so that outside the window the copy
 * path is exactly the untuned one; pools and TLBs are read as they
 * published their counts.  The same step runs in the background thread
 * (vmopt_retune_start) and at a VM's safe points (vmopt_retune); each
 * change goes to the log and to a bounded history. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dispatch/dispatch.h"
#include "lib/file.h"
#include "lib/internal.h"
#include "lib/options.h"
#include "lib/plan.h"
#include "tuner/retune-decide.h"
#include "runtime/runtime.h"
#include "tuner/saved.h"

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int running, stopping, inited, sampling, ever;
    vmopt__retune_state st;
    vmopt__retune_params params;
    uint64_t period_ns, window_ns, window_start_ns, last_sample_ns;
    uint64_t h0_calls[VMOPT__SIZE_CLASSES], h0_bytes[VMOPT__SIZE_CLASSES];
    vmopt__sample prev; /* the collector's cumulative counts at the last sample */
    vmopt_retune_event history[VMOPT__RETUNE_HISTORY];
    unsigned n_history; /* ever recorded; the last VMOPT__RETUNE_HISTORY are kept */
} R = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void collect(vmopt__sample *c)
{
    memset(c, 0, sizeof *c);
    if (vmopt__collector)
        vmopt__collector(c);
}

/* Takes the [retune] settings and the workload of the plan in force. */
static void init(uint64_t now)
{
    uint64_t period_ms, dwell_ms, hysteresis;
    int workload;
    vmopt__rt_retune_settings(&workload, &period_ms, &dwell_ms, &hysteresis);
    long env = vmopt__option_long(VMOPT__O_RETUNE);
    if (env > 1)
        period_ms = (uint64_t)env;
    R.period_ns = period_ms * 1000000ull;
    R.window_ns = R.period_ns / 100 > 1000000 ? R.period_ns / 100 : 1000000;
    if (R.window_ns > R.period_ns / 2)
        R.window_ns = R.period_ns / 2;
    R.params = (vmopt__retune_params){dwell_ms * 1000000ull, (unsigned)hysteresis};
    R.st = (vmopt__retune_state){workload, -1, 0, 0};
    R.last_sample_ns = now;
    collect(&R.prev);
    R.inited = 1;
}

/* The machine's log of changes, for `vmopt dump` in another process: one
 * line per change, appended (a line is one write, whole under O_APPEND);
 * past LOG_MAX bytes the file restarts from its newer half. */
#define LOG_NAME "retune.log"
#define LOG_MAX (32 * 1024)

/* Rewrites the log from its newer half (fd open read-write on it): that
 * half goes to a file of this process's own, created exclusively, which
 * replaces the log.  The new log's descriptor, or fd where it could not. */
static int rotate(int fd, off_t size, const char *path)
{
    char *keep = malloc(LOG_MAX / 2);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    ssize_t got = keep ? pread(fd, keep, LOG_MAX / 2, size - LOG_MAX / 2) : -1;
    int out = got > 0 ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
    if (out >= 0) {
        char *first = memchr(keep, '\n', (size_t)got); /* from a whole line */
        size_t from = first ? (size_t)(first - keep) + 1 : 0, len = (size_t)got - from;
        int ok = write(out, keep + from, len) == (ssize_t)len;
        ok &= close(out) == 0;
        if (ok && rename(tmp, path) == 0) {
            int fresh = vmopt__file_open_write(path, O_APPEND | O_RDWR, VMOPT__FILE_OWNED, "retune log");
            if (fresh >= 0) {
                close(fd);
                fd = fresh;
            }
        } else {
            unlink(tmp);
        }
    }
    free(keep);
    return fd;
}

static void log_change(const char *reason)
{
    char path[4096], line[512], exe[256] = "?";
    if (vmopt__cache_file(LOG_NAME, path, sizeof path) < 0 || vmopt__make_parents(path) < 0)
        return;
    /* A cache another user can write, or a log that is not a regular file
     * of ours (a symlink planted to a file of root's, a FIFO), is refused. */
    int fd = vmopt__file_dir_trusted(path, "retune log");
    if (fd == 0) /* the directory is ours: now the file */
        fd = vmopt__file_open_write(path, O_APPEND | O_RDWR, VMOPT__FILE_OWNED, "retune log");
    if (fd < 0) {
        static int warned;
        if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
            vmopt__log(VMOPT__LOG_WARN, "%s; changes are not logged", vmopt_errmsg());
        return;
    }
    vmopt__self_exe(exe, sizeof exe);
    const char *base = strrchr(exe, '/');
    time_t t = time(NULL);
    struct tm tm;
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    int len = snprintf(line, sizeof line, "%s %s[%ld]: %s\n", when, base ? base + 1 : exe, (long)getpid(), reason);
    off_t size = lseek(fd, 0, SEEK_END);
    if (size > LOG_MAX)
        fd = rotate(fd, size, path);
    if (len > 0 && write(fd, line, (size_t)len) != len)
        vmopt__log(VMOPT__LOG_DEBUG, "retune: could not write %s", path);
    close(fd);
}

/* One line of the log as text that cannot drive a terminal: the log sits
 * in a cache directory, and a line of it is another process's words. */
static void put_escaped(FILE *f, const char *line)
{
    for (const unsigned char *c = (const unsigned char *)line; *c; c++) {
        if (*c == '\n' && c[1] == 0)
            fputc('\n', f);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\x%02x", *c);
        else
            fputc(*c, f);
    }
}

VMOPT_EXTERN int vmopt_retune_log(FILE *f, unsigned last, char *path_out, size_t path_len)
{
    char path[4096];
    if (vmopt__cache_file(LOG_NAME, path, sizeof path) < 0)
        return 0;
    if (path_out)
        vmopt__strlcpy(path_out, path, path_len);
    if (last == 0)
        return 0;
    char *text;
    size_t size;
    /* The log is kept near LOG_MAX; a bigger one is not ours to print. */
    if (vmopt__file_dir_trusted(path, "retune log") < 0 ||
        vmopt__file_read(path, VMOPT__FILE_OWNED, 4 * LOG_MAX, "retune log", &text, &size) < 0)
        return 0;
    unsigned keep = last < 64 ? last : 64, total = 0;
    for (char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        total++;
    unsigned skip = total > keep ? total - keep : 0, shown = 0, i = 0;
    for (char *p = text; *p; i++) {
        char *nl = strchr(p, '\n');
        char *next = nl ? nl + 1 : p + strlen(p);
        if (i >= skip) {
            char save = *next;
            *next = 0;
            put_escaped(f, p);
            if (!nl)
                fputc('\n', f);
            *next = save;
            shown++;
        }
        p = next;
    }
    free(text);
    return (int)shown;
}

static void record(uint64_t now, int from, int to, const char *reason)
{
    vmopt_retune_event *e = &R.history[R.n_history++ % VMOPT__RETUNE_HISTORY];
    e->t = (double)(now - vmopt__rt_start_ns()) / 1e9;
    vmopt__strlcpy(e->from, vmopt__workload_names[from], sizeof e->from);
    vmopt__strlcpy(e->to, vmopt__workload_names[to], sizeof e->to);
    vmopt__strlcpy(e->reason, reason, sizeof e->reason);
}

/* VMOPT_RETUNE_RECORD: the sample as a line vmopt__sample_parse reads
 * back, then what was made of it after a '#' (which the parser stops at):
 * the time since the first plan, each workload's score, the workload in
 * force after the decision and, when it changed, the change.  tools/plots
 * draws the timeline from it. */
static void record_sample(uint64_t now, const vmopt__sample *s, int from, int to)
{
    const char *record_to = vmopt__option_string(VMOPT__O_RETUNE_RECORD);
    if (!record_to)
        return;
    char line[1024];
    double score[5];
    vmopt__sample_format(s, line, sizeof line);
    vmopt__retune_scores(s, score);
    size_t n = strlen(line);
    n += (size_t)snprintf(line + n, sizeof line - n, " # t=%.3f", (double)(now - vmopt__rt_start_ns()) / 1e9);
    for (int w = 0; w < 5 && n < sizeof line; w++)
        n += (size_t)snprintf(line + n, sizeof line - n, " %s=%.3f", vmopt__workload_names[w], score[w]);
    if (n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, " in_force=%s", vmopt__workload_names[to]);
    if (to != from && n < sizeof line)
        snprintf(line + n, sizeof line - n, " change=%s->%s", vmopt__workload_names[from], vmopt__workload_names[to]);
    int fd = vmopt__file_open_write(record_to, O_APPEND, 0, "VMOPT_RETUNE_RECORD");
    FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    if (f) {
        fprintf(f, "%s\n", line);
        fclose(f);
    }
}

/* One step, R.lock held: start or end a sampling window, decide at its
 * end.  *wait: when the next step is due.  1 when the plan changed. */
static int step(uint64_t now, uint64_t *wait)
{
    R.ever = 1;
    if (!R.inited)
        init(now);
    if (!R.sampling) {
        uint64_t due = R.last_sample_ns + R.period_ns - R.window_ns;
        if (now < due) {
            *wait = due - now;
            return 0;
        }
        vmopt__mem_histogram(R.h0_calls, R.h0_bytes, VMOPT__SIZE_CLASSES);
        vmopt__mem_sampling(1);
        R.sampling = 1;
        R.window_start_ns = now;
        *wait = R.window_ns;
        return 0;
    }
    if (now < R.window_start_ns + R.window_ns) {
        *wait = R.window_start_ns + R.window_ns - now;
        return 0;
    }
    vmopt__mem_sampling(0);
    R.sampling = 0;
    vmopt__sample s, cum;
    collect(&cum);
    memset(&s, 0, sizeof s);
    vmopt__mem_histogram(s.copy_calls, s.copy_bytes, VMOPT__SIZE_CLASSES);
    for (int c = 0; c < VMOPT__SIZE_CLASSES; c++) {
        s.copy_calls[c] -= R.h0_calls[c];
        s.copy_bytes[c] -= R.h0_bytes[c];
    }
    s.window_ns = now - R.last_sample_ns;
    s.sample_ns = now - R.window_start_ns;
    s.pool_ops = cum.pool_ops - R.prev.pool_ops;
    s.pool_refills = cum.pool_refills - R.prev.pool_refills;
    s.pool_drains = cum.pool_drains - R.prev.pool_drains;
    /* A TLB destroyed since takes its counts with it: never below 0. */
    s.tlb_lookups = cum.tlb_lookups > R.prev.tlb_lookups ? cum.tlb_lookups - R.prev.tlb_lookups : 0;
    s.tlb_misses = cum.tlb_misses > R.prev.tlb_misses ? cum.tlb_misses - R.prev.tlb_misses : 0;
    s.tlb_used = cum.tlb_used;
    s.tlb_entries = cum.tlb_entries;
    s.has_counters = cum.has_counters && R.prev.has_counters;
    if (s.has_counters) {
        s.cycles = cum.cycles - R.prev.cycles;
        s.dtlb_misses = cum.dtlb_misses - R.prev.dtlb_misses;
        s.llc_misses = cum.llc_misses - R.prev.llc_misses;
    }
    R.prev = cum;
    R.last_sample_ns = now;
    *wait = R.period_ns - R.window_ns;

    vmopt__retune_state next;
    char reason[256];
    int from = R.st.workload;
    int changed = vmopt__retune_decide(&R.st, &R.params, &s, &next, reason, sizeof reason);
    if (changed && vmopt__rt_retarget(next.workload) < 0) {
        vmopt__log(VMOPT__LOG_WARN, "retune: %s; staying on %s", vmopt_errmsg(), vmopt__workload_names[from]);
        next = R.st;
        next.candidate = -1;
        next.streak = 0;
        changed = 0;
    }
    R.st = next;
    record_sample(now, &s, from, changed ? next.workload : from);
    if (!changed)
        return 0;
    record(now, from, next.workload, reason);
    log_change(reason);
    vmopt__log(VMOPT__LOG_INFO, "retune: %s", reason);
    return 1;
}

static void *loop(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&R.lock);
    while (!R.stopping) {
        uint64_t wait;
        step(vmopt__now_ns(), &wait);
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        uint64_t ns = (uint64_t)deadline.tv_nsec + wait;
        deadline.tv_sec += (time_t)(ns / 1000000000ull);
        deadline.tv_nsec = (long)(ns % 1000000000ull);
        pthread_cond_timedwait(&R.wake, &R.lock, &deadline);
    }
    if (R.sampling) {
        vmopt__mem_sampling(0);
        R.sampling = 0;
    }
    pthread_mutex_unlock(&R.lock);
    return NULL;
}

static void child_after_fork(void)
{
    /* The thread and the history are the parent's: the child starts with
     * no retuner state and retunes only if it asks.  (The dispatch table
     * leaves sampling on its own, dispatch/table.c.) */
    pthread_mutex_init(&R.lock, NULL);
    R.running = R.stopping = R.inited = R.sampling = R.ever = 0;
    R.n_history = 0;
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void register_fork(void)
{
    pthread_atfork(NULL, NULL, child_after_fork);
}

VMOPT_EXTERN int vmopt_retune_start(void)
{
    pthread_once(&fork_once, register_fork);
    pthread_mutex_lock(&R.lock);
    if (R.running) {
        pthread_mutex_unlock(&R.lock);
        return 0;
    }
    R.stopping = 0;
    int rc = vmopt__thread_start(&R.thread, loop, &R.wake);
    if (rc == 0)
        R.running = 1;
    pthread_mutex_unlock(&R.lock);
    return rc ? vmopt__fail(-rc, "vmopt_retune_start: cannot create the thread: %s", strerror(rc)) : 0;
}

VMOPT_EXTERN void vmopt_retune_stop(void)
{
    pthread_mutex_lock(&R.lock);
    if (!R.running) {
        pthread_mutex_unlock(&R.lock);
        return;
    }
    vmopt__thread_stop(&R.lock, &R.wake, R.thread, &R.stopping);
    R.running = R.stopping = 0;
    pthread_mutex_unlock(&R.lock);
}

VMOPT_EXTERN int vmopt_retune(void)
{
    pthread_once(&fork_once, register_fork);
    uint64_t wait;
    pthread_mutex_lock(&R.lock);
    int changed = step(vmopt__now_ns(), &wait);
    pthread_mutex_unlock(&R.lock);
    return changed;
}

VMOPT_EXTERN unsigned vmopt_retune_history(vmopt_retune_event *out, unsigned max)
{
    pthread_mutex_lock(&R.lock);
    unsigned kept = R.n_history < VMOPT__RETUNE_HISTORY ? R.n_history : VMOPT__RETUNE_HISTORY, n = 0;
    for (unsigned i = R.n_history - kept; i < R.n_history && n < max; i++)
        out[n++] = R.history[i % VMOPT__RETUNE_HISTORY];
    pthread_mutex_unlock(&R.lock);
    return n;
}

void vmopt__retune_reset(void)
{
    pthread_mutex_lock(&R.lock);
    R.inited = 0; /* the next step takes the new plan's settings and workload */
    pthread_mutex_unlock(&R.lock);
}

uint64_t vmopt__retune_changes(void)
{
    pthread_mutex_lock(&R.lock);
    uint64_t n = R.n_history;
    pthread_mutex_unlock(&R.lock);
    return n;
}

int vmopt__retune_ever_started(void)
{
    pthread_mutex_lock(&R.lock);
    int e = R.ever;
    pthread_mutex_unlock(&R.lock);
    return e;
}

int vmopt__retune_running(void)
{
    pthread_mutex_lock(&R.lock);
    int r = R.running;
    pthread_mutex_unlock(&R.lock);
    return r;
}
