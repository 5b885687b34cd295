/* Between the runtime (runtime/runtime.c: the plan in force) and the
 * retuner (runtime/retuner.c). */
#ifndef VMOPT_RUNTIME_H
#define VMOPT_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The plan in force's workload and [retune] settings (defaults before any
 * plan). */
void vmopt__rt_retune_settings(int *workload, uint64_t *period_ms, uint64_t *dwell_ms, uint64_t *hysteresis);
/* Installs the plan in force re-resolved for another workload: the values
 * the workload changes are taken from it, every other (calibrated ones
 * among them) stays; the changed values' reasons say so. */
int vmopt__rt_retarget(int workload);
/* A copy of the plan in force, tuning with the defaults first if there is
 * none (what a create with AUTO fields reads); NULL with *rc set.  who
 * names the caller in messages. */
struct vmopt_plan *vmopt__plan_or_tune(const char *who, int *rc);
/* The checks every create does on its arguments: both given, and a config
 * at least as large as this build's (made with its _INIT macro). */
int vmopt__check_create(const void *out, const void *cfg, size_t cfg_size, size_t expected, const char *who,
                        const char *init);

/* The plan in force's profile name, origin and workload (-1: no plan yet),
 * copied under the lock, for the live statistics. */
void vmopt__rt_plan_brief(char *profile, size_t profile_len, char *origin, size_t origin_len, int *workload);

/* When the first plan was installed (CLOCK_MONOTONIC ns). */
uint64_t vmopt__rt_start_ns(void);

/* The retuner's side.  It keeps the last VMOPT__RETUNE_HISTORY changes. */
#define VMOPT__RETUNE_HISTORY 16
void vmopt__retune_reset(void);
int vmopt__retune_running(void);
int vmopt__retune_ever_started(void); /* the thread ran, or vmopt_retune() was called */
uint64_t vmopt__retune_changes(void);  /* the changes made since the process began */

/* vmopt_options.flags bit of the preload's own: the retuner's thread is
 * not started by vmopt_autotune but by vmopt__rt_start_retuner, once main
 * runs, and only for VMOPT_RETUNE in the environment (a profile's
 * retune.enabled does not start a thread in every process of a host). */
#define VMOPT__TUNE_PRELOAD 0x80000000u
/* Starts the retuner if a vmopt_autotune with VMOPT__TUNE_PRELOAD wanted it. */
void vmopt__rt_start_retuner(void);

#endif
