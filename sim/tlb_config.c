/*
 * tlb_config.c - the TLB configuration: defaults, fields by name,
 * validation.
 *
 * The level table is the single list of fields: set, visit and check all
 * walk it, so a field's name is spelled once.  hk_tlb_config_set() checks
 * a value against its own field's range; hk_tlb_config_check() checks the
 * geometry each level's entries and ways make together.
 */
#include "tlb.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define MAX_ENTRIES (1u << 20)
#define MAX_WAYS 4096u
#define SHARED_NAME "tlb_l2_shared"

static const struct tlb_level_field {
    const char *entries, *ways;
    size_t offset;
    const char *what; /* the level, for `hakmem settings` */
} levels[] = {
    {"tlb_l1_4k_entries", "tlb_l1_4k_ways", offsetof(hk_tlb_config, l1_4k),
     "the L1 dTLB for 4 KiB pages"},
    {"tlb_l1_2m_entries", "tlb_l1_2m_ways", offsetof(hk_tlb_config, l1_2m),
     "the L1 dTLB for 2 MiB pages"},
    {"tlb_l2_4k_entries", "tlb_l2_4k_ways", offsetof(hk_tlb_config, l2_4k),
     "the second-level TLB (for both sizes when tlb_l2_shared)"},
    {"tlb_l2_2m_entries", "tlb_l2_2m_ways", offsetof(hk_tlb_config, l2_2m),
     "the second-level TLB for 2 MiB pages (when not shared)"},
};
#define NLEVELS (sizeof levels / sizeof levels[0])

static hk_tlb_level_config *level_of(hk_tlb_config *c,
                                     const struct tlb_level_field *f)
{
    return (hk_tlb_level_config *)((char *)c + f->offset);
}

static const hk_tlb_level_config *
level_of_const(const hk_tlb_config *c, const struct tlb_level_field *f)
{
    return (const hk_tlb_level_config *)((const char *)c + f->offset);
}

void hk_tlb_config_default(hk_tlb_config *c)
{
    *c = (hk_tlb_config){
        .l1_4k = {96, 6},
        .l1_2m = {32, 4},
        .l2_4k = {2048, 16},
        .l2_2m = {0, 0},
        .l2_shared = 1,
    };
}

static int set_u32(uint32_t *field, const char *name, uint64_t value,
                   uint32_t max, char *err, size_t errlen)
{
    if (value > max) {
        snprintf(err, errlen, "%s: %llu exceeds the limit %u", name,
                 (unsigned long long)value, max);
        return -1;
    }
    *field = (uint32_t)value;
    return 0;
}

int hk_tlb_config_set(hk_tlb_config *c, const char *name, uint64_t value,
                      char *err, size_t errlen)
{
    for (size_t i = 0; i < NLEVELS; i++) {
        hk_tlb_level_config *l = level_of(c, &levels[i]);
        if (strcmp(name, levels[i].entries) == 0)
            return set_u32(&l->entries, name, value, MAX_ENTRIES, err,
                           errlen);
        if (strcmp(name, levels[i].ways) == 0)
            return set_u32(&l->ways, name, value, MAX_WAYS, err, errlen);
    }
    if (strcmp(name, SHARED_NAME) == 0) {
        if (value > 1) {
            snprintf(err, errlen, "%s: %llu is not 0 or 1", name,
                     (unsigned long long)value);
            return -1;
        }
        c->l2_shared = (int)value;
        return 0;
    }
    snprintf(err, errlen, "unknown TLB setting '%s'", name);
    return -1;
}

void hk_tlb_config_visit(const hk_tlb_config *c,
                         void (*fn)(void *ctx, const char *name, uint64_t v),
                         void *ctx)
{
    for (size_t i = 0; i < NLEVELS; i++) {
        const hk_tlb_level_config *l = level_of_const(c, &levels[i]);
        fn(ctx, levels[i].entries, l->entries);
        fn(ctx, levels[i].ways, l->ways);
    }
    fn(ctx, SHARED_NAME, (uint64_t)c->l2_shared);
}

void hk_tlb_config_describe(void (*fn)(void *ctx, const char *name,
                                       const char *doc, uint64_t min,
                                       uint64_t max),
                            void *ctx)
{
    char doc[128];
    for (size_t i = 0; i < NLEVELS; i++) {
        snprintf(doc, sizeof doc, "entries of %s (0: none)", levels[i].what);
        fn(ctx, levels[i].entries, doc, 0, MAX_ENTRIES);
        snprintf(doc, sizeof doc, "ways of %s", levels[i].what);
        fn(ctx, levels[i].ways, doc, 0, MAX_WAYS);
    }
    fn(ctx, SHARED_NAME, "1: one second-level TLB holds 4 KiB and 2 MiB "
       "entries", 0, 1);
}

static int check_level(const hk_tlb_level_config *l,
                       const struct tlb_level_field *f, char *err,
                       size_t errlen)
{
    if (l->entries == 0)
        return 0;
    if (l->entries > MAX_ENTRIES) {
        snprintf(err, errlen, "%s: %u exceeds the limit %u", f->entries,
                 l->entries, MAX_ENTRIES);
        return -1;
    }
    if (l->ways == 0 || l->ways > MAX_WAYS || l->ways > l->entries) {
        snprintf(err, errlen, "%s: %u is not in [1, %u] (%s is %u)", f->ways,
                 l->ways, l->entries < MAX_WAYS ? l->entries : MAX_WAYS,
                 f->entries, l->entries);
        return -1;
    }
    if (l->entries % l->ways != 0) {
        snprintf(err, errlen, "%s: %u does not divide %s (%u)", f->ways,
                 l->ways, f->entries, l->entries);
        return -1;
    }
    uint32_t sets = l->entries / l->ways;
    if ((sets & (sets - 1)) != 0) {
        snprintf(err, errlen,
                 "%s: %u entries in %u ways make %u sets, not a power of two",
                 f->entries, l->entries, l->ways, sets);
        return -1;
    }
    return 0;
}

int hk_tlb_config_check(const hk_tlb_config *c, char *err, size_t errlen)
{
    if (c->l2_shared != 0 && c->l2_shared != 1) {
        snprintf(err, errlen, "%s: %d is not 0 or 1", SHARED_NAME,
                 c->l2_shared);
        return -1;
    }
    for (size_t i = 0; i < NLEVELS; i++) {
        const struct tlb_level_field *f = &levels[i];
        if (c->l2_shared && f->offset == offsetof(hk_tlb_config, l2_2m))
            continue;
        if (check_level(level_of_const(c, f), f, err, errlen) != 0)
            return -1;
    }
    return 0;
}
