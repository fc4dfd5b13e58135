/* SPDX-License-Identifier: MIT */
/*
 * test_mm_fork.c - the address-space events of a process's life as devices
 * see them (issue 3, item 2): fork write-protects the parent's private
 * pages (MMU_NOTIFY_PROTECTION_PAGE, devices lose WRITE until they refault
 * for writing), a fork child starts with a fresh, usable state, and the end
 * of the address space is one MMU_NOTIFY_RELEASE.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
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
#include "hmm_test_util.h"

/*
 * A tiny device: one interval notifier, a page table of @npages entries
 * (the hmm_pfns it committed) and the update lock its callback takes.
 */
struct dev {
	struct mmu_interval_notifier mni;
	pthread_mutex_t lock;		/* protects pt, events, last */
	unsigned long start;
	size_t npages;
	uint64_t pt[8];
	unsigned int events[MMU_NOTIFY_EXCLUSIVE + 1];
	struct mmu_notifier_range last;
};

static bool dev_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	struct dev *d = (struct dev *)((char *)mni - offsetof(struct dev, mni));
	size_t i;

	pthread_mutex_lock(&d->lock);
	mmu_interval_set_seq(mni, cur_seq);
	d->events[range->event]++;
	d->last = *range;
	for (i = 0; i < d->npages; i++) {
		unsigned long a = d->start + i * PAGE;

		if (a >= range->start && a < range->end)
			d->pt[i] = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return true;
}

static const struct mmu_interval_notifier_ops dev_ops = {
	.invalidate = dev_invalidate,
};

static int dev_init(struct dev *d, struct mm_struct *mm, void *start,
		    size_t npages)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->start = (unsigned long)start;
	d->npages = npages;
	return mmu_interval_notifier_insert(&d->mni, mm, d->start,
					    npages * PAGE, &dev_ops);
}

static void dev_fini(struct dev *d)
{
	mmu_interval_notifier_remove(&d->mni);
	pthread_mutex_destroy(&d->lock);
}

/* Linux's driver loop: fault, then commit under the lock if still valid. */
static int dev_fault(struct dev *d, uint64_t default_flags)
{
	uint64_t pfns[8] = { 0 };
	struct hmm_range r = {
		.notifier = &d->mni,
		.start = d->start,
		.end = d->start + d->npages * PAGE,
		.hmm_pfns = pfns,
		.default_flags = default_flags,
	};
	int ret, tries = 0;

	do {
		ret = hmm_range_fault_timeout(&r, 0);
		if (ret)
			return ret;
		pthread_mutex_lock(&d->lock);
		if (!mmu_interval_read_retry(&d->mni, r.notifier_seq)) {
			memcpy(d->pt, pfns, d->npages * sizeof(*pfns));
			pthread_mutex_unlock(&d->lock);
			return 0;
		}
		pthread_mutex_unlock(&d->lock);
	} while (++tries < 100);
	return -EBUSY;
}

static uint64_t dev_pte(struct dev *d, size_t i)
{
	uint64_t e;

	pthread_mutex_lock(&d->lock);
	e = d->pt[i];
	pthread_mutex_unlock(&d->lock);
	return e;
}

static unsigned int dev_events(struct dev *d, enum mmu_notifier_event ev)
{
	unsigned int n;

	pthread_mutex_lock(&d->lock);
	n = d->events[ev];
	pthread_mutex_unlock(&d->lock);
	return n;
}

/* A child that keeps the COW sharing alive until told to go. */
struct child {
	pid_t pid;
	int go;		/* write end: one byte lets the child exit */
	int report;	/* read end: what the child saw */
};

static void child_start(struct child *c, const volatile char *watch)
{
	int go[2], rep[2];
	char b;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(rep), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(go[1]);
		close(rep[0]);
		if (read(go[0], &b, 1) != 1)
			_exit(2);
		b = *watch;	/* the child's copy, after the parent wrote */
		_exit(write(rep[1], &b, 1) == 1 ? 0 : 3);
	}
	close(go[0]);
	close(rep[1]);
	c->go = go[1];
	c->report = rep[0];
}

static char child_finish(struct child *c)
{
	char b = 0;
	int status;

	assert_int_equal(write(c->go, "g", 1), 1);
	assert_int_equal(read(c->report, &b, 1), 1);
	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(c->go);
	close(c->report);
	return b;
}

/* ---------------------------------------------------------------------- */

static void test_fork_is_protection_page(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	char *p = map_anon_prot(2, PROT_READ | PROT_WRITE);
	struct dev *d = calloc(1, sizeof(*d));
	struct mmu_notifier_range last;
	unsigned long seq;
	struct child c;

	(void)state;
	assert_non_null(p);
	assert_non_null(d);
	assert_int_equal(dev_init(d, mm, p, 2), 0);
	seq = mmu_interval_read_begin(&d->mni);
	assert_int_equal(dev_events(d, MMU_NOTIFY_PROTECTION_PAGE), 0);

	child_start(&c, p);
	/* By the time fork() returns in the parent, devices were told. */
	assert_int_equal(dev_events(d, MMU_NOTIFY_PROTECTION_PAGE), 1);
	pthread_mutex_lock(&d->lock);
	last = d->last;
	pthread_mutex_unlock(&d->lock);
	assert_int_equal(last.event, MMU_NOTIFY_PROTECTION_PAGE);
	assert_int_equal(last.start, 0);
	assert_true(last.end >= (1ul << 47));
	assert_true(mmu_notifier_range_blockable(&last));
	assert_null(last.owner);
	assert_ptr_equal(last.mm, mm);
	assert_true(mmu_interval_read_retry(&d->mni, seq));
	child_finish(&c);
	/* The child's exit is not an event of the parent's address space. */
	assert_int_equal(dev_events(d, MMU_NOTIFY_PROTECTION_PAGE), 1);

	dev_fini(d);
	free(d);
	svm_mm_put(mm);
	munmap(p, 2 * PAGE);
}

static void test_fork_parent_loses_write(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	volatile char *p = map_anon_prot(4, PROT_READ | PROT_WRITE);
	struct dev *d = calloc(1, sizeof(*d));
	uint64_t pfns[4] = { 0 };
	struct hmm_range r = make_range((void *)p, 4, pfns, 0, 0);
	uint64_t before;
	struct child c;
	size_t i;

	(void)state;
	assert_non_null(p);
	assert_non_null(d);
	for (i = 0; i < 4; i++)
		p[i * PAGE] = 'p';
	before = cpu_pfn((void *)p);
	assert_int_equal(dev_init(d, mm, (void *)p, 4), 0);
	assert_int_equal(dev_fault(d, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(dev_pte(d, i) & OUT_FLAGS,
				 HMM_PFN_VALID | HMM_PFN_WRITE);

	child_start(&c, p);
	/* The device dropped its translations... */
	for (i = 0; i < 4; i++)
		assert_int_equal(dev_pte(d, i), 0);
	/* ... and refaults read-only: the pages are shared with the child. */
	assert_int_equal(dev_fault(d, HMM_PFN_REQ_FAULT), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(dev_pte(d, i) & OUT_FLAGS, HMM_PFN_VALID);
	if (before)
		assert_int_equal(hmm_pfn_to_pfn(dev_pte(d, 0)), before);
	assert_int_equal(hmm_range_fault(&r), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pfns[i] & OUT_FLAGS, HMM_PFN_VALID);

	/* The CPU writing one page gives it back WRITE (a private copy). */
	p[2 * PAGE] = 'q';
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[2] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);

	/* A device write fault breaks COW, as the CPU's would. */
	pfns[0] = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	pfns[1] = pfns[3] = 0;
	r.pfn_flags_mask = ~0ull;
	assert_int_equal(hmm_range_fault(&r), 0);
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID | HMM_PFN_WRITE);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	if (before) {
		assert_int_not_equal(hmm_pfn_to_pfn(pfns[0]), before);
		assert_int_equal(hmm_pfn_to_pfn(pfns[0]), cpu_pfn((void *)p));
	}
	p[0] = 'P';
	/* The child still sees its own copy. */
	assert_int_equal(child_finish(&c), 'p');
	assert_int_equal(p[0], 'P');

	dev_fini(d);
	free(d);
	svm_mm_put(mm);
	munmap((void *)p, 4 * PAGE);
}

/*
 * Runs in the child: the inherited mm and notifiers describe the parent,
 * the child's own mm is usable at once. Exit codes name the failed check.
 */
static void fork_child_fresh_state(struct mm_struct *parent_mm, struct dev *pd,
				   char *p)
{
	uint64_t pfns[4] = { 0 };
	struct hmm_range r = make_range(p, 4, pfns, HMM_PFN_REQ_FAULT, 0);
	struct mm_struct *cm;
	struct dev *d;

	if (svm_mm_alive(parent_mm))
		_exit(10);
	/* A copy of a parent notifier cannot fault: its mm is gone here. */
	r.notifier = &pd->mni;
	if (hmm_range_fault(&r) != -EFAULT)
		_exit(11);
	if (hmm_range_fault_timeout(&r, 50) != -EFAULT)
		_exit(12);

	cm = svm_mm_get();
	if (!cm || cm == parent_mm || !svm_mm_alive(cm))
		_exit(13);
	d = calloc(1, sizeof(*d));
	if (!d || dev_init(d, cm, p, 4))
		_exit(14);
	/* The child's pages are shared with the parent: read-only... */
	if (dev_fault(d, HMM_PFN_REQ_FAULT) ||
	    (dev_pte(d, 0) & OUT_FLAGS) != HMM_PFN_VALID)
		_exit(15);
	/* ... until a write fault gives the child its own copy. */
	if (dev_fault(d, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE) ||
	    (dev_pte(d, 0) & OUT_FLAGS) != (HMM_PFN_VALID | HMM_PFN_WRITE))
		_exit(16);
	p[0] = 'c';
	/* Invalidations of the child's mm reach the child's devices. */
	mm_invalidate_range(cm, (unsigned long)p, (unsigned long)p + PAGE,
			    MMU_NOTIFY_CLEAR, NULL);
	if (dev_pte(d, 0) != 0 || dev_events(d, MMU_NOTIFY_CLEAR) != 1)
		_exit(17);
	dev_fini(d);
	free(d);
	svm_mm_put(cm);
	_exit(0);
}

static void test_fork_child_fresh_state(void **state)
{
	struct mm_struct *mm = svm_mm_get();
	char *p = map_anon_prot(4, PROT_READ | PROT_WRITE);
	struct dev *d = calloc(1, sizeof(*d));
	int status;
	pid_t pid;

	(void)state;
	assert_non_null(p);
	assert_non_null(d);
	memset(p, 'p', 4 * PAGE);
	assert_int_equal(dev_init(d, mm, p, 4), 0);
	assert_int_equal(dev_fault(d, HMM_PFN_REQ_FAULT), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		fork_child_fresh_state(mm, d, p);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's memory and mm are untouched by the child. */
	assert_int_equal(p[0], 'p');
	assert_true(svm_mm_alive(mm));
	assert_int_equal(dev_fault(d, HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE), 0);
	assert_int_equal(dev_pte(d, 0) & OUT_FLAGS,
			 HMM_PFN_VALID | HMM_PFN_WRITE);

	dev_fini(d);
	free(d);
	svm_mm_put(mm);
	munmap(p, 4 * PAGE);
}

/* ---------------------------------------------------------------------- */
/* RELEASE: the address space goes away */

static int release_pipe = -1;

static bool release_invalidate(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range,
			       unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	if (range->event == MMU_NOTIFY_RELEASE && range->start == 0 &&
	    range->end == ULONG_MAX && mmu_notifier_range_blockable(range) &&
	    write(release_pipe, "R", 1) != 1)
		return true;
	return true;
}

static const struct mmu_interval_notifier_ops release_ops = {
	.invalidate = release_invalidate,
};

/* In a child: the last svm_mm_put() releases, the exit destructor too. */
static void release_child(bool at_exit)
{
	static struct mmu_interval_notifier mni;
	struct mm_struct *mm = svm_mm_get();
	char *p = map_anon_prot(1, PROT_READ | PROT_WRITE);
	uint64_t pfns[1] = { 0 };
	struct hmm_range r = make_range(p, 1, pfns, HMM_PFN_REQ_FAULT, 0);

	if (!mm || !p || mmu_interval_notifier_insert(&mni, mm, 0, ULONG_MAX,
						      &release_ops))
		_exit(40);
	r.notifier = &mni;
	if (hmm_range_fault_timeout(&r, 0) != 0)
		_exit(41);
	if (at_exit)
		exit(0);	/* the destructor releases the mm */
	svm_mm_put(mm);
	if (svm_mm_alive(mm))
		_exit(42);
	/* Faulting through a notifier of a released mm: -EFAULT. */
	if (hmm_range_fault(&r) != -EFAULT ||
	    hmm_range_fault_timeout(&r, 0) != -EFAULT)
		_exit(43);
	mmu_interval_notifier_remove(&mni);
	_exit(0);
}

static void test_release(void **state)
{
	bool at_exit;

	(void)state;
	for (at_exit = false; ; at_exit = true) {
		char buf[4] = { 0 };
		int pfd[2], status;
		ssize_t n;
		pid_t pid;

		assert_int_equal(pipe(pfd), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(pfd[0]);
			release_pipe = pfd[1];
			release_child(at_exit);
		}
		close(pfd[1]);
		n = 0;
		for (;;) {	/* until the child is gone: count them all */
			ssize_t k = read(pfd[0], buf + n, sizeof(buf) - 1 -
					 (size_t)n);

			if (k <= 0)
				break;
			n += k;
		}
		close(pfd[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		/* 40..43 are the child's own failure codes. */
		assert_false(WEXITSTATUS(status) >= 40 &&
			     WEXITSTATUS(status) <= 43);
		/* Exactly one RELEASE, whichever way the mm ended. */
		assert_int_equal(n, 1);
		assert_string_equal(buf, "R");
		if (at_exit)
			break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_is_protection_page),
		cmocka_unit_test(test_fork_parent_loses_write),
		cmocka_unit_test(test_fork_child_fresh_state),
		cmocka_unit_test(test_release),
	};

	return cmocka_run_group_tests_name("mm-fork", tests, NULL, NULL);
}
