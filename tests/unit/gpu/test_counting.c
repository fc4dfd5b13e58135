/* SPDX-License-Identifier: MIT */
/*
 * Counting mode (SVMCL_TLB_COUNT=1) and the environment knobs as the
 * device reads them at creation: first-level hits are counted exactly,
 * with the same hit/miss sequence as the inline fast path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dev_access.h"
#include "gpu/sgpu.h"

#define PG 4096ull
#define SRC 0x600000000ull	/* device VAs: other groups, other lines */
#define DST 0x600110000ull	/* (L1-size multiples apart share a line) */

static struct sgpu *gpu;
static struct sgpu_vm *vm;

static void wg_copy_page(const void *args, struct sgpu_cu_state *cu)
{
	(void)args;
	for (uint64_t l = 0; l < cu->local_size[0]; l++)
		dev_store32(cu, (void *)(uintptr_t)(DST + 4 * l),
			    dev_load32(cu, (const void *)(uintptr_t)(SRC + 4 * l)));
}

static void wg_misaligned(const void *args, struct sgpu_cu_state *cu)
{
	(void)args;
	(void)*(volatile uint32_t *)dev_xlate(cu, SRC + 2, 4, SGPU_ACCESS_READ);
}

#define ALIAS tlb_same_line(SRC, 1)	/* same L1 line as SRC */

static void wg_ping_pong(const void *args, struct sgpu_cu_state *cu)
{
	(void)args;
	for (int i = 0; i < 100; i++) {
		(void)dev_load32(cu, (const void *)(uintptr_t)SRC);
		(void)dev_load32(cu, (const void *)(uintptr_t)ALIAS);
	}
}

static struct kmd_gpu_stats run(sgpu_wg_fn fn, uint64_t local)
{
	struct kmd_dispatch d = {
		.vm_id = vm->id,
		.work_dim = 1,
		.entry = (uintptr_t)fn,
		.global_size = { local, 1, 1 },
		.local_size = { local, 1, 1 },
	};
	struct kmd_gpu_stats s;

	assert_int_equal(sgpu_dispatch(gpu, vm, &d), 0);
	assert_int_equal(d.status, 0);
	sgpu_stats_fill(gpu, &s);
	return s;
}

static void test_config_from_environment(void **state)
{
	(void)state;
	assert_true(gpu->cfg.tlb_count);
	assert_int_equal(gpu->cfg.l2_sets, 64);
	assert_int_equal(gpu->cfg.l2_ways, 2);
	assert_int_equal(gpu->cfg.prefetch, SGPU_PREFETCH_WINDOW);
	assert_int_equal(gpu->cfg.prefetch_window, 128 << 10);
	assert_int_equal(gpu->cfg.fault_batch, 16);
	assert_int_equal(gpu->faults.batch_size, 16);
	for (unsigned int i = 0; i < gpu->nr_units; i++) {
		assert_int_equal(gpu->cus[i].l2.sets, 64);
		assert_int_equal(gpu->cus[i].l2.ways, 2);
	}
}

static void test_hits_counted_exactly(void **state)
{
	uint32_t *src = aligned_alloc(PG, PG), *dst = aligned_alloc(PG, PG);
	struct kmd_gpu_stats s0, s1, s2, s3;

	(void)state;
	assert_non_null(src);
	assert_non_null(dst);
	for (unsigned int i = 0; i < 1024; i++)
		src[i] = i * 3;
	assert_int_equal(sgpu_vm_map_page(vm, SRC, (uintptr_t)src, 0), 0);
	assert_int_equal(sgpu_vm_map_page(vm, DST, (uintptr_t)dst,
					  SGPU_PTE_WRITE), 0);
	sgpu_stats_fill(gpu, &s0);
	assert_true(s0.flags & KMD_GPU_STATS_L1_COUNTED);

	/* 1024 reads, 1024 writes: one miss per page, the rest hits. */
	s1 = run(wg_copy_page, 1024);
	assert_int_equal(s1.tlb_l1_misses - s0.tlb_l1_misses, 2);
	assert_int_equal(s1.tlb_l1_hits - s0.tlb_l1_hits, 2046);
	for (unsigned int i = 0; i < 1024; i++)
		assert_int_equal(dst[i], i * 3);

	/* The lines survive the dispatch (same VM, same unit): all hits. */
	s2 = run(wg_copy_page, 1024);
	assert_int_equal(s2.tlb_l1_misses - s1.tlb_l1_misses, 0);
	assert_int_equal(s2.tlb_l1_hits - s1.tlb_l1_hits, 2048);

	/* A misaligned access never matches a tag: a miss, as in JIT code. */
	s3 = run(wg_misaligned, 1);
	assert_int_equal(s3.tlb_l1_misses - s2.tlb_l1_misses, 1);
	assert_int_equal(s3.tlb_l1_hits - s2.tlb_l1_hits, 0);

	/* The descriptor's own table stays invalid: JIT code always misses. */
	for (unsigned int i = 0; i < gpu->nr_units; i++)
		for (unsigned int k = 0; k < SGPU_TLB_L1_ENTRIES; k++)
			assert_int_equal(gpu->cus[i].state.tlb[k].tag_read,
					 SGPU_TLB_INVALID_TAG);
	sgpu_vm_invalidate(vm, SRC, DST + PG);
	free(src);
	free(dst);
}

/*
 * Two pages that share a first-level line evict each other on every
 * access; the second level (a victim cache) answers every miss but the
 * first two, which walk.
 */
static void test_conflicting_pages_swap_through_l2(void **state)
{
	uint32_t *a = aligned_alloc(PG, PG), *b = aligned_alloc(PG, PG);
	struct kmd_gpu_stats s0, s1;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(sgpu_vm_map_page(vm, SRC, (uintptr_t)a, 0), 0);
	assert_int_equal(sgpu_vm_map_page(vm, ALIAS, (uintptr_t)b, 0), 0);
	sgpu_stats_fill(gpu, &s0);
	s1 = run(wg_ping_pong, 1);
	assert_int_equal(s1.tlb_l1_hits - s0.tlb_l1_hits, 0);
	assert_int_equal(s1.tlb_l1_misses - s0.tlb_l1_misses, 200);
	assert_int_equal(s1.walks - s0.walks, 2);
	assert_int_equal(s1.tlb_l2_hits - s0.tlb_l2_hits, 198);
	sgpu_vm_invalidate(vm, SRC, ALIAS + PG);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_from_environment),
		cmocka_unit_test(test_hits_counted_exactly),
		cmocka_unit_test(test_conflicting_pages_swap_through_l2),
	};
	int ret;

	/* Before the device exists: it reads them once, at creation. */
	setenv("SVMCL_TLB_COUNT", "1", 1);
	setenv("SVMCL_TLB_L2", "64x2", 1);
	setenv("SVMCL_PREFETCH", "window:128K", 1);
	setenv("SVMCL_FAULT_BATCH", "16", 1);
	if (sgpu_get(&gpu) || sgpu_vm_create(gpu, 0, -1, &vm))
		return 1;
	ret = cmocka_run_group_tests_name("gpu-counting", tests, NULL, NULL);
	sgpu_vm_destroy(vm);
	sgpu_put(gpu);
	return ret;
}
