/* SPDX-License-Identifier: MIT */
/*
 * dma.h - DMA-map the pages of a mirrored range for a device (seed 003,
 * Linux v6.16 hmm_dma_map).
 *
 * DOC: Overview
 *
 * After hmm_range_fault() a driver maps the pages it got into its device's
 * IOMMU domain (iommu.h) and programs the device with IO virtual addresses.
 * A &struct hmm_dma_map covers one mirrored range [start, end), the size
 * of a driver's range object (drm_gpusvm range, ODP umem): it holds two
 * 8-byte words and a bit per page, so it is not meant for a whole address
 * space.
 *
 *  - @pfn_list is the hmm_pfns array of that range: the driver passes it
 *    (or a slice of it at the matching offset) as range.hmm_pfns, so the
 *    sticky HMM_PFN_DMA_MAPPED flag survives the next hmm_range_fault().
 *  - hmm_dma_map_alloc() tries to reserve one contiguous IOVA for the whole
 *    range, as hmm_dma_map_alloc() does in Linux: entry i is then always at
 *    iova + i * page. When the IOVA space is too fragmented it falls back to
 *    one IOVA page per entry, allocated at first map (Linux's dma_map_page
 *    path). @dma_list holds the IOVA of every entry (0: none).
 *  - hmm_dma_map_range() links each VALID entry of a range with READ, or
 *    READ|WRITE when the entry has HMM_PFN_WRITE, to the host address of
 *    its page (hmm_pfn_to_host()), and sets HMM_PFN_DMA_MAPPED. An entry
 *    that is mapped already keeps its IOVA and only gets its permissions
 *    refreshed (Linux: "resync flags" without unlink/link).
 *  - hmm_dma_unmap_range() unlinks entries and clears HMM_PFN_DMA_MAPPED.
 *    A page is *dirty* when its IO PTE is DIRTY (the device wrote it
 *    through the IOMMU) or when the caller says the device wrote the range
 *    (HMM_DMA_UNMAP_DIRTY) and the entry was writable. In userspace the
 *    device writes the process's own page, so nothing is lost on unmap;
 *    "marking dirty" means reporting the page in the caller's bitmap, and,
 *    for file-backed shared pages, starting writeback with
 *    msync(MS_ASYNC) on the CPU range, the closest thing to set_page_dirty()
 *    a process has (see docs/dma.md).
 *  - IOVA space of an unmapped entry stays with the map until
 *    hmm_range_discard() (discard.h) or hmm_dma_map_free(): unmap runs in
 *    invalidation callbacks, where nothing may allocate or free memory.
 *  - hmm_mm_alive() is the mm-alive check drivers use (Linux:
 *    mmget_not_zero()): mapping for an address space that has been
 *    released fails with -EFAULT.
 *
 * DOC: Locking
 *
 * A map has no lock. The driver serialises every call on one map with the
 * lock it takes in its invalidate callback (Linux: the notifier lock or
 * umem_odp_mutex); map calls then happen after mmu_interval_read_retry()
 * said the range is still current. The IOMMU domain has its own lock, so
 * maps of one domain may be used concurrently and the device may translate
 * at any time. hmm_dma_unmap_range() and hmm_dma_unmap_pfn() never
 * allocate or free heap memory and may be called from an invalidate
 * callback; the other functions may allocate and must not.
 *
 * Errors are negative errno values.
 */
#ifndef SVMCL_HMM_DMA_H
#define SVMCL_HMM_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmm/hmm.h"
#include "hmm/iommu.h"

#define HMM_DMA_BITS_PER_LONG (8 * sizeof(unsigned long))
/* Longs of a bitmap with one bit per entry of a map of @n entries. */
#define HMM_DMA_BITMAP_LONGS(n) \
	(((n) + HMM_DMA_BITS_PER_LONG - 1) / HMM_DMA_BITS_PER_LONG)

struct hmm_dma_stats {
	uint64_t mapped;	/* link operations (new mappings) */
	uint64_t refreshed;	/* already-mapped entries, permissions resynced */
	uint64_t unmapped;
	uint64_t dirty;		/* pages found dirty on unmap */
	uint64_t synced;	/* pages passed to msync(MS_ASYNC) */
	uint64_t iova_fallback;	/* per-page IOVA allocations */
};

/**
 * struct hmm_dma_map - the entries and IO addresses of one mirrored range.
 * @domain: the device's IOMMU domain.
 * @mm: the address space mirrored; the driver keeps it valid for the
 *	map's lifetime (its interval notifier does).
 * @start, @end: the range, page aligned, half open.
 * @npages: entries.
 * @pfn_list: hmm_pfns of the range (see DOC: Overview).
 * @dma_list: IOVA of each entry, 0 when it has none.
 * @iova: base of the contiguous reservation, 0 when the map uses one IOVA
 *	page per entry.
 * @iova_owned: bitmap; bit i set while entry i's slot of the reservation
 *	belongs to the map (discard gives slots back).
 * @nr_mapped: entries with HMM_PFN_DMA_MAPPED.
 * @stats: counters.
 */
struct hmm_dma_map {
	struct iommu_domain *domain;
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	size_t npages;
	uint64_t *pfn_list;
	uint64_t *dma_list;
	uint64_t iova;
	unsigned long *iova_owned;
	size_t nr_mapped;
	struct hmm_dma_stats stats;
};

/* hmm_mm_alive() - false once @mm has been released (process teardown). */
static inline bool hmm_mm_alive(struct mm_struct *mm)
{
	return mm && svm_mm_alive(mm);
}

/**
 * hmm_dma_map_alloc() - prepare @map for [@start, @end) of @mm in @domain.
 *
 * Return: 0; -EINVAL for a bad range or argument; -ENOMEM.
 */
int hmm_dma_map_alloc(struct hmm_dma_map *map, struct iommu_domain *domain,
		      struct mm_struct *mm, unsigned long start,
		      unsigned long end);
/**
 * hmm_dma_map_free() - unmap what is still mapped (dirty pages reported in
 * @dirty, optional, one bit per entry), give all IOVA space back and free
 * the arrays. @map is zeroed.
 */
void hmm_dma_map_free(struct hmm_dma_map *map, unsigned long *dirty);

/**
 * hmm_dma_map_range() - DMA-map every VALID entry of @range.
 * @range: a range inside @map whose hmm_pfns is the matching slice of
 *	@map->pfn_list, just filled by hmm_range_fault(). Call under the
 *	driver's update lock after mmu_interval_read_retry() said no.
 *
 * Entries without HMM_PFN_VALID, or with HMM_PFN_ERROR, are left alone.
 *
 * Return: the number of entries mapped or refreshed; -EINVAL for a range
 * that does not belong to @map; -EFAULT when the mm has been released;
 * -EBUSY when the notifier's sequence moved since range->notifier_seq
 * (nothing mapped, the caller retries); -ENOSPC/-ENOMEM when IOVA space or
 * page-table memory runs out (entries mapped before stay mapped).
 */
long hmm_dma_map_range(struct hmm_dma_map *map, const struct hmm_range *range);

/**
 * hmm_dma_map_pfn() - DMA-map entry @idx of @map (Linux hmm_dma_map_pfn()).
 * @iova: out, the entry's IO virtual address.
 *
 * Return: 0; -EINVAL for a bad index or an entry that is not VALID;
 * -EFAULT when the mm has been released; -ENOSPC/-ENOMEM.
 */
int hmm_dma_map_pfn(struct hmm_dma_map *map, size_t idx, uint64_t *iova);

/* hmm_dma_unmap_range() flags */
#define HMM_DMA_UNMAP_DIRTY (1u << 0)	/* the device wrote the range */

/**
 * hmm_dma_unmap_range() - unmap the DMA-mapped entries of [@start, @end).
 * @flags: HMM_DMA_UNMAP_DIRTY or 0.
 * @dirty: optional bitmap, one bit per entry of @map (index from
 *	@map->start); the bits of dirty pages are set, others untouched.
 *
 * Return: the number of entries unmapped, or -EINVAL.
 */
long hmm_dma_unmap_range(struct hmm_dma_map *map, unsigned long start,
			 unsigned long end, unsigned int flags,
			 unsigned long *dirty);

/**
 * hmm_dma_unmap_pfn() - unmap entry @idx (Linux hmm_dma_unmap_pfn()).
 * @dirty: the device wrote the page (dirty if the entry was writable).
 * @page_dirty: optional out, whether the page was dirty.
 *
 * Return: true when the entry was mapped and has been unmapped.
 */
bool hmm_dma_unmap_pfn(struct hmm_dma_map *map, size_t idx, bool dirty,
		       bool *page_dirty);

/* The IOVA of entry @idx, 0 when it is not DMA-mapped. */
uint64_t hmm_dma_iova(const struct hmm_dma_map *map, size_t idx);

/* Bitmap helpers shared by dma.c and discard.c. */
static inline bool __hmm_dma_test_bit(const unsigned long *map, size_t bit)
{
	return map[bit / HMM_DMA_BITS_PER_LONG] &
	       (1ul << (bit % HMM_DMA_BITS_PER_LONG));
}

static inline void __hmm_dma_set_bit(unsigned long *map, size_t bit)
{
	map[bit / HMM_DMA_BITS_PER_LONG] |= 1ul << (bit % HMM_DMA_BITS_PER_LONG);
}

static inline void __hmm_dma_clear_bit(unsigned long *map, size_t bit)
{
	map[bit / HMM_DMA_BITS_PER_LONG] &=
		~(1ul << (bit % HMM_DMA_BITS_PER_LONG));
}

/*
 * __hmm_dma_release_iova() - give back the IOVA space of entries
 * [@first, @last), which must not be DMA-mapped. Allocates nothing but may
 * grow the domain's free-range array: not for invalidation callbacks.
 */
void __hmm_dma_release_iova(struct hmm_dma_map *map, size_t first,
			    size_t last);

/* True when [@start, @end) is a non-empty page-aligned range inside @map. */
bool __hmm_dma_range_ok(const struct hmm_dma_map *map, unsigned long start,
			unsigned long end);

#endif /* SVMCL_HMM_DMA_H */
