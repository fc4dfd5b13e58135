/* SPDX-License-Identifier: MIT */
/*
 * kmd.c - the kmd-shim's uAPI entry points (include/svmcl/kmd.h).
 *
 * DOC: Overview
 *
 * kmd_open() hands out small integer handles, each bound to one device
 * node; kmd_ioctl() validates the request number (type, number and argument
 * size, as the _IOC encoding gives them) and the argument, then calls the
 * device. The table of handlers is indexed by _IOC_NR, as Mesa's drm-shim
 * does; anything unknown is -EINVAL.
 *
 * DOC: Locking
 *
 * kmd_lock protects the handle table. A handler runs without it, so a
 * long dispatch does not block other handles; closing a handle while
 * another thread uses it is a caller bug that this layer does not guard.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gpu/sgpu.h"
#include "svmcl/kmd.h"

#define KMD_MAX_HANDLES 64

struct kmd_handle {
	bool used;
	struct sgpu *gpu;
};

static pthread_mutex_t kmd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmd_handle kmd_handles[KMD_MAX_HANDLES];

__attribute__((visibility("default"))) int kmd_open(const char *node)
{
	struct sgpu *gpu;
	int fd = -EMFILE;
	int ret;

	if (!node)
		return -EFAULT;
	if (strcmp(node, "sgpu0"))
		return -ENOENT;

	ret = sgpu_get(&gpu);
	if (ret)
		return ret;
	pthread_mutex_lock(&kmd_lock);
	for (int i = 0; i < KMD_MAX_HANDLES; i++) {
		if (!kmd_handles[i].used) {
			kmd_handles[i].used = true;
			kmd_handles[i].gpu = gpu;
			fd = i;
			break;
		}
	}
	pthread_mutex_unlock(&kmd_lock);
	if (fd < 0)
		sgpu_put(gpu);
	return fd;
}

static struct sgpu *kmd_handle_gpu(int fd)
{
	struct sgpu *gpu = NULL;

	if (fd < 0 || fd >= KMD_MAX_HANDLES)
		return NULL;
	pthread_mutex_lock(&kmd_lock);
	if (kmd_handles[fd].used)
		gpu = kmd_handles[fd].gpu;
	pthread_mutex_unlock(&kmd_lock);
	return gpu;
}

__attribute__((visibility("default"))) int kmd_close(int fd)
{
	struct sgpu *gpu = kmd_handle_gpu(fd);
	struct sgpu_vm *vm;

	if (!gpu)
		return -EBADF;

	/* Destroy the VMs this handle created, as closing a DRM fd does. */
	for (;;) {
		pthread_mutex_lock(&gpu->vm_lock);
		for (vm = gpu->vms; vm; vm = vm->next)
			if (vm->owner_fd == fd)
				break;
		pthread_mutex_unlock(&gpu->vm_lock);
		if (!vm)
			break;
		sgpu_vm_destroy(vm);
	}

	pthread_mutex_lock(&kmd_lock);
	kmd_handles[fd].used = false;
	kmd_handles[fd].gpu = NULL;
	pthread_mutex_unlock(&kmd_lock);
	sgpu_put(gpu);
	return 0;
}

static int kmd_get_info(struct sgpu *gpu, int fd, void *arg)
{
	struct kmd_gpu_info *info = arg;

	memset(info, 0, sizeof(*info));
	info->num_compute_units = gpu->num_cus;
	info->tlb_l1_entries = SGPU_TLB_L1_ENTRIES;
	info->page_shift = SGPU_PAGE_SHIFT;
	info->va_bits = SGPU_VA_BITS;
	info->max_alloc = 1ull << 40;
	return 0;
}

static int kmd_vm_create(struct sgpu *gpu, int fd, void *arg)
{
	struct kmd_vm_create *args = arg;
	struct sgpu_vm *vm;
	int ret;

	ret = sgpu_vm_create(gpu, args->flags, fd, &vm);
	if (ret)
		return ret;
	args->vm_id = vm->id;
	return 0;
}

static struct sgpu_vm *kmd_vm_of(struct sgpu *gpu, int fd, uint32_t id)
{
	struct sgpu_vm *vm = sgpu_vm_lookup(gpu, id);

	return vm && vm->owner_fd == fd ? vm : NULL;
}

static int kmd_vm_destroy(struct sgpu *gpu, int fd, void *arg)
{
	struct kmd_vm_destroy *args = arg;
	struct sgpu_vm *vm = kmd_vm_of(gpu, fd, args->vm_id);

	if (!vm || args->pad)
		return -EINVAL;
	sgpu_vm_destroy(vm);
	return 0;
}

static int kmd_vm_invalidate(struct sgpu *gpu, int fd, void *arg)
{
	struct kmd_vm_range *args = arg;
	struct sgpu_vm *vm = kmd_vm_of(gpu, fd, args->vm_id);

	if (!vm || args->pad || args->start >= args->end ||
	    args->end > SGPU_VA_LIMIT)
		return -EINVAL;
	sgpu_vm_invalidate(vm, args->start, args->end);
	return 0;
}

static int kmd_dispatch_ioctl(struct sgpu *gpu, int fd, void *arg)
{
	struct kmd_dispatch *args = arg;
	struct sgpu_vm *vm = kmd_vm_of(gpu, fd, args->vm_id);

	if (!vm)
		return -EINVAL;
	return sgpu_dispatch(gpu, vm, args);
}

static int kmd_get_stats(struct sgpu *gpu, int fd, void *arg)
{
	struct kmd_gpu_stats *s = arg;
	struct sgpu_stats *g = &gpu->stats;

	s->dispatches = atomic_load(&g->dispatches);
	s->work_groups = atomic_load(&g->work_groups);
	s->tlb_l1_misses = atomic_load(&g->tlb_l1_misses);
	s->tlb_l2_hits = atomic_load(&g->tlb_l2_hits);
	s->tlb_l2_misses = atomic_load(&g->tlb_l2_misses);
	s->walks = atomic_load(&g->walks);
	s->faults = atomic_load(&g->faults);
	s->fault_pages = atomic_load(&g->fault_pages);
	s->fault_retries = atomic_load(&g->fault_retries);
	s->invalidations = atomic_load(&g->invalidations);
	s->invalidated_ptes = atomic_load(&g->invalidated_ptes);
	s->device_faults = atomic_load(&g->device_faults);
	return 0;
}

struct kmd_ioctl_desc {
	unsigned long request;
	int (*handler)(struct sgpu *gpu, int fd, void *arg);
};

#define KMD_IOCTL(req, fn) [_IOC_NR(req)] = { (req), (fn) }

static const struct kmd_ioctl_desc kmd_ioctls[] = {
	KMD_IOCTL(KMD_IOCTL_GET_INFO, kmd_get_info),
	KMD_IOCTL(KMD_IOCTL_VM_CREATE, kmd_vm_create),
	KMD_IOCTL(KMD_IOCTL_VM_DESTROY, kmd_vm_destroy),
	KMD_IOCTL(KMD_IOCTL_VM_INVALIDATE, kmd_vm_invalidate),
	KMD_IOCTL(KMD_IOCTL_DISPATCH, kmd_dispatch_ioctl),
	KMD_IOCTL(KMD_IOCTL_GET_STATS, kmd_get_stats),
};

__attribute__((visibility("default"))) int
kmd_ioctl(int fd, unsigned long request, void *arg)
{
	struct sgpu *gpu = kmd_handle_gpu(fd);
	unsigned int nr = _IOC_NR(request);

	if (!gpu)
		return -EBADF;
	if (_IOC_TYPE(request) != 'S' ||
	    nr >= sizeof(kmd_ioctls) / sizeof(kmd_ioctls[0]) ||
	    kmd_ioctls[nr].request != request)
		return -EINVAL;
	if (!arg)
		return -EFAULT;
	return kmd_ioctls[nr].handler(gpu, fd, arg);
}
