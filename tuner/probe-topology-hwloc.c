/* Topology from hwloc: caches, cores, PUs, NUMA nodes, huge-page sizes.
 * Also builds described machines from hwloc synthetic strings and XML. */
#include "config.h"

#include <errno.h>
#include <hwloc.h>
#include <string.h>

#include "lib/internal.h"
#include "tuner/probe.h"

static const hwloc_obj_type_t cache_types[VMOPT__CACHE_LEVELS] = {
    HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE};

static unsigned count(hwloc_topology_t t, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(t, type);
    return n > 0 ? (unsigned)n : 0;
}

static void fill(struct vmopt_machine *m, hwloc_topology_t t, vmopt__source src)
{
    for (int level = 0; level < VMOPT__CACHE_LEVELS; level++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(t, cache_types[level], 0);
        /* HWLOC_OBJ_L1CACHE holds data and unified L1s, never instruction ones. */
        if (!c)
            continue;
        vmopt__set_fact(&m->cache_size[level], c->attr->cache.size, src);
        vmopt__set_fact(&m->cache_line[level], c->attr->cache.linesize, src);
        int sharing = c->cpuset ? hwloc_bitmap_weight(c->cpuset) : 0;
        vmopt__set_fact(&m->cache_shared_by[level], sharing > 0 ? (uint64_t)sharing : 0, src);
    }
    vmopt__set_fact(&m->packages, count(t, HWLOC_OBJ_PACKAGE), src);
    vmopt__set_fact(&m->cores, count(t, HWLOC_OBJ_CORE), src);
    vmopt__set_fact(&m->pus, count(t, HWLOC_OBJ_PU), src);
    vmopt__set_fact(&m->numa_nodes, count(t, HWLOC_OBJ_NUMANODE), src);

    hwloc_obj_t node = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, 0);
    m->n_page_sizes = 0;
    if (node && node->attr) {
        /* page_types[0] is the base page; the rest are huge pages, ascending. */
        for (unsigned i = 1; i < node->attr->numanode.page_types_len &&
                             m->n_page_sizes < VMOPT__MAX_PAGE_SIZES; i++) {
            uint64_t size = node->attr->numanode.page_types[i].size;
            if (size)
                m->page_sizes[m->n_page_sizes++] = size;
        }
    }
    m->page_sizes_src = (uint8_t)(m->n_page_sizes ? src : VMOPT__SRC_NONE);
}

static int probe_hwloc(struct vmopt_machine *m)
{
    hwloc_topology_t t;

    if (hwloc_topology_init(&t) < 0)
        return -errno;
    /* Caches, cores and memory are all the tuner reads: skip I/O discovery,
     * and hwloc's x86 backend, whose CPUID on every PU (a VM exit each, in
     * a guest) costs 0.25 ms here and adds nothing that Linux's sysfs, from
     * the same CPUID, does not already give. */
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_components(t, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "x86");
    if (hwloc_topology_load(t) < 0) {
        int err = -errno;
        hwloc_topology_destroy(t);
        return err ? err : -EIO;
    }
    fill(m, t, VMOPT__SRC_HWLOC);
    hwloc_topology_destroy(t);
    m->topology_probe = "hwloc";
    return 0;
}

const vmopt__probe vmopt__probe_topology_hwloc = {"hwloc", VMOPT_PROBE_TOPOLOGY, probe_hwloc};

int vmopt__topology_describe(struct vmopt_machine *m, const char *spec)
{
    static const char prefix[] = "synthetic:";
    hwloc_topology_t t;
    int synthetic = strncmp(spec, prefix, sizeof prefix - 1) == 0;
    int rc;

    if (hwloc_topology_init(&t) < 0)
        return vmopt__fail(-errno, "topology: hwloc_topology_init failed");
    if (synthetic)
        rc = hwloc_topology_set_synthetic(t, spec + sizeof prefix - 1);
    else
        rc = hwloc_topology_set_xml(t, spec);
    if (rc < 0) {
        hwloc_topology_destroy(t);
        return vmopt__fail(-EINVAL, "topology '%s': hwloc cannot %s it", spec,
                           synthetic ? "parse" : "read");
    }
    if (hwloc_topology_load(t) < 0) {
        hwloc_topology_destroy(t);
        return vmopt__fail(-EINVAL, "topology '%s': hwloc cannot load it", spec);
    }
    /* hwloc falls back to the real machine when a description does not
     * take; a described topology is never "this system". */
    if (hwloc_topology_is_thissystem(t)) {
        hwloc_topology_destroy(t);
        return vmopt__fail(-EINVAL, "topology '%s': hwloc loaded this machine instead", spec);
    }
    fill(m, t, VMOPT__SRC_GIVEN);
    hwloc_topology_destroy(t);
    m->topology_probe = synthetic ? "hwloc-synthetic" : "hwloc-xml";
    return 0;
}
