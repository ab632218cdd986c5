/*
 * huge.c - the huge-page advice for new mappings (huge.h).
 *
 * Invariants: resident <= pages < 2 * FADE_PAGES; advising is the
 * threshold applied to the tallies at the last sample; control_shift <=
 * CONTROL_SHIFT_MAX.  The prices are read and written without a lock:
 * two first touches at once may lose one sample.
 */
#include "huge.h"

#include "os.h"

#define SAMPLES_FIRST 16
#define SAMPLE_EVERY 64
#define MIN_PAGES 1024            /* 4 MiB sampled before any advice */
#define FADE_PAGES (1u << 16)     /* tallies halve past 256 MiB */
#define CONTROL_EVERY 16
#define CONTROL_SHIFT_MAX 4 /* while huge faults are dear: one in 256 */

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

void hk_huge_price(hk_huge *g, bool huge, uint64_t ns)
{
    _Atomic uint64_t *price = huge ? &g->huge_fault_ns : &g->small_fault_ns;
    uint64_t old = atomic_load_explicit(price, memory_order_relaxed);
    atomic_store_explicit(price, old ? old / 2 + ns / 2 : ns,
                          memory_order_relaxed);
}

/* The time a write of one byte at p takes: the price of a fault where p's
 * page is not resident.  The byte is written with the zero it reads. */
static uint64_t timed_touch(char *p)
{
    uint64_t start = hk_os_now_ns();
    *(volatile char *)p = 0;
    return hk_os_now_ns() - start;
}

void hk_huge_first_touch(hk_huge *g, void *base, bool advised)
{
    char *p = base;
    if (advised) {
        hk_huge_price(g, true, timed_touch(p));
        return;
    }
    *(volatile char *)p = 0;
    hk_os_touch(p + HK_OS_PAGE, 1);
    hk_huge_price(g, false, timed_touch(p + HK_OS_PAGE));
}

void hk_huge_prices(const hk_huge *g, uint64_t *huge_ns, uint64_t *small_ns)
{
    *huge_ns = atomic_load_explicit(&g->huge_fault_ns, memory_order_relaxed);
    *small_ns = atomic_load_explicit(&g->small_fault_ns,
                                     memory_order_relaxed);
}

bool hk_huge_pays(const hk_huge *g)
{
    uint64_t huge, small;
    hk_huge_prices(g, &huge, &small);
    return !small || huge <= small * (HK_OS_HUGE_PAGE / HK_OS_PAGE);
}

bool hk_huge_map(hk_huge *g, uint64_t mode, char *base, size_t bytes,
                 bool huge)
{
    if (!huge || mode != HK_HUGE_AUTO) {
        hk_huge_apply(base, bytes, huge);
        hk_huge_first_touch(g, base, huge);
        return huge;
    }
    hk_huge_apply(base, HK_OS_HUGE_PAGE, true);
    hk_huge_first_touch(g, base, true);
    if (bytes == HK_OS_HUGE_PAGE)
        return true;
    bool pays = hk_huge_pays(g);
    if (pays)
        hk_os_advise_huge(base + HK_OS_HUGE_PAGE, bytes - HK_OS_HUGE_PAGE);
    else /* all of it alike: one area of the kernel's, as mremap needs */
        hk_os_unadvise_huge(base, bytes);
    return pays;
}

bool hk_huge_advise(hk_huge *g, uint64_t mode, size_t bytes)
{
    if (bytes < HK_OS_HUGE_PAGE || mode == HK_HUGE_NEVER)
        return false;
    if (mode == HK_HUGE_ALWAYS)
        return true;
    if (!g->advising)
        return false;
    bool dear = !hk_huge_pays(g);
    if (!dear)
        g->control_shift = 0;
    if (++g->since_control < (uint32_t)CONTROL_EVERY << g->control_shift)
        return !dear;
    g->since_control = 0;
    if (dear && g->control_shift < CONTROL_SHIFT_MAX)
        g->control_shift++;
    return dear;
}
