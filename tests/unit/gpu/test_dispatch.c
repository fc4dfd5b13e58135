/* SPDX-License-Identifier: MIT */
/*
 * Compute units and dispatch: the inline unit (a one-group dispatch runs
 * on the calling thread), every group of a large dispatch runs once, a
 * device fault on the inline unit, VRAM-kind entries reached through the
 * aperture, and the walker's fill-ahead.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "dev_access.h"
#include "gpu/sgpu.h"

#define PG 4096ull

struct fx {
	struct sgpu *gpu;
	struct sgpu_vm *vm;	/* explicit mappings */
	struct sgpu_vm *mirror;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sgpu_get(&f->gpu) ||
	    sgpu_vm_create(f->gpu, 0, -1, &f->vm) ||
	    sgpu_vm_create(f->gpu, KMD_VM_MIRROR_PROCESS, -1, &f->mirror))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sgpu_vm_destroy(f->mirror);
	sgpu_vm_destroy(f->vm);
	sgpu_put(f->gpu);
	free(f);
	return 0;
}

static struct kmd_dispatch run(struct fx *f, struct sgpu_vm *vm,
			       sgpu_wg_fn fn, const void *args, uint64_t groups,
			       uint64_t local)
{
	struct kmd_dispatch d = {
		.vm_id = vm->id,
		.work_dim = 1,
		.entry = (uintptr_t)fn,
		.args = (uintptr_t)args,
		.global_size = { groups * local, 1, 1 },
		.local_size = { local, 1, 1 },
	};

	assert_int_equal(sgpu_dispatch(f->gpu, vm, &d), 0);
	return d;
}

static struct kmd_gpu_stats stats(struct fx *f)
{
	struct kmd_gpu_stats s;

	sgpu_stats_fill(f->gpu, &s);
	return s;
}

struct who {
	pthread_t thread;
	unsigned int unit;
	_Atomic unsigned int *hits;
};

static void wg_who(const void *args, struct sgpu_cu_state *cu)
{
	struct who *w = *(struct who *const *)args;

	w->thread = pthread_self();
	w->unit = cu->unit;
	if (w->hits)
		atomic_fetch_add(&w->hits[cu->group_id[0]], 1);
}

static void test_one_group_runs_inline(void **state)
{
	struct fx *f = *state;
	struct who w = { 0 }, *wp = &w;
	struct kmd_gpu_stats b = stats(f), a;

	for (int i = 0; i < 10; i++) {
		w.thread = 0;
		run(f, f->vm, wg_who, &wp, 1, 1);
		assert_true(pthread_equal(w.thread, pthread_self()));
		assert_int_equal(w.unit, f->gpu->num_cus);
	}
	a = stats(f);
	assert_int_equal(a.inline_dispatches - b.inline_dispatches, 10);
	assert_int_equal(a.dispatches - b.dispatches, 10);
	assert_int_equal(a.work_groups - b.work_groups, 10);
}

static void test_every_group_once(void **state)
{
	struct fx *f = *state;
	enum { N = 5000 };
	_Atomic unsigned int *hits = calloc(N, sizeof(*hits));
	struct who w = { .hits = hits }, *wp = &w;
	struct kmd_gpu_stats b = stats(f), a;

	assert_non_null(hits);
	for (int round = 0; round < 4; round++) {
		memset((void *)hits, 0, N * sizeof(*hits));
		run(f, f->vm, wg_who, &wp, N, 1);
		for (unsigned int g = 0; g < N; g++)
			assert_int_equal(atomic_load(&hits[g]), 1);
	}
	a = stats(f);
	assert_int_equal(a.work_groups - b.work_groups, 4 * N);
	assert_int_equal(a.inline_dispatches, b.inline_dispatches);
	free((void *)hits);
}

static void wg_read(const void *args, struct sgpu_cu_state *cu)
{
	const uint32_t *p = *(const uint32_t *const *)args;
	uint32_t *out = ((uint32_t *const *)args)[1];

	out[0] = dev_load32(cu, p);
}

static void test_inline_device_fault(void **state)
{
	struct fx *f = *state;
	uint32_t out = 0;
	const void *args[2] = { (const void *)(uintptr_t)0x1230, &out };
	struct kmd_dispatch d;

	d = run(f, f->mirror, wg_read, args, 1, 1);
	assert_int_equal(d.status, -EFAULT);
	assert_int_equal(d.fault_addr, 0x1230);
	assert_int_equal(d.fault_unit, f->gpu->num_cus);
	/* The unit is usable again, and so is the calling thread. */
	args[0] = &out;
	out = 77;
	d = run(f, f->mirror, wg_read, args, 1, 1);
	assert_int_equal(d.status, 0);
	assert_int_equal(out, 77);
}

/* Touches memory without translating: what a stale TLB line would do. */
static void wg_raw_read(const void *args, struct sgpu_cu_state *cu)
{
	(void)cu;
	(void)**(volatile const uint32_t *const *)args;
}

/*
 * The SIGSEGV guard on the inline unit, twice in a row on this thread: the
 * unwinding must leave the signal unblocked (a blocked SIGSEGV would kill
 * the process the second time).
 */
static void test_inline_guard_twice(void **state)
{
	struct fx *f = *state;
	uint32_t *p = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	const void *args[1] = { p };
	struct kmd_dispatch d;

	assert_true(p != MAP_FAILED);
	for (int i = 0; i < 3; i++) {
		d = run(f, f->mirror, wg_raw_read, args, 1, 1);
		assert_int_equal(d.status, -EFAULT);
		assert_int_equal(d.fault_addr, (uintptr_t)p);
		assert_int_equal(d.fault_unit, f->gpu->num_cus);
	}
	munmap(p, PG);
}

/* VRAM-kind entries resolve through the device memory aperture. */
static void test_vram_target(void **state)
{
	struct fx *f = *state;
	uint32_t *vram = aligned_alloc(PG, 4 * PG), out = 0;
	const void *args[2] = { (const void *)(uintptr_t)(0x300000000ull + 8),
				&out };
	struct kmd_dispatch d;

	assert_non_null(vram);
	vram[PG / 4 * 2 + 2] = 0xfeed;
	f->gpu->vram_base = (uint8_t *)vram;
	f->gpu->vram_size = 4 * PG;
	assert_int_equal(sgpu_vm_map_page(f->vm, 0x300000000ull, 2 * PG,
					  SGPU_PTE_VRAM), 0);
	d = run(f, f->vm, wg_read, args, 1, 1);
	assert_int_equal(d.status, 0);
	assert_int_equal(out, 0xfeed);

	/* Outside the aperture: no target, the access is cancelled. */
	assert_int_equal(sgpu_vm_map_page(f->vm, 0x300001000ull, 8 * PG,
					  SGPU_PTE_VRAM), 0);
	args[0] = (const void *)(uintptr_t)0x300001000ull;
	d = run(f, f->vm, wg_read, args, 1, 1);
	assert_int_equal(d.status, -EFAULT);
	f->gpu->vram_base = NULL;
	f->gpu->vram_size = 0;
	sgpu_vm_invalidate(f->vm, 0x300000000ull, 0x300002000ull);
	free(vram);
}

static void wg_touch_pages(const void *args, struct sgpu_cu_state *cu)
{
	const uint8_t *p = *(const uint8_t *const *)args;
	uint32_t sum = 0;

	for (unsigned int i = 0; i < 16; i++)
		sum += dev_load32(cu, p + i * PG + 64);
	dev_store32(cu, (void *)(uintptr_t)p, sum);	/* page 0 is writable */
}

/* One walk fills the whole 64 KiB group: 1 miss for 16 pages. */
static void test_fill_ahead(void **state)
{
	struct fx *f = *state;
	uint8_t *buf = aligned_alloc(16 * PG, 16 * PG);
	uint64_t dev = 0x500000000ull;
	const void *args[1] = { (const void *)(uintptr_t)dev };
	struct kmd_gpu_stats b, a;
	struct kmd_dispatch d;

	assert_non_null(buf);
	memset(buf, 0, 16 * PG);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(sgpu_vm_map_page(f->vm, dev + i * PG,
						  (uintptr_t)buf + i * PG,
						  i ? 0 : SGPU_PTE_WRITE), 0);
	b = stats(f);
	d = run(f, f->vm, wg_touch_pages, args, 1, 1);
	a = stats(f);
	assert_int_equal(d.status, 0);
	assert_int_equal(a.tlb_l1_misses - b.tlb_l1_misses, 1);
	assert_int_equal(a.walks - b.walks, 1);
	assert_int_equal(a.tlb_fill_ahead - b.tlb_fill_ahead, 15);
	sgpu_vm_invalidate(f->vm, dev, dev + 16 * PG);
	free(buf);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_one_group_runs_inline),
		T(test_every_group_once),
		T(test_inline_device_fault),
		T(test_inline_guard_twice),
		T(test_vram_target),
		T(test_fill_ahead),
	};
#undef T

	return cmocka_run_group_tests_name("gpu-dispatch", tests, NULL, NULL);
}
