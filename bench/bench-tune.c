/* bench-tune: what vmopt_autotune() costs a process that starts, at each
 * calibration level and from a saved plan, as a user pays it.
 *
 * Every sample is a fresh process of this same program (so the same
 * libraries are mapped and relocated in each), timed by the parent from
 * fork to exit.  "bench-tune --run none" is the empty main, the reference;
 * --run estimate, saved and measure call vmopt_autotune() once.  Runs of the
 * modes are interleaved, and the cost of a mode is its median minus the
 * empty main's, with the 10th and 90th percentiles of the round-by-round
 * differences; beside it, the median of the call alone as the child timed
 * it, which the noise of process creation does not blur.  The same two programs under `hyperfine -N` must agree:
 *
 *     hyperfine -N -w 20 -r 300 'bench/bench-tune --run none' 'bench/bench-tune --run estimate'
 *
 * (with VMOPT_CACHE_DIR pointing at an empty directory for estimate, and at
 * one holding a saved plan for saved).  Then the system calls and CPUID
 * instructions of the call alone are counted by single-stepping it under
 * ptrace: deterministic where the times are noisy (a CPUID traps to the
 * hypervisor in a VM, and a system call costs microseconds there).  The
 * measure level runs for milliseconds, too long to single-step: its system
 * calls are counted at their stops (PTRACE_SYSCALL), and its CPUIDs with
 * CPUID faulting (arch_prctl ARCH_SET_CPUID), each one emulated by this
 * process, where the kernel and the CPU offer it.
 * VMOPT_BENCH_WHERE=1 prints where each CPUID is (file and offset, for
 * addr2line). */
#include "config.h"

#include <errno.h>
#include <hwloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/harness.h"
#include "vmopt.h"

enum { NONE, ESTIMATE, SAVED, MEASURE, HWLOC, NMODES };
static const char *const mode_arg[NMODES] = {"none", "estimate", "saved", "measure", "hwloc"};
static const char *const mode_name[NMODES] = {"empty main (reference)", "autotune, estimate",
                                              "autotune, from a saved plan", "autotune, measure",
                                              "hwloc topology load alone"};
static const double bar_ns[NMODES] = {0, 1e6, 0.2e6, 50e6, 0};

/* The child: one call, between two markers the counting parent stops at;
 * faulting: every CPUID from the first marker on traps (SIGSEGV), for the
 * parent to count and emulate. */
static int run_mode(int mode, int marked, int faulting)
{
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = mode == SAVED ? 0 : VMOPT_TUNE_FRESH;
    o.level = mode == MEASURE ? VMOPT_LEVEL_MEASURE : VMOPT_LEVEL_ESTIMATE;
    if (faulting && syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0)
        return 3;
    if (marked)
        raise(SIGUSR1);
    double t0 = bench_now_ns();
    int rc = 0;
    if (mode == HWLOC) {
        hwloc_topology_t t;
        hwloc_topology_init(&t);
        hwloc_topology_load(t);
        hwloc_topology_destroy(t);
    } else if (mode != NONE) {
        rc = vmopt_autotune(&o);
    }
    double call_ns = bench_now_ns() - t0;
    if (marked)
        raise(SIGUSR2);
    const char *fd = getenv("VMOPT_BENCH_CALL_FD");
    if (fd) { /* the call's own time, for the parent */
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%.0f\n", call_ns);
        if (write(atoi(fd), buf, (size_t)n) != n)
            return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "bench-tune: %s\n", vmopt_errmsg());
        return 1;
    }
    if (mode == SAVED) { /* it must have come from the file: the loop width is measured */
        vmopt_plan *p = vmopt_current_plan();
        char v[8];
        const char *why;
        if (!p || vmopt_plan_describe(p, "memcpy.loop", v, sizeof v, &why) < 0 || !strstr(why, "measured")) {
            fprintf(stderr, "bench-tune: the saved plan was not loaded\n");
            return 1;
        }
        vmopt_plan_free(p);
    }
    return 0;
}

static char self[4096];

/* How a child runs, its first argument: untraced, marked, marked with
 * CPUID faulting (spawn's traced, 0 to 2). */
static const char *const run_how[] = {"--run", "--run-marked", "--run-faulting"};

static pid_t spawn(int mode, int traced)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (traced && ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
            _exit(126);
        execl(self, self, run_how[traced], mode_arg[mode], (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Wall time of one fresh process, fork to exit; *call_ns, the time of the
 * call alone as the child measured it. */
static double time_process(int mode, double *call_ns)
{
    int fd[2];
    if (pipe(fd) < 0)
        exit(1);
    char num[16];
    snprintf(num, sizeof num, "%d", fd[1]);
    setenv("VMOPT_BENCH_CALL_FD", num, 1);
    double t0 = bench_now_ns();
    pid_t pid = spawn(mode, 0);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench-tune: the '%s' process failed\n", mode_arg[mode]);
        exit(1);
    }
    double dt = bench_now_ns() - t0;
    close(fd[1]);
    char buf[32] = "";
    ssize_t n = read(fd[0], buf, sizeof buf - 1);
    close(fd[0]);
    unsetenv("VMOPT_BENCH_CALL_FD");
    *call_ns = n > 0 ? atof(buf) : 0;
    return dt;
}

/* Which mapping of pid holds addr: "+offset path" on stderr. */
static void say_where(pid_t pid, unsigned long long addr)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long lo, hi, off;
        char *file = strchr(line, '/');
        if (sscanf(line, "%llx-%llx %*s %llx", &lo, &hi, &off) == 3 && addr >= lo && addr < hi)
            fprintf(stderr, "CPUID at +0x%llx %s", addr - lo + off, file ? file : "(anonymous)\n");
    }
    if (f)
        fclose(f);
}

/* Resumes the traced child with req (delivering sig), and waits: 1 and
 * the stop's signal in *stop, 0 when it exited with status 0, -1 else. */
static int resume(pid_t pid, int req, int sig, int *stop)
{
    int status;
    if (ptrace((enum __ptrace_request)req, pid, NULL, (void *)(long)sig) < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 0 ? 0 : -1;
    if (!WIFSTOPPED(status))
        return -1;
    *stop = WSTOPSIG(status);
    return 1;
}

/* Single-steps the call between the child's two markers and counts the
 * SYSCALL and CPUID instructions it executes. */
static int count_insns(int mode, unsigned long *syscalls, unsigned long *cpuids, unsigned long *steps)
{
    pid_t pid = spawn(mode, 1);
    int status, stepping = 0, where = getenv("VMOPT_BENCH_WHERE") != NULL;
    *syscalls = *cpuids = *steps = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) /* the stop at exec */
        return -1;
    for (;;) {
        if (stepping) {
            struct user_regs_struct regs;
            if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) == 0) {
                errno = 0;
                long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)regs.rip, NULL);
                if (errno == 0) {
                    unsigned op = (unsigned)word & 0xffff;
                    *syscalls += op == 0x050f;
                    *cpuids += op == 0xa20f;
                    if (op == 0xa20f && where)
                        say_where(pid, regs.rip);
                }
            }
            (*steps)++;
        }
        int sig, r = resume(pid, stepping ? PTRACE_SINGLESTEP : PTRACE_CONT, 0, &sig);
        if (r <= 0)
            return r;
        if (sig == SIGUSR1 || sig == SIGUSR2) {
            stepping = sig == SIGUSR1;
            continue; /* the marker is not delivered */
        }
        if (sig != SIGTRAP) { /* anything else goes to the child, untraced from here */
            if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) < 0)
                return -1;
            if (waitpid(pid, &status, 0) < 0 || WIFEXITED(status))
                return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
        }
    }
}

/* Whether this kernel and CPU make CPUID fault on request: then the child,
 * on the same machine, can too. */
static int cpuid_faulting(void)
{
    if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0)
        return 0;
    return syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1) == 0;
}

/* The system calls and CPUIDs between the child's markers, without
 * single-stepping: the calls at their entry stops, each CPUID at its fault,
 * where this process runs it with the child's leaf and subleaf and writes
 * the answer into the child's registers. */
static int count_stops(int mode, unsigned long *syscalls, unsigned long *cpuids)
{
    pid_t pid = spawn(mode, 2);
    int status, counting = 0, in_call = 0;
    *syscalls = *cpuids = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) /* the stop at exec */
        return -1;
    if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_TRACESYSGOOD) < 0)
        return -1;
    int deliver = 0;
    for (;;) {
        int sig, r = resume(pid, counting ? PTRACE_SYSCALL : PTRACE_CONT, deliver, &sig);
        if (r <= 0)
            return r;
        deliver = 0;
        if (sig == (SIGTRAP | 0x80)) { /* a system call's entry or exit */
            *syscalls += !in_call;
            in_call = !in_call;
        } else if (sig == SIGUSR1 || sig == SIGUSR2) {
            counting = sig == SIGUSR1;
            in_call = 0;
        } else if (sig == SIGSEGV) {
            struct user_regs_struct regs;
            if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
                return -1;
            errno = 0;
            long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)regs.rip, NULL);
            if (errno != 0 || ((unsigned)word & 0xffff) != 0xa20f) {
                deliver = sig; /* a real fault: the child's own */
                continue;
            }
            unsigned a, b, c, d;
            __cpuid_count((unsigned)regs.rax, (unsigned)regs.rcx, a, b, c, d);
            regs.rax = a, regs.rbx = b, regs.rcx = c, regs.rdx = d;
            regs.rip += 2;
            if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) < 0)
                return -1;
            *cpuids += counting;
        } else if (sig != SIGTRAP) {
            deliver = sig;
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    for (int how = 0; argc == 3 && how < 3; how++) {
        if (strcmp(argv[1], run_how[how]) != 0)
            continue;
        for (int m = 0; m < NMODES; m++)
            if (strcmp(argv[2], mode_arg[m]) == 0)
                return run_mode(m, how >= 1, how == 2);
        fprintf(stderr, "bench-tune: --run none, estimate, saved, measure or hwloc\n");
        return 2;
    }
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return 1;
    self[len] = 0;
    unsigned samples = getenv("VMOPT_BENCH_QUICK") ? 11 : 41;
    char dir[] = "/tmp/vmopt-bench-tune-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    /* Every mode has this cache: FRESH modes ignore the saved plan in it. */
    setenv("VMOPT_CACHE_DIR", dir, 1);
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.flags = VMOPT_TUNE_SAVE | VMOPT_TUNE_FRESH;
    o.level = VMOPT_LEVEL_MEASURE;
    if (vmopt_autotune(&o) < 0) {
        fprintf(stderr, "bench-tune: %s\n", vmopt_errmsg());
        return 1;
    }
    bench_print_cpu();
    double *v = calloc((size_t)NMODES * samples, sizeof *v), *d = calloc(samples, sizeof *d);
    double *call = calloc((size_t)NMODES * samples, sizeof *call);
    if (!v || !d || !call)
        return 1;
    for (int w = 0; w < 3; w++) /* warm the page cache and the loader */
        for (int m = 0; m < NMODES; m++)
            time_process(m, &call[0]);
    for (unsigned s = 0; s < samples; s++)
        for (int k = 0; k < NMODES; k++) {
            int m = (int)((k + s) % NMODES); /* the order rotates too */
            v[m * samples + s] = time_process(m, &call[m * samples + s]);
        }
    printf("vmopt_autotune() as a fresh process pays it: each mode's time minus the empty main's\n"
           "(same program, same libraries), %u interleaved rounds\n", samples);
    printf("%-30s %12s %12s %24s %12s\n", "", "process", "cost", "cost p10 .. p90", "call alone");
    double none_med = bench_median(v + NONE * samples, samples);
    for (int m = 0; m < NMODES; m++) {
        double *x = v + m * samples;
        for (unsigned s = 0; s < samples; s++)
            d[s] = x[s] - v[NONE * samples + s];
        qsort(d, samples, sizeof *d, cmp_double);
        double med = bench_median(x, samples), cost = med - none_med;
        printf("%-30s %9.3f ms", mode_name[m], med / 1e6);
        if (m != NONE)
            printf(" %9.3f ms  [%8.3f .. %8.3f ms] %9.3f ms", cost / 1e6, d[samples / 10] / 1e6,
                   d[samples - 1 - samples / 10] / 1e6, bench_median(call + m * samples, samples) / 1e6);
        if (bar_ns[m] > 0)
            printf("  bar <= %.1f ms: %s", bar_ns[m] / 1e6, cost <= bar_ns[m] ? "met" : "NOT MET");
        putchar('\n');
        bench_result r = {.group = "tune", .name = mode_name[m], .samples = samples, .calls_per_sample = 1,
                          .median_ns = m == NONE ? med : cost, .p10_ns = d[samples / 10],
                          .p90_ns = d[samples - 1 - samples / 10], .sample_ns = m == NONE ? x : d};
        bench_record(&r, NULL);
    }
    printf("\nthe call alone, single-stepped (measure: counted at its stops; deterministic counts):\n");
    printf("%-30s %10s %10s %14s\n", "", "syscalls", "CPUIDs", "instructions");
    for (int m = ESTIMATE; m < NMODES; m++) {
        unsigned long sc, cpuid, steps;
        if (m == MEASURE) { /* milliseconds of calibration: far too long to single-step */
            if (!cpuid_faulting())
                printf("%-30s (not counted: no CPUID faulting here, and too long to single-step)\n", mode_name[m]);
            else if (count_stops(m, &sc, &cpuid) < 0)
                printf("%-30s (could not trace: %s)\n", mode_name[m], strerror(errno));
            else
                printf("%-30s %10lu %10lu %14s\n", mode_name[m], sc, cpuid, "(not stepped)");
            continue;
        }
        if (count_insns(m, &sc, &cpuid, &steps) < 0)
            printf("%-30s (could not trace: %s)\n", mode_name[m], strerror(errno));
        else
            printf("%-30s %10lu %10lu %14lu\n", mode_name[m], sc, cpuid, steps);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench-tune: could not remove %s\n", dir);
    free(v);
    free(d);
    free(call);
    return 0;
}
