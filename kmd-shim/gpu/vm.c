/* SPDX-License-Identifier: MIT */
/*
 * vm.c - device address spaces of the software GPU.
 *
 * DOC: Overview
 *
 * A VM is a device page table plus an interval notifier. A VM created with
 * KMD_VM_MIRROR_PROCESS mirrors the whole process: its notifier covers the
 * user address space and its page table is filled on demand by device
 * faults, serviced in batches (fault.c, fault_service.c), each window
 * through the HMM core with Linux's driver loop (sgpu_vm_fault_range()):
 *
 *	seq = mmu_interval_read_begin()
 *	hmm_range_fault()		fault the requested pages, snapshot
 *					the others
 *	take vm->lock for writing
 *	mmu_interval_read_retry(seq)?	an invalidation intervened: retry
 *	commit the PTEs, unlock
 *
 * Retries end at the batch's deadline (HMM_RANGE_DEFAULT_TIMEOUT, 1 s)
 * with -EBUSY. A VM without the flag holds only explicit mappings
 * (sgpu_vm_map_page()); its faults are cancelled.
 *
 * The page walker (sgpu_vm_walk_fill()) resolves a first-level miss:
 * second level, else the page table, walked without the VM's lock (see
 * DOC: Locking). A walk that finds its entry also
 * fills the first-level lines of the other valid pages of the same 256 KiB
 * group ("fill-ahead"), the software form of the fragment / big-page TLB
 * entries of GPU MMUs: one walk per 64 pages for a stream. The first
 * level's index keeps a group in one block of lines and hashes groups to
 * blocks (sgpu_abi.h), so the fill-ahead of one stream replaces the lines
 * of another only when their groups hash to the same block. A leaf entry's
 * target is a system IOVA (here the CPU virtual address) or, with
 * SGPU_PTE_VRAM, an offset into the device memory aperture: pages of the
 * process that were migrated to the GPU's VRAM (vram.c), which
 * hmm_range_fault() reports as DEVICE_PRIVATE because the fault loop
 * passes the GPU as dev_private_owner.
 *
 * Invalidation (the notifier's callback, sgpu_vm_invalidate(),
 * sgpu_vm_map_page()): under vm->lock held for writing, set the sequence,
 * clear the PTEs and shoot down every unit's lines of the range; then,
 * with the lock dropped, wait until every unit running a dispatch of the
 * VM has passed a quiescent point (shootdown.c). When the callback
 * returns, no compute unit uses a translation of the range: the start
 * moment already gives what the free_pages moment requires.
 *
 * DOC: Locking
 *
 * vm->lock (rwlock) serialises changes to vm->pt and orders commits
 * against invalidations: the invalidate callback takes it for writing,
 * calls mmu_interval_set_seq(), clears the PTEs and the TLB lines; commits
 * take it for writing after mmu_interval_read_retry(); the fault service's
 * lookups take it for reading. gpu->vm_lock protects the list of VMs.
 *
 * Lockless page walks. A compute unit's walk takes no VM lock (with all
 * units streaming, readers and commits contended on it, and a reader that
 * found a commit in progress slept on a futex: a wake-up costs ~40 us).
 * It is validated by vm->gen, a seqcount in the manner of
 * mmu_interval_read_begin()/read_retry():
 *
 *	writer (vm->lock held for writing)	walker (a unit, in its miss path)
 *	gen++ (odd)				g = gen; odd: take the lock
 *	clear / replace PTEs			walk (atomic loads, pagetable.c)
 *	shoot down every unit's lines,		lock cu->l2.lock
 *	  each under its cu->l2.lock		  gen != g: fill nothing, walk
 *	gen++ (even)				  again under the lock
 *						  fill the lines
 *						unlock cu->l2.lock
 *
 * Either the writer cleared this unit's lines before the walker's fill
 * (then its first bump, made before, is seen inside the lock and the fill
 * is dropped) or after it (then the clear removes what was filled, and the
 * quiescent-point wait that follows covers any use in between, exactly as
 * for a fill under the lock). Commits that only add entries need no bump:
 * a walker that sees a new entry early uses a translation that is already
 * valid, and one that sees it late faults and finds it resident. Nodes a
 * writer unlinks are retired, not freed (pagetable.c); they are freed after
 * a grace period: the shootdown (or sgpu_gpu_sync_units()) orders the
 * unlinking against every unit's quiescent point, and sgpu_quiesce_wait()
 * waits until every unit that was inside its miss path has left it
 * (vm_reclaim()). A wait that times out keeps the nodes for the next one.
 * When the walk finds no usable entry, the unit raises a fault; the
 * fault service checks under the lock (records_resident()), so a walk
 * that raced a commit costs a round trip, never a wrong cancel. Neither is held while calling into the HMM core, nor during
 * the quiescent-point wait. The fault loop's hmm_range_fault() is
 * bracketed by sgpu_vram_fault_enter()/exit(), a lock-free handshake with
 * migrations to VRAM (vram.c); it holds no lock while it waits there.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/sgpu.h"

/*
 * Pages a walk fills at once: the first level's group (sgpu_abi.h), 256
 * KiB read from one leaf table; the index keeps a group in one block of
 * lines, so a fill-ahead only ever replaces lines of one other group.
 */
#define SGPU_FILL_AHEAD_PAGES SGPU_TLB_GROUP_PAGES
#define SGPU_FILL_AHEAD_SIZE \
	((uint64_t)SGPU_FILL_AHEAD_PAGES << SGPU_PAGE_SHIFT)

/*
 * Commit state: 4 KiB entries gathered per 2 MiB block, written with one
 * descent of the table (sgpu_pt_map_run()).
 */
struct commit_run {
	uint64_t block;		/* block of the gathered entries */
	unsigned int first, last;	/* gathered pages [first, last] */
	uint64_t entry[SGPU_BLOCK_PAGES];
};

static struct sgpu_vm *to_vm(struct mmu_interval_notifier *mni)
{
	return (struct sgpu_vm *)((char *)mni -
				  __builtin_offsetof(struct sgpu_vm, notifier));
}

/* The writer side of vm->gen; caller holds vm->lock for writing. */
static void __sgpu_vm_gen_begin(struct sgpu_vm *vm)
{
	/* A full barrier: the bump is visible before any line is cleared. */
	atomic_fetch_add(&vm->gen, 1);
}

static void __sgpu_vm_gen_end(struct sgpu_vm *vm)
{
	atomic_fetch_add(&vm->gen, 1);
}

/* Clears [start, end) and its TLB lines; caller holds vm->lock for writing. */
static uint64_t __sgpu_vm_unmap(struct sgpu_vm *vm, uint64_t start,
				uint64_t end)
{
	uint64_t cleared;

	__sgpu_vm_gen_begin(vm);
	cleared = sgpu_pt_unmap_range(&vm->pt, start, end);
	sgpu_gpu_shootdown(vm->gpu, start, end);
	__sgpu_vm_gen_end(vm);
	return cleared;
}

/*
 * Frees the retired page-table nodes of @list after a grace period: no
 * unit is still inside a lockless walk that began before they were
 * unlinked. The caller took @list under vm->lock after a shootdown or a
 * sgpu_gpu_sync_units() that followed the unlinking, and holds no lock.
 */
static void vm_reclaim(struct sgpu_vm *vm, struct sgpu_pt_node *list,
		       bool quiesced)
{
	if (!list)
		return;
	if (!quiesced)
		quiesced = sgpu_quiesce_wait(vm->gpu, vm);
	if (quiesced) {
		sgpu_pt_retired_free(list);
		return;
	}
	/* A unit did not move in time: keep them for a later grace period. */
	pthread_rwlock_wrlock(&vm->lock);
	sgpu_pt_retired_putback(&vm->pt, list);
	pthread_rwlock_unlock(&vm->lock);
}

/* Nodes a commit retired (2 MiB pages over tables) are freed in batches. */
#define SGPU_VM_RECLAIM_BATCH 64

static void vm_reclaim_commit(struct sgpu_vm *vm)
{
	struct sgpu_pt_node *list;

	if (__atomic_load_n(&vm->pt.nr_retired, __ATOMIC_RELAXED) <
	    SGPU_VM_RECLAIM_BATCH)
		return;
	pthread_rwlock_wrlock(&vm->lock);
	sgpu_gpu_sync_units(vm->gpu);
	list = sgpu_pt_retired_take(&vm->pt);
	pthread_rwlock_unlock(&vm->lock);
	vm_reclaim(vm, list, false);
}

static void sgpu_vm_count_shootdown(struct sgpu *gpu, uint64_t start_ns)
{
	uint64_t ns = sgpu_now_ns() - start_ns;

	sgpu_stat_add(gpu, shootdowns, 1);
	sgpu_stat_add(gpu, shootdown_ns, ns);
	sgpu_stat_max(&gpu->stats.shootdown_ns_max, ns);
}

static bool sgpu_vm_invalidate_cb(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq)
{
	struct sgpu_vm *vm = to_vm(mni);
	uint64_t start = sgpu_now_ns(), cleared;
	uint64_t trace_t0 = svmcl_trace_begin(), trace_qs;
	struct sgpu_pt_node *retired;
	bool quiesced;

	/*
	 * MIGRATE events are handled like any other, our own (owner ==
	 * vm->gpu) included. Linux drivers skip their own because they remap
	 * the device pages under the migration's page locks
	 * (dmirror_migrate_finalize_and_map()); here the migration zaps the
	 * CPU pages our PTEs still point at while units may be running, and a
	 * unit using such a PTE would fault the page straight back (blocking
	 * in device code while the fault-back waits for its quiescent point).
	 * Clearing them costs one shootdown per window; the next device fault
	 * maps the device pages (DEVICE_PRIVATE entries, vram.c).
	 */
	if (mmu_notifier_range_blockable(range))
		pthread_rwlock_wrlock(&vm->lock);
	else if (pthread_rwlock_trywrlock(&vm->lock))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	cleared = __sgpu_vm_unmap(vm, range->start, range->end);
	retired = sgpu_pt_retired_take(&vm->pt);
	pthread_rwlock_unlock(&vm->lock);
	trace_qs = svmcl_trace_begin();
	quiesced = sgpu_quiesce_wait(vm->gpu, vm);
	svmcl_trace_end(SVMCL_TRACE_SHOOTDOWN, trace_qs, NULL, range->start,
			range->end, quiesced);
	vm_reclaim(vm, retired, quiesced);

	sgpu_stat_add(vm->gpu, invalidations, 1);
	sgpu_stat_add(vm->gpu, invalidated_ptes, cleared);
	sgpu_vm_count_shootdown(vm->gpu, start);
	svmcl_trace_end(SVMCL_TRACE_INVALIDATE, trace_t0, NULL, range->start,
			range->end, range->event);
	return true;
}

static void sgpu_vm_free_pages_cb(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range)
{
	/*
	 * The lines were shot down at the start moment, every unit has passed
	 * a quiescent point since, and no new translation of the range can be
	 * committed while the invalidation is open (the sequence is odd): the
	 * pages may be freed, and VRAM pages reused, right away.
	 */
	(void)mni;
	(void)range;
}

static const struct mmu_interval_notifier_ops sgpu_vm_notifier_ops = {
	.invalidate = sgpu_vm_invalidate_cb,
	.free_pages = sgpu_vm_free_pages_cb,
};

int sgpu_vm_create(struct sgpu *gpu, uint32_t flags, int owner_fd,
		   struct sgpu_vm **out)
{
	struct sgpu_vm *vm;
	int ret;

	if (flags & ~KMD_VM_MIRROR_PROCESS)
		return -EINVAL;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->gpu = gpu;
	vm->flags = flags;
	vm->owner_fd = owner_fd;

	vm->commit_run = calloc(1, sizeof(*vm->commit_run));
	if (!vm->commit_run) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = -pthread_rwlock_init(&vm->lock, NULL);
	if (ret)
		goto err_free_run;
	ret = sgpu_pt_init(&vm->pt);
	if (ret)
		goto err_lock;
	if (flags & KMD_VM_MIRROR_PROCESS) {
		vm->mm = svm_mm_get();
		if (!vm->mm) {
			ret = -ENOMEM;
			goto err_pt;
		}
		ret = mmu_interval_notifier_insert(&vm->notifier, vm->mm,
						   SGPU_MIRROR_START,
						   SGPU_MIRROR_END -
							   SGPU_MIRROR_START,
						   &sgpu_vm_notifier_ops);
		if (ret)
			goto err_mm;
	}

	pthread_mutex_lock(&gpu->vm_lock);
	vm->id = ++gpu->next_vm_id;
	vm->next = gpu->vms;
	gpu->vms = vm;
	pthread_mutex_unlock(&gpu->vm_lock);
	*out = vm;
	return 0;

err_mm:
	svm_mm_put(vm->mm);
err_pt:
	sgpu_pt_fini(&vm->pt);
err_lock:
	pthread_rwlock_destroy(&vm->lock);
err_free_run:
	free(vm->commit_run);
err_free:
	free(vm);
	return ret;
}

void sgpu_vm_destroy(struct sgpu_vm *vm)
{
	struct sgpu *gpu = vm->gpu;

	pthread_mutex_lock(&gpu->vm_lock);
	for (struct sgpu_vm **p = &gpu->vms; *p; p = &(*p)->next) {
		if (*p == vm) {
			*p = vm->next;
			break;
		}
	}
	pthread_mutex_unlock(&gpu->vm_lock);

	if (vm->mm) {
		mmu_interval_notifier_remove(&vm->notifier);
		svm_mm_put(vm->mm);
	}
	/* No unit can hold lines of this VM past the next VM switch. */
	sgpu_gpu_shootdown(gpu, 0, SGPU_VA_LIMIT);
	/* No unit runs a dispatch of it any more: nothing walks it. */
	sgpu_pt_fini(&vm->pt);
	pthread_rwlock_destroy(&vm->lock);
	free(vm->commit_run);
	free(vm);
}

struct sgpu_vm *sgpu_vm_lookup(struct sgpu *gpu, uint32_t id)
{
	struct sgpu_vm *vm;

	pthread_mutex_lock(&gpu->vm_lock);
	for (vm = gpu->vms; vm; vm = vm->next)
		if (vm->id == id)
			break;
	pthread_mutex_unlock(&gpu->vm_lock);
	return vm;
}

uint64_t sgpu_vm_pte_host(const struct sgpu_vm *vm, uint64_t pte)
{
	uint64_t target = sgpu_pte_target(pte);
	const struct sgpu *gpu = vm->gpu;

	if (!(pte & SGPU_PTE_VALID))
		return 0;
	if (!sgpu_pte_is_vram(pte))
		return target;
	/* A VRAM page: through the device memory aperture, if there is one. */
	if (!gpu->vram_base || target >= gpu->vram_size)
		return 0;
	return (uint64_t)(uintptr_t)gpu->vram_base + target;
}

/*
 * sgpu_vm_walk_fill() - the miss path below the first-level TLB: look @va
 * up in @cu's second level (passing the unit's quiescent point there if
 * @pass), else walk the page table and, when the entry grants @need_write,
 * fill @cu's first level (and fill ahead). The walk is lockless, validated
 * by vm->gen inside the unit's l2.lock (DOC: Locking): no line is filled
 * from an entry an invalidation has already cleared. A walk that finds
 * the generation odd, or changed at the fill, walks again under vm->lock
 * held for reading, where no invalidation can run (which bounds the
 * retries at one). The second-level lookup needs no VM lock (tlb.c).
 *
 * Return: the host address of @va, or 0 when the entry is missing or lacks
 * the permission (the caller raises a device fault).
 */
uint64_t sgpu_vm_walk_fill(struct sgpu_vm *vm, struct sgpu_cu *cu,
			   uint64_t va, bool need_write, bool pass)
{
	uint64_t group[SGPU_FILL_AHEAD_PAGES], lines[SGPU_FILL_AHEAD_PAGES];
	unsigned int idx = (va >> SGPU_PAGE_SHIFT) & (SGPU_FILL_AHEAD_PAGES - 1);
	uint64_t pte, host;

	host = pass ? sgpu_cu_tlb_l2_lookup_pass(cu, va, need_write)
		    : sgpu_cu_tlb_l2_lookup(cu, va, need_write);
	if (host) {
		sgpu_count(&cu->cnt.l2_hits, 1);
		return host;
	}
	sgpu_count(&cu->cnt.l2_misses, 1);
	sgpu_count(&cu->cnt.walks, 1);

	for (bool locked = false;; locked = true) {
		uint64_t gen = 0;
		unsigned int ahead = 0;

		if (locked) {
			pthread_rwlock_rdlock(&vm->lock);
			sgpu_count(&cu->cnt.locked_walks, 1);
		} else {
			gen = atomic_load_explicit(&vm->gen, memory_order_acquire);
			if (gen & 1)
				continue;	/* an invalidation is running */
		}
		sgpu_pt_lookup_group(&vm->pt, va, SGPU_FILL_AHEAD_PAGES, group);
		pte = group[idx];
		host = 0;
		if ((pte & SGPU_PTE_VALID) &&
		    (!need_write || (pte & SGPU_PTE_WRITE)))
			host = sgpu_vm_pte_host(vm, pte);
		if (!host) {
			/* Raise a fault; the service checks under the lock. */
			if (locked)
				pthread_rwlock_unlock(&vm->lock);
			return 0;
		}
		for (unsigned int k = 0; k < SGPU_FILL_AHEAD_PAGES; k++) {
			uint64_t h = sgpu_vm_pte_host(vm, group[k]);

			lines[k] = h ? h | !!(group[k] & SGPU_PTE_WRITE) : 0;
			ahead += k != idx && h;
		}
		if (sgpu_cu_tlb_fill_group(cu, va & ~(SGPU_FILL_AHEAD_SIZE - 1),
					   lines, SGPU_FILL_AHEAD_PAGES, idx,
					   locked ? NULL : &vm->gen, gen)) {
			if (locked)
				pthread_rwlock_unlock(&vm->lock);
			/* The accessed bit of the eviction clock (vram.c). */
			if (sgpu_pte_is_vram(pte))
				sgpu_vram_mark_accessed(vm->gpu,
							sgpu_pte_target(pte));
			else	/* the hot-region counters (migrate_policy.c) */
				sgpu_migrate_note(vm, va);
			sgpu_count(&cu->cnt.fill_ahead, ahead);
			return host | (va & ~SGPU_PAGE_MASK);
		}
		/* Raced an invalidation: walk again under the lock. */
	}
}

/*
 * A 4 KiB mapping at @va is about to replace a 2 MiB entry around it
 * (sgpu_pt_map() drops it): the TLB lines of the rest of the block go too.
 * Caller holds vm->lock for writing.
 */
static void __sgpu_vm_split_huge(struct sgpu_vm *vm, uint64_t va)
{
	uint64_t block = va & ~(SGPU_HUGE_SIZE - 1);

	if (sgpu_pt_lookup(&vm->pt, va) & SGPU_PTE_HUGE) {
		/* The caller's map drops the 2 MiB entry: an invalidation. */
		__sgpu_vm_gen_begin(vm);
		sgpu_pt_unmap_range(&vm->pt, block, block + SGPU_HUGE_SIZE);
		sgpu_gpu_shootdown(vm->gpu, block, block + SGPU_HUGE_SIZE);
		__sgpu_vm_gen_end(vm);
	}
}

/* Writes the gathered run; caller holds vm->lock for writing. */
static int __commit_flush(struct sgpu_vm *vm, struct commit_run *run)
{
	int ret;

	if (run->first > run->last)
		return 0;
	ret = sgpu_pt_map_run(&vm->pt, run->block +
				       ((uint64_t)run->first << SGPU_PAGE_SHIFT),
			      &run->entry[run->first], run->last - run->first + 1);
	memset(&run->entry[run->first], 0,
	       (run->last - run->first + 1) * sizeof(run->entry[0]));
	run->first = SGPU_BLOCK_PAGES;
	run->last = 0;
	return ret < 0 ? ret : 0;
}

/*
 * A device-private page of ours (hmm_pfn_to_host() gave its host address)
 * becomes a VRAM-kind entry: its offset in the aperture, the pool's
 * mapping. Its LRU stamp is refreshed (vram.c). A host address outside
 * the aperture (none: only our own pages are reported as device-private)
 * stays a system target.
 */
static uint64_t __sgpu_vm_vram_target(struct sgpu_vm *vm, uint64_t host,
				      uint64_t *flags)
{
	struct sgpu *gpu = vm->gpu;
	uint64_t base = (uint64_t)(uintptr_t)gpu->vram_base, off;

	if (!base || host < base || host - base >= gpu->vram_size)
		return host;
	off = host - base;
	*flags |= SGPU_PTE_VRAM;
	sgpu_vram_touch(gpu, off);
	sgpu_stat_add(gpu, vram_ptes, 1);
	return off;
}

/*
 * Commits the VALID entries of @range; caller holds vm->lock for writing.
 * An entry that the CPU maps with a 2 MiB page (map order 9, seed 003)
 * becomes one 2 MiB device page covering the whole aligned block, even
 * where the block extends past the range: the CPU mapping is the whole
 * block, and its invalidation reaches the device through the notifier.
 * A run of system pages with the same permission, within one block, is
 * written with one call and no per-page work but a store
 * (sgpu_pt_map_linear(): the target of a system page is its own address);
 * device-private pages are gathered and written per block.
 * Returns the number of pages committed; on -ENOMEM it stops early (the
 * faulting unit walks, misses and faults again).
 */
static unsigned int __sgpu_vm_commit(struct sgpu_vm *vm,
				     const struct hmm_range *range)
{
	/* What must be equal along a run written by sgpu_pt_map_linear(). */
	const uint64_t run_bits = HMM_PFN_VALID | HMM_PFN_ERROR |
				  HMM_PFN_WRITE | HMM_PFN_DEVICE_PRIVATE |
				  ((uint64_t)HMM_PFN_ORDER_MASK
				   << HMM_PFN_ORDER_SHIFT);
	unsigned long npages = (range->end - range->start) >> HMM_PAGE_SHIFT;
	const uint64_t *pfns = range->hmm_pfns;
	struct commit_run *run = vm->commit_run;
	unsigned int committed = 0;
	uint64_t split_block = 1;	/* no block is checked yet */
	unsigned long i = 0, j;

	run->first = SGPU_BLOCK_PAGES;
	run->last = 0;
	while (i < npages) {
		uint64_t e = pfns[i];
		uint64_t va = range->start + (i << HMM_PAGE_SHIFT);
		uint64_t block = va & ~(SGPU_HUGE_SIZE - 1);
		unsigned long bend = (block + SGPU_HUGE_SIZE - range->start) >>
				     HMM_PAGE_SHIFT;
		uint64_t host, flags = SGPU_PTE_VALID;
		unsigned int k = (unsigned int)((va - block) >> HMM_PAGE_SHIFT);

		if (!(e & HMM_PFN_VALID) || (e & HMM_PFN_ERROR)) {
			i++;
			continue;
		}
		if (bend > npages)
			bend = npages;
		if (e & HMM_PFN_WRITE)
			flags |= SGPU_PTE_WRITE | SGPU_PTE_ATOMIC;
		if (block != run->block && __commit_flush(vm, run))
			break;
		run->block = block;
		/* A 2 MiB entry over the block goes first, with its lines. */
		if (block != split_block) {
			__sgpu_vm_split_huge(vm, va);
			split_block = block;
		}

		if (e & HMM_PFN_DEVICE_PRIVATE) {
			host = __sgpu_vm_vram_target(vm, hmm_pfn_to_host(range, i),
						     &flags);
			run->entry[k] = (host & SGPU_PTE_ADDR_MASK) | flags;
			if (k < run->first)
				run->first = k;
			if (k > run->last)
				run->last = k;
			committed++;
			i++;
			continue;
		}
		if (hmm_pfn_to_map_order(e) == SGPU_HUGE_SHIFT - HMM_PAGE_SHIFT) {
			/*
			 * A system page: its host address is va itself. Every
			 * page to the end of the block is now resident.
			 */
			if (__commit_flush(vm, run) ||
			    sgpu_pt_map_huge(&vm->pt, block, block, flags))
				break;
			committed += (unsigned int)(SGPU_BLOCK_PAGES - k);
			i = bend;
			continue;
		}
		for (j = i + 1; j < bend && (pfns[j] & run_bits) == (e & run_bits);
		     j++)
			;
		if (sgpu_pt_map_linear(&vm->pt, va, va | flags,
				       (unsigned int)(j - i)) < 0)
			break;
		committed += (unsigned int)(j - i);
		i = j;
	}
	if (__commit_flush(vm, run))
		committed = 0;	/* -ENOMEM: the faulting page is retried */
#if SVMCL_DEBUG_CHECKS
	if (sgpu_pt_check(&vm->pt))
		abort();
#endif
	return committed;
}

int sgpu_vm_fault_range(struct sgpu_vm *vm, uint64_t start, uint64_t end,
			const uint64_t *reqs, uint64_t *pfns,
			uint64_t deadline_ns, unsigned int *committed)
{
	struct hmm_range range = {
		.notifier = &vm->notifier,
		.start = start,
		.end = end,
		.hmm_pfns = pfns,
		.default_flags = 0,
		.pfn_flags_mask = ~0ull,
		.dev_private_owner = vm->gpu,
	};
	size_t npages = (end - start) >> HMM_PAGE_SHIFT;
	int ret;

	*committed = 0;
	if (!vm->mm || start >= end)
		return -EFAULT;
	for (;;) {
		if (sgpu_now_ns() > deadline_ns)
			return -EBUSY;
		memcpy(pfns, reqs, npages * sizeof(*pfns));
		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		/* Pages on their way into our VRAM: wait for them (vram.c). */
		if (!sgpu_vram_fault_enter(vm->gpu, start, end))
			continue;
		ret = hmm_range_fault(&range);
		sgpu_vram_fault_exit(vm->gpu);
		if (ret == -EBUSY)
			goto retry;
		if (ret)
			return ret;

		pthread_rwlock_wrlock(&vm->lock);
		if (mmu_interval_read_retry(range.notifier, range.notifier_seq)) {
			pthread_rwlock_unlock(&vm->lock);
			goto retry;
		}
		*committed = __sgpu_vm_commit(vm, &range);
		pthread_rwlock_unlock(&vm->lock);
		vm_reclaim_commit(vm);
		return 0;
retry:
		sgpu_stat_add(vm->gpu, fault_retries, 1);
	}
}

void sgpu_vm_invalidate(struct sgpu_vm *vm, uint64_t start, uint64_t end)
{
	uint64_t t0 = sgpu_now_ns(), cleared;
	struct sgpu_pt_node *retired;

	if (vm->mm) {
		/* Through the mm, so that concurrent faults see the sequence. */
		mm_invalidate_range(vm->mm, start, end, MMU_NOTIFY_CLEAR, NULL);
		return;
	}
	pthread_rwlock_wrlock(&vm->lock);
	cleared = __sgpu_vm_unmap(vm, start, end);
	retired = sgpu_pt_retired_take(&vm->pt);
	pthread_rwlock_unlock(&vm->lock);
	vm_reclaim(vm, retired, sgpu_quiesce_wait(vm->gpu, vm));
	sgpu_stat_add(vm->gpu, invalidations, 1);
	sgpu_stat_add(vm->gpu, invalidated_ptes, cleared);
	sgpu_vm_count_shootdown(vm->gpu, t0);
}

int sgpu_vm_map_page(struct sgpu_vm *vm, uint64_t va, uint64_t target,
		     uint64_t flags)
{
	uint64_t t0 = sgpu_now_ns();
	struct sgpu_pt_node *retired;
	int ret;

	pthread_rwlock_wrlock(&vm->lock);
	__sgpu_vm_split_huge(vm, va);
	/* Replacing an entry: like an invalidation, for lockless walks. */
	__sgpu_vm_gen_begin(vm);
	ret = sgpu_pt_map(&vm->pt, va, target, flags | SGPU_PTE_VALID);
	if (!ret)
		sgpu_gpu_shootdown(vm->gpu, va, va + SGPU_PAGE_SIZE);
	__sgpu_vm_gen_end(vm);
	retired = sgpu_pt_retired_take(&vm->pt);
	pthread_rwlock_unlock(&vm->lock);
	if (ret) {
		vm_reclaim(vm, retired, false);
		return ret;
	}
	vm_reclaim(vm, retired, sgpu_quiesce_wait(vm->gpu, vm));
	sgpu_vm_count_shootdown(vm->gpu, t0);
	return 0;
}
