/*
 * params.c - parameter parsing: defaults, suffixes, symbolic values, and
 * errors that name the parameter and the bad value; the same range checks
 * guard an allocator against a hand-made parameter struct.
 */
#include "unit.h"

static void defaults_match_table(void)
{
    hk_params p;
    hk_params_default(&p);
    CHECK_EQ(p.lru_cap, 8);
    CHECK_EQ(p.ss_size, 2u << 20);
    CHECK_EQ(p.ptr_check, HK_PTR_CHECK_CACHED);
    CHECK_EQ(p.shared_pool, 1);
    for (size_t i = 0; i < hk_param_count; i++)
        CHECK(hk_param_find(hk_param_table[i].name) == &hk_param_table[i],
              "%s", hk_param_table[i].name);
}

static void accepts_good_values(void)
{
    hk_params p;
    char err[160];
    hk_params_default(&p);
    CHECK_EQ(hk_params_set(&p, "ss_size", "4M", err, sizeof err), 0);
    CHECK_EQ(p.ss_size, 4u << 20);
    CHECK_EQ(hk_params_set(&p, "large_cache", "1g", err, sizeof err), 0);
    CHECK_EQ(p.large_cache, 1ull << 30);
    CHECK_EQ(hk_params_set(&p, "ss_size", "8MiB", err, sizeof err), 0);
    CHECK_EQ(p.ss_size, 8u << 20);
    CHECK_EQ(hk_params_set(&p, "large_cache", "1536MiB", err, sizeof err), 0);
    CHECK_EQ(p.large_cache, 1536ull << 20);
    CHECK_EQ(hk_params_set(&p, "large_cache", "640KiB", err, sizeof err), 0);
    CHECK_EQ(p.large_cache, 640u << 10);
    CHECK_EQ(hk_params_set(&p, "purge_delay", "250ms", err, sizeof err), 0);
    CHECK_EQ(p.purge_delay, 250);
    CHECK_EQ(hk_params_set(&p, "purge_delay", "40", err, sizeof err), 0);
    CHECK_EQ(p.purge_delay, 40);
    CHECK_EQ(hk_params_set(&p, "ptr_check", "always", err, sizeof err), 0);
    CHECK_EQ(p.ptr_check, HK_PTR_CHECK_ALWAYS);
    CHECK_EQ(hk_params_set(&p, "ptr_check", "0", err, sizeof err), 0);
    CHECK_EQ(p.ptr_check, HK_PTR_CHECK_NEVER);
    CHECK_EQ(hk_params_set(&p, "lru_cap", "0", err, sizeof err), 0);
    CHECK_EQ(p.lru_cap, 0);
    char buf[32];
    hk_param_format(&p, hk_param_find("ptr_check"), buf, sizeof buf);
    CHECK(strcmp(buf, "never") == 0, "formatted as %s", buf);
}

static void rejects_bad_values_and_keeps_old(void)
{
    static const char *const bad[][2] = {
        {"lru_cap", "abc"},    {"lru_cap", "-1"},     {"lru_cap", "5000"},
        {"ss_size", "3M"},     {"ss_size", "512K"},   {"front_cap", "0"},
        {"ptr_check", "some"}, {"prewarm", "1x"},     {"refill", ""},
        {"purge_delay", "99999999999999999999999"},  {"no_such", "1"},
        {"ss_size", "2Mi"},    {"ss_size", "2MB"},    {"ss_size", "2MiBs"},
        {"lru_cap", "8iB"},    {"purge_delay", "5s"}, {"purge_delay", "ms"},
        {"purge_delay", "1Kms"}, {"purge_delay", "-5ms"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hk_params p, before;
        char err[160] = "";
        hk_params_default(&p);
        before = p;
        CHECK(hk_params_set(&p, bad[i][0], bad[i][1], err, sizeof err) != 0,
              "%s=%s accepted", bad[i][0], bad[i][1]);
        CHECK(memcmp(&p, &before, sizeof p) == 0, "%s changed", bad[i][0]);
        CHECK(strstr(err, bad[i][0]) != NULL, "error '%s' lacks the name",
              err);
    }
}

/* A struct filled in by hand gets the same checks as hk_params_set, and
 * an allocator refuses it. */
static void check_covers_hand_made_params(void)
{
    static const struct {
        size_t offset;
        uint64_t value;
        const char *name;
    } bad[] = {
        {offsetof(hk_params, ss_size), 3u << 20, "ss_size"},
        {offsetof(hk_params, ss_size), 512u << 10, "ss_size"},
        {offsetof(hk_params, front_cap), 0, "front_cap"},
        {offsetof(hk_params, ptr_check), 3, "ptr_check"},
    };
    hk_params p;
    char err[160];
    hk_params_default(&p);
    CHECK_EQ(hk_params_check(&p, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        static hk_allocator a;
        hk_params_default(&p);
        *(uint64_t *)((char *)&p + bad[i].offset) = bad[i].value;
        err[0] = '\0';
        CHECK(hk_params_check(&p, err, sizeof err) != 0, "%s=%llu passed",
              bad[i].name, (unsigned long long)bad[i].value);
        CHECK(strstr(err, bad[i].name) != NULL, "error '%s' lacks the name",
              err);
        CHECK(hk_alloc_init(&a, &p) != 0, "allocator took %s=%llu",
              bad[i].name, (unsigned long long)bad[i].value);
    }
}

/* Every alias names a parameter and is not itself one. */
static void aliases_name_parameters(void)
{
    CHECK(hk_param_alias_count >= 4, "%zu aliases", hk_param_alias_count);
    for (size_t i = 0; i < hk_param_alias_count; i++) {
        CHECK(hk_param_find(hk_param_aliases[i].name) != NULL, "%s -> %s",
              hk_param_aliases[i].alias, hk_param_aliases[i].name);
        CHECK(hk_param_find(hk_param_aliases[i].alias) == NULL, "%s",
              hk_param_aliases[i].alias);
    }
}

UNIT_MAIN(TEST(defaults_match_table), TEST(accepts_good_values),
          TEST(rejects_bad_values_and_keeps_old),
          TEST(check_covers_hand_made_params),
          TEST(aliases_name_parameters))
