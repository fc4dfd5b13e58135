/* SPDX-License-Identifier: MIT */
/*
 * hmm_test_util.h - helpers shared by the dmirror tests. They use only the
 * public uAPI (include/svmcl/kmd.h) and libsvmcl-kmd.so, as a program
 * outside the tree would.
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

#include "svmcl/kmd.h"

#define HMM_PAGE_SIZE 4096ul
#define HMM_PAGE_SHIFT 12
#define HMM_BUFFER_SIZE (1024ul << 12)
#define NTIMES 10
#define TWOMEG (1ul << 21)
#define ALIGN(x, a) (((x) + ((a) - 1)) & ~((a) - 1))

struct hmm_buffer {
	void *ptr;
	void *mirror;
	unsigned long size;
	int fd;
	uint64_t cpages;
	uint64_t faults;
};

/* kmd_open() of "dmirror<unit>". */
static inline int hmm_open(int unit)
{
	char name[16];

	snprintf(name, sizeof(name), "dmirror%d", unit);
	return kmd_open(name);
}

/*
 * hmm_dmirror_cmd() - one request on @buffer, as hmm-tests.c does it.
 * Return: 0 (cpages/faults stored in @buffer) or a negative errno.
 */
static inline int hmm_dmirror_cmd(int fd, unsigned long request,
				  struct hmm_buffer *buffer,
				  unsigned long npages)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uint64_t)(uintptr_t)buffer->ptr,
		.ptr = (uint64_t)(uintptr_t)buffer->mirror,
		.npages = npages,
	};
	int ret = kmd_ioctl(fd, request, &cmd);

	if (ret)
		return ret;
	buffer->cpages = cmd.cpages;
	buffer->faults = cmd.faults;
	return 0;
}

static inline int hmm_migrate_sys_to_dev(int fd, struct hmm_buffer *buffer,
					 unsigned long npages)
{
	return hmm_dmirror_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buffer, npages);
}

static inline int hmm_migrate_dev_to_sys(int fd, struct hmm_buffer *buffer,
					 unsigned long npages)
{
	return hmm_dmirror_cmd(fd, HMM_DMIRROR_MIGRATE_TO_SYS, buffer, npages);
}

/* A buffer of @size bytes: anonymous mapping with @prot/@flags, mirror. */
static inline struct hmm_buffer *hmm_buffer_new(unsigned long size, int prot,
						int flags,
						unsigned long mirror_size)
{
	struct hmm_buffer *buffer = calloc(1, sizeof(*buffer));

	if (!buffer)
		return NULL;
	buffer->fd = -1;
	buffer->size = size;
	buffer->mirror = malloc(mirror_size);
	buffer->ptr = mmap(NULL, size, prot, flags, -1, 0);
	if (!buffer->mirror || buffer->ptr == MAP_FAILED) {
		if (buffer->ptr != MAP_FAILED)
			munmap(buffer->ptr, size);
		free(buffer->mirror);
		free(buffer);
		return NULL;
	}
	return buffer;
}

static inline void hmm_buffer_free(struct hmm_buffer *buffer)
{
	if (!buffer)
		return;
	if (buffer->ptr)
		munmap(buffer->ptr, buffer->size);
	free(buffer->mirror);
	free(buffer);
}

/* A temporary file that is deleted on close (hmm-tests.c). */
static inline int hmm_create_file(unsigned long size)
{
	int fd = open("/tmp", O_TMPFILE | O_EXCL | O_RDWR, 0600);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The PMD (THP) size, 2 MiB if the kernel does not say. */
static inline unsigned long read_pmd_pagesize(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			"r");
	unsigned long size = 0;

	if (f) {
		if (fscanf(f, "%lu", &size) != 1)
			size = 0;
		fclose(f);
	}
	return size ? size : TWOMEG;
}

/* A /proc/meminfo value (in kB for sizes), 0 if absent. */
static inline unsigned long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	size_t len = strlen(key);
	unsigned long val = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			val = strtoul(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/*
 * smaps_anon_huge_kb() - AnonHugePages of the mapping that contains @addr
 * (/proc/self/smaps), 0 if unknown.
 */
static inline unsigned long smaps_anon_huge_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	uintptr_t a = (uintptr_t)addr;
	bool inside = false;
	unsigned long val = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = lo <= a && a < hi;
			continue;
		}
		if (inside && !strncmp(line, "AnonHugePages:", 14)) {
			val = strtoul(line + 14, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* True when no CPU mapping covers @page (msync fails with ENOMEM). */
static inline bool page_unmapped(const void *page)
{
	return msync((void *)page, HMM_PAGE_SIZE, MS_ASYNC) != 0 &&
	       errno == ENOMEM;
}

/*
 * Child processes report failures through their exit status: cmocka's
 * assertions would unwind into the parent's test runner copy.
 */
#define CHILD_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "child: %s:%d: check failed: %s\n",\
				__FILE__, __LINE__, #cond);		\
			_exit(1);					\
		}							\
	} while (0)

#endif /* SVMCL_TEST_HMM_UTIL_H */
