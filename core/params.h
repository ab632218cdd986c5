/*
 * params.h - every tunable of the allocator, in one struct.
 *
 * Each parameter has one name used everywhere: `name=value` on command
 * lines and in JSON, HAKMEM_NAME in the environment.  hk_params_set()
 * parses a value and rejects anything out of range with a message naming
 * the parameter, so callers can warn and keep the default.
 */
#ifndef HK_PARAMS_H
#define HK_PARAMS_H

#include <stddef.h>
#include <stdint.h>

/* What each mode checks is listed in alloc.c. */
enum hk_ptr_check {
    HK_PTR_CHECK_NEVER,  /* trust the ownership map; no extra checks */
    HK_PTR_CHECK_CACHED, /* plus block starts and double frees */
    HK_PTR_CHECK_ALWAYS, /* plus mincore(), free blocks' links, quarantine */
};

/* Whether new mappings, of large blocks and SuperSlabs, ask for huge
 * pages (huge.h). */
enum hk_huge_pages {
    HK_HUGE_NEVER,
    HK_HUGE_AUTO,  /* once the program shows it touches its blocks */
    HK_HUGE_ALWAYS,
};

typedef struct hk_params {
    uint64_t lru_cap;     /* empty SuperSlabs kept mapped for reuse */
    uint64_t prewarm;     /* extra SuperSlabs mapped with each new one */
    uint64_t front_cap;   /* per-thread cached blocks per size class */
    uint64_t front_max;   /* the most a class's front grows to */
    uint64_t refill;      /* blocks moved into the front per refill */
    uint64_t ss_size;     /* SuperSlab bytes: power of two, aligned */
    uint64_t shared_pool; /* 1: any SuperSlab serves any class */
    uint64_t ptr_check;   /* enum hk_ptr_check */
    uint64_t purge_delay; /* ms before unused memory is madvised away */
    uint64_t large_cache; /* cap on bytes of freed large blocks kept */
    uint64_t huge_pages;  /* enum hk_huge_pages */
} hk_params;

typedef struct hk_param_info {
    const char *name;
    const char *doc;
    size_t offset;
    uint64_t min, max, def;
    const char *const *words; /* symbolic values, index = value; or NULL */
    const char *unit; /* "bytes", "ms", or NULL for a plain count */
} hk_param_info;

extern const hk_param_info hk_param_table[];
extern const size_t hk_param_count;

/* Other names of parameters, in the environment only (HAKMEM_ALIAS):
 * the names the seed report gave its knobs. */
typedef struct hk_param_alias {
    const char *alias;
    const char *name; /* a parameter of hk_param_table */
} hk_param_alias;

extern const hk_param_alias hk_param_aliases[];
extern const size_t hk_param_alias_count;

void hk_params_default(hk_params *p);

/* The parameter called `name`, or NULL. */
const hk_param_info *hk_param_find(const char *name);

/*
 * Parse `text` into parameter `name`: one of its words, milliseconds with
 * or without "ms" for a time, else as hk_params_parse_size does, so that
 * every value `hakmem settings` and the statistics print reads back.
 * Returns 0, or -1 after writing a one-line reason into err (which names
 * the parameter and the bad value).
 */
int hk_params_set(hk_params *p, const char *name, const char *text,
                  char *err, size_t errlen);

/* Decimal with an optional K/M/G or KiB/MiB/GiB suffix (powers of 1024
 * either way), no sign, into *out; 0, or -1 if text is not that or
 * overflows. */
int hk_params_parse_size(const char *text, uint64_t *out);

/* Is every value within its parameter's range?  Returns 0, or -1 after
 * writing into err (which may be NULL when errlen is 0) what is not. */
int hk_params_check(const hk_params *p, char *err, size_t errlen);

uint64_t hk_param_get(const hk_params *p, const hk_param_info *info);

/* The value as text: a word for symbolic parameters, else decimal. */
void hk_param_format(const hk_params *p, const hk_param_info *info,
                     char *buf, size_t len);

/*
 * The edit distance (insertions, deletions, substitutions, and swaps of
 * neighbours) between two names, ignoring case; names past 63 characters
 * count as far from everything.  Allocates nothing, so the environment
 * reader may use it inside the first malloc.
 */
unsigned hk_name_distance(const char *a, const char *b);

/* Whether a name at distance d from `name` is close enough to suggest
 * ("did you mean ...?"): about one mistake in three characters. */
int hk_name_close(const char *name, unsigned d);

#endif
