/*
 * spec.c - reading and checking an experiment spec.
 *
 * The whole file is checked before the caller sees it: every key known,
 * every value of the type its key needs, every setting accepted by the
 * simulator's own parser (hk_run_config_set), no axis with a value twice.
 * The first error found is reported, by JSON path.
 */
#include "experiments/sweep/spec.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/json_file.h"

const char *const hk_backend_names[HK_BACKENDS] = {"sim", "real"};

static const char *const allocator_names[] = {
    "hakmem", "glibc", "mimalloc", "jemalloc", "tcmalloc", NULL};

/* No axis and no grid is larger, so that a typo cannot fill the disk. */
#define AXIS_MAX 10000
#define GRID_MAX 10000000

typedef struct parser {
    hk_spec *s;
    char *err;
    size_t errlen;
} parser;

static int bad(parser *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(parser *p, const char *key, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s: %s: ", p->s->path, key);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A JSON path, for messages; a very long one is cut short. */
#define KEY_LEN 256

static char *key_of(char *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *key_of(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, KEY_LEN, fmt, ap);
    va_end(ap);
    return buf;
}

static char *xstrdup(parser *p, const char *key, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        bad(p, key, "out of memory");
    return copy;
}

/* A path the spec names: as it is when absolute, else relative to the
 * directory the spec file is in (not the one the command runs in). */
static char *spec_relative(parser *p, const char *key, const char *text)
{
    const char *slash = strrchr(p->s->path, '/');
    if (text[0] == '/' || !slash)
        return xstrdup(p, key, text);
    size_t dir = (size_t)(slash - p->s->path) + 1;
    char *path = malloc(dir + strlen(text) + 1);
    if (!path) {
        bad(p, key, "out of memory");
        return NULL;
    }
    memcpy(path, p->s->path, dir);
    strcpy(path + dir, text);
    return path;
}

/* Every member of obj is one of `known`, and none appears twice. */
static int check_keys(parser *p, const cJSON *obj, const char *path,
                      const char *const *known)
{
    char key[KEY_LEN];
    for (const cJSON *it = obj->child; it; it = it->next) {
        key_of(key, "%s%s%s", path, *path ? "." : "", it->string);
        int found = 0;
        for (int i = 0; known[i]; i++)
            found |= !strcmp(known[i], it->string);
        if (!found) {
            char list[256] = "";
            for (int i = 0; known[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list),
                         "%s%s", i ? ", " : "", known[i]);
            return bad(p, key, "unknown key (expected one of: %s)", list);
        }
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (!strcmp(prev->string, it->string))
                return bad(p, key, "key given twice");
    }
    return 0;
}

/* A setting's value as text: a string as it is, a count in decimal. */
static int value_text(parser *p, const char *key, const cJSON *v,
                      char *out, size_t len)
{
    if (hk_json_setting_text(v, out, len) < 0)
        return bad(p, key, "expected a non-negative integer or a "
                   "non-empty string");
    return 0;
}

typedef struct find_ctx {
    const char *name;
    char *out;
    size_t len;
} find_ctx;

static void find_setting(void *ctx, const hk_setting_value *v)
{
    find_ctx *f = ctx;
    if (!strcmp(f->name, v->name))
        snprintf(f->out, f->len, "%s", v->text);
}

/* The canonical text of a setting (as the run's JSON will print it), or
 * -1 with the parser's complaint. */
static int canonical(parser *p, const char *key, const char *name,
                     const char *value, char *out, size_t len)
{
    hk_run_config c;
    char msg[256];
    hk_run_config_default(&c);
    if (hk_run_config_set(&c, name, value, msg, sizeof msg) < 0) {
        size_t n = strlen(name); /* "NAME: why": the key says NAME */
        int named = !strncmp(msg, name, n) && !strncmp(msg + n, ": ", 2);
        return bad(p, key, "%s", named ? msg + n + 2 : msg);
    }
    find_ctx f = {name, out, len};
    out[0] = '\0';
    hk_run_config_visit(&c, HK_SETTINGS_ALL, find_setting, &f);
    return 0;
}

/* A setting the run's JSON reports, so one that --set takes. */
static int check_name(parser *p, const char *key, const char *name)
{
    char msg[256];
    if (hk_run_config_check_name(name, msg, sizeof msg) == 0)
        return 0;
    return bad(p, key, "%s", msg);
}

static int add_setting(parser *p, hk_settings *set, const char *key,
                       const char *name, const char *value)
{
    hk_setting *grown = realloc(set->v, (set->n + 1) * sizeof *grown);
    if (!grown)
        return bad(p, key, "out of memory");
    set->v = grown;
    hk_setting *s = &set->v[set->n];
    s->name = xstrdup(p, key, name);
    s->value = xstrdup(p, key, value);
    set->n++;
    return s->name && s->value ? 0 : -1;
}

/* An object of settings: "fixed" or "baseline". */
static int parse_settings(parser *p, const cJSON *obj, const char *path,
                          hk_settings *out)
{
    char key[KEY_LEN], text[128], canon[128];
    if (!cJSON_IsObject(obj))
        return bad(p, path, "expected an object of settings "
                   "{\"name\": value, ...}");
    for (const cJSON *it = obj->child; it; it = it->next) {
        key_of(key, "%s.%s", path, it->string);
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (!strcmp(prev->string, it->string))
                return bad(p, key, "key given twice");
        if (check_name(p, key, it->string) < 0 ||
            value_text(p, key, it, text, sizeof text) < 0 ||
            canonical(p, key, it->string, text, canon, sizeof canon) < 0 ||
            add_setting(p, out, key, it->string, text) < 0)
            return -1;
    }
    return 0;
}

/* "configurations": a non-empty list of objects of settings. */
static int parse_configs(parser *p, const cJSON *list)
{
    int n = cJSON_GetArraySize(list);
    if (!cJSON_IsArray(list) || n < 1 || n > GRID_MAX)
        return bad(p, "configurations", "expected a non-empty list of "
                   "objects of settings");
    if (!(p->s->configs = calloc((size_t)n, sizeof *p->s->configs)))
        return bad(p, "configurations", "out of memory");
    char key[KEY_LEN];
    int i = 0;
    for (const cJSON *it = list->child; it; it = it->next, i++) {
        key_of(key, "configurations[%d]", i);
        p->s->nconfigs++;
        if (parse_settings(p, it, key, &p->s->configs[i]) < 0)
            return -1;
    }
    return 0;
}

/* Append value to the axis.  seen, when not NULL, holds the canonical
 * text of each value so far, to refuse one given twice ("2M", 2097152). */
static int axis_add(parser *p, hk_grid_axis *axis, char (*seen)[128],
                    const char *key, const char *value)
{
    char canon[128];
    if (canonical(p, key, axis->name, value, canon, sizeof canon) < 0)
        return -1;
    for (size_t i = 0; seen && i < axis->n; i++)
        if (!strcmp(canon, seen[i]))
            return bad(p, key, "the value %s is in the axis already", value);
    if (axis->n == AXIS_MAX)
        return bad(p, key, "more than %d values", AXIS_MAX);
    char **grown = realloc(axis->values, (axis->n + 1) * sizeof *grown);
    if (!grown)
        return bad(p, key, "out of memory");
    axis->values = grown;
    if (!(axis->values[axis->n] = xstrdup(p, key, value)))
        return -1;
    if (seen)
        memcpy(seen[axis->n], canon, sizeof canon);
    axis->n++;
    return 0;
}

/* {"from": A, "to": B, "step": S} or {"from": A, "to": B, "factor": F}:
 * increasing integers, so no value comes twice. */
static int parse_range(parser *p, const cJSON *obj, const char *path,
                       hk_grid_axis *axis)
{
    static const char *const known[] = {"from", "to", "step", "factor", NULL};
    char key[KEY_LEN], text[32];
    if (check_keys(p, obj, path, known) < 0)
        return -1;
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(obj, "from");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(obj, "to");
    const cJSON *step = cJSON_GetObjectItemCaseSensitive(obj, "step");
    const cJSON *factor = cJSON_GetObjectItemCaseSensitive(obj, "factor");
    const char *names[] = {"from", "to"};
    const cJSON *ends[] = {from, to};
    for (int i = 0; i < 2; i++) {
        key_of(key, "%s.%s", path, names[i]);
        if (!ends[i])
            return bad(p, key, "missing (a range needs from, to and one "
                       "of step, factor)");
        if (!hk_json_is_count(ends[i]))
            return bad(p, key, "expected a non-negative integer");
    }
    if (!step == !factor)
        return bad(p, path, "expected exactly one of step, factor");
    uint64_t a = (uint64_t)from->valuedouble, b = (uint64_t)to->valuedouble;
    if (a > b) {
        key_of(key, "%s.to", path);
        return bad(p, key, "expected a value >= from (%llu)",
                   (unsigned long long)a);
    }
    const cJSON *by = step ? step : factor;
    key_of(key, "%s.%s", path, step ? "step" : "factor");
    if (!hk_json_is_count(by) || by->valuedouble < (step ? 1 : 2))
        return bad(p, key, "expected an integer >= %d", step ? 1 : 2);
    if (factor && a == 0)
        return bad(p, key, "a factor needs from >= 1");
    uint64_t k = (uint64_t)by->valuedouble;
    for (uint64_t v = a;;) {
        snprintf(text, sizeof text, "%llu", (unsigned long long)v);
        if (axis_add(p, axis, NULL, path, text) < 0)
            return -1;
        uint64_t next;
        if (step ? __builtin_add_overflow(v, k, &next)
                 : __builtin_mul_overflow(v, k, &next))
            break;
        if (next > b)
            break;
        v = next;
    }
    return 0;
}

static int parse_grid(parser *p, const cJSON *grid)
{
    char key[KEY_LEN], text[128];
    if (!cJSON_IsObject(grid))
        return bad(p, "grid", "expected an object {\"setting\": [values] "
                   "or {\"from\", \"to\", \"step\" or \"factor\"}}");
    size_t n = (size_t)cJSON_GetArraySize(grid);
    if (!(p->s->grid = calloc(n ? n : 1, sizeof *p->s->grid)))
        return bad(p, "grid", "out of memory");
    for (const cJSON *it = grid->child; it; it = it->next) {
        key_of(key, "grid.%s", it->string);
        for (const cJSON *prev = grid->child; prev != it; prev = prev->next)
            if (!strcmp(prev->string, it->string))
                return bad(p, key, "key given twice");
        hk_grid_axis *axis = &p->s->grid[p->s->naxes++];
        if (!(axis->name = xstrdup(p, key, it->string)) ||
            check_name(p, key, it->string) < 0)
            return -1;
        if (cJSON_IsObject(it)) {
            if (parse_range(p, it, key, axis) < 0)
                return -1;
            continue;
        }
        if (!cJSON_IsArray(it) || !it->child)
            return bad(p, key, "expected a non-empty list of values or a "
                       "range {\"from\", \"to\", \"step\" or \"factor\"}");
        char(*seen)[128] = calloc((size_t)cJSON_GetArraySize(it),
                                  sizeof *seen);
        if (!seen)
            return bad(p, key, "out of memory");
        int i = 0, rc = 0;
        for (const cJSON *v = it->child; rc == 0 && v; v = v->next, i++) {
            char vkey[KEY_LEN];
            key_of(vkey, "%s[%d]", key, i);
            if (value_text(p, vkey, v, text, sizeof text) < 0 ||
                axis_add(p, axis, seen, vkey, text) < 0)
                rc = -1;
        }
        free(seen);
        if (rc < 0)
            return -1;
    }
    size_t points = 1;
    for (size_t i = 0; i < p->s->naxes; i++)
        if ((points *= p->s->grid[i].n) > GRID_MAX)
            return bad(p, "grid", "more than %d points", GRID_MAX);
    return 0;
}

static int valid_trace_name(const char *name)
{
    if (!*name)
        return 0;
    for (const char *c = name; *c; c++)
        if (!(('a' <= *c && *c <= 'z') || ('A' <= *c && *c <= 'Z') ||
              ('0' <= *c && *c <= '9') || strchr("_.-", *c)))
            return 0;
    return 1;
}

static int parse_trace(parser *p, const cJSON *obj, int index)
{
    static const char *const known[] = {"name", "file", "gen", NULL};
    char path[KEY_LEN], key[KEY_LEN], text[128];
    hk_spec_trace *t = &p->s->traces[index];
    key_of(path, "traces[%d]", index);
    if (!cJSON_IsObject(obj))
        return bad(p, path, "expected an object {\"name\", \"file\"} or "
                   "{\"name\", \"gen\"}");
    if (check_keys(p, obj, path, known) < 0)
        return -1;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(obj, "file");
    const cJSON *gen = cJSON_GetObjectItemCaseSensitive(obj, "gen");
    key_of(key, "%s.name", path);
    if (!cJSON_IsString(name) || !valid_trace_name(name->valuestring))
        return bad(p, key, "expected a name of letters, digits, '_', '.' "
                   "and '-'");
    for (int i = 0; i < index; i++)
        if (!strcmp(p->s->traces[i].name, name->valuestring))
            return bad(p, key, "the name '%s' is taken by traces[%d]",
                       name->valuestring, i);
    if (!(t->name = xstrdup(p, key, name->valuestring)))
        return -1;
    if (!file == !gen)
        return bad(p, path, "expected exactly one of file, gen");
    if (file) {
        key_of(key, "%s.file", path);
        if (!cJSON_IsString(file) || !file->valuestring[0])
            return bad(p, key, "expected the path of a trace file");
        t->file = spec_relative(p, key, file->valuestring);
        return t->file ? 0 : -1;
    }
    key_of(key, "%s.gen", path);
    if (!cJSON_IsArray(gen) || !gen->child)
        return bad(p, key, "expected the arguments of `hakmem trace gen`, "
                   "e.g. [\"random_mixed\", \"200000\", \"4096\", \"1\"]");
    size_t n = (size_t)cJSON_GetArraySize(gen);
    if (!(t->gen = calloc(n, sizeof *t->gen)))
        return bad(p, key, "out of memory");
    for (const cJSON *v = gen->child; v; v = v->next) {
        char vkey[KEY_LEN];
        key_of(vkey, "%s[%zu]", key, t->ngen);
        if (value_text(p, vkey, v, text, sizeof text) < 0)
            return -1;
        if (!strcmp(text, "-o") || !strcmp(text, "--help"))
            return bad(p, vkey, "'%s' is the spec's to give, not the "
                       "trace's", text);
        if (!(t->gen[t->ngen++] = xstrdup(p, vkey, text)))
            return -1;
    }
    return 0;
}

static int parse_traces(parser *p, const cJSON *traces)
{
    if (!cJSON_IsArray(traces) || !traces->child)
        return bad(p, "traces", "expected a non-empty list of traces");
    size_t n = (size_t)cJSON_GetArraySize(traces);
    if (!(p->s->traces = calloc(n, sizeof *p->s->traces)))
        return bad(p, "traces", "out of memory");
    int i = 0;
    for (const cJSON *it = traces->child; it; it = it->next, i++) {
        p->s->ntraces++; /* counted first, so hk_spec_free sees it */
        if (parse_trace(p, it, i) < 0)
            return -1;
    }
    return 0;
}

/* A list of distinct names, each one of `allowed`; their indices go to
 * index_out, which has room for each name once (a name given twice is an
 * error before it is stored). */
static int parse_names(parser *p, const cJSON *list, const char *path,
                       const char *const *allowed, int *index_out,
                       size_t *n_out)
{
    char key[KEY_LEN];
    if (!cJSON_IsArray(list) || !list->child)
        return bad(p, path, "expected a non-empty list");
    size_t n = 0;
    for (const cJSON *it = list->child; it; it = it->next, n++) {
        key_of(key, "%s[%zu]", path, n);
        int found = -1;
        for (int i = 0; cJSON_IsString(it) && allowed[i]; i++)
            if (!strcmp(allowed[i], it->valuestring))
                found = i;
        if (found < 0) {
            char names[128] = "";
            for (int i = 0; allowed[i]; i++)
                snprintf(names + strlen(names), sizeof names - strlen(names),
                         "%s%s", i ? ", " : "", allowed[i]);
            return bad(p, key, "expected one of %s", names);
        }
        for (size_t j = 0; j < n; j++)
            if (index_out[j] == found)
                return bad(p, key, "'%s' is in the list already",
                           allowed[found]);
        index_out[n] = found;
    }
    *n_out = n;
    return 0;
}

static int parse_backends(parser *p, const cJSON *list)
{
    static const char *const names[] = {"sim", "real", NULL};
    int picked[HK_BACKENDS];
    size_t n;
    if (parse_names(p, list, "backends", names, picked, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        p->s->backends[picked[i]] = 1;
    return 0;
}

static int parse_allocators(parser *p, const cJSON *list)
{
    int picked[sizeof allocator_names / sizeof allocator_names[0]];
    size_t n;
    if (parse_names(p, list, "allocators", allocator_names, picked, &n) < 0)
        return -1;
    if (!(p->s->allocators = calloc(n, sizeof *p->s->allocators)))
        return bad(p, "allocators", "out of memory");
    for (size_t i = 0; i < n; i++)
        p->s->allocators[i] = allocator_names[picked[i]];
    p->s->nallocators = n;
    return 0;
}

static int parse_root(parser *p, const cJSON *root)
{
    static const char *const known[] = {
        "name", "traces", "grid", "configurations", "fixed", "backends",
        "allocators", "repetitions", "baseline", "calibration", "db", NULL};
    hk_spec *s = p->s;
    if (check_keys(p, root, "", known) < 0)
        return -1;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return bad(p, "name", "expected the spec's name, a non-empty string");
    if (!(s->name = xstrdup(p, "name", name->valuestring)))
        return -1;
    const cJSON *traces = cJSON_GetObjectItemCaseSensitive(root, "traces");
    if (!traces)
        return bad(p, "traces", "missing: a spec needs traces");
    if (parse_traces(p, traces) < 0)
        return -1;

    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "fixed")) &&
        parse_settings(p, v, "fixed", &s->fixed) < 0)
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "grid")) &&
        parse_grid(p, v) < 0)
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "configurations"))) {
        if (s->naxes)
            return bad(p, "configurations", "given with a grid; expected "
                       "one of grid, configurations");
        if (parse_configs(p, v) < 0)
            return -1;
    }
    for (size_t i = 0; i < s->naxes; i++)
        for (size_t j = 0; j < s->fixed.n; j++)
            if (!strcmp(s->grid[i].name, s->fixed.v[j].name)) {
                char key[KEY_LEN];
                key_of(key, "fixed.%s", s->fixed.v[j].name);
                return bad(p, key, "also an axis of the grid; expected it "
                           "in one of grid, fixed");
            }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "baseline"))) {
        if (parse_settings(p, v, "baseline", &s->baseline) < 0)
            return -1;
        s->has_baseline = 1;
    }

    v = cJSON_GetObjectItemCaseSensitive(root, "backends");
    if (!v)
        s->backends[HK_BACKEND_SIM] = 1;
    else if (parse_backends(p, v) < 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(root, "allocators");
    if (!v) {
        if (!(s->allocators = calloc(1, sizeof *s->allocators)))
            return bad(p, "allocators", "out of memory");
        s->allocators[0] = allocator_names[0];
        s->nallocators = 1;
    } else if (parse_allocators(p, v) < 0) {
        return -1;
    } else if (!s->backends[HK_BACKEND_REAL] &&
               (s->nallocators > 1 || strcmp(s->allocators[0], "hakmem"))) {
        return bad(p, "allocators", "expected only hakmem without the "
                   "real backend (the simulator runs hakmem)");
    }

    s->repetitions = 1;
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "repetitions"))) {
        if (!hk_json_is_count(v) || v->valuedouble < 1 || v->valuedouble > 1e6)
            return bad(p, "repetitions", "expected an integer from 1 to "
                       "1000000");
        s->repetitions = (unsigned)v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "calibration"))) {
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return bad(p, "calibration", "expected the path of a "
                       "calibration file (`hakmem calibrate -o FILE`) or "
                       "\"builtin\"");
        if (!(s->calibration = strcmp(v->valuestring, "builtin")
                                   ? spec_relative(p, "calibration",
                                                   v->valuestring)
                                   : xstrdup(p, "calibration",
                                             v->valuestring)))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(root, "db"))) {
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return bad(p, "db", "expected the path of a database file");
        if (!(s->db = spec_relative(p, "db", v->valuestring)))
            return -1;
    }
    return 0;
}

int hk_spec_load(hk_spec *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (!(s->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    parser p = {s, err, errlen};
    cJSON *root = hk_json_load_object(path, 16 << 20, err, errlen);
    int rc = root ? parse_root(&p, root) : -1;
    cJSON_Delete(root);
    if (rc < 0)
        hk_spec_free(s);
    return rc;
}

static void free_settings(hk_settings *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].name);
        free(set->v[i].value);
    }
    free(set->v);
}

void hk_spec_free(hk_spec *s)
{
    for (size_t i = 0; s->traces && i < s->ntraces; i++) {
        free(s->traces[i].name);
        free(s->traces[i].file);
        for (size_t j = 0; j < s->traces[i].ngen; j++)
            free(s->traces[i].gen[j]);
        free(s->traces[i].gen);
    }
    free(s->traces);
    for (size_t i = 0; s->grid && i < s->naxes; i++) {
        free(s->grid[i].name);
        for (size_t j = 0; j < s->grid[i].n; j++)
            free(s->grid[i].values[j]);
        free(s->grid[i].values);
    }
    free(s->grid);
    for (size_t i = 0; s->configs && i < s->nconfigs; i++)
        free_settings(&s->configs[i]);
    free(s->configs);
    free_settings(&s->fixed);
    free_settings(&s->baseline);
    free(s->allocators);
    free(s->calibration);
    free(s->name);
    free(s->db);
    free(s->path);
    memset(s, 0, sizeof *s);
}

size_t hk_spec_grid_size(const hk_spec *s)
{
    if (s->nconfigs)
        return s->nconfigs;
    size_t n = 1;
    for (size_t i = 0; i < s->naxes; i++)
        n *= s->grid[i].n;
    return n;
}
