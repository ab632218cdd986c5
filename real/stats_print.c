/*
 * stats_print.c - printing the counters at exit, with stdio on a stream
 * the caller gives, which must not allocate: the counters would move
 * while they are printed.
 *
 * The JSON form has the shape of `hakmem sim` and `hakmem replay`
 * (README, "Reports"): "settings" with numbers as numbers, "syscalls",
 * and "allocator_stats" as core/stats.c walks it, headed by the program
 * ("pid", "name") and the library that ran.  The text form says the same
 * in lines for people, byte counts in KiB, MiB and GiB.
 */
#define _GNU_SOURCE
#include "stats_print.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct printer {
    FILE *out;
    int json;
    int depth;
    int first[8];  /* JSON: nothing printed yet at this depth */
    int in_class;  /* text: inside an element of "classes" */
} printer;

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

/* v in the largest unit that holds it whole, so that the settings line
 * reads back as the same values (hk_params_set). */
static void exact_bytes(uint64_t v, char *buf, size_t len)
{
    static const char *const units[] = {"", "KiB", "MiB", "GiB"};
    unsigned u = 0;
    while (u + 1 < sizeof units / sizeof units[0] && v &&
           v % ((uint64_t)1 << (10 * (u + 1))) == 0)
        u++;
    snprintf(buf, len, "%llu%s", (unsigned long long)(v >> (10 * u)),
             units[u]);
}

/* 1536 as "1.5KiB", 2097152 as "2MiB", 100 as "100B". */
static void human_bytes(uint64_t v, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    unsigned u = 0;
    uint64_t scale = 1;
    while (u + 1 < sizeof units / sizeof units[0] && v >= scale * 1024) {
        scale *= 1024;
        u++;
    }
    uint64_t tenths = (v % scale) * 10 / scale;
    if (tenths)
        snprintf(buf, len, "%llu.%llu%s", (unsigned long long)(v / scale),
                 (unsigned long long)tenths, units[u]);
    else
        snprintf(buf, len, "%llu%s", (unsigned long long)(v / scale),
                 units[u]);
}

/* The separator before a JSON member, and the member's name. */
static void json_member(printer *p, const char *name)
{
    if (!p->first[p->depth])
        fputc(',', p->out);
    p->first[p->depth] = 0;
    if (name)
        fprintf(p->out, "\"%s\":", name);
}

/* s as a JSON string; control characters and non-ASCII bytes escaped. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20 || *c >= 0x7f)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

/* ---- the statistics walk (core/stats.h) ---- */

static void sink_open(void *ctx, const char *name, int array)
{
    printer *p = ctx;
    if (p->json) {
        json_member(p, name);
        fputc(array ? '[' : '{', p->out);
        p->first[++p->depth] = 1;
    } else if (!name) {
        fputs("hakmem class", p->out);
        p->in_class = 1;
    } else if (!array) {
        fprintf(p->out, "hakmem %-9s", name);
    }
}

static void sink_close(void *ctx, int array)
{
    printer *p = ctx;
    if (p->json) {
        fputc(array ? ']' : '}', p->out);
        p->depth--;
    } else if (!array) {
        fputc('\n', p->out);
        p->in_class = 0;
    }
}

static void sink_count(void *ctx, const char *name, uint64_t v)
{
    printer *p = ctx;
    char text[32];
    if (p->json) {
        json_member(p, name);
        fprintf(p->out, "%llu", (unsigned long long)v);
    } else if (p->in_class && !strcmp(name, "class")) {
        fprintf(p->out, " %2llu", (unsigned long long)v);
    } else if (p->in_class && !strcmp(name, "size")) {
        fprintf(p->out, " size %6llu", (unsigned long long)v);
    } else if (ends_with(name, "bytes")) {
        human_bytes(v, text, sizeof text);
        fprintf(p->out, " %s=%s", name, text);
    } else {
        fprintf(p->out, " %s=%llu", name, (unsigned long long)v);
    }
}

static void sink_ratio(void *ctx, const char *name, double v)
{
    printer *p = ctx;
    if (p->json) {
        json_member(p, name);
        fprintf(p->out, "%.4f", v);
    } else {
        fprintf(p->out, " %s=%.4f", name, v);
    }
}

/* ---- the rest of the report ---- */

/* The file that holds this code: libhakmem.so, or the program that links
 * the allocator in. */
static const char *library(void)
{
    Dl_info info;
    if (dladdr((void *)hk_stats_print, &info) && info.dli_fname &&
        info.dli_fname[0])
        return info.dli_fname;
    return "unknown";
}

static void print_head(printer *p)
{
    if (p->json) {
        fprintf(p->out, "{\"program\":{\"pid\":%ld,\"name\":",
                (long)getpid());
        json_string(p->out, program_invocation_short_name);
        fputs("},\"backend\":\"real\",\"allocator\":\"hakmem\","
              "\"library\":", p->out);
        json_string(p->out, library());
        p->first[0] = 0;
    } else {
        fprintf(p->out, "hakmem statistics of pid %ld (%s), %s\n",
                (long)getpid(), program_invocation_short_name, library());
    }
}

static void print_settings(printer *p, const hk_params *params)
{
    char v[32], text[32];
    if (p->json) {
        json_member(p, "settings");
        fputc('{', p->out);
    } else {
        fputs("hakmem settings ", p->out);
    }
    for (size_t i = 0; i < hk_param_count; i++) {
        const hk_param_info *info = &hk_param_table[i];
        hk_param_format(params, info, v, sizeof v);
        if (p->json && info->words)
            fprintf(p->out, "%s\"%s\":\"%s\"", i ? "," : "", info->name, v);
        else if (p->json)
            fprintf(p->out, "%s\"%s\":%s", i ? "," : "", info->name, v);
        else if (info->unit && !strcmp(info->unit, "bytes")) {
            exact_bytes(hk_param_get(params, info), text, sizeof text);
            fprintf(p->out, " %s=%s", info->name, text);
        } else {
            fprintf(p->out, " %s=%s%s", info->name, v,
                    info->unit ? info->unit : "");
        }
    }
    fputs(p->json ? "}" : "\n", p->out);
}

static void print_syscalls(printer *p)
{
    hk_os_counts sc;
    char text[32];
    hk_os_counts_get(&sc);
    if (p->json) {
        json_member(p, "syscalls");
        fputc('{', p->out);
    } else {
        fputs("hakmem syscalls ", p->out);
    }
    for (int k = 0; k < HK_OS_CALLS; k++) {
        if (p->json) {
            fprintf(p->out, "%s\"%s\":{\"calls\":%llu,\"bytes\":%llu}",
                    k ? "," : "", hk_os_call_names[k],
                    (unsigned long long)sc.calls[k],
                    (unsigned long long)sc.bytes[k]);
        } else {
            human_bytes(sc.bytes[k], text, sizeof text);
            fprintf(p->out, " %s=%llu (%s)", hk_os_call_names[k],
                    (unsigned long long)sc.calls[k], text);
        }
    }
    fputs(p->json ? "}" : "\n", p->out);
}

void hk_stats_print(hk_allocator *a, int json, FILE *out)
{
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    printer p = {.out = out, .json = json, .first = {1}};
    print_head(&p);
    print_settings(&p, &a->params);
    print_syscalls(&p);
    hk_stats_sink sink = {sink_open, sink_close, sink_count, sink_ratio, &p};
    if (json) {
        json_member(&p, "allocator_stats");
        fputc('{', out);
        p.first[++p.depth] = 1;
    }
    hk_stats_walk(&s, &sink);
    fputs(json ? "}}\n" : "", out);
}
