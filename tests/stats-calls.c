/* Run by test-stats.sh with VMOPT_STATS=1: a process that makes a known
 * number of calls, then waits on stdin for the test to read its page.
 *   round 1: 1000 copies of 4 KiB, 300 sets of 64 KiB, 7 copies of 3 MiB,
 *            100 pool allocations and frees ("frames", 64 B), 3 rounds of
 *            10 TLB misses and a flush; then a child forks and exits
 *            (it must leave the parent's page);      prints "ready PID"
 *   round 2: the same copies and sets again;          prints "ready2"
 *   round 3: 4 KiB copies until stdin closes or says anything.
 * Every copy goes through vmopt_memcpy/vmopt_memset: nothing else in the
 * process calls them, so the counts are exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmopt.h"

static char guest[16 << 12];

static int fill(void *opaque, uint64_t vaddr, unsigned access, void **host, unsigned *prot)
{
    (void)access;
    *host = (char *)opaque + (vaddr & 0xf000);
    *prot = VMOPT_TLB_PROT_READ | VMOPT_TLB_PROT_WRITE;
    return 0;
}

static void calls(char *a, char *b)
{
    for (int i = 0; i < 1000; i++)
        vmopt_memcpy(a + (i & 7), b, 4096);
    for (int i = 0; i < 300; i++)
        vmopt_memset(a, i, 65536);
    for (int i = 0; i < 7; i++)
        vmopt_memcpy(a, b + 4096, 3 << 20);
}

static void wait_line(void)
{
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        exit(0);
}

int main(void)
{
    if (vmopt_autotune(NULL) < 0) {
        fprintf(stderr, "stats-calls: %s\n", vmopt_errmsg());
        return 1;
    }
    char *a = malloc(4 << 20), *b = malloc(4 << 20);
    if (!a || !b)
        return 1;
    memset(b, 7, 4 << 20);
    calls(a, b);

    vmopt_pool_config pc = VMOPT_POOL_CONFIG_INIT;
    pc.object_size = 64;
    pc.name = "frames";
    vmopt_pool *pool;
    if (vmopt_pool_create(&pool, &pc) < 0)
        return 1;
    void *o[100];
    for (int i = 0; i < 100; i++)
        o[i] = vmopt_pool_alloc(pool);
    for (int i = 0; i < 100; i++)
        vmopt_pool_free(pool, o[i]);

    vmopt_tlb_config tc = VMOPT_TLB_CONFIG_INIT;
    tc.fill = fill;
    tc.opaque = guest;
    tc.entries = 256;
    tc.resize = 0;
    tc.victim = 0;
    vmopt_tlb *tlb;
    if (vmopt_tlb_create(&tlb, &tc) < 0) {
        fprintf(stderr, "stats-calls: %s\n", vmopt_errmsg());
        return 1;
    }
    int fault;
    for (int r = 0; r < 3; r++) {
        for (uint64_t p = 0; p < 10; p++)
            for (int twice = 0; twice < 2; twice++) /* the second, a hit */
                if (!vmopt_tlb_lookup(tlb, p << 12, VMOPT_TLB_READ, &fault))
                    return 1;
        vmopt_tlb_flush(tlb);
    }
    vmopt_tlb_poll(tlb); /* publishes, as a VM's safe point does */

    pid_t child = fork();
    if (child == 0)
        exit(0); /* atexit handlers run: the parent's page must stay */
    waitpid(child, NULL, 0);

    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    wait_line();
    calls(a, b);
    printf("ready2\n");
    fflush(stdout);
    wait_line();
    for (;;) {
        for (int i = 0; i < 1000; i++)
            vmopt_memcpy(a, b, 4096);
        fd_set in;
        FD_ZERO(&in);
        FD_SET(0, &in);
        struct timeval tv = {0, 1000};
        if (select(1, &in, NULL, NULL, &tv) != 0)
            break;
    }
    vmopt_tlb_destroy(tlb);
    vmopt_pool_destroy(pool);
    return 0;
}
