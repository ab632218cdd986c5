/*
 * os_sim.c - core/os.h in the simulated world.
 *
 * Every call the real backend would make is counted here exactly where it
 * would have been made, with the same bytes, and applied to the simulated
 * address space; the TLB and the data caches see every touch the core
 * reports, and the caches the replay engine's own.  The real system calls
 * this file makes to back simulated memory are invisible to the model.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/os.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The real backend's placement, mirrored. */
#define ALIGNED_BASE ((uint64_t)16 << 40)
#define ALIGNED_END ((uint64_t)96 << 40)
/* The reserve and the other page-aligned mappings lie below the aligned
 * range, which the cursor may sweep whole: [PAGE_FLOOR, RESERVE_AT). */
#define RESERVE_AT (ALIGNED_BASE - HK_OS_RESERVE_BYTES)
#define PAGE_TOP (RESERVE_AT - ((uint64_t)1 << 30))
#define PAGE_FLOOR ((uint64_t)8 << 40)

static struct sim_world {
    hk_addrspace as;
    hk_tlb *tlb;
    hk_dcache *dcache;
    hk_os_counts counts;
    uint64_t now;
    uint64_t aligned_cursor;
    uint64_t page_cursor;
    uint64_t reserve_used;
    uint64_t last_page, last_page_size; /* the page touched last, if any */
    /* Events followed so far (hk_os_follow_clock), the first after the
     * last system call's that is not near it (PROBE_NEAR_EVENTS), and
     * the pointer probes that came before such an event. */
    uint64_t events, near_until, probes_near;
    int started;
} W;

static _Noreturn void die(const char *what, uint64_t addr)
{
    fprintf(stderr, "hakmem sim: %s at 0x%llx\n", what,
            (unsigned long long)addr);
    exit(3);
}

/* Back [at, at+size) with real zeroed memory at the same address. */
static void back(uint64_t at, uint64_t size)
{
    void *p = mmap((void *)at, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                       MAP_FIXED_NOREPLACE,
                   -1, 0);
    if (p != (void *)at) {
        if (p != MAP_FAILED)
            munmap(p, size);
        die("cannot back a simulated mapping with real memory", at);
    }
}

int hk_sim_start(const hk_sim_config *c, char *err, size_t errlen)
{
    if (W.started)
        hk_sim_stop();
    memset(&W, 0, sizeof W);
    if ((c->tlb && !(W.tlb = hk_tlb_create(&c->tlb_config, err, errlen))) ||
        (c->dcache &&
         !(W.dcache = hk_dcache_create(&c->dcache_config, err, errlen))))
        goto fail;
    if (hk_as_init(&W.as, c->thp) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    W.aligned_cursor = ALIGNED_BASE;
    W.page_cursor = PAGE_TOP;
    back(RESERVE_AT, HK_OS_RESERVE_BYTES);
    hk_as_map(&W.as, RESERVE_AT, HK_OS_RESERVE_BYTES, 0);
    W.started = 1;
    return 0;
fail:
    hk_tlb_destroy(W.tlb);
    hk_dcache_destroy(W.dcache);
    memset(&W, 0, sizeof W);
    return -1;
}

void hk_sim_stop(void)
{
    if (!W.started)
        return;
    for (size_t i = 0; i < W.as.count; i++)
        munmap((void *)W.as.maps[i].start, W.as.maps[i].size);
    hk_as_destroy(&W.as);
    hk_tlb_destroy(W.tlb);
    hk_dcache_destroy(W.dcache);
    memset(&W, 0, sizeof W);
}

const hk_addrspace *hk_sim_addrspace(void)
{
    return &W.as;
}

const hk_tlb_stats *hk_sim_tlb_stats(void)
{
    return W.tlb ? hk_tlb_stats_get(W.tlb) : NULL;
}

const hk_dcache_stats *hk_sim_dcache_stats(void)
{
    return W.dcache ? hk_dcache_stats_get(W.dcache) : NULL;
}

/* A pointer probe at most this many events after the allocator's last
 * system call finds the kernel's path in the caches still: an event
 * writes a handful of lines, and mincore on one page cost 1.51 to 1.62 us
 * with 0 to 16 malloc/free pairs between calls, 1.95 us after 64 KiB of
 * other writes, 1.8 us timed cold by `hakmem calibrate` (this VM). */
#define PROBE_NEAR_EVENTS 16

static void count(enum hk_os_call k, uint64_t bytes)
{
    W.near_until = W.events + PROBE_NEAR_EVENTS + 1;
    W.counts.calls[k]++;
    W.counts.bytes[k] += bytes;
}

void hk_os_counts_get(hk_os_counts *out)
{
    *out = W.counts;
}

static uint64_t place_aligned(uint64_t size, uint64_t align)
{
    uint64_t at = (W.aligned_cursor + align - 1) & ~(align - 1);
    if (at + size > ALIGNED_END || at + size < at)
        at = ALIGNED_BASE;
    W.aligned_cursor = at + size;
    if (hk_as_find_gap(&W.as, at, at + size, size, align) == at)
        return at;
    /* Only after a wrap can the cursor meet the simulation's own
     * mappings; the real backend then tries its next hint. */
    at = hk_as_find_gap(&W.as, W.aligned_cursor, ALIGNED_END, size, align);
    if (at)
        W.aligned_cursor = at + size;
    return at;
}

static void *map_at(uint64_t at, uint64_t size)
{
    back(at, size);
    hk_as_map(&W.as, at, size, 1);
    return (void *)at;
}

static void *map_aligned(size_t size, size_t align)
{
    count(HK_OS_MMAP, size);
    uint64_t at;
    if (size > ALIGNED_END - ALIGNED_BASE ||
        !(at = place_aligned(size, align)))
        return NULL;
    return map_at(at, size);
}

void *hk_os_map(size_t size, size_t align)
{
    if (align > HK_OS_PAGE)
        return map_aligned(size, align);
    if (size <= HK_OS_RESERVE_BYTES - W.reserve_used) {
        uint64_t at = RESERVE_AT + W.reserve_used;
        W.reserve_used += size;
        return (void *)at;
    }
    count(HK_OS_MMAP, size);
    if (size > W.page_cursor - PAGE_FLOOR)
        return NULL;
    W.page_cursor -= size;
    return map_at(W.page_cursor, size);
}

/* The real backend's growth in place: within the region's room, or the
 * region was the last placed; and nothing lies after it. */
static int grow_in_place(uint64_t at, uint64_t old_size, uint64_t new_size)
{
    uint64_t end = at + old_size;
    if (!hk_os_grows_in_room((void *)at, old_size, new_size)) {
        if (end != W.aligned_cursor || new_size - old_size > ALIGNED_END - end)
            return 0;
        W.aligned_cursor = at + new_size;
    }
    count(HK_OS_MREMAP, new_size);
    if (hk_as_extend(&W.as, end, new_size - old_size) != 0)
        return 0;
    if (mremap((void *)at, old_size, new_size, 0) == MAP_FAILED)
        die("cannot grow the real memory behind a simulated mapping", at);
    return 1;
}

void *hk_os_grow(void *p, size_t old_size, size_t new_size, size_t align)
{
    uint64_t at = (uint64_t)p;
    if (grow_in_place(at, old_size, new_size))
        return p;
    void *to = map_aligned(new_size, align);
    if (!to)
        return NULL;
    count(HK_OS_MREMAP, new_size);
    if (mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, to) !=
        to)
        die("cannot move the real memory behind a simulated mapping", at);
    hk_as_move(&W.as, at, old_size, (uint64_t)to);
    W.last_page_size = 0;
    if (W.tlb)
        hk_tlb_invalidate(W.tlb, at, old_size);
    return to;
}

static int in_reserve(const void *p)
{
    return (uint64_t)p - RESERVE_AT < HK_OS_RESERVE_BYTES;
}

void hk_os_unmap(void *p, size_t size)
{
    if (in_reserve(p))
        return;
    count(HK_OS_MUNMAP, size);
    hk_as_unmap(&W.as, (uint64_t)p, size);
    W.last_page_size = 0;
    if (W.tlb)
        hk_tlb_invalidate(W.tlb, (uint64_t)p, size);
    munmap(p, size);
}

void hk_os_purge(void *p, size_t size)
{
    count(HK_OS_MADVISE, size);
    hk_as_purge(&W.as, (uint64_t)p, size);
    W.last_page_size = 0;
    if (W.tlb)
        hk_tlb_invalidate(W.tlb, (uint64_t)p, size);
    madvise(p, size, MADV_DONTNEED);
}

uint64_t hk_sim_probes_near(void)
{
    return W.probes_near;
}

bool hk_os_is_mapped(const void *p)
{
    W.probes_near += W.events < W.near_until;
    count(HK_OS_MINCORE, HK_OS_PAGE);
    return hk_as_is_mapped(&W.as, (uint64_t)p);
}

void hk_os_advise_huge(void *p, size_t size)
{
    count(HK_OS_MADVISE, size);
    hk_as_advise_huge(&W.as, (uint64_t)p, size, 1);
}

void hk_os_unadvise_huge(void *p, size_t size)
{
    count(HK_OS_MADVISE, size);
    hk_as_advise_huge(&W.as, (uint64_t)p, size, 0);
}

bool hk_os_huge_unasked(void)
{
    return W.as.thp == HK_THP_ALWAYS;
}

size_t hk_os_resident_pages(const void *p, size_t size)
{
    count(HK_OS_MINCORE, size);
    return (size_t)hk_as_resident_pages(&W.as, (uint64_t)p, size);
}

uint64_t hk_os_now_ns(void)
{
    return W.now;
}

/* The replay engine follows the clock once per event: the data caches
 * and the pointer probes count events by it. */
void hk_os_follow_clock(uint64_t ns)
{
    W.now = ns;
    W.events++;
    if (W.dcache)
        hk_dcache_event(W.dcache);
}

void hk_os_yield(void)
{
}

void hk_os_fatal(const char *what, const void *p)
{
    die(what, (uint64_t)p);
}

void hk_os_touch(const void *p, size_t size)
{
    uint64_t a = (uint64_t)p, end = a + (size ? size : 1);
    for (a &= ~(uint64_t)(HK_AS_PAGE - 1); a < end; a += HK_AS_PAGE) {
        /* A page touched just before is resident still: nothing to model
         * but the TLB access. */
        uint64_t page_size = W.last_page_size;
        if (!page_size || a != W.last_page) {
            uint64_t faults = W.as.faults;
            page_size = hk_as_touch_page(&W.as, a);
            if (W.dcache && W.as.faults != faults)
                hk_dcache_fault(W.dcache, a < (uint64_t)p ? (uint64_t)p : a);
        }
        W.last_page = a;
        W.last_page_size = page_size;
        if (page_size && W.tlb)
            hk_tlb_access(W.tlb, a, page_size == HK_AS_HUGE);
    }
    hk_os_touch_foreign(p, size);
}

void hk_sim_stores(int on)
{
    if (W.dcache)
        hk_dcache_stores(W.dcache, on);
}

void hk_os_touch_foreign(const void *p, size_t size)
{
    if (W.dcache)
        hk_dcache_access(W.dcache, (uint64_t)p, size ? size : 1);
}
