/* SPDX-License-Identifier: MIT */
/*
 * migrate.c - migrate_vma for anonymous private memory, and the way back.
 *
 * DOC: Overview
 *
 * hmm_migrate_to_device() is Linux's migrate_vma_setup/pages/finalize as
 * lib/test_hmm.c drives it, done with the tools userspace has. The whole
 * range is checked first (any page without a readable mapping: -EINVAL; a
 * shared mapping: -ENOENT; hugetlbfs and special mappings: -EINVAL, as
 * migrate_vma_setup() refuses them); a private file mapping is turned into
 * anonymous memory with its current contents (see "Deviations"). The
 * range is registered with the mm's userfaultfd in MISSING|WP mode, then
 * processed in windows of up to 512 pages (PMD aligned):
 *
 *  1. The window is published on reg->windows: from now on a CPU fault on
 *     it waits until the window is done (the fault handler leaves the
 *     thread blocked; Linux's migration entries make it wait the same way).
 *  2. UFFDIO_WRITEPROTECT: writers block from here on; readers go on.
 *  3. mm_invalidate_range(MMU_NOTIFY_MIGRATE, owner = the pool's owner):
 *     other devices drop their mappings; the migrating device skips it.
 *  4. Pagemap tells present (or swapped) pages from absent ones. Each page
 *     not yet on a device gets a device page and a registry entry in
 *     DEVMEM_MIGRATING: a copy of the CPU page, or zeros for an absent one
 *     (Linux allocates zeroed device pages for empty source pages). Pages
 *     already in this pool count; pages in another pool are left alone,
 *     as Linux's migrate_vma_setup(SELECT_SYSTEM) does not select them.
 *  5. MADV_DONTNEED zaps the copied pages. Its REMOVE event must not
 *     discard them (DEVMEM_F_SELF_ZAP), so the thread waits until the
 *     monitor has processed it (mm_sync_events()).
 *  6. The entries become DEVMEM_DEVICE (visible to hmm_devmem_lookup());
 *     the window is unpublished, the write protection lifted and every
 *     thread blocked on the window woken. They retry, find the page
 *     absent, fault (MISSING) and the fault handler brings the page back.
 *
 * The fault handler (devmem_fault(), on the mm's monitor thread) is
 * migrate_to_ram(): for a page in a device pool it marks the entry
 * DEVMEM_EVICTING, invalidates the page with MMU_NOTIFY_MIGRATE and owner
 * NULL (every device, the owner included, drops its mapping of the device
 * page *before* the copy, so no device write is lost), installs a copy
 * with UFFDIO_COPY (atomic), frees the device page and only then wakes
 * the faulting thread: when its access completes the page is back and the
 * pool counts it free. A MISSING fault on a page that is on no device is
 * a normal first touch (zero page, or a zeroed copy for a write); a WP
 * fault outside any window gets its write permission back.
 * hmm_migrate_to_system() and hmm_devmem_evict_all() do the same from the
 * calling thread.
 *
 * No data is lost or duplicated under concurrent CPU access: writes are
 * blocked from before the copy (2) until the data is reachable again (6);
 * reads of a copied page see the same data before the zap and fault after
 * it; a device page leaves DEVMEM_DEVICE before devices are told and is
 * freed only after the copy back succeeded.
 *
 * Deviations from Linux, all documented in docs/migration.md:
 * - Private file mappings are converted to anonymous memory (copy, then
 *   mremap over) before their first migration, because a zapped page of a
 *   file mapping would fault the file page back, not reach us; Linux
 *   migrates only their anonymous (written) pages. The conversion is not
 *   atomic against concurrent CPU writes to the range.
 * - The owner of the fault-back invalidation is NULL (Linux's driver
 *   drops its own mapping itself in migrate_to_ram()).
 * - Device pages are 4 KiB: a THP is migrated as 512 pages.
 *
 * DOC: Locking
 *
 * reg->migrate_lock serialises migrations and evictions of an mm (it is
 * never taken by the monitor). reg->fault_lock pairs the fault handler's
 * decision with window start and end: the handler holds it while it
 * decides and resolves a fault, a window while it publishes and
 * unpublishes itself. Neither it nor reg->lock is held while a migration
 * zaps, waits for the monitor, or retries an ioctl that returned -EAGAIN
 * (the monitor must read an event for that to change). The fault handler
 * never waits for a migration: a fault it cannot resolve now stays
 * blocked in the kernel and is woken by the window's end or by the owner
 * of the entry.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "hmm/hmm_internal.h"
#include "hmm/migrate_internal.h"

/* PAGEMAP bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)

#define DEVMEM_VMA_READ (1u << 0)
#define DEVMEM_VMA_WRITE (1u << 1)
#define DEVMEM_VMA_EXEC (1u << 2)
#define DEVMEM_VMA_SHARED (1u << 3)
#define DEVMEM_VMA_FILE (1u << 4)
#define DEVMEM_VMA_HUGETLB (1u << 5)
#define DEVMEM_VMA_SPECIAL (1u << 6)

/* One VMA, clipped to the range asked about. */
struct devmem_vma {
	unsigned long start;
	unsigned long end;
	unsigned int flags;
};

struct devmem_vmas {
	struct devmem_vma *v;
	size_t n;
	size_t cap;
};

/* Pages brought back per batch (and per invalidation). */
#define DEVMEM_BACK_BATCH 64

/* A page leaving a pool: the owner's private copy of its entry. */
struct devmem_back {
	unsigned long vpn;
	struct hmm_devmem *mem;
	uint32_t page;
	int err;
};

static uint64_t migrate_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int migrate_gettid(void)
{
	return (int)syscall(SYS_gettid);
}

/* ---------------------------------------------------------------------- */
/* VMAs of a range */

static int devmem_vmas_add(struct devmem_vmas *vs, unsigned long start,
			   unsigned long end, unsigned int flags)
{
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 8;
		struct devmem_vma *v = realloc(vs->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vs->v = v;
		vs->cap = cap;
	}
	vs->v[vs->n++] = (struct devmem_vma){ start, end, flags };
	return 0;
}

/*
 * devmem_vmas_get() - the VMAs covering [start, end), from the HMM core's
 * VMA lookup (one PROCMAP_QUERY per VMA, /proc/self/smaps before 6.11).
 * Return: 0; -EINVAL when a page of the range has no VMA.
 */
static int devmem_vmas_get(unsigned long start, unsigned long end,
			   struct devmem_vmas *vs)
{
	unsigned long addr = start;

	while (addr < end) {
		struct hmm_vma v;
		unsigned int f = 0;
		int ret = hmm_vma_find(addr, end, &v);

		if (ret)
			return ret;
		if (v.flags & HMM_VMA_HOLE)
			return -EINVAL;
		if (v.flags & HMM_VMA_READ)
			f |= DEVMEM_VMA_READ;
		if (v.flags & HMM_VMA_WRITE)
			f |= DEVMEM_VMA_WRITE;
		if (v.flags & HMM_VMA_EXEC)
			f |= DEVMEM_VMA_EXEC;
		if (v.flags & HMM_VMA_SHARED)
			f |= DEVMEM_VMA_SHARED;
		if (v.flags & HMM_VMA_FILE)
			f |= DEVMEM_VMA_FILE;
		if (v.flags & HMM_VMA_SPECIAL)
			f |= DEVMEM_VMA_SPECIAL;
		if (v.page_shift > DEVMEM_PAGE_SHIFT)
			f |= DEVMEM_VMA_HUGETLB;
		ret = devmem_vmas_add(vs, addr, v.end < end ? v.end : end, f);
		if (ret)
			return ret;
		addr = v.end;
	}
	return 0;
}

/* Linux's checks, in Linux's order of precedence. */
static int devmem_vmas_check(const struct devmem_vmas *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!(vs->v[i].flags & DEVMEM_VMA_READ) ||
		    (vs->v[i].flags & (DEVMEM_VMA_HUGETLB | DEVMEM_VMA_SPECIAL)))
			return -EINVAL;
	for (i = 0; i < vs->n; i++)
		if (vs->v[i].flags & DEVMEM_VMA_SHARED)
			return -ENOENT;
	return 0;
}

/*
 * devmem_make_anonymous() - turn the private file mapping @v into
 * anonymous memory with the same contents and protection: copy it aside
 * (process_vm_readv: a page beyond the end of the file fails instead of
 * raising SIGBUS), then mremap the copy over it, which replaces the
 * mapping atomically. A CPU write to the range between the copy and the
 * mremap is lost (docs/migration.md).
 */
static int devmem_make_anonymous(const struct devmem_vma *v)
{
	size_t len = v->end - v->start;
	struct iovec local, remote;
	int prot = 0;
	void *tmp, *r;
	ssize_t n;

	tmp = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tmp == MAP_FAILED)
		return -ENOMEM;
	local = (struct iovec){ tmp, len };
	remote = (struct iovec){ (void *)v->start, len };
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n != (ssize_t)len)
		goto err_unmap;
	if (v->flags & DEVMEM_VMA_READ)
		prot |= PROT_READ;
	if (v->flags & DEVMEM_VMA_WRITE)
		prot |= PROT_WRITE;
	if (v->flags & DEVMEM_VMA_EXEC)
		prot |= PROT_EXEC;
	if (prot != (PROT_READ | PROT_WRITE) && mprotect(tmp, len, prot))
		goto err_unmap;
	r = mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)v->start);
	if (r == MAP_FAILED)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(tmp, len);
	return -EINVAL;
}

/* ---------------------------------------------------------------------- */
/* Small helpers */

static void devmem_pagemap(int fd, uint64_t *pm, unsigned long start,
			   size_t n)
{
	size_t want = n * sizeof(*pm), got = 0;
	off_t off = (off_t)((start >> DEVMEM_PAGE_SHIFT) * sizeof(*pm));

	while (fd >= 0 && got < want) {
		ssize_t r = pread(fd, (char *)pm + got, want - got,
				  off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	/*
	 * Unknown means "present": the copy then reads the page, and an
	 * absent one is zero-filled by the fault handler (our own thread).
	 */
	for (; got < want; got += sizeof(*pm))
		pm[got / sizeof(*pm)] = PM_PRESENT;
}

/*
 * devmem_wp_retry() - (un)protect from a thread other than the monitor,
 * retrying while the kernel reports an unread event (-EAGAIN). No lock the
 * monitor takes may be held.
 */
static int devmem_wp_retry(struct mm_struct *mm, unsigned long start,
			   unsigned long end, bool protect)
{
	uint64_t deadline = 0;
	int ret;

	for (;;) {
		ret = mm_userfault_writeprotect(mm, start, end, protect);
		if (ret != -EAGAIN)
			return ret;
		if (!deadline)
			deadline = migrate_now_ms() + DEVMEM_EAGAIN_BUDGET_MS;
		else if (migrate_now_ms() > deadline)
			return -EBUSY;
		sched_yield();
	}
}

/*
 * devmem_copy_retry() - install @len bytes at @va without waking anybody.
 * Off the monitor, -EAGAIN is retried as above; on it, it is returned
 * (only the monitor can read the event that clears it).
 */
static int devmem_copy_retry(struct mm_struct *mm, unsigned long va,
			     const void *src, size_t len, bool on_monitor)
{
	uint64_t deadline = 0;
	size_t off;
	int ret;

	for (;;) {
		ret = mm_userfault_copy(mm, va, src, len, false);
		if (ret == -EOPNOTSUPP) {
			/*
			 * No userfaultfd any more (the mm is being released):
			 * the range is no longer registered, write it directly.
			 */
			for (off = 0; off < len && !ret; off += DEVMEM_PAGE_SIZE)
				ret = devmem_poke(va + off,
						  (const char *)src + off);
			return ret;
		}
		if (ret != -EAGAIN || on_monitor)
			return ret;
		if (!deadline)
			deadline = migrate_now_ms() + DEVMEM_EAGAIN_BUDGET_MS;
		else if (migrate_now_ms() > deadline)
			return -EAGAIN;
		sched_yield();
	}
}

/*
 * A first touch of a page that is on no device, from the fault handler:
 * what the kernel would do (zero page, or a zeroed copy for a write). If
 * it fails the thread is woken and faults again.
 */
static void devmem_first_touch(struct mm_struct *mm, unsigned long page,
			       unsigned int flags)
{
	static const unsigned char zeros[DEVMEM_PAGE_SIZE]
		__attribute__((aligned(DEVMEM_PAGE_SIZE)));
	int err;

	if (flags & MM_USERFAULT_WRITE)
		err = mm_userfault_copy(mm, page, zeros, DEVMEM_PAGE_SIZE,
					true);
	else
		err = mm_userfault_zeropage(mm, page, DEVMEM_PAGE_SIZE);
	if (err)
		mm_userfault_wake(mm, page, DEVMEM_PAGE_SIZE);
}

/* ---------------------------------------------------------------------- */
/* Back to system memory */

static void devmem_sort_back(struct devmem_back *b, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct devmem_back x = b[i];

		for (j = i; j > 0 && b[j - 1].vpn > x.vpn; j--)
			b[j] = b[j - 1];
		b[j] = x;
	}
}

/*
 * devmem_copy_run() - install the longest run at @b whose CPU pages and
 * device pages are both consecutive with one UFFDIO_COPY (pools hand out
 * ascending pages, so runs are common); if that fails part way, page by
 * page, where -EEXIST then means "installed by the run copy".
 * Return: the number of entries of @b handled.
 */
static size_t devmem_copy_run(struct mm_struct *mm, struct devmem_back *b,
			      size_t n, bool on_monitor)
{
	size_t len = 1, i;
	int err;

	while (len < n && b[len].mem == b[0].mem &&
	       b[len].vpn == b[0].vpn + len && b[len].page == b[0].page + len)
		len++;
	err = devmem_copy_retry(mm, b[0].vpn << DEVMEM_PAGE_SHIFT,
				devmem_page_addr(b[0].mem, b[0].page),
				len << DEVMEM_PAGE_SHIFT, on_monitor);
	if (!err || len == 1) {
		for (i = 0; i < len; i++)
			b[i].err = err;
		return len;
	}
	for (i = 0; i < len; i++) {
		err = devmem_copy_retry(mm, b[i].vpn << DEVMEM_PAGE_SHIFT,
					devmem_page_addr(b[i].mem, b[i].page),
					DEVMEM_PAGE_SIZE, on_monitor);
		b[i].err = err == -EEXIST ? 0 : err;
	}
	return len;
}

/*
 * devmem_copy_back() - bring @n pages back to system memory. The caller
 * moved their entries to DEVMEM_EVICTING and owns them. Devices are told
 * first (@invalidate), so that none writes a device page after its copy;
 * each page is then installed with UFFDIO_COPY, the entries are dropped,
 * and the threads waiting for the pages are woken. On the monitor an
 * -EAGAIN is not waited out: the entry goes back to DEVMEM_DEVICE and the
 * faulting thread, woken, faults again.
 * Return: the number of pages installed.
 */
static size_t devmem_copy_back(struct devmem_registry *reg, struct mm_struct *mm,
			       struct devmem_back *b, size_t n, bool invalidate,
			       bool on_monitor)
{
	size_t i, moved = 0;

	devmem_sort_back(b, n);
	if (invalidate) {
		for (i = 0; i < n;) {
			size_t j = i + 1;
			unsigned long end;

			while (j < n && b[j].vpn == b[j - 1].vpn + 1)
				j++;
			end = b[j - 1].vpn + 1;
			mm_invalidate_range(mm, b[i].vpn << DEVMEM_PAGE_SHIFT,
					    end << DEVMEM_PAGE_SHIFT,
					    MMU_NOTIFY_MIGRATE, NULL);
			i = j;
		}
	}
	for (i = 0; i < n;)
		i += devmem_copy_run(mm, b + i, n - i, on_monitor);

	pthread_mutex_lock(&reg->lock);
	for (i = 0; i < n; i++) {
		struct devmem_entry *e = __devmem_find(reg, b[i].vpn);

		if (!e || e->state != DEVMEM_EVICTING || e->mem != b[i].mem) {
			/* Owned by us: nobody else may remove it. */
			devmem_bug(__func__, "an evicting entry went away");
			continue;
		}
		if (b[i].err == -EAGAIN && !(e->flags & DEVMEM_F_DISCARDED)) {
			__devmem_set_state(reg, e, DEVMEM_DEVICE);
			continue;
		}
		/*
		 * Installed, or the CPU mapping is gone (-ENOENT, -EFAULT,
		 * discarded meanwhile), or a CPU page appeared (-EEXIST): the
		 * device copy has no user any more.
		 */
		if (!b[i].err)
			moved++;
		__devmem_drop(reg, e);
	}
	__devmem_mutated(reg, __func__);
	pthread_mutex_unlock(&reg->lock);

	/*
	 * The copies did not wake anybody: a thread that faulted on one of
	 * these pages resumes only now, when the device page is free again
	 * (or back in DEVMEM_DEVICE, for a retry).
	 */
	for (i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && b[j].vpn == b[j - 1].vpn + 1)
			j++;
		mm_userfault_wake(mm, b[i].vpn << DEVMEM_PAGE_SHIFT,
				  (j - i) << DEVMEM_PAGE_SHIFT);
		i = j;
	}
	return moved;
}

/* Claim @e for a copy back; reg->lock held. */
static void __devmem_claim(struct devmem_registry *reg, struct devmem_entry *e,
			   struct devmem_back *b)
{
	__devmem_set_state(reg, e, DEVMEM_EVICTING);
	*b = (struct devmem_back){ .vpn = e->vpn, .mem = e->mem,
				   .page = e->page };
}

/* Caller holds reg->migrate_lock. */
int devmem_evict(struct hmm_devmem *mem, bool invalidate, uint64_t *moved)
{
	struct devmem_registry *reg = mem->reg;
	struct devmem_back b[DEVMEM_BACK_BATCH];
	size_t page = 0, total = 0;

	while (page < mem->npages) {
		size_t n = 0;

		pthread_mutex_lock(&reg->lock);
		for (; page < mem->npages && n < DEVMEM_BACK_BATCH; page++) {
			struct devmem_entry *e;

			if (!mem->rmap[page])
				continue;
			e = __devmem_find(reg, mem->rmap[page]);
			if (e && e->state == DEVMEM_DEVICE)
				__devmem_claim(reg, e, &b[n++]);
		}
		pthread_mutex_unlock(&reg->lock);
		if (n)
			total += devmem_copy_back(reg, mem->mm, b, n,
						  invalidate, false);
	}
	pthread_mutex_lock(&reg->lock);
	__devmem_check(reg, __func__);
	pthread_mutex_unlock(&reg->lock);
	if (moved)
		*moved = total;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The CPU fault handler (monitor thread) */

static struct devmem_window *__devmem_window_of(struct devmem_registry *reg,
						unsigned long addr)
{
	struct devmem_window *w;

	for (w = reg->windows; w; w = w->next)
		if (addr >= w->start && addr < w->end)
			return w;
	return NULL;
}

static void devmem_fault(struct mm_struct *mm, unsigned long addr,
			 unsigned int flags, int tid, void *data)
{
	struct devmem_registry *reg = data;
	struct devmem_window *w;
	struct devmem_entry *e;
	struct devmem_back b;
	int state;

	pthread_mutex_lock(&reg->fault_lock);
	if (atomic_load(&reg->mm) != mm) {
		devmem_first_touch(mm, addr, flags);
		goto out;
	}
	w = __devmem_window_of(reg, addr);
	if (w) {
		/*
		 * The page is being migrated: the thread waits for the
		 * window's end, which wakes it. Only the migrating thread
		 * itself, reading a page that was zapped under its feet,
		 * gets what the zap left: zeros.
		 */
		if (tid && tid == w->tid)
			devmem_first_touch(mm, addr, flags);
		goto out;
	}
	if (flags & MM_USERFAULT_WP) {
		/* A window's protection its end has not lifted yet. */
		if (mm_userfault_writeprotect(mm, addr, addr + DEVMEM_PAGE_SIZE,
					      false))
			mm_userfault_wake(mm, addr, DEVMEM_PAGE_SIZE);
		goto out;
	}

	pthread_mutex_lock(&reg->lock);
	e = __devmem_find(reg, addr >> DEVMEM_PAGE_SHIFT);
	state = e ? e->state : 0;
	if (state == DEVMEM_DEVICE)
		__devmem_claim(reg, e, &b);
	pthread_mutex_unlock(&reg->lock);
	if (state == DEVMEM_DEVICE) {
		devmem_copy_back(reg, mm, &b, 1, true, true);
		goto out;
	}
	/*
	 * No entry: a first touch. An entry in transit belongs to a thread
	 * that wakes the page when it is done with it.
	 */
	if (!state || state == DEVMEM_ZOMBIE)
		devmem_first_touch(mm, addr, flags);
out:
	pthread_mutex_unlock(&reg->fault_lock);
}

const struct mm_userfault_ops devmem_userfault_ops = {
	.fault = devmem_fault,
	.event_start = devmem_event_start,
	.event_end = devmem_event_end,
};

/* ---------------------------------------------------------------------- */
/* To the device */

struct devmem_migrate {
	struct hmm_devmem *mem;
	int pm_fd;
	uint64_t cpages;
};

enum {
	DEVMEM_ACT_SKIP,	/* another pool's, in transit, or no room */
	DEVMEM_ACT_HAVE,	/* already in this pool */
	DEVMEM_ACT_NEW,		/* copied by this window */
	DEVMEM_ACT_UNDO,	/* copied, but the zap failed: stays on CPU */
};

static void devmem_window_publish(struct devmem_registry *reg,
				  struct devmem_window *w)
{
	pthread_mutex_lock(&reg->fault_lock);
	w->next = reg->windows;
	reg->windows = w;
	pthread_mutex_unlock(&reg->fault_lock);
}

static void devmem_window_unpublish(struct devmem_registry *reg,
				    struct devmem_window *w)
{
	struct devmem_window **link;

	pthread_mutex_lock(&reg->fault_lock);
	for (link = &reg->windows; *link; link = &(*link)->next) {
		if (*link == w) {
			*link = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&reg->fault_lock);
}

/* Zap the runs of copied pages; a run that cannot be zapped stays. */
/*
 * The device's DMA of one page into VRAM. It copies whole pages, so it
 * also reads the bytes around an application's allocation on the same
 * page - with AddressSanitizer, the redzones around a heap block, which
 * its memcpy() interceptor would report as an overflow of the program.
 * Sanitized builds copy with plain loads that are not instrumented.
 */
#if defined(__SANITIZE_ADDRESS__)
#define DEVMEM_DMA_UNCHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEVMEM_DMA_UNCHECKED 1
#endif
#endif

#ifdef DEVMEM_DMA_UNCHECKED
__attribute__((no_sanitize("address")))
static void devmem_dma_page(void *dst, const void *src)
{
	const volatile uint64_t *s = src;
	uint64_t *d = dst;

	for (size_t k = 0; k < DEVMEM_PAGE_SIZE / sizeof(*d); k++)
		d[k] = s[k];
}
#else
static void devmem_dma_page(void *dst, const void *src)
{
	memcpy(dst, src, DEVMEM_PAGE_SIZE);
}
#endif

static void devmem_window_zap(unsigned long start, uint8_t *act, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		if (act[i] != DEVMEM_ACT_NEW) {
			i++;
			continue;
		}
		for (j = i + 1; j < n && act[j] == DEVMEM_ACT_NEW; j++)
			;
		/*
		 * ENOMEM: part of the run was unmapped meanwhile; the rest is
		 * zapped and the UNMAP event discards the entries. Any other
		 * error (an mlocked VMA) leaves the pages on the CPU.
		 */
		if (madvise((void *)(start + (i << DEVMEM_PAGE_SHIFT)),
			    (j - i) << DEVMEM_PAGE_SHIFT, MADV_DONTNEED) &&
		    errno != ENOMEM)
			memset(act + i, DEVMEM_ACT_UNDO, j - i);
		i = j;
	}
}

/*
 * devmem_migrate_window() - steps 1-6 of DOC: Overview for [start, end),
 * which lies in one VMA. Caller holds reg->migrate_lock and nothing else.
 */
static int devmem_migrate_window(struct devmem_migrate *m, unsigned long start,
				 unsigned long end, bool writable)
{
	struct hmm_devmem *mem = m->mem;
	struct devmem_registry *reg = mem->reg;
	struct mm_struct *mm = mem->mm;
	size_t n = (end - start) >> DEVMEM_PAGE_SHIFT, i;
	struct devmem_window w = { start, end, migrate_gettid(), NULL };
	uint64_t pm[DEVMEM_WINDOW_PAGES];
	uint8_t act[DEVMEM_WINDOW_PAGES];
	uint32_t dpage[DEVMEM_WINDOW_PAGES];
	uint64_t have = 0;
	int ret;

	devmem_window_publish(reg, &w);
	ret = devmem_wp_retry(mm, start, end, true);
	if (ret) {
		devmem_window_unpublish(reg, &w);
		mm_userfault_wake(mm, start, end - start);
		return ret == -ENOENT ? -EINVAL : ret;
	}
	mm_invalidate_range(mm, start, end, MMU_NOTIFY_MIGRATE, mem->owner);
	devmem_pagemap(m->pm_fd, pm, start, n);

	pthread_mutex_lock(&reg->lock);
	for (i = 0; i < n; i++) {
		unsigned long vpn = (start >> DEVMEM_PAGE_SHIFT) + i;
		struct devmem_entry *e = __devmem_find(reg, vpn);
		struct devmem_entry fresh;
		long page;

		act[i] = DEVMEM_ACT_SKIP;
		if (e) {
			if (e->mem == mem && e->state == DEVMEM_DEVICE)
				act[i] = DEVMEM_ACT_HAVE;
			continue;
		}
		page = __devmem_page_alloc(mem);
		if (page < 0)
			continue;	/* pool full: the page stays (Linux) */
		fresh = (struct devmem_entry){
			.vpn = vpn,
			.mem = mem,
			.page = (uint32_t)page,
			.state = DEVMEM_MIGRATING,
			.flags = DEVMEM_F_SELF_ZAP |
				 (writable ? DEVMEM_F_WRITABLE : 0),
		};
		mem->rmap[page] = vpn;
		__devmem_insert(reg, &fresh);
		dpage[i] = (uint32_t)page;
		act[i] = DEVMEM_ACT_NEW;
	}
	__devmem_mutated(reg, __func__);
	pthread_mutex_unlock(&reg->lock);

	/* Writers are blocked: the copies are exact. */
	for (i = 0; i < n; i++) {
		void *dst;

		if (act[i] != DEVMEM_ACT_NEW)
			continue;
		dst = devmem_page_addr(mem, dpage[i]);
		if (pm[i] & (PM_PRESENT | PM_SWAPPED))
			devmem_dma_page(dst, (void *)(start +
						      (i << DEVMEM_PAGE_SHIFT)));
		else
			memset(dst, 0, DEVMEM_PAGE_SIZE);
	}

	devmem_window_zap(start, act, n);
	/* Our REMOVE events must be processed before the entries go live. */
	mm_sync_events(mm);

	pthread_mutex_lock(&reg->lock);
	for (i = 0; i < n; i++) {
		unsigned long vpn = (start >> DEVMEM_PAGE_SHIFT) + i;
		struct devmem_entry *e;

		if (act[i] == DEVMEM_ACT_SKIP)
			continue;
		e = __devmem_find(reg, vpn);
		if (act[i] == DEVMEM_ACT_HAVE) {
			/* An unmap or zap may have discarded it meanwhile. */
			if (e && e->mem == mem && e->state == DEVMEM_DEVICE)
				have++;
			continue;
		}
		e->flags &= ~DEVMEM_F_SELF_ZAP;
		if (act[i] == DEVMEM_ACT_UNDO ||
		    (e->flags & DEVMEM_F_DISCARDED)) {
			__devmem_drop(reg, e);
			continue;
		}
		__devmem_set_state(reg, e, DEVMEM_DEVICE);
		have++;
	}
	__devmem_mutated(reg, __func__);
	pthread_mutex_unlock(&reg->lock);

	devmem_window_unpublish(reg, &w);
	/* Lifting the protection wakes the writers; the rest are woken here. */
	devmem_wp_retry(mm, start, end, false);
	mm_userfault_wake(mm, start, end - start);
	m->cpages += have;
	return 0;
}

static bool devmem_range_ok(unsigned long start, unsigned long end)
{
	return start < end && !((start | end) & ~DEVMEM_PAGE_MASK) &&
	       start >= DEVMEM_PAGE_SIZE && end <= DEVMEM_USER_VA_END;
}

/* Migrating a pool's own memory into a pool would make no sense. */
static bool devmem_overlaps_pools(struct devmem_registry *reg,
				  unsigned long start, unsigned long end)
{
	struct hmm_devmem *p;
	bool hit = false;

	pthread_mutex_lock(&reg->lock);
	for (p = reg->pools; p && !hit; p = p->next) {
		unsigned long b = (unsigned long)p->base;

		hit = start < b + (p->npages << DEVMEM_PAGE_SHIFT) && end > b;
	}
	pthread_mutex_unlock(&reg->lock);
	return hit;
}

static int devmem_register_error(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOMEM:
		return -EINVAL;	/* the range changed under us */
	default:
		return err;
	}
}

static int __devmem_migrate_range(struct devmem_migrate *m,
				  struct devmem_vmas *vs)
{
	struct hmm_devmem *mem = m->mem;
	size_t i;
	int ret;

	for (i = 0; i < vs->n; i++) {
		if (!(vs->v[i].flags & DEVMEM_VMA_FILE))
			continue;
		ret = devmem_make_anonymous(&vs->v[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < vs->n; i++) {
		ret = mm_userfault_register(mem->mm, vs->v[i].start,
					    vs->v[i].end);
		if (ret)
			return devmem_register_error(ret);
	}
	for (i = 0; i < vs->n; i++) {
		const struct devmem_vma *v = &vs->v[i];
		unsigned long a, b;

		for (a = v->start; a < v->end; a = b) {
			b = (a + DEVMEM_WINDOW_PAGES * DEVMEM_PAGE_SIZE) &
			    ~(DEVMEM_WINDOW_PAGES * DEVMEM_PAGE_SIZE - 1);
			if (b > v->end)
				b = v->end;
			ret = devmem_migrate_window(m, a, b,
						    v->flags & DEVMEM_VMA_WRITE);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Common checks of the entry points; fills *@vs. */
static int devmem_migrate_prepare(struct hmm_devmem *mem, unsigned long start,
				  unsigned long end, struct devmem_vmas *vs)
{
	if (!mem || mem->dead || !mem->reg || !devmem_range_ok(start, end))
		return -EINVAL;
	if (!svm_mm_alive(mem->mm) || mem->reg->released)
		return -ESRCH;
	/* The monitor resolves the faults a migration causes. */
	if (mm_on_monitor_thread(mem->mm))
		return -EDEADLK;
	if (devmem_overlaps_pools(mem->reg, start, end))
		return -EINVAL;
	return devmem_vmas_get(start, end, vs);
}

int hmm_migrate_check(struct hmm_devmem *mem, unsigned long start,
		      unsigned long end)
{
	struct devmem_vmas vs = { 0 };
	int ret = devmem_migrate_prepare(mem, start, end, &vs);

	if (!ret)
		ret = devmem_vmas_check(&vs);
	free(vs.v);
	return ret;
}

int hmm_migrate_to_device(struct hmm_devmem *mem, unsigned long start,
			  unsigned long end, uint64_t *cpages)
{
	struct devmem_migrate m = { .mem = mem, .pm_fd = -1 };
	struct devmem_vmas vs = { 0 };
	int ret;

	ret = devmem_migrate_prepare(mem, start, end, &vs);
	if (!ret)
		ret = devmem_vmas_check(&vs);
	if (ret)
		goto out_free;

	pthread_mutex_lock(&mem->reg->migrate_lock);
	if (mem->reg->released || !svm_mm_alive(mem->mm)) {
		ret = -ESRCH;
		goto out_unlock;
	}
	/*
	 * An munmap that returned before this call has had its event read,
	 * but perhaps not processed: processed later, it would discard the
	 * device pages we are about to give a new mapping at that address.
	 */
	mm_sync_events(mem->mm);
	m.pm_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ret = __devmem_migrate_range(&m, &vs);
	if (m.pm_fd >= 0)
		close(m.pm_fd);
	pthread_mutex_lock(&mem->reg->lock);
	__devmem_check(mem->reg, __func__);
	pthread_mutex_unlock(&mem->reg->lock);
out_unlock:
	pthread_mutex_unlock(&mem->reg->migrate_lock);
out_free:
	free(vs.v);
	if (!ret && cpages)
		*cpages = m.cpages;
	return ret;
}

/* ---------------------------------------------------------------------- */
/* To system memory */

int hmm_migrate_to_system(struct hmm_devmem *mem, unsigned long start,
			  unsigned long end, uint64_t *cpages)
{
	struct devmem_vmas vs = { 0 };
	struct devmem_registry *reg;
	struct devmem_back b[DEVMEM_BACK_BATCH];
	unsigned long vpn, last;
	uint64_t moved = 0;
	int ret;

	ret = devmem_migrate_prepare(mem, start, end, &vs);
	free(vs.v);
	if (ret)
		return ret;
	reg = mem->reg;
	last = (end >> DEVMEM_PAGE_SHIFT) - 1;

	pthread_mutex_lock(&reg->migrate_lock);
	for (vpn = start >> DEVMEM_PAGE_SHIFT; vpn <= last;) {
		size_t n = 0;

		pthread_mutex_lock(&reg->lock);
		for (; vpn <= last && n < DEVMEM_BACK_BATCH; vpn++) {
			struct devmem_entry *e;

			if (!atomic_load_explicit(&reg->nr_device,
						  memory_order_relaxed)) {
				vpn = last + 1;
				break;
			}
			e = __devmem_find(reg, vpn);
			if (e && e->mem == mem && e->state == DEVMEM_DEVICE)
				__devmem_claim(reg, e, &b[n++]);
		}
		pthread_mutex_unlock(&reg->lock);
		if (n)
			moved += devmem_copy_back(reg, mem->mm, b, n, true,
						  false);
	}
	pthread_mutex_lock(&reg->lock);
	__devmem_check(reg, __func__);
	pthread_mutex_unlock(&reg->lock);
	pthread_mutex_unlock(&reg->migrate_lock);
	if (cpages)
		*cpages = moved;
	return 0;
}

int hmm_devmem_evict_all(struct hmm_devmem *mem)
{
	struct devmem_registry *reg;
	int ret = 0;

	if (!mem || mem->dead || !mem->reg)
		return -EINVAL;
	reg = mem->reg;
	if (mm_on_monitor_thread(mem->mm))
		return -EDEADLK;
	pthread_mutex_lock(&reg->migrate_lock);
	/* After RELEASE the pages are back already. */
	if (!reg->released && svm_mm_alive(mem->mm))
		ret = devmem_evict(mem, true, NULL);
	pthread_mutex_unlock(&reg->migrate_lock);
	return ret;
}
