/* SPDX-License-Identifier: MIT */
/*
 * dmirror.c - the dmirror test device: a userspace stand-in for Linux's
 * lib/test_hmm.c, behind the uAPI of include/svmcl/kmd.h.
 *
 * DOC: Overview
 *
 * There are two devices, "dmirror0" and "dmirror1", each with its own
 * device memory (dmirror_migrate.c). Every kmd_open() of one of them
 * creates a &struct dmirror: a mirror of the calling process's address
 * space with its own device page table (dmirror_pt.c) and an interval
 * notifier over the whole user address space. The device page table starts
 * empty and is filled only through the HMM core, on every miss, the way a
 * device driver fills its page tables:
 *
 *	READ / WRITE	copy between the application buffer at @ptr and the
 *			pages at @addr *through the device page table*. At
 *			the first page the device does not map (or, for
 *			WRITE, maps read-only) the device faults: the rest of
 *			the range is faulted in 64-page windows with
 *			hmm_range_fault() and Linux's driver loop (the
 *			first two steps and their -EBUSY retries are
 *			hmm_range_fault_timeout())
 *
 *	    again:  if the 1 s budget is spent: -EBUSY
 *		    seq = mmu_interval_read_begin(&dm->notifier)
 *		    hmm_range_fault(range)	(-EBUSY: again)
 *		    lock(dm->lock)
 *		    mmu_interval_read_retry(seq)? unlock, again
 *		    store the PTEs; unlock
 *
 *			and the copy resumes where it stopped. @faults counts
 *			these fault rounds, @cpages the pages copied, so a
 *			fully faultable range gives faults == 1 and cpages ==
 *			npages, exactly as Linux's test driver.
 *	MIGRATE_TO_DEV, MIGRATE_TO_SYS, RELEASE	dmirror_migrate.c
 *	SNAPSHOT	dmirror_snapshot.c
 *	EXCLUSIVE, CHECK_EXCLUSIVE	-EOPNOTSUPP (docs/dmirror.md: device-
 *			exclusive access needs a CPU page table entry that
 *			faults on *every* CPU access while the page stays in
 *			place, which userspace cannot install)
 *
 * The invalidate callback is Linux's: MIGRATE invalidations whose owner
 * is this device are skipped (the migration maps the device pages itself);
 * any other takes the mirror's lock, calls mmu_interval_set_seq() and
 * erases the range from the device page table.
 *
 * Differences from Linux, because the device is userspace:
 *
 * - A PTE holds the host address through which the device reaches the
 *   page (hmm_pfn_to_host()): the CPU address of a system page, the device
 *   memory address of a device page. Copies go through
 *   process_vm_readv()/process_vm_writev() (uaccess.c) so that a PTE gone
 *   stale between a CPU unmap and its userfaultfd event gives an error the
 *   device handles (erase the PTE, fault again: the fault then reports the
 *   CPU's -EFAULT or -EPERM), never a SIGSEGV. Going through the CPU
 *   address also means the device always sees what the CPU maps now: COW
 *   after fork, MADV_DONTNEED and an application's own mprotect() are
 *   honoured even though userspace cannot observe them as invalidations.
 * - Linux's device learns that a page of its memory went back to system
 *   memory in its migrate_to_ram() callback, which erases the PTE. Here
 *   the CPU fault is served by the migration code, which has no driver
 *   callback, so a device PTE is checked against hmm_devmem_lookup() at
 *   use: if the page is no longer that device page, the PTE is stale and
 *   the device faults. Symmetrically, a system PTE whose page has moved to
 *   device memory is stale (the device must use the device page, not pull
 *   the page back through the CPU mapping).
 * - In a fork child the mirrors inherited from the parent mirror the
 *   parent's address space, which the child cannot reach: every request
 *   on them is -EINVAL (Linux's answer for a mirror whose mm is gone), and
 *   closing them is allowed. A child opens its own mirror.
 *
 * DOC: Locking
 *
 * - dmirror_list_lock protects dmirror_list (the open mirrors, for the
 *   fork child handler). Taken alone.
 * - dmirror_device.lock: see dmirror.h. Never held with dm->lock.
 * - dm->lock is the driver's update lock (Linux: dmirror->mutex): taken by
 *   the invalidate callback, by fault commits, and by READ/WRITE around
 *   their copies, so that no copy uses a PTE an invalidation has removed.
 *   Rules that follow from the userfaultfd monitor calling the invalidate
 *   callback (kmd-shim/mm/userfaultfd.c, rules 1-3):
 *   1. Nothing allocates or frees while holding dm->lock (malloc can wait
 *      for a thread that waits for the monitor, which may wait for
 *      dm->lock): the page table is grown with the lock dropped.
 *   2. hmm_range_fault(), mm_watch_range(), mm_sync_events() and the
 *      migration calls are made without dm->lock.
 *   3. The invalidate callback neither allocates nor frees.
 *   A copy under dm->lock touches only pages the PTEs say the CPU (or the
 *   device memory) holds; the invalidation of a CPU page to device memory
 *   reaches this mirror before the page is unmapped, so a copy never waits
 *   for a migration fault while holding dm->lock.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dmirror/dmirror.h"
#include "dmirror/uaccess.h"
#include "hmm/migrate.h"

#if !defined(SVMCL_DEBUG_CHECKS)
#define SVMCL_DEBUG_CHECKS 0
#endif

/* Highest user address + 1 on any 5-level paging configuration. */
#define DMIRROR_USER_VA_END (1ull << 57)

/* Pages copied per process_vm_readv/writev call at most. */
#define DMIRROR_COPY_RUN 256

static struct dmirror_device dmirror_devices[DMIRROR_NDEVICES] = {
	{ .id = 0, .lock = PTHREAD_MUTEX_INITIALIZER },
	{ .id = 1, .lock = PTHREAD_MUTEX_INITIALIZER },
};

/* dmirror_list_lock protects dmirror_list. */
static pthread_mutex_t dmirror_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dmirror *dmirror_list;
static pthread_once_t dmirror_once = PTHREAD_ONCE_INIT;

uint64_t dmirror_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct dmirror *to_dmirror(struct mmu_interval_notifier *mni)
{
	return (struct dmirror *)((char *)mni -
				  __builtin_offsetof(struct dmirror, notifier));
}

static void dmirror_check(struct dmirror *dm)
{
	if (SVMCL_DEBUG_CHECKS && dmirror_pt_check(&dm->pt)) {
		fprintf(stderr, "svmcl dmirror: device page table of mirror %p "
			"is corrupt\n", (void *)dm);
		abort();
	}
}

/* ---------------------------------------------------------------------- */
/* Fork */

/*
 * The child is single threaded and its copies of our locks may be held by
 * parent threads that do not exist here. The inherited mirrors belong to
 * the parent's address space (their mm is dead in the child, see
 * kmd-shim/mm/mm.c) and so does the device memory: forget the pools, stop
 * counting the parent's mirrors as openers of the child's devices.
 */
static void dmirror_atfork_child(void)
{
	struct dmirror *dm;

	pthread_mutex_init(&dmirror_list_lock, NULL);
	for (dm = dmirror_list; dm; dm = dm->next) {
		pthread_mutex_init(&dm->lock, NULL);
		dm->inherited = true;
	}
	for (unsigned int i = 0; i < DMIRROR_NDEVICES; i++) {
		pthread_mutex_init(&dmirror_devices[i].lock, NULL);
		dmirror_devices[i].devmem = NULL;
		dmirror_devices[i].nr_open = 0;
	}
}

static void dmirror_init_once(void)
{
	pthread_atfork(NULL, NULL, dmirror_atfork_child);
}

/* ---------------------------------------------------------------------- */
/* Invalidation */

static bool dmirror_interval_invalidate(struct mmu_interval_notifier *mni,
					const struct mmu_notifier_range *range,
					unsigned long cur_seq)
{
	struct dmirror *dm = to_dmirror(mni);
	uint64_t first, last;

	/*
	 * Our own migration: the pages become device pages that the migration
	 * maps itself (dmirror_migrate.c), and a page moving back is noticed
	 * at use (DOC: Overview). Linux's test driver skips these too.
	 */
	if (range->event == MMU_NOTIFY_MIGRATE && range->owner == dm->mdevice)
		return true;

	if (mmu_notifier_range_blockable(range))
		pthread_mutex_lock(&dm->lock);
	else if (pthread_mutex_trylock(&dm->lock))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	first = range->start >> DMIRROR_PAGE_SHIFT;
	last = ((range->end - 1) >> DMIRROR_PAGE_SHIFT) + 1;
	dmirror_pt_erase_range(&dm->pt, first, last, 0);
	dmirror_check(dm);

	pthread_mutex_unlock(&dm->lock);
	return true;
}

static const struct mmu_interval_notifier_ops dmirror_min_ops = {
	.invalidate = dmirror_interval_invalidate,
};

/* ---------------------------------------------------------------------- */
/* Device faults */

/*
 * dmirror_pt_reserve() - make room for @extra more PTEs. The new array is
 * allocated with dm->lock dropped (DOC: Locking, rule 1).
 */
int dmirror_pt_reserve(struct dmirror *dm, size_t extra)
{
	for (;;) {
		struct dmirror_pt_slot *slots, *old;
		size_t cap;

		pthread_mutex_lock(&dm->lock);
		if (dmirror_pt_has_room(&dm->pt, extra)) {
			pthread_mutex_unlock(&dm->lock);
			return 0;
		}
		cap = dmirror_pt_wanted_cap(&dm->pt, extra);
		pthread_mutex_unlock(&dm->lock);

		if (cap > SIZE_MAX / sizeof(*slots))
			return -ENOMEM;
		slots = malloc(cap * sizeof(*slots));
		if (!slots)
			return -ENOMEM;

		pthread_mutex_lock(&dm->lock);
		if (dmirror_pt_wanted_cap(&dm->pt, extra) > cap) {
			/* Others filled it meanwhile: try a bigger one. */
			pthread_mutex_unlock(&dm->lock);
			free(slots);
			continue;
		}
		old = dmirror_pt_grow(&dm->pt, slots, cap);
		dmirror_check(dm);
		pthread_mutex_unlock(&dm->lock);
		free(old);
		return 0;
	}
}

/*
 * __dmirror_do_fault() - store the PTEs of a faulted range; dm->lock held.
 * A range that was only snapshotted (no REQ_FAULT) stores the pages of
 * this device's memory and nothing else.
 * Return: 0; -EFAULT if hmm_range_fault() broke its promise; -ENOSPC if
 * the table filled up since the caller made room (it makes room again).
 */
static int __dmirror_do_fault(struct dmirror *dm, const struct hmm_range *range)
{
	unsigned long npages = (range->end - range->start) >> DMIRROR_PAGE_SHIFT;
	bool fault = range->default_flags & HMM_PFN_REQ_FAULT;
	bool write = range->default_flags & HMM_PFN_REQ_WRITE;
	int ret = 0;

	if (!dmirror_pt_has_room(&dm->pt, npages))
		return -ENOSPC;
	for (unsigned long i = 0; i < npages; i++) {
		uint64_t e = range->hmm_pfns[i];
		uint64_t pte = DMIRROR_PTE_READ;

		if (!fault && (!(e & HMM_PFN_VALID) ||
			       !(e & HMM_PFN_DEVICE_PRIVATE)))
			continue;
		/* We asked for a fault, so success means every entry is valid. */
		if ((e & HMM_PFN_ERROR) || !(e & HMM_PFN_VALID))
			return -EFAULT;
		if (e & HMM_PFN_WRITE)
			pte |= DMIRROR_PTE_WRITE;
		else if (write)
			return -EFAULT;
		if (e & HMM_PFN_DEVICE_PRIVATE)
			pte |= DMIRROR_PTE_DEVICE;
		pte |= (uint64_t)hmm_pfn_to_host(range, i) & DMIRROR_PTE_ADDR_MASK;
		ret = dmirror_pt_store(&dm->pt,
				       (range->start >> DMIRROR_PAGE_SHIFT) + i,
				       pte);
		if (ret)
			break;
	}
	dmirror_check(dm);
	return ret;
}

/*
 * Linux's dmirror_range_fault(): the driver loop of one window, bounded by
 * HMM_RANGE_DEFAULT_TIMEOUT. hmm_range_fault_timeout() does the
 * read_begin / hmm_range_fault() part and its -EBUSY retries.
 */
static int dmirror_range_fault(struct dmirror *dm, struct hmm_range *range)
{
	unsigned long npages = (range->end - range->start) >> DMIRROR_PAGE_SHIFT;
	uint64_t timeout = dmirror_now_ms() + HMM_RANGE_DEFAULT_TIMEOUT;
	int ret;

	ret = dmirror_pt_reserve(dm, npages);
	if (ret)
		return ret;
	for (;;) {
		uint64_t now = dmirror_now_ms();

		if (now > timeout)
			return -EBUSY;
		memset(range->hmm_pfns, 0, npages * sizeof(*range->hmm_pfns));
		/* What is left of the budget; 0 would mean a full second. */
		ret = hmm_range_fault_timeout(range, timeout - now + 1);
		if (ret)
			return ret;

		pthread_mutex_lock(&dm->lock);
		if (mmu_interval_read_retry(range->notifier,
					    range->notifier_seq)) {
			pthread_mutex_unlock(&dm->lock);
			continue;
		}
		ret = __dmirror_do_fault(dm, range);
		pthread_mutex_unlock(&dm->lock);
		if (ret != -ENOSPC)
			return ret;
		ret = dmirror_pt_reserve(dm, npages);
		if (ret)
			return ret;
	}
}

int dmirror_map_range(struct dmirror *dm, unsigned long start,
		      unsigned long end, bool fault, bool write)
{
	uint64_t pfns[DMIRROR_FAULT_PAGES];
	struct hmm_range range = {
		.notifier = &dm->notifier,
		.hmm_pfns = pfns,
		.default_flags = !fault ? 0 : HMM_PFN_REQ_FAULT |
				 (write ? HMM_PFN_REQ_WRITE : 0),
		.pfn_flags_mask = 0,
		.dev_private_owner = dm->mdevice,
	};
	unsigned long addr;
	int ret = 0;

	/* Linux: mmget_not_zero(); a mirror of a dead mm cannot fault. */
	if (!svm_mm_alive(dm->mm))
		return -EFAULT;
	/* Nothing can be mapped there: Linux finds no VMA. */
	if (end > DMIRROR_USER_VA_END)
		return -EFAULT;
	/* CPU unmaps of the range must reach our notifier (mm.h). */
	(void)mm_watch_range(dm->mm, start, end);

	for (addr = start; addr < end; addr = range.end) {
		range.start = addr;
		range.end = end - addr > DMIRROR_FAULT_PAGES * DMIRROR_PAGE_SIZE ?
			    addr + DMIRROR_FAULT_PAGES * DMIRROR_PAGE_SIZE : end;
		ret = dmirror_range_fault(dm, &range);
		if (ret)
			break;
	}
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Copies through the device page table */

/*
 * dmirror_pte_current() - is @pte (of page @va) still what the device may
 * use? See DOC: Overview for why device memory is checked at use.
 */
static bool dmirror_pte_current(struct dmirror *dm, unsigned long va,
				uint64_t pte)
{
	struct hmm_devmem_page pg;
	bool on_device = hmm_devmem_lookup(dm->mm, va, &pg);

	if (!(pte & DMIRROR_PTE_DEVICE))
		return !on_device;
	return on_device && pg.owner == dm->mdevice &&
	       (uint64_t)pg.dev_addr == (pte & DMIRROR_PTE_ADDR_MASK);
}

struct dmirror_copy {
	struct dmirror *dm;
	char *buf;		/* kmd-shim side, page @start of the range */
	unsigned long start;
	bool to_pages;		/* WRITE: buf -> pages */
	unsigned long done;	/* pages copied */
	/* pending run of pages with consecutive host addresses */
	uint64_t run_host;
	unsigned long run_len;
};

/*
 * dmirror_copy_flush() - copy the pending run. A page that cannot be
 * accessed through its PTE any more (the CPU unmapped or protected it
 * and the invalidation is still on its way) loses its PTE.
 * Return: 0, or -EFAULT with @c->done at the failing page.
 */
static int dmirror_copy_flush(struct dmirror_copy *c)
{
	size_t len = c->run_len << DMIRROR_PAGE_SHIFT;
	size_t n;

	if (!c->run_len)
		return 0;
	n = kmd_copy_partial(c->buf + (c->done << DMIRROR_PAGE_SHIFT),
			     c->run_host, len, c->to_pages);
	c->run_len = 0;
	if (n == len) {
		c->done += len >> DMIRROR_PAGE_SHIFT;
		return 0;
	}
	c->done += n >> DMIRROR_PAGE_SHIFT;
	dmirror_pt_erase(&c->dm->pt,
			 (c->start >> DMIRROR_PAGE_SHIFT) + c->done);
	return -EFAULT;
}

/*
 * __dmirror_copy() - Linux's dmirror_do_read()/dmirror_do_write(): copy
 * through the PTEs of [start, end) until a page is not mapped (-ENOENT),
 * not writable for WRITE (-ENOENT) or not accessible (-EFAULT).
 * dm->lock held.
 */
static int __dmirror_copy(struct dmirror_copy *c, unsigned long end)
{
	unsigned long npages = (end - c->start) >> DMIRROR_PAGE_SHIFT;
	uint64_t need = c->to_pages ? DMIRROR_PTE_WRITE : DMIRROR_PTE_READ;
	int ret;

	for (unsigned long i = c->done; i < npages; i++) {
		unsigned long va = c->start + (i << DMIRROR_PAGE_SHIFT);
		uint64_t vpn = va >> DMIRROR_PAGE_SHIFT;
		uint64_t pte = dmirror_pt_lookup(&c->dm->pt, vpn);
		uint64_t host = pte & DMIRROR_PTE_ADDR_MASK;

		if (pte && !dmirror_pte_current(c->dm, va, pte)) {
			dmirror_pt_erase(&c->dm->pt, vpn);
			pte = 0;
		}
		if (!(pte & need)) {
			ret = dmirror_copy_flush(c);
			return ret ? ret : -ENOENT;
		}
		if (c->run_len && (host != c->run_host +
				   (c->run_len << DMIRROR_PAGE_SHIFT) ||
				   c->run_len == DMIRROR_COPY_RUN)) {
			ret = dmirror_copy_flush(c);
			if (ret)
				return ret;
		}
		if (!c->run_len)
			c->run_host = host;
		c->run_len++;
	}
	return dmirror_copy_flush(c);
}

/*
 * dmirror_copy_range() - copy [start, end) through the device, faulting
 * what it does not map. The loop of Linux's dmirror_read()/_write(), plus
 * two bounds Linux's test driver does not need: a page that the fault
 * reports mapped but that cannot be accessed twice in a row is -EFAULT,
 * and a second without progress is -EBUSY.
 */
static int dmirror_copy_range(struct dmirror *dm, unsigned long start,
			      unsigned long end, char *buf, bool to_pages,
			      bool may_fault, struct hmm_dmirror_cmd *cmd)
{
	struct dmirror_copy c = {
		.dm = dm, .buf = buf, .start = start, .to_pages = to_pages,
	};
	uint64_t deadline = dmirror_now_ms() + HMM_RANGE_DEFAULT_TIMEOUT;
	unsigned long last_bad = ULONG_MAX, progress = 0;
	int ret;

	for (;;) {
		pthread_mutex_lock(&dm->lock);
		ret = __dmirror_copy(&c, end);
		pthread_mutex_unlock(&dm->lock);
		if (ret == 0 || !may_fault)
			break;
		if (ret == -EFAULT) {
			if (c.done == last_bad)
				break;
			last_bad = c.done;
		}
		if (c.done != progress) {
			progress = c.done;
			deadline = dmirror_now_ms() + HMM_RANGE_DEFAULT_TIMEOUT;
		} else if (dmirror_now_ms() > deadline) {
			ret = -EBUSY;
			break;
		}
		ret = dmirror_map_range(dm,
					start + (c.done << DMIRROR_PAGE_SHIFT),
					end, true, to_pages);
		if (ret)
			break;
		if (cmd)
			cmd->faults++;
	}
	if (cmd)
		cmd->cpages = c.done;
	return ret;
}

int dmirror_read_pages(struct dmirror *dm, unsigned long start,
		       unsigned long end, void *buf, uint64_t *done)
{
	struct hmm_dmirror_cmd cmd = { 0 };
	int ret;

	ret = dmirror_copy_range(dm, start, end, buf, false, false, &cmd);
	*done = cmd.cpages;
	return ret == -EFAULT ? -ENOENT : ret;
}

/*
 * dmirror_bounce_alloc() - the kernel-side copy of the data (Linux:
 * vmalloc). A range larger than the machine's memory cannot be bounced;
 * it is refused before malloc() is asked (a sanitizer's allocator would
 * abort rather than return NULL).
 */
void *dmirror_bounce_alloc(uint64_t npages)
{
	long phys = sysconf(_SC_PHYS_PAGES);

	if (npages > SIZE_MAX >> DMIRROR_PAGE_SHIFT ||
	    (phys > 0 && npages > (uint64_t)phys))
		return NULL;
	return malloc((size_t)npages << DMIRROR_PAGE_SHIFT);
}

static int dmirror_read(struct dmirror *dm, struct hmm_dmirror_cmd *cmd)
{
	unsigned long start = cmd->addr;
	unsigned long end = start + (cmd->npages << DMIRROR_PAGE_SHIFT);
	char *bounce;
	int ret;

	bounce = dmirror_bounce_alloc(cmd->npages);
	if (!bounce)
		return -ENOMEM;
	/* CPU unmaps that returned before this call reach the PTEs first. */
	mm_sync_events(dm->mm);
	ret = dmirror_copy_range(dm, start, end, bounce, false, true, cmd);
	if (!ret)
		ret = kmd_copy_to_user(cmd->ptr, bounce,
				       cmd->npages << DMIRROR_PAGE_SHIFT);
	free(bounce);
	return ret;
}

static int dmirror_write(struct dmirror *dm, struct hmm_dmirror_cmd *cmd)
{
	unsigned long start = cmd->addr;
	unsigned long end = start + (cmd->npages << DMIRROR_PAGE_SHIFT);
	char *bounce;
	int ret;

	bounce = dmirror_bounce_alloc(cmd->npages);
	if (!bounce)
		return -ENOMEM;
	ret = kmd_copy_from_user(bounce, cmd->ptr,
				 cmd->npages << DMIRROR_PAGE_SHIFT);
	if (ret)
		goto free_bounce;
	mm_sync_events(dm->mm);
	ret = dmirror_copy_range(dm, start, end, bounce, true, true, cmd);
free_bounce:
	free(bounce);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Open, close, ioctl */

int dmirror_open(unsigned int id, struct dmirror **out)
{
	struct dmirror_device *mdevice;
	struct dmirror *dm;
	int ret;

	if (id >= DMIRROR_NDEVICES)
		return -EINVAL;
	pthread_once(&dmirror_once, dmirror_init_once);
	mdevice = &dmirror_devices[id];

	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	dm->mdevice = mdevice;
	dmirror_pt_init(&dm->pt);
	ret = -pthread_mutex_init(&dm->lock, NULL);
	if (ret)
		goto err_free;
	dm->mm = svm_mm_get();
	if (!dm->mm) {
		ret = -ENOMEM;
		goto err_lock;
	}
	/* Linux: [0, ULONG_MAX & PAGE_MASK) of the opener's mm. */
	ret = mmu_interval_notifier_insert(&dm->notifier, dm->mm, 0,
					   ULONG_MAX & DMIRROR_PTE_ADDR_MASK,
					   &dmirror_min_ops);
	if (ret)
		goto err_mm;

	pthread_mutex_lock(&mdevice->lock);
	mdevice->nr_open++;
	pthread_mutex_unlock(&mdevice->lock);

	pthread_mutex_lock(&dmirror_list_lock);
	dm->next = dmirror_list;
	dmirror_list = dm;
	pthread_mutex_unlock(&dmirror_list_lock);
	*out = dm;
	return 0;

err_mm:
	svm_mm_put(dm->mm);
err_lock:
	pthread_mutex_destroy(&dm->lock);
err_free:
	free(dm);
	return ret;
}

void dmirror_close(struct dmirror *dm)
{
	pthread_mutex_lock(&dmirror_list_lock);
	for (struct dmirror **p = &dmirror_list; *p; p = &(*p)->next) {
		if (*p == dm) {
			*p = dm->next;
			break;
		}
	}
	pthread_mutex_unlock(&dmirror_list_lock);

	/*
	 * A mirror inherited over fork mirrors the parent (dead here): it is
	 * not one of the openers the child's device counts.
	 */
	mmu_interval_notifier_remove(&dm->notifier);
	if (!dm->inherited)
		dmirror_devmem_put(dm->mdevice);
	svm_mm_put(dm->mm);
	dmirror_pt_fini(&dm->pt);
	pthread_mutex_destroy(&dm->lock);
	free(dm);
}

bool dmirror_request_valid(unsigned long request)
{
	switch (request) {
	case HMM_DMIRROR_READ:
	case HMM_DMIRROR_WRITE:
	case HMM_DMIRROR_MIGRATE_TO_DEV:
	case HMM_DMIRROR_MIGRATE_TO_SYS:
	case HMM_DMIRROR_SNAPSHOT:
	case HMM_DMIRROR_EXCLUSIVE:
	case HMM_DMIRROR_CHECK_EXCLUSIVE:
	case HMM_DMIRROR_RELEASE:
		return true;
	default:
		return false;
	}
}

int dmirror_ioctl(struct dmirror *dm, unsigned long request,
		  struct hmm_dmirror_cmd *cmd)
{
	uint64_t end;

	if (!dmirror_request_valid(request))
		return -EINVAL;
	/*
	 * Linux: an unaligned address, an empty range or one that wraps is
	 * -EINVAL. npages is checked before the shift, which Linux leaves to
	 * wrap silently.
	 */
	if (cmd->addr & (DMIRROR_PAGE_SIZE - 1))
		return -EINVAL;
	if (!cmd->npages || cmd->npages > (UINT64_MAX >> DMIRROR_PAGE_SHIFT))
		return -EINVAL;
	if (__builtin_add_overflow(cmd->addr,
				   cmd->npages << DMIRROR_PAGE_SHIFT, &end))
		return -EINVAL;
	/* Our unsigned long is 64 bits; a 32-bit build would need a check. */
	_Static_assert(sizeof(unsigned long) == sizeof(uint64_t),
		       "dmirror assumes 64-bit addresses");

	cmd->cpages = 0;
	cmd->faults = 0;

	/* Linux: mmget_not_zero() failed. See DOC: Overview on fork. */
	if (!svm_mm_alive(dm->mm))
		return -EINVAL;

	switch (request) {
	case HMM_DMIRROR_READ:
		return dmirror_read(dm, cmd);
	case HMM_DMIRROR_WRITE:
		return dmirror_write(dm, cmd);
	case HMM_DMIRROR_MIGRATE_TO_DEV:
		return dmirror_migrate_to_device(dm, cmd);
	case HMM_DMIRROR_MIGRATE_TO_SYS:
		return dmirror_migrate_to_system(dm, cmd);
	case HMM_DMIRROR_SNAPSHOT:
		return dmirror_snapshot(dm, cmd);
	case HMM_DMIRROR_RELEASE:
		return dmirror_release_devmem(dm);
	case HMM_DMIRROR_EXCLUSIVE:
	case HMM_DMIRROR_CHECK_EXCLUSIVE:
	default:
		return -EOPNOTSUPP;
	}
}
