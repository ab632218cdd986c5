/*
 * stats.c - medians, spreads and speedups (stats.h).
 */
#include "experiments/common/stats.h"

#include <math.h>
#include <stdlib.h>

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void hk_middle(size_t n, size_t *lo, size_t *hi)
{
    *hi = n / 2;
    *lo = n % 2 ? *hi : *hi - 1;
}

double hk_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, by_value);
    size_t lo, hi;
    hk_middle(n, &lo, &hi);
    return (v[lo] + v[hi]) / 2;
}

double hk_spread(const double *sorted, size_t n)
{
    if (n == 0)
        return NAN;
    size_t lo, hi;
    hk_middle(n, &lo, &hi);
    return (sorted[n - 1] - sorted[0]) / ((sorted[lo] + sorted[hi]) / 2);
}

double hk_speedup(double before, double after)
{
    return before / after;
}

double hk_gain(double before, double after)
{
    return hk_speedup(before, after) - 1;
}
