/*
 * stdout_close.h - the last thing a command does: make sure what it
 * printed reached standard output, so that a full disk or a closed pipe
 * is an error and not a silent success.
 */
#ifndef HK_STDOUT_CLOSE_H
#define HK_STDOUT_CLOSE_H

/* Flushes and closes stdout.  Returns the command's exit status: rc, or
 * 1 after "hakmem CMD: cannot write standard output: REASON" when rc was
 * 0 and stdout could not be written (cmd NULL: hakmem itself). */
int hk_stdout_close(const char *cmd, int rc);

#endif
