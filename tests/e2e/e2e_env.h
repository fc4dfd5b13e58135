/* SPDX-License-Identifier: MIT */
/*
 * e2e_env.h - the fixture end-to-end tests share: the first platform's GPU
 * through the loader, a context and an in-order queue, as cmocka group
 * set-up and tear-down. Include after <cmocka.h> and <CL/cl.h>.
 */
#ifndef SVMCL_E2E_ENV_H
#define SVMCL_E2E_ENV_H

#include <stdlib.h>

struct env {
	cl_platform_id platform;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue queue;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	cl_uint n = 0;
	cl_int err;

	if (!e || clGetPlatformIDs(1, &e->platform, &n) || !n)
		return -1;
	if (clGetDeviceIDs(e->platform, CL_DEVICE_TYPE_GPU, 1, &e->dev, NULL))
		return -1;
	e->ctx = clCreateContext(NULL, 1, &e->dev, NULL, NULL, &err);
	if (err)
		return -1;
	e->queue = clCreateCommandQueueWithProperties(e->ctx, e->dev, NULL, &err);
	if (err)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	clReleaseCommandQueue(e->queue);
	clReleaseContext(e->ctx);
	free(e);
	return 0;
}

#endif /* SVMCL_E2E_ENV_H */
