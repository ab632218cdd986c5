/*
 * calibration.h - which calibration a run's predictions use, and where
 * the machine's own one is kept.
 *
 * In this order: the one asked for (`--calibration FILE`, or "builtin");
 * the one HAKMEM_CALIBRATION names (a file, or "builtin": how scripts and
 * the test suite pin one, without a warning); the one made for this
 * machine, kept in $XDG_CACHE_HOME/hakmem (default ~/.cache/hakmem) under
 * its host key (host name, CPU model, kernel release; HAKMEM_HOST_KEY
 * replaces it); and when there is none yet, one made now by running
 * `hakmem calibrate --quick` (progress on stderr, at most about 15 s;
 * HAKMEM_CALIBRATE_BUDGET=SECONDS shortens it) and kept there for every
 * later run.  Processes that want one at the same time make it once: the
 * first holds a lock on it while the others wait.  When none can be made
 * (no cache directory, calibration failed), the built-in one is used and
 * `warning` says why.
 */
#ifndef HK_CALIBRATION_H
#define HK_CALIBRATION_H

#include <limits.h>
#include <stddef.h>

#include "cost.h"

enum hk_calibration_source {
    HK_CAL_BUILTIN, /* experiments/calibrate/default.json, compiled in */
    HK_CAL_FILE,    /* asked for by name */
    HK_CAL_ENV,     /* named by HAKMEM_CALIBRATION */
    HK_CAL_CACHE,   /* this machine's, from the cache (made if missing) */
};

extern const char *const hk_calibration_source_names[];

typedef struct hk_calibration {
    hk_cost cost;
    enum hk_calibration_source source;
    char path[PATH_MAX];  /* the file; "" for the built-in one */
    char host_key[512];   /* this machine's key */
    char warning[512];    /* why the built-in one is used, or "" */
    double made_at_load;  /* the 1-minute load average when it was made */
    long made_on_cpus;    /* ... and the CPUs then; 0 when unknown */
    double made_beside;   /* the share of its CPU that other work took
                             while it was made; -1 when unknown */
} hk_calibration;

/*
 * request: a file, "builtin", or NULL for the default order above.
 * `who` prefixes the messages on stderr ("hakmem sim").  0, or -1 with
 * err when the file asked for (or named by HAKMEM_CALIBRATION) cannot be
 * loaded; a cache or calibration that fails is not an error but a
 * warning.
 */
int hk_calibration_resolve(hk_calibration *cal, const char *request,
                           const char *who, char *err, size_t errlen);

/* This machine's host key: "HOST / CPU MODEL / KERNEL RELEASE / thp
 * MODE", or HAKMEM_HOST_KEY.  The huge page mode is in it because it
 * changes what a fault costs and which ones make huge pages: a machine
 * switched to another mode gets a calibration of its own. */
void hk_calibration_host_key(char *out, size_t len);

/* The kernel's transparent huge page mode: 0, or -1 where
 * /sys/kernel/mm/transparent_hugepage/enabled cannot be read. */
int hk_calibration_machine_thp(enum hk_thp *out);

/* The huge page mode a run priced by cal simulates unless it sets thp:
 * the calibration's machine's, else this machine's, else madvise; *why
 * says which. */
enum hk_thp hk_calibration_thp(const hk_calibration *cal, const char **why);

/* This machine's calibration in the cache, without making one: 0 with
 * its path in out when there is a readable one, else -1. */
int hk_calibration_cached(char *out, size_t len);

/* On stderr, prefixed by who: that the built-in calibration is in use,
 * or that this one was made at a load above twice its CPUs. */
void hk_calibration_warn(const hk_calibration *cal, const char *who);

/* Was it made while twice as many threads wanted to run as there were
 * CPUs (a 1-minute load average taken before it measured)? */
int hk_calibration_busy(const hk_calibration *cal);

/* One line for people: where the calibration came from. */
void hk_calibration_describe(const hk_calibration *cal, char *out,
                             size_t len);

/* What a few terms cost now (`hakmem calibrate --check`, about a
 * second): the terms most runs weigh, to set against a calibration. */
typedef struct hk_calibration_now {
    int n;
    enum hk_cost_term term[HK_COST_TERMS];
    double ns[HK_COST_TERMS];
    double l3_bytes; /* the L3 a scan finds now; 0: none found */
} hk_calibration_now;

/* Measure them, against cal's costs (which the measurements take off
 * their loops); 0, or -1 with why. */
int hk_calibration_probe(const hk_calibration *cal, hk_calibration_now *now,
                         char *why, size_t whylen);

#endif
