/* SPDX-License-Identifier: MIT */
/*
 * test_iova.c - the IOVA allocator of the software IOMMU
 * (kmd-shim/hmm/iommu.c): boundaries, best fit, alignment, fragmentation,
 * exhaustion (-ENOSPC), bookkeeping failures (-ENOMEM, injected by
 * wrapping realloc) and a seeded random sequence against a shadow map,
 * with the invariant checker after every step.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hmm/iommu.h"

#define PG IOMMU_PAGE_SIZE

/* ---------------------------------------------------------------------- */
/* realloc failure injection (-Wl,--wrap=realloc) */

void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static int realloc_fail;	/* fail the next N reallocs */
static int realloc_calls;

void *__wrap_realloc(void *ptr, size_t size)
{
	realloc_calls++;
	if (realloc_fail > 0) {
		realloc_fail--;
		return NULL;
	}
	return __real_realloc(ptr, size);
}

/* ---------------------------------------------------------------------- */

static uint64_t free_bytes(struct iommu_domain *d)
{
	struct iommu_stats st;

	iommu_get_stats(d, &st);
	return st.iova_free;
}

static uint64_t holes(struct iommu_domain *d)
{
	struct iommu_stats st;

	iommu_get_stats(d, &st);
	return st.iova_holes;
}

static uint64_t must_alloc(struct iommu_domain *d, uint64_t size,
			   uint64_t align)
{
	uint64_t iova = 0;

	assert_int_equal(iommu_iova_alloc(d, size, align, &iova), 0);
	assert_int_not_equal(iova, 0);
	assert_int_equal(iova % align, 0);
	assert_int_equal(iommu_iova_check(d), 0);
	return iova;
}

static void test_domain_bounds(void **state)
{
	struct iommu_domain *d;
	struct iommu_stats st;

	(void)state;
	errno = 0;
	assert_null(iommu_domain_alloc(0));
	assert_int_equal(errno, EINVAL);
	assert_null(iommu_domain_alloc(PG));
	assert_null(iommu_domain_alloc(PG * 4 + 1));
	assert_null(iommu_domain_alloc(IOMMU_IOVA_LIMIT + PG));

	d = iommu_domain_alloc(IOMMU_IOVA_LIMIT);
	assert_non_null(d);
	iommu_get_stats(d, &st);
	assert_int_equal(st.iova_size, IOMMU_IOVA_LIMIT - PG);
	assert_int_equal(st.iova_free, IOMMU_IOVA_LIMIT - PG);
	assert_int_equal(st.iova_holes, 1);
	iommu_domain_free(d);
	iommu_domain_free(NULL);

	/* The smallest domain: one page at 4 KiB. */
	d = iommu_domain_alloc(2 * PG);
	assert_non_null(d);
	assert_int_equal(must_alloc(d, PG, PG), PG);
	iommu_domain_free(d);
}

static void test_alloc_bad_input(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(64 * PG);
	uint64_t iova = 0;

	(void)state;
	assert_non_null(d);
	assert_int_equal(iommu_iova_alloc(NULL, PG, PG, &iova), -EINVAL);
	assert_int_equal(iommu_iova_alloc(d, PG, PG, NULL), -EINVAL);
	assert_int_equal(iommu_iova_alloc(d, 0, PG, &iova), -EINVAL);
	assert_int_equal(iommu_iova_alloc(d, PG + 1, PG, &iova), -EINVAL);
	assert_int_equal(iommu_iova_alloc(d, PG, 0, &iova), -EINVAL);
	assert_int_equal(iommu_iova_alloc(d, PG, PG / 2, &iova), -EINVAL);
	assert_int_equal(iommu_iova_alloc(d, PG, 3 * PG, &iova), -EINVAL);
	/* Larger than the whole space is exhaustion, not a bad request. */
	assert_int_equal(iommu_iova_alloc(d, 64 * PG, PG, &iova), -ENOSPC);
	assert_int_equal(iommu_iova_alloc(d, 1ull << 62, PG, &iova), -ENOSPC);
	assert_int_equal(free_bytes(d), 63 * PG);

	iova = must_alloc(d, 4 * PG, PG);
	assert_int_equal(iommu_iova_free(d, iova + 1, PG), -EINVAL);
	assert_int_equal(iommu_iova_free(d, iova, 0), -EINVAL);
	assert_int_equal(iommu_iova_free(d, iova, PG - 1), -EINVAL);
	assert_int_equal(iommu_iova_free(d, 0, PG), -EINVAL);	/* sentinel */
	assert_int_equal(iommu_iova_free(d, 64 * PG, PG), -EINVAL);
	assert_int_equal(iommu_iova_free(d, iova, UINT64_MAX & ~(PG - 1)),
			 -EINVAL);	/* overflows */
	assert_int_equal(iommu_iova_free(d, iova, 8 * PG), -EINVAL);	/* runs into free space */
	assert_int_equal(iommu_iova_free(NULL, iova, PG), -EINVAL);
	assert_int_equal(iommu_iova_free(d, iova, 4 * PG), 0);
	assert_int_equal(iommu_iova_free(d, iova, 4 * PG), -EINVAL);	/* double */
	assert_int_equal(iommu_iova_free(d, iova + PG, PG), -EINVAL);
	assert_int_equal(free_bytes(d), 63 * PG);
	assert_int_equal(holes(d), 1);
	assert_int_equal(iommu_iova_check(d), 0);
	iommu_domain_free(d);
}

/* Allocations never return 0 and fill the space from the bottom. */
static void test_sentinel_and_full(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(17 * PG);
	uint64_t a, b, iova;

	(void)state;
	assert_non_null(d);
	a = must_alloc(d, 16 * PG, PG);
	assert_int_equal(a, PG);
	assert_int_equal(free_bytes(d), 0);
	assert_int_equal(holes(d), 0);
	assert_int_equal(iommu_iova_alloc(d, PG, PG, &iova), -ENOSPC);
	/* Partial frees of one allocation are allowed. */
	assert_int_equal(iommu_iova_free(d, a + 4 * PG, 4 * PG), 0);
	assert_int_equal(holes(d), 1);
	b = must_alloc(d, 4 * PG, PG);
	assert_int_equal(b, a + 4 * PG);
	assert_int_equal(iommu_iova_free(d, a, 4 * PG), 0);
	assert_int_equal(iommu_iova_free(d, a + 8 * PG, 8 * PG), 0);
	assert_int_equal(iommu_iova_free(d, b, 4 * PG), 0);	/* merges both */
	assert_int_equal(holes(d), 1);
	assert_int_equal(free_bytes(d), 16 * PG);
	iommu_domain_free(d);
}

/* Best fit: the smallest hole that fits, the lowest one on a tie. */
static void test_best_fit(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(64 * PG);
	uint64_t base, iova;

	(void)state;
	assert_non_null(d);
	base = must_alloc(d, 63 * PG, PG);
	/*
	 * Holes of 3, 1, 2 and 1 pages at page offsets 2, 8, 12, 20, plus
	 * a tail hole of 10 pages at 53.
	 */
	assert_int_equal(iommu_iova_free(d, base + 2 * PG, 3 * PG), 0);
	assert_int_equal(iommu_iova_free(d, base + 8 * PG, 1 * PG), 0);
	assert_int_equal(iommu_iova_free(d, base + 12 * PG, 2 * PG), 0);
	assert_int_equal(iommu_iova_free(d, base + 20 * PG, 1 * PG), 0);
	assert_int_equal(iommu_iova_free(d, base + 53 * PG, 10 * PG), 0);
	assert_int_equal(holes(d), 5);

	iova = must_alloc(d, 2 * PG, PG);
	assert_int_equal(iova, base + 12 * PG);		/* the 2-page hole */
	iova = must_alloc(d, 1 * PG, PG);
	assert_int_equal(iova, base + 8 * PG);		/* first 1-page hole */
	iova = must_alloc(d, 1 * PG, PG);
	assert_int_equal(iova, base + 20 * PG);		/* the other one */
	iova = must_alloc(d, 4 * PG, PG);
	assert_int_equal(iova, base + 53 * PG);		/* only the tail fits */
	iova = must_alloc(d, 3 * PG, PG);
	assert_int_equal(iova, base + 2 * PG);		/* exact fit */
	assert_int_equal(holes(d), 1);
	assert_int_equal(free_bytes(d), 6 * PG);
	iommu_domain_free(d);
}

/* Aligned allocations carve from the middle of a hole and split it. */
static void test_alignment(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(1ull << 30);
	uint64_t a, b, c;

	(void)state;
	assert_non_null(d);
	a = must_alloc(d, PG, 1ull << 16);
	assert_int_equal(a, 1ull << 16);
	assert_int_equal(holes(d), 2);	/* [4K, 64K) and above */
	b = must_alloc(d, 1ull << 21, 1ull << 21);
	assert_int_equal(b, 1ull << 21);
	c = must_alloc(d, PG, PG);
	assert_int_equal(c, PG);	/* best fit: the small low hole */
	assert_int_equal(iommu_iova_free(d, a, PG), 0);
	assert_int_equal(iommu_iova_free(d, b, 1ull << 21), 0);
	assert_int_equal(iommu_iova_free(d, c, PG), 0);
	assert_int_equal(holes(d), 1);
	assert_int_equal(free_bytes(d), (1ull << 30) - PG);
	/* An alignment that no hole can satisfy. */
	assert_int_equal(iommu_iova_alloc(d, PG, 1ull << 30, &a), -ENOSPC);
	iommu_domain_free(d);
}

/* Enough free space in total is not enough if it is fragmented. */
static void test_fragmentation(void **state)
{
	enum { N = 64 };
	struct iommu_domain *d = iommu_domain_alloc((N + 1) * PG);
	uint64_t page[N], iova;
	int i;

	(void)state;
	assert_non_null(d);
	for (i = 0; i < N; i++)
		page[i] = must_alloc(d, PG, PG);
	assert_int_equal(iommu_iova_alloc(d, PG, PG, &iova), -ENOSPC);
	for (i = 0; i < N; i += 2)
		assert_int_equal(iommu_iova_free(d, page[i], PG), 0);
	assert_int_equal(free_bytes(d), N / 2 * PG);
	assert_int_equal(holes(d), N / 2);
	assert_int_equal(iommu_iova_alloc(d, 2 * PG, PG, &iova), -ENOSPC);
	/* Freeing one neighbour makes a three-page hole. */
	assert_int_equal(iommu_iova_free(d, page[5], PG), 0);
	assert_int_equal(holes(d), N / 2 - 1);
	iova = must_alloc(d, 3 * PG, PG);
	assert_int_equal(iova, page[4]);
	assert_int_equal(iommu_iova_check(d), 0);
	iommu_domain_free(d);
}

/* Exhaustion by single pages: exactly the number of pages, then -ENOSPC. */
static void test_exhaustion(void **state)
{
	enum { N = 1000 };
	struct iommu_domain *d = iommu_domain_alloc((N + 1) * PG);
	uint64_t iova;
	int i;

	(void)state;
	assert_non_null(d);
	for (i = 0; i < N; i++) {
		assert_int_equal(iommu_iova_alloc(d, PG, PG, &iova), 0);
		assert_int_equal(iova, (uint64_t)(i + 1) * PG);
	}
	assert_int_equal(iommu_iova_alloc(d, PG, PG, &iova), -ENOSPC);
	assert_int_equal(free_bytes(d), 0);
	assert_int_equal(iommu_iova_free(d, PG, (uint64_t)N * PG), 0);
	assert_int_equal(free_bytes(d), (uint64_t)N * PG);
	iommu_domain_free(d);
}

/*
 * -ENOMEM: with every slot of the hole array in use, a split needs the
 * array to grow. Failing realloc makes the operation fail with -ENOMEM
 * and leaves the allocator exactly as it was.
 */
static void test_enomem(void **state)
{
	struct iommu_domain *d = iommu_domain_alloc(256 * PG);
	uint64_t iova, before_free, before_holes;
	int i;

	(void)state;
	assert_non_null(d);
	assert_int_equal(must_alloc(d, 255 * PG, PG), PG);
	/* One big hole at pages [100, 200), then 15 single-page holes. */
	assert_int_equal(iommu_iova_free(d, 100 * PG, 100 * PG), 0);
	for (i = 0; i < 15; i++)
		assert_int_equal(iommu_iova_free(d, (2 * i + 1) * PG, PG), 0);
	assert_int_equal(holes(d), 16);	/* the initial capacity */
	before_free = free_bytes(d);
	before_holes = holes(d);

	/* No single-page hole is 64 KiB aligned: the split needs a slot. */
	realloc_fail = 1;
	realloc_calls = 0;
	assert_int_equal(iommu_iova_alloc(d, PG, 1ull << 16, &iova), -ENOMEM);
	assert_int_equal(realloc_calls, 1);
	assert_int_equal(free_bytes(d), before_free);
	assert_int_equal(holes(d), before_holes);
	assert_int_equal(iommu_iova_check(d), 0);

	/* A free that adds a hole needs a slot too; it stays allocated. */
	realloc_fail = 1;
	assert_int_equal(iommu_iova_free(d, 41 * PG, PG), -ENOMEM);
	assert_int_equal(free_bytes(d), before_free);
	assert_int_equal(iommu_iova_check(d), 0);
	/* A free next to a hole merges and needs no memory. */
	realloc_fail = 1;
	assert_int_equal(iommu_iova_free(d, 99 * PG, PG), 0);
	assert_int_equal(realloc_fail, 1);
	realloc_fail = 0;

	/* With memory again both succeed. */
	assert_int_equal(iommu_iova_free(d, 41 * PG, PG), 0);
	iova = must_alloc(d, PG, 1ull << 16);
	assert_int_equal(iova, 112 * PG);
	assert_int_equal(holes(d), 18);
	assert_int_equal(iommu_iova_check(d), 0);
	iommu_domain_free(d);
}

/* ---------------------------------------------------------------------- */
/* Seeded random sequence against a shadow bitmap */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

struct live {
	uint64_t iova;
	uint64_t pages;
};

static void test_random(void **state)
{
	enum { PAGES = 4096, STEPS = 4000, MAXLIVE = 512 };
	struct iommu_domain *d = iommu_domain_alloc((PAGES + 1) * PG);
	static uint8_t shadow[PAGES + 1];
	static struct live live[MAXLIVE];
	const char *env = getenv("SVMCL_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed0003ull;
	size_t nlive = 0, used = 0, s, p;
	unsigned int enospc = 0;

	(void)state;
	assert_non_null(d);
	memset(shadow, 0, sizeof(shadow));
	rng_state = seed ? seed : 1;
	print_message("# seed %#" PRIx64 " (set SVMCL_TEST_SEED to replay)\n",
		      seed);

	for (s = 0; s < STEPS; s++) {
		bool do_alloc = nlive == 0 ||
				(nlive < MAXLIVE && rng() % 100 < 55);

		if (do_alloc) {
			uint64_t pages = 1 + rng() % 64, align, iova;
			int ret;

			align = PG << (rng() % 5);	/* 4 KiB .. 64 KiB */
			ret = iommu_iova_alloc(d, pages * PG, align, &iova);
			if (ret == -ENOSPC) {
				enospc++;
				continue;
			}
			assert_int_equal(ret, 0);
			assert_int_equal(iova % align, 0);
			assert_true(iova >= PG);
			assert_true(iova / PG + pages <= PAGES + 1);
			for (p = 0; p < pages; p++) {
				assert_int_equal(shadow[iova / PG + p], 0);
				shadow[iova / PG + p] = 1;
			}
			live[nlive].iova = iova;
			live[nlive].pages = pages;
			nlive++;
			used += pages;
		} else {
			size_t k = rng() % nlive;
			struct live *l = &live[k];
			uint64_t off = 0, n = l->pages;

			/* Sometimes give back only the tail of it. */
			if (n > 1 && rng() % 4 == 0) {
				off = 1 + rng() % (n - 1);
				n -= off;
			}
			assert_int_equal(iommu_iova_free(d, l->iova + off * PG,
							 n * PG), 0);
			for (p = 0; p < n; p++)
				shadow[l->iova / PG + off + p] = 0;
			used -= n;
			if (off) {
				l->pages = off;
			} else {
				*l = live[--nlive];
			}
		}
		assert_int_equal(iommu_iova_check(d), 0);
		assert_int_equal(free_bytes(d), (uint64_t)(PAGES - used) * PG);
	}
	/* Free everything, in random order; one hole remains. */
	while (nlive) {
		size_t k = rng() % nlive;

		assert_int_equal(iommu_iova_free(d, live[k].iova,
						 live[k].pages * PG), 0);
		live[k] = live[--nlive];
	}
	assert_int_equal(holes(d), 1);
	assert_int_equal(free_bytes(d), (uint64_t)PAGES * PG);
	assert_int_equal(iommu_iova_check(d), 0);
	print_message("# %u allocations hit -ENOSPC\n", enospc);
	iommu_domain_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_bounds),
		cmocka_unit_test(test_alloc_bad_input),
		cmocka_unit_test(test_sentinel_and_full),
		cmocka_unit_test(test_best_fit),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_fragmentation),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
