/* Names and small queries over the machine description. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/machine.h"

static const char *const feature_names[] = {
#define VMOPT__FEAT_NAME_(id, name) #name,
    VMOPT__FEATURES(VMOPT__FEAT_NAME_)
#undef VMOPT__FEAT_NAME_
};

static const char *const source_names[] = {
#define VMOPT__SRC_NAME_(id, name) name,
    VMOPT__SOURCES(VMOPT__SRC_NAME_)
#undef VMOPT__SRC_NAME_
};

static const char *const vendor_names[] = {
#define VMOPT__VENDOR_NAME_(id, name) name,
    VMOPT__VENDORS(VMOPT__VENDOR_NAME_)
#undef VMOPT__VENDOR_NAME_
};

static const char *const preset_names[] = {
#define VMOPT__PRESET_NAME_(id, name) name,
    VMOPT__PRESETS(VMOPT__PRESET_NAME_)
#undef VMOPT__PRESET_NAME_
};

const char *vmopt__feature_name(vmopt__feature f)
{
    return (unsigned)f < VMOPT__FEAT_COUNT ? feature_names[f] : NULL;
}

const char *vmopt__source_name(vmopt__source s)
{
    return (unsigned)s < VMOPT__SRC_COUNT ? source_names[s] : "?";
}

const char *vmopt__vendor_name(vmopt__vendor v)
{
    return (unsigned)v < VMOPT__VENDOR_COUNT ? vendor_names[v] : "?";
}

vmopt__vendor vmopt__vendor_of(const char *name)
{
    static const struct {
        const char *name;
        vmopt__vendor kind;
    } known[] = {
        {"GenuineIntel", VMOPT__VENDOR_INTEL}, {"AuthenticAMD", VMOPT__VENDOR_AMD},
        {"HygonGenuine", VMOPT__VENDOR_AMD},   {"ARM", VMOPT__VENDOR_ARM},
        {"Fujitsu", VMOPT__VENDOR_FUJITSU},    {"Apple", VMOPT__VENDOR_APPLE},
    };
    if (!name || !*name)
        return VMOPT__VENDOR_UNKNOWN;
    for (size_t i = 0; i < VMOPT__ARRAY_SIZE(known); i++)
        if (strcmp(name, known[i].name) == 0)
            return known[i].kind;
    for (unsigned v = VMOPT__VENDOR_INTEL; v < VMOPT__VENDOR_COUNT; v++)
        if (strcmp(name, vendor_names[v]) == 0)
            return (vmopt__vendor)v;
    return VMOPT__VENDOR_OTHER;
}

const char *vmopt__arm64_implementer(unsigned code)
{
    static const struct {
        unsigned code;
        const char *name;
    } implementers[] = {
        {0x41, "ARM"}, {0x42, "Broadcom"}, {0x43, "Cavium"}, {0x46, "Fujitsu"}, {0x48, "HiSilicon"},
        {0x4e, "NVIDIA"}, {0x50, "APM"}, {0x51, "Qualcomm"}, {0x61, "Apple"}, {0xc0, "Ampere"},
    };
    for (size_t i = 0; i < VMOPT__ARRAY_SIZE(implementers); i++)
        if (implementers[i].code == code)
            return implementers[i].name;
    return NULL;
}

const char *vmopt__preset_name(unsigned preset)
{
    return preset < VMOPT__PRESET_COUNT ? preset_names[preset] : NULL;
}

VMOPT_EXTERN const char *vmopt_feature_name(unsigned index)
{
    return vmopt__feature_name((vmopt__feature)index);
}

static int feature_index(const char *name, size_t len)
{
    for (unsigned i = 0; i < VMOPT__FEAT_COUNT; i++)
        if (strlen(feature_names[i]) == len && strncmp(feature_names[i], name, len) == 0)
            return (int)i;
    return -1;
}

VMOPT_EXTERN int vmopt_machine_has(const vmopt_machine *m, const char *feature)
{
    int i = feature ? feature_index(feature, strlen(feature)) : -1;
    if (i < 0)
        return vmopt__fail(-EINVAL, "unknown feature '%s'", feature ? feature : "(null)");
    return vmopt__has(m, (vmopt__feature)i);
}

/* A number in a described machine's feature list: decimal or 0x hex, with
 * K/M/G for sizes. */
static int parse_number(const char *p, size_t len, int sizes, uint64_t *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    if (sizes) {
        const char *why;
        return vmopt__parse_size(buf, out, &why);
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 0);
    if (errno || *end || buf[0] == '-')
        return -1;
    *out = v;
    return 0;
}

int vmopt__parse_release(const char *p, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    int parts = 0;
    for (size_t i = 0; i < len && parts < 3; parts++) {
        unsigned n = 0, digits = 0;
        while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 4) {
            n = n * 10 + (unsigned)(p[i++] - '0');
            digits++;
        }
        if (!digits || n > 255 || (i < len && p[i] != '.'))
            return -1;
        v |= (uint64_t)n << (16 - 8 * parts);
        i += i < len;
    }
    *out = v;
    return parts ? 0 : -1;
}

#define FEATURE_KEYS "arch=, vendor=, family=, model=, stepping=, sve_vl=BITS, zva=BYTES, kernel=X.Y, line=BYTES, cpuid_l3=SIZE"

static int parse_setting(struct vmopt_machine *m, const char *p, size_t klen, const char *v, size_t vlen)
{
    uint64_t n = 0;
#define KEY(name) (klen == sizeof name - 1 && strncmp(p, name, klen) == 0)
    if (KEY("arch") || KEY("vendor")) {
        char *dst = KEY("arch") ? m->arch : m->vendor;
        size_t cap = KEY("arch") ? sizeof m->arch : sizeof m->vendor;
        if (vlen == 0 || vlen >= cap)
            return vmopt__fail(-EINVAL, "features: %.*s '%.*s' is empty or longer than %zu characters", (int)klen,
                               p, (int)vlen, v, cap - 1);
        memcpy(dst, v, vlen);
        dst[vlen] = '\0';
        if (KEY("vendor")) {
            m->vendor_kind = (uint8_t)vmopt__vendor_of(m->vendor);
            m->vendor_src = VMOPT__SRC_GIVEN;
        }
        return 0;
    }
    if (KEY("family") || KEY("model") || KEY("stepping")) {
        if (parse_number(v, vlen, 0, &n) < 0 || n > 0xffff)
            return vmopt__fail(-EINVAL, "features: %.*s '%.*s' is not a number up to 0xffff", (int)klen, p,
                               (int)vlen, v);
        *(KEY("family") ? &m->family : KEY("model") ? &m->model_number : &m->stepping) = (int)n;
        return 0;
    }
    if (KEY("sve_vl")) {
        /* The architecture's vector lengths: 128 to 2048 bits in steps of 128. */
        if (parse_number(v, vlen, 0, &n) < 0 || n < 128 || n > 2048 || n % 128)
            return vmopt__fail(-EINVAL, "features: sve_vl '%.*s' is not a vector length in bits (128..2048, "
                                        "a multiple of 128)", (int)vlen, v);
        vmopt__set_fact(&m->sve_vl, n / 8, VMOPT__SRC_GIVEN);
        return 0;
    }
    if (KEY("zva") || KEY("line")) {
        /* DCZID_EL0 encodes 4 << BS, BS up to 9 (2 KiB); 0 means prohibited. */
        int zva = KEY("zva");
        if (parse_number(v, vlen, 0, &n) < 0 || (n & (n - 1)) || (zva ? n > 2048 || (n && n < 4) : n < 16 || n > 1024))
            return vmopt__fail(-EINVAL, "features: %s '%.*s' is not %s", zva ? "zva" : "line", (int)vlen, v,
                               zva ? "a DC ZVA block size in bytes (a power of two, 4..2048, or 0 for prohibited)"
                                   : "a cache line size in bytes (a power of two, 16..1024)");
        if (zva) {
            vmopt__set_fact(&m->zva_block, n, VMOPT__SRC_GIVEN);
            m->zva_block.src = VMOPT__SRC_GIVEN; /* known, even when 0 */
        } else {
            for (int l = 0; l < VMOPT__CACHE_LEVELS; l++)
                vmopt__set_fact(&m->cache_line[l], n, VMOPT__SRC_GIVEN);
        }
        return 0;
    }
    if (KEY("kernel")) {
        if (vmopt__parse_release(v, vlen, &n) < 0)
            return vmopt__fail(-EINVAL, "features: kernel '%.*s' is not a release such as 6.1 or 5.14.0",
                               (int)vlen, v);
        vmopt__set_fact(&m->kernel, n, VMOPT__SRC_GIVEN);
        m->kernel.src = VMOPT__SRC_GIVEN;
        return 0;
    }
    if (KEY("cpuid_l3")) {
        /* What a VM's CPUID leaves say of the L3, where they disagree with
         * the topology (the host socket's size): glibc reads it. */
        if (parse_number(v, vlen, 1, &n) < 0 || n == 0)
            return vmopt__fail(-EINVAL, "features: cpuid_l3 '%.*s' is not a size such as 320M", (int)vlen, v);
        vmopt__set_fact(&m->cache_size_alt[VMOPT__L3], n, VMOPT__SRC_SYSCONF);
        return 0;
    }
#undef KEY
    return vmopt__fail(-EINVAL, "features: unknown setting '%.*s=' (known: " FEATURE_KEYS ")", (int)klen, p);
}

int vmopt__parse_features(struct vmopt_machine *m, const char *list)
{
    const char *p = list;

    while (*p) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        if (eq) {
            int rc = parse_setting(m, p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1);
            if (rc < 0)
                return rc;
        } else if (len > 0) {
            int i = feature_index(p, len);
            if (i < 0)
                return vmopt__fail(-EINVAL, "features: unknown feature '%.*s' (known: sse2 ... sve2, " FEATURE_KEYS ")",
                                   (int)len, p);
            vmopt__set_feature(m, (vmopt__feature)i, VMOPT__SRC_GIVEN);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

int vmopt__last_level_cache(const struct vmopt_machine *m)
{
    for (int level = VMOPT__L3; level >= VMOPT__L1D; level--)
        if (m->cache_size[level].value)
            return level;
    return -1;
}

int vmopt__kernel_keeps_sve(const struct vmopt_machine *m)
{
    uint64_t k = m->kernel.value;
    /* Unknown: assume a modern kernel, as glibc does when uname fails. */
    return k == 0 || k >= 0x060200 || k == 0x050e00 || k < 0x040f00;
}
