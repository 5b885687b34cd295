/* libFuzzer target: the saved-plan loader on any file.  The input is the
 * plan's text before its checksum line; the target appends the checksum
 * and expects the input's own signature, so that the fuzzer reaches the
 * header and value parsing instead of stopping at those two gates.  Every
 * refusal must say why; a plan it accepts must hold values a profile could
 * hold.  Built with --enable-fuzzers (clang); run by tests/run-all.sh for a
 * bounded time on tests/corpus-saved. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/internal.h"
#include "lib/plan.h"
#include "tuner/saved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        char dir[] = "/tmp/vmopt-fuzz-saved-XXXXXX";
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/fuzz.plan", dir);
    }
    if (size > 70 * 1024)
        return 0;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 0x100000001b3ull;
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fprintf(f, "checksum: %016llx\n", (unsigned long long)h);
    fclose(f);
    chmod(path, 0600); /* whatever the umask: the loader refuses what others can write */
    /* The signature the file says it has, whatever it is. */
    char sig[VMOPT__SIGNATURE_LEN] = "";
    const char *at = memmem(data, size, "\nsignature: ", 12);
    if (at) {
        at += 12;
        size_t n = 0;
        while (at + n < (const char *)data + size && at[n] != '\n' && n < sizeof sig - 1)
            n++;
        memcpy(sig, at, n);
        sig[n] = 0;
    }
    struct vmopt_plan plan;
    int level;
    vmopt__clear_error();
    int rc = vmopt__plan_load_saved(&plan, sig, path, &level);
    if (rc < 0 && vmopt_errmsg()[0] == '\0')
        abort(); /* every refusal says why */
    if (rc == 0) {
        for (int k = 0; k < VMOPT__K_COUNT; k++) {
            uint64_t back;
            const char *why;
            char text[64];
            vmopt__field_format((vmopt__key)k, plan.v[k], text, sizeof text);
            if (vmopt__field_parse((vmopt__key)k, text, &back, &why) < 0 || back != plan.v[k])
                abort(); /* accepted a value a profile could not hold */
        }
        if (level < 0 || level > 2)
            abort();
    }
    return 0;
}
