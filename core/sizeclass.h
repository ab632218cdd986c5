/*
 * sizeclass.h - the small-object size classes.
 *
 * Classes 0..7 step by 16 bytes up to 128.  Above that, up to 8 KiB, each
 * power of two 2^k is followed by five classes, at 9/8, 10/8, 12/8, 14/8
 * and 2 times it (144, 160, 192, 224, 256, 288, 320, 384, ...); from 8 KiB
 * to 128 KiB by four, at 5/4, 6/4, 7/4 and 2 times it.
 *
 * The class at 9/8 is for what programs often ask for just above a power
 * of two, a buffer and a small header (sqlite3's page cache, 4096 bytes
 * and a header; jq, 256 and 16), which four classes an octave rounded up
 * by a quarter: sqlite3's peak RSS 7% lower, jq's 3%.  Each class in use
 * holds free blocks of its own, in its fronts and slabs, and the larger
 * the blocks the more bytes that is, so finer classes stop where it
 * outweighs what they save on rounding: with the class at 9/8 above 8 KiB
 * too, two threads of random sizes up to 16 KB peaked 3% higher, and
 * with eight classes an octave everywhere mixed sizes peaked 20% higher.
 *
 * Every class size is a multiple of 16, so every block keeps glibc's
 * 16-byte alignment, and every power of two from 16 to 4096 is a class,
 * so aligned requests up to a page find a class whose blocks are aligned.
 */
#ifndef HK_SIZECLASS_H
#define HK_SIZECLASS_H

#include <stddef.h>

#define HK_CLASSES 54
#define HK_CLASS_NONE HK_CLASSES /* marks a free slab unit */
#define HK_SMALL_MAX ((size_t)128 * 1024)
#define HK_FAST_MAX 1024 /* sizes mapped by a table of 16-byte steps */
/* Above HK_FAST_MAX every class size is a multiple of this, so a table of
 * such steps maps the rest of the small sizes exactly. */
#define HK_MEDIUM_STEP 128

/* The index of the highest bit set in m, which is not 0. */
#define HK_TOP_BIT(m) (63u - (unsigned)__builtin_clzl(m))

#define HK_FINE_MAX 8192 /* the last size with a class at 9/8 below it */
#define HK_FINE_CLASSES 38u /* the classes up to HK_FINE_MAX */

/* For n in (2^k, 2^(k+1)]: which eighth of 2^k above it n reaches into
 * (0..7), the class holding it among an octave's five (eighths 0 and 1
 * have one each, the others one per two), and the quarter (0..3). */
#define HK_EIGHTH(n, k) ((unsigned)(((n) - 1) >> ((k) - 3)) & 7u)
#define HK_OF_EIGHTH(e) ((e) < 2 ? (e) : ((e) + 2) / 2)
#define HK_QUARTER(n, k) ((unsigned)(((n) - 1) >> ((k) - 2)) & 3u)

/* The class holding n bytes, for 0 <= n <= HK_SMALL_MAX; a constant
 * expression for constant n, so that tables can be built from it. */
#define HK_CLASS_OF(n)                                                       \
    ((n) <= 128 ? ((n) ? (unsigned)(((n) - 1) >> 4) : 0u)                    \
     : (n) <= HK_FINE_MAX                                                    \
         ? 8 + (HK_TOP_BIT((n) - 1) - 7) * 5 +                               \
               HK_OF_EIGHTH(HK_EIGHTH(n, HK_TOP_BIT((n) - 1)))               \
         : HK_FINE_CLASSES + (HK_TOP_BIT((n) - 1) - 13) * 4 +                \
               HK_QUARTER(n, HK_TOP_BIT((n) - 1)))

_Static_assert(HK_CLASS_OF(HK_FINE_MAX) == HK_FINE_CLASSES - 1 &&
                   HK_CLASS_OF(HK_SMALL_MAX) == HK_CLASSES - 1,
               "HK_FINE_CLASSES and HK_CLASSES count the classes");

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
    if (c < HK_FINE_CLASSES) {
        unsigned k = 7 + (c - 8) / 5, s = (c - 8) % 5;
        size_t eighths = s < 2 ? s + 1 : 2 * s;
        return ((size_t)1 << k) + eighths * ((size_t)1 << (k - 3));
    }
    unsigned k = 13 + (c - HK_FINE_CLASSES) / 4, s = (c - HK_FINE_CLASSES) % 4;
    return ((size_t)1 << k) + (s + 1) * ((size_t)1 << (k - 2));
}

#endif
