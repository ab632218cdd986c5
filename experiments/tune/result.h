/*
 * result.h - the outcome of a tune, ready to print as a table, as JSON
 * or as a chart: the defaults and the best configurations with their
 * predicted (and measured) numbers and gains on every trace, the
 * sensitivity of predicted time to each knob around the best point, the
 * line to copy and the warnings.
 *
 * A gain is T(defaults) / T(configuration) - 1 (+5% is 1.05 times as
 * fast); over several traces, the geometric mean of the speedups minus
 * one.  The runs of a confirmation go repetition by repetition, each
 * configuration beside the defaults under the same load, so a measured
 * gain is significant when the configuration was faster than the
 * defaults in every one of at least HK_TUNE_SIGN_RUNS repetitions (or
 * slower in every one): a sign test, each pair a coin toss were there no
 * difference, so the chance of that is 2^(1-N) (1/16 for 5 runs, 1/1024
 * for 11); the margin is larger than what the load moves between runs.
 */
#ifndef HK_RESULT_H
#define HK_RESULT_H

#define HK_TUNE_SIGN_RUNS 5

#include <limits.h>
#include <stddef.h>

#include "experiments/tune/objective.h"
#include "experiments/tune/runner.h"
#include "experiments/tune/search.h"

typedef struct hk_tune_row {
    hk_search_point p;
    int defaults;
    double objective;       /* over the traces it was chosen on */
    double violation;
    hk_tune_metrics pred[HK_TUNE_MAX_TRACES];
    double pred_gain[HK_TUNE_MAX_TRACES];
    hk_tune_measured meas[HK_TUNE_MAX_TRACES]; /* runs 0: not measured */
    double meas_gain[HK_TUNE_MAX_TRACES];
    int significant[HK_TUNE_MAX_TRACES];    /* +1 faster, -1 slower, 0 */
    /* Geometric means over the chosen-on traces and the held-out ones */
    double pred_gain_train, pred_gain_held;
    double meas_gain_train, meas_gain_held;
} hk_tune_row;

/* Predicted time along one knob's ladder, the others at the best point:
 * the geometric mean over the chosen-on traces of T / T(best) - 1. */
typedef struct hk_tune_sens {
    const hk_ladder *ladder;
    size_t best;            /* the best point's rung */
    double rel[HK_SEARCH_RUNGS];
    double span;            /* the largest rel minus the smallest */
    size_t worst;           /* the rung with the largest rel */
} hk_tune_sens;

typedef struct hk_tune_result {
    const hk_tune_runner *r;
    const hk_search *s;
    const hk_objective *o;
    size_t ntraces, train;  /* traces [train, ntraces) are held out */
    hk_tune_row *rows;      /* [0] the defaults, then the best, in order */
    size_t nrows;
    size_t chosen;          /* the row to use: 0 when the defaults are best */
    hk_tune_sens sens[HK_SEARCH_DIMS];
    unsigned confirm;       /* real runs per configuration; 0 for none */
    double tolerance;       /* the search's (hk_search_opts) */
    double search_s, confirm_s;
    unsigned jobs;
    char lib[PATH_MAX];     /* libhakmem.so, absolute */
    char *command;          /* the line to copy */
    char **warnings;
    size_t nwarnings;
} hk_tune_result;

/* Computes gains, significance, the sensitivity, the line to copy and
 * the warnings from rows whose p, point, pred and meas are filled.  0, or
 * -1 out of memory. */
int hk_tune_result_finish(hk_tune_result *t);
void hk_tune_result_free(hk_tune_result *t);

/* The settings of a row that differ from the defaults, "NAME=VALUE ..."
 * ("defaults" for none). */
void hk_tune_row_label(const hk_tune_result *t, const hk_tune_row *row,
                       char *buf, size_t len);

/* Output: the tables (text), one JSON object, the sensitivity chart. */
void hk_tune_print(const hk_tune_result *t);
int hk_tune_print_json(const hk_tune_result *t);
int hk_tune_plot(const hk_tune_result *t, const char *path, char *err,
                 size_t errlen);

#endif
