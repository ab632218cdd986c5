/*
 * mkdirs.c - mkdir -p.  A directory that appears meanwhile (another
 * shard making the same one) is not an error.
 */
#include "experiments/common/mkdirs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int hk_mkdirs(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    if (!*dir)
        return 0;
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    for (char *c = path + 1;; c++) {
        if (*c != '/' && *c)
            continue;
        char was = *c;
        *c = '\0';
        if (mkdir(path, 0777) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (!was)
            return 0;
        *c = was;
    }
}

int hk_mkdirs_for(const char *file, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(file, '/');
    if (!slash || slash == file)
        return 0;
    if ((size_t)(slash - file) >= sizeof dir) {
        snprintf(err, errlen, "%s: path too long", file);
        return -1;
    }
    memcpy(dir, file, (size_t)(slash - file));
    dir[slash - file] = '\0';
    return hk_mkdirs(dir, err, errlen);
}
