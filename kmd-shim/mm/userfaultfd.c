/* SPDX-License-Identifier: MIT */
/*
 * userfaultfd.c - CPU address-space changes as invalidations.
 *
 * DOC: Overview
 *
 * Each mm owns one userfaultfd in non-cooperative mode with the UNMAP,
 * REMOVE and REMAP events enabled, and a monitor thread that turns those
 * events into invalidations:
 *
 *	UFFD_EVENT_UNMAP  [start, end)          -> MMU_NOTIFY_UNMAP
 *	UFFD_EVENT_REMOVE [start, end)          -> MMU_NOTIFY_CLEAR
 *	                  (madvise DONTNEED/REMOVE/FREE zaps; Linux uses CLEAR)
 *	UFFD_EVENT_REMAP  from, to, len         -> MMU_NOTIFY_UNMAP of
 *	                                           [from, from + len)
 *
 * The kernel only reports events for VMAs registered with the userfaultfd.
 * mm_watch_range() registers the 2 MiB granules around a range in
 * write-protect mode only: WP registration delivers the events above but
 * never intercepts an ordinary page fault (nothing is write-protected
 * until UFFDIO_WRITEPROTECT, which only a migration issues, on a range it
 * registered in MISSING|WP mode itself), and it succeeds across holes. Registered granules are remembered in a hash set so that watching
 * again is a lookup. Granules whose VMAs cannot be registered (regular file
 * mappings, VM_PFNMAP, special mappings, ...) fall back to the exact
 * page-aligned range; if that fails too the range is reported -ENOTSUP
 * and the caller relies on explicit invalidations for it.
 *
 * After an UNMAP or REMAP the watch records of the granules touched are
 * forgotten: whatever is mapped there next is not registered until someone
 * watches it again.
 *
 * Page faults (migration). Ranges migrated to device memory are registered
 * in MISSING|WP mode by the HMM layer (mm_userfault_register()), so CPU
 * accesses to their absent pages, and writes to pages write-protected
 * while a migration copies them, block in the kernel and reach the monitor
 * as UFFD_EVENT_PAGEFAULT. The monitor hands them to the &mm_userfault_ops
 * the HMM layer installed, which brings the page back with UFFDIO_COPY
 * (migrate_to_ram). Without ops a fault is resolved as the kernel would
 * have: the zero page (or a zeroed copy for a write), or write permission.
 * The userfaultfd is opened without UFFD_USER_MODE_ONLY where allowed, so
 * that faults the kernel takes on behalf of the process (MADV_POPULATE_*
 * from hmm_range_fault(), read(2) into a migrated buffer) are intercepted
 * too; with USER_MODE_ONLY they would fail with EFAULT, and migration is
 * then refused.
 *
 * Around the invalidation of an UNMAP, REMOVE or REMAP event the monitor
 * calls ops->event_start() and ops->event_end(), so that device pages of
 * the range stop being visible before devices are told and are freed only
 * after every device has dropped them.
 *
 * Timing (what the kernel guarantees): a thread that unmaps (munmap, brk
 * shrink, mremap) is held in the kernel, after the unmap and after dropping
 * mmap_lock, until the monitor has *read* the event; madvise(DONTNEED) is
 * held before its zap until the REMOVE event is read. So once such a call
 * has returned its event has been read, and mm_sync_events() waits until
 * every event read so far has been processed. The invalidation therefore
 * arrives after the CPU unmap for UNMAP/REMAP: a device that still holds a
 * translation may fault on an address that is already gone, which the GPU
 * layer reports as a device fault.
 *
 * DOC: Locking and deadlock rules
 *
 * - watch_lock protects the watched-granule set and the registration
 *   counter, and the fd against teardown. Held across UFFDIO_REGISTER,
 *   which takes mmap_lock for writing but never waits for the monitor
 *   (the kernel drops mmap_lock before waiting for an event to be read).
 * - event_lock protects the read/processed accounting; event_cond is
 *   broadcast whenever it changes.
 * - The monitor calls mm_invalidate_range(), i.e. driver callbacks, with
 *   no lock of this file held.
 *
 * Rules, because a thread blocked in munmap() waits for the monitor:
 *
 * 1. The monitor thread never calls munmap/madvise/free on memory that may
 *    be watched, and does not call malloc/free at all in its event path
 *    (malloc can block on an arena lock held by a thread that is itself
 *    blocked in a brk shrink or munmap). Event buffers are on its stack.
 *    Invalidate callbacks run on the monitor and inherit this rule.
 * 2. Nobody frees or allocates memory while holding watch_lock: the hash
 *    set is grown with the lock dropped (mm_watch_reserve()).
 * 3. An invalidate callback may take the driver's VM lock; therefore no
 *    thread may wait for the monitor (mm_sync_events, dropping the last mm
 *    reference) while holding that VM lock, and the GPU layer never waits
 *    for a thread that is blocked in munmap.
 * 4. mm_sync_events() and mm_watch_range() from the monitor itself (that
 *    is, from a callback) do not wait.
 * 5. The monitor never blocks on a lock held by a thread that can itself
 *    wait for the monitor (in an event, or blocked in a page fault of a
 *    MISSING|WP range). The userfault ops inherit this: they take only
 *    short leaf locks and never wait for a migration to finish; a fault
 *    they cannot resolve now is left blocked and woken later by whoever
 *    owns the page.
 * 6. The mm_userfault_*() ioctls never wait for the monitor; -EAGAIN (an
 *    event queued but not read yet) is returned to the caller, which must
 *    not retry while holding a lock the monitor may take. On the monitor
 *    itself an op that gets -EAGAIN wakes the faulting thread instead: it
 *    faults again after the monitor has read the pending event.
 * 7. hook_lock is never held while an op runs, so installing or clearing
 *    the ops never waits for the ops' own locks; clearing waits until the
 *    calls in flight return (rule: not from an op, not under locks they
 *    take).
 *
 * Teardown: tell the monitor to stop; on leaving its loop it closes the
 * userfaultfd (under watch_lock), which releases every registration and
 * wakes any thread still waiting for an event to be read; then it is
 * joined. The monitor closes rather than the joiner because the exit of a
 * thread madvise()s its stack, which may be watched: with the fd still
 * open that REMOVE event would wait for the exiting monitor itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mm/mm_internal.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

#define MM_UFFD_FEATURES (UFFD_FEATURE_EVENT_UNMAP | UFFD_FEATURE_EVENT_REMOVE | \
			  UFFD_FEATURE_EVENT_REMAP | UFFD_FEATURE_PAGEFAULT_FLAG_WP)
/* Wanted but not required: who faulted (the HMM layer needs it). */
#define MM_UFFD_OPTIONAL_FEATURES UFFD_FEATURE_THREAD_ID

#define MM_PAGE_MASK (~(MM_PAGE_SIZE - 1))

/* Messages read per read(2); lives on the monitor's stack. */
#define MM_UFFD_BATCH 32

/*
 * Granules made room for in one call (2^18 granules = 512 GiB). Beyond it
 * granules are still registered but may not be remembered (re-registering
 * is idempotent), which bounds the memory a huge watch can cost.
 */
#define MM_WATCH_RESERVE_MAX (1ul << 18)

/* ---------------------------------------------------------------------- */
/* Granule hash set (watch_lock held for every operation) */

#define GSET_EMPTY (~0ul)
#define GSET_TOMB (~0ul - 1)

static size_t gset_hash(unsigned long key, size_t cap)
{
	uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static bool gset_contains(const struct mm_granule_set *set, unsigned long key)
{
	size_t i, n;

	if (!set->cap)
		return false;
	for (i = gset_hash(key, set->cap), n = 0; n < set->cap;
	     i = (i + 1) & (set->cap - 1), n++) {
		if (set->slots[i] == key)
			return true;
		if (set->slots[i] == GSET_EMPTY)
			return false;
	}
	return false;
}

/*
 * gset_insert() - add @key; false when it would take the last free slot
 * (the caller then simply does not remember the granule; watching it
 * again re-registers, which is idempotent).
 */
static bool gset_insert(struct mm_granule_set *set, unsigned long key)
{
	size_t i, n, tomb = SIZE_MAX;

	if (!set->cap || set->used + set->tombs + 1 >= set->cap)
		return false;
	for (i = gset_hash(key, set->cap), n = 0; n < set->cap;
	     i = (i + 1) & (set->cap - 1), n++) {
		if (set->slots[i] == key)
			return true;
		if (set->slots[i] == GSET_TOMB && tomb == SIZE_MAX)
			tomb = i;
		if (set->slots[i] == GSET_EMPTY)
			break;
	}
	if (tomb != SIZE_MAX) {
		set->slots[tomb] = key;
		set->tombs--;
	} else {
		set->slots[i] = key;
	}
	set->used++;
	return true;
}

static void gset_erase(struct mm_granule_set *set, unsigned long key)
{
	size_t i, n;

	if (!set->cap)
		return;
	for (i = gset_hash(key, set->cap), n = 0; n < set->cap;
	     i = (i + 1) & (set->cap - 1), n++) {
		if (set->slots[i] == key) {
			set->slots[i] = GSET_TOMB;
			set->used--;
			set->tombs++;
			return;
		}
		if (set->slots[i] == GSET_EMPTY)
			return;
	}
}

/* Capacity that keeps the load (keys + tombstones) under 3/4. */
static size_t gset_wanted_cap(const struct mm_granule_set *set, size_t extra)
{
	size_t need = set->used + extra, cap = 64;

	if (set->cap && (set->used + set->tombs + extra) * 4 < set->cap * 3)
		return 0;	/* fits as is */
	while (cap * 3 <= need * 4)
		cap *= 2;
	return cap;
}

/* Move every live key into @slots (capacity @cap); return the old array. */
static unsigned long *gset_rehash(struct mm_granule_set *set,
				  unsigned long *slots, size_t cap)
{
	unsigned long *old = set->slots;
	size_t old_cap = set->cap, i;

	set->slots = slots;
	set->cap = cap;
	set->used = 0;
	set->tombs = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i] != GSET_EMPTY && old[i] != GSET_TOMB)
			gset_insert(set, old[i]);
	return old;
}

/*
 * mm_watch_reserve() - make room for @extra more granules. Allocation and
 * free happen with watch_lock dropped (rule 2).
 */
static int mm_watch_reserve(struct mm_uffd *u, size_t extra)
{
	for (;;) {
		unsigned long *slots, *old;
		size_t cap, seen_cap, i;

		pthread_mutex_lock(&u->watch_lock);
		seen_cap = u->watched.cap;
		cap = gset_wanted_cap(&u->watched, extra);
		pthread_mutex_unlock(&u->watch_lock);
		if (!cap)
			return 0;

		if (cap > SIZE_MAX / sizeof(*slots))
			return -ENOMEM;
		slots = malloc(cap * sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (i = 0; i < cap; i++)
			slots[i] = GSET_EMPTY;

		pthread_mutex_lock(&u->watch_lock);
		if (u->watched.cap != seen_cap) {
			/* Someone else resized meanwhile: start over. */
			pthread_mutex_unlock(&u->watch_lock);
			free(slots);
			continue;
		}
		old = gset_rehash(&u->watched, slots, cap);
		pthread_mutex_unlock(&u->watch_lock);
		free(old);
		return 0;
	}
}

/* ---------------------------------------------------------------------- */
/* Registration */

static int mm_uffd_register(int fd, unsigned long start, unsigned long len)
{
	struct uffdio_register reg = {
		.range = { .start = start, .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};

	if (ioctl(fd, UFFDIO_REGISTER, &reg) == 0)
		return 0;
	return -errno;
}

/*
 * EINVAL: a VMA in the range cannot be registered (file mapping, PFNMAP,
 * special mapping, or no VMA at all); EPERM: a shared mapping without
 * VM_MAYWRITE; EBUSY: registered with another userfaultfd (the application
 * has its own). All mean "this mapping type cannot be watched".
 */
static bool mm_uffd_incompatible(int err)
{
	return err == -EINVAL || err == -EPERM || err == -EBUSY;
}

static void __mm_watch_record(struct mm_uffd *u, unsigned long first,
			      unsigned long last)
{
	unsigned long g;

	for (g = first; g <= last; g++)
		gset_insert(&u->watched, g);
}

/* True when every page of granule @g is inside some mapping (no hole). */
static bool mm_granule_fully_mapped(unsigned long g)
{
	return msync((void *)(g << MM_WATCH_GRANULE_SHIFT),
		     MM_WATCH_GRANULE_SIZE, MS_ASYNC) == 0;
}

/*
 * __mm_watch_granule() - register one granule, or failing that the part of
 * [start, end) inside it (not remembered: it does not cover the granule).
 *
 * A granule is remembered as watched only when it had no hole before it
 * was registered: a registration covers the mappings that exist when it
 * is made, so a mapping created later in a hole would not be watched, and
 * remembering the granule would keep anyone from registering it. The check
 * comes first: a hole that appears afterwards comes from an unmap, whose
 * event forgets the granule again.
 */
static int __mm_watch_granule(struct mm_uffd *u, unsigned long g,
			      unsigned long start, unsigned long end)
{
	unsigned long gstart = g << MM_WATCH_GRANULE_SHIFT;
	unsigned long gend = gstart + MM_WATCH_GRANULE_SIZE;
	bool full = mm_granule_fully_mapped(g);
	unsigned long a, b;
	int err;

	err = mm_uffd_register(u->fd, gstart, MM_WATCH_GRANULE_SIZE);
	if (!err) {
		u->watch_registrations++;
		if (full)
			__mm_watch_record(u, g, g);
		return 0;
	}
	if (!mm_uffd_incompatible(err))
		return err;

	a = start & ~(MM_PAGE_SIZE - 1);
	b = (end + MM_PAGE_SIZE - 1) & ~(MM_PAGE_SIZE - 1);
	if (a < gstart)
		a = gstart;
	if (b > gend)
		b = gend;
	err = mm_uffd_register(u->fd, a, b - a);
	if (!err) {
		u->watch_registrations++;
		return 0;
	}
	mm_dbg("cannot watch [%#lx, %#lx): %s", a, b, strerror(-err));
	return mm_uffd_incompatible(err) ? -ENOTSUP : err;
}

/*
 * __mm_watch_run() - register the unwatched granules [first, last], granule
 * by granule so that each is remembered only when it had no hole, and an
 * incompatible VMA in one does not keep the others from being watched.
 */
static int __mm_watch_run(struct mm_uffd *u, unsigned long first,
			  unsigned long last, unsigned long start,
			  unsigned long end)
{
	unsigned long g;
	int err, ret = 0;

	for (g = first; g <= last; g++) {
		err = __mm_watch_granule(u, g, start, end);
		if (err == -ENOTSUP)
			ret = -ENOTSUP;
		else if (err)
			return err;
	}
	return ret;
}

/*
 * mm_uffd_wait_reads() - wait until the read section in flight (if any)
 * has finished. After it, every event whose unmapping thread has already
 * returned is counted in events_read and its watch record forgotten.
 * Return: events_read at that point.
 */
static uint64_t mm_uffd_wait_reads(struct mm_uffd *u)
{
	uint64_t gen, read;

	pthread_mutex_lock(&u->event_lock);
	gen = u->reads_started;
	while (u->monitor_running && u->reads_done < gen)
		pthread_cond_wait(&u->event_cond, &u->event_lock);
	read = u->events_read;
	pthread_mutex_unlock(&u->event_lock);
	return read;
}

static bool mm_uffd_on_monitor(const struct mm_uffd *u)
{
	return u->monitor_started && pthread_equal(pthread_self(), u->monitor);
}

bool mm_on_monitor_thread(struct mm_struct *mm)
{
	return mm && mm_uffd_on_monitor(&mm->uffd);
}

int mm_watch_range(struct mm_struct *mm, unsigned long start,
		   unsigned long end)
{
	struct mm_uffd *u;
	unsigned long first, last, g, run_end;
	int err, ret = 0;

	if (!mm || start >= end || end > MM_USER_VA_END)
		return -EINVAL;
	if (!svm_mm_alive(mm))
		return -ESRCH;
	u = &mm->uffd;
	if (!u->monitor_started)
		return -ENOTSUP;

	first = start >> MM_WATCH_GRANULE_SHIFT;
	last = (end - 1) >> MM_WATCH_GRANULE_SHIFT;

	/*
	 * An unmap that returned before this call may still have its watch
	 * record pending removal by the read section in flight; a stale
	 * record would make us skip registering a new mapping at that
	 * address. The read section never waits for anything, so this wait
	 * is short and safe even with driver locks held.
	 */
	if (!mm_uffd_on_monitor(u))
		mm_uffd_wait_reads(u);

	err = mm_watch_reserve(u, last - first + 1 < MM_WATCH_RESERVE_MAX ?
				  last - first + 1 : MM_WATCH_RESERVE_MAX);
	if (err)
		return err;

	pthread_mutex_lock(&u->watch_lock);
	if (u->fd < 0) {
		pthread_mutex_unlock(&u->watch_lock);
		return -ENOTSUP;
	}
	for (g = first; g <= last; g = run_end + 1) {
		run_end = g;
		if (gset_contains(&u->watched, g))
			continue;
		while (run_end < last && !gset_contains(&u->watched, run_end + 1))
			run_end++;
		err = __mm_watch_run(u, g, run_end, start, end);
		if (err == -ENOTSUP) {
			ret = -ENOTSUP;
		} else if (err) {
			ret = err;
			break;
		}
	}
	pthread_mutex_unlock(&u->watch_lock);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The monitor */

static void mm_watch_forget(struct mm_uffd *u, unsigned long start,
			    unsigned long end)
{
	unsigned long g, first, last;

	if (start >= end || end > MM_USER_VA_END)
		return;
	first = start >> MM_WATCH_GRANULE_SHIFT;
	last = (end - 1) >> MM_WATCH_GRANULE_SHIFT;
	pthread_mutex_lock(&u->watch_lock);
	for (g = first; g <= last && u->watched.used; g++)
		gset_erase(&u->watched, g);
	pthread_mutex_unlock(&u->watch_lock);
}

/* ---------------------------------------------------------------------- */
/* Userfault ioctls (fd_lock held for reading around each) */

static int mm_uffd_ioctl(struct mm_uffd *u, unsigned long req, void *arg)
{
	int ret;

	pthread_rwlock_rdlock(&u->fd_lock);
	if (u->fd < 0)
		ret = -EOPNOTSUPP;
	else
		ret = ioctl(u->fd, req, arg) ? -errno : 0;
	pthread_rwlock_unlock(&u->fd_lock);
	return ret;
}

static bool mm_userfault_range_ok(unsigned long start, unsigned long len)
{
	return len && !((start | len) & ~MM_PAGE_MASK) &&
	       start < MM_USER_VA_END && len <= MM_USER_VA_END - start;
}

static int __mm_userfault_copy(struct mm_uffd *u, unsigned long dst,
			       const void *src, unsigned long len, bool wake)
{
	struct uffdio_copy copy = {
		.dst = dst,
		.src = (unsigned long)src,
		.len = len,
		.mode = wake ? 0 : UFFDIO_COPY_MODE_DONTWAKE,
	};
	int ret = mm_uffd_ioctl(u, UFFDIO_COPY, &copy);

	/* A partial copy reports what it did in .copy; so do we. */
	if (ret && copy.copy > 0 && (unsigned long)copy.copy < len)
		return -EAGAIN;
	return ret;
}

static int __mm_userfault_zeropage(struct mm_uffd *u, unsigned long dst,
				   unsigned long len)
{
	struct uffdio_zeropage zp = { .range = { .start = dst, .len = len } };

	return mm_uffd_ioctl(u, UFFDIO_ZEROPAGE, &zp);
}

static int __mm_userfault_wp(struct mm_uffd *u, unsigned long start,
			     unsigned long len, bool protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = start, .len = len },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return mm_uffd_ioctl(u, UFFDIO_WRITEPROTECT, &wp);
}

static int __mm_userfault_wake(struct mm_uffd *u, unsigned long start,
			       unsigned long len)
{
	struct uffdio_range range = { .start = start, .len = len };

	return mm_uffd_ioctl(u, UFFDIO_WAKE, &range);
}

int mm_userfault_register(struct mm_struct *mm, unsigned long start,
			  unsigned long end)
{
	struct uffdio_register reg = {
		.range = { .start = start, .len = end - start },
		.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
	};

	if (!mm || start >= end || !mm_userfault_range_ok(start, end - start))
		return -EINVAL;
	if (!svm_mm_alive(mm))
		return -ESRCH;
	if (!mm->uffd.kernel_faults)
		return -EOPNOTSUPP;
	/*
	 * On a range this userfaultfd already watches (WP mode) the kernel
	 * adds MISSING to the VMAs' modes; on MISSING|WP ranges it is a
	 * no-op.
	 */
	return mm_uffd_ioctl(&mm->uffd, UFFDIO_REGISTER, &reg);
}

int mm_userfault_writeprotect(struct mm_struct *mm, unsigned long start,
			      unsigned long end, bool protect)
{
	if (!mm || start >= end || !mm_userfault_range_ok(start, end - start))
		return -EINVAL;
	return __mm_userfault_wp(&mm->uffd, start, end - start, protect);
}

int mm_userfault_copy(struct mm_struct *mm, unsigned long dst,
		      const void *src, unsigned long len, bool wake)
{
	if (!mm || !src || !mm_userfault_range_ok(dst, len))
		return -EINVAL;
	return __mm_userfault_copy(&mm->uffd, dst, src, len, wake);
}

int mm_userfault_zeropage(struct mm_struct *mm, unsigned long dst,
			  unsigned long len)
{
	if (!mm || !mm_userfault_range_ok(dst, len))
		return -EINVAL;
	return __mm_userfault_zeropage(&mm->uffd, dst, len);
}

int mm_userfault_wake(struct mm_struct *mm, unsigned long start,
		      unsigned long len)
{
	if (!mm || !mm_userfault_range_ok(start, len))
		return -EINVAL;
	return __mm_userfault_wake(&mm->uffd, start, len);
}

/* ---------------------------------------------------------------------- */
/* Userfault ops */

int mm_set_userfault_ops(struct mm_struct *mm,
			 const struct mm_userfault_ops *ops, void *data)
{
	struct mm_uffd *u;
	int ret = 0;

	if (!mm || !ops || !ops->fault)
		return -EINVAL;
	if (!svm_mm_alive(mm))
		return -ESRCH;
	u = &mm->uffd;
	if (!u->monitor_started || !u->kernel_faults)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&u->hook_lock);
	if (u->ops && (u->ops != ops || u->ops_data != data))
		ret = -EBUSY;
	else {
		u->ops = ops;
		u->ops_data = data;
	}
	pthread_mutex_unlock(&u->hook_lock);
	return ret;
}

void mm_clear_userfault_ops(struct mm_struct *mm)
{
	struct mm_uffd *u;

	if (!mm)
		return;
	u = &mm->uffd;
	pthread_mutex_lock(&u->hook_lock);
	u->ops = NULL;
	u->ops_data = NULL;
	while (u->ops_calls)
		pthread_cond_wait(&u->hook_cond, &u->hook_lock);
	pthread_mutex_unlock(&u->hook_lock);
}

/* Pin the ops for one call; NULL when none are installed. */
static const struct mm_userfault_ops *mm_uffd_ops_get(struct mm_uffd *u,
						      void **data)
{
	const struct mm_userfault_ops *ops;

	pthread_mutex_lock(&u->hook_lock);
	ops = u->ops;
	*data = u->ops_data;
	if (ops)
		u->ops_calls++;
	pthread_mutex_unlock(&u->hook_lock);
	return ops;
}

static void mm_uffd_ops_put(struct mm_uffd *u)
{
	pthread_mutex_lock(&u->hook_lock);
	if (--u->ops_calls == 0)
		pthread_cond_broadcast(&u->hook_cond);
	pthread_mutex_unlock(&u->hook_lock);
}

/* A page of zeros for a write fault's first touch (saves the COW fault). */
static const unsigned char mm_zero_page[MM_PAGE_SIZE]
	__attribute__((aligned(MM_PAGE_SIZE)));

/*
 * mm_uffd_default_fault() - what the kernel would have done without a
 * userfaultfd: a first touch gets a zero page, a write-protect fault gets
 * write permission. Whatever fails (-EEXIST: somebody installed the page;
 * -EAGAIN: an event is pending; -ENOENT: the VMA went away), the thread is
 * woken and simply faults again.
 */
static void mm_uffd_default_fault(struct mm_uffd *u, unsigned long page,
				  unsigned int flags)
{
	int err;

	if (flags & MM_USERFAULT_WP)
		err = __mm_userfault_wp(u, page, MM_PAGE_SIZE, false);
	else if (flags & MM_USERFAULT_WRITE)
		err = __mm_userfault_copy(u, page, mm_zero_page, MM_PAGE_SIZE,
					  true);
	else
		err = __mm_userfault_zeropage(u, page, MM_PAGE_SIZE);
	if (err)
		__mm_userfault_wake(u, page, MM_PAGE_SIZE);
}

static void mm_uffd_fault(struct mm_struct *mm, const struct uffd_msg *msg)
{
	struct mm_uffd *u = &mm->uffd;
	unsigned long page = msg->arg.pagefault.address & MM_PAGE_MASK;
	unsigned int flags = 0;
	const struct mm_userfault_ops *ops;
	void *data;
	int tid = 0;

	if (msg->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE)
		flags |= MM_USERFAULT_WRITE;
	if (msg->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)
		flags |= MM_USERFAULT_WP;
	if (u->thread_id)
		tid = (int)msg->arg.pagefault.feat.ptid;

	ops = mm_uffd_ops_get(u, &data);
	if (!ops) {
		mm_uffd_default_fault(u, page, flags);
		return;
	}
	ops->fault(mm, page, flags, tid, data);
	mm_uffd_ops_put(u);
}

/*
 * mm_uffd_invalidate_event() - one UNMAP/REMOVE/REMAP event: the ops'
 * start, the invalidation of the pages the CPU lost, the ops' end.
 */
static void mm_uffd_invalidate_event(struct mm_struct *mm,
				     const struct mm_userfault_event *ev,
				     enum mmu_notifier_event event)
{
	struct mm_uffd *u = &mm->uffd;
	const struct mm_userfault_ops *ops;
	void *data;

	ops = mm_uffd_ops_get(u, &data);
	if (ops && ops->event_start)
		ops->event_start(mm, ev, data);
	if (ops)
		mm_uffd_ops_put(u);

	mm_invalidate_range(mm, ev->start, ev->end, event, NULL);

	ops = mm_uffd_ops_get(u, &data);
	if (ops && ops->event_end)
		ops->event_end(mm, ev, data);
	if (ops)
		mm_uffd_ops_put(u);
}

/* The read section's half of the work: forget unmapped granules. */
static void mm_uffd_forget_batch(struct mm_uffd *u, const struct uffd_msg *msgs,
				 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct uffd_msg *m = &msgs[i];

		if (m->event == UFFD_EVENT_UNMAP)
			mm_watch_forget(u, m->arg.remove.start, m->arg.remove.end);
		else if (m->event == UFFD_EVENT_REMAP &&
			 m->arg.remap.from + m->arg.remap.len > m->arg.remap.from)
			mm_watch_forget(u, m->arg.remap.from,
					m->arg.remap.from + m->arg.remap.len);
	}
}

/* A kernel-supplied range we can safely do page arithmetic on. */
static bool mm_uffd_sane(unsigned long start, unsigned long end)
{
	return start < end && end <= MM_USER_VA_END &&
	       !((start | end) & ~MM_PAGE_MASK);
}

static void mm_uffd_handle(struct mm_struct *mm, const struct uffd_msg *m)
{
	struct mm_uffd *u = &mm->uffd;
	struct mm_userfault_event ev;
	unsigned long from, len;

	switch (m->event) {
	case UFFD_EVENT_UNMAP:
		atomic_fetch_add(&u->unmap_events, 1);
		ev = (struct mm_userfault_event){
			.type = MM_USERFAULT_UNMAP,
			.start = m->arg.remove.start,
			.end = m->arg.remove.end,
		};
		if (mm_uffd_sane(ev.start, ev.end))
			mm_uffd_invalidate_event(mm, &ev, MMU_NOTIFY_UNMAP);
		break;
	case UFFD_EVENT_REMOVE:
		atomic_fetch_add(&u->remove_events, 1);
		ev = (struct mm_userfault_event){
			.type = MM_USERFAULT_REMOVE,
			.start = m->arg.remove.start,
			.end = m->arg.remove.end,
		};
		if (mm_uffd_sane(ev.start, ev.end))
			mm_uffd_invalidate_event(mm, &ev, MMU_NOTIFY_CLEAR);
		break;
	case UFFD_EVENT_REMAP:
		atomic_fetch_add(&u->remap_events, 1);
		from = m->arg.remap.from;
		len = m->arg.remap.len;
		ev = (struct mm_userfault_event){
			.type = MM_USERFAULT_REMAP,
			.start = from,
			.end = from + len,
			.to = m->arg.remap.to,
		};
		if (from + len > from && mm_uffd_sane(ev.start, ev.end) &&
		    mm_uffd_sane(ev.to, ev.to + len))
			mm_uffd_invalidate_event(mm, &ev, MMU_NOTIFY_UNMAP);
		break;
	case UFFD_EVENT_PAGEFAULT:
		mm_uffd_fault(mm, m);
		break;
	default:
		break;
	}
}

static void mm_uffd_read_begin(struct mm_uffd *u)
{
	pthread_mutex_lock(&u->event_lock);
	u->reads_started++;
	pthread_mutex_unlock(&u->event_lock);
}

static void mm_uffd_read_end(struct mm_uffd *u, size_t n)
{
	pthread_mutex_lock(&u->event_lock);
	u->reads_done++;
	u->events_read += n;
	pthread_mutex_unlock(&u->event_lock);
	pthread_cond_broadcast(&u->event_cond);
}

static void mm_uffd_event_done(struct mm_uffd *u)
{
	pthread_mutex_lock(&u->event_lock);
	u->events_processed++;
	pthread_mutex_unlock(&u->event_lock);
	pthread_cond_broadcast(&u->event_cond);
}

/*
 * mm_uffd_close() - close the userfaultfd: every registration goes and
 * every thread still waiting for an event to be read is released.
 */
static void mm_uffd_close(struct mm_uffd *u)
{
	int fd;

	pthread_rwlock_wrlock(&u->fd_lock);
	pthread_mutex_lock(&u->watch_lock);
	fd = u->fd;
	u->fd = -1;
	pthread_mutex_unlock(&u->watch_lock);
	pthread_rwlock_unlock(&u->fd_lock);
	if (fd >= 0)
		close(fd);
}

static void mm_uffd_monitor_exit(struct mm_uffd *u)
{
	pthread_mutex_lock(&u->event_lock);
	u->monitor_running = false;
	pthread_mutex_unlock(&u->event_lock);
	pthread_cond_broadcast(&u->event_cond);
}

/*
 * mm_uffd_read_batch() - one read section: read what is queued and forget
 * the granules it unmapped. Return: number of messages, 0 if none, -1 when
 * the userfaultfd is unusable.
 */
static ssize_t mm_uffd_read_batch(struct mm_uffd *u, struct uffd_msg *msgs)
{
	ssize_t n;
	size_t nmsgs = 0;
	int err = 0;

	mm_uffd_read_begin(u);
	do
		n = read(u->fd, msgs, MM_UFFD_BATCH * sizeof(*msgs));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = errno;
	else
		nmsgs = (size_t)n / sizeof(*msgs);
	mm_uffd_forget_batch(u, msgs, nmsgs);
	mm_uffd_read_end(u, nmsgs);

	if (n < 0 && err != EAGAIN) {
		mm_dbg("userfaultfd read failed: errno %d", err);
		return -1;
	}
	return (ssize_t)nmsgs;
}

static void *mm_uffd_monitor(void *arg)
{
	struct mm_struct *mm = arg;
	struct mm_uffd *u = &mm->uffd;
	struct uffd_msg msgs[MM_UFFD_BATCH];

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = u->fd, .events = POLLIN },
			{ .fd = u->stop_fd, .events = POLLIN },
		};
		ssize_t n, i;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;

		n = mm_uffd_read_batch(u, msgs);
		if (n < 0)
			break;
		for (i = 0; i < n; i++) {
			mm_uffd_handle(mm, &msgs[i]);
			mm_uffd_event_done(u);
		}
	}
	/*
	 * Close before this thread ends: glibc madvise()s the stack of an
	 * exiting thread, and that stack may lie in a watched granule. With
	 * the userfaultfd still open the REMOVE event would wait for a reader,
	 * and the only reader is us.
	 */
	mm_uffd_close(u);
	mm_uffd_monitor_exit(u);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Lifecycle */

/*
 * mm_uffd_open_one() - a userfaultfd with @features enabled.
 * Return: the fd, or -1 with errno set.
 */
static int mm_uffd_open_one(int flags, uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | flags);

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api) < 0 ||
	    (api.features & features) != features) {
		close(fd);
		errno = ENOTSUP;
		return -1;
	}
	return fd;
}

/*
 * mm_uffd_open() - prefer a userfaultfd that also sees kernel-mode faults
 * (needs CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1) and reports the
 * faulting thread; settle for user-mode faults and the events alone.
 */
static int mm_uffd_open(struct mm_uffd *u)
{
	static const int modes[] = { 0, UFFD_USER_MODE_ONLY };
	static const uint64_t feats[] = {
		MM_UFFD_FEATURES | MM_UFFD_OPTIONAL_FEATURES,
		MM_UFFD_FEATURES,
	};
	size_t m, f;
	int fd;

	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (f = 0; f < sizeof(feats) / sizeof(feats[0]); f++) {
			fd = mm_uffd_open_one(modes[m], feats[f]);
			if (fd < 0 && errno == EINVAL && modes[m])
				break;	/* kernel < 5.11: no USER_MODE_ONLY */
			if (fd < 0)
				continue;
			u->kernel_faults = !modes[m];
			u->thread_id = feats[f] & UFFD_FEATURE_THREAD_ID;
			if (!u->kernel_faults)
				mm_dbg("userfaultfd sees user-mode faults only; "
				       "migration to device memory disabled");
			return fd;
		}
	}
	mm_dbg("userfaultfd unavailable or lacks UNMAP/REMOVE/REMAP events; "
	       "explicit invalidations only");
	return -1;
}

static int mm_uffd_start_monitor(struct mm_struct *mm)
{
	struct mm_uffd *u = &mm->uffd;
	sigset_t all, old;
	int err;

	/* Signals belong to the application's threads, not to the monitor. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&u->monitor, NULL, mm_uffd_monitor, mm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

void mm_uffd_init(struct mm_struct *mm)
{
	struct mm_uffd *u = &mm->uffd;

	u->fd = -1;
	u->stop_fd = -1;
	u->monitor_started = false;
	u->monitor_running = false;
	pthread_mutex_init(&u->watch_lock, NULL);
	pthread_mutex_init(&u->event_lock, NULL);
	pthread_cond_init(&u->event_cond, NULL);
	atomic_init(&u->unmap_events, 0);
	atomic_init(&u->remove_events, 0);
	atomic_init(&u->remap_events, 0);
	pthread_rwlock_init(&u->fd_lock, NULL);
	pthread_mutex_init(&u->hook_lock, NULL);
	pthread_cond_init(&u->hook_cond, NULL);
	u->ops = NULL;
	u->ops_data = NULL;
	u->ops_calls = 0;
	u->kernel_faults = false;
	u->thread_id = false;

	u->fd = mm_uffd_open(u);
	if (u->fd < 0)
		return;
	u->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->stop_fd < 0)
		goto err_close_uffd;
	u->monitor_running = true;
	if (mm_uffd_start_monitor(mm))
		goto err_close_stop;
	u->monitor_started = true;
	return;

err_close_stop:
	u->monitor_running = false;
	close(u->stop_fd);
	u->stop_fd = -1;
err_close_uffd:
	mm_dbg("cannot start the userfaultfd monitor; explicit invalidations only");
	close(u->fd);
	u->fd = -1;
}

void mm_uffd_fini(struct mm_struct *mm)
{
	struct mm_uffd *u = &mm->uffd;
	unsigned long *slots;
	uint64_t one = 1;

	/* The monitor closes the userfaultfd on its way out. */
	if (u->monitor_started) {
		if (write(u->stop_fd, &one, sizeof(one)) != sizeof(one))
			mm_dbg("cannot signal the monitor: %s", strerror(errno));
		pthread_join(u->monitor, NULL);
	}
	mm_uffd_close(u);
	mm_uffd_monitor_exit(u);

	pthread_mutex_lock(&u->watch_lock);
	slots = u->watched.slots;
	memset(&u->watched, 0, sizeof(u->watched));
	pthread_mutex_unlock(&u->watch_lock);
	free(slots);

	if (u->stop_fd >= 0)
		close(u->stop_fd);
	u->stop_fd = -1;
	/* The locks stay initialised: stats and sync may still be called. */
}

/* The watch table a fork child inherited (see mm_uffd_fork_child()). */
static unsigned long *mm_uffd_fork_orphan;

void mm_uffd_fork_child(struct mm_struct *mm)
{
	struct mm_uffd *u = &mm->uffd;

	/*
	 * The child is single threaded; the locks may have been held by
	 * parent threads that do not exist here, so start them afresh. The
	 * fds are the child's copies: closing them leaves the parent alone.
	 */
	pthread_mutex_init(&u->watch_lock, NULL);
	pthread_mutex_init(&u->event_lock, NULL);
	pthread_cond_init(&u->event_cond, NULL);
	pthread_rwlock_init(&u->fd_lock, NULL);
	pthread_mutex_init(&u->hook_lock, NULL);
	pthread_cond_init(&u->hook_cond, NULL);
	/* The ops belong to the parent's HMM layer, which the child lacks. */
	u->ops = NULL;
	u->ops_data = NULL;
	u->ops_calls = 0;
	if (u->fd >= 0)
		close(u->fd);
	if (u->stop_fd >= 0)
		close(u->stop_fd);
	u->fd = -1;
	u->stop_fd = -1;
	u->monitor_started = false;
	u->monitor_running = false;
	u->reads_started = u->reads_done = 0;
	u->events_read = u->events_processed = 0;
	/*
	 * The parent's table may be mid-update, so it is not freed; it stays
	 * reachable from mm_uffd_fork_orphan for the life of the child.
	 */
	mm_uffd_fork_orphan = u->watched.slots;
	memset(&u->watched, 0, sizeof(u->watched));
}

void mm_sync_events(struct mm_struct *mm)
{
	struct mm_uffd *u;
	uint64_t target;

	if (!mm)
		return;
	u = &mm->uffd;
	if (mm_uffd_on_monitor(u))
		return;
	target = mm_uffd_wait_reads(u);
	pthread_mutex_lock(&u->event_lock);
	while (u->monitor_running && u->events_processed < target)
		pthread_cond_wait(&u->event_cond, &u->event_lock);
	pthread_mutex_unlock(&u->event_lock);
}

void mm_uffd_get_stats(struct mm_struct *mm, struct mm_stats *out)
{
	struct mm_uffd *u = &mm->uffd;

	out->uffd_unmap_events = atomic_load(&u->unmap_events);
	out->uffd_remove_events = atomic_load(&u->remove_events);
	out->uffd_remap_events = atomic_load(&u->remap_events);
	pthread_mutex_lock(&u->watch_lock);
	out->watch_registrations = u->watch_registrations;
	pthread_mutex_unlock(&u->watch_lock);
}
