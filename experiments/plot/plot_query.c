/*
 * plot_query.c - building the SQL of a plot's query and checking the
 * names in it (plot_query.h).
 */
#include "experiments/plot/plot_query.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const run_columns[] = {
    "spec", "trace", "trace_checksum", "backend", "allocator",
    "rep", "baseline", "version", "host",
};

int hk_plot_fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

const char *hk_plot_text(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? (const char *)s : "";
}

/* ---- building queries ---- */

int hk_plot_sql_begin(hk_plot_sql *s, char *err, size_t len)
{
    memset(s, 0, sizeof *s);
    s->f = open_memstream(&s->text, &s->size);
    return s->f ? 0 : hk_plot_fail(err, len, "out of memory");
}

static void sql_bind(hk_plot_sql *s, const char *value)
{
    s->binds[s->nbinds++] = value;
}

/* Ends the text and prepares it with its values bound; NULL on error. */
sqlite3_stmt *hk_plot_sql_prepare(sqlite3 *db, hk_plot_sql *s, char *err,
                                  size_t len)
{
    sqlite3_stmt *st = NULL;
    if (fclose(s->f) != 0) {
        free(s->text);
        hk_plot_fail(err, len, "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v2(db, s->text, -1, &st, NULL) != SQLITE_OK)
        hk_plot_fail(err, len, "%s", sqlite3_errmsg(db));
    for (int i = 0; st && i < s->nbinds; i++)
        sqlite3_bind_text(st, i + 1, s->binds[i], -1, SQLITE_STATIC);
    free(s->text);
    return st;
}

static bool is_run_column(const char *name)
{
    for (size_t i = 0; i < COUNT(run_columns); i++)
        if (!strcmp(name, run_columns[i]))
            return true;
    return false;
}

void hk_plot_sql_field(hk_plot_sql *s, const char *field)
{
    if (is_run_column(field)) {
        fprintf(s->f, "r.%s", field);
        return;
    }
    fputs("(SELECT value FROM params p"
          " WHERE p.run_id = r.run_id AND p.name = ?)", s->f);
    sql_bind(s, field);
}

void hk_plot_sql_metric(hk_plot_sql *s, const char *metric)
{
    fputs("(SELECT value FROM metrics m"
          " WHERE m.run_id = r.run_id AND m.name = ?)", s->f);
    sql_bind(s, metric);
}

/* The series' field, or the single series' name. */
void hk_plot_sql_series(hk_plot_sql *s, const hk_plot_query *q)
{
    if (q->series) {
        hk_plot_sql_field(s, q->series);
    } else {
        fputs("?", s->f);
        sql_bind(s, q->single);
    }
}

void hk_plot_sql_where(hk_plot_sql *s, const hk_plot_query *q)
{
    fputs(" FROM runs r WHERE 1", s->f);
    for (size_t i = 0; i < q->nwhere; i++) {
        const hk_plot_filter *w = &q->where[i];
        if (is_run_column(w->field)) {
            fprintf(s->f, " AND r.%s = ?", w->field);
        } else {
            fputs(" AND NOT EXISTS (SELECT 1 FROM params p WHERE p.run_id"
                  " = r.run_id AND p.name = ? AND p.value IS NOT ?)", s->f);
            sql_bind(s, w->field);
        }
        sql_bind(s, w->value);
    }
}

void hk_plot_describe(const hk_plot_query *q, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < q->nwhere && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
                                 i ? ", " : "", q->where[i].field,
                                 q->where[i].value);
}

/* " with FIELD=VALUE, ..." for messages, or "" without filters. */
void hk_plot_with_filters(const hk_plot_query *q, char *buf, size_t len)
{
    char list[500];
    hk_plot_describe(q, list, sizeof list);
    snprintf(buf, len, "%s%s", q->nwhere ? " with " : "", list);
}

/* ---- checking names ---- */

/* 1 if the query with ?1 bound to name returns a row, 0 if not, -1 on
 * error. */
static int exists(sqlite3 *db, const char *query, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, query, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Up to 12 names from params or metrics as "a, b, c", those that contain
 * the last dot-separated part of `wanted` first. */
static void some_names(sqlite3 *db, const char *table, const char *wanted,
                       char *buf, size_t len)
{
    char query[128];
    sqlite3_stmt *st;
    const char *dot = strrchr(wanted, '.');
    snprintf(query, sizeof query, "SELECT DISTINCT name FROM %s"
             " ORDER BY instr(name, ?1) = 0, name LIMIT 12", table);
    snprintf(buf, len, "(none)");
    if (sqlite3_prepare_v2(db, query, -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, dot ? dot + 1 : wanted, -1, SQLITE_STATIC);
    size_t used = 0;
    while (used < len && sqlite3_step(st) == SQLITE_ROW)
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 used ? ", " : "", hk_plot_text(st, 0));
    sqlite3_finalize(st);
}

int hk_plot_check_metric(sqlite3 *db, const char *metric, char *err,
                         size_t len)
{
    int found = exists(db, "SELECT 1 FROM metrics WHERE name = ?1 LIMIT 1",
                       metric);
    if (found < 0)
        return hk_plot_fail(err, len, "%s", sqlite3_errmsg(db));
    if (found)
        return 0;
    char names[512];
    some_names(db, "metrics", metric, names, sizeof names);
    return hk_plot_fail(err, len,
                        "no metric '%s' in the database; metrics include %s",
                        metric, names);
}

int hk_plot_check_field(sqlite3 *db, const char *field, char *err,
                        size_t len)
{
    if (is_run_column(field))
        return 0;
    int found = exists(db, "SELECT 1 FROM params WHERE name = ?1 LIMIT 1",
                       field);
    if (found < 0)
        return hk_plot_fail(err, len, "%s", sqlite3_errmsg(db));
    if (found)
        return 0;
    char names[512];
    some_names(db, "params", field, names, sizeof names);
    return hk_plot_fail(err, len,
                        "no parameter '%s' in the database, nor a column"
                        " of runs; parameters include %s",
                        field, names);
}

int hk_plot_check_query(sqlite3 *db, const hk_plot_query *q, char *err,
                        size_t len)
{
    if (q->nwhere > HK_PLOT_MAX_WHERE)
        return hk_plot_fail(err, len, "more than %d filters",
                            HK_PLOT_MAX_WHERE);
    if (q->series && hk_plot_check_field(db, q->series, err, len) < 0)
        return -1;
    for (size_t i = 0; i < q->nwhere; i++)
        if (hk_plot_check_field(db, q->where[i].field, err, len) < 0)
            return -1;
    return 0;
}

sqlite3 *hk_plot_open(const char *path, char *err, size_t len)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        hk_plot_fail(err, len, "cannot open %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT runs.run_id, params.value,"
                           " metrics.value FROM runs, params, metrics",
                           -1, &st, NULL) != SQLITE_OK) {
        hk_plot_fail(err, len, "%s is not a results database: %s", path,
             sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_finalize(st);
    return db;
}

