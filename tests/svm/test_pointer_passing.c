/* SPDX-License-Identifier: MIT */
/*
 * test_pointer_passing.c - SVM pointers as kernel arguments and SVM
 * pointers stored in SVM memory (OpenCL 3.0, 5.6.1 and
 * clSetKernelArgSVMPointer in 5.9.4).
 *
 *  - Every byte offset of a 256-byte coarse-grained allocation passed to a
 *    kernel with clSetKernelArgSVMPointer: the kernel reads the byte there
 *    and reports the address it got; the result goes through a buffer
 *    created over another SVM allocation, read back with
 *    clEnqueueMapBuffer. The same in a fine-grained buffer and malloc'd
 *    memory.
 *  - Pointers the host stores in SVM memory, to bytes of coarse, fine and
 *    system allocations at odd offsets, followed by the device; pointers
 *    the device stores (interior, computed), followed by the host; and
 *    a chain of pointers hopping between allocations, followed by a
 *    single work-item.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

static const char kernels[] =
	"kernel void verify_char(global uchar *p, global ulong *out,\n"
	"			uchar expected)\n"
	"{\n"
	"	if (get_global_id(0) == 0) {\n"
	"		out[0] = (ulong)p;\n"
	"		out[1] = *p == expected;\n"
	"	}\n"
	"}\n"
	"kernel void follow(global uchar *global const *ptrs,\n"
	"		   global uint *out)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"\n"
	"	out[i] = *ptrs[i];\n"
	"	*ptrs[i] = (uchar)(out[i] + 1);\n"
	"}\n"
	"kernel void publish(global uint *base, global uint *global *ptrs)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"\n"
	"	ptrs[i] = base + 3 * i + 1;\n"
	"	*ptrs[i] = (uint)i * 11u;\n"
	"}\n"
	"typedef struct Hop { global struct Hop *next; uint value; } Hop;\n"
	"kernel void chase(global Hop *h, int steps, global uint *sum)\n"
	"{\n"
	"	uint s = 0;\n"
	"\n"
	"	for (int i = 0; i < steps && h; i++, h = h->next)\n"
	"		s += h->value;\n"
	"	*sum = s;\n"
	"}\n";

static cl_kernel verify_char, follow, publish, chase;

static int setup(void **state)
{
	(void)state;
	if (suite_open(kernels))
		return -1;
	verify_char = suite_kernel("verify_char");
	follow = suite_kernel("follow");
	publish = suite_kernel("publish");
	chase = suite_kernel("chase");
	return verify_char && follow && publish && chase ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (verify_char)
		clReleaseKernel(verify_char);
	if (follow)
		clReleaseKernel(follow);
	if (publish)
		clReleaseKernel(publish);
	if (chase)
		clReleaseKernel(chase);
	suite_close();
	return 0;
}

/*
 * Each byte of @buf (256 bytes, byte i == i) as the kernel's argument;
 * results through the cl_mem @out_buf over the SVM allocation @out.
 */
static void every_offset(unsigned char *buf, cl_mem out_buf)
{
	size_t global = 256;
	cl_int err = 1;

	CHECK(clSetKernelArg(verify_char, 1, sizeof(cl_mem), &out_buf));
	for (int i = 0; i < 256; i++) {
		cl_uchar expected = (cl_uchar)i;
		cl_ulong *res;

		CHECK(clSetKernelArgSVMPointer(verify_char, 0, buf + i));
		CHECK(clSetKernelArg(verify_char, 2, sizeof(expected),
				     &expected));
		CHECK(clEnqueueNDRangeKernel(S.queue, verify_char, 1, NULL,
					     &global, NULL, 0, NULL, NULL));
		res = clEnqueueMapBuffer(S.queue, out_buf, CL_TRUE,
					 CL_MAP_READ | CL_MAP_WRITE, 0,
					 2 * sizeof(cl_ulong), 0, NULL, NULL,
					 &err);
		CHECK(err);
		if (res[0] != (uintptr_t)(buf + i) || res[1] != 1)
			fail_msg("offset %d: the kernel got %#llx (want %p), match %llu",
				 i, (unsigned long long)res[0],
				 (void *)(buf + i), (unsigned long long)res[1]);
		res[0] = res[1] = 0;
		CHECK(clEnqueueUnmapMemObject(S.queue, out_buf, res, 0, NULL,
					      NULL));
	}
	CHECK(clFinish(S.queue));
}

static void test_every_byte_offset(void **state)
{
	cl_ulong *out = clSVMAlloc(S.context, CL_MEM_READ_WRITE,
				   2 * sizeof(cl_ulong), 0);
	unsigned char *coarse = clSVMAlloc(S.context, CL_MEM_READ_WRITE, 256,
					   0);
	unsigned char *fine = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
					 CL_MEM_SVM_FINE_GRAIN_BUFFER, 256, 0);
	unsigned char *sys = malloc(256);
	cl_mem out_buf, coarse_buf;
	unsigned char *map;
	cl_int err = 1;

	(void)state;
	assert_non_null(out);
	assert_non_null(coarse);
	assert_non_null(fine);
	assert_non_null(sys);
	out_buf = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR,
				 2 * sizeof(cl_ulong), out, &err);
	CHECK(err);
	coarse_buf = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, 256, coarse,
				    &err);
	CHECK(err);
	/* The coarse bytes are written through a map of a buffer over them. */
	map = clEnqueueMapBuffer(S.queue, coarse_buf, CL_TRUE,
				 CL_MAP_READ | CL_MAP_WRITE, 0, 256, 0, NULL,
				 NULL, &err);
	CHECK(err);
	assert_ptr_equal(map, coarse);
	for (int i = 0; i < 256; i++)
		map[i] = fine[i] = sys[i] = (unsigned char)i;
	CHECK(clEnqueueUnmapMemObject(S.queue, coarse_buf, map, 0, NULL, NULL));

	every_offset(coarse, out_buf);
	every_offset(fine, out_buf);
	every_offset(sys, out_buf);

	CHECK(clReleaseMemObject(coarse_buf));
	CHECK(clReleaseMemObject(out_buf));
	free(sys);
	clSVMFree(S.context, fine);
	clSVMFree(S.context, coarse);
	clSVMFree(S.context, out);
}

/* Pointers stored by the host into SVM memory, followed by the device. */
static void test_stored_pointers_followed_by_device(void **state)
{
	enum { PER = 16, NPTR = 3 * PER };
	unsigned char *coarse = clSVMAlloc(S.context, CL_MEM_READ_WRITE, 4096,
					   0);
	unsigned char *fine = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
					 CL_MEM_SVM_FINE_GRAIN_BUFFER, 4096, 0);
	unsigned char *sys = malloc(4096);
	unsigned char **ptrs = clSVMAlloc(S.context, CL_MEM_READ_WRITE,
					  NPTR * sizeof(*ptrs), 0);
	cl_uint *out = malloc(NPTR * sizeof(cl_uint));
	unsigned char *bases[3] = { coarse, fine, sys };
	size_t global = NPTR;

	(void)state;
	assert_non_null(coarse);
	assert_non_null(fine);
	assert_non_null(sys);
	assert_non_null(ptrs);
	assert_non_null(out);
	CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_WRITE, coarse, 4096, 0,
			      NULL, NULL));
	CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_WRITE, ptrs,
			      NPTR * sizeof(*ptrs), 0, NULL, NULL));
	for (int b = 0; b < 3; b++) {
		for (int i = 0; i < 4096; i++)
			bases[b][i] = (unsigned char)(i + b);
		for (int i = 0; i < PER; i++)
			ptrs[b * PER + i] = bases[b] + 251 * i + 1;
	}
	CHECK(clEnqueueSVMUnmap(S.queue, coarse, 0, NULL, NULL));
	CHECK(clEnqueueSVMUnmap(S.queue, ptrs, 0, NULL, NULL));
	CHECK(clSetKernelArgSVMPointer(follow, 0, ptrs));
	CHECK(clSetKernelArgSVMPointer(follow, 1, out));
	suite_run(S.queue, follow, global);
	CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_READ, coarse, 4096, 0,
			      NULL, NULL));
	for (int b = 0; b < 3; b++)
		for (int i = 0; i < PER; i++) {
			unsigned char want = (unsigned char)(251 * i + 1 + b);

			assert_int_equal(out[b * PER + i], want);
			assert_int_equal(bases[b][251 * i + 1],
					 (unsigned char)(want + 1));
		}
	CHECK(clEnqueueSVMUnmap(S.queue, coarse, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	free(out);
	free(sys);
	clSVMFree(S.context, ptrs);
	clSVMFree(S.context, fine);
	clSVMFree(S.context, coarse);
}

/* Pointers computed and stored by the device, followed by the host. */
static void test_device_pointers_followed_by_host(void **state)
{
	const size_t n = 1000;
	cl_uint *base = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				   CL_MEM_SVM_FINE_GRAIN_BUFFER,
				   3 * n * sizeof(cl_uint) + 16, 0);
	cl_uint **ptrs = clSVMAlloc(S.context, CL_MEM_READ_WRITE,
				    n * sizeof(*ptrs), 0);

	(void)state;
	assert_non_null(base);
	assert_non_null(ptrs);
	memset(base, 0, 3 * n * sizeof(cl_uint) + 16);
	CHECK(clSetKernelArgSVMPointer(publish, 0, base));
	CHECK(clSetKernelArgSVMPointer(publish, 1, ptrs));
	suite_run(S.queue, publish, n);
	CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_READ, ptrs,
			      n * sizeof(*ptrs), 0, NULL, NULL));
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(ptrs[i], base + 3 * i + 1);
		assert_int_equal(*ptrs[i], i * 11);
	}
	CHECK(clEnqueueSVMUnmap(S.queue, ptrs, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	clSVMFree(S.context, ptrs);
	clSVMFree(S.context, base);
}

struct hop {
	struct hop *next;
	cl_uint value;
};

/* One chain hopping between a fine allocation, the heap and the stack. */
static void test_pointer_chain_across_memory(void **state)
{
	enum { HOPS = 300 };
	struct hop *fine = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER,
				      HOPS * sizeof(struct hop), 0);
	struct hop *heap = calloc(HOPS, sizeof(struct hop));
	struct hop stack[HOPS];
	struct hop *where[3] = { fine, heap, stack };
	cl_uint *sum = malloc(sizeof(*sum)), want = 0;
	int steps = 3 * HOPS;
	struct hop *prev = NULL;

	(void)state;
	assert_non_null(fine);
	assert_non_null(heap);
	assert_non_null(sum);
	for (int i = 3 * HOPS - 1; i >= 0; i--) {
		struct hop *h = &where[i % 3][i / 3];

		h->value = (cl_uint)i * 7 + 1;
		h->next = prev;
		prev = h;
		want += h->value;
	}
	*sum = 0;
	CHECK(clSetKernelArgSVMPointer(chase, 0, prev));
	CHECK(clSetKernelArg(chase, 1, sizeof(steps), &steps));
	CHECK(clSetKernelArgSVMPointer(chase, 2, sum));
	suite_run(S.queue, chase, 1);
	assert_int_equal(*sum, want);
	free(sum);
	free(heap);
	clSVMFree(S.context, fine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte_offset),
		cmocka_unit_test(test_stored_pointers_followed_by_device),
		cmocka_unit_test(test_device_pointers_followed_by_host),
		cmocka_unit_test(test_pointer_chain_across_memory),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
