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
    bench_result bare = {0}, empty = {0};
    printf("/bin/true, spawn to exit; ratio against bare, and vmopt's cost over an empty preload\n");
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        if (runs[i].path && access(runs[i].path, R_OK) != 0) {
            printf("skipped: %s (%s not installed)\n", runs[i].name, runs[i].path);
            continue;
        }
        spawn_arg a;
        make_env(&a, runs[i].path);
        bench_result r = bench_measure("startup", runs[i].name, spawn_true, &a, 31, 20);
        bench_report(&r, i ? &bare : NULL);
        if (i == 0)
            bare = r;
        if (i == 1)
            empty = r;
        if (i == 2 && empty.median_ns > 0)
            printf("           vmopt adds %.0f us over bare, %.0f us over an empty preload\n",
                   (r.median_ns - bare.median_ns) / 1e3, (r.median_ns - empty.median_ns) / 1e3);
    }
    return 0;
}
