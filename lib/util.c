/* Small helpers every layer shares: number parsing and formatting, the
 * JSON string writer, the clocks, the program's path. */
#include "config.h"

#include <ctype.h>
#include <signal.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <unistd.h>
#ifdef __aarch64__
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "lib/internal.h"

void vmopt__strlcpy(char *dst, const char *src, size_t len)
{
    if (len == 0)
        return;
    size_t n = strnlen(src, len - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

#ifdef __aarch64__
uint64_t vmopt__arm64_midr(void)
{
    uint64_t midr = 0;
    if (getauxval(AT_HWCAP) & HWCAP_CPUID)
        __asm__ volatile("mrs %0, midr_el1" : "=r"(midr));
    return midr;
}
#endif

void vmopt__format_where(char *dst, size_t len, const char *origin, int line)
{
    char digits[12];
    int n = 0;
    unsigned v = line < 0 ? 0u : (unsigned)line;
    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    if (len == 0)
        return;
    size_t at = strnlen(origin, len - 1);
    memcpy(dst, origin, at);
    if (at < len - 1)
        dst[at++] = ':';
    while (n > 0 && at < len - 1)
        dst[at++] = digits[--n];
    dst[at] = '\0';
}

int vmopt__parse_uint(const char *s, uint64_t *out, const char **why)
{
    uint64_t v = 0;
    const char *p = s;

    if (!isdigit((unsigned char)*p)) {
        *why = "expected a number";
        return -EINVAL;
    }
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            *why = "number too large";
            return -ERANGE;
        }
        v = v * 10 + d;
    }
    if (*p) {
        *why = "trailing characters after the number";
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int vmopt__parse_size(const char *s, uint64_t *out, const char **why)
{
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {
        {"", 0},   {"b", 0},  {"k", 10},   {"kib", 10}, {"m", 20},
        {"mib", 20}, {"g", 30}, {"gib", 30}, {"t", 40},   {"tib", 40},
    };
    char digits[32];
    size_t n = 0;

    while (isdigit((unsigned char)s[n]) && n < sizeof digits - 1) {
        digits[n] = s[n];
        n++;
    }
    digits[n] = '\0';
    if (n == 0) {
        *why = "expected a size such as 4096, 64KiB or 2MiB";
        return -EINVAL;
    }
    uint64_t v;
    int rc = vmopt__parse_uint(digits, &v, why);
    if (rc < 0)
        return rc;
    const char *unit = s + n;
    while (*unit == ' ')
        unit++;
    for (size_t i = 0; i < VMOPT__ARRAY_SIZE(units); i++) {
        if (strcasecmp(unit, units[i].suffix) != 0)
            continue;
        if (units[i].shift && v > (UINT64_MAX >> units[i].shift)) {
            *why = "size too large";
            return -ERANGE;
        }
        *out = v << units[i].shift;
        return 0;
    }
    *why = "unknown size unit (use B, KiB, MiB, GiB or TiB)";
    return -EINVAL;
}

void vmopt__format_size(uint64_t v, char *buf, size_t len)
{
    static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned i = 0;

    while (i + 1 < VMOPT__ARRAY_SIZE(names) && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        i++;
    }
    snprintf(buf, len, "%" PRIu64 " %s", v, names[i]);
}

void vmopt__json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void vmopt__self_exe(char *buf, size_t len)
{
    int saved = errno;
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    buf[n > 0 ? n : 0] = 0;
    errno = saved;
}

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vmopt__now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t vmopt__coarse_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC_COARSE);
}

int vmopt__thread_start(pthread_t *thread, void *(*fn)(void *), pthread_cond_t *wake)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(wake, &ca);
    pthread_condattr_destroy(&ca);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(thread, NULL, fn, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void vmopt__thread_stop(pthread_mutex_t *lock, pthread_cond_t *wake, pthread_t thread, int *stopping)
{
    *stopping = 1;
    pthread_cond_signal(wake);
    pthread_mutex_unlock(lock);
    pthread_join(thread, NULL);
    pthread_mutex_lock(lock);
}
