/*
 * cmd_record.c - `hakmem record`: run a program under the recorder and
 * turn its raw files into traces.
 *
 * One recording is FILE and the directory FILE.d/.  Before the program
 * runs, FILE and what an earlier recording left in FILE.d/ are removed
 * (anything else found there stops the command: it is not a
 * recording's), so that the output is known to be writable and runs
 * never mix.  The program runs as a child with libhakmem-record.so
 * first in LD_PRELOAD and the recorder's variables set: raw files
 * FILE.d/trace.raw.PID[.N], and which process images to record
 * (HAKMEM_RECORD_FOLLOW, recorder.c).  Its standard streams are this
 * process's.  This process becomes a child subreaper, so it waits for
 * every process the program starts, orphans included: all raw files are
 * complete (or as complete as a killed process leaves them) when it
 * converts them.  The last image of the program's own process becomes
 * FILE; every other image FILE.d/PID.trace, or FILE.d/PID.N.trace after
 * the N-th exec in one process.  FILE.d/ is removed when it ends empty.
 *
 * Ctrl-C and Ctrl-\ reach the program (the terminal sends them to the
 * whole process group); this process ignores them while it waits, so it
 * still converts what the program recorded.
 */
#define _GNU_SOURCE
#include "cmd_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record_merge.h"
#include "record_why.h"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_CANNOT_RUN = 126,
       EXIT_NOT_FOUND = 127 };

/* The raw files' prefix in FILE.d/ (HAKMEM_RECORD_FILE). */
#define RAW_PREFIX "trace"

static const char usage[] =
    "usage: hakmem record [-o FILE] [--no-follow | --follow=exec|fork|all]\n"
    "                     [--keep-raw] [--] PROGRAM [ARGS...]\n"
    "       hakmem record --convert RAW -o FILE\n"
    "Runs PROGRAM with the recorder (libhakmem-record.so) preloaded before\n"
    "LD_PRELOAD's libraries, and writes the allocation calls of its process\n"
    "images as traces: the last image of PROGRAM's own process to FILE\n"
    "(default hakmem.trace), every other one it records to FILE.d/PID.trace\n"
    "(FILE.d/PID.N.trace for the image after the N-th exec in a process).\n"
    "FILE and the traces in FILE.d/ of an earlier recording are removed\n"
    "first; FILE.d/ is left only when it holds traces.  A forked child's\n"
    "trace starts with a malloc of every object it inherited.  Standard\n"
    "input and output pass through; it waits for PROGRAM and for every\n"
    "process PROGRAM started, prints a line on stderr for FILE and one for\n"
    "FILE.d/.\n"
    "A process that did not end through exit() (killed, _exit, exec) is\n"
    "recorded up to its last flush (buffers go out when full and at least\n"
    "every 100 ms while it allocates): its trace is complete and well\n"
    "formed, and its program description says \"[cut short: ...]\".\n"
    "  -o FILE          the trace to write\n"
    "  --follow=all     record every process image: forked children and\n"
    "                   programs run by exec, in any process (the default)\n"
    "  --follow=exec    PROGRAM's own process, through its execs\n"
    "  --follow=fork    PROGRAM's first image and the children it forks,\n"
    "                   not what any of them exec\n"
    "  --no-follow      PROGRAM's first image only\n"
    "  --keep-raw       keep the recorder's raw files,\n"
    "                   FILE.d/trace.raw.PID[.N]\n"
    "  --convert RAW    convert one raw file into the trace FILE\n"
    "Exit status: PROGRAM's (128+N when signal N killed it), or 127 (not\n"
    "found) or 126 as a shell says when it could not be run; 1 when FILE\n"
    "could not be prepared or written (then PROGRAM does not run, or its\n"
    "status was 0), with the reason when PROGRAM's process left no raw\n"
    "file; 2 a usage error.  See hakmem-record(1).\n";

typedef struct options {
    const char *out;
    const char *convert;
    const char *follow; /* all, exec, fork or none */
    int keep_raw;
    char **program;
} options;

typedef struct raw_file {
    uint32_t pid;
    uint32_t image; /* N of trace.raw.PID.N; 0 for trace.raw.PID */
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
        if (!strcmp(a, "--no-follow")) {
            o->follow = "none";
            continue;
        }
        if (!strcmp(a, "--follow"))
            return usage_error("--follow takes its value after '=': "
                               "--follow=exec, fork or all");
        if (!strncmp(a, "--follow=", 9)) {
            o->follow = a + 9;
            if (strcmp(o->follow, "all") && strcmp(o->follow, "exec") &&
                strcmp(o->follow, "fork"))
                return usage_error("--follow=%s: expected exec, fork or "
                                   "all", o->follow);
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
        if (o->follow)
            return usage_error("--convert takes no --follow");
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
    if (!o->follow)
        o->follow = "all";
    o->program = argv + i;
    return PARSED;
}

/* ---- the output ---- */

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

/* Reads PID or PID.N at *p into f; 0 if there is none. */
static int process_image(const char **p, raw_file *f)
{
    const char *start = *p;

    f->image = 0;
    if (!number(p, &f->pid))
        return 0;
    if (**p == '.' && (*p)[1] >= '0' && (*p)[1] <= '9') {
        (*p)++;
        if (!number(p, &f->image))
            return 0;
    }
    snprintf(f->suffix, sizeof f->suffix, "%.*s", (int)(*p - start), start);
    return 1;
}

/* Whether name is a raw file, trace.raw.PID[.N]; fills *f. */
static int raw_name(const char *name, raw_file *f)
{
    static const char prefix[] = RAW_PREFIX ".raw.";
    const char *p = name + sizeof prefix - 1;

    return !strncmp(name, prefix, sizeof prefix - 1) &&
           process_image(&p, f) && *p == '\0';
}

/* Whether name is a trace of FILE.d/, PID[.N].trace. */
static int trace_name(const char *name)
{
    raw_file f;
    const char *p = name;

    return process_image(&p, &f) && !strcmp(p, ".trace");
}

/* Empties FILE.d/ of an earlier recording's files; -1 (said why) when it
 * holds anything else, or cannot be emptied. */
static int clear_dir(const char *dird)
{
    DIR *d = opendir(dird);
    struct dirent *e;
    raw_file f;
    char path[PATH_MAX + NAME_MAX + 2];
    int rc = 0;

    if (!d) {
        fprintf(stderr, "hakmem record: %s: %s\n", dird, strerror(errno));
        return -1;
    }
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dird, e->d_name);
        if (!raw_name(e->d_name, &f) && !trace_name(e->d_name)) {
            fprintf(stderr, "hakmem record: %s is not a recording's file; "
                    "remove it, or record to another -o FILE\n", path);
            rc = -1;
        } else if (unlink(path) != 0) {
            fprintf(stderr, "hakmem record: cannot remove %s: %s\n", path,
                    strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

/* Makes room for a new recording: FILE.d/ exists and is empty, FILE does
 * not exist (so the directory takes new files).  0, or -1 (said why). */
static int prepare_output(const char *file, const char *dird)
{
    struct stat st;

    if (mkdir(dird, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "hakmem record: cannot create %s: %s\n", dird,
                strerror(errno));
        return -1;
    }
    if (stat(dird, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "hakmem record: %s: %s\n", dird,
                errno ? strerror(errno) : "not a directory");
        return -1;
    }
    if (clear_dir(dird) != 0)
        return -1;
    if (unlink(file) != 0 && errno != ENOENT) {
        fprintf(stderr, "hakmem record: cannot replace %s: %s\n", file,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* FILE as an absolute path, and FILE.d. */
static int locate(const char *out, char *file, char *dird)
{
    char cwd[PATH_MAX];
    int n;

    if (out[0] == '/') {
        n = snprintf(file, PATH_MAX, "%s", out);
    } else {
        if (!getcwd(cwd, sizeof cwd)) {
            perror("hakmem record: getcwd");
            return -1;
        }
        n = snprintf(file, PATH_MAX, "%s/%s", cwd, out);
    }
    /* Room for FILE.d/trace.raw.PID.N and FILE.d/PID.N.trace. */
    if (n >= PATH_MAX - 64 || snprintf(dird, PATH_MAX, "%s.d", file) < 0) {
        fprintf(stderr, "hakmem record: %s: path too long\n", out);
        return -1;
    }
    const char *base = strrchr(file, '/') + 1;
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
        fprintf(stderr, "hakmem record: %s: not a file name\n", out);
        return -1;
    }
    return 0;
}

/* ---- running the program ---- */

/* In the child: the environment of the program, then the program.  If it
 * cannot be run, errno goes to the parent through report. */
static void exec_program(const options *o, const char *lib,
                         const char *dird, int report)
{
    const char *old = getenv("LD_PRELOAD");
    size_t len = strlen(lib) + (old ? strlen(old) + 1 : 0) + 1;
    char *preload = malloc(len), raw[PATH_MAX + 16], pid[16];

    snprintf(raw, sizeof raw, "%s/" RAW_PREFIX, dird);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    if (preload) {
        snprintf(preload, len, "%s%s%s", lib, old && *old ? " " : "",
                 old ? old : "");
        if (setenv("LD_PRELOAD", preload, 1) == 0 &&
            setenv("HAKMEM_RECORD_FILE", raw, 1) == 0 &&
            setenv("HAKMEM_RECORD_FOLLOW", o->follow, 1) == 0 &&
            setenv("HAKMEM_RECORD_ROOT", pid, 1) == 0 &&
            setenv("HAKMEM_RECORD_FIRST", pid, 1) == 0)
            execvp(o->program[0], o->program);
    }
    int err = preload ? errno : ENOMEM;
    if (write(report, &err, sizeof err) != sizeof err)
        _exit(EXIT_CANNOT_RUN);
    _exit(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

typedef struct outcome {
    pid_t pid;     /* the program's process */
    int status;    /* its wait status */
    int exec_err;  /* why it could not be run, or 0 */
} outcome;

/* Runs the program and waits for it and all it started; -1 if it could
 * not be started (said why). */
static int run(const options *o, const char *lib, const char *dird,
               outcome *out)
{
    struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
    int st, report[2];
    pid_t pid;

    fflush(NULL);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        perror("hakmem record: cannot wait for orphans: prctl");
    if (pipe2(report, O_CLOEXEC) != 0) {
        perror("hakmem record: pipe");
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        perror("hakmem record: fork");
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0)
        exec_program(o, lib, dird, report[1]);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    close(report[1]);
    *out = (outcome){ .pid = pid };
    if (read(report[0], &out->exec_err, sizeof out->exec_err) !=
        sizeof out->exec_err)
        out->exec_err = 0; /* closed by the exec: it ran */
    close(report[0]);
    for (;;) {
        pid_t done = waitpid(-1, &st, 0);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0)
            break;
        if (done == pid)
            out->status = st;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    return 0;
}

/* The exit status of a program that could not be run, as a shell's. */
static int not_run(const char *program, int err)
{
    if (err == ENOENT && !strchr(program, '/')) {
        fprintf(stderr, "hakmem record: %s: command not found\n", program);
        return EXIT_NOT_FOUND;
    }
    fprintf(stderr, "hakmem record: %s: %s\n", program, strerror(err));
    return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

/* ---- the raw files ---- */

/* The raw files in FILE.d/, in no order. */
static int list_raw(const char *dird, raw_list *list)
{
    DIR *d = opendir(dird);
    struct dirent *e;
    raw_file f;

    if (!d) {
        fprintf(stderr, "hakmem record: %s: %s\n", dird, strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        if (!raw_name(e->d_name, &f))
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

static int convert(const char *raw, const char *trace, int keep_raw,
                   hk_record_info *info)
{
    char err[PATH_MAX + 256];

    if (hk_record_convert(raw, trace, info, err, sizeof err) != 0) {
        fprintf(stderr, "hakmem record: %s\n", err);
        return -1;
    }
    if (!keep_raw && unlink(raw) != 0)
        fprintf(stderr, "hakmem record: %s: %s\n", raw, strerror(errno));
    return 0;
}

/* The traces of FILE.d/, summed up for one line. */
typedef struct others {
    uint64_t traces, events, cut, forked;
} others;

/* Converts every raw file of the recording; the last image of the
 * program's process becomes FILE.  0 when FILE and every other trace
 * were written, else -1 (said why). */
static int convert_all(const char *file, const char *dird,
                       const options *o, const outcome *run)
{
    raw_list list = { 0 };
    char raw[PATH_MAX + 64], trace[PATH_MAX + 64], why[2 * PATH_MAX + 256];
    size_t main_images = 0;
    uint32_t pid = (uint32_t)run->pid;
    hk_record_info info;
    others rest = { 0 };
    int rc = 0;

    if (list_raw(dird, &list) != 0)
        return -1;
    qsort_r(list.files, list.n, sizeof *list.files, by_process, &pid);
    while (main_images < list.n && list.files[main_images].pid == pid)
        main_images++;
    if (main_images == 0) {
        hk_record_why(o->program[0], run->status, why, sizeof why);
        fprintf(stderr, "hakmem record: no %s: %s\n", file, why);
        rc = -1;
    }
    for (size_t i = 0; i < list.n; i++) {
        const raw_file *f = &list.files[i];
        int is_file = i + 1 == main_images;
        snprintf(raw, sizeof raw, "%s/" RAW_PREFIX ".raw.%s", dird,
                 f->suffix);
        if (is_file)
            snprintf(trace, sizeof trace, "%s", file);
        else
            snprintf(trace, sizeof trace, "%s/%s.trace", dird, f->suffix);
        if (convert(raw, trace, o->keep_raw, &info) != 0) {
            rc = -1;
        } else if (is_file) {
            print_summary(trace, &info);
        } else {
            rest.traces++;
            rest.events += info.events;
            rest.cut += info.cut;
            rest.forked += info.parent != 0;
        }
    }
    free(list.files);
    if (rest.traces)
        fprintf(stderr, "hakmem record: %s/: %" PRIu64 " more trace%s "
                "(forked children: %" PRIu64 ", other images: %" PRIu64
                "), %" PRIu64 " events, %" PRIu64 " cut short\n", dird,
                rest.traces, rest.traces == 1 ? "" : "s", rest.forked,
                rest.traces - rest.forked, rest.events, rest.cut);
    rmdir(dird); /* only if empty: then the recording is FILE alone */
    return rc;
}

int hk_cmd_record(int argc, char **argv, const char *recorder,
                  const char *missing)
{
    options o = { 0 };
    char file[PATH_MAX], dird[PATH_MAX];
    outcome ran;

    int rc = parse(argc, argv, &o);
    if (rc != PARSED)
        return rc;
    if (o.convert) {
        hk_record_info info;
        if (convert(o.convert, o.out, 1, &info) != 0)
            return EXIT_FAILED;
        print_summary(o.out, &info);
        return 0;
    }
    if (!recorder) {
        fprintf(stderr, "hakmem record: cannot find libhakmem-record.so: "
                "%s\n", missing);
        return EXIT_FAILED;
    }
    if (strpbrk(recorder, " :\t")) {
        fprintf(stderr, "hakmem record: %s: LD_PRELOAD cannot name a path "
                "with a space or a colon\n", recorder);
        return EXIT_FAILED;
    }
    if (locate(o.out, file, dird) != 0 || prepare_output(file, dird) != 0)
        return EXIT_FAILED;
    if (run(&o, recorder, dird, &ran) != 0) {
        rmdir(dird);
        return EXIT_FAILED;
    }
    if (ran.exec_err) {
        rmdir(dird);
        return not_run(o.program[0], ran.exec_err);
    }
    int status = WIFSIGNALED(ran.status) ? 128 + WTERMSIG(ran.status)
                                         : WEXITSTATUS(ran.status);
    if (convert_all(file, dird, &o, &ran) != 0 && status == 0)
        return EXIT_FAILED;
    return status;
}
