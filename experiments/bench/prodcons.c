/*
 * prodcons.c - producer threads allocate and write blocks, consumer
 * threads read and free them: every free is a remote one.
 *
 * usage: prodcons [-p PAIRS] [-n BLOCKS] [-s SIZE] [-q QUEUE] [-r SEED] [-X]
 *
 * PAIRS producer/consumer pairs, each with a single-producer ring of QUEUE
 * entries (ring.h) of its own, so that pairs share nothing and the ring
 * costs next to nothing.  A producer allocates BLOCKS blocks of SIZE bytes,
 * fills each with the pattern of bench.h (a 64-byte block is written
 * whole) and pushes it; its consumer pops it, checks it (reading what the
 * producer wrote) and frees it.  A full or empty ring makes its thread
 * spin a little, then yield.
 *
 * The clock runs from the threads' common start to the last join.  The run
 * fails (status 1) on a damaged block; -X damages the first block of the
 * first producer, to show that the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=prodcons pairs=P blocks=N size=S queue=Q seed=X
 *          checked=C frees_per_s=N frees_per_cpu_s=N seconds=T
 *          cpu_seconds=T maxrss_kb=K
 * (blocks= is per producer, checked= all blocks checked and freed.)  Bad
 * arguments: exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"
#include "ring.h"

#include <pthread.h>

static const char prog[] = "prodcons";
static const char usage[] =
    "usage: prodcons [-p PAIRS] [-n BLOCKS] [-s SIZE] [-q QUEUE] [-r SEED] [-X]\n"
    "  -p PAIRS   producer/consumer pairs (default 1)\n"
    "  -n BLOCKS  blocks each producer makes (default 2000000)\n"
    "  -s SIZE    block size in bytes, >= 8 (default 64)\n"
    "  -q QUEUE   ring entries per pair, a power of two (default 1024)\n"
    "  -r SEED    PRNG seed (default 1234567)\n"
    "  -X         damage one block, to test the check\n";

struct config {
    uint64_t pairs;
    uint64_t blocks;
    uint64_t size;
    uint64_t queue;
    uint64_t seed;
    bool damage;
};

struct pair {
    const struct config *cfg;
    uint64_t index;
    struct ring *ring;
    pthread_barrier_t *start;
    uint64_t checked;	/* written by the consumer, at the end */
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .pairs = 1, .blocks = 2000000, .size = 64, .queue = 1024,
        .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":hp:n:s:q:r:X")) != -1) {
        switch (c) {
        case 'p': cfg.pairs = option_u64(prog, usage, c, optarg, 1, 512); break;
        case 'n': cfg.blocks = option_u64(prog, usage, c, optarg, 1, UINT64_MAX); break;
        case 's': cfg.size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
        case 'q': cfg.queue = option_u64(prog, usage, c, optarg, 1, 1u << 24); break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'X': cfg.damage = true; break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    if ((cfg.queue & (cfg.queue - 1)) != 0)
        usage_error(prog, usage, "-q %" PRIu64 " is not a power of two", cfg.queue);
    return cfg;
}

static void *produce(void *arg)
{
    struct pair *pair = arg;
    const struct config *cfg = pair->cfg;
    struct rng rng = rng_for_lane(cfg->seed, pair->index);

    pthread_barrier_wait(pair->start);
    for (uint64_t i = 0; i < cfg->blocks; i++) {
        struct parcel parcel = {
            .block = must_malloc(prog, cfg->size),
            .size = cfg->size,
            .tag = rng_next(&rng),
        };
        unsigned spins = 0;

        pattern_fill(parcel.block, parcel.size, parcel.tag);
        if (cfg->damage && pair->index == 0 && i == 0)
            pattern_damage(parcel.block);
        while (!ring_push(pair->ring, parcel))
            ring_backoff(&spins);
    }
    return NULL;
}

static void *consume(void *arg)
{
    struct pair *pair = arg;
    uint64_t checked = 0;
    unsigned spins = 0;

    pthread_barrier_wait(pair->start);
    while (checked < pair->cfg->blocks) {
        struct parcel parcel;

        if (!ring_pop(pair->ring, &parcel)) {
            ring_backoff(&spins);
            continue;
        }
        spins = 0;
        pattern_check(prog, parcel.block, parcel.size, parcel.tag);
        free(parcel.block);
        checked++;
    }
    pair->checked = checked;
    return NULL;
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    struct pair *pairs = calloc(cfg.pairs, sizeof(*pairs));
    pthread_t *threads = calloc(2 * cfg.pairs, sizeof(*threads));
    struct ring *rings = rings_new(cfg.pairs, cfg.queue);
    pthread_barrier_t start;

    if (pairs == NULL || threads == NULL || rings == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " pairs\n", prog, cfg.pairs);
        return 1;
    }
    die_on_error(prog, pthread_barrier_init(&start, NULL, 2 * (unsigned)cfg.pairs + 1),
             "pthread_barrier_init");
    for (uint64_t i = 0; i < cfg.pairs; i++) {
        pairs[i] = (struct pair){
            .cfg = &cfg, .index = i, .ring = &rings[i], .start = &start,
        };
        die_on_error(prog, pthread_create(&threads[2 * i], NULL, produce, &pairs[i]),
                 "pthread_create");
        die_on_error(prog, pthread_create(&threads[2 * i + 1], NULL, consume, &pairs[i]),
                 "pthread_create");
    }

    pthread_barrier_wait(&start);
    double start_wall = now_seconds(), start_cpu = cpu_seconds();
    for (uint64_t i = 0; i < 2 * cfg.pairs; i++)
        die_on_error(prog, pthread_join(threads[i], NULL), "pthread_join");
    double seconds = now_seconds() - start_wall;
    double cpu = cpu_seconds() - start_cpu;

    uint64_t checked = 0;
    for (uint64_t i = 0; i < cfg.pairs; i++)
        checked += pairs[i].checked;
    pthread_barrier_destroy(&start);
    rings_free(rings, cfg.pairs);
    free(threads);
    free(pairs);

    printf("RESULT bench=prodcons pairs=%" PRIu64 " blocks=%" PRIu64
           " size=%" PRIu64 " queue=%" PRIu64 " seed=%" PRIu64
           " checked=%" PRIu64 " frees_per_s=%.0f frees_per_cpu_s=%.0f"
           " seconds=%.6f cpu_seconds=%.6f maxrss_kb=%ld\n",
           cfg.pairs, cfg.blocks, cfg.size, cfg.queue, cfg.seed, checked,
           (double)checked / seconds, (double)checked / cpu, seconds, cpu,
           maxrss_kb());
    return 0;
}
