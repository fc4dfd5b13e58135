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
 *  "sgpu0"     the software GPU (VMs, dispatch, statistics); requests of
 *              type 'S'
 *  "dmirror0"  the HMM test device, a userspace counterpart of Linux's
 *  "dmirror1"  lib/test_hmm.c: two distinct devices, each with its own
 *              device memory; requests of type 'H' (below)
 *
 * Requests use the Linux _IOC encoding. Arguments are read and written
 * with the checks of a kernel copy_from_user()/copy_to_user(): a pointer
 * the application cannot access is -EFAULT, never a crash.
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
	/* in: the dispatch's struct sgpu_printf_buf (0: none), for JIT code */
	__u64 printf_buf;
	/* in: the kernel's name, a NUL-terminated string (0: none), for the
	 * memory-system trace (SVMCL_TRACE); read during the request only */
	__u64 label;
};

/*
 * KMD_IOCTL_GET_STATS: counters of the GPU since open, all VMs.
 *
 * @faults: faults the compute units raised (one fault record each);
 * @fault_pages: pages committed by fault windows (the faulting pages and
 * their already-mapped neighbours); @prefetch_pages: pages the prefetch
 * policy faulted in besides. @tlb_l1_hits is counted only in counting
 * mode (SVMCL_TLB_COUNT=1, then KMD_GPU_STATS_L1_COUNTED is set in
 * @flags): the JIT fast path has no counter. Times are in nanoseconds.
 * @migrations: pages moved into VRAM by KMD_IOCTL_VM_MIGRATE; @evictions:
 * pages moved back to make room for them (least recently used first).
 * Fields after @flags/@pad were appended with device memory:
 * @migrations_back: pages moved back by KMD_MIGRATE_TO_SYSTEM;
 * @vram_ptes: device PTEs committed with a VRAM target; @vram_used and
 * @vram_total: device pages in use and in the pool (0 before the pool
 * exists, which is at the first migration to VRAM).
 */
#define KMD_GPU_STATS_L1_COUNTED (1u << 0)
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
	__u64 tlb_l1_hits;
	__u64 tlb_fill_ahead;	/* lines filled by walks besides the miss */
	__u64 fault_records;	/* drained from the fault buffer */
	__u64 fault_batches;
	__u64 fault_batch_max;
	__u64 fault_unique;	/* distinct pages after deduplication */
	__u64 fault_windows;	/* hmm_range_fault() windows */
	__u64 fault_cancelled;
	__u64 fault_service_ns;
	__u64 fault_wait_ns;	/* summed over the faulting units */
	__u64 prefetch_regions;
	__u64 prefetch_pages;
	__u64 prefetch_failed;
	__u64 shootdowns;
	__u64 shootdown_ns;
	__u64 shootdown_ns_max;
	__u64 shootdown_waits;	/* units waited for (quiescent points) */
	__u64 shootdown_timeouts;
	__u64 migrations;
	__u64 evictions;
	__u64 inline_dispatches;	/* ran on the dispatching thread only */
	__u32 flags;
	__u32 pad;
	__u64 migrations_back;
	__u64 vram_ptes;
	__u64 vram_used;
	__u64 vram_total;
	/* The automatic migration policy (SVMCL_MIGRATE=hot); 0 when off. */
	__u64 policy_hot;	/* regions whose walks reached the threshold */
	__u64 policy_promoted;	/* regions it moved into VRAM */
	__u64 policy_pages;	/* pages it moved into VRAM */
	__u64 policy_skipped_shared;	/* hot, in a shared mapping */
	__u64 policy_skipped_full;	/* hot, no room (it never evicts) */
	__u64 policy_skipped_backoff;	/* hot, backing off (bounced) */
	__u64 policy_bounces;	/* promoted, pulled back, hot again */
	__u64 policy_skipped_unadvised;	/* hot, not ADVISE_HOT */
};

/*
 * KMD_IOCTL_VM_MIGRATE: move the pages of [start, end) (page aligned) of
 * a mirroring VM's process memory into the GPU's device memory
 * (KMD_MIGRATE_TO_VRAM) or back (KMD_MIGRATE_TO_SYSTEM), through the HMM
 * migration core. The CPU keeps access: touching a page in VRAM brings it
 * back. A pool short of pages evicts the least recently used pages of
 * other ranges first. @pages (out): pages of the range in VRAM afterwards
 * (TO_VRAM), or pages moved back (TO_SYSTEM).
 * Errors: -EINVAL (bad flags, range or VM; memory not mapped readable),
 * -ENOENT (shared mapping), -EOPNOTSUPP (the GPU has no device memory:
 * no kernel-mode userfaultfd), -EFAULT (argument not accessible).
 *
 * Advice for the automatic migration policy (SVMCL_MIGRATE=hot), each
 * flag alone, nothing moves now, @pages is 0: KMD_MIGRATE_ADVISE_HOT lets
 * the policy move pages of [start, end) when they get hot (the range must
 * hold nothing but device data: the runtime gives it for clSVMAlloc
 * allocations); KMD_MIGRATE_ADVISE_CLEAR withdraws it (before the range
 * is unmapped). Accepted and ignored when the policy is off. Errors:
 * -EINVAL (range or VM), -ENOMEM.
 */
#define KMD_MIGRATE_TO_VRAM (1u << 0)
#define KMD_MIGRATE_TO_SYSTEM (1u << 1)
#define KMD_MIGRATE_ADVISE_HOT (1u << 2)
#define KMD_MIGRATE_ADVISE_CLEAR (1u << 3)
struct kmd_vm_migrate {
	__u32 vm_id;
	__u32 flags;
	__u64 start;
	__u64 end;
	__u64 pages;	/* out */
};

#define KMD_IOCTL_GET_INFO _IOR('S', 0x00, struct kmd_gpu_info)
#define KMD_IOCTL_VM_CREATE _IOWR('S', 0x01, struct kmd_vm_create)
#define KMD_IOCTL_VM_DESTROY _IOW('S', 0x02, struct kmd_vm_destroy)
#define KMD_IOCTL_VM_INVALIDATE _IOW('S', 0x03, struct kmd_vm_range)
#define KMD_IOCTL_DISPATCH _IOWR('S', 0x04, struct kmd_dispatch)
#define KMD_IOCTL_GET_STATS _IOR('S', 0x05, struct kmd_gpu_stats)
#define KMD_IOCTL_VM_MIGRATE _IOWR('S', 0x06, struct kmd_vm_migrate)

/*
 * dmirror: the HMM test device ("dmirror0", "dmirror1").
 *
 * The requests, their argument and their results are those of Linux's
 * lib/test_hmm_uapi.h, so that a port of tools/testing/selftests/mm/
 * hmm-tests.c runs against it unchanged but for open/ioctl/close. Each
 * handle mirrors the address space of the process that opened it in a
 * device page table of its own, filled through the HMM core on every miss.
 *
 * @addr:   first page of the range (page aligned)
 * @ptr:    the application buffer: npages * 4096 bytes for READ, WRITE and
 *          MIGRATE_TO_DEV (which returns the migrated data), npages bytes
 *          for SNAPSHOT
 * @npages: pages in the range (> 0; the range must not wrap)
 * @cpages: out: pages copied, migrated or snapshotted
 * @faults: out: device fault rounds (READ, WRITE); a range the device can
 *          fault in one go gives 1
 *
 * Every request returns 0 and copies @cpages/@faults back, or a negative
 * errno and leaves the argument untouched: -EINVAL for an unaligned,
 * empty or wrapping range or an unknown request, -EFAULT for an argument
 * or buffer the application cannot access or a CPU page the device
 * cannot read, -EPERM for a write to a read-only mapping, -ENOENT when a
 * migration leaves pages the device does not hold (shared mappings cannot
 * migrate), -EBUSY when faulting did not settle within 1 s, -EOPNOTSUPP
 * for EXCLUSIVE and CHECK_EXCLUSIVE (see docs/dmirror.md).
 */
struct hmm_dmirror_cmd {
	__u64 addr;
	__u64 ptr;
	__u64 npages;
	__u64 cpages;
	__u64 faults;
};

/* Linux's request numbers. */
#define HMM_DMIRROR_READ _IOWR('H', 0x00, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_WRITE _IOWR('H', 0x01, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_DEV _IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_SYS _IOWR('H', 0x03, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_SNAPSHOT _IOWR('H', 0x04, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_EXCLUSIVE _IOWR('H', 0x05, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_CHECK_EXCLUSIVE _IOWR('H', 0x06, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_RELEASE _IOWR('H', 0x07, struct hmm_dmirror_cmd)

/*
 * One byte per page of HMM_DMIRROR_SNAPSHOT (Linux's values):
 * ERROR       no mapping, or one the device may not access (PROT_NONE)
 * NONE        nothing mapped yet, or a page in another device's memory
 * READ/WRITE  what the device may do with the CPU's mapping
 * PMD/PUD     the CPU maps the page as part of a 2 MiB / 1 GiB page
 * ZERO        the CPU maps the shared zero page
 * DEV_PRIVATE_LOCAL   the page is in this device's memory
 * DEV_PRIVATE_REMOTE  in another device's memory (never reported: like
 *                     Linux, hmm_range_fault shows device pages only to
 *                     their owner)
 */
enum {
	HMM_DMIRROR_PROT_ERROR = 0xFF,
	HMM_DMIRROR_PROT_NONE = 0x00,
	HMM_DMIRROR_PROT_READ = 0x01,
	HMM_DMIRROR_PROT_WRITE = 0x02,
	HMM_DMIRROR_PROT_PMD = 0x04,
	HMM_DMIRROR_PROT_PUD = 0x08,
	HMM_DMIRROR_PROT_ZERO = 0x10,
	HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL = 0x20,
	HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE = 0x30,
};

#ifdef __cplusplus
}
#endif

#endif /* SVMCL_KMD_H */
