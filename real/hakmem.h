/*
 * hakmem.h - the malloc family under hakmem's own names.
 *
 * libhakmem.so exports these, and the same functions under the standard
 * names (malloc, free, ...): preloaded (LD_PRELOAD) or linked in
 * (`pkg-config --cflags --libs hakmem`), it is the program's malloc.
 * Programs that link the allocator's objects directly (sanitizer builds
 * of the tests, the replay tool) call the hk_ names so that they can
 * coexist with the C library's allocator in one process.
 */
#ifndef HAKMEM_H
#define HAKMEM_H

#include <malloc.h>
#include <stddef.h>
#include <stdio.h>

#define HK_API __attribute__((visibility("default")))

HK_API void  *hk_malloc(size_t size);
HK_API void   hk_free(void *ptr);
HK_API void  *hk_calloc(size_t count, size_t size);
HK_API void  *hk_realloc(void *ptr, size_t size);
HK_API void  *hk_reallocarray(void *ptr, size_t count, size_t size);
HK_API int    hk_posix_memalign(void **out, size_t alignment, size_t size);
HK_API void  *hk_aligned_alloc(size_t alignment, size_t size);
HK_API void  *hk_memalign(size_t alignment, size_t size);
HK_API void  *hk_valloc(size_t size);
HK_API void  *hk_pvalloc(size_t size);
HK_API size_t hk_malloc_usable_size(void *ptr);
HK_API int    hk_malloc_trim(size_t pad);

/* glibc's reports (<malloc.h>) with hakmem's figures: SuperSlabs are the
 * arena, large blocks the mmapped regions, front caches the fastbins;
 * arena + hblkhd = uordblks + fordblks. */
void   hk_malloc_stats(void);
int    hk_malloc_info(int options, FILE *out);
struct mallinfo  hk_mallinfo(void);
struct mallinfo2 hk_mallinfo2(void);

#endif
