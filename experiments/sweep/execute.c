/*
 * execute.c - points to child processes to database rows.
 *
 * The command of a point is `hakmem sim --set NAME=VALUE... TRACE`, or
 * for the real backend `hakmem replay --allocator hakmem ...`; a peer
 * runs as `env LD_PRELOAD=LIB hakmem replay --allocator system ...`
 * (glibc without the preload), as `hakmem compare` runs them.  A point
 * fails when its command exits non-zero, prints no JSON object, or
 * reports a trace checksum other than the one the point key was made
 * with (the file changed under the sweep); a peer's points fail without
 * running when its library is not installed.
 */
#include "experiments/sweep/execute.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "experiments/common/jobs.h"
#include "experiments/common/layout.h"
#include "experiments/common/mkdirs.h"
#include "experiments/replay/peers.h"
#include "experiments/common/progress.h"
#include "experiments/common/version.h"

/* Lines of a failed point's stderr that are shown. */
#define ERR_LINES 20

/* The peer allocator of a column; NULL for hakmem. */
static const hk_peer *peer_of(const hk_column *c)
{
    return hk_peer_find(c->allocator);
}

typedef struct pending {
    const hk_point *p;
    char **argv;
    char *preload; /* LD_PRELOAD=..., or NULL */
} pending;

typedef struct batch {
    const hk_exec *x;
    pending *v;
    size_t n;
    size_t base;    /* the first of v that the running jobs number 0 */
    hk_progress progress;
    long failed;
    int fatal;
    char missing_reported[HK_MAX_PEERS];
    char *err;
    size_t errlen;
} batch;

/* The hakmem program of this build or installation, and its version:
 * `git describe` of the tree it was built from. */
static int find_hakmem(hk_exec *x, char *err, size_t errlen)
{
    if (hk_layout_find(HK_PART_HAKMEM, NULL, x->hakmem, sizeof x->hakmem,
                       err, errlen) != 0)
        return -1;
    snprintf(x->version, sizeof x->version, "%s", hk_git_describe);
    return 0;
}

/* The calibration of the simulations: resolved once here, so that a
 * machine without one makes it once, and passed to every point by name
 * (the spec's calibration becomes the file), or for the built-in one
 * through HAKMEM_CALIBRATION, so that the points do not each warn. */
int hk_exec_calibrate(hk_exec *x, hk_spec *s, const char *request,
                      char *err, size_t errlen)
{
    char who[64], why[600];
    snprintf(who, sizeof who, "hakmem %s", x->label);
    int from_spec = !request && s->calibration;
    if (from_spec)
        request = s->calibration;
    if (hk_calibration_resolve(&x->cal, request, who, why, sizeof why) < 0) {
        if (from_spec)
            snprintf(err, errlen, "%s: calibration: cannot read %s", s->path,
                     why);
        else
            snprintf(err, errlen, "%s", why);
        return -1;
    }
    hk_calibration_warn(&x->cal, who);
    free(s->calibration);
    s->calibration = NULL;
    if (x->cal.source == HK_CAL_BUILTIN) /* the points' own, warned */
        return setenv("HAKMEM_CALIBRATION", "builtin", 1);
    if (!(s->calibration = strdup(x->cal.path))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int hk_exec_open(hk_exec *x, hk_spec *s, const char *label,
                 const char *spec_path, int need_baseline,
                 const char *db_path, const char *trace_cache,
                 const char *calibration)
{
    char err[1024];
    memset(x, 0, sizeof *x);
    if (hk_spec_load(s, spec_path, err, sizeof err) < 0)
        goto fail;
    if (need_baseline && !s->has_baseline) {
        snprintf(err, sizeof err, "%s: baseline: missing; gains are "
                 "measured against it", spec_path);
        goto fail;
    }
    if (!db_path && !(db_path = s->db)) {
        snprintf(err, sizeof err, "%s: db: missing, and no --db given",
                 spec_path);
        goto fail;
    }
    x->label = label;
    x->spec = s;
    if ((need_baseline || s->backends[HK_BACKEND_SIM]) &&
        hk_exec_calibrate(x, s, calibration, err, sizeof err) < 0)
        goto fail;
    return hk_exec_start(x, s, label, db_path, trace_cache);
fail:
    fprintf(stderr, "hakmem %s: %s\n", label, err);
    hk_exec_close(x, s, 1);
    return 2;
}

int hk_exec_start(hk_exec *x, hk_spec *s, const char *label,
                  const char *db_path, const char *trace_cache)
{
    char err[1024];
    int status = 1;
    x->label = label;
    x->spec = s;
    if (find_hakmem(x, err, sizeof err) < 0)
        goto fail;
    if (gethostname(x->host, sizeof x->host) < 0)
        snprintf(x->host, sizeof x->host, "unknown");
    x->host[sizeof x->host - 1] = '\0';
    int rc = hk_spec_prepare(s, x->hakmem, trace_cache, &x->made, err,
                             sizeof err);
    if (rc < 0) {
        status = rc == -1 ? 2 : 1;
        goto fail;
    }
    snprintf(x->db_path, sizeof x->db_path, "%s", db_path);
    x->db_new = access(db_path, F_OK) < 0;
    if (hk_mkdirs_for(db_path, &x->made, err, sizeof err) < 0 ||
        !(x->db = hk_db_open(db_path, err, sizeof err)))
        goto fail;
    return 0;
fail:
    fprintf(stderr, "hakmem %s: %s\n", label, err);
    hk_exec_close(x, s, 1);
    return status;
}

void hk_exec_close(hk_exec *x, hk_spec *s, int failed)
{
    int drop = failed && x->db_new && x->db && hk_db_runs(x->db) == 0;
    hk_db_close(x->db);
    x->db = NULL;
    if (drop)
        unlink(x->db_path);
    if (failed)
        hk_mkdirs_undo(&x->made);
    else
        hk_mkdirs_keep(&x->made);
    hk_spec_free(s);
}

/* The command of q's point (see the top); 0, or -1 out of memory. */
static int point_argv(const hk_exec *x, pending *q)
{
    const hk_point *p = q->p;
    const hk_config *c = p->settings;
    const hk_peer *peer = peer_of(p->column);
    char **argv = calloc(2 * c->nset + 12, sizeof *argv);
    if (!argv)
        return -1;
    size_t a = 0;
    if (peer && peer->library) {
        if (!(q->preload = malloc(strlen(peer->library) + 16))) {
            free(argv);
            return -1;
        }
        sprintf(q->preload, "LD_PRELOAD=%s", peer->library);
        argv[a++] = "env";
        argv[a++] = q->preload;
    }
    argv[a++] = (char *)x->hakmem;
    if (p->column->backend == HK_BACKEND_SIM) {
        argv[a++] = "sim";
        if (x->spec->calibration) {
            argv[a++] = "--calibration";
            argv[a++] = x->spec->calibration;
        }
    } else {
        argv[a++] = "replay";
        argv[a++] = "--allocator";
        argv[a++] = peer ? "system" : "hakmem";
        /* Replays run at once must not share the one CPU each would keep
         * to (experiments/common/pin.h). */
        if (x->real_jobs > 1)
            argv[a++] = "--no-pin";
    }
    for (size_t i = 0; i < c->nset; i++) {
        argv[a++] = "--set";
        argv[a++] = c->set[i];
    }
    argv[a++] = x->spec->traces[p->trace].file;
    q->argv = argv;
    return 0;
}

static char *const *batch_argv(void *ctx, size_t i)
{
    batch *b = ctx;
    return b->v[b->base + i].argv;
}

/* The last ERR_LINES lines of text, each indented. */
static void print_tail(const char *text)
{
    size_t len = strlen(text);
    while (len && text[len - 1] == '\n')
        len--;
    size_t start = len;
    for (int lines = 0; start > 0; start--)
        if (text[start - 1] == '\n' && ++lines == ERR_LINES)
            break;
    for (const char *line = text + start; line < text + len;) {
        const char *end = memchr(line, '\n', (size_t)(text + len - line));
        if (!end)
            end = text + len;
        fprintf(stderr, "    %.*s\n", (int)(end - line), line);
        line = end + 1;
    }
}

/* i: the index in b->v. */
static void report_failure(batch *b, size_t i, const char *why,
                           const char *stderr_text)
{
    char *line = hk_job_command_line(b->v[i].argv);
    hk_progress_clear(&b->progress);
    fprintf(stderr, "%s: point failed (%s): %s\n", b->x->label, why,
            line ? line : b->v[i].argv[0]);
    print_tail(stderr_text);
    free(line);
    b->failed++;
}

/* Why the output of a point cannot be stored, or NULL if it can. */
static const char *check_output(const hk_job_result *r, const cJSON *json,
                                const char *checksum, char *why,
                                size_t len)
{
    if (r->status != 0) {
        snprintf(why, len, "exit status %d", r->status);
        return why;
    }
    if (!cJSON_IsObject(json))
        return "printed no JSON object";
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(json, "trace");
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(trace, "checksum");
    if (cJSON_IsString(sum) && strcmp(sum->valuestring, checksum) != 0) {
        snprintf(why, len, "the trace's checksum is %s, not %s: it changed "
                 "during the sweep", sum->valuestring, checksum);
        return why;
    }
    return NULL;
}

/* A peer's run prints hakmem's parameters among its settings, at their
 * defaults; they do not apply to it, so they are not its params. */
static void drop_hakmem_params(cJSON *json)
{
    cJSON *settings = cJSON_GetObjectItemCaseSensitive(json, "settings");
    for (cJSON *it = settings ? settings->child : NULL, *next; it;
         it = next) {
        next = it->next;
        if (hk_param_find(it->string))
            cJSON_Delete(cJSON_DetachItemViaPointer(settings, it));
    }
}

/* A simulation records its calibration among its params: the file's
 * checksum, or "builtin"; and where it came from. */
static void add_calibration(cJSON *json, const hk_exec *x)
{
    cJSON *settings = cJSON_GetObjectItemCaseSensitive(json, "settings");
    if (!settings)
        return;
    cJSON_AddStringToObject(settings, "calibration",
                            x->spec->calibration
                                ? x->spec->calibration_checksum
                                : "builtin");
    cJSON_AddStringToObject(settings, "calibration_source",
                            hk_calibration_source_names[x->cal.source]);
}

static int point_done(void *ctx, size_t job, const hk_job_result *r)
{
    batch *b = ctx;
    size_t i = b->base + job;
    const hk_point *p = b->v[i].p;
    const hk_spec *s = b->x->spec;
    const hk_spec_trace *t = &s->traces[p->trace];
    cJSON *json = r->status == 0 ? cJSON_Parse(r->out) : NULL;
    char why[256];
    const char *bad = check_output(r, json, t->checksum, why, sizeof why);
    if (bad) {
        report_failure(b, i, bad, r->err);
        cJSON_Delete(json);
        hk_progress_step(&b->progress, 1);
        return 0;
    }
    char started[32];
    struct tm tm;
    gmtime_r(&r->started, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    hk_run_row row = {
        .point_key = p->key, .spec = s->name, .trace = t->name,
        .trace_checksum = t->checksum,
        .backend = hk_backend_names[p->column->backend],
        .allocator = p->column->allocator, .rep = p->rep,
        .baseline = p->baseline, .version = b->x->version,
        .host = b->x->host, .started_at = started,
    };
    if (peer_of(p->column))
        drop_hakmem_params(json);
    if (p->column->backend == HK_BACKEND_SIM)
        add_calibration(json, b->x);
    int rc = hk_db_insert(b->x->db, &row, json, b->err, b->errlen);
    cJSON_Delete(json);
    if (rc < 0) {
        b->fatal = 1;
        return -1;
    }
    hk_progress_step(&b->progress, 0);
    return 0;
}

/* A peer whose library is missing: reported once, its points failed. */
static int peer_missing(batch *b, const hk_point *p)
{
    const hk_peer *peer = peer_of(p->column);
    if (!peer || !peer->library || access(peer->library, R_OK) == 0)
        return 0;
    if (!b->missing_reported[peer - hk_peers]) {
        b->missing_reported[peer - hk_peers] = 1;
        fprintf(stderr, "%s: %s is not installed (%s); its points fail\n",
                b->x->label, peer->name, peer->library);
    }
    b->failed++;
    return 1;
}

/* The points to run: selected by the shard, not stored yet. */
static int select_points(batch *b, const hk_plan *plan, unsigned shard,
                         unsigned shards, size_t *stored)
{
    size_t number = 0;
    *stored = 0;
    for (size_t i = 0; i < plan->n; i++) {
        const hk_point *p = &plan->v[i];
        if (p->dup || number++ % shards != shard)
            continue;
        int has = hk_db_has(b->x->db, p->key, b->err, b->errlen);
        if (has < 0)
            return -1;
        if (has) {
            (*stored)++;
            continue;
        }
        if (peer_missing(b, p))
            continue;
        pending *q = &b->v[b->n];
        q->p = p;
        if (point_argv(b->x, q) < 0) {
            snprintf(b->err, b->errlen, "out of memory");
            return -1;
        }
        b->n++;
    }
    return 0;
}

/* Simulations first, then real runs, each in the order selected: the
 * number of simulations. */
static size_t sims_first(batch *b)
{
    pending *sorted = malloc((b->n ? b->n : 1) * sizeof *sorted);
    size_t k = 0, sims = 0;
    if (!sorted)
        return 0; /* unsorted: all run at the real backend's pace */
    for (int real = 0; real < 2; real++)
        for (size_t i = 0; i < b->n; i++)
            if ((b->v[i].p->column->backend == HK_BACKEND_REAL) == real)
                sorted[k++] = b->v[i];
    for (size_t i = 0; i < b->n; i++)
        sims += b->v[i].p->column->backend == HK_BACKEND_SIM;
    memcpy(b->v, sorted, b->n * sizeof *sorted);
    free(sorted);
    return sims;
}

/* Run b->v[from, to) with `jobs` at once; 0 or -1. */
static int run_range(batch *b, size_t from, size_t to, unsigned jobs,
                     char *err, size_t errlen)
{
    b->base = from;
    if (from == to)
        return 0;
    return hk_jobs_run(to - from, jobs, batch_argv, point_done, b, err,
                       errlen) < 0 || b->fatal
               ? -1
               : 0;
}

long hk_execute(const hk_exec *x, const hk_plan *plan, unsigned shard,
                unsigned shards, char *err, size_t errlen)
{
    batch b = {.x = x, .err = err, .errlen = errlen};
    size_t stored;
    b.v = calloc(plan->n ? plan->n : 1, sizeof *b.v);
    long rc = b.v ? select_points(&b, plan, shard, shards, &stored) : -1;
    if (!b.v)
        snprintf(err, errlen, "out of memory");
    if (rc == 0 && stored)
        fprintf(stderr, "%s: %zu points stored already, %zu to run\n",
                x->label, stored, b.n);
    if (rc == 0 && b.n) {
        size_t sims = sims_first(&b);
        hk_progress_start(&b.progress, x->label, b.n);
        if (run_range(&b, 0, sims, x->jobs, err, errlen) < 0 ||
            run_range(&b, sims, b.n, x->real_jobs ? x->real_jobs : 1, err,
                      errlen) < 0)
            rc = -1;
        hk_progress_end(&b.progress);
    }
    for (size_t i = 0; i < b.n; i++) {
        free(b.v[i].argv);
        free(b.v[i].preload);
    }
    free(b.v);
    return rc < 0 ? -1 : b.failed;
}
