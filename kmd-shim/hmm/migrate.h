/* SPDX-License-Identifier: MIT */
/*
 * migrate.h - device memory and migrate_vma-style migration.
 *
 * DOC: Overview
 *
 * A device owns a &struct hmm_devmem: a pool of device pages (its "VRAM"),
 * identified by an owner pointer the way Linux identifies a dev_pagemap by
 * its pgmap_owner. Migration moves the pages of anonymous private memory
 * into the pool and back, with Linux's migrate_vma semantics:
 *
 *  - a migrated page is no longer mapped by the CPU; a CPU access to it
 *    faults (userfaultfd MISSING, or WP while a migration is in flight) and
 *    brings the page back (UFFDIO_COPY), exactly like migrate_to_ram();
 *  - devices are told with an MMU_NOTIFY_MIGRATE invalidation whose owner
 *    is the pool's owner, so that the migrating device can skip its own;
 *  - hmm_range_fault() reports a page in the pool of the caller's
 *    dev_private_owner as VALID (| WRITE) | HMM_PFN_DEVICE_PRIVATE with the
 *    device page's frame, and faults pages of other owners back to system
 *    memory when the request asks for a fault (0 in a snapshot);
 *  - shared mappings (MAP_SHARED, file-backed shared) are refused with
 *    -ENOENT, as Linux's test device reports; a range that is not fully
 *    mapped and readable is -EINVAL.
 *
 * No data is lost or duplicated under concurrent CPU access.
 *
 * Errors are negative errno values.
 */
#ifndef SVMCL_HMM_MIGRATE_H
#define SVMCL_HMM_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/mm.h"

struct hmm_devmem;

/*
 * hmm_devmem_create() - a pool of @size bytes of device memory for the
 * device identified by @owner, in the address space @mm.
 * Return: the pool, or NULL with errno set.
 */
struct hmm_devmem *hmm_devmem_create(struct mm_struct *mm, void *owner,
				     size_t size);
/* Migrates every page back to system memory, then frees the pool. */
void hmm_devmem_destroy(struct hmm_devmem *mem);
/* Migrates every page of the pool back to system memory (dmirror RELEASE). */
int hmm_devmem_evict_all(struct hmm_devmem *mem);
/* Pages in use / total, for statistics and tests. */
void hmm_devmem_usage(struct hmm_devmem *mem, size_t *used, size_t *total);
/*
 * The host address range of the pool's device pages: what a device maps
 * as its VRAM aperture. Fixed for the life of the pool.
 */
void hmm_devmem_aperture(struct hmm_devmem *mem, uintptr_t *base,
			 size_t *size);

/*
 * hmm_migrate_to_device() - migrate [start, end) into @mem.
 * @cpages: out, pages now in @mem (pages already there count too).
 */
int hmm_migrate_to_device(struct hmm_devmem *mem, unsigned long start,
			  unsigned long end, uint64_t *cpages);
/*
 * hmm_migrate_check() - the checks hmm_migrate_to_device() makes before it
 * moves anything (pool and range, a VMA under every page, readable, not
 * hugetlb/special, not shared), without migrating: a driver that must make
 * room first (evict) can learn that the migration would be refused before
 * it changes anything. Return: 0, or the error hmm_migrate_to_device()
 * would return for these reasons (-EINVAL, -ENOENT, -ESRCH, -EDEADLK).
 */
int hmm_migrate_check(struct hmm_devmem *mem, unsigned long start,
		      unsigned long end);
/*
 * hmm_migrate_to_system() - bring the pages of [start, end) that are in
 * @mem back to system memory.
 * @cpages: out, pages migrated back.
 */
int hmm_migrate_to_system(struct hmm_devmem *mem, unsigned long start,
			  unsigned long end, uint64_t *cpages);

struct hmm_devmem_page {
	struct hmm_devmem *mem;
	void *owner;
	uintptr_t dev_addr;	/* host address of the device page */
	bool writable;
};

/*
 * hmm_devmem_lookup() - is the CPU page at @va migrated to some device?
 * For hmm_range_fault() and snapshots; lockless readers see either the
 * state before or after a concurrent migration, and a concurrent change is
 * caught by the notifier sequence (MMU_NOTIFY_MIGRATE).
 */
bool hmm_devmem_lookup(struct mm_struct *mm, unsigned long va,
		       struct hmm_devmem_page *out);
/*
 * hmm_devmem_any() - has any page of @mm been migrated to a device? When
 * not, hmm_devmem_lookup() is false for every address, and a snapshot can
 * skip it for a whole range: a migration that starts meanwhile
 * invalidates the range first (MMU_NOTIFY_MIGRATE), so the notifier
 * sequence catches it, as for a lookup.
 */
bool hmm_devmem_any(struct mm_struct *mm);

#endif /* SVMCL_HMM_MIGRATE_H */
