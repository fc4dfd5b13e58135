/* SPDX-License-Identifier: MIT */
/*
 * The automatic migration of hot regions (SVMCL_MIGRATE, migrate_policy.c)
 * through the kmd uAPI, with device code written in C (dev_access.h):
 * the knob's accepted and refused values; off by default (no worker, no
 * counts, nothing moves however hot a range is); a hot range is migrated,
 * cut to its mapping at both ends, with exact page counts, the CPU's pages
 * absent (pagemap) and every value intact; a shared mapping is skipped
 * and counted; a region the CPU pulled back (a bounce) is not migrated
 * again until its back-off ends, while one moved back on request is; a
 * region larger than the free pool is skipped, nothing evicted; only
 * ranges advised for the policy (KMD_MIGRATE_ADVISE_HOT) move.
 *
 * Without a kernel-mode userfaultfd the GPU has no VRAM and the tests that
 * need it say "# SKIP" and pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev_access.h"
#include "gpu/sgpu.h"
#include "svmcl/kmd.h"

#define PG 4096ul
#define WORDS (PG / 4)
#define REGION SGPU_HUGE_SIZE
#define REGION_PAGES (REGION / PG)

struct fixture {
	int fd;
	uint32_t vm;
	struct sgpu *gpu;
	bool vram;
};

static int open_gpu(void **state, const char *migrate, const char *vram_mb)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kmd_vm_create vc = { .flags = KMD_VM_MIRROR_PROCESS };

	if (!f)
		return -1;
	/* Read when the device is created, i.e. by this open. */
	if (migrate)
		setenv("SVMCL_MIGRATE", migrate, 1);
	else
		unsetenv("SVMCL_MIGRATE");
	if (vram_mb)
		setenv("SVMCL_VRAM_MB", vram_mb, 1);
	else
		unsetenv("SVMCL_VRAM_MB");
	f->fd = kmd_open("sgpu0");
	if (f->fd < 0 || kmd_ioctl(f->fd, KMD_IOCTL_VM_CREATE, &vc))
		return -1;
	f->vm = vc.vm_id;
	/* The device this handle holds (a reference of our own). */
	if (sgpu_get(&f->gpu))
		return -1;
	*state = f;
	return 0;
}

static int setup_off(void **state)
{
	return open_gpu(state, NULL, NULL);
}

/* Threshold 8 walks per 2 MiB region: one or two passes make it hot. */
static int setup_hot(void **state)
{
	return open_gpu(state, "hot:8:2M", NULL);
}

/* A 1 MiB pool (256 pages) and 2 MiB regions: nothing fits. */
static int setup_hot_small(void **state)
{
	return open_gpu(state, "hot:8", "1");
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sgpu_put(f->gpu);
	kmd_close(f->fd);
	unsetenv("SVMCL_MIGRATE");
	unsetenv("SVMCL_VRAM_MB");
	free(f);
	return 0;
}

static struct kmd_gpu_stats stats(struct fixture *f)
{
	struct kmd_gpu_stats s;

	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_GET_STATS, &s), 0);
	return s;
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

/*
 * Does the GPU have device memory? One page of a scratch mapping is
 * migrated and brought back.
 */
static bool have_vram(struct fixture *f)
{
	void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t pages;
	int ret;

	assert_true(p != MAP_FAILED);
	*(volatile char *)p = 1;
	ret = migrate(f, KMD_MIGRATE_TO_VRAM, p, PG, &pages);
	munmap(p, PG);
	if (ret == -EOPNOTSUPP) {
		printf("# SKIP: the GPU has no device memory (no kernel-mode "
		       "userfaultfd)\n");
		return false;
	}
	assert_int_equal(ret, 0);
	return true;
}

/*
 * Guarded memory: [lead, lead + len) readable and writable inside a
 * PROT_NONE reservation, @lead bytes after a 2 MiB boundary, so that
 * its regions are known and no other mapping merges with it.
 */
struct area {
	char *res;
	size_t span;
	uint32_t *buf;
	size_t len;
};

static void area_map(struct area *a, size_t lead, size_t len, int flags)
{
	uintptr_t base;

	a->span = len + lead + 3 * REGION;
	a->res = mmap(NULL, a->span, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(a->res != MAP_FAILED);
	base = ((uintptr_t)a->res + 2 * REGION - 1) & ~(uintptr_t)(REGION - 1);
	a->buf = (uint32_t *)(base + lead);
	a->len = len;
	if (flags & MAP_SHARED)
		assert_true(mmap(a->buf, len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1,
				 0) == a->buf);
	else
		assert_int_equal(mprotect(a->buf, len, PROT_READ | PROT_WRITE),
				 0);
	madvise(a->buf, len, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < len / 4; i++)
		a->buf[i] = (uint32_t)i * 2654435761u;
}

static void area_unmap(struct area *a)
{
	munmap(a->res, a->span);
}

/* KMD_MIGRATE_ADVISE_HOT (or _CLEAR) for the area, as clSVMAlloc does. */
static void advise(struct fixture *f, const struct area *a, bool hot)
{
	uint64_t pages = 99;

	assert_int_equal(migrate(f, hot ? KMD_MIGRATE_ADVISE_HOT
					: KMD_MIGRATE_ADVISE_CLEAR,
				 a->buf, a->len, &pages),
			 0);
	assert_int_equal(pages, 0);
}

/* Word 0 of every page is a counter the device bumps; the rest stay. */
static void area_check(const struct area *a, uint32_t bumps)
{
	for (size_t i = 0; i < a->len / 4; i++) {
		uint32_t want = (uint32_t)i * 2654435761u;

		if (i % WORDS == 0)
			want += bumps;
		if (a->buf[i] != want)
			fail_msg("word %zu: %#x, expected %#x", i, a->buf[i],
				 want);
	}
}

struct bump_args {
	uint32_t *buf;
};

/* Work-item i increments word 0 of page i, through the device MMU. */
static void wg_bump(const void *p, struct sgpu_cu_state *cu)
{
	const struct bump_args *a = p;

	for (uint64_t l = 0; l < cu->local_size[0]; l++) {
		uint64_t gid = cu->group_id[0] * cu->enqueued_local_size[0] + l;
		uint32_t *w = &a->buf[gid * WORDS];

		dev_store32(cu, w, dev_load32(cu, w) + 1);
	}
}

/* One pass of the device over every page of @a. */
/*
 * Empty every unit's TLBs. The policy counts TLB refills, and a 2 MiB
 * region fits in a unit's first level (1024 lines): without this, passes
 * after the first would hit and never count. A kernel whose working set
 * is larger than its TLBs refills on its own; the test stands in for it.
 * Called between dispatches, when no unit runs.
 */
static void flush_tlbs(struct fixture *f)
{
	for (unsigned int i = 0; i < f->gpu->nr_units; i++)
		sgpu_cu_tlb_flush_all(&f->gpu->cus[i]);
}

static void bump(struct fixture *f, const struct area *a)
{
	struct bump_args args = { a->buf };
	struct kmd_dispatch d = {
		.vm_id = f->vm,
		.work_dim = 1,
		.entry = (uintptr_t)wg_bump,
		.args = (uintptr_t)&args,
		.global_size = { a->len / PG, 1, 1 },
		.local_size = { 16, 1, 1 },
	};

	flush_tlbs(f);
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_DISPATCH, &d), 0);
	assert_int_equal(d.status, 0);
}

/* Pages of [p, p + len) the CPU's page table maps (pagemap bit 63). */
static size_t pages_present(const void *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t n = 0;

	assert_true(fd >= 0);
	for (size_t off = 0; off < len; off += PG) {
		uint64_t e = 0;

		assert_int_equal(pread(fd, &e, 8,
				       (off_t)(((uintptr_t)p + off) / PG) * 8),
				 8);
		n += e >> 63;
	}
	close(fd);
	return n;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Passes of the device over @a, each followed by the worker's queue
 * drained, until @done says so; at most @max passes, @gap_ms apart.
 * Return: the passes made.
 */
static unsigned int hammer_until(struct fixture *f, const struct area *a,
				 bool (*done)(const struct kmd_gpu_stats *,
					      const void *),
				 const void *arg, unsigned int max,
				 unsigned int gap_ms)
{
	for (unsigned int n = 1; n <= max; n++) {
		struct kmd_gpu_stats s;

		bump(f, a);
		sgpu_migrate_policy_drain(f->gpu);
		s = stats(f);
		if (done(&s, arg))
			return n;
		if (gap_ms)
			sleep_ms(gap_ms);
	}
	fail_msg("the policy did not act within %u passes", max);
	return max;
}

static bool promoted_at_least(const struct kmd_gpu_stats *s, const void *arg)
{
	return s->policy_promoted >= *(const uint64_t *)arg;
}

static bool bounced_at_least(const struct kmd_gpu_stats *s, const void *arg)
{
	return s->policy_bounces >= *(const uint64_t *)arg;
}

static bool backoff_skips_at_least(const struct kmd_gpu_stats *s,
				   const void *arg)
{
	return s->policy_skipped_backoff >= *(const uint64_t *)arg;
}

static bool shared_skips_at_least(const struct kmd_gpu_stats *s,
				  const void *arg)
{
	return s->policy_skipped_shared >= *(const uint64_t *)arg;
}

static bool full_skips_at_least(const struct kmd_gpu_stats *s,
				const void *arg)
{
	return s->policy_skipped_full >= *(const uint64_t *)arg;
}

/* ---------------------------------------------------------------------- */

static void test_parse(void **state)
{
	struct sgpu_config c;

	(void)state;
	sgpu_config_defaults(&c);
	assert_false(c.migrate_hot);
	assert_int_equal(c.migrate_threshold, SGPU_MIGRATE_THRESHOLD_DEFAULT);
	assert_int_equal(c.migrate_region, SGPU_MIGRATE_REGION_DEFAULT);

	assert_int_equal(sgpu_config_parse_migrate("hot", &c), 0);
	assert_true(c.migrate_hot);
	assert_int_equal(c.migrate_threshold, 32);
	assert_int_equal(c.migrate_region, 2u << 20);
	assert_int_equal(sgpu_config_parse_migrate("off", &c), 0);
	assert_false(c.migrate_hot);
	assert_int_equal(sgpu_config_parse_migrate("hot:1", &c), 0);
	assert_int_equal(c.migrate_threshold, 1);
	assert_int_equal(c.migrate_region, 2u << 20);
	assert_int_equal(sgpu_config_parse_migrate("hot:65535:64K", &c), 0);
	assert_int_equal(c.migrate_threshold, 65535);
	assert_int_equal(c.migrate_region, 64u << 10);
	assert_int_equal(sgpu_config_parse_migrate("hot:100:1M", &c), 0);
	assert_int_equal(c.migrate_region, 1u << 20);
	assert_int_equal(sgpu_config_parse_migrate("hot:7:262144", &c), 0);
	assert_int_equal(c.migrate_region, 256u << 10);

	sgpu_config_defaults(&c);
	{
		static const char *const bad[] = {
			"", "on", "1", "hot:", "hot:0", "hot:65536", "hot:-1",
			"hot:8:", "hot:8:32K", "hot:8:4M", "hot:8:96K",
			"hot:8:2M:x", "hotter", "hot:8x", "Hot", "off:1",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(sgpu_config_parse_migrate(bad[i], &c),
					 -EINVAL);
			/* A refused value changes nothing. */
			assert_false(c.migrate_hot);
			assert_int_equal(c.migrate_threshold,
					 SGPU_MIGRATE_THRESHOLD_DEFAULT);
		}
	}
	assert_int_equal(sgpu_config_parse_migrate(NULL, &c), -EINVAL);

	/* From the environment: a malformed value keeps the default. */
	setenv("SVMCL_MIGRATE", "hot:8:3M", 1);
	sgpu_config_defaults(&c);
	sgpu_config_from_env(&c);
	assert_false(c.migrate_hot);
	setenv("SVMCL_MIGRATE", "hot:16:256K", 1);
	sgpu_config_from_env(&c);
	assert_true(c.migrate_hot);
	assert_int_equal(c.migrate_threshold, 16);
	assert_int_equal(c.migrate_region, 256u << 10);
	unsetenv("SVMCL_MIGRATE");
}

/* Off by default: no worker, no counts; a hammered range stays put. */
static void test_off_by_default(void **state)
{
	struct fixture *f = *state;
	struct kmd_gpu_stats s0, s;
	struct area a;

	assert_false(f->gpu->cfg.migrate_hot);
	assert_null(f->gpu->policy);
	area_map(&a, 0, 2 * REGION, MAP_PRIVATE);
	advise(f, &a, true);	/* accepted, and nothing comes of it */
	s0 = stats(f);
	for (int i = 0; i < 20; i++)
		bump(f, &a);
	s = stats(f);
	/* The range was walked in every pass (it does not fit the TLBs). */
	assert_true(s.walks - s0.walks >= 20);
	assert_int_equal(s.policy_hot, 0);
	assert_int_equal(s.policy_promoted, 0);
	assert_int_equal(s.policy_pages, 0);
	assert_int_equal(s.policy_skipped_shared + s.policy_skipped_full +
				 s.policy_skipped_backoff + s.policy_bounces,
			 0);
	assert_int_equal(s.migrations, s0.migrations);
	assert_int_equal(pages_present(a.buf, a.len), a.len / PG);
	area_check(&a, 20);
	area_unmap(&a);
}

/*
 * A 3 MiB range starting 1 MiB into a region: its two regions get hot and
 * migrate, the first cut to the range (256 pages), the second whole
 * (512). The CPU's pages are absent, the device keeps working on VRAM,
 * and the CPU reads every value back.
 */
static void test_hot_range_migrated(void **state)
{
	struct fixture *f = *state;
	const uint64_t two = 2;
	struct kmd_gpu_stats s0, s;
	unsigned int passes;
	struct area a;

	if (!have_vram(f))
		return;
	assert_non_null(f->gpu->policy);
	area_map(&a, REGION / 2, 3 * REGION / 2, MAP_PRIVATE);
	advise(f, &a, true);
	s0 = stats(f);
	passes = hammer_until(f, &a, promoted_at_least, &two, 200, 0);
	s = stats(f);
	assert_int_equal(s.policy_promoted - s0.policy_promoted, 2);
	assert_int_equal(s.policy_pages - s0.policy_pages, a.len / PG);
	assert_int_equal(s.vram_used, a.len / PG);
	assert_true(s.policy_hot - s0.policy_hot >= 2);
	assert_int_equal(s.policy_bounces + s.policy_skipped_shared +
				 s.policy_skipped_full,
			 0);
	assert_int_equal(s.evictions, 0);
	/* The CPU's pages are gone: the data is in device memory. */
	assert_int_equal(pages_present(a.buf, a.len), 0);

	/* The device works on VRAM now, nothing comes back meanwhile. */
	for (int i = 0; i < 5; i++)
		bump(f, &a);
	passes += 5;
	s = stats(f);
	assert_int_equal(s.vram_used, a.len / PG);
	assert_true(s.vram_ptes - s0.vram_ptes >= a.len / PG);
	assert_int_equal(s.policy_promoted - s0.policy_promoted, 2);

	/* CPU reads bring every page back with the device's writes. */
	area_check(&a, passes);
	assert_int_equal(stats(f).vram_used, 0);
	area_unmap(&a);
}

/* A shared mapping cannot migrate: hot, skipped, counted; nothing moves. */
static void test_shared_skipped(void **state)
{
	struct fixture *f = *state;
	const uint64_t one = 1;
	struct kmd_gpu_stats s0, s;
	unsigned int passes;
	struct area a;

	if (!have_vram(f))
		return;
	area_map(&a, 0, REGION, MAP_SHARED);
	advise(f, &a, true);
	s0 = stats(f);
	passes = hammer_until(f, &a, shared_skips_at_least, &one, 200, 0);
	s = stats(f);
	assert_true(s.policy_hot - s0.policy_hot >= 1);
	assert_int_equal(s.policy_skipped_shared - s0.policy_skipped_shared,
			 s.policy_hot - s0.policy_hot);
	assert_int_equal(s.policy_promoted, 0);
	assert_int_equal(s.policy_pages, 0);
	assert_int_equal(s.vram_used, 0);
	assert_int_equal(pages_present(a.buf, a.len), a.len / PG);
	area_check(&a, passes);
	area_unmap(&a);
}

/*
 * A region promoted, then pulled back by the CPU, is not moved in again
 * when it gets hot: a bounce, counted, and the region backs off. Hot
 * again during the back-off: skipped. After it: promoted again, and the
 * next bounce is counted too. A region moved back on request is no
 * bounce: it is promoted again at once.
 */
static void test_bounce_backs_off(void **state)
{
	struct fixture *f = *state;
	uint64_t want;
	struct kmd_gpu_stats s;
	unsigned int passes = 0;
	uint64_t pages;
	struct area a;

	if (!have_vram(f))
		return;
	/* Short windows keep the test short; 1.5 s of back-off. */
	sgpu_migrate_policy_set_times(f->gpu, 20, 1500);
	area_map(&a, 0, REGION, MAP_PRIVATE);
	advise(f, &a, true);

	want = 1;
	passes += hammer_until(f, &a, promoted_at_least, &want, 200, 0);
	assert_int_equal(stats(f).vram_used, REGION_PAGES);

	/* Moved back on request: not a bounce, promoted again. */
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_SYSTEM, a.buf, a.len,
				 &pages), 0);
	assert_int_equal(pages, REGION_PAGES);
	want = 2;
	passes += hammer_until(f, &a, promoted_at_least, &want, 200, 25);
	s = stats(f);
	assert_int_equal(s.policy_bounces, 0);
	assert_int_equal(s.policy_pages, 2 * REGION_PAGES);
	assert_int_equal(s.vram_used, REGION_PAGES);

	/* The CPU touches every page: they all come back. */
	area_check(&a, passes);
	assert_int_equal(stats(f).vram_used, 0);
	assert_int_equal(pages_present(a.buf, a.len), REGION_PAGES);

	/* Hot again: a bounce. Nothing moves. */
	want = 1;
	passes += hammer_until(f, &a, bounced_at_least, &want, 400, 25);
	s = stats(f);
	assert_int_equal(s.policy_bounces, 1);
	assert_int_equal(s.policy_promoted, 2);
	assert_int_equal(s.vram_used, 0);
	assert_true(s.policy_skipped_backoff >= 1);

	/* Hot again within the back-off: skipped, still nothing moves. */
	want = s.policy_skipped_backoff + 1;
	passes += hammer_until(f, &a, backoff_skips_at_least, &want, 400, 25);
	s = stats(f);
	assert_int_equal(s.policy_promoted, 2);
	assert_int_equal(s.policy_bounces, 1);
	assert_int_equal(s.vram_used, 0);
	assert_int_equal(pages_present(a.buf, a.len), REGION_PAGES);

	/* After the back-off: promoted again. */
	sleep_ms(1600);
	want = 3;
	passes += hammer_until(f, &a, promoted_at_least, &want, 400, 25);
	s = stats(f);
	assert_int_equal(s.vram_used, REGION_PAGES);
	assert_int_equal(s.policy_pages, 3 * REGION_PAGES);

	/* A second bounce is counted as well. */
	area_check(&a, passes);
	want = 2;
	passes += hammer_until(f, &a, bounced_at_least, &want, 400, 25);
	s = stats(f);
	assert_int_equal(s.policy_promoted, 3);
	assert_int_equal(s.vram_used, 0);
	area_check(&a, passes);
	area_unmap(&a);
}

/*
 * The pool (256 pages) cannot hold a 512-page region: hot, skipped as
 * pool full, nothing evicted - not even pages the application placed.
 */
static void test_pool_full_skipped(void **state)
{
	struct fixture *f = *state;
	const uint64_t one = 1;
	struct kmd_gpu_stats s0, s;
	unsigned int passes;
	uint32_t *mine;
	struct area a;
	uint64_t pages;

	if (!have_vram(f))
		return;
	mine = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mine != MAP_FAILED);
	for (uint32_t i = 0; i < 16 * WORDS; i++)
		mine[i] = ~i;
	assert_int_equal(migrate(f, KMD_MIGRATE_TO_VRAM, mine, 16 * PG, &pages),
			 0);
	assert_int_equal(pages, 16);

	area_map(&a, 0, REGION, MAP_PRIVATE);
	advise(f, &a, true);
	s0 = stats(f);
	passes = hammer_until(f, &a, full_skips_at_least, &one, 200, 0);
	s = stats(f);
	assert_int_equal(s.policy_promoted, 0);
	assert_int_equal(s.evictions, s0.evictions);
	assert_int_equal(s.vram_used, 16);
	assert_int_equal(pages_present(a.buf, a.len), REGION_PAGES);
	area_check(&a, passes);
	for (uint32_t i = 0; i < 16 * WORDS; i++)
		assert_int_equal(mine[i], ~i);
	munmap(mine, 16 * PG);
	area_unmap(&a);
}

static bool unadvised_skips_at_least(const struct kmd_gpu_stats *s,
				     const void *arg)
{
	return s->policy_skipped_unadvised >= *(const uint64_t *)arg;
}

/*
 * Only advised ranges move (migrate_policy.c, "Only advised ranges"): a
 * hot range nobody advised is skipped and counted; advice withdrawn
 * (KMD_MIGRATE_ADVISE_CLEAR) is as none; advice given, the range moves.
 * The advised range bounds the move: half of it advised, half moves.
 */
static void test_unadvised_skipped(void **state)
{
	struct fixture *f = *state;
	struct kmd_gpu_stats s;
	unsigned int passes;
	uint64_t want;
	struct area a, half;

	if (!have_vram(f))
		return;
	sgpu_migrate_policy_set_times(f->gpu, 20, 0);
	area_map(&a, 0, REGION, MAP_PRIVATE);
	want = 1;
	passes = hammer_until(f, &a, unadvised_skips_at_least, &want, 200, 0);
	s = stats(f);
	assert_int_equal(s.policy_promoted, 0);
	assert_int_equal(s.policy_skipped_unadvised, s.policy_hot);

	advise(f, &a, true);
	advise(f, &a, false);
	want = s.policy_skipped_unadvised + 1;
	passes += hammer_until(f, &a, unadvised_skips_at_least, &want, 400,
			       25);
	s = stats(f);
	assert_int_equal(s.policy_promoted, 0);
	assert_int_equal(s.vram_used, 0);
	assert_int_equal(pages_present(a.buf, a.len), REGION_PAGES);

	/* The upper half advised: that half moves, exactly. */
	half = a;
	half.buf += a.len / 8;
	half.len = a.len / 2;
	advise(f, &half, true);
	want = 1;
	passes += hammer_until(f, &a, promoted_at_least, &want, 400, 25);
	s = stats(f);
	assert_int_equal(s.policy_pages, REGION_PAGES / 2);
	assert_int_equal(s.vram_used, REGION_PAGES / 2);
	assert_int_equal(pages_present(a.buf, a.len / 2), REGION_PAGES / 2);
	assert_int_equal(pages_present(half.buf, half.len), 0);
	area_check(&a, passes);
	area_unmap(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_off_by_default, setup_off,
						teardown),
		cmocka_unit_test_setup_teardown(test_hot_range_migrated,
						setup_hot, teardown),
		cmocka_unit_test_setup_teardown(test_shared_skipped, setup_hot,
						teardown),
		cmocka_unit_test_setup_teardown(test_bounce_backs_off,
						setup_hot, teardown),
		cmocka_unit_test_setup_teardown(test_pool_full_skipped,
						setup_hot_small, teardown),
		cmocka_unit_test_setup_teardown(test_unadvised_skipped,
						setup_hot, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
