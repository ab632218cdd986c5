/*
 * design.h - the coarse grid of a search: three levels per factor, every
 * combination when there are few enough of them, else a fraction of them
 * that is an orthogonal array of strength two (Rao's construction over
 * GF(3)): 3^k rows in which every pair of factors takes each of its nine
 * level pairs equally often, so each factor's effect is seen against
 * every level of every other factor in a small fraction of the grid.
 */
#ifndef HK_DESIGN_H
#define HK_DESIGN_H

#include <stddef.h>

typedef struct hk_design {
    size_t rows, factors;
    size_t grid;            /* 3^factors: the whole coarse grid */
    int fractional;         /* rows < grid */
    unsigned char *level;   /* row r, factor f: level[r * factors + f] */
} hk_design;

/* The fewest rows a design of `factors` factors can have. */
size_t hk_design_min_rows(size_t factors);

/*
 * The whole grid if it has at most max_rows rows, else the largest
 * orthogonal array of at most max_rows rows that holds the factors (and
 * at least the smallest one).  0, or -1 out of memory.
 */
int hk_design_make(hk_design *d, size_t factors, size_t max_rows);
void hk_design_free(hk_design *d);

#endif
