/*
 * idmap.c - the live-object table: an open-addressing hash map from
 * 64-bit ids to pointers.
 *
 * Linear probing over a power-of-two array of slots.  Invariants:
 *  - every entry sits in the probe run that starts at its home slot (no
 *    empty slot between the two), so a lookup stops at the first empty
 *    slot;
 *  - deletion keeps that by shifting later entries of the run back (no
 *    tombstones), so churn never slows lookups down;
 *  - the table is at most half full, which keeps probe runs short, and,
 *    above its minimum size, at least 1/16 full: it doubles and halves,
 *    so memory follows the number of live ids, not how many ever lived.
 *    hk_idmap_reserve() raises the minimum, for a user that knows its
 *    peak and wants no resizing on the way.
 * The id EMPTY marks an empty slot; an entry with that id is kept beside
 * the table.  Running out of memory while resizing aborts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "trace.h"

#define EMPTY UINT64_MAX
#define MIN_SLOTS 16

typedef struct slot {
    uint64_t id;
    void *value;
} slot;

struct hk_idmap {
    slot *slots;
    size_t mask;    /* slots - 1 */
    unsigned shift; /* 64 - log2(slots) */
    size_t used;    /* entries in slots */
    size_t least;   /* slots it never shrinks below */
    int has_empty;  /* the entry with id EMPTY is live */
    void *empty_value;
};

/* Fibonacci hashing: the top bits of id * 2^64/phi, so consecutive ids
 * land far apart.  Folding the high half in first keeps ids that differ
 * only there from sharing a home. */
static size_t home(const hk_idmap *m, uint64_t id)
{
    return (size_t)(((id ^ (id >> 32)) * 0x9e3779b97f4a7c15ull) >> m->shift);
}

/* Gives m an empty table of n slots, n a power of two; returns the old. */
static slot *new_table(hk_idmap *m, size_t n)
{
    slot *old = m->slots;

    m->slots = malloc(n * sizeof *m->slots);
    if (!m->slots) {
        fprintf(stderr, "hk_idmap: out of memory for %zu slots\n", n);
        abort();
    }
    for (size_t i = 0; i < n; i++)
        m->slots[i].id = EMPTY;
    m->mask = n - 1;
    m->shift = 64 - (unsigned)__builtin_ctzll(n);
    return old;
}

static void resize(hk_idmap *m, size_t n)
{
    size_t old_n = m->mask + 1;
    slot *old = new_table(m, n);

    for (size_t i = 0; i < old_n; i++) {
        if (old[i].id == EMPTY)
            continue;
        size_t j = home(m, old[i].id);
        while (m->slots[j].id != EMPTY)
            j = (j + 1) & m->mask;
        m->slots[j] = old[i];
    }
    free(old);
}

/* The slot holding id, or the empty slot that ends its probe run. */
static slot *find(const hk_idmap *m, uint64_t id)
{
    size_t i = home(m, id);

    while (m->slots[i].id != id && m->slots[i].id != EMPTY)
        i = (i + 1) & m->mask;
    return &m->slots[i];
}

hk_idmap *hk_idmap_create(void)
{
    hk_idmap *m = calloc(1, sizeof *m);

    if (m) {
        new_table(m, MIN_SLOTS);
        m->least = MIN_SLOTS;
    }
    return m;
}

void hk_idmap_reserve(hk_idmap *m, size_t n)
{
    size_t slots = MIN_SLOTS;
    while (slots / 2 < n)
        slots *= 2;
    if (slots > m->mask + 1)
        resize(m, slots);
    if (slots > m->least)
        m->least = slots;
}

void hk_idmap_destroy(hk_idmap *m)
{
    if (m) {
        free(m->slots);
        free(m);
    }
}

int hk_idmap_insert(hk_idmap *m, uint64_t id, void *value)
{
    if (id == EMPTY) {
        if (m->has_empty)
            return -1;
        m->has_empty = 1;
        m->empty_value = value;
        return 0;
    }
    slot *s = find(m, id);
    if (s->id == id)
        return -1;
    if ((m->used + 1) * 2 > m->mask + 1) {
        resize(m, (m->mask + 1) * 2);
        s = find(m, id);
    }
    s->id = id;
    s->value = value;
    m->used++;
    return 0;
}

size_t hk_idmap_slot(const hk_idmap *m, uint64_t id)
{
    return id == EMPTY ? 0 : (size_t)(find(m, id) - m->slots);
}

void *hk_idmap_get(const hk_idmap *m, uint64_t id, int *found)
{
    if (id == EMPTY) {
        *found = m->has_empty;
        return m->has_empty ? m->empty_value : NULL;
    }
    const slot *s = find(m, id);
    *found = s->id == id;
    return *found ? s->value : NULL;
}

/* Sets the value of id, making it live if it is not. */
void hk_idmap_set(hk_idmap *m, uint64_t id, void *value)
{
    if (id == EMPTY && m->has_empty) {
        m->empty_value = value;
        return;
    }
    if (id != EMPTY) {
        slot *s = find(m, id);
        if (s->id == id) {
            s->value = value;
            return;
        }
    }
    hk_idmap_insert(m, id, value);
}

/* Empties slot i, moving back each later entry of its run whose home is
 * not cyclically in (i, j], where j is the entry's slot. */
static void delete_at(hk_idmap *m, size_t i)
{
    for (size_t j = (i + 1) & m->mask; m->slots[j].id != EMPTY;
         j = (j + 1) & m->mask) {
        size_t h = home(m, m->slots[j].id);
        if (((j - h) & m->mask) >= ((j - i) & m->mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].id = EMPTY;
}

void *hk_idmap_remove(hk_idmap *m, uint64_t id, int *found)
{
    void *value;

    if (id == EMPTY) {
        *found = m->has_empty;
        value = m->has_empty ? m->empty_value : NULL;
        m->has_empty = 0;
        return value;
    }
    slot *s = find(m, id);
    *found = s->id == id;
    if (!*found)
        return NULL;
    value = s->value;
    delete_at(m, (size_t)(s - m->slots));
    m->used--;
    if (m->mask + 1 > m->least && m->used * 16 < m->mask + 1)
        resize(m, (m->mask + 1) / 2);
    return value;
}

size_t hk_idmap_count(const hk_idmap *m)
{
    return m->used + (size_t)m->has_empty;
}

size_t hk_idmap_slots(const hk_idmap *m)
{
    return m->mask + 1;
}

/* fn must not change the map. */
void hk_idmap_each(const hk_idmap *m,
                   void (*fn)(void *ctx, uint64_t id, void *value), void *ctx)
{
    for (size_t i = 0; i <= m->mask; i++)
        if (m->slots[i].id != EMPTY)
            fn(ctx, m->slots[i].id, m->slots[i].value);
    if (m->has_empty)
        fn(ctx, EMPTY, m->empty_value);
}
