/*
 * spantable.h - where the cache of freed large spans (spans.h) keeps
 * them, and how it finds them: by age, by size and by address.
 *
 * The cache decides; the table only stores.  A span keeps its slot from
 * add to remove, and is named by its id (slot + 1; 0 names none), so a
 * table of zeroes is an empty table.  Three indexes over the slots:
 *  - age: every span, ordered by freed_at, oldest first (decay and
 *    eviction walk it from the old end);
 *  - size: spans that are not `whole`, in bins of a quarter of a power
 *    of two each, so that every span of a later bin is larger than every
 *    span of an earlier one; `whole` spans, which may grow in place
 *    however small, on a list of their own;
 *  - address: by base and by end, for the neighbours a span joins.
 * Every operation is O(1), except that add walks the age order back from
 * the newest (spans are nearly always added as the newest) and remove
 * walks two short hash chains.  Why indexes: the cache is searched under
 * the large-block lock, and a scan of every cached span took a third of
 * the instructions of four threads replacing blocks of 16 bytes to
 * 300 KB, with about a hundred spans cached.
 */
#ifndef HK_SPANTABLE_H
#define HK_SPANTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "spans.h"

/* Size bins, then the list of whole spans. */
#define HK_SPANTAB_BINS 176
#define HK_SPANTAB_WHOLE HK_SPANTAB_BINS
#define HK_SPANTAB_BUCKET_BITS 10
#define HK_SPANTAB_BUCKETS (1u << HK_SPANTAB_BUCKET_BITS)

typedef struct hk_spantab_links {
    uint16_t older, newer;        /* age; newer chains free slots too */
    uint16_t bin_prev, bin_next;  /* size bin or whole list */
    uint16_t base_next, end_next; /* hash chains */
} hk_spantab_links;

typedef struct hk_spantab {
    hk_span span[HK_SPANS_SLOTS];
    hk_spantab_links link[HK_SPANS_SLOTS];
    uint16_t oldest, newest;
    uint16_t free; /* a chain of free slots */
    uint16_t used; /* slots ever taken */
    uint16_t bin[HK_SPANTAB_BINS + 1], bin_last[HK_SPANTAB_BINS + 1];
    uint64_t bins_used[(HK_SPANTAB_BINS + 63) / 64]; /* bit b: bin b holds
                                                       some span */
    uint16_t by_base[HK_SPANTAB_BUCKETS], by_end[HK_SPANTAB_BUCKETS];
} hk_spantab;

/* The table's bytes, a multiple of the page, to map zeroed. */
size_t hk_spantab_bytes(void);

/* The span with id (which is not 0). */
static inline hk_span *hk_spantab_at(hk_spantab *t, unsigned id)
{
    return &t->span[id - 1];
}

/* Store s, which must fit (at most HK_SPANS_SLOTS spans); its id.  s
 * goes after every span not freed later than it. */
unsigned hk_spantab_add(hk_spantab *t, const hk_span *s);

/* Forget span id; its slot is free again. */
void hk_spantab_remove(hk_spantab *t, unsigned id);

/* The oldest span, and the one after id in age: 0 past the newest. */
static inline unsigned hk_spantab_oldest(const hk_spantab *t)
{
    return t->oldest;
}

static inline unsigned hk_spantab_newer(const hk_spantab *t, unsigned id)
{
    return t->link[id - 1].newer;
}

/* The bin a span of `bytes` goes to (not `whole`). */
unsigned hk_spantab_bin_of(size_t bytes);

/* The first bin from b on that holds a span; HK_SPANTAB_BINS when none
 * does (b <= HK_SPANTAB_BINS). */
unsigned hk_spantab_used_bin(const hk_spantab *t, unsigned b);

/* The first span of bin b (or HK_SPANTAB_WHOLE), and the one after id
 * in its bin: 0 past the last. */
static inline unsigned hk_spantab_bin_first(const hk_spantab *t, unsigned b)
{
    return t->bin[b];
}

static inline unsigned hk_spantab_bin_next(const hk_spantab *t, unsigned id)
{
    return t->link[id - 1].bin_next;
}

/* The span of `mapping` that starts at base, or ends at end; 0 when none
 * does. */
unsigned hk_spantab_starting_at(const hk_spantab *t, const char *base,
                                uint64_t mapping);
unsigned hk_spantab_ending_at(const hk_spantab *t, const char *end,
                              uint64_t mapping);

/* The indexes agree with each other, with the spans and with count. */
void hk_spantab_verify(const hk_spantab *t, unsigned count);

#endif
