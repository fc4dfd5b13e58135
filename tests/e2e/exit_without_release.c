/* SPDX-License-Identifier: MIT */
/*
 * A program that runs a kernel and then exits without releasing anything.
 * Process teardown must still be clean and prompt: the address space is
 * released (a RELEASE invalidation over the whole 64-bit range reaches the
 * device), the userfaultfd monitor stops, and exit() returns. The test
 * fails by timeout if teardown hangs.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CL/cl.h>

static const char *src =
	"kernel void inc(global int *p) { p[get_global_id(0)] += 1; }\n";

int main(void)
{
	cl_platform_id platform;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue q;
	cl_program prog;
	cl_kernel k;
	size_t n = 1024;
	int *data = calloc(n, sizeof(*data));
	cl_int err;

	if (!data || clGetPlatformIDs(1, &platform, NULL) ||
	    clGetDeviceIDs(platform, CL_DEVICE_TYPE_GPU, 1, &dev, NULL))
		return 1;
	ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
	q = clCreateCommandQueueWithProperties(ctx, dev, NULL, &err);
	prog = clCreateProgramWithSource(ctx, 1, &src, NULL, &err);
	if (clBuildProgram(prog, 1, &dev, NULL, NULL, NULL))
		return 1;
	k = clCreateKernel(prog, "inc", &err);
	if (err || clSetKernelArgSVMPointer(k, 0, data) ||
	    clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, NULL) ||
	    clFinish(q))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (data[i] != 1)
			return 1;
	/* A second kernel left in flight at exit. */
	clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, NULL);
	printf("exiting with a live context, queue, program and kernel\n");
	return 0;
}
