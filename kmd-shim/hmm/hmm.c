/* SPDX-License-Identifier: MIT */
/*
 * hmm.c - hmm_range_fault(): report what the CPU maps in a range and fault
 * in what the caller asks for.
 *
 * DOC: Overview
 *
 * Linux's hmm_range_fault() walks the page tables and calls
 * handle_mm_fault() for the entries whose request the CPU mapping does not
 * satisfy. From userspace the page tables are read through the pagemap
 * (hmm_pagemap.c), the VMAs through PROCMAP_QUERY (hmm_vma.c), and pages
 * are faulted with madvise(MADV_POPULATE_READ/WRITE), which reaches the
 * same handle_mm_fault() through get_user_pages(). One call:
 *
 * 1. Check the notifier sequence (-EBUSY on a collision, as Linux checks
 *    before every walk pass), read the pagemap entries of the whole range
 *    with one pread(), and mark huge and zero pages (PAGEMAP_SCAN, only
 *    where it can matter).
 * 2. Walk the range VMA by VMA (one PROCMAP_QUERY each) and give every
 *    entry its CPU state:
 *	no VMA					ERROR
 *	VMA without VM_READ (PROT_NONE)		ERROR, even if pages are present
 *	absent, swapped, or a device-private
 *	  page of another owner			0
 *	device-private page of
 *	  range->dev_private_owner		VALID|DEVICE_PRIVATE[|WRITE],
 *						frame of the device page
 *	present					VALID[|WRITE], order, frame
 *    WRITE for a present page follows the PTE as closely as userspace can
 *    see it: the VMA is writable, the page is not the zero page nor
 *    write-protected by userfaultfd, and either the VMA is shared or the
 *    page is an anonymous page mapped by this process only (pagemap bit
 *    56: not shared with a fork child, which is what COW write-protects).
 *    The order is 9 for a PMD-mapped THP and the hugetlb page order in a
 *    hugetlb VMA, 0 otherwise.
 * 3. The request of entry i is (hmm_pfns[i] & pfn_flags_mask) |
 *    default_flags (seed 004); without HMM_PFN_REQ_FAULT in either the
 *    call is a pure snapshot. Linux's hmm_pte_need_fault(): a request for
 *    a hole or an unreadable VMA is -EFAULT; a write request in a VMA
 *    without VM_WRITE is -EPERM; an absent page, or a write request on a
 *    page the CPU does not map writable, is faulted; a device-private page
 *    of the caller never is. Maximal runs of entries with the same need,
 *    within one VMA, get one MADV_POPULATE_READ/WRITE each, in address
 *    order (the first error ends the call, as in Linux), and are then read
 *    again from the pagemap for their new frames.
 * 4. If anything was faulted the sequence is checked once more: Linux's
 *    walk re-runs after a fault, and that pass starts with the check.
 * 5. The results go to hmm_pfns only when the call succeeds (checked by
 *    hmm_check_results() in SVMCL_DEBUG_CHECKS builds), each stored
 *    as (old & HMM_PFN_INOUT_FLAGS) | new so that HMM_PFN_DMA_MAPPED
 *    survives. On an error the array still holds the requests, so a retry
 *    after -EBUSY asks exactly what the first attempt asked.
 *
 * Populated memory with no write request is thus one pread(), one
 * PROCMAP_QUERY per VMA, and a PAGEMAP_SCAN only for 2 MiB blocks that may
 * be a THP (docs/hmm.md has the measured cost).
 *
 * Error mapping of MADV_POPULATE_* (measured on Linux 6.x):
 *	no VMA (concurrent munmap)		ENOMEM -> -EFAULT
 *	VM_IO / VM_PFNMAP / no VM_READ		EINVAL -> -EFAULT
 *	write without VM_WRITE			EINVAL -> -EPERM
 *	  (told apart from the previous one by a POPULATE_READ of the run)
 *	SIGBUS / SIGSEGV-class, poison		EFAULT, EHWPOISON -> -EFAULT
 *
 * What userspace cannot see, and what is done about it, is in docs/hmm.md:
 * a PTE made read-only or PROT_NONE behind the VMA's back (soft-dirty,
 * NUMA hinting, KSM), clean shared file pages awaiting write-notify, and
 * VM_IO/VM_PFNMAP mappings in a snapshot.
 *
 * DOC: Locking
 *
 * No locks of its own (see hmm_pagemap.c and hmm_vma.c for their fds).
 * The caller does not hold an mmap lock (there is none to hold in
 * userspace); a CPU change that races with the walk is caught by the
 * notifier sequence, as in Linux, and the caller commits only after
 * mmu_interval_read_retry() under its own update lock.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "hmm/hmm.h"
#include "hmm/hmm_internal.h"
#include "hmm/migrate.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#if !defined(SVMCL_DEBUG_CHECKS)
#define SVMCL_DEBUG_CHECKS 0
#endif

/* Highest user address + 1 on any 5-level paging configuration. */
#define HMM_USER_VA_END (1ul << 57)

/* Pagemap entries read into a stack buffer (one 2 MiB window). */
#define HMM_PM_STACK 512

/* What the CPU maps at one entry. */
enum hmm_cpu_state {
	HMM_CPU_HOLE,		/* no VMA */
	HMM_CPU_NOACCESS,	/* VMA without VM_READ */
	HMM_CPU_NONE,		/* nothing mapped (absent, swapped, foreign) */
	HMM_CPU_PRESENT,
	HMM_CPU_DEVICE,		/* device-private page of the caller */
};

enum hmm_need {
	HMM_NEED_NONE,
	HMM_NEED_READ,
	HMM_NEED_WRITE,
	HMM_NEED_EFAULT,	/* fault requested where nothing can be mapped */
};

/*
 * struct hmm_walk - one hmm_range_fault() call.
 * @pm: pagemap entries on the way in; entry i becomes the result of entry i
 *	once it is decided, and the array is copied to hmm_pfns at the end.
 * @vma: the segment (VMA or hole) looked up last.
 * @faulted: a fault ran, so the sequence must be checked again at the end.
 * @no_devmem: no page can be a device page of the caller (no owner, or
 *	nothing of the mm migrated when the walk began): absent is absent.
 */
struct hmm_walk {
	struct hmm_range *range;
	struct mm_struct *mm;
	uint64_t *pm;
	struct hmm_vma vma;
	bool faulted;
	bool no_devmem;
};

/* ---------------------------------------------------------------------- */
/* Entries */

static unsigned long hmm_addr(const struct hmm_range *range, unsigned long i)
{
	return range->start + (i << HMM_PAGE_SHIFT);
}

static uint64_t hmm_request(const struct hmm_range *range, unsigned long i)
{
	return (range->hmm_pfns[i] & range->pfn_flags_mask) |
	       range->default_flags;
}

/*
 * The frame reported for a present page: the zero page's, the CPU's when
 * visible, else the virtual page number (hmm.h: the device reaches pages
 * through their CPU address, the frame is informational).
 */
static uint64_t hmm_frame(unsigned long addr, uint64_t pme)
{
	uint64_t pfn = 0;

	if (pme & HMM_PM_ZERO)
		return hmm_pagemap_info()->zero_pfn;
	if (pme & HMM_PM_PRESENT)
		pfn = pme & HMM_PM_PFN_MASK;
	if (!pfn)
		pfn = addr >> HMM_PAGE_SHIFT;
	return pfn & ~HMM_PFN_FLAGS;
}

/* Would the CPU's PTE for this present page allow a write? (DOC above) */
static bool hmm_pte_writable(const struct hmm_vma *vma, uint64_t pme)
{
	if (!(vma->flags & HMM_VMA_WRITE))
		return false;
	if (pme & (HMM_PM_ZERO | HMM_PM_UFFD_WP))
		return false;
	if (vma->flags & HMM_VMA_SHARED)
		return true;
	return (pme & HMM_PM_EXCLUSIVE) && !(pme & HMM_PM_FILE);
}

static uint64_t hmm_present_entry(const struct hmm_vma *vma,
				  unsigned long addr, uint64_t pme)
{
	uint64_t entry = HMM_PFN_VALID | hmm_frame(addr, pme);
	unsigned int order = 0;

	if (vma->page_shift > HMM_PAGE_SHIFT)
		order = vma->page_shift - HMM_PAGE_SHIFT;
	else if (pme & HMM_PM_HUGE)
		order = HMM_PMD_ORDER;
	entry |= (uint64_t)order << HMM_PFN_ORDER_SHIFT;
	if (hmm_pte_writable(vma, pme))
		entry |= HMM_PFN_WRITE;
	return entry;
}

/*
 * hmm_classify() - the CPU state of entry @i, whose address lies in
 * w->vma, and in *@out what a snapshot reports for it.
 */
static enum hmm_cpu_state hmm_classify(const struct hmm_walk *w,
				       unsigned long i, uint64_t *out)
{
	const struct hmm_range *range = w->range;
	unsigned long addr = hmm_addr(range, i);
	uint64_t pme = w->pm[i];
	struct hmm_devmem_page dp;

	if (w->vma.flags & HMM_VMA_HOLE) {
		*out = HMM_PFN_ERROR;
		return HMM_CPU_HOLE;
	}
	if (!(w->vma.flags & HMM_VMA_READ)) {
		*out = HMM_PFN_ERROR;
		return HMM_CPU_NOACCESS;
	}
	if (pme & HMM_PM_PRESENT) {
		*out = hmm_present_entry(&w->vma, addr, pme);
		return HMM_CPU_PRESENT;
	}
	/*
	 * Only the caller's own device pages differ from "nothing mapped": a
	 * foreign one reads 0 and is faulted (migrated back) like an absent
	 * page, so without an owner there is nothing to look up. The pages
	 * are looked up in the notifier's mm (w->mm, NULL without one).
	 */
	if (range->dev_private_owner && hmm_devmem_lookup(w->mm, addr, &dp) &&
	    dp.owner == range->dev_private_owner) {
		*out = HMM_PFN_VALID | HMM_PFN_DEVICE_PRIVATE |
		       (dp.writable ? HMM_PFN_WRITE : 0) |
		       ((uint64_t)(dp.dev_addr >> HMM_PAGE_SHIFT) & ~HMM_PFN_FLAGS);
		return HMM_CPU_DEVICE;
	}
	*out = 0;
	return HMM_CPU_NONE;
}

/* Linux's hmm_pte_need_fault(), per CPU state. */
static enum hmm_need hmm_need_fault(uint64_t req, enum hmm_cpu_state state,
				    uint64_t cpu)
{
	if (!(req & HMM_PFN_REQ_FAULT))
		return HMM_NEED_NONE;
	switch (state) {
	case HMM_CPU_HOLE:
	case HMM_CPU_NOACCESS:
		return HMM_NEED_EFAULT;
	case HMM_CPU_DEVICE:
		return HMM_NEED_NONE;
	case HMM_CPU_NONE:
		return (req & HMM_PFN_REQ_WRITE) ? HMM_NEED_WRITE :
						   HMM_NEED_READ;
	case HMM_CPU_PRESENT:
	default:
		return ((req & HMM_PFN_REQ_WRITE) && !(cpu & HMM_PFN_WRITE)) ?
		       HMM_NEED_WRITE : HMM_NEED_NONE;
	}
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
 * hmm_fault_run() - fault entries [first, last) of the current VMA in and
 * decide them from the pagemap read again afterwards. The fault succeeded,
 * so whatever the second read shows (a page reclaimed in between is still
 * reachable through its CPU address), the entry is VALID, and WRITE after
 * a write fault.
 */
static int hmm_fault_run(struct hmm_walk *w, unsigned long first,
			 unsigned long last, bool write)
{
	struct hmm_range *range = w->range;
	unsigned long addr = hmm_addr(range, first);
	unsigned long i;
	int ret;

	if (hmm_range_collided(range))
		return -EBUSY;
	ret = hmm_populate(addr, (last - first) << HMM_PAGE_SHIFT, write);
	if (ret)
		return ret;
	w->faulted = true;

	hmm_pagemap_read(w->pm + first, addr, last - first);
	hmm_pagemap_annotate(w->pm + first, addr, last - first);
	for (i = first; i < last; i++) {
		enum hmm_cpu_state state;
		uint64_t cpu;

		state = hmm_classify(w, i, &cpu);
		if (state == HMM_CPU_DEVICE) {
			w->pm[i] = cpu;
			continue;
		}
		if (state != HMM_CPU_PRESENT)
			cpu = HMM_PFN_VALID |
			      hmm_frame(hmm_addr(range, i), w->pm[i]);
		if (write)
			cpu |= HMM_PFN_WRITE;
		w->pm[i] = cpu;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The invariant checker */

#if SVMCL_DEBUG_CHECKS
static void hmm_fail(const struct hmm_range *range, unsigned long i,
		     uint64_t entry, const char *what)
{
	fprintf(stderr, "svmcl hmm: invariant violated: %s (entry %lu at %#lx: "
		"%#llx, request %#llx)\n", what, i, hmm_addr(range, i),
		(unsigned long long)entry,
		(unsigned long long)hmm_request(range, i));
	abort();
}

/*
 * hmm_check_results() - what a successful walk hands back must make sense
 * on its own and answer every request: ERROR alone; WRITE, DEVICE_PRIVATE
 * and an order only on VALID entries; device pages only for an owner; a
 * fault request VALID afterwards, a write request WRITE (or the caller's
 * own device page, which is never faulted).
 */
static void hmm_check_results(const struct hmm_walk *w, unsigned long npages)
{
	const struct hmm_range *range = w->range;
	bool may_fault = (range->default_flags | range->pfn_flags_mask) &
			 HMM_PFN_REQ_FAULT;
	unsigned long i;

	for (i = 0; i < npages; i++) {
		uint64_t e = w->pm[i];
		uint64_t req = may_fault ? hmm_request(range, i) : 0;

		if ((e & HMM_PFN_ERROR) && e != HMM_PFN_ERROR)
			hmm_fail(range, i, e, "ERROR with other bits");
		if (e & HMM_PFN_INOUT_FLAGS)
			hmm_fail(range, i, e, "a sticky input bit in a result");
		if ((e & (HMM_PFN_WRITE | HMM_PFN_DEVICE_PRIVATE)) &&
		    !(e & HMM_PFN_VALID))
			hmm_fail(range, i, e, "WRITE or DEVICE_PRIVATE without VALID");
		if (hmm_pfn_to_map_order(e) && !(e & HMM_PFN_VALID))
			hmm_fail(range, i, e, "an order without VALID");
		if ((e & HMM_PFN_DEVICE_PRIVATE) && !range->dev_private_owner)
			hmm_fail(range, i, e, "a device page without an owner");
		if ((req & HMM_PFN_REQ_FAULT) && !(e & HMM_PFN_VALID))
			hmm_fail(range, i, e, "a requested fault left undone");
		if ((req & HMM_PFN_REQ_FAULT) && (req & HMM_PFN_REQ_WRITE) &&
		    !(e & (HMM_PFN_WRITE | HMM_PFN_DEVICE_PRIVATE)))
			hmm_fail(range, i, e, "a write request without WRITE");
	}
}
#else
static void hmm_check_results(const struct hmm_walk *w, unsigned long npages)
{
	(void)w;
	(void)npages;
}
#endif

/* ---------------------------------------------------------------------- */
/* The walk */

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

#if SVMCL_DEBUG_CHECKS
/* The fast path must decide entry @i exactly as the general one. */
static void hmm_check_present(const struct hmm_walk *w, unsigned long i,
			      uint64_t fast)
{
	enum hmm_cpu_state state;
	uint64_t cpu;

	state = hmm_classify(w, i, &cpu);
	if (state != (fast ? HMM_CPU_PRESENT : HMM_CPU_NONE) || cpu != fast)
		hmm_fail(w->range, i, fast, "fast path differs from hmm_classify");
}
#else
static void hmm_check_present(const struct hmm_walk *w, unsigned long i,
			      uint64_t fast)
{
	(void)w;
	(void)i;
	(void)fast;
}
#endif

/*
 * hmm_walk_present() - the common case of a readable VMA, in one tight
 * loop: entries from @i on whose page is present and whose request (if
 * any) the CPU mapping already satisfies, and, when no page of the mm is
 * on a device (@no_devmem), absent pages that nobody asks to fault.
 * Decides each the way hmm_classify() and hmm_need_fault() would
 * (hmm_present_entry(), with what depends only on the VMA worked out
 * once) and stops at the first entry that needs more: an absent page
 * that may be a device page of the caller or that must be faulted, or a
 * write request on a page the CPU does not map writable. Populated
 * memory, and the absent part of a snapshot, are decided here alone, at
 * a few instructions per page instead of two calls with their branches.
 * Return: the index of the first entry left undecided (@end if none).
 */
static unsigned long hmm_walk_present(struct hmm_walk *w, unsigned long i,
				      unsigned long end, bool may_fault,
				      bool no_devmem)
{
	const struct hmm_range *range = w->range;
	const struct hmm_vma *vma = &w->vma;
	uint64_t zero_pfn = hmm_pagemap_info()->zero_pfn;
	uint64_t order = 0, huge_order = 0, wmask, wwant;
	unsigned long vpn = (range->start >> HMM_PAGE_SHIFT) + i;
	/* Locals: the stores to pm[] could alias the range's fields. */
	const uint64_t *reqs = range->hmm_pfns;
	uint64_t req_mask = range->pfn_flags_mask;
	uint64_t req_default = range->default_flags;
	uint64_t *pm = w->pm;

	if (vma->page_shift > HMM_PAGE_SHIFT)
		order = (uint64_t)(vma->page_shift - HMM_PAGE_SHIFT)
			<< HMM_PFN_ORDER_SHIFT;
	else
		huge_order = (uint64_t)HMM_PMD_ORDER << HMM_PFN_ORDER_SHIFT;
	/*
	 * hmm_pte_writable() as a mask test: (pme & wmask) == wwant. A VMA
	 * without VM_WRITE asks for a bit no entry has (PRESENT clear).
	 */
	if (!(vma->flags & HMM_VMA_WRITE)) {
		wmask = HMM_PM_PRESENT;
		wwant = 0;
	} else if (vma->flags & HMM_VMA_SHARED) {
		wmask = HMM_PM_ZERO | HMM_PM_UFFD_WP;
		wwant = 0;
	} else {
		wmask = HMM_PM_ZERO | HMM_PM_UFFD_WP | HMM_PM_EXCLUSIVE |
			HMM_PM_FILE;
		wwant = HMM_PM_EXCLUSIVE;
	}

	for (; i < end; i++, vpn++) {
		uint64_t pme = pm[i], req = 0, pfn, e;

		if (may_fault)
			req = (reqs[i] & req_mask) | req_default;
		if (!(pme & HMM_PM_PRESENT)) {
			if (!no_devmem || (req & HMM_PFN_REQ_FAULT))
				break;
			hmm_check_present(w, i, 0);
			pm[i] = 0;	/* nothing mapped */
			continue;
		}
		/* hmm_frame() */
		pfn = pme & HMM_PM_PFN_MASK;
		if (pme & HMM_PM_ZERO)
			pfn = zero_pfn;
		else if (!pfn)
			pfn = vpn;
		e = HMM_PFN_VALID | (pfn & ~HMM_PFN_FLAGS) |
		    ((pme & HMM_PM_HUGE) ? huge_order : 0) | order;
		if ((pme & wmask) == wwant)
			e |= HMM_PFN_WRITE;
		if ((req & HMM_PFN_REQ_FAULT) && (req & HMM_PFN_REQ_WRITE) &&
		    !(e & HMM_PFN_WRITE))
			break;	/* a write fault: the general path */
		hmm_check_present(w, i, e);
		pm[i] = e;
	}
	return i;
}

/*
 * hmm_walk_segment() - entries [i, n) from w->vma onwards: decide every
 * entry of the VMA (or hole) that contains entry @i, faulting runs as
 * needed. Return: the index after the segment, or -errno.
 */
static long hmm_walk_segment(struct hmm_walk *w, unsigned long i,
			     unsigned long n, bool may_fault)
{
	struct hmm_range *range = w->range;
	unsigned long addr = hmm_addr(range, i), seg_end, j;
	int ret;

	ret = hmm_vma_find(addr, range->end, &w->vma);
	if (ret)
		return -ENOMEM;
	if (w->vma.end <= addr)		/* cannot happen; never loop */
		w->vma.end = addr + HMM_PAGE_SIZE;
	seg_end = w->vma.end >= range->end ? n :
		  (w->vma.end - range->start) >> HMM_PAGE_SHIFT;

	while (i < seg_end) {
		enum hmm_cpu_state state;
		enum hmm_need need;
		uint64_t cpu;

		if ((w->vma.flags & (HMM_VMA_HOLE | HMM_VMA_READ)) ==
		    HMM_VMA_READ) {
			i = hmm_walk_present(w, i, seg_end, may_fault,
					     w->no_devmem);
			if (i >= seg_end)
				break;
		}
		state = hmm_classify(w, i, &cpu);
		need = may_fault ? hmm_need_fault(hmm_request(range, i), state,
						  cpu) : HMM_NEED_NONE;
		if (need == HMM_NEED_NONE) {
			w->pm[i++] = cpu;
			continue;
		}
		if (need == HMM_NEED_EFAULT)
			return -EFAULT;
		if (need == HMM_NEED_WRITE && !(w->vma.flags & HMM_VMA_WRITE))
			return -EPERM;

		for (j = i + 1; j < seg_end; j++) {
			enum hmm_cpu_state s = hmm_classify(w, j, &cpu);

			if (hmm_need_fault(hmm_request(range, j), s, cpu) != need)
				break;
		}
		ret = hmm_fault_run(w, i, j, need == HMM_NEED_WRITE);
		if (ret)
			return ret;
		i = j;
	}
	return (long)seg_end;
}

/* The results, keeping each entry's sticky input bits (DMA_MAPPED). */
static void hmm_store_results(uint64_t *out, const uint64_t *pm,
			      unsigned long npages)
{
	for (unsigned long i = 0; i < npages; i++)
		out[i] = (out[i] & HMM_PFN_INOUT_FLAGS) | pm[i];
}

int hmm_range_fault(struct hmm_range *range)
{
	uint64_t stack_pm[HMM_PM_STACK];
	struct hmm_walk w = { .range = range, .pm = stack_pm };
	unsigned long npages, i;
	bool may_fault;
	long next;
	int ret;

	ret = hmm_range_check(range);
	if (ret)
		return ret;
	if (range->notifier) {
		/* Linux's callers hold mmget(); a released mm has no pages. */
		w.mm = range->notifier->mm;
		if (!w.mm)
			return -EINVAL;	/* never inserted */
		if (!svm_mm_alive(w.mm))
			return -EFAULT;
	}
	npages = (range->end - range->start) >> HMM_PAGE_SHIFT;
	if (npages > HMM_PM_STACK) {
		w.pm = malloc(npages * sizeof(*w.pm));
		if (!w.pm)
			return -ENOMEM;
	}

	if (hmm_range_collided(range)) {
		ret = -EBUSY;
		goto out_free;
	}
	/* After the sequence check: a migration from here on collides. */
	w.no_devmem = !range->dev_private_owner || !hmm_devmem_any(w.mm);
	hmm_pagemap_read(w.pm, range->start, npages);
	hmm_pagemap_annotate(w.pm, range->start, npages);

	may_fault = (range->default_flags | range->pfn_flags_mask) &
		    HMM_PFN_REQ_FAULT;
	for (i = 0; i < npages; i = (unsigned long)next) {
		next = hmm_walk_segment(&w, i, npages, may_fault);
		if (next < 0) {
			ret = (int)next;
			goto out_free;
		}
	}
	if (w.faulted && hmm_range_collided(range)) {
		ret = -EBUSY;
		goto out_free;
	}

	hmm_check_results(&w, npages);
	hmm_store_results(range->hmm_pfns, w.pm, npages);
	ret = 0;

out_free:
	if (w.pm != stack_pm)
		free(w.pm);
	return ret;
}

/* ---------------------------------------------------------------------- */

static uint64_t hmm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int hmm_range_fault_timeout(struct hmm_range *range, unsigned long timeout_ms)
{
	uint64_t budget, deadline;
	int ret;

	if (!range || !range->notifier || !range->notifier->mm)
		return -EINVAL;
	if (!timeout_ms)
		timeout_ms = HMM_RANGE_DEFAULT_TIMEOUT;
	/* Saturate: a budget of ~584 years is "no deadline". */
	if (__builtin_mul_overflow((uint64_t)timeout_ms, 1000000ull, &budget) ||
	    __builtin_add_overflow(hmm_now_ns(), budget, &deadline))
		deadline = UINT64_MAX;

	do {
		if (hmm_now_ns() > deadline)
			return -EBUSY;
		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		ret = hmm_range_fault(range);
	} while (ret == -EBUSY);
	return ret;
}

bool hmm_pfn_is_zero(uint64_t entry)
{
	if ((entry & (HMM_PFN_VALID | HMM_PFN_ERROR | HMM_PFN_DEVICE_PRIVATE)) !=
	    HMM_PFN_VALID || hmm_pfn_to_map_order(entry))
		return false;
	return hmm_pfn_to_pfn(entry) == hmm_pagemap_info()->zero_pfn;
}
