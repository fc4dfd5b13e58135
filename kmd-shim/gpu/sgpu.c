/* SPDX-License-Identifier: MIT */
/*
 * sgpu.c - the software GPU device object and its statistics.
 *
 * DOC: Overview
 *
 * One device per process, created by the first open of "sgpu0" and torn
 * down when the last handle closes: compute-unit threads are started only
 * when a program actually uses the GPU, so clinfo and the loader's probing
 * stay cheap. The configuration (config.c) is read from the environment
 * at creation.
 *
 * Statistics are device-wide atomics for rare events (batches,
 * shootdowns) and per-unit counters for the miss path (no cache line
 * shared between units); sgpu_stats_fill() sums them for
 * KMD_IOCTL_GET_STATS. With SVMCL_STATS set in the environment they are
 * printed to stderr when the device goes away (last handle closed, or
 * process exit while it is open), with the derived figures:
 * TLB hit rate per level, pages per batch, coalescing ratio (records per
 * hmm_range_fault window), prefetch effect and shootdown latency, and
 * what the automatic migration policy did (migrate_policy.c).
 *
 * DOC: Locking
 *
 * sgpu_lock protects the_gpu and its reference count.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpu/sgpu.h"

static pthread_mutex_t sgpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sgpu *the_gpu;
static unsigned int the_gpu_refs;

/* Room for every unit's outstanding fault and a few batches of others. */
#define SGPU_FAULT_RING_MIN 1024

static void sgpu_print_stats(const struct sgpu *gpu);
static bool sgpu_stats_wanted(void);

static void sgpu_destroy(struct sgpu *gpu)
{
	/* The last handle closes before exit: print what it did now. */
	if (sgpu_stats_wanted())
		sgpu_print_stats(gpu);
	/* No migration may start or run once the units and pool go. */
	sgpu_migrate_policy_fini(gpu);
	sgpu_cus_stop(gpu);
	/* Every VM is gone: device pages come back with nothing to clear. */
	sgpu_vram_fini(gpu);
	sgpu_fault_buffer_fini(&gpu->faults);
	pthread_mutex_destroy(&gpu->dispatch_lock);
	pthread_mutex_destroy(&gpu->vm_lock);
	free(gpu);
}

static int sgpu_create(struct sgpu **out)
{
	struct sgpu *gpu = calloc(1, sizeof(*gpu));
	unsigned int ring, slots;
	long cpus;
	int ret;

	if (!gpu)
		return -ENOMEM;
	sgpu_config_defaults(&gpu->cfg);
	sgpu_config_from_env(&gpu->cfg);
	pthread_mutex_init(&gpu->vm_lock, NULL);
	pthread_mutex_init(&gpu->dispatch_lock, NULL);
	sgpu_vram_init(gpu);

	ring = 2 * gpu->cfg.fault_batch;
	if (ring < SGPU_FAULT_RING_MIN)
		ring = SGPU_FAULT_RING_MIN;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	slots = cpus < 1 ? 1 : cpus > SGPU_FAULT_SLOTS_MAX ? SGPU_FAULT_SLOTS_MAX
							    : (unsigned int)cpus;
	ret = sgpu_fault_buffer_init(&gpu->faults, gpu->cfg.fault_batch, ring,
				     slots);
	if (ret)
		goto err_sync;
	ret = sgpu_cus_start(gpu);
	if (ret)
		goto err_faults;
	ret = sgpu_migrate_policy_init(gpu);
	if (ret)
		goto err_cus;
	*out = gpu;
	return 0;

err_cus:
	sgpu_cus_stop(gpu);
err_faults:
	sgpu_fault_buffer_fini(&gpu->faults);
err_sync:
	sgpu_vram_fini(gpu);
	pthread_mutex_destroy(&gpu->dispatch_lock);
	pthread_mutex_destroy(&gpu->vm_lock);
	free(gpu);
	return ret;
}

void sgpu_cu_counters_sum(const struct sgpu *gpu, struct sgpu_cu_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned int i = 0; i < gpu->nr_units; i++) {
		const struct sgpu_cu_counters *c = &gpu->cus[i].cnt;

#define SUM(f) sum->f += __atomic_load_n(&c->f, __ATOMIC_RELAXED)
		SUM(l1_hits);
		SUM(l1_misses);
		SUM(l2_hits);
		SUM(l2_misses);
		SUM(walks);
		SUM(locked_walks);
		SUM(fill_ahead);
		SUM(work_groups);
		SUM(faults);
		SUM(fault_wait_ns);
#undef SUM
	}
}

void sgpu_stats_fill(const struct sgpu *gpu, struct kmd_gpu_stats *s)
{
	const struct sgpu_stats *g = &gpu->stats;
	struct sgpu_cu_counters c;
	uint64_t used, total;

	sgpu_cu_counters_sum(gpu, &c);
	memset(s, 0, sizeof(*s));
	s->dispatches = atomic_load(&g->dispatches);
	s->work_groups = c.work_groups;
	s->tlb_l1_hits = c.l1_hits;
	s->tlb_l1_misses = c.l1_misses;
	s->tlb_l2_hits = c.l2_hits;
	s->tlb_l2_misses = c.l2_misses;
	s->walks = c.walks;
	s->tlb_fill_ahead = c.fill_ahead;
	s->faults = c.faults;
	s->fault_wait_ns = c.fault_wait_ns;
	s->fault_pages = atomic_load(&g->fault_pages);
	s->fault_retries = atomic_load(&g->fault_retries);
	s->fault_records = atomic_load(&g->fault_records);
	s->fault_batches = atomic_load(&g->fault_batches);
	s->fault_batch_max = atomic_load(&g->fault_batch_max);
	s->fault_unique = atomic_load(&g->fault_unique);
	s->fault_windows = atomic_load(&g->fault_windows);
	s->fault_cancelled = atomic_load(&g->fault_cancelled);
	s->fault_service_ns = atomic_load(&g->fault_service_ns);
	s->prefetch_regions = atomic_load(&g->prefetch_regions);
	s->prefetch_pages = atomic_load(&g->prefetch_pages);
	s->prefetch_failed = atomic_load(&g->prefetch_failed);
	s->invalidations = atomic_load(&g->invalidations);
	s->invalidated_ptes = atomic_load(&g->invalidated_ptes);
	s->shootdowns = atomic_load(&g->shootdowns);
	s->shootdown_ns = atomic_load(&g->shootdown_ns);
	s->shootdown_ns_max = atomic_load(&g->shootdown_ns_max);
	s->shootdown_waits = atomic_load(&g->shootdown_waits);
	s->shootdown_timeouts = atomic_load(&g->shootdown_timeouts);
	s->device_faults = atomic_load(&g->device_faults);
	s->inline_dispatches = atomic_load(&g->inline_dispatches);
	s->migrations = atomic_load(&g->migrations);
	s->evictions = atomic_load(&g->evictions);
	s->migrations_back = atomic_load(&g->migrations_back);
	s->vram_ptes = atomic_load(&g->vram_ptes);
	sgpu_vram_usage(gpu, &used, &total);
	s->vram_used = used;
	s->vram_total = total;
	s->policy_hot = atomic_load(&g->policy_hot);
	s->policy_promoted = atomic_load(&g->policy_promoted);
	s->policy_pages = atomic_load(&g->policy_pages);
	s->policy_skipped_shared = atomic_load(&g->policy_skipped_shared);
	s->policy_skipped_full = atomic_load(&g->policy_skipped_full);
	s->policy_skipped_backoff = atomic_load(&g->policy_skipped_backoff);
	s->policy_bounces = atomic_load(&g->policy_bounces);
	s->policy_skipped_unadvised = atomic_load(&g->policy_skipped_unadvised);
	if (gpu->cfg.tlb_count)
		s->flags |= KMD_GPU_STATS_L1_COUNTED;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

#define U(x) ((unsigned long long)(x))

static void sgpu_print_stats(const struct sgpu *gpu)
{
	const struct sgpu_config *cfg = &gpu->cfg;
	struct kmd_gpu_stats s;
	struct sgpu_cu_counters c;
	char l1[96];

	sgpu_stats_fill(gpu, &s);
	sgpu_cu_counters_sum(gpu, &c);
	if (s.flags & KMD_GPU_STATS_L1_COUNTED)
		snprintf(l1, sizeof(l1), "%llu hits, %llu misses (%.2f%% hit rate)",
			 U(s.tlb_l1_hits), U(s.tlb_l1_misses),
			 100.0 * ratio(s.tlb_l1_hits,
				       s.tlb_l1_hits + s.tlb_l1_misses));
	else
		snprintf(l1, sizeof(l1),
			 "%llu misses (hits: run with SVMCL_TLB_COUNT=1)",
			 U(s.tlb_l1_misses));

	fprintf(stderr,
		"svmcl: sgpu0 statistics (%u units + inline; L1 %u lines, "
		"L2 %ux%u, prefetch %s, batch %u)\n",
		gpu->num_cus, SGPU_TLB_L1_ENTRIES, cfg->l2_sets, cfg->l2_ways,
		sgpu_prefetch_name(cfg->prefetch), cfg->fault_batch);
	fprintf(stderr,
		"  dispatches        %llu (%llu inline only), %llu work-groups\n"
		"  L1 TLB            %s\n"
		"  L2 TLB            %llu hits, %llu misses (%.1f%% hit rate)\n"
		"  page walks        %llu (%llu lines filled ahead, %llu "
		"redone under the VM lock)\n",
		U(s.dispatches), U(s.inline_dispatches), U(s.work_groups), l1,
		U(s.tlb_l2_hits), U(s.tlb_l2_misses),
		100.0 * ratio(s.tlb_l2_hits, s.tlb_l2_hits + s.tlb_l2_misses),
		U(s.walks), U(s.tlb_fill_ahead), U(c.locked_walks));
	fprintf(stderr,
		"  faults            %llu raised, %llu records in %llu batches "
		"(%.1f per batch, max %llu)\n"
		"  coalescing        %llu distinct pages, %llu windows "
		"(%.2f records per window)\n"
		"  pages             %llu committed by faults, %llu by prefetch "
		"(%.1f per batch); %llu retries, %llu cancelled\n"
		"  prefetch          %llu regions, %llu failed, %llu chunks "
		"shared\n"
		"  fault service     %.1f us per batch; %.1f us per fault "
		"from post to reply\n",
		U(s.faults), U(s.fault_records), U(s.fault_batches),
		ratio(s.fault_records, s.fault_batches), U(s.fault_batch_max),
		U(s.fault_unique), U(s.fault_windows),
		ratio(s.fault_records, s.fault_windows),
		U(s.fault_pages), U(s.prefetch_pages),
		ratio(s.fault_pages + s.prefetch_pages, s.fault_batches),
		U(s.fault_retries), U(s.fault_cancelled),
		U(s.prefetch_regions), U(s.prefetch_failed),
		U(atomic_load(&gpu->stats.prefetch_shared)),
		ratio(s.fault_service_ns, s.fault_batches) / 1e3,
		ratio(s.fault_wait_ns, s.faults) / 1e3);
	fprintf(stderr,
		"  invalidations     %llu (%llu entries cleared)\n"
		"  shootdowns        %llu, %.2f us average, %.2f us max; "
		"%llu unit waits, %llu timeouts\n"
		"  VRAM              %llu pages migrated in, %llu back, "
		"%llu evicted (%llu undone); %llu VRAM PTEs; %llu of %llu "
		"pages used\n"
		"  unresolved faults %llu\n",
		U(s.invalidations), U(s.invalidated_ptes), U(s.shootdowns),
		ratio(s.shootdown_ns, s.shootdowns) / 1e3,
		(double)s.shootdown_ns_max / 1e3, U(s.shootdown_waits),
		U(s.shootdown_timeouts), U(s.migrations),
		U(s.migrations_back), U(s.evictions),
		U(atomic_load(&gpu->stats.evictions_undone)), U(s.vram_ptes),
		U(s.vram_used), U(s.vram_total), U(s.device_faults));
	if (!cfg->migrate_hot) {
		fprintf(stderr, "  migration policy  off\n");
		return;
	}
	fprintf(stderr,
		"  migration policy  hot:%u:%llu%c; %llu regions hot, %llu "
		"promoted (%llu pages); skipped %llu shared, %llu pool full, "
		"%llu not advised, %llu backed off; %llu bounces\n",
		cfg->migrate_threshold,
		U(cfg->migrate_region >> (cfg->migrate_region >= (1u << 20)
						  ? 20 : 10)),
		cfg->migrate_region >= (1u << 20) ? 'M' : 'K',
		U(s.policy_hot), U(s.policy_promoted), U(s.policy_pages),
		U(s.policy_skipped_shared), U(s.policy_skipped_full),
		U(s.policy_skipped_unadvised), U(s.policy_skipped_backoff),
		U(s.policy_bounces));
}

static bool sgpu_stats_wanted(void)
{
	const char *env = getenv("SVMCL_STATS");

	return env && *env && strcmp(env, "0");
}

__attribute__((destructor)) static void sgpu_exit_stats(void)
{
	if (!sgpu_stats_wanted())
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
