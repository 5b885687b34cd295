/* The process-wide runtime: the probed machine and the plan in force, kept
 * in one struct.  vmopt_autotune() is the only writer; readers get copies,
 * so a plan is never freed under anyone. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dispatch/dispatch.h"
#include "lib/file.h"
#include "lib/internal.h"
#include "lib/machine.h"
#include "lib/options.h"
#include "lib/plan.h"
#include "profiles/resolve.h"
#include "tuner/calibrate.h"
#include "tuner/probe.h"
#include "runtime/host-config.h"
#include "tuner/retune-decide.h"
#include "runtime/runtime.h"
#include "runtime/stats.h"
#include "tuner/saved.h"

const char *const vmopt__level_names[] = {"estimate", "measure", "exhaustive", NULL};

static struct {
    pthread_mutex_t lock;
    struct vmopt_machine *machine;
    int machine_full; /* probed by the full components, not only for the plan */
    struct vmopt_plan *plan;
    struct vmopt_profile profile; /* the plan's, for re-resolving it (valid with plan) */
    uint64_t start_ns;
    int dumped;
} rt = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The dump: written once when the first plan is installed, and again at
 * exit by the process that wrote it, if it retuned.  "stderr" at exit is
 * the same file as at start-up or nothing: a daemon that closed fd 2 may
 * have a data file there by then. */
static struct {
    pid_t pid;      /* the process that wrote it; 0: none yet */
    dev_t dev;      /* what fd 2 was, for "stderr" */
    ino_t ino;
} dump;

static void write_dump(const struct vmopt_machine *m, const struct vmopt_plan *plan, int at_exit)
{
    const char *target = vmopt__option_string(VMOPT__O_DUMP);
    if (!target)
        return;
    if (at_exit && dump.pid != getpid())
        return;
    size_t n = strlen(target);
    unsigned flags = VMOPT_DUMP_LIVE;
    if (n > 5 && strcmp(target + n - 5, ".json") == 0)
        flags |= VMOPT_DUMP_JSON;
    if (strcmp(target, "stderr") == 0) {
        struct stat st;
        if (fstat(2, &st) < 0)
            return;
        if (at_exit && (st.st_dev != dump.dev || st.st_ino != dump.ino))
            return;
        dump.pid = getpid();
        dump.dev = st.st_dev;
        dump.ino = st.st_ino;
        vmopt_plan_dump(stderr, m, plan, flags);
        fflush(stderr);
        return;
    }
    int fd = vmopt__file_open_write(target, O_TRUNC, 0, "VMOPT_DUMP");
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        vmopt__log(VMOPT__LOG_WARN, "%s", fd >= 0 ? "VMOPT_DUMP: out of memory" : vmopt_errmsg());
        return;
    }
    dump.pid = getpid();
    vmopt_plan_dump(f, m, plan, flags);
    if (fclose(f) != 0)
        vmopt__log(VMOPT__LOG_WARN, "VMOPT_DUMP=%s: cannot write: %s", target, strerror(errno));
}

/* Makes the memory primitives follow the plan.  VMOPT_DISABLE leaves them
 * where they are (the preload has pointed them at the C library). */
static void install_dispatch(const struct vmopt_machine *m, const struct vmopt_plan *plan)
{
    vmopt__mem_table t;

    if (vmopt__option_long(VMOPT__O_DISABLE) == 1)
        return;
    vmopt__mem_table_from_plan(&t, plan, m);
    if (!vmopt__mem_publish(&t))
        vmopt__log(VMOPT__LOG_WARN, "dispatch: out of memory; the previous table stays live");
}

/* Called with rt.lock held. */
/* The machine with at least these parts.  full 0: what the plan reads is
 * enough, from the cheap components (tuner/probe.h: no CPUID, a few sysfs
 * reads); 1: the full components (cpu_features, hwloc). */
static int ensure_machine(unsigned parts, int full)
{
    unsigned have = rt.machine ? rt.machine->probed : 0;
    if (rt.machine && (have & parts) == parts && (rt.machine_full || !full))
        return 0;
    full |= rt.machine_full;
    struct vmopt_machine *m;
    int rc = full ? vmopt_machine_probe(&m, parts | have) : vmopt__machine_probe_plan(&m, parts | have);
    if (rc < 0)
        return rc;
    free(rt.machine);
    rt.machine = m;
    rt.machine_full = full;
    return 0;
}

/* A fork while another thread tunes must not leave the child a held lock:
 * both locks are taken around fork, in the order vmopt_autotune takes them. */
static void lock_before_fork(void)
{
    pthread_mutex_lock(&rt.lock);
    vmopt__mem_lock();
}

static void unlock_after_fork(void)
{
    vmopt__mem_unlock();
    pthread_mutex_unlock(&rt.lock);
}

static void register_fork_handlers(void)
{
    pthread_atfork(lock_before_fork, unlock_after_fork, unlock_after_fork);
}

/* A bad host map is said once; the profile then falls back to default. */
static void warn_host_config_once(void)
{
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        vmopt__log(VMOPT__LOG_WARN, "%s; the file is ignored", vmopt_errmsg());
}

static void note_host_choice(struct vmopt_plan *plan, const char *from)
{
    if (!from[0])
        return;
    char origin[VMOPT__ORIGIN_LEN];
    snprintf(origin, sizeof origin, "%s; chosen for this executable by %s", plan->origin, from);
    vmopt__strlcpy(plan->origin, origin, sizeof plan->origin);
}

/* Installs plan (taking it), made from profile, with rt.lock held. */
static void install(struct vmopt_plan *plan, const struct vmopt_profile *profile)
{
    free(rt.plan);
    rt.plan = plan;
    rt.profile = *profile;
    if (!rt.start_ns)
        rt.start_ns = vmopt__now_ns();
    install_dispatch(rt.machine, rt.plan);
    if (!rt.dumped) {
        rt.dumped = 1;
        write_dump(rt.machine, rt.plan, 0);
    }
}

/* The saved plan for this machine and profile, if there is a good one
 * (rt.lock held).  Anything but a missing file is said once per process. */
static struct vmopt_plan *load_saved(const struct vmopt_profile *profile, const char *path, int level)
{
    static int warned;
    char sig[VMOPT__SIGNATURE_LEN];
    /* The signature reads the ISA (and sysfs itself): no topology probe. */
    if (ensure_machine(VMOPT_PROBE_ISA, 0) < 0)
        return NULL;
    vmopt__signature(rt.machine, profile, sig, sizeof sig);
    struct vmopt_plan *plan = malloc(sizeof *plan);
    if (!plan)
        return NULL;
    int saved_level;
    int rc = vmopt__plan_load_saved(plan, sig, path, &saved_level);
    if (rc == 0 && saved_level >= level)
        return plan;
    if (rc == 0) { /* calibrated less than asked for now: calibrate again */
        free(plan);
        return NULL;
    }
    if (rc != -ENOENT && !warned) {
        warned = 1;
        vmopt__log(VMOPT__LOG_WARN, "%s; ignored, tuning afresh", vmopt_errmsg());
    }
    free(plan);
    return NULL;
}

static int retuner_wanted; /* by the preload's start-up, for vmopt__rt_start_retuner */

/* Outside rt.lock (the retuner takes its own lock, then rt.lock): the
 * retuner follows the new plan, and starts when asked for. */
static void after_install(const vmopt_options *o)
{
    vmopt__retune_reset();
    long env = vmopt__option_long(VMOPT__O_RETUNE);
    uint64_t enabled = 0;
    pthread_mutex_lock(&rt.lock);
    if (rt.plan)
        enabled = rt.plan->v[VMOPT__K_RETUNE_ENABLED];
    pthread_mutex_unlock(&rt.lock);
    int want = env == 0 ? 0 : env > 0 || (o->flags & VMOPT_TUNE_RETUNE) || enabled;
    if (o->flags & VMOPT__TUNE_PRELOAD) {
        __atomic_store_n(&retuner_wanted, env > 0, __ATOMIC_RELAXED);
        return;
    }
    if (want && vmopt_retune_start() < 0)
        vmopt__log(VMOPT__LOG_WARN, "%s; not retuning", vmopt_errmsg());
    vmopt__stats_start_if_asked();
}

void vmopt__rt_start_retuner(void)
{
    vmopt__stats_start_if_asked();
    if (__atomic_exchange_n(&retuner_wanted, 0, __ATOMIC_RELAXED) && vmopt_retune_start() < 0)
        vmopt__log(VMOPT__LOG_WARN, "%s; not retuning", vmopt_errmsg());
}

void vmopt__rt_retune_settings(int *workload, uint64_t *period_ms, uint64_t *dwell_ms, uint64_t *hysteresis)
{
    pthread_mutex_lock(&rt.lock);
    if (rt.plan) {
        *workload = rt.plan->workload;
        *period_ms = rt.plan->v[VMOPT__K_RETUNE_PERIOD];
        *dwell_ms = rt.plan->v[VMOPT__K_RETUNE_DWELL];
        *hysteresis = rt.plan->v[VMOPT__K_RETUNE_HYSTERESIS];
    } else {
        *workload = VMOPT__WL_BALANCED;
        *period_ms = vmopt__field_default(VMOPT__K_RETUNE_PERIOD);
        *dwell_ms = vmopt__field_default(VMOPT__K_RETUNE_DWELL);
        *hysteresis = vmopt__field_default(VMOPT__K_RETUNE_HYSTERESIS);
    }
    pthread_mutex_unlock(&rt.lock);
}

void vmopt__rt_plan_brief(char *profile, size_t profile_len, char *origin, size_t origin_len, int *workload)
{
    pthread_mutex_lock(&rt.lock);
    vmopt__strlcpy(profile, rt.plan ? rt.plan->profile : "none (not tuned yet)", profile_len);
    vmopt__strlcpy(origin, rt.plan ? rt.plan->origin : "", origin_len);
    *workload = rt.plan ? rt.plan->workload : -1;
    pthread_mutex_unlock(&rt.lock);
}

uint64_t vmopt__rt_start_ns(void)
{
    pthread_mutex_lock(&rt.lock);
    uint64_t t = rt.start_ns;
    pthread_mutex_unlock(&rt.lock);
    return t;
}

int vmopt__rt_retarget(int workload)
{
    vmopt__overrides ov = VMOPT__OVERRIDES_NONE;
    struct vmopt_plan *was = malloc(sizeof *was), *now = malloc(sizeof *now);
    int rc = was && now ? 0 : vmopt__fail(-ENOMEM, "retune: out of memory");
    pthread_mutex_lock(&rt.lock);
    if (rc == 0 && !rt.plan)
        rc = vmopt__fail(-ENOENT, "retune: no plan in force");
    struct vmopt_profile p = rt.profile;
    /* Both estimates, for the old workload and the new: what differs is
     * what the workload decides. */
    if (rc == 0)
        rc = vmopt__plan_resolve(was, rt.machine, &p, &ov);
    p.workload = workload;
    if (rc == 0)
        rc = vmopt__plan_resolve(now, rt.machine, &p, &ov);
    if (rc == 0) {
        struct vmopt_plan *next = was; /* reused: the plan in force, with the workload's values */
        *next = *rt.plan;
        next->workload = workload;
        for (int k = 0; k < VMOPT__K_COUNT; k++)
            if (now->v[k] != was->v[k] || strcmp(now->reason[k], was->reason[k]) != 0) {
                next->v[k] = now->v[k];
                snprintf(next->reason[k], sizeof next->reason[k], "retuned for %s: %s",
                         vmopt__workload_names[workload], now->reason[k]);
            }
        free(rt.plan);
        rt.plan = next;
        rt.profile = p;
        was = NULL;
        install_dispatch(rt.machine, rt.plan);
    }
    pthread_mutex_unlock(&rt.lock);
    free(was);
    free(now);
    return rc;
}

VMOPT_EXTERN int vmopt_autotune(const vmopt_options *opts)
{
    static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
    /* The first release's options ended at probe: callers built then
     * still work, with flags 0. */
    const size_t v1_size = offsetof(vmopt_options, flags);
    vmopt_options o = VMOPT_OPTIONS_INIT;
    int saved_errno = errno;

    pthread_once(&fork_once, register_fork_handlers);
    if (opts && opts->size < v1_size)
        return vmopt__fail(-EINVAL, "vmopt_autotune: options.size %zu, expected %zu (use VMOPT_OPTIONS_INIT)",
                           opts->size, sizeof(vmopt_options));
    if (opts) {
        memcpy(&o, opts, opts->size < sizeof o ? opts->size : sizeof o);
        o.size = sizeof o;
    }
    if (o.probe & ~VMOPT_PROBE_ALL)
        return vmopt__fail(-EINVAL, "vmopt_autotune: unknown probe bits 0x%x", o.probe);
    if (o.flags & ~(VMOPT_TUNE_SAVE | VMOPT_TUNE_FRESH | VMOPT_TUNE_RETUNE | VMOPT__TUNE_PRELOAD))
        return vmopt__fail(-EINVAL, "vmopt_autotune: unknown flags 0x%x", o.flags);
    if (o.tlb_trace_len && !o.tlb_trace)
        return vmopt__fail(-EINVAL, "vmopt_autotune: tlb_trace_len %zu with no tlb_trace", o.tlb_trace_len);
    if (o.level < VMOPT_LEVEL_ESTIMATE || o.level > VMOPT_LEVEL_EXHAUSTIVE)
        return vmopt__fail(-EINVAL, "vmopt_autotune: level %d: expected VMOPT_LEVEL_ESTIMATE, _MEASURE or _EXHAUSTIVE",
                           o.level);
    if (o.level > VMOPT_LEVEL_ESTIMATE && !vmopt__calibrator)
        return vmopt__fail(VMOPT_EUNSUPPORTED, "vmopt_autotune: level %s: this library only estimates (calibration is in libvmopt)",
                           vmopt__level_names[o.level]);

    /* The profile: the caller's, else $VMOPT_PROFILE, else the host's map
     * for this executable, else default. */
    const char *env_profile = o.profile ? NULL : vmopt__option_string(VMOPT__O_PROFILE);
    const char *name = o.profile ? o.profile : env_profile ? env_profile : "default";
    char host_profile[256], host_from[300] = "";
    if (!o.profile && !env_profile) {
        int hc = vmopt__host_profile(host_profile, sizeof host_profile, host_from, sizeof host_from);
        if (hc > 0)
            name = host_profile;
        else if (hc < 0)
            warn_host_config_once();
    }
    /* Parse before taking the lock: a bad profile changes nothing. */
    vmopt_profile *profile;
    int rc = vmopt_profile_load(&profile, name);
    if (rc < 0) {
        if (env_profile)
            vmopt__log(VMOPT__LOG_ERROR, "VMOPT_PROFILE=%s: %s; plan unchanged", name, vmopt_errmsg());
        else if (host_from[0])
            vmopt__log(VMOPT__LOG_ERROR, "profile %s (from %s): %s; plan unchanged", name, host_from,
                       vmopt_errmsg());
        return rc;
    }

    char simd_from[64];
    vmopt__overrides ov = VMOPT__OVERRIDES_NONE;
    long simd = vmopt__option_long(VMOPT__O_SIMD);
    if (simd >= 0) {
        ov.simd = (int)simd;
        snprintf(simd_from, sizeof simd_from, "VMOPT_SIMD=%s", vmopt__option_string(VMOPT__O_SIMD));
        ov.simd_from = simd_from;
    }
    /* A saved plan stands for the profile alone, not with an override.  It
     * replaces the probe: the preload, which asks for the ISA and topology,
     * then probes the ISA only. */
    char path[4096];
    int use_saved = !(o.flags & VMOPT_TUNE_FRESH) && simd < 0 && vmopt__saved_path(name, path, sizeof path) == 0;
    vmopt__clear_error();

    int installed = 0;
    pthread_mutex_lock(&rt.lock);
    struct vmopt_plan *plan = use_saved ? load_saved(profile, path, o.level) : NULL;
    int from_saved = plan != NULL;
    if (!from_saved) {
        plan = malloc(sizeof *plan);
        /* The plan reads the ISA and the topology; counters serve only the
         * retuner, which reads them itself. */
        rc = plan ? ensure_machine(o.probe ? o.probe : VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY, o.probe != 0)
                  : vmopt__fail(-ENOMEM, "vmopt_autotune: out of memory");
        if (rc == 0)
            rc = vmopt__plan_resolve(plan, rt.machine, profile, &ov);
        /* Calibration runs with the lock held: another caller waits for it,
         * rather than tuning the same machine twice. */
        if (rc == 0 && o.level > VMOPT_LEVEL_ESTIMATE)
            rc = vmopt__calibrator(plan, rt.machine, &o);
    }
    if (rc == 0) {
        note_host_choice(plan, host_from);
        install(plan, profile);
        plan = NULL;
        installed = 1;
        if ((o.flags & VMOPT_TUNE_SAVE) && !from_saved) {
            char sig[VMOPT__SIGNATURE_LEN];
            vmopt__signature(rt.machine, profile, sig, sizeof sig);
            rc = vmopt__saved_path(name, path, sizeof path);
            if (rc == 0)
                rc = vmopt__plan_save(rt.plan, sig, o.level, path);
        }
    }
    pthread_mutex_unlock(&rt.lock);
    free(plan);
    vmopt_profile_free(profile);
    if (installed)
        after_install(&o);
    errno = saved_errno;
    return rc;
}

struct vmopt_plan *vmopt__plan_or_tune(const char *who, int *rc)
{
    struct vmopt_plan *plan = vmopt_current_plan();
    if (plan)
        return plan;
    if ((*rc = vmopt_autotune(NULL)) < 0)
        return NULL;
    if (!(plan = vmopt_current_plan()))
        *rc = vmopt__fail(-ENOMEM, "%s: out of memory", who);
    return plan;
}

int vmopt__check_create(const void *out, const void *cfg, size_t cfg_size, size_t expected, const char *who,
                        const char *init)
{
    if (!out || !cfg)
        return vmopt__fail(-EINVAL, "%s: out and cfg are required", who);
    if (cfg_size < expected)
        return vmopt__fail(-EINVAL, "%s: cfg.size %zu, expected %zu (use %s)", who, cfg_size, expected, init);
    return 0;
}

VMOPT_EXTERN vmopt_plan *vmopt_current_plan(void)
{
    struct vmopt_plan *copy = NULL;

    pthread_mutex_lock(&rt.lock);
    if (rt.plan) {
        copy = malloc(sizeof *copy);
        if (copy)
            memcpy(copy, rt.plan, sizeof *copy);
    }
    pthread_mutex_unlock(&rt.lock);
    if (!copy)
        vmopt__fail(rt.plan ? -ENOMEM : -ENOENT, "vmopt_current_plan: %s",
                    rt.plan ? "out of memory" : "no plan installed yet (call vmopt_autotune)");
    return copy;
}

__attribute__((destructor)) static void release_at_unload(void)
{
    /* A process that retuned writes its dump again on the way out, with
     * the history of the changes and the table then in force. */
    int retuned = vmopt__retune_ever_started();
    vmopt_retune_stop();
    pthread_mutex_lock(&rt.lock);
    if (retuned && rt.dumped && rt.plan)
        write_dump(rt.machine, rt.plan, 1);
    free(rt.plan);
    free(rt.machine);
    rt.plan = NULL;
    rt.machine = NULL;
    pthread_mutex_unlock(&rt.lock);
}
