/*
 * ladder.c - the knobs' ladders, in one table.
 *
 * Steps are a factor of two (purge_delay, a time, goes 1-3-10), so a
 * ladder spans the range where a knob plausibly matters in a few rungs;
 * the coarse rungs are a low, a middle (mostly the default) and a high
 * value about a factor of four to eight apart.  A table value outside
 * the parameter's range is dropped, and a default that is not on the
 * ladder is added to it, so the table may lag behind core/params.c
 * without breaking: the default is always a point of the search.
 */
#include "experiments/tune/ladder.h"

#include <stdio.h>
#include <string.h>

#define K 1024ull
#define M (1024ull * K)
#define G (1024ull * M)
#define END UINT64_MAX

typedef struct known {
    const char *name;
    uint64_t v[HK_LADDER_MAX + 1]; /* ends with END */
    uint64_t coarse[3];
    int bytes;
} known;

static const known table[] = {
    {"lru_cap", {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, END}, {0, 8, 64}, 0},
    {"prewarm", {0, 1, 2, 4, 8, 16, 32, 64, END}, {0, 1, 8}, 0},
    {"front_cap", {8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, END},
     {32, 128, 512}, 0},
    {"refill", {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, END}, {8, 32, 128},
     0},
    {"ss_size", {1 * M, 2 * M, 4 * M, 8 * M, 16 * M, 32 * M, 64 * M, END},
     {1 * M, 2 * M, 8 * M}, 1},
    {"purge_delay",
     {0, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 60000, END},
     {10, 100, 1000}, 0},
    {"large_cache",
     {0, 1 * M, 4 * M, 16 * M, 64 * M, 256 * M, 1 * G, 4 * G, END},
     {0, 64 * M, 1 * G}, 1},
};

static const struct {
    const char *name, *why;
} excluded[] = {
    {"shared_pool", "0 is the design before the shared pool, kept to "
                    "reproduce the seed report"},
    {"ptr_check", "trades the checking of pointers on free for speed: a "
                  "safety choice, not a tuning one"},
    {"huge_pages", "auto follows the program already; never and always "
                   "trade RSS for page faults: a choice of what to spend, "
                   "not a tuning one"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *hk_ladder_excluded(const char *name)
{
    for (size_t i = 0; i < COUNT(excluded); i++)
        if (!strcmp(excluded[i].name, name))
            return excluded[i].why;
    return NULL;
}

static void add_value(hk_ladder *l, uint64_t v)
{
    const hk_param_info *p = l->param;
    if (v < p->min || v > p->max || l->n == HK_LADDER_MAX)
        return;
    size_t i = 0;
    while (i < l->n && l->v[i] < v)
        i++;
    if (i < l->n && l->v[i] == v)
        return;
    memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof l->v[0]);
    l->v[i] = v;
    l->n++;
}

/* The index of the value nearest v (the lower one of two as near). */
static size_t nearest(const hk_ladder *l, uint64_t v)
{
    size_t best = 0;
    for (size_t i = 1; i < l->n; i++) {
        uint64_t d = l->v[i] > v ? l->v[i] - v : v - l->v[i];
        uint64_t bd = l->v[best] > v ? l->v[best] - v : v - l->v[best];
        if (d < bd)
            best = i;
    }
    return best;
}

static void from_table(hk_ladder *l, const known *k)
{
    for (size_t i = 0; k->v[i] != END; i++)
        add_value(l, k->v[i]);
    add_value(l, l->param->def);
    for (int c = 0; c < 3; c++)
        l->coarse[c] = nearest(l, k->coarse[c]);
    l->bytes = k->bytes;
}

/* Powers of two times the default, from 1/16 to 16 times, and the
 * minimum when it is 0 ("off"); the coarse rungs a quarter, one and four
 * times the default. */
static void automatic(hk_ladder *l)
{
    uint64_t def = l->param->def;
    if (l->param->min == 0)
        add_value(l, 0);
    for (int s = 4; s >= 1; s--)
        if (def >> s)
            add_value(l, def >> s);
    add_value(l, def);
    for (int s = 1; s <= 4; s++)
        if (def <= l->param->max >> s)
            add_value(l, def << s);
    size_t d = nearest(l, def);
    l->coarse[0] = d >= 2 ? d - 2 : 0;
    l->coarse[1] = d;
    l->coarse[2] = d + 2 < l->n ? d + 2 : l->n - 1;
    l->automatic = 1;
}

size_t hk_ladders(hk_ladder *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < hk_param_count && n < max; i++) {
        const hk_param_info *p = &hk_param_table[i];
        if (p->words || hk_ladder_excluded(p->name))
            continue;
        hk_ladder *l = &out[n];
        memset(l, 0, sizeof *l);
        l->param = p;
        const known *k = NULL;
        for (size_t j = 0; j < COUNT(table); j++)
            if (!strcmp(table[j].name, p->name))
                k = &table[j];
        if (k)
            from_table(l, k);
        else
            automatic(l);
        l->def = nearest(l, p->def);
        if (l->n > 1)
            n++;
    }
    return n;
}

const hk_ladder *hk_ladder_find(const hk_ladder *ladders, size_t n,
                                const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ladders[i].param->name, name))
            return &ladders[i];
    return NULL;
}

void hk_ladder_format(const hk_ladder *l, size_t i, char *buf, size_t len)
{
    static const struct {
        uint64_t unit;
        char suffix;
    } units[] = {{G, 'G'}, {M, 'M'}, {K, 'K'}};
    uint64_t v = l->v[i];
    for (size_t u = 0; l->bytes && v && u < COUNT(units); u++)
        if (v % units[u].unit == 0) {
            snprintf(buf, len, "%llu%c",
                     (unsigned long long)(v / units[u].unit),
                     units[u].suffix);
            return;
        }
    snprintf(buf, len, "%llu", (unsigned long long)v);
}
