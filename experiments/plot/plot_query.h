/*
 * plot_query.h - the queries behind plots: SQL text built from a query,
 * its values bound, and the checks that the names in it exist.  Shared
 * by the files of experiments/plot/ that read a results database.
 *
 * Every query reads `runs r` in run_id order, with each field or metric a
 * correlated subquery on params or metrics (keyed by run_id and name).
 * Names and values from the user are bound, never pasted into SQL; the
 * only names pasted are runs' columns, from a fixed list.  Fields and
 * metrics are checked to exist before a query, so that a misspelt name
 * gets a message listing real ones rather than an empty plot.
 */
#ifndef HK_PLOT_QUERY_H
#define HK_PLOT_QUERY_H

#include <sqlite3.h>
#include <stdio.h>

#include "experiments/plot/plot_data.h"

#define HK_PLOT_MAX_BINDS (2 * HK_PLOT_MAX_WHERE + 4)

/* Formats the message into err; returns -1. */
int hk_plot_fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Column col of the current row as text, "" for NULL. */
const char *hk_plot_text(sqlite3_stmt *st, int col);

typedef struct hk_plot_sql {
    char *text;
    size_t size;
    FILE *f;
    const char *binds[HK_PLOT_MAX_BINDS];
    int nbinds;
} hk_plot_sql;

/* Starts an empty query text; -1 when out of memory. */
int hk_plot_sql_begin(hk_plot_sql *s, char *err, size_t len);

/* Ends the text and prepares it with its values bound; NULL on error. */
sqlite3_stmt *hk_plot_sql_prepare(sqlite3 *db, hk_plot_sql *s, char *err,
                                  size_t len);

/* The value of a field, or of a metric, of run r as an SQL expression. */
void hk_plot_sql_field(hk_plot_sql *s, const char *field);
void hk_plot_sql_metric(hk_plot_sql *s, const char *metric);

/* The series' field, or the single series' name. */
void hk_plot_sql_series(hk_plot_sql *s, const hk_plot_query *q);

/* " AND ..." for each of the query's filters. */
void hk_plot_sql_where(hk_plot_sql *s, const hk_plot_query *q);

/* " with FIELD=VALUE, ..." for messages, or "" without filters. */
void hk_plot_with_filters(const hk_plot_query *q, char *buf, size_t len);

/* 0 if the name is known to the database, else -1 with a message that
 * lists similar names.  check_query checks the query's own fields. */
int hk_plot_check_metric(sqlite3 *db, const char *metric, char *err,
                         size_t len);
int hk_plot_check_field(sqlite3 *db, const char *field, char *err,
                        size_t len);
int hk_plot_check_query(sqlite3 *db, const hk_plot_query *q, char *err,
                        size_t len);

#endif
