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

static void free_large_twice(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 1 << 20);
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

static void misuse_is_fatal(void)
{
    static const char *const always[] = {"ptr_check=always", NULL};
    expect_abort("stack", NULL, free_stack, "free(): invalid pointer");
    expect_abort("twice", NULL, free_twice, "double free");
    expect_abort("large twice", NULL, free_large_twice,
                 "free(): invalid pointer");
    expect_abort("interior", NULL, free_interior, "not the start of a block");
    expect_abort("unmapped", always, free_unmapped, "invalid pointer: 0x1000");
    expect_abort("realloc", NULL, realloc_foreign,
                 "realloc(): invalid pointer");
    expect_abort("released slab", NULL, free_in_released_slab,
                 "free(): invalid pointer");
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

UNIT_MAIN(TEST(misuse_is_fatal), TEST(null_is_harmless))
