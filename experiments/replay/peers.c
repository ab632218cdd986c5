/*
 * peers.c - the peer allocators' table.
 */
#include "experiments/replay/peers.h"

#include <string.h>

#define PEER_DIR "/usr/lib/x86_64-linux-gnu/"

const hk_peer hk_peers[] = {
    {"glibc", NULL},
    {"mimalloc", PEER_DIR "libmimalloc.so.2"},
    {"jemalloc", PEER_DIR "libjemalloc.so.2"},
    {"tcmalloc", PEER_DIR "libtcmalloc_minimal.so.4"},
};
const size_t hk_peer_count = sizeof hk_peers / sizeof hk_peers[0];
_Static_assert(sizeof hk_peers / sizeof hk_peers[0] <= HK_MAX_PEERS,
               "HK_MAX_PEERS is too small");

const hk_peer *hk_peer_find(const char *name)
{
    for (size_t i = 0; i < hk_peer_count; i++)
        if (!strcmp(hk_peers[i].name, name))
            return &hk_peers[i];
    return NULL;
}
