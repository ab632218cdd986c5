/*
 * tlb.h - the simulator's data TLB: a first-level dTLB and a second-level
 * TLB (STLB), each with separate arrays for 4 KiB and 2 MiB translations,
 * set-associative with LRU replacement within a set.
 *
 * An access names a virtual address and the size of the page backing it;
 * the caller (the simulated address space) knows which.  It goes:
 *
 *   L1 array of that size: hit -> done;
 *   else STLB array holding that size: hit -> fill L1;
 *   else page walk (counted as an STLB miss) -> fill the STLB, fill L1.
 *
 * Inclusion: non-inclusive.  The STLB is filled only by walks and L1 by
 * both STLB hits and walks; an eviction from either level leaves the
 * other alone, so a translation may be held by L1 alone, the STLB alone,
 * both, or neither.  Invalidation drops it from both.
 *
 * Absent arrays: entries == 0 removes an array and its level is skipped
 * for that page size.  Without an L1 array every access of that size goes
 * to the STLB (and counts as an L1 miss); without an STLB array every L1
 * miss of that size is a walk, as on cores whose STLB holds only 4 KiB
 * translations (Nehalem).  With l2_shared = 1 one STLB array (l2_4k)
 * holds both sizes, competing for the same ways, and l2_2m is ignored.
 * In a shared array a 2 MiB translation goes to the set given by its 2
 * MiB page number.
 *
 * Invalidation: the kernel shoots down the TLB entries of a range when it
 * unmaps it (munmap) and when it zaps its pages (madvise MADV_DONTNEED),
 * because the old translations point at frames that are gone.
 * hk_tlb_invalidate() models that for one TLB; the caller calls it where
 * the kernel would shoot down, once per simulated CPU whose TLB may hold
 * the range.  It drops every translation of either size whose page
 * overlaps the range, so a 2 MiB entry goes even when the range covers
 * only part of its page.
 *
 * Statistics always satisfy
 *   accesses  == l1_hits + l1_misses
 *   l1_misses == l2_hits + l2_misses      (l2_misses == page walks)
 * and accesses_2m, l2_misses_2m count the 2 MiB part of accesses and
 * l2_misses.  evictions_l1 / evictions_l2 count valid translations pushed
 * out by fills of that level's arrays; invalidation evicts nothing.
 *
 * The preset: the data TLB of Intel's Golden Cove core (Alder Lake
 * P-core, Sapphire Rapids), from the Intel 64 and IA-32 Architectures
 * Optimization Reference Manual, Golden Cove chapter, table "TLB
 * Parameters of the Golden Cove Microarchitecture"; the associativities
 * checked against Hennessy and Patterson, Computer Architecture: A
 * Quantitative Approach, 7th ed., chapter 2, the Intel Core i9 12900
 * (Alder Lake) example: data TLB 96 entries 6-way for 4 KiB pages, 32
 * entries 4-way for 2/4 MiB, 8 entries 8-way for 1 GiB; STLB 2048
 * entries 16-way for 4 KiB, 2 MiB and 1 GiB pages (as summarized at
 * https://my-knowledge-base-bmo.pages.dev/Reading-Notes/Computer-
 * Architecture/CAQA/02-Memory-Hierarchy/08-Intel-Core-i9-12900):
 *   load DTLB, 4 KiB pages:  96 entries, 6-way    -> l1_4k {96, 6}
 *   load DTLB, 2/4 MiB:      32 entries, 4-way    -> l1_2m {32, 4}
 *   STLB, 4 KiB + 2/4 MiB:   2048 entries, 16-way -> l2_4k {2048, 16},
 *                                                    l2_shared = 1
 * and l2_2m {0, 0}, unused while the STLB is shared.  `hakmem calibrate`
 * measures the machine's own geometry (CPUID checked by a pointer chase,
 * experiments/calibrate/measure_tlb.c); a run priced by its calibration
 * takes that instead of the preset, and says which.
 *
 * Not modelled: 1 GiB pages and their arrays, the separate store DTLB
 * (accesses are not split into loads and stores), the ITLB, page-walk
 * caches, address-space tags (one TLB serves one address space) and any
 * hashing of the set index (the low page-number bits pick it).
 *
 * Limits (hk_tlb_config_check): an array has at most 1048576 entries and
 * 4096 ways; ways divide entries and entries / ways, the number of sets,
 * is a power of two (ways == entries: fully associative, one set).
 *
 * A hk_tlb is not thread-safe; a simulator keeps one per simulated CPU.
 */
#ifndef HK_TLB_H
#define HK_TLB_H

#include <stddef.h>
#include <stdint.h>

/* ways == entries: fully associative; entries == 0: array absent. */
typedef struct hk_tlb_level_config {
    uint32_t entries, ways;
} hk_tlb_level_config;

typedef struct hk_tlb_config {
    hk_tlb_level_config l1_4k, l1_2m, l2_4k, l2_2m;
    int l2_shared; /* 1: l2_4k holds both sizes (l2_2m ignored) */
} hk_tlb_config;

void hk_tlb_config_default(hk_tlb_config *c);

/*
 * Set a field by name, for --set and JSON: tlb_{l1,l2}_{4k,2m}_entries,
 * tlb_{l1,l2}_{4k,2m}_ways, tlb_l2_shared.  Checks the value against the
 * field's own range only; hk_tlb_config_check() checks how fields fit
 * together.  Returns 0, or -1 with a one-line reason naming the field.
 */
int hk_tlb_config_set(hk_tlb_config *c, const char *name, uint64_t value,
                      char *err, size_t errlen);

/* Call fn with every field's name and value, in a fixed order. */
void hk_tlb_config_visit(const hk_tlb_config *c,
                         void (*fn)(void *ctx, const char *name, uint64_t v),
                         void *ctx);

/* Call fn with every field's name, what it means and its range, in the
 * order of hk_tlb_config_visit. */
void hk_tlb_config_describe(void (*fn)(void *ctx, const char *name,
                                       const char *doc, uint64_t min,
                                       uint64_t max),
                            void *ctx);

/* 0 if c is a TLB hk_tlb_create() can build, else -1 with a one-line
 * reason naming the offending field. */
int hk_tlb_config_check(const hk_tlb_config *c, char *err, size_t errlen);

typedef struct hk_tlb_stats {
    uint64_t accesses, l1_hits, l1_misses, l2_hits, l2_misses, evictions_l1,
        evictions_l2;
    uint64_t accesses_2m, l2_misses_2m;
} hk_tlb_stats;

typedef struct hk_tlb hk_tlb;

/* An empty TLB, or NULL with a reason: a bad field (as
 * hk_tlb_config_check) or out of memory. */
hk_tlb *hk_tlb_create(const hk_tlb_config *c, char *err, size_t errlen);
void hk_tlb_destroy(hk_tlb *t);

/* Translate vaddr, backed by a 2 MiB page if huge, else a 4 KiB one. */
void hk_tlb_access(hk_tlb *t, uint64_t vaddr, int huge);

/* Translate every page [vaddr, vaddr + bytes) touches, in address order;
 * nothing when bytes is 0.  A range is clipped at the top of the address
 * space. */
void hk_tlb_access_range(hk_tlb *t, uint64_t vaddr, uint64_t bytes,
                         int huge);

/* Drop every translation, of either size, overlapping [vaddr, vaddr +
 * bytes) from both levels. */
void hk_tlb_invalidate(hk_tlb *t, uint64_t vaddr, uint64_t bytes);

/* The counters, live: they change with each later call on t. */
const hk_tlb_stats *hk_tlb_stats_get(const hk_tlb *t);

#endif
