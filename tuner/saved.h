/* Saved plans, as FFTW keeps wisdom: a plan resolved (and, later,
 * calibrated) once is written to a file per profile under the cache
 * directory, and loaded in place of probing and measuring again while the
 * machine's signature and the profile stay what they were. */
#ifndef VMOPT_SAVED_H
#define VMOPT_SAVED_H

#include <stddef.h>

#include "lib/machine.h"
#include "lib/plan.h"

#define VMOPT__SIGNATURE_LEN 512

/* What a saved plan is valid for: the library's version, the CPU (vendor,
 * model, family/model/stepping, the features vmopt uses), the cache sizes
 * the kernel reports in sysfs (read here, so that a plan saved after a full
 * probe matches a start-up that probes the ISA only), and a hash of the
 * profile's settings.  m needs its ISA part only. */
void vmopt__signature(const struct vmopt_machine *m, const struct vmopt_profile *p, char *buf,
                      size_t len);

/* A file in the cache directory: $VMOPT_CACHE_DIR, else
 * $XDG_CACHE_HOME/vmopt, else $HOME/.cache/vmopt. */
int vmopt__cache_file(const char *name, char *buf, size_t len);
/* mkdir -p of path's directory, 0700 for each level made. */
int vmopt__make_parents(const char *path);

/* The file for a profile: $VMOPT_CACHE_DIR, else $XDG_CACHE_HOME/vmopt,
 * else $HOME/.cache/vmopt, then "<profile>.plan" for a built-in, and
 * "<file name without .conf>.<hash of its absolute path>.plan" for a
 * profile file.  -ENOENT when no directory can be named. */
int vmopt__saved_path(const char *profile_name, char *buf, size_t len);

/* Writes the plan atomically: a temporary file in the same directory,
 * flushed, then renamed over the old one, so that a reader sees the old
 * file or the new one and concurrent writers each leave a whole file.
 * Creates the directory (0700).  level: VMOPT_LEVEL_*, the calibration. */
int vmopt__plan_save(const struct vmopt_plan *plan, const char *signature, int level, const char *path);

/* Loads a saved plan into *plan.  -ENOENT: no file (no message);
 * -ESTALE: the signature differs; -EBADMSG: truncated, corrupt, or a value
 * out of range.  vmopt_errmsg() names the file and the problem.  *level
 * gets the calibration level it was saved at (VMOPT_LEVEL_*). */
int vmopt__plan_load_saved(struct vmopt_plan *plan, const char *signature, const char *path, int *level);

#endif
