/* Names and small queries over the machine description. */
#include "config.h"

#include <errno.h>
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

int vmopt__parse_features(struct vmopt_machine *m, const char *list)
{
    const char *p = list;

    while (*p) {
        size_t len = strcspn(p, ",");
        if (len > 5 && strncmp(p, "arch=", 5) == 0) {
            if (len - 5 >= sizeof m->arch)
                return vmopt__fail(-EINVAL, "features: architecture name too long");
            memcpy(m->arch, p + 5, len - 5);
            m->arch[len - 5] = '\0';
        } else if (len > 0) {
            int i = feature_index(p, len);
            if (i < 0)
                return vmopt__fail(-EINVAL, "features: unknown feature '%.*s' (known: sse2 ... sve, arch=NAME)",
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
