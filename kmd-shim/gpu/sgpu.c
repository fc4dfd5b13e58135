/* SPDX-License-Identifier: MIT */
/*
 * sgpu.c - the software GPU device object.
 *
 * DOC: Overview
 *
 * One device per process, created by the first open of "sgpu0" and torn
 * down when the last handle closes: compute-unit threads are started only
 * when a program actually uses the GPU, so clinfo and the loader's probing
 * stay cheap.
 *
 * DOC: Locking
 *
 * sgpu_lock protects the_gpu and its reference count.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "gpu/sgpu.h"

static pthread_mutex_t sgpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sgpu *the_gpu;
static unsigned int the_gpu_refs;

static void sgpu_destroy(struct sgpu *gpu)
{
	sgpu_cus_stop(gpu);
	pthread_cond_destroy(&gpu->done_cond);
	pthread_cond_destroy(&gpu->launch_cond);
	pthread_mutex_destroy(&gpu->launch_lock);
	pthread_mutex_destroy(&gpu->dispatch_lock);
	pthread_mutex_destroy(&gpu->vm_lock);
	free(gpu);
}

static int sgpu_create(struct sgpu **out)
{
	struct sgpu *gpu = calloc(1, sizeof(*gpu));
	int ret;

	if (!gpu)
		return -ENOMEM;
	pthread_mutex_init(&gpu->vm_lock, NULL);
	pthread_mutex_init(&gpu->dispatch_lock, NULL);
	pthread_mutex_init(&gpu->launch_lock, NULL);
	pthread_cond_init(&gpu->launch_cond, NULL);
	pthread_cond_init(&gpu->done_cond, NULL);

	ret = sgpu_cus_start(gpu);
	if (ret)
		goto err_sync;
	*out = gpu;
	return 0;

err_sync:
	pthread_cond_destroy(&gpu->done_cond);
	pthread_cond_destroy(&gpu->launch_cond);
	pthread_mutex_destroy(&gpu->launch_lock);
	pthread_mutex_destroy(&gpu->dispatch_lock);
	pthread_mutex_destroy(&gpu->vm_lock);
	free(gpu);
	return ret;
}

int sgpu_get(struct sgpu **out)
{
	int ret = 0;

	pthread_mutex_lock(&sgpu_lock);
	if (!the_gpu)
		ret = sgpu_create(&the_gpu);
	if (!ret) {
		the_gpu_refs++;
		*out = the_gpu;
	}
	pthread_mutex_unlock(&sgpu_lock);
	return ret;
}

void sgpu_put(struct sgpu *gpu)
{
	pthread_mutex_lock(&sgpu_lock);
	if (--the_gpu_refs == 0) {
		the_gpu = NULL;
		sgpu_destroy(gpu);
	}
	pthread_mutex_unlock(&sgpu_lock);
}
