/*
 * import.h - importers of other tools' allocation logs, and the
 * `hakmem trace import` command that runs them.
 *
 * An importer reads its log to the end and hands every call to the sink;
 * it returns 0, or -1 with err filled ("FILE: line N: what") at the
 * first line it cannot take, or when the sink fails.  What each log
 * cannot say (threads, time, which call it was) is in README.md,
 * "Importing other tools' traces".
 */
#ifndef HK_IMPORT_H
#define HK_IMPORT_H

#include <stddef.h>

#include "import_sink.h"
#include "import_text.h"

/* glibc's mtrace(3) log (MALLOC_TRACE=FILE). */
int hk_import_mtrace(hk_text *in, hk_sink *out, char *err, size_t errlen);

/* heaptrack's raw data (heaptrack --raw), not heaptrack_interpret's
 * output. */
int hk_import_heaptrack(hk_text *in, hk_sink *out, char *err, size_t errlen);

/* `hakmem trace import`; argv[0] is "import".  Returns the exit status:
 * 0 imported, 1 a bad log or a failure (message on stderr), 2 a usage
 * error. */
int hk_cmd_trace_import(int argc, char **argv);

#endif
