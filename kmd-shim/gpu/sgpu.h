/* SPDX-License-Identifier: MIT */
/*
 * sgpu.h - internal interfaces of the software GPU (kmd-shim/gpu).
 *
 * The GPU is a set of compute units (worker threads plus the dispatching
 * thread, cu.c) with a first- and a second-level TLB each (tlb.c), any
 * number of VMs (vm.c: a device page table and an interval notifier each),
 * a fault buffer with its service loop (fault.c, fault_service.c,
 * prefetch.c), TLB shootdown with quiescent-point tracking (shootdown.c)
 * and the dispatch engine. Everything here returns 0 or a negative errno.
 *
 * File map:
 *	config.c	SVMCL_* environment knobs, parsed once per device
 *	pagetable.c	the 4-level device page table (4 KiB and 2 MiB pages)
 *	tlb.c		L1 and L2 TLB lines: fill, lookup, flush
 *	miss.c		the miss path called from JIT code; mem_copy/mem_set
 *	shootdown.c	GPU-wide line shootdown and the quiescent-point wait
 *	fault.c		the fault buffer: post, elect a servicer, wait
 *	fault_service.c	one batch: sort, dedup, coalesce, fault, commit
 *	prefetch.c	prefetch policies (none, window, density)
 *	vm.c		VMs, the page walker, the HMM driver loop, notifier
 *	cu.c		compute units and dispatch
 *	vram.c		device memory: the pool, migration, LRU eviction
 *	migrate_policy.c automatic migration of hot regions (SVMCL_MIGRATE)
 *	sgpu.c		the device object and the exit statistics
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
#include "hmm/coalesce.h"
#include "hmm/hmm.h"
#include "mm/mm.h"
#include "trace/trace.h"
#include "svmcl/kmd.h"
#include "svmcl/sgpu_abi.h"

struct hmm_devmem;
struct sgpu;
struct sgpu_dispatch;
struct sgpu_migrate_policy;
struct sgpu_vm;

/* ---------------------------------------------------------------------- */
/* config.c */

enum sgpu_prefetch_policy {
	SGPU_PREFETCH_NONE = 0,	/* fault only what faulted */
	SGPU_PREFETCH_WINDOW,	/* fault the aligned window around a fault */
	SGPU_PREFETCH_DENSITY,	/* UVM's tree: regions mostly resident */
};

#define SGPU_TLB_L2_SETS_DEFAULT 256
#define SGPU_TLB_L2_WAYS_DEFAULT 4
#define SGPU_TLB_L2_SETS_MAX 65536
#define SGPU_TLB_L2_WAYS_MAX 16

#define SGPU_FAULT_BATCH_DEFAULT 256	/* NVIDIA UVM's batch size */
#define SGPU_FAULT_BATCH_MAX 4096

/* Coalescing window of one fault: a 64 KiB "big page", as UVM and xe. */
#define SGPU_FAULT_WINDOW (64 * 1024ull)
#define SGPU_FAULT_WINDOW_PAGES (SGPU_FAULT_WINDOW >> SGPU_PAGE_SHIFT)
/* The largest region a prefetch may cover: one 2 MiB block. */
#define SGPU_PREFETCH_MAX SGPU_HUGE_SIZE
/*
 * Percent: a region is prefetched when more than this much of it is
 * resident or faulted. UVM's 51 assumes many faults per block in a batch;
 * with one demand fault per unit it slows a stream down beyond 64 pages
 * (65 of 128 is not above 51%), so the default is "more than half"
 * (prefetch.c).
 */
#define SGPU_PREFETCH_DENSITY_DEFAULT 50

/**
 * struct sgpu_config - device knobs, fixed when the device is created.
 * @l2_sets, @l2_ways: second-level TLB geometry; @l2_ways 0 disables it.
 * @fault_batch: records drained per fault-service batch.
 * @prefetch, @prefetch_window, @density_pct: the prefetch policy.
 * @tlb_count: counting mode; every probe takes the miss handler, which
 *	keeps the first level in a shadow array and counts its hits.
 * @vram_bytes: size of the device memory pool (SVMCL_VRAM_MB).
 * @migrate_hot: the automatic migration policy is on (SVMCL_MIGRATE=hot).
 * @migrate_threshold: page walks of one region within one window that make
 *	it hot; @migrate_region: the region size (64 KiB..2 MiB, a power of
 *	two) in which walks are counted and which migrates as a whole.
 */
struct sgpu_config {
	unsigned int l2_sets;
	unsigned int l2_ways;
	unsigned int fault_batch;
	enum sgpu_prefetch_policy prefetch;
	uint64_t prefetch_window;
	unsigned int density_pct;
	bool tlb_count;
	uint64_t vram_bytes;
	bool migrate_hot;
	unsigned int migrate_threshold;
	uint64_t migrate_region;
};

/* Device memory when SVMCL_VRAM_MB is not set, and the largest accepted. */
#define SGPU_VRAM_MB_DEFAULT 256
#define SGPU_VRAM_MB_MAX (64 * 1024)

void sgpu_config_defaults(struct sgpu_config *cfg);
/* "SETSxWAYS" (SETS a power of two), or "0"/"off". Return: 0, -EINVAL. */
int sgpu_config_parse_l2(const char *s, unsigned int *sets,
			 unsigned int *ways);
/* "none", "window:SIZE" (4K..2M, a power of two), "density[:PCT]". */
int sgpu_config_parse_prefetch(const char *s, struct sgpu_config *cfg);
/* 1..SGPU_FAULT_BATCH_MAX. */
int sgpu_config_parse_batch(const char *s, unsigned int *batch);
/* 1..SGPU_VRAM_MB_MAX (MiB). */
int sgpu_config_parse_vram(const char *s, uint64_t *bytes);
/* "off", or "hot[:THRESHOLD[:REGION]]" (migrate_policy.c). */
int sgpu_config_parse_migrate(const char *s, struct sgpu_config *cfg);
/* Reads SVMCL_TLB_L2, SVMCL_PREFETCH, SVMCL_FAULT_BATCH, SVMCL_TLB_COUNT,
 * SVMCL_VRAM_MB, SVMCL_MIGRATE;
 * a malformed value is reported on stderr and the default kept. */
void sgpu_config_from_env(struct sgpu_config *cfg);
const char *sgpu_prefetch_name(enum sgpu_prefetch_policy p);

/* ---------------------------------------------------------------------- */
/* TLBs (tlb.c) */

/*
 * Second-level TLB: a per-unit victim cache behind the first level, set
 * associative, round-robin replacement. Lines evicted from the first level
 * move here; a first-level miss that hits here swaps the line back without
 * a page walk.
 */
#define SGPU_L2_VALID (1ull << 0)
#define SGPU_L2_WRITE (1ull << 1)

struct sgpu_tlb_l2_line {
	uint64_t tag;	/* page VA | SGPU_L2_VALID | SGPU_L2_WRITE */
	uint64_t host;	/* host address of the page */
};

/**
 * struct sgpu_tlb_l2 - one unit's second-level TLB.
 * @lock: protects @line and @next_victim, and orders fills of the unit's
 *	first level against shootdowns from other threads. Taken by the
 *	owning unit on its miss path and by shootdowns from any thread; never
 *	held while calling out of tlb.c.
 * @sets, @ways: geometry, fixed at init; @ways 0 means no second level.
 */
struct sgpu_tlb_l2 {
	pthread_spinlock_t lock;
	unsigned int sets;
	unsigned int ways;
	struct sgpu_tlb_l2_line *line;	/* [sets][ways] */
	uint8_t *next_victim;		/* [sets] */
};

/*
 * Per-unit counters. Written only by the unit that owns them (relaxed
 * stores, no read-modify-write: no cache line is shared between units on
 * the miss path), read by anyone with relaxed loads.
 */
struct sgpu_cu_counters {
	uint64_t l1_hits;	/* counting mode only */
	uint64_t l1_misses;
	uint64_t l2_hits;
	uint64_t l2_misses;
	uint64_t walks;
	uint64_t locked_walks;	/* walks redone under vm->lock (raced) */
	uint64_t fill_ahead;	/* extra L1 lines filled by walks */
	uint64_t work_groups;
	uint64_t faults;	/* faults this unit raised */
	uint64_t fault_wait_ns;	/* time from post to reply */
};

static inline void sgpu_count(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------------- */
/* Fault buffer (fault.c, fault_service.c) */

/* Where a unit learns the outcome of its fault: in its struct sgpu_cu. */
struct sgpu_fault_reply {
	atomic_uint done;	/* 0 pending, 1 replied (release) */
	int error;		/* 0, or the cancel reason (negative errno) */
};

/* One fault record, as a GPU writes it into its fault buffer. */
struct sgpu_fault_record {
	struct sgpu_vm *vm;
	uint64_t addr;
	uint32_t access;	/* enum sgpu_access */
	uint32_t unit;
	struct sgpu_fault_reply *reply;	/* NULL: nobody waits */
	int error;	/* the servicer's scratch: the outcome */
};

/* What one servicer works in: a drained batch and its windows. */
struct sgpu_fault_scratch {
	unsigned int slot;
	struct sgpu_fault_record *batch;
	struct hmm_fault_record *recs;
	int *rec_error;
	uint64_t *reqs;
	uint64_t *pfns;
	/* Pages the current batch committed / prefetched (for the trace). */
	uint64_t batch_pages, batch_prefetched;
};

#define SGPU_FAULT_SLOTS_MAX 8

/*
 * struct sgpu_block_work - the 2 MiB block a service slot works in, and
 * the part of its work other servicers may take (fault_service.c).
 * @key: the block (block address | VM id | 1), 0 when none. Written by
 *	the slot's holder only.
 * @cursor: the populated-block extension in progress, offered in chunks:
 *	bits 0-15 the next page not yet taken, bits 16-31 the end, bits
 *	32-47 the start (pages of the block); taken with a compare-and-swap.
 *	Next == end: nothing offered.
 * @inflight: servicers of other slots that may be taking or servicing a
 *	chunk; the holder waits for 0 before it offers new work.
 * @helpers: servicers of other slots waiting for this block; the holder
 *	cuts its work into that many more chunks.
 * @resident: the block's resident-page bitmap when the work was offered
 *	(for the prefetch counter of whoever services a chunk).
 */
struct sgpu_block_work {
	atomic_uint_fast64_t key;
	atomic_uint_fast64_t cursor;
	atomic_uint inflight;
	atomic_uint helpers;
	uint64_t resident[SGPU_BLOCK_PAGES / 64];
} __attribute__((aligned(64)));

/**
 * struct sgpu_fault_buffer - the GPU's fault buffer and service state.
 * @lock: protects @ring, @head and @count (a short spinlock: posting and
 *	draining copy a few records, nothing else).
 * @count: also read without @lock as a hint ("anything to do?").
 * @slots_busy: the service "lock": one bit per service slot, taken with a
 *	compare-and-swap (trylock only, never waited for). A thread that
 *	holds slot i drains and services batches with @scratch[i]. There are
 *	@nr_slots slots, one per CPU core: populating absent pages is CPU
 *	work that cores can share, and a unit whose fault is in another's
 *	batch would otherwise only wait.
 * @replay_seq: batches completed; bumped once per batch before replies.
 */
struct sgpu_fault_buffer {
	pthread_spinlock_t lock;
	struct sgpu_fault_record *ring;
	unsigned int capacity;
	unsigned int head;
	atomic_uint count;
	atomic_uint slots_busy;
	unsigned int nr_slots;
	atomic_uint_fast64_t replay_seq;
	unsigned int batch_size;
	struct sgpu_fault_scratch scratch[SGPU_FAULT_SLOTS_MAX];
	/* The 2 MiB block each slot is working on (fault_service.c). */
	struct sgpu_block_work slot_work[SGPU_FAULT_SLOTS_MAX];
};

int sgpu_fault_buffer_init(struct sgpu_fault_buffer *fb, unsigned int batch,
			   unsigned int capacity, unsigned int slots);
void sgpu_fault_buffer_fini(struct sgpu_fault_buffer *fb);
/* Appends @rec; false when the buffer is full. */
bool sgpu_fault_post(struct sgpu *gpu, const struct sgpu_fault_record *rec);
/* Services batches until the buffer is empty, unless every service slot
 * is taken. Return: the number of batches serviced here. */
unsigned int sgpu_fault_service(struct sgpu *gpu);
/*
 * The unit side of a fault: post a record for the page of @va, service
 * the buffer if a service slot is free, else spin until the reply. The
 * caller is quiescent. Return: 0 (walk again), -EAGAIN (walk again: the page's
 * stronger access failed, this one may not), or the cancel reason.
 */
int sgpu_fault_raise(struct sgpu_cu *cu, struct sgpu_vm *vm, uint64_t va,
		     enum sgpu_access access);
/* fault_service.c: one drained batch; replies to every record. */
void sgpu_fault_service_batch(struct sgpu *gpu, struct sgpu_fault_scratch *sc,
			      unsigned int n);
/* The claim key of @addr's 2 MiB block in @vm (fault_service.c). */
uint64_t sgpu_fault_block_key(const struct sgpu_vm *vm, uint64_t addr);
/*
 * sgpu_fault_block_help() - a servicer waiting for block @key, held by
 * service slot @owner, services chunks of the populated-block extension
 * that slot offers (gpu->faults.slot_work[@owner]) with its own scratch
 * @sc, until none is left. Takes nothing when the slot moved on.
 */
void sgpu_fault_block_help(struct sgpu *gpu, struct sgpu_fault_scratch *sc,
			   struct sgpu_vm *vm, unsigned int owner, uint64_t key,
			   uint64_t deadline);

/* ---------------------------------------------------------------------- */
/* prefetch.c */

/**
 * struct sgpu_prefetch - what the prefetcher decided for one window.
 * @start, @end: the region to make resident, in the window's 2 MiB
 *	block (it may be smaller than the window or extend past it), or
 *	empty (start == end) for no prefetch.
 */
struct sgpu_prefetch {
	uint64_t start;
	uint64_t end;
};

/*
 * sgpu_prefetch_region() - the policy's region for the coalesced window
 * whose first faulting page is @fault: within @fault's 2 MiB block and
 * the mirrored range. @recs are all distinct faulting pages of the VM in
 * the batch (sorted), which the density policy counts as "faulted".
 */
void sgpu_prefetch_region(struct sgpu *gpu, struct sgpu_vm *vm,
			  uint64_t fault, const struct hmm_fault_record *recs,
			  size_t nrecs, struct sgpu_prefetch *out);

/* ---------------------------------------------------------------------- */
/* VMs (vm.c) */

/**
 * struct sgpu_vm - one device address space.
 * @lock: the VM's update lock (Linux drivers' "driver->update"); protects
 *	@pt. Taken for writing by commits and by the invalidate callback,
 *	for reading by page walks.
 * @notifier: interval notifier over the whole user address space (the VM
 *	mirrors the process); its sequence is only changed under @lock.
 * @gen: invalidation generation, a seqcount: odd while a writer holding
 *	@lock for writing clears entries and shoots down lines (or replaces
 *	an entry), bumped again when it is done. Lockless page walks
 *	(sgpu_vm_walk_fill()) sample it before the walk and check it inside
 *	the unit's l2.lock before they fill (vm.c, DOC: Locking).
 */
struct sgpu_vm {
	struct sgpu *gpu;
	uint32_t id;
	uint32_t flags;
	int owner_fd;
	pthread_rwlock_t lock;
	atomic_uint_fast64_t gen;
	struct sgpu_pt pt;
	struct mm_struct *mm;
	struct mmu_interval_notifier notifier;
	struct sgpu_vm *next;	/* gpu->vms, under gpu->vm_lock */
	/* Commit scratch (vm.c), under @lock held for writing. */
	struct commit_run *commit_run;
};

/* User address space that a mirroring VM covers: [page 1, 2^47). */
#define SGPU_MIRROR_START SGPU_PAGE_SIZE
#define SGPU_MIRROR_END (1ull << 47)

int sgpu_vm_create(struct sgpu *gpu, uint32_t flags, int owner_fd,
		   struct sgpu_vm **out);
void sgpu_vm_destroy(struct sgpu_vm *vm);
struct sgpu_vm *sgpu_vm_lookup(struct sgpu *gpu, uint32_t id);
uint64_t sgpu_vm_walk_fill(struct sgpu_vm *vm, struct sgpu_cu *cu,
			   uint64_t va, bool need_write, bool pass);
/* The host address of a leaf entry's target, 0 when it has none. */
uint64_t sgpu_vm_pte_host(const struct sgpu_vm *vm, uint64_t pte);
/*
 * sgpu_vm_fault_range() - Linux's driver loop over [start, end): fault the
 * requests @reqs (one per page, copied into @pfns for every attempt),
 * commit under vm->lock when mmu_interval_read_retry() allows. Gives up
 * with -EBUSY at @deadline_ns (CLOCK_MONOTONIC). @pfns holds the results.
 * Return: 0 with *@committed pages committed, or hmm_range_fault()'s error.
 */
int sgpu_vm_fault_range(struct sgpu_vm *vm, uint64_t start, uint64_t end,
			const uint64_t *reqs, uint64_t *pfns,
			uint64_t deadline_ns, unsigned int *committed);
/* Explicit invalidation: PTEs, TLB lines, and the quiescent-point wait. */
void sgpu_vm_invalidate(struct sgpu_vm *vm, uint64_t start, uint64_t end);
/*
 * sgpu_vm_map_page() - map (or remap) one page of @vm to @target (a host
 * address, or a VRAM offset with SGPU_PTE_VRAM in @flags). The old
 * translation is shot down and, when this returns, no compute unit uses
 * it any more: the old target may be reused (the VRAM rule).
 */
int sgpu_vm_map_page(struct sgpu_vm *vm, uint64_t va, uint64_t target,
		     uint64_t flags);

/* ---------------------------------------------------------------------- */
/* Compute units (cu.c) */

/**
 * struct sgpu_cu - one compute unit.
 * @state: what JIT code sees (sgpu_abi.h); written only by the thread
 *	running the unit, except TLB lines, which shootdowns may clear from
 *	any thread (atomic 64-bit stores of the invalid tag).
 * @l1: the first-level TLB that fills and shootdowns work on: @state.tlb,
 *	or @shadow in counting mode (then @state.tlb stays invalid and every
 *	probe reaches the miss handler, which probes @shadow).
 * @qs: quiescent-state counter (shootdown.c). Odd while the unit runs
 *	device code and may hold a translation; it moves at every
 *	quiescent point. Written only by the unit, with full barriers.
 * @active_vm: VM of the dispatch the unit is in, set before @qs turns odd.
 * @abort_env: where a device fault unwinds to; valid while @in_dispatch.
 * @fault_reply: outcome of the unit's outstanding fault.
 * @fibers: work-item contexts for kernels with barriers (fiber.c); its
 *	local memory is @state.local_mem.
 */
struct sgpu_cu {
	struct sgpu_cu_state state;
	struct sgpu *gpu;
	struct sgpu_tlb_entry *l1;
	pthread_t thread;
	unsigned int index;
	bool is_inline;		/* the dispatching thread's unit */
	struct sgpu_vm *vm;	/* VM of the running dispatch */
	struct sgpu_dispatch *launch;	/* the dispatch it works on */
	uint32_t last_vm_id;	/* VM whose lines the TLB holds */
	sigjmp_buf abort_env;
	volatile sig_atomic_t in_dispatch;
	void *altstack;
	uint32_t seen_launch;	/* last launch sequence this unit saw */
	struct sgpu_tlb_l2 l2;
	struct sgpu_tlb_entry *shadow;	/* counting mode */
	struct sgpu_fault_reply fault_reply;
	struct sgpu_cu_counters cnt;
	_Alignas(64) atomic_uint_fast64_t qs;
	_Atomic(struct sgpu_vm *) active_vm;
	struct sgpu_fibers *fibers;
} __attribute__((aligned(64)));	/* units never share a cache line */

/* ---------------------------------------------------------------------- */
/* The device (sgpu.c) */

/* Device-wide statistics, updated with relaxed atomics (rare events). */
struct sgpu_stats {
	atomic_uint_fast64_t dispatches;
	atomic_uint_fast64_t inline_dispatches;	/* run by the submitter only */
	atomic_uint_fast64_t fault_records;	/* drained from the buffer */
	atomic_uint_fast64_t fault_batches;
	atomic_uint_fast64_t fault_batch_max;
	atomic_uint_fast64_t fault_unique;	/* distinct pages per VM+batch */
	atomic_uint_fast64_t fault_windows;	/* hmm_range_fault windows */
	atomic_uint_fast64_t fault_pages;	/* pages committed by windows */
	atomic_uint_fast64_t fault_retries;	/* read_retry / -EBUSY loops */
	atomic_uint_fast64_t fault_cancelled;
	atomic_uint_fast64_t fault_service_ns;
	atomic_uint_fast64_t prefetch_regions;
	atomic_uint_fast64_t prefetch_pages;	/* committed by prefetch */
	atomic_uint_fast64_t prefetch_failed;
	atomic_uint_fast64_t prefetch_shared;	/* chunks serviced by helpers */
	atomic_uint_fast64_t invalidations;
	atomic_uint_fast64_t invalidated_ptes;
	atomic_uint_fast64_t shootdowns;
	atomic_uint_fast64_t shootdown_ns;
	atomic_uint_fast64_t shootdown_ns_max;
	atomic_uint_fast64_t shootdown_waits;	/* units waited for */
	atomic_uint_fast64_t shootdown_timeouts;
	atomic_uint_fast64_t device_faults;
	atomic_uint_fast64_t migrations;	/* pages moved into VRAM */
	atomic_uint_fast64_t migrations_back;	/* pages moved back on request */
	atomic_uint_fast64_t evictions;	/* pages evicted under pressure */
	atomic_uint_fast64_t evictions_undone;	/* moved back: migration failed */
	atomic_uint_fast64_t vram_ptes;	/* VRAM-target PTEs committed */
	/* The automatic migration policy (migrate_policy.c). */
	atomic_uint_fast64_t policy_hot;	/* regions that got hot */
	atomic_uint_fast64_t policy_promoted;	/* regions it migrated */
	atomic_uint_fast64_t policy_pages;	/* pages it moved into VRAM */
	atomic_uint_fast64_t policy_skipped_shared;
	atomic_uint_fast64_t policy_skipped_full;	/* no room, no VRAM */
	atomic_uint_fast64_t policy_skipped_backoff;
	atomic_uint_fast64_t policy_bounces;	/* pulled back, then hot */
	atomic_uint_fast64_t policy_skipped_unadvised;	/* not advised */
};

/* ---------------------------------------------------------------------- */
/* Device memory (vram.c) */

/**
 * struct sgpu_vram - the GPU's device memory: one hmm_devmem pool.
 * @lock: serialises pool creation, migrations both ways and eviction, and
 *	protects @va. Held across calls into the migration core, so it is
 *	never taken by the invalidate callback or the fault path (docs/
 *	migration.md, "Drivers").
 * @mem: the pool, created by the first migration to VRAM; NULL before.
 *	Published with a release store: statistics read it without @lock.
 * @state: 0 not created yet, 1 created, or a negative errno when the pool
 *	cannot exist (-EOPNOTSUPP: no userfaultfd), which is final.
 * @va: per device page, the CPU page it was last migrated for (0: none).
 *	A page faulted back by the CPU keeps its stale entry until eviction
 *	checks it against the registry (hmm_devmem_lookup()).
 * @stamp: per device page, the @clock value of its last migration, device
 *	fault commit, or access seen by the eviction clock: the LRU order.
 *	Relaxed atomics (commits write it under vm->lock, not @lock).
 * @accessed: per device page, the accessed bit: set by page walks that
 *	fill a line for the page, and by the eviction clock's sampling of the
 *	units' TLB lines; the clock turns it into a fresh stamp and clears it
 *	(second chance). Relaxed atomics.
 * @mig_start, @mig_end: the range of the migration to VRAM in flight;
 *	device faults on it wait until it ends (sgpu_vram_fault_enter()).
 * @faulting: fault loops inside hmm_range_fault(); a migration to VRAM
 *	publishes its range, then waits for this to drop to 0.
 */
struct sgpu_vram {
	pthread_mutex_t lock;
	struct hmm_devmem *mem;
	struct mm_struct *mm;
	int state;
	uint64_t npages;
	uint64_t *va;
	atomic_uint_fast64_t *stamp;
	atomic_uchar *accessed;
	atomic_uint_fast64_t clock;
	/* The range a migration to VRAM is moving, 0/0 when none. */
	atomic_uint_fast64_t mig_start;
	atomic_uint_fast64_t mig_end;
	/* hmm_range_fault() calls of the fault loop in progress. */
	atomic_uint faulting;
};

void sgpu_vram_init(struct sgpu *gpu);
/* Evicts every page and frees the pool; no VM may exist any more. */
void sgpu_vram_fini(struct sgpu *gpu);
/*
 * sgpu_vram_migrate() - KMD_IOCTL_VM_MIGRATE: move the pages of [start,
 * end) of @vm's mirrored memory into VRAM (evicting the least recently
 * used pages of other ranges first when the pool is short) or back.
 * Return: 0 with *@pages the pages of the range in VRAM afterwards (to
 * VRAM) or moved back (to system); -EINVAL, -EFAULT, -ENOENT (shared
 * mapping), -EOPNOTSUPP (no device memory) or another error of the
 * migration core.
 */
int sgpu_vram_migrate(struct sgpu *gpu, struct sgpu_vm *vm, uint32_t flags,
		      uint64_t start, uint64_t end, uint64_t *pages);
/*
 * sgpu_vram_promote() - the migration policy's move of a region into
 * VRAM: [*start, *end), cut to the part around @addr the migration core
 * accepts (the clipped range is returned in *@start, *@end). Like
 * sgpu_vram_migrate(), but it never evicts (-ENOSPC when the free pages
 * do not hold the pages still in system memory) and does nothing when
 * every page is there already. *@pages: pages of the range in VRAM
 * afterwards; *@moved: pages this call moved. Errors as
 * sgpu_vram_migrate()'s (-ENOENT: @addr is in a shared mapping).
 */
int sgpu_vram_promote(struct sgpu *gpu, uint64_t addr, uint64_t *start,
		      uint64_t *end, uint64_t *pages, uint64_t *moved);
/* Pages of [start, end) that are in our VRAM now (takes vram->lock). */
uint64_t sgpu_vram_resident(struct sgpu *gpu, uint64_t start, uint64_t end);
/* Pages of the pool in use and in total (0, 0 before it exists). */
void sgpu_vram_usage(const struct sgpu *gpu, uint64_t *used, uint64_t *total);
/*
 * sgpu_vram_fault_enter() - called by the fault loop after
 * mmu_interval_read_begin(), before hmm_range_fault(): if a migration to
 * VRAM is moving pages of [start, end), wait until it has finished and
 * return false (the caller starts over with a new sequence); else return
 * true, and the caller calls sgpu_vram_fault_exit() after
 * hmm_range_fault(). A migration starts only when no such call is in
 * progress (vram.c, DOC: Device faults during a migration).
 */
bool sgpu_vram_fault_enter(struct sgpu *gpu, uint64_t start, uint64_t end);
void sgpu_vram_fault_exit(struct sgpu *gpu);
/* Commit side: the device page at aperture offset @off was used now. */
void sgpu_vram_touch(struct sgpu *gpu, uint64_t off);
/* Walk side: a unit filled a line for the device page at offset @off. */
void sgpu_vram_mark_accessed(struct sgpu *gpu, uint64_t off);
/*
 * The eviction clock's sampling: collect the accessed bits (walks, and
 * every unit's TLB lines into VRAM, which are cleared) and give each
 * accessed page a fresh stamp. Return: the pages found accessed.
 */
uint64_t sgpu_vram_age(struct sgpu *gpu);

/* ---------------------------------------------------------------------- */
/* Automatic migration of hot regions (migrate_policy.c) */

/*
 * Defaults of SVMCL_MIGRATE=hot: a 2 MiB region (UVM's access-counter
 * granularity) is hot after 32 page walks within one 100 ms window,
 * i.e. four passes over it of a stream (8 walks each: one per 256 KiB
 * fill-ahead group). A region that bounces (the CPU pulled its pages back)
 * is left alone for 200 ms, doubled per bounce up to 64 times that.
 */
#define SGPU_MIGRATE_THRESHOLD_DEFAULT 32
#define SGPU_MIGRATE_THRESHOLD_MAX 65535
#define SGPU_MIGRATE_REGION_DEFAULT SGPU_HUGE_SIZE
#define SGPU_MIGRATE_REGION_MIN (64 * 1024ull)
#define SGPU_MIGRATE_WINDOW_MS 100
#define SGPU_MIGRATE_BACKOFF_MS 200
#define SGPU_MIGRATE_BACKOFF_SHIFT_MAX 6

/* Starts the policy's worker when cfg->migrate_hot; 0 or -errno. */
int sgpu_migrate_policy_init(struct sgpu *gpu);
/* Stops and joins the worker; the first thing the device's teardown does. */
void sgpu_migrate_policy_fini(struct sgpu *gpu);
/* Counts a page walk of @va (a mirroring VM's system page). */
void __sgpu_migrate_note(struct sgpu_migrate_policy *p, uint64_t va);
/*
 * vram.c: pages of [start, end) left VRAM by eviction or on request: the
 * regions the policy promoted there did not bounce. Caller holds
 * vram->lock (the order is vram->lock, then the policy's record lock).
 */
void sgpu_migrate_policy_released(struct sgpu *gpu, uint64_t start,
				  uint64_t end);
/*
 * KMD_MIGRATE_ADVISE_HOT / _CLEAR: the policy may (no longer) move pages
 * of [start, end). 0, or -ENOMEM; 0 and nothing done when it is off.
 */
int sgpu_migrate_policy_advise(struct sgpu *gpu, uint64_t start,
			       uint64_t end, bool hot);
/* Tests: wait until the worker has serviced every hot region queued. */
void sgpu_migrate_policy_drain(struct sgpu *gpu);
/* Tests: the window and back-off lengths (milliseconds), 0: unchanged. */
void sgpu_migrate_policy_set_times(struct sgpu *gpu, unsigned int window_ms,
				   unsigned int backoff_ms);

/**
 * struct sgpu - the device.
 * @vm_lock: protects @vms and @next_vm_id.
 * @dispatch_lock: serialises dispatches (one NDRange on the units at a
 *	time) and protects @launch and the inline unit.
 * @launch_seq: futex word: bumped for every dispatch and at stop; units
 *	sleep on it. @sleepers counts them so that a dispatch makes a system
 *	call only when somebody sleeps.
 * @launch_open, @refs, @joined: the handshake that lets the dispatching
 *	thread return without waiting for units that never joined (cu.c).
 * @refs is also a futex word the dispatching thread may sleep on.
 * @vram_base, @vram_size: the device memory aperture: the pool's mapping
 *	once it exists (vram.c), or a test's stand-in; VRAM-kind PTEs
 *	resolve through it. Set before the first VRAM PTE can be committed,
 *	cleared only when no VM is left.
 */
struct sgpu {
	unsigned int num_cus;	/* worker threads */
	unsigned int nr_units;	/* num_cus + the inline unit */
	struct sgpu_cu *cus;	/* [nr_units]; the last is the inline unit */
	struct sgpu_config cfg;

	pthread_mutex_t vm_lock;
	struct sgpu_vm *vms;
	uint32_t next_vm_id;

	pthread_mutex_t dispatch_lock;
	struct sgpu_dispatch *launch;
	atomic_uint launch_seq;
	atomic_uint sleepers;
	atomic_bool launch_open;
	atomic_uint refs;
	atomic_uint joined;
	atomic_uint submitter_sleeps;
	atomic_bool stopping;
	/* Shootdown waiters asking running units to yield (shootdown.c). */
	atomic_uint qs_yield;

	struct sgpu_fault_buffer faults;

	uint8_t *vram_base;
	uint64_t vram_size;
	struct sgpu_vram vram;
	/* The hot-region migration policy; NULL when it is off. */
	struct sgpu_migrate_policy *policy;

	/* Tests only: skip the quiescent-point wait, to show that the
	 * shootdown stress test detects the stale use that follows. */
	bool test_skip_quiesce;
	/* Tests only: the next migration to VRAM fails with this error after
	 * its evictions (vram.c's rollback). */
	int test_fail_migration;

	struct sgpu_stats stats;
};

/* sgpu.c: the singleton device, shared by every open handle. */
int sgpu_get(struct sgpu **out);
void sgpu_put(struct sgpu *gpu);
/* Sums of the per-unit counters. */
void sgpu_cu_counters_sum(const struct sgpu *gpu,
			  struct sgpu_cu_counters *sum);
void sgpu_stats_fill(const struct sgpu *gpu, struct kmd_gpu_stats *out);

static inline void sgpu_stat_max(atomic_uint_fast64_t *m, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(m, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(
				  m, &cur, v, memory_order_relaxed,
				  memory_order_relaxed))
		;
}

#define sgpu_stat_add(gpu, field, n)                                         \
	atomic_fetch_add_explicit(&(gpu)->stats.field, (n),                  \
				  memory_order_relaxed)

/*
 * The policy's access count, called by a page walk that filled a line for
 * a system page of @vm (vm.c): one predictable branch when the policy is
 * off. VMs that mirror nothing hold only explicit mappings: not counted.
 */
static inline void sgpu_migrate_note(struct sgpu_vm *vm, uint64_t va)
{
	struct sgpu_migrate_policy *p = vm->gpu->policy;

	if (__builtin_expect(p != NULL, 0) && vm->mm)
		__sgpu_migrate_note(p, va);
}

/* tlb.c: first level (any array of SGPU_TLB_L1_ENTRIES lines) */
void sgpu_tlb_flush_all(struct sgpu_tlb_entry *tlb);
void sgpu_tlb_flush_range(struct sgpu_tlb_entry *tlb, uint64_t start,
			  uint64_t end);
void sgpu_tlb_fill(struct sgpu_tlb_entry *tlb, uint64_t va, uint64_t host,
		   bool writable);
/* tlb.c: one unit */
int sgpu_tlb_l2_init(struct sgpu_tlb_l2 *l2, unsigned int sets,
		     unsigned int ways);
void sgpu_tlb_l2_fini(struct sgpu_tlb_l2 *l2);
void sgpu_cu_tlb_flush_all(struct sgpu_cu *cu);
void sgpu_cu_tlb_flush_l1(struct sgpu_cu *cu);
void sgpu_cu_tlb_flush_range(struct sgpu_cu *cu, uint64_t start, uint64_t end);
void sgpu_cu_tlb_fill(struct sgpu_cu *cu, uint64_t va, uint64_t host,
		      bool writable);
bool sgpu_cu_tlb_fill_group(struct sgpu_cu *cu, uint64_t va0,
			    const uint64_t *lines, unsigned int n,
			    unsigned int demand, const atomic_uint_fast64_t *gen,
			    uint64_t expect);
uint64_t sgpu_cu_tlb_l2_lookup(struct sgpu_cu *cu, uint64_t va,
			       bool need_write);
uint64_t sgpu_cu_tlb_l2_lookup_pass(struct sgpu_cu *cu, uint64_t va,
				    bool need_write);
/* The line of @va in @cu's first level, if it translates @va's page. */
bool sgpu_cu_tlb_holds(struct sgpu_cu *cu, uint64_t va);
/* Marks and clears the lines that reach [base, base + size) (vram.c). */
unsigned int sgpu_cu_tlb_sample(struct sgpu_cu *cu, uint64_t base,
				uint64_t size, atomic_uchar *accessed);

/* shootdown.c */
void sgpu_gpu_shootdown(struct sgpu *gpu, uint64_t start, uint64_t end);
/*
 * Waits until every unit running a dispatch of @vm (any VM if NULL) that
 * was in device code has passed a quiescent point. Return: true when all
 * did, false on a timeout (or when a test skips the wait): then a unit may
 * still hold what it had, and nothing it could be using may be freed.
 */
bool sgpu_quiesce_wait(struct sgpu *gpu, const struct sgpu_vm *vm);
/*
 * Takes and drops every unit's l2.lock: orders what the caller wrote
 * before against the quiescent points units pass inside that lock, as a
 * shootdown does, without clearing anything (vm.c's grace period).
 */
void sgpu_gpu_sync_units(struct sgpu *gpu);
/* Unit side: device code starts or ends (a fault wait, a group's end). */
void sgpu_qs_enter(struct sgpu_cu *cu);
void sgpu_qs_exit(struct sgpu_cu *cu);

/*
 * The quiescent point of the miss path, passed inside the unit's l2.lock
 * (caller holds it): a plain store suffices there, because a shootdown
 * clears the unit's lines under the same lock and samples the counter
 * after releasing it. Either the clear comes first, and the unit's later
 * probes (after it takes the lock) see it; or the store comes first, and
 * the waiter's sample (after it takes the lock) sees it and waits for the
 * next move. See shootdown.c.
 */
static inline void __sgpu_qs_pass_locked(struct sgpu_cu *cu)
{
	atomic_store_explicit(&cu->qs,
			      atomic_load_explicit(&cu->qs,
						   memory_order_relaxed) + 2,
			      memory_order_relaxed);
}
/* At a quiescent point: give the core to a preempted unit if asked. */
void sgpu_qs_yield_point(struct sgpu_cu *cu);

/* miss.c */
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

/* fiber.c: work-item contexts of kernels with barriers. */
int sgpu_fibers_init(struct sgpu_cu *cu);
void sgpu_fibers_fini(struct sgpu_cu *cu);
/* A device fault is about to siglongjmp() out of a work-item context. */
void sgpu_fibers_unwind(struct sgpu_cu *cu);
/* ... and has landed in the unit's dispatch loop. */
void sgpu_fibers_landed(struct sgpu_cu *cu);

/* Monotonic clock in nanoseconds. */
uint64_t sgpu_now_ns(void);

static inline void sgpu_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

#endif /* SVMCL_GPU_SGPU_H */
