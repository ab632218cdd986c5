/*
 * replay.c - the replay engine.
 *
 * Two passes over the trace: the first checks its framing, numbers its
 * threads densely in order of appearance and learns each one's last event
 * (so threads can exit on time); the second replays, following the live
 * objects.  Nothing is allocated by the replayed allocator until the whole
 * file has proven readable.  An event that makes no sense (a free of an id
 * that is not live, an allocation of one that is) stops the replay, and
 * the trace checker of `hakmem trace info` then says what is wrong with
 * it, in the same words.
 */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "footprint.h"
#ifdef HK_OS_SIM
#include "sim.h"
#endif
#include "traces/trace_check.h"

typedef struct live_obj {
    void *p;
    uint64_t size;
    uint32_t thread; /* dense index of the thread that handled it last */
} live_obj;

/*
 * The records of the live objects: an array indexed by record number, and
 * the numbers freed, for reuse, the one freed last first (as malloc hands
 * back chunks).  Both are sized for the trace's peak and written before
 * the clock starts, so that the replay itself neither allocates nor
 * faults for its own bookkeeping: what it times is the allocator's.  The
 * live table maps each id to its record number.
 */
typedef struct records {
    live_obj *obj;
    uint32_t *freed;
    size_t count; /* numbers in freed */
    size_t cap;   /* entries of obj and of freed */
    uint32_t next;
} records;

/* -1 when out of memory. */
static int records_grow(records *r, size_t cap)
{
    live_obj *obj = realloc(r->obj, cap * sizeof *obj);
    if (obj)
        r->obj = obj;
    uint32_t *freed = obj ? realloc(r->freed, cap * sizeof *freed) : NULL;
    if (!freed)
        return -1;
    r->freed = freed;
    memset(r->obj + r->cap, 0, (cap - r->cap) * sizeof *obj);
    memset(r->freed + r->cap, 0, (cap - r->cap) * sizeof *freed);
    r->cap = cap;
    return 0;
}

/* A record number, or -1 when out of memory (or past 2^32 - 1). */
static int64_t record_take(records *r)
{
    if (r->count)
        return r->freed[--r->count];
    if (r->next == r->cap &&
        (r->next == UINT32_MAX || records_grow(r, 2 * r->cap + 1) < 0))
        return -1;
    return r->next++;
}

/* At most cap records are ever taken, so freed has room. */
static void record_give(records *r, uint32_t i)
{
    r->freed[r->count++] = i;
}

static void records_free(records *r)
{
    free(r->obj);
    free(r->freed);
}

/*
 * The engine's own memory per event, for the data cache model, as the
 * real engine being predicted keeps it.  The serial one looks the object
 * up in its table and reads its record; the threaded one reads the
 * object's 24-byte slot in its plan (it streams the plan's ops in order,
 * which the model leaves to prefetching).  Their real addresses change
 * from run to run, so the model sees fixed stand-ins far from every
 * simulated mapping: slot i of the table at TABLE_AT + 16 i, and record
 * or slot i at RECORDS_AT, numbered as both engines reuse them: the one
 * emptied last first, else a new one.
 */
#define TABLE_AT ((uintptr_t)0x7e0000000000)
#define RECORDS_AT ((uintptr_t)0x7f0000000000)
#define SLOT_BYTES 24 /* a plan's slot (experiments/replay/replay_plan.h) */

#ifdef HK_OS_SIM
static int model_serial = 1;

void hk_replay_model_engine(int serial)
{
    model_serial = serial;
}

static void touch_table(const hk_idmap *m, uint64_t id)
{
    if (model_serial)
        hk_os_touch_foreign(
            (const void *)(TABLE_AT + hk_idmap_slot(m, id) * 16), 16);
}

static void touch_record(uint32_t record)
{
    uintptr_t bytes = model_serial ? sizeof(live_obj) : SLOT_BYTES;
    hk_os_touch_foreign((const void *)(RECORDS_AT + record * bytes), 24);
}
#else
static void touch_table(const hk_idmap *m, uint64_t id)
{
    (void)m;
    (void)id;
}

static void touch_record(uint32_t record)
{
    (void)record;
}
#endif

typedef struct engine {
    hk_allocator *a;
    enum hk_touch touch;
    hk_idmap *dense;  /* trace thread number -> dense index + 1 */
    hk_heap **heaps;  /* by dense index */
    uint64_t *last;   /* index of each thread's last event */
    uint64_t threads, cap;
    uint32_t cached_thread; /* the last lookup, as threads run in bursts */
    uint64_t cached_index;
    hk_idmap *live;   /* id -> record number */
    uint64_t peak;    /* objects live at once, by the scan */
    records records;
    hk_footprint footprint; /* the simulation's only */
    hk_replay_stats *st;
} engine;

/* Block p of `size` bytes becomes live, or stops being live: the
 * simulation follows the footprint (footprint.h); the real replay, which
 * times its own work, does not.  A NULL block holds no memory. */
#ifdef HK_OS_SIM
#define FOLLOWS_FOOTPRINT 1
#else
#define FOLLOWS_FOOTPRINT 0
#endif

static void footprint_add(engine *e, const void *p, uint64_t size)
{
    if (FOLLOWS_FOOTPRINT && p)
        hk_footprint_add(&e->footprint, size);
}

static void footprint_remove(engine *e, const void *p, uint64_t size)
{
    if (FOLLOWS_FOOTPRINT && p)
        hk_footprint_remove(&e->footprint, size);
}

/* Where the memory is as the resident set peaks (replay.h): taken anew
 * only when it grows by a step, so that a trace whose peak climbs page by
 * page walks the allocator's structures a few hundred times, not once
 * per page. */
static void follow_peak(engine *e)
{
#ifdef HK_OS_SIM
    const hk_addrspace *as = hk_sim_addrspace();
    uint64_t now = as->resident_pages * HK_AS_PAGE;
    uint64_t seen = e->st->at_peak_rss_bytes;
    if (now < as->peak_resident_pages * HK_AS_PAGE ||
        now <= seen + seen / HK_REPLAY_PEAK_STEP)
        return;
    hk_alloc_usage(e->a, &e->st->at_peak);
    e->st->at_peak_rss_bytes = now;
#else
    (void)e;
#endif
}

/* All zero on the real backend. */
static void footprint_report(engine *e)
{
    e->st->peak_live_bytes = e->footprint.peak_live;
    e->st->peak_class_bytes = e->footprint.peak_in_classes;
    e->st->class_peaks_bytes = hk_footprint_class_peaks(&e->footprint);
}

/* The dense index of a trace thread, numbering new ones; -1 if out of
 * memory. */
static int64_t dense_index(engine *e, uint32_t thread)
{
    if (e->threads && thread == e->cached_thread)
        return (int64_t)e->cached_index;
    int found;
    uintptr_t v = (uintptr_t)hk_idmap_get(e->dense, thread, &found);
    if (!found) {
        if (e->threads == e->cap) {
            uint64_t cap = e->cap ? 2 * e->cap : 16;
            uint64_t *last = realloc(e->last, cap * sizeof *last);
            if (!last)
                return -1;
            e->last = last;
            e->cap = cap;
        }
        v = (uintptr_t)++e->threads;
        hk_idmap_insert(e->dense, thread, (void *)v);
    }
    e->cached_thread = thread;
    e->cached_index = v - 1;
    return (int64_t)(v - 1);
}

static int scan(engine *e, const char *path, char *err, size_t errlen)
{
    hk_trace_reader *r = hk_trace_open(path, err, errlen);
    if (!r)
        return -1;
    hk_event ev;
    int rc;
    uint64_t live = 0;
    for (uint64_t n = 0; (rc = hk_trace_read(r, &ev)) == 1; n++) {
        int64_t t = dense_index(e, ev.thread);
        if (t < 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -2;
            break;
        }
        e->last[t] = n;
        if (ev.kind == HK_EV_FREE)
            live -= live > 0;
        else if (ev.kind != HK_EV_REALLOC && ++live > e->peak)
            e->peak = live;
    }
    if (rc == -1)
        snprintf(err, errlen, "%s", hk_trace_error(r));
    hk_trace_close_reader(r);
    return rc < 0 ? -1 : 0;
}

/* What is wrong with the event the replay could not follow, as the trace
 * checker says it (the first event it refuses). */
static int explain(const char *path, char *err, size_t errlen)
{
    hk_trace_reader *r = hk_trace_open(path, err, errlen);
    hk_trace_check *check = hk_check_create();
    hk_event ev;
    char what[256];
    while (r && check && hk_trace_read(r, &ev) == 1)
        if (hk_check_event(check, &ev, what, sizeof what) < 0) {
            snprintf(err, errlen, "%s: byte %llu: %s", path,
                     (unsigned long long)ev.offset, what);
            break;
        }
    hk_check_destroy(check);
    hk_trace_close_reader(r);
    return -1;
}

/*
 * What the program does with a new block, as the touch mode says: its
 * first byte, one byte in every page it spans, or all of it.  On the real
 * backend the bytes are written, so the kernel sees the program's page
 * faults; in the simulation each write is reported to the model and not
 * performed, which keeps the simulator's own memory small.
 */
#ifdef HK_OS_SIM
static void stores(int on)
{
    hk_sim_stores(on);
}

static void write_byte(unsigned char *b)
{
    hk_os_touch(b, 1);
}

static void write_all(unsigned char *b, uint64_t n)
{
    hk_os_touch(b, n);
}
#else
static void stores(int on)
{
    (void)on;
}

static void write_byte(unsigned char *b)
{
    *b = 0xa5;
}

static void write_all(unsigned char *b, uint64_t n)
{
    memset(b, 0xa5, n);
}
#endif

void hk_replay_use_block(enum hk_touch touch, void *p, uint64_t size)
{
    unsigned char *b = p;
    if (!p || !size || touch == HK_TOUCH_NONE)
        return;
    stores(1);
    if (touch == HK_TOUCH_ALL) {
        write_all(b, size);
    } else {
        write_byte(b);
        if (touch == HK_TOUCH_PAGES)
            for (b = (unsigned char *)(((uintptr_t)b | (HK_OS_PAGE - 1)) +
                                       1);
                 b < (unsigned char *)p + size; b += HK_OS_PAGE)
                write_byte(b);
    }
    stores(0);
}

void hk_replay_count_use(enum hk_touch touch, const void *p, uint64_t size,
                         hk_replay_stats *st)
{
    if (!p || !size || touch == HK_TOUCH_NONE)
        return;
    if (touch == HK_TOUCH_ALL) {
        st->touch_bytes += size;
    } else if (touch == HK_TOUCH_FIRST) {
        st->touch_writes++;
    } else {
        uintptr_t first = (uintptr_t)p / HK_OS_PAGE;
        st->touch_writes += ((uintptr_t)p + size - 1) / HK_OS_PAGE - first + 1;
    }
}

/* What the engine does with a new block, counted. */
static void use_block(engine *e, void *p, uint64_t size)
{
    hk_replay_use_block(e->touch, p, size);
    hk_replay_count_use(e->touch, p, size, e->st);
}

static hk_heap *heap_of(engine *e, uint64_t t)
{
    if (!e->heaps[t]) {
        e->heaps[t] = hk_heap_create(e->a);
        e->st->threads++;
    }
    return e->heaps[t];
}

static int fail(char *err, size_t errlen, const char *path, uint64_t offset,
                const char *what, uint64_t id)
{
    snprintf(err, errlen, "%s: byte %llu: %s id %llu", path,
             (unsigned long long)offset, what, (unsigned long long)id);
    return -1;
}

/* The record of live object id, or NULL if id is not live. */
static live_obj *live_record(engine *e, uint64_t id, uint32_t *record)
{
    int found;
    uintptr_t i = (uintptr_t)hk_idmap_get(e->live, id, &found);
    *record = (uint32_t)i;
    return found ? &e->records.obj[i] : NULL;
}

static int step(engine *e, const char *path, const hk_event *ev, uint64_t t,
                char *err, size_t errlen)
{
    hk_allocator *a = e->a;
    hk_heap *h = heap_of(e, t);
    if (!h)
        return fail(err, errlen, path, ev->offset, "no memory for the heap of",
                    ev->thread);
    live_obj *o;
    uint32_t record;
    int found;
    void *p = NULL;

    touch_table(e->live, ev->id);
    switch (ev->kind) {
    case HK_EV_MALLOC:
    case HK_EV_CALLOC:
    case HK_EV_ALIGNED: {
        if (live_record(e, ev->id, &record))
            return explain(path, err, errlen);
        if (ev->kind == HK_EV_MALLOC)
            p = hk_malloc_fast(a, h, ev->size);
        else if (ev->kind == HK_EV_CALLOC)
            p = hk_alloc_calloc(a, h, 1, ev->size);
        else
            p = hk_alloc_aligned(a, h, ev->align, ev->size);
        if (!p)
            e->st->failed++;
        use_block(e, p, ev->size);
        footprint_add(e, p, ev->size);
        int64_t r = record_take(&e->records);
        if (r < 0)
            return fail(err, errlen, path, ev->offset, "out of memory at",
                        ev->id);
        e->records.obj[r] = (live_obj){p, ev->size, (uint32_t)t};
        touch_record((uint32_t)r);
        hk_idmap_insert(e->live, ev->id, (void *)(uintptr_t)r);
        if (hk_idmap_count(e->live) > e->st->peak_live)
            e->st->peak_live = hk_idmap_count(e->live);
        e->st->live_bytes_end += ev->size;
        break;
    }
    case HK_EV_REALLOC:
        if (!(o = live_record(e, ev->id, &record)))
            return explain(path, err, errlen);
        touch_record(record);
        e->st->handoffs += o->thread != t;
        p = hk_alloc_realloc(a, h, o->p, ev->size);
        if (!p && ev->size) {
            e->st->failed++;
            break;
        }
        if (p && p != o->p)
            e->st->copied_bytes += ev->size < o->size ? ev->size : o->size;
        if (ev->size > o->size)
            use_block(e, (char *)p + o->size, ev->size - o->size);
        footprint_remove(e, o->p, o->size);
        footprint_add(e, p, ev->size);
        e->st->live_bytes_end += ev->size - o->size;
        *o = (live_obj){p, ev->size, (uint32_t)t};
        break;
    case HK_EV_FREE:
        record = (uint32_t)(uintptr_t)hk_idmap_remove(e->live, ev->id, &found);
        if (!found)
            return explain(path, err, errlen);
        o = &e->records.obj[record];
        touch_record(record);
        record_give(&e->records, record);
        e->st->handoffs += o->thread != t;
        hk_free_fast(a, h, o->p);
        footprint_remove(e, o->p, o->size);
        e->st->live_bytes_end -= o->size;
        break;
    }
    return 0;
}

int hk_replay(hk_allocator *a, const char *path, enum hk_touch touch,
              void (*started)(void *ctx), void *ctx, hk_replay_stats *out,
              char *err, size_t errlen)
{
    engine e = {.a = a, .touch = touch, .st = out};
    memset(out, 0, sizeof *out);
    if (!(e.dense = hk_idmap_create()) || scan(&e, path, err, errlen) < 0) {
        if (e.dense)
            hk_idmap_destroy(e.dense);
        free(e.last);
        return -1;
    }
    hk_trace_reader *r = hk_trace_open(path, err, errlen);
    e.heaps = calloc(e.threads ? e.threads : 1, sizeof *e.heaps);
    e.live = hk_idmap_create();
    if (e.live)
        hk_idmap_reserve(e.live, e.peak);
    int rc = r && e.heaps && e.live &&
                     records_grow(&e.records, e.peak ? e.peak : 1) == 0
                 ? 1
                 : -2;
    if (rc == 1 && started)
        started(ctx);
    hk_event ev;
    for (uint64_t n = 0; rc == 1 && (rc = hk_trace_read(r, &ev)) == 1; n++) {
        hk_os_follow_clock(ev.time_ns);
        uint64_t t = (uint64_t)dense_index(&e, ev.thread);
        if (step(&e, path, &ev, t, err, errlen) < 0) {
            rc = -2;
            break;
        }
        out->events++;
        out->by_kind[ev.kind]++;
        out->duration_ns = ev.time_ns;
        follow_peak(&e);
        if (t && e.last[t] == n) {
            hk_heap_park(e.heaps[t]);
            e.heaps[t] = NULL;
        }
    }
    if (rc == -1)
        snprintf(err, errlen, "%s", hk_trace_error(r));
    if (rc == 0)
        out->checksum = hk_trace_checksum(r);
    footprint_report(&e);
    if (e.live) {
        out->live_end = hk_idmap_count(e.live);
        hk_idmap_destroy(e.live);
    }
    records_free(&e.records);
    if (r)
        hk_trace_close_reader(r);
    hk_idmap_destroy(e.dense);
    free(e.heaps);
    free(e.last);
    return rc == 0 ? 0 : -1;
}
