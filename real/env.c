/*
 * env.c - reading HAKMEM_* variables without allocating: names are built
 * in stack buffers and warnings go out with a single write(2).
 *
 * A parameter is set by HAKMEM_NAME or by an alias of it (the seed
 * report's names, core/params.c); statistics by HAKMEM_STATS or the
 * report's HAKMEM_FRONT_STATS and HAKMEM_SS_LRU_DEBUG.  When several
 * names of one setting are given, the first in that order counts and
 * the others are reported as ignored.
 *
 * Every program reads its settings, at its first malloc, so that path
 * calls neither snprintf nor getenv: a code page touched maps its
 * neighbours too, as the kernel faults file pages in 64 KiB at a time,
 * and the two cost a program that never prints about 220 KB of RSS
 * (1.76 against 1.54 MB for one that mallocs, frees and exits; 1.25
 * under glibc).  Warnings, which are rare, use snprintf.
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

/* HAKMEM_ and param in capitals, cut to len - 1 characters. */
static void env_name(char *out, size_t len, const char *param)
{
    size_t n = 0;
    for (const char *p = PREFIX; *p && n + 1 < len; p++)
        out[n++] = *p;
    for (const char *p = param; *p && n + 1 < len; p++)
        out[n++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
    out[n] = '\0';
}

/* s after `prefix`, or NULL if s does not start with it. */
static const char *after(const char *s, const char *prefix)
{
    while (*prefix && *s == *prefix)
        s++, prefix++;
    return *prefix ? NULL : s;
}

/* The value of variable `name`, or NULL. */
static const char *env_get(const char *name)
{
    for (char **e = environ; e && *e; e++) {
        const char *v = after(*e, name);
        if (v && *v == '=')
            return v + 1;
    }
    return NULL;
}

/* Variables of the recorder (traces/recorder.c), which may be preloaded
 * together with this library. */
#define RECORDER_PREFIX "HAKMEM_RECORD_"

/* HAKMEM_STATS, then the seed report's names for it; the first set wins. */
static const char *const stats_names[] = {"HAKMEM_STATS",
                                          "HAKMEM_FRONT_STATS",
                                          "HAKMEM_SS_LRU_DEBUG"};
#define N_STATS_NAMES (sizeof stats_names / sizeof stats_names[0])

/* The variables besides the parameters and their aliases: the library's
 * own switches, then those hakmem's commands, benchmarks and tests read,
 * which reach the library in the environment of the programs they run. */
static const char *const other_names[] = {
    "HAKMEM_STATS", "HAKMEM_FRONT_STATS", "HAKMEM_SS_LRU_DEBUG",
    "HAKMEM_STATS_FILE", "HAKMEM_LIB", "HAKMEM_CALIBRATION",
    "HAKMEM_HOST_KEY", "HAKMEM_CALIBRATE_BUDGET", "HAKMEM_BENCH_QUICK",
    "HAKMEM_BENCH_SUITE", "HAKMEM_TEST_TIMEOUT", "HAKMEM_TEST_PEER"};
#define NOTHER (sizeof other_names / sizeof other_names[0])

static int is_name(const char *var, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(name, var, len) == 0;
}

static int known_name(const char *var, size_t len)
{
    char name[64];
    for (size_t i = 0; i < NOTHER; i++)
        if (is_name(var, len, other_names[i]))
            return 1;
    if (len >= sizeof RECORDER_PREFIX - 1 &&
        memcmp(var, RECORDER_PREFIX, sizeof RECORDER_PREFIX - 1) == 0)
        return 1;
    for (size_t i = 0; i < hk_param_count; i++) {
        env_name(name, sizeof name, hk_param_table[i].name);
        if (is_name(var, len, name))
            return 1;
    }
    for (size_t i = 0; i < hk_param_alias_count; i++) {
        env_name(name, sizeof name, hk_param_aliases[i].alias);
        if (is_name(var, len, name))
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

static enum hk_stats_mode stats_mode(const char *var, const char *v)
{
    char msg[256];
    if (!v || !*v || strcmp(v, "0") == 0)
        return HK_STATS_OFF;
    if (strcmp(v, "1") == 0 || strcmp(v, "text") == 0)
        return HK_STATS_TEXT;
    if (strcmp(v, "json") == 0)
        return HK_STATS_JSON;
    snprintf(msg, sizeof msg,
             "hakmem: ignoring %s=%s: expected 0, 1, text or json\n", var, v);
    warn(msg);
    return HK_STATS_OFF;
}

/* The value of the first of names[0..n) that is set, *used naming it;
 * the others set are ignored with a warning. */
static const char *first_set(const char *const *names, size_t n,
                             const char **used)
{
    const char *v = NULL;
    char msg[320];
    for (size_t i = 0; i < n; i++) {
        const char *w = env_get(names[i]);
        if (!w)
            continue;
        if (!v) {
            v = w;
            *used = names[i];
            continue;
        }
        snprintf(msg, sizeof msg, "hakmem: ignoring %s=%s: %s is set\n",
                 names[i], w, *used);
        warn(msg);
    }
    return v;
}

enum { MAX_NAMES = 4 };
typedef char env_names[MAX_NAMES][64];

/* The variables that set a parameter, HAKMEM_NAME first, then its
 * aliases: their count, spelled out in buf and pointed to by names. */
static size_t param_names(const hk_param_info *info, env_names buf,
                          const char *names[MAX_NAMES])
{
    size_t n = 0;
    env_name(buf[n], sizeof buf[n], info->name);
    names[n] = buf[n];
    n++;
    for (size_t i = 0; i < hk_param_alias_count && n < MAX_NAMES; i++) {
        if (strcmp(hk_param_aliases[i].name, info->name) != 0)
            continue;
        env_name(buf[n], sizeof buf[n], hk_param_aliases[i].alias);
        names[n] = buf[n];
        n++;
    }
    return n;
}

void hk_env_params(hk_params *p, enum hk_stats_mode *stats)
{
    char err[160], msg[320];
    hk_params_default(p);
    for (size_t i = 0; i < hk_param_count; i++) {
        const hk_param_info *info = &hk_param_table[i];
        env_names buf;
        const char *names[MAX_NAMES], *name = NULL;
        size_t n = param_names(info, buf, names);
        const char *v = first_set(names, n, &name);
        if (!v || hk_params_set(p, info->name, v, err, sizeof err) == 0)
            continue;
        char def[32];
        hk_param_format(p, info, def, sizeof def);
        snprintf(msg, sizeof msg, "hakmem: ignoring %s=%s: %s; using %s\n",
                 name, v, err, def);
        warn(msg);
    }
    const char *name = NULL;
    const char *v = first_set(stats_names, N_STATS_NAMES, &name);
    *stats = stats_mode(name, v);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        size_t len = eq ? (size_t)(eq - *e) : strlen(*e);
        if (!after(*e, PREFIX) || known_name(*e, len))
            continue;
        char var[64];
        const char *near = len < sizeof var ? nearest(*e, len, var) : NULL;
        snprintf(msg, sizeof msg, "hakmem: ignoring unknown setting %.*s%s%s%s\n",
                 (int)len, *e, near ? " (did you mean " : "",
                 near ? near : "", near ? "?)" : "");
        warn(msg);
    }
}
