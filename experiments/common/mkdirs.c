/*
 * mkdirs.c - mkdir -p.  A directory that appears meanwhile (another
 * shard making the same one) is not an error, and is not recorded as
 * made: only a directory this process's mkdir created is taken back, and
 * only while it is empty, so shards sharing a directory keep it.
 */
#include "experiments/common/mkdirs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void record(hk_made_dirs *made, const char *path)
{
    if (made && made->n < HK_MADE_DIRS_MAX &&
        (made->v[made->n] = strdup(path)))
        made->n++;
}

int hk_mkdirs(const char *dir, hk_made_dirs *made, char *err, size_t errlen)
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
        if (mkdir(path, 0777) == 0) {
            record(made, path);
        } else if (errno != EEXIST) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (!was)
            return 0;
        *c = was;
    }
}

int hk_mkdirs_for(const char *file, hk_made_dirs *made, char *err,
                  size_t errlen)
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
    return hk_mkdirs(dir, made, err, errlen);
}

void hk_mkdirs_undo(hk_made_dirs *made)
{
    while (made->n > 0) {
        char *path = made->v[--made->n];
        rmdir(path); /* fails, as it should, if anything is inside */
        free(path);
    }
}

void hk_mkdirs_keep(hk_made_dirs *made)
{
    while (made->n > 0)
        free(made->v[--made->n]);
}
