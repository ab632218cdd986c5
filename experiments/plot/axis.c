/*
 * axis.c - round ranges and ticks for chart axes.
 *
 * A round number is k * m * 10^e with m in {1, 2, 5}.  Ticks are computed
 * from those integers, dividing by an exact power of ten for e < 0, so a
 * tick is the double nearest its decimal value (0.3, never
 * 0.30000000000000004) and labels print without rounding noise.  Labels
 * carry as many digits as the tick spacing needs, with k/M/G/T/P for
 * thousands and up.
 */
#include "experiments/plot/axis.h"

#include <math.h>
#include <stdio.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const int mantissas[] = {1, 2, 5};

/* 10^n, exact for 0 <= n <= 22. */
static double ten_to(int n)
{
    double p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

/* k * m * 10^e, correctly rounded. */
static double round_value(long long k, int m, int e)
{
    double v = (double)(k * m);
    return e >= 0 ? v * ten_to(e) : v / ten_to(-e);
}

/* floor(log10(v)) for v > 0, robust to log10's last-bit error at powers of
 * ten. */
static int decade(double v)
{
    return (int)floor(log10(v) + 1e-9);
}

/* The smallest d with 10^d >= v. */
static int decade_above(double v)
{
    return (int)ceil(log10(v) - 1e-9);
}

/* The exponent of the SI prefix for v: 3 (k), 6 (M), ... 15 (P), or 0. */
static int si_exp(double v)
{
    int exp = 0;
    while (exp < 15 && fabs(v) >= ten_to(exp + 3))
        exp += 3;
    return exp;
}

/* Appends tick v, labelled in units of 10^unit_exp (an SI prefix) with the
 * digits that a spacing of 10^step_exp needs. */
static void add_tick(hk_axis *a, double v, int step_exp, int unit_exp)
{
    char *label = a->labels[a->nticks];
    size_t len = sizeof a->labels[0];
    a->ticks[a->nticks++] = v;
    if (v == 0) {
        snprintf(label, len, "0");
        return;
    }
    double scaled = v / ten_to(unit_exp);
    int step = step_exp - unit_exp;
    int precision = decade(fabs(scaled)) - (step < 0 ? step : 0) + 1;
    if (precision < 1)
        precision = 1;
    if (precision > 17)
        precision = 17;
    char prefix[2] = {unit_exp ? "kMGTP"[unit_exp / 3 - 1] : '\0', '\0'};
    snprintf(label, len, "%.*g%s", precision, scaled, prefix);
}

static void fit_linear(hk_axis *a, double min, double max, bool whole,
                       size_t max_ticks)
{
    if (min == max) {
        double pad = min != 0 ? fabs(min) / 10 : 1;
        if (whole && pad < 1)
            pad = 1;
        min -= pad;
        max += pad;
    }
    /* The smallest round step that covers [min, max] in max_ticks ticks
     * (a whole one for counts). */
    int first = decade((max - min) / (double)max_ticks) - 1;
    if (whole && first < 0)
        first = 0;
    for (int e = first;; e++)
        for (size_t i = 0; i < COUNT(mantissas); i++) {
            int m = mantissas[i];
            double step = round_value(1, m, e);
            long long klo = (long long)floor(min / step + 1e-9);
            long long khi = (long long)ceil(max / step - 1e-9);
            if ((size_t)(khi - klo + 1) > max_ticks)
                continue;
            a->lo = round_value(klo, m, e);
            a->hi = round_value(khi, m, e);
            double big = fmax(fabs(a->lo), fabs(a->hi));
            int unit = big >= 1e4 ? si_exp(big) : 0;
            for (long long k = klo; k <= khi; k++)
                add_tick(a, round_value(k, m, e), e, unit);
            return;
        }
}

/* Ticks at 1, 2 and 5 times each power of ten, for ranges within two
 * decades; false (and nothing set) when that takes more than max_ticks. */
static bool fit_log_fine(hk_axis *a, double min, double max,
                         size_t max_ticks)
{
    int dlo = decade(min), dhi = decade_above(max);
    if (dhi - dlo > 2)
        return false;
    double v[9];
    int exp[9];
    size_t n = 0;
    for (int e = dlo; e <= dhi; e++)
        for (size_t i = 0; i < COUNT(mantissas); i++) {
            v[n] = round_value(1, mantissas[i], e);
            exp[n++] = e;
        }
    size_t first = 0, last = n - 1;
    while (first + 1 < n && v[first + 1] <= min * (1 + 1e-9))
        first++;
    while (last > first && v[last - 1] >= max * (1 - 1e-9))
        last--;
    if (last - first + 1 > max_ticks)
        return false;
    a->lo = v[first];
    a->hi = v[last];
    for (size_t i = first; i <= last; i++)
        add_tick(a, v[i], exp[i], si_exp(v[i]));
    return true;
}

/* Ticks at every s-th power of ten, s the smallest round number that
 * keeps within max_ticks. */
static void fit_log_decades(hk_axis *a, double min, double max,
                            size_t max_ticks)
{
    int dlo = decade(min), dhi = decade_above(max);
    for (int e = 0;; e++)
        for (size_t i = 0; i < COUNT(mantissas); i++) {
            int s = (int)round_value(1, mantissas[i], e);
            int klo = (int)floor((double)dlo / s);
            int khi = (int)ceil((double)dhi / s);
            if ((size_t)(khi - klo + 1) > max_ticks)
                continue;
            a->lo = round_value(1, 1, klo * s);
            a->hi = round_value(1, 1, khi * s);
            for (int k = klo; k <= khi; k++) {
                double v = round_value(1, 1, k * s);
                add_tick(a, v, k * s, si_exp(v));
            }
            return;
        }
}

void hk_axis_fit(hk_axis *a, double min, double max, bool log, bool whole,
                 size_t max_ticks)
{
    if (max_ticks < 3)
        max_ticks = 3;
    if (max_ticks > HK_AXIS_MAX_TICKS)
        max_ticks = HK_AXIS_MAX_TICKS;
    a->log = log;
    a->nticks = 0;
    if (!log) {
        fit_linear(a, min, max, whole, max_ticks);
        return;
    }
    if (min == max) {
        min /= 2;
        max *= 2;
    }
    if (!fit_log_fine(a, min, max, max_ticks))
        fit_log_decades(a, min, max, max_ticks);
}

double hk_axis_pos(const hk_axis *a, double v)
{
    if (a->log)
        return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
    return (v - a->lo) / (a->hi - a->lo);
}

double hk_axis_value(const hk_axis *a, double u)
{
    if (a->log)
        return pow(10, log10(a->lo) + u * (log10(a->hi) - log10(a->lo)));
    return a->lo + u * (a->hi - a->lo);
}
