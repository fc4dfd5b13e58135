/* SPDX-License-Identifier: MIT */
/*
 * dma.c - DMA-map helpers over the software IOMMU (seed 003, Linux v6.16
 * hmm_dma_map_alloc/_free, hmm_dma_map_pfn, hmm_dma_unmap_pfn).
 *
 * DOC: Overview
 *
 * See dma.h for the interface. The implementation notes:
 *
 * - Runs. Linux links page by page and syncs the IOTLB once; we batch
 *   instead: consecutive entries that sit in the contiguous reservation,
 *   point at consecutive host pages and want the same permissions are
 *   linked with one iommu_map() and unlinked with one iommu_unmap().
 * - Refresh. An entry that is DMA-mapped already keeps its IOVA; only its
 *   permissions are set to what the entry says now (a read-only prefetch
 *   followed by a write fault upgrades the page in place). If the page
 *   behind the entry changed (it moved to or from device memory and the
 *   driver did not unmap it on the MIGRATE invalidation) the IO PTE is
 *   relinked at the same IOVA rather than left pointing at the old page.
 * - Dirty. Unmap reads the DIRTY bits of the IO PTEs it clears. Dirty
 *   pages are reported in the caller's bitmap; those the pagemap shows as
 *   file or shared pages (PM_FILE) get msync(MS_ASYNC) on their CPU range.
 *   The device wrote them through the CPU mapping, so the kernel already
 *   knows they are dirty; msync only starts writeback early, which is what
 *   set_page_dirty() leads to in the kernel.
 * - Differences from Linux: unmap needs only HMM_PFN_DMA_MAPPED (Linux
 *   also wants VALID): a refault may have cleared VALID while the IO PTE
 *   still exists, and leaking it would leave the device a translation. A
 *   per-page IOVA is kept after unmap (Linux frees it in dma_unmap_page)
 *   because unmap runs in invalidation callbacks, where freeing IOVA could
 *   allocate; discard and map_free give it back.
 *
 * DOC: Locking
 *
 * None of its own: see dma.h. The pagemap file used for the dirty check is
 * opened per unmap call and closed before returning, so a fork child never
 * reads its parent's pagemap.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hmm/dma.h"

/* Highest user address + 1 on any 5-level paging configuration. */
#define DMA_USER_VA_END (1ul << 57)

/* Pages unlinked per iommu_unmap() call: the dirty bitmap is on the stack. */
#define DMA_UNMAP_BATCH 512

/* /proc/self/pagemap bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT (1ull << 63)
#define PM_FILE (1ull << 61)	/* file page or shared anonymous */

#define DMA_PM_CHUNK 64

static size_t dma_index(const struct hmm_dma_map *map, unsigned long addr)
{
	return (addr - map->start) >> HMM_PAGE_SHIFT;
}

static unsigned long dma_addr(const struct hmm_dma_map *map, size_t idx)
{
	return map->start + (idx << HMM_PAGE_SHIFT);
}

static uintptr_t dma_host(const struct hmm_dma_map *map, size_t idx)
{
	const struct hmm_range view = {
		.start = map->start,
		.hmm_pfns = map->pfn_list,
	};

	return hmm_pfn_to_host(&view, idx);
}

static unsigned int dma_prot(uint64_t entry)
{
	return (entry & HMM_PFN_WRITE) ? IOMMU_READ | IOMMU_WRITE : IOMMU_READ;
}

static unsigned int pte_prot(uint64_t pte)
{
	return (pte & IOMMU_PTE_WRITE) ? IOMMU_READ | IOMMU_WRITE : IOMMU_READ;
}

static bool dma_linkable(uint64_t entry)
{
	return (entry & HMM_PFN_VALID) && !(entry & HMM_PFN_ERROR);
}

/* Entry @idx uses its own slot of the contiguous reservation. */
static bool dma_in_reservation(const struct hmm_dma_map *map, size_t idx)
{
	return map->iova && __hmm_dma_test_bit(map->iova_owned, idx);
}

bool __hmm_dma_range_ok(const struct hmm_dma_map *map, unsigned long start,
			unsigned long end)
{
	if (!map || !map->pfn_list)
		return false;
	if ((start | end) & (HMM_PAGE_SIZE - 1))
		return false;
	return start < end && start >= map->start && end <= map->end;
}

uint64_t hmm_dma_iova(const struct hmm_dma_map *map, size_t idx)
{
	if (!map || !map->pfn_list || idx >= map->npages ||
	    !(map->pfn_list[idx] & HMM_PFN_DMA_MAPPED))
		return 0;
	return map->dma_list[idx];
}

/* ---------------------------------------------------------------------- */
/* Dirty pages */

/* A run of dirty CPU pages waiting for the file-page check and msync. */
struct dma_writeback {
	int fd;			/* /proc/self/pagemap, -1 until needed */
	unsigned long start;
	size_t npages;
	uint64_t synced;
};

static void dma_msync(unsigned long addr, size_t npages, uint64_t *synced)
{
	/* ENOMEM when the CPU unmapped it meanwhile: nothing to write. */
	if (msync((void *)addr, npages << HMM_PAGE_SHIFT, MS_ASYNC) == 0)
		*synced += npages;
}

static void dma_writeback_flush(struct dma_writeback *wb)
{
	uint64_t pm[DMA_PM_CHUNK];
	size_t done = 0;

	if (!wb->npages)
		return;
	if (wb->fd < 0)
		wb->fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (wb->fd < 0) {
		/* Cannot tell file pages apart: msync is harmless on others. */
		dma_msync(wb->start, wb->npages, &wb->synced);
		wb->npages = 0;
		return;
	}
	while (done < wb->npages) {
		size_t n = wb->npages - done, ok, i, j;
		unsigned long addr = wb->start + (done << HMM_PAGE_SHIFT);
		ssize_t got;

		if (n > DMA_PM_CHUNK)
			n = DMA_PM_CHUNK;
		got = pread(wb->fd, pm, n * sizeof(pm[0]),
			    (off_t)(addr >> HMM_PAGE_SHIFT) * (off_t)sizeof(pm[0]));
		if (got < 0 && errno == EINTR)
			continue;
		/* What cannot be read is "not present": no msync. */
		ok = got > 0 ? (size_t)got / sizeof(pm[0]) : 0;
		if (ok < n)
			memset(pm + ok, 0, (n - ok) * sizeof(pm[0]));
		for (i = 0; i < n; i = j) {
			bool file = (pm[i] & PM_PRESENT) && (pm[i] & PM_FILE);

			for (j = i + 1; j < n &&
			     file == ((pm[j] & PM_PRESENT) && (pm[j] & PM_FILE));
			     j++)
				;
			if (file)
				dma_msync(addr + (i << HMM_PAGE_SHIFT), j - i,
					  &wb->synced);
		}
		done += n;
	}
	wb->npages = 0;
}

static void dma_writeback_add(struct dma_writeback *wb, unsigned long addr)
{
	if (wb->npages && wb->start + (wb->npages << HMM_PAGE_SHIFT) == addr) {
		wb->npages++;
		return;
	}
	dma_writeback_flush(wb);
	wb->start = addr;
	wb->npages = 1;
}

static void dma_writeback_finish(struct hmm_dma_map *map,
				 struct dma_writeback *wb)
{
	dma_writeback_flush(wb);
	if (wb->fd >= 0)
		close(wb->fd);
	wb->fd = -1;
	map->stats.synced += wb->synced;
	wb->synced = 0;
}

/* ---------------------------------------------------------------------- */
/* Unlinking */

/*
 * Length of the run of DMA-mapped entries from @i (< @last) that one
 * iommu_unmap() can take: consecutive reservation slots, or one entry.
 */
static size_t dma_unmap_run(const struct hmm_dma_map *map, size_t i,
			    size_t last)
{
	size_t j = i + 1;

	if (!dma_in_reservation(map, i))
		return 1;
	while (j < last && j - i < DMA_UNMAP_BATCH &&
	       (map->pfn_list[j] & HMM_PFN_DMA_MAPPED) &&
	       dma_in_reservation(map, j))
		j++;
	return j - i;
}

/*
 * Unlinks the DMA-mapped entries of [first, last). No allocation: this
 * runs in invalidation callbacks.
 */
static size_t dma_unlink(struct hmm_dma_map *map, size_t first, size_t last,
			 unsigned int flags, unsigned long *dirty,
			 struct dma_writeback *wb)
{
	size_t i = first, n = 0;

	while (i < last) {
		unsigned long pte_dirty[DMA_UNMAP_BATCH / HMM_DMA_BITS_PER_LONG];
		size_t run, k;
		long ptes;

		if (!(map->pfn_list[i] & HMM_PFN_DMA_MAPPED)) {
			i++;
			continue;
		}
		if (!map->dma_list[i]) {
			/* A flag the caller forged: there is no link. */
			map->pfn_list[i] &= ~HMM_PFN_DMA_MAPPED;
			i++;
			continue;
		}
		run = dma_unmap_run(map, i, last);
		memset(pte_dirty, 0, sizeof(pte_dirty));
		ptes = iommu_unmap(map->domain, map->dma_list[i],
				   run << HMM_PAGE_SHIFT, pte_dirty);
		if (ptes < 0)
			ptes = 0;
		for (k = i; k < i + run; k++) {
			uint64_t *e = &map->pfn_list[k];
			bool d = __hmm_dma_test_bit(pte_dirty, k - i) ||
				 ((flags & HMM_DMA_UNMAP_DIRTY) &&
				  (*e & HMM_PFN_WRITE));

			*e &= ~HMM_PFN_DMA_MAPPED;
			if (d) {
				map->stats.dirty++;
				if (dirty)
					__hmm_dma_set_bit(dirty, k);
				/* Device-private pages have no CPU page. */
				if (!(*e & HMM_PFN_DEVICE_PRIVATE))
					dma_writeback_add(wb, dma_addr(map, k));
			}
		}
		/* Count what the IOMMU had, not flags a caller may forge. */
		map->nr_mapped -= (size_t)ptes < map->nr_mapped ?
				  (size_t)ptes : map->nr_mapped;
		map->stats.unmapped += run;
		n += run;
		i += run;
	}
	return n;
}

long hmm_dma_unmap_range(struct hmm_dma_map *map, unsigned long start,
			 unsigned long end, unsigned int flags,
			 unsigned long *dirty)
{
	struct dma_writeback wb = { .fd = -1 };
	size_t n;

	if (!__hmm_dma_range_ok(map, start, end) ||
	    (flags & ~HMM_DMA_UNMAP_DIRTY))
		return -EINVAL;
	n = dma_unlink(map, dma_index(map, start), dma_index(map, end), flags,
		       dirty, &wb);
	dma_writeback_finish(map, &wb);
	return (long)n;
}

bool hmm_dma_unmap_pfn(struct hmm_dma_map *map, size_t idx, bool dirty,
		       bool *page_dirty)
{
	struct dma_writeback wb = { .fd = -1 };
	uint64_t before;
	size_t n;

	if (page_dirty)
		*page_dirty = false;
	if (!map || !map->pfn_list || idx >= map->npages)
		return false;
	before = map->stats.dirty;
	n = dma_unlink(map, idx, idx + 1, dirty ? HMM_DMA_UNMAP_DIRTY : 0,
		       NULL, &wb);
	dma_writeback_finish(map, &wb);
	if (page_dirty)
		*page_dirty = map->stats.dirty != before;
	return n == 1;
}

/* ---------------------------------------------------------------------- */
/* Linking */

/* The IOVA of entry @idx, allocating a page of it in fallback mode. */
static int dma_entry_iova(struct hmm_dma_map *map, size_t idx, uint64_t *iova)
{
	int ret;

	if (!map->dma_list[idx]) {
		ret = iommu_iova_alloc(map->domain, HMM_PAGE_SIZE,
				       HMM_PAGE_SIZE, &map->dma_list[idx]);
		if (ret)
			return ret;
		map->stats.iova_fallback++;
	}
	*iova = map->dma_list[idx];
	return 0;
}

static int dma_link_one(struct hmm_dma_map *map, size_t idx)
{
	struct dma_writeback wb = { .fd = -1 };
	uint64_t *e = &map->pfn_list[idx];
	uintptr_t host = dma_host(map, idx);
	unsigned int prot = dma_prot(*e);
	uint64_t iova;
	int ret;

	if (*e & HMM_PFN_DMA_MAPPED) {
		uint64_t pte = iommu_iova_to_pte(map->domain,
						 map->dma_list[idx]);

		if ((pte & IOMMU_PTE_PRESENT) &&
		    (pte & IOMMU_PTE_ADDR_MASK) == host) {
			if (pte_prot(pte) != prot) {
				ret = iommu_set_prot(map->domain,
						     map->dma_list[idx],
						     HMM_PAGE_SIZE, prot);
				if (ret)
					return ret;
			}
			map->stats.refreshed++;
			return 0;
		}
		/* Another page behind the entry now: relink it below. */
		dma_unlink(map, idx, idx + 1, 0, NULL, &wb);
		dma_writeback_finish(map, &wb);
	}

	ret = dma_entry_iova(map, idx, &iova);
	if (ret)
		return ret;
	ret = iommu_map(map->domain, iova, host, HMM_PAGE_SIZE, prot);
	if (ret == -EEXIST) {
		/*
		 * The caller cleared HMM_PFN_DMA_MAPPED itself (rewrote
		 * pfn_list) while the page was linked: drop the stale link.
		 */
		if (iommu_unmap(map->domain, iova, HMM_PAGE_SIZE, NULL) == 1 &&
		    map->nr_mapped)
			map->nr_mapped--;
		ret = iommu_map(map->domain, iova, host, HMM_PAGE_SIZE, prot);
	}
	if (ret)
		return ret;
	*e |= HMM_PFN_DMA_MAPPED;
	map->nr_mapped++;
	map->stats.mapped++;
	return 0;
}

/*
 * Length of the run from @i (< @last) that one iommu_map() can link: new
 * entries in consecutive reservation slots, consecutive host pages, same
 * permissions. 0 when entry @i needs the one-by-one path.
 */
static size_t dma_link_run(const struct hmm_dma_map *map, size_t i,
			   size_t last)
{
	uint64_t e = map->pfn_list[i];
	uintptr_t host = dma_host(map, i);
	size_t j;

	if ((e & HMM_PFN_DMA_MAPPED) || !dma_in_reservation(map, i))
		return 0;
	for (j = i + 1; j < last; j++) {
		uint64_t f = map->pfn_list[j];

		if (!dma_linkable(f) || (f & HMM_PFN_DMA_MAPPED) ||
		    !dma_in_reservation(map, j) ||
		    dma_prot(f) != dma_prot(e) ||
		    dma_host(map, j) != host + ((j - i) << HMM_PAGE_SHIFT))
			break;
	}
	return j - i;
}

static int dma_link(struct hmm_dma_map *map, size_t first, size_t last,
		    size_t *linked)
{
	size_t i = first, k, run;
	int ret;

	*linked = 0;
	while (i < last) {
		if (!dma_linkable(map->pfn_list[i])) {
			i++;
			continue;
		}
		run = dma_link_run(map, i, last);
		if (run) {
			ret = iommu_map(map->domain, map->dma_list[i],
					dma_host(map, i), run << HMM_PAGE_SHIFT,
					dma_prot(map->pfn_list[i]));
			if (ret == 0) {
				for (k = i; k < i + run; k++)
					map->pfn_list[k] |= HMM_PFN_DMA_MAPPED;
				map->nr_mapped += run;
				map->stats.mapped += run;
				*linked += run;
				i += run;
				continue;
			}
			if (ret != -EEXIST)
				return ret;
			/* A stale link in the run: go one by one. */
		}
		ret = dma_link_one(map, i);
		if (ret)
			return ret;
		(*linked)++;
		i++;
	}
	return 0;
}

long hmm_dma_map_range(struct hmm_dma_map *map, const struct hmm_range *range)
{
	size_t first, linked;
	int ret;

	if (!range || !__hmm_dma_range_ok(map, range->start, range->end))
		return -EINVAL;
	first = dma_index(map, range->start);
	if (range->hmm_pfns != map->pfn_list + first)
		return -EINVAL;
	if (range->notifier && range->notifier->mm != map->mm)
		return -EINVAL;
	if (!hmm_mm_alive(map->mm))
		return -EFAULT;
	if (range->notifier &&
	    mmu_interval_check_retry(range->notifier, range->notifier_seq))
		return -EBUSY;

	ret = dma_link(map, first, dma_index(map, range->end), &linked);
	return ret ? ret : (long)linked;
}

int hmm_dma_map_pfn(struct hmm_dma_map *map, size_t idx, uint64_t *iova)
{
	int ret;

	if (!map || !map->pfn_list || !iova || idx >= map->npages)
		return -EINVAL;
	if (!dma_linkable(map->pfn_list[idx]))
		return -EINVAL;
	if (!hmm_mm_alive(map->mm))
		return -EFAULT;
	ret = dma_link_one(map, idx);
	if (ret)
		return ret;
	*iova = map->dma_list[idx];
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Lifetime */

int hmm_dma_map_alloc(struct hmm_dma_map *map, struct iommu_domain *domain,
		      struct mm_struct *mm, unsigned long start,
		      unsigned long end)
{
	size_t npages, i;
	int ret;

	if (!map || !domain || !mm)
		return -EINVAL;
	if (start >= end || ((start | end) & (HMM_PAGE_SIZE - 1)) ||
	    end > DMA_USER_VA_END)
		return -EINVAL;

	memset(map, 0, sizeof(*map));
	npages = (end - start) >> HMM_PAGE_SHIFT;
	map->pfn_list = calloc(npages, sizeof(*map->pfn_list));
	if (!map->pfn_list)
		goto err_nomem;
	map->dma_list = calloc(npages, sizeof(*map->dma_list));
	if (!map->dma_list)
		goto err_free_pfns;
	map->iova_owned = calloc(HMM_DMA_BITMAP_LONGS(npages),
				 sizeof(*map->iova_owned));
	if (!map->iova_owned)
		goto err_free_dma;

	map->domain = domain;
	map->mm = mm;
	map->start = start;
	map->end = end;
	map->npages = npages;

	/* One IOVA for the whole range, as Linux tries; else per page. */
	ret = iommu_iova_alloc(domain, npages << HMM_PAGE_SHIFT, HMM_PAGE_SIZE,
			       &map->iova);
	if (ret == -ENOMEM)
		goto err_free_owned;
	if (ret) {
		map->iova = 0;
		return 0;
	}
	for (i = 0; i < npages; i++) {
		__hmm_dma_set_bit(map->iova_owned, i);
		map->dma_list[i] = map->iova + (i << HMM_PAGE_SHIFT);
	}
	return 0;

err_free_owned:
	free(map->iova_owned);
err_free_dma:
	free(map->dma_list);
err_free_pfns:
	free(map->pfn_list);
err_nomem:
	memset(map, 0, sizeof(*map));
	return -ENOMEM;
}

void __hmm_dma_release_iova(struct hmm_dma_map *map, size_t first,
			    size_t last)
{
	size_t i = first, j;

	while (i < last) {
		if (dma_in_reservation(map, i)) {
			for (j = i + 1; j < last && dma_in_reservation(map, j);
			     j++)
				;
			/* On -ENOMEM the slots stay ours until map_free. */
			if (iommu_iova_free(map->domain, map->dma_list[i],
					    (j - i) << HMM_PAGE_SHIFT) == 0) {
				for (; i < j; i++) {
					__hmm_dma_clear_bit(map->iova_owned, i);
					map->dma_list[i] = 0;
				}
			}
			i = j;
			continue;
		}
		if (map->dma_list[i] &&
		    iommu_iova_free(map->domain, map->dma_list[i],
				    HMM_PAGE_SIZE) == 0)
			map->dma_list[i] = 0;
		i++;
	}
}

void hmm_dma_map_free(struct hmm_dma_map *map, unsigned long *dirty)
{
	struct dma_writeback wb = { .fd = -1 };
	size_t i;

	if (!map || !map->pfn_list)
		return;
	dma_unlink(map, 0, map->npages, 0, dirty, &wb);
	dma_writeback_finish(map, &wb);
	__hmm_dma_release_iova(map, 0, map->npages);
	/*
	 * A reservation slot whose free failed for lack of memory is given
	 * back in whole runs once more; what still fails stays allocated in
	 * the domain (accounted there) rather than being reused while
	 * mapped.
	 */
	for (i = 0; i < map->npages; i++)
		if (map->dma_list[i])
			(void)iommu_iova_free(map->domain, map->dma_list[i],
					      HMM_PAGE_SIZE);
	free(map->iova_owned);
	free(map->dma_list);
	free(map->pfn_list);
	memset(map, 0, sizeof(*map));
}
