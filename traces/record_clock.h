/*
 * record_clock.h - the recorder's clock (private to traces/).
 *
 * Events are stamped in ticks: the time stamp counter on x86 processors
 * whose TSC runs at a constant rate (cpuid says "invariant TSC"), else
 * CLOCK_MONOTONIC in nanoseconds.  Reading the TSC costs about a third
 * of clock_gettime, which would be the largest cost of a recorded call.
 * The raw file carries anchors (hk_raw_anchor: one at the start, one per
 * chunk as it is written); the converter turns ticks into CLOCK_MONOTONIC
 * nanoseconds along the line through the first and the last anchor.
 */
#ifndef HK_RECORD_CLOCK_H
#define HK_RECORD_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "record_raw.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define HK_HAVE_TSC 1
#else
#define HK_HAVE_TSC 0
#endif

static inline uint64_t hk_rec_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether ticks are TSC cycles: cpuid leaf 0x80000007, EDX bit 8. */
static inline int hk_rec_clock_tsc(void)
{
#if HK_HAVE_TSC
    unsigned a, b, c, d;
    return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
#else
    return 0;
#endif
}

static inline uint64_t hk_rec_ticks(int tsc)
{
#if HK_HAVE_TSC
    if (tsc)
        return __rdtsc();
#endif
    (void)tsc;
    return hk_rec_mono_ns();
}

static inline hk_raw_anchor hk_rec_anchor(int tsc)
{
    hk_raw_anchor a;
    a.ticks = hk_rec_ticks(tsc);
    a.ns = tsc ? hk_rec_mono_ns() : a.ticks;
    return a;
}

#endif
