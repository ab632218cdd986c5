/*
 * false_sharing.c - passive false sharing: small blocks that one thread
 * allocated side by side, freed by the threads it handed them to, must not
 * come back to those threads, whose writes would then fight over the
 * blocks' shared cache lines.  The shape of Hoard's cache-scratch test.
 *
 * usage: false_sharing [-t THREADS] [-n ROUNDS] [-w WRITES] [-s SIZE]
 *                      [-r SEED] [-X]
 *
 * The main thread allocates THREADS blocks of SIZE bytes one after the
 * other (adjacent in most allocators), fills each with the pattern of
 * bench.h and hands block i to worker i.  Each worker checks and frees its
 * block, then runs ROUNDS rounds: malloc SIZE bytes, add one to each of its
 * bytes WRITES times over, check that each byte went up by exactly WRITES,
 * free it.  An allocator that hands a worker the block it just freed, next
 * to the blocks the other workers write, makes every write miss the cache.
 *
 * The clock runs from the workers' common start to the last join.  The run
 * fails (status 1) on a damaged block; -X damages worker 0's first block,
 * to show that the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=false_sharing threads=T rounds=N writes=W size=S seed=X
 *          checked=C rounds_per_s=N seconds=T maxrss_kb=K
 * (rounds= is per worker; checked, the blocks checked.)  Bad arguments:
 * exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"

#include <pthread.h>

static const char prog[] = "false_sharing";
static const char usage[] =
    "usage: false_sharing [-t THREADS] [-n ROUNDS] [-w WRITES] [-s SIZE]\n"
    "                     [-r SEED] [-X]\n"
    "  -t THREADS  workers (default 2)\n"
    "  -n ROUNDS   mallocs each worker makes (default 20000)\n"
    "  -w WRITES   times each byte of a block is written (default 1000)\n"
    "  -s SIZE     block size in bytes, >= 8 (default 8)\n"
    "  -r SEED     pattern seed (default 1234567)\n"
    "  -X          damage one block, to test the check\n";

struct config {
    uint64_t threads;
    uint64_t rounds;
    uint64_t writes;
    uint64_t size;
    uint64_t seed;
    bool damage;
};

struct worker {
    const struct config *cfg;
    unsigned char *first; /* handed over by the main thread */
    uint64_t tag;
    pthread_barrier_t *start;
    uint64_t checked;
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .threads = 2, .rounds = 20000, .writes = 1000, .size = 8,
        .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":ht:n:w:s:r:X")) != -1) {
        switch (c) {
        case 't': cfg.threads = option_u64(prog, usage, c, optarg, 1, 512); break;
        case 'n': cfg.rounds = option_u64(prog, usage, c, optarg, 1, UINT64_MAX); break;
        case 'w': cfg.writes = option_u64(prog, usage, c, optarg, 1, 1u << 30); break;
        case 's': cfg.size = option_u64(prog, usage, c, optarg, 8, 1u << 20); break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'X': cfg.damage = true; break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    return cfg;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    const struct config *cfg = w->cfg;
    uint64_t checked = 1;

    pthread_barrier_wait(w->start);
    pattern_check(prog, w->first, cfg->size, w->tag);
    free(w->first);
    for (uint64_t r = 0; r < cfg->rounds; r++) {
        volatile unsigned char *b = must_malloc(prog, cfg->size);
        unsigned char base = (unsigned char)r;

        for (uint64_t i = 0; i < cfg->size; i++)
            b[i] = base;
        for (uint64_t k = 0; k < cfg->writes; k++)
            for (uint64_t i = 0; i < cfg->size; i++)
                b[i]++;
        for (uint64_t i = 0; i < cfg->size; i++)
            if (b[i] != (unsigned char)(base + cfg->writes)) {
                fprintf(stderr, "%s: byte %" PRIu64 " of a block holds %u, "
                        "not %u\n", prog, i, b[i],
                        (unsigned char)(base + cfg->writes));
                exit(1);
            }
        free((void *)b);
        checked++;
    }
    w->checked = checked;
    return NULL;
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    struct worker *workers = calloc(cfg.threads, sizeof(*workers));
    pthread_t *threads = calloc(cfg.threads, sizeof(*threads));
    pthread_barrier_t start;

    if (workers == NULL || threads == NULL) {
        fprintf(stderr, "%s: cannot allocate %" PRIu64 " workers\n", prog,
                cfg.threads);
        return 1;
    }
    die_on_error(prog, pthread_barrier_init(&start, NULL, (unsigned)cfg.threads + 1),
             "pthread_barrier_init");
    for (uint64_t i = 0; i < cfg.threads; i++) {
        workers[i] = (struct worker){
            .cfg = &cfg, .first = must_malloc(prog, cfg.size),
            .tag = cfg.seed + i, .start = &start,
        };
        pattern_fill(workers[i].first, cfg.size, workers[i].tag);
    }
    if (cfg.damage)
        pattern_damage(workers[0].first);
    for (uint64_t i = 0; i < cfg.threads; i++)
        die_on_error(prog, pthread_create(&threads[i], NULL, work, &workers[i]),
                 "pthread_create");

    pthread_barrier_wait(&start);
    double start_wall = now_seconds();
    for (uint64_t i = 0; i < cfg.threads; i++)
        die_on_error(prog, pthread_join(threads[i], NULL), "pthread_join");
    double seconds = now_seconds() - start_wall;

    uint64_t checked = 0;
    for (uint64_t i = 0; i < cfg.threads; i++)
        checked += workers[i].checked;
    pthread_barrier_destroy(&start);
    free(threads);
    free(workers);

    printf("RESULT bench=false_sharing threads=%" PRIu64 " rounds=%" PRIu64
           " writes=%" PRIu64 " size=%" PRIu64 " seed=%" PRIu64
           " checked=%" PRIu64 " rounds_per_s=%.0f seconds=%.6f"
           " maxrss_kb=%ld\n",
           cfg.threads, cfg.rounds, cfg.writes, cfg.size, cfg.seed, checked,
           (double)(cfg.threads * cfg.rounds) / seconds, seconds, maxrss_kb());
    return 0;
}
