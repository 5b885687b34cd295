/* Between the runtime (tuner/runtime.c: the plan in force) and the
 * retuner (tuner/retuner.c). */
#ifndef VMOPT_RUNTIME_H
#define VMOPT_RUNTIME_H

#include <stdint.h>
#include <stdio.h>

/* The plan in force's workload and [retune] settings (defaults before any
 * plan). */
void vmopt__rt_retune_settings(int *workload, uint64_t *period_ms, uint64_t *dwell_ms, uint64_t *hysteresis);
/* Installs the plan in force re-resolved for another workload: the values
 * the workload changes are taken from it, every other (calibrated ones
 * among them) stays; the changed values' reasons say so. */
int vmopt__rt_retarget(int workload);
/* When the first plan was installed (CLOCK_MONOTONIC ns). */
uint64_t vmopt__rt_start_ns(void);

/* The retuner's side. */
void vmopt__retune_reset(void);
int vmopt__retune_running(void);
int vmopt__retune_ever_started(void); /* the thread ran, or vmopt_retune() was called */
void vmopt__retune_dump(FILE *f, int json);

#endif
