/* SPDX-License-Identifier: MIT */
/*
 * test_hmm_devpriv.c - hmm_range_fault() and device-private pages.
 *
 * Linked with -Wl,--wrap=hmm_devmem_lookup: the test decides which CPU
 * pages are "on a device" (and makes them absent from the CPU page
 * tables, as a migration does), independently of the migration code, so
 * that the HMM core's rules are checked on their own:
 *	a page of range->dev_private_owner: VALID | DEVICE_PRIVATE [| WRITE]
 *	with the device page's frame, never faulted, whatever the request;
 *	a page of another owner: 0 in a snapshot, faulted when requested.
 */
#include <errno.h>
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

bool __wrap_hmm_devmem_lookup(struct mm_struct *mm, unsigned long va,
			      struct hmm_devmem_page *out);
bool __real_hmm_devmem_lookup(struct mm_struct *mm, unsigned long va,
			      struct hmm_devmem_page *out);
bool __wrap_hmm_devmem_any(struct mm_struct *mm);
bool __real_hmm_devmem_any(struct mm_struct *mm);

#define NFAKE 4

static struct {
	unsigned long va;
	struct hmm_devmem_page page;
} fake[NFAKE];
static unsigned int nfake, lookups;

bool __wrap_hmm_devmem_lookup(struct mm_struct *mm, unsigned long va,
			      struct hmm_devmem_page *out)
{
	unsigned int i;

	lookups++;
	for (i = 0; i < nfake; i++) {
		if (fake[i].va == va) {
			*out = fake[i].page;
			return true;
		}
	}
	return __real_hmm_devmem_lookup(mm, va, out);
}

/* Pages faked as migrated count as pages on a device. */
bool __wrap_hmm_devmem_any(struct mm_struct *mm)
{
	return nfake || __real_hmm_devmem_any(mm);
}

static int owner_a, owner_b;

/* "Migrate" @va: the CPU no longer maps it, the device page holds it. */
static void fake_migrate(void *va, void *owner, void *dev_page, bool writable)
{
	assert_true(nfake < NFAKE);
	assert_int_equal(madvise(va, PAGE, MADV_DONTNEED), 0);
	fake[nfake].va = (unsigned long)va;
	fake[nfake].page.mem = NULL;
	fake[nfake].page.owner = owner;
	fake[nfake].page.dev_addr = (uintptr_t)dev_page;
	fake[nfake].page.writable = writable;
	nfake++;
}

static int reset(void **state)
{
	(void)state;
	nfake = 0;
	lookups = 0;
	return 0;
}

struct fixture {
	char *p;		/* 4 pages: written, on A, on B, absent */
	char *dev;		/* 2 device pages */
};

static void fixture_setup(struct fixture *f, bool writable)
{
	f->p = map_anon_prot(4, PROT_READ | PROT_WRITE);
	f->dev = aligned_alloc(PAGE, 2 * PAGE);
	assert_non_null(f->p);
	assert_non_null(f->dev);
	memset(f->p, 'c', 3 * PAGE);
	fake_migrate(f->p + PAGE, &owner_a, f->dev, writable);
	fake_migrate(f->p + 2 * PAGE, &owner_b, f->dev + PAGE, true);
}

static void fixture_teardown(struct fixture *f)
{
	munmap(f->p, 4 * PAGE);
	free(f->dev);
}

static void test_snapshot_owner_and_others(void **state)
{
	uint64_t pfns[4] = { 0 };
	struct fixture f;
	struct hmm_range r;

	(void)state;
	fixture_setup(&f, true);
	r = make_range(f.p, 4, pfns, 0, 0);
	r.dev_private_owner = &owner_a;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS,
			 HMM_PFN_VALID | HMM_PFN_WRITE | HMM_PFN_DEVICE_PRIVATE);
	assert_int_equal(hmm_pfn_to_pfn(pfns[1]),
			 (uintptr_t)f.dev >> HMM_PAGE_SHIFT);
	assert_int_equal(hmm_pfn_to_map_order(pfns[1]), 0);
	assert_int_equal(hmm_pfn_to_host(&r, 1), (uintptr_t)f.dev);
	assert_false(hmm_pfn_is_zero(pfns[1]));
	assert_int_equal(pfns[2], 0);	/* another device's page */
	assert_int_equal(pfns[3], 0);
	assert_int_equal(hmm_pfn_to_host(&r, 0), (uintptr_t)f.p);

	/* Device B sees the mirror image. */
	r.dev_private_owner = &owner_b;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[1], 0);
	assert_int_equal(pfns[2] & OUT_FLAGS,
			 HMM_PFN_VALID | HMM_PFN_WRITE | HMM_PFN_DEVICE_PRIVATE);
	assert_int_equal(hmm_pfn_to_host(&r, 2), (uintptr_t)f.dev + PAGE);

	/* Without an owner nothing is looked up: absent is absent. */
	lookups = 0;
	r.dev_private_owner = NULL;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(lookups, 0);
	assert_int_equal(pfns[1], 0);
	assert_int_equal(pfns[2], 0);
	fixture_teardown(&f);
}

static void test_fault_never_touches_own_pages(void **state)
{
	uint64_t pfns[4] = { 0 };
	struct fixture f;
	struct hmm_range r;
	size_t i;

	(void)state;
	fixture_setup(&f, false);
	r = make_range(f.p, 4, pfns, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, 0);
	r.dev_private_owner = &owner_a;
	assert_int_equal(hmm_range_fault(&r), 0);
	/*
	 * A read-only device page stays one even for a write request: no
	 * fault, no -EPERM (Linux reports it and lets the driver decide).
	 */
	assert_int_equal(pfns[1] & OUT_FLAGS,
			 HMM_PFN_VALID | HMM_PFN_DEVICE_PRIVATE);
	assert_false(cpu_present(f.p + PAGE));
	/* The other device's page and the absent one were faulted. */
	for (i = 0; i < 4; i++) {
		if (i == 1)
			continue;
		assert_int_equal(pfns[i] & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);
		assert_true(cpu_present(f.p + i * PAGE));
	}
	fixture_teardown(&f);
}

static void test_per_entry_requests_around_device_pages(void **state)
{
	uint64_t pfns[4] = {
		HMM_PFN_REQ_FAULT, HMM_PFN_REQ_FAULT, 0, HMM_PFN_REQ_FAULT,
	};
	struct fixture f;
	struct hmm_range r;

	(void)state;
	fixture_setup(&f, true);
	r = make_range(f.p, 4, pfns, 0, ~0ull);
	r.dev_private_owner = &owner_a;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS,
			 HMM_PFN_VALID | HMM_PFN_WRITE | HMM_PFN_DEVICE_PRIVATE);
	assert_int_equal(pfns[2], 0);	/* not requested: left on device B */
	assert_false(cpu_present(f.p + 2 * PAGE));
	assert_int_equal(pfns[3] & OUT_FLAGS, HMM_PFN_VALID);
	assert_true(hmm_pfn_is_zero(pfns[3]));
	fixture_teardown(&f);
}

/* An unreadable VMA wins over whatever a device holds. */
static void test_device_page_in_prot_none_vma(void **state)
{
	uint64_t pfns[4] = { 0 };
	struct fixture f;
	struct hmm_range r;

	(void)state;
	fixture_setup(&f, true);
	assert_int_equal(mprotect(f.p, 4 * PAGE, PROT_NONE), 0);
	r = make_range(f.p, 4, pfns, 0, 0);
	r.dev_private_owner = &owner_a;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[1], HMM_PFN_ERROR);
	r.default_flags = HMM_PFN_REQ_FAULT;
	assert_int_equal(hmm_range_fault(&r), -EFAULT);
	fixture_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_snapshot_owner_and_others, reset),
		cmocka_unit_test_setup(test_fault_never_touches_own_pages, reset),
		cmocka_unit_test_setup(test_per_entry_requests_around_device_pages,
				       reset),
		cmocka_unit_test_setup(test_device_page_in_prot_none_vma, reset),
	};

	return cmocka_run_group_tests_name("mm-hmm-devpriv", tests, NULL, NULL);
}
