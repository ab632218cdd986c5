/*
 * json_file.h - the JSON files that configure runs (settings, cost files,
 * experiment specs), read one way: one object per file, errors that give
 * the line and column, and one rule for a setting's value.
 */
#ifndef HK_JSON_FILE_H
#define HK_JSON_FILE_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Reads PATH, of at most max_bytes, and parses it as one JSON object
 * whose objects name no key twice, with nothing after it but white
 * space.  NULL with "PATH: what" in err (with "line L, column C" where
 * the text is at fault); the caller deletes the result. */
cJSON *hk_json_load_object(const char *path, size_t max_bytes, char *err,
                           size_t errlen);

/* A setting's JSON value as the text `--set name=value` takes: a string
 * as it is, a non-negative integer below 2^64 in decimal.  -1 for any
 * other value, an empty string, or one that does not fit in len. */
int hk_json_setting_text(const cJSON *v, char *out, size_t len);

/* v is a non-negative integer that a double holds exactly, below 2^64. */
int hk_json_is_count(const cJSON *v);

#endif
