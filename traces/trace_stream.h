/*
 * trace_stream.h - what traces/ and its tests need of the reader and the
 * writer beyond trace.h: streams the caller opened (fmemopen,
 * open_memstream, a pipe), the block size, the bytes read.  Private to
 * traces/ and its tests.
 */
#ifndef HK_TRACE_STREAM_H
#define HK_TRACE_STREAM_H

#include <stdio.h>

#include "trace.h"

/* Both take `f` over, closing it when they are closed (or fail to open);
 * `name` stands for the file in error messages. */
hk_trace_reader *hk_trace_open_stream(FILE *f, const char *name, char *err,
                                      size_t errlen);
hk_trace_writer *hk_trace_create_stream(FILE *f, const char *name,
                                        const char *program, char *err,
                                        size_t errlen);

/* Blocks of at most `bytes` payload bytes from now on (clamped to
 * [HK_EVENT_MAX, 64 KiB]; 64 KiB by default): a writer that may be killed
 * loses less, and tests get many blocks out of few events. */
void hk_trace_set_block_size(hk_trace_writer *w, size_t bytes);

/* Bytes the reader has consumed: the file size once the trace is read. */
uint64_t hk_trace_bytes_read(const hk_trace_reader *r);

#endif
