/*
 * gen.c - the synthetic trace generators of gen.h.
 *
 * The random streams are the benchmarks' own (experiments/bench/bench.h,
 * restated here because traces/ depends on libc only): splitmix64,
 * Lemire's bounded draw, one stream per lane.  A generator draws exactly
 * what its benchmark draws, the stamp byte of every block included, so
 * its trace is the benchmark's sequence of calls.  Ids are numbered from
 * 0 in allocation order.  Each generator allocates its state before it
 * creates the file, so running out of memory never leaves a trace that
 * looks complete.
 */
#include "gen.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace.h"

#define MIXED_MIN_SIZE 16   /* random_mixed.c MIN_SIZE */
#define MIXED_MAX_SIZE 1024 /* random_mixed.c MAX_SIZE */
#define LARSON_CHUNK 32     /* a scheduled lane runs 1 to this many iters */
#define LARSON_SCHED_LANE UINT64_MAX /* the scheduler's stream */

typedef struct rng {
    uint64_t state;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound), bound > 0. */
static uint64_t rng_below(rng *r, uint64_t bound)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * bound) >> 64);
}

/* Uniform in [lo, hi], lo <= hi, hi - lo < UINT64_MAX. */
static uint64_t rng_range(rng *r, uint64_t lo, uint64_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

static rng rng_for_lane(uint64_t seed, uint64_t lane)
{
    rng mixer = { seed ^ (lane * 0xd1b54a32d192ed03ull) };

    return (rng){ rng_next(&mixer) };
}

/* Where events go: a writer, the synthetic clock, the next id.  Write
 * errors stick in the writer, which reports them when the sink closes. */
typedef struct sink {
    hk_trace_writer *w;
    uint64_t events;
    uint64_t next_id;
} sink;

static void emit(sink *s, uint8_t kind, uint32_t thread, uint64_t id,
                 uint64_t size)
{
    hk_event ev = {
        .kind = kind, .thread = thread, .id = id, .size = size,
        .time_ns = s->events * HK_GEN_NS_PER_EVENT,
    };
    hk_trace_write(s->w, &ev);
    s->events++;
}

/* Allocates `size` bytes; returns the new id. */
static uint64_t emit_malloc(sink *s, uint32_t thread, uint64_t size)
{
    emit(s, HK_EV_MALLOC, thread, s->next_id, size);
    return s->next_id++;
}

static void emit_free(sink *s, uint32_t thread, uint64_t id)
{
    emit(s, HK_EV_FREE, thread, id, 0);
}

static int sink_open(sink *s, const char *path, const char *program,
                     char *err, size_t errlen)
{
    *s = (sink){ .w = hk_trace_create(path, program, err, errlen) };
    return s->w ? HK_GEN_OK : HK_GEN_FAILED;
}

static int sink_close(sink *s, char *err, size_t errlen)
{
    return hk_trace_close(s->w, err, errlen) == 0 ? HK_GEN_OK
                                                   : HK_GEN_FAILED;
}

static int bad(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s", what);
    return HK_GEN_BAD_OPTIONS;
}

static int out_of_memory(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "out of memory for %s", what);
    return HK_GEN_FAILED;
}

/* ---- random_mixed ---- */

int hk_gen_random_mixed(const hk_random_mixed_opts *o, const char *path,
                        char *err, size_t errlen)
{
    char program[128];
    sink s;

    if (o->cycles == 0)
        return bad(err, errlen, "CYCLES must be positive");
    if (o->ws == 0)
        return bad(err, errlen, "WS must be positive");
    uint64_t *slot_id = calloc(o->ws, sizeof *slot_id); /* id + 1, 0 empty */
    if (!slot_id)
        return out_of_memory(err, errlen, "the working set");
    snprintf(program, sizeof program, "random_mixed cycles=%" PRIu64
             " ws=%" PRIu64 " seed=%" PRIu64, o->cycles, o->ws, o->seed);
    if (sink_open(&s, path, program, err, errlen) != HK_GEN_OK) {
        free(slot_id);
        return HK_GEN_FAILED;
    }
    rng r = rng_for_lane(o->seed, 0);
    for (uint64_t i = 0; i < o->cycles; i++) {
        uint64_t slot = rng_below(&r, o->ws);
        if (slot_id[slot] != 0) {
            emit_free(&s, 0, slot_id[slot] - 1);
            slot_id[slot] = 0;
        } else {
            uint64_t size = rng_range(&r, MIXED_MIN_SIZE, MIXED_MAX_SIZE);
            rng_next(&r); /* the block's stamp */
            slot_id[slot] = emit_malloc(&s, 0, size) + 1;
        }
    }
    for (uint64_t slot = 0; slot < o->ws; slot++)
        if (slot_id[slot] != 0)
            emit_free(&s, 0, slot_id[slot] - 1);
    free(slot_id);
    return sink_close(&s, err, errlen);
}

/* ---- larson ---- */

void hk_gen_larson_default(hk_larson_opts *o)
{
    *o = (hk_larson_opts){
        .threads = 4, .rounds = 40, .iters = 5000, .slots = 1000,
        .min_size = 16, .max_size = 1024, .seed = 1234567,
    };
}

/* One lane of the benchmark: its blocks and its stream, handed from each
 * round's thread to the next. */
typedef struct lane {
    rng r;
    uint64_t *ids;        /* the block in each slot */
    uint64_t rounds_left; /* the current round included */
    uint64_t iters_left;  /* in the current round; 0 before it starts */
    uint32_t thread;      /* trace thread of the current round */
} lane;

static void larson_refill(const hk_larson_opts *o, sink *s, lane *l,
                          uint64_t slot, uint32_t thread)
{
    uint64_t size = rng_range(&l->r, o->min_size, o->max_size);

    rng_next(&l->r); /* the block's stamp */
    l->ids[slot] = emit_malloc(s, thread, size);
}

static int larson_check(const hk_larson_opts *o, char *err, size_t errlen)
{
    uint64_t threads, per_lane, events;

    if (o->threads == 0 || o->rounds == 0 || o->iters == 0 || o->slots == 0)
        return bad(err, errlen, "--threads, --rounds, --iters and --slots "
                   "must be positive");
    if (o->min_size == 0 || o->min_size > o->max_size)
        return bad(err, errlen, "sizes need 1 <= --min-size <= --max-size");
    if (__builtin_mul_overflow(o->threads, o->rounds, &threads) ||
        threads >= UINT32_MAX)
        return bad(err, errlen, "--threads x --rounds must be below 2^32 "
                   "(one trace thread per lane and round)");
    if (__builtin_mul_overflow(o->rounds, o->iters, &per_lane) ||
        __builtin_add_overflow(per_lane, o->slots, &per_lane) ||
        __builtin_mul_overflow(per_lane, 2 * o->threads, &events))
        return bad(err, errlen, "too many events for a 64-bit count");
    return HK_GEN_OK;
}

/* Runs the lanes' rounds.  The scheduler picks one of the n_live lanes
 * still running, at random, and runs 1 to LARSON_CHUNK of its iterations;
 * a lane whose round is over starts the next in a new thread, numbered
 * when it first appears. */
static void larson_run(const hk_larson_opts *o, sink *s, lane **live)
{
    uint64_t n_live = o->threads;
    uint32_t next_thread = 1;
    rng sched = rng_for_lane(o->seed, LARSON_SCHED_LANE);

    while (n_live > 0) {
        uint64_t k = rng_below(&sched, n_live);
        uint64_t chunk = rng_range(&sched, 1, LARSON_CHUNK);
        lane *l = live[k];

        if (l->iters_left == 0) {
            l->thread = next_thread++;
            l->iters_left = o->iters;
        }
        for (; chunk > 0 && l->iters_left > 0; chunk--, l->iters_left--) {
            uint64_t slot = rng_below(&l->r, o->slots);
            emit_free(s, l->thread, l->ids[slot]);
            larson_refill(o, s, l, slot, l->thread);
        }
        if (l->iters_left == 0 && --l->rounds_left == 0)
            live[k] = live[--n_live];
    }
}

static void larson_free(const hk_larson_opts *o, lane *lanes, lane **live)
{
    if (lanes)
        for (uint64_t i = 0; i < o->threads; i++)
            free(lanes[i].ids);
    free(lanes);
    free(live);
}

int hk_gen_larson(const hk_larson_opts *o, const char *path, char *err,
                  size_t errlen)
{
    char program[256];
    sink s;
    int rc = larson_check(o, err, errlen);

    if (rc != HK_GEN_OK)
        return rc;
    lane *lanes = calloc(o->threads, sizeof *lanes);
    lane **live = calloc(o->threads, sizeof *live);
    int ok = lanes && live;
    for (uint64_t i = 0; ok && i < o->threads; i++) {
        lanes[i] = (lane){
            .r = rng_for_lane(o->seed, i),
            .ids = calloc(o->slots, sizeof *lanes[i].ids),
            .rounds_left = o->rounds,
        };
        live[i] = &lanes[i];
        ok = lanes[i].ids != NULL;
    }
    if (!ok) {
        larson_free(o, lanes, live);
        return out_of_memory(err, errlen, "the lanes");
    }
    snprintf(program, sizeof program, "larson threads=%" PRIu64
             " rounds=%" PRIu64 " iters=%" PRIu64 " slots=%" PRIu64
             " min=%" PRIu64 " max=%" PRIu64 " seed=%" PRIu64, o->threads,
             o->rounds, o->iters, o->slots, o->min_size, o->max_size,
             o->seed);
    if (sink_open(&s, path, program, err, errlen) != HK_GEN_OK) {
        larson_free(o, lanes, live);
        return HK_GEN_FAILED;
    }
    for (uint64_t i = 0; i < o->threads; i++)
        for (uint64_t slot = 0; slot < o->slots; slot++)
            larson_refill(o, &s, &lanes[i], slot, 0);
    larson_run(o, &s, live);
    for (uint64_t i = 0; i < o->threads; i++)
        for (uint64_t slot = 0; slot < o->slots; slot++)
            emit_free(&s, 0, lanes[i].ids[slot]);
    larson_free(o, lanes, live);
    return sink_close(&s, err, errlen);
}

/* ---- phases ---- */

void hk_gen_phases_default(hk_phases_opts *o)
{
    *o = (hk_phases_opts){
        .peak = 100000, .low_pct = 10, .cycles = 5,
        .min_size = 16, .max_size = 4096,
        .large_pct = 1, .large_min = 64 << 10, .large_max = 1 << 20,
        .seed = 1,
    };
}

static int phases_check(const hk_phases_opts *o, char *err, size_t errlen)
{
    uint64_t allocs;

    if (o->peak == 0 || o->peak > UINT32_MAX)
        return bad(err, errlen, "--peak must be 1 to 4294967295");
    if (o->low_pct > 99)
        return bad(err, errlen, "--low-pct must be 0 to 99");
    if (o->cycles == 0)
        return bad(err, errlen, "--cycles must be positive");
    if (o->min_size == 0 || o->min_size > o->max_size)
        return bad(err, errlen, "sizes need 1 <= --min-size <= --max-size");
    if (o->large_pct > 100)
        return bad(err, errlen, "--large-pct must be 0 to 100");
    if (o->large_pct > 0 &&
        (o->large_min == 0 || o->large_min > o->large_max))
        return bad(err, errlen,
                   "large sizes need 1 <= --large-min <= --large-max");
    uint64_t low = o->peak * o->low_pct / 100;
    if (__builtin_mul_overflow(o->cycles - 1, o->peak - low, &allocs) ||
        __builtin_add_overflow(allocs, o->peak, &allocs) ||
        allocs > UINT64_MAX / 2)
        return bad(err, errlen, "too many events for a 64-bit count");
    return HK_GEN_OK;
}

static uint64_t phases_size(const hk_phases_opts *o, rng *r)
{
    if (rng_below(r, 100) < o->large_pct)
        return rng_range(r, o->large_min, o->large_max);
    return rng_range(r, o->min_size, o->max_size);
}

/* Frees random live objects until `keep` are left. */
static void phases_shrink(sink *s, rng *r, uint64_t *live, uint64_t *n,
                          uint64_t keep)
{
    while (*n > keep) {
        uint64_t k = rng_below(r, *n);
        emit_free(s, 0, live[k]);
        live[k] = live[--*n];
    }
}

int hk_gen_phases(const hk_phases_opts *o, const char *path, char *err,
                  size_t errlen)
{
    char program[256];
    sink s;
    int rc = phases_check(o, err, errlen);

    if (rc != HK_GEN_OK)
        return rc;
    uint64_t *live = calloc(o->peak, sizeof *live);
    if (!live)
        return out_of_memory(err, errlen, "the live objects");
    snprintf(program, sizeof program, "phases peak=%" PRIu64
             " low-pct=%" PRIu64 " cycles=%" PRIu64 " min=%" PRIu64
             " max=%" PRIu64 " large-pct=%" PRIu64 " large-min=%" PRIu64
             " large-max=%" PRIu64 " seed=%" PRIu64, o->peak, o->low_pct,
             o->cycles, o->min_size, o->max_size, o->large_pct, o->large_min,
             o->large_max, o->seed);
    if (sink_open(&s, path, program, err, errlen) != HK_GEN_OK) {
        free(live);
        return HK_GEN_FAILED;
    }
    rng r = rng_for_lane(o->seed, 0);
    uint64_t n = 0;
    for (uint64_t cycle = 0; cycle < o->cycles; cycle++) {
        while (n < o->peak)
            live[n++] = emit_malloc(&s, 0, phases_size(o, &r));
        phases_shrink(&s, &r, live, &n, o->peak * o->low_pct / 100);
    }
    phases_shrink(&s, &r, live, &n, 0);
    free(live);
    return sink_close(&s, err, errlen);
}
