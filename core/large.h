/*
 * large.h - blocks above the largest size class, each in a span of pages
 * of its own with a header at the span's start, registered in the
 * directory of its user pointer's granule (largedir.h).  Blocks under
 * half of a packing mapping share such mappings, placed page by page.
 *
 * Freed spans go to a cache (spans.h) that serves requests of any size, so
 * that a free followed by a malloc of about the same size reuses resident
 * pages instead of faulting in fresh ones: a cached span that fits with
 * little waste is taken whole, a larger one is split (the rest stays
 * cached), and when none is large enough a smaller one is grown through
 * the seam, which keeps its pages resident.  Cached spans of one mapping
 * that touch are joined where their dirty pages stay first.  realloc
 * resizes a block where it lies: a shrink splits the tail off into the
 * cache, a growth takes the cached span after the block or grows the
 * block through the seam.
 *
 * The cache holds no more than the recent peak of large bytes in use (a
 * high-water mark that fades as use falls; at least 32 MiB), and never
 * more than large_cache.  Unused memory decays: once per purge_delay, half
 * of the bytes that have stayed unused for a whole purge_delay are purged,
 * oldest first (more when the allocator was idle for several delays), so
 * a program that keeps reusing its blocks keeps them resident and one
 * that stops gets its memory back over a few delays.  Time is read only
 * through the seam.
 */
#ifndef HK_LARGE_H
#define HK_LARGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "huge.h"
#include "largedir.h"
#include "list.h"
#include "lock.h"
#include "os.h"
#include "spans.h"
#include "stats.h"

#define HK_LARGE_HEADER 64u

struct hk_allocator;

typedef struct hk_large_hdr {
    size_t bytes;     /* the span: [header, header + bytes) */
    size_t offset;    /* user pointer - span start: the block's alignment
                       * past 64, else 64 and a color (large.c) */
    uint64_t mapping; /* which mapping the span lies in (hk_span) */
    hk_link link;     /* on the list of live large blocks */
    bool whole;       /* the span is all of its mapping (hk_span) */
    bool kept;        /* freed, and kept by a thread (keep.h) */
} hk_large_hdr;

typedef struct hk_large {
    hk_lock lock;
    hk_list live;
    hk_spans spans;
    hk_largedirs dirs;
    hk_huge huge;
    hk_large_stats stats;
} hk_large;

void hk_large_init(hk_large *l);
void hk_large_destroy(struct hk_allocator *a);

enum {
    HK_LARGE_ZERO = 1,    /* the block must read zero */
    HK_LARGE_GROWING = 2, /* realloc grows a block into it: it may grow on */
};

/* n bytes aligned to align (a power of two), as flags (HK_LARGE_*) ask. */
void *hk_large_alloc(struct hk_allocator *a, size_t n, size_t align,
                     unsigned flags);
void hk_large_free(struct hk_allocator *a, hk_large_hdr *h);

/*
 * Resize h's block to n bytes (n > the largest size class, and not a size
 * hk_large_fits keeps it at) without copying: the user pointer, moved or
 * not, holding the block's first min(n, usable) bytes; NULL when out of
 * memory, with the block intact.
 */
void *hk_large_resize(struct hk_allocator *a, hk_large_hdr *h, size_t n);

/* Whether a thread keeps h's block (keep.h), which is then free.  Only
 * that thread sets or clears it; others may read it at any time. */
static inline bool hk_large_kept(const hk_large_hdr *h)
{
    return __atomic_load_n(&h->kept, __ATOMIC_RELAXED);
}

static inline void hk_large_set_kept(hk_large_hdr *h, bool kept)
{
    __atomic_store_n(&h->kept, kept, __ATOMIC_RELAXED);
}

/* calloc's part: n bytes at user that may hold old data read zero. */
static inline void hk_large_zero(void *user, size_t n)
{
    hk_os_touch(user, n);
    memset(user, 0, n);
}

/* The span a block of n bytes at offset needs, header included; 0 when
 * n is too large for any. */
static inline size_t hk_large_need(size_t n, size_t offset)
{
    return n > SIZE_MAX / 2 - offset ? 0 : hk_os_page_up(offset + n);
}

static inline size_t hk_large_usable(const hk_large_hdr *h)
{
    return h->bytes - h->offset;
}

/* Whether h's block holds n bytes with no tail worth splitting off, so
 * that resizing it to n changes nothing: a tail is worth it when it can
 * be a span of its own and the block would lose over half of itself (a
 * block that realloc grew to twice its size keeps the room it took while
 * it fills it).  The caller owns the block, so its header holds still:
 * no lock. */
static inline bool hk_large_fits(const hk_large_hdr *h, size_t n)
{
    if (n > hk_large_usable(h))
        return false;
    size_t need = hk_os_page_up(h->offset + n);
    return h->bytes < need + HK_SPANS_MIN || need >= h->bytes / 2;
}

/* Purge every cached span now; the bytes purged. */
size_t hk_large_purge_all(struct hk_allocator *a);

/* Let unused memory decay if a purge_delay has passed since it last did;
 * the pool calls this from its slow paths, so large blocks decay while
 * the program allocates only small ones.  Never waits for the lock. */
void hk_large_decay_due(struct hk_allocator *a, uint64_t now);

#endif
