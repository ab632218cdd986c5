/*
 * result.c - gains, significance, sensitivity, the line to copy and the
 * warnings of a tune (result.h).
 */
#include "experiments/tune/result.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/common/stats.h"

__attribute__((format(printf, 2, 3)))
static int warn(hk_tune_result *t, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char **grown = realloc(t->warnings, (t->nwarnings + 1) * sizeof *grown);
    if (!grown)
        return -1;
    t->warnings = grown;
    if (!(t->warnings[t->nwarnings] = strdup(text)))
        return -1;
    t->nwarnings++;
    return 0;
}

void hk_tune_row_label(const hk_tune_result *t, const hk_tune_row *row,
                       char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t d = 0; d < t->r->nladders && used < len; d++) {
        const hk_ladder *l = &t->r->ladders[d];
        if (row->p.at[d] == l->def)
            continue;
        char value[32];
        hk_ladder_format(l, row->p.at[d], value, sizeof value);
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
                                 used ? " " : "", l->param->name, value);
    }
    if (!used)
        snprintf(buf, len, "defaults");
}

/* The geometric mean of the speedups over traces [from, to), minus 1;
 * NAN when a trace has no value. */
static double mean_gain(const double *gain, size_t from, size_t to)
{
    double s[HK_TUNE_MAX_TRACES];
    for (size_t i = from; i < to; i++)
        s[i - from] = gain[i] + 1;
    return to > from ? hk_geomean(s, to - from) - 1 : NAN;
}

static void gains(hk_tune_result *t, hk_tune_row *row)
{
    const hk_tune_row *def = &t->rows[0];
    for (size_t i = 0; i < t->ntraces; i++) {
        const hk_tune_measured *a = &def->meas[i], *b = &row->meas[i];
        row->pred_gain[i] = hk_gain(def->pred[i].time_ns,
                                    row->pred[i].time_ns);
        row->meas_gain[i] = a->runs && b->runs
                                ? hk_gain(a->median_s, b->median_s)
                                : NAN;
        row->significant[i] = b->pairs < HK_TUNE_SIGN_RUNS ? 0
                              : b->wins == b->pairs ? 1
                              : b->wins == 0 ? -1
                                             : 0;
    }
    row->pred_gain_train = mean_gain(row->pred_gain, 0, t->train);
    row->pred_gain_held = mean_gain(row->pred_gain, t->train, t->ntraces);
    row->meas_gain_train = mean_gain(row->meas_gain, 0, t->train);
    row->meas_gain_held = mean_gain(row->meas_gain, t->train, t->ntraces);
}

static void sensitivity(hk_tune_result *t)
{
    const hk_search *s = t->s;
    const hk_search_point *best = &s->points[s->best];
    const hk_tune_metrics *at_best = hk_tune_known(t->r, best);
    for (size_t d = 0; d < s->ndims; d++) {
        hk_tune_sens *x = &t->sens[d];
        x->ladder = &t->r->ladders[d];
        x->best = best->at[d];
        double lo = INFINITY, hi = -INFINITY;
        for (size_t v = 0; v < s->dims[d].n; v++) {
            const hk_tune_metrics *m =
                hk_tune_known(t->r, &s->points[s->line[d][v]]);
            double ratio[HK_TUNE_MAX_TRACES];
            for (size_t i = 0; i < t->train; i++)
                ratio[i] = hk_ratio(m[i].time_ns, at_best[i].time_ns);
            x->rel[v] = hk_geomean(ratio, t->train) - 1;
            lo = fmin(lo, x->rel[v]);
            if (x->rel[v] > hi) {
                hi = x->rel[v];
                x->worst = v;
            }
        }
        x->span = hi - lo;
    }
}

/* "#k" for a row, "defaults" for the first. */
static void row_name(size_t k, char *buf, size_t len)
{
    if (k == 0)
        snprintf(buf, len, "defaults");
    else
        snprintf(buf, len, "#%zu", k);
}

/* The rows measured on trace i, by predicted and by measured time; a
 * warning if the orders differ. */
static int check_ranking(hk_tune_result *t, size_t i)
{
    size_t by_pred[64], by_meas[64], n = 0;
    for (size_t k = 0; k < t->nrows && n < 64; k++)
        if (t->rows[k].meas[i].runs)
            by_pred[n] = by_meas[n] = k, n++;
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0; b--) {
            const hk_tune_row *r = t->rows;
            if (r[by_pred[b]].pred[i].time_ns <
                r[by_pred[b - 1]].pred[i].time_ns) {
                size_t tmp = by_pred[b];
                by_pred[b] = by_pred[b - 1];
                by_pred[b - 1] = tmp;
            }
            if (r[by_meas[b]].meas[i].median_s <
                r[by_meas[b - 1]].meas[i].median_s) {
                size_t tmp = by_meas[b];
                by_meas[b] = by_meas[b - 1];
                by_meas[b - 1] = tmp;
            }
        }
    if (!memcmp(by_pred, by_meas, n * sizeof *by_pred))
        return 0;
    char pred[256] = "", meas[256] = "", name[24];
    double spread = 0;
    for (size_t k = 0; k < n; k++) {
        row_name(by_pred[k], name, sizeof name);
        snprintf(pred + strlen(pred), sizeof pred - strlen(pred), "%s%s",
                 k ? " < " : "", name);
        row_name(by_meas[k], name, sizeof name);
        snprintf(meas + strlen(meas), sizeof meas - strlen(meas), "%s%s",
                 k ? " < " : "", name);
        spread = fmax(spread, t->rows[by_meas[k]].meas[i].spread);
    }
    return warn(t, "on %s the measured ranking (%s) differs from the "
                "predicted one (%s); the runs spread up to %.1f%%",
                t->r->spec.traces[i].name, meas, pred, 100 * spread);
}

static int make_command(hk_tune_result *t)
{
    const hk_tune_row *row = &t->rows[t->chosen];
    size_t len = strlen(t->lib) + 64;
    for (size_t d = 0; d < t->r->nladders; d++)
        len += strlen(t->r->ladders[d].param->name) + 48;
    if (!(t->command = malloc(len)))
        return -1;
    size_t used = 0;
    for (size_t d = 0; d < t->r->nladders; d++) {
        const hk_ladder *l = &t->r->ladders[d];
        if (row->p.at[d] == l->def)
            continue;
        char value[32];
        hk_ladder_format(l, row->p.at[d], value, sizeof value);
        used += (size_t)snprintf(t->command + used, len - used, "HAKMEM_");
        for (const char *c = l->param->name; *c; c++)
            t->command[used++] = (char)(*c >= 'a' && *c <= 'z' ? *c - 32
                                                               : *c);
        used += (size_t)snprintf(t->command + used, len - used, "=%s ",
                                 value);
    }
    snprintf(t->command + used, len - used, "LD_PRELOAD=%s PROGRAM",
             t->lib);
    return 0;
}

int hk_tune_result_finish(hk_tune_result *t)
{
    for (size_t k = 0; k < t->nrows; k++)
        gains(t, &t->rows[k]);
    sensitivity(t);
    if (make_command(t) < 0)
        return -1;
    const hk_search *s = t->s;
    if (!s->converged &&
        warn(t, "the budget ran out before the descent converged; a "
             "larger --budget may find better settings") < 0)
        return -1;
    if (s->over_budget &&
        warn(t, "%zu configurations past --budget were evaluated to "
             "finish the passes along the ladders", s->over_budget) < 0)
        return -1;
    for (size_t i = 0; t->confirm && i < t->ntraces; i++)
        if (check_ranking(t, i) < 0)
            return -1;
    const hk_tune_row *c = &t->rows[t->chosen];
    const hk_tune_row *d = &t->rows[0];
    for (size_t i = t->train; t->chosen && i < t->ntraces; i++)
        if (hk_objective_violation(t->o, &c->pred[i], &d->pred[i]) > 0 &&
            warn(t, "on the held-out trace %s the chosen settings break "
                 "the limits", t->r->spec.traces[i].name) < 0)
            return -1;
    return 0;
}

void hk_tune_result_free(hk_tune_result *t)
{
    for (size_t i = 0; i < t->nwarnings; i++)
        free(t->warnings[i]);
    free(t->warnings);
    free(t->command);
    free(t->rows);
    t->warnings = NULL;
    t->command = NULL;
    t->rows = NULL;
}
