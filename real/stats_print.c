/*
 * stats_print.c - printing the counters at exit, with stdio on a stream
 * the caller gives, which must not allocate: the counters would move
 * while they are printed.
 */
#include "stats_print.h"

#include <stdio.h>


typedef struct printer {
    FILE *out;
    int json;
    int first; /* no comma before the first member of a JSON object */
} printer;

static void field(void *ctx, const char *name, uint64_t v)
{
    printer *p = ctx;
    if (p->json)
        fprintf(p->out, "%s\"%s\":%llu", p->first ? "" : ",", name,
                (unsigned long long)v);
    else
        fprintf(p->out, " %s=%llu", name, (unsigned long long)v);
    p->first = 0;
}

static void open_object(printer *p, const char *name)
{
    if (p->json)
        fprintf(p->out, ",\"%s\":{", name);
    else
        fprintf(p->out, "hakmem %-9s", name);
    p->first = 1;
}

static void close_object(printer *p)
{
    fputs(p->json ? "}" : "\n", p->out);
}

static void print_params(printer *p, const hk_params *params)
{
    char v[32];
    fputs(p->json ? "\"params\":{" : "hakmem params   ", p->out);
    for (size_t i = 0; i < hk_param_count; i++) {
        hk_param_format(params, &hk_param_table[i], v, sizeof v);
        if (p->json)
            fprintf(p->out, "%s\"%s\":\"%s\"", i ? "," : "",
                    hk_param_table[i].name, v);
        else
            fprintf(p->out, " %s=%s", hk_param_table[i].name, v);
    }
    close_object(p);
}

static void print_syscalls(printer *p)
{
    hk_os_counts sc;
    hk_os_counts_get(&sc);
    open_object(p, "syscalls");
    for (int k = 0; k < HK_OS_CALLS; k++) {
        if (p->json)
            fprintf(p->out, "%s\"%s\":{\"calls\":%llu,\"bytes\":%llu}",
                    k ? "," : "", hk_os_call_names[k],
                    (unsigned long long)sc.calls[k],
                    (unsigned long long)sc.bytes[k]);
        else
            fprintf(p->out, " %s=%llu (%llu bytes)", hk_os_call_names[k],
                    (unsigned long long)sc.calls[k],
                    (unsigned long long)sc.bytes[k]);
    }
    close_object(p);
}

static void hit_rate(printer *p, const hk_class_stats *cs)
{
    uint64_t all = cs->front_hits + cs->front_misses;
    double rate = all ? (double)cs->front_hits / (double)all : 0;
    fprintf(p->out, p->json ? ",\"front_hit_rate\":%.4f" : " front_hit_rate=%.4f",
            rate);
}

static void print_classes(printer *p, const hk_allocator *a,
                          const hk_stats_snapshot *s)
{
    if (p->json)
        fputs(",\"classes\":[", p->out);
    int any = 0;
    for (unsigned c = 0; c < HK_CLASSES; c++) {
        const hk_class_stats *cs = &s->cls[c];
        if (!hk_class_stats_used(cs))
            continue;
        if (p->json) {
            fprintf(p->out, "%s{\"class\":%u,\"size\":%u", any ? "," : "", c,
                    a->cls[c].size);
            p->first = 0;
        } else {
            fprintf(p->out, "hakmem class %2u size %6u", c, a->cls[c].size);
        }
        hk_class_stats_visit(cs, field, p);
        hit_rate(p, cs);
        close_object(p);
        any = 1;
    }
    if (p->json)
        fputs("]", p->out);
}

void hk_stats_print(hk_allocator *a, int json, FILE *out)
{
    hk_stats_snapshot s;
    hk_alloc_snapshot(a, &s);
    printer p = {out, json, 1};
    if (json)
        fputs("{", p.out);
    print_params(&p, &a->params);
    print_syscalls(&p);
    open_object(&p, "pool");
    hk_pool_stats_visit(&s.pool, field, &p);
    close_object(&p);
    open_object(&p, "large");
    hk_large_stats_visit(&s.large, field, &p);
    close_object(&p);
    open_object(&p, "total");
    hk_class_stats_visit(&s.total, field, &p);
    hit_rate(&p, &s.total);
    close_object(&p);
    print_classes(&p, a, &s);
    fputs(json ? "}\n" : "", p.out);
}
