/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - the TLB lines of the compute units: first and second level.
 *
 * DOC: Overview
 *
 * Each compute unit owns a direct-mapped first-level TLB that JIT code
 * probes inline (sgpu_abi.h: permission folded into the tag, host = va +
 * addend, line sgpu_tlb_index(va): a hash that keeps streams apart) and, behind it, a set-associative victim cache, the second
 * level (sets x ways from SVMCL_TLB_L2, round-robin replacement): a valid
 * line evicted from the first level moves there, and a first-level miss
 * that hits there swaps the line back without a page walk. This file only
 * keeps lines; the miss path that uses them is miss.c, the walk vm.c.
 *
 * Counting mode (SVMCL_TLB_COUNT=1). Counting first-level hits in JIT
 * code would put an increment on the fast path of every access. Instead,
 * in counting mode the unit's first level lives in a shadow array
 * (cu->l1) and the descriptor's table stays invalid, so every probe calls
 * the miss handler, which probes the shadow with the very same compare
 * and counts a hit or a miss (miss.c). The hit/miss sequence is exactly
 * the normal mode's; only the time per access differs. In normal mode,
 * only misses are counted.
 *
 * DOC: Locking
 *
 * A first-level line is written by its own unit (fills) and by other
 * threads that only ever store the invalid tag (shootdowns, shootdown.c).
 * Both do so under the unit's l2.lock, which also protects the second
 * level, so a fill never re-validates a line a shootdown is clearing.
 * Tags are 64-bit words written with atomic stores: a probe sees either
 * the old line or an invalid tag, and a fill stores the addend before the
 * tags (release), so a probe never pairs a new tag with an old addend.
 * Fills happen under the VM's update lock held for reading and
 * shootdowns under it held for writing (vm.c), so no line is filled from
 * an entry that an invalidation has already cleared.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/sgpu.h"

static inline struct sgpu_tlb_entry *l1_line(struct sgpu_tlb_entry *tlb,
					     uint64_t va)
{
	return &tlb[sgpu_tlb_index(va)];
}

static inline void tlb_line_invalidate(struct sgpu_tlb_entry *e)
{
	__atomic_store_n(&e->tag_read, SGPU_TLB_INVALID_TAG, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tag_write, SGPU_TLB_INVALID_TAG, __ATOMIC_RELAXED);
}

void sgpu_tlb_flush_all(struct sgpu_tlb_entry *tlb)
{
	for (unsigned int i = 0; i < SGPU_TLB_L1_ENTRIES; i++)
		tlb_line_invalidate(&tlb[i]);
}

static bool tlb_line_in_range(const struct sgpu_tlb_entry *e, uint64_t start,
			      uint64_t end)
{
	uint64_t r = __atomic_load_n(&e->tag_read, __ATOMIC_RELAXED);
	uint64_t w = __atomic_load_n(&e->tag_write, __ATOMIC_RELAXED);

	return (r != SGPU_TLB_INVALID_TAG && r >= start && r < end) ||
	       (w != SGPU_TLB_INVALID_TAG && w >= start && w < end);
}

void sgpu_tlb_flush_range(struct sgpu_tlb_entry *tlb, uint64_t start,
			  uint64_t end)
{
	start &= SGPU_PAGE_MASK;
	if (end <= start)
		return;

	/* (end - start) may be the whole 64-bit space (RELEASE): no rounding. */
	if ((end - start) >> SGPU_PAGE_SHIFT >= SGPU_TLB_L1_ENTRIES) {
		for (unsigned int i = 0; i < SGPU_TLB_L1_ENTRIES; i++)
			if (tlb_line_in_range(&tlb[i], start, end))
				tlb_line_invalidate(&tlb[i]);
		return;
	}
	for (uint64_t va = start; va < end; va += SGPU_PAGE_SIZE) {
		struct sgpu_tlb_entry *e = l1_line(tlb, va);

		if (tlb_line_in_range(e, start, end))
			tlb_line_invalidate(e);
	}
}

void sgpu_tlb_fill(struct sgpu_tlb_entry *tlb, uint64_t va, uint64_t host,
		   bool writable)
{
	uint64_t page = va & SGPU_PAGE_MASK;
	struct sgpu_tlb_entry *e = l1_line(tlb, page);

	/* Invalidate first so that no probe pairs a new tag with an old addend. */
	tlb_line_invalidate(e);
	__atomic_store_n(&e->addend, (int64_t)((host & SGPU_PAGE_MASK) - page),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&e->tag_read, page, __ATOMIC_RELEASE);
	if (writable)
		__atomic_store_n(&e->tag_write, page, __ATOMIC_RELEASE);
}

/* --- second level -------------------------------------------------- */

int sgpu_tlb_l2_init(struct sgpu_tlb_l2 *l2, unsigned int sets,
		     unsigned int ways)
{
	memset(l2, 0, sizeof(*l2));
	if (!sets || (sets & (sets - 1)) || sets > SGPU_TLB_L2_SETS_MAX ||
	    ways > SGPU_TLB_L2_WAYS_MAX)
		return -EINVAL;
	l2->sets = sets;
	l2->ways = ways;
	if (ways) {
		l2->line = calloc((size_t)sets * ways, sizeof(*l2->line));
		l2->next_victim = calloc(sets, sizeof(*l2->next_victim));
		if (!l2->line || !l2->next_victim) {
			free(l2->line);
			free(l2->next_victim);
			return -ENOMEM;
		}
	}
	pthread_spin_init(&l2->lock, PTHREAD_PROCESS_PRIVATE);
	return 0;
}

void sgpu_tlb_l2_fini(struct sgpu_tlb_l2 *l2)
{
	pthread_spin_destroy(&l2->lock);
	free(l2->line);
	free(l2->next_victim);
	l2->line = NULL;
	l2->next_victim = NULL;
}

static unsigned int l2_set(const struct sgpu_tlb_l2 *l2, uint64_t page)
{
	/* Fold higher bits in: consecutive L1 conflicts land in other sets. */
	uint64_t vpn = page >> SGPU_PAGE_SHIFT;

	return (unsigned int)((vpn ^ (vpn >> SGPU_TLB_L1_BITS)) &
			      (l2->sets - 1));
}

static struct sgpu_tlb_l2_line *l2_set_lines(struct sgpu_tlb_l2 *l2,
					     unsigned int set)
{
	return &l2->line[(size_t)set * l2->ways];
}

/* Inserts a translation; caller holds l2->lock. */
static void __l2_insert(struct sgpu_tlb_l2 *l2, uint64_t page, uint64_t host,
			bool writable)
{
	unsigned int set, way;
	struct sgpu_tlb_l2_line *lines;

	if (!l2->ways)
		return;
	set = l2_set(l2, page);
	lines = l2_set_lines(l2, set);
	way = l2->ways;
	for (unsigned int w = 0; w < l2->ways; w++) {
		if ((lines[w].tag & SGPU_PAGE_MASK) == page &&
		    (lines[w].tag & SGPU_L2_VALID)) {
			way = w;	/* refresh in place */
			break;
		}
		if (way == l2->ways && !(lines[w].tag & SGPU_L2_VALID))
			way = w;
	}
	if (way == l2->ways) {
		way = l2->next_victim[set];	/* round robin */
		l2->next_victim[set] = (uint8_t)((way + 1) % l2->ways);
	}
	lines[way].tag = page | SGPU_L2_VALID | (writable ? SGPU_L2_WRITE : 0);
	lines[way].host = host;
}

static void __l2_flush_range(struct sgpu_tlb_l2 *l2, uint64_t start,
			     uint64_t end)
{
	size_t n = (size_t)l2->sets * l2->ways;

	for (size_t i = 0; i < n; i++) {
		uint64_t tag = l2->line[i].tag;
		uint64_t page = tag & SGPU_PAGE_MASK;

		if ((tag & SGPU_L2_VALID) && page >= start && page < end)
			l2->line[i].tag = 0;
	}
}

/*
 * Forgets @page in the second level: a fill from the walk supersedes it
 * (the line there may have fewer permissions). l2.lock held.
 */
static void __l2_drop(struct sgpu_tlb_l2 *l2, uint64_t page)
{
	struct sgpu_tlb_l2_line *lines;

	if (!l2->ways)
		return;
	lines = l2_set_lines(l2, l2_set(l2, page));
	for (unsigned int w = 0; w < l2->ways; w++)
		if ((lines[w].tag & SGPU_L2_VALID) &&
		    (lines[w].tag & SGPU_PAGE_MASK) == page)
			lines[w].tag = 0;
}

/* Moves the valid line at @e down to the second level; l2.lock held. */
static void __l1_evict(struct sgpu_cu *cu, struct sgpu_tlb_entry *e,
		       uint64_t keep_page)
{
	if (e->tag_read != SGPU_TLB_INVALID_TAG && e->tag_read != keep_page)
		__l2_insert(&cu->l2, e->tag_read,
			    e->tag_read + (uint64_t)e->addend,
			    e->tag_write == e->tag_read);
}

void sgpu_cu_tlb_flush_all(struct sgpu_cu *cu)
{
	pthread_spin_lock(&cu->l2.lock);
	sgpu_tlb_flush_all(cu->l1);
	if (cu->l1 != cu->state.tlb)
		sgpu_tlb_flush_all(cu->state.tlb);
	if (cu->l2.ways)
		memset(cu->l2.line, 0,
		       (size_t)cu->l2.sets * cu->l2.ways * sizeof(*cu->l2.line));
	pthread_spin_unlock(&cu->l2.lock);
}

void sgpu_cu_tlb_flush_l1(struct sgpu_cu *cu)
{
	pthread_spin_lock(&cu->l2.lock);
	sgpu_tlb_flush_all(cu->l1);
	pthread_spin_unlock(&cu->l2.lock);
}

void sgpu_cu_tlb_flush_range(struct sgpu_cu *cu, uint64_t start, uint64_t end)
{
	start &= SGPU_PAGE_MASK;
	pthread_spin_lock(&cu->l2.lock);
	sgpu_tlb_flush_range(cu->l1, start, end);
	if (cu->l2.ways)
		__l2_flush_range(&cu->l2, start, end);
	pthread_spin_unlock(&cu->l2.lock);
}

/*
 * Fills the first level; a valid line it evicts moves to the second level.
 * Called by the owning unit with the VM lock held for reading.
 */
void sgpu_cu_tlb_fill(struct sgpu_cu *cu, uint64_t va, uint64_t host,
		      bool writable)
{
	uint64_t page = va & SGPU_PAGE_MASK;

	pthread_spin_lock(&cu->l2.lock);
	__l1_evict(cu, l1_line(cu->l1, page), page);
	__l2_drop(&cu->l2, page);
	sgpu_tlb_fill(cu->l1, va, host, writable);
	pthread_spin_unlock(&cu->l2.lock);
}

/*
 * Fills @n consecutive first-level lines from the page at @va0 (the page
 * walker's fill-ahead), unless *@gen is no longer @expect once l2.lock is
 * held (a lockless walk raced an invalidation, vm.c): then nothing is
 * filled and false is returned. @gen NULL: no check (walk under the VM
 * lock). @lines[k] is the host page of page k with bit 0
 * set when writable, or 0 to leave that line alone. The line of @demand
 * (an index into @lines) is filled as sgpu_cu_tlb_fill() does; the others
 * are speculative: the lines they replace are dropped rather than moved
 * down, so that a stream does not flush the second level with dead lines
 * (and pay a set search per page for it). A page may then sit in both
 * levels; both copies have the same target (a target only changes with a
 * shootdown, which clears both), the second one at most fewer
 * permissions, which only sends a write to the walk. One lock round trip
 * for the group. Owning unit, VM lock held for reading.
 */
bool sgpu_cu_tlb_fill_group(struct sgpu_cu *cu, uint64_t va0,
			    const uint64_t *lines, unsigned int n,
			    unsigned int demand, const atomic_uint_fast64_t *gen,
			    uint64_t expect)
{
	pthread_spin_lock(&cu->l2.lock);
	/*
	 * Inside the lock that shootdowns take: if an invalidation's line
	 * clear of this unit came before, its generation bump (made before
	 * it) is seen here; if it comes after, it clears what is filled now.
	 */
	if (gen && atomic_load_explicit(gen, memory_order_relaxed) != expect) {
		pthread_spin_unlock(&cu->l2.lock);
		return false;
	}
	for (unsigned int k = 0; k < n; k++) {
		uint64_t page = (va0 & SGPU_PAGE_MASK) + ((uint64_t)k << SGPU_PAGE_SHIFT);

		if (!lines[k])
			continue;
		if (k == demand) {
			__l1_evict(cu, l1_line(cu->l1, page), page);
			__l2_drop(&cu->l2, page);
		}
		sgpu_tlb_fill(cu->l1, page, lines[k] & SGPU_PAGE_MASK,
			      lines[k] & 1);
	}
	pthread_spin_unlock(&cu->l2.lock);
	return true;
}

static uint64_t l2_lookup(struct sgpu_cu *cu, uint64_t va, bool need_write,
			  bool pass)
{
	uint64_t page = va & SGPU_PAGE_MASK;
	struct sgpu_tlb_l2_line *lines;
	uint64_t host = 0;

	pthread_spin_lock(&cu->l2.lock);
	if (pass)
		__sgpu_qs_pass_locked(cu);
	if (!cu->l2.ways)
		goto unlock;
	lines = l2_set_lines(&cu->l2, l2_set(&cu->l2, page));
	for (unsigned int w = 0; w < cu->l2.ways; w++) {
		struct sgpu_tlb_l2_line hit = lines[w];

		if (!(hit.tag & SGPU_L2_VALID) || (hit.tag & SGPU_PAGE_MASK) != page)
			continue;
		if (need_write && !(hit.tag & SGPU_L2_WRITE))
			break;	/* the walk decides */
		lines[w].tag = 0;
		__l1_evict(cu, l1_line(cu->l1, page), page);
		sgpu_tlb_fill(cu->l1, va, hit.host, hit.tag & SGPU_L2_WRITE);
		host = hit.host | (va & ~SGPU_PAGE_MASK);
		break;
	}
unlock:
	pthread_spin_unlock(&cu->l2.lock);
	return host;
}

/*
 * Looks @va up in the second level; on a hit with the needed permission the
 * line moves to the first level (its victim moving down) and the host
 * address of @va is returned, else 0. Owning unit. No VM lock is needed:
 * the line moves under l2.lock, which a shootdown holds to clear both
 * levels, so a line is either moved before the clear (and cleared in the
 * first level) or gone.
 */
uint64_t sgpu_cu_tlb_l2_lookup(struct sgpu_cu *cu, uint64_t va,
			       bool need_write)
{
	return l2_lookup(cu, va, need_write, false);
}

/*
 * The same, entered at a quiescent point: the unit passes it inside the
 * lock (shootdown.c), which saves the miss path a read-modify-write.
 */
uint64_t sgpu_cu_tlb_l2_lookup_pass(struct sgpu_cu *cu, uint64_t va,
				    bool need_write)
{
	return l2_lookup(cu, va, need_write, true);
}

/*
 * The eviction clock's access sampling (vram.c): every line of either level
 * whose host page lies in [base, base + size) marks that page in
 * @accessed (one byte per page) and is cleared, so that the page is marked
 * again only if the unit uses it again (its next access walks), like
 * Linux's test-and-clear of a PTE's accessed bit with its TLB flush.
 * Clearing a line is always allowed (shootdowns do it from any thread).
 * Return: the lines cleared.
 */
unsigned int sgpu_cu_tlb_sample(struct sgpu_cu *cu, uint64_t base,
				uint64_t size, atomic_uchar *accessed)
{
	unsigned int n = 0;

	pthread_spin_lock(&cu->l2.lock);
	for (unsigned int i = 0; i < SGPU_TLB_L1_ENTRIES; i++) {
		struct sgpu_tlb_entry *e = &cu->l1[i];
		uint64_t tag = __atomic_load_n(&e->tag_read, __ATOMIC_RELAXED);
		uint64_t host = tag + (uint64_t)e->addend;

		if (tag == SGPU_TLB_INVALID_TAG || host < base ||
		    host - base >= size)
			continue;
		atomic_store_explicit(&accessed[(host - base) >> SGPU_PAGE_SHIFT],
				      1, memory_order_relaxed);
		tlb_line_invalidate(e);
		n++;
	}
	for (size_t i = 0; i < (size_t)cu->l2.sets * cu->l2.ways; i++) {
		struct sgpu_tlb_l2_line *l = &cu->l2.line[i];

		if (!(l->tag & SGPU_L2_VALID) || l->host < base ||
		    l->host - base >= size)
			continue;
		atomic_store_explicit(&accessed[(l->host - base) >> SGPU_PAGE_SHIFT],
				      1, memory_order_relaxed);
		l->tag = 0;
		n++;
	}
	pthread_spin_unlock(&cu->l2.lock);
	return n;
}

bool sgpu_cu_tlb_holds(struct sgpu_cu *cu, uint64_t va)
{
	const struct sgpu_tlb_entry *e = l1_line(cu->l1, va);

	return __atomic_load_n(&e->tag_read, __ATOMIC_ACQUIRE) ==
	       (va & SGPU_PAGE_MASK);
}
