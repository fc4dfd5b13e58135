/* SPDX-License-Identifier: MIT */
/*
 * test_dispatch_table.c - the ICD dispatch table, without a loader.
 *
 * Links the ICD's static parts (dispatch table, runtime, compiler, kmd)
 * directly. The loaders call any slot without checking it, so no slot may
 * be NULL; the landmark slots must hold the right functions; the stubs
 * behind unimplemented slots must answer with an error, not crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api.h"
#include "object.h"
#include "platform.h"

/* cl_khr_icd 2.0 tag (CL/cl_ext.h of newer headers), 64-bit. */
#define ICD2_TAG 0x4F50454E434C3331ull

static const void *slot(size_t i)
{
	const void *const *slots = (const void *const *)&svmcl_icd_table;

	return slots[i];
}

static void test_no_null_slot(void **state)
{
	size_t n = sizeof(svmcl_icd_table) / sizeof(void *);

	assert_int_equal(n, 150);
	for (size_t i = 0; i < n; i++) {
		if (!slot(i))
			fail_msg("dispatch slot %zu is NULL", i);
	}
}

static void test_landmark_slots(void **state)
{
	const struct {
		size_t index;
		const void *fn;
	} marks[] = {
		{ 0, (const void *)svmcl_clGetPlatformIDs },
		{ 1, (const void *)svmcl_clGetPlatformInfo },
		{ 31, (const void *)svmcl_clUnloadCompiler },
		{ 59, (const void *)svmcl_clEnqueueNDRangeKernel },
		{ 65, (const void *)svmcl_clGetExtensionFunctionAddress },
		{ 107, (const void *)svmcl_clGetExtensionFunctionAddressForPlatform },
		{ 123, (const void *)svmcl_clCreateCommandQueueWithProperties },
		{ 126, (const void *)svmcl_clSVMAlloc },
		{ 127, (const void *)svmcl_clSVMFree },
		{ 132, (const void *)svmcl_clEnqueueSVMUnmap },
		{ 134, (const void *)svmcl_clSetKernelArgSVMPointer },
		{ 135, (const void *)svmcl_clSetKernelExecInfo },
		{ 139, (const void *)svmcl_clEnqueueSVMMigrateMem },
		{ 146, (const void *)svmcl_clCreateBufferWithProperties },
		{ 148, (const void *)svmcl_clSetContextDestructorCallback },
		{ 149, (const void *)svmcl_clGetKernelSuggestedLocalWorkSize },
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		if (slot(marks[i].index) != marks[i].fn)
			fail_msg("slot %zu holds the wrong function",
				 marks[i].index);
	}
	/* A plain cl_khr_icd 1.0 table: no ICD 2.0 tag in slots 0 and 31. */
	assert_true((uintptr_t)slot(0) != (uintptr_t)ICD2_TAG);
	assert_true((uintptr_t)slot(31) != (uintptr_t)ICD2_TAG);
}

static void test_handles_use_the_table(void **state)
{
	cl_platform_id p = NULL;
	cl_device_id d = NULL;

	assert_int_equal(svmcl_clIcdGetPlatformIDsKHR(1, &p, NULL), CL_SUCCESS);
	assert_ptr_equal(p->dispatch, &svmcl_icd_table.khr);
	assert_null(p->dispatch_data);
	assert_int_equal(svmcl_clGetDeviceIDs(p, CL_DEVICE_TYPE_GPU, 1, &d,
					      NULL), CL_SUCCESS);
	assert_ptr_equal(d->dispatch, &svmcl_icd_table.khr);
	assert_ptr_equal(svmcl_clGetExtensionFunctionAddress("clIcdGetPlatformIDsKHR"),
			 (void *)svmcl_clIcdGetPlatformIDsKHR);
	assert_ptr_equal(svmcl_clGetExtensionFunctionAddress("clGetPlatformInfo"),
			 (void *)svmcl_clGetPlatformInfo);
	assert_null(svmcl_clGetExtensionFunctionAddress("clNoSuchFunction"));
	assert_null(svmcl_clGetExtensionFunctionAddress(NULL));
	assert_int_equal(svmcl_clIcdGetPlatformIDsKHR(0, &p, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(svmcl_clIcdGetPlatformIDsKHR(1, NULL, NULL),
			 CL_INVALID_VALUE);
}

/* Stubs answer with a valid error and tolerate NULL everywhere. */
static void test_stubs_answer(void **state)
{
	cl_int err = CL_SUCCESS;
	cl_uint n = 7;

	assert_null(svmcl_clCreateBuffer(NULL, 0, 16, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(svmcl_clCreateBuffer(NULL, 0, 16, NULL, NULL));
	assert_null(svmcl_clEnqueueMapBuffer(NULL, NULL, CL_TRUE, 0, 0, 0, 0,
					     NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(svmcl_clEnqueueSVMMemcpy(NULL, CL_TRUE, NULL, NULL, 0,
						  0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_null(svmcl_clCreateImage(NULL, 0, NULL, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_int_equal(svmcl_clGetPipeInfo(NULL, 0, 0, NULL, NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(svmcl_clRetainSampler(NULL), CL_INVALID_SAMPLER);
	assert_int_equal(svmcl_clGetHostTimer(NULL, NULL), CL_INVALID_DEVICE);
	assert_int_equal(svmcl_clEnqueueNativeKernel(NULL, NULL, NULL, 0, 0,
						     NULL, NULL, 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_null(svmcl_clCreateFromD3D10BufferKHR(NULL, 0, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_int_equal(svmcl_clGetSupportedImageFormats(NULL, 0, 0, 0, NULL,
							  &n),
			 CL_INVALID_CONTEXT);
	assert_null(svmcl_clCreateProgramWithBuiltInKernels(NULL, 0, NULL, "x",
							    &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
}

/* Entry points that take handles reject NULL ones (no crash). */
static void test_null_handles(void **state)
{
	cl_int err = CL_SUCCESS;
	size_t one = 1;

	assert_int_equal(svmcl_clGetDeviceInfo(NULL, CL_DEVICE_NAME, 0, NULL,
					       NULL), CL_INVALID_DEVICE);
	assert_int_equal(svmcl_clGetContextInfo(NULL, CL_CONTEXT_NUM_DEVICES, 0,
						NULL, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(svmcl_clReleaseContext(NULL), CL_INVALID_CONTEXT);
	assert_int_equal(svmcl_clFinish(NULL), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(svmcl_clReleaseEvent(NULL), CL_INVALID_EVENT);
	assert_int_equal(svmcl_clBuildProgram(NULL, 0, NULL, NULL, NULL, NULL),
			 CL_INVALID_PROGRAM);
	assert_null(svmcl_clCreateKernel(NULL, "k", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM);
	assert_int_equal(svmcl_clSetKernelArg(NULL, 0, 0, NULL),
			 CL_INVALID_KERNEL);
	assert_int_equal(svmcl_clEnqueueNDRangeKernel(NULL, NULL, 1, NULL, &one,
						      NULL, 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_null(svmcl_clSVMAlloc(NULL, 0, 64, 0));
	svmcl_clSVMFree(NULL, NULL);
	assert_null(svmcl_clCreateCommandQueueWithProperties(NULL, NULL, NULL,
							     &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_null_slot),
		cmocka_unit_test(test_landmark_slots),
		cmocka_unit_test(test_handles_use_the_table),
		cmocka_unit_test(test_stubs_answer),
		cmocka_unit_test(test_null_handles),
	};

	return cmocka_run_group_tests_name("dispatch-table", tests, NULL, NULL);
}
