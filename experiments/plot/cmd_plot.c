/*
 * plot.c - `hakmem plot`: charts of a results database, PNG or SVG.
 *
 * Checks the command line (usage errors exit 2), has plot_data query the
 * points into a chart (errors in the data exit 1), names the chart and
 * its axes, and renders it into a temporary file beside the output that
 * is renamed into place only when complete: on any error there is no
 * output file, and an older one is left as it was.
 */
#include <getopt.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/plot/chart.h"
#include "experiments/plot/chart_file.h"
#include "experiments/plot/plot_data.h"
#include "experiments/plot/plot_units.h"

static const char usage[] =
    "usage: hakmem plot --db FILE --kind KIND -o OUT.png|OUT.svg [OPTIONS]\n"
    "\n"
    "Draws the results of sweeps (experiments/sweep/SCHEMA.md) as a chart, PNG\n"
    "or SVG after OUT's extension.  A FIELD is a column of runs (spec,\n"
    "trace, backend, allocator, rep, baseline, ...) or a parameter; a\n"
    "METRIC is a name in the metrics table.\n"
    "\n"
    "kinds:\n"
    "  line       --x FIELD --y METRIC [--series FIELD]\n"
    "             METRIC against FIELD, a line per value of the series\n"
    "             field; each point the median of its runs, which must be\n"
    "             of one configuration: a plot whose points would mix\n"
    "             traces, backends, allocators or other parameters is\n"
    "             refused, naming them (pick with --where, or split\n"
    "             with --series)\n"
    "  scatter    --x METRIC --y METRIC [--series FIELD]\n"
    "             a point per run\n"
    "  predicted  [--predicted METRIC] [--measured METRIC] [--absolute]\n"
    "             [--series FIELD] [--range LO:HI]\n"
    "             the simulator's predictions against real runs, with the\n"
    "             line y = x: a point per configuration (spec, trace,\n"
    "             allocator and every parameter) that has both, the\n"
    "             median of its sim runs' METRIC (default predicted.ns)\n"
    "             against that of its real runs' (default wall_s); series\n"
    "             by trace.  When the runs include a baseline, both axes\n"
    "             are gains over it, baseline/value (value/baseline for\n"
    "             rates, named ..per_s), so that above 1 is better; without\n"
    "             one, or with --absolute, the values, times in one unit;\n"
    "             configurations match on the parameters runs of both\n"
    "             backends have\n"
    "             --range: both axes span at least LO to HI (with --logx\n"
    "             --logy and 1:100, speedups from 1x to 100x).  The runs'\n"
    "             calibration and tlb* params do not set configurations\n"
    "             apart (a real run has the machine's TLB)\n"
    "  bars       --metric METRIC [--group FIELD] [--series FIELD]\n"
    "             a bar per allocator (or series field) in each group\n"
    "             (default: by trace), the median of the real runs with\n"
    "             whiskers from the least to the most; the runs of a bar\n"
    "             must be of one configuration, as for line\n"
    "\n"
    "Axes are named for people, with units: wall_s is \"wall time (ms)\"\n"
    "when it is in the thousandths, byte counts are in KiB, MiB...; an\n"
    "axis of whole numbers gets whole-numbered ticks; baselines are\n"
    "ringed; a y axis that leaves out 0 (or bars on a log axis) is noted\n"
    "under the title.  --print prints values in the metrics' own units.\n"
    "\n"
    "options:\n"
    "  --where FIELD=VALUE  only runs with this value, as stored; runs\n"
    "                       without such a parameter (other allocators')\n"
    "                       stay (repeatable)\n"
    "  --trace NAME         the same as --where trace=NAME\n"
    "  --backend sim|real   the same as --where backend=...\n"
    "  --logx, --logy       logarithmic axes\n"
    "  --title TEXT, --xlabel TEXT, --ylabel TEXT\n"
    "                       instead of the defaults, made of the names\n"
    "  --size WxH           pixels (PNG) or 1/100 inch (SVG); 800x600\n"
    "  --print              print the points too: SERIES, X and Y (the\n"
    "                       category for categorical x), tab-separated\n"
    "\n"
    "Exit status: 0; 1 for errors in the data or the output; 2 for\n"
    "usage errors.\n";

enum kind { LINE, SCATTER, PREDICTED, BARS, KINDS };

static const char *const kind_names[KINDS] = {
    [LINE] = "line", [SCATTER] = "scatter", [PREDICTED] = "predicted",
    [BARS] = "bars",
};

/* Options that only some kinds take, as bits. */
enum {
    O_X = 1 << 0, O_Y = 1 << 1, O_METRIC = 1 << 2, O_GROUP = 1 << 3,
    O_PREDICTED = 1 << 4, O_MEASURED = 1 << 5, O_ABSOLUTE = 1 << 6,
    O_LOGX = 1 << 7, O_BACKEND = 1 << 8, O_RANGE = 1 << 9,
};

static const unsigned kind_options[KINDS] = {
    [LINE] = O_X | O_Y | O_LOGX | O_BACKEND,
    [SCATTER] = O_X | O_Y | O_LOGX | O_BACKEND,
    [PREDICTED] = O_PREDICTED | O_MEASURED | O_ABSOLUTE | O_LOGX | O_RANGE,
    [BARS] = O_METRIC | O_GROUP | O_BACKEND,
};

static const char *const option_names[] = {
    "--x", "--y", "--metric", "--group", "--predicted", "--measured",
    "--absolute", "--logx", "--backend", "--range",
};

typedef struct options {
    const char *db, *out, *format;
    int kind;
    unsigned given;             /* O_ bits */
    const char *x, *y, *series, *metric, *group, *predicted, *measured;
    const char *title, *xlabel, *ylabel;
    bool absolute, logx, logy, print;
    double range_lo, range_hi;
    int width, height;
    hk_plot_filter where[HK_PLOT_MAX_WHERE];
    size_t nwhere;
} options;

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hakmem plot: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'hakmem plot --help'.\n", stderr);
    va_end(ap);
    return 2;
}

static int add_filter(options *o, const char *field, const char *value)
{
    if (o->nwhere == HK_PLOT_MAX_WHERE)
        return usage_error("more than %d filters", HK_PLOT_MAX_WHERE);
    if (!strcmp(field, "backend"))
        o->given |= O_BACKEND;
    o->where[o->nwhere++] = (hk_plot_filter){field, value};
    return 0;
}

/* Splits FIELD=VALUE in place. */
static int add_where(options *o, char *arg)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return usage_error("--where '%s': expected FIELD=VALUE", arg);
    *eq = '\0';
    return add_filter(o, arg, eq + 1);
}

static int parse_size(options *o, const char *arg)
{
    char *end;
    long w = strtol(arg, &end, 10), h = 0;
    if (*end == 'x')
        h = strtol(end + 1, &end, 10);
    if (*end || w < 200 || h < 150 || w > 8000 || h > 8000)
        return usage_error("--size '%s': expected WxH, from 200x150 to "
                           "8000x8000", arg);
    o->width = (int)w;
    o->height = (int)h;
    return 0;
}

static int parse_range(options *o, const char *arg)
{
    char *end, *colon;
    double lo = strtod(arg, &colon), hi = 0;
    if (colon != arg && *colon == ':')
        hi = strtod(colon + 1, &end);
    if (colon == arg || *colon != ':' || *end || !(lo > 0) || !(hi > lo))
        return usage_error("--range '%s': expected LO:HI, 0 < LO < HI", arg);
    o->range_lo = lo;
    o->range_hi = hi;
    o->given |= O_RANGE;
    return 0;
}

static int parse_kind(options *o, const char *arg)
{
    for (int k = 0; k < KINDS; k++)
        if (!strcmp(arg, kind_names[k])) {
            o->kind = k;
            return 0;
        }
    return usage_error("unknown kind '%s' (line, scatter, predicted, bars)",
                       arg);
}

/* Checks that the kind has what it needs and takes what it was given. */
static int check_kind(options *o)
{
    unsigned extra = o->given & ~kind_options[o->kind];
    for (size_t i = 0; extra; i++, extra >>= 1)
        if (extra & 1)
            return usage_error("%s does not apply to --kind %s",
                               option_names[i], kind_names[o->kind]);
    switch (o->kind) {
    case LINE:
    case SCATTER:
        if (!o->x || !o->y)
            return usage_error("--kind %s needs --x and --y",
                               kind_names[o->kind]);
        break;
    case PREDICTED:
        if (!o->series)
            o->series = "trace";
        break;
    case BARS:
        if (!o->metric)
            return usage_error("--kind bars needs --metric");
        if (!o->group)
            o->group = "trace";
        if (!o->series)
            o->series = "allocator";
        if (!(o->given & O_BACKEND))
            return add_filter(o, "backend", "real");
        break;
    }
    return 0;
}

/* 0, 2 after a usage error (reported), or -1 after --help. */
static int parse(int argc, char **argv, options *o)
{
    enum { DB = 256, KIND, X, Y, SERIES, METRIC, GROUP, WHERE, TRACE,
           BACKEND, PRED, MEAS, ABSOLUTE, LOGX, LOGY, TITLE, XLABEL, YLABEL,
           SIZE, PRINT, RANGE };
    static const struct option opts[] = {
        {"db", required_argument, NULL, DB},
        {"kind", required_argument, NULL, KIND},
        {"output", required_argument, NULL, 'o'},
        {"x", required_argument, NULL, X},
        {"y", required_argument, NULL, Y},
        {"series", required_argument, NULL, SERIES},
        {"metric", required_argument, NULL, METRIC},
        {"group", required_argument, NULL, GROUP},
        {"where", required_argument, NULL, WHERE},
        {"trace", required_argument, NULL, TRACE},
        {"backend", required_argument, NULL, BACKEND},
        {"predicted", required_argument, NULL, PRED},
        {"measured", required_argument, NULL, MEAS},
        {"absolute", no_argument, NULL, ABSOLUTE},
        {"logx", no_argument, NULL, LOGX},
        {"logy", no_argument, NULL, LOGY},
        {"title", required_argument, NULL, TITLE},
        {"xlabel", required_argument, NULL, XLABEL},
        {"ylabel", required_argument, NULL, YLABEL},
        {"size", required_argument, NULL, SIZE},
        {"print", no_argument, NULL, PRINT},
        {"range", required_argument, NULL, RANGE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->kind = -1;
    o->width = 800;
    o->height = 600;
    o->predicted = "predicted.ns";
    o->measured = "wall_s";
    int opt, rc = 0;
    while (rc == 0 &&
           (opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (opt) {
        case DB: o->db = optarg; break;
        case KIND: rc = parse_kind(o, optarg); break;
        case 'o': o->out = optarg; break;
        case X: o->x = optarg; o->given |= O_X; break;
        case Y: o->y = optarg; o->given |= O_Y; break;
        case SERIES: o->series = optarg; break;
        case METRIC: o->metric = optarg; o->given |= O_METRIC; break;
        case GROUP: o->group = optarg; o->given |= O_GROUP; break;
        case WHERE: rc = add_where(o, optarg); break;
        case TRACE: rc = add_filter(o, "trace", optarg); break;
        case BACKEND:
            if (strcmp(optarg, "sim") && strcmp(optarg, "real"))
                return usage_error("--backend '%s': sim or real", optarg);
            rc = add_filter(o, "backend", optarg);
            break;
        case PRED: o->predicted = optarg; o->given |= O_PREDICTED; break;
        case MEAS: o->measured = optarg; o->given |= O_MEASURED; break;
        case ABSOLUTE: o->absolute = true; o->given |= O_ABSOLUTE; break;
        case LOGX: o->logx = true; o->given |= O_LOGX; break;
        case LOGY: o->logy = true; break;
        case TITLE: o->title = optarg; break;
        case XLABEL: o->xlabel = optarg; break;
        case YLABEL: o->ylabel = optarg; break;
        case SIZE: rc = parse_size(o, optarg); break;
        case PRINT: o->print = true; break;
        case RANGE: rc = parse_range(o, optarg); break;
        case 'h': fputs(usage, stdout); return -1;
        default: return usage_error("bad option");
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (!o->db || o->kind < 0 || !o->out)
        return usage_error("--db, --kind and -o are required");
    if (!(o->format = hk_chart_format_of(o->out)))
        return usage_error("-o '%s': the name must end in .png or .svg",
                           o->out);
    return check_kind(o);
}

/* snprintf, for text that may be cut short at len. */
__attribute__((format(printf, 3, 4)))
static void put(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* The printed points (--print), in the metrics' own units, taken before
 * the chart is scaled for display. */
static char *points_text(const hk_chart *c)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    for (size_t i = 0; i < c->nseries; i++)
        for (size_t k = 0; k < c->series[i].n; k++) {
            const hk_chart_series *s = &c->series[i];
            if (c->ncategories)
                fprintf(f, "%s\t%s\t%.15g\n", s->name,
                        c->categories[(size_t)s->x[k]], s->y[k]);
            else
                fprintf(f, "%s\t%.15g\t%.15g\n", s->name, s->x[k],
                        s->y[k]);
        }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The largest magnitude along x or y (with the spread). */
static double largest(const hk_chart *c, bool y)
{
    double most = 0;
    for (size_t i = 0; i < c->nseries; i++)
        for (size_t k = 0; k < c->series[i].n; k++) {
            const hk_chart_series *s = &c->series[i];
            most = fmax(most, fabs(y ? fmax(fabs(s->lo[k]), fabs(s->hi[k]))
                                     : s->x[k]));
            most = fmax(most, fabs(y ? s->y[k] : 0));
        }
    return most;
}

/* Puts a metric's values along x or y into the unit that reads best
 * ("ms" for wall_s of a few thousandths) and labels the axis with its
 * name for people and that unit. */
static void metric_axis(hk_chart *c, bool y, const char *metric,
                        char *label, size_t len)
{
    double factor;
    const char *unit = hk_plot_unit(metric, largest(c, y), &factor);
    hk_chart_scale(c, y, factor);
    hk_plot_metric_label(metric, unit, label, len);
}

static int out_of_memory(char *err, size_t len)
{
    snprintf(err, len, "out of memory");
    return -1;
}

/* Fills the chart's points and its default title and labels (in the
 * buffers); with --print, the points in *printed. */
static int collect(sqlite3 *db, options *o, hk_chart *c, char *title,
                   char *xlabel, char *ylabel, size_t len, char **printed,
                   char *err, size_t errlen)
{
    hk_plot_query q = {o->where, o->nwhere, o->series, NULL};
    char filters[512] = "", yname[256], xname[256];
    if (o->nwhere) {
        char list[500];
        hk_plot_describe(&q, list, sizeof list);
        snprintf(filters, sizeof filters, " (%s)", list);
    }
    int rc;
    switch (o->kind) {
    case LINE:
    case SCATTER:
        c->style = o->kind == LINE ? HK_CHART_LINES : HK_CHART_POINTS;
        q.single = o->kind == LINE ? o->y : "runs";
        rc = o->kind == LINE
                 ? hk_plot_check_collapse(db, &q, o->x, o->y, "--series",
                                          err, errlen) < 0 ||
                           hk_plot_medians(db, &q, o->x, o->y, false, c, err,
                                           errlen) < 0
                 : hk_plot_scatter(db, &q, o->x, o->y, c, err, errlen) < 0;
        if (rc)
            return -1;
        if (o->print && !(*printed = points_text(c)))
            return out_of_memory(err, errlen);
        hk_plot_metric_name(o->y, yname, sizeof yname);
        if (o->kind == SCATTER) {
            hk_plot_metric_name(o->x, xname, sizeof xname);
            metric_axis(c, false, o->x, xlabel, len);
        } else {
            put(xname, sizeof xname, "%s", o->x);
            put(xlabel, len, "%s", o->x);
        }
        metric_axis(c, true, o->y, ylabel, len);
        put(title, len, "%s by %s%s%s%s", yname, xname,
            o->series ? " and " : "", o->series ? o->series : "", filters);
        if (o->kind == LINE)
            c->caption = "each point: the median of its runs";
        return 0;
    case BARS:
        c->style = HK_CHART_BARS;
        c->whiskers = true;
        if (hk_plot_check_collapse(db, &q, o->group, o->metric,
                                   "--series or --group", err, errlen) < 0 ||
            hk_plot_medians(db, &q, o->group, o->metric, true, c, err,
                            errlen) < 0)
            return -1;
        if (o->print && !(*printed = points_text(c)))
            return out_of_memory(err, errlen);
        hk_plot_metric_name(o->metric, yname, sizeof yname);
        put(title, len, "%s by %s and %s%s", yname, o->series, o->group,
            filters);
        c->caption = "bars: the median of the runs; whiskers: the least "
                     "to the most";
        put(xlabel, len, "%s", o->group);
        metric_axis(c, true, o->metric, ylabel, len);
        return 0;
    }
    hk_plot_versus v = {o->predicted, o->measured, !o->absolute, NULL, 0};
    c->style = HK_CHART_POINTS;
    c->diagonal = true;
    c->range_lo = o->range_lo;
    c->range_hi = o->range_hi;
    if (hk_plot_predicted(db, &q, &v, c, err, errlen) < 0)
        return -1;
    if (o->print && !(*printed = points_text(c)))
        return out_of_memory(err, errlen);
    if (v.left_out)
        fprintf(stderr, "hakmem plot: %zu configurations left out: no "
                "baseline to compare with\n", v.left_out);
    hk_plot_metric_name(o->measured, xname, sizeof xname);
    hk_plot_metric_name(o->predicted, yname, sizeof yname);
    if (v.gains) {
        put(title, len, "Predicted vs measured gain over the "
                 "baseline%s", filters);
        put(xlabel, len, "measured gain (%s)", xname);
        put(ylabel, len, "predicted gain (%s)", yname);
    } else {
        char unit[16] = "";
        if (v.unit)
            snprintf(unit, sizeof unit, " (%s)", v.unit);
        put(title, len, "Predicted vs measured%s%s",
                 v.unit ? " time" : "", filters);
        put(xlabel, len, "measured %s%s", xname, unit);
        put(ylabel, len, "%s%s%s", strncmp(yname, "predicted", 9)
                                           ? "predicted " : "",
                 yname, unit);
    }
    return 0;
}

/* Log axes need positive values, and a log x axis numeric ones. */
static int check_log(const options *o, const hk_chart *c, char *err,
                     size_t len)
{
    if (o->logx && c->ncategories) {
        snprintf(err, len, "--logx: the values of %s are not all numbers",
                 o->x);
        return -1;
    }
    for (size_t i = 0; i < c->nseries; i++)
        for (size_t k = 0; k < c->series[i].n; k++) {
            bool bad_x = o->logx && c->series[i].x[k] <= 0;
            if (bad_x || (o->logy && c->series[i].y[k] <= 0)) {
                snprintf(err, len, "--log%c: %s has values of 0 or less",
                         bad_x ? 'x' : 'y', bad_x ? c->xlabel : c->ylabel);
                return -1;
            }
        }
    return 0;
}

int hk_cmd_plot(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    char err[1024], title[512], xlabel[512], ylabel[512], *printed = NULL;
    sqlite3 *db = hk_plot_open(o.db, err, sizeof err);
    if (!db) {
        fprintf(stderr, "hakmem plot: %s\n", err);
        return 1;
    }
    hk_chart c = {.width = o.width, .height = o.height, .logx = o.logx,
                  .logy = o.logy, .title = title, .xlabel = xlabel,
                  .ylabel = ylabel};
    rc = collect(db, &o, &c, title, xlabel, ylabel, sizeof title, &printed,
                 err, sizeof err);
    sqlite3_close(db);
    if (o.title)
        c.title = o.title;
    if (o.xlabel)
        c.xlabel = o.xlabel;
    if (o.ylabel)
        c.ylabel = o.ylabel;
    if (rc == 0)
        rc = check_log(&o, &c, err, sizeof err);
    if (rc == 0)
        rc = hk_chart_write(&c, o.out, o.format, err, sizeof err);
    if (rc == 0 && printed)
        fputs(printed, stdout);
    free(printed);
    hk_chart_free(&c);
    if (rc < 0) {
        fprintf(stderr, "hakmem plot: %s\n", err);
        return 1;
    }
    return 0;
}
