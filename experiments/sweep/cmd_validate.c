/*
 * validate.c - `hakmem validate`: how well the simulator's predictions
 * hold on this machine.
 *
 * Every configuration of the spec (the baseline and each grid point) runs
 * on every trace once in the simulator and N times on the real allocator
 * (`hakmem replay --allocator hakmem`), all stored in the spec's
 * database.  The real runs go first, one at a time with nothing else of
 * ours running, repetition by repetition, so that a slow spell of the
 * machine spreads over all configurations; then the simulations, N at a
 * time.
 *
 * The measured time T of a configuration is the median (or with --stat
 * min the smallest) over its real runs of their CPU time (cpu_s), or with
 * --time wall of their wall time (wall_s); the predicted one is
 * predicted.ns.  Both cover the replay engine's own work: the model
 * prices it (sim/cost.h), nothing is taken off the measurement.  The
 * speedup of a configuration c over the baseline b is T(b) / T(c); the
 * ratio of the predicted to the measured speedup says how well an effect
 * of any size was predicted (1 is exact), the gain error in percentage
 * points (predicted T(b)/T(c) - 1 less measured) how well a small one
 * was.  The measured speedup is also taken by pairs: the median over the
 * repetitions of the baseline's time over the configuration's in the same
 * repetition, which ran moments apart, so that a change of the machine's
 * speed between repetitions moves both sides of a pair alike.  A
 * configuration is flagged NOISY when the spread of its measurements or
 * the baseline's ((slowest - fastest) / median) is larger than the
 * difference predicted between the two: the measurement cannot then
 * confirm the prediction either way.  Configurations that are the
 * baseline itself (the same point key) are shown but not counted.
 *
 * A shared machine's speed moves (on a virtual machine, page faults by
 * a third from one minute to the next), and a calibration is a snapshot.
 * So the terms most runs weigh are measured again, in about three seconds,
 * just before the real runs and just after them (`hakmem calibrate
 * --check`): the header shows each one's cost then over its calibrated
 * cost, and the summary what the time errors and speedup ratios would be
 * with those terms priced at what they cost before, or after, the real
 * runs.  They are measured between repetitions too, and each
 * repetition's runs are re-priced at the probes just before and after
 * it: the machine may drift while its runs go on.  An error that the
 * re-pricing removes is the machine's drift, not the model's.  Busy
 * moments, too, are the machine's: they only ever add time, so the
 * summary also gives the errors by the statistic not chosen (the fastest
 * run against the median), and a miss by the median that the fastest run
 * does not share is interference.
 *
 * The probes also scan for the L3's size, which on a shared machine is
 * this guest's share of it and moves with the neighbours' work (3 to 12
 * MiB within minutes, where the calibration found 6).  The simulations
 * count their cache misses at the median of the shares found before,
 * between and after the real runs (dcache_l3_bytes), not at the
 * calibration's: a measurement of the machine around the runs, not of
 * their times.  The built-in calibration keeps its own, and so do real
 * runs all taken from the database, which no probe brackets.
 *
 * --report prints, per trace, the seed report's before/after story:
 * each configuration's system calls, page faults, RSS peak and time,
 * predicted and measured side by side.
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
    "                       [--time cpu|wall] [--report] [--db FILE]\n"
    "                       [--jobs N] [--trace-cache DIR]\n"
    "                       [--calibration FILE|builtin]\n"
    "\n"
    "Runs each configuration of SPEC.json (the baseline and every grid\n"
    "point) on each trace in the simulator and N times on the real\n"
    "allocator, stores all runs in the database, and prints which\n"
    "calibration priced the predictions and, per trace: the predicted and\n"
    "the measured time and the error of the first, the spread of the\n"
    "measurements ((slowest - fastest) / median), the speedup over the\n"
    "baseline each implies (T(baseline) / T(configuration)) and their\n"
    "ratio, the error of the predicted gain (speedup - 1) in percentage\n"
    "points, whether the system calls of the simulation and of every real\n"
    "run agree, and NOISY where the spread is larger than the predicted\n"
    "difference.  Last, the worst speedup ratio and time error over all\n"
    "configurations and traces, and the median gain error; then the\n"
    "worst again, measured by the fastest run (by the median with --stat\n"
    "min): other programs only add time, so a miss one statistic shows and\n"
    "the other does not is the machine's.  The spec's backends, allocators\n"
    "and repetitions are not used.\n"
    "\n"
    "Both times include the replay engine's own work per event (reading\n"
    "or dispatching it, following its object, writing the block as the\n"
    "touch setting says): the model prices it as terms of its own.\n"
    "\n"
    "  --runs N           real runs per configuration (default 5)\n"
    "  --stat median|min  the measured time: the median (default) or the\n"
    "                     fastest of the runs\n"
    "  --time cpu|wall    measure the CPU time of the replay (cpu_s, the\n"
    "                     default: what it costs, whatever else the machine\n"
    "                     runs) or its wall time (wall_s: the same on an\n"
    "                     idle machine, for one thread)\n"
    "  --report           also print the report's story per trace: system\n"
    "                     calls, page faults, RSS peak (measured: the growth\n"
    "                     over the replay) and time, predicted / measured\n"
    "  --db FILE          the database (default: the spec's \"db\")\n"
    "  --jobs N           simulations run at once (default: the CPUs); the\n"
    "                     real runs are always one at a time\n"
    "  --trace-cache DIR  where generated traces are kept (default\n"
    "                     " HK_TRACE_CACHE ")\n"
    "  --calibration FILE|builtin\n"
    "                     what the predictions are priced with (default: the\n"
    "                     spec's, else this machine's, made on first use)\n"
    "\n"
    "Exit status: 0 done; 1 a run failed, or the system calls of a\n"
    "single-threaded trace differ between simulation and reality; 2 a usage\n"
    "error or a bad spec.\n";

#define MAX_CALLS 8
#define TARGET 0.15 /* the error the summary counts configurations within */

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
    double faults, rss;       /* predicted (faults: the engine's too) */
    calls sim;
    double median_s, min_s;   /* of the real runs; NAN without any */
    double *rep_s;            /* each repetition's, NAN where it is missing */
    double paired;            /* the speedup by pairs (see above), or NAN */
    double spread;
    double real_faults, real_rss, wall_over_cpu; /* medians */
    int runs;
    calls real;               /* of the first real run that differs, or
                                 else of the first */
    int differs;
    char top_name[3][24];     /* the largest terms of the prediction */
    double top_ns[3];
    double repriced_s[3];     /* predicted_s with the probed terms at their
                                 cost before / after the real runs, and
                                 (tracked) the measured time times the
                                 median over the repetitions of each one's
                                 prediction at the probes around it over
                                 its time */
} cell;

/* The machine's costs of a few terms, measured before and after the real
 * runs (hk_calibration_probe). */
typedef struct probes {
    hk_calibration_now at[2];
    int have[2];
    const char *why_not; /* why neither was taken, or NULL */
    /* The L3 the simulations had, in bytes, and whether it is the median
     * share found around the real runs rather than the calibration's. */
    uint64_t sim_l3;
    int sim_l3_probed;
    /* Repetition by repetition: between[r] just before repetition r,
     * between[runs] after the last; tracked when every one was taken. */
    hk_calibration_now *between;
    int tracked;
} probes;

static const char *const probe_when[2] = {"before", "after"};

typedef struct options {
    unsigned runs, jobs;
    int use_min, use_wall, report;
} options;

/* The worst errors seen, and where. */
typedef struct worst {
    double ratio_err, time_err; /* |ratio - 1|, |predicted / measured - 1| */
    double ratio, time;         /* the ratio and the error themselves */
    char ratio_at[600], time_at[600];
    size_t within_ratio, ratios, within_time, times;
} worst;

/* Errors of the gains, with either statistic, for the medians. */
typedef struct errors {
    double *by_median, *by_min;
    size_t n;
    worst w;
    worst by_pairs; /* of the speedup ratios by pairs */
} errors;

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

static double call_count(const calls *k, const char *name)
{
    for (int i = 0; i < k->count; i++)
        if (!strcmp(k->names[i], name))
            return k->n[i];
    return NAN;
}

/* The prediction of point key with each term of now priced at its cost
 * there: the predicted ns less those terms' part, plus their counts at
 * the new costs. */
static double repriced(hk_db *db, const char *key,
                       const hk_calibration_now *now)
{
    double ns = hk_db_metric(db, key, "predicted.ns");
    char name[64];
    for (int i = 0; i < now->n; i++) {
        const char *term = hk_cost_names[now->term[i]];
        snprintf(name, sizeof name, "predicted.terms_ns.%s", term);
        ns -= hk_db_metric(db, key, name);
        snprintf(name, sizeof name, "predicted.counts.%s", term);
        ns += hk_db_metric(db, key, name) * now->ns[i];
    }
    return ns * 1e-9;
}

/* The costs halfway between two probes of the same terms. */
static void midway(const hk_calibration_now *a, const hk_calibration_now *b,
                   hk_calibration_now *out)
{
    *out = *a;
    for (int j = 0; j < a->n && j < b->n; j++)
        if (a->term[j] == b->term[j])
            out->ns[j] = (a->ns[j] + b->ns[j]) / 2;
}

/* c's prediction tracked through the repetitions (see cell), against its
 * median time or, with use_min, its fastest; NAN without the probes. */
static double tracked(hk_db *db, const cell *c, const probes *pr,
                      const options *o, double *v)
{
    size_t n = 0;
    for (unsigned r = 0; pr->tracked && c->sim_key && r < o->runs; r++) {
        if (isnan(c->rep_s[r]))
            continue;
        hk_calibration_now mid;
        midway(&pr->between[r], &pr->between[r + 1], &mid);
        v[n++] = repriced(db, c->sim_key, &mid) / c->rep_s[r];
    }
    return n ? hk_median(v, n) * (o->use_min ? c->min_s : c->median_s)
             : NAN;
}

static void read_sim(hk_db *db, const hk_point *p, const probes *pr, cell *c)
{
    char err[256];
    c->sim_key = p->key;
    c->predicted_s = hk_db_metric(db, p->key, "predicted.ns") * 1e-9;
    for (int i = 0; i < 2; i++)
        c->repriced_s[i] = pr->have[i] ? repriced(db, p->key, &pr->at[i])
                                       : NAN;
    c->events = hk_db_metric(db, p->key, "trace.events");
    c->threads = hk_db_metric(db, p->key, "trace.threads");
    c->faults = hk_db_metric(db, p->key, "predicted.counts.page_fault") +
                hk_db_metric(db, p->key, "predicted.counts.huge_fault");
    c->rss = hk_db_metric(db, p->key, "machine.rss.peak_bytes");
    read_calls(db, p->key, &c->sim);
    hk_db_metrics(db, p->key, "predicted.terms_ns.%", add_term, c, err,
                  sizeof err);
}

/* The real runs of configuration k on trace t, from the plan's points;
 * v is room for as many values as the plan has points. */
static void read_real(hk_db *db, const hk_plan *real, size_t t, size_t k,
                      const options *o, cell *c, double *v)
{
    double *faults = v + real->n, *rss = v + 2 * real->n,
           *ratio = v + 3 * real->n;
    for (size_t i = 0; i < real->n; i++) {
        const hk_point *p = &real->v[i];
        if (p->trace != t || p->config != k)
            continue;
        double wall = hk_db_metric(db, p->key, "wall_s");
        double cpu = hk_db_metric(db, p->key, "cpu_s");
        double w = o->use_wall ? wall : cpu;
        if (isnan(w))
            continue;
        faults[c->runs] = hk_db_metric(db, p->key, "page_faults");
        rss[c->runs] = hk_db_metric(db, p->key, "peak_rss_bytes") -
                       hk_db_metric(db, p->key, "start_rss_bytes");
        ratio[c->runs] = wall / cpu;
        if (p->rep < o->runs)
            c->rep_s[p->rep] = w;
        v[c->runs++] = w;
        calls got;
        read_calls(db, p->key, &got);
        if (c->runs == 1)
            c->real = got;
        if (!c->differs && !same_calls(&c->sim, &got)) {
            c->differs = 1;
            c->real = got;
        }
    }
    size_t n = (size_t)c->runs;
    c->median_s = hk_median(v, n);
    c->min_s = n ? v[0] : NAN;
    c->spread = hk_spread(v, n);
    c->real_faults = hk_median(faults, n);
    c->real_rss = hk_median(rss, n);
    c->wall_over_cpu = hk_median(ratio, n);
}

/* The median over the repetitions of T(b) / T(c), each from one
 * repetition; NAN without a pair.  tmp has room for `runs` values. */
static double paired_speedup(const cell *b, const cell *c, unsigned runs,
                             double *tmp)
{
    size_t n = 0;
    for (unsigned r = 0; r < runs; r++)
        if (!isnan(b->rep_s[r]) && !isnan(c->rep_s[r]))
            tmp[n++] = hk_speedup(b->rep_s[r], c->rep_s[r]);
    return n ? hk_median(tmp, n) : NAN;
}

/* The baseline (configuration 0) is marked as such. */
static void config_label(const hk_spec *s, size_t k, char *buf, size_t len)
{
    char settings[480];
    hk_config_label(s, k, settings, sizeof settings);
    snprintf(buf, len, "%s%s", k == 0 ? "(baseline) " : "", settings);
}

static void print_calls(const cell *c)
{
    if (!c->differs) {
        printf("  %.0f = %.0f", total_calls(&c->sim), total_calls(&c->sim));
        return;
    }
    printf("  %.0f / %.0f DIFFER", total_calls(&c->sim),
           total_calls(&c->real));
    for (int i = 0; i < c->sim.count && i < c->real.count; i++)
        if (c->sim.n[i] != c->real.n[i])
            printf(" (%s %.0f / %.0f)", c->sim.names[i], c->sim.n[i],
                   c->real.n[i]);
    printf("%s", c->threads > 1 ? " [threads run concurrently]" : "");
}

/* A cell's measured time: its fastest real run, or its median one. */
static double measured_by(const cell *c, int use_min)
{
    return use_min ? c->min_s : c->median_s;
}

static double measured(const cell *c, const options *o)
{
    return measured_by(c, o->use_min);
}

/* Keep the larger error (|value - 1|), the value, and where it was. */
static void note_worst(double *worst, double *value, char *at, size_t len,
                       double v, const char *trace, const char *label)
{
    double err = fabs(v - 1);
    if (!isnan(err) && err > *worst) {
        *worst = err;
        *value = v;
        if (snprintf(at, len, "%s, %s", trace, label) >= (int)len)
            snprintf(at + len - 4, 4, "...");
    }
}

/* A speedup ratio of configuration `label` on `trace`, counted in w. */
static void count_ratio(worst *w, double ratio, const char *trace,
                        const char *label)
{
    w->ratios++;
    w->within_ratio += fabs(ratio - 1) <= TARGET;
    note_worst(&w->ratio_err, &w->ratio, w->ratio_at, sizeof w->ratio_at,
               ratio, trace, label);
}

/* Is configuration k, c, a grid point that is the baseline itself (the
 * same point key)?  Shown, not counted. */
static int is_baseline_point(const cell *base, const cell *c, size_t k)
{
    return k > 0 && c->sim_key && base->sim_key &&
           !strcmp(c->sim_key, base->sim_key);
}

static int label_width(const hk_spec *s, size_t nconfigs)
{
    char label[512];
    int w = 13;
    for (size_t k = 0; k < nconfigs; k++) {
        config_label(s, k, label, sizeof label);
        w = (int)strlen(label) > w ? (int)strlen(label) : w;
    }
    return w;
}

/* One trace's table; adds its errors to all.  1 if the system calls of
 * a single-threaded trace differ. */
static int print_trace(const hk_spec *s, size_t t, const cell *cells,
                       size_t nconfigs, const options *o, errors *all)
{
    const cell *base = &cells[0];
    const char *trace = s->traces[t].name;
    double base_s = measured(base, o);
    char label[512];
    int label_w = label_width(s, nconfigs), bad_calls = 0;
    printf("\ntrace %s: %.0f events, %.0f thread%s; largest terms at the "
           "baseline:", trace, base->events, base->threads,
           base->threads == 1 ? "" : "s");
    for (int i = 0; i < 3 && base->top_ns[i] > 0; i++)
        printf(" %s %.0f%%", base->top_name[i],
               100 * base->top_ns[i] / (base->predicted_s * 1e9));
    if (base->threads > 1)
        printf("\n(engine=serial replays the threads one at a time, as "
               "simulated; engine=threads runs\nthem at once: its CPU time "
               "adds their waits, its wall time is up to one per core\nless "
               "than the predicted sum, and its system calls interleave as "
               "they like)");
    printf("\n%-*s %11s %11s %6s %6s %8s %8s %6s %8s %8s %6s %7s  %s\n",
           label_w, "configuration", "predicted",
           o->use_min ? "fastest" : "measured", "t.err", "spread", "p.speed",
           "m.speed", "ratio", "error", "m.paired", "ratio", "ns/ev",
           "syscalls");
    size_t first = all->n;
    for (size_t k = 0; k < nconfigs; k++) {
        const cell *c = &cells[k];
        double m = measured(c, o);
        double time_err = c->predicted_s / m - 1;
        config_label(s, k, label, sizeof label);
        printf("%-*s %8.3f ms %8.3f ms %+5.0f%% %5.0f%%", label_w, label,
               c->predicted_s * 1e3, m * 1e3, 100 * time_err, 100 * c->spread);
        if (!isnan(time_err)) {
            all->w.times++;
            all->w.within_time += fabs(time_err) <= TARGET;
            note_worst(&all->w.time_err, &all->w.time, all->w.time_at,
                       sizeof all->w.time_at, 1 + time_err, trace, label);
        }
        int same = is_baseline_point(base, c, k);
        int noisy = 0;
        if (k == 0 || same) {
            printf(" %8s %8s %6s %8s %8s %6s", "", "", "", k ? "=base" : "",
                   "", "");
        } else {
            double ps = hk_speedup(base->predicted_s, c->predicted_s);
            double ms = hk_speedup(base_s, m);
            double ratio = ps / ms, by_pairs = ps / c->paired;
            printf(" %7.2fx %7.2fx %6.2f %+5.1f pp %7.2fx %6.2f", ps, ms,
                   ratio, 100 * (ps - ms), c->paired, by_pairs);
            if (!isnan(by_pairs))
                count_ratio(&all->by_pairs, by_pairs, trace, label);
            noisy = c->spread > fabs(ps - 1) || base->spread > fabs(ps - 1);
            if (!isnan(ratio)) {
                count_ratio(&all->w, ratio, trace, label);
                all->by_median[all->n] = 100 * fabs(
                    ps - hk_speedup(base->median_s, c->median_s));
                all->by_min[all->n++] = 100 * fabs(
                    ps - hk_speedup(base->min_s, c->min_s));
            }
        }
        printf(" %7.1f", (m - c->predicted_s) * 1e9 / c->events);
        print_calls(c);
        printf("%s\n", noisy ? " NOISY" : "");
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
               trace, hk_median(copy, n), n);
    }
    free(copy);
    return bad_calls;
}

/* "12.3M" and the like: n with a unit prefix, in `width` columns. */
static void human(char *out, size_t len, double n)
{
    static const char prefix[] = " KMGT";
    int p = 0;
    while (fabs(n) >= 10000 && p < 4) {
        n /= 1000;
        p++;
    }
    if (isnan(n))
        snprintf(out, len, "-");
    else if (p)
        snprintf(out, len, "%.1f%c", n, prefix[p]);
    else
        snprintf(out, len, "%.0f", n);
}

/* "predicted / measured" of one quantity, in a column of its own. */
static void pair(double predicted, double measured, int ms)
{
    char a[24], b[24], both[56];
    if (ms) {
        snprintf(a, sizeof a, "%.1f", predicted * 1e3);
        snprintf(b, sizeof b, "%.1f ms", measured * 1e3);
    } else {
        human(a, sizeof a, predicted);
        human(b, sizeof b, measured);
    }
    snprintf(both, sizeof both, "%s / %s", a, b);
    printf(" %*s", ms ? 19 : 15, both);
}

/* The report's story of one trace: predicted / measured, side by side. */
static void print_story(const hk_spec *s, size_t t, const cell *cells,
                        size_t nconfigs, const options *o)
{
    static const char *const shown[] = {"mmap", "munmap", "madvise",
                                        "mincore"};
    char label[512];
    int label_w = label_width(s, nconfigs);
    printf("\nstory of %s (predicted / measured; RSS measured as its growth "
           "over the replay):\n%-*s", s->traces[t].name, label_w,
           "configuration");
    for (size_t i = 0; i < 4; i++)
        printf(" %15s", shown[i]);
    printf(" %15s %15s %19s\n", "page faults", "RSS peak", "time");
    for (size_t k = 0; k < nconfigs; k++) {
        const cell *c = &cells[k];
        config_label(s, k, label, sizeof label);
        printf("%-*s", label_w, label);
        for (size_t i = 0; i < 4; i++)
            pair(call_count(&c->sim, shown[i]),
                 call_count(&c->real, shown[i]), 0);
        pair(c->faults, c->real_faults, 0);
        pair(c->rss, c->real_rss, 0);
        pair(c->predicted_s, measured(c, o), 1);
        putchar('\n');
    }
}

/* A prediction of a cell: as priced (which < 0), or re-priced at the
 * costs probed `which` (0: before the real runs, 1: after, 2: around
 * each repetition). */
static double priced(const cell *c, int which)
{
    return which < 0 ? c->predicted_s : c->repriced_s[which];
}

/* The summary's time errors and speedup ratios again, for the
 * predictions `which` (see priced) against the fastest real run
 * (use_min) or the median one, as one paragraph that `what` opens. */
static void print_again(const hk_spec *s, const cell *cells,
                        size_t nconfigs, int which, int use_min,
                        const char *what)
{
    worst w;
    char label[512];
    memset(&w, 0, sizeof w);
    for (size_t t = 0; t < s->ntraces; t++) {
        const cell *row = &cells[t * nconfigs];
        double base_p = priced(row, which);
        double base_m = measured_by(row, use_min);
        for (size_t k = 0; k < nconfigs; k++) {
            const cell *c = &row[k];
            double p = priced(c, which), m = measured_by(c, use_min);
            config_label(s, k, label, sizeof label);
            if (isnan(p / m))
                continue;
            w.times++;
            w.within_time += fabs(p / m - 1) <= TARGET;
            note_worst(&w.time_err, &w.time, w.time_at, sizeof w.time_at,
                       p / m, s->traces[t].name, label);
            int same = is_baseline_point(row, c, k);
            double ratio = hk_speedup(base_p, p) / hk_speedup(base_m, m);
            if (k > 0 && !same && !isnan(ratio))
                count_ratio(&w, ratio, s->traces[t].name, label);
        }
    }
    printf("%s: worst time error %+.0f%% (%s);\n  %zu of %zu times within "
           "+-%.0f%%; worst speedup ratio %.2f (%s);\n  %zu of %zu "
           "configurations within +-%.0f%%\n", what, 100 * (w.time - 1),
           w.times ? w.time_at : "-", w.within_time, w.times, 100 * TARGET,
           w.ratio, w.ratios ? w.ratio_at : "-", w.within_ratio, w.ratios,
           100 * TARGET);
}

static void print_summary(errors *all, size_t ntraces, const options *o,
                          double busy)
{
    double by_median = hk_median(all->by_median, all->n);
    double by_min = hk_median(all->by_min, all->n);
    const worst *w = &all->w;
    printf("\nworst speedup ratio: %.2f (%+.0f%%, %s); %zu of %zu "
           "configurations within +-%.0f%%\n",
           w->ratio, 100 * (w->ratio - 1), w->ratios ? w->ratio_at : "-",
           w->within_ratio, w->ratios, 100 * TARGET);
    const worst *p = &all->by_pairs;
    printf("by pairs (each run against the baseline's of its repetition): "
           "worst %.2f (%+.0f%%, %s);\n  %zu of %zu configurations within "
           "+-%.0f%%\n", p->ratio, 100 * (p->ratio - 1),
           p->ratios ? p->ratio_at : "-", p->within_ratio, p->ratios,
           100 * TARGET);
    printf("worst time error: %+.0f%% (%s); %zu of %zu times within "
           "+-%.0f%%\n", 100 * (w->time - 1), w->times ? w->time_at : "-",
           w->within_time, w->times, 100 * TARGET);
    printf("median |error| of the predicted gain: %.1f pp over %zu "
           "configurations on %zu traces\n(measured by the median run: "
           "%.1f pp; by the fastest run: %.1f pp)\n",
           o->use_min ? by_min : by_median, all->n, ntraces, by_median,
           by_min);
    if (busy > 1.2)
        printf("the machine was busy: the real runs' wall times were %.1f "
               "times their CPU times (median)%s\n", busy,
               o->use_wall ? "; --time cpu measures what they cost" : "");
}

/* How far the L3 a scan found before or after the real runs may stray
 * from the simulations' before the header says so. */
#define L3_MOVED 1.5

/* The calibration's L3 (or the preset's) in the shape the model takes
 * for `bytes` (0: as calibrated). */
static uint64_t model_l3(const hk_cost *c, uint64_t bytes)
{
    hk_dcache_config d;
    hk_cost_dcache(c, &d);
    if (bytes)
        hk_dcache_config_shape(&d, 2, bytes, d.ways[2]);
    return d.bytes[2];
}

/* The L3 share the simulations are to have (probes): the median of the
 * shares found around the real runs, where the calibration is this
 * machine's own (probes, runs: see probes). */
static void choose_sim_l3(const hk_exec *x, probes *pr, unsigned runs)
{
    double *found = malloc((runs + 2) * sizeof *found);
    size_t n = 0;
    for (int i = 0; found && i < 2; i++)
        if (pr->have[i] && pr->at[i].l3_bytes >= HK_DCACHE_LINE)
            found[n++] = pr->at[i].l3_bytes;
    for (unsigned r = 1; found && pr->between && r < runs; r++)
        if (pr->between[r].l3_bytes >= HK_DCACHE_LINE)
            found[n++] = pr->between[r].l3_bytes;
    pr->sim_l3_probed = x->cal.source != HK_CAL_BUILTIN && n > 0;
    pr->sim_l3 = model_l3(&x->cal.cost, pr->sim_l3_probed
                                            ? (uint64_t)hk_median(found, n)
                                            : 0);
    free(found);
}

/* A guest's share of a shared L3 moves with its neighbours' work. */
static void print_l3_share(const hk_exec *x, const probes *pr,
                           unsigned runs)
{
    double sim = (double)pr->sim_l3, mib = 1 << 20;
    int moved = 0;
    printf("  the L3 a scan finds:");
    for (int i = 0; i < 2; i++) {
        double now = pr->at[i].l3_bytes;
        if (i == 1 && pr->between && runs > 1) {
            for (unsigned r = 1; r < runs; r++)
                if (pr->between[r].l3_bytes > 0)
                    printf(" %.1f", pr->between[r].l3_bytes / mib);
                else
                    printf(" -");
            printf(" MiB between repetitions,");
        }
        if (!pr->have[i] || now <= 0) {
            printf(" not measured %s,", probe_when[i]);
            continue;
        }
        printf(" %.1f MiB %s,", now / mib, probe_when[i]);
        moved |= now > L3_MOVED * sim || L3_MOVED * now < sim;
    }
    printf(" calibrated %.1f MiB\n",
           (double)model_l3(&x->cal.cost, 0) / mib);
    printf("  the simulations' L3: %.1f MiB, %s\n", sim / mib,
           pr->sim_l3_probed ? "the median share found around the real "
                               "runs (dcache_l3_bytes)"
           : x->cal.source == HK_CAL_BUILTIN
               ? "the built-in calibration's"
               : "the calibration's (no share found around the real runs)");
    if (moved)
        printf("warning: the L3 share found before or after the real runs "
               "is over %.1fx off the\nsimulations' one, at which they "
               "counted their cache misses: a trace whose\nworking set "
               "lies between the two is off by the machine's change, not "
               "the model's\n", L3_MOVED);
}

/* How far the machine may run from its calibration, over the probed
 * terms' median, before the header says so: the time target's bound. */
#define DRIFT_BOUND 1.15

/* The median over the probed terms of each one's cost now over its
 * calibrated cost, or NAN. */
static double drift(const hk_cost *cal, const hk_calibration_now *now)
{
    double r[HK_COST_TERMS];
    size_t n = 0;
    for (int j = 0; j < now->n; j++)
        if (cal->ns[now->term[j]] > 0)
            r[n++] = now->ns[j] / cal->ns[now->term[j]];
    return n ? hk_median(r, n) : NAN;
}

/* The machine's speed around the real runs: one number per probe. */
static void print_drift(const hk_exec *x, const probes *pr, unsigned runs)
{
    int off = 0;
    printf("  the median term now over its calibrated cost:");
    for (int i = 0; i < 2; i++) {
        double d = pr->have[i] ? drift(&x->cal.cost, &pr->at[i]) : NAN;
        if (isnan(d))
            printf("%s not measured %s", i ? "," : "", probe_when[i]);
        else
            printf("%s %.2f %s", i ? "," : "", d, probe_when[i]);
        off |= d > DRIFT_BOUND || d * DRIFT_BOUND < 1;
    }
    printf(" the real runs\n");
    if (pr->tracked) {
        printf("  ... and just before each repetition, then after the "
               "last:");
        for (unsigned r = 0; r <= runs; r++)
            printf(" %.2f", drift(&x->cal.cost, &pr->between[r]));
        printf("\n");
    }
    if (off)
        printf("warning: the machine ran over %.0f%% off its calibration "
               "around the real runs: a time\nerror that large is as "
               "much the machine's as the model's (see the re-priced "
               "errors)\n",
               100 * (DRIFT_BOUND - 1));
}

static void print_header(const hk_exec *x, const options *o,
                         const probes *pr)
{
    char cal[1024];
    hk_calibration_describe(&x->cal, cal, sizeof cal);
    printf("calibration: %s\n", cal);
    printf("the machine now: each term's cost (`hakmem calibrate --check`) "
           "over its calibrated cost\n");
    for (int i = 0; i < 2; i++) {
        const hk_calibration_now *now = &pr->at[i];
        printf("  %s the real runs:%s%s", probe_when[i],
               pr->have[i] ? "" : " not measured",
               pr->why_not ? pr->why_not : "");
        for (int j = 0; pr->have[i] && j < now->n; j++) {
            double was = x->cal.cost.ns[now->term[j]];
            printf("%s %s %.2f", j % 8 ? "" : "\n   ",
                   hk_cost_names[now->term[j]],
                   was > 0 ? now->ns[j] / was : NAN);
        }
        printf("\n");
    }
    print_drift(x, pr, o->runs);
    print_l3_share(x, pr, o->runs);
    printf("TLB geometry: %s\n", hk_cost_tlb_source(&x->cal.cost));
    printf("data caches: %s\n", hk_cost_dcache_source(&x->cal.cost));
    const char *thp_why;
    enum hk_thp thp = hk_calibration_thp(&x->cal, &thp_why);
    printf("huge pages (thp, where the spec does not set it): %s, %s\n",
           hk_thp_name(thp), thp_why);
    printf("measured: the %s %s time (%s) of %u real runs, from the end of "
           "loading the trace\n(threads engine) or of scanning it (serial); "
           "it includes the replay engine's own\nwork, which the model "
           "prices (start, start_threads, decode, object_table, dispatch,\n"
           "handoff, touch_write, touch_byte, and the cache misses of its "
           "tables): nothing is\ntaken off; a replay on one thread runs on "
           "one CPU, the same for every run\n(`hakmem replay --no-pin` says "
           "why)\n",
           o->use_min ? "fastest" : "median", o->use_wall ? "wall" : "CPU",
           o->use_wall ? "wall_s" : "cpu_s", o->runs);
    printf("t.err = predicted / measured - 1; speedup = T(baseline) / "
           "T(configuration); ratio =\npredicted speedup / measured; error "
           "= their difference in pp; NOISY: a spread\nlarger than the "
           "predicted difference\n");
}

/* Prints every trace's table and the summary.  1 when the system calls
 * of a single-threaded trace differ (or memory ran out), else 0. */
static int report(const hk_exec *x, const hk_plan *sim, const hk_plan *real,
                  const options *o, const probes *pr)
{
    const hk_spec *s = x->spec;
    size_t nconfigs = hk_spec_configs(s);
    size_t ncells = s->ntraces * nconfigs;
    cell *cells = calloc(ncells, sizeof *cells);
    double *v = calloc(4 * real->n + 1, sizeof *v);
    double *busy = calloc(ncells + 1, sizeof *busy);
    double *reps = calloc(ncells * o->runs + 1, sizeof *reps);
    errors all;
    memset(&all, 0, sizeof all);
    all.by_median = calloc(ncells + 1, sizeof *all.by_median);
    all.by_min = calloc(ncells + 1, sizeof *all.by_min);
    int status = 0;
    size_t nbusy = 0;
    if (!cells || !v || !busy || !reps || !all.by_median || !all.by_min) {
        fprintf(stderr, "hakmem validate: out of memory\n");
        status = 1;
        goto done;
    }
    print_header(x, o, pr);
    for (size_t i = 0; i < ncells * o->runs; i++)
        reps[i] = NAN;
    for (size_t i = 0; i < ncells; i++)
        cells[i] = (cell){.predicted_s = NAN, .median_s = NAN, .min_s = NAN,
                          .spread = NAN, .faults = NAN, .rss = NAN,
                          .real_faults = NAN, .real_rss = NAN,
                          .rep_s = reps + i * o->runs, .paired = NAN};
    for (size_t i = 0; i < sim->n; i++)
        read_sim(x->db, &sim->v[i], pr,
                 &cells[sim->v[i].trace * nconfigs + sim->v[i].config]);
    for (size_t t = 0; t < s->ntraces; t++) {
        cell *row = &cells[t * nconfigs];
        for (size_t k = 0; k < nconfigs; k++) {
            read_real(x->db, real, t, k, o, &row[k], v);
            if (!isnan(row[k].wall_over_cpu))
                busy[nbusy++] = row[k].wall_over_cpu;
        }
        for (size_t k = 1; k < nconfigs; k++)
            row[k].paired = paired_speedup(&row[0], &row[k], o->runs, v);
        for (size_t k = 0; k < nconfigs; k++)
            row[k].repriced_s[2] = tracked(x->db, &row[k], pr, o, v);
        status |= print_trace(s, t, row, nconfigs, o, &all);
    }
    if (o->report)
        for (size_t t = 0; t < s->ntraces; t++)
            print_story(s, t, &cells[t * nconfigs], nconfigs, o);
    print_summary(&all, s->ntraces, o, hk_median(busy, nbusy));
    /* By the other statistic: see the top of this file. */
    print_again(s, cells, nconfigs, -1, !o->use_min,
                o->use_min ? "measured by the median run"
                           : "measured by the fastest run");
    for (int i = 0; i < 2; i++)
        if (pr->have[i]) {
            char what[64];
            snprintf(what, sizeof what,
                     "re-priced at the costs probed %s the real runs",
                     probe_when[i]);
            print_again(s, cells, nconfigs, i, o->use_min, what);
        }
    if (pr->tracked)
        print_again(s, cells, nconfigs, 2, o->use_min,
                    "re-priced per repetition at the probes around it");
    if (status)
        printf("the system calls of a single-threaded trace DIFFER between "
               "the simulation and the real runs\n");
done:
    free(cells);
    free(v);
    free(busy);
    free(reps);
    free(all.by_median);
    free(all.by_min);
    return status;
}

/* The real runs repetition by repetition, the machine's costs probed
 * between each two (pr->between, see probes); all at once, untracked,
 * when the database holds some already (they ran at another time).
 * The number of runs that failed, or -1. */
static long execute_tracked(const hk_exec *x, const hk_plan *real,
                            unsigned runs, probes *pr, char *err,
                            size_t errlen)
{
    for (size_t i = 0; i < real->n; i++) {
        int has = hk_db_has(x->db, real->v[i].key, err, errlen);
        if (has < 0)
            return -1;
        if (has)
            return hk_execute(x, real, 0, 1, err, errlen);
    }
    hk_plan one = *real;
    one.v = malloc((real->n ? real->n : 1) * sizeof *one.v);
    pr->between = calloc(runs + 1, sizeof *pr->between);
    if (!one.v || !pr->between) {
        free(one.v);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pr->tracked = 1;
    long failed = 0;
    for (unsigned r = 0; r < runs && failed >= 0; r++) {
        char why[1024];
        if (r > 0 && pr->tracked &&
            hk_calibration_probe(&x->cal, &pr->between[r], why,
                                 sizeof why) < 0) {
            fprintf(stderr, "hakmem validate: warning: the machine's costs "
                    "between repetitions were not measured: %s\n", why);
            pr->tracked = 0;
        }
        one.n = 0;
        for (size_t i = 0; i < real->n; i++)
            if (real->v[i].rep == r)
                one.v[one.n++] = real->v[i];
        long f = hk_execute(x, &one, 0, 1, err, errlen);
        failed = f < 0 ? -1 : failed + f;
    }
    free(one.v);
    return failed;
}

/* The machine's costs now, into pr->at[i]; a warning if they cannot be
 * measured. */
static void probe(const hk_exec *x, probes *pr, int i)
{
    char why[1024];
    pr->have[i] = hk_calibration_probe(&x->cal, &pr->at[i], why,
                                       sizeof why) == 0;
    if (!pr->have[i])
        fprintf(stderr, "hakmem validate: warning: the machine's costs %s "
                "the real runs were not measured: %s\n", probe_when[i], why);
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

/* 0, or the exit status for a usage error: *out = 1 if text is `one`, 0
 * if it is `zero`. */
static int parse_word(const char *opt, const char *text, const char *zero,
                      const char *one, int *out)
{
    if (strcmp(text, zero) && strcmp(text, one)) {
        fprintf(stderr, "hakmem validate: --%s: '%s' is not %s or %s\n", opt,
                text, zero, one);
        return 2;
    }
    *out = !strcmp(text, one);
    return 0;
}

int hk_cmd_validate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"runs", required_argument, NULL, 'r'},
        {"stat", required_argument, NULL, 'S'},
        {"time", required_argument, NULL, 'T'},
        {"report", no_argument, NULL, 'R'},
        {"db", required_argument, NULL, 'd'},
        {"jobs", required_argument, NULL, 'j'},
        {"trace-cache", required_argument, NULL, 't'},
        {"calibration", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *cache = HK_TRACE_CACHE, *calibration = NULL;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    options o = {.runs = 5, .jobs = cpus > 0 ? (unsigned)cpus : 1};
    int opt, status = 0;
    while (status == 0 &&
           (opt = getopt_long(argc, argv, "r:S:T:Rd:j:t:k:h", opts, NULL)) !=
               -1) {
        switch (opt) {
        case 'd': db = optarg; break;
        case 't': cache = optarg; break;
        case 'k': calibration = optarg; break;
        case 'R': o.report = 1; break;
        case 'r': status = parse_count("runs", optarg, &o.runs); break;
        case 'j': status = parse_count("jobs", optarg, &o.jobs); break;
        case 'S':
            status = parse_word("stat", optarg, "median", "min", &o.use_min);
            break;
        case 'T':
            status = parse_word("time", optarg, "cpu", "wall", &o.use_wall);
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
                               cache, calibration)))
        return status;
    const hk_column sim_col = {HK_BACKEND_SIM, "hakmem", 1};
    const hk_column real_col = {HK_BACKEND_REAL, "hakmem", o.runs};
    hk_plan sim = {0}, real = {0};
    probes pr = {0};
    char err[1024];
    long failed = -1;
    if (hk_plan_expand(&spec, NULL, &real_col, 1, &real, err, sizeof err) ==
        0) {
        x.label = "validate (real)";
        x.jobs = 1;
        long stored = hk_db_runs(x.db);
        probe(&x, &pr, 0);
        long g = execute_tracked(&x, &real, o.runs, &pr, err, sizeof err);
        probe(&x, &pr, 1);
        /* A repetition's failed runs are missing from its times, and
         * tracked() passes over them. */
        pr.tracked = pr.tracked && pr.have[0] && pr.have[1];
        if (pr.tracked) {
            pr.between[0] = pr.at[0];
            pr.between[o.runs] = pr.at[1];
        }
        if (hk_db_runs(x.db) == stored) {
            pr.have[0] = pr.have[1] = 0;
            pr.why_not = " (every real run was in the database)";
        }
        choose_sim_l3(&x, &pr, o.runs);
        char l3_text[32];
        snprintf(l3_text, sizeof l3_text, "%llu",
                 (unsigned long long)pr.sim_l3);
        hk_setting l3 = {"dcache_l3_bytes", l3_text};
        hk_settings under = {&l3, pr.sim_l3_probed};
        long f = -1;
        if (g >= 0 && hk_plan_expand(&spec, &under, &sim_col, 1, &sim, err,
                                     sizeof err) == 0) {
            x.label = "validate (sim)";
            x.jobs = o.jobs;
            f = hk_execute(&x, &sim, 0, 1, err, sizeof err);
        }
        failed = f < 0 ? -1 : f + g;
    }
    if (failed < 0)
        fprintf(stderr, "hakmem validate: %s\n", err);
    else if (failed > 0)
        fprintf(stderr, "hakmem validate: %ld runs failed\n", failed);
    status = failed != 0;
    if (failed >= 0)
        status |= report(&x, &sim, &real, &o, &pr);
    hk_plan_free(&sim);
    hk_plan_free(&real);
    free(pr.between);
    hk_exec_close(&x, &spec, failed != 0);
    return status;
}
