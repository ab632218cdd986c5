/*
 * compare.c - `hakmem compare`: replay one trace on hakmem and on its
 * peers, the runs alternating, and print the medians side by side.
 *
 * Every run is a child process, hakmem-replay (experiments/common/layout.h)
 * on `--allocator system`, with the allocator's library in
 * LD_PRELOAD (glibc: none): hakmem's libhakmem.so like the peers' own, so
 * that each allocator also serves the replay program's own allocations
 * while it loads the trace, and none starts warmer than another.  All get
 * the same trace, the same settings and the same engine, one OS thread
 * per trace thread; hakmem's parameters reach it as HAKMEM_* variables.  Run r
 * takes the allocators in turn starting from the r-th, so that a slow
 * spell of the machine falls on all of them alike; an allocator whose run
 * fails takes no further runs.  A peer whose library is not installed is
 * listed as missing.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/params.h"
#include "experiments/common/jobs.h"
#include "experiments/common/layout.h"
#include "experiments/common/stats.h"
#include "experiments/replay/peers.h"

extern char **environ;

#define MAX_SETS 64

static const char usage[] =
    "usage: hakmem compare [--runs N] [--set NAME=VALUE]... [--json] TRACE\n"
    "\n"
    "Replays TRACE with `hakmem replay` on hakmem, glibc, mimalloc, jemalloc\n"
    "and tcmalloc, N runs each (default 5), the allocators taking turns, and\n"
    "prints per allocator the median wall time, the operations per second\n"
    "at that time, its ratio to hakmem's, the median peak RSS and how far\n"
    "that peak lies above the RSS at the replay's start.  Every allocator\n"
    "runs on --allocator system with its library in LD_PRELOAD (glibc: no\n"
    "preload; hakmem: its own libhakmem.so).  --set goes to every run (touch=\n"
    "moves all allocators; the allocator parameters move hakmem only, as\n"
    "HAKMEM_* variables).\n"
    "\n"
    "  --runs N  timed runs per allocator\n"
    "  --json    one JSON object instead of the table\n"
    "\n"
    "Exit status: 0 done; 1 a run failed (its allocator shows FAILED); 2 a\n"
    "usage error.\n";

enum status { OK, MISSING, FAILED };

typedef struct allocator {
    const char *name;
    const char *library; /* for LD_PRELOAD; NULL: none */
    int hakmem;          /* takes the allocator parameters */
    enum status status;
    int runs;
    double *wall_s, *peak_rss, *start_rss;
} allocator;

/* hakmem first, then the peers in their table's order. */
static allocator allocators[1 + HK_MAX_PEERS] = {{.name = "hakmem", .hakmem = 1}};
static size_t n_allocators = 1;

static void add_peers(void)
{
    for (size_t i = 0; i < hk_peer_count; i++)
        allocators[n_allocators++] = (allocator){
            .name = hk_peers[i].name, .library = hk_peers[i].library};
}

typedef struct options {
    int runs;
    int json;
    const char *sets[MAX_SETS];
    int nsets;
    const char *trace;
} options;

/* What every run reports of the trace; the first successful run's. */
typedef struct trace_info {
    double events, threads;
} trace_info;

/* hakmem-replay and libhakmem.so of this installation or build. */
static int find_programs(char *replay, char *library, size_t len)
{
    char err[2 * PATH_MAX + 64];

    if (hk_layout_find(HK_PART_COMMAND, "replay", replay, len, err,
                       sizeof err) != 0 ||
        hk_layout_find(HK_PART_LIBRARY, NULL, library, len, err,
                       sizeof err) != 0) {
        fprintf(stderr, "hakmem compare: %s\n", err);
        return -1;
    }
    return 0;
}

/* "name=value" of an allocator parameter as HAKMEM_NAME=value in buf. */
static int param_variable(const char *set, char *buf, size_t len)
{
    const char *eq = strchr(set, '=');
    char name[64];
    if (!eq || (size_t)(eq - set) >= sizeof name)
        return 0;
    memcpy(name, set, (size_t)(eq - set));
    name[eq - set] = '\0';
    if (!hk_param_find(name))
        return 0;
    if ((size_t)snprintf(buf, len, "HAKMEM_%s", set) >= len)
        return 0;
    for (size_t i = 7; i < 7 + (size_t)(eq - set); i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 'a' + 'A');
    return 1;
}

static double number_at(const cJSON *o, const char *a, const char *b)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b)
        v = cJSON_GetObjectItemCaseSensitive(v, b);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

enum run { RUN_OK, RUN_FAILED, RUN_USAGE, RUN_IMPOSSIBLE };

/* The variables a run must not inherit: the preload and hakmem settings
 * of whoever runs `hakmem compare`. */
static int unset_inherited(char **argv, int argc, char (*names)[64])
{
    int n = 0;
    for (char **e = environ; *e && n < MAX_SETS; e++) {
        size_t len = strcspn(*e, "=");
        if ((strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "HAKMEM_", 7)) ||
            len >= sizeof names[n])
            continue;
        memcpy(names[n], *e, len);
        names[n][len] = '\0';
        argv[argc++] = "-u";
        argv[argc++] = names[n++];
    }
    return argc;
}

/* One run of allocator x, its results appended to x's: `env` clears the
 * inherited preload and settings, sets x's, and runs the replay. */
static enum run run_once(const options *o, const char *replay, allocator *x,
                    trace_info *info)
{
    char *argv[6 * MAX_SETS + 12], preload[PATH_MAX + 16], err[256];
    char vars[MAX_SETS][128], unset[MAX_SETS][64];
    int argc = 0;
    argv[argc++] = "/usr/bin/env";
    argc = unset_inherited(argv, argc, unset);
    if (x->library) {
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", x->library);
        argv[argc++] = preload;
    }
    for (int i = 0; x->hakmem && i < o->nsets; i++)
        if (param_variable(o->sets[i], vars[i], sizeof vars[i]))
            argv[argc++] = vars[i];
    argv[argc++] = (char *)replay;
    argv[argc++] = "--allocator";
    argv[argc++] = "system";
    for (int i = 0; i < o->nsets; i++) {
        argv[argc++] = "--set";
        argv[argc++] = (char *)o->sets[i];
    }
    argv[argc++] = "--";
    argv[argc++] = (char *)o->trace;
    argv[argc] = NULL;
    hk_job_result r;
    if (hk_job_run(argv, &r, err, sizeof err) < 0) {
        fprintf(stderr, "hakmem compare: cannot run %s: %s\n", replay, err);
        return RUN_IMPOSSIBLE;
    }
    if (r.status == 2) {
        fputs(r.err, stderr);
        hk_job_result_free(&r);
        return RUN_USAGE;
    }
    cJSON *root = r.status == 0 ? cJSON_Parse(r.out) : NULL;
    double wall = number_at(root, "wall_s", NULL);
    double peak = number_at(root, "peak_rss_bytes", NULL);
    double start = number_at(root, "start_rss_bytes", NULL);
    if (wall < 0 || peak < 0 || start < 0) {
        if (r.status > 128)
            fprintf(stderr, "hakmem compare: %s: killed by signal %d\n",
                    x->name, r.status - 128);
        else
            fprintf(stderr, "hakmem compare: %s: %s\n%s", x->name,
                    r.status ? "the replay failed" : "no JSON from the replay",
                    r.err);
        cJSON_Delete(root);
        hk_job_result_free(&r);
        return RUN_FAILED;
    }
    if (info->events < 0) {
        info->events = number_at(root, "trace", "events");
        info->threads = number_at(root, "trace", "threads");
    }
    x->wall_s[x->runs] = wall;
    x->peak_rss[x->runs] = peak;
    x->start_rss[x->runs] = start;
    x->runs++;
    cJSON_Delete(root);
    hk_job_result_free(&r);
    return RUN_OK;
}

/* The median of runs kept in run order (the JSON lists them so). */
static double median(const double *v, int n)
{
    if (n <= 0)
        return 0;
    double s[n];
    memcpy(s, v, sizeof s);
    return hk_median(s, (size_t)n);
}

static const char *run_as(const allocator *x, char *buf, size_t len)
{
    if (!x->library)
        return "hakmem-replay --allocator system, no preload";
    snprintf(buf, len, "%sLD_PRELOAD=%s",
             x->status == MISSING ? "not installed: " : "", x->library);
    return buf;
}

static void print_table(const options *o, const trace_info *info)
{
    const double mib = 1024.0 * 1024.0;
    double hk = allocators[0].status == OK
                    ? median(allocators[0].wall_s, allocators[0].runs)
                    : 0;
    char how[PATH_MAX + 64];
    printf("hakmem compare: %s", o->trace);
    if (info->events >= 0)
        printf(", %.0f events, %.0f trace threads", info->events,
               info->threads);
    printf("\n%d run%s per allocator, taking turns; medians\n\n", o->runs,
           o->runs == 1 ? "" : "s");
    printf("%-9s %10s %9s %11s %9s %8s  %s\n", "allocator", "time ms",
           "Mops/s", "time/hakmem", "peak MiB", "+RSS MiB", "run as");
    for (size_t i = 0; i < n_allocators; i++) {
        allocator *x = &allocators[i];
        printf("%-9s ", x->name);
        if (x->status != OK) {
            printf("%10s %9s %11s %9s %8s", x->status == MISSING ? "missing"
                                                                 : "FAILED",
                   "-", "-", "-", "-");
        } else {
            double wall = median(x->wall_s, x->runs);
            double peak = median(x->peak_rss, x->runs);
            double start = median(x->start_rss, x->runs);
            printf("%10.2f %9.2f ", wall * 1e3,
                   wall > 0 ? info->events / wall / 1e6 : 0);
            if (hk > 0)
                printf("%11.2f ", wall / hk);
            else
                printf("%11s ", "-");
            printf("%9.1f %8.1f", peak / mib, (peak - start) / mib);
        }
        printf("  %s\n", run_as(x, how, sizeof how));
    }
    printf("\ntime/hakmem: the allocator's median time over hakmem's; above "
           "1.00 hakmem is faster.\n"
           "peak MiB: the replay process's peak RSS from the replay's start "
           "(ru_maxrss), the loaded\n"
           "trace included; +RSS MiB: that peak less the RSS at the start.\n");
}

static void print_json(const options *o, const trace_info *info)
{
    double hk = allocators[0].status == OK
                    ? median(allocators[0].wall_s, allocators[0].runs)
                    : 0;
    static const char *const status_names[] = {"ok", "missing", "failed"};
    cJSON *root = cJSON_CreateObject();
    cJSON *trace = cJSON_AddObjectToObject(root, "trace");
    cJSON_AddStringToObject(trace, "path", o->trace);
    cJSON_AddNumberToObject(trace, "events", info->events);
    cJSON_AddNumberToObject(trace, "threads", info->threads);
    cJSON_AddNumberToObject(root, "runs", o->runs);
    cJSON *sets = cJSON_AddArrayToObject(root, "settings");
    for (int i = 0; i < o->nsets; i++)
        cJSON_AddItemToArray(sets, cJSON_CreateString(o->sets[i]));
    cJSON_AddStringToObject(root, "time_ratio",
                            "median wall time / hakmem's median wall time");
    cJSON *list = cJSON_AddArrayToObject(root, "allocators");
    for (size_t i = 0; i < n_allocators; i++) {
        allocator *x = &allocators[i];
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "name", x->name);
        cJSON_AddStringToObject(a, "run_as", x->library ? "preload"
                                                          : "system");
        if (x->library)
            cJSON_AddStringToObject(a, "library", x->library);
        else
            cJSON_AddNullToObject(a, "library");
        if (x->hakmem) {
            cJSON *vars = cJSON_AddArrayToObject(a, "environment");
            char var[128];
            for (int k = 0; k < o->nsets; k++)
                if (param_variable(o->sets[k], var, sizeof var))
                    cJSON_AddItemToArray(vars, cJSON_CreateString(var));
        }
        cJSON_AddStringToObject(a, "status", status_names[x->status]);
        cJSON_AddItemToObject(a, "wall_s",
                              cJSON_CreateDoubleArray(x->wall_s, x->runs));
        cJSON_AddItemToObject(a, "peak_rss_bytes",
                              cJSON_CreateDoubleArray(x->peak_rss, x->runs));
        cJSON_AddItemToObject(a, "start_rss_bytes",
                              cJSON_CreateDoubleArray(x->start_rss, x->runs));
        if (x->status == OK) {
            double wall = median(x->wall_s, x->runs);
            cJSON_AddNumberToObject(a, "median_wall_s", wall);
            cJSON_AddNumberToObject(a, "ops_per_s",
                                    wall > 0 ? info->events / wall : 0);
            if (hk > 0)
                cJSON_AddNumberToObject(a, "time_ratio", wall / hk);
            cJSON_AddNumberToObject(a, "median_peak_rss_bytes",
                                    median(x->peak_rss, x->runs));
            cJSON_AddNumberToObject(a, "median_start_rss_bytes",
                                    median(x->start_rss, x->runs));
        }
        cJSON_AddItemToArray(list, a);
    }
    char *text = cJSON_PrintUnformatted(root);
    if (text)
        puts(text);
    free(text);
    cJSON_Delete(root);
}

/* What parse() returns when the command goes on; else the exit status. */
enum { PARSED = -1 };

static int parse(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"set", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *end;
    int opt;
    memset(o, 0, sizeof *o);
    o->runs = 5;
    while ((opt = getopt_long(argc, argv, "r:s:jh", opts, NULL)) != -1) {
        switch (opt) {
        case 'r': {
            errno = 0;
            long n = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || n < 1 || n > 10000) {
                fprintf(stderr, "hakmem compare: --runs: '%s' is not a "
                        "number from 1 to 10000\n", optarg);
                return 2;
            }
            o->runs = (int)n;
            break;
        }
        case 's':
            if (o->nsets == MAX_SETS) {
                fprintf(stderr, "hakmem compare: more than %d --set\n",
                        MAX_SETS);
                return 2;
            }
            o->sets[o->nsets++] = optarg;
            break;
        case 'j': o->json = 1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }
    o->trace = argv[optind];
    return PARSED;
}

int hk_cmd_compare(int argc, char **argv)
{
    options o;
    char replay[PATH_MAX];
    int status = parse(argc, argv, &o);
    if (status != PARSED)
        return status;
    if (access(o.trace, R_OK) < 0) {
        fprintf(stderr, "hakmem compare: %s: %s\n", o.trace, strerror(errno));
        return 1;
    }
    static char library[PATH_MAX];
    add_peers();
    if (find_programs(replay, library, sizeof library) < 0)
        return 1;
    allocators[0].library = library;
    for (size_t i = 0; i < n_allocators; i++) {
        allocator *x = &allocators[i];
        x->status = x->library && access(x->library, R_OK) ? MISSING : OK;
        x->wall_s = calloc((size_t)o.runs, sizeof *x->wall_s);
        x->peak_rss = calloc((size_t)o.runs, sizeof *x->peak_rss);
        x->start_rss = calloc((size_t)o.runs, sizeof *x->start_rss);
        if (!x->wall_s || !x->peak_rss || !x->start_rss) {
            fprintf(stderr, "hakmem compare: out of memory\n");
            return 1;
        }
    }
    trace_info info = {-1, -1};
    int failed = 0;
    for (int r = 0; r < o.runs; r++) {
        for (size_t k = 0; k < n_allocators; k++) {
            allocator *x = &allocators[(r + k) % n_allocators];
            if (x->status != OK)
                continue;
            switch (run_once(&o, replay, x, &info)) {
            case RUN_OK: break;
            case RUN_FAILED: x->status = FAILED; failed = 1; break;
            case RUN_USAGE: return 2;
            case RUN_IMPOSSIBLE: return 1;
            }
        }
    }
    if (o.json)
        print_json(&o, &info);
    else
        print_table(&o, &info);
    return failed;
}
