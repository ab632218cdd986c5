/*
 * spans.c - the cache of freed large spans.
 *
 * Invariants (under the large-block lock): the table (spantable.h) holds
 * count spans, and stats.cached_bytes is the sum of their bytes, at most
 * the limit; in each span dirty <= bytes, both page multiples; a cached
 * span is registered nowhere in the ownership map.
 * next_decay is UINT64_MAX only when no cached span is dirty.  The table
 * is mapped on first use, so a program without large blocks neither
 * touches nor zeroes it.
 *
 * Why spans rather than mappings of fixed sizes: a program's large sizes
 * rarely repeat exactly, and every page of a fresh mapping costs a page
 * fault on first touch.  Splitting, joining and growing spans lets any
 * freed block serve a later request with the pages it already has.
 */
#include "spans.h"

#include <string.h>

#include "alloc.h"
#include "debug.h"
#include "os.h"
#include "spantable.h"

/* The cache may always hold this much, within large_cache. */
#define LIMIT_FLOOR ((size_t)32 << 20)
/* Delays counted at most in one decay step: an allocator idle for longer
 * still keeps 1/16 of its idle bytes resident until the next step. */
#define MAX_DECAY_STEPS 4
#define NEVER UINT64_MAX
/*
 * What serving a request costs, in bytes of pages to fault in (a fault
 * costs about what zeroing a page does), a system call counted as
 * GROW_COST, MAP_COST or PURGE_COST bytes: the cache chooses between its
 * spans, and between any of them and a new mapping, by this.  A grow in
 * place costs its call; one that moves the span's pages (mremap) costs
 * far more than its call:
 * blocks of 100 to 400 KB replaced at random ran 1.0 s with 765 grows
 * priced at 64 KiB, 0.64 s with none, the page faults the same, the
 * difference all user time spent after the moves.  At 1 MiB a span
 * grows only when that keeps more than a megabyte of its pages.
 */
#define MAP_COST ((size_t)32 << 10)
#define PURGE_COST MAP_COST
#define GROW_COST ((size_t)1 << 20)

void hk_spans_init(hk_spans *c)
{
    memset(c, 0, sizeof *c);
    atomic_store_explicit(&c->next_decay, NEVER, memory_order_relaxed);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* No more than the program recently had in use, but at least the floor,
 * so that a loop over one block always reuses it; never more than
 * large_cache. */
static size_t limit(const hk_allocator *a)
{
    size_t peak = a->large.spans.recent_peak;
    return min_size(peak > LIMIT_FLOOR ? peak : LIMIT_FLOOR,
                    a->params.large_cache);
}

size_t hk_spans_room(const hk_allocator *a)
{
    size_t most = limit(a), cached = a->large.stats.cached_bytes;
    return most > cached ? most - cached : 0;
}

/* The oldest cached span; 0 when there is none. */
static unsigned oldest(const hk_spans *c)
{
    return c->table ? hk_spantab_oldest(c->table) : 0;
}

const hk_span *hk_spans_oldest(const hk_spans *c, unsigned i)
{
    unsigned id = oldest(c);
    while (id && i--)
        id = hk_spantab_newer(c->table, id);
    return id ? hk_spantab_at(c->table, id) : NULL;
}

/* The invariants above, counted. */
static void spans_verify(hk_allocator *a)
{
    const hk_spans *c = &a->large.spans;
    size_t cached = 0, dirty = 0;
    HK_ASSERT(c->count <= HK_SPANS_SLOTS);
    if (c->table)
        hk_spantab_verify(c->table, c->count);
    for (unsigned id = oldest(c); id; id = hk_spantab_newer(c->table, id)) {
        const hk_span *s = hk_spantab_at(c->table, id);
        uintptr_t e = hk_registry_get(&a->registry, (uintptr_t)s->base);
        HK_ASSERT((uintptr_t)s->base % HK_OS_PAGE == 0);
        HK_ASSERT(s->bytes && s->bytes % HK_OS_PAGE == 0);
        HK_ASSERT(s->dirty <= s->bytes && s->dirty % HK_OS_PAGE == 0);
        HK_ASSERT(!(e & HK_REG_SS) &&
                  (!e || !hk_largedir_at(e, s->base)));
        cached += s->bytes;
        dirty += s->dirty;
    }
    HK_ASSERT(cached == a->large.stats.cached_bytes && cached <= limit(a));
    HK_ASSERT(!dirty || atomic_load_explicit(&c->next_decay,
                                             memory_order_relaxed) != NEVER);
}

/* Where a block of need bytes ends in a span of `bytes` >= need: right
 * after it when the rest can be a span of its own, else at the span's
 * end. */
static size_t end_in(size_t bytes, size_t need)
{
    return bytes >= need + HK_SPANS_MIN ? need : bytes;
}

/* How much of a span of `bytes` at base a new block of need bytes at
 * offset takes: all of it when that wastes a quarter of need at most,
 * else what end_in leaves it; 0 when it does not fit.  Dirty pages it
 * would hold for nothing are purged when it is taken (wasted()). */
static size_t fit(const char *base, size_t bytes, size_t need, size_t offset)
{
    if (bytes < need || ((uintptr_t)base & (offset - 1)))
        return 0;
    return hk_spans_takes_whole(bytes, need) ? bytes : end_in(bytes, need);
}

/* The dirty bytes past need that a block taking len bytes of s would
 * hold for nothing: none within a quarter of need, which a block may
 * keep, and none when s is of need's scale (hk_spans_scale_up): s held
 * a block of this scale, and a purge would only make the next such block
 * fault them in again (blocks of 100 to 400 KB replaced at random ran
 * five times slower so). */
static size_t wasted(const hk_span *s, size_t len, size_t need)
{
    if (s->bytes <= hk_spans_scale_up(need) ||
        len - need <= need / 4 || s->dirty <= need)
        return 0;
    return min_size(s->dirty, len) - need;
}

static void remove_span(hk_allocator *a, unsigned id)
{
    hk_spans *c = &a->large.spans;
    a->large.stats.cached_bytes -= hk_spantab_at(c->table, id)->bytes;
    hk_spantab_remove(c->table, id);
    c->count--;
}

/* Store s; there must be a free slot. */
static void insert(hk_allocator *a, hk_span s)
{
    hk_spans *c = &a->large.spans;
    hk_spantab_add(c->table, &s);
    c->count++;
    a->large.stats.cached_bytes += s.bytes;
}

static void unmap(hk_allocator *a, hk_span s)
{
    hk_os_unmap(s.base, s.bytes);
    a->large.stats.unmapped++;
}

/* Unmap s past its first `most` bytes, all of it when the head left
 * would be too small to keep. */
static void trim(hk_allocator *a, hk_span *s, size_t most)
{
    size_t keep = most & ~(size_t)(HK_OS_PAGE - 1);
    if (keep < HK_SPANS_MIN)
        keep = 0;
    unmap(a, (hk_span){.base = s->base + keep, .bytes = s->bytes - keep});
    s->bytes = keep;
    s->dirty = min_size(s->dirty, keep);
    s->whole = false;
}

static void evict_oldest(hk_allocator *a)
{
    hk_spans *c = &a->large.spans;
    unsigned id = oldest(c);
    hk_span s = *hk_spantab_at(c->table, id);
    remove_span(a, id);
    unmap(a, s);
}

static void purge_tail(hk_allocator *a, hk_span *s, size_t bytes)
{
    s->dirty -= bytes;
    hk_os_purge(s->base + s->dirty, bytes);
    a->large.stats.purged++;
    a->large.stats.purged_bytes += bytes;
}

/* Take span id, leaving all but its first len bytes cached. */
static hk_span take_head(hk_allocator *a, unsigned id, size_t len)
{
    hk_span s = *hk_spantab_at(a->large.spans.table, id);
    remove_span(a, id);
    if (len < s.bytes) {
        insert(a, (hk_span){s.base + len, s.bytes - len,
                            s.dirty > len ? s.dirty - len : 0, s.mapping,
                            s.freed_at, false, true});
        s.bytes = len;
        s.whole = false;
        s.dirty = min_size(s.dirty, len);
    }
    return s;
}

/* Whether lo and hi, which touch, lo first, can be one span whose dirty
 * pages come first: not when lo has clean pages and hi dirty ones.  A
 * span that claimed those clean pages dirty would look free of faults to
 * a block that then faults them in, while dirty pages elsewhere stay
 * unused. */
static bool joins_cleanly(const hk_span *lo, const hk_span *hi)
{
    return lo->dirty == lo->bytes || !hi->dirty;
}

/* lo and hi touch, lo first, in one mapping. */
static hk_span join(hk_span lo, hk_span hi, uint64_t freed_at)
{
    size_t dirty = hi.dirty ? lo.bytes + hi.dirty : lo.dirty;
    return (hk_span){lo.base, lo.bytes + hi.bytes, dirty, lo.mapping,
                     freed_at, false, lo.after_block};
}

/* s joined with cached span id, which touches it (below it when
 * `below`), and which leaves the cache. */
static hk_span join_cached(hk_allocator *a, unsigned id, hk_span s,
                           bool below)
{
    hk_span n = *hk_spantab_at(a->large.spans.table, id);
    remove_span(a, id);
    a->large.stats.merges++;
    /* The larger part's age: a block split from a long-idle span and
     * given back does not make all of that span young again. */
    uint64_t age = n.bytes > s.bytes ? n.freed_at : s.freed_at;
    return below ? join(n, s, age) : join(s, n, age);
}

/* The dirty bytes of a span of a mapping that asked for huge pages: a
 * touch anywhere in a 2 MiB chunk may have made all of it resident, so
 * its dirty part runs to the end of the chunk its last dirty byte lies
 * in, and a span that starts inside a chunk has a neighbour below that
 * may have touched it.  More than what holds old data, which costs a
 * calloc some zeroing; less would leave pages resident that no purge
 * returns. */
static size_t dirty_in_huge_chunks(const hk_span *s)
{
    uintptr_t base = (uintptr_t)s->base, chunk = HK_OS_HUGE_PAGE;
    uintptr_t end = base + s->dirty;
    if (s->dirty || base % chunk)
        end = (end + chunk - 1) & ~(chunk - 1);
    return end - base < s->bytes ? end - base : s->bytes;
}

void hk_spans_put(hk_allocator *a, hk_span s)
{
    hk_spans *c = &a->large.spans;
    size_t most = limit(a);
    if (!c->table &&
        (s.bytes > most ||
         !(c->table = hk_os_map(hk_spantab_bytes(), HK_OS_PAGE)))) {
        unmap(a, s);
        return;
    }
    if (!s.whole) {
        unsigned lo = hk_spantab_ending_at(c->table, s.base, s.mapping);
        if (lo && joins_cleanly(hk_spantab_at(c->table, lo), &s))
            s = join_cached(a, lo, s, true);
        unsigned hi = hk_spantab_starting_at(c->table, s.base + s.bytes,
                                             s.mapping);
        if (hi && joins_cleanly(&s, hk_spantab_at(c->table, hi)))
            s = join_cached(a, hi, s, false);
    }
    if (hk_spans_advised(s.mapping))
        s.dirty = dirty_in_huge_chunks(&s);
    if (s.bytes > most)
        trim(a, &s, most);
    if (!s.bytes)
        return;
    while (c->count == HK_SPANS_SLOTS ||
           a->large.stats.cached_bytes + s.bytes > most)
        evict_oldest(a);
    insert(a, s);
    if (s.dirty &&
        atomic_load_explicit(&c->next_decay, memory_order_relaxed) == NEVER) {
        c->last_decay = s.freed_at;
        atomic_store_explicit(&c->next_decay,
                              s.freed_at + a->params.purge_delay * 1000000ull,
                              memory_order_relaxed);
    }
    if (HK_DEBUG)
        spans_verify(a);
}

/* Grow span id to need bytes through the seam, the lock released around
 * the call; base NULL when that failed. */
static hk_span grow(hk_allocator *a, unsigned id, size_t need,
                    size_t map_align)
{
    hk_large *l = &a->large;
    hk_span s = *hk_spantab_at(l->spans.table, id);
    remove_span(a, id);
    hk_lock_release(&l->lock);
    char *p = hk_os_grow(s.base, s.bytes, need, map_align);
    hk_lock_acquire(&l->lock);
    l->stats.grows++;
    if (!p) {
        unmap(a, s);
        return (hk_span){0};
    }
    if (p != s.base) { /* moved: all of a new mapping */
        s.mapping =
            hk_spans_new_mapping(&l->spans, hk_spans_advised(s.mapping));
        s.whole = true;
    }
    s.base = p;
    s.bytes = need;
    l->stats.cache_grows++;
    return s;
}

/* What growing s to need bytes costs besides its new pages: a span that
 * is all of its mapping grows within the room the world leaves after it
 * (os.h) in place, for a call; any other growth moves its pages. */
static size_t grow_cost(const hk_span *s, size_t need)
{
    return s->whole && hk_os_grows_in_room(s->base, s->bytes, need)
               ? MAP_COST
               : GROW_COST;
}

/* A span that costs nothing, that no live block may want, and that is
 * taken whole within a thirty-second of need: another could only be a
 * little smaller, so the search, which runs under the lock, stops there. */
static bool cannot_be_beaten(const hk_span *s, size_t len, size_t need,
                             size_t cost)
{
    return cost == 0 && !s->after_block && len == s->bytes &&
           len - need <= need / 32;
}

/* Between spans that cost the same: one that no live block may want to
 * grow into, then the smallest, then the oldest. */
static bool better_tie(const hk_span *s, const hk_span *best)
{
    if (s->after_block != best->after_block)
        return !s->after_block;
    if (s->bytes != best->bytes)
        return s->bytes < best->bytes;
    return s->freed_at < best->freed_at;
}

/* The best span found so far, and what taking it costs. */
typedef struct choice {
    unsigned id; /* 0: none yet */
    size_t len, waste, cost;
} choice;

/* Weigh span id against *best for a block of need bytes at offset; true
 * when nothing can beat it. */
static bool consider(hk_spantab *t, unsigned id, size_t need, size_t offset,
                     bool growing, choice *best)
{
    const hk_span *s = hk_spantab_at(t, id);
    size_t len = fit(s->base, s->bytes, need, offset), cost, waste = 0;
    if (len) {
        waste = growing ? 0 : wasted(s, len, need);
        cost = need - min_size(s->dirty, need) + (waste ? PURGE_COST : 0);
    } else if (s->bytes < need && ((uintptr_t)s->base & (offset - 1)) == 0)
        cost = need - s->dirty + grow_cost(s, need);
    else
        return false;
    if (cost < best->cost ||
        (cost == best->cost && best->id &&
         better_tie(s, hk_spantab_at(t, best->id)))) {
        *best = (choice){id, len, waste, cost};
        return cannot_be_beaten(s, len, need, cost);
    }
    return false;
}

/*
 * The cheapest span into *best.  Whole spans first, which may grow in
 * place from any size; then the bins by size, from the least size that
 * can serve: need, or a span too small that is worth growing through the
 * seam, which needs more than GROW_COST - MAP_COST of dirty pages to
 * cost less than a new mapping.  The search ends with the bin in which a
 * span that costs nothing and that no live block may want was found:
 * any later span is larger, so it could only cost as much, and lose.
 */
static void search(hk_spantab *t, size_t need, size_t offset, bool growing,
                   choice *best)
{
    for (unsigned id = hk_spantab_bin_first(t, HK_SPANTAB_WHOLE); id;
         id = hk_spantab_bin_next(t, id))
        if (consider(t, id, need, offset, growing, best))
            return;
    size_t least = min_size(need, GROW_COST - MAP_COST);
    for (unsigned b = hk_spantab_used_bin(t, hk_spantab_bin_of(least));
         b < HK_SPANTAB_BINS; b = hk_spantab_used_bin(t, b + 1)) {
        for (unsigned id = hk_spantab_bin_first(t, b); id;
             id = hk_spantab_bin_next(t, id))
            if (consider(t, id, need, offset, growing, best))
                return;
        if (best->id && best->cost == 0 &&
            !hk_spantab_at(t, best->id)->after_block)
            return;
    }
}

hk_span hk_spans_take(hk_allocator *a, size_t need, size_t offset,
                      size_t map_align, bool growing)
{
    hk_spans *c = &a->large.spans;
    choice best = {0, 0, 0, need + MAP_COST};
    if (c->table)
        search(c->table, need, offset, growing, &best);
    if (!best.id)
        return (hk_span){0};
    if (!best.len)
        return grow(a, best.id, need, map_align);
    if (best.len < hk_spantab_at(c->table, best.id)->bytes)
        a->large.stats.cache_splits++;
    else
        a->large.stats.cache_hits++;
    hk_span s = take_head(a, best.id, best.len);
    if (best.waste)
        purge_tail(a, &s, best.waste);
    if (HK_DEBUG)
        spans_verify(a);
    return s;
}

size_t hk_spans_extend(hk_allocator *a, char *base, size_t bytes,
                       uint64_t mapping, size_t need)
{
    hk_spans *c = &a->large.spans;
    unsigned id = c->table ? hk_spantab_starting_at(c->table, base + bytes,
                                                    mapping)
                           : 0;
    if (!id)
        return 0;
    size_t most = bytes + hk_spantab_at(c->table, id)->bytes;
    if (most < need)
        return 0;
    size_t want = need > 2 * bytes ? need : 2 * bytes;
    size_t len = end_in(most, min_size(want, most));
    take_head(a, id, len - bytes);
    return len;
}

/*
 * One decay step: the recent peak forgets an eighth of its lead over the
 * most bytes in use since the last step (not over those in use now: a
 * program whose use swings from nothing to its peak and back within a
 * delay would lose an eighth of its cache whenever a step fell between
 * two swings, and fault it in again on the next); of the dirty bytes
 * unused for a purge_delay, 1 - 2^-k are purged, oldest first, from the
 * ends of their spans, k the delays since the last step (at most
 * MAX_DECAY_STEPS; all of them when purge_delay is 0); then the cache is
 * cut to its limit.
 */
static void decay(hk_allocator *a, uint64_t now)
{
    hk_spans *c = &a->large.spans;
    uint64_t delay = a->params.purge_delay * 1000000ull;
    uint64_t steps = delay ? (now - c->last_decay) / delay : 0;
    c->last_decay = now;
    c->recent_peak -= (c->recent_peak - c->step_peak) / 8;
    c->step_peak = a->large.stats.live_bytes;

    size_t idle = 0;
    unsigned young = oldest(c); /* the first span freed within the delay */
    for (; young && hk_spantab_at(c->table, young)->freed_at + delay <= now;
         young = hk_spantab_newer(c->table, young))
        idle += hk_spantab_at(c->table, young)->dirty;
    size_t keep = delay ? idle >> min_size(steps, MAX_DECAY_STEPS) : 0;
    size_t purge = hk_os_page_up(idle - keep);
    for (unsigned id = oldest(c); purge && id != young;
         id = hk_spantab_newer(c->table, id)) {
        hk_span *s = hk_spantab_at(c->table, id);
        size_t bytes = min_size(purge, s->dirty);
        if (bytes) {
            purge_tail(a, s, bytes);
            purge -= bytes;
        }
    }
    size_t most = limit(a);
    while (a->large.stats.cached_bytes > most)
        evict_oldest(a);

    uint64_t next = NEVER;
    for (unsigned id = oldest(c); id && next == NEVER;
         id = hk_spantab_newer(c->table, id))
        if (hk_spantab_at(c->table, id)->dirty)
            next = now + delay;
    atomic_store_explicit(&c->next_decay, next, memory_order_relaxed);
    if (HK_DEBUG)
        spans_verify(a);
}

/* Every cached span counts as freed at `now`, and the next step is a
 * delay away. */
static void restart_idle(hk_allocator *a, uint64_t now)
{
    hk_spans *c = &a->large.spans;
    for (unsigned id = oldest(c); id; id = hk_spantab_newer(c->table, id)) {
        hk_span *s = hk_spantab_at(c->table, id);
        if (s->freed_at < now)
            s->freed_at = now;
    }
    c->last_decay = now;
    atomic_store_explicit(&c->next_decay,
                          now + a->params.purge_delay * 1000000ull,
                          memory_order_relaxed);
}

void hk_spans_decay_if_due(hk_allocator *a, uint64_t prev, uint64_t now)
{
    hk_spans *c = &a->large.spans;
    if (now < atomic_load_explicit(&c->next_decay, memory_order_relaxed))
        return;
    if (hk_pause_ended(&c->pause, prev, now,
                       a->params.purge_delay * 1000000ull))
        restart_idle(a, now);
    else
        decay(a, now);
}

size_t hk_spans_purge_all(hk_allocator *a)
{
    hk_spans *c = &a->large.spans;
    size_t purged = 0;
    for (unsigned id = oldest(c); id; id = hk_spantab_newer(c->table, id)) {
        hk_span *s = hk_spantab_at(c->table, id);
        if (s->dirty) {
            purged += s->dirty;
            purge_tail(a, s, s->dirty);
        }
    }
    atomic_store_explicit(&c->next_decay, NEVER, memory_order_relaxed);
    return purged;
}

void hk_spans_destroy(hk_allocator *a)
{
    hk_spans *c = &a->large.spans;
    while (c->count)
        evict_oldest(a);
    if (c->table)
        hk_os_unmap(c->table, hk_spantab_bytes());
    c->table = NULL;
}
