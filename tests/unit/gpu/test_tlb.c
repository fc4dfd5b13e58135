/* SPDX-License-Identifier: MIT */
/*
 * TLB lines: first-level fills, permission tags, misaligned probes,
 * conflict replacement and range shootdown; the second level's victim
 * swaps, round-robin replacement, geometry and absence; fill-ahead.
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

#define PG SGPU_PAGE_SIZE
#define STRIDE ((uint64_t)SGPU_TLB_L1_ENTRIES * PG) /* the first level's reach */

static bool probe(struct sgpu_cu_state *st, uint64_t va, uint64_t size,
		  bool write, uint64_t *host)
{
	struct sgpu_tlb_entry *e =
		&st->tlb[sgpu_tlb_index(va)];
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
	sgpu_tlb_flush_all(st->tlb);
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

	sgpu_tlb_fill(st->tlb, 0x7000, 0x42000, false);
	assert_true(probe(st, 0x7010, 4, false, &host));
	assert_int_equal(host, 0x42010);
	assert_false(probe(st, 0x7010, 4, true, &host));

	sgpu_tlb_fill(st->tlb, 0x7000, 0x42000, true);
	assert_true(probe(st, 0x7ffc, 4, true, &host));
	assert_int_equal(host, 0x42ffc);
}

static void test_misaligned_never_hits(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	sgpu_tlb_fill(st->tlb, 0x9000, 0x9000, true);
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

	sgpu_tlb_fill(st->tlb, 0x3000, 0x3000, true);
	sgpu_tlb_fill(st->tlb, tlb_same_line(0x3000, 1), 0x5000, false);
	assert_false(probe(st, 0x3000, 4, false, &host));
	assert_true(probe(st, tlb_same_line(0x3000, 1), 4, false, &host));
	assert_int_equal(host, 0x5000);
	/* The write tag of the evicted line must not survive either. */
	assert_false(probe(st, 0x3000, 4, true, &host));
	assert_false(probe(st, tlb_same_line(0x3000, 1), 4, true, &host));
}

static void test_flush_range(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	for (uint64_t i = 0; i < 16; i++)
		sgpu_tlb_fill(st->tlb, 0x100000 + i * PG, 0x100000 + i * PG, true);
	sgpu_tlb_flush_range(st->tlb, 0x100000 + 4 * PG, 0x100000 + 8 * PG);
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(probe(st, 0x100000 + i * PG, 4, false, &host),
				 i < 4 || i >= 8);
	/* A range wider than the TLB takes the scan-all-lines path. */
	sgpu_tlb_flush_range(st->tlb, 0, 1ull << 40);
	for (uint64_t i = 0; i < 16; i++)
		assert_false(probe(st, 0x100000 + i * PG, 4, false, &host));
}

static void test_flush_range_keeps_aliases(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	/* Same line index, different page: a flush of the first keeps it. */
	sgpu_tlb_fill(st->tlb, tlb_same_line(0x200000, 1), 0x1000, true);
	sgpu_tlb_flush_range(st->tlb, 0x200000, 0x200000 + PG);
	assert_true(probe(st, tlb_same_line(0x200000, 1), 4, true, &host));
}

static void test_flush_whole_address_space(void **state)
{
	struct sgpu_cu_state *st = *state;
	uint64_t host;

	/* The RELEASE invalidation covers [0, ULONG_MAX): must not overflow. */
	sgpu_tlb_fill(st->tlb, 0x5000, 0x5000, true);
	sgpu_tlb_fill(st->tlb, 0x7ffffffff000ull, 0x1000, true);
	sgpu_tlb_flush_range(st->tlb, 0, ~0ull);
	assert_false(probe(st, 0x5000, 4, false, &host));
	assert_false(probe(st, 0x7ffffffff000ull, 4, false, &host));
}

/* A unit with a first level and a @sets x @ways second level. */
static struct sgpu_cu *cu_new(unsigned int sets, unsigned int ways)
{
	struct sgpu_cu *cu = aligned_alloc(64, sizeof(*cu));

	assert_non_null(cu);
	memset(cu, 0, sizeof(*cu));
	cu->l1 = cu->state.tlb;
	sgpu_tlb_flush_all(cu->l1);
	assert_int_equal(sgpu_tlb_l2_init(&cu->l2, sets, ways), 0);
	return cu;
}

static void cu_free(struct sgpu_cu *cu)
{
	sgpu_tlb_l2_fini(&cu->l2);
	free(cu);
}

static void test_l2_victim_cache(void **state)
{
	struct sgpu_cu *cu = cu_new(256, 4);
	struct sgpu gpu;
	uint64_t a = 0x400000, b = tlb_same_line(a, 1),
		 c = tlb_same_line(a, 2), host;

	(void)state;
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
	memset(&gpu, 0, sizeof(gpu));
	gpu.num_cus = 1;
	gpu.nr_units = 1;
	gpu.cus = cu;
	sgpu_gpu_shootdown(&gpu, b, b + PG);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, b, false), 0);
	sgpu_gpu_shootdown(&gpu, c, c + PG);
	assert_false(probe(&cu->state, c, 4, false, &host));
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, c, false), 0);
	cu_free(cu);
}

/*
 * Replacement in the second level: one set of two ways, round robin. The
 * pages all use the same first-level line, so each fill pushes the
 * previous page down.
 */
static void test_l2_round_robin(void **state)
{
	struct sgpu_cu *cu = cu_new(1, 2);
	uint64_t p[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		p[i] = tlb_same_line(0x10000000, (unsigned int)i);
	sgpu_cu_tlb_fill(cu, p[0], 0x1000, true);
	sgpu_cu_tlb_fill(cu, p[1], 0x2000, true);	/* p0 -> way 0 */
	sgpu_cu_tlb_fill(cu, p[2], 0x3000, true);	/* p1 -> way 1 */
	sgpu_cu_tlb_fill(cu, p[3], 0x4000, true);	/* p2 replaces p0 */
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, p[0], false), 0);
	/* p1 hits and swaps with p3 (p3 goes down into the way p1 left). */
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, p[1], false), 0x2000);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, p[2], false), 0x3000);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, p[3], false), 0x4000);
	/* A fill from the walk supersedes a copy left in the second level. */
	sgpu_cu_tlb_fill(cu, p[1] + 0x10, 0x9000, false);
	assert_true(sgpu_cu_tlb_holds(cu, p[1]));
	sgpu_cu_tlb_fill(cu, p[0], 0x1000, true);	/* p1 goes down again */
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, p[1], false), 0x9000);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, p[1], true), 0);
	cu_free(cu);
}

static void test_l2_geometry(void **state)
{
	struct sgpu_tlb_l2 l2;

	(void)state;
	assert_int_equal(sgpu_tlb_l2_init(&l2, 3, 4), -EINVAL);
	assert_int_equal(sgpu_tlb_l2_init(&l2, 0, 4), -EINVAL);
	assert_int_equal(sgpu_tlb_l2_init(&l2, 256, SGPU_TLB_L2_WAYS_MAX + 1),
			 -EINVAL);
	assert_int_equal(sgpu_tlb_l2_init(&l2, SGPU_TLB_L2_SETS_MAX * 2, 1),
			 -EINVAL);
	assert_int_equal(sgpu_tlb_l2_init(&l2, 1024, 8), 0);
	assert_int_equal(l2.sets, 1024);
	assert_int_equal(l2.ways, 8);
	sgpu_tlb_l2_fini(&l2);
}

/* No second level: evicted lines are gone, lookups always miss. */
static void test_l2_disabled(void **state)
{
	struct sgpu_cu *cu = cu_new(1, 0);
	uint64_t host;

	(void)state;
	sgpu_cu_tlb_fill(cu, 0x5000, 0x5000, true);
	sgpu_cu_tlb_fill(cu, tlb_same_line(0x5000, 1), 0x6000, true);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, 0x5000, false), 0);
	assert_true(probe(&cu->state, tlb_same_line(0x5000, 1), 4, true, &host));
	cu_free(cu);
}

/* The walker's fill-ahead: a group of lines, holes skipped, own perms. */
static void test_fill_group(void **state)
{
	struct sgpu_cu *cu = cu_new(256, 4);
	uint64_t lines[16], base = 0x7f0000010000ull, host;

	(void)state;
	for (unsigned int k = 0; k < 16; k++)
		lines[k] = k % 5 == 3 ? 0 : (0x900000 + k * PG) | (k & 1);
	/*
	 * Something already in two lines of the group: the victim of the
	 * demand line (page 2) moves down, the one of a speculative line
	 * (page 4) is dropped.
	 */
	sgpu_cu_tlb_fill(cu, tlb_same_line(base + 2 * PG, 1), 0x123000, true);
	sgpu_cu_tlb_fill(cu, tlb_same_line(base + 4 * PG, 1), 0x456000, true);
	sgpu_cu_tlb_fill_group(cu, base, lines, 16, 2, NULL, 0);
	for (unsigned int k = 0; k < 16; k++) {
		uint64_t va = base + k * PG + 0x40;

		assert_int_equal(probe(&cu->state, va, 8, false, &host), k % 5 != 3);
		if (k % 5 != 3)
			assert_int_equal(host, 0x900040 + k * PG);
		assert_int_equal(probe(&cu->state, va, 8, true, &host),
				 k % 5 != 3 && (k & 1));
	}
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, tlb_same_line(base + 2 * PG, 1), true),
			 0x123000);
	assert_int_equal(sgpu_cu_tlb_l2_lookup(cu, tlb_same_line(base + 4 * PG, 1), false),
			 0);
	cu_free(cu);
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
		cmocka_unit_test(test_l2_round_robin),
		cmocka_unit_test(test_l2_geometry),
		cmocka_unit_test(test_l2_disabled),
		cmocka_unit_test(test_fill_group),
	};

	return cmocka_run_group_tests_name("gpu-tlb", tests, NULL, NULL);
}
