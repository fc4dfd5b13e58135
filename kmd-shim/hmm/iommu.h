/* SPDX-License-Identifier: MIT */
/*
 * iommu.h - a software IOMMU: IOVA space and an IO page table per domain.
 *
 * DOC: Overview
 *
 * A &struct iommu_domain is what a device sees of memory when it does DMA:
 * an IO virtual address space (IOVA) translated by an IO page table into
 * host addresses. The HMM DMA-map helpers (dma.h) allocate IOVA space for a
 * mirrored range and link its pages here; the device then reaches memory
 * only through iommu_translate() (or iommu_dma_begin()/iommu_dma_end() for
 * an access that lasts, such as a copy). An IOVA that is not mapped is an
 * *IOMMU fault*: the translation fails with -EFAULT and the fault is
 * recorded, it never touches memory.
 *
 * - IOVA allocator: page granular, best fit over a sorted array of free
 *   ranges ("holes"). IOVA 0 is never handed out, so 0 can mean "no IOVA"
 *   (Mesa's util_vma reserves offset 0 the same way). Exhaustion is
 *   -ENOSPC, a failed allocation of bookkeeping memory is -ENOMEM.
 * - IO page table: four levels of 512 entries over a 48-bit IOVA. A leaf
 *   entry (IO PTE) holds the page-aligned host address and PRESENT, READ,
 *   WRITE and DIRTY bits, plus a count of in-flight DMA (pins). A
 *   translation for write sets DIRTY: the device's write is what makes a
 *   page dirty, as with an IOMMU's hardware dirty tracking.
 *
 * DOC: Locking
 *
 * domain->lock (a rwlock) protects the allocator and the shape of the IO
 * page table. Allocation, free, map, unmap and permission changes take it
 * for writing; translations, pins and lookups take it for reading and
 * change only the DIRTY bit and the pin count of a PTE, with atomic
 * read-modify-writes. No callback is called with it held.
 *
 * iommu_unmap() and the translation paths never allocate or free heap
 * memory (emptied tables go to a per-domain free list): they may run in
 * an mmu interval notifier callback on the userfaultfd monitor thread,
 * which must not call malloc or free (kmd-shim/mm/userfaultfd.c).
 * Allocation and free of IOVA space may allocate and must not be called
 * there.
 *
 * Errors are negative errno values.
 */
#ifndef SVMCL_HMM_IOMMU_H
#define SVMCL_HMM_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOMMU_PAGE_SHIFT 12
#define IOMMU_PAGE_SIZE (1ull << IOMMU_PAGE_SHIFT)
#define IOMMU_PAGE_MASK (~(IOMMU_PAGE_SIZE - 1))

/* The IO page table translates 48 bits, like x86-64 IOMMUs at 4 levels. */
#define IOMMU_IOVA_BITS 48
#define IOMMU_IOVA_LIMIT (1ull << IOMMU_IOVA_BITS)

/* Mapping permissions (iommu_map, iommu_set_prot). */
#define IOMMU_READ (1u << 0)
#define IOMMU_WRITE (1u << 1)

/* IO PTE layout (iommu_iova_to_pte()). The host address is bits 12..63. */
#define IOMMU_PTE_PRESENT (1ull << 0)
#define IOMMU_PTE_READ (1ull << 1)
#define IOMMU_PTE_WRITE (1ull << 2)
#define IOMMU_PTE_DIRTY (1ull << 3)
#define IOMMU_PTE_PIN_SHIFT 4
#define IOMMU_PTE_PIN_MAX 0xffull	/* in-flight DMA per page */
#define IOMMU_PTE_PIN_MASK (IOMMU_PTE_PIN_MAX << IOMMU_PTE_PIN_SHIFT)
#define IOMMU_PTE_ADDR_MASK IOMMU_PAGE_MASK

static inline unsigned int iommu_pte_pins(uint64_t pte)
{
	return (unsigned int)((pte & IOMMU_PTE_PIN_MASK) >> IOMMU_PTE_PIN_SHIFT);
}

/* What a device access does. */
enum iommu_access {
	IOMMU_ACCESS_READ = 0,
	IOMMU_ACCESS_WRITE = 1,
};

struct iommu_domain;

/*
 * struct iommu_fault - one IOMMU fault: a device access that found no
 * translation (-EFAULT) or a write through a read-only one (-EPERM).
 */
struct iommu_fault {
	uint64_t iova;
	enum iommu_access access;
	int error;
};

/*
 * iommu_fault_handler_t - called after a fault is recorded, on the thread of
 * the faulting access, with no IOMMU lock held (Linux's
 * iommu_set_fault_handler()).
 */
typedef void (*iommu_fault_handler_t)(struct iommu_domain *domain,
				      const struct iommu_fault *fault,
				      void *data);

struct iommu_stats {
	uint64_t iova_size;		/* bytes of IOVA space, [base, end) */
	uint64_t iova_free;		/* bytes free */
	uint64_t iova_holes;		/* free ranges */
	uint64_t nr_ptes;		/* present IO PTEs */
	uint64_t nr_tables;		/* tables in use (root included) */
	uint64_t nr_cached_tables;	/* emptied tables kept for reuse */
	uint64_t translations;		/* successful translations and pins */
	uint64_t faults;		/* IOMMU faults */
	struct iommu_fault last_fault;	/* valid when faults != 0 */
};

/*
 * iommu_domain_alloc() - an empty domain whose IOVA space is
 * [IOMMU_PAGE_SIZE, @aperture_end). @aperture_end must be page aligned,
 * above IOMMU_PAGE_SIZE and at most IOMMU_IOVA_LIMIT.
 * Return: the domain, or NULL with errno EINVAL or ENOMEM.
 */
struct iommu_domain *iommu_domain_alloc(uint64_t aperture_end);
/* Frees the domain and everything still mapped or allocated in it. */
void iommu_domain_free(struct iommu_domain *domain);
void iommu_set_fault_handler(struct iommu_domain *domain,
			     iommu_fault_handler_t handler, void *data);
void iommu_get_stats(struct iommu_domain *domain, struct iommu_stats *out);

/*
 * iommu_iova_alloc() - allocate @size bytes of IOVA space aligned to
 * @align (a power of two, at least a page), best fit.
 * Return: 0 and *@iova; -EINVAL for a bad size or alignment; -ENOSPC when
 * no free range fits; -ENOMEM when bookkeeping memory cannot be allocated.
 */
int iommu_iova_alloc(struct iommu_domain *domain, uint64_t size,
		     uint64_t align, uint64_t *iova);
/*
 * iommu_iova_free() - return [@iova, @iova + @size) to the free space. Any
 * allocated page-aligned range may be freed, also part of an allocation.
 * Return: 0; -EINVAL when the range is malformed or not entirely allocated
 * (double free); -ENOMEM when splitting a free range needs memory that
 * cannot be had (the range then stays allocated).
 */
int iommu_iova_free(struct iommu_domain *domain, uint64_t iova,
		    uint64_t size);
/* Invariant checker of the allocator: 0, or -EUCLEAN with a message. */
int iommu_iova_check(struct iommu_domain *domain);

/*
 * iommu_map() - map [@iova, @iova + @size) to [@host, @host + @size) with
 * @prot (IOMMU_READ, optionally IOMMU_WRITE). The IOVA range must be
 * allocated and unmapped.
 * Return: 0; -EINVAL for unaligned, out-of-aperture or unallocated ranges
 * and bad @prot; -EEXIST when a page is already mapped (nothing changes);
 * -ENOMEM (nothing changes).
 */
int iommu_map(struct iommu_domain *domain, uint64_t iova, uintptr_t host,
	      uint64_t size, unsigned int prot);
/*
 * iommu_unmap() - unmap the present pages of [@iova, @iova + @size).
 * @dirty: optional bitmap, bit i set when page i of the range was DIRTY.
 * Never allocates or frees heap memory.
 * Return: the number of pages unmapped, or -EINVAL.
 */
long iommu_unmap(struct iommu_domain *domain, uint64_t iova, uint64_t size,
		 unsigned long *dirty);
/*
 * iommu_set_prot() - change the permissions of the present pages of
 * [@iova, @iova + @size), keeping host address, DIRTY and pins.
 * Return: 0; -EINVAL for a bad range or @prot, or a page that is not
 * present (nothing changes).
 */
int iommu_set_prot(struct iommu_domain *domain, uint64_t iova, uint64_t size,
		   unsigned int prot);

/*
 * iommu_translate() - a device access at @iova: the host address to use.
 * A write sets the page's DIRTY bit.
 * Return: 0 and *@host; -EFAULT (not mapped) or -EPERM (write to a
 * read-only page) as a recorded IOMMU fault.
 */
int iommu_translate(struct iommu_domain *domain, uint64_t iova,
		    enum iommu_access access, uintptr_t *host);
/*
 * iommu_dma_begin() / iommu_dma_end() - a DMA transfer in flight on the
 * page of @iova: translate and pin, then unpin when the transfer is done.
 * While a page is pinned, unmapping it is a driver bug (the device still
 * accesses it); hmm_range_discard() checks this in debug builds.
 * Return (begin): as iommu_translate(), and -EBUSY when the page already
 * has IOMMU_PTE_PIN_MAX transfers in flight.
 * Return (end): 0, or -EFAULT when the page is no longer mapped or not
 * pinned (the unmap that raced with the transfer was the bug).
 */
int iommu_dma_begin(struct iommu_domain *domain, uint64_t iova,
		    enum iommu_access access, uintptr_t *host);
int iommu_dma_end(struct iommu_domain *domain, uint64_t iova);

/* The IO PTE of @iova, 0 when not mapped. For tests and debugging. */
uint64_t iommu_iova_to_pte(struct iommu_domain *domain, uint64_t iova);
/* Pages of [@iova, @iova + @size) with DMA in flight (pinned). */
uint64_t iommu_range_pinned(struct iommu_domain *domain, uint64_t iova,
			    uint64_t size);
/* Invariant checker of the IO page table: 0, or -EUCLEAN with a message. */
int iommu_pt_check(struct iommu_domain *domain);

#endif /* SVMCL_HMM_IOMMU_H */
