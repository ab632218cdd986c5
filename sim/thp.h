/*
 * thp.h - the kernel's transparent huge page modes, as
 * /sys/kernel/mm/transparent_hugepage/enabled names them: huge pages in
 * no mapping, in those advised to use them (madvise(MADV_HUGEPAGE)), or
 * in every one.  A setting of the simulated machine (addrspace.h) and a
 * fact a calibration records of its machine.
 */
#ifndef HK_THP_H
#define HK_THP_H

#include <string.h>

enum hk_thp { HK_THP_NEVER, HK_THP_MADVISE, HK_THP_ALWAYS };

static inline const char *hk_thp_name(enum hk_thp t)
{
    static const char *const names[] = {"never", "madvise", "always"};
    return names[t];
}

/* The mode named s: 0, or -1 if s names none. */
static inline int hk_thp_parse(const char *s, enum hk_thp *out)
{
    for (int t = HK_THP_NEVER; t <= HK_THP_ALWAYS; t++)
        if (!strcmp(s, hk_thp_name((enum hk_thp)t))) {
            *out = (enum hk_thp)t;
            return 0;
        }
    return -1;
}

#endif
