/*
 * report_table.h - a run's report (a JSON object) as a table for people:
 * `hakmem sim --format table` and `hakmem replay --format table`.
 */
#ifndef HK_REPORT_TABLE_H
#define HK_REPORT_TABLE_H

#include <cjson/cJSON.h>
#include <stdio.h>

/* 0, or -1 when out could not be written. */
int hk_report_table(const cJSON *root, FILE *out);

#endif
