/*
 * format.h - the constants and the coding state of FORMAT.md, shared by
 * the reader and the writer (private to traces/).
 *
 * Both sides run the same hk_coder over the event stream: each event is
 * coded against the state left by the event before it, whichever block
 * it is in, so writer and reader agree as long as they apply the same
 * updates in the same order (hk_coder_predict, then the field updates
 * spelled out in trace_write.c and trace_read.c).
 */
#ifndef HK_FORMAT_H
#define HK_FORMAT_H

#include <stdint.h>

#include "trace.h"

#define HK_MAGIC "\x89HKT\r\n\x1a\n"
#define HK_MAGIC_LEN 8
#define HK_VERSION 1
#define HK_HEADER_FIXED 14     /* magic, version, flags, program length */
#define HK_PROGRAM_MAX 4096    /* bytes of program description, at most */

/* Frames: a 13-byte frame header (tag, two fields, CRC), then a payload
 * for blocks.  The writer fills blocks to about HK_BLOCK_TARGET payload
 * bytes; the reader rejects any longer than HK_BLOCK_MAX. */
#define HK_FRAME_HEADER 13
#define HK_TAG_BLOCK 'B'
#define HK_TAG_END 'E'
#define HK_BLOCK_TARGET (64u << 10)
#define HK_BLOCK_MAX (1u << 20)

/* The head byte of an event: the kind, then which fields follow. */
#define HK_F_KIND 0x07     /* enum hk_ev_kind */
#define HK_F_THREAD 0x08   /* thread varint follows; else as before */
#define HK_F_ID 0x10       /* id varint follows; else the predicted id */
#define HK_F_SIZE 0x20     /* size varint follows; else as before */
#define HK_F_TIME 0x40     /* time-delta varint follows; else as before */
#define HK_F_RESERVED 0x80 /* must be zero */

/* Longest event: head, thread (32 bits), id, size, align, time delta. */
#define HK_EVENT_MAX (1 + 5 + 10 + 10 + 1 + 10)

typedef struct hk_coder {
    uint32_t thread; /* of the previous event */
    uint64_t fresh;  /* one past the id of the latest allocation */
    uint64_t size;   /* of the latest event that carried a size */
    uint64_t dt;     /* time delta of the previous event */
    uint64_t time;   /* time of the previous event */
} hk_coder;

static inline int hk_kind_allocates(unsigned kind)
{
    return kind == HK_EV_MALLOC || kind == HK_EV_CALLOC ||
           kind == HK_EV_ALIGNED;
}

/* Allocations usually take the next fresh id; frees and reallocs are
 * coded against the most recent allocation. */
static inline uint64_t hk_coder_predict(const hk_coder *c, unsigned kind)
{
    return hk_kind_allocates(kind) ? c->fresh : c->fresh - 1;
}

static inline void hk_put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t hk_get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif
