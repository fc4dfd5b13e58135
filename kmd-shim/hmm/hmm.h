/* SPDX-License-Identifier: MIT */
/*
 * hmm.h - the HMM core: mirror CPU page tables for a device.
 *
 * DOC: Overview
 *
 * hmm_range_fault() does for the software GPU what Linux's mm/hmm.c does for
 * a device driver: for every page of [start, end) it reports what the CPU
 * maps there, faulting pages in first where the request asks for it. The
 * request of each entry is (hmm_pfns[i] & pfn_flags_mask) | default_flags
 * (seed 004). CPU pages are faulted with MADV_POPULATE_READ/WRITE and the
 * result is snapshotted from the pagemap (PAGEMAP_SCAN where the kernel
 * offers it, /proc/self/pagemap otherwise).
 *
 * Entry encoding is Linux's (include/linux/hmm.h, v6.16): flags in the high
 * bits, a 5-bit map order at HMM_PFN_ORDER_SHIFT, the frame number below.
 * In userspace the "pfn" is the CPU page frame number when pagemap shows it
 * (root), else the virtual page number of the CPU mapping (see
 * hmm_pfn_to_host()); either way the device reaches the page through the
 * CPU virtual address, which stays valid for exactly as long as the mapping.
 *
 * The driver loop is Linux's (Documentation/mm/hmm.rst):
 *
 *	again:
 *		range.notifier_seq = mmu_interval_read_begin(range.notifier);
 *		ret = hmm_range_fault(&range);
 *		if (ret == -EBUSY) goto again;	(bounded by a time budget)
 *		lock(driver->update);
 *		if (mmu_interval_read_retry(range.notifier, range.notifier_seq)) {
 *			unlock(driver->update);
 *			goto again;
 *		}
 *		commit device PTEs from range.hmm_pfns;
 *		unlock(driver->update);
 *
 * Errors are negative errno values.
 */
#ifndef SVMCL_HMM_H
#define SVMCL_HMM_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/mm.h"

#define HMM_PAGE_SHIFT 12
#define HMM_PAGE_SIZE (1ul << HMM_PAGE_SHIFT)

/*
 * Output and input flags of one 64-bit entry (Linux values). Like the
 * 2025-26 Linux proposals, bit 57 marks a device-private page and the
 * 5-bit map order moves down to bits 52..56 to make room for it.
 */
#define HMM_PFN_VALID (1ull << 63)
#define HMM_PFN_WRITE (1ull << 62)
#define HMM_PFN_ERROR (1ull << 61)
#define HMM_PFN_DMA_MAPPED (1ull << 60)
#define HMM_PFN_DEVICE_PRIVATE (1ull << 57)
#define HMM_PFN_ORDER_SHIFT 52
#define HMM_PFN_ORDER_MASK 0x1full
#define HMM_PFN_FLAGS (~((1ull << HMM_PFN_ORDER_SHIFT) - 1))
#define HMM_PFN_INOUT_FLAGS (HMM_PFN_DMA_MAPPED)

#define HMM_PFN_REQ_FAULT HMM_PFN_VALID
#define HMM_PFN_REQ_WRITE HMM_PFN_WRITE

/* Linux's budget for a whole fault loop, in milliseconds. */
#define HMM_RANGE_DEFAULT_TIMEOUT 1000

struct hmm_range {
	struct mmu_interval_notifier *notifier;
	unsigned long notifier_seq;
	unsigned long start;
	unsigned long end;
	uint64_t *hmm_pfns;
	uint64_t default_flags;
	uint64_t pfn_flags_mask;
	void *dev_private_owner;
};

/**
 * hmm_range_fault() - snapshot and optionally fault in a range.
 *
 * Return: 0 with every entry filled; -EFAULT when a requested fault hits no
 * mapping or an unreadable one; -EPERM when a write is requested on a
 * read-only mapping; -EBUSY when the notifier's sequence changed during the
 * walk (the caller retries within its budget); -EINVAL for a malformed
 * range.
 */
int hmm_range_fault(struct hmm_range *range);

/**
 * hmm_range_fault_timeout() - Linux's driver loop around hmm_range_fault(),
 * bounded by a time budget (the 2026 hmm_range_fault_unlocked_timeout()).
 * @range: as for hmm_range_fault(); @range->notifier is required.
 * @timeout_ms: the budget; 0 means HMM_RANGE_DEFAULT_TIMEOUT.
 *
 * Repeats { read_begin; hmm_range_fault() } while the walk collides with
 * an invalidation (-EBUSY), until the deadline passes. On success
 * @range->notifier_seq holds the sequence the result was read under: the
 * caller still takes its update lock and checks mmu_interval_read_retry()
 * before committing, and starts over if it says so.
 *
 * Return: 0; -EBUSY when the budget ran out; -EINVAL without a notifier;
 * any other error of hmm_range_fault().
 */
int hmm_range_fault_timeout(struct hmm_range *range, unsigned long timeout_ms);

/*
 * hmm_pfn_is_zero() - does a VALID entry map the shared zero page? Linux's
 * is_zero_pfn(hmm_pfn_to_pfn(entry)): the zero page's frame as the pagemap
 * shows it to root, or a reserved frame above every virtual page number
 * when frames are hidden. False for the huge zero page (order 9), as in
 * Linux.
 */
bool hmm_pfn_is_zero(uint64_t entry);

static inline unsigned int hmm_pfn_to_map_order(uint64_t entry)
{
	return (entry >> HMM_PFN_ORDER_SHIFT) & HMM_PFN_ORDER_MASK;
}

static inline uint64_t hmm_pfn_to_pfn(uint64_t entry)
{
	return entry & ~HMM_PFN_FLAGS;
}

/*
 * hmm_pfn_to_host() - the host address through which a device reaches the
 * page of entry @i of @range: the CPU virtual address of that page, or,
 * for a device-private page of the caller (HMM_PFN_DEVICE_PRIVATE), the
 * address of the device page itself, whose frame the entry carries. Only
 * meaningful for VALID entries.
 */
static inline uintptr_t hmm_pfn_to_host(const struct hmm_range *range,
					unsigned long i)
{
	uint64_t e = range->hmm_pfns[i];

	if (e & HMM_PFN_DEVICE_PRIVATE)
		return (uintptr_t)(hmm_pfn_to_pfn(e) << HMM_PAGE_SHIFT);
	return range->start + (i << HMM_PAGE_SHIFT);
}

#endif /* SVMCL_HMM_H */
