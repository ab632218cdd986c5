/*
 * validate.c - `hakmem validate`: how well the simulator's predictions
 * hold on this machine.
 *
 * Every configuration of the spec (the baseline and each grid point) runs
 * on every trace once in the simulator and N times on the real allocator
 * (`hakmem replay --allocator hakmem`), all stored in the spec's
 * database.  The simulations go first, N at a time; the real runs go one
 * at a time with nothing else of ours running, repetition by repetition,
 * so that a slow spell of the machine spreads over all configurations.
 *
 * The gain of a configuration c over the baseline b is
 *
 *     gain(c) = T(b) / T(c) - 1
 *
 * (+25% means c does the trace in 1/1.25 of the baseline's time), with T
 * the predicted time (predicted.ns) for the predicted gain and the median
 * (or with --stat min the fastest) wall_s of the real runs for the
 * measured gain.  The error is predicted gain - measured gain, in
 * percentage points (pp).  Configurations that are the baseline itself
 * (the same point key) are shown but not counted.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/common/stats.h"
#include "experiments/sweep/execute.h"

static const char usage[] =
    "usage: hakmem validate SPEC.json [--runs N] [--stat median|min]\n"
    "                       [--db FILE] [--jobs N] [--trace-cache DIR]\n"
    "\n"
    "Runs each configuration of SPEC.json (the baseline and every grid\n"
    "point) on each trace in the simulator and N times on the real\n"
    "allocator, stores all runs in the database, and prints per trace:\n"
    "the predicted and the measured time, the spread of the measurements\n"
    "((slowest - fastest) / median), the gain over the baseline each time\n"
    "implies (T(baseline) / T(configuration) - 1), the error of the\n"
    "predicted gain in percentage points, the time per event that the\n"
    "model does not explain ((measured - predicted) / events), and whether\n"
    "the system calls of the simulation and of every real run agree.  Last,\n"
    "the median absolute error over all configurations and traces.  The\n"
    "spec's backends, allocators and repetitions are not used.\n"
    "\n"
    "  --runs N           real runs per configuration (default 5)\n"
    "  --stat median|min  the measured time: the median (default) or the\n"
    "                     fastest of the runs\n"
    "  --db FILE          the database (default: the spec's \"db\")\n"
    "  --jobs N           simulations run at once (default: the CPUs); the\n"
    "                     real runs are always one at a time\n"
    "  --trace-cache DIR  where generated traces are kept (default\n"
    "                     " HK_TRACE_CACHE ")\n"
    "\n"
    "Exit status: 0 done; 1 a run failed, or the system calls of a\n"
    "single-threaded trace differ between simulation and reality; 2 a usage\n"
    "error or a bad spec.\n";

#define MAX_CALLS 8

/* The system calls one run made, by name, in name order. */
typedef struct calls {
    char names[MAX_CALLS][16];
    double n[MAX_CALLS];
    int count;
} calls;

/* One configuration on one trace. */
typedef struct cell {
    const char *sim_key;
    double predicted_s;       /* NAN until known */
    double events, threads;
    calls sim;
    double median_s, min_s;   /* of the real runs; NAN without any */
    double spread;
    int runs;
    calls real;               /* of the first real run that differs */
    int differs;
    char top_name[3][24];     /* the largest terms of the prediction */
    double top_ns[3];
} cell;

typedef struct options {
    unsigned runs, jobs;
    int use_min;
} options;

static void add_call(void *ctx, const char *name, double value)
{
    calls *k = ctx;
    const char *call = name + strlen("syscalls.");
    size_t len = strcspn(call, ".");
    if (k->count == MAX_CALLS || len >= sizeof k->names[0])
        return;
    memcpy(k->names[k->count], call, len);
    k->names[k->count][len] = '\0';
    k->n[k->count++] = value;
}

static void take_value(void *ctx, const char *name, double value)
{
    (void)name;
    *(double *)ctx = value;
}

/* Keeps the three largest terms, largest first. */
static void add_term(void *ctx, const char *name, double ns)
{
    cell *c = ctx;
    const char *term = name + strlen("predicted.terms_ns.");
    for (int i = 0; i < 3; i++)
        if (ns > c->top_ns[i]) {
            for (int j = 2; j > i; j--) {
                c->top_ns[j] = c->top_ns[j - 1];
                memcpy(c->top_name[j], c->top_name[j - 1],
                       sizeof c->top_name[j]);
            }
            c->top_ns[i] = ns;
            snprintf(c->top_name[i], sizeof c->top_name[i], "%s", term);
            return;
        }
}

/* One metric of a run, or NAN. */
static double metric(hk_db *db, const char *key, const char *name)
{
    double v = NAN;
    char err[256];
    if (hk_db_metrics(db, key, name, take_value, &v, err, sizeof err) != 1)
        return NAN;
    return v;
}

static void read_calls(hk_db *db, const char *key, calls *k)
{
    char err[256];
    memset(k, 0, sizeof *k);
    hk_db_metrics(db, key, "syscalls.%.calls", add_call, k, err,
                  sizeof err);
}

static int same_calls(const calls *a, const calls *b)
{
    if (a->count != b->count)
        return 0;
    for (int i = 0; i < a->count; i++)
        if (strcmp(a->names[i], b->names[i]) || a->n[i] != b->n[i])
            return 0;
    return 1;
}

static double total_calls(const calls *k)
{
    double sum = 0;
    for (int i = 0; i < k->count; i++)
        sum += k->n[i];
    return sum;
}

static void read_sim(hk_db *db, const hk_point *p, cell *c)
{
    char err[256];
    c->sim_key = p->key;
    c->predicted_s = metric(db, p->key, "predicted.ns") * 1e-9;
    c->events = metric(db, p->key, "trace.events");
    c->threads = metric(db, p->key, "trace.threads");
    read_calls(db, p->key, &c->sim);
    hk_db_metrics(db, p->key, "predicted.terms_ns.%", add_term, c, err,
                  sizeof err);
}

/* The real runs of configuration k on trace t, from the plan's points. */
static void read_real(hk_db *db, const hk_plan *real, size_t t, size_t k,
                      cell *c, double *wall)
{
    for (size_t i = 0; i < real->n; i++) {
        const hk_point *p = &real->v[i];
        if (p->trace != t || p->config != k)
            continue;
        double w = metric(db, p->key, "wall_s");
        if (isnan(w))
            continue;
        wall[c->runs++] = w;
        calls got;
        read_calls(db, p->key, &got);
        if (!c->differs && !same_calls(&c->sim, &got)) {
            c->differs = 1;
            c->real = got;
        }
    }
    c->median_s = hk_median(wall, (size_t)c->runs);
    c->min_s = c->runs ? wall[0] : NAN;
    c->spread = hk_spread(wall, (size_t)c->runs);
}

/* The baseline (configuration 0) is marked as such. */
static void config_label(const hk_spec *s, size_t k, char *buf, size_t len)
{
    char settings[480];
    hk_config_label(s, k, settings, sizeof settings);
    snprintf(buf, len, "%s%s", k == 0 ? "(baseline) " : "", settings);
}

/* Errors of one trace's configurations, with either statistic. */
typedef struct errors {
    double *by_median, *by_min;
    size_t n;
} errors;

static void print_calls(const cell *c)
{
    if (!c->differs) {
        printf("  %.0f = %.0f\n", total_calls(&c->sim), total_calls(&c->sim));
        return;
    }
    printf("  %.0f / %.0f DIFFER", total_calls(&c->sim),
           total_calls(&c->real));
    for (int i = 0; i < c->sim.count && i < c->real.count; i++)
        if (c->sim.n[i] != c->real.n[i])
            printf(" (%s %.0f / %.0f)", c->sim.names[i], c->sim.n[i],
                   c->real.n[i]);
    printf("%s\n", c->threads > 1 ? " [threads run concurrently]" : "");
}

/* One trace's table; adds its errors to all.  1 if the system calls of
 * a single-threaded trace differ. */
static int print_trace(const hk_spec *s, size_t t, const cell *cells,
                       size_t nconfigs, const options *o, errors *all)
{
    const cell *base = &cells[0];
    double base_s = o->use_min ? base->min_s : base->median_s;
    char label[512];
    int label_w = 13, bad_calls = 0;
    for (size_t k = 0; k < nconfigs; k++) {
        config_label(s, k, label, sizeof label);
        label_w = (int)strlen(label) > label_w ? (int)strlen(label)
                                               : label_w;
    }
    printf("\ntrace %s: %.0f events, %.0f thread%s; largest terms at the "
           "baseline:", s->traces[t].name, base->events, base->threads,
           base->threads == 1 ? "" : "s");
    for (int i = 0; i < 3 && base->top_ns[i] > 0; i++)
        printf(" %s %.0f%%", base->top_name[i],
               100 * base->top_ns[i] / (base->predicted_s * 1e9));
    printf("\n%-*s %11s %11s %6s %9s %9s %8s %7s  %s\n", label_w,
           "configuration", "predicted", o->use_min ? "fastest" : "measured",
           "spread", "pred.gain", "meas.gain", "error", "ns/ev", "syscalls");
    size_t first = all->n;
    for (size_t k = 0; k < nconfigs; k++) {
        const cell *c = &cells[k];
        double measured_s = o->use_min ? c->min_s : c->median_s;
        config_label(s, k, label, sizeof label);
        printf("%-*s %8.3f ms %8.3f ms %5.0f%%", label_w, label,
               c->predicted_s * 1e3, measured_s * 1e3, 100 * c->spread);
        int same = k > 0 && c->sim_key && base->sim_key &&
                   !strcmp(c->sim_key, base->sim_key);
        if (k == 0 || same) {
            printf(" %9s %9s %8s", "", "", k ? "=base" : "");
        } else {
            double pg = hk_gain(base->predicted_s, c->predicted_s);
            double mg = hk_gain(base_s, measured_s);
            printf(" %+8.1f%% %+8.1f%% %+5.1f pp", 100 * pg, 100 * mg,
                   100 * (pg - mg));
            if (!isnan(pg - mg)) {
                all->by_median[all->n] = 100 * fabs(
                    pg - hk_gain(base->median_s, c->median_s));
                all->by_min[all->n++] = 100 * fabs(
                    pg - hk_gain(base->min_s, c->min_s));
            }
        }
        printf(" %7.1f", (measured_s - c->predicted_s) * 1e9 / c->events);
        print_calls(c);
        bad_calls |= c->differs && c->threads <= 1;
        if (c->runs < (int)o->runs)
            printf("%-*s   (%d of %u real runs)\n", label_w, "", c->runs,
                   o->runs);
    }
    size_t n = all->n - first;
    double *copy = malloc((n + 1) * sizeof *copy);
    if (copy && n) {
        memcpy(copy, (o->use_min ? all->by_min : all->by_median) + first,
               n * sizeof *copy);
        printf("median |error| on %s: %.1f pp over %zu configurations\n",
               s->traces[t].name, hk_median(copy, n), n);
    }
    free(copy);
    return bad_calls;
}

static void print_summary(errors *all, size_t ntraces, const options *o)
{
    double by_median = hk_median(all->by_median, all->n);
    double by_min = hk_median(all->by_min, all->n);
    printf("\nmedian |error| of the predicted gain: %.1f pp over %zu "
           "configurations on %zu traces\n(measured by the median run: "
           "%.1f pp; by the fastest run: %.1f pp)\n",
           o->use_min ? by_min : by_median, all->n, ntraces, by_median,
           by_min);
}

/* Prints every trace's table and the summary.  1 when the system calls
 * of a single-threaded trace differ (or memory ran out), else 0. */
static int report(const hk_exec *x, const hk_plan *sim, const hk_plan *real,
                  const options *o)
{
    const hk_spec *s = x->spec;
    size_t nconfigs = hk_spec_configs(s);
    cell *cells = calloc(nconfigs, sizeof *cells);
    double *wall = calloc(real->n + 1, sizeof *wall);
    errors all = {calloc(s->ntraces * nconfigs + 1, sizeof *all.by_median),
                  calloc(s->ntraces * nconfigs + 1, sizeof *all.by_min), 0};
    int status = 0;
    if (!cells || !wall || !all.by_median || !all.by_min) {
        fprintf(stderr, "hakmem validate: out of memory\n");
        status = 1;
        goto done;
    }
    printf("gain = T(baseline) / T(configuration) - 1, predicted from "
           "predicted.ns and measured\nfrom the %s wall_s of %u real runs; "
           "error = predicted gain - measured gain\n",
           o->use_min ? "fastest" : "median", o->runs);
    for (size_t t = 0; t < s->ntraces; t++) {
        for (size_t k = 0; k < nconfigs; k++)
            cells[k] = (cell){.predicted_s = NAN, .median_s = NAN,
                              .min_s = NAN, .spread = NAN};
        for (size_t i = 0; i < sim->n; i++)
            if (sim->v[i].trace == t)
                read_sim(x->db, &sim->v[i], &cells[sim->v[i].config]);
        for (size_t k = 0; k < nconfigs; k++)
            read_real(x->db, real, t, k, &cells[k], wall);
        status |= print_trace(s, t, cells, nconfigs, o, &all);
    }
    print_summary(&all, s->ntraces, o);
    if (status)
        printf("the system calls of a single-threaded trace DIFFER between "
               "the simulation and the real runs\n");
done:
    free(cells);
    free(wall);
    free(all.by_median);
    free(all.by_min);
    return status;
}

/* 0, or the exit status for a usage error. */
static int parse_count(const char *opt, const char *text, unsigned *out)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end || text[0] == '-' || v < 1 || v > 4096) {
        fprintf(stderr, "hakmem validate: --%s: '%s' is not a number from "
                "1 to 4096\n", opt, text);
        return 2;
    }
    *out = (unsigned)v;
    return 0;
}

int hk_cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"stat", required_argument, NULL, 'S'},
        {"db", required_argument, NULL, 'd'},
        {"jobs", required_argument, NULL, 'j'},
        {"trace-cache", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *cache = HK_TRACE_CACHE;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    options o = {.runs = 5, .jobs = cpus > 0 ? (unsigned)cpus : 1};
    int opt, status = 0;
    while (status == 0 &&
           (opt = getopt_long(argc, argv, "r:S:d:j:t:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': db = optarg; break;
        case 't': cache = optarg; break;
        case 'r': status = parse_count("runs", optarg, &o.runs); break;
        case 'j': status = parse_count("jobs", optarg, &o.jobs); break;
        case 'S':
            if (strcmp(optarg, "median") && strcmp(optarg, "min")) {
                fprintf(stderr, "hakmem validate: --stat: '%s' is not "
                        "median or min\n", optarg);
                status = 2;
            }
            o.use_min = !strcmp(optarg, "min");
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (status)
        return status;
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }

    hk_spec spec;
    hk_exec x;
    if ((status = hk_exec_open(&x, &spec, "validate", argv[optind], 1, db,
                               cache)))
        return status;
    const hk_column sim_col = {HK_BACKEND_SIM, "hakmem", 1};
    const hk_column real_col = {HK_BACKEND_REAL, "hakmem", o.runs};
    hk_plan sim = {0}, real = {0};
    char err[1024];
    long failed = -1;
    if (hk_plan_expand(&spec, &sim_col, 1, &sim, err, sizeof err) == 0 &&
        hk_plan_expand(&spec, &real_col, 1, &real, err, sizeof err) == 0) {
        x.label = "validate (sim)";
        x.jobs = o.jobs;
        long f = hk_execute(&x, &sim, 0, 1, err, sizeof err);
        x.label = "validate (real)";
        x.jobs = 1;
        long g = f < 0 ? -1 : hk_execute(&x, &real, 0, 1, err, sizeof err);
        failed = g < 0 ? -1 : f + g;
    }
    if (failed < 0)
        fprintf(stderr, "hakmem validate: %s\n", err);
    else if (failed > 0)
        fprintf(stderr, "hakmem validate: %ld runs failed\n", failed);
    status = failed != 0;
    if (failed >= 0)
        status |= report(&x, &sim, &real, &o);
    hk_plan_free(&sim);
    hk_plan_free(&real);
    hk_exec_close(&x, &spec, failed != 0);
    return status;
}
