/* Profiles: parsing (with include inheritance) and the built-in set. */
#ifndef VMOPT_PROFILE_H
#define VMOPT_PROFILE_H

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
