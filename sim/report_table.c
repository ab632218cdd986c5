/*
 * report_table.c - the report as aligned text.
 *
 * Any report renders, whatever its keys: a value is a line "name  value";
 * an object is a heading with its members indented under it; an object of
 * objects with the same numeric members (the "syscalls" object) and an
 * array of such objects (the size classes) are tables, one row per
 * member, one column per key.  Byte counts (keys ending in "bytes") are
 * shown in KiB, MiB or GiB, times (keys "ns", ..._ns and ..._s, not
 * ..._per_s) in the unit that suits them, other numbers with thousands
 * separated.
 */
#include "report_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CELL 32
#define INDENT 2

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

/* An integer with its thousands apart: 1,234,567. */
static void grouped(double v, char *buf, size_t len)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t n = strlen(digits), used = 0;
    if (v < 0 && used + 1 < len)
        buf[used++] = '-';
    for (size_t i = 0; i < n && used + 2 < len; i++) {
        if (i && (n - i) % 3 == 0)
            buf[used++] = ',';
        buf[used++] = digits[i];
    }
    buf[used] = '\0';
}

static void scaled(double v, const char *const *units, double step,
                   size_t nunits, char *buf, size_t len)
{
    size_t u = 0;
    while (u + 1 < nunits && fabs(v) >= step) {
        v /= step;
        u++;
    }
    if (u == 0 && v == floor(v))
        snprintf(buf, len, "%.0f %s", v, units[0]);
    else
        snprintf(buf, len, "%.1f %s", v, units[u]);
}

enum unit { PLAIN, BYTES, NANOSECONDS, SECONDS };

static enum unit unit_of(const char *key)
{
    if (!key)
        return PLAIN;
    if (ends_with(key, "bytes"))
        return BYTES;
    if (!strcmp(key, "ns") || ends_with(key, "_ns"))
        return NANOSECONDS;
    if (ends_with(key, "_s") && !ends_with(key, "per_s"))
        return SECONDS;
    return PLAIN;
}

/* A number in the unit given. */
static void format_number(enum unit unit, double v, char *buf, size_t len)
{
    static const char *const bytes[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    static const char *const times[] = {"ns", "us", "ms", "s"};
    if (unit == BYTES)
        scaled(v, bytes, 1024, 5, buf, len);
    else if (unit != PLAIN)
        scaled(unit == SECONDS ? v * 1e9 : v, times, 1000, 4, buf, len);
    else if (fabs(v) >= 1000 && fabs(v) < 1e18)
        grouped(round(v), buf, len);
    else if (v == floor(v))
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.4g", v);
}

/* A value; a number in the unit its key names, or else its parent's
 * (the members of "terms_ns" are nanoseconds). */
static void format_value(const char *key, enum unit parent, const cJSON *v,
                         char *buf, size_t len)
{
    enum unit unit = unit_of(key);
    if (cJSON_IsNumber(v))
        format_number(unit != PLAIN ? unit : parent, v->valuedouble, buf,
                      len);
    else if (cJSON_IsString(v))
        snprintf(buf, len, "%s", v->valuestring);
    else if (cJSON_IsBool(v))
        snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else
        snprintf(buf, len, "-");
}

static int is_scalar(const cJSON *v)
{
    return !cJSON_IsObject(v) && !cJSON_IsArray(v);
}

/* Rows (members of an object, or elements of an array) that are objects
 * of scalars, each with the keys of the first in the same order. */
static int is_table(const cJSON *node)
{
    const cJSON *first = node->child;
    if (!first || !cJSON_IsObject(first) || !first->child)
        return 0;
    for (const cJSON *row = first; row; row = row->next) {
        if (!cJSON_IsObject(row))
            return 0;
        const cJSON *a = first->child, *b = row->child;
        for (; a && b; a = a->next, b = b->next)
            if (strcmp(a->string, b->string) || !is_scalar(b))
                return 0;
        if (a || b)
            return 0;
    }
    return 1;
}

static void print_table(const cJSON *node, int indent, FILE *out)
{
    const cJSON *first = node->child;
    int named = cJSON_IsObject(node);
    size_t ncols = 0;
    for (const cJSON *c = first->child; c; c = c->next)
        ncols++;
    size_t *width = calloc(ncols + 1, sizeof *width);
    if (!width)
        return;
    char cell[CELL];
    /* Column 0 holds the row names of an object's rows. */
    for (const cJSON *row = first; named && row; row = row->next)
        if (strlen(row->string) > width[0])
            width[0] = strlen(row->string);
    size_t k = 1;
    for (const cJSON *c = first->child; c; c = c->next, k++) {
        width[k] = strlen(c->string);
        for (const cJSON *row = first; row; row = row->next) {
            format_value(c->string, PLAIN,
                         cJSON_GetArrayItem(row, (int)k - 1), cell,
                         sizeof cell);
            if (strlen(cell) > width[k])
                width[k] = strlen(cell);
        }
    }
    fprintf(out, "%*s%-*s", indent, "", (int)width[0], "");
    k = 1;
    for (const cJSON *c = first->child; c; c = c->next, k++)
        fprintf(out, "%s%*s", k > 1 || named ? "  " : "", (int)width[k],
                c->string);
    fputc('\n', out);
    for (const cJSON *row = first; row; row = row->next) {
        fprintf(out, "%*s%-*s", indent, "", (int)width[0],
                named ? row->string : "");
        k = 1;
        for (const cJSON *c = row->child; c; c = c->next, k++) {
            format_value(c->string, PLAIN, c, cell, sizeof cell);
            fprintf(out, "%s%*s", k > 1 || named ? "  " : "", (int)width[k],
                    cell);
        }
        fputc('\n', out);
    }
    free(width);
}

static void print_object(const cJSON *obj, enum unit unit, int indent,
                         FILE *out)
{
    size_t w = 0;
    for (const cJSON *it = obj->child; it; it = it->next)
        if (is_scalar(it) && strlen(it->string) > w)
            w = strlen(it->string);
    char value[256];
    for (const cJSON *it = obj->child; it; it = it->next) {
        if (is_scalar(it)) {
            format_value(it->string, unit, it, value, sizeof value);
            fprintf(out, "%*s%-*s  %s\n", indent, "", (int)w, it->string,
                    value);
            continue;
        }
        fprintf(out, "%*s%s\n", indent, "", it->string);
        if (is_table(it))
            print_table(it, indent + INDENT, out);
        else if (cJSON_IsObject(it))
            print_object(it, unit_of(it->string), indent + INDENT, out);
        else if (it->child)
            fprintf(out, "%*s(a list that is not a table)\n",
                    indent + INDENT, "");
    }
}

int hk_report_table(const cJSON *root, FILE *out)
{
    print_object(root, PLAIN, 0, out);
    return ferror(out) ? -1 : 0;
}
