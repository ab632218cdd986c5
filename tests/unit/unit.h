/*
 * unit.h - the core's unit tests: named tests run in turn, each on an
 * allocator of its own, made fresh and destroyed after; assertions are
 * check.h's.
 */
#ifndef HK_UNIT_H
#define HK_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "core/alloc.h"
#include "core/params.h"

typedef struct unit_test {
    const char *name;
    void (*fn)(void);
} unit_test;

/* The span a large block lies in, named by its first page: the block
 * starts in it, past its header and its color (core/large.c). */
static inline uintptr_t unit_span_of(const void *p)
{
    return (uintptr_t)p & ~(uintptr_t)(HK_OS_PAGE - 1);
}

/* A fresh allocator with defaults, then "name=value" overrides. */
static inline hk_allocator *unit_alloc(const char *const *settings)
{
    static hk_allocator a;
    hk_params p;
    char err[160];
    hk_params_default(&p);
    for (; settings && *settings; settings++) {
        char name[64];
        const char *eq = strchr(*settings, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - *settings), *settings);
        if (hk_params_set(&p, name, eq + 1, err, sizeof err) != 0) {
            fprintf(stderr, "bad test setting: %s\n", err);
            exit(2);
        }
    }
    memset(&a, 0, sizeof a); /* the last test's allocator */
    if (hk_alloc_init(&a, &p) != 0) {
        fprintf(stderr, "hk_alloc_init failed\n");
        exit(2);
    }
    return &a;
}

typedef void (*unit_misuse)(hk_allocator *a, hk_heap *h);

/* Run `bad` on a fresh allocator and heap in a child process; returns the
 * child's wait status, with what it wrote to stderr in err. */
static inline int unit_in_child(const char *const *settings, unit_misuse bad,
                                char *err, size_t len)
{
    int fd[2];
    if (pipe(fd) != 0)
        abort();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        hk_allocator *a = unit_alloc(settings);
        bad(a, hk_heap_create(a));
        _exit(0);
    }
    close(fd[1]);
    ssize_t n;
    size_t got = 0;
    while (got + 1 < len && (n = read(fd[0], err + got, len - 1 - got)) > 0)
        got += (size_t)n;
    err[got] = '\0';
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

static inline int unit_run(const unit_test *tests, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        int before = check_failures;
        tests[i].fn();
        int bad = check_failures != before;
        failed += bad;
        printf("%s %s\n", bad ? "FAIL" : "ok  ", tests[i].name);
    }
    printf("%zu tests, %d failed\n", n, failed);
    return failed ? 1 : 0;
}

#define UNIT_MAIN(...)                                                       \
    int main(void)                                                           \
    {                                                                        \
        static const unit_test tests[] = {__VA_ARGS__};                      \
        return unit_run(tests, sizeof tests / sizeof tests[0]);              \
    }
#define TEST(f) {#f, f}

#endif
