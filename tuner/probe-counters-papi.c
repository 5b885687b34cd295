/* Hardware counters from PAPI: how many, which presets the tuner can use,
 * or why there are none.  A KVM guest typically gets a perf_event
 * component that lists counters while no preset event is available; that
 * is a normal state, reported as zero counters with the reason. */
#include "config.h"

#include <errno.h>
#include <papi.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "tuner/sample-counters.h"
#include "tuner/probe.h"

static const int preset_codes[VMOPT__PRESET_COUNT] = {
#define VMOPT__PRESET_CODE_(id, name) [VMOPT__PRESET_##id] = PAPI_##id,
    VMOPT__PRESETS(VMOPT__PRESET_CODE_)
#undef VMOPT__PRESET_CODE_
};

/* PAPI is initialised once per process: what it finds does not change,
 * and repeated init/shutdown cycles are not what it is built for. */
static struct {
    pthread_once_t once;
    int rc;
    unsigned counters, slots;
    uint32_t presets;
    char version[16];
    char reason[192];
} cached = {.once = PTHREAD_ONCE_INIT};

static void why_none(void)
{
    int n = PAPI_num_components();
    const char *cpu_component = NULL;

    for (int i = 0; i < n; i++) {
        const PAPI_component_info_t *c = PAPI_get_component_info(i);
        if (c && strcmp(c->name, "perf_event") == 0) {
            if (c->disabled) {
                snprintf(cached.reason, sizeof cached.reason, "PAPI %s: perf_event disabled: %s",
                         cached.version, c->disabled_reason);
                return;
            }
            cpu_component = c->name;
        }
    }
    if (!cpu_component)
        snprintf(cached.reason, sizeof cached.reason, "PAPI %s: no CPU counter component",
                 cached.version);
    else
        snprintf(cached.reason, sizeof cached.reason,
                 "PAPI %s: perf_event lists %u counters but no preset event is available "
                 "(no usable PMU, as in most VM guests)",
                 cached.version, cached.slots);
}

/* Whether one listed preset really counts in this process: PAPI lists
 * presets from the CPU model, not from what the kernel will count. */
static int counts_here(void)
{
    int code = 0;
    for (unsigned i = 0; i < VMOPT__PRESET_COUNT && !code; i++)
        if (cached.presets & 1u << i)
            code = preset_codes[i];
    int set = PAPI_NULL, ok = 0;
    long long v = 0;
    if (PAPI_create_eventset(&set) != PAPI_OK)
        return 0;
    if (PAPI_add_event(set, code) == PAPI_OK && PAPI_start(set) == PAPI_OK)
        ok = PAPI_stop(set, &v) == PAPI_OK;
    PAPI_cleanup_eventset(set);
    PAPI_destroy_eventset(&set);
    return ok;
}

static void init_once(void)
{
    int v = PAPI_library_init(PAPI_VER_CURRENT);
    if (v != PAPI_VER_CURRENT) {
        cached.rc = -ENODEV;
        snprintf(cached.reason, sizeof cached.reason, "PAPI_library_init failed: %s",
                 v < 0 ? PAPI_strerror(v) : "version mismatch");
        return;
    }
    snprintf(cached.version, sizeof cached.version, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(v),
             PAPI_VERSION_MINOR(v), PAPI_VERSION_REVISION(v), PAPI_VERSION_INCREMENT(v));
    int slots = PAPI_num_hwctrs();
    cached.slots = slots > 0 ? (unsigned)slots : 0;
    for (unsigned i = 0; i < VMOPT__PRESET_COUNT; i++)
        if (PAPI_query_event(preset_codes[i]) == PAPI_OK)
            cached.presets |= 1u << i;
    cached.counters = cached.presets ? cached.slots : 0;
    if (cached.counters && !counts_here()) {
        /* A guest whose PAPI maps the presets from the CPU model, while
         * the hypervisor gives it no PMU: perf_event_open refuses them. */
        snprintf(cached.reason, sizeof cached.reason,
                 "PAPI %s lists %u presets, but the kernel cannot count them (no usable PMU, as in "
                 "most VM guests)",
                 cached.version, (unsigned)__builtin_popcount(cached.presets));
        cached.counters = 0;
        cached.presets = 0;
        cached.slots = 0;
    } else if (!cached.counters) {
        why_none();
    }
    if (!__atomic_load_n(&vmopt__papi_kept, __ATOMIC_ACQUIRE)) /* the retuner may be counting */
        PAPI_shutdown();
}

static int probe_papi(struct vmopt_machine *m)
{
    pthread_once(&cached.once, init_once);
    m->counters_probe = "papi";
    vmopt__strlcpy(m->counters_reason, cached.reason, sizeof m->counters_reason);
    if (cached.rc < 0)
        return 0; /* PAPI is present but unusable: that is the answer. */
    m->counters = cached.counters;
    m->pmu_slots = cached.slots;
    m->presets = cached.presets;
    vmopt__strlcpy(m->counters_version, cached.version, sizeof m->counters_version);
    return 0;
}

const vmopt__probe vmopt__probe_counters_papi = {"papi", VMOPT_PROBE_COUNTERS, probe_papi};
