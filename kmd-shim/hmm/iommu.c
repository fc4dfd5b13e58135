/* SPDX-License-Identifier: MIT */
/*
 * iommu.c - the software IOMMU: IOVA allocator and IO page table.
 *
 * DOC: Overview
 *
 * IOVA allocator. The free space of [base, end) is a sorted array of
 * disjoint, non-adjacent holes [start, end). Allocation is best fit: the
 * smallest hole that holds the aligned request (the lowest one on a tie),
 * carved from its aligned start. Free merges with the neighbouring holes.
 * base is one page, so IOVA 0 is never allocated and serves as "none".
 * The array grows by doubling when a split needs a slot; a free that has
 * to split a hole and cannot grow the array fails with -ENOMEM and leaves
 * the range allocated, which keeps the allocator consistent.
 *
 * IO page table. A radix tree of four levels of 512 entries, like
 * kmd-shim/gpu/pagetable.c but with IOMMU PTEs (iommu.h). Every table
 * counts its non-empty entries; a table that becomes empty is unlinked
 * and put on the domain's free list instead of being freed, so that unmap
 * never calls free() (see DOC: Locking in iommu.h). The free list is
 * reused by later maps and released with the domain.
 *
 * Invariant checkers. With SVMCL_DEBUG_CHECKS, iommu_iova_check() runs
 * after every allocation and free and iommu_pt_check() after every map,
 * unmap and permission change; a violation prints what is wrong and
 * aborts (as util_vma_heap_validate() asserts in Mesa).
 *
 * DOC: Locking
 *
 * domain->lock (rwlock): the hole array and its counters, the tree shape
 * (child pointers, used counts, nr_tables, nr_ptes, the free list) and
 * the address and permission bits of every PTE are written only with it
 * held for writing. Readers (translate, pin, lookup) hold it for reading
 * and update only DIRTY and the pin count, with atomic read-modify-writes
 * on the PTE.
 * domain->fault_lock: last_fault. The fault handler and its data are set
 * before the device runs and are read without a lock.
 * Statistics counters are relaxed atomics.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmm/iommu.h"

#if !defined(SVMCL_DEBUG_CHECKS)
#define SVMCL_DEBUG_CHECKS 0
#endif

#define IOMMU_PT_LEVELS 4
#define IOMMU_PT_BITS 9
#define IOMMU_PT_ENTRIES (1u << IOMMU_PT_BITS)
#define IOMMU_LEAF_LEVEL (IOMMU_PT_LEVELS - 1)

#define IOMMU_PTE_KNOWN (IOMMU_PTE_ADDR_MASK | IOMMU_PTE_PIN_MASK |	\
			 IOMMU_PTE_DIRTY | IOMMU_PTE_WRITE |		\
			 IOMMU_PTE_READ | IOMMU_PTE_PRESENT)

#define IOMMU_HOLES_MIN 16

#define BITS_PER_ULONG (8 * sizeof(unsigned long))

struct iommu_pt_node {
	union {
		struct iommu_pt_node *child[IOMMU_PT_ENTRIES];	/* directory */
		_Atomic uint64_t pte[IOMMU_PT_ENTRIES];		/* leaf */
	};
	unsigned int used;	/* non-empty entries; domain->lock */
	struct iommu_pt_node *next_free;	/* on domain->free_tables */
};

struct iova_hole {
	uint64_t start;
	uint64_t end;	/* exclusive */
};

struct iommu_domain {
	/* See DOC: Locking. */
	pthread_rwlock_t lock;

	/* IOVA allocator; lock. */
	uint64_t base;
	uint64_t end;
	struct iova_hole *holes;
	size_t nr_holes;
	size_t cap_holes;
	uint64_t free_bytes;

	/* IO page table; lock (PTE DIRTY/pins: atomics under read lock). */
	struct iommu_pt_node *root;
	uint64_t nr_tables;
	uint64_t nr_ptes;
	struct iommu_pt_node *free_tables;
	uint64_t nr_free_tables;

	/* Statistics; relaxed atomics. */
	_Atomic uint64_t translations;
	_Atomic uint64_t faults;

	/* fault_lock protects last_fault. */
	pthread_mutex_t fault_lock;
	struct iommu_fault last_fault;
	iommu_fault_handler_t fault_handler;
	void *fault_data;
};

/* ---------------------------------------------------------------------- */
/* Helpers */

static bool iommu_aligned(uint64_t v)
{
	return !(v & (IOMMU_PAGE_SIZE - 1));
}

/* [iova, iova + size) is a non-empty page-aligned range inside the aperture. */
static bool iommu_range_ok(const struct iommu_domain *domain, uint64_t iova,
			   uint64_t size)
{
	uint64_t last;

	if (!size || !iommu_aligned(iova) || !iommu_aligned(size))
		return false;
	if (__builtin_add_overflow(iova, size, &last))
		return false;
	return iova >= domain->base && last <= domain->end;
}

static unsigned int pt_index(uint64_t iova, int level)
{
	unsigned int shift = IOMMU_PAGE_SHIFT +
			     IOMMU_PT_BITS * (IOMMU_LEAF_LEVEL - level);

	return (iova >> shift) & (IOMMU_PT_ENTRIES - 1);
}

static uint64_t pt_span(int level)
{
	return 1ull << (IOMMU_PAGE_SHIFT +
			IOMMU_PT_BITS * (IOMMU_LEAF_LEVEL - level));
}

#if SVMCL_DEBUG_CHECKS
static void iommu_debug_fail(const char *what)
{
	fprintf(stderr, "svmcl iommu: invariant violated: %s\n", what);
	abort();
}
#endif

/* ---------------------------------------------------------------------- */
/* IOVA allocator (domain->lock held for writing) */

static int __iova_check(const struct iommu_domain *domain)
{
	uint64_t free_bytes = 0;
	size_t i;

	if (domain->nr_holes > domain->cap_holes) {
		fprintf(stderr, "svmcl iommu: %zu holes in %zu slots\n",
			domain->nr_holes, domain->cap_holes);
		return -EUCLEAN;
	}
	for (i = 0; i < domain->nr_holes; i++) {
		const struct iova_hole *h = &domain->holes[i];

		if (h->start >= h->end || !iommu_aligned(h->start) ||
		    !iommu_aligned(h->end) || h->start < domain->base ||
		    h->end > domain->end) {
			fprintf(stderr, "svmcl iommu: bad hole %zu [%#" PRIx64
				", %#" PRIx64 ")\n", i, h->start, h->end);
			return -EUCLEAN;
		}
		/* Sorted and never adjacent: adjacent holes must be merged. */
		if (i && domain->holes[i - 1].end >= h->start) {
			fprintf(stderr, "svmcl iommu: holes %zu and %zu overlap "
				"or touch\n", i - 1, i);
			return -EUCLEAN;
		}
		free_bytes += h->end - h->start;
	}
	if (free_bytes != domain->free_bytes) {
		fprintf(stderr, "svmcl iommu: free space %#" PRIx64
			" but holes sum to %#" PRIx64 "\n",
			domain->free_bytes, free_bytes);
		return -EUCLEAN;
	}
	return 0;
}

static void iova_debug_check(const struct iommu_domain *domain)
{
#if SVMCL_DEBUG_CHECKS
	if (__iova_check(domain))
		iommu_debug_fail("IOVA allocator");
#else
	(void)domain;
#endif
}

/* Index of the first hole that ends after @addr (nr_holes if none). */
static size_t iova_find(const struct iommu_domain *domain, uint64_t addr)
{
	size_t lo = 0, hi = domain->nr_holes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (domain->holes[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* True when no byte of [iova, iova + size) is free. */
static bool iova_allocated(const struct iommu_domain *domain, uint64_t iova,
			   uint64_t size)
{
	size_t i = iova_find(domain, iova);

	return i == domain->nr_holes || domain->holes[i].start >= iova + size;
}

/* Makes room for one more hole. */
static int iova_reserve_slot(struct iommu_domain *domain)
{
	struct iova_hole *holes;
	size_t cap;

	if (domain->nr_holes < domain->cap_holes)
		return 0;
	cap = domain->cap_holes * 2;
	holes = realloc(domain->holes, cap * sizeof(*holes));
	if (!holes)
		return -ENOMEM;
	domain->holes = holes;
	domain->cap_holes = cap;
	return 0;
}

static void iova_insert_hole(struct iommu_domain *domain, size_t idx,
			     uint64_t start, uint64_t end)
{
	memmove(&domain->holes[idx + 1], &domain->holes[idx],
		(domain->nr_holes - idx) * sizeof(domain->holes[0]));
	domain->holes[idx].start = start;
	domain->holes[idx].end = end;
	domain->nr_holes++;
}

static void iova_remove_hole(struct iommu_domain *domain, size_t idx)
{
	memmove(&domain->holes[idx], &domain->holes[idx + 1],
		(domain->nr_holes - idx - 1) * sizeof(domain->holes[0]));
	domain->nr_holes--;
}

static int __iova_alloc(struct iommu_domain *domain, uint64_t size,
			uint64_t align, uint64_t *iova)
{
	size_t best = SIZE_MAX, i;
	uint64_t best_len = UINT64_MAX, best_at = 0;
	struct iova_hole *h;
	int ret;

	for (i = 0; i < domain->nr_holes; i++) {
		uint64_t at, len;

		h = &domain->holes[i];
		len = h->end - h->start;
		if (len < size || len >= best_len)
			continue;
		at = (h->start + align - 1) & ~(align - 1);
		if (at < h->start || at > h->end || h->end - at < size)
			continue;
		best = i;
		best_len = len;
		best_at = at;
		if (len == size)
			break;	/* cannot do better */
	}
	if (best == SIZE_MAX)
		return -ENOSPC;

	h = &domain->holes[best];
	if (best_at > h->start && best_at + size < h->end) {
		/* Carving from the middle leaves two holes. */
		ret = iova_reserve_slot(domain);
		if (ret)
			return ret;
		h = &domain->holes[best];
		iova_insert_hole(domain, best + 1, best_at + size, h->end);
		h->end = best_at;
	} else if (best_at > h->start) {
		h->end = best_at;
	} else if (best_at + size < h->end) {
		h->start = best_at + size;
	} else {
		iova_remove_hole(domain, best);
	}
	domain->free_bytes -= size;
	*iova = best_at;
	return 0;
}

int iommu_iova_alloc(struct iommu_domain *domain, uint64_t size,
		     uint64_t align, uint64_t *iova)
{
	int ret;

	if (!domain || !iova || !size || !iommu_aligned(size))
		return -EINVAL;
	if (align < IOMMU_PAGE_SIZE || (align & (align - 1)))
		return -EINVAL;
	pthread_rwlock_wrlock(&domain->lock);
	ret = __iova_alloc(domain, size, align, iova);
	iova_debug_check(domain);
	pthread_rwlock_unlock(&domain->lock);
	return ret;
}

static int __iova_free(struct iommu_domain *domain, uint64_t iova,
		       uint64_t size)
{
	uint64_t end = iova + size;
	size_t i = iova_find(domain, iova);
	bool left, right;
	int ret;

	if (i < domain->nr_holes && domain->holes[i].start < end)
		return -EINVAL;	/* part of it is free already */
	left = i > 0 && domain->holes[i - 1].end == iova;
	right = i < domain->nr_holes && domain->holes[i].start == end;
	if (left && right) {
		domain->holes[i - 1].end = domain->holes[i].end;
		iova_remove_hole(domain, i);
	} else if (left) {
		domain->holes[i - 1].end = end;
	} else if (right) {
		domain->holes[i].start = iova;
	} else {
		ret = iova_reserve_slot(domain);
		if (ret)
			return ret;
		iova_insert_hole(domain, i, iova, end);
	}
	domain->free_bytes += size;
	return 0;
}

int iommu_iova_free(struct iommu_domain *domain, uint64_t iova,
		    uint64_t size)
{
	int ret;

	if (!domain || !iommu_range_ok(domain, iova, size))
		return -EINVAL;
	pthread_rwlock_wrlock(&domain->lock);
	ret = __iova_free(domain, iova, size);
	iova_debug_check(domain);
	pthread_rwlock_unlock(&domain->lock);
	return ret;
}

int iommu_iova_check(struct iommu_domain *domain)
{
	int ret;

	if (!domain)
		return -EINVAL;
	pthread_rwlock_rdlock(&domain->lock);
	ret = __iova_check(domain);
	pthread_rwlock_unlock(&domain->lock);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* IO page table: tables */

static struct iommu_pt_node *pt_node_get(struct iommu_domain *domain)
{
	struct iommu_pt_node *node = domain->free_tables;

	if (node) {
		/* Emptied tables are all zero already. */
		domain->free_tables = node->next_free;
		domain->nr_free_tables--;
		node->next_free = NULL;
	} else {
		node = calloc(1, sizeof(*node));
		if (!node)
			return NULL;
	}
	domain->nr_tables++;
	return node;
}

/* An emptied table goes to the free list: no free() here (iommu.h). */
static void pt_node_put(struct iommu_domain *domain,
			struct iommu_pt_node *node)
{
	node->next_free = domain->free_tables;
	domain->free_tables = node;
	domain->nr_free_tables++;
	domain->nr_tables--;
}

/* The leaf table of @iova, allocating the path when @alloc. */
static struct iommu_pt_node *pt_leaf(struct iommu_domain *domain,
				     uint64_t iova, bool alloc)
{
	struct iommu_pt_node *node = domain->root;
	int level;

	for (level = 0; level < IOMMU_LEAF_LEVEL; level++) {
		unsigned int idx = pt_index(iova, level);
		struct iommu_pt_node *next = node->child[idx];

		if (!next) {
			if (!alloc)
				return NULL;
			next = pt_node_get(domain);
			if (!next)
				return NULL;
			node->child[idx] = next;
			node->used++;
		}
		node = next;
	}
	return node;
}

/* The PTE slot of @iova, NULL when its leaf table does not exist. */
static _Atomic uint64_t *pt_slot(struct iommu_domain *domain, uint64_t iova)
{
	struct iommu_pt_node *leaf;

	if (iova >= IOMMU_IOVA_LIMIT)
		return NULL;
	leaf = pt_leaf(domain, iova, false);
	return leaf ? &leaf->pte[pt_index(iova, IOMMU_LEAF_LEVEL)] : NULL;
}

static void pt_free_tree(struct iommu_pt_node *node, int level)
{
	unsigned int i;

	if (level < IOMMU_LEAF_LEVEL)
		for (i = 0; i < IOMMU_PT_ENTRIES; i++)
			if (node->child[i])
				pt_free_tree(node->child[i], level + 1);
	free(node);
}

/* ---------------------------------------------------------------------- */
/* IO page table: checker */

struct pt_census {
	uint64_t tables;
	uint64_t ptes;
};

static int pt_check_node(const struct iommu_domain *domain,
			 struct iommu_pt_node *node, int level, uint64_t va,
			 struct pt_census *census)
{
	unsigned int i, used = 0;
	int ret;

	census->tables++;
	for (i = 0; i < IOMMU_PT_ENTRIES; i++) {
		uint64_t at = va + i * pt_span(level);

		if (level < IOMMU_LEAF_LEVEL) {
			if (!node->child[i])
				continue;
			used++;
			ret = pt_check_node(domain, node->child[i], level + 1,
					    at, census);
			if (ret)
				return ret;
			continue;
		}

		uint64_t pte = atomic_load_explicit(&node->pte[i],
						    memory_order_relaxed);

		if (!pte)
			continue;
		used++;
		census->ptes++;
		if (!(pte & IOMMU_PTE_PRESENT) || !(pte & IOMMU_PTE_READ) ||
		    (pte & ~IOMMU_PTE_KNOWN)) {
			fprintf(stderr, "svmcl iommu: bad PTE %#" PRIx64
				" at IOVA %#" PRIx64 "\n", pte, at);
			return -EUCLEAN;
		}
		if (at < domain->base || at >= domain->end ||
		    !iova_allocated(domain, at, IOMMU_PAGE_SIZE)) {
			fprintf(stderr, "svmcl iommu: IOVA %#" PRIx64
				" mapped but not allocated\n", at);
			return -EUCLEAN;
		}
	}
	if (used != node->used) {
		fprintf(stderr, "svmcl iommu: table at level %d for IOVA %#"
			PRIx64 " counts %u entries, has %u\n", level, va,
			node->used, used);
		return -EUCLEAN;
	}
	if (level && !used) {
		fprintf(stderr, "svmcl iommu: empty table at level %d for "
			"IOVA %#" PRIx64 "\n", level, va);
		return -EUCLEAN;
	}
	return 0;
}

static int __iommu_pt_check(const struct iommu_domain *domain)
{
	struct pt_census census = { 0 };
	const struct iommu_pt_node *node;
	uint64_t cached = 0;
	int ret;

	ret = pt_check_node(domain, domain->root, 0, 0, &census);
	if (ret)
		return ret;
	for (node = domain->free_tables; node; node = node->next_free)
		cached++;
	if (census.tables != domain->nr_tables ||
	    census.ptes != domain->nr_ptes ||
	    cached != domain->nr_free_tables) {
		fprintf(stderr, "svmcl iommu: counted %" PRIu64 " tables, %"
			PRIu64 " PTEs, %" PRIu64 " cached; recorded %" PRIu64
			", %" PRIu64 ", %" PRIu64 "\n", census.tables,
			census.ptes, cached, domain->nr_tables, domain->nr_ptes,
			domain->nr_free_tables);
		return -EUCLEAN;
	}
	return 0;
}

static void pt_debug_check(const struct iommu_domain *domain)
{
#if SVMCL_DEBUG_CHECKS
	if (__iommu_pt_check(domain))
		iommu_debug_fail("IO page table");
#else
	(void)domain;
#endif
}

int iommu_pt_check(struct iommu_domain *domain)
{
	int ret;

	if (!domain)
		return -EINVAL;
	pthread_rwlock_rdlock(&domain->lock);
	ret = __iommu_pt_check(domain);
	pthread_rwlock_unlock(&domain->lock);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* IO page table: map, unmap, permissions */

static uint64_t prot_to_pte(unsigned int prot)
{
	return IOMMU_PTE_PRESENT | IOMMU_PTE_READ |
	       ((prot & IOMMU_WRITE) ? IOMMU_PTE_WRITE : 0);
}

static bool prot_ok(unsigned int prot)
{
	return (prot & IOMMU_READ) && !(prot & ~(IOMMU_READ | IOMMU_WRITE));
}

/* Pages of [iova, end) with a PTE present. */
static uint64_t pt_count_present(struct iommu_domain *domain, uint64_t iova,
				 uint64_t end)
{
	uint64_t n = 0;

	while (iova < end) {
		struct iommu_pt_node *leaf = pt_leaf(domain, iova, false);
		uint64_t next = (iova | (pt_span(IOMMU_LEAF_LEVEL - 1) - 1)) + 1;

		if (next > end || next == 0)
			next = end;
		if (leaf) {
			for (; iova < next; iova += IOMMU_PAGE_SIZE)
				if (atomic_load_explicit(
					    &leaf->pte[pt_index(iova,
							IOMMU_LEAF_LEVEL)],
					    memory_order_relaxed))
					n++;
		}
		iova = next;
	}
	return n;
}

/*
 * Clears the PTEs of [va, end) under @node (a table at @level), putting
 * tables that become empty on the free list. Bit i of @dirty is page
 * @base + i.
 */
static uint64_t pt_unmap_level(struct iommu_domain *domain,
			       struct iommu_pt_node *node, int level,
			       uint64_t va, uint64_t end, uint64_t base,
			       unsigned long *dirty)
{
	uint64_t span = pt_span(level), n = 0;

	while (va < end) {
		unsigned int idx = pt_index(va, level);
		uint64_t next = (va & ~(span - 1)) + span;

		if (next > end || next == 0)
			next = end;
		if (level == IOMMU_LEAF_LEVEL) {
			uint64_t pte = atomic_exchange_explicit(
				&node->pte[idx], 0, memory_order_relaxed);

			if (pte) {
				node->used--;
				n++;
				if ((pte & IOMMU_PTE_DIRTY) && dirty) {
					uint64_t bit = (va - base) >>
						       IOMMU_PAGE_SHIFT;

					dirty[bit / BITS_PER_ULONG] |=
						1ul << (bit % BITS_PER_ULONG);
				}
			}
		} else if (node->child[idx]) {
			struct iommu_pt_node *child = node->child[idx];

			n += pt_unmap_level(domain, child, level + 1, va, next,
					    base, dirty);
			if (!child->used) {
				node->child[idx] = NULL;
				node->used--;
				pt_node_put(domain, child);
			}
		}
		va = next;
	}
	return n;
}

static uint64_t __iommu_unmap(struct iommu_domain *domain, uint64_t iova,
			      uint64_t size, unsigned long *dirty)
{
	uint64_t n = pt_unmap_level(domain, domain->root, 0, iova, iova + size,
				    iova, dirty);

	domain->nr_ptes -= n;
	return n;
}

int iommu_map(struct iommu_domain *domain, uint64_t iova, uintptr_t host,
	      uint64_t size, unsigned int prot)
{
	uint64_t end, va, pte_bits = prot_to_pte(prot);
	int ret = 0;

	if (!domain || !iommu_range_ok(domain, iova, size) ||
	    !iommu_aligned(host) || !prot_ok(prot))
		return -EINVAL;
	if ((uint64_t)host + size < (uint64_t)host)
		return -EINVAL;
	end = iova + size;

	pthread_rwlock_wrlock(&domain->lock);
	if (!iova_allocated(domain, iova, size)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (pt_count_present(domain, iova, end)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	for (va = iova; va < end;) {
		struct iommu_pt_node *leaf = pt_leaf(domain, va, true);
		uint64_t next = (va | (pt_span(IOMMU_LEAF_LEVEL - 1) - 1)) + 1;

		if (!leaf) {
			ret = -ENOMEM;
			goto err_unmap_partial;
		}
		if (next > end || next == 0)
			next = end;
		for (; va < next; va += IOMMU_PAGE_SIZE) {
			atomic_store_explicit(
				&leaf->pte[pt_index(va, IOMMU_LEAF_LEVEL)],
				((uint64_t)host + (va - iova)) | pte_bits,
				memory_order_relaxed);
			leaf->used++;
			domain->nr_ptes++;
		}
	}
	pt_debug_check(domain);
	pthread_rwlock_unlock(&domain->lock);
	return 0;

err_unmap_partial:
	/* Also returns tables the failed walk left empty to the free list. */
	__iommu_unmap(domain, iova, end - iova, NULL);
out_unlock:
	pt_debug_check(domain);
	pthread_rwlock_unlock(&domain->lock);
	return ret;
}

long iommu_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size,
		 unsigned long *dirty)
{
	uint64_t n;

	if (!domain || !iommu_range_ok(domain, iova, size))
		return -EINVAL;
	pthread_rwlock_wrlock(&domain->lock);
	n = __iommu_unmap(domain, iova, size, dirty);
	pt_debug_check(domain);
	pthread_rwlock_unlock(&domain->lock);
	return (long)n;
}

int iommu_set_prot(struct iommu_domain *domain, uint64_t iova, uint64_t size,
		   unsigned int prot)
{
	uint64_t end, va, keep = ~(IOMMU_PTE_WRITE), bits = prot_to_pte(prot);
	int ret = 0;

	if (!domain || !iommu_range_ok(domain, iova, size) || !prot_ok(prot))
		return -EINVAL;
	end = iova + size;
	pthread_rwlock_wrlock(&domain->lock);
	if (pt_count_present(domain, iova, end) != size >> IOMMU_PAGE_SHIFT) {
		ret = -EINVAL;
		goto out_unlock;
	}
	for (va = iova; va < end; va += IOMMU_PAGE_SIZE) {
		_Atomic uint64_t *slot = pt_slot(domain, va);
		uint64_t old = atomic_load_explicit(slot, memory_order_relaxed);

		/* Readers may be setting DIRTY or pins: keep their bits. */
		while (!atomic_compare_exchange_weak_explicit(
			       slot, &old, (old & keep) | bits,
			       memory_order_relaxed, memory_order_relaxed))
			;
	}
	pt_debug_check(domain);
out_unlock:
	pthread_rwlock_unlock(&domain->lock);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Device accesses */

static int iommu_report_fault(struct iommu_domain *domain, uint64_t iova,
			      enum iommu_access access, int error)
{
	struct iommu_fault fault = {
		.iova = iova,
		.access = access,
		.error = error,
	};

	atomic_fetch_add_explicit(&domain->faults, 1, memory_order_relaxed);
	pthread_mutex_lock(&domain->fault_lock);
	domain->last_fault = fault;
	pthread_mutex_unlock(&domain->fault_lock);
	if (domain->fault_handler)
		domain->fault_handler(domain, &fault, domain->fault_data);
	return error;
}

/* Checks @pte for @access; the error of the fault it would be, or 0. */
static int pte_access_error(uint64_t pte, enum iommu_access access)
{
	if (!(pte & IOMMU_PTE_PRESENT))
		return -EFAULT;
	if (access == IOMMU_ACCESS_WRITE && !(pte & IOMMU_PTE_WRITE))
		return -EPERM;
	return 0;
}

/*
 * One access: translate @iova, set DIRTY for a write, add @pin to the pin
 * count. The PTE is updated with a compare-and-swap because other readers
 * may update DIRTY or pins concurrently.
 */
static int iommu_access(struct iommu_domain *domain, uint64_t iova,
			enum iommu_access access, int pin, uintptr_t *host)
{
	_Atomic uint64_t *slot;
	uint64_t pte, new;
	int err;

	if (!domain || !host ||
	    (access != IOMMU_ACCESS_READ && access != IOMMU_ACCESS_WRITE))
		return -EINVAL;

	pthread_rwlock_rdlock(&domain->lock);
	slot = pt_slot(domain, iova);
	pte = slot ? atomic_load_explicit(slot, memory_order_relaxed) : 0;
	for (;;) {
		err = pte_access_error(pte, access);
		if (err)
			break;
		if (pin && iommu_pte_pins(pte) == IOMMU_PTE_PIN_MAX) {
			pthread_rwlock_unlock(&domain->lock);
			return -EBUSY;
		}
		new = pte + ((uint64_t)pin << IOMMU_PTE_PIN_SHIFT);
		if (access == IOMMU_ACCESS_WRITE)
			new |= IOMMU_PTE_DIRTY;
		if (new == pte)
			break;	/* plain read, or DIRTY already set */
		if (atomic_compare_exchange_weak_explicit(
			    slot, &pte, new, memory_order_relaxed,
			    memory_order_relaxed))
			break;
	}
	pthread_rwlock_unlock(&domain->lock);

	if (err)
		return iommu_report_fault(domain, iova, access, err);
	atomic_fetch_add_explicit(&domain->translations, 1,
				  memory_order_relaxed);
	*host = (uintptr_t)((pte & IOMMU_PTE_ADDR_MASK) |
			    (iova & (IOMMU_PAGE_SIZE - 1)));
	return 0;
}

int iommu_translate(struct iommu_domain *domain, uint64_t iova,
		    enum iommu_access access, uintptr_t *host)
{
	return iommu_access(domain, iova, access, 0, host);
}

int iommu_dma_begin(struct iommu_domain *domain, uint64_t iova,
		    enum iommu_access access, uintptr_t *host)
{
	return iommu_access(domain, iova, access, 1, host);
}

int iommu_dma_end(struct iommu_domain *domain, uint64_t iova)
{
	_Atomic uint64_t *slot;
	uint64_t pte;
	int ret = -EFAULT;

	if (!domain)
		return -EINVAL;
	pthread_rwlock_rdlock(&domain->lock);
	slot = pt_slot(domain, iova);
	pte = slot ? atomic_load_explicit(slot, memory_order_relaxed) : 0;
	while ((pte & IOMMU_PTE_PRESENT) && iommu_pte_pins(pte)) {
		if (atomic_compare_exchange_weak_explicit(
			    slot, &pte, pte - (1ull << IOMMU_PTE_PIN_SHIFT),
			    memory_order_release, memory_order_relaxed)) {
			ret = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&domain->lock);
	return ret;
}

uint64_t iommu_iova_to_pte(struct iommu_domain *domain, uint64_t iova)
{
	_Atomic uint64_t *slot;
	uint64_t pte;

	if (!domain)
		return 0;
	pthread_rwlock_rdlock(&domain->lock);
	slot = pt_slot(domain, iova & IOMMU_PAGE_MASK);
	pte = slot ? atomic_load_explicit(slot, memory_order_acquire) : 0;
	pthread_rwlock_unlock(&domain->lock);
	return pte;
}

uint64_t iommu_range_pinned(struct iommu_domain *domain, uint64_t iova,
			    uint64_t size)
{
	uint64_t end, n = 0;

	if (!domain || !iommu_range_ok(domain, iova, size))
		return 0;
	end = iova + size;
	pthread_rwlock_rdlock(&domain->lock);
	for (; iova < end; iova += IOMMU_PAGE_SIZE) {
		_Atomic uint64_t *slot = pt_slot(domain, iova);

		if (slot && iommu_pte_pins(atomic_load_explicit(
				    slot, memory_order_acquire)))
			n++;
	}
	pthread_rwlock_unlock(&domain->lock);
	return n;
}

/* ---------------------------------------------------------------------- */
/* Domains */

struct iommu_domain *iommu_domain_alloc(uint64_t aperture_end)
{
	struct iommu_domain *domain;

	if (!iommu_aligned(aperture_end) || aperture_end <= IOMMU_PAGE_SIZE ||
	    aperture_end > IOMMU_IOVA_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	domain = calloc(1, sizeof(*domain));
	if (!domain)
		goto err;
	domain->holes = calloc(IOMMU_HOLES_MIN, sizeof(*domain->holes));
	if (!domain->holes)
		goto err_free_domain;
	domain->root = calloc(1, sizeof(*domain->root));
	if (!domain->root)
		goto err_free_holes;
	if (pthread_rwlock_init(&domain->lock, NULL))
		goto err_free_root;
	if (pthread_mutex_init(&domain->fault_lock, NULL))
		goto err_destroy_lock;

	domain->nr_tables = 1;
	domain->base = IOMMU_PAGE_SIZE;	/* IOVA 0 means "none" */
	domain->end = aperture_end;
	domain->cap_holes = IOMMU_HOLES_MIN;
	domain->nr_holes = 1;
	domain->holes[0].start = domain->base;
	domain->holes[0].end = domain->end;
	domain->free_bytes = domain->end - domain->base;
	return domain;

err_destroy_lock:
	pthread_rwlock_destroy(&domain->lock);
err_free_root:
	free(domain->root);
err_free_holes:
	free(domain->holes);
err_free_domain:
	free(domain);
err:
	errno = ENOMEM;
	return NULL;
}

void iommu_domain_free(struct iommu_domain *domain)
{
	struct iommu_pt_node *node;

	if (!domain)
		return;
	pt_free_tree(domain->root, 0);
	while ((node = domain->free_tables)) {
		domain->free_tables = node->next_free;
		free(node);
	}
	pthread_mutex_destroy(&domain->fault_lock);
	pthread_rwlock_destroy(&domain->lock);
	free(domain->holes);
	free(domain);
}

void iommu_set_fault_handler(struct iommu_domain *domain,
			     iommu_fault_handler_t handler, void *data)
{
	if (!domain)
		return;
	domain->fault_handler = handler;
	domain->fault_data = data;
}

void iommu_get_stats(struct iommu_domain *domain, struct iommu_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (!domain)
		return;
	pthread_rwlock_rdlock(&domain->lock);
	out->iova_size = domain->end - domain->base;
	out->iova_free = domain->free_bytes;
	out->iova_holes = domain->nr_holes;
	out->nr_ptes = domain->nr_ptes;
	out->nr_tables = domain->nr_tables;
	out->nr_cached_tables = domain->nr_free_tables;
	pthread_rwlock_unlock(&domain->lock);
	out->translations = atomic_load_explicit(&domain->translations,
						 memory_order_relaxed);
	out->faults = atomic_load_explicit(&domain->faults,
					   memory_order_relaxed);
	pthread_mutex_lock(&domain->fault_lock);
	out->last_fault = domain->last_fault;
	pthread_mutex_unlock(&domain->fault_lock);
}
