/*
 * thread_churn.c - threads that live briefly: each allocates, writes and
 * frees a few hundred blocks and ends, a few at a time, many times over,
 * as a server that makes a thread per request does.
 *
 * usage: thread_churn [-t THREADS] [-w WAVES] [-n BLOCKS] [-m MIN] [-M MAX]
 *                     [-r SEED] [-X]
 *
 * WAVES waves of THREADS threads: the threads of a wave start together,
 * and the next wave starts once they have all ended.  A thread allocates
 * BLOCKS blocks of sizes drawn from [MIN, MAX] and fills each with the
 * pattern of bench.h.  It checks and frees every other one itself; each
 * of the rest goes into a random slot of a table that all threads share
 * (under one mutex), and the block it displaces, which an earlier thread
 * made and most likely one that has ended, is checked and freed here.  So
 * the allocator serves threads whose first blocks come and whose last
 * blocks go in quick succession, and frees of blocks whose threads are
 * gone.  The table's last blocks are checked and freed at the end.
 *
 * The clock runs from the first wave's start to the last free.  The run
 * fails (status 1) on a damaged block; -X damages the first block of the
 * first thread, to show that the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=thread_churn threads=T waves=W blocks=N min=A max=B
 *          seed=X checked=C threads_per_s=N seconds=T maxrss_kb=K
 * (checked= all blocks checked and freed.)  Bad arguments: exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"
#include "ring.h"

#include <pthread.h>

static const char prog[] = "thread_churn";
static const char usage[] =
    "usage: thread_churn [-t THREADS] [-w WAVES] [-n BLOCKS] [-m MIN] [-M MAX]\n"
    "                    [-r SEED] [-X]\n"
    "  -t THREADS  threads of a wave, started together (default 4)\n"
    "  -w WAVES    waves, one after the other (default 2000)\n"
    "  -n BLOCKS   blocks each thread allocates (default 200)\n"
    "  -m MIN      smallest block size in bytes, >= 8 (default 16)\n"
    "  -M MAX      largest block size in bytes (default 2000)\n"
    "  -r SEED     PRNG seed (default 1234567)\n"
    "  -X          damage one block, to test the check\n";

#define TABLE_SLOTS 1024 /* blocks traded between threads */

struct config {
    uint64_t threads;
    uint64_t waves;
    uint64_t blocks;
    uint64_t min_size;
    uint64_t max_size;
    uint64_t seed;
    bool damage;
};

struct table {
    pthread_mutex_t lock;
    struct parcel slot[TABLE_SLOTS];
    uint64_t checked; /* blocks checked and freed, under lock at first */
};

struct worker {
    const struct config *cfg;
    struct table *table;
    uint64_t lane;
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .threads = 4, .waves = 2000, .blocks = 200, .min_size = 16,
        .max_size = 2000, .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":ht:w:n:m:M:r:X")) != -1) {
        switch (c) {
        case 't': cfg.threads = option_u64(prog, usage, c, optarg, 1, 512); break;
        case 'w': cfg.waves = option_u64(prog, usage, c, optarg, 1, UINT64_MAX); break;
        case 'n': cfg.blocks = option_u64(prog, usage, c, optarg, 1, 1u << 20); break;
        case 'm': cfg.min_size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
        case 'M': cfg.max_size = option_u64(prog, usage, c, optarg, 8, SIZE_MAX / 2); break;
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

static void check_and_free(struct parcel parcel)
{
    pattern_check(prog, parcel.block, parcel.size, parcel.tag);
    free(parcel.block);
}

static void *work(void *arg)
{
    const struct worker *w = arg;
    const struct config *cfg = w->cfg;
    struct rng rng = rng_for_lane(cfg->seed, w->lane);
    uint64_t span = cfg->max_size - cfg->min_size + 1;
    struct parcel *mine = malloc(cfg->blocks * sizeof(*mine));

    if (mine == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " parcels\n", prog,
                cfg->blocks);
        exit(1);
    }
    for (uint64_t i = 0; i < cfg->blocks; i++) {
        mine[i].size = cfg->min_size + rng_below(&rng, span);
        mine[i].tag = rng_next(&rng);
        mine[i].block = must_malloc(prog, mine[i].size);
        pattern_fill(mine[i].block, mine[i].size, mine[i].tag);
    }
    if (cfg->damage && w->lane == 0)
        pattern_damage(mine[0].block);
    uint64_t checked = 0;
    for (uint64_t i = 0; i < cfg->blocks; i += 2, checked++)
        check_and_free(mine[i]);

    struct table *t = w->table;
    pthread_mutex_lock(&t->lock);
    for (uint64_t i = 1; i < cfg->blocks; i += 2) {
        struct parcel *slot = &t->slot[rng_below(&rng, TABLE_SLOTS)];
        if (slot->block != NULL) {
            check_and_free(*slot);
            checked++;
        }
        *slot = mine[i];
    }
    t->checked += checked;
    pthread_mutex_unlock(&t->lock);
    free(mine);
    return NULL;
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    struct worker *workers = calloc(cfg.threads, sizeof(*workers));
    pthread_t *threads = calloc(cfg.threads, sizeof(*threads));
    struct table *table = calloc(1, sizeof(*table));

    if (workers == NULL || threads == NULL || table == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " threads\n", prog,
                cfg.threads);
        return 1;
    }
    pthread_mutex_init(&table->lock, NULL);

    double start = now_seconds();
    for (uint64_t wave = 0; wave < cfg.waves; wave++) {
        for (uint64_t i = 0; i < cfg.threads; i++) {
            workers[i] = (struct worker){
                .cfg = &cfg, .table = table,
                .lane = wave * cfg.threads + i,
            };
            die_on_error(prog, pthread_create(&threads[i], NULL, work,
                                              &workers[i]),
                         "pthread_create");
        }
        for (uint64_t i = 0; i < cfg.threads; i++)
            die_on_error(prog, pthread_join(threads[i], NULL),
                         "pthread_join");
    }
    for (size_t i = 0; i < TABLE_SLOTS; i++)
        if (table->slot[i].block != NULL) {
            check_and_free(table->slot[i]);
            table->checked++;
        }
    double seconds = now_seconds() - start;

    uint64_t started = cfg.threads * cfg.waves, checked = table->checked;
    pthread_mutex_destroy(&table->lock);
    free(table);
    free(threads);
    free(workers);
    printf("RESULT bench=thread_churn threads=%" PRIu64 " waves=%" PRIu64
           " blocks=%" PRIu64 " min=%" PRIu64 " max=%" PRIu64 " seed=%" PRIu64
           " checked=%" PRIu64 " threads_per_s=%.0f seconds=%.6f"
           " maxrss_kb=%ld\n",
           cfg.threads, cfg.waves, cfg.blocks, cfg.min_size, cfg.max_size,
           cfg.seed, checked, (double)started / seconds,
           seconds, maxrss_kb());
    return 0;
}
