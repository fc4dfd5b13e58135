/* SPDX-License-Identifier: MIT */
/*
 * program_util.h - what test_program.c and test_kernel.c share: svmcl's
 * platform through the loader, a context and queue, building programs,
 * running a one-dimensional kernel on malloc'd memory (fine-grain system
 * SVM) and a private binary cache directory.
 */
#ifndef SVMCL_TEST_PROGRAM_UTIL_H
#define SVMCL_TEST_PROGRAM_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <CL/cl.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK(call) assert_int_equal((call), CL_SUCCESS)

static struct {
	cl_platform_id platform;
	cl_device_id device;
	cl_context context;
	cl_command_queue queue;
	char cache_dir[256];	/* $XDG_CACHE_HOME of this test */
} E;

static inline cl_platform_id find_svmcl_platform(void)
{
	cl_platform_id ids[16];
	cl_uint n = 0;
	char name[64];

	if (clGetPlatformIDs(ARRAY_SIZE(ids), ids, &n) != CL_SUCCESS)
		return NULL;
	for (cl_uint i = 0; i < n && i < ARRAY_SIZE(ids); i++)
		if (clGetPlatformInfo(ids[i], CL_PLATFORM_NAME, sizeof(name),
				      name, NULL) == CL_SUCCESS &&
		    strcmp(name, "svmcl") == 0)
			return ids[i];
	return NULL;
}

/*
 * A private XDG_CACHE_HOME, so that the tests neither read nor fill the
 * user's binary cache (the ICD reads the variable at each build).
 */
static inline int env_setup(void **state)
{
	char tmpl[] = "/tmp/svmcl-test-cache-XXXXXX";
	cl_int err;

	(void)state;
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(E.cache_dir, sizeof(E.cache_dir), "%s", tmpl);
	setenv("XDG_CACHE_HOME", E.cache_dir, 1);
	unsetenv("SVMCL_CACHE");

	E.platform = find_svmcl_platform();
	if (!E.platform) {
		fprintf(stderr, "svmcl platform not found (OCL_ICD_VENDORS?)\n");
		return -1;
	}
	if (clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 1, &E.device,
			   NULL) != CL_SUCCESS)
		return -1;
	E.context = clCreateContext(NULL, 1, &E.device, NULL, NULL, &err);
	if (!E.context)
		return -1;
	E.queue = clCreateCommandQueueWithProperties(E.context, E.device, NULL,
						     &err);
	return E.queue ? 0 : -1;
}

static inline int env_teardown(void **state)
{
	char cmd[300];

	(void)state;
	if (E.queue)
		clReleaseCommandQueue(E.queue);
	if (E.context)
		clReleaseContext(E.context);
	if (E.cache_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", E.cache_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", E.cache_dir);
	}
	memset(&E, 0, sizeof(E));
	return 0;
}

/* The build log of @p (static buffer). */
static inline const char *build_log(cl_program p)
{
	static char log[16384];

	log[0] = '\0';
	clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_LOG, sizeof(log),
			      log, NULL);
	return log;
}

static inline cl_program source_program(const char *src)
{
	cl_int err;
	cl_program p = clCreateProgramWithSource(E.context, 1, &src, NULL,
						 &err);

	assert_non_null(p);
	CHECK(err);
	return p;
}

/* Build @src with @options; fails the test with the log on error. */
static inline cl_program build_with(const char *src, const char *options)
{
	cl_program p = source_program(src);
	cl_int err = clBuildProgram(p, 1, &E.device, options, NULL, NULL);

	if (err != CL_SUCCESS)
		fail_msg("clBuildProgram: %d\n%s", err, build_log(p));
	return p;
}

/* Compile @src (clCompileProgram, no headers); fails on error. */
static inline cl_program compile_with(const char *src, const char *options)
{
	cl_program p = source_program(src);
	cl_int err = clCompileProgram(p, 0, NULL, options, 0, NULL, NULL,
				      NULL, NULL);

	if (err != CL_SUCCESS)
		fail_msg("clCompileProgram: %d\n%s", err, build_log(p));
	return p;
}

/*
 * Run @k over @n work-items with its argument 0 set to @out (n ints) and
 * argument 1, when @arg1 is not NULL, to the int *@arg1.
 */
static inline void run_int_kernel(cl_kernel k, int *out, size_t n, const int *arg1)
{
	CHECK(clSetKernelArgSVMPointer(k, 0, out));
	if (arg1)
		CHECK(clSetKernelArg(k, 1, sizeof(int), arg1));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &n, NULL, 0, NULL,
				     NULL));
	CHECK(clFinish(E.queue));
}

/* Create kernel @name of @p, run it on n ints, return the malloc'd ints. */
static inline int *run_named(cl_program p, const char *name, size_t n,
		      const int *arg1)
{
	cl_int err;
	cl_kernel k = clCreateKernel(p, name, &err);
	int *out = calloc(n, sizeof(int));

	assert_non_null(out);
	if (!k)
		fail_msg("clCreateKernel(%s): %d", name, err);
	run_int_kernel(k, out, n, arg1);
	CHECK(clReleaseKernel(k));
	return out;
}

static inline cl_program_binary_type binary_type(cl_program p)
{
	cl_program_binary_type t = 0xdead;

	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BINARY_TYPE,
				    sizeof(t), &t, NULL));
	return t;
}

static inline cl_build_status build_status(cl_program p)
{
	cl_build_status s = 0xdead;

	CHECK(clGetProgramBuildInfo(p, E.device, CL_PROGRAM_BUILD_STATUS,
				    sizeof(s), &s, NULL));
	return s;
}

/* CL_PROGRAM_BINARIES of @p (one device), malloc'd; size in @size. */
static inline unsigned char *program_binary(cl_program p, size_t *size)
{
	unsigned char *bin;
	size_t ret = 0;

	CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof(*size), size,
			       &ret));
	assert_int_equal(ret, sizeof(size_t));
	assert_true(*size > 0);
	bin = malloc(*size);
	assert_non_null(bin);
	CHECK(clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof(bin), &bin,
			       &ret));
	assert_int_equal(ret, sizeof(unsigned char *));
	return bin;
}

static inline cl_program binary_program(const unsigned char *bin, size_t size,
				 cl_int *status, cl_int *err)
{
	return clCreateProgramWithBinary(E.context, 1, &E.device, &size, &bin,
					 status, err);
}

#endif /* SVMCL_TEST_PROGRAM_UTIL_H */
