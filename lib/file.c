/* Checked opens: see file.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/internal.h"

/* Whether st may be trusted as the effective user's (or root's, who can
 * write anything anyway): 0, or a message. */
static const char *not_owned(const struct stat *st)
{
    if (st->st_uid != geteuid() && st->st_uid != 0)
        return "owned by another user";
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return "writable by group or others";
    return NULL;
}

/* The checks on an open descriptor; closes it on failure. */
static int check_fd(int fd, const char *path, unsigned flags, size_t max_bytes, const char *what)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return vmopt__fail(-e, "%s %s: cannot stat: %s", what, path, strerror(e));
    }
    const char *why = NULL;
    int rc = -EINVAL;
    if (S_ISDIR(st.st_mode))
        why = "is a directory", rc = -EISDIR;
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (max_bytes && (uint64_t)st.st_size > max_bytes)
        why = "too large", rc = -EFBIG;
    else if (flags & VMOPT__FILE_OWNED)
        why = not_owned(&st), rc = -EPERM;
    if (why) {
        close(fd);
        if (rc == -EFBIG)
            return vmopt__fail(rc, "%s %s: too large (%lld bytes; at most %zu)", what, path,
                               (long long)st.st_size, max_bytes);
        return vmopt__fail(rc, "%s %s: %s", what, path, why);
    }
    /* A regular file never blocks; the flag only kept the open from it. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int vmopt__file_open_read(const char *path, unsigned flags, size_t max_bytes, const char *what)
{
    int saved = errno;
    int oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    if (flags & VMOPT__FILE_OWNED)
        oflags |= O_NOFOLLOW;
    int fd = open(path, oflags);
    int rc;
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            rc = -ENOENT;
        else if (e == ELOOP && (flags & VMOPT__FILE_OWNED))
            rc = vmopt__fail(-ELOOP, "%s %s: a symbolic link, not followed", what, path);
        else
            rc = vmopt__fail(-e, "%s %s: cannot open: %s", what, path, strerror(e));
    } else {
        rc = check_fd(fd, path, flags, max_bytes, what);
    }
    errno = saved;
    return rc;
}

int vmopt__file_read(const char *path, unsigned flags, size_t max_bytes, const char *what, char **out,
                     size_t *len)
{
    int saved = errno;
    int fd = vmopt__file_open_read(path, flags, max_bytes, what);
    if (fd < 0)
        return fd;
    char *buf = malloc(max_bytes + 1);
    size_t n = 0;
    int rc = buf ? 0 : vmopt__fail(-ENOMEM, "%s %s: out of memory", what, path);
    /* One byte more than allowed tells a file that grew since fstat. */
    while (rc == 0 && n <= max_bytes) {
        ssize_t r = read(fd, buf + n, max_bytes + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = vmopt__fail(-errno, "%s %s: cannot read: %s", what, path, strerror(errno));
        else if (r == 0)
            break;
        else
            n += (size_t)r;
    }
    close(fd);
    if (rc == 0 && n > max_bytes)
        rc = vmopt__fail(-EFBIG, "%s %s: too large (at most %zu bytes)", what, path, max_bytes);
    if (rc < 0) {
        free(buf);
        errno = saved;
        return rc;
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    errno = saved;
    return 0;
}

int vmopt__file_open_write(const char *path, int oflags, unsigned flags, const char *what)
{
    int saved = errno;
    /* Truncated only once checked: never someone else's file. */
    int trunc = oflags & O_TRUNC, mode = oflags & O_RDWR ? 0 : O_WRONLY;
    int fd = open(path, mode | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (oflags & ~O_TRUNC), 0600);
    int rc;
    if (fd < 0) {
        int e = errno;
        rc = e == ELOOP ? vmopt__fail(-ELOOP, "%s %s: a symbolic link, not followed", what, path)
                        : vmopt__fail(-e, "%s %s: cannot open: %s", what, path, strerror(e));
    } else {
        rc = check_fd(fd, path, flags, 0, what);
        if (rc >= 0 && trunc && ftruncate(rc, 0) < 0) {
            rc = vmopt__fail(-errno, "%s %s: cannot truncate: %s", what, path, strerror(errno));
            close(fd);
        }
    }
    errno = saved;
    return rc;
}

int vmopt__file_dir_trusted(const char *path, const char *what)
{
    int saved = errno;
    char dir[4096];
    vmopt__strlcpy(dir, path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (!slash)
        vmopt__strlcpy(dir, ".", sizeof dir);
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    struct stat st;
    int rc = 0;
    const char *why;
    if (stat(dir, &st) < 0)
        rc = errno == ENOENT ? -ENOENT : vmopt__fail(-errno, "%s: directory %s: %s", what, dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = vmopt__fail(-ENOTDIR, "%s: %s is not a directory", what, dir);
    else if ((why = not_owned(&st)) != NULL)
        rc = vmopt__fail(-EPERM, "%s: directory %s is %s", what, dir, why);
    errno = saved;
    return rc;
}

int vmopt__sysfs_read(const char *path, char *buf, size_t len)
{
    int saved = errno;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);
    if (fd >= 0)
        close(fd);
    errno = saved;
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}
