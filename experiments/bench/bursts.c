/*
 * bursts.c - bursts of same-size blocks, allocated together and freed
 * together, half in allocation order and half in reverse.
 *
 * usage: bursts [-s SIZE] [-n ROUNDS] [-a MIN_BURST] [-b MAX_BURST]
 *               [-r SEED] [-X]
 *
 * A round allocates a burst of blocks of SIZE bytes, filling each with the
 * pattern of bench.h, then checks and frees them: the first half FIFO
 * (oldest first), the second half LIFO (newest first, ending in the
 * middle).  The burst length sweeps from MIN_BURST to MAX_BURST, growing
 * by a quarter (at least 1) per round, then starts again, so that an
 * allocator sees its free lists emptied and refilled at every scale.
 * One thread; the clock runs over all ROUNDS rounds.  The seed picks the
 * pattern tags only.
 *
 * The run fails (status 1) on a damaged block; -X damages the first block
 * allocated, to show that the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=bursts size=S rounds=R min=A max=B seed=X checked=C
 *          ops_per_s=N seconds=T maxrss_kb=K
 * (checked: blocks checked and freed; ops: each malloc and each free.)
 * Bad arguments: exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"

static const char prog[] = "bursts";
static const char usage[] =
    "usage: bursts [-s SIZE] [-n ROUNDS] [-a MIN_BURST] [-b MAX_BURST]\n"
    "              [-r SEED] [-X]\n"
    "  -s SIZE       block size in bytes, >= 8 (default 64)\n"
    "  -n ROUNDS     bursts to run (default 20000)\n"
    "  -a MIN_BURST  shortest burst, blocks (default 4)\n"
    "  -b MAX_BURST  longest burst, blocks (default 1600)\n"
    "  -r SEED       PRNG seed (default 1234567)\n"
    "  -X            damage one block, to test the check\n";

struct config {
    uint64_t size;
    uint64_t rounds;
    uint64_t min_burst;
    uint64_t max_burst;
    uint64_t seed;
    bool damage;
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .size = 64, .rounds = 20000, .min_burst = 4, .max_burst = 1600,
        .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":hs:n:a:b:r:X")) != -1) {
        switch (c) {
        case 's': cfg.size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
        case 'n': cfg.rounds = option_u64(prog, usage, c, optarg, 1, UINT64_MAX); break;
        case 'a': cfg.min_burst = option_u64(prog, usage, c, optarg, 1, UINT32_MAX); break;
        case 'b': cfg.max_burst = option_u64(prog, usage, c, optarg, 1, UINT32_MAX); break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'X': cfg.damage = true; break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    if (cfg.min_burst > cfg.max_burst)
        usage_error(prog, usage, "-a %" PRIu64 " exceeds -b %" PRIu64,
                cfg.min_burst, cfg.max_burst);
    return cfg;
}

/* The burst length after `n`: a quarter more, capped at the maximum, and
 * back to the minimum after it. */
static uint64_t next_burst(const struct config *cfg, uint64_t n)
{
    if (n == cfg->max_burst)
        return cfg->min_burst;
    n += n / 4 + 1;
    return n < cfg->max_burst ? n : cfg->max_burst;
}

static void release(size_t size, void *block, uint64_t tag)
{
    pattern_check(prog, block, size, tag);
    free(block);
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    void **blocks = calloc(cfg.max_burst, sizeof(*blocks));
    uint64_t *tags = calloc(cfg.max_burst, sizeof(*tags));

    if (blocks == NULL || tags == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " slots\n",
            prog, cfg.max_burst);
        return 1;
    }
    struct rng rng = rng_for_lane(cfg.seed, 0);
    size_t size = cfg.size;
    uint64_t burst = cfg.min_burst, checked = 0;

    double start = now_seconds();
    for (uint64_t round = 0; round < cfg.rounds; round++) {
        for (uint64_t i = 0; i < burst; i++) {
            tags[i] = rng_next(&rng);
            blocks[i] = must_malloc(prog, size);
            pattern_fill(blocks[i], size, tags[i]);
        }
        if (cfg.damage && round == 0)
            pattern_damage(blocks[0]);
        uint64_t half = burst / 2;
        for (uint64_t i = 0; i < half; i++)
            release(size, blocks[i], tags[i]);
        for (uint64_t i = burst; i-- > half;)
            release(size, blocks[i], tags[i]);
        checked += burst;
        burst = next_burst(&cfg, burst);
    }
    double seconds = now_seconds() - start;

    free(tags);
    free(blocks);
    printf("RESULT bench=bursts size=%" PRIu64 " rounds=%" PRIu64
           " min=%" PRIu64 " max=%" PRIu64 " seed=%" PRIu64
           " checked=%" PRIu64 " ops_per_s=%.0f seconds=%.6f maxrss_kb=%ld\n",
           cfg.size, cfg.rounds, cfg.min_burst, cfg.max_burst, cfg.seed,
           checked, 2.0 * (double)checked / seconds, seconds, maxrss_kb());
    return 0;
}
