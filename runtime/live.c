/* vmopt_plan_dump: the machine and the plan (profiles/dump.c), then, with
 * VMOPT_DUMP_LIVE, what is live in this process: the dispatch table in
 * force (from dispatch/) and the retuner's state and history (from
 * runtime/retuner.c). */
#include "config.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

#include "dispatch/dispatch.h"
#include "lib/internal.h"
#include "profiles/dump.h"
#include "runtime/runtime.h"

static void retune_json(FILE *f)
{
    vmopt_retune_event e[VMOPT__RETUNE_HISTORY];
    unsigned n = vmopt_retune_history(e, VMOPT__RETUNE_HISTORY);
    fprintf(f, "{\"running\": %s, \"changes\": [", vmopt__retune_running() ? "true" : "false");
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s{\"t\": %.3f, \"from\": ", i ? ", " : "", e[i].t);
        vmopt__json_string(f, e[i].from);
        fputs(", \"to\": ", f);
        vmopt__json_string(f, e[i].to);
        fputs(", \"reason\": ", f);
        vmopt__json_string(f, e[i].reason);
        fputc('}', f);
    }
    fputs("]}", f);
}

static void retune_text(FILE *f)
{
    vmopt_retune_event e[VMOPT__RETUNE_HISTORY];
    unsigned n = vmopt_retune_history(e, VMOPT__RETUNE_HISTORY);
    fprintf(f, "thread           %s\n", vmopt__retune_running() ? "running" : "not running");
    if (!n)
        fputs("changes          none\n", f);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "change           t=%.3fs %s\n", e[i].t, e[i].reason);
}

VMOPT_EXTERN int vmopt_plan_dump(FILE *f, const vmopt_machine *m, const vmopt_plan *plan, unsigned flags)
{
    if (!f || !m || !plan)
        return vmopt__fail(-EINVAL, "vmopt_plan_dump: file, machine and plan are required");
    int json = (flags & VMOPT_DUMP_JSON) != 0;
    vmopt__plan_dump_open(f, m, plan, json);
    if (flags & VMOPT_DUMP_LIVE) {
        const vmopt__mem_table *t = atomic_load(&vmopt__mem_live);
        if (json) {
            fputs(",\n \"dispatch\": ", f);
            vmopt__mem_table_print_json(f, t);
            fputs(",\n \"retune\": ", f);
            retune_json(f);
        } else {
            fputs("\n[dispatch]       # live in this process\n", f);
            vmopt__mem_table_print(f, t);
            fputs("\n[retune]         # live in this process\n", f);
            retune_text(f);
        }
    }
    return vmopt__plan_dump_close(f, json);
}
