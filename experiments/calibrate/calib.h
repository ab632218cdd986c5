/*
 * calib.h - what the measurements of `hakmem calibrate` share: the run's
 * state, the clock, and how a pass settles a term.
 *
 * A measurement sets k->ns[t] of its terms to this pass's value (the
 * median of k->reps repetitions); it may read k->ns of terms measured
 * before it, which hold their value over the passes so far, to take
 * their cost off its own loops.
 */
#ifndef HK_CALIB_H
#define HK_CALIB_H

#include <cpuid.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "sim/cost.h"
#include "sim/dcache.h"
#include "sim/tlb.h"

#define CALIB_MAX_REPS 51

typedef struct calib {
    int reps;                 /* repetitions per term in a pass */
    int cpu;                  /* the one CPU it runs on, or -1 */
    double timer_ns;          /* a clock read, taken off each interval */
    double cpu_timer_ns;      /* a read of the thread's CPU clock */
    double ns[HK_COST_TERMS]; /* this pass's, then the final, costs */
    char notes[2048];
    /* The 1-minute load average before measuring (-1 if unknown): what
     * else the machine was running, without calibrate's own threads. */
    double load_before;
    /* The share of its CPU's time (all CPUs' when it is not kept to one)
     * that other work and the host took while it measured; -1 if
     * unknown (contention.c). */
    double others;
    /* Cold system calls: swept between calls, as a program's own work
     * would, so the kernel's code and data are not all in the caches. */
    unsigned char *sweep;
    size_t sweep_bytes;
    /* The TLB: the geometry the terms are measured against, and what the
     * geometry scan found (measure_tlb.c). */
    hk_tlb_config tlb;
    char tlb_source[512];
    size_t tlb_near, tlb_far;
    struct chase_sets *chase;
    /* The data caches: the geometry, and what a page fault displaces
     * (measure_cache.c). */
    hk_dcache_config dcache;
    char dcache_source[512];
    /* The replay engines' reference traces (measure_engine.c). */
    struct engine_refs *engine;
} calib;

__attribute__((noreturn, format(printf, 1, 2))) void calib_die(const char *fmt,
                                                              ...);
/* Add a sentence, once, to the "_notes" of the calibration file. */
__attribute__((format(printf, 2, 3))) void calib_note(calib *k,
                                                      const char *fmt, ...);
void *calib_xcalloc(size_t n, size_t size);
uint64_t calib_now_ns(void);
/* The thread's CPU time: what the kernel's terms are timed by.  On a
 * virtual machine a system call or page fault may wait for the host,
 * which the wall clock counts and the CPU clock does not, and neither
 * does the CPU time `hakmem validate` compares predictions with.  The
 * allocator's and the TLB's short loops are timed by the wall clock,
 * whose read costs tens of nanoseconds, not microseconds. */
uint64_t calib_cpu_ns(void);
/* This pass's cost of term t: the median of the repetitions v[]. */
void calib_settle(calib *k, enum hk_cost_term t, double *v);

/* Keep the compiler from dropping the work that produced p. */
static inline void calib_use(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Whose CPU this is (Hygon's count as AMD's: same leaves), with the
 * highest standard CPUID leaf in *max. */
enum calib_vendor { CALIB_INTEL, CALIB_AMD, CALIB_OTHER_VENDOR };

static inline enum calib_vendor calib_cpu_vendor(unsigned *max)
{
    unsigned b, c, d;
    char vendor[13] = "";
    __cpuid(0, *max, b, c, d);
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    if (!strcmp(vendor, "GenuineIntel"))
        return CALIB_INTEL;
    if (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine"))
        return CALIB_AMD;
    return CALIB_OTHER_VENDOR;
}

/* AMD's associativity codes (CPUID leaf 0x80000006, for TLBs and caches
 * alike) for an array of `entries`; 0: unusable. */
static inline unsigned calib_amd_ways(unsigned code, unsigned entries)
{
    static const unsigned ways[16] = {0, 1, 2, 3, 4, 6, 8, 0,
                                      16, 0, 32, 48, 64, 96, 128, 0};
    return code == 0xf ? entries : ways[code & 0xf];
}

/* bytes of private anonymous memory aligned to align (a power of two),
 * with madvise advice (MADV_HUGEPAGE or MADV_NOHUGEPAGE) taken. */
char *calib_map_aligned(size_t bytes, size_t align, int advice);

/* The next of a sequence of random numbers from *state (splitmix64). */
uint64_t calib_random(uint64_t *state);

/* Pointer chases (chase.c): link the n lines line(ctx, 0 .. n-1) into
 * one cycle in random order, each holding the next one's address;
 * returns line 0. */
void *calib_chase_link(size_t n, char *(*line)(const void *ctx, size_t i),
                       const void *ctx, uint64_t *rng);
/* Follow `steps` links from *at, leaving *at where the chase stopped;
 * the wall time it took. */
uint64_t calib_chase(void **at, size_t steps);

/* qsort's order of size_t values. */
static inline int calib_by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Read one byte in every cache line of the sweep buffer. */
void calib_sweep(calib *k);

/* An allocator with the default settings, and its end (with the heaps
 * still live in it). */
hk_allocator *calib_allocator(void);
void calib_allocator_free(hk_allocator *a);

/* The measurements, by file.  Each runs k->reps repetitions. */
void measure_timer(calib *k);
void measure_fast_path(calib *k);      /* malloc, free */
void measure_realloc(calib *k);        /* realloc */
void measure_refill_flush(calib *k);   /* refill, flush, front_miss,
                                          give_back, mincore_near */
void measure_slab(calib *k);           /* slab */
void measure_remote_free(calib *k);    /* remote_free */
void measure_large(calib *k);          /* large */
void measure_syscalls(calib *k);       /* mmap, munmap, madvise, mincore,
                                          mprotect */
void measure_pages(calib *k);          /* page_fault, page_table,
                                          *_page */
void measure_tlb(calib *k);            /* tlb_l2_hit, tlb_walk */
void measure_cache(calib *k);          /* cache_l2, cache_l3, cache_mem */
void measure_overlap(calib *k);        /* cache_mem_near */
void measure_decode(calib *k);         /* decode */
void measure_engines(calib *k); /* start, start_threads, object_table,
                                * dispatch */
void measure_handoff(calib *k);        /* handoff */
void measure_thread(calib *k);         /* thread */
void measure_touch(calib *k);          /* touch_write, touch_byte,
                                          copy_byte */

/* A reading of /proc/stat's line for one CPU (all CPUs when cpu < 0)
 * and of this process's CPU time, children included (contention.c). */
typedef struct calib_cpu_mark {
    unsigned long long busy, total; /* clock ticks; busy includes steal */
    double own_s;
    int ok;
} calib_cpu_mark;
void calib_cpu_mark_take(int cpu, calib_cpu_mark *m);
/* The share of the CPU's time between a and b that went to other work
 * and the host, 0 to 1; -1 when /proc/stat could not be read. */
double calib_cpu_others(const calib_cpu_mark *a, const calib_cpu_mark *b);

/* Set up and tear down what measurements keep between passes. */
/* k->tlb, k->tlb_source; CPUID's unchecked unless scan. */
void tlb_geometry(calib *k, int scan);
void chase_sets_close(calib *k);
/* k->dcache and k->dcache_source; with faults, what a fault displaces
 * too (else nothing). */
void cache_geometry(calib *k, int faults);
/* The L3 one scan finds now past c's L2, in bytes (0: none): a guest's
 * share of a shared L3 moves with what its neighbours run, which
 * `--check` reports.  One scan, where cache_geometry takes the median of
 * three, since `validate` probes up to runs + 1 times. */
size_t cache_l3_share(const hk_dcache_config *c);
void engine_refs_open(calib *k);
void engine_refs_close(calib *k);

#endif
