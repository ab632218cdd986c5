/*
 * record_merge.h - converting a raw file of the recorder (record_raw.h)
 * into a trace (trace.h): the events of every thread, in the one order
 * of their sequence numbers.
 *
 * The trace is always complete and well formed: it holds the events from
 * sequence number 0 up to the first one missing (a process killed or
 * exec'd mid-run leaves events in its buffers; threads may still be
 * allocating at exit) and ends with the end marker.  When events are
 * missing, or may be (the process did not run its exit-time flush), the
 * program description says so with "[cut short: REASON]".
 */
#ifndef HK_RECORD_MERGE_H
#define HK_RECORD_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "record_raw.h"

#define HK_RECORD_PROGRAM_MAX 4096

typedef struct hk_record_info {
    uint32_t pid;      /* the process that wrote the raw file */
    uint32_t parent;   /* the process it was forked from, or 0 */
    uint64_t chunks;   /* complete chunks read */
    uint64_t events;   /* events written to the trace */
    uint64_t threads;  /* threads among them */
    int exited;        /* the process ran its exit-time flush */
    int cut;           /* the trace says "cut short" */
    hk_raw_end end;    /* the end chunk's counts; zero unless exited */
    char program[HK_RECORD_PROGRAM_MAX + 1]; /* the trace's description */
} hk_record_info;

/* Converts the raw file `raw` into the trace `trace`.  0, with *info
 * filled; or -1 with err saying what is wrong ("RAW: byte N: what"). */
int hk_record_convert(const char *raw, const char *trace,
                      hk_record_info *info, char *err, size_t errlen);

#endif
