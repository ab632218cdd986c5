/*
 * json_file.c - reading configuration JSON (json_file.h).
 */
#include "sim/json_file.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file as a string, or NULL with a message. */
static char *slurp(const char *path, size_t max_bytes, char *err,
                   size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *text = malloc(cap);
    while (text) {
        size_t n = fread(text + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0 || len > max_bytes)
            break;
        if (len + 1 == cap) {
            char *grown = realloc(text, cap *= 2);
            if (!grown)
                free(text);
            text = grown;
        }
    }
    int read_error = ferror(f) ? errno : 0;
    fclose(f);
    if (!text || read_error || len > max_bytes) {
        if (!text)
            snprintf(err, errlen, "%s: out of memory", path);
        else if (read_error)
            snprintf(err, errlen, "%s: %s", path, strerror(read_error));
        else
            snprintf(err, errlen, "%s: larger than %zu bytes", path,
                     max_bytes);
        free(text);
        return NULL;
    }
    text[len] = '\0';
    return text;
}

/* "PATH: line L, column C: " for the byte at `at` of text. */
static int where(char *err, size_t errlen, const char *path,
                 const char *text, const char *at)
{
    long line = 1, column = 1;
    for (const char *c = text; c < at; c++) {
        column = *c == '\n' ? 1 : column + 1;
        line += *c == '\n';
    }
    return snprintf(err, errlen, "%s: line %ld, column %ld: ", path, line,
                    column);
}

/* The first key named twice in one object, anywhere in the tree. */
static const cJSON *duplicate_key(const cJSON *node)
{
    for (const cJSON *a = node->child; a; a = a->next) {
        if (cJSON_IsObject(node))
            for (const cJSON *b = a->next; b; b = b->next)
                if (!strcmp(a->string, b->string))
                    return b;
        const cJSON *inner = duplicate_key(a);
        if (inner)
            return inner;
    }
    return NULL;
}

cJSON *hk_json_load_object(const char *path, size_t max_bytes, char *err,
                           size_t errlen)
{
    char *text = slurp(path, max_bytes, err, errlen);
    if (!text)
        return NULL;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 0);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        int n = where(err, errlen, path, text, at ? at : text);
        snprintf(err + n, errlen > (size_t)n ? errlen - (size_t)n : 0,
                 "%s", *(at ? at : text) ? "not valid JSON here"
                                         : "the JSON ends too early");
    } else {
        end += strspn(end, " \t\r\n");
        const cJSON *dup = duplicate_key(root);
        if (!cJSON_IsObject(root)) {
            snprintf(err, errlen, "%s: expected a JSON object {...}", path);
        } else if (*end) {
            int n = where(err, errlen, path, text, end);
            snprintf(err + n, errlen > (size_t)n ? errlen - (size_t)n : 0,
                     "data after the JSON object");
        } else if (dup) {
            snprintf(err, errlen, "%s: key \"%s\" given twice in one object",
                     path, dup->string);
        } else {
            free(text);
            return root;
        }
        cJSON_Delete(root);
    }
    free(text);
    return NULL;
}

int hk_json_is_count(const cJSON *v)
{
    return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
           v->valuedouble < 0x1p64 &&
           v->valuedouble == (double)(uint64_t)v->valuedouble;
}

int hk_json_setting_text(const cJSON *v, char *out, size_t len)
{
    if (hk_json_is_count(v))
        snprintf(out, len, "%llu", (unsigned long long)v->valuedouble);
    else if (cJSON_IsString(v) && v->valuestring[0] &&
             strlen(v->valuestring) < len)
        snprintf(out, len, "%s", v->valuestring);
    else
        return -1;
    return 0;
}
