/* Whole-process start-up: /bin/true spawned and waited for, bare and with
 * each preload, in the same run.  The preload goes into every process of a
 * VM host, so what it adds here is paid everywhere.  References: an empty
 * shared library (the cost of mapping any preload at all), and mimalloc's
 * and jemalloc's preloads when installed.
 *
 *   bench-startup PRELOAD_LIB EMPTY_LIB */
#include "config.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/harness.h"

extern char **environ;

typedef struct {
    const char *preload; /* NULL: none */
    char *env[64];
} spawn_arg;

static void spawn_true(void *arg)
{
    spawn_arg *a = arg;
    char *argv[] = {"/bin/true", NULL};
    pid_t pid;
    int status;
    if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, a->env) != 0 || waitpid(pid, &status, 0) != pid ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench-startup: /bin/true failed with LD_PRELOAD=%s\n",
                a->preload ? a->preload : "");
        exit(1);
    }
}

/* The environment of this process without LD_PRELOAD and VMOPT_*, plus
 * LD_PRELOAD=preload. */
static void make_env(spawn_arg *a, const char *preload)
{
    static char buf[8][4200];
    static int next;
    int k = 0;
    a->preload = preload;
    for (char **e = environ; *e && k < 60; e++)
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0 && strncmp(*e, "VMOPT_", 6) != 0)
            a->env[k++] = *e;
    if (preload) {
        snprintf(buf[next], sizeof buf[next], "LD_PRELOAD=%s", preload);
        a->env[k++] = buf[next++];
    }
    a->env[k] = NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-startup PRELOAD_LIB EMPTY_LIB\n");
        return 2;
    }
    struct {
        const char *name, *path;
    } runs[] = {
        {"bare", NULL},
        {"empty library", argv[2]},
        {"vmopt preload", argv[1]},
        {"mimalloc", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"},
        {"jemalloc", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"},
    };
    const char *names[5];
    bench_fn fns[5];
    void *args[5];
    spawn_arg a[5];
    unsigned n = 0;
    printf("/bin/true, spawn to exit, samples interleaved; ratio against bare\n");
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        if (runs[i].path && access(runs[i].path, R_OK) != 0) {
            printf("skipped: %s (%s not installed)\n", runs[i].name, runs[i].path);
            continue;
        }
        make_env(&a[n], runs[i].path);
        names[n] = runs[i].name;
        fns[n] = spawn_true;
        args[n] = &a[n];
        n++;
    }
    bench_result r[5];
    bench_measure_many("startup", names, fns, args, n, 31, 20, r);
    for (unsigned i = 0; i < n; i++)
        bench_report(&r[i], i ? &r[0] : NULL);
    printf("vmopt preload adds %.0f us to /bin/true; an empty preload adds %.0f us\n",
           (r[2].median_ns - r[0].median_ns) / 1e3, (r[1].median_ns - r[0].median_ns) / 1e3);
    return 0;
}
