/*
 * larson.c - a multi-threaded server workload after Larson and Krishnan,
 * "Memory Allocation for Long-Running Server Applications" (ISMM 1998).
 *
 * usage: larson [-t THREADS] [-n ROUNDS] [-i ITERS] [-s SLOTS]
 *               [-m MINSIZE] [-M MAXSIZE] [-r SEED]
 *
 * THREADS lanes each own SLOTS blocks.  The main thread allocates every
 * lane's blocks before the clock starts, so each lane's first frees are of
 * memory another thread allocated.  A lane runs ROUNDS rounds, each in a
 * thread of its own; a round is ITERS times: pick a random slot, check and
 * free its block, allocate a new one of a size drawn uniformly from
 * [MINSIZE, MAXSIZE] and stamp it.  At the end of a round the thread starts
 * its successor, which inherits the lane (blocks and PRNG state) and joins
 * it; the lane's last thread hands itself to the main thread to be joined.
 *
 * Operations: each malloc and each free counts as one, so a run performs
 * 2 * THREADS * ROUNDS * ITERS of them.  (The original Larson program
 * counts only mallocs, so its "operations per second" are half of these.)
 * The clock runs from the start of the first threads to the join of the
 * last, thread churn included; the initial allocation and the final frees
 * by the main thread are untimed.  A lane's random stream depends only on
 * SEED and the lane's number; the interleaving of lanes is up to the OS.
 *
 * Prints exactly one line on success:
 *   RESULT bench=larson threads=T rounds=R iters=I slots=S min=A max=B
 *          seed=X ops=N ops_per_s=N seconds=T maxrss_kb=K
 * Bad arguments: a message naming the argument, exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"

#include <pthread.h>
#include <semaphore.h>
#include <string.h>
#include <unistd.h>

static const char prog[] = "larson";
static const char usage[] =
    "usage: larson [-t THREADS] [-n ROUNDS] [-i ITERS] [-s SLOTS]\n"
    "              [-m MINSIZE] [-M MAXSIZE] [-r SEED]\n"
    "  -t THREADS  concurrent lanes (default 2)\n"
    "  -n ROUNDS   rounds per lane, each in a new thread (default 3000)\n"
    "  -i ITERS    free+malloc pairs per round (default 10000)\n"
    "  -s SLOTS    blocks owned by each lane (default 1000)\n"
    "  -m MINSIZE  smallest block size in bytes (default 16)\n"
    "  -M MAXSIZE  largest block size in bytes (default 1024)\n"
    "  -r SEED     PRNG seed (default 1234567)\n";

struct config {
    uint64_t threads;
    uint64_t rounds;
    uint64_t iters;
    uint64_t slots;
    uint64_t min_size;
    uint64_t max_size;
    uint64_t seed;
};

/* One lane's state, handed from each of its threads to the next.  Only
 * one thread of a lane runs at a time: pthread_create and pthread_join
 * order the hand-overs, the `done` semaphore the last one, to main. */
struct lane {
    const struct config *cfg;
    void **blocks;
    unsigned char *marks;
    struct rng rng;
    uint64_t rounds_left;
    bool has_predecessor;
    pthread_t predecessor;	/* the thread that ran the previous round */
    pthread_t last;		/* the lane's final thread, once done is posted */
    sem_t done;
};

static uint64_t positive(int option, const char *value)
{
    return option_u64(prog, usage, option, value, 1, UINT64_MAX);
}

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .threads = 2, .rounds = 3000, .iters = 10000, .slots = 1000,
        .min_size = 16, .max_size = 1024, .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":ht:n:i:s:m:M:r:")) != -1) {
        switch (c) {
        case 't': cfg.threads = positive(c, optarg); break;
        case 'n': cfg.rounds = positive(c, optarg); break;
        case 'i': cfg.iters = positive(c, optarg); break;
        case 's': cfg.slots = positive(c, optarg); break;
        case 'm': cfg.min_size = positive(c, optarg); break;
        case 'M': cfg.max_size = positive(c, optarg); break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    size_range(prog, usage, cfg.min_size, cfg.max_size);
    return cfg;
}

/* Gives `slot` a new block of random size and random stamp. */
static void refill(struct lane *lane, struct rng *rng, size_t slot)
{
    const struct config *cfg = lane->cfg;
    size_t size = cfg->min_size +
              rng_below(rng, cfg->max_size - cfg->min_size + 1);
    unsigned char mark = (unsigned char)rng_next(rng);

    lane->blocks[slot] = block_new(prog, size, mark);
    lane->marks[slot] = mark;
}

/* One round: ITERS times replace a random block.  The PRNG lives in a
 * local so that lanes do not write to each other's cache lines. */
static void churn(struct lane *lane)
{
    struct rng rng = lane->rng;
    uint64_t iters = lane->cfg->iters;
    uint64_t slots = lane->cfg->slots;

    for (uint64_t i = 0; i < iters; i++) {
        size_t slot = rng_below(&rng, slots);

        block_free(prog, lane->blocks[slot], lane->marks[slot]);
        refill(lane, &rng, slot);
    }
    lane->rng = rng;
}

static void *run_round(void *arg);

static void start_round(struct lane *lane)
{
    pthread_t thread;

    die_on_error(prog, pthread_create(&thread, NULL, run_round, lane),
             "pthread_create");
}

static void *run_round(void *arg)
{
    struct lane *lane = arg;

    if (lane->has_predecessor)
        die_on_error(prog, pthread_join(lane->predecessor, NULL), "pthread_join");
    churn(lane);
    if (--lane->rounds_left > 0) {
        lane->predecessor = pthread_self();
        lane->has_predecessor = true;
        start_round(lane);	/* from here on the lane is the successor's */
    } else {
        lane->last = pthread_self();
        sem_post(&lane->done);
    }
    return NULL;
}

static void init_lane(struct lane *lane, const struct config *cfg, uint64_t index)
{
    *lane = (struct lane){
        .cfg = cfg,
        .blocks = calloc(cfg->slots, sizeof(void *)),
        .marks = calloc(cfg->slots, 1),
        .rng = rng_for_lane(cfg->seed, index),
        .rounds_left = cfg->rounds,
    };
    if (lane->blocks == NULL || lane->marks == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " slots\n",
            prog, cfg->slots);
        exit(1);
    }
    if (sem_init(&lane->done, 0, 0) != 0)
        die_on_error(prog, errno, "sem_init");
    for (size_t slot = 0; slot < cfg->slots; slot++)
        refill(lane, &lane->rng, slot);
}

static void wait_lane(struct lane *lane)
{
    while (sem_wait(&lane->done) != 0)
        if (errno != EINTR)
            die_on_error(prog, errno, "sem_wait");
    die_on_error(prog, pthread_join(lane->last, NULL), "pthread_join");
}

static void destroy_lane(struct lane *lane)
{
    for (size_t slot = 0; slot < lane->cfg->slots; slot++)
        block_free(prog, lane->blocks[slot], lane->marks[slot]);
    free(lane->marks);
    free(lane->blocks);
    sem_destroy(&lane->done);
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    struct lane *lanes = calloc(cfg.threads, sizeof(*lanes));

    if (lanes == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " lanes\n",
            prog, cfg.threads);
        return 1;
    }
    for (uint64_t i = 0; i < cfg.threads; i++)
        init_lane(&lanes[i], &cfg, i);

    double start = now_seconds();
    for (uint64_t i = 0; i < cfg.threads; i++)
        start_round(&lanes[i]);
    for (uint64_t i = 0; i < cfg.threads; i++)
        wait_lane(&lanes[i]);
    double seconds = now_seconds() - start;

    for (uint64_t i = 0; i < cfg.threads; i++)
        destroy_lane(&lanes[i]);
    free(lanes);

    double ops = 2.0 * (double)cfg.threads * (double)cfg.rounds * (double)cfg.iters;
    printf("RESULT bench=larson threads=%" PRIu64 " rounds=%" PRIu64
           " iters=%" PRIu64 " slots=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64
           " seed=%" PRIu64 " ops=%.0f ops_per_s=%.0f seconds=%.6f maxrss_kb=%ld\n",
           cfg.threads, cfg.rounds, cfg.iters, cfg.slots, cfg.min_size,
           cfg.max_size, cfg.seed, ops, ops / seconds, seconds, maxrss_kb());
    return 0;
}
