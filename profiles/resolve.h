/* The resolver: machine + profile -> plan (profiles/resolve.c), with the
 * values from outside the profile that win over it. */
#ifndef VMOPT_PROFILES_RESOLVE_H
#define VMOPT_PROFILES_RESOLVE_H

#include "lib/machine.h"
#include "lib/plan.h"

/* Values from outside the profile that win over it (VMOPT_SIMD). */
typedef struct {
    int simd; /* -1: none */
    const char *simd_from;
} vmopt__overrides;

#define VMOPT__OVERRIDES_NONE {-1, NULL}

int vmopt__plan_resolve(struct vmopt_plan *plan, const struct vmopt_machine *m,
                        const struct vmopt_profile *p, const vmopt__overrides *ov);

#endif
