/*
 * spec_files.c - the files a spec names, made ready: its traces and its
 * calibration, each with its checksum.
 *
 * A generated trace is made once by `hakmem trace gen` and kept in the
 * cache directory under a name built from its arguments (readable, plus
 * a hash of them, so different arguments never share a name).  It is
 * written under a temporary name and renamed, so shards sharing the
 * directory never read half a trace.  A checksum is FNV-1a 64 of the
 * file's bytes, as traces/FORMAT.md defines it for traces and as
 * `hakmem sim` reports it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/common/fnv.h"
#include "experiments/common/jobs.h"
#include "experiments/common/mkdirs.h"
#include "experiments/sweep/spec.h"

/* DIR/random_mixed_200000_4096_1-1a2b3c4d.hkt */
static char *cache_path(const char *dir, char *const *args, size_t n)
{
    char name[128] = "";
    uint64_t h = HK_FNV64_OFFSET;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        h = hk_fnv64(h, args[i], strlen(args[i]) + 1);
        for (const char *c = args[i]; *c && len < 80; c++)
            name[len++] = (('a' <= *c && *c <= 'z') ||
                           ('A' <= *c && *c <= 'Z') ||
                           ('0' <= *c && *c <= '9') || strchr(".=+-", *c))
                              ? *c
                              : '_';
        if (i + 1 < n && len < 80)
            name[len++] = '_';
    }
    name[len] = '\0';
    char *path = malloc(strlen(dir) + len + 32);
    if (path)
        sprintf(path, "%s/%s-%08llx.hkt", dir, name,
                (unsigned long long)(h >> 32));
    return path;
}

/* The first line of text, for a message. */
static const char *first_line(char *text)
{
    text[strcspn(text, "\n")] = '\0';
    return text;
}

static int generate(const hk_spec *s, size_t index, const char *hakmem,
                    const char *path, char *err, size_t errlen)
{
    const hk_spec_trace *t = &s->traces[index];
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    char **argv = calloc(t->ngen + 6, sizeof *argv);
    if (!argv) {
        snprintf(err, errlen, "out of memory");
        return -2;
    }
    size_t a = 0;
    argv[a++] = (char *)hakmem;
    argv[a++] = "trace";
    argv[a++] = "gen";
    for (size_t i = 0; i < t->ngen; i++)
        argv[a++] = t->gen[i];
    argv[a++] = "-o";
    argv[a++] = tmp;
    hk_job_result r;
    int rc = hk_job_run(argv, &r, err, errlen);
    free(argv);
    if (rc < 0)
        return -2;
    if (r.status != 0) {
        snprintf(err, errlen, "%s: traces[%zu].gen: `hakmem trace gen` "
                 "%s: %s", s->path, index,
                 r.status == 2 ? "rejected it" : "failed",
                 first_line(r.err));
        rc = r.status == 2 ? -1 : -2;
    } else if (rename(tmp, path) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -2;
    }
    if (rc < 0)
        unlink(tmp);
    hk_job_result_free(&r);
    return rc;
}

/* 0, or -1 with errno set. */
static int checksum(const char *path, char out[17])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char buf[1 << 16];
    uint64_t h = HK_FNV64_OFFSET;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        h = hk_fnv64(h, buf, n);
    int failed = ferror(f);
    fclose(f);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    if (failed)
        errno = EIO;
    return failed ? -1 : 0;
}

int hk_spec_prepare(hk_spec *s, const char *hakmem, const char *cache_dir,
                    hk_made_dirs *made, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->ntraces; i++) {
        hk_spec_trace *t = &s->traces[i];
        if (t->gen) {
            if (!(t->file = cache_path(cache_dir, t->gen, t->ngen))) {
                snprintf(err, errlen, "out of memory");
                return -2;
            }
            if (access(t->file, R_OK) < 0) {
                if (hk_mkdirs(cache_dir, made, err, errlen) < 0)
                    return -2;
                int rc = generate(s, i, hakmem, t->file, err, errlen);
                if (rc < 0)
                    return rc;
            }
        }
        if (checksum(t->file, t->checksum) < 0) {
            snprintf(err, errlen, "%s: traces[%zu].%s: cannot read %s: %s",
                     s->path, i, t->gen ? "gen" : "file", t->file,
                     strerror(errno));
            return t->gen ? -2 : -1;
        }
    }
    if (s->calibration &&
        checksum(s->calibration, s->calibration_checksum) < 0) {
        snprintf(err, errlen, "%s: calibration: cannot read %s: %s",
                 s->path, s->calibration, strerror(errno));
        return -1;
    }
    return 0;
}
