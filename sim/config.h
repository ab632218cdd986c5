/*
 * config.h - everything one run is configured by: the allocator's
 * parameters, how the program touches its blocks, and the simulated
 * machine (huge pages, TLB geometry).  Set by name from `--set name=value`
 * and from a JSON object of the same names, with errors that name the
 * file, the key and what was expected.
 */
#ifndef HK_CONFIG_H
#define HK_CONFIG_H

#include <stddef.h>

#include "core/params.h"
#include "touch.h"
#include "sim.h"

typedef struct hk_run_config {
    hk_params params;
    enum hk_touch touch;
    int serial; /* real replay: trace threads on one OS thread, as simulated */
    hk_sim_config sim;
} hk_run_config;

void hk_run_config_default(hk_run_config *c);

/* 0, or -1 with "NAME: what was wrong" in err. */
int hk_run_config_set(hk_run_config *c, const char *name, const char *value,
                      char *err, size_t errlen);

/* "name=value" as given to --set. */
int hk_run_config_set_arg(hk_run_config *c, const char *arg, char *err,
                          size_t errlen);

/* A JSON object {"name": value, ...}; values are numbers or strings. */
int hk_run_config_load(hk_run_config *c, const char *path, char *err,
                       size_t errlen);

/* Visit every setting as (name, text value), in a fixed order. */
void hk_run_config_visit(const hk_run_config *c,
                         void (*fn)(void *ctx, const char *name,
                                    const char *value),
                         void *ctx);

#endif
