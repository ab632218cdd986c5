/*
 * spantable.c - the slots of the cache of freed large spans and their
 * three indexes (see spantable.h).
 *
 * Invariants: the age list and the bins (with the whole list) each hold
 * every stored span once, the age list by freed_at; a span is in the bin
 * of its bytes, or on the whole list when it is whole; each span is on
 * the chain of the bucket of its base in by_base and of its end in
 * by_end.  Free slots are chained through `newer`, or lie past `used`.
 */
#include "spantable.h"

#include "debug.h"
#include "os.h"
#include "sizeclass.h"

_Static_assert(HK_SPANS_SLOTS < UINT16_MAX, "ids must fit 16 bits");

size_t hk_spantab_bytes(void)
{
    return hk_os_page_up(sizeof(hk_spantab));
}

static hk_spantab_links *link_of(hk_spantab *t, unsigned id)
{
    return &t->link[id - 1];
}

static const hk_spantab_links *link_of_c(const hk_spantab *t, unsigned id)
{
    return &t->link[id - 1];
}

static const hk_span *span_of_c(const hk_spantab *t, unsigned id)
{
    return &t->span[id - 1];
}

unsigned hk_spantab_bin_of(size_t bytes)
{
    unsigned k = HK_TOP_BIT(bytes);
    unsigned b = (k - 12) * 4 + (unsigned)((bytes >> (k - 2)) & 3);
    return b < HK_SPANTAB_BINS ? b : HK_SPANTAB_BINS - 1;
}

unsigned hk_spantab_used_bin(const hk_spantab *t, unsigned b)
{
    unsigned w = b / 64;
    uint64_t bits = t->bins_used[w] & (~(uint64_t)0 << (b % 64));
    while (!bits) {
        if (++w == sizeof t->bins_used / sizeof t->bins_used[0])
            return HK_SPANTAB_BINS;
        bits = t->bins_used[w];
    }
    return w * 64 + (unsigned)__builtin_ctzll(bits);
}

static unsigned bin_for(const hk_span *s)
{
    return s->whole ? HK_SPANTAB_WHOLE : hk_spantab_bin_of(s->bytes);
}

static unsigned bucket(const char *p)
{
    return (unsigned)((((uintptr_t)p >> 12) * 0x9e3779b97f4a7c15ull) >>
                      (64 - HK_SPANTAB_BUCKET_BITS));
}

static void age_insert(hk_spantab *t, unsigned id)
{
    uint64_t at = hk_spantab_at(t, id)->freed_at;
    unsigned older = t->newest;
    while (older && hk_spantab_at(t, older)->freed_at > at)
        older = link_of(t, older)->older;
    unsigned newer = older ? link_of(t, older)->newer : t->oldest;
    link_of(t, id)->older = (uint16_t)older;
    link_of(t, id)->newer = (uint16_t)newer;
    if (older)
        link_of(t, older)->newer = (uint16_t)id;
    else
        t->oldest = (uint16_t)id;
    if (newer)
        link_of(t, newer)->older = (uint16_t)id;
    else
        t->newest = (uint16_t)id;
}

static void age_remove(hk_spantab *t, unsigned id)
{
    hk_spantab_links *l = link_of(t, id);
    if (l->older)
        link_of(t, l->older)->newer = l->newer;
    else
        t->oldest = l->newer;
    if (l->newer)
        link_of(t, l->newer)->older = l->older;
    else
        t->newest = l->older;
}

/* At the end of its bin: a bin lists its spans in the order they came,
 * which is mostly their age, so that of spans alike the search finds the
 * oldest first. */
static void bin_insert(hk_spantab *t, unsigned id)
{
    unsigned b = bin_for(hk_spantab_at(t, id));
    hk_spantab_links *l = link_of(t, id);
    l->bin_prev = t->bin_last[b];
    l->bin_next = 0;
    if (t->bin_last[b])
        link_of(t, t->bin_last[b])->bin_next = (uint16_t)id;
    else
        t->bin[b] = (uint16_t)id;
    t->bin_last[b] = (uint16_t)id;
    if (b < HK_SPANTAB_BINS)
        t->bins_used[b / 64] |= (uint64_t)1 << (b % 64);
}

static void bin_remove(hk_spantab *t, unsigned id)
{
    unsigned b = bin_for(hk_spantab_at(t, id));
    hk_spantab_links *l = link_of(t, id);
    if (l->bin_prev)
        link_of(t, l->bin_prev)->bin_next = l->bin_next;
    else
        t->bin[b] = l->bin_next;
    if (l->bin_next)
        link_of(t, l->bin_next)->bin_prev = l->bin_prev;
    else
        t->bin_last[b] = l->bin_prev;
    if (!t->bin[b] && b < HK_SPANTAB_BINS)
        t->bins_used[b / 64] &= ~((uint64_t)1 << (b % 64));
}

static void hash_insert(hk_spantab *t, unsigned id)
{
    const hk_span *s = hk_spantab_at(t, id);
    hk_spantab_links *l = link_of(t, id);
    uint16_t *base = &t->by_base[bucket(s->base)];
    uint16_t *end = &t->by_end[bucket(s->base + s->bytes)];
    l->base_next = *base;
    *base = (uint16_t)id;
    l->end_next = *end;
    *end = (uint16_t)id;
}

static void hash_remove(hk_spantab *t, unsigned id)
{
    const hk_span *s = hk_spantab_at(t, id);
    uint16_t *at = &t->by_base[bucket(s->base)];
    while (*at != id)
        at = &link_of(t, *at)->base_next;
    *at = link_of(t, id)->base_next;
    at = &t->by_end[bucket(s->base + s->bytes)];
    while (*at != id)
        at = &link_of(t, *at)->end_next;
    *at = link_of(t, id)->end_next;
}

unsigned hk_spantab_add(hk_spantab *t, const hk_span *s)
{
    unsigned id = t->free;
    if (id)
        t->free = link_of(t, id)->newer;
    else
        id = ++t->used;
    HK_ASSERT(id <= HK_SPANS_SLOTS);
    *hk_spantab_at(t, id) = *s;
    age_insert(t, id);
    bin_insert(t, id);
    hash_insert(t, id);
    return id;
}

void hk_spantab_remove(hk_spantab *t, unsigned id)
{
    age_remove(t, id);
    bin_remove(t, id);
    hash_remove(t, id);
    link_of(t, id)->newer = t->free;
    t->free = (uint16_t)id;
}

unsigned hk_spantab_starting_at(const hk_spantab *t, const char *base,
                                uint64_t mapping)
{
    unsigned id = t->by_base[bucket(base)];
    while (id && (span_of_c(t, id)->base != base ||
                  span_of_c(t, id)->mapping != mapping))
        id = link_of_c(t, id)->base_next;
    return id;
}

unsigned hk_spantab_ending_at(const hk_spantab *t, const char *end,
                              uint64_t mapping)
{
    unsigned id = t->by_end[bucket(end)];
    while (id && (span_of_c(t, id)->base + span_of_c(t, id)->bytes != end ||
                  span_of_c(t, id)->mapping != mapping))
        id = link_of_c(t, id)->end_next;
    return id;
}

void hk_spantab_verify(const hk_spantab *t, unsigned count)
{
    unsigned aged = 0, binned = 0;
    uint64_t last = 0;
    for (unsigned id = t->oldest; id; id = link_of_c(t, id)->newer) {
        const hk_span *s = span_of_c(t, id);
        HK_ASSERT(s->freed_at >= last);
        last = s->freed_at;
        /* Spans of one mapping do not overlap: base and end name one. */
        HK_ASSERT(hk_spantab_starting_at(t, s->base, s->mapping) == id);
        HK_ASSERT(hk_spantab_ending_at(t, s->base + s->bytes, s->mapping) ==
                  id);
        aged++;
    }
    for (unsigned b = 0; b <= HK_SPANTAB_WHOLE; b++) {
        HK_ASSERT(b == HK_SPANTAB_WHOLE ||
                  !t->bin[b] == !(t->bins_used[b / 64] >> (b % 64) & 1));
        for (unsigned id = t->bin[b]; id; id = link_of_c(t, id)->bin_next) {
            HK_ASSERT(bin_for(span_of_c(t, id)) == b);
            binned++;
        }
    }
    HK_ASSERT(aged == count && binned == count);
}
