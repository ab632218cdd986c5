/*
 * cost.h - the cost model: predicted time is a weighted sum of what the
 * simulation counted, each weight a per-event cost in nanoseconds read
 * from a calibration file (JSON, keys as in hk_cost_names) measured on
 * the machine the prediction is for (`hakmem calibrate`).
 */
#ifndef HK_COST_H
#define HK_COST_H

#include <stddef.h>
#include <stdint.h>

enum hk_cost_term {
    HK_COST_MALLOC,      /* per malloc/calloc/aligned served by a front */
    HK_COST_FREE,        /* per free */
    HK_COST_REALLOC,     /* per realloc */
    HK_COST_REFILL,      /* per block moved from a slab into a front */
    HK_COST_FLUSH,       /* per block moved from a front back to a slab */
    HK_COST_SLAB,        /* per slab taken from or given to the pool */
    HK_COST_REMOTE_FREE, /* per block freed into another thread's slab */
    HK_COST_MMAP,        /* per call */
    HK_COST_MUNMAP,
    HK_COST_MADVISE,
    HK_COST_MINCORE,
    HK_COST_MPROTECT,
    HK_COST_MUNMAP_PAGE,  /* per resident page released by munmap */
    HK_COST_MADVISE_PAGE, /* per resident page released by madvise */
    HK_COST_PAGE_FAULT,
    HK_COST_TLB_L2_HIT,  /* an L1 dTLB miss that hits the second level */
    HK_COST_TLB_WALK,    /* a miss in both: a page walk */
    HK_COST_TERMS
};

extern const char *const hk_cost_names[HK_COST_TERMS];

typedef struct hk_cost {
    double ns[HK_COST_TERMS];
} hk_cost;

/* The calibration shipped in experiments/calibrate/default.json. */
void hk_cost_default(hk_cost *c);

/* Load a calibration: every key must be a known term with a number >= 0;
 * terms it does not mention keep their current value. */
int hk_cost_load(hk_cost *c, const char *path, char *err, size_t errlen);

/* Predicted ns for the given counts; by_term (optional) gets each term. */
double hk_cost_predict(const hk_cost *c, const uint64_t counts[HK_COST_TERMS],
                       double by_term[HK_COST_TERMS]);

#endif
