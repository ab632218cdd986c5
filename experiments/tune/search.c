/*
 * search.c - coarse design, pattern-search descent and line passes
 * (search.h).
 *
 * Points are found again by a linear scan: a search evaluates hundreds
 * of points, each costing a simulation, so the scan never shows.  Ties
 * are broken by the number of dimensions off their default and last by
 * the points' values, so the whole search is a function of the scores
 * alone and a rerun (a resumed tune) takes exactly the same steps.
 */
#include "experiments/tune/search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/tune/design.h"

/* The first step of the descent, in rungs: the coarse rungs are about
 * three to four apart, so a step of two lands between them. */
#define FIRST_STEP 2

typedef struct run {
    hk_search *s;
    hk_search_fn fn;
    void *ctx;
    size_t limit;       /* points the descent may reach */
    char *err;
    size_t errlen;
} run;

static int same(double a, double b)
{
    return a == b || fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

static size_t off_default(const hk_search *s, const hk_search_point *p)
{
    size_t n = 0;
    for (size_t d = 0; d < s->ndims; d++)
        n += p->at[d] != s->dims[d].def;
    return n;
}

int hk_search_cmp(const hk_search *s, size_t a, size_t b)
{
    const hk_search_value *x = &s->values[a], *y = &s->values[b];
    if (!same(x->violation, y->violation))
        return x->violation < y->violation ? -1 : 1;
    if (!same(x->score, y->score))
        return x->score < y->score ? -1 : 1;
    if (!same(x->tiebreak, y->tiebreak))
        return x->tiebreak < y->tiebreak ? -1 : 1;
    size_t da = off_default(s, &s->points[a]);
    size_t db = off_default(s, &s->points[b]);
    if (da != db)
        return da < db ? -1 : 1;
    return memcmp(s->points[a].at, s->points[b].at, s->ndims);
}

size_t hk_search_find(const hk_search *s, const hk_search_point *p)
{
    for (size_t i = 0; i < s->n; i++)
        if (!memcmp(s->points[i].at, p->at, sizeof p->at))
            return i;
    return SIZE_MAX;
}

hk_search_point hk_search_defaults(const hk_search *s)
{
    hk_search_point p = {{0}};
    for (size_t d = 0; d < s->ndims; d++)
        p.at[d] = (uint8_t)s->dims[d].def;
    return p;
}

void hk_search_stage_counts(const hk_search *s, size_t counts[HK_STAGES])
{
    for (int st = 0; st < HK_STAGES; st++)
        counts[st] = 0;
    for (size_t i = 0; i < s->n; i++)
        counts[s->stage[i]]++;
}

double hk_search_space(const hk_search_dim *dims, size_t ndims)
{
    double n = 1;
    for (size_t d = 0; d < ndims; d++)
        n *= (double)dims[d].n;
    return n;
}

/* Points of one pass of lines, besides the centre. */
static size_t line_points(const hk_search_dim *dims, size_t ndims)
{
    size_t n = 0;
    for (size_t d = 0; d < ndims; d++)
        n += dims[d].n - 1;
    return n;
}

size_t hk_search_min_budget(const hk_search_dim *dims, size_t ndims)
{
    return 1 + hk_design_min_rows(ndims) + line_points(dims, ndims);
}

static int grow(hk_search *s, size_t more)
{
    if (s->n + more <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < s->n + more)
        cap *= 2;
    hk_search_point *p = realloc(s->points, cap * sizeof *p);
    if (p)
        s->points = p;
    hk_search_value *v = realloc(s->values, cap * sizeof *v);
    if (v)
        s->values = v;
    unsigned char *st = realloc(s->stage, cap);
    if (st)
        s->stage = st;
    if (!p || !v || !st)
        return -1;
    s->cap = cap;
    return 0;
}

/*
 * Evaluates the candidates not evaluated yet (each once), at most up to
 * `limit` points in all, in the candidates' order.  The number it could
 * not evaluate for the limit, or -1 with err.
 */
static long evaluate(run *r, enum hk_search_stage stage,
                     const hk_search_point *cand, size_t n, size_t limit)
{
    static const char *const names[] = {"coarse", "descent", "lines"};
    hk_search *s = r->s;
    if (grow(s, n) < 0) {
        snprintf(r->err, r->errlen, "out of memory");
        return -1;
    }
    size_t first = s->n, added = 0, left_out = 0;
    for (size_t i = 0; i < n; i++) {
        if (hk_search_find(s, &cand[i]) != SIZE_MAX)
            continue;
        if (first + added >= limit) {
            left_out++;
            continue;
        }
        s->points[first + added] = cand[i];
        s->stage[first + added] = (unsigned char)stage;
        s->n = first + ++added; /* so that find sees it */
    }
    s->n = first;
    if (added && r->fn(r->ctx, names[stage], &s->points[first], added,
                       &s->values[first], r->err, r->errlen) < 0)
        return -1;
    s->n = first + added;
    return (long)left_out;
}

/* The best of the evaluated points among cand (and `current`). */
static size_t best_of(const hk_search *s, size_t current,
                      const hk_search_point *cand, size_t n)
{
    size_t best = current;
    for (size_t i = 0; i < n; i++) {
        size_t j = hk_search_find(s, &cand[i]);
        if (j != SIZE_MAX && hk_search_cmp(s, j, best) < 0)
            best = j;
    }
    return best;
}

static int coarse(run *r, size_t budget)
{
    hk_search *s = r->s;
    size_t reserve = 1 + line_points(s->dims, s->ndims);
    size_t room = budget > reserve ? budget - reserve : 0;
    hk_design d;
    if (hk_design_make(&d, s->ndims, room / 2) < 0) {
        snprintf(r->err, r->errlen, "out of memory");
        return -1;
    }
    s->design_rows = d.rows;
    s->grid_rows = d.grid;
    s->fractional = d.fractional;
    hk_search_point *cand = calloc(d.rows + 1, sizeof *cand);
    long rc = -1;
    if (cand) {
        cand[0] = hk_search_defaults(s);
        for (size_t row = 0; row < d.rows; row++)
            for (size_t f = 0; f < s->ndims; f++)
                cand[row + 1].at[f] = (uint8_t)
                    s->dims[f].coarse[d.level[row * s->ndims + f]];
        rc = evaluate(r, HK_STAGE_COARSE, cand, d.rows + 1, SIZE_MAX);
    } else {
        snprintf(r->err, r->errlen, "out of memory");
    }
    free(cand);
    hk_design_free(&d);
    return rc < 0 ? -1 : 0;
}

/* x moved by step rungs in dimension d, up or down, stopping at the
 * ends; 0 when it cannot move. */
static int moved(const hk_search *s, const hk_search_point *x, size_t d,
                 int up, size_t step, hk_search_point *out)
{
    size_t at = x->at[d], n = s->dims[d].n;
    size_t to = up ? (at + step < n ? at + step : n - 1)
                   : (at > step ? at - step : 0);
    if (to == at)
        return 0;
    *out = *x;
    out->at[d] = (uint8_t)to;
    return 1;
}

/*
 * Pattern search from point `start` (an index).  Each round tries a step
 * up and down in every dimension; if some improve, it also tries all the
 * dimensions' best moves at once, and moves to the best point seen.
 * Returns 0 when it converged, 1 when the budget ran out, -1 on error.
 */
static int descend(run *r, size_t start)
{
    hk_search *s = r->s;
    hk_search_point cand[2 * HK_SEARCH_DIMS];
    size_t x = start, step = FIRST_STEP;
    for (;;) {
        hk_search_point centre = s->points[x];
        size_t n = 0;
        for (size_t d = 0; d < s->ndims; d++)
            for (int up = 0; up < 2; up++)
                n += (size_t)moved(s, &centre, d, up, step, &cand[n]);
        long left_out = evaluate(r, HK_STAGE_DESCENT, cand, n, r->limit);
        if (left_out < 0)
            return -1;
        size_t best = best_of(s, x, cand, n);
        if (best != x) {
            hk_search_point all = centre;
            size_t improved = 0;
            for (size_t d = 0; d < s->ndims; d++) {
                size_t bd = x;
                for (size_t i = 0; i < n; i++) {
                    size_t j = hk_search_find(s, &cand[i]);
                    if (cand[i].at[d] != centre.at[d] && j != SIZE_MAX &&
                        hk_search_cmp(s, j, bd) < 0)
                        bd = j;
                }
                if (bd != x) {
                    all.at[d] = s->points[bd].at[d];
                    improved++;
                }
            }
            if (improved > 1) {
                long lo = evaluate(r, HK_STAGE_DESCENT, &all, 1, r->limit);
                if (lo < 0)
                    return -1;
                left_out += lo;
                best = best_of(s, best, &all, 1);
            }
            x = best;
        } else if (left_out) {
            return 1;
        } else if (step > 1) {
            step /= 2;
        } else {
            return 0;
        }
        if (left_out)
            return 1;
    }
}

/* Point a is better than b by more than the tolerance: it keeps more of
 * the limits, or its score is lower by more than tolerance * |b's|. */
static int improves(const hk_search *s, size_t a, size_t b, double tol)
{
    const hk_search_value *x = &s->values[a], *y = &s->values[b];
    if (hk_search_cmp(s, a, b) >= 0)
        return 0;
    return tol == 0 || !same(x->violation, y->violation) ||
           x->score < y->score - tol * fabs(y->score);
}

/*
 * Knobs of the best point back to their defaults while the score stays
 * within the tolerance of where it started: the revert that costs least
 * first, one at a time.  A knob that buys less than that is left at its
 * default, so the settings recommended are the ones that matter.
 */
static int simplify(run *r, double tol)
{
    hk_search *s = r->s;
    const hk_search_value start = s->values[s->best];
    for (;;) {
        hk_search_point cand[HK_SEARCH_DIMS], b = s->points[s->best];
        size_t n = 0;
        for (size_t d = 0; d < s->ndims; d++)
            if (b.at[d] != s->dims[d].def) {
                cand[n] = b;
                cand[n++].at[d] = (uint8_t)s->dims[d].def;
            }
        if (evaluate(r, HK_STAGE_LINES, cand, n, SIZE_MAX) < 0)
            return -1;
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            size_t j = hk_search_find(s, &cand[i]);
            if (best == SIZE_MAX || hk_search_cmp(s, j, best) < 0)
                best = j;
        }
        if (best == SIZE_MAX)
            return 0;
        const hk_search_value *v = &s->values[best];
        if (v->violation > start.violation ||
            v->score > start.score + tol * fabs(start.score))
            return 0;
        s->best = best;
        s->simplified++;
    }
}

/* Simplify the best point, then pass along every line through it; move
 * to a line point that improves on it by more than the tolerance and
 * start again, until none does. */
static int lines(run *r, double tol)
{
    hk_search *s = r->s;
    for (;;) {
        if (simplify(r, tol) < 0)
            return -1;
        hk_search_point centre = s->points[s->best];
        hk_search_point cand[HK_SEARCH_DIMS * HK_SEARCH_RUNGS];
        size_t n = 0;
        for (size_t d = 0; d < s->ndims; d++)
            for (size_t v = 0; v < s->dims[d].n; v++) {
                cand[n] = centre;
                cand[n++].at[d] = (uint8_t)v;
            }
        if (evaluate(r, HK_STAGE_LINES, cand, n, SIZE_MAX) < 0)
            return -1;
        size_t best = best_of(s, s->best, cand, n);
        if (!improves(s, best, s->best, tol)) {
            for (size_t i = 0, d = 0; d < s->ndims; d++)
                for (size_t v = 0; v < s->dims[d].n; v++)
                    s->line[d][v] = hk_search_find(s, &cand[i++]);
            return 0;
        }
        s->best = best;
    }
}

/* Indices of all points, best first. */
static size_t *ranked(const hk_search *s)
{
    size_t *order = malloc((s->n + 1) * sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        size_t j = i;
        for (; j > 0 && hk_search_cmp(s, i, order[j - 1]) < 0; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    return order;
}

static int check_dims(const hk_search_dim *dims, size_t ndims, char *err,
                      size_t errlen)
{
    if (ndims == 0 || ndims > HK_SEARCH_DIMS) {
        snprintf(err, errlen, "%zu dimensions; expected 1 to %d", ndims,
                 HK_SEARCH_DIMS);
        return -1;
    }
    for (size_t d = 0; d < ndims; d++) {
        const hk_search_dim *x = &dims[d];
        int bad = x->n < 2 || x->n > HK_SEARCH_RUNGS || x->def >= x->n;
        for (int c = 0; c < 3; c++)
            bad |= x->coarse[c] >= x->n;
        if (bad) {
            snprintf(err, errlen, "dimension %zu: a bad size, default or "
                     "coarse value", d);
            return -1;
        }
    }
    return 0;
}

int hk_search_run(hk_search *s, const hk_search_dim *dims, size_t ndims,
                  const hk_search_opts *o, hk_search_fn fn, void *ctx,
                  char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (check_dims(dims, ndims, err, errlen) < 0)
        return -1;
    size_t need = hk_search_min_budget(dims, ndims);
    if (o->budget < need) {
        snprintf(err, errlen, "a budget of %zu points is too small: the "
                 "defaults, the smallest coarse design and one pass along "
                 "every ladder take %zu", o->budget, need);
        return -1;
    }
    s->ndims = ndims;
    memcpy(s->dims, dims, ndims * sizeof *dims);
    run r = {s, fn, ctx, o->budget - line_points(dims, ndims), err, errlen};
    if (coarse(&r, o->budget) < 0)
        return -1;
    size_t *order = ranked(s);
    if (!order) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t starts = o->starts < s->n ? o->starts : s->n;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < starts; i++) {
        s->starts++;
        rc = descend(&r, order[i]);
    }
    free(order);
    if (rc < 0)
        return -1;
    s->converged = rc == 0;
    for (size_t i = 1; i < s->n; i++)
        if (hk_search_cmp(s, i, s->best) < 0)
            s->best = i;
    if (lines(&r, o->tolerance) < 0)
        return -1;
    s->optimum = s->best;
    for (size_t i = 0; i < s->n; i++)
        if (hk_search_cmp(s, i, s->optimum) < 0)
            s->optimum = i;
    s->over_budget = s->n > o->budget ? s->n - o->budget : 0;
    return 0;
}

static int apart(const hk_search_value *a, const hk_search_value *b,
                 double margin)
{
    return fabs(a->score - b->score) >= margin &&
           (!same(a->score, b->score) || !same(a->tiebreak, b->tiebreak));
}

size_t hk_search_top(const hk_search *s, double margin, size_t *out,
                     size_t k)
{
    size_t *order = ranked(s), n = 0;
    if (!order)
        return 0;
    hk_search_point def = hk_search_defaults(s);
    size_t defaults = hk_search_find(s, &def);
    /* The best point is listed first, however close it is to the
     * defaults. */
    if (k && s->best != defaults && s->values[s->best].violation == 0)
        out[n++] = s->best;
    for (size_t i = 0; i < s->n && n < k; i++) {
        size_t c = order[i];
        const hk_search_value *v = &s->values[c];
        int unlike = c != defaults && v->violation == 0 &&
                     apart(v, &s->values[defaults], margin);
        for (size_t j = 0; unlike && j < n; j++)
            unlike = apart(v, &s->values[out[j]], margin);
        if (unlike)
            out[n++] = c;
    }
    free(order);
    return n;
}

void hk_search_free(hk_search *s)
{
    free(s->points);
    free(s->values);
    free(s->stage);
    memset(s, 0, sizeof *s);
}
