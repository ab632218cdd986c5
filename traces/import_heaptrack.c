/*
 * import_heaptrack.c - heaptrack's raw data as a hakmem trace.
 *
 * `heaptrack --raw PROGRAM` keeps what libheaptrack writes, before
 * heaptrack_interpret resolves it (FILE.raw.zst; gzip when zstd is
 * missing).  One record a line, numbers in lower-case hex without 0x;
 * as heaptrack 1.4 writes them (file format 3):
 *
 *     v 10400 3               heaptrack version, file format version
 *     x d /tmp/imp/prog       the executable (format 3: name length first)
 *     X ./prog arg            the command line
 *     I 1000 5e298d           page size, physical pages
 *     m 1 -                   loaded modules ("m 1 -" clears the list)
 *     t 563e920a71d1 7        a backtrace node: instruction pointer, parent
 *     + 10 8 563e964751d0     an allocation: size, backtrace node, block
 *     - 563e964752b0          a free
 *     c 1                     milliseconds since start
 *     R 3b7                   resident pages
 *     S ...                   a leak suppression;  A  attached at run time
 *
 * malloc, calloc (count * size), posix_memalign, aligned_alloc and valloc
 * log "+"; realloc logs "- old" (when old is not NULL) then "+ new", so
 * it is imported as a free and an allocation; a realloc that returns
 * NULL (realloc(p, 0) among them) is not logged.  Threads are not
 * logged: every event is on thread 0.  Time comes from the "c" lines,
 * which a timer thread writes every 10 ms (and once at exit): an event
 * happens at the time of the latest "c" line before it, 0 before the
 * first.
 *
 * heaptrack_interpret's output ("s", "i", "a" lines; "+ N" and "- N"
 * naming allocation sites) is refused: its frees name an allocation site,
 * not a block, so which object each one ends is lost.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "import.h"

#define NS_PER_MS 1000000ull
#define FORMAT_MAX 3

/* Parses exactly n space-separated hex fields after the record's letter
 * and a space; 0 or -1. */
static int fields(const char *line, uint64_t *v, int n)
{
    const char *s = line + 1;

    for (int i = 0; i < n; i++) {
        if (*s != ' ' || !(s = hk_text_hex(s + 1, &v[i])))
            return -1;
    }
    return *s == '\0' ? 0 : -1;
}

/* What the reader knows so far. */
typedef struct reader {
    uint64_t nodes;   /* backtrace nodes ("t" lines) so far */
    uint64_t time_ns; /* of the latest "c" line */
    int version;      /* file format; 0 until the "v" line */
} reader;

static int interpreted(const hk_text *in, char *err, size_t errlen)
{
    return hk_text_fail(in, err, errlen, "heaptrack_interpret output, whose "
                        "frees name allocation sites, not blocks: import the "
                        "raw data (heaptrack --raw)");
}

static int version_line(reader *r, const hk_text *in, const char *line,
                        char *err, size_t errlen)
{
    uint64_t v[2];

    if (line[0] != 'v')
        return hk_text_fail(in, err, errlen, "not heaptrack data: the first "
                            "line is not 'v VERSION FORMAT'");
    /* Before file format 2 the line held heaptrack's version only. */
    if (fields(line, v, 2) != 0) {
        if (fields(line, v, 1) != 0)
            return hk_text_fail(in, err, errlen, "bad version line");
        v[1] = 1;
    }
    if (v[1] == 0 || v[1] > FORMAT_MAX)
        return hk_text_fail(in, err, errlen, "file format %llx: this "
                            "importer reads formats 1 to %d",
                            (unsigned long long)v[1], FORMAT_MAX);
    r->version = (int)v[1];
    return 0;
}

static int sink_failed(hk_sink *out, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", hk_sink_error(out));
    return -1;
}

/* One record after the version line. */
static int record(reader *r, const hk_text *in, const char *line,
                  hk_sink *out, char *err, size_t errlen)
{
    uint64_t v[3];

    switch (line[0]) {
    case '+':
        if (fields(line, v, 1) == 0)
            return interpreted(in, err, errlen);
        if (fields(line, v, 3) != 0)
            return hk_text_fail(in, err, errlen, "expected '+ SIZE NODE "
                                "BLOCK'");
        if (v[1] > r->nodes)
            return hk_text_fail(in, err, errlen, "backtrace node %llx is "
                                "not defined yet", (unsigned long long)v[1]);
        if (v[2] == 0)
            return hk_text_fail(in, err, errlen, "allocation at address 0");
        if (hk_sink_alloc(out, v[2], v[0], r->time_ns) != 0)
            return sink_failed(out, err, errlen);
        return 0;
    case '-':
        if (fields(line, v, 1) != 0)
            return hk_text_fail(in, err, errlen, "expected '- BLOCK'");
        if (hk_sink_free(out, v[0], r->time_ns) != 0)
            return sink_failed(out, err, errlen);
        return 0;
    case 't':
        if (fields(line, v, 2) != 0)
            return hk_text_fail(in, err, errlen, "expected 't IP PARENT'");
        if (v[1] > r->nodes)
            return hk_text_fail(in, err, errlen, "parent node %llx is not "
                                "defined yet", (unsigned long long)v[1]);
        r->nodes++;
        return 0;
    case 'c':
        if (fields(line, v, 1) != 0)
            return hk_text_fail(in, err, errlen, "expected 'c MILLISECONDS'");
        if (v[0] > UINT64_MAX / NS_PER_MS || v[0] * NS_PER_MS < r->time_ns)
            return hk_text_fail(in, err, errlen, "time %llx ms goes back or "
                                "out of range", (unsigned long long)v[0]);
        r->time_ns = v[0] * NS_PER_MS;
        return 0;
    case 'R':
        return fields(line, v, 1) == 0
                   ? 0
                   : hk_text_fail(in, err, errlen, "expected 'R PAGES'");
    case 'I':
        return fields(line, v, 2) == 0
                   ? 0
                   : hk_text_fail(in, err, errlen, "expected 'I PAGESIZE "
                                  "PAGES'");
    case 'X':
        if (line[1] == ' ')
            hk_sink_describe(out, line + 2);
        return 0;
    case 'x':
    case 'm':
    case 'S':
        return line[1] == ' ' ? 0
                              : hk_text_fail(in, err, errlen, "'%c' without "
                                             "its text", line[0]);
    case 'A':
        return line[1] == '\0' ? 0
                               : hk_text_fail(in, err, errlen, "expected 'A' "
                                              "alone");
    case 's':
    case 'i':
    case 'a':
        return interpreted(in, err, errlen);
    case 'v':
        return hk_text_fail(in, err, errlen, "a second version line (data "
                            "of two processes?)");
    case '\0':
        return hk_text_fail(in, err, errlen, "empty line");
    default:
        return hk_text_fail(in, err, errlen, isgraph((unsigned char)line[0])
                            ? "unknown record '%c'"
                            : "unknown record (byte 0x%02x)",
                            (unsigned char)line[0]);
    }
}

int hk_import_heaptrack(hk_text *in, hk_sink *out, char *err, size_t errlen)
{
    reader r = {0};
    const char *line;
    int rc;

    while ((rc = hk_text_line(in, &line, err, errlen)) == 1) {
        if (r.version == 0 ? version_line(&r, in, line, err, errlen)
                           : record(&r, in, line, out, err, errlen))
            return -1;
    }
    if (rc < 0)
        return -1;
    if (r.version == 0)
        return hk_text_fail(in, err, errlen, "empty file, not heaptrack "
                            "data");
    return 0;
}
