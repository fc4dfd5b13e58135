/* SPDX-License-Identifier: MIT */
/*
 * dmirror.h - the dmirror test device, private to the kmd-shim.
 *
 * kmd.c reaches the device through dmirror_open(), dmirror_ioctl() and
 * dmirror_close(); everything below the first block is shared by the
 * files of kmd-shim/dmirror/ only:
 *
 *	dmirror.c		devices, mirrors, the interval notifier, device
 *				faults, READ and WRITE, ioctl dispatch
 *	dmirror_pt.c		the device page table (a hash map)
 *	dmirror_migrate.c	MIGRATE_TO_DEV, MIGRATE_TO_SYS, RELEASE and the
 *				per-device memory pool
 *	dmirror_snapshot.c	SNAPSHOT
 *	uaccess.c		copies to and from application pointers
 */
#ifndef SVMCL_DMIRROR_H
#define SVMCL_DMIRROR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hmm/hmm.h"
#include "mm/mm.h"
#include "svmcl/kmd.h"

/* "dmirror0" and "dmirror1": two devices with distinct device memory. */
#define DMIRROR_NDEVICES 2

struct dmirror;

/* Return: 0 with *@out set, -EINVAL for an unknown @id, -errno. */
int dmirror_open(unsigned int id, struct dmirror **out);
void dmirror_close(struct dmirror *dm);
/*
 * dmirror_ioctl() - run @request on @cmd, a kmd-shim copy of the caller's
 * argument. @request is one of the HMM_DMIRROR_* values (kmd.c checks).
 * Return: 0 (the caller copies @cmd back) or a negative errno (it does
 * not, as Linux's test driver).
 */
int dmirror_ioctl(struct dmirror *dm, unsigned long request,
		  struct hmm_dmirror_cmd *cmd);
/* Is @request one of the eight HMM_DMIRROR_* requests? */
bool dmirror_request_valid(unsigned long request);

/* ---------------------------------------------------------------------- */
/* Internal to kmd-shim/dmirror/ */

#define DMIRROR_PAGE_SHIFT HMM_PAGE_SHIFT
#define DMIRROR_PAGE_SIZE HMM_PAGE_SIZE

/* Pages per hmm_range_fault() call, as Linux's dmirror (pfns[64]). */
#define DMIRROR_FAULT_PAGES 64

/*
 * A device PTE is the host address through which the device reaches the
 * page (hmm_pfn_to_host()) with permission and type bits in the low bits,
 * which a page-aligned address leaves free. Linux's dmirror stores a
 * struct page pointer with a 2-bit xarray tag the same way.
 */
#define DMIRROR_PTE_READ (1ull << 0)
#define DMIRROR_PTE_WRITE (1ull << 1)
/* The page is in this device's memory (a device-private page). */
#define DMIRROR_PTE_DEVICE (1ull << 2)
#define DMIRROR_PTE_ADDR_MASK (~(uint64_t)(DMIRROR_PAGE_SIZE - 1))

/*
 * struct dmirror_pt - the device page table: an open-addressing hash map
 * from virtual page number to PTE, linear probing, deletion by backward
 * shift (no tombstones, so a table never degrades). The load is kept at
 * most 1/2.
 *
 * Not thread safe: the owner's lock protects it. dmirror_pt_store() never
 * allocates; room is made beforehand with dmirror_pt_grow() outside the
 * lock (see dmirror.c, DOC: Locking, for why), and erasing never
 * allocates or frees, so invalidations can run on the userfaultfd monitor.
 */
struct dmirror_pt_slot {
	uint64_t vpn;		/* DMIRROR_PT_EMPTY when free */
	uint64_t pte;
};

struct dmirror_pt {
	struct dmirror_pt_slot *slots;	/* NULL while cap == 0 */
	size_t cap;			/* power of two, or 0 */
	size_t used;
};

#define DMIRROR_PT_EMPTY (~0ull)

void dmirror_pt_init(struct dmirror_pt *pt);
void dmirror_pt_fini(struct dmirror_pt *pt);
/* Room for @extra more entries without exceeding the load limit? */
bool dmirror_pt_has_room(const struct dmirror_pt *pt, size_t extra);
/*
 * dmirror_pt_grow() - move @pt into @slots (capacity @cap, a power of two
 * large enough for every entry) and return the old array for the caller to
 * free once it has dropped its lock.
 */
struct dmirror_pt_slot *dmirror_pt_grow(struct dmirror_pt *pt,
					struct dmirror_pt_slot *slots,
					size_t cap);
/* Capacity that fits the entries plus @extra at the load limit. */
size_t dmirror_pt_wanted_cap(const struct dmirror_pt *pt, size_t extra);
/* Return: the PTE of @vpn, or 0. */
uint64_t dmirror_pt_lookup(const struct dmirror_pt *pt, uint64_t vpn);
/* Return: 0, or -ENOSPC when the caller did not make room first. */
int dmirror_pt_store(struct dmirror_pt *pt, uint64_t vpn, uint64_t pte);
void dmirror_pt_erase(struct dmirror_pt *pt, uint64_t vpn);
/*
 * dmirror_pt_erase_range() - erase the entries of pages [first, last);
 * with @mask non-zero, only those whose PTE has a bit of @mask set.
 * Return: the number of entries erased.
 */
size_t dmirror_pt_erase_range(struct dmirror_pt *pt, uint64_t first,
			      uint64_t last, uint64_t mask);
/* Debug builds: 0 when every invariant holds, else -EUCLEAN. */
int dmirror_pt_check(const struct dmirror_pt *pt);

/**
 * struct dmirror_device - one of the two devices.
 * @id: 0 or 1.
 * @lock: protects @devmem and @nr_open. Taken with no other dmirror lock
 *	held, and never held across a migration.
 * @devmem: the device memory, created at the first migration in the
 *	current address space and destroyed (its pages migrated back to
 *	system memory) when the last mirror of the device closes.
 * @nr_open: mirrors of this device currently open.
 *
 * The device itself is the owner of its memory (Linux: pgmap_owner), so
 * hmm_range_fault() reports this device's pages to its mirrors and the
 * mirrors skip the MMU_NOTIFY_MIGRATE invalidations of its migrations.
 */
struct dmirror_device {
	unsigned int id;
	pthread_mutex_t lock;
	struct hmm_devmem *devmem;
	unsigned long nr_open;
};

/**
 * struct dmirror - one open handle: a mirror of the opener's address space.
 * @mdevice: the device.
 * @mm: the mirrored address space (a svm_mm_get() reference).
 * @notifier: interval notifier over the whole user address space.
 * @lock: the driver's "update" lock (Linux: dmirror->mutex): protects @pt;
 *	the invalidate callback takes it around mmu_interval_set_seq() and
 *	the erase, faults take it around mmu_interval_read_retry() and the
 *	commit, READ and WRITE hold it while they copy through the PTEs.
 * @pt: the device page table.
 * @inherited: set in a fork child for the mirrors of the parent (written
 *	only by the single-threaded child handler).
 * @next: the list of open mirrors (dmirror.c, under dmirror_list_lock).
 */
struct dmirror {
	struct dmirror_device *mdevice;
	struct mm_struct *mm;
	struct mmu_interval_notifier notifier;
	pthread_mutex_t lock;
	struct dmirror_pt pt;
	bool inherited;
	struct dmirror *next;
};

/* dmirror.c */
uint64_t dmirror_now_ms(void);
int dmirror_pt_reserve(struct dmirror *dm, size_t extra);
/*
 * dmirror_map_range() - fill the device page table for [start, end) through
 * hmm_range_fault(), in windows of DMIRROR_FAULT_PAGES, with the driver
 * loop. With @fault, every page is faulted in, readable or (@write)
 * writable (Linux's dmirror_fault()); without, the range is only
 * snapshotted and the pages in this device's memory are mapped (what a
 * migration to the device maps).
 */
int dmirror_map_range(struct dmirror *dm, unsigned long start,
		      unsigned long end, bool fault, bool write);
/*
 * dmirror_read_pages() - copy the device-visible contents of [start, end)
 * into @buf through the device page table, stopping at the first page the
 * device does not map.
 * Return: 0 or -ENOENT; *@done = pages copied.
 */
int dmirror_read_pages(struct dmirror *dm, unsigned long start,
		       unsigned long end, void *buf, uint64_t *done);

/* Bounce buffer of @npages pages, or NULL (-ENOMEM). */
void *dmirror_bounce_alloc(uint64_t npages);

/* dmirror_migrate.c */
int dmirror_migrate_to_device(struct dmirror *dm,
			      struct hmm_dmirror_cmd *cmd);
int dmirror_migrate_to_system(struct dmirror *dm,
			      struct hmm_dmirror_cmd *cmd);
int dmirror_release_devmem(struct dmirror *dm);
void dmirror_devmem_put(struct dmirror_device *mdevice);

/* dmirror_snapshot.c */
int dmirror_snapshot(struct dmirror *dm, struct hmm_dmirror_cmd *cmd);

#endif /* SVMCL_DMIRROR_H */
