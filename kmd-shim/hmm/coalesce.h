/* SPDX-License-Identifier: MIT */
/*
 * coalesce.h - turn a batch of device faults into hmm_range_fault() windows.
 *
 * DOC: Overview
 *
 * A GPU reports faults in batches (a fault buffer drained at once), with
 * many records for the same page and neighbouring pages. Servicing them
 * one by one costs one hmm_range_fault() each; Linux drivers (nouveau_svm,
 * drm_gpusvm, amdkfd) sort, drop duplicates and fault whole windows. This
 * helper does that part, for any driver:
 *
 * 1. hmm_coalesce_init() validates the records and sorts them in place by
 *    (page, strongest access first), then keeps one record per page, the
 *    strongest (PREFETCH < READ < WRITE < ATOMIC), compacted at the front
 *    of the caller's array with the address rounded down to its page.
 * 2. hmm_coalesce_next() emits one window at a time: the aligned window of
 *    the configured size (4 KiB, 64 KiB, 2 MiB, any power of two from a
 *    page to 1 GiB) around the next unserviced page, clipped to
 *    [lo, hi) (hmm_coalesce_peek() tells the bounds first), with a
 *    per-page request array for hmm_range_fault() with default_flags 0
 *    and pfn_flags_mask ~0:
 *	READ            -> HMM_PFN_REQ_FAULT
 *	WRITE, ATOMIC   -> HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE
 *	PREFETCH        -> 0 (snapshot only)
 *	no fault        -> 0 (snapshot only)
 *    Every page that faulted lands in exactly one window, in address
 *    order.
 *
 * Pages outside [lo, hi) (e.g. page 0, or beyond what the device
 * mirrors) are *rejected*: they are counted and left at the two ends of the
 * sorted array (below lo first, at or above hi last) for the driver to
 * cancel.
 *
 * No allocation: sorting is in place (a check for already sorted input,
 * insertion sort for small batches, heapsort otherwise) and windows are
 * written to caller buffers.
 *
 * DOC: Locking
 *
 * None: a &struct hmm_coalesce and its records belong to the caller.
 *
 * Errors are negative errno values.
 */
#ifndef SVMCL_HMM_COALESCE_H
#define SVMCL_HMM_COALESCE_H

#include <stddef.h>
#include <stdint.h>

#include "hmm/hmm.h"

/* Access kinds, in increasing strength (the GPU's enum sgpu_access order). */
enum hmm_fault_access {
	HMM_FAULT_PREFETCH = 0,
	HMM_FAULT_READ = 1,
	HMM_FAULT_WRITE = 2,
	HMM_FAULT_ATOMIC = 3,
};

struct hmm_fault_record {
	uint64_t addr;
	uint32_t access;	/* enum hmm_fault_access */
	uint32_t pad;
};

#define HMM_COALESCE_WINDOW_MIN HMM_PAGE_SIZE
#define HMM_COALESCE_WINDOW_MAX (1ul << 30)

/**
 * struct hmm_fault_window - one window to fault.
 * @start, @end: the window, page aligned, half open.
 * @hmm_pfns: the caller's buffer, (end - start) / page entries of requests.
 * @npages: entries of @hmm_pfns used.
 * @first: index (in the sorted, deduplicated records) of its first fault.
 * @nr_faults: pages that faulted in the window (records @first onwards).
 * @strongest: the strongest access among them.
 */
struct hmm_fault_window {
	unsigned long start;
	unsigned long end;
	uint64_t *hmm_pfns;
	size_t npages;
	size_t first;
	size_t nr_faults;
	enum hmm_fault_access strongest;
};

struct hmm_coalesce_stats {
	size_t records_in;	/* records passed to init */
	size_t unique_pages;	/* distinct pages among them */
	size_t rejected;	/* distinct pages outside [lo, hi) */
	size_t windows_out;	/* windows emitted so far */
};

/* Iterator state; fields are private to coalesce.c. */
struct hmm_coalesce {
	struct hmm_fault_record *recs;
	size_t nr_unique;
	size_t pos;		/* next record to service */
	size_t end;		/* first rejected record above hi */
	unsigned long window;
	unsigned long lo;
	unsigned long hi;
	struct hmm_coalesce_stats stats;
};

/**
 * hmm_coalesce_init() - sort and deduplicate @recs in place.
 * @window: window size in bytes, a power of two in
 *	[HMM_COALESCE_WINDOW_MIN, HMM_COALESCE_WINDOW_MAX].
 * @lo, @hi: the serviceable addresses [lo, hi), page aligned; @hi 0 means
 *	the end of the user address space.
 *
 * Return: 0; -EINVAL for a bad window or bounds, @recs NULL with @n > 0, or
 * a record with an unknown access (then @recs is untouched).
 */
int hmm_coalesce_init(struct hmm_coalesce *c, struct hmm_fault_record *recs,
		      size_t n, unsigned long window, unsigned long lo,
		      unsigned long hi);

/**
 * hmm_coalesce_peek() - the bounds of the window hmm_coalesce_next() will
 * emit, so that the caller can choose its buffer (e.g. the matching slice
 * of a DMA map's pfn_list).
 * Return: 1 with *@start, *@end; 0 when done; -EINVAL.
 */
int hmm_coalesce_peek(const struct hmm_coalesce *c, unsigned long *start,
		      unsigned long *end);

/**
 * hmm_coalesce_next() - emit the next window into @win, its requests into
 * @pfns (@max_pfns entries; window / page is always enough). Each entry
 * becomes (old & HMM_PFN_INOUT_FLAGS) | request: the sticky
 * HMM_PFN_DMA_MAPPED of a DMA map's pfn_list survives, and a scratch
 * buffer that only hmm_range_fault() and this helper write never holds
 * such flags.
 *
 * Return: 1 with a window; 0 when every serviceable page has been
 * emitted; -ENOSPC when @max_pfns is too small for the window (nothing
 * consumed); -EINVAL for NULL arguments.
 */
int hmm_coalesce_next(struct hmm_coalesce *c, struct hmm_fault_window *win,
		      uint64_t *pfns, size_t max_pfns);

/*
 * hmm_coalesce_refill() - write @win's requests into its hmm_pfns again,
 * for a retry after hmm_range_fault() overwrote them with results. Sticky
 * in-out flags are kept, as by hmm_coalesce_next().
 */
void hmm_coalesce_refill(const struct hmm_coalesce *c,
			 const struct hmm_fault_window *win);

/* The hmm_range_fault() request flags of one access. */
uint64_t hmm_fault_request(enum hmm_fault_access access);

/* The records in sorted, deduplicated order (valid after init). */
static inline const struct hmm_fault_record *
hmm_coalesce_records(const struct hmm_coalesce *c, size_t *n)
{
	*n = c ? c->nr_unique : 0;
	return c ? c->recs : NULL;
}

/* A range for @win, ready for hmm_range_fault(). */
static inline struct hmm_range
hmm_fault_window_range(const struct hmm_fault_window *win,
		       struct mmu_interval_notifier *notifier, void *owner)
{
	struct hmm_range range = {
		.notifier = notifier,
		.start = win->start,
		.end = win->end,
		.hmm_pfns = win->hmm_pfns,
		.default_flags = 0,
		.pfn_flags_mask = ~0ull,
		.dev_private_owner = owner,
	};

	return range;
}

#endif /* SVMCL_HMM_COALESCE_H */
