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

/*
 * Settings fall in groups by what they act on, and a run reports only
 * the groups that applied to it: `hakmem sim` the allocator, the workload
 * and the simulated machine; `hakmem replay` the workload and the replay
 * engine, and the allocator when it is hakmem; HAKMEM_STATS the
 * allocator alone.
 */
enum {
    HK_SETTINGS_ALLOCATOR = 1 << 0, /* hakmem's parameters (core/params.c) */
    HK_SETTINGS_WORKLOAD = 1 << 1,  /* what the program does: touch */
    HK_SETTINGS_ENGINE = 1 << 2,    /* the real replay's engine */
    HK_SETTINGS_MACHINE = 1 << 3,   /* the simulated machine: thp, tlb... */
    HK_SETTINGS_ALL = (1 << 4) - 1,
    HK_SETTINGS_SIM = HK_SETTINGS_ALLOCATOR | HK_SETTINGS_WORKLOAD |
                      HK_SETTINGS_MACHINE,
    HK_SETTINGS_REPLAY = HK_SETTINGS_ALLOCATOR | HK_SETTINGS_WORKLOAD |
                         HK_SETTINGS_ENGINE,
};

/* One setting's value: its canonical text (as --set takes it and as
 * point keys and the results database store it), and whether that text
 * is a number, which JSON reports print as a number. */
typedef struct hk_setting_value {
    const char *name;
    const char *text;
    int numeric;
} hk_setting_value;

/* Visit every setting of the groups given, in a fixed order. */
void hk_run_config_visit(const hk_run_config *c, unsigned groups,
                         void (*fn)(void *ctx, const hk_setting_value *v),
                         void *ctx);

/* What `hakmem settings` lists of a setting. */
typedef struct hk_setting_doc {
    const char *name;
    const char *doc;
    unsigned group;
    char def[32];   /* the default, as text */
    char range[64]; /* "0 to 4096", "never, cached, always", ... */
    const char *unit; /* "bytes", "ms" or NULL */
} hk_setting_doc;

/* Visit every setting's description, in the order of the visit. */
void hk_run_config_describe(void (*fn)(void *ctx, const hk_setting_doc *d),
                            void *ctx);

/* A known setting whose name is close to `name` (a misspelling of it),
 * or NULL: for "did you mean ...?". */
const char *hk_run_config_suggest(const char *name);

/* 0 if name is a setting (one the run's JSON reports, so one that --set
 * takes); else -1 with "unknown setting 'NAME'" and the nearest known
 * name, if one is close, in err. */
int hk_run_config_check_name(const char *name, char *err, size_t errlen);

#endif
