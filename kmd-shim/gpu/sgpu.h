/* SPDX-License-Identifier: MIT */
/*
 * sgpu.h - internal interfaces of the software GPU (kmd-shim/gpu).
 *
 * The GPU is a set of compute units (worker threads, cu.c) with one
 * first-level TLB each, any number of VMs (vm.c: a device page table and
 * an interval notifier each), and the dispatch engine that runs NDRanges
 * on the units. Everything here returns 0 or a negative errno.
 */
#ifndef SVMCL_GPU_SGPU_H
#define SVMCL_GPU_SGPU_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gpu/pagetable.h"
#include "hmm/hmm.h"
#include "mm/mm.h"
#include "svmcl/kmd.h"
#include "svmcl/sgpu_abi.h"

struct sgpu;
struct sgpu_dispatch;

/*
 * Second-level TLB: a per-unit victim cache behind the first level, set
 * associative. Lines evicted from the first level move here; a first-level
 * miss that hits here swaps the line back without a page walk.
 */
#define SGPU_TLB_L2_SETS 256
#define SGPU_TLB_L2_WAYS 4
#define SGPU_L2_VALID (1ull << 0)
#define SGPU_L2_WRITE (1ull << 1)

struct sgpu_tlb_l2_line {
	uint64_t tag;	/* page VA | SGPU_L2_VALID | SGPU_L2_WRITE */
	uint64_t host;	/* host address of the page */
};

/**
 * struct sgpu_tlb_l2 - one unit's second-level TLB.
 * @lock: protects @line and @next_victim. Taken by the owning unit on its
 *	miss path and by shootdowns from any thread; never held while
 *	calling out of tlb.c.
 */
struct sgpu_tlb_l2 {
	pthread_spinlock_t lock;
	struct sgpu_tlb_l2_line line[SGPU_TLB_L2_SETS][SGPU_TLB_L2_WAYS];
	uint8_t next_victim[SGPU_TLB_L2_SETS];
};

/* Pages around a faulting page that one fault service snapshots. */
#define SGPU_FAULT_WINDOW_PAGES 16

/**
 * struct sgpu_vm - one device address space.
 * @lock: the VM's update lock (Linux drivers' "driver->update"); protects
 *	@pt. Taken for writing by commits and by the invalidate callback,
 *	for reading by page walks.
 * @notifier: interval notifier over the whole user address space (the VM
 *	mirrors the process); its sequence is only changed under @lock.
 */
struct sgpu_vm {
	struct sgpu *gpu;
	uint32_t id;
	uint32_t flags;
	int owner_fd;
	pthread_rwlock_t lock;
	struct sgpu_pt pt;
	struct mm_struct *mm;
	struct mmu_interval_notifier notifier;
	struct sgpu_vm *next;	/* gpu->vms, under gpu->vm_lock */
};

/**
 * struct sgpu_cu - one compute unit.
 * @state: what JIT code sees (sgpu_abi.h); written only by this unit's
 *	thread, except TLB lines, which invalidations may clear from any
 *	thread (atomic 64-bit stores of the invalid tag).
 * @abort_env: where a device fault unwinds to; valid while @in_dispatch.
 */
struct sgpu_cu {
	struct sgpu_cu_state state;
	struct sgpu *gpu;
	pthread_t thread;
	unsigned int index;
	struct sgpu_vm *vm;	/* VM of the running dispatch */
	uint32_t last_vm_id;	/* VM whose lines the TLB holds */
	sigjmp_buf abort_env;
	volatile sig_atomic_t in_dispatch;
	void *altstack;
	uint64_t seen_launch;	/* last launch sequence this unit ran */
	struct sgpu_tlb_l2 l2;
} __attribute__((aligned(64)));	/* units never share a cache line */

/* Statistics, updated with relaxed atomics. */
struct sgpu_stats {
	atomic_uint_fast64_t dispatches;
	atomic_uint_fast64_t work_groups;
	atomic_uint_fast64_t tlb_l1_misses;
	atomic_uint_fast64_t tlb_l2_hits;
	atomic_uint_fast64_t tlb_l2_misses;
	atomic_uint_fast64_t walks;
	atomic_uint_fast64_t faults;
	atomic_uint_fast64_t fault_pages;
	atomic_uint_fast64_t fault_retries;
	atomic_uint_fast64_t invalidations;
	atomic_uint_fast64_t invalidated_ptes;
	atomic_uint_fast64_t device_faults;
};

/**
 * struct sgpu - the device.
 * @vm_lock: protects @vms and @next_vm_id.
 * @dispatch_lock: serialises dispatches (one NDRange on the units at a
 *	time) and protects @launch.
 * @launch_lock/@launch_cond: wake-up of sleeping units and of the waiting
 *	submitter; @launch_seq and @active are atomics read while spinning.
 */
struct sgpu {
	unsigned int num_cus;
	struct sgpu_cu *cus;

	pthread_mutex_t vm_lock;
	struct sgpu_vm *vms;
	uint32_t next_vm_id;

	pthread_mutex_t dispatch_lock;
	pthread_mutex_t launch_lock;
	pthread_cond_t launch_cond;
	pthread_cond_t done_cond;
	struct sgpu_dispatch *launch;
	atomic_uint_fast64_t launch_seq;
	atomic_uint active;	/* units still working on the launch */
	atomic_bool stopping;

	struct sgpu_stats stats;
};

/* sgpu.c: the singleton device, shared by every open handle. */
int sgpu_get(struct sgpu **out);
void sgpu_put(struct sgpu *gpu);

/* vm.c */
int sgpu_vm_create(struct sgpu *gpu, uint32_t flags, int owner_fd,
		   struct sgpu_vm **out);
void sgpu_vm_destroy(struct sgpu_vm *vm);
struct sgpu_vm *sgpu_vm_lookup(struct sgpu *gpu, uint32_t id);
int sgpu_vm_fault(struct sgpu_vm *vm, uint64_t va, enum sgpu_access access);
uint64_t sgpu_vm_walk_fill(struct sgpu_vm *vm, struct sgpu_cu *cu,
			   uint64_t va, bool need_write);
void sgpu_vm_invalidate(struct sgpu_vm *vm, uint64_t start, uint64_t end);

/* tlb.c */
void sgpu_tlb_flush_all(struct sgpu_cu_state *state);
void sgpu_tlb_flush_range(struct sgpu_cu_state *state, uint64_t start,
			  uint64_t end);
void sgpu_tlb_fill(struct sgpu_cu_state *state, uint64_t va, uint64_t host,
		   bool writable);
void sgpu_gpu_shootdown(struct sgpu *gpu, uint64_t start, uint64_t end);
void sgpu_tlb_l2_init(struct sgpu_tlb_l2 *l2);
void sgpu_tlb_l2_fini(struct sgpu_tlb_l2 *l2);
void sgpu_cu_tlb_flush_all(struct sgpu_cu *cu);
void sgpu_cu_tlb_fill(struct sgpu_cu *cu, uint64_t va, uint64_t host,
		      bool writable);
uint64_t sgpu_cu_tlb_l2_lookup(struct sgpu_cu *cu, uint64_t va,
			       bool need_write);
uint64_t sgpu_tlb_miss(struct sgpu_cu_state *state, uint64_t va,
		       uint64_t access);
void sgpu_mem_copy(struct sgpu_cu_state *state, uint64_t dst, uint64_t src,
		   uint64_t len, uint32_t global_mask);
void sgpu_mem_set(struct sgpu_cu_state *state, uint64_t dst, uint32_t byte,
		  uint64_t len);

/* cu.c */
int sgpu_cus_start(struct sgpu *gpu);
void sgpu_cus_stop(struct sgpu *gpu);
int sgpu_dispatch(struct sgpu *gpu, struct sgpu_vm *vm,
		  struct kmd_dispatch *d);
void sgpu_cu_device_fault(struct sgpu_cu *cu, uint64_t va,
			  enum sgpu_access access, int status)
	__attribute__((noreturn));

#endif /* SVMCL_GPU_SGPU_H */
