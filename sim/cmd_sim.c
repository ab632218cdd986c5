/*
 * cmd_sim.c - `hakmem sim`: replay a trace through the core on the
 * simulated backend and print one JSON object of everything counted.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "calibration.h"
#include "config.h"
#include "cost.h"
#include "report.h"
#include "sim.h"

static const char usage[] =
    "usage: hakmem sim [--config PARAMS.json] [--set NAME=VALUE]...\n"
    "                  [--calibration COSTS.json|builtin]\n"
    "                  [--format json|table] [--table] TRACE\n"
    "\n"
    "Replays TRACE (a file, or a pipe such as /dev/stdin) through the\n"
    "allocator core on a simulated page backend and prints one JSON object:\n"
    "the settings, the trace's checksum, the system calls the real\n"
    "allocator would make (\"syscalls\"), page faults, RSS and mapping\n"
    "peaks, TLB misses, the allocator's own statistics (\"allocator_stats\"),\n"
    "the predicted time of a real replay with the same settings (`hakmem\n"
    "replay`, its engine's own work included) and the calibration it was\n"
    "priced with.  Two runs with the same trace, settings and calibration\n"
    "print the same bytes.\n"
    "\n"
    "The calibration: COSTS.json, or the built-in one (\"builtin\", with a\n"
    "warning); by default the one HAKMEM_CALIBRATION names (a file, or\n"
    "builtin), else this machine's own, kept in ~/.cache/hakmem and made\n"
    "on first use by `hakmem calibrate --quick` (about 15 s).  It also\n"
    "gives the default TLB geometry when it measured the machine's, and\n"
    "the default thp, its machine's huge page mode (this machine's when\n"
    "it names none).\n"
    "\n"
    "  --format table, --table  the same as a table for people\n"
    "\n"
    "Settings (NAME=VALUE): the allocator parameters (hakmem(1)), plus\n"
    "  touch=none|first|pages|all  how the program uses each new block\n"
    "  engine=threads|serial       the real replay engine predicted for\n"
    "  thp=never|madvise|always    the kernel's transparent huge pages\n"
    "  tlb=0|1                     the TLB model (off is faster)\n"
    "  dcache=0|1                  the data cache model (off is faster)\n"
    "  tlb_l1_4k_entries=N ...     TLB geometry (hakmem-sim(1))\n"
    "`hakmem settings` lists them all, with defaults, ranges and meanings.\n";

/* Where the TLB geometry of the run came from. */
static const char *tlb_source(const hk_run_config *cfg, const hk_cost *cost)
{
    hk_tlb_config preset;
    hk_tlb_config_default(&preset);
    const hk_tlb_config *base = cost->has_tlb ? &cost->tlb : &preset;
    if (memcmp(base, &cfg->sim.tlb_config, sizeof *base))
        return "the run's tlb_* settings";
    return hk_cost_tlb_source(cost);
}

/* Where the data caches' geometry of the run came from. */
static const char *dcache_source(const hk_run_config *cfg,
                                 const hk_cost *cost)
{
    hk_dcache_config base;
    hk_cost_dcache(cost, &base);
    const hk_dcache_config *run = &cfg->sim.dcache_config;
    /* Field by field: the struct ends in padding. */
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++)
        if (run->bytes[k] != base.bytes[k] || run->ways[k] != base.ways[k])
            return "the run's dcache_*_bytes settings";
    return hk_cost_dcache_source(cost);
}

/* The huge page mode a run took by default, and why (hk_calibration_thp). */
typedef struct thp_default {
    enum hk_thp mode;
    const char *why;
} thp_default;

/* Where the run's huge page mode came from: its default, unless the run
 * set another. */
static const char *thp_source(const hk_run_config *cfg, thp_default thp)
{
    return cfg->sim.thp == thp.mode ? thp.why : "the run's thp setting";
}

static cJSON *report_calibration(const hk_calibration *cal,
                                 const hk_run_config *cfg, thp_default thp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "source",
                            hk_calibration_source_names[cal->source]);
    cJSON_AddStringToObject(o, "path", cal->path);
    cJSON_AddStringToObject(o, "host_key", cal->host_key);
    if (cal->made_on_cpus) {
        cJSON_AddNumberToObject(o, "made_at_load", cal->made_at_load);
        cJSON_AddNumberToObject(o, "made_on_cpus", (double)cal->made_on_cpus);
    }
    if (cal->made_beside >= 0)
        cJSON_AddNumberToObject(o, "made_beside_others", cal->made_beside);
    cJSON_AddStringToObject(o, "tlb_geometry", tlb_source(cfg, &cal->cost));
    cJSON_AddStringToObject(o, "dcache_geometry",
                            dcache_source(cfg, &cal->cost));
    cJSON_AddStringToObject(o, "thp_mode", thp_source(cfg, thp));
    return o;
}

static cJSON *report_dcache(const hk_dcache_stats *d)
{
    static const char *const missed[] = {"l1_misses", "l2_misses",
                                         "l3_misses"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "accesses", (double)d->accesses);
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++)
        cJSON_AddNumberToObject(o, missed[k], (double)d->misses[k]);
    cJSON_AddNumberToObject(o, "prefetched", (double)d->prefetched);
    cJSON *gaps = cJSON_AddArrayToObject(o, "l3_miss_gaps");
    for (unsigned k = 0; k < HK_DCACHE_GAPS; k++)
        cJSON_AddItemToArray(gaps, cJSON_CreateNumber((double)d->mem_gaps[k]));
    cJSON_AddNumberToObject(o, "store_misses", (double)d->store_misses);
    cJSON *f = cJSON_AddObjectToObject(o, "fault_path");
    cJSON_AddNumberToObject(f, "accesses", (double)d->fault_accesses);
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++)
        cJSON_AddNumberToObject(f, missed[k], (double)d->fault_misses[k]);
    cJSON_AddNumberToObject(o, "fault_evictions", (double)d->fault_evictions);
    return o;
}

/* Where the allocator's memory was as the RSS peaked (usage.h). */
static cJSON *report_at_peak(const hk_replay_stats *st)
{
    const hk_usage *u = &st->at_peak;
    const struct {
        const char *name;
        uint64_t bytes;
    } parts[] = {
        {"rss_bytes", st->at_peak_rss_bytes},
        {"in_use_bytes", u->small_in_use + u->large_in_use},
        {"front_bytes", u->front_cached},
        {"slab_free_bytes", u->slab_free},
        {"uncarved_bytes", u->uncarved},
        {"unused_bytes", u->unused},
        {"large_free_bytes", u->large_free},
    };
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        cJSON_AddNumberToObject(o, parts[i].name, (double)parts[i].bytes);
    return o;
}

/* The peak RSS beside the least the trace's blocks took (footprint.h). */
static cJSON *report_machine(const hk_addrspace *as, const hk_replay_stats *st,
                             const hk_tlb_stats *tlb,
                             const hk_dcache_stats *dcache)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "page_faults", (double)as->faults);
    cJSON_AddNumberToObject(o, "huge_faults", (double)as->huge_faults);
    cJSON_AddNumberToObject(o, "page_tables", (double)as->page_tables);
    cJSON *rss = cJSON_AddObjectToObject(o, "rss");
    cJSON_AddNumberToObject(rss, "peak_bytes",
                            (double)as->peak_resident_pages * HK_AS_PAGE);
    cJSON_AddNumberToObject(rss, "final_bytes",
                            (double)as->resident_pages * HK_AS_PAGE);
    cJSON_AddNumberToObject(rss, "peak_live_bytes",
                            (double)st->peak_live_bytes);
    cJSON_AddNumberToObject(rss, "peak_class_bytes",
                            (double)st->peak_class_bytes);
    cJSON_AddNumberToObject(rss, "class_peaks_bytes",
                            (double)st->class_peaks_bytes);
    cJSON_AddItemToObject(rss, "at_peak", report_at_peak(st));
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
    if (dcache)
        cJSON_AddItemToObject(o, "dcache", report_dcache(dcache));
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

/* The settings options in the order given: applied once the calibration
 * has set the defaults it changes. */
typedef struct setting_arg {
    int json; /* --config FILE, else --set NAME=VALUE */
    const char *text;
} setting_arg;

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
    hk_calibration cal;
    enum hk_report_format format = HK_REPORT_JSON;
    char err[512];
    const char *calibration = NULL;
    setting_arg *args = calloc((size_t)argc, sizeof *args);
    size_t nargs = 0;
    int opt;
    if (!args) {
        fprintf(stderr, "hakmem sim: out of memory\n");
        return 1;
    }
    while ((opt = getopt_long(argc, argv, "c:s:k:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': args[nargs++] = (setting_arg){1, optarg}; break;
        case 's': args[nargs++] = (setting_arg){0, optarg}; break;
        case 'k': calibration = optarg; break;
        case 't': format = HK_REPORT_TABLE; break;
        case 'f':
            if (hk_report_format_parse(optarg, &format) < 0) {
                fprintf(stderr, "hakmem sim: --format: '%s' is not json or "
                        "table\n", optarg);
                free(args);
                return 2;
            }
            break;
        case 'h': fputs(usage, stdout); free(args); return 0;
        default: fputs(usage, stderr); free(args); return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        free(args);
        return 2;
    }
    if (hk_calibration_resolve(&cal, calibration, "hakmem sim", err,
                               sizeof err) < 0) {
        fprintf(stderr, "hakmem sim: %s\n", err);
        free(args);
        return 2;
    }
    hk_calibration_warn(&cal, "hakmem sim");
    hk_run_config_default(&cfg);
    if (cal.cost.has_tlb)
        cfg.sim.tlb_config = cal.cost.tlb;
    hk_cost_dcache(&cal.cost, &cfg.sim.dcache_config);
    thp_default thp;
    thp.mode = cfg.sim.thp = hk_calibration_thp(&cal, &thp.why);
    for (size_t i = 0; i < nargs; i++) {
        int rc = args[i].json
                     ? hk_run_config_load(&cfg, args[i].text, err, sizeof err)
                     : hk_run_config_set_arg(&cfg, args[i].text, err,
                                             sizeof err);
        if (rc < 0) {
            fprintf(stderr, "hakmem sim: %s\n", err);
            free(args);
            return 2;
        }
    }
    free(args);
    const char *path = argv[optind];

    if (hk_sim_start(&cfg.sim, err, sizeof err) < 0) {
        fprintf(stderr, "hakmem sim: %s\n", err);
        return 2;
    }
    hk_allocator *a = calloc(1, sizeof *a);
    if (!a || hk_alloc_init(a, &cfg.params) < 0) {
        fprintf(stderr, "hakmem sim: cannot set up the allocator\n");
        return 1;
    }
    hk_replay_stats st;
    err[0] = '\0';
    hk_replay_model_engine(cfg.serial);
    if (hk_replay(a, path, cfg.touch, NULL, NULL, &st, err, sizeof err) < 0) {
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
    const hk_dcache_stats *dcache = hk_sim_dcache_stats();
    uint64_t counts[HK_COST_TERMS];
    hk_cost_count(&(hk_cost_inputs){
                      .alloc = &snap.total,
                      .large = &snap.large,
                      .os = &os,
                      .replay = &st,
                      .serial = cfg.serial,
                      .page_faults = as->faults,
                      .huge_faults = as->huge_faults,
                      .page_tables = as->page_tables,
                      .unmapped_pages = as->unmapped_pages,
                      .purged_pages = as->purged_pages,
                      .tlb_l2_hits = tlb ? tlb->l2_hits : 0,
                      .tlb_walks = tlb ? tlb->l2_misses : 0,
                      .probes_near = hk_sim_probes_near(),
                      .dcache = dcache,
                  },
                  counts);

    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "backend", "sim");
    cJSON_AddStringToObject(root, "allocator", "hakmem");
    cJSON_AddItemToObject(root, "settings",
                          hk_report_settings(&cfg, HK_SETTINGS_SIM));
    cJSON_AddItemToObject(root, "trace", hk_report_trace(path, &st));
    cJSON_AddItemToObject(root, "syscalls", hk_report_syscalls(&os));
    cJSON_AddItemToObject(root, "machine", report_machine(as, &st, tlb, dcache));
    cJSON_AddItemToObject(root, "allocator_stats", hk_report_allocator(a));
    cJSON_AddItemToObject(root, "predicted",
                          report_predicted(&cal.cost, counts));
    cJSON_AddItemToObject(root, "calibration",
                          report_calibration(&cal, &cfg, thp));
    int written = hk_report_print(root, format);
    hk_sim_stop();
    free(a);
    if (written < 0) {
        fprintf(stderr, "hakmem sim: cannot write the report: %m\n");
        return 1;
    }
    return 0;
}
