/* SPDX-License-Identifier: MIT */
/*
 * The GPU's environment knobs: what each parser accepts and refuses, and
 * that a malformed variable leaves the default in place.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "gpu/sgpu.h"

static void test_l2_geometry(void **state)
{
	static const struct {
		const char *s;
		int ret;
		unsigned int sets, ways;
	} cases[] = {
		{ "256x4", 0, 256, 4 },
		{ "1x1", 0, 1, 1 },
		{ "65536x16", 0, 65536, 16 },
		{ "64X2", 0, 64, 2 },
		{ "0", 0, 1, 0 },
		{ "off", 0, 1, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "256", -EINVAL, 0, 0 },
		{ "256x", -EINVAL, 0, 0 },
		{ "x4", -EINVAL, 0, 0 },
		{ "100x4", -EINVAL, 0, 0 },	/* not a power of two */
		{ "131072x4", -EINVAL, 0, 0 },
		{ "256x0", -EINVAL, 0, 0 },
		{ "256x17", -EINVAL, 0, 0 },
		{ "256x4 ", -EINVAL, 0, 0 },
		{ "-256x4", -EINVAL, 0, 0 },
		{ "99999999999999999999999x4", -EINVAL, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int sets = 7, ways = 7;

		assert_int_equal(sgpu_config_parse_l2(cases[i].s, &sets, &ways),
				 cases[i].ret);
		if (cases[i].ret) {
			/* A refused value leaves the outputs alone. */
			assert_int_equal(sets, 7);
			assert_int_equal(ways, 7);
			continue;
		}
		assert_int_equal(sets, cases[i].sets);
		assert_int_equal(ways, cases[i].ways);
	}
	assert_int_equal(sgpu_config_parse_l2(NULL, NULL, NULL), -EINVAL);
}

static void test_prefetch_policy(void **state)
{
	struct sgpu_config cfg;

	(void)state;
	sgpu_config_defaults(&cfg);
	assert_int_equal(cfg.prefetch, SGPU_PREFETCH_DENSITY);
	assert_int_equal(cfg.density_pct, 50);

	assert_int_equal(sgpu_config_parse_prefetch("none", &cfg), 0);
	assert_int_equal(cfg.prefetch, SGPU_PREFETCH_NONE);
	assert_int_equal(sgpu_config_parse_prefetch("window:64K", &cfg), 0);
	assert_int_equal(cfg.prefetch, SGPU_PREFETCH_WINDOW);
	assert_int_equal(cfg.prefetch_window, 65536);
	assert_int_equal(sgpu_config_parse_prefetch("window:2M", &cfg), 0);
	assert_int_equal(cfg.prefetch_window, 2 << 20);
	assert_int_equal(sgpu_config_parse_prefetch("window:4096", &cfg), 0);
	assert_int_equal(cfg.prefetch_window, 4096);
	assert_int_equal(sgpu_config_parse_prefetch("density:75", &cfg), 0);
	assert_int_equal(cfg.prefetch, SGPU_PREFETCH_DENSITY);
	assert_int_equal(cfg.density_pct, 75);
	assert_int_equal(sgpu_config_parse_prefetch("density", &cfg), 0);
	assert_int_equal(cfg.density_pct, 50);

	sgpu_config_defaults(&cfg);
	assert_int_equal(sgpu_config_parse_prefetch("window:2K", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch("window:4M", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch("window:96K", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch("window:", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch("window:64KB", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch("density:0", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch("density:101", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch("tree", &cfg), -EINVAL);
	assert_int_equal(sgpu_config_parse_prefetch(NULL, &cfg), -EINVAL);
	/* Refusals changed nothing. */
	assert_int_equal(cfg.prefetch, SGPU_PREFETCH_DENSITY);
	assert_int_equal(cfg.prefetch_window, SGPU_FAULT_WINDOW);
}

static void test_batch_size(void **state)
{
	unsigned int b = 5;

	(void)state;
	assert_int_equal(sgpu_config_parse_batch("1", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(sgpu_config_parse_batch("4096", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(sgpu_config_parse_batch("0", &b), -EINVAL);
	assert_int_equal(sgpu_config_parse_batch("4097", &b), -EINVAL);
	assert_int_equal(sgpu_config_parse_batch("12a", &b), -EINVAL);
	assert_int_equal(b, 4096);
}

static void test_vram_size(void **state)
{
	struct sgpu_config cfg;
	uint64_t bytes = 5;

	(void)state;
	assert_int_equal(sgpu_config_parse_vram("1", &bytes), 0);
	assert_int_equal(bytes, 1ull << 20);
	assert_int_equal(sgpu_config_parse_vram("65536", &bytes), 0);
	assert_int_equal(bytes, 64ull << 30);
	assert_int_equal(sgpu_config_parse_vram("0", &bytes), -EINVAL);
	assert_int_equal(sgpu_config_parse_vram("65537", &bytes), -EINVAL);
	assert_int_equal(sgpu_config_parse_vram("8M", &bytes), -EINVAL);
	assert_int_equal(bytes, 64ull << 30);

	sgpu_config_defaults(&cfg);
	assert_int_equal(cfg.vram_bytes, (uint64_t)SGPU_VRAM_MB_DEFAULT << 20);
	setenv("SVMCL_VRAM_MB", "16", 1);
	sgpu_config_from_env(&cfg);
	assert_int_equal(cfg.vram_bytes, 16ull << 20);
	setenv("SVMCL_VRAM_MB", "huge", 1);
	sgpu_config_defaults(&cfg);
	sgpu_config_from_env(&cfg);
	assert_int_equal(cfg.vram_bytes, (uint64_t)SGPU_VRAM_MB_DEFAULT << 20);
	unsetenv("SVMCL_VRAM_MB");
}

static void test_environment(void **state)
{
	struct sgpu_config cfg;

	(void)state;
	setenv("SVMCL_TLB_L2", "128x8", 1);
	setenv("SVMCL_PREFETCH", "window:256K", 1);
	setenv("SVMCL_FAULT_BATCH", "32", 1);
	setenv("SVMCL_TLB_COUNT", "1", 1);
	sgpu_config_defaults(&cfg);
	sgpu_config_from_env(&cfg);
	assert_int_equal(cfg.l2_sets, 128);
	assert_int_equal(cfg.l2_ways, 8);
	assert_int_equal(cfg.prefetch, SGPU_PREFETCH_WINDOW);
	assert_int_equal(cfg.prefetch_window, 256 << 10);
	assert_int_equal(cfg.fault_batch, 32);
	assert_true(cfg.tlb_count);

	/* Malformed values: reported, defaults kept. */
	setenv("SVMCL_TLB_L2", "lots", 1);
	setenv("SVMCL_PREFETCH", "window:3K", 1);
	setenv("SVMCL_FAULT_BATCH", "-1", 1);
	setenv("SVMCL_TLB_COUNT", "0", 1);
	sgpu_config_defaults(&cfg);
	sgpu_config_from_env(&cfg);
	assert_int_equal(cfg.l2_sets, SGPU_TLB_L2_SETS_DEFAULT);
	assert_int_equal(cfg.l2_ways, SGPU_TLB_L2_WAYS_DEFAULT);
	assert_int_equal(cfg.prefetch, SGPU_PREFETCH_DENSITY);
	assert_int_equal(cfg.fault_batch, SGPU_FAULT_BATCH_DEFAULT);
	assert_false(cfg.tlb_count);
	unsetenv("SVMCL_TLB_L2");
	unsetenv("SVMCL_PREFETCH");
	unsetenv("SVMCL_FAULT_BATCH");
	unsetenv("SVMCL_TLB_COUNT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_l2_geometry),
		cmocka_unit_test(test_prefetch_policy),
		cmocka_unit_test(test_batch_size),
		cmocka_unit_test(test_vram_size),
		cmocka_unit_test(test_environment),
	};

	return cmocka_run_group_tests_name("gpu-config", tests, NULL, NULL);
}
