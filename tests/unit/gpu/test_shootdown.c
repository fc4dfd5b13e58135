/* SPDX-License-Identifier: MIT */
/*
 * TLB shootdown: no compute unit uses a translation after the shootdown
 * that removed it returns.
 *
 * The device pages here are VRAM-kind entries of an explicit VM, backed by
 * a test aperture, so that a stale translation is observable: unlike a
 * mirrored page (whose target is its own CPU address, so a stale access
 * sees what the CPU maps now), a remapped VRAM page is *reused* for other
 * data right after the shootdown, exactly what the VRAM rule is about.
 *
 * Every device page holds words (page << 24 | generation). A driver thread
 * repeatedly remaps a page to a fresh slot holding the next generation
 * (sgpu_vm_map_page(): PTE, line shootdown, quiescent-point wait), then
 * publishes that generation and poisons the old slot and puts it back in
 * the pool. Reader units (device code in C with the inline fast path, and
 * a delay between the probe and the load to widen the window in which a
 * translation is held) sample the published generation G *before* each
 * access and check that the word they read belongs to the same page and
 * has a generation >= G. A stale translation, used after its shootdown
 * returned, reads a poisoned or reused slot: page or generation wrong.
 * The check is shown to be real by the same scenario with the wait
 * skipped (test_checker_catches_stale_use).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "gpu/sgpu.h"

#define PG 4096ull
#define NPAGES 8		/* device pages remapped */
#define NSLOTS 64		/* VRAM slots */
#define DEV_BASE 0x200000000ull	/* device VA of the pages (explicit VM) */
#define WORDS (PG / sizeof(uint32_t))
#define POISON 0u

struct stress {
	struct sgpu *gpu;
	struct sgpu_vm *vm;
	uint8_t *vram;
	/* Driver state (driver thread only, after setup). */
	unsigned int slot_of[NPAGES];
	unsigned int free_slots[NSLOTS];
	unsigned int nfree;
	uint32_t gen[NPAGES];
	unsigned int swaps;
	/* Shared with the readers. */
	_Atomic uint32_t published[NPAGES];
	atomic_bool stop;
	atomic_uint_fast64_t reads;
	atomic_uint_fast64_t violations;
	atomic_uint_fast64_t max_gen_seen;
	uint64_t bad_word, bad_expect;
	unsigned int delay;	/* pause iterations between probe and load */
	/* Handshake of the deterministic test. */
	atomic_int phase;
};

static uint32_t word_of(unsigned int page, uint32_t gen)
{
	return (uint32_t)page << 24 | gen;
}

static void slot_fill(struct stress *s, unsigned int slot, uint32_t w)
{
	uint32_t *p = (uint32_t *)(s->vram + (size_t)slot * PG);

	for (size_t i = 0; i < WORDS; i++)
		__atomic_store_n(&p[i], w, __ATOMIC_RELAXED);
}

static void stress_setup(struct stress *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(sgpu_get(&s->gpu), 0);
	s->vram = aligned_alloc(PG, NSLOTS * PG);
	assert_non_null(s->vram);
	s->gpu->vram_base = s->vram;
	s->gpu->vram_size = NSLOTS * PG;
	assert_int_equal(sgpu_vm_create(s->gpu, 0, -1, &s->vm), 0);
	for (unsigned int i = 0; i < NSLOTS; i++)
		s->free_slots[s->nfree++] = NSLOTS - 1 - i;
	for (unsigned int p = 0; p < NPAGES; p++) {
		unsigned int slot = s->free_slots[--s->nfree];

		s->gen[p] = 1;
		slot_fill(s, slot, word_of(p, 1));
		s->slot_of[p] = slot;
		assert_int_equal(sgpu_vm_map_page(s->vm, DEV_BASE + p * PG,
						  slot * PG, SGPU_PTE_VRAM), 0);
		atomic_store(&s->published[p], 1);
	}
}

static void stress_teardown(struct stress *s)
{
	sgpu_vm_destroy(s->vm);
	s->gpu->vram_base = NULL;
	s->gpu->vram_size = 0;
	s->gpu->test_skip_quiesce = false;
	sgpu_put(s->gpu);
	free(s->vram);
}

/* Remap page @p to a fresh slot with the next generation; reuse the old. */
static void stress_swap(struct stress *s, unsigned int p)
{
	unsigned int old = s->slot_of[p], slot = s->free_slots[--s->nfree];
	uint32_t g = ++s->gen[p];

	slot_fill(s, slot, word_of(p, g));
	assert_int_equal(sgpu_vm_map_page(s->vm, DEV_BASE + p * PG, slot * PG,
					  SGPU_PTE_VRAM), 0);
	/* No unit uses the old translation any more: publish, then reuse. */
	atomic_store_explicit(&s->published[p], g, memory_order_release);
	slot_fill(s, old, POISON);
	s->free_slots[s->nfree++] = old;
	s->slot_of[p] = slot;
	s->swaps++;
}

static void check_word(struct stress *s, unsigned int p, uint32_t seen_gen,
		       uint32_t w)
{
	uint32_t gen = w & 0xffffff;

	if (w == POISON || w >> 24 != p || gen < seen_gen) {
		if (atomic_fetch_add(&s->violations, 1) == 0) {
			s->bad_word = w;
			s->bad_expect = word_of(p, seen_gen);
		}
	}
	sgpu_stat_max(&s->max_gen_seen, gen);
}

/* The inline probe of sgpu_abi.h, then a delay, then the load. */
static uint32_t slow_load(struct sgpu_cu_state *cu, uint64_t va,
			  unsigned int delay)
{
	struct sgpu_tlb_entry *e =
		&cu->tlb[sgpu_tlb_index(va)];
	uint64_t host;

	if (__atomic_load_n(&e->tag_read, __ATOMIC_RELAXED) == (va & (SGPU_PAGE_MASK | 3)))
		host = va + (uint64_t)__atomic_load_n(&e->addend, __ATOMIC_RELAXED);
	else
		host = cu->tlb_miss(cu, va, SGPU_ACCESS(4, SGPU_ACCESS_READ));
	for (unsigned int i = 0; i < delay; i++)
		sgpu_cpu_relax();
	return *(volatile uint32_t *)(uintptr_t)host;
}

static void wg_reader(const void *args, struct sgpu_cu_state *cu)
{
	struct stress *s = *(struct stress *const *)args;
	uint64_t x = 0x9e3779b97f4a7c15ull * (cu->group_id[0] + 1);
	uint64_t reads = 0;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		unsigned int p, off;
		uint32_t g, w;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p = (unsigned int)(x % NPAGES);
		off = (unsigned int)((x >> 8) % WORDS) * 4;
		g = atomic_load_explicit(&s->published[p], memory_order_acquire);
		w = slow_load(cu, DEV_BASE + p * PG + off, s->delay);
		check_word(s, p, g, w);
		reads++;
	}
	atomic_fetch_add(&s->reads, reads);
}

struct dispatch_job {
	struct stress *s;
	sgpu_wg_fn fn;
	uint64_t groups;
	struct kmd_dispatch d;
	int ret;
};

static void *dispatch_thread(void *arg)
{
	struct dispatch_job *j = arg;
	const struct stress *sp = j->s;

	memset(&j->d, 0, sizeof(j->d));
	j->d.vm_id = j->s->vm->id;
	j->d.work_dim = 1;
	j->d.entry = (uintptr_t)j->fn;
	j->d.args = (uintptr_t)&sp;
	j->d.global_size[0] = j->groups;
	j->d.local_size[0] = 1;
	j->ret = sgpu_dispatch(j->s->gpu, j->s->vm, &j->d);
	return NULL;
}

static void wait_reads(struct stress *s, uint64_t n)
{
	for (int i = 0; i < 10000 && atomic_load(&s->reads) < n; i++) {
		struct timespec ts = { 0, 100000 };

		nanosleep(&ts, NULL);
	}
}

static void test_no_stale_translation_under_stress(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct dispatch_job job;
	struct kmd_gpu_stats before, after;
	uint64_t deadline;
	pthread_t t;

	(void)state;
	assert_non_null(s);
	stress_setup(s);
	s->delay = 20;
	sgpu_stats_fill(s->gpu, &before);
	/* Two readers (the inline unit and a worker) and this driver. */
	job = (struct dispatch_job){ .s = s, .fn = wg_reader, .groups = 2 };
	assert_int_equal(pthread_create(&t, NULL, dispatch_thread, &job), 0);
	wait_reads(s, 1);

	/*
	 * This thread is the driver: remap while the readers read, 3000 times
	 * or for 3 s. With more runnable threads than cores a shootdown waits
	 * for a preempted reader to be scheduled again (milliseconds on a
	 * loaded machine), so the count of swaps depends on the load; what
	 * is checked does not.
	 */
	deadline = sgpu_now_ns() + 3000000000ull;
	for (unsigned int i = 0; i < 3000 && sgpu_now_ns() < deadline; i++)
		stress_swap(s, i % NPAGES);
	atomic_store(&s->stop, true);
	pthread_join(t, NULL);
	sgpu_stats_fill(s->gpu, &after);

	assert_int_equal(job.ret, 0);
	assert_int_equal(job.d.status, 0);
	if (atomic_load(&s->violations))
		fail_msg("%llu stale reads; first read %#llx, expected page/gen >= %#llx",
			 (unsigned long long)atomic_load(&s->violations),
			 (unsigned long long)s->bad_word,
			 (unsigned long long)s->bad_expect);
	/* The readers really ran concurrently with the remapping. */
	assert_true(s->swaps >= 100);
	assert_true(atomic_load(&s->reads) > 1000);
	assert_true(atomic_load(&s->max_gen_seen) > 2);
	assert_int_equal(after.shootdowns - before.shootdowns, s->swaps);
	assert_true(after.shootdown_waits > before.shootdown_waits);
	assert_int_equal(after.shootdown_timeouts, before.shootdown_timeouts);
	stress_teardown(s);
	free(s);
}

/*
 * The reader holds a translation across the remap, deterministically: it
 * probes, says so, and loads only after the driver has remapped the page
 * and reused the old slot. With the quiescent-point wait skipped, the
 * checker must see the stale read; it is the same checker as above.
 */
static void wg_hold_then_read(const void *args, struct sgpu_cu_state *cu)
{
	struct stress *s = *(struct stress *const *)args;
	uint64_t va = DEV_BASE + 3 * PG;
	uint32_t g = atomic_load(&s->published[3]);
	struct sgpu_tlb_entry *e =
		&cu->tlb[sgpu_tlb_index(va)];
	uint64_t host;

	if (__atomic_load_n(&e->tag_read, __ATOMIC_RELAXED) == va)
		host = va + (uint64_t)e->addend;
	else
		host = cu->tlb_miss(cu, va, SGPU_ACCESS(4, SGPU_ACCESS_READ));
	atomic_store(&s->phase, 1);
	for (int i = 0; i < 2000000000 && atomic_load(&s->phase) != 2; i++)
		sgpu_cpu_relax();
	check_word(s, 3, g, *(volatile uint32_t *)(uintptr_t)host);
}

static void test_checker_catches_stale_use(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct dispatch_job job;
	pthread_t t;

	(void)state;
	assert_non_null(s);
	stress_setup(s);
	s->gpu->test_skip_quiesce = true;
	job = (struct dispatch_job){ .s = s, .fn = wg_hold_then_read, .groups = 1 };
	assert_int_equal(pthread_create(&t, NULL, dispatch_thread, &job), 0);
	while (atomic_load(&s->phase) != 1)
		sched_yield();
	stress_swap(s, 3);
	atomic_store(&s->phase, 2);
	pthread_join(t, NULL);
	assert_int_equal(job.d.status, 0);
	assert_int_equal(atomic_load(&s->violations), 1);
	assert_int_equal(s->bad_word, POISON);
	stress_teardown(s);
	free(s);
}

/*
 * A unit that only hits its first level (a loop over one page) never
 * enters the miss path; a shootdown of another page must still complete
 * quickly: after a short spin the waiter clears the unit's first level,
 * its next access misses and passes a quiescent point.
 */
static void wg_hit_loop(const void *args, struct sgpu_cu_state *cu)
{
	struct stress *s = *(struct stress *const *)args;
	uint64_t reads = 0;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		check_word(s, 0, 1, slow_load(cu, DEV_BASE, 0));
		if (++reads == 1000)
			atomic_store(&s->reads, reads);
	}
	atomic_store(&s->reads, reads);
}

static void test_hit_only_unit_is_flushed(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct dispatch_job job;
	struct kmd_gpu_stats before, after;
	uint64_t t0, t1;
	pthread_t t;

	(void)state;
	assert_non_null(s);
	stress_setup(s);
	job = (struct dispatch_job){ .s = s, .fn = wg_hit_loop, .groups = 1 };
	assert_int_equal(pthread_create(&t, NULL, dispatch_thread, &job), 0);
	wait_reads(s, 1000);
	assert_true(atomic_load(&s->reads) >= 1000);

	sgpu_stats_fill(s->gpu, &before);
	t0 = sgpu_now_ns();
	stress_swap(s, 5);	/* not the page the unit reads */
	t1 = sgpu_now_ns();
	sgpu_stats_fill(s->gpu, &after);
	atomic_store(&s->stop, true);
	pthread_join(t, NULL);

	assert_int_equal(job.d.status, 0);
	assert_int_equal(atomic_load(&s->violations), 0);
	assert_int_equal(after.shootdown_waits - before.shootdown_waits, 1);
	assert_int_equal(after.shootdown_timeouts, before.shootdown_timeouts);
	/* Far below the 1 s give-up bound (a preemption at most). */
	assert_true(t1 - t0 < 100000000);
	stress_teardown(s);
	free(s);
}

/* Units outside a dispatch are quiescent: a shootdown does not wait. */
static void test_idle_units_not_waited_for(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct kmd_gpu_stats before, after;

	(void)state;
	assert_non_null(s);
	stress_setup(s);
	sgpu_stats_fill(s->gpu, &before);
	for (unsigned int i = 0; i < 100; i++)
		stress_swap(s, i % NPAGES);
	sgpu_stats_fill(s->gpu, &after);
	assert_int_equal(after.shootdown_waits, before.shootdown_waits);
	assert_int_equal(after.shootdowns - before.shootdowns, 100);
	stress_teardown(s);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_stale_translation_under_stress),
		cmocka_unit_test(test_checker_catches_stale_use),
		cmocka_unit_test(test_hit_only_unit_is_flushed),
		cmocka_unit_test(test_idle_units_not_waited_for),
	};

	return cmocka_run_group_tests_name("gpu-shootdown", tests, NULL, NULL);
}
