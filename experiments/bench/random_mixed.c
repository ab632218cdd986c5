/*
 * random_mixed.c - single-thread malloc/free churn over a working set.
 *
 * usage: random_mixed CYCLES WS SEED [MIN MAX]
 *
 * WS slots start empty.  Each cycle picks a slot at random: an occupied
 * slot is checked and freed, an empty one receives a new block of a size
 * drawn uniformly from [MIN, MAX] (default [16, 1024]).  One cycle is one
 * operation (one malloc or one free), as in the baseline report's
 * bench_random_mixed.  Only the cycle loop is timed; blocks still live
 * after it are freed untimed.
 *
 * Prints exactly one line on success:
 *   RESULT bench=random_mixed cycles=C ws=W seed=S min=A max=B ops_per_s=N
 *          seconds=T maxrss_kb=K
 * Bad arguments: a message naming the argument, exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime; before any header */
#include "bench.h"

static const char prog[] = "random_mixed";
static const char usage[] =
    "usage: random_mixed CYCLES WS SEED [MIN MAX]\n"
    "  CYCLES  cycles to run (> 0), each one malloc or one free\n"
    "  WS      working-set slots (> 0)\n"
    "  SEED    PRNG seed (any unsigned 64-bit value)\n"
    "  MIN MAX block sizes in bytes (default 16 1024; 0 < MIN <= MAX)\n";

static uint64_t parse_arg(int argc, char **argv, int index, const char *name,
              bool may_be_zero)
{
    uint64_t value;

    if (index >= argc)
        usage_error(prog, usage, "%s is missing", name);
    if (!parse_u64(argv[index], &value))
        usage_error(prog, usage, "%s '%s' is not an unsigned 64-bit integer",
                name, argv[index]);
    if (value == 0 && !may_be_zero)
        usage_error(prog, usage, "%s must be positive", name);
    return value;
}

/* The working set: per slot, a block pointer (NULL when empty) and the
 * byte that was stamped on the block. */
struct working_set {
    void **blocks;
    unsigned char *marks;
    size_t count;
    uint64_t min_size, max_size;
};

static void run_cycles(struct working_set *ws, uint64_t cycles, struct rng *rng)
{
    for (uint64_t i = 0; i < cycles; i++) {
        size_t slot = rng_below(rng, ws->count);

        if (ws->blocks[slot] != NULL) {
            block_free(prog, ws->blocks[slot], ws->marks[slot]);
            ws->blocks[slot] = NULL;
        } else {
            size_t size = ws->min_size +
                          rng_below(rng, ws->max_size - ws->min_size + 1);
            unsigned char mark = (unsigned char)rng_next(rng);

            ws->blocks[slot] = block_new(prog, size, mark);
            ws->marks[slot] = mark;
        }
    }
}

static void free_remaining(struct working_set *ws)
{
    for (size_t slot = 0; slot < ws->count; slot++)
        if (ws->blocks[slot] != NULL)
            block_free(prog, ws->blocks[slot], ws->marks[slot]);
}

int main(int argc, char **argv)
{
    uint64_t cycles = parse_arg(argc, argv, 1, "CYCLES", false);
    uint64_t count = parse_arg(argc, argv, 2, "WS", false);
    uint64_t seed = parse_arg(argc, argv, 3, "SEED", true);
    uint64_t min_size = 16, max_size = 1024;

    if (argc == 5)
        usage_error(prog, usage, "MAX is missing");
    if (argc > 4) {
        min_size = parse_arg(argc, argv, 4, "MIN", false);
        max_size = parse_arg(argc, argv, 5, "MAX", false);
        if (min_size > max_size)
            usage_error(prog, usage, "MIN %" PRIu64 " exceeds MAX %" PRIu64,
                        min_size, max_size);
    }
    if (argc > 6)
        usage_error(prog, usage, "unexpected argument '%s'", argv[6]);

    struct working_set ws = {
        .blocks = calloc(count, sizeof(void *)),
        .marks = calloc(count, 1),
        .count = count,
        .min_size = min_size,
        .max_size = max_size,
    };
    if (ws.blocks == NULL || ws.marks == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " slots\n", prog, count);
        return 1;
    }
    struct rng rng = rng_for_lane(seed, 0);

    double start = now_seconds();
    run_cycles(&ws, cycles, &rng);
    double seconds = now_seconds() - start;

    free_remaining(&ws);
    free(ws.marks);
    free(ws.blocks);

    printf("RESULT bench=random_mixed cycles=%" PRIu64 " ws=%" PRIu64
           " seed=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64
           " ops_per_s=%.0f seconds=%.6f maxrss_kb=%ld\n",
           cycles, count, seed, min_size, max_size,
           (double)cycles / seconds, seconds, maxrss_kb());
    return 0;
}
