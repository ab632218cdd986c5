/*
 * heap.c - blocks move between fronts, slabs and threads without loss:
 * every block handed out is distinct, writable over its whole class size,
 * and comes back after frees by its own heap, by another heap (the remote
 * path, in chains per slab), after its heap dies (abandonment and
 * adoption), and after its heap passes surplus slabs to another.  A
 * heap whose thread exits is taken whole by the next thread, or emptied
 * once it has waited the pool's delay.  A heap's first refills of a
 * class are small.  Freed
 * blocks are used before fresh ones; another heap's blocks that share
 * cache lines are never handed out by the heap that freed them.  A front
 * grows to hold a program's bursts, and stays small in a heap that only
 * frees.
 */
#include "unit.h"

#define N 20000

static void fill(void *p, size_t n, unsigned seed)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed * 31 + i);
}

static int intact(const void *p, size_t n, unsigned seed)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (unsigned char)(seed * 31 + i))
            return 0;
    return 1;
}

/* n blocks of `size` bytes from heap h into p[], each filled with its
 * index's pattern. */
static void alloc_filled(hk_allocator *a, hk_heap *h, void **p, unsigned n,
                         size_t size)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = hk_malloc_fast(a, h, size);
        fill(p[i], size, i);
    }
}

/* Check p[0 .. n) still hold their patterns, then free them through h. */
static void free_checked(hk_allocator *a, hk_heap *h, void **p, unsigned n,
                         size_t size)
{
    for (unsigned i = 0; i < n; i++) {
        CHECK(intact(p[i], size, i), "block %u of %zu bytes", i, size);
        hk_free_fast(a, h, p[i]);
    }
}

static size_t size_of(unsigned i)
{
    return 1 + (i * 2654435761u) % 3000;
}

static void own_blocks_round_trip(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    static void *p[N];
    for (unsigned i = 0; i < N; i++) {
        p[i] = hk_malloc_fast(a, h, size_of(i));
        CHECK(p[i] && (uintptr_t)p[i] % 16 == 0, "block %u at %p", i, p[i]);
        fill(p[i], hk_alloc_usable_size(a, p[i]), i);
    }
    for (unsigned i = 0; i < N; i++) {
        CHECK(intact(p[i], hk_alloc_usable_size(a, p[i]), i), "block %u", i);
        hk_free_fast(a, h, p[i]);
    }
    /* Everything freed: the next round reuses the same memory. */
    hk_stats_snapshot s0, s1;
    hk_alloc_snapshot(a, &s0);
    for (unsigned i = 0; i < N; i++)
        p[i] = hk_malloc_fast(a, h, size_of(i));
    hk_alloc_snapshot(a, &s1);
    CHECK_EQ(s1.pool.ss_mapped, s0.pool.ss_mapped);
    for (unsigned i = 0; i < N; i++)
        hk_free_fast(a, h, p[i]);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void front_serves_repeats_without_refill(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    for (int i = 0; i < 1000; i++)
        hk_free_fast(a, h, hk_malloc_fast(a, h, 100));
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    unsigned c = hk_class_of(100);
    CHECK_EQ(s.cls[c].front_misses, 1);
    CHECK_EQ(s.cls[c].front_hits, 999);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void remote_frees_return_to_owner(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *owner = hk_heap_create(a), *other = hk_heap_create(a);
    static void *p[N];
    alloc_filled(a, owner, p, N, 64);
    free_checked(a, other, p, N, 64);
    hk_alloc_trim(a, other); /* push the other heap's front home */
    hk_stats_snapshot s0, s1;
    hk_alloc_snapshot(a, &s0);
    CHECK(s0.cls[hk_class_of(64)].remote_frees > N / 2, "remote %llu",
          (unsigned long long)s0.cls[hk_class_of(64)].remote_frees);
    for (unsigned i = 0; i < N; i++)
        p[i] = hk_malloc_fast(a, owner, 64);
    hk_alloc_snapshot(a, &s1);
    CHECK_EQ(s1.pool.ss_mapped, s0.pool.ss_mapped);
    for (unsigned i = 0; i < N; i++)
        hk_free_fast(a, owner, p[i]);
    hk_heap_destroy(other);
    hk_heap_destroy(owner);
    hk_alloc_destroy(a);
}

/* Blocks freed into a slab that had run out are used again before the
 * slab refills take from carves a fresh page. */
static void freed_blocks_go_before_fresh_ones(void)
{
    enum { SIZE = 4096, LIVE = 40, FREED = 8 };
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    static void *p[LIVE];
    alloc_filled(a, h, p, LIVE, SIZE); /* three slabs, the last carving */
    free_checked(a, h, p, FREED, SIZE);
    hk_alloc_trim(a, h);
    static void *again[FREED];
    for (unsigned i = 0; i < FREED; i++) {
        again[i] = hk_malloc_fast(a, h, SIZE);
        unsigned j = 0;
        while (j < FREED && p[j] != again[i])
            j++;
        CHECK(j < FREED, "malloc %u: %p is not a freed block", i, again[i]);
        p[j] = NULL; /* found once only */
        fill(again[i], SIZE, i);
    }
    free_checked(a, h, again, FREED, SIZE);
    for (unsigned i = FREED; i < LIVE; i++) {
        CHECK(intact(p[i], SIZE, i), "block %u", i);
        hk_free_fast(a, h, p[i]);
    }
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Blocks of several slabs and two owners, interleaved in a third heap's
 * front, all reach their slabs: once every heap is gone and the pool
 * purged, every SuperSlab is empty again. */
static void mixed_flush_returns_every_block(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *o1 = hk_heap_create(a), *o2 = hk_heap_create(a);
    hk_heap *other = hk_heap_create(a);
    static void *p[N];
    for (unsigned i = 0; i < N; i++) {
        p[i] = hk_malloc_fast(a, i % 3 ? o1 : o2, i % 2 ? 48 : 700);
        fill(p[i], 48, i);
    }
    /* Frees in a scattered order, a third by an owner, the rest by other. */
    for (unsigned k = 0; k < N; k++) {
        unsigned i = (unsigned)(((uint64_t)k * 7919) % N);
        CHECK(intact(p[i], 48, i), "block %u", i);
        hk_free_fast(a, k % 3 ? other : (i % 3 ? o1 : o2), p[i]);
    }
    hk_alloc_trim(a, other);
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    uint64_t remote = s.cls[hk_class_of(48)].remote_frees +
                      s.cls[hk_class_of(700)].remote_frees;
    CHECK(remote >= N / 2, "remote %llu", (unsigned long long)remote);
    hk_heap_destroy(other);
    hk_heap_destroy(o2);
    hk_heap_destroy(o1);
    hk_pool_purge(a, 1);
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(a->pool.lru_count, s.pool.ss_live);
    hk_alloc_destroy(a);
}

/* Bursts of BURST blocks, allocated then freed: the front grows until a
 * burst fits, then a burst needs no refill and no flush, unless
 * front_max holds it to front_cap. */
#define BURST 1500

static hk_class_stats burst_rounds(hk_allocator *a, hk_heap *h, int rounds)
{
    static void *p[BURST];
    hk_stats_snapshot s0, s1;
    for (int r = 0; r < rounds; r++) {
        hk_alloc_snapshot(a, &s0);
        alloc_filled(a, h, p, BURST, 64);
        free_checked(a, h, p, BURST, 64);
        hk_alloc_snapshot(a, &s1);
    }
    hk_class_stats d = s1.cls[hk_class_of(64)], b = s0.cls[hk_class_of(64)];
    d.front_misses -= b.front_misses;
    d.flushes -= b.flushes;
    return d;
}

static void front_grows_to_hold_bursts(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    hk_class_stats last = burst_rounds(a, h, 8);
    CHECK_EQ(last.front_misses, 0);
    CHECK_EQ(last.flushes, 0);
    CHECK(h->front[hk_class_of(64)].cap >= BURST, "cap %u",
          h->front[hk_class_of(64)].cap);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);

    a = unit_alloc((const char *const[]){"front_max=128", NULL});
    h = hk_heap_create(a);
    last = burst_rounds(a, h, 8);
    CHECK(last.front_misses > 0 && last.flushes > 0, "misses %llu flushes %llu",
          (unsigned long long)last.front_misses,
          (unsigned long long)last.flushes);
    CHECK_EQ(h->front[hk_class_of(64)].cap, 128);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Bursts in every class from 1 KiB to 16 KiB, each larger than its
 * front: the fronts grow, but all together by no more than the heap's
 * growth budget, which grown_bytes counts exactly. */
/* Every class from 1 to 16 KiB swings by four times its first front
 * bound, six times over, in h: the fronts grow.  The bytes they grew by,
 * checked against the heap's own count. */
static size_t swing_fronts(hk_allocator *a, hk_heap *h)
{
    static void *p[256];
    unsigned first = hk_class_of(1024), last = hk_class_of(16384);
    for (int r = 0; r < 6; r++)
        for (unsigned c = first; c <= last; c++) {
            size_t size = a->cls[c].size;
            unsigned n = 4 * a->cls[c].front_cap;
            if (n > sizeof p / sizeof p[0]) {
                CHECK(0, "class %u: %u blocks, room for %zu", c, n,
                      sizeof p / sizeof p[0]);
                break;
            }
            alloc_filled(a, h, p, n, size);
            free_checked(a, h, p, n, size);
        }
    size_t grown = 0;
    for (unsigned c = 0; c < HK_CLASSES; c++)
        grown += (size_t)(h->front[c].cap - a->cls[c].front_cap) *
                 a->cls[c].size;
    CHECK_EQ(grown, h->grown_bytes);
    return grown;
}

/* The only live heap grows past the budget of a heap among several, up to
 * its own; a heap among several stays within theirs, each front within
 * its front_max_shared. */
static void fronts_grow_within_the_heap_budget(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *alone = hk_heap_create(a);
    size_t grown = swing_fronts(a, alone);
    CHECK(grown > HK_HEAP_GROWTH_BYTES, "grown %zu alone", grown);
    CHECK(grown <= HK_HEAP_GROWTH_ALONE_BYTES, "grown %zu alone", grown);

    hk_heap *shared = hk_heap_create(a);
    grown = swing_fronts(a, shared);
    CHECK(grown > 0, "no front grew");
    CHECK(grown <= HK_HEAP_GROWTH_BYTES, "grown %zu", grown);
    for (unsigned c = 0; c < HK_CLASSES; c++)
        CHECK(shared->front[c].cap <= a->cls[c].front_max_shared,
              "class %u: front of %u, at most %u among several heaps", c,
              shared->front[c].cap, a->cls[c].front_max_shared);
    hk_heap_destroy(shared);
    hk_heap_destroy(alone);
    hk_alloc_destroy(a);
}

/*
 * Blocks of 16 bytes share cache lines: those another heap frees wait in
 * its outbox, never in its front, so its next malloc does not hand them
 * out (and write them beside the owner's blocks); then they go home, and
 * the owner gets them back.  Blocks of 64 bytes, a line each, join the
 * freeing heap's front and come back from its next malloc.
 */
static void foreign_blocks_sharing_lines_go_home(void)
{
    enum { K = 8, MANY = 200 };
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *owner = hk_heap_create(a), *other = hk_heap_create(a);
    unsigned c16 = hk_class_of(16), c64 = hk_class_of(64);
    void *small[K], *line[K];
    alloc_filled(a, owner, small, K, 16);
    alloc_filled(a, owner, line, K, 64);
    free_checked(a, other, small, K, 16);
    free_checked(a, other, line, K, 64);
    CHECK_EQ(other->front[c16].count, 0);
    CHECK_EQ(other->outbox_count, K);
    CHECK_EQ(other->front[c64].count, K);
    void *q = hk_malloc_fast(a, other, 16);
    for (unsigned i = 0; i < K; i++)
        CHECK(q != small[i], "the other heap reused block %u", i);
    CHECK(hk_malloc_fast(a, other, 64) == line[K - 1],
          "a line-sized block did not come back to the heap that freed it");

    hk_alloc_trim(a, other);
    CHECK_EQ(other->outbox_count, 0);
    unsigned back = 0;
    for (unsigned n = 0; n < 10000 && back < K; n++) {
        void *p = hk_malloc_fast(a, owner, 16);
        for (unsigned i = 0; i < K; i++)
            back += p == small[i];
    }
    CHECK_EQ(back, K);

    /* A heap freeing many sends them home as its outbox fills. */
    static void *many[MANY];
    alloc_filled(a, owner, many, MANY, 16);
    hk_stats_snapshot s0, s1;
    hk_alloc_snapshot(a, &s0);
    free_checked(a, other, many, MANY, 16);
    hk_alloc_snapshot(a, &s1);
    CHECK(other->outbox_count <= HK_OUTBOX, "outbox %u", other->outbox_count);
    CHECK_EQ(s1.cls[c16].remote_frees - s0.cls[c16].remote_frees,
             MANY - other->outbox_count);
    CHECK_EQ(s1.cls[c16].posted - s0.cls[c16].posted, MANY);
    CHECK_EQ(other->front[c16].count, 0);
    hk_heap_destroy(other);
    hk_heap_destroy(owner);
    hk_alloc_destroy(a);
}

/* A heap that only frees what another allocates overflows over and over
 * and never fetches anything back: its front keeps its first bound. */
static void freeing_heap_front_stays_small(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *owner = hk_heap_create(a), *other = hk_heap_create(a);
    static void *p[N];
    unsigned c = hk_class_of(64);
    for (int r = 0; r < 3; r++) {
        for (unsigned i = 0; i < N; i++)
            p[i] = hk_malloc_fast(a, owner, 64);
        for (unsigned i = 0; i < N; i++)
            hk_free_fast(a, other, p[i]);
        CHECK_EQ(other->front[c].cap, a->cls[c].front_cap);
        CHECK(other->front[c].count <= a->cls[c].front_cap, "count %u",
              other->front[c].count);
    }
    hk_heap_destroy(other);
    hk_heap_destroy(owner);
    hk_alloc_destroy(a);
}

/* Every block is free and every heap dead: all slabs went home and the
 * SuperSlabs are empty, so they sit in the LRU.  Then a is destroyed. */
static void all_went_home(hk_allocator *a)
{
    hk_pool_purge(a, 1);
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    CHECK_EQ(a->pool.lru_count, s.pool.ss_live);
    hk_alloc_destroy(a);
}

static void dead_heap_slabs_are_adopted(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h1 = hk_heap_create(a);
    static void *p[N];
    for (unsigned i = 0; i < N; i++) {
        p[i] = hk_malloc_fast(a, h1, 48);
        fill(p[i], 48, i);
    }
    hk_heap_destroy(h1);
    hk_heap *h2 = hk_heap_create(a);
    CHECK(h2 == h1, "dead heap memory is reused");
    for (unsigned i = 0; i < N; i += 2) {
        CHECK(intact(p[i], 48, i), "block %u", i);
        hk_free_fast(a, h2, p[i]);
    }
    hk_stats_snapshot s0, s1;
    hk_alloc_snapshot(a, &s0);
    for (unsigned i = 0; i < N; i += 2)
        p[i] = hk_malloc_fast(a, h2, 48);
    hk_alloc_snapshot(a, &s1);
    CHECK(s1.total.slabs_adopted > 0, "no slab adopted");
    CHECK_EQ(s1.pool.ss_mapped, s0.pool.ss_mapped);
    for (unsigned i = 0; i < N; i++)
        hk_free_fast(a, h2, p[i]);
    hk_heap_destroy(h2);
    all_went_home(a);
}

/* A parked heap is the next thread's as it was: its front serves at
 * once, its slabs are its own (frees are local), nothing is adopted.
 * Parked again, it stays whole until the pool's delay has passed, then
 * is emptied: its slab with live blocks waits for adoption, and the
 * heap is reused as new. */
static void parked_heap_is_taken_whole_then_reaped(void)
{
    enum { M = 1000 };
    hk_allocator *a = unit_alloc(NULL);
    unsigned c = hk_class_of(48);
    hk_heap *other = hk_heap_create(a), *h = hk_heap_create(a);
    static void *p[M];
    alloc_filled(a, h, p, M, 48);
    free_checked(a, h, p, M / 2, 48);
    uint32_t cached = h->front[c].count;
    CHECK(cached > 0, "the front holds freed blocks");
    hk_stats_snapshot s0, s1;
    hk_alloc_snapshot(a, &s0);
    hk_heap_park(h);
    CHECK_EQ(atomic_load(&a->pool.heaps_live), 1);
    hk_alloc_snapshot(a, &s1);
    CHECK_EQ(s1.cls[c].front_hits, s0.cls[c].front_hits);

    hk_heap *t = hk_heap_create(a);
    CHECK(t == h, "the parked heap is taken");
    CHECK_EQ(t->front[c].count, cached);
    for (unsigned i = 0; i < cached; i++)
        p[i] = hk_malloc_fast(a, t, 48);
    for (unsigned i = M / 2; i < M; i++) {
        CHECK(intact(p[i], 48, i), "block %u", i);
        hk_free_fast(a, t, p[i]);
    }
    hk_alloc_snapshot(a, &s1);
    CHECK_EQ(s1.pool.heaps_unparked, 1);
    CHECK_EQ(s1.cls[c].front_misses, s0.cls[c].front_misses);
    CHECK_EQ(s1.cls[c].remote_frees, s0.cls[c].remote_frees);
    CHECK_EQ(s1.total.slabs_adopted, s0.total.slabs_adopted);

    hk_heap_park(t);
    uint64_t due = t->parked_at + a->pool.delay;
    hk_heap_reap(a, due - 1, HK_REAP_DUE);
    CHECK_EQ(t->state, HK_HEAP_PARKED);
    hk_heap_reap(a, due, HK_REAP_DUE);
    CHECK_EQ(t->state, HK_HEAP_DEAD);
    CHECK(!hk_list_empty(&a->pool.abandoned[c]), "the slab waits");
    hk_alloc_snapshot(a, &s1);
    CHECK_EQ(s1.pool.heaps_reaped, 1);
    for (unsigned i = 0; i < cached; i++)
        hk_free_fast(a, other, p[i]);
    hk_heap *n = hk_heap_create(a);
    CHECK(n == h, "the reaped heap is reused");
    CHECK_EQ(n->front[c].count, 0);
    hk_heap_destroy(n);
    hk_heap_destroy(other);
    all_went_home(a);
}

/* A live heap that needs a slab from the pool first empties the heap
 * parked first, and adopts its slab rather than carving one. */
static void slab_demand_reaps_the_oldest_parked_heap(void)
{
    enum { M = 10 };
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *live = hk_heap_create(a);
    hk_heap *h1 = hk_heap_create(a), *h2 = hk_heap_create(a);
    void *p[M], *q = hk_malloc_fast(a, h2, 64);
    alloc_filled(a, h1, p, M, 48);
    free_checked(a, h1, p, M / 2, 48);
    hk_heap_park(h1);
    hk_heap_park(h2);
    hk_stats_snapshot s0, s1;
    hk_alloc_snapshot(a, &s0);
    void *r = hk_malloc_fast(a, live, 48);
    hk_alloc_snapshot(a, &s1);
    CHECK_EQ(h1->state, HK_HEAP_DEAD);
    CHECK_EQ(h2->state, HK_HEAP_PARKED);
    CHECK_EQ(s1.total.slabs_adopted, s0.total.slabs_adopted + 1);
    CHECK_EQ(s1.pool.heaps_reaped, 1);
    for (unsigned i = M / 2; i < M; i++) {
        CHECK(intact(p[i], 48, i), "block %u", i);
        hk_free_fast(a, live, p[i]);
    }
    hk_free_fast(a, live, r);
    hk_free_fast(a, live, q);
    hk_heap_destroy(live);
    hk_alloc_trim(a, NULL);
    CHECK_EQ(h2->state, HK_HEAP_DEAD);
    all_went_home(a);
}

/* A heap parks with its fronts back at their first bounds, the blocks
 * beyond them sent home. */
static void parked_fronts_shrink_to_their_first_bounds(void)
{
    hk_allocator *a = unit_alloc(NULL);
    unsigned c = hk_class_of(64);
    uint32_t floor = a->cls[c].front_cap;
    hk_heap *h = hk_heap_create(a);
    burst_rounds(a, h, 8);
    CHECK(h->front[c].cap > floor && h->front[c].count > floor,
          "cap %u count %u", h->front[c].cap, h->front[c].count);
    hk_heap_park(h);
    CHECK_EQ(h->front[c].cap, floor);
    CHECK_EQ(h->front[c].count, floor);
    CHECK_EQ(h->grown_bytes, 0);
    CHECK(hk_heap_create(a) == h, "the parked heap is taken");
    hk_heap_destroy(h);
    all_went_home(a);
}

/* A starting thread takes, of the heaps parked within the last
 * millisecond, the first parked; when none is that recent, the last
 * parked.  In the third case h2 goes first, which neither the first nor
 * the last parked of all three would be. */
static void parked_heaps_go_in_order_while_recent(void)
{
    enum { US = 1000, MS = 1000 * US, HEAPS = 3 };
    static const struct {
        unsigned heaps;             /* h[0], h[1], ... parked in turn */
        uint64_t parked_at[HEAPS];  /* after the case's start */
        uint64_t taken_at;
        unsigned taken[HEAPS];      /* which heaps the creates get */
    } cases[] = {
        {2, {0, 10 * US}, 20 * US, {0, 1}},
        {2, {0, 10 * US}, 2 * MS, {1, 0}},
        {3, {0, 2 * MS, 2 * MS + 10 * US}, 2 * MS + 20 * US, {1, 2, 0}},
    };
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h[HEAPS];
    for (unsigned i = 0; i < HEAPS; i++)
        h[i] = hk_heap_create(a);
    uint64_t start = hk_os_now_ns();
    for (unsigned k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        start += 5 * MS;
        for (unsigned i = 0; i < cases[k].heaps; i++) {
            hk_os_follow_clock(start + cases[k].parked_at[i]);
            hk_heap_park(h[i]);
        }
        hk_os_follow_clock(start + cases[k].taken_at);
        for (unsigned i = 0; i < cases[k].heaps; i++)
            CHECK(hk_heap_create(a) == h[cases[k].taken[i]],
                  "case %u: take %u is h%u", k, i, cases[k].taken[i] + 1);
        CHECK_EQ(atomic_load(&a->pool.heaps_parked), 0);
    }
    for (unsigned i = 0; i < HEAPS; i++)
        hk_heap_destroy(h[i]);
    all_went_home(a);
}

/* malloc_trim empties parked heaps at once. */
static void trim_reaps_parked_heaps(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    void *p = hk_malloc_fast(a, h, 100);
    hk_free_fast(a, h, p);
    hk_heap_park(h);
    CHECK_EQ(h->state, HK_HEAP_PARKED);
    hk_alloc_trim(a, NULL);
    CHECK_EQ(h->state, HK_HEAP_DEAD);
    all_went_home(a);
}

/* A heap's first refills of a class move few blocks, each twice as many
 * as the one before, up to the class's refill (32); a heap made again in
 * a dead one's memory starts small again.  Blocks of 16 bytes: all of
 * these come from one fresh page, which refills carve whole. */
static void first_refills_start_small(void)
{
    static const uint64_t moved[] = {4, 8, 16, 32, 32};
    enum { RUNS = sizeof moved / sizeof moved[0] };
    hk_allocator *a = unit_alloc(NULL);
    unsigned c = hk_class_of(16);
    void *p[4 + 8 + 16 + 32 + 32];
    for (int life = 0; life < 2; life++) {
        hk_heap *h = hk_heap_create(a);
        unsigned n = 0;
        for (unsigned r = 0; r < RUNS; r++) {
            hk_stats_snapshot before, after;
            hk_alloc_snapshot(a, &before);
            for (uint64_t k = 0; k < moved[r]; k++, n++) {
                p[n] = hk_malloc_fast(a, h, 16);
                fill(p[n], 16, n);
            }
            hk_alloc_snapshot(a, &after);
            CHECK_EQ(after.cls[c].front_misses - before.cls[c].front_misses,
                     1);
            CHECK_EQ(after.cls[c].refilled - before.cls[c].refilled,
                     moved[r]);
        }
        free_checked(a, h, p, n, 16);
        hk_heap_destroy(h);
    }
    all_went_home(a);
}

/* h allocates `slabs` slabs' worth of 4 KiB blocks (filled), then frees
 * every fourth: its front overflows and the blocks go home, which leaves
 * every slab partly free.  Returns how many blocks are in p[]. */
static unsigned spread_frees(hk_allocator *a, hk_heap *h, void **p,
                             unsigned slabs)
{
    unsigned c = hk_class_of(4096);
    unsigned per_slab = (unsigned)(((size_t)a->cls[c].units << a->unit_shift) /
                                   4096);
    unsigned n = slabs * per_slab;
    alloc_filled(a, h, p, n, 4096);
    for (unsigned i = 0; i < n; i += 4) {
        CHECK(intact(p[i], 4096, i), "block %u", i);
        hk_free_fast(a, h, p[i]);
        p[i] = NULL;
    }
    hk_heap_flush(h, c, h->front[c].count);
    return n;
}

/* Check and free the blocks of p[0 .. n) still held (not NULL). */
static void free_held(hk_allocator *a, hk_heap *h, void **p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i]) {
            CHECK(intact(p[i], 4096, i), "block %u", i);
            hk_free_fast(a, h, p[i]);
        }
}

/* While another thread lives, a heap keeps a few partly free slabs of a
 * class and passes the rest, blocks in use and all, to the pool; the
 * other heap adopts them instead of carving fresh memory, and every block
 * keeps its contents.  A heap alone keeps all of its slabs. */
static void surplus_slabs_pass_to_other_heaps(void)
{
    static void *p[N];
    for (int alone = 0; alone < 2; alone++) {
        hk_allocator *a = unit_alloc(NULL);
        hk_heap *h1 = hk_heap_create(a);
        hk_heap *h2 = alone ? NULL : hk_heap_create(a);
        unsigned n = spread_frees(a, h1, p, 24);
        hk_stats_snapshot s0, s1;
        hk_alloc_snapshot(a, &s0);
        if (alone) {
            /* As many partly free slabs as the pair's heap had, kept. */
            CHECK(h1->avail_count[hk_class_of(4096)] >= 24 - 2, "kept %u",
                  h1->avail_count[hk_class_of(4096)]);
            CHECK_EQ(s0.total.slabs_passed, 0);
            free_held(a, h1, p, n);
            hk_heap_destroy(h1);
            hk_alloc_destroy(a);
            continue;
        }
        CHECK(s0.total.slabs_passed >= 24 - 4 - 2, "passed %llu of 24",
              (unsigned long long)s0.total.slabs_passed);
        static void *q[N];
        unsigned taken = (unsigned)s0.total.slabs_passed;
        alloc_filled(a, h2, q, taken, 4096);
        hk_alloc_snapshot(a, &s1);
        /* Every slab h2 needed was one h1 passed: none carved. */
        CHECK(s1.total.slabs_adopted > s0.total.slabs_adopted,
              "no slab adopted");
        CHECK_EQ(s1.total.slabs_acquired - s0.total.slabs_acquired,
                 s1.total.slabs_adopted - s0.total.slabs_adopted);
        CHECK_EQ(s1.pool.ss_mapped, s0.pool.ss_mapped);
        free_held(a, h1, p, n);
        free_checked(a, h2, q, taken, 4096);
        hk_heap_destroy(h2);
        hk_heap_destroy(h1);
        all_went_home(a);
    }
}

static void aligned_blocks_are_aligned(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    for (size_t align = 32; align <= (1u << 22); align *= 2)
        for (size_t n = 1; n < 300000; n = n * 3 + 7) {
            char *p = hk_alloc_aligned(a, h, align, n);
            CHECK(p && (uintptr_t)p % align == 0, "align %zu n %zu: %p",
                  align, n, (void *)p);
            CHECK(hk_alloc_usable_size(a, p) >= n, "usable %zu < %zu",
                  hk_alloc_usable_size(a, p), n);
            memset(p, 0x5a, n);
            hk_free_fast(a, h, p);
        }
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* realloc keeps a small block that holds the new size; one that must
 * move to grow gets a quarter more than it had, with its bytes; one that
 * shrinks to under half gets the class of its size. */
static void realloc_grows_ahead(void)
{
    hk_allocator *a = unit_alloc(NULL);
    hk_heap *h = hk_heap_create(a);
    char *p = hk_malloc_fast(a, h, 1280);
    fill(p, 1280, 3);
    CHECK(hk_alloc_realloc(a, h, p, 1200) == p, "a size it holds moved it");
    char *q = hk_alloc_realloc(a, h, p, 1281);
    CHECK(q != p, "1281 bytes stayed in a block of 1280");
    CHECK(hk_alloc_usable_size(a, q) >= 1600, "grew to %zu bytes",
          hk_alloc_usable_size(a, q));
    CHECK(intact(q, 1280, 3), "the bytes did not move with the block");
    char *again = hk_malloc_fast(a, h, 1280);
    CHECK(again == p, "the block moved from is not the next of its class");
    hk_free_fast(a, h, again);
    char *r = hk_alloc_realloc(a, h, q, 100);
    CHECK_EQ(hk_alloc_usable_size(a, r), 112);
    CHECK(intact(r, 100, 3), "the bytes did not move with the block");
    hk_free_fast(a, h, r);
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

/* Buffers doubled by realloc, with fronts of one block: most blocks moved
 * from find their front full and go home the slow way, a few join it, and
 * under ptr_check=always all wait in the quarantine first; every byte
 * moves with its buffer, whichever way the blocks moved from went. */
static void realloc_moves_past_full_fronts(void)
{
    static const char *const checks[] = {"never", "cached", "always"};
    for (size_t k = 0; k < 3; k++) {
        char check[32];
        snprintf(check, sizeof check, "ptr_check=%s", checks[k]);
        hk_allocator *a = unit_alloc(
            (const char *const[]){"front_cap=1", "front_max=1", check, NULL});
        hk_heap *h = hk_heap_create(a);
        char *b[16];
        for (int i = 0; i < 16; i++) {
            b[i] = hk_malloc_fast(a, h, 16);
            fill(b[i], 16, (unsigned)i);
        }
        for (size_t n = 32; n <= 16384; n *= 2)
            for (int i = 0; i < 16; i++) {
                b[i] = hk_alloc_realloc(a, h, b[i], n);
                CHECK(intact(b[i], n / 2, (unsigned)i),
                      "%s: buffer %d lost its bytes growing to %zu",
                      checks[k], i, n);
                fill(b[i], n, (unsigned)i);
            }
        for (int i = 0; i < 16; i++)
            hk_free_fast(a, h, b[i]);
        hk_heap_flush_moved(h);
        hk_heap_destroy(h);
        hk_alloc_destroy(a);
    }
}

UNIT_MAIN(TEST(own_blocks_round_trip),
          TEST(front_serves_repeats_without_refill),
          TEST(remote_frees_return_to_owner),
          TEST(freed_blocks_go_before_fresh_ones),
          TEST(mixed_flush_returns_every_block),
          TEST(front_grows_to_hold_bursts),
          TEST(fronts_grow_within_the_heap_budget),
          TEST(foreign_blocks_sharing_lines_go_home),
          TEST(freeing_heap_front_stays_small),
          TEST(dead_heap_slabs_are_adopted),
          TEST(parked_heap_is_taken_whole_then_reaped),
          TEST(slab_demand_reaps_the_oldest_parked_heap),
          TEST(parked_fronts_shrink_to_their_first_bounds),
          TEST(parked_heaps_go_in_order_while_recent),
          TEST(trim_reaps_parked_heaps),
          TEST(first_refills_start_small),
          TEST(surplus_slabs_pass_to_other_heaps),
          TEST(aligned_blocks_are_aligned), TEST(realloc_grows_ahead),
          TEST(realloc_moves_past_full_fronts))
