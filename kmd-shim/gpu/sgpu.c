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
 * With SVMCL_STATS set in the environment, the device's counters are
 * printed to stderr when the process exits.
 *
 * DOC: Locking
 *
 * sgpu_lock protects the_gpu and its reference count.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void sgpu_print_stats(const struct sgpu *gpu)
{
	const struct sgpu_stats *s = &gpu->stats;
	uint64_t l1_misses = atomic_load(&s->tlb_l1_misses);
	uint64_t l2_hits = atomic_load(&s->tlb_l2_hits);
	uint64_t l2_misses = atomic_load(&s->tlb_l2_misses);

	fprintf(stderr,
		"svmcl: sgpu0 statistics\n"
		"  dispatches        %" PRIu64 "\n"
		"  work-groups       %" PRIu64 "\n"
		"  L1 TLB misses     %" PRIu64 "\n"
		"  L2 TLB hits       %" PRIu64 " (%.1f%% of L1 misses)\n"
		"  page walks        %" PRIu64 "\n"
		"  device faults     %" PRIu64 " serviced, %" PRIu64
		" pages committed, %" PRIu64 " retries\n"
		"  invalidations     %" PRIu64 " (%" PRIu64 " entries cleared)\n"
		"  unresolved faults %" PRIu64 "\n",
		(uint64_t)atomic_load(&s->dispatches),
		(uint64_t)atomic_load(&s->work_groups), l1_misses, l2_hits,
		l2_hits + l2_misses ? 100.0 * (double)l2_hits /
					      (double)(l2_hits + l2_misses)
				    : 0.0,
		(uint64_t)atomic_load(&s->walks),
		(uint64_t)atomic_load(&s->faults),
		(uint64_t)atomic_load(&s->fault_pages),
		(uint64_t)atomic_load(&s->fault_retries),
		(uint64_t)atomic_load(&s->invalidations),
		(uint64_t)atomic_load(&s->invalidated_ptes),
		(uint64_t)atomic_load(&s->device_faults));
}

__attribute__((destructor)) static void sgpu_exit_stats(void)
{
	const char *env = getenv("SVMCL_STATS");

	if (!env || !*env || !strcmp(env, "0"))
		return;
	pthread_mutex_lock(&sgpu_lock);
	if (the_gpu)
		sgpu_print_stats(the_gpu);
	pthread_mutex_unlock(&sgpu_lock);
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
