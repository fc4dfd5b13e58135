/* SPDX-License-Identifier: MIT */
/*
 * test_system_memory.c - fine-grained system SVM
 * (CL_DEVICE_SVM_FINE_GRAIN_SYSTEM, OpenCL 3.0, 5.6.1): any memory of the
 * host process is device memory, with no clSVMAlloc and no
 * clSetKernelExecInfo.
 *
 * The linked-list harness (svm_suite.h) builds and checks lists on both
 * sides in memory from malloc, the stack (an array of the thread that
 * waits for the kernel), static data, anonymous private mmap, file-backed
 * mmap (MAP_SHARED: the device's writes reach the file, checked with
 * pread after msync; MAP_PRIVATE: they do not), MAP_SHARED anonymous
 * memory and a memfd mapped twice (a write through one view is seen
 * through the other, by either side), and huge pages: transparent huge
 * pages (madvise(MADV_HUGEPAGE) on a 2 MiB aligned region) and hugetlbfs
 * (MAP_HUGETLB, only when the machine has huge pages reserved).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "svm_suite.h"

#define NLISTS 128
#define LEN 16
#define HALF (NLISTS * LEN / 2)		/* nodes of one parity */
#define AREA (2 * HALF * sizeof(struct node) + 4 * sizeof(int))

static int setup(void **state)
{
	(void)state;
	return suite_open(NULL);
}

static int teardown(void **state)
{
	(void)state;
	suite_close();
	return 0;
}

/*
 * Lists in one area of AREA bytes: even nodes in the first half, odd
 * nodes in the second, the counters after them.
 */
static struct lists lists_at(void *mem, size_t nlists, int len)
{
	size_t half = nlists * (size_t)len / 2;
	struct lists L = {
		.access = ACCESS_DIRECT, .nlists = nlists, .len = len,
		.cap = half,
	};

	L.a = mem;
	L.b = L.a + half;
	L.ctr = (int *)(L.b + half);
	return L;
}

/*
 * Walk the lists of generation @gen in @img, a copy (or another view) of
 * memory whose nodes point into @base. Return: lists found correct.
 */
static int check_image(const unsigned char *img, const unsigned char *base,
		       const struct lists *L, int gen)
{
	size_t limit = 2 * L->cap * sizeof(struct node);
	int found = 0;

	for (size_t i = 0; i < L->nlists; i++) {
		size_t off = i * sizeof(struct node);

		for (int j = 0; j < L->len; j++) {
			size_t lo = (j & 1) ? L->cap * sizeof(struct node) : 0;
			const struct node *n;

			if (off < lo || off >= lo + L->cap * sizeof(*n))
				break;
			n = (const struct node *)(img + off);
			if (n->id != (int)i || n->pos != j || n->gen != gen)
				break;
			if (j == L->len - 1) {
				found += !n->next;
				break;
			}
			off = (size_t)((const unsigned char *)n->next - base);
			if (off >= limit)
				break;
		}
	}
	return found;
}

static void test_heap(void **state)
{
	struct lists L = {
		.access = ACCESS_DIRECT, .nlists = NLISTS, .len = LEN,
		.cap = NLISTS * LEN,
	};

	(void)state;
	/* Three separate heap blocks, the counters in a small one. */
	L.a = calloc(L.cap, sizeof(struct node));
	L.b = calloc(L.cap, sizeof(struct node));
	L.ctr = malloc(3 * sizeof(int));
	assert_non_null(L.a);
	assert_non_null(L.b);
	assert_non_null(L.ctr);
	lists_all_ways(&L, 1);
	free(L.ctr);
	free(L.b);
	free(L.a);

	/* posix_memalign'd memory, as applications get it for devices. */
	{
		void *mem = NULL;
		struct lists M;

		assert_int_equal(posix_memalign(&mem, 128, AREA), 0);
		memset(mem, 0, AREA);
		M = lists_at(mem, NLISTS, LEN);
		lists_all_ways(&M, 10);
		free(mem);
	}
}

/* The kernel uses an array on the stack of the thread that waits for it. */
static void test_stack(void **state)
{
	struct node nodes[2 * HALF];
	int ctr[3];
	struct lists L = {
		.access = ACCESS_DIRECT, .nlists = NLISTS, .len = LEN,
		.cap = HALF, .a = nodes, .b = nodes + HALF, .ctr = ctr,
	};

	(void)state;
	memset(nodes, 0, sizeof(nodes));
	lists_all_ways(&L, 1);
	/* Interior stack pointers as kernel arguments, too. */
	{
		int src[64], dst[80];

		for (int i = 0; i < 64; i++)
			src[i] = i * i - 7;
		memset(dst, 0xff, sizeof(dst));
		CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, src));
		CHECK(clSetKernelArgSVMPointer(S.copy_ints, 1, dst + 9));
		suite_run(S.queue, S.copy_ints, 64);
		for (int i = 0; i < 80; i++)
			assert_int_equal(dst[i], i >= 9 && i < 73 ?
					 (i - 9) * (i - 9) - 7 : -1);
	}
}

static struct node static_nodes[2 * HALF];
static int static_ctr[3];

static void test_static_data(void **state)
{
	struct lists L = {
		.access = ACCESS_DIRECT, .nlists = NLISTS, .len = LEN,
		.cap = HALF, .a = static_nodes, .b = static_nodes + HALF,
		.ctr = static_ctr,
	};

	(void)state;
	lists_all_ways(&L, 1);
}

static void *map_anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS,
		       -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void test_anonymous_mmap(void **state)
{
	size_t len = (AREA + S.page - 1) / S.page * S.page;
	void *p = map_anon(len, MAP_PRIVATE);
	struct lists L = lists_at(p, NLISTS, LEN);

	(void)state;
	/* Pages never touched by the host: the device faults them in. */
	lists_all_ways(&L, 1);
	assert_int_equal(munmap(p, len), 0);
}

static void test_shared_anonymous_mmap(void **state)
{
	size_t len = (AREA + S.page - 1) / S.page * S.page;
	void *p = map_anon(len, MAP_SHARED);
	struct lists L = lists_at(p, NLISTS, LEN);

	(void)state;
	lists_all_ways(&L, 1);
	assert_int_equal(munmap(p, len), 0);
}

/* One memfd mapped at two addresses: both sides see one set of pages. */
static void test_shared_memfd_two_views(void **state)
{
	size_t len = (AREA + S.page - 1) / S.page * S.page;
	int fd = memfd_create("svmcl-svmsuite", 0);
	unsigned char *v1, *v2;
	int *dst = malloc(len);
	struct lists L;

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(dst);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	v1 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	v2 = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(v1 != MAP_FAILED && v2 != MAP_FAILED);
	assert_ptr_not_equal(v1, v2);

	L = lists_at(v1, NLISTS, LEN);
	lists_all_ways(&L, 1);
	/* The device writes through view 1, the host reads view 2. */
	lists_build_device(&L, 99);
	assert_int_equal(check_image(v2, v1, &L, 99), NLISTS);

	/* The host writes view 1, the device reads view 2. */
	for (size_t i = 0; i < len / sizeof(int); i++)
		((int *)v1)[i] = (int)(i * 2654435761u);
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, v2));
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 1, dst));
	suite_run(S.queue, S.copy_ints, len / sizeof(int));
	assert_memory_equal(dst, v1, len);

	/* The device writes view 2 (pages it already mapped through v1). */
	for (size_t i = 0; i < len / sizeof(int); i++)
		dst[i] = (int)i - 12345;
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, dst));
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 1, v2));
	suite_run(S.queue, S.copy_ints, len / sizeof(int));
	assert_memory_equal(v1, dst, len);

	munmap(v1, len);
	munmap(v2, len);
	close(fd);
	free(dst);
}

/* A temporary file of @len bytes filled with pattern(i) ints. */
static int pattern(size_t i)
{
	return (int)(i ^ 0x5a5a5a5au);
}

static int temp_file(size_t len)
{
	char path[] = "/tmp/svmcl-svmsuite-file-XXXXXX";
	int fd = mkstemp(path);
	int *buf = malloc(len);

	assert_true(fd >= 0);
	assert_non_null(buf);
	unlink(path);
	for (size_t i = 0; i < len / sizeof(int); i++)
		buf[i] = pattern(i);
	assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
	free(buf);
	return fd;
}

static void test_file_mmap_shared(void **state)
{
	size_t len = (AREA + S.page - 1) / S.page * S.page;
	int fd = temp_file(len);
	unsigned char *p, *img = malloc(len);
	int *dst = malloc(len);
	struct lists L;

	(void)state;
	assert_non_null(img);
	assert_non_null(dst);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);

	/* The device reads the file's contents in place. */
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, p));
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 1, dst));
	suite_run(S.queue, S.copy_ints, len / sizeof(int));
	for (size_t i = 0; i < len / sizeof(int); i++)
		assert_int_equal(dst[i], pattern(i));

	L = lists_at(p, NLISTS, LEN);
	lists_all_ways(&L, 1);
	/* The device's last writes reach the file. */
	lists_build_device(&L, 99);
	assert_int_equal(msync(p, len, MS_SYNC), 0);
	assert_int_equal(pread(fd, img, len, 0), (ssize_t)len);
	assert_int_equal(check_image(img, p, &L, 99), NLISTS);
	/* The counters the device incremented are in the file too. */
	assert_int_equal(((int *)(img + ((unsigned char *)L.ctr - p)))[0],
			 NLISTS + NLISTS * ((LEN - 1) / 2));

	munmap(p, len);
	close(fd);
	free(img);
	free(dst);
}

static void test_file_mmap_private(void **state)
{
	size_t len = (AREA + S.page - 1) / S.page * S.page;
	int fd = temp_file(len);
	unsigned char *p, *ro, *img = malloc(len);
	int *dst = malloc(len);
	struct lists L;

	(void)state;
	assert_non_null(img);
	assert_non_null(dst);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ro = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED && ro != MAP_FAILED);

	/* The device reads a private and a read-only view of the file. */
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, p));
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 1, dst));
	suite_run(S.queue, S.copy_ints, len / sizeof(int));
	for (size_t i = 0; i < len / sizeof(int); i++)
		assert_int_equal(dst[i], pattern(i));
	memset(dst, 0, len);
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, ro));
	suite_run(S.queue, S.copy_ints, len / sizeof(int));
	for (size_t i = 0; i < len / sizeof(int); i++)
		assert_int_equal(dst[i], pattern(i));

	/* Device writes copy the pages on write: the file keeps its data. */
	L = lists_at(p, NLISTS, LEN);
	lists_all_ways(&L, 1);
	lists_build_device(&L, 99);
	assert_int_equal(lists_check_host(&L, 99), NLISTS);
	assert_int_equal(msync(p, len, MS_SYNC), 0);
	assert_int_equal(pread(fd, img, len, 0), (ssize_t)len);
	for (size_t i = 0; i < len / sizeof(int); i++)
		assert_int_equal(((int *)img)[i], pattern(i));
	/* The read-only shared view still shows the file, not the copies. */
	for (size_t i = 0; i < len / sizeof(int); i++)
		assert_int_equal(((int *)ro)[i], pattern(i));

	munmap(p, len);
	munmap(ro, len);
	close(fd);
	free(img);
	free(dst);
}

/* Is the 2 MiB at @p backed by a transparent huge page? (smaps) */
static bool thp_backed(const void *p)
{
	char line[256];
	unsigned long lo, hi;
	bool in = false, huge = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long kb;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1 &&
		    kb >= 2048)
			huge = true;
	}
	fclose(f);
	return huge;
}

static void test_transparent_huge_pages(void **state)
{
	const size_t huge = 2u << 20;
	size_t len = 2 * huge;
	unsigned char *raw = map_anon(len, MAP_PRIVATE);
	unsigned char *p = (unsigned char *)(((uintptr_t)raw + huge - 1) &
					     ~(uintptr_t)(huge - 1));
	struct lists L;

	(void)state;
	assert_int_equal(madvise(p, huge, MADV_HUGEPAGE), 0);
	/* 1024 lists of 32 nodes: 768 KiB of nodes, then the counters. */
	L = lists_at(p, 1024, 32);
	lists_all_ways(&L, 1);
	/* Whether the kernel found a huge page is its choice: say which. */
	printf("# note: THP region %s backed by a huge page\n",
	       thp_backed(p) ? "is" : "is not");
	munmap(raw, len);
}

static long nr_hugepages(void)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	long n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

static void test_hugetlbfs(void **state)
{
	const size_t huge = 2u << 20;
	long n = nr_hugepages();
	void *p;
	struct lists L;

	(void)state;
	if (n <= 0) {
		printf("# SKIP: hugetlbfs: /proc/sys/vm/nr_hugepages is %ld\n",
		       n);
		return;
	}
	p = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED) {
		printf("# SKIP: hugetlbfs: %ld pages reserved, but MAP_HUGETLB failed (in use?)\n",
		       n);
		return;
	}
	L = lists_at(p, 1024, 32);
	lists_all_ways(&L, 1);
	munmap(p, huge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap),
		cmocka_unit_test(test_stack),
		cmocka_unit_test(test_static_data),
		cmocka_unit_test(test_anonymous_mmap),
		cmocka_unit_test(test_shared_anonymous_mmap),
		cmocka_unit_test(test_shared_memfd_two_views),
		cmocka_unit_test(test_file_mmap_shared),
		cmocka_unit_test(test_file_mmap_private),
		cmocka_unit_test(test_transparent_huge_pages),
		cmocka_unit_test(test_hugetlbfs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
