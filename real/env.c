/*
 * env.c - reading HAKMEM_* variables without allocating: names are built
 * in stack buffers and warnings go out with a single write(2).
 */
#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

#define PREFIX "HAKMEM_"

static void warn(const char *msg)
{
    if (write(2, msg, strlen(msg)) < 0)
        return;
}

static void env_name(char *out, size_t len, const char *param)
{
    size_t n = snprintf(out, len, PREFIX "%s", param);
    for (size_t i = sizeof PREFIX - 1; i < n && i < len; i++)
        if (out[i] >= 'a' && out[i] <= 'z')
            out[i] = (char)(out[i] - 'a' + 'A');
}

/* Variables of the recorder (traces/recorder.c), which may be preloaded
 * together with this library. */
#define RECORDER_PREFIX "HAKMEM_RECORD_"

static int known_name(const char *var, size_t len)
{
    char name[64];
    if (len == sizeof "HAKMEM_STATS" - 1 &&
        memcmp(var, "HAKMEM_STATS", len) == 0)
        return 1;
    if (len >= sizeof RECORDER_PREFIX - 1 &&
        memcmp(var, RECORDER_PREFIX, sizeof RECORDER_PREFIX - 1) == 0)
        return 1;
    for (size_t i = 0; i < hk_param_count; i++) {
        env_name(name, sizeof name, hk_param_table[i].name);
        if (strlen(name) == len && memcmp(name, var, len) == 0)
            return 1;
    }
    return 0;
}

static enum hk_stats_mode stats_mode(const char *v)
{
    char msg[256];
    if (!v || !*v || strcmp(v, "0") == 0)
        return HK_STATS_OFF;
    if (strcmp(v, "1") == 0 || strcmp(v, "text") == 0)
        return HK_STATS_TEXT;
    if (strcmp(v, "json") == 0)
        return HK_STATS_JSON;
    snprintf(msg, sizeof msg,
             "hakmem: ignoring HAKMEM_STATS=%s: expected 0, 1, text or "
             "json\n", v);
    warn(msg);
    return HK_STATS_OFF;
}

void hk_env_params(hk_params *p, enum hk_stats_mode *stats)
{
    char name[64], err[160], msg[320];
    hk_params_default(p);
    for (size_t i = 0; i < hk_param_count; i++) {
        const hk_param_info *info = &hk_param_table[i];
        env_name(name, sizeof name, info->name);
        const char *v = getenv(name);
        if (!v || hk_params_set(p, info->name, v, err, sizeof err) == 0)
            continue;
        char def[32];
        hk_param_format(p, info, def, sizeof def);
        snprintf(msg, sizeof msg, "hakmem: ignoring %s=%s: %s; using %s\n",
                 name, v, err, def);
        warn(msg);
    }
    *stats = stats_mode(getenv("HAKMEM_STATS"));
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
        if (strncmp(*e, PREFIX, sizeof PREFIX - 1) != 0 ||
            known_name(*e, len))
            continue;
        snprintf(msg, sizeof msg, "hakmem: ignoring unknown setting %.*s\n",
                 (int)len, *e);
        warn(msg);
    }
}
