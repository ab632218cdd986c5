/*
 * objective.c - the objective and the limits (objective.h).
 */
#include "experiments/tune/objective.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hk_objective_parse(hk_objective *o, const char *text, char *err,
                       size_t errlen)
{
    o->time_w = 1;
    o->rss_w = 0;
    snprintf(o->text, sizeof o->text, "%s", text);
    if (!strcmp(text, "time"))
        return 0;
    if (!strcmp(text, "rss")) {
        o->time_w = 0;
        o->rss_w = 1;
        return 0;
    }
    if (!strcmp(text, "time+rss")) {
        o->rss_w = 1;
        return 0;
    }
    if (!strncmp(text, "time+", 5)) {
        char *end;
        double w = strtod(text + 5, &end);
        if (end != text + 5 && !strcmp(end, "*rss") && isfinite(w) &&
            w >= 0) {
            o->rss_w = w;
            return 0;
        }
    }
    snprintf(err, errlen, "--objective: '%s' is not time, rss or "
             "time+W*rss (W a number >= 0, e.g. time+0.5*rss)", text);
    return -1;
}

int hk_limit_parse(hk_limit *l, const char *text, int size, char *err,
                   size_t errlen)
{
    char *end;
    double v = strtod(text, &end);
    l->set = 1;
    l->relative = 0;
    if (end != text && isfinite(v) && v >= 0 && text[0] != '-') {
        if (!strcmp(end, "x") && v > 0) {
            l->relative = 1;
            l->value = v;
            return 0;
        }
        double scale = !*end ? 1
                       : !size || end[1] ? 0
                       : *end == 'K' || *end == 'k' ? 1024.0
                       : *end == 'M' || *end == 'm' ? 1024.0 * 1024
                       : *end == 'G' || *end == 'g' ? 1024.0 * 1024 * 1024
                                                    : 0;
        if (scale) {
            l->value = v * scale;
            return 0;
        }
    }
    snprintf(err, errlen, "'%s' is not a multiple of the defaults' value "
             "(e.g. 1.1x) or a number >= 0%s", text,
             size ? " of bytes (K, M, G allowed)" : "");
    return -1;
}

double hk_limit_value(const hk_limit *l, double defaults)
{
    return l->relative ? l->value * defaults : l->value;
}

double hk_ratio(double value, double defaults)
{
    if (defaults == 0)
        return value == 0 ? 1 : INFINITY;
    return value / defaults;
}

double hk_objective_trace(const hk_objective *o, const hk_tune_metrics *m,
                          const hk_tune_metrics *defaults)
{
    return (o->time_w * hk_ratio(m->time_ns, defaults->time_ns) +
            o->rss_w * hk_ratio(m->rss_bytes, defaults->rss_bytes)) /
           (o->time_w + o->rss_w);
}

static double excess(const hk_limit *l, double value, double defaults)
{
    if (!l->set)
        return 0;
    double limit = hk_limit_value(l, defaults);
    return value <= limit ? 0 : limit > 0 ? value / limit - 1 : value;
}

double hk_objective_violation(const hk_objective *o,
                              const hk_tune_metrics *m,
                              const hk_tune_metrics *defaults)
{
    return excess(&o->max_rss, m->rss_bytes, defaults->rss_bytes) +
           excess(&o->max_syscalls, m->syscalls, defaults->syscalls);
}

double hk_geomean(const double *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += log(v[i]);
    return n ? exp(sum / (double)n) : NAN;
}

double hk_objective_combine(const hk_objective *o, const double *v,
                            size_t n)
{
    if (!o->robust)
        return hk_geomean(v, n);
    double worst = -INFINITY;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, v[i]);
    return worst;
}
