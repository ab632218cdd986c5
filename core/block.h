/*
 * block.h - what the allocator keeps inside a free small block.
 *
 * Word 0 is the next pointer while the block is on one of its slab's
 * lists (local or remote).  Word 1 holds HK_FREE_MARK from the moment the
 * slab carves the block or the program frees it until malloc hands it out
 * again, wherever it waits meanwhile (a front cache, a slab list, the
 * quarantine of blocks realloc moved away from); malloc sets it to zero.
 * Every block is at least 16 bytes, so both words lie inside it.
 *
 * The mark is how free() notices a double free wherever the first copy
 * sits, for one compare: a block being freed that already carries the
 * mark is suspect.  A live block can carry it only if the program wrote
 * that value there, so a suspect is confirmed by finding the block among
 * the free ones before the program is stopped; a program that stores the
 * value by chance is slowed on that free, never stopped.  The value fits
 * a sign-extended 32-bit immediate, so checking and setting it take no
 * register and no load.
 */
#ifndef HK_BLOCK_H
#define HK_BLOCK_H

#include <stdint.h>

#include "os.h"

#define HK_FREE_MARK ((uint64_t)(int64_t)(int32_t)0xf7eeb10cu)
#define HK_BLOCK_MARK_END (2 * sizeof(uint64_t)) /* offset past the mark */

static inline uint64_t *hk_block_mark(void *p)
{
    hk_os_touch((uint64_t *)p + 1, sizeof(uint64_t));
    return (uint64_t *)p + 1;
}

static inline int hk_block_is_marked(void *p)
{
    return *hk_block_mark(p) == HK_FREE_MARK;
}

/* p is free from now on: carved, or freed by the program. */
static inline void hk_block_set_free(void *p)
{
    *hk_block_mark(p) = HK_FREE_MARK;
}

/* p leaves for the program: it is no longer free. */
static inline void *hk_block_hand_out(void *p)
{
    *hk_block_mark(p) = 0;
    return p;
}

#endif
