/*
 * cost.c - the calibration table and the weighted sum.
 */
#include "cost.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_file.h"

const char *const hk_cost_names[HK_COST_TERMS] = {
    "malloc",       "free",          "realloc",   "refill",
    "flush",        "slab",          "remote_free", "mmap",
    "munmap",       "madvise",       "mincore",   "mprotect",
    "munmap_page",  "madvise_page",  "page_fault", "tlb_l2_hit",
    "tlb_walk",
};

/* Measured on the development machine with `hakmem calibrate`; the same
 * numbers are in experiments/calibrate/default.json. */
static const hk_cost default_cost = {{
    [HK_COST_MALLOC] = 0.85,       [HK_COST_FREE] = 1.51,
    [HK_COST_REALLOC] = 4.59,      [HK_COST_REFILL] = 0.83,
    [HK_COST_FLUSH] = 3.46,      [HK_COST_SLAB] = 32.45,
    [HK_COST_REMOTE_FREE] = 8.2,  [HK_COST_MMAP] = 976.09,
    [HK_COST_MUNMAP] = 1533.81,    [HK_COST_MADVISE] = 320.47,
    [HK_COST_MINCORE] = 585.84,    [HK_COST_MPROTECT] = 526.43,
    [HK_COST_MUNMAP_PAGE] = 230.71, [HK_COST_MADVISE_PAGE] = 228.72,
    [HK_COST_PAGE_FAULT] = 1199.33, [HK_COST_TLB_L2_HIT] = 1.75,
    [HK_COST_TLB_WALK] = 22.35,
}};

void hk_cost_default(hk_cost *c)
{
    *c = default_cost;
}

int hk_cost_load(hk_cost *c, const char *path, char *err, size_t errlen)
{
    cJSON *root = hk_json_load_object(path, 1 << 20, err, errlen);
    if (!root)
        return -1;
    int rc = 0;
    hk_cost next = *c;
    for (cJSON *it = root->child; it && rc == 0; it = it->next) {
        int term = -1;
        for (int t = 0; t < HK_COST_TERMS; t++)
            if (!strcmp(hk_cost_names[t], it->string))
                term = t;
        if (term < 0 && it->string[0] == '_')
            continue; /* "_comment", "_measured": notes, not costs */
        if (term < 0) {
            snprintf(err, errlen, "%s: key \"%s\": not a cost term", path,
                     it->string);
            rc = -1;
        } else if (!cJSON_IsNumber(it) || it->valuedouble < 0) {
            snprintf(err, errlen, "%s: key \"%s\": expected ns >= 0", path,
                     it->string);
            rc = -1;
        } else {
            next.ns[term] = it->valuedouble;
        }
    }
    cJSON_Delete(root);
    if (rc == 0)
        *c = next;
    return rc;
}

double hk_cost_predict(const hk_cost *c, const uint64_t counts[HK_COST_TERMS],
                       double by_term[HK_COST_TERMS])
{
    double total = 0;
    for (int t = 0; t < HK_COST_TERMS; t++) {
        double v = c->ns[t] * (double)counts[t];
        if (by_term)
            by_term[t] = v;
        total += v;
    }
    return total;
}
