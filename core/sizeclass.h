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
#define HK_FAST_MAX 1024 /* sizes mapped by a table of 16-byte steps */
/* Above HK_FAST_MAX every class size is a multiple of this, so a table of
 * such steps maps the rest of the small sizes exactly. */
#define HK_MEDIUM_STEP 128

/* The index of the highest bit set in m, which is not 0. */
#define HK_TOP_BIT(m) (63u - (unsigned)__builtin_clzl(m))

/* The class holding n bytes, for 0 <= n <= HK_SMALL_MAX; a constant
 * expression for constant n, so that tables can be built from it. */
#define HK_CLASS_OF(n)                                                       \
    ((n) <= 128 ? ((n) ? (unsigned)(((n) - 1) >> 4) : 0u)                    \
                : 8 + (HK_TOP_BIT((n) - 1) - 7) * 4 +                        \
                      (unsigned)((((n) - 1) >> (HK_TOP_BIT((n) - 1) - 2)) & 3))

static inline unsigned hk_class_of(size_t n)
{
    return HK_CLASS_OF(n);
}

/* The class of every multiple of 16 up to HK_FAST_MAX, built by the
 * compiler: the malloc fast path's class lookup is one load. */
/* The cast: clang checks both arms of HK_CLASS_OF's conditionals against
 * the element type, and the arm not taken may be out of range. */
#define HK_CLASS_OF_16(i) (unsigned char)HK_CLASS_OF((size_t)(i) * 16)
#define HK_CLASS_OF_16x4(i)                                                  \
    HK_CLASS_OF_16(i), HK_CLASS_OF_16(i + 1), HK_CLASS_OF_16(i + 2),         \
        HK_CLASS_OF_16(i + 3)
#define HK_CLASS_OF_16x16(i)                                                 \
    HK_CLASS_OF_16x4(i), HK_CLASS_OF_16x4(i + 4), HK_CLASS_OF_16x4(i + 8),   \
        HK_CLASS_OF_16x4(i + 12)

_Static_assert(HK_FAST_MAX == 1024, "hk_small_class lists 65 entries");
static const unsigned char hk_small_class[HK_FAST_MAX / 16 + 1] = {
    HK_CLASS_OF_16x16(0), HK_CLASS_OF_16x16(16), HK_CLASS_OF_16x16(32),
    HK_CLASS_OF_16x16(48), HK_CLASS_OF_16(64)};
#undef HK_CLASS_OF_16x16
#undef HK_CLASS_OF_16x4
#undef HK_CLASS_OF_16

/* hk_class_of(n) for n <= HK_FAST_MAX. */
static inline unsigned hk_class_of_small(size_t n)
{
    return hk_small_class[(n + 15) >> 4];
}

static inline size_t hk_class_size(unsigned c)
{
    if (c < 8)
        return 16 * (size_t)(c + 1);
    unsigned k = (c - 8) / 4, s = (c - 8) % 4;
    return ((size_t)1 << (7 + k)) + (size_t)(s + 1) * ((size_t)1 << (5 + k));
}

#endif
