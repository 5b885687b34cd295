/* The built-in profiles (profiles/builtin.c), their texts generated from
 * profiles/NAME.conf at build time (profiles/gen-builtin.sh). */
#ifndef VMOPT_PROFILES_BUILTIN_H
#define VMOPT_PROFILES_BUILTIN_H

#include "lib/plan.h"

typedef struct {
    const char *name;
    const char *text; /* the .conf file's contents */
} vmopt__builtin;

/* Generated from the profiles/NAME.conf files at build time (profiles/builtin-data.c). */
extern const vmopt__builtin vmopt__builtins[];
extern const unsigned vmopt__builtin_count;

const vmopt__builtin *vmopt__builtin_find(const char *name);

#endif
