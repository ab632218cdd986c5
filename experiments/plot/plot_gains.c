/*
 * plot_gains.c - predicted against measured (hk_plot_predicted,
 * plot_data.h): samples of sim and real runs grouped into
 * configurations, as gains over their baseline or as values.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/common/stats.h"
#include "experiments/plot/plot_query.h"
#include "experiments/plot/plot_series.h"
#include "experiments/plot/plot_units.h"

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
    hk_plot_values series;
    hk_plot_values shared;  /* parameters both backends' runs have */
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
    hk_plot_values_free(&ss->series);
    hk_plot_values_free(&ss->shared);
}

/* The parameters that runs of both backends carry: a simulation also has
 * the simulated machine's settings, a real run the replay engine's, and
 * neither tells configurations apart across the two. */
static int shared_params(sqlite3 *db, hk_plot_values *out, char *err,
                         size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT p.name FROM params p JOIN runs r"
                           " ON r.run_id = p.run_id WHERE r.backend = 'sim'"
                           " INTERSECT SELECT p.name FROM params p JOIN runs"
                           " r ON r.run_id = p.run_id WHERE r.backend ="
                           " 'real'", -1, &st, NULL) != SQLITE_OK)
        return hk_plot_fail(err, len, "%s", sqlite3_errmsg(db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (hk_plot_values_index(out, hk_plot_text(st, 0)) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return hk_plot_fail(err, len, "%s", rc == SQLITE_NOMEM
                                            ? "out of memory"
                                            : sqlite3_errmsg(db));
    return 0;
}

static bool is_shared(const hk_plot_values *shared, const char *name)
{
    for (size_t i = 0; i < shared->n; i++)
        if (!strcmp(shared->v[i], name))
            return true;
    return false;
}

/* The configuration key of the run in `run`'s current row (id, ...,
 * spec, trace, allocator in columns 0 and 4 to 6): its spec, trace and
 * allocator, then each of its parameters (read with `params`) that both
 * backends' runs have (but the calibration's and the TLB's), as name and
 * value, all set apart by control characters.  NULL when out of memory
 * or on error. */
static char *config_key(sqlite3_stmt *run, sqlite3_stmt *params,
                        const hk_plot_values *shared, size_t *group_len)
{
    char *key = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&key, &size);
    if (!f)
        return NULL;
    fprintf(f, "%s\x1f%s\x1f%s\x1f", hk_plot_text(run, 4),
            hk_plot_text(run, 5), hk_plot_text(run, 6));
    fflush(f);
    *group_len = size;
    sqlite3_reset(params);
    sqlite3_bind_int64(params, 1, sqlite3_column_int64(run, 0));
    int rc;
    while ((rc = sqlite3_step(params)) == SQLITE_ROW) {
        const char *name = hk_plot_text(params, 0);
        /* What priced a prediction and the simulated TLB (the
         * calibration's geometry, say), not the configuration: a real
         * run has the machine's. */
        if (!strncmp(name, "calibration", strlen("calibration")) ||
            !strncmp(name, "tlb", strlen("tlb")) || !is_shared(shared, name))
            continue;
        fprintf(f, "%s\x1e%s\x1f", name, hk_plot_text(params, 1));
    }
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
    hk_plot_sql s;
    if (hk_plot_check_query(db, q, err, len) < 0 ||
        hk_plot_check_metric(db, v->predicted, err, len) < 0 ||
        hk_plot_check_metric(db, v->measured, err, len) < 0 ||
        shared_params(db, &ss->shared, err, len) < 0 ||
        hk_plot_sql_begin(&s, err, len) < 0)
        return -1;
    fputs("SELECT id, sim, baseline, s, spec, trace, allocator, v FROM ("
          "SELECT r.run_id AS id, r.backend = 'sim' AS sim,"
          " r.baseline AS baseline, ", s.f);
    hk_plot_sql_series(&s, q);
    fputs(" AS s, r.spec AS spec, r.trace AS trace,"
          " r.allocator AS allocator, CASE r.backend WHEN 'sim' THEN ", s.f);
    hk_plot_sql_metric(&s, v->predicted);
    fputs(" WHEN 'real' THEN ", s.f);
    hk_plot_sql_metric(&s, v->measured);
    fputs(" END AS v", s.f);
    hk_plot_sql_where(&s, q);
    fputs(") WHERE s IS NOT NULL AND v IS NOT NULL ORDER BY id", s.f);
    sqlite3_stmt *st = hk_plot_sql_prepare(db, &s, err, len), *params = NULL;
    if (!st)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT name, value FROM params"
                           " WHERE run_id = ?1 ORDER BY name", -1, &params,
                           NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return hk_plot_fail(err, len, "%s", sqlite3_errmsg(db));
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sample one = {.sim = sqlite3_column_int(st, 1),
                      .baseline = sqlite3_column_int(st, 2),
                      .v = sqlite3_column_double(st, 7)};
        if (!isfinite(one.v))
            continue;
        long si = hk_plot_values_index(&ss->series, hk_plot_text(st, 3));
        one.key = config_key(st, params, &ss->shared, &one.group_len);
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
        return hk_plot_fail(err, len, "%s", rc == SQLITE_NOMEM
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

/* The median value of n > 0 samples sorted by value. */
static double sample_median(const sample *s, size_t n)
{
    size_t lo, hi;
    hk_middle(n, &lo, &hi);
    return (s[lo].v + s[hi].v) / 2;
}

/* One config per key with both sim and real samples, in key order (so
 * that the configs of a spec, trace and allocator are adjacent). */
static int make_configs(samples *ss, char *err, size_t len)
{
    qsort(ss->s, ss->n, sizeof *ss->s, by_key);
    ss->configs = malloc((ss->n ? ss->n : 1) * sizeof *ss->configs);
    if (!ss->configs)
        return hk_plot_fail(err, len, "out of memory");
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

/* value's gain over base: above 1 is better.  A rate is the inverse of a
 * time. */
static double gain(const char *metric, double base, double value)
{
    return hk_plot_is_rate(metric) ? hk_speedup(1 / base, 1 / value)
                                   : hk_speedup(base, value);
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
            if (hk_chart_add_range(&c->series[srank[k->series]], x, y, y, y,
                                   k->baseline) < 0)
                return -1;
        }
    }
    return 0;
}

/* Points of the values themselves, times in one unit. */
static int plot_values(const samples *ss, hk_plot_versus *v,
                       const size_t *srank, hk_chart *c)
{
    double px = hk_plot_seconds_per_unit(v->measured);
    double py = hk_plot_seconds_per_unit(v->predicted);
    double scale_x = 1, scale_y = 1;
    v->unit = NULL;
    if (px > 0 && py > 0) {
        double most = 0, per_second;
        for (size_t i = 0; i < ss->nconfigs; i++)
            most = fmax(most, fmax(ss->configs[i].measured * px,
                                   ss->configs[i].predicted * py));
        v->unit = hk_plot_time_unit(most, &per_second);
        scale_x = px * per_second;
        scale_y = py * per_second;
    }
    for (size_t i = 0; i < ss->nconfigs; i++) {
        const config *k = &ss->configs[i];
        double x = k->measured * scale_x, y = k->predicted * scale_y;
        if (hk_chart_add_range(&c->series[srank[k->series]], x, y, y, y,
                               k->baseline) < 0)
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
        hk_plot_with_filters(q, filters, sizeof filters);
        hk_plot_fail(err, len,
                     "no configuration has both sim runs with %s and real"
                     " runs with %s%s",
                     v->predicted, v->measured, filters);
        goto out;
    }
    bool baseline = false;
    for (size_t i = 0; i < ss.nconfigs; i++)
        baseline = baseline || ss.configs[i].baseline;
    v->gains = v->gains && baseline;
    if (!(srank = malloc(ss.series.n * sizeof *srank))) {
        hk_plot_fail(err, len, "out of memory");
        goto out;
    }
    if (hk_plot_add_series(c, q->series, &ss.series, srank, err, len) < 0)
        goto out;
    if ((v->gains ? plot_gains(&ss, v, srank, c)
                  : plot_values(&ss, v, srank, c)) < 0) {
        hk_plot_fail(err, len, "out of memory");
        goto out;
    }
    if (v->left_out == ss.nconfigs) {
        hk_plot_fail(err, len, "no configuration has a baseline with both sim"
                               " and real runs to compare with");
        goto out;
    }
    hk_chart_drop_empty_series(c);
    rc = 0;
out:
    free(srank);
    samples_free(&ss);
    return rc;
}

