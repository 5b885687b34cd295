/* The host's executable -> profile map: matching by file name and by path,
 * first match first, no file or no match, bad files named by line and
 * ignored whole; vmopt_autotune() taking the map's profile, with the
 * caller's and $VMOPT_PROFILE winning over it. */
#include "lib/options.h"
#include "lib/plan.h"
#include "runtime/host-config.h"
#include "tests/testutil.h"

static int lookup(const char *conf_text, const char *exe, char *profile, char *from)
{
    setenv("VMOPT_CONFIG", write_file("profiles.conf", conf_text), 1);
    vmopt__options_reset();
    int rc = vmopt__host_profile_for(exe, profile, 256, from, 300);
    unsetenv("VMOPT_CONFIG");
    vmopt__options_reset();
    return rc;
}

static void test_matching(void **state)
{
    char profile[256], from[300];
    const char *conf = "# the host's VMs\n"
                       "[executables]\n"
                       "qemu-system-* = jit\n"
                       "/opt/vm/bin/* = low-memory\n"
                       "python3* = interpreter\n"
                       "qemu-system-x86_64 = bulk-copy\n";
    assert_int_equal(lookup(conf, "/usr/bin/qemu-system-x86_64", profile, from), 1);
    assert_string_equal(profile, "jit"); /* the first match, not the exact one below it */
    assert_contains(from, "profiles.conf:3");
    assert_int_equal(lookup(conf, "/opt/vm/bin/python3", profile, from), 1);
    assert_string_equal(profile, "low-memory"); /* a path pattern matches the whole path */
    assert_int_equal(lookup(conf, "/usr/local/bin/python3.11", profile, from), 1);
    assert_string_equal(profile, "interpreter");
    assert_contains(from, ":5");
    strcpy(profile, "unchanged");
    assert_int_equal(lookup(conf, "/usr/bin/lua5.4", profile, from), 0);
    assert_string_equal(profile, "unchanged");
    /* No file: no match, no error. */
    setenv("VMOPT_CONFIG", "/nonexistent/profiles.conf", 1);
    vmopt__options_reset();
    assert_int_equal(vmopt__host_profile_for("/usr/bin/qemu-system-x86_64", profile, 256, from, 300), 0);
    unsetenv("VMOPT_CONFIG");
    vmopt__options_reset();
}

static void test_bad_files(void **state)
{
    char profile[256] = "unchanged", from[300];
    assert_int_equal(lookup("[executables]\nqemu-* = jit\njust a line\n", "/usr/bin/qemu-x", profile, from), -EINVAL);
    assert_contains(vmopt_errmsg(), "profiles.conf:3: not an INI line");
    assert_string_equal(profile, "unchanged"); /* a bad file is ignored whole, earlier matches too */
    assert_int_equal(lookup("[programs]\nqemu-* = jit\n", "/usr/bin/qemu-x", profile, from), -EINVAL);
    assert_contains(vmopt_errmsg(), "profiles.conf:2: unknown section [programs]");
    assert_int_equal(lookup("[executables]\nqemu-* =\n", "/usr/bin/qemu-x", profile, from), -EINVAL);
    assert_contains(vmopt_errmsg(), "profiles.conf:2: 'qemu-*' names no profile");
    assert_string_equal(profile, "unchanged");
}

static void test_autotune_uses_it(void **state)
{
    char exe[4096], conf[4200];
    vmopt__self_exe(exe, sizeof exe);
    assert_true(exe[0] == '/');
    snprintf(conf, sizeof conf, "[executables]\n%s = interpreter\n", exe);
    setenv("VMOPT_CONFIG", write_file("host.conf", conf), 1);
    vmopt__options_reset();
    assert_int_equal(vmopt_autotune(NULL), 0);
    vmopt_plan *p = vmopt_current_plan();
    assert_string_equal(p->profile, "interpreter");
    assert_contains(p->origin, "chosen for this executable by");
    assert_contains(p->origin, "host.conf:2");
    vmopt_plan_free(p);
    /* $VMOPT_PROFILE, and the caller's profile, win over the map. */
    setenv("VMOPT_PROFILE", "jit", 1);
    vmopt__options_reset();
    assert_int_equal(vmopt_autotune(NULL), 0);
    p = vmopt_current_plan();
    assert_string_equal(p->profile, "jit");
    vmopt_plan_free(p);
    unsetenv("VMOPT_PROFILE");
    vmopt__options_reset();
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.profile = "bulk-copy";
    assert_int_equal(vmopt_autotune(&o), 0);
    p = vmopt_current_plan();
    assert_string_equal(p->profile, "bulk-copy");
    vmopt_plan_free(p);
    /* A map naming a profile that does not exist: an error naming the map's
     * line, and the plan in force stays. */
    snprintf(conf, sizeof conf, "[executables]\n%s = no-such-profile\n", exe);
    setenv("VMOPT_CONFIG", write_file("host.conf", conf), 1);
    vmopt__options_reset();
    assert_true(vmopt_autotune(NULL) < 0);
    p = vmopt_current_plan();
    assert_string_equal(p->profile, "bulk-copy");
    vmopt_plan_free(p);
    unsetenv("VMOPT_CONFIG");
    vmopt__options_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_autotune_uses_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
