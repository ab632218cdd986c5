/*
 * proc_self.h - what a test program under LD_PRELOAD reads of itself from
 * the kernel, which the allocator does not keep: its resident set.  And a
 * sleep, for tests of what the allocator does with time.
 */
#ifndef HK_TESTS_PROC_SELF_H
#define HK_TESTS_PROC_SELF_H

#include <stdio.h>
#include <time.h>

/* VmRSS of /proc/self/status, in KiB; -1 if it cannot be read. */
static inline long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

#endif
