/*
 * debug.c - the core's invariant checks (core/debug.h).  Built with
 * -DHK_DEBUG=1, a broken invariant stops the program with file, line and
 * condition on stderr; built without, the checks are not even evaluated,
 * so the same corruption goes unnoticed (each case is chosen to be
 * harmless then).  Each case runs in a child process.
 */
#include "unit.h"

#include <signal.h>

#include "core/debug.h"

static void assert_evaluates_only_in_debug(void)
{
    int evaluated = 0;
    HK_ASSERT(++evaluated == 1);
    CHECK_EQ(evaluated, HK_DEBUG);
}

/* Debug builds: `bad` aborts, naming `file` and `cond`.  Release builds:
 * it exits normally. */
static void expect_caught(const char *name, unit_misuse bad, const char *file,
                          const char *cond)
{
    char err[512];
    int status = unit_in_child(NULL, bad, err, sizeof err);
    if (!HK_DEBUG) {
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "%s: child status %#x, stderr '%s'", name, status, err);
        return;
    }
    char want[256];
    snprintf(want, sizeof want, "%s:", file);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
          "%s: child status %#x", name, status);
    CHECK(strstr(err, want) != NULL, "%s: stderr '%s' lacks '%s'", name, err,
          want);
    snprintf(want, sizeof want, "assertion failed: %s", cond);
    CHECK(strstr(err, want) != NULL, "%s: stderr '%s' lacks '%s'", name, err,
          want);
}

/* The LRU's count no longer matches its list; a purge checks the pool. */
static void lru_count_off(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 64); /* prewarm puts one in the LRU */
    a->pool.lru_count++;
    hk_free_fast(a, h, p);
    hk_pool_purge(a, 1);
}

/* A block goes home to a slab that counts none handed out. */
static void slab_used_off(hk_allocator *a, hk_heap *h)
{
    void *p = hk_malloc_fast(a, h, 64);
    hk_ss *ss = hk_ss_of_entry(hk_registry_get(&a->registry, (uintptr_t)p));
    hk_ss_slab_of(ss, (uintptr_t)p, a->unit_shift)->used = 0;
    hk_free_fast(a, h, p);
    hk_alloc_trim(a, h); /* the front flushes: the block reaches its slab */
}

static void link_twice(hk_allocator *a, hk_heap *h)
{
    (void)a, (void)h;
    hk_list l = {NULL};
    hk_link n = {NULL, NULL};
    hk_list_push_front(&l, &n);
    hk_list_push_front(&l, &n);
}

static void remove_twice(hk_allocator *a, hk_heap *h)
{
    (void)a, (void)h;
    hk_list l = {NULL};
    hk_link n = {NULL, NULL}, m = {NULL, NULL};
    hk_list_push_front(&l, &n);
    hk_list_push_front(&l, &m);
    hk_list_remove(&l, &n);
    hk_list_remove(&l, &n);
}

static void broken_invariants_are_caught(void)
{
    expect_caught("lru count", lru_count_off, "core/pool.c",
                  "on_lru == empty && on_lru == pool->lru_count");
    expect_caught("slab used", slab_used_off, "core/superslab.h",
                  "s->used >= n");
    expect_caught("link twice", link_twice, "core/list.h", "!n->prev");
    expect_caught("remove twice", remove_twice, "core/list.h",
                  "prev && (n == l->first || prev->next == n)");
}

UNIT_MAIN(TEST(assert_evaluates_only_in_debug),
          TEST(broken_invariants_are_caught))
