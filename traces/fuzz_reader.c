/*
 * fuzz_reader.c - libFuzzer harness for the trace reader and the checks.
 *
 * Each input is read twice: as it is, and with its header and frame CRCs
 * recomputed, so that mutations get past the checksums to the event
 * decoder.  Each read runs the events through the semantic checks, as
 * `hakmem trace info` does, and re-encodes them: every event the reader
 * accepts must be writable and must read back the same.  Then the input
 * (CRC-fixed) goes through `hakmem trace info` itself, text and --json.
 * The harness traps on a broken invariant; the sanitizers catch the rest.
 *
 *   make build/fuzz/fuzz_reader
 *   mkdir NEW
 *   build/fuzz/fuzz_reader -max_total_time=300 NEW tests/traces/corpus
 *
 * libFuzzer adds what it finds to the first directory, so the corpus goes
 * second.  tests/traces/corpus was made with -merge=1 -use_counters=0
 * -max_len=4096 (a few files per code edge); its files have their CRCs
 * fixed as fix_crcs does, so that `hakmem trace info` gets past the
 * checksums too (tests/traces/corpus_test.sh); seed_* are the seeds.
 */
#define _GNU_SOURCE /* fmemopen, open_memstream */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "traces/cmd_trace.h"
#include "traces/crc32c.h"
#include "traces/format.h"
#include "traces/trace.h"
#include "traces/trace_check.h"
#include "traces/trace_stream.h"

#define REQUIRE(cond)                                                        \
    do {                                                                     \
        if (!(cond))                                                         \
            __builtin_trap();                                                \
    } while (0)

/* Rewrites the CRC of the header and of each frame found in order. */
static void fix_crcs(uint8_t *d, size_t n)
{
    if (n < HK_HEADER_FIXED || memcmp(d, HK_MAGIC, HK_MAGIC_LEN) != 0)
        return;
    size_t pos = HK_HEADER_FIXED + hk_get_le(d + 12, 2);
    if (pos + 4 > n)
        return;
    hk_put_le(d + pos, hk_crc32c(0, d, pos), 4);
    for (pos += 4; pos + HK_FRAME_HEADER <= n;) {
        uint8_t *f = d + pos;
        size_t len = 0;
        if (f[0] == HK_TAG_BLOCK) {
            len = hk_get_le(f + 1, 4);
            if (len > n - pos - HK_FRAME_HEADER)
                return;
        } else if (f[0] != HK_TAG_END) {
            return;
        }
        uint32_t crc = hk_crc32c(hk_crc32c(0, f, 9), f + HK_FRAME_HEADER, len);
        hk_put_le(f + 9, crc, 4);
        pos += HK_FRAME_HEADER + len;
    }
}

static int same_event(const hk_event *a, const hk_event *b)
{
    return a->kind == b->kind && a->thread == b->thread && a->id == b->id &&
           a->size == b->size && a->align == b->align &&
           a->time_ns == b->time_ns;
}

/* Reads back what the harness wrote: exactly evs[0..n), then the end. */
static void check_rewrite(const char *data, size_t len, const hk_event *evs,
                          size_t n)
{
    char err[256];
    FILE *f = fmemopen((void *)data, len, "rb");
    hk_trace_reader *r = hk_trace_open_stream(f, "rewrite", err, sizeof err);
    hk_event ev;
    size_t i = 0;
    int rc;

    REQUIRE(r != NULL);
    while ((rc = hk_trace_read(r, &ev)) == 1) {
        REQUIRE(i < n && same_event(&ev, &evs[i]));
        i++;
    }
    REQUIRE(rc == 0 && i == n);
    hk_trace_close_reader(r);
}

static void run(const uint8_t *data, size_t size)
{
    char err[512];
    FILE *f = fmemopen((void *)data, size, "rb");
    hk_trace_reader *r = hk_trace_open_stream(f, "fuzz", err, sizeof err);
    if (!r) {
        REQUIRE(strstr(err, ": byte ") != NULL);
        return;
    }
    hk_trace_check *c = hk_check_create();
    char *out = NULL;
    size_t out_len = 0;
    hk_trace_writer *w = hk_trace_create_stream(
        open_memstream(&out, &out_len), "rewrite", hk_trace_program(r), err,
        sizeof err);
    /* At most one event per input byte: bounded by the input. */
    hk_event *evs = malloc((size + 1) * sizeof *evs);
    size_t n = 0;
    int checking = 1, rc;
    REQUIRE(c && w && evs);

    while ((rc = hk_trace_read(r, &evs[n])) == 1) {
        REQUIRE(n < size && evs[n].offset < size);
        if (checking && hk_check_event(c, &evs[n], err, sizeof err) != 0)
            checking = 0; /* where `trace info` would stop */
        REQUIRE(hk_trace_write(w, &evs[n]) == 0);
        n++;
    }
    REQUIRE(rc == 0 || strstr(hk_trace_error(r), ": byte ") != NULL);
    REQUIRE(hk_trace_bytes_read(r) <= size);
    REQUIRE(hk_trace_close(w, err, sizeof err) == 0);
    check_rewrite(out, out_len, evs, n);
    free(out);
    free(evs);
    hk_check_destroy(c);
    hk_trace_close_reader(r);
}

static char info_path[64]; /* /proc/self/fd/N of a memfd: no disk I/O */
static int info_fd = -1, null_fd = -1;

/* `hakmem trace info` on the input, text and --json, output discarded. */
static void info(const uint8_t *data, size_t size)
{
    static char *text[] = { "trace", "info", info_path, NULL };
    static char *json[] = { "trace", "info", "--json", info_path, NULL };

    REQUIRE(ftruncate(info_fd, 0) == 0);
    REQUIRE(pwrite(info_fd, data, size, 0) == (ssize_t)size);
    int saved = dup(2);
    dup2(null_fd, 2);
    int text_status = hk_cmd_trace(3, text);
    int json_status = hk_cmd_trace(4, json);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    REQUIRE(text_status == json_status);
    REQUIRE(text_status == 0 || text_status == 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    info_fd = memfd_create("fuzz_reader", 0);
    null_fd = open("/dev/null", O_WRONLY);
    REQUIRE(info_fd >= 0 && null_fd >= 0);
    snprintf(info_path, sizeof info_path, "/proc/self/fd/%d", info_fd);
    REQUIRE(freopen("/dev/null", "w", stdout) != NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *fixed = malloc(size ? size : 1);

    REQUIRE(fixed != NULL);
    memcpy(fixed, data, size);
    fix_crcs(fixed, size);
    run(data, size);
    if (memcmp(fixed, data, size) != 0)
        run(fixed, size);
    info(fixed, size);
    free(fixed);
    return 0;
}
