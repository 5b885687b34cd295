/* Start-up of the preload library: one constructor that tunes the table
 * the interposed functions use.  Until it has run they use the baseline;
 * the probe and the profile parser call memcpy and malloc themselves and
 * get the baseline too, so nothing recurses into an unfinished probe.
 *
 * The start-up probes only what costs no shared library and no CPUID
 * (preload/components.c): the ISA glibc has already detected and the cache
 * sizes in sysfs. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "dispatch/dispatch.h"
#include "lib/internal.h"
#include "lib/options.h"
#include "runtime/runtime.h"

static void pass_to_libc(void)
{
    vmopt__move_fn move = (vmopt__move_fn)dlsym(RTLD_NEXT, "memmove");
    vmopt__set_fn set = (vmopt__set_fn)dlsym(RTLD_NEXT, "memset");
    vmopt__mem_table t;

    if (!move || !set) {
        vmopt__log(VMOPT__LOG_ERROR, "VMOPT_DISABLE=1: the C library's memmove/memset not found (%s)",
                   dlerror());
        return;
    }
    vmopt__mem_table_passthrough(&t, move, set, "C library");
    vmopt__mem_publish(&t);
}

__attribute__((constructor)) static void vmopt_preload_start(void)
{
    int saved_errno = errno;
    uint64_t t0 = vmopt__now_ns();

    if (vmopt__option_long(VMOPT__O_DISABLE) == 1) {
        pass_to_libc();
        /* Still show what would have been chosen when asked to. */
        if (vmopt__option_string(VMOPT__O_DUMP) == NULL) {
            errno = saved_errno;
            return;
        }
    }
    vmopt_options opts = VMOPT_OPTIONS_INIT;
    opts.probe = VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY;
    opts.flags |= VMOPT__TUNE_PRELOAD;
    if (vmopt_autotune(&opts) < 0)
        vmopt__log(VMOPT__LOG_WARN, "preload: %s; staying on the baseline", vmopt_errmsg());
    else
        vmopt__log(VMOPT__LOG_DEBUG, "preload: tuned in %.0f us", (double)(vmopt__now_ns() - t0) / 1e3);
    /* VMOPT_STATS=1: counting from here; the page and its thread come
     * when main runs (below). */
    if (vmopt__option_long(VMOPT__O_STATS) == 1)
        vmopt__mem_counting(1);
    errno = saved_errno;
}

/* The retuner's thread, when VMOPT_RETUNE asks for one, starts as main
 * does, not in this constructor: no thread exists before main, where a
 * program's own constructors may still count on being alone.  The
 * executable's start-up code calls __libc_start_main; this one hands it a
 * main that starts the thread first.  (A program that must stay single-
 * threaded, as unshare(CLONE_NEWUSER) and seccomp's TSYNC need, must not
 * be given VMOPT_RETUNE: docs/security.md.) */
typedef int (*main_fn)(int, char **, char **);
typedef int (*start_main_fn)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
static main_fn real_main;
VMOPT_EXTERN int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);

static int main_with_retuner(int argc, char **argv, char **envp)
{
    int saved_errno = errno;
    vmopt__rt_start_retuner();
    errno = saved_errno;
    return real_main(argc, argv, envp);
}

VMOPT_EXTERN int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end)
{
    start_main_fn next = (start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    if (!next)
        abort(); /* no C library under us: nothing could run */
    real_main = main;
    return next(main_with_retuner, argc, argv, init, fini, rtld_fini, stack_end);
}
