/*
 * report_plot.c - the sensitivity of a tune as a chart: for each knob, a
 * line of predicted time over the best point's (in %) against the rungs
 * of its ladder counted from the best value, so that knobs of different
 * units share one axis and the steep lines are the knobs that matter.
 */
#include <stdio.h>

#include "experiments/plot/chart_file.h"
#include "experiments/tune/result.h"

int hk_tune_plot(const hk_tune_result *t, const char *path, char *err,
                 size_t errlen)
{
    const char *format = hk_chart_format_of(path);
    if (!format) {
        snprintf(err, errlen, "--plot %s: the name must end in .png or "
                 ".svg", path);
        return -1;
    }
    hk_chart c = {
        .style = HK_CHART_LINES,
        .title = "Sensitivity: predicted time along each knob's ladder",
        .xlabel = "rungs from the best value (a rung is about 2x)",
        .ylabel = "predicted time over the best point (%)",
        .width = 900, .height = 600,
    };
    int rc = 0;
    for (size_t d = 0; rc == 0 && d < t->s->ndims; d++) {
        const hk_tune_sens *x = &t->sens[d];
        char name[64], best[32];
        hk_ladder_format(x->ladder, x->best, best, sizeof best);
        snprintf(name, sizeof name, "%s (best %s)", x->ladder->param->name,
                 best);
        hk_chart_series *s = hk_chart_series_named(&c, name);
        for (size_t v = 0; s && rc == 0 && v < x->ladder->n; v++)
            rc = hk_chart_add_point(s, (double)v - (double)x->best,
                                    100 * x->rel[v]);
        if (!s)
            rc = -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    else
        rc = hk_chart_write(&c, path, format, err, errlen);
    hk_chart_free(&c);
    return rc;
}
