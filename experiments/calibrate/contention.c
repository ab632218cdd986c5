/*
 * contention.c - how much of the CPU calibrate measured on went to other
 * work while it measured.
 *
 * The 1-minute load average taken before measuring lags: right after a
 * parallel build it reads 30 or more on an idle machine, and a machine
 * that turns busy a few seconds in still reads idle.  /proc/stat counts
 * what each CPU did, host steal included (time a virtual CPU was ready
 * but its host ran something else), so the busy time of calibrate's CPU
 * between two readings, less calibrate's own CPU time, is what other work
 * took from it.  Its children (the engine runs) count as its own.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "experiments/calibrate/calib.h"

static double own_cpu_s(void)
{
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    const struct timeval t[4] = {self.ru_utime, self.ru_stime,
                                 children.ru_utime, children.ru_stime};
    double s = 0;
    for (int i = 0; i < 4; i++)
        s += (double)t[i].tv_sec + (double)t[i].tv_usec * 1e-6;
    return s;
}

void calib_cpu_mark_take(int cpu, calib_cpu_mark *m)
{
    char want[32], line[512];
    if (cpu >= 0)
        snprintf(want, sizeof want, "cpu%d ", cpu);
    else
        snprintf(want, sizeof want, "cpu ");
    memset(m, 0, sizeof *m);
    FILE *f = fopen("/proc/stat", "r");
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long user, nice, sys, idle, iowait, irq, softirq,
            steal = 0;
        if (strncmp(line, want, strlen(want)) ||
            sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu",
                   &user, &nice, &sys, &idle, &iowait, &irq, &softirq,
                   &steal) < 7)
            continue;
        m->busy = user + nice + sys + irq + softirq + steal;
        m->total = m->busy + idle + iowait;
        m->ok = 1;
        break;
    }
    if (f)
        fclose(f);
    m->own_s = own_cpu_s();
}

double calib_cpu_others(const calib_cpu_mark *a, const calib_cpu_mark *b)
{
    double tick = (double)sysconf(_SC_CLK_TCK);
    if (!a->ok || !b->ok || b->total <= a->total || tick <= 0)
        return -1;
    double busy = (double)(b->busy - a->busy) / tick;
    double total = (double)(b->total - a->total) / tick;
    double others = (busy - (b->own_s - a->own_s)) / total;
    return others < 0 ? 0 : others > 1 ? 1 : others;
}
