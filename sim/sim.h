/*
 * sim.h - the simulated world behind core/os.h.
 *
 * hk_sim_start() sets up a fresh world: an empty simulated address space,
 * zeroed counters, a TLB, data caches, and a clock at 0.  Mappings are
 * placed by the same rules the real backend uses (aligned regions upward
 * from 16 TiB, the first 1 MiB of page-aligned metadata from a reserve
 * with no call, the rest downward from just below 16 TiB), so every
 * address, and so every counter, is the same from run to run and machine
 * to machine.  Each simulated mapping is backed by real memory at the
 * same address, so the allocator can write into what it gets.
 */
#ifndef HK_SIM_H
#define HK_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "addrspace.h"
#include "dcache.h"
#include "tlb.h"

typedef struct hk_sim_config {
    enum hk_thp thp; /* the kernel's transparent huge page mode */
    int tlb;   /* 0: no TLB model (faster) */
    hk_tlb_config tlb_config;
    int dcache; /* 0: no data cache model (faster) */
    hk_dcache_config dcache_config;
} hk_sim_config;

void hk_sim_config_default(hk_sim_config *c);

/* 0, or -1 with a message (bad TLB geometry, no memory). */
int hk_sim_start(const hk_sim_config *c, char *err, size_t errlen);
/* Unmap everything the simulation backed with real memory. */
void hk_sim_stop(void);

const hk_addrspace *hk_sim_addrspace(void);
/* NULL when the TLB model is off. */
const hk_tlb_stats *hk_sim_tlb_stats(void);
/* NULL when the data cache model is off. */
const hk_dcache_stats *hk_sim_dcache_stats(void);

/* A run of the program's writes into a new block (the replay engine's
 * touch) begins (on) or ends (0): stores, whose misses the core
 * overlaps (dcache.h, hk_dcache_stores). */
void hk_sim_stores(int on);

/* The pointer probes (mincore on one page, ptr_check=always) made soon
 * after another system call, when the kernel's path is still cached. */
uint64_t hk_sim_probes_near(void);

#endif
