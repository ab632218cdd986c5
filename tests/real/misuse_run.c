/*
 * misuse_run.c - the driver of the misuse cases (misuse.h): each case runs
 * in a child, which executes this program again (/proc/self/exe) with the
 * case's name, so that it starts with a fresh allocator and its own
 * HAKMEM_PTR_CHECK; the parent reads the child's stderr and fate.
 */
#define _GNU_SOURCE
#include "misuse.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_SECONDS 20
#define SKIPPED 77 /* exit status of misuse_skip */

void *misuse_hide(void *p)
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

void misuse_skip(const char *why)
{
    fprintf(stderr, "%s\n", why);
    exit(SKIPPED);
}

typedef struct outcome {
    int status;      /* from waitpid */
    char err[1024];  /* the child's stderr, possibly cut short */
} outcome;

static const misuse_case *find(const misuse_case *cases, int n,
                               const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    return NULL;
}

static int run_child(const misuse_case *c, outcome *out)
{
    int fd[2];
    if (pipe(fd) != 0) {
        perror("misuse: pipe");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("misuse: fork");
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        if (c->ptr_check)
            setenv("HAKMEM_PTR_CHECK", c->ptr_check, 1);
        execl("/proc/self/exe", "misuse", "--run", c->name, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t got;
    char sink[256];
    while ((got = read(fd[0], len < sizeof out->err - 1 ? out->err + len : sink,
                       len < sizeof out->err - 1 ? sizeof out->err - 1 - len
                                                 : sizeof sink)) > 0)
        if (len < sizeof out->err - 1)
            len += (size_t)got;
    out->err[len] = '\0';
    close(fd[0]);
    if (waitpid(pid, &out->status, 0) != pid) {
        perror("misuse: waitpid");
        return -1;
    }
    return 0;
}

/* The first line of s, without a trailing ": 0x..." (the pointer). */
static void first_line(const char *s, char *buf, size_t len)
{
    size_t n = strcspn(s, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *at = strstr(buf, ": 0x");
    if (at && at[4 + strspn(at + 4, "0123456789abcdef")] == '\0')
        *at = '\0';
}

static void describe(const outcome *o, char *buf, size_t len)
{
    char line[128];
    first_line(o->err, line, sizeof line);
    if (WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGABRT)
        snprintf(buf, len, "abort: %s", line);
    else if (WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGALRM)
        snprintf(buf, len, "hung (killed after %d s)", CHILD_SECONDS);
    else if (WIFSIGNALED(o->status))
        snprintf(buf, len, "crash: %s", sigabbrev_np(WTERMSIG(o->status)));
    else if (WEXITSTATUS(o->status) == SKIPPED)
        snprintf(buf, len, "n/a: %s", line);
    else if (WEXITSTATUS(o->status) == 0 && !line[0])
        snprintf(buf, len, "exit 0");
    else if (WEXITSTATUS(o->status) == 0)
        snprintf(buf, len, "exit 0, said: %s", line);
    else
        snprintf(buf, len, "exit %d: %s", WEXITSTATUS(o->status), line);
}

/* Did the child do what c expects of hakmem? */
static int as_expected(const misuse_case *c, const outcome *o)
{
    if (strcmp(c->expect, "exit 0") == 0)
        return WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0 &&
               !o->err[0];
    const char *prefix = "abort: ";
    if (strncmp(c->expect, prefix, strlen(prefix)) != 0)
        return 0;
    char want[256];
    snprintf(want, sizeof want, "hakmem: %s: 0x", c->expect + strlen(prefix));
    return WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGABRT &&
           strstr(o->err, want) != NULL;
}

int misuse_main(const misuse_case *cases, int n, int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--run") == 0) {
        const misuse_case *c = find(cases, n, argv[2]);
        if (!c) {
            fprintf(stderr, "misuse: no case '%s'\n", argv[2]);
            return 2;
        }
        alarm(CHILD_SECONDS);
        c->run();
        return 0;
    }
    int check = argc > 1 && strcmp(argv[1], "--check") == 0;
    int first = 1 + check, chosen = argc > first ? argc - first : n;
    int good = 0, bad = 0;
    printf("%-30s %-58s %s\n", "case", "expected (hakmem)", "got");
    for (int i = 0; i < chosen; i++) {
        const misuse_case *c =
            argc > first ? find(cases, n, argv[first + i]) : &cases[i];
        if (!c) {
            fprintf(stderr, "misuse: no case '%s'\n", argv[first + i]);
            return 2;
        }
        outcome o;
        if (run_child(c, &o) != 0)
            return 2;
        char got[160], expect[96];
        describe(&o, got, sizeof got);
        snprintf(expect, sizeof expect, "%s%s%s", c->expect,
                 c->ptr_check ? ", ptr_check=" : "",
                 c->ptr_check ? c->ptr_check : "");
        int ok = as_expected(c, &o);
        good += ok;
        bad += !ok;
        printf("%-30s %-58s %s%s\n", c->name, expect, got,
               check && !ok ? "   <-- FAIL" : "");
    }
    if (check)
        printf("%d of %d cases as expected\n", good, good + bad);
    return check && bad ? 1 : 0;
}
