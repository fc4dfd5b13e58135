/* SPDX-License-Identifier: MIT */
/*
 * migrate_policy.c - automatic migration of hot regions to VRAM.
 *
 * DOC: Overview
 *
 * With SVMCL_MIGRATE=hot[:THRESHOLD[:REGION]] the GPU moves the regions of
 * process memory its compute units use most into its device memory, the
 * way NVIDIA UVM services access-counter notifications. Off by default.
 *
 * Counting. A GPU's access counters count its accesses to system memory
 * per region; the JIT fast path here has no room for a counter (a TLB hit
 * is one compare and one add), so the event counted is the TLB refill: a
 * page walk that filled a first-level line for a *system* page of a
 * mirroring VM (vm.c calls sgpu_migrate_note(); VRAM pages are not
 * counted, they are where the policy wants them). Counters live in one
 * GPU-wide direct-mapped table of 4096 64-bit words, each holding a
 * region's tag, a window number and a count, updated with one
 * compare-and-swap: no lock, no clock beyond CLOCK_MONOTONIC_COARSE (vDSO),
 * and no write at all once a region has reached the threshold in the
 * current window. Windows are fixed slots of SGPU_MIGRATE_WINDOW_MS; a
 * count from an older window, or a tag collision, restarts the word at 1
 * (counts are statistical: a lost increment under a race only delays a
 * promotion). The walk that brings a region's count to THRESHOLD queues
 * it, once per window.
 *
 * What a walk measures: a stream misses once per 64 pages (the 256 KiB
 * fill-ahead group), so a 2 MiB region streamed once gives 8 walks; the
 * default threshold 32 is four passes within 100 ms. A working set that
 * stays in the TLBs (256 first-level lines + the victim cache) walks only
 * once and is never counted hot: for this device that costs nothing, its
 * accesses never leave the TLB (docs/gpu.md, "Automatic migration").
 * With regions smaller than the 256 KiB fill group, a walk credits every
 * region of its group (it filled their lines).
 *
 * Service. Queued regions are serviced by a worker thread
 * ("svmcl-migrate"), which sleeps on a condition variable when the queue
 * is empty: migrations never run on a compute unit (a unit in the middle
 * of a work-group must not block for a migration's shootdowns, which wait
 * for it) nor delay the dispatching thread. For each region:
 *
 *  - its record (below) says it is backing off: skipped, counted;
 *  - it was promoted before and some of its pages left VRAM without an
 *    eviction or a request (the CPU, or another device, pulled them
 *    back; vram.c reports the other two): a **bounce** - counted, not
 *    migrated, and the region backs off for SGPU_MIGRATE_BACKOFF_MS,
 *    doubled with each further bounce (up to 64 times), as UVM throttles
 *    thrashing pages;
 *  - it is in no advised range: skipped, counted (see below);
 *  - else sgpu_vram_promote(): the region cut to the advised range and
 *    the mapping around the address that made it hot, moved in through
 *    the same path as KMD_IOCTL_VM_MIGRATE (quiescence, invalidation),
 *    traced as a "migrate hot" span. It never evicts: a region whose
 *    pages do not fit in the free pages is skipped ("pool full"), as is
 *    every region when the GPU has no device memory. A shared mapping
 *    (MAP_SHARED, shared file) cannot migrate: skipped, counted.
 *
 * Only advised ranges. A CPU access to a migrated page is resolved by the
 * mm's userfaultfd monitor thread; if the monitor itself touches a
 * migrated page, nobody resolves that fault and the process hangs. The
 * monitor touches memory svmcl and glibc allocated for it - its mm, the
 * migration registry and pool (malloc), its dynamic TLS through a DTV the
 * creating thread malloc'd - in malloc arenas, next to an application's
 * malloc'd buffers. A request names its range and takes that risk; a
 * policy that moved whole regions of any memory did move such pages (the
 * conformance tests hung with SVMCL_MIGRATE=hot:4:64K: the monitor blocked
 * in __tls_get_addr, then in malloc). So the policy moves only ranges
 * advised for it (KMD_MIGRATE_ADVISE_HOT on KMD_IOCTL_VM_MIGRATE, given
 * by the runtime for every clSVMAlloc allocation: whole pages of their
 * own mmap, which hold nothing else; KMD_MIGRATE_ADVISE_CLEAR before the
 * range is unmapped), as UVM's access counters serve managed memory: a
 * region is cut to the advised range around its hot address, and a hot
 * address in no advised range is skipped (counted). Fine-grain system
 * memory (malloc, stack) moves only on request.
 *
 * Records (one per region ever serviced: its state, the range promoted,
 * the pages in VRAM then, bounces, the end of its back-off) are kept in
 * an open-addressing hash table that grows; the number of regions the
 * policy can have promoted is bounded by the pool.
 *
 * DOC: Locking
 *
 * The counter table is lock-free (compare-and-swap per word).
 * p->lock protects the queue (@ring, @head, @count), @busy and @stop; units
 * take it for a few instructions when they queue a region, the worker to
 * pop one; it is never held while servicing. p->rec_lock protects the
 * records and the advised ranges; it is taken by the worker, by advice
 * (KMD_IOCTL_VM_MIGRATE) and by vram.c's eviction and migration back,
 * which hold vram->lock: the order is vram->lock, then rec_lock, and the
 * worker never takes vram->lock (sgpu_vram_promote(),
 * sgpu_vram_resident()) while holding rec_lock.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpu/sgpu.h"

#define MP_COUNTERS_BITS 12
#define MP_COUNTERS (1u << MP_COUNTERS_BITS)
#define MP_QUEUE 256

/* Counter word: region tag (va >> region shift) | window | count. */
#define MP_COUNT_MASK 0xffffull
#define MP_WINDOW_SHIFT 16
#define MP_WINDOW_MASK 0xffffull
#define MP_TAG_SHIFT 32

enum mp_state {
	MP_PROMOTED = 1,	/* moved in by the policy */
	MP_RELEASED,		/* then evicted or moved back on request */
	MP_BACKOFF,		/* bounced: left alone until @until_ns */
};

struct mp_record {
	uint64_t region;	/* 0: free slot */
	enum mp_state state;
	uint64_t start, end;	/* the range promoted */
	uint64_t resident;	/* its pages in VRAM after the promotion */
	unsigned int bounces;
	uint64_t until_ns;
};

struct mp_range {
	uint64_t start, end;
};

struct mp_item {
	uint64_t region;
	uint64_t addr;		/* the walk that made it hot */
};

/**
 * struct sgpu_migrate_policy - the policy's state (one per GPU).
 * @counters: the access counters (lock-free).
 * @lock: protects @ring, @head, @count, @busy, @stop (DOC: Locking).
 * @wake: the worker waits on it for work; @idle: drain() waits on it.
 * @rec_lock: protects @recs, @nrecs, @cap and @adv, @nadv, @adv_cap.
 */
struct sgpu_migrate_policy {
	struct sgpu *gpu;
	unsigned int region_shift;
	unsigned int threshold;
	_Atomic unsigned int window_ms;
	_Atomic unsigned int backoff_ms;
	_Alignas(64) atomic_uint_fast64_t counters[MP_COUNTERS];

	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t idle;
	struct mp_item ring[MP_QUEUE];
	unsigned int head, count;
	bool busy, stop;
	pthread_t worker;

	pthread_mutex_t rec_lock;
	struct mp_record *recs;
	size_t nrecs, cap;	/* @cap a power of two */
	struct mp_range *adv;	/* advised ranges, sorted, disjoint */
	size_t nadv, adv_cap;
};

static uint64_t mp_coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned int mp_hash(uint64_t tag, unsigned int bits)
{
	return (unsigned int)((tag * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

/* A unit queues a region that got hot; dropped when the queue is full. */
static void mp_queue(struct sgpu_migrate_policy *p, uint64_t region,
		     uint64_t addr)
{
	bool queued = false;

	pthread_mutex_lock(&p->lock);
	for (unsigned int i = 0; i < p->count; i++)
		if (p->ring[(p->head + i) % MP_QUEUE].region == region)
			goto unlock;	/* already waiting */
	if (p->count < MP_QUEUE && !p->stop) {
		p->ring[(p->head + p->count) % MP_QUEUE] =
			(struct mp_item){ region, addr };
		p->count++;
		queued = true;
		pthread_cond_signal(&p->wake);
	}
unlock:
	pthread_mutex_unlock(&p->lock);
	if (queued)
		sgpu_stat_add(p->gpu, policy_hot, 1);
}

/* One walk of region @tag; queues it when the count reaches threshold. */
static void mp_count(struct sgpu_migrate_policy *p, uint64_t tag,
		     uint64_t window, uint64_t addr)
{
	atomic_uint_fast64_t *c =
		&p->counters[mp_hash(tag, MP_COUNTERS_BITS)];
	uint64_t old = atomic_load_explicit(c, memory_order_relaxed), val;

	do {
		if (old >> MP_TAG_SHIFT == tag &&
		    ((old >> MP_WINDOW_SHIFT) & MP_WINDOW_MASK) == window) {
			if ((old & MP_COUNT_MASK) >= p->threshold)
				return;	/* queued in this window already */
			val = old + 1;
		} else {
			val = tag << MP_TAG_SHIFT | window << MP_WINDOW_SHIFT | 1;
		}
	} while (!atomic_compare_exchange_weak_explicit(
		c, &old, val, memory_order_relaxed, memory_order_relaxed));
	if ((val & MP_COUNT_MASK) == p->threshold)
		mp_queue(p, tag << p->region_shift, addr);
}

/* Page walks fill ahead over this group (vm.c's SGPU_FILL_AHEAD_SIZE). */
#define MP_FILL_GROUP (64ull << SGPU_PAGE_SHIFT)

void __sgpu_migrate_note(struct sgpu_migrate_policy *p, uint64_t va)
{
	uint64_t window = (mp_coarse_ms() /
			   atomic_load_explicit(&p->window_ms,
						memory_order_relaxed)) &
			  MP_WINDOW_MASK;
	uint64_t size = 1ull << p->region_shift;

	if (size >= MP_FILL_GROUP) {
		mp_count(p, va >> p->region_shift, window, va);
		return;
	}
	/* Smaller regions: the walk filled the lines of its whole group. */
	for (uint64_t r = va & ~(MP_FILL_GROUP - 1);
	     r < (va & ~(MP_FILL_GROUP - 1)) + MP_FILL_GROUP; r += size)
		mp_count(p, r >> p->region_shift, window,
			 r == (va & ~(size - 1)) ? va : r);
}

/* ---------------------------------------------------------------------- */
/* Records (the worker, and vram.c's reports); rec_lock held. */

static struct mp_record *__mp_find(struct sgpu_migrate_policy *p,
				   uint64_t region)
{
	if (!p->cap)
		return NULL;
	for (size_t i = mp_hash(region, 63) & (p->cap - 1);;
	     i = (i + 1) & (p->cap - 1)) {
		if (p->recs[i].region == region)
			return &p->recs[i];
		if (!p->recs[i].region)
			return NULL;
	}
}

/* The record of @region, created empty; NULL when memory is short. */
static struct mp_record *__mp_get(struct sgpu_migrate_policy *p,
				  uint64_t region)
{
	struct mp_record *r = __mp_find(p, region);
	size_t i;

	if (r)
		return r;
	if ((p->nrecs + 1) * 2 > p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct mp_record *old = p->recs, *recs;

		recs = calloc(cap, sizeof(*recs));
		if (!recs)
			return NULL;
		p->recs = recs;
		p->cap = cap;
		for (size_t k = 0; old && k < cap / 2; k++) {
			if (!old[k].region)
				continue;
			for (i = mp_hash(old[k].region, 63) & (cap - 1);
			     recs[i].region; i = (i + 1) & (cap - 1))
				;
			recs[i] = old[k];
		}
		free(old);
	}
	for (i = mp_hash(region, 63) & (p->cap - 1); p->recs[i].region;
	     i = (i + 1) & (p->cap - 1))
		;
	p->recs[i] = (struct mp_record){ .region = region };
	p->nrecs++;
	return &p->recs[i];
}

void sgpu_migrate_policy_released(struct sgpu *gpu, uint64_t start,
				  uint64_t end)
{
	struct sgpu_migrate_policy *p = gpu->policy;
	uint64_t size;

	if (!p || start >= end)
		return;
	size = 1ull << p->region_shift;
	pthread_mutex_lock(&p->rec_lock);
	for (uint64_t r = start & ~(size - 1); r < end; r += size) {
		struct mp_record *rec = __mp_find(p, r);

		if (rec && rec->state == MP_PROMOTED)
			rec->state = MP_RELEASED;
	}
	pthread_mutex_unlock(&p->rec_lock);
}

/* Removes [start, end) from the advised ranges; rec_lock held. */
static int __mp_adv_punch(struct sgpu_migrate_policy *p, uint64_t start,
			  uint64_t end)
{
	for (size_t i = 0; i < p->nadv; i++) {
		struct mp_range *r = &p->adv[i];

		if (r->end <= start || r->start >= end)
			continue;
		if (r->start < start && r->end > end) {
			/* A hole in the middle: split (the array is sorted). */
			if (p->nadv == p->adv_cap)
				return -ENOMEM;	/* __mp_adv_room() first */
			memmove(&p->adv[i + 2], &p->adv[i + 1],
				(p->nadv - i - 1) * sizeof(*r));
			p->adv[i + 1] = (struct mp_range){ end, r->end };
			r->end = start;
			p->nadv++;
			return 0;
		}
		if (r->start < start) {
			r->end = start;
		} else if (r->end > end) {
			r->start = end;
		} else {
			memmove(r, r + 1, (p->nadv - i - 1) * sizeof(*r));
			p->nadv--;
			i--;
		}
	}
	return 0;
}

static int __mp_adv_room(struct sgpu_migrate_policy *p)
{
	struct mp_range *adv;
	size_t cap;

	if (p->nadv + 1 < p->adv_cap)
		return 0;
	cap = p->adv_cap ? 2 * p->adv_cap : 64;
	adv = realloc(p->adv, cap * sizeof(*adv));
	if (!adv)
		return -ENOMEM;
	p->adv = adv;
	p->adv_cap = cap;
	return 0;
}

int sgpu_migrate_policy_advise(struct sgpu *gpu, uint64_t start,
			       uint64_t end, bool hot)
{
	struct sgpu_migrate_policy *p = gpu->policy;
	uint64_t size;
	size_t i;
	int ret;

	if (!p)
		return 0;	/* advice for a policy that is off */
	size = 1ull << p->region_shift;
	pthread_mutex_lock(&p->rec_lock);
	ret = __mp_adv_room(p);
	if (!ret)
		ret = __mp_adv_punch(p, start, end);
	if (!ret && hot) {
		for (i = 0; i < p->nadv && p->adv[i].start < start; i++)
			;
		memmove(&p->adv[i + 1], &p->adv[i],
			(p->nadv - i) * sizeof(p->adv[0]));
		p->adv[i] = (struct mp_range){ start, end };
		p->nadv++;
	}
	/* What the policy knew of these regions is about other memory. */
	for (uint64_t r = start & ~(size - 1); !ret && !hot && r < end;
	     r += size) {
		struct mp_record *rec = __mp_find(p, r);

		if (rec) {
			rec->state = MP_RELEASED;
			rec->bounces = 0;
		}
	}
	pthread_mutex_unlock(&p->rec_lock);
	return ret;
}

/*
 * Cuts [*start, *end) to the advised range around @addr; false when
 * @addr is in none.
 */
static bool mp_advised(struct sgpu_migrate_policy *p, uint64_t addr,
		       uint64_t *start, uint64_t *end)
{
	bool found = false;
	size_t lo = 0, hi;

	pthread_mutex_lock(&p->rec_lock);
	hi = p->nadv;
	while (lo < hi) {	/* the first range that ends after @addr */
		size_t mid = lo + (hi - lo) / 2;

		if (p->adv[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nadv && p->adv[lo].start <= addr) {
		if (*start < p->adv[lo].start)
			*start = p->adv[lo].start;
		if (*end > p->adv[lo].end)
			*end = p->adv[lo].end;
		found = true;
	}
	pthread_mutex_unlock(&p->rec_lock);
	return found;
}

/* ---------------------------------------------------------------------- */
/* The worker */

/* Moves the region in; records the outcome. No lock held. */
static void mp_promote(struct sgpu_migrate_policy *p, const struct mp_item *it)
{
	struct sgpu *gpu = p->gpu;
	uint64_t start = it->region, end = it->region + (1ull << p->region_shift);
	uint64_t pages = 0, moved = 0, t0;
	struct mp_record *rec;
	int ret;

	if (!mp_advised(p, it->addr, &start, &end)) {
		sgpu_stat_add(gpu, policy_skipped_unadvised, 1);
		return;
	}
	t0 = svmcl_trace_begin();
	ret = sgpu_vram_promote(gpu, it->addr, &start, &end, &pages, &moved);
	svmcl_trace_end(SVMCL_TRACE_MIGRATE, t0, "hot", start, moved, 0);
	switch (ret) {
	case 0:
		break;
	case -ENOENT:
		sgpu_stat_add(gpu, policy_skipped_shared, 1);
		return;
	case -ENOSPC:
	case -EOPNOTSUPP:
		sgpu_stat_add(gpu, policy_skipped_full, 1);
		return;
	default:
		/* Unmapped meanwhile, not readable, hugetlbfs, special. */
		return;
	}
	if (moved) {
		sgpu_stat_add(gpu, policy_promoted, 1);
		sgpu_stat_add(gpu, policy_pages, moved);
	}
	pthread_mutex_lock(&p->rec_lock);
	rec = __mp_get(p, it->region);
	if (rec) {
		rec->state = MP_PROMOTED;
		rec->start = start;
		rec->end = end;
		rec->resident = pages;
	}
	pthread_mutex_unlock(&p->rec_lock);
}

static void mp_service(struct sgpu_migrate_policy *p, const struct mp_item *it)
{
	struct sgpu *gpu = p->gpu;
	uint64_t now = sgpu_now_ns(), start = 0, end = 0, resident = 0;
	enum mp_state state = 0;
	struct mp_record *rec;

	pthread_mutex_lock(&p->rec_lock);
	rec = __mp_find(p, it->region);
	if (rec) {
		state = rec->state;
		start = rec->start;
		end = rec->end;
		resident = rec->resident;
		if (state == MP_BACKOFF && now < rec->until_ns) {
			pthread_mutex_unlock(&p->rec_lock);
			sgpu_stat_add(gpu, policy_skipped_backoff, 1);
			return;
		}
	}
	pthread_mutex_unlock(&p->rec_lock);

	/*
	 * Promoted, and hot again in system memory: if pages left VRAM that
	 * no eviction and no request moved (vram.c would have released the
	 * record, under vram->lock, which sgpu_vram_resident() takes), the
	 * CPU pulled them back. Moving them in again now would thrash.
	 */
	if (state == MP_PROMOTED &&
	    sgpu_vram_resident(gpu, start, end) < resident) {
		pthread_mutex_lock(&p->rec_lock);
		rec = __mp_find(p, it->region);
		if (rec && rec->state == MP_PROMOTED) {
			unsigned int shift = rec->bounces;

			if (shift > SGPU_MIGRATE_BACKOFF_SHIFT_MAX)
				shift = SGPU_MIGRATE_BACKOFF_SHIFT_MAX;
			rec->bounces++;
			rec->state = MP_BACKOFF;
			rec->until_ns = now +
					((uint64_t)atomic_load(&p->backoff_ms)
					 << shift) * 1000000;
			sgpu_stat_add(gpu, policy_bounces, 1);
			sgpu_stat_add(gpu, policy_skipped_backoff, 1);
		}
		pthread_mutex_unlock(&p->rec_lock);
		return;
	}
	mp_promote(p, it);
}

static void *mp_worker(void *arg)
{
	struct sgpu_migrate_policy *p = arg;

	pthread_setname_np(pthread_self(), "svmcl-migrate");
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct mp_item it;

		while (!p->count && !p->stop)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stop)
			break;
		it = p->ring[p->head];
		p->head = (p->head + 1) % MP_QUEUE;
		p->count--;
		p->busy = true;
		pthread_mutex_unlock(&p->lock);

		mp_service(p, &it);

		pthread_mutex_lock(&p->lock);
		p->busy = false;
		if (!p->count)
			pthread_cond_broadcast(&p->idle);
	}
	p->busy = false;
	pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void sgpu_migrate_policy_drain(struct sgpu *gpu)
{
	struct sgpu_migrate_policy *p = gpu->policy;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	while ((p->count || p->busy) && !p->stop)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void sgpu_migrate_policy_set_times(struct sgpu *gpu, unsigned int window_ms,
				   unsigned int backoff_ms)
{
	struct sgpu_migrate_policy *p = gpu->policy;

	if (!p)
		return;
	if (window_ms)
		atomic_store(&p->window_ms, window_ms);
	if (backoff_ms)
		atomic_store(&p->backoff_ms, backoff_ms);
}

int sgpu_migrate_policy_init(struct sgpu *gpu)
{
	struct sgpu_migrate_policy *p;
	int ret;

	gpu->policy = NULL;
	if (!gpu->cfg.migrate_hot)
		return 0;
	p = aligned_alloc(64, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->gpu = gpu;
	p->region_shift = (unsigned int)__builtin_ctzll(gpu->cfg.migrate_region);
	p->threshold = gpu->cfg.migrate_threshold;
	atomic_store(&p->window_ms, SGPU_MIGRATE_WINDOW_MS);
	atomic_store(&p->backoff_ms, SGPU_MIGRATE_BACKOFF_MS);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->idle, NULL);
	pthread_mutex_init(&p->rec_lock, NULL);
	ret = -pthread_create(&p->worker, NULL, mp_worker, p);
	if (ret)
		goto err_sync;
	gpu->policy = p;
	return 0;

err_sync:
	pthread_mutex_destroy(&p->rec_lock);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return ret;
}

void sgpu_migrate_policy_fini(struct sgpu *gpu)
{
	struct sgpu_migrate_policy *p = gpu->policy;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->wake);
	pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
	/* A migration in progress finishes first. */
	pthread_join(p->worker, NULL);
	/* No VM is left: nothing walks, nothing counts any more. */
	gpu->policy = NULL;
	pthread_mutex_destroy(&p->rec_lock);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p->recs);
	free(p->adv);
	free(p);
}
