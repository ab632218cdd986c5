/*
 * cmd_sim.c - `hakmem sim`: replay a trace through the core on the
 * simulated backend and print one JSON object of everything counted.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "config.h"
#include "cost.h"
#include "report.h"
#include "sim.h"

static const char usage[] =
    "usage: hakmem sim [--config PARAMS.json] [--set NAME=VALUE]...\n"
    "                  [--calibration COSTS.json] [--format json|table]\n"
    "                  [--table] TRACE\n"
    "\n"
    "Replays TRACE (a file, or a pipe such as /dev/stdin) through the\n"
    "allocator core on a simulated page backend and prints one JSON object:\n"
    "the settings, the trace's checksum, the system calls the real\n"
    "allocator would make (\"syscalls\"), page faults, RSS and mapping\n"
    "peaks, TLB misses, the allocator's own statistics (\"allocator_stats\")\n"
    "and the predicted time.  Two runs with the same trace and settings\n"
    "print the same bytes.\n"
    "\n"
    "  --format table, --table  the same as a table for people\n"
    "\n"
    "Settings (NAME=VALUE): the allocator parameters (hakmem(1)), plus\n"
    "  touch=none|first|pages|all  how the program uses each new block\n"
    "  thp=0|1                     transparent huge pages\n"
    "  tlb=0|1                     the TLB model (off is faster)\n"
    "  tlb_l1_4k_entries=N ...     TLB geometry (hakmem-sim(1))\n"
    "`hakmem settings` lists them all, with defaults, ranges and meanings.\n";

static void counts_for_cost(const hk_stats_snapshot *s,
                            const hk_replay_stats *rs,
                            const hk_os_counts *os, const hk_addrspace *as,
                            const hk_tlb_stats *tlb,
                            uint64_t counts[HK_COST_TERMS])
{
    memset(counts, 0, HK_COST_TERMS * sizeof counts[0]);
    counts[HK_COST_MALLOC] = rs->by_kind[HK_EV_MALLOC] +
                             rs->by_kind[HK_EV_CALLOC] +
                             rs->by_kind[HK_EV_ALIGNED];
    counts[HK_COST_FREE] = rs->by_kind[HK_EV_FREE];
    counts[HK_COST_REALLOC] = rs->by_kind[HK_EV_REALLOC];
    counts[HK_COST_REFILL] = s->total.refilled;
    counts[HK_COST_FLUSH] = s->total.flushed;
    counts[HK_COST_SLAB] = s->total.slabs_acquired + s->total.slabs_released;
    counts[HK_COST_REMOTE_FREE] = s->total.remote_frees;
    counts[HK_COST_MMAP] = os->calls[HK_OS_MMAP];
    counts[HK_COST_MUNMAP] = os->calls[HK_OS_MUNMAP];
    counts[HK_COST_MADVISE] = os->calls[HK_OS_MADVISE];
    counts[HK_COST_MINCORE] = os->calls[HK_OS_MINCORE];
    counts[HK_COST_MPROTECT] = os->calls[HK_OS_MPROTECT];
    counts[HK_COST_MUNMAP_PAGE] = as->unmapped_pages;
    counts[HK_COST_MADVISE_PAGE] = as->purged_pages;
    counts[HK_COST_PAGE_FAULT] = as->faults;
    if (tlb) {
        counts[HK_COST_TLB_L2_HIT] = tlb->l2_hits;
        counts[HK_COST_TLB_WALK] = tlb->l2_misses;
    }
}

static cJSON *report_machine(const hk_addrspace *as, const hk_tlb_stats *tlb)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "page_faults", (double)as->faults);
    cJSON *rss = cJSON_AddObjectToObject(o, "rss");
    cJSON_AddNumberToObject(rss, "peak_bytes",
                            (double)as->peak_resident_pages * HK_AS_PAGE);
    cJSON_AddNumberToObject(rss, "final_bytes",
                            (double)as->resident_pages * HK_AS_PAGE);
    cJSON *maps = cJSON_AddObjectToObject(o, "mappings");
    cJSON_AddNumberToObject(maps, "live", (double)as->count);
    cJSON_AddNumberToObject(maps, "peak", (double)as->peak_maps);
    cJSON_AddNumberToObject(maps, "bytes", (double)as->mapped_bytes);
    cJSON_AddNumberToObject(maps, "peak_bytes",
                            (double)as->peak_mapped_bytes);
    cJSON_AddNumberToObject(o, "unmapped_resident_pages",
                            (double)as->unmapped_pages);
    cJSON_AddNumberToObject(o, "purged_resident_pages",
                            (double)as->purged_pages);
    if (tlb) {
        cJSON *t = cJSON_AddObjectToObject(o, "tlb");
        cJSON_AddNumberToObject(t, "accesses", (double)tlb->accesses);
        cJSON_AddNumberToObject(t, "l1_hits", (double)tlb->l1_hits);
        cJSON_AddNumberToObject(t, "l1_misses", (double)tlb->l1_misses);
        cJSON_AddNumberToObject(t, "l2_hits", (double)tlb->l2_hits);
        cJSON_AddNumberToObject(t, "l2_misses", (double)tlb->l2_misses);
        cJSON_AddNumberToObject(t, "accesses_2m", (double)tlb->accesses_2m);
        cJSON_AddNumberToObject(t, "l2_misses_2m",
                                (double)tlb->l2_misses_2m);
    }
    return o;
}

static cJSON *report_predicted(const hk_cost *cost,
                               const uint64_t counts[HK_COST_TERMS])
{
    double by_term[HK_COST_TERMS];
    double total = hk_cost_predict(cost, counts, by_term);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "ns", total);
    cJSON *terms = cJSON_AddObjectToObject(o, "terms_ns");
    cJSON *n = cJSON_AddObjectToObject(o, "counts");
    for (int t = 0; t < HK_COST_TERMS; t++) {
        cJSON_AddNumberToObject(terms, hk_cost_names[t], by_term[t]);
        cJSON_AddNumberToObject(n, hk_cost_names[t], (double)counts[t]);
    }
    return o;
}

int hk_cmd_sim(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"calibration", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'},
        {"table", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    hk_run_config cfg;
    hk_cost cost;
    enum hk_report_format format = HK_REPORT_JSON;
    char err[512];
    hk_run_config_default(&cfg);
    hk_cost_default(&cost);
    int opt;
    while ((opt = getopt_long(argc, argv, "c:s:k:h", opts, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
        case 'c': rc = hk_run_config_load(&cfg, optarg, err, sizeof err); break;
        case 's': rc = hk_run_config_set_arg(&cfg, optarg, err, sizeof err); break;
        case 'k': rc = hk_cost_load(&cost, optarg, err, sizeof err); break;
        case 't': format = HK_REPORT_TABLE; break;
        case 'f':
            if ((rc = hk_report_format_parse(optarg, &format)) < 0)
                snprintf(err, sizeof err, "--format: '%s' is not json or "
                         "table", optarg);
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
        if (rc < 0) {
            fprintf(stderr, "hakmem sim: %s\n", err);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return 2;
    }
    const char *path = argv[optind];

    if (hk_sim_start(&cfg.sim, err, sizeof err) < 0) {
        fprintf(stderr, "hakmem sim: %s\n", err);
        return 2;
    }
    hk_allocator *a = malloc(sizeof *a);
    if (!a || hk_alloc_init(a, &cfg.params) < 0) {
        fprintf(stderr, "hakmem sim: cannot set up the allocator\n");
        return 1;
    }
    hk_replay_stats st;
    err[0] = '\0';
    if (hk_replay(a, path, cfg.touch, &st, err, sizeof err) < 0) {
        fprintf(stderr, "hakmem sim: %s\n", err);
        hk_sim_stop();
        return 1;
    }
    hk_os_counts os;
    hk_os_counts_get(&os);
    hk_stats_snapshot snap;
    hk_alloc_snapshot(a, &snap);
    const hk_addrspace *as = hk_sim_addrspace();
    const hk_tlb_stats *tlb = hk_sim_tlb_stats();
    uint64_t counts[HK_COST_TERMS];
    counts_for_cost(&snap, &st, &os, as, tlb, counts);

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "backend", "sim");
    cJSON_AddStringToObject(root, "allocator", "hakmem");
    cJSON_AddItemToObject(root, "settings",
                          hk_report_settings(&cfg, HK_SETTINGS_SIM));
    cJSON_AddItemToObject(root, "trace", hk_report_trace(path, &st));
    cJSON_AddItemToObject(root, "syscalls", hk_report_syscalls(&os));
    cJSON_AddItemToObject(root, "machine", report_machine(as, tlb));
    cJSON_AddItemToObject(root, "allocator_stats", hk_report_allocator(a));
    cJSON_AddItemToObject(root, "predicted", report_predicted(&cost, counts));
    int written = hk_report_print(root, format);
    hk_sim_stop();
    free(a);
    if (written < 0) {
        fprintf(stderr, "hakmem sim: cannot write the report: %m\n");
        return 1;
    }
    return 0;
}
