/*
 * spec.h - an experiment spec (experiments/sweep/SPEC.md): the traces, the grid
 * of settings, the backends and allocators to run, parsed from JSON and
 * checked whole before anything runs.  Every error names the file, the
 * key as a JSON path (`grid.lru_cap[2]`) and what was expected.
 *
 * Setting values are text, as `--set NAME=VALUE` takes them; each one
 * was accepted by hk_run_config_set when the spec was loaded, so a point
 * of the grid fails only for reasons the spec could not know.
 */
#ifndef HK_SPEC_H
#define HK_SPEC_H

#include <stddef.h>

#include "experiments/common/mkdirs.h"

enum hk_backend { HK_BACKEND_SIM, HK_BACKEND_REAL, HK_BACKENDS };

extern const char *const hk_backend_names[HK_BACKENDS];

typedef struct hk_setting {
    char *name;
    char *value;
} hk_setting;

typedef struct hk_settings {
    hk_setting *v;
    size_t n;
} hk_settings;

/* One grid axis: a setting and its values, in the spec's order. */
typedef struct hk_grid_axis {
    char *name;
    char **values;
    size_t n;
} hk_grid_axis;

typedef struct hk_spec_trace {
    char *name;
    char *file;        /* NULL for a generated trace until it is cached;
                          a path the spec gives is made relative to the
                          spec file's directory, like calibration and db */
    char **gen;        /* NULL, or the arguments of `hakmem trace gen` */
    size_t ngen;
    char checksum[17]; /* FNV-1a 64 of the file, hex; see hk_spec_prepare */
} hk_spec_trace;

typedef struct hk_spec {
    char *path;                 /* the spec file, for messages */
    char *name;
    char *db;                   /* NULL when the spec names none */
    hk_spec_trace *traces;
    size_t ntraces;
    hk_grid_axis *grid;
    size_t naxes;
    hk_settings *configs;       /* instead of a grid: a list of them, each */
    size_t nconfigs;            /* applied over `fixed` */
    hk_settings fixed;          /* applied to every point */
    hk_settings baseline;       /* applied over `fixed` for the baseline */
    int has_baseline;
    int backends[HK_BACKENDS];  /* 1 for each backend to run */
    const char **allocators;    /* for the real backend */
    size_t nallocators;
    unsigned repetitions;
    char *calibration;          /* the simulator's cost file, or NULL */
    char calibration_checksum[17]; /* see hk_spec_prepare */
} hk_spec;

/* 0, or -1 with "FILE: KEY: what was expected" in err (a usage error). */
int hk_spec_load(hk_spec *s, const char *path, char *err, size_t errlen);
void hk_spec_free(hk_spec *s);

/* The number of points of the grid (1 without a grid), or of the list
 * of configurations. */
size_t hk_spec_grid_size(const hk_spec *s);

/*
 * Make every trace a readable file with its checksum, and checksum the
 * calibration: a generated trace is written once into cache_dir by
 * `hakmem trace gen` (hakmem names the program), under a name made of its
 * arguments, and reused after; directories made for it are recorded in
 * made.  0; -1 with err when the spec is at fault (bad generator
 * arguments, a missing file); -2 with err for other failures.
 */
int hk_spec_prepare(hk_spec *s, const char *hakmem, const char *cache_dir,
                    hk_made_dirs *made, char *err, size_t errlen);

#endif
