/* Topology fallback from Linux sysfs and sysconf: the reduced probe of a
 * build without hwloc, or of a machine where hwloc fails.  Always answers;
 * whatever it cannot read stays unknown (0). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/internal.h"
#include "tuner/probe.h"

/* The number of CPUs in a sysfs CPU list ("0-3,8-11"); 0 if unreadable. */
static uint64_t cpu_list_count(const char *path)
{
    char buf[256];
    uint64_t n = 0;
    if (vmopt__sysfs_read(path, buf, sizeof buf) < 0)
        return 0;
    for (char *p = buf; *p;) {
        char *end;
        unsigned long a = strtoul(p, &end, 10), b = a;
        if (end == p)
            return 0;
        if (*end == '-')
            b = strtoul(end + 1, &end, 10);
        if (b >= a)
            n += b - a + 1;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            break;
    }
    return n;
}

static void read_caches(struct vmopt_machine *m)
{
    for (int i = 0; i < 8; i++) {
        char path[96], level[16], type[32], size[32], line[32];
        const char *base = "/sys/devices/system/cpu/cpu0/cache/index";
#define CACHE_FILE(name, buf)                                                                      \
    (snprintf(path, sizeof path, "%s%d/" name, base, i), vmopt__sysfs_read(path, buf, sizeof buf))
        if (CACHE_FILE("level", level) < 0)
            break;
        if (CACHE_FILE("type", type) < 0 || strcmp(type, "Instruction") == 0)
            continue;
        int lv = atoi(level) - 1;
        uint64_t bytes;
        const char *why;
        if (lv < 0 || lv >= VMOPT__CACHE_LEVELS || CACHE_FILE("size", size) < 0 ||
            vmopt__parse_size(size, &bytes, &why) < 0)
            continue;
        vmopt__set_fact(&m->cache_size[lv], bytes, VMOPT__SRC_SYSFS);
        if (CACHE_FILE("coherency_line_size", line) == 0)
            vmopt__set_fact(&m->cache_line[lv], strtoull(line, NULL, 10), VMOPT__SRC_SYSFS);
        snprintf(path, sizeof path, "%s%d/shared_cpu_list", base, i);
        vmopt__set_fact(&m->cache_shared_by[lv], cpu_list_count(path), VMOPT__SRC_SYSFS);
#undef CACHE_FILE
    }
}

static unsigned count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    unsigned n = 0;
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

/* A core is counted once, at the first CPU of its core_cpus_list; packages
 * by the highest physical_package_id. */
static void read_counts(struct vmopt_machine *m)
{
    long pus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cores = 0, packages = 0;

    for (long cpu = 0; cpu < pus && cpu < 4096; cpu++) {
        char path[96], buf[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/topology/core_cpus_list", cpu);
        if (vmopt__sysfs_read(path, buf, sizeof buf) == 0 && atol(buf) == cpu)
            cores++;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%ld/topology/physical_package_id", cpu);
        if (vmopt__sysfs_read(path, buf, sizeof buf) == 0 && (unsigned)atol(buf) + 1 > packages)
            packages = (unsigned)atol(buf) + 1;
    }
    vmopt__set_fact(&m->pus, pus > 0 ? (uint64_t)pus : 0, VMOPT__SRC_SYSCONF);
    vmopt__set_fact(&m->cores, cores, VMOPT__SRC_SYSFS);
    vmopt__set_fact(&m->packages, packages, VMOPT__SRC_SYSFS);
    vmopt__set_fact(&m->numa_nodes, count_entries("/sys/devices/system/node", "node"), VMOPT__SRC_SYSFS);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void read_huge_pages(struct vmopt_machine *m)
{
    DIR *d = opendir("/sys/kernel/mm/hugepages");
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) && m->n_page_sizes < VMOPT__MAX_PAGE_SIZES;) {
        unsigned long kb;
        if (sscanf(e->d_name, "hugepages-%lukB", &kb) == 1)
            m->page_sizes[m->n_page_sizes++] = (uint64_t)kb * 1024;
    }
    closedir(d);
    qsort(m->page_sizes, m->n_page_sizes, sizeof m->page_sizes[0], cmp_u64);
    m->page_sizes_src = (uint8_t)(m->n_page_sizes ? VMOPT__SRC_SYSFS : VMOPT__SRC_NONE);
}

/* Whether this arm64 process runs under user-mode emulation on an x86
 * host (qemu-user): /proc and /sys are then the host's, and its caches
 * and cores are facts about the host, not about the CPU the code runs
 * on.  qemu-user passes /proc/cpuinfo through, so an x86 "vendor_id" line
 * gives it away.  Read by the full probe only (vmopt info, dump), never
 * at the preload's start-up. */
static int emulated_on_x86(void)
{
#ifdef __aarch64__
    char buf[512];
    int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strstr(buf, "\nvendor_id\t") != NULL;
#else
    return 0;
#endif
}

static int probe_sysfs(struct vmopt_machine *m)
{
    read_caches(m);
    read_counts(m);
    read_huge_pages(m);
    m->topology_probe = emulated_on_x86() ? "sysfs-host" : "sysfs";
    return 0;
}

const vmopt__probe vmopt__probe_topology_sysfs = {"sysfs", VMOPT_PROBE_TOPOLOGY, probe_sysfs};

/* The cache sizes from index2 and index3 (L2, L3) and the CPUs sharing the
 * last level, in three reads.  Linux numbers the caches L1d, L1i, L2, L3
 * on every x86 and Arm machine with split L1 caches; a machine where
 * index3 is not larger than index2 does not fit that, and its sizes stay
 * unknown.  Each read is an open, a read and a close: about 10 us in this
 * VM (AMD family 25 model 17 under KVM). */
static void read_l2_l3(struct vmopt_machine *m)
{
    char size[2][32];
    uint64_t bytes[2];
    const char *why;
    for (int i = 0; i < 2; i++) {
        char path[80];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i + 2);
        if (vmopt__sysfs_read(path, size[i], sizeof size[i]) < 0 || vmopt__parse_size(size[i], &bytes[i], &why) < 0)
            bytes[i] = 0;
    }
    if (bytes[0] && (!bytes[1] || bytes[1] > bytes[0])) {
        int llc = bytes[1] ? VMOPT__L3 : VMOPT__L2;
        vmopt__set_fact(&m->cache_size[VMOPT__L2], bytes[0], VMOPT__SRC_SYSFS);
        if (bytes[1])
            vmopt__set_fact(&m->cache_size[VMOPT__L3], bytes[1], VMOPT__SRC_SYSFS);
        /* The streaming threshold is a share of the last level: one more read. */
        char path[80];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list",
                 llc == VMOPT__L3 ? 3 : 2);
        vmopt__set_fact(&m->cache_shared_by[llc], cpu_list_count(path), VMOPT__SRC_SYSFS);
    }
}

/* The preload library's start-up component: the L2 and L3 sizes only (what
 * the copy thresholds need).  Cores, NUMA nodes and huge pages stay
 * unknown: the full probe is for libvmopt. */
static int probe_caches(struct vmopt_machine *m)
{
    read_l2_l3(m);
    m->topology_probe = "sysfs-caches";
    m->unprobed |= VMOPT__UNPROBED_LAYOUT | VMOPT__UNPROBED_HUGE_PAGES;
    return 0;
}

const vmopt__probe vmopt__probe_caches_sysfs = {"sysfs-caches", VMOPT_PROBE_TOPOLOGY, probe_caches};

/* vmopt_autotune()'s component in libvmopt: every fact the plan reads and
 * no other.  The preload's three reads, plus the L1d (index0, when smaller
 * than the L2: the pools' magazine) and the huge page sizes (one directory:
 * the pools' chunk size), where hwloc opens about 130 files. */
static int probe_plan(struct vmopt_machine *m)
{
    read_l2_l3(m);
    char size[32];
    uint64_t bytes;
    const char *why;
    if (vmopt__sysfs_read("/sys/devices/system/cpu/cpu0/cache/index0/size", size, sizeof size) == 0 &&
        vmopt__parse_size(size, &bytes, &why) == 0 &&
        (!m->cache_size[VMOPT__L2].value || bytes < m->cache_size[VMOPT__L2].value))
        vmopt__set_fact(&m->cache_size[VMOPT__L1D], bytes, VMOPT__SRC_SYSFS);
    read_huge_pages(m);
    m->topology_probe = "sysfs-plan";
    m->unprobed |= VMOPT__UNPROBED_LAYOUT;
    return 0;
}

const vmopt__probe vmopt__probe_plan_sysfs = {"sysfs-plan", VMOPT_PROBE_TOPOLOGY, probe_plan};
