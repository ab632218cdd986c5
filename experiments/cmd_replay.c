/*
 * cmd_replay.c - `hakmem replay`: replay a trace on a real allocator in
 * this process and print JSON: wall time, operations per second, peak
 * RSS, and for hakmem the "syscalls" object counted by the real backend.
 *
 * With --allocator hakmem the replay runs the very engine `hakmem sim`
 * runs, on the real backend and following the trace's clock, so for a
 * single-threaded trace its system calls must equal the simulator's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../core/alloc.h"
#include "../sim/config.h"
#include "../sim/replay.h"
#include "../sim/report.h"

static const char usage[] =
    "usage: hakmem replay [--allocator hakmem] [--config PARAMS.json]\n"
    "                     [--set NAME=VALUE]... TRACE\n"
    "\n"
    "Replays TRACE on the real allocator in this process (one OS thread;\n"
    "trace threads get heaps of their own) and prints one JSON object:\n"
    "wall time, operations per second, peak RSS and the system calls the\n"
    "allocator made (\"syscalls\").  Settings as for `hakmem sim`.\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int hk_cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {
        {"allocator", required_argument, NULL, 'a'},
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hk_run_config cfg;
    char err[512];
    hk_run_config_default(&cfg);
    int opt;
    while ((opt = getopt_long(argc, argv, "a:c:s:h", opts, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
        case 'a':
            if (strcmp(optarg, "hakmem") != 0) {
                fprintf(stderr, "hakmem replay: --allocator: '%s' is not "
                        "hakmem\n", optarg);
                return 2;
            }
            break;
        case 'c': rc = hk_run_config_load(&cfg, optarg, err, sizeof err); break;
        case 's': rc = hk_run_config_set_arg(&cfg, optarg, err, sizeof err); break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
        if (rc < 0) {
            fprintf(stderr, "hakmem replay: %s\n", err);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }
    const char *path = argv[optind];
    hk_alloc *a = malloc(sizeof *a);
    if (!a || hk_alloc_init(a, &cfg.params) < 0) {
        fprintf(stderr, "hakmem replay: cannot set up the allocator\n");
        return 1;
    }
    hk_replay_stats st;
    err[0] = '\0';
    double t0 = now_s();
    int rc = hk_replay(a, path, cfg.touch, &st, err, sizeof err);
    double wall = now_s() - t0;
    if (rc < 0) {
        fprintf(stderr, "hakmem replay: %s\n", err);
        return 1;
    }
    hk_os_counts os;
    hk_os_counts_get(&os);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "backend", "real");
    cJSON_AddStringToObject(root, "allocator", "hakmem");
    cJSON_AddItemToObject(root, "settings", hk_report_settings(&cfg));
    cJSON_AddItemToObject(root, "trace", hk_report_trace(path, &st));
    cJSON_AddNumberToObject(root, "wall_s", wall);
    cJSON_AddNumberToObject(root, "ops_per_s",
                            wall > 0 ? (double)st.events / wall : 0);
    cJSON_AddNumberToObject(root, "peak_rss_bytes",
                            (double)ru.ru_maxrss * 1024);
    cJSON_AddItemToObject(root, "syscalls", hk_report_syscalls(&os));
    cJSON_AddItemToObject(root, "allocator_stats", hk_report_allocator(a));
    hk_report_print(root);
    return 0;
}
