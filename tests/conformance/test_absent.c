/* SPDX-License-Identifier: MIT */
/*
 * test_absent.c - the optional features svmcl does not have, through the
 * ICD loader: each entry point answers what OpenCL 3.0 (and the sharing
 * extensions' own text) prescribes for a device or context without the
 * feature, after rejecting bad handles with the handle's own error.
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

#include <CL/cl_egl.h>
#include <CL/cl_gl.h>

#include "sync_util.h"

static cl_command_queue new_queue(void)
{
	cl_int err = CL_SUCCESS;
	cl_command_queue q = clCreateCommandQueueWithProperties(T.context,
								T.device,
								NULL, &err);

	assert_int_equal(err, CL_SUCCESS);
	return q;
}

static cl_mem new_buffer(void)
{
	cl_int err = CL_SUCCESS;
	cl_mem m = clCreateBuffer(T.context, 0, 64, NULL, &err);

	assert_int_equal(err, CL_SUCCESS);
	return m;
}

static void noop(void *args)
{
	(void)args;
}

/*
 * Image commands: "CL_INVALID_OPERATION if the device associated with
 * command_queue does not support images"; a bad queue is still
 * CL_INVALID_COMMAND_QUEUE.
 */
static void test_image_commands(void **state)
{
	cl_command_queue q = new_queue();
	cl_command_queue not_q = (cl_command_queue)(void *)T.context;
	cl_mem m = new_buffer();
	size_t origin[3] = { 0, 0, 0 }, region[3] = { 1, 1, 1 }, pitch = 0;
	unsigned char host[16];
	cl_uint color[4] = { 0 };
	cl_int err = CL_SUCCESS;
	cl_command_queue queues[2] = { q, not_q };
	cl_int want[2] = { CL_INVALID_OPERATION, CL_INVALID_COMMAND_QUEUE };

	for (int i = 0; i < 2; i++) {
		cl_command_queue cq = queues[i];

		assert_int_equal(clEnqueueReadImage(cq, m, CL_TRUE, origin,
						    region, 0, 0, host, 0,
						    NULL, NULL), want[i]);
		assert_int_equal(clEnqueueWriteImage(cq, m, CL_TRUE, origin,
						     region, 0, 0, host, 0,
						     NULL, NULL), want[i]);
		assert_int_equal(clEnqueueCopyImage(cq, m, m, origin, origin,
						    region, 0, NULL, NULL),
				 want[i]);
		assert_int_equal(clEnqueueCopyImageToBuffer(cq, m, m, origin,
							    region, 0, 0, NULL,
							    NULL), want[i]);
		assert_int_equal(clEnqueueCopyBufferToImage(cq, m, m, 0,
							    origin, region, 0,
							    NULL, NULL),
				 want[i]);
		assert_int_equal(clEnqueueFillImage(cq, m, color, origin,
						    region, 0, NULL, NULL),
				 want[i]);
		err = CL_SUCCESS;
		assert_null(clEnqueueMapImage(cq, m, CL_TRUE, CL_MAP_READ,
					      origin, region, &pitch, NULL, 0,
					      NULL, NULL, &err));
		assert_int_equal(err, want[i]);
		/* errcode_ret may be NULL. */
		assert_null(clEnqueueMapImage(cq, m, CL_TRUE, CL_MAP_READ,
					      origin, region, &pitch, NULL, 0,
					      NULL, NULL, NULL));
	}
	CHECK(clReleaseMemObject(m));
	CHECK(clReleaseCommandQueue(q));
}

/* CL_DEVICE_EXECUTION_CAPABILITIES has no CL_EXEC_NATIVE_KERNEL. */
static void test_native_kernel(void **state)
{
	cl_command_queue q = new_queue();
	cl_command_queue not_q = (cl_command_queue)(void *)T.device;
	cl_device_exec_capabilities caps = 0;

	CHECK(clGetDeviceInfo(T.device, CL_DEVICE_EXECUTION_CAPABILITIES,
			      sizeof(caps), &caps, NULL));
	assert_int_equal(caps, CL_EXEC_KERNEL);
	assert_int_equal(clEnqueueNativeKernel(q, noop, NULL, 0, 0, NULL, NULL,
					       0, NULL, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clEnqueueNativeKernel(not_q, noop, NULL, 0, 0, NULL,
					       NULL, 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	CHECK(clReleaseCommandQueue(q));
}

/*
 * OpenGL sharing: no svmcl context is created from an OpenGL context, so
 * every creator answers CL_INVALID_CONTEXT ("not a valid context or was
 * not created from a GL context"), and no memory object has a GL object.
 */
static void test_gl_sharing(void **state)
{
	cl_context not_ctx = (cl_context)(void *)T.device;
	cl_context ctxs[2] = { T.context, not_ctx };
	cl_mem m = new_buffer();
	cl_mem not_m = (cl_mem)(void *)T.context;
	cl_gl_object_type type;
	cl_GLuint name;
	cl_int err;

	for (int i = 0; i < 2; i++) {
		cl_context c = ctxs[i];

		err = CL_SUCCESS;
		assert_null(clCreateFromGLBuffer(c, 0, 1, &err));
		assert_int_equal(err, CL_INVALID_CONTEXT);
		err = CL_SUCCESS;
		assert_null(clCreateFromGLTexture(c, 0, 0x0DE1, 0, 1, &err));
		assert_int_equal(err, CL_INVALID_CONTEXT);
		err = CL_SUCCESS;
		assert_null(clCreateFromGLTexture2D(c, 0, 0x0DE1, 0, 1, &err));
		assert_int_equal(err, CL_INVALID_CONTEXT);
		err = CL_SUCCESS;
		assert_null(clCreateFromGLTexture3D(c, 0, 0x806F, 0, 1, &err));
		assert_int_equal(err, CL_INVALID_CONTEXT);
		err = CL_SUCCESS;
		assert_null(clCreateFromGLRenderbuffer(c, 0, 1, &err));
		assert_int_equal(err, CL_INVALID_CONTEXT);
		err = CL_SUCCESS;
		assert_null(clCreateEventFromGLsyncKHR(c, NULL, &err));
		assert_int_equal(err, CL_INVALID_CONTEXT);
		assert_null(clCreateFromGLBuffer(c, 0, 1, NULL));
	}

	assert_int_equal(clGetGLObjectInfo(m, &type, &name),
			 CL_INVALID_GL_OBJECT);
	assert_int_equal(clGetGLObjectInfo(not_m, &type, &name),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clGetGLTextureInfo(m, CL_GL_TEXTURE_TARGET,
					    sizeof(name), &name, NULL),
			 CL_INVALID_GL_OBJECT);
	assert_int_equal(clGetGLTextureInfo(not_m, CL_GL_TEXTURE_TARGET,
					    sizeof(name), &name, NULL),
			 CL_INVALID_MEM_OBJECT);
	CHECK(clReleaseMemObject(m));
}

/*
 * Acquire/release: a bad queue first; no objects "does nothing and
 * returns CL_SUCCESS" (the event, when asked for, completes); then
 * CL_INVALID_CONTEXT (OpenGL: the queue's context was not created from
 * one) or CL_INVALID_EGL_OBJECT_KHR (EGL: no memory object was).
 */
typedef cl_int (*acquire_fn)(cl_command_queue, cl_uint, const cl_mem *,
			     cl_uint, const cl_event *, cl_event *);

static void check_acquire(acquire_fn fn, cl_int not_ours)
{
	cl_command_queue q = new_queue();
	cl_command_queue not_q = (cl_command_queue)(void *)T.context;
	cl_mem m = new_buffer();
	cl_mem not_m = (cl_mem)(void *)T.device;
	cl_event ev = NULL, user;
	cl_int err = CL_SUCCESS;

	assert_int_equal(fn(not_q, 0, NULL, 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(fn(q, 1, NULL, 0, NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(fn(q, 0, &m, 0, NULL, NULL), CL_INVALID_VALUE);

	/* Nothing to do: success, and the event honours the wait list. */
	user = clCreateUserEvent(T.context, &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(fn(q, 0, NULL, 1, &user, &ev));
	assert_non_null(ev);
	assert_int_not_equal(sync_status(ev), CL_COMPLETE);
	CHECK(clSetUserEventStatus(user, CL_COMPLETE));
	CHECK(clWaitForEvents(1, &ev));
	assert_int_equal(sync_status(ev), CL_COMPLETE);
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(user));
	CHECK(fn(q, 0, NULL, 0, NULL, NULL));
	assert_int_equal(fn(q, 0, NULL, 1, NULL, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);

	assert_int_equal(fn(q, 1, &m, 0, NULL, NULL), not_ours);
	if (not_ours != CL_INVALID_CONTEXT)
		assert_int_equal(fn(q, 1, &not_m, 0, NULL, NULL),
				 CL_INVALID_MEM_OBJECT);
	CHECK(clFinish(q));
	CHECK(clReleaseMemObject(m));
	CHECK(clReleaseCommandQueue(q));
}

static void test_gl_acquire_release(void **state)
{
	check_acquire(clEnqueueAcquireGLObjects, CL_INVALID_CONTEXT);
	check_acquire(clEnqueueReleaseGLObjects, CL_INVALID_CONTEXT);
}

static void test_egl(void **state)
{
	cl_context not_ctx = (cl_context)(void *)T.device;
	cl_int err = CL_SUCCESS;

	/* EGL images are images: "no devices in context support images". */
	assert_null(clCreateFromEGLImageKHR(T.context, NULL, NULL, 0, NULL,
					    &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clCreateFromEGLImageKHR(not_ctx, NULL, NULL, 0, NULL,
					    &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	/* An EGL sync needs a context made from one. */
	err = CL_SUCCESS;
	assert_null(clCreateEventFromEGLSyncKHR(T.context, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);

	check_acquire(clEnqueueAcquireEGLObjectsKHR, CL_INVALID_EGL_OBJECT_KHR);
	check_acquire(clEnqueueReleaseEGLObjectsKHR, CL_INVALID_EGL_OBJECT_KHR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_commands),
		cmocka_unit_test(test_native_kernel),
		cmocka_unit_test(test_gl_sharing),
		cmocka_unit_test(test_gl_acquire_release),
		cmocka_unit_test(test_egl),
	};

	return cmocka_run_group_tests_name("absent features", tests,
					   sync_setup, sync_teardown);
}
