/* SPDX-License-Identifier: MIT */
/*
 * test_iommu.c - the IO page table of the software IOMMU
 * (kmd-shim/hmm/iommu.c): map, translate, faults, DIRTY, permissions,
 * pins, table reuse across level boundaries, bad input, and translations
 * racing map/unmap of other ranges.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmm/iommu.h"

#define PG IOMMU_PAGE_SIZE

static void *buf_alloc(size_t npages)
{
	void *p = aligned_alloc(PG, npages * PG);

	assert_non_null(p);
	memset(p, 0, npages * PG);
	return p;
}

static void get_stats(struct iommu_domain *d, struct iommu_stats *st)
{
	iommu_get_stats(d, st);
}

static int faults_seen;
static struct iommu_fault fault_seen;

static void on_fault(struct iommu_domain *d, const struct iommu_fault *f,
		     void *data)
{
	(void)d;
	assert_ptr_equal(data, &faults_seen);
	faults_seen++;
	fault_seen = *f;
}

static void test_map_translate(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(1ull << 32);
	char *buf = buf_alloc(4);
	struct iommu_stats st;
	uintptr_t host;
	uint64_t iova, pte;

	(void)state;
	assert_non_null(d);
	iommu_set_fault_handler(d, on_fault, &faults_seen);
	faults_seen = 0;
	assert_int_equal(iommu_iova_alloc(d, 4 * PG, PG, &iova), 0);
	assert_int_equal(iommu_map(d, iova, (uintptr_t)buf, 2 * PG,
				   IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(iommu_map(d, iova + 2 * PG, (uintptr_t)buf + 2 * PG,
				   PG, IOMMU_READ), 0);

	/* Offsets within the page are kept. */
	assert_int_equal(iommu_translate(d, iova + PG + 123, IOMMU_ACCESS_READ,
					 &host), 0);
	assert_ptr_equal((void *)host, buf + PG + 123);
	pte = iommu_iova_to_pte(d, iova + PG);
	assert_true(pte & IOMMU_PTE_PRESENT);
	assert_true(pte & IOMMU_PTE_READ);
	assert_true(pte & IOMMU_PTE_WRITE);
	assert_false(pte & IOMMU_PTE_DIRTY);	/* reads do not dirty */

	/* The device's write is what makes a page dirty. */
	assert_int_equal(iommu_translate(d, iova + PG, IOMMU_ACCESS_WRITE,
					 &host), 0);
	*(volatile char *)host = 7;
	assert_int_equal(buf[PG], 7);
	assert_true(iommu_iova_to_pte(d, iova + PG) & IOMMU_PTE_DIRTY);
	assert_false(iommu_iova_to_pte(d, iova) & IOMMU_PTE_DIRTY);

	/* Write to a read-only page: -EPERM, recorded, nothing dirtied. */
	assert_int_equal(iommu_translate(d, iova + 2 * PG + 8,
					 IOMMU_ACCESS_WRITE, &host), -EPERM);
	assert_false(iommu_iova_to_pte(d, iova + 2 * PG) & IOMMU_PTE_DIRTY);
	assert_int_equal(faults_seen, 1);
	assert_int_equal(fault_seen.iova, iova + 2 * PG + 8);
	assert_int_equal(fault_seen.access, IOMMU_ACCESS_WRITE);
	assert_int_equal(fault_seen.error, -EPERM);

	/* Unmapped page of an allocated IOVA, and IOVAs nobody has. */
	assert_int_equal(iommu_translate(d, iova + 3 * PG, IOMMU_ACCESS_READ,
					 &host), -EFAULT);
	assert_int_equal(iommu_translate(d, 0, IOMMU_ACCESS_READ, &host),
			 -EFAULT);
	assert_int_equal(iommu_translate(d, UINT64_MAX, IOMMU_ACCESS_READ,
					 &host), -EFAULT);
	assert_int_equal(faults_seen, 4);
	get_stats(d, &st);
	assert_int_equal(st.faults, 4);
	assert_int_equal(st.last_fault.iova, UINT64_MAX);
	assert_int_equal(st.last_fault.error, -EFAULT);
	assert_int_equal(st.translations, 2);
	assert_int_equal(st.nr_ptes, 3);

	/* Bad arguments are -EINVAL and not faults. */
	assert_int_equal(iommu_translate(d, iova, 2, &host), -EINVAL);
	assert_int_equal(iommu_translate(d, iova, IOMMU_ACCESS_READ, NULL),
			 -EINVAL);
	assert_int_equal(iommu_translate(NULL, iova, IOMMU_ACCESS_READ,
					 &host), -EINVAL);
	assert_int_equal(faults_seen, 4);

	assert_int_equal(iommu_pt_check(d), 0);
	iommu_domain_free(d);
	free(buf);
}

static void test_map_bad_input(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(1ull << 32);
	char *buf = buf_alloc(4);
	uintptr_t h = (uintptr_t)buf;
	uint64_t iova, unalloc;
	struct iommu_stats st;

	(void)state;
	assert_non_null(d);
	assert_int_equal(iommu_iova_alloc(d, 4 * PG, PG, &iova), 0);
	unalloc = iova + 16 * PG;

	assert_int_equal(iommu_map(NULL, iova, h, PG, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, iova + 1, h, PG, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, iova, h + 1, PG, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, iova, h, PG + 1, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, iova, h, 0, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, iova, h, PG, 0), -EINVAL);
	assert_int_equal(iommu_map(d, iova, h, PG, IOMMU_WRITE), -EINVAL);
	assert_int_equal(iommu_map(d, iova, h, PG, IOMMU_READ | 4), -EINVAL);
	assert_int_equal(iommu_map(d, iova, h, UINT64_MAX & ~(PG - 1),
				   IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, iova, UINTPTR_MAX & ~(PG - 1), 2 * PG,
				   IOMMU_READ), -EINVAL);	/* host wraps */
	assert_int_equal(iommu_map(d, 0, h, PG, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, 1ull << 32, h, PG, IOMMU_READ),
			 -EINVAL);	/* beyond the aperture */
	/* Only allocated IOVA space can be mapped. */
	assert_int_equal(iommu_map(d, unalloc, h, PG, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_map(d, iova + 3 * PG, h, 2 * PG, IOMMU_READ),
			 -EINVAL);

	/* A page mapped already: -EEXIST and nothing of the call happens. */
	assert_int_equal(iommu_map(d, iova + PG, h + PG, PG, IOMMU_READ), 0);
	assert_int_equal(iommu_map(d, iova, h, 4 * PG, IOMMU_READ), -EEXIST);
	get_stats(d, &st);
	assert_int_equal(st.nr_ptes, 1);
	assert_int_equal(iommu_iova_to_pte(d, iova), 0);

	assert_int_equal(iommu_unmap(d, iova + 1, PG, NULL), -EINVAL);
	assert_int_equal(iommu_unmap(d, iova, 0, NULL), -EINVAL);
	assert_int_equal(iommu_unmap(NULL, iova, PG, NULL), -EINVAL);
	assert_int_equal(iommu_set_prot(d, iova, PG, IOMMU_READ), -EINVAL);
	assert_int_equal(iommu_set_prot(d, iova + PG, PG, 0), -EINVAL);
	assert_int_equal(iommu_pt_check(d), 0);
	iommu_domain_free(d);
	free(buf);
}

static void test_unmap_dirty_bitmap(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(1ull << 32);
	char *buf = buf_alloc(70);
	unsigned long dirty[2] = { 0, 0 };
	uintptr_t host;
	uint64_t iova;

	(void)state;
	assert_non_null(d);
	assert_int_equal(iommu_iova_alloc(d, 70 * PG, PG, &iova), 0);
	assert_int_equal(iommu_map(d, iova, (uintptr_t)buf, 70 * PG,
				   IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(iommu_translate(d, iova + 3 * PG, IOMMU_ACCESS_WRITE,
					 &host), 0);
	assert_int_equal(iommu_translate(d, iova + 65 * PG, IOMMU_ACCESS_WRITE,
					 &host), 0);
	assert_int_equal(iommu_translate(d, iova + 66 * PG, IOMMU_ACCESS_READ,
					 &host), 0);
	/* Unmap a hole in the middle first: only present pages count. */
	assert_int_equal(iommu_unmap(d, iova + 10 * PG, 10 * PG, NULL), 10);
	assert_int_equal(iommu_unmap(d, iova + 10 * PG, 10 * PG, NULL), 0);
	assert_int_equal(iommu_unmap(d, iova, 70 * PG, dirty), 60);
	assert_int_equal(dirty[0], 1ul << 3);
	assert_int_equal(dirty[1], 1ul << 1);
	assert_int_equal(iommu_translate(d, iova + 3 * PG, IOMMU_ACCESS_READ,
					 &host), -EFAULT);
	assert_int_equal(iommu_pt_check(d), 0);
	iommu_domain_free(d);
	free(buf);
}

static void test_set_prot(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(1ull << 32);
	char *buf = buf_alloc(2);
	uintptr_t host;
	uint64_t iova, pte;

	(void)state;
	assert_non_null(d);
	assert_int_equal(iommu_iova_alloc(d, 2 * PG, PG, &iova), 0);
	assert_int_equal(iommu_map(d, iova, (uintptr_t)buf, PG,
				   IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(iommu_translate(d, iova, IOMMU_ACCESS_WRITE, &host),
			 0);
	/* Downgrade keeps host and DIRTY; writes now fault. */
	assert_int_equal(iommu_set_prot(d, iova, PG, IOMMU_READ), 0);
	pte = iommu_iova_to_pte(d, iova);
	assert_int_equal(pte & IOMMU_PTE_ADDR_MASK, (uintptr_t)buf);
	assert_true(pte & IOMMU_PTE_DIRTY);
	assert_false(pte & IOMMU_PTE_WRITE);
	assert_int_equal(iommu_translate(d, iova, IOMMU_ACCESS_WRITE, &host),
			 -EPERM);
	assert_int_equal(iommu_set_prot(d, iova, PG, IOMMU_READ | IOMMU_WRITE),
			 0);
	assert_int_equal(iommu_translate(d, iova, IOMMU_ACCESS_WRITE, &host),
			 0);
	/* A range with an unmapped page: refused, nothing changes. */
	assert_int_equal(iommu_set_prot(d, iova, 2 * PG, IOMMU_READ), -EINVAL);
	assert_true(iommu_iova_to_pte(d, iova) & IOMMU_PTE_WRITE);
	iommu_domain_free(d);
	free(buf);
}

/* Mappings across 2 MiB, 1 GiB and 512 GiB boundaries; tables reused. */
static void test_levels_and_reuse(void **state)
{
	static const uint64_t bounds[] = { 1ull << 21, 1ull << 30, 1ull << 39 };
	struct iommu_domain *d = iommu_domain_alloc(IOMMU_IOVA_LIMIT);
	char *buf = buf_alloc(16);
	struct iommu_stats st;
	uint64_t big, before_tables;
	size_t b, i;

	(void)state;
	assert_non_null(d);
	/* Reserve [2^39 - 2^30, 2^39 + 2^30) to have all three boundaries. */
	assert_int_equal(iommu_iova_alloc(d, 1ull << 40, 1ull << 40, &big), 0);
	assert_int_equal(big, 1ull << 40);
	get_stats(d, &st);
	before_tables = st.nr_tables;
	assert_int_equal(before_tables, 1);

	for (b = 0; b < 3; b++) {
		uint64_t at = big + bounds[b] - 8 * PG;
		long n;

		assert_int_equal(iommu_map(d, at, (uintptr_t)buf, 16 * PG,
					   IOMMU_READ), 0);
		for (i = 0; i < 16; i++) {
			uintptr_t host;

			assert_int_equal(iommu_translate(d, at + i * PG + 5,
							 IOMMU_ACCESS_READ,
							 &host), 0);
			assert_ptr_equal((void *)host, buf + i * PG + 5);
		}
		get_stats(d, &st);
		/*
		 * Root, two leaves, and one or two tables at each of the two
		 * directory levels depending on the boundary crossed.
		 */
		assert_int_equal(st.nr_tables, 1 + 2 + (b >= 1 ? 2 : 1) +
				 (b >= 2 ? 2 : 1));
		assert_int_equal(iommu_pt_check(d), 0);
		n = iommu_unmap(d, at, 16 * PG, NULL);
		assert_int_equal(n, 16);
		get_stats(d, &st);
		assert_int_equal(st.nr_tables, 1);
		assert_int_equal(st.nr_ptes, 0);
		assert_true(st.nr_cached_tables >= 4);
	}
	/* Cached tables are reused instead of allocated. */
	get_stats(d, &st);
	before_tables = st.nr_cached_tables;
	assert_int_equal(iommu_map(d, big, (uintptr_t)buf, PG, IOMMU_READ), 0);
	get_stats(d, &st);
	assert_int_equal(st.nr_cached_tables, before_tables - 3);
	assert_int_equal(st.nr_tables, 4);
	assert_int_equal(iommu_pt_check(d), 0);
	iommu_domain_free(d);	/* frees what is still mapped */
	free(buf);
}

static void test_pins(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(1ull << 32);
	char *buf = buf_alloc(4);
	uintptr_t host;
	uint64_t iova;
	unsigned int i;

	(void)state;
	assert_non_null(d);
	assert_int_equal(iommu_iova_alloc(d, 4 * PG, PG, &iova), 0);
	assert_int_equal(iommu_map(d, iova, (uintptr_t)buf, 4 * PG,
				   IOMMU_READ), 0);
	assert_int_equal(iommu_range_pinned(d, iova, 4 * PG), 0);
	assert_int_equal(iommu_dma_begin(d, iova + PG, IOMMU_ACCESS_READ,
					 &host), 0);
	assert_ptr_equal((void *)host, buf + PG);
	assert_int_equal(iommu_dma_begin(d, iova + PG, IOMMU_ACCESS_READ,
					 &host), 0);
	assert_int_equal(iommu_dma_begin(d, iova + 3 * PG, IOMMU_ACCESS_READ,
					 &host), 0);
	assert_int_equal(iommu_range_pinned(d, iova, 4 * PG), 2);
	assert_int_equal(iommu_pte_pins(iommu_iova_to_pte(d, iova + PG)), 2);
	/* A pin for write on a read-only page is a fault, not a pin. */
	assert_int_equal(iommu_dma_begin(d, iova, IOMMU_ACCESS_WRITE, &host),
			 -EPERM);
	assert_int_equal(iommu_range_pinned(d, iova, PG), 0);

	assert_int_equal(iommu_dma_end(d, iova + PG), 0);
	assert_int_equal(iommu_dma_end(d, iova + PG), 0);
	assert_int_equal(iommu_dma_end(d, iova + PG), -EFAULT);	/* unpaired */
	assert_int_equal(iommu_dma_end(d, iova + 3 * PG), 0);
	assert_int_equal(iommu_range_pinned(d, iova, 4 * PG), 0);

	/* The pin count saturates with -EBUSY, never wraps into the address. */
	for (i = 0; i < IOMMU_PTE_PIN_MAX; i++)
		assert_int_equal(iommu_dma_begin(d, iova, IOMMU_ACCESS_READ,
						 &host), 0);
	assert_int_equal(iommu_dma_begin(d, iova, IOMMU_ACCESS_READ, &host),
			 -EBUSY);
	assert_int_equal(iommu_iova_to_pte(d, iova) & IOMMU_PTE_ADDR_MASK,
			 (uintptr_t)buf);
	for (i = 0; i < IOMMU_PTE_PIN_MAX; i++)
		assert_int_equal(iommu_dma_end(d, iova), 0);
	assert_int_equal(iommu_pt_check(d), 0);

	/* An end after the page went away reports the race. */
	assert_int_equal(iommu_dma_begin(d, iova + 2 * PG, IOMMU_ACCESS_READ,
					 &host), 0);
	assert_int_equal(iommu_unmap(d, iova + 2 * PG, PG, NULL), 1);
	assert_int_equal(iommu_dma_end(d, iova + 2 * PG), -EFAULT);
	assert_int_equal(iommu_dma_end(NULL, iova), -EINVAL);
	iommu_domain_free(d);
	free(buf);
}

/* ---------------------------------------------------------------------- */
/* Translations of a stable page while other pages are mapped and unmapped */

struct race {
	struct iommu_domain *d;
	uint64_t stable;
	char *expect;
	atomic_bool stop;
	atomic_ulong bad;
	atomic_ulong done;
};

static void *translator(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		uintptr_t host;

		if (iommu_translate(r->d, r->stable + 64, IOMMU_ACCESS_WRITE,
				    &host) || (char *)host != r->expect + 64)
			atomic_fetch_add(&r->bad, 1);
		atomic_fetch_add(&r->done, 1);
	}
	return NULL;
}

static void test_translate_races_map(void **state)
{
	struct race r = { 0 };
	char *buf = buf_alloc(64);
	pthread_t th[2];
	uint64_t churn;
	int i, k;

	(void)state;
	r.d = iommu_domain_alloc(1ull << 32);
	assert_non_null(r.d);
	r.expect = buf;
	assert_int_equal(iommu_iova_alloc(r.d, PG, PG, &r.stable), 0);
	assert_int_equal(iommu_map(r.d, r.stable, (uintptr_t)buf, PG,
				   IOMMU_READ | IOMMU_WRITE), 0);
	assert_int_equal(iommu_iova_alloc(r.d, 1ull << 23, 1ull << 21, &churn),
			 0);
	for (k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&th[k], NULL, translator, &r), 0);
	for (i = 0; i < 2000; i++) {
		/* 8-page chunks scattered over 8 MiB: tables come and go. */
		uint64_t at = churn + (uint64_t)((i * 37) % 256) * 8 * PG;

		assert_int_equal(iommu_map(r.d, at, (uintptr_t)buf, 8 * PG,
					   IOMMU_READ), 0);
		assert_int_equal(iommu_unmap(r.d, at, 8 * PG, NULL), 8);
	}
	/* Let the translators run at least a little on a 2-core machine. */
	while (atomic_load(&r.done) < 1000)
		;
	atomic_store(&r.stop, true);
	for (k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	assert_int_equal(atomic_load(&r.bad), 0);
	assert_true(iommu_iova_to_pte(r.d, r.stable) & IOMMU_PTE_DIRTY);
	assert_int_equal(iommu_pt_check(r.d), 0);
	iommu_domain_free(r.d);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_translate),
		cmocka_unit_test(test_map_bad_input),
		cmocka_unit_test(test_unmap_dirty_bitmap),
		cmocka_unit_test(test_set_prot),
		cmocka_unit_test(test_levels_and_reuse),
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_translate_races_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
