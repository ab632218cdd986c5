/*
 * record_map.c - the recorder's pointer -> (id, size) map: 256 shards,
 * each an open-addressing table behind its own lock.
 *
 * Invariants of a shard, under its lock:
 *  - linear probing over a power-of-two table; every entry sits in the
 *    probe run that starts at its home slot, so a lookup stops at the
 *    first empty slot (key 0: malloc never returns NULL for an object);
 *  - deletion shifts later entries of the run back (no tombstones);
 *  - the table is at most half full; it doubles, and never shrinks, so
 *    the map's memory follows the peak of live objects.
 * A shard's table is mapped on its first object.  Shards sit on cache
 * lines of their own, so threads that work on different shards do not
 * share lines.
 */
#include "record_map.h"

#include <stddef.h>
#include <sys/mman.h>

#include "record_lock.h"

#define SHARD_BITS 8
#define SHARDS (1u << SHARD_BITS)
#define MIN_BITS 8 /* 256 slots: 6 KiB */

typedef struct entry {
    uintptr_t key;
    hk_rec_obj obj;
} entry;

struct hk_rec_shard {
    hk_rec_lock lock;
    unsigned bits; /* log2 of the slots; 0 before the first object */
    size_t used;
    entry *slots;
} __attribute__((aligned(64)));

static hk_rec_shard shards[SHARDS];

/* Fibonacci hashing of the pointer without its alignment bits: the top
 * SHARD_BITS choose the shard, the bits below them the home slot. */
static uint64_t hash(uintptr_t key)
{
    return (uint64_t)(key >> 4) * 0x9e3779b97f4a7c15ull;
}

static size_t home(const hk_rec_shard *s, uintptr_t key)
{
    return (size_t)((hash(key) << SHARD_BITS) >> (64 - s->bits));
}

static size_t mask(const hk_rec_shard *s)
{
    return ((size_t)1 << s->bits) - 1;
}

static entry *map_table(unsigned bits)
{
    void *p = mmap(NULL, sizeof(entry) << bits, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The slot holding key, or the empty slot that ends its probe run. */
static entry *find(const hk_rec_shard *s, uintptr_t key)
{
    size_t i = home(s, key);

    while (s->slots[i].key != key && s->slots[i].key != 0)
        i = (i + 1) & mask(s);
    return &s->slots[i];
}

/* Moves s to a fresh table of 2^bits slots; -1 if none can be mapped. */
static int grow(hk_rec_shard *s, unsigned bits)
{
    entry *old = s->slots;
    size_t old_n = old ? mask(s) + 1 : 0;
    entry *slots = map_table(bits);

    if (!slots)
        return -1;
    s->slots = slots;
    s->bits = bits;
    for (size_t i = 0; i < old_n; i++)
        if (old[i].key != 0)
            *find(s, old[i].key) = old[i];
    if (old)
        munmap(old, sizeof(entry) * old_n);
    return 0;
}

hk_rec_shard *hk_rec_map_lock(const void *p)
{
    hk_rec_shard *s = &shards[hash((uintptr_t)p) >> (64 - SHARD_BITS)];

    hk_rec_lock_take(&s->lock);
    return s;
}

void hk_rec_map_unlock(hk_rec_shard *s)
{
    hk_rec_unlock(&s->lock);
}

int hk_rec_map_put(hk_rec_shard *s, const void *p, hk_rec_obj obj,
                   hk_rec_obj *old)
{
    uintptr_t key = (uintptr_t)p;

    if (!s->slots && grow(s, MIN_BITS) != 0)
        return -1;
    entry *e = find(s, key);
    if (e->key == key) {
        *old = e->obj;
        e->obj = obj;
        return 0;
    }
    if ((s->used + 1) * 2 > mask(s) + 1) {
        if (grow(s, s->bits + 1) != 0)
            return -1;
        e = find(s, key);
    }
    *e = (entry){ key, obj };
    s->used++;
    return 1;
}

/* Empties slot i, moving back each later entry of its run whose home is
 * not cyclically in (i, j], where j is the entry's slot. */
static void delete_at(hk_rec_shard *s, size_t i)
{
    for (size_t j = (i + 1) & mask(s); s->slots[j].key != 0;
         j = (j + 1) & mask(s)) {
        size_t h = home(s, s->slots[j].key);
        if (((j - h) & mask(s)) >= ((j - i) & mask(s))) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i].key = 0;
}

int hk_rec_map_take(hk_rec_shard *s, const void *p, hk_rec_obj *obj)
{
    uintptr_t key = (uintptr_t)p;

    if (!s->slots)
        return 0;
    entry *e = find(s, key);
    if (e->key != key)
        return 0;
    *obj = e->obj;
    delete_at(s, (size_t)(e - s->slots));
    s->used--;
    return 1;
}

void hk_rec_map_lock_all(void)
{
    for (unsigned i = 0; i < SHARDS; i++)
        hk_rec_lock_take(&shards[i].lock);
}

void hk_rec_map_unlock_all(void)
{
    for (unsigned i = 0; i < SHARDS; i++)
        hk_rec_unlock(&shards[i].lock);
}

void hk_rec_map_each(void (*fn)(void *ctx, hk_rec_obj *obj), void *ctx)
{
    for (unsigned i = 0; i < SHARDS; i++) {
        hk_rec_shard *s = &shards[i];
        for (size_t j = 0; s->slots && j <= mask(s); j++)
            if (s->slots[j].key != 0)
                fn(ctx, &s->slots[j].obj);
    }
}
