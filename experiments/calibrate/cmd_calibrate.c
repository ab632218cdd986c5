/*
 * cmd_calibrate.c - `hakmem calibrate`: measure what each event of the
 * cost model (sim/cost.h) costs on this machine, and the machine's TLB
 * geometry, and write the calibration file that `hakmem sim` reads.
 *
 * A small, shared machine is noisy: a context switch spoils a repetition
 * now and then (the median of many short repetitions takes care of
 * that), and for a second or more at a time everything may run up to
 * half as fast (a virtual CPU sharing its core with another machine's):
 * a pass in such a spell is slower in every term.  So each term is the
 * lower quartile of several passes, what the machine does when nothing
 * presses on it, which moves less from one calibration to the next than
 * their median.  A term whose passes around that quartile disagree (from
 * the lower eighth to the third eighth they span more than 5% of it) is
 * measured again, pass by pass, while the time budget lasts; one that
 * still disagrees is listed under "_noisy" with its spread.  The
 * measurements live in measure_*.c; this file runs them.
 */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "experiments/calibrate/calib.h"
#include "experiments/common/pin.h"
#include "experiments/common/stats.h"
#include "sim/calibration.h"
#include "sim/json_file.h"

#define QUICK_PASSES 3
#define QUICK_REPS 9
#define QUICK_BUDGET_S 15
#define SHORT_BUDGET_S 5 /* below: 3 repetitions, no TLB scan */
#define SHORT_REPS 3
#define FULL_PASSES 7
#define FULL_REPS 31
#define FULL_BUDGET_S 120
#define MAX_PASSES 15  /* of a term measured again and again */
#define STABLE 0.05    /* the spread a term's passes may have */
#define SWEEP_BYTES ((size_t)256 << 10)
#define SPREAD_FLOOR_NS 1.0 /* below it, a term's spread is in ns */

static const char usage[] =
    "usage: hakmem calibrate [-o FILE] [--quick] [--budget SECONDS]\n"
    "       hakmem calibrate --check CALIBRATION|builtin [-o FILE]\n"
    "\n"
    "Measures what each event of the simulator's cost model costs on this\n"
    "machine (ns per malloc, refill, slab, system call, page fault, TLB\n"
    "miss, cache miss, the replay engines' own work per event, ...), the\n"
    "machine's data TLB geometry (CPUID, checked by a pointer chase) and\n"
    "its data caches (CPUID's L1 and L2, the L3 a pointer chase finds, what\n"
    "a page fault displaces), and writes them as JSON, the calibration file\n"
    "that `hakmem sim --calibration FILE` reads: to FILE, or to standard\n"
    "output; progress goes to standard error.  `hakmem sim`, `sweep` and\n"
    "`validate` run `calibrate --quick` on their own the first time they\n"
    "run on a machine (hakmem-sim(1)).\n"
    "\n"
    "Each term is the lower quartile of several passes (slow spells of a\n"
    "shared machine slow whole passes down), each the median of many short\n"
    "repetitions; a term whose passes disagree by more than 5% around it\n"
    "is measured again while the budget lasts, and listed under \"_noisy\"\n"
    "if it still disagrees.\n"
    "\n"
    "  --quick           3 passes of 9 repetitions, within 15 s\n"
    "  --budget SECONDS  stop measuring again after this long (default 15\n"
    "                    with --quick, else 120); at least one pass runs.\n"
    "                    Under 5 s: 3 repetitions, and the TLB geometry is\n"
    "                    CPUID's unchecked (a rough calibration, for tests)\n"
    "  --check CALIBRATION|builtin\n"
    "                    measure the terms most runs weigh (malloc, free,\n"
    "                    the refill path, system calls, page faults, the\n"
    "                    TLB's and the data caches' misses, the replay\n"
    "                    engines' own work) once, in about three\n"
    "                    seconds, and print a line per term:\n"
    "                    NAME CALIBRATED_NS NOW_NS, then the L3 a scan\n"
    "                    finds now (a guest's share of a shared L3 moves):\n"
    "                    l3_bytes CALIBRATED NOW.  `hakmem validate`\n"
    "                    runs it before and after its real runs, to show\n"
    "                    how far the machine has moved from its calibration\n";

/* ---- what the measurements share ---- */

void calib_die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hakmem calibrate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void calib_note(calib *k, const char *fmt, ...)
{
    char sentence[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sentence, sizeof sentence, fmt, ap);
    va_end(ap);
    if (strstr(k->notes, sentence))
        return;
    size_t len = strlen(k->notes);
    snprintf(k->notes + len, sizeof k->notes - len, "%s%s",
             len ? "; " : "", sentence);
}

void *calib_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        calib_die("out of memory");
    return p;
}

uint64_t calib_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t calib_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void calib_settle(calib *k, enum hk_cost_term t, double *v)
{
    k->ns[t] = hk_median(v, (size_t)k->reps);
}

void calib_sweep(calib *k)
{
    unsigned sum = 0;
    for (size_t i = 0; i < k->sweep_bytes; i += 64)
        sum += k->sweep[i];
    calib_use((void *)(uintptr_t)sum);
}

/* ---- passes ---- */

/* A measurement and the terms it sets, in the order they run: later
 * ones take off the costs of earlier ones. */
typedef struct group {
    void (*measure)(calib *k);
    enum hk_cost_term terms[5];
    int nterms;
    int probe; /* run by --check: quick, and the terms most runs weigh */
} group;

static const group groups[] = {
    {measure_fast_path, {HK_COST_MALLOC, HK_COST_FREE}, 2, 1},
    {measure_realloc, {HK_COST_REALLOC}, 1, 0},
    {measure_refill_flush,
     {HK_COST_REFILL, HK_COST_FRONT_MISS, HK_COST_FLUSH, HK_COST_GIVE_BACK,
      HK_COST_MINCORE_NEAR},
     5, 1},
    {measure_slab, {HK_COST_SLAB}, 1, 0},
    {measure_remote_free, {HK_COST_REMOTE_FREE}, 1, 0},
    {measure_large, {HK_COST_LARGE}, 1, 0},
    {measure_syscalls,
     {HK_COST_MMAP, HK_COST_MUNMAP, HK_COST_MADVISE, HK_COST_MINCORE,
      HK_COST_MPROTECT},
     5, 1},
    {measure_pages,
     {HK_COST_PAGE_FAULT, HK_COST_MUNMAP_PAGE, HK_COST_MADVISE_PAGE,
      HK_COST_PAGE_TABLE, HK_COST_HUGE_FAULT},
     5, 1},
    {measure_tlb, {HK_COST_TLB_L2_HIT, HK_COST_TLB_WALK}, 2, 1},
    {measure_cache, {HK_COST_CACHE_L2, HK_COST_CACHE_L3, HK_COST_CACHE_MEM},
     3, 1},
    {measure_decode, {HK_COST_DECODE}, 1, 1},
    {measure_engines,
     {HK_COST_START, HK_COST_START_THREADS, HK_COST_OBJECT_TABLE,
      HK_COST_DISPATCH},
     4, 1},
    {measure_handoff, {HK_COST_HANDOFF}, 1, 0},
    {measure_thread, {HK_COST_THREAD}, 1, 0},
    {measure_touch,
     {HK_COST_TOUCH_WRITE, HK_COST_TOUCH_BYTE, HK_COST_COPY_BYTE}, 3, 1},
    /* after the engines: it works as much between misses as their ops */
    {measure_overlap, {HK_COST_CACHE_MEM_NEAR}, 1, 1},
};
#define NGROUPS (sizeof groups / sizeof groups[0])

/* Every term's passes so far. */
typedef struct passes {
    double v[HK_COST_TERMS][MAX_PASSES];
    int n[HK_COST_TERMS];
} passes;

/* A term's value: the lower quartile of its passes v[0..n), which it
 * sorts. */
static double quartile(double *v, int n)
{
    hk_median(v, (size_t)n); /* sorts v */
    return v[n / 4];
}

/* The spread of a term's passes around their lower quartile: from the
 * lower eighth to the third eighth (all of them while there are fewer
 * than three), over the quartile; one under a nanosecond counts as one,
 * as a few tenths of a nanosecond either way are noise in any
 * prediction. */
static double spread(const passes *ps, enum hk_cost_term t)
{
    int n = ps->n[t];
    double v[MAX_PASSES];
    memcpy(v, ps->v[t], (size_t)n * sizeof v[0]);
    double q = quartile(v, n);
    double span = n < 3 ? v[n - 1] - v[0] : v[3 * n / 8] - v[n / 8];
    return span / (q > SPREAD_FLOOR_NS ? q : SPREAD_FLOOR_NS);
}

/* Run group g once more and keep its terms' values; afterwards k->ns
 * holds every term's value so far, which the next measurements use. */
static void run_group(calib *k, passes *ps, const group *g)
{
    measure_timer(k);
    g->measure(k);
    for (int i = 0; i < g->nterms; i++) {
        enum hk_cost_term t = g->terms[i];
        ps->v[t][ps->n[t]++] = k->ns[t];
        double v[MAX_PASSES];
        memcpy(v, ps->v[t], (size_t)ps->n[t] * sizeof v[0]);
        k->ns[t] = quartile(v, ps->n[t]);
    }
}

static int group_noisy(const passes *ps, const group *g)
{
    for (int i = 0; i < g->nterms; i++)
        if (spread(ps, g->terms[i]) > STABLE)
            return 1;
    return 0;
}

static double elapsed_s(uint64_t t0)
{
    return (double)(calib_now_ns() - t0) * 1e-9;
}

/* The initial passes, then the noisy groups again while the budget,
 * counted from t0, lasts. */
static void measure_all(calib *k, passes *ps, int npasses, double budget,
                        uint64_t t0)
{
    for (int p = 0; p < npasses && (p == 0 || elapsed_s(t0) < budget); p++) {
        for (size_t g = 0; g < NGROUPS; g++)
            run_group(k, ps, &groups[g]);
        fprintf(stderr, "calibrate: pass %d of %d done at %.1f s\n", p + 1,
                npasses, elapsed_s(t0));
    }
    for (int round = 0; elapsed_s(t0) < budget; round++) {
        int again = 0;
        for (size_t g = 0; g < NGROUPS && elapsed_s(t0) < budget; g++) {
            const group *gr = &groups[g];
            if (!group_noisy(ps, gr) || ps->n[gr->terms[0]] >= MAX_PASSES)
                continue;
            if (!again++)
                fprintf(stderr, "calibrate: measuring again (spread over "
                        "%.0f%%):", 100 * STABLE);
            for (int i = 0; i < gr->nterms; i++)
                if (spread(ps, gr->terms[i]) > STABLE)
                    fprintf(stderr, " %s %.0f%%", hk_cost_names[gr->terms[i]],
                            100 * spread(ps, gr->terms[i]));
            run_group(k, ps, gr);
        }
        if (!again)
            break;
        fprintf(stderr, "\ncalibrate: round %d done at %.1f s\n", round + 1,
                elapsed_s(t0));
    }
}

/* ---- the file ---- */

/* ns to four significant digits (per-byte terms are hundredths of a
 * nanosecond), and at most two decimals. */
static double rounded(double ns)
{
    double scale = 100;
    while (scale < 1e6 && ns * scale < 1000)
        scale *= 10;
    return (double)(int64_t)(ns * scale + 0.5) / scale;
}

static void add_number(void *ctx, const char *name, uint64_t v)
{
    cJSON_AddNumberToObject(ctx, name, (double)v);
}

static void add_host(cJSON *o, double load, double others)
{
    char host[256] = "", text[600], key[512];
    struct utsname un;
    gethostname(host, sizeof host - 1);
    if (uname(&un) == 0)
        snprintf(text, sizeof text, "%s (%s %s)", host, un.sysname,
                 un.release);
    else
        snprintf(text, sizeof text, "%s", host);
    cJSON_AddStringToObject(o, "_host", text);
    hk_calibration_host_key(key, sizeof key);
    cJSON_AddStringToObject(o, "_host_key", key);
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    cJSON_AddStringToObject(o, "_date", text);
    /* A busy machine slows every term down: readers warn of it. */
    if (load >= 0) {
        cJSON *l = cJSON_AddObjectToObject(o, "_load");
        cJSON_AddNumberToObject(l, "load1", rounded(load));
        cJSON_AddNumberToObject(l, "cpus",
                                (double)sysconf(_SC_NPROCESSORS_ONLN));
        if (others >= 0)
            cJSON_AddNumberToObject(l, "others", rounded(others));
    }
}

/* A term as a calibration states it: a difference of two timings can
 * come out below 0 when the term is small against their noise, and no
 * cost is. */
static double stated_ns(double ns)
{
    return ns < 0 ? 0 : ns;
}

static cJSON *calibration_json(calib *k, const passes *ps, int quick)
{
    cJSON *o = cJSON_CreateObject();
    for (int t = 0; t < HK_COST_TERMS; t++) {
        if (k->ns[t] < 0)
            calib_note(k, "%s measured %.2f ns, written as 0",
                       hk_cost_names[t], k->ns[t]);
        cJSON_AddNumberToObject(o, hk_cost_names[t],
                                rounded(stated_ns(k->ns[t])));
    }
    cJSON *tlb = cJSON_AddObjectToObject(o, "tlb");
    hk_tlb_config_visit(&k->tlb, add_number, tlb);
    cJSON_AddStringToObject(tlb, "source", k->tlb_source);
    cJSON *dcache = cJSON_AddObjectToObject(o, "dcache");
    hk_dcache_config_visit(&k->dcache, add_number, dcache);
    cJSON_AddStringToObject(dcache, "source", k->dcache_source);
    enum hk_thp thp;
    if (hk_calibration_machine_thp(&thp) == 0)
        cJSON_AddStringToObject(o, "thp", hk_thp_name(thp));
    add_host(o, k->load_before, k->others);

    char text[3072];
    snprintf(text, sizeof text,
             "`hakmem calibrate%s` on %ld CPUs, kept to CPU %d (-1: "
             "not kept to one): each term is the lower "
             "quartile of its passes (\"_passes\"), each the median of %d "
             "repetitions.  malloc, free, realloc: front-cache "
             "hits on a warm heap; refill, flush: 16-byte churn within one "
             "slab, with and without front caches, less the fast path; "
             "front_miss, give_back: blocks of 16 bytes to 1 KiB replaced in "
             "random order without front caches, less the fast path and "
             "refill; mincore_near: the same churn's extra cost per mincore "
             "under ptr_check=always; slab: pool take/give; remote_free: "
             "another heap's frees less free and flush; large: a 256 KiB "
             "block from the large cache; mmap, munmap, madvise, mprotect "
             "on untouched "
             "2 MiB regions and mincore on one page, each call cold (after "
             "a sweep over %zu KiB, its time taken off); *_page: extra per "
             "resident 4 KiB page released; page_fault: a write per "
             "fresh or emptied 4 KiB page, 1024 of each in an 8 MiB "
             "region; page_table: a 2 MiB region mapped, one page written, "
             "unmapped, less the other terms; huge_fault: a write to each "
             "2 MiB chunk of an 8 MiB region advised to use huge pages; "
             "tlb_l2_hit, tlb_walk: random "
             "pointer chase, one line per page over %zu and %zu pages, less "
             "as many lines on huge pages; cache_l2, cache_l3, cache_mem: "
             "random pointer chases on huge pages over half of L1, half of "
             "L2, past L2 and past L3, the latency steps between them; "
             "cache_mem_near: a read and a write of a random line of 8 "
             "times the L3 on huge pages, with as many frees and mallocs "
             "between two as take a threaded engine's op (dispatch and "
             "malloc or free), less the same in L1 and the L2 and L3 "
             "steps; "
             "decode: reading a trace; "
             "start, start_threads, object_table, dispatch: the serial and "
             "threaded replay engines in processes of their own on a short "
             "and a long reference trace (100 and 400 thousand cycles), CPU "
             "time, less the model's price of the "
             "allocator's counted work; handoff: the same with two threads "
             "passing objects; thread: the same with 500 threads one after "
             "another, each allocating and freeing 4 blocks, against one "
             "thread doing it all; touch_write: a byte per page of a warm "
             "buffer; touch_byte: memset; copy_byte: memcpy of 512 KiB.  "
             "Kernel terms are timed by the thread's CPU clock, the others "
             "by the wall clock",
             quick ? " --quick" : "", sysconf(_SC_NPROCESSORS_ONLN),
             k->cpu, k->reps, k->sweep_bytes >> 10, k->tlb_near, k->tlb_far);
    cJSON_AddStringToObject(o, "_method", text);
    cJSON *n = cJSON_AddObjectToObject(o, "_passes");
    cJSON *noisy = cJSON_CreateObject();
    for (int t = 0; t < HK_COST_TERMS; t++) {
        cJSON *v = cJSON_AddArrayToObject(n, hk_cost_names[t]);
        for (int i = 0; i < ps->n[t]; i++)
            cJSON_AddItemToArray(v, cJSON_CreateNumber(rounded(ps->v[t][i])));
        double sp = spread(ps, (enum hk_cost_term)t);
        if (sp > STABLE)
            cJSON_AddNumberToObject(noisy, hk_cost_names[t],
                                    rounded(sp));
    }
    if (noisy->child)
        cJSON_AddItemToObject(o, "_noisy", noisy);
    else
        cJSON_Delete(noisy);
    if (k->notes[0])
        cJSON_AddStringToObject(o, "_notes", k->notes);
    return o;
}

/*
 * Two calibrations of one machine should agree, and passes seconds apart
 * cannot tell that they will: a virtual machine's host changes speed
 * over minutes.  So a calibration sets itself against this machine's
 * cached one, when there is one: "_since" names it (its file and date)
 * and, under "moved", each term that differs from it by more than
 * STABLE (of a nanosecond, for terms below one), as a fraction of the
 * earlier value; stderr says so too.
 */
static void add_since(cJSON *o)
{
    char path[PATH_MAX], err[512];
    if (hk_calibration_cached(path, sizeof path) < 0)
        return;
    cJSON *prev = hk_json_load_object(path, (size_t)1 << 20, err, sizeof err);
    if (!prev)
        return;
    cJSON *moved = cJSON_CreateObject();
    for (int t = 0; t < HK_COST_TERMS; t++) {
        const cJSON *was = cJSON_GetObjectItemCaseSensitive(prev,
                                                            hk_cost_names[t]);
        const cJSON *now = cJSON_GetObjectItemCaseSensitive(o,
                                                            hk_cost_names[t]);
        if (!cJSON_IsNumber(was) || !cJSON_IsNumber(now) ||
            was->valuedouble <= 0)
            continue;
        /* As spread() judges passes: a few tenths of a nanosecond
         * either way are noise in any prediction. */
        double d = now->valuedouble - was->valuedouble;
        double floor = was->valuedouble > SPREAD_FLOOR_NS ? was->valuedouble
                                                          : SPREAD_FLOOR_NS;
        if (fabs(d) > STABLE * floor)
            cJSON_AddNumberToObject(moved, hk_cost_names[t],
                                    rounded(d / was->valuedouble));
    }
    const char *date = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(prev, "_date"));
    date = date ? date : "unknown";
    cJSON *since = cJSON_AddObjectToObject(o, "_since");
    cJSON_AddStringToObject(since, "file", path);
    cJSON_AddStringToObject(since, "date", date);
    fprintf(stderr, "calibrate: against this machine's calibration of %s, "
            "%d terms moved by over %.0f%%:", date,
            cJSON_GetArraySize(moved), 100 * STABLE);
    for (const cJSON *m = moved->child; m; m = m->next)
        fprintf(stderr, " %s %+.0f%%", m->string, 100 * m->valuedouble);
    fprintf(stderr, "\n");
    cJSON_AddItemToObject(since, "moved", moved);
    cJSON_Delete(prev);
}

/* Write o to f, opened on `name`, and close it. */
static int write_json(const cJSON *o, FILE *f, const char *name)
{
    char *text = cJSON_Print(o);
    if (!text)
        calib_die("out of memory");
    int ok = fprintf(f, "%s\n", text) >= 0;
    ok = fclose(f) == 0 && ok;
    free(text);
    if (!ok)
        fprintf(stderr, "hakmem calibrate: %s: cannot write\n", name);
    return ok ? 0 : 1;
}

/* The sweep buffer: 256 KiB, where a cold call's cost levels off (a
 * larger sweep adds little, and more noise). */
static void sweep_open(calib *k)
{
    k->sweep_bytes = SWEEP_BYTES;
    k->sweep = calib_xcalloc(1, k->sweep_bytes);
    memset(k->sweep, 1, k->sweep_bytes);
}

/* --check: the probe groups run once, on a calibration's values (which
 * each measurement takes off its own loops); per term, a line
 * "NAME CALIBRATED_NS NOW_NS".  request: a file or "builtin". */
static int check(const char *request, FILE *out)
{
    hk_calibration cal;
    char err[1024];
    if (hk_calibration_resolve(&cal, request, "hakmem calibrate", err,
                               sizeof err) < 0) {
        fprintf(stderr, "hakmem calibrate: --check: %s\n", err);
        return 1;
    }
    calib k = {.reps = QUICK_REPS};
    memcpy(k.ns, cal.cost.ns, sizeof k.ns);
    hk_cost_dcache(&cal.cost, &k.dcache);
    if (cal.cost.has_tlb)
        k.tlb = cal.cost.tlb;
    else
        hk_tlb_config_default(&k.tlb);
    sweep_open(&k);
    engine_refs_open(&k);
    for (size_t g = 0; g < NGROUPS; g++)
        if (groups[g].probe) {
            measure_timer(&k);
            groups[g].measure(&k);
        }
    engine_refs_close(&k);
    chase_sets_close(&k);
    size_t l3 = cache_l3_share(&k.dcache);
    int ok = 1;
    for (size_t g = 0; g < NGROUPS; g++)
        for (int i = 0; groups[g].probe && i < groups[g].nterms; i++) {
            enum hk_cost_term t = groups[g].terms[i];
            ok &= fprintf(out, "%s %.4g %.4g\n", hk_cost_names[t],
                          cal.cost.ns[t], stated_ns(k.ns[t])) > 0;
        }
    ok &= fprintf(out, "l3_bytes %llu %zu\n",
                  (unsigned long long)k.dcache.bytes[2], l3) > 0;
    free(k.sweep);
    ok &= (out == stdout ? fflush(out) : fclose(out)) == 0;
    if (!ok)
        fprintf(stderr, "hakmem calibrate: --check: cannot write\n");
    return ok ? 0 : 1;
}

int hk_cmd_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"quick", no_argument, NULL, 'q'},
        {"budget", required_argument, NULL, 'b'},
        {"check", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *against = NULL;
    double budget = -1;
    int quick = 0, opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'o': path = optarg; break;
        case 'q': quick = 1; break;
        case 'c': against = optarg; break;
        case 'b':
            budget = strtod(optarg, &end);
            if (end == optarg || *end || !(budget >= 0 && budget <= 3600)) {
                fprintf(stderr, "hakmem calibrate: --budget: '%s' is not a "
                        "number of seconds from 0 to 3600\n", optarg);
                return 2;
            }
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    FILE *out = path ? fopen(path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "hakmem calibrate: %s: %s\n", path, strerror(errno));
        return 1;
    }
    /* On the CPU the replays it prices run on (pin.h), which the
     * replays of two threads leave (measure_engine.c). */
    int cpu = hk_pin_last_cpu();
    if (against)
        return check(against, out);
    if (budget < 0)
        budget = quick ? QUICK_BUDGET_S : FULL_BUDGET_S;

    calib k = {.reps = budget < SHORT_BUDGET_S ? SHORT_REPS
                       : quick             ? QUICK_REPS
                                           : FULL_REPS,
               .cpu = cpu};
    if (getloadavg(&k.load_before, 1) != 1)
        k.load_before = -1;
    static passes ps;
    calib_cpu_mark before, after;
    calib_cpu_mark_take(cpu, &before);
    uint64_t t0 = calib_now_ns();
    sweep_open(&k);
    measure_timer(&k);
    tlb_geometry(&k, budget >= SHORT_BUDGET_S);
    fprintf(stderr, "calibrate: TLB: %s\n", k.tlb_source);
    cache_geometry(&k, budget >= SHORT_BUDGET_S);
    fprintf(stderr, "calibrate: caches: %s\n", k.dcache_source);
    engine_refs_open(&k);
    measure_all(&k, &ps, quick ? QUICK_PASSES : FULL_PASSES, budget, t0);
    engine_refs_close(&k);
    chase_sets_close(&k);
    calib_cpu_mark_take(cpu, &after);
    k.others = calib_cpu_others(&before, &after);
    for (int t = 0; t < HK_COST_TERMS; t++) {
        fprintf(stderr,
                "calibrate: %-14s %9.2f ns  %2d passes, spread %.1f%%\n",
                hk_cost_names[t], k.ns[t], ps.n[t], 100 * spread(&ps, t));
    }

    cJSON *o = calibration_json(&k, &ps, quick);
    add_since(o);
    int rc = write_json(o, out, path ? path : "standard output");
    cJSON_Delete(o);
    free(k.sweep);
    return rc;
}
