/*
 * cost.c - the calibration table and the weighted sum.
 */
#include "cost.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hk_cost_names[HK_COST_TERMS] = {
    "malloc",       "free",          "realloc",   "refill",
    "flush",        "slab",          "remote_free", "mmap",
    "munmap",       "madvise",       "mincore",   "mprotect",
    "munmap_page",  "madvise_page",  "page_fault", "tlb_l2_hit",
    "tlb_walk",
};

/* Measured on the development machine with `hakmem calibrate`; the same
 * numbers are in experiments/calibration/default.json. */
static const hk_cost default_cost = {{
    [HK_COST_MALLOC] = 0.86,       [HK_COST_FREE] = 1.85,
    [HK_COST_REALLOC] = 4.15,      [HK_COST_REFILL] = 28.71,
    [HK_COST_FLUSH] = 217.86,      [HK_COST_SLAB] = 33.07,
    [HK_COST_REMOTE_FREE] = 8.19,  [HK_COST_MMAP] = 1006.77,
    [HK_COST_MUNMAP] = 1606.74,    [HK_COST_MADVISE] = 331.72,
    [HK_COST_MINCORE] = 611.83,    [HK_COST_MPROTECT] = 551.43,
    [HK_COST_MUNMAP_PAGE] = 247.33, [HK_COST_MADVISE_PAGE] = 244.66,
    [HK_COST_PAGE_FAULT] = 1229.11, [HK_COST_TLB_L2_HIT] = 1.78,
    [HK_COST_TLB_WALK] = 28.84,
}};

void hk_cost_default(hk_cost *c)
{
    *c = default_cost;
}

int hk_cost_load(hk_cost *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char text[16384];
    size_t len = fread(text, 1, sizeof text - 1, f);
    int too_big = !feof(f);
    fclose(f);
    if (too_big) {
        snprintf(err, errlen, "%s: larger than a calibration file can be",
                 path);
        return -1;
    }
    text[len] = '\0';
    cJSON *root = cJSON_Parse(text);
    if (!root || !cJSON_IsObject(root)) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(err, errlen, "%s: byte %ld: not a JSON object", path,
                 !root && at ? (long)(at - text) : 0L);
        cJSON_Delete(root);
        return -1;
    }
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
