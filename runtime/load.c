/* libvmopt's load-time hook.  VMOPT_DUMP makes any process that loads the
 * library write its dump once, even one that never calls vmopt_autotune().
 * Unset, this costs one getenv at load.  (The preload library has its own
 * start-up in preload/preload.c.) */
#include "config.h"

#include <errno.h>

#include "lib/options.h"
#include "vmopt.h"

__attribute__((constructor)) static void dump_at_load(void)
{
    int saved = errno;
    if (vmopt__option_string(VMOPT__O_DUMP))
        vmopt_autotune(NULL);
    errno = saved;
}
