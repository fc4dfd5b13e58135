/* SPDX-License-Identifier: MIT */
/*
 * sync_util.h - shared set-up of the queue, event, context and thread
 * tests: svmcl's platform and device through the loader, a context, a
 * program of small kernels, and polling helpers with a deadline.
 *
 * Include after <cmocka.h>.
 */
#ifndef SVMCL_TEST_SYNC_UTIL_H
#define SVMCL_TEST_SYNC_UTIL_H

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CL/cl.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK(call) assert_int_equal((call), CL_SUCCESS)

/*
 * append: one work-item writes @id into the next slot of @log, so the log
 *	   records the order in which commands ran (not atomic: the device
 *	   compiler has no atomic built-ins yet; commands that append must
 *	   not run at the same time);
 * add:	   p[i] += v;
 * spin:   counts in *progress until the host sets *stop (or a bound).
 */
static const char sync_src[] =
	"kernel void append(global int *log, volatile global int *count,\n"
	"		    int id)\n"
	"{\n"
	"	int n = *count;\n"
	"\n"
	"	log[n] = id;\n"
	"	*count = n + 1;\n"
	"}\n"
	"kernel void add(global int *p, int v)\n"
	"{\n"
	"	p[get_global_id(0)] += v;\n"
	"}\n"
	"kernel void spin(volatile global int *progress,\n"
	"		  volatile global int *stop)\n"
	"{\n"
	"	for (int i = 1; i < 2000000000 && !*stop; i++)\n"
	"		*progress = i;\n"
	"}\n";

static struct {
	cl_platform_id platform;
	cl_device_id device;
	cl_context context;
	cl_program program;	/* sync_src */
} T;

static inline cl_platform_id sync_find_platform(void)
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

static inline int sync_setup(void **state)
{
	const char *src = sync_src;
	char log[4096] = "";
	cl_int err;

	(void)state;
	T.platform = sync_find_platform();
	if (!T.platform) {
		fprintf(stderr, "svmcl platform not found (OCL_ICD_VENDORS?)\n");
		return -1;
	}
	if (clGetDeviceIDs(T.platform, CL_DEVICE_TYPE_GPU, 1, &T.device,
			   NULL) != CL_SUCCESS)
		return -1;
	T.context = clCreateContext(NULL, 1, &T.device, NULL, NULL, &err);
	if (!T.context)
		return -1;
	T.program = clCreateProgramWithSource(T.context, 1, &src, NULL, &err);
	if (!T.program)
		return -1;
	err = clBuildProgram(T.program, 1, &T.device, "", NULL, NULL);
	if (err != CL_SUCCESS) {
		clGetProgramBuildInfo(T.program, T.device, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fprintf(stderr, "clBuildProgram: %d\n%s\n", err, log);
		return -1;
	}
	return 0;
}

static inline int sync_teardown(void **state)
{
	(void)state;
	if (T.program)
		clReleaseProgram(T.program);
	if (T.context)
		clReleaseContext(T.context);
	memset(&T, 0, sizeof(T));
	return 0;
}

static inline cl_int sync_status(cl_event ev)
{
	cl_int status = 99;

	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
			     sizeof(status), &status, NULL));
	return status;
}

static inline double sync_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Poll @v until it reaches @want or 20 s pass. Return: its last value. */
static inline int sync_poll_atomic(atomic_int *v, int want)
{
	double end = sync_seconds() + 20.0;
	int now;

	while ((now = atomic_load(v)) < want && sync_seconds() < end)
		usleep(100);
	return now;
}

static inline cl_kernel sync_kernel(const char *name)
{
	cl_int err = 1;
	cl_kernel k = clCreateKernel(T.program, name, &err);

	assert_int_equal(err, CL_SUCCESS);
	assert_non_null(k);
	return k;
}

/* An append kernel writing @id; @log and @count are SVM allocations. */
static inline cl_kernel sync_append_kernel(int *log, int *count, int id)
{
	cl_kernel k = sync_kernel("append");

	CHECK(clSetKernelArgSVMPointer(k, 0, log));
	CHECK(clSetKernelArgSVMPointer(k, 1, count));
	CHECK(clSetKernelArg(k, 2, sizeof(id), &id));
	return k;
}

static inline cl_command_queue sync_queue(cl_command_queue_properties props)
{
	cl_queue_properties list[] = { CL_QUEUE_PROPERTIES, props, 0 };
	cl_int err = 1;
	cl_command_queue q;

	q = clCreateCommandQueueWithProperties(T.context, T.device, list, &err);
	assert_int_equal(err, CL_SUCCESS);
	assert_non_null(q);
	return q;
}

static inline cl_event sync_user_event(void)
{
	cl_int err = 1;
	cl_event u = clCreateUserEvent(T.context, &err);

	assert_int_equal(err, CL_SUCCESS);
	assert_non_null(u);
	return u;
}

/* A one-work-item launch of @k on @q. */
static inline cl_int sync_task(cl_command_queue q, cl_kernel k, cl_uint num,
			       const cl_event *list, cl_event *ev)
{
	size_t one = 1;

	return clEnqueueNDRangeKernel(q, k, 1, NULL, &one, NULL, num, list,
				      ev);
}

#endif /* SVMCL_TEST_SYNC_UTIL_H */
