/* SPDX-License-Identifier: MIT */
/*
 * clc_util.h - a small runner for the OpenCL C tests: build a program
 * through the ICD loader, run one kernel over fine-grained SVM buffers,
 * check on the host.
 */
#ifndef SVMCL_TESTS_CLC_UTIL_H
#define SVMCL_TESTS_CLC_UTIL_H

#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <CL/cl.h>

struct clc_env {
	cl_platform_id platform;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue queue;
};

static struct clc_env E;

static inline int clc_setup(void **state)
{
	cl_uint n = 0;
	cl_int err;

	if (clGetPlatformIDs(1, &E.platform, &n) || !n)
		return -1;
	if (clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 1, &E.dev, NULL))
		return -1;
	E.ctx = clCreateContext(NULL, 1, &E.dev, NULL, NULL, &err);
	if (err)
		return -1;
	E.queue = clCreateCommandQueueWithProperties(E.ctx, E.dev, NULL, &err);
	return err ? -1 : 0;
}

static inline int clc_teardown(void **state)
{
	clReleaseCommandQueue(E.queue);
	clReleaseContext(E.ctx);
	return 0;
}

/* Builds @src with @opts; on failure returns NULL and the log in @log. */
static inline cl_program try_build(const char *src, const char *opts, char **log,
			    cl_int *status)
{
	cl_int err;
	cl_program p = clCreateProgramWithSource(E.ctx, 1, &src, NULL, &err);
	size_t len = 0;

	assert_int_equal(err, CL_SUCCESS);
	err = clBuildProgram(p, 1, &E.dev, opts, NULL, NULL);
	if (status)
		*status = err;
	if (log) {
		clGetProgramBuildInfo(p, E.dev, CL_PROGRAM_BUILD_LOG, 0, NULL,
				      &len);
		*log = calloc(1, len + 1);
		clGetProgramBuildInfo(p, E.dev, CL_PROGRAM_BUILD_LOG, len, *log,
				      NULL);
	}
	if (err) {
		clReleaseProgram(p);
		return NULL;
	}
	return p;
}

static inline cl_program build(const char *src, const char *opts)
{
	char *log = NULL;
	cl_program p = try_build(src, opts, &log, NULL);

	if (!p)
		fprintf(stderr, "build (%s) failed:\n%s\n", opts ? opts : "",
			log);
	free(log);
	assert_non_null(p);
	return p;
}

static inline void *svm(size_t size)
{
	void *p = clSVMAlloc(E.ctx, CL_MEM_READ_WRITE |
			     CL_MEM_SVM_FINE_GRAIN_BUFFER, size, 0);

	assert_non_null(p);
	memset(p, 0, size);
	return p;
}

/*
 * Runs kernel @name of @p over @global work-items (local size chosen by
 * the runtime); each following argument is an SVM pointer, @nargs of
 * them. Returns clFinish's status.
 */
static inline cl_int run_kernel(cl_program p, const char *name, size_t global,
			 unsigned int nargs, ...)
{
	cl_int err;
	cl_kernel k = clCreateKernel(p, name, &err);
	va_list ap;

	assert_int_equal(err, CL_SUCCESS);
	va_start(ap, nargs);
	for (unsigned int i = 0; i < nargs; i++)
		assert_int_equal(clSetKernelArgSVMPointer(k, i,
							  va_arg(ap, void *)),
				 CL_SUCCESS);
	va_end(ap);
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						NULL, 0, NULL, NULL),
			 CL_SUCCESS);
	err = clFinish(E.queue);
	clReleaseKernel(k);
	return err;
}

/* Builds and runs a one-kernel program; asserts success. */
static inline void run_src(const char *src, const char *opts, const char *name,
		    size_t global, unsigned int nargs, void *a0, void *a1,
		    void *a2)
{
	cl_program p = build(src, opts);

	assert_int_equal(run_kernel(p, name, global, nargs, a0, a1, a2),
			 CL_SUCCESS);
	clReleaseProgram(p);
}

/* Error of @got against the exact @ref, in units in the last place. */
static inline double ulps_float(float got, double ref)
{
	double ulp;
	int e;

	if (isnan(ref))
		return isnan(got) ? 0 : INFINITY;
	if (fabs(ref) > 0x1.fffffep127)	/* overflows float */
		return isinf(got) && !signbit(got) == !signbit(ref) ? 0 : INFINITY;
	if (isinf(got) || isnan(got))
		return INFINITY;
	frexp(ref, &e);
	ulp = ldexp(1.0, (e - 1 < -126 ? -126 : e - 1) - 23);
	return fabs((double)got - ref) / ulp;
}

static inline double ulps_double(double got, long double ref)
{
	long double ulp;
	int e;

	if (isnan(ref))
		return isnan(got) ? 0 : INFINITY;
	if (isinf(ref) || fabsl(ref) > DBL_MAX)
		return isinf(got) && !signbit(got) == !signbit(ref) ? 0 : INFINITY;
	if (isinf(got) || isnan(got))
		return INFINITY;
	frexpl(ref, &e);
	ulp = ldexpl(1.0L, (e - 1 < -1022 ? -1022 : e - 1) - 52);
	return (double)(fabsl((long double)got - ref) / ulp);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* SVMCL_TESTS_CLC_UTIL_H */
