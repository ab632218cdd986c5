/*
 * dcache.h - the simulator's data caches: up to three levels of
 * set-associative caches of 64-byte lines, LRU within a set, that see
 * every byte the core reports touching and the replay engine's own
 * tables.
 *
 * An access to a line looks it up in L1; a miss goes on to L2, then to
 * L3, then to memory, and the line is filled into every level it missed.
 * Non-inclusive, like the TLB: an eviction from one level leaves the
 * others alone.  misses[k] counts the accesses no level up to k + 1 held,
 * prefetched lines (below) aside, and overlapped stores' misses to
 * memory (hk_dcache_stores) aside from misses[2], so accesses >= misses[0] +
 * prefetched and misses[0] >= misses[1] >= misses[2]; an absent level
 * (bytes == 0) holds nothing.
 *
 * Streams.  The hardware's prefetchers follow several sequential streams
 * at once and bring each one's next lines in ahead of use.  The model
 * follows 16: an access to the line after a stream's last moves the
 * stream on, and any other starts one (unless one ends at that line), in
 * place of the oldest; a line that misses L1 as it continues a stream is
 * filled like any miss but counted as prefetched, not as missed.  So the
 * line after the one looked up last is always a stream's, but that one
 * alone would not do: a loop that frees blocks in address order reads
 * each one's metadata between them, and would miss on every block.
 * Frames are hashed, so a stream ends at a 4 KiB page boundary, as real
 * prefetchers' do; a page fault forgets every stream.  The fault path's
 * lines are counted apart and never as prefetched.
 *
 * Indexing.  A real L2 or L3 is indexed by physical address, and the
 * kernel hands out page frames in no order tied to virtual addresses, so
 * each 4 KiB page gets a frame that is a fixed hash of its virtual page
 * number, and a line's key is its frame's line number.  Two runs of the
 * same trace get the same frames; neighbouring pages do not share sets
 * by construction, as they would if virtual addresses indexed a large
 * cache.  An L1 of at most 64 sets is indexed by bits within the page,
 * as a VIPT cache is, which the hash leaves alone.
 *
 * Page faults.  A fault's price (the calibration's page_fault) is measured
 * with little else running, so its own code and data sit in the caches;
 * in a program they may not, and the fault displaces the program's lines
 * in turn.  On a virtual machine, where a fault may leave the VM, the
 * first level is often emptied outright (an L1 flush on re-entry), and
 * part of the second.  hk_dcache_fault() models all three: the zeroed
 * page's lines fill every level; the fault path's own fault_path_lines
 * lines (a fixed range no program address reaches) are looked up and
 * filled, their misses counted apart (fault_misses); then fault_lines[k]
 * slots of level k + 1, picked by a fixed pseudo-random sequence, are
 * emptied (all of them when that is the level's size).  The calibration
 * measures both numbers on its machine.
 *
 * Not modelled: instruction fetch, prefetchers other than the stream
 * one above, write-backs, coherence between simulated CPUs (one hierarchy
 * serves every thread, as the serial engine runs them on one core), and
 * replacement other than LRU.
 *
 * The configuration's functions are in dcache_config.c, the sets in
 * assoc.c (shared with the TLB).
 */
#ifndef HK_DCACHE_H
#define HK_DCACHE_H

#include <stddef.h>
#include <stdint.h>

#define HK_DCACHE_LEVELS 3
#define HK_DCACHE_LINE 64

typedef struct hk_dcache_config {
    uint64_t bytes[HK_DCACHE_LEVELS]; /* 0: the level is absent */
    uint32_t ways[HK_DCACHE_LEVELS];
    uint32_t fault_lines[HK_DCACHE_LEVELS]; /* emptied by each page fault */
    uint32_t fault_path_lines;              /* the fault path's own */
} hk_dcache_config;

/* The preset: Intel Golden Cove's L1d (48 KiB, 12-way) and L2 (1.25 MiB,
 * 10-way), and an L3 slice of 2 MiB per core, 16-way, for eight cores;
 * faults displace nothing. */
void hk_dcache_config_default(hk_dcache_config *c);

/* Set a field by name, as a calibration file names it: l{1,2,3}_bytes,
 * l{1,2,3}_ways, fault_l{1,2,3}_lines, fault_path_lines.  Returns 0, or
 * -1 for an unknown name. */
int hk_dcache_config_set(hk_dcache_config *c, const char *name,
                         uint64_t value);

/* Call fn with every field's name and value, in a fixed order. */
void hk_dcache_config_visit(const hk_dcache_config *c,
                            void (*fn)(void *ctx, const char *name,
                                       uint64_t v),
                            void *ctx);

/* Level `level` (0 for L1) made about `bytes` in sets of about `ways`
 * (16 when 0 or over 64), in a shape the model takes: a power-of-two
 * number of sets, the ways that fill the bytes (at most 64), the bytes
 * rounded down to match; under 64 bytes, absent. */
void hk_dcache_config_shape(hk_dcache_config *c, unsigned level,
                            uint64_t bytes, uint32_t ways);

/* 0 if c is a hierarchy hk_dcache_create() can build, else -1 with a
 * one-line reason naming the level: bytes a multiple of ways * 64 giving
 * a power-of-two number of sets, ways from 1 to 64, at most 1 GiB. */
int hk_dcache_config_check(const hk_dcache_config *c, char *err,
                           size_t errlen);

/* Misses to memory are also counted by their distance, in events of the
 * program (hk_dcache_event), from the one before: 0 (the same event), 1
 * (the event before), ..., up to HK_DCACHE_GAPS - 1, which counts that
 * many or more (and the first).  A core that runs ahead of a miss
 * overlaps it with the next only when little work lies between them
 * (sim/cost.h). */
#define HK_DCACHE_GAPS 3

typedef struct hk_dcache_stats {
    uint64_t accesses;                 /* lines the program looked up */
    uint64_t misses[HK_DCACHE_LEVELS]; /* of them, missed by L1; by L1
                                        * and L2; by every level */
    uint64_t prefetched;               /* missed L1 but streamed in */
    uint64_t mem_gaps[HK_DCACHE_GAPS]; /* misses[2] by their distance */
    uint64_t store_misses;             /* overlapped stores' misses to
                                        * memory (beside misses[2]) */
    uint64_t fault_accesses;           /* lines of the fault path */
    uint64_t fault_misses[HK_DCACHE_LEVELS];
    uint64_t fault_evictions;          /* valid lines emptied by faults */
} hk_dcache_stats;

typedef struct hk_dcache hk_dcache;

/* Empty caches, or NULL with a reason (bad geometry, out of memory). */
hk_dcache *hk_dcache_create(const hk_dcache_config *c, char *err,
                            size_t errlen);
void hk_dcache_destroy(hk_dcache *d);

/* Every line of [vaddr, vaddr + bytes), bytes > 0, is read or written. */
void hk_dcache_access(hk_dcache *d, uint64_t vaddr, uint64_t bytes);

/* A run of stores begins (on) or ends (0): the accesses between are
 * writes that nothing reads soon after (the replay engine's into a new
 * block).  A core retires a store without waiting for its line, so the
 * misses to memory of a run overlap: the first counts as any, each later
 * one in store_misses, not in misses[2] or mem_gaps. */
void hk_dcache_stores(hk_dcache *d, int on);

/* The program goes on to its next event (a malloc, a free, ...). */
void hk_dcache_event(hk_dcache *d);

/* A page fault at vaddr: the kernel zeroed the 4 KiB page holding it
 * (the one it clears last, for a huge page), whose lines every level then
 * holds; then the displacement the configuration says. */
void hk_dcache_fault(hk_dcache *d, uint64_t vaddr);

/* The counters, live. */
const hk_dcache_stats *hk_dcache_stats_get(const hk_dcache *d);

#endif
