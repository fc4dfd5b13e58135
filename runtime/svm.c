/* SPDX-License-Identifier: MIT */
/*
 * svm.c - clSVMAlloc, clSVMFree and the per-context SVM registry.
 *
 * DOC: Overview
 *
 * The device VM of a context mirrors the whole process address space
 * (KMD_VM_MIRROR_PROCESS), so an SVM allocation needs no device-side
 * setup: it is ordinary anonymous memory that the device reaches through
 * its page tables, faulting pages in on first use. Coarse-grain,
 * fine-grain and atomic allocations are therefore the same memory; the
 * flags are validated and recorded.
 *
 * Allocations are whole pages from mmap(): page alignment covers every
 * alignment clSVMAlloc accepts (<= 128 bytes), and unmapping a freed range
 * gives the device the same "no CPU mapping" answer as any other unmapped
 * address.
 *
 * clSVMFree unregisters the allocation, invalidates its range in the
 * context's VM (KMD_IOCTL_VM_INVALIDATE: no device TLB or page-table entry
 * for it survives), then unmaps it. Like free(), it does not wait for
 * commands that may still use the memory. The last SVMCL_SVM_FREED_HISTORY
 * freed allocations stay in a ring, so that a later device access to one
 * is reported as "inside SVM allocation ... freed by clSVMFree"
 * (svm_explain.c) rather than as an anonymous unmapped address.
 *
 * Coarse-grained allocations also count the clEnqueueSVMMap commands that
 * ran and were not unmapped yet; with the checking mode on (svm_check.c)
 * the device owns such an allocation while that count is 0.
 *
 * DOC: Locking
 *
 * registry->lock protects the registry arrays, the map counts and the
 * freed ring; it is a leaf lock and is never held across a kmd call,
 * mprotect() or munmap().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "svmcl/kmd.h"

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "platform.h"

void svmcl_svm_registry_init(struct svmcl_svm_registry *reg)
{
	pthread_mutex_init(&reg->lock, NULL);
	reg->allocs = NULL;
	reg->count = 0;
	reg->capacity = 0;
	memset(reg->freed, 0, sizeof(reg->freed));
	reg->freed_total = 0;
	reg->check_active = 0;
}

/* Index of the first allocation whose start is > @addr. Lock held. */
static size_t __svm_upper_bound(const struct svmcl_svm_registry *reg,
				uintptr_t addr)
{
	size_t lo = 0, hi = reg->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (reg->allocs[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int svm_insert(struct svmcl_svm_registry *reg,
		      const struct svmcl_svm_alloc *a)
{
	size_t pos;
	int ret = 0;

	pthread_mutex_lock(&reg->lock);
	if (reg->count == reg->capacity) {
		size_t cap = reg->capacity ? 2 * reg->capacity : 16;
		struct svmcl_svm_alloc *n;

		n = realloc(reg->allocs, cap * sizeof(*n));
		if (!n) {
			ret = -ENOMEM;
			goto unlock;
		}
		reg->allocs = n;
		reg->capacity = cap;
	}
	/* What was freed there before is not what a fault there hits now. */
	for (size_t i = 0; i < SVMCL_SVM_FREED_HISTORY; i++) {
		struct svmcl_svm_freed *f = &reg->freed[i];

		if (f->map_size && f->start < a->start + a->map_size &&
		    a->start < f->start + f->map_size)
			f->map_size = 0;
	}
	pos = __svm_upper_bound(reg, a->start);
	memmove(&reg->allocs[pos + 1], &reg->allocs[pos],
		(reg->count - pos) * sizeof(*a));
	reg->allocs[pos] = *a;
	reg->count++;
unlock:
	pthread_mutex_unlock(&reg->lock);
	return ret;
}

/* Remember @a as freed by @by. Lock held. */
static void __svm_remember_freed(struct svmcl_svm_registry *reg,
				 const struct svmcl_svm_alloc *a,
				 const char *by)
{
	struct svmcl_svm_freed *f;

	f = &reg->freed[reg->freed_total % SVMCL_SVM_FREED_HISTORY];
	f->start = a->start;
	f->size = a->size;
	f->map_size = a->map_size;
	f->flags = a->flags;
	f->by = by;
	reg->freed_total++;
}

/*
 * Remove the allocation starting exactly at @start and remember it as
 * freed by @by. Return: 0 or -ENOENT.
 */
static int svm_remove(struct svmcl_svm_registry *reg, uintptr_t start,
		      struct svmcl_svm_alloc *out, const char *by)
{
	size_t pos;
	int ret = -ENOENT;

	pthread_mutex_lock(&reg->lock);
	pos = __svm_upper_bound(reg, start);
	if (pos > 0 && reg->allocs[pos - 1].start == start) {
		*out = reg->allocs[pos - 1];
		memmove(&reg->allocs[pos - 1], &reg->allocs[pos],
			(reg->count - pos) * sizeof(*out));
		reg->count--;
		__svm_remember_freed(reg, out, by);
		ret = 0;
	}
	pthread_mutex_unlock(&reg->lock);
	return ret;
}

bool svmcl_svm_freed_lookup(cl_context ctx, uintptr_t addr,
			    struct svmcl_svm_freed *out)
{
	struct svmcl_svm_registry *reg = &ctx->svm;
	unsigned long n;
	bool found = false;

	pthread_mutex_lock(&reg->lock);
	n = reg->freed_total < SVMCL_SVM_FREED_HISTORY ?
		    reg->freed_total : SVMCL_SVM_FREED_HISTORY;
	/* Newest first: the address may have been reused and freed again. */
	for (unsigned long i = 1; i <= n; i++) {
		const struct svmcl_svm_freed *f;

		f = &reg->freed[(reg->freed_total - i) %
				SVMCL_SVM_FREED_HISTORY];
		if (addr - f->start < f->map_size) {
			*out = *f;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&reg->lock);
	return found;
}

void svmcl_svm_map_change(cl_context ctx, const void *ptr, int delta)
{
	struct svmcl_svm_registry *reg = &ctx->svm;
	uintptr_t addr = (uintptr_t)ptr;
	struct svmcl_svm_alloc a;
	bool to_host = false, to_device = false;
	size_t pos;

	pthread_mutex_lock(&reg->lock);
	pos = __svm_upper_bound(reg, addr);
	if (pos == 0 || addr - reg->allocs[pos - 1].start >=
				reg->allocs[pos - 1].size) {
		/* Fine-grain system memory: nothing to track. */
		pthread_mutex_unlock(&reg->lock);
		return;
	}
	if (delta > 0) {
		to_host = reg->allocs[pos - 1].maps++ == 0;
	} else if (reg->allocs[pos - 1].maps > 0) {
		to_device = --reg->allocs[pos - 1].maps == 0;
	}
	a = reg->allocs[pos - 1];
	pthread_mutex_unlock(&reg->lock);

	if (a.flags & CL_MEM_SVM_FINE_GRAIN_BUFFER)
		return;
	/*
	 * Unlocked: a concurrent map and unmap of one allocation from two
	 * queues is an application race the checking mode does not order.
	 */
	if (to_host)
		svmcl_svm_check_host_owns(a.start);
	else if (to_device)
		svmcl_svm_check_device_owns(ctx, &a);
}

bool svmcl_svm_lookup(cl_context ctx, const void *ptr,
		      struct svmcl_svm_alloc *out)
{
	struct svmcl_svm_registry *reg = &ctx->svm;
	uintptr_t addr = (uintptr_t)ptr;
	bool found = false;
	size_t pos;

	pthread_mutex_lock(&reg->lock);
	pos = __svm_upper_bound(reg, addr);
	if (pos > 0 && addr - reg->allocs[pos - 1].start <
			       reg->allocs[pos - 1].size) {
		*out = reg->allocs[pos - 1];
		found = true;
	}
	pthread_mutex_unlock(&reg->lock);
	return found;
}

/*
 * An SVM allocation is whole pages of its own mapping: the kmd's automatic
 * migration policy (SVMCL_MIGRATE=hot) may move it; withdrawn before the
 * range is unmapped (docs/gpu.md, "Automatic migration").
 */
static void svm_advise(cl_context ctx, const struct svmcl_svm_alloc *a,
		       uint32_t flags)
{
	struct kmd_vm_migrate m = {
		.vm_id = ctx->vm_id,
		.flags = flags,
		.start = a->start,
		.end = a->start + a->map_size,
	};

	if (kmd_ioctl(ctx->kmd_fd, KMD_IOCTL_VM_MIGRATE, &m) < 0)
		svmcl_debug(SVMCL_DBG_API, "migration advice %#x refused",
			    (unsigned int)flags);
}

/* Drop the device's view of @a, then the memory. No lock held. */
static void svm_release_range(cl_context ctx, const struct svmcl_svm_alloc *a)
{
	struct kmd_vm_range range = {
		.vm_id = ctx->vm_id,
		.start = a->start,
		.end = a->start + a->map_size,
	};
	int ret;

	svm_advise(ctx, a, KMD_MIGRATE_ADVISE_CLEAR);
	ret = kmd_ioctl(ctx->kmd_fd, KMD_IOCTL_VM_INVALIDATE, &range);
	if (ret < 0)
		svmcl_debug(SVMCL_DBG_API,
			    "KMD_IOCTL_VM_INVALIDATE [%#lx, %#lx): %d",
			    (unsigned long)range.start,
			    (unsigned long)range.end, ret);
	munmap((void *)a->start, a->map_size);
}

void svmcl_svm_registry_fini(cl_context ctx)
{
	struct svmcl_svm_registry *reg = &ctx->svm;

	/* The context is dying: nobody else can reach the registry. */
	if (reg->count)
		svmcl_debug(SVMCL_DBG_API,
			    "context released with %zu SVM allocations live; freeing them",
			    reg->count);
	for (size_t i = 0; i < reg->count; i++) {
		svmcl_svm_check_host_owns(reg->allocs[i].start);
		svm_release_range(ctx, &reg->allocs[i]);
	}
	free(reg->allocs);
	pthread_mutex_destroy(&reg->lock);
}

static bool is_power_of_two(size_t x)
{
	return x && !(x & (x - 1));
}

void *CL_API_CALL svmcl_clSVMAlloc(cl_context context, cl_svm_mem_flags flags,
				   size_t size, cl_uint alignment)
{
	const cl_svm_mem_flags access = CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY |
					CL_MEM_READ_ONLY;
	const cl_svm_mem_flags known = access | CL_MEM_SVM_FINE_GRAIN_BUFFER |
				       CL_MEM_SVM_ATOMICS;
	const struct svmcl_device_limits *l;
	struct svmcl_svm_alloc a;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	cl_svm_mem_flags rw;
	void *p;

	SVMCL_RETURN_NULL_ON(!SVMCL_IS_CONTEXT(context), "not a valid context");
	SVMCL_RETURN_NULL_ON(flags & ~known, "unknown flags 0x%llx",
			     (unsigned long long)(flags & ~known));
	rw = flags & access;
	SVMCL_RETURN_NULL_ON(rw & (rw - 1),
			     "more than one of READ_WRITE, WRITE_ONLY, READ_ONLY");
	SVMCL_RETURN_NULL_ON((flags & CL_MEM_SVM_ATOMICS) &&
			     !(flags & CL_MEM_SVM_FINE_GRAIN_BUFFER),
			     "CL_MEM_SVM_ATOMICS without CL_MEM_SVM_FINE_GRAIN_BUFFER");
	l = svmcl_device_limits(context->device);
	SVMCL_RETURN_NULL_ON(size == 0 || size > l->max_alloc,
			     "size %zu is 0 or above CL_DEVICE_MAX_MEM_ALLOC_SIZE",
			     size);
	SVMCL_RETURN_NULL_ON(alignment != 0 && (!is_power_of_two(alignment) ||
						alignment > SVMCL_SVM_ALIGNMENT),
			     "alignment %u is not a power of two <= %d",
			     alignment, SVMCL_SVM_ALIGNMENT);

	a.start = 0;
	a.size = size;
	a.map_size = (size + page - 1) & ~(page - 1);	/* size <= max_alloc */
	a.flags = flags;
	a.maps = 0;
	p = mmap(NULL, a.map_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SVMCL_RETURN_NULL_ON(p == MAP_FAILED, "mmap of %zu bytes: %s",
			     a.map_size, strerror(errno));
	a.start = (uintptr_t)p;

	if (svm_insert(&context->svm, &a) < 0) {
		munmap(p, a.map_size);
		SVMCL_RETURN_NULL_ON(true, "out of memory for the SVM registry");
	}
	/* Coarse grain: the device owns it until clEnqueueSVMMap. */
	if (!(flags & CL_MEM_SVM_FINE_GRAIN_BUFFER))
		svmcl_svm_check_device_owns(context, &a);
	svm_advise(context, &a, KMD_MIGRATE_ADVISE_HOT);
	return p;
}

int svmcl_svm_free(cl_context ctx, void *ptr, const char *by)
{
	struct svmcl_svm_alloc a;

	if (svm_remove(&ctx->svm, (uintptr_t)ptr, &a, by) < 0)
		return -ENOENT;
	svmcl_svm_check_host_owns(a.start);
	svm_release_range(ctx, &a);
	return 0;
}

void CL_API_CALL svmcl_clSVMFree(cl_context context, void *svm_pointer)
{
	if (!SVMCL_IS_CONTEXT(context)) {
		svmcl_api_error(__func__, CL_INVALID_CONTEXT,
				"not a valid context");
		return;
	}
	if (!svm_pointer)
		return;
	if (svmcl_svm_free(context, svm_pointer, "clSVMFree") < 0)
		svmcl_api_error(__func__, CL_INVALID_VALUE,
				"%p is not an SVM allocation of this context",
				svm_pointer);
}
