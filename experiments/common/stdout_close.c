/*
 * stdout_close.c - a command's output checked at its end.  A command
 * that failed (rc != 0) has said why already; only a command that
 * thinks it succeeded learns here that its output was lost.  stdout is
 * closed so that exit() has nothing left to flush (and to lose
 * silently).
 */
#include "experiments/common/stdout_close.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int hk_stdout_close(const char *cmd, int rc)
{
    int err = 0;

    if (fflush(stdout) != 0)
        err = errno;
    int failed = err || ferror(stdout);
    if (fclose(stdout) != 0 && !failed) {
        err = errno;
        failed = 1;
    }
    if (!failed || rc != 0)
        return rc;
    fprintf(stderr, "hakmem%s%s: cannot write standard output%s%s\n",
            cmd ? " " : "", cmd ? cmd : "", err ? ": " : "",
            err ? strerror(err) : "");
    return 1;
}
