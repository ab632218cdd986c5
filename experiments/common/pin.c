/*
 * pin.c - see pin.h.
 */
#define _GNU_SOURCE
#include "experiments/common/pin.h"

#include <sched.h>

static cpu_set_t before; /* the CPUs before the first pin */
static int pinned;

int hk_pin_last_cpu(void)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return -1;
    int cpu = CPU_SETSIZE - 1;
    while (cpu >= 0 && !CPU_ISSET(cpu, &allowed))
        cpu--;
    if (cpu < 0)
        return -1;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return -1;
    if (!pinned)
        before = allowed;
    pinned = 1;
    return cpu;
}

void hk_pin_release(void)
{
    if (pinned)
        sched_setaffinity(0, sizeof before, &before);
}
