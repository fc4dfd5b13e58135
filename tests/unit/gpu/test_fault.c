/* SPDX-License-Identifier: MIT */
/*
 * The device fault path end to end through the kmd uAPI, with device code
 * written in C (dev_access.h does what JIT code does): faults serviced by
 * hmm_range_fault, unresolvable faults reported, CPU unmaps invalidating
 * the device mappings, and the SIGSEGV guard for stale translations.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev_access.h"
#include "mm/mm.h"
#include "svmcl/kmd.h"

struct fixture {
	int fd;
	uint32_t vm;
};

struct copy_args {
	const uint32_t *src;
	uint32_t *dst;
};

/* dst[gid] = src[gid] * 2 + 1, every access through the device MMU. */
static void wg_scale(const void *p, struct sgpu_cu_state *cu)
{
	const struct copy_args *a = p;

	for (uint64_t l = 0; l < cu->local_size[0]; l++) {
		uint64_t gid = cu->group_id[0] * cu->enqueued_local_size[0] + l;

		dev_store32(cu, &a->dst[gid], dev_load32(cu, &a->src[gid]) * 2 + 1);
	}
}

/* Touches memory without translating: what a stale TLB line would do. */
static void wg_raw_read(const void *p, struct sgpu_cu_state *cu)
{
	const struct copy_args *a = p;

	(void)cu;
	(void)*(volatile const uint32_t *)a->src;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kmd_vm_create vc = { .flags = KMD_VM_MIRROR_PROCESS };

	if (!f)
		return -1;
	f->fd = kmd_open("sgpu0");
	if (f->fd < 0 || kmd_ioctl(f->fd, KMD_IOCTL_VM_CREATE, &vc))
		return -1;
	f->vm = vc.vm_id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kmd_close(f->fd);
	free(f);
	return 0;
}

static struct kmd_dispatch dispatch_1d(struct fixture *f, sgpu_wg_fn fn,
				       const void *args, uint64_t n,
				       uint64_t local)
{
	struct kmd_dispatch d = {
		.vm_id = f->vm,
		.work_dim = 1,
		.entry = (uintptr_t)fn,
		.args = (uintptr_t)args,
		.global_size = { n, 1, 1 },
		.local_size = { local, 1, 1 },
	};

	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_DISPATCH, &d), 0);
	return d;
}

static struct kmd_gpu_stats stats(struct fixture *f)
{
	struct kmd_gpu_stats s;

	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_GET_STATS, &s), 0);
	return s;
}

/* True when no CPU mapping covers @page (msync fails with ENOMEM). */
static bool page_unmapped(void *page)
{
	return msync(page, 4096, MS_ASYNC) != 0 && errno == ENOMEM;
}

static void test_malloc_memory(void **state)
{
	struct fixture *f = *state;
	enum { N = 64 * 1024 };
	uint32_t *src = malloc(N * sizeof(*src));
	uint32_t *dst = malloc(N * sizeof(*dst));
	struct copy_args a = { src, dst };
	struct kmd_gpu_stats before = stats(f), after;
	struct kmd_dispatch d;

	assert_non_null(src);
	assert_non_null(dst);
	for (uint32_t i = 0; i < N; i++)
		src[i] = i;
	d = dispatch_1d(f, wg_scale, &a, N, 256);
	assert_int_equal(d.status, 0);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(dst[i], i * 2 + 1);
	after = stats(f);
	assert_true(after.faults > before.faults);
	/* Every page of both buffers: by its fault window or a prefetch. */
	assert_true((after.fault_pages - before.fault_pages) +
			    (after.prefetch_pages - before.prefetch_pages) >=
		    2 * N * sizeof(*src) / 4096);
	/* Each fault a unit raised is one record; batches hold one or more. */
	assert_int_equal(after.fault_records - before.fault_records,
			 after.faults - before.faults);
	assert_in_range(after.fault_batches - before.fault_batches, 1,
			after.fault_records - before.fault_records);
	assert_int_equal(after.work_groups - before.work_groups, N / 256);
	/*
	 * Every first-level miss is answered by the second level or a walk,
	 * and every serviced fault is followed by one more walk.
	 */
	assert_int_equal(after.tlb_l1_misses - before.tlb_l1_misses,
			 (after.tlb_l2_hits - before.tlb_l2_hits) +
				 (after.tlb_l2_misses - before.tlb_l2_misses) -
				 (after.faults - before.faults));
	free(src);
	free(dst);
}

static void test_unmapped_address_faults(void **state)
{
	struct fixture *f = *state;
	uint32_t dst[64];

	/*
	 * Another thread (a sanitizer runtime, the allocator) may map the hole
	 * again before the dispatch reads it; such a run proves nothing and is
	 * repeated with a new hole.
	 */
	for (int attempt = 0; attempt < 8; attempt++) {
		uint8_t *hole = mmap(NULL, 4096, PROT_READ,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct copy_args a = { (const uint32_t *)(hole + 256), dst };
		struct kmd_dispatch d;

		assert_true(hole != MAP_FAILED);
		munmap(hole, 4096);
		d = dispatch_1d(f, wg_scale, &a, 64, 64);
		if (d.status == 0 && !page_unmapped(hole))
			continue;
		assert_int_equal(d.status, -EFAULT);
		assert_int_equal(d.fault_addr, (uintptr_t)(hole + 256));
		assert_int_equal(d.fault_access, SGPU_ACCESS_READ);
		assert_int_equal(d.fault_group[0], 0);
		return;
	}
	fail_msg("the hole was mapped again in every attempt");
}

static void test_write_to_readonly_faults(void **state)
{
	struct fixture *f = *state;
	uint32_t src[64] = { 0 };
	uint32_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	struct copy_args a = { src, ro };
	struct kmd_dispatch d;

	assert_true(ro != MAP_FAILED);
	d = dispatch_1d(f, wg_scale, &a, 64, 64);
	assert_int_equal(d.status, -EPERM);
	assert_int_equal(d.fault_access, SGPU_ACCESS_WRITE);
	assert_int_equal(d.fault_addr, (uintptr_t)ro);
	munmap(ro, 4096);
}

static void test_next_dispatch_runs_after_fault(void **state)
{
	struct fixture *f = *state;
	uint32_t src[128], dst[128];
	struct copy_args bad = { (const uint32_t *)(uintptr_t)0x1000, dst };
	struct copy_args good = { src, dst };
	struct kmd_dispatch d;

	for (uint32_t i = 0; i < 128; i++)
		src[i] = i;
	d = dispatch_1d(f, wg_scale, &bad, 128, 32);
	assert_int_equal(d.status, -EFAULT);
	d = dispatch_1d(f, wg_scale, &good, 128, 32);
	assert_int_equal(d.status, 0);
	for (uint32_t i = 0; i < 128; i++)
		assert_int_equal(dst[i], 2 * i + 1);
}

static void test_cpu_unmap_invalidates(void **state)
{
	struct fixture *f = *state;
	struct mm_struct *mm = svm_mm_get();
	size_t len = 16 * 4096;
	uint32_t *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t dst[1024];
	struct copy_args a = { buf, dst };
	struct kmd_gpu_stats before, after;
	struct kmd_dispatch d;

	assert_non_null(mm);
	assert_true(buf != MAP_FAILED);
	for (uint32_t i = 0; i < 1024; i++)
		buf[i] = 7;
	d = dispatch_1d(f, wg_scale, &a, 1024, 64);
	assert_int_equal(d.status, 0);
	assert_int_equal(dst[1023], 15);

	before = stats(f);
	munmap(buf, len);
	mm_sync_events(mm);
	after = stats(f);
	assert_true(after.invalidations > before.invalidations);
	assert_true(after.invalidated_ptes >= 1);

	/*
	 * The device must not reach the old pages through a stale entry
	 * (unless another thread has mapped the range again meanwhile).
	 */
	d = dispatch_1d(f, wg_scale, &a, 1024, 64);
	if (d.status == 0 && !page_unmapped(buf))
		return;
	assert_int_equal(d.status, -EFAULT);
	/* Whichever unit faulted first: the address is in the unmapped range. */
	assert_in_range(d.fault_addr, (uintptr_t)buf, (uintptr_t)buf + len - 1);
	svm_mm_put(mm);
}

static void test_madvise_dontneed_is_coherent(void **state)
{
	struct fixture *f = *state;
	struct mm_struct *mm = svm_mm_get();
	uint32_t *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t dst[64];
	struct copy_args a = { buf, dst };
	struct kmd_dispatch d;

	assert_true(buf != MAP_FAILED);
	for (uint32_t i = 0; i < 64; i++)
		buf[i] = 100;
	d = dispatch_1d(f, wg_scale, &a, 64, 64);
	assert_int_equal(d.status, 0);
	assert_int_equal(dst[0], 201);
	/* The CPU drops the page: the device must see the new zero page. */
	madvise(buf, 4096, MADV_DONTNEED);
	mm_sync_events(mm);
	d = dispatch_1d(f, wg_scale, &a, 64, 64);
	assert_int_equal(d.status, 0);
	assert_int_equal(dst[0], 1);
	munmap(buf, 4096);
	svm_mm_put(mm);
}

static void test_cpu_remap_invalidates_old_range(void **state)
{
	struct fixture *f = *state;
	struct mm_struct *mm = svm_mm_get();
	size_t len = 4 * 4096;
	uint32_t *old = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *moved, dst[256];
	struct copy_args a = { old, dst };
	struct kmd_dispatch d;

	assert_true(old != MAP_FAILED);
	/* The second half stays mapped, so growing the first half must move it. */
	for (uint32_t i = 0; i < 256; i++)
		old[i] = i;
	d = dispatch_1d(f, wg_scale, &a, 256, 64);
	assert_int_equal(d.status, 0);

	moved = mremap(old, len, 2 * len, MREMAP_MAYMOVE);
	assert_true(moved != MAP_FAILED);
	assert_ptr_not_equal(moved, old);
	mm_sync_events(mm);
	/* The old range is gone for the device too (unless mapped again)... */
	d = dispatch_1d(f, wg_scale, &a, 256, 64);
	if (d.status || page_unmapped(old)) {
		assert_int_equal(d.status, -EFAULT);
		assert_in_range(d.fault_addr, (uintptr_t)old,
				(uintptr_t)old + len - 1);
	}
	/* ...and the data is reachable at its new address. */
	a.src = moved;
	d = dispatch_1d(f, wg_scale, &a, 256, 64);
	assert_int_equal(d.status, 0);
	assert_int_equal(dst[255], 2 * 255 + 1);
	munmap(moved, 2 * len);
	munmap((char *)old + len, len);
	svm_mm_put(mm);
}

static void test_stale_access_is_device_fault(void **state)
{
	struct fixture *f = *state;

	for (int attempt = 0; attempt < 8; attempt++) {
		uint8_t *p = mmap(NULL, 4096, PROT_READ,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct copy_args a = { (const uint32_t *)p, NULL };
		struct kmd_dispatch d;

		assert_true(p != MAP_FAILED);
		munmap(p, 4096);
		d = dispatch_1d(f, wg_raw_read, &a, 1, 1);
		if (d.status == 0 && !page_unmapped(p))
			continue;	/* mapped again meanwhile: retry */
		assert_int_equal(d.status, -EFAULT);
		assert_int_equal(d.fault_addr, (uintptr_t)p);
		return;
	}
	fail_msg("the hole was mapped again in every attempt");
}

static void test_uapi_bad_input(void **state)
{
	struct fixture *f = *state;
	struct kmd_gpu_info info;
	struct kmd_vm_destroy vd = { .vm_id = 12345 };
	struct kmd_vm_range r = { .vm_id = f->vm, .start = 0x2000, .end = 0x1000 };
	struct kmd_vm_create vc = { .flags = 0x80 };
	struct kmd_dispatch d = { .vm_id = f->vm, .work_dim = 4 };

	assert_int_equal(kmd_open("nonexistent"), -ENOENT);
	assert_int_equal(kmd_open(NULL), -EFAULT);
	assert_int_equal(kmd_ioctl(99, KMD_IOCTL_GET_INFO, &info), -EBADF);
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_GET_INFO, NULL), -EFAULT);
	assert_int_equal(kmd_ioctl(f->fd, _IOR('S', 0x7f, int), &info), -EINVAL);
	assert_int_equal(kmd_ioctl(f->fd, _IOR('S', 0x00, int), &info), -EINVAL);
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_VM_DESTROY, &vd), -EINVAL);
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_VM_INVALIDATE, &r), -EINVAL);
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_VM_CREATE, &vc), -EINVAL);
	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_DISPATCH, &d), -EINVAL);
	assert_int_equal(kmd_close(-1), -EBADF);

	assert_int_equal(kmd_ioctl(f->fd, KMD_IOCTL_GET_INFO, &info), 0);
	assert_true(info.num_compute_units >= 1);
	assert_int_equal(info.tlb_l1_entries, SGPU_TLB_L1_ENTRIES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malloc_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmapped_address_faults,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_to_readonly_faults,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_dispatch_runs_after_fault,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_unmap_invalidates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_madvise_dontneed_is_coherent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpu_remap_invalidates_old_range,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_access_is_device_fault,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_uapi_bad_input, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("gpu-fault", tests, NULL, NULL);
}
