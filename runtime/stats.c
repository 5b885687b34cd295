/* The live statistics: what `vmopt stat PID` shows of a running process.
 *
 * With VMOPT_STATS=1 (or vmopt_stats_start) a process publishes a page of
 * its own, <dir>/<pid>.stats, where <dir> is $XDG_RUNTIME_DIR/vmopt, else
 * /tmp/vmopt-<uid>: a directory of the user's, mode 0700, and the page
 * 0600.  A thread of the process's (every signal blocked) rewrites the page
 * four times a second from what is counted anyway or counted per thread:
 *   - copies and sets by size class, from the counting dispatch table
 *     (dispatch/table.c: each thread adds to counters of its own; no
 *     shared atomic on the copy path);
 *   - the plan in force and the kernel serving each size;
 *   - each TLB's counts as its owner last published them at a safe point,
 *     and each pool's (libvmopt only: the preload has neither);
 *   - the retuner's changes.
 * The page is a fixed layout under a sequence number (a seqlock): the
 * writer makes it odd, writes, makes it even; a reader copies the page and
 * keeps the copy only if the number was even and unchanged across it.  So
 * a reader never blocks the process, and a process never waits for one.
 * The page records the process's PID and start time (/proc/PID/stat);
 * a page whose process is gone, or whose PID now names another process, is
 * stale: vmopt_stats_list removes it.  The process removes its page at
 * exit; a child it forks publishes none (it has no thread) and leaves its
 * parent's alone.  docs/security.md says what a reader trusts. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dispatch/dispatch.h"
#include "lib/file.h"
#include "lib/internal.h"
#include "lib/options.h"
#include "lib/plan.h"
#include "runtime/runtime.h"
#include "runtime/stats.h"

#define PAGE_MAGIC UINT64_C(0x3153544154534d56) /* "VMSTATS1", little-endian */
#define PAGE_VERSION 1
#define UPDATE_MS 250
#define EVENTS 8

/* The page.  Every field but seq is written only between the two stores
 * of seq; strings are NUL-terminated by the writer, and again by the
 * reader, which trusts nothing it did not check. */
typedef struct {
    uint64_t magic;
    uint32_t version, size; /* PAGE_VERSION, sizeof(page) */
    _Atomic uint64_t seq;   /* odd while the writer writes */
    int64_t pid;
    uint64_t start_ticks;      /* /proc/PID/stat's starttime */
    uint64_t uid;
    uint64_t started_ns;       /* CLOCK_REALTIME: when publishing began */
    uint64_t updated_ns;       /* CLOCK_REALTIME: the last update */
    uint64_t updates;
    char exe[64];
    char profile[64];
    char workload[16];
    char origin[256];
    uint64_t counted_above; /* calls of this many bytes or fewer are inline, uncounted */
    uint32_t n_ranges[2];
    uint64_t range_lo[2][4];
    char range_kernel[2][4][48];
    uint64_t calls[2][VMOPT__SIZE_CLASSES], bytes[2][VMOPT__SIZE_CLASSES];
    uint32_t retune_running, n_events;
    uint64_t retune_changes;
    vmopt_retune_event event[EVENTS];
    vmopt__stats_parts parts;
} page;

struct vmopt_stats {
    page p;
    int stale;        /* the process is gone, or its PID names another */
    double age_s;     /* since the last update */
    uint64_t read_ns; /* CLOCK_MONOTONIC, when read */
};

/* ---- where pages live ----------------------------------------------------- */

/* A directory is the user's when it is one (not a link to one), owned by
 * the effective user, and open to no one else (mode & 077 == 0; for the
 * base, $XDG_RUNTIME_DIR, writable by no one else). */
static int check_dir(const char *path, mode_t others, const char *what)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? -ENOENT : vmopt__fail(-errno, "%s %s: %s", what, path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return vmopt__fail(-ENOTDIR, "%s %s is not a directory (a link is not followed)", what, path);
    if (st.st_uid != geteuid())
        return vmopt__fail(-EPERM, "%s %s is owned by uid %u, not by you (uid %u)", what, path,
                           (unsigned)st.st_uid, (unsigned)geteuid());
    if (st.st_mode & others)
        return vmopt__fail(-EPERM, "%s %s has mode %04o: open to others", what, path,
                           (unsigned)(st.st_mode & 07777));
    return 0;
}

/* The pages' directory into buf; made (0700) when create. */
static int stats_dir(char *buf, size_t len, int create)
{
    const char *xdg = secure_getenv("XDG_RUNTIME_DIR");
    int rc;
    if (xdg && *xdg) {
        if (xdg[0] != '/')
            return vmopt__fail(-EINVAL, "XDG_RUNTIME_DIR=%s: not an absolute path", xdg);
        if ((rc = check_dir(xdg, 022, "XDG_RUNTIME_DIR")) < 0)
            return rc == -ENOENT ? vmopt__fail(-ENOENT, "XDG_RUNTIME_DIR=%s: no such directory", xdg) : rc;
        if ((size_t)snprintf(buf, len, "%s/vmopt", xdg) >= len)
            return vmopt__fail(-ENAMETOOLONG, "XDG_RUNTIME_DIR=%s: too long", xdg);
    } else {
        snprintf(buf, len, "/tmp/vmopt-%u", (unsigned)geteuid());
    }
    if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
        return vmopt__fail(-errno, "live statistics: cannot make %s: %s", buf, strerror(errno));
    rc = check_dir(buf, 077, "the live statistics' directory");
    return rc == -ENOENT ? vmopt__fail(-ENOENT, "%s does not exist: no process of yours publishes statistics "
                                                "(VMOPT_STATS=1) with this XDG_RUNTIME_DIR",
                                       buf)
                         : rc;
}

/* starttime, the 22nd field of the stat file of the process's main
 * thread: after the name in parentheses (which may hold anything), the
 * 20th.  0 when the process is gone.  /proc/PID/task/PID/stat holds the
 * same as /proc/PID/stat, and qemu-user, which answers a guest's reads of
 * its own /proc/PID/stat with figures of its own (its start time among
 * them), passes this one through to the kernel. */
static uint64_t start_ticks(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", pid, pid);
    if (vmopt__sysfs_read(path, buf, sizeof buf) < 0)
        return 0;
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

static uint64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the writer ----------------------------------------------------------- */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int running, stopping;
    pid_t owner; /* the process that made the page: a forked child is not it */
    page *map;
    char path[4200];
    page snap; /* the thread's: built here, then copied onto the page */
    uint64_t events_seen;
} W = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void copy_string(char *dst, const char *src, size_t len)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < len; i++)
        dst[i] = src[i];
    dst[i] = 0;
}

/* The snapshot, into W.snap.  Its copies go through the baseline kernels,
 * never the live table, so that publishing counts nothing of its own. */
static void collect(void)
{
    page *s = &W.snap;
    int workload;
    vmopt__rt_plan_brief(s->profile, sizeof s->profile, s->origin, sizeof s->origin, &workload);
    copy_string(s->workload, workload >= 0 ? vmopt__workload_names[workload] : "none", sizeof s->workload);

    const vmopt__mem_table *t = vmopt__mem_table_origin(atomic_load(&vmopt__mem_live));
    s->counted_above = t->inline_max ? t->inline_max : 16;
    for (int set = 0; set < 2; set++)
        s->n_ranges[set] = (uint32_t)vmopt__mem_table_ranges(t, set, s->range_lo[set], s->range_kernel[set]);
    vmopt__mem_counts(s->calls, s->bytes);

    s->retune_running = (uint32_t)vmopt__retune_running();
    uint64_t changes = vmopt__retune_changes();
    if (changes != W.events_seen) { /* the history only when it changed: it is 2 KiB to copy */
        vmopt_retune_event e[EVENTS];
        s->n_events = vmopt_retune_history(e, EVENTS);
        vmopt__mem_baseline.move(s->event, e, s->n_events * sizeof e[0]);
        W.events_seen = changes;
    }
    s->retune_changes = changes;
    if (vmopt__stats_collect_parts)
        vmopt__stats_collect_parts(&s->parts);
    s->updated_ns = realtime_ns();
    s->updates++;
}

static void write_page(void)
{
    page *m = W.map;
    uint64_t seq = atomic_load_explicit(&m->seq, memory_order_relaxed);
    atomic_store_explicit(&m->seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    /* Everything after seq; the header before it never changes. */
    size_t skip = offsetof(page, pid);
    vmopt__mem_baseline.move((char *)m + skip, (char *)&W.snap + skip, sizeof(page) - skip);
    atomic_store_explicit(&m->seq, seq + 2, memory_order_release);
}

static void *loop(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&W.lock);
    while (!W.stopping) {
        pthread_mutex_unlock(&W.lock);
        collect();
        write_page();
        pthread_mutex_lock(&W.lock);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += UPDATE_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!W.stopping && pthread_cond_timedwait(&W.wake, &W.lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&W.lock);
    return NULL;
}

/* At exit, or on stop: the page goes, if this process made it. */
static void remove_page(void)
{
    int saved = errno;
    if (W.map && W.owner == getpid())
        unlink(W.path);
    errno = saved;
}

/* A page under this name already: the process had another image before
 * an exec, or its PID was someone's before.  Replaced if it is a file of
 * ours (a link or anything else is refused). */
static int open_page(void)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(W.path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
            return fd;
        struct stat st;
        if (errno != EEXIST || attempt || lstat(W.path, &st) < 0)
            break;
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
            return vmopt__fail(-EEXIST, "live statistics: %s exists and is not a file of yours", W.path);
        unlink(W.path);
    }
    return vmopt__fail(-errno, "live statistics: cannot create %s: %s", W.path, strerror(errno));
}

static int publish_start(void)
{
    char dir[4096];
    int rc = stats_dir(dir, sizeof dir, 1);
    if (rc < 0)
        return rc;
    snprintf(W.path, sizeof W.path, "%s/%ld.stats", dir, (long)getpid());
    int fd = open_page();
    if (fd < 0)
        return fd;
    void *map = MAP_FAILED;
    if (ftruncate(fd, sizeof(page)) == 0)
        map = mmap(NULL, sizeof(page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    rc = map == MAP_FAILED ? -errno : 0;
    close(fd);
    if (rc < 0) {
        unlink(W.path);
        return vmopt__fail(rc, "live statistics: cannot map %s: %s", W.path, strerror(-rc));
    }
    page *s = &W.snap;
    vmopt__mem_baseline.set(s, 0, sizeof *s);
    s->pid = getpid();
    s->uid = geteuid();
    s->start_ticks = start_ticks(s->pid);
    s->started_ns = realtime_ns();
    copy_string(s->exe, program_invocation_short_name, sizeof s->exe);
    W.map = map;
    W.owner = getpid();
    W.events_seen = UINT64_MAX;
    page *m = W.map;
    m->magic = PAGE_MAGIC;
    m->version = PAGE_VERSION;
    m->size = sizeof(page);
    collect();
    write_page();
    return 0;
}

VMOPT_EXTERN int vmopt_stats_start(void)
{
    static int at_exit;
    int saved = errno;
    pthread_mutex_lock(&W.lock);
    if (W.running) {
        pthread_mutex_unlock(&W.lock);
        return 0;
    }
    vmopt__mem_counting(1);
    int rc = publish_start();
    if (rc == 0) {
        W.stopping = 0;
        int e = vmopt__thread_start(&W.thread, loop, &W.wake);
        if (e) {
            remove_page();
            munmap(W.map, sizeof(page));
            W.map = NULL;
            rc = vmopt__fail(-e, "vmopt_stats_start: cannot create the thread: %s", strerror(e));
        } else {
            W.running = 1;
            if (!at_exit)
                at_exit = atexit(remove_page) == 0;
        }
    }
    if (rc < 0)
        vmopt__mem_counting(0);
    pthread_mutex_unlock(&W.lock);
    errno = saved;
    return rc;
}

VMOPT_EXTERN void vmopt_stats_stop(void)
{
    int saved = errno;
    pthread_mutex_lock(&W.lock);
    if (!W.running) {
        pthread_mutex_unlock(&W.lock);
        return;
    }
    vmopt__thread_stop(&W.lock, &W.wake, W.thread, &W.stopping);
    remove_page();
    munmap(W.map, sizeof(page));
    W.map = NULL;
    W.running = W.stopping = 0;
    vmopt__mem_counting(0);
    pthread_mutex_unlock(&W.lock);
    errno = saved;
}

void vmopt__stats_start_if_asked(void)
{
    if (vmopt__option_long(VMOPT__O_STATS) == 1 && vmopt_stats_start() < 0)
        vmopt__log(VMOPT__LOG_WARN, "VMOPT_STATS=1: %s; not publishing", vmopt_errmsg());
}

/* ---- the reader ----------------------------------------------------------- */

/* The page at path, for pid, into s: a regular file of the caller's, open
 * to no one else, of this version's size, its copy consistent. */
static int read_page(const char *path, long pid, vmopt_stats *s)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? vmopt__fail(-ENOENT, "no live statistics for PID %ld (no %s: is it running "
                                                      "with VMOPT_STATS=1, as you?)",
                                             pid, path)
                               : vmopt__fail(-errno, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = vmopt__fail(-errno, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = vmopt__fail(-EINVAL, "%s is not a regular file: refused", path);
    else if (st.st_uid != geteuid())
        rc = vmopt__fail(-EPERM, "%s is owned by uid %u, not by you (uid %u): refused", path, (unsigned)st.st_uid,
                         (unsigned)geteuid());
    else if (st.st_mode & 077)
        rc = vmopt__fail(-EPERM, "%s has mode %04o (open to others): refused", path, (unsigned)(st.st_mode & 07777));
    else if (st.st_size != (off_t)sizeof(page))
        rc = vmopt__fail(-EPROTO, "%s is %lld bytes, not the %zu of this vmopt's pages (another version?)", path,
                         (long long)st.st_size, sizeof(page));
    const page *m = MAP_FAILED;
    if (rc == 0 && (m = mmap(NULL, sizeof(page), PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
        rc = vmopt__fail(-errno, "%s: cannot map: %s", path, strerror(errno));
    close(fd);
    if (rc < 0)
        return rc;
    /* The writer holds seq odd for a few microseconds, four times a
     * second: a few tries, a millisecond apart, see it even. */
    rc = vmopt__fail(-EAGAIN, "%s: never still (seq odd or changing across 200 reads)", path);
    for (int tries = 0; tries < 200; tries++) {
        uint64_t before = atomic_load_explicit(&m->seq, memory_order_acquire);
        if (!(before & 1)) {
            memcpy(&s->p, (const void *)m, sizeof(page));
            atomic_thread_fence(memory_order_acquire);
            if (atomic_load_explicit(&m->seq, memory_order_relaxed) == before) {
                rc = 0;
                break;
            }
        }
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    munmap((void *)m, sizeof(page));
    if (rc < 0)
        return rc;
    page *p = &s->p;
    if (p->magic != PAGE_MAGIC || p->version != PAGE_VERSION || p->size != sizeof(page))
        return vmopt__fail(-EPROTO, "%s: not a version %d statistics page", path, PAGE_VERSION);
    if (p->pid != pid)
        return vmopt__fail(-EPROTO, "%s: the page says PID %" PRId64 ", its name %ld", path, p->pid, pid);
    /* Counts and strings bounded, whatever the page held. */
    p->exe[sizeof p->exe - 1] = p->profile[sizeof p->profile - 1] = p->workload[sizeof p->workload - 1] = 0;
    p->origin[sizeof p->origin - 1] = 0;
    for (int set = 0; set < 2; set++) {
        if (p->n_ranges[set] > 4)
            p->n_ranges[set] = 4;
        for (int i = 0; i < 4; i++)
            p->range_kernel[set][i][sizeof p->range_kernel[set][i] - 1] = 0;
    }
    if (p->n_events > EVENTS)
        p->n_events = EVENTS;
    for (unsigned i = 0; i < EVENTS; i++) {
        vmopt_retune_event *e = &p->event[i];
        e->from[sizeof e->from - 1] = e->to[sizeof e->to - 1] = e->reason[sizeof e->reason - 1] = 0;
    }
    if (p->parts.n_tlbs > VMOPT__STATS_TLBS)
        p->parts.n_tlbs = VMOPT__STATS_TLBS;
    if (p->parts.n_pools > VMOPT__STATS_POOLS)
        p->parts.n_pools = VMOPT__STATS_POOLS;
    for (unsigned i = 0; i < VMOPT__STATS_POOLS; i++)
        p->parts.pool_name[i][sizeof p->parts.pool_name[i] - 1] = 0;
    uint64_t ticks = start_ticks(pid);
    s->stale = ticks == 0 || ticks != p->start_ticks;
    uint64_t now = realtime_ns();
    s->age_s = now > p->updated_ns ? (double)(now - p->updated_ns) / 1e9 : 0;
    s->read_ns = vmopt__now_ns();
    return 0;
}

VMOPT_EXTERN int vmopt_stats_read(vmopt_stats **out, int pid)
{
    if (!out || pid <= 0)
        return vmopt__fail(-EINVAL, "vmopt_stats_read: a PID above 0 and a place for the reading are required");
    *out = NULL;
    int saved = errno;
    char dir[4096], path[4200];
    int rc = stats_dir(dir, sizeof dir, 0);
    vmopt_stats *s = NULL;
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/%d.stats", dir, pid);
        if (!(s = calloc(1, sizeof *s)))
            rc = vmopt__fail(-ENOMEM, "vmopt_stats_read: out of memory");
        else if ((rc = read_page(path, pid, s)) == 0 && s->stale)
            rc = vmopt__fail(-ESRCH, "%s is stale: PID %d %s", path, pid,
                             start_ticks(pid) ? "is another process now" : "has exited");
    }
    if (rc < 0)
        free(s);
    else
        *out = s;
    errno = saved;
    return rc;
}

VMOPT_EXTERN void vmopt_stats_free(vmopt_stats *s)
{
    free(s);
}

static int by_number(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

VMOPT_EXTERN int vmopt_stats_list(int *pids, int max)
{
    int saved = errno;
    char dir[4096];
    int rc = stats_dir(dir, sizeof dir, 0);
    if (rc == -ENOENT) { /* nothing ever published here: no process, no error */
        errno = saved;
        return 0;
    }
    if (rc < 0)
        return rc;
    DIR *d = opendir(dir);
    if (!d) {
        rc = vmopt__fail(-errno, "%s: %s", dir, strerror(errno));
        errno = saved;
        return rc;
    }
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (pid <= 0 || pid > INT32_MAX || strcmp(end, ".stats") != 0 || e->d_name[0] == '0')
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        vmopt_stats s;
        int r = read_page(path, pid, &s);
        if (r == 0 && s.stale) {
            unlink(path); /* ours (read_page checked), its process gone */
            vmopt__log(VMOPT__LOG_INFO, "vmopt_stats_list: removed %s, stale", path);
            continue;
        }
        if (r == 0 && n < max)
            pids[n++] = (int)pid;
        else if (r < 0)
            vmopt__log(VMOPT__LOG_WARN, "%s", vmopt_errmsg());
    }
    closedir(d);
    qsort(pids, (size_t)n, sizeof *pids, by_number);
    errno = saved;
    return n;
}

/* ---- printing ------------------------------------------------------------- */

static const char *const hash_names[] = {"mask", "xor-fold", "fx"};

static const char *hash_name(unsigned h)
{
    return h < 3 ? hash_names[h] : "?";
}

/* A string from the page for a terminal: control characters as \xNN. */
static void put_text(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\x%02x", *c);
        else
            fputc(*c, f);
}

/* The same into a column of len - 1 characters: others as '?'. */
static void copy_printable(char *dst, const char *src, size_t len)
{
    size_t i = 0;
    for (; src[i] && i + 1 < len; i++)
        dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' : src[i];
    dst[i] = 0;
}

/* Bytes for people: 3 significant digits and a binary unit. */
static void human(uint64_t v, char *buf, size_t len)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double x = (double)v;
    int u = 0;
    while (x >= 1024 && u < 6)
        x /= 1024, u++;
    snprintf(buf, len, u == 0 ? "%.0f %s" : x < 10 ? "%.2f %s" : x < 100 ? "%.1f %s" : "%.0f %s", x, unit[u]);
}

static uint64_t class_max(unsigned c)
{
    return c + 1 < VMOPT__SIZE_CLASSES ? vmopt__size_class_min(c + 1) - 1 : UINT64_MAX;
}

/* The smallest size a class holds that is counted at all. */
static uint64_t class_lo(const page *p, unsigned c)
{
    uint64_t lo = vmopt__size_class_min(c);
    return c == 0 || lo <= p->counted_above ? p->counted_above + 1 : lo;
}

static void print_text(FILE *f, const vmopt_stats *s, const vmopt_stats *before)
{
    const page *p = &s->p;
    double up = p->updated_ns > p->started_ns ? (double)(p->updated_ns - p->started_ns) / 1e9 : 0;
    fprintf(f, "PID %" PRId64 " ", p->pid);
    put_text(f, p->exe);
    fprintf(f, ": published for %.1f s, updated %.1f s ago%s\n", up, s->age_s,
            s->stale ? " (STALE: the process is gone)" : s->age_s > 5 ? " (not updating: stopped, or exec'd?)" : "");
    fputs("plan             profile ", f);
    put_text(f, p->profile);
    fputs(", workload ", f);
    put_text(f, p->workload);
    fputs(" (", f);
    put_text(f, p->origin);
    fputs(")\n", f);
    static const char *const prims[] = {"memcpy", "memset"};
    for (int set = 0; set < 2; set++) {
        fprintf(f, "%-16s", prims[set]);
        for (unsigned i = 0; i < p->n_ranges[set]; i++) {
            char size[32];
            int up_to = p->range_lo[set][i] == 0 && i + 1 < p->n_ranges[set];
            vmopt__format_size(up_to ? p->range_lo[set][i + 1] - 1 : p->range_lo[set][i], size, sizeof size);
            fputs(i ? "; " : " ", f);
            put_text(f, p->range_kernel[set][i]);
            fprintf(f, " %s %s", up_to ? "up to" : "from", size);
        }
        fputc('\n', f);
    }
    double dt = before ? (double)(s->read_ns - before->read_ns) / 1e9 : 0;
    char above[32];
    vmopt__format_size(p->counted_above, above, sizeof above);
    fprintf(f, "calls above %s, by size (smaller ones the entry copies inline, uncounted):\n", above);
    fprintf(f, "  %-21s %12s %12s %12s %12s%s\n", "sizes", "copies", "copy bytes", "sets", "set bytes",
            dt > 0 ? "     copies/s       sets/s" : "");
    uint64_t tot[4] = {0};
    for (unsigned c = 0; c < VMOPT__SIZE_CLASSES; c++) {
        if (!p->calls[0][c] && !p->calls[1][c])
            continue;
        char lo[32], hi[32], range[48], cb[32], sb[32];
        vmopt__format_size(class_lo(p, c), lo, sizeof lo);
        if (class_max(c) == UINT64_MAX)
            snprintf(range, sizeof range, "%s and up", lo);
        else
            snprintf(range, sizeof range, "%s-%s", lo, (vmopt__format_size(class_max(c), hi, sizeof hi), hi));
        human(p->bytes[0][c], cb, sizeof cb);
        human(p->bytes[1][c], sb, sizeof sb);
        fprintf(f, "  %-21s %12" PRIu64 " %12s %12" PRIu64 " %12s", range, p->calls[0][c], cb, p->calls[1][c], sb);
        if (dt > 0)
            fprintf(f, " %12.0f %12.0f", (double)(p->calls[0][c] - before->p.calls[0][c]) / dt,
                    (double)(p->calls[1][c] - before->p.calls[1][c]) / dt);
        fputc('\n', f);
        tot[0] += p->calls[0][c], tot[1] += p->bytes[0][c], tot[2] += p->calls[1][c], tot[3] += p->bytes[1][c];
    }
    char cb[32], sb[32];
    human(tot[1], cb, sizeof cb);
    human(tot[3], sb, sizeof sb);
    fprintf(f, "  %-21s %12" PRIu64 " %12s %12" PRIu64 " %12s\n", "all", tot[0], cb, tot[2], sb);
    const vmopt__stats_parts *q = &p->parts;
    for (unsigned i = 0; i < q->n_tlbs; i++) {
        const vmopt_tlb_stats *t = &q->tlb[i];
        fprintf(f, "tlb %-12u %s hash, %" PRIu64 " entries (%" PRIu64 " used); misses %" PRIu64 " (victim hits %" PRIu64
                   ", fills %" PRIu64 ", faults %" PRIu64 "), flushes %" PRIu64 ", page flushes %" PRIu64
                   ", resizes %" PRIu64 ", rehashes %" PRIu64,
                i, hash_name(q->tlb_hash[i]), t->entries, t->used, t->misses, t->victim_hits, t->fills, t->faults,
                t->flushes, t->page_flushes, t->resizes, t->rehashes);
        if (t->hits)
            fprintf(f, ", hits %" PRIu64 ", hit rate %.2f%%", t->hits,
                    100.0 * (double)t->hits / (double)(t->hits + t->misses));
        else
            fputs(" (hits are counted only where the caller defines VMOPT_TLB_COUNT_HITS)", f);
        fputc('\n', f);
    }
    for (unsigned i = 0; i < q->n_pools; i++) {
        const vmopt_pool_stats *o = &q->pool[i];
        char held[32];
        human(o->bytes_held, held, sizeof held);
        fputs("pool ", f);
        put_text(f, q->pool_name[i]);
        fprintf(f, " (%" PRIu64 " B)  allocs %" PRIu64 ", frees %" PRIu64 ", from the thread's magazine %" PRIu64
                   ", refills %" PRIu64 ", drains %" PRIu64 ", %" PRIu64 " chunks, %s held\n",
                q->pool_object_size[i], o->allocs, o->frees, o->cache_hits, o->refills, o->drains, o->chunks, held);
    }
    fprintf(f, "retune           thread %s, %" PRIu64 " changes\n", p->retune_running ? "running" : "not running",
            p->retune_changes);
    for (unsigned i = 0; i < p->n_events; i++) {
        fprintf(f, "  t=%.3fs ", p->event[i].t);
        put_text(f, p->event[i].reason);
        fputc('\n', f);
    }
}

static void print_json(FILE *f, const vmopt_stats *s)
{
    const page *p = &s->p;
    fprintf(f, "{\"pid\": %" PRId64 ", \"exe\": ", p->pid);
    vmopt__json_string(f, p->exe);
    fprintf(f, ", \"stale\": %s, \"started\": %.3f, \"updated\": %.3f, \"age_s\": %.3f, \"updates\": %" PRIu64 ",\n",
            s->stale ? "true" : "false", (double)p->started_ns / 1e9, (double)p->updated_ns / 1e9, s->age_s,
            p->updates);
    fputs(" \"plan\": {\"profile\": ", f);
    vmopt__json_string(f, p->profile);
    fputs(", \"workload\": ", f);
    vmopt__json_string(f, p->workload);
    fputs(", \"origin\": ", f);
    vmopt__json_string(f, p->origin);
    fputs("},\n \"dispatch\": {", f);
    static const char *const prims[] = {"memcpy", "memset"};
    for (int set = 0; set < 2; set++) {
        fprintf(f, "%s\"%s\": [", set ? ", " : "", prims[set]);
        for (unsigned i = 0; i < p->n_ranges[set]; i++) {
            fprintf(f, "%s{\"min\": %" PRIu64 ", \"max\": ", i ? ", " : "", p->range_lo[set][i]);
            if (i + 1 < p->n_ranges[set])
                fprintf(f, "%" PRIu64, p->range_lo[set][i + 1] - 1);
            else
                fputs("null", f);
            fputs(", \"kernel\": ", f);
            vmopt__json_string(f, p->range_kernel[set][i]);
            fputc('}', f);
        }
        fputc(']', f);
    }
    fprintf(f, "},\n \"counted_above\": %" PRIu64, p->counted_above);
    static const char *const kinds[] = {"copies", "sets"};
    for (int set = 0; set < 2; set++) {
        fprintf(f, ",\n \"%s\": [", kinds[set]);
        int first = 1;
        for (unsigned c = 0; c < VMOPT__SIZE_CLASSES; c++) {
            if (!p->calls[set][c])
                continue;
            fprintf(f, "%s{\"min\": %" PRIu64 ", \"max\": ", first ? "" : ", ", class_lo(p, c));
            if (class_max(c) == UINT64_MAX)
                fputs("null", f);
            else
                fprintf(f, "%" PRIu64, class_max(c));
            fprintf(f, ", \"calls\": %" PRIu64 ", \"bytes\": %" PRIu64 "}", p->calls[set][c], p->bytes[set][c]);
            first = 0;
        }
        fputc(']', f);
    }
    const vmopt__stats_parts *q = &p->parts;
    fputs(",\n \"tlbs\": [", f);
    for (unsigned i = 0; i < q->n_tlbs; i++) {
        const vmopt_tlb_stats *t = &q->tlb[i];
        fprintf(f, "%s{\"index\": %u, \"hash\": \"%s\", \"entries\": %" PRIu64 ", \"used\": %" PRIu64
                   ", \"hits\": %" PRIu64 ", \"misses\": %" PRIu64 ", \"victim_hits\": %" PRIu64 ", \"fills\": %" PRIu64
                   ", \"faults\": %" PRIu64 ", \"flushes\": %" PRIu64 ", \"page_flushes\": %" PRIu64
                   ", \"resizes\": %" PRIu64 ", \"rehashes\": %" PRIu64 ", \"hit_rate\": ",
                i ? ", " : "", i, hash_name(q->tlb_hash[i]), t->entries, t->used, t->hits, t->misses, t->victim_hits,
                t->fills, t->faults, t->flushes, t->page_flushes, t->resizes, t->rehashes);
        if (t->hits)
            fprintf(f, "%.6f}", (double)t->hits / (double)(t->hits + t->misses));
        else
            fputs("null}", f);
    }
    fputs("],\n \"pools\": [", f);
    for (unsigned i = 0; i < q->n_pools; i++) {
        const vmopt_pool_stats *o = &q->pool[i];
        fprintf(f, "%s{\"name\": ", i ? ", " : "");
        vmopt__json_string(f, q->pool_name[i]);
        fprintf(f, ", \"object_size\": %" PRIu64 ", \"allocs\": %" PRIu64 ", \"frees\": %" PRIu64
                   ", \"cache_hits\": %" PRIu64 ", \"refills\": %" PRIu64 ", \"drains\": %" PRIu64
                   ", \"chunks\": %" PRIu64 ", \"bytes_held\": %" PRIu64 "}",
                q->pool_object_size[i], o->allocs, o->frees, o->cache_hits, o->refills, o->drains, o->chunks,
                o->bytes_held);
    }
    fprintf(f, "],\n \"retune\": {\"running\": %s, \"changes\": %" PRIu64 ", \"last\": [",
            p->retune_running ? "true" : "false", p->retune_changes);
    for (unsigned i = 0; i < p->n_events; i++) {
        fprintf(f, "%s{\"t\": %.3f, \"from\": ", i ? ", " : "", p->event[i].t);
        vmopt__json_string(f, p->event[i].from);
        fputs(", \"to\": ", f);
        vmopt__json_string(f, p->event[i].to);
        fputs(", \"reason\": ", f);
        vmopt__json_string(f, p->event[i].reason);
        fputc('}', f);
    }
    fputs("]}}", f);
}

/* OpenMetrics: a label value with \, " and newlines escaped. */
static void om_value(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c == '\\' || *c == '"')
            fprintf(f, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", f);
        else if (*c >= 0x20 && *c != 0x7f)
            fputc(*c, f);
    fputc('"', f);
}

static void om_labels(FILE *f, const page *p)
{
    fprintf(f, "{pid=\"%" PRId64 "\",exe=", p->pid);
    om_value(f, p->exe);
}

typedef enum { F_PLAN, F_COPY_CALLS, F_COPY_BYTES, F_SET_CALLS, F_SET_BYTES, F_TLB, F_POOL, F_RETUNE } om_kind;

/* The families: name, type, help, what they hold. */
static const struct {
    const char *name, *type, *help;
    om_kind kind;
    int field; /* of the TLB or pool stats, or of nothing */
} families[] = {
    {"vmopt_plan", "gauge", "The plan in force (1), by profile and workload.", F_PLAN, 0},
    {"vmopt_copy_calls", "counter", "Copies (memcpy, memmove, mempcpy) above the inline sizes, by size class.",
     F_COPY_CALLS, 0},
    {"vmopt_copy_bytes", "counter", "Bytes of those copies, by size class.", F_COPY_BYTES, 0},
    {"vmopt_set_calls", "counter", "memset calls above the inline sizes, by size class.", F_SET_CALLS, 0},
    {"vmopt_set_bytes", "counter", "Bytes of those sets, by size class.", F_SET_BYTES, 0},
    {"vmopt_tlb_misses", "counter", "Software TLB misses, per TLB.", F_TLB, 1},
    {"vmopt_tlb_victim_hits", "counter", "Misses the victim TLB served.", F_TLB, 2},
    {"vmopt_tlb_flushes", "counter", "Full flushes.", F_TLB, 3},
    {"vmopt_tlb_resizes", "counter", "Table resizes.", F_TLB, 4},
    {"vmopt_tlb_entries", "gauge", "The table's entries now.", F_TLB, 5},
    {"vmopt_tlb_used", "gauge", "Entries holding a translation.", F_TLB, 6},
    {"vmopt_pool_allocs", "counter", "Pool allocations, per pool.", F_POOL, 1},
    {"vmopt_pool_frees", "counter", "Pool frees.", F_POOL, 2},
    {"vmopt_pool_cache_hits", "counter", "Allocations and frees a thread's magazine served.", F_POOL, 3},
    {"vmopt_pool_bytes_held", "gauge", "Bytes of the chunks the pool holds.", F_POOL, 4},
    {"vmopt_retune_changes", "counter", "Workload changes the retuner made.", F_RETUNE, 0},
};

static uint64_t tlb_field(const vmopt_tlb_stats *t, int field)
{
    switch (field) {
    case 1: return t->misses;
    case 2: return t->victim_hits;
    case 3: return t->flushes;
    case 4: return t->resizes;
    case 5: return t->entries;
    default: return t->used;
    }
}

static uint64_t pool_field(const vmopt_pool_stats *o, int field)
{
    switch (field) {
    case 1: return o->allocs;
    case 2: return o->frees;
    case 3: return o->cache_hits;
    default: return o->bytes_held;
    }
}

static void print_openmetrics(FILE *f, vmopt_stats *const *now, unsigned n)
{
    for (size_t k = 0; k < sizeof families / sizeof families[0]; k++) {
        const char *name = families[k].name, *suffix = strcmp(families[k].type, "counter") == 0 ? "_total" : "";
        fprintf(f, "# TYPE %s %s\n# HELP %s %s\n", name, families[k].type, name, families[k].help);
        for (unsigned j = 0; j < n; j++) {
            const page *p = &now[j]->p;
            const vmopt__stats_parts *q = &p->parts;
            switch (families[k].kind) {
            case F_PLAN:
                fprintf(f, "%s", name);
                om_labels(f, p);
                fputs(",profile=", f);
                om_value(f, p->profile);
                fputs(",workload=", f);
                om_value(f, p->workload);
                fputs("} 1\n", f);
                break;
            case F_COPY_CALLS:
            case F_COPY_BYTES:
            case F_SET_CALLS:
            case F_SET_BYTES: {
                int set = families[k].kind >= F_SET_CALLS, bytes = families[k].kind == F_COPY_BYTES ||
                                                                    families[k].kind == F_SET_BYTES;
                for (unsigned c = 0; c < VMOPT__SIZE_CLASSES; c++) {
                    if (!p->calls[set][c])
                        continue;
                    fprintf(f, "%s%s", name, suffix);
                    om_labels(f, p);
                    fprintf(f, ",size_min=\"%" PRIu64 "\"} %" PRIu64 "\n", class_lo(p, c),
                            bytes ? p->bytes[set][c] : p->calls[set][c]);
                }
                break;
            }
            case F_TLB:
                for (unsigned i = 0; i < q->n_tlbs; i++) {
                    fprintf(f, "%s%s", name, suffix);
                    om_labels(f, p);
                    fprintf(f, ",tlb=\"%u\"} %" PRIu64 "\n", i, tlb_field(&q->tlb[i], families[k].field));
                }
                break;
            case F_POOL:
                for (unsigned i = 0; i < q->n_pools; i++) {
                    fprintf(f, "%s%s", name, suffix);
                    om_labels(f, p);
                    fprintf(f, ",pool=\"%u\",pool_name=", i);
                    om_value(f, q->pool_name[i]);
                    fprintf(f, "} %" PRIu64 "\n", pool_field(&q->pool[i], families[k].field));
                }
                break;
            case F_RETUNE:
                fprintf(f, "%s%s", name, suffix);
                om_labels(f, p);
                fprintf(f, "} %" PRIu64 "\n", p->retune_changes);
                break;
            }
        }
    }
    fputs("# EOF\n", f);
}

VMOPT_EXTERN int vmopt_stats_print(FILE *f, vmopt_stats *const *now, vmopt_stats *const *before, unsigned n,
                                   unsigned format)
{
    if (!f || (n && !now))
        return vmopt__fail(-EINVAL, "vmopt_stats_print: a file and the readings are required");
    for (unsigned i = 0; i < n; i++)
        if (!now[i])
            return vmopt__fail(-EINVAL, "vmopt_stats_print: reading %u is NULL", i);
    switch (format) {
    case VMOPT_STATS_TEXT:
        for (unsigned i = 0; i < n; i++) {
            if (i)
                fputc('\n', f);
            print_text(f, now[i], before && before[i] && before[i]->p.pid == now[i]->p.pid ? before[i] : NULL);
        }
        break;
    case VMOPT_STATS_JSON:
        if (n != 1)
            fputc('[', f);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                fputs(",\n", f);
            print_json(f, now[i]);
        }
        fputs(n != 1 ? "]\n" : "\n", f);
        break;
    case VMOPT_STATS_OPENMETRICS:
        print_openmetrics(f, now, n);
        break;
    case VMOPT_STATS_LIST:
        fprintf(f, "%8s  %-16s %-14s %-12s %10s %14s %14s\n", "PID", "EXE", "PROFILE", "WORKLOAD", "UPDATED",
                "COPIES", "SETS");
        for (unsigned i = 0; i < n; i++) {
            const page *p = &now[i]->p;
            uint64_t calls[2] = {0, 0};
            for (unsigned c = 0; c < VMOPT__SIZE_CLASSES; c++)
                calls[0] += p->calls[0][c], calls[1] += p->calls[1][c];
            char exe[17], profile[15], workload[13];
            copy_printable(exe, p->exe, sizeof exe);
            copy_printable(profile, p->profile, sizeof profile);
            copy_printable(workload, p->workload, sizeof workload);
            fprintf(f, "%8" PRId64 "  %-16s %-14s %-12s %8.1fs %14" PRIu64 " %14" PRIu64 "\n", p->pid, exe, profile,
                    workload, now[i]->age_s, calls[0], calls[1]);
        }
        break;
    default:
        return vmopt__fail(-EINVAL, "vmopt_stats_print: format %u: VMOPT_STATS_TEXT, _JSON or _OPENMETRICS", format);
    }
    return ferror(f) ? vmopt__fail(-EIO, "vmopt_stats_print: write error") : 0;
}
