/*
 * plot_series.c - the medians and scatter plots of hk_plot_medians and
 * hk_plot_scatter (plot_data.h): rows of (series, x, y) from the
 * database, grouped into series and ordered for display.
 */
#include "experiments/plot/plot_series.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/common/stats.h"
#include "experiments/plot/plot_query.h"

/* ---- distinct values and their order ---- */

void hk_plot_values_free(hk_plot_values *vs)
{
    for (size_t i = 0; i < vs->n; i++)
        free(vs->v[i]);
    free(vs->v);
}

/* The index of s among the values, added if new; -1 when out of memory. */
long hk_plot_values_index(hk_plot_values *vs, const char *s)
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
int hk_plot_values_order(const hk_plot_values *vs, size_t *rank, size_t *order)
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
int hk_plot_add_series(hk_chart *c, const char *field,
                       const hk_plot_values *series, size_t *rank, char *err,
                       size_t len)
{
    size_t *order = malloc((series->n ? series->n : 1) * sizeof *order);
    int numeric = order ? hk_plot_values_order(series, rank, order) : -1;
    if (numeric < 0) {
        free(order);
        return hk_plot_fail(err, len, "out of memory");
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
            return hk_plot_fail(err, len, "out of memory");
        }
    }
    free(order);
    return 0;
}


/* ---- medians and scatter: rows of (series, x, y) ---- */

typedef struct row {
    size_t series, x;   /* indices into the table's hk_plot_values */
    double xv, y;       /* xv: x when it is a metric */
    bool baseline;      /* the run is the baseline's */
} row;

typedef struct table {
    hk_plot_values series, xs;
    row *rows;
    size_t n, cap;
} table;

static void table_free(table *t)
{
    hk_plot_values_free(&t->series);
    hk_plot_values_free(&t->xs);
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
    hk_plot_sql s;
    if (hk_plot_check_query(db, q, err, len) < 0 ||
        (x_metric ? hk_plot_check_metric(db, x, err, len)
                  : hk_plot_check_field(db, x, err, len)) < 0 ||
        hk_plot_check_metric(db, y, err, len) < 0 ||
        hk_plot_sql_begin(&s, err, len) < 0)
        return -1;
    fputs("SELECT s, x, y, b FROM (SELECT r.run_id AS id,"
          " r.baseline AS b, ", s.f);
    hk_plot_sql_series(&s, q);
    fputs(" AS s, ", s.f);
    if (x_metric)
        hk_plot_sql_metric(&s, x);
    else
        hk_plot_sql_field(&s, x);
    fputs(" AS x, ", s.f);
    hk_plot_sql_metric(&s, y);
    fputs(" AS y", s.f);
    hk_plot_sql_where(&s, q);
    fputs(") WHERE s IS NOT NULL AND x IS NOT NULL AND y IS NOT NULL"
          " ORDER BY id", s.f);
    sqlite3_stmt *st = hk_plot_sql_prepare(db, &s, err, len);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        row r = {.xv = sqlite3_column_double(st, 1),
                 .y = sqlite3_column_double(st, 2),
                 .baseline = sqlite3_column_int(st, 3) != 0};
        if (!isfinite(r.y) || (x_metric && !isfinite(r.xv)))
            continue;
        long si = hk_plot_values_index(&t->series, hk_plot_text(st, 0));
        long xi = x_metric ? 0
                           : hk_plot_values_index(&t->xs, hk_plot_text(st, 1));
        r.series = (size_t)si;
        r.x = (size_t)xi;
        if (si < 0 || xi < 0 || table_add(t, &r) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hk_plot_fail(err, len, "%s", rc == SQLITE_NOMEM
                                            ? "out of memory"
                                            : sqlite3_errmsg(db));
    if (t->n == 0) {
        char filters[512];
        hk_plot_with_filters(q, filters, sizeof filters);
        return hk_plot_fail(err, len, "no run has %s and %s%s%s%s", x, y,
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

/* The median y of n > 0 rows sorted by y. */
static double median(const row *r, size_t n)
{
    size_t lo, hi;
    hk_middle(n, &lo, &hi);
    return (r[lo].y + r[hi].y) / 2;
}

/* ---- runs that differ behind one point ---- */

/* The columns of runs that tell configurations apart, besides the
 * parameters. */
static const char *const config_columns[] = {"spec", "trace", "backend",
                                             "allocator"};

/* Appends ", NAME (V1, V2, ...)" for one field that varies. */
static void describe_varying(char *buf, size_t len, const char *name,
                             const char *values)
{
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s (%.80s%s)", used ? ", " : "",
             name, values, strlen(values) > 80 ? "..." : "");
}

/* The first value of a group_concat list, for the example in the
 * message. */
static void first_value(const char *values, char *buf, size_t len)
{
    size_t n = strcspn(values, ",");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), values);
}

int hk_plot_check_collapse(sqlite3 *db, const hk_plot_query *q,
                           const char *x, const char *y, const char *split,
                           char *err, size_t len)
{
    hk_plot_sql s;
    if (hk_plot_sql_begin(&s, err, len) < 0)
        return -1;
    fputs("WITH c AS (SELECT r.run_id AS id, r.spec AS spec, r.trace AS"
          " trace, r.backend AS backend, r.allocator AS allocator, ", s.f);
    hk_plot_sql_series(&s, q);
    fputs(" AS s, ", s.f);
    hk_plot_sql_field(&s, x);
    fputs(" AS x, ", s.f);
    hk_plot_sql_metric(&s, y);
    fputs(" AS y", s.f);
    hk_plot_sql_where(&s, q);
    fputs("), k AS (SELECT * FROM c WHERE s IS NOT NULL AND x IS NOT NULL"
          " AND y IS NOT NULL), f AS (SELECT k.s, k.x, p.name AS name,"
          " p.value AS value FROM k JOIN params p ON p.run_id = k.id", s.f);
    for (size_t i = 0; i < sizeof config_columns / sizeof *config_columns;
         i++)
        fprintf(s.f, " UNION ALL SELECT s, x, '%s', %s FROM k",
                config_columns[i], config_columns[i]);
    fputs(") SELECT name, group_concat(DISTINCT value) FROM f WHERE name IN"
          " (SELECT name FROM f GROUP BY s, x, name"
          " HAVING count(DISTINCT value) > 1) GROUP BY name ORDER BY"
          " name IN ('spec', 'trace', 'backend', 'allocator') DESC, name",
          s.f);
    sqlite3_stmt *st = hk_plot_sql_prepare(db, &s, err, len);
    if (!st)
        return -1;
    char varying[600] = "", example[160] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = hk_plot_text(st, 0);
        if (!strcmp(name, x) || (q->series && !strcmp(name, q->series)))
            continue;
        describe_varying(varying, sizeof varying, name, hk_plot_text(st, 1));
        if (!example[0]) {
            char value[64];
            first_value(hk_plot_text(st, 1), value, sizeof value);
            snprintf(example, sizeof example, "%s=%s", name, value);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hk_plot_fail(err, len, "%s", sqlite3_errmsg(db));
    if (!varying[0])
        return 0;
    return hk_plot_fail(err, len,
                        "the runs behind each point would mix %s: keep one "
                        "value of each with --where (e.g. --where %s), or "
                        "split by one with %s",
                        varying, example, split);
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
        (numeric = hk_plot_values_order(&t.xs, xrank, xorder)) < 0) {
        hk_plot_fail(err, len, "out of memory");
        goto out;
    }
    if (hk_plot_add_series(c, q->series, &t.series, srank, err, len) < 0)
        goto out;
    categorical = categorical || !numeric;
    for (size_t k = 0; categorical && k < t.xs.n; k++)
        if (hk_chart_add_category(c, t.xs.v[xorder[k]]) < 0) {
            hk_plot_fail(err, len, "out of memory");
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
        bool baseline = false;
        for (size_t i = a; i < b; i++)
            baseline = baseline || t.rows[i].baseline;
        if (hk_chart_add_range(&c->series[t.rows[a].series], xv,
                               median(&t.rows[a], b - a), t.rows[a].y,
                               t.rows[b - 1].y, baseline) < 0) {
            hk_plot_fail(err, len, "out of memory");
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
        hk_plot_fail(err, len, "out of memory");
        goto out;
    }
    if (hk_plot_add_series(c, q->series, &t.series, srank, err, len) < 0)
        goto out;
    for (size_t i = 0; i < t.n; i++) {
        const row *r = &t.rows[i];
        hk_chart_series *s = &c->series[srank[r->series]];
        if (hk_chart_add_point(s, r->xv, r->y) < 0) {
            hk_plot_fail(err, len, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    free(srank);
    table_free(&t);
    return rc;
}

