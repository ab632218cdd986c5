/*
 * trace_check.c - the semantic checks and the summary of a trace.
 *
 * `live` maps each live id to its size.  `freed` maps each id freed in
 * the last RECENT frees (and not allocated again since) to the offset of
 * its free; `ring` holds those frees oldest first, and evicting one drops
 * its id from `freed` only if that id's latest free is the one evicted.
 * Thread numbers are counted in `threads`, touched only when the thread
 * changes.
 */
#include "trace_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define RECENT 4096

typedef struct recent_free {
    uint64_t id;
    uint64_t offset;
} recent_free;

struct hk_trace_check {
    hk_trace_stats stats;
    hk_idmap *live;
    hk_idmap *freed;
    hk_idmap *threads;
    uint32_t last_thread;
    size_t ring_next; /* frees seen, the next ring slot modulo RECENT */
    recent_free ring[RECENT];
};

_Static_assert(sizeof(uintptr_t) >= sizeof(uint64_t),
               "sizes and offsets are kept in pointer-sized values");

#define TO_PTR(v) ((void *)(uintptr_t)(v))
#define FROM_PTR(p) ((uint64_t)(uintptr_t)(p))

hk_trace_check *hk_check_create(void)
{
    hk_trace_check *c = calloc(1, sizeof *c);

    if (!c)
        return NULL;
    c->live = hk_idmap_create();
    c->freed = hk_idmap_create();
    c->threads = hk_idmap_create();
    if (!c->live || !c->freed || !c->threads) {
        hk_check_destroy(c);
        return NULL;
    }
    c->stats.first_time = UINT64_MAX;
    return c;
}

void hk_check_destroy(hk_trace_check *c)
{
    if (!c)
        return;
    hk_idmap_destroy(c->live);
    hk_idmap_destroy(c->freed);
    hk_idmap_destroy(c->threads);
    free(c);
}

const hk_trace_stats *hk_check_stats(const hk_trace_check *c)
{
    return &c->stats;
}

static unsigned bucket(uint64_t size)
{
    return size == 0 ? 0 : 64 - (unsigned)__builtin_clzll(size);
}

/* Enters a free into the window.  Its id is not in `freed`: the id was
 * live, and its allocation took it out. */
static void remember_free(hk_trace_check *c, uint64_t id, uint64_t offset)
{
    recent_free *old = &c->ring[c->ring_next % RECENT];
    int found;

    if (c->ring_next >= RECENT) {
        uint64_t at = FROM_PTR(hk_idmap_get(c->freed, old->id, &found));
        if (found && at == old->offset)
            hk_idmap_remove(c->freed, old->id, &found);
    }
    *old = (recent_free){ id, offset };
    c->ring_next++;
    hk_idmap_insert(c->freed, id, TO_PTR(offset));
}

/* The complaint about an id that is not live, for a free or a realloc. */
static int not_live(hk_trace_check *c, const hk_event *ev, char *err,
                    size_t errlen)
{
    int found;
    uint64_t at = FROM_PTR(hk_idmap_get(c->freed, ev->id, &found));

    if (found && ev->kind == HK_EV_FREE)
        snprintf(err, errlen, "double free of id %" PRIu64
                 " (freed at byte %" PRIu64 ")", ev->id, at);
    else if (found)
        snprintf(err, errlen, "realloc of freed id %" PRIu64
                 " (freed at byte %" PRIu64 ")", ev->id, at);
    else
        snprintf(err, errlen, "%s of unknown id %" PRIu64,
                 hk_ev_kind_names[ev->kind], ev->id);
    return -1;
}

int hk_check_event(hk_trace_check *c, const hk_event *ev, char *err,
                   size_t errlen)
{
    hk_trace_stats *s = &c->stats;
    int found;

    if (ev->kind >= HK_EV_KINDS) {
        snprintf(err, errlen, "unknown event kind %u", ev->kind);
        return -1;
    }
    if (ev->kind == HK_EV_FREE || ev->kind == HK_EV_REALLOC) {
        uint64_t old = FROM_PTR(ev->kind == HK_EV_FREE
                                    ? hk_idmap_remove(c->live, ev->id, &found)
                                    : hk_idmap_get(c->live, ev->id, &found));
        if (!found)
            return not_live(c, ev, err, errlen);
        if (ev->kind == HK_EV_FREE) {
            remember_free(c, ev->id, ev->offset);
            s->live_objects--;
            s->live_bytes -= old;
        } else {
            hk_idmap_set(c->live, ev->id, TO_PTR(ev->size));
            s->live_bytes += ev->size - old;
        }
    } else {
        if (hk_idmap_insert(c->live, ev->id, TO_PTR(ev->size)) != 0) {
            snprintf(err, errlen, "double allocation: %s of live id %" PRIu64,
                     hk_ev_kind_names[ev->kind], ev->id);
            return -1;
        }
        hk_idmap_remove(c->freed, ev->id, &found);
        s->live_objects++;
        s->live_bytes += ev->size;
    }
    if (ev->kind != HK_EV_FREE)
        s->sizes[bucket(ev->size)]++;
    if (s->live_objects > s->peak_objects)
        s->peak_objects = s->live_objects;
    if (s->live_bytes > s->peak_bytes)
        s->peak_bytes = s->live_bytes;
    if (s->events == 0 || ev->thread != c->last_thread) {
        if (hk_idmap_insert(c->threads, ev->thread, NULL) == 0)
            s->threads++;
        c->last_thread = ev->thread;
    }
    if (ev->time_ns < s->first_time)
        s->first_time = ev->time_ns;
    if (ev->time_ns > s->last_time)
        s->last_time = ev->time_ns;
    s->by_kind[ev->kind]++;
    s->events++;
    return 0;
}
