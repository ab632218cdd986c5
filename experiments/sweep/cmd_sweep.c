/*
 * sweep.c - `hakmem sweep`: run an experiment spec's points into its
 * database, N at a time, resumably, optionally one shard of them.
 *
 * Resuming is what the database gives: a point whose key is stored is
 * not run again, and a point is stored whole or not at all, so a sweep
 * killed at any moment and run again ends with every point exactly once.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/sweep/execute.h"

static const char usage[] =
    "usage: hakmem sweep SPEC.json [--db FILE] [--jobs N] [--shard I/N]\n"
    "                    [--trace-cache DIR] [--calibration FILE|builtin]\n"
    "\n"
    "Runs every point of the experiment SPEC.json describes (its grid x\n"
    "traces x backends x allocators x repetitions, and the baseline; see\n"
    "hakmem-sweep(1), THE SPEC) as `hakmem sim` or `hakmem replay`, and\n"
    "stores each run's settings and numbers in SQLite (hakmem-sweep(1),\n"
    "THE DATABASE).\n"
    "Points already in the database are skipped, so a sweep that was\n"
    "stopped continues where it was; a point that fails is reported with\n"
    "its command and error output, and the others go on.\n"
    "\n"
    "  --db FILE          the database (default: the spec's \"db\")\n"
    "  --jobs N           points run at once (default: the CPUs for\n"
    "                     simulations, 1 for the real backend, whose\n"
    "                     timings would disturb each other; given, N for\n"
    "                     both, with a warning when the spec has real points)\n"
    "  --shard I/N        only the points whose number modulo N is I, for\n"
    "                     one of N machines (merge with `hakmem merge`)\n"
    "  --trace-cache DIR  where generated traces are kept (default\n"
    "                     " HK_TRACE_CACHE ")\n"
    "  --calibration FILE|builtin\n"
    "                     what the simulations are priced with (default: the\n"
    "                     spec's \"calibration\", else this machine's own, made\n"
    "                     on first use as for `hakmem sim`); its checksum is\n"
    "                     part of their point keys, and the database's params\n"
    "                     say which (\"calibration\", \"calibration_source\")\n"
    "\n"
    "Exit status: 0 every point is stored, 1 some point failed (or the\n"
    "database did), 2 a usage error or a bad spec.\n";

/* A whole decimal number in [min, max]. */
static int parse_uint(const char *text, unsigned min, unsigned max,
                      unsigned *out)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end || text[0] == '-' || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_shard(const char *text, unsigned *shard, unsigned *shards)
{
    char first[32];
    const char *slash = strchr(text, '/');
    if (!slash || (size_t)(slash - text) >= sizeof first)
        return -1;
    memcpy(first, text, (size_t)(slash - text));
    first[slash - text] = '\0';
    if (parse_uint(slash + 1, 1, 1000000, shards) < 0 ||
        parse_uint(first, 0, *shards - 1, shard) < 0)
        return -1;
    return 0;
}

int hk_cmd_sweep(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"jobs", required_argument, NULL, 'j'},
        {"shard", required_argument, NULL, 's'},
        {"trace-cache", required_argument, NULL, 't'},
        {"calibration", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *cache = HK_TRACE_CACHE, *calibration = NULL;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned jobs = cpus > 0 ? (unsigned)cpus : 1, shard = 0, shards = 1;
    int opt, jobs_given = 0;
    while ((opt = getopt_long(argc, argv, "d:j:s:t:k:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': db = optarg; break;
        case 't': cache = optarg; break;
        case 'k': calibration = optarg; break;
        case 'j':
            if (parse_uint(optarg, 1, 4096, &jobs) < 0) {
                fprintf(stderr, "hakmem sweep: --jobs: '%s' is not a "
                        "number from 1 to 4096\n", optarg);
                return 2;
            }
            jobs_given = 1;
            break;
        case 's':
            if (parse_shard(optarg, &shard, &shards) < 0) {
                fprintf(stderr, "hakmem sweep: --shard: '%s' is not I/N "
                        "with 0 <= I < N\n", optarg);
                return 2;
            }
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }

    hk_spec spec;
    hk_exec x;
    int status = hk_exec_open(&x, &spec, "sweep", argv[optind], 0, db,
                              cache, calibration);
    if (status)
        return status;
    x.jobs = jobs;
    x.real_jobs = jobs_given ? jobs : 1;
    if (jobs_given && jobs > 1 && spec.backends[HK_BACKEND_REAL])
        fprintf(stderr, "hakmem sweep: warning: --jobs %u runs %u real-backend "
                "points at once, so their timings (wall_s, ops_per_s) run "
                "concurrently and disturb each other; leave --jobs out for "
                "one at a time\n", jobs, jobs);
    hk_column cols[HK_COLUMNS_MAX];
    size_t ncols = hk_spec_columns(&spec, cols);
    hk_plan plan;
    char err[1024];
    long failed = -1;
    if (hk_plan_expand(&spec, NULL, cols, ncols, &plan, err, sizeof err) == 0) {
        failed = hk_execute(&x, &plan, shard, shards, err, sizeof err);
        hk_plan_free(&plan);
    }
    if (failed < 0)
        fprintf(stderr, "hakmem sweep: %s\n", err);
    else if (failed > 0)
        fprintf(stderr, "hakmem sweep: %ld points failed; run the sweep "
                "again to retry them\n", failed);
    hk_exec_close(&x, &spec, failed != 0);
    return failed == 0 ? 0 : 1;
}
