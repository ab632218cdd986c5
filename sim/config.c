/*
 * config.c - run settings by name.  The allocator's own parameters come
 * from core/params.c's table; the few settings of the workload, the
 * replay engine and the simulated machine are handled here, and listed
 * in `others` with their groups and meanings (the TLB geometry's come
 * from sim/tlb_config.c), then the data caches' sizes.  Visit and
 * describe walk the same order.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_file.h"

const char *const hk_touch_names[] = {"none", "first", "pages", "all", NULL};

/* Here rather than in os_sim.c: the real replay parses the same settings
 * without linking the simulated world. */
void hk_sim_config_default(hk_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->thp = HK_THP_MADVISE;
    c->tlb = 1;
    hk_tlb_config_default(&c->tlb_config);
    c->dcache = 1;
    hk_dcache_config_default(&c->dcache_config);
}

void hk_run_config_default(hk_run_config *c)
{
    memset(c, 0, sizeof *c);
    hk_params_default(&c->params);
    c->touch = HK_TOUCH_PAGES;
    hk_sim_config_default(&c->sim);
}

static int parse_bool(const char *name, const char *v, int *out, char *err,
                      size_t errlen)
{
    if (!strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "always")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "never")) {
        *out = 0;
        return 0;
    }
    snprintf(err, errlen, "%s: '%s' is not one of 0, 1, on, off", name, v);
    return -1;
}

static int parse_touch(const char *v, enum hk_touch *out, char *err,
                       size_t errlen)
{
    for (int i = 0; hk_touch_names[i]; i++)
        if (!strcmp(hk_touch_names[i], v)) {
            *out = (enum hk_touch)i;
            return 0;
        }
    snprintf(err, errlen, "touch: '%s' is not one of none, first, pages, all",
             v);
    return -1;
}

/* The settings besides the allocator's parameters and the TLB geometry,
 * in the order they are visited. */
static const struct other_setting {
    const char *name;
    unsigned group;
    const char *doc, *def, *range;
} others[] = {
    {"touch", HK_SETTINGS_WORKLOAD,
     "how the program uses each new block: not at all, its first byte, "
     "one byte in every page, or every byte", "pages",
     "none, first, pages, all"},
    {"engine", HK_SETTINGS_ENGINE,
     "real replay: one OS thread per trace thread, or all on one in trace "
     "order as the simulator runs them", "threads", "threads, serial"},
    {"thp", HK_SETTINGS_MACHINE,
     "the kernel's transparent huge pages, where a first touch faults in a "
     "whole 2 MiB chunk: in no mapping, in those the allocator advised "
     "(huge_pages), or in every one not advised against them; by default "
     "the calibration's machine's",
     "madvise", "never, madvise, always"},
    {"tlb", HK_SETTINGS_MACHINE, "the TLB model (0 is faster)", "1", "0, 1"},
    {"dcache", HK_SETTINGS_MACHINE, "the data cache model (0 is faster)", "1",
     "0, 1"},
};
#define NOTHERS (sizeof others / sizeof others[0])

static int is_tlb_field(const char *name)
{
    return !strncmp(name, "tlb_", 4);
}

/* The data caches' sizes, by level: the rest of their geometry (ways,
 * what a fault displaces) is measured, not chosen. */
static const char *const dcache_sizes[HK_DCACHE_LEVELS] = {
    "dcache_l1_bytes", "dcache_l2_bytes", "dcache_l3_bytes"};
#define DCACHE_MAX_BYTES ((uint64_t)1 << 30)

static int dcache_level_of(const char *name)
{
    for (int k = 0; k < HK_DCACHE_LEVELS; k++)
        if (!strcmp(name, dcache_sizes[k]))
            return k;
    return -1;
}

/* Level k resized, in the shape the model takes near its own ways. */
static int set_dcache_size(hk_dcache_config *c, int k, const char *value,
                           char *err, size_t errlen)
{
    uint64_t v;
    if (hk_params_parse_size(value, &v) < 0 || v > DCACHE_MAX_BYTES) {
        snprintf(err, errlen, "%s: '%s' is not a size from 0 to 1G (K/M/G "
                 "suffix allowed)", dcache_sizes[k], value);
        return -1;
    }
    hk_dcache_config_shape(c, (unsigned)k, v, c->ways[k]);
    return 0;
}

/* "unknown setting 'NAME'", with the nearest known name if one is close. */
static int unknown(const char *name, char *err, size_t errlen)
{
    const char *near = hk_run_config_suggest(name);
    if (near)
        snprintf(err, errlen, "unknown setting '%s' (did you mean %s?)", name,
                 near);
    else
        snprintf(err, errlen, "unknown setting '%s' (`hakmem settings` "
                 "lists them)", name);
    return -1;
}

int hk_run_config_set(hk_run_config *c, const char *name, const char *value,
                      char *err, size_t errlen)
{
    if (hk_param_find(name))
        return hk_params_set(&c->params, name, value, err, errlen);
    if (!strcmp(name, "touch"))
        return parse_touch(value, &c->touch, err, errlen);
    if (!strcmp(name, "engine")) {
        if (strcmp(value, "threads") && strcmp(value, "serial")) {
            snprintf(err, errlen, "engine: '%s' is not threads or serial",
                     value);
            return -1;
        }
        c->serial = !strcmp(value, "serial");
        return 0;
    }
    if (!strcmp(name, "thp")) {
        if (hk_thp_parse(value, &c->sim.thp) == 0)
            return 0;
        snprintf(err, errlen, "thp: '%s' is not one of never, madvise, always",
                 value);
        return -1;
    }
    if (!strcmp(name, "tlb"))
        return parse_bool(name, value, &c->sim.tlb, err, errlen);
    if (!strcmp(name, "dcache"))
        return parse_bool(name, value, &c->sim.dcache, err, errlen);
    int level = dcache_level_of(name);
    if (level >= 0)
        return set_dcache_size(&c->sim.dcache_config, level, value, err,
                               errlen);
    if (is_tlb_field(name)) {
        hk_tlb_config probe;
        hk_tlb_config_default(&probe);
        char msg[128];
        if (hk_tlb_config_set(&probe, name, 0, msg, sizeof msg) < 0)
            return unknown(name, err, errlen);
        char *end;
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (errno || end == value || *end || value[0] == '-') {
            snprintf(err, errlen, "%s: '%s' is not a non-negative integer",
                     name, value);
            return -1;
        }
        return hk_tlb_config_set(&c->sim.tlb_config, name, v, err, errlen);
    }
    return unknown(name, err, errlen);
}

int hk_run_config_set_arg(hk_run_config *c, const char *arg, char *err,
                          size_t errlen)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof name) {
        snprintf(err, errlen, "'%s' is not NAME=VALUE", arg);
        return -1;
    }
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    return hk_run_config_set(c, name, eq + 1, err, errlen);
}

int hk_run_config_load(hk_run_config *c, const char *path, char *err,
                       size_t errlen)
{
    cJSON *root = hk_json_load_object(path, 1 << 20, err, errlen);
    if (!root)
        return -1;
    int rc = 0;
    char msg[256], value[64];
    for (cJSON *it = root->child; rc == 0 && it; it = it->next) {
        if (hk_json_setting_text(it, value, sizeof value) < 0) {
            snprintf(err, errlen, "%s: key \"%s\": expected a non-negative "
                     "integer or a non-empty string", path, it->string);
            rc = -1;
        } else if (hk_run_config_set(c, it->string, value, msg,
                                     sizeof msg) < 0) {
            snprintf(err, errlen, "%s: key \"%s\": %s", path, it->string,
                     msg);
            rc = -1;
        }
    }
    cJSON_Delete(root);
    return rc;
}

typedef struct tlb_visit {
    void (*fn)(void *ctx, const hk_setting_value *v);
    void *ctx;
} tlb_visit;

static void visit_tlb_field(void *ctx, const char *name, uint64_t v)
{
    tlb_visit *tv = ctx;
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    tv->fn(tv->ctx, &(hk_setting_value){name, text, 1});
}

static const char *other_value(const hk_run_config *c, size_t i)
{
    switch (i) {
    case 0: return hk_touch_names[c->touch];
    case 1: return c->serial ? "serial" : "threads";
    case 2: return hk_thp_name(c->sim.thp);
    case 3: return c->sim.tlb ? "1" : "0";
    default: return c->sim.dcache ? "1" : "0";
    }
}

void hk_run_config_visit(const hk_run_config *c, unsigned groups,
                         void (*fn)(void *ctx, const hk_setting_value *v),
                         void *ctx)
{
    char text[32];
    for (size_t i = 0; (groups & HK_SETTINGS_ALLOCATOR) && i < hk_param_count;
         i++) {
        const hk_param_info *info = &hk_param_table[i];
        hk_param_format(&c->params, info, text, sizeof text);
        fn(ctx, &(hk_setting_value){info->name, text, !info->words});
    }
    for (size_t i = 0; i < NOTHERS; i++) {
        const char *v = other_value(c, i);
        if (groups & others[i].group)
            fn(ctx, &(hk_setting_value){others[i].name, v,
                                        v[0] >= '0' && v[0] <= '9'});
    }
    tlb_visit tv = {fn, ctx};
    if (!(groups & HK_SETTINGS_MACHINE))
        return;
    hk_tlb_config_visit(&c->sim.tlb_config, visit_tlb_field, &tv);
    for (int k = 0; k < HK_DCACHE_LEVELS; k++) {
        snprintf(text, sizeof text, "%llu",
                 (unsigned long long)c->sim.dcache_config.bytes[k]);
        fn(ctx, &(hk_setting_value){dcache_sizes[k], text, 1});
    }
}

typedef struct name_probe {
    const char *name;
    int known;
} name_probe;

static void probe_name(void *ctx, const hk_setting_value *v)
{
    name_probe *n = ctx;
    n->known |= !strcmp(n->name, v->name);
}

int hk_run_config_check_name(const char *name, char *err, size_t errlen)
{
    hk_run_config c;
    name_probe n = {name, 0};
    hk_run_config_default(&c);
    hk_run_config_visit(&c, HK_SETTINGS_ALL, probe_name, &n);
    return n.known ? 0 : unknown(name, err, errlen);
}

/* ---- descriptions and suggestions ---- */

typedef struct tlb_describe {
    void (*fn)(void *ctx, const hk_setting_doc *d);
    void *ctx;
    const hk_tlb_config *def;
} tlb_describe;

static void tlb_default(void *ctx, const char *name, uint64_t v)
{
    hk_setting_doc *d = ctx;
    if (!strcmp(name, d->name))
        snprintf(d->def, sizeof d->def, "%llu", (unsigned long long)v);
}

static void describe_tlb_field(void *ctx, const char *name, const char *doc,
                               uint64_t min, uint64_t max)
{
    tlb_describe *td = ctx;
    hk_setting_doc d = {.name = name, .doc = doc,
                        .group = HK_SETTINGS_MACHINE};
    hk_tlb_config_visit(td->def, tlb_default, &d);
    snprintf(d.range, sizeof d.range, "%llu to %llu",
             (unsigned long long)min, (unsigned long long)max);
    td->fn(td->ctx, &d);
}

/* A parameter's value as --set takes it: bytes with the largest K, M or
 * G suffix that divides them. */
static void param_text(const hk_param_info *info, uint64_t v, char *buf,
                       size_t len)
{
    int shift = 0;
    if (info->unit && !strcmp(info->unit, "bytes"))
        while (shift < 30 && v && v % (1ull << (shift + 10)) == 0)
            shift += 10;
    snprintf(buf, len, "%llu%s", (unsigned long long)(v >> shift),
             shift ? (shift == 10 ? "K" : shift == 20 ? "M" : "G") : "");
}

void hk_run_config_describe(void (*fn)(void *ctx, const hk_setting_doc *d),
                            void *ctx)
{
    hk_params def;
    hk_params_default(&def);
    for (size_t i = 0; i < hk_param_count; i++) {
        const hk_param_info *info = &hk_param_table[i];
        hk_setting_doc d = {.name = info->name, .doc = info->doc,
                            .group = HK_SETTINGS_ALLOCATOR,
                            .unit = info->unit};
        if (info->words)
            hk_param_format(&def, info, d.def, sizeof d.def);
        else
            param_text(info, info->def, d.def, sizeof d.def);
        if (info->words) {
            size_t used = 0;
            for (size_t w = 0; info->words[w] && used < sizeof d.range; w++)
                used += (size_t)snprintf(d.range + used,
                                         sizeof d.range - used, "%s%s",
                                         w ? ", " : "", info->words[w]);
        } else {
            char lo[24], hi[24];
            param_text(info, info->min, lo, sizeof lo);
            param_text(info, info->max, hi, sizeof hi);
            snprintf(d.range, sizeof d.range, "%s to %s", lo, hi);
        }
        fn(ctx, &d);
    }
    for (size_t i = 0; i < NOTHERS; i++) {
        hk_setting_doc d = {.name = others[i].name, .doc = others[i].doc,
                            .group = others[i].group};
        snprintf(d.def, sizeof d.def, "%s", others[i].def);
        snprintf(d.range, sizeof d.range, "%s", others[i].range);
        fn(ctx, &d);
    }
    hk_tlb_config tlb;
    hk_tlb_config_default(&tlb);
    tlb_describe td = {fn, ctx, &tlb};
    hk_tlb_config_describe(describe_tlb_field, &td);
    hk_dcache_config dcache;
    hk_dcache_config_default(&dcache);
    for (int k = 0; k < HK_DCACHE_LEVELS; k++) {
        char doc[320];
        snprintf(doc, sizeof doc,
                 "bytes of the L%d data cache in the model, by default the "
                 "calibration's (for a shared L3, the share a scan found), "
                 "rounded down to a power-of-two number of sets of at most "
                 "64 ways; 0: no L%d", k + 1, k + 1);
        hk_setting_doc d = {.name = dcache_sizes[k], .doc = doc,
                            .group = HK_SETTINGS_MACHINE, .unit = "bytes"};
        snprintf(d.def, sizeof d.def, "%lluK",
                 (unsigned long long)(dcache.bytes[k] >> 10));
        snprintf(d.range, sizeof d.range, "0 to 1G");
        fn(ctx, &d);
    }
}

typedef struct nearest {
    const char *name, *best;
    unsigned distance;
} nearest;

static void consider(void *ctx, const hk_setting_doc *d)
{
    nearest *n = ctx;
    unsigned dist = hk_name_distance(n->name, d->name);
    if (dist < n->distance) {
        n->distance = dist;
        n->best = d->name;
    }
}

const char *hk_run_config_suggest(const char *name)
{
    nearest n = {name, NULL, ~0u};
    hk_run_config_describe(consider, &n);
    return n.best && hk_name_close(name, n.distance) ? n.best : NULL;
}
