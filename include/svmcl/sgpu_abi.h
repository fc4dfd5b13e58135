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
 *  - the layout of the first-level TLB that the inline fast path probes,
 *  - local memory and the work-item execution contexts that barriers
 *    switch between (see "Work-groups" below).
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

/*
 * First-level TLB lines per unit: a build option (meson -Dtlb-l1-bits=N,
 * 7..12), not a run-time one: the probe masks the index with a constant.
 * A mask loaded from the descriptor costs ~0.1 ns per access (measured,
 * docs/gpu.md), so the size stays compiled in. At least two fill-ahead
 * groups (below) must fit.
 */
#ifndef SGPU_TLB_L1_BITS
#define SGPU_TLB_L1_BITS 10
#endif
#if SGPU_TLB_L1_BITS < 7 || SGPU_TLB_L1_BITS > 12
#error "SGPU_TLB_L1_BITS must be 7..12"
#endif
#define SGPU_TLB_L1_ENTRIES (1u << SGPU_TLB_L1_BITS)
#define SGPU_TLB_INVALID_TAG (~0ull)

/*
 * Work-groups. Every unit owns SGPU_LOCAL_MEM_SIZE bytes of local memory
 * (sgpu_cu_state.local_mem, page aligned), one block for the one group it
 * runs at a time; local accesses are plain host accesses, never translated.
 * A kernel without barriers is a loop over its work-items (one call of the
 * work-group function). A kernel with barriers runs each work-item on its
 * own stack: the work-group function calls run_items(cu, item, args),
 * which calls item(args, cu) once per work-item, each in its own execution
 * context with SGPU_ITEM_STACK_SIZE bytes of stack, and barrier(cu)
 * switches to the next work-item (round robin); the last one to arrive
 * resumes the first. The unit stores the running item's id in local_id.
 */
#define SGPU_LOCAL_MEM_SIZE (64u * 1024)
#define SGPU_MAX_GROUP_ITEMS 1024u	/* work-items of one group, at most */
#define SGPU_ITEM_STACK_SIZE (256u * 1024)

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
 * Written by the compute unit between work-groups; @local_id is written
 * by the JIT's work-item loop, or by the unit at every switch between the
 * work-items of a kernel with barriers.
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

	/* Owned by kmd-shim/gpu; JIT code never reads it. */
	struct sgpu_cu *owner;

	/*
	 * Generic address space (OpenCL C 2.0+). A generic pointer whose
	 * value lies in [private_lo, private_hi) or [local_lo, local_hi) is
	 * private or local memory and is accessed directly; any other goes
	 * through the MMU. JIT code sets the private range in every kernel's
	 * prologue (a window of SGPU_PRIVATE_WINDOW bytes of stack below the
	 * kernel's return address, which covers its frame, its callees and
	 * its by-value arguments). Whoever places a work-group's local
	 * memory sets the local range; an empty range (lo == hi) matches
	 * nothing.
	 */
	uint64_t private_lo, private_hi;
	uint64_t local_lo, local_hi;

	/*
	 * printf buffer of the running dispatch (struct sgpu_printf_buf), or
	 * NULL: printf then returns -1. Copied from kmd_dispatch.printf_buf.
	 */
	struct sgpu_printf_buf *printf_buf;

	/*
	 * Work-groups (appended; JIT code reads them, never writes them):
	 * @local_mem is this unit's local memory (SGPU_LOCAL_MEM_SIZE bytes),
	 * fixed for the unit's lifetime. @run_items, @barrier and
	 * @group_copy are only used by kernels with barriers (see above);
	 * @group_copy is async_work_group_(strided_)copy: a barrier, then
	 * work-item 0 copies @count elements of @elem_size bytes, element i
	 * from @src + i * @src_stride * @elem_size to @dst + i * @dst_stride
	 * * @elem_size, translating the operands @global_mask names.
	 */
	uint8_t *local_mem;
	void (*run_items)(struct sgpu_cu_state *cu,
			  void (*item)(const void *args,
				       struct sgpu_cu_state *cu),
			  const void *args);
	void (*barrier)(struct sgpu_cu_state *cu);
	void (*group_copy)(struct sgpu_cu_state *cu, uint64_t dst, uint64_t src,
			   uint64_t elem_size, uint64_t count,
			   uint64_t dst_stride, uint64_t src_stride,
			   uint32_t global_mask);
};

#define SGPU_PRIVATE_WINDOW (1ull << 20)

/*
 * A dispatch's printf buffer. Work-items reserve records with an atomic
 * add on @used (which may run past @size: records that do not fit are
 * dropped and their printf returns -1) and the runtime formats the
 * records on the host when the command completes. A record, 8-byte
 * aligned:
 *
 *	uint32_t len;		whole record, header included, multiple of 8
 *	uint32_t nargs;
 *	uint64_t format;	host address of the format string
 *	uint64_t desc;		host address of nargs descriptors
 *	payload			each argument at an 8-byte aligned offset
 *
 * A descriptor is three bytes {kind, element size, lanes}: kind 'i'
 * integer, 'f' floating point, 'p' pointer; lanes 1 for scalars.
 */
struct sgpu_printf_buf {
	uint64_t used;
	uint64_t size;		/* bytes of @data */
	unsigned char data[];
};

#define SGPU_PRINTF_HEADER 24

/* mem_copy's @global_mask: which operands are device-global addresses. */
#define SGPU_COPY_DST_GLOBAL (1u << 0)
#define SGPU_COPY_SRC_GLOBAL (1u << 1)

/*
 * A compiled work-group function: runs every work-item of the group
 * described by @cu. @args points at the packed kernel arguments.
 */
typedef void (*sgpu_wg_fn)(const void *args, struct sgpu_cu_state *cu);

#endif /* SVMCL_SGPU_ABI_H */
