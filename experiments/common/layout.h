/*
 * layout.h - where the parts of hakmem lie, found from the running
 * program's own location, so that a build tree and an installation
 * (any PREFIX, any DESTDIR moved into place) both work:
 *
 *   part        build tree                 installed (PREFIX/...)
 *   hakmem      build/hakmem               bin/hakmem
 *   CMD         build/libexec/hakmem-CMD   libexec/hakmem/hakmem-CMD
 *   library     build/libhakmem.so         lib/libhakmem.so.0
 *   recorder    build/libhakmem-record.so  lib/hakmem/libhakmem-record.so
 *
 * The running program is hakmem itself or one of the hakmem-CMD
 * programs; either finds every part.
 */
#ifndef HK_LAYOUT_H
#define HK_LAYOUT_H

#include <stddef.h>

enum hk_part {
    HK_PART_HAKMEM,   /* the hakmem command */
    HK_PART_COMMAND,  /* the program of a subcommand, hakmem-CMD */
    HK_PART_LIBRARY,  /* libhakmem.so, to preload */
    HK_PART_RECORDER, /* libhakmem-record.so, to preload */
};

/* The part's path (cmd names the subcommand of HK_PART_COMMAND, else
 * NULL) into out: 0, or -1 with err saying where it was looked for. */
int hk_layout_find(enum hk_part part, const char *cmd, char *out,
                   size_t len, char *err, size_t errlen);

#endif
