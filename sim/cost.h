/*
 * cost.h - the cost model: predicted time is a weighted sum of what the
 * simulation counted, each weight a per-event cost in nanoseconds read
 * from a calibration file (JSON, keys as in hk_cost_names) measured on
 * the machine the prediction is for (`hakmem calibrate`).
 *
 * The sum covers what a real replay's measured time covers: the
 * allocator's work, the kernel's, and the replay engine's own (decoding
 * events, following objects, writing the blocks as the touch mode says,
 * handing objects between threads).  A calibration file may also carry
 * the machine's TLB geometry and data caches, which then replace the
 * built-in presets.
 */
#ifndef HK_COST_H
#define HK_COST_H

#include <stddef.h>
#include <stdint.h>

#include "core/os.h"
#include "core/stats.h"
#include "replay.h"
#include "dcache.h"
#include "thp.h"
#include "tlb.h"

enum hk_cost_term {
    HK_COST_MALLOC,      /* per malloc/calloc/aligned served by a front */
    HK_COST_FREE,        /* per free */
    HK_COST_REALLOC,     /* per realloc */
    HK_COST_REFILL,      /* per block moved from a slab into a front */
    HK_COST_FLUSH,       /* per block moved from a front back to a slab */
    HK_COST_SLAB,        /* per slab taken from or given to the pool */
    HK_COST_REMOTE_FREE, /* per block freed into another thread's slab */
    HK_COST_FRONT_MISS,  /* per malloc the front could not serve */
    HK_COST_GIVE_BACK,   /* per block a free returned to its slab at once
                          * (no front cache: shared_pool=0) */
    HK_COST_LARGE,       /* per large block allocated or freed through the
                          * large cache, not a thread's keep (keep.h) */
    HK_COST_MMAP,        /* per call */
    HK_COST_MUNMAP,
    HK_COST_MADVISE,
    HK_COST_MINCORE,
    HK_COST_MINCORE_NEAR, /* the same, a pointer probe soon after the
                           * allocator's last system call, whose kernel
                           * path the caches still hold (os_sim.c says how
                           * soon); mincore is timed cold */
    HK_COST_MPROTECT,
    HK_COST_MUNMAP_PAGE,  /* per resident page released by munmap */
    HK_COST_MADVISE_PAGE, /* per resident page released by madvise */
    HK_COST_PAGE_FAULT,
    HK_COST_PAGE_TABLE,  /* per page table made (a first fault in a 2 MiB
                          * region) and freed with the region's last
                          * mapping */
    HK_COST_HUGE_FAULT,  /* per fault that made a 2 MiB huge page */
    HK_COST_TLB_L2_HIT,  /* an L1 dTLB miss that hits the second level */
    HK_COST_TLB_WALK,    /* a miss in both: a page walk */
    HK_COST_CACHE_L2,    /* a line the L1d missed: L2's latency over L1's */
    HK_COST_CACHE_L3,    /* a line L2 missed too: L3's over L2's */
    HK_COST_CACHE_MEM,   /* a line L3 missed too: memory's over L3's */
    HK_COST_CACHE_MEM_NEAR, /* the same, an event after the last such miss,
                             * in the threaded engine: its ops do so little
                             * between them that the core overlaps the two
                             * (dcache.h counts them, measure_overlap.c
                             * prices them); and a store's, in either
                             * engine, which the core does not wait for */
    /* The replay engine's own work, per event of the engine that runs
     * (setting engine): serial decodes each event and follows its
     * object in a table; threads dispatches pre-loaded ops and waits
     * where an object passes from one thread to another. */
    HK_COST_START,        /* per serial replay: its first steps in a fresh
                           * process (code, tables and caches cold) */
    HK_COST_START_THREADS, /* the same for a threaded replay, whose first
                            * hundred thousand ops or so cost twice what
                            * later ones do */
    HK_COST_DECODE,       /* per event read from the trace (serial) */
    HK_COST_OBJECT_TABLE, /* per event's object looked up (serial) */
    HK_COST_DISPATCH,     /* per op dispatched (threads) */
    HK_COST_HANDOFF,      /* per op on an object another thread had last */
    HK_COST_THREAD,       /* per trace thread after the first (threads):
                           * woken for its first op, its heap taken and
                           * parked, its end */
    HK_COST_TOUCH_WRITE,  /* per write: a block's first byte (touch=first),
                           * a byte in each page it spans (touch=pages) */
    HK_COST_TOUCH_BYTE,   /* per byte written by touch=all */
    HK_COST_COPY_BYTE,    /* per byte a realloc that moved copied */
    HK_COST_TERMS
};

extern const char *const hk_cost_names[HK_COST_TERMS];

/* The term named name (an enum hk_cost_term), or -1. */
int hk_cost_term_of(const char *name);

typedef struct hk_cost {
    double ns[HK_COST_TERMS];
    int has_tlb;          /* the file named the machine's TLB geometry: */
    hk_tlb_config tlb;
    char tlb_source[512]; /* how it was found */
    int has_dcache;       /* the file named the machine's data caches: */
    hk_dcache_config dcache;
    char dcache_source[512];
    int has_thp;          /* the file named the machine's huge page mode: */
    enum hk_thp thp;
} hk_cost;

/* The calibration shipped in experiments/calibrate/default.json; no TLB
 * geometry (the simulator's preset applies). */
void hk_cost_default(hk_cost *c);

/* Where the TLB geometry and the data caches that a run with this
 * calibration models came from. */
const char *hk_cost_tlb_source(const hk_cost *c);
const char *hk_cost_dcache_source(const hk_cost *c);

/* The data caches a run with this calibration models: the file's, else
 * the preset (dcache.h). */
void hk_cost_dcache(const hk_cost *c, hk_dcache_config *out);

/* Take a calibration, the object root read from the file path (named in
 * errors): every key must be a known term with a number >= 0, or "tlb",
 * an object of TLB settings (tlb_l1_4k_entries, ...) and its "source",
 * or "dcache", the data caches (dcache.h's field names) and a "source",
 * or "thp", the kernel's transparent huge page mode (never, madvise or
 * always); keys starting with '_' are notes.  Terms it does not mention
 * keep their current value; on an error c is untouched. */
struct cJSON;
int hk_cost_from_json(hk_cost *c, const struct cJSON *root, const char *path,
                      char *err, size_t errlen);

/* What a run observed, from which the model counts its events. */
typedef struct hk_cost_inputs {
    const hk_class_stats *alloc;  /* the allocator's totals */
    const hk_large_stats *large;
    const hk_os_counts *os;       /* the backend's system calls */
    const hk_replay_stats *replay;
    int serial;                   /* the engine: serial, else threads */
    uint64_t page_faults, huge_faults; /* all faults; the huge among them */
    uint64_t page_tables, unmapped_pages, purged_pages;
    uint64_t tlb_l2_hits, tlb_walks;
    uint64_t probes_near; /* of the mincore calls, those near the last call */
    const hk_dcache_stats *dcache; /* NULL: the model was off */
} hk_cost_inputs;

/* The count of every term. */
void hk_cost_count(const hk_cost_inputs *in, uint64_t counts[HK_COST_TERMS]);

/* Predicted ns for the given counts; by_term (optional) gets each term. */
double hk_cost_predict(const hk_cost *c, const uint64_t counts[HK_COST_TERMS],
                       double by_term[HK_COST_TERMS]);

#endif
