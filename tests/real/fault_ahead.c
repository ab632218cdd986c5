/*
 * fault_ahead.c - malloc faults in no page ahead of use: after the first
 * malloc of a size class, the pages where the class's next blocks lie are
 * still not resident, and a small block's neighbours on its own page are
 * carved with it.  Residency comes from mincore(2), which the kernel
 * answers, not the allocator.
 *
 * Run with LD_PRELOAD=libhakmem.so, before anything else of these sizes
 * was allocated: a slab's first blocks.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Resident pages in [p, p + bytes), p page-aligned. */
static long resident(const char *p, size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE), n = bytes / page;
    unsigned char vec[64];
    long count = 0;
    if (n > sizeof vec || mincore((void *)p, bytes, vec) != 0) {
        perror("fault_ahead: mincore");
        exit(2);
    }
    for (size_t i = 0; i < n; i++)
        count += vec[i] & 1;
    return count;
}

/* After one malloc(size) from a fresh slab, the next `ahead` blocks'
 * pages (those wholly past the block) are not resident; returns 0 if so. */
static int check(size_t size, unsigned ahead)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *p = malloc(size);
    if (!p) {
        fprintf(stderr, "fault_ahead: malloc(%zu) failed\n", size);
        return 1;
    }
    char *from = (char *)(((uintptr_t)p + size + page - 1) & ~(page - 1));
    char *to = (char *)(((uintptr_t)p + (ahead + 1) * size) & ~(page - 1));
    long n = to > from ? resident(from, (size_t)(to - from)) : 0;
    printf("malloc(%zu) = %p: %ld of %zu pages ahead resident\n", size,
           (void *)p, n, (size_t)(to - from) / page);
    free(p);
    return n != 0 || to <= from;
}

int main(void)
{
    int bad = check(12288, 8) | check(20480, 4);
    if (bad)
        fprintf(stderr, "fault_ahead: pages were faulted in ahead of use\n");
    return bad;
}
