/* SPDX-License-Identifier: MIT */
/*
 * hmm_test_util.h - helpers shared by the HMM core tests: independent
 * views of the CPU page tables (/proc/self/pagemap, smaps) to check
 * hmm_range_fault() against, and mapping helpers.
 */
#ifndef SVMCL_TEST_HMM_UTIL_H
#define SVMCL_TEST_HMM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hmm/hmm.h"

#define PAGE HMM_PAGE_SIZE
#define PMD_SIZE (2ul << 20)

#define PM_PFN_MASK ((1ull << 55) - 1)

static const uint64_t OUT_FLAGS = HMM_PFN_VALID | HMM_PFN_WRITE |
				  HMM_PFN_ERROR | HMM_PFN_DEVICE_PRIVATE;

/*
 * Prints a TAP comment: why a test skips, or a measured number. A test
 * that cannot run prints "SKIP: reason" and returns: cmocka 1.1.5 reports
 * skip() as "not ok ... # SKIP", which meson's TAP parser counts as a
 * failure.
 */
#define test_note(...)							\
	do {								\
		printf("# ");						\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		fflush(stdout);						\
	} while (0)

static inline uint64_t pagemap_entry(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)addr / PAGE) * 8) != 8)
		e = 0;
	close(fd);
	return e;
}

static inline bool cpu_present(const void *addr)
{
	return pagemap_entry(addr) >> 63;
}

static inline uint64_t cpu_pfn(const void *addr)
{
	return pagemap_entry(addr) & PM_PFN_MASK;
}

/* True when no CPU mapping covers @page (msync fails with ENOMEM). */
static inline bool page_unmapped(const void *page)
{
	return msync((void *)((uintptr_t)page & ~(PAGE - 1)), PAGE,
		     MS_ASYNC) != 0 && errno == ENOMEM;
}

static inline char *map_anon_prot(size_t npages, int prot)
{
	char *p = mmap(NULL, npages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline struct hmm_range make_range(void *start, size_t npages,
					  uint64_t *pfns,
					  uint64_t default_flags,
					  uint64_t pfn_flags_mask)
{
	struct hmm_range r = {
		.start = (unsigned long)start,
		.end = (unsigned long)start + npages * PAGE,
		.hmm_pfns = pfns,
		.default_flags = default_flags,
		.pfn_flags_mask = pfn_flags_mask,
	};
	return r;
}

/*
 * smaps_field_kb() - a "Name:   N kB" field of the VMA containing @addr in
 * /proc/self/smaps, or -1.
 */
static inline long smaps_field_kb(const void *addr, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in_vma = false;
	size_t flen = strlen(field);
	long val = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 &&
		    strlen(perms) == 4) {
			if (in_vma)
				break;
			in_vma = (uintptr_t)addr >= s && (uintptr_t)addr < e;
			continue;
		}
		if (in_vma && !strncmp(line, field, flen) && line[flen] == ':') {
			val = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* A meminfo counter ("HugePages_Free"), or -1. */
static inline long meminfo_value(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	size_t flen = strlen(field);
	long val = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			val = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/*
 * map_pmd_aligned() - @nblocks 2 MiB blocks of private anonymous memory,
 * 2 MiB aligned, with MADV_HUGEPAGE. @base and @len receive what to munmap.
 */
static inline char *map_pmd_aligned(size_t nblocks, void **base, size_t *len)
{
	size_t size = (nblocks + 1) * PMD_SIZE;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	*base = p;
	*len = size;
	if (madvise(a, nblocks * PMD_SIZE, MADV_HUGEPAGE)) {
		munmap(p, size);
		return NULL;
	}
	return a;
}

#endif /* SVMCL_TEST_HMM_UTIL_H */
