/* SPDX-License-Identifier: MIT */
/*
 * test_uffd.c - CPU address-space changes reach interval notifiers through
 * the userfaultfd monitor (kmd-shim/mm/userfaultfd.c).
 *
 * A recorder notifier covers the whole address space; its callback runs on
 * the monitor thread and only appends to a fixed array (no malloc in the
 * event path). Other activity of the process (cmocka's own allocations)
 * may add events, so the tests look for the expected one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mm/mm.h"

#define PAGE 4096ul
#define MIB (1ul << 20)
#define GRANULE (2ul * MIB)

struct rec_entry {
	enum mmu_notifier_event event;
	unsigned long start, end;
};

#define REC_MAX 4096

static struct {
	struct mmu_interval_notifier mni;
	pthread_mutex_t lock;
	struct rec_entry log[REC_MAX];
	int n;
} rec = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct mm_struct *mm;

static bool rec_invalidate(struct mmu_interval_notifier *mni,
			   const struct mmu_notifier_range *range,
			   unsigned long cur_seq)
{
	pthread_mutex_lock(&rec.lock);
	mmu_interval_set_seq(mni, cur_seq);
	if (rec.n < REC_MAX)
		rec.log[rec.n++] = (struct rec_entry){
			range->event, range->start, range->end,
		};
	pthread_mutex_unlock(&rec.lock);
	return true;
}

static const struct mmu_interval_notifier_ops rec_ops = {
	.invalidate = rec_invalidate,
};

static void rec_clear(void)
{
	pthread_mutex_lock(&rec.lock);
	rec.n = 0;
	pthread_mutex_unlock(&rec.lock);
}

/* Was an invalidation of exactly [start, end) with @event recorded? */
static bool rec_has(enum mmu_notifier_event event, const void *start,
		    const void *end)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&rec.lock);
	for (i = 0; i < rec.n && !found; i++)
		found = rec.log[i].event == event &&
			rec.log[i].start == (unsigned long)start &&
			rec.log[i].end == (unsigned long)end;
	pthread_mutex_unlock(&rec.lock);
	return found;
}

/* Any recorded invalidation overlapping [start, end)? */
static bool rec_touches(const void *start, const void *end)
{
	bool found = false;
	int i;

	pthread_mutex_lock(&rec.lock);
	for (i = 0; i < rec.n && !found; i++)
		found = rec.log[i].start < (unsigned long)end &&
			rec.log[i].end > (unsigned long)start;
	pthread_mutex_unlock(&rec.lock);
	return found;
}

/* A 2 MiB-aligned anonymous mapping of @len bytes. */
static char *map_aligned(size_t len)
{
	char *raw = mmap(NULL, len + GRANULE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;
	size_t head;

	assert_true(raw != MAP_FAILED);
	p = (char *)(((uintptr_t)raw + GRANULE - 1) & ~(GRANULE - 1));
	head = (size_t)(p - raw);
	if (head)
		munmap(raw, head);
	if (GRANULE - head)
		munmap(p + len, GRANULE - head);
	return p;
}

static int setup(void **state)
{
	char *probe;
	int ret;

	(void)state;
	mm = svm_mm_get();
	if (!mm)
		return -1;
	memset(&rec.mni, 0, sizeof(rec.mni));
	if (mmu_interval_notifier_insert(&rec.mni, mm, 0, ULONG_MAX, &rec_ops))
		return -1;

	probe = map_aligned(GRANULE);
	ret = mm_watch_range(mm, (unsigned long)probe,
			     (unsigned long)probe + GRANULE);
	munmap(probe, GRANULE);
	mm_sync_events(mm);
	if (ret == -ENOTSUP)
		*state = (void *)1;	/* no userfaultfd here: skip */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mmu_interval_notifier_remove(&rec.mni);
	svm_mm_put(mm);
	return 0;
}

#define SKIP_WITHOUT_UFFD(state)				\
	do {							\
		if (*(state)) {					\
			print_message("# userfaultfd unavailable\n"); \
			skip();					\
		}						\
	} while (0)

static void watch_ok(void *start, size_t len)
{
	assert_int_equal(mm_watch_range(mm, (unsigned long)start,
					(unsigned long)start + len), 0);
}

/* ---------------------------------------------------------------------- */

static void test_munmap_part_is_unmap(void **state)
{
	struct mm_stats st0, st1;
	char *p;
	size_t i;

	SKIP_WITHOUT_UFFD(state);
	p = map_aligned(8 * MIB);
	for (i = 0; i < 8 * MIB; i += PAGE)
		p[i] = 1;
	watch_ok(p, 8 * MIB);
	mm_get_stats(mm, &st0);
	rec_clear();

	assert_int_equal(munmap(p + MIB, 64 * 1024), 0);
	mm_sync_events(mm);
	assert_true(rec_has(MMU_NOTIFY_UNMAP, p + MIB, p + MIB + 64 * 1024));
	mm_get_stats(mm, &st1);
	assert_true(st1.uffd_unmap_events > st0.uffd_unmap_events);
	assert_true(st1.invalidations > st0.invalidations);
	/* Nothing else of the mapping was invalidated. */
	assert_false(rec_touches(p, p + MIB));
	assert_false(rec_touches(p + MIB + 64 * 1024, p + 8 * MIB));

	munmap(p, MIB);
	munmap(p + MIB + 64 * 1024, 7 * MIB - 64 * 1024);
}

static void test_dontneed_is_clear(void **state)
{
	struct mm_stats st0, st1;
	char *p;
	size_t i;

	SKIP_WITHOUT_UFFD(state);
	p = map_aligned(4 * MIB);
	for (i = 0; i < 4 * MIB; i += PAGE)
		p[i] = 7;
	watch_ok(p, 4 * MIB);
	mm_get_stats(mm, &st0);
	rec_clear();

	assert_int_equal(madvise(p + 3 * PAGE, 5 * PAGE, MADV_DONTNEED), 0);
	mm_sync_events(mm);
	assert_true(rec_has(MMU_NOTIFY_CLEAR, p + 3 * PAGE, p + 8 * PAGE));
	mm_get_stats(mm, &st1);
	assert_true(st1.uffd_remove_events > st0.uffd_remove_events);
	/* The mapping stays; the zapped pages read back as zero. */
	assert_int_equal(p[3 * PAGE], 0);
	assert_int_equal(p[2 * PAGE], 7);

	munmap(p, 4 * MIB);
}

/* A range inside a malloc() block: the allocator's memory is watchable. */
static void test_malloc_range(void **state)
{
	char *block, *inner;
	size_t i;

	SKIP_WITHOUT_UFFD(state);
	block = malloc(4 * MIB);
	assert_non_null(block);
	for (i = 0; i < 4 * MIB; i += PAGE)
		block[i] = 3;
	inner = (char *)(((uintptr_t)block + PAGE - 1) & ~(PAGE - 1)) + PAGE;
	watch_ok(block, 4 * MIB);
	rec_clear();

	assert_int_equal(madvise(inner, 4 * PAGE, MADV_DONTNEED), 0);
	mm_sync_events(mm);
	assert_true(rec_has(MMU_NOTIFY_CLEAR, inner, inner + 4 * PAGE));
	free(block);
}

static void test_mremap_is_unmap_of_old_range(void **state)
{
	struct mm_stats st0, st1;
	char *p, *target, *moved;
	size_t i;

	SKIP_WITHOUT_UFFD(state);
	p = map_aligned(4 * MIB);
	for (i = 0; i < 4 * MIB; i += PAGE)
		p[i] = (char)(i / PAGE);
	watch_ok(p, 4 * MIB);
	/* A placeholder elsewhere, not watched. */
	target = mmap(NULL, 16 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	assert_true(target != MAP_FAILED);
	mm_get_stats(mm, &st0);
	rec_clear();

	moved = mremap(p + 16 * PAGE, 16 * PAGE, 16 * PAGE,
		       MREMAP_MAYMOVE | MREMAP_FIXED, target);
	assert_ptr_equal(moved, target);
	mm_sync_events(mm);
	assert_true(rec_has(MMU_NOTIFY_UNMAP, p + 16 * PAGE, p + 32 * PAGE));
	mm_get_stats(mm, &st1);
	assert_true(st1.uffd_remap_events > st0.uffd_remap_events);
	assert_int_equal(moved[PAGE], 17);	/* the data moved with it */

	munmap(moved, 16 * PAGE);
	munmap(p, 16 * PAGE);
	munmap(p + 32 * PAGE, 4 * MIB - 32 * PAGE);
}

struct toucher {
	char *p;
	size_t len;
	atomic_bool done;
};

static void *touch_pages(void *arg)
{
	struct toucher *t = arg;
	size_t i;
	unsigned int sum = 0;

	for (i = 0; i < t->len; i += PAGE) {
		sum += (unsigned char)t->p[i];	/* read fault */
		t->p[i] = 1;			/* write fault */
	}
	t->p[0] = (char)sum;
	atomic_store(&t->done, true);
	return NULL;
}

static void test_ordinary_faults_do_not_block(void **state)
{
	struct toucher t = { .len = 8 * MIB };
	struct timespec deadline;
	pthread_t th;

	SKIP_WITHOUT_UFFD(state);
	t.p = map_aligned(t.len);
	watch_ok(t.p, t.len);
	atomic_init(&t.done, false);

	assert_int_equal(pthread_create(&th, NULL, touch_pages, &t), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	/* A write-protect registration must not intercept these faults. */
	assert_int_equal(pthread_timedjoin_np(th, NULL, &deadline), 0);
	assert_true(atomic_load(&t.done));
	/* And from this thread too. */
	t.p[t.len - 1] = 5;
	assert_int_equal(t.p[t.len - 1], 5);
	munmap(t.p, t.len);
}

static void test_watch_is_idempotent(void **state)
{
	struct mm_stats st0, st1;
	char *p;

	SKIP_WITHOUT_UFFD(state);
	p = map_aligned(4 * MIB);
	watch_ok(p, 4 * MIB);
	mm_get_stats(mm, &st0);
	watch_ok(p, 4 * MIB);
	watch_ok(p + PAGE, 3 * PAGE);		/* inside a watched granule */
	watch_ok(p + GRANULE - PAGE, 2 * PAGE);	/* straddles two */
	mm_get_stats(mm, &st1);
	assert_int_equal(st1.watch_registrations, st0.watch_registrations);
	munmap(p, 4 * MIB);
}

/* After an UNMAP the granule is forgotten and a new mapping re-registered. */
static void test_rewatch_after_unmap(void **state)
{
	struct mm_stats st0, st1, st2;
	char *p, *q;

	SKIP_WITHOUT_UFFD(state);
	p = map_aligned(GRANULE);
	watch_ok(p, GRANULE);
	assert_int_equal(munmap(p, GRANULE), 0);

	q = mmap(p, GRANULE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	assert_ptr_equal(q, p);
	mm_get_stats(mm, &st0);
	watch_ok(q, GRANULE);
	mm_get_stats(mm, &st1);
	assert_int_equal(st1.watch_registrations, st0.watch_registrations + 1);

	rec_clear();
	q[0] = 1;
	assert_int_equal(munmap(q, PAGE), 0);
	mm_sync_events(mm);
	assert_true(rec_has(MMU_NOTIFY_UNMAP, q, q + PAGE));
	mm_get_stats(mm, &st2);
	assert_true(st2.uffd_unmap_events > st1.uffd_unmap_events);
	munmap(q + PAGE, GRANULE - PAGE);
}

static void test_file_mapping_not_watchable(void **state)
{
	char path[] = "/tmp/svmcl-mm-XXXXXX";
	int fd;
	char *f;

	SKIP_WITHOUT_UFFD(state);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 4 * PAGE), 0);
	f = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(f != MAP_FAILED);

	assert_int_equal(mm_watch_range(mm, (unsigned long)f,
					(unsigned long)f + 4 * PAGE), -ENOTSUP);
	/* Still usable, and explicit invalidations still work. */
	f[0] = 1;
	rec_clear();
	mm_invalidate_range(mm, (unsigned long)f, (unsigned long)f + PAGE,
			    MMU_NOTIFY_CLEAR, NULL);
	assert_true(rec_has(MMU_NOTIFY_CLEAR, f, f + PAGE));
	munmap(f, 4 * PAGE);
	close(fd);
}

struct unmapper {
	char *base;
	int first;
};

/* Unmaps 16 single pages, each with its own munmap(). */
static void *unmap_pages(void *arg)
{
	struct unmapper *u = arg;
	int k;

	for (k = 0; k < 16; k++)
		munmap(u->base + (size_t)(u->first + 2 * k) * PAGE, PAGE);
	return NULL;
}

/* Every munmap that returned before mm_sync_events() has been processed. */
static void test_sync_sees_every_returned_unmap(void **state)
{
	struct unmapper u[4];
	pthread_t th[4];
	char *p;
	size_t i;
	int k;

	SKIP_WITHOUT_UFFD(state);
	p = map_aligned(4 * MIB);
	for (i = 0; i < 4 * MIB; i += PAGE)
		p[i] = 1;
	watch_ok(p, 4 * MIB);
	rec_clear();
	for (i = 0; i < 4; i++) {
		u[i].base = p;
		u[i].first = (int)i * 32;
		assert_int_equal(pthread_create(&th[i], NULL, unmap_pages, &u[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	mm_sync_events(mm);
	for (i = 0; i < 4; i++)
		for (k = 0; k < 16; k++) {
			char *page = p + (size_t)(u[i].first + 2 * k) * PAGE;

			assert_true(rec_has(MMU_NOTIFY_UNMAP, page, page + PAGE));
		}
	munmap(p, 4 * MIB);
}

/* ---------------------------------------------------------------------- */
/* Fork: the child gets its own mm; at exit the destructor releases it. */

static struct mmu_interval_notifier child_mni;
static int child_pipe = -1;
static unsigned long child_watch_start;
static atomic_bool child_saw_unmap;

static bool child_invalidate(struct mmu_interval_notifier *mni,
			     const struct mmu_notifier_range *range,
			     unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	if (range->event == MMU_NOTIFY_RELEASE && range->start == 0 &&
	    range->end == ULONG_MAX) {
		if (write(child_pipe, "R", 1) != 1)
			_exit(5);
	}
	if (range->event == MMU_NOTIFY_UNMAP &&
	    range->start == child_watch_start &&
	    range->end == child_watch_start + PAGE)
		atomic_store(&child_saw_unmap, true);
	return true;
}

static const struct mmu_interval_notifier_ops child_ops = {
	.invalidate = child_invalidate,
};

/* Runs in the child; reports through the pipe; never returns. */
static void fork_child(struct mm_struct *parent_mm, bool have_uffd)
{
	struct mm_struct *cm = svm_mm_get();
	char *p;

	if (!cm || cm == parent_mm || svm_mm_alive(parent_mm))
		_exit(2);
	if (mmu_interval_notifier_insert(&child_mni, cm, 0, ULONG_MAX,
					 &child_ops))
		_exit(3);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(4);
	if (have_uffd) {
		child_watch_start = (unsigned long)p;
		if (mm_watch_range(cm, (unsigned long)p,
				   (unsigned long)p + 4 * PAGE))
			_exit(6);
		munmap(p, PAGE);
		mm_sync_events(cm);
		if (atomic_load(&child_saw_unmap) && write(child_pipe, "W", 1) != 1)
			_exit(7);
	}
	/* No svm_mm_put(): the exit-time destructor must release the mm. */
	exit(0);
}

static void test_fork_child_gets_own_mm(void **state)
{
	bool have_uffd = *state == NULL;
	char buf[8] = { 0 };
	ssize_t n, got = 0;
	int pfd[2], status;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		child_pipe = pfd[1];
		fork_child(mm, have_uffd);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	/* 2..7 are the child's own failure codes; others come from LSan. */
	assert_false(WEXITSTATUS(status) >= 2 && WEXITSTATUS(status) <= 7);
	assert_string_equal(buf, have_uffd ? "WR" : "R");
	/* The parent's mm is untouched by the child's life and death. */
	assert_true(svm_mm_alive(mm));
}

static void test_watch_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(mm_watch_range(NULL, 0x1000, 0x2000), -EINVAL);
	assert_int_equal(mm_watch_range(mm, 0x2000, 0x1000), -EINVAL);
	assert_int_equal(mm_watch_range(mm, 0x2000, 0x2000), -EINVAL);
	assert_int_equal(mm_watch_range(mm, 0x1000, ULONG_MAX), -EINVAL);
	/* Nothing pending: returns at once. */
	mm_sync_events(mm);
	mm_sync_events(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_munmap_part_is_unmap),
		cmocka_unit_test(test_dontneed_is_clear),
		cmocka_unit_test(test_malloc_range),
		cmocka_unit_test(test_mremap_is_unmap_of_old_range),
		cmocka_unit_test(test_ordinary_faults_do_not_block),
		cmocka_unit_test(test_watch_is_idempotent),
		cmocka_unit_test(test_rewatch_after_unmap),
		cmocka_unit_test(test_file_mapping_not_watchable),
		cmocka_unit_test(test_sync_sees_every_returned_unmap),
		cmocka_unit_test(test_fork_child_gets_own_mm),
		cmocka_unit_test(test_watch_bad_arguments),
	};

	return cmocka_run_group_tests_name("mm-uffd", tests, setup, teardown);
}
