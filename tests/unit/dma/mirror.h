/* SPDX-License-Identifier: MIT */
/*
 * mirror.h - a minimal HMM driver for the DMA tests: an interval notifier
 * over a range, an update lock, an IOMMU domain and a DMA map, and Linux's
 * driver loop (read_begin, hmm_range_fault, lock, read_retry, DMA-map).
 * Its invalidate callback unmaps the overlap from the IOMMU, as a driver
 * must before the CPU pages go.
 */
#ifndef SVMCL_TEST_DMA_MIRROR_H
#define SVMCL_TEST_DMA_MIRROR_H

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "hmm/dma.h"

#define PG HMM_PAGE_SIZE

struct mirror {
	struct mmu_interval_notifier notifier;
	pthread_mutex_t lock;	/* the driver's update lock */
	struct mm_struct *mm;	/* NULL once put */
	struct iommu_domain *domain;
	struct hmm_dma_map map;
	/* Under lock: */
	int invalidations;
	enum mmu_notifier_event last_event;
	unsigned long last_start, last_end;
	long last_unmapped;
};

static inline struct mirror *to_mirror(struct mmu_interval_notifier *mni)
{
	return (struct mirror *)((char *)mni - offsetof(struct mirror, notifier));
}

static bool mirror_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct mirror *m = to_mirror(mni);
	unsigned long s, e;

	if (mmu_notifier_range_blockable(range))
		pthread_mutex_lock(&m->lock);
	else if (pthread_mutex_trylock(&m->lock))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	m->invalidations++;
	m->last_event = range->event;
	m->last_start = range->start;
	m->last_end = range->end;
	s = range->start > m->map.start ? range->start : m->map.start;
	e = range->end < m->map.end ? range->end : m->map.end;
	m->last_unmapped = s < e ? hmm_dma_unmap_range(&m->map, s, e, 0, NULL)
				 : 0;
	pthread_mutex_unlock(&m->lock);
	return true;
}

static const struct mmu_interval_notifier_ops mirror_ops = {
	.invalidate = mirror_invalidate,
};

static inline void mirror_init(struct mirror *m, void *start, size_t npages,
			       uint64_t aperture)
{
	unsigned long s = (unsigned long)start;

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->mm = svm_mm_get();
	assert_non_null(m->mm);
	assert_int_equal(mmu_interval_notifier_insert(&m->notifier, m->mm, s,
						      npages * PG,
						      &mirror_ops), 0);
	m->domain = iommu_domain_alloc(aperture);
	assert_non_null(m->domain);
	assert_int_equal(hmm_dma_map_alloc(&m->map, m->domain, m->mm, s,
					   s + npages * PG), 0);
}

static inline void mirror_fini(struct mirror *m)
{
	hmm_dma_map_free(&m->map, NULL);
	mmu_interval_notifier_remove(&m->notifier);
	iommu_domain_free(m->domain);
	if (m->mm)
		svm_mm_put(m->mm);
	pthread_mutex_destroy(&m->lock);
}

/*
 * mirror_fault() - the driver loop over entries [first, first + n) of the
 * map, with one request for all of them. Return: what hmm_dma_map_range()
 * returned, or the error of hmm_range_fault().
 */
static inline long mirror_fault(struct mirror *m, size_t first, size_t n,
				uint64_t default_flags)
{
	struct hmm_range range = {
		.notifier = &m->notifier,
		.start = m->map.start + first * PG,
		.end = m->map.start + (first + n) * PG,
		.hmm_pfns = m->map.pfn_list + first,
		.default_flags = default_flags,
		.pfn_flags_mask = 0,
	};
	int tries;
	long ret = -EBUSY;

	for (tries = 0; tries < 1000; tries++) {
		range.notifier_seq = mmu_interval_read_begin(&m->notifier);
		ret = hmm_range_fault(&range);
		if (ret == -EBUSY)
			continue;
		if (ret)
			return ret;
		pthread_mutex_lock(&m->lock);
		if (mmu_interval_read_retry(&m->notifier, range.notifier_seq)) {
			pthread_mutex_unlock(&m->lock);
			ret = -EBUSY;
			continue;
		}
		ret = hmm_dma_map_range(&m->map, &range);
		pthread_mutex_unlock(&m->lock);
		return ret;
	}
	return ret;
}

/* The host address the device reaches through entry @idx's IOVA. */
static inline int mirror_translate(struct mirror *m, size_t idx,
				   enum iommu_access access, uintptr_t *host)
{
	uint64_t iova = hmm_dma_iova(&m->map, idx);

	return iommu_translate(m->domain, iova ? iova : m->map.dma_list[idx],
			       access, host);
}

static inline char *map_anon(size_t npages, int prot)
{
	char *p = mmap(NULL, npages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

#endif /* SVMCL_TEST_DMA_MIRROR_H */
