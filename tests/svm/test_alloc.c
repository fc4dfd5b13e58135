/* SPDX-License-Identifier: MIT */
/*
 * test_alloc.c - clSVMAlloc flags, alignment and sizes (OpenCL 3.0,
 * 5.6.1 and the "SVM Memory Flags" table), and buffers created over SVM
 * allocations (5.2.1, CL_MEM_USE_HOST_PTR on an SVM pointer).
 *
 * Every subset of the five SVM flag bits is tried: the valid ones (at
 * most one access flag; CL_MEM_SVM_ATOMICS only with
 * CL_MEM_SVM_FINE_GRAIN_BUFFER) allocate at every power-of-two alignment
 * up to the size of long16, give disjoint memory the host and a kernel
 * both use, and accept a buffer over them whose map returns the SVM
 * pointer itself (a larger buffer is CL_INVALID_BUFFER_SIZE); the invalid
 * ones, other cl_mem_flags bits, size 0, sizes above
 * CL_DEVICE_MAX_MEM_ALLOC_SIZE and bad alignments return NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

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

/* The bits clSVMAlloc knows, in the order of the subset index below. */
static const cl_svm_mem_flags svm_bits[] = {
	CL_MEM_READ_WRITE,
	CL_MEM_WRITE_ONLY,
	CL_MEM_READ_ONLY,
	CL_MEM_SVM_FINE_GRAIN_BUFFER,
	CL_MEM_SVM_ATOMICS,
};

static cl_svm_mem_flags subset_flags(unsigned int subset)
{
	cl_svm_mem_flags f = 0;

	for (unsigned int b = 0; b < ARRAY_SIZE(svm_bits); b++)
		if (subset & (1u << b))
			f |= svm_bits[b];
	return f;
}

static bool flags_valid(cl_svm_mem_flags f)
{
	int access = !!(f & CL_MEM_READ_WRITE) + !!(f & CL_MEM_WRITE_ONLY) +
		     !!(f & CL_MEM_READ_ONLY);

	if (access > 1)
		return false;
	if ((f & CL_MEM_SVM_ATOMICS) && !(f & CL_MEM_SVM_FINE_GRAIN_BUFFER))
		return false;
	return true;
}

/* Host access to @p: coarse-grained memory is mapped first. */
static void host_begin(cl_svm_mem_flags f, void *p, size_t size)
{
	if (!(f & CL_MEM_SVM_FINE_GRAIN_BUFFER))
		CHECK(clEnqueueSVMMap(S.queue, CL_TRUE,
				      CL_MAP_READ | CL_MAP_WRITE, p, size, 0,
				      NULL, NULL));
}

static void host_end(cl_svm_mem_flags f, void *p)
{
	if (!(f & CL_MEM_SVM_FINE_GRAIN_BUFFER))
		CHECK(clEnqueueSVMUnmap(S.queue, p, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
}

/*
 * The host fills @p, a kernel copies it out (every flag lets kernels
 * read) and, unless the memory is read-only for kernels, a kernel writes
 * it back and the host sees that.
 */
static void use_allocation(cl_svm_mem_flags f, int *p, size_t n, int seed)
{
	int *tmp = malloc(n * sizeof(int));

	assert_non_null(tmp);
	host_begin(f, p, n * sizeof(int));
	for (size_t i = 0; i < n; i++)
		p[i] = seed + (int)i;
	host_end(f, p);
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, p));
	CHECK(clSetKernelArgSVMPointer(S.copy_ints, 1, tmp));
	suite_run(S.queue, S.copy_ints, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tmp[i], seed + (int)i);
	if (!(f & CL_MEM_READ_ONLY)) {
		for (size_t i = 0; i < n; i++)
			tmp[i] = -seed - (int)i;
		CHECK(clSetKernelArgSVMPointer(S.copy_ints, 0, tmp));
		CHECK(clSetKernelArgSVMPointer(S.copy_ints, 1, p));
		suite_run(S.queue, S.copy_ints, n);
		host_begin(f, p, n * sizeof(int));
		for (size_t i = 0; i < n; i++)
			assert_int_equal(p[i], -seed - (int)i);
		host_end(f, p);
	}
	free(tmp);
}

static void test_valid_flags_and_alignments(void **state)
{
	static const size_t sizes[] = { 4, 1000, 4096, 4100, 300000 };
	void *live[32 * 9];
	size_t live_size[32 * 9];
	size_t nlive = 0;
	int valid = 0;

	(void)state;
	for (unsigned int s = 0; s < 1u << ARRAY_SIZE(svm_bits); s++) {
		cl_svm_mem_flags f = subset_flags(s);

		if (!flags_valid(f))
			continue;
		valid++;
		for (cl_uint align = 0; align <= 128; align = align ? 2 * align : 1) {
			size_t size = sizes[(s + align) % ARRAY_SIZE(sizes)];
			int *p = clSVMAlloc(S.context, f, size, align);

			if (!p)
				fail_msg("clSVMAlloc(flags %#llx, %zu, align %u) failed",
					 (unsigned long long)f, size, align);
			/* 0 asks for the default: the size of long16. */
			assert_int_equal((uintptr_t)p % (align ? align : 128), 0);
			use_allocation(f, p, size / sizeof(int),
				       (int)(s * 1000 + align));
			live[nlive] = p;
			live_size[nlive++] = size;
		}
	}
	/* 4 access choices x (coarse, fine, fine + atomics). */
	assert_int_equal(valid, 12);
	/* Live allocations never overlap. */
	for (size_t i = 0; i < nlive; i++)
		for (size_t j = i + 1; j < nlive; j++) {
			uintptr_t a = (uintptr_t)live[i], b = (uintptr_t)live[j];

			assert_true(a + live_size[i] <= b ||
				    b + live_size[j] <= a);
		}
	for (size_t i = 0; i < nlive; i++)
		clSVMFree(S.context, live[i]);
}

static void test_invalid_flags(void **state)
{
	static const cl_mem_flags other_bits[] = {
		CL_MEM_USE_HOST_PTR,
		CL_MEM_ALLOC_HOST_PTR,
		CL_MEM_COPY_HOST_PTR,
		CL_MEM_HOST_WRITE_ONLY,
		CL_MEM_HOST_READ_ONLY,
		CL_MEM_HOST_NO_ACCESS,
		CL_MEM_KERNEL_READ_AND_WRITE,
		(cl_mem_flags)1 << 30,
		(cl_mem_flags)1 << 63,
	};
	int invalid = 0;

	(void)state;
	for (unsigned int s = 0; s < 1u << ARRAY_SIZE(svm_bits); s++) {
		cl_svm_mem_flags f = subset_flags(s);

		if (flags_valid(f)) {
			/* A valid set plus any other bit is invalid. */
			for (size_t o = 0; o < ARRAY_SIZE(other_bits); o++)
				assert_null(clSVMAlloc(S.context,
						       f | other_bits[o], 64,
						       0));
			continue;
		}
		invalid++;
		assert_null(clSVMAlloc(S.context, f, 64, 0));
	}
	assert_int_equal(invalid, 20);
	/* ATOMICS without fine grain, alone or with each access flag. */
	assert_null(clSVMAlloc(S.context, CL_MEM_SVM_ATOMICS, 64, 0));
	assert_null(clSVMAlloc(S.context, CL_MEM_READ_ONLY |
				CL_MEM_SVM_ATOMICS, 64, 0));
	/* Not a context. */
	assert_null(clSVMAlloc(NULL, CL_MEM_READ_WRITE, 64, 0));
	assert_null(clSVMAlloc((cl_context)S.queue, CL_MEM_READ_WRITE, 64, 0));
}

static void test_sizes_and_alignments(void **state)
{
	static const cl_uint bad_align[] = { 3, 5, 6, 7, 12, 24, 100, 129,
					     256, 4096, 1u << 31 };
	cl_ulong max_alloc = 0;
	void *p;

	(void)state;
	CHECK(clGetDeviceInfo(S.device, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
			      sizeof(max_alloc), &max_alloc, NULL));
	assert_true(max_alloc > 0);
	assert_null(clSVMAlloc(S.context, CL_MEM_READ_WRITE, 0, 0));
	assert_null(clSVMAlloc(S.context, CL_MEM_READ_WRITE |
			       CL_MEM_SVM_FINE_GRAIN_BUFFER, 0, 16));
	assert_null(clSVMAlloc(S.context, CL_MEM_READ_WRITE,
			       (size_t)max_alloc + 1, 0));
	assert_null(clSVMAlloc(S.context, CL_MEM_SVM_FINE_GRAIN_BUFFER,
			       (size_t)max_alloc + 4096, 0));
	assert_null(clSVMAlloc(S.context, CL_MEM_READ_WRITE, SIZE_MAX, 0));
	for (size_t i = 0; i < ARRAY_SIZE(bad_align); i++)
		assert_null(clSVMAlloc(S.context, CL_MEM_READ_WRITE, 64,
				       bad_align[i]));
	/* One byte is a valid size, and usable. */
	p = clSVMAlloc(S.context, CL_MEM_SVM_FINE_GRAIN_BUFFER, 1, 1);
	assert_non_null(p);
	*(char *)p = 5;
	assert_int_equal(*(char *)p, 5);
	clSVMFree(S.context, p);
}

/* A buffer over an SVM allocation of each flag set maps at its pointer. */
static void test_buffer_over_allocation(void **state)
{
	const size_t size = 1024;

	(void)state;
	for (unsigned int s = 0; s < 1u << ARRAY_SIZE(svm_bits); s++) {
		cl_svm_mem_flags f = subset_flags(s);
		cl_mem buf, big;
		size_t got = 0;
		cl_int err = 1;
		char *p, *q;

		if (!flags_valid(f))
			continue;
		p = clSVMAlloc(S.context, f, size, 0);
		assert_non_null(p);
		buf = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, size, p,
				     &err);
		CHECK(err);
		CHECK(clGetMemObjectInfo(buf, CL_MEM_SIZE, sizeof(got), &got,
					 NULL));
		assert_int_equal(got, size);
		q = clEnqueueMapBuffer(S.queue, buf, CL_TRUE,
				       CL_MAP_READ | CL_MAP_WRITE, 0, size, 0,
				       NULL, NULL, &err);
		CHECK(err);
		assert_ptr_equal(q, p);
		memset(q, (int)s, size);
		CHECK(clEnqueueUnmapMemObject(S.queue, buf, q, 0, NULL, NULL));
		/* An interior map is the pointer plus the offset. */
		q = clEnqueueMapBuffer(S.queue, buf, CL_TRUE, CL_MAP_READ, 100,
				       24, 0, NULL, NULL, &err);
		CHECK(err);
		assert_ptr_equal(q, p + 100);
		assert_int_equal(q[23], (char)s);
		CHECK(clEnqueueUnmapMemObject(S.queue, buf, q, 0, NULL, NULL));
		CHECK(clFinish(S.queue));

		/* Larger than the allocation: CL_INVALID_BUFFER_SIZE. */
		err = 1;
		big = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, 2 * size,
				     p, &err);
		assert_null(big);
		assert_int_equal(err, CL_INVALID_BUFFER_SIZE);
		err = 1;
		big = clCreateBuffer(S.context, CL_MEM_USE_HOST_PTR, size,
				     p + 1, &err);
		assert_null(big);
		assert_int_equal(err, CL_INVALID_BUFFER_SIZE);

		CHECK(clReleaseMemObject(buf));
		clSVMFree(S.context, p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_flags_and_alignments),
		cmocka_unit_test(test_invalid_flags),
		cmocka_unit_test(test_sizes_and_alignments),
		cmocka_unit_test(test_buffer_over_allocation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
