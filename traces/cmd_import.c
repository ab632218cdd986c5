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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "import.h"

enum { EXIT_OK = 0, EXIT_BAD = 1, EXIT_USAGE = 2 };

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
    "README.md, \"Importing other tools' traces\".\n"
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

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("hakmem trace import: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", import_usage);
    return EXIT_USAGE;
}

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"),
 * advancing *i past it; NULL if argv[*i] is not that option. */
static const char *option(const char *name, int argc, char **argv, int *i,
                          int *missing)
{
    size_t len = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, len) != 0)
        return NULL;
    if (a[len] == '=')
        return a + len + 1;
    if (a[len] != '\0')
        return NULL;
    if (*i + 1 == argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

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
    const char *from = NULL, *out = NULL, *path = NULL, *v;
    int only_pos = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int missing = 0;
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (path)
                return usage_error("unexpected argument '%s'", a);
            path = a;
        } else if (strcmp(a, "--") == 0) {
            only_pos = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(import_usage, stdout);
            return EXIT_OK;
        } else if ((v = option("--from", argc, argv, &i, &missing))) {
            from = v;
        } else if ((v = option("-o", argc, argv, &i, &missing))) {
            out = v;
        } else {
            return usage_error(missing ? "%s needs a value"
                                       : "unknown option '%s'", a);
        }
    }
    if (!from)
        return usage_error("--from KIND is missing");
    if (!path)
        return usage_error("FILE is missing");
    if (!out)
        return usage_error("-o OUT is missing");
    for (size_t k = 0; k < sizeof importers / sizeof importers[0]; k++)
        if (strcmp(from, importers[k].name) == 0)
            return import(&importers[k], path, out);
    return usage_error("unknown log kind '%s' (mtrace or heaptrack)", from);
}
