/*
 * os_real.h - what the real backend counts: every memory system call it
 * makes, by kind, with bytes.  Counted with relaxed atomics at the call
 * site, so the counts are exact in multi-threaded programs too.
 */
#ifndef HK_OS_REAL_H
#define HK_OS_REAL_H

#include <stdint.h>

enum hk_syscall {
    HK_SYS_MMAP,
    HK_SYS_MUNMAP,
    HK_SYS_MADVISE,
    HK_SYS_MINCORE,
    HK_SYS_KINDS
};

extern const char *const hk_syscall_names[HK_SYS_KINDS];

typedef struct hk_syscall_counts {
    uint64_t calls[HK_SYS_KINDS];
    uint64_t bytes[HK_SYS_KINDS];
} hk_syscall_counts;

void hk_os_real_counts(hk_syscall_counts *out);
void hk_os_real_reset_counts(void);

#endif
