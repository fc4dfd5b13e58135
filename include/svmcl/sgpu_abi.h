/* SPDX-License-Identifier: MIT */
/*
 * sgpu_abi.h - the software GPU's kernel ABI.
 *
 * DOC: Overview
 *
 * This is what a real GPU's ISA documentation and its implicit-argument ABI
 * are to a compiler: the contract between the kernel compiler (runtime/
 * compiler) and the compute units (kmd-shim/gpu). It fixes
 *
 *  - the entry point of a compiled work-group function,
 *  - the per-compute-unit descriptor that JIT code receives as a hidden
 *    argument (there is no thread-local storage in JIT code), and
 *  - the layout of the first-level TLB that the inline fast path probes.
 *
 * The fast path of a device access of @size bytes at virtual address @va
 * (QEMU softmmu style, permission folded into the tag):
 *
 *	e = &cu->tlb[sgpu_tlb_index(va)];
 *	tag = is_write ? e->tag_write : e->tag_read;
 *	if (tag == (va & (SGPU_PAGE_MASK | (size - 1))))
 *		host = va + e->addend;			hit: one compare, one add
 *	else
 *		host = cu->tlb_miss(cu, va, SGPU_ACCESS(size, access));
 *
 * An invalid line holds SGPU_TLB_INVALID_TAG in both tags, which never
 * matches an aligned address. An access that is not naturally aligned never
 * matches either and takes the miss path, which handles page crossings.
 *
 * The index (sgpu_tlb_index()) keeps each aligned group of
 * SGPU_TLB_GROUP_PAGES pages in one block of as many consecutive lines, in
 * page order, and picks the block by a multiplicative hash of the group
 * number. A stream then owns one block per group (the page walker fills a
 * whole group at once, vm.c), and streams whose bases differ by a multiple
 * of the first level's reach (arrays 16 or 64 MiB apart, as mmap places
 * them) land in different blocks instead of sharing every line, as they
 * did with the plain (va >> 12) & (entries - 1). The compiler emits the
 * same arithmetic inline (clc_mmu.c); everything else calls the function.
 *
 * All fields the JIT reads are at fixed offsets; the compiler takes them
 * with offsetof() at build time of the runtime.
 */
#ifndef SVMCL_SGPU_ABI_H
#define SVMCL_SGPU_ABI_H

#include <stdint.h>

#define SGPU_PAGE_SHIFT 12
#define SGPU_PAGE_SIZE (1ull << SGPU_PAGE_SHIFT)
#define SGPU_PAGE_MASK (~(SGPU_PAGE_SIZE - 1))

#define SGPU_TLB_L1_BITS 10
#define SGPU_TLB_L1_ENTRIES (1u << SGPU_TLB_L1_BITS)
#define SGPU_TLB_INVALID_TAG (~0ull)

/* The fill-ahead group: 64 pages, 256 KiB, one block of the first level. */
#define SGPU_TLB_GROUP_SHIFT 6
#define SGPU_TLB_GROUP_PAGES (1u << SGPU_TLB_GROUP_SHIFT)
/* Fibonacci hashing of the group number: the top bits pick the block. */
#define SGPU_TLB_HASH_MUL 0x9e3779b97f4a7c15ull

/*
 * The first-level line of @va: page within its group in the low bits,
 * hash of the group number above (see DOC: Overview). Needs
 * SGPU_TLB_L1_BITS > SGPU_TLB_GROUP_SHIFT.
 */
static inline unsigned int sgpu_tlb_index(uint64_t va)
{
	uint64_t vpn = va >> SGPU_PAGE_SHIFT;
	uint64_t block = ((va >> (SGPU_PAGE_SHIFT + SGPU_TLB_GROUP_SHIFT)) *
			  SGPU_TLB_HASH_MUL) >>
			 (64 - (SGPU_TLB_L1_BITS - SGPU_TLB_GROUP_SHIFT));

	return (unsigned int)((vpn & (SGPU_TLB_GROUP_PAGES - 1)) |
			      (block << SGPU_TLB_GROUP_SHIFT));
}

/* Access kinds, in increasing strength (fault sorting relies on it). */
enum sgpu_access {
	SGPU_ACCESS_PREFETCH = 0,
	SGPU_ACCESS_READ = 1,
	SGPU_ACCESS_WRITE = 2,
	SGPU_ACCESS_ATOMIC = 3,
};

/*
 * Miss-handler argument: access kind in bits 0..2, SGPU_ACCESS_HOLD in bit
 * 3, size in bytes above.
 */
#define SGPU_ACCESS(size, kind) (((uint64_t)(size) << 4) | (uint64_t)(kind))
#define SGPU_ACCESS_KIND(a) ((enum sgpu_access)((a) & 0x7))
/*
 * The caller holds other translations (a strip-mined chunk's later
 * probes, clc_hoist.cpp): the miss path must not pass a quiescent point,
 * and returns 0 instead of a host address when it had to wait for a fault
 * (it was quiescent meanwhile); the caller then translates all again.
 */
#define SGPU_ACCESS_HOLD 0x8ull
#define SGPU_ACCESS_SIZE(a) ((uint64_t)(a) >> 4)

/* One first-level TLB line; 32 bytes so that the index scales by a shift. */
struct sgpu_tlb_entry {
	uint64_t tag_read;	/* page VA if readable, else INVALID */
	uint64_t tag_write;	/* page VA if writable, else INVALID */
	int64_t addend;		/* host address = va + addend */
	uint64_t gen;		/* VM generation the line was filled under */
};

struct sgpu_cu;

/*
 * The per-compute-unit descriptor passed to every work-group function.
 * The first-level TLB comes first so that the probe needs no extra offset.
 * Written by the compute unit between work-groups; the JIT writes only
 * @local_id (its work-item loop counter).
 */
struct sgpu_cu_state {
	struct sgpu_tlb_entry tlb[SGPU_TLB_L1_ENTRIES];

	/* Slow paths, called from JIT code. */
	uint64_t (*tlb_miss)(struct sgpu_cu_state *cu, uint64_t va,
			     uint64_t access);
	void (*mem_copy)(struct sgpu_cu_state *cu, uint64_t dst, uint64_t src,
			 uint64_t len, uint32_t global_mask);
	void (*mem_set)(struct sgpu_cu_state *cu, uint64_t dst, uint32_t byte,
			uint64_t len);

	/* Work-item geometry of the current work-group. */
	uint64_t local_id[3];
	uint64_t group_id[3];
	uint64_t local_size[3];	/* this group's size (edge groups are smaller) */
	uint64_t enqueued_local_size[3];
	uint64_t global_size[3];
	uint64_t global_offset[3];
	uint64_t num_groups[3];
	uint32_t work_dim;
	uint32_t unit;		/* compute unit index */

	/* Owned by kmd-shim/gpu; JIT code never reads past here. */
	struct sgpu_cu *owner;
};

/* mem_copy's @global_mask: which operands are device-global addresses. */
#define SGPU_COPY_DST_GLOBAL (1u << 0)
#define SGPU_COPY_SRC_GLOBAL (1u << 1)

/*
 * A compiled work-group function: runs every work-item of the group
 * described by @cu. @args points at the packed kernel arguments.
 */
typedef void (*sgpu_wg_fn)(const void *args, struct sgpu_cu_state *cu);

#endif /* SVMCL_SGPU_ABI_H */
