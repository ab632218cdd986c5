/*
 * bench.h - what the benchmark programs share: argument checking (strict
 * unsigned parsing, ranged options, the usage error), a seeded PRNG, the
 * monotonic and CPU clocks, peak RSS, and two ways to catch an allocator
 * that hands out memory it does not own: random_mixed and larson stamp a
 * byte at each end of a block and check the first one before freeing it;
 * the other programs write a pattern (below) and check all of it.
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
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

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

/* The value of option -OPTION, which must be an integer in [min, max]. */
static inline uint64_t option_u64(const char *prog, const char *usage,
                  int option, const char *value,
                  uint64_t min, uint64_t max)
{
    uint64_t parsed;

    if (!parse_u64(value, &parsed))
        usage_error(prog, usage, "-%c '%s' is not an unsigned 64-bit integer",
                option, value);
    if (parsed < min && max == UINT64_MAX)
        usage_error(prog, usage, "-%c must be at least %" PRIu64, option, min);
    if (parsed < min || parsed > max)
        usage_error(prog, usage, "-%c %" PRIu64 " is outside [%" PRIu64
                ", %" PRIu64 "]", option, parsed, min, max);
    return parsed;
}

/* The getopt results every program answers alike: -h prints the usage,
 * and a missing value or an unknown option is a usage error.  Programs
 * call getopt with a leading ':' in their option string. */
static inline _Noreturn void option_other(const char *prog,
                                          const char *usage, int c)
{
    if (c == 'h') {
        fputs(usage, stdout);
        exit(0);
    }
    if (c == ':')
        usage_error(prog, usage, "-%c needs a value", optopt);
    usage_error(prog, usage, "unknown option '-%c'", optopt);
}

/* For the programs that take options only: an operand is a usage error. */
static inline void no_operands(const char *prog, const char *usage, int argc,
                               char **argv)
{
    if (optind < argc)
        usage_error(prog, usage, "unexpected argument '%s'", argv[optind]);
}

/* Block sizes drawn from [-m, -M]: an empty range is a usage error. */
static inline void size_range(const char *prog, const char *usage,
                              uint64_t min_size, uint64_t max_size)
{
    if (min_size > max_size)
        usage_error(prog, usage, "-m %" PRIu64 " exceeds -M %" PRIu64,
                    min_size, max_size);
}

/* Exits with status 1 when a pthread call (or anything else returning an
 * errno value) failed. */
static inline void die_on_error(const char *prog, int err, const char *what)
{
    if (err != 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
        exit(1);
    }
}

static inline double clock_seconds(clockid_t clock)
{
    struct timespec ts;

    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double now_seconds(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

/* CPU time used so far by all threads of the process. */
static inline double cpu_seconds(void)
{
    return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

/* Peak resident set size of the whole process, in KiB (Linux units). */
static inline long maxrss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* malloc that ends the process when it gets NULL. */
static inline void *must_malloc(const char *prog, size_t size)
{
    void *block = malloc(size);

    if (block == NULL) {
        fprintf(stderr, "%s: malloc(%zu) returned NULL\n", prog, size);
        exit(1);
    }
    return block;
}

/* Allocates `size` bytes and stamps both ends with `mark`. */
static inline void *block_new(const char *prog, size_t size, unsigned char mark)
{
    unsigned char *block = must_malloc(prog, size);

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

/*
 * The pattern: 64-bit words derived from a per-block tag and their offset,
 * over the block's first PATTERN_HEAD bytes, at every PATTERN_STRIDE bytes
 * after that and in its last 8 bytes.  Small blocks are written whole;
 * big ones get one word per page, so that every page is touched as a
 * program using them would, without the benchmark turning into memset.
 * The words never overlap (each ends at or before size - 8, the last one
 * excepted), so a check reads back exactly what was written.  The offset
 * in each word catches memory that moved; the tag, memory shared with
 * another block.  Blocks must be at least 8 bytes.
 */
#define PATTERN_HEAD   64
#define PATTERN_STRIDE 4096

static inline uint64_t pattern_word(uint64_t tag, size_t offset)
{
    return tag ^ ((uint64_t)offset * 0x9e3779b97f4a7c15ULL);
}

static inline void pattern_put(unsigned char *block, size_t offset, uint64_t tag)
{
    uint64_t word = pattern_word(tag, offset);

    memcpy(block + offset, &word, sizeof(word));
}

static inline void pattern_fill(void *block, size_t size, uint64_t tag)
{
    unsigned char *bytes = block;
    size_t last = size - 8;
    size_t offset;

    for (offset = 0; offset + 8 <= last && offset < PATTERN_HEAD; offset += 8)
        pattern_put(bytes, offset, tag);
    for (offset = PATTERN_STRIDE; offset + 8 <= last; offset += PATTERN_STRIDE)
        pattern_put(bytes, offset, tag);
    pattern_put(bytes, last, tag);
}

/* Reports a word that differs from the pattern and ends the process at
 * once: other threads may still be allocating, so no exit handlers run. */
static _Noreturn __attribute__((noinline, cold, unused))
void pattern_corrupt(const char *prog, const void *block, size_t size,
             size_t offset, uint64_t found, uint64_t wrote)
{
    fprintf(stderr, "%s: block %p of %zu bytes corrupted at offset %zu: "
        "read %#" PRIx64 ", wrote %#" PRIx64 "\n",
        prog, block, size, offset, found, wrote);
    _exit(1);
}

static inline void pattern_expect(const char *prog, const unsigned char *block,
                  size_t size, size_t offset, uint64_t tag)
{
    uint64_t found, wrote = pattern_word(tag, offset);

    memcpy(&found, block + offset, sizeof(found));
    if (found != wrote)
        pattern_corrupt(prog, block, size, offset, found, wrote);
}

static inline void pattern_check(const char *prog, const void *block,
                 size_t size, uint64_t tag)
{
    const unsigned char *bytes = block;
    size_t last = size - 8;
    size_t offset;

    for (offset = 0; offset + 8 <= last && offset < PATTERN_HEAD; offset += 8)
        pattern_expect(prog, bytes, size, offset, tag);
    for (offset = PATTERN_STRIDE; offset + 8 <= last; offset += PATTERN_STRIDE)
        pattern_expect(prog, bytes, size, offset, tag);
    pattern_expect(prog, bytes, size, last, tag);
}

/* What -X does in the pattern-checking programs: spoils one byte of a
 * filled block, so that a run shows its check catching it. */
static inline void pattern_damage(void *block)
{
    *(unsigned char *)block ^= 0x5a;
}

#endif
