/*
 * check.h - the C tests' assertions: CHECK records a failure with file,
 * line, the condition and a message, and carries on, so one run reports
 * every broken expectation; CHECK_EQ prints both values.
 */
#ifndef HK_CHECK_H
#define HK_CHECK_H

#include <inttypes.h>
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

#endif
