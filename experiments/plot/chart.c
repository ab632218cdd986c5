/*
 * chart.c - laying out and drawing a chart with GNU libplot.
 *
 * User coordinates are canvas units, origin at the bottom left (pixels in
 * a PNG).  Layout comes first and measures every piece of text with the
 * plotter's own font metrics (Hershey Sans in PNG, Helvetica in SVG); the
 * margins around the plot area are then sized to hold it: the title
 * above, the legend to the right, tick labels and axis labels below and to
 * the left.  Tick counts are chosen so that tick labels do not touch, and
 * text longer than its room is cut short with "...".  The axes' ranges
 * hold every point, so the data stays inside the plot area.
 */
#include "experiments/plot/chart.h"

#include <math.h>
#include <plot.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/plot/axis.h"

#define PAD 12.0                /* between the canvas edge and the pieces */
#define TICK_LEN 5.0
#define MARKER_SIZE 9.0
#define SAMPLE_W 34.0           /* a legend entry's line or box */
#define TITLE_FONT 18.0
#define LABEL_FONT 15.0
#define TICK_FONT 13.0
#define LEGEND_FONT 13.0
#define CATEGORY_ANGLE 30.0     /* degrees, for category labels too wide */
#define BAR_GROUP 0.8           /* of a category's width, for its bars */
#define NOTE_FONT 12.0
#define WHISKER_COLOR 0x303030  /* the spread; tests find it in SVG */
#define BASELINE_RING 4         /* libplot's open circle, around a point */

/* Series colours: these, then lighter, then darker. */
static const unsigned palette[] = {
    0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e,
    0x9467bd, 0x8c564b, 0xe377c2, 0x17becf,
};
static const double shades[] = {0, 0.5, -0.4};
static const char *const line_styles[] = {
    "solid", "shortdashed", "dotted", "dotdashed", "longdashed",
};
/* libplot's filled circle, square, triangle, diamond, inverted triangle,
 * then open circle, square and triangle. */
static const int markers[] = {16, 17, 18, 19, 20, 4, 6, 7};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct layout {
    plPlotter *pl;
    const hk_chart *c;
    double left, right, bottom, top;    /* the plot area's frame */
    double inset_x, inset_y;            /* between the frame and the data */
    hk_axis x, y;                       /* x unused with categories */
    double y_labels_w;                  /* the widest y tick label */
    bool rotate_categories;
    size_t category_step;               /* label every step-th category */
    double legend_w, legend_text_w, legend_row, legend_font;
    bool x_whole, y_whole;              /* every value a whole number */
    char note[160];                     /* under the title, or "" */
} layout;

hk_chart_series *hk_chart_series_named(hk_chart *c, const char *name)
{
    for (size_t i = 0; i < c->nseries; i++)
        if (!strcmp(c->series[i].name, name))
            return &c->series[i];
    hk_chart_series *grown = realloc(c->series,
                                     (c->nseries + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    c->series = grown;
    hk_chart_series *s = &grown[c->nseries];
    memset(s, 0, sizeof *s);
    if (!(s->name = strdup(name)))
        return NULL;
    c->nseries++;
    return s;
}

/* Grows one of a series' arrays to cap elements of size bytes. */
static int grow(void **array, size_t cap, size_t size)
{
    void *grown = realloc(*array, cap * size);
    if (!grown)
        return -1;
    *array = grown;
    return 0;
}

int hk_chart_add_range(hk_chart_series *s, double x, double y, double lo,
                       double hi, bool baseline)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        if (grow((void **)&s->x, cap, sizeof *s->x) < 0 ||
            grow((void **)&s->y, cap, sizeof *s->y) < 0 ||
            grow((void **)&s->lo, cap, sizeof *s->lo) < 0 ||
            grow((void **)&s->hi, cap, sizeof *s->hi) < 0 ||
            grow((void **)&s->baseline, cap, sizeof *s->baseline) < 0)
            return -1;
        s->cap = cap;
    }
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->lo[s->n] = lo;
    s->hi[s->n] = hi;
    s->baseline[s->n] = baseline;
    s->n++;
    return 0;
}

int hk_chart_add_point(hk_chart_series *s, double x, double y)
{
    return hk_chart_add_range(s, x, y, y, y, false);
}

void hk_chart_scale(hk_chart *c, bool y, double factor)
{
    for (size_t i = 0; i < c->nseries; i++)
        for (size_t k = 0; k < c->series[i].n; k++) {
            hk_chart_series *s = &c->series[i];
            if (!y) {
                s->x[k] *= factor;
                continue;
            }
            s->y[k] *= factor;
            s->lo[k] *= factor;
            s->hi[k] *= factor;
        }
}

long hk_chart_add_category(hk_chart *c, const char *name)
{
    char **grown = realloc(c->categories,
                           (c->ncategories + 1) * sizeof *grown);
    if (!grown)
        return -1;
    c->categories = grown;
    if (!(grown[c->ncategories] = strdup(name)))
        return -1;
    return (long)c->ncategories++;
}

static void series_free(hk_chart_series *s)
{
    free(s->name);
    free(s->x);
    free(s->y);
    free(s->lo);
    free(s->hi);
    free(s->baseline);
}

void hk_chart_drop_empty_series(hk_chart *c)
{
    size_t kept = 0;
    for (size_t i = 0; i < c->nseries; i++) {
        if (c->series[i].n)
            c->series[kept++] = c->series[i];
        else
            series_free(&c->series[i]);
    }
    c->nseries = kept;
}

void hk_chart_free(hk_chart *c)
{
    for (size_t i = 0; i < c->nseries; i++)
        series_free(&c->series[i]);
    free(c->series);
    for (size_t i = 0; i < c->ncategories; i++)
        free(c->categories[i]);
    free(c->categories);
    c->series = NULL;
    c->categories = NULL;
    c->nseries = c->ncategories = 0;
}

/* ---- text ---- */

static double text_width(plPlotter *pl, double size, const char *s)
{
    pl_ffontsize_r(pl, size);
    return pl_flabelwidth_r(pl, s);
}

/* s, or as much of it as fits in width w followed by "..." (in buf). */
static const char *fit_text(plPlotter *pl, double size, const char *s,
                            double w, char *buf, size_t len)
{
    if (text_width(pl, size, s) <= w)
        return s;
    size_t n = strlen(s);
    if (n > len - 4)
        n = len - 4;
    while (n > 0) {
        n--;
        snprintf(buf, len, "%.*s...", (int)n, s);
        if (text_width(pl, size, buf) <= w)
            break;
    }
    return buf;
}

static void draw_text(plPlotter *pl, double size, double angle, double x,
                      double y, int hjust, int vjust, const char *s)
{
    pl_ffontsize_r(pl, size);
    pl_ftextangle_r(pl, angle);
    pl_fmove_r(pl, x, y);
    pl_alabel_r(pl, hjust, vjust, s);
}

static void set_color(plPlotter *pl, unsigned rgb)
{
    int r = (int)(rgb >> 16 & 0xff) * 257, g = (int)(rgb >> 8 & 0xff) * 257,
        b = (int)(rgb & 0xff) * 257;
    pl_pencolor_r(pl, r, g, b);
    pl_fillcolor_r(pl, r, g, b);
}

/* Series i's colour: its palette colour mixed with white (shade > 0) or
 * black (shade < 0). */
static unsigned series_color(size_t i)
{
    unsigned rgb = palette[i % COUNT(palette)], mixed = 0;
    double shade = shades[i / COUNT(palette) % COUNT(shades)];
    for (int shift = 0; shift < 24; shift += 8) {
        double v = rgb >> shift & 0xff;
        v = shade > 0 ? v + (255 - v) * shade : v * (1 + shade);
        mixed |= (unsigned)lround(v) << shift;
    }
    return mixed;
}

/* ---- layout ---- */

/* The most a category label may take, rotated. */
static double category_room(const hk_chart *c)
{
    return c->width / 5.0;
}

static double canvas_x(const layout *L, double v)
{
    const hk_chart *c = L->c;
    double u = c->ncategories ? (v + 0.5) / (double)c->ncategories
                              : hk_axis_pos(&L->x, v);
    return L->left + L->inset_x + u * (L->right - L->left - 2 * L->inset_x);
}

static double canvas_y(const layout *L, double v)
{
    double u = hk_axis_pos(&L->y, v);
    return L->bottom + L->inset_y + u * (L->top - L->bottom - 2 * L->inset_y);
}

/* The smallest and largest x (or y, with the spread when it is drawn)
 * of all points. */
static void data_range(const hk_chart *c, bool y, double *min, double *max)
{
    *min = INFINITY;
    *max = -INFINITY;
    for (size_t i = 0; i < c->nseries; i++)
        for (size_t k = 0; k < c->series[i].n; k++) {
            const hk_chart_series *s = &c->series[i];
            double lo = y ? s->y[k] : s->x[k], hi = lo;
            if (y && c->whiskers) {
                lo = fmin(lo, s->lo[k]);
                hi = fmax(hi, s->hi[k]);
            }
            *min = fmin(*min, lo);
            *max = fmax(*max, hi);
        }
}

/* Every x (or y, with the spread) is a whole number: a count, whose axis
 * should not show fractions of one. */
static bool all_whole(const hk_chart *c, bool y)
{
    for (size_t i = 0; i < c->nseries; i++)
        for (size_t k = 0; k < c->series[i].n; k++) {
            const hk_chart_series *s = &c->series[i];
            double v[3] = {y ? s->y[k] : s->x[k], s->lo[k], s->hi[k]};
            for (int j = 0; j < (y ? 3 : 1); j++)
                if (v[j] != floor(v[j]))
                    return false;
        }
    return true;
}

static bool any_baseline(const hk_chart *c)
{
    for (size_t i = 0; i < c->nseries; i++)
        for (size_t k = 0; k < c->series[i].n; k++)
            if (c->series[i].baseline[k])
                return true;
    return false;
}

static double widest_tick_label(plPlotter *pl, const hk_axis *a)
{
    double w = 0;
    for (size_t i = 0; i < a->nticks; i++)
        w = fmax(w, text_width(pl, TICK_FONT, a->labels[i]));
    return w;
}

/* The series, then "y = x" with a diagonal, then "baseline" when a
 * point is marked as one. */
static size_t legend_entries(const hk_chart *c)
{
    return c->nseries + c->diagonal + any_baseline(c);
}

static const char *legend_name(const hk_chart *c, size_t i)
{
    if (i < c->nseries)
        return c->series[i].name;
    return i == c->nseries && c->diagonal ? "y = x" : "baseline";
}

/* The legend's width, and its rows' height and font so that they fit
 * between the plot area's top and the canvas's bottom. */
static void lay_out_legend(layout *L)
{
    const hk_chart *c = L->c;
    double widest = 0, most = c->width / 4.0;
    size_t n = legend_entries(c);
    for (size_t i = 0; i < n; i++)
        widest = fmax(widest, text_width(L->pl, LEGEND_FONT,
                                         legend_name(c, i)));
    L->legend_text_w = fmin(widest, most);
    L->legend_w = PAD + SAMPLE_W + PAD / 2 + L->legend_text_w + PAD;
    L->legend_font = LEGEND_FONT;
    L->legend_row = LEGEND_FONT * 1.7;
    double room = L->top - 2 * PAD;
    if (n * L->legend_row > room) {
        L->legend_row = room / (double)n;
        L->legend_font = fmin(LEGEND_FONT, L->legend_row / 1.3);
    }
}

static void fit_y(layout *L, double min, double max)
{
    size_t most = (size_t)((L->top - L->bottom) / (TICK_FONT * 4));
    hk_axis_fit(&L->y, min, max, L->c->logy, L->y_whole,
                most < 10 ? most : 10);
}

/* As many x ticks as leave room between their labels. */
static void fit_x(layout *L, double min, double max)
{
    double room = L->right - L->left - 2 * L->inset_x;
    for (size_t most = 10;; most--) {
        hk_axis_fit(&L->x, min, max, L->c->logx, L->x_whole, most);
        double gap = room / (double)(L->x.nticks - 1);
        if (most <= 3 || widest_tick_label(L->pl, &L->x) + PAD <= gap)
            return;
    }
}

/* Category labels go at an angle when one is wider than its category,
 * and on every step-th category only when even so they would touch;
 * returns how far below the ticks they reach. */
static double lay_out_categories(layout *L)
{
    const hk_chart *c = L->c;
    double n = (double)c->ncategories, widest = 0;
    for (size_t i = 0; i < c->ncategories; i++)
        widest = fmax(widest, text_width(L->pl, TICK_FONT,
                                         c->categories[i]));
    L->category_step = 1;
    L->rotate_categories = widest + PAD / 2 > (L->right - L->left) / n;
    if (!L->rotate_categories)
        return TICK_FONT * 1.3;
    double a = CATEGORY_ANGLE * M_PI / 180;
    widest = fmin(widest, category_room(c));
    /* The first label reaches widest * cos(a) left of its category's
     * centre, at left + (right - left) / 2n: keep that on the canvas. */
    double left = (PAD + widest * cos(a) - L->right / (2 * n)) /
                  (1 - 1 / (2 * n));
    L->left = fmax(L->left, left);
    /* Parallel labels a slot apart are slot * sin(a) apart across. */
    double slot = (L->right - L->left) / n;
    L->category_step = (size_t)ceil(TICK_FONT * 1.3 / (slot * sin(a)));
    return widest * sin(a) + TICK_FONT * cos(a) + PAD / 2;
}

/* What the y axis hides: bars on a log axis start above 0, and a line or
 * scatter axis may leave 0 out, which makes a small difference look big. */
static void write_note(layout *L)
{
    const hk_chart *c = L->c;
    char axis[96] = "";
    if (c->style == HK_CHART_BARS && c->logy)
        snprintf(axis, sizeof axis, "logarithmic y axis: the bars start at "
                 "%s, not at 0", L->y.labels[0]);
    else if (c->style != HK_CHART_BARS && !c->diagonal && !c->logy &&
             L->y.lo > 0)
        snprintf(axis, sizeof axis, "the y axis starts at %s, not at 0",
                 L->y.labels[0]);
    snprintf(L->note, sizeof L->note, "%s%s%s", c->caption ? c->caption : "",
             c->caption && axis[0] ? "; " : "", axis);
}

static void lay_out(layout *L)
{
    const hk_chart *c = L->c;
    double xmin, xmax, ymin, ymax;
    data_range(c, false, &xmin, &xmax);
    data_range(c, true, &ymin, &ymax);
    if (c->range_lo < c->range_hi) {
        xmin = fmin(xmin, c->range_lo);
        ymin = fmin(ymin, c->range_lo);
        xmax = fmax(xmax, c->range_hi);
        ymax = fmax(ymax, c->range_hi);
    }
    L->x_whole = !c->ncategories && !c->logx && all_whole(c, false);
    L->y_whole = !c->logy && all_whole(c, true);
    if (c->diagonal) {
        xmin = ymin = fmin(xmin, ymin);
        xmax = ymax = fmax(xmax, ymax);
    }
    if (c->style == HK_CHART_BARS && !c->logy) {
        /* From zero, and room above the tallest bar. */
        ymin = fmin(ymin, 0);
        ymax = fmax(ymax, 0);
        ymax += (ymax - ymin) / 20;
    }
    L->inset_x = c->ncategories ? 0 : PAD;
    L->inset_y = c->style == HK_CHART_BARS ? 0 : PAD;

    double label_h = LABEL_FONT * 1.3;
    L->top = c->height - PAD - TITLE_FONT * 1.3 - PAD / 2;
    lay_out_legend(L);
    L->right = c->width - PAD - L->legend_w - PAD;
    L->bottom = PAD + label_h + PAD / 2 + TICK_FONT * 1.3 + TICK_LEN;
    fit_y(L, ymin, ymax);
    write_note(L);
    if (L->note[0]) {
        L->top -= NOTE_FONT * 1.4;
        fit_y(L, ymin, ymax);
        write_note(L);
    }
    L->y_labels_w = widest_tick_label(L->pl, &L->y);
    L->left = PAD + label_h + PAD / 2 + L->y_labels_w + TICK_LEN + 4;
    if (!c->ncategories) {
        fit_x(L, xmin, xmax);
        return;
    }
    double below = lay_out_categories(L);
    if (L->rotate_categories) {
        /* Less height: perhaps fewer y ticks, never wider labels. */
        L->bottom += below - TICK_FONT * 1.3;
        fit_y(L, ymin, ymax);
        write_note(L);
    }
}

/* ---- drawing ---- */

/* Light lines across the plot area at the ticks, under the data. */
static void draw_grid(const layout *L)
{
    plPlotter *pl = L->pl;
    pl_flinewidth_r(pl, 1);
    pl_linemod_r(pl, "solid");
    set_color(pl, 0xe4e4e4);
    for (size_t i = 0; i < L->y.nticks; i++) {
        double y = canvas_y(L, L->y.ticks[i]);
        pl_fline_r(pl, L->left, y, L->right, y);
    }
    for (size_t i = 0; !L->c->ncategories && i < L->x.nticks; i++) {
        double x = canvas_x(L, L->x.ticks[i]);
        pl_fline_r(pl, x, L->bottom, x, L->top);
    }
    pl_endpath_r(pl);
}

/* The frame, its ticks and their labels, over the data. */
static void draw_axes(const layout *L)
{
    plPlotter *pl = L->pl;
    const hk_chart *c = L->c;
    pl_flinewidth_r(pl, 1);
    pl_linemod_r(pl, "solid");
    pl_filltype_r(pl, 0);
    set_color(pl, 0x000000);
    pl_fbox_r(pl, L->left, L->bottom, L->right, L->top);
    for (size_t i = 0; i < L->y.nticks; i++) {
        double y = canvas_y(L, L->y.ticks[i]);
        pl_fline_r(pl, L->left - TICK_LEN, y, L->left, y);
        draw_text(pl, TICK_FONT, 0, L->left - TICK_LEN - 4, y, 'r', 'c',
                  L->y.labels[i]);
    }
    double below = L->bottom - TICK_LEN - 3;
    for (size_t i = 0; !c->ncategories && i < L->x.nticks; i++) {
        double x = canvas_x(L, L->x.ticks[i]);
        pl_fline_r(pl, x, L->bottom - TICK_LEN, x, L->bottom);
        draw_text(pl, TICK_FONT, 0, x, below, 'c', 't', L->x.labels[i]);
    }
    char buf[256];
    for (size_t i = 0; i < c->ncategories; i++) {
        double x = canvas_x(L, (double)i);
        pl_fline_r(pl, x, L->bottom - TICK_LEN, x, L->bottom);
        if (i % L->category_step)
            continue;
        if (L->rotate_categories)
            draw_text(pl, TICK_FONT, CATEGORY_ANGLE, x, below - TICK_FONT / 2,
                      'r', 'c',
                      fit_text(pl, TICK_FONT, c->categories[i],
                               category_room(c), buf, sizeof buf));
        else
            draw_text(pl, TICK_FONT, 0, x, below, 'c', 't',
                      c->categories[i]);
    }
    pl_ftextangle_r(pl, 0);
}

static void series_style(plPlotter *pl, size_t i)
{
    set_color(pl, series_color(i));
    pl_linemod_r(pl, line_styles[i % COUNT(line_styles)]);
    pl_flinewidth_r(pl, 2);
}

static void draw_points(const layout *L)
{
    plPlotter *pl = L->pl;
    for (size_t i = 0; i < L->c->nseries; i++) {
        const hk_chart_series *s = &L->c->series[i];
        series_style(pl, i);
        if (L->c->style == HK_CHART_LINES && s->n > 1) {
            pl_fmove_r(pl, canvas_x(L, s->x[0]), canvas_y(L, s->y[0]));
            for (size_t k = 1; k < s->n; k++)
                pl_fcont_r(pl, canvas_x(L, s->x[k]), canvas_y(L, s->y[k]));
            pl_endpath_r(pl);
        }
        pl_linemod_r(pl, "solid");
        pl_flinewidth_r(pl, 1);
        for (size_t k = 0; k < s->n; k++)
            pl_fmarker_r(pl, canvas_x(L, s->x[k]), canvas_y(L, s->y[k]),
                         markers[i % COUNT(markers)], MARKER_SIZE);
    }
}

/* A bar's centre: its category, offset to the series' place in it. */
static double bar_centre(const layout *L, size_t series, double x)
{
    double width = BAR_GROUP / (double)L->c->nseries;
    return x - BAR_GROUP / 2 + ((double)series + 0.5) * width;
}

static double point_x(const layout *L, size_t series, double x)
{
    return canvas_x(L, L->c->style == HK_CHART_BARS
                           ? bar_centre(L, series, x)
                           : x);
}

/* The spread of each point, lo to hi, with caps. */
static void draw_whiskers(const layout *L)
{
    plPlotter *pl = L->pl;
    const hk_chart *c = L->c;
    double cap = fmin(MARKER_SIZE / 2,
                      (canvas_x(L, BAR_GROUP / (double)c->nseries) -
                       canvas_x(L, 0)) / 4);
    if (!c->ncategories)
        cap = MARKER_SIZE / 2;
    pl_flinewidth_r(pl, 1.5);
    pl_linemod_r(pl, "solid");
    set_color(pl, WHISKER_COLOR);
    for (size_t i = 0; i < c->nseries; i++) {
        const hk_chart_series *s = &c->series[i];
        for (size_t k = 0; k < s->n; k++) {
            if (!(s->hi[k] > s->lo[k]))
                continue;
            double x = point_x(L, i, s->x[k]);
            double lo = canvas_y(L, s->lo[k]), hi = canvas_y(L, s->hi[k]);
            pl_fline_r(pl, x, lo, x, hi);
            pl_fline_r(pl, x - cap, lo, x + cap, lo);
            pl_fline_r(pl, x - cap, hi, x + cap, hi);
        }
    }
    pl_endpath_r(pl);
}

static void baseline_style(plPlotter *pl)
{
    set_color(pl, 0x000000);
    pl_linemod_r(pl, "solid");
    pl_flinewidth_r(pl, 2);
}

/* A ring around each baseline point, at the top of a baseline bar. */
static void draw_baselines(const layout *L)
{
    plPlotter *pl = L->pl;
    baseline_style(pl);
    for (size_t i = 0; i < L->c->nseries; i++) {
        const hk_chart_series *s = &L->c->series[i];
        for (size_t k = 0; k < s->n; k++)
            if (s->baseline[k])
                pl_fmarker_r(pl, point_x(L, i, s->x[k]),
                             canvas_y(L, s->y[k]), BASELINE_RING,
                             MARKER_SIZE * 2);
    }
}

static void draw_bars(const layout *L)
{
    plPlotter *pl = L->pl;
    const hk_chart *c = L->c;
    double width = BAR_GROUP / (double)c->nseries;
    double base = canvas_y(L, c->logy ? L->y.lo : 0);
    /* A pixel between bars, where they are wide enough. */
    double gap = fmin(1, (canvas_x(L, width) - canvas_x(L, 0)) / 4);
    pl_flinewidth_r(pl, 1);
    pl_linemod_r(pl, "solid");
    pl_filltype_r(pl, 1);
    for (size_t i = 0; i < c->nseries; i++) {
        const hk_chart_series *s = &c->series[i];
        set_color(pl, series_color(i));
        for (size_t k = 0; k < s->n; k++) {
            double x0 = s->x[k] - BAR_GROUP / 2 + (double)i * width;
            pl_fbox_r(pl, canvas_x(L, x0) + gap, base,
                      canvas_x(L, x0 + width) - gap, canvas_y(L, s->y[k]));
        }
    }
    pl_filltype_r(pl, 0);
}

static void diagonal_style(plPlotter *pl)
{
    set_color(pl, 0x606060);
    pl_linemod_r(pl, "longdashed");
    pl_flinewidth_r(pl, 1.5);
}

/* y = x where both axes show it: straight on two linear or two log axes,
 * sampled finely so that it is right on mixed ones too. */
static void draw_diagonal(const layout *L)
{
    double lo = fmax(L->x.lo, L->y.lo), hi = fmin(L->x.hi, L->y.hi);
    if (lo >= hi)
        return;
    plPlotter *pl = L->pl;
    diagonal_style(pl);
    hk_axis along = L->x;
    along.lo = lo;
    along.hi = hi;
    for (int i = 0; i <= 64; i++) {
        double v = hk_axis_value(&along, i / 64.0);
        if (i == 0)
            pl_fmove_r(pl, canvas_x(L, v), canvas_y(L, v));
        else
            pl_fcont_r(pl, canvas_x(L, v), canvas_y(L, v));
    }
    pl_endpath_r(pl);
}

static void draw_legend(const layout *L)
{
    plPlotter *pl = L->pl;
    const hk_chart *c = L->c;
    size_t n = legend_entries(c);
    double x = c->width - PAD - L->legend_w, top = L->top;
    double bottom = top - (double)n * L->legend_row - PAD;
    pl_flinewidth_r(pl, 1);
    pl_linemod_r(pl, "solid");
    pl_filltype_r(pl, 1);
    set_color(pl, 0x999999);
    pl_fillcolor_r(pl, 0xffff, 0xffff, 0xffff);
    pl_fbox_r(pl, x, bottom, x + L->legend_w, top);
    pl_filltype_r(pl, 0);

    char buf[256];
    double sx = x + PAD, tx = sx + SAMPLE_W + PAD / 2;
    for (size_t i = 0; i < n; i++) {
        double y = top - PAD / 2 - ((double)i + 0.5) * L->legend_row;
        if (i >= c->nseries && !strcmp(legend_name(c, i), "baseline")) {
            baseline_style(pl);
            pl_fmarker_r(pl, sx + SAMPLE_W / 2, y, BASELINE_RING,
                         MARKER_SIZE * 1.6);
        } else if (i == c->nseries) {
            diagonal_style(pl);
            pl_fline_r(pl, sx, y, sx + SAMPLE_W, y);
        } else if (c->style == HK_CHART_BARS) {
            set_color(pl, series_color(i));
            pl_filltype_r(pl, 1);
            double h = fmin(L->legend_row * 0.7, SAMPLE_W / 2);
            pl_fbox_r(pl, sx + SAMPLE_W / 4, y - h / 2,
                      sx + 3 * SAMPLE_W / 4, y + h / 2);
            pl_filltype_r(pl, 0);
        } else {
            series_style(pl, i);
            if (c->style == HK_CHART_LINES)
                pl_fline_r(pl, sx, y, sx + SAMPLE_W, y);
            pl_linemod_r(pl, "solid");
            pl_flinewidth_r(pl, 1);
            pl_fmarker_r(pl, sx + SAMPLE_W / 2, y,
                         markers[i % COUNT(markers)], MARKER_SIZE);
        }
        pl_endpath_r(pl);
        set_color(pl, 0x000000);
        draw_text(pl, L->legend_font, 0, tx, y, 'l', 'c',
                  fit_text(pl, L->legend_font, legend_name(c, i),
                           L->legend_text_w, buf, sizeof buf));
    }
}

static void draw_titles(const layout *L)
{
    plPlotter *pl = L->pl;
    const hk_chart *c = L->c;
    char buf[512];
    set_color(pl, 0x000000);
    draw_text(pl, TITLE_FONT, 0, c->width / 2.0,
              c->height - PAD - TITLE_FONT * 0.65, 'c', 'c',
              fit_text(pl, TITLE_FONT, c->title, c->width - 2 * PAD, buf,
                       sizeof buf));
    if (L->note[0])
        draw_text(pl, NOTE_FONT, 0, (L->left + L->right) / 2,
                  L->top + NOTE_FONT * 0.9, 'c', 'c',
                  fit_text(pl, NOTE_FONT, L->note, c->width - 2 * PAD, buf,
                           sizeof buf));
    draw_text(pl, LABEL_FONT, 0, (L->left + L->right) / 2,
              PAD + LABEL_FONT * 0.65, 'c', 'c',
              fit_text(pl, LABEL_FONT, c->xlabel, L->right - L->left, buf,
                       sizeof buf));
    draw_text(pl, LABEL_FONT, 90,
              L->left - TICK_LEN - 4 - L->y_labels_w - PAD / 2 -
                  LABEL_FONT * 0.65,
              (L->bottom + L->top) / 2, 'c', 'c',
              fit_text(pl, LABEL_FONT, c->ylabel, L->top - L->bottom, buf,
                       sizeof buf));
    pl_ftextangle_r(pl, 0);
}

int hk_chart_render(const hk_chart *c, const char *format, FILE *out)
{
    char bitmap[64], page[96];
    snprintf(bitmap, sizeof bitmap, "%dx%d", c->width, c->height);
    snprintf(page, sizeof page, "letter,xsize=%gin,ysize=%gin",
             c->width / 100.0, c->height / 100.0);
    plPlotterParams *params = pl_newplparams();
    if (!params)
        return -1;
    pl_setplparam(params, "BITMAPSIZE", bitmap);
    pl_setplparam(params, "PAGESIZE", page);
    pl_setplparam(params, "BG_COLOR", "white");
    plPlotter *pl = pl_newpl_r(format, NULL, out, stderr, params);
    int rc = -1;
    if (pl && pl_openpl_r(pl) >= 0) {
        layout L = {.pl = pl, .c = c};
        pl_fspace_r(pl, 0, 0, c->width, c->height);
        pl_fontname_r(pl, strcmp(format, "svg") ? "HersheySans"
                                                : "Helvetica");
        lay_out(&L);
        draw_grid(&L);
        if (c->diagonal)
            draw_diagonal(&L);
        if (c->style == HK_CHART_BARS)
            draw_bars(&L);
        else
            draw_points(&L);
        if (c->whiskers)
            draw_whiskers(&L);
        draw_baselines(&L);
        draw_axes(&L);
        draw_legend(&L);
        draw_titles(&L);
        rc = pl_closepl_r(pl) < 0 ? -1 : 0;
    }
    if (pl)
        pl_deletepl_r(pl);
    pl_deleteplparams(params);
    return rc;
}
