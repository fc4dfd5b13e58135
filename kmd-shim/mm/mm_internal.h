/* SPDX-License-Identifier: MIT */
/*
 * mm_internal.h - state shared by mm.c (the notifier protocol and the
 * mm_struct lifetime) and userfaultfd.c (the event monitor and the watch
 * set). Nothing outside kmd-shim/mm includes this file.
 */
#ifndef SVMCL_MM_INTERNAL_H
#define SVMCL_MM_INTERNAL_H

#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

/* Watch granule: 2 MiB, a PMD, so one registration covers a THP. */
#define MM_WATCH_GRANULE_SHIFT 21
#define MM_WATCH_GRANULE_SIZE (1ul << MM_WATCH_GRANULE_SHIFT)

#define MM_PAGE_SHIFT 12
#define MM_PAGE_SIZE (1ul << MM_PAGE_SHIFT)

/*
 * Highest user address + 1 that any x86-64/arm64 configuration can have
 * (5-level paging). Ranges beyond it are rejected before rounding, so
 * granule and page arithmetic cannot overflow.
 */
#define MM_USER_VA_END (1ul << 57)

/*
 * struct mm_granule_set - open-addressing hash set of watched granule
 * indices (address >> MM_WATCH_GRANULE_SHIFT). Linear probing; deleted
 * slots become tombstones so that erasing never allocates (the monitor
 * erases from its event path, where malloc/free are forbidden).
 * Protected by mm_uffd.watch_lock.
 */
struct mm_granule_set {
	unsigned long *slots;	/* NULL while empty */
	size_t cap;		/* power of two, or 0 */
	size_t used;		/* live keys */
	size_t tombs;		/* tombstones */
};

/*
 * struct mm_uffd - the userfaultfd monitor of one mm (userfaultfd.c).
 */
struct mm_uffd {
	/*
	 * The userfaultfd, or -1 when unavailable or after teardown.
	 * Written at init (before the monitor starts) and under watch_lock at
	 * teardown (after the monitor has been joined); mm_watch_range() reads
	 * it under watch_lock.
	 */
	int fd;
	/* eventfd that tells the monitor to exit. Owned by init/fini. */
	int stop_fd;
	/*
	 * The monitor thread. monitor_started is written only by init (before
	 * the mm is published) and by the fork child handler, so it can be
	 * read without a lock; it stays true after teardown (see
	 * monitor_running for the live state).
	 */
	pthread_t monitor;
	bool monitor_started;

	/* watch_lock protects @watched and @watch_registrations. */
	pthread_mutex_t watch_lock;
	struct mm_granule_set watched;
	uint64_t watch_registrations;

	/*
	 * event_lock protects the read/processed accounting below; event_cond
	 * is broadcast whenever any of it changes. A "read section" is one
	 * read(2) of the userfaultfd plus forgetting the watch records of the
	 * UNMAP/REMAP events it returned; it never blocks and never calls
	 * back into drivers.
	 */
	pthread_mutex_t event_lock;
	pthread_cond_t event_cond;
	uint64_t reads_started;
	uint64_t reads_done;
	uint64_t events_read;
	uint64_t events_processed;
	bool monitor_running;	/* false once the monitor has exited */

	/* Event counters, updated by the monitor only (atomics: no lock). */
	_Atomic uint64_t unmap_events;
	_Atomic uint64_t remove_events;
	_Atomic uint64_t remap_events;

	/*
	 * fd_lock (rwlock) keeps @fd open while a mm_userfault_*() ioctl
	 * uses it: taken for reading around those ioctls, for writing by
	 * mm_uffd_close(). None of those ioctls waits for the monitor, so a
	 * reader never blocks the monitor's own close.
	 */
	pthread_rwlock_t fd_lock;
	/*
	 * Written at init only: the userfaultfd also intercepts faults taken
	 * in kernel mode (opened without UFFD_USER_MODE_ONLY), and reports
	 * the faulting thread (UFFD_FEATURE_THREAD_ID).
	 */
	bool kernel_faults;
	bool thread_id;

	/*
	 * hook_lock protects @ops, @ops_data and @ops_calls; hook_cond (with
	 * it) is broadcast when @ops_calls drops to zero. The monitor counts
	 * itself in @ops_calls while it runs an op, with hook_lock dropped.
	 */
	pthread_mutex_t hook_lock;
	pthread_cond_t hook_cond;
	const struct mm_userfault_ops *ops;
	void *ops_data;
	unsigned int ops_calls;
};

/*
 * struct mm_struct - one process address space (mm.c).
 *
 * Lifetime: @users counts svm_mm_get() references (Linux mm_users);
 * @count counts references to the structure itself (Linux mm_count): one
 * for all users together plus one per interval notifier between insert and
 * the return of remove. Both are protected by the global svm_mm lock.
 * When @users reaches zero the mm is released (RELEASE invalidation,
 * monitor stopped); when @count reaches zero the memory is freed.
 */
struct mm_struct {
	unsigned long users;		/* global svm_mm lock */
	unsigned long count;		/* global svm_mm lock */
	atomic_bool released;		/* set once, first thing in release */

	/*
	 * @lock protects every field of the notifier protocol below. It is a
	 * leaf lock for drivers: never held while calling ops, never held
	 * across a system call that could wait for another thread.
	 * @wq (with @lock) is broadcast when invalidate_seq becomes even.
	 */
	pthread_mutex_t lock;
	pthread_cond_t wq;
	unsigned long invalidate_seq;	/* even: idle, odd: invalidating */
	unsigned long active_invalidate_ranges;
	struct mmu_interval_notifier *notifiers;	/* sorted by ->start */
	struct mmu_interval_notifier *deferred;	/* via ->deferred_next */
	size_t nr_notifiers;		/* on @notifiers */
	size_t nr_deferred;		/* on @deferred */
	uint64_t invalidations;		/* mm_invalidate_range() calls */
#if defined(SVMCL_DEBUG_CHECKS) && SVMCL_DEBUG_CHECKS
	_Atomic uintptr_t lock_owner;	/* debug: thread token of holder */
#endif

	struct mm_uffd uffd;
};

/* userfaultfd.c: lifecycle of the monitor, called by mm.c. */
void mm_uffd_init(struct mm_struct *mm);
void mm_uffd_fini(struct mm_struct *mm);
void mm_uffd_fork_child(struct mm_struct *mm);
void mm_uffd_get_stats(struct mm_struct *mm, struct mm_stats *out);

/* Debug logging: enabled by SVMCL_DEBUG containing "mm" (or "all"). */
bool mm_debug_enabled(void);
void mm_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SVMCL_MM_INTERNAL_H */
