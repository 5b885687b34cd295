/* One error convention: 0 or a negative errno (or VMOPT_E*), plus a
 * per-thread message for the details. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"

static __thread char errmsg[512];

int vmopt__fail(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return err;
}

void vmopt__clear_error(void)
{
    errmsg[0] = '\0';
}

VMOPT_EXTERN const char *vmopt_errmsg(void)
{
    return errmsg;
}

VMOPT_EXTERN const char *vmopt_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define VMOPT_ERR_CASE_(name, val, msg)                                                            \
    case val:                                                                                      \
        return msg;
        VMOPT_ERRNO_MAP(VMOPT_ERR_CASE_)
#undef VMOPT_ERR_CASE_
    }
    /* strerror() may write a shared buffer for unknown values; these do not. */
    if (err < 0 && err > -4096) {
        const char *s = strerrordesc_np(-err);
        if (s)
            return s;
    }
    return "unknown error";
}

VMOPT_EXTERN unsigned vmopt_version(void)
{
    return VMOPT_VERSION_HEX;
}

VMOPT_EXTERN const char *vmopt_version_string(void)
{
    return VMOPT_VERSION_STRING;
}
