/* The host's configuration, like tuned's: a file that maps executables to
 * profiles, so that one preload set for a whole host gives qemu-system-*
 * one profile and a language VM another.
 *
 *   # /etc/vmopt/profiles.conf
 *   [executables]
 *   qemu-system-* = jit
 *   python3*      = interpreter
 *   /opt/vm/bin/lua = /etc/vmopt/site.conf
 *
 * A pattern with a '/' is matched (fnmatch) against the executable's full
 * path, any other against its file name; the first match wins.  The file
 * is $VMOPT_CONFIG, else SYSCONFDIR/vmopt/profiles.conf; a missing file is
 * no error. */
#ifndef VMOPT_HOST_CONFIG_H
#define VMOPT_HOST_CONFIG_H

#include <stddef.h>

/* 1 and the profile for this executable in profile, with "file:line" in
 * from; 0 when nothing matches or there is no file; negative when the
 * file is bad, with vmopt_errmsg() saying "file:line: problem" (the whole
 * file is then ignored).  The executable's path is read only when there
 * is a file. */
int vmopt__host_profile(char *profile, size_t len, char *from, size_t from_len);
/* The same for a given executable (a full path). */
int vmopt__host_profile_for(const char *exe, char *profile, size_t len, char *from, size_t from_len);

#endif
