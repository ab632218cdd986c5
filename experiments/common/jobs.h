/*
 * jobs.h - running commands as child processes, up to N at a time, each
 * one's stdout and stderr captured whole.  Output goes to memory files,
 * so a chatty child never blocks on a full pipe; a child is killed when
 * the process that started it dies, so an interrupted sweep leaves
 * nothing running.
 */
#ifndef HK_JOBS_H
#define HK_JOBS_H

#include <stddef.h>
#include <time.h>

typedef struct hk_job_result {
    int status;      /* the exit status; 128 + N if killed by signal N */
    char *out;       /* stdout and stderr, NUL-terminated */
    char *err;
    time_t started;  /* wall clock at the start */
} hk_job_result;

/* argv of job i; it must stay valid until job i is done. */
typedef char *const *(*hk_job_argv_fn)(void *ctx, size_t i);
/* Job i is done; r and its buffers are valid during the call only.
 * Returns 0 to go on, -1 to start no more jobs. */
typedef int (*hk_job_done_fn)(void *ctx, size_t i, const hk_job_result *r);

/*
 * Run jobs 0 .. n-1 in that order, at most `parallel` at once, calling
 * done() as each ends (in the order they end).  0 (also when done()
 * stopped it), or -1 with err when a child could not be started.  Either
 * way the jobs already running are waited for.
 */
int hk_jobs_run(size_t n, unsigned parallel, hk_job_argv_fn argv_of,
                hk_job_done_fn done, void *ctx, char *err, size_t errlen);

/* One command, waited for.  0 with *r filled (free it with
 * hk_job_result_free), or -1 with err. */
int hk_job_run(char *const *argv, hk_job_result *r, char *err,
               size_t errlen);
void hk_job_result_free(hk_job_result *r);

/* argv as one shell-quoted line, for messages; the caller frees it. */
char *hk_job_command_line(char *const *argv);

#endif
