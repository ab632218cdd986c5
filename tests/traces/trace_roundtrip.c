/*
 * trace_roundtrip.c - unit tests of the trace library: CRC-32C and
 * varints, a writer-reader round trip of every kind of event at extreme
 * values, the bytes an event takes, truncation at every byte and every
 * single-byte corruption of a small trace, the semantic checks, the
 * generators, and the id map at a million ids.
 *
 * Prints each failed check with its line; exits 1 if any failed.
 */
#define _GNU_SOURCE /* fmemopen, open_memstream */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/check.h"

#include "traces/cmd_trace.h"
#include "traces/crc32c.h"
#include "traces/gen.h"
#include "traces/trace.h"
#include "traces/trace_check.h"
#include "traces/trace_stream.h"
#include "traces/varint.h"


/* splitmix64, for test data. */
static uint64_t rnd(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static int same_event(const hk_event *a, const hk_event *b)
{
    return a->kind == b->kind && a->thread == b->thread && a->id == b->id &&
           a->size == b->size && a->align == b->align &&
           a->time_ns == b->time_ns;
}

/* A trace in memory. */
typedef struct image {
    char *data;
    size_t len;
} image;

/* Writes events to memory, blocks of `block` payload bytes. */
static image write_image(const hk_event *evs, size_t n, size_t block)
{
    image im = { 0 };
    char err[256];
    FILE *f = open_memstream(&im.data, &im.len);
    hk_trace_writer *w = hk_trace_create_stream(f, "mem", "test program",
                                                err, sizeof err);

    CHECK(w != NULL, "%s", err);
    if (!w)
        exit(1);
    hk_trace_set_block_size(w, block);
    for (size_t i = 0; i < n; i++)
        CHECK(hk_trace_write(w, &evs[i]) == 0, "event %zu", i);
    CHECK(hk_trace_close(w, err, sizeof err) == 0, "%s", err);
    return im;
}

/* Result of reading a trace image: how many events matched `want` in
 * order before the reader stopped, and how it stopped. */
typedef struct outcome {
    int opened;
    size_t events;
    int rc;               /* the last hk_trace_read: 0 or -1 */
    int mismatch;         /* an event differed from want */
    char err[512];
    uint64_t checksum;
    uint64_t bytes;
} outcome;

static outcome read_image(const void *data, size_t len, const hk_event *want,
                          size_t n_want)
{
    outcome o = { 0 };
    FILE *f = fmemopen((void *)data, len, "rb");
    hk_trace_reader *r = hk_trace_open_stream(f, "mem", o.err, sizeof o.err);
    hk_event ev;

    if (!r)
        return o;
    o.opened = 1;
    while ((o.rc = hk_trace_read(r, &ev)) == 1) {
        if (o.events >= n_want || !same_event(&ev, &want[o.events]))
            o.mismatch = 1;
        o.events++;
    }
    snprintf(o.err, sizeof o.err, "%s", hk_trace_error(r));
    o.checksum = hk_trace_checksum(r);
    o.bytes = hk_trace_bytes_read(r);
    CHECK(hk_trace_read(r, &ev) == o.rc, "the reader's end is sticky");
    hk_trace_close_reader(r);
    return o;
}

static void test_crc32c(void)
{
    CHECK_EQ(hk_crc32c(0, "123456789", 9), 0xe3069283);
    CHECK_EQ(hk_crc32c(hk_crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
    CHECK_EQ(hk_crc32c(0, "", 0), 0);
}

static void test_varint(void)
{
    static const uint64_t values[] = {
        0, 1, 127, 128, 16383, 16384, UINT32_MAX, 1ull << 63,
        UINT64_MAX - 1, UINT64_MAX,
    };
    uint8_t buf[16];

    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        uint8_t *end = hk_varint_put(buf, values[i]);
        const uint8_t *p = buf;
        uint64_t v = 0;
        CHECK(hk_varint_get(&p, end, &v) == HK_VARINT_OK, "%" PRIu64,
              values[i]);
        CHECK_EQ(v, values[i]);
        CHECK(p == end, "consumed all of %" PRIu64, values[i]);
        p = buf;
        CHECK(hk_varint_get(&p, end - 1, &v) == HK_VARINT_SHORT, "short");
        CHECK_EQ(hk_unzigzag(hk_zigzag(values[i])), values[i]);
    }
    CHECK_EQ(hk_zigzag((uint64_t)-1), 1);
    CHECK_EQ(hk_zigzag(1), 2);
    CHECK_EQ(hk_zigzag((uint64_t)INT64_MIN), UINT64_MAX);

    static const uint8_t overlong[] = { 0x80, 0x00 };
    static const uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                      0x80, 0x80, 0x80, 0x81, 0x01 };
    static const uint8_t too_big[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0x02 };
    const uint8_t *p;
    uint64_t v;
    p = overlong;
    CHECK(hk_varint_get(&p, overlong + 2, &v) == HK_VARINT_BAD, "overlong");
    p = eleven;
    CHECK(hk_varint_get(&p, eleven + 11, &v) == HK_VARINT_BAD, "11 bytes");
    p = too_big;
    CHECK(hk_varint_get(&p, too_big + 10, &v) == HK_VARINT_BAD, "2^64");
}

/* n events of every kind, with extreme ids, sizes, threads and times. */
static hk_event *extreme_events(size_t n, uint64_t seed)
{
    hk_event *evs = calloc(n, sizeof *evs);
    uint64_t s = seed, time = 0, id = UINT64_MAX - 1000;

    for (size_t i = 0; i < n; i++) {
        hk_event *e = &evs[i];
        uint64_t r = rnd(&s);
        e->kind = (uint8_t)(r % HK_EV_KINDS);
        switch ((r >> 8) % 4) {
        case 0: e->thread = e > evs ? e[-1].thread : 0; break;
        case 1: e->thread = (uint32_t)(r >> 32) % 8; break;
        case 2: e->thread = UINT32_MAX - (uint32_t)(r >> 40) % 2; break;
        default: e->thread = (uint32_t)(r >> 32); break;
        }
        switch ((r >> 16) % 6) {
        case 0: e->id = id++; break; /* wraps through 2^64 */
        case 1: e->id = rnd(&s); break;
        case 2: e->id = UINT64_MAX - rnd(&s) % 3; break;
        case 3: e->id = rnd(&s) % 3; break;
        default: e->id = e > evs ? e[-1].id + rnd(&s) % 5 - 2 : 0; break;
        }
        if (e->kind != HK_EV_FREE) {
            switch ((r >> 24) % 5) {
            case 0: e->size = 0; break;
            case 1: e->size = UINT64_MAX; break;
            case 2: e->size = e > evs ? e[-1].size : 7; break;
            default: e->size = rnd(&s) >> (rnd(&s) % 64); break;
            }
        }
        if (e->kind == HK_EV_ALIGNED)
            e->align = 1ull << (rnd(&s) % 64);
        switch ((r >> 28) % 5) {
        case 0: break; /* same time */
        case 1: time += 10; break;
        case 2: time += 1ull << (rnd(&s) % 64); break; /* wraps, too */
        case 3: time -= rnd(&s) % 1000; break;         /* goes back */
        default: time += rnd(&s) % 100000; break;
        }
        e->time_ns = time;
    }
    return evs;
}

static void test_roundtrip(void)
{
    enum { N = 200000 };
    hk_event *evs = extreme_events(N, 42);
    image a = write_image(evs, N, 1 << 16);
    image b = write_image(evs, N, 1 << 16);
    outcome o = read_image(a.data, a.len, evs, N);

    CHECK(o.opened && o.rc == 0 && !o.mismatch, "rc %d mismatch %d: %s",
          o.rc, o.mismatch, o.err);
    CHECK_EQ(o.events, N);
    CHECK_EQ(o.bytes, a.len);
    CHECK_EQ(o.checksum, fnv1a64((const uint8_t *)a.data, a.len));
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
          "the same events make the same bytes");

    /* Offsets: increasing, inside the file. */
    FILE *f = fmemopen(a.data, a.len, "rb");
    char err[256];
    hk_trace_reader *r = hk_trace_open_stream(f, "mem", err, sizeof err);
    hk_event ev;
    uint64_t last = 0;
    int ordered = 1;
    while (r && hk_trace_read(r, &ev) == 1) {
        ordered &= ev.offset > last && ev.offset < a.len;
        last = ev.offset;
    }
    CHECK(ordered, "event offsets increase within the file");
    CHECK(strcmp(hk_trace_program(r), "test program") == 0, "program %s",
          hk_trace_program(r));
    hk_trace_close_reader(r);
    free(a.data);
    free(b.data);
    free(evs);
}

/* A small trace of several blocks: plausible events, 256-byte blocks. */
static hk_event *small_events(size_t n)
{
    hk_event *evs = extreme_events(n, 7);
    for (size_t i = 0; i < n; i++)
        evs[i].thread %= 3;
    return evs;
}

static void test_truncation(void)
{
    enum { N = 300 };
    hk_event *evs = small_events(N);
    image im = write_image(evs, N, 256);
    size_t last_events = 0;

    for (size_t n = 0; n < im.len; n++) {
        outcome o = read_image(im.data, n, evs, N);
        char at[40];
        snprintf(at, sizeof at, "byte %zu: ", n);
        CHECK(strstr(o.err, at) != NULL, "cut at %zu: %s", n, o.err);
        if (!o.opened) {
            CHECK(n < 40 + strlen("test program"), "cut at %zu: %s", n,
                  o.err);
            continue;
        }
        CHECK(o.rc == -1 && strstr(o.err, "truncated"), "cut at %zu: %s", n,
              o.err);
        CHECK(!o.mismatch, "cut at %zu: a wrong event", n);
        CHECK(o.events >= last_events && o.events <= N, "cut at %zu: %zu",
              n, o.events);
        last_events = o.events;
    }
    CHECK(last_events > N / 2, "most events are in complete blocks: %zu",
          last_events);
    outcome whole = read_image(im.data, im.len, evs, N);
    CHECK(whole.rc == 0 && whole.events == N, "%s", whole.err);
    free(im.data);
    free(evs);
}

static void test_corruption(void)
{
    enum { N = 300 };
    static const uint8_t masks[] = { 0x01, 0x10, 0x80, 0xff };
    hk_event *evs = small_events(N);
    image im = write_image(evs, N, 256);
    char *copy = malloc(im.len);

    for (size_t i = 0; i < im.len; i++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            memcpy(copy, im.data, im.len);
            copy[i] ^= (char)masks[m];
            outcome o = read_image(copy, im.len, evs, N);
            CHECK(!o.mismatch, "byte %zu ^ 0x%02x: a wrong event", i,
                  masks[m]);
            CHECK(!o.opened || o.rc == -1, "byte %zu ^ 0x%02x: undetected",
                  i, masks[m]);
        }
    }
    free(copy);
    free(im.data);
    free(evs);
}

static void test_writer_rejects(void)
{
    static const hk_event bad[] = {
        { .kind = HK_EV_KINDS },
        { .kind = HK_EV_FREE, .size = 1 },
        { .kind = HK_EV_ALIGNED, .size = 8, .align = 0 },
        { .kind = HK_EV_ALIGNED, .size = 8, .align = 24 },
        { .kind = HK_EV_MALLOC, .size = 8, .align = 8 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *data;
        size_t len;
        char err[256] = "";
        FILE *f = open_memstream(&data, &len);
        hk_trace_writer *w = hk_trace_create_stream(f, "mem", "", err,
                                                    sizeof err);
        hk_event ok = { .kind = HK_EV_MALLOC, .size = 1 };
        CHECK(hk_trace_write(w, &ok) == 0, "a good event");
        CHECK(hk_trace_write(w, &bad[i]) == -1, "bad event %zu", i);
        CHECK(hk_trace_write(w, &ok) == -1, "errors stick");
        CHECK(hk_trace_close(w, err, sizeof err) == -1, "bad event %zu", i);
        CHECK(strncmp(err, "mem: event 1: ", 14) == 0, "%s", err);
        free(data);
    }
}

/* Runs events through the checker: "" if all pass, else the first error
 * as "byte N: what". */
static void check_events(const hk_event *evs, size_t n, char *out,
                         size_t outlen)
{
    hk_trace_check *c = hk_check_create();
    char err[200];

    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (hk_check_event(c, &evs[i], err, sizeof err) != 0) {
            snprintf(out, outlen, "byte %" PRIu64 ": %s", evs[i].offset, err);
            break;
        }
    }
    hk_check_destroy(c);
}

#define EV(k, i, s, o) { .kind = HK_EV_##k, .id = i, .size = s, .offset = o }

static void test_checks(void)
{
    static const struct {
        hk_event evs[4];
        size_t n;
        const char *want;
    } cases[] = {
        { { EV(MALLOC, 1, 8, 20), EV(FREE, 1, 0, 22), EV(FREE, 1, 0, 24) },
          3, "byte 24: double free of id 1 (freed at byte 22)" },
        { { EV(MALLOC, 1, 8, 20), EV(FREE, 2, 0, 22) },
          2, "byte 22: free of unknown id 2" },
        { { EV(MALLOC, 1, 8, 20), EV(CALLOC, 1, 8, 22) },
          2, "byte 22: double allocation: calloc of live id 1" },
        { { EV(MALLOC, 1, 8, 20), EV(FREE, 1, 0, 22), EV(REALLOC, 1, 9, 24) },
          3, "byte 24: realloc of freed id 1 (freed at byte 22)" },
        { { EV(REALLOC, 5, 8, 20) }, 1, "byte 20: realloc of unknown id 5" },
        { { { .kind = HK_EV_KINDS, .offset = 20 } }, 1,
          "byte 20: unknown event kind 5" },
        { { EV(MALLOC, 1, 8, 20), EV(FREE, 1, 0, 22), EV(MALLOC, 1, 8, 24),
            EV(FREE, 1, 0, 26) },
          4, "" },
    };
    char got[256];

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        check_events(cases[i].evs, cases[i].n, got, sizeof got);
        CHECK(strcmp(got, cases[i].want) == 0, "case %zu: '%s'", i, got);
    }

    /* A double free beyond the window of recent frees is an unknown id. */
    enum { N = 10000 };
    hk_event *evs = calloc(2 * N + 1, sizeof *evs);
    for (size_t i = 0; i < N; i++) {
        evs[2 * i] = (hk_event){ .kind = HK_EV_MALLOC, .id = i, .size = 1 };
        evs[2 * i + 1] = (hk_event){ .kind = HK_EV_FREE, .id = i };
    }
    evs[2 * N] = (hk_event){ .kind = HK_EV_FREE, .id = N - 1, .offset = 9 };
    check_events(evs, 2 * N + 1, got, sizeof got);
    CHECK(strstr(got, "double free of id 9999") != NULL, "%s", got);
    evs[2 * N].id = 0;
    check_events(evs, 2 * N + 1, got, sizeof got);
    CHECK(strcmp(got, "byte 9: free of unknown id 0") == 0, "%s", got);
    free(evs);

    /* Statistics. */
    static const hk_event seq[] = {
        { .kind = HK_EV_MALLOC, .id = 1, .size = 100, .time_ns = 5 },
        { .kind = HK_EV_ALIGNED, .id = 2, .size = 1000, .align = 64,
          .thread = 3, .time_ns = 9 },
        { .kind = HK_EV_REALLOC, .id = 1, .size = 50, .time_ns = 20 },
        { .kind = HK_EV_FREE, .id = 2, .time_ns = 25 },
        { .kind = HK_EV_CALLOC, .id = 3, .size = 0, .time_ns = 30 },
    };
    hk_trace_check *c = hk_check_create();
    for (size_t i = 0; i < sizeof seq / sizeof *seq; i++)
        CHECK(hk_check_event(c, &seq[i], got, sizeof got) == 0, "%s", got);
    const hk_trace_stats *s = hk_check_stats(c);
    CHECK_EQ(s->events, 5);
    CHECK_EQ(s->by_kind[HK_EV_REALLOC], 1);
    CHECK_EQ(s->threads, 2);
    CHECK_EQ(s->peak_objects, 2);
    CHECK_EQ(s->peak_bytes, 1100);
    CHECK_EQ(s->live_objects, 2);
    CHECK_EQ(s->live_bytes, 50);
    CHECK_EQ(s->sizes[0], 1);    /* 0 */
    CHECK_EQ(s->sizes[6], 1);    /* 50 in [32, 64) */
    CHECK_EQ(s->sizes[7], 1);    /* 100 in [64, 128) */
    CHECK_EQ(s->sizes[10], 1);   /* 1000 in [512, 1024) */
    CHECK_EQ(s->last_time - s->first_time, 25);
    hk_check_destroy(c);
}

/* A temporary file name, removed at exit by the caller. */
static char tmpdir[] = "/tmp/trace_roundtrip.XXXXXX";

static const char *tmp_path(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

typedef struct file_summary {
    hk_trace_stats s;
    uint64_t bytes, checksum;
    int ok;
} file_summary;

static file_summary summarize(const char *path)
{
    file_summary fs = { 0 };
    char err[512];
    hk_trace_reader *r = hk_trace_open(path, err, sizeof err);
    hk_trace_check *c = hk_check_create();
    hk_event ev;
    int rc;

    CHECK(r != NULL, "%s", err);
    if (!r)
        return fs;
    while ((rc = hk_trace_read(r, &ev)) == 1)
        CHECK(hk_check_event(c, &ev, err, sizeof err) == 0, "%s", err);
    CHECK(rc == 0, "%s", hk_trace_error(r));
    fs.s = *hk_check_stats(c);
    fs.bytes = hk_trace_bytes_read(r);
    fs.checksum = hk_trace_checksum(r);
    fs.ok = rc == 0;
    hk_check_destroy(c);
    hk_trace_close_reader(r);
    return fs;
}

static void test_generators(void)
{
    char err[256];
    const char *path = tmp_path("gen.hkt");

    hk_random_mixed_opts rm = { .cycles = 200000, .ws = 4096,
                                .seed = 1234567 };
    CHECK(hk_gen_random_mixed(&rm, path, err, sizeof err) == HK_GEN_OK, "%s",
          err);
    file_summary a = summarize(path);
    /* The benchmark's own count (tests/traces/cli.sh recounts it). */
    CHECK_EQ(a.s.by_kind[HK_EV_MALLOC], 101013);
    CHECK_EQ(a.s.by_kind[HK_EV_FREE], 101013);
    double per_event = (double)a.bytes / (double)a.s.events;
    printf("random_mixed 200000 4096 1234567: %.2f bytes/event\n", per_event);
    CHECK(per_event <= 6.0, "%.2f bytes per event", per_event);
    CHECK(hk_gen_random_mixed(&rm, path, err, sizeof err) == HK_GEN_OK, "%s",
          err);
    CHECK_EQ(summarize(path).checksum, a.checksum);

    hk_larson_opts lo;
    hk_gen_larson_default(&lo);
    lo.threads = 3, lo.rounds = 4, lo.iters = 500, lo.slots = 100;
    CHECK(hk_gen_larson(&lo, path, err, sizeof err) == HK_GEN_OK, "%s", err);
    file_summary l = summarize(path);
    CHECK_EQ(l.s.by_kind[HK_EV_MALLOC], 3 * 100 + 3 * 4 * 500);
    CHECK_EQ(l.s.by_kind[HK_EV_FREE], 3 * 100 + 3 * 4 * 500);
    CHECK_EQ(l.s.threads, 1 + 3 * 4);
    CHECK_EQ(l.s.peak_objects, 300);
    CHECK_EQ(l.s.live_objects, 0);

    hk_phases_opts po;
    hk_gen_phases_default(&po);
    po.peak = 1000, po.cycles = 3, po.large_pct = 50;
    CHECK(hk_gen_phases(&po, path, err, sizeof err) == HK_GEN_OK, "%s", err);
    file_summary p = summarize(path);
    CHECK_EQ(p.s.by_kind[HK_EV_MALLOC], 1000 + 2 * 900);
    CHECK_EQ(p.s.peak_objects, 1000);
    CHECK_EQ(p.s.live_objects, 0);
    CHECK(p.s.sizes[17] > 0 && p.s.sizes[14] == 0, "large objects");

    rm.ws = 0;
    CHECK(hk_gen_random_mixed(&rm, path, err, sizeof err) ==
              HK_GEN_BAD_OPTIONS, "ws 0");
    lo.min_size = 2000;
    CHECK(hk_gen_larson(&lo, path, err, sizeof err) == HK_GEN_BAD_OPTIONS,
          "min > max");
    hk_gen_larson_default(&lo);
    lo.threads = 1ull << 20, lo.rounds = 1ull << 20;
    CHECK(hk_gen_larson(&lo, path, err, sizeof err) == HK_GEN_BAD_OPTIONS,
          "2^40 threads");
    po.low_pct = 100;
    CHECK(hk_gen_phases(&po, path, err, sizeof err) == HK_GEN_BAD_OPTIONS,
          "low 100%%");
    CHECK(hk_gen_phases(&po, "/nonexistent/x", err, sizeof err) ==
              HK_GEN_BAD_OPTIONS, "options are checked first");
    hk_gen_phases_default(&po);
    CHECK(hk_gen_phases(&po, "/nonexistent/x", err, sizeof err) ==
              HK_GEN_FAILED, "an unwritable path");
    CHECK(strstr(err, "/nonexistent/x") != NULL, "%s", err);
    unlink(path);
}

/* `hakmem trace info` on a trace with a double free: exit status 1. */
static void test_info_exit(void)
{
    static const hk_event evs[] = {
        { .kind = HK_EV_MALLOC, .id = 0, .size = 8 },
        { .kind = HK_EV_FREE, .id = 0 },
        { .kind = HK_EV_FREE, .id = 0 },
    };
    const char *path = tmp_path("double_free.hkt");
    char err[256];
    hk_trace_writer *w = hk_trace_create(path, "double free", err,
                                         sizeof err);
    for (size_t i = 0; i < 3; i++)
        hk_trace_write(w, &evs[i]);
    CHECK(hk_trace_close(w, err, sizeof err) == 0, "%s", err);
    char *argv[] = { "trace", "info", (char *)path, NULL };
    fprintf(stderr, "(an expected error follows)\n");
    CHECK_EQ(hk_cmd_trace(3, argv), 1);
    unlink(path);
}

static void *as_ptr(uint64_t v)
{
    return (void *)(uintptr_t)v;
}

static void count_visit(void *ctx, uint64_t id, void *value)
{
    uint64_t *sum = ctx;
    sum[0]++;
    sum[1] += (uintptr_t)value == (uintptr_t)(id * 3 + 1);
}

static void test_idmap(void)
{
    enum { N = 1000000 };
    uint64_t *ids = malloc(N * sizeof *ids);
    uint64_t s = 99;
    hk_idmap *m = hk_idmap_create();
    int found;

    /* Half sequential, half random, and the extreme ids. */
    for (size_t i = 0; i < N; i++)
        ids[i] = i % 2 ? rnd(&s) : i;
    ids[1] = UINT64_MAX, ids[3] = UINT64_MAX - 1, ids[5] = 1ull << 63;
    for (size_t i = 0; i < N; i++)
        CHECK(hk_idmap_insert(m, ids[i], as_ptr(ids[i] * 3 + 1)) == 0,
              "insert %zu", i);
    CHECK_EQ(hk_idmap_count(m), N);
    /* At most half full, in a power of two: the least is 2^21 for 10^6
     * ids (UINT64_MAX lives beside the table). */
    CHECK_EQ(hk_idmap_slots(m), (size_t)1 << 21);
    CHECK(hk_idmap_insert(m, UINT64_MAX, NULL) == -1, "UINT64_MAX is live");
    CHECK(hk_idmap_insert(m, ids[777], NULL) == -1, "live");
    size_t bad = 0;
    for (size_t i = 0; i < N; i++)
        bad += hk_idmap_get(m, ids[i], &found) != as_ptr(ids[i] * 3 + 1) ||
               !found;
    CHECK_EQ(bad, 0);
    uint64_t sum[2] = { 0, 0 };
    hk_idmap_each(m, count_visit, sum);
    CHECK_EQ(sum[0], N);
    CHECK_EQ(sum[1], N);

    /* Remove every other id, check the rest, then remove them all. */
    for (size_t i = 0; i < N; i += 2)
        CHECK(hk_idmap_remove(m, ids[i], &found) == as_ptr(ids[i] * 3 + 1)
                  && found, "remove %zu", i);
    CHECK_EQ(hk_idmap_count(m), N / 2);
    bad = 0;
    for (size_t i = 0; i < N; i++) {
        void *v = hk_idmap_get(m, ids[i], &found);
        bad += i % 2 ? !found || v != as_ptr(ids[i] * 3 + 1) : found;
    }
    CHECK_EQ(bad, 0);
    hk_idmap_remove(m, ids[2], &found);
    CHECK(!found, "already removed");
    hk_idmap_set(m, ids[1], as_ptr(5));
    CHECK(hk_idmap_get(m, ids[1], &found) == as_ptr(5) && found, "set");
    hk_idmap_set(m, 12345678, NULL);
    CHECK(hk_idmap_get(m, 12345678, &found) == NULL && found, "set NULL");
    hk_idmap_remove(m, 12345678, &found);
    for (size_t i = 1; i < N; i += 2)
        hk_idmap_remove(m, ids[i], &found);
    CHECK_EQ(hk_idmap_count(m), 0);
    CHECK(hk_idmap_slots(m) <= 32, "empty, the table shrank back to %zu slots",
          hk_idmap_slots(m));
    for (size_t i = 0; i < 100; i++)
        CHECK(hk_idmap_insert(m, i, NULL) == 0, "after shrinking");
    CHECK_EQ(hk_idmap_count(m), 100);
    hk_idmap_destroy(m);
    free(ids);
}

/* A reserved table holds its ids without resizing, and keeps its size as
 * they go; reserving less than it has changes nothing. */
static void test_idmap_reserve(void)
{
    hk_idmap *m = hk_idmap_create();
    int found;

    hk_idmap_reserve(m, 5000); /* half of 16384 slots holds it */
    CHECK_EQ(hk_idmap_slots(m), (size_t)16384);
    for (uint64_t id = 0; id < 8192; id++)
        CHECK(hk_idmap_insert(m, id * 7919, as_ptr(id + 1)) == 0,
              "insert %llu", (unsigned long long)id);
    CHECK_EQ(hk_idmap_slots(m), (size_t)16384);
    hk_idmap_insert(m, 1, NULL);
    CHECK_EQ(hk_idmap_slots(m), (size_t)32768);
    hk_idmap_reserve(m, 10);
    CHECK_EQ(hk_idmap_slots(m), (size_t)32768);
    for (uint64_t id = 0; id < 8192; id++)
        CHECK(hk_idmap_remove(m, id * 7919, &found) == as_ptr(id + 1) &&
                  found,
              "remove %llu", (unsigned long long)id);
    hk_idmap_remove(m, 1, &found);
    CHECK_EQ(hk_idmap_count(m), 0);
    CHECK(hk_idmap_slots(m) == 16384,
          "emptied, the table shrank to %zu slots, not to its reserve",
          hk_idmap_slots(m));
    hk_idmap_destroy(m);
}

int main(void)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        { "crc32c", test_crc32c },
        { "varint", test_varint },
        { "roundtrip", test_roundtrip },
        { "truncation", test_truncation },
        { "corruption", test_corruption },
        { "writer_rejects", test_writer_rejects },
        { "checks", test_checks },
        { "generators", test_generators },
        { "info_exit", test_info_exit },
        { "idmap", test_idmap },
        { "idmap_reserve", test_idmap_reserve },
    };

    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        int before = check_failures;
        tests[i].fn();
        printf("%s %s\n", check_failures == before ? "PASS" : "FAIL", tests[i].name);
    }
    rmdir(tmpdir);
    printf("%d failed checks\n", check_failures);
    return check_failures ? 1 : 0;
}
