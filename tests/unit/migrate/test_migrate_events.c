/* SPDX-License-Identifier: MIT */
/*
 * test_migrate_events.c - what migration tells devices and what CPU
 * address-space changes do to migrated pages: MMU_NOTIFY_MIGRATE with the
 * pool's owner (skipped by that device), hmm_devmem_lookup() and
 * hmm_range_fault() over device pages, munmap/MADV_DONTNEED/mremap of a
 * migrated range, protection changes, fork and mm release.
 */
#include <limits.h>
#include <pthread.h>
#include <sys/wait.h>

#include "migrate_test_util.h"

/* ---------------------------------------------------------------------- */
/* A recording device: logs invalidations, skips its own migrations. */

#define REC_MAX 256

struct rec_entry {
	enum mmu_notifier_event event;
	unsigned long start, end;
	void *owner;
	bool skipped;
};

struct recorder {
	struct mmu_interval_notifier mni;
	void *self;		/* the owner this "device" is */
	pthread_mutex_t lock;	/* its update lock */
	struct rec_entry log[REC_MAX];
	int n;
};

static bool rec_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	struct recorder *r = (struct recorder *)mni;
	bool skip = range->event == MMU_NOTIFY_MIGRATE &&
		    range->owner == r->self;

	pthread_mutex_lock(&r->lock);
	if (!skip)
		mmu_interval_set_seq(mni, cur_seq);
	if (r->n < REC_MAX)
		r->log[r->n++] = (struct rec_entry){
			range->event, range->start, range->end, range->owner,
			skip,
		};
	pthread_mutex_unlock(&r->lock);
	return true;
}

static const struct mmu_interval_notifier_ops rec_ops = {
	.invalidate = rec_invalidate,
};

static void rec_start(struct recorder *r, void *self, void *start,
		      size_t len)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->self = self;
	assert_int_equal(mmu_interval_notifier_insert(&r->mni, mt.mm,
						      (unsigned long)start,
						      len, &rec_ops), 0);
}

static void rec_stop(struct recorder *r)
{
	mmu_interval_notifier_remove(&r->mni);
	pthread_mutex_destroy(&r->lock);
}

/* Count logged MIGRATE events covering [start, end) with @owner. */
static int rec_migrates(struct recorder *r, const void *start, const void *end,
			void *owner, bool *skipped)
{
	int i, n = 0;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->n; i++) {
		const struct rec_entry *e = &r->log[i];

		if (e->event == MMU_NOTIFY_MIGRATE && e->owner == owner &&
		    e->start <= (unsigned long)start &&
		    e->end >= (unsigned long)end) {
			n++;
			if (skipped)
				*skipped = e->skipped;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

/*
 * Linux's driver loop: a fault that migrates a page back invalidates it,
 * which the caller's own notifier sees (-EBUSY); retry within 1 s.
 */
static int fault_retry(struct hmm_range *range)
{
	for (int k = 0; k < 1000; k++) {
		int ret;

		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		ret = hmm_range_fault(range);
		if (ret != -EBUSY)
			return ret;
		usleep(1000);
	}
	return -EBUSY;
}

/* ---------------------------------------------------------------------- */

/*
 * Migration invalidates with the pool's owner; the device that is the
 * owner recognises and skips it, another device does not. Bringing a page
 * back invalidates it with owner NULL: every device drops the device page.
 */
static void test_migrate_event_owner(void **state)
{
	enum { N = 8 };
	struct recorder self, other;
	struct hmm_devmem *mem;
	int other_owner;
	bool skipped = false;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 1);
	rec_start(&self, &mt.owner, p, N * PAGE);
	rec_start(&other, &other_owner, p, N * PAGE);

	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(rec_migrates(&self, p, p + N * PAGE, &mt.owner,
				      &skipped), 1);
	assert_true(skipped);
	assert_int_equal(rec_migrates(&other, p, p + N * PAGE, &mt.owner,
				      &skipped), 1);
	assert_false(skipped);

	/* A CPU access brings page 2 back: MIGRATE, owner NULL, that page. */
	assert_int_equal(*(volatile uint64_t *)(p + 2 * PAGE), 1 + 2 * PAGE / 8);
	assert_int_equal(rec_migrates(&self, p + 2 * PAGE, p + 3 * PAGE, NULL,
				      &skipped), 1);
	assert_false(skipped);
	assert_int_equal(rec_migrates(&other, p + 2 * PAGE, p + 3 * PAGE, NULL,
				      NULL), 1);
	/* So does the explicit way back, for the pages that were there. */
	assert_int_equal(hmm_migrate_to_system(mem, (unsigned long)p,
					       (unsigned long)p + N * PAGE,
					       NULL), 0);
	assert_int_equal(rec_migrates(&self, p, p + 2 * PAGE, NULL, NULL), 1);
	assert_int_equal(rec_migrates(&other, p + 3 * PAGE, p + N * PAGE, NULL,
				      NULL), 1);

	rec_stop(&other);
	rec_stop(&self);
	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* The migration's own zaps do not discard the pages (self REMOVE). */
static void test_lookup_reports_pages(void **state)
{
	enum { N = 16 };
	struct hmm_devmem_page pg;
	struct hmm_devmem *mem;
	uintptr_t base = 0;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 2);
	assert_false(hmm_devmem_lookup(mt.mm, (unsigned long)p, &pg));
	assert_int_equal(mt_migrate(mem, p, N), N);
	/* The REMOVE events of the migration's own zaps are processed. */
	mm_sync_events(mt.mm);
	for (size_t i = 0; i < N; i++) {
		assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p + i * PAGE,
					      &pg));
		assert_ptr_equal(pg.mem, mem);
		assert_ptr_equal(pg.owner, &mt.owner);
		assert_true(pg.writable);
		assert_int_equal(pg.dev_addr % PAGE, 0);
		/* Distinct device pages holding the data. */
		assert_true(mt_check((void *)pg.dev_addr, PAGE,
				     2 + i * PAGE / 8));
		if (i)
			assert_true(pg.dev_addr != base);
		base = pg.dev_addr;
	}
	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/*
 * hmm_range_fault() with dev_private_owner = the pool's owner reports the
 * device pages (DEVICE_PRIVATE, the device page's frame); with another
 * owner a snapshot reports 0 and a fault brings the page back.
 */
static void test_range_fault_device_private(void **state)
{
	enum { N = 8 };
	struct recorder r;
	struct hmm_devmem_page pg;
	struct hmm_devmem *mem;
	uint64_t pfns[N];
	int stranger;
	struct hmm_range range = {
		.hmm_pfns = pfns,
		.default_flags = HMM_PFN_REQ_FAULT,
		.pfn_flags_mask = 0,
	};
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 3);
	assert_int_equal(mt_migrate(mem, p, N), N);
	rec_start(&r, &stranger, p, N * PAGE);
	range.notifier = &r.mni;
	range.start = (unsigned long)p;
	range.end = (unsigned long)p + N * PAGE;

	range.dev_private_owner = &mt.owner;
	range.notifier_seq = mmu_interval_read_begin(&r.mni);
	assert_int_equal(hmm_range_fault(&range), 0);
	for (size_t i = 0; i < N; i++) {
		uint64_t e = pfns[i];

		assert_true(e & HMM_PFN_VALID);
		assert_true(e & HMM_PFN_DEVICE_PRIVATE);
		assert_true(e & HMM_PFN_WRITE);
		assert_true(hmm_devmem_lookup(mt.mm, range.start + i * PAGE, &pg));
		assert_int_equal(hmm_pfn_to_host(&range, i), pg.dev_addr);
	}
	assert_int_equal(mt_used(mem), N);	/* nothing moved */

	/* Another device's snapshot: not present, nothing moves. */
	range.dev_private_owner = &stranger;
	range.default_flags = 0;
	range.notifier_seq = mmu_interval_read_begin(&r.mni);
	assert_int_equal(hmm_range_fault(&range), 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(pfns[i] & (HMM_PFN_VALID | HMM_PFN_ERROR), 0);
	assert_int_equal(mt_used(mem), N);

	/* Its fault of the first half: those pages come back to the CPU. */
	range.default_flags = HMM_PFN_REQ_FAULT;
	range.end = (unsigned long)p + N / 2 * PAGE;
	assert_int_equal(fault_retry(&range), 0);
	for (size_t i = 0; i < N / 2; i++) {
		assert_true(pfns[i] & HMM_PFN_VALID);
		assert_false(pfns[i] & HMM_PFN_DEVICE_PRIVATE);
		assert_true(mt_present(p + i * PAGE));
	}
	assert_int_equal(mt_used(mem), N / 2);
	/* And a write fault with no owner at all. */
	range.dev_private_owner = NULL;
	range.start = (unsigned long)p + N / 2 * PAGE;
	range.end = (unsigned long)p + N * PAGE;
	range.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	assert_int_equal(fault_retry(&range), 0);
	for (size_t i = 0; i < N / 2; i++)
		assert_true(pfns[i] & HMM_PFN_WRITE);
	assert_int_equal(mt_used(mem), 0);
	assert_true(mt_check(p, N * PAGE, 3));

	rec_stop(&r);
	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* munmap of a migrated range frees its device pages (UNMAP event). */
static void test_munmap_frees_device_pages(void **state)
{
	enum { N = 32 };
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 4);
	assert_int_equal(mt_migrate(mem, p, N), N);

	assert_int_equal(munmap(p + 8 * PAGE, 8 * PAGE), 0);
	mm_sync_events(mt.mm);
	assert_int_equal(mt_used(mem), N - 8);
	assert_false(hmm_devmem_lookup(mt.mm, (unsigned long)p + 8 * PAGE, NULL));
	assert_int_equal(munmap(p, N * PAGE), 0);
	mm_sync_events(mt.mm);
	assert_int_equal(mt_used(mem), 0);
	hmm_devmem_destroy(mem);
}

/*
 * MADV_DONTNEED of migrated pages discards them (a zap of a device-private
 * entry frees its page): the next read sees zeros.
 */
static void test_dontneed_discards(void **state)
{
	enum { N = 8 };
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 5);
	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(madvise(p, 2 * PAGE, MADV_DONTNEED), 0);
	mm_sync_events(mt.mm);
	assert_int_equal(mt_used(mem), N - 2);
	for (size_t i = 0; i < 2 * PAGE; i++)
		assert_int_equal(p[i], 0);
	assert_true(mt_check(p + 2 * PAGE, (N - 2) * PAGE, 5 + 2 * PAGE / 8));
	assert_int_equal(mt_used(mem), 0);
	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* mremap moves migrated pages with the mapping (Linux's migrate_remap). */
static void test_mremap_moves_device_pages(void **state)
{
	enum { N = 8 };
	struct hmm_devmem *mem;
	char *p, *q, *dst;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	dst = mt_map(N, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
	mt_fill(p, N * PAGE, 6);
	assert_int_equal(mt_migrate(mem, p, N), N);

	q = mremap(p, N * PAGE, N * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	assert_ptr_equal(q, dst);
	mm_sync_events(mt.mm);
	assert_int_equal(mt_used(mem), N);
	assert_int_equal(mt_on_device(mem, q, N), N);
	assert_true(mt_check(q, N * PAGE, 6));
	assert_int_equal(mt_used(mem), 0);
	hmm_devmem_destroy(mem);
	munmap(q, N * PAGE);
}

/*
 * A protection change made through svmcl takes the device's write
 * permission (Linux: the device-private entry becomes read-only).
 */
static void test_protection_drops_write(void **state)
{
	enum { N = 4 };
	struct hmm_devmem_page pg;
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 8);
	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(mprotect(p + PAGE, PAGE, PROT_READ), 0);
	mm_invalidate_range(mt.mm, (unsigned long)p + PAGE,
			    (unsigned long)p + 2 * PAGE,
			    MMU_NOTIFY_PROTECTION_VMA, NULL);
	assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p + PAGE, &pg));
	assert_false(pg.writable);
	assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p, &pg));
	assert_true(pg.writable);
	assert_true(mt_check(p, N * PAGE, 8));
	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/*
 * fork: the child sees the parent's data, migrated pages included, and
 * has its own copy; the parent's pages stay on its device.
 */
static void test_fork_child_sees_data(void **state)
{
	enum { N = 16 };
	struct hmm_devmem *mem;
	int status;
	pid_t pid;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 9);
	assert_int_equal(mt_migrate(mem, p, N / 2), N / 2);
	assert_int_equal(mprotect(p + PAGE, PAGE, PROT_READ), 0);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok = mt_check(p, N * PAGE, 9);

		/* The child's writes are its own. */
		memset(p, 0xab, PAGE);
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(mt_used(mem), N / 2);
	assert_true(mt_check(p, N * PAGE, 9));
	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/*
 * The same over a THP-backed range (Linux's anon_write_child with THP): a
 * device page written into the child faults in a whole huge page, and its
 * neighbours must still get their own data.
 */
static void test_fork_child_thp(void **state)
{
	const size_t pmd = 2ul << 20, n = pmd / PAGE;
	struct hmm_devmem *mem;
	char *raw, *p;
	int status;
	pid_t pid;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	raw = mt_map_anon(2 * n);
	p = (char *)(((uintptr_t)raw + pmd - 1) & ~(pmd - 1));
	if (madvise(p, pmd, MADV_HUGEPAGE))
		print_message("# note: MADV_HUGEPAGE refused (%s)\n",
			      strerror(errno));
	mt_fill(p, pmd, 12);
	mem = mt_pool(n);
	assert_int_equal(mt_migrate(mem, p, n), n);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(mt_check(p, pmd, 12) ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(mt_used(mem), n);
	assert_true(mt_check(p, pmd, 12));
	hmm_devmem_destroy(mem);
	munmap(raw, 2 * n * PAGE);
}

/*
 * When the mm goes away (last user; Linux: exit_mmap) the pages come back
 * to system memory first, and the pool can still be destroyed. Runs in a
 * child, which gets an mm of its own.
 */
static void test_release_brings_pages_back(void **state)
{
	enum { N = 8 };
	int status;
	pid_t pid;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mm_struct *mm = svm_mm_get();
		struct hmm_devmem *mem;
		uint64_t cpages = 0;
		char *p;
		int ok;

		mem = mm ? hmm_devmem_create(mm, &mt.owner, N * PAGE) : NULL;
		p = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!mem || p == MAP_FAILED)
			_exit(2);
		mt_fill(p, N * PAGE, 10);
		if (hmm_migrate_to_device(mem, (unsigned long)p,
					  (unsigned long)p + N * PAGE, &cpages) ||
		    cpages != N || mt_present(p))
			_exit(3);
		svm_mm_put(mm);		/* RELEASE */
		ok = mt_present(p) && mt_present(p + (N - 1) * PAGE) &&
		     mt_check(p, N * PAGE, 10);
		if (hmm_migrate_to_device(mem, (unsigned long)p,
					  (unsigned long)p + N * PAGE,
					  &cpages) != -ESRCH)
			ok = 0;
		hmm_devmem_destroy(mem);
		_exit(ok ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_event_owner),
		cmocka_unit_test(test_lookup_reports_pages),
		cmocka_unit_test(test_range_fault_device_private),
		cmocka_unit_test(test_munmap_frees_device_pages),
		cmocka_unit_test(test_dontneed_discards),
		cmocka_unit_test(test_mremap_moves_device_pages),
		cmocka_unit_test(test_protection_drops_write),
		cmocka_unit_test(test_fork_child_sees_data),
		cmocka_unit_test(test_fork_child_thp),
		cmocka_unit_test(test_release_brings_pages_back),
	};

	return cmocka_run_group_tests(tests, mt_group_setup,
				      mt_group_teardown);
}
