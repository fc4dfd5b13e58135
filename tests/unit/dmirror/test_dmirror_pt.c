/* SPDX-License-Identifier: MIT */
/*
 * The dmirror device page table (kmd-shim/dmirror/dmirror_pt.c) against a
 * reference model: seeded random stores, erases and range erases (both the
 * per-page and the table-scan regimes), clusters that wrap around the end
 * of the table, growth, with the invariant checker after every mutation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dmirror/dmirror.h"

/* Keys live in [BASE, BASE + SPACE): small enough for a flat model. */
#define SPACE 4096
#define BASE 0x7f0000000ull

struct model {
	uint64_t pte[SPACE];
	size_t used;
};

static uint64_t pte_of(uint64_t vpn, unsigned int r)
{
	uint64_t pte = (vpn << 12) | DMIRROR_PTE_READ;

	if (r & 1)
		pte |= DMIRROR_PTE_WRITE;
	if (r & 2)
		pte |= DMIRROR_PTE_DEVICE;
	return pte;
}

static void grow_if_needed(struct dmirror_pt *pt, size_t extra)
{
	if (!dmirror_pt_has_room(pt, extra)) {
		size_t cap = dmirror_pt_wanted_cap(pt, extra);
		struct dmirror_pt_slot *slots = malloc(cap * sizeof(*slots));

		assert_non_null(slots);
		free(dmirror_pt_grow(pt, slots, cap));
		assert_int_equal(dmirror_pt_check(pt), 0);
	}
}

static void compare(const struct dmirror_pt *pt, const struct model *m)
{
	assert_int_equal(pt->used, m->used);
	for (uint64_t k = 0; k < SPACE; k++)
		assert_int_equal(dmirror_pt_lookup(pt, BASE + k), m->pte[k]);
	assert_int_equal(dmirror_pt_check(pt), 0);
}

static void empty_table(void **state)
{
	struct dmirror_pt pt;

	(void)state;
	dmirror_pt_init(&pt);
	assert_int_equal(dmirror_pt_lookup(&pt, 5), 0);
	assert_int_equal(dmirror_pt_store(&pt, 5, pte_of(5, 0)), -ENOSPC);
	assert_int_equal(dmirror_pt_erase_range(&pt, 0, ~0ull, 0), 0);
	dmirror_pt_erase(&pt, 5);
	assert_int_equal(dmirror_pt_check(&pt), 0);
	dmirror_pt_fini(&pt);
}

static void store_respects_room(void **state)
{
	struct dmirror_pt pt;
	size_t cap;

	(void)state;
	dmirror_pt_init(&pt);
	grow_if_needed(&pt, 10);
	cap = pt.cap;
	/* The load limit is 1/2: cap / 2 entries fit, one more does not. */
	for (uint64_t k = 1; k <= cap / 2; k++)
		assert_int_equal(dmirror_pt_store(&pt, k, pte_of(k, 0)), 0);
	assert_int_equal(dmirror_pt_store(&pt, cap, pte_of(cap, 0)), -ENOSPC);
	/* Overwriting an entry needs no room. */
	assert_int_equal(dmirror_pt_store(&pt, 1, pte_of(1, 1)), 0);
	assert_int_equal(dmirror_pt_lookup(&pt, 1), pte_of(1, 1));
	/* The empty marker is not a key. */
	assert_int_equal(dmirror_pt_store(&pt, DMIRROR_PT_EMPTY, pte_of(1, 0)),
			 -EINVAL);
	assert_int_equal(dmirror_pt_check(&pt), 0);
	dmirror_pt_fini(&pt);
}

static void random_against_model(void **state)
{
	static struct model m;
	struct dmirror_pt pt;
	unsigned int seed = 0x5eed;

	(void)state;
	memset(&m, 0, sizeof(m));
	dmirror_pt_init(&pt);
	for (int op = 0; op < 20000; op++) {
		unsigned int r = (unsigned int)rand_r(&seed);
		uint64_t k = (unsigned int)rand_r(&seed) % SPACE;

		switch (r % 8) {
		case 0: case 1: case 2: case 3: {	/* store */
			uint64_t pte = pte_of(BASE + k, r >> 8);

			grow_if_needed(&pt, 1);
			assert_int_equal(dmirror_pt_store(&pt, BASE + k, pte), 0);
			if (!m.pte[k])
				m.used++;
			m.pte[k] = pte;
			break;
		}
		case 4: case 5:				/* erase */
			dmirror_pt_erase(&pt, BASE + k);
			if (m.pte[k])
				m.used--;
			m.pte[k] = 0;
			break;
		case 6: {				/* small range */
			uint64_t len = (r >> 8) % 64, mask;
			size_t n = 0;

			mask = (r & (1 << 20)) ? DMIRROR_PTE_DEVICE : 0;
			for (uint64_t j = k; j < k + len && j < SPACE; j++) {
				if (m.pte[j] && (!mask || (m.pte[j] & mask))) {
					m.pte[j] = 0;
					m.used--;
					n++;
				}
			}
			assert_int_equal(dmirror_pt_erase_range(&pt, BASE + k,
								BASE + k + len,
								mask), n);
			break;
		}
		case 7: {				/* huge range: scan */
			uint64_t len = SPACE * 1000;
			size_t n = 0;

			if (r & (1 << 9))
				break;	/* rarer than the others */
			for (uint64_t j = k; j < SPACE; j++) {
				if (m.pte[j] && (m.pte[j] & DMIRROR_PTE_WRITE)) {
					m.pte[j] = 0;
					m.used--;
					n++;
				}
			}
			assert_int_equal(dmirror_pt_erase_range(&pt, BASE + k,
								BASE + k + len,
								DMIRROR_PTE_WRITE),
					 n);
			break;
		}
		}
		assert_int_equal(dmirror_pt_check(&pt), 0);
		if (op % 1000 == 0)
			compare(&pt, &m);
	}
	compare(&pt, &m);
	/* RELEASE-style: everything goes. */
	assert_int_equal(dmirror_pt_erase_range(&pt, 0, DMIRROR_PT_EMPTY, 0),
			 m.used);
	assert_int_equal(pt.used, 0);
	assert_int_equal(dmirror_pt_check(&pt), 0);
	dmirror_pt_fini(&pt);
}

/*
 * Keys whose home slot is the last one of the table make a cluster that
 * wraps to slot 0; deleting its members must keep the others reachable.
 */
static void wrapping_cluster(void **state)
{
	struct dmirror_pt pt;
	uint64_t keys[8];
	size_t n = 0;

	(void)state;
	dmirror_pt_init(&pt);
	grow_if_needed(&pt, 1);
	/* Find keys homed in the last two slots. */
	for (uint64_t k = 1; n < 8 && k < 1000000; k++) {
		size_t home = (size_t)((k * 0x9e3779b97f4a7c15ull) >>
				       (64 - __builtin_ctzl(pt.cap)));

		if (home >= pt.cap - 2)
			keys[n++] = k;
	}
	assert_int_equal(n, 8);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dmirror_pt_store(&pt, keys[i],
						  pte_of(keys[i], 0)), 0);
	assert_int_equal(dmirror_pt_check(&pt), 0);
	/* Delete from the middle, from the start, by scan. */
	dmirror_pt_erase(&pt, keys[3]);
	assert_int_equal(dmirror_pt_check(&pt), 0);
	dmirror_pt_erase(&pt, keys[0]);
	assert_int_equal(dmirror_pt_check(&pt), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dmirror_pt_lookup(&pt, keys[i]),
				 i == 0 || i == 3 ? 0 : pte_of(keys[i], 0));
	assert_int_equal(dmirror_pt_erase_range(&pt, 0, ~0ull - 1, 0), n - 2);
	assert_int_equal(pt.used, 0);
	assert_int_equal(dmirror_pt_check(&pt), 0);
	dmirror_pt_fini(&pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_table),
		cmocka_unit_test(store_respects_room),
		cmocka_unit_test(random_against_model),
		cmocka_unit_test(wrapping_cluster),
	};

	return cmocka_run_group_tests_name("dmirror-pt", tests, NULL, NULL);
}
