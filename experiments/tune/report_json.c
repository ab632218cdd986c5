/*
 * report_json.c - a tune's outcome as one JSON object on stdout: the same
 * as the tables, numbers as numbers (NAN as null), settings by name.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "experiments/tune/result.h"

static cJSON *number(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static void put(cJSON *obj, const char *name, double v)
{
    cJSON_AddItemToObject(obj, name, number(v));
}

/* Every knob's value, or only those that differ from the defaults. */
static cJSON *settings(const hk_tune_result *t, const hk_search_point *p,
                       int differing)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t d = 0; d < t->r->nladders; d++) {
        const hk_ladder *l = &t->r->ladders[d];
        if (!differing || p->at[d] != l->def)
            put(obj, l->param->name, (double)l->v[p->at[d]]);
    }
    return obj;
}

static cJSON *search(const hk_tune_result *t)
{
    const hk_search *s = t->s;
    cJSON *obj = cJSON_CreateObject();
    double space = hk_search_space(s->dims, s->ndims);
    put(obj, "configurations", (double)s->n);
    static const char *const stages[HK_STAGES] = {"coarse", "descent",
                                                  "lines"};
    size_t counts[HK_STAGES];
    hk_search_stage_counts(s, counts);
    cJSON *by_stage = cJSON_CreateObject();
    for (int st = 0; st < HK_STAGES; st++)
        put(by_stage, stages[st], (double)counts[st]);
    cJSON_AddItemToObject(obj, "by_stage", by_stage);
    put(obj, "simulations", (double)t->r->simulations);
    put(obj, "stored_before", (double)t->r->stored_before);
    put(obj, "wall_s", t->search_s);
    put(obj, "jobs", t->jobs);
    put(obj, "space", space);
    put(obj, "coverage", (double)s->n / space);
    put(obj, "coarse_rows", (double)s->design_rows);
    put(obj, "coarse_grid", (double)s->grid_rows);
    cJSON_AddBoolToObject(obj, "fractional", s->fractional);
    put(obj, "starts", (double)s->starts);
    cJSON_AddBoolToObject(obj, "converged", s->converged);
    put(obj, "over_budget", (double)s->over_budget);
    put(obj, "simplified", (double)s->simplified);
    put(obj, "tolerance", t->tolerance);
    put(obj, "best_found_objective", s->values[s->optimum].score);
    return obj;
}

static cJSON *limit(const hk_limit *l)
{
    if (!l->set)
        return cJSON_CreateNull();
    cJSON *obj = cJSON_CreateObject();
    put(obj, "value", l->value);
    cJSON_AddBoolToObject(obj, "relative", l->relative);
    return obj;
}

static cJSON *trace_row(const hk_tune_result *t, const hk_tune_row *row,
                        size_t i)
{
    cJSON *obj = cJSON_CreateObject(), *pred = cJSON_CreateObject();
    const hk_tune_metrics *p = &row->pred[i];
    put(pred, "ns", p->time_ns);
    put(pred, "rss_peak_bytes", p->rss_bytes);
    put(pred, "syscalls", p->syscalls);
    put(pred, "page_faults", p->faults);
    put(pred, "gain", row->defaults ? 0 : row->pred_gain[i]);
    cJSON_AddItemToObject(obj, "predicted", pred);
    const hk_tune_measured *m = &row->meas[i];
    if (t->confirm && m->runs) {
        cJSON *meas = cJSON_CreateObject();
        put(meas, "runs", (double)m->runs);
        put(meas, "median_s", m->median_s);
        put(meas, "min_s", m->min_s);
        put(meas, "max_s", m->max_s);
        put(meas, "spread", m->spread);
        put(meas, "rss_growth_bytes", m->rss_bytes);
        put(meas, "syscalls", m->syscalls);
        put(meas, "gain", row->defaults ? 0 : row->meas_gain[i]);
        put(meas, "pairs", (double)m->pairs);
        put(meas, "wins", (double)m->wins);
        put(meas, "paired_gain", row->defaults ? 0 : m->paired_gain);
        put(meas, "significant", row->significant[i]);
        cJSON_AddItemToObject(obj, "measured", meas);
    }
    return obj;
}

static cJSON *config(const hk_tune_result *t, size_t k)
{
    const hk_tune_row *row = &t->rows[k];
    cJSON *obj = cJSON_CreateObject(), *traces = cJSON_CreateObject();
    put(obj, "rank", (double)k);
    cJSON_AddBoolToObject(obj, "defaults", row->defaults);
    cJSON_AddBoolToObject(obj, "chosen", k == t->chosen);
    cJSON_AddItemToObject(obj, "differs", settings(t, &row->p, 1));
    cJSON_AddItemToObject(obj, "settings", settings(t, &row->p, 0));
    put(obj, "objective", row->objective);
    put(obj, "predicted_gain", row->pred_gain_train);
    put(obj, "measured_gain", row->meas_gain_train);
    if (t->train < t->ntraces) {
        put(obj, "held_out_predicted_gain", row->pred_gain_held);
        put(obj, "held_out_measured_gain", row->meas_gain_held);
    }
    for (size_t i = 0; i < t->ntraces; i++)
        cJSON_AddItemToObject(traces, t->r->spec.traces[i].name,
                              trace_row(t, row, i));
    cJSON_AddItemToObject(obj, "traces", traces);
    return obj;
}

static cJSON *sensitivity(const hk_tune_result *t)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t d = 0; d < t->s->ndims; d++) {
        const hk_tune_sens *x = &t->sens[d];
        cJSON *obj = cJSON_CreateObject();
        cJSON *values = cJSON_CreateArray(), *rel = cJSON_CreateArray();
        cJSON_AddStringToObject(obj, "knob", x->ladder->param->name);
        put(obj, "best", (double)x->ladder->v[x->best]);
        put(obj, "span", x->span);
        put(obj, "worst", (double)x->ladder->v[x->worst]);
        for (size_t v = 0; v < x->ladder->n; v++) {
            cJSON_AddItemToArray(values, number((double)x->ladder->v[v]));
            cJSON_AddItemToArray(rel, number(x->rel[v]));
        }
        cJSON_AddItemToObject(obj, "values", values);
        cJSON_AddItemToObject(obj, "time_over_best", rel);
        cJSON_AddItemToArray(list, obj);
    }
    return list;
}

static cJSON *traces(const hk_tune_result *t)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < t->ntraces; i++) {
        const hk_spec_trace *s = &t->r->spec.traces[i];
        cJSON *obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "name", s->name);
        cJSON_AddStringToObject(obj, "file", s->file);
        cJSON_AddStringToObject(obj, "checksum", s->checksum);
        put(obj, "events", t->r->events[i]);
        cJSON_AddBoolToObject(obj, "held_out", i >= t->train);
        cJSON_AddItemToArray(list, obj);
    }
    return list;
}

int hk_tune_print_json(const hk_tune_result *t)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "traces", traces(t));
    cJSON_AddStringToObject(root, "objective", t->o->text);
    cJSON_AddBoolToObject(root, "robust", t->o->robust);
    cJSON *limits = cJSON_CreateObject();
    cJSON_AddItemToObject(limits, "max_rss", limit(&t->o->max_rss));
    cJSON_AddItemToObject(limits, "max_syscalls", limit(&t->o->max_syscalls));
    cJSON_AddItemToObject(root, "limits", limits);
    cJSON_AddItemToObject(root, "search", search(t));
    put(root, "confirm_runs", t->confirm);
    put(root, "confirm_wall_s", t->confirm ? t->confirm_s : NAN);
    if (t->confirm)
        cJSON_AddStringToObject(root, "confirm_spec", t->r->confirm_spec);
    cJSON *configs = cJSON_CreateArray();
    for (size_t k = 0; k < t->nrows; k++)
        cJSON_AddItemToArray(configs, config(t, k));
    cJSON_AddItemToObject(root, "configurations", configs);
    cJSON_AddItemToObject(root, "sensitivity", sensitivity(t));
    cJSON *warnings = cJSON_CreateArray();
    for (size_t i = 0; i < t->nwarnings; i++)
        cJSON_AddItemToArray(warnings, cJSON_CreateString(t->warnings[i]));
    cJSON_AddItemToObject(root, "warnings", warnings);
    cJSON_AddStringToObject(root, "command", t->command);
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return -1;
    puts(text);
    free(text);
    return 0;
}
