/* The described platforms: CPUs this project decides for without running
 * on them, each with its topology and features, and the platform guide
 * (docs/platforms.md, `vmopt platforms`) that puts vmopt's plan on each
 * beside what glibc 2.40, QEMU and mimalloc would do there.
 *
 * The topologies are one package of the part named, from its vendor's
 * published cache sizes; an hwloc synthetic string describes one core
 * type, so Alder Lake's E-cores are left out.  tests/test-platforms.sh
 * holds every plan against its golden dump. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/machine.h"
#include "lib/plan.h"
#include "profiles/resolve.h"
#include "tuner/glibc-model.h"

#define X86_AVX2 "sse2,sse3,ssse3,sse4_1,sse4_2,avx,avx2"
#define X86_AVX512 X86_AVX2 ",avx512f,avx512bw,avx512vl"

typedef struct {
    const char *name, *title, *topology, *features;
} platform;

static const platform platforms[] = {
    {"skylake-sp", "Intel Xeon Platinum 8180 (Skylake-SP)",
     "synthetic:Package:1 L3:1(size=39424KiB) L2:28(size=1MiB) L1d:1(size=32KiB) Core:1 PU:2",
     "vendor=GenuineIntel,family=6,model=0x55," X86_AVX512 ",erms"},
    {"icelake-sp", "Intel Xeon Platinum 8380 (Ice Lake-SP)",
     "synthetic:Package:1 L3:1(size=60MiB) L2:40(size=1280KiB) L1d:1(size=48KiB) Core:1 PU:2",
     "vendor=GenuineIntel,family=6,model=0x6a," X86_AVX512 ",erms,fsrm"},
    {"sapphire-rapids", "Intel Xeon Platinum 8480+ (Sapphire Rapids)",
     "synthetic:Package:1 L3:1(size=107520KiB) L2:56(size=2MiB) L1d:1(size=48KiB) Core:1 PU:2",
     "vendor=GenuineIntel,family=6,model=0x8f," X86_AVX512 ",erms,fsrm,avx_vnni"},
    {"alder-lake", "Intel Core i9-12900K (Alder Lake, its 8 P-cores)",
     "synthetic:Package:1 L3:1(size=30MiB) L2:8(size=1280KiB) L1d:1(size=48KiB) Core:1 PU:2",
     "vendor=GenuineIntel,family=6,model=0x97," X86_AVX2 ",erms,fsrm,avx_vnni"},
    {"zen2", "AMD EPYC 7742 (Zen 2)",
     "synthetic:Package:1 L3:16(size=16MiB) L2:4(size=512KiB) L1d:1(size=32KiB) Core:1 PU:2",
     "vendor=AuthenticAMD,family=0x17,model=0x31," X86_AVX2},
    {"zen3", "AMD EPYC 7763 (Zen 3)",
     "synthetic:Package:1 L3:8(size=32MiB) L2:8(size=512KiB) L1d:1(size=32KiB) Core:1 PU:2",
     "vendor=AuthenticAMD,family=0x19,model=0x01," X86_AVX2 ",erms,fsrm"},
    {"zen4", "AMD EPYC 9654 (Zen 4)",
     "synthetic:Package:1 L3:12(size=32MiB) L2:8(size=1MiB) L1d:1(size=32KiB) Core:1 PU:2",
     "vendor=AuthenticAMD,family=0x19,model=0x11," X86_AVX512 ",erms,fsrm"},
    {"zen4-kvm", "AMD EPYC Zen 4, a 2-vCPU KVM guest whose CPUID gives the host's 320 MiB L3 (this project's CI)",
     "synthetic:Package:1 L3:1(size=32MiB) L2:2(size=1MiB) L1d:1(size=32KiB) Core:1 PU:1",
     "vendor=AuthenticAMD,family=0x19,model=0x11," X86_AVX512 ",erms,fsrm,cpuid_l3=320M"},
    {"zen5", "AMD EPYC 9575F (Zen 5)",
     "synthetic:Package:1 L3:8(size=32MiB) L2:8(size=1MiB) L1d:1(size=48KiB) Core:1 PU:2",
     "vendor=AuthenticAMD,family=0x1a,model=0x02," X86_AVX512 ",erms,fsrm,avx_vnni"},
    {"neoverse-n1", "Ampere Altra Q80-30 (Neoverse N1)",
     "synthetic:Package:1 L3:1(size=32MiB) L2:80(size=1MiB) L1d:1(size=64KiB) Core:1 PU:1",
     "vendor=ARM,family=0x41,model=0xd0c,asimd,zva=64,kernel=6.8"},
    {"neoverse-v1", "AWS Graviton3 (Neoverse V1, SVE 256)",
     "synthetic:Package:1 L3:1(size=32MiB) L2:64(size=1MiB) L1d:1(size=64KiB) Core:1 PU:1",
     "vendor=ARM,family=0x41,model=0xd40,asimd,sve,sve_vl=256,zva=64,kernel=6.8"},
    {"neoverse-v1-linux-5.10", "AWS Graviton3 under Linux 5.10, which drops SVE at every system call",
     "synthetic:Package:1 L3:1(size=32MiB) L2:64(size=1MiB) L1d:1(size=64KiB) Core:1 PU:1",
     "vendor=ARM,family=0x41,model=0xd40,asimd,sve,sve_vl=256,zva=64,kernel=5.10"},
    {"neoverse-v2", "AWS Graviton4 (Neoverse V2, SVE2 128)",
     "synthetic:Package:1 L3:1(size=36MiB) L2:96(size=2MiB) L1d:1(size=64KiB) Core:1 PU:1",
     "vendor=ARM,family=0x41,model=0xd4f,asimd,sve,sve2,sve_vl=128,zva=64,kernel=6.8"},
    {"a64fx", "Fujitsu A64FX (SVE 512, 256-byte lines and ZVA blocks)",
     "synthetic:Package:1 L2:4(size=8MiB) L1d:12(size=64KiB) Core:1 PU:1",
     "vendor=Fujitsu,family=0x46,model=0x001,asimd,sve,sve_vl=512,zva=256,line=256,kernel=6.8"},
    {"apple-m1", "Apple M1 under Linux (its 4 Firestorm cores: 128-byte lines, no SVE)",
     "synthetic:Package:1 L2:1(size=12MiB) L1d:4(size=128KiB) Core:1 PU:1",
     "vendor=Apple,family=0x61,model=0x023,asimd,zva=64,line=128,kernel=6.8"},
};

VMOPT_EXTERN const char *vmopt_platform_name(unsigned index)
{
    return index < VMOPT__ARRAY_SIZE(platforms) ? platforms[index].name : NULL;
}

static const platform *find(const char *name)
{
    for (size_t i = 0; name && i < VMOPT__ARRAY_SIZE(platforms); i++)
        if (strcmp(platforms[i].name, name) == 0)
            return &platforms[i];
    return NULL;
}

VMOPT_EXTERN int vmopt_machine_platform(vmopt_machine **out, const char *name)
{
    const platform *p = find(name);
    if (!out)
        return vmopt__fail(-EINVAL, "vmopt_machine_platform: out is NULL");
    if (!p)
        return vmopt__fail(-EINVAL, "platform '%s': no such described machine (vmopt platforms --list "
                                    "names them)", name ? name : "(null)");
    int rc = vmopt_machine_describe(out, p->topology, p->features);
    if (rc == 0)
        vmopt__strlcpy((*out)->model, p->title, sizeof (*out)->model);
    return rc;
}

/* ---- the guide ---- */

static void cell(FILE *f, const char *text)
{
    for (const char *c = text; *c; c++) {
        if (*c == '|')
            fputc('\\', f);
        fputc(*c, f);
    }
}

static void size_or_never(uint64_t v, uint64_t never, char *buf, size_t len)
{
    if (v == never)
        snprintf(buf, len, "never");
    else
        vmopt__format_size(v, buf, len);
}

static void machine_line(FILE *f, const struct vmopt_machine *m)
{
    static const char *const names[] = {"L1d", "L2", "L3"};
    char size[32];

    if (strcmp(m->arch, "aarch64") == 0)
        fprintf(f, "%s, implementer 0x%02x part 0x%03x", m->vendor, (unsigned)m->family, (unsigned)m->model_number);
    else
        fprintf(f, "%s family %d (0x%x) model %d (0x%x)", m->vendor, m->family, (unsigned)m->family,
                m->model_number, (unsigned)m->model_number);
    fprintf(f, "; %llu cores, %llu PUs", (unsigned long long)m->cores.value, (unsigned long long)m->pus.value);
    for (int l = 0; l < VMOPT__CACHE_LEVELS; l++) {
        if (!m->cache_size[l].value)
            continue;
        vmopt__format_size(m->cache_size[l].value, size, sizeof size);
        fprintf(f, "; %s %s", names[l], size);
        if (m->cache_shared_by[l].value > 1)
            fprintf(f, " per %llu PUs", (unsigned long long)m->cache_shared_by[l].value);
    }
    if (m->cache_line[VMOPT__L1D].value && m->cache_line[VMOPT__L1D].value != 64)
        fprintf(f, "; %llu-byte lines", (unsigned long long)m->cache_line[VMOPT__L1D].value);
    if (m->cache_size_alt[VMOPT__L3].value) {
        vmopt__format_size(m->cache_size_alt[VMOPT__L3].value, size, sizeof size);
        fprintf(f, "; CPUID says L3 %s", size);
    }
    fputs(".  \nFeatures:", f);
    for (int i = 0; i < VMOPT__FEAT_COUNT; i++)
        if (vmopt__has(m, (vmopt__feature)i))
            fprintf(f, " %s", vmopt__feature_name((vmopt__feature)i));
    if (m->sve_vl.value)
        fprintf(f, "; SVE %llu-bit", (unsigned long long)m->sve_vl.value * 8);
    if (m->zva_block.src)
        fprintf(f, "; DC ZVA %llu B", (unsigned long long)m->zva_block.value);
    if (m->kernel.value)
        fprintf(f, "; Linux %u.%u", (unsigned)(m->kernel.value >> 16), (unsigned)(m->kernel.value >> 8 & 0xff));
    fputs(".\n\n", f);
}

static void row(FILE *f, const struct vmopt_plan *plan, vmopt__key k, const char *reference)
{
    char value[48];
    int never = plan->v[k] == 0 && (k == VMOPT__K_MEMCPY_REP_MOVSB_MIN || k == VMOPT__K_MEMCPY_REP_STOSB_MIN ||
                                    k == VMOPT__K_MEMCPY_NONTEMPORAL_MIN || k == VMOPT__K_MEMCPY_ZVA_MIN);
    if (never)
        snprintf(value, sizeof value, "never");
    else
        vmopt__field_format(k, plan->v[k], value, sizeof value);
    fprintf(f, "| `%s.%s` | %s | ", vmopt__fields[k].section, vmopt__fields[k].key, value);
    cell(f, plan->reason[k]);
    fputs(" | ", f);
    cell(f, reference);
    fputs(" |\n", f);
}

static int platform_section(FILE *f, const platform *p, const struct vmopt_profile *profile)
{
    vmopt_machine *m;
    struct vmopt_plan plan;
    vmopt__overrides none = VMOPT__OVERRIDES_NONE;
    vmopt__glibc_choice g;
    char a[64], b[64], c[64], ref[256];

    int rc = vmopt_machine_platform(&m, p->name);
    if (rc < 0)
        return rc;
    rc = vmopt__plan_resolve(&plan, m, profile, &none);
    if (rc < 0) {
        vmopt_machine_free(m);
        return rc;
    }
    vmopt__glibc_model(m, &g);
    fprintf(f, "## %s\n\n`vmopt dump --platform %s`: ", p->title, p->name);
    machine_line(f, m);
    fputs("| key | vmopt | why | glibc 2.40, QEMU, mimalloc |\n|---|---|---|---|\n", f);
    snprintf(ref, sizeof ref, "`%s` (%u-byte vectors%s%s)", g.memmove, g.vec_bytes, g.why[0] ? "; " : "", g.why);
    row(f, &plan, VMOPT__K_MEMCPY_SIMD, ref);
    row(f, &plan, VMOPT__K_MEMCPY_LOOP, "the same function's loop");
    if (strcmp(m->arch, "aarch64") == 0)
        snprintf(ref, sizeof ref, "128 B without a loop, then a 64-byte loop");
    else
        snprintf(ref, sizeof ref, "%u B: 8 vectors with no loop", 8 * g.vec_bytes);
    row(f, &plan, VMOPT__K_MEMCPY_INLINE_MAX, ref);
    size_or_never(g.rep_movsb_min, VMOPT__GLIBC_NEVER, a, sizeof a);
    row(f, &plan, VMOPT__K_MEMCPY_REP_MOVSB_MIN, a);
    size_or_never(g.nontemporal_min, VMOPT__GLIBC_NEVER, a, sizeof a);
    size_or_never(g.shared, 0, b, sizeof b);
    size_or_never(g.per_thread, 0, c, sizeof c);
    if (g.nontemporal_min != VMOPT__GLIBC_NEVER)
        snprintf(ref, sizeof ref, "%s (from a shared cache of %s, a thread's %s)", a, b, c);
    else
        snprintf(ref, sizeof ref, "%s", a);
    row(f, &plan, VMOPT__K_MEMCPY_NONTEMPORAL_MIN, ref);
    size_or_never(g.rep_stosb_min, VMOPT__GLIBC_NEVER, a, sizeof a);
    snprintf(ref, sizeof ref, "%s; memset is `%s`", a, g.memset);
    row(f, &plan, VMOPT__K_MEMCPY_REP_STOSB_MIN, ref);
    if (strcmp(m->arch, "aarch64") == 0) {
        snprintf(ref, sizeof ref, "`%s`%s", g.memset,
                 strstr(g.memset, "zva") || strstr(g.memset, "a64fx") ? ": DC ZVA for zero fills"
                                                                    : ": no DC ZVA");
        row(f, &plan, VMOPT__K_MEMCPY_ZVA_MIN, ref);
    }
    row(f, &plan, VMOPT__K_TLB_ENTRIES, "QEMU: 256 at first, on every host");
    row(f, &plan, VMOPT__K_TLB_MAX_ENTRIES, "QEMU: 2^22, on every host");
    row(f, &plan, VMOPT__K_TLB_VICTIM, "QEMU: 8");
    row(f, &plan, VMOPT__K_POOL_MAGAZINE, "mimalloc: no per-thread count, a free list per 64 KiB page");
    row(f, &plan, VMOPT__K_POOL_CHUNK, "mimalloc 2: 64 KiB pages in 32 MiB segments");
    fputc('\n', f);
    vmopt_machine_free(m);
    return 0;
}

static const char header[] =
    "# Platforms: what vmopt decides on each CPU, and why\n"
    "\n"
    "Generated by `tools/vmopt platforms > docs/platforms.md`; `tests/test-platforms.sh` fails when\n"
    "this page or a plan differs from what the code decides (the plans' goldens are in\n"
    "`tests/golden/platforms/`). Each machine below is described, not probed: its topology is an hwloc\n"
    "synthetic string and its identity and features a list (`vmopt dump --platform NAME` shows the\n"
    "whole plan, `vmopt info --platform NAME` the machine). The profile is `default`. The last column is\n"
    "what the reference does on the same machine: glibc 2.40's IFUNC choice and thresholds (modelled\n"
    "in `tuner/glibc-model.c` from `sysdeps/x86/dl-cacheinfo.h`, `cpu_features.c` and\n"
    "`sysdeps/aarch64/multiarch/`), QEMU's software TLB and mimalloc, which do the same on every\n"
    "machine.\n"
    "\n"
    "The vendor rules, each cited in the reasons where it decides:\n"
    "\n"
    "- **AMD: no `rep movsb`.** It is slow when `(dst - src) mod 4 KiB` is small (glibc BZ 30994, after\n"
    "  which glibc starts it at the non-temporal threshold on every AMD CPU, that is never), and\n"
    "  microcoded on Zen 2 (firedancer #1073). bench-mem agrees on Zen 4 and Zen 5 (below).\n"
    "- **Intel with FSRM:** glibc's 2112 B, with copies whose destination is within 63 B past the\n"
    "  source (modulo 4 GiB) kept on the vector loop (`Avoid_Short_Distance_REP_MOVSB`, in\n"
    "  `dispatch/body.h`). Without FSRM, glibc's 4 KiB per 16 bytes of vector.\n"
    "- **512-bit vectors on Intel only with AVX-VNNI** (Sapphire Rapids on): before it the cores lower\n"
    "  their clock while 512-bit registers are live (glibc's `Prefer_No_AVX512`, LLVM #47680), so the\n"
    "  entry and the loop are 256-bit. On Zen 4, which splits 512-bit operations, both are 256-bit too\n"
    "  (measured, below); on Zen 5 both are 512-bit.\n"
    "- **Non-temporal stores from a thread's share of the L3 it really has**, from the topology\n"
    "  (hwloc, sysfs: the per-CCX L3 on AMD), not from the VM's CPUID leaves, which in a KVM guest\n"
    "  may give the host socket's (glibc BZ 30428, oxidecomputer/propolis#1152): see `zen4-kvm`.\n"
    "- **arm64:** no `rep movsb` or non-temporal stores; zero fills with DC ZVA from 512 B where\n"
    "  DCZID_EL0 gives 64-byte blocks (ARM optimized-routines), from eight blocks where they are\n"
    "  larger (A64FX), never where it prohibits them; SVE only where the kernel keeps it across\n"
    "  system calls (glibc's `prefer_sve_ifuncs`: not Linux 4.15 to 6.1, but for 5.14). No SVE\n"
    "  kernel exists yet, so the SVE vector length is shown but decides nothing.\n"
    "\n";

static const char measured[] =
    "## Measured on the CPUs this project has run on\n"
    "\n"
    "From `make bench` (bench-mem, bench-replay, bench-tlb, bench-pool), each against the reference in\n"
    "the same run, interleaved; medians of rounds. The figures and their full tables are in\n"
    "docs/memory.md, docs/tlb.md and docs/pool.md.\n"
    "\n"
    "| CPU | figure | vmopt | reference |\n"
    "|---|---|---|---|\n"
    "| AMD EPYC family 25 model 17 (Zen 4), 2-vCPU KVM | bench-replay, geometric mean of 8 recorded streams, avx2 entry (worst stream) | 1.065x glibc 2.36 (qemu-python 1.007x) | `__memmove_avx512_unaligned_erms` |\n"
    "| Zen 4, as above | the same, AVX-512 entry (worst stream) | 1.046x (lua-strings 0.92x) | as above |\n"
    "| Zen 4, as above | 4 KiB copy: 32-byte loop vs `rep movsb` | 106 GiB/s | 91 GiB/s |\n"
    "| Zen 4, as above | 4 KiB misaligned copy: 32-byte vs 64-byte loop | 83 GiB/s | 65 GiB/s |\n"
    "| Zen 4, as above | 16 MiB copy: streaming vs the AVX-512 loop (L3 32 MiB per 2 PUs) | 21.9 GiB/s | 13.8 GiB/s |\n"
    "| Zen 4, as above | bench-tlb, 256 Ki pages | 1.09-1.17x | a QEMU-style TLB |\n"
    "| AMD EPYC family 26 model 2 (Zen 5), 2-vCPU KVM | 4-16 KiB copy in the L1d: 64-byte loop vs `rep movsb` | 1.6x | glibc's `rep movsb` |\n"
    "| Zen 5, as above | 32 KiB copy, hot: `rep movsb` vs the 64-byte loop | 150 GiB/s | 82 GiB/s |\n"
    "| Zen 5, as above | bench-replay, geometric mean of 8 recorded streams, with the sampled band (worst stream) | 0.98-1.02x glibc 2.36 (lua-strings 0.85x) | glibc |\n"
    "| Intel family 6 model 167, 2-vCPU KVM | bench-replay, geometric mean of 8 recorded streams, AVX-512 entry | 1.007-1.014x glibc 2.36 | `__memmove_avx512_unaligned_erms` |\n"
    "| Intel, as above | 4-16 KiB copies | 1.02-1.21x | glibc |\n"
    "\n"
    "One Intel model and no arm64 hardware has run this project: the other Intel rows above are rules\n"
    "(glibc's, cited), not measurements, and `vmopt tune` measures on the machine itself. Under\n"
    "qemu-user the arm64 kernels are tested for correctness, never timed.\n";

VMOPT_EXTERN int vmopt_platforms_dump(FILE *f, unsigned flags)
{
    (void)flags;
    if (!f)
        return vmopt__fail(-EINVAL, "vmopt_platforms_dump: file is NULL");
    vmopt_profile *profile;
    int rc = vmopt_profile_load(&profile, "default");
    if (rc < 0)
        return rc;
    fputs(header, f);
    for (size_t i = 0; i < VMOPT__ARRAY_SIZE(platforms) && rc == 0; i++)
        rc = platform_section(f, &platforms[i], profile);
    if (rc == 0)
        fputs(measured, f);
    vmopt_profile_free(profile);
    if (rc == 0 && ferror(f))
        rc = vmopt__fail(-EIO, "platforms: write failed");
    return rc;
}
