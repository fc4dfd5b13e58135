/* SPDX-License-Identifier: MIT */
/*
 * Device page table: mapping, lookup, range unmapping and the invariant
 * checker, over a boundary table and a seeded random order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpu/pagetable.h"


#define PG 4096ull

static int setup(void **state)
{
	struct sgpu_pt *pt = malloc(sizeof(*pt));

	if (!pt || sgpu_pt_init(pt))
		return -1;
	*state = pt;
	return 0;
}

static int teardown(void **state)
{
	struct sgpu_pt *pt = *state;

	sgpu_pt_fini(pt);
	free(pt);
	return 0;
}

static void test_map_lookup(void **state)
{
	struct sgpu_pt *pt = *state;

	assert_int_equal(sgpu_pt_map(pt, 0x1000, 0xabc000, SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_lookup(pt, 0x1000), 0xabc000 | SGPU_PTE_VALID);
	assert_int_equal(sgpu_pt_lookup(pt, 0x2000), 0);
	/* Remapping refreshes the entry in place. */
	assert_int_equal(sgpu_pt_map(pt, 0x1000, 0xdef000,
				     SGPU_PTE_VALID | SGPU_PTE_WRITE), 0);
	assert_int_equal(sgpu_pt_lookup(pt, 0x1000),
			 0xdef000 | SGPU_PTE_VALID | SGPU_PTE_WRITE);
	assert_int_equal(pt->nr_ptes, 1);
	assert_int_equal(sgpu_pt_check(pt), 0);
}

static void test_bad_input(void **state)
{
	struct sgpu_pt *pt = *state;

	assert_int_equal(sgpu_pt_map(pt, 0x1001, 0x1000, SGPU_PTE_VALID), -EINVAL);
	assert_int_equal(sgpu_pt_map(pt, 0x1000, 0x1010, SGPU_PTE_VALID), -EINVAL);
	assert_int_equal(sgpu_pt_map(pt, SGPU_VA_LIMIT, 0x1000, SGPU_PTE_VALID),
			 -EINVAL);
	assert_int_equal(sgpu_pt_map(pt, 0x1000, 0x1000, 0), -EINVAL);
	assert_int_equal(sgpu_pt_lookup(pt, SGPU_VA_LIMIT + PG), 0);
	assert_int_equal(pt->nr_ptes, 0);
	assert_int_equal(sgpu_pt_unmap_range(pt, 0x5000, 0x5000), 0);
}

/* Ranges that straddle every level boundary of the radix tree. */
static const struct {
	uint64_t start, pages;
} boundaries[] = {
	{ 0x1000, 1 },
	{ (1ull << 21) - 2 * PG, 4 },		/* leaf table boundary */
	{ (1ull << 30) - 3 * PG, 7 },		/* level-1 boundary */
	{ (1ull << 39) - PG, 2 },		/* level-0 boundary */
	{ SGPU_VA_LIMIT - 2 * PG, 2 },		/* top of the VA space */
	{ 0x7f0000000000ull, 513 },		/* more than one leaf table */
};

static void test_boundaries(void **state)
{
	struct sgpu_pt *pt = *state;

	for (size_t b = 0; b < sizeof(boundaries) / sizeof(boundaries[0]); b++) {
		uint64_t s = boundaries[b].start, n = boundaries[b].pages;

		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(sgpu_pt_map(pt, s + i * PG, (i + 1) * PG,
						     SGPU_PTE_VALID), 0);
		assert_int_equal(sgpu_pt_check(pt), 0);
		for (uint64_t i = 0; i < n; i++)
			assert_int_equal(sgpu_pt_lookup(pt, s + i * PG),
					 (i + 1) * PG | SGPU_PTE_VALID);
		/* Unmap the interior only; the edges survive. */
		if (n > 2) {
			assert_int_equal(sgpu_pt_unmap_range(pt, s + PG,
							     s + (n - 1) * PG),
					 n - 2);
			assert_int_equal(sgpu_pt_lookup(pt, s), PG | SGPU_PTE_VALID);
			assert_int_equal(sgpu_pt_lookup(pt, s + PG), 0);
		}
		assert_int_equal(sgpu_pt_unmap_range(pt, s, s + n * PG),
				 n > 2 ? 2 : n);
		assert_int_equal(pt->nr_ptes, 0);
		/* Emptied tables are freed: only the root is left. */
		assert_int_equal(pt->nr_tables, 1);
	}
}

static void test_random_order(void **state)
{
	struct sgpu_pt *pt = *state;
	enum { N = 1024 };
	uint64_t *va = malloc(N * sizeof(*va));
	unsigned int seed = 20261121;

	assert_non_null(va);
	for (unsigned int i = 0; i < N; i++)
		va[i] = ((uint64_t)rand_r(&seed) << 12) % (1ull << 40) & ~(PG - 1);
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(sgpu_pt_map(pt, va[i], va[i], SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_check(pt), 0);
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(sgpu_pt_lookup(pt, va[i]), va[i] | SGPU_PTE_VALID);
	/* Remove in a different random order, checking after each step. */
	for (unsigned int i = 0; i < N; i++) {
		unsigned int j = (unsigned int)rand_r(&seed) % N;
		uint64_t tmp = va[i];

		va[i] = va[j];
		va[j] = tmp;
	}
	for (unsigned int i = 0; i < N; i++) {
		sgpu_pt_unmap_range(pt, va[i], va[i] + PG);
		assert_int_equal(sgpu_pt_lookup(pt, va[i]), 0);
		if (i % 512 == 0)
			assert_int_equal(sgpu_pt_check(pt), 0);
	}
	assert_int_equal(pt->nr_ptes, 0);
	assert_int_equal(pt->nr_tables, 1);
	free(va);
}

#define HUGE (1ull << 21)

static void test_huge_pages(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t va = 0x40000000, host = 0x7f0000200000;

	assert_int_equal(sgpu_pt_map_huge(pt, va + 4096, host, SGPU_PTE_VALID),
			 -EINVAL);
	assert_int_equal(sgpu_pt_map_huge(pt, va, host + 4096, SGPU_PTE_VALID),
			 -EINVAL);
	assert_int_equal(sgpu_pt_map_huge(pt, va, host,
					  SGPU_PTE_VALID | SGPU_PTE_WRITE), 0);
	assert_int_equal(pt->nr_huge, 1);
	assert_int_equal(sgpu_pt_check(pt), 0);
	/* Every 4 KiB page inside resolves to its part of the 2 MiB page. */
	for (uint64_t off = 0; off < HUGE; off += 0x3000)
		assert_int_equal(sgpu_pt_lookup(pt, va + off),
				 (host + off) | SGPU_PTE_VALID | SGPU_PTE_WRITE |
					 SGPU_PTE_HUGE);
	assert_int_equal(sgpu_pt_lookup(pt, va + HUGE), 0);

	/* A partial invalidation drops the whole 2 MiB entry. */
	assert_int_equal(sgpu_pt_unmap_range(pt, va + 5 * PG, va + 6 * PG), 1);
	assert_int_equal(sgpu_pt_lookup(pt, va), 0);
	assert_int_equal(pt->nr_huge, 0);
	assert_int_equal(pt->nr_tables, 1);
}

static void test_huge_replaces_table_and_back(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t va = 0x80000000;

	/* 4 KiB pages first: the 2 MiB page takes the slot of their table. */
	for (uint64_t i = 0; i < 8; i++)
		assert_int_equal(sgpu_pt_map(pt, va + i * PG, i * PG + PG,
					     SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_map_huge(pt, va, 0x200000, SGPU_PTE_VALID), 0);
	assert_int_equal(pt->nr_ptes, 0);
	assert_int_equal(pt->nr_huge, 1);
	assert_int_equal(sgpu_pt_check(pt), 0);
	assert_int_equal(sgpu_pt_lookup(pt, va + 3 * PG),
			 (0x200000 + 3 * PG) | SGPU_PTE_VALID | SGPU_PTE_HUGE);

	/* And a 4 KiB mapping inside replaces the 2 MiB page. */
	assert_int_equal(sgpu_pt_map(pt, va + PG, 0x9000, SGPU_PTE_VALID), 0);
	assert_int_equal(pt->nr_huge, 0);
	assert_int_equal(pt->nr_ptes, 1);
	assert_int_equal(sgpu_pt_lookup(pt, va), 0);
	assert_int_equal(sgpu_pt_lookup(pt, va + PG), 0x9000 | SGPU_PTE_VALID);
	assert_int_equal(sgpu_pt_check(pt), 0);
	assert_int_equal(sgpu_pt_unmap_range(pt, 0, SGPU_VA_LIMIT), 1);
	assert_int_equal(pt->nr_tables, 1);
}

/*
 * Nodes a lockless walk may be in are retired, not freed: they stay
 * readable (and unchanged) until the owner takes and frees the list.
 */
static void test_retired_nodes(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t va = 0x40000000, a = 0x7f0000000000ull;
	struct sgpu_pt_node *list;

	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(sgpu_pt_map(pt, va + i * PG, i * PG + PG,
					     SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_map(pt, a, 0x5000, SGPU_PTE_VALID), 0);
	assert_int_equal(pt->nr_tables, 7);	/* the root, 3 + 3 below it */
	assert_int_equal(pt->nr_retired, 0);

	/* A 2 MiB page over the first table retires exactly that table. */
	assert_int_equal(sgpu_pt_map_huge(pt, va, 0x200000, SGPU_PTE_VALID), 0);
	assert_int_equal(pt->nr_retired, 1);
	assert_int_equal(pt->nr_tables, 6);
	assert_int_equal(pt->nr_ptes, 1);
	assert_int_equal(sgpu_pt_check(pt), 0);

	/* Emptying the other branch retires its three tables. */
	assert_int_equal(sgpu_pt_unmap_range(pt, a, a + PG), 1);
	assert_int_equal(pt->nr_retired, 4);
	assert_int_equal(pt->nr_tables, 3);
	assert_int_equal(sgpu_pt_check(pt), 0);

	/* Taken, put back, taken again: the count follows. */
	list = sgpu_pt_retired_take(pt);
	assert_non_null(list);
	assert_int_equal(pt->nr_retired, 0);
	assert_null(sgpu_pt_retired_take(pt));
	sgpu_pt_retired_putback(pt, list);
	assert_int_equal(pt->nr_retired, 4);
	sgpu_pt_retired_free(sgpu_pt_retired_take(pt));
	assert_int_equal(pt->nr_retired, 0);

	/* Retired and never taken: sgpu_pt_fini() frees them (ASan: no leak). */
	assert_int_equal(sgpu_pt_unmap_range(pt, 0, SGPU_VA_LIMIT), 1);
	assert_int_equal(pt->nr_retired, 2);
	assert_int_equal(pt->nr_tables, 1);
}

/* The target kind bit: a VRAM offset travels with its entry. */
static void test_vram_targets(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t va = 0x7f0000000000ull, e;

	assert_int_equal(sgpu_pt_map(pt, va, 0x3000,
				     SGPU_PTE_VALID | SGPU_PTE_VRAM), 0);
	assert_int_equal(sgpu_pt_map(pt, va + PG, 0x7f0000001000ull,
				     SGPU_PTE_VALID | SGPU_PTE_WRITE), 0);
	e = sgpu_pt_lookup(pt, va);
	assert_true(sgpu_pte_is_vram(e));
	assert_int_equal(sgpu_pte_target(e), 0x3000);
	e = sgpu_pt_lookup(pt, va + PG);
	assert_false(sgpu_pte_is_vram(e));
	assert_int_equal(sgpu_pte_target(e), 0x7f0000001000ull);

	/* A 2 MiB VRAM page: offsets advance inside it, the kind stays. */
	assert_int_equal(sgpu_pt_map_huge(pt, 0x40000000, 0x200000,
					  SGPU_PTE_VALID | SGPU_PTE_VRAM |
						  SGPU_PTE_WRITE), 0);
	e = sgpu_pt_lookup(pt, 0x40000000 + 5 * PG);
	assert_true(sgpu_pte_is_vram(e) && (e & SGPU_PTE_HUGE));
	assert_int_equal(sgpu_pte_target(e), 0x200000 + 5 * PG);
	assert_int_equal(sgpu_pt_check(pt), 0);

	/* Unknown flag bits are refused, and caught if they get in. */
	assert_int_equal(sgpu_pt_map(pt, va, 0x3000, SGPU_PTE_VALID | (1u << 9)),
			 -EINVAL);
	assert_int_equal(sgpu_pt_map(pt, va, 0x3000,
				     SGPU_PTE_VALID | SGPU_PTE_HUGE), -EINVAL);
}

static void test_lookup_group(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t base = 0x10000000, out[16];

	for (uint64_t i = 0; i < 16; i++)
		if (i % 3)
			assert_int_equal(sgpu_pt_map(pt, base + i * PG,
						     0x900000 + i * PG,
						     SGPU_PTE_VALID), 0);
	/* Any page of the group gives the whole aligned group. */
	assert_int_equal(sgpu_pt_lookup_group(pt, base + 7 * PG + 12, 16, out), 10);
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(out[i], i % 3 ? (0x900000 + i * PG) | SGPU_PTE_VALID
					       : 0);
	assert_int_equal(sgpu_pt_lookup_group(pt, base + 5 * PG, 4, out), 3);
	assert_int_equal(out[0], 0x900000 + 4 * PG + SGPU_PTE_VALID);
	assert_int_equal(out[2], 0);	/* page 6 */
	/* No table at all. */
	assert_int_equal(sgpu_pt_lookup_group(pt, 0x7000000000ull, 16, out), 0);
	assert_int_equal(out[15], 0);
	/* Inside a 2 MiB page: every entry, as sgpu_pt_lookup() gives it. */
	assert_int_equal(sgpu_pt_map_huge(pt, 0x80000000, 0x600000,
					  SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_lookup_group(pt, 0x80000000 + 33 * PG, 16, out),
			 16);
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(out[i], sgpu_pt_lookup(pt, 0x80000000 + (32 + i) * PG));
}

static void test_block_bitmap(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t block = 0x20000000, bits[SGPU_BLOCK_PAGES / 64];

	assert_int_equal(sgpu_pt_block_bitmap(pt, block, bits), 0);
	for (unsigned int w = 0; w < SGPU_BLOCK_PAGES / 64; w++)
		assert_int_equal(bits[w], 0);
	assert_int_equal(sgpu_pt_map(pt, block, 0x1000, SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_map(pt, block + 65 * PG, 0x1000, SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_map(pt, block + 511 * PG, 0x1000, SGPU_PTE_VALID), 0);
	/* Not in this block. */
	assert_int_equal(sgpu_pt_map(pt, block + 512 * PG, 0x1000, SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_block_bitmap(pt, block, bits), 3);
	assert_int_equal(bits[0], 1);
	assert_int_equal(bits[1], 2);
	assert_int_equal(bits[7], 1ull << 63);
	assert_int_equal(sgpu_pt_map_huge(pt, block, 0x400000, SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_block_bitmap(pt, block, bits), 512);
	assert_int_equal(bits[3], ~0ull);
}

/* A run of entries in one leaf table, holes skipped, one descent. */
static void test_map_run(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t block = 0x30000000, e[8];

	for (unsigned int k = 0; k < 8; k++)
		e[k] = k == 3 ? 0 : (0x700000 + k * PG) | SGPU_PTE_VALID |
					    (k & 1 ? SGPU_PTE_WRITE : 0);
	assert_int_equal(sgpu_pt_map_run(pt, block + 510 * PG, e, 3), -EINVAL);
	assert_int_equal(sgpu_pt_map_run(pt, block + 100 * PG, e, 8), 7);
	for (unsigned int k = 0; k < 8; k++)
		assert_int_equal(sgpu_pt_lookup(pt, block + (100 + k) * PG), e[k]);
	assert_int_equal(pt->nr_ptes, 7);
	/* Rewriting counts nothing twice. */
	assert_int_equal(sgpu_pt_map_run(pt, block + 100 * PG, e, 8), 7);
	assert_int_equal(pt->nr_ptes, 7);
	/* A bad entry refuses the whole run. */
	e[5] = 0x1000;	/* no VALID */
	assert_int_equal(sgpu_pt_map_run(pt, block, e, 8), -EINVAL);
	assert_int_equal(sgpu_pt_lookup(pt, block), 0);
	/* Over a 2 MiB page: the run replaces it. */
	assert_int_equal(sgpu_pt_map_huge(pt, 0x40000000, 0x200000,
					  SGPU_PTE_VALID), 0);
	e[5] = 0;
	assert_int_equal(sgpu_pt_map_run(pt, 0x40000000, e, 2), 2);
	assert_int_equal(pt->nr_huge, 0);
	assert_int_equal(sgpu_pt_lookup(pt, 0x40000000 + 2 * PG), 0);
	assert_int_equal(sgpu_pt_check(pt), 0);
}

/* A linear run: consecutive targets from one entry, counters once. */
static void test_map_linear(void **state)
{
	struct sgpu_pt *pt = *state;
	uint64_t block = 0x50000000;
	uint64_t rw = SGPU_PTE_VALID | SGPU_PTE_WRITE | SGPU_PTE_ATOMIC;

	/* Crossing the block, no VALID, unknown flags, empty, overflow. */
	assert_int_equal(sgpu_pt_map_linear(pt, block + 500 * PG,
					    block | SGPU_PTE_VALID, 13), -EINVAL);
	assert_int_equal(sgpu_pt_map_linear(pt, block, block, 4), -EINVAL);
	assert_int_equal(sgpu_pt_map_linear(pt, block, block | SGPU_PTE_HUGE |
					    SGPU_PTE_VALID, 4), -EINVAL);
	assert_int_equal(sgpu_pt_map_linear(pt, block, block | SGPU_PTE_VALID,
					    0), -EINVAL);
	assert_int_equal(sgpu_pt_map_linear(pt, block + PG, block | 1, 1),
			 1);
	assert_int_equal(sgpu_pt_map_linear(pt, block, SGPU_PTE_ADDR_MASK |
					    SGPU_PTE_VALID, 2), -EINVAL);
	assert_int_equal(pt->nr_ptes, 1);

	/* Pages 1..511 of the block, writable; page 1 was mapped already. */
	assert_int_equal(sgpu_pt_map_linear(pt, block + PG,
					    (0x900000 + PG) | rw, 511), 511);
	assert_int_equal(pt->nr_ptes, 511);
	assert_int_equal(sgpu_pt_lookup(pt, block), 0);
	for (uint64_t k = 1; k < 512; k++)
		assert_int_equal(sgpu_pt_lookup(pt, block + k * PG),
				 (0x900000 + k * PG) | rw);
	/* Rewriting part of it read-only counts nothing twice. */
	assert_int_equal(sgpu_pt_map_linear(pt, block + 10 * PG,
					    (0x900000 + 10 * PG) |
						    SGPU_PTE_VALID, 5), 5);
	assert_int_equal(pt->nr_ptes, 511);
	assert_int_equal(sgpu_pt_lookup(pt, block + 14 * PG),
			 (0x900000 + 14 * PG) | SGPU_PTE_VALID);
	assert_int_equal(sgpu_pt_lookup(pt, block + 15 * PG),
			 (0x900000 + 15 * PG) | rw);
	assert_int_equal(sgpu_pt_check(pt), 0);
	/* Over a 2 MiB page: the run replaces it. */
	assert_int_equal(sgpu_pt_map_huge(pt, 0x60000000, 0x200000,
					  SGPU_PTE_VALID), 0);
	assert_int_equal(sgpu_pt_map_linear(pt, 0x60000000 + 7 * PG,
					    0x60007000 | SGPU_PTE_VALID, 3), 3);
	assert_int_equal(pt->nr_huge, 0);
	assert_int_equal(sgpu_pt_lookup(pt, 0x60000000), 0);
	assert_int_equal(sgpu_pt_lookup(pt, 0x60000000 + 9 * PG),
			 0x60009000 | SGPU_PTE_VALID);
	assert_int_equal(sgpu_pt_unmap_range(pt, block, block + SGPU_HUGE_SIZE),
			 511);
	assert_int_equal(pt->nr_ptes, 3);
	assert_int_equal(sgpu_pt_check(pt), 0);
}

static void test_check_detects_corruption(void **state)
{
	struct sgpu_pt *pt = *state;

	assert_int_equal(sgpu_pt_map(pt, 0x1000, 0x1000, SGPU_PTE_VALID), 0);
	pt->nr_ptes++;	/* counters no longer match the tree */
	assert_int_equal(sgpu_pt_check(pt), -EUCLEAN);
	pt->nr_ptes--;
	assert_int_equal(sgpu_pt_check(pt), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_replaces_table_and_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_retired_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vram_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_bitmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_linear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_detects_corruption,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("gpu-pagetable", tests, NULL, NULL);
}
