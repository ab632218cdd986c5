/*
 * trace_check.h - the semantic checks every trace consumer wants, and the
 * summary `hakmem trace info` prints, computed in one pass.
 *
 * A trace is well formed when every free and realloc names a live id and
 * no allocation names one.  The checker follows the live objects (memory
 * grows with them, plus a fixed window of recent frees, which lets it
 * call a second free of the same id a double free).
 */
#ifndef HK_TRACE_CHECK_H
#define HK_TRACE_CHECK_H

#include <stdint.h>

#include "trace.h"

#define HK_SIZE_BUCKETS 65

typedef struct hk_trace_stats {
    uint64_t events;
    uint64_t by_kind[HK_EV_KINDS];
    /* Sizes asked for by malloc, calloc, realloc and aligned: bucket 0
     * counts size 0, bucket b sizes in [2^(b-1), 2^b). */
    uint64_t sizes[HK_SIZE_BUCKETS];
    uint64_t threads;       /* distinct thread numbers */
    uint64_t live_objects;  /* now */
    uint64_t live_bytes;    /* now, modulo 2^64 */
    uint64_t peak_objects;
    uint64_t peak_bytes;
    uint64_t first_time, last_time; /* least and greatest time_ns seen */
} hk_trace_stats;

typedef struct hk_trace_check hk_trace_check;

/* NULL when out of memory. */
hk_trace_check *hk_check_create(void);
void hk_check_destroy(hk_trace_check *c);

/* Takes the next event.  0; or -1 with `err` saying what is wrong with
 * it ("double free of id 7 (freed at byte 120)"), without the file and
 * offset, which the caller has in ev->offset.  A rejected event leaves
 * the state as it was. */
int hk_check_event(hk_trace_check *c, const hk_event *ev, char *err,
                   size_t errlen);

const hk_trace_stats *hk_check_stats(const hk_trace_check *c);

#endif
