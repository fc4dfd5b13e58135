/* SPDX-License-Identifier: MIT */
/*
 * discard.h - free the HMM and device resources of a range the driver has
 * stopped using (seed 000, hmm_mirror_range_discard()).
 *
 * DOC: Overview
 *
 * A driver often stops caring about a range long before the process unmaps
 * it (a buffer the application freed on the device side, a range evicted
 * from a device cache). hmm_range_discard() then releases, for
 * [start, end) of a &struct hmm_dma_map:
 *
 *  - the DMA mappings (IO PTEs), reporting dirty pages as unmap does;
 *  - the IOVA space of those entries (the slots of the contiguous
 *    reservation and per-page IOVAs);
 *  - the entries themselves (HMM_PFN_DMA_MAPPED and everything else: the
 *    entries read 0 afterwards);
 *  - the device's own resources, through @ops->release (its page-table
 *    entries for the range).
 *
 * It does NOT invalidate and does NOT synchronise with the device: no
 * interval-notifier callback runs, the notifier sequence does not move,
 * nothing waits for the device.
 *
 * Precondition: the device no longer accesses the range, neither with a
 * transfer in flight nor later through a translation it kept. In debug
 * builds (SVMCL_DEBUG_CHECKS) this is checked: a page of the range with
 * DMA in flight (iommu_dma_begin() without iommu_dma_end()) or an
 * @ops->quiesced that answers false makes the call print what is wrong
 * and abort. In every build a later device access through a discarded
 * IOVA is an IOMMU fault (-EFAULT, recorded in the domain) and never a use
 * of freed memory: the IO page table no longer translates it. (If the
 * IOVA space has been allocated again by then, the access reaches the new
 * owner's pages instead, as with a real IOMMU: that is why the
 * precondition exists.)
 *
 * DOC: Locking
 *
 * As dma.h: the caller serialises calls on the map. Discard may grow the
 * IOMMU's free-range array, so it must not run in an invalidate callback.
 *
 * Errors are negative errno values.
 */
#ifndef SVMCL_HMM_DISCARD_H
#define SVMCL_HMM_DISCARD_H

#include <stdbool.h>

#include "hmm/dma.h"

/**
 * struct hmm_discard_ops - the device side of a discard; all optional.
 * @release: free the device's resources of [start, end). Called last,
 *	once, with no HMM or IOMMU lock held.
 * @quiesced: debug builds only: true when the device no longer accesses
 *	[start, end). Called first.
 */
struct hmm_discard_ops {
	void (*release)(void *priv, unsigned long start, unsigned long end);
	bool (*quiesced)(void *priv, unsigned long start, unsigned long end);
};

/**
 * hmm_range_discard() - discard [@start, @end) of @map (see DOC).
 * @ops, @priv: the device side, or NULL.
 * @dirty: optional bitmap, one bit per entry of @map, as
 *	hmm_dma_unmap_range().
 *
 * Return: the number of entries that were DMA-mapped; -EINVAL for a range
 * that is not page aligned or not inside @map.
 */
long hmm_range_discard(struct hmm_dma_map *map, unsigned long start,
		       unsigned long end, const struct hmm_discard_ops *ops,
		       void *priv, unsigned long *dirty);

/**
 * hmm_range_discard_busy() - pages of [@start, @end) of @map on which the
 * device has DMA in flight; what the debug check of hmm_range_discard()
 * looks at. Return: the count, or -EINVAL.
 */
long hmm_range_discard_busy(struct hmm_dma_map *map, unsigned long start,
			    unsigned long end);

#endif /* SVMCL_HMM_DISCARD_H */
