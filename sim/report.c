/*
 * report.c - building the report objects with cJSON; key order is fixed
 * by construction, so equal runs print byte-identical JSON.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>

static void add_setting(void *ctx, const char *name, const char *value)
{
    cJSON_AddStringToObject(ctx, name, value);
}

cJSON *hk_report_settings(const hk_run_config *c)
{
    cJSON *o = cJSON_CreateObject();
    hk_run_config_visit(c, add_setting, o);
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

static void add_counter(void *ctx, const char *name, uint64_t v)
{
    cJSON_AddNumberToObject(ctx, name, (double)v);
}

cJSON *hk_report_allocator(hk_allocator *a)
{
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    cJSON *o = cJSON_CreateObject();
    hk_pool_stats_visit(&s.pool, add_counter,
                        cJSON_AddObjectToObject(o, "pool"));
    hk_large_stats_visit(&s.large, add_counter,
                         cJSON_AddObjectToObject(o, "large"));
    hk_class_stats_visit(&s.total, add_counter,
                         cJSON_AddObjectToObject(o, "total"));
    cJSON *classes = cJSON_AddArrayToObject(o, "classes");
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        const hk_class_stats *cs = &s.cls[c];
        if (!hk_class_stats_used(cs))
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "class", c);
        cJSON_AddNumberToObject(e, "size", a->cls[c].size);
        hk_class_stats_visit(cs, add_counter, e);
        cJSON_AddItemToArray(classes, e);
    }
    return o;
}

void hk_report_print(cJSON *root)
{
    char *text = cJSON_PrintUnformatted(root);
    if (text) {
        puts(text);
        free(text);
    }
    cJSON_Delete(root);
}
