/*
 * version.h - what this hakmem is: its release (the Makefile's VERSION)
 * and the `git describe --always --dirty` of the tree it was built from
 * ("unknown" when that was not a git checkout).
 */
#ifndef HK_VERSION_H
#define HK_VERSION_H

extern const char hk_version[];
extern const char hk_git_describe[];

#endif
