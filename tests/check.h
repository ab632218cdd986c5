/*
 * check.h - the C tests' assertions: CHECK records a failure with file,
 * line, the condition and a message, and carries on, so one run reports
 * every broken expectation; CHECK_EQ prints both values.  check_cases
 * runs a test's named cases and says which failed.
 */
#ifndef HK_CHECK_H
#define HK_CHECK_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            check_failures++;                                                \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,          \
                    __LINE__, #cond);                                        \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    CHECK((uint64_t)(a) == (uint64_t)(b), "%s = %" PRIu64 ", %s = %" PRIu64, \
          #a, (uint64_t)(a), #b, (uint64_t)(b))

/* Field f of the structs *got and want is equal, else a failure naming
 * the field, both values and the caller's line. */
#define CHECK_FIELD(got, want, f, line)                                      \
    CHECK((got)->f == (want).f, "line %d: %s = %llu, expected %llu", line,   \
          #f, (unsigned long long)(got)->f, (unsigned long long)(want).f)

/* A test's named cases. */
typedef struct check_case {
    const char *name;
    void (*fn)(void);
} check_case;

/* Run every case in order, printing "ok NAME" or "FAIL NAME" (its failed
 * checks go to stderr); 1 when any failed, else 0. */
static inline int check_cases(const check_case *cases, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        int before = check_failures;
        cases[i].fn();
        printf("%s %s\n", check_failures == before ? "ok" : "FAIL",
               cases[i].name);
        failed += check_failures != before;
    }
    return failed != 0;
}

#endif
