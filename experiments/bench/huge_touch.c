/*
 * huge_touch.c - leave the kernel's free memory in huge pages it has just
 * taken back from a process, for experiments/bench/host_states.sh.
 *
 * usage: huge_touch [-m MIB]
 *
 * Maps MIB mebibytes (default 1024), asks for transparent huge pages
 * (madvise(MADV_HUGEPAGE)), writes one byte in every 4 KiB page, checks
 * them, and exits: the memory goes back to the kernel as free 2 MiB
 * blocks.  On a virtual machine whose host takes back the guest's free
 * memory (free page reporting), the next program to fault huge pages in
 * finds them still backed for a second or two, and pays a host fault per
 * 4 KiB page once they are reported.  Calls mmap directly, so no
 * allocator is involved.
 *
 * Prints exactly one line on success:
 *   RESULT bench=huge_touch mib=M seconds=T
 * A byte that does not read back: exit status 1.  Bad arguments or no
 * memory: exit status 2.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <sys/mman.h>

static const char prog[] = "huge_touch";
static const char usage[] =
    "usage: huge_touch [-m MIB]\n"
    "  -m MIB  mebibytes to touch and give back (default 1024)\n";

int main(int argc, char **argv)
{
    uint64_t mib = 1024;
    int c;

    opterr = 0;
    while ((c = getopt(argc, argv, ":hm:")) != -1) {
        switch (c) {
        case 'm': mib = option_u64(prog, usage, c, optarg, 1, 1u << 20); break;
        default:
            option_other(prog, usage, c);
        }
    }
    no_operands(prog, usage, argc, argv);

    size_t bytes = (size_t)mib << 20;
    double start = now_seconds();
    unsigned char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "%s: cannot map %" PRIu64 " MiB: %s\n", prog, mib,
                strerror(errno));
        return 2;
    }
    madvise(p, bytes, MADV_HUGEPAGE); /* a kernel without THP refuses: fine */
    for (size_t off = 0; off < bytes; off += 4096)
        p[off] = (unsigned char)(off >> 12);
    for (size_t off = 0; off < bytes; off += 4096)
        if (p[off] != (unsigned char)(off >> 12)) {
            fprintf(stderr, "%s: byte at offset %zu reads %u\n", prog, off,
                    p[off]);
            return 1;
        }
    munmap(p, bytes);
    printf("RESULT bench=huge_touch mib=%" PRIu64 " seconds=%.6f\n", mib,
           now_seconds() - start);
    return 0;
}
