/* The host's executable -> profile map: see host-config.h. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/internal.h"
#include "lib/options.h"
#include "runtime/host-config.h"

/* A host map is at most this big. */
#define MAX_MAP (1u << 20)

#ifndef VMOPT_SYSCONFDIR
#define VMOPT_SYSCONFDIR "/etc"
#endif

typedef struct {
    FILE *f;
    int line; /* of the text the reader handed out last */
    const char *exe, *base, *path;
    char *profile, *from;
    size_t len, from_len;
    int matched;
    char error[256];
} match_ctx;

/* inih's reader, counting lines so that messages can name them.  A line
 * longer than inih's buffer would come back in pieces, the rest read as a
 * line of its own: it ends the parse with an error instead. */
static char *reader(char *buf, int size, void *user)
{
    match_ctx *c = user;
    if (c->error[0])
        return NULL;
    char *got = fgets(buf, size, c->f);
    if (!got)
        return NULL;
    c->line++;
    size_t n = strlen(got);
    if (n == (size_t)size - 1 && got[n - 1] != '\n' && !feof(c->f)) {
        snprintf(c->error, sizeof c->error, "%s:%d: line too long (more than %d bytes)", c->path, c->line,
                 size - 2);
        return NULL;
    }
    return got;
}

static int on_line(void *user, const char *section, const char *pattern, const char *profile)
{
    match_ctx *c = user;
    int line = c->line;
    if (c->error[0])
        return 0;
    if (strcmp(section, "executables") != 0) {
        snprintf(c->error, sizeof c->error, "%s:%d: unknown section [%s] (expected [executables])", c->path,
                 line, section);
        return 0;
    }
    if (!profile || !*profile) {
        snprintf(c->error, sizeof c->error, "%s:%d: '%s' names no profile", c->path, line, pattern);
        return 0;
    }
    if (!c->matched && fnmatch(pattern, strchr(pattern, '/') ? c->exe : c->base, 0) == 0) {
        c->matched = 1;
        vmopt__strlcpy(c->profile, profile, c->len);
        snprintf(c->from, c->from_len, "%s:%d", c->path, line);
    }
    return 1;
}

static int lookup(const char *exe, char *profile, size_t len, char *from, size_t from_len)
{
    const char *path = vmopt__option_string(VMOPT__O_CONFIG);
    if (!path)
        path = VMOPT_SYSCONFDIR "/vmopt/profiles.conf";
    int fd = vmopt__file_open_read(path, 0, MAX_MAP, "host map");
    if (fd < 0)
        return fd == -ENOENT ? 0 : fd;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return vmopt__fail(-ENOMEM, "host map %s: out of memory", path);
    }
    char self[4096];
    if (!exe) {
        vmopt__self_exe(self, sizeof self);
        exe = self;
    }
    const char *slash = strrchr(exe, '/');
    char found[256], where[300];
    match_ctx c = {f, 0, exe, slash ? slash + 1 : exe, path, found, where, sizeof found, sizeof where, 0, ""};
    int rc = ini_parse_stream(reader, &c, on_line, &c);
    fclose(f);
    if (c.error[0])
        return vmopt__fail(-EINVAL, "%s", c.error);
    if (rc != 0)
        return vmopt__fail(-EINVAL, "%s:%d: not an INI line (expected 'pattern = profile')", path, rc);
    if (!c.matched || !exe[0])
        return 0;
    vmopt__strlcpy(profile, found, len);
    vmopt__strlcpy(from, where, from_len);
    return 1;
}

int vmopt__host_profile(char *profile, size_t len, char *from, size_t from_len)
{
    return lookup(NULL, profile, len, from, from_len);
}

int vmopt__host_profile_for(const char *exe, char *profile, size_t len, char *from, size_t from_len)
{
    return lookup(exe, profile, len, from, from_len);
}

