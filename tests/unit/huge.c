/*
 * huge.c - the huge-page advice for new mappings, of large blocks and of
 * SuperSlabs: the policy's thresholds on its own, then the allocator's
 * calls counted by the backend and, where the kernel gives huge pages to
 * advised memory, the kernel's own account of them (/proc/self/smaps).
 */
#define _GNU_SOURCE
#include "unit.h"

#include <sys/resource.h>

#include "core/huge.h"

#define MIB ((size_t)1 << 20)

static uint64_t calls(enum hk_os_call k)
{
    hk_os_counts c;
    hk_os_counts_get(&c);
    return c.calls[k];
}

/* Whether the kernel backs advised memory with huge pages: its setting
 * is [always] or [madvise]. */
static int kernel_gives_huge_pages(void)
{
    char line[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f)
        return 0;
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    return strstr(line, "[always]") || strstr(line, "[madvise]");
}

/* The line of /proc/self/smaps that starts with key, of the mapping
 * holding p, into line; 0, or -1 if there is none. */
static int smaps_line_at(const void *p, const char *key, char *line,
                         size_t len)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    int inside = 0, found = -1;
    while (found < 0 && fgets(line, (int)len, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && line[0] != ' ' &&
            strchr(line, '-'))
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (inside && strncmp(line, key, strlen(key)) == 0)
            found = 0;
    }
    fclose(f);
    return found;
}

/* AnonHugePages of the mapping holding p, in KiB; -1 if not found. */
static long huge_kib_at(const void *p)
{
    char line[512];
    long kib;
    if (smaps_line_at(p, "AnonHugePages:", line, sizeof line) != 0 ||
        sscanf(line, "AnonHugePages: %ld kB", &kib) != 1)
        return -1;
    return kib;
}

/* Whether the kernel's area holding p ends at end (smaps). */
static int mapping_ends_at(const void *p, const void *end)
{
    char line[256];
    int found = 0;
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
            (uintptr_t)p >= lo && (uintptr_t)p < hi)
            found = hi == (uintptr_t)end ? 1 : -1;
    }
    fclose(f);
    return found == 1;
}

/* Whether the mapping holding p has the VmFlag `flag` ("hg": it asked
 * for huge pages, "nh": for none); -1 if its flags are not found. */
static int vm_flag_at(const void *p, const char *flag)
{
    char line[512], word[8];
    if (smaps_line_at(p, "VmFlags:", line, sizeof line) != 0)
        return -1;
    snprintf(word, sizeof word, " %s", flag);
    return strstr(line, word) != NULL;
}

static void policy_needs_seven_eighths_of_enough_pages(void)
{
    hk_huge g = {0};
    hk_huge_init(&g, 3);
    hk_huge_record(&g, 512, 512);
    CHECK(!g.advising, "advising after 512 sampled pages");
    CHECK(!hk_huge_advise(&g, HK_HUGE_AUTO, 8 * MIB), "asked too early");
    hk_huge_record(&g, 512, 384); /* 896 of 1024: exactly 7/8 */
    CHECK(g.advising, "not advising at 7/8 resident");
    CHECK(hk_huge_advise(&g, HK_HUGE_AUTO, 8 * MIB), "did not ask");
    CHECK(!hk_huge_advise(&g, HK_HUGE_AUTO, MIB), "asked for 1 MiB");
    hk_huge_record(&g, 8, 0); /* 896 of 1032 */
    CHECK(!g.advising, "advising under 7/8 resident");
}

static void policy_fades_old_samples(void)
{
    hk_huge g = {0};
    hk_huge_init(&g, 3);
    for (int i = 0; i < 64; i++) /* 64 Ki pages, all resident */
        hk_huge_record(&g, 1024, 1024);
    CHECK(g.advising && g.pages < (1u << 16), "pages %llu",
          (unsigned long long)g.pages);
    int steps = 0;
    while (g.advising && steps < 1000) {
        hk_huge_record(&g, 1024, 0);
        steps++;
    }
    /* Halving keeps the old samples to at most the new ones' weight, so a
     * program that turns sparse turns the advice off within one fade. */
    CHECK(!g.advising && steps <= 10, "%d sparse samples to turn it off",
          steps);
}

static void policy_samples_first_then_some(void)
{
    hk_huge g = {0};
    hk_huge_init(&g, 3);
    int due = 0;
    for (int i = 0; i < 16 + 160; i++) /* the first 16, then 64 and 128 */
        due += hk_huge_sample_due(&g, HK_HUGE_AUTO);
    CHECK_EQ(due, 16 + 2);
    CHECK(!hk_huge_sample_due(&g, HK_HUGE_NEVER) &&
              !hk_huge_sample_due(&g, HK_HUGE_ALWAYS),
          "sampled outside auto");
}

static void policy_keeps_a_control_mapping(void)
{
    hk_huge g = {0};
    hk_huge_init(&g, 3);
    hk_huge_record(&g, 1024, 1024);
    int asked = 0;
    for (int i = 0; i < 64; i++)
        asked += hk_huge_advise(&g, HK_HUGE_AUTO, 8 * MIB);
    CHECK_EQ(asked, 64 - 64 / 16);
    CHECK(hk_huge_advise(&(hk_huge){0}, HK_HUGE_ALWAYS, 2 * MIB) &&
              !hk_huge_advise(&g, HK_HUGE_NEVER, 8 * MIB),
          "always or never ignored");
}

/* A price set to ns, as if first measured so. */
static void set_price(hk_huge *g, bool huge, uint64_t ns)
{
    atomic_store(huge ? &g->huge_fault_ns : &g->small_fault_ns, 0);
    hk_huge_price(g, huge, ns);
}

static int asked_of(hk_huge *g, int mappings)
{
    int asked = 0;
    for (int i = 0; i < mappings; i++)
        asked += hk_huge_advise(g, HK_HUGE_AUTO, 8 * MIB);
    return asked;
}

static void policy_swaps_roles_where_huge_faults_cost_more(void)
{
    hk_huge g = {0};
    hk_huge_init(&g, 3);
    hk_huge_record(&g, 1024, 1024);
    /* 512 small faults of 4 us against a huge one of 3 ms: only the
     * controls ask, the 16th mapping, then each after a wait twice the
     * one before (32, 64, 128), then every 256th. */
    set_price(&g, false, 4000);
    set_price(&g, true, 3000000);
    CHECK_EQ(asked_of(&g, 64), 2);        /* the 16th and the 48th */
    CHECK_EQ(asked_of(&g, 1000 - 64), 4); /* 112, 240, 496, 752 */
    CHECK_EQ(asked_of(&g, 256 * 8), 8);
    /* At 0.2 ms, or at exactly 512 small ones, the advice pays again, and
     * the controls are back to one in 16 (the first at once: the wait
     * since the last is past 16 already). */
    const uint64_t paying[] = {200000, 512 * 4000};
    for (int k = 0; k < 2; k++) {
        set_price(&g, true, paying[k]);
        CHECK_EQ(asked_of(&g, 64), 64 - 64 / 16);
    }
    /* Unmeasured small faults price nothing; always asks regardless. */
    hk_huge u = {0};
    hk_huge_init(&u, 3);
    hk_huge_record(&u, 1024, 1024);
    set_price(&u, true, 3000000);
    CHECK_EQ(asked_of(&u, 64), 64 - 64 / 16);
    set_price(&u, false, 4000);
    CHECK(hk_huge_advise(&u, HK_HUGE_ALWAYS, 2 * MIB), "always refused");
}

/* The first sample sets a price, each later one moves it halfway to
 * itself: one dear fault among cheap ones stops the advice, two cheap
 * ones after it resume it. */
static void price_moves_halfway_to_each_sample(void)
{
    hk_huge g = {0};
    uint64_t huge, small;
    hk_huge_prices(&g, &huge, &small);
    CHECK(huge == 0 && small == 0, "priced before any sample");
    CHECK(hk_huge_pays(&g), "unpriced faults do not pay");
    hk_huge_price(&g, false, 1500);
    hk_huge_price(&g, true, 170000);
    CHECK(hk_huge_pays(&g), "0.17 ms against 512 of 1.5 us does not pay");
    hk_huge_price(&g, true, 4500000);
    hk_huge_prices(&g, &huge, &small);
    CHECK(huge == 2335000 && small == 1500 && !hk_huge_pays(&g),
          "one dear sample priced %llu", (unsigned long long)huge);
    const uint64_t after[] = {1252500, 711250};
    for (int i = 0; i < 2; i++) {
        hk_huge_price(&g, true, 170000);
        hk_huge_prices(&g, &huge, &small);
        CHECK(huge == after[i] && hk_huge_pays(&g) == (i == 1),
              "cheap sample %d priced %llu", i, (unsigned long long)huge);
    }
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* A first touch takes faults, counted by the kernel, and prices them; it
 * leaves the bytes as they read.  Runs on the machine's clock, so before
 * any test that follows one (clock_followed). */
static void first_touch_prices_its_fault(void)
{
    hk_huge g = {0};
    hk_huge_init(&g, 3);
    char *p = hk_os_map(3 * HK_OS_HUGE_PAGE, HK_OS_HUGE_PAGE);
    CHECK(p != NULL, "no mapping");
    hk_huge_apply(p, 3 * HK_OS_HUGE_PAGE, false); /* as a new mapping */
    /* A first time, for the faults of the code and the clock's page. */
    hk_huge_first_touch(&(hk_huge){0}, p + 2 * HK_OS_HUGE_PAGE, false);
    long f0 = minor_faults();
    hk_huge_first_touch(&g, p, false);
    /* The first page, with its page table, untimed; the second timed. */
    CHECK_EQ(minor_faults() - f0, 2);
    CHECK_EQ(hk_os_resident_pages(p, 64 * HK_OS_PAGE), 2);
    uint64_t huge, small;
    hk_huge_prices(&g, &huge, &small);
    CHECK(small > 0 && huge == 0, "prices %llu (huge) and %llu (small) ns",
          (unsigned long long)huge, (unsigned long long)small);
    char *q = p + HK_OS_HUGE_PAGE;
    hk_os_advise_huge(q, HK_OS_HUGE_PAGE);
    f0 = minor_faults();
    hk_huge_first_touch(&g, q, true);
    CHECK_EQ(minor_faults() - f0, 1);
    hk_huge_prices(&g, &huge, &small);
    CHECK(huge > 0, "the huge fault unpriced");
    if (kernel_gives_huge_pages())
        CHECK(hk_os_resident_pages(q, HK_OS_HUGE_PAGE) ==
                  HK_OS_HUGE_PAGE / HK_OS_PAGE ||
                  huge_kib_at(q) == 0, /* the kernel had none to give */
              "a huge fault made %zu pages resident",
              hk_os_resident_pages(q, HK_OS_HUGE_PAGE));
    for (size_t off = 0; off < 3 * HK_OS_HUGE_PAGE; off += HK_OS_PAGE / 4)
        CHECK(p[off] == 0, "byte %zu reads %d", off, p[off]);
    hk_os_unmap(p, 3 * HK_OS_HUGE_PAGE);
}

/* An advised mapping asks for its first huge page alone; once that one
 * is priced, the rest asks too while huge faults pay, and otherwise the
 * first takes the advice back.  The prices set first are so far from 512
 * small faults (2 or 20 ms) that the probe's own fault, which moves the
 * huge one halfway to what it costs here, leaves it on its side. */
static void mapping_asks_whole_only_while_huge_faults_pay(void)
{
    const size_t bytes = 4 * HK_OS_HUGE_PAGE;
    for (int dear = 0; dear < 2; dear++) {
        hk_huge g = {0};
        hk_huge_init(&g, 3);
        set_price(&g, false, dear ? 4000 : 40000);
        set_price(&g, true, dear ? 20000000 : 200000);
        char *p = hk_os_map(bytes, HK_OS_HUGE_PAGE);
        CHECK(p != NULL, "no mapping");
        uint64_t m0 = calls(HK_OS_MADVISE);
        CHECK_EQ(hk_huge_map(&g, HK_HUGE_AUTO, p, bytes, true), !dear);
        /* The first page asks; then the rest asks too, or, after a dear
         * first page, all of the mapping refuses them. */
        CHECK_EQ(calls(HK_OS_MADVISE) - m0, 2);
        memset(p, 7, bytes);
        char *rest = p + HK_OS_HUGE_PAGE;
        if (vm_flag_at(p, "hg") >= 0) {
            CHECK_EQ(vm_flag_at(p, "hg"), !dear);
            CHECK_EQ(vm_flag_at(rest, "hg"), !dear);
            CHECK_EQ(vm_flag_at(p, "nh"), dear);
            CHECK_EQ(vm_flag_at(rest, "nh"), dear);
            CHECK(mapping_ends_at(p, p + bytes),
                  "the mapping is no longer one area");
        }
        if (dear && kernel_gives_huge_pages())
            CHECK(huge_kib_at(rest) <= 2048,
                  "%ld KiB of huge pages besides a dear first one",
                  huge_kib_at(rest) - 2048);
        for (size_t off = 0; off < bytes; off += HK_OS_PAGE)
            CHECK(p[off] == 7, "byte %zu reads %d", off, p[off]);
        hk_os_unmap(p, bytes);
    }
    /* huge_pages=always asks for all of it at once. */
    hk_huge g = {0};
    set_price(&g, false, 4000);
    set_price(&g, true, 3000000);
    char *p = hk_os_map(bytes, HK_OS_HUGE_PAGE);
    CHECK(p != NULL, "no mapping");
    uint64_t m0 = calls(HK_OS_MADVISE);
    CHECK(hk_huge_map(&g, HK_HUGE_ALWAYS, p, bytes, true), "always refused");
    CHECK_EQ(calls(HK_OS_MADVISE) - m0, 1);
    hk_os_unmap(p, bytes);
}

/* The tests below count the advice's calls exactly, so its prices must
 * not depend on how long faults take here: the clock is followed from
 * now on, as in a replay, and a first touch measures none. */
static hk_allocator *clock_followed(const char *const *settings)
{
    hk_os_follow_clock(0);
    return unit_alloc(settings);
}

/* The large cache's counters after the last advised_mappings(). */
static hk_large_stats large_stats;

/* The madvise calls for `mapped` new mappings of 8 MiB, of which
 * `advised` asked for huge pages, under huge_pages=`mode`: two each under
 * auto (the first huge page, then the rest once it is priced; a followed
 * clock prices nothing, so the rest asks too), one under always; and
 * where the kernel gives them unasked one for each of the others too,
 * refusing them. */
static uint64_t madvise_calls_for(const char *mode, uint64_t advised,
                                  uint64_t mapped)
{
    uint64_t each = strcmp(mode, "huge_pages=always") == 0 ? 1 : 2;
    return each * advised + (hk_os_huge_unasked() ? mapped - advised : 0);
}

/* Blocks of 8 MiB, each in a mapping of its own (no cache), written
 * whole or at their first byte, then freed; the mappings that asked for
 * huge pages, each with its madvise call (and, under [always], each
 * other mapping with one refusing them). */
static uint64_t advised_mappings(const char *mode, int whole, int blocks,
                                 long *huge_kib)
{
    const char *settings[] = {"large_cache=0", mode, NULL};
    hk_allocator *a = clock_followed(settings);
    hk_heap *h = hk_heap_create(a);
    uint64_t m0 = calls(HK_OS_MADVISE);
    *huge_kib = 0;
    for (int i = 0; i < blocks; i++) {
        char *p = hk_malloc_fast(a, h, 8 * MIB);
        CHECK(p != NULL, "no block");
        memset(p, i, whole ? 8 * MIB : 1);
        for (size_t off = 0; whole && off < 8 * MIB; off += 4096)
            CHECK(p[off] == (char)i, "byte %zu reads %d", off, p[off]);
        long kib = huge_kib_at(p);
        if (kib > *huge_kib)
            *huge_kib = kib;
        hk_free_fast(a, h, p);
    }
    hk_heap_destroy(h);
    hk_stats_snapshot snap;
    hk_alloc_snapshot(a, &snap);
    large_stats = snap.large;
    hk_alloc_destroy(a);
    CHECK_EQ(calls(HK_OS_MADVISE) - m0,
             madvise_calls_for(mode, large_stats.huge_advised,
                               large_stats.mapped));
    return large_stats.huge_advised;
}

static void dense_blocks_turn_advice_on(void)
{
    long kib;
    uint64_t m0 = calls(HK_OS_MINCORE);
    uint64_t advised = advised_mappings("huge_pages=auto", 1, 20, &kib);
    CHECK_EQ(large_stats.huge_samples, 2);
    /* The first block is sampled before any advice; of the 19 after it,
     * the 16th asked about is the control, the only other one sampled. */
    CHECK_EQ(advised, 18);
    CHECK(calls(HK_OS_MINCORE) - m0 == 2, "%llu samples",
          (unsigned long long)(calls(HK_OS_MINCORE) - m0));
    if (kernel_gives_huge_pages())
        CHECK(kib >= 2048, "the kernel backed no huge page (%ld KiB)", kib);
}

static void placed_blocks_show_it_before_any_free(void)
{
    hk_allocator *a = clock_followed(NULL);
    hk_heap *h = hk_heap_create(a);
    uint64_t m0 = calls(HK_OS_MADVISE), c0 = calls(HK_OS_MINCORE);
    char *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = hk_malloc_fast(a, h, 8 * MIB);
        memset(p[i], i + 1, 8 * MIB);
    }
    /* The second mapping samples the first block, and asks; the third
     * has no unadvised block before it to sample, and asks too. */
    CHECK_EQ(calls(HK_OS_MINCORE) - c0, 1);
    CHECK_EQ(calls(HK_OS_MADVISE) - m0,
             madvise_calls_for("huge_pages=auto", 2, 3));
    for (int i = 0; i < 3; i++) {
        for (size_t off = 0; off < 8 * MIB; off += 4096)
            CHECK(p[i][off] == i + 1, "block %d byte %zu", i, off);
        hk_free_fast(a, h, p[i]);
    }
    hk_heap_destroy(h);
    hk_alloc_destroy(a);
}

static void sparse_blocks_keep_it_off(void)
{
    long kib;
    CHECK_EQ(advised_mappings("huge_pages=auto", 0, 20, &kib), 0);
    CHECK(kib == 0 || !kernel_gives_huge_pages(),
          "%ld KiB of huge pages for blocks touched at one byte", kib);
}

static void never_and_always(void)
{
    long kib;
    uint64_t m0 = calls(HK_OS_MINCORE);
    CHECK_EQ(advised_mappings("huge_pages=never", 1, 4, &kib), 0);
    CHECK_EQ(advised_mappings("huge_pages=always", 0, 4, &kib), 4);
    CHECK_EQ(calls(HK_OS_MINCORE) - m0, 0);
}

/* The pool's counters after the last filled_superslabs(). */
static hk_pool_stats pool_stats;

/* Whether the last filled_superslabs() found the last block's mapping
 * asking for no huge pages after the trim ("nh"; -1: no smaps). */
static int trimmed_no_huge;

/* Blocks of 16 KiB filling 64 MiB of SuperSlabs, written whole or at
 * their first byte (a quarter of their pages), and read back; then, if
 * trim, the bytes hk_alloc_trim purges with every block still live.
 * The AnonHugePages of the last block's mapping in *huge_kib. */
static size_t filled_superslabs(const char *mode, int whole, int trim,
                                long *huge_kib)
{
    enum { SIZE = 16384, BLOCKS = 4096 };
    const char *settings[] = {mode, NULL};
    hk_allocator *a = clock_followed(settings);
    hk_heap *h = hk_heap_create(a);
    static char *p[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        p[i] = hk_malloc_fast(a, h, SIZE);
        CHECK(p[i] != NULL, "no block");
        memset(p[i], i, whole ? SIZE : 1);
    }
    for (int i = 0; i < BLOCKS; i++)
        for (size_t off = 0; off < (whole ? SIZE : 1); off += 512)
            CHECK(p[i][off] == (char)i, "block %d byte %zu reads %d", i, off,
                  p[i][off]);
    *huge_kib = huge_kib_at(p[BLOCKS - 1]);
    size_t purged = trim ? hk_alloc_trim(a, h) : 0;
    trimmed_no_huge = vm_flag_at(p[BLOCKS - 1], "nh");
    for (int i = 0; i < BLOCKS; i++)
        hk_free_fast(a, h, p[i]);
    hk_heap_destroy(h);
    hk_stats_snapshot snap;
    hk_alloc_snapshot(a, &snap);
    pool_stats = snap.pool;
    hk_alloc_destroy(a);
    return purged;
}

static void superslabs_written_whole_turn_advice_on(void)
{
    long kib;
    uint64_t c0 = calls(HK_OS_MINCORE);
    filled_superslabs("huge_pages=auto", 1, 0, &kib);
    /* 34 SuperSlabs (64 MiB of blocks and their headers), mapped two at
     * a time (prewarm=1).  None asks before 16 are mapped; each taken
     * samples the one taken two before, so the 3rd to the 18th sample
     * the first 16, and the 19th on find only advised SuperSlabs two
     * back.  The first control would be the 16th pair advised. */
    CHECK_EQ(pool_stats.ss_mapped, 34);
    CHECK_EQ(pool_stats.huge_samples, 16);
    CHECK_EQ(pool_stats.huge_advised, 18);
    CHECK_EQ(calls(HK_OS_MINCORE) - c0, pool_stats.huge_samples);
    if (kernel_gives_huge_pages())
        CHECK(kib >= 2048, "the kernel backed no huge page (%ld KiB)", kib);
}

static void superslabs_touched_sparsely_keep_it_off(void)
{
    long kib;
    filled_superslabs("huge_pages=auto", 0, 0, &kib);
    CHECK(pool_stats.huge_samples >= 14, "%llu samples",
          (unsigned long long)pool_stats.huge_samples);
    CHECK_EQ(pool_stats.huge_advised, 0);
    CHECK(kib == 0 || !kernel_gives_huge_pages(),
          "%ld KiB of huge pages for blocks touched at one byte in four pages",
          kib);
}

/* In an advised SuperSlab, the free units never written may be resident
 * (a huge fault on a neighbour): they count as dirty, and are purged,
 * and the SuperSlab's advice is taken back (khugepaged would make its
 * huge page whole again).  Without the advice there is nothing to purge
 * while every block lives. */
static void advised_free_units_are_purged(void)
{
    long kib;
    uint64_t m0 = calls(HK_OS_MADVISE);
    size_t advised = filled_superslabs("huge_pages=always", 1, 1, &kib);
    CHECK(pool_stats.huge_advised == pool_stats.ss_mapped, "%llu of %llu",
          (unsigned long long)pool_stats.huge_advised,
          (unsigned long long)pool_stats.ss_mapped);
    CHECK(advised > 0, "nothing purged");
    /* One advice per mapping of two, a purge call and a call taking the
     * advice back for each SuperSlab with free units. */
    CHECK_EQ(calls(HK_OS_MADVISE) - m0,
             pool_stats.huge_advised / 2 + 2 * pool_stats.ss_purged);
    CHECK(trimmed_no_huge == 1 || !kernel_gives_huge_pages(),
          "the last block's SuperSlab still asks for huge pages after its "
          "purge (%d)", trimmed_no_huge);
    CHECK_EQ(filled_superslabs("huge_pages=never", 1, 1, &kib), 0);
    CHECK_EQ(pool_stats.huge_advised + pool_stats.huge_samples, 0);
}

UNIT_MAIN(TEST(policy_needs_seven_eighths_of_enough_pages),
          TEST(policy_fades_old_samples), TEST(policy_samples_first_then_some),
          TEST(policy_keeps_a_control_mapping),
          TEST(policy_swaps_roles_where_huge_faults_cost_more),
          TEST(price_moves_halfway_to_each_sample),
          TEST(first_touch_prices_its_fault),
          TEST(mapping_asks_whole_only_while_huge_faults_pay),
          TEST(dense_blocks_turn_advice_on),
          TEST(placed_blocks_show_it_before_any_free),
          TEST(sparse_blocks_keep_it_off),
          TEST(never_and_always),
          TEST(superslabs_written_whole_turn_advice_on),
          TEST(superslabs_touched_sparsely_keep_it_off),
          TEST(advised_free_units_are_purged))
