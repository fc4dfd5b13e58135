/* SPDX-License-Identifier: MIT */
/*
 * test_hmm.c - hmm_range_fault() against real CPU mappings
 * (kmd-shim/hmm/hmm.c): every CPU state, the request rules of seed 004,
 * Linux's error codes, huge pages (seed 003), and the VMA fallback path.
 * Results are cross-checked with /proc/self/pagemap and smaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hmm/hmm.h"
#include "hmm/hmm_internal.h"
#include "hmm_test_util.h"

static char *map_anon(size_t npages, int prot)
{
	char *p = map_anon_prot(npages, prot);

	assert_non_null(p);
	return p;
}

static int tmpfile_with(size_t npages, char fill)
{
	char buf[PAGE];
	size_t i;
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	memset(buf, fill, sizeof(buf));
	for (i = 0; i < npages; i++)
		assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	return fd;
}

/* ---------------------------------------------------------------------- */
/* Anonymous memory: absent, zero page, written, read-only */

static void test_fault_absent_read(void **state)
{
	uint64_t pfns[16] = { 0 };
	char *p = map_anon(16, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 16, pfns, HMM_PFN_REQ_FAULT, 0);
	size_t i;

	(void)state;
	assert_false(cpu_present(p));
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 16; i++) {
		/* A read fault of anonymous memory maps the zero page. */
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
		assert_true(hmm_pfn_is_zero(pfns[i]));
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 0);
		assert_true(hmm_pfn_to_pfn(pfns[i]) != 0);
		assert_true(cpu_present(p + i * PAGE));
		assert_int_equal(hmm_pfn_to_host(&r, i), (uintptr_t)(p + i * PAGE));
	}
	/* When pagemap shows frames (root), the entry carries the CPU's. */
	if (cpu_pfn(p))
		assert_int_equal(hmm_pfn_to_pfn(pfns[0]), cpu_pfn(p));
	assert_int_equal(p[5 * PAGE], 0);
	munmap(p, 16 * PAGE);
}

static void test_zero_page_snapshot(void **state)
{
	uint64_t pfns[3] = { 0 };
	char *p = map_anon(3, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 3, pfns, 0, 0);
	volatile char c = p[0];

	(void)state;
	(void)c;
	p[PAGE] = 1;
	assert_int_equal(hmm_range_fault(&r), 0);
	/* The zero page is mapped read-only in a writable VMA. */
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID);
	assert_true(hmm_pfn_is_zero(pfns[0]));
	/* A written private page is writable: WRITE even in a snapshot. */
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_false(hmm_pfn_is_zero(pfns[1]));
	assert_int_equal(pfns[2], 0);
	assert_false(hmm_pfn_is_zero(pfns[2]));
	assert_false(hmm_pfn_is_zero(HMM_PFN_ERROR));
	munmap(p, 3 * PAGE);
}

static void test_fault_write_breaks_zero_page(void **state)
{
	uint64_t pfns[4] = { 0 };
	char *p = map_anon(4, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 4, pfns,
					HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	volatile char c = p[PAGE];	/* maps the shared zero page */
	uint64_t before = cpu_pfn(p + PAGE);
	size_t i;

	(void)state;
	(void)c;
	assert_true(cpu_present(p + PAGE));
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_false(hmm_pfn_is_zero(pfns[i]));
	}
	/* COW broken: a private frame replaced the zero page (root sees it). */
	if (before) {
		assert_int_not_equal(cpu_pfn(p + PAGE), before);
		assert_int_equal(hmm_pfn_to_pfn(pfns[1]), cpu_pfn(p + PAGE));
	}
	munmap(p, 4 * PAGE);
}

static void test_written_page_is_writable(void **state)
{
	uint64_t pfns[2] = { 0 };
	char *p = map_anon(2, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	uint64_t pfn;

	(void)state;
	p[0] = 1;
	p[PAGE] = 2;
	pfn = cpu_pfn(p);
	/* A read request reports what the CPU allows: WRITE too. */
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	/* A write request on a writable page changes nothing. */
	r.default_flags |= HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	if (pfn)
		assert_int_equal(cpu_pfn(p), pfn);
	assert_int_equal(p[0], 1);
	munmap(p, 2 * PAGE);
}

static void test_write_on_readonly_is_eperm(void **state)
{
	uint64_t pfns[4] = { 0 };
	char *p = map_anon(4, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 4, pfns,
					HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	size_t i;

	(void)state;
	for (i = 0; i < 4 * PAGE; i++)
		p[i] = (char)(i * 7);
	assert_int_equal(mprotect(p, 4 * PAGE, PROT_READ), 0);
	assert_int_equal(hmm_range_fault(&r), -EPERM);
	for (i = 0; i < 4 * PAGE; i++)
		assert_int_equal(p[i], (char)(i * 7));

	/* Reading it is fine, and WRITE is not reported... */
	r = make_range(p, 4, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
	/* ... nor in a snapshot. */
	r = make_range(p, 4, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
	/* Absent pages of a read-only mapping: -EPERM for a write too. */
	munmap(p, 4 * PAGE);
	p = map_anon(2, PROT_READ);
	r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	assert_int_equal(hmm_range_fault(&r), -EPERM);
	assert_false(cpu_present(p));
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	assert_true(hmm_pfn_is_zero(pfns[1]));
	munmap(p, 2 * PAGE);
}

/* ---------------------------------------------------------------------- */
/* No mapping, PROT_NONE */

static void test_unmapped_address(void **state)
{
	uint64_t pfns[3] = { 0 };
	char *p = map_anon(3, PROT_READ | PROT_WRITE);
	struct hmm_range r;

	(void)state;
	p[0] = 1;
	assert_int_equal(munmap(p + PAGE, PAGE), 0);

	r = make_range(p, 3, pfns, HMM_PFN_REQ_FAULT, 0);
	if (!page_unmapped(p + PAGE)) {
		test_note("another thread mapped the hole; not checked");
		goto out;
	}
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	assert_false(cpu_present(p + 2 * PAGE));	/* stopped at the hole */

	/* Without a request: present, hole (ERROR), absent in a VMA (0). */
	memset(pfns, 0, sizeof(pfns));
	r = make_range(p, 3, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1], HMM_PFN_ERROR);
	assert_int_equal(pfns[2], 0);
	assert_false(cpu_present(p + 2 * PAGE));
out:
	munmap(p, PAGE);
	munmap(p + 2 * PAGE, PAGE);
}

static void test_holes_in_a_larger_snapshot(void **state)
{
	uint64_t pfns[32];
	char *p = map_anon(32, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 32, pfns, 0, 0);
	size_t i;

	(void)state;
	for (i = 0; i < 32; i += 3)
		p[i * PAGE] = 1;
	assert_int_equal(munmap(p + 8 * PAGE, 5 * PAGE), 0);
	assert_int_equal(munmap(p + 20 * PAGE, 2 * PAGE), 0);
	memset(pfns, 0, sizeof(pfns));
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 32; i++) {
		bool hole = (i >= 8 && i < 13) || (i >= 20 && i < 22);

		if (hole && page_unmapped(p + i * PAGE))
			assert_int_equal(pfns[i], HMM_PFN_ERROR);
		else if (hole)
			continue;	/* mapped again by another thread */
		else if (i % 3 == 0)
			assert_int_equal(pfns[i] & OUT_FLAGS,
					 HMM_PFN_VALID | HMM_PFN_WRITE);
		else
			assert_int_equal(pfns[i], 0);
	}
	munmap(p, 8 * PAGE);
	munmap(p + 13 * PAGE, 7 * PAGE);
	munmap(p + 22 * PAGE, 10 * PAGE);
}

static void test_prot_none_absent_is_efault(void **state)
{
	uint64_t pfns[2] = { 0 };
	char *p = map_anon(2, PROT_NONE);
	struct hmm_range r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);

	(void)state;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	r.default_flags = 0;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0], HMM_PFN_ERROR);
	assert_int_equal(pfns[1], HMM_PFN_ERROR);
	munmap(p, 2 * PAGE);
}

/*
 * The pagemap shows present pages of a PROT_NONE VMA as present; the VMA
 * decides, as in Linux: ERROR in a snapshot, -EFAULT for a fault.
 */
static void test_prot_none_present_pages(void **state)
{
	uint64_t pfns[4] = { 0 };
	char *p = map_anon(4, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 4, pfns, 0, 0);
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		p[i * PAGE] = (char)(i + 1);
	assert_int_equal(mprotect(p, 4 * PAGE, PROT_NONE), 0);
	assert_true(cpu_present(p));
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pfns[i], HMM_PFN_ERROR);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);

	/* Access restored: the data never moved. */
	assert_int_equal(mprotect(p, 4 * PAGE, PROT_READ | PROT_WRITE), 0);
	r.default_flags = 0;
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_int_equal(p[i * PAGE], (char)(i + 1));
	}
	munmap(p, 4 * PAGE);
}

/* ---------------------------------------------------------------------- */
/* Requests: default_flags and pfn_flags_mask (seed 004) */

static void test_snapshot_never_faults(void **state)
{
	uint64_t pfns[8];
	char *p = map_anon(8, PROT_READ | PROT_WRITE);
	struct hmm_range r;
	size_t i;

	(void)state;
	p[2 * PAGE] = 1;
	/* Requests in the entries are masked away: a pure snapshot. */
	for (i = 0; i < 8; i++)
		pfns[i] = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	r = make_range(p, 8, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 8; i++) {
		if (i == 2) {
			assert_int_equal(pfns[i] & OUT_FLAGS,
					 HMM_PFN_VALID | HMM_PFN_WRITE);
		} else {
			assert_int_equal(pfns[i], 0);
			assert_false(cpu_present(p + i * PAGE));
		}
	}
	/* default_flags without REQ_FAULT requests nothing either. */
	r.default_flags = HMM_PFN_REQ_WRITE;
	r.pfn_flags_mask = HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_false(cpu_present(p));
	munmap(p, 8 * PAGE);
}

static void test_per_entry_requests(void **state)
{
	uint64_t pfns[5] = {
		0, HMM_PFN_REQ_FAULT, 0,
		HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
		HMM_PFN_REQ_WRITE,	/* WRITE without FAULT: no request */
	};
	char *p = map_anon(5, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 5, pfns, 0, ~0ull);

	(void)state;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0], 0);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	assert_int_equal(pfns[2], 0);
	assert_int_equal(pfns[3] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[4], 0);
	assert_false(cpu_present(p));
	assert_true(cpu_present(p + PAGE));
	assert_false(cpu_present(p + 2 * PAGE));
	assert_true(cpu_present(p + 3 * PAGE));
	assert_false(cpu_present(p + 4 * PAGE));
	munmap(p, 5 * PAGE);
}

/* hmm.rst: the whole range readable plus one page writable. */
static void test_default_read_plus_one_write(void **state)
{
	uint64_t pfns[6];
	char *p = map_anon(6, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 6, pfns, HMM_PFN_REQ_FAULT,
					HMM_PFN_REQ_WRITE);
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++)	/* bits outside the mask are ignored */
		pfns[i] = HMM_PFN_ERROR;
	pfns[4] = HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 6; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 i == 4 ? HMM_PFN_VALID | HMM_PFN_WRITE :
					  HMM_PFN_VALID);
	munmap(p, 6 * PAGE);
}

/*
 * One range across eight CPU states, in separate VMAs of one reservation:
 *	0 written  1 zero page  2 absent  3 hole  4 read-only with data
 *	5 PROT_NONE with data  6 absent (RW)  7 absent (read-only)
 */
struct mixed {
	char *p;
};

static void mixed_setup(struct mixed *m)
{
	char *p = mmap(NULL, 8 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	volatile char c;

	assert_true(p != MAP_FAILED);
	assert_true(mmap(p, 3 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == p);
	p[0] = 'a';
	c = p[PAGE];
	(void)c;
	assert_true(mmap(p + 4 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		    p + 4 * PAGE);
	p[4 * PAGE] = 'e';
	p[5 * PAGE] = 'f';
	assert_int_equal(mprotect(p + 4 * PAGE, PAGE, PROT_READ), 0);
	assert_int_equal(mprotect(p + 5 * PAGE, PAGE, PROT_NONE), 0);
	assert_true(mmap(p + 6 * PAGE, PAGE, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		    p + 6 * PAGE);
	assert_true(mmap(p + 7 * PAGE, PAGE, PROT_READ,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
		    p + 7 * PAGE);
	assert_int_equal(munmap(p + 3 * PAGE, PAGE), 0);
	m->p = p;
}

static void mixed_teardown(struct mixed *m)
{
	munmap(m->p, 3 * PAGE);
	munmap(m->p + 4 * PAGE, 4 * PAGE);
}

static void test_mixed_states_snapshot(void **state)
{
	static const uint64_t want[8] = {
		HMM_PFN_VALID | HMM_PFN_WRITE, HMM_PFN_VALID, 0, HMM_PFN_ERROR,
		HMM_PFN_VALID, HMM_PFN_ERROR, 0, 0,
	};
	uint64_t pfns[8];
	struct mixed m;
	struct hmm_range r;
	size_t i;

	(void)state;
	mixed_setup(&m);
	if (!page_unmapped(m.p + 3 * PAGE)) {
		test_note("another thread mapped the hole; not checked");
		mixed_teardown(&m);
		return;
	}
	for (i = 0; i < 8; i++)
		pfns[i] = HMM_PFN_REQ_FAULT;	/* masked away */
	r = make_range(m.p, 8, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS, want[i]);
	assert_true(hmm_pfn_is_zero(pfns[1]));
	assert_false(hmm_pfn_is_zero(pfns[4]));
	mixed_teardown(&m);
}

static void test_mixed_states_per_entry(void **state)
{
	const uint64_t F = HMM_PFN_REQ_FAULT, W = HMM_PFN_REQ_WRITE;
	const uint64_t req[8] = { 0, F | W, F, 0, F, 0, F | W, F };
	static const uint64_t want[8] = {
		HMM_PFN_VALID | HMM_PFN_WRITE, HMM_PFN_VALID | HMM_PFN_WRITE,
		HMM_PFN_VALID, HMM_PFN_ERROR, HMM_PFN_VALID, HMM_PFN_ERROR,
		HMM_PFN_VALID | HMM_PFN_WRITE, HMM_PFN_VALID,
	};
	uint64_t pfns[8], saved[8];
	struct mixed m;
	struct hmm_range r;
	size_t i;

	(void)state;
	mixed_setup(&m);
	if (!page_unmapped(m.p + 3 * PAGE)) {
		test_note("another thread mapped the hole; not checked");
		mixed_teardown(&m);
		return;
	}
	r = make_range(m.p, 8, pfns, 0, ~0ull);

	/* Each bad request alone gives Linux's error, and changes nothing. */
	for (i = 0; i < 4; i++) {
		static const unsigned int page[4] = { 3, 5, 4, 7 };
		static const int err[4] = { -EFAULT, -EFAULT, -EPERM, -EPERM };

		memcpy(pfns, req, sizeof(pfns));
		pfns[page[i]] = page[i] >= 4 && err[i] == -EPERM ? F | W : F;
		memcpy(saved, pfns, sizeof(saved));
		assert_int_equal(hmm_range_fault(&r), err[i]);
		assert_memory_equal(pfns, saved, sizeof(pfns));
	}
	/* Two bad requests: the lower address decides, as Linux walks. */
	memcpy(pfns, req, sizeof(pfns));
	pfns[3] = F;
	pfns[4] = F | W;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	memcpy(pfns, req, sizeof(pfns));
	pfns[4] = F | W;
	pfns[5] = F;
	assert_int_equal(hmm_range_fault(&r), -EPERM);

	memcpy(pfns, req, sizeof(pfns));
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS, want[i]);
	assert_false(hmm_pfn_is_zero(pfns[1]));	/* COW broken */
	assert_true(hmm_pfn_is_zero(pfns[2]));	/* read fault: zero page */
	assert_true(hmm_pfn_is_zero(pfns[7]));
	assert_int_equal(m.p[0], 'a');
	assert_int_equal(m.p[4 * PAGE], 'e');
	mixed_teardown(&m);
}

static void test_dma_mapped_is_sticky(void **state)
{
	uint64_t pfns[3] = { HMM_PFN_DMA_MAPPED, 0, HMM_PFN_DMA_MAPPED };
	char *p = map_anon(3, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 3, pfns, HMM_PFN_REQ_FAULT, 0);

	(void)state;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & (OUT_FLAGS | HMM_PFN_DMA_MAPPED),
			 HMM_PFN_VALID | HMM_PFN_DMA_MAPPED);
	assert_int_equal(pfns[1] & (OUT_FLAGS | HMM_PFN_DMA_MAPPED),
			 HMM_PFN_VALID);
	assert_true(pfns[2] & HMM_PFN_DMA_MAPPED);
	munmap(p, 3 * PAGE);
}

/* ---------------------------------------------------------------------- */
/* The notifier sequence */

static bool set_seq_invalidate(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range,
			       unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops set_seq_ops = {
	.invalidate = set_seq_invalidate,
};

static void test_collision_is_ebusy(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct mmu_interval_notifier mni;
	uint64_t pfns[4] = { 0, HMM_PFN_REQ_FAULT, 0, HMM_PFN_REQ_FAULT };
	uint64_t saved[4];
	char *p = map_anon(4, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 4, pfns, 0, ~0ull);

	(void)state;
	memcpy(saved, pfns, sizeof(saved));
	memset(&mni, 0, sizeof(mni));
	assert_int_equal(mmu_interval_notifier_insert(&mni, mm,
						      (unsigned long)p,
						      4 * PAGE, &set_seq_ops), 0);
	r.notifier = &mni;
	r.notifier_seq = mmu_interval_read_begin(&mni);
	mm_invalidate_range(mm, (unsigned long)p, (unsigned long)p + PAGE,
			    MMU_NOTIFY_CLEAR, NULL);
	assert_int_equal(hmm_range_fault(&r), -EBUSY);
	assert_false(cpu_present(p + PAGE));	/* gave up before faulting */
	/* The requests are intact, so a retry asks the same thing. */
	assert_memory_equal(pfns, saved, sizeof(pfns));

	r.notifier_seq = mmu_interval_read_begin(&mni);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_false(mmu_interval_read_retry(&mni, r.notifier_seq));
	assert_int_equal(pfns[0], 0);
	assert_int_equal(pfns[3] & OUT_FLAGS, HMM_PFN_VALID);

	/* An invalidation elsewhere does not collide. */
	r.notifier_seq = mmu_interval_read_begin(&mni);
	mm_invalidate_range(mm, (unsigned long)p + 4 * PAGE,
			    (unsigned long)p + 5 * PAGE, MMU_NOTIFY_CLEAR, NULL);
	assert_int_equal(hmm_range_fault(&r), 0);

	mmu_interval_notifier_remove(&mni);
	svm_mm_put(mm);
	munmap(p, 4 * PAGE);
}

static void test_bad_ranges(void **state)
{
	uint64_t pfns[2] = { 0 };
	char *p = map_anon(2, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	struct mmu_interval_notifier unused;

	(void)state;
	r.end = r.start;
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	r.end = r.start - PAGE;
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	r.start += 8;
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	r.end -= 1;
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	r = make_range(p, 2, NULL, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	r.end = ULONG_MAX & ~(PAGE - 1);
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	r.start = 0;
	r.end = ULONG_MAX & ~(PAGE - 1);
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	assert_int_equal(hmm_range_fault(NULL), -EINVAL);

	/* The timeout loop needs an inserted notifier. */
	r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault_timeout(NULL, 0), -EINVAL);
	assert_int_equal(hmm_range_fault_timeout(&r, 0), -EINVAL);
	memset(&unused, 0, sizeof(unused));
	r.notifier = &unused;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), -EINVAL);
	assert_int_equal(hmm_range_fault(&r), -EINVAL);
	assert_false(cpu_present(p));	/* nothing was faulted */

	/* Address 0 and the top of the user address space: holes. */
	r = make_range((void *)0, 1, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0], HMM_PFN_ERROR);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	r = make_range((void *)((1ul << 47) - PAGE), 1, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0], HMM_PFN_ERROR);
	munmap(p, 2 * PAGE);
}

/* More entries than the stack buffer; one run faulted, one snapshotted. */
static void test_large_range(void **state)
{
	const size_t n = 2048;
	uint64_t *pfns = calloc(n, sizeof(*pfns));
	char *p = map_anon(n, PROT_READ | PROT_WRITE);
	struct hmm_range r;
	size_t i;

	(void)state;
	assert_non_null(pfns);
	/* With THP "always" a touched 2 MiB block would be all present. */
	assert_int_equal(madvise(p, n * PAGE, MADV_NOHUGEPAGE), 0);
	for (i = 0; i < n; i += 2)
		p[i * PAGE] = 1;
	r = make_range(p, n, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 i % 2 ? 0 : HMM_PFN_VALID | HMM_PFN_WRITE);
	r = make_range(p, n, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 i % 2 ? HMM_PFN_VALID :
					 HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_int_equal(hmm_pfn_is_zero(pfns[i]), i % 2 == 1);
	}
	assert_true(cpu_present(p + (n - 1) * PAGE));
	munmap(p, n * PAGE);
	free(pfns);
}

/* ---------------------------------------------------------------------- */
/* File-backed and shared mappings */

static void test_file_shared(void **state)
{
	uint64_t pfns[2] = { 0 };
	struct hmm_range r;
	char *ro, *rw, buf[1];
	int fd;

	(void)state;
	fd = tmpfile_with(2, 'x');
	ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(ro != MAP_FAILED);
	r = make_range(ro, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	r.default_flags |= HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), -EPERM);

	/*
	 * A shared writable mapping: a page the CPU maps is reported WRITE
	 * (docs/hmm.md: the approximation for shared file pages).
	 */
	rw = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(rw != MAP_FAILED);
	r = make_range(rw, 2, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0], 0);	/* not mapped here yet */
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	/* Both mappings share the page cache page. */
	if (cpu_pfn(ro))
		assert_int_equal(hmm_pfn_to_pfn(pfns[0]), cpu_pfn(ro));
	rw[0] = 'y';
	assert_int_equal(pread(fd, buf, 1, 0), 1);
	assert_int_equal(buf[0], 'y');
	assert_int_equal(ro[0], 'y');
	r.default_flags = 0;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);

	munmap(rw, 2 * PAGE);
	munmap(ro, 2 * PAGE);
	close(fd);
}

static void test_file_private(void **state)
{
	uint64_t pfns[2] = { 0 };
	struct hmm_range r;
	char *priv, buf[1];
	int fd;

	(void)state;
	fd = tmpfile_with(2, 'x');
	priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(priv != MAP_FAILED);

	/* A read maps the page cache page, which is not ours to write. */
	r = make_range(priv, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	assert_false(hmm_pfn_is_zero(pfns[0]));

	/* The write fault copies on write: a private anonymous page. */
	pfns[0] = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	pfns[1] = HMM_PFN_REQ_FAULT;
	r = make_range(priv, 2, pfns, 0, ~0ull);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	priv[0] = 'y';
	assert_int_equal(pread(fd, buf, 1, 0), 1);
	assert_int_equal(buf[0], 'x');	/* the file is untouched */
	r = make_range(priv, 2, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);

	munmap(priv, 2 * PAGE);
	close(fd);
}

static void test_shared_anonymous(void **state)
{
	uint64_t pfns[3] = { 0 };
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct hmm_range r = make_range(p, 3, pfns, 0, 0);
	volatile char c;

	(void)state;
	assert_true(p != MAP_FAILED);
	p[0] = 1;
	c = p[PAGE];
	(void)c;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	/* shmem has no zero page: a read maps a real, writable page. */
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_false(hmm_pfn_is_zero(pfns[1]));
	assert_int_equal(pfns[2], 0);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[2] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	munmap(p, 3 * PAGE);
}

/* ---------------------------------------------------------------------- */
/* Huge pages (seed 003) */

/* Is the 2 MiB block at @a mapped by a THP? (smaps, independent of HMM) */
static bool thp_backed(const void *a)
{
	return smaps_field_kb(a, "AnonHugePages") >= 2048;
}

static void test_thp(void **state)
{
	const size_t n = PMD_SIZE / PAGE;
	uint64_t *pfns = calloc(n, sizeof(*pfns));
	void *base = NULL;
	size_t len = 0, i;
	char *a = map_pmd_aligned(1, &base, &len);
	struct hmm_range r;
	uint64_t pfn0;

	(void)state;
	assert_non_null(pfns);
	if (!a) {
		test_note("SKIP: MADV_HUGEPAGE refused (no THP support)");
		free(pfns);
		return;	/* see test_note() */
	}
	memset(a, 0x5a, PMD_SIZE);
	if (!thp_backed(a)) {
		test_note("SKIP: the kernel gave no transparent huge page "
			  "(THP disabled or memory fragmented)");
		munmap(base, len);
		free(pfns);
		return;	/* see test_note() */
	}
	/* Every entry of a PMD mapping carries order 9 (Linux, seed 003). */
	r = make_range(a, n, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	pfn0 = hmm_pfn_to_pfn(pfns[0]);
	for (i = 0; i < n; i++) {
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 9);
		if (cpu_pfn(a))
			assert_int_equal(hmm_pfn_to_pfn(pfns[i]), pfn0 + i);
	}
	/* Also in a window smaller than the huge page, and when faulting. */
	r = make_range(a + 17 * PAGE, 16, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 9);
	r = make_range(a + 511 * PAGE, 1, pfns,
		       HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(hmm_pfn_to_map_order(pfns[0]), 9);

	/* Zapping one page splits the PMD: the rest is order 0 now. */
	assert_int_equal(madvise(a + 3 * PAGE, PAGE, MADV_DONTNEED), 0);
	r = make_range(a, 8, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 0);
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 i == 3 ? 0 : HMM_PFN_VALID | HMM_PFN_WRITE);
	}
	munmap(base, len);
	free(pfns);
}

/* An absent THP-eligible block faulted for writing comes back huge. */
static void test_thp_fault(void **state)
{
	const size_t n = PMD_SIZE / PAGE;
	uint64_t *pfns = calloc(n, sizeof(*pfns));
	void *base = NULL;
	size_t len = 0, i;
	char *a = map_pmd_aligned(1, &base, &len);
	struct hmm_range r;

	(void)state;
	assert_non_null(pfns);
	if (!a) {
		test_note("SKIP: MADV_HUGEPAGE refused (no THP support)");
		free(pfns);
		return;	/* see test_note() */
	}
	r = make_range(a, n, pfns, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	if (!thp_backed(a)) {
		test_note("SKIP: the fault got no transparent huge page");
		munmap(base, len);
		free(pfns);
		return;	/* see test_note() */
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 9);
	}
	munmap(base, len);
	free(pfns);
}

/* A read of an untouched THP-eligible block maps the huge zero page. */
static void test_huge_zero_page(void **state)
{
	const size_t n = PMD_SIZE / PAGE;
	uint64_t *pfns = calloc(n, sizeof(*pfns));
	void *base = NULL;
	size_t len = 0, i;
	char *a = map_pmd_aligned(1, &base, &len);
	struct hmm_range r;
	FILE *f;
	int use_zero = 0;

	(void)state;
	assert_non_null(pfns);
	f = fopen("/sys/kernel/mm/transparent_hugepage/use_zero_page", "re");
	if (f) {
		if (fscanf(f, "%d", &use_zero) != 1)
			use_zero = 0;
		fclose(f);
	}
	if (!a || !use_zero) {
		test_note("SKIP: no THP or the huge zero page is disabled");
		if (a)
			munmap(base, len);
		free(pfns);
		return;	/* see test_note() */
	}
	r = make_range(a, n, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	if (hmm_pfn_to_map_order(pfns[0]) != 9) {
		test_note("SKIP: the read fault did not map the huge zero "
			  "page (order %u)", hmm_pfn_to_map_order(pfns[0]));
		munmap(base, len);
		free(pfns);
		return;	/* see test_note() */
	}
	for (i = 0; i < n; i++) {
		/* Read-only, order 9, and not "the" zero page (Linux). */
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 9);
		assert_false(hmm_pfn_is_zero(pfns[i]));
	}
	/* A write request replaces it with a writable page. */
	r = make_range(a + 5 * PAGE, 1, pfns,
		       HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	munmap(base, len);
	free(pfns);
}

static void test_hugetlbfs(void **state)
{
	long free_pages = meminfo_value("HugePages_Free");
	long hsize_kb = meminfo_value("Hugepagesize");
	uint64_t *pfns;
	size_t size, n, i;
	unsigned int order;
	struct hmm_range r;
	char *p;

	(void)state;
	if (free_pages <= 0 || hsize_kb <= 0) {
		test_note("SKIP: no free hugetlb pages (HugePages_Free %ld, "
			  "/proc/sys/vm/nr_hugepages); not changing system "
			  "settings", free_pages);
		return;	/* see test_note() */
	}
	size = (size_t)hsize_kb << 10;
	n = size / PAGE;
	order = (unsigned int)__builtin_ctzl(n);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		test_note("SKIP: MAP_HUGETLB failed (%s)", strerror(errno));
		return;	/* see test_note() */
	}
	pfns = calloc(n, sizeof(*pfns));
	assert_non_null(pfns);

	/* Absent: 0 in a snapshot; a fault maps the whole huge page. */
	r = make_range(p, n, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0], 0);
	r = make_range(p + 3 * PAGE, 2, pfns,
		       HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(hmm_pfn_to_map_order(pfns[0]), order);

	memset(p, 0x11, size);
	r = make_range(p, n, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), order);
	}
	assert_int_equal(mprotect(p, size, PROT_READ), 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), order);
	}
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), -EPERM);
	munmap(p, size);
	free(pfns);
}

/* ---------------------------------------------------------------------- */
/* The /proc/self/smaps fallback gives the same answers as PROCMAP_QUERY. */

static void test_vma_fallback(void **state)
{
	uint64_t a[8] = { 0 }, b[8] = { 0 };
	struct mixed m;
	struct hmm_range r;
	struct hmm_vma vma;
	size_t i;

	(void)state;
	mixed_setup(&m);
	if (!page_unmapped(m.p + 3 * PAGE)) {
		test_note("another thread mapped the hole; not checked");
		mixed_teardown(&m);
		return;
	}
	r = make_range(m.p, 8, a, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	hmm_vma_force_fallback(true);
	r = make_range(m.p, 8, b, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(a[i], b[i]);

	/* Segments: a VMA, the hole up to the next one, the last hole. */
	assert_int_equal(hmm_vma_find((unsigned long)m.p, ULONG_MAX, &vma), 0);
	assert_int_equal(vma.start, (unsigned long)m.p);
	assert_int_equal(vma.end, (unsigned long)m.p + 3 * PAGE);
	assert_int_equal(vma.flags, HMM_VMA_READ | HMM_VMA_WRITE);
	assert_int_equal(vma.page_shift, 12);
	assert_int_equal(hmm_vma_find((unsigned long)m.p + 3 * PAGE, ULONG_MAX,
				      &vma), 0);
	assert_int_equal(vma.flags, HMM_VMA_HOLE);
	assert_int_equal(vma.end, (unsigned long)m.p + 4 * PAGE);
	assert_int_equal(hmm_vma_find((unsigned long)m.p + 5 * PAGE, ULONG_MAX,
				      &vma), 0);
	assert_int_equal(vma.flags, 0);	/* PROT_NONE */
	hmm_vma_force_fallback(false);

	assert_int_equal(hmm_vma_find((unsigned long)m.p + 3 * PAGE,
				      (unsigned long)m.p + 3 * PAGE + 100,
				      &vma), 0);
	assert_int_equal(vma.flags, HMM_VMA_HOLE);
	assert_int_equal(vma.end, (unsigned long)m.p + 3 * PAGE + 100);
	assert_int_equal(hmm_vma_find((unsigned long)m.p + 4 * PAGE, ULONG_MAX,
				      &vma), 0);
	assert_int_equal(vma.flags, HMM_VMA_READ);
	mixed_teardown(&m);
}

/* ---------------------------------------------------------------------- */

/* A fork child reads its own page tables, not the parent's. */
static void test_fork_child_snapshot(void **state)
{
	uint64_t pfns[2] = { 0 };
	char *p = map_anon(2, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 2, pfns, 0, 0);
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(hmm_range_fault(&r), 0);	/* opens the fds */
	assert_int_equal(pfns[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		p[0] = 1;
		pfns[0] = pfns[1] = 0;
		if (hmm_range_fault(&r) != 0)
			_exit(2);
		_exit((pfns[0] & (HMM_PFN_VALID | HMM_PFN_WRITE)) ==
		      (HMM_PFN_VALID | HMM_PFN_WRITE) &&
		      !(pfns[1] & HMM_PFN_VALID) ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0], 0);	/* the parent never touched it */
	munmap(p, 2 * PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_absent_read),
		cmocka_unit_test(test_zero_page_snapshot),
		cmocka_unit_test(test_fault_write_breaks_zero_page),
		cmocka_unit_test(test_written_page_is_writable),
		cmocka_unit_test(test_write_on_readonly_is_eperm),
		cmocka_unit_test(test_unmapped_address),
		cmocka_unit_test(test_holes_in_a_larger_snapshot),
		cmocka_unit_test(test_prot_none_absent_is_efault),
		cmocka_unit_test(test_prot_none_present_pages),
		cmocka_unit_test(test_snapshot_never_faults),
		cmocka_unit_test(test_per_entry_requests),
		cmocka_unit_test(test_default_read_plus_one_write),
		cmocka_unit_test(test_mixed_states_snapshot),
		cmocka_unit_test(test_mixed_states_per_entry),
		cmocka_unit_test(test_dma_mapped_is_sticky),
		cmocka_unit_test(test_collision_is_ebusy),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_large_range),
		cmocka_unit_test(test_file_shared),
		cmocka_unit_test(test_file_private),
		cmocka_unit_test(test_shared_anonymous),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_thp_fault),
		cmocka_unit_test(test_huge_zero_page),
		cmocka_unit_test(test_hugetlbfs),
		cmocka_unit_test(test_vma_fallback),
		cmocka_unit_test(test_fork_child_snapshot),
	};

	return cmocka_run_group_tests_name("mm-hmm", tests, NULL, NULL);
}
