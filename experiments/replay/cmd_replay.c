/*
 * cmd_replay.c - `hakmem replay`: replay a trace on a real allocator in
 * this process and print one JSON object: wall time, operations per
 * second, RSS, and for hakmem the "syscalls" object counted by the real
 * backend and the allocator's statistics.
 *
 * By default the trace is loaded whole (replay_plan.h) and replayed on
 * one OS thread per trace thread (replay_threads.h), on hakmem's core or
 * on the process's malloc family; only the replay is timed.  --serial
 * runs instead the very engine `hakmem sim` runs (sim/replay.c), on the
 * real backend, so that for any trace its system calls equal the
 * simulator's; it is timed from the end of its scan of the trace, so its
 * time includes decoding the events and following their objects (the
 * cost model's decode and object_table terms).
 *
 * A replay on one OS thread (--serial, or a trace of one thread) runs on
 * one CPU, the same for every run (experiments/common/pin.h says why and
 * which); --no-pin leaves it to the scheduler.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "experiments/common/pin.h"
#include "sim/config.h"
#include "sim/replay.h"
#include "sim/report.h"
#include "experiments/replay/replay_plan.h"
#include "experiments/replay/replay_threads.h"

static const char usage[] =
    "usage: hakmem replay [--allocator hakmem|system] [--config PARAMS.json]\n"
    "                     [--set NAME=VALUE]... [--serial] [--no-pin]\n"
    "                     [--format json|table] [--table] TRACE\n"
    "\n"
    "Replays TRACE (a file, or a pipe such as /dev/stdin) on a real\n"
    "allocator in this process and prints one JSON object: the allocator\n"
    "and the library it came from (\"library\": the file that defines the\n"
    "malloc that ran; \"ld_preload\" when LD_PRELOAD was set), the settings\n"
    "that applied (hakmem's parameters only for hakmem), the trace, wall\n"
    "time, operations per second, the RSS when the replay started and at\n"
    "its peak from then on (the kernel's high-water mark, reset at the\n"
    "start; \"peak_rss_since\" says \"process\" where it could not be), the\n"
    "CPU time of all its threads (\"cpu_s\"), the page faults and the\n"
    "context switches (\"context_switches\": voluntary, involuntary) the\n"
    "kernel counted during the replay, the CPU it was kept on\n"
    "(\"pinned_cpu\", null when none), and for hakmem the system calls it\n"
    "made (\"syscalls\") and its statistics (\"allocator_stats\").\n"
    "\n"
    "  --allocator hakmem  the allocator core linked in, on the real backend,\n"
    "                      its clock following the trace's (the default)\n"
    "  --allocator system  the process's malloc family: glibc's, or the one\n"
    "                      LD_PRELOAD puts in front, e.g.\n"
    "                      LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2\n"
    "  --config, --set     settings, as for `hakmem sim`; touch=none|first|\n"
    "                      pages|all says how the program writes each new\n"
    "                      block (both allocators)\n"
    "  --serial            one OS thread, the simulator's engine: for any\n"
    "                      trace the same system calls as `hakmem sim`\n"
    "                      (hakmem only; the time includes decoding the\n"
    "                      events, but not the scan of the trace before);\n"
    "                      the same as --set engine=serial\n"
    "  --no-pin            leave a replay on one OS thread free to move\n"
    "                      between CPUs (by default it runs on the\n"
    "                      highest-numbered CPU it may use, every run on\n"
    "                      the same: moving cost a replay up to 42% on a\n"
    "                      virtual machine, unevenly, in shot-down TLBs and\n"
    "                      cold caches, and CPUs differ)\n"
    "  --format table, --table  the report as a table for people\n"
    "\n"
    "Without --serial the trace is first loaded whole and checked (memory\n"
    "grows with its events, about 32 bytes each); then each trace thread\n"
    "runs on an OS thread of its own, all starting together, and only that\n"
    "is timed.  A free or realloc of an object another thread handled last\n"
    "waits for that thread.  Trace thread 0 runs on the main thread and\n"
    "outlives the replay; the others end after their last event.\n"
    "\n"
    "Exit status: 0 done; 1 a bad trace (\"FILE: byte N: what\") or a failed\n"
    "replay; 2 a usage error.\n";

typedef struct options {
    int system;
    int no_pin;
    hk_run_config cfg;
    enum hk_report_format format;
    const char *path;
} options;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Make the kernel's peak RSS the RSS now (Linux >= 4.0), so that the peak
 * reported is the replay's and not the loading's; 0 or -1. */
static int reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* The resident set now, from /proc/self/statm; 0 if unreadable. */
static double rss_bytes(void)
{
    unsigned long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* What parse() returns when the command goes on; else the exit status. */
enum { PARSED = -1 };

static int parse(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        {"allocator", required_argument, NULL, 'a'},
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"serial", no_argument, NULL, 'S'},
        {"no-pin", no_argument, NULL, 'P'},
        {"format", required_argument, NULL, 'f'},
        {"table", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char err[512];
    int opt;
    memset(o, 0, sizeof *o);
    hk_run_config_default(&o->cfg);
    while ((opt = getopt_long(argc, argv, "a:c:s:h", opts, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
        case 'a':
            if (!strcmp(optarg, "system") || !strcmp(optarg, "hakmem")) {
                o->system = !strcmp(optarg, "system");
                break;
            }
            snprintf(err, sizeof err,
                     "--allocator: '%s' is not hakmem or system", optarg);
            rc = -1;
            break;
        case 'c': rc = hk_run_config_load(&o->cfg, optarg, err, sizeof err); break;
        case 's': rc = hk_run_config_set_arg(&o->cfg, optarg, err, sizeof err); break;
        case 'S': o->cfg.serial = 1; break;
        case 'P': o->no_pin = 1; break;
        case 't': o->format = HK_REPORT_TABLE; break;
        case 'f':
            if ((rc = hk_report_format_parse(optarg, &o->format)) < 0)
                snprintf(err, sizeof err, "--format: '%s' is not json or "
                         "table", optarg);
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
        if (rc < 0) {
            fprintf(stderr, "hakmem replay: %s\n", err);
            return 2;
        }
    }
    if (o->cfg.serial && o->system) {
        fprintf(stderr, "hakmem replay: --serial (engine=serial) replays on "
                "hakmem only\n");
        return 2;
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }
    o->path = argv[optind];
    return PARSED;
}

/* What is measured, from the moment the replay starts (after the trace
 * is loaded or scanned) to its end. */
typedef struct measured {
    hk_replay_stats st;
    double wall_s, cpu_s; /* CPU: every thread of the process, user + system */
    double start_rss;
    double faults;        /* page faults the kernel counted, minor + major */
    double waited, displaced; /* context switches: voluntary, involuntary */
    int peak_reset;       /* the peak RSS counts from the replay's start */
    int pin;              /* on one OS thread: keep it on one CPU */
    int cpu;              /* the CPU it was kept on, or -1 */
    uint32_t os_threads;
    double t0, cpu0, faults0, waited0, displaced0;
} measured;

static double cpu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The kernel's counts so far: page faults, context switches. */
static void kernel_counts(double *faults, double *waited, double *displaced)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *faults = (double)ru.ru_minflt + (double)ru.ru_majflt;
    *waited = (double)ru.ru_nvcsw;
    *displaced = (double)ru.ru_nivcsw;
}

/* The engines' start hook: reset the peak RSS, read the counters. */
static void start_measuring(void *ctx)
{
    measured *m = ctx;
    m->cpu = m->pin ? hk_pin_last_cpu() : -1;
    m->peak_reset = reset_peak_rss() == 0;
    m->start_rss = rss_bytes();
    kernel_counts(&m->faults0, &m->waited0, &m->displaced0);
    m->cpu0 = cpu_now_s();
    m->t0 = now_s();
}

static void stop_measuring(measured *m)
{
    m->wall_s = now_s() - m->t0;
    m->cpu_s = cpu_now_s() - m->cpu0;
    kernel_counts(&m->faults, &m->waited, &m->displaced);
    m->faults -= m->faults0;
    m->waited -= m->waited0;
    m->displaced -= m->displaced0;
}

static int replay_serial(const options *o, hk_allocator *a, measured *m,
                         char *err, size_t errlen)
{
    m->os_threads = 1;
    m->pin = !o->no_pin;
    int rc = hk_replay(a, o->path, o->cfg.touch, start_measuring, m, &m->st,
                       err, errlen);
    stop_measuring(m);
    return rc;
}

static int replay_threaded(const options *o, hk_allocator *a, measured *m,
                           char *err, size_t errlen)
{
    hk_replay_plan plan;
    hk_replay_result res;
    if (hk_replay_plan_load(&plan, o->path, err, errlen) < 0)
        return -1;
    m->pin = !o->no_pin && plan.nthreads == 1;
    int rc = hk_replay_threads(&plan, a, o->cfg.touch, start_measuring, m,
                               &res, err, errlen);
    stop_measuring(m);
    m->st = plan.stats;
    m->st.failed = res.failed;
    m->wall_s = (double)res.wall_ns * 1e-9;
    m->os_threads = res.os_threads;
    hk_replay_plan_free(&plan);
    return rc;
}

/* The file that holds the malloc this process calls: this program for
 * hakmem's core, else whichever library the dynamic linker bound malloc
 * to (glibc's, or one LD_PRELOAD put first). */
static void add_library(cJSON *root, int system)
{
    char path[PATH_MAX];
    Dl_info info;
    void *fn = system ? dlsym(RTLD_DEFAULT, "malloc") : NULL;
    if (system && fn && dladdr(fn, &info) && info.dli_fname &&
        info.dli_fname[0]) {
        cJSON_AddStringToObject(root, "library", info.dli_fname);
    } else if (!system) {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
        path[n > 0 ? n : 0] = '\0';
        cJSON_AddStringToObject(root, "library", path);
    } else {
        cJSON_AddStringToObject(root, "library", "unknown");
    }
    const char *preload = getenv("LD_PRELOAD");
    if (preload && *preload)
        cJSON_AddStringToObject(root, "ld_preload", preload);
}

static int report(const options *o, hk_allocator *a, const measured *m)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "backend", "real");
    cJSON_AddStringToObject(root, "allocator", a ? "hakmem" : "system");
    add_library(root, !a);
    cJSON_AddItemToObject(root, "settings",
                          hk_report_settings(&o->cfg, a ? HK_SETTINGS_REPLAY
                                                        : HK_SETTINGS_REPLAY &
                                                        ~HK_SETTINGS_ALLOCATOR));
    cJSON_AddItemToObject(root, "trace", hk_report_trace(o->path, &m->st));
    cJSON_AddNumberToObject(root, "threads", m->os_threads);
    cJSON_AddNumberToObject(root, "wall_s", m->wall_s);
    cJSON_AddNumberToObject(root, "cpu_s", m->cpu_s);
    cJSON_AddNumberToObject(root, "page_faults", m->faults);
    cJSON *switches = cJSON_AddObjectToObject(root, "context_switches");
    cJSON_AddNumberToObject(switches, "voluntary", m->waited);
    cJSON_AddNumberToObject(switches, "involuntary", m->displaced);
    if (m->cpu >= 0)
        cJSON_AddNumberToObject(root, "pinned_cpu", m->cpu);
    else
        cJSON_AddNullToObject(root, "pinned_cpu");
    cJSON_AddNumberToObject(root, "ops_per_s",
                            m->wall_s > 0 ? (double)m->st.events / m->wall_s
                                          : 0);
    cJSON_AddNumberToObject(root, "start_rss_bytes", m->start_rss);
    cJSON_AddNumberToObject(root, "peak_rss_bytes",
                            (double)ru.ru_maxrss * 1024);
    cJSON_AddStringToObject(root, "peak_rss_since",
                            m->peak_reset ? "replay" : "process");
    if (a) {
        hk_os_counts os;
        hk_os_counts_get(&os);
        cJSON_AddItemToObject(root, "syscalls", hk_report_syscalls(&os));
        cJSON_AddItemToObject(root, "allocator_stats", hk_report_allocator(a));
    }
    return hk_report_print(root, o->format);
}

int hk_cmd_replay(int argc, char **argv)
{
    options o;
    int status = parse(argc, argv, &o);
    if (status != PARSED)
        return status;
    hk_allocator *a = NULL;
    if (!o.system && (!(a = calloc(1, sizeof *a)) ||
                      hk_alloc_init(a, &o.cfg.params) < 0)) {
        fprintf(stderr, "hakmem replay: cannot set up the allocator\n");
        return 1;
    }
    measured m = {0};
    char err[512] = "";
    int rc = o.cfg.serial ? replay_serial(&o, a, &m, err, sizeof err)
                      : replay_threaded(&o, a, &m, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "hakmem replay: %s\n", err);
        return 1;
    }
    if (report(&o, a, &m) < 0) {
        fprintf(stderr, "hakmem replay: cannot write the report: %m\n");
        return 1;
    }
    return 0;
}
