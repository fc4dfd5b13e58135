/* SPDX-License-Identifier: MIT */
/*
 * dmirror_pt.c - the dmirror device page table.
 *
 * DOC: Overview
 *
 * Linux's test device keeps its page table in an xarray indexed by
 * virtual page number. Here it is an open-addressing hash map with the
 * same keys: linear probing from a multiplicative (Fibonacci) hash, the
 * load kept at or below 1/2, and deletion by backward shift so that no
 * tombstones accumulate under the erase-heavy traffic of invalidations.
 *
 * Erasing a range looks the pages up one by one when the range is smaller
 * than the table and scans the table otherwise, so an invalidation of the
 * whole address space (RELEASE) costs one pass over the table, not one
 * probe per page of 2^52.
 *
 * DOC: Locking
 *
 * None inside: the mirror's lock protects the table (dmirror.h). Nothing
 * here allocates except through the caller: dmirror_pt_grow() receives
 * the new array and hands back the old one.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dmirror/dmirror.h"

#if !defined(SVMCL_DEBUG_CHECKS)
#define SVMCL_DEBUG_CHECKS 0
#endif

static size_t pt_home(const struct dmirror_pt *pt, uint64_t vpn)
{
	/* Consecutive pages land far apart: the high bits of vpn * phi. */
	return (size_t)((vpn * 0x9e3779b97f4a7c15ull) >>
			(64 - __builtin_ctzl(pt->cap)));
}

static size_t pt_next(const struct dmirror_pt *pt, size_t i)
{
	return (i + 1) & (pt->cap - 1);
}

void dmirror_pt_init(struct dmirror_pt *pt)
{
	pt->slots = NULL;
	pt->cap = 0;
	pt->used = 0;
}

void dmirror_pt_fini(struct dmirror_pt *pt)
{
	free(pt->slots);
	dmirror_pt_init(pt);
}

bool dmirror_pt_has_room(const struct dmirror_pt *pt, size_t extra)
{
	return (pt->used + extra) * 2 <= pt->cap;
}

size_t dmirror_pt_wanted_cap(const struct dmirror_pt *pt, size_t extra)
{
	size_t cap = pt->cap ? pt->cap : 64;

	while ((pt->used + extra) * 2 > cap)
		cap *= 2;
	return cap;
}

/* Slot of @vpn, or the empty slot where it would go. */
static size_t pt_find(const struct dmirror_pt *pt, uint64_t vpn)
{
	size_t i = pt_home(pt, vpn);

	while (pt->slots[i].vpn != vpn && pt->slots[i].vpn != DMIRROR_PT_EMPTY)
		i = pt_next(pt, i);
	return i;
}

struct dmirror_pt_slot *dmirror_pt_grow(struct dmirror_pt *pt,
					struct dmirror_pt_slot *slots,
					size_t cap)
{
	struct dmirror_pt_slot *old = pt->slots;
	size_t old_cap = pt->cap, i;

	for (i = 0; i < cap; i++)
		slots[i].vpn = DMIRROR_PT_EMPTY;
	pt->slots = slots;
	pt->cap = cap;
	for (i = 0; i < old_cap; i++) {
		if (old[i].vpn == DMIRROR_PT_EMPTY)
			continue;
		pt->slots[pt_find(pt, old[i].vpn)] = old[i];
	}
	return old;
}

uint64_t dmirror_pt_lookup(const struct dmirror_pt *pt, uint64_t vpn)
{
	size_t i;

	if (!pt->used)
		return 0;
	i = pt_find(pt, vpn);
	return pt->slots[i].vpn == vpn ? pt->slots[i].pte : 0;
}

int dmirror_pt_store(struct dmirror_pt *pt, uint64_t vpn, uint64_t pte)
{
	size_t i;

	if (vpn == DMIRROR_PT_EMPTY)
		return -EINVAL;
	if (!pt->cap)
		return -ENOSPC;
	i = pt_find(pt, vpn);
	if (pt->slots[i].vpn == vpn) {
		pt->slots[i].pte = pte;
		return 0;
	}
	if (!dmirror_pt_has_room(pt, 1))
		return -ENOSPC;
	pt->slots[i].vpn = vpn;
	pt->slots[i].pte = pte;
	pt->used++;
	return 0;
}

/*
 * pt_delete_at() - empty slot @i and pull later members of its cluster
 * back so that every key stays reachable from its home slot.
 */
static void pt_delete_at(struct dmirror_pt *pt, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t home;

		j = pt_next(pt, j);
		if (pt->slots[j].vpn == DMIRROR_PT_EMPTY)
			break;
		home = pt_home(pt, pt->slots[j].vpn);
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		pt->slots[i] = pt->slots[j];
		i = j;
	}
	pt->slots[i].vpn = DMIRROR_PT_EMPTY;
	pt->slots[i].pte = 0;
	pt->used--;
}

void dmirror_pt_erase(struct dmirror_pt *pt, uint64_t vpn)
{
	size_t i;

	if (!pt->used)
		return;
	i = pt_find(pt, vpn);
	if (pt->slots[i].vpn == vpn)
		pt_delete_at(pt, i);
}

size_t dmirror_pt_erase_range(struct dmirror_pt *pt, uint64_t first,
			      uint64_t last, uint64_t mask)
{
	size_t erased = 0, i;

	if (!pt->used || first >= last)
		return 0;
	if (last - first <= pt->cap) {
		for (uint64_t vpn = first; vpn < last && pt->used; vpn++) {
			i = pt_find(pt, vpn);
			if (pt->slots[i].vpn != vpn)
				continue;
			if (mask && !(pt->slots[i].pte & mask))
				continue;
			pt_delete_at(pt, i);
			erased++;
		}
		return erased;
	}
	/*
	 * Scan. A deletion may pull an entry into slot i, so i is examined
	 * again; an entry pulled from the start of the table into its end
	 * (a wrapped cluster) was already examined and did not match.
	 */
	for (i = 0; i < pt->cap && pt->used;) {
		struct dmirror_pt_slot *s = &pt->slots[i];

		if (s->vpn != DMIRROR_PT_EMPTY && s->vpn >= first &&
		    s->vpn < last && (!mask || (s->pte & mask))) {
			pt_delete_at(pt, i);
			erased++;
			continue;
		}
		i++;
	}
	return erased;
}

int dmirror_pt_check(const struct dmirror_pt *pt)
{
	size_t i, used = 0;

	if (!SVMCL_DEBUG_CHECKS)
		return 0;
	if (pt->cap & (pt->cap - 1))
		return -EUCLEAN;
	if (!pt->cap)
		return pt->used || pt->slots ? -EUCLEAN : 0;
	for (i = 0; i < pt->cap; i++) {
		const struct dmirror_pt_slot *s = &pt->slots[i];

		if (s->vpn == DMIRROR_PT_EMPTY)
			continue;
		used++;
		/* Reachable: no empty slot between home and here. */
		if (pt_find(pt, s->vpn) != i)
			return -EUCLEAN;
		/* Every PTE is at least readable and page aligned. */
		if (!(s->pte & DMIRROR_PTE_READ) ||
		    ((s->pte & DMIRROR_PTE_WRITE) && !(s->pte & DMIRROR_PTE_READ)))
			return -EUCLEAN;
		if (!(s->pte & DMIRROR_PTE_ADDR_MASK))
			return -EUCLEAN;
	}
	if (used != pt->used || used * 2 > pt->cap)
		return -EUCLEAN;
	return 0;
}
