/* SPDX-License-Identifier: MIT */
/*
 * Bad input on the kmd uAPI (libsvmcl-kmd.so): every malformed argument,
 * pointer or request of the dmirror nodes (and the sgpu node's pointers)
 * gets its error code, nothing crashes, and a failed request leaves the
 * caller's argument untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "hmm_test_util.h"

struct uapi_fixture {
	int fd;
	char *mem;		/* 16 pages, read-write, written */
	char *buf;		/* 16 pages of mirror buffer */
	char *unmapped;		/* a hole; any thread's next mmap may fill it */
	char *prot_none;	/* a PROT_NONE page */
	char *read_only;	/* a PROT_READ page, followed by */
	char *trailer;		/* a PROT_NONE page */
};

#define NPAGES 16

/*
 * Below mmap_min_addr (64 KiB): nothing is mapped there unless someone
 * asks for it with MAP_FIXED, so it stays a hole whatever other threads
 * do, unlike a hole punched between mappings.
 */
#define LOW_HOLE ((void *)0x3000)

static int setup(void **state)
{
	struct uapi_fixture *f = calloc(1, sizeof(*f));
	char *guard;

	if (!f)
		return -1;
	f->fd = hmm_open(0);
	f->mem = mmap(NULL, NPAGES * HMM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f->buf = malloc(NPAGES * HMM_PAGE_SIZE);
	guard = mmap(NULL, 4 * HMM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->fd < 0 || f->mem == MAP_FAILED || !f->buf || guard == MAP_FAILED)
		return -1;
	memset(f->mem, 0x11, NPAGES * HMM_PAGE_SIZE);
	f->unmapped = guard;
	f->prot_none = guard + HMM_PAGE_SIZE;
	f->read_only = guard + 2 * HMM_PAGE_SIZE;
	f->trailer = guard + 3 * HMM_PAGE_SIZE;
	memset(f->read_only, 0x22, HMM_PAGE_SIZE);
	if (munmap(f->unmapped, HMM_PAGE_SIZE) ||
	    mprotect(f->prot_none, HMM_PAGE_SIZE, PROT_NONE) ||
	    mprotect(f->trailer, HMM_PAGE_SIZE, PROT_NONE) ||
	    mprotect(f->read_only, HMM_PAGE_SIZE, PROT_READ))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct uapi_fixture *f = *state;

	kmd_close(f->fd);
	munmap(f->mem, NPAGES * HMM_PAGE_SIZE);
	munmap(f->prot_none, 3 * HMM_PAGE_SIZE);
	free(f->buf);
	free(f);
	return 0;
}

/* A command whose outputs hold a sentinel, to see they stay untouched. */
static struct hmm_dmirror_cmd cmd_of(const void *addr, const void *ptr,
				     uint64_t npages)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uint64_t)(uintptr_t)addr,
		.ptr = (uint64_t)(uintptr_t)ptr,
		.npages = npages,
		.cpages = 0xdead,
		.faults = 0xbeef,
	};

	return cmd;
}

static void assert_untouched(const struct hmm_dmirror_cmd *cmd)
{
	assert_int_equal(cmd->cpages, 0xdead);
	assert_int_equal(cmd->faults, 0xbeef);
}

static const unsigned long all_requests[] = {
	HMM_DMIRROR_READ, HMM_DMIRROR_WRITE, HMM_DMIRROR_MIGRATE_TO_DEV,
	HMM_DMIRROR_MIGRATE_TO_SYS, HMM_DMIRROR_SNAPSHOT, HMM_DMIRROR_EXCLUSIVE,
	HMM_DMIRROR_CHECK_EXCLUSIVE, HMM_DMIRROR_RELEASE,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */

static void request_numbers_are_linux(void **state)
{
	(void)state;
	/* lib/test_hmm_uapi.h: _IOWR('H', n, struct hmm_dmirror_cmd). */
	assert_int_equal(sizeof(struct hmm_dmirror_cmd), 40);
	assert_int_equal(HMM_DMIRROR_READ, 0xc0284800);
	assert_int_equal(HMM_DMIRROR_WRITE, 0xc0284801);
	assert_int_equal(HMM_DMIRROR_MIGRATE_TO_DEV, 0xc0284802);
	assert_int_equal(HMM_DMIRROR_MIGRATE_TO_SYS, 0xc0284803);
	assert_int_equal(HMM_DMIRROR_SNAPSHOT, 0xc0284804);
	assert_int_equal(HMM_DMIRROR_EXCLUSIVE, 0xc0284805);
	assert_int_equal(HMM_DMIRROR_CHECK_EXCLUSIVE, 0xc0284806);
	assert_int_equal(HMM_DMIRROR_RELEASE, 0xc0284807);
	assert_int_equal(HMM_DMIRROR_PROT_ERROR, 0xFF);
	assert_int_equal(HMM_DMIRROR_PROT_ZERO, 0x10);
	assert_int_equal(HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL, 0x20);
	assert_int_equal(HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE, 0x30);
}

static void open_bad(void **state)
{
	(void)state;
	assert_int_equal(kmd_open(NULL), -EFAULT);
	assert_int_equal(kmd_open("dmirror2"), -ENOENT);
	assert_int_equal(kmd_open("dmirror"), -ENOENT);
	assert_int_equal(kmd_open(""), -ENOENT);
	assert_int_equal(kmd_open("hmm_dmirror0"), -ENOENT);
}

static void handles_bad(void **state)
{
	struct uapi_fixture *f = *state;
	struct hmm_dmirror_cmd cmd = cmd_of(f->mem, f->buf, 1);
	int fd = hmm_open(1);

	assert_true(fd >= 0);
	assert_int_equal(kmd_close(fd), 0);
	assert_int_equal(kmd_close(fd), -EBADF);
	assert_int_equal(kmd_ioctl(fd, HMM_DMIRROR_READ, &cmd), -EBADF);
	assert_int_equal(kmd_ioctl(-1, HMM_DMIRROR_READ, &cmd), -EBADF);
	assert_int_equal(kmd_ioctl(1 << 20, HMM_DMIRROR_READ, &cmd), -EBADF);
	assert_int_equal(kmd_close(-1), -EBADF);
	assert_int_equal(kmd_close(1 << 20), -EBADF);
	assert_untouched(&cmd);
}

static void unknown_requests(void **state)
{
	struct uapi_fixture *f = *state;
	struct hmm_dmirror_cmd cmd = cmd_of(f->mem, f->buf, 1);
	const unsigned long bad[] = {
		0,
		_IOWR('H', 0x08, struct hmm_dmirror_cmd),	/* FLAGS */
		_IOWR('H', 0x09, struct hmm_dmirror_cmd),
		_IOWR('H', 0xff, struct hmm_dmirror_cmd),
		_IOW('H', 0x00, struct hmm_dmirror_cmd),	/* wrong direction */
		_IOR('H', 0x00, struct hmm_dmirror_cmd),
		_IO('H', 0x00),
		_IOWR('H', 0x00, uint64_t),			/* wrong size */
		_IOWR('S', 0x00, struct hmm_dmirror_cmd),	/* wrong type */
		_IOR('S', 0x00, struct kmd_gpu_info),		/* an sgpu request */
		~0ul,
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(kmd_ioctl(f->fd, bad[i], &cmd), -EINVAL);
		/* Unknown beats a bad pointer. */
		assert_int_equal(kmd_ioctl(f->fd, bad[i], NULL), -EINVAL);
	}
	assert_untouched(&cmd);
}

static void sgpu_rejects_dmirror_requests(void **state)
{
	struct uapi_fixture *f = *state;
	struct hmm_dmirror_cmd cmd = cmd_of(f->mem, f->buf, 1);
	struct kmd_gpu_info info;
	int fd = kmd_open("sgpu0");

	assert_true(fd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(all_requests); i++)
		assert_int_equal(kmd_ioctl(fd, all_requests[i], &cmd), -EINVAL);
	/* Its own requests still work, and bad pointers are -EFAULT. */
	assert_int_equal(kmd_ioctl(fd, KMD_IOCTL_GET_INFO, &info), 0);
	assert_true(info.page_shift == 12);
	assert_int_equal(kmd_ioctl(fd, KMD_IOCTL_GET_INFO, NULL), -EFAULT);
	assert_int_equal(kmd_ioctl(fd, KMD_IOCTL_GET_INFO, LOW_HOLE), -EFAULT);
	assert_int_equal(kmd_ioctl(fd, KMD_IOCTL_GET_INFO, f->prot_none), -EFAULT);
	assert_int_equal(kmd_ioctl(fd, KMD_IOCTL_GET_INFO, f->read_only), -EFAULT);
	assert_int_equal(kmd_ioctl(fd, KMD_IOCTL_GET_STATS, (void *)8), -EFAULT);
	assert_int_equal(kmd_close(fd), 0);
}

static void bad_argument_pointer(void **state)
{
	struct uapi_fixture *f = *state;
	void *bad[] = { NULL, (void *)1, (void *)4096, LOW_HOLE,
			(char *)LOW_HOLE + HMM_PAGE_SIZE - 8, f->prot_none,
			(void *)~0ul, (void *)(1ul << 62) };

	for (size_t r = 0; r < ARRAY_SIZE(all_requests); r++)
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
			assert_int_equal(kmd_ioctl(f->fd, all_requests[r], bad[i]),
					 -EFAULT);
}

/* The argument runs from a readable page into a PROT_NONE one. */
static void argument_straddles(void **state)
{
	struct uapi_fixture *f = *state;
	char *arg = f->read_only + HMM_PAGE_SIZE - 16;

	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, arg), -EFAULT);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_SNAPSHOT, arg), -EFAULT);
}

/* A read-only argument can be read but the result cannot be written. */
static void argument_read_only(void **state)
{
	struct uapi_fixture *f = *state;
	struct hmm_dmirror_cmd cmd = cmd_of(f->mem, f->buf, 1);

	assert_int_equal(mprotect(f->read_only, HMM_PAGE_SIZE,
				  PROT_READ | PROT_WRITE), 0);
	memcpy(f->read_only, &cmd, sizeof(cmd));
	assert_int_equal(mprotect(f->read_only, HMM_PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, f->read_only),
			 -EFAULT);
	assert_memory_equal(f->read_only, &cmd, sizeof(cmd));
}

static void bad_ranges(void **state)
{
	struct uapi_fixture *f = *state;
	const struct {
		uint64_t addr, npages;
	} bad[] = {
		{ (uint64_t)(uintptr_t)f->mem + 1, 1 },		/* unaligned */
		{ (uint64_t)(uintptr_t)f->mem + 2048, 1 },
		{ (uint64_t)(uintptr_t)f->mem, 0 },		/* empty */
		{ ~0ull & ~4095ull, 1 },			/* wraps */
		{ ~0ull & ~4095ull, 2 },
		{ 1ull << 63, 1ull << 51 },			/* reaches 2^64 */
		{ 0, 1ull << 52 },				/* size wraps */
		{ 0, ~0ull },
		{ 4096, ~0ull >> 12 },				/* wraps */
	};

	for (size_t r = 0; r < ARRAY_SIZE(all_requests); r++) {
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			struct hmm_dmirror_cmd cmd = cmd_of(NULL, f->buf, 1);

			cmd.addr = bad[i].addr;
			cmd.npages = bad[i].npages;
			assert_int_equal(kmd_ioctl(f->fd, all_requests[r], &cmd),
					 -EINVAL);
			assert_untouched(&cmd);
		}
	}
}

static void bad_buffer_pointer(void **state)
{
	struct uapi_fixture *f = *state;
	const void *bad[] = { NULL, LOW_HOLE, f->prot_none, (void *)1 };
	struct hmm_dmirror_cmd cmd;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cmd = cmd_of(f->mem, bad[i], NPAGES);
		assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd),
				 -EFAULT);
		assert_untouched(&cmd);
		cmd = cmd_of(f->mem, bad[i], NPAGES);
		assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_WRITE, &cmd),
				 -EFAULT);
		assert_untouched(&cmd);
		cmd = cmd_of(f->mem, bad[i], NPAGES);
		assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_SNAPSHOT, &cmd),
				 -EFAULT);
		assert_untouched(&cmd);
	}
	/* The device may read a read-only buffer but not write into it. */
	cmd = cmd_of(f->mem, f->read_only, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd), -EFAULT);
	assert_untouched(&cmd);
	cmd = cmd_of(f->mem, f->read_only, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_WRITE, &cmd), 0);
	assert_int_equal(cmd.cpages, 1);
	assert_int_equal((unsigned char)f->mem[0], 0x22);
	/* A buffer shorter than the range: its tail is PROT_NONE. */
	cmd = cmd_of(f->mem, f->read_only, 8);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_WRITE, &cmd), -EFAULT);
	/* The memory was not written by the failed WRITE. */
	assert_int_equal((unsigned char)f->mem[HMM_PAGE_SIZE], 0x11);
	/* The snapshot of 16 pages needs 16 bytes: 8 are not enough. */
	cmd = cmd_of(f->mem, f->trailer - 8, NPAGES);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_SNAPSHOT, &cmd), -EFAULT);
	assert_untouched(&cmd);
}

/*
 * Ranges the CPU does not map. A hole between mappings may be filled by
 * any thread's next small mmap (a sanitizer's allocator, the device memory
 * bookkeeping), so the guaranteed holes are used for what must fail: the
 * pages below mmap_min_addr (64 KiB), which nothing maps without
 * MAP_FIXED, and addresses above the user address space.
 */
static void unmapped_ranges(void **state)
{
	struct uapi_fixture *f = *state;
	void *low = (void *)0x2000;
	struct hmm_dmirror_cmd cmd;
	unsigned char *m = (unsigned char *)f->buf;

	assert_true(page_unmapped(low));
	cmd = cmd_of(low, f->buf, 2);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd), -EFAULT);
	assert_untouched(&cmd);
	cmd = cmd_of(low, f->buf, 2);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_WRITE, &cmd), -EFAULT);
	assert_untouched(&cmd);
	cmd = cmd_of(low, f->buf, 2);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd),
			 -EINVAL);
	assert_untouched(&cmd);
	cmd = cmd_of(low, f->buf, 2);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_MIGRATE_TO_SYS, &cmd),
			 -EINVAL);
	memset(m, 0, 2);
	cmd = cmd_of(low, f->buf, 2);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_SNAPSHOT, &cmd), 0);
	assert_int_equal(cmd.cpages, 2);
	assert_int_equal(m[0], HMM_DMIRROR_PROT_ERROR);
	assert_int_equal(m[1], HMM_DMIRROR_PROT_ERROR);

	/* Mapped, but not for what is asked. */
	cmd = cmd_of(f->prot_none, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd), -EFAULT);
	cmd = cmd_of(f->prot_none, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd),
			 -EINVAL);
	cmd = cmd_of(f->read_only, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_WRITE, &cmd), -EPERM);

	/* Kernel and non-canonical addresses: no VMA can be there. */
	cmd = cmd_of((void *)0xffff800000000000ul, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd), -EFAULT);
	cmd = cmd_of((void *)0xffff800000000000ul, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_WRITE, &cmd), -EFAULT);
	cmd = cmd_of((void *)0xffff800000000000ul, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd),
			 -EINVAL);
	cmd = cmd_of((void *)0xffff800000000000ul, f->buf, 4);
	memset(m, 0, 4);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_SNAPSHOT, &cmd), 0);
	assert_int_equal(cmd.cpages, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(m[i], HMM_DMIRROR_PROT_ERROR);
	/* Page 0 is never mapped. */
	cmd = cmd_of(NULL, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd), -EFAULT);
	cmd = cmd_of(NULL, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_MIGRATE_TO_DEV, &cmd),
			 -EINVAL);
	cmd = cmd_of(NULL, f->buf, 1);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_SNAPSHOT, &cmd), 0);
	assert_int_equal(m[0], HMM_DMIRROR_PROT_ERROR);
}

/* Larger than the machine's memory: -ENOMEM, not a crash. */
static void huge_range(void **state)
{
	struct uapi_fixture *f = *state;
	struct hmm_dmirror_cmd cmd = cmd_of(f->mem, f->buf, 1ull << 40);

	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd), -ENOMEM);
	assert_untouched(&cmd);
	cmd = cmd_of(f->mem, f->buf, 1ull << 40);
	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_WRITE, &cmd), -ENOMEM);
	assert_untouched(&cmd);
}

/* A good request after all that works and reports Linux's accounting. */
static void good_request(void **state)
{
	struct uapi_fixture *f = *state;
	struct hmm_dmirror_cmd cmd = cmd_of(f->mem, f->buf, NPAGES);

	assert_int_equal(kmd_ioctl(f->fd, HMM_DMIRROR_READ, &cmd), 0);
	assert_int_equal(cmd.cpages, NPAGES);
	assert_int_equal(cmd.faults, 1);
	assert_memory_equal(f->buf, f->mem, NPAGES * HMM_PAGE_SIZE);
}

#define UAPI_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_numbers_are_linux),
		cmocka_unit_test(open_bad),
		UAPI_TEST(handles_bad),
		UAPI_TEST(unknown_requests),
		UAPI_TEST(sgpu_rejects_dmirror_requests),
		UAPI_TEST(bad_argument_pointer),
		UAPI_TEST(argument_straddles),
		UAPI_TEST(argument_read_only),
		UAPI_TEST(bad_ranges),
		UAPI_TEST(bad_buffer_pointer),
		UAPI_TEST(unmapped_ranges),
		UAPI_TEST(huge_range),
		UAPI_TEST(good_request),
	};

	return cmocka_run_group_tests_name("dmirror-uapi", tests, NULL, NULL);
}
