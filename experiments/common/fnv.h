/*
 * fnv.h - FNV-1a hashes: 64-bit (the trace checksum of traces/FORMAT.md)
 * and 128-bit (point keys, where a sweep of millions of points must not
 * collide).  Feed bytes in any number of pieces; the result depends only
 * on their concatenation.
 */
#ifndef HK_FNV_H
#define HK_FNV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HK_FNV64_OFFSET 0xcbf29ce484222325ull
#define HK_FNV64_PRIME 0x100000001b3ull

static inline uint64_t hk_fnv64(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * HK_FNV64_PRIME;
    return h;
}

typedef unsigned __int128 hk_u128;

/* Offset basis 0x6c62272e07bb014262b821756295c58d, prime 2^88 + 0x13b. */
static inline hk_u128 hk_fnv128_init(void)
{
    return (hk_u128)0x6c62272e07bb0142ull << 64 | 0x62b821756295c58dull;
}

static inline hk_u128 hk_fnv128(hk_u128 h, const void *data, size_t len)
{
    const hk_u128 prime = (hk_u128)1 << 88 | 0x13b;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * prime;
    return h;
}

/* 32 lowercase hex digits and a NUL. */
static inline void hk_fnv128_hex(hk_u128 h, char out[33])
{
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)(h >> 64),
             (unsigned long long)h);
}

#endif
