/* SPDX-License-Identifier: MIT */
/*
 * test_hmm_migrate.c - hmm_range_fault() over pages that really moved to
 * device memory (kmd-shim/hmm/migrate.c, devmem.c): what the owner of the
 * pool sees, what another device sees, and how a requested fault brings a
 * page back. test_hmm_devpriv.c checks the same rules with the lookup
 * wrapped; this file checks them end to end.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "hmm/hmm.h"
#include "hmm/migrate.h"
#include "hmm_test_util.h"

#define NPAGES 8

static int owner_a, owner_b;

struct fixture {
	struct mm_struct *mm;
	struct hmm_devmem *a, *b;
	char *p;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->mm = svm_mm_get();
	if (!f->mm)
		return -1;
	f->a = hmm_devmem_create(f->mm, &owner_a, 64 * PAGE);
	f->b = hmm_devmem_create(f->mm, &owner_b, 64 * PAGE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->a)
		hmm_devmem_destroy(f->a);
	if (f->b)
		hmm_devmem_destroy(f->b);
	svm_mm_put(f->mm);
	free(f);
	return 0;
}

/* Fresh data pages; false (test skipped) when migration is unavailable. */
static bool data_pages(struct fixture *f)
{
	size_t i;

	if (!f->a || !f->b) {
		test_note("SKIP: no device memory (hmm_devmem_create: %s)",
			  strerror(errno));
		return false;
	}
	f->p = map_anon_prot(NPAGES, PROT_READ | PROT_WRITE);
	assert_non_null(f->p);
	for (i = 0; i < NPAGES * PAGE; i += sizeof(int))
		*(int *)(f->p + i) = (int)(i / sizeof(int));
	return true;
}

/* @page holds what page @idx of the buffer was filled with. */
static void check_page(const char *page, size_t idx)
{
	size_t k;

	for (k = 0; k < PAGE; k += sizeof(int))
		assert_int_equal(*(const int *)(page + k),
				 (int)((idx * PAGE + k) / sizeof(int)));
}

static void check_data(const char *p, size_t npages)
{
	size_t i;

	for (i = 0; i < npages; i++)
		check_page(p + i * PAGE, i);
}

/*
 * Linux names the mm of a walk by range->notifier, and so must we for
 * device pages to be found: a notifier over the buffer whose callback only
 * moves the sequence. Heap allocated and freed only after a clean remove,
 * so a failed assertion cannot leave a dangling notifier behind.
 */
static bool seq_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops seq_ops = {
	.invalidate = seq_invalidate,
};

static struct mmu_interval_notifier *watch(struct fixture *f)
{
	struct mmu_interval_notifier *mni = calloc(1, sizeof(*mni));

	assert_non_null(mni);
	assert_int_equal(mmu_interval_notifier_insert(mni, f->mm,
						      (unsigned long)f->p,
						      NPAGES * PAGE, &seq_ops), 0);
	return mni;
}

static void unwatch(struct mmu_interval_notifier *mni)
{
	mmu_interval_notifier_remove(mni);
	free(mni);
}

static void migrate(struct fixture *f, struct hmm_devmem *mem, size_t first,
		    size_t n)
{
	uint64_t cpages = 0;

	assert_int_equal(hmm_migrate_to_device(mem,
					       (unsigned long)f->p + first * PAGE,
					       (unsigned long)f->p +
					       (first + n) * PAGE, &cpages), 0);
	assert_int_equal(cpages, n);
}

static void test_owner_sees_device_pages(void **state)
{
	struct fixture *f = *state;
	struct mmu_interval_notifier *mni;
	uint64_t pfns[NPAGES] = { 0 };
	struct hmm_range r;
	size_t used, total, i;

	if (!data_pages(f))
		return;	/* see test_note() */
	mni = watch(f);
	migrate(f, f->a, 2, 4);
	hmm_devmem_usage(f->a, &used, &total);
	assert_int_equal(used, 4);

	r = make_range(f->p, NPAGES, pfns, 0, 0);
	r.notifier = mni;
	r.dev_private_owner = &owner_a;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	for (i = 0; i < NPAGES; i++) {
		if (i < 2 || i >= 6) {
			assert_int_equal(pfns[i] & OUT_FLAGS,
					 HMM_PFN_VALID | HMM_PFN_WRITE);
			assert_int_equal(hmm_pfn_to_host(&r, i),
					 (uintptr_t)(f->p + i * PAGE));
			continue;
		}
		/* The device page holds the data the CPU page had. */
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID |
				 HMM_PFN_WRITE | HMM_PFN_DEVICE_PRIVATE);
		assert_int_equal(hmm_pfn_to_map_order(pfns[i]), 0);
		assert_int_not_equal(hmm_pfn_to_host(&r, i),
				     (uintptr_t)(f->p + i * PAGE));
		check_page((const char *)hmm_pfn_to_host(&r, i), i);
		assert_false(cpu_present(f->p + i * PAGE));
	}

	/* A fault request, even for writing, leaves them on the device. */
	r.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	assert_int_equal(pfns[3] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE |
			 HMM_PFN_DEVICE_PRIVATE);
	hmm_devmem_usage(f->a, &used, &total);
	assert_int_equal(used, 4);
	assert_false(cpu_present(f->p + 3 * PAGE));

	/* Without a notifier the walk has no mm to look device pages up in. */
	r.notifier = NULL;
	r.default_flags = 0;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[3], 0);

	/* The CPU touching the range brings every page back, intact. */
	check_data(f->p, NPAGES);
	hmm_devmem_usage(f->a, &used, &total);
	assert_int_equal(used, 0);
	unwatch(mni);
	munmap(f->p, NPAGES * PAGE);
}

static void test_others_see_nothing_then_fault_back(void **state)
{
	struct fixture *f = *state;
	struct mmu_interval_notifier *mni;
	uint64_t pfns[NPAGES] = { 0 };
	struct hmm_range r;
	size_t used, total, i;

	if (!data_pages(f))
		return;	/* see test_note() */
	mni = watch(f);
	migrate(f, f->a, 0, NPAGES);

	/* Another device, or none: 0 in a snapshot. */
	r = make_range(f->p, NPAGES, pfns, 0, 0);
	r.notifier = mni;
	r.dev_private_owner = &owner_b;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	for (i = 0; i < NPAGES; i++)
		assert_int_equal(pfns[i], 0);
	r.dev_private_owner = NULL;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	for (i = 0; i < NPAGES; i++)
		assert_int_equal(pfns[i], 0);

	/* A fault request migrates the requested pages back to the CPU. */
	pfns[1] = HMM_PFN_REQ_FAULT;
	pfns[5] = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	r.pfn_flags_mask = ~0ull;
	r.dev_private_owner = &owner_b;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	assert_true(pfns[1] & HMM_PFN_VALID);
	assert_false(pfns[1] & HMM_PFN_DEVICE_PRIVATE);
	assert_int_equal(pfns[5] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_true(cpu_present(f->p + PAGE));
	assert_true(cpu_present(f->p + 5 * PAGE));
	assert_int_equal(pfns[0], 0);
	hmm_devmem_usage(f->a, &used, &total);
	assert_int_equal(used, NPAGES - 2);

	/* The owner still sees the rest on its device. */
	memset(pfns, 0, sizeof(pfns));
	r.pfn_flags_mask = 0;
	r.dev_private_owner = &owner_a;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	for (i = 0; i < NPAGES; i++) {
		bool back = i == 1 || i == 5;

		assert_int_equal(!!(pfns[i] & HMM_PFN_DEVICE_PRIVATE), !back);
		assert_true(pfns[i] & HMM_PFN_VALID);
	}
	check_data(f->p, NPAGES);
	unwatch(mni);
	munmap(f->p, NPAGES * PAGE);
}

/*
 * The events a device sees around a migration: Linux's migrate_vma raises
 * MMU_NOTIFY_MIGRATE with the pool's owner (the migrating device skips it),
 * and bringing a page back raises one every device must honour.
 */
struct mig_dev {
	struct mmu_interval_notifier mni;
	pthread_mutex_t lock;
	unsigned int own, other;
};

static bool mig_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	struct mig_dev *d = (struct mig_dev *)((char *)mni -
					       offsetof(struct mig_dev, mni));

	pthread_mutex_lock(&d->lock);
	if (range->event == MMU_NOTIFY_MIGRATE && range->owner == &owner_a) {
		d->own++;
		pthread_mutex_unlock(&d->lock);
		return true;
	}
	if (range->event == MMU_NOTIFY_MIGRATE)
		d->other++;
	mmu_interval_set_seq(mni, cur_seq);
	pthread_mutex_unlock(&d->lock);
	return true;
}

static const struct mmu_interval_notifier_ops mig_ops = {
	.invalidate = mig_invalidate,
};

static void test_migration_events(void **state)
{
	struct fixture *f = *state;
	struct mig_dev *d = calloc(1, sizeof(*d));
	uint64_t pfns[NPAGES] = { 0 };
	unsigned int own, other;
	struct hmm_range r;
	bool retry;

	assert_non_null(d);
	if (!data_pages(f)) {
		free(d);
		return;	/* see test_note() */
	}
	pthread_mutex_init(&d->lock, NULL);
	assert_int_equal(mmu_interval_notifier_insert(&d->mni, f->mm,
						      (unsigned long)f->p,
						      NPAGES * PAGE, &mig_ops), 0);
	migrate(f, f->a, 0, NPAGES);

	/* Device A's fault loop reports the pages on its device. */
	r = make_range(f->p, NPAGES, pfns, HMM_PFN_REQ_FAULT, 0);
	r.notifier = &d->mni;
	r.dev_private_owner = &owner_a;
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	assert_true(pfns[0] & HMM_PFN_DEVICE_PRIVATE);
	assert_true(pfns[NPAGES - 1] & HMM_PFN_DEVICE_PRIVATE);

	/* The CPU reading one page brings it back: every device is told. */
	check_page(f->p, 0);
	retry = mmu_interval_read_retry(&d->mni, r.notifier_seq);
	pthread_mutex_lock(&d->lock);
	own = d->own;
	other = d->other;
	pthread_mutex_unlock(&d->lock);
	mmu_interval_notifier_remove(&d->mni);
	pthread_mutex_destroy(&d->lock);
	free(d);

	assert_true(own >= 1);
	assert_true(other >= 1);
	assert_true(retry);
	check_data(f->p, NPAGES);
	munmap(f->p, NPAGES * PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_sees_device_pages),
		cmocka_unit_test(test_others_see_nothing_then_fault_back),
		cmocka_unit_test(test_migration_events),
	};

	return cmocka_run_group_tests_name("mm-hmm-migrate", tests, setup,
					   teardown);
}
