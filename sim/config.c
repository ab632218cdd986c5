/*
 * config.c - run settings by name.  The allocator's own parameters come
 * from core/params.c's table; the few settings of the replay and of the
 * simulated machine are handled here.
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
    c->tlb = 1;
    hk_tlb_config_default(&c->tlb_config);
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
    if (!strcmp(name, "thp"))
        return parse_bool(name, value, &c->sim.thp, err, errlen);
    if (!strcmp(name, "tlb"))
        return parse_bool(name, value, &c->sim.tlb, err, errlen);
    if (!strncmp(name, "tlb_", 4)) {
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
    snprintf(err, errlen, "unknown setting '%s'", name);
    return -1;
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
    void (*fn)(void *ctx, const char *name, const char *value);
    void *ctx;
} tlb_visit;

static void visit_tlb_field(void *ctx, const char *name, uint64_t v)
{
    tlb_visit *tv = ctx;
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    tv->fn(tv->ctx, name, text);
}

void hk_run_config_visit(const hk_run_config *c,
                         void (*fn)(void *ctx, const char *name,
                                    const char *value),
                         void *ctx)
{
    char text[32];
    for (size_t i = 0; i < hk_param_count; i++) {
        hk_param_format(&c->params, &hk_param_table[i], text, sizeof text);
        fn(ctx, hk_param_table[i].name, text);
    }
    fn(ctx, "touch", hk_touch_names[c->touch]);
    fn(ctx, "engine", c->serial ? "serial" : "threads");
    fn(ctx, "thp", c->sim.thp ? "1" : "0");
    fn(ctx, "tlb", c->sim.tlb ? "1" : "0");
    tlb_visit tv = {fn, ctx};
    hk_tlb_config_visit(&c->sim.tlb_config, visit_tlb_field, &tv);
}
