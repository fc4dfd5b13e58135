/* SPDX-License-Identifier: MIT */
/*
 * migrate_test_util.h - helpers shared by the migration tests.
 *
 * Every test file runs against the process's real mm: svm_mm_get() in the
 * group setup, one pool per test. Without a userfaultfd that intercepts
 * faults (kernel-mode ones included) migration is refused, and the tests
 * skip with the reason.
 */
#ifndef SVMCL_MIGRATE_TEST_UTIL_H
#define SVMCL_MIGRATE_TEST_UTIL_H

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
#include <unistd.h>

#include <cmocka.h>

#include "hmm/hmm.h"
#include "hmm/migrate.h"
#include "mm/mm.h"

#define PAGE 4096ul
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)

struct mt_fixture {
	struct mm_struct *mm;
	struct hmm_devmem *mem;
	int owner;		/* its address identifies the device */
	const char *skip;	/* why the machine cannot migrate */
};

static struct mt_fixture mt;

static inline int mt_group_setup(void **state)
{
	struct hmm_devmem *probe;

	(void)state;
	mt.mm = svm_mm_get();
	if (!mt.mm)
		return -1;
	errno = 0;
	probe = hmm_devmem_create(mt.mm, &mt.owner, 16 * PAGE);
	if (!probe) {
		mt.skip = errno == EOPNOTSUPP ?
			  "no userfaultfd that intercepts kernel-mode faults "
			  "(needs CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1)" :
			  strerror(errno);
		return 0;
	}
	hmm_devmem_destroy(probe);
	return 0;
}

static inline int mt_group_teardown(void **state)
{
	(void)state;
	svm_mm_put(mt.mm);
	return 0;
}

#define MT_SKIP_IF_UNSUPPORTED()					\
	do {								\
		if (mt.skip) {						\
			print_message("# SKIP: migration unavailable: %s\n", \
				      mt.skip);				\
			skip();						\
		}							\
	} while (0)

/* A pool of @npages pages owned by &mt.owner. */
static inline struct hmm_devmem *mt_pool(size_t npages)
{
	struct hmm_devmem *mem = hmm_devmem_create(mt.mm, &mt.owner,
						   npages * PAGE);

	assert_non_null(mem);
	return mem;
}

static inline size_t mt_used(struct hmm_devmem *mem)
{
	size_t used = 0, total = 0;

	hmm_devmem_usage(mem, &used, &total);
	return used;
}

static inline char *mt_map(size_t npages, int prot, int flags)
{
	char *p = mmap(NULL, npages * PAGE, prot, flags, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static inline char *mt_map_anon(size_t npages)
{
	return mt_map(npages, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS);
}

/* Word i of the buffer holds i + @bias. */
static inline void mt_fill(void *p, size_t bytes, uint64_t bias)
{
	uint64_t *w = p;
	size_t i;

	for (i = 0; i < bytes / sizeof(*w); i++)
		w[i] = i + bias;
}

static inline bool mt_check(const void *p, size_t bytes, uint64_t bias)
{
	const uint64_t *w = p;
	size_t i;

	for (i = 0; i < bytes / sizeof(*w); i++)
		if (w[i] != i + bias)
			return false;
	return true;
}

static inline uint64_t mt_pagemap(const void *va)
{
	uint64_t pme = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &pme, sizeof(pme),
			       (off_t)((uintptr_t)va / PAGE * sizeof(pme))),
			 sizeof(pme));
	close(fd);
	return pme;
}

static inline bool mt_present(const void *va)
{
	return mt_pagemap(va) & (PM_PRESENT | PM_SWAPPED);
}

static inline uint64_t mt_migrate(struct hmm_devmem *mem, void *p,
				  size_t npages)
{
	uint64_t cpages = ~0ull;

	assert_int_equal(hmm_migrate_to_device(mem, (unsigned long)p,
					       (unsigned long)p + npages * PAGE,
					       &cpages), 0);
	return cpages;
}

static inline size_t mt_on_device(struct hmm_devmem *mem, void *p,
				  size_t npages)
{
	struct hmm_devmem_page pg;
	size_t i, n = 0;

	for (i = 0; i < npages; i++)
		if (hmm_devmem_lookup(mt.mm, (unsigned long)p + i * PAGE, &pg) &&
		    pg.mem == mem)
			n++;
	return n;
}

#endif /* SVMCL_MIGRATE_TEST_UTIL_H */
