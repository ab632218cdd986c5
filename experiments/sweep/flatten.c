/*
 * flatten.c - walking a run's JSON into params and metrics.
 */
#include "experiments/sweep/flatten.h"

#include <stdio.h>
#include <string.h>

#include "sim/json_file.h"

#define PATH_MAX_LEN 512

static int walk(const cJSON *node, char *path, size_t len,
                const hk_flatten_sink *sink)
{
    if (cJSON_IsNumber(node))
        return sink->metric(sink->ctx, path, node->valuedouble);
    if (cJSON_IsBool(node))
        return sink->metric(sink->ctx, path, cJSON_IsTrue(node) ? 1 : 0);
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
        return 0;
    int index = 0, rc = 0;
    for (const cJSON *it = node->child; rc == 0 && it; it = it->next) {
        char name[24];
        const char *part = it->string;
        if (cJSON_IsArray(node)) {
            snprintf(name, sizeof name, "%d", index++);
            part = name;
        }
        int n = snprintf(path + len, PATH_MAX_LEN - len, "%s%s",
                         len ? "." : "", part);
        if (n < 0 || (size_t)n >= PATH_MAX_LEN - len)
            return -1;
        rc = walk(it, path, len + (size_t)n, sink);
        path[len] = '\0';
    }
    return rc;
}

/* A setting as the params table stores it: its text as `--set` would
 * take it (a string as it is, a whole number in decimal). */
static int setting(const cJSON *s, const hk_flatten_sink *sink)
{
    char text[128];
    if (hk_json_setting_text(s, text, sizeof text) < 0)
        return -1;
    return sink->param(sink->ctx, s->string, text);
}

int hk_flatten(const cJSON *run, const hk_flatten_sink *sink)
{
    char path[PATH_MAX_LEN] = "";
    int rc = 0;
    for (const cJSON *it = run->child; rc == 0 && it; it = it->next) {
        if (strcmp(it->string, "settings") != 0) {
            int n = snprintf(path, sizeof path, "%s", it->string);
            rc = (size_t)n < sizeof path ? walk(it, path, (size_t)n, sink)
                                         : -1;
            continue;
        }
        for (const cJSON *s = it->child; rc == 0 && s; s = s->next)
            rc = setting(s, sink);
    }
    return rc;
}
