/* SPDX-License-Identifier: MIT */
/*
 * test_hmm_stress.c - hmm_range_fault() racing CPU changes.
 *
 * 1. The time budget of hmm_range_fault_timeout(): an invalidator that
 *    never stops ends the loop with -EBUSY after the budget; one that stops
 *    lets it succeed. The invalidator is made deterministic with a
 *    userfaultfd of the test's own: every fault of the walk is held until
 *    an invalidation of the range has run, so every attempt collides.
 * 2. Drivers running Linux's loop (read_begin, hmm_range_fault, lock,
 *    read_retry, commit) on a range while another thread munmaps, mmaps,
 *    madvises and mprotects its pages. Under the driver lock, at every
 *    commit:
 *    - no entry is committed for a page whose unmap has completed (munmap
 *      returned and mm_sync_events() saw its invalidation through), nor
 *      for a page made PROT_NONE with an explicit invalidation;
 *    - no invalidation callback ran since read_begin (a per-page
 *      generation the callback bumps under the same lock), i.e.
 *      mmu_interval_read_retry() is never wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hmm/hmm.h"
#include "hmm_test_util.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------- */
/* 1. The time budget */

/*
 * struct rig - two pages A, B registered MISSING with the rig's own
 * userfaultfd (not the mm's). The walk requests a read fault of both.
 * On the fault of one page the handler (unless told to stop) runs an
 * invalidation of the range, zaps the *other* page, then resolves the
 * fault. The populate has passed the other page (it faults in address
 * order) or will not visit it, so exactly one page is absent again when the
 * walk ends: every attempt faults, every fault collides.
 */
struct rig {
	char *p;
	int uffd;
	int stop_fd;
	struct mm_struct *mm;
	struct mmu_interval_notifier mni;
	pthread_mutex_t lock;		/* the "driver update lock" */
	pthread_t handler;
	atomic_int invalidations_left;	/* < 0: never stop */
	atomic_uint invalidations;
	atomic_uint faults;
};

static bool rig_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	struct rig *rig = (struct rig *)((char *)mni - offsetof(struct rig, mni));

	(void)range;
	pthread_mutex_lock(&rig->lock);
	mmu_interval_set_seq(mni, cur_seq);
	pthread_mutex_unlock(&rig->lock);
	return true;
}

static const struct mmu_interval_notifier_ops rig_ops = {
	.invalidate = rig_invalidate,
};

static void rig_handle_fault(struct rig *rig, unsigned long addr)
{
	unsigned long page = addr & ~(PAGE - 1);
	unsigned long other = page == (unsigned long)rig->p ?
			      (unsigned long)rig->p + PAGE : (unsigned long)rig->p;
	struct uffdio_zeropage zp = {
		.range = { .start = page, .len = PAGE },
	};
	int left = atomic_load(&rig->invalidations_left);

	atomic_fetch_add(&rig->faults, 1);
	if (left != 0) {
		if (left > 0)
			atomic_fetch_sub(&rig->invalidations_left, 1);
		mm_invalidate_range(rig->mm, (unsigned long)rig->p,
				    (unsigned long)rig->p + 2 * PAGE,
				    MMU_NOTIFY_CLEAR, rig);
		atomic_fetch_add(&rig->invalidations, 1);
		madvise((void *)other, PAGE, MADV_DONTNEED);
	}
	ioctl(rig->uffd, UFFDIO_ZEROPAGE, &zp);
}

static void *rig_handler(void *arg)
{
	struct rig *rig = arg;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = rig->uffd, .events = POLLIN },
			{ .fd = rig->stop_fd, .events = POLLIN },
		};
		struct uffd_msg msg;

		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents)
			break;
		if (read(rig->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			rig_handle_fault(rig, msg.arg.pagefault.address);
	}
	return NULL;
}

/* Return: 0, or a reason to skip (kernel-mode userfaultfd unavailable). */
static const char *rig_start(struct rig *rig, int invalidations)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;

	memset(rig, 0, sizeof(*rig));
	/*
	 * MADV_POPULATE faults from the kernel (get_user_pages), which a
	 * UFFD_USER_MODE_ONLY userfaultfd does not handle.
	 */
	rig->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (rig->uffd < 0)
		return "userfaultfd for kernel-mode faults not permitted "
		       "(vm.unprivileged_userfaultfd=0 and not root)";
	if (ioctl(rig->uffd, UFFDIO_API, &api)) {
		close(rig->uffd);
		return "UFFDIO_API failed";
	}
	rig->p = map_anon_prot(2, PROT_READ | PROT_WRITE);
	assert_non_null(rig->p);
	reg.range.start = (unsigned long)rig->p;
	reg.range.len = 2 * PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	assert_int_equal(ioctl(rig->uffd, UFFDIO_REGISTER, &reg), 0);
	rig->stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(rig->stop_fd >= 0);
	pthread_mutex_init(&rig->lock, NULL);
	atomic_init(&rig->invalidations_left, invalidations);
	rig->mm = svm_mm_get();
	assert_non_null(rig->mm);
	assert_int_equal(mmu_interval_notifier_insert(&rig->mni, rig->mm,
						      (unsigned long)rig->p,
						      2 * PAGE, &rig_ops), 0);
	assert_int_equal(pthread_create(&rig->handler, NULL, rig_handler, rig),
			 0);
	return NULL;
}

static void rig_stop(struct rig *rig)
{
	uint64_t one = 1;

	assert_int_equal(write(rig->stop_fd, &one, sizeof(one)), sizeof(one));
	pthread_join(rig->handler, NULL);
	mmu_interval_notifier_remove(&rig->mni);
	svm_mm_put(rig->mm);
	close(rig->stop_fd);
	close(rig->uffd);
	munmap(rig->p, 2 * PAGE);
	pthread_mutex_destroy(&rig->lock);
}

static struct hmm_range rig_range(struct rig *rig, uint64_t *pfns)
{
	struct hmm_range r = make_range(rig->p, 2, pfns, HMM_PFN_REQ_FAULT, 0);

	r.notifier = &rig->mni;
	return r;
}

static void test_timeout_endless_invalidator(void **state)
{
	const unsigned long budget = 200;
	uint64_t pfns[2] = { 0 };
	struct hmm_range r;
	struct rig *rig = calloc(1, sizeof(*rig));
	const char *why;
	uint64_t t0, dt;

	(void)state;
	assert_non_null(rig);
	why = rig_start(rig, -1);
	if (why) {
		test_note("SKIP: %s", why);
		free(rig);
		return;	/* see test_note() */
	}
	r = rig_range(rig, pfns);
	t0 = now_ms();
	assert_int_equal(hmm_range_fault_timeout(&r, budget), -EBUSY);
	dt = now_ms() - t0;
	test_note("-EBUSY after %llu ms (budget %lu ms), %u attempts",
		  (unsigned long long)dt, budget, atomic_load(&rig->faults));
	assert_true(dt >= budget);
	assert_true(dt < budget + 2000);	/* one attempt past the deadline */
	assert_true(atomic_load(&rig->faults) >= 2);
	assert_int_equal(atomic_load(&rig->faults),
			 atomic_load(&rig->invalidations));
	rig_stop(rig);
	free(rig);
}

/* timeout_ms == 0 is HMM_RANGE_DEFAULT_TIMEOUT (1 s, as Linux). */
static void test_timeout_default_budget(void **state)
{
	uint64_t pfns[2] = { 0 };
	struct hmm_range r;
	struct rig *rig = calloc(1, sizeof(*rig));
	const char *why;
	uint64_t t0, dt;

	(void)state;
	assert_non_null(rig);
	why = rig_start(rig, -1);
	if (why) {
		test_note("SKIP: %s", why);
		free(rig);
		return;	/* see test_note() */
	}
	r = rig_range(rig, pfns);
	t0 = now_ms();
	assert_int_equal(hmm_range_fault_timeout(&r, 0), -EBUSY);
	dt = now_ms() - t0;
	assert_true(dt >= HMM_RANGE_DEFAULT_TIMEOUT);
	assert_true(dt < HMM_RANGE_DEFAULT_TIMEOUT + 2000);
	rig_stop(rig);
	free(rig);
}

static void test_timeout_invalidator_that_stops(void **state)
{
	uint64_t pfns[2] = { 0 };
	struct hmm_range r;
	struct rig *rig = calloc(1, sizeof(*rig));
	const char *why;

	(void)state;
	assert_non_null(rig);
	why = rig_start(rig, 5);
	if (why) {
		test_note("SKIP: %s", why);
		free(rig);
		return;	/* see test_note() */
	}
	r = rig_range(rig, pfns);
	assert_int_equal(hmm_range_fault_timeout(&r, 0), 0);
	assert_int_equal(atomic_load(&rig->invalidations), 5);
	/*
	 * The first attempt faults both pages (two invalidations), each later
	 * one the page zapped by the previous: 4 attempts collided, the 5th
	 * faulted in peace.
	 */
	assert_int_equal(atomic_load(&rig->faults), 6);
	assert_false(mmu_interval_read_retry(&rig->mni, r.notifier_seq));
	assert_int_equal(pfns[0] & OUT_FLAGS, HMM_PFN_VALID);
	assert_int_equal(pfns[1] & OUT_FLAGS, HMM_PFN_VALID);
	rig_stop(rig);
	free(rig);
}

/* A single collision during the fault: hmm_range_fault() itself says so. */
static void test_collision_during_fault(void **state)
{
	uint64_t pfns[2] = { 0 };
	struct hmm_range r;
	struct rig *rig = calloc(1, sizeof(*rig));
	const char *why;

	(void)state;
	assert_non_null(rig);
	why = rig_start(rig, 1);
	if (why) {
		test_note("SKIP: %s", why);
		free(rig);
		return;	/* see test_note() */
	}
	r = rig_range(rig, pfns);
	r.notifier_seq = mmu_interval_read_begin(&rig->mni);
	/* Linux re-walks after faulting and the re-walk checks first. */
	assert_int_equal(hmm_range_fault(&r), -EBUSY);
	assert_int_equal(atomic_load(&rig->faults), 2);
	assert_int_equal(pfns[0], 0);	/* results only on success */
	r.notifier_seq = mmu_interval_read_begin(&rig->mni);
	assert_int_equal(hmm_range_fault(&r), 0);
	rig_stop(rig);
	free(rig);
}

/* ---------------------------------------------------------------------- */
/* 2. Drivers against a CPU that keeps changing */

#define SP_PAGES 64
#define SP_MAX_WINDOW 16
#define SP_OPS 3000

enum sp_state {
	SP_MAPPED,
	SP_UNMAPPING,	/* munmap issued, its invalidation maybe not run */
	SP_GONE,	/* unmapped and the invalidation has completed */
	SP_FOREIGN,	/* someone else mapped the address: hands off */
};

struct stress {
	struct mm_struct *mm;
	char *p;			/* SP_PAGES pages at a 2 MiB granule */
	char *spare;			/* last page of that granule, or NULL */
	void *base;			/* the whole mapping, for teardown */
	size_t len;
	struct mmu_interval_notifier mni;
	pthread_mutex_t lock;			/* protects pt and gen */
	uint64_t pt[SP_PAGES];			/* committed entries */
	unsigned long gen[SP_PAGES];		/* bumped by every callback */
	atomic_int st[SP_PAGES];		/* enum sp_state */
	atomic_bool noaccess[SP_PAGES];		/* PROT_NONE, devices told */
	atomic_bool stop;
	atomic_uint violations;
	atomic_uint commits, committed_valid, ebusy, efault, eperm, retries;
	atomic_uint unmaps, remaps, dontneeds, replaces, protects, rewatches;
	char what[160];				/* first violation */
};

static void sp_violation(struct stress *s, const char *what, size_t page)
{
	if (atomic_fetch_add(&s->violations, 1) == 0)
		snprintf(s->what, sizeof(s->what), "%s (page %zu)", what, page);
}

static bool sp_invalidate(struct mmu_interval_notifier *mni,
			  const struct mmu_notifier_range *range,
			  unsigned long cur_seq)
{
	struct stress *s = (struct stress *)((char *)mni -
					     offsetof(struct stress, mni));
	unsigned long base = (unsigned long)s->p;
	size_t i;

	pthread_mutex_lock(&s->lock);
	mmu_interval_set_seq(mni, cur_seq);
	for (i = 0; i < SP_PAGES; i++) {
		unsigned long a = base + i * PAGE;

		if (a < range->start || a >= range->end)
			continue;
		s->pt[i] = 0;
		s->gen[i]++;
	}
	pthread_mutex_unlock(&s->lock);
	return true;
}

static const struct mmu_interval_notifier_ops sp_ops = {
	.invalidate = sp_invalidate,
};

/*
 * __sp_check_commit() - the invariants, with s->lock held and
 * read_retry false. @gens are the generations read after read_begin, or
 * NULL when the caller used hmm_range_fault_timeout() (read_begin is
 * inside it).
 */
static void __sp_check_commit(struct stress *s, size_t k, size_t n,
			      const uint64_t *pfns, const unsigned long *gens)
{
	size_t j;

	for (j = 0; j < n; j++) {
		size_t i = k + j;

		if (gens && s->gen[i] != gens[j])
			sp_violation(s, "commit after an invalidation "
				     "(read_retry missed it)", i);
		if (!(pfns[j] & HMM_PFN_VALID))
			continue;
		if (atomic_load(&s->st[i]) == SP_GONE &&
		    page_unmapped(s->p + i * PAGE))
			sp_violation(s, "commit of a page the CPU no longer "
				     "maps", i);
		if (atomic_load(&s->noaccess[i]) &&
		    atomic_load(&s->st[i]) == SP_MAPPED)
			sp_violation(s, "commit of a PROT_NONE page", i);
	}
}

struct sp_driver {
	struct stress *s;
	unsigned int seed;
	bool use_timeout_helper;
};

static void *sp_driver_thread(void *arg)
{
	struct sp_driver *drv = arg;
	struct stress *s = drv->s;
	unsigned int seed = drv->seed;

	while (!atomic_load(&s->stop)) {
		uint64_t pfns[SP_MAX_WINDOW], req[SP_MAX_WINDOW];
		unsigned long gens[SP_MAX_WINDOW];
		size_t n = 1 + (size_t)rand_r(&seed) % SP_MAX_WINDOW;
		size_t k = (size_t)rand_r(&seed) % (SP_PAGES - n + 1), j;
		struct hmm_range r = make_range(s->p + k * PAGE, n, pfns, 0,
						~0ull);
		uint64_t deadline = now_ms() + HMM_RANGE_DEFAULT_TIMEOUT;
		int ret;

		r.notifier = &s->mni;
		for (j = 0; j < n; j++) {
			unsigned int c = (unsigned int)rand_r(&seed) % 4;

			req[j] = c <= 1 ? 0 : c == 3 ?
				 HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE :
				 HMM_PFN_REQ_FAULT;
		}
again:
		if (now_ms() > deadline) {
			atomic_fetch_add(&s->ebusy, 1);
			continue;
		}
		memcpy(pfns, req, n * sizeof(*pfns));
		if (drv->use_timeout_helper) {
			ret = hmm_range_fault_timeout(&r, 0);
		} else {
			r.notifier_seq = mmu_interval_read_begin(&s->mni);
			pthread_mutex_lock(&s->lock);
			memcpy(gens, &s->gen[k], n * sizeof(*gens));
			pthread_mutex_unlock(&s->lock);
			ret = hmm_range_fault(&r);
			if (ret == -EBUSY) {
				atomic_fetch_add(&s->retries, 1);
				goto again;
			}
		}
		if (ret == -EFAULT || ret == -EPERM) {
			/* A hole or an unreadable page was asked for. */
			atomic_fetch_add(ret == -EFAULT ? &s->efault : &s->eperm,
					 1);
			continue;
		}
		if (ret == -EBUSY) {
			atomic_fetch_add(&s->ebusy, 1);
			continue;
		}
		if (ret) {
			sp_violation(s, "unexpected error", k);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		if (mmu_interval_read_retry(&s->mni, r.notifier_seq)) {
			pthread_mutex_unlock(&s->lock);
			atomic_fetch_add(&s->retries, 1);
			goto again;
		}
		__sp_check_commit(s, k, n, pfns,
				  drv->use_timeout_helper ? NULL : gens);
		for (j = 0; j < n; j++) {
			if (!(pfns[j] & HMM_PFN_VALID))
				continue;
			s->pt[k + j] = pfns[j];
			atomic_fetch_add(&s->committed_valid, 1);
		}
		pthread_mutex_unlock(&s->lock);
		atomic_fetch_add(&s->commits, 1);
	}
	return NULL;
}

static void sp_check_cleared(struct stress *s, size_t i)
{
	pthread_mutex_lock(&s->lock);
	if (s->pt[i] & HMM_PFN_VALID)
		sp_violation(s, "device entry survived the invalidation", i);
	pthread_mutex_unlock(&s->lock);
}

/* Is the VMA at @a registered with a userfaultfd in WP mode ("uw")? */
static bool uffd_wp_registered(const void *a)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in_vma = false, found = false;

	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		unsigned long st, e;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &st, &e, perms) == 3 &&
		    strlen(perms) == 4) {
			in_vma = (uintptr_t)a >= st && (uintptr_t)a < e;
			continue;
		}
		if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			found = strstr(line, " uw") != NULL;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * sp_watch() - watch @page, just mapped anew, and make sure it is watched.
 * mm_watch_range() trusts its record of a 2 MiB granule; a granule that
 * was registered while @page was a hole keeps its record when a new
 * mapping fills the hole, which is then not registered (reported to the
 * lead). Work around it: unmap the granule's spare page, whose UNMAP event
 * makes the monitor forget the record, map it back and watch the granule
 * again. Return: whether @page is watched now.
 */
static bool sp_watch(struct stress *s, char *page)
{
	char *g = s->p;

	mm_watch_range(s->mm, (unsigned long)page, (unsigned long)page + PAGE);
	if (uffd_wp_registered(page))
		return true;
	if (!s->spare)
		return false;
	atomic_fetch_add(&s->rewatches, 1);
	munmap(s->spare, PAGE);
	mm_sync_events(s->mm);
	if (mmap(s->spare, PAGE, PROT_READ | PROT_WRITE,
		 MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
	    s->spare) {
		s->spare = NULL;	/* taken: hands off from now on */
		return false;
	}
	mm_watch_range(s->mm, (unsigned long)g, (unsigned long)g + PMD_SIZE);
	return uffd_wp_registered(page) && uffd_wp_registered(s->spare);
}

static void sp_mutate(struct stress *s, unsigned int *seed)
{
	size_t i = (size_t)rand_r(seed) % SP_PAGES;
	char *page = s->p + i * PAGE;
	unsigned int op = (unsigned int)rand_r(seed) % 8;
	int st = atomic_load(&s->st[i]);
	void *m;

	if (st == SP_FOREIGN)
		return;
	if (st == SP_GONE) {
		m = mmap(page, PAGE, PROT_READ | PROT_WRITE,
			 MAP_FIXED_NOREPLACE | MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (m != page) {
			if (m != MAP_FAILED)
				munmap(m, PAGE);	/* old kernel: a hint */
			atomic_store(&s->st[i], SP_FOREIGN);
			return;
		}
		atomic_store(&s->noaccess[i], false);
		if (!sp_watch(s, page)) {
			/* Unobservable: faulted still, never changed again. */
			atomic_store(&s->st[i], SP_FOREIGN);
			return;
		}
		atomic_store(&s->st[i], SP_MAPPED);
		atomic_fetch_add(&s->remaps, 1);
		return;
	}
	switch (op) {
	case 0:	/* munmap: UNMAP */
		atomic_store(&s->st[i], SP_UNMAPPING);
		munmap(page, PAGE);
		mm_sync_events(s->mm);
		atomic_store(&s->st[i], SP_GONE);
		sp_check_cleared(s, i);
		atomic_fetch_add(&s->unmaps, 1);
		break;
	case 1:	/* madvise(DONTNEED): REMOVE -> CLEAR */
	case 2:
		madvise(page, PAGE, MADV_DONTNEED);
		mm_sync_events(s->mm);
		atomic_fetch_add(&s->dontneeds, 1);
		break;
	case 3:	/* MAP_FIXED over it: UNMAP of the old page */
		atomic_store(&s->noaccess[i], false);
		m = mmap(page, PAGE, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != page)
			break;
		mm_sync_events(s->mm);
		if (!sp_watch(s, page)) {
			atomic_store(&s->st[i], SP_FOREIGN);
			break;
		}
		atomic_fetch_add(&s->replaces, 1);
		break;
	case 4:	/* svmcl's own protection change: explicit invalidation */
		if (atomic_load(&s->noaccess[i])) {
			atomic_store(&s->noaccess[i], false);
			mprotect(page, PAGE, PROT_READ | PROT_WRITE);
		} else {
			mprotect(page, PAGE, PROT_NONE);
			mm_invalidate_range(s->mm, (unsigned long)page,
					    (unsigned long)page + PAGE,
					    MMU_NOTIFY_PROTECTION_VMA, NULL);
			atomic_store(&s->noaccess[i], true);
			sp_check_cleared(s, i);
		}
		atomic_fetch_add(&s->protects, 1);
		break;
	default:	/* the CPU writes */
		if (!atomic_load(&s->noaccess[i]))
			page[(unsigned int)rand_r(seed) % PAGE] = 1;
		break;
	}
}

static void test_stress_invalidations_race_faults(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct sp_driver drv[2];
	pthread_t th[2];
	unsigned int seed = 12345, op;
	size_t i;

	(void)state;
	assert_non_null(s);
	s->mm = svm_mm_get();
	assert_non_null(s->mm);
	/* A 2 MiB granule of our own: its last page is the spare. */
	s->p = map_pmd_aligned(1, &s->base, &s->len);
	assert_non_null(s->p);
	assert_int_equal(madvise(s->p, PMD_SIZE, MADV_NOHUGEPAGE), 0);
	s->spare = s->p + PMD_SIZE - PAGE;
	pthread_mutex_init(&s->lock, NULL);
	if (mm_watch_range(s->mm, (unsigned long)s->p,
			   (unsigned long)s->p + PMD_SIZE)) {
		test_note("SKIP: userfaultfd cannot watch anonymous memory");
		munmap(s->base, s->len);
		svm_mm_put(s->mm);
		free(s);
		return;	/* see test_note() */
	}
	assert_int_equal(mmu_interval_notifier_insert(&s->mni, s->mm,
						      (unsigned long)s->p,
						      SP_PAGES * PAGE, &sp_ops),
			 0);
	for (i = 0; i < 2; i++) {
		drv[i].s = s;
		drv[i].seed = 1000 + (unsigned int)i;
		drv[i].use_timeout_helper = i == 1;
		assert_int_equal(pthread_create(&th[i], NULL, sp_driver_thread,
						&drv[i]), 0);
	}
	for (op = 0; op < SP_OPS && !atomic_load(&s->violations); op++)
		sp_mutate(s, &seed);
	atomic_store(&s->stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);

	/* Final state: every device entry is for a page the CPU maps. */
	mm_sync_events(s->mm);
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < SP_PAGES; i++) {
		if (!(s->pt[i] & HMM_PFN_VALID))
			continue;
		if (atomic_load(&s->st[i]) == SP_GONE)
			sp_violation(s, "final: entry for an unmapped page", i);
		if (atomic_load(&s->noaccess[i]) &&
		    atomic_load(&s->st[i]) == SP_MAPPED)
			sp_violation(s, "final: entry for a PROT_NONE page", i);
	}
	pthread_mutex_unlock(&s->lock);

	test_note("stress: %u commits (%u entries), %u retries, %u -EBUSY, "
		  "%u -EFAULT, %u -EPERM; CPU: %u munmap, %u mmap, "
		  "%u DONTNEED, %u MAP_FIXED, %u mprotect; %u re-watches "
		  "(mm_watch_range() missed a new mapping)",
		  atomic_load(&s->commits), atomic_load(&s->committed_valid),
		  atomic_load(&s->retries), atomic_load(&s->ebusy),
		  atomic_load(&s->efault), atomic_load(&s->eperm),
		  atomic_load(&s->unmaps), atomic_load(&s->remaps),
		  atomic_load(&s->dontneeds), atomic_load(&s->replaces),
		  atomic_load(&s->protects), atomic_load(&s->rewatches));
	if (atomic_load(&s->violations))
		fail_msg("%u violations, first: %s", atomic_load(&s->violations),
			 s->what);
	/* The race was real: both sides did a lot. */
	assert_true(atomic_load(&s->commits) > 100);
	assert_true(atomic_load(&s->unmaps) > 100);
	assert_true(atomic_load(&s->dontneeds) > 50);

	mmu_interval_notifier_remove(&s->mni);
	for (i = 0; i < SP_PAGES; i++)
		if (atomic_load(&s->st[i]) == SP_MAPPED ||
		    atomic_load(&s->st[i]) == SP_UNMAPPING)
			munmap(s->p + i * PAGE, PAGE);
	munmap(s->base, (size_t)(s->p - (char *)s->base));
	munmap(s->p + SP_PAGES * PAGE,
	       PMD_SIZE - (SP_PAGES + 1) * PAGE);
	if (s->spare)
		munmap(s->spare, PAGE);
	munmap(s->p + PMD_SIZE, (size_t)((char *)s->base + s->len -
					 (s->p + PMD_SIZE)));
	pthread_mutex_destroy(&s->lock);
	svm_mm_put(s->mm);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_endless_invalidator),
		cmocka_unit_test(test_timeout_default_budget),
		cmocka_unit_test(test_timeout_invalidator_that_stops),
		cmocka_unit_test(test_collision_during_fault),
		cmocka_unit_test(test_stress_invalidations_race_faults),
	};

	return cmocka_run_group_tests_name("mm-hmm-stress", tests, NULL, NULL);
}
