/* SPDX-License-Identifier: MIT */
/*
 * test_queue.c - command queues through the ICD loader: creation and its
 * properties, queries, the deprecated and unsupported entry points,
 * in-order and out-of-order execution, markers and barriers on an
 * out-of-order queue, profiling, clFlush progress, clFinish, release
 * with work pending.
 *
 * A handle of the wrong kind stands in for an invalid handle (the loader
 * dispatches it to svmcl, which must reject it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sync_util.h"

static void test_create_properties(void **state)
{
	cl_queue_properties both[] = {
		CL_QUEUE_PROPERTIES,
		CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE |
			CL_QUEUE_PROFILING_ENABLE,
		0
	};
	cl_queue_properties empty[] = { 0 };
	cl_queue_properties got[8];
	cl_command_queue_properties qp = 0, dev_qp = 0;
	cl_command_queue q;
	size_t size = 99;
	cl_int err = 1;

	CHECK(clGetDeviceInfo(T.device, CL_DEVICE_QUEUE_ON_HOST_PROPERTIES,
			      sizeof(dev_qp), &dev_qp, NULL));
	assert_int_equal(dev_qp, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE |
				 CL_QUEUE_PROFILING_ENABLE);

	q = clCreateCommandQueueWithProperties(T.context, T.device, both, &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES, sizeof(qp), &qp,
				    NULL));
	assert_int_equal(qp, both[1]);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES_ARRAY, sizeof(got),
				    got, &size));
	assert_int_equal(size, sizeof(both));
	assert_memory_equal(got, both, sizeof(both));
	CHECK(clReleaseCommandQueue(q));

	/* An empty list is echoed as the terminator alone. */
	q = clCreateCommandQueueWithProperties(T.context, T.device, empty,
					       NULL);
	assert_non_null(q);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES_ARRAY, sizeof(got),
				    got, &size));
	assert_int_equal(size, sizeof(empty));
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES, sizeof(qp), &qp,
				    NULL));
	assert_int_equal(qp, 0);
	CHECK(clReleaseCommandQueue(q));

	/* clCreateCommandQueue: no array; out-of-order is supported. */
	q = clCreateCommandQueue(T.context, T.device,
				 CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES_ARRAY, 0, NULL,
				    &size));
	assert_int_equal(size, 0);
	CHECK(clReleaseCommandQueue(q));
}

static void expect_create_error(const cl_queue_properties *props, cl_int want)
{
	cl_int err = CL_SUCCESS;

	assert_null(clCreateCommandQueueWithProperties(T.context, T.device,
						       props, &err));
	assert_int_equal(err, want);
	/* errcode_ret may be NULL. */
	assert_null(clCreateCommandQueueWithProperties(T.context, T.device,
						       props, NULL));
}

static void test_create_errors(void **state)
{
	const cl_queue_properties P = CL_QUEUE_PROPERTIES;
	const cl_queue_properties OOO = CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE;
	cl_queue_properties unknown[] = { 0x7777, 0, 0 };
	cl_queue_properties dup[] = { P, 0, P, 0, 0 };
	cl_queue_properties bits[] = { P, 1ull << 40, 0 };
	cl_queue_properties on_dev[] = { P, OOO | CL_QUEUE_ON_DEVICE, 0 };
	cl_queue_properties on_dev_io[] = { P, CL_QUEUE_ON_DEVICE, 0 };
	cl_queue_properties dflt[] = { P, OOO | CL_QUEUE_ON_DEVICE_DEFAULT, 0 };
	cl_queue_properties size[] = { CL_QUEUE_SIZE, 1024, 0 };
	cl_queue_properties size_dev[] = {
		P, OOO | CL_QUEUE_ON_DEVICE, CL_QUEUE_SIZE, 1024, 0
	};
	cl_queue_properties size_dup[] = {
		CL_QUEUE_SIZE, 16, CL_QUEUE_SIZE, 16, 0
	};
	cl_context not_ctx = (cl_context)(void *)T.device;
	cl_device_id not_dev = (cl_device_id)(void *)T.context;
	cl_int err = CL_SUCCESS;

	expect_create_error(unknown, CL_INVALID_VALUE);
	expect_create_error(dup, CL_INVALID_VALUE);
	expect_create_error(bits, CL_INVALID_VALUE);
	expect_create_error(on_dev, CL_INVALID_QUEUE_PROPERTIES);
	expect_create_error(on_dev_io, CL_INVALID_VALUE);
	expect_create_error(dflt, CL_INVALID_VALUE);
	expect_create_error(size, CL_INVALID_VALUE);
	expect_create_error(size_dev, CL_INVALID_QUEUE_PROPERTIES);
	expect_create_error(size_dup, CL_INVALID_VALUE);

	assert_null(clCreateCommandQueueWithProperties(not_ctx, T.device, NULL,
						       &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreateCommandQueueWithProperties(T.context, NULL, NULL,
						       &err));
	assert_int_equal(err, CL_INVALID_DEVICE);
	assert_null(clCreateCommandQueueWithProperties(T.context, not_dev, NULL,
						       &err));
	assert_int_equal(err, CL_INVALID_DEVICE);

	assert_null(clCreateCommandQueue(not_ctx, T.device, 0, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreateCommandQueue(T.context, not_dev, 0, &err));
	assert_int_equal(err, CL_INVALID_DEVICE);
	assert_null(clCreateCommandQueue(T.context, T.device,
					 (cl_command_queue_properties)-1, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	/* Not a clCreateCommandQueue property at all. */
	assert_null(clCreateCommandQueue(T.context, T.device,
					 CL_QUEUE_ON_DEVICE | OOO, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
}

static void test_info(void **state)
{
	cl_command_queue q = sync_queue(CL_QUEUE_PROFILING_ENABLE);
	cl_command_queue not_q = (cl_command_queue)(void *)T.context;
	cl_command_queue dflt = (cl_command_queue)1;
	cl_context ctx = NULL;
	cl_device_id dev = NULL;
	cl_uint refs = 0, u;
	size_t size = 0;

	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_CONTEXT, sizeof(ctx), &ctx,
				    &size));
	assert_ptr_equal(ctx, T.context);
	assert_int_equal(size, sizeof(ctx));
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof(dev), &dev,
				    NULL));
	assert_ptr_equal(dev, T.device);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, 0, NULL,
				    &size));
	assert_int_equal(size, sizeof(cl_uint));
	CHECK(clRetainCommandQueue(q));
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, sizeof(refs),
				    &refs, NULL));
	assert_int_equal(refs, 2);
	CHECK(clReleaseCommandQueue(q));
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_DEVICE_DEFAULT, sizeof(dflt),
				    &dflt, NULL));
	assert_null(dflt);

	/* Errors the specification lists. */
	assert_int_equal(clGetCommandQueueInfo(q, CL_QUEUE_SIZE, sizeof(u), &u,
					       NULL), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clGetCommandQueueInfo(q, 0xdead, sizeof(u), &u, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, 1,
					       &u, NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetCommandQueueInfo(not_q, CL_QUEUE_CONTEXT,
					       sizeof(ctx), &ctx, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clRetainCommandQueue(not_q), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clReleaseCommandQueue(not_q),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clFlush(not_q), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clFinish(not_q), CL_INVALID_COMMAND_QUEUE);
	CHECK(clReleaseCommandQueue(q));
}

/*
 * OpenCL 3.0 lets a non-1.0 device refuse every change with
 * CL_INVALID_OPERATION; the CTS (api set_command_queue_property) accepts
 * only that error, on the first call, whatever is asked.
 */
static void test_set_property(void **state)
{
	cl_command_queue q = sync_queue(CL_QUEUE_PROFILING_ENABLE);
	cl_command_queue not_q = (cl_command_queue)(void *)T.context;
	cl_command_queue_properties old = 0x5a;

	assert_int_equal(clSetCommandQueueProperty(q, CL_QUEUE_PROFILING_ENABLE,
						   CL_TRUE, &old),
			 CL_INVALID_OPERATION);
	assert_int_equal(clSetCommandQueueProperty(q,
					CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE,
					CL_FALSE, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clSetCommandQueueProperty(q,
					CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE,
					CL_TRUE, &old),
			 CL_INVALID_OPERATION);
	/* Nothing changed, nothing was reported. */
	assert_int_equal(old, 0x5a);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES, sizeof(old), &old,
				    NULL));
	assert_int_equal(old, CL_QUEUE_PROFILING_ENABLE);

	/* Invalid values stay CL_INVALID_VALUE, bad queues ..._QUEUE. */
	assert_int_equal(clSetCommandQueueProperty(q,
					(cl_command_queue_properties)-1,
					CL_TRUE, NULL), CL_INVALID_VALUE);
	assert_int_equal(clSetCommandQueueProperty(q, CL_QUEUE_ON_DEVICE,
						   CL_TRUE, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetCommandQueueProperty(not_q,
					CL_QUEUE_PROFILING_ENABLE, CL_TRUE,
					NULL), CL_INVALID_COMMAND_QUEUE);
	CHECK(clReleaseCommandQueue(q));
}

/*
 * No device-side enqueue: CL_INVALID_OPERATION for any command_queue of
 * a valid context and device, NULL included (the CTS api
 * consistency_device_enqueue passes NULL).
 */
static void test_default_device_queue(void **state)
{
	cl_command_queue q = sync_queue(0);
	cl_context not_ctx = (cl_context)(void *)T.device;
	cl_device_id not_dev = (cl_device_id)(void *)T.context;
	cl_command_queue not_q = (cl_command_queue)(void *)T.device;

	assert_int_equal(clSetDefaultDeviceCommandQueue(not_ctx, T.device, q),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clSetDefaultDeviceCommandQueue(T.context, not_dev, q),
			 CL_INVALID_DEVICE);
	assert_int_equal(clSetDefaultDeviceCommandQueue(T.context, T.device,
							NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clSetDefaultDeviceCommandQueue(T.context, T.device,
							not_q),
			 CL_INVALID_OPERATION);
	assert_int_equal(clSetDefaultDeviceCommandQueue(T.context, T.device, q),
			 CL_INVALID_OPERATION);
	CHECK(clReleaseCommandQueue(q));
}

/* Run @n append kernels on @q, all gated by one user event. */
static void run_appends(cl_command_queue q, int *log, int *count, int n,
			cl_event gate, cl_event *evs)
{
	for (int i = 0; i < n; i++) {
		cl_kernel k = sync_append_kernel(log, count, i);

		CHECK(sync_task(q, k, 1, &gate, &evs[i]));
		CHECK(clReleaseKernel(k));
	}
}

static void test_in_order(void **state)
{
	enum { N = 48 };
	cl_command_queue q = sync_queue(0);
	int *log = clSVMAlloc(T.context, CL_MEM_READ_WRITE, N * sizeof(int), 0);
	int *count = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_event u = sync_user_event(), evs[N];

	assert_non_null(log);
	assert_non_null(count);
	*count = 0;
	run_appends(q, log, count, N, u, evs);
	for (int i = 0; i < N; i++)
		assert_int_equal(sync_status(evs[i]), CL_QUEUED);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clFinish(q));
	assert_int_equal(*count, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(log[i], i);
		assert_int_equal(sync_status(evs[i]), CL_COMPLETE);
		CHECK(clReleaseEvent(evs[i]));
	}
	CHECK(clReleaseEvent(u));
	clSVMFree(T.context, log);
	clSVMFree(T.context, count);
	CHECK(clReleaseCommandQueue(q));
}

static void test_out_of_order(void **state)
{
	cl_command_queue q = sync_queue(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
	int *log = clSVMAlloc(T.context, CL_MEM_READ_WRITE, 16 * sizeof(int), 0);
	int *count = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k1 = sync_append_kernel(log, count, 1);
	cl_kernel k2 = sync_append_kernel(log, count, 2);
	cl_event u = sync_user_event(), e1, e2;

	*count = 0;
	/* A later independent command overtakes a blocked earlier one. */
	CHECK(sync_task(q, k1, 1, &u, &e1));
	CHECK(sync_task(q, k2, 0, NULL, &e2));
	CHECK(clWaitForEvents(1, &e2));
	assert_int_equal(sync_status(e1), CL_QUEUED);
	assert_int_equal(*count, 1);
	assert_int_equal(log[0], 2);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &e1));
	assert_int_equal(*count, 2);
	assert_int_equal(log[1], 1);
	CHECK(clFinish(q));

	CHECK(clReleaseEvent(e1));
	CHECK(clReleaseEvent(e2));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseKernel(k1));
	CHECK(clReleaseKernel(k2));
	clSVMFree(T.context, log);
	clSVMFree(T.context, count);
	CHECK(clReleaseCommandQueue(q));
}

/* Out of order: a barrier orders what follows, a marker does not. */
static void test_out_of_order_marker_barrier(void **state)
{
	cl_command_queue q = sync_queue(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
	int *log = clSVMAlloc(T.context, CL_MEM_READ_WRITE, 16 * sizeof(int), 0);
	int *count = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k1 = sync_append_kernel(log, count, 1);
	cl_kernel k2 = sync_append_kernel(log, count, 2);
	cl_kernel k3 = sync_append_kernel(log, count, 3);
	cl_event u = sync_user_event(), u2 = sync_user_event();
	cl_event e1, e2, e3, m, m2, b;
	cl_command_type type = 0;

	*count = 0;
	/* Marker with an empty list: waits for e1, does not block e2. */
	CHECK(sync_task(q, k1, 1, &u, &e1));
	CHECK(clEnqueueMarkerWithWaitList(q, 0, NULL, &m));
	CHECK(sync_task(q, k2, 0, NULL, &e2));
	CHECK(clWaitForEvents(1, &e2));
	assert_int_equal(sync_status(m), CL_QUEUED);
	CHECK(clGetEventInfo(m, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_MARKER);
	/* A marker with a list waits only for the list. */
	CHECK(clEnqueueMarkerWithWaitList(q, 1, &e2, &m2));
	CHECK(clWaitForEvents(1, &m2));
	assert_int_equal(sync_status(m), CL_QUEUED);

	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &m));
	assert_int_equal(sync_status(e1), CL_COMPLETE);

	/* Barrier: everything after it waits, even with no wait list. */
	CHECK(clEnqueueBarrierWithWaitList(q, 1, &u2, &b));
	CHECK(clGetEventInfo(b, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_BARRIER);
	CHECK(sync_task(q, k3, 0, NULL, &e3));
	usleep(20000);
	assert_int_equal(sync_status(e3), CL_QUEUED);
	assert_int_equal(*count, 2);
	CHECK(clSetUserEventStatus(u2, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &e3));
	assert_int_equal(sync_status(b), CL_COMPLETE);
	assert_int_equal(*count, 3);
	assert_int_equal(log[0], 2);
	assert_int_equal(log[1], 1);
	assert_int_equal(log[2], 3);

	/* A barrier with an empty list waits for everything before it. */
	{
		cl_event u3 = sync_user_event(), e4, b2;
		cl_kernel k4 = sync_append_kernel(log, count, 4);

		CHECK(sync_task(q, k4, 1, &u3, &e4));
		CHECK(clEnqueueBarrierWithWaitList(q, 0, NULL, &b2));
		usleep(20000);
		assert_int_equal(sync_status(b2), CL_QUEUED);
		CHECK(clSetUserEventStatus(u3, CL_COMPLETE));
		CHECK(clWaitForEvents(1, &b2));
		assert_int_equal(sync_status(e4), CL_COMPLETE);
		CHECK(clReleaseEvent(u3));
		CHECK(clReleaseEvent(e4));
		CHECK(clReleaseEvent(b2));
		CHECK(clReleaseKernel(k4));
	}
	CHECK(clFinish(q));

	cl_event evs[] = { u, u2, e1, e2, e3, m, m2, b };
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		CHECK(clReleaseEvent(evs[i]));
	CHECK(clReleaseKernel(k1));
	CHECK(clReleaseKernel(k2));
	CHECK(clReleaseKernel(k3));
	clSVMFree(T.context, log);
	clSVMFree(T.context, count);
	CHECK(clReleaseCommandQueue(q));
}

static void test_profiling(void **state)
{
	cl_command_queue q = sync_queue(CL_QUEUE_PROFILING_ENABLE);
	cl_command_queue plain = sync_queue(0);
	int *log = clSVMAlloc(T.context, CL_MEM_READ_WRITE, 16 * sizeof(int), 0);
	int *count = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k = sync_append_kernel(log, count, 1);
	cl_event u = sync_user_event(), ev, ev2;
	const cl_profiling_info names[] = {
		CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
		CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END,
		CL_PROFILING_COMMAND_COMPLETE,
	};
	cl_ulong t[5], x;
	size_t size = 0;

	*count = 0;
	CHECK(sync_task(q, k, 1, &u, &ev));
	/* Not complete yet. */
	assert_int_equal(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END,
						 sizeof(x), &x, NULL),
			 CL_PROFILING_INFO_NOT_AVAILABLE);
	usleep(1000);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &ev));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		CHECK(clGetEventProfilingInfo(ev, names[i], sizeof(t[i]), &t[i],
					      &size));
		assert_int_equal(size, sizeof(cl_ulong));
		if (i)
			assert_true(t[i - 1] <= t[i]);
	}
	/* The wait for the user event lies between QUEUED and SUBMIT. */
	assert_true(t[1] - t[0] >= 1000000);
	assert_int_equal(clGetEventProfilingInfo(ev, 0xdead, sizeof(x), &x,
						 NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END,
						 4, &x, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetEventProfilingInfo((cl_event)(void *)q,
						 CL_PROFILING_COMMAND_END,
						 sizeof(x), &x, NULL),
			 CL_INVALID_EVENT);
	/* User events and queues without profiling have no times. */
	assert_int_equal(clGetEventProfilingInfo(u, CL_PROFILING_COMMAND_END,
						 sizeof(x), &x, NULL),
			 CL_PROFILING_INFO_NOT_AVAILABLE);
	CHECK(sync_task(plain, k, 0, NULL, &ev2));
	CHECK(clWaitForEvents(1, &ev2));
	assert_int_equal(clGetEventProfilingInfo(ev2, CL_PROFILING_COMMAND_END,
						 sizeof(x), &x, NULL),
			 CL_PROFILING_INFO_NOT_AVAILABLE);

	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(ev2));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseKernel(k));
	clSVMFree(T.context, log);
	clSVMFree(T.context, count);
	CHECK(clReleaseCommandQueue(q));
	CHECK(clReleaseCommandQueue(plain));
}

/*
 * clFlush starts execution: the host spins on an SVM word the kernel
 * writes, calling nothing, and sees it move; then it stops the kernel.
 */
static void flush_progress(cl_command_queue_properties props)
{
	cl_command_queue q = sync_queue(props);
	volatile int *w = clSVMAlloc(T.context,
				     CL_MEM_READ_WRITE |
				     CL_MEM_SVM_FINE_GRAIN_BUFFER,
				     2 * sizeof(int), 0);
	cl_kernel k = sync_kernel("spin");
	double end;
	cl_event ev;

	assert_non_null(w);
	w[0] = 0;
	w[1] = 0;
	CHECK(clSetKernelArgSVMPointer(k, 0, (void *)&w[0]));
	CHECK(clSetKernelArgSVMPointer(k, 1, (void *)&w[1]));
	CHECK(sync_task(q, k, 0, NULL, &ev));
	CHECK(clFlush(q));
	end = sync_seconds() + 20.0;
	while (w[0] < 1000 && sync_seconds() < end)
		;
	assert_true(w[0] >= 1000);
	w[1] = 1;
	CHECK(clFinish(q));
	assert_int_equal(sync_status(ev), CL_COMPLETE);
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseKernel(k));
	clSVMFree(T.context, (void *)w);
	CHECK(clReleaseCommandQueue(q));
}

static void test_flush_progress(void **state)
{
	flush_progress(0);
	flush_progress(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
}

/* clFinish returns a command's own failure once; the queue goes on. */
static void test_finish(void **state)
{
	cl_command_queue q = sync_queue(0);
	int *p = clSVMAlloc(T.context, CL_MEM_READ_WRITE, 64 * sizeof(int), 0);
	cl_kernel k = sync_kernel("add");
	cl_event u = sync_user_event(), ev;
	size_t n = 64;
	int v = 5;

	memset(p, 0, 64 * sizeof(int));
	CHECK(clSetKernelArgSVMPointer(k, 0, p));
	CHECK(clSetKernelArg(k, 1, sizeof(v), &v));
	/* Empty queue. */
	CHECK(clFinish(q));
	for (int i = 0; i < 10; i++)
		CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL,
					     NULL));
	CHECK(clFinish(q));
	for (int i = 0; i < 64; i++)
		assert_int_equal(p[i], 50);

	/* A dependency's failure is not the queue's: clFinish succeeds. */
	CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 1, &u, &ev));
	CHECK(clSetUserEventStatus(u, -1234));
	CHECK(clFinish(q));
	assert_int_equal(sync_status(ev),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(p[0], 50);
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(u));

	CHECK(clReleaseKernel(k));
	clSVMFree(T.context, p);
	CHECK(clReleaseCommandQueue(q));
}

/*
 * The last release of a queue whose command waits for a user event does
 * not block; the command still runs when the event is set.
 */
static void test_release_with_pending(void **state)
{
	cl_command_queue q = sync_queue(0);
	int *p = clSVMAlloc(T.context, CL_MEM_READ_WRITE, sizeof(int), 0);
	cl_kernel k = sync_kernel("add");
	cl_command_queue got = NULL;
	cl_event u = sync_user_event(), ev;
	int v = 3;

	*p = 0;
	CHECK(clSetKernelArgSVMPointer(k, 0, p));
	CHECK(clSetKernelArg(k, 1, sizeof(v), &v));
	CHECK(sync_task(q, k, 1, &u, &ev));
	CHECK(clReleaseCommandQueue(q));
	/* The event still answers for its queue. */
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_QUEUE, sizeof(got), &got,
			     NULL));
	assert_ptr_equal(got, q);
	assert_int_equal(sync_status(ev), CL_QUEUED);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &ev));
	assert_int_equal(*p, 3);
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(u));
	CHECK(clReleaseKernel(k));
	clSVMFree(T.context, p);
	/* Let the submit thread finish the teardown it was handed. */
	usleep(50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_properties),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_set_property),
		cmocka_unit_test(test_default_device_queue),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_out_of_order_marker_barrier),
		cmocka_unit_test(test_profiling),
		cmocka_unit_test(test_flush_progress),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_release_with_pending),
	};

	return cmocka_run_group_tests_name("queue", tests, sync_setup,
					   sync_teardown);
}
