/* SPDX-License-Identifier: MIT */
/*
 * test_api.c - the OpenCL API of svmcl through the real ICD loader.
 *
 * Links -lOpenCL only and runs with OCL_ICD_VENDORS pointing at the build
 * tree's vendors directory (loader_env), so every call goes application ->
 * loader -> dispatch table -> svmcl, as in any OpenCL program.
 *
 * Groups: platform, device, context, queue, program, kernel, svm,
 * execution. Each checks the success paths and the error codes for bad
 * handles, sizes, flags and NULL pointers. A handle of the wrong kind
 * (e.g. a context passed as a device) stands in for an invalid handle:
 * the loader forwards it to svmcl, which must reject it; a truly bogus
 * pointer would crash inside the loader before svmcl sees it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <CL/cl.h>
#include <CL/cl_ext.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK(call) assert_int_equal((call), CL_SUCCESS)

static const char fill_src[] =
	"kernel void fill(global int *out, int value)\n"
	"{\n"
	"	out[get_global_id(0)] = value;\n"
	"}\n";

static const char args_src[] =
	"kernel void scale(global float *out, constant float *in, float k,\n"
	"		   long n)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	if (i < n)\n"
	"		out[i] = in[i] * k;\n"
	"}\n"
	"kernel void nop(void) { }\n";

static const char local_src[] =
	"kernel void uses_local(global int *out, local int *tmp)\n"
	"{\n"
	"	out[get_global_id(0)] = 1;\n"
	"}\n";

static const char broken_src[] =
	"kernel void broken(global int *p)\n"
	"{\n"
	"	p[0] = ;\n"
	"}\n";

/* Shared by all groups: svmcl's platform, device, a context and a queue. */
static struct {
	cl_platform_id platform;
	cl_device_id device;
	cl_context context;
	cl_command_queue queue;	/* CL_QUEUE_PROFILING_ENABLE */
} E;

/* What the context's pfn_notify saw (called from the submit thread). */
static struct {
	pthread_mutex_t lock;
	int calls;
	char last[512];
} notify = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void CL_CALLBACK context_notify(const char *errinfo,
				       const void *private_info, size_t cb,
				       void *user_data)
{
	pthread_mutex_lock(&notify.lock);
	notify.calls++;
	snprintf(notify.last, sizeof(notify.last), "%s", errinfo);
	pthread_mutex_unlock(&notify.lock);
}

static cl_platform_id find_svmcl_platform(void)
{
	cl_platform_id ids[16];
	cl_uint n = 0;
	char name[64];

	if (clGetPlatformIDs(ARRAY_SIZE(ids), ids, &n) != CL_SUCCESS)
		return NULL;
	for (cl_uint i = 0; i < n && i < ARRAY_SIZE(ids); i++) {
		if (clGetPlatformInfo(ids[i], CL_PLATFORM_NAME, sizeof(name),
				      name, NULL) == CL_SUCCESS &&
		    strcmp(name, "svmcl") == 0)
			return ids[i];
	}
	return NULL;
}

static int env_setup(void **state)
{
	cl_queue_properties qprops[] = {
		CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0
	};
	cl_int err;

	E.platform = find_svmcl_platform();
	if (!E.platform) {
		fprintf(stderr, "svmcl platform not found (OCL_ICD_VENDORS?)\n");
		return -1;
	}
	if (clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 1, &E.device,
			   NULL) != CL_SUCCESS)
		return -1;
	E.context = clCreateContext(NULL, 1, &E.device, context_notify, NULL,
				    &err);
	if (!E.context)
		return -1;
	E.queue = clCreateCommandQueueWithProperties(E.context, E.device,
						     qprops, &err);
	return E.queue ? 0 : -1;
}

static int env_teardown(void **state)
{
	if (E.queue)
		clReleaseCommandQueue(E.queue);
	if (E.context)
		clReleaseContext(E.context);
	memset(&E, 0, sizeof(E));
	return 0;
}

/* Build @src in E.context; fails the test with the log on error. */
static cl_program build(const char *src)
{
	cl_program p;
	cl_int err;
	char log[4096] = "";

	p = clCreateProgramWithSource(E.context, 1, &src, NULL, &err);
	assert_non_null(p);
	err = clBuildProgram(p, 1, &E.device, "", NULL, NULL);
	if (err != CL_SUCCESS) {
		clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fail_msg("clBuildProgram: %d\n%s", err, log);
	}
	return p;
}

static char *device_string(cl_device_info param)
{
	size_t size = 0;
	char *s;

	CHECK(clGetDeviceInfo(E.device, param, 0, NULL, &size));
	s = malloc(size);
	assert_non_null(s);
	CHECK(clGetDeviceInfo(E.device, param, size, s, NULL));
	assert_int_equal(s[size - 1], '\0');
	return s;
}

/* ---- platform --------------------------------------------------------- */

static void test_platform_ids(void **state)
{
	cl_uint n = 0;
	cl_platform_id p;

	CHECK(clGetPlatformIDs(0, NULL, &n));
	assert_true(n >= 1);
	assert_int_equal(clGetPlatformIDs(0, &p, NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetPlatformIDs(1, NULL, NULL), CL_INVALID_VALUE);
	assert_non_null(E.platform);
}

static void test_platform_info(void **state)
{
	char buf[256];
	cl_version version = 0;
	cl_ulong timer = 1;
	cl_name_version exts[8];
	size_t size = 0;

	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_NAME, sizeof(buf), buf,
				&size));
	assert_string_equal(buf, "svmcl");
	assert_int_equal(size, strlen("svmcl") + 1);
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_VENDOR, sizeof(buf),
				buf, NULL));
	assert_string_equal(buf, "svmcl project");
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_VERSION, sizeof(buf),
				buf, NULL));
	assert_memory_equal(buf, "OpenCL 3.0 svmcl ", 17);
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_PROFILE, sizeof(buf),
				buf, NULL));
	assert_string_equal(buf, "FULL_PROFILE");
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_ICD_SUFFIX_KHR,
				sizeof(buf), buf, NULL));
	assert_string_equal(buf, "svmcl");
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_NUMERIC_VERSION,
				sizeof(version), &version, NULL));
	assert_int_equal(version, CL_MAKE_VERSION(3, 0, 0));
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_HOST_TIMER_RESOLUTION,
				sizeof(timer), &timer, NULL));
	assert_true(timer >= 1);	/* clGetHostTimer: CLOCK_MONOTONIC, ns */

	/* The versioned list names exactly the extensions of the string. */
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_EXTENSIONS, sizeof(buf),
				buf, NULL));
	assert_non_null(strstr(buf, "cl_khr_icd"));
	CHECK(clGetPlatformInfo(E.platform, CL_PLATFORM_EXTENSIONS_WITH_VERSION,
				sizeof(exts), exts, &size));
	assert_int_equal(size % sizeof(cl_name_version), 0);
	{
		size_t n = size / sizeof(cl_name_version), words = 0;
		char *save = NULL;

		for (char *w = strtok_r(buf, " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			bool found = false;

			for (size_t i = 0; i < n; i++)
				found |= strcmp(exts[i].name, w) == 0;
			assert_true(found);
			words++;
		}
		assert_int_equal(words, n);
	}
}

static void test_platform_info_errors(void **state)
{
	char small[2];

	assert_int_equal(clGetPlatformInfo(E.platform, 0xdead, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetPlatformInfo(E.platform, CL_PLATFORM_NAME,
					   sizeof(small), small, NULL),
			 CL_INVALID_VALUE);
	assert_null(clGetExtensionFunctionAddressForPlatform(E.platform,
							     "clNoSuchFunctionSVMCL"));
}

/* ---- device ----------------------------------------------------------- */

static void test_device_ids(void **state)
{
	cl_device_id dev = NULL;
	cl_uint n = 0;

	CHECK(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 0, NULL, &n));
	assert_int_equal(n, 1);
	CHECK(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_ALL, 1, &dev, NULL));
	assert_ptr_equal(dev, E.device);
	CHECK(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_DEFAULT, 1, &dev, &n));
	assert_ptr_equal(dev, E.device);
	assert_int_equal(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_CPU, 1, &dev,
					&n), CL_DEVICE_NOT_FOUND);
	assert_int_equal(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_ACCELERATOR,
					1, &dev, &n), CL_DEVICE_NOT_FOUND);
	assert_int_equal(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_CUSTOM, 1,
					&dev, &n), CL_DEVICE_NOT_FOUND);
	assert_int_equal(clGetDeviceIDs(E.platform, (cl_device_type)1 << 40, 1,
					&dev, &n), CL_INVALID_DEVICE_TYPE);
	assert_int_equal(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 0, &dev,
					&n), CL_INVALID_VALUE);
	assert_int_equal(clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 1, NULL,
					NULL), CL_INVALID_VALUE);
}

/* Every core OpenCL 3.0 device query must answer (two-step, as clinfo). */
static void test_device_every_query(void **state)
{
	static const cl_device_info params[] = {
		CL_DEVICE_TYPE, CL_DEVICE_VENDOR_ID, CL_DEVICE_MAX_COMPUTE_UNITS,
		CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS, CL_DEVICE_MAX_WORK_GROUP_SIZE,
		CL_DEVICE_MAX_WORK_ITEM_SIZES,
		CL_DEVICE_PREFERRED_VECTOR_WIDTH_CHAR,
		CL_DEVICE_PREFERRED_VECTOR_WIDTH_SHORT,
		CL_DEVICE_PREFERRED_VECTOR_WIDTH_INT,
		CL_DEVICE_PREFERRED_VECTOR_WIDTH_LONG,
		CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT,
		CL_DEVICE_PREFERRED_VECTOR_WIDTH_DOUBLE,
		CL_DEVICE_PREFERRED_VECTOR_WIDTH_HALF,
		CL_DEVICE_NATIVE_VECTOR_WIDTH_CHAR,
		CL_DEVICE_NATIVE_VECTOR_WIDTH_SHORT,
		CL_DEVICE_NATIVE_VECTOR_WIDTH_INT,
		CL_DEVICE_NATIVE_VECTOR_WIDTH_LONG,
		CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT,
		CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE,
		CL_DEVICE_NATIVE_VECTOR_WIDTH_HALF,
		CL_DEVICE_MAX_CLOCK_FREQUENCY, CL_DEVICE_ADDRESS_BITS,
		CL_DEVICE_MAX_READ_IMAGE_ARGS, CL_DEVICE_MAX_WRITE_IMAGE_ARGS,
		CL_DEVICE_MAX_READ_WRITE_IMAGE_ARGS, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
		CL_DEVICE_IMAGE2D_MAX_WIDTH, CL_DEVICE_IMAGE2D_MAX_HEIGHT,
		CL_DEVICE_IMAGE3D_MAX_WIDTH, CL_DEVICE_IMAGE3D_MAX_HEIGHT,
		CL_DEVICE_IMAGE3D_MAX_DEPTH, CL_DEVICE_IMAGE_MAX_BUFFER_SIZE,
		CL_DEVICE_IMAGE_MAX_ARRAY_SIZE, CL_DEVICE_MAX_SAMPLERS,
		CL_DEVICE_IMAGE_PITCH_ALIGNMENT,
		CL_DEVICE_IMAGE_BASE_ADDRESS_ALIGNMENT, CL_DEVICE_MAX_PIPE_ARGS,
		CL_DEVICE_PIPE_MAX_ACTIVE_RESERVATIONS,
		CL_DEVICE_PIPE_MAX_PACKET_SIZE, CL_DEVICE_MAX_PARAMETER_SIZE,
		CL_DEVICE_MEM_BASE_ADDR_ALIGN, CL_DEVICE_MIN_DATA_TYPE_ALIGN_SIZE,
		CL_DEVICE_SINGLE_FP_CONFIG, CL_DEVICE_DOUBLE_FP_CONFIG,
		CL_DEVICE_GLOBAL_MEM_CACHE_TYPE,
		CL_DEVICE_GLOBAL_MEM_CACHELINE_SIZE,
		CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, CL_DEVICE_GLOBAL_MEM_SIZE,
		CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE, CL_DEVICE_MAX_CONSTANT_ARGS,
		CL_DEVICE_MAX_GLOBAL_VARIABLE_SIZE,
		CL_DEVICE_GLOBAL_VARIABLE_PREFERRED_TOTAL_SIZE,
		CL_DEVICE_LOCAL_MEM_TYPE, CL_DEVICE_LOCAL_MEM_SIZE,
		CL_DEVICE_ERROR_CORRECTION_SUPPORT,
		CL_DEVICE_HOST_UNIFIED_MEMORY,
		CL_DEVICE_PROFILING_TIMER_RESOLUTION, CL_DEVICE_ENDIAN_LITTLE,
		CL_DEVICE_AVAILABLE, CL_DEVICE_COMPILER_AVAILABLE,
		CL_DEVICE_LINKER_AVAILABLE, CL_DEVICE_EXECUTION_CAPABILITIES,
		CL_DEVICE_QUEUE_ON_HOST_PROPERTIES,
		CL_DEVICE_QUEUE_ON_DEVICE_PROPERTIES,
		CL_DEVICE_QUEUE_ON_DEVICE_PREFERRED_SIZE,
		CL_DEVICE_QUEUE_ON_DEVICE_MAX_SIZE,
		CL_DEVICE_MAX_ON_DEVICE_QUEUES, CL_DEVICE_MAX_ON_DEVICE_EVENTS,
		CL_DEVICE_BUILT_IN_KERNELS, CL_DEVICE_PLATFORM, CL_DEVICE_NAME,
		CL_DEVICE_VENDOR, CL_DRIVER_VERSION, CL_DEVICE_PROFILE,
		CL_DEVICE_VERSION, CL_DEVICE_OPENCL_C_VERSION,
		CL_DEVICE_EXTENSIONS, CL_DEVICE_PRINTF_BUFFER_SIZE,
		CL_DEVICE_PREFERRED_INTEROP_USER_SYNC, CL_DEVICE_PARENT_DEVICE,
		CL_DEVICE_PARTITION_MAX_SUB_DEVICES,
		CL_DEVICE_PARTITION_PROPERTIES,
		CL_DEVICE_PARTITION_AFFINITY_DOMAIN, CL_DEVICE_PARTITION_TYPE,
		CL_DEVICE_REFERENCE_COUNT, CL_DEVICE_SVM_CAPABILITIES,
		CL_DEVICE_PREFERRED_PLATFORM_ATOMIC_ALIGNMENT,
		CL_DEVICE_PREFERRED_GLOBAL_ATOMIC_ALIGNMENT,
		CL_DEVICE_PREFERRED_LOCAL_ATOMIC_ALIGNMENT,
		CL_DEVICE_IL_VERSION, CL_DEVICE_MAX_NUM_SUB_GROUPS,
		CL_DEVICE_SUB_GROUP_INDEPENDENT_FORWARD_PROGRESS,
		CL_DEVICE_NUMERIC_VERSION, CL_DEVICE_EXTENSIONS_WITH_VERSION,
		CL_DEVICE_ILS_WITH_VERSION,
		CL_DEVICE_BUILT_IN_KERNELS_WITH_VERSION,
		CL_DEVICE_ATOMIC_MEMORY_CAPABILITIES,
		CL_DEVICE_ATOMIC_FENCE_CAPABILITIES,
		CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT,
		CL_DEVICE_OPENCL_C_ALL_VERSIONS,
		CL_DEVICE_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
		CL_DEVICE_WORK_GROUP_COLLECTIVE_FUNCTIONS_SUPPORT,
		CL_DEVICE_GENERIC_ADDRESS_SPACE_SUPPORT,
		CL_DEVICE_OPENCL_C_FEATURES,
		CL_DEVICE_DEVICE_ENQUEUE_CAPABILITIES, CL_DEVICE_PIPE_SUPPORT,
		CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED,
	};
	unsigned char buf[4096];

	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		size_t size = ~(size_t)0, size2 = 0;
		cl_int err;

		err = clGetDeviceInfo(E.device, params[i], 0, NULL, &size);
		if (err != CL_SUCCESS)
			fail_msg("query 0x%x: %d", params[i], err);
		assert_true(size <= sizeof(buf));
		CHECK(clGetDeviceInfo(E.device, params[i], sizeof(buf), buf,
				      &size2));
		assert_int_equal(size, size2);
	}
}

static void test_device_info(void **state)
{
	cl_device_type type = 0;
	cl_device_svm_capabilities svm = 0;
	cl_command_queue_properties qprops = 0;
	cl_platform_id platform = NULL;
	cl_uint cus = 0;
	cl_ulong global = 0, max_alloc = 0;
	cl_bool b = CL_TRUE;
	cl_name_version nv[16];
	size_t size = 0;
	bool has30 = false;
	char *s;
	static const cl_device_info unsupported[] = {
		CL_DEVICE_IMAGE_SUPPORT, CL_DEVICE_PIPE_SUPPORT,
		CL_DEVICE_NON_UNIFORM_WORK_GROUP_SUPPORT,
		CL_DEVICE_WORK_GROUP_COLLECTIVE_FUNCTIONS_SUPPORT,
		CL_DEVICE_SUB_GROUP_INDEPENDENT_FORWARD_PROGRESS,
	};

	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_TYPE, sizeof(type), &type,
			      NULL));
	assert_int_equal(type, CL_DEVICE_TYPE_GPU);
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_PLATFORM, sizeof(platform),
			      &platform, NULL));
	assert_ptr_equal(platform, E.platform);

	s = device_string(CL_DEVICE_VERSION);
	assert_memory_equal(s, "OpenCL 3.0 ", 11);
	free(s);
	s = device_string(CL_DEVICE_OPENCL_C_VERSION);
	assert_memory_equal(s, "OpenCL C 1.2 ", 13);
	free(s);
	s = device_string(CL_DEVICE_IL_VERSION);
	assert_string_equal(s, "");
	free(s);
	s = device_string(CL_DEVICE_LATEST_CONFORMANCE_VERSION_PASSED);
	{
		unsigned y, m, d, n;
		char tail;

		assert_int_equal(strlen(s), strlen("vYYYY-MM-DD-NN"));
		assert_int_equal(sscanf(s, "v%4u-%2u-%2u-%2u%c", &y, &m, &d, &n,
					&tail), 4);
	}
	free(s);

	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_OPENCL_C_ALL_VERSIONS,
			      sizeof(nv), nv, &size));
	for (size_t i = 0; i < size / sizeof(nv[0]); i++)
		has30 |= nv[i].version == CL_MAKE_VERSION(3, 0, 0);
	assert_true(has30);
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_OPENCL_C_FEATURES,
			      sizeof(nv), nv, &size));
	assert_true(size >= sizeof(nv[0]));
	assert_string_equal(nv[0].name, "__opencl_c_int64");

	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_SVM_CAPABILITIES,
			      sizeof(svm), &svm, NULL));
	assert_int_equal(svm, CL_DEVICE_SVM_COARSE_GRAIN_BUFFER |
			      CL_DEVICE_SVM_FINE_GRAIN_BUFFER |
			      CL_DEVICE_SVM_FINE_GRAIN_SYSTEM |
			      CL_DEVICE_SVM_ATOMICS);
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_QUEUE_ON_HOST_PROPERTIES,
			      sizeof(qprops), &qprops, NULL));
	assert_true(qprops & CL_QUEUE_PROFILING_ENABLE);
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_MAX_COMPUTE_UNITS,
			      sizeof(cus), &cus, NULL));
	assert_true(cus >= 1);
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_GLOBAL_MEM_SIZE,
			      sizeof(global), &global, NULL));
	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
			      sizeof(max_alloc), &max_alloc, NULL));
	assert_true(global > 0);
	assert_true(max_alloc >= 128ull << 20 && max_alloc <= global);

	for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++) {
		CHECK(clGetDeviceInfo(E.device, unsupported[i], sizeof(b), &b,
				      NULL));
		assert_int_equal(b, CL_FALSE);
	}
	CHECK(clRetainDevice(E.device));
	CHECK(clReleaseDevice(E.device));
}

static void test_device_info_errors(void **state)
{
	cl_uint u;
	char small[4];
	cl_device_id not_a_device = (cl_device_id)(void *)E.context;

	assert_int_equal(clGetDeviceInfo(E.device, 0xdead, sizeof(u), &u, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetDeviceInfo(E.device, CL_DEVICE_NAME,
					 sizeof(small), small, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetDeviceInfo(E.device, CL_DEVICE_GLOBAL_MEM_SIZE,
					 sizeof(u), &u, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetDeviceInfo(not_a_device, CL_DEVICE_NAME, 0, NULL,
					 NULL), CL_INVALID_DEVICE);
	assert_int_equal(clRetainDevice(not_a_device), CL_INVALID_DEVICE);
}

/* ---- context ---------------------------------------------------------- */

static void CL_CALLBACK destructor_cb(cl_context ctx, void *user_data)
{
	(*(int *)user_data)++;
}

static void test_context_create(void **state)
{
	cl_context_properties props[] = {
		CL_CONTEXT_PLATFORM, (cl_context_properties)E.platform, 0
	};
	cl_context_properties got[3];
	cl_device_id dev = NULL;
	cl_uint u = 0;
	size_t size = 1;
	int destroyed = 0;
	cl_context ctx;
	cl_int err = 1;

	ctx = clCreateContext(props, 1, &E.device, NULL, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	assert_non_null(ctx);
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_NUM_DEVICES, sizeof(u), &u,
			       NULL));
	assert_int_equal(u, 1);
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_DEVICES, sizeof(dev), &dev,
			       NULL));
	assert_ptr_equal(dev, E.device);
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_PROPERTIES, sizeof(got), got,
			       &size));
	assert_int_equal(size, sizeof(props));
	assert_memory_equal(got, props, sizeof(props));
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_REFERENCE_COUNT, sizeof(u), &u,
			       NULL));
	assert_int_equal(u, 1);
	CHECK(clRetainContext(ctx));
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_REFERENCE_COUNT, sizeof(u), &u,
			       NULL));
	assert_int_equal(u, 2);
	CHECK(clSetContextDestructorCallback(ctx, destructor_cb, &destroyed));
	CHECK(clReleaseContext(ctx));
	assert_int_equal(destroyed, 0);
	CHECK(clReleaseContext(ctx));
	assert_int_equal(destroyed, 1);

	/* NULL properties: CL_CONTEXT_PROPERTIES is empty. */
	ctx = clCreateContext(NULL, 1, &E.device, NULL, NULL, &err);
	assert_non_null(ctx);
	CHECK(clGetContextInfo(ctx, CL_CONTEXT_PROPERTIES, 0, NULL, &size));
	assert_int_equal(size, 0);
	CHECK(clReleaseContext(ctx));

	/* Duplicate devices collapse. */
	{
		cl_device_id two[2] = { E.device, E.device };

		ctx = clCreateContext(NULL, 2, two, NULL, NULL, &err);
		assert_non_null(ctx);
		CHECK(clReleaseContext(ctx));
	}
}

static void test_context_create_errors(void **state)
{
	cl_context_properties bad_name[] = { 0x7777, 1, 0 };
	cl_context_properties dup[] = {
		CL_CONTEXT_INTEROP_USER_SYNC, CL_FALSE,
		CL_CONTEXT_INTEROP_USER_SYNC, CL_TRUE, 0
	};
	cl_context_properties bad_platform[] = {
		CL_CONTEXT_PLATFORM, (cl_context_properties)E.device, 0
	};
	cl_device_id not_a_device = (cl_device_id)(void *)E.context;
	int dummy;
	cl_int err = CL_SUCCESS;

	assert_null(clCreateContext(NULL, 1, NULL, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateContext(NULL, 0, &E.device, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateContext(NULL, 1, &E.device, NULL, &dummy, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateContext(bad_name, 1, &E.device, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_PROPERTY);
	assert_null(clCreateContext(dup, 1, &E.device, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_PROPERTY);
	assert_null(clCreateContext(bad_platform, 1, &E.device, NULL, NULL,
				    &err));
	assert_int_equal(err, CL_INVALID_PLATFORM);
	assert_null(clCreateContext(NULL, 1, &not_a_device, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_DEVICE);
}

static void test_context_from_type(void **state)
{
	cl_context_properties props[] = {
		CL_CONTEXT_PLATFORM, (cl_context_properties)E.platform, 0
	};
	cl_context ctx;
	cl_int err = 1;

	ctx = clCreateContextFromType(props, CL_DEVICE_TYPE_GPU, NULL, NULL,
				      &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clReleaseContext(ctx));
	ctx = clCreateContextFromType(props, CL_DEVICE_TYPE_ALL, NULL, NULL,
				      &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clReleaseContext(ctx));
	assert_null(clCreateContextFromType(props, CL_DEVICE_TYPE_CPU, NULL,
					    NULL, &err));
	assert_int_equal(err, CL_DEVICE_NOT_FOUND);
	assert_null(clCreateContextFromType(props, CL_DEVICE_TYPE_ACCELERATOR,
					    NULL, NULL, &err));
	assert_int_equal(err, CL_DEVICE_NOT_FOUND);
	assert_null(clCreateContextFromType(props, (cl_device_type)1 << 40,
					    NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_DEVICE_TYPE);
}

static void test_context_info_errors(void **state)
{
	cl_uint u;
	cl_context not_a_context = (cl_context)(void *)E.queue;

	assert_int_equal(clGetContextInfo(E.context, 0xdead, sizeof(u), &u,
					  NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetContextInfo(E.context, CL_CONTEXT_NUM_DEVICES, 1,
					  &u, NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetContextInfo(not_a_context, CL_CONTEXT_NUM_DEVICES,
					  sizeof(u), &u, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clRetainContext(not_a_context), CL_INVALID_CONTEXT);
	assert_int_equal(clReleaseContext(not_a_context), CL_INVALID_CONTEXT);
}

/* ---- queue ------------------------------------------------------------ */

static void test_queue_create(void **state)
{
	cl_queue_properties props[] = {
		CL_QUEUE_PROPERTIES, CL_QUEUE_PROFILING_ENABLE, 0
	};
	cl_queue_properties got[3];
	cl_command_queue_properties qp = 0;
	cl_command_queue q, dflt = (cl_command_queue)1;
	cl_context ctx = NULL;
	cl_device_id dev = NULL;
	cl_uint u = 0;
	size_t size = 0;
	cl_int err = 1;

	q = clCreateCommandQueueWithProperties(E.context, E.device, props,
					       &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_CONTEXT, sizeof(ctx), &ctx,
				    NULL));
	assert_ptr_equal(ctx, E.context);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_DEVICE, sizeof(dev), &dev,
				    NULL));
	assert_ptr_equal(dev, E.device);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES, sizeof(qp), &qp,
				    NULL));
	assert_int_equal(qp, CL_QUEUE_PROFILING_ENABLE);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES_ARRAY, sizeof(got),
				    got, &size));
	assert_int_equal(size, sizeof(props));
	assert_memory_equal(got, props, sizeof(props));
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_DEVICE_DEFAULT, sizeof(dflt),
				    &dflt, NULL));
	assert_null(dflt);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, sizeof(u), &u,
				    NULL));
	assert_int_equal(u, 1);
	assert_int_equal(clGetCommandQueueInfo(q, CL_QUEUE_SIZE, sizeof(u), &u,
					       NULL), CL_INVALID_COMMAND_QUEUE);
	CHECK(clFlush(q));
	CHECK(clFinish(q));
	CHECK(clRetainCommandQueue(q));
	CHECK(clReleaseCommandQueue(q));
	CHECK(clReleaseCommandQueue(q));

	q = clCreateCommandQueueWithProperties(E.context, E.device, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clGetCommandQueueInfo(q, CL_QUEUE_PROPERTIES_ARRAY, 0, NULL,
				    &size));
	assert_int_equal(size, 0);
	CHECK(clReleaseCommandQueue(q));

	/* The deprecated entry point. */
	q = clCreateCommandQueue(E.context, E.device, 0, &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clFinish(q));
	CHECK(clReleaseCommandQueue(q));
}

static void test_queue_errors(void **state)
{
	cl_queue_properties ooo[] = {
		CL_QUEUE_PROPERTIES,
		CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE | CL_QUEUE_ON_DEVICE, 0
	};
	cl_queue_properties bits[] = { CL_QUEUE_PROPERTIES, 1ull << 40, 0 };
	cl_queue_properties name[] = { 0x7777, 0, 0 };
	cl_context not_a_context = (cl_context)(void *)E.queue;
	cl_device_id not_a_device = (cl_device_id)(void *)E.context;
	cl_command_queue not_a_queue = (cl_command_queue)(void *)E.context;
	cl_int err = CL_SUCCESS;
	cl_uint u;

	assert_null(clCreateCommandQueueWithProperties(E.context, E.device, ooo,
						       &err));
	assert_int_equal(err, CL_INVALID_QUEUE_PROPERTIES);	/* on device */
	assert_null(clCreateCommandQueueWithProperties(E.context, E.device, bits,
						       &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateCommandQueueWithProperties(E.context, E.device, name,
						       &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateCommandQueueWithProperties(not_a_context, E.device,
						       NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreateCommandQueueWithProperties(E.context, not_a_device,
						       NULL, &err));
	assert_int_equal(err, CL_INVALID_DEVICE);
	assert_null(clCreateCommandQueue(E.context, E.device,
					 CL_QUEUE_ON_DEVICE, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_int_equal(clGetCommandQueueInfo(E.queue, 0xdead, sizeof(u), &u,
					       NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetCommandQueueInfo(not_a_queue,
					       CL_QUEUE_REFERENCE_COUNT,
					       sizeof(u), &u, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clFinish(not_a_queue), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clFlush(not_a_queue), CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clRetainCommandQueue(not_a_queue),
			 CL_INVALID_COMMAND_QUEUE);
}

/* ---- program ---------------------------------------------------------- */

static void CL_CALLBACK build_notify(cl_program p, void *user_data)
{
	(*(int *)user_data)++;
}

static void test_program_source(void **state)
{
	const char *parts[] = { "kernel void a(void) { }\n", "kernel void b" };
	size_t lengths[] = { 0, 13 };
	char buf[128];
	cl_context ctx = NULL;
	cl_build_status status = 1;
	cl_uint u = 0;
	size_t size = 0;
	cl_program p;
	cl_int err = 1;

	p = clCreateProgramWithSource(E.context, 2, parts, lengths, &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_SOURCE, sizeof(buf), buf, &size));
	assert_string_equal(buf, "kernel void a(void) { }\nkernel void b");
	assert_int_equal(size, strlen(buf) + 1);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_CONTEXT, sizeof(ctx), &ctx, NULL));
	assert_ptr_equal(ctx, E.context);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_NUM_DEVICES, sizeof(u), &u, NULL));
	assert_int_equal(u, 1);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_REFERENCE_COUNT, sizeof(u), &u,
			       NULL));
	assert_int_equal(u, 1);
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_STATUS,
				    sizeof(status), &status, NULL));
	assert_int_equal(status, CL_BUILD_NONE);
	assert_int_equal(clGetProgramInfo(p, CL_PROGRAM_NUM_KERNELS, sizeof(size),
					  &size, NULL),
			 CL_INVALID_PROGRAM_EXECUTABLE);
	assert_null(clCreateKernel(p, "a", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM_EXECUTABLE);
	CHECK(clReleaseProgram(p));
}

static void test_program_source_errors(void **state)
{
	const char *src = fill_src;
	const char *null_src[] = { fill_src, NULL };
	cl_context not_a_context = (cl_context)(void *)E.queue;
	cl_int err = CL_SUCCESS;

	assert_null(clCreateProgramWithSource(E.context, 0, &src, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithSource(E.context, 1, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithSource(E.context, 2, null_src, NULL,
					      &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateProgramWithSource(not_a_context, 1, &src, NULL,
					      &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
}

static void test_program_build(void **state)
{
	const char *src = args_src;
	cl_program_binary_type type = 0;
	cl_build_status status = 0;
	char names[64], opts[64];
	size_t n = 0;
	int notified = 0;
	cl_program p;
	cl_int err;

	p = clCreateProgramWithSource(E.context, 1, &src, NULL, &err);
	assert_non_null(p);
	err = clBuildProgram(p, 0, NULL, "-cl-std=CL1.2", build_notify,
			     &notified);
	if (err != CL_SUCCESS) {
		char log[4096] = "";

		clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fail_msg("clBuildProgram: %d\n%s", err, log);
	}
	assert_int_equal(notified, 1);
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_STATUS,
				    sizeof(status), &status, NULL));
	assert_int_equal(status, CL_BUILD_SUCCESS);
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_OPTIONS,
				    sizeof(opts), opts, NULL));
	assert_string_equal(opts, "-cl-std=CL1.2");
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BINARY_TYPE,
				    sizeof(type), &type, NULL));
	assert_int_equal(type, CL_PROGRAM_BINARY_TYPE_EXECUTABLE);
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_LOG, 0, NULL,
				    &n));
	assert_true(n >= 1);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_NUM_KERNELS, sizeof(n), &n, NULL));
	assert_int_equal(n, 2);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_KERNEL_NAMES, sizeof(names), names,
			       NULL));
	assert_true(strcmp(names, "scale;nop") == 0 ||
		    strcmp(names, "nop;scale") == 0);

	/* A rebuild while no kernel exists is fine. */
	CHECK(clBuildProgram(p, 1, &E.device, NULL, NULL, NULL));
	CHECK(clReleaseProgram(p));
}

static void test_program_build_errors(void **state)
{
	const char *src = broken_src;
	cl_device_id not_a_device = (cl_device_id)(void *)E.context;
	cl_program not_a_program = (cl_program)(void *)E.context;
	cl_build_status status = 0;
	char log[4096] = "";
	size_t size = 0;
	int dummy;
	cl_program p;
	cl_kernel k;
	cl_int err;

	p = clCreateProgramWithSource(E.context, 1, &src, NULL, &err);
	assert_non_null(p);
	assert_int_equal(clBuildProgram(p, 1, NULL, NULL, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clBuildProgram(p, 0, &E.device, NULL, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clBuildProgram(p, 1, &not_a_device, NULL, NULL, NULL),
			 CL_INVALID_DEVICE);
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, NULL, &dummy),
			 CL_INVALID_VALUE);
	assert_int_equal(clBuildProgram(not_a_program, 0, NULL, NULL, NULL,
					NULL), CL_INVALID_PROGRAM);

	/* A syntax error: CL_BUILD_PROGRAM_FAILURE and a log that says why. */
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, NULL, NULL),
			 CL_BUILD_PROGRAM_FAILURE);
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_STATUS,
				    sizeof(status), &status, NULL));
	assert_int_equal(status, CL_BUILD_ERROR);
	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_LOG,
				    sizeof(log), log, &size));
	assert_true(size > 1);
	assert_true(strlen(log) > 0);
	assert_int_equal(clGetProgramBuildInfo(p, not_a_device,
					       CL_PROGRAM_BUILD_LOG,
					       sizeof(log), log, NULL),
			 CL_INVALID_DEVICE);
	assert_null(clCreateKernel(p, "broken", &err));
	assert_int_equal(err, CL_INVALID_PROGRAM_EXECUTABLE);
	CHECK(clReleaseProgram(p));

	/* No rebuild while a kernel object is attached. */
	p = build(fill_src);
	k = clCreateKernel(p, "fill", &err);
	assert_non_null(k);
	assert_int_equal(clBuildProgram(p, 0, NULL, NULL, NULL, NULL),
			 CL_INVALID_OPERATION);
	CHECK(clReleaseKernel(k));
	CHECK(clBuildProgram(p, 0, NULL, NULL, NULL, NULL));
	CHECK(clReleaseProgram(p));
}

/* ---- kernel ----------------------------------------------------------- */

static void test_kernel_create(void **state)
{
	cl_program p = build(args_src), prog = NULL;
	cl_kernel ks[2], k;
	cl_context ctx = NULL;
	cl_uint n = 0;
	char name[32];
	cl_int err = 1;

	k = clCreateKernel(p, "scale", &err);
	assert_int_equal(err, CL_SUCCESS);
	CHECK(clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof(name), name,
			      NULL));
	assert_string_equal(name, "scale");
	CHECK(clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof(n), &n, NULL));
	assert_int_equal(n, 4);
	CHECK(clGetKernelInfo(k, CL_KERNEL_PROGRAM, sizeof(prog), &prog, NULL));
	assert_ptr_equal(prog, p);
	CHECK(clGetKernelInfo(k, CL_KERNEL_CONTEXT, sizeof(ctx), &ctx, NULL));
	assert_ptr_equal(ctx, E.context);
	CHECK(clGetKernelInfo(k, CL_KERNEL_REFERENCE_COUNT, sizeof(n), &n,
			      NULL));
	assert_int_equal(n, 1);
	CHECK(clGetKernelInfo(k, CL_KERNEL_ATTRIBUTES, sizeof(name), name,
			      NULL));
	assert_int_equal(clGetKernelInfo(k, 0xdead, sizeof(n), &n, NULL),
			 CL_INVALID_VALUE);
	CHECK(clRetainKernel(k));
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseKernel(k));

	assert_null(clCreateKernel(p, "no_such_kernel", &err));
	assert_int_equal(err, CL_INVALID_KERNEL_NAME);
	assert_null(clCreateKernel(p, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);

	CHECK(clCreateKernelsInProgram(p, 0, NULL, &n));
	assert_int_equal(n, 2);
	assert_int_equal(clCreateKernelsInProgram(p, 1, ks, &n),
			 CL_INVALID_VALUE);
	CHECK(clCreateKernelsInProgram(p, 2, ks, &n));
	CHECK(clReleaseKernel(ks[0]));
	CHECK(clReleaseKernel(ks[1]));
	CHECK(clReleaseProgram(p));
}

static void test_kernel_work_group_info(void **state)
{
	cl_program p = build(fill_src);
	cl_kernel k = clCreateKernel(p, "fill", NULL);
	cl_device_id not_a_device = (cl_device_id)(void *)E.context;
	size_t wg = 0, multiple = 0, compile[3] = { 1, 1, 1 };
	cl_ulong local = 1;

	assert_non_null(k);
	CHECK(clGetKernelWorkGroupInfo(k, E.device, CL_KERNEL_WORK_GROUP_SIZE,
				       sizeof(wg), &wg, NULL));
	assert_true(wg >= 1);
	CHECK(clGetKernelWorkGroupInfo(k, NULL,
				       CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
				       sizeof(multiple), &multiple, NULL));
	assert_true(multiple >= 1);
	CHECK(clGetKernelWorkGroupInfo(k, E.device,
				       CL_KERNEL_COMPILE_WORK_GROUP_SIZE,
				       sizeof(compile), compile, NULL));
	assert_int_equal(compile[0] + compile[1] + compile[2], 0);
	CHECK(clGetKernelWorkGroupInfo(k, E.device, CL_KERNEL_LOCAL_MEM_SIZE,
				       sizeof(local), &local, NULL));
	assert_int_equal(clGetKernelWorkGroupInfo(k, E.device,
						  CL_KERNEL_GLOBAL_WORK_SIZE,
						  sizeof(compile), compile,
						  NULL), CL_INVALID_VALUE);
	assert_int_equal(clGetKernelWorkGroupInfo(k, not_a_device,
						  CL_KERNEL_WORK_GROUP_SIZE,
						  sizeof(wg), &wg, NULL),
			 CL_INVALID_DEVICE);
	assert_int_equal(clGetKernelWorkGroupInfo(k, E.device,
						  CL_KERNEL_WORK_GROUP_SIZE,
						  1, &wg, NULL),
			 CL_INVALID_VALUE);
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

static void test_kernel_set_arg(void **state)
{
	cl_program p = build(args_src);
	cl_kernel k = clCreateKernel(p, "scale", NULL);
	cl_kernel not_a_kernel = (cl_kernel)(void *)E.context;
	cl_mem null_mem = NULL, not_a_mem = (cl_mem)(void *)E.context;
	float f = 2.0f;
	cl_long n = 4;
	int i = 0;

	assert_non_null(k);
	/* global and constant pointers: NULL buffers, sizeof(cl_mem) */
	CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &null_mem));
	CHECK(clSetKernelArg(k, 1, sizeof(cl_mem), NULL));
	assert_int_equal(clSetKernelArg(k, 0, sizeof(cl_mem), &not_a_mem),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clSetKernelArg(k, 0, 4, &null_mem),
			 CL_INVALID_ARG_SIZE);
	/* by value: exactly the argument's size */
	CHECK(clSetKernelArg(k, 2, sizeof(f), &f));
	CHECK(clSetKernelArg(k, 3, sizeof(n), &n));
	assert_int_equal(clSetKernelArg(k, 3, sizeof(i), &i),
			 CL_INVALID_ARG_SIZE);
	assert_int_equal(clSetKernelArg(k, 2, sizeof(f), NULL),
			 CL_INVALID_ARG_VALUE);
	assert_int_equal(clSetKernelArg(k, 4, sizeof(f), &f),
			 CL_INVALID_ARG_INDEX);
	assert_int_equal(clSetKernelArg(not_a_kernel, 0, sizeof(f), &f),
			 CL_INVALID_KERNEL);
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

static void test_kernel_set_arg_local(void **state)
{
	const char *src = local_src;
	cl_program p;
	cl_kernel k;
	cl_int err;

	int value = 0;

	p = clCreateProgramWithSource(E.context, 1, &src, NULL, &err);
	assert_non_null(p);
	CHECK(clBuildProgram(p, 0, NULL, NULL, NULL, NULL));
	k = clCreateKernel(p, "uses_local", &err);
	assert_non_null(k);
	/* A __local argument takes a size and no value. */
	assert_int_equal(clSetKernelArg(k, 1, sizeof(value), &value),
			 CL_INVALID_ARG_VALUE);
	assert_int_equal(clSetKernelArg(k, 1, 0, NULL), CL_INVALID_ARG_SIZE);
	CHECK(clSetKernelArg(k, 1, 64, NULL));
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

static void test_kernel_svm_args(void **state)
{
	cl_program p = build(args_src);
	cl_kernel k = clCreateKernel(p, "scale", NULL);
	float *svm = clSVMAlloc(E.context, CL_MEM_READ_WRITE, 4096, 0);
	float *host = malloc(64);
	void *ptrs[3];
	cl_bool yes = CL_TRUE;

	assert_non_null(k);
	assert_non_null(svm);
	CHECK(clSetKernelArgSVMPointer(k, 0, svm));
	CHECK(clSetKernelArgSVMPointer(k, 0, svm + 17));	/* interior */
	CHECK(clSetKernelArgSVMPointer(k, 1, host));	/* fine-grain system */
	assert_int_equal(clSetKernelArgSVMPointer(k, 2, svm),
			 CL_INVALID_ARG_VALUE);	/* by-value argument */
	assert_int_equal(clSetKernelArgSVMPointer(k, 9, svm),
			 CL_INVALID_ARG_INDEX);

	ptrs[0] = svm;
	ptrs[1] = svm + 100;
	ptrs[2] = host;
	CHECK(clSetKernelExecInfo(k, CL_KERNEL_EXEC_INFO_SVM_PTRS,
				  sizeof(ptrs), ptrs));
	CHECK(clSetKernelExecInfo(k, CL_KERNEL_EXEC_INFO_SVM_PTRS, 0, NULL));
	CHECK(clSetKernelExecInfo(k, CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(yes), &yes));
	assert_int_equal(clSetKernelExecInfo(k, CL_KERNEL_EXEC_INFO_SVM_PTRS,
					     sizeof(ptrs) - 1, ptrs),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(k, CL_KERNEL_EXEC_INFO_SVM_PTRS,
					     sizeof(ptrs), NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(k,
					     CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
					     1, &yes), CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(k, 0xdead, sizeof(yes), &yes),
			 CL_INVALID_VALUE);

	clSVMFree(E.context, svm);
	free(host);
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

/* ---- svm -------------------------------------------------------------- */

static void test_svm_alloc(void **state)
{
	static const cl_svm_mem_flags good[] = {
		0, CL_MEM_READ_WRITE, CL_MEM_READ_ONLY, CL_MEM_WRITE_ONLY,
		CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER,
		CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER |
			CL_MEM_SVM_ATOMICS,
	};
	static const cl_uint alignments[] = { 0, 1, 16, 64, 128 };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(alignments); j++) {
			cl_uint a = alignments[j] ? alignments[j] : 128;
			char *p = clSVMAlloc(E.context, good[i], 1000,
					     alignments[j]);

			assert_non_null(p);
			assert_int_equal((uintptr_t)p % a, 0);
			memset(p, 0x5a, 1000);
			clSVMFree(E.context, p);
		}
	}
	clSVMFree(E.context, NULL);	/* no-op */
}

static void test_svm_alloc_errors(void **state)
{
	cl_context not_a_context = (cl_context)(void *)E.queue;
	cl_ulong max_alloc = 0;

	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
			      sizeof(max_alloc), &max_alloc, NULL));
	assert_null(clSVMAlloc(E.context, CL_MEM_SVM_ATOMICS, 64, 0));
	assert_null(clSVMAlloc(E.context, CL_MEM_READ_ONLY | CL_MEM_WRITE_ONLY,
			       64, 0));
	assert_null(clSVMAlloc(E.context, CL_MEM_READ_WRITE | CL_MEM_READ_ONLY,
			       64, 0));
	assert_null(clSVMAlloc(E.context, CL_MEM_USE_HOST_PTR, 64, 0));
	assert_null(clSVMAlloc(E.context, 0, 64, 3));
	assert_null(clSVMAlloc(E.context, 0, 64, 256));
	assert_null(clSVMAlloc(E.context, 0, 0, 0));
	assert_null(clSVMAlloc(E.context, 0, (size_t)max_alloc + 1, 0));
	assert_null(clSVMAlloc(not_a_context, 0, 64, 0));
}

/* ---- execution -------------------------------------------------------- */

static cl_int event_status(cl_event ev)
{
	cl_int status = 1;

	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
			     sizeof(status), &status, NULL));
	return status;
}

static void check_filled(const int *p, size_t n, int value)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != value)
			fail_msg("element %zu is %d, not %d", i, p[i], value);
	}
}

static void test_ndrange_svm(void **state)
{
	const size_t n = 4096;
	cl_program p = build(fill_src);
	cl_kernel k = clCreateKernel(p, "fill", NULL);
	int *svm = clSVMAlloc(E.context, CL_MEM_READ_WRITE, n * sizeof(int), 0);
	int value = 42;
	cl_command_type type = 0;
	cl_command_queue q = NULL;
	cl_ulong t[4];
	cl_event ev;

	assert_non_null(k);
	assert_non_null(svm);
	memset(svm, 0, n * sizeof(int));
	CHECK(clSetKernelArgSVMPointer(k, 0, svm));
	CHECK(clSetKernelArg(k, 1, sizeof(value), &value));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &n, NULL, 0, NULL,
				     &ev));
	CHECK(clWaitForEvents(1, &ev));
	assert_int_equal(event_status(ev), CL_COMPLETE);
	check_filled(svm, n, 42);

	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_NDRANGE_KERNEL);
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_QUEUE, sizeof(q), &q, NULL));
	assert_ptr_equal(q, E.queue);
	CHECK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_QUEUED,
				      sizeof(t[0]), &t[0], NULL));
	CHECK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_SUBMIT,
				      sizeof(t[1]), &t[1], NULL));
	CHECK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START,
				      sizeof(t[2]), &t[2], NULL));
	CHECK(clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END,
				      sizeof(t[3]), &t[3], NULL));
	assert_true(t[0] <= t[1] && t[1] <= t[2] && t[2] <= t[3]);
	CHECK(clReleaseEvent(ev));

	/* Interior pointer, explicit local size, offset, clFinish. */
	value = 7;
	{
		size_t half = n / 2, local = 64;

		CHECK(clSetKernelArgSVMPointer(k, 0, svm + half));
		CHECK(clSetKernelArg(k, 1, sizeof(value), &value));
		CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &half, &local,
					     0, NULL, NULL));
		CHECK(clFinish(E.queue));
		check_filled(svm, half, 42);
		check_filled(svm + half, half, 7);
	}

	clSVMFree(E.context, svm);
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

static void test_ndrange_system_memory(void **state)
{
	const size_t n = 3 * 1000;	/* not a power of two */
	cl_program p = build(fill_src);
	cl_kernel k = clCreateKernel(p, "fill", NULL);
	int *host = calloc(n, sizeof(int));
	int value = -5;
	cl_event ev;
	struct timespec start, now;

	assert_non_null(k);
	assert_non_null(host);
	CHECK(clSetKernelArgSVMPointer(k, 0, host));
	CHECK(clSetKernelArg(k, 1, sizeof(value), &value));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &n, NULL, 0, NULL,
				     &ev));

	/* clFlush alone must make the command complete (no clFinish). */
	CHECK(clFlush(E.queue));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (event_status(ev) != CL_COMPLETE) {
		assert_true(event_status(ev) >= 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 30)
			fail_msg("the command did not complete after clFlush");
		usleep(100);
	}
	check_filled(host, n, -5);
	CHECK(clReleaseEvent(ev));
	free(host);
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

static void test_ndrange_errors(void **state)
{
	cl_program p = build(fill_src);
	cl_kernel k = clCreateKernel(p, "fill", NULL);
	cl_kernel not_a_kernel = (cl_kernel)(void *)E.context;
	cl_command_queue not_a_queue = (cl_command_queue)(void *)E.context;
	int *svm = clSVMAlloc(E.context, 0, 4096 * sizeof(int), 0);
	size_t global = 1024, local = 100, big = 2048, zero = 0;
	size_t g2[2] = { 64, 64 }, l2[2] = { 64, 32 };
	cl_event ev = NULL;
	int value = 1;

	assert_non_null(k);
	/* Arguments not set yet. */
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						NULL, 0, NULL, NULL),
			 CL_INVALID_KERNEL_ARGS);
	CHECK(clSetKernelArgSVMPointer(k, 0, svm));
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						NULL, 0, NULL, NULL),
			 CL_INVALID_KERNEL_ARGS);
	CHECK(clSetKernelArg(k, 1, sizeof(value), &value));

	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 0, NULL, &global,
						NULL, 0, NULL, NULL),
			 CL_INVALID_WORK_DIMENSION);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 4, NULL, &global,
						NULL, 0, NULL, NULL),
			 CL_INVALID_WORK_DIMENSION);
	/* No non-uniform work-groups: 100 does not divide 1024. */
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						&local, 0, NULL, NULL),
			 CL_INVALID_WORK_GROUP_SIZE);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						&zero, 0, NULL, NULL),
			 CL_INVALID_WORK_GROUP_SIZE);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &big, &big,
						0, NULL, NULL),
			 CL_INVALID_WORK_ITEM_SIZE);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 2, NULL, g2, l2, 0,
						NULL, NULL),
			 CL_INVALID_WORK_GROUP_SIZE);	/* 2048 items */
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						NULL, 1, NULL, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						NULL, 0, &ev, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(clEnqueueNDRangeKernel(not_a_queue, k, 1, NULL,
						&global, NULL, 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, not_a_kernel, 1, NULL,
						&global, NULL, 0, NULL, NULL),
			 CL_INVALID_KERNEL);

	/* A zero-sized range (OpenCL >= 2.1) completes without running. */
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &zero, NULL, 0, NULL,
				     &ev));
	CHECK(clWaitForEvents(1, &ev));
	assert_int_equal(event_status(ev), CL_COMPLETE);
	CHECK(clReleaseEvent(ev));
	CHECK(clFinish(E.queue));

	assert_int_equal(clWaitForEvents(0, NULL), CL_INVALID_VALUE);
	{
		cl_event not_an_event = (cl_event)(void *)E.context;

		assert_int_equal(clWaitForEvents(1, &not_an_event),
				 CL_INVALID_EVENT);
		assert_int_equal(clGetEventInfo(not_an_event,
						CL_EVENT_REFERENCE_COUNT, 0,
						NULL, NULL),
				 CL_INVALID_EVENT);
	}

	clSVMFree(E.context, svm);
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

/* Run @fn with stderr captured into @buf. */
static void capture_stderr(void (*fn)(void *), void *arg, char *buf,
			   size_t size)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t got;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	got = fread(buf, 1, size - 1, tmp);
	buf[got] = '\0';
	fclose(tmp);
	fputs(buf, stderr);	/* keep it visible in the test log */
}

struct fault_run {
	cl_kernel kernel;
	cl_event ev;
	cl_int finish;
};

static void run_faulting_kernel(void *arg)
{
	struct fault_run *r = arg;
	size_t n = 1024;

	r->finish = clEnqueueNDRangeKernel(E.queue, r->kernel, 1, NULL, &n,
					   NULL, 0, NULL, &r->ev);
	if (r->finish == CL_SUCCESS)
		r->finish = clFinish(E.queue);
}

static void test_device_fault(void **state)
{
	const size_t n = 1024;
	long page = sysconf(_SC_PAGESIZE);
	cl_program p = build(fill_src);
	cl_kernel k = clCreateKernel(p, "fill", NULL);
	struct fault_run r = { .kernel = k };
	char err[2048], expect[128];
	int *hole, *good, value = 3;
	cl_event after;
	size_t one = 1;
	int calls;

	assert_non_null(k);
	/*
	 * An address the CPU cannot access. PROT_NONE rather than unmapped:
	 * the range stays reserved, so a thread svmcl starts meanwhile (its
	 * stack, ASan's per-thread data) cannot land on it.
	 */
	hole = mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	assert_true(hole != MAP_FAILED);

	pthread_mutex_lock(&notify.lock);
	calls = notify.calls;
	pthread_mutex_unlock(&notify.lock);

	CHECK(clSetKernelArgSVMPointer(k, 0, hole));
	CHECK(clSetKernelArg(k, 1, sizeof(value), &value));
	capture_stderr(run_faulting_kernel, &r, err, sizeof(err));

	/* clFinish reports the failure once, the event carries it. */
	assert_int_equal(r.finish, CL_OUT_OF_RESOURCES);
	assert_int_equal(event_status(r.ev), CL_OUT_OF_RESOURCES);
	assert_int_equal(clWaitForEvents(1, &r.ev),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	CHECK(clFinish(E.queue));

	/* A person sees it on stderr, the application in pfn_notify. */
	snprintf(expect, sizeof(expect),
		 "svmcl: device fault in kernel 'fill': write at 0x");
	assert_non_null(strstr(err, expect));
	assert_non_null(strstr(err, "(no CPU mapping)"));
	assert_non_null(strstr(err, "work-group ("));
	assert_non_null(strstr(err, "compute unit "));
	pthread_mutex_lock(&notify.lock);
	assert_int_equal(notify.calls, calls + 1);
	assert_non_null(strstr(notify.last, "device fault in kernel 'fill'"));
	pthread_mutex_unlock(&notify.lock);

	/* A command that waits on the failed one fails too, without running. */
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &one, NULL, 1, &r.ev,
				     &after));
	assert_int_equal(clWaitForEvents(1, &after),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(event_status(after),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	CHECK(clReleaseEvent(after));
	CHECK(clReleaseEvent(r.ev));
	clFinish(E.queue);	/* consume that failure */

	/* The queue is usable again: the next kernel runs normally. */
	good = clSVMAlloc(E.context, CL_MEM_READ_WRITE, n * sizeof(int), 0);
	assert_non_null(good);
	value = 9;
	CHECK(clSetKernelArgSVMPointer(k, 0, good));
	CHECK(clSetKernelArg(k, 1, sizeof(value), &value));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &n, NULL, 0, NULL,
				     NULL));
	CHECK(clFinish(E.queue));
	check_filled(good, n, 9);

	clSVMFree(E.context, good);
	munmap(hole, 4 * page);
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseProgram(p));
}

int main(void)
{
	const struct CMUnitTest platform[] = {
		cmocka_unit_test(test_platform_ids),
		cmocka_unit_test(test_platform_info),
		cmocka_unit_test(test_platform_info_errors),
	};
	const struct CMUnitTest device[] = {
		cmocka_unit_test(test_device_ids),
		cmocka_unit_test(test_device_every_query),
		cmocka_unit_test(test_device_info),
		cmocka_unit_test(test_device_info_errors),
	};
	const struct CMUnitTest context[] = {
		cmocka_unit_test(test_context_create),
		cmocka_unit_test(test_context_create_errors),
		cmocka_unit_test(test_context_from_type),
		cmocka_unit_test(test_context_info_errors),
	};
	const struct CMUnitTest queue[] = {
		cmocka_unit_test(test_queue_create),
		cmocka_unit_test(test_queue_errors),
	};
	const struct CMUnitTest program[] = {
		cmocka_unit_test(test_program_source),
		cmocka_unit_test(test_program_source_errors),
		cmocka_unit_test(test_program_build),
		cmocka_unit_test(test_program_build_errors),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_kernel_create),
		cmocka_unit_test(test_kernel_work_group_info),
		cmocka_unit_test(test_kernel_set_arg),
		cmocka_unit_test(test_kernel_set_arg_local),
		cmocka_unit_test(test_kernel_svm_args),
	};
	const struct CMUnitTest svm[] = {
		cmocka_unit_test(test_svm_alloc),
		cmocka_unit_test(test_svm_alloc_errors),
	};
	const struct CMUnitTest execution[] = {
		cmocka_unit_test(test_ndrange_svm),
		cmocka_unit_test(test_ndrange_system_memory),
		cmocka_unit_test(test_ndrange_errors),
		cmocka_unit_test(test_device_fault),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("platform", platform, env_setup,
					      env_teardown);
	failed += cmocka_run_group_tests_name("device", device, env_setup,
					      env_teardown);
	failed += cmocka_run_group_tests_name("context", context, env_setup,
					      env_teardown);
	failed += cmocka_run_group_tests_name("queue", queue, env_setup,
					      env_teardown);
	failed += cmocka_run_group_tests_name("program", program, env_setup,
					      env_teardown);
	failed += cmocka_run_group_tests_name("kernel", kernel, env_setup,
					      env_teardown);
	failed += cmocka_run_group_tests_name("svm", svm, env_setup,
					      env_teardown);
	failed += cmocka_run_group_tests_name("execution", execution, env_setup,
					      env_teardown);
	return failed ? 1 : 0;
}
