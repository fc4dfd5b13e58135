/* SPDX-License-Identifier: MIT */
/*
 * config.c - the software GPU's knobs, read from the environment once.
 *
 * DOC: Overview
 *
 * The device is created by the first open of "sgpu0"; its configuration
 * is read then and fixed for its lifetime:
 *
 *  SVMCL_TLB_L2=SETSxWAYS	second-level TLB geometry per unit; SETS a
 *				power of two up to 65536, WAYS 1..16;
 *				"0" or "off" disables the level.
 *				Default 256x4.
 *  SVMCL_PREFETCH=POLICY	none | window:SIZE | density[:PCT]; SIZE a
 *				power of two from 4K to 2M (suffix K or M,
 *				or bytes), PCT 1..100. Default density:50.
 *  SVMCL_FAULT_BATCH=N		fault records per service batch, 1..4096.
 *				Default 256 (NVIDIA UVM's).
 *  SVMCL_TLB_COUNT=1		counting mode: first-level hits are counted
 *				exactly, at the price of a call per access.
 *  SVMCL_VRAM_MB=N		device memory, 1..65536 MiB. Default 256.
 *				The pool is created by the first
 *				migration to VRAM (vram.c).
 *  SVMCL_MIGRATE=MODE		off | hot[:THRESHOLD[:REGION]]: the automatic
 *				migration of hot regions to VRAM
 *				(migrate_policy.c); THRESHOLD 1..65535 page
 *				walks per region and window (default 32),
 *				REGION a power of two from 64K to 2M
 *				(default 2M). Default off.
 *
 * The first-level TLB size is compiled into JIT code (SGPU_TLB_L1_BITS in
 * sgpu_abi.h) and is not a run-time knob.
 *
 * A malformed value is reported once on stderr and the default is used:
 * a typo in an environment variable should not make the OpenCL platform
 * disappear.
 *
 * DOC: Locking
 *
 * None: called while the device is created, before any unit runs.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/sgpu.h"

void sgpu_config_defaults(struct sgpu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->l2_sets = SGPU_TLB_L2_SETS_DEFAULT;
	cfg->l2_ways = SGPU_TLB_L2_WAYS_DEFAULT;
	cfg->fault_batch = SGPU_FAULT_BATCH_DEFAULT;
	cfg->prefetch = SGPU_PREFETCH_DENSITY;
	cfg->prefetch_window = SGPU_FAULT_WINDOW;
	cfg->density_pct = SGPU_PREFETCH_DENSITY_DEFAULT;
	cfg->tlb_count = false;
	cfg->vram_bytes = (uint64_t)SGPU_VRAM_MB_DEFAULT << 20;
	cfg->migrate_hot = false;
	cfg->migrate_threshold = SGPU_MIGRATE_THRESHOLD_DEFAULT;
	cfg->migrate_region = SGPU_MIGRATE_REGION_DEFAULT;
}

/* A decimal number with nothing after it but @end_ok; -EINVAL otherwise. */
static int parse_u64(const char *s, char **end, uint64_t *out)
{
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int sgpu_config_parse_l2(const char *s, unsigned int *sets,
			 unsigned int *ways)
{
	uint64_t nsets, nways;
	char *end;

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "0") || !strcmp(s, "off")) {
		*sets = 1;
		*ways = 0;
		return 0;
	}
	if (parse_u64(s, &end, &nsets) || (*end != 'x' && *end != 'X'))
		return -EINVAL;
	if (parse_u64(end + 1, &end, &nways) || *end)
		return -EINVAL;
	if (!is_pow2(nsets) || nsets > SGPU_TLB_L2_SETS_MAX || !nways ||
	    nways > SGPU_TLB_L2_WAYS_MAX)
		return -EINVAL;
	*sets = (unsigned int)nsets;
	*ways = (unsigned int)nways;
	return 0;
}

/* "64K", "2M", "4096": bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	uint64_t v;
	char *end;

	if (parse_u64(s, &end, &v))
		return -EINVAL;
	if (*end == 'K' || *end == 'k') {
		v <<= 10;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		v <<= 20;
		end++;
	}
	if (*end || v > (1ull << 40))
		return -EINVAL;
	*out = v;
	return 0;
}

int sgpu_config_parse_prefetch(const char *s, struct sgpu_config *cfg)
{
	uint64_t v;
	char *end;

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "none")) {
		cfg->prefetch = SGPU_PREFETCH_NONE;
		return 0;
	}
	if (!strncmp(s, "window:", 7)) {
		if (parse_size(s + 7, &v) || !is_pow2(v) ||
		    v < SGPU_PAGE_SIZE || v > SGPU_PREFETCH_MAX)
			return -EINVAL;
		cfg->prefetch = SGPU_PREFETCH_WINDOW;
		cfg->prefetch_window = v;
		return 0;
	}
	if (!strcmp(s, "density")) {
		cfg->prefetch = SGPU_PREFETCH_DENSITY;
		cfg->density_pct = SGPU_PREFETCH_DENSITY_DEFAULT;
		return 0;
	}
	if (!strncmp(s, "density:", 8)) {
		if (parse_u64(s + 8, &end, &v) || *end || !v || v > 100)
			return -EINVAL;
		cfg->prefetch = SGPU_PREFETCH_DENSITY;
		cfg->density_pct = (unsigned int)v;
		return 0;
	}
	return -EINVAL;
}

int sgpu_config_parse_batch(const char *s, unsigned int *batch)
{
	uint64_t v;
	char *end;

	if (parse_u64(s, &end, &v) || *end || !v || v > SGPU_FAULT_BATCH_MAX)
		return -EINVAL;
	*batch = (unsigned int)v;
	return 0;
}

int sgpu_config_parse_vram(const char *s, uint64_t *bytes)
{
	uint64_t v;
	char *end;

	if (parse_u64(s, &end, &v) || *end || !v || v > SGPU_VRAM_MB_MAX)
		return -EINVAL;
	*bytes = v << 20;
	return 0;
}

int sgpu_config_parse_migrate(const char *s, struct sgpu_config *cfg)
{
	uint64_t threshold = SGPU_MIGRATE_THRESHOLD_DEFAULT;
	uint64_t region = SGPU_MIGRATE_REGION_DEFAULT;
	const char *colon;
	char *end;

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "off")) {
		cfg->migrate_hot = false;
		return 0;
	}
	if (strncmp(s, "hot", 3) || (s[3] && s[3] != ':'))
		return -EINVAL;
	if (s[3] == ':') {
		if (parse_u64(s + 4, &end, &threshold) ||
		    (*end && *end != ':') || !threshold ||
		    threshold > SGPU_MIGRATE_THRESHOLD_MAX)
			return -EINVAL;
		colon = *end == ':' ? end : NULL;
		if (colon && (parse_size(colon + 1, &region) ||
			      !is_pow2(region) ||
			      region < SGPU_MIGRATE_REGION_MIN ||
			      region > SGPU_HUGE_SIZE))
			return -EINVAL;
	}
	cfg->migrate_hot = true;
	cfg->migrate_threshold = (unsigned int)threshold;
	cfg->migrate_region = region;
	return 0;
}

const char *sgpu_prefetch_name(enum sgpu_prefetch_policy p)
{
	switch (p) {
	case SGPU_PREFETCH_NONE:
		return "none";
	case SGPU_PREFETCH_WINDOW:
		return "window";
	case SGPU_PREFETCH_DENSITY:
		return "density";
	}
	return "?";
}

static void config_warn(const char *var, const char *value, const char *want)
{
	fprintf(stderr, "svmcl: ignoring %s=\"%s\" (expected %s)\n", var, value,
		want);
}

void sgpu_config_from_env(struct sgpu_config *cfg)
{
	const char *s;

	s = getenv("SVMCL_TLB_L2");
	if (s && sgpu_config_parse_l2(s, &cfg->l2_sets, &cfg->l2_ways))
		config_warn("SVMCL_TLB_L2", s,
			    "SETSxWAYS, SETS a power of two <= 65536, "
			    "WAYS 1..16, or 0");
	s = getenv("SVMCL_PREFETCH");
	if (s) {
		struct sgpu_config tmp = *cfg;

		if (sgpu_config_parse_prefetch(s, &tmp))
			config_warn("SVMCL_PREFETCH", s,
				    "none, window:SIZE (4K..2M) or "
				    "density[:PCT]");
		else
			*cfg = tmp;
	}
	s = getenv("SVMCL_FAULT_BATCH");
	if (s && sgpu_config_parse_batch(s, &cfg->fault_batch))
		config_warn("SVMCL_FAULT_BATCH", s, "1..4096");
	s = getenv("SVMCL_TLB_COUNT");
	if (s && *s && strcmp(s, "0"))
		cfg->tlb_count = true;
	s = getenv("SVMCL_VRAM_MB");
	if (s && sgpu_config_parse_vram(s, &cfg->vram_bytes))
		config_warn("SVMCL_VRAM_MB", s, "1..65536 (MiB)");
	s = getenv("SVMCL_MIGRATE");
	if (s) {
		struct sgpu_config tmp = *cfg;

		if (sgpu_config_parse_migrate(s, &tmp))
			config_warn("SVMCL_MIGRATE", s,
				    "off or hot[:THRESHOLD[:REGION]], "
				    "THRESHOLD 1..65535, REGION 64K..2M");
		else
			*cfg = tmp;
	}
}
