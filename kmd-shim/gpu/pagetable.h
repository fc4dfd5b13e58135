/* SPDX-License-Identifier: MIT */
/*
 * pagetable.h - the software GPU's multi-level device page table.
 *
 * Four levels of 512 entries translate a 48-bit device virtual address,
 * like x86-64 and most GPU MMUs. A leaf entry (PTE) holds a page-aligned
 * target, its kind and permission bits:
 *
 *  bit 0   VALID
 *  bit 1   WRITE
 *  bit 2   ATOMIC
 *  bit 7   HUGE     the entry is a 2 MiB leaf one level up
 *  bit 8   VRAM     the target is an offset into the GPU's device memory;
 *                   clear: a system-memory address as the IOMMU sees it
 *                   (an IOVA; with the identity IOMMU of this userspace
 *                   model, the CPU virtual address of the page)
 *  12..63  the target (page aligned; 2 MiB aligned for HUGE)
 *
 * The table itself has no lock: the owning VM serialises updates; lookups
 * may also run without the VM's lock (vm.c's page walker): nodes a writer
 * unlinks are retired, not freed, until the VM has waited for a grace
 * period (pagetable.c, DOC: Locking).
 */
#ifndef SVMCL_GPU_PAGETABLE_H
#define SVMCL_GPU_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#define SGPU_PT_LEVELS 4
#define SGPU_PT_BITS 9
#define SGPU_PT_ENTRIES (1u << SGPU_PT_BITS)
#define SGPU_VA_BITS 48
#define SGPU_VA_LIMIT (1ull << SGPU_VA_BITS)
#define SGPU_HUGE_SHIFT 21
#define SGPU_HUGE_SIZE (1ull << SGPU_HUGE_SHIFT)

/* Leaf entry bits; the target occupies bits 12..63. */
#define SGPU_PTE_VALID (1ull << 0)
#define SGPU_PTE_WRITE (1ull << 1)
#define SGPU_PTE_ATOMIC (1ull << 2)
#define SGPU_PTE_HUGE (1ull << 7)	/* a 2 MiB leaf one level up */
#define SGPU_PTE_VRAM (1ull << 8)	/* target kind: VRAM offset */
#define SGPU_PTE_FLAGS 0xfffull
#define SGPU_PTE_ADDR_MASK (~SGPU_PTE_FLAGS)
/* Bits a caller may pass to sgpu_pt_map()/sgpu_pt_map_huge(). */
#define SGPU_PTE_MAP_FLAGS (SGPU_PTE_VALID | SGPU_PTE_WRITE | \
			    SGPU_PTE_ATOMIC | SGPU_PTE_VRAM)

/* Pages of one 2 MiB block, the span of one leaf table. */
#define SGPU_BLOCK_PAGES (SGPU_HUGE_SIZE >> 12)

static inline bool sgpu_pte_is_vram(uint64_t pte)
{
	return pte & SGPU_PTE_VRAM;
}

/* The target of a leaf entry: an IOVA or a VRAM offset (see the kind). */
static inline uint64_t sgpu_pte_target(uint64_t pte)
{
	return pte & SGPU_PTE_ADDR_MASK;
}

struct sgpu_pt_node;

struct sgpu_pt {
	struct sgpu_pt_node *root;
	uint64_t nr_tables;	/* directory and leaf tables in the tree */
	uint64_t nr_ptes;	/* valid 4 KiB leaf entries */
	uint64_t nr_huge;	/* valid 2 MiB leaf entries */
	struct sgpu_pt_node *retired;	/* unlinked, awaiting a grace period */
	uint64_t nr_retired;
};

int sgpu_pt_init(struct sgpu_pt *pt);
void sgpu_pt_fini(struct sgpu_pt *pt);

/*
 * Maps one 4 KiB page to @target with @flags (SGPU_PTE_MAP_FLAGS, VALID
 * required). Returns 0 or -ENOMEM; -EINVAL for an unaligned or out-of-range
 * va or target, or unknown flags.
 */
int sgpu_pt_map(struct sgpu_pt *pt, uint64_t va, uint64_t host,
		uint64_t flags);
/*
 * Maps the pages [va, va + n pages) of one 2 MiB block (the run must not
 * cross it) with one descent: @entries[k] is target | flags for page k,
 * or 0 to leave it alone. A 2 MiB entry over the block is dropped first.
 * Returns the number of entries written, -EINVAL (nothing written) or
 * -ENOMEM.
 */
int sgpu_pt_map_run(struct sgpu_pt *pt, uint64_t va, const uint64_t *entries,
		    unsigned int n);
/*
 * Maps the pages [va, va + n pages) of one 2 MiB block (the run must not
 * cross it) to consecutive targets: page k gets @entry (target | flags,
 * VALID required) advanced by k pages. One descent and a loop of stores:
 * the commit of a run of system pages, whose target is their own address.
 * A 2 MiB entry over the block is dropped first. Returns @n, -EINVAL
 * (nothing written) or -ENOMEM.
 */
int sgpu_pt_map_linear(struct sgpu_pt *pt, uint64_t va, uint64_t entry,
		       unsigned int n);
/*
 * Maps a 2 MiB page: @va and @host (the target) 2 MiB aligned. Any 4 KiB
 * entries below it are dropped first. Returns 0, -EINVAL or -ENOMEM.
 */
int sgpu_pt_map_huge(struct sgpu_pt *pt, uint64_t va, uint64_t host,
		     uint64_t flags);
/*
 * The leaf entry of @va, 0 when none. For a 2 MiB page it is the entry of
 * the 4 KiB page that contains @va (host address advanced, SGPU_PTE_HUGE
 * set), so callers need not care about the page size.
 */
uint64_t sgpu_pt_lookup(const struct sgpu_pt *pt, uint64_t va);
/*
 * Clears the leaf entries of [start, end); a 2 MiB entry that overlaps the
 * range at all is cleared whole (the device refaults the rest). Frees
 * emptied tables. Returns the number of entries cleared.
 */
uint64_t sgpu_pt_unmap_range(struct sgpu_pt *pt, uint64_t start,
			     uint64_t end);
/*
 * The leaf entries of the @n-page aligned group that contains @va (@n a
 * power of two, at most SGPU_BLOCK_PAGES), as sgpu_pt_lookup() would give
 * them, into @out[0..n). One descent for the whole group: the page walker
 * uses it to fill neighbouring TLB lines. Returns how many are non-zero.
 */
unsigned int sgpu_pt_lookup_group(const struct sgpu_pt *pt, uint64_t va,
				  unsigned int n, uint64_t *out);
/*
 * Bitmap of the valid pages of the 2 MiB block at @block (aligned):
 * bit i of @bits[i / 64] for page i. All set under a 2 MiB entry. Returns
 * the number of valid pages. The density prefetcher counts with it.
 */
unsigned int sgpu_pt_block_bitmap(const struct sgpu_pt *pt, uint64_t block,
				  uint64_t bits[SGPU_BLOCK_PAGES / 64]);
/*
 * Retired nodes (unlinked by unmaps and by 2 MiB maps replacing a table):
 * take the list (writer side, under the VM's update lock), and free it once
 * no lockless walk can be inside any of them, or put it back if that could
 * not be established. sgpu_pt_fini() frees whatever is still retired.
 */
struct sgpu_pt_node *sgpu_pt_retired_take(struct sgpu_pt *pt);
void sgpu_pt_retired_free(struct sgpu_pt_node *list);
void sgpu_pt_retired_putback(struct sgpu_pt *pt, struct sgpu_pt_node *list);
/* Walks the whole table: 0 when consistent, -EUCLEAN with a message. */
int sgpu_pt_check(const struct sgpu_pt *pt);

#endif /* SVMCL_GPU_PAGETABLE_H */
