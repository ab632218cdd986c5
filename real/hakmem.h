/*
 * hakmem.h - the malloc family under hakmem's own names.
 *
 * libhakmem.so exports these under the standard names (malloc, free, ...)
 * for LD_PRELOAD.  Programs that link the allocator directly (sanitizer
 * builds of the tests, the replay tool) call the hk_ names so that they
 * can coexist with the C library's allocator in one process.
 */
#ifndef HAKMEM_H
#define HAKMEM_H

#include <malloc.h>
#include <stddef.h>
#include <stdio.h>

void  *hk_malloc(size_t size);
void   hk_free(void *ptr);
void  *hk_calloc(size_t count, size_t size);
void  *hk_realloc(void *ptr, size_t size);
void  *hk_reallocarray(void *ptr, size_t count, size_t size);
int    hk_posix_memalign(void **out, size_t alignment, size_t size);
void  *hk_aligned_alloc(size_t alignment, size_t size);
void  *hk_memalign(size_t alignment, size_t size);
void  *hk_valloc(size_t size);
void  *hk_pvalloc(size_t size);
size_t hk_malloc_usable_size(void *ptr);
int    hk_malloc_trim(size_t pad);

/* glibc's reports (<malloc.h>) with hakmem's figures: SuperSlabs are the
 * arena, large blocks the mmapped regions, front caches the fastbins;
 * arena + hblkhd = uordblks + fordblks. */
void   hk_malloc_stats(void);
int    hk_malloc_info(int options, FILE *out);
struct mallinfo  hk_mallinfo(void);
struct mallinfo2 hk_mallinfo2(void);

#endif
