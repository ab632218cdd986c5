/*
 * stress.c - many threads using the allocator at once.
 *
 * Worker threads allocate (malloc, calloc, posix_memalign, aligned_alloc),
 * resize (realloc) and free blocks from 1 byte to 4 MiB, mostly small, and
 * pass blocks to each other through mailboxes, so that many blocks are
 * freed by a thread other than the one that allocated them, often after
 * that thread has exited.  Every byte of every block holds a pattern derived
 * from the block's seed; the whole block is verified before every free and
 * every realloc, on whichever thread holds it, and calloc memory is checked
 * to be zero, aligned requests to be aligned.
 *
 * Each of the N worker slots runs several short-lived threads one after
 * another, so threads end and start throughout the run (thread churn).
 * Slot 0's threads each fork once, halfway through, while the others run:
 * the child verifies and frees the blocks it inherited, allocates, verifies
 * and frees a few thousand blocks of its own and exits; the parent checks
 * that it exited with status 0.
 *
 * Usage: stress [threads [operations-per-thread]]
 *
 * Defaults: 8 threads, 300000 operations each (30000 under
 * ThreadSanitizer).  The work is a number of operations, not a duration,
 * so a run does the same amount of work on any machine and under any
 * allocator.
 *
 * Built two ways: plainly it calls the standard names and is run under
 * LD_PRELOAD; with -DSTRESS_DIRECT (and -Ireal) it calls hakmem's hk_ names
 * and is linked with the allocator, for sanitizer builds.
 *
 * Prints "ok" and the totals and exits 0.  The first corruption or failed
 * call found is reported (what, where, which thread) and the process exits
 * with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef STRESS_DIRECT
#include "real/hakmem.h"
#define MALLOC         hk_malloc
#define CALLOC         hk_calloc
#define REALLOC        hk_realloc
#define FREE           hk_free
#define POSIX_MEMALIGN hk_posix_memalign
#define ALIGNED_ALLOC  hk_aligned_alloc
#define USABLE_SIZE    hk_malloc_usable_size
#else
#include <malloc.h>
#define MALLOC         malloc
#define CALLOC         calloc
#define REALLOC        realloc
#define FREE           free
#define POSIX_MEMALIGN posix_memalign
#define ALIGNED_ALLOC  aligned_alloc
#define USABLE_SIZE    malloc_usable_size
#endif

#define MAX_THREADS    256
#define LIVES          4     /* threads run by each worker slot, one by one */
#define HELD           64    /* blocks a thread holds at a time */
#define MAILBOX_SLOTS  8     /* blocks in transit to one worker slot */
#define CHILD_BLOCKS   3000  /* allocated by each fork child */

#ifdef __SANITIZE_THREAD__
#define DEFAULT_OPS    30000 /* ThreadSanitizer runs ~10x slower */
#else
#define DEFAULT_OPS    300000
#endif

/* A block of size bytes at p, holding the pattern of seed. */
struct block {
    unsigned char *p;  /* NULL: no block */
    size_t size;
    uint64_t seed;
    unsigned owner;    /* the thread that allocated it (see struct life) */
};

struct totals {
    uint64_t ops, mallocs, callocs, aligned, reallocs, frees;
    uint64_t cross_thread_frees, posts, forks, bytes_verified;
};

/* One thread's lifetime in a worker slot. */
struct life {
    pthread_t thread;
    unsigned slot, number;  /* the slot, and which of its lives this is */
    unsigned id;            /* unique over the run; 0 is the main thread */
    uint64_t ops;
    bool forks;
    bool ended;             /* set when the thread is done; guarded by run_lock */
    struct totals totals;
};

/* What a thread works with: its life, its random state, its blocks. */
struct worker {
    const struct life *life;
    struct totals *totals;
    uint64_t rng;
    struct block held[HELD];
};

/* A FIFO of blocks in transit to the threads of one worker slot. */
struct mailbox {
    pthread_mutex_t lock;
    size_t head, count;
    struct block slot[MAILBOX_SLOTS];
};

static unsigned n_slots;
static struct mailbox mailboxes[MAX_THREADS]; /* one per worker slot */

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t life_ended = PTHREAD_COND_INITIALIZER;

static void fail(const struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* Reports a failure seen by w's thread and ends the process with status 1. */
static void fail(const struct worker *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "stress: FAIL (pid %d, thread %u, slot %u life %u): ",
            (int)getpid(), w->life->id, w->life->slot, w->life->number);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(1);
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t random_below(struct worker *w, uint64_t n)
{
    return splitmix64(&w->rng) % n;
}

/* A size in [1, 2^(max_bits + 1)), each power-of-two range equally likely. */
static size_t log_uniform(struct worker *w, unsigned max_bits)
{
    unsigned bits = (unsigned)random_below(w, max_bits + 1);
    return ((size_t)1 << bits) + (size_t)random_below(w, (uint64_t)1 << bits);
}

/* Mostly below 2 KiB, sometimes up to 128 KiB, rarely up to 4 MiB. */
static size_t random_size(struct worker *w)
{
    uint64_t r = random_below(w, 1000);
    return log_uniform(w, r < 900 ? 10 : r < 995 ? 16 : 21);
}

/*
 * The pattern: 8-byte word i of a block holds (seed + i) * odd constant,
 * stored in memory order, so the byte at each offset depends on both the
 * seed and the offset.
 */
static uint64_t pattern_word(uint64_t seed, size_t i)
{
    return (seed + i) * 0xD6E8FEB86659FD93u;
}

static unsigned char pattern_byte(uint64_t seed, size_t offset)
{
    uint64_t word = pattern_word(seed, offset / 8);
    unsigned char bytes[8];
    memcpy(bytes, &word, 8);
    return bytes[offset % 8];
}

/* Writes the pattern of b into its bytes [from, to). */
static void fill(const struct block *b, size_t from, size_t to)
{
    size_t i = from;
    for (; i < to && i % 8 != 0; i++)
        b->p[i] = pattern_byte(b->seed, i);
    for (; i + 8 <= to; i += 8) {
        uint64_t word = pattern_word(b->seed, i / 8);
        memcpy(b->p + i, &word, 8);
    }
    for (; i < to; i++)
        b->p[i] = pattern_byte(b->seed, i);
}

/* Checks the pattern over all of b; `when` says what is about to happen. */
static void verify(struct worker *w, const struct block *b, const char *when)
{
    size_t i = 0;
    for (; i + 8 <= b->size; i += 8) {
        uint64_t word;
        memcpy(&word, b->p + i, 8);
        if (word != pattern_word(b->seed, i / 8))
            break;
    }
    for (; i < b->size; i++) {
        if (b->p[i] != pattern_byte(b->seed, i))
            fail(w, "block %p of %zu bytes from thread %u, %s: byte %zu is 0x%02x, "
                    "expected 0x%02x", (void *)b->p, b->size, b->owner, when, i,
                 b->p[i], pattern_byte(b->seed, i));
    }
    w->totals->bytes_verified += b->size;
}

static void check_aligned(struct worker *w, const void *p, size_t alignment,
                          const char *call, size_t size)
{
    if ((uintptr_t)p % alignment != 0)
        fail(w, "%s of %zu bytes = %p: expected %zu-byte alignment", call, size, p,
             alignment);
}

static void check_usable(struct worker *w, void *p, size_t size, const char *call)
{
    size_t usable = USABLE_SIZE(p);
    if (usable < size)
        fail(w, "%s(%zu) = %p: malloc_usable_size is %zu, expected at least %zu",
             call, size, p, usable, size);
}

/* The alignment the C standard promises a block of size bytes. */
static size_t natural_alignment(size_t size)
{
    return size <= 8 ? 8 : 16;
}

/* A new block by malloc, calloc, posix_memalign or aligned_alloc. */
static struct block block_new(struct worker *w)
{
    struct block b = {
        .size = random_size(w), .seed = splitmix64(&w->rng), .owner = w->life->id,
    };
    uint64_t how = random_below(w, 10);
    const char *call;
    bool zeroed = false;

    if (how < 6) {
        call = "malloc";
        b.p = MALLOC(b.size);
        w->totals->mallocs++;
    } else if (how < 8) {
        call = "calloc";
        b.p = CALLOC(1, b.size);
        zeroed = true;
        w->totals->callocs++;
    } else {
        size_t alignment = (size_t)16 << random_below(w, 9); /* 16 .. 4096 */
        if (how == 8) {
            call = "posix_memalign";
            void *p = NULL;
            int rc = POSIX_MEMALIGN(&p, alignment, b.size);
            if (rc != 0)
                fail(w, "posix_memalign(%zu, %zu) returned %d", alignment, b.size, rc);
            b.p = p;
        } else {
            call = "aligned_alloc";
            b.size = (b.size + alignment - 1) / alignment * alignment;
            b.p = ALIGNED_ALLOC(alignment, b.size);
        }
        if (b.p != NULL)
            check_aligned(w, b.p, alignment, call, b.size);
        w->totals->aligned++;
    }
    if (b.p == NULL)
        fail(w, "%s(%zu) returned NULL", call, b.size);
    check_aligned(w, b.p, natural_alignment(b.size), call, b.size);
    check_usable(w, b.p, b.size, call);
    for (size_t i = 0; zeroed && i < b.size; i++) {
        if (b.p[i] != 0)
            fail(w, "calloc(1, %zu) = %p: byte %zu is 0x%02x, expected 0",
                 b.size, (void *)b.p, i, b.p[i]);
    }
    fill(&b, 0, b.size);
    return b;
}

/* Verifies and frees *b (when there is one) and empties the slot. */
static void block_release(struct worker *w, struct block *b)
{
    if (b->p == NULL)
        return;
    verify(w, b, "before free");
    FREE(b->p);
    w->totals->frees++;
    if (b->owner != w->life->id)
        w->totals->cross_thread_frees++;
    b->p = NULL;
}

/* Resizes b to a random size, or by a few bytes; the prefix must survive. */
static void block_realloc(struct worker *w, struct block *b)
{
    size_t size;
    if (random_below(w, 2))
        size = random_size(w);
    else if (b->size > 64)  /* a few bytes either way: the in-place paths */
        size = b->size - 64 + random_below(w, 128);
    else
        size = 1 + random_below(w, 128);
    verify(w, b, "before realloc");
    unsigned char *p = REALLOC(b->p, size);
    if (p == NULL)
        fail(w, "realloc(%p, %zu) returned NULL", (void *)b->p, size);
    check_aligned(w, p, natural_alignment(size), "realloc", size);
    check_usable(w, p, size, "realloc");
    size_t old_size = b->size;
    b->p = p;
    b->size = size < old_size ? size : old_size;
    verify(w, b, "after realloc (the kept prefix)");
    b->size = size;
    fill(b, old_size < size ? old_size : size, size);
    w->totals->reallocs++;
}

/*
 * Hands *b to another slot's mailbox (its own when it is alone); a full
 * mailbox gives its oldest block back in exchange.
 */
static void post(struct worker *w, struct block *b)
{
    unsigned to = w->life->slot;
    if (n_slots > 1)
        to = (to + 1 + (unsigned)random_below(w, n_slots - 1)) % n_slots;
    struct mailbox *m = &mailboxes[to];
    struct block evicted = { .p = NULL };

    pthread_mutex_lock(&m->lock);
    if (m->count == MAILBOX_SLOTS) {
        evicted = m->slot[m->head];
        m->head = (m->head + 1) % MAILBOX_SLOTS;
        m->count--;
    }
    m->slot[(m->head + m->count) % MAILBOX_SLOTS] = *b;
    m->count++;
    pthread_mutex_unlock(&m->lock);

    *b = evicted;
    w->totals->posts++;
}

/* The oldest block of mailbox m into *b, or false when m is empty. */
static bool take(struct mailbox *m, struct block *b)
{
    bool taken = false;
    pthread_mutex_lock(&m->lock);
    if (m->count > 0) {
        *b = m->slot[m->head];
        m->head = (m->head + 1) % MAILBOX_SLOTS;
        m->count--;
        taken = true;
    }
    pthread_mutex_unlock(&m->lock);
    return taken;
}

/*
 * The child side of a fork: only this thread exists now.  The blocks it
 * inherited must still hold their patterns and be freeable, and the
 * allocator must serve new requests.
 */
static void child_after_fork(struct worker *w)
{
    static struct block blocks[CHILD_BLOCKS];

    for (size_t i = 0; i < HELD; i++)
        block_release(w, &w->held[i]);
    for (size_t i = 0; i < CHILD_BLOCKS; i++)
        blocks[i] = block_new(w);
    for (size_t i = 0; i < CHILD_BLOCKS; i++)
        block_release(w, &blocks[i]);
    _exit(0);
}

static void fork_and_wait(struct worker *w)
{
    pid_t pid = fork();
    if (pid < 0)
        fail(w, "fork: %s", strerror(errno));
    if (pid == 0)
        child_after_fork(w);

    int status;
    if (waitpid(pid, &status, 0) != pid)
        fail(w, "waitpid(%d): %s", (int)pid, strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail(w, "fork child %d ended with wait status 0x%x, expected exit 0",
             (int)pid, (unsigned)status);
    w->totals->forks++;
}

static void do_one_op(struct worker *w)
{
    struct block *b = &w->held[random_below(w, HELD)];
    uint64_t what = random_below(w, 100);

    if (what < 30) {                     /* allocate */
        block_release(w, b);
        *b = block_new(w);
    } else if (what < 45) {              /* free */
        block_release(w, b);
    } else if (what < 60) {              /* resize */
        if (b->p != NULL)
            block_realloc(w, b);
    } else if (what < 75) {              /* send to another thread */
        if (b->p != NULL)
            post(w, b);
    } else if (what < 90) {              /* receive from another thread */
        struct block received;
        if (take(&mailboxes[w->life->slot], &received)) {
            block_release(w, b);
            *b = received;
        }
    } else if (b->p != NULL) {           /* look again */
        verify(w, b, "while held");
    }
    w->totals->ops++;
}

static void *worker_main(void *arg)
{
    struct life *life = arg;
    struct worker w = {
        .life = life,
        .totals = &life->totals,
        .rng = (uint64_t)life->slot << 32 | life->number,
    };

    for (uint64_t op = 0; op < life->ops; op++) {
        if (life->forks && op == life->ops / 2)
            fork_and_wait(&w);
        do_one_op(&w);
    }
    /* Leave the blocks to outlive this thread in other slots' mailboxes. */
    for (size_t i = 0; i < HELD; i++) {
        if (w.held[i].p != NULL) {
            post(&w, &w.held[i]);
            block_release(&w, &w.held[i]);
        }
    }

    pthread_mutex_lock(&run_lock);
    life->ended = true;
    pthread_cond_signal(&life_ended);
    pthread_mutex_unlock(&run_lock);
    return NULL;
}

static void start_life(struct life *life, unsigned number, unsigned id, uint64_t ops)
{
    life->number = number;
    life->id = id;
    life->ops = ops;
    life->forks = life->slot == 0;
    life->ended = false;
    int rc = pthread_create(&life->thread, NULL, worker_main, life);
    if (rc != 0) {
        fprintf(stderr, "stress: pthread_create: %s\n", strerror(rc));
        exit(1);
    }
}

static void add_totals(struct totals *sum, const struct totals *t)
{
    sum->ops += t->ops;
    sum->mallocs += t->mallocs;
    sum->callocs += t->callocs;
    sum->aligned += t->aligned;
    sum->reallocs += t->reallocs;
    sum->frees += t->frees;
    sum->cross_thread_frees += t->cross_thread_frees;
    sum->posts += t->posts;
    sum->forks += t->forks;
    sum->bytes_verified += t->bytes_verified;
}

/*
 * Keeps every slot busy: whenever a thread ends, joins it and starts the
 * slot's next life, until each slot has run LIVES threads.
 */
static void run_workers(uint64_t ops_per_thread, struct totals *sum)
{
    static struct life lives[MAX_THREADS];
    unsigned next_id = 1, running = 0;

    for (unsigned slot = 0; slot < n_slots; slot++) {
        lives[slot].slot = slot;
        start_life(&lives[slot], 0, next_id++, ops_per_thread / LIVES);
        running++;
    }
    while (running > 0) {
        struct life *done = NULL;
        pthread_mutex_lock(&run_lock);
        for (;;) {
            for (unsigned slot = 0; slot < n_slots && done == NULL; slot++)
                if (lives[slot].ended)
                    done = &lives[slot];
            if (done != NULL)
                break;
            pthread_cond_wait(&life_ended, &run_lock);
        }
        done->ended = false;
        pthread_mutex_unlock(&run_lock);

        pthread_join(done->thread, NULL);
        add_totals(sum, &done->totals);
        memset(&done->totals, 0, sizeof done->totals);
        running--;
        if (done->number + 1 < LIVES) {
            start_life(done, done->number + 1, next_id++, ops_per_thread / LIVES);
            running++;
        }
    }
}

static void usage(const char *prog) __attribute__((noreturn));

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [threads (1..%d) [operations-per-thread (>= %d)]]\n",
            prog, MAX_THREADS, LIVES);
    exit(2);
}

/* Parses a decimal argument in [min, max], or exits with the usage. */
static unsigned long parse_arg(const char *arg, unsigned long min, unsigned long max,
                               const char *prog)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno != 0 || *end != '\0' || end == arg || v < min || v > max)
        usage(prog);
    return v;
}

int main(int argc, char **argv)
{
    if (argc > 3)
        usage(argv[0]);
    n_slots = argc > 1 ? (unsigned)parse_arg(argv[1], 1, MAX_THREADS, argv[0]) : 8;
    uint64_t ops = argc > 2 ? parse_arg(argv[2], LIVES, ULONG_MAX, argv[0]) : DEFAULT_OPS;

    for (size_t i = 0; i < n_slots; i++)
        pthread_mutex_init(&mailboxes[i].lock, NULL);

    struct totals sum = { 0 };
    run_workers(ops, &sum);

    /* The blocks left in the mailboxes are freed by the main thread. */
    struct life main_life = { .id = 0 };
    struct worker drainer = { .life = &main_life, .totals = &sum };
    for (size_t i = 0; i < n_slots; i++) {
        struct block b;
        while (take(&mailboxes[i], &b))
            block_release(&drainer, &b);
    }

    printf("ok: %u threads x %d lives, %" PRIu64 " ops: %" PRIu64 " malloc, %" PRIu64
           " calloc, %" PRIu64 " aligned, %" PRIu64 " realloc, %" PRIu64
           " posted to other threads, %" PRIu64 " free (%" PRIu64 " cross-thread), %"
           PRIu64 " forks, %" PRIu64 " MiB verified\n",
           n_slots, LIVES, sum.ops, sum.mallocs, sum.callocs, sum.aligned, sum.reallocs,
           sum.posts, sum.frees, sum.cross_thread_frees, sum.forks,
           sum.bytes_verified >> 20);
    return 0;
}
