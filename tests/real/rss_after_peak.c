/*
 * rss_after_peak.c - after a peak, RSS falls: freed memory goes back to
 * the kernel once it has stayed unused through purge_delay of later
 * allocator activity (a pause does not count: the memory waits one more
 * delay once the program is back), and at once on malloc_trim().  RSS is read from
 * /proc/self/status, which the kernel keeps, not the allocator.
 *
 * Run with LD_PRELOAD=libhakmem.so HAKMEM_PURGE_DELAY=50.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proc_self.h"

#define BLOCKS 400000
#define SIZE 512 /* 200 MB at the peak */

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void **peak(void)
{
    void **p = malloc(BLOCKS * sizeof *p);
    for (int i = 0; i < BLOCKS; i++) {
        p[i] = malloc(SIZE);
        memset(p[i], i, SIZE);
    }
    return p;
}

static void drop(void **p)
{
    for (int i = 0; i < BLOCKS; i++)
        free(p[i]);
    free(p);
}

int main(void)
{
    long base = rss_kb();
    void **p = peak();
    long high = rss_kb();
    drop(p);
    sleep_ms(200);
    /* Activity for twice the delay after the pause: the allocator's slow
     * paths purge. */
    for (long start = now_ms(); now_ms() - start < 100;) {
        void *q[2000];
        for (int i = 0; i < 2000; i++)
            q[i] = malloc(64 + (size_t)(i % 7) * 300);
        for (int i = 0; i < 2000; i++)
            free(q[i]);
    }
    long after_delay = rss_kb();

    p = peak();
    long high2 = rss_kb();
    drop(p);
    malloc_trim(0);
    long after_trim = rss_kb();

    printf("rss kB: start %ld, peak %ld, after delay %ld, peak %ld, after "
           "trim %ld\n", base, high, after_delay, high2, after_trim);
    int ok = high - base > 150000 && after_delay < base + (high - base) / 4 &&
             high2 - base > 150000 && after_trim < base + (high2 - base) / 4;
    if (!ok)
        printf("FAIL: RSS did not fall to within a quarter of the peak\n");
    return ok ? 0 : 1;
}
