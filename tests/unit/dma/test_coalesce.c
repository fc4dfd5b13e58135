/* SPDX-License-Identifier: MIT */
/*
 * test_coalesce.c - the fault-coalescing helper (kmd-shim/hmm/coalesce.c):
 * deduplication with the strongest access winning, request flags, window
 * boundaries for 4 KiB, 64 KiB and 2 MiB windows, clipping, unsorted and
 * empty input, buffer sizes, a large seeded batch against a brute-force
 * model, and a window fed to hmm_range_fault() on real memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "hmm/coalesce.h"

#define PG HMM_PAGE_SIZE
#define K64 (64ul << 10)
#define M2 (2ul << 20)

#define REQ_R HMM_PFN_REQ_FAULT
#define REQ_W (HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE)

static uint64_t pfns[512];

static struct hmm_fault_record rec(uint64_t addr, enum hmm_fault_access a)
{
	struct hmm_fault_record r = { .addr = addr, .access = a };

	return r;
}

static void test_request_flags(void **state)
{
	(void)state;
	assert_int_equal(hmm_fault_request(HMM_FAULT_PREFETCH), 0);
	assert_int_equal(hmm_fault_request(HMM_FAULT_READ), REQ_R);
	assert_int_equal(hmm_fault_request(HMM_FAULT_WRITE), REQ_W);
	assert_int_equal(hmm_fault_request(HMM_FAULT_ATOMIC), REQ_W);
}

static void test_empty(void **state)
{
	struct hmm_coalesce c;
	struct hmm_fault_window w;

	(void)state;
	assert_int_equal(hmm_coalesce_init(&c, NULL, 0, PG, 0, 0), 0);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 512), 0);
	assert_int_equal(c.stats.records_in, 0);
	assert_int_equal(c.stats.unique_pages, 0);
	assert_int_equal(c.stats.windows_out, 0);
}

static void test_bad_input(void **state)
{
	struct hmm_fault_record r[3] = {
		rec(0x3000, HMM_FAULT_READ),
		rec(0x1000, 7),
		rec(0x2000, HMM_FAULT_WRITE),
	};
	struct hmm_fault_record copy[3];
	struct hmm_coalesce c;
	struct hmm_fault_window w;

	(void)state;
	memcpy(copy, r, sizeof(r));
	assert_int_equal(hmm_coalesce_init(NULL, r, 1, PG, 0, 0), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, NULL, 1, PG, 0, 0), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, PG, 0, 0), -EINVAL);
	assert_memory_equal(r, copy, sizeof(r));	/* untouched */
	r[1].access = HMM_FAULT_ATOMIC;
	assert_int_equal(hmm_coalesce_init(&c, r, 3, 0, 0, 0), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, PG / 2, 0, 0), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, 3 * PG, 0, 0), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, 2ul << 30, 0, 0), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, PG, 1, 0), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, PG, 0, PG + 1), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, PG, 2 * PG, PG), -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, PG, 0, 1ul << 58),
			 -EINVAL);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, PG, 0, 0), 0);
	assert_int_equal(hmm_coalesce_next(NULL, &w, pfns, 1), -EINVAL);
	assert_int_equal(hmm_coalesce_next(&c, NULL, pfns, 1), -EINVAL);
	assert_int_equal(hmm_coalesce_next(&c, &w, NULL, 1), -EINVAL);
}

/* Duplicates collapse to one record per page; the strongest access wins. */
static void test_dedup_strongest(void **state)
{
	struct hmm_fault_record r[] = {
		rec(0x10008, HMM_FAULT_READ),
		rec(0x10ff0, HMM_FAULT_WRITE),
		rec(0x10000, HMM_FAULT_PREFETCH),
		rec(0x20000, HMM_FAULT_READ),
		rec(0x20004, HMM_FAULT_ATOMIC),
		rec(0x20008, HMM_FAULT_WRITE),
		rec(0x30000, HMM_FAULT_PREFETCH),
		rec(0x30000, HMM_FAULT_PREFETCH),
	};
	const struct hmm_fault_record *u;
	struct hmm_coalesce c;
	size_t n;

	(void)state;
	assert_int_equal(hmm_coalesce_init(&c, r, 8, PG, 0, 0), 0);
	u = hmm_coalesce_records(&c, &n);
	assert_int_equal(n, 3);
	assert_int_equal(c.stats.records_in, 8);
	assert_int_equal(c.stats.unique_pages, 3);
	assert_int_equal(u[0].addr, 0x10000);
	assert_int_equal(u[0].access, HMM_FAULT_WRITE);
	assert_int_equal(u[1].addr, 0x20000);
	assert_int_equal(u[1].access, HMM_FAULT_ATOMIC);
	assert_int_equal(u[2].addr, 0x30000);
	assert_int_equal(u[2].access, HMM_FAULT_PREFETCH);
}

/*
 * The same batch with each window size. Faults at pages 0x0ff, 0x100,
 * 0x101 (64 KiB boundary at 0x100000), 0x1ff, 0x200 (2 MiB boundary at
 * 0x200000) and 0x3f0, plus a prefetch at 0x3f1.
 */
static struct hmm_fault_record batch[] = {
	{ 0x200000, HMM_FAULT_READ, 0 },
	{ 0x0ff000, HMM_FAULT_WRITE, 0 },
	{ 0x3f1000, HMM_FAULT_PREFETCH, 0 },
	{ 0x100000, HMM_FAULT_READ, 0 },
	{ 0x1ff000, HMM_FAULT_ATOMIC, 0 },
	{ 0x101000, HMM_FAULT_READ, 0 },
	{ 0x3f0000, HMM_FAULT_READ, 0 },
	{ 0x100800, HMM_FAULT_WRITE, 0 },	/* same page as 0x100000 */
};

struct expect_win {
	unsigned long start, end;
	size_t nr_faults;
	enum hmm_fault_access strongest;
};

static void check_windows(unsigned long window, const struct expect_win *ex,
			  size_t nex)
{
	struct hmm_fault_record r[sizeof(batch) / sizeof(batch[0])];
	struct hmm_fault_window w;
	struct hmm_coalesce c;
	size_t i, k;

	memcpy(r, batch, sizeof(r));
	assert_int_equal(hmm_coalesce_init(&c, r, sizeof(r) / sizeof(r[0]),
					   window, 0, 0), 0);
	assert_int_equal(c.stats.unique_pages, 7);
	for (i = 0; i < nex; i++) {
		memset(pfns, 0xee, sizeof(pfns));
		assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 512), 1);
		assert_int_equal(w.start, ex[i].start);
		assert_int_equal(w.end, ex[i].end);
		assert_int_equal(w.npages, (ex[i].end - ex[i].start) / PG);
		assert_ptr_equal(w.hmm_pfns, pfns);
		assert_int_equal(w.nr_faults, ex[i].nr_faults);
		assert_int_equal(w.strongest, ex[i].strongest);
		/* Every page: its fault's request, or 0. */
		for (k = 0; k < w.npages; k++) {
			unsigned long a = w.start + k * PG;
			uint64_t want = 0;

			if (a == 0x0ff000 || a == 0x100000 || a == 0x1ff000)
				want = REQ_W;
			else if (a == 0x101000 || a == 0x200000 ||
				 a == 0x3f0000)
				want = REQ_R;
			assert_int_equal(pfns[k], want);
		}
	}
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 512), 0);
	assert_int_equal(c.stats.windows_out, nex);
}

static void test_windows_4k(void **state)
{
	static const struct expect_win ex[] = {
		{ 0x0ff000, 0x100000, 1, HMM_FAULT_WRITE },
		{ 0x100000, 0x101000, 1, HMM_FAULT_WRITE },
		{ 0x101000, 0x102000, 1, HMM_FAULT_READ },
		{ 0x1ff000, 0x200000, 1, HMM_FAULT_ATOMIC },
		{ 0x200000, 0x201000, 1, HMM_FAULT_READ },
		{ 0x3f0000, 0x3f1000, 1, HMM_FAULT_READ },
		{ 0x3f1000, 0x3f2000, 1, HMM_FAULT_PREFETCH },
	};

	(void)state;
	check_windows(PG, ex, 7);
}

static void test_windows_64k(void **state)
{
	static const struct expect_win ex[] = {
		{ 0x0f0000, 0x100000, 1, HMM_FAULT_WRITE },
		{ 0x100000, 0x110000, 2, HMM_FAULT_WRITE },
		{ 0x1f0000, 0x200000, 1, HMM_FAULT_ATOMIC },
		{ 0x200000, 0x210000, 1, HMM_FAULT_READ },
		{ 0x3f0000, 0x400000, 2, HMM_FAULT_READ },
	};

	(void)state;
	check_windows(K64, ex, 5);
}

static void test_windows_2m(void **state)
{
	static const struct expect_win ex[] = {
		{ 0x000000, 0x200000, 4, HMM_FAULT_ATOMIC },
		{ 0x200000, 0x400000, 3, HMM_FAULT_READ },
	};

	(void)state;
	check_windows(M2, ex, 2);
}

/* Unsorted input gives the same windows as sorted input, for any order. */
static void test_unsorted_equals_sorted(void **state)
{
	enum { N = 200 };
	struct hmm_fault_record a[N], b[N];
	struct hmm_coalesce ca, cb;
	struct hmm_fault_window wa, wb;
	static uint64_t pa[512], pb[512];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	size_t i;
	int ra, rb;

	(void)state;
	for (i = 0; i < N; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		a[i] = rec(0x40000000ul + ((x >> 20) % 2048) * PG + (x & 0xfff),
			   (enum hmm_fault_access)((x >> 50) & 3));
	}
	/* b: the same records, reversed. */
	for (i = 0; i < N; i++)
		b[i] = a[N - 1 - i];
	assert_int_equal(hmm_coalesce_init(&ca, a, N, K64, 0, 0), 0);
	assert_int_equal(hmm_coalesce_init(&cb, b, N, K64, 0, 0), 0);
	assert_int_equal(ca.stats.unique_pages, cb.stats.unique_pages);
	do {
		ra = hmm_coalesce_next(&ca, &wa, pa, 512);
		rb = hmm_coalesce_next(&cb, &wb, pb, 512);
		assert_int_equal(ra, rb);
		if (ra != 1)
			break;
		assert_int_equal(wa.start, wb.start);
		assert_int_equal(wa.end, wb.end);
		assert_int_equal(wa.nr_faults, wb.nr_faults);
		assert_memory_equal(pa, pb, wa.npages * sizeof(pa[0]));
	} while (1);
	assert_int_equal(ra, 0);
}

/* Pages outside [lo, hi) are rejected; windows are clipped to it. */
static void test_clip(void **state)
{
	struct hmm_fault_record r[] = {
		rec(0x0, HMM_FAULT_READ),		/* page 0: rejected */
		rec(0x1000, HMM_FAULT_WRITE),
		rec(0x7f000, HMM_FAULT_READ),
		rec(0x80000, HMM_FAULT_READ),		/* at hi: rejected */
		rec(0xfffffffff000ul, HMM_FAULT_READ),	/* far above */
	};
	const struct hmm_fault_record *u;
	struct hmm_fault_window w;
	struct hmm_coalesce c;
	size_t n;

	(void)state;
	assert_int_equal(hmm_coalesce_init(&c, r, 5, M2, PG, 0x80000), 0);
	assert_int_equal(c.stats.unique_pages, 5);
	assert_int_equal(c.stats.rejected, 3);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 512), 1);
	assert_int_equal(w.start, PG);
	assert_int_equal(w.end, 0x80000);
	assert_int_equal(w.npages, 0x7f);
	assert_int_equal(w.nr_faults, 2);
	assert_int_equal(pfns[0], REQ_W);
	assert_int_equal(pfns[0x7e], REQ_R);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 512), 0);
	/* The rejected ones sit at the two ends of the sorted records. */
	u = hmm_coalesce_records(&c, &n);
	assert_int_equal(n, 5);
	assert_int_equal(u[0].addr, 0);
	assert_int_equal(u[3].addr, 0x80000);
	assert_int_equal(u[4].addr, 0xfffffffff000ul);

	/* Addresses at the very top of the address space do not overflow. */
	r[0] = rec(~0ul, HMM_FAULT_WRITE);
	assert_int_equal(hmm_coalesce_init(&c, r, 1, M2, 0, 0), 0);
	assert_int_equal(c.stats.rejected, 1);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 512), 0);
}

/* Too small a buffer: -ENOSPC and nothing consumed. */
static void test_buffer_too_small(void **state)
{
	struct hmm_fault_record r[] = {
		rec(0x10000, HMM_FAULT_READ),
		rec(0x20000, HMM_FAULT_READ),
	};
	struct hmm_fault_window w;
	struct hmm_coalesce c;
	unsigned long s, e;

	(void)state;
	assert_int_equal(hmm_coalesce_init(&c, r, 2, K64, 0, 0), 0);
	assert_int_equal(hmm_coalesce_peek(&c, &s, &e), 1);
	assert_int_equal(s, 0x10000);
	assert_int_equal(e, 0x20000);
	assert_int_equal(hmm_coalesce_peek(NULL, &s, &e), -EINVAL);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 15), -ENOSPC);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 16), 1);
	assert_int_equal(w.start, 0x10000);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 16), 1);
	assert_int_equal(w.start, 0x20000);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 16), 0);
	assert_int_equal(hmm_coalesce_peek(&c, &s, &e), 0);
	assert_int_equal(c.stats.windows_out, 2);
}

/* Refill restores the requests hmm_range_fault() overwrote. */
static void test_refill(void **state)
{
	struct hmm_fault_record r[] = {
		rec(0x10000, HMM_FAULT_WRITE),
		rec(0x13000, HMM_FAULT_READ),
	};
	struct hmm_fault_window w;
	struct hmm_coalesce c;
	uint64_t saved[16];

	(void)state;
	assert_int_equal(hmm_coalesce_init(&c, r, 2, K64, 0, 0), 0);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 16), 1);
	memcpy(saved, pfns, sizeof(saved));
	/* Results: VALID, WRITE, a frame, an order; no sticky flag. */
	memset(pfns, 0x4a, 16 * sizeof(pfns[0]));
	assert_false(pfns[0] & HMM_PFN_INOUT_FLAGS);
	hmm_coalesce_refill(&c, &w);
	assert_memory_equal(saved, pfns, sizeof(saved));
	/* A sticky flag survives the refill. */
	pfns[3] |= HMM_PFN_DMA_MAPPED;
	pfns[4] |= HMM_PFN_DMA_MAPPED | HMM_PFN_VALID;
	hmm_coalesce_refill(&c, &w);
	assert_int_equal(pfns[3], HMM_PFN_DMA_MAPPED | REQ_R);
	assert_int_equal(pfns[4], HMM_PFN_DMA_MAPPED);
	hmm_coalesce_refill(NULL, &w);
	hmm_coalesce_refill(&c, NULL);
}

/* A large seeded batch (heapsort path) against a brute-force model. */
static void test_large_batch_model(void **state)
{
	enum { N = 20000, SPAN = 4096 };	/* 4096 distinct pages at most */
	static struct hmm_fault_record r[N];
	static int model[SPAN];			/* strongest access + 1, 0: none */
	static const unsigned long sizes[] = { PG, K64, M2 };
	const char *env = getenv("SVMCL_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0xc0a1e5ceull;
	const uint64_t base = 0x7f0000000000ull;
	size_t s;

	(void)state;
	/* A scratch buffer: no sticky flags from earlier tests. */
	memset(pfns, 0, sizeof(pfns));
	print_message("# seed %#" PRIx64 "\n", seed);
	for (s = 0; s < 3; s++) {
		struct hmm_fault_window w;
		struct hmm_coalesce c;
		uint64_t x = seed + s;
		size_t i, seen = 0, unique = 0, windows = 0;
		unsigned long prev_end = 0;
		int ret;

		memset(model, 0, sizeof(model));
		for (i = 0; i < N; i++) {
			size_t page;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			page = (size_t)(x % SPAN);
			r[i] = rec(base + page * PG + ((x >> 32) & 0xfff),
				   (enum hmm_fault_access)((x >> 44) & 3));
			if ((int)r[i].access + 1 > model[page])
				model[page] = (int)r[i].access + 1;
		}
		for (i = 0; i < SPAN; i++)
			unique += model[i] != 0;
		assert_int_equal(hmm_coalesce_init(&c, r, N, sizes[s], 0, 0),
				 0);
		assert_int_equal(c.stats.unique_pages, unique);
		while ((ret = hmm_coalesce_next(&c, &w, pfns, 512)) == 1) {
			windows++;
			assert_true(w.start >= prev_end);	/* ordered, disjoint */
			assert_int_equal(w.start % sizes[s], 0);
			assert_int_equal(w.end - w.start, sizes[s]);
			prev_end = w.end;
			for (i = 0; i < w.npages; i++) {
				uint64_t a = w.start + i * PG;
				uint64_t want = 0;

				if (a >= base && a < base + SPAN * PG &&
				    model[(a - base) / PG]) {
					want = hmm_fault_request(
						(enum hmm_fault_access)(
							model[(a - base) / PG] -
							1));
					seen++;
				}
				assert_int_equal(pfns[i], want);
			}
		}
		assert_int_equal(ret, 0);
		assert_int_equal(seen, unique);	/* each page exactly once */
		assert_int_equal(c.stats.windows_out, windows);
	}
}

/* A window goes straight into hmm_range_fault(). */
static void test_window_into_hmm_range_fault(void **state)
{
	char *raw = mmap(NULL, 2 * K64, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((uintptr_t)raw + K64 - 1) & ~(K64 - 1));
	struct hmm_fault_record r[3];
	struct hmm_fault_window w;
	struct hmm_coalesce c;
	struct hmm_range range;
	size_t i;

	(void)state;
	assert_true(raw != MAP_FAILED);
	memset(pfns, 0, sizeof(pfns));
	r[0] = rec((uintptr_t)p + 2 * PG + 7, HMM_FAULT_READ);
	r[1] = rec((uintptr_t)p + 5 * PG, HMM_FAULT_ATOMIC);
	r[2] = rec((uintptr_t)p + 9 * PG, HMM_FAULT_PREFETCH);
	assert_int_equal(hmm_coalesce_init(&c, r, 3, K64, 0, 0), 0);
	assert_int_equal(hmm_coalesce_next(&c, &w, pfns, 512), 1);
	range = hmm_fault_window_range(&w, NULL, NULL);
	assert_int_equal(range.default_flags, 0);
	assert_int_equal(range.pfn_flags_mask, ~0ull);
	assert_int_equal(hmm_range_fault(&range), 0);
	for (i = 0; i < 16; i++) {
		uint64_t e = pfns[i];

		if (i == 2) {
			assert_true(e & HMM_PFN_VALID);
		} else if (i == 5) {
			assert_true(e & HMM_PFN_VALID);
			assert_true(e & HMM_PFN_WRITE);
		} else {
			/* Not requested, never touched: absent, snapshot 0. */
			assert_false(e & (HMM_PFN_VALID | HMM_PFN_ERROR));
		}
	}
	/* The atomic's page is now writable CPU memory. */
	p[5 * PG] = 1;
	munmap(raw, 2 * K64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_flags),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_dedup_strongest),
		cmocka_unit_test(test_windows_4k),
		cmocka_unit_test(test_windows_64k),
		cmocka_unit_test(test_windows_2m),
		cmocka_unit_test(test_unsorted_equals_sorted),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_large_batch_model),
		cmocka_unit_test(test_window_into_hmm_range_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
