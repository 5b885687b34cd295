/* Messages to stderr, filtered by VMOPT_LOG (default: warn). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "lib/internal.h"
#include "lib/options.h"

void vmopt__log(vmopt__log_level level, const char *fmt, ...)
{
    static const char *const tags[] = {"error", "warn", "info", "debug"};
    int saved = errno;

    if ((long)level > vmopt__option_long(VMOPT__O_LOG))
        return;
    char line[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vmopt: %s: %s\n", tags[level], line);
    errno = saved;
}
