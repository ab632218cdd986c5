/*
 * cmd_trace.c - `hakmem trace info` and `hakmem trace gen`; `import` is
 * traces/cmd_import.c.
 *
 * Exit status: 0 done; 1 the trace is bad or a file could not be read or
 * written (the message on stderr names the byte); 2 a usage error.  What
 * a trace says (program, file name) is printed escaped: control bytes as
 * \xNN in text, and as valid JSON strings in --json output.
 */
#include "cmd_trace.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_args.h"
#include "gen.h"
#include "import.h"
#include "trace.h"
#include "trace_check.h"
#include "trace_stream.h"

enum { EXIT_OK = HK_EXIT_OK, EXIT_BAD = HK_EXIT_BAD };

static const char trace_usage[] =
    "usage: hakmem trace COMMAND [ARGS]\n"
    "  info   check a trace and summarize it\n"
    "  gen    write a synthetic trace\n"
    "  import convert another tool's allocation log (mtrace, heaptrack)\n"
    "'hakmem trace COMMAND --help' describes a command.\n";

static const char info_usage[] =
    "usage: hakmem trace info [--json] FILE\n"
    "Reads FILE and checks it (blocks, checksums, every free and realloc\n"
    "of a live id, no allocation of a live id), then prints the program\n"
    "that made it, events by kind, threads, a histogram of requested\n"
    "sizes, peak live objects and bytes, what is live at the end, the\n"
    "duration, bytes per event and the file's FNV-1a 64 checksum.\n"
    "  --json  print the summary as one JSON object\n"
    "Exit status: 0 a good trace, 1 a bad one (the error names the byte),\n"
    "2 a usage error.\n";

static const char gen_usage[] =
    "usage: hakmem trace gen random_mixed CYCLES WS SEED -o FILE\n"
    "       hakmem trace gen larson [OPTIONS] -o FILE\n"
    "       hakmem trace gen phases [OPTIONS] -o FILE\n"
    "Writes a synthetic trace; event k happens at 10 * k ns.\n"
    "'hakmem trace gen KIND --help' lists a generator's options.\n";

static const char mixed_usage[] =
    "usage: hakmem trace gen random_mixed CYCLES WS SEED -o FILE\n"
    "The calls of the seed report's random_mixed benchmark, one thread: WS\n"
    "slots, each of CYCLES cycles frees a random slot's block or fills the\n"
    "empty slot with 16 to 1024 bytes; what is left is freed at the end.\n"
    "  CYCLES  cycles (> 0)\n"
    "  WS      working-set slots (> 0)\n"
    "  SEED    PRNG seed\n"
    "  -o FILE the trace to write\n";

static const char larson_usage[] =
    "usage: hakmem trace gen larson [OPTIONS] -o FILE\n"
    "The calls of a Larson-style benchmark: thread 0 fills each lane's\n"
    "slots; each lane runs ROUNDS rounds of ITERS (free a random slot,\n"
    "allocate anew), each round in a new thread that inherits the lane;\n"
    "thread 0 frees the rest.  Lanes interleave by a seeded random\n"
    "schedule, 1 to 32 iterations at a time.\n"
    "  --threads N   lanes (default 4)\n"
    "  --rounds N    rounds per lane (default 40)\n"
    "  --iters N     free+malloc pairs per round (default 5000)\n"
    "  --slots N     blocks per lane (default 1000)\n"
    "  --min-size N  smallest block (default 16)\n"
    "  --max-size N  largest block (default 1024)\n"
    "  --seed N      PRNG seed (default 1234567)\n"
    "  -o FILE       the trace to write\n";

static const char phases_usage[] =
    "usage: hakmem trace gen phases [OPTIONS] -o FILE\n"
    "One thread grows to PEAK live objects, frees all but LOW-PCT percent\n"
    "of them in random order, and grows again, CYCLES times; then frees\n"
    "the rest.  LARGE-PCT percent of the allocations are large.\n"
    "  --peak N       live objects at the peak (default 100000)\n"
    "  --low-pct N    percent of the peak kept at the low (default 10)\n"
    "  --cycles N     grow-shrink cycles (default 5)\n"
    "  --min-size N   smallest small object (default 16)\n"
    "  --max-size N   largest small object (default 4096)\n"
    "  --large-pct N  percent of large objects (default 1)\n"
    "  --large-min N  smallest large object (default 65536)\n"
    "  --large-max N  largest large object (default 1048576)\n"
    "  --seed N       PRNG seed (default 1)\n"
    "  -o FILE        the trace to write\n";

/* ---- trace info ---- */

/* Prints s with control bytes as \xNN (and backslashes doubled). */
static void print_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if (*p == '\\')
            fputs("\\\\", out);
        else
            fputc(*p, out);
    }
}

/* Length of the well-formed UTF-8 sequence at s, 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned lo = 0x80, hi = 0xbf;
    size_t n;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4;
    else
        return 0;
    if (s[0] == 0xe0)
        lo = 0xa0; /* no overlong forms */
    else if (s[0] == 0xed)
        hi = 0x9f; /* no surrogates */
    else if (s[0] == 0xf0)
        lo = 0x90; /* no overlong forms */
    else if (s[0] == 0xf4)
        hi = 0x8f; /* nothing past U+10FFFF */
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

/* Prints s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void print_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', out);
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd", out);
            p++;
        } else if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p++);
        } else if (*p < 0x20) {
            fprintf(out, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, n, out);
            p += n;
        }
    }
    fputc('"', out);
}

/* The sizes of bucket b of hk_trace_stats.sizes: [*lo, *hi]. */
static void bucket_range(unsigned b, uint64_t *lo, uint64_t *hi)
{
    *lo = b == 0 ? 0 : 1ull << (b - 1);
    *hi = b == 0 ? 0 : *lo + (*lo - 1);
}

typedef struct summary {
    const char *path;
    const char *program;
    const hk_trace_stats *s;
    uint64_t bytes;
    uint64_t checksum;
} summary;

static uint64_t duration_ns(const hk_trace_stats *s)
{
    return s->events ? s->last_time - s->first_time : 0;
}

static void print_summary(const summary *m)
{
    const hk_trace_stats *s = m->s;

    printf("file          ");
    print_text(stdout, m->path);
    printf("\nprogram       ");
    print_text(stdout, m->program);
    printf("\nevents        %" PRIu64 "\n", s->events);
    for (int k = 0; k < HK_EV_KINDS; k++)
        printf("  %-11s %" PRIu64 "\n", hk_ev_kind_names[k], s->by_kind[k]);
    printf("threads       %" PRIu64 "\n", s->threads);
    printf("sizes         requested by allocations, in bytes\n");
    for (unsigned b = 0; b < HK_SIZE_BUCKETS; b++) {
        uint64_t lo, hi;
        char range[48];
        if (s->sizes[b] == 0)
            continue;
        bucket_range(b, &lo, &hi);
        snprintf(range, sizeof range, "%" PRIu64 "-%" PRIu64, lo, hi);
        printf("  %-20s %" PRIu64 "\n", range, s->sizes[b]);
    }
    printf("peak objects  %" PRIu64 "\n", s->peak_objects);
    printf("peak bytes    %" PRIu64 "\n", s->peak_bytes);
    printf("live at end   %" PRIu64 " objects, %" PRIu64 " bytes\n",
           s->live_objects, s->live_bytes);
    printf("duration      %" PRIu64 ".%09" PRIu64 " s\n",
           duration_ns(s) / 1000000000, duration_ns(s) % 1000000000);
    printf("file size     %" PRIu64 " bytes", m->bytes);
    if (s->events)
        printf(", %.2f per event", (double)m->bytes / (double)s->events);
    printf("\nchecksum      %016" PRIx64 " (FNV-1a 64)\n", m->checksum);
}

static void print_summary_json(const summary *m)
{
    const hk_trace_stats *s = m->s;
    const char *sep = "";

    printf("{\"file\":");
    print_json_string(stdout, m->path);
    printf(",\"program\":");
    print_json_string(stdout, m->program);
    printf(",\"events\":%" PRIu64 ",\"kinds\":{", s->events);
    for (int k = 0; k < HK_EV_KINDS; k++)
        printf("%s\"%s\":%" PRIu64, k ? "," : "", hk_ev_kind_names[k],
               s->by_kind[k]);
    printf("},\"threads\":%" PRIu64 ",\"sizes\":[", s->threads);
    for (unsigned b = 0; b < HK_SIZE_BUCKETS; b++) {
        uint64_t lo, hi;
        if (s->sizes[b] == 0)
            continue;
        bucket_range(b, &lo, &hi);
        printf("%s{\"min\":%" PRIu64 ",\"max\":%" PRIu64
               ",\"count\":%" PRIu64 "}", sep, lo, hi, s->sizes[b]);
        sep = ",";
    }
    printf("],\"peak_objects\":%" PRIu64 ",\"peak_bytes\":%" PRIu64
           ",\"live_objects\":%" PRIu64 ",\"live_bytes\":%" PRIu64
           ",\"duration_ns\":%" PRIu64 ",\"bytes\":%" PRIu64
           ",\"bytes_per_event\":", s->peak_objects, s->peak_bytes,
           s->live_objects, s->live_bytes, duration_ns(s), m->bytes);
    if (s->events)
        printf("%.4f", (double)m->bytes / (double)s->events);
    else
        printf("null");
    printf(",\"checksum\":\"%016" PRIx64 "\"}\n", m->checksum);
}

/* Reads and checks the whole trace; prints the summary if it is good. */
static int info(const char *path, int json)
{
    char err[512];
    hk_trace_reader *r = hk_trace_open(path, err, sizeof err);
    hk_trace_check *c = hk_check_create();
    hk_event ev;
    int rc, status = EXIT_BAD;

    if (!r || !c) {
        fprintf(stderr, "%s\n", r ? "hakmem trace info: out of memory" : err);
        goto out;
    }
    while ((rc = hk_trace_read(r, &ev)) == 1) {
        if (hk_check_event(c, &ev, err, sizeof err) != 0) {
            fprintf(stderr, "%s: byte %" PRIu64 ": %s\n", path, ev.offset,
                    err);
            goto out;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "%s\n", hk_trace_error(r));
        goto out;
    }
    summary m = {
        .path = path,
        .program = hk_trace_program(r),
        .s = hk_check_stats(c),
        .bytes = hk_trace_bytes_read(r),
        .checksum = hk_trace_checksum(r),
    };
    if (json)
        print_summary_json(&m);
    else
        print_summary(&m);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "hakmem trace info: cannot write the summary\n");
        goto out;
    }
    status = EXIT_OK;
out:
    hk_check_destroy(c);
    hk_trace_close_reader(r);
    return status;
}

static int cmd_info(int argc, char **argv)
{
    static const char cmd[] = "trace info";
    int json = 0, n_pos;
    const char *path;
    const hk_arg_opt opts[] = { { .name = "--json", .flag = &json }, { 0 } };

    int rc = hk_parse_args(cmd, info_usage, argc, argv, opts, &path, 1, &n_pos);
    if (rc != HK_ARGS_PARSED)
        return rc;
    if (n_pos == 0)
        return hk_usage_error(cmd, info_usage, "FILE is missing");
    return info(path, json);
}

/* ---- trace gen ---- */

/* Parses a gen command's arguments, of which -o FILE is required. */
static int gen_args(const char *cmd, const char *usage, int argc, char **argv,
                    const hk_arg_opt *opts, const char **pos, int max_pos,
                    int *n_pos, const char *const *out)
{
    int rc = hk_parse_args(cmd, usage, argc, argv, opts, pos, max_pos, n_pos);

    if (rc == HK_ARGS_PARSED && !*out)
        return hk_usage_error(cmd, usage, "-o FILE is missing");
    return rc;
}

/* A generator's result as an exit status. */
static int gen_status(const char *cmd, const char *usage, int rc,
                      const char *err)
{
    if (rc == HK_GEN_BAD_OPTIONS)
        return hk_usage_error(cmd, usage, "%s", err);
    if (rc != HK_GEN_OK) {
        fprintf(stderr, "hakmem %s: %s\n", cmd, err);
        return EXIT_BAD;
    }
    return EXIT_OK;
}

static int gen_random_mixed(int argc, char **argv)
{
    static const char cmd[] = "trace gen random_mixed";
    const char *out = NULL, *pos[3];
    const hk_arg_opt opts[] = { { .name = "-o", .text = &out }, { 0 } };
    hk_random_mixed_opts o;
    uint64_t *fields[] = { &o.cycles, &o.ws, &o.seed };
    static const char *const names[] = { "CYCLES", "WS", "SEED" };
    char err[512];
    int n_pos;

    int rc = gen_args(cmd, mixed_usage, argc, argv, opts, pos, 3, &n_pos,
                      &out);
    if (rc != HK_ARGS_PARSED)
        return rc;
    if (n_pos < 3)
        return hk_usage_error(cmd, mixed_usage, "CYCLES, WS and SEED are needed");
    for (int i = 0; i < 3; i++)
        if (hk_parse_u64(pos[i], fields[i]) != 0)
            return hk_usage_error(cmd, mixed_usage,
                               "%s '%s' is not an unsigned 64-bit integer",
                               names[i], pos[i]);
    rc = hk_gen_random_mixed(&o, out, err, sizeof err);
    return gen_status(cmd, mixed_usage, rc, err);
}

static int gen_larson(int argc, char **argv)
{
    static const char cmd[] = "trace gen larson";
    const char *out = NULL;
    hk_larson_opts o;
    char err[512];
    int n_pos;

    hk_gen_larson_default(&o);
    const hk_arg_opt opts[] = {
        { .name = "--threads", .number = &o.threads },
        { .name = "--rounds", .number = &o.rounds },
        { .name = "--iters", .number = &o.iters },
        { .name = "--slots", .number = &o.slots },
        { .name = "--min-size", .number = &o.min_size },
        { .name = "--max-size", .number = &o.max_size },
        { .name = "--seed", .number = &o.seed },
        { .name = "-o", .text = &out },
        { 0 },
    };
    int rc = gen_args(cmd, larson_usage, argc, argv, opts, NULL, 0, &n_pos,
                      &out);
    if (rc != HK_ARGS_PARSED)
        return rc;
    rc = hk_gen_larson(&o, out, err, sizeof err);
    return gen_status(cmd, larson_usage, rc, err);
}

static int gen_phases(int argc, char **argv)
{
    static const char cmd[] = "trace gen phases";
    const char *out = NULL;
    hk_phases_opts o;
    char err[512];
    int n_pos;

    hk_gen_phases_default(&o);
    const hk_arg_opt opts[] = {
        { .name = "--peak", .number = &o.peak },
        { .name = "--low-pct", .number = &o.low_pct },
        { .name = "--cycles", .number = &o.cycles },
        { .name = "--min-size", .number = &o.min_size },
        { .name = "--max-size", .number = &o.max_size },
        { .name = "--large-pct", .number = &o.large_pct },
        { .name = "--large-min", .number = &o.large_min },
        { .name = "--large-max", .number = &o.large_max },
        { .name = "--seed", .number = &o.seed },
        { .name = "-o", .text = &out },
        { 0 },
    };
    int rc = gen_args(cmd, phases_usage, argc, argv, opts, NULL, 0, &n_pos,
                      &out);
    if (rc != HK_ARGS_PARSED)
        return rc;
    rc = hk_gen_phases(&o, out, err, sizeof err);
    return gen_status(cmd, phases_usage, rc, err);
}

/* ---- dispatch ---- */

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
} subcommand;

/* Runs the subcommand argv[1] of `cmd`, argv[1] becoming its argv[0]. */
static int dispatch(const char *cmd, const char *usage,
                    const subcommand *subs, int argc, char **argv)
{
    if (argc < 2)
        return hk_usage_error(cmd, usage, "a command is needed");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    for (; subs->name; subs++)
        if (strcmp(argv[1], subs->name) == 0)
            return subs->run(argc - 1, argv + 1);
    return hk_usage_error(cmd, usage, "unknown command '%s'", argv[1]);
}

static int cmd_gen(int argc, char **argv)
{
    static const subcommand gens[] = {
        { "random_mixed", gen_random_mixed },
        { "larson", gen_larson },
        { "phases", gen_phases },
        { 0 },
    };
    return dispatch("trace gen", gen_usage, gens, argc, argv);
}

int hk_cmd_trace(int argc, char **argv)
{
    static const subcommand cmds[] = {
        { "info", cmd_info },
        { "gen", cmd_gen },
        { "import", hk_cmd_trace_import },
        { 0 },
    };
    return dispatch("trace", trace_usage, cmds, argc, argv);
}
