/*
 * dlopen_churn.c - libraries loaded and unloaded at run time allocate
 * through the preloaded allocator and free what the loader allocated for
 * them: SQLite is opened with dlopen, used for a query whose answer is
 * known, and closed with dlclose, many times, from two threads at once.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*open_fn)(const char *, void **);
typedef int (*exec_fn)(void *, const char *,
                       int (*)(void *, int, char **, char **), void *,
                       char **);
typedef int (*close_fn)(void *);

static int take_answer(void *ctx, int n, char **values, char **names)
{
    (void)names;
    if (n == 1 && values[0])
        *(long *)ctx = atol(values[0]);
    return 0;
}

/* One load-use-unload cycle; returns the query's answer or -1. */
static long cycle(int round)
{
    void *lib = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return -1;
    open_fn op = (open_fn)dlsym(lib, "sqlite3_open");
    exec_fn ex = (exec_fn)dlsym(lib, "sqlite3_exec");
    close_fn cl = (close_fn)dlsym(lib, "sqlite3_close");
    void *db = NULL;
    long answer = -1;
    char sql[512];
    snprintf(sql, sizeof sql,
             "create table t(x); "
             "with recursive c(i) as (select 1 union all select i + 1 from c "
             "where i < %d) insert into t select i from c; "
             "select sum(x) from t;",
             1000 + round);
    if (op && ex && cl && op(":memory:", &db) == 0)
        ex(db, sql, take_answer, &answer, NULL);
    if (cl && db)
        cl(db);
    dlclose(lib);
    return answer;
}

static void *worker(void *arg)
{
    long bad = 0;
    for (int round = 0; round < 40; round++) {
        long n = 1000 + round;
        if (cycle(round) != n * (n + 1) / 2)
            bad++;
    }
    *(long *)arg = bad;
    return NULL;
}

int main(void)
{
    long bad[2] = {0, 0};
    pthread_t t;
    if (pthread_create(&t, NULL, worker, &bad[0]) != 0)
        return 1;
    worker(&bad[1]);
    pthread_join(t, NULL);
    if (bad[0] || bad[1]) {
        printf("FAIL: %ld wrong answers\n", bad[0] + bad[1]);
        return 1;
    }
    printf("ok: 80 dlopen/query/dlclose cycles on two threads\n");
    return 0;
}
