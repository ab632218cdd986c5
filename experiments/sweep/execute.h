/*
 * execute.h - running a plan's points into the database: each point not
 * stored yet runs as `hakmem sim` or `hakmem replay` in a child process,
 * and what it prints is stored with the run's provenance (version, host,
 * start time) in one transaction.  A failed point is reported with its
 * command and its stderr and is not stored; the others go on.
 */
#ifndef HK_EXECUTE_H
#define HK_EXECUTE_H

#include <limits.h>
#include <stddef.h>

#include "experiments/sweep/db.h"
#include "sim/calibration.h"
#include "experiments/sweep/points.h"
#include "experiments/sweep/spec.h"

typedef struct hk_exec {
    const char *label;       /* the command, for messages */
    const hk_spec *spec;
    hk_db *db;
    unsigned jobs;           /* simulations run at once */
    unsigned real_jobs;      /* real-backend points run at once: timings
                                are only clean one at a time */
    char hakmem[PATH_MAX];   /* the hakmem program next to this one */
    char version[128];       /* `git describe --always --dirty` at build */
    char host[256];
    char db_path[PATH_MAX];
    int db_new;              /* the database did not exist before */
    hk_made_dirs made;       /* directories made for traces and the db */
    hk_calibration cal;      /* what the simulations are priced with */
} hk_exec;

/* Where generated traces are kept unless a command is told otherwise. */
#define HK_TRACE_CACHE "results/traces"

/*
 * Everything a command needs before it runs points: load the spec (which
 * must have a baseline if need_baseline), decide the calibration of its
 * simulations (`calibration`, a file or "builtin", else the spec's, else
 * this machine's: sim/calibration.h; made now if need be, once for all
 * the points), make its traces (into trace_cache), open the database
 * (db_path, or else the spec's), find hakmem, read version and host.
 * Validation (need_baseline) always simulates, a sweep when its backends
 * say so.  0, or the exit status to end with after the reason was
 * printed: 2 when the spec or the arguments are wrong, 1 for anything
 * else.
 */
int hk_exec_open(hk_exec *x, hk_spec *s, const char *label,
                 const char *spec_path, int need_baseline,
                 const char *db_path, const char *trace_cache,
                 const char *calibration);

/* The calibration step of hk_exec_open, for a spec the caller built:
 * x->label set, the rest of x zeroed.  0, or -1 with err. */
int hk_exec_calibrate(hk_exec *x, hk_spec *s, const char *request,
                      char *err, size_t errlen);

/* The same for a spec the caller built (every string of it malloc'd, as
 * hk_spec_free frees them), with the database at db_path; x zeroed, or
 * as hk_exec_open and hk_exec_calibrate leave it. */
int hk_exec_start(hk_exec *x, hk_spec *s, const char *label,
                  const char *db_path, const char *trace_cache);

/* Close the database and free the spec.  After a failure a database
 * this command created and stored nothing in is removed, and so are the
 * directories it made that are empty: a failed command leaves nothing
 * behind but what it stored. */
void hk_exec_close(hk_exec *x, hk_spec *s, int failed);

/*
 * Run the points of plan that are not dups, whose number among those is
 * `shard` modulo `shards`, and that the database lacks: the simulations
 * x->jobs at once, then the real-backend points x->real_jobs at once (1
 * when 0).  Progress and failures go to stderr.  The number of points that failed, or -1 with
 * err when the database or the system failed (then it stops early).
 */
long hk_execute(const hk_exec *x, const hk_plan *plan, unsigned shard,
                unsigned shards, char *err, size_t errlen);

#endif
