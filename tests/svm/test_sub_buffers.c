/* SPDX-License-Identifier: MIT */
/*
 * test_sub_buffers.c - sub-buffers of buffers created over SVM pointers
 * (OpenCL 3.0, clCreateSubBuffer in 5.2.1 and CL_MEM_HOST_PTR in 5.5.6:
 * a sub-buffer of a CL_MEM_USE_HOST_PTR buffer is host_ptr + origin).
 * Over an SVM allocation that makes its device address the SVM pointer
 * plus the origin.
 *
 *  - A kernel given a sub-buffer reports the address it sees: the SVM
 *    pointer + origin, for every aligned origin in the allocation, over a
 *    coarse and a fine-grained allocation, and over a buffer created at an
 *    interior SVM pointer. Its queries (CL_MEM_HOST_PTR, CL_MEM_OFFSET,
 *    CL_MEM_USES_SVM_POINTER, CL_MEM_ASSOCIATED_MEMOBJECT) and its map
 *    agree; a kernel writing through it changes exactly that window.
 *  - Linked lists whose two node arrays are sub-buffers (the second half
 *    of one allocation, the first half of another), built and walked on
 *    both sides, and walked on the host through the parents' SVM pointers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

static const char kernels[] =
	"kernel void where(global uchar *p, global ulong *out)\n"
	"{\n"
	"	out[0] = (ulong)p;\n"
	"}\n"
	"kernel void stamp(global uint *p, uint v)\n"
	"{\n"
	"	p[get_global_id(0)] = v + (uint)get_global_id(0);\n"
	"}\n";

static cl_kernel where_k, stamp;
static size_t align;	/* CL_DEVICE_MEM_BASE_ADDR_ALIGN, in bytes */

static int setup(void **state)
{
	cl_uint bits = 0;

	(void)state;
	if (suite_open(kernels))
		return -1;
	if (clGetDeviceInfo(S.device, CL_DEVICE_MEM_BASE_ADDR_ALIGN,
			    sizeof(bits), &bits, NULL) != CL_SUCCESS || !bits)
		return -1;
	align = bits / 8;
	where_k = suite_kernel("where");
	stamp = suite_kernel("stamp");
	return where_k && stamp ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (where_k)
		clReleaseKernel(where_k);
	if (stamp)
		clReleaseKernel(stamp);
	suite_close();
	return 0;
}

static cl_mem sub_buffer(cl_mem parent, size_t origin, size_t size)
{
	cl_buffer_region r = { origin, size };
	cl_int err = 1;
	cl_mem m = clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION,
				     &r, &err);

	if (err != CL_SUCCESS)
		fail_msg("clCreateSubBuffer(origin %zu, size %zu): %d", origin,
			 size, err);
	return m;
}

/* Every aligned origin of a buffer of @size bytes over @svm. */
static void addresses(unsigned char *svm, size_t size, bool coarse)
{
	cl_ulong *out = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				   CL_MEM_SVM_FINE_GRAIN_BUFFER,
				   sizeof(cl_ulong), 0);
	cl_int err = 1;
	cl_mem parent;

	assert_non_null(out);
	parent = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, size, svm,
				&err);
	CHECK(err);
	for (size_t origin = 0; origin < size; origin += align) {
		size_t len = size - origin < 3 * align ? size - origin
						       : 3 * align;
		cl_mem sub = sub_buffer(parent, origin, len);
		void *host_ptr = NULL;
		size_t offset = 1;
		cl_bool uses = CL_FALSE;
		cl_mem assoc = NULL;
		unsigned char *map;

		CHECK(clGetMemObjectInfo(sub, CL_MEM_HOST_PTR, sizeof(host_ptr),
					 &host_ptr, NULL));
		assert_ptr_equal(host_ptr, svm + origin);
		CHECK(clGetMemObjectInfo(sub, CL_MEM_OFFSET, sizeof(offset),
					 &offset, NULL));
		assert_int_equal(offset, origin);
		CHECK(clGetMemObjectInfo(sub, CL_MEM_USES_SVM_POINTER,
					 sizeof(uses), &uses, NULL));
		assert_int_equal(uses, CL_TRUE);
		CHECK(clGetMemObjectInfo(sub, CL_MEM_ASSOCIATED_MEMOBJECT,
					 sizeof(assoc), &assoc, NULL));
		assert_ptr_equal(assoc, parent);

		*out = 0;
		CHECK(clSetKernelArg(where_k, 0, sizeof(cl_mem), &sub));
		CHECK(clSetKernelArgSVMPointer(where_k, 1, out));
		suite_run(S.queue, where_k, 1);
		if (*out != (uintptr_t)(svm + origin))
			fail_msg("origin %zu: the kernel sees %#llx, want %p",
				 origin, (unsigned long long)*out,
				 (void *)(svm + origin));

		map = clEnqueueMapBuffer(S.queue, sub, CL_TRUE, CL_MAP_READ, 1,
					 len - 1, 0, NULL, NULL, &err);
		CHECK(err);
		assert_ptr_equal(map, svm + origin + 1);
		CHECK(clEnqueueUnmapMemObject(S.queue, sub, map, 0, NULL,
					      NULL));
		CHECK(clFinish(S.queue));
		CHECK(clReleaseMemObject(sub));
	}

	/* A kernel writing through a sub-buffer writes exactly its window. */
	{
		size_t origin = 2 * align, len = 4 * align;
		size_t n = len / sizeof(cl_uint);
		cl_uint v = 1000;
		cl_mem sub = sub_buffer(parent, origin, len);

		if (coarse)
			CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_WRITE,
					      svm, size, 0, NULL, NULL));
		memset(svm, 0xee, size);
		if (coarse)
			CHECK(clEnqueueSVMUnmap(S.queue, svm, 0, NULL, NULL));
		CHECK(clSetKernelArg(stamp, 0, sizeof(cl_mem), &sub));
		CHECK(clSetKernelArg(stamp, 1, sizeof(v), &v));
		suite_run(S.queue, stamp, n);
		if (coarse)
			CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_READ,
					      svm, size, 0, NULL, NULL));
		for (size_t i = 0; i < size; i++)
			if (i < origin || i >= origin + len)
				assert_int_equal(svm[i], 0xee);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(((cl_uint *)(svm + origin))[i],
					 v + i);
		if (coarse)
			CHECK(clEnqueueSVMUnmap(S.queue, svm, 0, NULL, NULL));
		CHECK(clFinish(S.queue));
		CHECK(clReleaseMemObject(sub));
	}
	CHECK(clReleaseMemObject(parent));
	clSVMFree(S.context, out);
}

static void test_device_address_coarse(void **state)
{
	const size_t size = 64 * 1024;
	unsigned char *p = clSVMAlloc(S.context, CL_MEM_READ_WRITE, size, 0);

	(void)state;
	assert_non_null(p);
	addresses(p, size, true);
	clSVMFree(S.context, p);
}

static void test_device_address_fine(void **state)
{
	const size_t size = 64 * 1024;
	unsigned char *p = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);

	(void)state;
	assert_non_null(p);
	addresses(p, size, false);
	clSVMFree(S.context, p);
}

/* The parent buffer itself starts at an interior SVM pointer. */
static void test_device_address_interior_parent(void **state)
{
	const size_t size = 64 * 1024;
	unsigned char *p = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);

	(void)state;
	assert_non_null(p);
	addresses(p + 8 * align, size - 8 * align, false);
	clSVMFree(S.context, p);
}

static void test_lists_in_sub_buffers(void **state)
{
	const size_t nlists = 256, len = 32;
	/* Each half holds one parity: nlists * len / 2 nodes. */
	const size_t half = nlists * len / 2 * sizeof(struct node);
	const size_t bytes = 2 * half;
	unsigned char *A = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	unsigned char *B = clSVMAlloc(S.context, CL_MEM_READ_WRITE, bytes, 0);
	struct lists L = {
		.access = ACCESS_BUFFER_MAP, .nlists = nlists, .len = (int)len,
		.cap = nlists * len / 2,
	};
	cl_mem pa, pb;
	cl_int err = 1;

	(void)state;
	assert_non_null(A);
	assert_non_null(B);
	assert_int_equal(half % align, 0);
	pa = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, bytes, A, &err);
	CHECK(err);
	pb = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, bytes, B, &err);
	CHECK(err);
	/* Even nodes: the second half of A; odd nodes: the first of B. */
	L.a = (struct node *)(A + half);
	L.b = (struct node *)B;
	L.abuf = sub_buffer(pa, half, half);
	L.bbuf = sub_buffer(pb, 0, half);
	L.cbuf = clCreateBuffer(S.context, CL_MEM_READ_WRITE, 3 * sizeof(int),
				NULL, &err);
	CHECK(err);
	lists_all_ways(&L, 1);

	/* Built through the sub-buffers, walked through the SVM pointers. */
	lists_build_device(&L, 9);
	{
		struct lists M = L;
		int *ctr = clSVMAlloc(S.context, CL_MEM_READ_WRITE,
				      3 * sizeof(int), 0);

		assert_non_null(ctr);
		M.access = ACCESS_SVM_MAP;
		M.abuf = M.bbuf = M.cbuf = NULL;
		M.ctr = ctr;
		assert_int_equal(lists_check_host(&M, 9), (int)nlists);
		assert_int_equal(lists_check_device(&M, 9), (int)nlists);
		clSVMFree(S.context, ctr);
	}

	CHECK(clReleaseMemObject(L.abuf));
	CHECK(clReleaseMemObject(L.bbuf));
	CHECK(clReleaseMemObject(L.cbuf));
	CHECK(clReleaseMemObject(pa));
	CHECK(clReleaseMemObject(pb));
	clSVMFree(S.context, A);
	clSVMFree(S.context, B);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_address_coarse),
		cmocka_unit_test(test_device_address_fine),
		cmocka_unit_test(test_device_address_interior_parent),
		cmocka_unit_test(test_lists_in_sub_buffers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
