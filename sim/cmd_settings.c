/*
 * cmd_settings.c - `hakmem settings`: every setting a run takes, with its
 * default, its range, where it applies and what it means, from the same
 * tables --set parses with (core/params.c, sim/config.c), so the list
 * cannot fall behind them.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char usage[] =
    "usage: hakmem settings [--json] [NAME...]\n"
    "\n"
    "Lists every setting (or the NAMEs given): its default, the values it\n"
    "takes, where it applies and what it means.  A setting is given as\n"
    "`--set NAME=VALUE` to sim, replay and compare, as \"NAME\": VALUE in a\n"
    "JSON config or an experiment spec, and, for hakmem's parameters, as\n"
    "HAKMEM_NAME (upper case) in the environment of a program that runs\n"
    "with libhakmem.so.  Sizes take K, M and G suffixes (powers of 1024).\n"
    "\n"
    "  --json   one JSON array of {name, default, range, applies, unit,\n"
    "           meaning} instead of the table\n"
    "\n"
    "Exit status: 0; 2 for a NAME that is not a setting (with the nearest\n"
    "one), or a usage error.\n";

/* Where a group of settings applies, in words. */
static const char *applies(unsigned group)
{
    switch (group) {
    case HK_SETTINGS_ALLOCATOR: return "hakmem";
    case HK_SETTINGS_WORKLOAD: return "sim, replay";
    case HK_SETTINGS_ENGINE: return "replay";
    default: return "sim";
    }
}

typedef struct lister {
    char **names;  /* only these, when n > 0 */
    int n;
    int json;
    cJSON *array;
    size_t width;  /* of the name column */
} lister;

static int wanted(const lister *l, const char *name)
{
    if (l->n == 0)
        return 1;
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->names[i], name))
            return 1;
    return 0;
}

static void measure(void *ctx, const hk_setting_doc *d)
{
    lister *l = ctx;
    if (wanted(l, d->name) && strlen(d->name) > l->width)
        l->width = strlen(d->name);
}

static void list(void *ctx, const hk_setting_doc *d)
{
    lister *l = ctx;
    if (!wanted(l, d->name))
        return;
    if (l->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", d->name);
        cJSON_AddStringToObject(o, "default", d->def);
        cJSON_AddStringToObject(o, "range", d->range);
        cJSON_AddStringToObject(o, "applies", applies(d->group));
        if (d->unit)
            cJSON_AddStringToObject(o, "unit", d->unit);
        cJSON_AddStringToObject(o, "meaning", d->doc);
        cJSON_AddItemToArray(l->array, o);
        return;
    }
    char def[48];
    int ms = d->unit && !strcmp(d->unit, "ms");
    snprintf(def, sizeof def, "%s%s", d->def, ms ? " ms" : "");
    printf("%-*s  %-8s  %-23s  %-11s  %s\n", (int)l->width, d->name, def,
           d->range, applies(d->group), d->doc);
}

/* Each NAME is a setting; else a message with the nearest and -1. */
static int check_names(const lister *l)
{
    char err[256];
    for (int i = 0; i < l->n; i++)
        if (hk_run_config_check_name(l->names[i], err, sizeof err) < 0) {
            fprintf(stderr, "hakmem settings: %s\n", err);
            return -1;
        }
    return 0;
}

int hk_cmd_settings(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    lister l = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': l.json = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    l.names = argv + optind;
    l.n = argc - optind;
    if (check_names(&l) < 0)
        return 2;
    l.width = strlen("NAME");
    hk_run_config_describe(measure, &l);
    if (l.json) {
        l.array = cJSON_CreateArray();
        hk_run_config_describe(list, &l);
        char *text = cJSON_PrintUnformatted(l.array);
        cJSON_Delete(l.array);
        if (!text || puts(text) < 0) {
            free(text);
            fprintf(stderr, "hakmem settings: cannot write the list\n");
            return 1;
        }
        free(text);
    } else {
        printf("%-*s  %-8s  %-23s  %-11s  %s\n", (int)l.width, "NAME",
               "DEFAULT", "VALUES", "APPLIES TO", "MEANING");
        hk_run_config_describe(list, &l);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "hakmem settings: cannot write the list: %m\n");
        return 1;
    }
    return 0;
}
