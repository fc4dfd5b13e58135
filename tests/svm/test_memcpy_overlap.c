/* SPDX-License-Identifier: MIT */
/*
 * test_memcpy_overlap.c - clEnqueueSVMMemcpy with overlapping source and
 * destination fails with CL_MEM_COPY_OVERLAP (OpenCL 3.0, 5.6.2).
 *
 * For copies of 1, 2, 31, 32 and 4097 bytes, the destination is placed at
 * every offset from -(size - 1) to size - 1 of the source (same range,
 * partial overlaps in both directions, one byte of overlap at either end):
 * each is CL_MEM_COPY_OVERLAP, blocking or not, with or without an event
 * and a wait list, and changes no byte. Offsets of exactly +-size (adjacent
 * ranges) and beyond copy. Done in coarse- and fine-grained allocations and
 * in malloc'd and stack memory (fine-grained system).
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

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 13 + 7);
}

/*
 * @mem is fine-grained or system memory of @len bytes (the host reads it
 * directly to see that nothing changed), or coarse when @coarse.
 */
static void overlap_in(unsigned char *mem, size_t len, bool coarse)
{
	static const size_t sizes[] = { 1, 2, 31, 32, 4097 };
	unsigned char *ref = malloc(len);
	cl_event dep, ev;

	assert_non_null(ref);
	fill(ref, len);
	if (coarse)
		CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_WRITE, mem, len,
				      0, NULL, NULL));
	memcpy(mem, ref, len);
	if (coarse)
		CHECK(clEnqueueSVMUnmap(S.queue, mem, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	/* A completed command, for the wait-list variants. */
	CHECK(clEnqueueSVMMemcpy(S.queue, CL_TRUE, ref, ref + len / 2, 1, 0,
				 NULL, &dep));
	fill(ref, len);

	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t size = sizes[s];
		unsigned char *src = mem + len / 2 - size / 2;

		assert_true(len / 2 >= 2 * size);
		for (long off = -(long)size + 1; off < (long)size; off++) {
			unsigned char *dst = src + off;
			int variant = (int)((size_t)(off + (long)size) % 4);
			cl_event *evp = variant & 1 ? &ev : NULL;
			cl_uint nw = variant & 2 ? 1 : 0;

			if (clEnqueueSVMMemcpy(S.queue, variant < 2, dst, src,
					       size, nw, nw ? &dep : NULL,
					       evp) != CL_MEM_COPY_OVERLAP)
				fail_msg("size %zu, dst = src %+ld: not CL_MEM_COPY_OVERLAP",
					 size, off);
		}
		/* Adjacent either way, and apart: these copy. */
		CHECK(clEnqueueSVMMemcpy(S.queue, CL_TRUE, src + size, src,
					 size, 0, NULL, NULL));
		CHECK(clEnqueueSVMMemcpy(S.queue, CL_TRUE, src - size,
					 src + size, size, 0, NULL, NULL));
		memcpy(ref + (len / 2 - size / 2) + size,
		       ref + (len / 2 - size / 2), size);
		memcpy(ref + (len / 2 - size / 2) - size,
		       ref + (len / 2 - size / 2) + size, size);
	}
	CHECK(clFinish(S.queue));
	/* The overlapping copies changed nothing; the others did copy. */
	if (coarse)
		CHECK(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_READ, mem, len,
				      0, NULL, NULL));
	assert_memory_equal(mem, ref, len);
	if (coarse)
		CHECK(clEnqueueSVMUnmap(S.queue, mem, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	CHECK(clReleaseEvent(dep));
	free(ref);
}

static void test_coarse(void **state)
{
	unsigned char *p = clSVMAlloc(S.context, CL_MEM_READ_WRITE, 32768, 0);

	(void)state;
	assert_non_null(p);
	overlap_in(p, 32768, true);
	clSVMFree(S.context, p);
}

static void test_fine_grain(void **state)
{
	unsigned char *p = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, 32768, 0);

	(void)state;
	assert_non_null(p);
	overlap_in(p, 32768, false);
	clSVMFree(S.context, p);
}

static void test_system(void **state)
{
	unsigned char *heap = malloc(32768);
	unsigned char stack[20000];

	(void)state;
	assert_non_null(heap);
	overlap_in(heap, 32768, false);
	overlap_in(stack, sizeof(stack), false);
	free(heap);
}

/* Two allocations: a copy from one to the other never overlaps. */
static void test_distinct_allocations(void **state)
{
	const size_t len = 8192;
	unsigned char *a = clSVMAlloc(S.context, CL_MEM_SVM_FINE_GRAIN_BUFFER,
				      len, 0);
	unsigned char *b = clSVMAlloc(S.context, CL_MEM_SVM_FINE_GRAIN_BUFFER,
				      len, 0);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	fill(a, len);
	memset(b, 0, len);
	CHECK(clEnqueueSVMMemcpy(S.queue, CL_TRUE, b, a, len, 0, NULL, NULL));
	assert_memory_equal(a, b, len);
	clSVMFree(S.context, a);
	clSVMFree(S.context, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coarse),
		cmocka_unit_test(test_fine_grain),
		cmocka_unit_test(test_system),
		cmocka_unit_test(test_distinct_allocations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
