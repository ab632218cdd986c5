/*
 * search.h - searching a discretised space for the point that minimises
 * an objective, in few evaluations, with the objective a callback (the
 * simulator for `hakmem tune`, a formula for the tests).
 *
 * Dimension d takes the values 0 .. n-1 (rungs of a ladder); a point has
 * a default value in each.  The search, all of it deterministic:
 *
 *   1. coarse: the defaults and a three-level design (design.h) over
 *      each dimension's three coarse rungs, the whole grid when the
 *      budget allows it, else a fraction of it;
 *   2. descent: from each of the best few points so far, a pattern
 *      search: try one step up and one step down in every dimension at
 *      once, move to the best (and try all the improving moves together),
 *      halve the step when nothing improves, stop at step 1;
 *   3. lines: the best point simplified (dimensions put back to their
 *      defaults, cheapest first, while the score stays within the
 *      tolerance of the best), then every value of every dimension
 *      through it (coordinate descent with whole ladders); from a line
 *      point better by more than the tolerance, again, until none is.
 *      The last pass is the sensitivity of the objective to each
 *      dimension at the point chosen.
 *
 * The budget bounds the points evaluated: the descent stops where the
 * lines would no longer fit; the lines always finish, so a pass that
 * keeps improving may go past the budget (over_budget says by how much).
 * Points are compared by constraint violation, then score, then tiebreak
 * (values within a relative 1e-9 are equal), then by how few dimensions
 * differ from the defaults, so that among equals the simplest wins.
 */
#ifndef HK_SEARCH_H
#define HK_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#define HK_SEARCH_DIMS 24
#define HK_SEARCH_RUNGS 32

typedef struct hk_search_point {
    uint8_t at[HK_SEARCH_DIMS];   /* unused dimensions are 0 */
} hk_search_point;

typedef struct hk_search_dim {
    size_t n;           /* values 0 .. n-1, 2 <= n <= HK_SEARCH_RUNGS */
    size_t coarse[3];   /* the coarse grid's values */
    size_t def;         /* the default */
} hk_search_dim;

typedef struct hk_search_value {
    double violation;   /* 0 when the constraints hold, else how far off */
    double score;       /* lower is better */
    double tiebreak;    /* compared when the scores are equal */
} hk_search_value;

/* Evaluate points[0 .. n); stage is "coarse", "descent" or "lines", for
 * progress.  0, or -1 with err to stop the search. */
typedef int (*hk_search_fn)(void *ctx, const char *stage,
                            const hk_search_point *points, size_t n,
                            hk_search_value *out, char *err, size_t errlen);

enum hk_search_stage {
    HK_STAGE_COARSE,
    HK_STAGE_DESCENT,
    HK_STAGE_LINES,
    HK_STAGES
};

typedef struct hk_search {
    size_t ndims;
    hk_search_dim dims[HK_SEARCH_DIMS];
    /* Every point evaluated, in order; the defaults first. */
    hk_search_point *points;
    hk_search_value *values;
    unsigned char *stage;       /* enum hk_search_stage of each */
    size_t n, cap;
    size_t design_rows, grid_rows;  /* the coarse design and full grid */
    int fractional;
    size_t starts;              /* descents run */
    int converged;              /* every descent ended at step 1 */
    size_t over_budget;         /* points evaluated beyond the budget */
    size_t best;                /* the point chosen; the lines go through it */
    size_t optimum;             /* the best point evaluated */
    size_t simplified;          /* dimensions put back to their defaults */
    size_t line[HK_SEARCH_DIMS][HK_SEARCH_RUNGS]; /* its line points */
} hk_search;

typedef struct hk_search_opts {
    size_t budget;      /* points to evaluate, at least hk_search_min_budget */
    size_t starts;      /* descents, from the best points of the coarse grid */
    double tolerance;   /* a score this much worse (relative) is as good,
                           if simpler; 0 for the exact optimum */
} hk_search_opts;

/* The smallest budget that holds the defaults, the smallest coarse
 * design and one pass of lines. */
size_t hk_search_min_budget(const hk_search_dim *dims, size_t ndims);

/* The number of points of the whole space (saturating). */
double hk_search_space(const hk_search_dim *dims, size_t ndims);

/* How many of the points evaluated each stage contributed. */
void hk_search_stage_counts(const hk_search *s, size_t counts[HK_STAGES]);

/* 0, or -1 with err (a bad budget, out of memory, or fn's error). */
int hk_search_run(hk_search *s, const hk_search_dim *dims, size_t ndims,
                  const hk_search_opts *o, hk_search_fn fn, void *ctx,
                  char *err, size_t errlen);
void hk_search_free(hk_search *s);

/* <0 when point a (an index into points) is better than b, >0 worse. */
int hk_search_cmp(const hk_search *s, size_t a, size_t b);

/* The index of the point, or SIZE_MAX if it was not evaluated. */
size_t hk_search_find(const hk_search *s, const hk_search_point *p);

/* The defaults: the point whose every dimension is at its default. */
hk_search_point hk_search_defaults(const hk_search *s);

/* Up to k feasible points other than the defaults: the point chosen
 * first, then the best of the others whose scores (and tiebreaks) are
 * unlike the defaults' and those listed, and at least margin away from
 * them: the configurations worth measuring.  Their number. */
size_t hk_search_top(const hk_search *s, double margin, size_t *out,
                     size_t k);

#endif
