/*
 * flatten.h - a run's JSON as rows.  The "settings" object gives params
 * (name, text: strings as they are, whole numbers in decimal); every
 * other number gives a metric named by its path with dots, arrays by
 * index (`syscalls.mmap.calls`, `allocator_stats.classes.3.front_hits`).
 * true and false are 1 and 0; strings and nulls elsewhere are not metrics.
 */
#ifndef HK_FLATTEN_H
#define HK_FLATTEN_H

#include <cjson/cJSON.h>

typedef struct hk_flatten_sink {
    /* Each returns 0 to go on, anything else to stop with that value. */
    int (*param)(void *ctx, const char *name, const char *value);
    int (*metric)(void *ctx, const char *name, double value);
    void *ctx;
} hk_flatten_sink;

/* 0 when every row was taken; else what the sink returned, or -1 for a
 * path too long to name or a setting that is neither a string nor a
 * whole number. */
int hk_flatten(const cJSON *run, const hk_flatten_sink *sink);

#endif
