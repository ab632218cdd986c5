/*
 * import_sink.h - where an importer's calls go: calls that name blocks
 * by address become events that name objects by id, written to a trace
 * that appears under its name only when the import succeeds.
 *
 * An address names one object from its allocation to its free; the next
 * allocation at the same address is a new object with a new id (ids
 * count up from 0 in order of allocation).  The logs imported are not
 * always consistent, and the sink settles each case one way, counted in
 * hk_sink_stats:
 *  - a free of an address that is not live (its block was allocated
 *    before logging began, or by a call the tool does not see) is
 *    dropped;
 *  - an allocation at a live address ends the object there first (its
 *    free was not logged): a free, then the allocation;
 *  - a realloc of an address that is not live is an allocation;
 *  - an allocation at address 0 failed, and is dropped.
 * The trace is written to OUT.tmp and renamed to OUT by hk_sink_commit;
 * hk_sink_abort removes OUT.tmp, so a failed import leaves no file.
 */
#ifndef HK_IMPORT_SINK_H
#define HK_IMPORT_SINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct hk_sink hk_sink;

typedef struct hk_sink_stats {
    uint64_t events;          /* written */
    uint64_t unknown_frees;   /* dropped */
    uint64_t implied_frees;   /* written before an allocation */
    uint64_t unknown_reallocs; /* written as allocations */
    uint64_t failed_allocs;   /* dropped */
} hk_sink_stats;

/* A sink writing to `out`; `source` says what is imported ("mtrace
 * FILE") in the trace's program description.  NULL when out of memory. */
hk_sink *hk_sink_create(const char *out, const char *source);

/* The traced program's command line, when the log names it; the
 * description takes it if it comes before the first event. */
void hk_sink_describe(hk_sink *s, const char *program);

/* The calls, at time_ns.  0, or -1 once writing the trace has failed
 * (hk_sink_error says why; later calls fail too). */
int hk_sink_alloc(hk_sink *s, uint64_t addr, uint64_t size, uint64_t time_ns);
int hk_sink_free(hk_sink *s, uint64_t addr, uint64_t time_ns);
int hk_sink_realloc(hk_sink *s, uint64_t old, uint64_t addr, uint64_t size,
                    uint64_t time_ns);

const char *hk_sink_error(const hk_sink *s);
const hk_sink_stats *hk_sink_stats_of(const hk_sink *s);

/* Finishes the trace and renames it to OUT: 0, or -1 with err filled and
 * no file left.  Both end the sink. */
int hk_sink_commit(hk_sink *s, char *err, size_t errlen);
void hk_sink_abort(hk_sink *s);

#endif
