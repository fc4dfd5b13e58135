/* SPDX-License-Identifier: MIT */
/*
 * hmm.c - hmm_range_fault(): snapshot the CPU page tables of a range and
 * fault in what the caller asks for.
 *
 * DOC: Overview
 *
 * Linux's hmm_range_fault() walks the page tables under mmap_lock and calls
 * handle_mm_fault() for entries whose request the CPU mapping does not
 * satisfy. From userspace we see the page tables through
 * /proc/self/pagemap and fault with madvise(MADV_POPULATE_READ/WRITE),
 * which reaches the same handle_mm_fault() through get_user_pages():
 *
 * 1. The request of entry i is req = (hmm_pfns[i] & pfn_flags_mask) |
 *    default_flags. If neither default_flags nor pfn_flags_mask contains
 *    HMM_PFN_REQ_FAULT the call is a pure snapshot and never faults.
 * 2. One pread() of the pagemap entries of the whole range gives presence
 *    (bit 63) and, for root, the page frame number (bits 0-54).
 * 3. Entries are grouped into maximal runs of the same need, in address
 *    order (Linux fails at the first bad address, so do we):
 *    - REQ_FAULT|REQ_WRITE: pagemap cannot show write permission, so every
 *      such run gets one MADV_POPULATE_WRITE. It breaks COW and replaces
 *      the zero page; on an already writable page it only walks. Success
 *      means the CPU maps the run writable: VALID|WRITE.
 *    - REQ_FAULT on absent pages: one MADV_POPULATE_READ: VALID.
 *    - otherwise a snapshot: present -> VALID (WRITE unknown, so left
 *      clear: a device that needs to write asks with REQ_WRITE), absent in
 *      a VMA -> 0, outside every VMA -> HMM_PFN_ERROR.
 *    Runs that faulted are re-read from the pagemap to report the new
 *    frames. Before every fault the notifier sequence is checked, and a
 *    collision returns -EBUSY (Linux checks before every walk pass).
 * 4. Each entry is stored as (old & HMM_PFN_INOUT_FLAGS) | new, so
 *    HMM_PFN_DMA_MAPPED survives.
 *
 * When every requested page is already present and no write is asked for,
 * the whole call is one pread(); holes are located only for absent,
 * unrequested entries (one msync() to show there are none, PAGEMAP_SCAN to
 * find them otherwise).
 *
 * Error mapping (measured on Linux 6.x):
 *	MADV_POPULATE_* on an address without VMA      ENOMEM -> -EFAULT
 *	MADV_POPULATE_READ, no VM_READ / PFNMAP / IO   EINVAL -> -EFAULT
 *	MADV_POPULATE_WRITE without VM_WRITE           EINVAL -> -EPERM
 *	  (told apart from the previous one by a POPULATE_READ of the run)
 *	SIGBUS/SIGSEGV-class fault, poison            EFAULT/EHWPOISON -> -EFAULT
 *
 * Known differences from Linux, all due to what userspace can observe:
 * - A *present* page of a PROT_NONE mapping looks present in the pagemap;
 *   it is reported VALID instead of 0 (snapshot) or -EFAULT (fault).
 * - The map order is always 0 (pagemap does not expose the PMD mapping).
 * - The "pfn" is the CPU frame number only for root; otherwise the
 *   virtual page number (see hmm_pfn_to_host()).
 * - dev_private_owner is ignored: there are no device-private pages yet.
 *
 * DOC: Locking
 *
 * No locks of its own. The pagemap file descriptor is opened once and
 * published with a compare-and-swap; a fork child closes its inherited copy
 * (it describes the parent's address space) and opens its own on first
 * use. The caller does not hold the notifier's mm lock (there is no mmap
 * lock to hold in userspace); concurrent CPU changes are caught by the
 * notifier sequence, as in Linux.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hmm/hmm.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* /proc/self/pagemap entry (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

/*
 * PAGEMAP_SCAN (Linux 6.7, include/uapi/linux/fs.h). Debian's headers
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
#define HMM_PAGE_IS_PRESENT (1ull << 3)

/* Highest user address + 1 on any 5-level paging configuration. */
#define HMM_USER_VA_END (1ul << 57)

/* Pagemap entries read into a stack buffer before falling back to malloc. */
#define HMM_PM_STACK 512

#define HMM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* The pagemap file */

static atomic_int hmm_pagemap_fd = -1;
static pthread_once_t hmm_atfork_once = PTHREAD_ONCE_INIT;

static void hmm_atfork_child(void)
{
	int fd = atomic_exchange(&hmm_pagemap_fd, -1);

	if (fd >= 0)
		close(fd);
}

static void hmm_atfork_register(void)
{
	pthread_atfork(NULL, NULL, hmm_atfork_child);
}

/* Return: the pagemap fd, or -1 if it cannot be opened (then retried). */
static int hmm_pagemap(void)
{
	int fd = atomic_load_explicit(&hmm_pagemap_fd, memory_order_acquire);
	int expected = -1;

	if (fd >= 0)
		return fd;
	pthread_once(&hmm_atfork_once, hmm_atfork_register);
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!atomic_compare_exchange_strong(&hmm_pagemap_fd, &expected, fd)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

/*
 * hmm_pagemap_read() - pagemap entries of @npages pages from @addr. What
 * cannot be read (no pagemap, beyond the address space) reads as 0, "not
 * present", which only makes us fault or look for holes.
 */
static void hmm_pagemap_read(uint64_t *pm, unsigned long addr,
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

/* ---------------------------------------------------------------------- */
/* Entries */

static uint64_t hmm_request(const struct hmm_range *range, unsigned long i)
{
	return (range->hmm_pfns[i] & range->pfn_flags_mask) |
	       range->default_flags;
}

/* The frame reported for a page: the CPU's when visible, else the VPN. */
static uint64_t hmm_frame(unsigned long addr, uint64_t pme)
{
	uint64_t pfn = (pme & PM_PRESENT) ? (pme & PM_PFN_MASK) : 0;

	if (!pfn)
		pfn = addr >> HMM_PAGE_SHIFT;
	return pfn & ~HMM_PFN_FLAGS;
}

static void hmm_store(uint64_t *entry, uint64_t val)
{
	*entry = (*entry & HMM_PFN_INOUT_FLAGS) | val;
}

static unsigned long hmm_addr(const struct hmm_range *range, unsigned long i)
{
	return range->start + (i << HMM_PAGE_SHIFT);
}

enum hmm_need {
	HMM_NEED_NONE,
	HMM_NEED_READ,
	HMM_NEED_WRITE,
};

/* Linux's hmm_pte_need_fault(), with write permission always unknown. */
static enum hmm_need hmm_pte_need_fault(uint64_t req, uint64_t pme)
{
	if (!(req & HMM_PFN_REQ_FAULT))
		return HMM_NEED_NONE;
	if (req & HMM_PFN_REQ_WRITE)
		return HMM_NEED_WRITE;
	return (pme & PM_PRESENT) ? HMM_NEED_NONE : HMM_NEED_READ;
}

/* ---------------------------------------------------------------------- */
/* Faulting */

static int hmm_madvise(unsigned long addr, unsigned long len, int advice)
{
	int ret;

	do
		ret = madvise((void *)addr, len, advice);
	while (ret && errno == EINTR);
	return ret ? -errno : 0;
}

/* hmm_populate() - fault [addr, addr + len) in; Linux's error codes. */
static int hmm_populate(unsigned long addr, unsigned long len, bool write)
{
	int err = hmm_madvise(addr, len, write ? MADV_POPULATE_WRITE :
						 MADV_POPULATE_READ);

	switch (err) {
	case 0:
		return 0;
	case -EINVAL:
		/*
		 * Incompatible VMA: no VM_READ or VM_IO/PFNMAP (Linux: -EFAULT)
		 * or, for a write, no VM_WRITE (Linux: -EPERM). If the run
		 * reads fine, it was the write permission.
		 */
		if (write && hmm_madvise(addr, len, MADV_POPULATE_READ) == 0)
			return -EPERM;
		return -EFAULT;
	case -ENOMEM:	/* no VMA, or out of memory (VM_FAULT_OOM) */
	case -EFAULT:	/* VM_FAULT_SIGBUS / SIGSEGV */
	default:	/* -EHWPOISON and anything new */
		return -EFAULT;
	}
}

static bool hmm_range_collided(const struct hmm_range *range)
{
	return range->notifier &&
	       mmu_interval_check_retry(range->notifier, range->notifier_seq);
}

/*
 * hmm_fault_run() - fault entries [first, last) in and report them. The
 * pagemap of the run is read again for the frames the fault installed.
 */
static int hmm_fault_run(struct hmm_range *range, uint64_t *pm,
			 unsigned long first, unsigned long last, bool write)
{
	unsigned long addr = hmm_addr(range, first);
	unsigned long i;
	uint64_t flags = HMM_PFN_VALID | (write ? HMM_PFN_WRITE : 0);
	int ret;

	if (hmm_range_collided(range))
		return -EBUSY;
	ret = hmm_populate(addr, (last - first) << HMM_PAGE_SHIFT, write);
	if (ret)
		return ret;
	hmm_pagemap_read(pm + first, addr, last - first);
	/*
	 * A page reclaimed right after the fault is still mapped by the CPU
	 * and the device reaches it through the CPU address, so it stays
	 * VALID; only the frame falls back to the virtual page number.
	 */
	for (i = first; i < last; i++)
		hmm_store(&range->hmm_pfns[i],
			  flags | hmm_frame(hmm_addr(range, i), pm[i]));
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Holes */

static void hmm_store_range(struct hmm_range *range, unsigned long first,
			    unsigned long last, uint64_t val)
{
	unsigned long i;

	for (i = first; i < last; i++)
		hmm_store(&range->hmm_pfns[i], val);
}

/* True when [addr, addr + len) contains no hole (msync: ENOMEM on holes). */
static bool hmm_fully_mapped(unsigned long addr, unsigned long len)
{
	return msync((void *)addr, len, MS_ASYNC) == 0 || errno != ENOMEM;
}

static unsigned long hmm_index(const struct hmm_range *range, uint64_t addr)
{
	if (addr <= range->start)
		return 0;
	return (unsigned long)((addr - range->start) >> HMM_PAGE_SHIFT);
}

/*
 * hmm_scan_holes() - PAGEMAP_SCAN reports every page inside a VMA (except
 * VM_PFNMAP ones, which Linux's HMM rejects too) and skips holes: what it
 * does not report is ERROR.
 * Return: 0, or -errno when the kernel lacks PAGEMAP_SCAN.
 */
static int hmm_scan_holes(struct hmm_range *range, unsigned long first,
			  unsigned long last)
{
	struct hmm_page_region regs[16];
	uint64_t cur = hmm_addr(range, first), end = hmm_addr(range, last);
	int fd = hmm_pagemap();

	if (fd < 0)
		return -ENOTTY;
	while (cur < end) {
		struct hmm_pm_scan_arg arg = {
			.size = sizeof(arg),
			.start = cur,
			.end = end,
			.vec = (uint64_t)(uintptr_t)regs,
			.vec_len = HMM_ARRAY_SIZE(regs),
			.return_mask = HMM_PAGE_IS_PRESENT,
		};
		int n, k;

		n = ioctl(fd, HMM_PAGEMAP_SCAN, &arg);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (arg.walk_end <= cur || arg.walk_end > end)
			arg.walk_end = end;
		/* In [cur, walk_end) everything not reported is a hole. */
		for (k = 0; k < n; k++) {
			hmm_store_range(range, hmm_index(range, cur),
					hmm_index(range, regs[k].start),
					HMM_PFN_ERROR);
			hmm_store_range(range, hmm_index(range, regs[k].start),
					hmm_index(range, regs[k].end), 0);
			cur = regs[k].end;
		}
		hmm_store_range(range, hmm_index(range, cur),
				hmm_index(range, arg.walk_end), HMM_PFN_ERROR);
		cur = arg.walk_end;
	}
	return 0;
}

/*
 * hmm_fill_absent() - entries [first, last) are absent and not faulted:
 * 0 inside a VMA, HMM_PFN_ERROR in a hole (Linux: no VMA and no fault
 * requested).
 */
static void hmm_fill_absent(struct hmm_range *range, unsigned long first,
			    unsigned long last)
{
	unsigned long i;

	if (hmm_fully_mapped(hmm_addr(range, first),
			     (last - first) << HMM_PAGE_SHIFT)) {
		hmm_store_range(range, first, last, 0);
		return;
	}
	if (hmm_scan_holes(range, first, last) == 0)
		return;
	/* Old kernel: page by page. */
	for (i = first; i < last; i++)
		hmm_store(&range->hmm_pfns[i],
			  hmm_fully_mapped(hmm_addr(range, i), HMM_PAGE_SIZE) ?
			  0 : HMM_PFN_ERROR);
}

/* hmm_snapshot_run() - report entries [first, last) without faulting. */
static void hmm_snapshot_run(struct hmm_range *range, const uint64_t *pm,
			     unsigned long first, unsigned long last)
{
	unsigned long i = first, j;

	while (i < last) {
		if (pm[i] & PM_PRESENT) {
			hmm_store(&range->hmm_pfns[i],
				  HMM_PFN_VALID |
				  hmm_frame(hmm_addr(range, i), pm[i]));
			i++;
			continue;
		}
		for (j = i + 1; j < last && !(pm[j] & PM_PRESENT); j++)
			;
		hmm_fill_absent(range, i, j);
		i = j;
	}
}

/* ---------------------------------------------------------------------- */

static int hmm_range_check(const struct hmm_range *range)
{
	if (!range || !range->hmm_pfns)
		return -EINVAL;
	if (range->start >= range->end)
		return -EINVAL;
	if ((range->start | range->end) & (HMM_PAGE_SIZE - 1))
		return -EINVAL;
	/* Beyond any user address space: index arithmetic would overflow. */
	if (range->end > HMM_USER_VA_END)
		return -EINVAL;
	return 0;
}

static enum hmm_need hmm_need_of(const struct hmm_range *range,
				 const uint64_t *pm, unsigned long i,
				 bool may_fault)
{
	if (!may_fault)
		return HMM_NEED_NONE;
	return hmm_pte_need_fault(hmm_request(range, i), pm[i]);
}

int hmm_range_fault(struct hmm_range *range)
{
	uint64_t stack_pm[HMM_PM_STACK];
	uint64_t *pm = stack_pm;
	unsigned long npages, i, j;
	bool may_fault;
	int ret;

	ret = hmm_range_check(range);
	if (ret)
		return ret;
	npages = (range->end - range->start) >> HMM_PAGE_SHIFT;
	if (npages > HMM_ARRAY_SIZE(stack_pm)) {
		pm = malloc(npages * sizeof(*pm));
		if (!pm)
			return -ENOMEM;
	}

	if (hmm_range_collided(range)) {
		ret = -EBUSY;
		goto out_free;
	}
	hmm_pagemap_read(pm, range->start, npages);

	may_fault = (range->default_flags | range->pfn_flags_mask) &
		    HMM_PFN_REQ_FAULT;
	for (i = 0; i < npages; i = j) {
		enum hmm_need need = hmm_need_of(range, pm, i, may_fault);

		for (j = i + 1; j < npages &&
		     hmm_need_of(range, pm, j, may_fault) == need; j++)
			;
		if (need == HMM_NEED_NONE) {
			hmm_snapshot_run(range, pm, i, j);
			continue;
		}
		ret = hmm_fault_run(range, pm, i, j, need == HMM_NEED_WRITE);
		if (ret)
			goto out_free;
	}
	ret = 0;

out_free:
	if (pm != stack_pm)
		free(pm);
	return ret;
}
