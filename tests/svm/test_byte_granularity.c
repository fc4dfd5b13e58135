/* SPDX-License-Identifier: MIT */
/*
 * test_byte_granularity.c - fine-grained SVM is shared at byte
 * granularity (OpenCL 3.0, 3.3.6 "Memory Model: Fine-grained SVM" and
 * cl_khr_byte_addressable_store, core since 1.1): writers of different
 * bytes of one word, on the device and on the host at the same time, never
 * lose each other's bytes.
 *
 * Byte i of a buffer belongs to writer i % nids. Some writers are kernels
 * (one NDRange each, spread over two queues, all in flight at once), the
 * others host threads that write their bytes while the kernels run. Then
 * every byte must hold its owner's id, checked on the host and by a kernel
 * (which also checks the sum of each run of nids neighbours, as a reader
 * crossing word boundaries sees them). Done in a fine-grained buffer and
 * in malloc'd memory (fine-grained system), for 2, 3, 5 and 8 writers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "svm_suite.h"

#define NBYTES (4u << 20)

static const char kernels[] =
	"kernel void write_owned(global uchar *a, uint nids, uint id)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"\n"
	"	if (i % nids == id)\n"
	"		a[i] = (uchar)id;\n"
	"}\n"
	"kernel void check_owned(global const uchar *a, uint nids,\n"
	"			volatile global uint *errors)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	uint sum = 0;\n"
	"\n"
	"	if (a[i] != i % nids)\n"
	"		atomic_inc(&errors[0]);\n"
	"	for (uint j = 0; j < nids; j++)\n"
	"		sum += a[i + j];\n"
	"	if (sum != nids * (nids - 1) / 2)\n"
	"		atomic_inc(&errors[1]);\n"
	"}\n";

static cl_kernel write_owned, check_owned;

static int setup(void **state)
{
	(void)state;
	if (suite_open(kernels))
		return -1;
	write_owned = suite_kernel("write_owned");
	check_owned = suite_kernel("check_owned");
	return write_owned && check_owned ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (write_owned)
		clReleaseKernel(write_owned);
	if (check_owned)
		clReleaseKernel(check_owned);
	suite_close();
	return 0;
}

struct host_writer {
	unsigned char *a;
	unsigned int nids, id;
};

static void *host_write(void *arg)
{
	const struct host_writer *w = arg;

	for (size_t i = w->id; i < NBYTES; i += w->nids)
		w->a[i] = (unsigned char)w->id;
	return NULL;
}

static void bytes_test(unsigned char *a, unsigned int nids)
{
	unsigned int nhost = nids > 2 ? 2 : 1;
	unsigned int ndev = nids - nhost;
	struct host_writer w[2];
	pthread_t th[2];
	cl_uint *errors = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				     CL_MEM_SVM_FINE_GRAIN_BUFFER,
				     2 * sizeof(cl_uint), 0);
	size_t n = NBYTES, n_check = NBYTES - nids;

	assert_non_null(errors);
	memset(a, 0xff, NBYTES);
	errors[0] = errors[1] = 0;

	/* Every device writer in flight, then the host writers. */
	CHECK(clSetKernelArgSVMPointer(write_owned, 0, a));
	CHECK(clSetKernelArg(write_owned, 1, sizeof(nids), &nids));
	for (cl_uint id = 0; id < ndev; id++) {
		CHECK(clSetKernelArg(write_owned, 2, sizeof(id), &id));
		CHECK(clEnqueueNDRangeKernel(id & 1 ? S.queue2 : S.queue,
					     write_owned, 1, NULL, &n, NULL, 0,
					     NULL, NULL));
	}
	CHECK(clFlush(S.queue));
	CHECK(clFlush(S.queue2));
	for (unsigned int h = 0; h < nhost; h++) {
		w[h] = (struct host_writer){ a, nids, ndev + h };
		assert_int_equal(pthread_create(&th[h], NULL, host_write,
						&w[h]), 0);
	}
	for (unsigned int h = 0; h < nhost; h++)
		assert_int_equal(pthread_join(th[h], NULL), 0);
	CHECK(clFinish(S.queue));
	CHECK(clFinish(S.queue2));

	/* The host sees every writer's bytes. */
	for (size_t i = 0; i < NBYTES; i++)
		if (a[i] != i % nids)
			fail_msg("%u writers: byte %zu is %u, owner %zu",
				 nids, i, a[i], i % nids);
	/* So does the device. */
	CHECK(clSetKernelArgSVMPointer(check_owned, 0, a));
	CHECK(clSetKernelArg(check_owned, 1, sizeof(nids), &nids));
	CHECK(clSetKernelArgSVMPointer(check_owned, 2, errors));
	CHECK(clEnqueueNDRangeKernel(S.queue, check_owned, 1, NULL, &n_check,
				     NULL, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	assert_int_equal(errors[0], 0);
	assert_int_equal(errors[1], 0);
	clSVMFree(S.context, errors);
}

static void test_fine_grain_buffer(void **state)
{
	static const unsigned int nids[] = { 2, 3, 5, 8 };
	unsigned char *a = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, NBYTES, 0);

	(void)state;
	assert_non_null(a);
	for (size_t i = 0; i < ARRAY_SIZE(nids); i++)
		bytes_test(a, nids[i]);
	clSVMFree(S.context, a);
}

static void test_fine_grain_system(void **state)
{
	static const unsigned int nids[] = { 2, 3, 5, 8 };
	unsigned char *a = malloc(NBYTES);

	(void)state;
	assert_non_null(a);
	for (size_t i = 0; i < ARRAY_SIZE(nids); i++)
		bytes_test(a, nids[i]);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fine_grain_buffer),
		cmocka_unit_test(test_fine_grain_system),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
