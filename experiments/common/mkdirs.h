/*
 * mkdirs.h - make a directory and its missing parents, like mkdir -p,
 * remembering which it made so that a command that fails can take them
 * back (hk_mkdirs_undo) and leave no empty directories behind.
 */
#ifndef HK_MKDIRS_H
#define HK_MKDIRS_H

#include <stddef.h>

#define HK_MADE_DIRS_MAX 32

/* The directories made, in order; paths owned. */
typedef struct hk_made_dirs {
    char *v[HK_MADE_DIRS_MAX];
    size_t n;
} hk_made_dirs;

/* 0, or -1 with "PATH: reason" in err.  made, if not NULL, records the
 * directories that did not exist before (the first HK_MADE_DIRS_MAX). */
int hk_mkdirs(const char *dir, hk_made_dirs *made, char *err, size_t errlen);

/* The same for the directory that holds file (nothing for a bare name). */
int hk_mkdirs_for(const char *file, hk_made_dirs *made, char *err,
                  size_t errlen);

/* Remove the recorded directories that are empty, newest first, and
 * forget them all. */
void hk_mkdirs_undo(hk_made_dirs *made);

/* Forget the recorded directories, keeping them. */
void hk_mkdirs_keep(hk_made_dirs *made);

#endif
