/*
 * record_log.c - the recorder's event log: per-thread buffers flushed as
 * chunks to the raw file.
 *
 * A thread's buffer is written by its thread alone, without a lock: the
 * thread codes a record past `committed` and then publishes the new
 * `committed` (release).  Any thread may flush the buffer, under the
 * buffer's lock: it writes [flushed, committed) as a chunk, whose header
 * needs the coder state at `flushed`; that state is kept with `flushed`,
 * and a flusher other than the owner gets the state at `committed` by
 * decoding what it wrote.  Only the owner, under the lock, moves the
 * buffer back to its start, so no byte a flusher reads is rewritten
 * while it reads it.
 *
 * Lock order: flush_lock, list_lock, a thread's lock, file_lock.  The
 * object map's shard locks (taken by the recorder) are never held while
 * any of these is taken, except around fork, where the shards come last.
 *
 * A thread's buffer is flushed and retired in the last round of its
 * pthread key destructors; a thread that records after that (a later
 * destructor frees something) writes each event as a chunk of its own,
 * under the same thread number.  Buffers are reused by later threads;
 * thread numbers are not.
 */
#define _GNU_SOURCE
#include "record_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "record_clock.h"
#include "record_lock.h"

#define FLUSH_NS 100000000ull /* flush everything at least this often */
#define RATE_NS 10000000ull   /* time enough to measure the tick rate */
#define MAX_IMAGES 1000       /* FILE.raw.PID.N: execs in one process */
#define TLS __thread __attribute__((tls_model("initial-exec")))

struct hk_rec_thread {
    hk_rec_lock lock;           /* flushed*, and moving buf back */
    uint32_t number;            /* the recorder's thread number */
    _Atomic uint32_t committed; /* bytes of whole records in buf */
    uint32_t records;           /* owner: records in buf */
    uint32_t flushed;           /* bytes of buf already written */
    uint32_t flushed_records;   /* records among them */
    hk_raw_coder flushed_coder; /* coder state at `flushed` */
    hk_raw_coder coder;         /* owner: after its last record */
    unsigned exit_rounds;       /* key destructor rounds seen */
    hk_rec_thread *next;        /* on the live or the spare list */
    uint8_t *buf;               /* HK_RAW_PAYLOAD_MAX bytes */
};

/* Stands for the buffer of a thread whose own was retired at its exit. */
static hk_rec_thread retired;

static TLS hk_rec_thread *self;
static TLS uint32_t retired_number; /* after retirement: number + 1 */

static struct {
    _Alignas(64) _Atomic uint64_t seq;        /* written by every event */
    _Atomic uint64_t ids;
    _Alignas(64) _Atomic uint64_t next_flush; /* read by every event */
    int tsc;               /* ticks are TSC cycles, not nanoseconds */
    hk_raw_anchor start;
    uint64_t flush_ticks;  /* FLUSH_NS in ticks, as last measured */
    atomic_int failed;     /* nothing more is written */
    atomic_int fd;         /* -1 until the file exists */
    _Atomic uint32_t threads;
    uint32_t parent;       /* the pid this process was forked from, or 0 */
    hk_rec_lock flush_lock, list_lock, file_lock;
    hk_rec_thread *live, *spare; /* under list_lock */
    pthread_key_t key;
    char prefix[PATH_MAX];
    /* Under file_lock: */
    dev_t dev;             /* the file's identity */
    ino_t ino;
    char path[PATH_MAX + 32];
    hk_raw_header head;
    char cmdline[HK_RAW_CMDLINE_MAX];
} lg = { .fd = -1 };

/* "hakmem record: WHAT PATH: ERROR; recording stops", in one write and
 * without a buffer on the stack of a thread that may have little. */
static void warn(const char *what, const char *path, int err)
{
    static const char head[] = "hakmem record: ", tail[] = "; recording "
                                                          "stops\n";
    const char *msg = strerror(err);
    struct iovec iov[] = {
        { (void *)head, sizeof head - 1 }, { (void *)what, strlen(what) },
        { (void *)" ", 1 },                { (void *)path, strlen(path) },
        { (void *)": ", 2 },               { (void *)msg, strlen(msg) },
        { (void *)tail, sizeof tail - 1 },
    };
    if (writev(2, iov, sizeof iov / sizeof iov[0]) < 0)
        return;
}

uint64_t hk_rec_log_ticks(void)
{
    return hk_rec_ticks(lg.tsc) - lg.start.ticks;
}

/* The clock starts (again, in a forked child). */
static void start_clock(void)
{
    lg.start = hk_rec_anchor(lg.tsc);
    lg.flush_ticks = FLUSH_NS;
    atomic_store(&lg.next_flush, lg.flush_ticks);
}

uint64_t hk_rec_log_seq(void)
{
    return atomic_fetch_add_explicit(&lg.seq, 1, memory_order_relaxed);
}

uint64_t hk_rec_log_new_id(void)
{
    return atomic_fetch_add_explicit(&lg.ids, 1, memory_order_relaxed);
}

/* ---- the file ---- */

/* Writes the header to f: who wrote the file, and its command line.
 * 0, or -1 with errno set. */
static int write_header(int f)
{
    hk_raw_header *h = &lg.head;
    ssize_t n = 0;
    int cmdline = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

    if (cmdline >= 0) {
        n = read(cmdline, lg.cmdline, sizeof lg.cmdline);
        close(cmdline);
    }
    memcpy(h->magic, HK_RAW_MAGIC, sizeof h->magic);
    h->version = HK_RAW_VERSION;
    h->pid = (uint32_t)getpid();
    h->parent = lg.parent;
    h->cmdline_len = n > 0 ? (uint32_t)n : 0;
    h->start = lg.start;
    struct iovec iov[2] = {
        { h, sizeof *h },
        { lg.cmdline, h->cmdline_len },
    };
    n = writev(f, iov, 2);
    if (n == (ssize_t)(sizeof *h + h->cmdline_len))
        return 0;
    if (n >= 0)
        errno = ENOSPC;
    return -1;
}

/* Creates PREFIX.raw.PID, or PREFIX.raw.PID.N when earlier images of
 * this process (before an exec) made the names before it. */
static int create_file(void)
{
    int pid = getpid();
    int f = -1;

    for (int n = 0; f < 0 && n < MAX_IMAGES; n++) {
        if (n == 0)
            snprintf(lg.path, sizeof lg.path, "%s.raw.%d", lg.prefix, pid);
        else
            snprintf(lg.path, sizeof lg.path, "%s.raw.%d.%d", lg.prefix, pid,
                     n);
        f = open(lg.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
                 0666);
        if (f < 0 && errno != EEXIST)
            break;
    }
    if (f < 0) {
        warn("cannot create", lg.path, errno);
        return -1;
    }
    if (write_header(f) != 0) {
        warn("cannot write", lg.path, errno);
        close(f);
        return -1;
    }
    return f;
}

/* Whether descriptor f is still the raw file: a program may close
 * descriptors it did not open and reuse their numbers. */
static int ours(int f)
{
    struct stat st;
    return fstat(f, &st) == 0 && st.st_dev == lg.dev && st.st_ino == lg.ino;
}

/* Under file_lock: a descriptor of the raw file, made on first use, or
 * opened again if the program took the old one; -1 if it cannot be. */
static int open_file(void)
{
    int f = atomic_load_explicit(&lg.fd, memory_order_relaxed);
    struct stat st;

    if (f >= 0 && ours(f))
        return f;
    if (f < 0) {
        f = create_file();
    } else {
        f = open(lg.path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (f >= 0 && !ours(f)) {
            close(f);
            f = -1;
            errno = ESTALE;
        }
        if (f < 0)
            warn("cannot reopen", lg.path, errno);
    }
    if (f >= 0 && fstat(f, &st) == 0) {
        lg.dev = st.st_dev;
        lg.ino = st.st_ino;
    }
    return f;
}

/* The raw file's descriptor; -1 once the log has failed.  A child made
 * without fork() (a raw clone) shares the parent's log: it records
 * nothing rather than write into the parent's file. */
static int file(void)
{
    int f = atomic_load_explicit(&lg.fd, memory_order_acquire);

    if (atomic_load_explicit(&lg.failed, memory_order_relaxed))
        return -1;
    if (f >= 0 && lg.head.pid != (uint32_t)getpid()) {
        atomic_store(&lg.failed, 1);
        return -1;
    }
    if (f >= 0 && ours(f))
        return f;
    hk_rec_lock_take(&lg.file_lock);
    f = open_file();
    if (f < 0)
        atomic_store(&lg.failed, 1);
    else
        atomic_store_explicit(&lg.fd, f, memory_order_release);
    hk_rec_unlock(&lg.file_lock);
    return f;
}

/* Appends one chunk with one write, so chunks never interleave.  A
 * thread cancelled inside write() would leave locks held: cancellation
 * is off meanwhile. */
static void write_chunk(hk_raw_chunk *c, const void *payload)
{
    struct iovec iov[2] = {
        { c, sizeof *c },
        { (void *)payload, c->bytes },
    };
    size_t len = sizeof *c + c->bytes;
    int f = file(), cancel;

    if (f < 0)
        return;
    c->written = hk_rec_anchor(lg.tsc);
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
    ssize_t n = writev(f, iov, 2);
    int err = n < 0 ? errno : ENOSPC;
    pthread_setcancelstate(cancel, NULL);
    if (n != (ssize_t)len && !atomic_exchange(&lg.failed, 1))
        warn("cannot write", lg.path, err);
}

/* ---- buffers ---- */

static void write_events(uint32_t thread, const hk_raw_coder *base,
                         const uint8_t *p, uint32_t bytes, uint32_t records)
{
    hk_raw_chunk c = { HK_RAW_EVENTS, thread, bytes, records, *base,
                       { 0, 0 } };

    if (records > 0)
        write_chunk(&c, p);
}

/* By any thread, under t->lock: writes what t committed since the last
 * flush, decoding it for the coder state at its end. */
static void flush_thread(hk_rec_thread *t)
{
    uint32_t end = atomic_load_explicit(&t->committed, memory_order_acquire);
    const uint8_t *p = t->buf + t->flushed;
    hk_raw_coder coder = t->flushed_coder;
    hk_raw_event ev;
    uint32_t n = 0;

    while (p < t->buf + end && hk_raw_decode(&coder, &p, t->buf + end,
                                             &ev) == 0)
        n++;
    write_events(t->number, &t->flushed_coder, t->buf + t->flushed,
                 end - t->flushed, n);
    t->flushed = end;
    t->flushed_records += n;
    t->flushed_coder = coder;
}

/* By the owner: writes the rest of its buffer and starts it over. */
static void flush_own(hk_rec_thread *t)
{
    hk_rec_lock_take(&t->lock);
    uint32_t end = atomic_load_explicit(&t->committed, memory_order_relaxed);
    write_events(t->number, &t->flushed_coder, t->buf + t->flushed,
                 end - t->flushed, t->records - t->flushed_records);
    atomic_store_explicit(&t->committed, 0, memory_order_relaxed);
    t->flushed = 0;
    t->records = 0;
    t->flushed_records = 0;
    t->flushed_coder = t->coder;
    hk_rec_unlock(&t->lock);
}

/* Under list_lock (and flush_lock, when wait): every thread's buffer. */
static void flush_live(void)
{
    for (hk_rec_thread *t = lg.live; t; t = t->next) {
        hk_rec_lock_take(&t->lock);
        flush_thread(t);
        hk_rec_unlock(&t->lock);
    }
}

/* Flushes every buffer; unless `wait`, only if no other thread is at it. */
static void flush_all(int wait)
{
    if (wait)
        hk_rec_lock_take(&lg.flush_lock);
    else if (!hk_rec_trylock(&lg.flush_lock))
        return;
    hk_raw_anchor now = hk_rec_anchor(lg.tsc);
    uint64_t ticks = now.ticks - lg.start.ticks, ns = now.ns - lg.start.ns;
    if (ns >= RATE_NS)
        lg.flush_ticks = (uint64_t)((unsigned __int128)ticks * FLUSH_NS / ns);
    atomic_store_explicit(&lg.next_flush, ticks + lg.flush_ticks,
                          memory_order_relaxed);
    hk_rec_lock_take(&lg.list_lock);
    flush_live();
    hk_rec_unlock(&lg.list_lock);
    hk_rec_unlock(&lg.flush_lock);
}

static void reset_buffer(hk_rec_thread *t)
{
    atomic_store_explicit(&t->committed, 0, memory_order_relaxed);
    t->lock = 0;
    t->records = 0;
    t->flushed = 0;
    t->flushed_records = 0;
    t->flushed_coder = HK_RAW_CODER_START;
    t->coder = HK_RAW_CODER_START;
    t->exit_rounds = 0;
}

/* A spare buffer or a new one, on the live list, numbered. */
static hk_rec_thread *new_thread(void)
{
    hk_rec_lock_take(&lg.list_lock);
    hk_rec_thread *t = lg.spare;
    if (t) {
        lg.spare = t->next;
    } else {
        void *m = mmap(NULL, sizeof *t + HK_RAW_PAYLOAD_MAX,
                       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (m != MAP_FAILED) {
            t = m;
            t->buf = (uint8_t *)(t + 1);
        }
    }
    if (t) {
        reset_buffer(t);
        t->number = atomic_fetch_add(&lg.threads, 1);
        t->next = lg.live;
        lg.live = t;
    }
    hk_rec_unlock(&lg.list_lock);
    return t;
}

hk_rec_thread *hk_rec_log_thread(void)
{
    if (self)
        return self;
    if (retired_number)
        return &retired;
    self = new_thread();
    if (self)
        pthread_setspecific(lg.key, self);
    return self;
}

/* The key destructor: keeps the buffer until the last round, so that
 * what other destructors free still goes into it; then writes it out
 * and makes it spare.  Later events of the thread go out one by one. */
static void thread_exit(void *arg)
{
    hk_rec_thread *t = arg;

    if (++t->exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
        pthread_setspecific(lg.key, t);
        return;
    }
    hk_rec_lock_take(&lg.list_lock);
    flush_own(t);
    for (hk_rec_thread **p = &lg.live; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = lg.spare;
    lg.spare = t;
    hk_rec_unlock(&lg.list_lock);
    retired_number = t->number + 1;
    self = NULL;
}

/* An event of a retired thread: a chunk of its own. */
static void put_alone(const hk_raw_event *ev)
{
    uint8_t rec[HK_RAW_RECORD_MAX];
    hk_raw_coder base = HK_RAW_CODER_START, coder = base;
    uint8_t *end = hk_raw_encode(&coder, rec, ev);

    write_events(retired_number - 1, &base, rec, (uint32_t)(end - rec), 1);
}

int hk_rec_log_put(hk_rec_thread *t, const hk_raw_event *ev)
{
    hk_raw_event e = *ev;

    if (t == &retired) {
        put_alone(&e);
    } else {
        if (e.time < t->coder.time)
            e.time = t->coder.time;
        uint32_t used = atomic_load_explicit(&t->committed,
                                             memory_order_relaxed);
        if (used + HK_RAW_RECORD_MAX > HK_RAW_PAYLOAD_MAX) {
            flush_own(t);
            used = 0;
        }
        uint8_t *end = hk_raw_encode(&t->coder, t->buf + used, &e);
        t->records++;
        atomic_store_explicit(&t->committed, (uint32_t)(end - t->buf),
                              memory_order_release);
        if (e.time >=
            atomic_load_explicit(&lg.next_flush, memory_order_relaxed))
            flush_all(0);
    }
    return atomic_load_explicit(&lg.failed, memory_order_relaxed) ? -1 : 0;
}

/* ---- the process ---- */

void hk_rec_log_start(const char *prefix)
{
    size_t len = 0;

    lg.tsc = hk_rec_clock_tsc();
    start_clock();
    if (prefix[0] != '/' && getcwd(lg.prefix, sizeof lg.prefix - 1)) {
        len = strlen(lg.prefix);
        lg.prefix[len++] = '/';
    }
    snprintf(lg.prefix + len, sizeof lg.prefix - len, "%s", prefix);
    pthread_key_create(&lg.key, thread_exit);
}

void hk_rec_log_stop(hk_raw_end *end)
{
    hk_raw_chunk c = { .magic = HK_RAW_END, .bytes = sizeof *end };

    end->taken = atomic_load(&lg.seq);
    flush_all(1);
    write_chunk(&c, end);
}

void hk_rec_log_fork_prepare(void)
{
    hk_rec_lock_take(&lg.flush_lock);
    hk_rec_lock_take(&lg.list_lock);
    flush_live();
}

void hk_rec_log_fork_parent(void)
{
    hk_rec_unlock(&lg.list_lock);
    hk_rec_unlock(&lg.flush_lock);
}

void hk_rec_log_fork_child(void)
{
    int f = atomic_load(&lg.fd);

    if (f >= 0 && ours(f))
        close(f); /* the parent's file */
    lg.parent = (uint32_t)getppid();
    start_clock();
    atomic_store(&lg.seq, 0);
    atomic_store(&lg.ids, 0);
    atomic_store(&lg.threads, 0);
    atomic_store(&lg.failed, 0);
    atomic_store(&lg.fd, -1);
    while (lg.live) {
        hk_rec_thread *t = lg.live;
        lg.live = t->next;
        if (t != self) {
            t->next = lg.spare;
            lg.spare = t;
        }
    }
    retired_number = 0;
    if (self) {
        reset_buffer(self);
        self->number = atomic_fetch_add(&lg.threads, 1);
        self->next = NULL;
        lg.live = self;
    }
    lg.file_lock = 0;
    lg.list_lock = 0;
    lg.flush_lock = 0;
}
