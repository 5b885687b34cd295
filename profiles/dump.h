/* The plan dump's two halves, around what the runtime adds: vmopt_plan_dump
 * (runtime/live.c) writes the machine and the plan with the first, the
 * live sections of its process, then closes with the second. */
#ifndef VMOPT_PROFILES_DUMP_H
#define VMOPT_PROFILES_DUMP_H

#include <stdio.h>

#include "lib/machine.h"
#include "lib/plan.h"

/* The header, the machine and the plan; in JSON an object left open, to
 * which each further section adds ",\n \"key\": value". */
void vmopt__plan_dump_open(FILE *f, const struct vmopt_machine *m, const struct vmopt_plan *plan, int json);
/* Closes the JSON object; 0, or -EIO with the message set when a write failed. */
int vmopt__plan_dump_close(FILE *f, int json);

#endif
