/*
 * dcache_config.c - the data caches' configuration: the preset, fields by
 * name (as a calibration file gives them), and which hierarchies
 * dcache.c can build.  Apart from the model so that whatever reads run
 * settings or calibrations can check a configuration without it.
 */
#include "dcache.h"

#include <stdio.h>
#include <string.h>

#define MAX_BYTES ((uint64_t)1 << 30)
#define MAX_WAYS 64

void hk_dcache_config_default(hk_dcache_config *c)
{
    *c = (hk_dcache_config){
        .bytes = {48 << 10, 1280 << 10, 16 << 20},
        .ways = {12, 10, 16},
    };
}

/* Field k * 3 + level: bytes, ways, fault lines of each level; then the
 * fault path's lines. */
static const char *const field_names[] = {
    "l1_bytes",       "l2_bytes",       "l3_bytes",
    "l1_ways",        "l2_ways",        "l3_ways",
    "fault_l1_lines", "fault_l2_lines", "fault_l3_lines",
    "fault_path_lines",
};
#define FIELDS (sizeof field_names / sizeof field_names[0])

int hk_dcache_config_set(hk_dcache_config *c, const char *name,
                         uint64_t value)
{
    for (unsigned f = 0; f < FIELDS; f++) {
        if (strcmp(field_names[f], name))
            continue;
        unsigned k = f % HK_DCACHE_LEVELS;
        if (f == FIELDS - 1)
            c->fault_path_lines =
                value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
        else if (f < HK_DCACHE_LEVELS)
            c->bytes[k] = value;
        else if (f < 2 * HK_DCACHE_LEVELS)
            c->ways[k] = value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
        else
            c->fault_lines[k] =
                value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
        return 0;
    }
    return -1;
}

void hk_dcache_config_visit(const hk_dcache_config *c,
                            void (*fn)(void *ctx, const char *name,
                                       uint64_t v),
                            void *ctx)
{
    for (unsigned f = 0; f < FIELDS; f++) {
        unsigned k = f % HK_DCACHE_LEVELS;
        fn(ctx, field_names[f],
           f == FIELDS - 1            ? c->fault_path_lines
           : f < HK_DCACHE_LEVELS     ? c->bytes[k]
           : f < 2 * HK_DCACHE_LEVELS ? c->ways[k]
                                      : c->fault_lines[k]);
    }
}

static int is_pow2(uint64_t n)
{
    return n && !(n & (n - 1));
}

void hk_dcache_config_shape(hk_dcache_config *c, unsigned level,
                            uint64_t bytes, uint32_t ways)
{
    uint64_t lines = bytes / HK_DCACHE_LINE, sets = 1;
    if (!ways || ways > MAX_WAYS)
        ways = 16;
    while (sets * 2 <= lines / ways)
        sets *= 2;
    uint64_t w = lines / sets < MAX_WAYS ? lines / sets : MAX_WAYS;
    c->ways[level] = w ? (uint32_t)w : ways;
    c->bytes[level] = sets * w * HK_DCACHE_LINE;
}

int hk_dcache_config_check(const hk_dcache_config *c, char *err,
                           size_t errlen)
{
    for (unsigned k = 0; k < HK_DCACHE_LEVELS; k++) {
        uint64_t bytes = c->bytes[k], ways = c->ways[k];
        if (!bytes)
            continue;
        const char *why =
            !ways || ways > MAX_WAYS     ? "ways must be 1 to 64"
            : bytes > MAX_BYTES          ? "at most 1 GiB"
            : bytes % (ways * HK_DCACHE_LINE) ||
                    !is_pow2(bytes / (ways * HK_DCACHE_LINE))
                ? "bytes / (ways * 64) must be a power of two"
                : NULL;
        if (why) {
            snprintf(err, errlen,
                     "data cache L%u (%llu bytes, %llu ways): %s", k + 1,
                     (unsigned long long)bytes, (unsigned long long)ways,
                     why);
            return -1;
        }
    }
    return 0;
}

