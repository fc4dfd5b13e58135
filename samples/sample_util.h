/* SPDX-License-Identifier: MIT */
/*
 * sample_util.h - the few lines every svmcl sample needs: find a device with
 * the SVM capabilities the sample relies on, make a context and a queue,
 * build a program (printing the build log on failure) and check calls.
 *
 * Header-only on purpose: each sample stays one file a reader can follow
 * top to bottom, with this as its only companion.
 */
#ifndef SVMCL_SAMPLE_UTIL_H
#define SVMCL_SAMPLE_UTIL_H

#define CL_TARGET_OPENCL_VERSION 300

#include <stdio.h>
#include <stdlib.h>

#include <CL/cl.h>

#define CHECK(call)                                                          \
	do {                                                                 \
		cl_int err_ = (call);                                        \
		if (err_ != CL_SUCCESS) {                                    \
			fprintf(stderr, "%s:%d: %s failed: %d\n", __FILE__,  \
				__LINE__, #call, err_);                      \
			exit(1);                                             \
		}                                                            \
	} while (0)

struct sample_cl {
	cl_platform_id platform;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue queue;
};

/*
 * The first device of any platform whose CL_DEVICE_SVM_CAPABILITIES has
 * every bit of @need; its platform in *@platform_out. NULL if none.
 */
static inline cl_device_id sample_find_device(cl_device_svm_capabilities need,
					      cl_platform_id *platform_out)
{
	cl_platform_id platforms[16];
	cl_uint np = 0;

	CHECK(clGetPlatformIDs(16, platforms, &np));
	for (cl_uint p = 0; p < np && p < 16; p++) {
		cl_device_svm_capabilities caps = 0;
		cl_device_id dev;
		cl_uint nd = 0;

		if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 1, &dev,
				   &nd) != CL_SUCCESS || !nd)
			continue;
		if (clGetDeviceInfo(dev, CL_DEVICE_SVM_CAPABILITIES,
				    sizeof(caps), &caps, NULL) != CL_SUCCESS)
			continue;
		if ((caps & need) == need) {
			*platform_out = platforms[p];
			return dev;
		}
	}
	return NULL;
}

/*
 * Open a device with @need SVM capabilities, its context (with @notify as
 * pfn_notify, may be NULL) and an in-order queue. Exits with status 1 and a
 * message when there is no such device.
 */
static inline void sample_open(struct sample_cl *cl,
			       cl_device_svm_capabilities need,
			       void (CL_CALLBACK *notify)(const char *,
							  const void *, size_t,
							  void *),
			       void *notify_data)
{
	char name[256];
	cl_int err;

	cl->dev = sample_find_device(need, &cl->platform);
	if (!cl->dev) {
		fprintf(stderr, "no OpenCL device with SVM capabilities 0x%llx\n",
			(unsigned long long)need);
		exit(1);
	}
	CHECK(clGetPlatformInfo(cl->platform, CL_PLATFORM_NAME, sizeof(name),
				name, NULL));
	printf("platform: %s\n", name);
	cl->ctx = clCreateContext(NULL, 1, &cl->dev, notify, notify_data, &err);
	CHECK(err);
	cl->queue = clCreateCommandQueueWithProperties(cl->ctx, cl->dev, NULL,
						       &err);
	CHECK(err);
}

static inline void sample_close(struct sample_cl *cl)
{
	clReleaseCommandQueue(cl->queue);
	clReleaseContext(cl->ctx);
}

/* Build @src with @options; on failure print the log and exit(1). */
static inline cl_program sample_build(struct sample_cl *cl, const char *src,
				      const char *options)
{
	cl_program prog;
	cl_int err;

	prog = clCreateProgramWithSource(cl->ctx, 1, &src, NULL, &err);
	CHECK(err);
	err = clBuildProgram(prog, 1, &cl->dev, options, NULL, NULL);
	if (err != CL_SUCCESS) {
		char log[16384];

		log[0] = '\0';
		clGetProgramBuildInfo(prog, cl->dev, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fprintf(stderr, "clBuildProgram failed (%d):\n%s\n", err, log);
		exit(1);
	}
	return prog;
}

static inline cl_kernel sample_kernel(cl_program prog, const char *name)
{
	cl_kernel k;
	cl_int err;

	k = clCreateKernel(prog, name, &err);
	CHECK(err);
	return k;
}

/* Let kernels of @k follow any host pointer (fine-grained system SVM). */
static inline void sample_allow_system_pointers(cl_kernel k)
{
	cl_bool yes = CL_TRUE;

	CHECK(clSetKernelExecInfo(k, CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(yes), &yes));
}

#endif /* SVMCL_SAMPLE_UTIL_H */
