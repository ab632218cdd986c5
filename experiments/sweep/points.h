/*
 * points.h - a spec expanded into points.  A point is one run: one
 * configuration of the settings, on one trace, backend and allocator,
 * one repetition; its point key names it in the database.
 *
 * Configurations are numbered: 0 is the baseline when the spec has one,
 * then the grid in odometer order (the last axis fastest).  A
 * configuration's settings are `fixed`, overridden by the baseline's or
 * by the grid point's.
 *
 * The order of points is stable, and --shard relies on it: repetition,
 * trace, configuration, column (backend and allocator), where repetition
 * r starts at configuration r (modulo their number) and wraps around:
 * each configuration runs first in some repetition, so that the place of
 * a configuration in a repetition (first after another trace, or last
 * before one) weighs on none alone.  Points with the
 * same key are one run: all but the first are marked dup, and the first
 * is flagged baseline if any of them is.
 */
#ifndef HK_POINTS_H
#define HK_POINTS_H

#include <stddef.h>

#include "experiments/sweep/spec.h"

/* What to run each configuration on, how many times. */
typedef struct hk_column {
    enum hk_backend backend;
    const char *allocator;
    unsigned reps;
} hk_column;

/* The settings of a configuration as NAME=VALUE, as given to --set. */
typedef struct hk_config {
    char **set;
    size_t nset;
} hk_config;

typedef struct hk_point {
    size_t trace;   /* index in the spec's traces */
    size_t config;
    const hk_column *column;
    const hk_config *settings;
    unsigned rep;
    int baseline;
    int dup;        /* the same run as an earlier point */
    char key[33];   /* FNV-1a 128, hex */
} hk_point;

/*
 * Peer allocators take only the replay's own settings (touch, ...), not
 * hakmem's parameters, so all configurations that differ only in those
 * are one run for a peer.
 */
typedef struct hk_plan {
    hk_point *v;
    size_t n;
    hk_config *configs;      /* per configuration: for hakmem */
    hk_config *peer_configs; /* per configuration: for peer allocators */
    size_t nconfigs;
} hk_plan;

/* The most columns a spec can ask for: sim, and real with each of the
 * five allocators. */
#define HK_COLUMNS_MAX 6

/* The columns a spec asks for: sim with hakmem, real with each allocator,
 * each `repetitions` times.  Returns how many. */
size_t hk_spec_columns(const hk_spec *s, hk_column *out);

size_t hk_spec_configs(const hk_spec *s);

/* Configuration k in words: the baseline's settings, or the grid's
 * values, as NAME=VALUE separated by spaces. */
void hk_config_label(const hk_spec *s, size_t k, char *buf, size_t len);

/* The traces must be prepared (checksums known).  `under` (or NULL) is
 * set in every configuration before the spec's own settings, which win
 * over it.  0, or -1 with err. */
int hk_plan_expand(const hk_spec *s, const hk_settings *under,
                   const hk_column *cols, size_t ncols,
                   hk_plan *out, char *err, size_t errlen);

/*
 * A plan of configurations chosen by the caller rather than by the spec's
 * grid (a search that picks them as it goes): each configuration's
 * NAME=VALUE settings are copied, and the spec's fixed settings and
 * baseline are not used; configuration 0 is flagged baseline when base0
 * is set.  Points, keys and their order are as for hk_plan_expand, so a
 * configuration that a sweep of the same spec name ran is the same run.
 */
int hk_plan_configs(const hk_spec *s, const hk_config *configs,
                    size_t nconfigs, int base0, const hk_column *cols,
                    size_t ncols, hk_plan *out, char *err, size_t errlen);

void hk_plan_free(hk_plan *p);

#endif
