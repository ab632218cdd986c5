/*
 * addrspace.c - mappings in a sorted array, residency in bitmaps.
 *
 * Invariants: maps[] is sorted and disjoint; resident_pages is the number
 * of set bits over all counted mappings; a huge bit implies all 512
 * resident bits of its chunk are set.
 */
#include "addrspace.h"

#include <stdlib.h>
#include <string.h>

#include "traces/trace.h"

#define PAGES_PER_HUGE (HK_AS_HUGE / HK_AS_PAGE)

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

int hk_as_init(hk_addrspace *as, enum hk_thp thp)
{
    memset(as, 0, sizeof *as);
    as->thp = thp;
    as->tables = hk_idmap_create();
    return as->tables ? 0 : -1;
}

void hk_as_destroy(hk_addrspace *as)
{
    for (size_t i = 0; i < as->count; i++) {
        free(as->maps[i].resident);
        free(as->maps[i].huge);
    }
    free(as->maps);
    hk_idmap_destroy(as->tables);
    memset(as, 0, sizeof *as);
}

static size_t words(uint64_t bits)
{
    return (size_t)((bits + 63) / 64);
}

static int bit(const uint64_t *b, uint64_t i)
{
    return (int)((b[i / 64] >> (i % 64)) & 1);
}

static void set_bit(uint64_t *b, uint64_t i)
{
    b[i / 64] |= 1ull << (i % 64);
}

static void clear_bit(uint64_t *b, uint64_t i)
{
    b[i / 64] &= ~(1ull << (i % 64));
}

/* Index of the first mapping ending above addr. */
static size_t lower_bound(const hk_addrspace *as, uint64_t addr)
{
    size_t lo = 0, hi = as->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (as->maps[mid].start + as->maps[mid].size <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void insert_at(hk_addrspace *as, size_t i, hk_as_mapping m)
{
    if (as->count == as->cap) {
        as->cap = as->cap ? 2 * as->cap : 64;
        as->maps = realloc(as->maps, as->cap * sizeof *as->maps);
        if (!as->maps)
            abort();
    }
    memmove(&as->maps[i + 1], &as->maps[i],
            (as->count - i) * sizeof *as->maps);
    as->maps[i] = m;
    as->count++;
}

static hk_as_mapping new_mapping(uint64_t start, uint64_t size, int counted)
{
    hk_as_mapping m = {start, size, NULL, NULL, counted, 0};
    m.resident = xcalloc(words(size / HK_AS_PAGE), sizeof(uint64_t));
    m.huge = xcalloc(words(size / HK_AS_HUGE + 2), sizeof(uint64_t));
    return m;
}

static void count_mapped(hk_addrspace *as, uint64_t bytes)
{
    as->mapped_bytes += bytes;
    if (as->mapped_bytes > as->peak_mapped_bytes)
        as->peak_mapped_bytes = as->mapped_bytes;
}

int hk_as_map(hk_addrspace *as, uint64_t start, uint64_t size, int counted)
{
    size_t i = lower_bound(as, start);
    if (i < as->count && as->maps[i].start < start + size)
        return -1;
    insert_at(as, i, new_mapping(start, size, counted));
    if (counted) {
        count_mapped(as, size);
        if (as->count > as->peak_maps)
            as->peak_maps = as->count;
    }
    return 0;
}

/* Clear residency of pages [first, first + n) of m; split huge chunks.
 * Returns how many pages were resident. */
static uint64_t drop_pages(hk_addrspace *as, hk_as_mapping *m,
                           uint64_t first, uint64_t n)
{
    uint64_t dropped = 0;
    for (uint64_t p = first; p < first + n; p++) {
        if (!bit(m->resident, p))
            continue;
        clear_bit(m->resident, p);
        dropped++;
    }
    as->resident_pages -= dropped;
    if (!n)
        return 0;
    uint64_t base = m->start / HK_AS_HUGE;
    uint64_t lo = (m->start + first * HK_AS_PAGE) / HK_AS_HUGE;
    uint64_t hi = (m->start + (first + n) * HK_AS_PAGE - 1) / HK_AS_HUGE;
    for (uint64_t c = lo; c <= hi; c++)
        clear_bit(m->huge, c - base);
    return dropped;
}

/* Pages [from, from + n) of src as a mapping of their own, resident as
 * they were; a huge page stays one where its whole chunk comes along,
 * and is split into 4 KiB pages where it is cut, as the kernel does. */
static hk_as_mapping piece(const hk_as_mapping *src, uint64_t from,
                           uint64_t n)
{
    hk_as_mapping m = new_mapping(src->start + from * HK_AS_PAGE,
                                  n * HK_AS_PAGE, src->counted);
    m.advice = src->advice;
    for (uint64_t p = 0; p < n; p++)
        if (bit(src->resident, from + p))
            set_bit(m.resident, p);
    uint64_t base = src->start / HK_AS_HUGE, own = m.start / HK_AS_HUGE;
    uint64_t first = (m.start + HK_AS_HUGE - 1) / HK_AS_HUGE;
    for (uint64_t c = first; c < (m.start + m.size) / HK_AS_HUGE; c++)
        if (bit(src->huge, c - base))
            set_bit(m.huge, c - own);
    return m;
}

/* Cut the mapping holding addr in two at addr, unless addr is where it
 * starts or no mapping holds it. */
static void cut_at(hk_addrspace *as, uint64_t addr)
{
    size_t i = lower_bound(as, addr);
    if (i == as->count || as->maps[i].start >= addr)
        return;
    hk_as_mapping m = as->maps[i];
    uint64_t pages = m.size / HK_AS_PAGE, cut = (addr - m.start) / HK_AS_PAGE;
    as->maps[i] = piece(&m, 0, cut);
    insert_at(as, i + 1, piece(&m, cut, pages - cut));
    free(m.resident);
    free(m.huge);
    as->last = 0;
}

/* Free the page tables of the regions [lo, hi] no mapping is left in. */
static void drop_tables(hk_addrspace *as, uint64_t lo, uint64_t hi)
{
    int found;
    for (uint64_t r = lo; r <= hi; r++) {
        size_t i = lower_bound(as, r * HK_AS_HUGE);
        if (i == as->count || as->maps[i].start >= (r + 1) * HK_AS_HUGE)
            hk_idmap_remove(as->tables, r, &found);
    }
}

/* Remove [start, start+size) from the mappings, cutting those it
 * overlaps; returns how many resident pages it held. */
static uint64_t remove_range(hk_addrspace *as, uint64_t start, uint64_t size)
{
    uint64_t end = start + size, dropped = 0;
    cut_at(as, start);
    cut_at(as, end);
    size_t i = lower_bound(as, start);
    while (i < as->count && as->maps[i].start < end) {
        hk_as_mapping m = as->maps[i];
        dropped += drop_pages(as, &m, 0, m.size / HK_AS_PAGE);
        if (m.counted)
            as->mapped_bytes -= m.size;
        memmove(&as->maps[i], &as->maps[i + 1],
                (as->count - i - 1) * sizeof *as->maps);
        as->count--;
        free(m.resident);
        free(m.huge);
    }
    if (size)
        drop_tables(as, start / HK_AS_HUGE, (end - 1) / HK_AS_HUGE);
    as->last = 0;
    return dropped;
}

void hk_as_unmap(hk_addrspace *as, uint64_t start, uint64_t size)
{
    as->unmapped_pages += remove_range(as, start, size);
}

void hk_as_purge(hk_addrspace *as, uint64_t start, uint64_t size)
{
    uint64_t end = start + size;
    for (size_t i = lower_bound(as, start);
         i < as->count && as->maps[i].start < end; i++) {
        hk_as_mapping *m = &as->maps[i];
        uint64_t lo = start > m->start ? start : m->start;
        uint64_t hi = end < m->start + m->size ? end : m->start + m->size;
        as->purged_pages += drop_pages(as, m, (lo - m->start) / HK_AS_PAGE,
                                       (hi - lo) / HK_AS_PAGE);
    }
}

static hk_as_mapping *find(hk_addrspace *as, uint64_t addr)
{
    if (as->last < as->count) {
        hk_as_mapping *m = &as->maps[as->last];
        if (addr - m->start < m->size)
            return m;
    }
    size_t i = lower_bound(as, addr);
    if (i == as->count || as->maps[i].start > addr)
        return NULL;
    as->last = i;
    return &as->maps[i];
}

/* A copy of the first `words` words of b, in an array of `grown`. */
static uint64_t *regrow(const uint64_t *b, size_t words, size_t grown)
{
    uint64_t *g = xcalloc(grown, sizeof *g);
    memcpy(g, b, words * sizeof *g);
    return g;
}

int hk_as_extend(hk_addrspace *as, uint64_t end, uint64_t more)
{
    size_t i = lower_bound(as, end - 1);
    if (i == as->count || as->maps[i].start + as->maps[i].size != end ||
        (i + 1 < as->count && as->maps[i + 1].start < end + more))
        return -1;
    hk_as_mapping *m = &as->maps[i];
    uint64_t size = m->size + more;
    uint64_t *resident = regrow(m->resident, words(m->size / HK_AS_PAGE),
                                words(size / HK_AS_PAGE));
    uint64_t *huge = regrow(m->huge, words(m->size / HK_AS_HUGE + 2),
                            words(size / HK_AS_HUGE + 2));
    free(m->resident);
    free(m->huge);
    m->resident = resident;
    m->huge = huge;
    m->size = size;
    if (m->counted)
        count_mapped(as, more);
    return 0;
}

void hk_as_move(hk_addrspace *as, uint64_t from, uint64_t size, uint64_t to)
{
    const hk_as_mapping *s = find(as, from);
    int asked = s && s->advice == HK_AS_HUGE_ASKED;
    hk_as_mapping *d = find(as, to);
    uint64_t first = (to - d->start) / HK_AS_PAGE, moved = 0;
    if (asked)
        d->advice = HK_AS_HUGE_ASKED;
    for (uint64_t p = 0; p < size / HK_AS_PAGE; p++) {
        uint64_t addr = from + p * HK_AS_PAGE;
        const hk_as_mapping *m = find(as, addr);
        if (m && bit(m->resident, (addr - m->start) / HK_AS_PAGE)) {
            set_bit(d->resident, first + p);
            moved++;
        }
    }
    /* The moved pages leave the count with the source and come back with
     * the destination: never two copies at once, so no new peak. */
    remove_range(as, from, size);
    as->resident_pages += moved;
}

int hk_as_is_mapped(hk_addrspace *as, uint64_t addr)
{
    return find(as, addr) != NULL;
}

void hk_as_advise_huge(hk_addrspace *as, uint64_t start, uint64_t size,
                       int advised)
{
    cut_at(as, start);
    cut_at(as, start + size);
    if (as->count > as->peak_maps)
        as->peak_maps = as->count;
    for (size_t i = lower_bound(as, start);
         i < as->count && as->maps[i].start < start + size; i++)
        as->maps[i].advice = advised ? HK_AS_HUGE_ASKED : HK_AS_HUGE_REFUSED;
}

uint64_t hk_as_resident_pages(hk_addrspace *as, uint64_t start,
                              uint64_t size)
{
    uint64_t n = 0;
    for (uint64_t addr = start; addr < start + size; addr += HK_AS_PAGE) {
        const hk_as_mapping *m = find(as, addr);
        n += m && bit(m->resident, (addr - m->start) / HK_AS_PAGE);
    }
    return n;
}

uint64_t hk_as_find_gap(const hk_addrspace *as, uint64_t from,
                        uint64_t limit, uint64_t size, uint64_t align)
{
    uint64_t at = (from + align - 1) & ~(align - 1);
    for (size_t i = lower_bound(as, at); i <= as->count; i++) {
        uint64_t next = i < as->count ? as->maps[i].start : limit;
        if (at + size <= next && at + size <= limit)
            return at;
        if (i == as->count)
            break;
        uint64_t end = as->maps[i].start + as->maps[i].size;
        if (end > at)
            at = (end + align - 1) & ~(align - 1);
    }
    return 0;
}

/* Is the 2 MiB chunk holding addr wholly inside m? */
static int chunk_fits(const hk_as_mapping *m, uint64_t addr)
{
    uint64_t c = addr & ~(uint64_t)(HK_AS_HUGE - 1);
    return c >= m->start && c + HK_AS_HUGE <= m->start + m->size;
}

/* A 4 KiB fault at addr: the region's page table, made if need be. */
static void need_table(hk_addrspace *as, uint64_t addr)
{
    int found;
    hk_idmap_get(as->tables, addr / HK_AS_HUGE, &found);
    if (!found) {
        hk_idmap_insert(as->tables, addr / HK_AS_HUGE, as);
        as->page_tables++;
    }
}

static void fault_in(hk_addrspace *as, hk_as_mapping *m, uint64_t page)
{
    set_bit(m->resident, page);
    as->resident_pages++;
    if (as->resident_pages > as->peak_resident_pages)
        as->peak_resident_pages = as->resident_pages;
}

uint64_t hk_as_touch_page(hk_addrspace *as, uint64_t addr)
{
    hk_as_mapping *m = find(as, addr);
    if (!m)
        return 0;
    uint64_t page = (addr - m->start) / HK_AS_PAGE;
    uint64_t chunk = addr / HK_AS_HUGE - m->start / HK_AS_HUGE;
    if (bit(m->huge, chunk))
        return HK_AS_HUGE;
    if (bit(m->resident, page))
        return HK_AS_PAGE;
    as->faults++;
    int huge_ok = as->thp == HK_THP_ALWAYS
                      ? m->advice != HK_AS_HUGE_REFUSED
                      : as->thp == HK_THP_MADVISE &&
                            m->advice == HK_AS_HUGE_ASKED;
    if (huge_ok && chunk_fits(m, addr)) {
        uint64_t first = ((addr & ~(uint64_t)(HK_AS_HUGE - 1)) - m->start) /
                         HK_AS_PAGE;
        int untouched = 1;
        for (uint64_t p = first; p < first + PAGES_PER_HUGE; p++)
            untouched &= !bit(m->resident, p);
        if (untouched) {
            for (uint64_t p = first; p < first + PAGES_PER_HUGE; p++)
                fault_in(as, m, p);
            set_bit(m->huge, chunk);
            as->huge_faults++;
            return HK_AS_HUGE;
        }
    }
    need_table(as, addr);
    fault_in(as, m, page);
    return HK_AS_PAGE;
}
