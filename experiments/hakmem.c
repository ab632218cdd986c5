/*
 * hakmem.c - the `hakmem` command: subcommands in the style of git.
 *
 * `hakmem trace ...` and `hakmem record ...` run in this process.  The
 * simulator and the real replay each link their own copy of the
 * allocator core (one against the simulated backend, one against the
 * real one), so they are separate programs, hakmem-CMD in libexec/
 * (experiments/common/layout.h says where), and this dispatcher execs
 * them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/common/layout.h"
#include "experiments/common/stdout_close.h"
#include "experiments/common/version.h"
#include "traces/cmd_record.h"
#include "traces/cmd_trace.h"

static const char usage[] =
    "usage: hakmem COMMAND [ARGS...]\n"
    "       hakmem help COMMAND | --help | --version\n"
    "\n"
    "commands:\n"
    "  trace info|gen|import ...  inspect, generate, import traces\n"
    "  record -- PROGRAM ...      record a program's allocations\n"
    "  sim TRACE                  replay a trace on the simulated backend\n"
    "  replay TRACE               replay a trace on a real allocator\n"
    "  compare TRACE              replay on hakmem and its peers, side by side\n"
    "  calibrate                  measure this machine's costs for the model\n"
    "  sweep SPEC.json            run an experiment's grid into SQLite\n"
    "  merge OUT.db IN.db...      merge the databases of sweep shards\n"
    "  validate SPEC.json         predicted against measured gains\n"
    "  plot --db FILE ...         plot results (PNG, SVG)\n"
    "  settings [NAME...]         every setting: default, range, meaning\n"
    "  tune TRACE...              the best settings for a program's traces\n"
    "\n"
    "`hakmem help COMMAND` (or `hakmem COMMAND --help`) describes a\n"
    "command; the manual is hakmem(1), each command's hakmem-COMMAND(1).\n";

static const char *const libexec_commands[] = {
    "sim", "replay", "compare", "calibrate", "sweep", "merge", "validate",
    "plot", "settings", "tune", NULL};

static int is_libexec(const char *cmd)
{
    for (int i = 0; libexec_commands[i]; i++)
        if (!strcmp(cmd, libexec_commands[i]))
            return 1;
    return 0;
}

/* Runs hakmem-CMD with argv (argv[0] is CMD); returns only on failure. */
static int run_libexec(const char *cmd, char **argv)
{
    char tool[PATH_MAX], err[2 * PATH_MAX + 64];

    if (hk_layout_find(HK_PART_COMMAND, cmd, tool, sizeof tool, err,
                       sizeof err) != 0) {
        fprintf(stderr, "hakmem: cannot find the program of '%s': %s\n",
                cmd, err);
        return 1;
    }
    execv(tool, argv);
    fprintf(stderr, "hakmem: cannot run %s: %s\n", tool, strerror(errno));
    return 1;
}

static int record(int argc, char **argv)
{
    char lib[PATH_MAX], err[2 * PATH_MAX + 64];
    int found = hk_layout_find(HK_PART_RECORDER, NULL, lib, sizeof lib, err,
                               sizeof err) == 0;

    return hk_cmd_record(argc, argv, found ? lib : NULL, err);
}

/* argv[0] is a command: runs it. */
static int run(int argc, char **argv)
{
    if (!strcmp(argv[0], "trace"))
        return hk_stdout_close("trace", hk_cmd_trace(argc, argv));
    if (!strcmp(argv[0], "record"))
        return hk_stdout_close("record", record(argc, argv));
    if (is_libexec(argv[0]))
        return run_libexec(argv[0], argv);
    fprintf(stderr, "hakmem: '%s' is not a command\n\n%s", argv[0], usage);
    return 2;
}

/* `hakmem help COMMAND [SUBCOMMAND...]`: COMMAND ... --help. */
static int help(int argc, char **argv)
{
    char **args = calloc((size_t)argc + 1, sizeof *args);

    if (!args) {
        perror("hakmem");
        return 1;
    }
    memcpy(args, argv, (size_t)argc * sizeof *args);
    args[argc] = "--help";
    return run(argc + 1, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *a = argv[1];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") ||
        (!strcmp(a, "help") && argc == 2)) {
        fputs(usage, stdout);
        return hk_stdout_close(NULL, 0);
    }
    if (!strcmp(a, "--version")) {
        printf("hakmem %s (git %s)\n", hk_version, hk_git_describe);
        return hk_stdout_close(NULL, 0);
    }
    if (!strcmp(a, "help"))
        return help(argc - 2, argv + 2);
    return run(argc - 1, argv + 1);
}
