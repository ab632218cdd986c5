/*
 * ladder.h - the values `hakmem tune` tries for each knob.
 *
 * Every numeric parameter of core/params.c that is a design knob has a
 * ladder: its values in ascending order, about a factor of two apart,
 * the default among them, and three rungs of them for the coarse grid.
 * The ladders of the known knobs are one table (ladder.c); a parameter
 * added to core/params.c later gets one made from its default (powers of
 * two times it, within its range) until the table names it.  Parameters
 * that trade safety or reproduce an old design are not knobs.
 */
#ifndef HK_LADDER_H
#define HK_LADDER_H

#include <stddef.h>
#include <stdint.h>

#include "core/params.h"

#define HK_LADDER_MAX 24

typedef struct hk_ladder {
    const hk_param_info *param;
    size_t n;
    uint64_t v[HK_LADDER_MAX];  /* ascending, within the parameter's range */
    size_t coarse[3];           /* indices of the coarse grid's rungs */
    size_t def;                 /* index of the default */
    int bytes;                  /* a size: shown with K, M, G */
    int automatic;              /* made from the default, not the table */
} hk_ladder;

/* The ladders of every knob, in core/params.c's order: how many (at most
 * max).  Parameters that are not knobs are left out. */
size_t hk_ladders(hk_ladder *out, size_t max);

/* The knob called name among ladders, or NULL. */
const hk_ladder *hk_ladder_find(const hk_ladder *ladders, size_t n,
                                const char *name);

/* Value i of the ladder as HAKMEM_* and --set take it: a size with a
 * K, M or G suffix when it is a whole number of them. */
void hk_ladder_format(const hk_ladder *l, size_t i, char *buf, size_t len);

/* Why a parameter of core/params.c is not a knob, or NULL if it is. */
const char *hk_ladder_excluded(const char *name);

#endif
