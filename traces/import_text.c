/*
 * import_text.c - reading another tool's log line by line, through a
 * decompressor when it is compressed.
 *
 * Invariants: `child` is the decompressor's pid while it may still run
 * or has not been waited for, else 0; `lineno` counts the lines handed
 * out (plus one once the end is read), so an error names the line read
 * last, or at the end the line that is missing.
 */
#define _GNU_SOURCE /* pipe2 */
#include "import_text.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct hk_text {
    FILE *f;
    pid_t child;      /* the decompressor, or 0 */
    const char *tool; /* its name */
    char *buf;        /* getline's buffer */
    size_t cap;
    uint64_t lineno;
    int ended;        /* the end was read */
    char name[];
};

/* The decompressor for a file starting with `magic`, or NULL. */
static const char *decompressor(const unsigned char *magic, ssize_t n)
{
    static const unsigned char zstd[4] = {0x28, 0xb5, 0x2f, 0xfd};
    static const unsigned char gzip[2] = {0x1f, 0x8b};

    if (n >= 4 && memcmp(magic, zstd, 4) == 0)
        return "zstd";
    if (n >= 2 && memcmp(magic, gzip, 2) == 0)
        return "gzip";
    return NULL;
}

/* Starts `tool -dc` reading fd; returns the read end of its output, or
 * -1 with errno set. */
static int spawn_decompressor(hk_text *t, int fd)
{
    char *argv[] = {(char *)t->tool, (char *)"-dc", NULL};
    posix_spawn_file_actions_t fa;
    int p[2], rc;

    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        rc = posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
        if (rc == 0)
            rc = posix_spawnp(&t->child, t->tool, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(p[1]);
    if (rc != 0) {
        t->child = 0;
        close(p[0]);
        errno = rc;
        return -1;
    }
    return p[0];
}

hk_text *hk_text_open(const char *path, char *err, size_t errlen)
{
    size_t nlen = strlen(path) + 1;
    hk_text *t = calloc(1, sizeof *t + nlen);
    unsigned char magic[4];
    int fd = -1;

    if (!t) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    memcpy(t->name, path, nlen);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        goto fail;
    /* A pipe cannot be peeked at: it is taken as plain text. */
    ssize_t n = pread(fd, magic, sizeof magic, 0);
    if (n < 0 && errno != ESPIPE)
        goto fail;
    t->tool = decompressor(magic, n);
    if (t->tool) {
        int out = spawn_decompressor(t, fd);
        if (out < 0) {
            snprintf(err, errlen, "%s: %s-compressed, and %s cannot be run: "
                     "%s", path, t->tool, t->tool, strerror(errno));
            close(fd);
            free(t);
            return NULL;
        }
        close(fd);
        fd = out;
    }
    t->f = fdopen(fd, "r");
    if (!t->f)
        goto fail;
    return t;
fail:
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    hk_text_close(t);
    return NULL;
}

/* Waits for the decompressor; -1 with err filled if it failed. */
static int reap(hk_text *t, char *err, size_t errlen)
{
    int status;
    pid_t pid = t->child;

    t->child = 0;
    if (pid == 0)
        return 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "%s: waiting for %s: %s", t->name, t->tool,
                     strerror(errno));
            return -1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(err, errlen, "%s: %s -dc failed with exit status %d",
                 t->name, t->tool, WEXITSTATUS(status));
    else
        snprintf(err, errlen, "%s: %s -dc was killed by signal %d", t->name,
                 t->tool, WTERMSIG(status));
    return -1;
}

int hk_text_line(hk_text *t, const char **line, char *err, size_t errlen)
{
    ssize_t n = getline(&t->buf, &t->cap, t->f);

    if (n < 0) {
        if (ferror(t->f)) {
            snprintf(err, errlen, "%s: read error: %s", t->name,
                     strerror(errno));
            return -1;
        }
        if (!t->ended) {
            t->ended = 1;
            t->lineno++; /* errors at the end name the missing line */
        }
        return reap(t, err, errlen);
    }
    t->lineno++;
    if (t->buf[n - 1] != '\n') {
        /* A decompressor that failed explains a cut line best. */
        if (reap(t, err, errlen) != 0)
            return -1;
        return hk_text_fail(t, err, errlen, "no newline at the end (the "
                            "file is cut short?)");
    }
    t->buf[--n] = '\0';
    if (memchr(t->buf, '\0', (size_t)n))
        return hk_text_fail(t, err, errlen, "NUL byte in the line");
    *line = t->buf;
    return 1;
}

int hk_text_fail(const hk_text *t, char *err, size_t errlen,
                 const char *fmt, ...)
{
    va_list ap;
    int len = snprintf(err, errlen, "%s: line %llu: ", t->name,
                       (unsigned long long)t->lineno);

    if (len >= 0 && (size_t)len < errlen) {
        va_start(ap, fmt);
        vsnprintf(err + len, errlen - (size_t)len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

const char *hk_text_name(const hk_text *t)
{
    return t->name;
}

const char *hk_text_hex(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    int n = 0;

    for (;; s++, n++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else
            break;
        if (n == 16)
            return NULL;
        x = x << 4 | d;
    }
    if (n == 0)
        return NULL;
    *v = x;
    return s;
}

void hk_text_close(hk_text *t)
{
    if (!t)
        return;
    if (t->f)
        fclose(t->f);
    if (t->child) {
        kill(t->child, SIGTERM);
        while (waitpid(t->child, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    free(t->buf);
    free(t);
}
