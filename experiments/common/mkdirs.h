/*
 * mkdirs.h - make a directory and its missing parents, like mkdir -p.
 */
#ifndef HK_MKDIRS_H
#define HK_MKDIRS_H

#include <stddef.h>

/* 0, or -1 with "PATH: reason" in err. */
int hk_mkdirs(const char *dir, char *err, size_t errlen);

/* The same for the directory that holds file (nothing for a bare name). */
int hk_mkdirs_for(const char *file, char *err, size_t errlen);

#endif
