/*
 * cmd_import.c - `hakmem trace import --from KIND FILE -o OUT`.
 *
 * Opens the log and the sink, runs the importer KIND names, and commits
 * the trace only if the whole log was taken: a failed import leaves
 * neither OUT nor OUT.tmp.  Calls the log holds that the trace cannot
 * (frees of blocks it never allocated, ...) are counted on stderr.
 * Exit status as for every `hakmem trace` command: 0 done, 1 a bad log or
 * a failure, 2 a usage error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd_args.h"
#include "import.h"

enum { EXIT_OK = HK_EXIT_OK, EXIT_BAD = HK_EXIT_BAD };
static const char cmd[] = "trace import";

static const char import_usage[] =
    "usage: hakmem trace import --from mtrace|heaptrack FILE -o OUT\n"
    "Converts another tool's allocation log into a hakmem trace.\n"
    "  --from mtrace     glibc's mtrace(3) log: MALLOC_TRACE=FILE, with\n"
    "                    libc_malloc_debug.so.0 preloaded (glibc 2.34+)\n"
    "  --from heaptrack  heaptrack's raw data (heaptrack --raw): plain, or\n"
    "                    compressed with zstd or gzip (run to decompress)\n"
    "  -o OUT            the trace to write; OUT.tmp until the import ends\n"
    "Threads are not in either log (all events are on thread 0); mtrace\n"
    "has no time (call k is at k us), heaptrack has 10 ms ticks.  See\n"
    "hakmem-trace(1), IMPORTING.\n"
    "Exit status: 0 imported, 1 a bad log (the error names the line) or a\n"
    "failure, 2 a usage error.\n";

typedef struct importer {
    const char *name;
    int (*run)(hk_text *in, hk_sink *out, char *err, size_t errlen);
} importer;

static const importer importers[] = {
    {"mtrace", hk_import_mtrace},
    {"heaptrack", hk_import_heaptrack},
};

static void print_notes(const char *path, const hk_sink_stats *st)
{
    const struct {
        uint64_t n;
        const char *what;
    } notes[] = {
        {st->unknown_frees, "frees of blocks the log never allocated, dropped"},
        {st->implied_frees, "allocations at a live block's address, which "
                            "ended that block first"},
        {st->unknown_reallocs, "reallocs of blocks the log never allocated, "
                               "imported as allocations"},
        {st->failed_allocs, "failed allocations, dropped"},
    };

    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++)
        if (notes[i].n)
            fprintf(stderr, "hakmem trace import: %s: %s: %" PRIu64 "\n",
                    path, notes[i].what, notes[i].n);
}

static int import(const importer *imp, const char *path, const char *out)
{
    char err[1024], source[1024];
    hk_text *in = hk_text_open(path, err, sizeof err);
    hk_sink *sink;

    if (!in) {
        fprintf(stderr, "%s\n", err);
        return EXIT_BAD;
    }
    snprintf(source, sizeof source, "%s log %s", imp->name, path);
    sink = hk_sink_create(out, source);
    if (!sink) {
        fprintf(stderr, "hakmem trace import: out of memory\n");
        hk_text_close(in);
        return EXIT_BAD;
    }
    int rc = imp->run(in, sink, err, sizeof err);
    hk_text_close(in);
    if (rc != 0) {
        hk_sink_abort(sink);
        fprintf(stderr, "%s\n", err);
        return EXIT_BAD;
    }
    hk_sink_stats st = *hk_sink_stats_of(sink);
    if (hk_sink_commit(sink, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_BAD;
    }
    print_notes(path, &st);
    return EXIT_OK;
}

int hk_cmd_trace_import(int argc, char **argv)
{
    const char *from = NULL, *out = NULL, *path = NULL;
    const hk_arg_opt opts[] = {
        {.name = "--from", .text = &from},
        {.name = "-o", .text = &out},
        {0},
    };
    int n_pos;
    int rc = hk_parse_args(cmd, import_usage, argc, argv, opts, &path, 1,
                           &n_pos);
    if (rc != HK_ARGS_PARSED)
        return rc;
    if (!from)
        return hk_usage_error(cmd, import_usage, "--from KIND is missing");
    if (!path)
        return hk_usage_error(cmd, import_usage, "FILE is missing");
    if (!out)
        return hk_usage_error(cmd, import_usage, "-o OUT is missing");
    for (size_t k = 0; k < sizeof importers / sizeof importers[0]; k++)
        if (strcmp(from, importers[k].name) == 0)
            return import(&importers[k], path, out);
    return hk_usage_error(cmd, import_usage,
                          "unknown log kind '%s' (mtrace or heaptrack)", from);
}
