/*
 * record_why.c - the reason a process that was run under the recorder
 * wrote nothing.  The recorder is a preload library: it runs in a
 * process only if the dynamic loader runs there (an ELF with a
 * PT_INTERP program header: not a static, nor a static-pie, program)
 * and honours LD_PRELOAD (not for set-user-ID or set-group-ID files
 * that change the process's identity).
 * A process in which it did run writes its raw file at its first flush
 * (a full buffer, 100 ms of allocating, fork, exit()), so one that
 * left none was killed, or ended by _exit or a failed exec, before it.
 */
#define _GNU_SOURCE
#include "record_why.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum kind { UNREADABLE, NOT_ELF, STATIC, DYNAMIC };

/* The file execvp would run for name, into path; 0, or -1. */
static int lookup(const char *name, char *path, size_t len)
{
    if (strchr(name, '/'))
        return snprintf(path, len, "%s", name) < (int)len ? 0 : -1;
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/bin:/usr/bin";
    for (const char *d = dirs;; d++) {
        const char *end = strchrnul(d, ':');
        int n = snprintf(path, len, "%.*s%s%s", (int)(end - d), d,
                         end > d ? "/" : "", name);
        if (n < (int)len && access(path, X_OK) == 0)
            return 0;
        if (!*end)
            return -1;
        d = end;
    }
}

/* Whether the ELF file f asks for a dynamic loader (PT_INTERP). */
static enum kind elf_kind(int f)
{
    Elf64_Ehdr h;
    Elf32_Ehdr *h32 = (Elf32_Ehdr *)&h;
    uint64_t phoff;
    unsigned phnum, phentsize;

    if (pread(f, &h, sizeof h, 0) < (ssize_t)sizeof *h32 ||
        memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
        return NOT_ELF;
    if (h.e_ident[EI_CLASS] == ELFCLASS64) {
        phoff = h.e_phoff;
        phnum = h.e_phnum;
        phentsize = h.e_phentsize;
    } else {
        phoff = h32->e_phoff;
        phnum = h32->e_phnum;
        phentsize = h32->e_phentsize;
    }
    /* p_type is the first word of a program header in either class. */
    for (unsigned i = 0; i < phnum && phentsize >= sizeof(uint32_t); i++) {
        uint32_t type;
        if (pread(f, &type, sizeof type, (off_t)(phoff + (uint64_t)i *
                                                  phentsize)) != sizeof type)
            return NOT_ELF;
        if (type == PT_INTERP)
            return DYNAMIC;
    }
    return STATIC;
}

/* What path is; for a script, what its interpreter is (interp gets its
 * path).  *setid: the file is set-user-ID or set-group-ID to another
 * user or group than this process's (the loader's secure mode). */
static enum kind file_kind(const char *path, char *interp, size_t len,
                           int *setid)
{
    char line[PATH_MAX + 3];
    struct stat st;
    int f = open(path, O_RDONLY | O_CLOEXEC);

    if (f < 0)
        return UNREADABLE;
    *setid = fstat(f, &st) == 0 &&
             (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
              ((st.st_mode & S_ISGID) && st.st_gid != getegid()));
    ssize_t n = pread(f, line, sizeof line - 1, 0);
    enum kind k = elf_kind(f);
    close(f);
    if (k != NOT_ELF || n < 3 || line[0] != '#' || line[1] != '!' || !interp)
        return k;
    line[n] = '\0';
    char *p = line + 2 + strspn(line + 2, " \t");
    p[strcspn(p, " \t\n")] = '\0';
    snprintf(interp, len, "%s", p);
    return file_kind(interp, NULL, 0, setid);
}

void hk_record_why(const char *program, int status, char *out, size_t len)
{
    char path[PATH_MAX], interp[PATH_MAX] = "";
    int setid = 0;

    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *abbrev = sigabbrev_np(sig);
        snprintf(out, len, "%s was killed by signal %d (SIG%s, %s) before "
                 "the recorder wrote anything", program, sig,
                 abbrev ? abbrev : "?", strsignal(sig));
        return;
    }
    if (lookup(program, path, sizeof path) != 0) {
        snprintf(out, len, "%s left nothing, and is not found in PATH now",
                 program);
        return;
    }
    enum kind k = file_kind(path, interp, sizeof interp, &setid);
    int err = errno;
    char what[2 * PATH_MAX + 32];
    if (interp[0])
        snprintf(what, sizeof what, "%s (the interpreter of %s)", interp,
                 path);
    else
        snprintf(what, sizeof what, "%s", path);
    switch (k) {
    case UNREADABLE:
        snprintf(out, len, "%s left nothing, and cannot be read to tell "
                 "why: %s", what, strerror(err));
        return;
    case NOT_ELF:
        snprintf(out, len, "%s is not an ELF program; the recorder runs "
                 "only in dynamically linked ones", what);
        return;
    case STATIC:
        snprintf(out, len, "%s is statically linked (no PT_INTERP): there "
                 "is no dynamic loader to preload the recorder", what);
        return;
    case DYNAMIC:
        break;
    }
    if (setid) {
        snprintf(out, len, "%s is set-user-ID or set-group-ID: the dynamic "
                 "loader does not preload the recorder into it", what);
        return;
    }
    snprintf(out, len, "%s is dynamically linked, but its process ended "
             "before the recorder's first write (by _exit or a failed "
             "exec, not exit()), or ran without the recorder in "
             "LD_PRELOAD; it exited with status %d", path,
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
