/*
 * touch.h - how a replayed program is assumed to use each block it gets.
 * A setting of every run (sim/config.h) and the rule both replay engines
 * follow (sim/replay.h); its names are defined with the settings, so that
 * parsing them needs no replay engine.
 */
#ifndef HK_TOUCH_H
#define HK_TOUCH_H

enum hk_touch {
    HK_TOUCH_NONE,  /* not at all */
    HK_TOUCH_FIRST, /* its first byte */
    HK_TOUCH_PAGES, /* one byte in every page it spans */
    HK_TOUCH_ALL,   /* every byte */
};

/* Indexed by enum hk_touch; NULL-terminated. */
extern const char *const hk_touch_names[];

#endif
