/* The environment options, declared once.  Each is read lazily the first
 * time it is asked for, validated, and a bad value is reported once and
 * ignored: an option never makes a process fail. */
#ifndef VMOPT_OPTIONS_H
#define VMOPT_OPTIONS_H

/* XX(ID, variable, validator, default, default as people read it, meaning)
 * default is what vmopt__option_long returns when the variable is unset or
 * refused (enumerated options: the index of a name; -1: the plan decides). */
#define VMOPT__OPTIONS(XX)                                                                         \
    XX(PROFILE, "VMOPT_PROFILE", any, 0, "the host map's entry, else default",                   \
       "a built-in profile name or a profile file path")                                          \
    XX(DUMP, "VMOPT_DUMP", any, 0, "no dump",                                                    \
       "stderr or a file path: write the chosen plan once (.json suffix: JSON)")                   \
    XX(SIMD, "VMOPT_SIMD", simd, -1, "the plan's memcpy.simd",                                   \
       "force a width: avx512, avx2, sse2, neon, sve, generic")                                        \
    XX(RETUNE, "VMOPT_RETUNE", retune, -1, "the plan's retune.enabled and retune.period_ms",     \
       "0 off, 1 on, or a period in ms")                                                          \
    XX(CACHE_DIR, "VMOPT_CACHE_DIR", any, 0, "$XDG_CACHE_HOME/vmopt, else ~/.cache/vmopt",       \
       "where calibrated plans and the retune log are saved")                                     \
    XX(LOG, "VMOPT_LOG", log, VMOPT__LOG_WARN, "warn", "error, warn, info or debug, to stderr")               \
    XX(DISABLE, "VMOPT_DISABLE", flag, 0, "0",                                                   \
       "1: the preload passes every call above 16 B to the C library")                            \
    XX(POOL_DEBUG, "VMOPT_POOL_DEBUG", flag, 0, "0",                                             \
       "1: object pools catch double frees and foreign pointers")                                 \
    XX(CONFIG, "VMOPT_CONFIG", any, 0, "SYSCONFDIR/vmopt/profiles.conf",                         \
       "the host's executable-to-profile map")                                                    \
    XX(RETUNE_RECORD, "VMOPT_RETUNE_RECORD", any, 0, "no record",                                \
       "a file the retuner appends each sample to, one line each (to replay in tests)")             \
    XX(STATS, "VMOPT_STATS", flag, 0, "0",                                                       \
       "1: publish live counters for vmopt stat PID (owner-only; docs/security.md)")

typedef enum {
#define VMOPT__OPT_ENUM_(id, var, check, dflt, dflt_text, meaning) VMOPT__O_##id,
    VMOPT__OPTIONS(VMOPT__OPT_ENUM_)
#undef VMOPT__OPT_ENUM_
        VMOPT__O_COUNT
} vmopt__option;

/* The value, or NULL when unset or invalid. */
const char *vmopt__option_string(vmopt__option o);
/* The value as a number (enumerated options: the index), or the table's
 * default when unset or refused. */
long vmopt__option_long(vmopt__option o);
const char *vmopt__option_variable(vmopt__option o);
const char *vmopt__option_meaning(vmopt__option o);
/* Forgets what was read, so the next query reads the environment again
 * (tests, and a child after fork). */
void vmopt__options_reset(void);

#endif
