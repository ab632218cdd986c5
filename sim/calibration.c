/*
 * calibration.c - finding, or making, the calibration of this machine.
 *
 * The cache holds one file per host key, calibration-HASH.json (HASH: a
 * hash of the key), written whole under a temporary name and renamed, so
 * a reader sees a complete file or none; the key itself is inside, under
 * "_host_key", and a file whose key is another's counts as missing, as
 * does one that lacks a term of the model (made by an older hakmem).
 * Making one takes a lock on the cache directory first and looks again
 * once it has it, so concurrent runs calibrate once.
 */
#define _GNU_SOURCE
#include "calibration.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json_file.h"

const char *const hk_calibration_source_names[] = {
    [HK_CAL_BUILTIN] = "builtin",
    [HK_CAL_FILE] = "file",
    [HK_CAL_ENV] = "environment",
    [HK_CAL_CACHE] = "cache",
};

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (colon && !strncmp(line, "model name", 10)) {
            colon += 1 + strspn(colon + 1, " \t");
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(out, len, "%s", colon);
            break;
        }
    }
    fclose(f);
}

int hk_calibration_machine_thp(enum hk_thp *out)
{
    char line[128];
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return -1;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    char *open = got ? strchr(line, '[') : NULL;
    char *close = open ? strchr(open, ']') : NULL;
    if (!close)
        return -1;
    *close = '\0';
    return hk_thp_parse(open + 1, out);
}

enum hk_thp hk_calibration_thp(const hk_calibration *cal, const char **why)
{
    enum hk_thp here;
    if (cal->cost.has_thp) {
        *why = "the calibration's machine's";
        return cal->cost.thp;
    }
    if (hk_calibration_machine_thp(&here) == 0) {
        *why = "this machine's: the calibration names none";
        return here;
    }
    *why = "the default: neither the calibration nor this machine names one";
    return HK_THP_MADVISE;
}

void hk_calibration_host_key(char *out, size_t len)
{
    const char *forced = getenv("HAKMEM_HOST_KEY");
    if (forced && forced[0]) {
        snprintf(out, len, "%s", forced);
        return;
    }
    char host[256] = "", cpu[200];
    struct utsname un;
    if (gethostname(host, sizeof host - 1) < 0)
        snprintf(host, sizeof host, "unknown host");
    if (uname(&un) < 0)
        snprintf(un.release, sizeof un.release, "unknown kernel");
    cpu_model(cpu, sizeof cpu);
    enum hk_thp thp;
    const char *mode =
        hk_calibration_machine_thp(&thp) == 0 ? hk_thp_name(thp) : "unknown";
    snprintf(out, len, "%s / %s / %s / thp %s", host, cpu, un.release, mode);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* mkdir -p; 0 or -1 with errno. */
static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return -1;
        if (!(*p = c))
            return 0;
    }
}

/* The cache file of this host key, its directory made when `make`; -1
 * (with why) when there is no cache directory to put it in. */
static int cache_path(const char *key, int make, char *out, size_t len,
                      char *why, size_t whylen)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX];
    if (xdg && xdg[0] == '/')
        snprintf(dir, sizeof dir, "%s/hakmem", xdg);
    else if (home && home[0] == '/')
        snprintf(dir, sizeof dir, "%s/.cache/hakmem", home);
    else {
        snprintf(why, whylen, "neither XDG_CACHE_HOME nor HOME names a "
                 "directory to keep it in");
        return -1;
    }
    if (make && (make_dirs(dir) < 0 || access(dir, W_OK) < 0)) {
        snprintf(why, whylen, "%.400s: %s", dir, strerror(errno));
        return -1;
    }
    if (snprintf(out, len, "%s/calibration-%016llx.json", dir,
                 (unsigned long long)fnv1a(key)) >= (int)len) {
        snprintf(why, whylen, "%.400s: the path is too long", dir);
        return -1;
    }
    return 0;
}

int hk_calibration_cached(char *out, size_t len)
{
    char key[512], why[512];
    hk_calibration_host_key(key, sizeof key);
    return cache_path(key, 0, out, len, why, sizeof why) == 0 &&
                   access(out, R_OK) == 0
               ? 0
               : -1;
}

/* What the calibration o says of the load it was made under. */
static void read_load(hk_calibration *cal, const cJSON *o)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(o, "_load");
    const cJSON *load = cJSON_GetObjectItemCaseSensitive(l, "load1");
    const cJSON *cpus = cJSON_GetObjectItemCaseSensitive(l, "cpus");
    const cJSON *others = cJSON_GetObjectItemCaseSensitive(l, "others");
    cal->made_beside = cJSON_IsNumber(others) ? others->valuedouble : -1;
    cal->made_at_load = cJSON_IsNumber(load) ? load->valuedouble : 0;
    cal->made_on_cpus = cJSON_IsNumber(cpus) && cpus->valuedouble >= 1
                            ? (long)cpus->valuedouble
                            : 0;
}

/* Whether o prices every term of the model: a file made before the
 * model had one is out of date. */
static int has_every_term(const cJSON *o)
{
    for (int t = 0; t < HK_COST_TERMS; t++)
        if (!cJSON_GetObjectItemCaseSensitive(o, hk_cost_names[t]))
            return 0;
    return 1;
}

/* Load the cached file if it is this host's and up to date: 1, or 0
 * (missing, another host's, older than a term, unreadable), cal
 * untouched. */
static int load_cached(hk_calibration *cal)
{
    if (access(cal->path, R_OK) < 0)
        return 0;
    char err[512];
    cJSON *o = hk_json_load_object(cal->path, 1 << 20, err, sizeof err);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "_host_key");
    hk_cost c;
    hk_cost_default(&c);
    int mine = cJSON_IsString(key) &&
               !strcmp(key->valuestring, cal->host_key) && has_every_term(o) &&
               hk_cost_from_json(&c, o, cal->path, err, sizeof err) == 0;
    if (mine) {
        cal->cost = c;
        read_load(cal, o);
    }
    cJSON_Delete(o);
    return mine;
}

/* The hakmem-calibrate next to this program (libexec/). */
static int calibrate_program(char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    if (snprintf(out, len, "%s/hakmem-calibrate", self) >= (int)len)
        return -1;
    return access(out, X_OK);
}

/* Run `hakmem calibrate MODE ARG -o tmp` (ARG may be NULL), its
 * progress on our stderr; 0 or -1 with why. */
static int run_calibrate(const char *mode, const char *arg, const char *tmp,
                         char *why, size_t whylen)
{
    char prog[PATH_MAX];
    if (calibrate_program(prog, sizeof prog) < 0) {
        snprintf(why, whylen, "hakmem-calibrate is not next to this program");
        return -1;
    }
    char *argv[8] = {prog, (char *)mode};
    int argc = 2;
    if (arg)
        argv[argc++] = (char *)arg;
    argv[argc++] = "-o";
    argv[argc++] = (char *)tmp;
    const char *budget = getenv("HAKMEM_CALIBRATE_BUDGET");
    if (!arg && budget && budget[0]) {
        argv[argc++] = "--budget";
        argv[argc++] = (char *)budget;
    }
    argv[argc] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, whylen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(2, 1); /* our stdout is the run's JSON */
        execv(prog, argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(why, whylen, "waitpid: %s", strerror(errno));
            return -1;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, whylen, "%.400s %s failed (status %d)", prog, mode,
                 status);
        return -1;
    }
    return 0;
}

/* Make this host's calibration into cal->path (under its lock, unless
 * another process made it meanwhile) and load it; 0 or -1 with why. */
static int make_cached(hk_calibration *cal, const char *who, char *why,
                       size_t whylen)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s", cal->path);
    *strrchr(dir, '/') = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        snprintf(why, whylen, "%.400s: %s", dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = 0;
    if (!load_cached(cal)) {
        fprintf(stderr, "%s: no calibration for this machine (%s) yet: "
                "measuring one into %s\n", who, cal->host_key, cal->path);
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", cal->path, (long)getpid());
        rc = run_calibrate("--quick", NULL, tmp, why, whylen);
        if (rc == 0 && rename(tmp, cal->path) < 0) {
            snprintf(why, whylen, "%.400s: %s", cal->path, strerror(errno));
            rc = -1;
        }
        unlink(tmp);
        if (rc == 0 && !load_cached(cal)) {
            snprintf(why, whylen, "%.400s: not a calibration of this machine",
                     cal->path);
            rc = -1;
        }
    }
    close(fd); /* releases the lock */
    return rc;
}

static int load_file(hk_calibration *cal, const char *path,
                     enum hk_calibration_source source, char *err,
                     size_t errlen)
{
    cal->source = source;
    snprintf(cal->path, sizeof cal->path, "%s", path);
    cJSON *o = hk_json_load_object(path, 1 << 20, err, errlen);
    int rc = o ? hk_cost_from_json(&cal->cost, o, path, err, errlen) : -1;
    if (rc == 0)
        read_load(cal, o);
    cJSON_Delete(o);
    return rc;
}

int hk_calibration_resolve(hk_calibration *cal, const char *request,
                           const char *who, char *err, size_t errlen)
{
    memset(cal, 0, sizeof *cal);
    cal->made_beside = -1; /* unknown until a file says */
    hk_cost_default(&cal->cost);
    hk_calibration_host_key(cal->host_key, sizeof cal->host_key);
    const char *pinned = getenv("HAKMEM_CALIBRATION");
    if (request && !strcmp(request, "builtin")) {
        snprintf(cal->warning, sizeof cal->warning, "asked for");
        return 0;
    }
    if (request)
        return load_file(cal, request, HK_CAL_FILE, err, errlen);
    if (pinned && !strcmp(pinned, "builtin"))
        return 0;
    if (pinned && pinned[0]) {
        if (load_file(cal, pinned, HK_CAL_ENV, err, errlen) == 0)
            return 0;
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "HAKMEM_CALIBRATION: %s", why);
        return -1;
    }
    char why[1024];
    if (cache_path(cal->host_key, 1, cal->path, sizeof cal->path, why,
                   sizeof why) == 0 &&
        (load_cached(cal) || make_cached(cal, who, why, sizeof why) == 0)) {
        cal->source = HK_CAL_CACHE;
        return 0;
    }
    hk_cost_default(&cal->cost);
    cal->path[0] = '\0';
    snprintf(cal->warning, sizeof cal->warning, "no calibration of this "
             "machine could be made: %.440s", why);
    return 0;
}

/* Other work that takes a quarter or more of the CPU calibrate measures
 * on slows every pass alike; less shows as spread between passes.  A
 * file that does not say (made before calibrate measured it) is judged by
 * the load average before it: run queues twice the CPUs long. */
int hk_calibration_busy(const hk_calibration *cal)
{
    if (cal->made_beside >= 0)
        return cal->made_beside >= 0.25;
    return cal->made_on_cpus > 0 && cal->made_at_load > 2.0 * cal->made_on_cpus;
}

/* "made at load 9.5 on 2 CPUs" or "made while other work took 49% of the
 * CPU it measured on" into out. */
static void busy_phrase(const hk_calibration *cal, char *out, size_t len)
{
    if (cal->made_beside >= 0)
        snprintf(out, len, "made while other work took %.0f%% of the CPU it "
                 "measured on", 100 * cal->made_beside);
    else
        snprintf(out, len, "made at load %.1f on %ld CPUs",
                 cal->made_at_load, cal->made_on_cpus);
}

void hk_calibration_warn(const hk_calibration *cal, const char *who)
{
    if (cal->warning[0])
        fprintf(stderr, "%s: warning: the built-in calibration, measured on "
                "another machine (%s): predicted times may be far off\n",
                who, cal->warning);
    else if (hk_calibration_busy(cal)) {
        char busy[128];
        busy_phrase(cal, busy, sizeof busy);
        fprintf(stderr, "%s: warning: the calibration %s was %s, which slows "
                "what it measures: predicted times may be high; `hakmem "
                "calibrate -o %s` on an idle machine replaces it\n", who,
                cal->path, busy, cal->path);
    }
}

void hk_calibration_describe(const hk_calibration *cal, char *out,
                             size_t len)
{
    switch (cal->source) {
    case HK_CAL_BUILTIN:
        snprintf(out, len, "built-in (experiments/calibrate/default.json, "
                 "measured on another machine)%s%s",
                 cal->warning[0] ? ": " : "", cal->warning);
        break;
    case HK_CAL_CACHE:
        snprintf(out, len, "this machine's, %s (host key: %s)", cal->path,
                 cal->host_key);
        break;
    default:
        snprintf(out, len, "%s (%s)", cal->path,
                 cal->source == HK_CAL_ENV ? "from HAKMEM_CALIBRATION"
                                           : "asked for");
        break;
    }
    size_t used = strlen(out);
    if (hk_calibration_busy(cal) && used < len) {
        char busy[128];
        busy_phrase(cal, busy, sizeof busy);
        snprintf(out + used, len - used, "; %s, so its times may be high",
                 busy);
    }
}

int hk_calibration_probe(const hk_calibration *cal, hk_calibration_now *now,
                         char *why, size_t whylen)
{
    const char *dir = getenv("TMPDIR");
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/hakmem-check.XXXXXX",
             dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    close(fd);
    int rc = run_calibrate("--check", cal->path[0] ? cal->path : "builtin",
                           tmp, why, whylen);
    FILE *f = rc == 0 ? fopen(tmp, "r") : NULL;
    if (rc == 0 && !f) {
        snprintf(why, whylen, "%s: %s", tmp, strerror(errno));
        rc = -1;
    }
    now->n = 0;
    now->l3_bytes = 0;
    char name[32];
    double ns;
    /* Lines "NAME CALIBRATED_NS NOW_NS" (cal has the calibrated costs),
     * then "l3_bytes CALIBRATED NOW". */
    while (f && now->n < HK_COST_TERMS &&
           fscanf(f, "%31s %*f %lf", name, &ns) == 2) {
        int t = hk_cost_term_of(name);
        if (!strcmp(name, "l3_bytes")) {
            now->l3_bytes = ns;
        } else if (t >= 0) {
            now->term[now->n] = (enum hk_cost_term)t;
            now->ns[now->n++] = ns;
        }
    }
    if (f)
        fclose(f);
    unlink(tmp);
    if (rc == 0 && now->n == 0) {
        snprintf(why, whylen, "hakmem calibrate --check printed no term");
        rc = -1;
    }
    return rc;
}
