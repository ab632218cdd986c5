/*
 * record_calls.c - allocation calls for tests/traces/record.sh to record.
 *
 *   record_calls calls N      N rounds of every call of the malloc family
 *                             (realloc chains, realloc(NULL, n),
 *                             realloc(p, 0), reallocarray, the aligned
 *                             calls), calls that fail and free(NULL); then
 *                             prints the events a recorder must have
 *                             logged for them, by kind:
 *                             "expect malloc=.. calloc=.. realloc=..
 *                             free=.. aligned=.."
 *   record_calls threads T N  T threads pass N batches of 64 blocks each
 *                             around a ring: a block is allocated by one
 *                             thread and checked and freed by the next;
 *                             prints "threads: T x N batches of 64
 *                             blocks, all intact"
 *   record_calls spawn N      N threads, one after another, allocate
 *                             and free 16 blocks each; prints "KiB
 *                             gained: K", how much more address space
 *                             the process has at the end
 *   record_calls fork N       holds 1000 blocks and, while two threads
 *                             allocate, forks N children one after
 *                             another; each frees half of the blocks it
 *                             inherited, allocates and frees 100 of its
 *                             own and ends with exit(); prints "fork: N
 *                             children exited with status 0"
 *   record_calls fds FILE     allocates, closes every descriptor above
 *                             2, writes a line to FILE (likely under a
 *                             number the recorder had), allocates more
 *   record_calls owner        prints "brk" if a small block comes from
 *                             the brk heap (glibc's malloc), else
 *                             "mapped" (mimalloc, libhakmem.so)
 *
 * Exit status 0; 1 if a call misbehaved (the message goes to stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MALLOC, CALLOC, REALLOC, FREE, ALIGNED, KINDS };
static const char *const kind_names[KINDS] = {
    "malloc", "calloc", "realloc", "free", "aligned"};

static unsigned long expect[KINDS];
static int failed;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "record_calls: %s\n", what);
        failed = 1;
    }
}

/* A value the optimizer cannot follow: a size too large for it to
 * judge, a block it must not think a failed realloc gave away. */
static size_t opaque(size_t n)
{
    __asm__ volatile("" : "+r"(n));
    return n;
}

static void *hide(void *p)
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

static void one_round(void)
{
    char *p = malloc(100);
    char *q = calloc(3, 40);
    check(p && q && q[119] == 0, "malloc or calloc failed");
    memset(p, 'a', 100);
    expect[MALLOC]++;
    expect[CALLOC]++;

    p = realloc(p, 200);      /* a realloc chain keeps the object */
    check(p && p[99] == 'a', "realloc lost the contents");
    p = realloc(p, 50000);
    check(p && p[99] == 'a', "realloc lost the contents");
    expect[REALLOC] += 2;

    char *r = realloc(NULL, 64); /* a malloc */
    check(r != NULL, "realloc(NULL, 64) failed");
    expect[MALLOC]++;
    r = realloc(r, 0); /* a free, unless the allocator returns a block */
    if (r) {
        expect[REALLOC]++;
        free(r);
    }
    expect[FREE]++;

    int *a = reallocarray(NULL, 10, sizeof(int));
    check(a != NULL, "reallocarray(NULL) failed");
    a = reallocarray(a, 20, sizeof(int));
    check(a != NULL, "reallocarray failed");
    expect[MALLOC]++;
    expect[REALLOC]++;

    void *al[5] = {NULL};
    check(posix_memalign(&al[0], 64, 100) == 0, "posix_memalign failed");
    al[1] = aligned_alloc(128, 256);
    al[2] = memalign(32, 10);
    al[3] = valloc(100);
    al[4] = pvalloc(100);
    for (int i = 0; i < 5; i++)
        check(al[i] != NULL, "an aligned allocation failed");
    check(((uintptr_t)al[0] & 63) == 0 && ((uintptr_t)al[1] & 127) == 0,
          "an aligned block is not aligned");
    expect[ALIGNED] += 5;

    /* Calls that fail or do nothing log nothing. */
    void *bad;
    check(malloc(opaque(SIZE_MAX)) == NULL, "malloc(SIZE_MAX) succeeded");
    check(calloc(opaque(SIZE_MAX), 2) == NULL, "calloc overflow succeeded");
    check(realloc(hide(p), opaque(SIZE_MAX)) == NULL,
          "realloc(SIZE_MAX) succeeded");
    check(reallocarray(hide(a), opaque(SIZE_MAX), 2) == NULL,
          "reallocarray overflow succeeded");
    check(posix_memalign(&bad, 3, 10) == EINVAL,
          "posix_memalign(3) did not fail");
    free(NULL);
    free(NULL);

    free(p);
    free(q);
    free(a);
    for (int i = 0; i < 5; i++)
        free(al[i]);
    expect[FREE] += 3 + 5;
}

static int calls(unsigned long rounds)
{
    for (unsigned long i = 0; i < rounds; i++)
        one_round();
    printf("expect");
    for (int k = 0; k < KINDS; k++)
        printf(" %s=%lu", kind_names[k], expect[k]);
    printf("\n");
    return failed;
}

/* ---- threads ---- */

#define BATCH 64

/* A one-batch mailbox between neighbours on the ring. */
typedef struct mailbox {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    unsigned char *batch[BATCH];
    int full;
} mailbox;

typedef struct worker {
    pthread_t tid;
    unsigned index, threads;
    unsigned long rounds;
    mailbox *boxes;
} worker;

static size_t block_size(unsigned long i)
{
    return 16 + (i * 2654435761u) % 2000;
}

static unsigned char *new_block(unsigned index, unsigned long i)
{
    size_t size = block_size(i);
    unsigned char *b = malloc(size);
    check(b != NULL, "malloc failed in a thread");
    if (!b)
        return NULL;
    b[0] = (unsigned char)index;
    memcpy(b + 1, &i, sizeof i);
    memset(b + 1 + sizeof i, (int)(i & 0xff), size - 1 - sizeof i);
    return b;
}

static void check_block(unsigned char *b, unsigned from)
{
    unsigned long i;

    if (!b)
        return;
    memcpy(&i, b + 1, sizeof i);
    check(b[0] == from, "a block came from the wrong thread");
    for (size_t k = 1 + sizeof i; k < block_size(i); k++)
        if (b[k] != (unsigned char)(i & 0xff)) {
            check(0, "a block lost its contents");
            break;
        }
    free(b);
}

/* Moves a batch into (put) or out of the box, waiting for its turn. */
static void exchange(mailbox *box, unsigned char **batch, int put)
{
    pthread_mutex_lock(&box->lock);
    while (box->full == put)
        pthread_cond_wait(&box->changed, &box->lock);
    for (int i = 0; i < BATCH; i++) {
        if (put)
            box->batch[i] = batch[i];
        else
            batch[i] = box->batch[i];
    }
    box->full = put;
    pthread_cond_broadcast(&box->changed);
    pthread_mutex_unlock(&box->lock);
}

/* Each round: a batch of new blocks to the next thread, then the batch
 * of the thread before checked and freed. */
static void *work(void *arg)
{
    worker *w = arg;
    unsigned char *batch[BATCH];
    unsigned from = (w->index + w->threads - 1) % w->threads;

    for (unsigned long r = 0; r < w->rounds; r++) {
        for (int i = 0; i < BATCH; i++)
            batch[i] = new_block(w->index, r * BATCH + (unsigned long)i);
        exchange(&w->boxes[(w->index + 1) % w->threads], batch, 1);
        exchange(&w->boxes[w->index], batch, 0);
        for (int i = 0; i < BATCH; i++)
            check_block(batch[i], from);
    }
    return NULL;
}

static int threads(unsigned nthreads, unsigned long rounds)
{
    worker *w = calloc(nthreads, sizeof *w);
    mailbox *boxes = calloc(nthreads, sizeof *boxes);

    if (!w || !boxes || nthreads == 0)
        return 1;
    for (unsigned t = 0; t < nthreads; t++) {
        pthread_mutex_init(&boxes[t].lock, NULL);
        pthread_cond_init(&boxes[t].changed, NULL);
        w[t] = (worker){ .index = t, .threads = nthreads, .rounds = rounds,
                         .boxes = boxes };
    }
    for (unsigned t = 0; t < nthreads; t++)
        if (pthread_create(&w[t].tid, NULL, work, &w[t]) != 0)
            return 1;
    for (unsigned t = 0; t < nthreads; t++)
        pthread_join(w[t].tid, NULL);
    free(boxes);
    free(w);
    if (!failed)
        printf("threads: %u x %lu batches of %d blocks, all intact\n",
               nthreads, rounds, BATCH);
    return failed;
}

/* ---- threads one after another ---- */

static void *short_life(void *arg)
{
    void *p[16];

    for (int i = 0; i < 16; i++)
        p[i] = malloc(32 + (size_t)i * (uintptr_t)arg % 512);
    for (int i = 0; i < 16; i++)
        free(p[i]);
    return NULL;
}

/* The process's virtual size in KiB. */
static long vm_size(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    long kib = 0;

    while (status && fgets(line, sizeof line, status))
        sscanf(line, "VmSize: %ld kB", &kib);
    if (status)
        fclose(status);
    return kib;
}

/* Runs n threads one after another; prints how much address space the
 * process gained meanwhile. */
static int spawn(unsigned long n)
{
    long before = vm_size();

    for (unsigned long i = 0; i < n; i++) {
        pthread_t tid;
        if (pthread_create(&tid, NULL, short_life, (void *)(uintptr_t)i))
            return 1;
        pthread_join(tid, NULL);
    }
    printf("KiB gained: %ld\n", vm_size() - before);
    return 0;
}

/* ---- fork ---- */

#define INHERITED 1000

static atomic_int stop_churning;

static void *churner(void *arg)
{
    void *keep[64] = {NULL};

    for (unsigned i = 0; !atomic_load(&stop_churning); i++) {
        free(keep[i % 64]);
        keep[i % 64] = malloc(8 + (i * (uintptr_t)arg) % 700);
    }
    for (int i = 0; i < 64; i++)
        free(keep[i]);
    return NULL;
}

/* In a child: frees half of what it inherited, makes and frees blocks of
 * its own, and exits through exit(). */
static void child(unsigned char **inherited)
{
    unsigned char *own[100];

    for (int i = 0; i < INHERITED; i += 2) {
        check(inherited[i][0] == (unsigned char)i, "an inherited block lost "
              "its contents");
        free(inherited[i]);
    }
    for (int i = 0; i < 100; i++)
        own[i] = malloc(24 + (size_t)i);
    for (int i = 0; i < 100; i++)
        free(own[i]);
    exit(failed);
}

/* n children, forked one after another while two threads allocate. */
static int forks(unsigned n)
{
    static unsigned char *blocks[INHERITED];
    pthread_t tid[2];

    for (int i = 0; i < INHERITED; i++) {
        blocks[i] = malloc(16 + (size_t)i % 300);
        blocks[i][0] = (unsigned char)i;
    }
    for (uintptr_t t = 0; t < 2; t++)
        pthread_create(&tid[t], NULL, churner, (void *)(t + 3));
    for (unsigned c = 0; c < n; c++) {
        int status;
        pid_t pid = fork();
        if (pid == 0)
            child(blocks);
        check(pid > 0 && waitpid(pid, &status, 0) == pid &&
              WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "a child failed");
    }
    atomic_store(&stop_churning, 1);
    for (int t = 0; t < 2; t++)
        pthread_join(tid[t], NULL);
    for (int i = 0; i < INHERITED; i++)
        free(blocks[i]);
    if (!failed)
        printf("fork: %u children exited with status 0\n", n);
    return failed;
}

/* ---- owner ---- */

/* Whether p lies in the brk heap, where glibc's malloc puts small blocks
 * (mimalloc and libhakmem.so map their memory). */
static int in_brk_heap(const void *p)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;

    while (maps && fgets(line, sizeof line, maps)) {
        uintptr_t lo, hi;
        if (strstr(line, "[heap]") &&
            sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2)
            found = (uintptr_t)p >= lo && (uintptr_t)p < hi;
    }
    if (maps)
        fclose(maps);
    return found;
}

static int owner(void)
{
    void *p = malloc(100);

    printf("%s\n", in_brk_heap(p) ? "brk" : "mapped");
    free(p);
    return 0;
}

/* ---- descriptors ---- */

/* Blocks, allocated and freed: enough for the recorder to write chunks. */
static void churn(void)
{
    static void *keep[1000];

    for (int i = 0; i < 100000; i++) {
        free(keep[i % 1000]);
        keep[i % 1000] = malloc(16 + i % 500);
    }
}

/* Closes every descriptor but the standard three, as daemons do, and
 * opens path, likely under a number the recorder used: what the program
 * writes there must stay its own. */
static int fds(const char *path)
{
    static const char line[] = "the program's own line\n";

    churn();
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    check(fd >= 0, "cannot create the file");
    churn();
    check(write(fd, line, sizeof line - 1) == (ssize_t)(sizeof line - 1),
          "cannot write the file");
    churn();
    close(fd);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "calls"))
        return calls(strtoul(argv[2], NULL, 10));
    if (argc == 4 && !strcmp(argv[1], "threads"))
        return threads((unsigned)strtoul(argv[2], NULL, 10),
                       strtoul(argv[3], NULL, 10));
    if (argc == 2 && !strcmp(argv[1], "owner"))
        return owner();
    if (argc == 3 && !strcmp(argv[1], "fds"))
        return fds(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "spawn"))
        return spawn(strtoul(argv[2], NULL, 10));
    if (argc == 3 && !strcmp(argv[1], "fork"))
        return forks((unsigned)strtoul(argv[2], NULL, 10));
    fprintf(stderr, "usage: record_calls calls N | threads T N | spawn N | "
            "fork N | fds FILE | owner\n");
    return 2;
}
