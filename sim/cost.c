/*
 * cost.c - the calibration table and the weighted sum.
 */
#include "cost.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hk_cost_names[HK_COST_TERMS] = {
    "malloc",       "free",          "realloc",   "refill",
    "flush",        "slab",          "remote_free", "front_miss",
    "give_back",    "large",         "mmap",
    "munmap",       "madvise",       "mincore",   "mincore_near",
    "mprotect",
    "munmap_page",  "madvise_page",  "page_fault", "page_table",
    "huge_fault",   "tlb_l2_hit",
    "tlb_walk",     "cache_l2",      "cache_l3",  "cache_mem",
    "cache_mem_near",
    "start",        "start_threads", "decode",    "object_table",
    "dispatch",
    "handoff",      "thread",        "touch_write", "touch_byte",
    "copy_byte",
};

/* Measured on the development machine with `hakmem calibrate`; the same
 * numbers are in experiments/calibrate/default.json, whose "_added" says
 * which terms came later and where they were measured.  cache_mem_near and
 * mincore_near were not: they are cache_mem and mincore, no overlap and
 * no warm kernel path. */
static const hk_cost default_cost = {.ns = {
    [HK_COST_MALLOC] = 0.85, [HK_COST_FREE] = 1.51, [HK_COST_REALLOC] = 4.59,
    [HK_COST_REFILL] = 0.83, [HK_COST_FLUSH] = 3.46, [HK_COST_SLAB] = 32.45,
    [HK_COST_REMOTE_FREE] = 8.2, [HK_COST_FRONT_MISS] = 11.41,
    [HK_COST_GIVE_BACK] = 12.76, [HK_COST_LARGE] = 18.12,
    [HK_COST_MMAP] = 976.09, [HK_COST_MUNMAP] = 1533.81,
    [HK_COST_MADVISE] = 320.47, [HK_COST_MINCORE] = 585.84,
    [HK_COST_MINCORE_NEAR] = 585.84,
    [HK_COST_MPROTECT] = 526.43, [HK_COST_MUNMAP_PAGE] = 230.71,
    [HK_COST_MADVISE_PAGE] = 228.72, [HK_COST_PAGE_FAULT] = 1199.33,
    [HK_COST_PAGE_TABLE] = 112093.92, [HK_COST_HUGE_FAULT] = 114796.98,
    [HK_COST_TLB_L2_HIT] = 1.75,
    [HK_COST_TLB_WALK] = 22.35, [HK_COST_CACHE_L2] = 3.41,
    [HK_COST_CACHE_L3] = 11.22, [HK_COST_CACHE_MEM] = 157.89,
    [HK_COST_CACHE_MEM_NEAR] = 157.89,
    [HK_COST_START] = 651383.85, [HK_COST_START_THREADS] = 1623302.04,
    [HK_COST_DECODE] = 16.07, [HK_COST_OBJECT_TABLE] = 13.85,
    [HK_COST_DISPATCH] = 7.89, [HK_COST_HANDOFF] = 147.28,
    [HK_COST_THREAD] = 115968.41,
    [HK_COST_TOUCH_WRITE] = 0.5702, [HK_COST_TOUCH_BYTE] = 0.01095,
    [HK_COST_COPY_BYTE] = 0.01352,
}};

int hk_cost_term_of(const char *name)
{
    for (int t = 0; t < HK_COST_TERMS; t++)
        if (!strcmp(hk_cost_names[t], name))
            return t;
    return -1;
}

void hk_cost_default(hk_cost *c)
{
    *c = default_cost;
}

const char *hk_cost_tlb_source(const hk_cost *c)
{
    return c->has_tlb ? c->tlb_source
                      : "preset: Intel Golden Cove (sim/tlb.h)";
}

const char *hk_cost_dcache_source(const hk_cost *c)
{
    return c->has_dcache ? c->dcache_source
                         : "preset: Intel Golden Cove (sim/dcache.h)";
}

void hk_cost_dcache(const hk_cost *c, hk_dcache_config *out)
{
    if (c->has_dcache)
        *out = c->dcache;
    else
        hk_dcache_config_default(out);
}

/* A machine object of a calibration ("tlb", "dcache"): settings by name
 * and a "source", read into a configuration through these. */
typedef struct machine_object {
    const char *key;
    void *config;
    void (*reset)(void *config);
    int (*set)(void *config, const char *name, uint64_t v, char *why,
               size_t len);
    int (*check)(const void *config, char *why, size_t len);
    char *source;
    size_t source_len;
    int *has;
} machine_object;

static void tlb_reset(void *config)
{
    hk_tlb_config_default(config);
}

static int tlb_set(void *config, const char *name, uint64_t v, char *why,
                   size_t len)
{
    return hk_tlb_config_set(config, name, v, why, len);
}

static int tlb_check(const void *config, char *why, size_t len)
{
    return hk_tlb_config_check(config, why, len);
}

static void dcache_reset(void *config)
{
    hk_dcache_config_default(config);
}

static int dcache_set(void *config, const char *name, uint64_t v, char *why,
                      size_t len)
{
    if (hk_dcache_config_set(config, name, v) == 0)
        return 0;
    snprintf(why, len, "not a data cache field");
    return -1;
}

static int dcache_check(const void *config, char *why, size_t len)
{
    return hk_dcache_config_check(config, why, len);
}

static int load_machine_object(const machine_object *m, const cJSON *o,
                               const char *path, char *err, size_t errlen)
{
    char why[256];
    if (!cJSON_IsObject(o)) {
        snprintf(err, errlen, "%s: key \"%s\": expected an object", path,
                 m->key);
        return -1;
    }
    m->reset(m->config);
    m->source[0] = '\0';
    for (const cJSON *it = o->child; it; it = it->next) {
        if (!strcmp(it->string, "source") && cJSON_IsString(it)) {
            snprintf(m->source, m->source_len, "%s", it->valuestring);
        } else if (!cJSON_IsNumber(it) || it->valuedouble < 0 ||
                   m->set(m->config, it->string, (uint64_t)it->valuedouble,
                          why, sizeof why) < 0) {
            snprintf(err, errlen, "%s: %s.%s: %s", path, m->key, it->string,
                     cJSON_IsNumber(it) ? why : "expected a number");
            return -1;
        }
    }
    if (m->check(m->config, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s: %s", path, m->key, why);
        return -1;
    }
    if (!m->source[0])
        snprintf(m->source, m->source_len, "%s", path);
    *m->has = 1;
    return 0;
}

static int load_thp(hk_cost *c, const cJSON *it, const char *path,
                    char *err, size_t errlen)
{
    if (cJSON_IsString(it) && hk_thp_parse(it->valuestring, &c->thp) == 0) {
        c->has_thp = 1;
        return 0;
    }
    snprintf(err, errlen,
             "%s: key \"thp\": expected \"never\", \"madvise\" or \"always\"",
             path);
    return -1;
}

int hk_cost_from_json(hk_cost *c, const cJSON *root, const char *path,
                      char *err, size_t errlen)
{
    int rc = 0;
    hk_cost next = *c;
    const machine_object machines[] = {
        {"tlb", &next.tlb, tlb_reset, tlb_set, tlb_check, next.tlb_source,
         sizeof next.tlb_source, &next.has_tlb},
        {"dcache", &next.dcache, dcache_reset, dcache_set, dcache_check,
         next.dcache_source, sizeof next.dcache_source, &next.has_dcache},
    };
    for (cJSON *it = root->child; it && rc == 0; it = it->next) {
        int term = hk_cost_term_of(it->string);
        if (term < 0 && it->string[0] == '_')
            continue; /* "_comment", "_measured": notes, not costs */
        const machine_object *m = NULL;
        for (size_t i = 0; term < 0 && i < sizeof machines / sizeof *machines;
             i++)
            if (!strcmp(it->string, machines[i].key))
                m = &machines[i];
        if (m) {
            rc = load_machine_object(m, it, path, err, errlen);
        } else if (term < 0 && !strcmp(it->string, "thp")) {
            rc = load_thp(&next, it, path, err, errlen);
        } else if (term < 0) {
            snprintf(err, errlen, "%s: key \"%s\": not a cost term", path,
                     it->string);
            rc = -1;
        } else if (!cJSON_IsNumber(it) || it->valuedouble < 0) {
            snprintf(err, errlen, "%s: key \"%s\": expected ns >= 0", path,
                     it->string);
            rc = -1;
        } else {
            next.ns[term] = it->valuedouble;
        }
    }
    if (rc == 0)
        *c = next;
    return rc;
}

void hk_cost_count(const hk_cost_inputs *in, uint64_t counts[HK_COST_TERMS])
{
    const hk_replay_stats *rs = in->replay;
    memset(counts, 0, HK_COST_TERMS * sizeof counts[0]);
    counts[HK_COST_MALLOC] = rs->by_kind[HK_EV_MALLOC] +
                             rs->by_kind[HK_EV_CALLOC] +
                             rs->by_kind[HK_EV_ALIGNED];
    counts[HK_COST_FREE] = rs->by_kind[HK_EV_FREE];
    counts[HK_COST_REALLOC] = rs->by_kind[HK_EV_REALLOC];
    counts[HK_COST_REFILL] = in->alloc->refilled;
    counts[HK_COST_FLUSH] = in->alloc->flushed;
    counts[HK_COST_SLAB] = in->alloc->slabs_acquired +
                           in->alloc->slabs_released +
                           in->alloc->slabs_passed;
    counts[HK_COST_REMOTE_FREE] = in->alloc->remote_frees;
    counts[HK_COST_FRONT_MISS] = in->alloc->front_misses;
    counts[HK_COST_GIVE_BACK] = in->alloc->returned;
    counts[HK_COST_LARGE] = in->large->allocs + in->large->frees;
    counts[HK_COST_MMAP] = in->os->calls[HK_OS_MMAP];
    counts[HK_COST_MUNMAP] = in->os->calls[HK_OS_MUNMAP];
    counts[HK_COST_MADVISE] = in->os->calls[HK_OS_MADVISE];
    counts[HK_COST_MINCORE] = in->os->calls[HK_OS_MINCORE] - in->probes_near;
    counts[HK_COST_MINCORE_NEAR] = in->probes_near;
    counts[HK_COST_MPROTECT] = in->os->calls[HK_OS_MPROTECT];
    counts[HK_COST_MUNMAP_PAGE] = in->unmapped_pages;
    counts[HK_COST_MADVISE_PAGE] = in->purged_pages;
    /* Both engines write their own tables before their clocks start. */
    counts[HK_COST_PAGE_FAULT] = in->page_faults - in->huge_faults;
    counts[HK_COST_PAGE_TABLE] = in->page_tables;
    counts[HK_COST_HUGE_FAULT] = in->huge_faults;
    counts[HK_COST_TLB_L2_HIT] = in->tlb_l2_hits;
    counts[HK_COST_TLB_WALK] = in->tlb_walks;
    if (in->dcache) { /* the fault path's L1 misses are in page_fault */
        const hk_dcache_stats *d = in->dcache;
        /* The serial engine decodes and looks up each event too: its
         * misses lie too far apart to overlap.  Two in one event often
         * depend on each other (an object's slot, then its block). */
        uint64_t near = in->serial ? 0 : d->mem_gaps[1];
        counts[HK_COST_CACHE_L2] = d->misses[0];
        counts[HK_COST_CACHE_L3] = d->misses[1] + d->fault_misses[1];
        counts[HK_COST_CACHE_MEM] = d->misses[2] - near + d->fault_misses[2];
        counts[HK_COST_CACHE_MEM_NEAR] = near + d->store_misses;
    }
    if (in->serial) {
        counts[HK_COST_START] = 1;
        counts[HK_COST_DECODE] = rs->events;
        counts[HK_COST_OBJECT_TABLE] = rs->events;
    } else {
        counts[HK_COST_START_THREADS] = 1;
        counts[HK_COST_DISPATCH] = rs->events;
        counts[HK_COST_HANDOFF] = rs->handoffs;
        counts[HK_COST_THREAD] = rs->threads > 1 ? rs->threads - 1 : 0;
    }
    counts[HK_COST_TOUCH_WRITE] = rs->touch_writes;
    counts[HK_COST_TOUCH_BYTE] = rs->touch_bytes;
    counts[HK_COST_COPY_BYTE] = rs->copied_bytes;
}

double hk_cost_predict(const hk_cost *c, const uint64_t counts[HK_COST_TERMS],
                       double by_term[HK_COST_TERMS])
{
    double total = 0;
    for (int t = 0; t < HK_COST_TERMS; t++) {
        double v = c->ns[t] * (double)counts[t];
        if (by_term)
            by_term[t] = v;
        total += v;
    }
    return total;
}
