/*
 * spans.h - the cache of freed large spans (see large.h for the policy).
 *
 * A span is a run of pages that held a large block.  The cache serves a
 * request from the span that leaves the fewest pages to fault in: one
 * that fits with little waste, taken whole or split, or a smaller one,
 * grown through the seam; spans of one mapping that touch are joined
 * where their dirty pages stay first (a span's dirty pages are a
 * prefix).  It holds no more than the recent peak of large bytes in use
 * (within large_cache) and lets unused bytes decay.  Every function here
 * is called with the large-block lock held.
 */
#ifndef HK_SPANS_H
#define HK_SPANS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pause.h"
#include "registry.h"

/* Spans cached at most: a burst of 1,600 blocks of 200 KB, each its own
 * mapping, freed together, must fit (1024 evicted a third of them, which
 * the next burst mapped and faulted in again).  With its indexes
 * (spantable.h) the table of 3072 takes 192 KiB, as one of 4096 bare
 * spans did: the real backend still serves it from its reserve, with no
 * system call (os.h). */
#define HK_SPANS_SLOTS 3072
/* A piece smaller than this is not worth a span of its own: no large
 * block fits in it.  Four threads replacing blocks of 16 bytes to 300 KB
 * peaked at 189.8 MiB with it, at 198.9 MiB with 256 KiB (medians of 10
 * alternating runs). */
#define HK_SPANS_MIN ((size_t)128 << 10)

struct hk_allocator;

/*
 * A cached span.  Spans with the same `mapping` lie in one region that one
 * hk_os_map or hk_os_grow call made, so two of them that touch are one
 * range to the kernel and can be grown as one.  [base, base + dirty) may
 * hold old data and be resident; the rest reads zero and is not resident
 * (in a mapping that asked for huge pages, dirty runs on to the end of a
 * 2 MiB chunk, as a touch makes all of it resident).
 * A span that is `whole`, all of its mapping, has no neighbour to join.
 * One `after_block` was cut off the end of a block still live then: a
 * block placed there would keep that one from growing in place.
 */
typedef struct hk_span {
    char *base;
    size_t bytes;
    size_t dirty;
    uint64_t mapping;
    uint64_t freed_at;
    bool whole;
    bool after_block;
} hk_span;

typedef struct hk_spans {
    struct hk_spantab *table; /* spantable.h; mapped on first use */
    unsigned count;           /* spans it holds */
    size_t recent_peak; /* large bytes in use: a high-water mark that fades */
    size_t step_peak;   /* ... and the most of them since the last decay step */
    uint64_t mappings;  /* mapping ids handed out */
    uint64_t last_decay;
    _Atomic uint64_t next_decay; /* UINT64_MAX while nothing can decay */
    hk_pause pause;              /* large paths and ticks (pause.h) */
} hk_spans;

void hk_spans_init(hk_spans *c);
/* The i-th oldest cached span, NULL past the newest (for tests). */
const hk_span *hk_spans_oldest(const hk_spans *c, unsigned i);
/* Unmap every cached span and the table. */
void hk_spans_destroy(struct hk_allocator *a);

/* A new mapping id, for a span that hk_os_map or hk_os_grow just moved;
 * its lowest bit says whether the mapping asked for huge pages. */
static inline uint64_t hk_spans_new_mapping(hk_spans *c, bool advised)
{
    return ++c->mappings << 1 | advised;
}

static inline bool hk_spans_advised(uint64_t mapping)
{
    return mapping & 1;
}

/* Large bytes in use went up to `live`. */
static inline void hk_spans_saw_live(hk_spans *c, size_t live)
{
    if (live > c->step_peak)
        c->step_peak = live;
    if (live > c->recent_peak)
        c->recent_peak = live;
}

/* Sizes of one scale, as far as the cache is concerned, round up to the
 * same multiple of this: a block that grows takes room up to the next
 * multiple, and a block is not made to purge a span of its own scale. */
#define HK_SPANS_SCALE ((size_t)1 << 20)

static inline size_t hk_spans_scale_up(size_t n)
{
    return (n + HK_SPANS_SCALE - 1) & ~(HK_SPANS_SCALE - 1);
}

/* Whether a block of need bytes takes a span of `bytes` >= need whole:
 * when that wastes a quarter of need at most. */
static inline bool hk_spans_takes_whole(size_t bytes, size_t need)
{
    return bytes - need <= need / 4;
}

/*
 * A span of need bytes whose base + offset is aligned to offset, for a
 * new block: from the cache, grown through the seam (with map_align, the
 * lock released around the call) when that is cheapest; base NULL when a
 * new mapping costs less or the cache has nothing.  A block that is
 * `growing` keeps the dirty pages of the span it takes, as it will soon
 * fill them; another may have those past what it needs purged.
 */
hk_span hk_spans_take(struct hk_allocator *a, size_t need, size_t offset,
                      size_t map_align, bool growing);

/*
 * Grow the block [base, base + bytes) of `mapping` in place into the
 * cached span right after it, to need bytes or twice its bytes, whichever
 * is more, dirty pages and all, as a growing block soon fills them: its
 * new length, or 0 when no cached span there serves.  No system call.
 */
size_t hk_spans_extend(struct hk_allocator *a, char *base, size_t bytes,
                       uint64_t mapping, size_t need);

/* Bytes the cache can take before it must evict. */
size_t hk_spans_room(const struct hk_allocator *a);

/* Cache a freed span; the oldest make room, and one larger than the
 * limit loses its tail past it (all of it when the rest is too small). */
void hk_spans_put(struct hk_allocator *a, hk_span s);

/* A decay step, when a purge_delay has passed since the last, unless the
 * program is back from a pause (the activity before this one was at
 * `prev`): then idle time starts again. */
void hk_spans_decay_if_due(struct hk_allocator *a, uint64_t prev,
                           uint64_t now);

/* Purge every cached span now; the bytes purged. */
size_t hk_spans_purge_all(struct hk_allocator *a);

#endif
