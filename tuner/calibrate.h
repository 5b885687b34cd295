/* Calibration, after FFTW's planner: `estimate` takes the probe alone,
 * `measure` runs short micro-benchmarks (50 ms in all, at most), and
 * `exhaustive` tries every candidate (seconds).  What it measures replaces
 * the estimated values of the plan, and the figures go into the reasons:
 * "measured: avx512 loop 241 GiB/s, rep movsb 131 GiB/s at 8 KiB ...".
 * Values a profile set explicitly are never changed. */
#ifndef VMOPT_CALIBRATE_H
#define VMOPT_CALIBRATE_H

#include "lib/machine.h"
#include "lib/plan.h"

/* Called as calibration goes: done from 0 to 1, and what runs now. */
typedef void (*vmopt__progress_fn)(void *arg, double done, const char *what);

/* Calibrates plan at o->level, reporting to o->progress, on o->tlb_trace
 * if there is one. */
typedef int (*vmopt__calibrate_fn)(struct vmopt_plan *plan, const struct vmopt_machine *m,
                                   const vmopt_options *o);

/* The calibrator of this library, from its components file: libvmopt's is
 * vmopt__calibrate; the preload's is NULL, as it only estimates. */
extern vmopt__calibrate_fn vmopt__calibrator;
int vmopt__calibrate(struct vmopt_plan *plan, const struct vmopt_machine *m, const vmopt_options *o);

extern const char *const vmopt__level_names[]; /* "estimate", "measure", "exhaustive" */

#endif
