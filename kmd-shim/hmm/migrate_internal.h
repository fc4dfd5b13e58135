/* SPDX-License-Identifier: MIT */
/*
 * migrate_internal.h - state shared by devmem.c (device memory pools, the
 * per-mm registry of migrated pages, CPU events, fork) and migrate.c
 * (migration both ways and the CPU fault handler). Nothing outside
 * kmd-shim/hmm includes this file.
 *
 * Lock order, outermost first:
 *
 *	reg->migrate_lock	one migration or eviction of the mm at a time
 *	devmem_list_lock	pool creation and destruction, fork
 *	reg->fault_lock		the windows list
 *	reg->lock		the table, the pool list, the rmaps
 *	mem->lock		one pool's allocator
 *
 * The monitor thread (fault handler, event ops, notifier callbacks when it
 * raises them) takes only fault_lock, reg->lock and mem->lock, which are
 * never held while waiting for the monitor, for a CPU thread, or inside an
 * allocation (malloc can wait for a thread blocked in munmap). Only
 * fork() holds fault_lock for longer (see devmem_atfork_prepare()).
 *
 * The table's *structure* (which entries exist, where) changes only with
 * fault_lock or migrate_lock held as well as reg->lock; lookups and
 * flag updates need reg->lock alone.
 */
#ifndef SVMCL_HMM_MIGRATE_INTERNAL_H
#define SVMCL_HMM_MIGRATE_INTERNAL_H

#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmm/hmm.h"
#include "hmm/migrate.h"
#include "mm/mm.h"

#if !defined(SVMCL_DEBUG_CHECKS)
#define SVMCL_DEBUG_CHECKS 0
#endif

#define DEVMEM_PAGE_SHIFT HMM_PAGE_SHIFT
#define DEVMEM_PAGE_SIZE HMM_PAGE_SIZE
#define DEVMEM_PAGE_MASK (~(DEVMEM_PAGE_SIZE - 1))

/* Highest user address + 1 on any 5-level paging configuration. */
#define DEVMEM_USER_VA_END (1ul << 57)

/* Pages per pool at most: page indices are 32-bit. */
#define DEVMEM_MAX_POOL_PAGES (1ul << 31)

/*
 * A migration works in windows of at most this many pages, aligned like a
 * PMD so that a THP is copied and zapped in one go. A CPU access to a page
 * of the window waits for at most one window's copy.
 */
#define DEVMEM_WINDOW_PAGES 512

/*
 * How long a thread other than the monitor retries an ioctl that keeps
 * failing with -EAGAIN (an event queued that the monitor has not read).
 */
#define DEVMEM_EAGAIN_BUDGET_MS 10000

/*
 * States of a registry entry, i.e. of one CPU page that has (or is getting)
 * a device page. Only DEVMEM_DEVICE is visible to hmm_devmem_lookup().
 * An entry in a transitional state is *owned* by the thread that put it
 * there, and only that thread moves it on; others may only set
 * DEVMEM_F_DISCARDED on it.
 */
enum devmem_state {
	DEVMEM_MIGRATING = 1,	/* a migration window is copying it */
	DEVMEM_DEVICE,		/* the data lives in device memory */
	DEVMEM_EVICTING,	/* being copied back to system memory */
	DEVMEM_ZOMBIE,		/* CPU mapping gone; freed at the event end */
};

#define DEVMEM_F_WRITABLE (1u << 0)	/* device may write (VMA was writable) */
#define DEVMEM_F_SELF_ZAP (1u << 1)	/* our own zap's REMOVE is still due */
#define DEVMEM_F_DISCARDED (1u << 2)	/* CPU mapping went away in transit */
#define DEVMEM_F_RESTORE (1u << 3)	/* fork child: write back (devmem.c) */

/*
 * struct devmem_entry - one slot of the registry's hash table.
 * @vpn: the CPU virtual page number (address >> 12); 0 marks a free slot
 *	(page 0 is never migrated).
 */
struct devmem_entry {
	unsigned long vpn;
	struct hmm_devmem *mem;
	uint32_t page;		/* index of the device page in @mem */
	uint8_t state;		/* enum devmem_state */
	uint8_t flags;		/* DEVMEM_F_* */
};

/*
 * struct devmem_window - a migration window in flight: CPU faults on it wait
 * until the window is done (the migrating thread wakes them). Lives on the
 * migrating thread's stack, linked on reg->windows under reg->fault_lock.
 */
struct devmem_window {
	unsigned long start;
	unsigned long end;
	int tid;		/* the migrating thread */
	struct devmem_window *next;
};

/*
 * struct devmem_registry - the migrated pages of one mm: va page -> device
 * page. One per mm that has pools; never freed, recycled for the next mm
 * (lookups walk the registry list without a lock).
 */
struct devmem_registry {
	/* Global registry list; written once under devmem_list_lock. */
	struct devmem_registry *_Atomic next;
	/* The mm served, NULL while unused; changed under devmem_list_lock. */
	struct mm_struct *_Atomic mm;

	/* RELEASE, PROTECTION and fork invalidations of the whole mm. */
	struct mmu_interval_notifier notifier;

	/* Serialises migrations and evictions of this mm (sleepable). */
	pthread_mutex_t migrate_lock;

	/*
	 * fault_lock protects @windows. The fault handler holds it while it
	 * decides and resolves a fault, a window holds it while it starts and
	 * ends; so a fault either completes before a window covers its page
	 * or waits for the window's end. The event ops hold it too, so that
	 * holding it and migrate_lock freezes the table (fork).
	 */
	pthread_mutex_t fault_lock;
	struct devmem_window *windows;

	/*
	 * lock protects the hash table, @count, @pools, every pool's rmap,
	 * @released and @capacity_pages.
	 */
	pthread_mutex_t lock;
	struct devmem_entry *slots;	/* mmap'd, @cap slots, power of 2 */
	size_t cap;
	size_t slots_bytes;
	size_t count;			/* entries, any state */
	size_t capacity_pages;		/* device pages of all pools */
	struct hmm_devmem *pools;
	bool released;			/* the mm went away (RELEASE) */
	/* A fork child's copy of a parent's registry: never reused. */
	bool orphan;
	/* Entries in DEVMEM_DEVICE: lookups skip the lock while it is 0. */
	atomic_size_t nr_device;
#if SVMCL_DEBUG_CHECKS
	unsigned long mutations;	/* full checks are sampled */
#endif
};

/*
 * struct hmm_devmem - a pool of device pages ("VRAM").
 *
 * The pool mmaps its own page-aligned memory; a device reaches a device
 * page through its host address (hmm_devmem_page.dev_addr).
 */
struct hmm_devmem {
	struct devmem_registry *reg;	/* fixed for the pool's life */
	struct mm_struct *mm;
	void *owner;
	char *base;
	size_t npages;
	/* CPU vpn served by each device page, 0 when free: reg->lock. */
	unsigned long *rmap;
	size_t meta_bytes;		/* rmap + free stack mapping */
	struct hmm_devmem *next;	/* on reg->pools: reg->lock */
	/* A fork child's copy, or destroyed: nothing may use it. */
	bool dead;

	/* lock protects the free stack and @nfree. */
	pthread_mutex_t lock;
	uint32_t *free_stack;
	size_t nfree;
};

/* devmem.c */
struct devmem_entry *__devmem_find(struct devmem_registry *reg,
				   unsigned long vpn);
/* Add a copy of @val, whose vpn must be absent; never fails (see devmem.c). */
struct devmem_entry *__devmem_insert(struct devmem_registry *reg,
				     const struct devmem_entry *val);
void __devmem_remove(struct devmem_registry *reg, struct devmem_entry *e);
/* Free @e's device page and remove @e; reg->lock held. */
void __devmem_drop(struct devmem_registry *reg, struct devmem_entry *e);
/* A device page of @mem, or -1 when the pool is exhausted. */
long __devmem_page_alloc(struct hmm_devmem *mem);
void __devmem_set_state(struct devmem_registry *reg, struct devmem_entry *e,
			enum devmem_state state);
void __devmem_check(struct devmem_registry *reg, const char *where);
/* A broken invariant: abort in debug builds, report once otherwise. */
void devmem_bug(const char *where, const char *what);
/* Sampled full check after a mutation; reg->lock held. */
void __devmem_mutated(struct devmem_registry *reg, const char *where);

static inline void *devmem_page_addr(const struct hmm_devmem *mem,
				     uint32_t page)
{
	return mem->base + ((size_t)page << DEVMEM_PAGE_SHIFT);
}

/* Write a page into the process through /proc/self/mem (no userfaultfd). */
int devmem_poke(unsigned long va, const void *src);

void devmem_event_start(struct mm_struct *mm,
			const struct mm_userfault_event *ev, void *data);
void devmem_event_end(struct mm_struct *mm,
		      const struct mm_userfault_event *ev, void *data);

/* migrate.c */
extern const struct mm_userfault_ops devmem_userfault_ops;
/*
 * Evict every page of @mem (DEVMEM_DEVICE ones; others are owned by
 * somebody else). @invalidate: tell devices first (not needed at RELEASE,
 * where every device already dropped the whole mm).
 */
int devmem_evict(struct hmm_devmem *mem, bool invalidate, uint64_t *moved);

#endif /* SVMCL_HMM_MIGRATE_INTERNAL_H */
