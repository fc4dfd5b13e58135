/* SPDX-License-Identifier: MIT */
/*
 * mm.c - the per-process mm_struct and the mmu interval notifier protocol.
 *
 * DOC: Overview
 *
 * There is one &struct mm_struct per process. svm_mm_get() creates it on
 * first use (and starts the userfaultfd monitor, userfaultfd.c);
 * svm_mm_put() drops a user reference. When the last user goes away, or at
 * process exit if an mm still exists, the mm is *released*: every remaining
 * interval notifier sees one MMU_NOTIFY_RELEASE invalidation of
 * [0, ULONG_MAX), the monitor is stopped and the userfaultfd closed. From
 * then on svm_mm_alive() is false; notifiers can still be removed (they
 * hold a reference on the structure, as mmgrab() does in Linux). In a fork
 * child the inherited mm is dead from the start and svm_mm_get() creates
 * the child's own. In the parent, fork() is an MMU_NOTIFY_PROTECTION_PAGE
 * invalidation of the whole user range: copy-on-write took write
 * permission away from its private pages (svm_mm_atfork_parent()).
 *
 * The interval notifier protocol is Linux's collision-retry algorithm
 * (mm/mmu_notifier.c, v5.10-6.5), reproduced step for step:
 *
 * - The mm's invalidate_seq starts at 2. It is even while idle and odd
 *   while at least one open invalidation overlaps at least one notifier.
 *   While it is odd the notifier list is frozen: inserts and removes are
 *   queued on the deferred list and applied by the invalidation that
 *   brings the sequence back to even.
 * - Start of an invalidation: active_invalidate_ranges++; if a notifier
 *   overlaps, seq |= 1 and every overlapping notifier's ->invalidate() is
 *   called with cur_seq = seq. The driver stores cur_seq in its notifier
 *   with mmu_interval_set_seq() under its own update lock.
 * - Then, for the same notifiers, ->free_pages() (seed 002: pages unmapped
 *   but not yet reused) and ->invalidate_end().
 * - End: --active; if it reached 0 and seq is odd, seq++ (even), apply the
 *   deferred inserts/removes, wake every waiter.
 * - mmu_interval_read_begin() returns the notifier's sequence, first
 *   waiting while it equals the mm's (that is, while an invalidation that
 *   hit this notifier is still open). A notifier's sequence is always odd,
 *   so in the idle state (even) nobody waits.
 * - mmu_interval_read_retry() is true when the notifier's sequence moved
 *   since read_begin: the caller must not commit what it read.
 *
 * The three moments run back to back on the invalidating thread; a device
 * whose TLBs can refill between start and end drops them again in
 * ->free_pages() at the latest.
 *
 * DOC: Locking
 *
 * - svm_mm_lock (global): protects svm_current_mm and the two reference
 *   counts of every mm (users, count). Never held while calling out.
 * - mm->lock: protects invalidate_seq, active_invalidate_ranges, the
 *   notifier list, the deferred list and their counters, and the
 *   invalidations statistic. It is never held while a callback runs or
 *   across a system call; it nests inside nothing that drivers hold, so
 *   a driver may call read_begin/insert/remove with its own locks held.
 *   mm->wq (with mm->lock) is broadcast when invalidate_seq turns even.
 * - A notifier's invalidate_seq is written by mmu_interval_set_seq() under
 *   the *driver's* update lock, and by insert under mm->lock before the
 *   notifier is visible to any invalidation. It is accessed with atomic
 *   loads and stores (Linux's READ_ONCE/WRITE_ONCE).
 * - Callbacks are called with no mm lock held, on the thread that raised
 *   the invalidation. They iterate the notifier list without mm->lock:
 *   this is safe because the list cannot change while the sequence is odd,
 *   and it stays odd until this invalidation (which is active) ends.
 * - A callback must not call mmu_interval_notifier_remove() (it would wait
 *   for its own invalidation to end), nor mm_sync_events(), and must not
 *   free, munmap or madvise watched memory (see userfaultfd.c).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm/mm_internal.h"

#if !defined(SVMCL_DEBUG_CHECKS)
#define SVMCL_DEBUG_CHECKS 0
#endif

/* svm_mm_lock protects svm_current_mm and every mm's users/count. */
static pthread_mutex_t svm_mm_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm_struct *svm_current_mm;
static pthread_once_t svm_mm_once = PTHREAD_ONCE_INIT;

/* ---------------------------------------------------------------------- */
/* Debug logging */

static bool mm_debug_flag;
static pthread_once_t mm_debug_once = PTHREAD_ONCE_INIT;

/* SVMCL_DEBUG is a comma-separated list of categories; ours is "mm". */
static void mm_debug_parse(void)
{
	const char *tok = getenv("SVMCL_DEBUG");

	while (tok && *tok) {
		size_t len = strcspn(tok, ",");

		if ((len == 2 && !strncmp(tok, "mm", 2)) ||
		    (len == 3 && !strncmp(tok, "all", 3)))
			mm_debug_flag = true;
		tok += len;
		if (*tok == ',')
			tok++;
	}
}

bool mm_debug_enabled(void)
{
	pthread_once(&mm_debug_once, mm_debug_parse);
	return mm_debug_flag;
}

/*
 * mm_dbg() formats into a stack buffer and write(2)s it: it is used from
 * the monitor's event path, where stdio's lazy buffer allocation is not
 * allowed.
 */
void mm_dbg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (!mm_debug_enabled())
		return;
	memcpy(buf, "svmcl mm: ", 10);
	va_start(ap, fmt);
	n = vsnprintf(buf + 10, sizeof(buf) - 11, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 10;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

/* ---------------------------------------------------------------------- */
/* mm->lock helpers and the invariant checker */

#if SVMCL_DEBUG_CHECKS
/* The address of a thread-local byte identifies the calling thread. */
static _Thread_local char mm_thread_token;

static void mm_lock(struct mm_struct *mm)
{
	pthread_mutex_lock(&mm->lock);
	atomic_store_explicit(&mm->lock_owner, (uintptr_t)&mm_thread_token,
			      memory_order_relaxed);
}

static void mm_unlock(struct mm_struct *mm)
{
	atomic_store_explicit(&mm->lock_owner, 0, memory_order_relaxed);
	pthread_mutex_unlock(&mm->lock);
}

static void mm_cond_wait(struct mm_struct *mm)
{
	atomic_store_explicit(&mm->lock_owner, 0, memory_order_relaxed);
	pthread_cond_wait(&mm->wq, &mm->lock);
	atomic_store_explicit(&mm->lock_owner, (uintptr_t)&mm_thread_token,
			      memory_order_relaxed);
}

static void mm_fail(const struct mm_struct *mm, const char *where,
		    const char *what)
{
	fprintf(stderr, "svmcl mm: invariant violated in %s: %s "
		"(mm %p seq %lu active %lu)\n", where, what, (const void *)mm,
		mm->invalidate_seq, mm->active_invalidate_ranges);
	abort();
}

#define mm_assert_locked(mm)						\
	do {								\
		if (atomic_load_explicit(&(mm)->lock_owner,		\
					 memory_order_relaxed) !=	\
		    (uintptr_t)&mm_thread_token)			\
			mm_fail((mm), __func__, "mm->lock not held");	\
	} while (0)

static bool mm_on_deferred(const struct mm_struct *mm,
			   const struct mmu_interval_notifier *mni)
{
	const struct mmu_interval_notifier *sub;
	size_t n = 0;

	for (sub = mm->deferred; sub && n <= mm->nr_deferred;
	     sub = sub->deferred_next, n++)
		if (sub == mni)
			return true;
	return false;
}

static bool mm_on_list(const struct mm_struct *mm,
		       const struct mmu_interval_notifier *mni)
{
	const struct mmu_interval_notifier *sub;
	size_t n = 0;

	for (sub = mm->notifiers; sub && n <= mm->nr_notifiers;
	     sub = sub->next, n++)
		if (sub == mni)
			return true;
	return false;
}

/*
 * mm_check_invariants() - validate the protocol state; called with
 * mm->lock held after every mutation of it.
 */
static void mm_check_invariants(struct mm_struct *mm, const char *where)
{
	const struct mmu_interval_notifier *sub, *prev = NULL;
	size_t n = 0, nd = 0;

	mm_assert_locked(mm);
	if ((mm->invalidate_seq & 1) && !mm->active_invalidate_ranges)
		mm_fail(mm, where, "odd sequence with no open invalidation");
	if (mm->deferred && !(mm->invalidate_seq & 1))
		mm_fail(mm, where, "deferred work while the list is not frozen");

	for (sub = mm->notifiers; sub; prev = sub, sub = sub->next) {
		if (++n > mm->nr_notifiers)
			mm_fail(mm, where, "notifier list longer than counted");
		if (sub->mm != mm || !sub->inserted)
			mm_fail(mm, where, "listed notifier not marked inserted");
		if (sub->start > sub->last)
			mm_fail(mm, where, "notifier with start > last");
		if (prev && prev->start > sub->start)
			mm_fail(mm, where, "notifier list not sorted");
		if (sub->deferred_remove != mm_on_deferred(mm, sub))
			mm_fail(mm, where, "deferred_remove out of sync");
		if (!(__atomic_load_n(&sub->invalidate_seq,
				      __ATOMIC_RELAXED) & 1))
			mm_fail(mm, where, "notifier with even sequence");
	}
	if (n != mm->nr_notifiers)
		mm_fail(mm, where, "notifier count mismatch");

	for (sub = mm->deferred; sub; sub = sub->deferred_next) {
		if (++nd > mm->nr_deferred)
			mm_fail(mm, where, "deferred list longer than counted");
		if (sub->mm != mm)
			mm_fail(mm, where, "deferred notifier of another mm");
		/* A deferred remove is listed; a deferred insert is not. */
		if (sub->deferred_remove != sub->inserted ||
		    sub->inserted != mm_on_list(mm, sub))
			mm_fail(mm, where,
				"deferred entry both (or neither) listed and queued");
	}
	if (nd != mm->nr_deferred)
		mm_fail(mm, where, "deferred count mismatch");
}
#else
static void mm_lock(struct mm_struct *mm)
{
	pthread_mutex_lock(&mm->lock);
}

static void mm_unlock(struct mm_struct *mm)
{
	pthread_mutex_unlock(&mm->lock);
}

static void mm_cond_wait(struct mm_struct *mm)
{
	pthread_cond_wait(&mm->wq, &mm->lock);
}

#define mm_assert_locked(mm) ((void)(mm))

static void mm_check_invariants(struct mm_struct *mm, const char *where)
{
	(void)mm;
	(void)where;
}
#endif

/* ---------------------------------------------------------------------- */
/* Notifier list and deferred list (all: mm->lock held) */

static bool mn_itree_is_invalidating(struct mm_struct *mm)
{
	mm_assert_locked(mm);
	return mm->invalidate_seq & 1;
}

static bool mn_overlaps(const struct mmu_interval_notifier *sub,
			unsigned long start, unsigned long last)
{
	return sub->start <= last && sub->last >= start;
}

static void __mm_itree_insert(struct mm_struct *mm,
			      struct mmu_interval_notifier *mni)
{
	struct mmu_interval_notifier **link = &mm->notifiers;

	mm_assert_locked(mm);
	while (*link && (*link)->start <= mni->start)
		link = &(*link)->next;
	mni->next = *link;
	*link = mni;
	mni->inserted = true;
	mm->nr_notifiers++;
}

static void __mm_itree_remove(struct mm_struct *mm,
			      struct mmu_interval_notifier *mni)
{
	struct mmu_interval_notifier **link = &mm->notifiers;

	mm_assert_locked(mm);
	while (*link && *link != mni)
		link = &(*link)->next;
	if (!*link)
		return;
	*link = mni->next;
	mni->next = NULL;
	mni->inserted = false;
	mm->nr_notifiers--;
}

static void __mm_deferred_add(struct mm_struct *mm,
			      struct mmu_interval_notifier *mni)
{
	mm_assert_locked(mm);
	mni->deferred_next = mm->deferred;
	mm->deferred = mni;
	mm->nr_deferred++;
}

static void __mm_deferred_unlink(struct mm_struct *mm,
				 struct mmu_interval_notifier *mni)
{
	struct mmu_interval_notifier **link = &mm->deferred;

	mm_assert_locked(mm);
	while (*link && *link != mni)
		link = &(*link)->deferred_next;
	if (!*link)
		return;
	*link = mni->deferred_next;
	mni->deferred_next = NULL;
	mm->nr_deferred--;
}

/*
 * __mm_apply_deferred() - the list is thawing (seq just became even):
 * perform the inserts and removes queued while it was frozen.
 */
static void __mm_apply_deferred(struct mm_struct *mm)
{
	struct mmu_interval_notifier *sub, *next;

	mm_assert_locked(mm);
	for (sub = mm->deferred; sub; sub = next) {
		next = sub->deferred_next;
		sub->deferred_next = NULL;
		if (sub->deferred_remove) {
			sub->deferred_remove = false;
			__mm_itree_remove(mm, sub);
		} else {
			__mm_itree_insert(mm, sub);
		}
	}
	mm->deferred = NULL;
	mm->nr_deferred = 0;
}

/* ---------------------------------------------------------------------- */
/* Invalidation: start, the three moments, end */

/*
 * mn_itree_inv_start_range() - open an invalidation of @range.
 *
 * Return: the first notifier overlapping the range (the list is then frozen
 * until mn_itree_inv_end()), with *@seq = the odd sequence the driver must
 * store; NULL when nothing overlaps.
 */
static struct mmu_interval_notifier *
mn_itree_inv_start_range(struct mm_struct *mm,
			 const struct mmu_notifier_range *range,
			 unsigned long *seq)
{
	struct mmu_interval_notifier *sub, *res = NULL;
	unsigned long last = range->end - 1;

	mm_lock(mm);
	mm->active_invalidate_ranges++;
	mm->invalidations++;
	for (sub = mm->notifiers; sub && sub->start <= last; sub = sub->next) {
		if (sub->last >= range->start) {
			res = sub;
			break;
		}
	}
	if (res)
		mm->invalidate_seq |= 1;
	*seq = mm->invalidate_seq;
	mm_check_invariants(mm, __func__);
	mm_unlock(mm);
	return res;
}

/*
 * mn_itree_inv_next() - next notifier after @sub overlapping @range.
 * Called without mm->lock: the list is frozen (see DOC: Locking).
 */
static struct mmu_interval_notifier *
mn_itree_inv_next(struct mmu_interval_notifier *sub,
		  const struct mmu_notifier_range *range)
{
	unsigned long last = range->end - 1;

	for (sub = sub->next; sub && sub->start <= last; sub = sub->next)
		if (mn_overlaps(sub, range->start, last))
			return sub;
	return NULL;
}

static void mn_itree_inv_end(struct mm_struct *mm)
{
	bool wake = false;

	mm_lock(mm);
	if (--mm->active_invalidate_ranges == 0 &&
	    mn_itree_is_invalidating(mm)) {
		mm->invalidate_seq++;
		__mm_apply_deferred(mm);
		wake = true;
	}
	mm_check_invariants(mm, __func__);
	mm_unlock(mm);
	if (wake)
		pthread_cond_broadcast(&mm->wq);
}

static void mn_call_invalidate(struct mmu_interval_notifier *first,
			       const struct mmu_notifier_range *range,
			       unsigned long cur_seq)
{
	struct mmu_interval_notifier *sub;

	for (sub = first; sub; sub = mn_itree_inv_next(sub, range)) {
		/*
		 * Every invalidation raised here is blockable, so a false
		 * return is a driver bug; Linux only warns, and so do we.
		 */
		if (!sub->ops->invalidate(sub, range, cur_seq))
			mm_dbg("notifier %p refused a blockable invalidation",
			       (void *)sub);
	}
}

static void mn_call_free_pages(struct mmu_interval_notifier *first,
			       const struct mmu_notifier_range *range)
{
	struct mmu_interval_notifier *sub;

	for (sub = first; sub; sub = mn_itree_inv_next(sub, range))
		if (sub->ops->free_pages)
			sub->ops->free_pages(sub, range);
}

static void mn_call_invalidate_end(struct mmu_interval_notifier *first,
				   const struct mmu_notifier_range *range)
{
	struct mmu_interval_notifier *sub;

	for (sub = first; sub; sub = mn_itree_inv_next(sub, range))
		if (sub->ops->invalidate_end)
			sub->ops->invalidate_end(sub, range);
}

void mm_invalidate_range(struct mm_struct *mm, unsigned long start,
			 unsigned long end, enum mmu_notifier_event event,
			 void *owner)
{
	struct mmu_notifier_range range = {
		.mm = mm,
		.start = start,
		.end = end,
		.flags = MMU_NOTIFIER_RANGE_BLOCKABLE,
		.event = event,
		.owner = owner,
	};
	struct mmu_interval_notifier *first;
	unsigned long cur_seq;

	if (!mm || start >= end)
		return;

	first = mn_itree_inv_start_range(mm, &range, &cur_seq);
	/*
	 * Only when something overlapped at the start is the list frozen; the
	 * later moments then visit exactly the notifiers the start visited.
	 */
	if (first) {
		mn_call_invalidate(first, &range, cur_seq);
		mn_call_free_pages(first, &range);
		mn_call_invalidate_end(first, &range);
	}
	mn_itree_inv_end(mm);
}

/* ---------------------------------------------------------------------- */
/* Interval notifier API */

static void mmgrab(struct mm_struct *mm);
static void mmdrop(struct mm_struct *mm);

int mmu_interval_notifier_insert(struct mmu_interval_notifier *mni,
				 struct mm_struct *mm, unsigned long start,
				 unsigned long length,
				 const struct mmu_interval_notifier_ops *ops)
{
	unsigned long last, seq;

	if (!mni || !mm || !ops || !ops->invalidate)
		return -EINVAL;
	if (length == 0 || __builtin_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;
	/* Linux requires the caller to hold mmget(); we can check it. */
	if (!svm_mm_alive(mm))
		return -ESRCH;

	mmgrab(mm);
	mni->start = start;
	mni->last = last;
	mni->ops = ops;
	mni->mm = mm;
	mni->next = NULL;
	mni->deferred_next = NULL;
	mni->deferred_remove = false;
	mni->inserted = false;

	mm_lock(mm);
	if (mm->active_invalidate_ranges) {
		/*
		 * Some invalidation is open and we cannot know its range, so
		 * assume it covers the new notifier: its sequence is made equal
		 * to the (odd) mm sequence and read_begin waits for the end.
		 * A frozen list cannot change: queue the insert (deferring
		 * instead of retrying keeps this deterministic, no live lock).
		 */
		if (mn_itree_is_invalidating(mm)) {
			__mm_deferred_add(mm, mni);
		} else {
			mm->invalidate_seq |= 1;
			__mm_itree_insert(mm, mni);
		}
		seq = mm->invalidate_seq;
	} else {
		/*
		 * Idle: start one below the even mm sequence, odd, unequal to
		 * it and far from being reached by wrap-around.
		 */
		seq = mm->invalidate_seq - 1;
		__mm_itree_insert(mm, mni);
	}
	__atomic_store_n(&mni->invalidate_seq, seq, __ATOMIC_RELEASE);
	mm_check_invariants(mm, __func__);
	mm_unlock(mm);
	return 0;
}

void mmu_interval_notifier_remove(struct mmu_interval_notifier *mni)
{
	struct mm_struct *mm;
	unsigned long seq = 0;

	if (!mni || !mni->mm)
		return;
	mm = mni->mm;

	mm_lock(mm);
	if (mn_itree_is_invalidating(mm)) {
		if (!mni->inserted) {
			/* Inserted during this invalidation, never listed. */
			__mm_deferred_unlink(mm, mni);
		} else {
			mni->deferred_remove = true;
			__mm_deferred_add(mm, mni);
			seq = mm->invalidate_seq;
		}
	} else {
		__mm_itree_remove(mm, mni);
	}
	mm_check_invariants(mm, __func__);
	/*
	 * A queued removal completes when the sequence moves on, which only
	 * the end of the open invalidation does. Hence the rule that remove
	 * must not be called from a callback or with a lock the callbacks
	 * take.
	 */
	if (seq) {
		while (mm->invalidate_seq == seq)
			mm_cond_wait(mm);
	}
	mm_unlock(mm);

	/* Pairs with mmgrab() in mmu_interval_notifier_insert(). */
	mmdrop(mm);
}

unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *mni)
{
	struct mm_struct *mm = mni->mm;
	unsigned long seq;

	mm_lock(mm);
	/* Pairs with the release store in mmu_interval_set_seq(). */
	seq = __atomic_load_n(&mni->invalidate_seq, __ATOMIC_ACQUIRE);
	/*
	 * The notifier's sequence is always odd, so it can only equal the
	 * mm's while an invalidation that reached this notifier is open; wait
	 * for that one to end. No loop beyond that: read_retry may already be
	 * true on return, the caller bounds its own retries.
	 */
	while (seq == mm->invalidate_seq)
		mm_cond_wait(mm);
	mm_unlock(mm);
	return seq;
}

bool mmu_interval_read_retry(struct mmu_interval_notifier *mni,
			     unsigned long seq)
{
	/* The caller holds its update lock, which set_seq also takes. */
	return __atomic_load_n(&mni->invalidate_seq, __ATOMIC_RELAXED) != seq;
}

bool mmu_interval_check_retry(struct mmu_interval_notifier *mni,
			      unsigned long seq)
{
	/* Lockless hint: a stale answer only delays the collision check. */
	return __atomic_load_n(&mni->invalidate_seq, __ATOMIC_ACQUIRE) != seq;
}

void mmu_interval_set_seq(struct mmu_interval_notifier *mni,
			  unsigned long cur_seq)
{
	__atomic_store_n(&mni->invalidate_seq, cur_seq, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------------- */
/* mm_struct lifetime */

static void mm_free(struct mm_struct *mm)
{
	pthread_cond_destroy(&mm->wq);
	pthread_mutex_destroy(&mm->lock);
	free(mm);
}

static void mmgrab(struct mm_struct *mm)
{
	pthread_mutex_lock(&svm_mm_lock);
	mm->count++;
	pthread_mutex_unlock(&svm_mm_lock);
}

static void mmdrop(struct mm_struct *mm)
{
	bool last;

	pthread_mutex_lock(&svm_mm_lock);
	last = --mm->count == 0;
	pthread_mutex_unlock(&svm_mm_lock);
	if (last)
		mm_free(mm);
}

static struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	if (pthread_mutex_init(&mm->lock, NULL))
		goto err_free;
	if (pthread_cond_init(&mm->wq, NULL))
		goto err_mutex;
	mm->invalidate_seq = 2;
	mm->users = 1;
	mm->count = 1;		/* held by the users as a whole */
	atomic_init(&mm->released, false);
	/* Never fails: without userfaultfd the mm serves explicit calls. */
	mm_uffd_init(mm);
	return mm;

err_mutex:
	pthread_mutex_destroy(&mm->lock);
err_free:
	free(mm);
	return NULL;
}

/*
 * mm_release() - the address space goes away (Linux: exit_mmap). Runs once;
 * the first caller does the work.
 */
static void mm_release(struct mm_struct *mm)
{
	if (atomic_exchange(&mm->released, true))
		return;
	/* The monitor still runs here, so callbacks may unmap memory. */
	mm_invalidate_range(mm, 0, ULONG_MAX, MMU_NOTIFY_RELEASE, NULL);
	mm_uffd_fini(mm);
}

/*
 * A fork child has a new address space, and in Linux a new mm has no
 * notifiers. The child's copy of the parent's mm describes the parent: its
 * monitor thread does not exist here and its userfaultfd belongs to the
 * parent's address space. So in the child that copy is marked released
 * (without callbacks: the drivers' objects are copies too), its
 * userfaultfd copy is closed, and the next svm_mm_get() creates a fresh mm.
 * The child is single threaded here, and locks held by parent threads at
 * fork time would never be released: re-initialise them.
 */
static void svm_mm_atfork_child(void)
{
	struct mm_struct *mm = svm_current_mm;

	pthread_mutex_init(&svm_mm_lock, NULL);
	svm_current_mm = NULL;
	if (!mm)
		return;
	pthread_mutex_init(&mm->lock, NULL);
	pthread_cond_init(&mm->wq, NULL);
#if SVMCL_DEBUG_CHECKS
	atomic_store(&mm->lock_owner, 0);
#endif
	/* Invalidations in flight belong to parent threads: close them. */
	if (mm->active_invalidate_ranges) {
		mm->active_invalidate_ranges = 0;
		if (mm->invalidate_seq & 1) {
			mm->invalidate_seq++;
			mm_lock(mm);
			__mm_apply_deferred(mm);
			mm_unlock(mm);
		}
	}
	atomic_store(&mm->released, true);
	mm_uffd_fork_child(mm);
}

/*
 * Fork write-protects every private writable page of the parent for
 * copy-on-write, and Linux's copy_page_range() tells the secondary MMUs
 * with an MMU_NOTIFY_PROTECTION_PAGE invalidation. Here the kernel has
 * already done the write-protection when this handler runs in the parent
 * (pthread_atfork's "parent" moment, after the child exists), so devices
 * may have used WRITE translations for a short while longer; that is
 * harmless because the device writes through the CPU's page tables, where
 * the write breaks COW like any CPU write. What matters is that from now
 * on no device keeps a WRITE translation that a snapshot taken before the
 * fork gave it: every fault that read the page tables before this point
 * and commits after it sees the sequence move. We cannot see which VMAs
 * are COW mappings, so the whole user range is invalidated (Linux only
 * invalidates the COW ones; devices refault the others, read-only first).
 * vfork() and posix_spawn() copy no page tables and run no handlers; a
 * raw clone() that does copy them is not observable (docs/hmm.md).
 */
static void svm_mm_atfork_parent(void)
{
	struct mm_struct *mm;

	pthread_mutex_lock(&svm_mm_lock);
	mm = svm_current_mm;
	if (mm)
		mm->count++;	/* mmgrab(): a concurrent put cannot free it */
	pthread_mutex_unlock(&svm_mm_lock);
	if (!mm)
		return;
	if (svm_mm_alive(mm))
		mm_invalidate_range(mm, 0, MM_USER_VA_END,
				    MMU_NOTIFY_PROTECTION_PAGE, NULL);
	mmdrop(mm);
}

static void svm_mm_init_once(void)
{
	pthread_atfork(NULL, svm_mm_atfork_parent, svm_mm_atfork_child);
}

struct mm_struct *svm_mm_get(void)
{
	struct mm_struct *mm;

	pthread_once(&svm_mm_once, svm_mm_init_once);
	pthread_mutex_lock(&svm_mm_lock);
	mm = svm_current_mm;
	if (mm) {
		mm->users++;
	} else {
		mm = mm_alloc();
		svm_current_mm = mm;
	}
	pthread_mutex_unlock(&svm_mm_lock);
	return mm;
}

void svm_mm_put(struct mm_struct *mm)
{
	bool last;

	if (!mm)
		return;
	pthread_mutex_lock(&svm_mm_lock);
	last = --mm->users == 0;
	if (last && svm_current_mm == mm)
		svm_current_mm = NULL;
	pthread_mutex_unlock(&svm_mm_lock);
	if (!last)
		return;
	mm_release(mm);
	mmdrop(mm);	/* the users' share of count */
}

bool svm_mm_alive(struct mm_struct *mm)
{
	return mm && !atomic_load(&mm->released);
}

/*
 * At process exit the address space dies whether or not every user said
 * goodbye: release the current mm so that drivers see RELEASE and the
 * monitor thread is joined before libc tears down.
 */
__attribute__((destructor)) static void svm_mm_exit(void)
{
	struct mm_struct *mm;

	pthread_mutex_lock(&svm_mm_lock);
	mm = svm_current_mm;
	if (mm) {
		svm_current_mm = NULL;
		mm->count++;
	}
	pthread_mutex_unlock(&svm_mm_lock);
	if (!mm)
		return;
	mm_release(mm);
	mmdrop(mm);
}

void mm_get_stats(struct mm_struct *mm, struct mm_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!mm)
		return;
	mm_lock(mm);
	out->invalidations = mm->invalidations;
	mm_unlock(mm);
	mm_uffd_get_stats(mm, out);
}
