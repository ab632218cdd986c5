/*
 * params.c - the parameter table: names, defaults, ranges, parsing.
 *
 * The table is the single source of truth; the README's table of
 * settings, the JSON a simulation prints and the HAKMEM_* variables all
 * come from it.
 */
#include "params.h"

#include <stdio.h>
#include <string.h>

static const char *const ptr_check_words[] = {"never", "cached", "always",
                                              NULL};
static const char *const huge_pages_words[] = {"never", "auto", "always",
                                               NULL};

#define FIELD(f) offsetof(hk_params, f)
#define KIB 1024ull
#define MIB (1024ull * 1024)
#define GIB (1024ull * 1024 * 1024)

const hk_param_info hk_param_table[] = {
    {"lru_cap", "empty SuperSlabs kept mapped for reuse (more stay for "
     "purge_delay)", FIELD(lru_cap), 0,
     4096, 8, NULL, NULL},
    {"prewarm", "extra SuperSlabs mapped ahead in the same call",
     FIELD(prewarm), 0, 64, 1, NULL, NULL},
    {"front_cap", "per-thread cached blocks per size class", FIELD(front_cap),
     1, 4096, 128, NULL, NULL},
    {"front_max", "the most blocks a class's front grows to when it is "
     "too small", FIELD(front_max), 1, 65536, 2048, NULL, NULL},
    {"refill", "most blocks moved from slabs to the front cache at once "
     "(a thread's first refills of a class move 4, then twice as many each "
     "time)",
     FIELD(refill), 1, 4096, 32, NULL, NULL},
    {"ss_size", "SuperSlab bytes (power of two)", FIELD(ss_size), 1 * MIB,
     64 * MIB, 2 * MIB, NULL, "bytes"},
    {"shared_pool", "1: any SuperSlab serves any size class",
     FIELD(shared_pool), 0, 1, 1, NULL, NULL},
    {"ptr_check", "how free validates a pointer: never, cached, always",
     FIELD(ptr_check), 0, 2, HK_PTR_CHECK_CACHED, ptr_check_words, NULL},
    {"purge_delay", "ms before unused memory is returned with madvise "
     "(stretched, up to 16 times, while such memory is soon wanted back)",
     FIELD(purge_delay), 0, 3600000, 100, NULL, "ms"},
    {"large_cache",
     "most bytes of freed large blocks kept for reuse (the cache holds no "
     "more than the recent peak in use)",
     FIELD(large_cache), 0, 64 * GIB, 1 * GIB, NULL, "bytes"},
    {"huge_pages", "whether new mappings for large blocks and SuperSlabs "
     "ask for transparent huge pages: never, auto (once samples show the "
     "program touches nearly all their pages, while a huge fault costs "
     "less than 512 small ones), always; where the kernel gives them "
     "unasked, the others refuse them",
     FIELD(huge_pages), 0, 2, HK_HUGE_AUTO, huge_pages_words, NULL},
};
const size_t hk_param_count = sizeof hk_param_table / sizeof hk_param_table[0];

/* The seed report's environment names (HAKMEM_SS_LRU_SIZE, ...). */
const hk_param_alias hk_param_aliases[] = {
    {"ss_lru_size", "lru_cap"},
    {"ss_prewarm", "prewarm"},
    {"fc_cap", "front_cap"},
    {"fc_refill", "refill"},
};
const size_t hk_param_alias_count =
    sizeof hk_param_aliases / sizeof hk_param_aliases[0];

static uint64_t *param_slot(hk_params *p, const hk_param_info *info)
{
    return (uint64_t *)((char *)p + info->offset);
}

uint64_t hk_param_get(const hk_params *p, const hk_param_info *info)
{
    return *(const uint64_t *)((const char *)p + info->offset);
}

void hk_params_default(hk_params *p)
{
    for (size_t i = 0; i < hk_param_count; i++)
        *param_slot(p, &hk_param_table[i]) = hk_param_table[i].def;
}

const hk_param_info *hk_param_find(const char *name)
{
    for (size_t i = 0; i < hk_param_count; i++)
        if (strcmp(hk_param_table[i].name, name) == 0)
            return &hk_param_table[i];
    return NULL;
}

/* The decimal number s starts with, into *v, and where it ends; NULL if
 * it starts with no digit or overflows. */
static const char *parse_decimal(const char *s, uint64_t *v)
{
    const char *d = s;
    for (*v = 0; *d >= '0' && *d <= '9'; d++) {
        if (*v > (UINT64_MAX - (uint64_t)(*d - '0')) / 10)
            return NULL;
        *v = *v * 10 + (uint64_t)(*d - '0');
    }
    return d == s ? NULL : d;
}

int hk_params_parse_size(const char *s, uint64_t *out)
{
    uint64_t v;
    const char *d = parse_decimal(s, &v);
    if (!d)
        return -1;
    uint64_t scale = 1;
    switch (*d) {
    case '\0': break;
    case 'k': case 'K': scale = KIB; d++; break;
    case 'm': case 'M': scale = MIB; d++; break;
    case 'g': case 'G': scale = GIB; d++; break;
    default: return -1;
    }
    if (scale > 1 && d[0] == 'i' && d[1] == 'B')
        d += 2;
    if (*d != '\0' || v > UINT64_MAX / scale)
        return -1;
    *out = v * scale;
    return 0;
}

static int parse_word(const hk_param_info *info, const char *s, uint64_t *out)
{
    for (uint64_t i = 0; info->words[i]; i++)
        if (strcmp(info->words[i], s) == 0) {
            *out = i;
            return 0;
        }
    return hk_params_parse_size(s, out);
}

static int is_ms(const hk_param_info *info)
{
    return info->unit && strcmp(info->unit, "ms") == 0;
}

/* Milliseconds, bare or with the unit that `hakmem settings` and the
 * statistics print after them. */
static int parse_ms(const char *s, uint64_t *out)
{
    uint64_t v;
    const char *d = parse_decimal(s, &v);
    if (!d || (*d != '\0' && strcmp(d, "ms") != 0))
        return -1;
    *out = v;
    return 0;
}

/* Is v within the parameter's range (and a power of two, for ss_size)?
 * Returns 0, or -1 after writing why not into err. */
static int check_value(const hk_param_info *info, uint64_t v, char *err,
                       size_t errlen)
{
    if (v < info->min || v > info->max) {
        snprintf(err, errlen, "%s: %llu is outside [%llu, %llu]", info->name,
                 (unsigned long long)v, (unsigned long long)info->min,
                 (unsigned long long)info->max);
        return -1;
    }
    if (info->offset == offsetof(hk_params, ss_size) && (v & (v - 1)) != 0) {
        snprintf(err, errlen, "ss_size: %llu is not a power of two",
                 (unsigned long long)v);
        return -1;
    }
    return 0;
}

int hk_params_check(const hk_params *p, char *err, size_t errlen)
{
    for (size_t i = 0; i < hk_param_count; i++)
        if (check_value(&hk_param_table[i],
                        hk_param_get(p, &hk_param_table[i]), err, errlen) != 0)
            return -1;
    return 0;
}

int hk_params_set(hk_params *p, const char *name, const char *text,
                  char *err, size_t errlen)
{
    const hk_param_info *info = hk_param_find(name);
    if (!info) {
        snprintf(err, errlen, "unknown parameter '%s'", name);
        return -1;
    }
    uint64_t v;
    int rc = info->words ? parse_word(info, text, &v)
             : is_ms(info)  ? parse_ms(text, &v)
                            : hk_params_parse_size(text, &v);
    if (rc != 0) {
        snprintf(err, errlen, "%s: '%s' is not %s", name, text,
                 info->words ? "one of never, cached, always"
                 : is_ms(info)
                     ? "a non-negative integer of milliseconds (ms suffix "
                       "allowed)"
                     : "a non-negative integer (K/M/G or KiB/MiB/GiB "
                       "suffix allowed)");
        return -1;
    }
    if (check_value(info, v, err, errlen) != 0)
        return -1;
    *param_slot(p, info) = v;
    return 0;
}

void hk_param_format(const hk_params *p, const hk_param_info *info, char *buf,
                     size_t len)
{
    uint64_t v = hk_param_get(p, info);
    if (info->words)
        snprintf(buf, len, "%s", info->words[v]);
    else
        snprintf(buf, len, "%llu", (unsigned long long)v);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

#define NAME_MAX_LEN 63

unsigned hk_name_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > NAME_MAX_LEN || m > NAME_MAX_LEN)
        return ~0u;
    /* Rows i - 2, i - 1 and i of the table, rotated. */
    unsigned rows[3][NAME_MAX_LEN + 1];
    unsigned *two = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= m; j++) {
            unsigned d = prev[j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && two[j - 2] + 1 < d)
                d = two[j - 2] + 1;
            cur[j] = d;
        }
        unsigned *t = two;
        two = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

int hk_name_close(const char *name, unsigned d)
{
    size_t n = strlen(name);
    return d <= (n < 6 ? 1 : n / 3);
}
