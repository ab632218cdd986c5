/*
 * trace_write.c - the streaming trace writer.
 *
 * Events are coded into one block buffer (frame header space, then the
 * payload); a block that cannot take another longest event is framed and
 * handed to the file in one write, so a writer killed mid-run leaves a
 * file of complete blocks plus at most one partial one.  Errors are
 * sticky: after the first (an invalid event or an I/O error) nothing more
 * is written, and hk_trace_close reports it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "format.h"
#include "trace_stream.h"
#include "varint.h"

#define ERR_MAX 256

struct hk_trace_writer {
    FILE *f;
    int failed;
    uint8_t *buf;      /* HK_FRAME_HEADER bytes of frame header, payload */
    size_t len;        /* bytes used in buf */
    size_t block;      /* payload bytes a block may reach */
    uint32_t block_events;
    uint64_t events;   /* written so far, the current block included */
    hk_coder c;
    char err[ERR_MAX]; /* the first error, without the file name */
    char name[];
};

static int fail(hk_trace_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(hk_trace_writer *w, const char *fmt, ...)
{
    va_list ap;

    if (!w->failed) {
        va_start(ap, fmt);
        vsnprintf(w->err, sizeof w->err, fmt, ap);
        va_end(ap);
        w->failed = 1;
    }
    return -1;
}

/* Hands len bytes to the file, all of them now. */
static int put(hk_trace_writer *w, const void *data, size_t len)
{
    if (fwrite(data, 1, len, w->f) != len || fflush(w->f) != 0)
        return fail(w, "write error: %s", strerror(errno));
    return 0;
}

/* Frames and writes the current block, if it holds any event. */
static int flush_block(hk_trace_writer *w)
{
    if (w->block_events == 0)
        return 0;
    w->buf[0] = HK_TAG_BLOCK;
    hk_put_le(w->buf + 1, w->len - HK_FRAME_HEADER, 4);
    hk_put_le(w->buf + 5, w->block_events, 4);
    uint32_t crc = hk_crc32c(0, w->buf, 9);
    crc = hk_crc32c(crc, w->buf + HK_FRAME_HEADER, w->len - HK_FRAME_HEADER);
    hk_put_le(w->buf + 9, crc, 4);
    if (put(w, w->buf, w->len) != 0)
        return -1;
    w->len = HK_FRAME_HEADER;
    w->block_events = 0;
    return 0;
}

static int write_header(hk_trace_writer *w, const char *program)
{
    size_t plen = strlen(program);
    uint8_t head[HK_HEADER_FIXED + HK_PROGRAM_MAX + 4];

    if (plen > HK_PROGRAM_MAX)
        plen = HK_PROGRAM_MAX;
    memcpy(head, HK_MAGIC, HK_MAGIC_LEN);
    hk_put_le(head + 8, HK_VERSION, 2);
    hk_put_le(head + 10, 0, 2);
    hk_put_le(head + 12, plen, 2);
    memcpy(head + HK_HEADER_FIXED, program, plen);
    size_t len = HK_HEADER_FIXED + plen;
    hk_put_le(head + len, hk_crc32c(0, head, len), 4);
    return put(w, head, len + 4);
}

hk_trace_writer *hk_trace_create_stream(FILE *f, const char *name,
                                        const char *program, char *err,
                                        size_t errlen)
{
    size_t nlen = strlen(name) + 1;
    hk_trace_writer *w = f ? calloc(1, sizeof *w + nlen) : NULL;

    if (w)
        w->buf = malloc(HK_FRAME_HEADER + HK_BLOCK_TARGET);
    if (!w || !w->buf) {
        snprintf(err, errlen, "%s: %s", name,
                 f ? "out of memory" : "cannot open the stream");
        free(w);
        if (f)
            fclose(f);
        return NULL;
    }
    memcpy(w->name, name, nlen);
    w->f = f;
    w->len = HK_FRAME_HEADER;
    w->block = HK_BLOCK_TARGET;
    if (write_header(w, program ? program : "") != 0) {
        snprintf(err, errlen, "%s: %s", name, w->err);
        fclose(f);
        free(w->buf);
        free(w);
        return NULL;
    }
    return w;
}

hk_trace_writer *hk_trace_create(const char *path, const char *program,
                                 char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    return hk_trace_create_stream(f, path, program, err, errlen);
}

static int check_event(hk_trace_writer *w, const hk_event *ev)
{
    uint64_t n = w->events;

    if (ev->kind >= HK_EV_KINDS)
        return fail(w, "event %" PRIu64 ": unknown kind %u", n, ev->kind);
    if (ev->kind == HK_EV_FREE && ev->size != 0)
        return fail(w, "event %" PRIu64 ": free with size %" PRIu64, n,
                    ev->size);
    if (ev->kind == HK_EV_ALIGNED &&
        (ev->align == 0 || (ev->align & (ev->align - 1)) != 0))
        return fail(w, "event %" PRIu64 ": alignment %" PRIu64
                    " is not a power of two", n, ev->align);
    if (ev->kind != HK_EV_ALIGNED && ev->align != 0)
        return fail(w, "event %" PRIu64 ": alignment on a %s event", n,
                    hk_ev_kind_names[ev->kind]);
    return 0;
}

int hk_trace_write(hk_trace_writer *w, const hk_event *ev)
{
    if (w->failed || check_event(w, ev) != 0)
        return -1;
    if (w->len + HK_EVENT_MAX > HK_FRAME_HEADER + w->block &&
        flush_block(w) != 0)
        return -1;

    hk_coder *c = &w->c;
    uint8_t *head = w->buf + w->len;
    uint8_t *p = head + 1;
    unsigned flags = ev->kind;

    if (ev->thread != c->thread) {
        flags |= HK_F_THREAD;
        p = hk_varint_put(p, ev->thread);
        c->thread = ev->thread;
    }
    uint64_t predicted = hk_coder_predict(c, ev->kind);
    if (ev->id != predicted) {
        flags |= HK_F_ID;
        p = hk_varint_put(p, hk_zigzag(ev->id - predicted));
    }
    if (hk_kind_allocates(ev->kind))
        c->fresh = ev->id + 1;
    if (ev->kind != HK_EV_FREE && ev->size != c->size) {
        flags |= HK_F_SIZE;
        p = hk_varint_put(p, ev->size);
        c->size = ev->size;
    }
    if (ev->kind == HK_EV_ALIGNED)
        *p++ = (uint8_t)__builtin_ctzll(ev->align);
    uint64_t dt = ev->time_ns - c->time;
    if (dt != c->dt) {
        flags |= HK_F_TIME;
        p = hk_varint_put(p, hk_zigzag(dt));
        c->dt = dt;
    }
    c->time = ev->time_ns;
    *head = (uint8_t)flags;
    w->len = (size_t)(p - w->buf);
    w->block_events++;
    w->events++;
    return 0;
}

int hk_trace_close(hk_trace_writer *w, char *err, size_t errlen)
{
    uint8_t end[HK_FRAME_HEADER];

    if (!w->failed && flush_block(w) == 0) {
        end[0] = HK_TAG_END;
        hk_put_le(end + 1, w->events, 8);
        hk_put_le(end + 9, hk_crc32c(0, end, 9), 4);
        put(w, end, sizeof end);
    }
    if (fclose(w->f) != 0)
        fail(w, "write error: %s", strerror(errno));
    int rc = w->failed ? -1 : 0;
    if (rc != 0)
        snprintf(err, errlen, "%s: %s", w->name, w->err);
    free(w->buf);
    free(w);
    return rc;
}

void hk_trace_set_block_size(hk_trace_writer *w, size_t bytes)
{
    w->block = bytes < HK_EVENT_MAX      ? HK_EVENT_MAX
               : bytes > HK_BLOCK_TARGET ? HK_BLOCK_TARGET
                                         : bytes;
}
