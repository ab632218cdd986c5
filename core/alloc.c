/*
 * alloc.c - the allocator's entry points beyond the fast paths: setting
 * an instance up, small-object slow paths, aligned and large requests,
 * realloc, ownership checks on free, trimming and statistics.
 */
#include "alloc.h"

#include <errno.h>
#include <string.h>

#define MIN_UNIT_SHIFT 16 /* slab units are at least 64 KiB */
#define FRONT_BYTES 65536 /* front caches hold about this much per class */

static unsigned log2_exact(uint64_t v)
{
    return 63u - (unsigned)__builtin_clzll(v);
}

static uint32_t min_u32(uint64_t a, uint64_t b)
{
    return (uint32_t)(a < b ? a : b);
}

int hk_alloc_init(hk_allocator *a, const hk_params *p)
{
    if (hk_params_check(p, NULL, 0) != 0)
        return -1;
    memset(a, 0, sizeof *a);
    a->params = *p;
    unsigned ss_shift = log2_exact(p->ss_size);
    a->unit_shift = ss_shift - 6 > MIN_UNIT_SHIFT ? ss_shift - 6
                                                  : MIN_UNIT_SHIFT;
    a->units = 1u << (ss_shift - a->unit_shift);
    size_t unit = (size_t)1 << a->unit_shift;
    unsigned max_span = a->units / 4;

    for (unsigned c = 0; c < HK_CLASSES; c++) {
        hk_class_info *ci = &a->cls[c];
        size_t size = hk_class_size(c);
        size_t span = (8 * size + unit - 1) / unit;
        ci->size = (uint32_t)size;
        ci->units = (uint32_t)(span < max_span ? span : max_span);
        uint64_t by_bytes = FRONT_BYTES / size > 2 ? FRONT_BYTES / size : 2;
        /* Before the shared pool there was no front cache worth the name:
         * a SuperSlab went back as soon as the program freed its last
         * block, which a cache holding blocks would prevent. */
        ci->front_cap = p->shared_pool ? min_u32(p->front_cap, by_bytes) : 0;
        ci->refill = min_u32(p->refill, ci->front_cap);
    }
    hk_registry_init(&a->registry);
    hk_pool_init(&a->pool);
    hk_large_init(&a->large);
    return 0;
}

void hk_alloc_destroy(hk_allocator *a)
{
    hk_large_destroy(a);
    hk_pool_destroy(a);
    hk_registry_destroy(&a->registry);
}

/* A block of class c for heap h: from the front, else by refilling it. */
static void *class_alloc(hk_heap *h, unsigned c)
{
    hk_front *f = &h->front[c];
    if (f->count) {
        f->hits++;
        return f->slots[--f->count];
    }
    return hk_heap_refill(h, c);
}

static void *fail_enomem(void)
{
    errno = ENOMEM;
    return NULL;
}

void *hk_malloc_slow(hk_allocator *a, hk_heap *h, size_t n)
{
    void *p = n <= HK_SMALL_MAX ? class_alloc(h, hk_class_of(n))
                                : hk_large_alloc(a, n, 16, 0);
    return p ? p : fail_enomem();
}

void *hk_alloc_aligned(hk_allocator *a, hk_heap *h, size_t align, size_t n)
{
    if (align <= 16)
        return hk_malloc_fast(a, h, n);
    void *p;
    if (align <= HK_OS_PAGE && n <= HK_SMALL_MAX) {
        /* Every power of two up to a page is a class, and slabs start
         * page-aligned, so the first class whose size is a multiple of
         * align has only aligned blocks. */
        unsigned c = hk_class_of(n > align ? n : align);
        while (a->cls[c].size % align)
            c++;
        p = class_alloc(h, c);
    } else {
        p = hk_large_alloc(a, n, align, 0);
    }
    return p ? p : fail_enomem();
}

void *hk_alloc_calloc(hk_allocator *a, hk_heap *h, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return fail_enomem();
    if (n > HK_SMALL_MAX) {
        void *p = hk_large_alloc(a, n, 16, 1);
        return p ? p : fail_enomem();
    }
    void *p = hk_malloc_fast(a, h, n);
    if (p)
        memset(p, 0, n);
    return p;
}

/* What free and realloc know about a pointer, after checking it. */
typedef struct owner {
    hk_large_hdr *large; /* or NULL for a small block */
    hk_slab *slab;       /* a small block's slab */
    unsigned cls;
    size_t usable;
} owner;

static owner owner_of(hk_allocator *a, const void *p, const char *who)
{
    uintptr_t e = hk_registry_get(&a->registry, (uintptr_t)p);
    if (!e)
        hk_os_fatal(who, p);
    if (e & HK_REG_LARGE) {
        hk_large_hdr *l = (hk_large_hdr *)(e & ~(uintptr_t)HK_REG_LARGE);
        if ((const char *)l + l->offset != (const char *)p)
            hk_os_fatal(who, p);
        return (owner){l, NULL, HK_CLASS_NONE, hk_large_usable(l)};
    }
    hk_ss *ss = (hk_ss *)e;
    unsigned c = ss->unit_cls[((uintptr_t)p - e) >> a->unit_shift];
    if (c == HK_CLASS_NONE)
        hk_os_fatal(who, p);
    return (owner){NULL, hk_ss_slab_of(ss, (uintptr_t)p, a->unit_shift), c,
                   a->cls[c].size};
}

void hk_free_slow(hk_allocator *a, hk_heap *h, void *p)
{
    if (!p)
        return;
    if (a->params.ptr_check == HK_PTR_CHECK_ALWAYS && !hk_os_is_mapped(p))
        hk_os_fatal("free(): invalid pointer", p);
    owner o = owner_of(a, p, "free(): invalid pointer");
    if (o.large) {
        hk_large_free(a, o.large);
        return;
    }
    if (!h) {
        hk_slab_put_remote(o.slab, p);
        return;
    }
    hk_front *f = &h->front[o.cls];
    if (!f->cap) {
        h->stats[o.cls].returned++;
        hk_heap_give_back(h, p);
        return;
    }
    if (f->count && f->slots[f->count - 1] == p)
        hk_os_fatal("free(): double free detected", p);
    if (f->count == f->cap)
        hk_heap_flush(h, o.cls, f->cap / 2 ? f->cap / 2 : 1);
    HK_ASSERT(f->count < f->cap);
    f->slots[f->count++] = p;
}

void *hk_alloc_realloc(hk_allocator *a, hk_heap *h, void *p, size_t n)
{
    if (!p)
        return hk_malloc_fast(a, h, n);
    if (n == 0) {
        hk_free_fast(a, h, p);
        return NULL;
    }
    owner o = owner_of(a, p, "realloc(): invalid pointer");
    /* Keep the block when it fits and would not waste half of itself. */
    if (n <= o.usable && n > o.usable / 2)
        return p;
    void *q = hk_malloc_fast(a, h, n);
    if (!q)
        return NULL;
    size_t copy = n < o.usable ? n : o.usable;
    memcpy(q, p, copy);
    /* The copy reads and writes both blocks' pages: faults and TLB
     * misses the simulation must see. */
    hk_os_touch(p, copy);
    hk_os_touch(q, copy);
    hk_free_fast(a, h, p);
    return q;
}

size_t hk_alloc_usable_size(hk_allocator *a, const void *p)
{
    return p ? owner_of(a, p, "malloc_usable_size(): invalid pointer").usable
             : 0;
}

size_t hk_alloc_trim(hk_allocator *a, hk_heap *h)
{
    if (h)
        for (unsigned c = 0; c < HK_CLASSES; c++)
            if (h->front[c].count)
                hk_heap_flush(h, c, h->front[c].count);
    return hk_pool_purge(a, 1) + hk_large_purge(a, 1);
}

void hk_alloc_snapshot(hk_allocator *a, hk_stats_snapshot *out)
{
    memset(out, 0, sizeof *out);
    hk_lock_acquire(&a->pool.lock);
    out->pool = a->pool.stats;
    for (unsigned c = 0; c < HK_CLASSES; c++)
        out->cls[c] = a->pool.class_stats[c];
    for (hk_heap *h = a->pool.heaps; h; h = h->next)
        if (h->live)
            hk_heap_stats(h, out->cls);
    hk_lock_release(&a->pool.lock);
    hk_lock_acquire(&a->large.lock);
    out->large = a->large.stats;
    hk_lock_release(&a->large.lock);
    for (unsigned c = 0; c < HK_CLASSES; c++)
        hk_class_stats_add(&out->total, &out->cls[c]);
}
