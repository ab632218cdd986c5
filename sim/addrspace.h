/*
 * addrspace.h - the simulated address space: which ranges are mapped and
 * which of their pages are resident.
 *
 * Residency follows the kernel's rules for private anonymous memory: a
 * page becomes resident on its first touch (one page fault), stops being
 * resident when purged (MADV_DONTNEED) or unmapped, and faults again on
 * the next touch.  Where the kernel's transparent huge pages apply (under
 * `always` in every mapping not advised against them, under `madvise` in
 * those advised to use them, under `never` in none), a touch inside a
 * 2 MiB aligned chunk that
 * lies wholly in one mapping and has no resident page makes the whole
 * chunk resident with one fault (a huge fault), and the chunk is
 * translated by one 2 MiB TLB entry until part of it is purged (which
 * splits it, as the kernel does).  The advice stays with a mapping's
 * pieces and moves with its pages.
 *
 * Page tables: a 4 KiB fault in a 2 MiB region of addresses that has no
 * page table makes one (counted in page_tables); unmapping frees it once
 * no mapping is left in the region.  Purging keeps it, and a huge page
 * needs none.
 */
#ifndef HK_ADDRSPACE_H
#define HK_ADDRSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "thp.h"

#define HK_AS_PAGE 4096u
#define HK_AS_HUGE (2u << 20)

/* What a mapping asked of huge pages: nothing, MADV_HUGEPAGE or
 * MADV_NOHUGEPAGE. */
enum hk_as_advice { HK_AS_NO_ADVICE, HK_AS_HUGE_ASKED, HK_AS_HUGE_REFUSED };

typedef struct hk_as_mapping {
    uint64_t start, size;
    uint64_t *resident; /* bit per 4 KiB page */
    uint64_t *huge;     /* bit per 2 MiB chunk backed by a huge page */
    int counted;        /* 0: reserve memory, mapped without a call */
    enum hk_as_advice advice;
} hk_as_mapping;

typedef struct hk_addrspace {
    hk_as_mapping *maps; /* sorted by start, disjoint */
    size_t count, cap;
    size_t last;         /* index of the mapping touched last */
    enum hk_thp thp;
    uint64_t mapped_bytes, peak_mapped_bytes;
    uint64_t peak_maps;
    uint64_t resident_pages, peak_resident_pages;
    uint64_t faults;
    uint64_t huge_faults;    /* of them, those that made a huge page */
    uint64_t unmapped_pages; /* resident pages dropped by unmap */
    uint64_t purged_pages;   /* resident pages dropped by purge */
    uint64_t page_tables;    /* made, by faults in regions without one */
    struct hk_idmap *tables; /* 2 MiB regions that have one */
} hk_addrspace;

/* -1 when out of memory. */
int hk_as_init(hk_addrspace *as, enum hk_thp thp);
void hk_as_destroy(hk_addrspace *as);
/* Add [start, start+size); returns -1 if it overlaps a mapping. */
int hk_as_map(hk_addrspace *as, uint64_t start, uint64_t size, int counted);
/* Remove [start, start+size), splitting mappings as needed. */
void hk_as_unmap(hk_addrspace *as, uint64_t start, uint64_t size);
/* Extend the mapping that ends at `end` by `more` bytes, which must be
 * free (mremap in place); returns -1 if no mapping ends there or the
 * range after it is taken. */
int hk_as_extend(hk_addrspace *as, uint64_t end, uint64_t more);
/* Move the pages of [from, from+size) to [to, to+size), which lies in one
 * mapping, and remove the source (mremap to a new place): resident pages
 * stay resident, as 4 KiB pages, and count neither as unmapped nor as
 * faults. */
void hk_as_move(hk_addrspace *as, uint64_t from, uint64_t size, uint64_t to);
/* Make [start, start+size) non-resident. */
void hk_as_purge(hk_addrspace *as, uint64_t start, uint64_t size);
int hk_as_is_mapped(hk_addrspace *as, uint64_t addr);
/* Advise [start, start+size), page-aligned, to use huge pages (advised
 * 1, MADV_HUGEPAGE) or not (0, MADV_NOHUGEPAGE, which keeps them out
 * under `always` too), splitting the mappings it cuts, as the kernel
 * splits its areas: a huge page across a cut is split into 4 KiB
 * pages. */
void hk_as_advise_huge(hk_addrspace *as, uint64_t start, uint64_t size,
                       int advised);
/* The resident pages of [start, start+size). */
uint64_t hk_as_resident_pages(hk_addrspace *as, uint64_t start,
                              uint64_t size);
/* Lowest free gap at or above `from`, aligned, of `size` bytes, below
 * `limit`; 0 if none. */
uint64_t hk_as_find_gap(const hk_addrspace *as, uint64_t from, uint64_t limit,
                        uint64_t size, uint64_t align);

/*
 * Touch one page: fault it in if needed.  Returns the page size that
 * translates addr (HK_AS_PAGE or HK_AS_HUGE), or 0 if addr is not in a
 * simulated mapping (memory the simulator does not model).
 */
uint64_t hk_as_touch_page(hk_addrspace *as, uint64_t addr);

#endif
