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

/* The variables besides the parameters. */
static const char *const other_names[] = {"HAKMEM_STATS", "HAKMEM_STATS_FILE"};
#define NOTHER (sizeof other_names / sizeof other_names[0])

static int known_name(const char *var, size_t len)
{
    char name[64];
    for (size_t i = 0; i < NOTHER; i++)
        if (len == strlen(other_names[i]) &&
            memcmp(var, other_names[i], len) == 0)
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

/* The known variable nearest to var[0..len), if it is close enough to be
 * a misspelling of it, written into buf; else NULL. */
static const char *nearest(const char *var, size_t len, char *buf)
{
    char name[64], given[64];
    unsigned best = ~0u;
    memcpy(given, var, len);
    given[len] = '\0';
    for (size_t i = 0; i < hk_param_count + NOTHER; i++) {
        if (i < hk_param_count)
            env_name(name, sizeof name, hk_param_table[i].name);
        else
            snprintf(name, sizeof name, "%s", other_names[i - hk_param_count]);
        unsigned d = hk_name_distance(given + sizeof PREFIX - 1,
                                      name + sizeof PREFIX - 1);
        if (d < best) {
            best = d;
            memcpy(buf, name, sizeof name);
        }
    }
    return hk_name_close(given + sizeof PREFIX - 1, best) ? buf : NULL;
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
        char var[64];
        const char *near = len < sizeof var ? nearest(*e, len, var) : NULL;
        snprintf(msg, sizeof msg, "hakmem: ignoring unknown setting %.*s%s%s%s\n",
                 (int)len, *e, near ? " (did you mean " : "",
                 near ? near : "", near ? "?)" : "");
        warn(msg);
    }
}
