/* SPDX-License-Identifier: MIT */
/*
 * The fault buffer and its service loop, driven directly: records posted
 * from the test thread, one service call, then the replies, the device
 * page table and the counters are checked. Covers deduplication (the
 * strongest access wins), windows, batch limits, several VMs in one batch,
 * the cancel path (-EFAULT, -EPERM, outside the mirror, explicit VMs) with
 * exact attribution inside a window, and the three prefetch policies with
 * the exact pages each one makes resident.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "gpu/sgpu.h"

#define PG 4096ull
#define BLOCK (2ull << 20)

struct fx {
	struct sgpu *gpu;
	struct sgpu_vm *vm;
	struct sgpu_config saved;
	uint8_t *map;	/* a 2 MiB-aligned block of fresh anonymous memory */
	void *raw;
	size_t raw_len;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sgpu_get(&f->gpu))
		return -1;
	f->saved = f->gpu->cfg;
	if (sgpu_vm_create(f->gpu, KMD_VM_MIRROR_PROCESS, -1, &f->vm))
		return -1;
	f->raw_len = 2 * BLOCK;
	f->raw = mmap(NULL, f->raw_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->raw == MAP_FAILED)
		return -1;
	f->map = (uint8_t *)(((uintptr_t)f->raw + BLOCK - 1) & ~(BLOCK - 1));
	/* 4 KiB pages only: the counts below are per page. */
	madvise(f->map, BLOCK, MADV_NOHUGEPAGE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	f->gpu->cfg = f->saved;
	sgpu_vm_destroy(f->vm);
	sgpu_put(f->gpu);
	munmap(f->raw, f->raw_len);
	free(f);
	return 0;
}

static void post(struct fx *f, struct sgpu_vm *vm, uint64_t addr,
		 enum sgpu_access access, struct sgpu_fault_reply *reply)
{
	struct sgpu_fault_record rec = {
		.vm = vm,
		.addr = addr,
		.access = access,
		.unit = 0,
		.reply = reply,
	};

	if (reply)
		atomic_store(&reply->done, 0);
	assert_true(sgpu_fault_post(f->gpu, &rec));
}

static uint64_t page(struct fx *f, unsigned int i)
{
	return (uint64_t)(uintptr_t)f->map + i * PG;
}

static uint64_t pte_of(struct sgpu_vm *vm, uint64_t va)
{
	uint64_t pte;

	pthread_rwlock_rdlock(&vm->lock);
	pte = sgpu_pt_lookup(&vm->pt, va);
	pthread_rwlock_unlock(&vm->lock);
	return pte;
}

static struct kmd_gpu_stats stats(struct fx *f)
{
	struct kmd_gpu_stats s;

	sgpu_stats_fill(f->gpu, &s);
	return s;
}

#define DELTA(a, b, field) ((a).field - (b).field)

static void assert_replied(struct sgpu_fault_reply *r, int error)
{
	assert_int_equal(atomic_load(&r->done), 1);
	assert_int_equal(r->error, error);
}

static void test_dedup_strongest_wins(void **state)
{
	struct fx *f = *state;
	struct sgpu_fault_reply r[4];
	struct kmd_gpu_stats b, a;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	b = stats(f);
	post(f, f->vm, page(f, 0) + 8, SGPU_ACCESS_READ, &r[0]);
	post(f, f->vm, page(f, 0) + 64, SGPU_ACCESS_WRITE, &r[1]);
	post(f, f->vm, page(f, 0), SGPU_ACCESS_READ, &r[2]);
	post(f, f->vm, page(f, 1) + 4, SGPU_ACCESS_READ, &r[3]);
	assert_int_equal(sgpu_fault_service(f->gpu), 1);
	a = stats(f);
	for (int i = 0; i < 4; i++)
		assert_replied(&r[i], 0);
	assert_int_equal(DELTA(a, b, fault_batches), 1);
	assert_int_equal(DELTA(a, b, fault_records), 4);
	assert_int_equal(DELTA(a, b, fault_unique), 2);
	assert_int_equal(DELTA(a, b, fault_windows), 1);
	/* Only the two faulting pages: the rest of the window is absent. */
	assert_int_equal(DELTA(a, b, fault_pages), 2);
	assert_int_equal(DELTA(a, b, prefetch_pages), 0);
	/* The write won for page 0; page 1 was only read (zero page). */
	assert_true(pte_of(f->vm, page(f, 0)) & SGPU_PTE_WRITE);
	assert_true(pte_of(f->vm, page(f, 1)) & SGPU_PTE_VALID);
	assert_false(pte_of(f->vm, page(f, 1)) & SGPU_PTE_WRITE);
	assert_int_equal(pte_of(f->vm, page(f, 2)), 0);
}

static void test_populated_neighbours_are_mapped(void **state)
{
	struct fx *f = *state;
	struct sgpu_fault_reply r;
	struct kmd_gpu_stats b, a;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	memset(f->map, 1, 16 * PG);	/* the CPU populates a whole window */
	b = stats(f);
	post(f, f->vm, page(f, 3), SGPU_ACCESS_READ, &r);
	sgpu_fault_service(f->gpu);
	a = stats(f);
	assert_replied(&r, 0);
	assert_int_equal(DELTA(a, b, fault_pages), 16);
	for (unsigned int i = 0; i < 16; i++)
		assert_true(pte_of(f->vm, page(f, i)) & SGPU_PTE_WRITE);
	assert_int_equal(pte_of(f->vm, page(f, 16)), 0);
}

static void test_windows_and_batches(void **state)
{
	struct fx *f = *state;
	struct sgpu_fault_reply *r = calloc(300, sizeof(*r));
	struct kmd_gpu_stats b, a;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	assert_non_null(r);
	b = stats(f);
	/* 300 distinct pages, in descending order: sorted by the service. */
	for (unsigned int i = 0; i < 300; i++)
		post(f, f->vm, page(f, 299 - i), SGPU_ACCESS_READ, &r[i]);
	assert_int_equal(sgpu_fault_service(f->gpu), 2);
	a = stats(f);
	for (unsigned int i = 0; i < 300; i++)
		assert_replied(&r[i], 0);
	assert_int_equal(DELTA(a, b, fault_batches), 2);
	assert_int_equal(a.fault_batch_max, SGPU_FAULT_BATCH_DEFAULT);
	assert_int_equal(DELTA(a, b, fault_records), 300);
	assert_int_equal(DELTA(a, b, fault_unique), 300);
	/*
	 * The first batch takes pages 299..44, i.e. windows 2..18 (17), the
	 * second pages 43..0, windows 0..2 (3): window 2 is split.
	 */
	assert_int_equal(DELTA(a, b, fault_windows), 20);
	/* 300, and pages 44..47 again: resident neighbours in window 2. */
	assert_int_equal(DELTA(a, b, fault_pages), 304);
	free(r);
}

static void test_two_vms_one_batch(void **state)
{
	struct fx *f = *state;
	struct sgpu_vm *vm2;
	struct sgpu_fault_reply r[3];

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	assert_int_equal(sgpu_vm_create(f->gpu, KMD_VM_MIRROR_PROCESS, -1, &vm2),
			 0);
	post(f, vm2, page(f, 7), SGPU_ACCESS_WRITE, &r[0]);
	post(f, f->vm, page(f, 9), SGPU_ACCESS_READ, &r[1]);
	post(f, vm2, page(f, 9), SGPU_ACCESS_READ, &r[2]);
	assert_int_equal(sgpu_fault_service(f->gpu), 1);
	for (int i = 0; i < 3; i++)
		assert_replied(&r[i], 0);
	assert_true(pte_of(vm2, page(f, 7)) & SGPU_PTE_WRITE);
	assert_int_equal(pte_of(f->vm, page(f, 7)), 0);
	assert_true(pte_of(vm2, page(f, 9)) & SGPU_PTE_VALID);
	assert_true(pte_of(f->vm, page(f, 9)) & SGPU_PTE_VALID);
	sgpu_vm_destroy(vm2);
}

/* One bad page in a window cancels its own records, not its neighbours'. */
static void test_cancel_inaccessible_page(void **state)
{
	struct fx *f = *state;
	struct sgpu_fault_reply r[3];
	struct kmd_gpu_stats b, a;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	assert_int_equal(mprotect((void *)(uintptr_t)page(f, 5), PG, PROT_NONE), 0);
	b = stats(f);
	post(f, f->vm, page(f, 0), SGPU_ACCESS_READ, &r[0]);
	post(f, f->vm, page(f, 5) + 12, SGPU_ACCESS_READ, &r[1]);
	post(f, f->vm, page(f, 6), SGPU_ACCESS_WRITE, &r[2]);
	sgpu_fault_service(f->gpu);
	a = stats(f);
	assert_replied(&r[0], 0);
	assert_replied(&r[1], -EFAULT);
	assert_replied(&r[2], 0);
	assert_int_equal(DELTA(a, b, fault_cancelled), 1);
	assert_true(pte_of(f->vm, page(f, 0)) & SGPU_PTE_VALID);
	assert_int_equal(pte_of(f->vm, page(f, 5)), 0);
	assert_true(pte_of(f->vm, page(f, 6)) & SGPU_PTE_WRITE);
}

/*
 * A write to a read-only page is cancelled with -EPERM; a read of the same
 * page in the same batch is answered -EAGAIN (try again: only the
 * strongest access is known to fail), and succeeds alone.
 */
static void test_cancel_write_to_readonly(void **state)
{
	struct fx *f = *state;
	struct sgpu_fault_reply r[2];
	struct kmd_gpu_stats b, a;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	assert_int_equal(mprotect(f->map, PG, PROT_READ), 0);
	b = stats(f);
	post(f, f->vm, page(f, 0), SGPU_ACCESS_READ, &r[0]);
	post(f, f->vm, page(f, 0), SGPU_ACCESS_ATOMIC, &r[1]);
	sgpu_fault_service(f->gpu);
	a = stats(f);
	assert_replied(&r[0], -EAGAIN);
	assert_replied(&r[1], -EPERM);
	assert_int_equal(DELTA(a, b, fault_cancelled), 1);
	assert_int_equal(pte_of(f->vm, page(f, 0)), 0);

	post(f, f->vm, page(f, 0), SGPU_ACCESS_READ, &r[0]);
	sgpu_fault_service(f->gpu);
	assert_replied(&r[0], 0);
	assert_true(pte_of(f->vm, page(f, 0)) & SGPU_PTE_VALID);
	assert_false(pte_of(f->vm, page(f, 0)) & SGPU_PTE_WRITE);
}

static void test_cancel_outside_mirror(void **state)
{
	struct fx *f = *state;
	struct sgpu_vm *explicit_vm;
	struct sgpu_fault_reply r[4];

	assert_int_equal(sgpu_vm_create(f->gpu, 0, -1, &explicit_vm), 0);
	post(f, f->vm, 0x10, SGPU_ACCESS_READ, &r[0]);		/* page 0 */
	post(f, f->vm, 1ull << 47, SGPU_ACCESS_READ, &r[1]);	/* above */
	post(f, f->vm, page(f, 2), SGPU_ACCESS_READ, &r[2]);	/* fine */
	post(f, explicit_vm, page(f, 2), SGPU_ACCESS_READ, &r[3]);
	sgpu_fault_service(f->gpu);
	assert_replied(&r[0], -EFAULT);
	assert_replied(&r[1], -EFAULT);
	assert_replied(&r[2], 0);
	assert_replied(&r[3], -EFAULT);
	assert_int_equal(pte_of(explicit_vm, page(f, 2)), 0);
	sgpu_vm_destroy(explicit_vm);
}

/* Records nobody waits for (reply NULL) are serviced all the same. */
static void test_records_without_reply(void **state)
{
	struct fx *f = *state;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	post(f, f->vm, page(f, 30), SGPU_ACCESS_PREFETCH, NULL);
	post(f, f->vm, page(f, 31), SGPU_ACCESS_WRITE, NULL);
	assert_int_equal(sgpu_fault_service(f->gpu), 1);
	/* A prefetch record snapshots only: the absent page stays absent. */
	assert_int_equal(pte_of(f->vm, page(f, 30)), 0);
	assert_true(pte_of(f->vm, page(f, 31)) & SGPU_PTE_WRITE);
	assert_int_equal(sgpu_fault_service(f->gpu), 0);	/* empty */
}

/* Services one fault of @access at page @i; returns prefetched pages. */
static uint64_t fault_one(struct fx *f, unsigned int i, enum sgpu_access access)
{
	struct sgpu_fault_reply r;
	struct kmd_gpu_stats b = stats(f), a;

	post(f, f->vm, page(f, i), access, &r);
	assert_int_equal(sgpu_fault_service(f->gpu), 1);
	assert_replied(&r, 0);
	a = stats(f);
	return DELTA(a, b, prefetch_pages);
}

static unsigned int resident(struct fx *f, unsigned int first, unsigned int n)
{
	unsigned int count = 0;

	for (unsigned int i = first; i < first + n; i++)
		count += (pte_of(f->vm, page(f, i)) & SGPU_PTE_VALID) != 0;
	return count;
}

static void test_prefetch_none(void **state)
{
	struct fx *f = *state;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_NONE;
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(fault_one(f, i, SGPU_ACCESS_WRITE), 0);
	assert_int_equal(resident(f, 0, 512), 8);
}

static void test_prefetch_window(void **state)
{
	struct fx *f = *state;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_WINDOW;
	f->gpu->cfg.prefetch_window = 256 << 10;
	/* The 64-page window around page 70: pages 64..127 but page 70. */
	assert_int_equal(fault_one(f, 70, SGPU_ACCESS_WRITE), 63);
	assert_int_equal(resident(f, 0, 512), 64);
	assert_int_equal(resident(f, 64, 64), 64);
	/* A write stream: prefetched for writing. */
	for (unsigned int i = 64; i < 128; i++)
		assert_true(pte_of(f->vm, page(f, i)) & SGPU_PTE_WRITE);
	/* Already resident: the next fault in the window needs no fault. */
	assert_int_equal(fault_one(f, 100, SGPU_ACCESS_READ), 0);
}

/*
 * UVM's tree for a stream of read faults on absent memory: a page in a
 * subregion counts when resident or faulted, and the largest subregion
 * with more than half counted is made resident (the default threshold).
 */
static void test_prefetch_density_stream(void **state)
{
	struct fx *f = *state;
	static const struct {
		unsigned int fault, prefetched, resident;
	} steps[] = {
		{ 0, 0, 1 },	/* 1 of 2: not more than half */
		{ 1, 0, 2 },	/* [0,2) qualifies, nothing absent in it */
		{ 2, 1, 4 },	/* 3 of 4: [0,4) */
		{ 4, 3, 8 },	/* 5 of 8: [0,8) */
		{ 8, 7, 16 },	/* 9 of 16 */
		{ 16, 15, 32 },	/* 17 of 32 */
		{ 32, 31, 64 },
		{ 64, 63, 128 },
		{ 128, 127, 256 },
		{ 256, 255, 512 },	/* the whole 2 MiB block */
	};

	f->gpu->cfg.prefetch = SGPU_PREFETCH_DENSITY;
	f->gpu->cfg.density_pct = 50;
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		assert_int_equal(fault_one(f, steps[k].fault, SGPU_ACCESS_READ),
				 steps[k].prefetched);
		assert_int_equal(resident(f, 0, 512), steps[k].resident);
	}
}

/*
 * UVM's 51%: the same stream needs a second fault to reach the 128-page
 * region, because 65 of 128 is not above 51% (prefetch.c, "The
 * threshold"); 66 of 128 is.
 */
static void test_prefetch_density_uvm_threshold(void **state)
{
	struct fx *f = *state;
	static const unsigned int stream[] = { 0, 1, 2, 4, 8, 16, 32 };

	f->gpu->cfg.prefetch = SGPU_PREFETCH_DENSITY;
	f->gpu->cfg.density_pct = 51;
	for (size_t k = 0; k < sizeof(stream) / sizeof(stream[0]); k++)
		fault_one(f, stream[k], SGPU_ACCESS_READ);
	assert_int_equal(resident(f, 0, 512), 64);
	assert_int_equal(fault_one(f, 64, SGPU_ACCESS_READ), 0);
	assert_int_equal(fault_one(f, 65, SGPU_ACCESS_READ), 62);
	assert_int_equal(resident(f, 0, 512), 128);
}

/* A sparse pattern never fills half a subregion: nothing is prefetched. */
static void test_prefetch_density_sparse(void **state)
{
	struct fx *f = *state;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_DENSITY;
	f->gpu->cfg.density_pct = 50;
	for (unsigned int i = 0; i < 512; i += 37)
		assert_int_equal(fault_one(f, i, SGPU_ACCESS_READ), 0);
	assert_int_equal(resident(f, 0, 512), (512 + 36) / 37);
}

/* The faults of one batch count together ("faulted" pages). */
static void test_prefetch_density_batch(void **state)
{
	struct fx *f = *state;
	struct sgpu_fault_reply r[3];
	struct kmd_gpu_stats b, a;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_DENSITY;
	f->gpu->cfg.density_pct = 50;
	b = stats(f);
	post(f, f->vm, page(f, 16), SGPU_ACCESS_READ, &r[0]);
	post(f, f->vm, page(f, 17), SGPU_ACCESS_READ, &r[1]);
	post(f, f->vm, page(f, 18), SGPU_ACCESS_READ, &r[2]);
	sgpu_fault_service(f->gpu);
	a = stats(f);
	for (int i = 0; i < 3; i++)
		assert_replied(&r[i], 0);
	/* 3 of [16,20): page 19 is prefetched. */
	assert_int_equal(DELTA(a, b, prefetch_pages), 1);
	assert_int_equal(resident(f, 0, 512), 4);
}

/*
 * Density on memory the CPU has populated: the fault's window is wholly
 * present, so the rest of the block is snapshotted and mapped as well;
 * nothing is faulted in, so absent pages stay absent.
 */
static void test_prefetch_density_populated(void **state)
{
	struct fx *f = *state;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_DENSITY;
	f->gpu->cfg.density_pct = 50;
	memset(f->map, 1, 400 * PG);	/* pages 400..511 stay absent */
	assert_int_equal(fault_one(f, 40, SGPU_ACCESS_READ), 384);
	assert_int_equal(resident(f, 0, 512), 400);
	assert_int_equal(pte_of(f->vm, page(f, 400)), 0);
	/*
	 * A fault in the absent part: its window is not present, no
	 * extension; but 401 of 512 pages are now resident or faulted, so
	 * the density rule prefetches (faults in) the rest of the block.
	 */
	assert_int_equal(fault_one(f, 480, SGPU_ACCESS_READ), 111);
	assert_int_equal(resident(f, 0, 512), 512);
}

/* Prefetching skips what it may not touch and never fails a fault. */
static void test_prefetch_around_holes(void **state)
{
	struct fx *f = *state;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_WINDOW;
	f->gpu->cfg.prefetch_window = 64 << 10;
	assert_int_equal(mprotect((void *)(uintptr_t)page(f, 8), PG, PROT_NONE), 0);
	assert_int_equal(fault_one(f, 0, SGPU_ACCESS_WRITE), 14);
	assert_int_equal(resident(f, 0, 16), 15);
	assert_int_equal(pte_of(f->vm, page(f, 8)), 0);

	/* Read-only pages in a write prefetch: retried for reading. */
	assert_int_equal(mprotect((void *)(uintptr_t)page(f, 24), 8 * PG,
				  PROT_READ), 0);
	assert_int_equal(fault_one(f, 16, SGPU_ACCESS_WRITE), 15);
	assert_true(pte_of(f->vm, page(f, 16)) & SGPU_PTE_WRITE);
	assert_int_equal(resident(f, 16, 16), 16);
	assert_false(pte_of(f->vm, page(f, 30)) & SGPU_PTE_WRITE);
}

/*
 * The commit writes runs of pages with equal permissions in one go: a
 * block whose pages alternate between written (writable), only read (the
 * zero page: read-only), read-only by mprotect() and absent must come out
 * page by page as the CPU maps it, each entry targeting its own page.
 */
static void test_commit_mixed_runs(void **state)
{
	struct fx *f = *state;
	struct kmd_gpu_stats b, a;
	unsigned int present = 0;
	volatile uint8_t sink = 0;

	f->gpu->cfg.prefetch = SGPU_PREFETCH_DENSITY;
	f->gpu->cfg.density_pct = 50;
	for (unsigned int i = 0; i < 512; i++) {
		if (i >= 300 && i < 320)
			continue;			/* absent */
		if (i % 7 == 3 || i % 64 == 63)
			sink += f->map[i * PG];		/* zero page */
		else
			f->map[i * PG] = 1;
		present++;
	}
	assert_int_equal(mprotect((void *)(uintptr_t)page(f, 100), 10 * PG,
				  PROT_READ), 0);
	b = stats(f);
	(void)fault_one(f, 0, SGPU_ACCESS_READ);
	a = stats(f);
	assert_int_equal(DELTA(a, b, fault_pages), 16);
	assert_int_equal(DELTA(a, b, prefetch_pages), present - 16);
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t pte = pte_of(f->vm, page(f, i));
		bool absent = i >= 300 && i < 320;
		bool ro = i % 7 == 3 || i % 64 == 63 || (i >= 100 && i < 110);

		if (absent) {
			assert_int_equal(pte, 0);
			continue;
		}
		assert_true(pte & SGPU_PTE_VALID);
		assert_false(sgpu_pte_is_vram(pte));
		assert_int_equal(sgpu_pte_target(pte), page(f, i));
		assert_int_equal(!!(pte & SGPU_PTE_WRITE), !ro);
		assert_int_equal(!!(pte & SGPU_PTE_ATOMIC), !ro);
	}
	(void)sink;
}

/*
 * Streams over populated memory: once the block below (or above) a
 * fault's block is resident end to end, the fault's block is extended
 * whole before its window is looked at, so its faults need no window of
 * their own. A stream that runs into absent memory costs one snapshot
 * and is then serviced as any fault.
 */
static void test_stream_whole_block(void **state)
{
	struct fx *f = *state;
	size_t len = 5 * BLOCK;
	uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *m;
	struct kmd_gpu_stats b, a;
	struct sgpu_fault_reply r;

	assert_true(raw != MAP_FAILED);
	m = (uint8_t *)(((uintptr_t)raw + BLOCK - 1) & ~(BLOCK - 1));
	madvise(m, 4 * BLOCK, MADV_NOHUGEPAGE);
	f->gpu->cfg.prefetch = SGPU_PREFETCH_DENSITY;
	f->gpu->cfg.density_pct = 50;
	memset(m, 1, 2 * BLOCK);		/* blocks 0 and 1 */
	memset(m + 3 * BLOCK, 1, BLOCK);	/* block 3; block 2 absent */

#define FAULT_AT(off, acc) do {						\
		b = stats(f);						\
		post(f, f->vm, (uint64_t)(uintptr_t)(m + (off)), (acc), &r); \
		assert_int_equal(sgpu_fault_service(f->gpu), 1);	\
		assert_replied(&r, 0);					\
		a = stats(f);						\
	} while (0)
	/* Block 0: no stream yet; the window, then the rest of the block. */
	FAULT_AT(0, SGPU_ACCESS_READ);
	assert_int_equal(DELTA(a, b, fault_windows), 1);
	assert_int_equal(DELTA(a, b, fault_pages), 16);
	assert_int_equal(DELTA(a, b, prefetch_pages), 496);
	/* Block 1: a stream; one extension of all 512 pages, no window. */
	FAULT_AT(BLOCK + 8 * PG, SGPU_ACCESS_WRITE);
	assert_int_equal(DELTA(a, b, fault_windows), 0);
	assert_int_equal(DELTA(a, b, prefetch_regions), 1);
	assert_int_equal(DELTA(a, b, prefetch_pages), 512);
	for (unsigned int i = 0; i < 512; i++)
		assert_int_equal(pte_of(f->vm, (uint64_t)(uintptr_t)(m + BLOCK +
							       i * PG)) &
				 (SGPU_PTE_VALID | SGPU_PTE_WRITE),
				 SGPU_PTE_VALID | SGPU_PTE_WRITE);
	/* Block 2, absent: the extension finds nothing; the window faults. */
	FAULT_AT(2 * BLOCK, SGPU_ACCESS_READ);
	assert_int_equal(DELTA(a, b, prefetch_regions), 1);
	assert_int_equal(DELTA(a, b, prefetch_pages), 0);
	assert_int_equal(DELTA(a, b, fault_windows), 1);
	assert_int_equal(DELTA(a, b, fault_pages), 1);
	assert_true(pte_of(f->vm, (uint64_t)(uintptr_t)(m + 2 * BLOCK)) &
		    SGPU_PTE_VALID);
	assert_int_equal(pte_of(f->vm, (uint64_t)(uintptr_t)(m + 2 * BLOCK +
							     PG)), 0);
	/*
	 * Block 3: block 2 below is not resident end to end, nothing above:
	 * no stream. Block 2 again, populated now: part of it is resident
	 * (page 0), so no stream either: the window, then the rest.
	 */
	FAULT_AT(3 * BLOCK + 100 * PG, SGPU_ACCESS_READ);
	assert_int_equal(DELTA(a, b, fault_windows), 1);
	assert_int_equal(DELTA(a, b, fault_pages), 16);
	memset(m + 2 * BLOCK, 1, BLOCK);
	FAULT_AT(2 * BLOCK + 511 * PG, SGPU_ACCESS_READ);
	assert_int_equal(DELTA(a, b, fault_windows), 1);
	assert_int_equal(DELTA(a, b, fault_pages), 16);
	assert_int_equal(DELTA(a, b, prefetch_pages), 495);
	/* Blocks 1 and 2 invalidated: block 2 from above, descending. */
	sgpu_vm_invalidate(f->vm, (uint64_t)(uintptr_t)(m + BLOCK),
			   (uint64_t)(uintptr_t)(m + 3 * BLOCK));
	assert_int_equal(pte_of(f->vm, (uint64_t)(uintptr_t)(m + 2 * BLOCK)),
			 0);
	FAULT_AT(2 * BLOCK + 511 * PG, SGPU_ACCESS_READ);
	assert_int_equal(DELTA(a, b, fault_windows), 0);
	assert_int_equal(DELTA(a, b, prefetch_pages), 512);
#undef FAULT_AT
	munmap(raw, len);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dedup_strongest_wins),
		T(test_populated_neighbours_are_mapped),
		T(test_windows_and_batches),
		T(test_two_vms_one_batch),
		T(test_cancel_inaccessible_page),
		T(test_cancel_write_to_readonly),
		T(test_cancel_outside_mirror),
		T(test_records_without_reply),
		T(test_prefetch_none),
		T(test_prefetch_window),
		T(test_prefetch_density_stream),
		T(test_prefetch_density_uvm_threshold),
		T(test_prefetch_density_sparse),
		T(test_prefetch_density_batch),
		T(test_prefetch_density_populated),
		T(test_prefetch_around_holes),
		T(test_commit_mixed_runs),
		T(test_stream_whole_block),
	};
#undef T

	return cmocka_run_group_tests_name("gpu-fault-service", tests, NULL, NULL);
}
