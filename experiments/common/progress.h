/*
 * progress.h - how far a long command is, on stderr: on a terminal one
 * line redrawn in place ("sweep: 12/81 points, 3.4/s, 0:17 left"), else
 * a plain line every few seconds and one at the end, for logs.
 */
#ifndef HK_PROGRESS_H
#define HK_PROGRESS_H

#include <stddef.h>

typedef struct hk_progress {
    const char *label;
    size_t total, done, failed;
    double t0, shown; /* CLOCK_MONOTONIC seconds: start, last line */
    int tty;
} hk_progress;

void hk_progress_start(hk_progress *p, const char *label, size_t total);
void hk_progress_step(hk_progress *p, int failed);
/* Before writing anything else to stderr: clears the line in place. */
void hk_progress_clear(hk_progress *p);
void hk_progress_end(hk_progress *p);

#endif
