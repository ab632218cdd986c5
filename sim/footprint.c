/*
 * footprint.c - the footprint peaks of footprint.h, kept up to date one
 * block at a time.
 */
#include "footprint.h"

#include "core/os.h"

/* The class a block of `size` bytes is counted in, and its bytes there. */
static unsigned class_of(uint64_t size, uint64_t *bytes)
{
    if (size > HK_SMALL_MAX) {
        *bytes = hk_os_page_up((size_t)size);
        return HK_FOOTPRINT_LARGE;
    }
    unsigned c = hk_class_of((size_t)size);
    *bytes = hk_class_size(c);
    return c;
}

void hk_footprint_add(hk_footprint *f, uint64_t size)
{
    uint64_t bytes;
    unsigned c = class_of(size, &bytes);
    f->live += size;
    f->in_classes += bytes;
    f->class_now[c] += bytes;
    if (f->live > f->peak_live)
        f->peak_live = f->live;
    if (f->in_classes > f->peak_in_classes)
        f->peak_in_classes = f->in_classes;
    if (f->class_now[c] > f->class_peak[c])
        f->class_peak[c] = f->class_now[c];
}

void hk_footprint_remove(hk_footprint *f, uint64_t size)
{
    uint64_t bytes;
    unsigned c = class_of(size, &bytes);
    f->live -= size;
    f->in_classes -= bytes;
    f->class_now[c] -= bytes;
}

uint64_t hk_footprint_class_peaks(const hk_footprint *f)
{
    uint64_t sum = 0;
    for (unsigned c = 0; c <= HK_FOOTPRINT_LARGE; c++)
        sum += f->class_peak[c];
    return sum;
}
