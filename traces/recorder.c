/*
 * recorder.c - libhakmem-record.so, the preload library of `hakmem
 * record`: it interposes the malloc family, forwards every call to the
 * allocator underneath (the next definition after this library:
 * glibc's, or a preloaded allocator's) and logs each call that changed
 * the heap.  Exports nothing but the malloc family.
 *
 * Bootstrap: the real functions are looked up with dlsym(RTLD_NEXT) on
 * the first call; the calls dlsym itself makes meanwhile are served from
 * a small static arena whose blocks are never passed to the real free.
 * Recording runs from this library's constructor (the environment is
 * readable then) to its destructor; objects allocated before are not
 * known, and their frees are skipped and counted.
 *
 * Invariants:
 *  - the recorder's own work, and whatever the real allocator calls
 *    back, runs with the thread's `busy` flag set and is not recorded;
 *  - a pointer is in the object map (record_map.h) exactly while the
 *    program holds the recorded object at that address.  An allocation
 *    enters it after the real call returns; a free or a realloc leaves it
 *    before the real call, which may hand the address to another thread;
 *  - an event's sequence number is taken under the map lock of its
 *    pointer, in the same critical section as the map update, so the
 *    events of an object are numbered in the order they happened (a
 *    realloc that freed its object takes the number after the call: its
 *    id has already left the map then, no other event can name it);
 *  - every sequence number taken is logged: failed calls and unknown
 *    pointers take none;
 *  - an allocation at an address the map still holds (its object was
 *    freed where the recorder could not see it) first logs a free of the
 *    old object, so the trace stays well formed.
 *
 * realloc keeps the object's id when the block moves; realloc(NULL, n)
 * logs a malloc; realloc(p, 0) logs a free when the allocator freed p
 * (returned NULL) and a realloc to 0 bytes otherwise; free(NULL) is not
 * logged.  Alignments are logged rounded up to a power of two; pvalloc's
 * size is rounded up to the page as pvalloc does.
 *
 * Which processes: HAKMEM_RECORD_FOLLOW (set by `hakmem record`) is all
 * (the default), exec (the program's own process through its execs),
 * fork (the first image and its forked children, nothing exec'd) or
 * none (the first image).  An image or a child not followed runs with
 * the recorder passing every call through.
 *
 * Fork: the log and the map are held still across fork.  The child
 * starts a log of its own (record_log.h) that begins with a synthetic
 * malloc, at time 0 on thread 0, of every object live at the fork,
 * renumbered from id 0, so that the child's frees of inherited objects
 * name allocations in its own trace.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record_log.h"
#include "record_map.h"

#define EXPORT __attribute__((visibility("default")))

extern char **environ;
#define TLS __thread __attribute__((tls_model("initial-exec")))
#define ARENA_BYTES (64u << 10)
#define ARENA_HEAD 16 /* bytes before an arena block: its size */

static struct {
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    void (*free)(void *);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
} real;

enum { UNRESOLVED, RESOLVING, RESOLVED };
static atomic_int resolve_state;
static atomic_int recording;
static int follow_fork; /* forked children are recorded */
static TLS int busy;
static hk_raw_end counts; /* counted with atomic adds; taken at exit */

/* ---- bootstrap ---- */

static _Alignas(64) uint8_t arena[ARENA_BYTES];
static atomic_size_t arena_used;

static int in_arena(const void *p)
{
    return (const uint8_t *)p >= arena && (const uint8_t *)p < arena +
                                                                 ARENA_BYTES;
}

/* A block of the arena, `align` a power of two; NULL when it is full. */
static void *arena_alloc(size_t size, size_t align)
{
    size_t used = atomic_load(&arena_used), start, end;

    if (align < ARENA_HEAD)
        align = ARENA_HEAD;
    do {
        start = (used + ARENA_HEAD + align - 1) & ~(align - 1);
        end = start + size;
        if (size > ARENA_BYTES || end > ARENA_BYTES) {
            errno = ENOMEM;
            return NULL;
        }
    } while (!atomic_compare_exchange_weak(&arena_used, &used, end));
    memcpy(arena + start - ARENA_HEAD, &size, sizeof size);
    return arena + start;
}

static size_t arena_size(const void *p)
{
    size_t size;
    memcpy(&size, (const uint8_t *)p - ARENA_HEAD, sizeof size);
    return size;
}

static void missing(const char *name)
{
    static const char msg[] = "hakmem record: the allocator underneath "
                              "lacks ";
    if (write(2, msg, sizeof msg - 1) < 0 ||
        write(2, name, strlen(name)) < 0 || write(2, "\n", 1) < 0)
        abort();
    abort();
}

static void *lookup(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f)
        missing(name);
    return f;
}

/* 1 once the real functions are known; 0 while they are being looked up
 * (the caller uses the arena). */
static int resolved(void)
{
    int state = atomic_load_explicit(&resolve_state, memory_order_acquire);

    if (__builtin_expect(state == RESOLVED, 1))
        return 1;
    if (state != UNRESOLVED ||
        !atomic_compare_exchange_strong(&resolve_state, &state, RESOLVING))
        return atomic_load(&resolve_state) == RESOLVED;
    real.malloc = lookup("malloc");
    real.calloc = lookup("calloc");
    real.realloc = lookup("realloc");
    real.reallocarray = lookup("reallocarray");
    real.free = lookup("free");
    real.posix_memalign = lookup("posix_memalign");
    real.aligned_alloc = lookup("aligned_alloc");
    real.memalign = lookup("memalign");
    real.valloc = lookup("valloc");
    real.pvalloc = lookup("pvalloc");
    atomic_store_explicit(&resolve_state, RESOLVED, memory_order_release);
    return 1;
}

/* Whether this call is to be recorded: then the caller sets busy. */
static int recorded(void)
{
    return !busy && atomic_load_explicit(&recording, memory_order_relaxed);
}

/* ---- logging ---- */

static void count(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static void put(hk_rec_thread *t, hk_raw_event *ev)
{
    ev->time = hk_rec_log_ticks();
    if (hk_rec_log_put(t, ev) != 0)
        atomic_store(&recording, 0);
}

/* An object now at p: a new one (kept NULL), or the one a realloc moved
 * or resized, which keeps its id *kept. */
static void log_new(uint8_t kind, void *p, uint64_t size, uint8_t align_log2,
                    const uint64_t *kept)
{
    hk_rec_thread *t = hk_rec_log_thread();
    hk_raw_event ev = { .kind = kind, .size = size, .align_log2 = align_log2 };
    hk_raw_event gone = { .kind = HK_EV_FREE };
    hk_rec_obj old;

    if (!t) {
        count(&counts.untracked);
        return;
    }
    hk_rec_shard *s = hk_rec_map_lock(p);
    ev.id = kept ? *kept : hk_rec_log_new_id();
    int rc = hk_rec_map_put(s, p, (hk_rec_obj){ ev.id, size }, &old);
    if (rc == 0) {
        gone.id = old.id;
        gone.seq = hk_rec_log_seq();
    }
    if (rc >= 0)
        ev.seq = hk_rec_log_seq();
    hk_rec_map_unlock(s);
    if (rc == 0) {
        count(&counts.stale);
        put(t, &gone);
    }
    if (rc < 0)
        count(&counts.untracked);
    else
        put(t, &ev);
}

/* p leaves the map; 1 with *obj filled if it was there. */
static int take(const void *p, hk_rec_obj *obj)
{
    hk_rec_shard *s = hk_rec_map_lock(p);
    int found = hk_rec_map_take(s, p, obj);
    hk_rec_map_unlock(s);
    if (!found)
        count(&counts.unknown_frees);
    return found;
}

static void log_free(void *p)
{
    hk_rec_thread *t = hk_rec_log_thread();
    hk_raw_event ev = { .kind = HK_EV_FREE };
    hk_rec_obj obj;
    int found;

    if (!t) {
        take(p, &obj);
        return;
    }
    hk_rec_shard *s = hk_rec_map_lock(p);
    found = hk_rec_map_take(s, p, &obj);
    if (found) {
        ev.id = obj.id;
        ev.seq = hk_rec_log_seq();
    }
    hk_rec_map_unlock(s);
    if (found)
        put(t, &ev);
    else
        count(&counts.unknown_frees);
}

/* After realloc(p, size) returned q, p having left the map before the
 * call (found: as obj). */
static void log_resize(void *p, void *q, size_t size, int found,
                       hk_rec_obj obj)
{
    if (!q && size > 0) { /* failed: p is still the program's, unchanged */
        if (found) {
            hk_rec_obj old;
            hk_rec_shard *s = hk_rec_map_lock(p);
            hk_rec_map_put(s, p, obj, &old);
            hk_rec_map_unlock(s);
        }
        return;
    }
    if (!q) { /* freed */
        hk_rec_thread *t = hk_rec_log_thread();
        hk_raw_event ev = { .kind = HK_EV_FREE, .id = obj.id };
        if (found && t) {
            ev.seq = hk_rec_log_seq();
            put(t, &ev);
        }
        return;
    }
    if (found)
        log_new(HK_EV_REALLOC, q, size, 0, &obj.id);
    else
        log_new(HK_EV_MALLOC, q, size, 0, NULL);
}

static uint8_t log2_up(size_t align)
{
    return align <= 1 ? 0 : (uint8_t)(64 - __builtin_clzll(align - 1));
}

/* ---- the malloc family ---- */

EXPORT void *malloc(size_t size)
{
    if (!resolved())
        return arena_alloc(size, 1);
    if (!recorded())
        return real.malloc(size);
    busy = 1;
    void *p = real.malloc(size);
    if (p)
        log_new(HK_EV_MALLOC, p, size, 0, NULL);
    busy = 0;
    return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
    size_t bytes;

    if (!resolved()) {
        if (__builtin_mul_overflow(n, size, &bytes)) {
            errno = ENOMEM;
            return NULL;
        }
        return arena_alloc(bytes, 1); /* static memory: already zero */
    }
    if (!recorded())
        return real.calloc(n, size);
    busy = 1;
    void *p = real.calloc(n, size);
    if (p)
        log_new(HK_EV_CALLOC, p, (uint64_t)n * size, 0, NULL);
    busy = 0;
    return p;
}

EXPORT void free(void *p)
{
    if (!p || in_arena(p) || !resolved())
        return;
    if (!recorded()) {
        real.free(p);
        return;
    }
    busy = 1;
    log_free(p);
    real.free(p);
    busy = 0;
}

/* realloc of an arena block: a new block, recorded as a malloc. */
static void *arena_realloc(void *p, size_t size)
{
    void *q = malloc(size);
    size_t old = arena_size(p);

    if (q)
        memcpy(q, p, old < size ? old : size);
    return q;
}

/* realloc and reallocarray: p leaves the map before the call, which may
 * free it; the result is logged after. */
static void *resize(void *p, size_t n, size_t size,
                    void *(*call)(void *, size_t, size_t))
{
    hk_rec_obj obj = { 0, 0 };
    int found = 0;

    busy = 1;
    if (p)
        found = take(p, &obj);
    void *q = call(p, n, size);
    if (p || q)
        log_resize(p, q, n * size, found, obj);
    busy = 0;
    return q;
}

static void *call_realloc(void *p, size_t n, size_t size)
{
    (void)n;
    return real.realloc(p, size);
}

EXPORT void *realloc(void *p, size_t size)
{
    if (in_arena(p))
        return arena_realloc(p, size);
    if (!resolved())
        return p ? NULL : arena_alloc(size, 1);
    if (!recorded())
        return real.realloc(p, size);
    return resize(p, 1, size, call_realloc);
}

EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    size_t bytes;

    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    if (in_arena(p) || !resolved())
        return realloc(p, bytes);
    if (!recorded())
        return real.reallocarray(p, n, size);
    return resize(p, n, size, real.reallocarray);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (!resolved()) {
        *out = arena_alloc(size, align);
        return *out ? 0 : ENOMEM;
    }
    if (!recorded())
        return real.posix_memalign(out, align, size);
    busy = 1;
    int rc = real.posix_memalign(out, align, size);
    if (rc == 0)
        log_new(HK_EV_ALIGNED, *out, size, log2_up(align), NULL);
    busy = 0;
    return rc;
}

/* aligned_alloc, memalign, valloc and pvalloc: the real call's result
 * is logged as an aligned allocation of `size` bytes. */
static void *aligned(void *(*call)(size_t, size_t), size_t align,
                     size_t size, size_t logged_size)
{
    busy = 1;
    void *p = call(align, size);
    if (p)
        log_new(HK_EV_ALIGNED, p, logged_size, log2_up(align), NULL);
    busy = 0;
    return p;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
    if (!resolved())
        return arena_alloc(size, align);
    if (!recorded())
        return real.aligned_alloc(align, size);
    return aligned(real.aligned_alloc, align, size, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
    if (!resolved())
        return arena_alloc(size, align);
    if (!recorded())
        return real.memalign(align, size);
    return aligned(real.memalign, align, size, size);
}

static void *call_valloc(size_t align, size_t size)
{
    (void)align;
    return real.valloc(size);
}

static void *call_pvalloc(size_t align, size_t size)
{
    (void)align;
    return real.pvalloc(size);
}

EXPORT void *valloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    if (!resolved())
        return arena_alloc(size, page);
    if (!recorded())
        return real.valloc(size);
    return aligned(call_valloc, page, size, size);
}

EXPORT void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = size ? (size + page - 1) & ~(page - 1) : page;

    if (!resolved())
        return arena_alloc(rounded, page);
    if (!recorded())
        return real.pvalloc(size);
    return aligned(call_pvalloc, page, size, rounded);
}

/* ---- the process ---- */

static void fork_prepare(void)
{
    if (!atomic_load(&recording))
        return;
    busy = 1;
    hk_rec_log_fork_prepare();
    hk_rec_map_lock_all();
}

static void fork_parent(void)
{
    if (!atomic_load(&recording))
        return;
    hk_rec_map_unlock_all();
    hk_rec_log_fork_parent();
    busy = 0;
}

/* A synthetic malloc, at time 0, of an object the child inherited. */
static void inherit(void *ctx, hk_rec_obj *obj)
{
    hk_raw_event ev = { .kind = HK_EV_MALLOC, .size = obj->size };

    obj->id = hk_rec_log_new_id();
    ev.id = obj->id;
    ev.seq = hk_rec_log_seq();
    if (hk_rec_log_put(ctx, &ev) != 0)
        atomic_store(&recording, 0);
}

static void fork_child(void)
{
    if (!atomic_load(&recording))
        return;
    if (!follow_fork) { /* nothing of the child's is recorded */
        fork_parent();
        atomic_store(&recording, 0);
        return;
    }
    memset(&counts, 0, sizeof counts);
    hk_rec_log_fork_child();
    hk_rec_thread *t = hk_rec_log_thread();
    if (t)
        hk_rec_map_each(inherit, t);
    else
        atomic_store(&recording, 0);
    hk_rec_map_unlock_all();
    busy = 0;
}

/* The value of the variable `name` in environ, or NULL; with `remove`,
 * the variable also leaves environ, whose later entries move down in
 * place as unsetenv moves them.  The program may define getenv and
 * unsetenv of its own (bash does), which need not act on environ before
 * its main has run: this library reads and edits environ itself. */
static const char *env_value(const char *name, int remove)
{
    size_t len = strlen(name);

    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, name, len) != 0 || (*e)[len] != '=')
            continue;
        const char *v = *e + len + 1;
        if (remove) {
            char **d = e;
            do
                d[0] = d[1];
            while (*d++);
        }
        return v;
    }
    return NULL;
}

/* Whether the value v is this process's id. */
static int this_process(const char *v)
{
    char *end;

    if (!v || !*v)
        return 0;
    long pid = strtol(v, &end, 10);
    return *end == '\0' && pid == (long)getpid();
}

/* Whether this process image is one HAKMEM_RECORD_FOLLOW asks for.  The
 * first image (the program `hakmem record` ran) is found by
 * HAKMEM_RECORD_FIRST, which it removes from the environment before its
 * program reads it, so that no image after it inherits the variable;
 * HAKMEM_RECORD_ROOT names the program's own process. */
static int followed_image(const char *follow)
{
    if (this_process(env_value("HAKMEM_RECORD_FIRST", 1)) || !follow ||
        !strcmp(follow, "all"))
        return 1;
    return !strcmp(follow, "exec") &&
           this_process(env_value("HAKMEM_RECORD_ROOT", 0));
}

__attribute__((constructor)) static void recorder_start(void)
{
    const char *file = env_value("HAKMEM_RECORD_FILE", 0);
    const char *follow = env_value("HAKMEM_RECORD_FOLLOW", 0);

    if (!resolved() || !followed_image(follow))
        return;
    busy = 1;
    follow_fork = !follow || !strcmp(follow, "all") ||
                  !strcmp(follow, "fork");
    hk_rec_log_start(file && *file ? file : "hakmem.trace");
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    atomic_store(&recording, 1);
    busy = 0;
}

__attribute__((destructor)) static void recorder_stop(void)
{
    if (!atomic_exchange(&recording, 0))
        return;
    busy = 1;
    hk_rec_log_stop(&counts);
    busy = 0;
}
