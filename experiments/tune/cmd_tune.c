/*
 * cmd_tune.c - `hakmem tune`: the settings that serve a program best,
 * searched in the simulator on its traces, and confirmed on hardware.
 *
 * The defaults are simulated first on every trace (every objective and
 * limit is relative to them); the search (search.h) then asks for
 * configurations in batches, each simulated on the traces chosen on
 * (all but the --holdout ones) through the sweep machinery (runner.h);
 * the defaults and the best few are simulated on the held-out traces
 * too, replayed on the real allocator with --confirm, and reported
 * (result.h).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "experiments/common/layout.h"
#include "experiments/plot/chart_file.h"
#include "experiments/tune/ladder.h"
#include "experiments/tune/objective.h"
#include "experiments/tune/result.h"
#include "experiments/tune/runner.h"
#include "experiments/tune/search.h"

static const char usage[] =
    "usage: hakmem tune TRACE... [--objective time|rss|time+W*rss]\n"
    "                   [--max-rss 1.1x|BYTES] [--max-syscalls N|1.5x]\n"
    "                   [--budget N] [--jobs N] [--db FILE] [--confirm N]\n"
    "                   [--robust] [--holdout K] [--json] [--plot FILE]\n"
    "       hakmem tune --ladders\n"
    "\n"
    "Searches the allocator's knobs (--ladders lists them and the values\n"
    "tried) for the settings that serve the program the TRACEs recorded\n"
    "best, in the simulator: the defaults and a coarse grid of three\n"
    "values per knob (a fractional design of it when it is too big),\n"
    "then a pattern-search descent from the best points with steps that\n"
    "halve, then passes along every knob's ladder through the best point\n"
    "until none improves, which also give the sensitivity to each knob.\n"
    "Every simulation is stored in the results database\n"
    "(hakmem-sweep(1), spec \"tune\"): a tune stopped and run\n"
    "again repeats none, and `hakmem plot` can draw the search.\n"
    "\n"
    "Prints how many simulations ran and how much of the space that is, a\n"
    "table per trace of the defaults and the best configurations\n"
    "(predicted time, gain, peak RSS, system calls, page faults, and with\n"
    "--confirm the measured time, its spread and gain), the sensitivity,\n"
    "and last a line to copy that runs a program with the best settings.\n"
    "\n"
    "  --objective OBJ     what to minimise, relative to the defaults on\n"
    "                      each trace: time (predicted, the default), rss\n"
    "                      (peak), or time+W*rss\n"
    "  --max-rss LIMIT     keep the peak RSS under LIMIT on every trace:\n"
    "                      a multiple of the defaults' (1.1x) or bytes\n"
    "                      (K, M, G allowed)\n"
    "  --max-syscalls N    keep the system calls to N (or 1.5x the\n"
    "                      defaults') on every trace\n"
    "  --budget N          configurations to evaluate (default 300), each\n"
    "                      simulated on every trace chosen on; the passes\n"
    "                      along the ladders finish even past it (said so)\n"
    "  --starts N          descents, from the best N points (default 2)\n"
    "  --params LIST       tune only these knobs (comma-separated)\n"
    "  --top K             configurations reported and confirmed besides\n"
    "                      the defaults (default 3)\n"
    "  --robust            with several traces, minimise the worst trace's\n"
    "                      objective instead of their geometric mean\n"
    "  --holdout K         choose on all traces but the last K, and report\n"
    "                      the gains on those K\n"
    "  --confirm N         replay the defaults and the top configurations\n"
    "                      N times each on the real allocator, one run at\n"
    "                      a time, configurations taking turns (stored as\n"
    "                      spec tune-confirm-HASH, HASH naming them); warn\n"
    "                      when the measured ranking differs from the\n"
    "                      predicted one\n"
    "  --jobs N            simulations at once (default: the CPUs)\n"
    "  --db FILE           the results database (default results/tune.db)\n"
    "  --calibration FILE  the simulator's costs (`hakmem calibrate`)\n"
    "  --json              one JSON object instead of the tables\n"
    "  --plot FILE         the sensitivity as a chart, .png or .svg\n"
    "  --ladders           print the knobs' ladders and exit\n"
    "\n"
    "Exit status: 0 done; 1 a run failed, or no configuration keeps the\n"
    "limits; 2 a usage error.\n";

typedef struct options {
    hk_objective objective;
    unsigned budget, starts, top, holdout, confirm, jobs;
    const char *db, *calibration, *plot, *params;
    int json, ladders;
} options;

static int parse_count(const char *opt, const char *text, unsigned min,
                       unsigned max, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end || text[0] == '-' || v < min || v > max) {
        fprintf(stderr, "hakmem tune: --%s: '%s' is not a number from %u "
                "to %u\n", opt, text, min, max);
        return 2;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_limit(const char *opt, const char *text, int size,
                       hk_limit *l)
{
    char err[256];
    if (hk_limit_parse(l, text, size, err, sizeof err) < 0) {
        fprintf(stderr, "hakmem tune: --%s: %s\n", opt, err);
        return 2;
    }
    return 0;
}

/* 0 to go on, -1 after --help, else the exit status. */
static int parse(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        {"objective", required_argument, NULL, 'O'},
        {"max-rss", required_argument, NULL, 'R'},
        {"max-syscalls", required_argument, NULL, 'S'},
        {"budget", required_argument, NULL, 'b'},
        {"starts", required_argument, NULL, 's'},
        {"params", required_argument, NULL, 'p'},
        {"top", required_argument, NULL, 'k'},
        {"robust", no_argument, NULL, 'r'},
        {"holdout", required_argument, NULL, 'H'},
        {"confirm", required_argument, NULL, 'c'},
        {"jobs", required_argument, NULL, 'j'},
        {"db", required_argument, NULL, 'd'},
        {"calibration", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'J'},
        {"plot", required_argument, NULL, 'P'},
        {"ladders", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char err[256];
    memset(o, 0, sizeof *o);
    hk_objective_parse(&o->objective, "time", err, sizeof err);
    o->budget = 300;
    o->starts = 2;
    o->top = 3;
    o->jobs = cpus > 0 ? (unsigned)cpus : 1;
    o->db = "results/tune.db";
    int opt, rc = 0;
    while (rc == 0 && (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'O':
            if (hk_objective_parse(&o->objective, optarg, err,
                                   sizeof err) < 0) {
                fprintf(stderr, "hakmem tune: %s\n", err);
                rc = 2;
            }
            break;
        case 'R': rc = parse_limit("max-rss", optarg, 1,
                                   &o->objective.max_rss); break;
        case 'S': rc = parse_limit("max-syscalls", optarg, 0,
                                   &o->objective.max_syscalls); break;
        case 'b': rc = parse_count("budget", optarg, 1, 1000000,
                                   &o->budget); break;
        case 's': rc = parse_count("starts", optarg, 1, 100, &o->starts);
                  break;
        case 'k': rc = parse_count("top", optarg, 1, 20, &o->top); break;
        case 'H': rc = parse_count("holdout", optarg, 1, HK_TUNE_MAX_TRACES,
                                   &o->holdout); break;
        case 'c': rc = parse_count("confirm", optarg, 1, 1000, &o->confirm);
                  break;
        case 'j': rc = parse_count("jobs", optarg, 1, 4096, &o->jobs); break;
        case 'p': o->params = optarg; break;
        case 'r': o->objective.robust = 1; break;
        case 'd': o->db = optarg; break;
        case 'C': o->calibration = optarg; break;
        case 'J': o->json = 1; break;
        case 'P': o->plot = optarg; break;
        case 'L': o->ladders = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (rc)
        return rc;
    if (o->ladders)
        return 0;
    size_t ntraces = (size_t)(argc - optind);
    if (ntraces == 0) {
        fputs(usage, stderr);
        return 2;
    }
    if (o->holdout >= ntraces) {
        fprintf(stderr, "hakmem tune: --holdout %u leaves no trace to "
                "choose on (%zu given)\n", o->holdout, ntraces);
        return 2;
    }
    if (o->plot && !hk_chart_format_of(o->plot)) {
        fprintf(stderr, "hakmem tune: --plot %s: the name must end in .png "
                "or .svg\n", o->plot);
        return 2;
    }
    return 0;
}

/* The knobs to tune: all, or those --params names, in core/params.c's
 * order.  Their number, or 0 after a message. */
static size_t select_ladders(const char *list, hk_ladder *out)
{
    hk_ladder all[HK_SEARCH_DIMS];
    size_t n = hk_ladders(all, HK_SEARCH_DIMS);
    int wanted[HK_SEARCH_DIMS] = {0};
    char copy[512];
    snprintf(copy, sizeof copy, "%s", list ? list : "");
    for (char *save, *name = strtok_r(copy, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        const hk_ladder *l = hk_ladder_find(all, n, name);
        const char *why = hk_ladder_excluded(name);
        if (l) {
            wanted[l - all] = 1;
        } else {
            if (why)
                fprintf(stderr, "hakmem tune: --params: %s is not tuned: "
                        "%s\n", name, why);
            else
                fprintf(stderr, "hakmem tune: --params: '%s' is not a "
                        "knob (see --ladders)\n", name);
            return 0;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!list || wanted[i])
            out[k++] = all[i];
    if (!k)
        fprintf(stderr, "hakmem tune: --params: no knob named\n");
    return k;
}

static void print_ladders(void)
{
    hk_ladder l[HK_SEARCH_DIMS];
    size_t n = hk_ladders(l, HK_SEARCH_DIMS);
    printf("%-12s %-9s %-20s %s\n", "knob", "default", "coarse rungs",
           "ladder");
    for (size_t i = 0; i < n; i++) {
        char v[32], coarse[64] = "";
        for (int c = 0; c < 3; c++) {
            hk_ladder_format(&l[i], l[i].coarse[c], v, sizeof v);
            snprintf(coarse + strlen(coarse), sizeof coarse - strlen(coarse),
                     "%s%s", c ? " " : "", v);
        }
        hk_ladder_format(&l[i], l[i].def, v, sizeof v);
        printf("%-12s %-9s %-20s", l[i].param->name, v, coarse);
        for (size_t j = 0; j < l[i].n; j++) {
            hk_ladder_format(&l[i], j, v, sizeof v);
            printf(" %s", v);
        }
        printf("%s\n", l[i].automatic ? "  (made from the default)" : "");
    }
    for (size_t i = 0; i < hk_param_count; i++) {
        const char *why = hk_ladder_excluded(hk_param_table[i].name);
        if (why)
            printf("not tuned: %s: %s\n", hk_param_table[i].name, why);
    }
    hk_search_dim dims[HK_SEARCH_DIMS];
    for (size_t i = 0; i < n; i++)
        dims[i] = (hk_search_dim){l[i].n, {l[i].coarse[0], l[i].coarse[1],
                                           l[i].coarse[2]}, l[i].def};
    printf("%.0f configurations; the least --budget: %zu\n",
           hk_search_space(dims, n), hk_search_min_budget(dims, n));
}

/* What the search's callback needs. */
typedef struct tune {
    hk_tune_runner *r;
    const hk_objective *o;
    hk_tune_metrics defaults[HK_TUNE_MAX_TRACES];
    size_t train;
} tune;

/* A point's objective, violation and tiebreak over the traces chosen
 * on: the tiebreak is the other of time and RSS. */
static hk_search_value value_of(const tune *u, const hk_tune_metrics *m)
{
    double obj[HK_TUNE_MAX_TRACES], other[HK_TUNE_MAX_TRACES];
    hk_search_value v = {0, 0, 0};
    for (size_t i = 0; i < u->train; i++) {
        const hk_tune_metrics *d = &u->defaults[i];
        obj[i] = hk_objective_trace(u->o, &m[i], d);
        other[i] = u->o->time_w > 0 ? hk_ratio(m[i].rss_bytes, d->rss_bytes)
                                    : hk_ratio(m[i].time_ns, d->time_ns);
        v.violation += hk_objective_violation(u->o, &m[i], d);
    }
    v.score = hk_objective_combine(u->o, obj, u->train);
    v.tiebreak = hk_geomean(other, u->train);
    return v;
}

static int evaluate(void *ctx, const char *stage,
                    const hk_search_point *points, size_t n,
                    hk_search_value *out, char *err, size_t errlen)
{
    tune *u = ctx;
    const hk_tune_metrics **m = calloc(n, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = hk_tune_simulate(u->r, stage, points, n, 0, u->train, m, err,
                              errlen);
    for (size_t i = 0; rc == 0 && i < n; i++)
        out[i] = value_of(u, m[i]);
    free(m);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The objective the settings recommended may give up (a fraction of the
 * best one's) to leave a knob at its default: a knob that buys less is
 * not worth setting, and no measurement could confirm it. */
#define SIMPLER 0.001

/* Configurations whose objectives are closer than this (a fraction of
 * the defaults') could not be told apart on hardware, where runs spread
 * by a percent or more: the runners-up reported are at least this far
 * from each other and from the defaults. */
#define TOP_MARGIN 0.005

/* The rows: the defaults and the best configurations, simulated on
 * every trace.  0, or -1 with err. */
static int make_rows(hk_tune_result *t, tune *u, unsigned top, char *err,
                     size_t errlen)
{
    const hk_search *s = t->s;
    size_t idx[32];
    size_t n = hk_search_top(s, TOP_MARGIN, idx, top);
    hk_search_point def = hk_search_defaults(s);
    t->rows = calloc(n + 1, sizeof *t->rows);
    hk_search_point *points = calloc(n + 1, sizeof *points);
    const hk_tune_metrics **m = calloc(n + 1, sizeof *m);
    int rc = t->rows && points && m ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    for (size_t k = 0; rc == 0 && k <= n; k++) {
        points[k] = k ? s->points[idx[k - 1]] : def;
        t->rows[k].p = points[k];
        t->rows[k].defaults = k == 0;
        if (k && idx[k - 1] == s->best)
            t->chosen = k;
    }
    t->nrows = n + 1;
    if (rc == 0)
        rc = hk_tune_simulate(u->r, "held out", points, n + 1, 0,
                              t->ntraces, m, err, errlen);
    for (size_t k = 0; rc == 0 && k <= n; k++) {
        hk_tune_row *row = &t->rows[k];
        memcpy(row->pred, m[k], t->ntraces * sizeof *row->pred);
        hk_search_value v = value_of(u, row->pred);
        row->objective = v.score;
        row->violation = v.violation;
    }
    free(points);
    free(m);
    return rc;
}

int hk_cmd_tune(int argc, char **argv)
{
    options o;
    int status = parse(argc, argv, &o);
    if (status)
        return status < 0 ? 0 : status;
    if (o.ladders) {
        print_ladders();
        return 0;
    }
    hk_ladder ladders[HK_SEARCH_DIMS];
    size_t nladders = select_ladders(o.params, ladders);
    if (!nladders)
        return 2;
    hk_search_dim dims[HK_SEARCH_DIMS];
    for (size_t d = 0; d < nladders; d++)
        dims[d] = (hk_search_dim){ladders[d].n,
                                  {ladders[d].coarse[0], ladders[d].coarse[1],
                                   ladders[d].coarse[2]}, ladders[d].def};
    size_t need = hk_search_min_budget(dims, nladders);
    if (o.budget < need) {
        fprintf(stderr, "hakmem tune: --budget %u: at least %zu for %zu "
                "knobs (the defaults, the smallest coarse design and one "
                "pass along every ladder)\n", o.budget, need, nladders);
        return 2;
    }

    size_t ntraces = (size_t)(argc - optind);
    hk_tune_runner r;
    if ((status = hk_tune_open(&r, argv + optind, ntraces, o.db,
                               o.calibration, ladders, nladders, o.jobs)))
        return status;
    tune u = {.r = &r, .o = &o.objective, .train = ntraces - o.holdout};
    hk_search s = {0};
    hk_tune_result t = {.r = &r, .s = &s, .o = &o.objective,
                        .ntraces = ntraces, .train = u.train,
                        .confirm = o.confirm, .jobs = o.jobs,
                        .tolerance = SIMPLER};
    char err[1024];
    double t0 = now_s();
    hk_search_point def = {{0}};
    for (size_t d = 0; d < nladders; d++)
        def.at[d] = (uint8_t)ladders[d].def;
    const hk_tune_metrics *dm;
    hk_search_opts so = {o.budget, o.starts, SIMPLER};
    int rc = hk_tune_simulate(&r, "defaults", &def, 1, 0, ntraces, &dm, err,
                              sizeof err);
    if (rc == 0) {
        memcpy(u.defaults, dm, ntraces * sizeof *dm);
        rc = hk_search_run(&s, dims, nladders, &so, evaluate, &u, err,
                           sizeof err);
    }
    t.search_s = now_s() - t0;
    if (rc == 0 && s.values[s.best].violation > 0) {
        char label[512];
        hk_tune_row closest = {.p = s.points[s.best]};
        hk_tune_row_label(&t, &closest, label, sizeof label);
        snprintf(err, sizeof err, "no configuration of the %zu evaluated "
                 "keeps the limits (the closest: %s)", s.n, label);
        rc = -1;
    }
    if (rc == 0)
        rc = make_rows(&t, &u, o.top, err, sizeof err);
    if (rc == 0 && o.confirm) {
        hk_tune_measured *meas = calloc(t.nrows * ntraces, sizeof *meas);
        hk_search_point *points = calloc(t.nrows, sizeof *points);
        t0 = now_s();
        for (size_t k = 0; meas && points && k < t.nrows; k++)
            points[k] = t.rows[k].p;
        rc = meas && points ? hk_tune_measure(&r, points, t.nrows, o.confirm,
                                              meas, err, sizeof err)
                            : -1;
        for (size_t k = 0; rc == 0 && k < t.nrows; k++)
            memcpy(t.rows[k].meas, &meas[k * ntraces],
                   ntraces * sizeof *meas);
        t.confirm_s = now_s() - t0;
        free(meas);
        free(points);
    }
    if (rc == 0 && hk_layout_find(HK_PART_LIBRARY, NULL, t.lib, sizeof t.lib,
                                  err, sizeof err) < 0)
        rc = -1;
    if (rc == 0 && hk_tune_result_finish(&t) < 0) {
        snprintf(err, sizeof err, "out of memory");
        rc = -1;
    }
    if (rc == 0 && (o.json ? hk_tune_print_json(&t) : (hk_tune_print(&t), 0))) {
        snprintf(err, sizeof err, "out of memory");
        rc = -1;
    }
    if (rc == 0 && o.plot && hk_tune_plot(&t, o.plot, err, sizeof err) < 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "hakmem tune: %s\n", err);
    hk_tune_result_free(&t);
    hk_search_free(&s);
    hk_tune_close(&r, rc < 0);
    return rc < 0;
}
