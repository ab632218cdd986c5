/*
 * stats.h - the few statistics that experiments report: medians of
 * repeated measurements, their spread, and how much faster one time is
 * than another.  Medians, not means: on a shared machine a run is only
 * ever slowed down, by amounts that do not average out.
 */
#ifndef HK_EXPERIMENT_STATS_H
#define HK_EXPERIMENT_STATS_H

#include <stddef.h>

/* The median of v[0..n), which it sorts; NAN when n is 0. */
double hk_median(double *v, size_t n);

/* The middle of n > 0 sorted values: lo == hi for odd n, the two middle
 * ones for even n.  The median of records sorted by a field. */
void hk_middle(size_t n, size_t *lo, size_t *hi);

/* (max - min) / median of sorted v[0..n); NAN when n is 0. */
double hk_spread(const double *sorted, size_t n);

/* How many times faster `after` is than `before` (two durations). */
double hk_speedup(double before, double after);

/* hk_speedup - 1: the fraction of time saved, as validate reports it. */
double hk_gain(double before, double after);

#endif
