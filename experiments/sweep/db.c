/*
 * db.c - the results database in SQLite.
 *
 * The schema is created on open (PRAGMA user_version 1); a database of a
 * later version is refused.  Every write is one IMMEDIATE transaction,
 * so a process killed at any moment leaves whole runs only, and several
 * processes may share a database (they wait for each other's writes).
 */
#include "experiments/sweep/db.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/sweep/flatten.h"

#define SCHEMA_VERSION 1

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS runs ("
    " run_id INTEGER PRIMARY KEY,"
    " point_key TEXT NOT NULL UNIQUE,"
    " spec TEXT NOT NULL,"
    " trace TEXT NOT NULL,"
    " trace_checksum TEXT NOT NULL,"
    " backend TEXT NOT NULL,"
    " allocator TEXT NOT NULL,"
    " rep INTEGER NOT NULL,"
    " baseline INTEGER NOT NULL,"
    " version TEXT NOT NULL,"
    " host TEXT NOT NULL,"
    " started_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS params ("
    " run_id INTEGER NOT NULL REFERENCES runs(run_id),"
    " name TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS metrics ("
    " run_id INTEGER NOT NULL REFERENCES runs(run_id),"
    " name TEXT NOT NULL,"
    " value REAL NOT NULL,"
    " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS metrics_by_name ON metrics(name, run_id);";

#define RUN_COLUMNS                                                       \
    "point_key, spec, trace, trace_checksum, backend, allocator, rep, "   \
    "baseline, version, host, started_at"

struct hk_db {
    sqlite3 *sql;
    char *path;
    sqlite3_stmt *has, *run, *param, *metric;
};

static int fail(hk_db *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s: %s", db->path, what,
             sqlite3_errmsg(db->sql));
    return -1;
}

static int exec(hk_db *db, const char *sql, char *err, size_t errlen)
{
    if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, sql, err, errlen);
    return 0;
}

/* The single integer a query returns, or -1. */
static long long query_int(hk_db *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int create_schema(hk_db *db, char *err, size_t errlen)
{
    if (exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
        return -1;
    long long version = query_int(db, "PRAGMA user_version");
    if (version > SCHEMA_VERSION) {
        snprintf(err, errlen, "%s: schema version %lld, newer than this "
                 "hakmem's (%d)", db->path, version, SCHEMA_VERSION);
        exec(db, "ROLLBACK", err, 0);
        return -1;
    }
    char set_version[64];
    snprintf(set_version, sizeof set_version, "PRAGMA user_version = %d",
             SCHEMA_VERSION);
    if (exec(db, schema, err, errlen) < 0 ||
        exec(db, set_version, err, errlen) < 0) {
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return exec(db, "COMMIT", err, errlen);
}

static int prepare(hk_db *db, const char *sql, sqlite3_stmt **st, char *err,
                   size_t errlen)
{
    if (sqlite3_prepare_v2(db->sql, sql, -1, st, NULL) != SQLITE_OK)
        return fail(db, sql, err, errlen);
    return 0;
}

hk_db *hk_db_open(const char *path, char *err, size_t errlen)
{
    hk_db *db = calloc(1, sizeof *db);
    if (!db || !(db->path = malloc(strlen(path) + 1))) {
        free(db);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    strcpy(db->path, path);
    if (sqlite3_open_v2(path, &db->sql,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        fail(db, "open", err, errlen);
        hk_db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->sql, 60000);
    if (create_schema(db, err, errlen) < 0 ||
        prepare(db, "SELECT 1 FROM runs WHERE point_key = ?1", &db->has,
                err, errlen) < 0 ||
        prepare(db, "INSERT OR IGNORE INTO runs (" RUN_COLUMNS ") VALUES "
                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &db->run,
                err, errlen) < 0 ||
        prepare(db, "INSERT INTO params (run_id, name, value) VALUES "
                "(?1, ?2, ?3)", &db->param, err, errlen) < 0 ||
        prepare(db, "INSERT INTO metrics (run_id, name, value) VALUES "
                "(?1, ?2, ?3)", &db->metric, err, errlen) < 0) {
        hk_db_close(db);
        return NULL;
    }
    return db;
}

void hk_db_close(hk_db *db)
{
    if (!db)
        return;
    sqlite3_finalize(db->has);
    sqlite3_finalize(db->run);
    sqlite3_finalize(db->param);
    sqlite3_finalize(db->metric);
    sqlite3_close(db->sql);
    free(db->path);
    free(db);
}

long hk_db_runs(hk_db *db)
{
    return (long)query_int(db, "SELECT count(*) FROM runs");
}

int hk_db_has(hk_db *db, const char *point_key, char *err, size_t errlen)
{
    sqlite3_reset(db->has);
    sqlite3_bind_text(db->has, 1, point_key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(db->has);
    sqlite3_reset(db->has);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(db, "looking up a point", err, errlen);
    return rc == SQLITE_ROW;
}

typedef struct row_sink {
    hk_db *db;
    sqlite3_int64 run_id;
} row_sink;

static int put_param(void *ctx, const char *name, const char *value)
{
    row_sink *r = ctx;
    sqlite3_stmt *st = r->db->param;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->run_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : 1;
}

static int put_metric(void *ctx, const char *name, double value)
{
    row_sink *r = ctx;
    sqlite3_stmt *st = r->db->metric;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->run_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, value);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : 1;
}

int hk_db_insert(hk_db *db, const hk_run_row *row, const cJSON *result,
                 char *err, size_t errlen)
{
    if (exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
        return -1;
    sqlite3_stmt *st = db->run;
    const char *text[] = {row->point_key, row->spec, row->trace,
                          row->trace_checksum, row->backend, row->allocator};
    sqlite3_reset(st);
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, i + 1, text[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, row->rep);
    sqlite3_bind_int(st, 8, row->baseline);
    sqlite3_bind_text(st, 9, row->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, row->host, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, row->started_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    int stored = rc == 0 && sqlite3_changes(db->sql) == 1;
    if (rc < 0)
        fail(db, "inserting a run", err, errlen);
    if (stored) {
        row_sink sink = {db, sqlite3_last_insert_rowid(db->sql)};
        hk_flatten_sink fns = {put_param, put_metric, &sink};
        int frc = hk_flatten(result, &fns);
        if (frc == 1)
            rc = fail(db, "inserting a run's rows", err, errlen);
        else if (frc != 0) {
            snprintf(err, errlen, "%s: a run's JSON has a setting that is "
                     "neither text nor a whole number, or a path too long", db->path);
            rc = -1;
        }
    }
    sqlite3_reset(st);
    if (rc < 0) {
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return exec(db, "COMMIT", err, errlen) < 0 ? -1 : stored;
}

int hk_db_metrics(hk_db *db, const char *point_key, const char *like,
                  void (*fn)(void *ctx, const char *name, double value),
                  void *ctx, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (prepare(db, "SELECT m.name, m.value FROM metrics m JOIN runs r "
                "ON r.run_id = m.run_id WHERE r.point_key = ?1 AND "
                "m.name LIKE ?2 ORDER BY m.name", &st, err, errlen) < 0)
        return -1;
    sqlite3_bind_text(st, 1, point_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, like, -1, SQLITE_STATIC);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fn(ctx, (const char *)sqlite3_column_text(st, 0),
           sqlite3_column_double(st, 1));
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(db, "reading metrics", err, errlen);
    return n;
}

static void take_value(void *ctx, const char *name, double value)
{
    (void)name;
    *(double *)ctx = value;
}

double hk_db_metric(hk_db *db, const char *point_key, const char *name)
{
    double v = NAN;
    char err[256];
    if (hk_db_metrics(db, point_key, name, take_value, &v, err,
                      sizeof err) != 1)
        return NAN;
    return v;
}

/* Run ids above `above` are the runs this merge added. */
static const char *const merge_steps[] = {
    "INSERT OR IGNORE INTO main.runs (" RUN_COLUMNS ") SELECT " RUN_COLUMNS
    " FROM src.runs ORDER BY run_id",
    "INSERT INTO main.params (run_id, name, value)"
    " SELECT m.run_id, p.name, p.value FROM src.params p"
    " JOIN src.runs s ON s.run_id = p.run_id"
    " JOIN main.runs m ON m.point_key = s.point_key WHERE m.run_id > ?1",
    "INSERT INTO main.metrics (run_id, name, value)"
    " SELECT m.run_id, x.name, x.value FROM src.metrics x"
    " JOIN src.runs s ON s.run_id = x.run_id"
    " JOIN main.runs m ON m.point_key = s.point_key WHERE m.run_id > ?1",
};

long hk_db_merge(hk_db *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (access(path, R_OK) < 0) { /* or ATTACH would create it */
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (prepare(db, "ATTACH DATABASE ?1 AS src", &st, err, errlen) < 0)
        return -1;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db->sql));
        return -1;
    }
    long added = -1;
    if (query_int(db, "SELECT count(*) FROM src.sqlite_master WHERE "
                  "type = 'table' AND name IN ('runs', 'params', "
                  "'metrics')") != 3) {
        snprintf(err, errlen, "%s: not a results database (no runs, "
                 "params and metrics tables)", path);
    } else if (exec(db, "BEGIN IMMEDIATE", err, errlen) == 0) {
        long long above = query_int(db, "SELECT coalesce(max(run_id), 0) "
                                    "FROM main.runs");
        added = above < 0 ? fail(db, "merging", err, errlen) : 0;
        for (int i = 0; added >= 0 && i < 3; i++) {
            if (prepare(db, merge_steps[i], &st, err, errlen) < 0) {
                added = -1;
                break;
            }
            if (i > 0)
                sqlite3_bind_int64(st, 1, above);
            if (sqlite3_step(st) != SQLITE_DONE)
                added = fail(db, "merging", err, errlen);
            else if (i == 0)
                added = sqlite3_changes(db->sql);
            sqlite3_finalize(st);
        }
        if (added >= 0 && exec(db, "COMMIT", err, errlen) < 0)
            added = -1;
        if (added < 0)
            sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_exec(db->sql, "DETACH DATABASE src", NULL, NULL, NULL);
    return added;
}
