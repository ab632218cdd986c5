/*
 * report.c - building the report objects with cJSON; key order is fixed
 * by construction, so equal runs print byte-identical JSON.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_table.h"

static void add_setting(void *ctx, const hk_setting_value *v)
{
    if (v->numeric)
        cJSON_AddNumberToObject(ctx, v->name, strtod(v->text, NULL));
    else
        cJSON_AddStringToObject(ctx, v->name, v->text);
}

cJSON *hk_report_settings(const hk_run_config *c, unsigned groups)
{
    cJSON *o = cJSON_CreateObject();
    hk_run_config_visit(c, groups, add_setting, o);
    return o;
}

cJSON *hk_report_syscalls(const hk_os_counts *counts)
{
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < HK_OS_CALLS; k++) {
        cJSON *call = cJSON_AddObjectToObject(o, hk_os_call_names[k]);
        cJSON_AddNumberToObject(call, "calls", (double)counts->calls[k]);
        cJSON_AddNumberToObject(call, "bytes", (double)counts->bytes[k]);
    }
    return o;
}

cJSON *hk_report_trace(const char *path, const hk_replay_stats *st)
{
    char sum[24];
    cJSON *o = cJSON_CreateObject();
    snprintf(sum, sizeof sum, "%016llx", (unsigned long long)st->checksum);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddStringToObject(o, "checksum", sum);
    cJSON_AddNumberToObject(o, "events", (double)st->events);
    cJSON *kinds = cJSON_AddObjectToObject(o, "by_kind");
    for (int k = 0; k < HK_EV_KINDS; k++)
        cJSON_AddNumberToObject(kinds, hk_ev_kind_names[k],
                                (double)st->by_kind[k]);
    cJSON_AddNumberToObject(o, "threads", (double)st->threads);
    cJSON_AddNumberToObject(o, "duration_ns", (double)st->duration_ns);
    cJSON_AddNumberToObject(o, "failed_allocations", (double)st->failed);
    cJSON_AddNumberToObject(o, "live_objects_end", (double)st->live_end);
    cJSON_AddNumberToObject(o, "live_bytes_end", (double)st->live_bytes_end);
    return o;
}

/* The statistics walk (core/stats.h) into cJSON: a stack of the objects
 * and arrays open. */
typedef struct json_sink {
    cJSON *stack[8];
    int depth;
} json_sink;

static void json_open(void *ctx, const char *name, int array)
{
    json_sink *j = ctx;
    cJSON *parent = j->stack[j->depth];
    cJSON *o = array ? cJSON_CreateArray() : cJSON_CreateObject();
    if (name)
        cJSON_AddItemToObject(parent, name, o);
    else
        cJSON_AddItemToArray(parent, o);
    j->stack[++j->depth] = o;
}

static void json_close(void *ctx, int array)
{
    (void)array;
    ((json_sink *)ctx)->depth--;
}

static void json_count(void *ctx, const char *name, uint64_t v)
{
    json_sink *j = ctx;
    cJSON_AddNumberToObject(j->stack[j->depth], name, (double)v);
}

static void json_ratio(void *ctx, const char *name, double v)
{
    json_sink *j = ctx;
    cJSON_AddNumberToObject(j->stack[j->depth], name, v);
}

cJSON *hk_report_allocator(hk_allocator *a)
{
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    json_sink j = {{cJSON_CreateObject()}, 0};
    hk_stats_sink sink = {json_open, json_close, json_count, json_ratio, &j};
    hk_stats_walk(&s, &sink);
    return j.stack[0];
}

int hk_report_print(cJSON *root, enum hk_report_format format)
{
    int rc = -1;
    if (format == HK_REPORT_TABLE) {
        rc = hk_report_table(root, stdout);
    } else {
        char *text = cJSON_PrintUnformatted(root);
        if (text) {
            rc = puts(text) < 0 ? -1 : 0;
            free(text);
        }
    }
    cJSON_Delete(root);
    return fflush(stdout) == 0 ? rc : -1;
}

int hk_report_format_parse(const char *name, enum hk_report_format *out)
{
    if (!strcmp(name, "json") || !strcmp(name, "table")) {
        *out = !strcmp(name, "table") ? HK_REPORT_TABLE : HK_REPORT_JSON;
        return 0;
    }
    return -1;
}
