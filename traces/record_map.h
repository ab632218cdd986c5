/*
 * record_map.h - the recorder's live objects: the id and size each
 * pointer the program holds was recorded with (private to the recorder).
 *
 * The map is split into shards by a hash of the pointer, each behind its
 * own lock.  A caller locks the shard of a pointer, adds, takes or looks
 * under that lock (and takes the event's sequence number there, so that
 * the events of one pointer are numbered in the order they happened), and
 * unlocks.  Memory comes from mmap, never from malloc: the map lives
 * inside the malloc the program calls.
 */
#ifndef HK_RECORD_MAP_H
#define HK_RECORD_MAP_H

#include <stdint.h>

typedef struct hk_rec_shard hk_rec_shard;

typedef struct hk_rec_obj {
    uint64_t id;
    uint64_t size;
} hk_rec_obj;

hk_rec_shard *hk_rec_map_lock(const void *p);
void hk_rec_map_unlock(hk_rec_shard *s);

/* Adds p (not NULL) to its locked shard s.  1: added; 0: p was in the
 * map already, *old is what it held and obj replaces it; -1: no memory
 * for a larger table, nothing changed. */
int hk_rec_map_put(hk_rec_shard *s, const void *p, hk_rec_obj obj,
                   hk_rec_obj *old);

/* Removes p from its locked shard s: 1 with *obj filled, or 0 if p is
 * not in the map. */
int hk_rec_map_take(hk_rec_shard *s, const void *p, hk_rec_obj *obj);

/* Around fork: the parent takes every shard's lock before and releases
 * them after, in the parent and in the child. */
void hk_rec_map_lock_all(void);
void hk_rec_map_unlock_all(void);

/* Calls fn on every object; fn may change obj->id and obj->size.  The
 * caller holds every lock, or is the only thread. */
void hk_rec_map_each(void (*fn)(void *ctx, hk_rec_obj *obj), void *ctx);

#endif
