/*
 * import_mtrace.c - glibc's mtrace(3) log as a hakmem trace.
 *
 * A program that calls mtrace() with MALLOC_TRACE=FILE in its
 * environment (and, since glibc 2.34, libc_malloc_debug.so.0 preloaded)
 * logs every call until muntrace():
 *
 *     = Start
 *     @ ./prog:[0x11d2] + 0x5578c0c4f2a0 0x10     malloc, calloc, memalign..
 *     @ ./prog:[0x12a9] - 0x5578c0c4f2a0          free
 *     @ ./prog:[0x121d] < 0x5578c0c4f4a0          realloc: the old block,
 *     @ ./prog:[0x121d] > 0x5578c0c4f740 0x1388   the new block and size
 *     @ ./prog:[0x1232] ! 0x5578c0c4f4d0 0x8      a realloc that failed
 *     @ ./prog:[0x1245] + (nil) 0xffffffffff      an allocation that failed
 *     = End
 *
 * The "@ ...] " part names the caller ("@ FILE:(SYMBOL+OFF)[0xOFF] " or
 * "@ [0xADDR] ") and is absent when the caller is unknown; it ends at the
 * line's last "] ".  Blocks are printed with %p (0x... or (nil)), sizes
 * with %#lx (0x..., or 0).  realloc(p, 0) logs "- p", realloc(NULL, n)
 * "+ block n"; "= End" is missing when the program never called
 * muntrace().
 *
 * The log says neither which thread called nor when: every event is on
 * thread 0 and the k-th call logged (from 0) happens at k microseconds.
 */
#include <stdio.h>
#include <string.h>

#include "import.h"

#define NS_PER_CALL 1000

/* "0x" and hex digits, or "(nil)" for 0; NULL if s holds neither. */
static const char *parse_block(const char *s, uint64_t *v)
{
    if (strncmp(s, "(nil)", 5) == 0) {
        *v = 0;
        return s + 5;
    }
    return s[0] == '0' && s[1] == 'x' ? hk_text_hex(s + 2, v) : NULL;
}

/* "0x" and hex digits, or "0". */
static const char *parse_size(const char *s, uint64_t *v)
{
    if (s[0] == '0' && s[1] != 'x') {
        *v = 0;
        return s + 1;
    }
    return s[0] == '0' ? hk_text_hex(s + 2, v) : NULL;
}

/* The call after the caller: s with "@ ...] " skipped, or NULL. */
static const char *skip_caller(const char *s)
{
    const char *end = NULL;

    if (s[0] != '@')
        return s;
    if (s[1] != ' ')
        return NULL;
    for (const char *p = strstr(s, "] "); p; p = strstr(p + 1, "] "))
        end = p + 2;
    return end;
}

/* A call: its kind (+ - < > !), block and, for + > !, size. */
typedef struct call {
    char op;
    uint64_t block;
    uint64_t size;
} call;

static int parse_call(const hk_text *in, const char *line, call *c,
                      char *err, size_t errlen)
{
    const char *s = skip_caller(line);

    if (!s)
        return hk_text_fail(in, err, errlen, "a caller ('@ ...') without "
                            "its closing '] '");
    c->op = s[0];
    if (c->op == '\0' || !strchr("+-<>!", c->op) || s[1] != ' ')
        return hk_text_fail(in, err, errlen, "not an mtrace call: expected "
                            "'+', '-', '<', '>' or '!' and a space");
    s = parse_block(s + 2, &c->block);
    if (!s)
        return hk_text_fail(in, err, errlen, "'%c': the block is not 0x... "
                            "or (nil)", c->op);
    c->size = 0;
    if (c->op == '+' || c->op == '>' || c->op == '!') {
        if (*s != ' ' || !(s = parse_size(s + 1, &c->size)))
            return hk_text_fail(in, err, errlen, "'%c': the size is not "
                                "0x... or 0", c->op);
    }
    if (*s != '\0')
        return hk_text_fail(in, err, errlen, "'%c': unexpected text after "
                            "the call", c->op);
    if (c->block == 0 && strchr("-<>", c->op))
        return hk_text_fail(in, err, errlen, "'%c' of a null block",
                            c->op);
    return 0;
}

int hk_import_mtrace(hk_text *in, hk_sink *out, char *err, size_t errlen)
{
    enum { START, CALLS, REALLOC, END } state = START;
    uint64_t calls = 0, old = 0;
    const char *line;
    int rc;

    while ((rc = hk_text_line(in, &line, err, errlen)) == 1) {
        call c;
        if (state == START) {
            if (strcmp(line, "= Start") != 0)
                return hk_text_fail(in, err, errlen, "not an mtrace log: "
                                    "the first line is not '= Start'");
            state = CALLS;
            continue;
        }
        if (state == END)
            return hk_text_fail(in, err, errlen, "a line after '= End'");
        if (strcmp(line, "= End") == 0 && state == CALLS) {
            state = END;
            continue;
        }
        if (line[0] == '=')
            return hk_text_fail(in, err, errlen, state == REALLOC
                                ? "'<' not followed by '>'"
                                : "unknown '=' line (only '= Start' "
                                  "first and '= End' last)");
        if (parse_call(in, line, &c, err, errlen) != 0)
            return -1;
        if ((state == REALLOC) != (c.op == '>'))
            return hk_text_fail(in, err, errlen, state == REALLOC
                                ? "'<' not followed by '>'"
                                : "'>' without '<' before it");
        uint64_t t = calls * NS_PER_CALL;
        switch (c.op) {
        case '+':
            rc = hk_sink_alloc(out, c.block, c.size, t);
            break;
        case '-':
            rc = hk_sink_free(out, c.block, t);
            break;
        case '<':
            old = c.block;
            state = REALLOC;
            continue;
        case '>':
            rc = hk_sink_realloc(out, old, c.block, c.size, t);
            state = CALLS;
            break;
        default: /* '!': a failed realloc leaves the block as it was */
            rc = 0;
            break;
        }
        if (rc != 0) {
            snprintf(err, errlen, "%s", hk_sink_error(out));
            return -1;
        }
        calls++;
    }
    if (rc < 0)
        return -1;
    if (state == START)
        return hk_text_fail(in, err, errlen, "empty file, not an mtrace log");
    if (state == REALLOC)
        return hk_text_fail(in, err, errlen, "the log ends after '<', "
                            "without its '>'");
    return 0;
}
