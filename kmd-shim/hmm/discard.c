/* SPDX-License-Identifier: MIT */
/*
 * discard.c - hmm_range_discard(): free what a range no longer needs,
 * without invalidating (seed 000).
 *
 * DOC: Overview
 *
 * The order matters only for the debug check, which must look at the IO
 * PTEs before they go: check the precondition, unlink the DMA mappings
 * (dirty pages reported), give the IOVA space back, clear the entries, and
 * last let the driver free its own resources. Nothing here touches the
 * interval notifier: a discard is not an invalidation and a fault that
 * raced with it is the driver's bug, which the precondition rules out.
 *
 * DOC: Locking
 *
 * None of its own; see discard.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/discard.h"

#if !defined(SVMCL_DEBUG_CHECKS)
#define SVMCL_DEBUG_CHECKS 0
#endif

long hmm_range_discard_busy(struct hmm_dma_map *map, unsigned long start,
			    unsigned long end)
{
	size_t i, last;
	long busy = 0;

	if (!__hmm_dma_range_ok(map, start, end))
		return -EINVAL;
	i = (start - map->start) >> HMM_PAGE_SHIFT;
	last = (end - map->start) >> HMM_PAGE_SHIFT;
	for (; i < last; i++) {
		size_t j = i + 1;
		bool slot;

		if (!(map->pfn_list[i] & HMM_PFN_DMA_MAPPED) || !map->dma_list[i])
			continue;
		/* Consecutive reservation slots are one IOVA run. */
		slot = map->iova && __hmm_dma_test_bit(map->iova_owned, i);
		while (slot && j < last &&
		       (map->pfn_list[j] & HMM_PFN_DMA_MAPPED) &&
		       __hmm_dma_test_bit(map->iova_owned, j))
			j++;
		busy += (long)iommu_range_pinned(map->domain, map->dma_list[i],
						 (j - i) << HMM_PAGE_SHIFT);
		i = j - 1;
	}
	return busy;
}

/* The precondition of seed 000, checked where debug checks are on. */
static void discard_check(struct hmm_dma_map *map, unsigned long start,
			  unsigned long end, const struct hmm_discard_ops *ops,
			  void *priv)
{
#if SVMCL_DEBUG_CHECKS
	long busy = hmm_range_discard_busy(map, start, end);

	if (busy > 0) {
		fprintf(stderr, "svmcl hmm: hmm_range_discard([%#lx, %#lx)): "
			"the device still accesses the range (%ld pages with "
			"DMA in flight); the driver must stop it first\n",
			start, end, busy);
		abort();
	}
	if (ops && ops->quiesced && !ops->quiesced(priv, start, end)) {
		fprintf(stderr, "svmcl hmm: hmm_range_discard([%#lx, %#lx)): "
			"the driver says the device is not quiesced\n",
			start, end);
		abort();
	}
#else
	(void)map;
	(void)start;
	(void)end;
	(void)ops;
	(void)priv;
#endif
}

long hmm_range_discard(struct hmm_dma_map *map, unsigned long start,
		       unsigned long end, const struct hmm_discard_ops *ops,
		       void *priv, unsigned long *dirty)
{
	size_t first, last;
	long unmapped;

	if (!__hmm_dma_range_ok(map, start, end))
		return -EINVAL;
	discard_check(map, start, end, ops, priv);

	unmapped = hmm_dma_unmap_range(map, start, end, 0, dirty);
	if (unmapped < 0)
		return unmapped;
	first = (start - map->start) >> HMM_PAGE_SHIFT;
	last = (end - map->start) >> HMM_PAGE_SHIFT;
	__hmm_dma_release_iova(map, first, last);
	memset(&map->pfn_list[first], 0,
	       (last - first) * sizeof(map->pfn_list[0]));

	if (ops && ops->release)
		ops->release(priv, start, end);
	return unmapped;
}
