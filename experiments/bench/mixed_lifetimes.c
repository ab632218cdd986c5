/*
 * mixed_lifetimes.c - one thread, sizes from 16 bytes to 64 KiB skewed to
 * the small end, long-lived blocks interleaved with short-lived ones.
 *
 * usage: mixed_lifetimes [-n STEPS] [-l LONG] [-s SHORT] [-p PERMILLE]
 *                        [-r SEED] [-X]
 *
 * Two sets of slots: LONG long-lived ones and SHORT short-lived ones, all
 * filled first.  A step replaces the block of one random slot (check it,
 * free it, allocate a new one and fill it with the pattern of bench.h): a
 * long-lived slot with probability PERMILLE/1000, else a short-lived one.
 * A long-lived block thus lives about LONG * 1000 / PERMILLE steps, a
 * short-lived one about SHORT steps, and the long-lived ones end up
 * scattered among the pages the short-lived ones churn through, which is
 * what fragments a heap.
 *
 * Sizes: an octave k in 0..11 is drawn as k = uniform(0, j) with j
 * uniform in 0..11, which makes small octaves likely (k = 0 about one
 * draw in four, k = 11 one in 144), then a size uniform in
 * [16 << k, 32 << k); the top octave ends at 64 KiB.
 *
 * The clock runs over everything: the first fill, the steps and the final
 * frees.  The run fails (status 1) on a damaged block; -X damages the
 * first block allocated, to show that the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=mixed_lifetimes steps=N long=L short=S permille=P seed=X
 *          checked=C ops_per_s=N seconds=T maxrss_kb=K
 * (checked: blocks checked and freed; ops: each malloc and each free.)
 * Bad arguments: exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"

#define OCTAVES  12
#define MIN_SIZE 16	/* MIN_SIZE << OCTAVES is 64 KiB */

static const char prog[] = "mixed_lifetimes";
static const char usage[] =
    "usage: mixed_lifetimes [-n STEPS] [-l LONG] [-s SHORT] [-p PERMILLE]\n"
    "                       [-r SEED] [-X]\n"
    "  -n STEPS     block replacements (default 4000000)\n"
    "  -l LONG      long-lived slots (default 4000)\n"
    "  -s SHORT     short-lived slots (default 64)\n"
    "  -p PERMILLE  share of steps that replace a long-lived block (default 20)\n"
    "  -r SEED      PRNG seed (default 1234567)\n"
    "  -X           damage one block, to test the check\n";

struct config {
    uint64_t steps;
    uint64_t long_slots;
    uint64_t short_slots;
    uint64_t permille;
    uint64_t seed;
    bool damage;
};

struct slot {
    void *block;
    size_t size;
    uint64_t tag;
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .steps = 4000000, .long_slots = 4000, .short_slots = 64,
        .permille = 20, .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":hn:l:s:p:r:X")) != -1) {
        switch (c) {
        case 'n': cfg.steps = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'l': cfg.long_slots = option_u64(prog, usage, c, optarg, 1, UINT32_MAX); break;
        case 's': cfg.short_slots = option_u64(prog, usage, c, optarg, 1, UINT32_MAX); break;
        case 'p': cfg.permille = option_u64(prog, usage, c, optarg, 0, 1000); break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'X': cfg.damage = true; break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    return cfg;
}

static void fill(struct slot *slot, struct rng *rng)
{
    uint64_t octave = rng_below(rng, rng_below(rng, OCTAVES) + 1);
    size_t low = (size_t)MIN_SIZE << octave;

    slot->size = low + rng_below(rng, low);
    slot->tag = rng_next(rng);
    slot->block = must_malloc(prog, slot->size);
    pattern_fill(slot->block, slot->size, slot->tag);
}

static void empty(struct slot *slot)
{
    pattern_check(prog, slot->block, slot->size, slot->tag);
    free(slot->block);
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    uint64_t total = cfg.long_slots + cfg.short_slots;
    struct slot *slots = calloc(total, sizeof(*slots));

    if (slots == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " slots\n", prog, total);
        return 1;
    }
    struct slot *long_lived = slots, *short_lived = slots + cfg.long_slots;
    struct rng rng = rng_for_lane(cfg.seed, 0);

    double start = now_seconds();
    for (uint64_t i = 0; i < total; i++)
        fill(&slots[i], &rng);
    if (cfg.damage)
        pattern_damage(slots[0].block);
    for (uint64_t i = 0; i < cfg.steps; i++) {
        struct slot *slot = rng_below(&rng, 1000) < cfg.permille
            ? &long_lived[rng_below(&rng, cfg.long_slots)]
            : &short_lived[rng_below(&rng, cfg.short_slots)];

        empty(slot);
        fill(slot, &rng);
    }
    for (uint64_t i = 0; i < total; i++)
        empty(&slots[i]);
    double seconds = now_seconds() - start;

    free(slots);
    uint64_t checked = total + cfg.steps;
    printf("RESULT bench=mixed_lifetimes steps=%" PRIu64 " long=%" PRIu64
           " short=%" PRIu64 " permille=%" PRIu64 " seed=%" PRIu64
           " checked=%" PRIu64 " ops_per_s=%.0f seconds=%.6f maxrss_kb=%ld\n",
           cfg.steps, cfg.long_slots, cfg.short_slots, cfg.permille, cfg.seed,
           checked, 2.0 * (double)checked / seconds, seconds, maxrss_kb());
    return 0;
}
