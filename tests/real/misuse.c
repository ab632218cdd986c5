/*
 * misuse.c - one misuse of the heap per case (see misuse.h): double frees,
 * immediate and with other frees between, of small, medium and large
 * blocks; frees of pointers inside, beside or outside any block; frees
 * through a pointer realloc moved; an overflow into a free neighbour; and
 * correct programs that must run on undisturbed.
 *
 * Built with -fno-builtin and every pointer laundered through misuse_hide,
 * so that each call reaches the allocator as written.
 */
#define _GNU_SOURCE
#include "misuse.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SMALL 40
#define MEDIUM 24000   /* a slab of a few 64 KiB units */
#define MEDIUM2 100000 /* the largest classes: four blocks per slab */
#define LARGE (256 * 1024)
#define HUGE (4 * 1024 * 1024)

static char *get(size_t n)
{
    char *p = misuse_hide(malloc(n));
    if (!p) {
        fprintf(stderr, "misuse: malloc(%zu) failed\n", n);
        exit(3);
    }
    memset(p, 0x5a, n);
    return p;
}

static void put(void *p)
{
    free(misuse_hide(p));
}

/* Two blocks of n bytes, the second just above the first. */
static void neighbours(size_t n, char **lo, char **hi)
{
    for (int i = 0; i < 64; i++) {
        char *a = get(n), *b = get(n);
        if (b > a && b - a <= (ptrdiff_t)(n + 64)) {
            *lo = a;
            *hi = b;
            return;
        }
    }
    fprintf(stderr, "misuse: no two neighbouring blocks of %zu bytes\n", n);
    exit(3);
}

static void twice(size_t n)
{
    char *p = get(n);
    put(p);
    put(p);
}

static void interleaved(size_t n)
{
    char *a = get(n), *b = get(n);
    put(a);
    put(b);
    put(a);
}

static void double_free_small(void) { twice(SMALL); }
static void double_free_small_interleaved(void) { interleaved(SMALL); }
static void double_free_medium(void) { twice(MEDIUM); }
static void double_free_medium_interleaved(void) { interleaved(MEDIUM); }
static void double_free_medium2_interleaved(void) { interleaved(MEDIUM2); }
static void double_free_large(void) { twice(LARGE); }
static void double_free_large_interleaved(void) { interleaved(LARGE); }
/* Too large for a thread to keep (keep.h): its span is in the cache. */
static void double_free_huge(void) { twice(HUGE); }

/* The first free's block has gone from the thread's cache back to its
 * slab's free list (the cache overflowed) by the time of the second. */
static void double_free_small_flushed(void)
{
    enum { N = 1000 };
    static char *many[N];
    char *p = get(SMALL);
    for (int i = 0; i < N; i++)
        many[i] = get(SMALL);
    put(p);
    for (int i = 0; i < N; i++)
        put(many[i]);
    put(p);
}

static char *shared_block;
static int to_main[2], to_thread[2];

static void *free_and_wait(void *arg)
{
    char c = 0;
    (void)arg;
    put(shared_block);
    if (write(to_main[1], &c, 1) != 1 || read(to_thread[0], &c, 1) != 1)
        exit(3);
    return NULL;
}

/* Another thread freed the block, and still holds it in its cache. */
static void double_free_other_thread(void)
{
    pthread_t t;
    char c;
    shared_block = get(SMALL);
    if (pipe(to_main) || pipe(to_thread) ||
        pthread_create(&t, NULL, free_and_wait, NULL) ||
        read(to_main[0], &c, 1) != 1)
        exit(3);
    put(shared_block);
    if (write(to_thread[1], &c, 1) != 1)
        exit(3);
    pthread_join(t, NULL);
}

static void interior_small(void) { put(get(100) + 16); }
static void misaligned_small(void) { put(get(100) + 1); }
static void interior_medium(void) { put(get(MEDIUM) + 4096); }
static void misaligned_medium(void) { put(get(MEDIUM) + 8); }
static void interior_large(void) { put(get(LARGE) + 4096); }

static void just_before_small(void)
{
    char *lo, *hi;
    neighbours(100, &lo, &hi);
    put(hi - 8);
}

static void just_after_small(void)
{
    char *lo, *hi;
    neighbours(100, &lo, &hi);
    put(lo + malloc_usable_size(lo) + 8);
}

/* Where a block will start once the allocator gets that far. */
static void never_allocated_small(void)
{
    char *p = get(SMALL);
    put(p + 1000 * malloc_usable_size(p));
}

static void foreign_stack(void)
{
    char local[64];
    put(local);
}

static void foreign_static(void)
{
    static char buf[64];
    put(buf);
}

static void foreign_mmap(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        exit(3);
    put(p);
}

/* p grown by realloc to a new place (a neighbour keeps it from growing
 * where it lies). */
static char *moved(char *p)
{
    get(SMALL);
    char *q = misuse_hide(realloc(p, 4000));
    if (q == p)
        misuse_skip("realloc did not move the block");
    return q;
}

/* realloc moved the block; the program frees the old pointer. */
static void realloc_moved(void)
{
    char *p = get(SMALL);
    char *q = moved(p);
    put(p);
    put(q);
}

/* The same, with an allocation between: with a cache in front, the old
 * block may belong to that allocation by now, and the free takes it from
 * under its new owner. */
static void realloc_moved_reused(void)
{
    char *p = get(SMALL);
    moved(p);
    get(SMALL);
    put(p);
}

/* realloc of a block that is free already. */
static void realloc_freed(void)
{
    char *p = get(SMALL);
    put(p);
    put(misuse_hide(realloc(p, 20)));
}

/* realloc of a large block that is free already, or of a pointer into
 * one, to a size it would hold: the check comes before the block is
 * kept. */
static void realloc_freed_large(void)
{
    char *p = get(LARGE);
    put(p);
    put(misuse_hide(realloc(p, LARGE - 100)));
}

/* realloc of a pointer into a small block, to a size its block would
 * hold. */
static void realloc_interior_small(void)
{
    put(misuse_hide(realloc(get(SMALL) + 16, SMALL - 24)));
}

static void realloc_interior_large(void)
{
    put(misuse_hide(realloc(get(LARGE) + 4096, LARGE - 8192)));
}

/* Eight bytes written past a block land in its free neighbour, which waits
 * on its slab's free list; the next allocations take it. */
static void overflow_into_free_block(void)
{
    char *lo, *hi;
    neighbours(SMALL, &lo, &hi);
    put(hi);
    malloc_trim(0); /* send the thread's cached blocks home */
    memset(lo, 'A', (size_t)(hi - lo) + 8);
    for (int i = 0; i < 1000; i++)
        get(SMALL);
}

/* A correct program: every kind of call, every size, many times. */
static void clean_program(void)
{
    enum { N = 1000 };
    static char *live[N];
    static const size_t sizes[] = {1,    16,    40,     100,   1000,
                                   4096, 24000, 100000, LARGE, 1 << 20};
    for (int round = 0; round < 10; round++)
        for (int i = 0; i < N; i++) {
            size_t n = sizes[(i * 7 + round) % 10];
            if (live[i] && (i + round) % 3 == 0) {
                live[i] = misuse_hide(realloc(live[i], n));
                memset(live[i], 1, n);
            } else {
                put(live[i]);
                live[i] = i % 5 ? get(n) : misuse_hide(calloc(1, n));
            }
        }
    for (int i = 0; i < N; i++)
        put(live[i]);
    void *a = NULL;
    if (posix_memalign(&a, 4096, 5000))
        exit(3);
    put(a);
    put(misuse_hide(aligned_alloc(64, 640)));
}

/* A live block that happens to hold what the allocator keeps in a free
 * block (hakmem's free mark, read from a freed block) is freed, and the
 * program goes on. */
static void live_block_holding_the_mark(void)
{
    uint64_t *freed = (uint64_t *)get(SMALL);
    put(freed);
    uint64_t mark = ((volatile uint64_t *)misuse_hide(freed))[1];
    for (int i = 0; i < 1000; i++) {
        uint64_t *p = (uint64_t *)get(SMALL);
        p[1] = mark;
        put(p);
    }
}

static const misuse_case cases[] = {
    {"double-free-small", "abort: free(): double free detected", NULL,
     double_free_small},
    {"double-free-small-interleaved", "abort: free(): double free detected",
     NULL, double_free_small_interleaved},
    {"double-free-small-flushed", "abort: free(): double free detected", NULL,
     double_free_small_flushed},
    {"double-free-other-thread", "abort: free(): double free detected", NULL,
     double_free_other_thread},
    {"double-free-medium", "abort: free(): double free detected", NULL,
     double_free_medium},
    {"double-free-medium-interleaved", "abort: free(): double free detected",
     NULL, double_free_medium_interleaved},
    {"double-free-100k-interleaved", "abort: free(): double free detected",
     NULL, double_free_medium2_interleaved},
    {"double-free-large", "abort: free(): double free detected", NULL,
     double_free_large},
    {"double-free-large-interleaved", "abort: free(): double free detected",
     NULL, double_free_large_interleaved},
    {"double-free-huge", "abort: free(): invalid pointer", NULL,
     double_free_huge},
    {"interior-small",
     "abort: free(): invalid pointer (not the start of a block)", NULL,
     interior_small},
    {"misaligned-small",
     "abort: free(): invalid pointer (not the start of a block)", NULL,
     misaligned_small},
    {"just-before-small",
     "abort: free(): invalid pointer (not the start of a block)", NULL,
     just_before_small},
    {"just-after-small",
     "abort: free(): invalid pointer (not the start of a block)", NULL,
     just_after_small},
    {"interior-medium",
     "abort: free(): invalid pointer (not the start of a block)", NULL,
     interior_medium},
    {"misaligned-medium",
     "abort: free(): invalid pointer (not the start of a block)", NULL,
     misaligned_medium},
    {"never-allocated-small",
     "abort: free(): invalid pointer (block never allocated)", NULL,
     never_allocated_small},
    {"interior-large", "abort: free(): invalid pointer", NULL,
     interior_large},
    {"foreign-stack", "abort: free(): invalid pointer", NULL, foreign_stack},
    {"foreign-static", "abort: free(): invalid pointer", NULL,
     foreign_static},
    {"foreign-mmap", "abort: free(): invalid pointer", NULL, foreign_mmap},
    {"realloc-moved", "abort: free(): double free detected", NULL,
     realloc_moved},
    {"realloc-freed",
     "abort: realloc(): invalid pointer (block already freed)", NULL,
     realloc_freed},
    {"realloc-moved-reused", "abort: free(): double free detected", "always",
     realloc_moved_reused},
    {"realloc-freed-large",
     "abort: realloc(): invalid pointer (block already freed)", NULL,
     realloc_freed_large},
    {"realloc-interior-small",
     "abort: realloc(): invalid pointer (not the start of a block)", NULL,
     realloc_interior_small},
    {"realloc-interior-large", "abort: realloc(): invalid pointer", NULL,
     realloc_interior_large},
    {"overflow-into-free-block", "abort: malloc(): corrupted free block",
     "always", overflow_into_free_block},
    {"clean-program", "exit 0", NULL, clean_program},
    {"clean-program-always", "exit 0", "always", clean_program},
    {"live-block-holding-the-mark", "exit 0", NULL,
     live_block_holding_the_mark},
};

int main(int argc, char **argv)
{
    return misuse_main(cases, (int)(sizeof cases / sizeof cases[0]), argc,
                       argv);
}
