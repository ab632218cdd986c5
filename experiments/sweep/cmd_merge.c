/*
 * merge.c - `hakmem merge`: the databases of sweep shards into one.
 * Runs are matched by point key, so merging twice, or merging shards
 * that overlap, stores every run once.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "experiments/sweep/db.h"
#include "experiments/common/mkdirs.h"

static const char usage[] =
    "usage: hakmem merge OUT.db IN.db...\n"
    "\n"
    "Copies into OUT.db (created if missing) every run of each IN.db whose\n"
    "point key OUT.db lacks, with its params and metrics; run ids are\n"
    "renumbered in OUT.db's order.  Merging again changes nothing.\n"
    "\n"
    "Exit status: 0 merged, 1 a database error, 2 a usage error.\n";

/* An input that is the output file itself (the same path, a link, or
 * another name of it): merging it would only wait on its own lock. */
static int same_file(const char *out, const char *in)
{
    struct stat a, b;
    return stat(out, &a) == 0 && stat(in, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int hk_cmd_merge(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 3 || argv[1][0] == '-') {
        fputs(usage, stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (same_file(argv[1], argv[i])) {
            fprintf(stderr, "hakmem merge: %s is the output database and "
                    "also an input (%s); merge other databases into it\n",
                    argv[1], argv[i]);
            return 2;
        }
    char err[1024];
    hk_db *out = NULL;
    if (hk_mkdirs_for(argv[1], NULL, err, sizeof err) == 0)
        out = hk_db_open(argv[1], err, sizeof err);
    if (!out) {
        fprintf(stderr, "hakmem merge: %s\n", err);
        return 1;
    }
    int status = 0;
    for (int i = 2; i < argc && status == 0; i++) {
        long added = hk_db_merge(out, argv[i], err, sizeof err);
        if (added < 0) {
            fprintf(stderr, "hakmem merge: %s\n", err);
            status = 1;
        } else {
            fprintf(stderr, "merge: %s: %ld runs added\n", argv[i], added);
        }
    }
    hk_db_close(out);
    return status;
}
