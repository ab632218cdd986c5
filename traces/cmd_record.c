/*
 * cmd_record.c - `hakmem record`: run a program under the recorder and
 * turn its raw files into traces.
 *
 * The program runs as a child with libhakmem-record.so (found next to
 * this executable) first in LD_PRELOAD and HAKMEM_RECORD_FILE naming the
 * output; its standard streams are this process's.  This process becomes
 * a child subreaper, so it waits for every process the program starts,
 * orphans included: all raw files are complete (or as complete as a
 * killed process leaves them) when it converts them.  The raw file of
 * each process image, FILE.raw.PID[.N], becomes FILE.PID[.N], except the
 * last image of the program's own process, which becomes FILE.
 *
 * Ctrl-C and Ctrl-\ reach the program (the terminal sends them to the
 * whole process group); this process ignores them while it waits, so it
 * still converts what the program recorded.
 */
#define _GNU_SOURCE
#include "cmd_record.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record_merge.h"

enum { EXIT_USAGE = 2, EXIT_NOT_RUN = 127 };

static const char usage[] =
    "usage: hakmem record [-o FILE] [--keep-raw] [--] PROGRAM [ARGS...]\n"
    "       hakmem record --convert RAW -o FILE\n"
    "Runs PROGRAM with the recorder (libhakmem-record.so, next to this\n"
    "program) preloaded before LD_PRELOAD's libraries, and writes the\n"
    "allocation calls of every process image it runs as a trace: the\n"
    "last image of PROGRAM's process to FILE (default hakmem.trace), any\n"
    "other to FILE.PID (FILE.PID.N for the image after the N-th exec in\n"
    "one process).  A forked child's trace starts with a malloc of every\n"
    "object it inherited.  Standard input and output pass through; it\n"
    "waits for PROGRAM and for every process PROGRAM started, prints one\n"
    "line per trace on stderr and exits with PROGRAM's exit status\n"
    "(128+N when signal N killed it; 127, or 126, as a shell says when it\n"
    "could not be run).\n"
    "A process that did not end through exit() (killed, _exit, exec) is\n"
    "recorded up to its last flush (buffers go out when full and at least\n"
    "every 100 ms while it allocates): its trace is complete and well\n"
    "formed, and its program description says \"[cut short: ...]\".\n"
    "  -o FILE        the trace to write\n"
    "  --keep-raw     keep the recorder's raw files, FILE.raw.PID[.N]\n"
    "  --convert RAW  convert one raw file into the trace FILE\n"
    "The recorder can be preloaded by hand too: HAKMEM_RECORD_FILE=FILE\n"
    "LD_PRELOAD=.../libhakmem-record.so PROGRAM writes FILE.raw.PID.\n";

typedef struct options {
    const char *out;
    const char *convert;
    int keep_raw;
    char **program;
} options;

typedef struct raw_file {
    uint32_t pid;
    uint32_t image; /* N of FILE.raw.PID.N; 0 for FILE.raw.PID */
    char suffix[32]; /* "PID" or "PID.N" */
} raw_file;

typedef struct raw_list {
    raw_file *files;
    size_t n, cap;
} raw_list;

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "hakmem record: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

enum { PARSED = -1 };

/* PARSED, or the exit status when done (--help, or a usage error). */
static int parse(int argc, char **argv, options *o)
{
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(a, "--keep-raw")) {
            o->keep_raw = 1;
            continue;
        }
        const char **value = !strcmp(a, "-o")          ? &o->out
                             : !strcmp(a, "--convert") ? &o->convert
                                                       : NULL;
        if (!value)
            return usage_error("unknown option '%s'", a);
        if (i + 1 == argc)
            return usage_error("%s needs a value", a);
        *value = argv[++i];
    }
    if (o->convert) {
        if (i < argc)
            return usage_error("--convert takes no program ('%s')", argv[i]);
        if (!o->out)
            return usage_error("--convert needs -o FILE");
        return PARSED;
    }
    if (i == argc)
        return usage_error("PROGRAM is missing");
    if (!o->out)
        o->out = "hakmem.trace";
    o->program = argv + i;
    return PARSED;
}

/* ---- running the program ---- */

/* The recorder: libhakmem-record.so in the directory of this program. */
static int find_recorder(char *lib, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

    if (n < 0) {
        perror("hakmem record: /proc/self/exe");
        return -1;
    }
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    if (snprintf(lib, len, "%s/libhakmem-record.so", self) >= (int)len) {
        fprintf(stderr, "hakmem record: %s: path too long\n", self);
        return -1;
    }
    if (access(lib, R_OK) != 0) {
        fprintf(stderr, "hakmem record: %s: %s\n", lib, strerror(errno));
        return -1;
    }
    if (strpbrk(lib, " :\t")) {
        fprintf(stderr, "hakmem record: %s: LD_PRELOAD cannot name a path "
                "with a space or a colon\n", lib);
        return -1;
    }
    return 0;
}

/* In the child: the environment of the program, then the program. */
static void exec_program(char **program, const char *lib, const char *file)
{
    const char *old = getenv("LD_PRELOAD");
    size_t len = strlen(lib) + (old ? strlen(old) + 1 : 0) + 1;
    char *preload = malloc(len);

    if (preload) {
        snprintf(preload, len, "%s%s%s", lib, old && *old ? " " : "",
                 old ? old : "");
        if (setenv("LD_PRELOAD", preload, 1) == 0 &&
            setenv("HAKMEM_RECORD_FILE", file, 1) == 0)
            execvp(program[0], program);
    }
    int err = preload ? errno : ENOMEM;
    fprintf(stderr, "hakmem record: cannot run %s: %s\n", program[0],
            strerror(err));
    _exit(err == ENOENT ? EXIT_NOT_RUN : 126);
}

/* Runs the program and waits for it and all it started; its exit status
 * as a shell reports it, or -1 if it could not be started. */
static int run(char **program, const char *lib, const char *file,
               pid_t *main_pid)
{
    struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
    int status = 0, st;
    pid_t pid;

    fflush(NULL);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        perror("hakmem record: cannot wait for orphans: prctl");
    pid = fork();
    if (pid < 0) {
        perror("hakmem record: fork");
        return -1;
    }
    if (pid == 0)
        exec_program(program, lib, file);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    for (;;) {
        pid_t done = waitpid(-1, &st, 0);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0)
            break;
        if (done == pid)
            status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    *main_pid = pid;
    return status;
}

/* ---- the raw files ---- */

/* Reads the decimal number (1 to 9 digits) at *s and moves past it. */
static int number(const char **s, uint32_t *v)
{
    const char *p = *s;
    uint32_t n = 0;

    while (*p >= '0' && *p <= '9' && p - *s < 9)
        n = n * 10 + (uint32_t)(*p++ - '0');
    if (p == *s)
        return 0;
    *v = n;
    *s = p;
    return 1;
}

/* Whether name is BASE.raw.PID or BASE.raw.PID.N; fills *f. */
static int raw_name(const char *name, const char *base, raw_file *f)
{
    size_t len = strlen(base);

    if (strncmp(name, base, len) != 0 || strncmp(name + len, ".raw.", 5))
        return 0;
    const char *suffix = name + len + 5, *p = suffix;
    f->image = 0;
    if (!number(&p, &f->pid))
        return 0;
    if (*p == '.') {
        p++;
        if (!number(&p, &f->image))
            return 0;
    }
    if (*p != '\0')
        return 0;
    snprintf(f->suffix, sizeof f->suffix, "%s", suffix);
    return 1;
}

/* The raw files for FILE = DIR/BASE, in no order. */
static int list_raw(const char *dir, const char *base, raw_list *list)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    raw_file f;

    if (!d) {
        fprintf(stderr, "hakmem record: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        if (!raw_name(e->d_name, base, &f))
            continue;
        if (list->n == list->cap) {
            size_t cap = list->cap ? 2 * list->cap : 16;
            raw_file *files = realloc(list->files, cap * sizeof *files);
            if (!files) {
                closedir(d);
                fprintf(stderr, "hakmem record: out of memory\n");
                return -1;
            }
            list->files = files;
            list->cap = cap;
        }
        list->files[list->n++] = f;
    }
    closedir(d);
    return 0;
}

/* The program's images first, then by pid and image. */
static int by_process(const void *pa, const void *pb, void *program_pid)
{
    const raw_file *a = pa, *b = pb;
    uint32_t pid = *(const uint32_t *)program_pid;
    int ma = a->pid == pid, mb = b->pid == pid;

    if (ma != mb)
        return mb - ma;
    if (a->pid != b->pid)
        return a->pid < b->pid ? -1 : 1;
    return (a->image > b->image) - (a->image < b->image);
}

static void print_summary(const char *trace, const hk_record_info *info)
{
    fprintf(stderr, "hakmem record: %s: %" PRIu64 " events, %" PRIu64
            " thread%s, pid %" PRIu32, trace, info->events, info->threads,
            info->threads == 1 ? "" : "s", info->pid);
    if (info->parent)
        fprintf(stderr, " (forked from %" PRIu32 ")", info->parent);
    if (info->end.unknown_frees)
        fprintf(stderr, ", %" PRIu64 " frees of unknown pointers skipped",
                info->end.unknown_frees);
    if (info->end.untracked)
        fprintf(stderr, ", %" PRIu64 " allocations not recorded (no "
                "memory)", info->end.untracked);
    fprintf(stderr, "%s\n", info->cut ? ", cut short" : "");
}

static int convert(const char *raw, const char *trace, int keep_raw)
{
    hk_record_info info;
    char err[PATH_MAX + 256];

    if (hk_record_convert(raw, trace, &info, err, sizeof err) != 0) {
        fprintf(stderr, "hakmem record: %s\n", err);
        return -1;
    }
    print_summary(trace, &info);
    if (!keep_raw && unlink(raw) != 0)
        fprintf(stderr, "hakmem record: %s: %s\n", raw, strerror(errno));
    return 0;
}

/* Converts every raw file of FILE; the last image of the program's
 * process becomes FILE itself. */
static void convert_all(const char *file, const char *dir, const char *base,
                        pid_t main_pid, int keep_raw)
{
    raw_list list = { 0 };
    char raw[PATH_MAX + 64], trace[PATH_MAX + 64];
    size_t main_images = 0;
    uint32_t pid = (uint32_t)main_pid;

    if (list_raw(dir, base, &list) != 0)
        return;
    qsort_r(list.files, list.n, sizeof *list.files, by_process, &pid);
    while (main_images < list.n && list.files[main_images].pid == pid)
        main_images++;
    if (main_images == 0)
        fprintf(stderr, "hakmem record: the program left no raw file, so "
                "no %s (is it statically linked?)\n", file);
    for (size_t i = 0; i < list.n; i++) {
        const raw_file *f = &list.files[i];
        snprintf(raw, sizeof raw, "%s.raw.%s", file, f->suffix);
        if (i + 1 == main_images)
            snprintf(trace, sizeof trace, "%s", file);
        else
            snprintf(trace, sizeof trace, "%s.%s", file, f->suffix);
        convert(raw, trace, keep_raw);
    }
    free(list.files);
}

/* Removes what an earlier recording to the same FILE left behind. */
static void remove_stale(const char *file, const char *dir, const char *base)
{
    raw_list list = { 0 };
    char raw[PATH_MAX + 64];

    if (list_raw(dir, base, &list) != 0)
        return;
    for (size_t i = 0; i < list.n; i++) {
        snprintf(raw, sizeof raw, "%s.raw.%s", file, list.files[i].suffix);
        unlink(raw);
    }
    free(list.files);
}

/* FILE as an absolute path, and its directory and base name. */
static int locate(const char *out, char *file, char *dir, char *base)
{
    char cwd[PATH_MAX];

    if (out[0] == '/') {
        snprintf(file, PATH_MAX, "%s", out);
    } else {
        if (!getcwd(cwd, sizeof cwd)) {
            perror("hakmem record: getcwd");
            return -1;
        }
        if (snprintf(file, PATH_MAX, "%s/%s", cwd, out) >= PATH_MAX) {
            fprintf(stderr, "hakmem record: %s: path too long\n", out);
            return -1;
        }
    }
    char *slash = strrchr(file, '/');
    snprintf(base, NAME_MAX + 1, "%s", slash + 1);
    if (!*base) {
        fprintf(stderr, "hakmem record: %s: not a file name\n", out);
        return -1;
    }
    snprintf(dir, PATH_MAX, "%.*s", (int)(slash - file) + (slash == file),
             file);
    return 0;
}

int hk_cmd_record(int argc, char **argv)
{
    options o = { 0 };
    char lib[PATH_MAX], file[PATH_MAX], dir[PATH_MAX], base[NAME_MAX + 1];
    pid_t main_pid;

    int rc = parse(argc, argv, &o);
    if (rc != PARSED)
        return rc;
    if (o.convert)
        return convert(o.convert, o.out, 1) == 0 ? 0 : 1;
    if (find_recorder(lib, sizeof lib) != 0 ||
        locate(o.out, file, dir, base) != 0)
        return EXIT_NOT_RUN;
    remove_stale(file, dir, base);
    int status = run(o.program, lib, file, &main_pid);
    if (status < 0)
        return EXIT_NOT_RUN;
    convert_all(file, dir, base, main_pid, o.keep_raw);
    return status;
}
