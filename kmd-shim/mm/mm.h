/* SPDX-License-Identifier: MIT */
/*
 * mm.h - the process address space as the OS shows it to the kmd-shim.
 *
 * DOC: Overview
 *
 * This layer is the userspace stand-in for the parts of Linux's mm that a
 * device driver touches: the mmu interval notifiers (include/linux/
 * mmu_notifier.h) and the sources of invalidations. It knows nothing of
 * OpenCL or of the software GPU.
 *
 * There is one &struct mm_struct per process (svm_mm_get()). CPU address
 * space changes reach it from a userfaultfd in non-cooperative mode: the
 * UNMAP, REMOVE and REMAP events of every range passed to mm_watch_range()
 * are read by a monitor thread and turned into invalidations of the
 * overlapping interval notifiers. Explicit invalidations (SVM free, migration,
 * protection changes made by svmcl itself) enter through
 * mm_invalidate_range().
 *
 * The interval-notifier sequence protocol is Linux's (mm/mmu_notifier.c):
 * the mm's invalidate_seq is even while idle and odd while an invalidation
 * that overlaps at least one notifier is open; mmu_interval_read_begin()
 * waits while the notifier's own sequence equals the open one; a driver
 * commits device PTEs only when mmu_interval_read_retry() says no
 * invalidation intervened, under the same lock its invalidate callback takes.
 *
 * Errors are negative errno values throughout this layer.
 */
#ifndef SVMCL_MM_H
#define SVMCL_MM_H

#include <stdbool.h>
#include <stdint.h>

struct mm_struct;
struct mmu_interval_notifier;

/* Linux's enum mmu_notifier_event, same order. */
enum mmu_notifier_event {
	MMU_NOTIFY_UNMAP = 0,
	MMU_NOTIFY_CLEAR,
	MMU_NOTIFY_PROTECTION_VMA,
	MMU_NOTIFY_PROTECTION_PAGE,
	MMU_NOTIFY_SOFT_DIRTY,
	MMU_NOTIFY_RELEASE,
	MMU_NOTIFY_MIGRATE,
	MMU_NOTIFY_EXCLUSIVE,
};

#define MMU_NOTIFIER_RANGE_BLOCKABLE (1u << 0)

/* Half-open [start, end). */
struct mmu_notifier_range {
	struct mm_struct *mm;
	unsigned long start;
	unsigned long end;
	unsigned int flags;
	enum mmu_notifier_event event;
	void *owner;
};

static inline bool
mmu_notifier_range_blockable(const struct mmu_notifier_range *range)
{
	return range->flags & MMU_NOTIFIER_RANGE_BLOCKABLE;
}

/**
 * struct mmu_interval_notifier_ops
 * @invalidate: (required) called at the *start* moment of an invalidation
 *	that overlaps the interval, while the CPU pages may still be mapped.
 *	It must call mmu_interval_set_seq() under the driver's update lock and
 *	must guarantee that, once it returns, the device no longer uses any
 *	translation of the overlap. Returning false is only allowed when the
 *	range is not blockable.
 * @free_pages: (optional) seed 002's moment: the CPU has unmapped the pages
 *	but not yet reused them. External TLBs that could still hold the range
 *	are flushed here at the latest.
 * @invalidate_end: (optional) the invalidation is complete.
 *
 * Callbacks run on the thread that raised the invalidation (the userfaultfd
 * monitor or the caller of mm_invalidate_range()) with no mm lock held.
 */
struct mmu_interval_notifier_ops {
	bool (*invalidate)(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq);
	void (*free_pages)(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range);
	void (*invalidate_end)(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range);
};

/**
 * struct mmu_interval_notifier - one device's interest in [start, last].
 *
 * Embedded in the driver's object; no reference counting is provided.
 * All fields are owned by the mm layer (protected by the mm's lock) except
 * @invalidate_seq, which the driver changes only through
 * mmu_interval_set_seq() under its own update lock.
 */
struct mmu_interval_notifier {
	unsigned long start;
	unsigned long last;	/* inclusive, as Linux's interval tree */
	const struct mmu_interval_notifier_ops *ops;
	struct mm_struct *mm;
	unsigned long invalidate_seq;
	/* mm-private links */
	struct mmu_interval_notifier *next;
	struct mmu_interval_notifier *deferred_next;
	bool deferred_remove;
	bool inserted;
};

/* Process address space: reference counted, created on first get. */
struct mm_struct *svm_mm_get(void);
void svm_mm_put(struct mm_struct *mm);
/* mmget_not_zero(): false once the mm has been released (process teardown). */
bool svm_mm_alive(struct mm_struct *mm);

int mmu_interval_notifier_insert(struct mmu_interval_notifier *mni,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long length,
				 const struct mmu_interval_notifier_ops *ops);
void mmu_interval_notifier_remove(struct mmu_interval_notifier *mni);
unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *mni);
bool mmu_interval_read_retry(struct mmu_interval_notifier *mni,
			     unsigned long seq);
bool mmu_interval_check_retry(struct mmu_interval_notifier *mni,
			      unsigned long seq);
void mmu_interval_set_seq(struct mmu_interval_notifier *mni,
			  unsigned long cur_seq);

/**
 * mm_invalidate_range() - run one invalidation through all three moments.
 *
 * start (overlapping notifiers' @invalidate), free_pages, end; with Linux's
 * sequence protocol around them. Used by the userfaultfd monitor and by
 * explicit runtime calls. @owner is passed through to the callbacks so that
 * a device can skip the MIGRATE events of its own migrations.
 */
void mm_invalidate_range(struct mm_struct *mm, unsigned long start,
			 unsigned long end, enum mmu_notifier_event event,
			 void *owner);

/**
 * mm_watch_range() - observe CPU changes of [start, end).
 *
 * Registers the range (rounded out to the watch granule) with the mm's
 * userfaultfd in write-protect mode, which delivers UNMAP, REMOVE and REMAP
 * events without intercepting ordinary page faults. Idempotent and cheap
 * for ranges already watched.
 *
 * Return: 0; -ENOTSUP when the mapping type cannot be watched (the caller
 * may still use it; see docs/architecture.md); -errno otherwise.
 */
int mm_watch_range(struct mm_struct *mm, unsigned long start,
		   unsigned long end);

/* Counters, for tests and statistics. */
struct mm_stats {
	uint64_t uffd_unmap_events;
	uint64_t uffd_remove_events;
	uint64_t uffd_remap_events;
	uint64_t invalidations;
	uint64_t watch_registrations;
};
void mm_get_stats(struct mm_struct *mm, struct mm_stats *out);

/*
 * mm_sync_events() - wait until every userfaultfd event raised before this
 * call has been turned into an invalidation. For tests and for callers that
 * need a point after which earlier CPU unmaps are visible to devices.
 */
void mm_sync_events(struct mm_struct *mm);

#endif /* SVMCL_MM_H */
