/*
 * trace.h - allocation traces: the event model and streaming I/O.
 *
 * A trace is the sequence of allocation calls a program made, in one
 * global order, each tagged with the calling thread and a nanosecond
 * timestamp.  Objects are named by ids, not addresses: an allocation
 * introduces an id, realloc resizes the object named by an id (the id
 * survives a move), and free ends it.  traces/FORMAT.md specifies the
 * bytes; the reader and writer here stream, holding one block at a time.
 */
#ifndef HK_TRACE_H
#define HK_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum hk_ev_kind {
    HK_EV_MALLOC,  /* id, size */
    HK_EV_CALLOC,  /* id, size (count * size, already multiplied) */
    HK_EV_REALLOC, /* id, size: resize object id (realloc(NULL, n) is a
                      MALLOC, realloc(p, 0) a FREE) */
    HK_EV_FREE,    /* id */
    HK_EV_ALIGNED, /* id, size, align: posix_memalign, aligned_alloc,
                      memalign, valloc, pvalloc */
    HK_EV_KINDS
};

extern const char *const hk_ev_kind_names[HK_EV_KINDS];

typedef struct hk_event {
    uint8_t kind;     /* enum hk_ev_kind */
    uint32_t thread;  /* dense trace thread number, 0 = first thread seen */
    uint64_t id;      /* object id */
    uint64_t size;    /* bytes requested; 0 for FREE */
    uint64_t align;   /* ALIGNED only, a power of two; else 0 */
    uint64_t time_ns; /* since the start of the trace */
    uint64_t offset;  /* reader: byte offset of the event in the file */
} hk_event;

typedef struct hk_trace_reader hk_trace_reader;
typedef struct hk_trace_writer hk_trace_writer;

/* Writer.  Returns NULL (with err filled) when path cannot be created.
 * `program` is a free-form description stored in the header. */
hk_trace_writer *hk_trace_create(const char *path, const char *program,
                                 char *err, size_t errlen);
int hk_trace_write(hk_trace_writer *w, const hk_event *ev);
/* Flush, write the end marker, close.  Returns -1 on an I/O error. */
int hk_trace_close(hk_trace_writer *w, char *err, size_t errlen);

/* Reader.  NULL with err filled ("FILE: byte N: what") on a bad header. */
hk_trace_reader *hk_trace_open(const char *path, char *err, size_t errlen);
/* 1: *ev filled; 0: clean end of trace; -1: error, see hk_trace_error().
 * A trace cut short (no end marker) reads every complete event and then
 * returns -1 with a "truncated" error naming the byte offset. */
int hk_trace_read(hk_trace_reader *r, hk_event *ev);
const char *hk_trace_error(const hk_trace_reader *r);
/* 64-bit checksum of every byte read so far (the whole file at the end). */
uint64_t hk_trace_checksum(const hk_trace_reader *r);
const char *hk_trace_program(const hk_trace_reader *r);
void hk_trace_close_reader(hk_trace_reader *r);

/*
 * The live-object table every consumer needs: checks that an event makes
 * sense (no free of an unknown id, no reuse of a live id) and maps ids to
 * the consumer's own value (a pointer, usually).  Memory grows with the
 * number of live objects only.
 */
typedef struct hk_idmap hk_idmap;
hk_idmap *hk_idmap_create(void);
void hk_idmap_destroy(hk_idmap *m);
/* Room for n live ids without resizing, written now, and kept: the table
 * never shrinks below it. */
void hk_idmap_reserve(hk_idmap *m, size_t n);
/* 0, or -1 if id is already live. */
int hk_idmap_insert(hk_idmap *m, uint64_t id, void *value);
/* The value of a live id, or NULL with *found = 0. */
void *hk_idmap_get(const hk_idmap *m, uint64_t id, int *found);
/* The index of the slot holding id's entry, or that would: what a lookup
 * reads last (for models of the caches a replay runs through).  Slots
 * are 16 bytes. */
size_t hk_idmap_slot(const hk_idmap *m, uint64_t id);
/* Remove and return; *found = 0 if id was not live. */
void *hk_idmap_remove(hk_idmap *m, uint64_t id, int *found);
void hk_idmap_set(hk_idmap *m, uint64_t id, void *value);
size_t hk_idmap_count(const hk_idmap *m);
/* The table's size in slots: it doubles and halves as ids come and go,
 * each time into a newly allocated table, down to what was reserved. */
size_t hk_idmap_slots(const hk_idmap *m);
/* Visit every live id (order unspecified). */
void hk_idmap_each(const hk_idmap *m, void (*fn)(void *ctx, uint64_t id,
                                                 void *value),
                   void *ctx);

#endif
