/*
 * plot_data.h - the points of a plot, queried from a results database
 * (experiments/sweep/SCHEMA.md) into a chart.
 *
 * A field is a column of runs (spec, trace, trace_checksum, backend,
 * allocator, rep, baseline, version, host) or else a parameter's name; a
 * metric is a name in the metrics table.  Every function returns 0, or -1
 * with a message for the user in err.
 */
#ifndef HK_PLOT_DATA_H
#define HK_PLOT_DATA_H

#include <sqlite3.h>
#include <stdbool.h>

#include "experiments/plot/chart.h"

#define HK_PLOT_MAX_WHERE 16

/* A run passes when its field has the value, as stored (parameters are
 * text), or when the field is a parameter the run does not have: runs of
 * other allocators stay when hakmem's are narrowed down. */
typedef struct hk_plot_filter {
    const char *field, *value;
} hk_plot_filter;

/* Which runs to plot and how they split into series. */
typedef struct hk_plot_query {
    const hk_plot_filter *where;    /* conditions that all hold, */
    size_t nwhere;                  /* at most HK_PLOT_MAX_WHERE */
    const char *series;             /* a field, or NULL for one series */
    const char *single;             /* the name of that one series */
} hk_plot_query;

/* "FIELD=VALUE, ..." of the query's filters; "" without any. */
void hk_plot_describe(const hk_plot_query *q, char *buf, size_t len);

/* Opens a results database read-only; NULL with a message in err. */
sqlite3 *hk_plot_open(const char *path, char *err, size_t len);

/*
 * Per series, the median of metric y over the runs with each value of
 * field x.  Numeric x values (all of them numbers) are plotted along a
 * numeric axis in ascending order; other values, and any values when
 * categorical is set, become the chart's categories in the order the
 * first run with each appeared (numeric ones ascending).  Series are
 * ordered the same way.  Runs lacking x, y or the series field are left
 * out.  Each point carries the smallest and largest y of its runs and is
 * marked baseline when one of them is.
 */
int hk_plot_medians(sqlite3 *db, const hk_plot_query *q, const char *x,
                    const char *y, bool categorical, hk_chart *c, char *err,
                    size_t len);

/*
 * Whether the runs behind each point of hk_plot_medians (grouped by the
 * series field and field x, and having metric y) are of one
 * configuration: the same spec, trace, backend, allocator and
 * parameters, repetitions apart.  0, or -1 with a message naming the
 * fields that differ and their values, and how to pick one (--where) or
 * split them (`split`: the options that would, e.g. "--series").
 */
int hk_plot_check_collapse(sqlite3 *db, const hk_plot_query *q,
                           const char *x, const char *y, const char *split,
                           char *err, size_t len);

/* One point per run: metric x against metric y. */
int hk_plot_scatter(sqlite3 *db, const hk_plot_query *q, const char *x,
                    const char *y, hk_chart *c, char *err, size_t len);

/*
 * Predicted against measured.  A configuration is a spec, trace,
 * allocator and the whole set of parameters; one with both sim runs
 * (carrying the predicted metric) and real runs (carrying the measured
 * one) gives a point: x the median measured value, y the median predicted
 * one.  With gains, both are gains over the configuration of the same
 * spec, trace and allocator whose runs are flagged baseline: baseline /
 * value, or value / baseline for rates (names ending in per_s), so that
 * above 1 is better on both axes.  Without, values are plotted as they
 * are, except that times (names ending in s, ms, us or ns after a '.' or
 * '_') are both converted to one unit.
 */
typedef struct hk_plot_versus {
    const char *predicted, *measured;   /* metric names */
    bool gains;         /* in: gains if the runs have a baseline;
                           out: gains were plotted */
    const char *unit;   /* out: absolute times, the unit ("s", "ms", ...) */
    size_t left_out;    /* out: configurations with no baseline to compare */
} hk_plot_versus;

int hk_plot_predicted(sqlite3 *db, const hk_plot_query *q, hk_plot_versus *v,
                      hk_chart *c, char *err, size_t len);

#endif
