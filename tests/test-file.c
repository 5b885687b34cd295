/* lib/file.c, the checked opens every file of the library goes through:
 * what each refuses, that nothing blocks, that errno is left alone.  The
 * cache files (saved plans, retune.log) are opened VMOPT__FILE_OWNED. */
#include "config.h"

#include <fcntl.h>

#include "lib/file.h"
#include "lib/internal.h"
#include "tests/testutil.h"

static const char *path_in(const char *name)
{
    static char buf[4][300];
    static int i;
    char *p = buf[i++ % 4];
    snprintf(p, 300, "%s/%s", tmp_dir(), name);
    return p;
}

static void put(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_read(void **state)
{
    const char *good = path_in("good"), *fifo = path_in("fifo"), *link = path_in("link");
    put(good, "hello\n", 0600);
    char *text;
    size_t n;
    errno = 1234;
    assert_int_equal(vmopt__file_read(good, VMOPT__FILE_OWNED, 100, "test", &text, &n), 0);
    assert_int_equal(errno, 1234);
    assert_string_equal(text, "hello\n");
    free(text);
    /* Bigger than asked for: an error, not a truncation. */
    assert_int_equal(vmopt__file_read(good, 0, 3, "test", &text, &n), -EFBIG);
    assert_contains(vmopt_errmsg(), good);
    /* A FIFO with no writer: refused at once. */
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(vmopt__file_read(fifo, 0, 100, "test", &text, &n), -EINVAL);
    assert_contains(vmopt_errmsg(), "not a regular file");
    /* Devices and directories. */
    assert_int_equal(vmopt__file_read("/dev/zero", 0, 100, "test", &text, &n), -EINVAL);
    assert_int_equal(vmopt__file_read(tmp_dir(), 0, 100, "test", &text, &n), -EISDIR);
    /* A symlink: followed for a file the user named, not for the cache. */
    assert_int_equal(symlink(good, link), 0);
    assert_int_equal(vmopt__file_read(link, 0, 100, "test", &text, &n), 0);
    free(text);
    assert_int_equal(vmopt__file_read(link, VMOPT__FILE_OWNED, 100, "test", &text, &n), -ELOOP);
    assert_contains(vmopt_errmsg(), "symbolic link");
    /* Others may write it: not the user's cache. */
    assert_int_equal(chmod(good, 0622), 0);
    assert_int_equal(vmopt__file_read(good, VMOPT__FILE_OWNED, 100, "test", &text, &n), -EPERM);
    assert_contains(vmopt_errmsg(), "writable by group or others");
    assert_int_equal(vmopt__file_read(path_in("none"), 0, 100, "test", &text, &n), -ENOENT);
    /* Another user's file, where the test can make one. */
    if (geteuid() == 0) {
        assert_int_equal(chmod(good, 0600), 0);
        assert_int_equal(chown(good, 65534, 65534), 0);
        assert_int_equal(vmopt__file_read(good, VMOPT__FILE_OWNED, 100, "test", &text, &n), -EPERM);
        assert_contains(vmopt_errmsg(), "owned by another user");
        assert_int_equal(chown(good, 0, 0), 0);
    }
}

static void test_write(void **state)
{
    const char *victim = path_in("victim"), *link = path_in("wlink"), *fresh = path_in("fresh");
    const char *fifo = path_in("wfifo");
    put(victim, "precious\n", 0600);
    assert_int_equal(symlink(victim, link), 0);
    /* Never through a symlink: the target keeps its bytes. */
    assert_int_equal(vmopt__file_open_write(link, O_APPEND, VMOPT__FILE_OWNED, "log"), -ELOOP);
    assert_int_equal(vmopt__file_open_write(link, O_TRUNC, 0, "dump"), -ELOOP);
    char *text;
    size_t n;
    assert_int_equal(vmopt__file_read(victim, 0, 100, "test", &text, &n), 0);
    assert_string_equal(text, "precious\n");
    free(text);
    /* Created 0600 whatever the umask. */
    mode_t old = umask(0);
    int fd = vmopt__file_open_write(fresh, O_TRUNC, 0, "dump");
    umask(old);
    assert_true(fd >= 0);
    close(fd);
    struct stat st;
    assert_int_equal(stat(fresh, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A FIFO: with no reader the open fails at once, with one it would be
     * refused as not a regular file; either way nothing waits. */
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_true(vmopt__file_open_write(fifo, O_APPEND, VMOPT__FILE_OWNED, "log") < 0);
    int reader = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(reader >= 0);
    assert_int_equal(vmopt__file_open_write(fifo, O_APPEND, VMOPT__FILE_OWNED, "log"), -EINVAL);
    close(reader);
    /* Someone else's file is not truncated before it is refused. */
    if (geteuid() == 0) {
        assert_int_equal(chown(victim, 65534, 65534), 0);
        assert_int_equal(vmopt__file_open_write(victim, O_TRUNC, VMOPT__FILE_OWNED, "log"), -EPERM);
        assert_int_equal(stat(victim, &st), 0);
        assert_int_equal(st.st_size, 9);
    }
}

static void test_directory(void **state)
{
    const char *sub = path_in("d"), *inside = path_in("d/x.plan");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(vmopt__file_dir_trusted(inside, "test"), 0);
    assert_int_equal(chmod(sub, 0777), 0);
    assert_int_equal(vmopt__file_dir_trusted(inside, "test"), -EPERM);
    assert_contains(vmopt_errmsg(), "writable by group or others");
    assert_int_equal(chmod(sub, 0700), 0);
    assert_int_equal(vmopt__file_dir_trusted(path_in("nodir/x.plan"), "test"), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
