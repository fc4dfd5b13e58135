/* SPDX-License-Identifier: MIT */
/*
 * A port of the behaviours of Linux's tools/testing/selftests/mm/
 * hmm-tests.c that userspace can express, against the dmirror devices of
 * libsvmcl-kmd.so ("dmirror0", "dmirror1") instead of /dev/hmm_dmirror*.
 * Written from the semantics of the Linux tests, in cmocka.
 *
 * Not ported: mixedmap (mmap of the device file: a kmd handle is not a
 * file descriptor), the device-coherent variants (no coherent device
 * memory), hmm_gup_test (needs the kernel's gup_test), FLAGS-based
 * allocation-failure tests (HMM_DMIRROR_FLAGS is not part of the uAPI),
 * benchmark_thp_migration (a benchmark, not a test).
 *
 * Added: checks that the device page table really caches (a second READ
 * needs no fault), that CPU changes invalidate it (munmap, MADV_DONTNEED,
 * MAP_FIXED replacement), MIGRATE_TO_SYS on private device memory, and two
 * mirrors of the same device.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "hmm_test_util.h"

struct hmm_fixture {
	int fd;		/* dmirror0 */
	int fd1;	/* dmirror1 (hmm2 tests) */
};

static int setup_hmm(void **state)
{
	struct hmm_fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fd = hmm_open(0);
	f->fd1 = hmm_open(1);
	if (f->fd < 0 || f->fd1 < 0) {
		fprintf(stderr, "could not open the dmirror devices: %d %d\n",
			f->fd, f->fd1);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown_hmm(void **state)
{
	struct hmm_fixture *f = *state;
	int ret = kmd_close(f->fd) | kmd_close(f->fd1);

	free(f);
	return ret ? -1 : 0;
}

static unsigned long default_npages(void)
{
	return ALIGN(HMM_BUFFER_SIZE, HMM_PAGE_SIZE) >> HMM_PAGE_SHIFT;
}

static struct hmm_buffer *anon_buffer(unsigned long npages, int prot)
{
	struct hmm_buffer *b = hmm_buffer_new(npages << HMM_PAGE_SHIFT, prot,
					      MAP_PRIVATE | MAP_ANONYMOUS,
					      npages << HMM_PAGE_SHIFT);

	assert_non_null(b);
	return b;
}

static void fill(void *p, unsigned long size, int base, int sign)
{
	int *ptr = p;

	for (unsigned long i = 0; i < size / sizeof(*ptr); i++)
		ptr[i] = sign * (int)i + base;
}

/* Asserts ptr[i] == sign * i + base for every int of [p, p + size). */
static void check(const void *p, unsigned long size, int base, int sign)
{
	const int *ptr = p;

	for (unsigned long i = 0; i < size / sizeof(*ptr); i++)
		if (ptr[i] != sign * (int)i + base)
			fail_msg("int %lu is %d, expected %d", i, ptr[i],
				 sign * (int)i + base);
}

/* ---------------------------------------------------------------------- */

static void open_close(void **state)
{
	int fd0 = hmm_open(0), fd1 = hmm_open(1);

	(void)state;
	assert_true(fd0 >= 0);
	assert_true(fd1 >= 0);
	assert_int_not_equal(fd0, fd1);
	assert_int_equal(kmd_close(fd0), 0);
	assert_int_equal(kmd_close(fd1), 0);
}

/* Read private anonymous memory: pte_none, the zero page, data. */
static void anon_read(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);
	int *ptr = buffer->ptr;
	int ret;

	/* Leave the first two pages zero (pte_none and the zero page). */
	for (unsigned long i = 2 * HMM_PAGE_SIZE / sizeof(*ptr);
	     i < size / sizeof(*ptr); i++)
		ptr[i] = (int)i;
	assert_int_equal(mprotect(buffer->ptr, size, PROT_READ), 0);
	/* Populate the CPU page table with the zero page. */
	assert_int_equal(*(volatile int *)((char *)buffer->ptr + HMM_PAGE_SIZE), 0);

	ret = hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer, npages);
	assert_int_equal(ret, 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);

	ptr = buffer->mirror;
	for (unsigned long i = 0; i < size / sizeof(*ptr); i++)
		assert_int_equal(ptr[i], i < 2 * HMM_PAGE_SIZE / sizeof(*ptr) ?
				 0 : (int)i);
	hmm_buffer_free(buffer);
}

/* PROT_NONE memory cannot be read: -EFAULT, the mirror untouched. */
static void anon_read_prot(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->ptr, size, 0, 1);
	fill(buffer->mirror, size, 0, -1);
	assert_int_equal(mprotect(buffer->ptr, size, PROT_NONE), 0);

	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), -EFAULT);

	assert_int_equal(mprotect(buffer->ptr, size, PROT_READ), 0);
	check(buffer->ptr, size, 0, 1);
	check(buffer->mirror, size, 0, -1);
	hmm_buffer_free(buffer);
}

static void anon_write(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->mirror, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
}

/* Writing read-only memory is -EPERM until mprotect allows it. */
static void anon_write_prot(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ);

	/* The device reads a zero page. */
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer, 1), 0);
	assert_int_equal(buffer->cpages, 1);
	assert_int_equal(buffer->faults, 1);

	fill(buffer->mirror, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), -EPERM);
	check(buffer->ptr, size, 0, 0);

	/* Now allow writing: the zero page is replaced. */
	assert_int_equal(mprotect(buffer->ptr, size, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
}

/*
 * A device writing a private mapping in a fork child copies on write: the
 * parent's memory does not change. With migrate, the pages are in device
 * memory at fork time; with thp, a PMD-aligned MADV_HUGEPAGE range.
 */
static void anon_write_child(void **state)
{
	struct hmm_fixture *f = *state;

	for (int migrate = 0; migrate < 2; migrate++) {
		for (int use_thp = 0; use_thp < 2; use_thp++) {
			unsigned long size = use_thp ? read_pmd_pagesize() :
						       HMM_BUFFER_SIZE;
			unsigned long npages = size >> HMM_PAGE_SHIFT;
			struct hmm_buffer *buffer;
			void *old_ptr;
			int status, child_fd;
			pid_t pid;

			buffer = hmm_buffer_new(size * 2, PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS,
						size);
			assert_non_null(buffer);
			old_ptr = buffer->ptr;
			if (use_thp) {
				buffer->ptr = (void *)ALIGN((uintptr_t)buffer->ptr,
							    size);
				assert_int_equal(madvise(buffer->ptr, size,
							 MADV_HUGEPAGE), 0);
			}
			fill(buffer->ptr, size, 0, 1);
			fill(buffer->mirror, size, 0, -1);

			if (migrate) {
				assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer,
									npages), 0);
				assert_int_equal(buffer->cpages, npages);
				/* The device read back what it migrated. */
				check(buffer->mirror, size, 0, 1);
				fill(buffer->mirror, size, 0, -1);
			}

			fflush(NULL);
			pid = fork();
			assert_true(pid >= 0);
			if (pid == 0) {
				const int *ptr = buffer->ptr;

				/* The child sees the parent's values. */
				for (unsigned long i = 0; i < size / sizeof(int); i++) {
					if (ptr[i] != (int)i)
						fprintf(stderr, "child (migrate %d, "
							"thp %d): int %lu is %d\n",
							migrate, use_thp, i, ptr[i]);
					CHILD_CHECK(ptr[i] == (int)i);
				}
				/* It needs its own mirror of its own mm. */
				child_fd = hmm_open(0);
				CHILD_CHECK(child_fd >= 0);
				/* The parent's mirror mirrors the parent. */
				CHILD_CHECK(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ,
							    buffer, npages) ==
					    -EINVAL);
				CHILD_CHECK(hmm_dmirror_cmd(child_fd,
							    HMM_DMIRROR_WRITE,
							    buffer, npages) == 0);
				CHILD_CHECK(buffer->cpages == npages);
				CHILD_CHECK(buffer->faults == 1);
				for (unsigned long i = 0; i < size / sizeof(int); i++)
					CHILD_CHECK(ptr[i] == -(int)i);
				CHILD_CHECK(kmd_close(child_fd) == 0);
				_exit(0);
			}
			assert_int_equal(waitpid(pid, &status, 0), pid);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
			/* The parent's buffer did not change. */
			check(buffer->ptr, size, 0, 1);

			buffer->ptr = old_ptr;
			hmm_buffer_free(buffer);
		}
	}
}

/* A shared mapping is not copied on write: the parent sees the child's. */
static void anon_write_child_shared(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer;
	int status;
	pid_t pid;

	(void)f;
	buffer = hmm_buffer_new(size, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, size);
	assert_non_null(buffer);
	fill(buffer->ptr, size, 0, 1);
	fill(buffer->mirror, size, 0, -1);

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const int *ptr = buffer->ptr;
		int child_fd;

		for (unsigned long i = 0; i < size / sizeof(int); i++)
			CHILD_CHECK(ptr[i] == (int)i);
		child_fd = hmm_open(0);
		CHILD_CHECK(child_fd >= 0);
		CHILD_CHECK(hmm_dmirror_cmd(child_fd, HMM_DMIRROR_WRITE, buffer,
					    npages) == 0);
		CHILD_CHECK(buffer->cpages == npages);
		CHILD_CHECK(buffer->faults == 1);
		for (unsigned long i = 0; i < size / sizeof(int); i++)
			CHILD_CHECK(ptr[i] == -(int)i);
		CHILD_CHECK(kmd_close(child_fd) == 0);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	check(buffer->ptr, size, 0, -1);
	hmm_buffer_free(buffer);
}

/* Write a transparent huge page. */
static void anon_write_huge(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long size = 2 * TWOMEG, npages;
	struct hmm_buffer *buffer;
	void *old_ptr;

	buffer = hmm_buffer_new(size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, size);
	assert_non_null(buffer);
	size = TWOMEG;
	npages = size >> HMM_PAGE_SHIFT;
	old_ptr = buffer->ptr;
	buffer->ptr = (void *)ALIGN((uintptr_t)buffer->ptr, size);
	assert_int_equal(madvise(buffer->ptr, size, MADV_HUGEPAGE), 0);

	fill(buffer->mirror, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->ptr, size, 0, 1);

	buffer->ptr = old_ptr;
	hmm_buffer_free(buffer);
}

/* Free default-size hugetlb pages, with a reason when there are none. */
static bool hugetlb_available(unsigned long *hsize)
{
	unsigned long free_pages = meminfo("HugePages_Free");

	*hsize = meminfo("Hugepagesize") * 1024;
	if (!free_pages || !*hsize) {
		print_message("# SKIP: no free hugetlb pages (HugePages_Free: %lu; "
			      "echo N > /proc/sys/vm/nr_hugepages to run this)\n",
			      free_pages);
		return false;
	}
	return true;
}

/* Write a hugetlbfs page. */
static void anon_write_hugetlbfs(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long hsize, size, npages;
	struct hmm_buffer *buffer;

	if (!hugetlb_available(&hsize)) {
		skip();
		return;
	}
	size = ALIGN(TWOMEG, hsize);
	npages = size >> HMM_PAGE_SHIFT;
	buffer = hmm_buffer_new(size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, size);
	if (!buffer) {
		print_message("# SKIP: MAP_HUGETLB of %lu bytes failed\n", size);
		skip();
		return;
	}
	fill(buffer->mirror, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
}

static struct hmm_buffer *file_buffer(unsigned long npages, int prot,
				      int flags, bool write_data)
{
	unsigned long size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = calloc(1, sizeof(*buffer));

	assert_non_null(buffer);
	buffer->fd = hmm_create_file(size);
	assert_true(buffer->fd >= 0);
	buffer->size = size;
	buffer->mirror = malloc(size);
	assert_non_null(buffer->mirror);
	if (write_data) {
		fill(buffer->mirror, size, 0, 1);
		assert_int_equal(pwrite(buffer->fd, buffer->mirror, size, 0),
				 (ssize_t)size);
		memset(buffer->mirror, 0, size);
	}
	buffer->ptr = mmap(NULL, size, prot, flags, buffer->fd, 0);
	assert_true(buffer->ptr != MAP_FAILED);
	return buffer;
}

static void file_buffer_free(struct hmm_buffer *buffer)
{
	close(buffer->fd);
	hmm_buffer_free(buffer);
}

/* Read a read-only shared file mapping. */
static void file_read(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = file_buffer(npages, PROT_READ, MAP_SHARED,
						true);

	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size, 0, 1);
	file_buffer_free(buffer);
}

/* Write a shared file mapping: visible in the mapping and in the file. */
static void file_write(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = file_buffer(npages, PROT_READ | PROT_WRITE,
						MAP_SHARED, false);

	fill(buffer->mirror, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->ptr, size, 0, 1);
	assert_int_equal(pread(buffer->fd, buffer->mirror, size, 0),
			 (ssize_t)size);
	check(buffer->mirror, size, 0, 1);
	file_buffer_free(buffer);
}

/* Migrate anonymous memory to device memory. */
static void migrate(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);
	check(buffer->mirror, size, 0, 1);
	/* The CPU gets the data back on access. */
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
}

/* Migrate a private file mapping that has been written (anonymous COW). */
static void migrate_file_private(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = file_buffer(npages, PROT_READ | PROT_WRITE,
						MAP_PRIVATE, false);

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);
	check(buffer->mirror, size, 0, 1);
	check(buffer->ptr, size, 0, 1);
	file_buffer_free(buffer);
}

/* Migrate, fault half back with the CPU, migrate again. */
static void migrate_fault(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);
	check(buffer->mirror, size, 0, 1);

	/* Fault half the pages back to system memory and check them. */
	check(buffer->ptr, size / 2, 0, 1);

	memset(buffer->mirror, 0, size);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);
	check(buffer->mirror, size, 0, 1);
	hmm_buffer_free(buffer);
}

/* Migrate, then RELEASE evicts the device memory; the data survives. */
static void migrate_release(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);
	unsigned char *m;

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);
	check(buffer->mirror, size, 0, 1);

	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_RELEASE, buffer,
					 npages), 0);
	/* No page is left in device memory. */
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_SNAPSHOT, buffer,
					 npages), 0);
	m = buffer->mirror;
	for (unsigned long i = 0; i < npages; i++)
		assert_int_equal(m[i] & HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL, 0);
	check(buffer->ptr, size / 2, 0, 1);
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
}

/* Shared anonymous memory does not migrate: -ENOENT. */
static void migrate_shared(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer;

	buffer = hmm_buffer_new(size, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, size);
	assert_non_null(buffer);
	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), -ENOENT);
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
}

/* hmm2: migrate pages in mixed states between the two devices. */
static void migrate_mixed(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 6, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer;
	char *p;
	int *ptr;

	buffer = hmm_buffer_new(size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
				size);
	assert_non_null(buffer);
	p = buffer->ptr;

	/* Not readable: cannot migrate. */
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd1, buffer, npages), -EINVAL);

	/* A hole after the first page: cannot migrate. */
	assert_int_equal(munmap(p + HMM_PAGE_SIZE, HMM_PAGE_SIZE), 0);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd1, buffer, 3), -EINVAL);

	/* Page 2: the read-only zero page. */
	assert_int_equal(mprotect(p + 2 * HMM_PAGE_SIZE, HMM_PAGE_SIZE,
				  PROT_READ), 0);
	assert_int_equal(*(volatile int *)(p + 2 * HMM_PAGE_SIZE), 0);
	/* Page 3: read-only data. */
	assert_int_equal(mprotect(p + 3 * HMM_PAGE_SIZE, HMM_PAGE_SIZE,
				  PROT_READ | PROT_WRITE), 0);
	ptr = (int *)(p + 3 * HMM_PAGE_SIZE);
	*ptr = 3;
	assert_int_equal(mprotect(p + 3 * HMM_PAGE_SIZE, HMM_PAGE_SIZE,
				  PROT_READ), 0);
	/* Pages 4-5: read-write data. */
	assert_int_equal(mprotect(p + 4 * HMM_PAGE_SIZE, 2 * HMM_PAGE_SIZE,
				  PROT_READ | PROT_WRITE), 0);
	ptr = (int *)(p + 4 * HMM_PAGE_SIZE);
	*ptr = 4;
	ptr = (int *)(p + 5 * HMM_PAGE_SIZE);
	*ptr = 5;

	/* Pages 2-5 go to device 1. */
	buffer->ptr = p + 2 * HMM_PAGE_SIZE;
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd1, buffer, 4), 0);
	assert_int_equal(buffer->cpages, 4);
	ptr = buffer->mirror;
	assert_int_equal(ptr[0], 0);
	assert_int_equal(ptr[HMM_PAGE_SIZE / sizeof(int)], 3);
	assert_int_equal(ptr[2 * HMM_PAGE_SIZE / sizeof(int)], 4);
	assert_int_equal(ptr[3 * HMM_PAGE_SIZE / sizeof(int)], 5);

	/* Page 5 does not move to device 0: it is on device 1. */
	buffer->ptr = p + 5 * HMM_PAGE_SIZE;
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, 1), -ENOENT);

	/* The CPU still has every value. */
	assert_int_equal(*(int *)(p + 3 * HMM_PAGE_SIZE), 3);
	assert_int_equal(*(int *)(p + 4 * HMM_PAGE_SIZE), 4);
	assert_int_equal(*(int *)(p + 5 * HMM_PAGE_SIZE), 5);

	buffer->ptr = p;
	munmap(p, HMM_PAGE_SIZE);
	munmap(p + 2 * HMM_PAGE_SIZE, 4 * HMM_PAGE_SIZE);
	buffer->ptr = NULL;
	hmm_buffer_free(buffer);
}

/* Migrate to the device and back by CPU faults, NTIMES. */
static void migrate_multiple(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;

	for (int c = 0; c < NTIMES; c++) {
		struct hmm_buffer *buffer = anon_buffer(npages,
							PROT_READ | PROT_WRITE);

		fill(buffer->ptr, size, 0, 1);
		assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), 0);
		assert_int_equal(buffer->cpages, npages);
		check(buffer->mirror, size, 0, 1);
		check(buffer->ptr, size, 0, 1);
		hmm_buffer_free(buffer);
	}
}

/* MIGRATE_TO_SYS brings private device pages back explicitly. */
static void migrate_to_sys(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);
	unsigned char *m;

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);
	/* Device 1 has nothing of it to give back. */
	assert_int_equal(hmm_migrate_dev_to_sys(f->fd1, buffer, npages), 0);
	assert_int_equal(buffer->cpages, 0);
	assert_int_equal(hmm_migrate_dev_to_sys(f->fd, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);

	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_SNAPSHOT, buffer,
					 npages), 0);
	m = buffer->mirror;
	for (unsigned long i = 0; i < npages; i++)
		assert_int_equal(m[i], HMM_DMIRROR_PROT_WRITE);
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
}

/* Read anonymous memory NTIMES. */
static void anon_read_multiple(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;

	for (int c = 0; c < NTIMES; c++) {
		struct hmm_buffer *buffer = anon_buffer(npages,
							PROT_READ | PROT_WRITE);

		fill(buffer->ptr, size, c, 1);
		assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
						 npages), 0);
		assert_int_equal(buffer->cpages, npages);
		assert_int_equal(buffer->faults, 1);
		check(buffer->mirror, size, c, 1);
		hmm_buffer_free(buffer);
	}
}

struct teardown_arg {
	struct hmm_buffer *buffer;
	unsigned int delay_ns;
};

static void *unmap_buffer(void *p)
{
	struct teardown_arg *a = p;
	struct timespec t = { 0, a->delay_ns };

	/* Unmap the second half while the device reads it. */
	nanosleep(&t, NULL);
	munmap((char *)a->buffer->ptr + a->buffer->size / 2,
	       a->buffer->size / 2);
	return NULL;
}

/*
 * Read anonymous memory while another thread unmaps half of it: either
 * the read completes with the data, or it fails; it never crashes and
 * never returns data that was not there.
 */
static void anon_teardown(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	unsigned int seed = 12345;

	for (int c = 0; c < NTIMES; c++) {
		struct hmm_buffer *buffer = anon_buffer(npages,
							PROT_READ | PROT_WRITE);
		struct teardown_arg a = { buffer, rand_r(&seed) % 32000 };
		pthread_t thread;
		void *hold;
		int rc;

		fill(buffer->ptr, size, c, 1);
		assert_int_equal(pthread_create(&thread, NULL, unmap_buffer, &a), 0);
		rc = hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer, npages);
		if (rc == 0) {
			assert_int_equal(buffer->cpages, npages);
			assert_int_equal(buffer->faults, 1);
			check(buffer->mirror, size, c, 1);
		} else {
			assert_int_equal(rc, -EFAULT);
		}
		assert_int_equal(pthread_join(thread, NULL), 0);
		/*
		 * Afterwards the unmapped half can never be read. Hold it with
		 * a PROT_NONE mapping, so that nothing else appears there.
		 */
		hold = mmap((char *)buffer->ptr + size / 2, size / 2, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			    -1, 0);
		if (hold == (char *)buffer->ptr + size / 2) {
			assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ,
							 buffer, npages),
					 -EFAULT);
			munmap(hold, size / 2);
		} else if (hold != MAP_FAILED) {
			munmap(hold, size / 2);
		}
		munmap(buffer->ptr, size / 2);
		buffer->ptr = NULL;
		hmm_buffer_free(buffer);
	}
}

/* hmm2: a snapshot of pages in every state. */
static void snapshot(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 7, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer;
	unsigned char *m;
	int *ptr, val;
	bool hole;
	char *p;

	buffer = hmm_buffer_new(size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
				size);
	assert_non_null(buffer);
	p = buffer->ptr;

	/* Page 2: the read-only zero page. */
	assert_int_equal(mprotect(p + 2 * HMM_PAGE_SIZE, HMM_PAGE_SIZE,
				  PROT_READ), 0);
	ptr = (int *)(p + 2 * HMM_PAGE_SIZE);
	val = *(volatile int *)ptr + 3;
	assert_int_equal(val, 3);
	/* Page 3: read-only data. */
	assert_int_equal(mprotect(p + 3 * HMM_PAGE_SIZE, HMM_PAGE_SIZE,
				  PROT_READ | PROT_WRITE), 0);
	ptr = (int *)(p + 3 * HMM_PAGE_SIZE);
	*ptr = val;
	assert_int_equal(mprotect(p + 3 * HMM_PAGE_SIZE, HMM_PAGE_SIZE,
				  PROT_READ), 0);
	/* Pages 4-6: read-write; 4 written. */
	assert_int_equal(mprotect(p + 4 * HMM_PAGE_SIZE, 3 * HMM_PAGE_SIZE,
				  PROT_READ | PROT_WRITE), 0);
	ptr = (int *)(p + 4 * HMM_PAGE_SIZE);
	*ptr = val;

	/* Page 5 goes to device 0, page 6 to device 1. */
	buffer->ptr = p + 5 * HMM_PAGE_SIZE;
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd, buffer, 1), 0);
	assert_int_equal(buffer->cpages, 1);
	buffer->ptr = p + 6 * HMM_PAGE_SIZE;
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd1, buffer, 1), 0);
	assert_int_equal(buffer->cpages, 1);

	/*
	 * Page 1: a hole, punched last and checked after the snapshot: a
	 * one-page hole is where the kernel puts the next small mapping of
	 * any thread (a sanitizer's allocator, a thread stack).
	 */
	assert_int_equal(munmap(p + HMM_PAGE_SIZE, HMM_PAGE_SIZE), 0);
	buffer->ptr = p;
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_SNAPSHOT, buffer,
					 npages), 0);
	hole = page_unmapped(p + HMM_PAGE_SIZE);
	assert_int_equal(buffer->cpages, npages);
	m = buffer->mirror;
	assert_int_equal(m[0], HMM_DMIRROR_PROT_ERROR);
	if (hole)
		assert_int_equal(m[1], HMM_DMIRROR_PROT_ERROR);
	else
		print_message("# snapshot: page 1 was mapped by another thread; "
			      "not checked\n");
	assert_int_equal(m[2], HMM_DMIRROR_PROT_ZERO | HMM_DMIRROR_PROT_READ);
	assert_int_equal(m[3], HMM_DMIRROR_PROT_READ);
	assert_int_equal(m[4], HMM_DMIRROR_PROT_WRITE);
	assert_int_equal(m[5], HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL |
			       HMM_DMIRROR_PROT_WRITE);
	assert_int_equal(m[6], HMM_DMIRROR_PROT_NONE);

	/* Device 1 sees its own page and not device 0's. */
	assert_int_equal(hmm_dmirror_cmd(f->fd1, HMM_DMIRROR_SNAPSHOT, buffer,
					 npages), 0);
	assert_int_equal(m[5], HMM_DMIRROR_PROT_NONE);
	assert_int_equal(m[6], HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL |
			       HMM_DMIRROR_PROT_WRITE);

	munmap(p, HMM_PAGE_SIZE);
	munmap(p + 2 * HMM_PAGE_SIZE, 5 * HMM_PAGE_SIZE);
	buffer->ptr = NULL;
	hmm_buffer_free(buffer);
}

/* hugetlbfs pages are reported with their PMD (or PUD) size. */
static void compound(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long hsize, size, npages;
	struct hmm_buffer *buffer;
	unsigned char *m, prot;

	if (!hugetlb_available(&hsize)) {
		skip();
		return;
	}
	size = ALIGN(TWOMEG, hsize);
	npages = size >> HMM_PAGE_SHIFT;
	buffer = hmm_buffer_new(size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, npages);
	if (!buffer) {
		print_message("# SKIP: MAP_HUGETLB of %lu bytes failed\n", size);
		skip();
		return;
	}
	fill(buffer->ptr, size, 0, 1);

	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_SNAPSHOT, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	m = buffer->mirror;
	prot = HMM_DMIRROR_PROT_WRITE | ((m[0] & HMM_DMIRROR_PROT_PUD) ?
					 HMM_DMIRROR_PROT_PUD :
					 HMM_DMIRROR_PROT_PMD);
	for (unsigned long i = 0; i < npages; i++)
		assert_int_equal(m[i], prot);

	assert_int_equal(mprotect(buffer->ptr, size, PROT_READ), 0);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_SNAPSHOT, buffer,
					 npages), 0);
	prot = HMM_DMIRROR_PROT_READ | ((m[0] & HMM_DMIRROR_PROT_PUD) ?
					HMM_DMIRROR_PROT_PUD :
					HMM_DMIRROR_PROT_PMD);
	for (unsigned long i = 0; i < npages; i++)
		assert_int_equal(m[i], prot);
	hmm_buffer_free(buffer);
}

/* A THP mapped by a PMD is reported with the PMD bit. */
static void compound_thp(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long size = read_pmd_pagesize(), npages = size >> HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer;
	unsigned char *m;
	void *old_ptr;

	buffer = hmm_buffer_new(2 * size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, npages);
	assert_non_null(buffer);
	old_ptr = buffer->ptr;
	buffer->ptr = (void *)ALIGN((uintptr_t)buffer->ptr, size);
	assert_int_equal(madvise(buffer->ptr, size, MADV_HUGEPAGE), 0);
	fill(buffer->ptr, size, 0, 1);

	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_SNAPSHOT, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	m = buffer->mirror;
	if (smaps_anon_huge_kb(buffer->ptr) < size / 1024) {
		/* The kernel gave us small pages (THP disabled or no memory). */
		print_message("# SKIP: the kernel did not back the range with a THP\n");
		buffer->ptr = old_ptr;
		hmm_buffer_free(buffer);
		skip();
		return;
	}
	for (unsigned long i = 0; i < npages; i++)
		assert_int_equal(m[i], HMM_DMIRROR_PROT_WRITE | HMM_DMIRROR_PROT_PMD);
	buffer->ptr = old_ptr;
	hmm_buffer_free(buffer);
}

/* hmm2: two devices read the same memory, then one migrates it. */
static void double_map(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 6, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(mprotect(buffer->ptr, size, PROT_READ), 0);

	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size, 0, 1);

	assert_int_equal(hmm_dmirror_cmd(f->fd1, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size, 0, 1);

	/* Migrate to device 1, then read from device 0. */
	assert_int_equal(hmm_migrate_sys_to_dev(f->fd1, buffer, npages), 0);
	assert_int_equal(buffer->cpages, npages);

	memset(buffer->mirror, 0, size);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size, 0, 1);
	hmm_buffer_free(buffer);
}

/*
 * Exclusive access: not implemented (docs/dmirror.md). The requests say so
 * and change nothing; the tests of their semantics are skipped.
 */
static void exclusive_common(void **state, const char *name)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->ptr, size, 0, 1);
	fill(buffer->mirror, size, 0, -1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_EXCLUSIVE, buffer,
					 npages), -EOPNOTSUPP);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_CHECK_EXCLUSIVE,
					 buffer, npages), -EOPNOTSUPP);
	check(buffer->mirror, size, 0, -1);
	check(buffer->ptr, size, 0, 1);
	hmm_buffer_free(buffer);
	print_message("# SKIP: %s: device-exclusive access is not implemented: "
		      "userspace cannot make a page fault on every CPU access "
		      "while it stays mapped in place (docs/dmirror.md)\n", name);
	skip();
}

static void exclusive(void **state)
{
	exclusive_common(state, "exclusive");
}

static void exclusive_mprotect(void **state)
{
	exclusive_common(state, "exclusive_mprotect");
}

static void exclusive_cow(void **state)
{
	exclusive_common(state, "exclusive_cow");
}

/* ---------------------------------------------------------------------- */
/* Beyond hmm-tests.c: the device page table caches and is invalidated. */

/* A second READ finds every page in the device page table: no fault. */
static void read_cached(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 0);
	/*
	 * The CPU maps these pages writable, and hmm_range_fault() reports
	 * that even to a read fault (as Linux does): writing needs no fault.
	 */
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 0);
	/* The other device has its own page table. */
	assert_int_equal(hmm_dmirror_cmd(f->fd1, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 1);
	hmm_buffer_free(buffer);
}

/*
 * Untouched memory reads as the zero page, mapped read-only: writing it
 * takes a write fault round, which replaces the zero page.
 */
static void write_after_zero_read(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 64, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->mirror, size, 1, -1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size, 0, 0);
	fill(buffer->mirror, size, 1, -1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	assert_int_equal(buffer->faults, 1);
	check(buffer->ptr, size, 1, -1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 0);
	hmm_buffer_free(buffer);
}

/* MADV_DONTNEED zaps the pages: the device sees the new zero pages. */
static void read_after_dontneed(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = default_npages(), size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	check(buffer->mirror, size, 0, 1);
	assert_int_equal(madvise(buffer->ptr, size / 2, MADV_DONTNEED), 0);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->cpages, npages);
	/* The zapped half had to be faulted again. */
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size / 2, 0, 0);
	check((char *)buffer->mirror + size / 2, size / 2,
	      (int)(size / 2 / sizeof(int)), 1);
	hmm_buffer_free(buffer);
}

/* A MAP_FIXED replacement invalidates: the device reads the new data. */
static void read_after_replace(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 16, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);
	void *p;

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	check(buffer->mirror, size, 0, 1);
	p = mmap(buffer->ptr, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	assert_ptr_equal(p, buffer->ptr);
	fill(buffer->ptr, size, 7, -1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size, 7, -1);
	hmm_buffer_free(buffer);
}

/*
 * After munmap the device cannot reach the range any more: its PTEs were
 * invalidated, and the fault finds no CPU mapping. The range is then held
 * with a PROT_NONE mapping, so that no other mapping (a sanitizer's
 * allocator, a thread stack) can appear there while the device tries.
 */
static void read_after_unmap(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 16, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);
	void *hold;

	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(munmap(buffer->ptr, size), 0);
	hold = mmap(buffer->ptr, size, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (hold != buffer->ptr) {
		print_message("# SKIP: the address was reused by another mapping\n");
		if (hold != MAP_FAILED)
			munmap(hold, size);
		buffer->ptr = NULL;
		hmm_buffer_free(buffer);
		skip();
		return;
	}
	memset(buffer->mirror, 0x5a, size);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), -EFAULT);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_WRITE, buffer,
					 npages), -EFAULT);
	hmm_buffer_free(buffer);
}

struct zap_arg {
	char *base;
	unsigned long npages;
	atomic_bool stop;
	atomic_ulong zaps;
};

/* Zap random runs of pages and stamp them again, until told to stop. */
static void *zapper(void *p)
{
	struct zap_arg *a = p;
	unsigned int seed = 777;

	while (!atomic_load(&a->stop)) {
		unsigned long first = (unsigned long)rand_r(&seed) % a->npages;
		unsigned long n = 1 + (unsigned long)rand_r(&seed) % 32;

		if (first + n > a->npages)
			n = a->npages - first;
		madvise(a->base + (first << HMM_PAGE_SHIFT), n << HMM_PAGE_SHIFT,
			MADV_DONTNEED);
		for (unsigned long i = first; i < first + n; i++)
			*(volatile uint64_t *)(a->base + (i << HMM_PAGE_SHIFT)) =
				i + 1;
		atomic_fetch_add(&a->zaps, 1);
	}
	return NULL;
}

/*
 * Invalidations (MADV_DONTNEED, a userfaultfd REMOVE event each) race the
 * device's faults and copies. Every page the device reads is either the
 * zero page (zapped, not yet stamped again) or that page's own stamp:
 * never another page's data, never garbage; and no request fails.
 */
static void stress_zap_vs_read(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 256, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);
	struct zap_arg a = { .base = buffer->ptr, .npages = npages };
	uint64_t faults = 0;
	pthread_t thread;

	for (unsigned long i = 0; i < npages; i++)
		*(uint64_t *)((char *)buffer->ptr + (i << HMM_PAGE_SHIFT)) = i + 1;
	atomic_init(&a.stop, false);
	atomic_init(&a.zaps, 0);
	assert_int_equal(pthread_create(&thread, NULL, zapper, &a), 0);
	/* At least 200 rounds and 20 zaps, however the threads are scheduled. */
	for (int round = 0; round < 200 || atomic_load(&a.zaps) < 20; round++) {
		int fd = round & 1 ? f->fd1 : f->fd;

		assert_int_equal(hmm_dmirror_cmd(fd, HMM_DMIRROR_READ, buffer,
						 npages), 0);
		assert_int_equal(buffer->cpages, npages);
		faults += buffer->faults;
		for (unsigned long i = 0; i < npages; i++) {
			const uint64_t *page = (const uint64_t *)
				((char *)buffer->mirror + (i << HMM_PAGE_SHIFT));

			if (page[0] != 0 && page[0] != i + 1)
				fail_msg("page %lu reads %lu", i,
					 (unsigned long)page[0]);
			for (unsigned long j = 1; j < HMM_PAGE_SIZE / 8; j++)
				assert_int_equal(page[j], 0);
		}
	}
	atomic_store(&a.stop, true);
	assert_int_equal(pthread_join(thread, NULL), 0);
	/* Zaps happened while reading, and they made the device fault again. */
	assert_true(atomic_load(&a.zaps) >= 20);
	assert_true(faults > 2);
	(void)size;
	hmm_buffer_free(buffer);
}

/* Two mirrors of the same device are independent. */
static void two_mirrors_one_device(void **state)
{
	struct hmm_fixture *f = *state;
	unsigned long npages = 32, size = npages << HMM_PAGE_SHIFT;
	struct hmm_buffer *buffer = anon_buffer(npages, PROT_READ | PROT_WRITE);
	int fd = hmm_open(0);

	assert_true(fd >= 0);
	assert_int_not_equal(fd, f->fd);
	fill(buffer->ptr, size, 0, 1);
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 1);
	assert_int_equal(hmm_dmirror_cmd(fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 1);
	check(buffer->mirror, size, 0, 1);
	assert_int_equal(kmd_close(fd), 0);
	/* The first mirror still has its PTEs. */
	assert_int_equal(hmm_dmirror_cmd(f->fd, HMM_DMIRROR_READ, buffer,
					 npages), 0);
	assert_int_equal(buffer->faults, 0);
	hmm_buffer_free(buffer);
}

#define HMM_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_hmm, teardown_hmm)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_close),
		HMM_TEST(anon_read),
		HMM_TEST(anon_read_prot),
		HMM_TEST(anon_write),
		HMM_TEST(anon_write_prot),
		HMM_TEST(anon_write_child),
		HMM_TEST(anon_write_child_shared),
		HMM_TEST(anon_write_huge),
		HMM_TEST(anon_write_hugetlbfs),
		HMM_TEST(file_read),
		HMM_TEST(file_write),
		HMM_TEST(migrate),
		HMM_TEST(migrate_file_private),
		HMM_TEST(migrate_fault),
		HMM_TEST(migrate_release),
		HMM_TEST(migrate_shared),
		HMM_TEST(migrate_mixed),
		HMM_TEST(migrate_multiple),
		HMM_TEST(migrate_to_sys),
		HMM_TEST(anon_read_multiple),
		HMM_TEST(anon_teardown),
		HMM_TEST(snapshot),
		HMM_TEST(compound),
		HMM_TEST(compound_thp),
		HMM_TEST(double_map),
		HMM_TEST(exclusive),
		HMM_TEST(exclusive_mprotect),
		HMM_TEST(exclusive_cow),
		HMM_TEST(read_cached),
		HMM_TEST(write_after_zero_read),
		HMM_TEST(read_after_dontneed),
		HMM_TEST(read_after_replace),
		HMM_TEST(read_after_unmap),
		HMM_TEST(two_mirrors_one_device),
		HMM_TEST(stress_zap_vs_read),
	};

	/* HMM_TESTS=pattern runs only the matching tests (debugging). */
	if (getenv("HMM_TESTS"))
		cmocka_set_test_filter(getenv("HMM_TESTS"));
	return cmocka_run_group_tests_name("hmm-tests", tests, NULL, NULL);
}
