/* SPDX-License-Identifier: MIT */
/*
 * The lockless page walk and the shared service of a 2 MiB block.
 *
 * - A walk that raced an invalidation (the VM's generation changed
 *   between the walk and the fill) fills nothing; one that finds an
 *   invalidation running walks again under the VM lock.
 * - Readers streaming through mirrored memory while another thread
 *   invalidates the whole range over and over, freeing the page tables
 *   the readers walk: every value read is right, and the retired tables
 *   are freed after each grace period (ASan would report a walk inside a
 *   freed table).
 * - A servicer waiting for a block services the chunks the holder of the
 *   block offers: exactly the offered pages become resident, cut into one
 *   chunk per servicer, and nothing is taken from a slot that moved on.
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
#include <sys/mman.h>
#include <time.h>

#include <cmocka.h>

#include "dev_access.h"
#include "gpu/sgpu.h"

#define PG 4096ull
#define BLOCK (2ull << 20)

struct fx {
	struct sgpu *gpu;
	struct sgpu_vm *vm;	/* mirrors the process */
	uint8_t *map;		/* 2 MiB aligned, 2 blocks */
	void *raw;
	size_t raw_len;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sgpu_get(&f->gpu) ||
	    sgpu_vm_create(f->gpu, KMD_VM_MIRROR_PROCESS, -1, &f->vm))
		return -1;
	f->raw_len = 3 * BLOCK;
	f->raw = mmap(NULL, f->raw_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->raw == MAP_FAILED)
		return -1;
	f->map = (uint8_t *)(((uintptr_t)f->raw + BLOCK - 1) & ~(BLOCK - 1));
	madvise(f->map, 2 * BLOCK, MADV_NOHUGEPAGE);
	/* Populated: every page holds its index. */
	for (uint64_t i = 0; i < 2 * BLOCK / PG; i++)
		*(uint32_t *)(f->map + i * PG) = (uint32_t)i;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sgpu_vm_destroy(f->vm);
	sgpu_put(f->gpu);
	munmap(f->raw, f->raw_len);
	free(f);
	return 0;
}

static struct sgpu_cu_counters counters(struct fx *f)
{
	struct sgpu_cu_counters c;

	sgpu_cu_counters_sum(f->gpu, &c);
	return c;
}

/* Faults the whole first block in through the service loop. */
static void fault_in(struct fx *f, uint64_t start, uint64_t end)
{
	uint64_t reqs[512] = { 0 }, pfns[512];
	unsigned int committed;

	assert_int_equal(sgpu_vm_fault_range(f->vm, start, end, reqs, pfns,
					     sgpu_now_ns() + 1000000000ull,
					     &committed),
			 0);
	assert_int_equal(committed, (end - start) / PG);
}

static void test_fill_checks_generation(void **state)
{
	struct fx *f = *state;
	struct sgpu_cu *cu = &f->gpu->cus[f->gpu->num_cus];
	uint64_t va = (uintptr_t)f->map, lines[4];
	atomic_uint_fast64_t gen = 4;

	for (int k = 0; k < 4; k++)
		lines[k] = (va + k * PG) | 1;
	sgpu_cu_tlb_flush_all(cu);
	/* The generation moved since the walk: nothing is filled. */
	assert_false(sgpu_cu_tlb_fill_group(cu, va, lines, 4, 0, &gen, 2));
	for (int k = 0; k < 4; k++)
		assert_false(sgpu_cu_tlb_holds(cu, va + k * PG));
	/* Unchanged: all four lines. */
	assert_true(sgpu_cu_tlb_fill_group(cu, va, lines, 4, 0, &gen, 4));
	for (int k = 0; k < 4; k++)
		assert_true(sgpu_cu_tlb_holds(cu, va + k * PG));
	sgpu_cu_tlb_flush_all(cu);
}

static void test_walk_during_invalidation_takes_lock(void **state)
{
	struct fx *f = *state;
	struct sgpu_cu *cu = &f->gpu->cus[f->gpu->num_cus];
	uint64_t va = (uintptr_t)f->map + 5 * PG + 12, host;
	struct sgpu_cu_counters c0 = counters(f), c1;

	fault_in(f, (uintptr_t)f->map, (uintptr_t)f->map + 64 * PG);
	sgpu_cu_tlb_flush_all(cu);

	/* Lockless: found, filled ahead, no locked walk. */
	host = sgpu_vm_walk_fill(f->vm, cu, va, false, false);
	assert_int_equal(host, va);
	c1 = counters(f);
	assert_int_equal(c1.walks - c0.walks, 1);
	assert_int_equal(c1.locked_walks - c0.locked_walks, 0);
	assert_int_equal(c1.fill_ahead - c0.fill_ahead, 63);

	/* An odd generation: a writer is between its bumps. */
	sgpu_cu_tlb_flush_all(cu);
	atomic_fetch_add(&f->vm->gen, 1);
	host = sgpu_vm_walk_fill(f->vm, cu, va, false, false);
	atomic_fetch_add(&f->vm->gen, 1);
	assert_int_equal(host, va);
	assert_true(sgpu_cu_tlb_holds(cu, va));
	c0 = c1;
	c1 = counters(f);
	assert_int_equal(c1.walks - c0.walks, 1);
	assert_int_equal(c1.locked_walks - c0.locked_walks, 1);

	/* Not resident: no translation (the unit would raise a fault). */
	assert_int_equal(sgpu_vm_walk_fill(f->vm, cu, (uintptr_t)f->map +
						       BLOCK + PG, false, false),
			 0);
	sgpu_cu_tlb_flush_all(cu);
}

/* Readers: every group streams over both blocks, checking each value. */
struct readers {
	uint8_t *map;
	atomic_bool stop;
	atomic_uint_fast64_t reads;
	atomic_uint_fast64_t bad;
};

static void wg_stream(const void *args, struct sgpu_cu_state *cu)
{
	struct readers *r = *(struct readers *const *)args;
	uint64_t n = 2 * BLOCK / PG, reads = 0, i = cu->group_id[0] * 97;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		i = (i + 1) % n;
		if (dev_load32(cu, r->map + i * PG) != (uint32_t)i)
			atomic_fetch_add(&r->bad, 1);
		reads++;
	}
	atomic_fetch_add(&r->reads, reads);
}

struct job {
	struct fx *f;
	struct readers *r;
	struct kmd_dispatch d;
	int ret;
};

static void *dispatch_thread(void *p)
{
	struct job *j = p;
	const struct readers *r = j->r;

	j->d = (struct kmd_dispatch){
		.vm_id = j->f->vm->id,
		.work_dim = 1,
		.entry = (uintptr_t)wg_stream,
		.args = (uintptr_t)&r,
		.global_size = { j->f->gpu->num_cus + 1, 1, 1 },
		.local_size = { 1, 1, 1 },
	};
	j->ret = sgpu_dispatch(j->f->gpu, j->f->vm, &j->d);
	return NULL;
}

static void test_walks_survive_table_frees(void **state)
{
	struct fx *f = *state;
	struct readers r = { .map = f->map };
	struct job j = { .f = f, .r = &r };
	struct kmd_gpu_stats s0, s1;
	uint64_t deadline, rounds = 0, tables_seen = 0;
	pthread_t t;

	sgpu_stats_fill(f->gpu, &s0);
	assert_int_equal(pthread_create(&t, NULL, dispatch_thread, &j), 0);
	for (int i = 0; i < 20000 && atomic_load(&r.reads) == 0; i++) {
		struct timespec ts = { 0, 100000 };

		nanosleep(&ts, NULL);
	}
	/*
	 * Invalidate everything the readers walk, 300 times or 4 s: each
	 * round frees the leaf tables (and the directories above them) under
	 * the readers' walks; they fault the pages back in.
	 */
	deadline = sgpu_now_ns() + 4000000000ull;
	while (rounds < 300 && sgpu_now_ns() < deadline) {
		bool tables = false;

		/* Until the readers have faulted pages in again (~20 ms). */
		for (int i = 0; i < 100 && !tables; i++) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
			pthread_rwlock_rdlock(&f->vm->lock);
			tables = f->vm->pt.nr_tables > 1;
			pthread_rwlock_unlock(&f->vm->lock);
		}
		tables_seen += tables;
		sgpu_vm_invalidate(f->vm, (uintptr_t)f->map,
				   (uintptr_t)f->map + 2 * BLOCK);
		rounds++;
	}
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	sgpu_stats_fill(f->gpu, &s1);

	assert_int_equal(j.ret, 0);
	assert_int_equal(j.d.status, 0);
	assert_int_equal(atomic_load(&r.bad), 0);
	/* On a loaded machine a round can take 100 ms (preempted units). */
	assert_true(rounds >= 10);
	assert_true(atomic_load(&r.reads) > 1000);
	/* Tables existed when invalidated, and the readers refaulted. */
	assert_true(tables_seen >= 10);
	assert_true(s1.faults - s0.faults >= tables_seen);
	assert_int_equal(s1.shootdown_timeouts, s0.shootdown_timeouts);
	/* Every retired table was freed after its grace period. */
	assert_int_equal(f->vm->pt.nr_retired, 0);
}

/* Offers [lo, end) of @key's block as slot 1 would, with @helpers. */
static void offer(struct fx *f, uint64_t key, unsigned int lo, unsigned int end,
		  unsigned int helpers)
{
	struct sgpu_block_work *w = &f->gpu->faults.slot_work[1];

	memset(w->resident, 0, sizeof(w->resident));
	atomic_store(&w->helpers, helpers);
	atomic_store(&w->key, key);
	atomic_store(&w->cursor, (uint64_t)lo << 32 | (uint64_t)end << 16 | lo);
}

static void test_helper_services_offered_chunks(void **state)
{
	struct fx *f = *state;
	struct sgpu_fault_buffer *fb = &f->gpu->faults;
	uint64_t block = (uintptr_t)f->map + BLOCK;
	uint64_t key = sgpu_fault_block_key(f->vm, block);
	uint64_t deadline = sgpu_now_ns() + 1000000000ull;
	uint64_t bits[SGPU_BLOCK_PAGES / 64];
	uint64_t shared0 = atomic_load(&f->gpu->stats.prefetch_shared);

	sgpu_vm_invalidate(f->vm, (uintptr_t)f->map, (uintptr_t)f->map +
						     2 * BLOCK);

	/* Another slot's block: nothing is taken. */
	offer(f, key, 0, 512, 0);
	sgpu_fault_block_help(f->gpu, &fb->scratch[0], f->vm, 1, key ^ BLOCK,
			      deadline);
	assert_int_equal(atomic_load(&fb->slot_work[1].cursor) & 0xffffffff,
			 512u << 16);
	assert_int_equal(sgpu_pt_block_bitmap(&f->vm->pt, block, bits), 0);

	/* Pages 64..320 with one helper registered: two chunks of 128. */
	offer(f, key, 64, 320, 1);
	sgpu_fault_block_help(f->gpu, &fb->scratch[0], f->vm, 1, key,
			      deadline);
	assert_int_equal(atomic_load(&fb->slot_work[1].cursor) & 0xffffffff,
			 320u << 16 | 320u);
	assert_int_equal(atomic_load(&fb->slot_work[1].inflight), 0);
	assert_int_equal(atomic_load(&f->gpu->stats.prefetch_shared) - shared0,
			 2);
	assert_int_equal(sgpu_pt_block_bitmap(&f->vm->pt, block, bits), 256);
	for (unsigned int i = 0; i < SGPU_BLOCK_PAGES; i++)
		assert_int_equal(bits[i / 64] >> (i % 64) & 1,
				 i >= 64 && i < 320);
	/* The translations are the CPU's pages. */
	assert_int_equal(sgpu_pt_lookup(&f->vm->pt, block + 100 * PG) &
				 SGPU_PTE_ADDR_MASK,
			 block + 100 * PG);

	/* No helper: the rest in one chunk. */
	offer(f, key, 320, 512, 0);
	sgpu_fault_block_help(f->gpu, &fb->scratch[0], f->vm, 1, key,
			      deadline);
	assert_int_equal(atomic_load(&f->gpu->stats.prefetch_shared) - shared0,
			 3);
	assert_int_equal(sgpu_pt_block_bitmap(&f->vm->pt, block, bits), 448);
	offer(f, 0, 0, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_checks_generation),
		cmocka_unit_test(test_walk_during_invalidation_takes_lock),
		cmocka_unit_test(test_walks_survive_table_frees),
		cmocka_unit_test(test_helper_services_offered_chunks),
	};

	return cmocka_run_group_tests_name("gpu-walk", tests, setup, teardown);
}
