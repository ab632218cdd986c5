/*
 * progress.c - the progress line.  The rate is points done over time
 * since the start, and the time left assumes it holds.
 */
#include "experiments/common/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define PLAIN_EVERY_S 5.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void show(hk_progress *p)
{
    double t = now_s(), elapsed = t - p->t0;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    char left[32] = "?";
    if (rate > 0) {
        unsigned long s = (unsigned long)((double)(p->total - p->done) /
                                          rate + 0.5);
        snprintf(left, sizeof left, "%lu:%02lu", s / 60, s % 60);
    }
    fprintf(stderr, "%s%s: %zu/%zu points, %.1f/s, %s left", p->tty ?
            "\r\033[K" : "", p->label, p->done, p->total, rate, left);
    if (p->failed)
        fprintf(stderr, ", %zu failed", p->failed);
    fputs(p->tty ? "" : "\n", stderr);
    fflush(stderr);
    p->shown = t;
}

void hk_progress_start(hk_progress *p, const char *label, size_t total)
{
    *p = (hk_progress){.label = label, .total = total, .t0 = now_s(),
                       .tty = isatty(2)};
    p->shown = p->t0;
    if (p->tty)
        show(p);
}

void hk_progress_step(hk_progress *p, int failed)
{
    p->done++;
    p->failed += failed != 0;
    if (p->tty || now_s() - p->shown >= PLAIN_EVERY_S)
        show(p);
}

void hk_progress_clear(hk_progress *p)
{
    if (p->tty)
        fputs("\r\033[K", stderr);
}

void hk_progress_end(hk_progress *p)
{
    double elapsed = now_s() - p->t0;
    hk_progress_clear(p);
    fprintf(stderr, "%s: %zu/%zu points in %.1f s", p->label, p->done,
            p->total, elapsed);
    if (p->failed)
        fprintf(stderr, ", %zu failed", p->failed);
    fputc('\n', stderr);
}
