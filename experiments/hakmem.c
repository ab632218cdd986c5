/*
 * hakmem.c - the `hakmem` command: subcommands in the style of git.
 *
 * `hakmem trace ...` and `hakmem record ...` run in this process.  The simulator and the real
 * replay each link their own copy of the allocator core (one against the
 * simulated backend, one against the real one), so they are separate
 * programs in libexec/ next to this one, and this dispatcher execs them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "traces/cmd_record.h"
#include "traces/cmd_trace.h"

static const char usage[] =
    "usage: hakmem COMMAND [ARGS...]\n"
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
    "  tune TRACE...              the best settings for a program's traces\n"
    "\n"
    "`hakmem COMMAND --help` describes each command.\n";

static const char *const libexec_commands[] = {
    "sim", "replay", "compare", "calibrate", "sweep", "merge", "validate",
    "plot", "tune", NULL};

/* Run libexec/hakmem-CMD from the directory this program lives in. */
static int run_libexec(const char *cmd, char **argv)
{
    char self[PATH_MAX], tool[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) {
        perror("hakmem: /proc/self/exe");
        return 1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(tool, sizeof tool, "%s/libexec/hakmem-%s", self, cmd);
    execv(tool, argv);
    fprintf(stderr, "hakmem: cannot run %s: %s\n", tool, strerror(errno));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "trace"))
        return hk_cmd_trace(argc - 1, argv + 1);
    if (!strcmp(argv[1], "record"))
        return hk_cmd_record(argc - 1, argv + 1);
    for (int i = 0; libexec_commands[i]; i++)
        if (!strcmp(argv[1], libexec_commands[i]))
            return run_libexec(argv[1], argv + 1);
    fprintf(stderr, "hakmem: '%s' is not a command\n\n%s", argv[1], usage);
    return 2;
}
