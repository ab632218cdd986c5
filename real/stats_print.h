/*
 * stats_print.h - the allocator's counters and the backend's system calls
 * as text (HAKMEM_STATS=1) or one JSON object (HAKMEM_STATS=json), headed
 * by the program's pid and name, on the stream given (stderr, or the file
 * HAKMEM_STATS_FILE names).
 */
#ifndef HK_STATS_PRINT_H
#define HK_STATS_PRINT_H

#include <stdio.h>

#include "core/alloc.h"

void hk_stats_print(hk_allocator *a, int json, FILE *out);

#endif
