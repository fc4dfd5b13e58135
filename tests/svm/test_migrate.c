/* SPDX-License-Identifier: MIT */
/*
 * test_migrate.c - clEnqueueSVMMigrateMem (OpenCL 3.0, 5.6.2): migrations
 * to the device and back, of whole allocations (sizes NULL, or a size of
 * 0 for any pointer into the allocation), of interior ranges of a few
 * bytes, of the same allocation twice in one call, on two queues waiting
 * for each other's events, with kernels and the host touching the data in
 * between. Migration is a performance hint: whatever moves, the data
 * stays what the program wrote (checked on the host, never through
 * svmcl's counters). Migrations with CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED
 * are only followed by writes of the whole range, since after them the
 * contents are undefined.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

#define N 65536

static const char kernels[] =
	"kernel void xor3(global uint *restrict a, global uint *restrict b,\n"
	"		 global uint *restrict c)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"\n"
	"	a[i] ^= 0x13579bdfu;\n"
	"	b[i] ^= 0x2468ace0u;\n"
	"	c[i] ^= 0x731fec8fu;\n"
	"}\n";

static cl_kernel xor3;

static int setup(void **state)
{
	(void)state;
	if (suite_open(kernels))
		return -1;
	xor3 = suite_kernel("xor3");
	return xor3 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (xor3)
		clReleaseKernel(xor3);
	suite_close();
	return 0;
}

static cl_uint rnd(cl_uint *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s ^ (*s >> 15);
}

static void wait_all(cl_event *evs, int n)
{
	CHECK(clWaitForEvents((cl_uint)n, evs));
	for (int i = 0; i < n; i++) {
		assert_int_equal(suite_event_status(evs[i]), CL_COMPLETE);
		CHECK(clReleaseEvent(evs[i]));
	}
}

/*
 * Three coarse-grained allocations: filled, migrated away and back, given
 * fresh data through a map, then four rounds of "migrate some ranges, run
 * a kernel that XORs every word" alternating between two queues that wait
 * for each other. Four XORs cancel: the data must be what the host wrote.
 */
static void test_coarse_two_queues(void **state)
{
	cl_uint *want[3], seed = 12345;
	char *m[3];
	size_t global = N;
	const cl_uint zero[4] = { 0 };
	cl_event ev[16];

	(void)state;
	for (int i = 0; i < 3; i++) {
		m[i] = clSVMAlloc(S.context, CL_MEM_READ_WRITE,
				  N * sizeof(cl_uint), 16);
		want[i] = malloc(N * sizeof(cl_uint));
		assert_non_null(m[i]);
		assert_non_null(want[i]);
		for (size_t j = 0; j < N; j++)
			want[i][j] = rnd(&seed);
		CHECK(clSetKernelArgSVMPointer(xor3, (cl_uint)i, m[i]));
	}

	for (int i = 0; i < 3; i++)
		CHECK(clEnqueueSVMMemFill(S.queue, m[i], zero, sizeof(zero),
					  N * sizeof(cl_uint), 0, NULL,
					  &ev[i]));
	{
		const void *p[3] = { m[0], m[1], m[2] };

		CHECK(clEnqueueSVMMigrateMem(S.queue2, 3, p, NULL,
				CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED, 1,
				&ev[2], &ev[3]));
	}
	{
		/* Interior pointers; size 0 names the whole allocation. */
		const void *p[3] = { m[0] + 1, m[1] + 3, m[2] + 5 };
		const size_t sz[3] = { 1, 1, 0 };

		CHECK(clEnqueueSVMMigrateMem(S.queue, 3, p, sz,
					     CL_MIGRATE_MEM_OBJECT_HOST, 1,
					     &ev[3], &ev[4]));
	}
	CHECK(clEnqueueSVMMap(S.queue2, CL_FALSE, CL_MAP_WRITE, m[0],
			      N * sizeof(cl_uint), 1, &ev[4], &ev[5]));
	CHECK(clEnqueueSVMMap(S.queue2, CL_FALSE, CL_MAP_WRITE, m[1],
			      N * sizeof(cl_uint), 0, NULL, &ev[6]));
	CHECK(clEnqueueSVMMap(S.queue2, CL_FALSE, CL_MAP_WRITE, m[2],
			      N * sizeof(cl_uint), 0, NULL, &ev[7]));
	CHECK(clFlush(S.queue));
	CHECK(clFlush(S.queue2));
	assert_int_equal(suite_event_type(ev[3]), CL_COMMAND_SVM_MIGRATE_MEM);
	assert_int_equal(suite_event_type(ev[4]), CL_COMMAND_SVM_MIGRATE_MEM);
	wait_all(ev, 8);

	/* Fresh data over the whole ranges (the content was undefined). */
	for (int i = 0; i < 3; i++) {
		memcpy(m[i], want[i], N * sizeof(cl_uint));
		CHECK(clEnqueueSVMUnmap(S.queue2, m[i], 0, NULL, &ev[i]));
	}
	{
		const void *p[6] = { m[0] + 100, m[1] + 17, m[2] + 1000,
				     m[0] + 101, m[1] + 19, m[2] + 1017 };
		const size_t sz[6] = { 13, 23, 43, 3, 7, 11 };

		CHECK(clEnqueueSVMMigrateMem(S.queue, 6, p, sz, 0, 1, &ev[2],
					     &ev[3]));
		CHECK(clEnqueueNDRangeKernel(S.queue, xor3, 1, NULL, &global,
					     NULL, 0, NULL, &ev[4]));
	}
	{
		const void *p[4] = { m[0] + 8, m[1] + 17, m[2] + 31, m[2] + 83 };
		const size_t sz[4] = { 0, 1, 3, 7 };

		CHECK(clEnqueueSVMMigrateMem(S.queue2, 4, p, sz, 0, 1, &ev[4],
					     &ev[5]));
		CHECK(clEnqueueNDRangeKernel(S.queue2, xor3, 1, NULL, &global,
					     NULL, 0, NULL, &ev[6]));
	}
	{
		const void *p[6] = { m[0] + 64, m[0] + 128, m[1] + 64,
				     m[1] + 128, m[2], m[2] + 64 };
		const size_t sz[6] = { 64, 64, 64, 64, 64, 64 };

		CHECK(clEnqueueSVMMigrateMem(S.queue, 6, p, sz, 0, 1, &ev[6],
					     &ev[7]));
		CHECK(clEnqueueNDRangeKernel(S.queue, xor3, 1, NULL, &global,
					     NULL, 0, NULL, &ev[8]));
	}
	{
		/* The same allocation twice in one list. */
		const void *p[5] = { m[0], m[0], m[1], m[2], m[2] };
		const size_t sz[5] = { 0, 1, 0, 1, 0 };

		CHECK(clEnqueueSVMMigrateMem(S.queue2, 5, p, sz, 0, 1, &ev[8],
					     &ev[9]));
		CHECK(clEnqueueNDRangeKernel(S.queue2, xor3, 1, NULL, &global,
					     NULL, 0, NULL, &ev[10]));
	}
	for (int i = 0; i < 3; i++)
		CHECK(clEnqueueSVMMap(S.queue2, CL_FALSE, CL_MAP_READ, m[i],
				      N * sizeof(cl_uint), 0, NULL,
				      &ev[11 + i]));
	CHECK(clFlush(S.queue));
	CHECK(clFlush(S.queue2));
	wait_all(ev, 14);
	for (int i = 0; i < 3; i++)
		for (size_t j = 0; j < N; j++)
			if (((cl_uint *)m[i])[j] != want[i][j])
				fail_msg("allocation %d word %zu: %08x, want %08x",
					 i, j, ((cl_uint *)m[i])[j], want[i][j]);
	for (int i = 0; i < 3; i++)
		CHECK(clEnqueueSVMUnmap(S.queue2, m[i], 0, NULL, NULL));
	{
		void *p[3] = { m[0], m[1], m[2] };

		CHECK(clEnqueueSVMFree(S.queue2, 3, p, NULL, NULL, 0, NULL,
				       NULL));
	}
	CHECK(clFinish(S.queue2));
	for (int i = 0; i < 3; i++)
		free(want[i]);
}

/*
 * Fine-grained buffer and malloc'd memory: the host reads and writes some
 * words while the rest sits where a migration put it, kernels run on it
 * there, and nothing is lost whichever way the pages go.
 */
static void migrate_touch(cl_uint *a, cl_uint *b, cl_uint *c, bool system)
{
	cl_uint *want[3], *m[3] = { a, b, c }, seed = 99;
	size_t global = N;

	for (int i = 0; i < 3; i++) {
		want[i] = malloc(N * sizeof(cl_uint));
		assert_non_null(want[i]);
		for (size_t j = 0; j < N; j++)
			m[i][j] = want[i][j] = rnd(&seed);
		CHECK(clSetKernelArgSVMPointer(xor3, (cl_uint)i, m[i]));
	}
	for (int round = 0; round < 6; round++) {
		const void *p[3] = { a + 1000 * round, b + 7, c + N / 2 };
		/* System memory has no allocation to name: give sizes. */
		const size_t sz[3] = {
			system ? (N - 1000 * round) * sizeof(cl_uint) : 0,
			system ? 4093 : 1, 12345,
		};
		cl_mem_migration_flags to = round & 1 ?
			CL_MIGRATE_MEM_OBJECT_HOST : 0;

		CHECK(clEnqueueSVMMigrateMem(S.queue, 3, p, sz, to, 0, NULL,
					     NULL));
		CHECK(clFinish(S.queue));
		/* The host touches a scattering of words in place. */
		for (size_t j = (size_t)round; j < N; j += 997) {
			for (int i = 0; i < 3; i++) {
				assert_int_equal(m[i][j], want[i][j]);
				m[i][j] = want[i][j] = ~want[i][j] + (cl_uint)j;
			}
		}
		suite_run(S.queue, xor3, global);
		for (size_t j = 0; j < N; j++) {
			want[0][j] ^= 0x13579bdfu;
			want[1][j] ^= 0x2468ace0u;
			want[2][j] ^= 0x731fec8fu;
		}
	}
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(m[i], want[i], N * sizeof(cl_uint));
		free(want[i]);
	}
}

static void test_fine_grain_buffer_touched(void **state)
{
	cl_uint *m[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		m[i] = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				  CL_MEM_SVM_FINE_GRAIN_BUFFER,
				  N * sizeof(cl_uint), 0);
		assert_non_null(m[i]);
	}
	migrate_touch(m[0], m[1], m[2], false);
	for (int i = 0; i < 3; i++)
		clSVMFree(S.context, m[i]);
}

static void test_system_memory_touched(void **state)
{
	cl_uint *m[3];

	(void)state;
	/*
	 * Page-aligned heap blocks of whole pages: the page-rounded ranges
	 * stay inside them (see test_heap_neighbours for unaligned blocks).
	 */
	for (int i = 0; i < 3; i++) {
		void *p = NULL;

		assert_int_equal(posix_memalign(&p, S.page,
						N * sizeof(cl_uint)), 0);
		m[i] = p;
	}
	migrate_touch(m[0], m[1], m[2], true);
	for (int i = 0; i < 3; i++)
		free(m[i]);
}

/*
 * A range inside an ordinary malloc block: migration moves whole pages,
 * so the pages also hold the allocator's neighbouring bytes, which must
 * survive the round trip like the application's. Run as its own meson
 * test (argument "heap-neighbours"): under AddressSanitizer svmcl's page
 * copy trips over the allocator's redzones (docs/svm.md, known bugs).
 */
static void test_heap_neighbours(void **state)
{
	cl_uint *m[3];

	(void)state;
	for (int i = 0; i < 3; i++) {
		m[i] = malloc(N * sizeof(cl_uint));
		assert_non_null(m[i]);
	}
	migrate_touch(m[0], m[1], m[2], true);
	for (int i = 0; i < 3; i++)
		free(m[i]);
}

/* Linked lists survive a migration of their nodes both ways. */
static void test_lists_migrated(void **state)
{
	const size_t bytes = 256 * 32 * sizeof(struct node);
	struct lists L = {
		.access = ACCESS_SVM_MAP, .nlists = 256, .len = 32,
		.cap = 256 * 32,
	};
	const void *p[2];

	(void)state;
	L.a = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	L.b = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	L.ctr = clSVMAlloc(S.context, CL_MEM_READ_WRITE, 3 * sizeof(int), 0);
	assert_non_null(L.a);
	assert_non_null(L.b);
	assert_non_null(L.ctr);
	p[0] = L.a;
	p[1] = L.b;
	lists_build_host(&L, 5);
	CHECK(clEnqueueSVMMigrateMem(S.queue, 2, p, NULL, 0, 0, NULL, NULL));
	assert_int_equal(lists_check_device(&L, 5), 256);
	lists_build_device(&L, 6);
	CHECK(clEnqueueSVMMigrateMem(S.queue, 2, p, NULL,
				     CL_MIGRATE_MEM_OBJECT_HOST, 0, NULL,
				     NULL));
	assert_int_equal(lists_check_host(&L, 6), 256);
	CHECK(clEnqueueSVMMigrateMem(S.queue, 1, p + 1, NULL, 0, 0, NULL,
				     NULL));
	assert_int_equal(lists_check_host(&L, 6), 256);
	clSVMFree(S.context, L.a);
	clSVMFree(S.context, L.b);
	clSVMFree(S.context, L.ctr);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coarse_two_queues),
		cmocka_unit_test(test_fine_grain_buffer_touched),
		cmocka_unit_test(test_system_memory_touched),
		cmocka_unit_test(test_lists_migrated),
	};
	const struct CMUnitTest heap[] = {
		cmocka_unit_test(test_heap_neighbours),
	};

	if (argc > 1 && strcmp(argv[1], "heap-neighbours") == 0)
		return cmocka_run_group_tests(heap, setup, teardown);
	return cmocka_run_group_tests(tests, setup, teardown);
}
