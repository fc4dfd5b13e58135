/* SPDX-License-Identifier: MIT */
/*
 * dmirror_snapshot.c - HMM_DMIRROR_SNAPSHOT: what the CPU page tables
 * show the device, one byte per page, without faulting anything.
 *
 * DOC: Overview
 *
 * Linux's dmirror_snapshot(): per window of DMIRROR_FAULT_PAGES pages, a
 * temporary interval notifier over exactly that window (so the snapshot
 * sees invalidations even where other notifiers overlap; its callback only
 * moves the sequence), hmm_range_fault() with default_flags 0 and
 * pfn_flags_mask 0 (nothing is requested, so nothing is faulted) in the
 * driver loop with the 1 s budget, and under the mirror's lock, once
 * mmu_interval_read_retry() agrees, one byte per entry:
 *
 *	HMM_PFN_ERROR				PROT_ERROR (0xFF)
 *	not VALID				PROT_NONE
 *	HMM_PFN_DEVICE_PRIVATE			DEV_PRIVATE_LOCAL: hmm_range_fault()
 *						reports device pages only to their
 *						owner, a page of another device
 *						is NONE (as in Linux)
 *	the zero page (hmm_pfn_is_zero())	ZERO
 *	| WRITE if HMM_PFN_WRITE, else READ
 *	| PMD for map order 9, PUD for order 18
 *
 * The bytes of a window are copied to the application right away, so an
 * invalid @ptr ends the request with -EFAULT (as Linux: no partial
 * result is copied back in @cmd).
 *
 * DOC: Locking
 *
 * The temporary notifier's callback takes the mirror's lock around
 * mmu_interval_set_seq(), like the mirror's own. The notifier lives on
 * this function's stack between insert and remove; remove waits for any
 * invalidation still using it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dmirror/dmirror.h"
#include "dmirror/uaccess.h"

/* Highest user address + 1 on any 5-level paging configuration. */
#define DMIRROR_USER_VA_END (1ull << 57)

/* Order of a PMD and of a PUD mapping with 4 KiB pages. */
#define DMIRROR_PMD_ORDER 9
#define DMIRROR_PUD_ORDER 18

struct dmirror_interval {
	struct mmu_interval_notifier notifier;
	struct dmirror *dm;
};

static bool dmirror_snapshot_invalidate(struct mmu_interval_notifier *mni,
					const struct mmu_notifier_range *range,
					unsigned long cur_seq)
{
	struct dmirror_interval *dmi = (struct dmirror_interval *)(
		(char *)mni - __builtin_offsetof(struct dmirror_interval,
						 notifier));
	struct dmirror *dm = dmi->dm;

	if (mmu_notifier_range_blockable(range))
		pthread_mutex_lock(&dm->lock);
	else if (pthread_mutex_trylock(&dm->lock))
		return false;
	/* Any invalidation in the window invalidates the whole snapshot. */
	mmu_interval_set_seq(mni, cur_seq);
	pthread_mutex_unlock(&dm->lock);
	return true;
}

static const struct mmu_interval_notifier_ops dmirror_mrn_ops = {
	.invalidate = dmirror_snapshot_invalidate,
};

static unsigned char dmirror_mkentry(uint64_t entry)
{
	unsigned char perm;

	if (entry & HMM_PFN_ERROR)
		return HMM_DMIRROR_PROT_ERROR;
	if (!(entry & HMM_PFN_VALID))
		return HMM_DMIRROR_PROT_NONE;

	if (entry & HMM_PFN_DEVICE_PRIVATE)
		perm = HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL;
	else if (hmm_pfn_is_zero(entry))
		perm = HMM_DMIRROR_PROT_ZERO;
	else
		perm = HMM_DMIRROR_PROT_NONE;
	perm |= (entry & HMM_PFN_WRITE) ? HMM_DMIRROR_PROT_WRITE :
					  HMM_DMIRROR_PROT_READ;
	if (hmm_pfn_to_map_order(entry) == DMIRROR_PMD_ORDER)
		perm |= HMM_DMIRROR_PROT_PMD;
	else if (hmm_pfn_to_map_order(entry) == DMIRROR_PUD_ORDER)
		perm |= HMM_DMIRROR_PROT_PUD;
	return perm;
}

/* Linux's dmirror_range_snapshot(): one window. */
static int dmirror_range_snapshot(struct dmirror *dm, struct hmm_range *range,
				  unsigned char *perm)
{
	unsigned long npages = (range->end - range->start) >> DMIRROR_PAGE_SHIFT;
	uint64_t timeout = dmirror_now_ms() + HMM_RANGE_DEFAULT_TIMEOUT;
	struct dmirror_interval notifier = { .dm = dm };
	int ret;

	range->notifier = &notifier.notifier;
	ret = mmu_interval_notifier_insert(range->notifier, dm->mm,
					   range->start,
					   range->end - range->start,
					   &dmirror_mrn_ops);
	if (ret)
		return ret;

	for (;;) {
		uint64_t now = dmirror_now_ms();

		if (now > timeout) {
			ret = -EBUSY;
			goto remove_notifier;
		}
		memset(range->hmm_pfns, 0, npages * sizeof(*range->hmm_pfns));
		ret = hmm_range_fault_timeout(range, timeout - now + 1);
		if (ret)
			goto remove_notifier;

		pthread_mutex_lock(&dm->lock);
		if (mmu_interval_read_retry(range->notifier,
					    range->notifier_seq)) {
			pthread_mutex_unlock(&dm->lock);
			continue;
		}
		break;
	}
	for (unsigned long i = 0; i < npages; i++)
		perm[i] = dmirror_mkentry(range->hmm_pfns[i]);
	pthread_mutex_unlock(&dm->lock);

remove_notifier:
	mmu_interval_notifier_remove(range->notifier);
	return ret;
}

int dmirror_snapshot(struct dmirror *dm, struct hmm_dmirror_cmd *cmd)
{
	uint64_t pfns[DMIRROR_FAULT_PAGES];
	unsigned char perm[DMIRROR_FAULT_PAGES];
	unsigned long start = cmd->addr;
	unsigned long end = start + (cmd->npages << DMIRROR_PAGE_SHIFT);
	uint64_t uptr = cmd->ptr;
	struct hmm_range range = {
		.hmm_pfns = pfns,
		.default_flags = 0,
		.pfn_flags_mask = 0,
		.dev_private_owner = dm->mdevice,
	};
	unsigned long addr, next;
	int ret = 0;

	/* Invalidations of the range must reach the temporary notifiers. */
	if (start < DMIRROR_USER_VA_END)
		(void)mm_watch_range(dm->mm, start,
				     end < DMIRROR_USER_VA_END ?
				     end : DMIRROR_USER_VA_END);

	for (addr = start; addr < end; addr = next) {
		unsigned long n;

		next = end - addr > DMIRROR_FAULT_PAGES * DMIRROR_PAGE_SIZE ?
		       addr + DMIRROR_FAULT_PAGES * DMIRROR_PAGE_SIZE : end;
		if (addr >= DMIRROR_USER_VA_END) {
			/* No VMA can exist there: Linux reports ERROR. */
			memset(perm, HMM_DMIRROR_PROT_ERROR, sizeof(perm));
		} else {
			if (next > DMIRROR_USER_VA_END)
				next = DMIRROR_USER_VA_END;
			range.start = addr;
			range.end = next;
			ret = dmirror_range_snapshot(dm, &range, perm);
			if (ret)
				break;
		}
		n = (next - addr) >> DMIRROR_PAGE_SHIFT;
		ret = kmd_copy_to_user(uptr, perm, n);
		if (ret)
			break;
		cmd->cpages += n;
		uptr += n;
	}
	return ret;
}
