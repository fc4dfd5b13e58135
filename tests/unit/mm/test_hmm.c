/* SPDX-License-Identifier: MIT */
/*
 * test_hmm.c - hmm_range_fault() against real CPU mappings
 * (kmd-shim/hmm/hmm.c). Presence is cross-checked with /proc/self/pagemap.
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

#define PAGE HMM_PAGE_SIZE

static uint64_t pagemap_entry(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, sizeof(e),
			       (off_t)((uintptr_t)addr / PAGE) * 8), 8);
	close(fd);
	return e;
}

static bool cpu_present(const void *addr)
{
	return pagemap_entry(addr) >> 63;
}

static char *map_anon(size_t npages, int prot)
{
	char *p = mmap(NULL, npages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static struct hmm_range make_range(void *start, size_t npages, uint64_t *pfns,
				   uint64_t default_flags,
				   uint64_t pfn_flags_mask)
{
	struct hmm_range r = {
		.start = (unsigned long)start,
		.end = (unsigned long)start + npages * PAGE,
		.hmm_pfns = pfns,
		.default_flags = default_flags,
		.pfn_flags_mask = pfn_flags_mask,
	};
	return r;
}

static const uint64_t OUT_FLAGS = HMM_PFN_VALID | HMM_PFN_WRITE |
				  HMM_PFN_ERROR;

/* ---------------------------------------------------------------------- */

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
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 0);
		assert_true(hmm_pfn_to_pfn(pfns[i]) != 0);
		assert_true(cpu_present(p + i * PAGE));
		assert_int_equal(hmm_pfn_to_host(&r, i), (uintptr_t)(p + i * PAGE));
	}
	/* When pagemap shows frames (root), the entry carries the CPU's. */
	if (pagemap_entry(p) & ((1ull << 55) - 1))
		assert_int_equal(hmm_pfn_to_pfn(pfns[0]),
				 pagemap_entry(p) & ((1ull << 55) - 1));
	assert_int_equal(p[5 * PAGE], 0);
	munmap(p, 16 * PAGE);
}

static void test_fault_write_breaks_zero_page(void **state)
{
	uint64_t pfns[4] = { 0 };
	char *p = map_anon(4, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 4, pfns,
					HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	volatile char c = p[PAGE];	/* maps the shared zero page */
	uint64_t before = pagemap_entry(p + PAGE);
	size_t i;

	(void)state;
	(void)c;
	assert_true(before >> 63);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);
	/* COW broken: a private frame replaced the zero page (root sees it). */
	if (before & ((1ull << 55) - 1))
		assert_int_not_equal(pagemap_entry(p + PAGE) & ((1ull << 55) - 1),
				     before & ((1ull << 55) - 1));
	munmap(p, 4 * PAGE);
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

	/* Reading it is fine, and WRITE is not reported. */
	r = make_range(p, 4, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
	munmap(p, 4 * PAGE);
}

static void test_unmapped_address(void **state)
{
	uint64_t pfns[3] = { 0 };
	char *p = map_anon(3, PROT_READ | PROT_WRITE);
	struct hmm_range r;

	(void)state;
	p[0] = 1;
	assert_int_equal(munmap(p + PAGE, PAGE), 0);

	r = make_range(p, 3, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), -EFAULT);

	/* Without a request: present, hole (ERROR), absent in a VMA (0). */
	memset(pfns, 0, sizeof(pfns));
	r = make_range(p, 3, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID);
	assert_int_equal(pfns[1], HMM_PFN_ERROR);
	assert_int_equal(pfns[2], 0);
	assert_false(cpu_present(p + 2 * PAGE));

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

		if (hole)
			assert_int_equal(pfns[i], HMM_PFN_ERROR);
		else if (i % 3 == 0)
			assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
		else
			assert_int_equal(pfns[i], 0);
	}
	munmap(p, 8 * PAGE);
	munmap(p + 13 * PAGE, 7 * PAGE);
	munmap(p + 22 * PAGE, 10 * PAGE);
}

static void test_prot_none_is_efault(void **state)
{
	uint64_t pfns[2] = { 0 };
	char *p = map_anon(2, PROT_NONE);
	struct hmm_range r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);

	(void)state;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	munmap(p, 2 * PAGE);
}

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
			assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
		} else {
			assert_int_equal(pfns[i], 0);
			assert_false(cpu_present(p + i * PAGE));
		}
	}
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
	uint64_t pfns[4] = { 0 };
	char *p = map_anon(4, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 4, pfns, HMM_PFN_REQ_FAULT, 0);

	(void)state;
	memset(&mni, 0, sizeof(mni));
	assert_int_equal(mmu_interval_notifier_insert(&mni, mm,
						      (unsigned long)p,
						      4 * PAGE, &set_seq_ops), 0);
	r.notifier = &mni;
	r.notifier_seq = mmu_interval_read_begin(&mni);
	mm_invalidate_range(mm, (unsigned long)p, (unsigned long)p + PAGE,
			    MMU_NOTIFY_CLEAR, NULL);
	assert_int_equal(hmm_range_fault(&r), -EBUSY);
	assert_false(cpu_present(p));	/* gave up before faulting */

	r.notifier_seq = mmu_interval_read_begin(&mni);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_false(mmu_interval_read_retry(&mni, r.notifier_seq));
	assert_int_equal(pfns[3] & OUT_FLAGS, HMM_PFN_VALID);

	mmu_interval_notifier_remove(&mni);
	svm_mm_put(mm);
	munmap(p, 4 * PAGE);
}

static void test_bad_ranges(void **state)
{
	uint64_t pfns[2] = { 0 };
	char *p = map_anon(2, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 2, pfns, HMM_PFN_REQ_FAULT, 0);

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
	assert_int_equal(hmm_range_fault(NULL), -EINVAL);
	assert_false(cpu_present(p));	/* nothing was faulted */
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
	for (i = 0; i < n; i += 2)
		p[i * PAGE] = 1;
	r = make_range(p, n, pfns, 0, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 i % 2 ? 0 : HMM_PFN_VALID);
	r = make_range(p, n, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);
	assert_true(cpu_present(p + (n - 1) * PAGE));
	munmap(p, n * PAGE);
	free(pfns);
}

static void test_file_mappings(void **state)
{
	char path[] = "/tmp/svmcl-hmm-XXXXXX";
	char buf[2 * PAGE];
	uint64_t pfns[2] = { 0 };
	struct hmm_range r;
	char *ro, *priv;
	int fd;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));

	ro = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(ro != MAP_FAILED);
	r = make_range(ro, 2, pfns, HMM_PFN_REQ_FAULT, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	r.default_flags |= HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault(&r), -EPERM);

	/* Private writable file mapping: the write fault copies on write. */
	priv = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(priv != MAP_FAILED);
	r = make_range(priv, 2, pfns, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	priv[0] = 'y';
	assert_int_equal(pread(fd, buf, 1, 0), 1);
	assert_int_equal(buf[0], 'x');	/* the file is untouched */
	assert_int_equal(ro[0], 'x');

	munmap(priv, 2 * PAGE);
	munmap(ro, 2 * PAGE);
	close(fd);
}

/* A fork child reads its own page tables, not the parent's. */
static void test_fork_child_snapshot(void **state)
{
	uint64_t pfns[2] = { 0 };
	char *p = map_anon(2, PROT_READ | PROT_WRITE);
	struct hmm_range r = make_range(p, 2, pfns, 0, 0);
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(hmm_range_fault(&r), 0);	/* opens the pagemap */
	assert_int_equal(pfns[0], 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		p[0] = 1;
		pfns[0] = pfns[1] = 0;
		if (hmm_range_fault(&r) != 0)
			_exit(2);
		_exit((pfns[0] & HMM_PFN_VALID) && !(pfns[1] & HMM_PFN_VALID) ?
		      0 : 3);
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
		cmocka_unit_test(test_fault_write_breaks_zero_page),
		cmocka_unit_test(test_write_on_readonly_is_eperm),
		cmocka_unit_test(test_unmapped_address),
		cmocka_unit_test(test_holes_in_a_larger_snapshot),
		cmocka_unit_test(test_prot_none_is_efault),
		cmocka_unit_test(test_snapshot_never_faults),
		cmocka_unit_test(test_per_entry_requests),
		cmocka_unit_test(test_default_read_plus_one_write),
		cmocka_unit_test(test_dma_mapped_is_sticky),
		cmocka_unit_test(test_collision_is_ebusy),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_large_range),
		cmocka_unit_test(test_file_mappings),
		cmocka_unit_test(test_fork_child_snapshot),
	};

	return cmocka_run_group_tests_name("mm-hmm", tests, NULL, NULL);
}
