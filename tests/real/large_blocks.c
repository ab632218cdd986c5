/*
 * large_blocks.c - large blocks under libhakmem.so, judged by the kernel:
 * contents read back, calloc reads zero on memory that held data, a free
 * followed by a malloc of about the same size (smaller, larger, or a
 * realloc) faults in only the pages it did not have, and RSS falls after
 * purge_delay by decay: part at the first delay, most after several, never
 * all at the first, and nothing while the program sleeps.  Page faults
 * are the process's minor faults (getrusage), RSS is VmRSS from
 * /proc/self/status.
 *
 * Run with LD_PRELOAD=libhakmem.so HAKMEM_PURGE_DELAY=200.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "proc_self.h"

#define MIB ((size_t)1 << 20)
#define PAGE 4096
/* HAKMEM_PURGE_DELAY: long enough that a busy machine rarely stalls the
 * test for as long between a free and the check that follows it. */
#define DELAY_MS 200

static int failures;

#define EXPECT(cond, ...)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            failures++;                                                      \
            printf("FAIL: " __VA_ARGS__);                                    \
            printf("\n");                                                    \
        }                                                                    \
    } while (0)

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static unsigned char *alloc(size_t n)
{
    unsigned char *p = malloc(n);
    if (!p) {
        printf("FAIL: malloc(%zu) returned NULL\n", n);
        exit(1);
    }
    return p;
}

/* A pattern that differs from block to block and from page to page. */
static void write_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n - 1; i += 509)
        p[i] = (unsigned char)(i / 509 + seed);
    p[n - 1] = (unsigned char)~seed;
}

static int pattern_holds(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n - 1; i += 509)
        if (p[i] != (unsigned char)(i / 509 + seed))
            return 0;
    return p[n - 1] == (unsigned char)~seed;
}

/* Write one byte per page; the faults it took. */
static long touch(unsigned char *p, size_t n)
{
    long f0 = minor_faults();
    for (size_t i = 0; i < n; i += PAGE)
        p[i] = 1;
    return minor_faults() - f0;
}

static void contents_and_calloc(void)
{
    /* Twenty blocks of 5 to 25 MiB, live together, each read back. */
    unsigned char *p[20];
    size_t n[20];
    for (int i = 0; i < 20; i++) {
        n[i] = 5 * MIB + (size_t)i * 1048573;
        p[i] = alloc(n[i]);
        write_pattern(p[i], n[i], (unsigned)i);
    }
    for (int i = 0; i < 20; i++) {
        EXPECT(pattern_holds(p[i], n[i], (unsigned)i),
               "block %d of %zu bytes lost its contents", i, n[i]);
        memset(p[i], 0xa5, n[i]);
        free(p[i]);
    }
    /* Every one of those bytes was 0xa5: calloc of the same, smaller and
     * larger sizes (reused whole, split, grown) reads zero. */
    static const size_t sizes[] = {5 * MIB, 12 * MIB + 5, 24 * MIB,
                                   3 * MIB, 30 * MIB, 200 * 1024};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        unsigned char *q = calloc(1, sizes[k]);
        size_t i = 0;
        while (i < sizes[k] && q[i] == 0)
            i++;
        EXPECT(i == sizes[k], "calloc(%zu): byte %zu is %#x", sizes[k], i,
               q[i]);
        memset(q, 0x5a, sizes[k]);
        free(q);
    }
}

static void similar_size_does_not_fault(void)
{
    size_t n = 16 * MIB, pages = n / PAGE;
    malloc_trim(0); /* no resident pages left over from before */
    unsigned char *p = alloc(n);
    long first = touch(p, n);
    free(p);

    unsigned char *q = alloc(n - 300 * 1024);
    long smaller = touch(q, n - 300 * 1024);
    free(q);
    unsigned char *r = alloc(n + MIB);
    long larger = touch(r, n + MIB);
    long realloc_faults = minor_faults();
    r = realloc(r, n + 4 * MIB);
    realloc_faults = minor_faults() - realloc_faults + touch(r, n + 4 * MIB);
    free(r);

    printf("faults: first use %ld of %zu pages; smaller %ld; 1 MiB larger "
           "%ld; realloc 3 MiB larger %ld\n",
           first, pages, smaller, larger, realloc_faults);
    EXPECT(smaller < 16, "%ld faults reusing a freed block for a smaller "
           "one", smaller);
    EXPECT(larger < (long)(MIB / PAGE) + 16,
           "%ld faults for a block 1 MiB larger than the freed one", larger);
    EXPECT(realloc_faults < (long)(3 * MIB / PAGE) + 16,
           "%ld faults growing a block by 3 MiB", realloc_faults);
}

/* Slow paths run: a large block comes and goes, and small blocks take
 * and give back slabs (the pool's slow paths let large spans decay). */
static void activity(void)
{
    enum { SMALL = 64 };
    void *q[SMALL];
    free(alloc(300 * 1024));
    for (int i = 0; i < SMALL; i++)
        q[i] = alloc(16 * 1024);
    for (int i = 0; i < SMALL; i++)
        free(q[i]);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A program at work for `ms`: activity every 10 ms. */
static void active_for(long ms)
{
    for (long start = now_ms(); now_ms() - start < ms;) {
        activity();
        sleep_ms(10);
    }
}

static void rss_decays(void)
{
    enum { N = 16 };
    size_t n = 12 * MIB;
    unsigned char *p[N];
    malloc_trim(0);
    long base = rss_kb();
    for (int i = 0; i < N; i++) {
        p[i] = alloc(n);
        touch(p[i], n);
    }
    for (int i = 0; i < N; i++)
        free(p[i]);
    activity();
    long held = rss_kb() - base;
    /* A pause: idle time counts only while the program runs. */
    sleep_ms(DELAY_MS + 20);
    activity();
    long paused = rss_kb() - base;
    active_for(DELAY_MS + 20);
    long one = rss_kb() - base;
    active_for(12 * DELAY_MS);
    long later = rss_kb() - base;
    printf("rss kB over the start: %ld freed and cached, %ld after a pause, "
           "%ld after one delay at work, %ld after twelve\n", held, paused,
           one, later);
    long total = (long)(N * n / 1024);
    EXPECT(held > total / 2, "the cache kept %ld of %ld kB", held, total);
    EXPECT(paused >= held - held / 16, "after a pause %ld kB of %ld remain",
           paused, held);
    /* One delay or a few (a slow machine sleeps longer): at least half of
     * what was cached goes, at least 1/16 stays.  The slack: the blocks
     * of activity(), in a packed mapping that asked for huge pages once
     * the 12 MiB blocks showed they are written whole, are resident by
     * 2 MiB chunks, and are the newest, purged last. */
    EXPECT(one <= held / 2 + 8192 && one >= held / 20,
           "after one delay %ld kB of %ld remain", one, held);
    EXPECT(later < held / 10, "after twelve delays %ld kB of %ld remain",
           later, held);
}

int main(void)
{
    contents_and_calloc();
    similar_size_does_not_fault();
    rss_decays();
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
