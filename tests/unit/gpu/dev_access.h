/* SPDX-License-Identifier: MIT */
/*
 * dev_access.h - what JIT code does for one device access (sgpu_abi.h),
 * written in C so that gpu tests can run device code without the compiler.
 */
#ifndef SVMCL_TEST_DEV_ACCESS_H
#define SVMCL_TEST_DEV_ACCESS_H

#include <stdint.h>

#include "svmcl/sgpu_abi.h"

/*
 * The @k-th page at or above @va that uses the same first-level line
 * (sgpu_tlb_index(): same page within its group, another group of the
 * same block), at @va's offset; @k = 0 is @va.
 */
static inline uint64_t tlb_same_line(uint64_t va, unsigned int k)
{
	uint64_t step = (uint64_t)SGPU_TLB_GROUP_PAGES << SGPU_PAGE_SHIFT;
	uint64_t x = va;

	while (k) {
		x += step;
		if (sgpu_tlb_index(x) == sgpu_tlb_index(va))
			k--;
	}
	return x;
}

static inline void *dev_xlate(struct sgpu_cu_state *cu, uint64_t va,
			      uint64_t size, enum sgpu_access kind)
{
	struct sgpu_tlb_entry *e = &cu->tlb[sgpu_tlb_index(va)];
	uint64_t tag = kind >= SGPU_ACCESS_WRITE
			       ? __atomic_load_n(&e->tag_write, __ATOMIC_RELAXED)
			       : __atomic_load_n(&e->tag_read, __ATOMIC_RELAXED);

	if (tag == (va & (SGPU_PAGE_MASK | (size - 1))))
		return (void *)(uintptr_t)(va + (uint64_t)e->addend);
	return (void *)(uintptr_t)cu->tlb_miss(cu, va, SGPU_ACCESS(size, kind));
}

static inline uint32_t dev_load32(struct sgpu_cu_state *cu, const void *p)
{
	return *(volatile uint32_t *)dev_xlate(cu, (uintptr_t)p, 4,
					       SGPU_ACCESS_READ);
}

static inline void dev_store32(struct sgpu_cu_state *cu, void *p, uint32_t v)
{
	*(volatile uint32_t *)dev_xlate(cu, (uintptr_t)p, 4,
					SGPU_ACCESS_WRITE) = v;
}

#endif
