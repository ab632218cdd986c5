/*
 * sizeclass.h - the small-object size classes.
 *
 * Classes 0..7 step by 16 bytes up to 128; above that each power of two
 * is split in four (160, 192, 224, 256, 320, ...), ending at 128 KiB.
 * Every class size is a multiple of 16, so every block keeps glibc's
 * 16-byte alignment, and every power of two from 16 to 4096 is a class,
 * so aligned requests up to a page find a class whose blocks are aligned.
 */
#ifndef HK_SIZECLASS_H
#define HK_SIZECLASS_H

#include <stddef.h>

#define HK_CLASSES 48
#define HK_CLASS_NONE HK_CLASSES /* marks a free slab unit */
#define HK_SMALL_MAX ((size_t)128 * 1024)
#define HK_FAST_MAX 1024 /* sizes the malloc fast path maps by table */

/* The class holding n bytes, for 0 <= n <= HK_SMALL_MAX. */
static inline unsigned hk_class_of(size_t n)
{
    if (n <= 128)
        return n ? (unsigned)((n - 1) >> 4) : 0;
    size_t m = n - 1;
    unsigned top = 63u - (unsigned)__builtin_clzl(m); /* >= 7 */
    return 8 + (top - 7) * 4 + (unsigned)((m >> (top - 2)) & 3);
}

static inline size_t hk_class_size(unsigned c)
{
    if (c < 8)
        return 16 * (size_t)(c + 1);
    unsigned k = (c - 8) / 4, s = (c - 8) % 4;
    return ((size_t)1 << (7 + k)) + (size_t)(s + 1) * ((size_t)1 << (5 + k));
}

#endif
