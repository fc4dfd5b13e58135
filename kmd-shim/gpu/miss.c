/* SPDX-License-Identifier: MIT */
/*
 * miss.c - the slow path of a device memory access.
 *
 * DOC: Overview
 *
 * JIT code calls sgpu_tlb_miss() when its inline probe fails (sgpu_abi.h),
 * and mem_copy/mem_set for memory intrinsics. A miss passes a quiescent
 * point (shootdown.c), looks in the unit's second level, walks the VM's
 * page table (vm.c) and fills the first level. When the entry is missing
 * or lacks the permission, the unit posts a fault record and waits for its
 * reply (fault.c), quiescent while it waits; a reply with an error cancels
 * the access, which ends the dispatch with a device fault
 * (sgpu_cu_device_fault() unwinds to the unit's dispatch loop).
 *
 * Holding two translations. A misaligned access that crosses a page, and
 * a copy between two device buffers, need two host addresses at once. A
 * quiescent point promises that the unit holds no translation, so the
 * second translation is taken without passing one; if it needs a fault
 * (the unit must go quiescent to wait), the first translation is dropped
 * and both are taken again. A strip-mined chunk (runtime/compiler/
 * clc_hoist.cpp) does the same for its sites: its later probes carry
 * SGPU_ACCESS_HOLD, which passes no quiescent point and returns 0 when a
 * fault had to be waited for, and the chunk then probes all again.
 *
 * DOC: Locking
 *
 * Runs on the unit's own thread and takes only what the walk and the fault
 * buffer take (vm.c, fault.c).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gpu/sgpu.h"

/* Linux's budget for servicing one fault, HMM_RANGE_DEFAULT_TIMEOUT. */
#define SGPU_TRANSLATE_BUDGET_NS (HMM_RANGE_DEFAULT_TIMEOUT * 1000000ull)

/*
 * One page for @access. With @pass, the unit first passes a quiescent
 * point (it holds no other translation). Returns the host address of @va;
 * 0 when !@pass and a fault had to be serviced (the caller starts over);
 * unwinds the dispatch when the fault is cancelled.
 */
static uint64_t cu_translate(struct sgpu_cu *cu, uint64_t va,
			     enum sgpu_access access, bool pass)
{
	struct sgpu_vm *vm = cu->vm;
	bool need_write = access >= SGPU_ACCESS_WRITE;
	uint64_t deadline = 0;
	int ret;

	for (;;) {
		uint64_t host;

		/* The quiescent point (if @pass) is passed in the lookup. */
		host = sgpu_vm_walk_fill(vm, cu, va, need_write, pass);
		if (pass)
			sgpu_qs_yield_point(cu);
		if (host)
			return host;

		/*
		 * Quiescent while waiting: the unit holds no translation. And
		 * outside the SIGSEGV guard (cu.c): the fault service is driver
		 * code, not a device access; a signal there is a bug to report,
		 * not a device fault to unwind from with locks held.
		 */
		sgpu_qs_exit(cu);
		cu->in_dispatch = 0;
		ret = sgpu_fault_raise(cu, vm, va & SGPU_PAGE_MASK, access);
		cu->in_dispatch = 1;
		sgpu_qs_enter(cu);
		if (ret && ret != -EAGAIN)
			break;
		if (!pass)
			return 0;
		/*
		 * Serviced, yet the walk may miss again if an invalidation
		 * intervened: retry within the budget, as Linux's loop does.
		 */
		if (!deadline)
			deadline = sgpu_now_ns() + SGPU_TRANSLATE_BUDGET_NS;
		else if (sgpu_now_ns() > deadline) {
			ret = -EBUSY;
			break;
		}
	}
	sgpu_cu_device_fault(cu, va, access, ret);
}

/* Two translations held at once (see DOC: Overview). */
static void cu_translate_pair(struct sgpu_cu *cu, uint64_t va1,
			      enum sgpu_access acc1, uint64_t *host1,
			      uint64_t va2, enum sgpu_access acc2,
			      uint64_t *host2)
{
	do {
		*host1 = cu_translate(cu, va1, acc1, true);
		*host2 = cu_translate(cu, va2, acc2, false);
	} while (!*host2);
}

/* Counting mode: the inline probe, done here on the shadow first level. */
static bool counting_probe(struct sgpu_cu *cu, uint64_t va, uint64_t access,
			   uint64_t *host)
{
	enum sgpu_access kind = SGPU_ACCESS_KIND(access);
	uint64_t size = SGPU_ACCESS_SIZE(access);
	uint64_t span = 1;
	const struct sgpu_tlb_entry *e =
		&cu->l1[sgpu_tlb_index(va)];
	uint64_t tag;

	/* The compiler's mask: the size rounded up to a power of two. */
	while (span < size && span < SGPU_PAGE_SIZE)
		span <<= 1;
	tag = kind >= SGPU_ACCESS_WRITE
		      ? __atomic_load_n(&e->tag_write, __ATOMIC_ACQUIRE)
		      : __atomic_load_n(&e->tag_read, __ATOMIC_ACQUIRE);
	if (tag != (va & (SGPU_PAGE_MASK | (span - 1))))
		return false;
	*host = va + (uint64_t)__atomic_load_n(&e->addend, __ATOMIC_RELAXED);
	return true;
}

uint64_t sgpu_tlb_miss(struct sgpu_cu_state *state, uint64_t va,
		       uint64_t access)
{
	struct sgpu_cu *cu = state->owner;
	enum sgpu_access kind = SGPU_ACCESS_KIND(access);
	uint64_t size = SGPU_ACCESS_SIZE(access);
	uint64_t last = va + (size ? size - 1 : 0);
	uint64_t host, host_last;

	if (cu->l1 != cu->state.tlb) {
		if (counting_probe(cu, va, access, &host)) {
			sgpu_count(&cu->cnt.l1_hits, 1);
			return host;
		}
	}
	sgpu_count(&cu->cnt.l1_misses, 1);
	if (last < va || last >= SGPU_VA_LIMIT)
		sgpu_cu_device_fault(cu, va, kind, -EFAULT);

	/*
	 * The caller holds other translations (sgpu_abi.h): no quiescent
	 * point; 0 tells it to start over after a fault wait. Its accesses
	 * stay within one page, a crossing one is translated like a pair.
	 */
	if (access & SGPU_ACCESS_HOLD) {
		host = cu_translate(cu, va, kind, false);
		if (host && (last & SGPU_PAGE_MASK) != (va & SGPU_PAGE_MASK)) {
			host_last = cu_translate(cu, last, kind, false);
			if (host_last && host_last - host != last - va)
				sgpu_cu_device_fault(cu, va, kind, -EFAULT);
			if (!host_last)
				host = 0;
		}
		return host;
	}
	if ((last & SGPU_PAGE_MASK) == (va & SGPU_PAGE_MASK))
		return cu_translate(cu, va, kind, true);
	/*
	 * A misaligned access that crosses into the next page: both pages
	 * must be mapped and contiguous on the host side.
	 */
	cu_translate_pair(cu, va, kind, &host, last, kind, &host_last);
	if (host_last - host != last - va)
		sgpu_cu_device_fault(cu, va, kind, -EFAULT);
	return host;
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
		uint64_t n = len, d = dst, s = src;

		if (dst_global && bytes_to_page_end(dst) < n)
			n = bytes_to_page_end(dst);
		if (src_global && bytes_to_page_end(src) < n)
			n = bytes_to_page_end(src);
		if (dst_global && src_global)
			cu_translate_pair(cu, dst, SGPU_ACCESS_WRITE, &d, src,
					  SGPU_ACCESS_READ, &s);
		else if (dst_global)
			d = cu_translate(cu, dst, SGPU_ACCESS_WRITE, true);
		else if (src_global)
			s = cu_translate(cu, src, SGPU_ACCESS_READ, true);
		memmove((void *)(uintptr_t)d, (const void *)(uintptr_t)s, n);
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

		memset((void *)(uintptr_t)cu_translate(cu, dst, SGPU_ACCESS_WRITE,
						       true),
		       (int)byte, n);
		dst += n;
		len -= n;
	}
}
