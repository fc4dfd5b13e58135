/* SPDX-License-Identifier: MIT */
/*
 * test_event.c - events through the ICD loader: user events, failure
 * propagation, callbacks (order, statuses, calling back into the API),
 * wait lists across queues and contexts, markers and barriers (3.0 and
 * 1.1 entry points), clWaitForEvents, clGetEventInfo, host timers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sync_util.h"

static void test_user_event(void **state)
{
	cl_context not_ctx = (cl_context)(void *)T.device;
	cl_command_queue q = sync_queue(0), qq = (cl_command_queue)1;
	cl_event u = sync_user_event(), ev;
	cl_command_type type = 0;
	cl_context ctx = NULL;
	cl_ulong t;
	cl_int err = CL_SUCCESS;

	assert_int_equal(sync_status(u), CL_SUBMITTED);
	CHECK(clGetEventInfo(u, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_USER);
	CHECK(clGetEventInfo(u, CL_EVENT_COMMAND_QUEUE, sizeof(qq), &qq, NULL));
	assert_null(qq);
	CHECK(clGetEventInfo(u, CL_EVENT_CONTEXT, sizeof(ctx), &ctx, NULL));
	assert_ptr_equal(ctx, T.context);
	assert_int_equal(clGetEventProfilingInfo(u, CL_PROFILING_COMMAND_QUEUED,
						 sizeof(t), &t, NULL),
			 CL_PROFILING_INFO_NOT_AVAILABLE);

	/* Only CL_COMPLETE or an error, only once, only on user events. */
	assert_int_equal(clSetUserEventStatus(u, CL_SUBMITTED),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetUserEventStatus(u, CL_RUNNING), CL_INVALID_VALUE);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	assert_int_equal(sync_status(u), CL_COMPLETE);
	assert_int_equal(clSetUserEventStatus(u, CL_COMPLETE),
			 CL_INVALID_OPERATION);
	assert_int_equal(clSetUserEventStatus(u, -1), CL_INVALID_OPERATION);
	CHECK(clEnqueueMarkerWithWaitList(q, 0, NULL, &ev));
	assert_int_equal(clSetUserEventStatus(ev, CL_COMPLETE),
			 CL_INVALID_EVENT);
	assert_int_equal(clSetUserEventStatus((cl_event)(void *)T.context,
					      CL_COMPLETE), CL_INVALID_EVENT);
	CHECK(clWaitForEvents(1, &ev));
	/* A user event is a valid wait by itself. */
	CHECK(clWaitForEvents(1, &u));

	assert_null(clCreateUserEvent(not_ctx, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreateUserEvent(not_ctx, NULL));

	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseCommandQueue(q));
}

/* A failed user event fails its dependants, transitively; nothing runs. */
static void test_user_event_failure(void **state)
{
	enum { N = 4 };
	cl_command_queue q = sync_queue(0);
	int *p = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k = sync_kernel("add");
	cl_event u = sync_user_event(), e[N], after, marker;
	int v = 1;

	*p = 0;
	CHECK(clSetKernelArgSVMPointer(k, 0, p));
	CHECK(clSetKernelArg(k, 1, sizeof(v), &v));
	for (int i = 0; i < N; i++)
		CHECK(sync_task(q, k, 1, &u, &e[i]));
	CHECK(sync_task(q, k, 1, &e[N - 1], &after));
	for (int i = 0; i < N; i++)
		assert_int_equal(sync_status(e[i]), CL_QUEUED);

	CHECK(clSetUserEventStatus(u, -77));
	assert_int_equal(sync_status(u), -77);
	assert_int_equal(clWaitForEvents(N, e),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(clWaitForEvents(1, &after),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	for (int i = 0; i < N; i++) {
		assert_int_equal(sync_status(e[i]),
				 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
		CHECK(clReleaseEvent(e[i]));
	}
	assert_int_equal(sync_status(after),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(*p, 0);

	/* A marker on a failed event fails; the queue itself goes on. */
	CHECK(clEnqueueMarkerWithWaitList(q, 1, &u, &marker));
	assert_int_equal(clWaitForEvents(1, &marker),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	CHECK(sync_task(q, k, 0, NULL, NULL));
	CHECK(clFinish(q));
	assert_int_equal(*p, 1);

	CHECK(clReleaseEvent(marker));
	CHECK(clReleaseEvent(after));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseKernel(k));
	clSVMFree(T.context, p);
	CHECK(clReleaseCommandQueue(q));
}

/* What the callbacks saw, in call order. */
static struct {
	pthread_mutex_t lock;
	int n;
	int tag[32];
	cl_int status[32];
	cl_event event[32];
	atomic_int calls;
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void seen_reset(void)
{
	pthread_mutex_lock(&seen.lock);
	seen.n = 0;
	atomic_store(&seen.calls, 0);
	pthread_mutex_unlock(&seen.lock);
}

static void CL_CALLBACK record_cb(cl_event ev, cl_int status, void *data)
{
	pthread_mutex_lock(&seen.lock);
	if (seen.n < 32) {
		seen.tag[seen.n] = (int)(intptr_t)data;
		seen.status[seen.n] = status;
		seen.event[seen.n] = ev;
		seen.n++;
	}
	pthread_mutex_unlock(&seen.lock);
	atomic_fetch_add(&seen.calls, 1);
}

static void test_callbacks(void **state)
{
	cl_command_queue q = sync_queue(0);
	int *p = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k = sync_kernel("add");
	cl_event u = sync_user_event(), ev;
	int v = 1;

	seen_reset();
	CHECK(clSetKernelArgSVMPointer(k, 0, p));
	CHECK(clSetKernelArg(k, 1, sizeof(v), &v));
	CHECK(sync_task(q, k, 1, &u, &ev));
	CHECK(clSetEventCallback(ev, CL_COMPLETE, record_cb, (void *)1));
	CHECK(clSetEventCallback(ev, CL_SUBMITTED, record_cb, (void *)2));
	CHECK(clSetEventCallback(ev, CL_RUNNING, record_cb, (void *)3));
	CHECK(clSetEventCallback(ev, CL_COMPLETE, record_cb, (void *)4));
	usleep(10000);
	assert_int_equal(atomic_load(&seen.calls), 0);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &ev));
	assert_int_equal(sync_poll_atomic(&seen.calls, 4), 4);

	/* One call each, in the order of the status changes. */
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.tag[0], 2);
	assert_int_equal(seen.status[0], CL_SUBMITTED);
	assert_int_equal(seen.tag[1], 3);
	assert_int_equal(seen.status[1], CL_RUNNING);
	/* Same trigger: registration order. */
	assert_int_equal(seen.tag[2], 1);
	assert_int_equal(seen.tag[3], 4);
	assert_int_equal(seen.status[2], CL_COMPLETE);
	assert_int_equal(seen.status[3], CL_COMPLETE);
	assert_ptr_equal(seen.event[0], ev);
	pthread_mutex_unlock(&seen.lock);

	/* Registered after the fact: called all the same. */
	CHECK(clSetEventCallback(ev, CL_SUBMITTED, record_cb, (void *)5));
	assert_int_equal(sync_poll_atomic(&seen.calls, 5), 5);
	pthread_mutex_lock(&seen.lock);
	assert_int_equal(seen.tag[4], 5);
	assert_int_equal(seen.status[4], CL_SUBMITTED);
	pthread_mutex_unlock(&seen.lock);

	/* Errors. */
	assert_int_equal(clSetEventCallback(ev, CL_QUEUED, record_cb, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetEventCallback(ev, -1, record_cb, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetEventCallback(ev, CL_COMPLETE, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetEventCallback((cl_event)(void *)q, CL_COMPLETE,
					    record_cb, NULL),
			 CL_INVALID_EVENT);

	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseKernel(k));
	clSVMFree(T.context, p);
	CHECK(clReleaseCommandQueue(q));
}

/* A failure reaches every pending callback with the negative status. */
static void test_callbacks_on_error(void **state)
{
	cl_command_queue q = sync_queue(0);
	cl_event u = sync_user_event(), m;

	seen_reset();
	CHECK(clEnqueueMarkerWithWaitList(q, 1, &u, &m));
	CHECK(clSetEventCallback(m, CL_SUBMITTED, record_cb, (void *)1));
	CHECK(clSetEventCallback(m, CL_RUNNING, record_cb, (void *)2));
	CHECK(clSetEventCallback(m, CL_COMPLETE, record_cb, (void *)3));
	CHECK(clSetEventCallback(u, CL_COMPLETE, record_cb, (void *)4));
	CHECK(clSetUserEventStatus(u, -5));
	assert_int_equal(clWaitForEvents(1, &m),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(sync_poll_atomic(&seen.calls, 4), 4);
	pthread_mutex_lock(&seen.lock);
	for (int i = 0; i < 4; i++) {
		if (seen.tag[i] == 4)
			assert_int_equal(seen.status[i], -5);
		else
			assert_int_equal(seen.status[i],
				CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	}
	pthread_mutex_unlock(&seen.lock);
	CHECK(clReleaseEvent(m));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseCommandQueue(q));
}

/* Callbacks that call back into the API. */
static struct {
	cl_command_queue q;
	cl_kernel k;
	cl_event chained;	/* set by the callback that enqueues */
	cl_event next_user;	/* completed by a callback */
	atomic_int done;
} re;

static void CL_CALLBACK release_cb(cl_event ev, cl_int status, void *data)
{
	cl_int s = 1;

	(void)data;
	/* Queries work, and the callback may drop the last reference. */
	if (clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(s),
			   &s, NULL) == CL_SUCCESS && s == status)
		atomic_fetch_add(&re.done, 1);
	clReleaseEvent(ev);
}

static void CL_CALLBACK enqueue_cb(cl_event ev, cl_int status, void *data)
{
	cl_event out = NULL;

	(void)data;
	if (status == CL_COMPLETE &&
	    sync_task(re.q, re.k, 1, &ev, &out) == CL_SUCCESS)
		re.chained = out;
	clSetUserEventStatus(re.next_user, CL_COMPLETE);
	atomic_fetch_add(&re.done, 1);
}

static void test_callbacks_reenter(void **state)
{
	int *p = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_event u = sync_user_event(), ev, ev2;
	int v = 10;

	memset(&re, 0, sizeof(re));
	re.q = sync_queue(0);
	re.k = sync_kernel("add");
	re.next_user = sync_user_event();
	*p = 0;
	CHECK(clSetKernelArgSVMPointer(re.k, 0, p));
	CHECK(clSetKernelArg(re.k, 1, sizeof(v), &v));

	CHECK(sync_task(re.q, re.k, 1, &u, &ev));
	CHECK(clRetainEvent(ev));		/* dropped by release_cb */
	CHECK(clSetEventCallback(ev, CL_COMPLETE, enqueue_cb, NULL));
	CHECK(clSetEventCallback(ev, CL_COMPLETE, release_cb, NULL));
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	/* The callback completes next_user, whatever thread it runs on. */
	CHECK(clWaitForEvents(1, &re.next_user));
	assert_int_equal(sync_poll_atomic(&re.done, 2), 2);
	assert_non_null(re.chained);
	CHECK(clWaitForEvents(1, &re.chained));
	assert_int_equal(*p, 20);

	/* A callback on a user event that releases it (the only reference). */
	ev2 = sync_user_event();
	CHECK(clSetEventCallback(ev2, CL_COMPLETE, release_cb, NULL));
	CHECK(clSetUserEventStatus(ev2, CL_COMPLETE));
	assert_int_equal(sync_poll_atomic(&re.done, 3), 3);

	CHECK(clFinish(re.q));
	CHECK(clReleaseEvent(re.chained));
	CHECK(clReleaseEvent(re.next_user));
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseKernel(re.k));
	CHECK(clReleaseCommandQueue(re.q));
	clSVMFree(T.context, p);
}

static void test_wait_lists_across_queues(void **state)
{
	cl_command_queue q1 = sync_queue(0);
	cl_command_queue q2 = sync_queue(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
	int *log = clSVMAlloc(T.context, CL_MEM_READ_WRITE, 8 * sizeof(int), 0);
	int *count = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k1 = sync_append_kernel(log, count, 1);
	cl_kernel k2 = sync_append_kernel(log, count, 2);
	cl_kernel k3 = sync_append_kernel(log, count, 3);
	cl_event u = sync_user_event(), e1, e2, e3, list[2];

	*count = 0;
	CHECK(sync_task(q1, k1, 1, &u, &e1));
	CHECK(sync_task(q2, k2, 1, &e1, &e2));
	list[0] = e2;
	list[1] = u;
	CHECK(sync_task(q1, k3, 2, list, &e3));
	CHECK(clFlush(q1));
	CHECK(clFlush(q2));
	usleep(10000);
	assert_int_equal(*count, 0);
	assert_int_equal(sync_status(e2), CL_QUEUED);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &e3));
	assert_int_equal(*count, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(log[i], i + 1);
	/* Events of different queues in one clWaitForEvents. */
	list[0] = e1;
	list[1] = e2;
	CHECK(clWaitForEvents(2, list));

	cl_event evs[] = { u, e1, e2, e3 };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		CHECK(clReleaseEvent(evs[i]));
	CHECK(clReleaseKernel(k1));
	CHECK(clReleaseKernel(k2));
	CHECK(clReleaseKernel(k3));
	clSVMFree(T.context, log);
	clSVMFree(T.context, count);
	CHECK(clReleaseCommandQueue(q1));
	CHECK(clReleaseCommandQueue(q2));
}

/* Events of another context: CL_INVALID_CONTEXT everywhere. */
static void test_wait_lists_other_context(void **state)
{
	cl_command_queue q = sync_queue(0);
	cl_context other = clCreateContext(NULL, 1, &T.device, NULL, NULL,
					   NULL);
	cl_kernel k = sync_kernel("add");
	cl_event mine = sync_user_event(), theirs, list[2];
	int *p = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	int v = 1;

	assert_non_null(other);
	theirs = clCreateUserEvent(other, NULL);
	assert_non_null(theirs);
	CHECK(clSetKernelArgSVMPointer(k, 0, p));
	CHECK(clSetKernelArg(k, 1, sizeof(v), &v));
	list[0] = mine;
	list[1] = theirs;
	assert_int_equal(sync_task(q, k, 2, list, NULL), CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueMarkerWithWaitList(q, 1, &theirs, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueBarrierWithWaitList(q, 1, &theirs, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueWaitForEvents(q, 1, &theirs),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clWaitForEvents(2, list), CL_INVALID_CONTEXT);

	CHECK(clSetUserEventStatus(mine, CL_COMPLETE));
	CHECK(clSetUserEventStatus(theirs, CL_COMPLETE));
	CHECK(clReleaseEvent(mine));
	CHECK(clReleaseEvent(theirs));
	CHECK(clReleaseKernel(k));
	clSVMFree(T.context, p);
	CHECK(clReleaseContext(other));
	CHECK(clReleaseCommandQueue(q));
}

static void test_marker_barrier_errors(void **state)
{
	cl_command_queue q = sync_queue(0);
	cl_command_queue not_q = (cl_command_queue)(void *)T.context;
	cl_event u = sync_user_event(), bad = (cl_event)(void *)T.context;
	cl_event ev = NULL;

	assert_int_equal(clEnqueueMarkerWithWaitList(not_q, 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueBarrierWithWaitList(not_q, 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueMarkerWithWaitList(q, 1, NULL, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(clEnqueueMarkerWithWaitList(q, 0, &u, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(clEnqueueMarkerWithWaitList(q, 1, &bad, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(clEnqueueBarrierWithWaitList(q, 1, NULL, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(clEnqueueBarrierWithWaitList(q, 1, &bad, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);

	/* 1.1 entry points. */
	assert_int_equal(clEnqueueMarker(not_q, &ev), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueMarker(q, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueBarrier(not_q), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueWaitForEvents(not_q, 1, &u),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueWaitForEvents(q, 0, &u), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueWaitForEvents(q, 1, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueWaitForEvents(q, 1, &bad), CL_INVALID_EVENT);

	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseCommandQueue(q));
}

/* clEnqueueMarker/Barrier/WaitForEvents (1.1) order an in-order queue. */
static void test_legacy_sync(void **state)
{
	cl_command_queue q = sync_queue(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
	int *log = clSVMAlloc(T.context, CL_MEM_READ_WRITE, 8 * sizeof(int), 0);
	int *count = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k1 = sync_append_kernel(log, count, 1);
	cl_kernel k2 = sync_append_kernel(log, count, 2);
	cl_event u = sync_user_event(), e1, e2, m;
	cl_command_type type = 0;

	*count = 0;
	/* Wait-for-events is a barrier on its list. */
	CHECK(clEnqueueWaitForEvents(q, 1, &u));
	CHECK(sync_task(q, k1, 0, NULL, &e1));
	usleep(10000);
	assert_int_equal(sync_status(e1), CL_QUEUED);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &e1));
	/* Marker: waits for everything before it. */
	CHECK(clEnqueueMarker(q, &m));
	CHECK(clGetEventInfo(m, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_MARKER);
	CHECK(clWaitForEvents(1, &m));
	/* Barrier: orders what follows. */
	CHECK(clEnqueueBarrier(q));
	CHECK(sync_task(q, k2, 0, NULL, &e2));
	CHECK(clFinish(q));
	assert_int_equal(*count, 2);
	assert_int_equal(log[0], 1);
	assert_int_equal(log[1], 2);

	cl_event evs[] = { u, e1, e2, m };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		CHECK(clReleaseEvent(evs[i]));
	CHECK(clReleaseKernel(k1));
	CHECK(clReleaseKernel(k2));
	clSVMFree(T.context, log);
	clSVMFree(T.context, count);
	CHECK(clReleaseCommandQueue(q));
}

static void test_wait_errors(void **state)
{
	cl_event u = sync_user_event();
	cl_event bad[2] = { u, (cl_event)(void *)T.context };

	assert_int_equal(clWaitForEvents(0, &u), CL_INVALID_VALUE);
	assert_int_equal(clWaitForEvents(1, bad + 1), CL_INVALID_EVENT);
	assert_int_equal(clWaitForEvents(2, bad), CL_INVALID_EVENT);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clReleaseEvent(u));
}

static void test_event_info(void **state)
{
	cl_command_queue q = sync_queue(0), got_q = NULL;
	cl_event ev, bad = (cl_event)(void *)T.context;
	cl_command_type type = 0;
	cl_context ctx = NULL;
	cl_uint refs = 0;
	cl_int status = 99;
	size_t size = 0;

	CHECK(clEnqueueMarkerWithWaitList(q, 0, NULL, &ev));
	CHECK(clWaitForEvents(1, &ev));
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_QUEUE, sizeof(got_q), &got_q,
			     &size));
	assert_ptr_equal(got_q, q);
	assert_int_equal(size, sizeof(got_q));
	CHECK(clGetEventInfo(ev, CL_EVENT_CONTEXT, sizeof(ctx), &ctx, NULL));
	assert_ptr_equal(ctx, T.context);
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_MARKER);
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, 0, NULL,
			     &size));
	assert_int_equal(size, sizeof(cl_int));
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
			     sizeof(status), &status, NULL));
	assert_int_equal(status, CL_COMPLETE);
	CHECK(clRetainEvent(ev));
	CHECK(clGetEventInfo(ev, CL_EVENT_REFERENCE_COUNT, sizeof(refs), &refs,
			     NULL));
	assert_int_equal(refs, 2);
	CHECK(clReleaseEvent(ev));

	assert_int_equal(clGetEventInfo(ev, 0xdead, sizeof(refs), &refs, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetEventInfo(ev, CL_EVENT_CONTEXT, 1, &ctx, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetEventInfo(bad, CL_EVENT_CONTEXT, sizeof(ctx),
					&ctx, NULL), CL_INVALID_EVENT);
	assert_int_equal(clRetainEvent(bad), CL_INVALID_EVENT);
	assert_int_equal(clReleaseEvent(bad), CL_INVALID_EVENT);

	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseCommandQueue(q));
}

static void test_timers(void **state)
{
	cl_command_queue q = sync_queue(CL_QUEUE_PROFILING_ENABLE);
	cl_device_id bad = (cl_device_id)(void *)T.context;
	cl_ulong d0, h0, d1, h1, h, res_p = 0, t[2];
	size_t res_d = 0;
	cl_event ev;

	CHECK(clGetDeviceAndHostTimer(T.device, &d0, &h0));
	assert_true(d0 > 0 && h0 > 0);
	CHECK(clEnqueueMarkerWithWaitList(q, 0, NULL, &ev));
	CHECK(clWaitForEvents(1, &ev));
	CHECK(clGetHostTimer(T.device, &h));
	CHECK(clGetDeviceAndHostTimer(T.device, &d1, &h1));
	assert_true(h0 <= h && h <= h1);
	assert_true(d0 <= d1);
	/* Profiling times are on the device clock. */
	CHECK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_QUEUED,
				      sizeof(t[0]), &t[0], NULL));
	CHECK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END,
				      sizeof(t[1]), &t[1], NULL));
	assert_true(d0 <= t[0] && t[1] <= d1);
	/* One clock, one resolution. */
	CHECK(clGetPlatformInfo(T.platform, CL_PLATFORM_HOST_TIMER_RESOLUTION,
				sizeof(res_p), &res_p, NULL));
	CHECK(clGetDeviceInfo(T.device, CL_DEVICE_PROFILING_TIMER_RESOLUTION,
			      sizeof(res_d), &res_d, NULL));
	assert_true(res_p >= 1);
	assert_int_equal(res_p, res_d);

	assert_int_equal(clGetDeviceAndHostTimer(bad, &d0, &h0),
			 CL_INVALID_DEVICE);
	assert_int_equal(clGetDeviceAndHostTimer(T.device, NULL, &h0),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetDeviceAndHostTimer(T.device, &d0, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetHostTimer(bad, &h), CL_INVALID_DEVICE);
	assert_int_equal(clGetHostTimer(T.device, NULL), CL_INVALID_VALUE);
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseCommandQueue(q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_event),
		cmocka_unit_test(test_user_event_failure),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_callbacks_on_error),
		cmocka_unit_test(test_callbacks_reenter),
		cmocka_unit_test(test_wait_lists_across_queues),
		cmocka_unit_test(test_wait_lists_other_context),
		cmocka_unit_test(test_marker_barrier_errors),
		cmocka_unit_test(test_legacy_sync),
		cmocka_unit_test(test_wait_errors),
		cmocka_unit_test(test_event_info),
		cmocka_unit_test(test_timers),
	};

	return cmocka_run_group_tests_name("event", tests, sync_setup,
					   sync_teardown);
}
