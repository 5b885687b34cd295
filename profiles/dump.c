/* Dumps of the machine and the plan, as text for people and as JSON for
 * programs (docs/dump-format.md; bump FORMAT_VERSION on any change that is
 * not a pure addition).  What is live in a process, the dispatch table and
 * the retune history, is the runtime's to add (runtime/live.c). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"
#include "lib/machine.h"
#include "lib/plan.h"
#include "profiles/dump.h"

#define FORMAT_VERSION 1

static const char *const cache_names[VMOPT__CACHE_LEVELS] = {"L1d", "L2", "L3"};
static const char *const cache_keys[VMOPT__CACHE_LEVELS] = {"l1d", "l2", "l3"};

static const char *src(uint8_t s)
{
    return vmopt__source_name((vmopt__source)s);
}

static void json_fact(FILE *f, const char *key, const vmopt__fact *v)
{
    fprintf(f, "\"%s\": {\"value\": %" PRIu64 ", \"source\": \"%s\"}", key, v->value, src(v->src));
}

/* "key": fact, ... for n facts. */
static void json_facts(FILE *f, const char *const *keys, const vmopt__fact *const *facts, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        json_fact(f, keys[i], facts[i]);
    }
}

/* ---- machine ---- */

/* What a dump says of a fact the preload's quick start-up probe left out. */
#define NOT_PROBED "not probed at start-up: the plan does not read it (vmopt info shows it)"
#define COUNTERS_NOT_PROBED "not probed (no plan reads them; vmopt info shows them)"

static int unprobed(const struct vmopt_machine *m, unsigned what)
{
    return (m->unprobed & what) != 0;
}


static void machine_json(FILE *f, const struct vmopt_machine *m)
{
    fputs("{\"arch\": ", f);
    vmopt__json_string(f, m->arch);
    fputs(", \"vendor\": ", f);
    vmopt__json_string(f, m->vendor);
    fputs(", \"model\": ", f);
    vmopt__json_string(f, m->model);
    fprintf(f, ", \"family\": %d, \"model_number\": %d, \"stepping\": %d", m->family, m->model_number,
            m->stepping);
    fprintf(f, ", \"vendor_kind\": {\"value\": \"%s\", \"source\": \"%s\"}",
            vmopt__vendor_name((vmopt__vendor)m->vendor_kind), src(m->vendor_src));
    fputs(",\n  ", f);
    json_facts(f, (const char *const[]){"sve_vl", "zva_block", "kernel"},
               (const vmopt__fact *const[]){&m->sve_vl, &m->zva_block, &m->kernel}, 3);
    fputs(",\n  \"probes\": {\"isa\": ", f);
    vmopt__json_string(f, m->isa_probe ? m->isa_probe : "none");
    fputs(", \"topology\": ", f);
    vmopt__json_string(f, m->topology_probe ? m->topology_probe : "skipped");
    fputs(", \"counters\": ", f);
    vmopt__json_string(f, m->counters_probe ? m->counters_probe : "skipped");
    fputs("},\n  \"features\": {", f);
    for (int i = 0, n = 0; i < VMOPT__FEAT_COUNT; i++)
        if (vmopt__has(m, (vmopt__feature)i))
            fprintf(f, "%s\"%s\": \"%s\"", n++ ? ", " : "", vmopt__feature_name((vmopt__feature)i),
                    src(m->feature_src[i]));
    fputs("},\n  \"caches\": {", f);
    for (int l = 0; l < VMOPT__CACHE_LEVELS; l++) {
        fprintf(f,
                "%s\"%s\": {\"size\": %" PRIu64 ", \"line\": %" PRIu64 ", \"shared_by\": %" PRIu64
                ", \"source\": \"%s\"",
                l ? ", " : "", cache_keys[l], m->cache_size[l].value, m->cache_line[l].value,
                m->cache_shared_by[l].value, src(m->cache_size[l].src));
        if (m->cache_size_alt[l].value)
            fprintf(f, ", \"other\": [{\"size\": %" PRIu64 ", \"source\": \"%s\"}]",
                    m->cache_size_alt[l].value, src(m->cache_size_alt[l].src));
        fputc('}', f);
    }
    fputs("},\n  ", f);
    json_facts(f, (const char *const[]){"packages", "cores", "pus", "numa_nodes"},
               (const vmopt__fact *const[]){&m->packages, &m->cores, &m->pus, &m->numa_nodes}, 4);
    fputs(",\n  \"huge_pages\": {\"sizes\": [", f);
    for (unsigned i = 0; i < m->n_page_sizes; i++)
        fprintf(f, "%s%" PRIu64, i ? ", " : "", m->page_sizes[i]);
    fprintf(f, "], \"source\": \"%s\"},\n  \"counters\": {\"available\": %u, \"pmu_slots\": %u, \"presets\": [",
            src(m->page_sizes_src), m->counters, m->pmu_slots);
    for (unsigned i = 0, n = 0; i < VMOPT__PRESET_COUNT; i++)
        if (m->presets & (1u << i))
            fprintf(f, "%s\"%s\"", n++ ? ", " : "", vmopt__preset_name(i));
    fputs("], \"version\": ", f);
    vmopt__json_string(f, m->counters_version);
    fputs(", \"reason\": ", f);
    vmopt__json_string(f, m->counters ? "" : m->counters_reason);
    fputc('}', f);
    /* What a quick probe left out: those values read 0 or "", not as facts. */
    if (m->unprobed || !(m->probed & VMOPT_PROBE_COUNTERS)) {
        fputs(",\n  \"not_probed\": {\"why\": ", f);
        vmopt__json_string(f, NOT_PROBED);
        fputs(", \"facts\": [", f);
        const char *sep = "";
        if (unprobed(m, VMOPT__UNPROBED_IDENTITY) && !m->vendor[0]) {
            fputs("\"vendor\", \"model\"", f);
            sep = ", ";
        }
        if (unprobed(m, VMOPT__UNPROBED_LAYOUT)) {
            for (int l = 0; l < VMOPT__CACHE_LEVELS; l++)
                if (!m->cache_size[l].value) {
                    fprintf(f, "%s\"caches.%s\"", sep, cache_keys[l]);
                    sep = ", ";
                }
            if (!m->cores.value) {
                fprintf(f, "%s\"packages\", \"cores\", \"pus\", \"numa_nodes\"", sep);
                sep = ", ";
            }
        }
        if (unprobed(m, VMOPT__UNPROBED_HUGE_PAGES)) {
            fprintf(f, "%s\"huge_pages\"", sep);
            sep = ", ";
        }
        if (!(m->probed & VMOPT_PROBE_COUNTERS) && !m->counters_probe)
            fprintf(f, "%s\"counters\"", sep);
        fputs("]}", f);
    }
    fputc('}', f);
}

static void size_text(uint64_t v, char *buf, size_t len)
{
    if (v)
        vmopt__format_size(v, buf, len);
    else
        snprintf(buf, len, "unknown");
}

static void machine_text(FILE *f, const struct vmopt_machine *m)
{
    char a[32], b[32];

    if (unprobed(m, VMOPT__UNPROBED_IDENTITY) && !m->vendor[0])
        fprintf(f, "cpu          %s (family %d, model %d, stepping %d); vendor and name %s\n", m->arch, m->family,
                m->model_number, m->stepping, NOT_PROBED);
    else
        fprintf(f, "cpu          %s %s \"%s\" (family %d, model %d, stepping %d)\n", m->arch, m->vendor,
                m->model, m->family, m->model_number, m->stepping);
    fprintf(f, "vendor rules %s (%s)\n", vmopt__vendor_name((vmopt__vendor)m->vendor_kind), src(m->vendor_src));
    if (strcmp(m->arch, "aarch64") == 0) {
        fputs("arm64       ", f);
        if (m->sve_vl.value)
            fprintf(f, " SVE %" PRIu64 "-bit vectors (%s),", m->sve_vl.value * 8, src(m->sve_vl.src));
        if (m->zva_block.value)
            fprintf(f, " DC ZVA %" PRIu64 " B blocks (%s),", m->zva_block.value, src(m->zva_block.src));
        else
            fprintf(f, " DC ZVA %s (%s),", m->zva_block.src ? "prohibited" : "unknown", src(m->zva_block.src));
        if (m->kernel.value)
            fprintf(f, " kernel %u.%u.%u (%s)\n", (unsigned)(m->kernel.value >> 16), (unsigned)(m->kernel.value >> 8 & 0xff),
                    (unsigned)(m->kernel.value & 0xff), src(m->kernel.src));
        else
            fputs(" kernel unknown\n", f);
    }
    fputs("features    ", f);
    for (int i = 0; i < VMOPT__FEAT_COUNT; i++)
        if (vmopt__has(m, (vmopt__feature)i))
            fprintf(f, " %s(%s)", vmopt__feature_name((vmopt__feature)i), src(m->feature_src[i]));
    fputc('\n', f);
    for (int l = 0; l < VMOPT__CACHE_LEVELS; l++) {
        if (!m->cache_size[l].value && unprobed(m, VMOPT__UNPROBED_LAYOUT)) {
            fprintf(f, "%-12s %s\n", cache_names[l], NOT_PROBED);
            continue;
        }
        size_text(m->cache_size[l].value, a, sizeof a);
        fprintf(f, "%-12s %s", cache_names[l], a);
        if (m->cache_line[l].value)
            fprintf(f, ", %" PRIu64 " B lines", m->cache_line[l].value);
        if (m->cache_shared_by[l].value > 1)
            fprintf(f, ", shared by %" PRIu64 " PUs", m->cache_shared_by[l].value);
        fprintf(f, " (%s)", src(m->cache_size[l].src));
        if (m->cache_size_alt[l].value) {
            size_text(m->cache_size_alt[l].value, b, sizeof b);
            fprintf(f, "; %s says %s", src(m->cache_size_alt[l].src), b);
        }
        fputc('\n', f);
    }
    if (unprobed(m, VMOPT__UNPROBED_LAYOUT) && !m->cores.value)
        fprintf(f, "cores        %s\n", NOT_PROBED);
    else
        fprintf(f, "cores        %" PRIu64 " cores, %" PRIu64 " PUs, %" PRIu64 " packages, %" PRIu64
                   " NUMA nodes (%s)\n",
                m->cores.value, m->pus.value, m->packages.value, m->numa_nodes.value, src(m->cores.src));
    if (unprobed(m, VMOPT__UNPROBED_HUGE_PAGES)) {
        fprintf(f, "huge pages   %s\n", NOT_PROBED);
        goto counters;
    }
    fputs("huge pages  ", f);
    for (unsigned i = 0; i < m->n_page_sizes; i++) {
        vmopt__format_size(m->page_sizes[i], a, sizeof a);
        fprintf(f, " %s", a);
    }
    fprintf(f, "%s (%s)\n", m->n_page_sizes ? "" : " none", src(m->page_sizes_src));
counters:
    if (!(m->probed & VMOPT_PROBE_COUNTERS) && !m->counters_probe) {
        fprintf(f, "counters     %s\n", COUNTERS_NOT_PROBED);
        goto probes;
    }
    fprintf(f, "counters     %u", m->counters);
    if (m->counters) {
        fputs(":", f);
        for (unsigned i = 0; i < VMOPT__PRESET_COUNT; i++)
            if (m->presets & (1u << i))
                fprintf(f, " %s", vmopt__preset_name(i));
        fprintf(f, " (papi %s)\n", m->counters_version);
    } else {
        fprintf(f, " (%s)\n", m->counters_reason);
    }
probes:
    fprintf(f, "probes       isa=%s topology=%s counters=%s\n", m->isa_probe ? m->isa_probe : "none",
            m->topology_probe ? m->topology_probe : "skipped",
            m->counters_probe ? m->counters_probe : "skipped");
}

VMOPT_EXTERN int vmopt_machine_dump(FILE *f, const vmopt_machine *m, unsigned flags)
{
    if (!f || !m)
        return vmopt__fail(-EINVAL, "vmopt_machine_dump: file and machine are required");
    if (flags & VMOPT_DUMP_JSON) {
        fprintf(f, "{\"format\": \"vmopt-machine\", \"format_version\": %d, \"vmopt_version\": \"%s\",\n"
                   " \"machine\": ",
                FORMAT_VERSION, VMOPT_VERSION_STRING);
        machine_json(f, m);
        fputs("}\n", f);
    } else {
        fprintf(f, "vmopt %s: machine\n", VMOPT_VERSION_STRING);
        machine_text(f, m);
    }
    return ferror(f) ? vmopt__fail(-EIO, "dump: write failed") : 0;
}

/* ---- plan ---- */

static void value_json(FILE *f, vmopt__key k, uint64_t v)
{
    const vmopt__field *fd = &vmopt__fields[k];
    char text[48];
    switch (fd->type) {
    case VMOPT__T_ENUM:
        vmopt__json_string(f, fd->names[v]);
        break;
    case VMOPT__T_BOOL:
        fputs(v ? "true" : "false", f);
        break;
    case VMOPT__T_SIZE:
        vmopt__field_format(k, v, text, sizeof text);
        fprintf(f, "%" PRIu64 ", \"text\": \"%s\"", v, text);
        break;
    default:
        fprintf(f, "%" PRIu64, v);
        break;
    }
}

static void plan_json(FILE *f, const struct vmopt_plan *p)
{
    fputs("{\"name\": ", f);
    vmopt__json_string(f, p->profile);
    fputs(", \"description\": ", f);
    vmopt__json_string(f, p->description);
    fputs(", \"origin\": ", f);
    vmopt__json_string(f, p->origin);
    fputs(", \"chain\": ", f);
    vmopt__json_string(f, p->chain);
    fputs(", \"workload\": ", f);
    vmopt__json_string(f, vmopt__workload_names[p->workload]);
    fputs("},\n \"plan\": {", f);
    const char *section = NULL;
    for (int k = 0; k < VMOPT__K_COUNT; k++) {
        const vmopt__field *fd = &vmopt__fields[k];
        if (!section || strcmp(section, fd->section) != 0) {
            fprintf(f, "%s\n  \"%s\": {", section ? "}," : "", fd->section);
            section = fd->section;
        } else {
            fputs(",", f);
        }
        fprintf(f, "\n    \"%s\": {\"value\": ", fd->key);
        value_json(f, (vmopt__key)k, p->v[k]);
        fprintf(f, ", \"auto\": %s, \"reason\": ", p->is_auto[k] ? "true" : "false");
        vmopt__json_string(f, p->reason[k]);
        fputc('}', f);
    }
    fputs("}}", f);
}

static void plan_text(FILE *f, const struct vmopt_plan *p)
{
    const char *section = NULL;

    fprintf(f, "profile      %s (%s; %s)\n", p->profile, p->origin, p->chain);
    if (p->description[0])
        fprintf(f, "             %s\n", p->description);
    fprintf(f, "workload     %s\n", vmopt__workload_names[p->workload]);
    for (int k = 0; k < VMOPT__K_COUNT; k++) {
        const vmopt__field *fd = &vmopt__fields[k];
        char value[48];
        if (!section || strcmp(section, fd->section) != 0) {
            fprintf(f, "\n[%s]\n", fd->section);
            section = fd->section;
        }
        vmopt__field_format((vmopt__key)k, p->v[k], value, sizeof value);
        fprintf(f, "%-16s = %-10s # %s%s\n", fd->key, value, p->is_auto[k] ? "auto: " : "", p->reason[k]);
    }
}

void vmopt__plan_dump_open(FILE *f, const struct vmopt_machine *m, const struct vmopt_plan *plan, int json)
{
    if (json) {
        fprintf(f, "{\"format\": \"vmopt-dump\", \"format_version\": %d, \"vmopt_version\": \"%s\",\n"
                   " \"machine\": ",
                FORMAT_VERSION, VMOPT_VERSION_STRING);
        machine_json(f, m);
        fputs(",\n \"profile\": ", f);
        plan_json(f, plan);
    } else {
        fprintf(f, "vmopt %s: plan\n", VMOPT_VERSION_STRING);
        machine_text(f, m);
        fputc('\n', f);
        plan_text(f, plan);
    }
}

int vmopt__plan_dump_close(FILE *f, int json)
{
    if (json)
        fputs("}\n", f);
    return ferror(f) ? vmopt__fail(-EIO, "dump: write failed") : 0;
}
