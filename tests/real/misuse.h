/*
 * misuse.h - programs that misuse the heap once each, and the driver that
 * runs them: each case in a child process of its own (the driver forks
 * and runs itself again with the case's name), which must end the way the
 * case expects from hakmem.  Shared by misuse.c (C cases) and
 * misuse_cxx.cc (C++ cases).
 */
#ifndef HK_TEST_MISUSE_H
#define HK_TEST_MISUSE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct misuse_case {
    const char *name;
    /* What hakmem must do: "abort: MESSAGE" (SIGABRT, and stderr holds
     * "hakmem: MESSAGE: 0x...") or "exit 0" (and stderr stays empty). */
    const char *expect;
    /* HAKMEM_PTR_CHECK for the child, or NULL for the default. */
    const char *ptr_check;
    void (*run)(void);
} misuse_case;

/*
 * usage: PROGRAM [--check] [CASE...]      runs the cases (all by default)
 *        PROGRAM --run CASE               runs one case in this process
 *
 * Prints one line per case: its name, what hakmem must do and what
 * happened.  With --check the exit status is 1 unless every case ended as
 * expected (for hakmem); without it, 0 (for other allocators, whose
 * results are only shown).
 */
int misuse_main(const misuse_case *cases, int n, int argc, char **argv);

/* p, hidden from the compiler, which would otherwise warn about (or
 * remove) the very misuse under test. */
void *misuse_hide(void *p);

/* The allocator under test does not lend itself to this case (say, its
 * realloc grew a block in place): the case is shown as not applicable. */
__attribute__((noreturn)) void misuse_skip(const char *why);

#ifdef __cplusplus
}
#endif

#endif
