/*
 * points.c - expanding a spec into points and naming them.
 *
 * A point key is FNV-1a 128 over, NUL-separated: a format tag, the
 * `git describe` of the hakmem that runs it (a rebuilt allocator or
 * replay engine must not inherit the runs of the old one), the spec
 * name, the trace name and checksum, backend, allocator, repetition, and
 * the hash of every setting the run will have as NAME=VALUE in canonical
 * form (the defaults included, as the run's JSON prints them), so "2M"
 * and "2097152" are the same point and a changed default is a new one.
 * A peer allocator's key leaves hakmem's parameters out; a simulation's
 * has the checksum of the spec's calibration, if it names one.
 */
#define _GNU_SOURCE
#include "experiments/sweep/points.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "experiments/common/fnv.h"
#include "experiments/common/version.h"

#define KEY_TAG "hakmem point 2"

size_t hk_spec_columns(const hk_spec *s, hk_column *out)
{
    size_t n = 0;
    if (s->backends[HK_BACKEND_SIM])
        out[n++] = (hk_column){HK_BACKEND_SIM, "hakmem", s->repetitions};
    for (size_t i = 0; s->backends[HK_BACKEND_REAL] && i < s->nallocators;
         i++)
        out[n++] = (hk_column){HK_BACKEND_REAL, s->allocators[i],
                               s->repetitions};
    return n;
}

size_t hk_spec_configs(const hk_spec *s)
{
    return (size_t)s->has_baseline + hk_spec_grid_size(s);
}

/* Value index of each axis for configuration k, which is of the grid. */
static size_t axis_value(const hk_spec *s, size_t k, size_t axis)
{
    size_t g = k - (size_t)s->has_baseline;
    for (size_t i = s->naxes; i-- > axis + 1;)
        g /= s->grid[i].n;
    return g % s->grid[axis].n;
}

static int is_baseline(const hk_spec *s, size_t k)
{
    return s->has_baseline && k == 0;
}

/* The settings of configuration k that are not a grid point: the
 * baseline's, or those of an entry of the list; NULL for a grid point. */
static const hk_settings *listed(const hk_spec *s, size_t k)
{
    if (is_baseline(s, k))
        return &s->baseline;
    if (s->nconfigs)
        return &s->configs[k - (size_t)s->has_baseline];
    return NULL;
}

void hk_config_label(const hk_spec *s, size_t k, char *buf, size_t len)
{
    size_t used = 0;
    const hk_settings *set = listed(s, k);
    buf[0] = '\0';
    if (set)
        for (size_t i = 0; i < set->n && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
                                     i ? " " : "", set->v[i].name,
                                     set->v[i].value);
    else
        for (size_t i = 0; i < s->naxes && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
                                     i ? " " : "", s->grid[i].name,
                                     s->grid[i].values[axis_value(s, k, i)]);
}

/* Set name=value in c, replacing an earlier value of name. */
static int config_put(hk_config *c, const char *name, const char *value)
{
    size_t nlen = strlen(name);
    char *text = malloc(nlen + strlen(value) + 2);
    if (!text)
        return -1;
    sprintf(text, "%s=%s", name, value);
    for (size_t i = 0; i < c->nset; i++)
        if (!strncmp(c->set[i], text, nlen + 1)) {
            free(c->set[i]);
            c->set[i] = text;
            return 0;
        }
    char **grown = realloc(c->set, (c->nset + 1) * sizeof *grown);
    if (!grown) {
        free(text);
        return -1;
    }
    c->set = grown;
    c->set[c->nset++] = text;
    return 0;
}

/* Every setting of `set` into c; for a peer, not hakmem's parameters. */
static int config_put_all(hk_config *c, const hk_settings *set, int peer)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && set && i < set->n; i++)
        if (!peer || !hk_param_find(set->v[i].name))
            rc = config_put(c, set->v[i].name, set->v[i].value);
    return rc;
}

/* Configuration k's settings over `under`; for a peer, without hakmem's
 * parameters. */
static int config_build(const hk_spec *s, const hk_settings *under,
                        size_t k, int peer, hk_config *c)
{
    const hk_settings *over = listed(s, k);
    int rc = config_put_all(c, under, peer);
    if (rc == 0)
        rc = config_put_all(c, &s->fixed, peer);
    if (rc == 0)
        rc = config_put_all(c, over, peer);
    for (size_t i = 0; rc == 0 && !over && i < s->naxes; i++)
        if (!peer || !hk_param_find(s->grid[i].name))
            rc = config_put(c, s->grid[i].name,
                            s->grid[i].values[axis_value(s, k, i)]);
    return rc;
}

static void hash_setting(void *ctx, const hk_setting_value *v)
{
    hk_u128 *h = ctx;
    *h = hk_fnv128(*h, v->name, strlen(v->name));
    *h = hk_fnv128(*h, "=", 1);
    *h = hk_fnv128(*h, v->text, strlen(v->text) + 1);
}

/* *h = the hash of the canonical settings of c. */
static int hash_config(const hk_config *c, int peer, hk_u128 *h, char *err,
                       size_t errlen)
{
    hk_run_config run;
    hk_run_config_default(&run);
    for (size_t i = 0; i < c->nset; i++)
        if (hk_run_config_set_arg(&run, c->set[i], err, errlen) < 0)
            return -1;
    hk_u128 ctx = hk_fnv128_init();
    hk_run_config_visit(&run, peer ? HK_SETTINGS_ALL & ~HK_SETTINGS_ALLOCATOR
                                   : HK_SETTINGS_ALL,
                        hash_setting, &ctx);
    *h = ctx;
    return 0;
}

static hk_u128 hash_str(hk_u128 h, const char *text)
{
    return hk_fnv128(h, text, strlen(text) + 1);
}

static void point_key(const hk_spec *s, hk_point *p, hk_u128 settings_hash)
{
    char rep[16];
    hk_u128 h = hash_str(hk_fnv128_init(), KEY_TAG);
    h = hash_str(h, hk_git_describe);
    h = hash_str(h, s->name);
    h = hash_str(h, s->traces[p->trace].name);
    h = hash_str(h, s->traces[p->trace].checksum);
    h = hash_str(h, hk_backend_names[p->column->backend]);
    h = hash_str(h, p->column->allocator);
    snprintf(rep, sizeof rep, "%u", p->rep);
    h = hash_str(h, rep);
    char settings[33];
    hk_fnv128_hex(settings_hash, settings);
    h = hash_str(h, settings);
    if (p->column->backend == HK_BACKEND_SIM && s->calibration)
        h = hash_str(h, s->calibration_checksum);
    hk_fnv128_hex(h, p->key);
}

/* Order point indices by key, then by index. */
static int by_key(const void *a, const void *b, void *points)
{
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    const hk_point *v = points;
    int c = strcmp(v[ia].key, v[ib].key);
    return c ? c : ia < ib ? -1 : ia > ib;
}

/* Mark every point whose key an earlier point has. */
static int mark_dups(hk_plan *plan)
{
    size_t *order = malloc((plan->n ? plan->n : 1) * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < plan->n; i++)
        order[i] = i;
    qsort_r(order, plan->n, sizeof *order, by_key, plan->v);
    for (size_t i = 0; i < plan->n;) {
        hk_point *first = &plan->v[order[i]];
        size_t j = i + 1;
        for (; j < plan->n && !strcmp(plan->v[order[j]].key, first->key);
             j++) {
            plan->v[order[j]].dup = 1;
            first->baseline |= plan->v[order[j]].baseline;
        }
        i = j;
    }
    free(order);
    return 0;
}

/* Hashes of the configurations' settings, then the points in the order
 * of points.h; out->configs and out->peer_configs are filled.  Config 0
 * is the baseline when base0 is set. */
static int expand_points(const hk_spec *s, const hk_column *cols,
                         size_t ncols, int base0, hk_plan *out, char *err,
                         size_t errlen)
{
    size_t nconfigs = out->nconfigs;
    unsigned reps = 0;
    size_t per_rep = 0;
    for (size_t c = 0; c < ncols; c++)
        reps = cols[c].reps > reps ? cols[c].reps : reps;
    for (size_t c = 0; c < ncols; c++)
        per_rep += cols[c].reps;
    hk_u128 *hashes = calloc(2 * nconfigs + 1, sizeof *hashes);
    out->v = calloc(per_rep * s->ntraces * nconfigs + 1, sizeof *out->v);
    int rc = hashes && out->v ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "out of memory for %zu points",
                 per_rep * s->ntraces * nconfigs);
    for (size_t k = 0; rc == 0 && k < nconfigs; k++)
        if (hash_config(&out->configs[k], 0, &hashes[2 * k], err,
                        errlen) < 0 ||
            hash_config(&out->peer_configs[k], 1, &hashes[2 * k + 1], err,
                        errlen) < 0)
            rc = -1;
    for (unsigned rep = 0; rc == 0 && rep < reps; rep++)
        for (size_t t = 0; t < s->ntraces; t++)
            for (size_t i = 0; i < nconfigs; i++) {
                size_t k = (i + rep) % nconfigs;
                for (size_t c = 0; c < ncols; c++) {
                    if (rep >= cols[c].reps)
                        continue;
                    int peer = strcmp(cols[c].allocator, "hakmem") != 0;
                    hk_point *p = &out->v[out->n++];
                    p->trace = t;
                    p->config = k;
                    p->column = &cols[c];
                    p->settings = peer ? &out->peer_configs[k]
                                       : &out->configs[k];
                    p->rep = rep;
                    p->baseline = base0 && k == 0 && !peer;
                    point_key(s, p, hashes[2 * k + peer]);
                }
            }
    if (rc == 0 && mark_dups(out) < 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    free(hashes);
    return rc;
}

static int alloc_configs(hk_plan *out, size_t nconfigs, char *err,
                         size_t errlen)
{
    out->configs = calloc(nconfigs + 1, sizeof *out->configs);
    out->peer_configs = calloc(nconfigs + 1, sizeof *out->peer_configs);
    out->nconfigs = nconfigs;
    if (out->configs && out->peer_configs)
        return 0;
    snprintf(err, errlen, "out of memory for %zu configurations", nconfigs);
    return -1;
}

int hk_plan_expand(const hk_spec *s, const hk_settings *under,
                   const hk_column *cols, size_t ncols, hk_plan *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t nconfigs = hk_spec_configs(s);
    int rc = alloc_configs(out, nconfigs, err, errlen);
    for (size_t k = 0; rc == 0 && k < nconfigs; k++)
        if (config_build(s, under, k, 0, &out->configs[k]) < 0 ||
            config_build(s, under, k, 1, &out->peer_configs[k]) < 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    if (rc == 0)
        rc = expand_points(s, cols, ncols, s->has_baseline, out, err,
                           errlen);
    if (rc < 0)
        hk_plan_free(out);
    return rc;
}

/* name=value of `arg` into c, and into peer unless it is hakmem's. */
static int config_put_arg(hk_config *c, hk_config *peer, const char *arg,
                          char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        snprintf(err, errlen, "'%s' is not NAME=VALUE", arg);
        return -1;
    }
    char *name = strndup(arg, (size_t)(eq - arg));
    int rc = name ? config_put(c, name, eq + 1) : -1;
    if (rc == 0 && !hk_param_find(name))
        rc = config_put(peer, name, eq + 1);
    free(name);
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

int hk_plan_configs(const hk_spec *s, const hk_config *configs,
                    size_t nconfigs, int base0, const hk_column *cols,
                    size_t ncols, hk_plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int rc = alloc_configs(out, nconfigs, err, errlen);
    for (size_t k = 0; rc == 0 && k < nconfigs; k++)
        for (size_t i = 0; rc == 0 && i < configs[k].nset; i++)
            rc = config_put_arg(&out->configs[k], &out->peer_configs[k],
                                configs[k].set[i], err, errlen);
    if (rc == 0)
        rc = expand_points(s, cols, ncols, base0, out, err, errlen);
    if (rc < 0)
        hk_plan_free(out);
    return rc;
}

static void free_configs(hk_config *c, size_t n)
{
    for (size_t k = 0; c && k < n; k++) {
        for (size_t i = 0; i < c[k].nset; i++)
            free(c[k].set[i]);
        free(c[k].set);
    }
    free(c);
}

void hk_plan_free(hk_plan *p)
{
    free_configs(p->configs, p->nconfigs);
    free_configs(p->peer_configs, p->nconfigs);
    free(p->v);
    memset(p, 0, sizeof *p);
}
