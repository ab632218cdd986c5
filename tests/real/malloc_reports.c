/*
 * malloc_reports.c - run with libhakmem.so preloaded: glibc's reports
 * answer with hakmem's figures.  mallinfo2() counts in uordblks exactly
 * the usable bytes of the blocks this program took (an independent sum
 * of malloc_usable_size), in hblks and hblkhd the large block, and
 * arena + hblkhd = uordblks + fordblks; mallinfo() says the same in ints;
 * everything is given back when the blocks are freed.  Then it prints
 * the figures of a moment with live blocks (NAME=VALUE lines on stdout),
 * malloc_info's XML into the file argv[1] and malloc_stats on stderr, all
 * three without allocating between them, for the script to compare.
 *
 * Exit status 0, or 1 with a line per failed check.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#define N 1000
#define BIG (1u << 20)

static int failures;

static void check(int ok, const char *what, size_t got, size_t want)
{
    if (!ok) {
        fprintf(stderr, "FAIL: %s: %zu, expected %zu\n", what, got, want);
        failures++;
    }
}

int main(int argc, char **argv)
{
    static void *blocks[N];
    static char out_buf[1 << 12], info_buf[1 << 12];
    if (argc != 2) {
        fprintf(stderr, "usage: malloc_reports INFO.xml\n");
        return 2;
    }
    /* Streams with buffers of their own: printing allocates nothing. */
    FILE *info = fopen(argv[1], "w");
    if (!info || setvbuf(info, info_buf, _IOFBF, sizeof info_buf) != 0 ||
        setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf) != 0)
        return 2;
    struct mallinfo2 before = mallinfo2();
    size_t usable = 0;
    for (int i = 0; i < N; i++) {
        blocks[i] = malloc(100 + (size_t)(i % 200) * 7);
        usable += malloc_usable_size(blocks[i]);
    }
    void *big = malloc(BIG);
    usable += malloc_usable_size(big);
    struct mallinfo2 during = mallinfo2();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    struct mallinfo old = mallinfo(); /* deprecated, and still answered */
#pragma GCC diagnostic pop

    check(during.uordblks - before.uordblks == usable,
          "uordblks grew by", during.uordblks - before.uordblks, usable);
    check(during.arena > 0 && during.arena % (2u << 20) == 0,
          "arena, whole SuperSlabs", during.arena, 2u << 20);
    check(during.hblks == before.hblks + 1, "hblks", during.hblks,
          before.hblks + 1);
    check(during.hblkhd >= before.hblkhd + BIG, "hblkhd", during.hblkhd,
          before.hblkhd + BIG);
    check(during.arena + during.hblkhd == during.uordblks + during.fordblks,
          "uordblks + fordblks", during.uordblks + during.fordblks,
          during.arena + during.hblkhd);
    check(during.fsmblks <= during.fordblks, "fsmblks", during.fsmblks,
          during.fordblks);
    check((size_t)old.uordblks == during.uordblks, "mallinfo().uordblks",
          (size_t)old.uordblks, during.uordblks);
    check((size_t)old.arena == during.arena, "mallinfo().arena",
          (size_t)old.arena, during.arena);

    /* The three reports of one moment. */
    struct mallinfo2 now = mallinfo2();
    malloc_info(0, info);
    malloc_stats();
    printf("arena=%zu\nhblkhd=%zu\nuordblks=%zu\nfordblks=%zu\nheld=%zu\n",
           now.arena, now.hblkhd, now.uordblks, now.fordblks, usable);
    check(malloc_info(1, info) == -1, "malloc_info(1, ...) refused", 0, 1);

    for (int i = 0; i < N; i++)
        free(blocks[i]);
    free(big);
    struct mallinfo2 after = mallinfo2();
    check(after.uordblks + usable == during.uordblks,
          "uordblks after the frees", after.uordblks,
          during.uordblks - usable);
    check(after.arena + after.hblkhd == after.uordblks + after.fordblks,
          "uordblks + fordblks after the frees",
          after.uordblks + after.fordblks, after.arena + after.hblkhd);
    if (fclose(info) != 0)
        return 2;
    return failures ? 1 : 0;
}
