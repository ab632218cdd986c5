/*
 * report.h - the pieces of the report a run prints, shared by `hakmem sim`
 * and `hakmem replay` so that the same things have the same names (the
 * "syscalls" object above all, which the two must agree on exactly), and
 * its two forms: one line of JSON, or a table for people.
 *
 * The shape (README, "Reports"): "settings" holds only the settings that
 * applied to the run, numbers as numbers and words as strings;
 * "allocator_stats" is the allocator's statistics as core/stats.h walks
 * them, the same object HAKMEM_STATS=json prints.
 */
#ifndef HK_REPORT_H
#define HK_REPORT_H

#include <cjson/cJSON.h>

#include "core/alloc.h"
#include "config.h"
#include "replay.h"

enum hk_report_format { HK_REPORT_JSON, HK_REPORT_TABLE };

/* The settings of the groups given (config.h). */
cJSON *hk_report_settings(const hk_run_config *c, unsigned groups);
cJSON *hk_report_syscalls(const hk_os_counts *counts);
cJSON *hk_report_trace(const char *path, const hk_replay_stats *st);
/* The object "allocator_stats". */
cJSON *hk_report_allocator(hk_allocator *a);

/* Print on stdout in the format given and free root; 0, or -1 when
 * stdout could not be written. */
int hk_report_print(cJSON *root, enum hk_report_format format);

/* "json" or "table"; 0, or -1 for another name. */
int hk_report_format_parse(const char *name, enum hk_report_format *out);

#endif
