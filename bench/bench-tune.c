/* bench-tune: what vmopt_autotune() costs a process that starts, at each
 * calibration level and from a saved plan.  Each sample is a fresh process
 * (this program run again with --child), so nothing is probed already; the
 * child times the one call and reports it.  Samples of the modes are
 * interleaved; medians, with the 10th and 90th percentiles.  The reference
 * is hwloc's topology load alone, in the same kind of fresh process: the
 * largest part of the probe. */
#include "config.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/harness.h"
#include "vmopt.h"

enum { ESTIMATE, SAVED, MEASURE, HWLOC, NMODES };
static const char *const mode_name[NMODES] = {"autotune, estimate", "autotune, from a saved plan",
                                              "autotune, measure", "hwloc topology load alone"};
static const double bar_ns[NMODES] = {1e6, 0.2e6, 50e6, 0};

static int child(int mode)
{
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = mode == SAVED ? 0 : VMOPT_TUNE_FRESH;
    o.level = mode == MEASURE ? VMOPT_LEVEL_MEASURE : VMOPT_LEVEL_ESTIMATE;
    double t0 = bench_now_ns();
    if (mode == HWLOC) {
        hwloc_topology_t t;
        hwloc_topology_init(&t);
        hwloc_topology_load(t);
        hwloc_topology_destroy(t);
    } else if (vmopt_autotune(&o) < 0) {
        fprintf(stderr, "bench-tune: %s\n", vmopt_errmsg());
        return 1;
    }
    double dt = bench_now_ns() - t0;
    if (mode == SAVED) { /* it must have come from the file */
        vmopt_plan *p = vmopt_current_plan();
        char v[8];
        const char *why;
        if (!p || vmopt_plan_describe(p, "memcpy.simd", v, sizeof v, &why) < 0 || !strstr(why, "measured")) {
            fprintf(stderr, "bench-tune: the saved plan was not loaded\n");
            return 1;
        }
        vmopt_plan_free(p);
    }
    printf("%.0f\n", dt);
    return 0;
}

static double run_child(const char *self, int mode)
{
    int fd[2];
    if (pipe(fd) < 0)
        exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        char arg[8];
        snprintf(arg, sizeof arg, "%d", mode);
        dup2(fd[1], 1);
        close(fd[0]);
        execl(self, self, "--child", arg, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char buf[64] = "";
    ssize_t n = read(fd[0], buf, sizeof buf - 1);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench-tune: child for '%s' failed\n", mode_name[mode]);
        exit(1);
    }
    return atof(buf);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return child(atoi(argv[2]));
    unsigned samples = getenv("VMOPT_BENCH_QUICK") ? 7 : 31;
    char dir[] = "/tmp/vmopt-bench-tune-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    setenv("VMOPT_CACHE_DIR", dir, 1);
    /* The saved plan the SAVED mode loads: calibrated at measure. */
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = VMOPT_TUNE_SAVE | VMOPT_TUNE_FRESH;
    o.level = VMOPT_LEVEL_MEASURE;
    if (vmopt_autotune(&o) < 0) {
        fprintf(stderr, "bench-tune: %s\n", vmopt_errmsg());
        return 1;
    }
    const char *self = "/proc/self/exe";
    char path[4096];
    ssize_t len = readlink(self, path, sizeof path - 1);
    if (len > 0) {
        path[len] = 0;
        self = path;
    }
    double *v = calloc((size_t)NMODES * samples, sizeof *v);
    for (unsigned s = 0; s < samples; s++)
        for (int m = 0; m < NMODES; m++)
            v[m * samples + s] = run_child(self, m);
    printf("vmopt_autotune() in a fresh process, %u interleaved samples\n", samples);
    bench_result r[NMODES];
    for (int m = 0; m < NMODES; m++) {
        double *x = v + m * samples;
        r[m] = (bench_result){.group = "tune", .name = mode_name[m], .samples = samples, .calls_per_sample = 1};
        r[m].median_ns = bench_median(x, samples);
        r[m].p10_ns = x[samples / 10];
        r[m].p90_ns = x[samples - 1 - samples / 10];
    }
    for (int m = 0; m < NMODES; m++) {
        bench_report(&r[m], m == HWLOC ? NULL : &r[HWLOC]);
        if (bar_ns[m] > 0)
            printf("  bar <= %.1f ms: %s\n", bar_ns[m] / 1e6, r[m].median_ns <= bar_ns[m] ? "met" : "NOT MET");
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-tune: could not remove %s\n", dir);
    free(v);
    return 0;
}
