/*
 * chart.h - a chart as data (series of points, optional categories along
 * x, labels and scales) and its rendering to PNG or SVG with GNU libplot.
 */
#ifndef HK_CHART_H
#define HK_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum hk_chart_style {
    HK_CHART_LINES,             /* each series a line with markers */
    HK_CHART_POINTS,            /* markers only */
    HK_CHART_BARS,              /* bars side by side in each category */
} hk_chart_style;

typedef struct hk_chart_series {
    char *name;                 /* the legend's label */
    size_t n, cap;
    double *x, *y;              /* points, drawn in this order */
    double *lo, *hi;            /* the spread behind each y (lo = hi = y
                                   for a single value) */
    bool *baseline;             /* the point is the baseline's */
} hk_chart_series;

typedef struct hk_chart {
    hk_chart_style style;
    const char *title, *xlabel, *ylabel;
    const char *caption;        /* a line under the title, or NULL */
    bool logx, logy;
    bool diagonal;              /* draw and label the line y = x */
    bool whiskers;              /* draw each point's spread, lo to hi */
    double range_lo, range_hi;  /* if lo < hi: both axes span at least
                                   this, whatever the data */
    int width, height;          /* pixels for PNG, 1/100 inch for SVG */
    /* With categories, x is categorical: a point's x is the index of its
     * category.  Bars need categories. */
    char **categories;
    size_t ncategories;
    hk_chart_series *series;
    size_t nseries;
} hk_chart;

/* The chart's series named `name`, added last if it is new; NULL when out
 * of memory. */
hk_chart_series *hk_chart_series_named(hk_chart *c, const char *name);

/* Appends a point; -1 when out of memory. */
int hk_chart_add_point(hk_chart_series *s, double x, double y);

/* Appends a point with the spread of the values behind it and whether
 * it is the baseline's; -1 when out of memory. */
int hk_chart_add_range(hk_chart_series *s, double x, double y, double lo,
                       double hi, bool baseline);

/* Multiplies every x (or every y, with its spread) by factor: values
 * into the unit the axis shows. */
void hk_chart_scale(hk_chart *c, bool y, double factor);

/* Appends a category; its index, or -1 when out of memory. */
long hk_chart_add_category(hk_chart *c, const char *name);

/* Removes the series that have no points. */
void hk_chart_drop_empty_series(hk_chart *c);

/* Frees what the chart owns (names, points, categories), not the labels. */
void hk_chart_free(hk_chart *c);

/*
 * Draws the chart to `out` as "png" or "svg": title, axes with round ticks
 * and tick labels, axis labels, the data and a legend, laid out so that no
 * text is clipped or overlaps.  An axis whose values are all whole
 * numbers gets whole-numbered ticks only.  Baseline points carry a mark
 * of their own, named in the legend; with whiskers, each point's spread
 * is drawn in dark grey (#303030).  Bars rise from 0 on a linear axis; a
 * log axis for bars, or a line or scatter chart whose y axis leaves out
 * 0, gets a note under the title saying so, after the caption.  The chart must hold at least one point,
 * every coordinate finite and, on a log axis, positive.  0 on success, -1
 * when libplot fails (it reports why on stderr).
 */
int hk_chart_render(const hk_chart *c, const char *format, FILE *out);

#endif
