/*
 * spantable.c - the large-span table finds what it holds: after every
 * add and remove of a random churn, checked against a plain list of the
 * spans it should hold, every span is found by its base and by its end,
 * the age order is by freed_at, and the size bins hold every span once,
 * each bin's spans smaller than any of a later bin's.
 */
#include "unit.h"

#include "core/spantable.h"

#define MAPPINGS 4
#define PIECES 64 /* spans a mapping is cut into at most */
#define PAGE ((size_t)4096)

typedef struct model {
    hk_span span[MAPPINGS * PIECES];
    unsigned id[MAPPINGS * PIECES];
    unsigned n;
} model;

static uint64_t rng_state = 1234567;

static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void check_against(hk_spantab *t, const model *m)
{
    for (unsigned i = 0; i < m->n; i++) {
        const hk_span *s = &m->span[i];
        CHECK_EQ(hk_spantab_starting_at(t, s->base, s->mapping), m->id[i]);
        CHECK_EQ(hk_spantab_ending_at(t, s->base + s->bytes, s->mapping),
                 m->id[i]);
        CHECK(hk_spantab_starting_at(t, s->base, s->mapping + 1) == 0,
              "found under another mapping");
    }
    unsigned aged = 0;
    uint64_t last = 0;
    for (unsigned id = hk_spantab_oldest(t); id; id = hk_spantab_newer(t, id)) {
        CHECK(hk_spantab_at(t, id)->freed_at >= last, "age order broken");
        last = hk_spantab_at(t, id)->freed_at;
        aged++;
    }
    CHECK_EQ(aged, m->n);
    unsigned binned = 0;
    size_t below = 0; /* the largest span of the bins before */
    for (unsigned b = 0; b < HK_SPANTAB_BINS; b++) {
        size_t most = 0;
        for (unsigned id = hk_spantab_bin_first(t, b); id;
             id = hk_spantab_bin_next(t, id)) {
            const hk_span *s = hk_spantab_at(t, id);
            CHECK(!s->whole && s->bytes > below,
                  "bin %u: %zu bytes after %zu", b, s->bytes, below);
            most = s->bytes > most ? s->bytes : most;
            binned++;
        }
        CHECK(hk_spantab_used_bin(t, b) == b || !hk_spantab_bin_first(t, b),
              "bin %u holds spans but is not marked", b);
        unsigned next = hk_spantab_used_bin(t, b);
        for (unsigned e = b; e < next; e++)
            CHECK(!hk_spantab_bin_first(t, e), "bin %u skipped", e);
        below = most > below ? most : below;
    }
    for (unsigned id = hk_spantab_bin_first(t, HK_SPANTAB_WHOLE); id;
         id = hk_spantab_bin_next(t, id)) {
        CHECK(hk_spantab_at(t, id)->whole, "a part on the whole list");
        binned++;
    }
    CHECK_EQ(binned, m->n);
}

/* Spans cut from MAPPINGS regions, each cut into pieces of random sizes
 * that are added and removed at random, with freed_at mostly rising. */
static void churn_finds_every_span(void)
{
    hk_spantab *t = calloc(1, sizeof *t);
    static model m;
    static hk_span piece[MAPPINGS * PIECES];
    unsigned pieces = 0;
    for (unsigned k = 0; k < MAPPINGS; k++) {
        char *at = (char *)((uintptr_t)(k + 1) << 36);
        for (unsigned i = 0; i < PIECES; i++) {
            size_t bytes = PAGE * (1 + rng() % (i % 8 ? 64 : 8192));
            piece[pieces++] = (hk_span){at, bytes, bytes / 2, k + 1, 0,
                                        i == 0 && k == 0, false};
            at += bytes;
        }
    }
    uint64_t clock = 0;
    for (int step = 0; step < 20000; step++) {
        unsigned i = (unsigned)(rng() % pieces), j = 0;
        while (j < m.n && m.span[j].base != piece[i].base)
            j++;
        if (j < m.n) {
            hk_spantab_remove(t, m.id[j]);
            m.n--;
            m.span[j] = m.span[m.n];
            m.id[j] = m.id[m.n];
        } else {
            clock += rng() % 4;
            piece[i].freed_at = rng() % 8 ? clock : clock / 2;
            m.span[m.n] = piece[i];
            m.id[m.n++] = hk_spantab_add(t, &piece[i]);
        }
        if (step % 97 == 0 || step > 19900)
            check_against(t, &m);
    }
    while (m.n) {
        hk_spantab_remove(t, m.id[--m.n]);
        check_against(t, &m);
    }
    CHECK(!hk_spantab_oldest(t), "an empty table still has an oldest span");
    free(t);
}

UNIT_MAIN(TEST(churn_finds_every_span))
