/* Profile files: INI parsed with inih, keys checked against the one table
 * of tunables (lib/plan.h), include= inheritance with cycle detection.  A
 * bad file is rejected whole with "file:line: problem" and nothing of it is
 * applied. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "lib/internal.h"
#include "profiles/builtin.h"

#define MAX_INCLUDES 8
#define MAX_DEPTH 8
/* Files loaded in all, counting each include as often as it is reached:
 * 8 includes a file, 8 deep, would otherwise load 8^8 files. */
#define MAX_LOADS 64
/* inih reads at most 200 bytes a line, with room for "\r\n\0". */
#define MAX_LINE 197

typedef struct {
    const char *stack[MAX_DEPTH]; /* identities being loaded, for cycles */
    int depth;
    int loads; /* files loaded so far, against MAX_LOADS */
} load_stack;

typedef struct {
    struct vmopt_profile *p; /* this file's own settings */
    const char *origin;
    const char *pos;         /* the text still to read */
    int line;                /* the line inih is processing */
    int long_line;           /* first line longer than MAX_LINE, or 0 */
    int err;                 /* first error, with errline and the message set */
    int errline;
    char includes[MAX_INCLUDES][MAX_LINE + 1]; /* a value fits in its line */
    int include_line[MAX_INCLUDES];
    int n_includes;
    int line_of[VMOPT__K_COUNT];
    int name_line, description_line, workload_line;
    int last_key;            /* the field of the last key, a hint for the next */
} parse_ctx;

static int load_any(struct vmopt_profile *out, const char *name_or_path, const char *base_dir,
                    load_stack *st);

/* An fgets for inih that also counts lines, so every message has its line. */
static char *reader(char *buf, int size, void *stream)
{
    parse_ctx *c = stream;
    if (!*c->pos)
        return NULL;
    size_t len = strcspn(c->pos, "\n");
    size_t room = (size_t)size - 2;
    c->line++;
    if (len > MAX_LINE && !c->long_line)
        c->long_line = c->line;
    size_t n = len < room ? len : room;
    memcpy(buf, c->pos, n);
    buf[n] = '\n';
    buf[n + 1] = '\0';
    c->pos += len + (c->pos[len] == '\n');
    return buf;
}

VMOPT__PRINTF(3, 4) static int error_at(parse_ctx *c, int err, const char *fmt, ...)
{
    if (!c->err) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        vmopt__fail(err, "%s:%d: %s", c->origin, c->line, msg);
        c->err = err;
        c->errline = c->line;
    }
    return 0; /* tells inih this line failed */
}

static int is_section(const char *s)
{
    return vmopt__name_index(vmopt__sections, s) >= 0;
}

static int profile_key(parse_ctx *c, const char *name, const char *value)
{
    struct vmopt_profile *p = c->p;

    if (strcmp(name, "name") == 0) {
        if (c->name_line)
            return error_at(c, VMOPT_EPARSE, "duplicate key 'name' (first set at line %d)", c->name_line);
        if (!*value || strlen(value) >= sizeof p->name || strpbrk(value, "/ \t"))
            return error_at(c, VMOPT_EPARSE, "profile name must be 1-%zu characters without '/' or spaces",
                            sizeof p->name - 1);
        vmopt__strlcpy(p->name, value, sizeof p->name);
        c->name_line = c->line;
    } else if (strcmp(name, "description") == 0) {
        if (c->description_line)
            return error_at(c, VMOPT_EPARSE, "duplicate key 'description' (first set at line %d)",
                            c->description_line);
        vmopt__strlcpy(p->description, value, sizeof p->description);
        c->description_line = c->line;
    } else if (strcmp(name, "workload") == 0) {
        if (c->workload_line)
            return error_at(c, VMOPT_EPARSE, "duplicate key 'workload' (first set at line %d)",
                            c->workload_line);
        int w = vmopt__name_index(vmopt__workload_names, value);
        if (w < 0)
            return error_at(c, VMOPT_EPARSE,
                            "workload = %s: not one of balanced, interpreter, jit, bulk-copy, low-memory",
                            value);
        p->workload = w;
        vmopt__format_where(p->workload_from, sizeof p->workload_from, c->origin, c->line);
        c->workload_line = c->line;
    } else if (strcmp(name, "include") == 0) {
        if (c->n_includes == MAX_INCLUDES)
            return error_at(c, VMOPT_EPARSE, "more than %d includes", MAX_INCLUDES);
        if (!*value || strlen(value) >= PATH_MAX)
            return error_at(c, VMOPT_EPARSE, "include needs a profile name or a file path");
        vmopt__strlcpy(c->includes[c->n_includes], value, sizeof c->includes[0]);
        c->include_line[c->n_includes++] = c->line;
    } else {
        return error_at(c, VMOPT_EUNKNOWN, "unknown key '%s' in [profile] (known: name, description, workload, include)",
                        name);
    }
    return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    parse_ctx *c = user;

    if (c->long_line == c->line)
        return error_at(c, VMOPT_EPARSE, "line longer than %d characters", MAX_LINE);
    if (!*section)
        return error_at(c, VMOPT_EPARSE, "key '%s' before any [section]", name);
    if (strcmp(section, "profile") == 0)
        return profile_key(c, name, value);
    int k = vmopt__field_find(section, name, c->last_key + 1);
    if (k < 0) {
        if (!is_section(section))
            return error_at(c, VMOPT_EUNKNOWN,
                            "unknown section [%s] (known: profile, memcpy, tlb, pool, retune)", section);
        return error_at(c, VMOPT_EUNKNOWN, "unknown key '%s' in [%s]", name, section);
    }
    if (c->line_of[k])
        return error_at(c, VMOPT_EPARSE, "duplicate key '%s' (first set at line %d)", name, c->line_of[k]);
    vmopt__setting *s = &c->p->s[k];
    if (strcmp(value, "auto") == 0) {
        s->is_auto = 1;
    } else {
        const char *why = "invalid";
        int rc = vmopt__field_parse((vmopt__key)k, value, &s->value, &why);
        if (rc < 0) {
            const vmopt__field *f = &vmopt__fields[k];
            if (f->type == VMOPT__T_ENUM) {
                char names[128] = "";
                for (int i = 0; f->names[i]; i++)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                             i ? ", " : "", f->names[i]);
                return error_at(c, rc, "%s = %s: %s (auto, %s)", f->qualified, value, why, names);
            }
            if (rc == VMOPT_ERANGE_VALUE && f->type != VMOPT__T_BOOL) {
                char lo[32], hi[32];
                vmopt__field_format((vmopt__key)k, f->min, lo, sizeof lo);
                vmopt__field_format((vmopt__key)k, f->max, hi, sizeof hi);
                return error_at(c, rc, "%s = %s: %s (%s to %s%s)", f->qualified, value, why, lo, hi,
                                (f->flags & VMOPT__F_POW2) ? ", a power of two" : "");
            }
            return error_at(c, rc, "%s = %s: %s", f->qualified, value, why);
        }
    }
    s->set = 1;
    vmopt__format_where(s->from, sizeof s->from, c->origin, c->line);
    c->line_of[k] = c->line;
    c->last_key = k;
    return 1;
}

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Cross-field rules, checked on the merged profile where values are explicit. */
/* The one cross-field check of lib/plan.h, on what the profile fixes;
 * the message names where each of the two fields at odds was set. */
static int check_consistency(const struct vmopt_profile *p)
{
    long v[VMOPT__K_COUNT];
    for (int k = 0; k < VMOPT__K_COUNT; k++)
        v[k] = p->s[k].set && !p->s[k].is_auto ? (long)p->s[k].value : -1;
    vmopt__tlb_shape shape = {v[VMOPT__K_TLB_STRATEGY], v[VMOPT__K_TLB_WAYS], v[VMOPT__K_TLB_ENTRIES],
                              v[VMOPT__K_TLB_MIN_ENTRIES], v[VMOPT__K_TLB_MAX_ENTRIES]};
    char why[160];
    int pair[2];
    if (!vmopt__tlb_shape_wrong(&shape, why, sizeof why, pair))
        return 0;
    const char *first = p->s[pair[0]].from, *second = p->s[pair[1]].from;
    return vmopt__fail(VMOPT_ERANGE_VALUE, "%s: %s (%s)", first[0] ? first : p->name, why,
                       second[0] ? second : "auto");
}

/* Parses text (this file only) into *own; then loads its includes into
 * *out in order and lays own's settings over them. */
static int parse_text(struct vmopt_profile *out, const char *text, const char *origin,
                      const char *base_dir, load_stack *st)
{
    parse_ctx *c = calloc(1, sizeof *c);
    struct vmopt_profile *own = calloc(1, sizeof *own);
    int rc = 0;

    if (!c || !own) {
        rc = vmopt__fail(-ENOMEM, "%s: out of memory", origin);
        goto out;
    }
    c->p = own;
    c->last_key = -1;
    c->origin = origin;
    c->pos = text;
    int line = ini_parse_stream(reader, c, handler, c);
    if (line > 0 && (!c->err || line < c->errline)) {
        c->line = line;
        c->err = 0;
        error_at(c, VMOPT_EPARSE, "syntax error (expected [section] or key = value)");
    } else if (line < 0 && !c->err) {
        error_at(c, -ENOMEM, "out of memory");
    }
    if (c->err) {
        rc = c->err;
        goto out;
    }

    memset(out, 0, sizeof *out);
    for (int i = 0; i < c->n_includes; i++) {
        struct vmopt_profile *base = calloc(1, sizeof *base);
        if (!base) {
            rc = vmopt__fail(-ENOMEM, "%s: out of memory", origin);
            goto out;
        }
        rc = load_any(base, c->includes[i], base_dir, st);
        if (rc < 0) {
            char inner[512];
            vmopt__strlcpy(inner, vmopt_errmsg(), sizeof inner);
            vmopt__fail(rc, "%s:%d: include %s: %s", origin, c->include_line[i], c->includes[i], inner);
            free(base);
            goto out;
        }
        for (int k = 0; k < VMOPT__K_COUNT; k++)
            if (base->s[k].set)
                out->s[k] = base->s[k];
        if (base->description[0])
            vmopt__strlcpy(out->description, base->description, sizeof out->description);
        if (base->workload_from[0]) {
            out->workload = base->workload;
            vmopt__strlcpy(out->workload_from, base->workload_from, sizeof out->workload_from);
        }
        size_t used = strlen(out->chain);
        snprintf(out->chain + used, sizeof out->chain - used, "%s%s", used ? ", " : "", base->chain);
        free(base);
    }
    for (int k = 0; k < VMOPT__K_COUNT; k++)
        if (own->s[k].set)
            out->s[k] = own->s[k];
    if (own->name[0]) {
        vmopt__strlcpy(out->name, own->name, sizeof out->name);
    } else {
        /* A file without a name is called after the file: site.conf -> site. */
        vmopt__strlcpy(out->name, basename_of(origin), sizeof out->name);
        char *dot = strrchr(out->name, '.');
        if (dot && strcmp(dot, ".conf") == 0)
            *dot = '\0';
    }
    if (own->description[0])
        vmopt__strlcpy(out->description, own->description, sizeof out->description);
    if (own->workload_from[0]) {
        out->workload = own->workload;
        vmopt__strlcpy(out->workload_from, own->workload_from, sizeof out->workload_from);
    }
    vmopt__strlcpy(out->origin, origin, sizeof out->origin);
    char chain[VMOPT__ORIGIN_LEN];
    snprintf(chain, sizeof chain, "%s%s%s", out->name, out->chain[0] ? " < " : "", out->chain);
    vmopt__strlcpy(out->chain, chain, sizeof out->chain);
    rc = check_consistency(out);
out:
    free(c);
    free(own);
    return rc;
}

static int is_path(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".conf") == 0);
}

/* A profile is at most this big: a larger file is not one. */
#define MAX_PROFILE (1u << 20)

static int read_file(const char *path, char **out)
{
    size_t len;
    int rc = vmopt__file_read(path, 0, MAX_PROFILE, "profile", out, &len);
    if (rc == -ENOENT)
        return vmopt__fail(-ENOENT, "profile %s: cannot open: %s", path, strerror(ENOENT));
    if (rc < 0)
        return rc;
    if (memchr(*out, '\0', len)) {
        free(*out);
        return vmopt__fail(VMOPT_EPARSE, "profile %s: contains a NUL byte, not a text profile", path);
    }
    return 0;
}

static int push(load_stack *st, const char *identity, const char *shown)
{
    for (int i = 0; i < st->depth; i++) {
        if (strcmp(st->stack[i], identity) == 0)
            return vmopt__fail(VMOPT_ECYCLE, "include cycle: %s is already being loaded", shown);
    }
    if (st->depth == MAX_DEPTH)
        return vmopt__fail(VMOPT_ECYCLE, "includes nested deeper than %d at %s", MAX_DEPTH, shown);
    if (++st->loads > MAX_LOADS)
        return vmopt__fail(VMOPT_ECYCLE, "includes load more than %d files in all (at %s): not a profile",
                           MAX_LOADS, shown);
    st->stack[st->depth++] = identity;
    return 0;
}

static int load_builtin(struct vmopt_profile *out, const char *name, load_stack *st)
{
    const vmopt__builtin *b = vmopt__builtin_find(name);
    if (!b) {
        char known[256] = "";
        for (unsigned i = 0; i < vmopt__builtin_count; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                     vmopt__builtins[i].name);
        return vmopt__fail(-ENOENT, "unknown profile '%s' (built-in: %s; a file path needs a '/' or .conf)",
                           name, known);
    }
    char origin[VMOPT__NAME_LEN + 16];
    snprintf(origin, sizeof origin, "built-in/%s.conf", b->name);
    int rc = push(st, origin, origin);
    if (rc == 0) {
        rc = parse_text(out, b->text, origin, NULL, st);
        st->depth--;
    }
    return rc;
}

static int load_file(struct vmopt_profile *out, const char *path, const char *base_dir, load_stack *st)
{
    char joined[PATH_MAX], real[PATH_MAX], dir[PATH_MAX];
    char *text = NULL;

    if (path[0] != '/' && base_dir && base_dir[0]) {
        if ((size_t)snprintf(joined, sizeof joined, "%s/%s", base_dir, path) >= sizeof joined)
            return vmopt__fail(-ENAMETOOLONG, "%s: path too long", path);
        path = joined;
    }
    int rc = read_file(path, &text);
    if (rc < 0)
        return rc;
    if (!realpath(path, real))
        vmopt__strlcpy(real, path, sizeof real);
    vmopt__strlcpy(dir, real, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    rc = push(st, real, path);
    if (rc == 0) {
        rc = parse_text(out, text, path, dir, st);
        st->depth--;
    }
    free(text);
    return rc;
}

static int load_any(struct vmopt_profile *out, const char *name_or_path, const char *base_dir,
                    load_stack *st)
{
    return is_path(name_or_path) ? load_file(out, name_or_path, base_dir, st)
                                 : load_builtin(out, name_or_path, st);
}

VMOPT_EXTERN int vmopt_profile_load(vmopt_profile **out, const char *name_or_path)
{
    if (!out || !name_or_path)
        return vmopt__fail(-EINVAL, "vmopt_profile_load: out and name_or_path are required");
    struct vmopt_profile *p = calloc(1, sizeof *p);
    if (!p)
        return vmopt__fail(-ENOMEM, "vmopt_profile_load: out of memory");
    load_stack st = {.depth = 0};
    int rc = load_any(p, name_or_path, NULL, &st);
    if (rc < 0) {
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

VMOPT_EXTERN int vmopt_profile_parse(vmopt_profile **out, const char *text, const char *origin)
{
    if (!out || !text)
        return vmopt__fail(-EINVAL, "vmopt_profile_parse: out and text are required");
    struct vmopt_profile *p = calloc(1, sizeof *p);
    if (!p)
        return vmopt__fail(-ENOMEM, "vmopt_profile_parse: out of memory");
    load_stack st = {.depth = 0};
    int rc = parse_text(p, text, origin ? origin : "(string)", ".", &st);
    if (rc < 0) {
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

VMOPT_EXTERN void vmopt_profile_free(vmopt_profile *p)
{
    free(p);
}

VMOPT_EXTERN const char *vmopt_profile_name(const vmopt_profile *p)
{
    return p ? p->name : NULL;
}

VMOPT_EXTERN const char *vmopt_profile_description(const vmopt_profile *p)
{
    return p ? p->description : NULL;
}
