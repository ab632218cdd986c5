/*
 * plot_units.h - what a metric's name says about it: a name for people
 * ("predicted time" for predicted.ns), what it measures (a time, bytes,
 * a rate, a count), and the unit its values read best in on an axis
 * (milliseconds for wall_s in the thousandths, MiB for RSS in millions).
 */
#ifndef HK_PLOT_UNITS_H
#define HK_PLOT_UNITS_H

#include <stddef.h>

/* Seconds per unit of a time metric: names ending in s, ms, us or ns
 * after a '.' or '_' (not ..._per_s, a rate); 0 for anything else. */
double hk_plot_seconds_per_unit(const char *metric);

/* Whether the metric counts bytes (its last part ends in "bytes"). */
int hk_plot_is_bytes(const char *metric);

/* Whether the metric is a rate (it ends in "per_s"). */
int hk_plot_is_rate(const char *metric);

/* The metric for people: "wall time", "predicted time", "mmap calls",
 * "peak RSS", ...; else its last part with spaces for underscores. */
void hk_plot_metric_name(const char *metric, char *buf, size_t len);

/*
 * The unit to show a metric's values in when the largest magnitude is
 * `most`: "s", "ms", "us" or "ns" for times, "B", "KiB", "MiB" or "GiB"
 * for bytes, and *factor, what a value is multiplied by to be in it.
 * NULL (and a factor of 1) for other metrics.
 */
const char *hk_plot_unit(const char *metric, double most, double *factor);

/* The unit a time of `seconds` reads best in ("s", "ms", "us", "ns":
 * the largest not above it), and how many of it make a second. */
const char *hk_plot_time_unit(double seconds, double *per_second);

/* "NAME (UNIT)", or NAME without a unit. */
void hk_plot_metric_label(const char *metric, const char *unit, char *buf,
                          size_t len);

#endif
