/*
 * jobs.c - child processes with captured output.
 *
 * Each running job owns one slot: its pid and two memfds that are its
 * stdout and stderr.  Children are reaped with waitpid(-1), so the
 * process must have no children other than the jobs.  A child reads
 * /dev/null, not the terminal.
 */
#define _GNU_SOURCE
#include "experiments/common/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct slot {
    pid_t pid; /* 0: free */
    size_t index;
    int out, err;
    time_t started;
} slot;

static void close_slot(slot *s)
{
    if (s->out >= 0)
        close(s->out);
    if (s->err >= 0)
        close(s->err);
    s->out = s->err = -1;
    s->pid = 0;
}

static int start(slot *s, size_t index, char *const *argv, char *err,
                 size_t errlen)
{
    s->out = memfd_create("hakmem-job-stdout", MFD_CLOEXEC);
    s->err = memfd_create("hakmem-job-stderr", MFD_CLOEXEC);
    if (s->out < 0 || s->err < 0) {
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        close_slot(s);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close_slot(s);
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in < 0 || dup2(in, 0) < 0 || dup2(s->out, 1) < 0 ||
            dup2(s->err, 2) < 0)
            _exit(127);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    s->pid = pid;
    s->index = index;
    s->started = time(NULL);
    return 0;
}

/* The whole content of a memfd, NUL-terminated; "" when unreadable. */
static char *read_all(int fd)
{
    off_t len = lseek(fd, 0, SEEK_END);
    char *buf = malloc(len > 0 ? (size_t)len + 1 : 1);
    size_t got = 0;
    while (buf && len > 0 && got < (size_t)len) {
        ssize_t n = pread(fd, buf + got, (size_t)len - got, (off_t)got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (buf)
        buf[got] = '\0';
    return buf;
}

static void finish(slot *s, int status, hk_job_result *r)
{
    r->status = WIFEXITED(status) ? WEXITSTATUS(status)
                                  : 128 + WTERMSIG(status);
    r->out = read_all(s->out);
    r->err = read_all(s->err);
    r->started = s->started;
    close_slot(s);
}

int hk_jobs_run(size_t n, unsigned parallel, hk_job_argv_fn argv_of,
                hk_job_done_fn done, void *ctx, char *err, size_t errlen)
{
    if (parallel == 0)
        parallel = 1;
    slot *slots = calloc(parallel, sizeof *slots);
    if (!slots) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t next = 0, running = 0;
    int rc = 0, stop = 0;
    for (;;) {
        for (unsigned i = 0; !stop && next < n && i < parallel; i++)
            if (!slots[i].pid) {
                if (start(&slots[i], next, argv_of(ctx, next), err,
                          errlen) < 0)
                    rc = stop = -1;
                else
                    next++, running++;
            }
        if (!running)
            break;
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0) {
            snprintf(err, errlen, "waitpid: %s", strerror(errno));
            rc = -1;
            break;
        }
        for (unsigned i = 0; i < parallel; i++)
            if (slots[i].pid == pid) {
                hk_job_result r;
                size_t index = slots[i].index;
                finish(&slots[i], status, &r);
                running--;
                if (done(ctx, index, &r) < 0)
                    stop = 1;
                hk_job_result_free(&r);
            }
    }
    free(slots);
    return rc;
}

typedef struct one {
    char *const *argv;
    hk_job_result *r;
} one;

static char *const *one_argv(void *ctx, size_t i)
{
    (void)i;
    return ((one *)ctx)->argv;
}

static int one_done(void *ctx, size_t i, const hk_job_result *r)
{
    (void)i;
    one *o = ctx;
    *o->r = *r;
    o->r->out = strdup(r->out ? r->out : "");
    o->r->err = strdup(r->err ? r->err : "");
    return 0;
}

int hk_job_run(char *const *argv, hk_job_result *r, char *err,
               size_t errlen)
{
    one o = {argv, r};
    memset(r, 0, sizeof *r);
    if (hk_jobs_run(1, 1, one_argv, one_done, &o, err, errlen) < 0)
        return -1;
    if (!r->out || !r->err) {
        hk_job_result_free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void hk_job_result_free(hk_job_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static int plain_word(const char *a)
{
    if (!*a)
        return 0;
    for (; *a; a++)
        if (!(('a' <= *a && *a <= 'z') || ('A' <= *a && *a <= 'Z') ||
              ('0' <= *a && *a <= '9') || strchr("_./=:,+-@%", *a)))
            return 0;
    return 1;
}

char *hk_job_command_line(char *const *argv)
{
    size_t len = 1;
    for (char *const *a = argv; *a; a++)
        len += 4 * strlen(*a) + 3;
    char *line = malloc(len), *w = line;
    if (!line)
        return NULL;
    for (char *const *a = argv; *a; a++) {
        if (a != argv)
            *w++ = ' ';
        if (plain_word(*a)) {
            w = stpcpy(w, *a);
            continue;
        }
        *w++ = '\'';
        for (const char *c = *a; *c; c++)
            if (*c == '\'')
                w = stpcpy(w, "'\\''");
            else
                *w++ = *c;
        *w++ = '\'';
    }
    *w = '\0';
    return line;
}
