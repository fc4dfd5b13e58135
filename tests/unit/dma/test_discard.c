/* SPDX-License-Identifier: MIT */
/*
 * test_discard.c - hmm_range_discard() (seed 000): it frees DMA mappings,
 * IOVA space, entries and device resources without invalidating, a later
 * device access through a discarded IOVA is an IOMMU fault, and in debug
 * builds the precondition (the device no longer accesses the range) is
 * checked.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mirror.h"
#include "hmm/discard.h"

#define APERTURE (1ull << 32)
#define RW (HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE)

struct device {
	int releases;
	unsigned long start, end;
	bool quiet;
	int quiesced_calls;
};

static void dev_release(void *priv, unsigned long start, unsigned long end)
{
	struct device *dev = priv;

	dev->releases++;
	dev->start = start;
	dev->end = end;
}

static bool dev_quiesced(void *priv, unsigned long start, unsigned long end)
{
	struct device *dev = priv;

	(void)start;
	(void)end;
	dev->quiesced_calls++;
	return dev->quiet;
}

static const struct hmm_discard_ops dev_ops = {
	.release = dev_release,
	.quiesced = dev_quiesced,
};

static void test_discard_frees_everything(void **state)
{
	enum { N = 32 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	unsigned long dirty[1] = { 0 };
	struct device dev = { .quiet = true };
	struct iommu_stats before, st;
	uint64_t iova[N], seq;
	struct mirror m;
	uintptr_t host;
	size_t i;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	iommu_get_stats(m.domain, &before);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	for (i = 0; i < N; i++)
		iova[i] = hmm_dma_iova(&m.map, i);
	assert_int_equal(iommu_translate(m.domain, iova[4], IOMMU_ACCESS_WRITE,
					 &host), 0);
	seq = mmu_interval_read_begin(&m.notifier);

	assert_int_equal(hmm_range_discard(&m.map, m.map.start, m.map.end,
					   &dev_ops, &dev, dirty), N);
	/* Device resources released once, for exactly the range. */
	assert_int_equal(dev.releases, 1);
	assert_int_equal(dev.start, m.map.start);
	assert_int_equal(dev.end, m.map.end);
#if SVMCL_DEBUG_CHECKS
	assert_int_equal(dev.quiesced_calls, 1);
#endif
	/* Not an invalidation: no callback, the sequence did not move. */
	assert_int_equal(m.invalidations, 0);
	assert_false(mmu_interval_read_retry(&m.notifier, seq));
	/* Dirty pages are still reported. */
	assert_int_equal(dirty[0], 1ul << 4);

	/* HMM resources: entries, IO PTEs and all IOVA space are gone. */
	assert_int_equal(m.map.nr_mapped, 0);
	for (i = 0; i < N; i++) {
		assert_int_equal(m.map.pfn_list[i], 0);
		assert_int_equal(m.map.dma_list[i], 0);
	}
	iommu_get_stats(m.domain, &st);
	assert_int_equal(st.nr_ptes, 0);
	assert_int_equal(st.nr_tables, 1);
	assert_int_equal(st.iova_free, before.iova_free + N * PG);
	assert_int_equal(st.iova_free, st.iova_size);

	/* A device access through a discarded IOVA is an IOMMU fault. */
	for (i = 0; i < N; i += 5) {
		assert_int_equal(iommu_translate(m.domain, iova[i] + 8,
						 IOMMU_ACCESS_READ, &host),
				 -EFAULT);
		iommu_get_stats(m.domain, &st);
		assert_int_equal(st.last_fault.iova, iova[i] + 8);
		assert_int_equal(st.last_fault.error, -EFAULT);
	}
	assert_int_equal(iommu_dma_begin(m.domain, iova[0], IOMMU_ACCESS_READ,
					 &host), -EFAULT);
	/* The CPU's memory is untouched by all this. */
	p[0] = 1;
	assert_int_equal(p[0], 1);
	assert_int_equal(iommu_pt_check(m.domain), 0);
	assert_int_equal(iommu_iova_check(m.domain), 0);
	mirror_fini(&m);
	munmap(p, N * PG);
}

/* Part of a map: the rest stays mapped; the part can be mapped again. */
static void test_discard_partial(void **state)
{
	enum { N = 32 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct iommu_stats before, st;
	uint64_t iova[N];
	struct mirror m;
	uintptr_t host;
	size_t i;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	for (i = 0; i < N; i++)
		iova[i] = hmm_dma_iova(&m.map, i);
	iommu_get_stats(m.domain, &before);

	assert_int_equal(hmm_range_discard(&m.map, m.map.start + 8 * PG,
					   m.map.start + 12 * PG, NULL, NULL,
					   NULL), 4);
	iommu_get_stats(m.domain, &st);
	assert_int_equal(st.iova_free, before.iova_free + 4 * PG);
	assert_int_equal(st.nr_ptes, N - 4);
	for (i = 0; i < N; i++)
		assert_int_equal(iommu_translate(m.domain, iova[i],
						 IOMMU_ACCESS_READ, &host),
				 (i >= 8 && i < 12) ? -EFAULT : 0);
	assert_int_equal(m.map.nr_mapped, N - 4);

	/* Discarding entries that are not mapped is a no-op returning 0. */
	assert_int_equal(hmm_range_discard(&m.map, m.map.start + 8 * PG,
					   m.map.start + 12 * PG, NULL, NULL,
					   NULL), 0);

	/* Faulting the part again maps it with per-page IOVAs. */
	assert_int_equal(mirror_fault(&m, 8, 4, RW), 4);
	assert_int_equal(m.map.stats.iova_fallback, 4);
	for (i = 8; i < 12; i++) {
		assert_int_equal(mirror_translate(&m, i, IOMMU_ACCESS_READ,
						  &host), 0);
		assert_ptr_equal((void *)host, p + i * PG);
	}
	/* Discard everything, then nothing is left in the domain. */
	assert_int_equal(hmm_range_discard(&m.map, m.map.start, m.map.end,
					   NULL, NULL, NULL), N);
	iommu_get_stats(m.domain, &st);
	assert_int_equal(st.iova_free, st.iova_size);
	assert_int_equal(st.nr_ptes, 0);
	mirror_fini(&m);
	munmap(p, N * PG);
}

static void test_discard_bad_input(void **state)
{
	enum { N = 4 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct mirror m;
	unsigned long s = (unsigned long)p;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(hmm_range_discard(NULL, s, s + PG, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(hmm_range_discard(&m.map, s + 1, s + PG, NULL, NULL,
					   NULL), -EINVAL);
	assert_int_equal(hmm_range_discard(&m.map, s, s, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(hmm_range_discard(&m.map, s - PG, s + PG, NULL, NULL,
					   NULL), -EINVAL);
	assert_int_equal(hmm_range_discard(&m.map, s, s + (N + 1) * PG, NULL,
					   NULL, NULL), -EINVAL);
	assert_int_equal(hmm_range_discard_busy(&m.map, s, s + (N + 1) * PG),
			 -EINVAL);
	assert_int_equal(hmm_range_discard_busy(NULL, s, s + PG), -EINVAL);
	mirror_fini(&m);
	munmap(p, N * PG);
}

/* What the debug check looks at, observable in every build. */
static void test_discard_busy_count(void **state)
{
	enum { N = 8 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct mirror m;
	uintptr_t host;

	(void)state;
	mirror_init(&m, p, N, APERTURE);
	assert_int_equal(mirror_fault(&m, 0, N, RW), N);
	assert_int_equal(hmm_range_discard_busy(&m.map, m.map.start, m.map.end),
			 0);
	assert_int_equal(iommu_dma_begin(m.domain, hmm_dma_iova(&m.map, 2),
					 IOMMU_ACCESS_WRITE, &host), 0);
	assert_int_equal(iommu_dma_begin(m.domain, hmm_dma_iova(&m.map, 6),
					 IOMMU_ACCESS_READ, &host), 0);
	assert_int_equal(hmm_range_discard_busy(&m.map, m.map.start, m.map.end),
			 2);
	assert_int_equal(hmm_range_discard_busy(&m.map, m.map.start,
						m.map.start + 4 * PG), 1);
	/* The transfers end: the range may be discarded now. */
	assert_int_equal(iommu_dma_end(m.domain, hmm_dma_iova(&m.map, 2)), 0);
	assert_int_equal(iommu_dma_end(m.domain, hmm_dma_iova(&m.map, 6)), 0);
	assert_int_equal(hmm_range_discard_busy(&m.map, m.map.start, m.map.end),
			 0);
	assert_int_equal(hmm_range_discard(&m.map, m.map.start, m.map.end,
					   NULL, NULL, NULL), N);
	mirror_fini(&m);
	munmap(p, N * PG);
}

/*
 * Runs hmm_range_discard() in a child where the precondition is broken
 * (@in_flight: a transfer in flight; else the driver says "not
 * quiesced") and returns the child's wait status. The map has no
 * interval notifier, so that the fork itself (which write-protects the
 * parent's private memory and invalidates notifiers) leaves it alone.
 */
static int discard_in_child(bool in_flight)
{
	enum { N = 4 };
	char *p = map_anon(N, PROT_READ | PROT_WRITE);
	struct device dev = { .quiet = in_flight };
	struct mm_struct *mm = svm_mm_get();
	struct iommu_domain *domain = iommu_domain_alloc(APERTURE);
	struct hmm_dma_map map;
	struct hmm_range range;
	uintptr_t host;
	pid_t pid;
	int status = 0;

	assert_non_null(mm);
	assert_non_null(domain);
	assert_int_equal(hmm_dma_map_alloc(&map, domain, mm, (unsigned long)p,
					   (unsigned long)p + N * PG), 0);
	range = (struct hmm_range){
		.start = map.start,
		.end = map.end,
		.hmm_pfns = map.pfn_list,
		.default_flags = RW,
	};
	assert_int_equal(hmm_range_fault(&range), 0);
	assert_int_equal(hmm_dma_map_range(&map, &range), N);
	if (in_flight)
		assert_int_equal(iommu_dma_begin(domain, hmm_dma_iova(&map, 1),
						 IOMMU_ACCESS_READ, &host), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The child's copy of the map and domain; abort is expected. */
		hmm_range_discard(&map, map.start, map.end, &dev_ops, &dev,
				  NULL);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (in_flight)
		assert_int_equal(iommu_dma_end(domain, hmm_dma_iova(&map, 1)),
				 0);
	/* In the parent the precondition holds now. */
	dev.quiet = true;
	assert_int_equal(hmm_range_discard(&map, map.start, map.end, &dev_ops,
					   &dev, NULL), N);
	assert_int_equal(dev.releases, 1);
	hmm_dma_map_free(&map, NULL);
	iommu_domain_free(domain);
	svm_mm_put(mm);
	munmap(p, N * PG);
	return status;
}

static void test_discard_debug_check_fires(void **state)
{
	int status;

	(void)state;
	if (!SVMCL_DEBUG_CHECKS) {
		print_message("# built without SVMCL_DEBUG_CHECKS: the "
			      "precondition is not checked\n");
		skip();
	}
	status = discard_in_child(true);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	status = discard_in_child(false);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discard_frees_everything),
		cmocka_unit_test(test_discard_partial),
		cmocka_unit_test(test_discard_bad_input),
		cmocka_unit_test(test_discard_busy_count),
		cmocka_unit_test(test_discard_debug_check_fires),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
