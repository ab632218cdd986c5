/*
 * dcache.c - the data cache hierarchy: frames, lookups down the levels,
 * fills back up, and a fault's displacement.
 *
 * Each level is an array of sets kept by lru_set.h.  Keys are line
 * numbers of hashed frames (dcache.h), below 2^46, so none collides with
 * HK_LRU_SET_EMPTY.
 */
#include "dcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lru_set.h"

#define PAGE_SHIFT 12
#define LINE_SHIFT 6
#define FRAME_BITS 40
#define MAX_BYTES ((uint64_t)1 << 30)
#define MAX_WAYS 64
#define NO_LINE (HK_LRU_SET_EMPTY - 1) /* no key, nor one less than a key */

typedef struct level {
    uint64_t *keys; /* sets * ways */
    uint64_t set_mask;
    uint32_t ways; /* 0: absent */
} level;

struct hk_dcache {
    level lv[HK_DCACHE_LEVELS];
    uint32_t fault_lines[HK_DCACHE_LEVELS];
    uint32_t fault_path_lines;
    uint64_t last;   /* the key looked up last, or NO_LINE */
    uint64_t random; /* state of the faults' slot sequence */
    hk_dcache_stats stats;
};

void hk_dcache_config_default(hk_dcache_config *c)
{
    *c = (hk_dcache_config){
        .bytes = {48 << 10, 1280 << 10, 16 << 20},
        .ways = {12, 10, 16},
    };
}

/* Field k * 3 + level: bytes, ways, fault lines of each level; then the
 * fault path's lines. */
static const char *const field_names[] = {
    "l1_bytes",       "l2_bytes",       "l3_bytes",
    "l1_ways",        "l2_ways",        "l3_ways",
    "fault_l1_lines", "fault_l2_lines", "fault_l3_lines",
    "fault_path_lines",
};
#define FIELDS (sizeof field_names / sizeof field_names[0])

int hk_dcache_config_set(hk_dcache_config *c, const char *name,
                         uint64_t value)
{
    for (unsigned f = 0; f < FIELDS; f++) {
        if (strcmp(field_names[f], name))
            continue;
        unsigned k = f % HK_DCACHE_LEVELS;
        if (f == FIELDS - 1)
            c->fault_path_lines =
                value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
        else if (f < HK_DCACHE_LEVELS)
            c->bytes[k] = value;
        else if (f < 2 * HK_DCACHE_LEVELS)
            c->ways[k] = value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
        else
            c->fault_lines[k] =
                value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
        return 0;
    }
    return -1;
}

void hk_dcache_config_visit(const hk_dcache_config *c,
                            void (*fn)(void *ctx, const char *name,
                                       uint64_t v),
                            void *ctx)
{
    for (unsigned f = 0; f < FIELDS; f++) {
        unsigned k = f % HK_DCACHE_LEVELS;
        fn(ctx, field_names[f],
           f == FIELDS - 1            ? c->fault_path_lines
           : f < HK_DCACHE_LEVELS     ? c->bytes[k]
           : f < 2 * HK_DCACHE_LEVELS ? c->ways[k]
                                      : c->fault_lines[k]);
    }
}

static int is_pow2(uint64_t n)
{
    return n && !(n & (n - 1));
}

int hk_dcache_config_check(const hk_dcache_config *c, char *err,
                           size_t errlen)
{
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++) {
        uint64_t bytes = c->bytes[k], ways = c->ways[k];
        if (!bytes)
            continue;
        const char *why =
            !ways || ways > MAX_WAYS     ? "ways must be 1 to 64"
            : bytes > MAX_BYTES          ? "at most 1 GiB"
            : bytes % (ways * HK_DCACHE_LINE) ||
                    !is_pow2(bytes / (ways * HK_DCACHE_LINE))
                ? "bytes / (ways * 64) must be a power of two"
                : NULL;
        if (why) {
            snprintf(err, errlen,
                     "data cache L%u (%llu bytes, %llu ways): %s", k + 1,
                     (unsigned long long)bytes, (unsigned long long)ways,
                     why);
            return -1;
        }
    }
    return 0;
}

hk_dcache *hk_dcache_create(const hk_dcache_config *c, char *err,
                            size_t errlen)
{
    if (hk_dcache_config_check(c, err, errlen) < 0)
        return NULL;
    hk_dcache *d = calloc(1, sizeof *d);
    if (!d)
        goto oom;
    d->last = NO_LINE;
    d->random = 0x9e3779b97f4a7c15ull;
    d->fault_path_lines = c->fault_path_lines;
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++) {
        d->fault_lines[k] = c->fault_lines[k];
        if (!c->bytes[k])
            continue;
        uint64_t slots = c->bytes[k] / HK_DCACHE_LINE;
        if (!(d->lv[k].keys = malloc(slots * sizeof(uint64_t))))
            goto oom;
        hk_lru_set_clear(d->lv[k].keys, (uint32_t)slots);
        d->lv[k].set_mask = slots / c->ways[k] - 1;
        d->lv[k].ways = c->ways[k];
    }
    return d;
oom:
    hk_dcache_destroy(d);
    snprintf(err, errlen, "out of memory for the data cache model");
    return NULL;
}

void hk_dcache_destroy(hk_dcache *d)
{
    if (!d)
        return;
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++)
        free(d->lv[k].keys);
    free(d);
}

/* The page's frame: a fixed hash of its number, 40 bits wide. */
static uint64_t frame_of(uint64_t page)
{
    uint64_t x = page * 0xbf58476d1ce4e5b9ull;
    x ^= x >> 31;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 29;
    return x & (((uint64_t)1 << FRAME_BITS) - 1);
}

static uint64_t *set_of(const level *l, uint64_t key)
{
    return l->keys + (key & l->set_mask) * l->ways;
}

/* Whether the level holds key; a hit makes it the most recent. */
static int lookup(level *l, uint64_t key)
{
    if (!l->ways)
        return 0;
    uint64_t *set = set_of(l, key);
    int64_t i = hk_lru_set_find(set, l->ways, key);
    if (i < 0)
        return 0;
    hk_lru_set_promote(set, (uint32_t)i);
    return 1;
}

static void fill(level *l, uint64_t key)
{
    if (l->ways)
        hk_lru_set_insert(set_of(l, key), l->ways, key);
}

/* Look key up down the levels, fill it where it missed; returns the
 * number of levels that missed it. */
static unsigned look_and_fill(hk_dcache *d, uint64_t key)
{
    unsigned k = 0;
    while (k < HK_DCACHE_LEVELS && !lookup(&d->lv[k], key))
        k++;
    for (unsigned j = 0; j < k; j++)
        fill(&d->lv[j], key);
    return k;
}

static void access_line(hk_dcache *d, uint64_t key)
{
    hk_dcache_stats *st = &d->stats;
    st->accesses++;
    if (key == d->last && d->lv[0].ways)
        return; /* L1's most recent line */
    unsigned missed = look_and_fill(d, key);
    if (missed && key == d->last + 1) {
        st->prefetched++; /* the line after the last one: a stream's */
    } else {
        for (unsigned k = 0; k < missed; k++)
            st->misses[k]++;
    }
    d->last = key;
}

void hk_dcache_access(hk_dcache *d, uint64_t vaddr, uint64_t bytes)
{
    uint64_t line = vaddr >> LINE_SHIFT;
    uint64_t last = (vaddr + bytes - 1) >> LINE_SHIFT;
    const uint64_t per_page = (uint64_t)1 << (PAGE_SHIFT - LINE_SHIFT);
    for (;;) {
        uint64_t page = line >> (PAGE_SHIFT - LINE_SHIFT);
        uint64_t base = frame_of(page) << (PAGE_SHIFT - LINE_SHIFT);
        uint64_t end = (page + 1) * per_page - 1;
        if (end > last)
            end = last;
        for (; line <= end; line++)
            access_line(d, base | (line & (per_page - 1)));
        if (line > last)
            return;
    }
}

static uint64_t next_random(hk_dcache *d)
{
    d->random ^= d->random << 13;
    d->random ^= d->random >> 7;
    d->random ^= d->random << 17;
    return d->random;
}

static void displace(hk_dcache *d, level *l, uint32_t lines)
{
    uint64_t slots = (l->set_mask + 1) * l->ways;
    if (lines >= slots) {
        for (uint64_t i = 0; i < slots; i++)
            d->stats.fault_evictions += l->keys[i] != HK_LRU_SET_EMPTY;
        hk_lru_set_clear(l->keys, (uint32_t)slots);
        return;
    }
    for (uint32_t n = 0; n < lines; n++) {
        uint64_t r = next_random(d);
        uint64_t *set = l->keys + (r & l->set_mask) * l->ways;
        uint32_t way = (uint32_t)((r >> 32) % l->ways);
        if (set[way] == HK_LRU_SET_EMPTY)
            continue;
        d->stats.fault_evictions++;
        hk_lru_set_remove(set, l->ways, way);
    }
}

/* The fault path's lines: frames of pages at and above this number, which
 * no program address (below 2^57) reaches. */
#define FAULT_PATH_PAGE ((uint64_t)1 << 52)

void hk_dcache_fault(hk_dcache *d, uint64_t vaddr)
{
    const uint64_t per_page = (uint64_t)1 << (PAGE_SHIFT - LINE_SHIFT);
    uint64_t base = frame_of(vaddr >> PAGE_SHIFT) << (PAGE_SHIFT - LINE_SHIFT);
    for (uint64_t i = 0; i < per_page; i++)
        look_and_fill(d, base | i);
    hk_dcache_stats *st = &d->stats;
    for (uint32_t n = 0; n < d->fault_path_lines; n++) {
        uint64_t page = FAULT_PATH_PAGE + n / per_page;
        unsigned missed = look_and_fill(
            d, frame_of(page) << (PAGE_SHIFT - LINE_SHIFT) | (n % per_page));
        st->fault_accesses++;
        for (unsigned k = 0; k < missed; k++)
            st->fault_misses[k]++;
    }
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++)
        if (d->lv[k].ways && d->fault_lines[k])
            displace(d, &d->lv[k], d->fault_lines[k]);
    d->last = NO_LINE;
}

const hk_dcache_stats *hk_dcache_stats_get(const hk_dcache *d)
{
    return &d->stats;
}
