/* Hardware counts of the whole process, for the retuner (libvmopt only). */
#ifndef VMOPT_COUNTERS_H
#define VMOPT_COUNTERS_H

#include <stdint.h>

/* Cumulative cycles, data-TLB misses and last-level cache misses of every
 * thread of the process; 1, or 0 when the machine gives no counts (no
 * PMU, no PAPI), the values then untouched.  One caller at a time. */
int vmopt__counters_read(uint64_t *cycles, uint64_t *dtlb_misses, uint64_t *llc_misses);

/* Set once the retuner counts with PAPI: the probe then leaves PAPI
 * initialised instead of shutting it down under the retuner's counters. */
extern int vmopt__papi_kept;

#endif
