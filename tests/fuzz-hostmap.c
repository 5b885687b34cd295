/* libFuzzer target: the host map (VMOPT_CONFIG) on any file, looked up for
 * three executables.  A bad map is refused with a message that names a
 * line of it; a match names a profile and where.  Built with
 * --enable-fuzzers (clang); run by tests/run-all.sh for a bounded time on
 * tests/corpus-hostmap. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/internal.h"
#include "lib/options.h"
#include "runtime/host-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        char dir[] = "/tmp/vmopt-fuzz-hostmap-XXXXXX";
        if (!mkdtemp(dir))
            abort();
        snprintf(path, sizeof path, "%s/profiles.conf", dir);
        setenv("VMOPT_CONFIG", path, 1);
        vmopt__options_reset();
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    static const char *const exes[] = {"/usr/bin/qemu-system-x86_64", "/usr/bin/python3.11", "/opt/vm/bin/lua"};
    for (int i = 0; i < 3; i++) {
        char profile[256], from[300];
        vmopt__clear_error();
        int rc = vmopt__host_profile_for(exes[i], profile, sizeof profile, from, sizeof from);
        if (rc < 0 && !strstr(vmopt_errmsg(), path))
            abort(); /* a refusal names the file */
        if (rc == 1 && (!profile[0] || !strstr(from, path)))
            abort(); /* a match names a profile and where it came from */
    }
    return 0;
}
