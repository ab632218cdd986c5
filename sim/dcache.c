/*
 * dcache.c - the data cache hierarchy: frames, lookups down the levels,
 * fills back up, and a fault's displacement.
 *
 * Each level is an assoc.h array whose numbers are the line numbers of
 * hashed frames (dcache.h), below 2^46, all of one kind.
 */
#include "dcache.h"

#include <stdio.h>
#include <stdlib.h>

#include "assoc.h"

#define PAGE_SHIFT 12
#define LINE_SHIFT 6
#define FRAME_BITS 40
#define NO_LINE (UINT64_MAX - 1) /* no line, nor one less than a line */
#define STREAMS 16 /* sequential streams followed at once */

struct hk_dcache {
    hk_assoc lv[HK_DCACHE_LEVELS];
    uint32_t fault_lines[HK_DCACHE_LEVELS];
    uint32_t fault_path_lines;
    uint64_t last;   /* the key looked up last, or NO_LINE */
    uint64_t stream[STREAMS]; /* each stream's last key, or NO_LINE */
    unsigned stream_next;     /* the slot the next new stream takes */
    uint64_t random; /* state of the faults' slot sequence */
    uint64_t event;          /* events so far */
    uint64_t last_mem_event; /* the event of the last miss to memory */
    int storing;             /* within a run of stores (hk_dcache_stores) */
    int run_missed;          /* ... one of whose lines missed to memory */
    hk_dcache_stats stats;
};

static void forget_streams(hk_dcache *d)
{
    d->last = NO_LINE;
    for (unsigned i = 0; i < STREAMS; i++)
        d->stream[i] = NO_LINE;
}

hk_dcache *hk_dcache_create(const hk_dcache_config *c, char *err,
                            size_t errlen)
{
    if (hk_dcache_config_check(c, err, errlen) < 0)
        return NULL;
    hk_dcache *d = calloc(1, sizeof *d);
    if (!d)
        goto oom;
    forget_streams(d);
    d->random = 0x9e3779b97f4a7c15ull;
    d->event = HK_DCACHE_GAPS; /* the first miss is as far as counts go */
    d->fault_path_lines = c->fault_path_lines;
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++) {
        d->fault_lines[k] = c->fault_lines[k];
        uint64_t lines = c->bytes[k] / HK_DCACHE_LINE;
        if (hk_assoc_init(&d->lv[k], (uint32_t)lines, c->ways[k]) < 0)
            goto oom;
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
        hk_assoc_fini(&d->lv[k]);
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

/* Look key up down the levels, fill it where it missed; returns the
 * number of levels that missed it. */
static unsigned look_and_fill(hk_dcache *d, uint64_t key)
{
    unsigned k = 0;
    while (k < HK_DCACHE_LEVELS && !hk_assoc_lookup(&d->lv[k], key, 0))
        k++;
    for (unsigned j = 0; j < k; j++)
        hk_assoc_fill(&d->lv[j], key, 0);
    return k;
}

/* Moves the stream that key continues on to it and returns 1; else
 * starts a stream at key, in place of the oldest, unless one ends there. */
static int stream_step(hk_dcache *d, uint64_t key)
{
    for (unsigned i = 0; i < STREAMS; i++)
        if (d->stream[i] + 1 == key) {
            d->stream[i] = key;
            return 1;
        }
    for (unsigned i = 0; i < STREAMS; i++)
        if (d->stream[i] == key)
            return 0;
    d->stream[d->stream_next] = key;
    d->stream_next = (d->stream_next + 1) % STREAMS;
    return 0;
}

static void access_line(hk_dcache *d, uint64_t key)
{
    hk_dcache_stats *st = &d->stats;
    st->accesses++;
    if (key == d->last && d->lv[0].ways)
        return; /* L1's most recent line */
    d->last = key;
    unsigned missed = look_and_fill(d, key);
    if (stream_step(d, key) && missed) {
        st->prefetched++;
        return;
    }
    int to_memory = missed == HK_DCACHE_LEVELS;
    int overlapped = to_memory && d->run_missed;
    d->run_missed |= to_memory && d->storing;
    for (unsigned k = 0; k < missed - overlapped; k++)
        st->misses[k]++;
    if (overlapped) {
        st->store_misses++;
    } else if (to_memory) {
        uint64_t gap = d->event - d->last_mem_event;
        st->mem_gaps[gap < HK_DCACHE_GAPS ? gap : HK_DCACHE_GAPS - 1]++;
        d->last_mem_event = d->event;
    }
}

void hk_dcache_event(hk_dcache *d)
{
    d->event++;
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

void hk_dcache_stores(hk_dcache *d, int on)
{
    d->storing = on;
    d->run_missed = 0;
}

static uint64_t next_random(hk_dcache *d)
{
    d->random ^= d->random << 13;
    d->random ^= d->random >> 7;
    d->random ^= d->random << 17;
    return d->random;
}

static void displace(hk_dcache *d, hk_assoc *l, uint32_t lines)
{
    if (lines >= hk_assoc_slots(l)) {
        d->stats.fault_evictions += hk_assoc_clear(l);
        return;
    }
    for (uint32_t n = 0; n < lines; n++) {
        uint64_t r = next_random(d);
        d->stats.fault_evictions += hk_assoc_drop(l, r, r >> 32);
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
    forget_streams(d);
}

const hk_dcache_stats *hk_dcache_stats_get(const hk_dcache *d)
{
    return &d->stats;
}
