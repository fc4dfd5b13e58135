/* SPDX-License-Identifier: MIT */
/*
 * test_info.c - the rules every clGet*Info entry point follows, checked
 * for every query of every object kind through the ICD loader:
 *
 *  - param_value NULL: success, and param_value_size_ret gets the size;
 *  - param_value_size at least that size: success, the same size back,
 *    and param_value_size_ret may be NULL;
 *  - param_value_size one byte short with a non-NULL param_value:
 *    CL_INVALID_VALUE, and param_value is left untouched;
 *  - an unknown param_name: CL_INVALID_VALUE;
 *  - the wrong kind of handle: the handle's own error.
 *
 * Every core OpenCL 3.0 device query (CL_DEVICE_TYPE to
 * CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED, the reserved values left
 * out) must be answered: a 3.0 device answers them all, whether it has
 * the feature or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sync_util.h"

/* Any clGet*Info through one shape: @obj and @aux (a device, an index). */
typedef cl_int (*info_fn)(void *obj, void *aux, cl_uint param, size_t size,
			  void *value, size_t *size_ret);

#define POISON 0xa5

/* Check the rules for one query; Return: the size of the answer. */
static size_t check_query(info_fn fn, void *obj, void *aux, cl_uint param)
{
	size_t size = (size_t)-1, size2 = (size_t)-1;
	unsigned char *buf;
	cl_int err;

	err = fn(obj, aux, param, 0, NULL, &size);
	if (err != CL_SUCCESS)
		fail_msg("query 0x%x: size query returned %d", param, err);
	assert_int_not_equal(size, (size_t)-1);
	/* A size of 0 is allowed (an empty list); nothing to cut short. */
	buf = malloc(size + 1);
	assert_non_null(buf);
	memset(buf, POISON, size + 1);
	err = fn(obj, aux, param, size + 1, buf, &size2);
	if (err != CL_SUCCESS)
		fail_msg("query 0x%x: returned %d", param, err);
	assert_int_equal(size2, size);
	assert_int_equal(buf[size], POISON);	/* no byte past the answer */
	CHECK(fn(obj, aux, param, size, buf, NULL));
	if (size > 0) {
		memset(buf, POISON, size);
		err = fn(obj, aux, param, size - 1, buf, &size2);
		if (err != CL_INVALID_VALUE)
			fail_msg("query 0x%x: size %zu - 1 returned %d", param,
				 size, err);
		for (size_t i = 0; i < size; i++)
			assert_int_equal(buf[i], POISON);
	}
	free(buf);
	return size;
}

static void check_unknown(info_fn fn, void *obj, void *aux)
{
	cl_uint v;
	size_t size;

	assert_int_equal(fn(obj, aux, 0x7ffe, sizeof(v), &v, &size),
			 CL_INVALID_VALUE);
	assert_int_equal(fn(obj, aux, 0x7ffe, 0, NULL, &size),
			 CL_INVALID_VALUE);
}

static void check_all(info_fn fn, void *obj, void *aux, const cl_uint *params,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_query(fn, obj, aux, params[i]);
	check_unknown(fn, obj, aux);
}

/* --- adapters -------------------------------------------------------- */

static cl_int platform_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			    size_t *r)
{
	return clGetPlatformInfo(o, p, s, v, r);
}

static cl_int device_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			  size_t *r)
{
	return clGetDeviceInfo(o, p, s, v, r);
}

static cl_int context_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			   size_t *r)
{
	return clGetContextInfo(o, p, s, v, r);
}

static cl_int queue_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			 size_t *r)
{
	return clGetCommandQueueInfo(o, p, s, v, r);
}

static cl_int mem_info(void *o, void *aux, cl_uint p, size_t s, void *v,
		       size_t *r)
{
	return clGetMemObjectInfo(o, p, s, v, r);
}

static cl_int program_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			   size_t *r)
{
	return clGetProgramInfo(o, p, s, v, r);
}

static cl_int build_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			 size_t *r)
{
	return clGetProgramBuildInfo(o, aux, p, s, v, r);
}

static cl_int kernel_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			  size_t *r)
{
	return clGetKernelInfo(o, p, s, v, r);
}

static cl_int arg_info(void *o, void *aux, cl_uint p, size_t s, void *v,
		       size_t *r)
{
	return clGetKernelArgInfo(o, (cl_uint)(uintptr_t)aux, p, s, v, r);
}

static cl_int wg_info(void *o, void *aux, cl_uint p, size_t s, void *v,
		      size_t *r)
{
	return clGetKernelWorkGroupInfo(o, aux, p, s, v, r);
}

static cl_int event_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			 size_t *r)
{
	return clGetEventInfo(o, p, s, v, r);
}

static cl_int profiling_info(void *o, void *aux, cl_uint p, size_t s, void *v,
			     size_t *r)
{
	return clGetEventProfilingInfo(o, p, s, v, r);
}

/* --- the objects ----------------------------------------------------- */

static void test_platform(void **state)
{
	static const cl_uint params[] = {
		CL_PLATFORM_PROFILE, CL_PLATFORM_VERSION, CL_PLATFORM_NAME,
		CL_PLATFORM_VENDOR, CL_PLATFORM_EXTENSIONS,
		CL_PLATFORM_HOST_TIMER_RESOLUTION,
		CL_PLATFORM_NUMERIC_VERSION,
		CL_PLATFORM_EXTENSIONS_WITH_VERSION,
		0x0920,	/* CL_PLATFORM_ICD_SUFFIX_KHR */
	};

	check_all(platform_info, T.platform, NULL, params, ARRAY_SIZE(params));
	assert_int_equal(clGetPlatformInfo((cl_platform_id)(void *)T.context,
					   CL_PLATFORM_NAME, 0, NULL, NULL),
			 CL_INVALID_PLATFORM);
}

/* Every core query from 0x1000 to 0x1072, the reserved values left out. */
static bool device_query_reserved(cl_uint p)
{
	return p == 0x1033 ||			/* HALF_FP_CONFIG: cl_khr_fp16 */
	       p == 0x105F ||			/* reserved */
	       (p >= 0x106A && p <= 0x106E);	/* reserved */
}

static void test_device(void **state)
{
	static const cl_uint partition[] = {
		CL_DEVICE_PARTITION_PROPERTIES,
		CL_DEVICE_PARTITION_AFFINITY_DOMAIN, CL_DEVICE_PARTITION_TYPE,
	};
	cl_uint n = 0;

	for (cl_uint p = CL_DEVICE_TYPE;
	     p <= CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED; p++) {
		if (device_query_reserved(p))
			continue;
		check_query(device_info, T.device, NULL, p);
		n++;
	}
	assert_int_equal(n, 0x73 - 1 - 1 - 5);
	check_all(device_info, T.device, NULL, partition,
		  ARRAY_SIZE(partition));
	assert_int_equal(clGetDeviceInfo((cl_device_id)(void *)T.context,
					 CL_DEVICE_NAME, 0, NULL, NULL),
			 CL_INVALID_DEVICE);
}

static void test_context(void **state)
{
	static const cl_uint params[] = {
		CL_CONTEXT_REFERENCE_COUNT, CL_CONTEXT_DEVICES,
		CL_CONTEXT_PROPERTIES, CL_CONTEXT_NUM_DEVICES,
	};
	cl_context_properties props[] = {
		CL_CONTEXT_PLATFORM, (cl_context_properties)T.platform, 0
	};
	cl_context c;
	cl_int err;

	/* NULL properties: a size of 0. */
	check_all(context_info, T.context, NULL, params, ARRAY_SIZE(params));
	assert_int_equal(check_query(context_info, T.context, NULL,
				     CL_CONTEXT_PROPERTIES), 0);
	c = clCreateContext(props, 1, &T.device, NULL, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	check_all(context_info, c, NULL, params, ARRAY_SIZE(params));
	assert_int_equal(check_query(context_info, c, NULL,
				     CL_CONTEXT_PROPERTIES), sizeof(props));
	CHECK(clReleaseContext(c));
	assert_int_equal(clGetContextInfo((cl_context)(void *)T.device,
					  CL_CONTEXT_NUM_DEVICES, 0, NULL,
					  NULL),
			 CL_INVALID_CONTEXT);
}

static void test_queue(void **state)
{
	static const cl_uint params[] = {
		CL_QUEUE_CONTEXT, CL_QUEUE_DEVICE, CL_QUEUE_REFERENCE_COUNT,
		CL_QUEUE_PROPERTIES, CL_QUEUE_PROPERTIES_ARRAY,
		CL_QUEUE_DEVICE_DEFAULT,
	};
	cl_queue_properties props[] = {
		CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0
	};
	cl_command_queue q;
	cl_uint size;
	cl_int err;

	q = clCreateCommandQueueWithProperties(T.context, T.device, props,
					       &err);
	assert_int_equal(err, CL_SUCCESS);
	check_all(queue_info, q, NULL, params, ARRAY_SIZE(params));
	/* A host queue has no size (no device-side enqueue). */
	assert_int_equal(clGetCommandQueueInfo(q, CL_QUEUE_SIZE, sizeof(size),
					       &size, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	CHECK(clReleaseCommandQueue(q));
	assert_int_equal(clGetCommandQueueInfo((cl_command_queue)(void *)
					       T.context, CL_QUEUE_CONTEXT, 0,
					       NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
}

static void test_mem(void **state)
{
	static const cl_uint params[] = {
		CL_MEM_TYPE, CL_MEM_FLAGS, CL_MEM_SIZE, CL_MEM_HOST_PTR,
		CL_MEM_MAP_COUNT, CL_MEM_REFERENCE_COUNT, CL_MEM_CONTEXT,
		CL_MEM_ASSOCIATED_MEMOBJECT, CL_MEM_OFFSET,
		CL_MEM_USES_SVM_POINTER, CL_MEM_PROPERTIES,
	};
	cl_buffer_region r = { 128, 64 };
	cl_mem m, sub;
	cl_int err;

	m = clCreateBuffer(T.context, 0, 1024, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	sub = clCreateSubBuffer(m, 0, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
	assert_int_equal(err, CL_SUCCESS);
	check_all(mem_info, m, NULL, params, ARRAY_SIZE(params));
	check_all(mem_info, sub, NULL, params, ARRAY_SIZE(params));
	CHECK(clReleaseMemObject(sub));
	CHECK(clReleaseMemObject(m));
	assert_int_equal(clGetMemObjectInfo((cl_mem)(void *)T.context,
					    CL_MEM_SIZE, 0, NULL, NULL),
			 CL_INVALID_MEM_OBJECT);
}

static void test_program_and_kernel(void **state)
{
	static const cl_uint program_params[] = {
		CL_PROGRAM_REFERENCE_COUNT, CL_PROGRAM_CONTEXT,
		CL_PROGRAM_NUM_DEVICES, CL_PROGRAM_DEVICES,
		CL_PROGRAM_SOURCE, CL_PROGRAM_BINARY_SIZES,
		CL_PROGRAM_NUM_KERNELS, CL_PROGRAM_KERNEL_NAMES,
		CL_PROGRAM_IL, CL_PROGRAM_SCOPE_GLOBAL_CTORS_PRESENT,
		CL_PROGRAM_SCOPE_GLOBAL_DTORS_PRESENT,
	};
	static const cl_uint build_params[] = {
		CL_PROGRAM_BUILD_STATUS, CL_PROGRAM_BUILD_OPTIONS,
		CL_PROGRAM_BUILD_LOG, CL_PROGRAM_BINARY_TYPE,
		CL_PROGRAM_BUILD_GLOBAL_VARIABLE_TOTAL_SIZE,
	};
	static const cl_uint kernel_params[] = {
		CL_KERNEL_FUNCTION_NAME, CL_KERNEL_NUM_ARGS,
		CL_KERNEL_REFERENCE_COUNT, CL_KERNEL_CONTEXT,
		CL_KERNEL_PROGRAM, CL_KERNEL_ATTRIBUTES,
	};
	static const cl_uint arg_params[] = {
		CL_KERNEL_ARG_ADDRESS_QUALIFIER, CL_KERNEL_ARG_ACCESS_QUALIFIER,
		CL_KERNEL_ARG_TYPE_NAME, CL_KERNEL_ARG_TYPE_QUALIFIER,
		CL_KERNEL_ARG_NAME,
	};
	static const cl_uint wg_params[] = {
		CL_KERNEL_WORK_GROUP_SIZE, CL_KERNEL_COMPILE_WORK_GROUP_SIZE,
		CL_KERNEL_LOCAL_MEM_SIZE,
		CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
		CL_KERNEL_PRIVATE_MEM_SIZE,
	};
	const char *src = sync_src;
	unsigned char *binary, *too_small[1];
	size_t size;
	cl_program p;
	cl_kernel k;
	cl_int err;

	p = clCreateProgramWithSource(T.context, 1, &src, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	/* Before a build: no executable for the kernel queries. */
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_NUM_KERNELS,
					  sizeof(size), &size, NULL),
			 CL_INVALID_PROGRAM_EXECUTABLE);
	check_all(build_info, p, T.device, build_params,
		  ARRAY_SIZE(build_params));
	CHECK(clBuildProgram(p, 1, &T.device, "-cl-kernel-arg-info", NULL,
			     NULL));
	check_all(program_info, p, NULL, program_params,
		  ARRAY_SIZE(program_params));
	check_all(build_info, p, T.device, build_params,
		  ARRAY_SIZE(build_params));
	/* Never created from IL: a size of 0. */
	assert_int_equal(check_query(program_info, p, NULL, CL_PROGRAM_IL), 0);

	/* CL_PROGRAM_BINARIES: an array of one pointer per device. */
	CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof(size), &size,
			       NULL));
	binary = malloc(size);
	assert_non_null(binary);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof(binary), &binary,
			       &size));
	assert_int_equal(size, sizeof(binary));
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_BINARIES,
					  sizeof(binary) - 1, too_small, NULL),
			 CL_INVALID_VALUE);
	free(binary);

	k = clCreateKernel(p, "append", &err);
	assert_int_equal(err, CL_SUCCESS);
	check_all(kernel_info, k, NULL, kernel_params,
		  ARRAY_SIZE(kernel_params));
	for (uintptr_t i = 0; i < 3; i++)
		check_all(arg_info, k, (void *)i, arg_params,
			  ARRAY_SIZE(arg_params));
	assert_int_equal(clGetKernelArgInfo(k, 3, CL_KERNEL_ARG_NAME, 0, NULL,
					    &size),
			 CL_INVALID_ARG_INDEX);
	check_all(wg_info, k, T.device, wg_params, ARRAY_SIZE(wg_params));
	check_all(wg_info, k, NULL, wg_params, ARRAY_SIZE(wg_params));
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));

	assert_int_equal(clGetProgramInfo((cl_program)(void *)T.context,
					  CL_PROGRAM_SOURCE, 0, NULL, NULL),
			 CL_INVALID_PROGRAM);
	assert_int_equal(clGetKernelInfo((cl_kernel)(void *)T.context,
					 CL_KERNEL_NUM_ARGS, 0, NULL, NULL),
			 CL_INVALID_KERNEL);
}

static void test_event(void **state)
{
	static const cl_uint params[] = {
		CL_EVENT_COMMAND_QUEUE, CL_EVENT_CONTEXT,
		CL_EVENT_COMMAND_TYPE, CL_EVENT_COMMAND_EXECUTION_STATUS,
		CL_EVENT_REFERENCE_COUNT,
	};
	static const cl_uint prof[] = {
		CL_PROFILING_COMMAND_QUEUED, CL_PROFILING_COMMAND_SUBMIT,
		CL_PROFILING_COMMAND_START, CL_PROFILING_COMMAND_END,
		CL_PROFILING_COMMAND_COMPLETE,
	};
	cl_queue_properties props[] = {
		CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0
	};
	cl_command_queue q;
	cl_event ev, user;
	cl_ulong t;
	cl_int err;

	q = clCreateCommandQueueWithProperties(T.context, T.device, props,
					       &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clEnqueueMarkerWithWaitList(q, 0, NULL, &ev));
	CHECK(clWaitForEvents(1, &ev));
	check_all(event_info, ev, NULL, params, ARRAY_SIZE(params));
	check_all(profiling_info, ev, NULL, prof, ARRAY_SIZE(prof));
	CHECK(clReleaseEvent(ev));

	user = clCreateUserEvent(T.context, &err);
	assert_int_equal(err, CL_SUCCESS);
	check_all(event_info, user, NULL, params, ARRAY_SIZE(params));
	assert_int_equal(clGetEventProfilingInfo(user,
						 CL_PROFILING_COMMAND_QUEUED,
						 sizeof(t), &t, NULL),
			 CL_PROFILING_INFO_NOT_AVAILABLE);
	CHECK(clSetUserEventStatus(user, CL_COMPLETE));
	CHECK(clReleaseEvent(user));
	CHECK(clReleaseCommandQueue(q));
	assert_int_equal(clGetEventInfo((cl_event)(void *)T.context,
					CL_EVENT_CONTEXT, 0, NULL, NULL),
			 CL_INVALID_EVENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_program_and_kernel),
		cmocka_unit_test(test_event),
	};

	return cmocka_run_group_tests_name("clGet*Info rules", tests,
					   sync_setup, sync_teardown);
}
