/*
 * os.h - the seam between the allocator core and the world.
 *
 * Everything the core needs from outside itself goes through these few
 * functions.  There are two implementations: real/os_real.c (mmap and
 * friends, for libhakmem.so) and sim/os_sim.c (a deterministic simulated
 * address space that counts every call).  The core never calls the kernel
 * or libc's allocator directly, so a simulated run and a real run of the
 * same single-threaded trace take the same decisions and issue the same
 * calls.
 */
#ifndef HK_OS_H
#define HK_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HK_OS_PAGE 4096u

/* n rounded up to whole pages (n below SIZE_MAX - HK_OS_PAGE). */
static inline size_t hk_os_page_up(size_t n)
{
    return (n + HK_OS_PAGE - 1) & ~(size_t)(HK_OS_PAGE - 1);
}

/*
 * An aligned region (align > HK_OS_PAGE) is aligned to this at least, and
 * no other region is placed between its end and the next multiple of it,
 * so the region can grow there in place.
 */
#define HK_OS_ALIGN_MIN ((size_t)1 << 20)

/* Whether an aligned region [p, p + old_size) grown to new_size bytes
 * stays within that room. */
static inline bool hk_os_grows_in_room(const void *p, size_t old_size,
                                       size_t new_size)
{
    uintptr_t end = (uintptr_t)p + old_size;
    uintptr_t room = (end + HK_OS_ALIGN_MIN - 1) &
                     ~(uintptr_t)(HK_OS_ALIGN_MIN - 1);
    return (uintptr_t)p + new_size <= room;
}

/*
 * Map `size` bytes (a multiple of HK_OS_PAGE) of zeroed read-write memory
 * whose address is a multiple of `align` (a power of two: HK_OS_PAGE, or
 * HK_OS_ALIGN_MIN or more).  One mapping call on success, except that
 * page-aligned requests may be served from a fixed reserve of
 * HK_OS_RESERVE_BYTES, without a call, until it runs out (memory from the
 * reserve is never unmapped).  Returns NULL when the world is out of
 * memory.
 */
void *hk_os_map(size_t size, size_t align);

/* Enough for a process's first metadata: the registry's first leaf (512
 * KiB), the first heaps (about 270 KiB each at the default front bounds),
 * the large-block directory's first region.  Address space only, until
 * used. */
#define HK_OS_RESERVE_BYTES ((size_t)2 << 20)

/* Unmap [p, p+size), a page-aligned range inside earlier mappings; a
 * no-op, without a call, for reserve memory. */
void hk_os_unmap(void *p, size_t size);

/*
 * Grow [p, p+old_size) to new_size bytes (multiples of HK_OS_PAGE, new_size
 * > old_size), keeping its contents: resident pages stay resident, without
 * a copy, and the new bytes read as zero.  [p, p+old_size) must lie in one
 * mapping made by one hk_os_map or hk_os_grow call, with no part of it
 * unmapped since.  It grows in place when it ends where the next aligned
 * mapping would be placed, or when new_size stays within the room of an
 * aligned region (hk_os_grows_in_room), and the range after it is free:
 * one mremap.
 * Otherwise a new region is mapped as hk_os_map(new_size, align) would
 * place it (one mmap; align > HK_OS_PAGE, never from the reserve) and the
 * pages move there (one mremap); an attempt in place that fails costs one
 * mremap more.  Returns the new address, or NULL when the world is out of
 * memory, with [p, p+old_size) untouched.
 */
void *hk_os_grow(void *p, size_t old_size, size_t new_size, size_t align);

/*
 * Tell the world [p, p+size) is unused: its pages stop counting as resident
 * and read back as zero afterwards, but the range stays mapped.
 */
void hk_os_purge(void *p, size_t size);

/* Ask whether the page holding p is mapped (mincore); one call each time. */
bool hk_os_is_mapped(const void *p);

/* The size of a transparent huge page, and the most pages one
 * hk_os_resident_pages call looks at. */
#define HK_OS_HUGE_PAGE ((size_t)2 << 20)
#define HK_OS_RESIDENT_MAX 1024

/*
 * Ask the world to back [p, p+size), a whole mapping made by hk_os_map
 * (not from the reserve), with huge pages where it can: a first touch in
 * a 2 MiB-aligned chunk of it that has no resident page makes the whole
 * chunk resident at once.  The advice moves with the pages when
 * hk_os_grow moves them.  One call (madvise).
 */
void hk_os_advise_huge(void *p, size_t size);

/*
 * Take the advice back for [p, p+size), page-aligned, within mappings
 * made by hk_os_map: huge pages there stay until split, but none is made
 * again.  Memory purged in an advised mapping needs it, since the
 * kernel's khugepaged collapses a 2 MiB chunk with any page resident in
 * it (max_ptes_none 511, its default) into a whole huge page again,
 * which undoes the purge: 64 MiB of SuperSlabs purged to 8.7 MB grew
 * back by 16 MB every 10 s.  One call (madvise).
 */
void hk_os_unadvise_huge(void *p, size_t size);

/*
 * Whether the world backs mappings with huge pages without being asked
 * (the kernel's transparent huge pages set to `always`).  There a
 * mapping the allocator does not advise must refuse them
 * (hk_os_unadvise_huge), or its first touch makes whole 2 MiB chunks
 * resident whatever the policy decided.  No call counted.
 */
bool hk_os_huge_unasked(void);

/* How many of the pages of [p, p+size) are resident: a page-aligned,
 * mapped range of at most HK_OS_RESIDENT_MAX pages.  One call (mincore). */
size_t hk_os_resident_pages(const void *p, size_t size);

/* Monotonic time in nanoseconds: the machine's clock, or the trace's. */
uint64_t hk_os_now_ns(void);

/* Let another thread run; the core calls it while spinning on a lock. */
void hk_os_yield(void);

/*
 * The program broke the allocator's contract (freed a pointer it does not
 * own, freed twice): say so on stderr, naming what and where, and stop.
 */
__attribute__((noreturn)) void hk_os_fatal(const char *what, const void *p);

/*
 * Both backends count every call they make to the world's memory
 * management, by kind, with bytes: the real one at each system call, the
 * simulated one where it would have made it.
 */
enum hk_os_call {
    HK_OS_MMAP,
    HK_OS_MUNMAP,
    HK_OS_MADVISE,
    HK_OS_MINCORE,
    HK_OS_MPROTECT,
    HK_OS_MREMAP,
    HK_OS_CALLS
};

extern const char *const hk_os_call_names[HK_OS_CALLS];

typedef struct hk_os_counts {
    uint64_t calls[HK_OS_CALLS];
    uint64_t bytes[HK_OS_CALLS];
} hk_os_counts;

void hk_os_counts_get(hk_os_counts *out);

/*
 * Replays drive time from the trace: from this call on, hk_os_now_ns()
 * returns ns, so time-based policies decide as they did when the trace
 * was recorded, in the real backend and the simulated one alike.
 */
void hk_os_follow_clock(uint64_t ns);

/* Report that the core read or wrote [p, p+size); feeds the TLB and
 * data cache models.  hk_os_touch_foreign() reports memory that is not
 * the allocator's (a replay engine's own tables): the caches see it, the
 * simulated address space does not. */
#ifdef HK_OS_SIM
void hk_os_touch(const void *p, size_t size);
void hk_os_touch_foreign(const void *p, size_t size);
#else
static inline void hk_os_touch(const void *p, size_t size)
{
    (void)p;
    (void)size;
}
static inline void hk_os_touch_foreign(const void *p, size_t size)
{
    (void)p;
    (void)size;
}
#endif

#endif
