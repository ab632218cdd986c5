/*
 * record_merge.c - unit tests of the recorder's converter
 * (traces/record_merge.c) on raw files built here byte by byte: the
 * merge order of interleaved threads, thread renumbering, ticks to
 * nanoseconds, chunks larger than the converter's read window, the cut
 * at the first missing event (with and without the end chunk), a file
 * that ends inside a chunk, events past the end chunk's count, the
 * program description, and the errors for damaged files.
 *
 * Prints each failed check with its line; exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check.h"

#include "traces/record_merge.h"
#include "traces/record_raw.h"
#include "traces/trace.h"


#define MAX_THREADS 4
#define START_TICKS 1000000u
#define START_NS 7000u

static char raw_path[64], trace_path[64];

/* ---- building raw files ---- */

typedef struct raw_writer {
    FILE *f;
    hk_raw_coder coder[MAX_THREADS];
} raw_writer;

static void put(raw_writer *w, const void *p, size_t n)
{
    CHECK(fwrite(p, 1, n, w->f) == n, "fwrite");
}

/* A raw file of pid, forked from parent (or 0), whose command line is
 * the NUL-separated cmdline of len bytes. */
static void raw_begin(raw_writer *w, uint32_t parent, const char *cmdline,
                      uint32_t len)
{
    hk_raw_header h = { .version = HK_RAW_VERSION, .pid = 4242,
                        .parent = parent, .cmdline_len = len,
                        .start = { START_TICKS, START_NS } };

    memcpy(h.magic, HK_RAW_MAGIC, sizeof h.magic);
    w->f = fopen(raw_path, "wb");
    CHECK(w->f != NULL, "cannot create %s", raw_path);
    put(w, &h, sizeof h);
    put(w, cmdline, len);
    for (int t = 0; t < MAX_THREADS; t++)
        w->coder[t] = HK_RAW_CODER_START;
}

/* An events chunk of thread t, written when the clock read `ticks`
 * (2 ticks a nanosecond). */
static void raw_events(raw_writer *w, uint32_t t, const hk_raw_event *ev,
                       size_t n, uint64_t ticks)
{
    static uint8_t payload[HK_RAW_PAYLOAD_MAX];
    hk_raw_chunk c = { HK_RAW_EVENTS, t, 0, (uint32_t)n, w->coder[t],
                       { START_TICKS + ticks, START_NS + ticks / 2 } };
    uint8_t *p = payload;

    for (size_t i = 0; i < n; i++)
        p = hk_raw_encode(&w->coder[t], p, &ev[i]);
    c.bytes = (uint32_t)(p - payload);
    CHECK(c.bytes <= sizeof payload, "chunk too large");
    put(w, &c, sizeof c);
    put(w, payload, c.bytes);
}

static void raw_end(raw_writer *w, uint64_t taken)
{
    hk_raw_end end = { .taken = taken, .unknown_frees = 3 };
    hk_raw_chunk c = { .magic = HK_RAW_END, .bytes = sizeof end };

    put(w, &c, sizeof c);
    put(w, &end, sizeof end);
}

static void raw_close(raw_writer *w)
{
    CHECK(fclose(w->f) == 0, "fclose");
}

static hk_raw_event alloc(uint64_t seq, uint64_t ticks, uint64_t id,
                          uint64_t size)
{
    return (hk_raw_event){ seq, ticks, id, size, HK_EV_MALLOC, 0 };
}

static hk_raw_event release(uint64_t seq, uint64_t ticks, uint64_t id)
{
    return (hk_raw_event){ seq, ticks, id, 0, HK_EV_FREE, 0 };
}

/* ---- reading traces ---- */

/* Reads the whole trace into evs (up to max); the count, or -1. */
static long read_trace(hk_event *evs, long max, char *program, size_t len)
{
    char err[256];
    hk_trace_reader *r = hk_trace_open(trace_path, err, sizeof err);
    hk_event ev;
    long n = 0;
    int rc;

    CHECK(r != NULL, "%s", err);
    if (!r)
        return -1;
    snprintf(program, len, "%s", hk_trace_program(r));
    while ((rc = hk_trace_read(r, &ev)) == 1) {
        if (n < max)
            evs[n] = ev;
        n++;
    }
    CHECK(rc == 0, "%s", hk_trace_error(r));
    hk_trace_close_reader(r);
    return rc == 0 ? n : -1;
}

static int convert(hk_record_info *info, char *err, size_t errlen)
{
    return hk_record_convert(raw_path, trace_path, info, err, errlen);
}

/* ---- the tests ---- */

/* Three threads whose chunks interleave out of order; recorder thread 2
 * comes first in sequence order, so it becomes trace thread 0. */
static void test_order(void)
{
    raw_writer w;
    hk_record_info info;
    char err[256], program[HK_RECORD_PROGRAM_MAX + 1];
    hk_event evs[16];
    hk_raw_event t0[] = { alloc(1, 20, 0, 100), release(4, 50, 0),
                          alloc(6, 70, 3, 10) };
    hk_raw_event t1[] = { alloc(2, 30, 1, 200), alloc(3, 30, 2, 300) };
    hk_raw_event t2a[] = { alloc(0, 10, 5, 50) };
    hk_raw_event t2b[] = { release(5, 40, 5), release(7, 80, 1) };
    static const char cmdline[] = "prog\0-x\0a b\0";

    raw_begin(&w, 0, cmdline, sizeof cmdline - 1);
    raw_events(&w, 1, t1, 2, 100);
    raw_events(&w, 2, t2a, 1, 100);
    raw_events(&w, 0, t0, 3, 100);
    raw_events(&w, 2, t2b, 2, 400);
    raw_end(&w, 8);
    raw_close(&w);

    CHECK(convert(&info, err, sizeof err) == 0, "%s", err);
    CHECK_EQ(info.events, 8);
    CHECK_EQ(info.threads, 3);
    CHECK_EQ(info.chunks, 5);
    CHECK_EQ(info.pid, 4242);
    CHECK(info.exited && !info.cut, "exited %d cut %d", info.exited,
          info.cut);
    CHECK_EQ(info.end.unknown_frees, 3);
    CHECK_EQ(read_trace(evs, 16, program, sizeof program), 8);
    CHECK(strcmp(program, "prog -x a b") == 0, "program '%s'", program);

    /* seq: thread, id, kind, ns (ticks / 2, never decreasing) */
    static const struct {
        uint32_t thread;
        uint64_t id, size, ns;
        uint8_t kind;
    } want[] = {
        { 0, 5, 50, 5, HK_EV_MALLOC },  { 1, 0, 100, 10, HK_EV_MALLOC },
        { 2, 1, 200, 15, HK_EV_MALLOC }, { 2, 2, 300, 15, HK_EV_MALLOC },
        { 1, 0, 0, 25, HK_EV_FREE },     { 0, 5, 0, 25, HK_EV_FREE },
        { 1, 3, 10, 35, HK_EV_MALLOC },  { 0, 1, 0, 40, HK_EV_FREE },
    };
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(evs[i].thread, want[i].thread);
        CHECK_EQ(evs[i].id, want[i].id);
        CHECK_EQ(evs[i].size, want[i].size);
        CHECK_EQ(evs[i].kind, want[i].kind);
        CHECK_EQ(evs[i].time_ns, want[i].ns);
    }
}

/* Two threads, chunks far larger than the converter's read window. */
static void test_large(void)
{
    enum { PER_CHUNK = 9000, CHUNKS = 6 };
    static hk_raw_event ev[PER_CHUNK];
    raw_writer w;
    hk_record_info info;
    char err[256], program[64];
    uint64_t seq[2] = { 0, 1 };

    raw_begin(&w, 0, "big", 3);
    for (int c = 0; c < CHUNKS; c++) {
        for (uint32_t t = 0; t < 2; t++) {
            for (int i = 0; i < PER_CHUNK; i++) {
                uint64_t s = seq[t];
                ev[i] = alloc(s, 2 * s, s, (s * 7919) % 1000000);
                seq[t] += 2;
            }
            raw_events(&w, t, ev, PER_CHUNK, 4 * seq[t]);
        }
    }
    raw_end(&w, 2 * PER_CHUNK * CHUNKS);
    raw_close(&w);

    CHECK(convert(&info, err, sizeof err) == 0, "%s", err);
    CHECK(!info.cut, "cut");
    hk_event *evs = malloc(2 * PER_CHUNK * CHUNKS * sizeof *evs);
    long n = read_trace(evs, 2 * PER_CHUNK * CHUNKS, program, sizeof program);
    CHECK_EQ(n, 2 * PER_CHUNK * CHUNKS);
    for (long i = 0; i < n; i++) {
        if (evs[i].id != (uint64_t)i || evs[i].thread != (uint64_t)(i % 2) ||
            evs[i].size != ((uint64_t)i * 7919) % 1000000 ||
            evs[i].time_ns != (uint64_t)i) {
            CHECK(0, "event %ld: id %" PRIu64 " thread %" PRIu32, i,
                  evs[i].id, evs[i].thread);
            break;
        }
    }
    free(evs);
}

/* Event 3 is missing: the trace stops after event 2.  With the end
 * chunk, the description says how many of how many. */
static void test_gap(int with_end)
{
    raw_writer w;
    hk_record_info info;
    char err[256], program[HK_RECORD_PROGRAM_MAX + 1];
    hk_event evs[8];
    hk_raw_event a[] = { alloc(0, 1, 0, 8), alloc(1, 2, 1, 8),
                         release(4, 5, 0) };
    hk_raw_event b[] = { alloc(2, 3, 2, 8), release(5, 6, 2) };

    raw_begin(&w, 77, "gap", 3);
    raw_events(&w, 0, a, 3, 10);
    raw_events(&w, 1, b, 2, 10);
    if (with_end)
        raw_end(&w, 6);
    raw_close(&w);

    CHECK(convert(&info, err, sizeof err) == 0, "%s", err);
    CHECK_EQ(info.events, 3);
    CHECK(info.cut, "not cut");
    CHECK_EQ(read_trace(evs, 8, program, sizeof program), 3);
    CHECK(strstr(program, "gap [forked from pid 77] [cut short: ") ==
              program, "program '%s'", program);
    if (with_end)
        CHECK(strstr(program, "3 of 6 events") != NULL, "program '%s'",
              program);
}

/* A file that ends inside its last chunk (the process was killed while
 * writing it) converts its complete chunks. */
static void test_torn(void)
{
    raw_writer w;
    hk_record_info info;
    char err[256], program[HK_RECORD_PROGRAM_MAX + 1];
    hk_event evs[8];
    hk_raw_event a[] = { alloc(0, 1, 0, 8), alloc(1, 2, 1, 8) };
    hk_raw_event b[] = { release(2, 3, 0), release(3, 4, 1) };

    raw_begin(&w, 0, "torn", 4);
    raw_events(&w, 0, a, 2, 10);
    raw_events(&w, 0, b, 2, 10);
    raw_close(&w);
    FILE *f = fopen(raw_path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    for (long cut = 1; cut <= 4; cut++) {
        CHECK(truncate(raw_path, size - cut) == 0, "truncate");
        CHECK(convert(&info, err, sizeof err) == 0, "%s", err);
        CHECK_EQ(info.events, 2);
        CHECK_EQ(info.chunks, 1);
        CHECK(info.cut && !info.exited, "cut %d exited %d", info.cut,
              info.exited);
        CHECK_EQ(read_trace(evs, 8, program, sizeof program), 2);
        CHECK(strstr(program, "[cut short: ") != NULL, "'%s'", program);
    }
}

/* A thread that recorded after the end chunk's count was taken: its
 * events past the count are left out, and nothing is missing. */
static void test_after_end(void)
{
    raw_writer w;
    hk_record_info info;
    char err[256], program[HK_RECORD_PROGRAM_MAX + 1];
    hk_event evs[8];
    hk_raw_event a[] = { alloc(0, 1, 0, 8), release(2, 3, 0) };
    hk_raw_event b[] = { alloc(1, 2, 1, 8), alloc(3, 4, 2, 8) };

    raw_begin(&w, 0, "late", 4);
    raw_events(&w, 0, a, 2, 10);
    raw_end(&w, 3);
    raw_events(&w, 1, b, 2, 10);
    raw_close(&w);

    CHECK(convert(&info, err, sizeof err) == 0, "%s", err);
    CHECK_EQ(info.events, 3);
    CHECK(!info.cut, "cut");
    CHECK_EQ(read_trace(evs, 8, program, sizeof program), 3);
    CHECK(strcmp(program, "late") == 0, "program '%s'", program);
}

/* Damaged files are errors that name the byte. */
static void test_errors(void)
{
    raw_writer w;
    hk_record_info info;
    char err[256];
    hk_raw_event a[] = { alloc(0, 1, 0, 8) };
    hk_raw_event twice[] = { alloc(0, 1, 1, 8) };

    raw_begin(&w, 0, "x", 1);
    raw_events(&w, 0, a, 1, 10);
    static const char garbage[sizeof(hk_raw_chunk)] = "not a chunk";
    put(&w, garbage, sizeof garbage);
    raw_close(&w);
    CHECK(convert(&info, err, sizeof err) != 0, "converted");
    CHECK(strstr(err, ": byte ") && strstr(err, "not a chunk"), "%s", err);

    raw_begin(&w, 0, "x", 1);
    raw_events(&w, 0, a, 1, 10);
    raw_events(&w, 1, twice, 1, 10);
    raw_close(&w);
    CHECK(convert(&info, err, sizeof err) != 0, "converted");
    CHECK(strstr(err, "twice") != NULL, "%s", err);

    FILE *f = fopen(raw_path, "wb");
    fputs("hello", f);
    fclose(f);
    CHECK(convert(&info, err, sizeof err) != 0, "converted");
    CHECK(strstr(err, "byte 0: not a raw file") != NULL, "%s", err);
}

int main(void)
{
    char dir[] = "/tmp/record-merge.XXXXXX";

    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(raw_path, sizeof raw_path, "%s/raw", dir);
    snprintf(trace_path, sizeof trace_path, "%s/trace", dir);
    test_order();
    test_large();
    test_gap(0);
    test_gap(1);
    test_torn();
    test_after_end();
    test_errors();
    unlink(raw_path);
    unlink(trace_path);
    rmdir(dir);
    if (check_failures)
        fprintf(stderr, "record_merge: %d checks failed\n", check_failures);
    else
        printf("record_merge: all checks passed\n");
    return check_failures != 0;
}
