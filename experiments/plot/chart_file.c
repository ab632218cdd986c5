/*
 * chart_file.c - writing a chart to a file whole (chart_file.h).
 */
#include "experiments/plot/chart_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *hk_chart_format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strcasecmp(dot, ".png"))
        return "png";
    if (dot && !strcasecmp(dot, ".svg"))
        return "svg";
    return NULL;
}

/* Renders into PATH.XXXXXX and renames that to PATH when it is whole. */
int hk_chart_write(const hk_chart *c, const char *path, const char *format,
                   char *err, size_t len)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    snprintf(tmp, n + 8, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, len, "cannot create %s: %m", path);
        free(tmp);
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    errno = 0;
    FILE *f = fdopen(fd, "wb");
    int rc = f ? hk_chart_render(c, format, f) : -1;
    if (f ? ferror(f) | fclose(f) : close(fd))
        rc = -1;
    if (rc == 0 && rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    snprintf(err, len, "cannot write %s%s%s", path, errno ? ": " : "",
             errno ? strerror(errno) : "");
    unlink(tmp);
    free(tmp);
    return -1;
}
