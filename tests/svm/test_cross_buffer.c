/* SPDX-License-Identifier: MIT */
/*
 * test_cross_buffer.c - pointers from one SVM allocation into another
 * (OpenCL 3.0, 5.6.1: SVM buffers may contain pointers into any SVM
 * buffer of the context), through buffers created over them
 * (CL_MEM_USE_HOST_PTR on an SVM pointer: the buffer's device address is
 * the SVM pointer, so pointers stored through one buffer are valid in
 * the other and on the host).
 *
 * Linked lists whose even nodes live in one allocation and odd nodes in
 * another, built on the device (through cl_mem kernel arguments, with
 * the node counters in an ordinary device buffer) and walked on the host
 * (through clEnqueueMapBuffer), and the other way round:
 *  - two coarse-grained allocations;
 *  - two fine-grained allocations, still reached through buffers;
 *  - one kernel argument a buffer, the other a plain SVM pointer;
 *  - a coarse and a fine-grained allocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

#define NLISTS 512
#define LEN 32
#define BYTES (NLISTS * LEN * sizeof(struct node))

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

static cl_mem over(void *p, size_t size)
{
	cl_int err = 1;
	cl_mem m = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, size, p,
				  &err);

	CHECK(err);
	return m;
}

static void through_buffers(cl_svm_mem_flags fa, cl_svm_mem_flags fb)
{
	struct lists L = {
		.access = ACCESS_BUFFER_MAP, .nlists = NLISTS, .len = LEN,
		.cap = NLISTS * LEN,
	};
	cl_int err = 1;

	L.a = clSVMAlloc(S.context, fa, BYTES, 0);
	L.b = clSVMAlloc(S.context, fb, BYTES, 0);
	assert_non_null(L.a);
	assert_non_null(L.b);
	L.abuf = over(L.a, BYTES);
	L.bbuf = over(L.b, BYTES);
	L.cbuf = clCreateBuffer(S.context, CL_MEM_READ_WRITE, 3 * sizeof(int),
				NULL, &err);
	CHECK(err);
	lists_all_ways(&L, 1);
	CHECK(clReleaseMemObject(L.abuf));
	CHECK(clReleaseMemObject(L.bbuf));
	CHECK(clReleaseMemObject(L.cbuf));
	clSVMFree(S.context, L.a);
	clSVMFree(S.context, L.b);
}

static void test_two_coarse_allocations(void **state)
{
	(void)state;
	through_buffers(CL_MEM_READ_WRITE, CL_MEM_READ_WRITE);
}

static void test_two_fine_allocations(void **state)
{
	(void)state;
	through_buffers(CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER,
			CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER);
}

static void test_coarse_and_fine(void **state)
{
	(void)state;
	through_buffers(CL_MEM_READ_WRITE,
			CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER);
}

/* Argument a is a buffer over the allocation, b an SVM pointer. */
static void test_buffer_and_pointer_arguments(void **state)
{
	struct lists L = {
		.access = ACCESS_SVM_MAP, .nlists = NLISTS, .len = LEN,
		.cap = NLISTS * LEN,
	};

	(void)state;
	L.a = clSVMAlloc(S.context, CL_MEM_READ_WRITE, BYTES, 0);
	L.b = clSVMAlloc(S.context, CL_MEM_READ_WRITE, BYTES, 0);
	L.ctr = clSVMAlloc(S.context, CL_MEM_READ_WRITE, 3 * sizeof(int), 0);
	assert_non_null(L.a);
	assert_non_null(L.b);
	assert_non_null(L.ctr);
	L.abuf = over(L.a, BYTES);
	lists_all_ways(&L, 1);
	CHECK(clReleaseMemObject(L.abuf));
	clSVMFree(S.context, L.a);
	clSVMFree(S.context, L.b);
	clSVMFree(S.context, L.ctr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_coarse_allocations),
		cmocka_unit_test(test_two_fine_allocations),
		cmocka_unit_test(test_coarse_and_fine),
		cmocka_unit_test(test_buffer_and_pointer_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
