/* SPDX-License-Identifier: MIT */
/*
 * First-level TLB: fills, permission tags, misaligned probes, conflict
 * replacement and range shootdown.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gpu/sgpu.h"

#define PG SGPU_PAGE_SIZE
#define STRIDE ((uint64_t)SGPU_TLB_L1_ENTRIES * PG) /* same line, next tag */

static bool probe(struct sgpu_cu_state *st, uint64_t va, uint64_t size,
		  bool write, uint64_t *host)
{
	struct sgpu_tlb_entry *e =
		&st->tlb[(va >> SGPU_PAGE_SHIFT) & (SGPU_TLB_L1_ENTRIES - 1)];
	uint64_t tag = write ? e->tag_write : e->tag_read;

	if (tag != (va & (SGPU_PAGE_MASK | (size - 1))))
		return false;
	*host = va + (uint64_t)e->addend;
	return true;
}

static int setup(void **state)
{
	struct sgpu_cu_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	sgpu_tlb_flush_all(st);
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void test_empty_misses(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	for (uint64_t va = 0; va < 2 * STRIDE; va += PG) {
		assert_false(probe(st, va, 4, false, &host));
		assert_false(probe(st, va, 4, true, &host));
	}
}

static void test_permissions_in_tag(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	sgpu_tlb_fill(st, 0x7000, 0x42000, false);
	assert_true(probe(st, 0x7010, 4, false, &host));
	assert_int_equal(host, 0x42010);
	assert_false(probe(st, 0x7010, 4, true, &host));

	sgpu_tlb_fill(st, 0x7000, 0x42000, true);
	assert_true(probe(st, 0x7ffc, 4, true, &host));
	assert_int_equal(host, 0x42ffc);
}

static void test_misaligned_never_hits(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	sgpu_tlb_fill(st, 0x9000, 0x9000, true);
	assert_true(probe(st, 0x9008, 8, false, &host));
	assert_false(probe(st, 0x9004 + 1, 4, false, &host));
	/* An 8-byte access at the last word but one crosses nothing... */
	assert_true(probe(st, 0x9ff8, 8, false, &host));
	/* ...a misaligned one that would cross the page must miss. */
	assert_false(probe(st, 0x9ffc, 8, false, &host));
}

static void test_conflict_replaces(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	sgpu_tlb_fill(st, 0x3000, 0x3000, true);
	sgpu_tlb_fill(st, 0x3000 + STRIDE, 0x5000, false);
	assert_false(probe(st, 0x3000, 4, false, &host));
	assert_true(probe(st, 0x3000 + STRIDE, 4, false, &host));
	assert_int_equal(host, 0x5000);
	/* The write tag of the evicted line must not survive either. */
	assert_false(probe(st, 0x3000, 4, true, &host));
	assert_false(probe(st, 0x3000 + STRIDE, 4, true, &host));
}

static void test_flush_range(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	for (uint64_t i = 0; i < 16; i++)
		sgpu_tlb_fill(st, 0x100000 + i * PG, 0x100000 + i * PG, true);
	sgpu_tlb_flush_range(st, 0x100000 + 4 * PG, 0x100000 + 8 * PG);
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(probe(st, 0x100000 + i * PG, 4, false, &host),
				 i < 4 || i >= 8);
	/* A range wider than the TLB takes the scan-all-lines path. */
	sgpu_tlb_flush_range(st, 0, 1ull << 40);
	for (uint64_t i = 0; i < 16; i++)
		assert_false(probe(st, 0x100000 + i * PG, 4, false, &host));
}

static void test_flush_range_keeps_aliases(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	/* Same line index, different page: a flush of the first keeps it. */
	sgpu_tlb_fill(st, 0x200000 + STRIDE, 0x1000, true);
	sgpu_tlb_flush_range(st, 0x200000, 0x200000 + PG);
	assert_true(probe(st, 0x200000 + STRIDE, 4, true, &host));
}

static void test_flush_whole_address_space(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	/* The RELEASE invalidation covers [0, ULONG_MAX): must not overflow. */
	sgpu_tlb_fill(st, 0x5000, 0x5000, true);
	sgpu_tlb_fill(st, 0x7ffffffff000ull, 0x1000, true);
	sgpu_tlb_flush_range(st, 0, ~0ull);
	assert_false(probe(st, 0x5000, 4, false, &host));
	assert_false(probe(st, 0x7ffffffff000ull, 4, false, &host));
}

static void test_l2_victim_cache(void **state)
{
	struct sgpu_cu *cu = aligned_alloc(64, sizeof(*cu));
	struct sgpu gpu;
	uint64_t a = 0x400000, b = a + STRIDE, c = a + 2 * STRIDE, host;

	(void)state;
	assert_non_null(cu);
	memset(cu, 0, sizeof(*cu));
	sgpu_tlb_flush_all(&cu->state);
	sgpu_tlb_l2_init(&cu->l2);

	/* b evicts a from the first level: a moves to the second. */
	sgpu_cu_tlb_fill(cu, a, 0xa000, true);
	sgpu_cu_tlb_fill(cu, b, 0xb000, false);
	assert_false(probe(&cu->state, a, 4, false, &host));
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, a + 8, true), 0xa008);
	/* The hit swapped a back up and b down. */
	assert_true(probe(&cu->state, a, 4, true, &host));
	assert_int_equal(host, 0xa000);
	assert_false(probe(&cu->state, b, 4, false, &host));
	/* b is read-only: a write lookup must miss and leave it to the walk. */
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, b, true), 0);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, b, false), 0xb000);

	/* A shootdown reaches both levels. */
	sgpu_cu_tlb_fill(cu, c, 0xc000, true);	/* b -> second level */
	gpu.num_cus = 1;
	gpu.cus = cu;
	sgpu_gpu_shootdown(&gpu, b, b + PG);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, b, false), 0);
	sgpu_gpu_shootdown(&gpu, c, c + PG);
	assert_false(probe(&cu->state, c, 4, false, &host));
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, c, false), 0);

	sgpu_tlb_l2_fini(&cu->l2);
	free(cu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_misses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions_in_tag, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_never_hits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_conflict_replaces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flush_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_range_keeps_aliases,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_whole_address_space,
						setup, teardown),
		cmocka_unit_test(test_l2_victim_cache),
	};

	return cmocka_run_group_tests_name("gpu-tlb", tests, NULL, NULL);
}
