/*
 * report.c - a tune's outcome as text (result.h): what was searched and
 * how much of it, the configurations, a table per trace, the
 * sensitivity, the warnings, and last the line to copy.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiments/tune/result.h"

static const char *show_time(double ns, char *buf, size_t len)
{
    if (isnan(ns))
        snprintf(buf, len, "-");
    else if (ns >= 1e9)
        snprintf(buf, len, "%.3f s", ns * 1e-9);
    else if (ns >= 1e6)
        snprintf(buf, len, "%.3f ms", ns * 1e-6);
    else
        snprintf(buf, len, "%.1f us", ns * 1e-3);
    return buf;
}

static const char *show_bytes(double b, char *buf, size_t len)
{
    if (isnan(b))
        snprintf(buf, len, "-");
    else if (fabs(b) >= 1 << 30)
        snprintf(buf, len, "%.2f GiB", b / (1 << 30));
    else if (fabs(b) >= 1 << 20)
        snprintf(buf, len, "%.1f MiB", b / (1 << 20));
    else
        snprintf(buf, len, "%.0f KiB", b / 1024);
    return buf;
}

static const char *show_gain(double g, char *buf, size_t len)
{
    if (isnan(g))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%+.1f%%", 100 * g);
    return buf;
}

static const char *show_count(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.0f", v);
    return buf;
}

static void print_header(const hk_tune_result *t)
{
    const hk_objective *o = t->o;
    const hk_search *s = t->s;
    const hk_tune_runner *r = t->r;
    printf("hakmem tune: %zu trace%s", t->ntraces, t->ntraces == 1 ? "" : "s");
    if (t->train < t->ntraces)
        printf(" (%zu held out)", t->ntraces - t->train);
    printf("; objective %s", o->text);
    if (t->train > 1)
        printf(", %s over the traces", o->robust ? "the worst" :
               "the geometric mean");
    if (o->max_rss.set)
        printf("; peak RSS <= %g%s", o->max_rss.value,
               o->max_rss.relative ? "x the defaults'" : " bytes");
    if (o->max_syscalls.set)
        printf("; system calls <= %g%s", o->max_syscalls.value,
               o->max_syscalls.relative ? "x the defaults'" : "");
    size_t by_stage[HK_STAGES];
    hk_search_stage_counts(s, by_stage);
    printf("\nsearch: %zu configurations (coarse %zu, descent %zu, lines "
           "%zu), %zu simulations\n  (%zu stored already) in %.1f s, %u at "
           "a time\n", s->n, by_stage[HK_STAGE_COARSE],
           by_stage[HK_STAGE_DESCENT], by_stage[HK_STAGE_LINES],
           r->simulations, r->stored_before, t->search_s, t->jobs);
    printf("  coarse: the defaults and %s%zu of the %zu-point grid of "
           "three rungs per knob\n", s->fractional ? "a fractional design, "
           : "", s->design_rows, s->grid_rows);
    printf("  descent from %zu point%s (%s); passes along every ladder "
           "through the best\n", s->starts, s->starts == 1 ? "" : "s",
           s->converged ? "converged" : "stopped by the budget");
    if (s->simplified)
        printf("  %zu knob%s put back to the default%s, buying less than "
               "%.1f%% (the best found: objective %.4f)\n", s->simplified,
               s->simplified == 1 ? "" : "s",
               s->simplified == 1 ? "" : "s", 100 * t->tolerance,
               s->values[s->optimum].score);
    double space = hk_search_space(s->dims, s->ndims);
    printf("  covered %zu of the %.0f configurations of the ladders "
           "(%.2g%%; `hakmem tune --ladders`)\n", s->n, space,
           100 * (double)s->n / space);
}

static void print_configs(const hk_tune_result *t)
{
    char label[512], name[24];
    printf("\nconfigurations (objective: 1 at the defaults, lower is "
           "better):\n");
    for (size_t k = 0; k < t->nrows; k++) {
        const hk_tune_row *row = &t->rows[k];
        hk_tune_row_label(t, row, label, sizeof label);
        snprintf(name, sizeof name, k ? "#%zu" : "defaults", k);
        printf("  %-8s %.4f%s%s%s\n", name, row->objective, k ? "  " : "",
               k ? label : "", k && k == t->chosen ? "  (chosen)" : "");
    }
}

static void print_trace(const hk_tune_result *t, size_t i)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32], name[24];
    const hk_tune_runner *r = t->r;
    printf("\ntrace %s%s: %.0f events\n", r->spec.traces[i].name,
           i >= t->train ? " (held out)" : "", r->events[i]);
    printf("  %-8s %11s %7s %10s %8s %8s", "", "pred.time", "gain",
           "pred.rss", "syscalls", "faults");
    if (t->confirm)
        printf(" %11s %6s %7s %7s %5s %4s %10s", "meas.time", "spread",
               "gain", "paired", "won", "sig", "meas.rss");
    printf("\n");
    for (size_t k = 0; k < t->nrows; k++) {
        const hk_tune_row *row = &t->rows[k];
        const hk_tune_metrics *p = &row->pred[i];
        snprintf(name, sizeof name, k ? "#%zu" : "defaults", k);
        printf("  %-8s %11s %7s %10s %8s %8s", name,
               show_time(p->time_ns, a, sizeof a),
               k ? show_gain(row->pred_gain[i], b, sizeof b) : "",
               show_bytes(p->rss_bytes, c, sizeof c),
               show_count(p->syscalls, d, sizeof d),
               show_count(p->faults, e, sizeof e));
        const hk_tune_measured *m = &row->meas[i];
        if (t->confirm && m->runs) {
            char won[24] = "";
            if (k)
                snprintf(won, sizeof won, "%zu/%zu", m->wins, m->pairs);
            snprintf(f, sizeof f, "%.1f%%", 100 * m->spread);
            printf(" %11s %6s %7s %7s %5s %4s %10s",
                   show_time(m->median_s * 1e9, a, sizeof a), f,
                   k ? show_gain(row->meas_gain[i], b, sizeof b) : "",
                   k ? show_gain(m->paired_gain, c, sizeof c) : "", won,
                   !k ? "" : row->significant[i] ? "yes" : "no",
                   show_bytes(m->rss_bytes, g, sizeof g));
            if (!isnan(m->syscalls) && m->syscalls != p->syscalls)
                printf("  (%.0f system calls measured)", m->syscalls);
        }
        printf("\n");
    }
}

/* The gains of the chosen row (or, when the defaults are best, of the
 * runners-up) over the held-out traces. */
static void print_holdout(const hk_tune_result *t)
{
    char a[32], b[32], name[24];
    printf("\nheld out (%zu trace%s, not used to choose):\n",
           t->ntraces - t->train, t->ntraces - t->train == 1 ? "" : "s");
    for (size_t k = 1; k < t->nrows; k++) {
        const hk_tune_row *row = &t->rows[k];
        snprintf(name, sizeof name, "#%zu", k);
        printf("  %-8s predicted gain %s on them (%s on the others)",
               name, show_gain(row->pred_gain_held, a, sizeof a),
               show_gain(row->pred_gain_train, b, sizeof b));
        if (t->confirm)
            printf(", measured %s", show_gain(row->meas_gain_held, a,
                                              sizeof a));
        printf("\n");
    }
}

static void print_sensitivity(const hk_tune_result *t)
{
    char value[32], best[32], worst[32];
    printf("\nsensitivity: predicted time along each ladder, the other "
           "knobs at the best point,\nas %% over the best (geometric mean "
           "over the traces chosen on):\n");
    printf("  %-12s %6s %7s %8s  %s\n", "knob", "best", "span", "worst",
           "ladder");
    for (size_t d = 0; d < t->s->ndims; d++) {
        const hk_tune_sens *x = &t->sens[d];
        hk_ladder_format(x->ladder, x->best, best, sizeof best);
        hk_ladder_format(x->ladder, x->worst, worst, sizeof worst);
        printf("  %-12s %6s %6.1f%% %8s ", x->ladder->param->name, best,
               100 * x->span, worst);
        for (size_t v = 0; v < x->ladder->n; v++) {
            hk_ladder_format(x->ladder, v, value, sizeof value);
            if (v == x->best)
                printf(" [%s]", value);
            else
                printf(" %s:%+.1f", value, 100 * x->rel[v]);
        }
        printf("\n");
    }
}

void hk_tune_print(const hk_tune_result *t)
{
    print_header(t);
    print_configs(t);
    for (size_t i = 0; i < t->ntraces; i++)
        print_trace(t, i);
    if (t->confirm)
        printf("  (measured: the median of %u real runs' wall time, the "
               "configurations taking turns;\n  paired: the median over "
               "the turns of the defaults' time over this one's, less 1;\n"
               "  won: turns this one was faster in; sig: faster (or "
               "slower) in every one of at least %d;\n  stored as spec "
               "%s)\n", t->confirm, HK_TUNE_SIGN_RUNS,
               t->r->confirm_spec);
    if (t->train < t->ntraces)
        print_holdout(t);
    print_sensitivity(t);
    for (size_t i = 0; i < t->nwarnings; i++)
        printf("\nwarning: %s", t->warnings[i]);
    printf("%s\n", t->nwarnings ? "\n" : "");
    if (!t->chosen)
        printf("the defaults are the best configuration found:\n");
    printf("%s\n", t->command);
}
