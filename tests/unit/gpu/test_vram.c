/* SPDX-License-Identifier: MIT */
/*
 * The GPU's device memory through the kmd uAPI (KMD_IOCTL_VM_MIGRATE),
 * with device code written in C (dev_access.h): dispatches that read and
 * write migrated pages through VRAM-kind PTEs, CPU accesses that bring
 * the device's writes back, explicit migration back, LRU eviction under
 * pressure in a 1 MiB pool (with the eviction clock's second chance for
 * pages hit in TLBs, and rollback of a migration that failed after it
 * evicted), shared mappings, bad input, and the VRAM
 * quiescence rule: a device page freed by a migration back is reused by
 * other data only after every unit has stopped using it.
 *
 * Without a kernel-mode userfaultfd the GPU has no VRAM (-EOPNOTSUPP) and
 * the tests that need it are skipped.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev_access.h"
#include "gpu/sgpu.h"
#include "svmcl/kmd.h"

#define PG 4096ul
#define WORDS (PG / 4)

struct fixture {
	int fd;
	uint32_t vm;
};

static int open_gpu(void **state, const char *vram_mb)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kmd_vm_create vc = { .flags = KMD_VM_MIRROR_PROCESS };

	if (!f)
		return -1;
	/* Read when the device is created, i.e. by this open. */
	if (vram_mb)
		setenv("SVMCL_VRAM_MB", vram_mb, 1);
	else
		unsetenv("SVMCL_VRAM_MB");
	f->fd = kmd_open("sgpu0");
	if (f->fd < 0 || kmd_ioctl(f->fd, KMD_IOCTL_VM_CREATE, &vc))
		return -1;
	f->vm = vc.vm_id;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return open_gpu(state, NULL);
}

static int setup_small(void **state)
{
	return open_gpu(state, "1");	/* 256 device pages */
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kmd_close(f->fd);
	unsetenv("SVMCL_VRAM_MB");
	free(f);
	return 0;
}

static int migrate(struct fixture *f, uint32_t flags, void *p, size_t len,
		   uint64_t *pages)
{
	struct kmd_vm_migrate m = {
		.vm_id = f->vm,
		.flags = flags,
		.start = (uintptr_t)p,
		.end = (uintptr_t)p + len,
	};
	int ret = kmd_ioctl(f->fd, KMD_IOCTL_VM_MIGRATE, &m);

	if (pages)
		*pages = m.pages;
	return ret;
}

static struct kmd_gpu_stats stats(struct fixture *f)
{
	struct kmd_gpu_stats s;

	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_GET_STATS, &s), 0);
	return s;
}

/* Anonymous private memory, 4 KiB pages only (no THP in the way). */
static uint32_t *map_pages(size_t npages)
{
	void *p = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	madvise(p, npages * PG, MADV_NOHUGEPAGE);
	return p;
}

/* Migrates to VRAM; skips the test when the GPU has no device memory. */
static void to_vram_or_skip(struct fixture *f, void *p, size_t len,
			    uint64_t expect)
{
	uint64_t pages = 0;
	int ret = migrate(f, KMD_MIGRATE_TO_VRAM, p, len, &pages);

	if (ret == -EOPNOTSUPP)
		skip();
	assert_int_equal(ret, 0);
	assert_int_equal(pages, expect);
}

struct rw_args {
	uint32_t *buf;
	uint32_t mul, add;
};

/* buf[gid] = buf[gid] * mul + add, through the device MMU. */
static void wg_rw(const void *p, struct sgpu_cu_state *cu)
{
	const struct rw_args *a = p;

	for (uint64_t l = 0; l < cu->local_size[0]; l++) {
		uint64_t gid = cu->group_id[0] * cu->enqueued_local_size[0] + l;

		dev_store32(cu, &a->buf[gid],
			    dev_load32(cu, &a->buf[gid]) * a->mul + a->add);
	}
}

static void run_rw(struct fixture *f, uint32_t *buf, uint64_t n, uint32_t mul,
		   uint32_t add)
{
	struct rw_args a = { buf, mul, add };
	struct kmd_dispatch d = {
		.vm_id = f->vm,
		.work_dim = 1,
		.entry = (uintptr_t)wg_rw,
		.args = (uintptr_t)&a,
		.global_size = { n, 1, 1 },
		.local_size = { 256, 1, 1 },
	};

	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_DISPATCH, &d), 0);
	assert_int_equal(d.status, 0);
}

/* Device code works on VRAM; the CPU gets the device's writes back. */
static void test_dispatch_on_vram(void **state)
{
	struct fixture *f = *state;
	enum { NP = 64, N = NP * WORDS };
	uint32_t *buf = map_pages(NP);
	struct kmd_gpu_stats s0, s1, s2;

	for (uint32_t i = 0; i < N; i++)
		buf[i] = i;
	s0 = stats(f);
	to_vram_or_skip(f, buf, NP * PG, NP);
	s1 = stats(f);
	assert_int_equal(s1.migrations - s0.migrations, NP);
	assert_int_equal(s1.vram_used, NP);
	assert_int_equal(s1.vram_total, SGPU_VRAM_MB_DEFAULT * 256);

	run_rw(f, buf, N, 2, 1);
	s2 = stats(f);
	/* Every page was mapped with a VRAM target... */
	assert_true(s2.vram_ptes - s1.vram_ptes >= NP);
	/* ...and none came back to the CPU while the device used it. */
	assert_int_equal(s2.vram_used, NP);
	assert_int_equal(s2.migrations_back, 0);

	/* CPU reads fault every page back, with the device's writes. */
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(buf[i], i * 2 + 1);
	assert_int_equal(stats(f).vram_used, 0);

	/* Device PTEs of the pages now point at system memory again. */
	run_rw(f, buf, N, 1, 1);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(buf[i], i * 2 + 2);
	assert_int_equal(stats(f).vram_ptes, s2.vram_ptes);
	munmap(buf, NP * PG);
}

/* KMD_MIGRATE_TO_SYSTEM brings data (device writes included) back. */
static void test_migrate_back(void **state)
{
	struct fixture *f = *state;
	enum { NP = 32, N = NP * WORDS };
	uint32_t *buf = map_pages(NP);
	struct kmd_gpu_stats s;
	uint64_t pages = 99;

	for (uint32_t i = 0; i < N; i++)
		buf[i] = i ^ 0x5a5a;
	to_vram_or_skip(f, buf, NP * PG, NP);
	/* Again: pages already there count, nothing moves. */
	to_vram_or_skip(f, buf, NP * PG, NP);
	assert_int_equal(stats(f).migrations, NP);

	run_rw(f, buf, N, 3, 7);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, buf, NP * PG, &pages),
			 0);
	assert_int_equal(pages, NP);
	s = stats(f);
	assert_int_equal(s.migrations_back, NP);
	assert_int_equal(s.vram_used, 0);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(buf[i], (i ^ 0x5a5a) * 3 + 7);

	/* Nothing left to bring back. */
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, buf, NP * PG, &pages),
			 0);
	assert_int_equal(pages, 0);
	/* Part of a range, then the device works on both kinds at once. */
	to_vram_or_skip(f, buf, NP / 2 * PG, NP / 2);
	run_rw(f, buf, N, 1, 1);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(buf[i], (i ^ 0x5a5a) * 3 + 8);
	munmap(buf, NP * PG);
}

/*
 * A 256-page pool, three 128-page buffers, each in its own 2 MiB block
 * (so that no prefetch commit touches another buffer's pages). A and B
 * fill the pool; the device then uses A, which makes B least recently
 * used, so migrating C evicts B, not A. Every page's data is checked.
 */
static void test_eviction_lru(void **state)
{
	struct fixture *f = *state;
	enum { NP = 128, N = NP * WORDS };
	size_t span = 4 * SGPU_HUGE_SIZE;
	char *res = mmap(NULL, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *buf[3];
	struct kmd_gpu_stats s0, s1;
	uint64_t pages;

	assert_true(res != MAP_FAILED);
	madvise(res, span, MADV_NOHUGEPAGE);
	for (int b = 0; b < 3; b++) {
		uintptr_t blk = ((uintptr_t)res + SGPU_HUGE_SIZE - 1) &
				~(uintptr_t)(SGPU_HUGE_SIZE - 1);

		buf[b] = (uint32_t *)(blk + (uintptr_t)b * SGPU_HUGE_SIZE);
		for (uint32_t i = 0; i < N; i++)
			buf[b][i] = (uint32_t)b << 24 | i;
	}
	s0 = stats(f);
	to_vram_or_skip(f, buf[0], NP * PG, NP);
	to_vram_or_skip(f, buf[1], NP * PG, NP);
	assert_int_equal(stats(f).vram_used, 256);
	assert_int_equal(stats(f).vram_total, 256);

	run_rw(f, buf[0], N, 1, 0x10000000);	/* A: recently used */
	to_vram_or_skip(f, buf[2], NP * PG, NP);
	s1 = stats(f);
	assert_int_equal(s1.evictions - s0.evictions, NP);
	assert_int_equal(s1.migrations - s0.migrations, 3 * NP);
	assert_int_equal(s1.vram_used, 256);

	/* B was evicted (nothing to bring back); A and C are in VRAM. */
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, buf[1], NP * PG,
				 &pages), 0);
	assert_int_equal(pages, 0);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, buf[0], NP * PG,
				 &pages), 0);
	assert_int_equal(pages, NP);

	/* Data of the evicted and of the migrated-back buffer (no faults). */
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(buf[0][i], (0u << 24 | i) + 0x10000000);
		assert_int_equal(buf[1][i], 1u << 24 | i);
	}
	assert_int_equal(stats(f).vram_used, NP);	/* C only */

	/* A range larger than the pool evicts everything else, fits 256. */
	to_vram_or_skip(f, buf[1], SGPU_HUGE_SIZE, 256);
	assert_int_equal(stats(f).evictions - s1.evictions, NP);
	assert_int_equal(stats(f).vram_used, 256);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(buf[2][i], 2u << 24 | i);
	/* B's data came through VRAM and back (CPU faults). */
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(buf[1][i], 1u << 24 | i);
	munmap(res, span);
}

/* Three 128-page buffers, each in its own 2 MiB block, values b << 24 | i. */
struct three {
	char *res;
	size_t span;
	uint32_t *buf[3];
};

static void three_map(struct three *t, int flags)
{
	t->span = 4 * SGPU_HUGE_SIZE;
	t->res = mmap(NULL, t->span, PROT_READ | PROT_WRITE,
		      flags | MAP_ANONYMOUS, -1, 0);
	assert_true(t->res != MAP_FAILED);
	madvise(t->res, t->span, MADV_NOHUGEPAGE);
	for (int b = 0; b < 3; b++) {
		uintptr_t blk = ((uintptr_t)t->res + SGPU_HUGE_SIZE - 1) &
				~(uintptr_t)(SGPU_HUGE_SIZE - 1);

		t->buf[b] = (uint32_t *)(blk + (uintptr_t)b * SGPU_HUGE_SIZE);
		for (uint32_t i = 0; i < 128 * WORDS; i++)
			t->buf[b][i] = (uint32_t)b << 24 | i;
	}
}

/* Pages of @p's 128 that are in VRAM (they are brought back to count). */
static uint64_t in_vram(struct fixture *f, void *p)
{
	uint64_t pages = 0;

	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, p, 128 * PG, &pages),
			 0);
	return pages;
}

static void flush_all_tlbs(void)
{
	struct sgpu *gpu;

	assert_int_equal(sgpu_get(&gpu), 0);
	for (unsigned int i = 0; i < gpu->nr_units; i++)
		sgpu_cu_tlb_flush_all(&gpu->cus[i]);
	sgpu_put(gpu);
}

/*
 * Eviction sees accesses that only hit TLBs. A is migrated and used by
 * the device (its lines stay in the units' TLBs), then B is migrated: by
 * migration and fault stamps alone, A is now the least recently used. The
 * eviction clock samples the TLBs, finds A's lines and gives A a second
 * chance: migrating C evicts B. The sampling cleared those lines; when A
 * is not used again, the next eviction takes A (the control: a line left
 * in a TLB counts once, and without it the order is LRU).
 */
static void test_eviction_sees_tlb_hits(void **state)
{
	struct fixture *f = *state;
	struct three t;
	struct kmd_gpu_stats s0, s1;

	three_map(&t, MAP_PRIVATE);
	s0 = stats(f);
	to_vram_or_skip(f, t.buf[0], 128 * PG, 128);
	run_rw(f, t.buf[0], 128 * WORDS, 1, 0x10000000);	/* A in TLBs */
	to_vram_or_skip(f, t.buf[1], 128 * PG, 128);
	assert_int_equal(stats(f).vram_used, 256);
	to_vram_or_skip(f, t.buf[2], 128 * PG, 128);
	s1 = stats(f);
	assert_int_equal(s1.evictions - s0.evictions, 128);
	assert_int_equal(s1.vram_used, 256);
	assert_int_equal(in_vram(f, t.buf[1]), 0);	/* B went */
	to_vram_or_skip(f, t.buf[1], 128 * PG, 128);	/* B again: A goes */
	assert_int_equal(stats(f).evictions - s1.evictions, 128);
	assert_int_equal(in_vram(f, t.buf[0]), 0);
	assert_int_equal(in_vram(f, t.buf[2]), 128);
	for (uint32_t i = 0; i < 128 * WORDS; i++) {
		assert_int_equal(t.buf[0][i], (0u << 24 | i) + 0x10000000);
		assert_int_equal(t.buf[1][i], 1u << 24 | i);
		assert_int_equal(t.buf[2][i], 2u << 24 | i);
	}
	munmap(t.res, t.span);
}

/*
 * The same start without TLB lines of A: LRU evicts A, but for the few
 * pages whose walks set their accessed bit (the demand page of each
 * walk: one per 64-page fill-ahead group and walking unit).
 */
static void test_eviction_lru_without_tlb_lines(void **state)
{
	struct fixture *f = *state;
	struct three t;
	struct sgpu *gpu;
	uint64_t a, b;

	three_map(&t, MAP_PRIVATE);
	to_vram_or_skip(f, t.buf[0], 128 * PG, 128);
	run_rw(f, t.buf[0], 128 * WORDS, 1, 0x10000000);
	flush_all_tlbs();
	to_vram_or_skip(f, t.buf[1], 128 * PG, 128);
	to_vram_or_skip(f, t.buf[2], 128 * PG, 128);
	a = in_vram(f, t.buf[0]);
	b = in_vram(f, t.buf[1]);
	assert_int_equal(sgpu_get(&gpu), 0);
	/* 2 fill-ahead groups, each walked by at most every unit. */
	assert_true(a >= 2 && a <= 2 * gpu->nr_units);
	sgpu_put(gpu);
	assert_int_equal(a + b, 128);
	for (uint32_t i = 0; i < 128 * WORDS; i++)
		assert_int_equal(t.buf[0][i], (0u << 24 | i) + 0x10000000);
	munmap(t.res, t.span);
}

/*
 * A migration the core refuses (a shared mapping: -ENOENT) is refused
 * before anything is evicted; one that fails after its evictions has them
 * rolled back: the evicted pages are in VRAM again, data intact.
 */
static void test_failed_migration_keeps_vram(void **state)
{
	struct fixture *f = *state;
	struct three t;
	uint32_t *shared = mmap(NULL, 128 * PG, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct kmd_gpu_stats s0, s1;
	uint64_t undone0;
	struct sgpu *gpu;

	assert_true(shared != MAP_FAILED);
	assert_int_equal(sgpu_get(&gpu), 0);
	three_map(&t, MAP_PRIVATE);
	to_vram_or_skip(f, t.buf[0], 128 * PG, 128);
	to_vram_or_skip(f, t.buf[1], 128 * PG, 128);
	s0 = stats(f);
	assert_int_equal(s0.vram_used, 256);

	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, shared, 128 * PG, NULL),
			 -ENOENT);
	s1 = stats(f);
	assert_int_equal(s1.evictions, s0.evictions);
	assert_int_equal(s1.vram_used, 256);

	undone0 = atomic_load(&gpu->stats.evictions_undone);
	gpu->test_fail_migration = -ENOMEM;
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, t.buf[2], 128 * PG,
				 NULL), -ENOMEM);
	s1 = stats(f);
	assert_int_equal(s1.evictions - s0.evictions, 128);
	assert_int_equal(atomic_load(&gpu->stats.evictions_undone) - undone0,
			 128);
	assert_int_equal(s1.vram_used, 256);
	assert_int_equal(in_vram(f, t.buf[0]), 128);
	assert_int_equal(in_vram(f, t.buf[1]), 128);
	for (uint32_t i = 0; i < 128 * WORDS; i++) {
		assert_int_equal(t.buf[0][i], 0u << 24 | i);
		assert_int_equal(t.buf[1][i], 1u << 24 | i);
	}
	sgpu_put(gpu);
	munmap(t.res, t.span);
	munmap(shared, 128 * PG);
}

static void test_shared_and_bad_input(void **state)
{
	struct fixture *f = *state;
	uint32_t *buf = map_pages(4);
	void *shared = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct kmd_vm_create vc = { .flags = 0 };
	uint32_t vm = f->vm;
	uint64_t pages;
	char *hole;

	assert_true(shared != MAP_FAILED);
	memset(shared, 1, 4 * PG);
	buf[0] = 1;
	to_vram_or_skip(f, buf, PG, 1);

	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, shared, 4 * PG, NULL),
			 -ENOENT);
	assert_int_equal(migrate(f, 0, buf, PG, NULL), -EINVAL);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM | KMD_MIGRATE_TO_SYSTEM,
				 buf, PG, NULL), -EINVAL);
	assert_int_equal(migrate(f, 1u << 7, buf, PG, NULL), -EINVAL);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, (char *)buf + 8, PG,
				 NULL), -EINVAL);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, buf, PG - 8, NULL),
			 -EINVAL);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, buf, 0, NULL),
			 -EINVAL);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, NULL, PG, NULL),
			 -EINVAL);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM,
				 (void *)(uintptr_t)(SGPU_MIRROR_END - PG),
				 2 * PG, NULL), -EINVAL);
	/* Not mapped (a hole punched in the middle): the core's -EINVAL. */
	hole = (char *)map_pages(3);
	munmap(hole + PG, PG);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, hole, 3 * PG, NULL),
			 -EINVAL);
	/* No such VM, another handle's VM, a VM that mirrors nothing. */
	f->vm = 9999;
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, buf, PG, NULL),
			 -EINVAL);
	f->vm = vm;
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_VM_CREATE, &vc), 0);
	f->vm = vc.vm_id;
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, buf, PG, NULL),
			 -EINVAL);
	f->vm = vm;
	/* Arguments the caller cannot pass. */
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_VM_MIGRATE, NULL), -EFAULT);
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_VM_MIGRATE,
				   (void *)(uintptr_t)PG), -EFAULT);
	/* Nothing failed above: the page is still in VRAM, data intact. */
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, buf, 4 * PG, &pages),
			 0);
	assert_int_equal(pages, 1);
	assert_int_equal(buf[0], 1);
	assert_int_equal(stats(f).vram_used, 0);
	munmap(hole, PG);
	munmap(hole + 2 * PG, PG);
	munmap(shared, 4 * PG);
	munmap(buf, 4 * PG);
}

/* ---------------------------------------------------------------------- */
/* Quiescence: a freed VRAM page is not reused under a unit's feet. */

#define P_MAGIC 0xabcd0000u
#define O_MAGIC 0x0e000000u

struct reader_args {
	const uint32_t *page;
	atomic_int stop;
	atomic_uint_fast64_t reads;
	atomic_uint_fast64_t bad;
	atomic_uint last_bad;
};

/* Reads the page in a loop; every word it ever holds is P_MAGIC | i. */
static void wg_reader(const void *p, struct sgpu_cu_state *cu)
{
	struct reader_args *a = (struct reader_args *)p;
	uint32_t i = 0;

	while (!atomic_load(&a->stop)) {
		uint32_t v = dev_load32(cu, &a->page[i]);

		if (v != (P_MAGIC | i)) {
			atomic_fetch_add(&a->bad, 1);
			atomic_store(&a->last_bad, v);
		}
		atomic_fetch_add(&a->reads, 1);
		i = (i + 1) % WORDS;
	}
}

struct reader_job {
	struct fixture *f;
	struct reader_args *a;
	int status;
};

static void *reader_thread(void *p)
{
	struct reader_job *j = p;
	struct kmd_dispatch d = {
		.vm_id = j->f->vm,
		.work_dim = 1,
		.entry = (uintptr_t)wg_reader,
		.args = (uintptr_t)j->a,
		.global_size = { 3, 1, 1 },	/* every unit of a 2-core GPU */
		.local_size = { 1, 1, 1 },
	};

	j->status = kmd_ioctl(j->f->fd, KMD_IOCTL_DISPATCH, &d);
	if (!j->status)
		j->status = d.status;
	return NULL;
}

struct other_job {
	struct fixture *f;
	uint32_t *buf;
	size_t npages;
	atomic_int *stop;
	unsigned int max;	/* bounds the test's time on a loaded machine */
	unsigned int rounds;
	int error;
};

/* Moves other data in and out of VRAM: it reuses the freed pages. */
static void *other_thread(void *p)
{
	struct other_job *j = p;

	for (uint32_t gen = 1; !atomic_load(j->stop) && j->rounds < j->max;
	     gen++) {
		uint64_t pages;
		int ret;

		for (size_t i = 0; i < j->npages * WORDS; i++)
			j->buf[i] = O_MAGIC | gen;
		ret = migrate(j->f, KMD_MIGRATE_TO_VRAM, j->buf, j->npages * PG,
			      &pages);
		if (!ret)
			ret = migrate(j->f, KMD_MIGRATE_TO_SYSTEM, j->buf,
				      j->npages * PG, &pages);
		if (ret) {
			j->error = ret;
			break;
		}
		j->rounds++;
	}
	return NULL;
}

static void test_quiescence(void **state)
{
	struct fixture *f = *state;
	enum { ROUNDS = 200, ONP = 16 };
	uint32_t *page = map_pages(1), *other = map_pages(ONP);
	struct reader_args a = { .page = page };
	struct reader_job rj = { f, &a, 0 };
	atomic_int other_stop = 0;
	struct other_job oj = { f, other, ONP, &other_stop, 2 * ROUNDS, 0, 0 };
	struct kmd_gpu_stats s0, s1;
	pthread_t rt, ot;
	uint64_t pages;
	int err = 0;

	for (uint32_t i = 0; i < WORDS; i++)
		page[i] = P_MAGIC | i;
	/* Skip early without threads when there is no VRAM. */
	to_vram_or_skip(f, page, PG, 1);
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, page, PG, &pages), 0);
	s0 = stats(f);

	assert_int_equal(pthread_create(&rt, NULL, reader_thread, &rj), 0);
	assert_int_equal(pthread_create(&ot, NULL, other_thread, &oj), 0);
	/* No assertion while the threads run: they use this frame. */
	for (int r = 0; r < ROUNDS && !err; r++) {
		uint64_t seen;

		/* P (1 page) and the other data (16) always fit in 256. */
		err = migrate(f, KMD_MIGRATE_TO_VRAM, page, PG, &pages);
		if (!err && pages != 1)
			err = -1000 - (int)pages;
		/* Two more reads: one of them began after the migration. */
		seen = atomic_load(&a.reads);
		while (!err && atomic_load(&a.reads) < seen + 2 && !rj.status)
			sched_yield();
		if (!err)
			err = migrate(f, KMD_MIGRATE_TO_SYSTEM, page, PG, &pages);
		if (!err && pages != 1)
			err = -2000 - (int)pages;
	}
	atomic_store(&other_stop, 1);
	pthread_join(ot, NULL);
	atomic_store(&a.stop, 1);
	pthread_join(rt, NULL);
	s1 = stats(f);
	assert_int_equal(err, 0);

	assert_int_equal(rj.status, 0);
	assert_int_equal(oj.error, 0);
	if (atomic_load(&a.bad))
		fail_msg("%llu reads saw a value the page never held (0x%x)",
			 (unsigned long long)atomic_load(&a.bad),
			 atomic_load(&a.last_bad));
	/* The reader really used VRAM, at least once per round. */
	assert_true(s1.vram_ptes - s0.vram_ptes >= ROUNDS);
	assert_int_equal(s1.migrations_back - s0.migrations_back,
			 ROUNDS + (uint64_t)oj.rounds * ONP);
	assert_int_equal(s1.vram_used, 0);
	for (uint32_t i = 0; i < WORDS; i++)
		assert_int_equal(page[i], P_MAGIC | i);
	for (size_t i = 0; i < ONP * WORDS; i++)
		assert_int_equal(other[i] & 0xff000000u, O_MAGIC);
	munmap(page, PG);
	munmap(other, ONP * PG);
}

/*
 * The check above is real: with the quiescent-point wait skipped, a unit
 * that holds a translation of the page across its migration back reads
 * the other data that reused the freed device page (the pool's free list
 * is LIFO, so the next migration takes that page first). Deterministic:
 * the unit translates, the test frees and reuses, then the unit loads.
 */
struct holder_args {
	const uint32_t *page;
	atomic_int held;
	atomic_int go;
	uint32_t value;
};

static void wg_holder(const void *p, struct sgpu_cu_state *cu)
{
	struct holder_args *a = (struct holder_args *)p;
	const volatile uint32_t *host =
		dev_xlate(cu, (uintptr_t)a->page, 4, SGPU_ACCESS_READ);

	atomic_store(&a->held, 1);
	while (!atomic_load(&a->go))
		sched_yield();
	a->value = *host;	/* a stale translation, on purpose */
}

struct holder_job {
	struct fixture *f;
	struct holder_args *a;
	int status;
};

static void *holder_thread(void *p)
{
	struct holder_job *j = p;
	struct kmd_dispatch d = {
		.vm_id = j->f->vm,
		.work_dim = 1,
		.entry = (uintptr_t)wg_holder,
		.args = (uintptr_t)j->a,
		.global_size = { 1, 1, 1 },
		.local_size = { 1, 1, 1 },
	};

	j->status = kmd_ioctl(j->f->fd, KMD_IOCTL_DISPATCH, &d);
	if (!j->status)
		j->status = d.status;
	return NULL;
}

static void test_checker_catches_reuse(void **state)
{
	struct fixture *f = *state;
	uint32_t *page = map_pages(1), *other = map_pages(4);
	struct holder_args a = { .page = page };
	struct holder_job hj = { f, &a, 0 };
	struct sgpu *gpu;
	pthread_t t;
	uint64_t pages = 0;
	int err;

	for (uint32_t i = 0; i < WORDS; i++)
		page[i] = P_MAGIC | i;
	for (uint32_t i = 0; i < 4 * WORDS; i++)
		other[i] = O_MAGIC | 7;
	to_vram_or_skip(f, page, PG, 1);
	assert_int_equal(sgpu_get(&gpu), 0);

	assert_int_equal(pthread_create(&t, NULL, holder_thread, &hj), 0);
	while (!atomic_load(&a.held))
		sched_yield();
	gpu->test_skip_quiesce = true;
	err = migrate(f, KMD_MIGRATE_TO_SYSTEM, page, PG, &pages);
	if (!err)
		err = migrate(f, KMD_MIGRATE_TO_VRAM, other, 4 * PG, &pages);
	atomic_store(&a.go, 1);
	pthread_join(t, NULL);
	gpu->test_skip_quiesce = false;
	sgpu_put(gpu);

	assert_int_equal(err, 0);
	assert_int_equal(pages, 4);
	assert_int_equal(hj.status, 0);
	/* The unit read the other data: what the quiescence test catches. */
	assert_int_equal(a.value, O_MAGIC | 7);
	assert_int_equal(page[0], P_MAGIC);
	munmap(page, PG);
	munmap(other, 4 * PG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dispatch_on_vram, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_migrate_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_eviction_lru, setup_small,
						teardown),
		cmocka_unit_test_setup_teardown(test_eviction_sees_tlb_hits,
						setup_small, teardown),
		cmocka_unit_test_setup_teardown(
			test_eviction_lru_without_tlb_lines, setup_small,
			teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_keeps_vram,
						setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_shared_and_bad_input,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiescence, setup_small,
						teardown),
		cmocka_unit_test_setup_teardown(test_checker_catches_reuse,
						setup_small, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
