/*
 * cmd_trace.h - the `hakmem trace` subcommands: `info` summarizes and
 * checks a trace, `gen` writes a synthetic one.
 */
#ifndef HK_CMD_TRACE_H
#define HK_CMD_TRACE_H

/* argv[0] is "trace".  Returns the exit status: 0 done, 1 a bad trace or
 * a failure (message on stderr), 2 a usage error. */
int hk_cmd_trace(int argc, char **argv);

#endif
