/* What glibc 2.40 chooses on a machine: its IFUNC selectors for memmove
 * and memset (sysdeps/x86_64/multiarch/ifunc-memmove.h, ifunc-memset.h;
 * sysdeps/aarch64/multiarch/memcpy.c, memset.c) and its x86 thresholds
 * (sysdeps/x86/dl-cacheinfo.h, cpu_features.c), as a pure function of the
 * machine description, so that the platform guide can put vmopt's choice
 * beside it on machines this project has never run on. */
#ifndef VMOPT_TUNER_GLIBC_MODEL_H
#define VMOPT_TUNER_GLIBC_MODEL_H

#include <stdint.h>

#include "lib/machine.h"

#define VMOPT__GLIBC_NEVER UINT64_MAX

typedef struct {
    char memmove[48], memset[48]; /* the variant's name, "__memmove_avx512_unaligned_erms" */
    unsigned vec_bytes;           /* memmove's vector width */
    uint64_t rep_movsb_min;       /* VMOPT__GLIBC_NEVER where rep movsb is never used */
    uint64_t rep_stosb_min;
    uint64_t nontemporal_min;     /* x86 memmove; NEVER on arm64 */
    uint64_t shared, per_thread;  /* the cache sizes it computed that from (x86) */
    char why[160];                /* the flags that decided, in a line */
} vmopt__glibc_choice;

void vmopt__glibc_model(const struct vmopt_machine *m, vmopt__glibc_choice *out);

#endif
