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
 * write anything anyway): 0, or a message.  Root's first: a file of root's
 * needs no geteuid, a system call (several µs in a KVM guest). */
static const char *not_owned(const struct stat *st)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return "owned by another user";
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return "writable by group or others";
    return NULL;
}

/* The checks on an open descriptor; closes it on failure.  *size: the
 * size fstat saw. */
static int check_fd(int fd, const char *path, unsigned flags, size_t max_bytes, const char *what, size_t *size)
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
    /* O_NONBLOCK stays: it kept the open from blocking on a FIFO, and a
     * read of a regular file ignores it (two system calls fewer). */
    *size = (size_t)st.st_size;
    return fd;
}

static int open_read(const char *path, unsigned flags, size_t max_bytes, const char *what, size_t *size)
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
        rc = check_fd(fd, path, flags, max_bytes, what, size);
    }
    errno = saved;
    return rc;
}

int vmopt__file_open_read(const char *path, unsigned flags, size_t max_bytes, const char *what)
{
    size_t size;
    return open_read(path, flags, max_bytes, what, &size);
}

int vmopt__file_read(const char *path, unsigned flags, size_t max_bytes, const char *what, char **out,
                     size_t *len)
{
    int saved = errno;
    size_t size;
    int fd = open_read(path, flags, max_bytes, what, &size);
    if (fd < 0)
        return fd;
    /* The size fstat saw, and one byte more: a read that returns less is
     * the end of a regular file, so a file that did not change is read in
     * one call; one that grew is read on, up to one byte past max_bytes,
     * which tells it is too large. */
    size_t cap = size + 1;
    char *buf = malloc(cap + 1);
    size_t n = 0;
    int rc = buf ? 0 : vmopt__fail(-ENOMEM, "%s %s: out of memory", what, path);
    while (rc == 0 && n <= max_bytes) {
        if (n == cap) {
            size_t more = cap * 2 < max_bytes + 1 ? cap * 2 : max_bytes + 1;
            char *grown = realloc(buf, more + 1);
            if (!grown) {
                rc = vmopt__fail(-ENOMEM, "%s %s: out of memory", what, path);
                break;
            }
            buf = grown;
            cap = more;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = vmopt__fail(-errno, "%s %s: cannot read: %s", what, path, strerror(errno));
        else
            n += (size_t)r;
        if (r == 0 || (r > 0 && n < cap))
            break;
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
        size_t size;
        rc = check_fd(fd, path, flags, 0, what, &size);
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
