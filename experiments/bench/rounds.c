/*
 * rounds.c - a working set of medium blocks built and torn down in
 * rounds, with a pause between them, as a batch job or a server between
 * requests does.
 *
 * usage: rounds [-n ROUNDS] [-b BLOCKS] [-m MIN] [-M MAX] [-p PAUSE_MS]
 *               [-r SEED] [-X]
 *
 * A round allocates BLOCKS blocks of sizes drawn uniformly from
 * [MIN, MAX], writing the pattern of bench.h into every page of each, then
 * checks and frees them all, every other one first; then the program
 * sleeps PAUSE_MS milliseconds.  An allocator that returns the memory
 * during the pause faults all of it in again in the next round; one that
 * never returns it holds the peak for good.  The clock runs over the
 * rounds, not the pauses.
 *
 * The run fails (status 1) on a damaged block; -X damages the first block
 * allocated, to show that the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=rounds rounds=R blocks=B min=A max=Z pause_ms=P seed=X
 *          checked=C ops_per_s=N seconds=T maxrss_kb=K
 * (checked: blocks checked and freed; ops: each malloc and each free.)
 * Bad arguments: exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt, nanosleep */
#include "bench.h"

static const char prog[] = "rounds";
static const char usage[] =
    "usage: rounds [-n ROUNDS] [-b BLOCKS] [-m MIN] [-M MAX] [-p PAUSE_MS]\n"
    "              [-r SEED] [-X]\n"
    "  -n ROUNDS    rounds to run (default 8)\n"
    "  -b BLOCKS    blocks a round allocates (default 8000)\n"
    "  -m MIN       smallest block, bytes, >= 8 (default 8192)\n"
    "  -M MAX       largest block, bytes (default 32768)\n"
    "  -p PAUSE_MS  pause after each round, ms (default 150)\n"
    "  -r SEED      PRNG seed (default 1234567)\n"
    "  -X           damage one block, to test the check\n";

struct config {
    uint64_t rounds;
    uint64_t blocks;
    uint64_t min_size;
    uint64_t max_size;
    uint64_t pause_ms;
    uint64_t seed;
    bool damage;
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .rounds = 8, .blocks = 8000, .min_size = 8192, .max_size = 32768,
        .pause_ms = 150, .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":hn:b:m:M:p:r:X")) != -1) {
        switch (c) {
        case 'n': cfg.rounds = option_u64(prog, usage, c, optarg, 1, UINT32_MAX); break;
        case 'b': cfg.blocks = option_u64(prog, usage, c, optarg, 1, UINT32_MAX); break;
        case 'm': cfg.min_size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
        case 'M': cfg.max_size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
        case 'p': cfg.pause_ms = option_u64(prog, usage, c, optarg, 0, 3600000); break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'X': cfg.damage = true; break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    size_range(prog, usage, cfg.min_size, cfg.max_size);
    return cfg;
}

struct block {
    void *ptr;
    size_t size;
    uint64_t tag;
};

static void release(struct block *b)
{
    pattern_check(prog, b->ptr, b->size, b->tag);
    free(b->ptr);
}

static void pause_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    struct block *blocks = calloc(cfg.blocks, sizeof(*blocks));

    if (blocks == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " slots\n", prog,
                cfg.blocks);
        return 1;
    }
    struct rng rng = rng_for_lane(cfg.seed, 0);
    uint64_t span = cfg.max_size - cfg.min_size + 1, checked = 0;
    double seconds = 0;

    for (uint64_t round = 0; round < cfg.rounds; round++) {
        double start = now_seconds();
        for (uint64_t i = 0; i < cfg.blocks; i++) {
            struct block *b = &blocks[i];
            b->size = cfg.min_size + rng_below(&rng, span);
            b->tag = rng_next(&rng);
            b->ptr = must_malloc(prog, b->size);
            pattern_fill(b->ptr, b->size, b->tag);
        }
        if (cfg.damage && round == 0)
            pattern_damage(blocks[0].ptr);
        for (uint64_t i = 0; i < cfg.blocks; i += 2)
            release(&blocks[i]);
        for (uint64_t i = 1; i < cfg.blocks; i += 2)
            release(&blocks[i]);
        checked += cfg.blocks;
        seconds += now_seconds() - start;
        pause_ms(cfg.pause_ms);
    }

    free(blocks);
    printf("RESULT bench=rounds rounds=%" PRIu64 " blocks=%" PRIu64
           " min=%" PRIu64 " max=%" PRIu64 " pause_ms=%" PRIu64
           " seed=%" PRIu64 " checked=%" PRIu64
           " ops_per_s=%.0f seconds=%.6f maxrss_kb=%ld\n",
           cfg.rounds, cfg.blocks, cfg.min_size, cfg.max_size, cfg.pause_ms,
           cfg.seed, checked, 2.0 * (double)checked / seconds, seconds,
           maxrss_kb());
    return 0;
}
