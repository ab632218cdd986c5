/*
 * realloc_growth.c - buffers grown by realloc a little at a time, as a
 * string builder, a reader of unknown-length input or a vector grown by a
 * constant step does, several at once.
 *
 * usage: realloc_growth [-b BUFFERS] [-n ROUNDS] [-m MAX] [-s STEP] [-d]
 *                       [-r SEED] [-X]
 *
 * A round starts BUFFERS empty buffers, each with a target length drawn
 * from [MAX/8, MAX]; in turn, every buffer not yet at its target grows by
 * a random 1 to STEP bytes with realloc and has the new bytes written
 * (memset, then a pattern word per 4 KiB page of them).  When all are at
 * their targets, each is checked and freed.  With -d a buffer doubles
 * instead, from STEP bytes, as a dynamic array does (the last step stops
 * at the target).  Buffers grown in turn lie in each other's way, so an
 * allocator must move them or have left room.
 * One thread; the clock runs over all ROUNDS rounds.
 *
 * The run fails (status 1) on a damaged buffer; -X damages the first
 * buffer of the first round, to show that the check works.
 *
 * Prints exactly one line on success:
 *   RESULT bench=realloc_growth buffers=B rounds=R max=M step=S growth=G
 *          seed=X checked=C ops_per_s=N seconds=T maxrss_kb=K
 * (growth: steps, or doubling with -d; checked: buffers checked and
 * freed; ops: each realloc and each free.)
 * Bad arguments: exit status 2.
 */
#define _POSIX_C_SOURCE 200809L	/* for clock_gettime, getopt; before any header */
#include "bench.h"

static const char prog[] = "realloc_growth";
static const char usage[] =
    "usage: realloc_growth [-b BUFFERS] [-n ROUNDS] [-m MAX] [-s STEP] [-d]\n"
    "                      [-r SEED] [-X]\n"
    "  -b BUFFERS  buffers grown at once, 1 to 64 (default 4)\n"
    "  -n ROUNDS   rounds to run (default 10)\n"
    "  -m MAX      longest target length in bytes, >= 64 (default 8388608)\n"
    "  -s STEP     longest growth step in bytes (default 8192)\n"
    "  -d          double each buffer instead, from STEP bytes\n"
    "  -r SEED     PRNG seed (default 1234567)\n"
    "  -X          damage one buffer, to test the check\n";

#define MAX_BUFFERS 64

struct config {
    uint64_t buffers;
    uint64_t rounds;
    uint64_t max;
    uint64_t step;
    uint64_t seed;
    bool doubling;
    bool damage;
};

struct buffer {
    unsigned char *bytes;
    size_t length;
    size_t target;
    uint64_t tag;
};

static struct config parse_config(int argc, char **argv)
{
    struct config cfg = {
        .buffers = 4, .rounds = 10, .max = 8 << 20, .step = 8192,
        .seed = 1234567,
    };
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":hb:n:m:s:dr:X")) != -1) {
        switch (c) {
        case 'b': cfg.buffers = option_u64(prog, usage, c, optarg, 1, MAX_BUFFERS); break;
        case 'n': cfg.rounds = option_u64(prog, usage, c, optarg, 1, UINT64_MAX); break;
        case 'm': cfg.max = option_u64(prog, usage, c, optarg, 64, SIZE_MAX / 4); break;
        case 's': cfg.step = option_u64(prog, usage, c, optarg, 1, SIZE_MAX / 4); break;
        case 'd': cfg.doubling = true; break;
        case 'r': cfg.seed = option_u64(prog, usage, c, optarg, 0, UINT64_MAX); break;
        case 'X': cfg.damage = true; break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);
    return cfg;
}

/* The byte every written position holds, and the words at each page
 * boundary: the tag catches bytes of another buffer, the offset in the
 * word bytes that moved. */
static unsigned char fill_byte(uint64_t tag)
{
    return (unsigned char)(tag | 1);
}

static void append(struct buffer *b, size_t length)
{
    unsigned char *bytes = realloc(b->bytes, length);

    if (bytes == NULL) {
        fprintf(stderr, "%s: realloc of %zu bytes failed\n", prog, length);
        exit(1);
    }
    memset(bytes + b->length, fill_byte(b->tag), length - b->length);
    /* The first word that did not fit before. */
    size_t from = b->length > 7 ? b->length - 7 : 0;
    size_t first = (from + PATTERN_STRIDE - 1) / PATTERN_STRIDE * PATTERN_STRIDE;
    for (size_t offset = first; offset + 8 <= length; offset += PATTERN_STRIDE)
        pattern_put(bytes, offset, b->tag);
    b->bytes = bytes;
    b->length = length;
}

/* The first position that does not hold what append wrote there, or the
 * length: page by page, the word at its start, then its other bytes
 * against a page of the fill byte. */
static size_t first_damaged(const struct buffer *b)
{
    unsigned char fill[PATTERN_STRIDE];

    memset(fill, fill_byte(b->tag), sizeof(fill));
    for (size_t page = 0; page < b->length; page += PATTERN_STRIDE) {
        size_t end = b->length - page < PATTERN_STRIDE ? b->length : page + PATTERN_STRIDE;
        size_t from = page;
        if (page + 8 <= b->length) {
            uint64_t word;
            memcpy(&word, b->bytes + page, sizeof(word));
            if (word != pattern_word(b->tag, page))
                return page;
            from += 8;
        }
        if (memcmp(b->bytes + from, fill, end - from) != 0)
            for (size_t offset = from; offset < end; offset++)
                if (b->bytes[offset] != fill[0])
                    return offset;
    }
    return b->length;
}

static void check_and_free(struct buffer *b)
{
    size_t offset = first_damaged(b);

    if (offset != b->length) {
        fprintf(stderr, "%s: buffer %p of %zu bytes corrupted at offset %zu\n",
            prog, (void *)b->bytes, b->length, offset);
        exit(1);
    }
    free(b->bytes);
    *b = (struct buffer){0};
}

int main(int argc, char **argv)
{
    struct config cfg = parse_config(argc, argv);
    struct buffer buf[MAX_BUFFERS] = {{0}};
    struct rng rng = rng_for_lane(cfg.seed, 0);
    uint64_t ops = 0, checked = 0;

    double start = now_seconds();
    for (uint64_t round = 0; round < cfg.rounds; round++) {
        for (uint64_t i = 0; i < cfg.buffers; i++) {
            buf[i].tag = rng_next(&rng);
            buf[i].target = cfg.max / 8 + rng_below(&rng, cfg.max - cfg.max / 8 + 1);
        }
        for (uint64_t growing = cfg.buffers; growing > 0;) {
            growing = 0;
            for (uint64_t i = 0; i < cfg.buffers; i++) {
                struct buffer *b = &buf[i];
                if (b->length == b->target)
                    continue;
                size_t length;
                if (cfg.doubling)
                    length = b->length ? 2 * b->length : cfg.step;
                else
                    length = b->length + 1 + rng_below(&rng, cfg.step);
                append(b, length < b->target ? length : b->target);
                ops++;
                growing += b->length < b->target;
            }
        }
        if (cfg.damage && round == 0)
            buf[0].bytes[0] ^= 0xff;
        for (uint64_t i = 0; i < cfg.buffers; i++)
            check_and_free(&buf[i]);
        ops += cfg.buffers;
        checked += cfg.buffers;
    }
    double seconds = now_seconds() - start;

    printf("RESULT bench=realloc_growth buffers=%" PRIu64 " rounds=%" PRIu64
           " max=%" PRIu64 " step=%" PRIu64 " growth=%s seed=%" PRIu64
           " checked=%" PRIu64 " ops_per_s=%.0f seconds=%.6f maxrss_kb=%ld\n",
           cfg.buffers, cfg.rounds, cfg.max, cfg.step,
           cfg.doubling ? "doubling" : "steps", cfg.seed, checked,
           (double)ops / seconds, seconds, maxrss_kb());
    return 0;
}
