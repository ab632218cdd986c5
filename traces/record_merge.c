/*
 * record_merge.c - the raw file of a recorded process, as a trace.
 *
 * Two passes.  The index pass walks the chunk headers (pread by offset)
 * and decodes each events chunk's first record; it finds the end chunk,
 * the last clock anchor and the thread numbers.  The merge pass is a
 * k-way merge over the chunks, a binary heap keyed by the sequence
 * number of each chunk's front record.  A chunk gets a read window when
 * its second record is needed and loses it when it is used up, so memory
 * is O(chunks) (plus a window per chunk whose events overlap in time),
 * never O(events).
 *
 * The merge writes events while their sequence numbers run 0, 1, 2 ...
 * and stops at the first number missing, so the trace is a prefix of what
 * the process did, and well formed.  Times become CLOCK_MONOTONIC
 * nanoseconds since the start (record_clock.h), made non-decreasing in
 * sequence order (threads read the clock outside the critical section
 * that numbers their events); thread numbers are renumbered in order of
 * first appearance.
 *
 * The trace's description, in its header, says whether it is cut short.
 * Without the end chunk it is (events may be missing after the last one
 * written).  With it, a trace that stops before the `taken` events of the
 * end chunk (threads were still allocating at exit) is written a second
 * time, saying so.
 */
#include "record_merge.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"

#define WINDOW (16u << 10) /* bytes read at once from a chunk */

/* How far a chunk is read. */
typedef struct cursor {
    hk_raw_event front; /* the next record to merge */
    hk_raw_coder coder; /* after the front record */
    uint32_t used;      /* payload bytes decoded */
    uint32_t left;      /* records after the front one */
} cursor;

typedef struct chunk {
    uint64_t offset;   /* of the payload in the file */
    uint32_t bytes;    /* of the payload */
    uint32_t thread;   /* the recorder's number */
    cursor first;      /* as the index pass left it */
    cursor at;         /* in the merge */
    uint8_t *win;      /* NULL, or payload bytes [win_at, win_at+win_len) */
    uint32_t win_at, win_len;
} chunk;

typedef struct merge {
    const char *path;
    int fd;
    uint64_t size;     /* of the file */
    hk_raw_header head;
    char cmdline[HK_RAW_CMDLINE_MAX + 1];
    chunk *chunks;
    size_t n, cap;
    chunk **heap;
    size_t heap_n;
    uint32_t threads;  /* recorder thread numbers: 0 .. threads-1 */
    uint32_t *renumber;
    hk_raw_anchor last; /* the latest anchor */
    char *err;
    size_t errlen;
} merge;

static int fail(merge *m, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(merge *m, uint64_t at, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(m->err, m->errlen, "%s: byte %" PRIu64 ": ", m->path,
                     at);

    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < m->errlen)
        vsnprintf(m->err + n, m->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads len bytes at off: 0, or -1 (err filled) if the file has fewer. */
static int read_at(merge *m, void *buf, size_t len, uint64_t off)
{
    ssize_t n = pread(m->fd, buf, len, (off_t)off);

    if (n == (ssize_t)len)
        return 0;
    if (n < 0)
        return fail(m, off, "%s", strerror(errno));
    return fail(m, off, "unexpected end of file");
}

/* ---- the index pass ---- */

static int read_header(merge *m)
{
    hk_raw_header *h = &m->head;

    if (m->size < sizeof *h || read_at(m, h, sizeof *h, 0) != 0 ||
        memcmp(h->magic, HK_RAW_MAGIC, sizeof h->magic) != 0)
        return fail(m, 0, "not a raw file of the recorder");
    if (h->version != HK_RAW_VERSION)
        return fail(m, 8, "unsupported version %" PRIu32, h->version);
    if (h->cmdline_len > HK_RAW_CMDLINE_MAX)
        return fail(m, 20, "command line of %" PRIu32 " bytes",
                    h->cmdline_len);
    if (read_at(m, m->cmdline, h->cmdline_len, sizeof *h) != 0)
        return -1;
    m->last = h->start;
    return 0;
}

static chunk *add_chunk(merge *m)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        chunk *c = realloc(m->chunks, cap * sizeof *c);
        if (!c)
            return NULL;
        m->chunks = c;
        m->cap = cap;
    }
    return memset(&m->chunks[m->n++], 0, sizeof(chunk));
}

/* An events chunk whose header is h and whose payload starts at off. */
static int index_events(merge *m, const hk_raw_chunk *h, uint64_t off)
{
    uint8_t first[HK_RAW_RECORD_MAX];
    size_t len = h->bytes < sizeof first ? h->bytes : sizeof first;
    uint64_t at = off - sizeof *h;

    if (h->records == 0 || h->bytes > HK_RAW_PAYLOAD_MAX ||
        h->records > h->bytes)
        return fail(m, at, "chunk of %" PRIu32 " records in %" PRIu32
                    " bytes", h->records, h->bytes);
    if (read_at(m, first, len, off) != 0)
        return -1;
    chunk *c = add_chunk(m);
    if (!c)
        return fail(m, at, "out of memory");
    const uint8_t *p = first;
    c->first.coder = h->base;
    if (hk_raw_decode(&c->first.coder, &p, first + len, &c->first.front))
        return fail(m, off, "bad record");
    c->first.used = (uint32_t)(p - first);
    c->first.left = h->records - 1;
    c->offset = off;
    c->bytes = h->bytes;
    c->thread = h->thread;
    if (h->thread >= m->threads)
        m->threads = h->thread + 1;
    return 0;
}

static int index_chunks(merge *m, hk_record_info *info)
{
    uint64_t off = sizeof m->head + m->head.cmdline_len;
    hk_raw_chunk h;

    /* A file that ends inside a chunk was cut short while written. */
    while (m->size - off >= sizeof h) {
        if (read_at(m, &h, sizeof h, off) != 0)
            return -1;
        if (h.magic != HK_RAW_EVENTS && h.magic != HK_RAW_END)
            return fail(m, off, "not a chunk");
        if (m->size - off - sizeof h < h.bytes)
            break;
        if (h.magic == HK_RAW_END) {
            if (info->exited || h.bytes != sizeof info->end)
                return fail(m, off, "unexpected end chunk");
            if (read_at(m, &info->end, sizeof info->end, off + sizeof h))
                return -1;
            info->exited = 1;
        } else if (h.magic == HK_RAW_EVENTS) {
            if (index_events(m, &h, off + sizeof h) != 0)
                return -1;
        }
        if (h.written.ticks > m->last.ticks)
            m->last = h.written;
        off += sizeof h + h.bytes;
        info->chunks++;
    }
    return 0;
}

/* ---- the merge pass ---- */

static int before(const chunk *a, const chunk *b)
{
    return a->at.front.seq < b->at.front.seq;
}

static void sift_down(merge *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < m->heap_n && before(m->heap[l], m->heap[min]))
            min = l;
        if (r < m->heap_n && before(m->heap[r], m->heap[min]))
            min = r;
        if (min == i)
            return;
        chunk *t = m->heap[i];
        m->heap[i] = m->heap[min];
        m->heap[min] = t;
        i = min;
    }
}

static void heap_build(merge *m)
{
    m->heap_n = m->n;
    for (size_t i = 0; i < m->n; i++) {
        m->chunks[i].at = m->chunks[i].first;
        m->chunks[i].win = NULL;
        m->heap[i] = &m->chunks[i];
    }
    for (size_t i = m->heap_n / 2; i-- > 0;)
        sift_down(m, i);
}

/* A chunk's next record becomes its front: 1; 0 when it had none left;
 * -1 on a read error or a bad record. */
static int advance(merge *m, chunk *c)
{
    cursor *at = &c->at;

    if (at->left == 0) {
        free(c->win);
        c->win = NULL;
        if (at->used != c->bytes)
            return fail(m, c->offset + at->used, "bytes after the last "
                        "record of the chunk");
        return 0;
    }
    uint32_t rest = c->bytes - at->used;
    uint32_t need = rest < HK_RAW_RECORD_MAX ? rest : HK_RAW_RECORD_MAX;
    if (!c->win || at->used + need > c->win_at + c->win_len) {
        if (!c->win && !(c->win = malloc(WINDOW)))
            return fail(m, c->offset, "out of memory");
        c->win_at = at->used;
        c->win_len = rest < WINDOW ? rest : WINDOW;
        if (read_at(m, c->win, c->win_len, c->offset + c->win_at) != 0)
            return -1;
    }
    const uint8_t *p = c->win + (at->used - c->win_at);
    if (hk_raw_decode(&at->coder, &p, c->win + c->win_len, &at->front))
        return fail(m, c->offset + at->used, "bad record");
    at->used = c->win_at + (uint32_t)(p - c->win);
    at->left--;
    return 1;
}

/* Ticks since the start, as nanoseconds of CLOCK_MONOTONIC. */
static uint64_t to_ns(const merge *m, uint64_t ticks)
{
    uint64_t dt = m->last.ticks - m->head.start.ticks;
    uint64_t dns = m->last.ns - m->head.start.ns;

    if (m->last.ticks <= m->head.start.ticks)
        return ticks;
    return (uint64_t)((unsigned __int128)ticks * dns / dt);
}

/* Writes the trace: the events below `limit`, until one is missing.
 * 0; or -1 (err filled), the trace removed. */
static int write_trace(merge *m, const char *trace, uint64_t limit,
                       hk_record_info *info)
{
    uint64_t seq = 0, time = 0, threads = 0;
    int rc = 0;
    hk_trace_writer *w = hk_trace_create(trace, info->program, m->err,
                                         m->errlen);

    if (!w)
        return -1;
    heap_build(m);
    for (uint32_t t = 0; t < m->threads; t++)
        m->renumber[t] = UINT32_MAX;
    while (m->heap_n > 0 && rc == 0) {
        chunk *c = m->heap[0];
        const hk_raw_event *f = &c->at.front;
        if (f->seq < seq) {
            rc = fail(m, c->offset, "event %" PRIu64 " twice", f->seq);
            break;
        }
        if (f->seq > seq || seq >= limit)
            break;
        if (m->renumber[c->thread] == UINT32_MAX)
            m->renumber[c->thread] = (uint32_t)threads++;
        uint64_t ns = to_ns(m, f->time);
        time = ns > time ? ns : time;
        hk_event ev = {
            .kind = f->kind,
            .thread = m->renumber[c->thread],
            .id = f->id,
            .size = f->size,
            .align = f->kind == HK_EV_ALIGNED ? 1ull << f->align_log2 : 0,
            .time_ns = time,
        };
        if (hk_trace_write(w, &ev) != 0)
            break; /* the writer keeps the error for close */
        seq++;
        int more = advance(m, c);
        if (more < 0)
            rc = -1;
        if (more == 0)
            m->heap[0] = m->heap[--m->heap_n];
        sift_down(m, 0);
    }
    for (size_t i = 0; i < m->n; i++)
        free(m->chunks[i].win);
    info->events = seq;
    info->threads = threads;
    if (hk_trace_close(w, m->err, m->errlen) != 0)
        rc = -1;
    if (rc != 0)
        unlink(trace);
    return rc;
}

/* ---- the description ---- */

static void describe(const merge *m, hk_record_info *info)
{
    char *p = info->program, *end = p + sizeof info->program;
    uint32_t len = m->head.cmdline_len;

    for (uint32_t i = 0; i < len && p < end - 1; i++) {
        char ch = m->cmdline[i];
        if (ch == '\0' && i + 1 == len)
            break;
        *p++ = ch == '\0' ? ' ' : ch;
    }
    *p = '\0';
    if (info->parent)
        p += snprintf(p, (size_t)(end - p), " [forked from pid %" PRIu32 "]",
                      info->parent);
    if (!info->cut || p >= end)
        return;
    if (!info->exited)
        snprintf(p, (size_t)(end - p), " [cut short: the process ended "
                 "without the recorder's exit flush (killed, _exit or "
                 "exec)]");
    else
        snprintf(p, (size_t)(end - p), " [cut short: %" PRIu64 " of %"
                 PRIu64 " events: threads were still allocating at exit]",
                 info->events, info->end.taken);
}

static void release(merge *m)
{
    if (m->fd >= 0)
        close(m->fd);
    free(m->chunks);
    free(m->heap);
    free(m->renumber);
}

int hk_record_convert(const char *raw, const char *trace,
                      hk_record_info *info, char *err, size_t errlen)
{
    merge m = { .path = raw, .err = err, .errlen = errlen };
    struct stat st;
    int rc = -1;

    memset(info, 0, sizeof *info);
    m.fd = open(raw, O_RDONLY | O_CLOEXEC);
    if (m.fd < 0 || fstat(m.fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", raw, strerror(errno));
        goto out;
    }
    m.size = (uint64_t)st.st_size;
    if (read_header(&m) != 0 || index_chunks(&m, info) != 0)
        goto out;
    m.heap = malloc((m.n ? m.n : 1) * sizeof *m.heap);
    m.renumber = malloc((m.threads ? m.threads : 1) * sizeof *m.renumber);
    if (!m.heap || !m.renumber) {
        snprintf(err, errlen, "%s: out of memory", raw);
        goto out;
    }
    info->pid = m.head.pid;
    info->parent = m.head.parent;
    info->cut = !info->exited;
    uint64_t limit = info->exited ? info->end.taken : UINT64_MAX;
    describe(&m, info);
    if (write_trace(&m, trace, limit, info) != 0)
        goto out;
    if (info->exited && info->events < limit) {
        info->cut = 1;
        describe(&m, info);
        if (write_trace(&m, trace, limit, info) != 0)
            goto out;
    }
    rc = 0;
out:
    release(&m);
    return rc;
}
