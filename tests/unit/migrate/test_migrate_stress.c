/* SPDX-License-Identifier: MIT */
/*
 * test_migrate_stress.c - no data lost or duplicated under concurrent CPU
 * access. CPU threads keep incrementing their own 64-bit counters in every
 * page of a shared range with atomic adds while another thread migrates
 * the range to the device and back in a loop, and a "device" thread keeps
 * faulting pages back through hmm_range_fault() (kernel-mode faults). At
 * the end every counter equals the number of increments its thread made,
 * and the pool has no page left in use.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "migrate_test_util.h"

#define NPAGES 16
#define NWORKERS 3
#define MIGRATIONS 150

struct stress {
	char *p;
	struct hmm_devmem *mem;
	atomic_bool stop;
	uint64_t done[NWORKERS];	/* increments made, per worker */
	atomic_uint started[NWORKERS];	/* worker made its first increment */
	atomic_uint_fast64_t device_faults;
	atomic_uint_fast64_t reads;
};

static struct stress st;

/* Slot of worker @w in page @pg: its own cache line. */
static _Atomic uint64_t *slot(unsigned int pg, unsigned int w)
{
	return (_Atomic uint64_t *)(st.p + pg * PAGE + w * 64);
}

static void *worker(void *arg)
{
	unsigned int w = (unsigned int)(uintptr_t)arg, pg = w;
	uint64_t n = 0;

	while (!atomic_load_explicit(&st.stop, memory_order_relaxed)) {
		atomic_fetch_add_explicit(slot(pg, w), 1, memory_order_relaxed);
		if (!n++)
			atomic_store(&st.started[w], 1);
		pg = (pg + 1) % NPAGES;
	}
	st.done[w] = n;
	return NULL;
}

/* A device with its own owner: its faults bring pages back. */
static void *device(void *arg)
{
	struct mmu_interval_notifier *mni = arg;
	uint64_t pfns[NPAGES];
	int stranger;
	struct hmm_range range = {
		.notifier = mni,
		.start = (unsigned long)st.p,
		.end = (unsigned long)st.p + NPAGES * PAGE,
		.hmm_pfns = pfns,
		.default_flags = HMM_PFN_REQ_FAULT,
		.dev_private_owner = &stranger,
	};
	unsigned int k = 0;

	while (!atomic_load_explicit(&st.stop, memory_order_relaxed)) {
		int ret;

		/* One page at a time, round robin. */
		range.start = (unsigned long)st.p + (k % NPAGES) * PAGE;
		range.end = range.start + PAGE;
		range.notifier_seq = mmu_interval_read_begin(mni);
		ret = hmm_range_fault(&range);
		assert_true(ret == 0 || ret == -EBUSY);
		if (!ret)
			atomic_fetch_add(&st.device_faults, 1);
		k++;
		usleep(200);
	}
	return NULL;
}

/* Plain reads: a page must never read as lost (a counter going down). */
static void *reader(void *arg)
{
	uint64_t last[NPAGES][NWORKERS] = { { 0 } };

	(void)arg;
	while (!atomic_load_explicit(&st.stop, memory_order_relaxed)) {
		for (unsigned int pg = 0; pg < NPAGES; pg++) {
			for (unsigned int w = 0; w < NWORKERS; w++) {
				uint64_t v = atomic_load(slot(pg, w));

				assert_true(v >= last[pg][w]);
				last[pg][w] = v;
			}
		}
		atomic_fetch_add(&st.reads, 1);
	}
	return NULL;
}

static bool nop_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops nop_ops = {
	.invalidate = nop_invalidate,
};

/*
 * Static rather than on the test's stack: a failed assertion leaves the
 * test without removing it, and the mm must not keep a dangling notifier.
 */
static struct mmu_interval_notifier mni;

static void test_counters_survive_migration(void **state)
{
	pthread_t workers[NWORKERS], dev, rd;
	uint64_t migrated = 0, back = 0, cpages;

	(void)state;
	memset(&mni, 0, sizeof(mni));
	MT_SKIP_IF_UNSUPPORTED();
	memset(&st, 0, sizeof(st));
	st.mem = mt_pool(NPAGES);
	st.p = mt_map_anon(NPAGES);
	memset(st.p, 0, NPAGES * PAGE);
	assert_int_equal(mmu_interval_notifier_insert(&mni, mt.mm,
						      (unsigned long)st.p,
						      NPAGES * PAGE, &nop_ops),
			 0);

	for (uintptr_t w = 0; w < NWORKERS; w++)
		assert_int_equal(pthread_create(&workers[w], NULL, worker,
						(void *)w), 0);
	assert_int_equal(pthread_create(&dev, NULL, device, &mni), 0);
	assert_int_equal(pthread_create(&rd, NULL, reader, NULL), 0);

	for (int k = 0; k < MIGRATIONS; k++) {
		assert_int_equal(hmm_migrate_to_device(st.mem,
						       (unsigned long)st.p,
						       (unsigned long)st.p +
						       NPAGES * PAGE,
						       &cpages), 0);
		assert_true(cpages <= NPAGES);
		migrated += cpages;
		/* Every other round, explicitly; otherwise the CPU pulls. */
		if (k & 1) {
			assert_int_equal(hmm_migrate_to_system(
				st.mem, (unsigned long)st.p,
				(unsigned long)st.p + NPAGES * PAGE, &cpages), 0);
			back += cpages;
		} else {
			usleep(300);
		}
	}

	/*
	 * On a loaded machine a worker may not have run yet: give every one
	 * the chance to race at least one migration before stopping.
	 */
	for (int w = 0; w < NWORKERS; w++) {
		for (int wait = 0; wait < 10000 && !atomic_load(&st.started[w]);
		     wait++)
			usleep(1000);
		assert_true(atomic_load(&st.started[w]));
	}
	assert_int_equal(hmm_migrate_to_device(st.mem, (unsigned long)st.p,
					       (unsigned long)st.p +
					       NPAGES * PAGE, &cpages), 0);
	migrated += cpages;
	usleep(300);

	atomic_store(&st.stop, true);
	for (int w = 0; w < NWORKERS; w++)
		pthread_join(workers[w], NULL);
	pthread_join(dev, NULL);
	pthread_join(rd, NULL);
	assert_int_equal(hmm_migrate_to_system(st.mem, (unsigned long)st.p,
					       (unsigned long)st.p +
					       NPAGES * PAGE, &cpages), 0);
	assert_int_equal(mt_used(st.mem), 0);

	for (unsigned int w = 0; w < NWORKERS; w++) {
		uint64_t sum = 0;

		for (unsigned int pg = 0; pg < NPAGES; pg++)
			sum += atomic_load(slot(pg, w));
		assert_int_equal(sum, st.done[w]);
		assert_true(st.done[w] > 0);
	}
	print_message("# %d migrations: %llu pages to the device, %llu back "
		      "explicitly, %llu device faults, %llu reader passes, "
		      "increments %llu/%llu/%llu\n", MIGRATIONS,
		      (unsigned long long)migrated, (unsigned long long)back,
		      (unsigned long long)atomic_load(&st.device_faults),
		      (unsigned long long)atomic_load(&st.reads),
		      (unsigned long long)st.done[0],
		      (unsigned long long)st.done[1],
		      (unsigned long long)st.done[2]);
	assert_true(migrated > 0);

	mmu_interval_notifier_remove(&mni);
	hmm_devmem_destroy(st.mem);
	munmap(st.p, NPAGES * PAGE);
}

/*
 * The same range unmapped and mapped again while it migrates: the
 * migration either fails cleanly or succeeds, and no device page leaks.
 */
static void *remapper(void *arg)
{
	char *p = arg;

	while (!atomic_load_explicit(&st.stop, memory_order_relaxed)) {
		/* Replace the second half with fresh anonymous memory. */
		void *q = mmap(p + NPAGES / 2 * PAGE, NPAGES / 2 * PAGE,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		assert_true(q != MAP_FAILED);
		memset(q, 1, NPAGES / 2 * PAGE);
		usleep(100);
	}
	return NULL;
}

static void test_migrate_races_remap(void **state)
{
	pthread_t t;
	uint64_t cpages;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	memset(&st, 0, sizeof(st));
	st.mem = mt_pool(NPAGES);
	st.p = mt_map_anon(NPAGES);
	mt_fill(st.p, NPAGES / 2 * PAGE, 5);
	assert_int_equal(pthread_create(&t, NULL, remapper, st.p), 0);
	for (int k = 0; k < 100; k++) {
		int ret = hmm_migrate_to_device(st.mem, (unsigned long)st.p,
						(unsigned long)st.p +
						NPAGES * PAGE, &cpages);

		assert_true(ret == 0 || ret == -EINVAL);
		if (!ret)
			assert_true(cpages <= NPAGES);
	}
	atomic_store(&st.stop, true);
	pthread_join(t, NULL);
	/* The first half was never touched by the remapper. */
	assert_true(mt_check(st.p, NPAGES / 2 * PAGE, 5));
	/*
	 * The second half holds the remapper's ones, or zeros where a
	 * migration's zap hit a mapping placed meanwhile (the documented
	 * race of userspace zapping: docs/migration.md); never old data.
	 */
	for (size_t i = NPAGES / 2 * PAGE; i < NPAGES * PAGE; i++)
		assert_true(st.p[i] == 0 || st.p[i] == 1);
	assert_int_equal(hmm_devmem_evict_all(st.mem), 0);
	mm_sync_events(mt.mm);
	assert_int_equal(mt_used(st.mem), 0);
	hmm_devmem_destroy(st.mem);
	munmap(st.p, NPAGES * PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_survive_migration),
		cmocka_unit_test(test_migrate_races_remap),
	};

	return cmocka_run_group_tests(tests, mt_group_setup,
				      mt_group_teardown);
}
