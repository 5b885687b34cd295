/* bench-tlb's lookup loop with the page size known only at run time: what
 * a VM whose pages vary gets (vmopt.h without VMOPT_TLB_PAGE_SHIFT). */
#include "config.h"

#include "bench/bench-tlb.h"

void bench_tlb_run_any(void *arg)
{
    bench_tlb_run(arg);
}
