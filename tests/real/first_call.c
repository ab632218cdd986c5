/*
 * first_call.c - the allocator's first call may be anything, not only
 * malloc: a program (or libc, as setlocale does) may free(NULL) or ask
 * malloc_usable_size(NULL) before anything was ever allocated.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argv;
    void *volatile nothing = NULL; /* or the compiler drops free(NULL) */
    free(nothing);
    if (malloc_usable_size(nothing) != 0) {
        puts("FAIL: malloc_usable_size(NULL) is not 0");
        return 1;
    }
    free(nothing);
    char *p = malloc((size_t)argc * 100);
    memset(p, 1, 100);
    free(p);
    puts("ok: free(NULL) and malloc_usable_size(NULL) before any malloc");
    return 0;
}
