/*
 * plot_data.c - the queries behind plots, and the grouping, ordering and
 * medians that turn their rows into a chart's series.
 *
 * Every query reads `runs r` in run_id order, with each field or metric a
 * correlated subquery on params or metrics (keyed by run_id and name).
 * Names and values from the user are bound, never pasted into SQL; the
 * only names pasted are runs' columns, from the fixed list below.  Fields
 * and metrics are checked to exist before a query, so that a misspelt
 * name gets a message listing real ones rather than an empty plot.
 */
#include "plot_data.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_BINDS (2 * HK_PLOT_MAX_WHERE + 4)

static const char *const run_columns[] = {
    "spec", "trace", "trace_checksum", "backend", "allocator",
    "rep", "baseline", "version", "host",
};

static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *text_or_empty(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? (const char *)s : "";
}

/* ---- building queries ---- */

typedef struct sql {
    char *text;
    size_t size;
    FILE *f;
    const char *binds[MAX_BINDS];
    int nbinds;
} sql;

static int sql_begin(sql *s, char *err, size_t len)
{
    memset(s, 0, sizeof *s);
    s->f = open_memstream(&s->text, &s->size);
    return s->f ? 0 : fail(err, len, "out of memory");
}

static void sql_bind(sql *s, const char *value)
{
    s->binds[s->nbinds++] = value;
}

/* Ends the text and prepares it with its values bound; NULL on error. */
static sqlite3_stmt *sql_prepare(sqlite3 *db, sql *s, char *err, size_t len)
{
    sqlite3_stmt *st = NULL;
    if (fclose(s->f) != 0) {
        free(s->text);
        fail(err, len, "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v2(db, s->text, -1, &st, NULL) != SQLITE_OK)
        fail(err, len, "%s", sqlite3_errmsg(db));
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

static void sql_field(sql *s, const char *field)
{
    if (is_run_column(field)) {
        fprintf(s->f, "r.%s", field);
        return;
    }
    fputs("(SELECT value FROM params p"
          " WHERE p.run_id = r.run_id AND p.name = ?)", s->f);
    sql_bind(s, field);
}

static void sql_metric(sql *s, const char *metric)
{
    fputs("(SELECT value FROM metrics m"
          " WHERE m.run_id = r.run_id AND m.name = ?)", s->f);
    sql_bind(s, metric);
}

/* The series' field, or the single series' name. */
static void sql_series(sql *s, const hk_plot_query *q)
{
    if (q->series) {
        sql_field(s, q->series);
    } else {
        fputs("?", s->f);
        sql_bind(s, q->single);
    }
}

static void sql_where(sql *s, const hk_plot_query *q)
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
static void with_filters(const hk_plot_query *q, char *buf, size_t len)
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
                                 used ? ", " : "", text_or_empty(st, 0));
    sqlite3_finalize(st);
}

static int check_metric(sqlite3 *db, const char *metric, char *err,
                        size_t len)
{
    int found = exists(db, "SELECT 1 FROM metrics WHERE name = ?1 LIMIT 1",
                       metric);
    if (found < 0)
        return fail(err, len, "%s", sqlite3_errmsg(db));
    if (found)
        return 0;
    char names[512];
    some_names(db, "metrics", metric, names, sizeof names);
    return fail(err, len, "no metric '%s' in the database; metrics include"
                " %s", metric, names);
}

static int check_field(sqlite3 *db, const char *field, char *err,
                       size_t len)
{
    if (is_run_column(field))
        return 0;
    int found = exists(db, "SELECT 1 FROM params WHERE name = ?1 LIMIT 1",
                       field);
    if (found < 0)
        return fail(err, len, "%s", sqlite3_errmsg(db));
    if (found)
        return 0;
    char names[512];
    some_names(db, "params", field, names, sizeof names);
    return fail(err, len, "no parameter '%s' in the database, nor a column"
                " of runs; parameters include %s", field, names);
}

static int check_query(sqlite3 *db, const hk_plot_query *q, char *err,
                       size_t len)
{
    if (q->nwhere > HK_PLOT_MAX_WHERE)
        return fail(err, len, "more than %d filters", HK_PLOT_MAX_WHERE);
    if (q->series && check_field(db, q->series, err, len) < 0)
        return -1;
    for (size_t i = 0; i < q->nwhere; i++)
        if (check_field(db, q->where[i].field, err, len) < 0)
            return -1;
    return 0;
}

sqlite3 *hk_plot_open(const char *path, char *err, size_t len)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fail(err, len, "cannot open %s: %s", path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT runs.run_id, params.value,"
                           " metrics.value FROM runs, params, metrics",
                           -1, &st, NULL) != SQLITE_OK) {
        fail(err, len, "%s is not a results database: %s", path,
             sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_finalize(st);
    return db;
}

/* ---- distinct values and their order ---- */

typedef struct values {
    char **v;
    size_t n;
} values;

static void values_free(values *vs)
{
    for (size_t i = 0; i < vs->n; i++)
        free(vs->v[i]);
    free(vs->v);
}

/* The index of s among the values, added if new; -1 when out of memory. */
static long values_index(values *vs, const char *s)
{
    for (size_t i = 0; i < vs->n; i++)
        if (!strcmp(vs->v[i], s))
            return (long)i;
    char **grown = realloc(vs->v, (vs->n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    vs->v = grown;
    if (!(grown[vs->n] = strdup(s)))
        return -1;
    return (long)vs->n++;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && isfinite(*out);
}

typedef struct ranked {
    double number;
    size_t index;
} ranked;

static int by_number(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Display order: ascending if every value is a number, else the order the
 * values were added in.  Fills rank[value] and order[position]; returns
 * whether the values are numbers, or -1 when out of memory. */
static int values_order(const values *vs, size_t *rank, size_t *order)
{
    ranked *r = malloc((vs->n ? vs->n : 1) * sizeof *r);
    if (!r)
        return -1;
    bool numeric = true;
    for (size_t i = 0; i < vs->n; i++) {
        r[i].index = i;
        numeric = numeric && parse_number(vs->v[i], &r[i].number);
    }
    if (numeric)
        qsort(r, vs->n, sizeof *r, by_number);
    for (size_t k = 0; k < vs->n; k++) {
        order[k] = r[k].index;
        rank[r[k].index] = k;
    }
    free(r);
    return numeric;
}

/* Adds the chart's series in display order, so that series k of the chart
 * is the value of rank k; fills rank.  Numbers are labelled with their
 * field ("prewarm=4"), which a bare "4" in a legend would not say. */
static int add_series(hk_chart *c, const char *field, const values *series,
                      size_t *rank, char *err, size_t len)
{
    size_t *order = malloc((series->n ? series->n : 1) * sizeof *order);
    int numeric = order ? values_order(series, rank, order) : -1;
    if (numeric < 0) {
        free(order);
        return fail(err, len, "out of memory");
    }
    for (size_t k = 0; k < series->n; k++) {
        const char *value = series->v[order[k]];
        char label[256];
        if (numeric && field)
            snprintf(label, sizeof label, "%s=%s", field, value);
        else
            snprintf(label, sizeof label, "%s", value);
        if (!hk_chart_series_named(c, label)) {
            free(order);
            return fail(err, len, "out of memory");
        }
    }
    free(order);
    return 0;
}

/* ---- medians and scatter: rows of (series, x, y) ---- */

typedef struct row {
    size_t series, x;   /* indices into the table's values */
    double xv, y;       /* xv: x when it is a metric */
} row;

typedef struct table {
    values series, xs;
    row *rows;
    size_t n, cap;
} table;

static void table_free(table *t)
{
    values_free(&t->series);
    values_free(&t->xs);
    free(t->rows);
}

static int table_add(table *t, const row *r)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        row *grown = realloc(t->rows, cap * sizeof *grown);
        if (!grown)
            return -1;
        t->rows = grown;
        t->cap = cap;
    }
    t->rows[t->n++] = *r;
    return 0;
}

/* Reads (series, x, y) of every matching run into t: x is a field, or a
 * metric when x_metric is set; y a metric. */
static int fetch(sqlite3 *db, const hk_plot_query *q, const char *x,
                 bool x_metric, const char *y, table *t, char *err,
                 size_t len)
{
    sql s;
    if (check_query(db, q, err, len) < 0 ||
        (x_metric ? check_metric(db, x, err, len)
                  : check_field(db, x, err, len)) < 0 ||
        check_metric(db, y, err, len) < 0 || sql_begin(&s, err, len) < 0)
        return -1;
    fputs("SELECT s, x, y FROM (SELECT r.run_id AS id, ", s.f);
    sql_series(&s, q);
    fputs(" AS s, ", s.f);
    if (x_metric)
        sql_metric(&s, x);
    else
        sql_field(&s, x);
    fputs(" AS x, ", s.f);
    sql_metric(&s, y);
    fputs(" AS y", s.f);
    sql_where(&s, q);
    fputs(") WHERE s IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL"
          " ORDER BY id", s.f);
    sqlite3_stmt *st = sql_prepare(db, &s, err, len);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row r = {.xv = sqlite3_column_double(st, 1),
                 .y = sqlite3_column_double(st, 2)};
        if (!isfinite(r.y) || (x_metric && !isfinite(r.xv)))
            continue;
        long si = values_index(&t->series, text_or_empty(st, 0));
        long xi = x_metric ? 0 : values_index(&t->xs, text_or_empty(st, 1));
        r.series = (size_t)si;
        r.x = (size_t)xi;
        if (si < 0 || xi < 0 || table_add(t, &r) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(err, len, "%s", rc == SQLITE_NOMEM
                                            ? "out of memory"
                                            : sqlite3_errmsg(db));
    if (t->n == 0) {
        char filters[512];
        with_filters(q, filters, sizeof filters);
        return fail(err, len, "no run has %s and %s%s%s%s", x, y,
                    q->series ? " and " : "", q->series ? q->series : "",
                    filters);
    }
    return 0;
}

static int by_cell(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->series != y->series)
        return x->series < y->series ? -1 : 1;
    if (x->x != y->x)
        return x->x < y->x ? -1 : 1;
    return x->y < y->y ? -1 : x->y > y->y;
}

/* The median y of rows sorted by y. */
static double median(const row *r, size_t n)
{
    return n % 2 ? r[n / 2].y : (r[n / 2 - 1].y + r[n / 2].y) / 2;
}

int hk_plot_medians(sqlite3 *db, const hk_plot_query *q, const char *x,
                    const char *y, bool categorical, hk_chart *c, char *err,
                    size_t len)
{
    table t = {0};
    size_t *srank = NULL, *xrank = NULL, *xorder = NULL;
    int numeric, rc = fetch(db, q, x, false, y, &t, err, len);
    if (rc < 0)
        goto out;
    rc = -1;
    srank = malloc(t.series.n * sizeof *srank);
    xrank = malloc(t.xs.n * sizeof *xrank);
    xorder = malloc(t.xs.n * sizeof *xorder);
    if (!srank || !xrank || !xorder ||
        (numeric = values_order(&t.xs, xrank, xorder)) < 0) {
        fail(err, len, "out of memory");
        goto out;
    }
    if (add_series(c, q->series, &t.series, srank, err, len) < 0)
        goto out;
    categorical = categorical || !numeric;
    for (size_t k = 0; categorical && k < t.xs.n; k++)
        if (hk_chart_add_category(c, t.xs.v[xorder[k]]) < 0) {
            fail(err, len, "out of memory");
            goto out;
        }
    for (size_t i = 0; i < t.n; i++) {
        t.rows[i].series = srank[t.rows[i].series];
        t.rows[i].x = xrank[t.rows[i].x];
    }
    qsort(t.rows, t.n, sizeof *t.rows, by_cell);
    for (size_t a = 0, b; a < t.n; a = b) {
        for (b = a + 1; b < t.n && t.rows[b].series == t.rows[a].series &&
                        t.rows[b].x == t.rows[a].x;
             b++)
            ;
        double xv = (double)t.rows[a].x;
        if (!categorical)
            parse_number(t.xs.v[xorder[t.rows[a].x]], &xv);
        if (hk_chart_add_point(&c->series[t.rows[a].series], xv,
                               median(&t.rows[a], b - a)) < 0) {
            fail(err, len, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    free(srank);
    free(xrank);
    free(xorder);
    table_free(&t);
    return rc;
}

int hk_plot_scatter(sqlite3 *db, const hk_plot_query *q, const char *x,
                    const char *y, hk_chart *c, char *err, size_t len)
{
    table t = {0};
    size_t *srank = NULL;
    int rc = fetch(db, q, x, true, y, &t, err, len);
    if (rc < 0)
        goto out;
    rc = -1;
    if (!(srank = malloc(t.series.n * sizeof *srank))) {
        fail(err, len, "out of memory");
        goto out;
    }
    if (add_series(c, q->series, &t.series, srank, err, len) < 0)
        goto out;
    for (size_t i = 0; i < t.n; i++) {
        const row *r = &t.rows[i];
        hk_chart_series *s = &c->series[srank[r->series]];
        if (hk_chart_add_point(s, r->xv, r->y) < 0) {
            fail(err, len, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    free(srank);
    table_free(&t);
    return rc;
}

/* ---- predicted against measured ---- */

/* One run's predicted (sim) or measured (real) value, and its
 * configuration. */
typedef struct sample {
    char *key;          /* spec, trace, allocator, then every parameter */
    size_t group_len;   /* key[0..group_len): spec, trace and allocator */
    size_t series;
    bool sim, baseline;
    double v;
} sample;

typedef struct config {
    const char *key;
    size_t group_len, series;
    bool baseline;
    double predicted, measured;
} config;

typedef struct samples {
    values series;
    sample *s;
    size_t n, cap;
    config *configs;
    size_t nconfigs;
} samples;

static void samples_free(samples *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        free(ss->s[i].key);
    free(ss->s);
    free(ss->configs);
    values_free(&ss->series);
}

/* The configuration key of the run in `run`'s current row (id, ...,
 * spec, trace, allocator in columns 0 and 4 to 6): its spec, trace and
 * allocator, then each of its parameters (read with `params`) as name and
 * value, all set apart by control characters.  NULL when out of memory or
 * on error. */
static char *config_key(sqlite3_stmt *run, sqlite3_stmt *params,
                        size_t *group_len)
{
    char *key = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&key, &size);
    if (!f)
        return NULL;
    fprintf(f, "%s\x1f%s\x1f%s\x1f", text_or_empty(run, 4),
            text_or_empty(run, 5), text_or_empty(run, 6));
    fflush(f);
    *group_len = size;
    sqlite3_reset(params);
    sqlite3_bind_int64(params, 1, sqlite3_column_int64(run, 0));
    int rc;
    while ((rc = sqlite3_step(params)) == SQLITE_ROW)
        fprintf(f, "%s\x1e%s\x1f", text_or_empty(params, 0),
                text_or_empty(params, 1));
    if (fclose(f) != 0 || rc != SQLITE_DONE) {
        free(key);
        return NULL;
    }
    return key;
}

static int samples_add(samples *ss, const sample *s)
{
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? 2 * ss->cap : 64;
        sample *grown = realloc(ss->s, cap * sizeof *grown);
        if (!grown)
            return -1;
        ss->s = grown;
        ss->cap = cap;
    }
    ss->s[ss->n++] = *s;
    return 0;
}

static int fetch_samples(sqlite3 *db, const hk_plot_query *q,
                         const hk_plot_versus *v, samples *ss, char *err,
                         size_t len)
{
    sql s;
    if (check_query(db, q, err, len) < 0 ||
        check_metric(db, v->predicted, err, len) < 0 ||
        check_metric(db, v->measured, err, len) < 0 ||
        sql_begin(&s, err, len) < 0)
        return -1;
    fputs("SELECT id, sim, baseline, s, spec, trace, allocator, v FROM ("
          "SELECT r.run_id AS id, r.backend = 'sim' AS sim,"
          " r.baseline AS baseline, ", s.f);
    sql_series(&s, q);
    fputs(" AS s, r.spec AS spec, r.trace AS trace,"
          " r.allocator AS allocator, CASE r.backend WHEN 'sim' THEN ", s.f);
    sql_metric(&s, v->predicted);
    fputs(" WHEN 'real' THEN ", s.f);
    sql_metric(&s, v->measured);
    fputs(" END AS v", s.f);
    sql_where(&s, q);
    fputs(") WHERE s IS NOT NULL AND v IS NOT NULL ORDER BY id", s.f);
    sqlite3_stmt *st = sql_prepare(db, &s, err, len), *params = NULL;
    if (!st)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT name, value FROM params"
                           " WHERE run_id = ?1 ORDER BY name", -1, &params,
                           NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return fail(err, len, "%s", sqlite3_errmsg(db));
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sample one = {.sim = sqlite3_column_int(st, 1),
                      .baseline = sqlite3_column_int(st, 2),
                      .v = sqlite3_column_double(st, 7)};
        if (!isfinite(one.v))
            continue;
        long si = values_index(&ss->series, text_or_empty(st, 3));
        one.key = config_key(st, params, &one.group_len);
        one.series = (size_t)si;
        if (si < 0 || !one.key || samples_add(ss, &one) < 0) {
            free(one.key);
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(params);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(err, len, "%s", rc == SQLITE_NOMEM
                                            ? "out of memory"
                                            : sqlite3_errmsg(db));
    return 0;
}

static int by_key(const void *a, const void *b)
{
    const sample *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->sim != y->sim)
        return x->sim ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

static double sample_median(const sample *s, size_t n)
{
    return n % 2 ? s[n / 2].v : (s[n / 2 - 1].v + s[n / 2].v) / 2;
}

/* One config per key with both sim and real samples, in key order (so
 * that the configs of a spec, trace and allocator are adjacent). */
static int make_configs(samples *ss, char *err, size_t len)
{
    qsort(ss->s, ss->n, sizeof *ss->s, by_key);
    ss->configs = malloc((ss->n ? ss->n : 1) * sizeof *ss->configs);
    if (!ss->configs)
        return fail(err, len, "out of memory");
    for (size_t a = 0, b; a < ss->n; a = b) {
        size_t sims = 0;
        bool baseline = false;
        for (b = a; b < ss->n && !strcmp(ss->s[a].key, ss->s[b].key); b++) {
            sims += ss->s[b].sim;
            baseline = baseline || ss->s[b].baseline;
        }
        if (sims == 0 || sims == b - a)
            continue;
        ss->configs[ss->nconfigs++] = (config){
            .key = ss->s[a].key,
            .group_len = ss->s[a].group_len,
            .series = ss->s[a].series,
            .baseline = baseline,
            .predicted = sample_median(&ss->s[a], sims),
            .measured = sample_median(&ss->s[a + sims], b - a - sims),
        };
    }
    return 0;
}

static bool same_group(const config *a, const config *b)
{
    return a->group_len == b->group_len &&
           !memcmp(a->key, b->key, a->group_len);
}

static bool is_rate(const char *metric)
{
    size_t n = strlen(metric);
    return n >= 5 && !strcmp(metric + n - 5, "per_s");
}

/* value's gain over base: above 1 is better. */
static double gain(const char *metric, double base, double value)
{
    return is_rate(metric) ? value / base : base / value;
}

static const struct {
    const char *name;
    double seconds;
} time_units[] = {{"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}};

/* Seconds per unit of a time metric, 0 if it is not one. */
static double seconds_per_unit(const char *metric)
{
    const char *sep = strrchr(metric, '.'), *under = strrchr(metric, '_');
    if (!sep || (under && under > sep))
        sep = under;
    if (!sep || is_rate(metric))
        return 0;
    for (size_t i = 0; i < COUNT(time_units); i++)
        if (!strcmp(sep + 1, time_units[i].name))
            return time_units[i].seconds;
    return 0;
}

/* Points of gains over each group's baseline configuration. */
static int plot_gains(const samples *ss, hk_plot_versus *v,
                      const size_t *srank, hk_chart *c)
{
    for (size_t a = 0, b; a < ss->nconfigs; a = b) {
        const config *base = NULL;
        for (b = a; b < ss->nconfigs &&
                    same_group(&ss->configs[a], &ss->configs[b]);
             b++)
            if (ss->configs[b].baseline && !base)
                base = &ss->configs[b];
        for (size_t i = a; i < b; i++) {
            const config *k = &ss->configs[i];
            double x = base ? gain(v->measured, base->measured, k->measured)
                            : NAN;
            double y = base ? gain(v->predicted, base->predicted,
                                   k->predicted)
                            : NAN;
            if (!isfinite(x) || !isfinite(y) || x <= 0 || y <= 0) {
                v->left_out++;
                continue;
            }
            if (hk_chart_add_point(&c->series[srank[k->series]], x, y) < 0)
                return -1;
        }
    }
    return 0;
}

/* Points of the values themselves, times in one unit. */
static int plot_values(const samples *ss, hk_plot_versus *v,
                       const size_t *srank, hk_chart *c)
{
    double px = seconds_per_unit(v->measured);
    double py = seconds_per_unit(v->predicted);
    double scale_x = 1, scale_y = 1;
    v->unit = NULL;
    if (px > 0 && py > 0) {
        double most = 0;
        for (size_t i = 0; i < ss->nconfigs; i++)
            most = fmax(most, fmax(ss->configs[i].measured * px,
                                   ss->configs[i].predicted * py));
        size_t u = 0;
        while (u + 1 < COUNT(time_units) && most < time_units[u].seconds)
            u++;
        v->unit = time_units[u].name;
        scale_x = px / time_units[u].seconds;
        scale_y = py / time_units[u].seconds;
    }
    for (size_t i = 0; i < ss->nconfigs; i++) {
        const config *k = &ss->configs[i];
        if (hk_chart_add_point(&c->series[srank[k->series]],
                               k->measured * scale_x,
                               k->predicted * scale_y) < 0)
            return -1;
    }
    return 0;
}

int hk_plot_predicted(sqlite3 *db, const hk_plot_query *q, hk_plot_versus *v,
                      hk_chart *c, char *err, size_t len)
{
    samples ss = {0};
    size_t *srank = NULL;
    int rc = -1;
    v->left_out = 0;
    if (fetch_samples(db, q, v, &ss, err, len) < 0 ||
        make_configs(&ss, err, len) < 0)
        goto out;
    if (ss.nconfigs == 0) {
        char filters[512];
        with_filters(q, filters, sizeof filters);
        fail(err, len, "no configuration has both sim runs with %s and real"
             " runs with %s%s", v->predicted, v->measured, filters);
        goto out;
    }
    bool baseline = false;
    for (size_t i = 0; i < ss.nconfigs; i++)
        baseline = baseline || ss.configs[i].baseline;
    v->gains = v->gains && baseline;
    if (!(srank = malloc(ss.series.n * sizeof *srank))) {
        fail(err, len, "out of memory");
        goto out;
    }
    if (add_series(c, q->series, &ss.series, srank, err, len) < 0)
        goto out;
    if ((v->gains ? plot_gains(&ss, v, srank, c)
                  : plot_values(&ss, v, srank, c)) < 0) {
        fail(err, len, "out of memory");
        goto out;
    }
    if (v->left_out == ss.nconfigs) {
        fail(err, len, "no configuration has a baseline with both sim and"
             " real runs to compare with");
        goto out;
    }
    hk_chart_drop_empty_series(c);
    rc = 0;
out:
    free(srank);
    samples_free(&ss);
    return rc;
}
