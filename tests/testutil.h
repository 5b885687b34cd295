/* Helpers shared by the cmocka tests. */
#ifndef VMOPT_TESTUTIL_H
#define VMOPT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmopt.h"
#include "lib/machine.h"

#define assert_contains(haystack, needle)                                                          \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        if (!strstr(h_, n_))                                                                       \
            fail_msg("expected \"%s\" in \"%s\"", n_, h_);                                         \
    } while (0)

/* A fresh temporary directory for this test program; removed at exit. */
static char test_dir[64];

static void remove_test_dir(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", test_dir);
}

static inline const char *tmp_dir(void)
{
    if (!test_dir[0]) {
        snprintf(test_dir, sizeof test_dir, "/tmp/vmopt-test-XXXXXX");
        if (!mkdtemp(test_dir))
            abort();
        atexit(remove_test_dir);
    }
    return test_dir;
}

/* Writes text to tmp_dir()/name and returns the path (static buffer). */
static inline const char *write_file(const char *name, const char *text)
{
    static char path[4][256];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, 256, "%s/%s", tmp_dir(), name);
    FILE *f = fopen(p, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
    return p;
}

static inline unsigned long long plan_value(const vmopt_plan *plan, const char *key)
{
    unsigned long long v = 0;
    assert_int_equal(vmopt_plan_get(plan, key, &v), 0);
    return v;
}

static inline const char *plan_text(const vmopt_plan *plan, const char *key, const char **reason)
{
    static char buf[64];
    assert_int_equal(vmopt_plan_describe(plan, key, buf, sizeof buf, reason), 0);
    return buf;
}

/* This build's baseline: the registers every CPU of the architecture has,
 * as a feature list, a VMOPT__SIMD_* width and the plan's name for it. */
#ifdef __aarch64__
#define BASE_FEATURES "arch=aarch64,asimd"
#define BASE_SIMD VMOPT__SIMD_NEON
#define BASE_NAME "neon"
#else
#define BASE_FEATURES "sse2"
#define BASE_SIMD VMOPT__SIMD_SSE2
#define BASE_NAME "sse2"
#endif

/* A machine built field by field, for tests that must not depend on hwloc
 * (the --without-hwloc build runs them too).  features: as --features. */
static inline vmopt_machine *fake_machine(uint64_t l1d, uint64_t l2, uint64_t l3, const char *features)
{
    struct vmopt_machine *m = calloc(1, sizeof *m);
    assert_non_null(m);
    strcpy(m->arch, "x86_64");
    assert_int_equal(vmopt__parse_features(m, features), 0);
    vmopt__set_fact(&m->cache_size[VMOPT__L1D], l1d, VMOPT__SRC_GIVEN);
    vmopt__set_fact(&m->cache_size[VMOPT__L2], l2, VMOPT__SRC_GIVEN);
    vmopt__set_fact(&m->cache_size[VMOPT__L3], l3, VMOPT__SRC_GIVEN);
    vmopt__set_fact(&m->cores, 1, VMOPT__SRC_GIVEN);
    m->probed = VMOPT_PROBE_ALL;
    return m;
}

#endif
