/*
 * cmd_args.c - the option parsing of `hakmem trace` and `hakmem record`
 * subcommands (cmd_args.h), on getopt_long.
 */
#include "cmd_args.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hk_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "hakmem %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return HK_EXIT_USAGE;
}

int hk_parse_u64(const char *s, uint64_t *out)
{
    char *end;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* The option getopt_long returned as c: a short option's character, or
 * FIRST_LONG + its index in opts. */
enum { HELP = 256, FIRST_LONG };

static const hk_arg_opt *opt_of(const hk_arg_opt *opts, int c)
{
    if (c >= FIRST_LONG)
        return &opts[c - FIRST_LONG];
    for (; opts->name; opts++)
        if (opts->name[1] == c)
            return opts;
    return NULL;
}

int hk_parse_args(const char *cmd, const char *usage, int argc, char **argv,
                  const hk_arg_opt *opts, const char **pos, int max_pos,
                  int *n_pos)
{
    enum { MAX_OPTS = 16 };
    struct option longs[MAX_OPTS + 2] = {{"help", no_argument, NULL, HELP}};
    char shorts[2 * MAX_OPTS + 3] = ":h";
    int nlong = 1;
    size_t nshort = strlen(shorts);

    for (int i = 0; opts[i].name && nlong <= MAX_OPTS; i++) {
        int has_arg = opts[i].flag ? no_argument : required_argument;
        if (opts[i].name[1] == '-') {
            longs[nlong++] = (struct option){opts[i].name + 2, has_arg, NULL,
                                             FIRST_LONG + i};
        } else {
            shorts[nshort++] = opts[i].name[1];
            if (has_arg)
                shorts[nshort++] = ':';
        }
    }
    shorts[nshort] = '\0';
    opterr = 0;
    optind = 1;
    for (int c; (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1;) {
        const char *given = argv[optind - 1];
        if (c == 'h' || c == HELP) {
            fputs(usage, stdout);
            return HK_EXIT_OK;
        }
        const hk_arg_opt *o = opt_of(opts, c == ':' || c == '?' ? optopt : c);
        if (c == ':')
            return hk_usage_error(cmd, usage, "%s needs a value", o->name);
        if (c == '?' && o)
            return hk_usage_error(cmd, usage, "%s takes no value", o->name);
        if (c == '?')
            return hk_usage_error(cmd, usage, "unknown option '%s'", given);
        /* "-o=FILE" as well as "-o FILE" and "-oFILE", as before getopt. */
        if (optarg && c < HELP && optarg == given + 2 && *optarg == '=')
            optarg++;
        if (o->flag)
            *o->flag = 1;
        else if (o->text)
            *o->text = optarg;
        else if (hk_parse_u64(optarg, o->number) != 0)
            return hk_usage_error(cmd, usage, "%s '%s' is not an unsigned "
                               "64-bit integer", o->name, optarg);
    }
    *n_pos = 0;
    for (int i = optind; i < argc; i++) {
        if (*n_pos == max_pos)
            return hk_usage_error(cmd, usage, "unexpected argument '%s'",
                               argv[i]);
        pos[(*n_pos)++] = argv[i];
    }
    return HK_ARGS_PARSED;
}

