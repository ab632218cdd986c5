/*
 * import_sink.c - addresses to ids, and the trace written under a
 * temporary name.
 *
 * Invariants: `live` maps each live address to its object's id (kept in
 * the pointer-sized value); every id in it is below `next_id`; `w` is
 * NULL until the first event (so the description can still change) and
 * after a write error; `created` says OUT.tmp is ours to remove.
 */
#include "import_sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

_Static_assert(sizeof(void *) >= sizeof(uint64_t),
               "ids are kept in the id map's pointer values");

struct hk_sink {
    hk_trace_writer *w;
    hk_idmap *live; /* address -> id */
    uint64_t next_id;
    int failed;
    int created;
    hk_sink_stats st;
    char *source;
    char *program; /* the traced command line, or NULL */
    char *tmp;     /* OUT.tmp */
    char err[512];
    char out[];
};

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);

    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

hk_sink *hk_sink_create(const char *out, const char *source)
{
    size_t len = strlen(out) + 1;
    hk_sink *s = calloc(1, sizeof *s + len);

    if (!s)
        return NULL;
    memcpy(s->out, out, len);
    s->live = hk_idmap_create();
    s->source = strdup(source);
    s->tmp = concat(out, ".tmp");
    if (!s->live || !s->source || !s->tmp) {
        hk_sink_abort(s);
        return NULL;
    }
    return s;
}

void hk_sink_describe(hk_sink *s, const char *program)
{
    char *copy = strdup(program);

    if (copy) {
        free(s->program);
        s->program = copy;
    }
}

/* Creates OUT.tmp, its header describing the program and the source. */
static int start(hk_sink *s)
{
    char desc[4096];

    if (s->program)
        snprintf(desc, sizeof desc, "%s (imported from %s)", s->program,
                 s->source);
    else
        snprintf(desc, sizeof desc, "imported from %s", s->source);
    s->w = hk_trace_create(s->tmp, desc, s->err, sizeof s->err);
    if (!s->w) {
        s->failed = 1;
        return -1;
    }
    s->created = 1;
    return 0;
}

static int emit(hk_sink *s, uint8_t kind, uint64_t id, uint64_t size,
                uint64_t time_ns)
{
    hk_event ev = {.kind = kind, .id = id, .size = size, .time_ns = time_ns};

    if (s->failed || (!s->w && start(s) != 0))
        return -1;
    if (hk_trace_write(s->w, &ev) != 0) {
        /* The writer's error is sticky; closing it tells what it was. */
        hk_trace_close(s->w, s->err, sizeof s->err);
        s->w = NULL;
        s->failed = 1;
        return -1;
    }
    s->st.events++;
    return 0;
}

static uint64_t id_of(void *value)
{
    return (uint64_t)(uintptr_t)value;
}

/* Ends the object at addr, if one is live there: its free was missed. */
static int end_live(hk_sink *s, uint64_t addr, uint64_t time_ns)
{
    int found;
    void *v = hk_idmap_remove(s->live, addr, &found);

    if (!found)
        return 0;
    s->st.implied_frees++;
    return emit(s, HK_EV_FREE, id_of(v), 0, time_ns);
}

int hk_sink_alloc(hk_sink *s, uint64_t addr, uint64_t size, uint64_t time_ns)
{
    if (addr == 0) {
        s->st.failed_allocs++;
        return s->failed ? -1 : 0;
    }
    if (end_live(s, addr, time_ns) != 0)
        return -1;
    uint64_t id = s->next_id++;
    hk_idmap_insert(s->live, addr, (void *)(uintptr_t)id);
    return emit(s, HK_EV_MALLOC, id, size, time_ns);
}

int hk_sink_free(hk_sink *s, uint64_t addr, uint64_t time_ns)
{
    int found;
    void *v = hk_idmap_remove(s->live, addr, &found);

    if (!found) {
        s->st.unknown_frees++;
        return s->failed ? -1 : 0;
    }
    return emit(s, HK_EV_FREE, id_of(v), 0, time_ns);
}

int hk_sink_realloc(hk_sink *s, uint64_t old, uint64_t addr, uint64_t size,
                    uint64_t time_ns)
{
    int found;
    void *v = hk_idmap_remove(s->live, old, &found);

    if (!found) {
        s->st.unknown_reallocs++;
        return hk_sink_alloc(s, addr, size, time_ns);
    }
    if (end_live(s, addr, time_ns) != 0)
        return -1;
    hk_idmap_insert(s->live, addr, v);
    return emit(s, HK_EV_REALLOC, id_of(v), size, time_ns);
}

const char *hk_sink_error(const hk_sink *s)
{
    return s->err;
}

const hk_sink_stats *hk_sink_stats_of(const hk_sink *s)
{
    return &s->st;
}

int hk_sink_commit(hk_sink *s, char *err, size_t errlen)
{
    int rc = (s->failed || (!s->w && start(s) != 0)) ? -1 : 0;

    if (rc == 0) {
        rc = hk_trace_close(s->w, s->err, sizeof s->err);
        s->w = NULL;
    }
    if (rc == 0 && rename(s->tmp, s->out) != 0) {
        snprintf(s->err, sizeof s->err, "%s: %s", s->out, strerror(errno));
        rc = -1;
    }
    if (rc != 0)
        snprintf(err, errlen, "%s", s->err);
    else
        s->created = 0;
    hk_sink_abort(s);
    return rc;
}

void hk_sink_abort(hk_sink *s)
{
    char ignored[8];

    if (!s)
        return;
    if (s->w)
        hk_trace_close(s->w, ignored, sizeof ignored);
    if (s->created)
        unlink(s->tmp);
    hk_idmap_destroy(s->live);
    free(s->source);
    free(s->program);
    free(s->tmp);
    free(s);
}
