/* SPDX-License-Identifier: MIT */
/*
 * dmirror_migrate.c - device memory of the dmirror devices and the
 * MIGRATE_TO_DEV, MIGRATE_TO_SYS and RELEASE requests.
 *
 * DOC: Overview
 *
 * Each device owns one &struct hmm_devmem (kmd-shim/hmm/migrate.h) whose
 * owner is the &struct dmirror_device, so pages in it are device-private
 * pages *of this device*: hmm_range_fault() reports them to the device's
 * mirrors (dev_private_owner) and faults them back for anyone else.
 *
 * MIGRATE_TO_DEV is Linux's dmirror_migrate_to_device(): the pages of the
 * range move into the device's memory (hmm_migrate_to_device(), which
 * refuses shared mappings with -ENOENT and a range that is not fully
 * mapped and readable with -EINVAL), the device maps the pages it now
 * holds (Linux: dmirror_migrate_finalize_and_map(); here a snapshot of the
 * range through the mirror's notifier, mapping what is in this device's
 * memory), and the range is read back through the device page table for
 * verification: cpages == npages, or -ENOENT when some page is not in
 * this device's memory (another device holds it, the CPU took it back, or
 * it could not be migrated).
 *
 * MIGRATE_TO_SYS brings this device's pages of the range back to system
 * memory and erases their PTEs (Linux does it in the copy step);
 * cpages counts the pages moved. RELEASE evicts all of the device's memory
 * to system memory (Linux: dmirror_device_remove_chunks()).
 *
 * The pool is created at the first migration (Linux allocates its first
 * chunk at module load; creating it lazily keeps devices that never
 * migrate free of it) and destroyed, its pages migrated back, when the
 * last mirror of the device closes.
 *
 * DOC: Locking
 *
 * dmirror_device.lock protects the pool pointer and the open count; the
 * migration itself runs without any dmirror lock, because it invalidates
 * the other mirrors, whose callbacks take their own locks (dmirror.c).
 * The pool cannot go away during a request: only the close of the last
 * mirror destroys it, and a mirror is not closed while in use (kmd.c).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "dmirror/dmirror.h"
#include "dmirror/uaccess.h"
#include "hmm/migrate.h"

/* Linux's DEVMEM_CHUNK_SIZE: one chunk of 256 MiB per device. */
#define DMIRROR_DEVMEM_SIZE (256ul << 20)

/* Highest user address + 1 on any 5-level paging configuration. */
#define DMIRROR_USER_VA_END (1ull << 57)

static int dmirror_devmem_get(struct dmirror *dm, struct hmm_devmem **out)
{
	struct dmirror_device *mdevice = dm->mdevice;
	int ret = 0;

	pthread_mutex_lock(&mdevice->lock);
	if (!mdevice->devmem) {
		errno = 0;
		mdevice->devmem = hmm_devmem_create(dm->mm, mdevice,
						    DMIRROR_DEVMEM_SIZE);
		if (!mdevice->devmem)
			ret = errno ? -errno : -ENOMEM;
	}
	*out = mdevice->devmem;
	pthread_mutex_unlock(&mdevice->lock);
	return ret;
}

void dmirror_devmem_put(struct dmirror_device *mdevice)
{
	struct hmm_devmem *mem = NULL;

	pthread_mutex_lock(&mdevice->lock);
	if (mdevice->nr_open && --mdevice->nr_open == 0) {
		mem = mdevice->devmem;
		mdevice->devmem = NULL;
	}
	pthread_mutex_unlock(&mdevice->lock);
	if (mem)
		hmm_devmem_destroy(mem);
}

static int dmirror_range_of(const struct hmm_dmirror_cmd *cmd,
			    unsigned long *start, unsigned long *end)
{
	*start = cmd->addr;
	*end = cmd->addr + (cmd->npages << DMIRROR_PAGE_SHIFT);
	/* No VMA can be there: Linux's vma_lookup() fails, -EINVAL. */
	return *end > DMIRROR_USER_VA_END ? -EINVAL : 0;
}

int dmirror_migrate_to_device(struct dmirror *dm,
			      struct hmm_dmirror_cmd *cmd)
{
	unsigned long start, end;
	struct hmm_devmem *mem;
	uint64_t moved = 0, done = 0;
	char *bounce;
	int ret;

	ret = dmirror_range_of(cmd, &start, &end);
	if (ret)
		return ret;
	ret = dmirror_devmem_get(dm, &mem);
	if (ret)
		return ret;
	ret = hmm_migrate_to_device(mem, start, end, &moved);
	if (ret)
		return ret;
	/* Finalize and map: the device maps what its memory now holds. */
	ret = dmirror_map_range(dm, start, end, false, false);
	if (ret)
		return ret;

	/* Return the migrated data for verification, as Linux does. */
	bounce = dmirror_bounce_alloc(cmd->npages);
	if (!bounce)
		return -ENOMEM;
	ret = dmirror_read_pages(dm, start, end, bounce, &done);
	if (!ret)
		ret = kmd_copy_to_user(cmd->ptr, bounce,
				       cmd->npages << DMIRROR_PAGE_SHIFT);
	cmd->cpages = done;
	free(bounce);
	return ret;
}

int dmirror_migrate_to_system(struct dmirror *dm,
			      struct hmm_dmirror_cmd *cmd)
{
	unsigned long start, end;
	struct hmm_devmem *mem;
	uint64_t moved = 0;
	int ret;

	ret = dmirror_range_of(cmd, &start, &end);
	if (ret)
		return ret;
	ret = dmirror_devmem_get(dm, &mem);
	if (ret)
		return ret;
	ret = hmm_migrate_to_system(mem, start, end, &moved);

	/* The device pages are gone (or going): drop their PTEs. */
	pthread_mutex_lock(&dm->lock);
	dmirror_pt_erase_range(&dm->pt, start >> DMIRROR_PAGE_SHIFT,
			       end >> DMIRROR_PAGE_SHIFT, DMIRROR_PTE_DEVICE);
	pthread_mutex_unlock(&dm->lock);
	if (ret)
		return ret;
	cmd->cpages = moved;
	return 0;
}

int dmirror_release_devmem(struct dmirror *dm)
{
	struct dmirror_device *mdevice = dm->mdevice;
	struct hmm_devmem *mem;
	int ret = 0;

	pthread_mutex_lock(&mdevice->lock);
	mem = mdevice->devmem;
	pthread_mutex_unlock(&mdevice->lock);
	if (mem)
		ret = hmm_devmem_evict_all(mem);

	/*
	 * Our device PTEs all point into the evicted memory; other mirrors of
	 * the device notice theirs at use (dmirror.c).
	 */
	pthread_mutex_lock(&dm->lock);
	dmirror_pt_erase_range(&dm->pt, 0, DMIRROR_PT_EMPTY,
			       DMIRROR_PTE_DEVICE);
	pthread_mutex_unlock(&dm->lock);
	return ret;
}
