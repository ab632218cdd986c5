/*
 * mt_random.c - threads churning blocks of random sizes, a fixed share of
 * them freed by a thread other than the one that allocated them.
 *
 * usage: mt_random [-t THREADS] [-n OPS] [-s SLOTS] [-m MIN] [-M MAX]
 *                  [-x PERCENT] [-q QUEUE] [-r SEED] [-X]
 *
 * Each of THREADS workers owns SLOTS slots and runs OPS steps; a step picks
 * a slot at random.  An empty slot gets a block of a size drawn uniformly
 * from [MIN, MAX], filled with the pattern of bench.h.  An occupied slot
 * is emptied: with probability PERCENT/100 its block is handed to the next
 * worker (the workers form a ring) through a bounded queue of QUEUE
 * entries, otherwise it is checked and freed here.  Lifetimes are thus
 * random (geometric, about SLOTS steps on average).  Before each step a
 * worker checks and frees what its predecessor handed it.
 *
 * The share of remote frees is exact, whatever the scheduling: a worker
 * whose outgoing queue is full frees its own incoming blocks and waits
 * (spinning, then yielding) rather than freeing locally, and a worker that
 * has run its steps keeps taking its predecessor's blocks until that one
 * is done too.  With one thread the worker hands blocks to itself.
 *
 * Operations are the mallocs and frees done by the workers; the clock (wall
 * and process CPU time) runs from their common start to the last join,
 * waiting included.  The main thread then frees the blocks left in slots,
 * untimed.  Every block is checked before it is freed; the run fails
 * (status 1) on a damaged block or when the frees do not match the mallocs.
 * -X damages the first block worker 0 allocates, to show the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=mt_random threads=T ops=N slots=S min=A max=B percent=P
 *          queue=Q seed=X mallocs=M frees=F remote=R checked=C
 *          ops_per_s=N ops_per_cpu_s=N seconds=T cpu_seconds=T maxrss_kb=K
 * (ops= is the steps per worker; mallocs, frees and remote, the frees of
 * handed blocks, count the timed part; checked, every block freed.)  Bad
 * arguments: exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"
#include "ring.h"

#include <pthread.h>

static const char prog[] = "mt_random";
static const char usage[] =
    "usage: mt_random [-t THREADS] [-n OPS] [-s SLOTS] [-m MIN] [-M MAX]\n"
    "                 [-x PERCENT] [-q QUEUE] [-r SEED] [-X]\n"
    "  -t THREADS  workers (default 2)\n"
    "  -n OPS      steps per worker (default 1000000)\n"
    "  -s SLOTS    blocks each worker may hold (default 1000)\n"
    "  -m MIN      smallest block size in bytes, >= 8 (default 8)\n"
    "  -M MAX      largest block size in bytes (default 16000)\n"
    "  -x PERCENT  share of frees left to the next worker (default 25)\n"
    "  -q QUEUE    hand-over queue entries, a power of two (default 256)\n"
    "  -r SEED     PRNG seed (default 1234567)\n"
    "  -X          damage one block, to test the check\n";

struct config {
    uint64_t threads;
    uint64_t ops;
    uint64_t slots;
    uint64_t min_size;
    uint64_t max_size;
    uint64_t percent;
    uint64_t queue;
    uint64_t seed;
    bool damage;
};

struct worker {
    const struct config *cfg;
    uint64_t index;
    struct parcel *slots;	/* .block NULL: empty */
    struct ring *inbox;		/* from the previous worker */
    struct ring *outbox;	/* to the next worker */
    _Atomic bool *done;		/* set once the worker has run its steps */
    _Atomic bool *predecessor_done;
    pthread_barrier_t *start;
    uint64_t mallocs, frees, remote;	/* written once, at the end */
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .threads = 2, .ops = 1000000, .slots = 1000, .min_size = 8,
        .max_size = 16000, .percent = 25, .queue = 256, .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":ht:n:s:m:M:x:q:r:X")) != -1) {
        switch (c) {
        case 't': cfg.threads = option_u64(prog, usage, c, optarg, 1, 1024); break;
        case 'n': cfg.ops = option_u64(prog, usage, c, optarg, 1, UINT64_MAX); break;
        case 's': cfg.slots = option_u64(prog, usage, c, optarg, 1, UINT32_MAX); break;
        case 'm': cfg.min_size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
        case 'M': cfg.max_size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
        case 'x': cfg.percent = option_u64(prog, usage, c, optarg, 0, 100); break;
        case 'q': cfg.queue = option_u64(prog, usage, c, optarg, 1, 1u << 24); break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'X': cfg.damage = true; break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    size_range(prog, usage, cfg.min_size, cfg.max_size);
    if ((cfg.queue & (cfg.queue - 1)) != 0)
        usage_error(prog, usage, "-q %" PRIu64 " is not a power of two", cfg.queue);
    return cfg;
}

static void retire(const struct parcel *parcel)
{
    pattern_check(prog, parcel->block, parcel->size, parcel->tag);
    free(parcel->block);
}

/* Checks and frees everything in `ring`; returns how many blocks. */
static uint64_t drain(struct ring *ring)
{
    struct parcel parcel;
    uint64_t n = 0;

    while (ring_pop(ring, &parcel)) {
        retire(&parcel);
        n++;
    }
    return n;
}

/* Hands `parcel` to the next worker, freeing incoming blocks while the
 * queue is full; returns the blocks freed meanwhile. */
static uint64_t hand_over(struct worker *w, struct parcel parcel)
{
    uint64_t n = 0;
    unsigned spins = 0;

    while (!ring_push(w->outbox, parcel)) {
        n += drain(w->inbox);
        ring_backoff(&spins);
    }
    return n;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    const struct config *cfg = w->cfg;
    struct rng rng = rng_for_lane(cfg->seed, w->index);
    uint64_t span = cfg->max_size - cfg->min_size + 1;
    uint64_t mallocs = 0, local = 0, remote = 0;

    pthread_barrier_wait(w->start);
    for (uint64_t i = 0; i < cfg->ops; i++) {
        remote += drain(w->inbox);

        struct parcel *slot = &w->slots[rng_below(&rng, cfg->slots)];
        if (slot->block == NULL) {
            slot->size = cfg->min_size + rng_below(&rng, span);
            slot->tag = rng_next(&rng);
            slot->block = must_malloc(prog, slot->size);
            pattern_fill(slot->block, slot->size, slot->tag);
            if (cfg->damage && w->index == 0 && mallocs == 0)
                pattern_damage(slot->block);
            mallocs++;
            continue;
        }
        if (rng_below(&rng, 100) < cfg->percent) {
            remote += hand_over(w, *slot);
        } else {
            retire(slot);
            local++;
        }
        slot->block = NULL;
    }
    atomic_store_explicit(w->done, true, memory_order_release);

    /* The predecessor may still be handing blocks over: take them all.
     * Its done flag is read before the last drain, so nothing it pushed
     * before setting the flag is left behind. */
    unsigned spins = 0;
    bool last;
    do {
        last = atomic_load_explicit(w->predecessor_done, memory_order_acquire);
        uint64_t n = drain(w->inbox);
        remote += n;
        if (n == 0 && !last)
            ring_backoff(&spins);
    } while (!last);

    w->mallocs = mallocs;
    w->frees = local + remote;
    w->remote = remote;
    return NULL;
}

/* Frees the blocks the workers left in their slots. */
static uint64_t clean_up(struct worker *workers, const struct config *cfg)
{
    uint64_t n = 0;

    for (uint64_t i = 0; i < cfg->threads; i++) {
        for (uint64_t s = 0; s < cfg->slots; s++) {
            if (workers[i].slots[s].block != NULL) {
                retire(&workers[i].slots[s]);
                n++;
            }
        }
        free(workers[i].slots);
    }
    return n;
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    struct worker *workers = calloc(cfg.threads, sizeof(*workers));
    pthread_t *threads = calloc(cfg.threads, sizeof(*threads));
    _Atomic bool *done = calloc(cfg.threads, sizeof(*done));
    struct ring *rings = rings_new(cfg.threads, cfg.queue);
    pthread_barrier_t start;

    if (workers == NULL || threads == NULL || done == NULL || rings == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " workers\n",
            prog, cfg.threads);
        return 1;
    }
    die_on_error(prog, pthread_barrier_init(&start, NULL, (unsigned)cfg.threads + 1),
             "pthread_barrier_init");
    for (uint64_t i = 0; i < cfg.threads; i++) {
        uint64_t previous = (i + cfg.threads - 1) % cfg.threads;

        workers[i] = (struct worker){
            .cfg = &cfg,
            .index = i,
            .slots = calloc(cfg.slots, sizeof(struct parcel)),
            .inbox = &rings[i],
            .outbox = &rings[(i + 1) % cfg.threads],
            .done = &done[i],
            .predecessor_done = &done[previous],
            .start = &start,
        };
        if (workers[i].slots == NULL) {
            fprintf(stderr, "%s: cannot allocate %" PRIu64 " slots\n",
                prog, cfg.slots);
            return 1;
        }
        die_on_error(prog, pthread_create(&threads[i], NULL, work, &workers[i]),
                 "pthread_create");
    }

    pthread_barrier_wait(&start);
    double start_wall = now_seconds(), start_cpu = cpu_seconds();
    for (uint64_t i = 0; i < cfg.threads; i++)
        die_on_error(prog, pthread_join(threads[i], NULL), "pthread_join");
    double seconds = now_seconds() - start_wall;
    double cpu = cpu_seconds() - start_cpu;

    uint64_t mallocs = 0, frees = 0, remote = 0;
    for (uint64_t i = 0; i < cfg.threads; i++) {
        mallocs += workers[i].mallocs;
        frees += workers[i].frees;
        remote += workers[i].remote;
    }
    uint64_t checked = frees + clean_up(workers, &cfg);
    if (checked != mallocs) {
        fprintf(stderr, "%s: %" PRIu64 " blocks allocated but %" PRIu64
            " freed\n", prog, mallocs, checked);
        return 1;
    }
    pthread_barrier_destroy(&start);
    rings_free(rings, cfg.threads);
    free(done);
    free(threads);
    free(workers);

    double ops = (double)(mallocs + frees);
    printf("RESULT bench=mt_random threads=%" PRIu64 " ops=%" PRIu64
           " slots=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64
           " percent=%" PRIu64 " queue=%" PRIu64 " seed=%" PRIu64
           " mallocs=%" PRIu64 " frees=%" PRIu64 " remote=%" PRIu64
           " checked=%" PRIu64 " ops_per_s=%.0f ops_per_cpu_s=%.0f"
           " seconds=%.6f cpu_seconds=%.6f maxrss_kb=%ld\n",
           cfg.threads, cfg.ops, cfg.slots, cfg.min_size, cfg.max_size,
           cfg.percent, cfg.queue, cfg.seed, mallocs, frees, remote, checked,
           ops / seconds, ops / cpu, seconds, cpu, maxrss_kb());
    return 0;
}
