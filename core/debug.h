/*
 * debug.h - the core's invariants as code.
 *
 * HK_ASSERT(cond) checks cond in builds made with -DHK_DEBUG=1 and stops
 * through the seam's fatal primitive, naming file, line and condition.  In
 * other builds it compiles to nothing and cond is never evaluated (it is
 * still type-checked, so a debug build does not rot).  Checks that walk a
 * structure go in a function called under `if (HK_DEBUG)`, which release
 * builds drop along with the function.
 */
#ifndef HK_DEBUG_H
#define HK_DEBUG_H

#include "os.h"

#ifndef HK_DEBUG
#define HK_DEBUG 0
#endif

#define HK_STRINGIFY_(x) #x
#define HK_STRINGIFY(x) HK_STRINGIFY_(x)

#if HK_DEBUG
#define HK_ASSERT(cond)                                                      \
    ((cond) ? (void)0                                                        \
            : hk_os_fatal(__FILE__ ":" HK_STRINGIFY(__LINE__)                \
                          ": assertion failed: " #cond,                      \
                          NULL))
#else
#define HK_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif
