/* ISA fallback: the architecture from uname and the features every CPU of
 * it has (SSE2 on x86-64, Advanced SIMD on AArch64).  Always answers.  On
 * AArch64 it also reads the kernel's hwcaps (getauxval: no system call,
 * no file), which say whether the kernel lets the process use SVE. */
#include "config.h"

#include <string.h>
#include <sys/utsname.h>
#ifdef __aarch64__
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "lib/internal.h"
#include "tuner/probe.h"

static int probe_baseline(struct vmopt_machine *m)
{
    struct utsname u;

    if (uname(&u) == 0)
        vmopt__strlcpy(m->arch, u.machine, sizeof m->arch);
    else
        vmopt__strlcpy(m->arch, "unknown", sizeof m->arch);
    if (strcmp(m->arch, "x86_64") == 0)
        vmopt__set_feature(m, VMOPT__FEAT_SSE2, VMOPT__SRC_UNAME);
    else if (strcmp(m->arch, "aarch64") == 0)
        vmopt__set_feature(m, VMOPT__FEAT_ASIMD, VMOPT__SRC_UNAME);
#ifdef __aarch64__
    if (getauxval(AT_HWCAP) & HWCAP_SVE)
        vmopt__set_feature(m, VMOPT__FEAT_SVE, VMOPT__SRC_AUXV);
#endif
    m->isa_probe = "baseline";
    return 0;
}

const vmopt__probe vmopt__probe_isa_baseline = {"baseline", VMOPT_PROBE_ISA, probe_baseline};
