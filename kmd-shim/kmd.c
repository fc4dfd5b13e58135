/* SPDX-License-Identifier: MIT */
/*
 * kmd.c - the kmd-shim's uAPI entry points (include/svmcl/kmd.h).
 *
 * DOC: Overview
 *
 * kmd_open() hands out small integer handles, each bound to one device
 * node: "sgpu0" (the software GPU) or "dmirror0"/"dmirror1" (the HMM test
 * devices, kmd-shim/dmirror/). kmd_ioctl() validates the request number
 * (type, number, direction and argument size, as the _IOC encoding gives
 * them, must be exactly one the node knows), then copies the argument in
 * with the checks of a kernel copy_from_user() (dmirror/uaccess.c: an
 * inaccessible pointer is -EFAULT, not a SIGSEGV), calls the device with
 * the copy, and copies the result back on success, as a kernel ioctl
 * does. The sgpu handlers are found in a table indexed by _IOC_NR, as
 * Mesa's drm-shim does; anything unknown is -EINVAL.
 *
 * DOC: Locking
 *
 * kmd_lock protects the handle table. A handler runs without it, so a
 * long dispatch does not block other handles; closing a handle while
 * another thread uses it is a caller bug that this layer does not guard.
 * A fork child re-initialises kmd_lock (a parent thread may have held it)
 * and keeps its handles: sgpu handles as before, dmirror handles refuse
 * requests (they mirror the parent, see dmirror.c) but can be closed.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dmirror/dmirror.h"
#include "dmirror/uaccess.h"
#include "gpu/sgpu.h"
#include "svmcl/kmd.h"

#define KMD_MAX_HANDLES 64

enum kmd_node_type {
	KMD_NODE_NONE,		/* free handle */
	KMD_NODE_SGPU,
	KMD_NODE_DMIRROR,
};

static const struct kmd_node {
	const char *name;
	enum kmd_node_type type;
	unsigned int id;	/* dmirror device number */
} kmd_nodes[] = {
	{ "sgpu0", KMD_NODE_SGPU, 0 },
	{ "dmirror0", KMD_NODE_DMIRROR, 0 },
	{ "dmirror1", KMD_NODE_DMIRROR, 1 },
};

struct kmd_handle {
	enum kmd_node_type type;
	struct sgpu *gpu;		/* KMD_NODE_SGPU */
	struct dmirror *dmirror;	/* KMD_NODE_DMIRROR */
};

static pthread_mutex_t kmd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmd_handle kmd_handles[KMD_MAX_HANDLES];
static pthread_once_t kmd_once = PTHREAD_ONCE_INIT;

static void kmd_atfork_child(void)
{
	pthread_mutex_init(&kmd_lock, NULL);
}

static void kmd_init_once(void)
{
	pthread_atfork(NULL, NULL, kmd_atfork_child);
}

static const struct kmd_node *kmd_node_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(kmd_nodes) / sizeof(kmd_nodes[0]); i++)
		if (!strcmp(name, kmd_nodes[i].name))
			return &kmd_nodes[i];
	return NULL;
}

/* Return: a free handle now owned by @h, or -EMFILE. */
static int kmd_handle_install(const struct kmd_handle *h)
{
	int fd = -EMFILE;

	pthread_mutex_lock(&kmd_lock);
	for (int i = 0; i < KMD_MAX_HANDLES; i++) {
		if (kmd_handles[i].type == KMD_NODE_NONE) {
			kmd_handles[i] = *h;
			fd = i;
			break;
		}
	}
	pthread_mutex_unlock(&kmd_lock);
	return fd;
}

__attribute__((visibility("default"))) int kmd_open(const char *node)
{
	const struct kmd_node *n;
	struct kmd_handle h = { 0 };
	int fd, ret;

	if (!node)
		return -EFAULT;
	pthread_once(&kmd_once, kmd_init_once);
	n = kmd_node_lookup(node);
	if (!n)
		return -ENOENT;

	h.type = n->type;
	if (n->type == KMD_NODE_SGPU)
		ret = sgpu_get(&h.gpu);
	else
		ret = dmirror_open(n->id, &h.dmirror);
	if (ret)
		return ret;

	fd = kmd_handle_install(&h);
	if (fd < 0)
		goto err_put;
	return fd;

err_put:
	if (h.type == KMD_NODE_SGPU)
		sgpu_put(h.gpu);
	else
		dmirror_close(h.dmirror);
	return fd;
}

/* Return: a copy of handle @fd (type KMD_NODE_NONE if there is none). */
static struct kmd_handle kmd_handle_get(int fd)
{
	struct kmd_handle h = { 0 };

	if (fd < 0 || fd >= KMD_MAX_HANDLES)
		return h;
	pthread_mutex_lock(&kmd_lock);
	h = kmd_handles[fd];
	pthread_mutex_unlock(&kmd_lock);
	return h;
}

static void kmd_handle_free(int fd)
{
	pthread_mutex_lock(&kmd_lock);
	memset(&kmd_handles[fd], 0, sizeof(kmd_handles[fd]));
	pthread_mutex_unlock(&kmd_lock);
}

static void kmd_sgpu_close(struct sgpu *gpu, int fd)
{
	struct sgpu_vm *vm;

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
	sgpu_put(gpu);
}

__attribute__((visibility("default"))) int kmd_close(int fd)
{
	struct kmd_handle h = kmd_handle_get(fd);

	switch (h.type) {
	case KMD_NODE_SGPU:
		kmd_sgpu_close(h.gpu, fd);
		break;
	case KMD_NODE_DMIRROR:
		dmirror_close(h.dmirror);
		break;
	default:
		return -EBADF;
	}
	kmd_handle_free(fd);
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

static int kmd_vm_migrate(struct sgpu *gpu, int fd, void *arg)
{
	struct kmd_vm_migrate *args = arg;
	struct sgpu_vm *vm = kmd_vm_of(gpu, fd, args->vm_id);
	uint64_t pages = 0;
	int ret;

	if (!vm)
		return -EINVAL;
	ret = sgpu_vram_migrate(gpu, vm, args->flags, args->start, args->end,
				&pages);
	if (!ret)
		args->pages = pages;
	return ret;
}

static int kmd_get_stats(struct sgpu *gpu, int fd, void *arg)
{
	sgpu_stats_fill(gpu, arg);
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
	KMD_IOCTL(KMD_IOCTL_VM_MIGRATE, kmd_vm_migrate),
};

/* Room for the largest argument of any request. */
union kmd_ioctl_arg {
	struct kmd_gpu_info info;
	struct kmd_vm_create vm_create;
	struct kmd_vm_destroy vm_destroy;
	struct kmd_vm_range vm_range;
	struct kmd_dispatch dispatch;
	struct kmd_gpu_stats stats;
	struct kmd_vm_migrate vm_migrate;
	struct hmm_dmirror_cmd dmirror;
};

static bool kmd_sgpu_request_valid(unsigned long request)
{
	unsigned int nr = _IOC_NR(request);

	return _IOC_TYPE(request) == 'S' &&
	       nr < sizeof(kmd_ioctls) / sizeof(kmd_ioctls[0]) &&
	       kmd_ioctls[nr].request == request;
}

__attribute__((visibility("default"))) int
kmd_ioctl(int fd, unsigned long request, void *arg)
{
	struct kmd_handle h = kmd_handle_get(fd);
	union kmd_ioctl_arg karg;
	size_t size = _IOC_SIZE(request);
	uint64_t uarg = (uint64_t)(uintptr_t)arg;
	int ret;

	switch (h.type) {
	case KMD_NODE_SGPU:
		if (!kmd_sgpu_request_valid(request))
			return -EINVAL;
		break;
	case KMD_NODE_DMIRROR:
		if (!dmirror_request_valid(request))
			return -EINVAL;
		break;
	default:
		return -EBADF;
	}
	if (!arg)
		return -EFAULT;
	if (size > sizeof(karg))
		return -EINVAL;

	/* _IOR arguments are read too: the handlers start from the copy. */
	memset(&karg, 0, sizeof(karg));
	ret = kmd_copy_from_user(&karg, uarg, size);
	if (ret)
		return ret;
	if (h.type == KMD_NODE_SGPU)
		ret = kmd_ioctls[_IOC_NR(request)].handler(h.gpu, fd, &karg);
	else
		ret = dmirror_ioctl(h.dmirror, request, &karg.dmirror);
	if (ret)
		return ret;
	if (_IOC_DIR(request) & _IOC_READ)
		ret = kmd_copy_to_user(uarg, &karg, size);
	return ret;
}
