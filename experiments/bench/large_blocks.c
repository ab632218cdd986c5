/*
 * large_blocks.c - churn of large, zero-initialised blocks.
 *
 * usage: large_blocks ALLOCS SEED [memset|calloc]
 *
 * Up to 20 blocks of 5 to 25 MiB (uniform, any byte count) are live at
 * once.  The first 20 allocations fill the slots; every later one frees
 * the block of a random slot and puts a new block there.  A block is
 * zero-initialised the way C++'s `new char[n]()` does it, malloc then
 * memset (the default), or with calloc.  Each new block is checked to
 * read zero at one byte per 4 KiB page (a reused page that kept old data
 * is caught) and is then stamped at both ends; the stamp is checked
 * before the block is freed.  Only the allocation loop is timed; the
 * blocks live at its end are freed untimed.
 *
 * Prints exactly one line on success:
 *   RESULT bench=large_blocks allocs=A seed=S zero=Z ops_per_s=N seconds=T
 *          maxrss_kb=K minflt=F
 * (one line), where ops are allocations and minflt is the process's
 * minor page faults over the timed loop.  Bad arguments: a message naming
 * the argument, exit status 2.
 */
#define _POSIX_C_SOURCE 200809L /* for clock_gettime; before any header */
#include "bench.h"

#include <string.h>

#define SLOTS 20
#define MIN_SIZE ((uint64_t)5 << 20)
#define MAX_SIZE ((uint64_t)25 << 20)
#define PAGE 4096

static const char prog[] = "large_blocks";
static const char usage[] =
    "usage: large_blocks ALLOCS SEED [memset|calloc]\n"
    "  ALLOCS  allocations to make (> 0)\n"
    "  SEED    PRNG seed (any unsigned 64-bit value)\n"
    "  memset  zero each block with malloc and memset, as new char[n]() "
    "(default)\n"
    "  calloc  zero each block with calloc\n";

/* memset through a pointer the compiler cannot see through: malloc then
 * memset is what new char[n]() compiles to, and GCC would otherwise fold
 * the pair into one calloc. */
static void *(*volatile zero_fill)(void *, int, size_t) = memset;

struct slot {
    unsigned char *block;
    size_t size;
    unsigned char mark;
};

static long minor_faults(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

static unsigned char *zeroed_block(size_t size, bool use_calloc)
{
    unsigned char *block = use_calloc ? calloc(1, size) : malloc(size);

    if (block == NULL) {
        fprintf(stderr, "%s: %s(%zu) returned NULL\n", prog,
                use_calloc ? "calloc" : "malloc", size);
        exit(1);
    }
    if (!use_calloc)
        zero_fill(block, 0, size);
    for (size_t i = 0; i < size; i += PAGE)
        if (block[i] != 0) {
            fprintf(stderr, "%s: new block %p of %zu bytes reads %#x at %zu\n",
                    prog, (void *)block, size, block[i], i);
            abort();
        }
    return block;
}

static void fill_slot(struct slot *s, struct rng *rng, bool use_calloc)
{
    s->size = MIN_SIZE + rng_below(rng, MAX_SIZE - MIN_SIZE + 1);
    s->mark = (unsigned char)(rng_next(rng) | 1);
    s->block = zeroed_block(s->size, use_calloc);
    s->block[0] = s->mark;
    s->block[s->size - 1] = s->mark;
}

static void empty_slot(struct slot *s)
{
    if (s->block[0] != s->mark || s->block[s->size - 1] != s->mark) {
        fprintf(stderr, "%s: block %p corrupted: ends %#x %#x, wrote %#x\n",
                prog, (void *)s->block, s->block[0], s->block[s->size - 1],
                s->mark);
        abort();
    }
    free(s->block);
    s->block = NULL;
}

int main(int argc, char **argv)
{
    uint64_t allocs, seed;
    bool use_calloc = false;

    if (argc < 2)
        usage_error(prog, usage, "ALLOCS is missing");
    if (!parse_u64(argv[1], &allocs) || allocs == 0)
        usage_error(prog, usage, "ALLOCS '%s' is not a positive integer",
                    argv[1]);
    if (argc < 3)
        usage_error(prog, usage, "SEED is missing");
    if (!parse_u64(argv[2], &seed))
        usage_error(prog, usage, "SEED '%s' is not an unsigned 64-bit integer",
                    argv[2]);
    if (argc > 3) {
        if (strcmp(argv[3], "calloc") == 0)
            use_calloc = true;
        else if (strcmp(argv[3], "memset") != 0)
            usage_error(prog, usage, "'%s' is neither memset nor calloc",
                        argv[3]);
    }
    if (argc > 4)
        usage_error(prog, usage, "unexpected argument '%s'", argv[4]);

    struct slot slots[SLOTS] = {{0}};
    struct rng rng = rng_for_lane(seed, 0);

    long faults = minor_faults();
    double start = now_seconds();
    for (uint64_t i = 0; i < allocs; i++) {
        struct slot *s = &slots[i < SLOTS ? i : rng_below(&rng, SLOTS)];

        if (s->block != NULL)
            empty_slot(s);
        fill_slot(s, &rng, use_calloc);
    }
    double seconds = now_seconds() - start;
    faults = minor_faults() - faults;

    for (int i = 0; i < SLOTS; i++)
        if (slots[i].block != NULL)
            empty_slot(&slots[i]);

    printf("RESULT bench=large_blocks allocs=%" PRIu64 " seed=%" PRIu64
           " zero=%s ops_per_s=%.1f seconds=%.6f maxrss_kb=%ld minflt=%ld\n",
           allocs, seed, use_calloc ? "calloc" : "memset",
           (double)allocs / seconds, seconds, maxrss_kb(), faults);
    return 0;
}
