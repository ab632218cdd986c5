/*
 * record_log.h - the recorder's event log: the clock, the global sequence
 * and the object ids, one buffer per thread, and the raw file
 * (record_raw.h) the buffers are flushed to.  Private to the recorder.
 *
 * A thread appends records to its own buffer without a lock; the buffer
 * goes to the file as a chunk when it is full, when its thread exits, at
 * least every 100 ms while any thread records (whichever thread notices
 * the time flushes them all), before fork and at process exit.  The file
 * is created on the first chunk.  Nothing here calls malloc.
 */
#ifndef HK_RECORD_LOG_H
#define HK_RECORD_LOG_H

#include <stdint.h>

#include "record_raw.h"

typedef struct hk_rec_thread hk_rec_thread;

/* Once, before anything else: starts the clock; the raw file will be
 * PREFIX.raw.PID (a relative prefix is taken from the current
 * directory). */
void hk_rec_log_start(const char *prefix);

/* Ticks (record_clock.h) since the start, or since the fork in a
 * child. */
uint64_t hk_rec_log_ticks(void);

/* The next sequence number; the next object id. */
uint64_t hk_rec_log_seq(void);
uint64_t hk_rec_log_new_id(void);

/* The calling thread's buffer, made on its first call: NULL if no memory
 * could be had for it. */
hk_rec_thread *hk_rec_log_thread(void);

/* Appends ev (its sequence number and time not below the thread's
 * previous ones; a lower time is raised).  0, or -1 once the log has
 * failed (the file could not be written; a warning went to stderr):
 * nothing more will be written. */
int hk_rec_log_put(hk_rec_thread *t, const hk_raw_event *ev);

/* Process exit: writes every buffer and then the end chunk, end with
 * end->taken filled in. */
void hk_rec_log_stop(hk_raw_end *end);

/* Around fork, with the object map locked between prepare and the other
 * two: prepare writes every buffer and holds the log still; the parent
 * goes on; the child starts a log of its own (clock, sequence, ids and
 * thread numbers from zero, the forking thread as thread 0, a new file
 * that names the parent). */
void hk_rec_log_fork_prepare(void);
void hk_rec_log_fork_parent(void);
void hk_rec_log_fork_child(void);

#endif
