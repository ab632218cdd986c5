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

#include "tests/check.h"
#include "core/alloc.h"
#include "core/params.h"

typedef struct unit_test {
    const char *name;
    void (*fn)(void);
} unit_test;

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
    if (hk_alloc_init(&a, &p) != 0) {
        fprintf(stderr, "hk_alloc_init failed\n");
        exit(2);
    }
    return &a;
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
