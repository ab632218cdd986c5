/*
 * trace_read.c - the streaming trace reader.
 *
 * Memory is one block buffer, HK_BLOCK_MAX bytes at most, whatever the
 * input.  A block's events are handed out only after its CRC has been
 * checked, so the events a reader returns are always a prefix of what
 * the writer wrote: a damaged or cut-short trace yields every event of
 * the intact blocks before the damage, then an error that names the byte.
 * Errors are sticky; after one, hk_trace_read keeps returning -1.
 *
 * A path that is not a regular file (a pipe, /dev/stdin, a socket) can be
 * read once only, while a command may open its trace several times (the
 * simulator reads it twice).  Its first open copies it whole into an
 * anonymous in-memory file, kept for the life of the process; every open
 * of that path then reads the copy from its start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "format.h"
#include "trace_stream.h"
#include "varint.h"

#define ERR_TEXT 200 /* room for an error message past the file name */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

const char *const hk_ev_kind_names[HK_EV_KINDS] = {
    [HK_EV_MALLOC] = "malloc",   [HK_EV_CALLOC] = "calloc",
    [HK_EV_REALLOC] = "realloc", [HK_EV_FREE] = "free",
    [HK_EV_ALIGNED] = "aligned",
};

enum state { READING, DONE, FAILED };

struct hk_trace_reader {
    FILE *f;
    enum state state;
    uint8_t *buf;        /* the current block's payload */
    size_t cap;
    const uint8_t *pos;  /* next event in buf */
    const uint8_t *end;  /* end of the payload */
    uint64_t base;       /* file offset of buf[0] */
    uint64_t at;         /* file offset of the next byte to read */
    uint32_t left;       /* events of the block not yet decoded */
    uint64_t events;     /* events returned */
    uint64_t fnv;        /* FNV-1a 64 of the bytes read */
    hk_coder c;
    char program[HK_PROGRAM_MAX + 1];
    char *err;
    size_t errlen;
    char name[];
};

static int fail(hk_trace_reader *r, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(hk_trace_reader *r, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(r->err, r->errlen, "%s: byte %" PRIu64 ": ", r->name,
                     offset);

    if (n >= 0 && (size_t)n < r->errlen) {
        va_start(ap, fmt);
        vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    r->state = FAILED;
    r->pos = r->end = NULL;
    return -1;
}

/* Reads up to len bytes, folding them into the checksum; returns the
 * count, short only at the end of the file or on an I/O error. */
static size_t take(hk_trace_reader *r, void *dst, size_t len)
{
    size_t n = fread(dst, 1, len, r->f);
    const uint8_t *p = dst;
    uint64_t h = r->fnv;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    r->fnv = h;
    r->at += n;
    return n;
}

/* Reads exactly len bytes of the item that starts at byte `start`. */
static int take_all(hk_trace_reader *r, void *dst, size_t len, uint64_t start,
                    const char *what)
{
    if (take(r, dst, len) == len)
        return 0;
    if (ferror(r->f))
        return fail(r, r->at, "read error: %s", strerror(errno));
    return fail(r, r->at, "truncated (%s at byte %" PRIu64 " is incomplete)",
                what, start);
}

static int read_header(hk_trace_reader *r)
{
    uint8_t head[HK_HEADER_FIXED];
    size_t n = take(r, head, sizeof head);

    if (ferror(r->f))
        return fail(r, r->at, "read error: %s", strerror(errno));
    if (memcmp(head, HK_MAGIC, n < HK_MAGIC_LEN ? n : HK_MAGIC_LEN) != 0)
        return fail(r, 0, "not a hakmem trace (bad magic)");
    if (n == 0)
        return fail(r, 0, "empty file, not a hakmem trace");
    if (n < sizeof head)
        return fail(r, n, "truncated (header is incomplete)");
    unsigned version = (unsigned)hk_get_le(head + 8, 2);
    unsigned flags = (unsigned)hk_get_le(head + 10, 2);
    size_t plen = (size_t)hk_get_le(head + 12, 2);
    if (version != HK_VERSION)
        return fail(r, 8, "unsupported version %u (this reader reads %u)",
                    version, HK_VERSION);
    if (flags != 0)
        return fail(r, 10, "unknown header flags 0x%04x", flags);
    if (plen > HK_PROGRAM_MAX)
        return fail(r, 12, "program description of %zu bytes (at most %d)",
                    plen, HK_PROGRAM_MAX);
    uint8_t crc[4];
    if (take_all(r, r->program, plen, 0, "header") != 0 ||
        take_all(r, crc, sizeof crc, 0, "header") != 0)
        return -1;
    r->program[plen] = '\0';
    uint32_t want = hk_crc32c(hk_crc32c(0, head, sizeof head), r->program,
                              plen);
    if (hk_get_le(crc, 4) != want)
        return fail(r, HK_HEADER_FIXED + plen, "header checksum mismatch");
    if (memchr(r->program, '\0', plen))
        return fail(r, HK_HEADER_FIXED, "NUL byte in program description");
    return 0;
}

hk_trace_reader *hk_trace_open_stream(FILE *f, const char *name, char *err,
                                      size_t errlen)
{
    size_t nlen = strlen(name) + 1;
    size_t elen = nlen + ERR_TEXT;
    hk_trace_reader *r = f ? calloc(1, sizeof *r + nlen + elen) : NULL;

    if (!r) {
        snprintf(err, errlen, "%s: %s", name,
                 f ? "out of memory" : "cannot open the stream");
        if (f)
            fclose(f);
        return NULL;
    }
    memcpy(r->name, name, nlen);
    r->err = r->name + nlen;
    r->errlen = elen;
    r->f = f;
    r->fnv = FNV_OFFSET;
    if (read_header(r) != 0) {
        snprintf(err, errlen, "%s", r->err);
        hk_trace_close_reader(r);
        return NULL;
    }
    return r;
}

#define SPOOLED_MAX 4

/* Paths read once and copied, with the copy's descriptor. */
static struct spooled {
    char *path;
    int fd;
} spooled[SPOOLED_MAX];

/* A new stream on the copy: its own file position, from the start. */
static FILE *reopen_copy(int fd)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return fopen(proc, "rb");
}

/* Copies the rest of f into a new in-memory file and remembers it under
 * path; the copy's stream, or NULL with errno set. */
static FILE *spool(FILE *f, const char *path)
{
    size_t slot = 0;
    while (slot < SPOOLED_MAX && spooled[slot].path)
        slot++;
    int fd = slot < SPOOLED_MAX ? memfd_create("hakmem-trace", MFD_CLOEXEC)
                                : -1;
    if (slot == SPOOLED_MAX)
        errno = EMFILE;
    char buf[1 << 16];
    size_t n;
    while (fd >= 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t done = 0; done < n;) {
            ssize_t w = write(fd, buf + done, n - done);
            if (w < 0) {
                close(fd);
                return NULL;
            }
            done += (size_t)w;
        }
    if (fd >= 0 && ferror(f)) {
        errno = EIO;
        close(fd);
        return NULL;
    }
    if (fd < 0 || !(spooled[slot].path = strdup(path))) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    spooled[slot].fd = fd;
    return reopen_copy(fd);
}

hk_trace_reader *hk_trace_open(const char *path, char *err, size_t errlen)
{
    for (size_t i = 0; i < SPOOLED_MAX && spooled[i].path; i++)
        if (!strcmp(spooled[i].path, path)) {
            FILE *copy = reopen_copy(spooled[i].fd);
            if (!copy)
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return copy ? hk_trace_open_stream(copy, path, err, errlen)
                        : NULL;
        }
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (f && fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *copy = spool(f, path);
        fclose(f);
        f = copy;
    }
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    return hk_trace_open_stream(f, path, err, errlen);
}

static int read_end(hk_trace_reader *r, const uint8_t *frame, uint64_t start)
{
    uint64_t count = hk_get_le(frame + 1, 8);

    if (hk_get_le(frame + 9, 4) != hk_crc32c(0, frame, 9))
        return fail(r, start, "end marker checksum mismatch");
    if (count != r->events)
        return fail(r, start, "end marker counts %" PRIu64
                    " events, the trace holds %" PRIu64, count, r->events);
    uint8_t extra;
    if (take(r, &extra, 1) != 0)
        return fail(r, r->at - 1, "trailing bytes after the end marker");
    if (ferror(r->f))
        return fail(r, r->at, "read error: %s", strerror(errno));
    r->state = DONE;
    return 0;
}

static int read_block(hk_trace_reader *r, const uint8_t *frame, uint64_t start)
{
    uint32_t len = (uint32_t)hk_get_le(frame + 1, 4);
    uint32_t count = (uint32_t)hk_get_le(frame + 5, 4);

    if (len == 0 || len > HK_BLOCK_MAX)
        return fail(r, start + 1, "bad block length %" PRIu32
                    " (1 to %u bytes)", len, HK_BLOCK_MAX);
    if (count == 0 || count > len)
        return fail(r, start + 5, "bad event count %" PRIu32
                    " for a block of %" PRIu32 " bytes", count, len);
    if (len > r->cap) {
        uint8_t *buf = realloc(r->buf, len);
        if (!buf)
            return fail(r, start, "out of memory for a block of %" PRIu32
                        " bytes", len);
        r->buf = buf;
        r->cap = len;
    }
    if (take_all(r, r->buf, len, start, "block") != 0)
        return -1;
    uint32_t crc = hk_crc32c(hk_crc32c(0, frame, 9), r->buf, len);
    if (hk_get_le(frame + 9, 4) != crc)
        return fail(r, start, "block checksum mismatch");
    r->base = start + HK_FRAME_HEADER;
    r->pos = r->buf;
    r->end = r->buf + len;
    r->left = count;
    return 0;
}

/* Moves to the next block: 1 when its events are ready, 0 at the end of
 * the trace, -1 on an error. */
static int next_block(hk_trace_reader *r)
{
    uint8_t frame[HK_FRAME_HEADER];
    uint64_t start = r->at;

    if (r->state != READING)
        return r->state == DONE ? 0 : -1;
    if (r->left != 0)
        return fail(r, r->base + (uint64_t)(r->end - r->buf),
                    "block ends %" PRIu32 " events short of its count",
                    r->left);
    size_t n = take(r, frame, 1);
    if (n == 0) {
        if (ferror(r->f))
            return fail(r, r->at, "read error: %s", strerror(errno));
        return fail(r, r->at, "truncated (no end marker after %" PRIu64
                    " events)", r->events);
    }
    if (frame[0] != HK_TAG_BLOCK && frame[0] != HK_TAG_END)
        return fail(r, start, "unknown frame tag 0x%02x", frame[0]);
    const char *what = frame[0] == HK_TAG_END ? "end marker" : "block";
    if (take_all(r, frame + 1, HK_FRAME_HEADER - 1, start, what) != 0)
        return -1;
    if (frame[0] == HK_TAG_END)
        return read_end(r, frame, start);
    return read_block(r, frame, start) == 0 ? 1 : -1;
}

static __attribute__((cold, noinline)) int
field_error(hk_trace_reader *r, const uint8_t *p, enum hk_varint_status st,
            const char *what)
{
    switch (st) {
    case HK_VARINT_SHORT:
        return fail(r, r->base + (uint64_t)(p - r->buf),
                    "%s field runs past the end of the block", what);
    default:
        return fail(r, r->base + (uint64_t)(p - r->buf),
                    "bad varint in %s field", what);
    }
}

/* Reads one varint field of the event at *pp. */
static inline int field(hk_trace_reader *r, const uint8_t **pp, uint64_t *v,
                        const char *what)
{
    const uint8_t *p = *pp;
    enum hk_varint_status st = hk_varint_get(pp, r->end, v);

    return st == HK_VARINT_OK ? 0 : field_error(r, p, st, what);
}

static int decode(hk_trace_reader *r, hk_event *ev)
{
    const uint8_t *p = r->pos;
    uint64_t offset = r->base + (uint64_t)(p - r->buf);
    hk_coder *c = &r->c;
    unsigned head = *p++;
    unsigned kind = head & HK_F_KIND;
    uint64_t v = 0;

    if (r->left == 0)
        return fail(r, offset, "more events than the block's count");
    if (kind >= HK_EV_KINDS)
        return fail(r, offset, "unknown event kind %u", kind);
    if (head & HK_F_RESERVED)
        return fail(r, offset, "reserved bit set in event head 0x%02x", head);
    if (head & HK_F_THREAD) {
        if (field(r, &p, &v, "thread") != 0)
            return -1;
        if (v > UINT32_MAX)
            return fail(r, offset, "thread %" PRIu64 " does not fit 32 bits",
                        v);
        c->thread = (uint32_t)v;
    }
    uint64_t id = hk_coder_predict(c, kind);
    if (head & HK_F_ID) {
        if (field(r, &p, &v, "id") != 0)
            return -1;
        id += hk_unzigzag(v);
    }
    if (hk_kind_allocates(kind))
        c->fresh = id + 1;
    uint64_t size = 0;
    if (kind == HK_EV_FREE) {
        if (head & HK_F_SIZE)
            return fail(r, offset, "free event with a size");
    } else {
        if ((head & HK_F_SIZE) && field(r, &p, &c->size, "size") != 0)
            return -1;
        size = c->size;
    }
    uint64_t align = 0;
    if (kind == HK_EV_ALIGNED) {
        if (p == r->end)
            return fail(r, offset, "alignment runs past the end of the block");
        if (*p > 63)
            return fail(r, offset, "alignment 2^%u does not fit 64 bits", *p);
        align = 1ull << *p++;
    }
    if (head & HK_F_TIME) {
        if (field(r, &p, &v, "time") != 0)
            return -1;
        c->dt = hk_unzigzag(v);
    }
    c->time += c->dt;

    ev->kind = (uint8_t)kind;
    ev->thread = c->thread;
    ev->id = id;
    ev->size = size;
    ev->align = align;
    ev->time_ns = c->time;
    ev->offset = offset;
    r->pos = p;
    r->left--;
    r->events++;
    return 1;
}

int hk_trace_read(hk_trace_reader *r, hk_event *ev)
{
    if (r->pos == r->end) {
        int rc = next_block(r);
        if (rc <= 0)
            return rc;
    }
    return decode(r, ev);
}

const char *hk_trace_error(const hk_trace_reader *r)
{
    return r->state == FAILED ? r->err : "";
}

uint64_t hk_trace_checksum(const hk_trace_reader *r)
{
    return r->fnv;
}

uint64_t hk_trace_bytes_read(const hk_trace_reader *r)
{
    return r->at;
}

const char *hk_trace_program(const hk_trace_reader *r)
{
    return r->program;
}

void hk_trace_close_reader(hk_trace_reader *r)
{
    if (!r)
        return;
    fclose(r->f);
    free(r->buf);
    free(r);
}
