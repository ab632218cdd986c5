/*
 * import_text.h - the line-numbered text an importer reads: another
 * tool's log, plain or compressed.
 *
 * A zstd- or gzip-compressed file (told by its magic bytes) is read
 * through `zstd -dc` or `gzip -dc`, run as a child process on a pipe;
 * line numbers then count lines of the decompressed text.  Every line
 * must end in a newline and hold no NUL byte: a last line without one is
 * a file cut short, and is an error, not a line.
 */
#ifndef HK_IMPORT_TEXT_H
#define HK_IMPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct hk_text hk_text;

/* NULL with err filled ("FILE: what") when path cannot be read or its
 * decompressor cannot be started. */
hk_text *hk_text_open(const char *path, char *err, size_t errlen);

/* 1: *line is the next line, NUL-terminated, without its newline (valid
 * until the next call); 0: the end of the text; -1: err filled ("FILE:
 * line N: what", or the decompressor's failure). */
int hk_text_line(hk_text *t, const char **line, char *err, size_t errlen);

/* Formats "FILE: line N: what" about the line read last (after the end,
 * N is the line that would have come next); returns -1. */
int hk_text_fail(const hk_text *t, char *err, size_t errlen,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *hk_text_name(const hk_text *t);

/* Parses 1 to 16 lower-case hex digits at s (the fields both logs
 * write); returns the end of them, or NULL. */
const char *hk_text_hex(const char *s, uint64_t *v);

/* Closes the text; a decompressor still running is stopped. */
void hk_text_close(hk_text *t);

#endif
