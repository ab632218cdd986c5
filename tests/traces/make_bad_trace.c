/*
 * make_bad_trace.c - writes traces whose every block and checksum is
 * right but whose events are wrong ("bad": a free of an unknown id, an
 * allocation of a live id, a double free, ...) or legal and extreme
 * ("odd": the largest sizes, ids and thread number, time running
 * backwards), for tests/traces/damaged.sh.
 *
 * usage: make_bad_trace --list         prints "CASE bad|odd", one a line
 *        make_bad_trace CASE FILE      writes FILE; prints the byte offset
 *                                      of its last event (the wrong one in
 *                                      a bad case)
 * Exit status 0, or 1 with a message on stderr.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "traces/trace.h"

#define END_OF_CASE 0xff
#define MAX_EVENTS 10

#define MALLOC(i, n) {.kind = HK_EV_MALLOC, .id = (i), .size = (n)}
#define CALLOC(i, n) {.kind = HK_EV_CALLOC, .id = (i), .size = (n)}
#define REALLOC(i, n) {.kind = HK_EV_REALLOC, .id = (i), .size = (n)}
#define ALIGNED(i, n, a) \
    {.kind = HK_EV_ALIGNED, .id = (i), .size = (n), .align = (a)}
#define FREE(i) {.kind = HK_EV_FREE, .id = (i)}
#define END {.kind = END_OF_CASE}

typedef struct bad_case {
    const char *name;
    int bad;   /* the last event is wrong */
    int timed; /* the events' times are given; else 10 ns apart */
    hk_event ev[MAX_EVENTS];
} bad_case;

static const bad_case cases[] = {
    {"free_unknown", 1, 0, {MALLOC(0, 16), FREE(1), END}},
    {"double_alloc", 1, 0, {MALLOC(0, 16), MALLOC(0, 32), END}},
    {"double_free", 1, 0, {MALLOC(0, 16), FREE(0), FREE(0), END}},
    {"realloc_unknown", 1, 0, {MALLOC(0, 16), REALLOC(7, 32), END}},
    {"realloc_freed", 1, 0, {MALLOC(0, 16), FREE(0), REALLOC(0, 32), END}},
    {"huge_sizes", 0, 0,
     {MALLOC(0, UINT64_MAX), CALLOC(1, 1ull << 62),
      ALIGNED(2, 1ull << 40, 1ull << 63), REALLOC(0, UINT64_MAX - 1),
      FREE(0), FREE(1), FREE(2), END}},
    {"zero_sizes", 0, 0,
     {MALLOC(0, 0), CALLOC(1, 0), ALIGNED(2, 0, 1), REALLOC(0, 0),
      REALLOC(1, 24), FREE(0), FREE(1), FREE(2), END}},
    {"extreme_ids", 0, 0,
     {MALLOC(UINT64_MAX, 16), MALLOC(0, 16), MALLOC(1ull << 63, 16),
      FREE(UINT64_MAX), FREE(0), FREE(1ull << 63), END}},
    {"max_thread", 0, 0,
     {{.kind = HK_EV_MALLOC, .id = 0, .size = 16, .thread = UINT32_MAX},
      FREE(0), END}},
    {"time_backwards", 0, 1,
     {{.kind = HK_EV_MALLOC, .id = 0, .size = 16, .time_ns = UINT64_MAX},
      {.kind = HK_EV_MALLOC, .id = 1, .size = 16, .time_ns = 0},
      {.kind = HK_EV_FREE, .id = 0, .time_ns = 1ull << 62},
      {.kind = HK_EV_FREE, .id = 1, .time_ns = 5}, END}},
};

#define N_CASES (sizeof cases / sizeof cases[0])

static int write_case(const bad_case *c, const char *path)
{
    char err[512];
    hk_trace_writer *w = hk_trace_create(path, c->name, err, sizeof err);

    if (!w) {
        fprintf(stderr, "make_bad_trace: %s\n", err);
        return -1;
    }
    for (int i = 0; i < MAX_EVENTS && c->ev[i].kind != END_OF_CASE; i++) {
        hk_event ev = c->ev[i];
        if (!c->timed)
            ev.time_ns = 10 * (uint64_t)i;
        hk_trace_write(w, &ev);
    }
    if (hk_trace_close(w, err, sizeof err) != 0) {
        fprintf(stderr, "make_bad_trace: %s\n", err);
        return -1;
    }
    return 0;
}

/* Reads the trace back and prints the offset of its last event. */
static int print_last_offset(const char *path)
{
    char err[512];
    hk_trace_reader *r = hk_trace_open(path, err, sizeof err);
    hk_event ev;
    uint64_t last = 0;
    int rc;

    if (!r) {
        fprintf(stderr, "make_bad_trace: %s\n", err);
        return -1;
    }
    while ((rc = hk_trace_read(r, &ev)) == 1)
        last = ev.offset;
    if (rc < 0)
        fprintf(stderr, "make_bad_trace: %s\n", hk_trace_error(r));
    else
        printf("%" PRIu64 "\n", last);
    hk_trace_close_reader(r);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < N_CASES; i++)
            printf("%s %s\n", cases[i].name, cases[i].bad ? "bad" : "odd");
        return 0;
    }
    if (argc != 3) {
        fputs("usage: make_bad_trace --list | CASE FILE\n", stderr);
        return 1;
    }
    for (size_t i = 0; i < N_CASES; i++)
        if (strcmp(argv[1], cases[i].name) == 0)
            return write_case(&cases[i], argv[2]) == 0 &&
                           print_last_offset(argv[2]) == 0
                       ? 0
                       : 1;
    fprintf(stderr, "make_bad_trace: unknown case '%s'\n", argv[1]);
    return 1;
}
