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
 *	e = &cu->tlb[(va >> SGPU_PAGE_SHIFT) & (SGPU_TLB_L1_ENTRIES - 1)];
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
 * All fields the JIT reads are at fixed offsets; the compiler takes them
 * with offsetof() at build time of the runtime.
 */
#ifndef SVMCL_SGPU_ABI_H
#define SVMCL_SGPU_ABI_H

#include <stdint.h>

#define SGPU_PAGE_SHIFT 12
#define SGPU_PAGE_SIZE (1ull << SGPU_PAGE_SHIFT)
#define SGPU_PAGE_MASK (~(SGPU_PAGE_SIZE - 1))

/*
 * First-level TLB lines per unit: a build option (meson -Dtlb-l1-bits=N,
 * 4..12), not a run-time one: the probe masks the index with a constant.
 * A mask loaded from the descriptor costs ~0.1 ns per access (measured,
 * docs/gpu.md), so the size stays compiled in.
 */
#ifndef SGPU_TLB_L1_BITS
#define SGPU_TLB_L1_BITS 8
#endif
#if SGPU_TLB_L1_BITS < 4 || SGPU_TLB_L1_BITS > 12
#error "SGPU_TLB_L1_BITS must be 4..12"
#endif
#define SGPU_TLB_L1_ENTRIES (1u << SGPU_TLB_L1_BITS)
#define SGPU_TLB_INVALID_TAG (~0ull)

/* Access kinds, in increasing strength (fault sorting relies on it). */
enum sgpu_access {
	SGPU_ACCESS_PREFETCH = 0,
	SGPU_ACCESS_READ = 1,
	SGPU_ACCESS_WRITE = 2,
	SGPU_ACCESS_ATOMIC = 3,
};

/* Miss-handler argument: access kind in bits 0..3, size in bytes above. */
#define SGPU_ACCESS(size, kind) (((uint64_t)(size) << 4) | (uint64_t)(kind))
#define SGPU_ACCESS_KIND(a) ((enum sgpu_access)((a) & 0xf))
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
