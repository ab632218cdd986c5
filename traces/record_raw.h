/*
 * record_raw.h - the raw file the recorder writes and `hakmem record`
 * converts into a trace (private to traces/ and its tests).
 *
 * One process image writes FILE.raw.PID (FILE.raw.PID.N for the N-th
 * image after an exec in the same process): a header, then chunks, each
 * added by one O_APPEND write, so chunks never interleave but a file may
 * end inside one (the process was killed while writing).  An events chunk
 * holds records of one thread in sequence order; chunks of different
 * threads interleave.  A process that runs its exit-time flush writes the
 * end chunk; events chunks may still follow it, from threads that were
 * running.  Values are in the machine's byte order: a raw file never
 * leaves the machine that wrote it.
 *
 * Every event carries a global sequence number, taken once per recorded
 * call; the numbers are dense (0, 1, 2 ... per process), so a converter
 * can tell where events are missing.  A record is coded against the one
 * before it in the same thread (hk_raw_coder), and the chunk header
 * carries the coder state before its first record, so every chunk
 * decodes on its own.  Times are in ticks (record_clock.h); the anchors
 * in the header and the chunks turn them into nanoseconds.
 *
 * A record: a head byte (the enum hk_ev_kind), then varints: the
 * sequence number minus the previous one minus 1, the time minus the
 * previous time, the id minus the previous id (zigzag), the size (not for
 * a free), and for an aligned allocation one byte, log2 of the alignment.
 */
#ifndef HK_RECORD_RAW_H
#define HK_RECORD_RAW_H

#include <stdint.h>

#include "trace.h"
#include "varint.h"

#define HK_RAW_MAGIC "\x89HKRAW\n"  /* 8 bytes with the NUL */
#define HK_RAW_VERSION 1
#define HK_RAW_CMDLINE_MAX 3800      /* bytes of command line kept */
#define HK_RAW_EVENTS 0x43524b48u    /* "HKRC": an events chunk */
#define HK_RAW_END 0x45524b48u       /* "HKRE": the end chunk */
#define HK_RAW_PAYLOAD_MAX (64u << 10)
#define HK_RAW_RECORD_MAX (1 + 4 * HK_VARINT_MAX + 1)

/* A tick count (record_clock.h) and CLOCK_MONOTONIC in nanoseconds,
 * read together. */
typedef struct hk_raw_anchor {
    uint64_t ticks;
    uint64_t ns;
} hk_raw_anchor;

typedef struct hk_raw_header {
    char magic[8];
    uint32_t version;
    uint32_t pid;
    uint32_t parent;      /* the process this one was forked from, or 0 */
    uint32_t cmdline_len; /* bytes of /proc/self/cmdline that follow */
    hk_raw_anchor start;  /* the process (or the fork) started: event
                             times count ticks from here */
} hk_raw_header;

/* The state a record is coded against: the thread's previous record. */
typedef struct hk_raw_coder {
    uint64_t seq; /* UINT64_MAX before a thread's first record */
    uint64_t time; /* ticks */
    uint64_t id;
} hk_raw_coder;

typedef struct hk_raw_chunk {
    uint32_t magic;    /* HK_RAW_EVENTS or HK_RAW_END */
    uint32_t thread;   /* events: the recorder's number of the thread */
    uint32_t bytes;    /* payload bytes after this header */
    uint32_t records;  /* events: records in the payload, at least 1 */
    hk_raw_coder base; /* events: the coder before the first record */
    hk_raw_anchor written; /* read as the chunk was written */
} hk_raw_chunk;

/* The payload of the end chunk, written at process exit. */
typedef struct hk_raw_end {
    uint64_t taken;         /* sequence numbers the process took */
    uint64_t unknown_frees; /* frees and reallocs of pointers the
                               recorder never saw: not recorded */
    uint64_t stale;         /* allocations at an address the recorder
                               held live (freed behind its back): a free
                               was recorded for the old object */
    uint64_t untracked;     /* allocations not recorded for want of
                               memory for the recorder */
} hk_raw_end;

typedef struct hk_raw_event {
    uint64_t seq;
    uint64_t time;    /* ticks since the start anchor */
    uint64_t id;
    uint64_t size;    /* 0 for a free */
    uint8_t kind;     /* enum hk_ev_kind */
    uint8_t align_log2;
} hk_raw_event;

/* The coder of a thread before its first record. */
#define HK_RAW_CODER_START ((hk_raw_coder){ UINT64_MAX, 0, 0 })

/* Codes ev at p (room for HK_RAW_RECORD_MAX bytes) against c, which
 * becomes ev's state; returns the end.  ev->seq and ev->time must not
 * be below the coder's. */
static inline uint8_t *hk_raw_encode(hk_raw_coder *c, uint8_t *p,
                                     const hk_raw_event *ev)
{
    *p++ = ev->kind;
    p = hk_varint_put(p, ev->seq - c->seq - 1);
    p = hk_varint_put(p, ev->time - c->time);
    p = hk_varint_put(p, hk_zigzag(ev->id - c->id));
    if (ev->kind != HK_EV_FREE)
        p = hk_varint_put(p, ev->size);
    if (ev->kind == HK_EV_ALIGNED)
        *p++ = ev->align_log2;
    *c = (hk_raw_coder){ ev->seq, ev->time, ev->id };
    return p;
}

/* Decodes the record at *pp, which must end before `end`, against c;
 * advances *pp and c.  0, or -1 for a record that is malformed or runs
 * past end. */
static inline int hk_raw_decode(hk_raw_coder *c, const uint8_t **pp,
                                const uint8_t *end, hk_raw_event *ev)
{
    const uint8_t *p = *pp;
    uint64_t dseq, dtime, did, size = 0;

    if (p >= end || *p >= HK_EV_KINDS)
        return -1;
    ev->kind = *p++;
    if (hk_varint_get(&p, end, &dseq) != HK_VARINT_OK ||
        hk_varint_get(&p, end, &dtime) != HK_VARINT_OK ||
        hk_varint_get(&p, end, &did) != HK_VARINT_OK ||
        (ev->kind != HK_EV_FREE &&
         hk_varint_get(&p, end, &size) != HK_VARINT_OK))
        return -1;
    ev->align_log2 = 0;
    if (ev->kind == HK_EV_ALIGNED) {
        if (p >= end || *p > 63)
            return -1;
        ev->align_log2 = *p++;
    }
    ev->seq = c->seq + 1 + dseq;
    ev->time = c->time + dtime;
    ev->id = c->id + hk_unzigzag(did);
    ev->size = size;
    *c = (hk_raw_coder){ ev->seq, ev->time, ev->id };
    *pp = p;
    return 0;
}

#endif
