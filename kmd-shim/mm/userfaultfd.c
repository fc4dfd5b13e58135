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
 * until UFFDIO_WRITEPROTECT, which we never issue), and it succeeds across
 * holes. Registered granules are remembered in a hash set so that watching
 * again is a lookup. Granules whose VMAs cannot be registered (regular file
 * mappings, VM_PFNMAP, special mappings, ...) fall back to the exact
 * page-aligned range; if that fails too the range is reported -ENOTSUP
 * and the caller relies on explicit invalidations for it.
 *
 * After an UNMAP or REMAP the watch records of the granules touched are
 * forgotten: whatever is mapped there next is not registered until someone
 * watches it again.
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
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mm/mm_internal.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

#define MM_UFFD_FEATURES (UFFD_FEATURE_EVENT_UNMAP | UFFD_FEATURE_EVENT_REMOVE | \
			  UFFD_FEATURE_EVENT_REMAP | UFFD_FEATURE_PAGEFAULT_FLAG_WP)

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

/*
 * __mm_watch_granule() - register one granule, or failing that the part of
 * [start, end) inside it (not remembered: it does not cover the granule).
 */
static int __mm_watch_granule(struct mm_uffd *u, unsigned long g,
			      unsigned long start, unsigned long end)
{
	unsigned long gstart = g << MM_WATCH_GRANULE_SHIFT;
	unsigned long gend = gstart + MM_WATCH_GRANULE_SIZE;
	unsigned long a, b;
	int err;

	err = mm_uffd_register(u->fd, gstart, MM_WATCH_GRANULE_SIZE);
	if (!err) {
		u->watch_registrations++;
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
 * __mm_watch_run() - register the unwatched granules [first, last] with one
 * ioctl; on an incompatible VMA, granule by granule so that the compatible
 * ones are still watched.
 */
static int __mm_watch_run(struct mm_uffd *u, unsigned long first,
			  unsigned long last, unsigned long start,
			  unsigned long end)
{
	unsigned long g;
	int err, ret = 0;

	if (first < last) {
		err = mm_uffd_register(u->fd,
				       first << MM_WATCH_GRANULE_SHIFT,
				       (last - first + 1) << MM_WATCH_GRANULE_SHIFT);
		if (!err) {
			u->watch_registrations++;
			__mm_watch_record(u, first, last);
			return 0;
		}
		if (!mm_uffd_incompatible(err))
			return err;
	}
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

/*
 * A page fault should never reach us (nothing is write-protected and no
 * MISSING registration exists), but a thread left blocked here would hang
 * forever: resolve it.
 */
static void mm_uffd_release_fault(struct mm_uffd *u, const struct uffd_msg *msg)
{
	unsigned long page = msg->arg.pagefault.address & ~(MM_PAGE_SIZE - 1);
	struct uffdio_range range = { .start = page, .len = MM_PAGE_SIZE };

	if (msg->arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) {
		struct uffdio_writeprotect wp = { .range = range, .mode = 0 };

		if (ioctl(u->fd, UFFDIO_WRITEPROTECT, &wp) == 0)
			return;
	}
	ioctl(u->fd, UFFDIO_WAKE, &range);
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

static void mm_uffd_handle(struct mm_struct *mm, const struct uffd_msg *m)
{
	struct mm_uffd *u = &mm->uffd;
	unsigned long from, len;

	switch (m->event) {
	case UFFD_EVENT_UNMAP:
		atomic_fetch_add(&u->unmap_events, 1);
		mm_invalidate_range(mm, m->arg.remove.start, m->arg.remove.end,
				    MMU_NOTIFY_UNMAP, NULL);
		break;
	case UFFD_EVENT_REMOVE:
		atomic_fetch_add(&u->remove_events, 1);
		mm_invalidate_range(mm, m->arg.remove.start, m->arg.remove.end,
				    MMU_NOTIFY_CLEAR, NULL);
		break;
	case UFFD_EVENT_REMAP:
		atomic_fetch_add(&u->remap_events, 1);
		from = m->arg.remap.from;
		len = m->arg.remap.len;
		if (from + len > from)
			mm_invalidate_range(mm, from, from + len,
					    MMU_NOTIFY_UNMAP, NULL);
		break;
	case UFFD_EVENT_PAGEFAULT:
		mm_uffd_release_fault(u, m);
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

	pthread_mutex_lock(&u->watch_lock);
	fd = u->fd;
	u->fd = -1;
	pthread_mutex_unlock(&u->watch_lock);
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

static int mm_uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API, .features = MM_UFFD_FEATURES };
	int fd;

	fd = (int)syscall(SYS_userfaultfd,
			  O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	if (fd < 0 && errno == EINVAL)	/* kernel < 5.11: no USER_MODE_ONLY */
		fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		mm_dbg("userfaultfd unavailable: %s; explicit invalidations only",
		       strerror(errno));
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api) < 0 ||
	    (api.features & MM_UFFD_FEATURES) != MM_UFFD_FEATURES) {
		mm_dbg("userfaultfd lacks UNMAP/REMOVE/REMAP events; "
		       "explicit invalidations only");
		close(fd);
		return -1;
	}
	return fd;
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

	u->fd = mm_uffd_open();
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
