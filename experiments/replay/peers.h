/*
 * peers.h - the allocators hakmem is compared with, and where Debian's
 * packages put them (libmimalloc-dev, libjemalloc-dev,
 * libgoogle-perftools-dev); each runs under LD_PRELOAD.
 */
#ifndef HK_PEERS_H
#define HK_PEERS_H

#include <stddef.h>

typedef struct hk_peer {
    const char *name;
    const char *library; /* for LD_PRELOAD; NULL: the C library's own */
} hk_peer;

#define HK_MAX_PEERS 8

extern const hk_peer hk_peers[];
extern const size_t hk_peer_count;

/* The peer called name, or NULL (hakmem itself is not a peer). */
const hk_peer *hk_peer_find(const char *name);

#endif
