/* The option table, the error convention and the version getters. */
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
    assert_int_equal(vmopt__option_long(VMOPT__O_SIMD, -1), 2); /* index in generic, sse2, avx2 */
    assert_int_equal(vmopt__option_long(VMOPT__O_RETUNE, 0), 250);
    /* Bad values are ignored: the default stands. */
    assert_null(vmopt__option_string(VMOPT__O_LOG));
    assert_int_equal(vmopt__option_long(VMOPT__O_LOG, VMOPT__LOG_WARN), VMOPT__LOG_WARN);
    assert_int_equal(vmopt__option_long(VMOPT__O_DISABLE, 0), 0);
    setenv("VMOPT_SIMD", "avx1024", 1);
    vmopt__options_reset();
    assert_null(vmopt__option_string(VMOPT__O_SIMD));
    assert_int_equal(vmopt__option_long(VMOPT__O_SIMD, -1), -1);
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
        cmocka_unit_test(test_valid_and_invalid), cmocka_unit_test(test_table),
        cmocka_unit_test(test_strerror),          cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
