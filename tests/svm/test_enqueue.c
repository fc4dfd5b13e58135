/* SPDX-License-Identifier: MIT */
/*
 * test_enqueue.c - the SVM enqueue API with user events (OpenCL 3.0,
 * 5.6.2 "SVM Operations", 5.11 "Event Objects").
 *
 * clEnqueueSVMMemFill, Memcpy, Map, Unmap, MigrateMem and Free gated by
 * user events: nothing runs and nothing changes until the user event
 * completes; then the commands run in queue order (profiling time stamps
 * of an in-order queue never overlap), with the right data, pattern sizes
 * 1 to 128, copies between host and SVM memory in all four directions,
 * and each event reporting its command type, queue and context. A user
 * event set to a negative status fails every command that waits for it,
 * directly or through another failed command: no data changes, no free
 * callback runs, clWaitForEvents and blocking enqueues report
 * CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, and the queue stays
 * usable. Waits across two queues and an out-of-order queue whose commands
 * are released in reverse order complete too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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

static cl_event user_event(void)
{
	cl_int err = 1;
	cl_event u = clCreateUserEvent(S.context, &err);

	CHECK(err);
	assert_non_null(u);
	return u;
}

static cl_command_queue new_queue(cl_command_queue_properties props)
{
	cl_queue_properties list[] = { CL_QUEUE_PROPERTIES, props, 0 };
	cl_int err = 1;
	cl_command_queue q;

	q = clCreateCommandQueueWithProperties(S.context, S.device, list, &err);
	CHECK(err);
	assert_non_null(q);
	return q;
}

/* A command gated by a user event has not started. */
static void assert_waiting(cl_event ev)
{
	cl_int s = suite_event_status(ev);

	if (s != CL_QUEUED && s != CL_SUBMITTED)
		fail_msg("a command waiting for a user event has status %d", s);
}

static void assert_event(cl_event ev, cl_command_queue q,
			 cl_command_type type)
{
	cl_command_queue eq = NULL;
	cl_context ec = NULL;

	assert_int_equal(suite_event_type(ev), type);
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_QUEUE, sizeof(eq), &eq,
			     NULL));
	assert_ptr_equal(eq, q);
	CHECK(clGetEventInfo(ev, CL_EVENT_CONTEXT, sizeof(ec), &ec, NULL));
	assert_ptr_equal(ec, S.context);
}

static cl_ulong profile(cl_event ev, cl_profiling_info what)
{
	cl_ulong t = 0;

	CHECK(clGetEventProfilingInfo(ev, what, sizeof(t), &t, NULL));
	return t;
}

/* In-order queue: each command starts after the one before it ended. */
static void assert_in_order(const cl_event *evs, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		cl_ulong end = profile(evs[i], CL_PROFILING_COMMAND_END);
		cl_ulong start = profile(evs[i + 1],
					 CL_PROFILING_COMMAND_START);

		if (start < end)
			fail_msg("command %zu started at %llu, before command %zu ended at %llu",
				 i + 1, (unsigned long long)start, i,
				 (unsigned long long)end);
	}
}

static void make_pattern(unsigned char *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)((i + 1) * 37u + seed * 101u);
}

/*
 * For each pattern size and each direction of the copy (host or SVM
 * source and destination): two fills gated by a user event, a copy after
 * both, two maps after the copy; then unmaps, half fills, half copies and
 * an enqueued free; all in one profiling, in-order queue.
 */
static void test_gated_fill_copy_map_free(void **state)
{
	const size_t nelem = 1024;
	cl_command_queue q = new_queue(CL_QUEUE_PROFILING_ENABLE);

	(void)state;
	for (size_t ps = 1; ps <= 128; ps *= 2) {
		for (int dir = 0; dir < 4; dir++) {
			size_t size = nelem * ps;
			unsigned char pat0[128], pat1[128];
			unsigned char *src = clSVMAlloc(S.context,
							CL_MEM_READ_WRITE,
							size, 0);
			unsigned char *dst = clSVMAlloc(S.context,
							CL_MEM_READ_WRITE,
							size, 0);
			unsigned char *hsrc = malloc(size), *hdst = malloc(size);
			bool svm_src = dir & 1, svm_dst = dir & 2;
			unsigned char *from = svm_src ? src : hsrc;
			unsigned char *to = svm_dst ? dst : hdst;
			cl_event u = user_event(), ev[12];
			void *ptrs[2] = { src, dst };

			assert_non_null(src);
			assert_non_null(dst);
			assert_non_null(hsrc);
			assert_non_null(hdst);
			make_pattern(pat0, ps, 1);
			make_pattern(pat1, ps, 2);
			make_pattern(hsrc, size, 3);
			make_pattern(hdst, size, 4);

			CHECK(clEnqueueSVMMemFill(q, src, pat0, ps, size, 1, &u,
						  &ev[0]));
			CHECK(clEnqueueSVMMemFill(q, dst, pat1, ps, size, 1, &u,
						  &ev[1]));
			CHECK(clEnqueueSVMMemcpy(q, CL_FALSE, to, from, size, 2,
						 &ev[0], &ev[2]));
			CHECK(clEnqueueSVMMap(q, CL_FALSE, CL_MAP_READ, src,
					      size, 1, &ev[2], &ev[3]));
			CHECK(clEnqueueSVMMap(q, CL_FALSE, CL_MAP_READ, dst,
					      size, 1, &ev[2], &ev[4]));
			CHECK(clFlush(q));
			for (int i = 0; i < 5; i++)
				assert_waiting(ev[i]);

			CHECK(clSetUserEventStatus(u, CL_COMPLETE));
			CHECK(clWaitForEvents(2, &ev[3]));
			/* The copy saw the fill of its source. */
			for (size_t i = 0; i < size; i++) {
				unsigned char want = svm_src ? pat0[i % ps]
							     : hsrc[i];

				if (to[i] != want)
					fail_msg("ps %zu dir %d: byte %zu is %u, want %u",
						 ps, dir, i, to[i], want);
			}
			if (!svm_dst)	/* dst kept its own fill */
				for (size_t i = 0; i < size; i++)
					assert_int_equal(dst[i], pat1[i % ps]);

			CHECK(clEnqueueSVMUnmap(q, src, 0, NULL, &ev[5]));
			CHECK(clEnqueueSVMUnmap(q, dst, 0, NULL, &ev[6]));
			CHECK(clEnqueueSVMMemFill(q, src, pat1, ps, size / 2, 0,
						  NULL, &ev[7]));
			CHECK(clEnqueueSVMMemFill(q, dst + size / 2, pat1, ps,
						  size / 2, 0, NULL, &ev[8]));
			CHECK(clEnqueueSVMMemcpy(q, CL_FALSE, dst, src,
						 size / 2, 0, NULL, &ev[9]));
			CHECK(clEnqueueSVMMemcpy(q, CL_TRUE, hdst, dst, size, 0,
						 NULL, &ev[10]));
			for (size_t i = 0; i < size; i++)
				assert_int_equal(hdst[i], pat1[i % ps]);
			CHECK(clEnqueueSVMFree(q, 2, ptrs, NULL, NULL, 0, NULL,
					       &ev[11]));
			CHECK(clWaitForEvents(1, &ev[11]));

			assert_event(ev[0], q, CL_COMMAND_SVM_MEMFILL);
			assert_event(ev[1], q, CL_COMMAND_SVM_MEMFILL);
			assert_event(ev[2], q, CL_COMMAND_SVM_MEMCPY);
			assert_event(ev[3], q, CL_COMMAND_SVM_MAP);
			assert_event(ev[4], q, CL_COMMAND_SVM_MAP);
			assert_event(ev[5], q, CL_COMMAND_SVM_UNMAP);
			assert_event(ev[6], q, CL_COMMAND_SVM_UNMAP);
			assert_event(ev[7], q, CL_COMMAND_SVM_MEMFILL);
			assert_event(ev[8], q, CL_COMMAND_SVM_MEMFILL);
			assert_event(ev[9], q, CL_COMMAND_SVM_MEMCPY);
			assert_event(ev[10], q, CL_COMMAND_SVM_MEMCPY);
			assert_event(ev[11], q, CL_COMMAND_SVM_FREE);
			assert_event(u, NULL, CL_COMMAND_USER);
			for (int i = 0; i < 12; i++)
				assert_int_equal(suite_event_status(ev[i]),
						 CL_COMPLETE);
			assert_in_order(ev, 12);
			for (int i = 0; i < 12; i++)
				CHECK(clReleaseEvent(ev[i]));
			CHECK(clReleaseEvent(u));
			free(hsrc);
			free(hdst);
		}
	}
	CHECK(clReleaseCommandQueue(q));
}

static struct {
	atomic_int calls;
	cl_uint num;
	void *ptrs[32];
	int freed;
} cb;

static void CL_CALLBACK free_cb(cl_command_queue q, cl_uint num, void *ptrs[],
				void *user_data)
{
	cl_context ctx = NULL;

	cb.num = num;
	for (cl_uint i = 0; i < num && i < 32; i++)
		cb.ptrs[i] = ptrs[i];
	/* The callback may call the API: find the context, free. */
	if (clGetCommandQueueInfo(q, CL_QUEUE_CONTEXT, sizeof(ctx), &ctx,
				  NULL) == CL_SUCCESS && ctx == user_data) {
		for (cl_uint i = 0; i < num; i++)
			clSVMFree(ctx, ptrs[i]);
		cb.freed = 1;
	}
	atomic_fetch_add(&cb.calls, 1);
}

/*
 * Fine-grained memory lets the host look while commands wait: nothing
 * changes, the free callback is not called, until the user event is set.
 */
static void test_gated_nothing_runs_early(void **state)
{
	const size_t size = 64 * 1024;
	unsigned char *a = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);
	unsigned char *b = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);
	void *bufs[32], *copy[32];
	const unsigned int pat = 0xa5c3e1f0u;
	const void *mptr[1] = { a };
	cl_event u = user_event(), ev[5];

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	memset(a, 1, size);
	memset(b, 2, size);
	for (int i = 0; i < 32; i++) {
		copy[i] = bufs[i] = clSVMAlloc(S.context, CL_MEM_READ_WRITE,
					       1024, 0);
		assert_non_null(bufs[i]);
	}
	atomic_store(&cb.calls, 0);
	cb.freed = 0;

	CHECK(clEnqueueSVMMemFill(S.queue, a, &pat, sizeof(pat), size, 1, &u,
				  &ev[0]));
	CHECK(clEnqueueSVMMemcpy(S.queue, CL_FALSE, b, a, size, 1, &ev[0],
				 &ev[1]));
	CHECK(clEnqueueSVMMigrateMem(S.queue, 1, mptr, NULL, 0, 1, &u,
				     &ev[2]));
	CHECK(clEnqueueSVMFree(S.queue, 32, bufs, free_cb, S.context, 1, &u,
			       &ev[3]));
	/* The application may reuse its array at once. */
	memset(bufs, 0, sizeof(bufs));
	CHECK(clEnqueueSVMMap(S.queue, CL_FALSE, CL_MAP_READ, b, size, 1, &u,
			      &ev[4]));
	CHECK(clFlush(S.queue));

	/* However long we look, nothing has happened. */
	for (int round = 0; round < 20; round++) {
		usleep(2000);
		for (int i = 0; i < 5; i++)
			assert_waiting(ev[i]);
		assert_int_equal(atomic_load(&cb.calls), 0);
		assert_int_equal(a[round * 1000], 1);
		assert_int_equal(b[round * 1000], 2);
	}

	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(5, ev));
	for (size_t i = 0; i < size; i += 4) {
		assert_memory_equal(a + i, &pat, 4);
		assert_memory_equal(b + i, &pat, 4);
	}
	assert_int_equal(atomic_load(&cb.calls), 1);
	assert_int_equal(cb.num, 32);
	assert_int_equal(cb.freed, 1);
	for (int i = 0; i < 32; i++)
		assert_ptr_equal(cb.ptrs[i], copy[i]);
	assert_event(ev[2], S.queue, CL_COMMAND_SVM_MIGRATE_MEM);
	assert_event(ev[3], S.queue, CL_COMMAND_SVM_FREE);
	CHECK(clEnqueueSVMUnmap(S.queue, b, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	for (int i = 0; i < 5; i++)
		CHECK(clReleaseEvent(ev[i]));
	CHECK(clReleaseEvent(u));
	clSVMFree(S.context, a);
	clSVMFree(S.context, b);
}

static atomic_int cb_status = 1;

static void CL_CALLBACK status_cb(cl_event ev, cl_int status, void *data)
{
	(void)ev;
	(void)data;
	atomic_store(&cb_status, status);
}

/*
 * A user event that fails (negative status) fails what waits for it, and
 * what waits for those; none of it touches memory.
 */
static void test_user_event_failure(void **state)
{
	const size_t size = 16 * 1024;
	unsigned char *a = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);
	unsigned char *b = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);
	unsigned char *c = clSVMAlloc(S.context, CL_MEM_READ_WRITE, size, 0);
	const void *mptr[1] = { a };
	void *fptr[1] = { b };
	const int pat = 0x01020304;
	cl_event u = user_event(), ev[7], after;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	memset(a, 1, size);
	memset(b, 2, size);
	atomic_store(&cb.calls, 0);

	CHECK(clEnqueueSVMMemFill(S.queue, a, &pat, sizeof(pat), size, 1, &u,
				  &ev[0]));
	/* Waits only for the fill: fails because the fill fails. */
	CHECK(clEnqueueSVMMemcpy(S.queue, CL_FALSE, b, a, size, 1, &ev[0],
				 &ev[1]));
	CHECK(clEnqueueSVMMap(S.queue2, CL_FALSE, CL_MAP_WRITE, c, size, 1,
			      &u, &ev[2]));
	CHECK(clEnqueueSVMUnmap(S.queue2, c, 1, &ev[2], &ev[3]));
	CHECK(clEnqueueSVMMigrateMem(S.queue, 1, mptr, NULL, 0, 1, &u,
				     &ev[4]));
	CHECK(clEnqueueSVMFree(S.queue, 1, fptr, free_cb, S.context, 1, &u,
			       &ev[5]));
	CHECK(clEnqueueSVMMemcpy(S.queue, CL_FALSE, b, a, 16, 1, &ev[4],
				 &ev[6]));
	CHECK(clSetEventCallback(ev[1], CL_COMPLETE, status_cb, NULL));

	CHECK(clSetUserEventStatus(u, -17));
	for (int i = 0; i < 7; i++) {
		assert_int_equal(clWaitForEvents(1, &ev[i]),
				 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
		if (suite_event_status(ev[i]) >= 0)
			fail_msg("command %d of a failed user event has status %d",
				 i, suite_event_status(ev[i]));
	}
	/* The callback got the failure (a negative status). */
	assert_true(atomic_load(&cb_status) < 0);
	/* Blocking enqueues report the failed dependency. */
	assert_int_equal(clEnqueueSVMMemcpy(S.queue, CL_TRUE, b, a, 16, 1, &u,
					    NULL),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(clEnqueueSVMMap(S.queue, CL_TRUE, CL_MAP_READ, a, 16,
					 1, &ev[0], NULL),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	/* Nothing ran: no data changed, no callback, nothing freed. */
	for (size_t i = 0; i < size; i++) {
		assert_int_equal(a[i], 1);
		assert_int_equal(b[i], 2);
	}
	assert_int_equal(atomic_load(&cb.calls), 0);

	/* The queues go on working. */
	CHECK(clEnqueueSVMMemFill(S.queue, a, &pat, sizeof(pat), size, 0, NULL,
				  &after));
	CHECK(clWaitForEvents(1, &after));
	assert_memory_equal(a + size - 4, &pat, 4);
	CHECK(clEnqueueSVMMap(S.queue2, CL_TRUE, CL_MAP_WRITE, c, size, 0,
			      NULL, NULL));
	c[0] = 9;
	CHECK(clEnqueueSVMUnmap(S.queue2, c, 0, NULL, NULL));
	CHECK(clFinish(S.queue2));
	CHECK(clFinish(S.queue));

	CHECK(clReleaseEvent(after));
	for (int i = 0; i < 7; i++)
		CHECK(clReleaseEvent(ev[i]));
	CHECK(clReleaseEvent(u));
	clSVMFree(S.context, a);
	clSVMFree(S.context, b);
	clSVMFree(S.context, c);
}

/* Commands of one queue wait for events of another. */
static void test_cross_queue(void **state)
{
	const size_t n = 64 * 1024;
	cl_uint *a = clSVMAlloc(S.context, CL_MEM_READ_WRITE, n * 4, 16);
	cl_uint *h = malloc(n * 4);
	const void *ptrs[2] = { a, a + 100 };
	const size_t sizes[2] = { 0, 1 };	/* the same allocation twice */
	const cl_uint pat = 0x31415926;
	cl_event u = user_event(), ev[5];

	(void)state;
	assert_non_null(a);
	assert_non_null(h);
	CHECK(clEnqueueSVMMemFill(S.queue, a, &pat, sizeof(pat), n * 4, 1, &u,
				  &ev[0]));
	CHECK(clEnqueueSVMMigrateMem(S.queue2, 2, ptrs, sizes, 0, 1, &ev[0],
				     &ev[1]));
	CHECK(clEnqueueSVMMigrateMem(S.queue, 1, ptrs, NULL,
				     CL_MIGRATE_MEM_OBJECT_HOST, 1, &ev[1],
				     &ev[2]));
	CHECK(clEnqueueSVMMemcpy(S.queue2, CL_FALSE, h, a, n * 4, 1, &ev[2],
				 &ev[3]));
	CHECK(clEnqueueSVMMap(S.queue, CL_FALSE, CL_MAP_READ, a, n * 4, 1,
			      &ev[3], &ev[4]));
	CHECK(clFlush(S.queue));
	CHECK(clFlush(S.queue2));
	for (int i = 0; i < 5; i++)
		assert_waiting(ev[i]);
	CHECK(clSetUserEventStatus(u, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &ev[4]));
	for (int i = 0; i < 5; i++)
		assert_int_equal(suite_event_status(ev[i]), CL_COMPLETE);
	assert_event(ev[1], S.queue2, CL_COMMAND_SVM_MIGRATE_MEM);
	assert_event(ev[2], S.queue, CL_COMMAND_SVM_MIGRATE_MEM);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(h[i], pat);
		assert_int_equal(a[i], pat);
	}
	CHECK(clEnqueueSVMUnmap(S.queue, a, 0, NULL, NULL));
	CHECK(clFinish(S.queue));
	for (int i = 0; i < 5; i++)
		CHECK(clReleaseEvent(ev[i]));
	CHECK(clReleaseEvent(u));
	free(h);
	clSVMFree(S.context, a);
}

/*
 * Out of order: each command waits for its own user event; releasing them
 * in reverse order completes the commands in reverse order.
 */
static void test_out_of_order_queue(void **state)
{
	enum { N = 4 };
	cl_command_queue q = new_queue(CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
	int *p = clSVMAlloc(S.context, CL_MEM_READ_WRITE |
			    CL_MEM_SVM_FINE_GRAIN_BUFFER, N * 1024 * sizeof(int),
			    0);
	cl_event u[N], ev[N];

	(void)state;
	assert_non_null(p);
	memset(p, 0, N * 1024 * sizeof(int));
	for (int i = 0; i < N; i++) {
		int v = i + 1;

		u[i] = user_event();
		CHECK(clEnqueueSVMMemFill(q, p + i * 1024, &v, sizeof(v),
					  1024 * sizeof(int), 1, &u[i],
					  &ev[i]));
	}
	CHECK(clFlush(q));
	for (int i = N - 1; i >= 0; i--) {
		CHECK(clSetUserEventStatus(u[i], CL_COMPLETE));
		CHECK(clWaitForEvents(1, &ev[i]));
		for (int j = 0; j < N; j++) {
			if (j >= i) {
				assert_int_equal(p[j * 1024 + 1023], j + 1);
			} else {
				assert_waiting(ev[j]);
				assert_int_equal(p[j * 1024], 0);
			}
		}
	}
	CHECK(clFinish(q));
	for (int i = 0; i < N; i++) {
		CHECK(clReleaseEvent(ev[i]));
		CHECK(clReleaseEvent(u[i]));
	}
	CHECK(clReleaseCommandQueue(q));
	clSVMFree(S.context, p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gated_fill_copy_map_free),
		cmocka_unit_test(test_gated_nothing_runs_early),
		cmocka_unit_test(test_user_event_failure),
		cmocka_unit_test(test_cross_queue),
		cmocka_unit_test(test_out_of_order_queue),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
