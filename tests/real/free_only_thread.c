/*
 * free_only_thread.c - a thread that frees blocks another thread made,
 * without ever allocating itself (a consumer).  Its frees must go through
 * a front of its own and reach the maker's slabs in batches, counted as
 * remote frees by the allocator's statistics, which free_only_thread.sh
 * reads; a consumer without a heap would send each block home alone,
 * uncounted.  The consumer's heap, parked when it exits with the last
 * blocks still in its front, is emptied by malloc_trim.
 *
 * usage: free_only_thread BLOCKS   (64-byte blocks, checked before freed)
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void **blocks;
static size_t count;
static pthread_barrier_t consumed;

static void *produce(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < count; i++) {
        unsigned char *b = malloc(64);
        if (!b) {
            puts("FAIL: malloc(64) returned NULL");
            exit(1);
        }
        memset(b, (int)(i & 0xff), 64);
        /* Published filled: the consumer starts on the last one. */
        __atomic_store_n(&blocks[i], b, __ATOMIC_RELEASE);
    }
    /* Stay alive, owning the slabs, until the consumer is done. */
    pthread_barrier_wait(&consumed);
    return NULL;
}

static void *consume(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *b = blocks[i];
        for (size_t j = 0; j < 64; j++)
            if (b[j] != (i & 0xff)) {
                printf("FAIL: block %zu damaged at byte %zu\n", i, j);
                exit(1);
            }
        free(blocks[i]);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    count = argc > 1 ? strtoul(argv[1], NULL, 10) : 0;
    blocks = calloc(count ? count : 1, sizeof *blocks);
    if (!count || !blocks) {
        puts("usage: free_only_thread BLOCKS");
        return 2;
    }
    pthread_t producer, consumer;
    pthread_barrier_init(&consumed, NULL, 2);
    pthread_create(&producer, NULL, produce, NULL);
    /* The blocks are all made before the consumer starts. */
    while (!__atomic_load_n(&blocks[count - 1], __ATOMIC_ACQUIRE))
        sched_yield();
    pthread_create(&consumer, NULL, consume, NULL);
    pthread_join(consumer, NULL);
    pthread_barrier_wait(&consumed);
    pthread_join(producer, NULL);
    free(blocks);
    malloc_trim(0);
    printf("ok: %zu blocks freed by a thread that never allocated\n", count);
    return 0;
}
