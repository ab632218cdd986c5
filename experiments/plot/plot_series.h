/*
 * plot_series.h - the distinct values of a field, as met in a query's
 * rows, and their display order; a chart's series in that order.
 */
#ifndef HK_PLOT_SERIES_H
#define HK_PLOT_SERIES_H

#include <stddef.h>

#include "experiments/plot/chart.h"

typedef struct hk_plot_values {
    char **v;
    size_t n;
} hk_plot_values;

/* Values are added by hk_plot_values_index and owned by the set. */
void hk_plot_values_free(hk_plot_values *vs);

/* The index of s among the values, added if new; -1 when out of memory. */
long hk_plot_values_index(hk_plot_values *vs, const char *s);

/* Display order: ascending if every value is a number, else the order the
 * values were added in.  Fills rank[value] and order[position]; returns
 * whether the values are numbers, or -1 when out of memory. */
int hk_plot_values_order(const hk_plot_values *vs, size_t *rank,
                         size_t *order);

/* Adds the chart's series in display order, so that series k of the chart
 * is the value of rank k; fills rank.  Numbers are labelled with their
 * field ("prewarm=4"), which a bare "4" in a legend would not say. */
int hk_plot_add_series(hk_chart *c, const char *field,
                       const hk_plot_values *series, size_t *rank, char *err,
                       size_t len);

#endif
