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

/*
 * DOC: Userfaults (for migration)
 *
 * The HMM layer migrates anonymous pages to device memory and brings them
 * back when the CPU touches them (kmd-shim/hmm/migrate.c). It does so with
 * the mm's own userfaultfd, the one the monitor reads, through the calls
 * below; the mm layer never calls the HMM layer except through the
 * &struct mm_userfault_ops the HMM layer registers.
 *
 * mm_userfault_register() switches a range to MISSING|WP mode: from then on
 * a CPU access to an absent page of it, and a write to a write-protected
 * page, blocks the faulting thread until somebody resolves the fault with
 * mm_userfault_copy(), _zeropage(), _writeprotect(.., false) or _wake().
 * The monitor hands every such fault to ops->fault(); without ops it
 * resolves them the way the kernel would (zero page, or write permission).
 *
 * ops->event_start()/event_end() bracket the invalidation the monitor runs
 * for an UNMAP, REMOVE or REMAP event, so that the HMM layer can retire
 * device pages before devices are told (start) and free them once no
 * device can use them any more (end).
 *
 * All ops run on the monitor thread, with no lock of the mm layer held.
 * They must not block on anything a thread that waits for the monitor may
 * hold (see the rules in userfaultfd.c); they may call mm_invalidate_range()
 * and the mm_userfault_*() calls, which never wait for the monitor.
 *
 * The mm_userfault_*() calls return 0 or a negative errno; -EAGAIN means the
 * kernel has a non-cooperative event queued that the monitor has not read
 * yet (the caller retries later, without holding a lock the monitor may
 * need); -EOPNOTSUPP means the mm has no userfaultfd able to intercept
 * faults (also faults from kernel mode, e.g. MADV_POPULATE or read(2)).
 */

/* mm_userfault_ops->fault() flags */
#define MM_USERFAULT_WRITE (1u << 0)	/* the faulting access is a write */
#define MM_USERFAULT_WP (1u << 1)	/* write-protect fault, else MISSING */

enum mm_userfault_event_type {
	MM_USERFAULT_UNMAP,	/* munmap, mremap's unmap, MAP_FIXED over */
	MM_USERFAULT_REMOVE,	/* madvise(MADV_DONTNEED/REMOVE/FREE) */
	MM_USERFAULT_REMAP,	/* mremap moved [start, end) to @to */
};

struct mm_userfault_event {
	enum mm_userfault_event_type type;
	unsigned long start;	/* page aligned, half-open */
	unsigned long end;
	unsigned long to;	/* REMAP only */
};

/**
 * struct mm_userfault_ops - the HMM layer's side of the monitor.
 * @fault: (required) a thread faulted at @address (page aligned) of a
 *	MISSING|WP range; @tid is the faulting thread (0 if unknown). The
 *	callee resolves the fault or leaves the thread blocked, in which case
 *	it must guarantee a later wake of that page.
 * @event_start: (optional) before the invalidation of @ev.
 * @event_end: (optional) after it.
 */
struct mm_userfault_ops {
	void (*fault)(struct mm_struct *mm, unsigned long address,
		      unsigned int flags, int tid, void *data);
	void (*event_start)(struct mm_struct *mm,
			    const struct mm_userfault_event *ev, void *data);
	void (*event_end)(struct mm_struct *mm,
			  const struct mm_userfault_event *ev, void *data);
};

/*
 * mm_set_userfault_ops() - install @ops for @mm (one set per mm).
 * Return: 0; -EBUSY when other ops are installed; -ESRCH when the mm is
 * released; -EOPNOTSUPP without a fault-capable userfaultfd.
 */
int mm_set_userfault_ops(struct mm_struct *mm,
			 const struct mm_userfault_ops *ops, void *data);
/*
 * mm_clear_userfault_ops() - remove them and wait until no call of them is
 * running. Must not be called from the ops themselves, nor with a lock
 * held that they (or the invalidate callbacks they raise) take.
 */
void mm_clear_userfault_ops(struct mm_struct *mm);

/* Register [start, end) (page aligned) in MISSING|WP mode. */
int mm_userfault_register(struct mm_struct *mm, unsigned long start,
			  unsigned long end);
/* Write-protect [start, end), or lift the protection and wake waiters. */
int mm_userfault_writeprotect(struct mm_struct *mm, unsigned long start,
			      unsigned long end, bool protect);
/*
 * Atomically install a copy of @src at absent page(s) @dst. With @wake
 * the threads waiting on them are woken; without, the caller wakes them
 * (mm_userfault_wake()) once its own bookkeeping is done.
 */
int mm_userfault_copy(struct mm_struct *mm, unsigned long dst,
		      const void *src, unsigned long len, bool wake);
/* Install the zero page at absent page(s) [dst, dst + len); wakes. */
int mm_userfault_zeropage(struct mm_struct *mm, unsigned long dst,
			  unsigned long len);
/* Wake the threads blocked on faults in [start, start + len). */
int mm_userfault_wake(struct mm_struct *mm, unsigned long start,
		      unsigned long len);
/* True on the monitor thread of @mm (where nothing may wait for it). */
bool mm_on_monitor_thread(struct mm_struct *mm);

#endif /* SVMCL_MM_H */
