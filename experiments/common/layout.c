/*
 * layout.c - the parts of hakmem, relative to the directory of the
 * hakmem program: next to it in the build tree, in the sibling
 * directories of bin/ when installed.  A hakmem-CMD program finds that
 * directory one level up (build/libexec/) or as ../../bin (installed,
 * libexec/hakmem/).  The first candidate that is a regular file wins.
 */
#define _GNU_SOURCE
#include "experiments/common/layout.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BUILD, INSTALLED, LAYOUTS };

/* Relative to hakmem's directory; a command's name follows "hakmem-". */
static const char *const parts[][LAYOUTS] = {
    [HK_PART_HAKMEM] = {"hakmem", "hakmem"},
    [HK_PART_COMMAND] = {"libexec/hakmem-", "../libexec/hakmem/hakmem-"},
    [HK_PART_LIBRARY] = {"libhakmem.so", "../lib/libhakmem.so.0"},
    [HK_PART_RECORDER] = {"libhakmem-record.so",
                          "../lib/hakmem/libhakmem-record.so"},
};

/* From a hakmem-CMD program's directory to hakmem's. */
static const char *const up[LAYOUTS] = {"/..", "/../../bin"};

static int regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int hk_layout_find(enum hk_part part, const char *cmd, char *out,
                   size_t len, char *err, size_t errlen)
{
    char self[PATH_MAX], tried[LAYOUTS][PATH_MAX + 128];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

    if (n < 0) {
        snprintf(err, errlen, "/proc/self/exe: cannot read the link");
        return -1;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    int command = strncmp(slash + 1, "hakmem-", 7) == 0;
    *slash = '\0';
    for (int l = 0; l < LAYOUTS; l++) {
        snprintf(tried[l], sizeof tried[l], "%s%s/%s%s", self,
                 command ? up[l] : "", parts[part][l], cmd ? cmd : "");
        if (!regular_file(tried[l]))
            continue;
        if (!realpath(tried[l], out) || strlen(out) >= len) {
            snprintf(err, errlen, "%s: cannot resolve the path", tried[l]);
            return -1;
        }
        return 0;
    }
    snprintf(err, errlen, "neither %s nor %s exists", tried[BUILD],
             tried[INSTALLED]);
    return -1;
}
