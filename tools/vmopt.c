/* vmopt: the command-line tool.  See `vmopt help`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmopt.h"

static const char usage[] =
    "usage: vmopt COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  info                 the machine as probed, with the source of every number\n"
    "  dump                 the plan for this machine, with the reason for every value\n"
    "  profiles             the built-in profiles, with descriptions\n"
    "  show NAME            the text of a built-in profile\n"
    "  check FILE...        validate profile files (exit 1 on the first bad one)\n"
    "  tune                 calibrate for this machine and show what was chosen and why\n"
    "  platforms [--list]   the platform guide (docs/platforms.md): the plan on every described\n"
    "                       CPU beside glibc's choice there; --list: their names\n"
    "  options              the VMOPT_* environment variables: meaning, default, value in force\n"
    "                       (also: vmopt help env)\n"
    "  stat [PID...]        what processes of yours that publish live statistics (VMOPT_STATS=1)\n"
    "                       are doing: the plan, the kernels, copies and sets by size, TLBs,\n"
    "                       pools, retuning; with no PID, the list of them\n"
    "  version              the library's version\n"
    "\n"
    "options (info, dump):\n"
    "  --json               JSON instead of text (format: docs/dump-format.md)\n"
    "  --profile NAME|FILE  dump: the profile to resolve (default: $VMOPT_PROFILE, else default)\n"
    "  --machine SPEC       describe a machine instead of probing this one:\n"
    "                       synthetic:<hwloc synthetic string>, or an hwloc XML file\n"
    "  --features LIST      with --machine: features and identity, e.g.\n"
    "                       avx2,erms,fsrm,vendor=GenuineIntel,family=6,model=0x8f\n"
    "                       (all settings: docs/platforms.md)\n"
    "  --platform NAME      a described CPU from vmopt platforms --list\n"
    "\n"
    "options (stat):\n"
    "  --watch[=SECONDS]    refresh every SECONDS (default 1) like top, with rates, until the\n"
    "                       processes exit\n"
    "  --json               JSON (docs/dump-format.md); --openmetrics: the OpenMetrics text format\n"
    "\n"
    "options (tune):\n"
    "  --profile NAME|FILE  the profile to tune (default: $VMOPT_PROFILE, the host map, else default)\n"
    "  --level LEVEL        estimate (the probe alone), measure (default, 50 ms at most)\n"
    "                       or exhaustive (every candidate, seconds)\n"
    "  --save               save the plan for the next start on this machine\n"
    "                       (in $VMOPT_CACHE_DIR, else $XDG_CACHE_HOME/vmopt)\n";

typedef struct {
    unsigned flags;
    const char *profile, *machine, *features, *platform;
    int level, save, openmetrics;
    double watch; /* seconds; 0: once */
} cli;

static int fail(const char *what)
{
    fprintf(stderr, "vmopt: %s: %s\n", what, vmopt_errmsg());
    return 1;
}

static int get_machine(const cli *c, vmopt_machine **m)
{
    int rc = c->platform ? vmopt_machine_platform(m, c->platform)
             : c->machine ? vmopt_machine_describe(m, c->machine, c->features)
                          : vmopt_machine_probe(m, VMOPT_PROBE_ALL);
    return rc < 0 ? fail(c->platform ? "--platform" : c->machine ? "--machine" : "probe") : 0;
}

static int cmd_info(const cli *c)
{
    vmopt_machine *m;
    if (get_machine(c, &m))
        return 1;
    int rc = vmopt_machine_dump(stdout, m, c->flags);
    vmopt_machine_free(m);
    return rc < 0 ? fail("info") : 0;
}

static int cmd_dump(const cli *c)
{
    const char *name = c->profile ? c->profile : vmopt_option_get("VMOPT_PROFILE");
    vmopt_profile *p;
    vmopt_machine *m;
    vmopt_plan *plan;

    if (vmopt_profile_load(&p, name ? name : "default") < 0)
        return fail("profile");
    if (get_machine(c, &m)) {
        vmopt_profile_free(p);
        return 1;
    }
    int rc = vmopt_plan_resolve(&plan, m, p);
    if (rc == 0) {
        rc = vmopt_plan_dump(stdout, m, plan, c->flags);
        vmopt_plan_free(plan);
    }
    /* What retuners did on this machine, when they did anything (text only:
     * the JSON dump is of the plan). */
    char path[4096];
    if (rc == 0 && !(c->flags & VMOPT_DUMP_JSON) && !c->machine && !c->platform) {
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (mem && vmopt_retune_log(mem, 16, path, sizeof path) > 0) {
            fclose(mem);
            printf("\n[retune log]     # the last changes retuners made on this machine (%s)\n%s", path, text);
        } else if (mem) {
            fclose(mem);
        }
        free(text);
    }
    vmopt_machine_free(m);
    vmopt_profile_free(p);
    return rc < 0 ? fail("dump") : 0;
}

static int cmd_platforms(int list)
{
    if (list) {
        for (unsigned i = 0; vmopt_platform_name(i); i++)
            puts(vmopt_platform_name(i));
        return 0;
    }
    return vmopt_platforms_dump(stdout, 0) < 0 ? fail("platforms") : 0;
}

static int cmd_profiles(void)
{
    for (unsigned i = 0; vmopt_builtin_profile_name(i); i++)
        printf("%-12s %s\n", vmopt_builtin_profile_name(i), vmopt_builtin_profile_description(i));
    return 0;
}

static int cmd_show(int argc, char **argv)
{
    if (argc != 1) {
        fputs("vmopt show: name one built-in profile (vmopt profiles lists them)\n", stderr);
        return 2;
    }
    const char *text = vmopt_builtin_profile_text(argv[0]);
    if (!text) {
        fprintf(stderr, "vmopt show: no built-in profile '%s' (vmopt profiles lists them)\n", argv[0]);
        return 1;
    }
    fputs(text, stdout);
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    if (argc < 1) {
        fputs("vmopt check: name at least one profile file\n", stderr);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        vmopt_profile *p;
        char path[4096];
        /* check takes files: an existing "site" is ./site, not a built-in name. */
        const char *target = argv[i];
        if (!strchr(target, '/') && access(target, F_OK) == 0 &&
            (size_t)snprintf(path, sizeof path, "./%s", target) < sizeof path)
            target = path;
        if (vmopt_profile_load(&p, target) < 0) {
            fprintf(stderr, "vmopt check: %s\n", vmopt_errmsg());
            return 1;
        }
        printf("%s: ok (profile %s)\n", argv[i], vmopt_profile_name(p));
        vmopt_profile_free(p);
    }
    return 0;
}

/* The option table with what is in force: the library's own, so that the
 * tool reads the environment exactly as the library does. */
static int cmd_options(void)
{
    vmopt_option_info o;
    for (unsigned i = 0; vmopt_option_describe(i, &o) == 0; i++) {
        printf("%-20s %s\n", o.variable, o.meaning);
        printf("%-20s default: %s\n", "", o.default_value);
        if (o.value)
            printf("%-20s now:     %s (from the environment)\n", "", o.value);
        else if (o.refused)
            printf("%-20s now:     the default: the value set is ignored (%s)\n", "", o.refused);
        else
            printf("%-20s now:     the default (unset)\n", "");
    }
    return 0;
}

/* Progress on a terminal: one bar, redrawn; otherwise a line a step. */
static void progress(void *arg, double done, const char *what)
{
    int tty = *(int *)arg;
    if (tty) {
        int filled = (int)(done * 30 + 0.5);
        fprintf(stderr, "\r[%.*s%*s] %3.0f%% %-40s", filled, "##############################", 30 - filled, "",
                done * 100, what);
        if (done >= 1)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "vmopt tune: %3.0f%% %s\n", done * 100, what);
    }
    fflush(stderr);
}

/* Reads every PID's page into now[]; how many were read.  A process that
 * has gone is said once, on stderr. */
static unsigned read_all(const int *pids, unsigned n, vmopt_stats **now, int *gone)
{
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (gone[i])
            continue;
        if (vmopt_stats_read(&now[k], pids[i]) < 0) {
            fprintf(stderr, "vmopt stat: %s\n", vmopt_errmsg());
            gone[i] = 1;
            continue;
        }
        k++;
    }
    return k;
}

static int cmd_stat(const cli *c, int argc, char **argv)
{
    enum { MAX = 256 };
    int pids[MAX], gone[MAX] = {0};
    unsigned n = 0;
    for (int i = 0; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (!*argv[i] || *end || pid <= 0 || pid > 0x7fffffff) {
            fprintf(stderr, "vmopt stat: '%s': not a process ID\n", argv[i]);
            return 2;
        }
        if (n == MAX) {
            fprintf(stderr, "vmopt stat: more than %d PIDs\n", MAX);
            return 2;
        }
        pids[n++] = (int)pid;
    }
    int listing = n == 0;
    if (listing) {
        int k = vmopt_stats_list(pids, MAX);
        if (k < 0)
            return fail("stat");
        n = (unsigned)k;
    }
    unsigned format = c->openmetrics ? VMOPT_STATS_OPENMETRICS : (c->flags & VMOPT_DUMP_JSON) ? VMOPT_STATS_JSON
                      : listing && !c->watch ? VMOPT_STATS_LIST : VMOPT_STATS_TEXT;
    if (n == 0 && format != VMOPT_STATS_JSON && format != VMOPT_STATS_OPENMETRICS) {
        printf("no process of yours publishes live statistics (run one with VMOPT_STATS=1)\n");
        return 0;
    }
    static vmopt_stats *now[MAX], *before[MAX];
    int tty = isatty(1), rc = 0;
    for (int round = 0;; round++) {
        unsigned k = read_all(pids, n, now, gone);
        if (k == 0 && n > 0) {
            rc = round ? 0 : 1; /* all gone: the end of a watch, the failure of a look */
            break;
        }
        if (c->watch && tty)
            fputs("\033[H\033[2J", stdout);
        else if (c->watch && round)
            puts("");
        if (vmopt_stats_print(stdout, now, round ? before : NULL, k, format) < 0) {
            rc = fail("stat");
            break;
        }
        fflush(stdout);
        for (unsigned i = 0; i < MAX; i++) {
            vmopt_stats_free(before[i]);
            before[i] = i < k ? now[i] : NULL;
            now[i] = NULL;
        }
        if (!c->watch)
            break;
        struct timespec ts = {(time_t)c->watch, (long)((c->watch - (double)(time_t)c->watch) * 1e9)};
        nanosleep(&ts, NULL);
    }
    for (unsigned i = 0; i < MAX; i++)
        vmopt_stats_free(before[i]);
    return rc;
}

static int cmd_tune(const cli *c)
{
    int tty = isatty(2);
    vmopt_options o = VMOPT_OPTIONS_INIT;
    o.profile = c->profile;
    o.level = c->level;
    o.flags = VMOPT_TUNE_FRESH | (c->save ? VMOPT_TUNE_SAVE : 0);
    o.progress = progress;
    o.progress_arg = &tty;
    if (vmopt_autotune(&o) < 0)
        return fail("tune");
    vmopt_plan *plan = vmopt_current_plan();
    vmopt_machine *m;
    if (!plan || vmopt_machine_probe(&m, VMOPT_PROBE_ISA | VMOPT_PROBE_TOPOLOGY) < 0)
        return fail("tune");
    int rc = vmopt_plan_dump(stdout, m, plan, c->flags);
    vmopt_machine_free(m);
    vmopt_plan_free(plan);
    if (c->save)
        fprintf(stderr, "vmopt tune: saved; the next vmopt_autotune() or preload start on this machine loads it\n");
    return rc < 0 ? fail("tune") : 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},        {"profile", required_argument, NULL, 'p'},
        {"machine", required_argument, NULL, 'm'}, {"features", required_argument, NULL, 'f'},
        {"level", required_argument, NULL, 'l'}, {"save", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},        {"platform", required_argument, NULL, 'P'},
        {"list", no_argument, NULL, 'L'},        {"watch", optional_argument, NULL, 'w'},
        {"openmetrics", no_argument, NULL, 'O'}, {NULL, 0, NULL, 0},
    };
    cli c = {0};
    int list = 0;
    c.level = VMOPT_LEVEL_MEASURE;

    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 && argc == 3 && strcmp(argv[2], "env") == 0)
        return cmd_options();
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    optind = 2;
    for (int o; (o = getopt_long(argc, argv, "+", longopts, NULL)) != -1;) {
        switch (o) {
        case 'j':
            c.flags |= VMOPT_DUMP_JSON;
            break;
        case 'p':
            c.profile = optarg;
            break;
        case 'm':
            c.machine = optarg;
            break;
        case 'f':
            c.features = optarg;
            break;
        case 'l':
            if (strcmp(optarg, "estimate") == 0)
                c.level = VMOPT_LEVEL_ESTIMATE;
            else if (strcmp(optarg, "measure") == 0)
                c.level = VMOPT_LEVEL_MEASURE;
            else if (strcmp(optarg, "exhaustive") == 0)
                c.level = VMOPT_LEVEL_EXHAUSTIVE;
            else {
                fprintf(stderr, "vmopt: --level %s: expected estimate, measure or exhaustive\n", optarg);
                return 2;
            }
            break;
        case 's':
            c.save = 1;
            break;
        case 'P':
            c.platform = optarg;
            break;
        case 'L':
            list = 1;
            break;
        case 'w': {
            char *end = NULL;
            c.watch = optarg ? strtod(optarg, &end) : 1;
            if (optarg && (end == optarg || *end || !(c.watch >= 0.1 && c.watch <= 3600))) {
                fprintf(stderr, "vmopt: --watch=%s: expected seconds, 0.1 to 3600\n", optarg);
                return 2;
            }
            break;
        }
        case 'O':
            c.openmetrics = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (c.features && !c.machine) {
        fputs("vmopt: --features needs --machine\n", stderr);
        return 2;
    }
    if (c.platform && c.machine) {
        fputs("vmopt: --platform and --machine each name the machine: give one\n", stderr);
        return 2;
    }
    if ((c.watch || c.openmetrics) && strcmp(cmd, "stat") != 0) {
        fprintf(stderr, "vmopt %s: --watch and --openmetrics are stat's\n", cmd);
        return 2;
    }
    int rest = argc - optind;
    char **args = argv + optind;
    if (strcmp(cmd, "info") == 0 && rest == 0)
        return cmd_info(&c);
    if (strcmp(cmd, "dump") == 0 && rest == 0)
        return cmd_dump(&c);
    if (strcmp(cmd, "platforms") == 0 && rest == 0)
        return cmd_platforms(list);
    if (strcmp(cmd, "tune") == 0 && rest == 0 && !c.machine && !c.platform)
        return cmd_tune(&c);
    if (strcmp(cmd, "options") == 0 && rest == 0)
        return cmd_options();
    if (strcmp(cmd, "profiles") == 0 && rest == 0)
        return cmd_profiles();
    if (strcmp(cmd, "show") == 0)
        return cmd_show(rest, args);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(rest, args);
    if (strcmp(cmd, "stat") == 0) {
        if (c.openmetrics && (c.flags & VMOPT_DUMP_JSON)) {
            fputs("vmopt stat: --json and --openmetrics each name the format: give one\n", stderr);
            return 2;
        }
        return cmd_stat(&c, rest, args);
    }
    if (strcmp(cmd, "version") == 0 && rest == 0) {
        printf("vmopt %s\n", vmopt_version_string());
        return 0;
    }
    fprintf(stderr, "vmopt: unknown command or stray arguments: %s\n\n%s", cmd, usage);
    return 2;
}
