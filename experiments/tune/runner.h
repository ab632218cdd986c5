/*
 * runner.h - the runs of `hakmem tune`, through the sweep machinery: a
 * configuration is a point of the search (a rung of every knob's
 * ladder), its runs are points of a spec called "tune" whose traces are
 * the tune's, stored in the results database (experiments/sweep/
 * SCHEMA.md) with the sweeps' point keys.  A run already stored is read
 * back instead of run again, so a tune that was stopped and is started
 * again repeats nothing, and two tunes of the same traces share runs
 * whatever their objectives.
 *
 * Simulations are remembered in memory once read, per configuration and
 * trace.  The metrics are read by name from what the runs printed:
 * predicted.ns, machine.rss.peak_bytes, machine.page_faults and the
 * sum of syscalls.*.calls of a simulation; wall_s, peak_rss_bytes -
 * start_rss_bytes and syscalls.*.calls of a real run.
 */
#ifndef HK_RUNNER_H
#define HK_RUNNER_H

#include <stddef.h>

#include "experiments/sweep/execute.h"
#include "experiments/sweep/spec.h"
#include "experiments/tune/ladder.h"
#include "experiments/tune/objective.h"
#include "experiments/tune/search.h"

#define HK_TUNE_SPEC "tune"
#define HK_TUNE_MAX_TRACES 64

typedef struct hk_tune_entry hk_tune_entry;

typedef struct hk_tune_runner {
    hk_spec spec;
    hk_exec x;
    const hk_ladder *ladders;
    size_t nladders;
    unsigned jobs;
    hk_tune_entry *memo;
    size_t nmemo, capmemo;
    size_t simulations;     /* (configuration, trace) pairs simulated or
                               read back */
    size_t stored_before;   /* of those, how many were stored already */
    double events[HK_TUNE_MAX_TRACES];  /* of each trace */
    char confirm_spec[40];  /* the spec of the last hk_tune_measure */
    char label[64];
} hk_tune_runner;

/*
 * Names the traces after their files (letters, digits, '_', '.', '-';
 * made unique), decides the calibration as a sweep does (a file, "builtin"
 * or NULL for this machine's, made now if need be), checksums the traces
 * and the calibration, opens the database.  0, or the exit status to end
 * with after the reason was printed (2 for a bad argument).
 */
int hk_tune_open(hk_tune_runner *r, char *const *files, size_t nfiles,
                 const char *db, const char *calibration,
                 const hk_ladder *ladders, size_t nladders, unsigned jobs);
/* failed: remove what a failed tune made and stored nothing in. */
void hk_tune_close(hk_tune_runner *r, int failed);

/*
 * The predicted numbers of each point on the traces [first, first +
 * count): out[i] gets point i's array, indexed by trace (entries of
 * other traces may be unknown: time_ns NAN), valid until the next call.
 * Simulations not stored are run `jobs` at a time; stage names them in
 * the progress lines.  0, or -1 with err (a simulation failed, or the
 * database did).
 */
int hk_tune_simulate(hk_tune_runner *r, const char *stage,
                     const hk_search_point *points, size_t n, size_t first,
                     size_t count, const hk_tune_metrics **out, char *err,
                     size_t errlen);

/* The predicted numbers of a point simulated before, by trace (time_ns
 * NAN for a trace not simulated), or NULL. */
const hk_tune_metrics *hk_tune_known(const hk_tune_runner *r,
                                     const hk_search_point *p);

/* Real runs of a configuration on a trace: the median and the spread,
 * and against the defaults' run of the same repetition (the one that ran
 * beside it, under the same load). */
typedef struct hk_tune_measured {
    size_t runs;
    double median_s, min_s, max_s;
    double spread;          /* (max - min) / median */
    double rss_bytes;       /* median of the replays' RSS growth */
    double syscalls;        /* of the first run */
    size_t pairs, wins;     /* repetitions with both runs; faster in */
    double paired_gain;     /* median of T(defaults) / T(this), less 1 */
} hk_tune_measured;

/*
 * Replays every point `reps` times on every trace on the real allocator
 * (`hakmem replay --allocator hakmem`), one run at a time, repetition by
 * repetition, so configurations alternate; point 0 is the defaults.
 * The runs, and a simulation of each point, are points of a spec of
 * their own, "tune-confirm-" and a hash of the configurations
 * (confirm_spec): a confirmation stopped and started again goes on with
 * its own runs, and never takes runs measured alongside other
 * configurations, at another time, for its own.  out[i * ntraces + t].
 * 0, or -1 with err.
 */
int hk_tune_measure(hk_tune_runner *r, const hk_search_point *points,
                    size_t n, unsigned reps, hk_tune_measured *out,
                    char *err, size_t errlen);

/* Point p's settings (every knob) as NAME=VALUE; 0, or -1 out of
 * memory.  Free with hk_tune_settings_free. */
int hk_tune_settings(const hk_tune_runner *r, const hk_search_point *p,
                     hk_config *out);
void hk_tune_settings_free(hk_config *c);

#endif
