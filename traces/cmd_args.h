/*
 * cmd_args.h - command-line options of the `hakmem trace` subcommands,
 * described by a table and parsed with getopt_long, with the messages and
 * exit statuses every hakmem command uses.
 */
#ifndef HK_CMD_ARGS_H
#define HK_CMD_ARGS_H

#include <stdint.h>

enum { HK_EXIT_OK = 0, HK_EXIT_BAD = 1, HK_EXIT_USAGE = 2 };
enum { HK_ARGS_PARSED = -1 }; /* hk_parse_args: go on; else exit status */

/* An option ("-o", "--threads"): exactly one of number, text, flag is
 * set.  Tables end with an entry whose name is NULL. */
typedef struct hk_arg_opt {
    const char *name;
    uint64_t *number;
    const char **text;
    int *flag;
} hk_arg_opt;

/* Prints "hakmem CMD: MESSAGE" and the usage on stderr; HK_EXIT_USAGE. */
int hk_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Strict decimal: digits only, no sign, no overflow; 0 or -1. */
int hk_parse_u64(const char *s, uint64_t *out);

/* Parses argv[1..argc): the options in `opts` ("-o V", "--name V" or
 * "--name=V"), --help, and up to max_pos positional arguments, anywhere
 * (all of them after "--").  Returns HK_ARGS_PARSED, or the exit status
 * when done: after --help (HK_EXIT_OK) or a usage error
 * (HK_EXIT_USAGE). */
int hk_parse_args(const char *cmd, const char *usage, int argc, char **argv,
                  const hk_arg_opt *opts, const char **pos, int max_pos,
                  int *n_pos);

#endif
