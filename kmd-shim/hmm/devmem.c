/* SPDX-License-Identifier: MIT */
/*
 * devmem.c - device memory pools and the registry of migrated pages.
 *
 * DOC: Overview
 *
 * A &struct hmm_devmem is a device's memory: a pool of device pages that
 * the pool mmaps itself, a page allocator, and an owner pointer that
 * identifies the device the way Linux's pgmap_owner does. All pools of one
 * mm share a &struct devmem_registry, the userspace stand-in for Linux's
 * device-private swap entries: a hash map from the CPU virtual page number
 * of every migrated page to its device page. hmm_devmem_lookup() answers
 * from it for hmm_range_fault().
 *
 * The registry follows the CPU address space through three sources:
 *
 * - userfaultfd events (mm_userfault_ops->event_start/end, run by the mm
 *   layer's monitor around the invalidation of the event): munmap (UNMAP)
 *   and madvise zaps (REMOVE) discard the device pages of the range, as
 *   zapping a device-private entry frees its page in Linux; mremap (REMAP)
 *   moves them with the mapping. A discarded page stops being visible at
 *   the event's start (DEVMEM_ZOMBIE) and is freed at its end, after every
 *   device has dropped its mapping: a device page is never reused while a
 *   device may still use it.
 * - an interval notifier over the whole mm: PROTECTION_VMA/PAGE
 *   invalidations (mprotect through svmcl, and fork, whose copy-on-write
 *   takes write permission from the parent as Linux makes the parent's
 *   device-private entries read-only) drop the device write permission;
 *   RELEASE brings every device page back to system memory at its
 *   free_pages moment, when no device uses the mm any more.
 * - fork: the child's address space is a copy of the parent's *CPU* page
 *   tables, where migrated pages are absent. The child handler writes each
 *   device page into the child's copy of its CPU page (through
 *   /proc/self/mem, which needs no userfaultfd), then forgets the parent's
 *   pools: the child starts with a fresh state and the parent's data.
 *
 * The registry of an mm lives until the mm is released and its last pool
 * is destroyed; then it is recycled for the next mm. Registries are never
 * freed, so lookups find theirs without a lock.
 *
 * DOC: Locking
 *
 * See migrate_internal.h for the order. devmem_list_lock protects the
 * registry list's membership and each registry's binding to an mm (which
 * is also written under reg->lock, so either lock makes it stable).
 * reg->lock protects the table, the pools list and the rmaps; the table is
 * open addressing with linear probing and backward-shift deletion, sized
 * to twice the pages of all pools (an entry always holds a device page, so
 * it never has to grow while in use: nothing here allocates under a lock
 * the monitor takes). mem->lock protects a pool's free stack.
 * hmm_devmem_lookup() reads reg->nr_device without a lock (no migrated
 * page: no lock taken at all) and otherwise takes reg->lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hmm/migrate_internal.h"

/* PAGEMAP bits (Documentation/admin-guide/mm/pagemap.rst). */
#define DEVMEM_PM_PRESENT (1ull << 63)
#define DEVMEM_PM_SWAPPED (1ull << 62)

/* How long destroy waits for discarded pages to be freed by the monitor. */
#define DEVMEM_DESTROY_BUDGET_MS 10000

/* devmem_list_lock: see DOC: Locking. */
static pthread_mutex_t devmem_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct devmem_registry *_Atomic devmem_registries;
static pthread_once_t devmem_once = PTHREAD_ONCE_INIT;

/* ---------------------------------------------------------------------- */
/* Hash table (reg->lock held) */

static size_t devmem_hash(unsigned long vpn, size_t cap)
{
	uint64_t h = (uint64_t)vpn * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ (h >> 31)) & (cap - 1);
}

struct devmem_entry *__devmem_find(struct devmem_registry *reg,
				   unsigned long vpn)
{
	size_t mask, i;

	if (!reg->cap || !vpn)
		return NULL;
	mask = reg->cap - 1;
	for (i = devmem_hash(vpn, reg->cap);; i = (i + 1) & mask) {
		struct devmem_entry *e = &reg->slots[i];

		if (e->vpn == vpn)
			return e;
		if (!e->vpn)
			return NULL;
	}
}

/*
 * __devmem_insert() - add a copy of @val (whose vpn must not be present).
 * Never fails: the table holds twice as many slots as there are device
 * pages, and every entry owns one.
 */
struct devmem_entry *__devmem_insert(struct devmem_registry *reg,
				     const struct devmem_entry *val)
{
	size_t mask = reg->cap - 1, i;

	for (i = devmem_hash(val->vpn, reg->cap); reg->slots[i].vpn;
	     i = (i + 1) & mask)
		;
	reg->slots[i] = *val;
	reg->count++;
	if (val->state == DEVMEM_DEVICE)
		atomic_fetch_add_explicit(&reg->nr_device, 1,
					  memory_order_relaxed);
	return &reg->slots[i];
}

/* Backward-shift deletion: no tombstones, so probes stay short. */
void __devmem_remove(struct devmem_registry *reg, struct devmem_entry *e)
{
	size_t mask = reg->cap - 1;
	size_t i = (size_t)(e - reg->slots), j = i;

	if (e->state == DEVMEM_DEVICE)
		atomic_fetch_sub_explicit(&reg->nr_device, 1,
					  memory_order_relaxed);
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!reg->slots[j].vpn)
			break;
		home = devmem_hash(reg->slots[j].vpn, reg->cap);
		/* j may fill the hole if the hole is on j's probe path. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			reg->slots[i] = reg->slots[j];
			i = j;
		}
	}
	memset(&reg->slots[i], 0, sizeof(reg->slots[i]));
	reg->count--;
}

void __devmem_set_state(struct devmem_registry *reg, struct devmem_entry *e,
			enum devmem_state state)
{
	if (e->state == DEVMEM_DEVICE && state != DEVMEM_DEVICE)
		atomic_fetch_sub_explicit(&reg->nr_device, 1,
					  memory_order_relaxed);
	else if (e->state != DEVMEM_DEVICE && state == DEVMEM_DEVICE)
		atomic_fetch_add_explicit(&reg->nr_device, 1,
					  memory_order_relaxed);
	e->state = (uint8_t)state;
}

/* ---------------------------------------------------------------------- */
/* Pool allocator */

long __devmem_page_alloc(struct hmm_devmem *mem)
{
	long page = -1;

	pthread_mutex_lock(&mem->lock);
	if (mem->nfree)
		page = mem->free_stack[--mem->nfree];
	pthread_mutex_unlock(&mem->lock);
	return page;
}

static void devmem_page_free(struct hmm_devmem *mem, uint32_t page)
{
	pthread_mutex_lock(&mem->lock);
	mem->free_stack[mem->nfree++] = page;
	pthread_mutex_unlock(&mem->lock);
}

void __devmem_drop(struct devmem_registry *reg, struct devmem_entry *e)
{
	struct hmm_devmem *mem = e->mem;
	uint32_t page = e->page;

	mem->rmap[page] = 0;
	__devmem_remove(reg, e);
	devmem_page_free(mem, page);
}

static size_t devmem_used(struct hmm_devmem *mem)
{
	size_t used;

	pthread_mutex_lock(&mem->lock);
	used = mem->npages - mem->nfree;
	pthread_mutex_unlock(&mem->lock);
	return used;
}

/* ---------------------------------------------------------------------- */
/* Invariant checker (SVMCL_DEBUG_CHECKS) */

void devmem_bug(const char *where, const char *what)
{
	static atomic_bool reported;

	if (!SVMCL_DEBUG_CHECKS && atomic_exchange(&reported, true))
		return;
	fprintf(stderr, "svmcl devmem: bug in %s: %s\n", where, what);
	if (SVMCL_DEBUG_CHECKS)
		abort();
}

#if SVMCL_DEBUG_CHECKS
static void devmem_fail(const struct devmem_registry *reg, const char *where,
			const char *what, unsigned long vpn)
{
	fprintf(stderr, "svmcl devmem: invariant violated in %s: %s "
		"(registry %p vpn %#lx count %zu)\n", where, what,
		(const void *)reg, vpn, reg->count);
	abort();
}

static bool devmem_pool_listed(const struct devmem_registry *reg,
			       const struct hmm_devmem *mem)
{
	const struct hmm_devmem *p;

	for (p = reg->pools; p; p = p->next)
		if (p == mem)
			return true;
	return false;
}

/*
 * __devmem_check() - every entry is reachable from its home slot, points
 * at a page of a listed pool whose rmap points back; every used page of a
 * pool has its entry; the counters add up. reg->lock held.
 */
void __devmem_check(struct devmem_registry *reg, const char *where)
{
	size_t i, n = 0, ndev = 0, pages = 0;
	const struct hmm_devmem *mem;

	for (i = 0; i < reg->cap; i++) {
		const struct devmem_entry *e = &reg->slots[i];
		size_t j;

		if (!e->vpn)
			continue;
		n++;
		if (e->state < DEVMEM_MIGRATING || e->state > DEVMEM_ZOMBIE)
			devmem_fail(reg, where, "bad state", e->vpn);
		if (e->state == DEVMEM_DEVICE)
			ndev++;
		if (!devmem_pool_listed(reg, e->mem))
			devmem_fail(reg, where, "entry of an unlisted pool",
				    e->vpn);
		if (e->page >= e->mem->npages ||
		    e->mem->rmap[e->page] != e->vpn)
			devmem_fail(reg, where, "rmap does not point back",
				    e->vpn);
		for (j = devmem_hash(e->vpn, reg->cap); j != i;
		     j = (j + 1) & (reg->cap - 1))
			if (!reg->slots[j].vpn)
				devmem_fail(reg, where,
					    "entry unreachable from its home",
					    e->vpn);
	}
	if (n != reg->count)
		devmem_fail(reg, where, "entry count mismatch", 0);
	if (ndev != atomic_load(&reg->nr_device))
		devmem_fail(reg, where, "nr_device mismatch", 0);
	for (mem = reg->pools; mem; mem = mem->next) {
		size_t used = 0;

		pages += mem->npages;
		for (i = 0; i < mem->npages; i++) {
			const struct devmem_entry *e;

			if (!mem->rmap[i])
				continue;
			used++;
			e = __devmem_find(reg, mem->rmap[i]);
			if (!e || e->mem != mem || e->page != i)
				devmem_fail(reg, where, "used page without entry",
					    mem->rmap[i]);
		}
		if (used != devmem_used((struct hmm_devmem *)mem))
			devmem_fail(reg, where, "pool usage mismatch", 0);
	}
	if (pages != reg->capacity_pages)
		devmem_fail(reg, where, "capacity mismatch", 0);
	if (reg->count > pages || (reg->cap && pages * 2 > reg->cap))
		devmem_fail(reg, where, "table overfull", 0);
}

void __devmem_mutated(struct devmem_registry *reg, const char *where)
{
	/* Full checks are O(table); sample them on big tables. */
	if (reg->cap <= 8192 || (++reg->mutations & 255) == 0)
		__devmem_check(reg, where);
}
#else
void __devmem_check(struct devmem_registry *reg, const char *where)
{
	(void)reg;
	(void)where;
}

void __devmem_mutated(struct devmem_registry *reg, const char *where)
{
	(void)reg;
	(void)where;
}
#endif

/* ---------------------------------------------------------------------- */
/* Range iteration (reg->lock held) */

/*
 * Called for each entry of a range; returns true when it removed (or
 * moved) the entry, so that the slot is looked at again. An entry moved
 * by backward-shift deletion may be visited twice in slot order: the
 * callbacks are idempotent for entries they leave in place.
 */
typedef bool (*devmem_range_fn)(struct devmem_registry *reg,
				struct devmem_entry *e, void *arg);

static void __devmem_for_range(struct devmem_registry *reg,
			       unsigned long start, unsigned long end,
			       devmem_range_fn fn, void *arg)
{
	unsigned long first, last, vpn;
	size_t i;

	if (!reg->count || start >= end)
		return;
	if (end > DEVMEM_USER_VA_END)
		end = DEVMEM_USER_VA_END;
	first = start >> DEVMEM_PAGE_SHIFT;
	last = (end - 1) >> DEVMEM_PAGE_SHIFT;
	if (first > last)
		return;

	/* Visit whichever is smaller: the pages of the range or the table. */
	if (last - first < reg->cap) {
		for (vpn = first; vpn <= last && reg->count; vpn++) {
			struct devmem_entry *e = __devmem_find(reg, vpn);

			if (e)
				fn(reg, e, arg);
		}
		return;
	}
	for (i = 0; i < reg->cap && reg->count;) {
		struct devmem_entry *e = &reg->slots[i];

		if (e->vpn >= first && e->vpn <= last && fn(reg, e, arg))
			continue;
		i++;
	}
}

/* ---------------------------------------------------------------------- */
/* CPU events (userfaultfd, on the monitor thread) */

/* UNMAP/REMOVE: the CPU mapping of the page is gone. */
static bool devmem_ev_discard(struct devmem_registry *reg,
			      struct devmem_entry *e, void *arg)
{
	const struct mm_userfault_event *ev = arg;

	switch (e->state) {
	case DEVMEM_DEVICE:
		__devmem_set_state(reg, e, DEVMEM_ZOMBIE);
		break;
	case DEVMEM_MIGRATING:
		/*
		 * The migration zaps the CPU pages it copied, and its own
		 * REMOVE event must not discard them; any other zap or unmap
		 * in flight does (the migration frees them when it ends).
		 */
		if (ev->type == MM_USERFAULT_REMOVE &&
		    (e->flags & DEVMEM_F_SELF_ZAP))
			e->flags &= ~DEVMEM_F_SELF_ZAP;
		else
			e->flags |= DEVMEM_F_DISCARDED;
		break;
	case DEVMEM_EVICTING:
		e->flags |= DEVMEM_F_DISCARDED;
		break;
	default:
		break;
	}
	return false;
}

/* REMAP: whatever sat at the destination is stale. */
static bool devmem_ev_stale(struct devmem_registry *reg,
			    struct devmem_entry *e, void *arg)
{
	(void)arg;
	if (e->state == DEVMEM_DEVICE)
		__devmem_set_state(reg, e, DEVMEM_ZOMBIE);
	else if (e->state != DEVMEM_ZOMBIE)
		e->flags |= DEVMEM_F_DISCARDED;
	return false;
}

/* REMAP: the page moved with its mapping. */
static bool devmem_ev_move(struct devmem_registry *reg,
			   struct devmem_entry *e, void *arg)
{
	const struct mm_userfault_event *ev = arg;
	unsigned long to = (ev->to >> DEVMEM_PAGE_SHIFT) +
			   (e->vpn - (ev->start >> DEVMEM_PAGE_SHIFT));
	struct devmem_entry moved;

	if (e->state != DEVMEM_DEVICE) {
		/* Owned by a thread that tracks it by address: lost. */
		if (e->state != DEVMEM_ZOMBIE)
			e->flags |= DEVMEM_F_DISCARDED;
		return false;
	}
	if (__devmem_find(reg, to)) {
		__devmem_set_state(reg, e, DEVMEM_ZOMBIE);
		return false;
	}
	moved = *e;
	moved.vpn = to;
	__devmem_remove(reg, e);
	__devmem_insert(reg, &moved);
	moved.mem->rmap[moved.page] = to;
	return true;
}

static bool devmem_ev_reap(struct devmem_registry *reg,
			   struct devmem_entry *e, void *arg)
{
	(void)arg;
	if (e->state != DEVMEM_ZOMBIE)
		return false;
	__devmem_drop(reg, e);
	return true;
}

static bool devmem_reg_serves(struct devmem_registry *reg,
			      struct mm_struct *mm)
{
	return atomic_load_explicit(&reg->mm, memory_order_relaxed) == mm;
}

void devmem_event_start(struct mm_struct *mm,
			const struct mm_userfault_event *ev, void *data)
{
	struct devmem_registry *reg = data;
	unsigned long len = ev->end - ev->start;

	/* fault_lock: table changes stop while a fork copies the table. */
	pthread_mutex_lock(&reg->fault_lock);
	pthread_mutex_lock(&reg->lock);
	if (devmem_reg_serves(reg, mm) && reg->count) {
		if (ev->type == MM_USERFAULT_REMAP) {
			__devmem_for_range(reg, ev->to, ev->to + len,
					   devmem_ev_stale, NULL);
			__devmem_for_range(reg, ev->start, ev->end,
					   devmem_ev_move, (void *)ev);
		} else {
			__devmem_for_range(reg, ev->start, ev->end,
					   devmem_ev_discard, (void *)ev);
		}
		__devmem_mutated(reg, __func__);
	}
	pthread_mutex_unlock(&reg->lock);
	pthread_mutex_unlock(&reg->fault_lock);
}

void devmem_event_end(struct mm_struct *mm,
		      const struct mm_userfault_event *ev, void *data)
{
	struct devmem_registry *reg = data;
	unsigned long len = ev->end - ev->start;

	pthread_mutex_lock(&reg->fault_lock);
	pthread_mutex_lock(&reg->lock);
	if (devmem_reg_serves(reg, mm) && reg->count) {
		__devmem_for_range(reg, ev->start, ev->end, devmem_ev_reap,
				   NULL);
		if (ev->type == MM_USERFAULT_REMAP)
			__devmem_for_range(reg, ev->to, ev->to + len,
					   devmem_ev_reap, NULL);
		__devmem_mutated(reg, __func__);
	}
	pthread_mutex_unlock(&reg->lock);
	pthread_mutex_unlock(&reg->fault_lock);
}

/* ---------------------------------------------------------------------- */
/* Interval notifier: PROTECTION and RELEASE */

static struct devmem_registry *to_reg(struct mmu_interval_notifier *mni)
{
	return (struct devmem_registry *)((char *)mni -
		offsetof(struct devmem_registry, notifier));
}

static bool devmem_ev_readonly(struct devmem_registry *reg,
			       struct devmem_entry *e, void *arg)
{
	(void)reg;
	(void)arg;
	e->flags &= ~DEVMEM_F_WRITABLE;
	return false;
}

static bool devmem_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct devmem_registry *reg = to_reg(mni);

	if (mmu_notifier_range_blockable(range))
		pthread_mutex_lock(&reg->lock);
	else if (pthread_mutex_trylock(&reg->lock))
		return false;
	mmu_interval_set_seq(mni, cur_seq);
	/*
	 * A protection change may have taken write permission away (Linux:
	 * the device-private entry becomes read-only, e.g. for COW at
	 * fork); a device that writes again faults the page back and the
	 * CPU decides.
	 */
	if ((range->event == MMU_NOTIFY_PROTECTION_VMA ||
	     range->event == MMU_NOTIFY_PROTECTION_PAGE) &&
	    devmem_reg_serves(reg, range->mm))
		__devmem_for_range(reg, range->start, range->end,
				   devmem_ev_readonly, NULL);
	pthread_mutex_unlock(&reg->lock);
	return true;
}

/*
 * devmem_release() - the mm goes away: bring every page back while the
 * userfaultfd still works (RELEASE runs before the monitor stops). At the
 * free_pages moment every device has already dropped the whole mm, so no
 * further invalidation is needed.
 */
static void devmem_release(struct devmem_registry *reg)
{
	struct hmm_devmem *mem, *next;

	pthread_mutex_lock(&reg->migrate_lock);
	pthread_mutex_lock(&reg->lock);
	mem = reg->pools;
	pthread_mutex_unlock(&reg->lock);
	/* Pools are unlinked only under migrate_lock, which we hold. */
	for (; mem; mem = next) {
		pthread_mutex_lock(&reg->lock);
		next = mem->next;
		pthread_mutex_unlock(&reg->lock);
		devmem_evict(mem, false, NULL);
	}
	pthread_mutex_lock(&reg->lock);
	reg->released = true;
	pthread_mutex_unlock(&reg->lock);
	pthread_mutex_unlock(&reg->migrate_lock);
}

static void devmem_free_pages(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range)
{
	struct devmem_registry *reg = to_reg(mni);

	if (range->event == MMU_NOTIFY_RELEASE &&
	    devmem_reg_serves(reg, range->mm))
		devmem_release(reg);
}

static const struct mmu_interval_notifier_ops devmem_notifier_ops = {
	.invalidate = devmem_invalidate,
	.free_pages = devmem_free_pages,
};

/* ---------------------------------------------------------------------- */
/* Fork */

static int devmem_open_proc(const char *path, int flags)
{
	int fd;

	do
		fd = open(path, flags | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd;
}

int devmem_poke(unsigned long va, const void *src)
{
	int fd = devmem_open_proc("/proc/self/mem", O_RDWR);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = pwrite(fd, src, DEVMEM_PAGE_SIZE, (off_t)va);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	return n == (ssize_t)DEVMEM_PAGE_SIZE ? 0 : -EIO;
}

/*
 * Before fork: let the monitor finish the events already raised (an unmap
 * that returned before fork() must not be undone in the child), then
 * freeze every registry: migrate_lock stops migrations and evictions,
 * fault_lock the fault handler and the event ops. What remains are lookups
 * and flag updates under reg->lock, which is *not* held across fork: the
 * mm layer's fork invalidation (its parent handler may run before ours)
 * calls our notifier, which takes it. The registry list is walked until it
 * is stable under devmem_list_lock (migrate_lock comes first in the lock
 * order).
 */
static void devmem_atfork_prepare(void)
{
	struct devmem_registry *head, *reg;

	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next)) {
		struct mm_struct *mm = atomic_load(&reg->mm);

		if (mm && !reg->orphan && svm_mm_alive(mm))
			mm_sync_events(mm);
	}
	for (;;) {
		head = atomic_load(&devmem_registries);
		for (reg = head; reg; reg = atomic_load(&reg->next))
			pthread_mutex_lock(&reg->migrate_lock);
		pthread_mutex_lock(&devmem_list_lock);
		if (atomic_load(&devmem_registries) == head)
			break;
		pthread_mutex_unlock(&devmem_list_lock);
		for (reg = head; reg; reg = atomic_load(&reg->next))
			pthread_mutex_unlock(&reg->migrate_lock);
	}
	for (reg = head; reg; reg = atomic_load(&reg->next))
		pthread_mutex_lock(&reg->fault_lock);
}

static void devmem_atfork_parent(void)
{
	struct devmem_registry *reg;

	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next))
		pthread_mutex_unlock(&reg->fault_lock);
	pthread_mutex_unlock(&devmem_list_lock);
	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next))
		pthread_mutex_unlock(&reg->migrate_lock);
}

/*
 * devmem_child_restore() - give the child the data of the parent's device
 * pages. A page still present (or swapped) in the child's CPU page tables
 * is newer than its device copy; an absent one is written from the device
 * page. Discarded pages stay discarded. No migration, eviction or fault
 * handling was in flight (devmem_atfork_prepare()), so every entry is
 * DEVMEM_DEVICE or DEVMEM_ZOMBIE.
 */
static void devmem_child_restore(struct devmem_registry *reg)
{
	int pm = devmem_open_proc("/proc/self/pagemap", O_RDONLY);
	size_t i;

	/*
	 * Decide first, write second: writing one page of a THP-enabled
	 * range may fault in a whole huge page, after which its neighbours
	 * would look present although they still need their data.
	 */
	for (i = 0; i < reg->cap; i++) {
		struct devmem_entry *e = &reg->slots[i];
		uint64_t pme = 0;

		if (!e->vpn || e->state != DEVMEM_DEVICE)
			continue;
		if (pm >= 0 && pread(pm, &pme, sizeof(pme),
				     (off_t)(e->vpn * sizeof(pme))) ==
				       (ssize_t)sizeof(pme) &&
		    (pme & (DEVMEM_PM_PRESENT | DEVMEM_PM_SWAPPED)))
			continue;
		e->flags |= DEVMEM_F_RESTORE;
	}
	if (pm >= 0)
		close(pm);
	for (i = 0; i < reg->cap; i++) {
		const struct devmem_entry *e = &reg->slots[i];

		if (e->vpn && (e->flags & DEVMEM_F_RESTORE))
			devmem_poke(e->vpn << DEVMEM_PAGE_SHIFT,
				    devmem_page_addr(e->mem, e->page));
	}
}

/*
 * In the child (single threaded): restore the data, then drop the parent's
 * pools and registries, which describe the parent's address space. Their
 * structures stay allocated (the child's copies of drivers may still point
 * at them; they are marked dead) and the registries are never recycled:
 * their notifiers still sit on the dead copy of the parent's mm.
 */
static void devmem_atfork_child(void)
{
	struct devmem_registry *reg;
	struct hmm_devmem *mem;

	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next))
		if (atomic_load(&reg->mm) && reg->cap)
			devmem_child_restore(reg);

	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next)) {
		for (mem = reg->pools; mem; mem = mem->next) {
			/* Parent threads may have held it: start afresh. */
			pthread_mutex_init(&mem->lock, NULL);
			mem->dead = true;
			munmap(mem->base, mem->npages << DEVMEM_PAGE_SHIFT);
			munmap(mem->rmap, mem->meta_bytes);
		}
		if (reg->slots)
			munmap(reg->slots, reg->slots_bytes);
		reg->slots = NULL;
		reg->cap = reg->slots_bytes = reg->count = 0;
		reg->capacity_pages = 0;
		reg->pools = NULL;
		reg->windows = NULL;
		atomic_store(&reg->nr_device, 0);
		/* Bound to the parent's (dead) mm for good: never recycled. */
		reg->released = true;
		reg->orphan = true;
		pthread_mutex_init(&reg->lock, NULL);
		pthread_mutex_init(&reg->fault_lock, NULL);
		pthread_mutex_init(&reg->migrate_lock, NULL);
	}
	pthread_mutex_init(&devmem_list_lock, NULL);
}

static void devmem_init_once(void)
{
	pthread_atfork(devmem_atfork_prepare, devmem_atfork_parent,
		       devmem_atfork_child);
}

/* ---------------------------------------------------------------------- */
/* Registries (devmem_list_lock held) */

/*
 * devmem_table_reserve() - room for @pages device pages in the table. The
 * new table is allocated with no registry lock held and swapped in under
 * reg->lock.
 */
static int devmem_table_reserve(struct devmem_registry *reg, size_t pages)
{
	struct devmem_entry *slots, *old;
	size_t cap = 64, bytes, old_cap, old_bytes, i;

	while (cap < pages * 2) {
		if (cap > SIZE_MAX / 2 / sizeof(*slots))
			return -ENOMEM;
		cap *= 2;
	}
	if (cap <= reg->cap)
		return 0;
	bytes = cap * sizeof(*slots);
	/* Zeroed pages are empty slots; untouched ones cost nothing. */
	slots = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (slots == MAP_FAILED)
		return -ENOMEM;

	pthread_mutex_lock(&reg->lock);
	old = reg->slots;
	old_cap = reg->cap;
	old_bytes = reg->slots_bytes;
	reg->slots = slots;
	reg->cap = cap;
	reg->slots_bytes = bytes;
	reg->count = 0;
	atomic_store(&reg->nr_device, 0);
	for (i = 0; i < old_cap; i++)
		if (old[i].vpn)
			__devmem_insert(reg, &old[i]);
	pthread_mutex_unlock(&reg->lock);
	if (old)
		munmap(old, old_bytes);
	return 0;
}

static int devmem_registry_init_locks(struct devmem_registry *reg)
{
	if (pthread_mutex_init(&reg->migrate_lock, NULL))
		return -ENOMEM;
	if (pthread_mutex_init(&reg->fault_lock, NULL))
		goto err_migrate_lock;
	if (pthread_mutex_init(&reg->lock, NULL))
		goto err_fault_lock;
	return 0;

err_fault_lock:
	pthread_mutex_destroy(&reg->fault_lock);
err_migrate_lock:
	pthread_mutex_destroy(&reg->migrate_lock);
	return -ENOMEM;
}

/*
 * devmem_registry_unbind() - forget a released mm whose pools are all
 * gone. Its RELEASE invalidation has passed our callback, and nothing that
 * the rest of it waits for is held here, so removing the notifier does
 * not deadlock.
 */
static void devmem_registry_unbind(struct devmem_registry *reg)
{
	struct mm_struct *mm = atomic_load(&reg->mm);
	struct devmem_entry *slots;
	size_t bytes;

	mm_clear_userfault_ops(mm);
	/* Unbound before the mm can be freed (and its address reused). */
	pthread_mutex_lock(&reg->lock);
	atomic_store(&reg->mm, NULL);
	slots = reg->slots;
	bytes = reg->slots_bytes;
	reg->slots = NULL;
	reg->cap = reg->slots_bytes = reg->count = 0;
	atomic_store(&reg->nr_device, 0);
	pthread_mutex_unlock(&reg->lock);
	mmu_interval_notifier_remove(&reg->notifier);
	if (slots)
		munmap(slots, bytes);
}

static int devmem_registry_bind(struct devmem_registry *reg,
				struct mm_struct *mm)
{
	int ret;

	reg->windows = NULL;
	reg->count = 0;
	reg->capacity_pages = 0;
	reg->pools = NULL;
	reg->released = false;
	atomic_store(&reg->nr_device, 0);
	memset(&reg->notifier, 0, sizeof(reg->notifier));
	ret = mmu_interval_notifier_insert(&reg->notifier, mm, 0, ULONG_MAX,
					   &devmem_notifier_ops);
	if (ret)
		return ret;
	ret = mm_set_userfault_ops(mm, &devmem_userfault_ops, reg);
	if (ret) {
		mmu_interval_notifier_remove(&reg->notifier);
		return ret;
	}
	pthread_mutex_lock(&reg->lock);
	atomic_store(&reg->mm, mm);
	pthread_mutex_unlock(&reg->lock);
	return 0;
}

/* The registry of @mm, binding a recycled or new one on first use. */
static int devmem_registry_get(struct mm_struct *mm,
			       struct devmem_registry **out)
{
	struct devmem_registry *reg, *free_reg = NULL;
	int ret;

	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next)) {
		struct mm_struct *bound = atomic_load(&reg->mm);

		if (bound == mm && !reg->orphan) {
			if (reg->released)
				return -ESRCH;
			*out = reg;
			return 0;
		}
		if (reg->orphan)
			continue;
		/* A released mm whose pools are gone: let it be freed. */
		if (bound && reg->released && !reg->pools &&
		    !svm_mm_alive(bound))
			devmem_registry_unbind(reg);
		if (!atomic_load(&reg->mm) && !free_reg)
			free_reg = reg;
	}
	reg = free_reg;
	if (!reg) {
		reg = calloc(1, sizeof(*reg));
		if (!reg)
			return -ENOMEM;
		ret = devmem_registry_init_locks(reg);
		if (ret) {
			free(reg);
			return ret;
		}
		atomic_init(&reg->mm, NULL);
		atomic_init(&reg->nr_device, 0);
		ret = devmem_registry_bind(reg, mm);
		if (ret) {
			/* Not published yet: nobody else can see it. */
			pthread_mutex_destroy(&reg->lock);
			pthread_mutex_destroy(&reg->fault_lock);
			pthread_mutex_destroy(&reg->migrate_lock);
			free(reg);
			return ret;
		}
		atomic_store(&reg->next, atomic_load(&devmem_registries));
		atomic_store(&devmem_registries, reg);
	} else {
		ret = devmem_registry_bind(reg, mm);
		if (ret)
			return ret;
	}
	*out = reg;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Pools */

static void devmem_pool_unmap(struct hmm_devmem *mem)
{
	if (mem->base)
		munmap(mem->base, mem->npages << DEVMEM_PAGE_SHIFT);
	if (mem->rmap)
		munmap(mem->rmap, mem->meta_bytes);
	mem->base = NULL;
	mem->rmap = NULL;
}

static int devmem_pool_map(struct hmm_devmem *mem)
{
	size_t rmap_bytes = mem->npages * sizeof(*mem->rmap);
	size_t i;
	void *meta;

	mem->base = mmap(NULL, mem->npages << DEVMEM_PAGE_SHIFT,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem->base == MAP_FAILED) {
		mem->base = NULL;
		return -ENOMEM;
	}
	/* rmap and free stack in one mapping, away from the heap. */
	mem->meta_bytes = rmap_bytes + mem->npages * sizeof(*mem->free_stack);
	meta = mmap(NULL, mem->meta_bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (meta == MAP_FAILED) {
		munmap(mem->base, mem->npages << DEVMEM_PAGE_SHIFT);
		mem->base = NULL;
		return -ENOMEM;
	}
	mem->rmap = meta;
	mem->free_stack = (uint32_t *)((char *)meta + rmap_bytes);
	/* Pop order = ascending pages. */
	for (i = 0; i < mem->npages; i++)
		mem->free_stack[i] = (uint32_t)(mem->npages - 1 - i);
	mem->nfree = mem->npages;
	return 0;
}

struct hmm_devmem *hmm_devmem_create(struct mm_struct *mm, void *owner,
				     size_t size)
{
	struct devmem_registry *reg;
	struct hmm_devmem *mem;
	int ret;

	if (!mm || !size || size > DEVMEM_MAX_POOL_PAGES << DEVMEM_PAGE_SHIFT) {
		errno = EINVAL;
		return NULL;
	}
	if (!svm_mm_alive(mm)) {
		errno = ESRCH;
		return NULL;
	}
	pthread_once(&devmem_once, devmem_init_once);

	mem = calloc(1, sizeof(*mem));
	if (!mem) {
		errno = ENOMEM;
		return NULL;
	}
	mem->mm = mm;
	mem->owner = owner;
	mem->npages = (size + DEVMEM_PAGE_SIZE - 1) >> DEVMEM_PAGE_SHIFT;
	ret = -pthread_mutex_init(&mem->lock, NULL);
	if (ret)
		goto err_free_mem;
	ret = devmem_pool_map(mem);
	if (ret)
		goto err_destroy_lock;

	pthread_mutex_lock(&devmem_list_lock);
	ret = devmem_registry_get(mm, &reg);
	if (ret)
		goto err_unmap_pool;
	ret = devmem_table_reserve(reg, reg->capacity_pages + mem->npages);
	if (ret)
		goto err_unmap_pool;
	mem->reg = reg;
	pthread_mutex_lock(&reg->lock);
	mem->next = reg->pools;
	reg->pools = mem;
	reg->capacity_pages += mem->npages;
	__devmem_mutated(reg, __func__);
	pthread_mutex_unlock(&reg->lock);
	pthread_mutex_unlock(&devmem_list_lock);
	return mem;

err_unmap_pool:
	pthread_mutex_unlock(&devmem_list_lock);
	devmem_pool_unmap(mem);
err_destroy_lock:
	pthread_mutex_destroy(&mem->lock);
err_free_mem:
	free(mem);
	errno = -ret;
	return NULL;
}

static uint64_t devmem_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool devmem_ev_drop_pool(struct devmem_registry *reg,
				struct devmem_entry *e, void *arg)
{
	if (e->mem != arg)
		return false;
	__devmem_drop(reg, e);
	return true;
}

/*
 * devmem_pool_unlink() - take @mem off its registry once no entry uses it.
 * Pages discarded by a CPU event are freed by the event's end on the
 * monitor, shortly; we wait for that rather than free memory a device may
 * still reach. Past the budget, or once the mm is released (no monitor, no
 * device), leftovers are dropped. Holds migrate_lock and devmem_list_lock.
 * Return: true when unlinked.
 */
static bool devmem_pool_unlink(struct hmm_devmem *mem, bool force)
{
	struct devmem_registry *reg = mem->reg;
	struct hmm_devmem **link;
	bool done = false;

	pthread_mutex_lock(&reg->fault_lock);
	pthread_mutex_lock(&reg->lock);
	if (devmem_used(mem) && (force || reg->released))
		__devmem_for_range(reg, DEVMEM_PAGE_SIZE, DEVMEM_USER_VA_END,
				   devmem_ev_drop_pool, mem);
	if (!devmem_used(mem)) {
		for (link = &reg->pools; *link; link = &(*link)->next) {
			if (*link == mem) {
				*link = mem->next;
				break;
			}
		}
		reg->capacity_pages -= mem->npages;
		__devmem_mutated(reg, __func__);
		done = true;
	}
	pthread_mutex_unlock(&reg->lock);
	pthread_mutex_unlock(&reg->fault_lock);
	return done;
}

void hmm_devmem_destroy(struct hmm_devmem *mem)
{
	struct devmem_registry *reg;
	uint64_t deadline;
	bool force = false;

	if (!mem)
		return;
	reg = mem->reg;
	if (mem->dead || !reg) {
		/* A fork child's copy: its memory went with the parent's. */
		pthread_mutex_destroy(&mem->lock);
		free(mem);
		return;
	}
	deadline = devmem_now_ms() + DEVMEM_DESTROY_BUDGET_MS;
	pthread_mutex_lock(&reg->migrate_lock);
	for (;;) {
		bool done;

		if (!reg->released && svm_mm_alive(mem->mm))
			devmem_evict(mem, true, NULL);
		pthread_mutex_lock(&devmem_list_lock);
		done = devmem_pool_unlink(mem, force);
		pthread_mutex_unlock(&devmem_list_lock);
		if (done)
			break;
		if (devmem_now_ms() > deadline) {
			fprintf(stderr, "svmcl devmem: pages of pool %p still "
				"in use after %d ms; dropping them\n",
				(void *)mem, DEVMEM_DESTROY_BUDGET_MS);
			force = true;
		}
		usleep(200);
	}
	mem->dead = true;
	pthread_mutex_unlock(&reg->migrate_lock);

	devmem_pool_unmap(mem);
	pthread_mutex_destroy(&mem->lock);
	free(mem);
}

void hmm_devmem_usage(struct hmm_devmem *mem, size_t *used, size_t *total)
{
	size_t u = 0, t = 0;

	if (mem && !mem->dead) {
		u = devmem_used(mem);
		t = mem->npages;
	}
	if (used)
		*used = u;
	if (total)
		*total = t;
}

void hmm_devmem_aperture(struct hmm_devmem *mem, uintptr_t *base,
			 size_t *size)
{
	*base = (uintptr_t)mem->base;
	*size = mem->npages << DEVMEM_PAGE_SHIFT;
}

bool hmm_devmem_any(struct mm_struct *mm)
{
	struct devmem_registry *reg;

	if (!mm)
		return false;
	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next))
		if (devmem_reg_serves(reg, mm))
			return atomic_load_explicit(&reg->nr_device,
						    memory_order_acquire) != 0;
	return false;
}

bool hmm_devmem_lookup(struct mm_struct *mm, unsigned long va,
		       struct hmm_devmem_page *out)
{
	struct devmem_registry *reg;
	bool found = false;

	if (!mm)
		return false;
	for (reg = atomic_load(&devmem_registries); reg;
	     reg = atomic_load(&reg->next)) {
		struct devmem_entry *e;

		if (!devmem_reg_serves(reg, mm))
			continue;
		/* The common case, nothing migrated: no lock at all. */
		if (!atomic_load_explicit(&reg->nr_device, memory_order_acquire))
			return false;
		pthread_mutex_lock(&reg->lock);
		e = devmem_reg_serves(reg, mm) ?
		    __devmem_find(reg, va >> DEVMEM_PAGE_SHIFT) : NULL;
		if (e && e->state == DEVMEM_DEVICE) {
			found = true;
			if (out) {
				out->mem = e->mem;
				out->owner = e->mem->owner;
				out->dev_addr = (uintptr_t)devmem_page_addr(
					e->mem, e->page);
				out->writable = e->flags & DEVMEM_F_WRITABLE;
			}
		}
		pthread_mutex_unlock(&reg->lock);
		return found;
	}
	return false;
}
