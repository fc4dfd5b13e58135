/* SPDX-License-Identifier: MIT */
/*
 * kmd.h - the uAPI of svmcl's kernel-mode-driver stand-in.
 *
 * DOC: Overview
 *
 * The runtime reaches the software GPU only through this interface, the way
 * a user-mode driver reaches a DRM driver through ioctls on a render node.
 * Handles returned by kmd_open() are small non-negative integers private to
 * the kmd-shim (not file descriptors). Every call returns 0 or a negative
 * errno; an unknown request or a malformed argument is -EINVAL, a NULL
 * argument is -EFAULT.
 *
 * Nodes:
 *  "sgpu0"  the software GPU (VMs, dispatch, statistics)
 *
 * Requests use the Linux _IOC encoding with type 'S'.
 */
#ifndef SVMCL_KMD_H
#define SVMCL_KMD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#ifdef __cplusplus
extern "C" {
#endif

int kmd_open(const char *node);
int kmd_close(int fd);
int kmd_ioctl(int fd, unsigned long request, void *arg);

/* KMD_IOCTL_GET_INFO */
struct kmd_gpu_info {
	__u32 num_compute_units;
	__u32 tlb_l1_entries;
	__u32 page_shift;
	__u32 va_bits;
	__u64 max_alloc;
};

/*
 * KMD_IOCTL_VM_CREATE: a device address space. With KMD_VM_MIRROR_PROCESS
 * the VM mirrors the whole process address space through the HMM core
 * (fine-grained system SVM): any CPU virtual address is a device address.
 */
#define KMD_VM_MIRROR_PROCESS (1u << 0)
struct kmd_vm_create {
	__u32 flags;
	__u32 vm_id;	/* out */
};

struct kmd_vm_destroy {
	__u32 vm_id;
	__u32 pad;
};

/*
 * KMD_IOCTL_VM_INVALIDATE: drop the device mappings and TLB lines of
 * [start, end) in every VM of this process (explicit invalidation, e.g. on
 * SVM free).
 */
struct kmd_vm_range {
	__u32 vm_id;
	__u32 pad;
	__u64 start;
	__u64 end;
};

/*
 * KMD_IOCTL_DISPATCH: run an NDRange on the compute units and wait for it.
 * @entry is a sgpu_wg_fn (sgpu_abi.h). On a device fault the dispatch stops
 * early, the call still returns 0 and @status is negative (-EFAULT: no CPU
 * mapping, -EPERM: write to a read-only mapping, -EBUSY: the fault could not
 * be serviced within the budget); the fault_* fields describe the first
 * fault.
 */
struct kmd_dispatch {
	__u32 vm_id;
	__u32 work_dim;
	__u64 entry;
	__u64 args;
	__u64 global_offset[3];
	__u64 global_size[3];
	__u64 local_size[3];
	/* out */
	__s32 status;
	__u32 fault_access;	/* enum sgpu_access */
	__u64 fault_addr;
	__u64 fault_group[3];
	__u32 fault_unit;
	__u32 pad;
};

/* KMD_IOCTL_GET_STATS: counters of the GPU since open, all VMs. */
struct kmd_gpu_stats {
	__u64 dispatches;
	__u64 work_groups;
	__u64 tlb_l1_misses;
	__u64 walks;
	__u64 faults;
	__u64 fault_pages;
	__u64 fault_retries;
	__u64 invalidations;
	__u64 invalidated_ptes;
	__u64 device_faults;
	__u64 tlb_l2_hits;
	__u64 tlb_l2_misses;
};

#define KMD_IOCTL_GET_INFO _IOR('S', 0x00, struct kmd_gpu_info)
#define KMD_IOCTL_VM_CREATE _IOWR('S', 0x01, struct kmd_vm_create)
#define KMD_IOCTL_VM_DESTROY _IOW('S', 0x02, struct kmd_vm_destroy)
#define KMD_IOCTL_VM_INVALIDATE _IOW('S', 0x03, struct kmd_vm_range)
#define KMD_IOCTL_DISPATCH _IOWR('S', 0x04, struct kmd_dispatch)
#define KMD_IOCTL_GET_STATS _IOR('S', 0x05, struct kmd_gpu_stats)

#ifdef __cplusplus
}
#endif

#endif /* SVMCL_KMD_H */
