/*
 * gen.h - synthetic trace generators.
 *
 * Each generator takes its options (start from the _default function
 * where there is one), checks them, and writes a trace to `path`.  Time
 * is synthetic: event k (from 0) happens at k * HK_GEN_NS_PER_EVENT ns.
 * The header's program description names the generator and every
 * option, so a trace says how to make it again.
 */
#ifndef HK_GEN_H
#define HK_GEN_H

#include <stddef.h>
#include <stdint.h>

#define HK_GEN_NS_PER_EVENT 10

/* The return values of the generators. */
enum { HK_GEN_OK = 0, HK_GEN_FAILED = -1, HK_GEN_BAD_OPTIONS = -2 };

/* experiments/bench/random_mixed.c, event for event: one thread, WS
 * slots; each cycle frees the block of a random occupied slot or fills an
 * empty one with 16 to 1024 bytes; the blocks left are freed at the end,
 * slot by slot. */
typedef struct hk_random_mixed_opts {
    uint64_t cycles;
    uint64_t ws;
    uint64_t seed;
} hk_random_mixed_opts;

/* experiments/bench/larson.c: thread 0 allocates `slots` blocks for each
 * of `threads` lanes; each lane then runs `rounds` rounds of `iters`
 * (free a random slot's block, allocate a new one), each round in a new
 * thread that inherits the lane's blocks; thread 0 frees what is left.
 * Lane streams match the benchmark's; the interleaving of lanes, which
 * the OS decides there, is a seeded random schedule here. */
typedef struct hk_larson_opts {
    uint64_t threads, rounds, iters, slots;
    uint64_t min_size, max_size;
    uint64_t seed;
} hk_larson_opts;

/* Memory phases, one thread: grow to `peak` live objects, free all but
 * low_pct percent of them in random order, grow again: `cycles` times,
 * then free the rest.  Sizes are uniform in [min_size, max_size], except
 * that large_pct percent are uniform in [large_min, large_max]. */
typedef struct hk_phases_opts {
    uint64_t peak, low_pct, cycles;
    uint64_t min_size, max_size;
    uint64_t large_pct, large_min, large_max;
    uint64_t seed;
} hk_phases_opts;

void hk_gen_larson_default(hk_larson_opts *o);
void hk_gen_phases_default(hk_phases_opts *o);

/* HK_GEN_OK; HK_GEN_BAD_OPTIONS with err naming the option (nothing is
 * written); HK_GEN_FAILED with err saying what went wrong (the file may
 * then hold a partial trace). */
int hk_gen_random_mixed(const hk_random_mixed_opts *o, const char *path,
                        char *err, size_t errlen);
int hk_gen_larson(const hk_larson_opts *o, const char *path, char *err,
                  size_t errlen);
int hk_gen_phases(const hk_phases_opts *o, const char *path, char *err,
                  size_t errlen);

#endif
