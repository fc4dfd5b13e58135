/* SPDX-License-Identifier: MIT */
/*
 * vram.c - the software GPU's device memory.
 *
 * DOC: Overview
 *
 * The GPU's VRAM is one &struct hmm_devmem pool of the HMM migration core
 * (kmd-shim/hmm/migrate.h) whose owner is the struct sgpu, SVMCL_VRAM_MB
 * in size (256 MiB by default). It is created by the first migration to
 * VRAM; when the core cannot create pools (-EOPNOTSUPP: no kernel-mode
 * userfaultfd) the GPU has no VRAM, says so to every later request, and
 * everything else keeps working on system memory.
 *
 * The aperture (gpu->vram_base, gpu->vram_size) is the pool's own mapping:
 * a VRAM PTE's target is the offset of the device page in the pool, and
 * the walker turns it into the page's host address (sgpu_vm_pte_host()).
 * Device code thus reads and writes VRAM directly while the CPU page is
 * absent; a CPU access brings the page back through the core's fault
 * handler, which first invalidates (MMU_NOTIFY_MIGRATE, owner NULL).
 *
 * Migration (KMD_IOCTL_VM_MIGRATE) calls hmm_migrate_to_device() or
 * hmm_migrate_to_system() on the range. The device PTEs of migrated pages
 * are not written here: the core's MIGRATE invalidation clears the old
 * system translations and the next device fault finds the pages as
 * DEVICE_PRIVATE entries (vm.c commits them with the VRAM bit).
 *
 * Eviction: a migration to VRAM first counts the pages of its range that
 * need a device page; if the pool has fewer free pages, the least
 * recently used pages of other ranges go back to system memory first.
 * Recency is a per-device-page stamp from a GPU-wide clock, set when the
 * page is migrated, whenever a device fault commits it, and when the
 * eviction clock finds it accessed. Accesses that hit a TLB touch nothing
 * (the JIT fast path has no room for a counter), so access information is
 * kept the way a CPU's accessed bit is, with a CLOCK-style second chance:
 *
 *  - a page walk that fills a line for a VRAM page sets the page's
 *    accessed bit (one byte; written only if clear);
 *  - before choosing victims, the clock samples every unit's TLB lines
 *    (both levels): a line that reaches a VRAM page sets its bit and is
 *    cleared (sgpu_cu_tlb_sample()), so that a page still in use is
 *    walked, and marked, again, while a line left behind by an idle unit
 *    counts once only;
 *  - every page with its bit set gets a fresh stamp and the bit cleared.
 *
 * So a page that units keep hitting in their TLBs is as recent as the last
 * eviction round (or its last walk), not as its migration. Sampling costs
 * a scan of the lines (~1300 per unit), only when an eviction is needed.
 *
 * A migration that fails after it evicted: the core's checks that can
 * refuse a migration (no VMA, not readable, shared, hugetlb, ...) are made
 * before anything is evicted (hmm_migrate_check()). A migration that fails
 * later (memory, a concurrent munmap) has its evictions rolled back: the
 * evicted runs are migrated to VRAM again, best effort (a run that cannot
 * go back, e.g. because the CPU unmapped it meanwhile, stays in system
 * memory, which is correct, only slower: eviction never loses data).
 * Rolled-back pages are counted in `evictions_undone` (exit statistics).
 *
 * Quiescence (the VRAM rule, issue 4 item 5): a device page is freed by
 * the core only after the invalidation of its CPU page has returned from
 * every notifier, and our callback returns only after every unit running
 * a dispatch of the VM has passed a quiescent point (shootdown.c). So the
 * order is always: clear PTE and TLB lines -> wait for quiescence -> copy
 * back -> free the device page -> reuse by a later migration.
 *
 * DOC: Device faults during a migration
 *
 * The core's migration invalidates the range (our callback clears the old
 * system PTEs), zaps the CPU pages, and only then makes the device pages
 * visible to hmm_range_fault(). A device fault in between would either
 * commit a system PTE to a page about to be zapped, or find the page in
 * neither place and fault it in through the CPU, which waits for the
 * migration and then brings the page straight back to system memory
 * (Linux's hmm_range_fault() instead waits on the migration entry and
 * then sees the device-private entry). So while a migration to VRAM is in
 * flight, its range is published (vram->mig_start/mig_end) and the fault
 * loop (vm.c), after mmu_interval_read_begin(), waits for it to end and
 * starts over. The fault loop announces itself (vram->faulting) before it
 * looks at the range and until its hmm_range_fault() returns; the
 * migration publishes its range, then waits until no loop is inside
 * hmm_range_fault() before the core's first step (a Dekker handshake with
 * sequentially consistent atomics: one side always sees the other). A
 * loop whose walk ended before the migration began commits only if
 * mmu_interval_read_retry() says no invalidation intervened, and the
 * migration's first step is one. Both waits are short: a walk, or one
 * migration; faulting units are quiescent while they wait, so the
 * migration's shootdowns never wait for them. (A steady stream of faults
 * on other ranges could delay a migration's start; each walk is short.)
 *
 * DOC: Device writes during a migration
 *
 * A compute unit reaches a system page through the CPU's own mapping of
 * it (identity IOMMU), so a unit's store is a CPU store. The core
 * write-protects each window *before* it invalidates devices (step 2,
 * then 3, docs/migration.md): a unit that still held a writable line of
 * the window then blocked in the kernel on the write-protect fault, inside
 * device code, and the window's invalidation waited for that unit's
 * quiescent point, which it could not pass until the window ended: each
 * wait ran into its 1 s timeout (seen as 4-8 s policy migrations and
 * units cancelled with -EBUSY while a kernel wrote the range). So before
 * calling the core, the range's translations are dropped on every device
 * of the mm (one MMU_NOTIFY_MIGRATE invalidation with no owner: our
 * callback clears the PTEs and lines and waits for quiescence, while no
 * unit is blocked); the range is already published, so a unit that needs
 * it again faults and waits outside device code until the migration ends.
 * This costs one more invalidation per migration and matters for requests
 * as much as for the policy (a kernel on another queue may write the
 * range).
 *
 * DOC: The migration policy
 *
 * The automatic policy (migrate_policy.c) moves regions in with
 * sgpu_vram_promote(): the same path as a request, but it never evicts (a
 * region that does not fit in the free pages is -ENOSPC: evicting data
 * that the application or the policy placed, to place other data, is how
 * two hot regions thrash), and a region already in VRAM is not migrated
 * again. Pages that leave VRAM by eviction or on request are reported to
 * the policy (sgpu_migrate_policy_released()), under vram->lock, so that
 * only pages the CPU (or another device) pulled back count as bounces.
 *
 * DOC: Locking
 *
 * vram->lock serialises pool creation, migrations and evictions and
 * protects vram->va. It is held across calls into the migration core and
 * is therefore never taken by the invalidate callback or the fault path;
 * the fault path only writes vram->stamp (relaxed atomics). Lock order:
 * vram->lock, then the core's locks (and the migration policy's record
 * lock); vm->lock is never held with it.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/sgpu.h"
#include "hmm/migrate.h"
void sgpu_vram_init(struct sgpu *gpu)
{
	memset(&gpu->vram, 0, sizeof(gpu->vram));
	pthread_mutex_init(&gpu->vram.lock, NULL);
}

void sgpu_vram_fini(struct sgpu *gpu)
{
	struct sgpu_vram *v = &gpu->vram;

	if (v->mem) {
		/* Brings every page back; no VM is left to invalidate. */
		hmm_devmem_destroy(v->mem);
		svm_mm_put(v->mm);
		gpu->vram_base = NULL;
		gpu->vram_size = 0;
	}
	free(v->va);
	free(v->stamp);
	free(v->accessed);
	pthread_mutex_destroy(&v->lock);
	memset(v, 0, sizeof(*v));
}

/* Creates the pool on first use; caller holds v->lock. */
static int sgpu_vram_create(struct sgpu *gpu)
{
	struct sgpu_vram *v = &gpu->vram;
	struct hmm_devmem *mem;
	struct mm_struct *mm;
	uint64_t npages = gpu->cfg.vram_bytes >> SGPU_PAGE_SHIFT;
	int ret;

	if (v->state)
		return v->state < 0 ? v->state : 0;
	v->va = calloc(npages, sizeof(*v->va));
	v->stamp = calloc(npages, sizeof(*v->stamp));
	v->accessed = calloc(npages, sizeof(*v->accessed));
	mm = svm_mm_get();
	if (!v->va || !v->stamp || !v->accessed || !mm) {
		ret = -ENOMEM;
		goto err;
	}
	mem = hmm_devmem_create(mm, gpu, npages << SGPU_PAGE_SHIFT);
	if (!mem) {
		ret = -errno;
		/* No userfaultfd: final. Anything else may pass; retry later. */
		if (ret == -EOPNOTSUPP)
			v->state = ret;
		goto err;
	}
	v->mm = mm;
	v->npages = npages;
	__atomic_store_n(&v->mem, mem, __ATOMIC_RELEASE);
	/*
	 * Published before any page is in the pool: a VRAM PTE is committed
	 * only after a fault saw a page there, which happens after this.
	 */
	{
		uintptr_t base;
		size_t size;

		hmm_devmem_aperture(mem, &base, &size);
		gpu->vram_base = (uint8_t *)base;
		gpu->vram_size = size;
	}
	v->state = 1;
	return 0;

err:
	if (mm)
		svm_mm_put(mm);
	free(v->va);
	free(v->stamp);
	free(v->accessed);
	v->va = NULL;
	v->stamp = NULL;
	v->accessed = NULL;
	return ret;
}

/* Aperture offset of the device page at host address @dev, or -1. */
static int64_t sgpu_vram_index(const struct sgpu *gpu, uintptr_t dev)
{
	uintptr_t base = (uintptr_t)gpu->vram_base;

	if (!base || dev < base || dev - base >= gpu->vram_size)
		return -1;
	return (int64_t)((dev - base) >> SGPU_PAGE_SHIFT);
}

/* Is the CPU page @va in our pool? Sets *@idx to its device page. */
static bool sgpu_vram_holds(struct sgpu *gpu, uint64_t va, int64_t *idx)
{
	struct hmm_devmem_page p;

	if (!hmm_devmem_lookup(gpu->vram.mm, va, &p) || p.mem != gpu->vram.mem)
		return false;
	*idx = sgpu_vram_index(gpu, p.dev_addr);
	return *idx >= 0;
}

void sgpu_vram_touch(struct sgpu *gpu, uint64_t off)
{
	struct sgpu_vram *v = &gpu->vram;
	uint64_t idx = off >> SGPU_PAGE_SHIFT;

	if (!v->stamp || idx >= v->npages)
		return;
	atomic_store_explicit(&v->stamp[idx],
			      atomic_fetch_add_explicit(&v->clock, 1,
							memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

void sgpu_vram_mark_accessed(struct sgpu *gpu, uint64_t off)
{
	struct sgpu_vram *v = &gpu->vram;
	uint64_t idx = off >> SGPU_PAGE_SHIFT;

	/* Only written when clear: no cache line bouncing between units. */
	if (v->accessed && idx < v->npages &&
	    !atomic_load_explicit(&v->accessed[idx], memory_order_relaxed))
		atomic_store_explicit(&v->accessed[idx], 1,
				      memory_order_relaxed);
}

uint64_t sgpu_vram_age(struct sgpu *gpu)
{
	struct sgpu_vram *v = &gpu->vram;
	uint64_t found = 0;

	if (!v->accessed)
		return 0;
	for (unsigned int i = 0; i < gpu->nr_units; i++)
		sgpu_cu_tlb_sample(&gpu->cus[i], (uintptr_t)gpu->vram_base,
				   gpu->vram_size, v->accessed);
	for (uint64_t i = 0; i < v->npages; i++) {
		if (!atomic_load_explicit(&v->accessed[i], memory_order_relaxed))
			continue;
		atomic_store_explicit(&v->accessed[i], 0, memory_order_relaxed);
		sgpu_vram_touch(gpu, i << SGPU_PAGE_SHIFT);
		found++;
	}
	return found;
}

void sgpu_vram_usage(const struct sgpu *gpu, uint64_t *used, uint64_t *total)
{
	/*
	 * Without vram->lock, which a migration holds for its whole length
	 * (statistics must not wait for it, nor the exit-time printout). The
	 * pool is published with a release store and destroyed only with the
	 * device, when nobody can ask for statistics any more.
	 */
	struct hmm_devmem *mem = __atomic_load_n(&gpu->vram.mem,
						 __ATOMIC_ACQUIRE);
	size_t u = 0, t = 0;

	if (mem)
		hmm_devmem_usage(mem, &u, &t);
	*used = u;
	*total = t;
}

static bool sgpu_vram_migrating(struct sgpu_vram *v, uint64_t start,
				uint64_t end)
{
	/* A new migration may pair its end with a cleared start: that only
	 * widens the range waited for. */
	uint64_t e = atomic_load(&v->mig_end);
	uint64_t s = atomic_load(&v->mig_start);

	return e && s < end && start < e;
}

bool sgpu_vram_fault_enter(struct sgpu *gpu, uint64_t start, uint64_t end)
{
	struct sgpu_vram *v = &gpu->vram;

	/* Dekker with sgpu_vram_to_device(): announce, then look. */
	atomic_fetch_add(&v->faulting, 1);
	if (!sgpu_vram_migrating(v, start, end))
		return true;
	atomic_fetch_sub(&v->faulting, 1);
	while (sgpu_vram_migrating(v, start, end))
		sched_yield();
	return false;
}

void sgpu_vram_fault_exit(struct sgpu *gpu)
{
	atomic_fetch_sub(&gpu->vram.faulting, 1);
}

struct lru_slot {
	uint64_t stamp;
	uint64_t va;
};

static int lru_cmp_stamp(const void *a, const void *b)
{
	const struct lru_slot *x = a, *y = b;

	return (x->stamp > y->stamp) - (x->stamp < y->stamp);
}

static int lru_cmp_va(const void *a, const void *b)
{
	const struct lru_slot *x = a, *y = b;

	return (x->va > y->va) - (x->va < y->va);
}

/* Runs of CPU pages an eviction moved, for its rollback. */
struct evict_runs {
	uint64_t n;
	uint64_t (*run)[2];	/* [start, end) */
};

/*
 * Moves up to @want of the least recently used pages outside [start, end)
 * back to system memory, in runs of consecutive CPU pages, recorded in
 * @runs (which the caller frees). Caller holds v->lock. Return: pages
 * evicted.
 */
static uint64_t sgpu_vram_evict(struct sgpu *gpu, uint64_t want,
				uint64_t start, uint64_t end,
				struct evict_runs *runs)
{
	struct sgpu_vram *v = &gpu->vram;
	struct lru_slot *s;
	uint64_t n = 0, picked = 0, evicted = 0;

	s = malloc(v->npages * sizeof(*s));
	if (!s)
		return 0;
	/* The clock hand: pages accessed since the last round are recent. */
	sgpu_vram_age(gpu);
	for (uint64_t i = 0; i < v->npages; i++) {
		uint64_t va = v->va[i];

		if (!va || (va >= start && va < end))
			continue;
		s[n].stamp = atomic_load_explicit(&v->stamp[i],
						  memory_order_relaxed);
		s[n].va = va;
		n++;
	}
	qsort(s, n, sizeof(*s), lru_cmp_stamp);
	/* Keep the victims that still are where the table says. */
	for (uint64_t i = 0; i < n && picked < want; i++) {
		int64_t idx;

		if (!sgpu_vram_holds(gpu, s[i].va, &idx) ||
		    v->va[idx] != s[i].va)
			continue;
		s[picked++] = s[i];
	}
	qsort(s, picked, sizeof(*s), lru_cmp_va);
	runs->run = calloc(picked ? picked : 1, sizeof(*runs->run));
	for (uint64_t i = 0; i < picked;) {
		uint64_t j = i + 1, got = 0;

		while (j < picked && s[j].va == s[j - 1].va + SGPU_PAGE_SIZE)
			j++;
		/*
		 * The core invalidates each page (our callback clears the
		 * PTEs and waits for quiescence) before it frees the device
		 * page: nothing still translates to it when it is reused.
		 */
		if (!hmm_migrate_to_system(v->mem, s[i].va,
					   s[j - 1].va + SGPU_PAGE_SIZE, &got)) {
			/* Not a bounce of the regions the policy moved. */
			sgpu_migrate_policy_released(gpu, s[i].va,
						     s[j - 1].va + SGPU_PAGE_SIZE);
			evicted += got;
			if (got && runs->run) {
				runs->run[runs->n][0] = s[i].va;
				runs->run[runs->n][1] = s[j - 1].va + SGPU_PAGE_SIZE;
				runs->n++;
			}
		}
		i = j;
	}
	free(s);
	return evicted;
}

static bool sgpu_vram_range_ok(uint64_t start, uint64_t end)
{
	return start < end && !((start | end) & ~SGPU_PAGE_MASK) &&
	       start >= SGPU_MIRROR_START && end <= SGPU_MIRROR_END;
}

/* Records the range's pages that are in the pool now; v->lock held. */
static uint64_t sgpu_vram_record(struct sgpu *gpu, uint64_t start,
				 uint64_t end)
{
	struct sgpu_vram *v = &gpu->vram;
	uint64_t in = 0;

	for (uint64_t va = start; va < end; va += SGPU_PAGE_SIZE) {
		int64_t idx;

		if (!sgpu_vram_holds(gpu, va, &idx))
			continue;
		v->va[idx] = va;
		sgpu_vram_touch(gpu, (uint64_t)idx << SGPU_PAGE_SHIFT);
		in++;
	}
	return in;
}

#if SVMCL_DEBUG_CHECKS
/*
 * The LRU table's invariant, checked after every migration to VRAM
 * (v->lock held): a CPU page that the core's registry shows in one of our
 * device pages is recorded at that device page. Stale entries (pages the
 * CPU faulted back, or discarded) are allowed; they are skipped by
 * eviction.
 */
static void sgpu_vram_check(struct sgpu *gpu)
{
	struct sgpu_vram *v = &gpu->vram;

	for (uint64_t i = 0; i < v->npages; i++) {
		int64_t idx;

		if (!v->va[i] || (v->va[i] & ~SGPU_PAGE_MASK))
			continue;
		if (sgpu_vram_holds(gpu, v->va[i], &idx) &&
		    v->va[idx] != v->va[i]) {
			fprintf(stderr,
				"svmcl: vram: page %#llx in device page %lld "
				"is recorded at %llu\n",
				(unsigned long long)v->va[i], (long long)idx,
				(unsigned long long)i);
			abort();
		}
	}
}
#endif

/*
 * The migration that these evictions made room for failed: migrate the
 * evicted runs back, best effort (DOC: Overview). v->lock held.
 */
static void sgpu_vram_evict_undo(struct sgpu *gpu, const struct evict_runs *r)
{
	struct sgpu_vram *v = &gpu->vram;

	for (uint64_t i = 0; i < r->n; i++) {
		uint64_t got = 0;

		if (hmm_migrate_to_device(v->mem, r->run[i][0], r->run[i][1],
					  &got))
			continue;
		sgpu_stat_add(gpu, evictions_undone, got);
		sgpu_vram_record(gpu, r->run[i][0], r->run[i][1]);
	}
}

/*
 * Moves [start, end) into VRAM; caller holds v->lock. Without @may_evict
 * (the migration policy) a range whose missing pages do not fit in the
 * free pages is -ENOSPC, and a range already there is left alone.
 */
static int sgpu_vram_to_device(struct sgpu *gpu, uint64_t start, uint64_t end,
			       bool may_evict, uint64_t *pages, uint64_t *moved)
{
	struct sgpu_vram *v = &gpu->vram;
	uint64_t have = 0, need, range = (end - start) >> SGPU_PAGE_SHIFT;
	struct evict_runs runs = { 0 };
	size_t used, total;
	uint64_t cpages = 0;
	int ret;

	ret = sgpu_vram_create(gpu);
	if (ret)
		return ret;
	/* What the core would refuse, refused before anything is evicted. */
	ret = hmm_migrate_check(v->mem, start, end);
	if (ret)
		return ret;
	for (uint64_t va = start; va < end; va += SGPU_PAGE_SIZE) {
		int64_t idx;

		have += sgpu_vram_holds(gpu, va, &idx);
	}
	need = range - have;
	hmm_devmem_usage(v->mem, &used, &total);
	if (!may_evict && !need) {
		*pages = have;
		return 0;
	}
	if (!may_evict && need > total - used)
		return -ENOSPC;
	if (need > total - used) {
		uint64_t trace_t0 = svmcl_trace_begin();
		uint64_t ev = sgpu_vram_evict(gpu, need - (total - used), start,
					      end, &runs);

		sgpu_stat_add(gpu, evictions, ev);
		svmcl_trace_end(SVMCL_TRACE_EVICT, trace_t0, NULL, ev, 0, 0);
	}
	/* Before the core's first invalidation: see DOC: Device faults. */
	atomic_store(&v->mig_start, start);
	atomic_store(&v->mig_end, end);
	/* Publish, then look: a fault loop that missed the range is done. */
	while (atomic_load(&v->faulting))
		sched_yield();
	/*
	 * Drop every translation of the range before the core write-protects
	 * it (DOC: Device writes during a migration): from here until the
	 * range is unpublished, a unit that needs one faults and waits.
	 */
	mm_invalidate_range(v->mm, start, end, MMU_NOTIFY_MIGRATE, NULL);
	if (gpu->test_fail_migration) {
		ret = gpu->test_fail_migration;
		gpu->test_fail_migration = 0;
	} else {
		ret = hmm_migrate_to_device(v->mem, start, end, &cpages);
	}
	atomic_store(&v->mig_end, 0);
	atomic_store(&v->mig_start, 0);
	if (ret) {
		sgpu_vram_evict_undo(gpu, &runs);
		free(runs.run);
		return ret;
	}
	free(runs.run);
	/* cpages counts pages already there; count only the moves. */
	*moved = cpages > have ? cpages - have : 0;
	sgpu_stat_add(gpu, migrations, *moved);
	sgpu_vram_record(gpu, start, end);
#if SVMCL_DEBUG_CHECKS
	sgpu_vram_check(gpu);
#endif
	*pages = cpages;
	return 0;
}

int sgpu_vram_migrate(struct sgpu *gpu, struct sgpu_vm *vm, uint32_t flags,
		      uint64_t start, uint64_t end, uint64_t *pages)
{
	struct sgpu_vram *v = &gpu->vram;
	uint64_t trace_t0 = svmcl_trace_begin();
	uint64_t cpages = 0;
	int ret = 0;

	*pages = 0;
	if ((flags != KMD_MIGRATE_TO_VRAM && flags != KMD_MIGRATE_TO_SYSTEM &&
	     flags != KMD_MIGRATE_ADVISE_HOT &&
	     flags != KMD_MIGRATE_ADVISE_CLEAR) ||
	    !sgpu_vram_range_ok(start, end) || !vm->mm)
		return -EINVAL;
	/* Advice for the migration policy: nothing moves now. */
	if (flags & (KMD_MIGRATE_ADVISE_HOT | KMD_MIGRATE_ADVISE_CLEAR))
		return sgpu_migrate_policy_advise(gpu, start, end,
						  flags == KMD_MIGRATE_ADVISE_HOT);

	pthread_mutex_lock(&v->lock);
	if (flags == KMD_MIGRATE_TO_VRAM) {
		ret = sgpu_vram_to_device(gpu, start, end, true, pages,
					  &cpages);
	} else if (v->mem) {
		ret = hmm_migrate_to_system(v->mem, start, end, &cpages);
		if (!ret) {
			sgpu_migrate_policy_released(gpu, start, end);
			sgpu_stat_add(gpu, migrations_back, cpages);
			*pages = cpages;
		}
	} else if (v->state < 0) {
		ret = v->state;
	}
	pthread_mutex_unlock(&v->lock);
	svmcl_trace_end(SVMCL_TRACE_MIGRATE, trace_t0, NULL, start, *pages,
			flags == KMD_MIGRATE_TO_SYSTEM);
	return ret;
}

/*
 * The largest part of [*start, *end) around the page @addr that the
 * migration core would accept (mapped, readable, private, not special):
 * a region is cut to the mapping that made it hot. Acceptance is monotone
 * (a part of an accepted range is accepted), so each end is found by
 * bisection with hmm_migrate_check(), which changes nothing: about nine
 * checks per end, each one VMA query. Caller holds v->lock; the pool
 * exists. Return: 0, or the core's refusal of @addr's page itself.
 */
static int sgpu_vram_clip(struct sgpu *gpu, uint64_t addr, uint64_t *start,
			  uint64_t *end)
{
	struct hmm_devmem *mem = gpu->vram.mem;
	uint64_t page = addr & SGPU_PAGE_MASK, lo, hi;
	int ret;

	if (!hmm_migrate_check(mem, *start, *end))
		return 0;
	ret = hmm_migrate_check(mem, page, page + SGPU_PAGE_SIZE);
	if (ret)
		return ret;
	/* Lowest accepted start: [lo, page] holds it, page is accepted. */
	lo = *start;
	hi = page;
	while (lo < hi) {
		uint64_t mid = lo + (((hi - lo) >> SGPU_PAGE_SHIFT) / 2
				     << SGPU_PAGE_SHIFT);

		if (!hmm_migrate_check(mem, mid, page + SGPU_PAGE_SIZE))
			hi = mid;
		else
			lo = mid + SGPU_PAGE_SIZE;
	}
	*start = lo;
	/* Highest accepted end, likewise in [page + 1 page, *end]. */
	lo = page + SGPU_PAGE_SIZE;
	hi = *end;
	while (lo < hi) {
		uint64_t mid = hi - (((hi - lo) >> SGPU_PAGE_SHIFT) / 2
				     << SGPU_PAGE_SHIFT);

		if (!hmm_migrate_check(mem, *start, mid))
			lo = mid;
		else
			hi = mid - SGPU_PAGE_SIZE;
	}
	*end = lo;
	return 0;
}

int sgpu_vram_promote(struct sgpu *gpu, uint64_t addr, uint64_t *start,
		      uint64_t *end, uint64_t *pages, uint64_t *moved)
{
	struct sgpu_vram *v = &gpu->vram;
	int ret;

	*pages = 0;
	*moved = 0;
	if (!sgpu_vram_range_ok(*start, *end) || addr < *start || addr >= *end)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = sgpu_vram_create(gpu);
	if (!ret)
		ret = sgpu_vram_clip(gpu, addr, start, end);
	if (!ret)
		ret = sgpu_vram_to_device(gpu, *start, *end, false, pages,
					  moved);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

uint64_t sgpu_vram_resident(struct sgpu *gpu, uint64_t start, uint64_t end)
{
	struct sgpu_vram *v = &gpu->vram;
	uint64_t n = 0;

	/* Under the lock: evictions tell the policy before they drop it. */
	pthread_mutex_lock(&v->lock);
	for (uint64_t va = start; v->mem && va < end; va += SGPU_PAGE_SIZE) {
		int64_t idx;

		n += sgpu_vram_holds(gpu, va, &idx);
	}
	pthread_mutex_unlock(&v->lock);
	return n;
}
