/* SPDX-License-Identifier: MIT */
/*
 * hmm_pagemap.c - the CPU page table entries of a range, as userspace can
 * read them.
 *
 * DOC: Overview
 *
 * Linux's hmm_range_fault() reads PTEs and PMDs directly. From userspace:
 *
 * - /proc/self/pagemap gives, per 4 KiB page, presence, swap, "file or
 *   shared anonymous", "mapped exclusively" (bit 56), userfaultfd
 *   write-protection (bit 57) and, for CAP_SYS_ADMIN, the page frame. One
 *   pread() covers a whole range: this is the fast path.
 * - The PAGEMAP_SCAN ioctl (Linux 6.7) adds what the pagemap does not say:
 *   PAGE_IS_HUGE (the page is mapped by a PMD or is hugetlb) and
 *   PAGE_IS_PFNZERO (the zero page, or the huge zero page with
 *   PAGE_IS_HUGE).
 *
 * PAGEMAP_SCAN is not free (about 3 ns per page plus a system call), so it
 * is asked only when the answer can matter. When frames are visible the
 * zero page is recognised by its frame, learned once from a page that was
 * only read, and a PMD mapping is only possible for an aligned run of
 * consecutive frames (frame - virtual page number a multiple of 512, the
 * same for every page of the 2 MiB block): only such runs are scanned.
 * Without frames every present page is scanned, in one call.
 *
 * DOC: Locking
 *
 * No locks. The pagemap fd is opened once and published with a
 * compare-and-swap; the facts of &struct hmm_pagemap_info are learned under
 * pthread_once; "PAGEMAP_SCAN is unsupported" is a relaxed atomic flag. A
 * fork child drops its inherited fd (it describes the parent's address
 * space) and opens its own on first use.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hmm/hmm.h"
#include "hmm/hmm_internal.h"

/*
 * PAGEMAP_SCAN (include/uapi/linux/fs.h, Linux 6.7). Debian's headers
 * predate it; private names keep us clear of newer headers.
 */
struct hmm_page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};

struct hmm_pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};

#define HMM_PAGEMAP_SCAN _IOWR('f', 16, struct hmm_pm_scan_arg)
#define HMM_PAGE_IS_PFNZERO (1ull << 5)
#define HMM_PAGE_IS_HUGE (1ull << 6)

#define HMM_SCAN_VEC 32

static atomic_int hmm_pagemap_fd = -1;
static pthread_once_t hmm_pagemap_atfork_once = PTHREAD_ONCE_INIT;
static atomic_bool hmm_scan_unsupported;

static pthread_once_t hmm_pagemap_info_once = PTHREAD_ONCE_INIT;
static struct hmm_pagemap_info hmm_pm_info = {
	.zero_pfn = HMM_ZERO_PFN_HIDDEN,
};

void hmm_pagemap_forget_fd(void)
{
	int fd = atomic_exchange(&hmm_pagemap_fd, -1);

	if (fd >= 0)
		close(fd);
}

static void hmm_pagemap_atfork_register(void)
{
	pthread_atfork(NULL, NULL, hmm_pagemap_forget_fd);
}

/* Return: the pagemap fd, or -1 if it cannot be opened (then retried). */
static int hmm_pagemap(void)
{
	int fd = atomic_load_explicit(&hmm_pagemap_fd, memory_order_acquire);
	int expected = -1;

	if (fd >= 0)
		return fd;
	pthread_once(&hmm_pagemap_atfork_once, hmm_pagemap_atfork_register);
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!atomic_compare_exchange_strong(&hmm_pagemap_fd, &expected, fd)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

static void hmm_pagemap_pread(uint64_t *pm, unsigned long addr,
			      unsigned long npages)
{
	size_t want = npages * sizeof(*pm), got = 0;
	off_t off = (off_t)(addr >> HMM_PAGE_SHIFT) * (off_t)sizeof(*pm);
	int fd = hmm_pagemap();

	while (fd >= 0 && got < want) {
		ssize_t n = pread(fd, (char *)pm + got, want - got,
				  off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < want)
		memset((char *)pm + got, 0, want - got);
}

void hmm_pagemap_read(uint64_t *pm, unsigned long addr, unsigned long npages)
{
	unsigned long i;

	hmm_pagemap_pread(pm, addr, npages);
	/* Today's kernels return 0 there; tomorrow's must not confuse us. */
	for (i = 0; i < npages; i++)
		pm[i] &= ~HMM_PM_SCRATCH;
}

/*
 * The zero page's frame: read (never write) a fresh private anonymous page
 * and look. A written page next to it tells whether frames are visible at
 * all (a zero frame means "hidden").
 */
static void hmm_pagemap_learn(void)
{
	uint64_t pm[2];
	volatile char *p;

	p = mmap(NULL, 2 * HMM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	(void)p[HMM_PAGE_SIZE];
	hmm_pagemap_pread(pm, (unsigned long)p, 2);
	munmap((void *)p, 2 * HMM_PAGE_SIZE);

	if (!(pm[0] & HMM_PM_PRESENT) || !(pm[0] & HMM_PM_PFN_MASK))
		return;
	hmm_pm_info.pfns_visible = true;
	if ((pm[1] & HMM_PM_PRESENT) && (pm[1] & HMM_PM_PFN_MASK) &&
	    (pm[1] & HMM_PM_PFN_MASK) != (pm[0] & HMM_PM_PFN_MASK))
		hmm_pm_info.zero_pfn = pm[1] & HMM_PM_PFN_MASK;
}

const struct hmm_pagemap_info *hmm_pagemap_info(void)
{
	pthread_once(&hmm_pagemap_info_once, hmm_pagemap_learn);
	return &hmm_pm_info;
}

/*
 * hmm_pagemap_scan() - ask PAGEMAP_SCAN which pages of entries [first, last)
 * are huge or the zero page, and mark them.
 */
static void hmm_pagemap_scan(uint64_t *pm, unsigned long addr,
			     unsigned long first, unsigned long last)
{
	struct hmm_page_region regs[HMM_SCAN_VEC];
	uint64_t cur = addr + (first << HMM_PAGE_SHIFT);
	uint64_t end = addr + (last << HMM_PAGE_SHIFT);
	int fd = hmm_pagemap();

	if (fd < 0 || atomic_load_explicit(&hmm_scan_unsupported,
					   memory_order_relaxed))
		return;
	while (cur < end) {
		struct hmm_pm_scan_arg arg = {
			.size = sizeof(arg),
			.start = cur,
			.end = end,
			.vec = (uint64_t)(uintptr_t)regs,
			.vec_len = HMM_SCAN_VEC,
			.category_anyof_mask = HMM_PAGE_IS_HUGE |
					       HMM_PAGE_IS_PFNZERO,
			.return_mask = HMM_PAGE_IS_HUGE | HMM_PAGE_IS_PFNZERO,
		};
		int n, k;

		n = ioctl(fd, HMM_PAGEMAP_SCAN, &arg);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == ENOTTY || errno == EINVAL)
				atomic_store_explicit(&hmm_scan_unsupported,
						      true,
						      memory_order_relaxed);
			return;
		}
		for (k = 0; k < n; k++) {
			uint64_t flag = (regs[k].categories & HMM_PAGE_IS_HUGE) ?
					HMM_PM_HUGE : HMM_PM_ZERO;
			unsigned long i = (regs[k].start - addr) >> HMM_PAGE_SHIFT;
			unsigned long j = (regs[k].end - addr) >> HMM_PAGE_SHIFT;

			if (regs[k].start < cur || regs[k].end > end)
				continue;	/* never, but stay in bounds */
			for (; i < j; i++)
				if (pm[i] & HMM_PM_PRESENT)
					pm[i] |= flag;
		}
		if (arg.walk_end <= cur || arg.walk_end > end)
			break;
		cur = arg.walk_end;
	}
}

/*
 * hmm_block_may_be_pmd() - could entries [i, bend) of one 2 MiB block be
 * mapped by a PMD? Every page must be present, and the frame minus the
 * virtual page number must be the same 512-aligned value for all of them.
 */
static bool hmm_block_may_be_pmd(const uint64_t *pm, unsigned long vpn0,
				 unsigned long i, unsigned long bend,
				 uint64_t zero_pfn)
{
	uint64_t delta = (pm[i] & HMM_PM_PFN_MASK) - (vpn0 + i);
	unsigned long k;

	if (delta & (HMM_PMD_PAGES - 1))
		return false;
	for (k = i; k < bend; k++) {
		uint64_t pfn = pm[k] & HMM_PM_PFN_MASK;

		if (!(pm[k] & HMM_PM_PRESENT) || pfn == zero_pfn ||
		    pfn - (vpn0 + k) != delta)
			return false;
	}
	return true;
}

void hmm_pagemap_annotate(uint64_t *pm, unsigned long addr,
			  unsigned long npages)
{
	const struct hmm_pagemap_info *info = hmm_pagemap_info();
	/* A local: stores to pm[] could alias *info. */
	const uint64_t zero = HMM_PM_PRESENT | info->zero_pfn;
	unsigned long vpn0 = addr >> HMM_PAGE_SHIFT;
	unsigned long i, bend, run_start = 0;
	bool in_run = false;

	if (!info->pfns_visible) {
		unsigned long first = npages, last = 0;

		for (i = 0; i < npages; i++) {
			if (!(pm[i] & HMM_PM_PRESENT))
				continue;
			if (first == npages)
				first = i;
			last = i + 1;
		}
		if (first < last)
			hmm_pagemap_scan(pm, addr, first, last);
		return;
	}

	for (i = 0; i < npages; i = bend) {
		unsigned long k;

		bend = i + HMM_PMD_PAGES - ((vpn0 + i) & (HMM_PMD_PAGES - 1));
		if (bend > npages)
			bend = npages;
		if (hmm_block_may_be_pmd(pm, vpn0, i, bend, info->zero_pfn)) {
			if (!in_run)
				run_start = i;
			in_run = true;
			continue;
		}
		if (in_run)
			hmm_pagemap_scan(pm, addr, run_start, i);
		in_run = false;
		for (k = i; k < bend; k++)
			if ((pm[k] & (HMM_PM_PRESENT | HMM_PM_PFN_MASK)) == zero)
				pm[k] |= HMM_PM_ZERO;
	}
	if (in_run)
		hmm_pagemap_scan(pm, addr, run_start, npages);
}
