/*
 * axis.h - a numeric chart axis: a range with round ends, its ticks and
 * their labels, and the mapping from data values to positions along it.
 */
#ifndef HK_AXIS_H
#define HK_AXIS_H

#include <stdbool.h>
#include <stddef.h>

#define HK_AXIS_MAX_TICKS 24

typedef struct hk_axis {
    bool log;                       /* logarithmic (every value > 0) */
    double lo, hi;                  /* the range shown, lo < hi */
    size_t nticks;
    double ticks[HK_AXIS_MAX_TICKS];
    char labels[HK_AXIS_MAX_TICKS][32];
} hk_axis;

/*
 * Fits the axis to data in [min, max] (min <= max, both finite, both > 0
 * when log) with at most max_ticks ticks (taken as 3 or more): the range
 * ends and every tick are round numbers, 1, 2 or 5 times a power of ten,
 * equally spaced on a linear axis and decades (or 1-2-5 steps within two
 * decades) on a log axis.  With whole, a linear axis steps by whole
 * numbers only (for counts, which have no fractions).
 */
void hk_axis_fit(hk_axis *a, double min, double max, bool log, bool whole,
                 size_t max_ticks);

/* Where v lies along the axis: 0 at lo, 1 at hi. */
double hk_axis_pos(const hk_axis *a, double v);

/* The value at position u (the inverse of hk_axis_pos). */
double hk_axis_value(const hk_axis *a, double u);

#endif
