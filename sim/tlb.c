/*
 * tlb.c - the two-level data TLB: routes each access through the L1 and
 * STLB arrays of its page size, fills them, counts what happened.
 *
 * Invariants: l1[s] and l2[s] hold translations of size class s only
 * (0: 4 KiB, 1: 2 MiB), except that when the STLB is shared l2[0] holds
 * both and l2[1] is absent; the counters satisfy the identities in tlb.h
 * after every call.
 */
#include "tlb.h"

#include <stdio.h>
#include <stdlib.h>

#include "assoc.h"

struct hk_tlb {
    hk_assoc l1[2];
    hk_assoc l2[2];
    unsigned l2_split; /* 1: l2[1] holds 2 MiB; 0: l2[0] holds both */
    hk_tlb_stats stats;
    /* The translation used last, page number << 1 | huge, or ~0: a repeat
     * is an L1 hit on the set's most recent way and changes no state, so
     * it is counted without a lookup. */
    uint64_t last;
};

static const unsigned page_shift[2] = {12, 21};

static hk_assoc *stlb(hk_tlb *t, unsigned huge)
{
    return &t->l2[huge & t->l2_split];
}

hk_tlb *hk_tlb_create(const hk_tlb_config *c, char *err, size_t errlen)
{
    if (hk_tlb_config_check(c, err, errlen) != 0)
        return NULL;
    hk_tlb *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "TLB: out of memory");
        return NULL;
    }
    t->l2_split = !c->l2_shared;
    t->last = ~0ull;
    hk_tlb_level_config l2_2m = c->l2_shared ? (hk_tlb_level_config){0, 0}
                                             : c->l2_2m;
    if (hk_assoc_init(&t->l1[0], c->l1_4k.entries, c->l1_4k.ways) != 0 ||
        hk_assoc_init(&t->l1[1], c->l1_2m.entries, c->l1_2m.ways) != 0 ||
        hk_assoc_init(&t->l2[0], c->l2_4k.entries, c->l2_4k.ways) != 0 ||
        hk_assoc_init(&t->l2[1], l2_2m.entries, l2_2m.ways) != 0) {
        hk_tlb_destroy(t);
        snprintf(err, errlen, "TLB: out of memory");
        return NULL;
    }
    return t;
}

void hk_tlb_destroy(hk_tlb *t)
{
    if (!t)
        return;
    for (unsigned s = 0; s < 2; s++) {
        hk_assoc_fini(&t->l1[s]);
        hk_assoc_fini(&t->l2[s]);
    }
    free(t);
}

static void access_page(hk_tlb *t, uint64_t page, unsigned huge)
{
    hk_tlb_stats *st = &t->stats;
    st->accesses++;
    st->accesses_2m += huge;
    if ((page << 1 | huge) == t->last) {
        st->l1_hits++;
        return;
    }
    if (t->l1[huge].ways) /* an absent L1 array never hits */
        t->last = page << 1 | huge;
    if (hk_assoc_lookup(&t->l1[huge], page, huge)) {
        st->l1_hits++;
        return;
    }
    st->l1_misses++;
    hk_assoc *l2 = stlb(t, huge);
    if (hk_assoc_lookup(l2, page, huge)) {
        st->l2_hits++;
    } else {
        st->l2_misses++;
        st->l2_misses_2m += huge;
        st->evictions_l2 += hk_assoc_fill(l2, page, huge);
    }
    st->evictions_l1 += hk_assoc_fill(&t->l1[huge], page, huge);
}

void hk_tlb_access(hk_tlb *t, uint64_t vaddr, int huge)
{
    unsigned s = huge != 0;
    access_page(t, vaddr >> page_shift[s], s);
}

/* The last byte of [vaddr, vaddr + bytes), bytes > 0, clipped at 2^64 - 1. */
static uint64_t last_byte(uint64_t vaddr, uint64_t bytes)
{
    return bytes - 1 > UINT64_MAX - vaddr ? UINT64_MAX : vaddr + (bytes - 1);
}

void hk_tlb_access_range(hk_tlb *t, uint64_t vaddr, uint64_t bytes, int huge)
{
    if (bytes == 0)
        return;
    unsigned s = huge != 0;
    uint64_t last = last_byte(vaddr, bytes) >> page_shift[s];
    for (uint64_t page = vaddr >> page_shift[s];; page++) {
        access_page(t, page, s);
        if (page == last)
            return;
    }
}

void hk_tlb_invalidate(hk_tlb *t, uint64_t vaddr, uint64_t bytes)
{
    if (bytes == 0)
        return;
    uint64_t last = last_byte(vaddr, bytes);
    t->last = ~0ull;
    for (unsigned s = 0; s < 2; s++) {
        uint64_t first_page = vaddr >> page_shift[s];
        uint64_t last_page = last >> page_shift[s];
        hk_assoc_invalidate(&t->l1[s], first_page, last_page, s);
        hk_assoc_invalidate(stlb(t, s), first_page, last_page, s);
    }
}

const hk_tlb_stats *hk_tlb_stats_get(const hk_tlb *t)
{
    return &t->stats;
}
