/* SPDX-License-Identifier: MIT */
/*
 * tlb.c - first-level TLBs of the compute units and the miss path.
 *
 * DOC: Overview
 *
 * Each compute unit owns a direct-mapped TLB that JIT code probes inline
 * (sgpu_abi.h). A probe that misses calls sgpu_tlb_miss(), which walks the
 * VM's page table; when the entry is missing or lacks the permission, the
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

void sgpu_gpu_shootdown(struct sgpu *gpu, uint64_t start, uint64_t end)
{
	for (unsigned int i = 0; i < gpu->num_cus; i++)
		sgpu_tlb_flush_range(&gpu->cus[i].state, start, end);
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
		uint64_t host = sgpu_vm_walk_fill(vm, &cu->state, va, need_write);

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
