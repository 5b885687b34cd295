/* The option table, the error convention and the version getters. */
#include <errno.h>

#include "lib/internal.h"
#include "lib/options.h"
#include "tests/testutil.h"

static void test_valid_and_invalid(void **state)
{
    setenv("VMOPT_SIMD", "avx2", 1);
    setenv("VMOPT_RETUNE", "250", 1);
    setenv("VMOPT_LOG", "loud", 1);
    setenv("VMOPT_DISABLE", "yes", 1);
    vmopt__options_reset();
    assert_string_equal(vmopt__option_string(VMOPT__O_SIMD), "avx2");
    assert_int_equal(vmopt__option_long(VMOPT__O_SIMD), 2); /* index in generic, sse2, avx2 */
    assert_int_equal(vmopt__option_long(VMOPT__O_RETUNE), 250);
    /* Bad values are ignored: the default stands. */
    assert_null(vmopt__option_string(VMOPT__O_LOG));
    assert_int_equal(vmopt__option_long(VMOPT__O_LOG), VMOPT__LOG_WARN);
    assert_int_equal(vmopt__option_long(VMOPT__O_DISABLE), 0);
    setenv("VMOPT_SIMD", "avx1024", 1);
    vmopt__options_reset();
    assert_null(vmopt__option_string(VMOPT__O_SIMD));
    assert_int_equal(vmopt__option_long(VMOPT__O_SIMD), -1);
    unsetenv("VMOPT_SIMD");
    unsetenv("VMOPT_RETUNE");
    unsetenv("VMOPT_LOG");
    unsetenv("VMOPT_DISABLE");
    vmopt__options_reset();
}

static void test_table(void **state)
{
    for (int o = 0; o < VMOPT__O_COUNT; o++) {
        assert_non_null(vmopt__option_variable((vmopt__option)o));
        assert_true(strncmp(vmopt__option_variable((vmopt__option)o), "VMOPT_", 6) == 0);
        assert_true(strlen(vmopt__option_meaning((vmopt__option)o)) > 5);
    }
    assert_null(vmopt__option_variable(VMOPT__O_COUNT));
}

/* Unset or refused, an option reads as its row's default; the listing
 * gives every row, with the value in force and why a value was refused. */
static void test_defaults_and_listing(void **state)
{
    vmopt__options_reset();
    assert_int_equal(vmopt__option_long(VMOPT__O_LOG), VMOPT__LOG_WARN);
    assert_int_equal(vmopt__option_long(VMOPT__O_SIMD), -1);
    assert_int_equal(vmopt__option_long(VMOPT__O_DISABLE), 0);
    setenv("VMOPT_LOG", "debug", 1);
    setenv("VMOPT_SIMD", "avx1024", 1);
    vmopt__options_reset();
    assert_int_equal(vmopt__option_long(VMOPT__O_LOG), VMOPT__LOG_DEBUG);
    unsigned n = 0, saw_log = 0, saw_simd = 0;
    vmopt_option_info info;
    for (; vmopt_option_describe(n, &info) == 0; n++) {
        assert_non_null(info.meaning);
        assert_non_null(info.default_value);
        if (strcmp(info.variable, "VMOPT_LOG") == 0) {
            saw_log = 1;
            assert_string_equal(info.value, "debug");
            assert_null(info.refused);
            assert_string_equal(info.default_value, "warn");
        }
        if (strcmp(info.variable, "VMOPT_SIMD") == 0) {
            saw_simd = 1;
            assert_null(info.value);
            assert_non_null(info.refused);
            assert_contains(info.refused, "avx512");
        }
    }
    assert_int_equal(n, VMOPT__O_COUNT);
    assert_true(saw_log && saw_simd);
    assert_int_equal(vmopt_option_describe(n, &info), -ENOENT);
    assert_string_equal(vmopt_option_get("VMOPT_LOG"), "debug");
    assert_null(vmopt_option_get("VMOPT_SIMD"));
    assert_null(vmopt_option_get("VMOPT_NO_SUCH"));
    unsetenv("VMOPT_LOG");
    unsetenv("VMOPT_SIMD");
    vmopt__options_reset();
}

/* make check unsets every option of the table (tests/Makefile.inc reads
 * lib/options.h) but the two it sets on purpose: a variable from the
 * caller's shell must not steer a test. */
static void test_environment_clean(void **state)
{
    if (!getenv("top_builddir"))
        skip(); /* run by hand, outside make check */
    for (int o = 0; o < VMOPT__O_COUNT; o++) {
        const char *var = vmopt__option_variable((vmopt__option)o);
        if (strcmp(var, "VMOPT_RETUNE") == 0 || strcmp(var, "VMOPT_CACHE_DIR") == 0)
            assert_non_null(getenv(var));
        else if (getenv(var))
            fail_msg("%s=%s is set in the test environment", var, getenv(var));
    }
}

static void test_strerror(void **state)
{
    assert_string_equal(vmopt_strerror(0), "success");
    assert_string_equal(vmopt_strerror(VMOPT_ECYCLE), "profile include cycle");
    assert_string_equal(vmopt_strerror(-ENOENT), "No such file or directory");
    assert_string_equal(vmopt_strerror(12345678), "unknown error");
    assert_int_equal(vmopt__fail(-EIO, "disk %d", 7), -EIO);
    assert_string_equal(vmopt_errmsg(), "disk 7");
}

static void test_sizes(void **state)
{
    uint64_t v;
    const char *why;
    assert_int_equal(vmopt__parse_size("64KiB", &v, &why), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(vmopt__parse_size("2 MiB", &v, &why), 0);
    assert_int_equal(v, 2u << 20);
    assert_int_equal(vmopt__parse_size("1g", &v, &why), 0);
    assert_int_equal(v, 1u << 30);
    assert_int_equal(vmopt__parse_size("16MB", &v, &why), -EINVAL);
    assert_int_equal(vmopt__parse_size("20000000000T", &v, &why), -ERANGE);
    char buf[32];
    vmopt__format_size(24u << 20, buf, sizeof buf);
    assert_string_equal(buf, "24 MiB");
    vmopt__format_size(1000, buf, sizeof buf);
    assert_string_equal(buf, "1000 B");
    /* "origin:line", cut where snprintf would cut it. */
    vmopt__format_where(buf, sizeof buf, "built-in/jit.conf", 1207);
    assert_string_equal(buf, "built-in/jit.conf:1207");
    vmopt__format_where(buf, sizeof buf, "a.conf", 0);
    assert_string_equal(buf, "a.conf:0");
    vmopt__format_where(buf, 10, "a.conf", 12345);
    assert_string_equal(buf, "a.conf:12");
    vmopt__format_where(buf, 4, "a.conf", 7);
    assert_string_equal(buf, "a.c");
}

static void test_version(void **state)
{
    assert_int_equal(vmopt_version(), VMOPT_VERSION_HEX);
    assert_string_equal(vmopt_version_string(), VMOPT_VERSION_STRING);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", VMOPT_VERSION_MAJOR, VMOPT_VERSION_MINOR, VMOPT_VERSION_PATCH);
    assert_string_equal(vmopt_version_string(), expect);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: the others set and unset variables. */
        cmocka_unit_test(test_environment_clean),
        cmocka_unit_test(test_valid_and_invalid), cmocka_unit_test(test_table),
        cmocka_unit_test(test_defaults_and_listing),
        cmocka_unit_test(test_strerror),          cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
