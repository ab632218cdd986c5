/*
 * malloc.c - the malloc family on one process-wide allocator, with a heap
 * per thread found through an initial-exec TLS slot.
 *
 * Life cycle: the allocator is set up by the first call into it, which
 * may come from the dynamic loader before any constructor has run; a
 * thread gets its heap on its first allocation and gives it back through
 * a pthread key destructor when it exits; around fork the parent holds the
 * allocator's locks so the child starts with them consistent.
 *
 * Built with HK_LIBC_NAMES, the functions are also exported under the
 * standard names, which is what makes libhakmem.so a drop-in malloc;
 * glibc's malloc_stats, malloc_info, mallinfo and mallinfo2 among them,
 * answered from the allocator's own structures (core/usage.h).
 *
 * HAKMEM_STATS prints statistics at exit, on a copy of stderr taken at
 * start-up, or into the file HAKMEM_STATS_FILE names (%p: the pid, so a
 * forked child writes its own).
 */
#define _GNU_SOURCE
#include "hakmem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/usage.h"
#include "env.h"
#include "stats_print.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static hk_allocator g_alloc;
static enum hk_stats_mode g_stats;
static pthread_key_t g_heap_key;
static atomic_int g_ready; /* 0: untouched, 1: being set up, 2: ready */
static __thread hk_heap *tls_heap __attribute__((tls_model("initial-exec")));
/* Set once the thread's heap has been parked: the thread is exiting,
 * and its last frees must not make a heap that nothing would destroy. */
static __thread int tls_exiting __attribute__((tls_model("initial-exec")));

static void thread_exit(void *heap)
{
    tls_heap = NULL;
    tls_exiting = 1;
    hk_heap_park(heap);
}

static void fork_prepare(void)
{
    hk_lock_acquire(&g_alloc.large.lock);
    hk_lock_acquire(&g_alloc.pool.lock);
}

static void fork_parent(void)
{
    hk_lock_release(&g_alloc.pool.lock);
    hk_lock_release(&g_alloc.large.lock);
}

/* A copy of stderr taken at start-up: programs such as coreutils close
 * stderr from their own exit handlers, which may run before this one. */
static int g_stats_fd = -1;
/* HAKMEM_STATS_FILE, copied: the program may change its environment. */
static char g_stats_path[PATH_MAX];

static void warn_fd(int fd, const char *a, const char *b, const char *c)
{
    const char *parts[] = {"hakmem: ", a, b, ": ", c, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (write(fd, parts[i], strlen(parts[i])) < 0)
            return;
}

/* The file HAKMEM_STATS_FILE names, %p replaced by the pid and %% by %,
 * created afresh; -1 after a warning on the copy of stderr. */
static int open_stats_file(void)
{
    char path[PATH_MAX], pid[24];
    size_t n = 0;
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    for (const char *c = g_stats_path; *c && n + 1 < sizeof path; c++) {
        const char *put = c[0] == '%' && c[1] == 'p'   ? pid
                          : c[0] == '%' && c[1] == '%' ? "%"
                                                       : NULL;
        if (!put) {
            path[n++] = *c;
            continue;
        }
        c++;
        for (; *put && n + 1 < sizeof path; put++)
            path[n++] = *put;
    }
    path[n] = '\0';
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        warn_fd(g_stats_fd >= 0 ? g_stats_fd : 2,
                "cannot write statistics to ", path, strerror(errno));
    return fd;
}

static void report_at_exit(void)
{
    static char buf[BUFSIZ];
    int fd = g_stats_path[0] ? open_stats_file() : g_stats_fd;
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out)
        return;
    /* Neither the buffer nor closing the stream may allocate or free once
     * the counters are being printed, or they would count themselves. */
    setvbuf(out, buf, _IOFBF, sizeof buf);
    hk_stats_print(&g_alloc, g_stats == HK_STATS_JSON, out);
    fflush(out);
}

static void setup(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong(&g_ready, &expect, 1)) {
        while (atomic_load(&g_ready) != 2)
            hk_os_yield();
        return;
    }
    hk_params p;
    hk_env_params(&p, &g_stats);
    if (hk_alloc_init(&g_alloc, &p) != 0) {
        hk_params_default(&p);
        hk_alloc_init(&g_alloc, &p);
    }
    atomic_store(&g_ready, 2);
    pthread_key_create(&g_heap_key, thread_exit);
    pthread_atfork(fork_prepare, fork_parent, fork_parent);
    if (g_stats != HK_STATS_OFF) {
        const char *file = getenv("HAKMEM_STATS_FILE");
        if (file && *file)
            snprintf(g_stats_path, sizeof g_stats_path, "%s", file);
        g_stats_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
        atexit(report_at_exit);
    }
}

/* The calling thread's heap, made on first use; NULL only without memory. */
static __attribute__((noinline)) hk_heap *heap_slow(void)
{
    if (atomic_load_explicit(&g_ready, memory_order_acquire) != 2) {
        setup();
        if (tls_heap) /* setup's own registrations may have allocated */
            return tls_heap;
    }
    hk_heap *h = hk_heap_create(&g_alloc);
    if (h) {
        tls_heap = h;
        pthread_setspecific(g_heap_key, h);
    }
    return h;
}

static inline hk_heap *heap(void)
{
    hk_heap *h = tls_heap;
    return likely(h) ? h : heap_slow();
}

static void *no_heap(void)
{
    errno = ENOMEM;
    return NULL;
}

/* Kept out of line so that malloc's fast path needs no stack frame. */
static __attribute__((noinline)) void *malloc_first(size_t size)
{
    hk_heap *h = heap_slow();
    return h ? hk_malloc_fast(&g_alloc, h, size) : no_heap();
}

HK_ENTRY void *hk_malloc(size_t size)
{
    hk_heap *h = tls_heap;
    if (likely(h))
        return hk_malloc_fast(&g_alloc, h, size);
    return malloc_first(size);
}

/* A thread that frees before it ever allocates (a consumer of blocks
 * made elsewhere) gets its heap here, so that its frees are batched by its
 * front like any other thread's instead of each taking the remote path. */
static __attribute__((noinline)) void free_first(void *ptr)
{
    hk_heap *h = ptr && !tls_exiting ? heap_slow() : NULL;
    hk_free_fast(&g_alloc, h, ptr);
}

HK_ENTRY void hk_free(void *ptr)
{
    hk_heap *h = tls_heap;
    if (likely(h))
        hk_free_fast(&g_alloc, h, ptr);
    else
        free_first(ptr);
}

void *hk_calloc(size_t count, size_t size)
{
    hk_heap *h = heap();
    return h ? hk_alloc_calloc(&g_alloc, h, count, size) : no_heap();
}

HK_ENTRY void *hk_realloc(void *ptr, size_t size)
{
    hk_heap *h = heap();
    return h ? hk_alloc_realloc(&g_alloc, h, ptr, size) : no_heap();
}

void *hk_reallocarray(void *ptr, size_t count, size_t size)
{
    size_t n;
    if (__builtin_mul_overflow(count, size, &n))
        return no_heap();
    return hk_realloc(ptr, n);
}

static int power_of_two(size_t v)
{
    return v && !(v & (v - 1));
}

/* An aligned block from its front, or NULL (errno untouched). */
static inline void *aligned_fast(size_t alignment, size_t size)
{
    hk_heap *h = tls_heap;
    return likely(h) ? hk_aligned_fast(&g_alloc, h, alignment, size) : NULL;
}

static __attribute__((noinline)) void *aligned_slow(size_t alignment,
                                                    size_t size)
{
    hk_heap *h = heap();
    return h ? hk_alloc_aligned(&g_alloc, h, alignment, size) : no_heap();
}

static void *aligned(size_t alignment, size_t size)
{
    void *p = aligned_fast(alignment, size);
    return likely(p) ? p : aligned_slow(alignment, size);
}

int hk_posix_memalign(void **out, size_t alignment, size_t size)
{
    if (!power_of_two(alignment) || alignment % sizeof(void *))
        return EINVAL;
    void *p = aligned_fast(alignment, size);
    if (unlikely(!p)) {
        int saved = errno;
        p = aligned_slow(alignment, size);
        if (!p) {
            errno = saved;
            return ENOMEM;
        }
    }
    *out = p;
    return 0;
}

void *hk_aligned_alloc(size_t alignment, size_t size)
{
    if (!power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return aligned(alignment, size);
}

void *hk_memalign(size_t alignment, size_t size)
{
    if (alignment > ((size_t)1 << 62)) {
        errno = EINVAL;
        return NULL;
    }
    size_t a = 1;
    while (a < alignment) /* as glibc: round up to a power of two */
        a <<= 1;
    return aligned(a, size);
}

void *hk_valloc(size_t size)
{
    return aligned(HK_OS_PAGE, size);
}

void *hk_pvalloc(size_t size)
{
    size_t n;
    if (__builtin_add_overflow(size, HK_OS_PAGE - 1, &n))
        return no_heap();
    n &= ~(size_t)(HK_OS_PAGE - 1);
    return aligned(HK_OS_PAGE, n ? n : HK_OS_PAGE);
}

size_t hk_malloc_usable_size(void *ptr)
{
    return hk_alloc_usable_size(&g_alloc, ptr);
}

int hk_malloc_trim(size_t pad)
{
    (void)pad;
    return hk_alloc_trim(&g_alloc, tls_heap) > 0;
}

/* ---- glibc's reports, from hakmem's figures ---- */

static void usage_now(hk_usage *u)
{
    if (atomic_load_explicit(&g_ready, memory_order_acquire) != 2)
        setup();
    hk_alloc_usage(&g_alloc, u);
}

static size_t clamp(uint64_t v)
{
    return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

/* SuperSlabs are the "arena", large blocks the "mmapped regions", front
 * caches the "fastbins": arena + hblkhd = uordblks + fordblks. */
struct mallinfo2 hk_mallinfo2(void)
{
    hk_usage u;
    usage_now(&u);
    struct mallinfo2 m = {
        .arena = clamp(u.ss_bytes),
        .ordblks = clamp(u.lru_superslabs + u.large_cached),
        .hblks = clamp(u.large_blocks),
        .hblkhd = clamp(u.large_bytes),
        .fsmblks = clamp(u.front_cached),
        .uordblks = clamp(u.small_in_use + u.large_in_use),
        .fordblks = clamp(u.front_cached + u.small_free + u.large_free),
    };
    return m;
}

static int as_int(size_t v)
{
    return v > INT_MAX ? INT_MAX : (int)v;
}

struct mallinfo hk_mallinfo(void)
{
    struct mallinfo2 m = hk_mallinfo2();
    struct mallinfo old = {
        .arena = as_int(m.arena), .ordblks = as_int(m.ordblks),
        .hblks = as_int(m.hblks), .hblkhd = as_int(m.hblkhd),
        .fsmblks = as_int(m.fsmblks), .uordblks = as_int(m.uordblks),
        .fordblks = as_int(m.fordblks),
    };
    return old;
}

void hk_malloc_stats(void)
{
    hk_usage u;
    usage_now(&u);
    fprintf(stderr,
            "hakmem malloc_stats, pid %ld\n"
            "system bytes     = %10llu  mapped: %llu SuperSlabs (%llu "
            "empty, cached), %llu large blocks (%llu cached)\n"
            "in use bytes     = %10llu  in blocks the program holds\n"
            "free bytes       = %10llu  front caches %llu, SuperSlabs "
            "%llu, large cache %llu\n",
            (long)getpid(),
            (unsigned long long)(u.ss_bytes + u.large_bytes),
            (unsigned long long)u.superslabs,
            (unsigned long long)u.lru_superslabs,
            (unsigned long long)(u.large_blocks + u.large_cached),
            (unsigned long long)u.large_cached,
            (unsigned long long)(u.small_in_use + u.large_in_use),
            (unsigned long long)(u.front_cached + u.small_free +
                                 u.large_free),
            (unsigned long long)u.front_cached,
            (unsigned long long)u.small_free,
            (unsigned long long)u.large_free);
}

/* glibc's elements, with hakmem's figures; one heap. */
int hk_malloc_info(int options, FILE *out)
{
    if (options != 0 || !out) {
        errno = EINVAL;
        return -1;
    }
    hk_usage u;
    usage_now(&u);
    unsigned long long mapped = u.ss_bytes + u.large_bytes,
                       rest = u.small_free + u.large_free;
    fprintf(out,
            "<malloc version=\"hakmem-1\">\n"
            "<heap nr=\"0\">\n<sizes>\n</sizes>\n"
            "<total type=\"fast\" count=\"0\" size=\"%llu\"/>\n"
            "<total type=\"rest\" count=\"%llu\" size=\"%llu\"/>\n"
            "<system type=\"current\" size=\"%llu\"/>\n"
            "<aspace type=\"total\" size=\"%llu\"/>\n"
            "</heap>\n"
            "<total type=\"fast\" count=\"0\" size=\"%llu\"/>\n"
            "<total type=\"rest\" count=\"%llu\" size=\"%llu\"/>\n"
            "<total type=\"mmap\" count=\"%llu\" size=\"%llu\"/>\n"
            "<system type=\"current\" size=\"%llu\"/>\n"
            "<aspace type=\"total\" size=\"%llu\"/>\n"
            "<hakmem in_use=\"%llu\" superslabs=\"%llu\" "
            "cached_superslabs=\"%llu\" large_blocks=\"%llu\" "
            "cached_large=\"%llu\"/>\n"
            "</malloc>\n",
            (unsigned long long)u.front_cached,
            (unsigned long long)u.lru_superslabs, (unsigned long long)rest,
            (unsigned long long)u.ss_bytes, (unsigned long long)u.ss_bytes,
            (unsigned long long)u.front_cached,
            (unsigned long long)(u.lru_superslabs + u.large_cached), rest,
            (unsigned long long)u.large_blocks,
            (unsigned long long)u.large_bytes, mapped, mapped,
            (unsigned long long)(u.small_in_use + u.large_in_use),
            (unsigned long long)u.superslabs,
            (unsigned long long)u.lru_superslabs,
            (unsigned long long)u.large_blocks,
            (unsigned long long)u.large_cached);
    return ferror(out) ? -1 : 0;
}

#ifdef HK_LIBC_NAMES
#define EXPORT(name, target)                                                 \
    __typeof__(target) name __attribute__((alias(#target),                   \
                                           visibility("default")))
EXPORT(malloc, hk_malloc);
EXPORT(free, hk_free);
EXPORT(calloc, hk_calloc);
EXPORT(realloc, hk_realloc);
EXPORT(reallocarray, hk_reallocarray);
EXPORT(posix_memalign, hk_posix_memalign);
EXPORT(aligned_alloc, hk_aligned_alloc);
EXPORT(memalign, hk_memalign);
EXPORT(valloc, hk_valloc);
EXPORT(pvalloc, hk_pvalloc);
EXPORT(malloc_usable_size, hk_malloc_usable_size);
EXPORT(malloc_trim, hk_malloc_trim);
EXPORT(malloc_stats, hk_malloc_stats);
EXPORT(malloc_info, hk_malloc_info);
EXPORT(mallinfo, hk_mallinfo);
EXPORT(mallinfo2, hk_mallinfo2);
#endif
