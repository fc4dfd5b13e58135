/* SPDX-License-Identifier: MIT */
/*
 * test_threads.c - the API from many host threads at once.
 *
 * THREADS threads run ITERS iterations each. One iteration creates a
 * private queue (in-order and out-of-order in turn), an SVM allocation,
 * three kernels from the one shared program and a user event, then
 * chains three additions on the allocation:
 *
 *	e1: +1 on the private queue, after the user event and after the
 *	    newest command another thread published (a cross-thread wait);
 *	e2: +2 on the queue all threads share, after e1;
 *	    a marker on the private queue after e2;
 *	e3: +4 enqueued on the private queue by e2's CL_COMPLETE callback.
 *
 * and checks that every element ends at 7. Failures in the threads are
 * collected (cmocka asserts only on the main thread).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sync_util.h"

enum { THREADS = 4, ITERS = 16, N = 256 };

static cl_command_queue shared_q;

/* The newest e2 of each thread, for the others to wait on. */
static struct {
	pthread_mutex_t lock;
	cl_event slot[THREADS];
} pub = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct {
	pthread_mutex_t lock;
	int count;
	char first[256];
} failures = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void fail_at(int line, const char *what, long value)
{
	pthread_mutex_lock(&failures.lock);
	if (!failures.count++)
		snprintf(failures.first, sizeof(failures.first),
			 "line %d: %s (%ld)", line, what, value);
	pthread_mutex_unlock(&failures.lock);
}

#define TRY(call) \
	do { \
		cl_int e_ = (call); \
		if (e_ != CL_SUCCESS) { \
			fail_at(__LINE__, #call, e_); \
			goto out; \
		} \
	} while (0)

#define EXPECT(cond, value) \
	do { \
		if (!(cond)) { \
			fail_at(__LINE__, #cond, (long)(value)); \
			goto out; \
		} \
	} while (0)

struct chain {
	cl_command_queue q;
	cl_kernel k;
	cl_event out;
	atomic_int done;
};

/* Runs on whichever thread completes e2: enqueue the last step. */
static void CL_CALLBACK enqueue_cb(cl_event ev, cl_int status, void *data)
{
	struct chain *c = data;
	size_t n = N;

	if (status == CL_COMPLETE &&
	    clEnqueueNDRangeKernel(c->q, c->k, 1, NULL, &n, NULL, 1, &ev,
				   &c->out) != CL_SUCCESS)
		c->out = NULL;
	atomic_store(&c->done, 1);
}

static cl_kernel add_kernel(int *p, int v)
{
	cl_kernel k = clCreateKernel(T.program, "add", NULL);

	if (!k)
		return NULL;
	if (clSetKernelArgSVMPointer(k, 0, p) != CL_SUCCESS ||
	    clSetKernelArg(k, 1, sizeof(v), &v) != CL_SUCCESS) {
		clReleaseKernel(k);
		return NULL;
	}
	return k;
}

static void iteration(int self, int it)
{
	cl_queue_properties props[] = {
		CL_QUEUE_PROPERTIES,
		(it & 1) ? CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE : 0, 0
	};
	struct chain c = { 0 };
	cl_command_queue q = NULL;
	cl_kernel k1 = NULL, k2 = NULL;
	cl_event u = NULL, nb = NULL, e1 = NULL, e2 = NULL, m = NULL;
	cl_event list[2], old;
	size_t n = N;
	cl_int err = CL_SUCCESS;
	int *p = NULL;

	q = clCreateCommandQueueWithProperties(T.context, T.device, props,
					       &err);
	TRY(err);
	p = clSVMAlloc(T.context, CL_MEM_READ_WRITE, N * sizeof(int), 0);
	EXPECT(p != NULL, 0);
	memset(p, 0, N * sizeof(int));
	k1 = add_kernel(p, 1);
	k2 = add_kernel(p, 2);
	c.k = add_kernel(p, 4);
	c.q = q;
	EXPECT(k1 && k2 && c.k, 0);
	u = clCreateUserEvent(T.context, &err);
	TRY(err);

	list[0] = u;
	pthread_mutex_lock(&pub.lock);
	nb = pub.slot[(self + 1) % THREADS];
	if (nb)
		clRetainEvent(nb);
	pthread_mutex_unlock(&pub.lock);
	if (nb)
		list[1] = nb;

	TRY(clEnqueueNDRangeKernel(q, k1, 1, NULL, &n, NULL, nb ? 2 : 1, list,
				   &e1));
	TRY(clEnqueueNDRangeKernel(shared_q, k2, 1, NULL, &n, NULL, 1, &e1,
				   &e2));
	TRY(clEnqueueMarkerWithWaitList(q, 1, &e2, &m));
	TRY(clSetEventCallback(e2, CL_COMPLETE, enqueue_cb, &c));
	TRY(clSetUserEventStatus(u, CL_COMPLETE));
	TRY(clWaitForEvents(1, &m));
	EXPECT(sync_poll_atomic(&c.done, 1) == 1, 0);
	EXPECT(c.out != NULL, 0);
	TRY(clWaitForEvents(1, &c.out));
	for (int i = 0; i < N; i++)
		EXPECT(p[i] == 7, p[i]);

	/* Publish e2 for a neighbour's next iteration. */
	clRetainEvent(e2);
	pthread_mutex_lock(&pub.lock);
	old = pub.slot[self];
	pub.slot[self] = e2;
	pthread_mutex_unlock(&pub.lock);
	if (old)
		clReleaseEvent(old);
	TRY(clFinish(q));

out:
	/* A failure above may leave commands behind: let them finish. */
	if (u)
		clSetUserEventStatus(u, -1);	/* no-op once set */
	if (q)
		clFinish(q);
	if (atomic_load(&c.done) == 0 && e2)
		clWaitForEvents(1, &e2);
	sync_poll_atomic(&c.done, e2 ? 1 : 0);
	if (c.out)
		clWaitForEvents(1, &c.out);
	cl_event evs[] = { u, nb, e1, e2, m, c.out };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++) {
		if (evs[i])
			clReleaseEvent(evs[i]);
	}
	if (k1)
		clReleaseKernel(k1);
	if (k2)
		clReleaseKernel(k2);
	if (c.k)
		clReleaseKernel(c.k);
	if (q)
		clReleaseCommandQueue(q);
	clSVMFree(T.context, p);
}

static void *thread_main(void *arg)
{
	int self = (int)(intptr_t)arg;

	for (int it = 0; it < ITERS; it++)
		iteration(self, it);
	return NULL;
}

static void test_many_threads(void **state)
{
	pthread_t threads[THREADS];
	cl_int err = 1;

	shared_q = clCreateCommandQueueWithProperties(T.context, T.device, NULL,
						      &err);
	assert_int_equal(err, CL_SUCCESS);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, thread_main,
						(void *)(intptr_t)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	CHECK(clFinish(shared_q));
	for (int i = 0; i < THREADS; i++) {
		if (pub.slot[i])
			CHECK(clReleaseEvent(pub.slot[i]));
		pub.slot[i] = NULL;
	}
	CHECK(clReleaseCommandQueue(shared_q));
	if (failures.count)
		fail_msg("%d failures, first: %s", failures.count,
			 failures.first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_threads),
	};

	return cmocka_run_group_tests_name("threads", tests, sync_setup,
					   sync_teardown);
}
