/*
 * design.c - full and fractional three-level designs.
 *
 * The orthogonal array with 3^k rows: row r is the vector u of r's k
 * base-3 digits, and a column is a nonzero vector c of GF(3)^k whose first
 * nonzero component is 1, the level being u . c mod 3.  Two such columns
 * are linearly independent, so (u . c1, u . c2) runs over the nine pairs
 * equally often as u runs over GF(3)^k: strength two.  There are
 * (3^k - 1) / 2 columns; the unit vectors (the k "main" columns) are
 * taken first, then by weight, so small designs alias as little as they
 * can.
 */
#include "experiments/tune/design.h"

#include <stdlib.h>
#include <string.h>

static size_t pow3(size_t k)
{
    size_t p = 1;
    while (k--)
        p *= 3;
    return p;
}

/* The smallest k whose array holds the factors. */
static size_t min_k(size_t factors)
{
    size_t k = 2;
    while ((pow3(k) - 1) / 2 < factors)
        k++;
    return k;
}

size_t hk_design_min_rows(size_t factors)
{
    size_t full = pow3(factors), oa = pow3(min_k(factors));
    return full < oa ? full : oa;
}

static void digits(size_t v, size_t k, unsigned char *out)
{
    for (size_t i = 0; i < k; i++, v /= 3)
        out[k - 1 - i] = (unsigned char)(v % 3);
}

static size_t weight(const unsigned char *c, size_t k)
{
    size_t w = 0;
    for (size_t i = 0; i < k; i++)
        w += c[i] != 0;
    return w;
}

/* The first `factors` columns: normalized vectors by weight, then in
 * counting order. */
static void columns(size_t k, size_t factors, unsigned char *cols)
{
    size_t n = 0;
    unsigned char c[32];
    for (size_t w = 1; w <= k && n < factors; w++)
        for (size_t v = 1; v < pow3(k) && n < factors; v++) {
            digits(v, k, c);
            size_t first = 0;
            while (c[first] == 0)
                first++;
            if (c[first] == 1 && weight(c, k) == w)
                memcpy(&cols[n++ * k], c, k);
        }
}

int hk_design_make(hk_design *d, size_t factors, size_t max_rows)
{
    memset(d, 0, sizeof *d);
    d->factors = factors;
    d->grid = pow3(factors);
    size_t k = min_k(factors);
    while (pow3(k + 1) <= max_rows && pow3(k + 1) < d->grid)
        k++;
    d->fractional = d->grid > max_rows && pow3(k) < d->grid;
    d->rows = d->fractional ? pow3(k) : d->grid;
    d->level = malloc(d->rows * (factors ? factors : 1));
    unsigned char *cols = malloc(k * (factors ? factors : 1));
    if (!d->level || !cols) {
        free(cols);
        hk_design_free(d);
        return -1;
    }
    unsigned char u[32];
    if (d->fractional)
        columns(k, factors, cols);
    for (size_t r = 0; r < d->rows; r++) {
        unsigned char *row = &d->level[r * factors];
        if (!d->fractional) {
            digits(r, factors, row);
            continue;
        }
        digits(r, k, u);
        for (size_t f = 0; f < factors; f++) {
            unsigned dot = 0;
            for (size_t i = 0; i < k; i++)
                dot += (unsigned)u[i] * cols[f * k + i];
            row[f] = (unsigned char)(dot % 3);
        }
    }
    free(cols);
    return 0;
}

void hk_design_free(hk_design *d)
{
    free(d->level);
    memset(d, 0, sizeof *d);
}
