/* SPDX-License-Identifier: MIT */
/*
 * pagetable.c - the software GPU's multi-level device page table.
 *
 * DOC: Overview
 *
 * A radix tree of four levels of 512 entries. Directory entries point at
 * the next level's node; leaf entries are PTEs (pagetable.h). A 2 MiB page
 * is a leaf one level up, in the directory that would otherwise point at a
 * table of 4 KiB entries (like a PMD mapping); a slot holds either a table
 * or a 2 MiB entry, never both. Every node counts its non-empty entries so
 * that unmapping can free a node the moment it becomes empty, keeping the
 * tree proportional to what is mapped.
 *
 * DOC: Locking
 *
 * None here. The VM that owns the table serialises every mutation with its
 * update lock held for writing. Lookups come in two kinds:
 *
 *  - under the update lock held for reading (the fault service), and
 *  - lockless (the compute units' page walker, vm.c): sgpu_pt_lookup() and
 *    sgpu_pt_lookup_group() may run while a writer changes the table. For
 *    that, a writer publishes a new node or 2 MiB array with a release
 *    store after it is initialised (a lockless walk sees either nothing or
 *    a zeroed node), every entry is one aligned 64-bit word written and
 *    read with atomic accesses (never torn), and no node is freed while a
 *    lockless walk may still be in it: an emptied or replaced node is
 *    unlinked and *retired* onto pt->retired; the VM frees retired nodes
 *    only after a grace period (every unit that could be walking has
 *    passed a quiescent point, shootdown.c), with sgpu_pt_retired_take()
 *    and sgpu_pt_retired_free(). What a lockless walk *means* (the value
 *    may be stale by the time it is used) is the VM's business: it
 *    validates its TLB fill against the VM's invalidation generation.
 *
 * With SVMCL_DEBUG_CHECKS every mutation is checked: each map re-counts
 * the node it changed (a full check per page would make a 2 MiB commit
 * quadratic), each unmap runs sgpu_pt_check() over the whole tree, and so
 * does the VM after every batch of maps it commits.
 *
 * Entries carry their target kind (SGPU_PTE_VRAM or a system IOVA) and
 * the table treats both alike: what a target means is the walker's
 * business (vm.c).
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "gpu/pagetable.h"

struct sgpu_pt_node {
	union {
		struct sgpu_pt_node *child[SGPU_PT_ENTRIES];	/* directory */
		uint64_t pte[SGPU_PT_ENTRIES];			/* leaf level */
	};
	uint64_t *huge;		/* level HUGE_LEVEL only: 2 MiB entries */
	unsigned int used;	/* non-empty entries, tables and 2 MiB pages */
	struct sgpu_pt_node *retired_next;	/* on pt->retired */
};

/*
 * Lockless walks read what writers change: one 64-bit word at a time,
 * pointers published with release and read with acquire (DOC: Locking).
 */
#define PT_LOAD_PTR(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define PT_STORE_PTR(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#define PT_LOAD(e) __atomic_load_n(&(e), __ATOMIC_RELAXED)
#define PT_STORE(e, v) __atomic_store_n(&(e), (v), __ATOMIC_RELAXED)

/* The directory level whose slots may hold a 2 MiB page. */
#define HUGE_LEVEL (SGPU_PT_LEVELS - 2)

static unsigned int pt_index(uint64_t va, int level)
{
	/* level 0 is the root; level SGPU_PT_LEVELS - 1 holds the PTEs */
	unsigned int shift = 12 + SGPU_PT_BITS * (SGPU_PT_LEVELS - 1 - level);

	return (va >> shift) & (SGPU_PT_ENTRIES - 1);
}

static uint64_t level_span(int level)
{
	return 1ull << (12 + SGPU_PT_BITS * (SGPU_PT_LEVELS - 1 - level));
}

static struct sgpu_pt_node *pt_node_alloc(struct sgpu_pt *pt)
{
	struct sgpu_pt_node *node = calloc(1, sizeof(*node));

	if (node)
		pt->nr_tables++;
	return node;
}

static void pt_node_destroy(struct sgpu_pt_node *node)
{
	free(node->huge);
	free(node);
}

static void pt_node_free(struct sgpu_pt *pt, struct sgpu_pt_node *node)
{
	pt->nr_tables--;
	pt_node_destroy(node);
}

/*
 * An unlinked node that a lockless walk may still be reading: kept until
 * the VM has waited for a grace period (sgpu_pt_retired_take()).
 */
static void pt_node_retire(struct sgpu_pt *pt, struct sgpu_pt_node *node)
{
	pt->nr_tables--;
	node->retired_next = pt->retired;
	pt->retired = node;
	pt->nr_retired++;
}

struct sgpu_pt_node *sgpu_pt_retired_take(struct sgpu_pt *pt)
{
	struct sgpu_pt_node *list = pt->retired;

	pt->retired = NULL;
	pt->nr_retired = 0;
	return list;
}

void sgpu_pt_retired_free(struct sgpu_pt_node *list)
{
	while (list) {
		struct sgpu_pt_node *next = list->retired_next;

		pt_node_destroy(list);
		list = next;
	}
}

void sgpu_pt_retired_putback(struct sgpu_pt *pt, struct sgpu_pt_node *list)
{
	while (list) {
		struct sgpu_pt_node *next = list->retired_next;

		list->retired_next = pt->retired;
		pt->retired = list;
		pt->nr_retired++;
		list = next;
	}
}

#if SVMCL_DEBUG_CHECKS
/* Non-empty entries of one node, as its @used counter should say. */
static unsigned int pt_node_count(const struct sgpu_pt_node *node, int level)
{
	unsigned int used = 0;

	for (unsigned int i = 0; i < SGPU_PT_ENTRIES; i++) {
		if (level == SGPU_PT_LEVELS - 1)
			used += node->pte[i] != 0;
		else
			used += node->child[i] != NULL ||
				(node->huge && node->huge[i]);
	}
	return used;
}
#endif

/* After a map: the node it wrote still counts its entries right. */
static void pt_debug_check_node(const struct sgpu_pt_node *node, int level)
{
#if SVMCL_DEBUG_CHECKS
	if (pt_node_count(node, level) != node->used) {
		fprintf(stderr, "sgpu pt: level %d node counts %u entries, has %u\n",
			level, node->used, pt_node_count(node, level));
		abort();
	}
#else
	(void)node;
	(void)level;
#endif
}

static void pt_debug_check(const struct sgpu_pt *pt)
{
#if SVMCL_DEBUG_CHECKS
	int ret = sgpu_pt_check(pt);

	assert(ret == 0);
	(void)ret;
#else
	(void)pt;
#endif
}

int sgpu_pt_init(struct sgpu_pt *pt)
{
	pt->nr_tables = 0;
	pt->nr_ptes = 0;
	pt->nr_huge = 0;
	pt->retired = NULL;
	pt->nr_retired = 0;
	pt->root = pt_node_alloc(pt);
	return pt->root ? 0 : -ENOMEM;
}

static void pt_free_subtree(struct sgpu_pt *pt, struct sgpu_pt_node *node,
			    int level)
{
	if (level < SGPU_PT_LEVELS - 1) {
		for (unsigned int i = 0; i < SGPU_PT_ENTRIES; i++) {
			if (node->child[i])
				pt_free_subtree(pt, node->child[i], level + 1);
			if (node->huge && node->huge[i])
				pt->nr_huge--;
		}
	} else {
		for (unsigned int i = 0; i < SGPU_PT_ENTRIES; i++)
			if (node->pte[i])
				pt->nr_ptes--;
	}
	pt_node_free(pt, node);
}

void sgpu_pt_fini(struct sgpu_pt *pt)
{
	if (pt->root)
		pt_free_subtree(pt, pt->root, 0);
	pt->root = NULL;
	sgpu_pt_retired_free(sgpu_pt_retired_take(pt));
	assert(pt->nr_tables == 0 && pt->nr_ptes == 0 && pt->nr_huge == 0);
}

static struct sgpu_pt_node *pt_leaf_get(struct sgpu_pt *pt, uint64_t va);

int sgpu_pt_map(struct sgpu_pt *pt, uint64_t va, uint64_t host,
		uint64_t flags)
{
	struct sgpu_pt_node *node;
	uint64_t *pte;

	if ((va | host) & ~SGPU_PTE_ADDR_MASK || va >= SGPU_VA_LIMIT ||
	    !(flags & SGPU_PTE_VALID) || flags & ~SGPU_PTE_MAP_FLAGS)
		return -EINVAL;

	node = pt_leaf_get(pt, va);
	if (!node)
		return -ENOMEM;
	pte = &node->pte[pt_index(va, SGPU_PT_LEVELS - 1)];
	if (!*pte) {
		node->used++;
		pt->nr_ptes++;
	}
	PT_STORE(*pte, host | flags);
	pt_debug_check_node(node, SGPU_PT_LEVELS - 1);
	return 0;
}

/* The leaf table of @va, created on the way (a 2 MiB entry is dropped). */
static struct sgpu_pt_node *pt_leaf_get(struct sgpu_pt *pt, uint64_t va)
{
	struct sgpu_pt_node *node = pt->root;

	for (int level = 0; level < SGPU_PT_LEVELS - 1; level++) {
		unsigned int i = pt_index(va, level);

		if (level == HUGE_LEVEL && node->huge && node->huge[i]) {
			PT_STORE(node->huge[i], 0);
			node->used--;
			pt->nr_huge--;
		}
		if (!node->child[i]) {
			struct sgpu_pt_node *child = pt_node_alloc(pt);

			if (!child)
				return NULL;
			PT_STORE_PTR(node->child[i], child);
			node->used++;
		}
		node = node->child[i];
	}
	return node;
}

int sgpu_pt_map_run(struct sgpu_pt *pt, uint64_t va, const uint64_t *entries,
		    unsigned int n)
{
	struct sgpu_pt_node *leaf;
	unsigned int first = pt_index(va, SGPU_PT_LEVELS - 1), written = 0;

	if ((va & ~SGPU_PTE_ADDR_MASK) || va >= SGPU_VA_LIMIT || !n ||
	    first + n > SGPU_PT_ENTRIES)
		return -EINVAL;
	for (unsigned int k = 0; k < n; k++) {
		uint64_t e = entries[k];

		if (e && (!(e & SGPU_PTE_VALID) ||
			  (e & SGPU_PTE_FLAGS & ~SGPU_PTE_MAP_FLAGS)))
			return -EINVAL;
	}
	leaf = pt_leaf_get(pt, va);
	if (!leaf)
		return -ENOMEM;
	for (unsigned int k = 0; k < n; k++) {
		uint64_t *pte = &leaf->pte[first + k];

		if (!entries[k])
			continue;
		if (!*pte) {
			leaf->used++;
			pt->nr_ptes++;
		}
		PT_STORE(*pte, entries[k]);
		written++;
	}
	pt_debug_check_node(leaf, SGPU_PT_LEVELS - 1);
	return (int)written;
}

int sgpu_pt_map_linear(struct sgpu_pt *pt, uint64_t va, uint64_t entry,
		       unsigned int n)
{
	unsigned int first = pt_index(va, SGPU_PT_LEVELS - 1), added = 0;
	struct sgpu_pt_node *leaf;
	uint64_t *pte;

	if ((va & ~SGPU_PTE_ADDR_MASK) || va >= SGPU_VA_LIMIT || !n ||
	    first + n > SGPU_PT_ENTRIES || !(entry & SGPU_PTE_VALID) ||
	    (entry & SGPU_PTE_FLAGS & ~SGPU_PTE_MAP_FLAGS) ||
	    sgpu_pte_target(entry) >
		    SGPU_PTE_ADDR_MASK - ((uint64_t)(n - 1) << 12))
		return -EINVAL;
	leaf = pt_leaf_get(pt, va);
	if (!leaf)
		return -ENOMEM;
	/*
	 * The writer side reads its own entries plainly (the VM's update
	 * lock); each store is one atomic word for the lockless walks. The
	 * counters are updated once for the run.
	 */
	pte = &leaf->pte[first];
	for (unsigned int k = 0; k < n; k++) {
		added += !pte[k];
		PT_STORE(pte[k], entry + ((uint64_t)k << 12));
	}
	leaf->used += added;
	pt->nr_ptes += added;
	pt_debug_check_node(leaf, SGPU_PT_LEVELS - 1);
	return (int)n;
}

int sgpu_pt_map_huge(struct sgpu_pt *pt, uint64_t va, uint64_t host,
		     uint64_t flags)
{
	struct sgpu_pt_node *node = pt->root;
	unsigned int i;

	if ((va | host) & (SGPU_HUGE_SIZE - 1) || va >= SGPU_VA_LIMIT ||
	    !(flags & SGPU_PTE_VALID) || flags & ~SGPU_PTE_MAP_FLAGS)
		return -EINVAL;

	for (int level = 0; level < HUGE_LEVEL; level++) {
		i = pt_index(va, level);
		if (!node->child[i]) {
			struct sgpu_pt_node *child = pt_node_alloc(pt);

			if (!child)
				return -ENOMEM;
			PT_STORE_PTR(node->child[i], child);
			node->used++;
		}
		node = node->child[i];
	}
	i = pt_index(va, HUGE_LEVEL);
	if (!node->huge) {
		uint64_t *huge = calloc(SGPU_PT_ENTRIES, sizeof(*node->huge));

		if (!huge)
			return -ENOMEM;
		PT_STORE_PTR(node->huge, huge);
	}
	/*
	 * The 2 MiB entry goes in before the 4 KiB table under it goes away
	 * (lookups look at the 2 MiB entry first): a lockless walk finds one
	 * or the other, never a hole. The table is a leaf; it is retired.
	 */
	if (!node->huge[i]) {
		node->used++;
		pt->nr_huge++;
	}
	PT_STORE(node->huge[i], host | flags | SGPU_PTE_HUGE);
	if (node->child[i]) {
		struct sgpu_pt_node *leaf = node->child[i];

		PT_STORE_PTR(node->child[i], NULL);
		node->used--;
		for (unsigned int k = 0; k < SGPU_PT_ENTRIES; k++)
			pt->nr_ptes -= leaf->pte[k] != 0;
		pt_node_retire(pt, leaf);
	}
	pt_debug_check_node(node, HUGE_LEVEL);
	return 0;
}

uint64_t sgpu_pt_lookup(const struct sgpu_pt *pt, uint64_t va)
{
	const struct sgpu_pt_node *node = pt->root;

	if (va >= SGPU_VA_LIMIT)
		return 0;
	for (int level = 0; level < SGPU_PT_LEVELS - 1; level++) {
		unsigned int i = pt_index(va, level);
		const uint64_t *huge = level == HUGE_LEVEL ? PT_LOAD_PTR(node->huge)
							   : NULL;
		uint64_t e = huge ? PT_LOAD(huge[i]) : 0;

		if (e)
			return ((e & SGPU_PTE_ADDR_MASK) +
				(va & (SGPU_HUGE_SIZE - 1) & SGPU_PTE_ADDR_MASK)) |
			       (e & SGPU_PTE_FLAGS);
		node = PT_LOAD_PTR(node->child[i]);
		if (!node)
			return 0;
	}
	return PT_LOAD(node->pte[pt_index(va, SGPU_PT_LEVELS - 1)]);
}

/* The HUGE_LEVEL node above @va, or NULL. */
static const struct sgpu_pt_node *pt_huge_level_node(const struct sgpu_pt *pt,
						     uint64_t va)
{
	const struct sgpu_pt_node *node = pt->root;

	if (va >= SGPU_VA_LIMIT)
		return NULL;
	for (int level = 0; node && level < HUGE_LEVEL; level++)
		node = PT_LOAD_PTR(node->child[pt_index(va, level)]);
	return node;
}

unsigned int sgpu_pt_lookup_group(const struct sgpu_pt *pt, uint64_t va,
				  unsigned int n, uint64_t *out)
{
	const struct sgpu_pt_node *node = pt_huge_level_node(pt, va);
	unsigned int i, first, found = 0;
	const uint64_t *huge;
	uint64_t e;

	assert(n && n <= SGPU_BLOCK_PAGES && !(n & (n - 1)));
	first = pt_index(va, SGPU_PT_LEVELS - 1) & ~(n - 1);
	for (unsigned int k = 0; k < n; k++)
		out[k] = 0;
	if (!node)
		return 0;
	i = pt_index(va, HUGE_LEVEL);
	huge = PT_LOAD_PTR(node->huge);
	if (huge && (e = PT_LOAD(huge[i])) != 0) {
		for (unsigned int k = 0; k < n; k++)
			out[k] = (e + ((uint64_t)(first + k) << 12));
		return n;
	}
	node = PT_LOAD_PTR(node->child[i]);
	if (!node)
		return 0;
	for (unsigned int k = 0; k < n; k++) {
		out[k] = PT_LOAD(node->pte[first + k]);
		found += out[k] != 0;
	}
	return found;
}

unsigned int sgpu_pt_block_bitmap(const struct sgpu_pt *pt, uint64_t block,
				  uint64_t bits[SGPU_BLOCK_PAGES / 64])
{
	const struct sgpu_pt_node *node = pt_huge_level_node(pt, block);
	unsigned int i, count = 0;

	for (unsigned int w = 0; w < SGPU_BLOCK_PAGES / 64; w++)
		bits[w] = 0;
	if (!node)
		return 0;
	i = pt_index(block, HUGE_LEVEL);
	if (node->huge && node->huge[i]) {
		for (unsigned int w = 0; w < SGPU_BLOCK_PAGES / 64; w++)
			bits[w] = ~0ull;
		return SGPU_BLOCK_PAGES;
	}
	node = node->child[i];
	if (!node)
		return 0;
	for (unsigned int k = 0; k < SGPU_BLOCK_PAGES; k++) {
		if (node->pte[k]) {
			bits[k / 64] |= 1ull << (k % 64);
			count++;
		}
	}
	return count;
}

/*
 * Clears [start, end) below @node, which covers the level-@level span that
 * starts at @base. Returns the number of PTEs cleared.
 */
static uint64_t pt_unmap_level(struct sgpu_pt *pt, struct sgpu_pt_node *node,
			       int level, uint64_t base, uint64_t start,
			       uint64_t end)
{
	uint64_t span = level_span(level);
	uint64_t cleared = 0;
	unsigned int first = (start - base) / span;
	unsigned int last = (end - 1 - base) / span;

	for (unsigned int i = first; i <= last; i++) {
		uint64_t lo = base + i * span;

		if (level == SGPU_PT_LEVELS - 1) {
			if (node->pte[i]) {
				PT_STORE(node->pte[i], 0);
				node->used--;
				pt->nr_ptes--;
				cleared++;
			}
			continue;
		}
		if (level == HUGE_LEVEL && node->huge && node->huge[i]) {
			PT_STORE(node->huge[i], 0);
			node->used--;
			pt->nr_huge--;
			cleared++;
			continue;
		}
		if (!node->child[i])
			continue;
		cleared += pt_unmap_level(pt, node->child[i], level + 1, lo,
					  start > lo ? start : lo,
					  end < lo + span ? end : lo + span);
		if (!node->child[i]->used) {
			struct sgpu_pt_node *empty = node->child[i];

			PT_STORE_PTR(node->child[i], NULL);
			node->used--;
			pt_node_retire(pt, empty);
		}
	}
	return cleared;
}

uint64_t sgpu_pt_unmap_range(struct sgpu_pt *pt, uint64_t start, uint64_t end)
{
	uint64_t cleared;

	start &= SGPU_PTE_ADDR_MASK;
	if (end > SGPU_VA_LIMIT)
		end = SGPU_VA_LIMIT;
	if (start >= end)
		return 0;
	cleared = pt_unmap_level(pt, pt->root, 0, 0, start, end);
	pt_debug_check(pt);
	return cleared;
}

static int pt_check_node(const struct sgpu_pt_node *node, int level,
			 uint64_t *tables, uint64_t *ptes, uint64_t *huge)
{
	unsigned int used = 0;

	(*tables)++;
	if (node->huge && level != HUGE_LEVEL) {
		fprintf(stderr, "sgpu pt: 2 MiB entries at level %d\n", level);
		return -EUCLEAN;
	}
	for (unsigned int i = 0; i < SGPU_PT_ENTRIES; i++) {
		if (node->huge && node->huge[i]) {
			uint64_t e = node->huge[i];

			used++;
			(*huge)++;
			if (node->child[i] || !(e & SGPU_PTE_VALID) ||
			    !(e & SGPU_PTE_HUGE) ||
			    (e & SGPU_PTE_FLAGS &
			     ~(SGPU_PTE_MAP_FLAGS | SGPU_PTE_HUGE)) ||
			    (e & SGPU_PTE_ADDR_MASK & (SGPU_HUGE_SIZE - 1))) {
				fprintf(stderr, "sgpu pt: bad 2 MiB entry %#" PRIx64
					"%s\n", e, node->child[i] ?
					" over a table" : "");
				return -EUCLEAN;
			}
			continue;
		}
		if (level == SGPU_PT_LEVELS - 1) {
			uint64_t pte = node->pte[i];

			if (!pte)
				continue;
			used++;
			(*ptes)++;
			if (!(pte & SGPU_PTE_VALID) ||
			    (pte & SGPU_PTE_FLAGS & ~SGPU_PTE_MAP_FLAGS)) {
				fprintf(stderr, "sgpu pt: bad entry %#" PRIx64
					"\n", pte);
				return -EUCLEAN;
			}
			continue;
		}
		if (!node->child[i])
			continue;
		used++;
		if (!node->child[i]->used) {
			fprintf(stderr, "sgpu pt: empty table kept at level %d\n",
				level + 1);
			return -EUCLEAN;
		}
		if (pt_check_node(node->child[i], level + 1, tables, ptes, huge))
			return -EUCLEAN;
	}
	if (used != node->used) {
		fprintf(stderr, "sgpu pt: level %d counts %u entries, has %u\n",
			level, node->used, used);
		return -EUCLEAN;
	}
	return 0;
}

int sgpu_pt_check(const struct sgpu_pt *pt)
{
	uint64_t tables = 0, ptes = 0, huge = 0;

	if (!pt->root)
		return pt->nr_tables || pt->nr_ptes || pt->nr_huge ? -EUCLEAN : 0;
	if (pt_check_node(pt->root, 0, &tables, &ptes, &huge))
		return -EUCLEAN;
	if (tables != pt->nr_tables || ptes != pt->nr_ptes ||
	    huge != pt->nr_huge) {
		fprintf(stderr, "sgpu pt: counters %" PRIu64 "/%" PRIu64 "/%" PRIu64
			" tables/ptes/huge, found %" PRIu64 "/%" PRIu64 "/%" PRIu64
			"\n", pt->nr_tables, pt->nr_ptes, pt->nr_huge, tables,
			ptes, huge);
		return -EUCLEAN;
	}
	return 0;
}
