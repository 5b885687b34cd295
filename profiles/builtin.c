/* The built-in profiles, compiled in from the profiles/NAME.conf files. */
#include "config.h"

#include <string.h>

#include "lib/internal.h"
#include "profiles/builtin.h"

const vmopt__builtin *vmopt__builtin_find(const char *name)
{
    for (unsigned i = 0; i < vmopt__builtin_count; i++)
        if (strcmp(vmopt__builtins[i].name, name) == 0)
            return &vmopt__builtins[i];
    return NULL;
}

VMOPT_EXTERN const char *vmopt_builtin_profile_name(unsigned index)
{
    return index < vmopt__builtin_count ? vmopt__builtins[index].name : NULL;
}

VMOPT_EXTERN const char *vmopt_builtin_profile_description(unsigned index)
{
    static __thread char buf[VMOPT__DESC_LEN];
    const char *name = vmopt_builtin_profile_name(index);
    vmopt_profile *p;

    if (!name || vmopt_profile_load(&p, name) < 0)
        return NULL;
    vmopt__strlcpy(buf, vmopt_profile_description(p), sizeof buf);
    vmopt_profile_free(p);
    return buf;
}

VMOPT_EXTERN const char *vmopt_builtin_profile_text(const char *name)
{
    const vmopt__builtin *b = name ? vmopt__builtin_find(name) : NULL;
    return b ? b->text : NULL;
}
