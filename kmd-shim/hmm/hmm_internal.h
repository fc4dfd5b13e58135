/* SPDX-License-Identifier: MIT */
/*
 * hmm_internal.h - what hmm_range_fault() learns about the CPU page tables
 * from userspace, shared by hmm.c (the walk), hmm_pagemap.c (page table
 * entries) and hmm_vma.c (VMA attributes). Nothing outside kmd-shim/hmm
 * includes this file, except unit tests that force a fallback path.
 */
#ifndef SVMCL_HMM_INTERNAL_H
#define SVMCL_HMM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * /proc/self/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
 * Bits 59 and 60 are always zero in what the kernel returns; the walk uses
 * them as scratch bits for what PAGEMAP_SCAN (or the zero-page frame) told
 * it about the page. hmm_pagemap_read() clears them.
 */
#define HMM_PM_PRESENT (1ull << 63)
#define HMM_PM_SWAP (1ull << 62)
#define HMM_PM_FILE (1ull << 61)	/* page cache or shared anonymous */
#define HMM_PM_HUGE (1ull << 60)	/* scratch: mapped by a PMD */
#define HMM_PM_ZERO (1ull << 59)	/* scratch: the (4 KiB) zero page */
#define HMM_PM_UFFD_WP (1ull << 57)	/* write-protected by userfaultfd */
#define HMM_PM_EXCLUSIVE (1ull << 56)	/* mapped by this process only */
#define HMM_PM_PFN_MASK ((1ull << 55) - 1)
#define HMM_PM_SCRATCH (HMM_PM_HUGE | HMM_PM_ZERO)

/* A PMD maps 2^9 pages on x86-64 and arm64 with 4 KiB pages. */
#define HMM_PMD_ORDER 9
#define HMM_PMD_PAGES (1ul << HMM_PMD_ORDER)

/*
 * Frame reported for the zero page when the pagemap hides frames (not
 * root): above every virtual page number, below the order field.
 */
#define HMM_ZERO_PFN_HIDDEN ((1ull << 52) - 1)

/* ---------------------------------------------------------------------- */
/* hmm_pagemap.c */

/*
 * struct hmm_pagemap_info - facts learned once per process.
 * @pfns_visible: the pagemap shows page frame numbers (CAP_SYS_ADMIN).
 * @zero_pfn: frame of the zero page, or HMM_ZERO_PFN_HIDDEN.
 */
struct hmm_pagemap_info {
	bool pfns_visible;
	uint64_t zero_pfn;
};

const struct hmm_pagemap_info *hmm_pagemap_info(void);

/*
 * hmm_pagemap_read() - pagemap entries of @npages pages from @addr, scratch
 * bits clear. What cannot be read reads as 0 ("not present"), which only
 * makes the walk fault or look at the VMA.
 */
void hmm_pagemap_read(uint64_t *pm, unsigned long addr, unsigned long npages);

/*
 * hmm_pagemap_annotate() - set HMM_PM_HUGE / HMM_PM_ZERO on the present
 * entries pm[0..npages) (page 0 at @addr). With visible frames the zero
 * page is recognised by its frame and PAGEMAP_SCAN is asked only about
 * aligned runs of frames that could be one PMD; otherwise PAGEMAP_SCAN is
 * asked about every present page. Without PAGEMAP_SCAN (Linux < 6.7)
 * nothing is huge.
 */
void hmm_pagemap_annotate(uint64_t *pm, unsigned long addr,
			  unsigned long npages);

/* ---------------------------------------------------------------------- */
/* hmm_vma.c */

#define HMM_VMA_READ (1u << 0)
#define HMM_VMA_WRITE (1u << 1)
#define HMM_VMA_EXEC (1u << 2)
#define HMM_VMA_SHARED (1u << 3)
#define HMM_VMA_FILE (1u << 4)		/* backed by a file (an inode) */
#define HMM_VMA_SPECIAL (1u << 5)	/* [vdso], [vvar], [vsyscall], ... */
#define HMM_VMA_HOLE (1u << 31)	/* no VMA: [start, end) is a gap */

/*
 * struct hmm_vma - one segment of the address space: a VMA with its
 * permissions and page size, or a hole up to the next VMA.
 */
struct hmm_vma {
	unsigned long start;
	unsigned long end;
	unsigned int flags;
	unsigned int page_shift;	/* 12, or the hugetlb page shift */
};

/*
 * hmm_vma_find() - the segment that contains @addr: the VMA covering it,
 * or the hole [addr, next VMA start or @limit). One PROCMAP_QUERY
 * (Linux 6.11); /proc/self/smaps is parsed where the kernel lacks it.
 * Return: 0, or -errno when the address space cannot be read at all.
 */
int hmm_vma_find(unsigned long addr, unsigned long limit,
		 struct hmm_vma *out);

/* Tests only: force (or stop forcing) the /proc/self/smaps fallback. */
void hmm_vma_force_fallback(bool force);

/* Both files: the fds a fork child must not keep (they describe the parent). */
void hmm_pagemap_forget_fd(void);
void hmm_vma_forget_fd(void);

#endif /* SVMCL_HMM_INTERNAL_H */
