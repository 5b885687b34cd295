/* Run under LD_PRELOAD=libvmopt-preload.so by test-preload.sh.  Threads copy
 * and check concurrently while the main thread forks children that copy and
 * check, and signals whose handlers copy and check arrive all along.
 * errno must come back unchanged from every call.  Exit 0 when every byte
 * was right; prints what went wrong otherwise.
 *
 *   stress-preload check-interposed   exit 0 if memcpy is the preload's
 *   stress-preload check-early        exit 0 if copies made before any
 *                                     constructor ran were right, and errno
 *                                     set then survived every constructor
 *   stress-preload chk-overflow       calls __memcpy_chk past its buffer
 *   stress-preload [seconds]          the stress run */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen);

/* Called through pointers so the compiler cannot expand them inline. */
static void *(*volatile p_memcpy)(void *, const void *, size_t) = memcpy;
static void *(*volatile p_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile p_memset)(void *, int, size_t) = memset;
static void *(*volatile p_mempcpy)(void *, const void *, size_t) = mempcpy;

static atomic_int errors, stop;

static void fail(const char *what, size_t n)
{
    if (atomic_fetch_add(&errors, 1) < 10) {
        char msg[128];
        int len = snprintf(msg, sizeof msg, "stress: %s wrong at n=%zu\n", what, n);
        if (write(2, msg, (size_t)len) < 0)
            _exit(3);
    }
}

/* One round of copies of size n between two buffers, checked byte by byte
 * against the pattern; no allocation, so it may run in a signal handler. */
static void round_trip(unsigned char *a, unsigned char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (unsigned char)(i * 131 + seed);
    errno = 4321;
    if (p_memcpy(b, a, n) != b || errno != 4321)
        fail("memcpy return/errno", n);
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)(i * 131 + seed)) {
            fail("memcpy", n);
            break;
        }
    if (n > 8) {
        p_memmove(b + 3, b, n - 3);
        for (size_t i = 0; i + 3 < n; i++)
            if (b[i + 3] != (unsigned char)(i * 131 + seed)) {
                fail("memmove", n);
                break;
            }
    }
    if ((unsigned char *)p_mempcpy(b, a, n) != b + n)
        fail("mempcpy return", n);
    p_memset(b, (int)seed, n);
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)seed) {
            fail("memset", n);
            break;
        }
    if (errno != 4321)
        fail("errno", n);
}

/* Per thread: handlers may run on two threads at once. */
static __thread unsigned char sig_a[20000], sig_b[20000];

static void on_signal(int sig)
{
    int saved = errno;
    static __thread unsigned k;
    k++;
    round_trip(sig_a, sig_b, (k * 7919u) % sizeof sig_a, (unsigned)sig + k);
    errno = saved;
}

static void *worker(void *arg)
{
    unsigned id = (unsigned)(size_t)arg;
    size_t cap = (size_t)4 << 20;
    unsigned char *a = malloc(cap), *b = malloc(cap);
    if (!a || !b)
        abort();
    for (unsigned k = 0; !atomic_load(&stop); k++) {
        /* Mostly small, sometimes up to 4 MiB, as a VM copies. */
        size_t n = k % 64 ? (k * 2654435761u) % 2048 : (k * 2654435761u) % cap;
        round_trip(a, b, n, id * 1000 + k);
    }
    free(a);
    free(b);
    return NULL;
}

/* The executable's preinit functions run before any shared library's
 * constructor, the preload's included: its table is still the constant
 * baseline then. */
static int early_bad = -1;

static void before_constructors(int argc, char **argv, char **envp)
{
    static unsigned char a[3000], b[3000];
    (void)argc, (void)argv, (void)envp;
    early_bad = 0;
    for (size_t n = 0; n < sizeof a; n += 13) {
        for (size_t i = 0; i < n; i++)
            a[i] = (unsigned char)(i ^ n);
        if (p_memcpy(b, a, n) != b || memcmp(a, b, n) != 0)
            early_bad++;
        p_memset(b, 0x5a, n);
        for (size_t i = 0; i < n; i++)
            if (b[i] != 0x5a)
                early_bad++;
    }
    errno = 77;
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit)(int, char **, char **) =
    before_constructors;

static int check_interposed(void)
{
    Dl_info info;
    if (!dladdr((void *)p_memcpy, &info) || !info.dli_fname) {
        fprintf(stderr, "dladdr(memcpy) failed\n");
        return 1;
    }
    printf("memcpy comes from %s\n", info.dli_fname);
    return strstr(info.dli_fname, "libvmopt-preload") ? 0 : 1;
}

/* Threads in this process, from /proc/self/status. */
static int threads_now(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

/* The executable's constructors run after the preload's, before main. */
static int threads_at_constructor;
__attribute__((constructor)) static void count_threads_early(void)
{
    threads_at_constructor = threads_now();
}

/* A daemon's way with SIGTERM: blocked in every thread it made, read
 * from a signalfd.  A thread of the library's that left it unblocked
 * would take it, and the process would die of it. */
static int read_sigterm(void)
{
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, NULL);
    int fd = signalfd(-1, &term, SFD_CLOEXEC);
    if (fd < 0)
        return 2;
    usleep(100000); /* the retuner, if any, is running by now */
    kill(getpid(), SIGTERM);
    struct signalfd_siginfo si;
    if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
        return 3;
    printf("read signal %u from the signalfd\n", si.ssi_signo);
    return si.ssi_signo == SIGTERM ? 0 : 4;
}

/* n children, each copying for a while and leaving through exit(). */
static int forks(int n)
{
    static char a[1 << 20], b[1 << 20];
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (int k = 0; k < 2000; k++)
                memcpy(a, b, sizeof a);
            exit(0);
        }
        for (int k = 0; k < 500; k++)
            memcpy(b, a, sizeof a);
        int st;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int errno_at_main = errno;
    if (argc > 1 && strcmp(argv[1], "check-early") == 0) {
        printf("before constructors: %d wrong copies; errno %d at main (77 set before)\n", early_bad,
               errno_at_main);
        return early_bad == 0 && errno_at_main == 77 ? 0 : 1;
    }
    if (argc > 1 && strcmp(argv[1], "check-interposed") == 0)
        return check_interposed();
    if (argc > 1 && strcmp(argv[1], "signalfd") == 0)
        return read_sigterm();
    if (argc > 2 && strcmp(argv[1], "new-stderr") == 0) {
        /* A daemon that closes fd 2 and opens its data file there. */
        usleep(100000);
        close(2);
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd != 2)
            return 2;
        if (write(fd, "data\n", 5) != 5)
            return 3;
        exit(0);
    }
    if (argc > 1 && strcmp(argv[1], "threads") == 0) {
        usleep(50000);
        printf("threads before main %d, in main %d\n", threads_at_constructor, threads_now());
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "forks") == 0)
        return forks(atoi(argv[2]));
    if (argc > 1 && strcmp(argv[1], "chk-overflow") == 0) {
        /* Through a pointer, or GCC drops the call to a buffer never read. */
        void *(*volatile chk)(void *, const void *, size_t, size_t) = __memcpy_chk;
        char small[16], big[64] = {0};
        chk(small, big, sizeof big, sizeof small);
        printf("__memcpy_chk returned: %d\n", small[0]);
        return 0; /* not reached: __memcpy_chk aborts */
    }
    double seconds = argc > 1 ? atof(argv[1]) : 3;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaddset(&sa.sa_mask, SIGUSR1);
    sigaddset(&sa.sa_mask, SIGALRM);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);

    pthread_t th[4];
    for (size_t i = 0; i < 4; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
            return 2;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned forks = 0, signals = 0;
    do {
        /* Signals land on any thread, in the middle of its copies. */
        for (int i = 0; i < 20; i++, signals++)
            kill(getpid(), i % 2 ? SIGUSR1 : SIGALRM);
        pid_t pid = fork();
        if (pid == 0) {
            unsigned char a[5000], b[5000];
            for (size_t n = 0; n < sizeof a; n += 37)
                round_trip(a, b, n, (unsigned)n);
            _exit(atomic_load(&errors) ? 1 : 0);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
            fail("child after fork", 0);
        }
        forks++;
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
    atomic_store(&stop, 1);
    for (size_t i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    printf("stress: 4 threads, %u forks, %u signals, %d errors\n", forks, signals, atomic_load(&errors));
    return atomic_load(&errors) ? 1 : 0;
}
