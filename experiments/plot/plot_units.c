/*
 * plot_units.c - names and units of metrics (plot_units.h).  The names
 * follow the report's shape (README, "Reports"; sweep/SCHEMA.md).
 */
#include "experiments/plot/plot_units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    double seconds;
} time_units[] = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

double hk_plot_seconds_per_unit(const char *metric)
{
    const char *sep = strrchr(metric, '.'), *under = strrchr(metric, '_');
    if (!sep || (under && under > sep))
        sep = under;
    if (!sep || hk_plot_is_rate(metric))
        return 0;
    for (size_t i = 0; i < COUNT(time_units); i++)
        if (!strcmp(sep + 1, time_units[i].name))
            return time_units[i].seconds;
    return 0;
}

int hk_plot_is_bytes(const char *metric)
{
    return ends_with(metric, "bytes");
}

int hk_plot_is_rate(const char *metric)
{
    return ends_with(metric, "per_s");
}

/* Whole names, then prefixes whose rest names a part. */
static const struct {
    const char *metric, *name;
} names[] = {
    {"wall_s", "wall time"},
    {"predicted.ns", "predicted time"},
    {"ops_per_s", "operations per second"},
    {"peak_rss_bytes", "peak RSS"},
    {"start_rss_bytes", "RSS at the start"},
    {"machine.rss.peak_bytes", "peak RSS (simulated)"},
    {"machine.rss.final_bytes", "final RSS (simulated)"},
    {"machine.page_faults", "page faults"},
    {"machine.mappings.peak", "peak mappings"},
    {"machine.mappings.peak_bytes", "peak mapped memory"},
    {"trace.events", "events"},
    {"trace.duration_ns", "trace duration"},
};

static const struct {
    const char *prefix, *before, *after;
} parts[] = {
    {"predicted.terms_ns.", "predicted time in ", ""},
    {"predicted.counts.", "", " (predicted count)"},
    {"allocator_stats.total.", "", " (all classes)"},
    {"allocator_stats.pool.", "pool ", ""},
    {"allocator_stats.large.", "large ", ""},
    {"machine.tlb.", "TLB ", ""},
};

/* s with underscores as spaces, appended to buf at *used. */
static void put_words(char *buf, size_t len, size_t *used, const char *s)
{
    for (; *s && *used + 1 < len; s++)
        buf[(*used)++] = *s == '_' ? ' ' : *s;
    buf[*used] = '\0';
}

void hk_plot_metric_name(const char *metric, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < COUNT(names); i++)
        if (!strcmp(metric, names[i].metric)) {
            snprintf(buf, len, "%s", names[i].name);
            return;
        }
    for (size_t i = 0; i < COUNT(parts); i++) {
        size_t n = strlen(parts[i].prefix);
        if (strncmp(metric, parts[i].prefix, n) || strchr(metric + n, '.'))
            continue;
        put_words(buf, len, &used, parts[i].before);
        put_words(buf, len, &used, metric + n);
        put_words(buf, len, &used, parts[i].after);
        return;
    }
    /* syscalls.mmap.calls: "mmap calls" */
    const char *call = "syscalls.";
    if (!strncmp(metric, call, strlen(call)) &&
        strchr(metric + strlen(call), '.')) {
        const char *name = metric + strlen(call);
        const char *dot = strchr(name, '.');
        snprintf(buf, len, "%.*s %s", (int)(dot - name), name, dot + 1);
        return;
    }
    const char *last = strrchr(metric, '.');
    put_words(buf, len, &used, last ? last + 1 : metric);
}

const char *hk_plot_time_unit(double seconds, double *per_second)
{
    size_t u = 0;
    while (u + 1 < COUNT(time_units) &&
           fabs(seconds) < time_units[u].seconds)
        u++;
    *per_second = 1 / time_units[u].seconds;
    return time_units[u].name;
}

const char *hk_plot_unit(const char *metric, double most, double *factor)
{
    static const char *const bytes[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double seconds = hk_plot_seconds_per_unit(metric);
    *factor = 1;
    most = fabs(most);
    if (seconds > 0) {
        double per_second;
        const char *unit = hk_plot_time_unit(most * seconds, &per_second);
        *factor = seconds * per_second;
        return unit;
    }
    if (hk_plot_is_bytes(metric)) {
        size_t u = 0;
        while (u + 1 < COUNT(bytes) && most >= 1024 * pow(1024, (double)u))
            u++;
        *factor = 1 / pow(1024, (double)u);
        return bytes[u];
    }
    return NULL;
}

void hk_plot_metric_label(const char *metric, const char *unit, char *buf,
                          size_t len)
{
    char name[256];
    hk_plot_metric_name(metric, name, sizeof name);
    if (unit)
        snprintf(buf, len, "%s (%s)", name, unit);
    else
        snprintf(buf, len, "%s", name);
}
