/* SPDX-License-Identifier: MIT */
/*
 * test_context.c - contexts through the ICD loader: properties, every
 * clGetContextInfo query, destructor callbacks (newest first, after the
 * last reference), pfn_notify (calling back into the API), and the
 * errors of clCreateContext, clCreateContextFromType, clGetContextInfo,
 * clRetain/ReleaseContext and clSetContextDestructorCallback.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "sync_util.h"

static void check_props(cl_context ctx, const cl_context_properties *want,
			size_t want_size)
{
	cl_context_properties got[8];
	size_t size = 99;

	CHECK(clGetContextInfo(ctx, CL_CONTEXT_PROPERTIES, sizeof(got), got,
			       &size));
	assert_int_equal(size, want_size);
	if (want_size)
		assert_memory_equal(got, want, want_size);
}

static void test_properties(void **state)
{
	cl_context_properties plat[] = {
		CL_CONTEXT_PLATFORM, (cl_context_properties)T.platform, 0
	};
	cl_context_properties both[] = {
		CL_CONTEXT_INTEROP_USER_SYNC, CL_TRUE,
		CL_CONTEXT_PLATFORM, (cl_context_properties)T.platform, 0
	};
	cl_context ctx;
	cl_int err = 1;

	ctx = clCreateContext(plat, 1, &T.device, NULL, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	check_props(ctx, plat, sizeof(plat));
	CHECK(clReleaseContext(ctx));

	ctx = clCreateContext(both, 1, &T.device, NULL, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	check_props(ctx, both, sizeof(both));
	CHECK(clReleaseContext(ctx));

	ctx = clCreateContextFromType(both, CL_DEVICE_TYPE_GPU, NULL, NULL,
				      &err);
	assert_int_equal(err, CL_SUCCESS);
	check_props(ctx, both, sizeof(both));
	CHECK(clReleaseContext(ctx));

	/* NULL properties: nothing to report. */
	ctx = clCreateContext(NULL, 1, &T.device, NULL, NULL, NULL);
	assert_non_null(ctx);
	check_props(ctx, NULL, 0);
	CHECK(clReleaseContext(ctx));
}

static void expect_create_error(const cl_context_properties *props,
				cl_int want)
{
	cl_int err = CL_SUCCESS;

	assert_null(clCreateContext(props, 1, &T.device, NULL, NULL, &err));
	assert_int_equal(err, want);
	assert_null(clCreateContext(props, 1, &T.device, NULL, NULL, NULL));
	/*
	 * The loader routes clCreateContextFromType by CL_CONTEXT_PLATFORM
	 * (ocl-icd answers CL_INVALID_PLATFORM itself without one): only
	 * lists that name svmcl's platform reach svmcl.
	 */
	for (size_t i = 0; props[i]; i += 2) {
		if (props[i] == CL_CONTEXT_PLATFORM &&
		    props[i + 1] == (cl_context_properties)T.platform) {
			assert_null(clCreateContextFromType(props,
							    CL_DEVICE_TYPE_GPU,
							    NULL, NULL, &err));
			assert_int_equal(err, want);
			break;
		}
	}
}

static void CL_CALLBACK notify_nop(const char *errinfo, const void *info,
				   size_t cb, void *user_data)
{
	(void)errinfo;
	(void)info;
	(void)cb;
	(void)user_data;
}

static void test_create_errors(void **state)
{
	const cl_context_properties P = CL_CONTEXT_PLATFORM;
	const cl_context_properties S = CL_CONTEXT_INTEROP_USER_SYNC;
	cl_context_properties p = (cl_context_properties)T.platform;
	cl_context_properties unknown[] = { P, p, 0x7777, 0, 0 };
	cl_context_properties dup_plat[] = { P, p, P, p, 0 };
	cl_context_properties dup_sync[] = { P, p, S, CL_FALSE, S, CL_FALSE, 0 };
	cl_context_properties bad_sync[] = { P, p, S, 7, 0 };
	cl_context_properties unknown_np[] = { 0x7777, 0, 0 };
	cl_context_properties bad_plat[] = {
		P, (cl_context_properties)T.device, 0
	};
	cl_device_id not_dev = (cl_device_id)(void *)T.context;
	cl_device_id devs[2] = { T.device, not_dev };
	cl_int err = CL_SUCCESS;
	int data;

	expect_create_error(unknown, CL_INVALID_PROPERTY);
	expect_create_error(dup_plat, CL_INVALID_PROPERTY);
	expect_create_error(dup_sync, CL_INVALID_PROPERTY);
	expect_create_error(bad_sync, CL_INVALID_PROPERTY);
	expect_create_error(bad_plat, CL_INVALID_PLATFORM);
	expect_create_error(unknown_np, CL_INVALID_PROPERTY);

	assert_null(clCreateContext(NULL, 0, &T.device, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateContext(NULL, 1, &T.device, NULL, &data, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateContext(NULL, 2, devs, notify_nop, NULL, &err));
	assert_int_equal(err, CL_INVALID_DEVICE);

	assert_null(clCreateContextFromType(NULL, CL_DEVICE_TYPE_GPU, NULL,
					    &data, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateContextFromType(NULL, 1ull << 40, NULL, NULL,
					    &err));
	assert_int_equal(err, CL_INVALID_DEVICE_TYPE);
	assert_null(clCreateContextFromType(NULL, CL_DEVICE_TYPE_CPU, NULL,
					    NULL, &err));
	assert_int_equal(err, CL_DEVICE_NOT_FOUND);
}

static void test_info(void **state)
{
	cl_context ctx = clCreateContext(NULL, 1, &T.device, NULL, NULL, NULL);
	cl_context not_ctx = (cl_context)(void *)T.device;
	cl_device_id devs[2] = { NULL, NULL };
	cl_uint u = 0;
	size_t size = 0;

	assert_non_null(ctx);
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_NUM_DEVICES, sizeof(u), &u,
			       &size));
	assert_int_equal(u, 1);
	assert_int_equal(size, sizeof(cl_uint));
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_DEVICES, 0, NULL, &size));
	assert_int_equal(size, sizeof(cl_device_id));
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_DEVICES, sizeof(devs), devs,
			       NULL));
	assert_ptr_equal(devs[0], T.device);
	CHECK(clRetainContext(ctx));
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_REFERENCE_COUNT, sizeof(u), &u,
			       NULL));
	assert_int_equal(u, 2);
	CHECK(clReleaseContext(ctx));
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_REFERENCE_COUNT, sizeof(u), &u,
			       NULL));
	assert_int_equal(u, 1);

	assert_int_equal(clGetContextInfo(ctx, 0xdead, sizeof(u), &u, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetContextInfo(ctx, CL_CONTEXT_DEVICES, 1, devs,
					  NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetContextInfo(not_ctx, CL_CONTEXT_NUM_DEVICES,
					  sizeof(u), &u, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clRetainContext(not_ctx), CL_INVALID_CONTEXT);
	assert_int_equal(clReleaseContext(not_ctx), CL_INVALID_CONTEXT);
	CHECK(clReleaseContext(ctx));
}

static struct {
	int order[8];
	int n;
	cl_context ctx;
	bool ctx_ok;
} dtor;

static void CL_CALLBACK dtor_cb(cl_context ctx, void *data)
{
	if (dtor.n < 8)
		dtor.order[dtor.n++] = (int)(intptr_t)data;
	dtor.ctx_ok = ctx == dtor.ctx;
}

static void test_destructor_callbacks(void **state)
{
	cl_context ctx = clCreateContext(NULL, 1, &T.device, NULL, NULL, NULL);
	cl_context not_ctx = (cl_context)(void *)T.device;
	cl_command_queue q;

	memset(&dtor, 0, sizeof(dtor));
	dtor.ctx = ctx;
	assert_non_null(ctx);
	CHECK(clSetContextDestructorCallback(ctx, dtor_cb, (void *)1));
	CHECK(clSetContextDestructorCallback(ctx, dtor_cb, (void *)2));
	CHECK(clSetContextDestructorCallback(ctx, dtor_cb, (void *)3));
	assert_int_equal(clSetContextDestructorCallback(ctx, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetContextDestructorCallback(not_ctx, dtor_cb,
							NULL),
			 CL_INVALID_CONTEXT);

	/* A queue keeps the context alive past the application's release. */
	q = clCreateCommandQueueWithProperties(ctx, T.device, NULL, NULL);
	assert_non_null(q);
	CHECK(clEnqueueMarkerWithWaitList(q, 0, NULL, NULL));
	CHECK(clReleaseContext(ctx));
	assert_int_equal(dtor.n, 0);
	CHECK(clReleaseCommandQueue(q));

	/* Newest first. */
	assert_int_equal(dtor.n, 3);
	assert_int_equal(dtor.order[0], 3);
	assert_int_equal(dtor.order[1], 2);
	assert_int_equal(dtor.order[2], 1);
	assert_true(dtor.ctx_ok);
}

static struct {
	atomic_int calls;
	atomic_int reentered;
	char msg[512];
} note;

static void CL_CALLBACK notify_cb(const char *errinfo, const void *info,
				  size_t cb, void *user_data)
{
	cl_context ctx = user_data;
	cl_uint n = 0;

	(void)info;
	(void)cb;
	snprintf(note.msg, sizeof(note.msg), "%s", errinfo);
	/* No runtime lock is held: the API is usable from here. */
	if (clGetContextInfo(ctx, CL_CONTEXT_NUM_DEVICES, sizeof(n), &n,
			     NULL) == CL_SUCCESS && n == 1)
		atomic_fetch_add(&note.reentered, 1);
	atomic_fetch_add(&note.calls, 1);
}

/* A device fault reaches pfn_notify, which may call into the API. */
static void test_notify(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	cl_context ctx;
	cl_command_queue q;
	cl_program prog;
	cl_kernel k;
	const char *src = sync_src;
	size_t one = 1;
	void *hole;
	int v = 1;

	/* The context is its own user_data: the callback queries it. */
	ctx = clCreateContext(NULL, 1, &T.device, notify_cb, NULL, NULL);
	assert_non_null(ctx);
	CHECK(clReleaseContext(ctx));
	memset(&note, 0, sizeof(note));
	ctx = clCreateContext(NULL, 1, &T.device, notify_cb, T.context, NULL);
	assert_non_null(ctx);
	q = clCreateCommandQueueWithProperties(ctx, T.device, NULL, NULL);
	prog = clCreateProgramWithSource(ctx, 1, &src, NULL, NULL);
	CHECK(clBuildProgram(prog, 1, &T.device, "", NULL, NULL));
	k = clCreateKernel(prog, "add", NULL);
	assert_non_null(k);

	/* Inaccessible and reserved: no new thread's memory can land on it. */
	hole = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	CHECK(clSetKernelArgSVMPointer(k, 0, hole));
	CHECK(clSetKernelArg(k, 1, sizeof(v), &v));
	CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &one, NULL, 0, NULL,
				     NULL));
	assert_int_equal(clFinish(q), CL_OUT_OF_RESOURCES);
	assert_int_equal(atomic_load(&note.calls), 1);
	assert_int_equal(atomic_load(&note.reentered), 1);
	assert_non_null(strstr(note.msg, "device fault in kernel 'add'"));
	munmap(hole, page);

	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(prog));
	CHECK(clReleaseCommandQueue(q));
	CHECK(clReleaseContext(ctx));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_destructor_callbacks),
		cmocka_unit_test(test_notify),
	};

	return cmocka_run_group_tests_name("context", tests, sync_setup,
					   sync_teardown);
}
