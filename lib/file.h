/* Opening the files a preloaded process meets.  The preload runs inside
 * every process of a host, root's included, so a file is trusted only
 * after the descriptor is checked: no open may block (O_NONBLOCK: a FIFO
 * opens and is then refused), what is read must be a regular file of a
 * bounded size, and the cache (VMOPT__FILE_OWNED) must be the effective
 * user's: no symlink at the last component, owned by the euid (or root),
 * writable by no one else, in a directory of the same kind.  Every refusal sets the
 * thread's message (vmopt_errmsg) naming the path and what is wrong, and
 * leaves errno as it was. */
#ifndef VMOPT_LIB_FILE_H
#define VMOPT_LIB_FILE_H

#include <stddef.h>

enum {
    VMOPT__FILE_OWNED = 1, /* in the cache: see above */
};

/* Opens path to read.  Returns the descriptor, -ENOENT (no message) when
 * it does not exist, or -errno with the message set.  what names the file
 * in the message ("saved plan", "VMOPT_CONFIG"). */
int vmopt__file_open_read(const char *path, unsigned flags, size_t max_bytes, const char *what);

/* Reads all of path into a NUL-terminated malloc'd buffer (*out, *len).
 * More than max_bytes is an error (-EFBIG), not a truncation. */
int vmopt__file_read(const char *path, unsigned flags, size_t max_bytes, const char *what, char **out,
                     size_t *len);

/* Opens path to write with oflags (O_APPEND or O_TRUNC, O_RDWR to read as
 * well), creating it 0600 whatever the umask; a regular file only, never
 * through a symlink, truncated only once checked. */
int vmopt__file_open_write(const char *path, int oflags, unsigned flags, const char *what);

/* The directory that holds path, if it is the effective user's (owned by
 * the euid, writable by no one else).  0, -ENOENT (no message) when it does
 * not exist, or -errno with the message set. */
int vmopt__file_dir_trusted(const char *path, const char *what);

/* One short line of a kernel file (sysfs, procfs) into buf, the newline
 * dropped: open, read, close, three system calls where stdio makes five.
 * 0, or -1 when it cannot be read or is empty; errno is kept.  Only for
 * files the kernel serves, which need no ownership check. */
int vmopt__sysfs_read(const char *path, char *buf, size_t len);

#endif
