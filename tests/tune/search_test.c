/*
 * search_test.c - the search of `hakmem tune` (experiments/tune/search.c)
 * on synthetic objectives whose optimum is known, the coarse designs'
 * orthogonality, and the knobs' ladders.
 *
 * The objectives are formulas of the rung indices, evaluated by a
 * callback that also checks that no point is asked for twice and counts
 * the evaluations, so the budget can be compared with the truth.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/tune/design.h"
#include "experiments/tune/ladder.h"
#include "experiments/tune/search.h"
#include "tests/check.h"

typedef struct synth {
    size_t ndims;
    const int *opt;            /* the optimum's rungs */
    const int *opt2;           /* a second basin, or NULL */
    double depth2;             /* its floor (the first one's is 0) */
    int flat;                  /* a dimension that does not matter, or -1 */
    int cap_dim, cap;          /* constraint: at[cap_dim] <= cap, or -1 */
    double offset;             /* added to every score */
    int weak;                  /* a dimension that matters little, or -1 */
    hk_search_point *seen;     /* every point evaluated */
    size_t nseen, calls;
} synth;

static double bowl(const synth *y, const hk_search_point *p, const int *o)
{
    double f = 0;
    for (size_t d = 0; d < y->ndims; d++) {
        if ((int)d == y->flat)
            continue;
        double e = (double)p->at[d] - o[d];
        f += ((int)d == y->weak ? 1e-4 : 1 + (double)d / 4) * e * e;
    }
    return f;
}

static int synth_eval(void *ctx, const char *stage,
                      const hk_search_point *pts, size_t n,
                      hk_search_value *out, char *err, size_t errlen)
{
    synth *y = ctx;
    (void)err;
    (void)errlen;
    CHECK(!strcmp(stage, "coarse") || !strcmp(stage, "descent") ||
          !strcmp(stage, "lines"), "stage %s", stage);
    y->calls++;
    y->seen = realloc(y->seen, (y->nseen + n) * sizeof *y->seen);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < y->nseen; j++)
            CHECK(memcmp(&y->seen[j], &pts[i], sizeof pts[i]),
                  "point %zu asked for twice", j);
        y->seen[y->nseen++] = pts[i];
        double f = bowl(y, &pts[i], y->opt);
        if (y->opt2)
            f = fmin(f, y->depth2 + bowl(y, &pts[i], y->opt2));
        double over = y->cap_dim >= 0 && pts[i].at[y->cap_dim] > y->cap
                          ? pts[i].at[y->cap_dim] - y->cap
                          : 0;
        out[i] = (hk_search_value){over, y->offset + f, 0};
    }
    return 0;
}

/* Seven dimensions shaped like the knobs' ladders. */
static const size_t sizes[] = {10, 8, 10, 10, 7, 11, 8};
#define NDIMS (sizeof sizes / sizeof sizes[0])

static void make_dims(hk_search_dim *dims)
{
    for (size_t d = 0; d < NDIMS; d++) {
        size_t n = sizes[d];
        dims[d] = (hk_search_dim){n, {0, n / 2, n - 2}, n / 2 - 1};
    }
}

static int run_tol(synth *y, size_t budget, size_t starts, double tol,
                   hk_search *s)
{
    hk_search_dim dims[NDIMS];
    make_dims(dims);
    hk_search_opts o = {budget, starts, tol};
    char err[256] = "";
    int rc = hk_search_run(s, dims, NDIMS, &o, synth_eval, y, err,
                           sizeof err);
    CHECK(rc == 0, "search failed: %s", err);
    if (rc == 0) {
        CHECK_EQ(s->n, y->nseen);
        if (s->over_budget)
            CHECK_EQ(s->n, budget + s->over_budget);
        else
            CHECK(s->n <= budget, "%zu points, budget %zu", s->n, budget);
    }
    return rc;
}

static int run(synth *y, size_t budget, size_t starts, hk_search *s)
{
    return run_tol(y, budget, starts, 0, s);
}

static void check_at(const hk_search *s, const int *want, const char *what)
{
    const hk_search_point *b = &s->points[s->best];
    for (size_t d = 0; d < NDIMS; d++)
        CHECK(b->at[d] == want[d], "%s: dimension %zu at %d, not %d", what,
              d, b->at[d], want[d]);
}

/* A bowl off the defaults and off every coarse rung. */
static void finds_the_optimum(void)
{
    static const int opt[NDIMS] = {7, 2, 1, 8, 3, 9, 6};
    synth y = {.ndims = NDIMS, .opt = opt, .flat = -1, .cap_dim = -1, .weak = -1};
    hk_search s;
    if (run(&y, 200, 2, &s) == 0) {
        check_at(&s, opt, "bowl");
        CHECK(s.values[s.best].score == 0, "score %g",
              s.values[s.best].score);
        CHECK(s.converged, "the descent did not converge in 200 points");
        CHECK_EQ(s.over_budget, 0);
        CHECK(s.fractional && s.design_rows == 27,
              "coarse design of %zu rows", s.design_rows);
        CHECK(s.n < hk_search_space(s.dims, s.ndims) / 1000,
              "%zu points of %.0f", s.n, hk_search_space(s.dims, s.ndims));
        /* The lines go through the optimum: each is the ladder, the
         * optimum on it. */
        for (size_t d = 0; d < NDIMS; d++)
            for (size_t v = 0; v < sizes[d]; v++) {
                size_t i = s.line[d][v];
                CHECK(i < s.n && s.points[i].at[d] == v,
                      "line %zu rung %zu", d, v);
                if (i < s.n && v != (size_t)opt[d])
                    CHECK(s.values[i].score > 0, "line %zu rung %zu", d, v);
            }
    }
    hk_search_free(&s);
    free(y.seen);
}

/* The same search twice takes the same steps (a resumed tune relies on
 * it). */
static void is_deterministic(void)
{
    static const int opt[NDIMS] = {1, 6, 9, 0, 5, 2, 7};
    synth a = {.ndims = NDIMS, .opt = opt, .flat = -1, .cap_dim = -1, .weak = -1};
    synth b = a;
    hk_search s, t;
    if (run(&a, 150, 2, &s) == 0 && run(&b, 150, 2, &t) == 0) {
        CHECK_EQ(a.nseen, b.nseen);
        CHECK(a.nseen == b.nseen &&
                  !memcmp(a.seen, b.seen, a.nseen * sizeof *a.seen),
              "the two searches evaluated different points");
        check_at(&s, opt, "first");
    }
    hk_search_free(&s);
    hk_search_free(&t);
    free(a.seen);
    free(b.seen);
}

/* Two basins: the defaults lie in one, the other is deeper; the search
 * ends at the bottom of the deeper one. */
static void finds_the_deeper_basin(void)
{
    static const int near_defaults[NDIMS] = {4, 3, 4, 4, 2, 4, 3};
    static const int deeper[NDIMS] = {7, 5, 7, 9, 4, 8, 5};
    synth y = {.ndims = NDIMS, .opt = near_defaults, .opt2 = deeper,
               .depth2 = -20, .flat = -1, .cap_dim = -1, .weak = -1};
    hk_search s;
    if (run(&y, 250, 2, &s) == 0) {
        for (size_t i = 0; i < s.n; i++)
            CHECK(hk_search_cmp(&s, s.best, i) <= 0,
                  "point %zu beats the best", i);
        check_at(&s, deeper, "the deeper basin");
    }
    hk_search_free(&s);
    free(y.seen);
}

/* A dimension that does not matter stays at its default; a constraint
 * holds at the best point, which is the best of the points that obey
 * it. */
static void ties_and_constraints(void)
{
    static const int opt[NDIMS] = {7, 2, 1, 8, 3, 9, 6};
    synth y = {.ndims = NDIMS, .opt = opt, .flat = 3, .cap_dim = 5, .cap = 6,
               .weak = -1};
    hk_search s;
    if (run(&y, 200, 2, &s) == 0) {
        const hk_search_point *b = &s.points[s.best];
        CHECK_EQ(b->at[3], s.dims[3].def);
        CHECK(b->at[5] <= 6, "constraint broken: dimension 5 at %d",
              b->at[5]);
        int want[NDIMS];
        memcpy(want, opt, sizeof want);
        want[3] = (int)s.dims[3].def;
        want[5] = 6;
        check_at(&s, want, "constrained");
        CHECK(s.values[s.best].violation == 0, "violation %g",
              s.values[s.best].violation);
        size_t top[3];
        size_t n = hk_search_top(&s, 0, top, 3);
        CHECK(n == 3 && top[0] == s.best, "top: %zu points", n);
        for (size_t i = 0; i < n; i++)
            CHECK(s.values[top[i]].violation == 0, "top %zu infeasible", i);
        for (size_t i = 1; i < n; i++)
            CHECK(s.values[top[i]].score > s.values[top[i - 1]].score,
                  "top %zu not worse than top %zu", i, i - 1);
    }
    hk_search_free(&s);
    free(y.seen);
}

/* With a tolerance, a dimension that buys less than it stays at its
 * default, and the point chosen is within the tolerance of the optimum,
 * which is still found. */
static void simplifies(void)
{
    static const int opt[NDIMS] = {7, 2, 1, 8, 3, 9, 6};
    synth y = {.ndims = NDIMS, .opt = opt, .flat = -1, .cap_dim = -1,
               .offset = 100, .weak = 5};
    hk_search s;
    if (run_tol(&y, 250, 2, 1e-3, &s) == 0) {
        int want[NDIMS];
        memcpy(want, opt, sizeof want);
        want[5] = (int)s.dims[5].def;
        check_at(&s, want, "simplified");
        CHECK(s.simplified >= 1, "%zu dimensions put back", s.simplified);
        double best = s.values[s.best].score, top = s.values[s.optimum].score;
        CHECK(best <= top * (1 + 1e-3) && top < best, "chosen %g, optimum %g",
              best, top);
        const hk_search_point *o = &s.points[s.optimum];
        for (size_t d = 0; d < NDIMS; d++)
            CHECK(o->at[d] == opt[d], "optimum: dimension %zu at %d", d,
                  o->at[d]);
        size_t top1[1];
        CHECK(hk_search_top(&s, 0.005, top1, 1) == 1 && top1[0] == s.best,
              "the chosen point is not listed first");
    }
    hk_search_free(&s);
    free(y.seen);
}

static void small_budgets(void)
{
    static const int opt[NDIMS] = {7, 2, 1, 8, 3, 9, 6};
    hk_search_dim dims[NDIMS];
    make_dims(dims);
    size_t need = hk_search_min_budget(dims, NDIMS);
    size_t lines = 0;
    for (size_t d = 0; d < NDIMS; d++)
        lines += sizes[d] - 1;
    CHECK_EQ(need, 1 + 27 + lines);
    synth y = {.ndims = NDIMS, .opt = opt, .flat = -1, .cap_dim = -1, .weak = -1};
    hk_search s;
    hk_search_opts o = {need - 1, 2, 0};
    char err[256] = "";
    CHECK(hk_search_run(&s, dims, NDIMS, &o, synth_eval, &y, err,
                        sizeof err) < 0 && strstr(err, "too small"),
          "a budget below the least: '%s'", err);
    CHECK_EQ(y.calls, 0);
    hk_search_free(&s);
    /* At the least, the budget still holds and the best is at least as
     * good as every point seen. */
    if (run(&y, need, 2, &s) == 0) {
        CHECK(s.design_rows == 27 && s.fractional, "%zu rows",
              s.design_rows);
        for (size_t i = 0; i < s.n; i++)
            CHECK(hk_search_cmp(&s, s.best, i) <= 0, "point %zu", i);
    }
    hk_search_free(&s);
    free(y.seen);
}

/* Every pair of factors sees each of the nine level pairs equally
 * often; a small grid is whole. */
static void designs_are_orthogonal(void)
{
    static const size_t cases[][3] = {
        /* factors, max rows, expected rows */
        {7, 100, 81}, {7, 30, 27}, {13, 27, 27}, {14, 100, 81},
        {3, 1000, 27}, {4, 9, 9}, {7, 5000, 2187}, {2, 1, 9},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        hk_design d;
        size_t f = cases[c][0];
        CHECK(hk_design_make(&d, f, cases[c][1]) == 0, "case %zu", c);
        CHECK_EQ(d.rows, cases[c][2]);
        CHECK_EQ(d.fractional, d.rows < d.grid);
        for (size_t a = 0; a < f; a++)
            for (size_t b = a + 1; b < f; b++) {
                size_t count[9] = {0};
                for (size_t r = 0; r < d.rows; r++)
                    count[d.level[r * f + a] * 3 + d.level[r * f + b]]++;
                for (int k = 0; k < 9; k++)
                    CHECK(count[k] == d.rows / 9,
                          "case %zu factors %zu, %zu: pair %d seen %zu "
                          "times", c, a, b, k, count[k]);
            }
        hk_design_free(&d);
    }
}

/* Each ladder ascends, holds its default and coarse rungs, lies in its
 * parameter's range; every parameter is a knob or excluded. */
static void ladders_are_sound(void)
{
    hk_ladder l[HK_SEARCH_DIMS];
    size_t n = hk_ladders(l, HK_SEARCH_DIMS);
    CHECK(n >= 7, "%zu ladders", n);
    for (size_t i = 0; i < n; i++) {
        const hk_param_info *p = l[i].param;
        CHECK(l[i].n >= 2 && l[i].n <= HK_SEARCH_RUNGS, "%s", p->name);
        CHECK(l[i].v[l[i].def] == p->def, "%s: default not on the ladder",
              p->name);
        for (size_t j = 0; j < l[i].n; j++) {
            CHECK(l[i].v[j] >= p->min && l[i].v[j] <= p->max, "%s rung %zu",
                  p->name, j);
            CHECK(j == 0 || l[i].v[j] > l[i].v[j - 1], "%s rung %zu",
                  p->name, j);
            hk_params params;
            char text[32], err[160];
            hk_params_default(&params);
            hk_ladder_format(&l[i], j, text, sizeof text);
            CHECK(hk_params_set(&params, p->name, text, err, sizeof err) ==
                          0 &&
                      hk_param_get(&params, p) == l[i].v[j],
                  "%s=%s: %s", p->name, text, err);
        }
        CHECK(l[i].coarse[0] < l[i].coarse[1] &&
                  l[i].coarse[1] < l[i].coarse[2] &&
                  l[i].coarse[2] < l[i].n,
              "%s: coarse rungs", p->name);
    }
    for (size_t i = 0; i < hk_param_count; i++) {
        const char *name = hk_param_table[i].name;
        CHECK(!hk_ladder_find(l, n, name) != !hk_ladder_excluded(name),
              "%s is neither a knob nor excluded", name);
    }
    const hk_ladder *ss = hk_ladder_find(l, n, "ss_size");
    char text[32];
    CHECK(ss != NULL, "no ss_size ladder");
    if (ss) {
        hk_ladder_format(ss, ss->def, text, sizeof text);
        CHECK(!strcmp(text, "2M"), "ss_size default shown as %s", text);
    }
}

int main(void)
{
    finds_the_optimum();
    is_deterministic();
    finds_the_deeper_basin();
    ties_and_constraints();
    simplifies();
    small_budgets();
    designs_are_orthogonal();
    ladders_are_sound();
    if (check_failures)
        fprintf(stderr, "%d checks failed\n", check_failures);
    else
        printf("search, designs and ladders: all checks passed\n");
    return check_failures != 0;
}
