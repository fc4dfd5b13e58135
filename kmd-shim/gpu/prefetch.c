/* SPDX-License-Identifier: MIT */
/*
 * prefetch.c - which pages to make resident beyond the ones that faulted.
 *
 * DOC: Overview
 *
 * A fault window (64 KiB) always snapshots its pages and maps those the
 * CPU already maps. A prefetch goes further: it faults in pages that no
 * fault asked for, so that a streaming kernel takes fewer faults. The
 * policy is chosen with SVMCL_PREFETCH (config.c):
 *
 *  none          nothing beyond the window's snapshot.
 *  window:SIZE   the SIZE-aligned region around the first fault of the
 *                window (4 KiB .. 2 MiB): a fixed sequential prefetch.
 *  density[:PCT] NVIDIA UVM's tree prefetcher (uvm_perf_prefetch.c),
 *                the default: over the 2 MiB block of the fault, count
 *                the pages that are resident (valid in the device page
 *                table) or faulted (in this batch); going up the binary
 *                tree of aligned subregions that contain the faulting
 *                page (2, 4, ... 512 pages), the largest one with
 *                count * 100 > size * PCT is prefetched.
 *
 * The density policy adapts: a random access pattern never fills half a
 * subregion and prefetches nothing, while a stream that faulted on pages
 * 0..k of a block prefetches the next power-of-two region, so a 2 MiB
 * block is made resident in about log2(512) faults rather than 512 / 16.
 *
 * The threshold. UVM uses 51%: a GPU batch brings many faults per block,
 * which count as "faulted". Here a unit posts one demand fault at a time,
 * so a stream arrives at region 2^k with half of it resident plus one
 * faulted page, and (2^(k-1) + 1) / 2^k exceeds 51% only up to 64 pages:
 * at 51 a stream needs 2, 3 and 6 faults instead of one to reach the
 * 128-, 256- and 512-page regions. The default is therefore 50 ("more
 * than half", which the one faulted page always tips), and density:51
 * gives UVM's rule.
 *
 * DOC: Locking
 *
 * Reads the VM's page table under its update lock held for reading.
 * Called by the fault servicer (fault_service.c).
 */
#include "config.h"

#include <string.h>

#include "gpu/sgpu.h"

/* Pages set in bits[first, first + n), n a power of two. */
static unsigned int bits_count(const uint64_t *bits, unsigned int first,
			       unsigned int n)
{
	unsigned int count = 0;

	if (n < 64) {
		uint64_t mask = ((1ull << n) - 1) << (first % 64);

		return (unsigned int)__builtin_popcountll(bits[first / 64] & mask);
	}
	for (unsigned int w = first / 64; w < (first + n) / 64; w++)
		count += (unsigned int)__builtin_popcountll(bits[w]);
	return count;
}

/* Index of the first record at or above @addr. */
static size_t records_lower_bound(const struct hmm_fault_record *recs,
				  size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (recs[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool bit_set(const uint64_t *bits, unsigned int i)
{
	return bits[i / 64] & (1ull << (i % 64));
}

static void density_region(struct sgpu *gpu, struct sgpu_vm *vm,
			   uint64_t fault, const struct hmm_fault_record *recs,
			   size_t nrecs, struct sgpu_prefetch *out)
{
	uint64_t block = fault & ~(SGPU_HUGE_SIZE - 1);
	uint64_t resident[SGPU_BLOCK_PAGES / 64], bits[SGPU_BLOCK_PAGES / 64];
	unsigned int f = (unsigned int)((fault - block) >> SGPU_PAGE_SHIFT);
	unsigned int pct = gpu->cfg.density_pct, best = 0, first, last;

	pthread_rwlock_rdlock(&vm->lock);
	sgpu_pt_block_bitmap(&vm->pt, block, resident);
	pthread_rwlock_unlock(&vm->lock);

	memcpy(bits, resident, sizeof(bits));
	for (size_t k = records_lower_bound(recs, nrecs, block);
	     k < nrecs && recs[k].addr < block + SGPU_HUGE_SIZE; k++) {
		unsigned int p = (unsigned int)((recs[k].addr - block) >>
						SGPU_PAGE_SHIFT);

		bits[p / 64] |= 1ull << (p % 64);
	}

	for (unsigned int size = 2; size <= SGPU_BLOCK_PAGES; size <<= 1) {
		first = f & ~(size - 1);
		if (bits_count(bits, first, size) * 100u > size * pct)
			best = size;
	}
	if (!best)
		return;
	/*
	 * What is resident at either end of the region needs no second look:
	 * a stream's region is half resident (its lower half), and would
	 * otherwise be snapshotted and committed again at every doubling.
	 */
	first = f & ~(best - 1);
	last = first + best - 1;
	while (first < last && bit_set(resident, first))
		first++;
	while (last > first && bit_set(resident, last))
		last--;
	out->start = block + ((uint64_t)first << SGPU_PAGE_SHIFT);
	out->end = block + ((uint64_t)(last + 1) << SGPU_PAGE_SHIFT);
}

void sgpu_prefetch_region(struct sgpu *gpu, struct sgpu_vm *vm,
			  uint64_t fault, const struct hmm_fault_record *recs,
			  size_t nrecs, struct sgpu_prefetch *out)
{
	uint64_t size;

	out->start = out->end = 0;
	switch (gpu->cfg.prefetch) {
	case SGPU_PREFETCH_NONE:
		return;
	case SGPU_PREFETCH_WINDOW:
		size = gpu->cfg.prefetch_window;
		out->start = fault & ~(size - 1);
		out->end = out->start + size;
		break;
	case SGPU_PREFETCH_DENSITY:
		density_region(gpu, vm, fault, recs, nrecs, out);
		break;
	}
	if (out->start < SGPU_MIRROR_START)
		out->start = SGPU_MIRROR_START;
	if (out->end > SGPU_MIRROR_END)
		out->end = SGPU_MIRROR_END;
	if (out->end <= out->start)
		out->start = out->end = 0;
}
