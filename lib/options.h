/* The environment options, declared once.  Each is read lazily the first
 * time it is asked for, validated, and a bad value is reported once and
 * ignored: an option never makes a process fail. */
#ifndef VMOPT_OPTIONS_H
#define VMOPT_OPTIONS_H

/* XX(ID, variable, validator, meaning) */
#define VMOPT__OPTIONS(XX)                                                                         \
    XX(PROFILE, "VMOPT_PROFILE", any, "a built-in profile name or a profile file path")            \
    XX(DUMP, "VMOPT_DUMP", any,                                                                    \
       "stderr or a file path: write the chosen plan once (.json suffix: JSON)")                   \
    XX(SIMD, "VMOPT_SIMD", simd, "force a width: avx512, avx2, sse2, neon, generic")               \
    XX(RETUNE, "VMOPT_RETUNE", retune, "0 off, 1 on, or a period in ms")                           \
    XX(CACHE_DIR, "VMOPT_CACHE_DIR", any,                                                          \
       "where calibrated profiles are saved (default $XDG_CACHE_HOME/vmopt)")                      \
    XX(LOG, "VMOPT_LOG", log, "error, warn, info or debug, to stderr")                             \
    XX(DISABLE, "VMOPT_DISABLE", flag, "1: the preload passes every call above 16 B to the C library") \
    XX(POOL_DEBUG, "VMOPT_POOL_DEBUG", flag, "1: object pools catch double frees and foreign pointers") \
    XX(CONFIG, "VMOPT_CONFIG", any,                                                                \
       "the host's executable-to-profile map (default SYSCONFDIR/vmopt/profiles.conf)") \
    XX(RETUNE_RECORD, "VMOPT_RETUNE_RECORD", any,                                                  \
       "a file the retuner appends each sample to, one line each (to replay in tests)")

typedef enum {
#define VMOPT__OPT_ENUM_(id, var, check, meaning) VMOPT__O_##id,
    VMOPT__OPTIONS(VMOPT__OPT_ENUM_)
#undef VMOPT__OPT_ENUM_
        VMOPT__O_COUNT
} vmopt__option;

/* The value, or NULL when unset or invalid. */
const char *vmopt__option_string(vmopt__option o);
/* The value as a number (enumerated options: the index), or dflt. */
long vmopt__option_long(vmopt__option o, long dflt);
const char *vmopt__option_variable(vmopt__option o);
const char *vmopt__option_meaning(vmopt__option o);
/* Forgets what was read, so the next query reads the environment again
 * (tests, and a child after fork). */
void vmopt__options_reset(void);

#endif
