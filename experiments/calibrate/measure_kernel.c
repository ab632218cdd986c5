/*
 * measure_kernel.c - the kernel's terms: raw system calls on 2 MiB
 * anonymous regions, and page faults.
 *
 * An allocator's system calls and page faults come one at a time between
 * stretches of the program's own work, which evicts the kernel's code
 * and data from the caches; in a tight loop of calls they stay cached,
 * and a call can cost half of what it does in a program (mincore: 1.4 us
 * against 2.4 us on a virtual machine).  So every call is timed cold:
 * after a sweep over the sweep buffer, and the sweeps' own time, measured
 * alone, is taken off.  Page faults, each ten times a call, are timed in
 * a row: cold, they would cost a few percent more, which the sweeps'
 * noise would hide.  Everything here is timed by the thread's CPU clock
 * (calib.h says why).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "experiments/calibrate/calib.h"

#define CALLS 16 /* system calls of each kind per repetition */
#define REGION ((size_t)2 << 20)
#define REGION_PAGES (REGION / HK_OS_PAGE)
/* Faults are timed over a region of the size programs fault in: on a
 * virtual machine a fault costs more there than in a few hundred KiB
 * (here, first touches: 9.8 us over 512 KiB, 11.2 us over 16 MiB; after
 * MADV_DONTNEED: 12.8 and 15.2 us). */
#define FAULT_REGION ((size_t)8 << 20)
#define FAULT_PAGES 1024 /* pages faulted, twice, per repetition */
#define HUGE_REGION ((size_t)8 << 20) /* huge faults: four per repetition */

/* bytes of private anonymous memory aligned to align (a power of two),
 * with madvise advice (MADV_HUGEPAGE or MADV_NOHUGEPAGE) taken. */
char *calib_map_aligned(size_t bytes, size_t align, int advice)
{
    size_t len = bytes + align - HK_OS_PAGE;
    char *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        calib_die("cannot map %zu bytes", len);
    char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (p > raw)
        munmap(raw, (size_t)(p - raw));
    if (raw + len > p + bytes)
        munmap(p + bytes, (size_t)(raw + len - (p + bytes)));
    madvise(p, bytes, advice);
    return p;
}

static char *map_region(void)
{
    char *p = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        calib_die("cannot map a region");
    return p;
}

/* n sweeps, timed: what the cold loops below take off. */
static double sweeps_ns(calib *k, int n)
{
    uint64_t t0 = calib_cpu_ns();
    for (int i = 0; i < n; i++)
        calib_sweep(k);
    return (double)(calib_cpu_ns() - t0) - k->cpu_timer_ns;
}

enum kernel_call { MAP, UNMAP, ADVISE, CORE, PROTECT, KERNEL_CALLS };

/* The j-th call of a kind: on the regions mapped by the MAP calls, or on
 * `one`, the region that stays. */
static void kernel_call(enum kernel_call kind, int j, char *one,
                        char **region)
{
    unsigned char vec;
    switch (kind) {
    case MAP: region[j] = map_region(); break;
    case UNMAP: munmap(region[j], REGION); break;
    case ADVISE: madvise(one, REGION, MADV_DONTNEED); break;
    case CORE: mincore(one + (size_t)j * HK_OS_PAGE, HK_OS_PAGE, &vec); break;
    case PROTECT:
        mprotect(one, REGION, j & 1 ? PROT_READ | PROT_WRITE : PROT_READ);
        break;
    default: break;
    }
}

/* Per call of a loop of CALLS (sweep, call) pairs, less CALLS sweeps
 * timed alone just before and just after it: the lesser of the two, as
 * a stall of the machine only ever adds time (one in the baseline made
 * every call come out at nothing). */
static double cold_call_ns(calib *k, enum kernel_call kind, char *one,
                           char **region)
{
    double before = sweeps_ns(k, CALLS);
    uint64_t t0 = calib_cpu_ns();
    for (int j = 0; j < CALLS; j++) {
        calib_sweep(k);
        kernel_call(kind, j, one, region);
    }
    double loop = (double)(calib_cpu_ns() - t0) - k->cpu_timer_ns;
    double after = sweeps_ns(k, CALLS);
    return (loop - (before < after ? before : after)) / CALLS;
}

/* mmap, munmap, madvise, mprotect on untouched 2 MiB regions, and mincore
 * on one page, as the allocator's pointer check calls it; per call.  The
 * region that stays (its advice makes it a mapping of its own kind) never
 * merges with those mapped and unmapped next to it. */
void measure_syscalls(calib *k)
{
    static const enum hk_cost_term term[KERNEL_CALLS] = {
        HK_COST_MMAP, HK_COST_MUNMAP, HK_COST_MADVISE, HK_COST_MINCORE,
        HK_COST_MPROTECT};
    char *one = calib_map_aligned(REGION, HK_OS_PAGE, MADV_NOHUGEPAGE);
    char *region[CALLS];
    double v[KERNEL_CALLS][CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++)
        for (int c = 0; c < KERNEL_CALLS; c++)
            v[c][r] = cold_call_ns(k, (enum kernel_call)c, one, region);
    munmap(one, REGION);
    for (int c = 0; c < KERNEL_CALLS; c++)
        calib_settle(k, term[c], v[c]);
}

/* Write one byte in each of FAULT_PAGES pages after p's first (which
 * made the region's page table: page_table's part); the time. */
static double fault(calib *k, char *p)
{
    uint64_t t0 = calib_cpu_ns();
    for (size_t i = 1; i <= FAULT_PAGES; i++)
        p[i * HK_OS_PAGE] = 1;
    return (double)(calib_cpu_ns() - t0) - k->cpu_timer_ns;
}

static void touch_pages(char *p, size_t bytes)
{
    for (size_t off = 0; off < bytes; off += HK_OS_PAGE)
        p[off] = 1;
}

/* Per 2 MiB chunk of a fresh region advised to use huge pages: a write
 * to its first byte, which makes the whole chunk resident with one fault
 * where the kernel has huge pages to give; where it has not (it made a
 * single page resident), a write to every page of the chunk, which is what
 * a program that uses the chunk pays instead. */
static double huge_fault_ns(calib *k)
{
    char *h = calib_map_aligned(HUGE_REGION, HK_OS_HUGE_PAGE, MADV_HUGEPAGE);
    uint64_t t0 = calib_cpu_ns();
    for (size_t off = 0; off < HUGE_REGION; off += HK_OS_HUGE_PAGE)
        h[off] = 1;
    uint64_t t1 = calib_cpu_ns();
    int huge = hk_os_resident_pages(h, HK_OS_HUGE_PAGE) ==
               HK_OS_HUGE_PAGE / HK_OS_PAGE;
    if (!huge) {
        calib_note(k, "huge_fault: this machine gave no huge page to an "
                      "advised region; priced as 512 page faults");
        touch_pages(h, HUGE_REGION);
    }
    uint64_t t2 = calib_cpu_ns();
    munmap(h, HUGE_REGION);
    return ((double)(huge ? t1 - t0 : t2 - t0) - k->cpu_timer_ns) /
           (double)(HUGE_REGION / HK_OS_HUGE_PAGE);
}

/* page_fault: first writes to FAULT_PAGES pages of a fresh FAULT_REGION,
 * and again after madvise(MADV_DONTNEED) emptied them, before the 2 MiB
 * regions of the other terms (which a large munmap just before would
 * slow down, on a virtual machine); munmap_page and
 * madvise_page: the time those calls take on a region of resident pages
 * over an untouched one's, per page; page_table: a region mapped, one
 * page written, unmapped, less what the other terms price that at (its
 * first fault makes the region's page table, the munmap frees it);
 * huge_fault: huge_fault_ns. */
void measure_pages(calib *k)
{
    double vfault[CALIB_MAX_REPS], vunmap[CALIB_MAX_REPS],
        vadvise[CALIB_MAX_REPS], vtable[CALIB_MAX_REPS],
        vhuge[CALIB_MAX_REPS];
    for (int r = 0; r < k->reps; r++) {
        vhuge[r] = huge_fault_ns(k);
        char *f = calib_map_aligned(FAULT_REGION, HK_OS_PAGE, MADV_NOHUGEPAGE);
        f[0] = 1;
        double fresh = fault(k, f);
        madvise(f + HK_OS_PAGE, FAULT_PAGES * HK_OS_PAGE, MADV_DONTNEED);
        double emptied = fault(k, f);
        munmap(f, FAULT_REGION);
        char *p = calib_map_aligned(REGION, HK_OS_PAGE, MADV_NOHUGEPAGE);
        touch_pages(p, REGION);
        uint64_t t0 = calib_cpu_ns();
        madvise(p, REGION, MADV_DONTNEED);
        uint64_t t1 = calib_cpu_ns();
        touch_pages(p, REGION);
        uint64_t t2 = calib_cpu_ns();
        munmap(p, REGION);
        uint64_t t3 = calib_cpu_ns();
        vfault[r] = (fresh + emptied) / (2.0 * FAULT_PAGES);
        vadvise[r] = ((double)(t1 - t0) - k->cpu_timer_ns -
                      k->ns[HK_COST_MADVISE]) / REGION_PAGES;
        vunmap[r] = ((double)(t3 - t2) - k->cpu_timer_ns -
                     k->ns[HK_COST_MUNMAP]) / REGION_PAGES;
        uint64_t t4 = calib_cpu_ns();
        for (int j = 0; j < CALLS; j++) {
            char *q = map_region();
            q[0] = 1;
            munmap(q, REGION);
        }
        vtable[r] = ((double)(calib_cpu_ns() - t4) - k->cpu_timer_ns) /
                        CALLS -
                    k->ns[HK_COST_MMAP] - k->ns[HK_COST_MUNMAP] -
                    vunmap[r] - vfault[r];
    }
    calib_settle(k, HK_COST_PAGE_FAULT, vfault);
    calib_settle(k, HK_COST_PAGE_TABLE, vtable);
    calib_settle(k, HK_COST_MUNMAP_PAGE, vunmap);
    calib_settle(k, HK_COST_MADVISE_PAGE, vadvise);
    calib_settle(k, HK_COST_HUGE_FAULT, vhuge);
}
