/*
 * os_real.c - core/os.h on Linux.
 *
 * Aligned regions are placed by hint: the backend keeps a cursor in a
 * part of the address space the kernel does not use on its own (from
 * 16 TiB up) and asks for the next aligned address there with
 * MAP_FIXED_NOREPLACE.  One mmap per region in the normal case, never a
 * trim, so the number of calls is what the allocator asked for, which is
 * what the simulator predicts.  If the hint is taken, the cursor moves on;
 * after a few misses the backend over-maps and trims instead.
 * A region grows in place (mremap) when it was the last one placed, its end
 * at the cursor; otherwise its pages move, with mremap(MREMAP_FIXED), into
 * a new region placed like any other, so growth makes the calls the
 * simulator predicts too.
 *
 * The allocator's first page-aligned metadata (the registry's first leaf,
 * the first heaps) comes from a reserve in the library's own zero-filled
 * data, which the loader maps anyway: a process that needs no more than
 * that makes no system call for it.  Reserve memory is never returned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/os.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define HINT_BASE ((uintptr_t)16 << 40)
#define HINT_END ((uintptr_t)96 << 40)
#define HINT_TRIES 4

static _Atomic uint64_t sys_calls[HK_OS_CALLS], sys_bytes[HK_OS_CALLS];
static _Atomic uint64_t trace_clock;
static atomic_bool following_trace;
static _Atomic uintptr_t hint_cursor = HINT_BASE;
static char reserve[HK_OS_RESERVE_BYTES] __attribute__((aligned(HK_OS_PAGE)));
static _Atomic size_t reserve_used;

static void count(enum hk_os_call k, size_t bytes)
{
    atomic_fetch_add_explicit(&sys_calls[k], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sys_bytes[k], bytes, memory_order_relaxed);
}

void hk_os_counts_get(hk_os_counts *out)
{
    for (int k = 0; k < HK_OS_CALLS; k++) {
        out->calls[k] = atomic_load_explicit(&sys_calls[k],
                                             memory_order_relaxed);
        out->bytes[k] = atomic_load_explicit(&sys_bytes[k],
                                             memory_order_relaxed);
    }
}

static void *sys_mmap(void *hint, size_t size, int flags)
{
    count(HK_OS_MMAP, size);
    void *p = mmap(hint, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void sys_munmap(void *p, size_t size)
{
    count(HK_OS_MUNMAP, size);
    munmap(p, size);
}

/* Reserve [hint, hint + size) of the cursor's range, aligned. */
static uintptr_t next_hint(size_t size, size_t align)
{
    uintptr_t cur = atomic_load_explicit(&hint_cursor, memory_order_relaxed);
    uintptr_t at, end;
    do {
        at = (cur + align - 1) & ~(uintptr_t)(align - 1);
        end = at + size;
        if (end > HINT_END || end < at) {
            at = HINT_BASE;
            end = at + size;
        }
    } while (!atomic_compare_exchange_weak_explicit(
        &hint_cursor, &cur, end, memory_order_relaxed, memory_order_relaxed));
    return at;
}

static void *map_trimmed(size_t size, size_t align)
{
    char *raw = sys_mmap(NULL, size + align, 0);
    if (!raw)
        return NULL;
    char *p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
    if (p > raw)
        sys_munmap(raw, (size_t)(p - raw));
    if (p + size < raw + size + align)
        sys_munmap(p + size, (size_t)(raw + size + align - (p + size)));
    return p;
}

static void *reserve_take(size_t size)
{
    size_t used = atomic_load_explicit(&reserve_used, memory_order_relaxed);
    do {
        if (size > HK_OS_RESERVE_BYTES - used)
            return NULL;
    } while (!atomic_compare_exchange_weak_explicit(
        &reserve_used, &used, used + size, memory_order_relaxed,
        memory_order_relaxed));
    return reserve + used;
}

static int in_reserve(const void *p)
{
    return (const char *)p >= reserve &&
           (const char *)p < reserve + HK_OS_RESERVE_BYTES;
}

/* ThreadSanitizer keeps its shadow memory where the hints would go. */
#ifdef __SANITIZE_THREAD__
#define HINTS_USABLE 0
#else
#define HINTS_USABLE 1
#endif

/* A region aligned to align (> HK_OS_PAGE), at the cursor when it can be. */
static void *map_aligned(size_t size, size_t align)
{
    if (!HINTS_USABLE)
        return map_trimmed(size, align);
    if (size > HINT_END - HINT_BASE)
        return NULL;
    for (int i = 0; i < HINT_TRIES; i++) {
        void *want = (void *)next_hint(size, align);
        void *p = sys_mmap(want, size, MAP_FIXED_NOREPLACE);
        if (p == want)
            return p;
        if (p) { /* a kernel that ignores MAP_FIXED_NOREPLACE */
            sys_munmap(p, size);
            break;
        }
        if (errno != EEXIST)
            return NULL;
    }
    return map_trimmed(size, align);
}

void *hk_os_map(size_t size, size_t align)
{
    if (align > HK_OS_PAGE)
        return map_aligned(size, align);
    void *p = reserve_take(size);
    return p ? p : sys_mmap(NULL, size, 0);
}

void hk_os_unmap(void *p, size_t size)
{
    if (!in_reserve(p))
        sys_munmap(p, size);
}

static void *sys_mremap(void *p, size_t old_size, size_t new_size, int flags,
                        void *to)
{
    count(HK_OS_MREMAP, new_size);
    void *q = mremap(p, old_size, new_size, flags, to);
    return q == MAP_FAILED ? NULL : q;
}

/* Claim [end, end + more) of the cursor's range when the cursor is at end:
 * the region ending there was the last one placed. */
static int cursor_extend(uintptr_t end, size_t more)
{
    uintptr_t cur = end;
    return more <= HINT_END - end &&
           atomic_compare_exchange_strong_explicit(
               &hint_cursor, &cur, end + more, memory_order_relaxed,
               memory_order_relaxed);
}

void *hk_os_grow(void *p, size_t old_size, size_t new_size, size_t align)
{
    /* Without hints no cursor tells whether the pages above are free, so
     * growing in place is simply tried; a region placed by trimming may
     * find its room taken, and moves. */
    if ((!HINTS_USABLE || hk_os_grows_in_room(p, old_size, new_size) ||
         cursor_extend((uintptr_t)p + old_size, new_size - old_size)) &&
        sys_mremap(p, old_size, new_size, 0, NULL))
        return p;
    void *to = map_aligned(new_size, align);
    if (!to)
        return NULL;
    /* The new region is ours, so MREMAP_FIXED replaces nothing else. */
    void *q = sys_mremap(p, old_size, new_size,
                         MREMAP_MAYMOVE | MREMAP_FIXED, to);
    if (!q)
        sys_munmap(to, new_size);
    return q;
}

void hk_os_purge(void *p, size_t size)
{
    count(HK_OS_MADVISE, size);
    madvise(p, size, MADV_DONTNEED);
}

bool hk_os_is_mapped(const void *p)
{
    unsigned char vec;
    void *page = (void *)((uintptr_t)p & ~(uintptr_t)(HK_OS_PAGE - 1));
    count(HK_OS_MINCORE, HK_OS_PAGE);
    return mincore(page, HK_OS_PAGE, &vec) == 0;
}

void hk_os_advise_huge(void *p, size_t size)
{
    count(HK_OS_MADVISE, size);
    madvise(p, size, MADV_HUGEPAGE);
}

void hk_os_unadvise_huge(void *p, size_t size)
{
    count(HK_OS_MADVISE, size);
    madvise(p, size, MADV_NOHUGEPAGE);
}

/* The kernel's setting, read once: its line names the modes and
 * brackets the one in force, "always [madvise] never".  No stdio, and
 * errno as it was: this runs inside a malloc that succeeds. */
bool hk_os_huge_unasked(void)
{
    static _Atomic int unasked = -1; /* -1: not read yet */
    int v = atomic_load_explicit(&unasked, memory_order_relaxed);
    if (v >= 0)
        return v;
    int saved = errno;
    char line[128];
    ssize_t n = 0;
    int fd = open("/sys/kernel/mm/transparent_hugepage/enabled",
                  O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, line, sizeof line - 1);
        close(fd);
    }
    line[n > 0 ? n : 0] = '\0';
    v = strstr(line, "[always]") != NULL;
    atomic_store_explicit(&unasked, v, memory_order_relaxed);
    errno = saved;
    return v;
}

size_t hk_os_resident_pages(const void *p, size_t size)
{
    unsigned char vec[HK_OS_RESIDENT_MAX];
    size_t pages = size / HK_OS_PAGE, resident = 0;
    count(HK_OS_MINCORE, size);
    if (mincore((void *)p, size, vec) != 0)
        return 0;
    for (size_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    return resident;
}

void hk_os_follow_clock(uint64_t ns)
{
    atomic_store_explicit(&trace_clock, ns, memory_order_relaxed);
    atomic_store_explicit(&following_trace, true, memory_order_relaxed);
}

uint64_t hk_os_now_ns(void)
{
    if (atomic_load_explicit(&following_trace, memory_order_relaxed))
        return atomic_load_explicit(&trace_clock, memory_order_relaxed);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hk_os_yield(void)
{
    sched_yield();
}

static size_t hex(char *out, uintptr_t v)
{
    char tmp[2 * sizeof v];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

void hk_os_fatal(const char *what, const void *p)
{
    char buf[256];
    size_t n = 0, w = strlen(what);
    if (w > sizeof buf - 40)
        w = sizeof buf - 40;
    memcpy(buf, "hakmem: ", 8);
    n = 8;
    memcpy(buf + n, what, w);
    n += w;
    memcpy(buf + n, ": 0x", 4);
    n += 4;
    n += hex(buf + n, (uintptr_t)p);
    buf[n++] = '\n';
    if (write(2, buf, n) < 0) {
        /* Nothing more can be said; abort either way. */
    }
    abort();
}
