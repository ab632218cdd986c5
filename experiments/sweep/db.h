/*
 * db.h - the results database (experiments/sweep/SCHEMA.md): runs, their
 * params and their metrics in SQLite.  A run is inserted in one
 * transaction with everything it measured, or not at all; its point key
 * is unique, so inserting a run twice keeps the first.
 */
#ifndef HK_DB_H
#define HK_DB_H

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct hk_db hk_db;

/* Open or create, with the schema.  NULL with err on failure. */
hk_db *hk_db_open(const char *path, char *err, size_t errlen);
void hk_db_close(hk_db *db);

/* The number of runs stored; -1 on an error. */
long hk_db_runs(hk_db *db);

/* 1 if a run with this point key is stored, 0 if not, -1 with err. */
int hk_db_has(hk_db *db, const char *point_key, char *err, size_t errlen);

/* The runs row of one run. */
typedef struct hk_run_row {
    const char *point_key;
    const char *spec;
    const char *trace;
    const char *trace_checksum;
    const char *backend;
    const char *allocator;
    unsigned rep;
    int baseline;
    const char *version;
    const char *host;
    const char *started_at;
} hk_run_row;

/* Store a run with what `hakmem sim` or `hakmem replay` printed: the
 * "settings" object as params, every number as a metric.  1 if stored,
 * 0 if the point key was already there, -1 with err. */
int hk_db_insert(hk_db *db, const hk_run_row *row, const cJSON *result,
                 char *err, size_t errlen);

/* Visit the metrics of the run with this point key whose names match
 * the SQL LIKE pattern, in name order.  The number visited, or -1. */
int hk_db_metrics(hk_db *db, const char *point_key, const char *like,
                  void (*fn)(void *ctx, const char *name, double value),
                  void *ctx, char *err, size_t errlen);

/* The one metric of that run named `name` (no pattern), or NAN when the
 * run has none or the database cannot be read. */
double hk_db_metric(hk_db *db, const char *point_key, const char *name);

/* Copy into db every run of the database at path whose point key db
 * lacks, with its params and metrics; run ids are db's own.  The number
 * of runs copied, or -1 with err. */
long hk_db_merge(hk_db *db, const char *path, char *err, size_t errlen);

#endif
