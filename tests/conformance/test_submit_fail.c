/* SPDX-License-Identifier: MIT */
/*
 * test_submit_fail.c - a queue whose submit thread cannot start, through
 * the ICD loader: every enqueue, blocking ones included, fails with
 * CL_OUT_OF_RESOURCES and leaves nothing behind (no event, no mapping).
 *
 * The test program exports its own pthread_create (export_dynamic), which
 * the ICD binds to; it fails with EAGAIN while @fail_threads is set and
 * otherwise calls the C library's.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sync_util.h"

static atomic_int fail_threads;

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *,
			   void *(*)(void *), void *);

	if (atomic_load(&fail_threads))
		return EAGAIN;
	/*
	 * Under AddressSanitizer the next pthread_create is its interceptor,
	 * which this definition hides: call it, or its thread registry
	 * misses the thread (and aborts in pthread_join).
	 */
	if (!real)
		real = (int (*)(pthread_t *, const pthread_attr_t *,
				void *(*)(void *), void *))
			dlsym(RTLD_DEFAULT, "__interceptor_pthread_create");
	if (!real)
		real = (int (*)(pthread_t *, const pthread_attr_t *,
				void *(*)(void *), void *))
			dlsym(RTLD_NEXT, "pthread_create");
	return real(thread, attr, start, arg);
}

static void test_blocking_commands(void **state)
{
	cl_command_queue q;
	cl_event ev = NULL;
	cl_uint count = 7;
	cl_mem m;
	char host[64] = { 0 };
	void *p;
	cl_int err;

	m = clCreateBuffer(T.context, 0, sizeof(host), NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	/* A new queue starts its submit thread at its first enqueue. */
	q = clCreateCommandQueueWithProperties(T.context, T.device, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);

	atomic_store(&fail_threads, 1);
	assert_int_equal(clEnqueueReadBuffer(q, m, CL_TRUE, 0, sizeof(host),
					     host, 0, NULL, &ev),
			 CL_OUT_OF_RESOURCES);
	assert_null(ev);
	assert_int_equal(clEnqueueWriteBuffer(q, m, CL_TRUE, 0, sizeof(host),
					      host, 0, NULL, NULL),
			 CL_OUT_OF_RESOURCES);
	assert_int_equal(clEnqueueReadBuffer(q, m, CL_FALSE, 0, sizeof(host),
					     host, 0, NULL, &ev),
			 CL_OUT_OF_RESOURCES);
	assert_null(ev);
	err = CL_SUCCESS;
	p = clEnqueueMapBuffer(q, m, CL_TRUE, CL_MAP_READ, 0, sizeof(host), 0,
			       NULL, NULL, &err);
	assert_null(p);
	assert_int_equal(err, CL_OUT_OF_RESOURCES);
	CHECK(clGetMemObjectInfo(m, CL_MEM_MAP_COUNT, sizeof(count), &count,
				 NULL));
	assert_int_equal(count, 0);
	assert_int_equal(clEnqueueMarkerWithWaitList(q, 0, NULL, &ev),
			 CL_OUT_OF_RESOURCES);
	assert_null(ev);
	atomic_store(&fail_threads, 0);

	/* The queue works once threads can start again. */
	CHECK(clEnqueueWriteBuffer(q, m, CL_TRUE, 0, 6, "hello", 0, NULL,
				   NULL));
	CHECK(clEnqueueReadBuffer(q, m, CL_TRUE, 0, 6, host, 0, NULL, NULL));
	assert_string_equal(host, "hello");
	CHECK(clFinish(q));
	CHECK(clReleaseCommandQueue(q));
	CHECK(clReleaseMemObject(m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocking_commands),
	};

	return cmocka_run_group_tests_name("submit thread failure", tests,
					   sync_setup, sync_teardown);
}
