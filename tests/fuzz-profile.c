/* libFuzzer target: the profile parser, then resolution and both dumps of
 * whatever it accepts.  Built with --enable-fuzzers (clang); run by
 * tests/run-all.sh for a bounded time on tests/corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmopt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vmopt_machine *m;
    static FILE *sink;
    if (!m) {
        if (vmopt_machine_probe(&m, VMOPT_PROBE_ISA) < 0)
            abort();
        sink = fopen("/dev/null", "w");
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    vmopt_profile *p;
    if (vmopt_profile_parse(&p, text, "fuzz") == 0) {
        vmopt_plan *plan;
        if (vmopt_plan_resolve(&plan, m, p) == 0) {
            vmopt_plan_dump(sink, m, plan, 0);
            vmopt_plan_dump(sink, m, plan, VMOPT_DUMP_JSON);
            vmopt_plan_free(plan);
        }
        vmopt_profile_free(p);
    } else if (vmopt_errmsg()[0] == '\0') {
        abort(); /* every rejection must say why */
    }
    free(text);
    return 0;
}
