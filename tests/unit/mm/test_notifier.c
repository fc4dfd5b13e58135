/* SPDX-License-Identifier: MIT */
/*
 * test_notifier.c - the interval-notifier sequence protocol (kmd-shim/mm).
 *
 * Every test drives the protocol the way a driver does: an object embedding
 * a notifier and an update lock, an invalidate callback that stores cur_seq
 * with mmu_interval_set_seq() under that lock, readers that commit only
 * when mmu_interval_read_retry() is false under the same lock.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mm/mm.h"

#define BASE 0x40000000ul
#define SZ 0x10000ul

/* ---------------------------------------------------------------------- */
/* A recording driver */

enum moment { M_INVALIDATE, M_FREE_PAGES, M_END };

struct call {
	const struct drv *drv;
	enum moment moment;
	unsigned long start, end;
	unsigned int flags;
	enum mmu_notifier_event event;
	void *owner;
	unsigned long cur_seq;
};

#define MAX_CALLS 64

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct call call_log[MAX_CALLS];
static int ncalls;

struct drv {
	struct mmu_interval_notifier mni;
	pthread_mutex_t update;		/* the driver's update lock */
	/* Blocking control for the next invalidate (see drv_block_next). */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	bool block_next;
	bool entered;
	bool released;
	unsigned long blocked_seq;
};

static void log_call(const struct drv *d, enum moment m,
		     const struct mmu_notifier_range *r, unsigned long seq)
{
	pthread_mutex_lock(&log_lock);
	if (ncalls < MAX_CALLS) {
		call_log[ncalls] = (struct call){
			.drv = d, .moment = m, .start = r->start, .end = r->end,
			.flags = r->flags, .event = r->event, .owner = r->owner,
			.cur_seq = seq,
		};
	}
	ncalls++;
	pthread_mutex_unlock(&log_lock);
}

static void log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	ncalls = 0;
	pthread_mutex_unlock(&log_lock);
}

static int log_count(const struct drv *d, enum moment m)
{
	int i, n = 0;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < ncalls && i < MAX_CALLS; i++)
		if (call_log[i].drv == d && call_log[i].moment == m)
			n++;
	pthread_mutex_unlock(&log_lock);
	return n;
}

static struct drv *to_drv(struct mmu_interval_notifier *mni)
{
	return (struct drv *)((char *)mni - offsetof(struct drv, mni));
}

/* If armed, the next invalidate blocks until drv_release() (once). */
static void drv_gate(struct drv *d, unsigned long cur_seq)
{
	pthread_mutex_lock(&d->gate_lock);
	if (d->block_next) {
		d->block_next = false;
		d->entered = true;
		d->blocked_seq = cur_seq;
		pthread_cond_broadcast(&d->gate_cond);
		while (!d->released)
			pthread_cond_wait(&d->gate_cond, &d->gate_lock);
	}
	pthread_mutex_unlock(&d->gate_lock);
}

static bool drv_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	struct drv *d = to_drv(mni);

	/* A device skips the MIGRATE events of its own migrations. */
	if (range->event == MMU_NOTIFY_MIGRATE && range->owner == d)
		return true;
	pthread_mutex_lock(&d->update);
	mmu_interval_set_seq(mni, cur_seq);
	pthread_mutex_unlock(&d->update);
	log_call(d, M_INVALIDATE, range, cur_seq);
	drv_gate(d, cur_seq);
	return true;
}

static void drv_free_pages(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range)
{
	log_call(to_drv(mni), M_FREE_PAGES, range, 0);
}

static void drv_invalidate_end(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range)
{
	log_call(to_drv(mni), M_END, range, 0);
}

static const struct mmu_interval_notifier_ops drv_ops = {
	.invalidate = drv_invalidate,
	.free_pages = drv_free_pages,
	.invalidate_end = drv_invalidate_end,
};

static const struct mmu_interval_notifier_ops drv_ops_minimal = {
	.invalidate = drv_invalidate,
};

static void drv_init(struct drv *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->update, NULL);
	pthread_mutex_init(&d->gate_lock, NULL);
	pthread_cond_init(&d->gate_cond, NULL);
}

static void drv_fini(struct drv *d)
{
	pthread_cond_destroy(&d->gate_cond);
	pthread_mutex_destroy(&d->gate_lock);
	pthread_mutex_destroy(&d->update);
}

static void drv_block_next(struct drv *d)
{
	pthread_mutex_lock(&d->gate_lock);
	d->block_next = true;
	d->entered = false;
	d->released = false;
	pthread_mutex_unlock(&d->gate_lock);
}

static unsigned long drv_wait_entered(struct drv *d)
{
	unsigned long seq;

	pthread_mutex_lock(&d->gate_lock);
	while (!d->entered)
		pthread_cond_wait(&d->gate_cond, &d->gate_lock);
	seq = d->blocked_seq;
	pthread_mutex_unlock(&d->gate_lock);
	return seq;
}

static void drv_release(struct drv *d)
{
	pthread_mutex_lock(&d->gate_lock);
	d->released = true;
	pthread_cond_broadcast(&d->gate_cond);
	pthread_mutex_unlock(&d->gate_lock);
}

/* ---------------------------------------------------------------------- */
/* Threads doing one protocol step, with a "done" flag to observe blocking */

struct step {
	pthread_t thread;
	struct mm_struct *mm;
	struct mmu_interval_notifier *mni;
	unsigned long start, end;
	enum mmu_notifier_event event;
	unsigned long result;
	atomic_bool done;
};

static void *step_invalidate(void *arg)
{
	struct step *s = arg;

	mm_invalidate_range(s->mm, s->start, s->end, s->event, NULL);
	atomic_store(&s->done, true);
	return NULL;
}

static void *step_read_begin(void *arg)
{
	struct step *s = arg;

	s->result = mmu_interval_read_begin(s->mni);
	atomic_store(&s->done, true);
	return NULL;
}

static void *step_remove(void *arg)
{
	struct step *s = arg;

	mmu_interval_notifier_remove(s->mni);
	atomic_store(&s->done, true);
	return NULL;
}

static void step_start(struct step *s, void *(*fn)(void *))
{
	atomic_store(&s->done, false);
	assert_int_equal(pthread_create(&s->thread, NULL, fn, s), 0);
}

static void step_join(struct step *s)
{
	pthread_join(s->thread, NULL);
	assert_true(atomic_load(&s->done));
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---------------------------------------------------------------------- */

static void test_insert_read_begin(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct drv d, bad;
	unsigned long seq;

	(void)state;
	assert_non_null(mm);
	drv_init(&d);
	drv_init(&bad);

	assert_int_equal(mmu_interval_notifier_insert(&d.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	assert_int_equal(d.mni.start, BASE);
	assert_int_equal(d.mni.last, BASE + SZ - 1);

	/* Idle mm (seq 2): a new notifier starts at seq - 1, odd. */
	seq = mmu_interval_read_begin(&d.mni);
	assert_true(seq & 1);
	assert_int_equal(seq, 1);
	assert_false(mmu_interval_read_retry(&d.mni, seq));
	assert_false(mmu_interval_check_retry(&d.mni, seq));
	assert_int_equal(mmu_interval_read_begin(&d.mni), seq);

	/* Length 0 or last beyond ULONG_MAX: -EOVERFLOW (nothing inserted). */
	assert_int_equal(mmu_interval_notifier_insert(&bad.mni, mm, BASE, 0,
						      &drv_ops), -EOVERFLOW);
	assert_int_equal(mmu_interval_notifier_insert(&bad.mni, mm,
						      ULONG_MAX - 10, 12,
						      &drv_ops), -EOVERFLOW);
	assert_int_equal(mmu_interval_notifier_insert(&bad.mni, mm, BASE, SZ,
						      NULL), -EINVAL);
	assert_int_equal(mmu_interval_notifier_insert(&bad.mni, NULL, BASE, SZ,
						      &drv_ops), -EINVAL);
	/* The last byte of the address space is a valid interval end. */
	assert_int_equal(mmu_interval_notifier_insert(&bad.mni, mm,
						      ULONG_MAX - 10, 11,
						      &drv_ops), 0);
	assert_int_equal(bad.mni.last, ULONG_MAX);
	mmu_interval_notifier_remove(&bad.mni);

	mmu_interval_notifier_remove(&d.mni);
	drv_fini(&d);
	drv_fini(&bad);
	svm_mm_put(mm);
}

static void test_invalidation_bumps_sequence(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct drv d;
	struct step inv = { .mm = NULL };
	struct mm_stats st0, st1;
	unsigned long seq, seq2;

	(void)state;
	drv_init(&d);
	assert_int_equal(mmu_interval_notifier_insert(&d.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	mm_get_stats(mm, &st0);
	seq = mmu_interval_read_begin(&d.mni);

	/* An overlapping invalidation from another thread. */
	inv.mm = mm;
	inv.start = BASE + 0x1000;
	inv.end = BASE + 0x2000;
	inv.event = MMU_NOTIFY_CLEAR;
	step_start(&inv, step_invalidate);
	step_join(&inv);
	assert_true(mmu_interval_check_retry(&d.mni, seq));
	pthread_mutex_lock(&d.update);
	assert_true(mmu_interval_read_retry(&d.mni, seq));
	pthread_mutex_unlock(&d.update);

	/* Idle again: read_begin does not wait and returns the new odd seq. */
	seq2 = mmu_interval_read_begin(&d.mni);
	assert_int_not_equal(seq2, seq);
	assert_true(seq2 & 1);
	assert_false(mmu_interval_read_retry(&d.mni, seq2));

	/* Half-open boundaries: touching but not overlapping. */
	mm_invalidate_range(mm, BASE + SZ, BASE + 2 * SZ, MMU_NOTIFY_CLEAR, NULL);
	mm_invalidate_range(mm, BASE - SZ, BASE, MMU_NOTIFY_CLEAR, NULL);
	assert_false(mmu_interval_read_retry(&d.mni, seq2));
	/* Empty range: nothing at all. */
	mm_invalidate_range(mm, BASE, BASE, MMU_NOTIFY_CLEAR, NULL);
	assert_false(mmu_interval_read_retry(&d.mni, seq2));
	/* Last byte overlaps. */
	mm_invalidate_range(mm, BASE + SZ - 1, BASE + SZ, MMU_NOTIFY_CLEAR, NULL);
	assert_true(mmu_interval_read_retry(&d.mni, seq2));

	mm_get_stats(mm, &st1);
	assert_int_equal(st1.invalidations - st0.invalidations, 4);

	mmu_interval_notifier_remove(&d.mni);
	drv_fini(&d);
	svm_mm_put(mm);
}

static void test_read_begin_waits_for_open_invalidation(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct drv d, other;
	struct step inv = { .mm = NULL }, rd = { .mm = NULL };
	unsigned long cur_seq, seq;

	(void)state;
	drv_init(&d);
	drv_init(&other);
	assert_int_equal(mmu_interval_notifier_insert(&d.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	assert_int_equal(mmu_interval_notifier_insert(&other.mni, mm,
						      BASE + 4 * SZ, SZ,
						      &drv_ops), 0);

	drv_block_next(&d);
	inv.mm = mm;
	inv.start = BASE;
	inv.end = BASE + SZ;
	inv.event = MMU_NOTIFY_UNMAP;
	step_start(&inv, step_invalidate);
	cur_seq = drv_wait_entered(&d);
	assert_true(cur_seq & 1);

	rd.mni = &d.mni;
	step_start(&rd, step_read_begin);
	sleep_ms(100);
	assert_false(atomic_load(&rd.done));	/* blocked */

	/* A notifier the invalidation did not reach never waits. */
	seq = mmu_interval_read_begin(&other.mni);
	assert_int_not_equal(seq, cur_seq);

	drv_release(&d);
	step_join(&inv);
	step_join(&rd);
	/* read_begin returned the sequence the invalidation stored. */
	assert_int_equal(rd.result, cur_seq);
	assert_false(mmu_interval_read_retry(&d.mni, rd.result));

	mmu_interval_notifier_remove(&other.mni);
	mmu_interval_notifier_remove(&d.mni);
	drv_fini(&other);
	drv_fini(&d);
	svm_mm_put(mm);
}

static void test_insert_remove_deferred(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct drv d1, d2, d3, d4;
	struct step inv = { .mm = NULL }, inv2 = { .mm = NULL };
	struct step rd = { .mm = NULL }, rm = { .mm = NULL };
	unsigned long seq3;

	(void)state;
	drv_init(&d1);
	drv_init(&d2);
	drv_init(&d3);
	drv_init(&d4);
	log_reset();
	assert_int_equal(mmu_interval_notifier_insert(&d1.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	/* d3 does not overlap the invalidation below. */
	assert_int_equal(mmu_interval_notifier_insert(&d3.mni, mm,
						      BASE + 8 * SZ, SZ,
						      &drv_ops), 0);
	seq3 = mmu_interval_read_begin(&d3.mni);

	/* Open an invalidation of d1's range and hold it open. */
	drv_block_next(&d1);
	inv.mm = mm;
	inv.start = BASE;
	inv.end = BASE + SZ;
	inv.event = MMU_NOTIFY_CLEAR;
	step_start(&inv, step_invalidate);
	drv_wait_entered(&d1);

	/* Insert during the open invalidation: returns at once, deferred. */
	assert_int_equal(mmu_interval_notifier_insert(&d2.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	assert_false(d2.mni.inserted);
	/* ... and a reader of it waits for the end. */
	rd.mni = &d2.mni;
	step_start(&rd, step_read_begin);

	/* Remove of a listed notifier is deferred and waits. */
	rm.mni = &d3.mni;
	step_start(&rm, step_remove);

	/* Insert then remove while frozen: the remove cancels, no wait. */
	assert_int_equal(mmu_interval_notifier_insert(&d4.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	mmu_interval_notifier_remove(&d4.mni);

	/* A second, concurrent invalidation does not see deferred d2. */
	inv2.mm = mm;
	inv2.start = BASE;
	inv2.end = BASE + SZ;
	inv2.event = MMU_NOTIFY_CLEAR;
	step_start(&inv2, step_invalidate);
	step_join(&inv2);
	assert_int_equal(log_count(&d2, M_INVALIDATE), 0);
	assert_int_equal(log_count(&d1, M_INVALIDATE), 2);

	sleep_ms(100);
	assert_false(atomic_load(&rd.done));
	assert_false(atomic_load(&rm.done));
	/* d3 was not invalidated: its sequence did not move. */
	assert_false(mmu_interval_check_retry(&d3.mni, seq3));

	drv_release(&d1);
	step_join(&inv);
	step_join(&rd);
	step_join(&rm);
	assert_true(rd.result & 1);
	assert_true(d2.mni.inserted);
	assert_false(d3.mni.inserted);
	assert_false(d4.mni.inserted);

	/* Applied at the end: d2 is now reached, d3 and d4 are not. */
	log_reset();
	mm_invalidate_range(mm, BASE, BASE + 16 * SZ, MMU_NOTIFY_CLEAR, NULL);
	assert_int_equal(log_count(&d1, M_INVALIDATE), 1);
	assert_int_equal(log_count(&d2, M_INVALIDATE), 1);
	assert_int_equal(log_count(&d3, M_INVALIDATE), 0);
	assert_int_equal(log_count(&d4, M_INVALIDATE), 0);

	mmu_interval_notifier_remove(&d2.mni);
	mmu_interval_notifier_remove(&d1.mni);
	drv_fini(&d1);
	drv_fini(&d2);
	drv_fini(&d3);
	drv_fini(&d4);
	svm_mm_put(mm);
}

/*
 * An insert far away from the open invalidation is still deferred: while
 * the list is frozen the insert cannot know the open range.
 */
static void test_insert_far_from_open_invalidation(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct drv gate, d;
	struct step inv = { .mm = NULL }, rd = { .mm = NULL };

	(void)state;
	drv_init(&gate);
	drv_init(&d);
	assert_int_equal(mmu_interval_notifier_insert(&gate.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	drv_block_next(&gate);
	inv.mm = mm;
	inv.start = BASE;
	inv.end = BASE + SZ;
	inv.event = MMU_NOTIFY_CLEAR;
	step_start(&inv, step_invalidate);
	drv_wait_entered(&gate);

	/* Deferred, and its reader waits for the end. */
	assert_int_equal(mmu_interval_notifier_insert(&d.mni, mm,
						      BASE + 100 * SZ, SZ,
						      &drv_ops), 0);
	rd.mni = &d.mni;
	step_start(&rd, step_read_begin);
	sleep_ms(50);
	assert_false(atomic_load(&rd.done));
	drv_release(&gate);
	step_join(&inv);
	step_join(&rd);
	assert_false(mmu_interval_read_retry(&d.mni, rd.result));

	mmu_interval_notifier_remove(&d.mni);
	mmu_interval_notifier_remove(&gate.mni);
	drv_fini(&gate);
	drv_fini(&d);
	svm_mm_put(mm);
}

static void test_three_moments_in_order(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct drv d1, d2, d3, d4;
	int owner_token;
	int i;

	(void)state;
	drv_init(&d1);
	drv_init(&d2);
	drv_init(&d3);
	drv_init(&d4);
	assert_int_equal(mmu_interval_notifier_insert(&d2.mni, mm,
						      BASE + 0x8000, SZ,
						      &drv_ops), 0);
	assert_int_equal(mmu_interval_notifier_insert(&d1.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	assert_int_equal(mmu_interval_notifier_insert(&d3.mni, mm,
						      BASE + 8 * SZ, SZ,
						      &drv_ops), 0);
	assert_int_equal(mmu_interval_notifier_insert(&d4.mni, mm,
						      BASE + 0xc000, 0x1000,
						      &drv_ops_minimal), 0);

	log_reset();
	mm_invalidate_range(mm, BASE + 0xc000, BASE + 0xd000,
			    MMU_NOTIFY_PROTECTION_VMA, &owner_token);

	/* d1, d2 get all three; d4 only invalidate; d3 nothing. */
	pthread_mutex_lock(&log_lock);
	assert_int_equal(ncalls, 7);
	for (i = 0; i < ncalls; i++) {
		const struct call *c = &call_log[i];

		assert_int_equal(c->start, BASE + 0xc000);
		assert_int_equal(c->end, BASE + 0xd000);
		assert_int_equal(c->event, MMU_NOTIFY_PROTECTION_VMA);
		assert_ptr_equal(c->owner, &owner_token);
		assert_true(c->flags & MMU_NOTIFIER_RANGE_BLOCKABLE);
		assert_ptr_not_equal(c->drv, &d3);
		/* Moments never go backwards. */
		if (i)
			assert_true(call_log[i - 1].moment <= c->moment);
		if (c->moment == M_INVALIDATE) {
			assert_true(c->cur_seq & 1);
			assert_int_equal(c->cur_seq, call_log[0].cur_seq);
		}
	}
	/* Within a moment, in address order (the list is sorted). */
	assert_ptr_equal(call_log[0].drv, &d1);
	assert_ptr_equal(call_log[1].drv, &d2);
	assert_ptr_equal(call_log[2].drv, &d4);
	assert_int_equal(call_log[3].moment, M_FREE_PAGES);
	assert_ptr_equal(call_log[3].drv, &d1);
	assert_ptr_equal(call_log[4].drv, &d2);
	assert_int_equal(call_log[5].moment, M_END);
	assert_ptr_equal(call_log[5].drv, &d1);
	assert_ptr_equal(call_log[6].drv, &d2);
	pthread_mutex_unlock(&log_lock);

	mmu_interval_notifier_remove(&d4.mni);
	mmu_interval_notifier_remove(&d3.mni);
	mmu_interval_notifier_remove(&d2.mni);
	mmu_interval_notifier_remove(&d1.mni);
	drv_fini(&d1);
	drv_fini(&d2);
	drv_fini(&d3);
	drv_fini(&d4);
	svm_mm_put(mm);
}

static void test_owner_skips_own_migration(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	struct drv d;
	int someone_else;
	unsigned long seq;

	(void)state;
	drv_init(&d);
	assert_int_equal(mmu_interval_notifier_insert(&d.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	seq = mmu_interval_read_begin(&d.mni);

	/* Our own migration: the callback returns early, seq untouched. */
	mm_invalidate_range(mm, BASE, BASE + SZ, MMU_NOTIFY_MIGRATE, &d);
	assert_false(mmu_interval_read_retry(&d.mni, seq));
	/* Someone else's migration invalidates us. */
	mm_invalidate_range(mm, BASE, BASE + SZ, MMU_NOTIFY_MIGRATE,
			    &someone_else);
	assert_true(mmu_interval_read_retry(&d.mni, seq));

	mmu_interval_notifier_remove(&d.mni);
	drv_fini(&d);
	svm_mm_put(mm);
}

/* ---------------------------------------------------------------------- */
/* A device model that detects stale commits */

struct stress {
	struct mmu_interval_notifier mni;
	struct mm_struct *mm;
	pthread_mutex_t update;		/* driver update lock */
	bool dev_valid;			/* update */
	unsigned long dev_gen;		/* update */
	atomic_ulong cpu_gen;		/* "the CPU page tables" */
	atomic_ulong violations;
	atomic_ulong commits;
	atomic_ulong retries;
	atomic_bool stop;
};

static struct stress *to_stress(struct mmu_interval_notifier *mni)
{
	return (struct stress *)((char *)mni - offsetof(struct stress, mni));
}

static bool stress_invalidate(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct stress *s = to_stress(mni);

	(void)range;
	pthread_mutex_lock(&s->update);
	mmu_interval_set_seq(mni, cur_seq);
	s->dev_valid = false;		/* device PTEs of the range dropped */
	pthread_mutex_unlock(&s->update);
	return true;
}

/* The CPU changes its page tables between start and end. */
static void stress_free_pages(struct mmu_interval_notifier *mni,
			      const struct mmu_notifier_range *range)
{
	struct stress *s = to_stress(mni);

	(void)range;
	pthread_mutex_lock(&s->update);
	if (s->dev_valid)	/* a device PTE survived the invalidation */
		atomic_fetch_add(&s->violations, 1);
	atomic_fetch_add(&s->cpu_gen, 1);
	pthread_mutex_unlock(&s->update);
}

static const struct mmu_interval_notifier_ops stress_ops = {
	.invalidate = stress_invalidate,
	.free_pages = stress_free_pages,
};

/*
 * stress_commit() - the driver's commit step. With @check false it is a
 * broken driver that ignores read_retry.
 * Return: true when it committed.
 */
static bool stress_commit(struct stress *s, unsigned long seq,
			  unsigned long gen, bool check)
{
	bool committed = false;

	pthread_mutex_lock(&s->update);
	if (check && mmu_interval_read_retry(&s->mni, seq)) {
		atomic_fetch_add(&s->retries, 1);
	} else {
		/* The invariant: what we commit is what the CPU maps now. */
		if (gen != atomic_load(&s->cpu_gen))
			atomic_fetch_add(&s->violations, 1);
		s->dev_valid = true;
		s->dev_gen = gen;
		atomic_fetch_add(&s->commits, 1);
		committed = true;
	}
	pthread_mutex_unlock(&s->update);
	return committed;
}

static void *stress_reader(void *arg)
{
	struct stress *s = arg;
	unsigned int n = 0;

	while (!atomic_load(&s->stop)) {
		unsigned long seq = mmu_interval_read_begin(&s->mni);
		unsigned long gen = atomic_load(&s->cpu_gen);	/* "fault" */

		if (++n % 7 == 0)
			sched_yield();
		stress_commit(s, seq, gen, true);
	}
	return NULL;
}

static void *stress_invalidator(void *arg)
{
	struct stress *s = arg;
	int i;

	for (i = 0; i < 20000; i++) {
		unsigned long off = (unsigned long)(i % 16) * 0x1000;

		mm_invalidate_range(s->mm, BASE + off, BASE + off + 0x1000,
				    MMU_NOTIFY_CLEAR, NULL);
		/*
		 * One that overlaps nothing: it keeps the sequence even while
		 * active, the window in which an insert sets seq |= 1.
		 */
		mm_invalidate_range(s->mm, BASE + 64 * SZ, BASE + 65 * SZ,
				    MMU_NOTIFY_CLEAR, NULL);
		if (i % 64 == 0)
			sched_yield();
	}
	return NULL;
}

static bool churn_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	(void)range;
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops churn_ops = {
	.invalidate = churn_invalidate,
};

/* Inserts and removes during invalidations: the deferred paths. */
static void *stress_churn(void *arg)
{
	struct stress *s = arg;
	struct mmu_interval_notifier tmp;

	while (!atomic_load(&s->stop)) {
		memset(&tmp, 0, sizeof(tmp));
		if (mmu_interval_notifier_insert(&tmp, s->mm, BASE, SZ,
						 &churn_ops))
			atomic_fetch_add(&s->violations, 1);
		mmu_interval_read_begin(&tmp);
		mmu_interval_notifier_remove(&tmp);
	}
	return NULL;
}

static void test_stress_no_stale_commit(void **state)
{
	struct stress s;
	pthread_t readers[4], invalidators[2], churn;
	size_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.mm = svm_mm_get();
	pthread_mutex_init(&s.update, NULL);
	assert_int_equal(mmu_interval_notifier_insert(&s.mni, s.mm, BASE, SZ,
						      &stress_ops), 0);

	for (i = 0; i < 4; i++)
		pthread_create(&readers[i], NULL, stress_reader, &s);
	pthread_create(&churn, NULL, stress_churn, &s);
	for (i = 0; i < 2; i++)
		pthread_create(&invalidators[i], NULL, stress_invalidator, &s);
	for (i = 0; i < 2; i++)
		pthread_join(invalidators[i], NULL);
	atomic_store(&s.stop, true);
	for (i = 0; i < 4; i++)
		pthread_join(readers[i], NULL);
	pthread_join(churn, NULL);

	print_message("# stress: %lu commits, %lu retries, cpu_gen %lu\n",
		      atomic_load(&s.commits), atomic_load(&s.retries),
		      atomic_load(&s.cpu_gen));
	assert_int_equal(atomic_load(&s.violations), 0);
	assert_true(atomic_load(&s.commits) > 0);
	assert_int_equal(atomic_load(&s.cpu_gen), 40000);

	mmu_interval_notifier_remove(&s.mni);
	pthread_mutex_destroy(&s.update);
	svm_mm_put(s.mm);
}

/* The checker above is not vacuous: a driver ignoring read_retry trips it. */
static void test_stale_commit_is_detected(void **state)
{
	struct stress s;
	unsigned long seq, gen;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.mm = svm_mm_get();
	pthread_mutex_init(&s.update, NULL);
	assert_int_equal(mmu_interval_notifier_insert(&s.mni, s.mm, BASE, SZ,
						      &stress_ops), 0);

	seq = mmu_interval_read_begin(&s.mni);
	gen = atomic_load(&s.cpu_gen);
	mm_invalidate_range(s.mm, BASE, BASE + 0x1000, MMU_NOTIFY_CLEAR, NULL);

	/* A correct driver refuses to commit... */
	assert_false(stress_commit(&s, seq, gen, true));
	assert_int_equal(atomic_load(&s.violations), 0);
	/* ...a broken one commits stale data and is caught. */
	assert_true(stress_commit(&s, seq, gen, false));
	assert_int_equal(atomic_load(&s.violations), 1);

	mmu_interval_notifier_remove(&s.mni);
	pthread_mutex_destroy(&s.update);
	svm_mm_put(s.mm);
}

/* ---------------------------------------------------------------------- */

static void test_mm_lifetime_and_release(void **state)
{
	struct mm_struct *mm, *again, *fresh;
	struct drv d, late;
	const struct call *c;

	(void)state;
	drv_init(&d);
	drv_init(&late);
	mm = svm_mm_get();
	again = svm_mm_get();
	assert_non_null(mm);
	assert_ptr_equal(mm, again);	/* one mm per process */
	svm_mm_put(again);
	assert_true(svm_mm_alive(mm));

	assert_int_equal(mmu_interval_notifier_insert(&d.mni, mm, BASE, SZ,
						      &drv_ops), 0);
	log_reset();
	svm_mm_put(mm);		/* last user: the address space goes away */
	assert_false(svm_mm_alive(mm));

	pthread_mutex_lock(&log_lock);
	assert_int_equal(ncalls, 3);
	c = &call_log[0];
	assert_int_equal(c->moment, M_INVALIDATE);
	assert_int_equal(c->event, MMU_NOTIFY_RELEASE);
	assert_int_equal(c->start, 0);
	assert_int_equal(c->end, ULONG_MAX);
	assert_null(c->owner);
	assert_int_equal(call_log[1].moment, M_FREE_PAGES);
	assert_int_equal(call_log[2].moment, M_END);
	pthread_mutex_unlock(&log_lock);

	/* A released mm takes no new notifiers or watches. */
	assert_int_equal(mmu_interval_notifier_insert(&late.mni, mm, BASE, SZ,
						      &drv_ops), -ESRCH);
	assert_int_equal(mm_watch_range(mm, BASE, BASE + SZ), -ESRCH);

	/* The structure lives until the notifier goes (mmgrab/mmdrop). */
	mmu_interval_notifier_remove(&d.mni);

	fresh = svm_mm_get();
	assert_non_null(fresh);
	assert_true(svm_mm_alive(fresh));
	svm_mm_put(fresh);
	drv_fini(&d);
	drv_fini(&late);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_read_begin),
		cmocka_unit_test(test_invalidation_bumps_sequence),
		cmocka_unit_test(test_read_begin_waits_for_open_invalidation),
		cmocka_unit_test(test_insert_remove_deferred),
		cmocka_unit_test(test_insert_far_from_open_invalidation),
		cmocka_unit_test(test_three_moments_in_order),
		cmocka_unit_test(test_owner_skips_own_migration),
		cmocka_unit_test(test_stress_no_stale_commit),
		cmocka_unit_test(test_stale_commit_is_detected),
		cmocka_unit_test(test_mm_lifetime_and_release),
	};

	return cmocka_run_group_tests_name("mm-notifier", tests, NULL, NULL);
}
