/*
 * huge.c - the huge-page advice for new mappings (huge.h).
 *
 * Invariants: resident <= pages < 2 * FADE_PAGES; advising is the
 * threshold applied to the tallies at the last sample.
 */
#include "huge.h"

#include "os.h"

#define SAMPLES_FIRST 16
#define SAMPLE_EVERY 64
#define MIN_PAGES 1024            /* 4 MiB sampled before any advice */
#define FADE_PAGES (1u << 16)     /* tallies halve past 256 MiB */
#define CONTROL_EVERY 16

void hk_huge_init(hk_huge *g, unsigned tolerance)
{
    g->tolerance = (uint8_t)tolerance;
}

size_t hk_huge_sample(const char *base, size_t bytes, size_t *pages)
{
    size_t n = bytes / HK_OS_PAGE;
    *pages = n < HK_OS_RESIDENT_MAX ? n : HK_OS_RESIDENT_MAX;
    size_t tail = *pages * HK_OS_PAGE;
    return hk_os_resident_pages(base + bytes - tail, tail);
}

void hk_huge_apply(void *base, size_t bytes, bool huge)
{
    if (huge)
        hk_os_advise_huge(base, bytes);
    else if (bytes >= HK_OS_HUGE_PAGE && hk_os_huge_unasked())
        hk_os_unadvise_huge(base, bytes);
}

bool hk_huge_sample_due(hk_huge *g, uint64_t mode)
{
    if (mode != HK_HUGE_AUTO)
        return false;
    uint64_t n = atomic_fetch_add_explicit(&g->frees, 1, memory_order_relaxed);
    return n < SAMPLES_FIRST || n % SAMPLE_EVERY == 0;
}

void hk_huge_record(hk_huge *g, size_t pages, size_t resident)
{
    g->pages += pages;
    g->resident += resident;
    if (g->pages >= FADE_PAGES) {
        g->pages /= 2;
        g->resident /= 2;
    }
    g->advising = g->pages >= MIN_PAGES &&
                  (g->pages - g->resident) << g->tolerance <= g->pages;
}

static void set_placed(hk_huge *g, const char *base, size_t bytes)
{
    g->placed = base;
    g->placed_bytes = bytes;
}

void hk_huge_placed(hk_huge *g, uint64_t mode, bool advised,
                    const char *base, size_t bytes)
{
    if (mode == HK_HUGE_AUTO && !advised)
        set_placed(g, base, bytes);
    else
        set_placed(g, NULL, 0);
}

void hk_huge_freed(hk_huge *g, const char *base)
{
    if (g->placed == base)
        set_placed(g, NULL, 0);
}

size_t hk_huge_take_placed(hk_huge *g, const char **base)
{
    size_t bytes = g->placed_bytes;
    *base = g->placed;
    set_placed(g, NULL, 0);
    return bytes;
}

bool hk_huge_advise(hk_huge *g, uint64_t mode, size_t bytes)
{
    if (bytes < HK_OS_HUGE_PAGE || mode == HK_HUGE_NEVER)
        return false;
    if (mode == HK_HUGE_ALWAYS)
        return true;
    return g->advising && ++g->mappings % CONTROL_EVERY != 0;
}
