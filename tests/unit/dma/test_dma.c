/* SPDX-License-Identifier: MIT */
/*
 * test_dma.c - the DMA-map helpers (kmd-shim/hmm/dma.c) over real mirrored
 * ranges: map after hmm_range_fault(), device access through the IOMMU,
 * permission refresh in place, dirty tracking and writeback on unmap,
 * invalidations, a released mm, the per-page IOVA fallback and bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mirror.h"
#include "hmm/coalesce.h"

#define APERTURE (1ull << 32)
#define RW (HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE)

static void fill(char *p, size_t npages, int salt)
{
	size_t i;

	for (i = 0; i < npages; i++)
		memset(p + i * PG, (int)(i + salt) & 0xff, PG);
}

static void test_map_mirrored_range(void **state)
{
	enum { N = 64 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct iommu_stats st;
	struct mirror m;
	size_t i;

	(void)state;
	fill(p, N, 1);
	mirror_init(&m, p, N, APERTURE);
	assert_int_not_equal(m.map.iova, 0);	/* one contiguous IOVA */

	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(m.map.nr_mapped, N);
	for (i = 0; i < N; i++) {
		uint64_t e = m.map.pfn_list[i];
		uintptr_t host;

		assert_true(e & HMM_PFN_VALID);
		assert_true(e & HMM_PFN_WRITE);
		assert_true(e & HMM_PFN_DMA_MAPPED);
		assert_int_equal(hmm_dma_iova(&m.map, i), m.map.iova + i * PG);
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), 0);
		assert_ptr_equal((void *)host, p + i * PG);
		assert_int_equal(*(unsigned char *)host, (i + 1) & 0xff);
		assert_true(iommu_iova_to_pte(m.domain, m.map.iova + i * PG) &
			    IOMMU_PTE_WRITE);
	}
	/* A device write lands in the process's memory. */
	{
		uintptr_t host;

		assert_int_equal(mirror_translate(&m, 9, IOMMU_ACCESS_WRITE,
						  &host), 0);
		memset((void *)host, 0xab, 16);
		assert_int_equal((unsigned char)p[9 * PG + 15], 0xab);
	}
	/* Mapping again maps nothing new and keeps every IOVA. */
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(m.map.stats.mapped, N);
	assert_int_equal(m.map.stats.refreshed, N);
	iommu_get_stats(m.domain, &st);
	assert_int_equal(st.nr_ptes, N);
	assert_int_equal(iommu_pt_check(m.domain), 0);

	mirror_fini(&m);
	munmap(p, N * PG);
}

static void test_readonly_mapping(void **state)
{
	enum { N = 8 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct mirror m;
	uintptr_t host;
	size_t i;

	(void)state;
	fill(p, N, 3);
	assert_int_equal(mprotect(p, N * PG, PROT_READ), 0);
	mirror_init(&m, p, N, APERTURE);
	/* A write request on a read-only mapping fails before any map. */
	assert_int_equal(mirror_fault(&m, 0, N, RW), -EPERM);
	assert_int_equal(m.map.nr_mapped, 0);
	assert_int_equal(mirror_fault(&m, 0, N, HMM_PFN_REQ_FAULT), N);
	for (i = 0; i < N; i++) {
		assert_false(m.map.pfn_list[i] & HMM_PFN_WRITE);
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), 0);
		assert_int_equal(*(unsigned char *)host, (i + 3) & 0xff);
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_WRITE,
						  &host), -EPERM);
	}
	mirror_fini(&m);
	munmap(p, N * PG);
}

/*
 * Read faults on absent pages map the zero page read-only; a later write
 * fault replaces it (COW) at the same virtual address. The second map only
 * refreshes the permissions: same IOVA, no new link.
 */
static void test_refresh_keeps_iova(void **state)
{
	enum { N = 16 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	uint64_t iova[N];
	struct mirror m;
	uintptr_t host;
	size_t i;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, N, HMM_PFN_REQ_FAULT), N);
	for (i = 0; i < N; i++) {
		assert_false(m.map.pfn_list[i] & HMM_PFN_WRITE);
		iova[i] = hmm_dma_iova(&m.map, i);
		assert_int_not_equal(iova[i], 0);
		assert_false(iommu_iova_to_pte(m.domain, iova[i]) &
			     IOMMU_PTE_WRITE);
		assert_int_equal(iommu_translate(m.domain, iova[i],
						 IOMMU_ACCESS_WRITE, &host),
				 -EPERM);
	}
	assert_int_equal(m.map.stats.mapped, N);

	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(m.map.stats.mapped, N);	/* no new link */
	assert_int_equal(m.map.stats.refreshed, N);
	for (i = 0; i < N; i++) {
		assert_true(m.map.pfn_list[i] & HMM_PFN_DMA_MAPPED);
		assert_int_equal(hmm_dma_iova(&m.map, i), iova[i]);
		assert_int_equal(iommu_translate(m.domain, iova[i],
						 IOMMU_ACCESS_WRITE, &host), 0);
		*(char *)host = 'w';
		assert_int_equal(p[i * PG], 'w');
	}

	/*
	 * Downgrade in place: entries that lost WRITE (a refault after the
	 * CPU made the range read-only) drop it from the IO PTE, keeping the
	 * IOVA and the DIRTY the device earned.
	 */
	{
		struct hmm_range r = {
			.start = m.map.start,
			.end = m.map.end,
			.hmm_pfns = m.map.pfn_list,
		};

		for (i = 0; i < N; i++)
			m.map.pfn_list[i] &= ~HMM_PFN_WRITE;
		assert_int_equal(hmm_dma_map_range(&m.map, &r), N);
	}
	for (i = 0; i < N; i++) {
		uint64_t pte = iommu_iova_to_pte(m.domain, iova[i]);

		assert_false(pte & IOMMU_PTE_WRITE);
		assert_true(pte & IOMMU_PTE_DIRTY);
	}
	assert_int_equal(m.map.stats.mapped, N);
	mirror_fini(&m);
	munmap(p, N * PG);
}

static void test_dirty_on_unmap(void **state)
{
	enum { N = 70 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	unsigned long dirty[HMM_DMA_BITMAP_LONGS(N)];
	struct mirror m;
	uintptr_t host;
	bool was_dirty;
	size_t i;

	(void)state;
	fill(p, N, 0);
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(mirror_translate(&m, 3, IOMMU_ACCESS_WRITE, &host), 0);
	assert_int_equal(mirror_translate(&m, 7, IOMMU_ACCESS_WRITE, &host), 0);
	assert_int_equal(mirror_translate(&m, 66, IOMMU_ACCESS_WRITE, &host),
			 0);
	assert_int_equal(mirror_translate(&m, 8, IOMMU_ACCESS_READ, &host), 0);

	memset(dirty, 0, sizeof(dirty));
	assert_int_equal(hmm_dma_unmap_range(&m.map, m.map.start, m.map.end, 0,
					     dirty), N);
	assert_int_equal(dirty[0], (1ul << 3) | (1ul << 7));
	assert_int_equal(dirty[1], 1ul << 2);
	assert_int_equal(m.map.stats.dirty, 3);
	assert_int_equal(m.map.stats.synced, 0);	/* anonymous private */
	assert_int_equal(m.map.nr_mapped, 0);
	for (i = 0; i < N; i++) {
		assert_false(m.map.pfn_list[i] & HMM_PFN_DMA_MAPPED);
		assert_true(m.map.pfn_list[i] & HMM_PFN_VALID);
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), -EFAULT);
	}

	/* The caller may say the device wrote: writable pages are dirty. */
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	memset(dirty, 0, sizeof(dirty));
	assert_int_equal(hmm_dma_unmap_range(&m.map, m.map.start + PG,
					     m.map.start + 3 * PG,
					     HMM_DMA_UNMAP_DIRTY, dirty), 2);
	assert_int_equal(dirty[0], 0x6ul);
	assert_int_equal(dirty[1], 0);

	/* One entry at a time, Linux's hmm_dma_unmap_pfn(). */
	assert_int_equal(mirror_translate(&m, 10, IOMMU_ACCESS_WRITE, &host),
			 0);
	assert_true(hmm_dma_unmap_pfn(&m.map, 10, false, &was_dirty));
	assert_true(was_dirty);
	assert_true(hmm_dma_unmap_pfn(&m.map, 11, false, &was_dirty));
	assert_false(was_dirty);
	assert_false(hmm_dma_unmap_pfn(&m.map, 11, false, &was_dirty));
	assert_true(hmm_dma_unmap_pfn(&m.map, 12, true, &was_dirty));
	assert_true(was_dirty);
	assert_int_equal(m.map.nr_mapped, N - 5);
	mirror_fini(&m);
	munmap(p, N * PG);
}

/* A dirty file-backed shared page gets msync(MS_ASYNC); data reaches the file. */
static void test_dirty_file_shared(void **state)
{
	enum { N = 16 };
	char path[] = "/tmp/svmcl-dma-XXXXXX";
	char got[8];
	struct mirror m;
	uintptr_t host;
	unsigned long dirty[1] = { 0 };
	char *p;
	int fd;

	(void)state;
	fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (fd < 0) {
		fd = mkstemp(path);
		assert_true(fd >= 0);
		unlink(path);
	}
	assert_int_equal(ftruncate(fd, N * PG), 0);
	p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);

	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(mirror_translate(&m, 2, IOMMU_ACCESS_WRITE, &host), 0);
	memcpy((void *)host, "device!", 8);
	assert_int_equal(mirror_translate(&m, 3, IOMMU_ACCESS_WRITE, &host), 0);
	assert_int_equal(hmm_dma_unmap_range(&m.map, m.map.start, m.map.end, 0,
					     dirty), N);
	assert_int_equal(dirty[0], 0xcul);
	assert_int_equal(m.map.stats.synced, 2);
	assert_int_equal(pread(fd, got, 8, 2 * PG), 8);
	assert_memory_equal(got, "device!", 8);
	mirror_fini(&m);
	munmap(p, N * PG);
	close(fd);
}

/* An explicit invalidation unmaps the overlap from the IOMMU. */
static void test_invalidation_unmaps(void **state)
{
	enum { N = 32 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct mirror m;
	uintptr_t host;
	size_t i;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	mm_invalidate_range(m.mm, (unsigned long)p + 8 * PG,
			    (unsigned long)p + 16 * PG, MMU_NOTIFY_CLEAR, NULL);
	assert_int_equal(m.invalidations, 1);
	assert_int_equal(m.last_unmapped, 8);
	for (i = 0; i < N; i++) {
		int want = (i >= 8 && i < 16) ? -EFAULT : 0;

		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), want);
		assert_int_equal(!!(m.map.pfn_list[i] & HMM_PFN_DMA_MAPPED),
				 want == 0);
	}
	/* Faulting again maps them back at their own IOVA. */
	assert_int_equal(mirror_fault(&m, 8, 8, RW), 8);
	for (i = 8; i < 16; i++)
		assert_int_equal(hmm_dma_iova(&m.map, i), m.map.iova + i * PG);
	mirror_fini(&m);
	munmap(p, N * PG);
}

/* A CPU munmap reaches the IOMMU through userfaultfd (when available). */
static void test_munmap_unmaps(void **state)
{
	enum { N = 32 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct mirror m;
	uintptr_t host;
	size_t i;
	int ret;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	ret = mm_watch_range(m.mm, (unsigned long)p, (unsigned long)p + N * PG);
	if (ret) {
		print_message("# userfaultfd cannot watch anonymous memory "
			      "here (%d): skipped\n", ret);
		mirror_fini(&m);
		munmap(p, N * PG);
		skip();
	}
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(munmap(p + 24 * PG, 8 * PG), 0);
	mm_sync_events(m.mm);
	pthread_mutex_lock(&m.lock);
	assert_true(m.invalidations >= 1);
	assert_int_equal(m.last_event, MMU_NOTIFY_UNMAP);
	pthread_mutex_unlock(&m.lock);
	for (i = 0; i < N; i++)
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), i >= 24 ? -EFAULT : 0);
	mirror_fini(&m);
	munmap(p, 24 * PG);
}

/* A stale sequence: hmm_dma_map_range() maps nothing and says -EBUSY. */
static void test_ebusy_after_invalidation(void **state)
{
	enum { N = 8 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct mirror m;
	struct hmm_range r;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	r = (struct hmm_range){
		.notifier = &m.notifier,
		.start = m.map.start,
		.end = m.map.end,
		.hmm_pfns = m.map.pfn_list,
		.default_flags = RW,
	};
	r.notifier_seq = mmu_interval_read_begin(&m.notifier);
	assert_int_equal(hmm_range_fault(&r), 0);
	mm_invalidate_range(m.mm, m.map.start, m.map.start + PG,
			    MMU_NOTIFY_CLEAR, NULL);
	assert_int_equal(hmm_dma_map_range(&m.map, &r), -EBUSY);
	assert_int_equal(m.map.nr_mapped, 0);
	assert_false(m.map.pfn_list[0] & HMM_PFN_DMA_MAPPED);
	mirror_fini(&m);
	munmap(p, N * PG);
}

/* After the mm is released, mapping fails with -EFAULT (mmget_not_zero). */
static void test_released_mm(void **state)
{
	enum { N = 8 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct mirror m;
	uint64_t iova;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, 4, RW), 4);
	assert_true(hmm_mm_alive(m.mm));

	svm_mm_put(m.mm);	/* the last user: RELEASE */
	assert_false(hmm_mm_alive(m.mm));
	assert_false(hmm_mm_alive(NULL));
	assert_int_equal(m.last_event, MMU_NOTIFY_RELEASE);
	assert_int_equal(m.last_unmapped, 4);
	assert_int_equal(m.map.nr_mapped, 0);

	{
		struct hmm_range r = {
			.notifier = &m.notifier,
			.start = m.map.start,
			.end = m.map.end,
			.hmm_pfns = m.map.pfn_list,
		};

		assert_int_equal(hmm_dma_map_range(&m.map, &r), -EFAULT);
	}
	assert_int_equal(hmm_dma_map_pfn(&m.map, 0, &iova), -EFAULT);
	assert_int_equal(m.map.nr_mapped, 0);
	m.mm = NULL;	/* already put */
	mirror_fini(&m);
	munmap(p, N * PG);
}

/* Fragmented IOVA space: one IOVA page per entry, all given back. */
static void test_fallback_per_page_iova(void **state)
{
	enum { N = 16, SPACE = 64 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct iommu_stats st;
	uint64_t iova;
	struct mirror m;
	uintptr_t host;
	size_t i;

	(void)state;
	fill(p, N, 5);
	mirror_init(&m, p, N, (SPACE + 1) * PG + N * PG);
	/* mirror_init reserved N pages; fragment the rest. */
	hmm_dma_map_free(&m.map, NULL);
	for (i = 0; i < SPACE + N; i++)
		assert_int_equal(iommu_iova_alloc(m.domain, PG, PG,
						  &iova), 0);
	for (i = 0; i < SPACE + N; i += 2)
		assert_int_equal(iommu_iova_free(m.domain, (i + 1) * PG, PG), 0);
	iommu_get_stats(m.domain, &st);
	assert_int_equal(st.iova_free, (SPACE + N) / 2 * PG);

	assert_int_equal(hmm_dma_map_alloc(&m.map, m.domain, m.mm,
					   (unsigned long)p,
					   (unsigned long)p + N * PG), 0);
	assert_int_equal(m.map.iova, 0);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(m.map.stats.iova_fallback, N);
	for (i = 0; i < N; i++) {
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), 0);
		assert_int_equal(*(unsigned char *)host, (i + 5) & 0xff);
	}
	/* Unmap keeps the IOVA pages (callback context); free returns them. */
	assert_int_equal(hmm_dma_unmap_range(&m.map, m.map.start, m.map.end, 0,
					     NULL), N);
	iommu_get_stats(m.domain, &st);
	assert_int_equal(st.iova_free, ((SPACE + N) / 2 - N) * PG);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(m.map.stats.iova_fallback, N);
	hmm_dma_map_free(&m.map, NULL);
	iommu_get_stats(m.domain, &st);
	assert_int_equal(st.iova_free, (SPACE + N) / 2 * PG);
	assert_int_equal(st.nr_ptes, 0);
	assert_int_equal(iommu_iova_check(m.domain), 0);
	mirror_fini(&m);
	munmap(p, N * PG);
}

/*
 * Entries of device-private pages reach the device page itself
 * (hmm_pfn_to_host()); when the page behind a mapped entry changes, the
 * IO PTE is relinked at the same IOVA.
 */
static void test_device_private_host(void **state)
{
	enum { N = 4 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	char *vram = map_anon(1, PROT_READ | PROT_WRITE);
	struct mirror m;
	struct hmm_range r;
	uintptr_t host;
	uint64_t iova;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	r = (struct hmm_range){
		.start = m.map.start,
		.end = m.map.end,
		.hmm_pfns = m.map.pfn_list,
	};
	m.map.pfn_list[1] = HMM_PFN_VALID | HMM_PFN_WRITE |
			    HMM_PFN_DEVICE_PRIVATE |
			    ((uintptr_t)vram >> HMM_PAGE_SHIFT);
	m.map.pfn_list[2] = HMM_PFN_ERROR;
	assert_int_equal(hmm_dma_map_range(&m.map, &r), 1);
	assert_false(m.map.pfn_list[2] & HMM_PFN_DMA_MAPPED);
	iova = hmm_dma_iova(&m.map, 1);
	assert_int_equal(iommu_translate(m.domain, iova + 5, IOMMU_ACCESS_WRITE,
					 &host), 0);
	assert_ptr_equal((void *)host, vram + 5);

	/* Migrated back: same entry, system page now. */
	m.map.pfn_list[1] = HMM_PFN_VALID | HMM_PFN_DMA_MAPPED |
			    (((uintptr_t)p + PG) >> HMM_PAGE_SHIFT);
	assert_int_equal(hmm_dma_map_range(&m.map, &r), 1);
	assert_int_equal(hmm_dma_iova(&m.map, 1), iova);
	assert_int_equal(iommu_translate(m.domain, iova, IOMMU_ACCESS_READ,
					 &host), 0);
	assert_ptr_equal((void *)host, p + PG);
	assert_int_equal(m.map.nr_mapped, 1);
	mirror_fini(&m);
	munmap(p, N * PG);
	munmap(vram, PG);
}

/* A transparent huge page: every 4 KiB entry gets its own IO PTE. */
static void test_thp_range(void **state)
{
	const size_t N = 512;
	char *raw = map_anon(2 * N, PROT_READ | PROT_WRITE);
	char *p = (char *)(((uintptr_t)raw + N * PG - 1) & ~(N * PG - 1));
	struct mirror m;
	uintptr_t host;
	size_t i;

	(void)state;
	madvise(p, N * PG, MADV_HUGEPAGE);
	fill(p, N, 0);
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, N, RW), (long)N);
	for (i = 0; i < N; i += 73) {
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), 0);
		assert_ptr_equal((void *)host, p + i * PG);
	}
	assert_int_equal(mirror_translate(&m, N - 1, IOMMU_ACCESS_WRITE,
					  &host), 0);
	assert_ptr_equal((void *)host, p + (N - 1) * PG);
	mirror_fini(&m);
	munmap(raw, 2 * N * PG);
}

/*
 * The GPU's service path: a fault batch coalesced into windows written
 * straight into the DMA map's pfn_list (hmm_coalesce_peek() gives the
 * slice), faulted and DMA-mapped; the sticky DMA_MAPPED flags of pages
 * mapped before survive, so those are only refreshed.
 */
static void test_coalesced_windows_into_map(void **state)
{
	enum { N = 32, WIN = 16 };
	char *raw = map_anon(N + WIN, PROT_READ | PROT_WRITE);
	char *p = (char *)(((uintptr_t)raw + WIN * PG - 1) &
			   ~(uintptr_t)(WIN * PG - 1));
	struct hmm_fault_record recs[] = {
		{ (uintptr_t)p + 20 * PG + 8, HMM_FAULT_WRITE, 0 },
		{ (uintptr_t)p + 3 * PG, HMM_FAULT_READ, 0 },
		{ (uintptr_t)p + 3 * PG + 64, HMM_FAULT_ATOMIC, 0 },
		{ (uintptr_t)p + 5 * PG, HMM_FAULT_PREFETCH, 0 },
	};
	struct hmm_fault_window w;
	struct hmm_coalesce c;
	struct mirror m;
	unsigned long s, e;
	size_t windows = 0;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	/* Page 5 was mapped earlier (read-only prefetch). */
	assert_int_equal(mirror_fault(&m, 5, 1, HMM_PFN_REQ_FAULT), 1);
	assert_int_equal(hmm_coalesce_init(&c, recs, 4, WIN * PG, m.map.start,
					   m.map.end), 0);
	while (hmm_coalesce_peek(&c, &s, &e) == 1) {
		size_t first = (s - m.map.start) / PG;
		struct hmm_range r;
		long n;

		assert_int_equal(hmm_coalesce_next(&c, &w,
						   m.map.pfn_list + first,
						   N - first), 1);
		r = hmm_fault_window_range(&w, &m.notifier, NULL);
		r.notifier_seq = mmu_interval_read_begin(&m.notifier);
		assert_int_equal(hmm_range_fault(&r), 0);
		pthread_mutex_lock(&m.lock);
		assert_false(mmu_interval_read_retry(&m.notifier,
						     r.notifier_seq));
		n = hmm_dma_map_range(&m.map, &r);
		pthread_mutex_unlock(&m.lock);
		/* Every VALID entry of the window, faulted or snapshot. */
		{
			long valid = 0;
			size_t k;

			for (k = 0; k < w.npages; k++)
				valid += (w.hmm_pfns[k] & HMM_PFN_VALID) &&
					 (w.hmm_pfns[k] & HMM_PFN_DMA_MAPPED);
			assert_int_equal(n, valid);
			assert_int_equal(n, windows == 0 ? 2 : 1);
		}
		windows++;
	}
	assert_int_equal(windows, 2);
	assert_int_equal(c.stats.unique_pages, 3);
	assert_true(m.map.pfn_list[3] & HMM_PFN_WRITE);
	assert_true(m.map.pfn_list[20] & HMM_PFN_WRITE);
	assert_true(m.map.pfn_list[5] & HMM_PFN_DMA_MAPPED);
	assert_true(m.map.stats.refreshed >= 1);	/* page 5 */
	assert_true(iommu_iova_to_pte(m.domain, hmm_dma_iova(&m.map, 3)) &
		    IOMMU_PTE_WRITE);
	assert_true(iommu_iova_to_pte(m.domain, hmm_dma_iova(&m.map, 20)) &
		    IOMMU_PTE_WRITE);
	mirror_fini(&m);
	munmap(raw, (N + WIN) * PG);
}

static void test_bad_input(void **state)
{
	enum { N = 8 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	unsigned long s = (unsigned long)p;
	struct hmm_dma_map other;
	struct hmm_range r;
	struct mirror m;
	uint64_t iova;
	bool d;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(hmm_dma_map_alloc(NULL, m.domain, m.mm, s, s + PG),
			 -EINVAL);
	assert_int_equal(hmm_dma_map_alloc(&other, NULL, m.mm, s, s + PG),
			 -EINVAL);
	assert_int_equal(hmm_dma_map_alloc(&other, m.domain, NULL, s, s + PG),
			 -EINVAL);
	assert_int_equal(hmm_dma_map_alloc(&other, m.domain, m.mm, s + 1,
					   s + PG), -EINVAL);
	assert_int_equal(hmm_dma_map_alloc(&other, m.domain, m.mm, s, s),
			 -EINVAL);
	assert_int_equal(hmm_dma_map_alloc(&other, m.domain, m.mm, s + PG, s),
			 -EINVAL);
	assert_int_equal(hmm_dma_map_alloc(&other, m.domain, m.mm, 0,
					   ~0ul & ~(PG - 1)), -EINVAL);

	r = (struct hmm_range){
		.start = s,
		.end = s + N * PG,
		.hmm_pfns = m.map.pfn_list,
	};
	assert_int_equal(hmm_dma_map_range(NULL, &r), -EINVAL);
	assert_int_equal(hmm_dma_map_range(&m.map, NULL), -EINVAL);
	r.hmm_pfns = m.map.pfn_list + 1;	/* not the matching slice */
	assert_int_equal(hmm_dma_map_range(&m.map, &r), -EINVAL);
	r.hmm_pfns = m.map.pfn_list;
	r.end = s + (N + 1) * PG;		/* beyond the map */
	assert_int_equal(hmm_dma_map_range(&m.map, &r), -EINVAL);
	r.end = s + N * PG + 1;
	assert_int_equal(hmm_dma_map_range(&m.map, &r), -EINVAL);
	r.start = s - PG;
	r.end = s + PG;
	assert_int_equal(hmm_dma_map_range(&m.map, &r), -EINVAL);

	assert_int_equal(hmm_dma_map_pfn(&m.map, N, &iova), -EINVAL);
	assert_int_equal(hmm_dma_map_pfn(&m.map, 0, NULL), -EINVAL);
	assert_int_equal(hmm_dma_map_pfn(NULL, 0, &iova), -EINVAL);
	assert_int_equal(hmm_dma_map_pfn(&m.map, 0, &iova), -EINVAL); /* !VALID */
	m.map.pfn_list[0] = HMM_PFN_VALID | HMM_PFN_ERROR;
	assert_int_equal(hmm_dma_map_pfn(&m.map, 0, &iova), -EINVAL);
	m.map.pfn_list[0] = HMM_PFN_VALID | (s >> HMM_PAGE_SHIFT);
	assert_int_equal(hmm_dma_map_pfn(&m.map, 0, &iova), 0);
	assert_int_equal(iova, m.map.iova);

	assert_int_equal(hmm_dma_unmap_range(&m.map, s, s + PG, 2, NULL),
			 -EINVAL);
	assert_int_equal(hmm_dma_unmap_range(&m.map, s, s + (N + 1) * PG, 0,
					     NULL), -EINVAL);
	assert_int_equal(hmm_dma_unmap_range(NULL, s, s + PG, 0, NULL),
			 -EINVAL);
	assert_false(hmm_dma_unmap_pfn(&m.map, N, false, &d));
	assert_false(hmm_dma_unmap_pfn(NULL, 0, false, NULL));
	assert_int_equal(hmm_dma_iova(&m.map, N), 0);
	assert_int_equal(hmm_dma_iova(NULL, 0), 0);

	/* A DMA_MAPPED flag the caller forged does not corrupt counts. */
	m.map.pfn_list[3] |= HMM_PFN_DMA_MAPPED;
	assert_int_equal(hmm_dma_unmap_range(&m.map, s, s + N * PG, 0, NULL),
			 2);
	assert_int_equal(m.map.nr_mapped, 0);
	assert_int_equal(iommu_pt_check(m.domain), 0);

	mirror_fini(&m);
	hmm_dma_map_free(&m.map, NULL);	/* twice is harmless */
	hmm_dma_map_free(NULL, NULL);
	munmap(p, N * PG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_mirrored_range),
		cmocka_unit_test(test_readonly_mapping),
		cmocka_unit_test(test_refresh_keeps_iova),
		cmocka_unit_test(test_dirty_on_unmap),
		cmocka_unit_test(test_dirty_file_shared),
		cmocka_unit_test(test_invalidation_unmaps),
		cmocka_unit_test(test_munmap_unmaps),
		cmocka_unit_test(test_ebusy_after_invalidation),
		cmocka_unit_test(test_released_mm),
		cmocka_unit_test(test_fallback_per_page_iova),
		cmocka_unit_test(test_device_private_host),
		cmocka_unit_test(test_thp_range),
		cmocka_unit_test(test_coalesced_windows_into_map),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
