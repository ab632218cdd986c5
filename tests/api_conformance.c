/*
 * api_conformance.c - the observable contract of the malloc family.
 *
 * The program calls the standard names (malloc, free, ...), so it checks
 * whichever allocator is loaded with LD_PRELOAD: libhakmem.so, or glibc and
 * the peer allocators when the test itself is being validated.  It checks:
 *
 *   - malloc(n) for every n in 0..4096 and for sizes up to 64 MiB: a block
 *     (malloc(0) too, as in glibc, although the standard allows NULL),
 *     aligned, malloc_usable_size(p) >= n, every usable byte writable and
 *     read back, and no two live blocks overlapping;
 *   - calloc zeroes, also when it reuses memory that was dirtied and freed,
 *     for small and large blocks;
 *   - failures: calloc overflow, malloc(2^62), realloc(p, 2^62) and
 *     reallocarray overflow return NULL with errno ENOMEM and leave the old
 *     block intact;
 *   - realloc: from NULL, to 0, shrinking and growing across the small and
 *     large ranges, keeping contents;
 *   - posix_memalign, aligned_alloc and memalign for every power-of-two
 *     alignment from 8 to 1 MiB, posix_memalign's EINVAL cases, valloc,
 *     pvalloc;
 *   - malloc_trim, free(NULL), malloc_usable_size(NULL);
 *   - 100000 live blocks of random sizes filled, verified and freed in
 *     random order;
 *   - every function of the family is defined by the allocator that defines
 *     malloc (a function left to the C library would hand out or free
 *     memory of the wrong heap).
 *
 * Usage: api_conformance [--peer]
 *
 * By default the contract is glibc's on x86-64, which hakmem promises.
 * --peer accepts what other allocators legitimately do differently: blocks
 * of at most 8 bytes only 8-byte aligned (the C standard's minimum), calloc
 * overflow without errno, and functions the allocator leaves to the C
 * library, which are then not exercised (glibc's pvalloc under jemalloc
 * returns memory that jemalloc's free cannot take).
 *
 * Prints "ok N checks" and exits 0, or one line per failed check (file:line
 * and what was expected) and exits 1.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define SHOWN_PER_CHECK 5

static bool peer_mode;
static unsigned long n_checks, n_failures;

/* How many failures each failing check (source line) has shown so far. */
static struct {
    int line;
    unsigned shown;
} failing[256];
static size_t n_failing;

/* Whether a failure at line should still be shown (the first few are). */
static bool should_show(int line)
{
    size_t i = 0;
    while (i < n_failing && failing[i].line != line)
        i++;
    if (i == n_failing) {
        if (n_failing == sizeof failing / sizeof failing[0])
            return false;
        failing[n_failing++].line = line;
    }
    if (failing[i].shown < SHOWN_PER_CHECK) {
        failing[i].shown++;
        return true;
    }
    if (failing[i].shown == SHOWN_PER_CHECK) {
        failing[i].shown++;
        printf("%s:%d: (further failures of this check not shown)\n", __FILE__, line);
    }
    return false;
}

static bool check_at(int line, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Counts one check; prints "file:line: message" when it fails. */
static bool check_at(int line, bool ok, const char *fmt, ...)
{
    n_checks++;
    if (ok)
        return true;
    n_failures++;
    if (should_show(line)) {
        va_list ap;
        va_start(ap, fmt);
        printf("%s:%d: ", __FILE__, line);
        vprintf(fmt, ap);
        putchar('\n');
        va_end(ap);
    }
    return false;
}

#define CHECK(cond, ...) check_at(__LINE__, (cond), __VA_ARGS__)

/*
 * Values laundered through an empty asm statement: the optimiser can no
 * longer see where they came from, so it cannot fold or warn about calls
 * with absurd constant sizes, drop free(NULL), assume that memory from
 * calloc reads as zero, or take a block still owned after a failed realloc
 * for a freed one (GCC 12's -Wuse-after-free does not tell the paths apart).
 */
static size_t hide_size(size_t n)
{
    __asm__("" : "+r"(n));
    return n;
}

static void *hide_ptr(void *p)
{
    __asm__("" : "+r"(p));
    return p;
}

static bool is_aligned(const void *p, size_t alignment)
{
    return ((uintptr_t)p & (alignment - 1)) == 0;
}

/* The alignment every block of n bytes must have (see --peer above). */
static size_t min_alignment(size_t n)
{
    return peer_mode && n <= 8 ? 8 : 16;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* A uniformly random number in [lo, hi]. */
static size_t random_between(uint64_t *rng, size_t lo, size_t hi)
{
    return lo + (size_t)(splitmix64(rng) % (hi - lo + 1));
}

/*
 * A block under test: size bytes at p hold the pattern of tag.  The byte at
 * offset i depends on the tag and on i, so a block that overlaps another,
 * or that realloc copied to the wrong offset, reads back wrong.
 */
struct block {
    unsigned char *p;
    size_t size;
    uint64_t tag;
};

static unsigned char pattern_byte(uint64_t tag, size_t i)
{
    uint64_t seed = tag * 0x9E3779B97F4A7C15u;
    return (unsigned char)((seed >> (8 * (i % 8))) + i / 8);
}

static void fill(const struct block *b)
{
    for (size_t i = 0; i < b->size; i++)
        b->p[i] = pattern_byte(b->tag, i);
}

/* Offset of the first of the first n bytes of b that lost the pattern, or n. */
static size_t first_mismatch(const struct block *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b->p[i] != pattern_byte(b->tag, i))
            return i;
    return n;
}

static void verify(const char *what, const struct block *b)
{
    size_t bad = first_mismatch(b, b->size);
    CHECK(bad == b->size,
          "%s: block %p of %zu bytes: expected its pattern to read back, "
          "byte %zu differs", what, (void *)b->p, b->size, bad);
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct block *)a)->p;
    uintptr_t y = (uintptr_t)((const struct block *)b)->p;
    return (x > y) - (x < y);
}

/* Checks that the usable ranges of n live blocks are pairwise disjoint. */
static void check_disjoint(const char *what, const struct block *blocks, size_t n)
{
    struct block *sorted = malloc(n * sizeof *sorted);
    if (!CHECK(sorted != NULL, "%s: malloc for %zu block records failed", what, n))
        return;
    memcpy(sorted, blocks, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_address);
    for (size_t i = 0; i + 1 < n; i++) {
        size_t usable = malloc_usable_size(sorted[i].p);
        CHECK(sorted[i].p + usable <= sorted[i + 1].p,
              "%s: expected live blocks to be disjoint, but %p (%zu usable "
              "bytes) overlaps %p", what, (void *)sorted[i].p, usable,
              (void *)sorted[i + 1].p);
    }
    free(sorted);
}

/* Verifies, checks disjointness of, and frees n blocks, in array order. */
static void verify_and_free(const char *what, struct block *blocks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        verify(what, &blocks[i]);
    check_disjoint(what, blocks, n);
    for (size_t i = 0; i < n; i++)
        free(blocks[i].p);
}

/*
 * Checks a fresh block p of n bytes from `what` (NULL counts as a failure):
 * its alignment and usable size.  On success, records it in *b covering its
 * whole usable size, filled with the pattern of tag.
 */
static bool take_block(const char *what, void *p, size_t n, size_t alignment,
                       uint64_t tag, struct block *b)
{
    if (!CHECK(p != NULL, "%s, n = %zu: expected a block, got NULL", what, n))
        return false;
    size_t usable = malloc_usable_size(p);
    CHECK(is_aligned(p, alignment), "%s, n = %zu: %p: expected %zu-byte alignment",
          what, n, p, alignment);
    CHECK(usable >= n, "%s, n = %zu: %p: expected malloc_usable_size >= %zu, got %zu",
          what, n, p, n, usable);
    *b = (struct block){ .p = p, .size = usable, .tag = tag };
    fill(b);
    return true;
}

/*
 * Whether the allocator that defines malloc also defines fn.  A function
 * left to the C library fails the check; under --peer it is only noted.
 * Either way the caller must not exercise it.
 */
static bool provided(void *fn, const char *name)
{
    Dl_info own, other;
    if (!dladdr((void *)malloc, &own) || !dladdr(fn, &other)) {
        CHECK(false, "dladdr cannot locate malloc or %s", name);
        return false;
    }
    if (own.dli_fbase == other.dli_fbase)
        return true;
    if (peer_mode) {
        printf("note: %s is defined by %s, not by the allocator (%s); not exercised\n",
               name, other.dli_fname, own.dli_fname);
        return false;
    }
    CHECK(false, "expected %s to be defined by the allocator (%s), found it in %s",
          name, own.dli_fname, other.dli_fname);
    return false;
}

static void check_family_provided(void)
{
    provided((void *)free, "free");
    provided((void *)calloc, "calloc");
    provided((void *)realloc, "realloc");
    provided((void *)posix_memalign, "posix_memalign");
    provided((void *)aligned_alloc, "aligned_alloc");
    provided((void *)memalign, "memalign");
    provided((void *)valloc, "valloc");
    provided((void *)malloc_usable_size, "malloc_usable_size");
    /* reallocarray, pvalloc and malloc_trim: checked where they are used */
}

static const size_t large_sizes[] = {
    4097, 8191, 8192, 8193, 12345, 16384, 32769, 65536, 65537,
    128 * KiB, 128 * KiB + 1, 256 * KiB, 500000, MiB - 1, MiB, MiB + 1,
    2 * MiB, 4 * MiB + 17, 8 * MiB, 16 * MiB, 32 * MiB + 1, 64 * MiB,
};
#define N_LARGE (sizeof large_sizes / sizeof large_sizes[0])
#define SMALL_LIMIT 4096

/* malloc(n) for n = 0..4096 and the large sizes, all live at once. */
static void check_malloc_sizes(void)
{
    static struct block blocks[SMALL_LIMIT + 1 + N_LARGE];
    size_t n_blocks = 0;

    for (size_t i = 0; i < SMALL_LIMIT + 1 + N_LARGE; i++) {
        size_t n = i <= SMALL_LIMIT ? i : large_sizes[i - SMALL_LIMIT - 1];
        if (take_block("malloc", malloc(n), n, min_alignment(n), i, &blocks[n_blocks]))
            n_blocks++;
    }
    verify_and_free("malloc sizes", blocks, n_blocks);

    CHECK(malloc_usable_size(hide_ptr(NULL)) == 0,
          "expected malloc_usable_size(NULL) == 0");
    free(hide_ptr(NULL)); /* must be a no-op: a crash here is the failure */
}

/*
 * calloc(1, n) and calloc(n, 1), many times over, right after blocks of
 * the same size were filled with 0xAA and freed, so that an allocator that
 * reuses them must clear them.
 */
static void check_calloc_zeroes(void)
{
    static const size_t sizes[] = {
        1, 16, 24, 48, 100, 128, 129, 1000, 4096, 70000, MiB, 8 * MiB + 3,
        32 * MiB,
    };
    enum { BATCH = 32, ROUNDS = 8 };
    void *batch[BATCH];

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        size_t count = n >= MiB ? 2 : BATCH;
        for (size_t i = 0; i < count; i++) {
            batch[i] = hide_ptr(malloc(n));
            if (CHECK(batch[i] != NULL, "malloc(%zu): expected a block", n))
                memset(batch[i], 0xAA, malloc_usable_size(batch[i]));
        }
        for (size_t i = 0; i < count; i++)
            free(batch[i]);

        for (int round = 0; round < ROUNDS; round++) {
            for (size_t i = 0; i < count; i++) {
                bool bytewise = (round + i) % 2;
                unsigned char *p = hide_ptr(bytewise ? calloc(n, 1) : calloc(1, n));
                batch[i] = p;
                if (!CHECK(p != NULL, "calloc of %zu bytes: expected a block", n))
                    continue;
                CHECK(is_aligned(p, min_alignment(n)),
                      "calloc of %zu bytes = %p: expected %zu-byte alignment",
                      n, (void *)p, min_alignment(n));
                size_t nonzero = 0;
                while (nonzero < n && p[nonzero] == 0)
                    nonzero++;
                CHECK(nonzero == n,
                      "calloc(%zu, %zu) = %p: expected all zero, byte %zu is 0x%02x",
                      bytewise ? n : 1, bytewise ? 1 : n, (void *)p, nonzero,
                      nonzero < n ? p[nonzero] : 0);
                memset(p, 0xAA, malloc_usable_size(p));
            }
            for (size_t i = 0; i < count; i++)
                free(batch[i]);
        }
    }
}

/* Requests that cannot be met fail cleanly and leave old blocks alone. */
static void check_failures(void)
{
    const size_t huge = hide_size((size_t)1 << 62);

    errno = 0;
    void *p = calloc(hide_size(SIZE_MAX / 2), 3);
    CHECK(p == NULL, "calloc(SIZE_MAX/2, 3): expected NULL (overflow), got %p", p);
    CHECK(peer_mode || errno == ENOMEM,
          "calloc(SIZE_MAX/2, 3): expected errno ENOMEM, got %d", errno);

    errno = 0;
    p = malloc(huge);
    CHECK(p == NULL, "malloc(2^62): expected NULL, got %p", p);
    CHECK(errno == ENOMEM, "malloc(2^62): expected errno ENOMEM, got %d", errno);

    struct block b;
    if (!take_block("malloc", malloc(100), 100, 16, 1, &b))
        return;
    errno = 0;
    p = realloc(hide_ptr(b.p), huge);
    CHECK(p == NULL, "realloc(p, 2^62): expected NULL, got %p", p);
    CHECK(errno == ENOMEM, "realloc(p, 2^62): expected errno ENOMEM, got %d", errno);
    verify("block after a failed realloc", &b);
    free(b.p);
}

/*
 * A block of `from` bytes, filled, reallocated to `to` bytes: the common
 * prefix survives and the result is a proper block of `to` bytes.
 */
static void check_realloc_pair(size_t from, size_t to)
{
    struct block b = { .p = malloc(from), .size = from, .tag = from ^ to };
    if (!CHECK(b.p != NULL, "malloc(%zu): expected a block", from))
        return;
    fill(&b);
    unsigned char *q = realloc(hide_ptr(b.p), to);
    if (!CHECK(q != NULL, "realloc(%zu -> %zu): expected a block", from, to)) {
        free(b.p);
        return;
    }
    b.p = q;
    b.size = from < to ? from : to;
    verify(to < from ? "realloc shrink" : "realloc grow", &b);
    struct block result;
    if (take_block("realloc result", q, to, min_alignment(to), to, &result))
        verify("realloc result", &result);
    free(q);
}

/*
 * realloc.  Shrinking may move the block: the standard allows it, and an
 * allocator with size classes moves a block that falls into a smaller
 * class.  So only contents are checked, never whether the address stayed.
 */
static void check_realloc(void)
{
    static const size_t sizes[] = { 0, 1, 100, 5000, 300000 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct block b;
        if (take_block("realloc(NULL, n)", realloc(NULL, sizes[i]), sizes[i],
                       min_alignment(sizes[i]), i, &b)) {
            verify("realloc(NULL, n)", &b);
            free(b.p);
        }
    }

    /* realloc(p, 0) frees p; it returns NULL (glibc) or a fresh block. */
    void *live = malloc(100);
    void *q = realloc(malloc(100), 0);
    CHECK(q == NULL || q != live,
          "realloc(p, 0) = %p: expected NULL or a block distinct from live %p",
          q, live);
    free(q);
    free(live);

    static const size_t pairs[][2] = {
        { 100, 40 }, { 5000, 100 }, { 300000, 1000 }, { 64 * MiB, 4 * MiB },
        { 4 * MiB, 4 * MiB - 4096 }, { 2 * MiB, 16 }, { 24, 100 },
        { 100, 2000 }, { 2000, MiB }, { MiB, 16 * MiB }, { 3 * MiB, 3 * MiB + 1 },
        { 16, 17 }, { 4096, 4097 },
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        check_realloc_pair(pairs[i][0], pairs[i][1]);

    /* A vector growing by half again each time, then shrinking back. */
    struct block b = { .p = NULL, .size = 0, .tag = 42 };
    for (size_t n = 1; n <= 8 * MiB; n += n / 2 + 1) {
        unsigned char *p = realloc(b.p, n);
        if (!CHECK(p != NULL, "realloc to %zu: expected a block", n))
            break;
        b.p = p;
        verify("realloc growing step by step", &b);
        b.size = n;
        fill(&b);
    }
    for (size_t n = b.size; b.p != NULL && n > 0; n /= 3) {
        unsigned char *p = realloc(b.p, n);
        if (!CHECK(p != NULL, "realloc down to %zu: expected a block", n))
            break;
        b.p = p;
        b.size = n;
        verify("realloc shrinking step by step", &b);
    }
    free(b.p);
}

static void check_reallocarray(void)
{
    if (!provided((void *)reallocarray, "reallocarray"))
        return;
    struct block b = { .p = malloc(100), .size = 100, .tag = 7 };
    if (!CHECK(b.p != NULL, "malloc(100): expected a block"))
        return;
    fill(&b);
    unsigned char *p = reallocarray(hide_ptr(b.p), 50, 40);
    if (!CHECK(p != NULL, "reallocarray(p, 50, 40): expected a block")) {
        free(b.p);
        return;
    }
    b.p = p;
    verify("reallocarray(p, 50, 40)", &b);

    errno = 0;
    p = reallocarray(hide_ptr(b.p), hide_size(SIZE_MAX / 2), 3);
    CHECK(p == NULL, "reallocarray(p, SIZE_MAX/2, 3): expected NULL (overflow), got %p",
          (void *)p);
    CHECK(errno == ENOMEM, "reallocarray(p, SIZE_MAX/2, 3): expected errno ENOMEM, got %d",
          errno);
    verify("block after a failed reallocarray", &b);
    free(b.p);
}

/*
 * posix_memalign, aligned_alloc and memalign for every power-of-two
 * alignment from 8 to 1 MiB, with sizes below, equal to and above the
 * alignment (size == alignment is what one over-aligned object asks for;
 * mimalloc 2.0.9 gets 256..1024 wrong), then their invalid cases, valloc
 * and pvalloc.
 */
static void check_aligned(void)
{
    static const size_t sizes[] = { 1, 100, 640, 0 /* the alignment */, 5000, 300000 };
    enum {
        N_SIZES = sizeof sizes / sizeof sizes[0],
        N_ALIGNMENTS = 20 - 3 + 1, /* 8 .. 1 MiB */
    };
    static struct block blocks[3 * N_ALIGNMENTS * N_SIZES];
    size_t n_blocks = 0;

    for (size_t alignment = 8; alignment <= MiB; alignment *= 2) {
        for (size_t s = 0; s < N_SIZES; s++) {
            size_t n = sizes[s] != 0 ? sizes[s] : alignment;
            void *p = NULL;
            int rc = posix_memalign(&p, alignment, n);
            CHECK(rc == 0, "posix_memalign(%zu, %zu): expected 0, got %d", alignment, n, rc);
            if (rc == 0 && take_block("posix_memalign", p, n, alignment, n_blocks,
                                      &blocks[n_blocks]))
                n_blocks++;
            /* C11 asks aligned_alloc for a multiple of the alignment. */
            size_t rounded = (n + alignment - 1) / alignment * alignment;
            if (take_block("aligned_alloc", aligned_alloc(alignment, rounded), rounded,
                           alignment, n_blocks, &blocks[n_blocks]))
                n_blocks++;
            if (take_block("memalign", memalign(alignment, n), n, alignment, n_blocks,
                           &blocks[n_blocks]))
                n_blocks++;
        }
    }
    verify_and_free("aligned allocations", blocks, n_blocks);

    /* Not a power of two, or a power of two below sizeof(void *). */
    static const size_t invalid[] = { 0, 1, 4, 24, 48, 4097 };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        static char untouched;
        void *p = &untouched;
        int rc = posix_memalign(&p, hide_size(invalid[i]), 100);
        CHECK(rc == EINVAL, "posix_memalign(alignment %zu): expected EINVAL, got %d",
              invalid[i], rc);
        CHECK(p == &untouched,
              "posix_memalign(alignment %zu): expected *memptr untouched, got %p",
              invalid[i], p);
    }

    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    struct block b;
    if (take_block("valloc", valloc(1), 1, page, 3, &b))
        verify_and_free("valloc", &b, 1);
    if (provided((void *)pvalloc, "pvalloc") &&
        take_block("pvalloc(1), a page", pvalloc(1), page, page, 4, &b))
        verify_and_free("pvalloc", &b, 1);
}

/* malloc_trim after a burst of freed memory; the heap keeps working. */
static void check_trim(void)
{
    enum { N = 2000 };
    static struct block blocks[N];

    if (!provided((void *)malloc_trim, "malloc_trim"))
        return;
    for (int round = 0; round < 2; round++) {
        const char *what = round == 0 ? "malloc before malloc_trim"
                                      : "malloc after malloc_trim";
        size_t n_blocks = 0;
        for (size_t i = 0; i < N; i++) {
            size_t n = i * 37 + 10000;
            if (take_block(what, malloc(n), n, 16, i, &blocks[n_blocks]))
                n_blocks++;
        }
        verify_and_free(what, blocks, n_blocks);
        if (round == 0) {
            int rc = malloc_trim(0);
            CHECK(rc == 0 || rc == 1, "malloc_trim(0): expected 0 or 1, got %d", rc);
        }
    }
}

/*
 * 100000 live blocks, mostly 1..2000 bytes, one in a thousand up to 1 MiB,
 * each filled with the pattern of its index, all verified, then freed in
 * random order.
 */
static void check_many(void)
{
    enum { N = 100000 };
    static struct block blocks[N];
    uint64_t rng = 12345;
    size_t n_blocks = 0;

    for (size_t i = 0; i < N; i++) {
        size_t n = random_between(&rng, 0, 999) == 0 ? random_between(&rng, 2001, MiB)
                                                     : random_between(&rng, 1, 2000);
        struct block *b = &blocks[n_blocks];
        *b = (struct block){ .p = malloc(n), .size = n, .tag = i };
        if (!CHECK(b->p != NULL, "malloc(%zu): expected a block", n))
            continue;
        CHECK(is_aligned(b->p, min_alignment(n)),
              "malloc(%zu) = %p: expected %zu-byte alignment", n, (void *)b->p,
              min_alignment(n));
        fill(b);
        n_blocks++;
    }
    for (size_t i = n_blocks - 1; i > 0; i--) {
        size_t j = random_between(&rng, 0, i);
        struct block t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    verify_and_free("100000 blocks", blocks, n_blocks);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--peer") == 0) {
        peer_mode = true;
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--peer]\n", argv[0]);
        return 2;
    }

    check_family_provided();
    check_malloc_sizes();
    check_calloc_zeroes();
    check_failures();
    check_realloc();
    check_reallocarray();
    check_aligned();
    check_trim();
    check_many();

    if (n_failures > 0) {
        printf("FAILED %lu of %lu checks\n", n_failures, n_checks);
        return 1;
    }
    printf("ok %lu checks\n", n_checks);
    return 0;
}
