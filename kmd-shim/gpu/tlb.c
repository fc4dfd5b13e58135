/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - first-level TLBs of the compute units and the miss path.
 *
 * DOC: Overview
 *
 * Each compute unit owns a direct-mapped TLB that JIT code probes inline
 * (sgpu_abi.h) and, behind it, a set-associative victim cache (the second
 * level): a line evicted from the first level moves there, and a first-
 * level miss that hits there swaps the line back without a page walk. A
 * probe that misses both calls sgpu_tlb_miss(), which walks the VM's page
 * table; when the entry is missing or lacks the permission, the
 * unit raises a device fault that the VM services through the HMM core
 * (vm.c), then walks again. A fault that cannot be serviced ends the
 * dispatch (sgpu_cu_device_fault() unwinds to the unit's dispatch loop).
 *
 * DOC: Locking
 *
 * A TLB line is written by its own unit (fills) and by invalidating threads
 * (sgpu_gpu_shootdown(), which only ever stores the invalid tag). Fills
 * happen under the VM's update lock held for reading (sgpu_vm_walk_fill())
 * and shootdowns under it held for writing, so a line is never filled from
 * an entry that an invalidation has already cleared. Tags are 64-bit words
 * written with atomic stores, so a probe sees either the old line or an
 * invalid tag. A unit may still use a translation it loaded just
 * before the shootdown; for mirrored process memory that translation is the
 * CPU's own virtual address, so the access either sees what the CPU maps now
 * or faults on the unmapped address, which the unit's SIGSEGV guard turns
 * into a device fault (cu.c). VRAM, which would need quiescent-point
 * shootdown, is not implemented yet.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gpu/sgpu.h"

static inline void tlb_line_invalidate(struct sgpu_tlb_entry *e)
{
	__atomic_store_n(&e->tag_read, SGPU_TLB_INVALID_TAG, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tag_write, SGPU_TLB_INVALID_TAG, __ATOMIC_RELAXED);
}

void sgpu_tlb_flush_all(struct sgpu_cu_state *state)
{
	for (unsigned int i = 0; i < SGPU_TLB_L1_ENTRIES; i++)
		tlb_line_invalidate(&state->tlb[i]);
}

static bool tlb_line_in_range(const struct sgpu_tlb_entry *e, uint64_t start,
			      uint64_t end)
{
	uint64_t r = __atomic_load_n(&e->tag_read, __ATOMIC_RELAXED);
	uint64_t w = __atomic_load_n(&e->tag_write, __ATOMIC_RELAXED);

	return (r != SGPU_TLB_INVALID_TAG && r >= start && r < end) ||
	       (w != SGPU_TLB_INVALID_TAG && w >= start && w < end);
}

void sgpu_tlb_flush_range(struct sgpu_cu_state *state, uint64_t start,
			  uint64_t end)
{
	start &= SGPU_PAGE_MASK;
	if (end <= start)
		return;

	/* (end - start) may be the whole 64-bit space (RELEASE): no rounding. */
	if ((end - start) >> SGPU_PAGE_SHIFT >= SGPU_TLB_L1_ENTRIES) {
		for (unsigned int i = 0; i < SGPU_TLB_L1_ENTRIES; i++)
			if (tlb_line_in_range(&state->tlb[i], start, end))
				tlb_line_invalidate(&state->tlb[i]);
		return;
	}
	for (uint64_t va = start; va < end; va += SGPU_PAGE_SIZE) {
		struct sgpu_tlb_entry *e =
			&state->tlb[(va >> SGPU_PAGE_SHIFT) &
				    (SGPU_TLB_L1_ENTRIES - 1)];

		if (tlb_line_in_range(e, start, end))
			tlb_line_invalidate(e);
	}
}

void sgpu_tlb_fill(struct sgpu_cu_state *state, uint64_t va, uint64_t host,
		   bool writable)
{
	uint64_t page = va & SGPU_PAGE_MASK;
	struct sgpu_tlb_entry *e =
		&state->tlb[(page >> SGPU_PAGE_SHIFT) & (SGPU_TLB_L1_ENTRIES - 1)];

	/* Invalidate first so that no probe pairs a new tag with an old addend. */
	tlb_line_invalidate(e);
	__atomic_store_n(&e->addend, (int64_t)((host & SGPU_PAGE_MASK) - page),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&e->tag_read, page, __ATOMIC_RELEASE);
	if (writable)
		__atomic_store_n(&e->tag_write, page, __ATOMIC_RELEASE);
}

/* --- second level -------------------------------------------------- */

void sgpu_tlb_l2_init(struct sgpu_tlb_l2 *l2)
{
	pthread_spin_init(&l2->lock, PTHREAD_PROCESS_PRIVATE);
	memset(l2->line, 0, sizeof(l2->line));
	memset(l2->next_victim, 0, sizeof(l2->next_victim));
}

void sgpu_tlb_l2_fini(struct sgpu_tlb_l2 *l2)
{
	pthread_spin_destroy(&l2->lock);
}

static unsigned int l2_set(uint64_t page)
{
	/* Fold higher bits in: consecutive L1 conflicts land in other sets. */
	uint64_t vpn = page >> SGPU_PAGE_SHIFT;

	return (unsigned int)((vpn ^ (vpn >> 8)) & (SGPU_TLB_L2_SETS - 1));
}

/* Inserts a translation; caller holds l2->lock. */
static void __l2_insert(struct sgpu_tlb_l2 *l2, uint64_t page, uint64_t host,
			bool writable)
{
	unsigned int set = l2_set(page);
	struct sgpu_tlb_l2_line *lines = l2->line[set];
	unsigned int way = SGPU_TLB_L2_WAYS;

	for (unsigned int w = 0; w < SGPU_TLB_L2_WAYS; w++) {
		if ((lines[w].tag & SGPU_PAGE_MASK) == page &&
		    (lines[w].tag & SGPU_L2_VALID)) {
			way = w;	/* refresh in place */
			break;
		}
		if (way == SGPU_TLB_L2_WAYS && !(lines[w].tag & SGPU_L2_VALID))
			way = w;
	}
	if (way == SGPU_TLB_L2_WAYS) {
		way = l2->next_victim[set];	/* round robin */
		l2->next_victim[set] = (uint8_t)((way + 1) % SGPU_TLB_L2_WAYS);
	}
	lines[way].tag = page | SGPU_L2_VALID | (writable ? SGPU_L2_WRITE : 0);
	lines[way].host = host;
}

static void __l2_flush_range(struct sgpu_tlb_l2 *l2, uint64_t start,
			     uint64_t end)
{
	for (unsigned int s = 0; s < SGPU_TLB_L2_SETS; s++)
		for (unsigned int w = 0; w < SGPU_TLB_L2_WAYS; w++) {
			uint64_t tag = l2->line[s][w].tag;
			uint64_t page = tag & SGPU_PAGE_MASK;

			if ((tag & SGPU_L2_VALID) && page >= start && page < end)
				l2->line[s][w].tag = 0;
		}
}

void sgpu_cu_tlb_flush_all(struct sgpu_cu *cu)
{
	pthread_spin_lock(&cu->l2.lock);
	sgpu_tlb_flush_all(&cu->state);
	memset(cu->l2.line, 0, sizeof(cu->l2.line));
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
	struct sgpu_tlb_entry *e =
		&cu->state.tlb[(page >> SGPU_PAGE_SHIFT) & (SGPU_TLB_L1_ENTRIES - 1)];

	pthread_spin_lock(&cu->l2.lock);
	if (e->tag_read != SGPU_TLB_INVALID_TAG && e->tag_read != page)
		__l2_insert(&cu->l2, e->tag_read, e->tag_read + (uint64_t)e->addend,
			    e->tag_write == e->tag_read);
	sgpu_tlb_fill(&cu->state, va, host, writable);
	pthread_spin_unlock(&cu->l2.lock);
}

/*
 * Looks @va up in the second level; on a hit with the needed permission the
 * line moves to the first level (its victim moving down) and the host
 * address of @va is returned, else 0. Owning unit, VM lock held for reading.
 */
uint64_t sgpu_cu_tlb_l2_lookup(struct sgpu_cu *cu, uint64_t va,
			       bool need_write)
{
	uint64_t page = va & SGPU_PAGE_MASK;
	struct sgpu_tlb_l2_line *lines;
	uint64_t host = 0;

	pthread_spin_lock(&cu->l2.lock);
	lines = cu->l2.line[l2_set(page)];
	for (unsigned int w = 0; w < SGPU_TLB_L2_WAYS; w++) {
		struct sgpu_tlb_l2_line hit = lines[w];
		struct sgpu_tlb_entry *e;

		if (!(hit.tag & SGPU_L2_VALID) || (hit.tag & SGPU_PAGE_MASK) != page)
			continue;
		if (need_write && !(hit.tag & SGPU_L2_WRITE))
			break;	/* the walk decides */
		lines[w].tag = 0;
		e = &cu->state.tlb[(page >> SGPU_PAGE_SHIFT) &
				   (SGPU_TLB_L1_ENTRIES - 1)];
		if (e->tag_read != SGPU_TLB_INVALID_TAG)
			__l2_insert(&cu->l2, e->tag_read,
				    e->tag_read + (uint64_t)e->addend,
				    e->tag_write == e->tag_read);
		sgpu_tlb_fill(&cu->state, va, hit.host, hit.tag & SGPU_L2_WRITE);
		host = hit.host | (va & ~SGPU_PAGE_MASK);
		break;
	}
	pthread_spin_unlock(&cu->l2.lock);
	return host;
}

void sgpu_gpu_shootdown(struct sgpu *gpu, uint64_t start, uint64_t end)
{
	start &= SGPU_PAGE_MASK;
	for (unsigned int i = 0; i < gpu->num_cus; i++) {
		struct sgpu_cu *cu = &gpu->cus[i];

		pthread_spin_lock(&cu->l2.lock);
		sgpu_tlb_flush_range(&cu->state, start, end);
		__l2_flush_range(&cu->l2, start, end);
		pthread_spin_unlock(&cu->l2.lock);
	}
}

/*
 * Translates one page for @access on the unit, servicing faults. Returns
 * the host address of @va, or unwinds the dispatch with a device fault.
 */
static uint64_t cu_translate(struct sgpu_cu *cu, uint64_t va,
			     enum sgpu_access access)
{
	struct sgpu_vm *vm = cu->vm;
	bool need_write = access >= SGPU_ACCESS_WRITE;
	int ret = 0;

	for (int attempt = 0; attempt < 8; attempt++) {
		uint64_t host = sgpu_vm_walk_fill(vm, cu, va, need_write);

		if (host)
			return host;
		ret = sgpu_vm_fault(vm, va & SGPU_PAGE_MASK, access);
		if (ret)
			break;
	}
	sgpu_cu_device_fault(cu, va, access, ret ? ret : -EBUSY);
}

uint64_t sgpu_tlb_miss(struct sgpu_cu_state *state, uint64_t va,
		       uint64_t access)
{
	struct sgpu_cu *cu = state->owner;
	enum sgpu_access kind = SGPU_ACCESS_KIND(access);
	uint64_t size = SGPU_ACCESS_SIZE(access);
	uint64_t last = va + (size ? size - 1 : 0);
	uint64_t host;

	atomic_fetch_add_explicit(&cu->gpu->stats.tlb_l1_misses, 1,
				  memory_order_relaxed);
	if (last < va || last >= SGPU_VA_LIMIT)
		sgpu_cu_device_fault(cu, va, kind, -EFAULT);

	host = cu_translate(cu, va, kind);
	if ((last & SGPU_PAGE_MASK) != (va & SGPU_PAGE_MASK)) {
		/*
		 * A misaligned access that crosses into the next page: both
		 * pages must be mapped and contiguous on the host side.
		 */
		uint64_t host_last = cu_translate(cu, last, kind);

		if (host_last - host != last - va)
			sgpu_cu_device_fault(cu, va, kind, -EFAULT);
	}
	return host;
}

/* Host address of [va, va + len) within one page, translating if global. */
static uint8_t *copy_span(struct sgpu_cu *cu, uint64_t va, bool global,
			  enum sgpu_access access)
{
	if (!global)
		return (uint8_t *)(uintptr_t)va;
	return (uint8_t *)(uintptr_t)cu_translate(cu, va, access);
}

static uint64_t bytes_to_page_end(uint64_t va)
{
	return SGPU_PAGE_SIZE - (va & ~SGPU_PAGE_MASK);
}

void sgpu_mem_copy(struct sgpu_cu_state *state, uint64_t dst, uint64_t src,
		   uint64_t len, uint32_t global_mask)
{
	struct sgpu_cu *cu = state->owner;
	bool dst_global = global_mask & SGPU_COPY_DST_GLOBAL;
	bool src_global = global_mask & SGPU_COPY_SRC_GLOBAL;

	while (len) {
		uint64_t n = len;

		if (dst_global && bytes_to_page_end(dst) < n)
			n = bytes_to_page_end(dst);
		if (src_global && bytes_to_page_end(src) < n)
			n = bytes_to_page_end(src);
		memmove(copy_span(cu, dst, dst_global, SGPU_ACCESS_WRITE),
			copy_span(cu, src, src_global, SGPU_ACCESS_READ), n);
		dst += n;
		src += n;
		len -= n;
	}
}

void sgpu_mem_set(struct sgpu_cu_state *state, uint64_t dst, uint32_t byte,
		  uint64_t len)
{
	struct sgpu_cu *cu = state->owner;

	while (len) {
		uint64_t n = bytes_to_page_end(dst) < len ? bytes_to_page_end(dst)
							  : len;

		memset(copy_span(cu, dst, true, SGPU_ACCESS_WRITE), (int)byte, n);
		dst += n;
		len -= n;
	}
}
