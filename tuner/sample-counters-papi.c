/* Hardware counts of the whole process for the retuner, from PAPI: one
 * event set per thread, attached to it (PAPI_attach), the threads listed
 * again from /proc/self/task at each sample.  Counts are cumulative; a
 * thread that exits leaves its last counts behind.  With no preset for
 * cycles or data-TLB misses (a VM guest, typically), there are no counts,
 * and the retuner goes by its software signals. */
#include "config.h"

#include <dirent.h>
#include <papi.h>
#include <stdlib.h>
#include <string.h>

#include "tuner/sample-counters.h"

#define MAX_THREADS 256

int vmopt__papi_kept;
enum { CYC, TLB, LLC, NEVENTS };

static struct {
    int state; /* 0 untried, 1 usable, -1 not */
    int events[NEVENTS], n_events;
    struct {
        int tid, set, seen;
        long long last[NEVENTS];
    } t[MAX_THREADS];
    int n;
    long long gone[NEVENTS];
} P;

static void try_init(void)
{
    P.state = -1;
    if (PAPI_library_init(PAPI_VER_CURRENT) != PAPI_VER_CURRENT)
        return;
    static const int wanted[NEVENTS] = {PAPI_TOT_CYC, PAPI_TLB_DM, PAPI_L3_TCM};
    for (int i = 0; i < NEVENTS; i++)
        P.events[i] = PAPI_query_event(wanted[i]) == PAPI_OK ? wanted[i] : 0;
    if (!P.events[CYC] || !P.events[TLB])
        return;
    P.state = 1;
    __atomic_store_n(&vmopt__papi_kept, 1, __ATOMIC_RELEASE);
}

static int attach(int tid)
{
    int set = PAPI_NULL;
    if (PAPI_create_eventset(&set) != PAPI_OK)
        return PAPI_NULL;
    for (int i = 0; i < NEVENTS; i++)
        if (P.events[i] && PAPI_add_event(set, P.events[i]) != PAPI_OK)
            P.events[i] = i == LLC ? 0 : P.events[i]; /* the last-level count is optional */
    if (PAPI_attach(set, (unsigned long)tid) != PAPI_OK || PAPI_start(set) != PAPI_OK) {
        PAPI_cleanup_eventset(set);
        PAPI_destroy_eventset(&set);
        return PAPI_NULL;
    }
    return set;
}

int vmopt__counters_read(uint64_t *cycles, uint64_t *dtlb_misses, uint64_t *llc_misses)
{
    if (P.state == 0)
        try_init();
    if (P.state < 0)
        return 0;
    for (int i = 0; i < P.n; i++)
        P.t[i].seen = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));) {
        int tid = atoi(e->d_name);
        if (tid <= 0)
            continue;
        int i = 0;
        while (i < P.n && P.t[i].tid != tid)
            i++;
        if (i == P.n) {
            if (P.n == MAX_THREADS)
                continue;
            int set = attach(tid);
            if (set == PAPI_NULL)
                continue;
            memset(&P.t[i], 0, sizeof P.t[i]);
            P.t[i].tid = tid;
            P.t[i].set = set;
            P.n++;
        }
        long long v[NEVENTS] = {0};
        if (PAPI_read(P.t[i].set, v) == PAPI_OK)
            memcpy(P.t[i].last, v, sizeof v);
        P.t[i].seen = 1;
    }
    closedir(d);
    if (P.n == 0 && !P.gone[CYC]) {
        /* Listed, but no thread could be counted (the kernel refuses the
         * events): no counts, as when PAPI lists none. */
        P.state = -1;
        return 0;
    }
    long long sum[NEVENTS];
    memcpy(sum, P.gone, sizeof sum);
    for (int i = 0; i < P.n;) {
        if (!P.t[i].seen) { /* exited: keep what it counted */
            for (int k = 0; k < NEVENTS; k++)
                P.gone[k] += P.t[i].last[k], sum[k] += P.t[i].last[k];
            long long junk[NEVENTS];
            PAPI_stop(P.t[i].set, junk);
            PAPI_cleanup_eventset(P.t[i].set);
            PAPI_destroy_eventset(&P.t[i].set);
            P.t[i] = P.t[--P.n];
            continue;
        }
        for (int k = 0; k < NEVENTS; k++)
            sum[k] += P.t[i].last[k];
        i++;
    }
    *cycles = (uint64_t)sum[CYC];
    *dtlb_misses = (uint64_t)sum[TLB];
    *llc_misses = (uint64_t)sum[LLC];
    return 1;
}
