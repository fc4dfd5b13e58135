/* SPDX-License-Identifier: MIT */
/*
 * test_shared_address_space.c - SVM buffers are one address space for the
 * host and the device (OpenCL 3.0, 5.6.1 "Shared Virtual Memory"): a
 * pointer stored by one side is followed by the other.
 *
 * Linked lists are built on the device and walked on the host and the
 * other way round, in
 *  - a coarse-grained allocation reached by the host through
 *    clEnqueueSVMMap/Unmap (the "new" API),
 *  - a coarse-grained allocation reached through clEnqueueMapBuffer of a
 *    CL_MEM_USE_HOST_PTR buffer created over it (the "old" API; the kernels
 *    then take the buffers as cl_mem arguments, and the pointers they store
 *    are still SVM pointers),
 *  - a fine-grained buffer, touched by the host with no map at all.
 * Fine-grained system memory (malloc, stack, mmap, ...) is in
 * test_system_memory.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

#define NLISTS 256
#define LEN 32

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

static void test_caps(void **state)
{
	cl_device_svm_capabilities caps = suite_svm_caps();

	(void)state;
	/* svmcl reports all four SVM capabilities; the suite needs them. */
	assert_true(caps & CL_DEVICE_SVM_COARSE_GRAIN_BUFFER);
	assert_true(caps & CL_DEVICE_SVM_FINE_GRAIN_BUFFER);
	assert_true(caps & CL_DEVICE_SVM_FINE_GRAIN_SYSTEM);
	assert_true(caps & CL_DEVICE_SVM_ATOMICS);
}

static void test_coarse_new_api(void **state)
{
	size_t bytes = NLISTS * LEN * sizeof(struct node);
	struct lists L = {
		.access = ACCESS_SVM_MAP, .nlists = NLISTS, .len = LEN,
		.cap = NLISTS * LEN,
	};
	struct node *b;

	(void)state;
	/* The two node arrays are two allocations: lists cross between. */
	L.a = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	L.b = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	L.ctr = clSVMAlloc(S.context, CL_MEM_READ_WRITE, 3 * sizeof(int), 0);
	assert_non_null(L.a);
	assert_non_null(L.b);
	assert_non_null(L.ctr);
	lists_all_ways(&L, 1);
	b = L.b;
	/*
	 * And once more in one allocation: b is an interior pointer to its
	 * second half (each half holds exactly the nodes of its parity).
	 */
	L.cap = NLISTS * LEN / 2;
	L.b = L.a + L.cap;
	lists_all_ways(&L, 10);
	clSVMFree(S.context, L.ctr);
	clSVMFree(S.context, L.a);
	clSVMFree(S.context, b);
}

static void test_coarse_old_api(void **state)
{
	size_t bytes = NLISTS * LEN * sizeof(struct node);
	struct lists L = {
		.access = ACCESS_BUFFER_MAP, .nlists = NLISTS, .len = LEN,
		.cap = NLISTS * LEN,
	};
	void *a = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	void *b = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	cl_bool uses = CL_FALSE;
	size_t size = 0;
	void *host_ptr = NULL;
	cl_int err = 1;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	L.a = a;
	L.b = b;
	L.abuf = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, bytes, a, &err);
	CHECK(err);
	L.bbuf = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, bytes, b, &err);
	CHECK(err);
	/* The counters are an ordinary buffer of the device's own. */
	L.cbuf = clCreateBuffer(S.context, CL_MEM_READ_WRITE, 3 * sizeof(int),
				NULL, &err);
	CHECK(err);

	/* CL_MEM_USES_SVM_POINTER: a cl_bool, TRUE only over SVM memory. */
	CHECK(clGetMemObjectInfo(L.abuf, CL_MEM_USES_SVM_POINTER, 0, NULL,
				 &size));
	assert_int_equal(size, sizeof(cl_bool));
	CHECK(clGetMemObjectInfo(L.abuf, CL_MEM_USES_SVM_POINTER,
				 sizeof(uses), &uses, NULL));
	assert_int_equal(uses, CL_TRUE);
	CHECK(clGetMemObjectInfo(L.cbuf, CL_MEM_USES_SVM_POINTER,
				 sizeof(uses), &uses, NULL));
	assert_int_equal(uses, CL_FALSE);
	CHECK(clGetMemObjectInfo(L.bbuf, CL_MEM_HOST_PTR, sizeof(host_ptr),
				 &host_ptr, NULL));
	assert_ptr_equal(host_ptr, b);

	lists_all_ways(&L, 1);

	/*
	 * The same memory through both APIs: lists the kernels built through
	 * the buffers are checked by a kernel that gets the SVM pointers.
	 */
	lists_build_device(&L, 7);
	{
		struct lists M = L;
		int *ctr = clSVMAlloc(S.context, CL_MEM_READ_WRITE,
				      3 * sizeof(int), 0);

		assert_non_null(ctr);
		M.access = ACCESS_SVM_MAP;
		M.abuf = M.bbuf = M.cbuf = NULL;
		M.ctr = ctr;
		assert_int_equal(lists_check_device(&M, 7), NLISTS);
		assert_int_equal(lists_check_host(&M, 7), NLISTS);
		clSVMFree(S.context, ctr);
	}

	CHECK(clReleaseMemObject(L.abuf));
	CHECK(clReleaseMemObject(L.bbuf));
	CHECK(clReleaseMemObject(L.cbuf));
	clSVMFree(S.context, a);
	clSVMFree(S.context, b);
}

static void test_fine_grain_buffer(void **state)
{
	static const cl_svm_mem_flags flags[] = {
		CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER,
		CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER |
			CL_MEM_SVM_ATOMICS,
	};
	size_t bytes = NLISTS * LEN * sizeof(struct node);

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(flags); f++) {
		struct lists L = {
			.access = ACCESS_DIRECT, .nlists = NLISTS, .len = LEN,
			.cap = NLISTS * LEN,
		};

		L.a = clSVMAlloc(S.context, flags[f], bytes, 0);
		L.b = clSVMAlloc(S.context, flags[f], bytes, 0);
		L.ctr = clSVMAlloc(S.context, flags[f], 3 * sizeof(int), 0);
		assert_non_null(L.a);
		assert_non_null(L.b);
		assert_non_null(L.ctr);
		lists_all_ways(&L, 1 + 10 * (int)f);
		clSVMFree(S.context, L.ctr);
		clSVMFree(S.context, L.a);
		clSVMFree(S.context, L.b);
	}
}

/* A coarse and a fine allocation in one set of lists. */
static void test_mixed_coarse_fine(void **state)
{
	size_t bytes = NLISTS * LEN * sizeof(struct node);
	struct lists L = {
		.access = ACCESS_SVM_MAP, .nlists = NLISTS, .len = LEN,
		.cap = NLISTS * LEN,
	};

	(void)state;
	L.a = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	L.b = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
			 CL_MEM_SVM_FINE_GRAIN_BUFFER, bytes, 0);
	L.ctr = clSVMAlloc(S.context, CL_MEM_READ_WRITE, 3 * sizeof(int), 0);
	assert_non_null(L.a);
	assert_non_null(L.b);
	assert_non_null(L.ctr);
	/* Mapping a fine-grained allocation is allowed and harmless. */
	lists_all_ways(&L, 1);
	clSVMFree(S.context, L.ctr);
	clSVMFree(S.context, L.a);
	clSVMFree(S.context, L.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_coarse_new_api),
		cmocka_unit_test(test_coarse_old_api),
		cmocka_unit_test(test_fine_grain_buffer),
		cmocka_unit_test(test_mixed_coarse_fine),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
