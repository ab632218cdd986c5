/*
 * chart_file.h - a chart written to a named file, PNG or SVG after the
 * name's extension, whole or not at all: it is rendered beside the file
 * and renamed into place only when complete, so on any error an older
 * file of that name is left as it was.
 */
#ifndef HK_CHART_FILE_H
#define HK_CHART_FILE_H

#include <stddef.h>

#include "experiments/plot/chart.h"

/* "png" or "svg" for a path ending in .png or .svg (any case), else
 * NULL. */
const char *hk_chart_format_of(const char *path);

/* 0, or -1 with the reason in err. */
int hk_chart_write(const hk_chart *c, const char *path, const char *format,
                   char *err, size_t len);

#endif
