/*
 * runner.c - tune configurations as sweep points (runner.h).
 *
 * The spec is built here rather than read from a file: named "tune", the
 * traces as given, no grid, no baseline; each batch of configurations
 * becomes a plan (hk_plan_configs) over a view of the spec holding just
 * the traces wanted, which gives the same point keys as the whole spec
 * since a key names its trace by name and checksum.
 */
#include "experiments/tune/runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/common/fnv.h"
#include "experiments/common/stats.h"

struct hk_tune_entry {
    hk_search_point p;
    hk_tune_metrics m[HK_TUNE_MAX_TRACES]; /* time_ns NAN: not yet read */
};

/* The trace's name from its file: the base name without its extension,
 * other characters as '_', "-2", "-3" ... for a name taken. */
static char *trace_name(const hk_spec *s, size_t index, const char *file)
{
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    size_t len = strcspn(base, ".");
    if (len == 0)
        len = strlen(base);
    char name[96];
    if (len > 64)
        len = 64;
    for (size_t i = 0; i < len; i++) {
        char c = base[i];
        int ok = ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') ||
                 ('0' <= c && c <= '9') || c == '_' || c == '-';
        name[i] = ok ? c : '_';
    }
    name[len] = '\0';
    if (!len)
        snprintf(name, sizeof name, "trace");
    char unique[112];
    snprintf(unique, sizeof unique, "%s", name);
    for (unsigned k = 2;; k++) {
        int taken = 0;
        for (size_t i = 0; i < index; i++)
            taken |= !strcmp(s->traces[i].name, unique);
        if (!taken)
            break;
        snprintf(unique, sizeof unique, "%s-%u", name, k);
    }
    return strdup(unique);
}

static int build_spec(hk_spec *s, char *const *files, size_t n)
{
    memset(s, 0, sizeof *s);
    s->path = strdup("hakmem tune");
    s->name = strdup(HK_TUNE_SPEC);
    s->traces = calloc(n, sizeof *s->traces);
    s->allocators = calloc(1, sizeof *s->allocators);
    if (!s->path || !s->name || !s->traces || !s->allocators)
        return -1;
    s->allocators[0] = "hakmem";
    s->nallocators = 1;
    s->backends[HK_BACKEND_SIM] = 1;
    s->repetitions = 1;
    for (size_t i = 0; i < n; i++) {
        s->ntraces++;
        if (!(s->traces[i].name = trace_name(s, i, files[i])) ||
            !(s->traces[i].file = strdup(files[i])))
            return -1;
    }
    return 0;
}

int hk_tune_open(hk_tune_runner *r, char *const *files, size_t nfiles,
                 const char *db, const char *calibration,
                 const hk_ladder *ladders, size_t nladders, unsigned jobs)
{
    memset(r, 0, sizeof *r);
    r->ladders = ladders;
    r->nladders = nladders;
    r->jobs = jobs;
    if (nfiles > HK_TUNE_MAX_TRACES) {
        fprintf(stderr, "hakmem tune: %zu traces; at most %d\n", nfiles,
                HK_TUNE_MAX_TRACES);
        return 2;
    }
    for (size_t i = 0; i < nfiles; i++)
        if (access(files[i], R_OK) < 0) {
            fprintf(stderr, "hakmem tune: %s: %s\n", files[i],
                    strerror(errno));
            return 2;
        }
    if (build_spec(&r->spec, files, nfiles) < 0) {
        fprintf(stderr, "hakmem tune: out of memory\n");
        hk_spec_free(&r->spec);
        return 1;
    }
    char err[1024];
    r->x.label = "tune";
    if (hk_exec_calibrate(&r->x, &r->spec, calibration, err, sizeof err) < 0) {
        fprintf(stderr, "hakmem tune: --calibration %s\n", err);
        hk_spec_free(&r->spec);
        return 2;
    }
    return hk_exec_start(&r->x, &r->spec, "tune", db, HK_TRACE_CACHE);
}

void hk_tune_close(hk_tune_runner *r, int failed)
{
    hk_exec_close(&r->x, &r->spec, failed);
    free(r->memo);
    r->memo = NULL;
}

int hk_tune_settings(const hk_tune_runner *r, const hk_search_point *p,
                     hk_config *out)
{
    out->nset = 0;
    if (!(out->set = calloc(r->nladders + 1, sizeof *out->set)))
        return -1;
    for (size_t d = 0; d < r->nladders; d++) {
        char value[32];
        const hk_ladder *l = &r->ladders[d];
        hk_ladder_format(l, p->at[d], value, sizeof value);
        char *text = malloc(strlen(l->param->name) + strlen(value) + 2);
        if (!text) {
            hk_tune_settings_free(out);
            return -1;
        }
        sprintf(text, "%s=%s", l->param->name, value);
        out->set[out->nset++] = text;
    }
    return 0;
}

void hk_tune_settings_free(hk_config *c)
{
    for (size_t i = 0; i < c->nset; i++)
        free(c->set[i]);
    free(c->set);
    c->set = NULL;
    c->nset = 0;
}

static hk_tune_entry *entry_of(hk_tune_runner *r, const hk_search_point *p)
{
    for (size_t i = 0; i < r->nmemo; i++)
        if (!memcmp(&r->memo[i].p, p, sizeof *p))
            return &r->memo[i];
    if (r->nmemo == r->capmemo) {
        size_t cap = r->capmemo ? 2 * r->capmemo : 64;
        hk_tune_entry *grown = realloc(r->memo, cap * sizeof *grown);
        if (!grown)
            return NULL;
        r->memo = grown;
        r->capmemo = cap;
    }
    hk_tune_entry *e = &r->memo[r->nmemo++];
    e->p = *p;
    for (size_t t = 0; t < HK_TUNE_MAX_TRACES; t++)
        e->m[t] = (hk_tune_metrics){NAN, NAN, NAN, NAN};
    return e;
}

const hk_tune_metrics *hk_tune_known(const hk_tune_runner *r,
                                     const hk_search_point *p)
{
    for (size_t i = 0; i < r->nmemo; i++)
        if (!memcmp(&r->memo[i].p, p, sizeof *p))
            return r->memo[i].m;
    return NULL;
}

static void add(void *ctx, const char *name, double value)
{
    (void)name;
    *(double *)ctx += value;
}

/* The sum of the metrics of a stored run that match a pattern. */
static double metric_sum(hk_db *db, const char *key, const char *like)
{
    double v = 0;
    char err[256];
    return hk_db_metrics(db, key, like, add, &v, err, sizeof err) > 0 ? v
                                                                     : NAN;
}

/* The defaults are the baseline of the runs, as in a sweep. */
static int is_defaults(const hk_tune_runner *r, const hk_search_point *p)
{
    for (size_t d = 0; d < r->nladders; d++)
        if (p->at[d] != r->ladders[d].def)
            return 0;
    return 1;
}

/* The configurations' settings, for a plan. */
static hk_config *settings_of(const hk_tune_runner *r,
                              const hk_search_point *points, size_t n)
{
    hk_config *c = calloc(n + 1, sizeof *c);
    for (size_t i = 0; c && i < n; i++)
        if (hk_tune_settings(r, &points[i], &c[i]) < 0) {
            while (i--)
                hk_tune_settings_free(&c[i]);
            free(c);
            return NULL;
        }
    return c;
}

static void settings_free(hk_config *c, size_t n)
{
    for (size_t i = 0; c && i < n; i++)
        hk_tune_settings_free(&c[i]);
    free(c);
}

/*
 * Runs the points of a plan of these configurations over traces [first,
 * first + count) that the database lacks, `jobs` at a time, as points of
 * the spec named spec_name; *plan holds the plan after (free it).  Counts what was stored
 * before into *stored when not NULL.  0, or -1 with err.
 */
static int run_plan(hk_tune_runner *r, const char *spec_name,
                    const hk_search_point *points, size_t n, size_t first,
                    size_t count, const hk_column *col, unsigned jobs,
                    hk_plan *plan, size_t *stored, char *err, size_t errlen)
{
    hk_spec view = r->spec;
    view.name = (char *)spec_name;
    view.traces += first;
    view.ntraces = count;
    hk_config *configs = settings_of(r, points, n);
    if (!configs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = hk_plan_configs(&view, configs, n, is_defaults(r, &points[0]),
                             col, 1, plan, err, errlen);
    settings_free(configs, n);
    if (rc < 0)
        return -1;
    for (size_t i = 0; stored && i < plan->n; i++) {
        int has = plan->v[i].dup ? 0 : hk_db_has(r->x.db, plan->v[i].key,
                                                 err, errlen);
        if (has < 0)
            return -1;
        *stored += (size_t)has;
    }
    const hk_spec *whole = r->x.spec;
    r->x.spec = &view;
    r->x.jobs = jobs;
    r->x.label = r->label;
    long failed = hk_execute(&r->x, plan, 0, 1, err, errlen);
    r->x.spec = whole;
    r->x.label = "tune";
    if (failed > 0)
        snprintf(err, errlen, "%ld of the runs failed (see above)", failed);
    /* Point trace indices are the view's: make them the spec's. */
    for (size_t i = 0; i < plan->n; i++)
        plan->v[i].trace += first;
    return failed == 0 ? 0 : -1;
}

int hk_tune_simulate(hk_tune_runner *r, const char *stage,
                     const hk_search_point *points, size_t n, size_t first,
                     size_t count, const hk_tune_metrics **out, char *err,
                     size_t errlen)
{
    hk_search_point *todo = calloc(n + 1, sizeof *todo);
    size_t ntodo = 0;
    int rc = todo ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const hk_tune_entry *e = entry_of(r, &points[i]);
        if (!e) {
            rc = -1;
            break;
        }
        int missing = 0;
        for (size_t t = first; t < first + count; t++)
            missing |= isnan(e->m[t].time_ns);
        if (missing)
            todo[ntodo++] = points[i];
    }
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    hk_plan plan = {0};
    const hk_column col = {HK_BACKEND_SIM, "hakmem", 1};
    snprintf(r->label, sizeof r->label, "tune (%s)", stage);
    if (rc == 0 && ntodo)
        rc = run_plan(r, r->spec.name, todo, ntodo, first, count, &col,
                      r->jobs, &plan, &r->stored_before, err, errlen);
    for (size_t i = 0; rc == 0 && i < plan.n; i++) {
        const hk_point *p = &plan.v[i];
        hk_tune_metrics *m = &entry_of(r, &todo[p->config])->m[p->trace];
        m->time_ns = hk_db_metric(r->x.db, p->key, "predicted.ns");
        m->rss_bytes = hk_db_metric(r->x.db, p->key, "machine.rss.peak_bytes");
        m->faults = hk_db_metric(r->x.db, p->key, "machine.page_faults");
        m->syscalls = metric_sum(r->x.db, p->key, "syscalls.%.calls");
        r->events[p->trace] = hk_db_metric(r->x.db, p->key, "trace.events");
        if (!p->dup)
            r->simulations++;
        if (isnan(m->time_ns) || isnan(m->rss_bytes) || isnan(m->syscalls)) {
            snprintf(err, errlen, "the simulation of point %s stored no "
                     "predicted.ns, machine.rss.peak_bytes or syscalls",
                     p->key);
            rc = -1;
        }
    }
    hk_plan_free(&plan);
    for (size_t i = 0; rc == 0 && i < n; i++)
        out[i] = entry_of(r, &points[i])->m;
    free(todo);
    return rc;
}

/*
 * Configuration k on trace t from the table of runs: the median, range
 * and spread of its times and the median of its RSS growth; and against
 * the defaults' (k = 0) run of the same repetition, which ran next to
 * it: how often it was faster, and the median of those ratios.  v has
 * room for 3 * reps values.
 */
static void summarise(hk_tune_measured *m, const double *wall,
                      const double *rss, double *v, size_t reps, size_t nt,
                      size_t n, size_t t, size_t k)
{
    double *times = v, *growth = v + reps, *ratios = v + 2 * reps;
    double syscalls = m->syscalls;
    *m = (hk_tune_measured){.syscalls = syscalls};
    for (size_t rep = 0; rep < reps; rep++) {
        size_t at = (rep * nt + t) * n;
        double w = wall[at + k], d = wall[at];
        if (isnan(w))
            continue;
        growth[m->runs] = rss[at + k];
        times[m->runs++] = w;
        if (!isnan(d)) {
            m->wins += w < d;
            ratios[m->pairs++] = d / w;
        }
    }
    m->rss_bytes = hk_median(growth, m->runs);
    m->median_s = hk_median(times, m->runs);
    m->min_s = m->runs ? times[0] : NAN;
    m->max_s = m->runs ? times[m->runs - 1] : NAN;
    m->spread = hk_spread(times, m->runs);
    m->paired_gain = hk_median(ratios, m->pairs) - 1;
}

/* The spec of a confirmation: named after the configurations confirmed
 * together, so that their runs alternate with each other's and no run of
 * another confirmation is taken for theirs. */
static void confirm_name(hk_tune_runner *r, const hk_search_point *points,
                         size_t n)
{
    uint64_t h = HK_FNV64_OFFSET;
    for (size_t k = 0; k < n; k++)
        for (size_t d = 0; d < r->nladders; d++)
            h = hk_fnv64(h, &points[k].at[d], 1);
    snprintf(r->confirm_spec, sizeof r->confirm_spec, "%s-confirm-%08llx",
             HK_TUNE_SPEC, (unsigned long long)(h >> 32));
}

int hk_tune_measure(hk_tune_runner *r, const hk_search_point *points,
                    size_t n, unsigned reps, hk_tune_measured *out,
                    char *err, size_t errlen)
{
    const hk_column sim = {HK_BACKEND_SIM, "hakmem", 1};
    const hk_column col = {HK_BACKEND_REAL, "hakmem", reps};
    size_t nt = r->spec.ntraces;
    hk_plan plan = {0};
    confirm_name(r, points, n);
    snprintf(r->label, sizeof r->label, "tune (confirm, sim)");
    int rc = run_plan(r, r->confirm_spec, points, n, 0, nt, &sim, r->jobs,
                      &plan, NULL, err, errlen);
    hk_plan_free(&plan);
    snprintf(r->label, sizeof r->label, "tune (confirm, hardware)");
    if (rc == 0)
        rc = run_plan(r, r->confirm_spec, points, n, 0, nt, &col, 1, &plan,
                      NULL, err, errlen);
    /* wall[(rep * nt + t) * n + k], NAN for a run that failed */
    size_t cells = (size_t)reps * nt * n;
    double *wall = malloc((cells + 1) * sizeof *wall);
    double *rss = malloc((cells + 1) * sizeof *rss);
    double *v = calloc(3 * (size_t)reps + 1, sizeof *v);
    if (rc == 0 && (!wall || !rss || !v)) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < cells; i++)
        wall[i] = rss[i] = NAN;
    for (size_t i = 0; rc == 0 && i < plan.n; i++) {
        const hk_point *p = &plan.v[i];
        size_t c = (p->rep * nt + p->trace) * n + p->config;
        wall[c] = hk_db_metric(r->x.db, p->key, "wall_s");
        rss[c] = hk_db_metric(r->x.db, p->key, "peak_rss_bytes") -
                 hk_db_metric(r->x.db, p->key, "start_rss_bytes");
        if (p->rep == 0)
            out[p->config * nt + p->trace].syscalls =
                metric_sum(r->x.db, p->key, "syscalls.%.calls");
    }
    for (size_t k = 0; rc == 0 && k < n; k++)
        for (size_t t = 0; t < nt; t++)
            summarise(&out[k * nt + t], wall, rss, v, reps, nt, n, t, k);
    free(wall);
    free(rss);
    free(v);
    hk_plan_free(&plan);
    return rc;
}
