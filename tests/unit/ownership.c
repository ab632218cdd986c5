/*
 * ownership.c - free() of memory hakmem does not own, and the double
 * frees it can see cheaply, stop the program with a message naming the
 * problem and the pointer, the way glibc does.  Each case runs in a child
 * process whose stderr and fate the parent checks.
 */
#include "unit.h"

#include <signal.h>

/* Run `bad` in a child; it must abort and print `expect` on stderr. */
static void expect_abort(const char *name, const char *const *settings,
                         unit_misuse bad, const char *expect)
{
    char buf[512];
    int status = unit_in_child(settings, bad, buf, sizeof buf);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
          "%s: child status %#x", name, status);
    CHECK(strstr(buf, expect) != NULL, "%s: stderr was '%s'", name, buf);
}

static void free_stack(hk_allocator *a, hk_heap *h)
{
    int local;
    void *p = &local;
    __asm__("" : "+r"(p)); /* the compiler may not know where p points */
    hk_free_fast(a, h, p);
}

static void free_twice(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 40);
    hk_free_fast(a, h, p);
    hk_free_fast(a, h, p);
}

/* A large block the thread keeps after its free (keep.h) is still
 * known, as free; one too large to keep is gone from the ownership map. */
static void free_kept_twice(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 1 << 20);
    hk_free_fast(a, h, p);
    hk_free_fast(a, h, p);
}

static void free_large_twice(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, HK_KEEP_BYTES);
    hk_free_fast(a, h, p);
    hk_free_fast(a, h, p);
}

static void free_interior(hk_allocator *a, hk_heap *h)
{
    char *p = hk_malloc_fast(a, h, 100);
    hk_free_fast(a, h, p + 16);
    hk_alloc_trim(a, h); /* the check runs when the block goes home */
}

static void free_unmapped(hk_allocator *a, hk_heap *h)
{
    hk_free_fast(a, h, (void *)(uintptr_t)0x1000);
}

static void realloc_foreign(hk_allocator *a, hk_heap *h)
{
    static char buf[64];
    hk_alloc_realloc(a, h, buf, 100);
}

static void free_in_released_slab(hk_allocator *a, hk_heap *h)
{
    char *p = hk_malloc_fast(a, h, 20000);
    hk_free_fast(a, h, p);
    hk_heap_destroy(h); /* the slab is empty and goes back to the pool */
    hk_free_fast(a, hk_heap_create(a), p);
}

/* The pointer just past the last block of the slab at the start of a
 * SuperSlab lies on the slab's block grid, in the slab's unit. */
static void free_slab_end(hk_allocator *a, hk_heap *h)
{
    char *first = hk_malloc_fast(a, h, 48); /* a fresh SuperSlab's first */
    size_t unit = (size_t)1 << a->unit_shift;
    size_t blocks = (unit - HK_SS_HEADER) / 48;
    if ((blocks + 1) * 48 + HK_SS_HEADER <= unit)
        abort(); /* the test needs a slab with room past its last block */
    hk_free_fast(a, h, first + blocks * 48);
}

/* A block of the slab the allocator has not carved yet. */
static void free_uncarved(hk_allocator *a, hk_heap *h)
{
    char *first = hk_malloc_fast(a, h, 48);
    hk_free_fast(a, h, first + 48 * (a->cls[hk_class_of(48)].refill + 1));
}

/* The header of the SuperSlab lies in the first slab's unit. */
static void free_header(hk_allocator *a, hk_heap *h)
{
    char *first = hk_malloc_fast(a, h, 48);
    hk_free_fast(a, h, first - 48 * 10);
}

/* A block of the first slab, which spans three units, 8 bytes off, in
 * the slab's third unit. */
static void free_misaligned_far_unit(hk_allocator *a, hk_heap *h)
{
    char *p;
    do
        p = hk_malloc_fast(a, h, 24576);
    while (((uintptr_t)p & (a->params.ss_size - 1)) >> a->unit_shift < 2);
    hk_free_fast(a, h, p + 8);
}

/* Another heap (thread) holds the block: in its outbox, as its blocks
 * share cache lines (heap.h)... */
static void free_held_by_other_heap(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 40);
    hk_free_fast(a, hk_heap_create(a), p);
    hk_free_fast(a, h, p);
}

/* ... or in its front cache, as they do not. */
static void free_held_by_other_front(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 64);
    hk_free_fast(a, hk_heap_create(a), p);
    hk_free_fast(a, h, p);
}

/* The block waits on the remote list of the slab this heap owns, and then
 * the other heap frees it again, reading lists it does not own. */
static void free_on_remote_list(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 40);
    hk_heap *other = hk_heap_create(a);
    hk_free_fast(a, other, p);
    hk_alloc_trim(a, other);
    hk_free_fast(a, other, p);
}

static void free_on_own_remote_list(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 40);
    hk_heap *other = hk_heap_create(a);
    hk_free_fast(a, other, p);
    hk_alloc_trim(a, other);
    hk_free_fast(a, h, p);
}

/* The program wrote over a free block on its slab's list. */
static void write_after_free(hk_allocator *a, hk_heap *h)
{
    uint64_t *p = hk_malloc_fast(a, h, 40);
    hk_free_fast(a, h, p);
    hk_alloc_trim(a, h);
    p[1] = 0;
    for (int i = 0; i < 1000; i++)
        hk_malloc_fast(a, h, 40);
}

/* The program wrote over a free block's next pointer only. */
static void overflow_into_next(hk_allocator *a, hk_heap *h)
{
    char *p = hk_malloc_fast(a, h, 40);
    hk_free_fast(a, h, p);
    hk_alloc_trim(a, h);
    *(char **)p = p + 1;
    for (int i = 0; i < 1000; i++)
        hk_malloc_fast(a, h, 40);
}

static void misuse_is_fatal(void)
{
    static const char *const always_mincore[] = {"ptr_check=always", NULL};
    expect_abort("stack", NULL, free_stack, "free(): invalid pointer");
    expect_abort("twice", NULL, free_twice, "double free");
    expect_abort("kept twice", NULL, free_kept_twice, "double free");
    expect_abort("large twice", NULL, free_large_twice,
                 "free(): invalid pointer");
    expect_abort("interior", NULL, free_interior, "not the start of a block");
    expect_abort("unmapped", always_mincore, free_unmapped,
                 "invalid pointer: 0x1000");
    expect_abort("realloc", NULL, realloc_foreign,
                 "realloc(): invalid pointer");
    expect_abort("released slab", NULL, free_in_released_slab,
                 "free(): invalid pointer");
    expect_abort("slab end", NULL, free_slab_end, "not the start of a block");
    expect_abort("header", NULL, free_header, "not the start of a block");
    expect_abort("uncarved", NULL, free_uncarved,
                 "free(): invalid pointer (block never allocated)");
    expect_abort("far unit", NULL, free_misaligned_far_unit,
                 "not the start of a block");
    expect_abort("other heap", NULL, free_held_by_other_heap,
                 "free(): double free detected");
    expect_abort("other front", NULL, free_held_by_other_front,
                 "free(): double free detected");
    expect_abort("remote list", NULL, free_on_remote_list,
                 "free(): double free detected");
    expect_abort("own remote list", NULL, free_on_own_remote_list,
                 "free(): double free detected");
    expect_abort("write after free", NULL, write_after_free,
                 "malloc(): corrupted free block");
    static const char *const always[] = {"ptr_check=always", NULL};
    expect_abort("overflow", always, overflow_into_next,
                 "malloc(): corrupted free block");
}

/* A live block may hold the free mark's value: freeing it is fine, and it
 * comes back from the next malloc. */
static void mark_value_is_not_a_double_free(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    uint64_t *p = hk_malloc_fast(a, h, 40);
    p[1] = HK_FREE_MARK;
    hk_free_fast(a, h, p);
    CHECK(hk_malloc_fast(a, h, 40) == p, "the block did not come back");
    CHECK_EQ(p[1], 0);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Every block malloc hands out, from every source, carries no mark, and
 * every block free takes carries it. */
static void marks_follow_blocks(void)
{
    enum { N = 3000 };
    static void *p[N];
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            p[i] = hk_malloc_fast(a, h, 16 + (size_t)(i % 7) * 300);
            CHECK(!hk_block_is_marked(p[i]), "round %d block %d", round, i);
        }
        for (int i = 0; i < N; i++) {
            hk_free_fast(a, h, p[i]);
            CHECK(hk_block_is_marked(p[i]), "round %d block %d", round, i);
        }
        if (round == 1)
            hk_alloc_trim(a, h);
    }
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void null_is_harmless(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    hk_free_fast(a, h, NULL);
    hk_free_fast(a, NULL, NULL);
    CHECK_EQ(hk_alloc_usable_size(a, NULL), 0);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

UNIT_MAIN(TEST(misuse_is_fatal), TEST(null_is_harmless),
          TEST(mark_value_is_not_a_double_free), TEST(marks_follow_blocks))
