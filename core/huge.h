/*
 * huge.h - whether a new mapping, of large blocks or of SuperSlabs, asks
 * for transparent huge pages (huge_pages).
 *
 * A huge page is one fault where 4 KiB pages take 512: on a virtual
 * machine about 0.2 ms against 512 of about 4 us.  But the first touch
 * anywhere in a 2 MiB chunk makes all of it resident, so a program that
 * leaves much of its memory untouched (a table sized for the worst case,
 * a buffer it fills in part, a few blocks of many size classes) would pay
 * in RSS.  With huge_pages=auto the allocator asks only once the program
 * has shown that it touches what it gets.  The large-object cache and
 * the pool keep an hk_huge each; the pool samples whole SuperSlabs
 * (pool.c), the large-object cache as follows:
 *
 *   - A large block in a mapping made without the advice is sampled: its
 *     last HK_OS_RESIDENT_MAX pages or fewer, the part a block filled
 *     from the front leaves untouched, with one mincore.  When the next
 *     new mapping is made, the block placed in the one before is sampled
 *     (hk_huge_take_placed): a program that writes its blocks as it
 *     makes them shows it before its first free.  And of its frees
 *     (hk_huge_sample_due), the first SAMPLES_FIRST are sampled, then one
 *     in SAMPLE_EVERY.
 *   - The tallies of sampled and resident pages halve as they grow, so
 *     what the program did long ago fades.
 *   - A new mapping that can hold a huge page asks for them while at
 *     most a share of the sampled pages (hk_huge_init), and at least
 *     MIN_PAGES of them, were not resident; except one in CONTROL_EVERY,
 *     made without, so that samples keep coming and a program whose use
 *     turns sparse turns the advice off again.  The share bounds what the
 *     advice costs in RSS: about that share of the memory advised.
 *
 *   - The advice must also pay for itself where it runs.  Each new
 *     mapping's first touch, which the allocator makes anyway as it
 *     writes its header there, is timed (hk_huge_first_touch): with the
 *     advice it is a huge fault, without it a small one.  Where a huge
 *     fault costs more than the 512 small ones it stands for, the roles
 *     of advised and control mappings swap: only the controls ask, so
 *     that the price keeps being measured.  That happens on a virtual
 *     machine whose host takes back the guest's free memory (free page
 *     reporting, ballooning): a huge page comes from a large free block,
 *     the kind the host takes, and each of its 512 pages then costs a
 *     fault in the host.
 *   - That price changes at once, not gradually, and for good.  A
 *     program's first huge pages come from blocks the guest freed a
 *     moment ago, not yet taken by the host (0.17 ms each here, against
 *     512 small faults of 1.5 us); once those run out, most cost 4.5 ms,
 *     a cheap one among them now and then.  One dear fault in seven
 *     already makes the advice lose, so each sample moves the price
 *     halfway to it: one dear fault stops the advice, and a few cheap
 *     ones in a row resume it.  And an advised mapping asks for its
 *     first huge page alone at first, and for the rest only if that
 *     page's price says huge faults still pay (hk_huge_map): made as the
 *     cheap blocks run out, a mapping of twelve huge pages costs one dear
 *     fault, not twelve.  Blocks of 5 to 25 MiB replaced at random ran
 *     1.5 times as long with the advice as without when every advised
 *     mapping asked whole.  While huge faults are dear, each control that
 *     finds them so doubles the wait for the next, up to CONTROL_EVERY <<
 *     CONTROL_SHIFT_MAX mappings (huge.c), since each costs a dear fault.
 *     Replays, which follow the trace's clock, measure no time; there the
 *     advice goes by the samples alone.
 *
 * huge_pages=always asks for every such mapping, never for none.  The
 * caller holds its lock (the large or the pool lock) around
 * hk_huge_record and hk_huge_advise;
 * hk_huge_sample_due takes none, and the sample is taken outside it.
 */
#ifndef HK_HUGE_H
#define HK_HUGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "params.h"

typedef struct hk_huge {
    _Atomic uint64_t frees;  /* large frees of unadvised blocks seen */
    uint32_t since_control;  /* mappings asked about since the last control */
    uint8_t control_shift;   /* a control every CONTROL_EVERY << this */
    uint64_t pages, resident; /* sampled pages and the resident ones */
    const char *placed;      /* the block placed last in a new mapping made
                              * without the advice, not sampled yet */
    size_t placed_bytes;
    bool advising;           /* the tallies say: ask */
    uint8_t tolerance;       /* ask while at most 1 / 2^tolerance of the
                              * sampled pages were not resident */
    /* The price of a first touch with the advice and without, in ns: 0
     * until measured, then the first sample, then halfway from the price
     * so far to each new one. */
    _Atomic uint64_t huge_fault_ns, small_fault_ns;
} hk_huge;

/* g: zero-filled. */
void hk_huge_init(hk_huge *g, unsigned tolerance);

/* A sample of the page-aligned, mapped range [base, base + bytes): how
 * many of its last HK_OS_RESIDENT_MAX pages or fewer (in *pages) are
 * resident, the part a block filled from the front leaves untouched.
 * One mincore; takes no lock. */
size_t hk_huge_sample(const char *base, size_t bytes, size_t *pages);

/* Whether this free of a block in a mapping made without the advice is
 * one to sample (counts it). */
bool hk_huge_sample_due(hk_huge *g, uint64_t mode);

/* A sample: `resident` of `pages` pages were resident at the free. */
void hk_huge_record(hk_huge *g, size_t pages, size_t resident);

/* Whether a new mapping of `bytes` asks for huge pages. */
bool hk_huge_advise(hk_huge *g, uint64_t mode, size_t bytes);

/* The first touch of the new mapping at `base`, made `advised` or not,
 * of two pages at least, timed: the price of its huge fault, or of a
 * small one.  A small fault is timed on the second page, since the
 * first also fills in a page table, which a huge page's 512 small pages
 * need only once.  A byte is written in each page touched, with the zero
 * it reads.  The caller reports the touch of the first page
 * (hk_os_touch) as it writes its header there next.  Takes no lock. */
void hk_huge_first_touch(hk_huge *g, void *base, bool advised);

/* A first touch's price: ns for a huge fault (huge) or a small one. */
void hk_huge_price(hk_huge *g, bool huge, uint64_t ns);

/* The prices of a first touch so far, with the advice and without. */
void hk_huge_prices(const hk_huge *g, uint64_t *huge_ns, uint64_t *small_ns);

/* Whether huge faults pay, as priced so far: yes until both prices are
 * known, then while a huge fault costs at most the 512 small ones it
 * stands for. */
bool hk_huge_pays(const hk_huge *g);

/* [base, base + bytes), within a new mapping, as decided: asking for
 * huge pages, or, on a kernel that gives them unasked, refusing them
 * (os.h); one madvise, or none. */
void hk_huge_apply(void *base, size_t bytes, bool huge);

/* The new mapping [base, base + bytes), page-aligned, as hk_huge_advise
 * decided (`huge`), with its first touch (hk_huge_first_touch).  Advised
 * by huge_pages=auto, it asks first for its first huge page alone; once
 * that is touched and priced, the rest asks too if huge faults still
 * pay, and if not all of the mapping refuses them (the huge page made
 * stays): either way its pages keep one setting, so that the kernel
 * keeps the mapping one area, which mremap needs to grow a block in
 * place.  Returns whether all of it asks.  One madvise, or none; two
 * when auto advised it.  Takes no lock. */
bool hk_huge_map(hk_huge *g, uint64_t mode, char *base, size_t bytes,
                 bool huge);

/* A block of `bytes` at `base` was placed in a new mapping, advised or
 * not. */
void hk_huge_placed(hk_huge *g, uint64_t mode, bool advised,
                    const char *base, size_t bytes);

/* The block at `base` is being freed: its own sample, if due, stands for
 * it, and the next mapping does not sample it. */
void hk_huge_freed(hk_huge *g, const char *base);

/* The block to sample before the next new mapping: its bytes, 0 if none
 * (it is then forgotten). */
size_t hk_huge_take_placed(hk_huge *g, const char **base);

#endif
