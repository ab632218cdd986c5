/*
 * footprint.h - the least memory a trace's live blocks take, under the
 * allocator's size classes: what a simulated peak RSS is set against.
 *
 * Three peaks over a replay, each at least the one before:
 *  - live: the bytes the program asked for, live at once;
 *  - in classes: the same with every block rounded up to its size class
 *    (a large block to whole pages);
 *  - class by class: the sum over the classes of each one's own peak,
 *    the large blocks (which share one cache) counted as one class.  An
 *    allocator that never gives one class's memory to another holds this
 *    much at some point; slabs that empty and go back to their SuperSlab
 *    are how hakmem can come in under it.
 */
#ifndef HK_FOOTPRINT_H
#define HK_FOOTPRINT_H

#include <stdint.h>

#include "core/sizeclass.h"

#define HK_FOOTPRINT_LARGE HK_CLASSES /* the class of every large block */

typedef struct hk_footprint {
    uint64_t live, in_classes; /* bytes now */
    uint64_t peak_live, peak_in_classes;
    uint64_t class_now[HK_FOOTPRINT_LARGE + 1];  /* bytes, rounded */
    uint64_t class_peak[HK_FOOTPRINT_LARGE + 1];
} hk_footprint;

/* A block of `size` bytes becomes live, or stops being live. */
void hk_footprint_add(hk_footprint *f, uint64_t size);
void hk_footprint_remove(hk_footprint *f, uint64_t size);

/* The class-by-class peak: the sum of class_peak. */
uint64_t hk_footprint_class_peaks(const hk_footprint *f);

#endif
