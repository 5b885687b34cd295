/* The table of tunables generated from VMOPT__FIELDS, and the parsing and
 * formatting of their values. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/internal.h"
#include "lib/plan.h"

static const char *const simd_names[] = {VMOPT__SIMD_NAMES, NULL};
static const char *const tlb_strategy_names[] = {VMOPT__TLB_STRATEGY_NAMES, NULL};
static const char *const tlb_hash_names[] = {VMOPT__TLB_HASH_NAMES, NULL};
const char *const vmopt__workload_names[] = {VMOPT__WORKLOAD_NAMES, NULL};

const vmopt__field vmopt__fields[VMOPT__K_COUNT] = {
#define VMOPT__FIELD_ROW_(id, sec, k, type, fl, lo, hi, dflt, nm, meaning)                         \
    [VMOPT__K_##id] = {#sec, #k, #sec "." #k, VMOPT__T_##type, fl, lo, hi, dflt, nm, meaning},
    VMOPT__FIELDS(VMOPT__FIELD_ROW_)
#undef VMOPT__FIELD_ROW_
};

const char *const vmopt__sections[] = {
#define VMOPT__SECTION_NAME_(s) #s,
    VMOPT__SECTIONS(VMOPT__SECTION_NAME_)
#undef VMOPT__SECTION_NAME_
        NULL,
};

int vmopt__name_index(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static int start_at(int hint)
{
    return hint >= 0 && hint < VMOPT__K_COUNT ? hint : 0;
}

int vmopt__field_find(const char *section, const char *key, int hint)
{
    for (int i = 0, k = start_at(hint); i < VMOPT__K_COUNT; i++, k = (k + 1) % VMOPT__K_COUNT)
        if (strcmp(vmopt__fields[k].key, key) == 0 && strcmp(vmopt__fields[k].section, section) == 0)
            return k;
    return -1;
}

int vmopt__field_find_qualified(const char *qualified, int hint)
{
    for (int i = 0, k = start_at(hint); i < VMOPT__K_COUNT; i++, k = (k + 1) % VMOPT__K_COUNT)
        if (strcmp(vmopt__fields[k].qualified, qualified) == 0)
            return k;
    return -1;
}

static int parse_bool(const char *s, uint64_t *out)
{
    static const char *const yes[] = {"on", "yes", "true", "1", NULL};
    static const char *const no[] = {"off", "no", "false", "0", NULL};
    for (int i = 0; yes[i]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -EINVAL;
}

int vmopt__field_parse(vmopt__key k, const char *text, uint64_t *out, const char **why)
{
    const vmopt__field *f = &vmopt__fields[k];
    uint64_t v = 0;
    int rc = 0;

    switch (f->type) {
    case VMOPT__T_SIZE:
        rc = vmopt__parse_size(text, &v, why);
        break;
    case VMOPT__T_COUNT:
    case VMOPT__T_MS:
        rc = vmopt__parse_uint(text, &v, why);
        break;
    case VMOPT__T_BOOL:
        rc = parse_bool(text, &v);
        if (rc < 0)
            *why = "expected on or off";
        break;
    case VMOPT__T_ENUM: {
        int i = vmopt__name_index(f->names, text);
        if (i < 0) {
            *why = "not one of the allowed names";
            return -EINVAL;
        }
        v = (uint64_t)i;
        break;
    }
    }
    if (rc < 0)
        return rc;
    if (v < f->min || v > f->max) {
        *why = "out of range";
        return VMOPT_ERANGE_VALUE;
    }
    if ((f->flags & VMOPT__F_POW2) && v && (v & (v - 1))) {
        *why = "must be a power of two";
        return VMOPT_ERANGE_VALUE;
    }
    *out = v;
    return 0;
}

void vmopt__field_format(vmopt__key k, uint64_t v, char *buf, size_t len)
{
    const vmopt__field *f = &vmopt__fields[k];

    switch (f->type) {
    case VMOPT__T_SIZE:
        vmopt__format_size(v, buf, len);
        break;
    case VMOPT__T_BOOL:
        snprintf(buf, len, "%s", v ? "on" : "off");
        break;
    case VMOPT__T_ENUM:
        snprintf(buf, len, "%s", f->names[v]);
        break;
    default:
        snprintf(buf, len, "%" PRIu64, v);
        break;
    }
}

int vmopt__tlb_shape_wrong(const vmopt__tlb_shape *s, char *why, size_t len, int pair[2])
{
    int assoc = s->strategy == VMOPT_TLB_SET_ASSOC, a, b;
    long ways = s->strategy == VMOPT_TLB_DIRECT ? 1 : s->ways;
    if (s->min_entries >= 0 && s->max_entries >= 0 && s->min_entries > s->max_entries) {
        snprintf(why, len, "tlb.min_entries %ld is above tlb.max_entries %ld", s->min_entries, s->max_entries);
        a = VMOPT__K_TLB_MIN_ENTRIES, b = VMOPT__K_TLB_MAX_ENTRIES;
    } else if (s->entries >= 0 && s->min_entries >= 0 && s->entries < s->min_entries) {
        snprintf(why, len, "tlb.entries %ld is below tlb.min_entries %ld", s->entries, s->min_entries);
        a = VMOPT__K_TLB_ENTRIES, b = VMOPT__K_TLB_MIN_ENTRIES;
    } else if (s->entries >= 0 && s->max_entries >= 0 && s->entries > s->max_entries) {
        snprintf(why, len, "tlb.entries %ld is above tlb.max_entries %ld", s->entries, s->max_entries);
        a = VMOPT__K_TLB_ENTRIES, b = VMOPT__K_TLB_MAX_ENTRIES;
    } else if (assoc && ways >= 0 && ways != 2 && ways != 4 && ways != 8) {
        snprintf(why, len, "tlb.ways %ld: a set-associative TLB has 2, 4 or 8", ways);
        a = VMOPT__K_TLB_WAYS, b = VMOPT__K_TLB_STRATEGY;
    } else if (ways > 0 && s->min_entries >= 0 && s->min_entries < 2 * ways) {
        snprintf(why, len, "tlb.min_entries %ld: at least two sets of %ld ways", s->min_entries, ways);
        a = VMOPT__K_TLB_MIN_ENTRIES, b = VMOPT__K_TLB_WAYS;
    } else {
        return 0;
    }
    if (pair)
        pair[0] = a, pair[1] = b;
    return 1;
}

uint64_t vmopt__field_default(vmopt__key k)
{
    uint64_t v = 0;
    const char *why;
    if (strcmp(vmopt__fields[k].dflt, "auto") != 0 && vmopt__field_parse(k, vmopt__fields[k].dflt, &v, &why) < 0)
        v = 0; /* tests/test-profile-parse checks that every default parses */
    return v;
}

/* ---- the public accessors of a plan ---- */

VMOPT_EXTERN void vmopt_plan_free(vmopt_plan *plan)
{
    free(plan);
}

VMOPT_EXTERN int vmopt_plan_get(const vmopt_plan *plan, const char *key, unsigned long long *value)
{
    int k = plan && key ? vmopt__field_find_qualified(key, 0) : -1;
    if (k < 0)
        return vmopt__fail(-ENOENT, "unknown plan key '%s'", key ? key : "(null)");
    if (value)
        *value = plan->v[k];
    return 0;
}

VMOPT_EXTERN int vmopt_plan_describe(const vmopt_plan *plan, const char *key, char *value,
                                     size_t value_len, const char **reason)
{
    int k = plan && key ? vmopt__field_find_qualified(key, 0) : -1;
    if (k < 0)
        return vmopt__fail(-ENOENT, "unknown plan key '%s'", key ? key : "(null)");
    if (value && value_len)
        vmopt__field_format((vmopt__key)k, plan->v[k], value, value_len);
    if (reason)
        *reason = plan->reason[k];
    return 0;
}
