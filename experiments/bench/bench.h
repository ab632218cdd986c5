/*
 * bench.h - what the benchmark programs share: argument checking (strict
 * unsigned parsing, the usage error), a seeded PRNG, the monotonic clock,
 * peak RSS, and the block protocol both programs use to catch an allocator
 * that hands out memory it does not own (stamp a byte at each end of a
 * block, check the first one before freeing it).
 *
 * Header-only on purpose: each benchmark is one translation unit, built
 * from its .c file alone.
 */
#ifndef HAKMEM_BENCH_H
#define HAKMEM_BENCH_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* splitmix64 (Steele, Lea, Flood): a full-period 64-bit generator with
 * good output from any seed, including 0 and consecutive seeds. */
struct rng {
    uint64_t state;
};

static inline uint64_t rng_next(struct rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform value in [0, bound), bound > 0: Lemire's multiply-shift,
 * biased by less than bound / 2^64. */
static inline uint64_t rng_below(struct rng *rng, uint64_t bound)
{
    __extension__ typedef unsigned __int128 u128;

    return (uint64_t)(((u128)rng_next(rng) * bound) >> 64);
}

/* The stream for lane `lane` of a run seeded with `seed`: independent
 * lanes, the same lane always gets the same stream. */
static inline struct rng rng_for_lane(uint64_t seed, uint64_t lane)
{
    struct rng mixer = { seed ^ (lane * 0xd1b54a32d192ed03ULL) };

    return (struct rng){ rng_next(&mixer) };
}

/* Parses a decimal unsigned integer that must fill the whole argument:
 * no sign, no blanks, no trailing characters, no overflow. */
static inline bool parse_u64(const char *text, uint64_t *out)
{
    char *end;

    if (*text < '0' || *text > '9')
        return false;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = value;
    return true;
}

/* Prints "PROG: MESSAGE" and the program's usage text on stderr, exits 2. */
static inline _Noreturn __attribute__((format(printf, 3, 4)))
void usage_error(const char *prog, const char *usage, const char *format, ...)
{
    va_list args;

    fprintf(stderr, "%s: ", prog);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\n%s", usage);
    exit(2);
}

static inline double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Peak resident set size of the whole process, in KiB (Linux units). */
static inline long maxrss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Allocates `size` bytes and stamps both ends with `mark`. */
static inline void *block_new(const char *prog, size_t size, unsigned char mark)
{
    unsigned char *block = malloc(size);

    if (block == NULL) {
        fprintf(stderr, "%s: malloc(%zu) returned NULL\n", prog, size);
        exit(1);
    }
    block[0] = mark;
    block[size - 1] = mark;
    return block;
}

/* Checks the first byte of a block stamped by block_new, then frees it. */
static inline void block_free(const char *prog, void *ptr, unsigned char mark)
{
    unsigned char found = *(const unsigned char *)ptr;

    if (found != mark) {
        fprintf(stderr, "%s: block %p corrupted: first byte %#x, wrote %#x\n",
            prog, ptr, found, mark);
        abort();
    }
    free(ptr);
}

#endif
