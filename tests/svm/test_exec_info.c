/* SPDX-License-Identifier: MIT */
/*
 * test_exec_info.c - clSetKernelExecInfo (OpenCL 3.0, 5.9.5):
 * CL_KERNEL_EXEC_INFO_SVM_PTRS names SVM allocations a kernel reaches only
 * through pointers stored elsewhere, and
 * CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM says whether it may reach any
 * system memory.
 *
 *  - A struct of three pointers in a coarse-grained allocation, itself
 *    given as the SVM_PTRS list (the list is read at the call: the
 *    struct's three pointers are what the kernel uses), with the data
 *    set and checked through maps of buffers created over the allocations;
 *    then the list cleared with (0, NULL) and the kernel run again.
 *  - SVM_FINE_GRAIN_SYSTEM CL_FALSE with only SVM allocations named;
 *    CL_TRUE with malloc'd and stack memory reached through pointers and
 *    no SVM_PTRS at all; toggled back and forth between launches.
 *  - The settings belong to the kernel object: changing arguments keeps
 *    them, and clCloneKernel copies them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

#define N 4096

static const char kernels[] =
	"typedef struct {\n"
	"	global int *a;\n"
	"	global int *b;\n"
	"	global int *c;\n"
	"} Ptrs;\n"
	"kernel void bump(global Ptrs *p)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"\n"
	"	p->a[i]++;\n"
	"	p->b[i] += 2;\n"
	"	p->c[i] += 3;\n"
	"}\n";

static cl_kernel bump;

struct ptrs {
	int *a, *b, *c;
};

static int setup(void **state)
{
	(void)state;
	if (suite_open(kernels))
		return -1;
	bump = suite_kernel("bump");
	return bump ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (bump)
		clReleaseKernel(bump);
	suite_close();
	return 0;
}

static void *map_buf(cl_mem m, size_t size)
{
	cl_int err = 1;
	void *p = clEnqueueMapBuffer(S.queue, m, CL_TRUE,
				     CL_MAP_READ | CL_MAP_WRITE, 0, size, 0,
				     NULL, NULL, &err);

	CHECK(err);
	return p;
}

static void test_svm_ptrs_struct(void **state)
{
	const size_t size = N * sizeof(int);
	int *a = clSVMAlloc(S.context, CL_MEM_READ_WRITE, size, 0);
	int *b = clSVMAlloc(S.context, CL_MEM_READ_WRITE, size, 0);
	int *c = clSVMAlloc(S.context, CL_MEM_READ_WRITE, size, 0);
	struct ptrs *p = clSVMAlloc(S.context, CL_MEM_READ_WRITE, sizeof(*p), 0);
	cl_mem ba, bb, bc, bp;
	size_t global = N;
	cl_int err = 1;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_non_null(p);
	ba = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, size, a, &err);
	CHECK(err);
	bb = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, size, b, &err);
	CHECK(err);
	bc = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, size, c, &err);
	CHECK(err);
	bp = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, sizeof(*p), p,
			    &err);
	CHECK(err);
	assert_ptr_equal(map_buf(ba, size), a);
	assert_ptr_equal(map_buf(bb, size), b);
	assert_ptr_equal(map_buf(bc, size), c);
	assert_ptr_equal(map_buf(bp, sizeof(*p)), p);
	for (int i = 0; i < N; i++)
		a[i] = b[i] = c[i] = i;
	*p = (struct ptrs){ a, b, c };
	CHECK(clEnqueueUnmapMemObject(S.queue, ba, a, 0, NULL, NULL));
	CHECK(clEnqueueUnmapMemObject(S.queue, bb, b, 0, NULL, NULL));
	CHECK(clEnqueueUnmapMemObject(S.queue, bc, c, 0, NULL, NULL));

	/* The list is p's contents: the three pointers, read now. */
	CHECK(clSetKernelArgSVMPointer(bump, 0, p));
	CHECK(clSetKernelExecInfo(bump, CL_KERNEL_EXEC_INFO_SVM_PTRS,
				  sizeof(*p), p));
	CHECK(clEnqueueUnmapMemObject(S.queue, bp, p, 0, NULL, NULL));
	suite_run(S.queue, bump, global);
	/* Cleared: still a valid kernel (this device mirrors everything). */
	CHECK(clSetKernelExecInfo(bump, CL_KERNEL_EXEC_INFO_SVM_PTRS, 0,
				  NULL));
	suite_run(S.queue, bump, global);

	assert_ptr_equal(map_buf(ba, size), a);
	assert_ptr_equal(map_buf(bb, size), b);
	assert_ptr_equal(map_buf(bc, size), c);
	for (int i = 0; i < N; i++) {
		assert_int_equal(a[i], i + 2);
		assert_int_equal(b[i], i + 4);
		assert_int_equal(c[i], i + 6);
	}
	CHECK(clEnqueueUnmapMemObject(S.queue, ba, a, 0, NULL, NULL));
	CHECK(clEnqueueUnmapMemObject(S.queue, bb, b, 0, NULL, NULL));
	CHECK(clEnqueueUnmapMemObject(S.queue, bc, c, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	CHECK(clReleaseMemObject(ba));
	CHECK(clReleaseMemObject(bb));
	CHECK(clReleaseMemObject(bc));
	CHECK(clReleaseMemObject(bp));
	clSVMFree(S.context, a);
	clSVMFree(S.context, b);
	clSVMFree(S.context, c);
	clSVMFree(S.context, p);
}

static void check_bumped(const struct ptrs *p, int times)
{
	for (int i = 0; i < N; i++) {
		assert_int_equal(p->a[i], i + times);
		assert_int_equal(p->b[i], -i + 2 * times);
		assert_int_equal(p->c[i], 7 * i + 3 * times);
	}
}

static void init(struct ptrs *p)
{
	for (int i = 0; i < N; i++) {
		p->a[i] = i;
		p->b[i] = -i;
		p->c[i] = 7 * i;
	}
}

static void test_fine_grain_system_switch(void **state)
{
	const cl_svm_mem_flags fine = CL_MEM_READ_WRITE |
		CL_MEM_SVM_FINE_GRAIN_BUFFER;
	cl_bool off = CL_FALSE, on = CL_TRUE;
	struct ptrs *svm = clSVMAlloc(S.context, fine, sizeof(*svm), 0);
	struct ptrs *sys = malloc(sizeof(*sys));
	int stack_c[N];
	void *named[3];
	size_t global = N;
	cl_kernel clone;
	cl_int err = 1;

	(void)state;
	assert_non_null(svm);
	assert_non_null(sys);
	for (int i = 0; i < 3; i++) {
		named[i] = clSVMAlloc(S.context, fine, N * sizeof(int), 0);
		assert_non_null(named[i]);
	}
	*svm = (struct ptrs){ named[0], named[1], named[2] };
	*sys = (struct ptrs){ malloc(N * sizeof(int)), malloc(N * sizeof(int)),
			      stack_c };
	assert_non_null(sys->a);
	assert_non_null(sys->b);
	init(svm);
	init(sys);

	/* Off: only SVM allocations, all of them named. */
	CHECK(clSetKernelExecInfo(bump,
				  CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(off), &off));
	CHECK(clSetKernelExecInfo(bump, CL_KERNEL_EXEC_INFO_SVM_PTRS,
				  sizeof(named), named));
	CHECK(clSetKernelArgSVMPointer(bump, 0, svm));
	suite_run(S.queue, bump, global);
	check_bumped(svm, 1);

	/* On, nothing named: heap and stack through the pointers. */
	CHECK(clSetKernelExecInfo(bump, CL_KERNEL_EXEC_INFO_SVM_PTRS, 0,
				  NULL));
	CHECK(clSetKernelExecInfo(bump,
				  CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(on), &on));
	CHECK(clSetKernelArgSVMPointer(bump, 0, sys));
	suite_run(S.queue, bump, global);
	check_bumped(sys, 1);

	/* A clone carries the settings; new arguments do not reset them. */
	clone = clCloneKernel(bump, &err);
	CHECK(err);
	assert_non_null(clone);
	suite_run(S.queue, clone, global);
	check_bumped(sys, 2);
	CHECK(clSetKernelArgSVMPointer(clone, 0, svm));
	suite_run(S.queue, clone, global);
	check_bumped(svm, 2);

	/* Back off, with the SVM allocations named again, and on again. */
	CHECK(clSetKernelExecInfo(bump,
				  CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(off), &off));
	CHECK(clSetKernelExecInfo(bump, CL_KERNEL_EXEC_INFO_SVM_PTRS,
				  sizeof(named), named));
	CHECK(clSetKernelArgSVMPointer(bump, 0, svm));
	suite_run(S.queue, bump, global);
	check_bumped(svm, 3);
	CHECK(clSetKernelExecInfo(bump,
				  CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(on), &on));
	CHECK(clSetKernelArgSVMPointer(bump, 0, sys));
	suite_run(S.queue, bump, global);
	check_bumped(sys, 3);

	CHECK(clReleaseKernel(clone));
	free(sys->a);
	free(sys->b);
	free(sys);
	for (int i = 0; i < 3; i++)
		clSVMFree(S.context, named[i]);
	clSVMFree(S.context, svm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svm_ptrs_struct),
		cmocka_unit_test(test_fine_grain_system_switch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
