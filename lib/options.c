/* The environment option table and its lazy, validated reader. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/options.h"
#include "lib/plan.h"

typedef int (*validator)(const char *value, long *num, const char **why);

static int check_any(const char *value, long *num, const char **why)
{
    if (!*value) {
        *why = "empty";
        return -EINVAL;
    }
    *num = 1;
    return 0;
}

static int check_names(const char *const *names, const char *value, long *num, const char **why)
{
    int i = vmopt__name_index(names, value);
    if (i < 0)
        return -EINVAL;
    *num = i;
    (void)why;
    return 0;
}

static int check_simd(const char *value, long *num, const char **why)
{
    static const char *const names[] = {VMOPT__SIMD_NAMES, NULL};
    *why = "expected avx512, avx2, sse2, neon, sve or generic";
    return check_names(names, value, num, why);
}

static int check_log(const char *value, long *num, const char **why)
{
    static const char *const names[] = {"error", "warn", "info", "debug", NULL};
    *why = "expected error, warn, info or debug";
    return check_names(names, value, num, why);
}

static int check_flag(const char *value, long *num, const char **why)
{
    if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0) {
        *num = value[0] - '0';
        return 0;
    }
    *why = "expected 0 or 1";
    return -EINVAL;
}

static int check_retune(const char *value, long *num, const char **why)
{
    uint64_t v;
    if (vmopt__parse_uint(value, &v, why) < 0 || v > 3600000) {
        *why = "expected 0, 1 or a period in ms up to 3600000";
        return -EINVAL;
    }
    *num = (long)v;
    return 0;
}

static const struct {
    const char *variable;
    validator check;
    long dflt;
    const char *dflt_text, *meaning;
} table[VMOPT__O_COUNT] = {
#define VMOPT__OPT_ROW_(id, var, chk, dflt, dflt_text, meaning)                                    \
    [VMOPT__O_##id] = {var, check_##chk, dflt, dflt_text, meaning},
    VMOPT__OPTIONS(VMOPT__OPT_ROW_)
#undef VMOPT__OPT_ROW_
};

static struct {
    pthread_mutex_t lock;
    unsigned char read[VMOPT__O_COUNT];
    const char *value[VMOPT__O_COUNT];
    const char *refused[VMOPT__O_COUNT]; /* why a set value was refused */
    long num[VMOPT__O_COUNT];
} state = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Returns the reason a set value was refused, or NULL. */
static const char *read_option(vmopt__option o)
{
    const char *raw = secure_getenv(table[o].variable);
    const char *why = "invalid";
    long num = 0;

    state.value[o] = NULL;
    if (raw && table[o].check(raw, &num, &why) == 0) {
        state.value[o] = raw;
        state.num[o] = num;
    }
    state.refused[o] = raw && !state.value[o] ? why : NULL;
    __atomic_store_n(&state.read[o], 1, __ATOMIC_RELEASE);
    return state.refused[o];
}

static int ensure_read(vmopt__option o)
{
    if ((unsigned)o >= VMOPT__O_COUNT)
        return 0;
    if (!__atomic_load_n(&state.read[o], __ATOMIC_ACQUIRE)) {
        const char *why = NULL;
        pthread_mutex_lock(&state.lock);
        if (!state.read[o])
            why = read_option(o);
        pthread_mutex_unlock(&state.lock);
        /* Outside the lock: the logger reads VMOPT_LOG through here. */
        if (why)
            vmopt__log(VMOPT__LOG_WARN, "%s=%s ignored: %s", table[o].variable,
                       secure_getenv(table[o].variable), why);
    }
    return 1;
}

const char *vmopt__option_string(vmopt__option o)
{
    return ensure_read(o) ? state.value[o] : NULL;
}

long vmopt__option_long(vmopt__option o)
{
    if (!ensure_read(o))
        return -1;
    return state.value[o] ? state.num[o] : table[o].dflt;
}

const char *vmopt__option_variable(vmopt__option o)
{
    return (unsigned)o < VMOPT__O_COUNT ? table[o].variable : NULL;
}

const char *vmopt__option_meaning(vmopt__option o)
{
    return (unsigned)o < VMOPT__O_COUNT ? table[o].meaning : NULL;
}

VMOPT_EXTERN int vmopt_option_describe(unsigned index, vmopt_option_info *out)
{
    if (!out)
        return vmopt__fail(-EINVAL, "vmopt_option_describe: out is required");
    if (index >= VMOPT__O_COUNT)
        return -ENOENT;
    vmopt__option o = (vmopt__option)index;
    ensure_read(o);
    *out = (vmopt_option_info){
        .variable = table[o].variable,
        .meaning = table[o].meaning,
        .default_value = table[o].dflt_text,
        .value = state.value[o],
        .refused = state.refused[o],
    };
    return 0;
}

VMOPT_EXTERN const char *vmopt_option_get(const char *variable)
{
    for (unsigned o = 0; variable && o < VMOPT__O_COUNT; o++)
        if (strcmp(table[o].variable, variable) == 0)
            return vmopt__option_string((vmopt__option)o);
    return NULL;
}

void vmopt__options_reset(void)
{
    pthread_mutex_lock(&state.lock);
    memset(state.read, 0, sizeof state.read);
    pthread_mutex_unlock(&state.lock);
}
