/*
 * objective.h - what `hakmem tune` minimises and the limits it keeps,
 * computed from the numbers of one configuration's runs.
 *
 * Every quantity is taken relative to the defaults on the same trace, so
 * that traces of different lengths weigh the same and time and memory
 * can be mixed: the objective of a trace is
 *
 *     (wt * T / T_defaults + wr * RSS / RSS_defaults) / (wt + wr)
 *
 * (1 at the defaults), and over several traces their geometric mean, or
 * with `robust` their maximum (the worst trace).
 */
#ifndef HK_OBJECTIVE_H
#define HK_OBJECTIVE_H

#include <stddef.h>

/* One configuration's numbers on one trace. */
typedef struct hk_tune_metrics {
    double time_ns;     /* predicted, or measured (median) */
    double rss_bytes;   /* peak */
    double syscalls;    /* every call of the backend */
    double faults;      /* page faults; NAN when not known */
} hk_tune_metrics;

/* An upper limit, absolute or a multiple of the defaults' value. */
typedef struct hk_limit {
    int set, relative;
    double value;
} hk_limit;

typedef struct hk_objective {
    double time_w, rss_w;
    int robust;
    hk_limit max_rss, max_syscalls;
    char text[64];      /* as given */
} hk_objective;

/* "time", "rss" or "time+W*rss".  0, or -1 with err. */
int hk_objective_parse(hk_objective *o, const char *text, char *err,
                       size_t errlen);

/* "1.1x" (a multiple of the defaults'), or a number (with K, M or G for
 * a size).  0, or -1 with err. */
int hk_limit_parse(hk_limit *l, const char *text, int size, char *err,
                   size_t errlen);

/* The limit in the units of the value, given the defaults' value. */
double hk_limit_value(const hk_limit *l, double defaults);

/* value / defaults, 1 when both are 0. */
double hk_ratio(double value, double defaults);

/* The objective of one trace (1 at the defaults). */
double hk_objective_trace(const hk_objective *o, const hk_tune_metrics *m,
                          const hk_tune_metrics *defaults);

/* How far one trace's numbers are past the limits, as fractions of the
 * limits, summed; 0 when they hold. */
double hk_objective_violation(const hk_objective *o,
                              const hk_tune_metrics *m,
                              const hk_tune_metrics *defaults);

/* The traces' objectives combined: geometric mean, or the maximum. */
double hk_objective_combine(const hk_objective *o, const double *v,
                            size_t n);

/* The geometric mean of v[0..n). */
double hk_geomean(const double *v, size_t n);

#endif
