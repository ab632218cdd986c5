/*
 * fork_threads.c - fork while other threads allocate.
 *
 * Four threads allocate, fill, verify and free blocks without pause while
 * the main thread, itself holding live blocks, forks children one after
 * another.  Each child checks and frees the blocks it inherited from the
 * main thread, allocates, resizes and frees a few thousand blocks of its
 * own, also from a thread it starts, and prints a checksum of what it
 * wrote.  The parent prints each child's exit status and, at the end, that
 * every thread kept its blocks intact.
 *
 * Everything printed depends on the program alone, never on timing or on
 * the allocator, so tests/preload/fork_threads.sh can require the same
 * output with and without libhakmem.so.
 *
 * Exit status 0, or 1 when a block lost its contents, a call failed or a
 * child did not exit with status 0 (the details go to stderr).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_THREADS    4
#define N_CHILDREN   16
#define THREAD_BATCH 64    /* blocks a thread holds at once */
#define HELD_BY_MAIN 256   /* blocks the main thread holds across forks */
#define CHILD_BLOCKS 2000

static atomic_bool stop;
static atomic_bool failed;

struct block {
    unsigned char *p;
    size_t size;
    uint32_t seed;
};

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

/* Mostly small, sometimes up to 64 KiB, rarely 1 MiB. */
static size_t random_size(uint32_t *rng)
{
    uint32_t r = next_random(rng) % 1000;
    if (r < 950)
        return 1 + next_random(rng) % 512;
    if (r < 999)
        return 1 + next_random(rng) % 65536;
    return (size_t)1 << 20;
}

static unsigned char pattern_byte(uint32_t seed, size_t i)
{
    return (unsigned char)(seed + i * 31 + (i >> 8));
}

/* A new block of size bytes holding the pattern of seed; NULL fails. */
static bool block_new(struct block *b, size_t size, uint32_t seed)
{
    b->p = malloc(size);
    b->size = size;
    b->seed = seed;
    if (b->p == NULL) {
        fprintf(stderr, "fork_threads: malloc(%zu) failed\n", size);
        atomic_store(&failed, true);
        return false;
    }
    for (size_t i = 0; i < size; i++)
        b->p[i] = pattern_byte(seed, i);
    return true;
}

/* Whether b still holds its pattern; reports the first wrong byte. */
static bool block_intact(const struct block *b, const char *who)
{
    for (size_t i = 0; i < b->size; i++) {
        if (b->p[i] != pattern_byte(b->seed, i)) {
            fprintf(stderr, "fork_threads: %s: block %p of %zu bytes: byte %zu is 0x%02x, "
                    "expected 0x%02x\n", who, (void *)b->p, b->size, i, b->p[i],
                    pattern_byte(b->seed, i));
            atomic_store(&failed, true);
            return false;
        }
    }
    return true;
}

static void *allocating_thread(void *arg)
{
    uint32_t rng = (uint32_t)(uintptr_t)arg;
    struct block batch[THREAD_BATCH];

    while (!atomic_load(&stop)) {
        size_t n = 0;
        while (n < THREAD_BATCH && block_new(&batch[n], random_size(&rng), next_random(&rng)))
            n++;
        /* Free from both ends towards the middle, checking each block. */
        for (size_t i = 0; i < n; i++) {
            struct block *b = &batch[i % 2 ? i / 2 : n - 1 - i / 2];
            block_intact(b, "thread");
            free(b->p);
        }
    }
    return NULL;
}

/* FNV-1a over a block's bytes, folded into h. */
static uint64_t checksum(uint64_t h, const struct block *b)
{
    for (size_t i = 0; i < b->size; i++)
        h = (h ^ b->p[i]) * 0x100000001B3u;
    return h;
}

/* What one thread of a child does: blocks from seed, and their checksum. */
struct child_job {
    uint32_t seed;
    bool ok;
    uint64_t sum;
};

/*
 * Allocates and checksums CHILD_BLOCKS blocks, grows every other one by
 * realloc, then checks and frees them all.
 */
static void child_work(struct child_job *job)
{
    struct block blocks[CHILD_BLOCKS];
    uint32_t rng = job->seed;

    job->ok = false;
    job->sum = 0xCBF29CE484222325u;
    for (size_t i = 0; i < CHILD_BLOCKS; i++) {
        if (!block_new(&blocks[i], random_size(&rng), next_random(&rng)))
            return;
        job->sum = checksum(job->sum, &blocks[i]);
    }
    for (size_t i = 0; i < CHILD_BLOCKS; i++) {
        struct block *b = &blocks[i];
        if (i % 2 == 0) {
            unsigned char *p = realloc(b->p, b->size * 2 + 1);
            if (p == NULL) {
                fprintf(stderr, "fork_threads: realloc to %zu failed\n", b->size * 2 + 1);
                return;
            }
            b->p = p;
        }
        if (!block_intact(b, "child"))
            return;
        free(b->p);
    }
    job->ok = true;
}

static void *child_thread(void *job)
{
    child_work(job);
    return NULL;
}

/* The child side of fork number c; never returns. */
static void run_child(unsigned c, struct block *inherited, size_t n_inherited)
{
    for (size_t i = 0; i < n_inherited; i++) {
        if (!block_intact(&inherited[i], "inherited"))
            _exit(1);
        free(inherited[i].p);
    }

    struct child_job from_main = { .seed = c }, from_thread = { .seed = 1000 + c };
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, &from_thread) != 0) {
        fprintf(stderr, "fork_threads: child %u: pthread_create failed\n", c);
        _exit(1);
    }
    child_work(&from_main);
    pthread_join(t, NULL);
    if (!from_main.ok || !from_thread.ok)
        _exit(1);

    printf("child %u: checksums %016llx %016llx\n", c, (unsigned long long)from_main.sum,
           (unsigned long long)from_thread.sum);
    fflush(stdout);
    _exit(0);
}

int main(void)
{
    pthread_t threads[N_THREADS];
    static struct block held[HELD_BY_MAIN];
    uint32_t rng = 42;

    for (uintptr_t t = 0; t < N_THREADS; t++) {
        if (pthread_create(&threads[t], NULL, allocating_thread, (void *)(t + 1)) != 0) {
            fprintf(stderr, "fork_threads: pthread_create failed\n");
            return 1;
        }
    }

    for (unsigned c = 0; c < N_CHILDREN; c++) {
        for (size_t i = 0; i < HELD_BY_MAIN; i++)
            if (!block_new(&held[i], random_size(&rng), next_random(&rng)))
                return 1;

        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork_threads: fork");
            return 1;
        }
        if (pid == 0)
            run_child(c, held, HELD_BY_MAIN);

        int status;
        if (waitpid(pid, &status, 0) != pid) {
            perror("fork_threads: waitpid");
            return 1;
        }
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        printf("child %u: %s\n", c, ok ? "exited with status 0" : "FAILED");
        if (!ok)
            atomic_store(&failed, true);

        for (size_t i = 0; i < HELD_BY_MAIN; i++) {
            block_intact(&held[i], "main");
            free(held[i].p);
        }
    }

    atomic_store(&stop, true);
    for (size_t t = 0; t < N_THREADS; t++)
        pthread_join(threads[t], NULL);
    bool ok = !atomic_load(&failed);
    printf("%d threads and %d children: %s\n", N_THREADS, N_CHILDREN,
           ok ? "all blocks intact" : "FAILED");
    return ok ? 0 : 1;
}
