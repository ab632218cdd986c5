/*
 * report.h - the pieces of the JSON a run prints, shared by `hakmem sim`
 * and `hakmem replay` so that the same things have the same names (the
 * "syscalls" object above all, which the two must agree on exactly).
 */
#ifndef HK_REPORT_H
#define HK_REPORT_H

#include <cjson/cJSON.h>

#include "core/alloc.h"
#include "config.h"
#include "replay.h"

cJSON *hk_report_settings(const hk_run_config *c);
cJSON *hk_report_syscalls(const hk_os_counts *counts);
cJSON *hk_report_trace(const char *path, const hk_replay_stats *st);
cJSON *hk_report_allocator(hk_allocator *a);

/* Print as one line of JSON on stdout; frees root. */
void hk_report_print(cJSON *root);

#endif
