/* SPDX-License-Identifier: MIT */
/*
 * vm.c - device address spaces of the software GPU.
 *
 * DOC: Overview
 *
 * A VM is a device page table plus an interval notifier. A VM created with
 * KMD_VM_MIRROR_PROCESS mirrors the whole process: its notifier covers the
 * user address space and its page table is filled on demand by device
 * faults, each serviced through the HMM core with Linux's driver loop:
 *
 *	mm_watch_range()		CPU changes of the window are observed
 *	seq = mmu_interval_read_begin()
 *	hmm_range_fault()		fault the page in, snapshot the window
 *	take vm->lock for writing
 *	mmu_interval_read_retry(seq)?	an invalidation intervened: retry
 *	commit the PTEs, unlock
 *
 * Retries are bounded by HMM_RANGE_DEFAULT_TIMEOUT (1 s), after which the
 * fault fails with -EBUSY.
 *
 * The faulting page is requested with the access that missed (REQ_FAULT,
 * plus REQ_WRITE for writes and atomics); the other pages of its
 * SGPU_FAULT_WINDOW_PAGES-aligned window are only snapshotted, and those the
 * CPU already maps are committed read-only, which saves the next faults of
 * a streaming read.
 *
 * DOC: Locking
 *
 * vm->lock (rwlock) protects vm->pt and orders commits against
 * invalidations: the invalidate callback takes it for writing, calls
 * mmu_interval_set_seq(), clears the PTEs and shoots down every unit's TLB
 * lines of the range before returning. Page walks take it for reading.
 * gpu->vm_lock protects the list of VMs. Neither is held while calling into
 * the HMM core.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "gpu/sgpu.h"

/* User address space that a mirroring VM covers: [page 1, 2^47). */
#define SGPU_MIRROR_START SGPU_PAGE_SIZE
#define SGPU_MIRROR_END (1ull << 47)

static struct sgpu_vm *to_vm(struct mmu_interval_notifier *mni)
{
	return (struct sgpu_vm *)((char *)mni -
				  __builtin_offsetof(struct sgpu_vm, notifier));
}

static bool sgpu_vm_invalidate_cb(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq)
{
	struct sgpu_vm *vm = to_vm(mni);
	uint64_t cleared;

	/* Our own migrations (none yet) would be skipped here by owner. */
	if (range->event == MMU_NOTIFY_MIGRATE && range->owner == vm->gpu)
		return true;

	if (mmu_notifier_range_blockable(range))
		pthread_rwlock_wrlock(&vm->lock);
	else if (pthread_rwlock_trywrlock(&vm->lock))
		return false;

	mmu_interval_set_seq(mni, cur_seq);
	cleared = sgpu_pt_unmap_range(&vm->pt, range->start, range->end);
	sgpu_gpu_shootdown(vm->gpu, range->start, range->end);
	pthread_rwlock_unlock(&vm->lock);

	atomic_fetch_add_explicit(&vm->gpu->stats.invalidations, 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&vm->gpu->stats.invalidated_ptes, cleared,
				  memory_order_relaxed);
	return true;
}

static void sgpu_vm_free_pages_cb(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range)
{
	/*
	 * The lines were shot down at the start moment already and no new
	 * translation of the range can be committed while the invalidation is
	 * open (the sequence is odd), so there is nothing left to flush.
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

	ret = -pthread_rwlock_init(&vm->lock, NULL);
	if (ret)
		goto err_free;
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
	sgpu_pt_fini(&vm->pt);
	pthread_rwlock_destroy(&vm->lock);
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

/*
 * sgpu_vm_walk_fill() - the miss path below the first-level TLB: look @va
 * up in @cu's second level, else walk the page table and, when the entry
 * grants @need_write, fill @cu's first level, all under vm->lock held for
 * reading. Filling under the same lock that the invalidate callback holds
 * for writing is what guarantees that no line is filled from an entry an
 * invalidation has already cleared (the walk and the fill cannot straddle
 * the callback's clear-and-shootdown).
 *
 * Return: the host address of @va, or 0 when the entry is missing or lacks
 * the permission (the caller raises a device fault).
 */
uint64_t sgpu_vm_walk_fill(struct sgpu_vm *vm, struct sgpu_cu *cu,
			   uint64_t va, bool need_write)
{
	struct sgpu_stats *stats = &vm->gpu->stats;
	uint64_t pte, host;

	pthread_rwlock_rdlock(&vm->lock);
	host = sgpu_cu_tlb_l2_lookup(cu, va, need_write);
	if (host) {
		pthread_rwlock_unlock(&vm->lock);
		atomic_fetch_add_explicit(&stats->tlb_l2_hits, 1,
					  memory_order_relaxed);
		return host;
	}
	pte = sgpu_pt_lookup(&vm->pt, va);
	if ((pte & SGPU_PTE_VALID) && (!need_write || (pte & SGPU_PTE_WRITE))) {
		sgpu_cu_tlb_fill(cu, va, pte & SGPU_PTE_ADDR_MASK,
				 pte & SGPU_PTE_WRITE);
		host = (pte & SGPU_PTE_ADDR_MASK) | (va & ~SGPU_PAGE_MASK);
	}
	pthread_rwlock_unlock(&vm->lock);
	atomic_fetch_add_explicit(&stats->tlb_l2_misses, 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&stats->walks, 1, memory_order_relaxed);
	return host;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Commits the VALID entries of @range; caller holds vm->lock for writing.
 * An entry that the CPU maps with a 2 MiB page (map order 9, seed 003)
 * becomes one 2 MiB device page covering the whole aligned block, even
 * where the block extends past the range: the CPU mapping is the whole
 * block, and its invalidation reaches the device through the notifier.
 */
static unsigned int __sgpu_vm_commit(struct sgpu_vm *vm,
				     const struct hmm_range *range)
{
	unsigned long npages = (range->end - range->start) >> HMM_PAGE_SHIFT;
	unsigned int committed = 0;

	for (unsigned long i = 0; i < npages; i++) {
		uint64_t e = range->hmm_pfns[i];
		uint64_t va = range->start + (i << HMM_PAGE_SHIFT);
		uint64_t host = hmm_pfn_to_host(range, i);
		uint64_t flags = SGPU_PTE_VALID;

		if (!(e & HMM_PFN_VALID) || (e & HMM_PFN_ERROR))
			continue;
		if (e & HMM_PFN_WRITE)
			flags |= SGPU_PTE_WRITE | SGPU_PTE_ATOMIC;

		if (hmm_pfn_to_map_order(e) == SGPU_HUGE_SHIFT - HMM_PAGE_SHIFT &&
		    !(e & HMM_PFN_DEVICE_PRIVATE) &&
		    ((va ^ host) & (SGPU_HUGE_SIZE - 1)) == 0) {
			uint64_t block = va & ~(SGPU_HUGE_SIZE - 1);
			unsigned long next;

			if (sgpu_pt_map_huge(&vm->pt, block,
					     host & ~(SGPU_HUGE_SIZE - 1), flags))
				break;
			next = (block + SGPU_HUGE_SIZE - range->start) >>
			       HMM_PAGE_SHIFT;
			committed += (unsigned int)(next - i);
			i = next - 1;
			continue;
		}
		if (sgpu_pt_map(&vm->pt, va, host, flags))
			break;	/* -ENOMEM: the faulting page is retried */
		committed++;
	}
#if SVMCL_DEBUG_CHECKS
	if (sgpu_pt_check(&vm->pt))
		abort();
#endif
	return committed;
}

int sgpu_vm_fault(struct sgpu_vm *vm, uint64_t va, enum sgpu_access access)
{
	uint64_t pfns[SGPU_FAULT_WINDOW_PAGES];
	uint64_t window = SGPU_FAULT_WINDOW_PAGES * SGPU_PAGE_SIZE;
	struct hmm_range range = {
		.notifier = &vm->notifier,
		.start = va & ~(window - 1),
		.hmm_pfns = pfns,
		.default_flags = 0,
		.pfn_flags_mask = ~0ull,
		.dev_private_owner = vm->gpu,
	};
	uint64_t timeout = now_ms() + HMM_RANGE_DEFAULT_TIMEOUT;
	uint64_t request = HMM_PFN_REQ_FAULT;
	unsigned int idx;
	int ret;

	if (!vm->mm)
		return -EFAULT;	/* nothing but explicit mappings */
	if (!svm_mm_alive(vm->mm))
		return -EFAULT;

	if (range.start < SGPU_MIRROR_START)
		range.start = SGPU_MIRROR_START;
	range.end = (va & ~(window - 1)) + window;
	if (va < SGPU_MIRROR_START || range.end > SGPU_MIRROR_END)
		return -EFAULT;
	idx = (va - range.start) >> HMM_PAGE_SHIFT;
	if (access >= SGPU_ACCESS_WRITE)
		request |= HMM_PFN_REQ_WRITE;
	else if (access == SGPU_ACCESS_PREFETCH)
		request = 0;

	atomic_fetch_add_explicit(&vm->gpu->stats.faults, 1,
				  memory_order_relaxed);
	/* Failure only means CPU changes here go unobserved (docs). */
	(void)mm_watch_range(vm->mm, range.start, range.end);

	for (;;) {
		unsigned int committed;

		if (now_ms() > timeout)
			return -EBUSY;
		for (unsigned long i = 0; i < SGPU_FAULT_WINDOW_PAGES; i++)
			pfns[i] = 0;
		pfns[idx] = request;

		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		ret = hmm_range_fault(&range);
		if (ret == -EBUSY)
			goto retry;
		if (ret)
			return ret;

		pthread_rwlock_wrlock(&vm->lock);
		if (mmu_interval_read_retry(range.notifier, range.notifier_seq)) {
			pthread_rwlock_unlock(&vm->lock);
			goto retry;
		}
		committed = __sgpu_vm_commit(vm, &range);
		pthread_rwlock_unlock(&vm->lock);
		atomic_fetch_add_explicit(&vm->gpu->stats.fault_pages, committed,
					  memory_order_relaxed);
		return 0;
retry:
		atomic_fetch_add_explicit(&vm->gpu->stats.fault_retries, 1,
					  memory_order_relaxed);
	}
}

void sgpu_vm_invalidate(struct sgpu_vm *vm, uint64_t start, uint64_t end)
{
	if (vm->mm) {
		/* Through the mm, so that concurrent faults see the sequence. */
		mm_invalidate_range(vm->mm, start, end, MMU_NOTIFY_CLEAR, NULL);
		return;
	}
	pthread_rwlock_wrlock(&vm->lock);
	sgpu_pt_unmap_range(&vm->pt, start, end);
	sgpu_gpu_shootdown(vm->gpu, start, end);
	pthread_rwlock_unlock(&vm->lock);
}
