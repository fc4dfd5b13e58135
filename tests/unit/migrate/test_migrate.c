/* SPDX-License-Identifier: MIT */
/*
 * test_migrate.c - migrate_vma semantics of hmm_migrate_to_device() and
 * hmm_migrate_to_system(): data integrity both ways, repeated and partial
 * migrations, the mappings Linux refuses, pools, bad input.
 */
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "migrate_test_util.h"
#include "hmm/migrate_internal.h"

/* Migrated data comes back on CPU reads, one fault per page. */
static void test_migrate_then_read(void **state)
{
	enum { N = 64 };
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 1000);

	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(mt_used(mem), N);
	assert_int_equal(mt_on_device(mem, p, N), N);
	/* The CPU no longer maps the pages. */
	for (size_t i = 0; i < N; i++)
		assert_false(mt_present(p + i * PAGE));

	assert_true(mt_check(p, N * PAGE, 1000));
	assert_int_equal(mt_used(mem), 0);
	assert_int_equal(mt_on_device(mem, p, N), 0);
	for (size_t i = 0; i < N; i++)
		assert_true(mt_present(p + i * PAGE));

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* A CPU write faults the page back first: nothing lost, nothing doubled. */
static void test_migrate_then_write(void **state)
{
	enum { N = 32 };
	struct hmm_devmem *mem;
	uint64_t *w;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 7);
	assert_int_equal(mt_migrate(mem, p, N), N);

	w = (uint64_t *)p;
	for (size_t i = 0; i < N * PAGE / sizeof(*w); i += 3)
		w[i] += 1;
	for (size_t i = 0; i < N * PAGE / sizeof(*w); i++)
		assert_int_equal(w[i], i + 7 + (i % 3 == 0));
	assert_int_equal(mt_used(mem), 0);

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* Untouched memory migrates as zero pages (Linux: zeroed device pages). */
static void test_migrate_absent_pages(void **state)
{
	enum { N = 16 };
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	p[5 * PAGE] = 42;	/* one present page among absent ones */

	assert_int_equal(mt_migrate(mem, p, N), N);
	for (size_t i = 0; i < N * PAGE; i++)
		assert_int_equal(p[i], i == 5 * PAGE ? 42 : 0);

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* Linux's migrate_multiple: pages already in the pool count again. */
static void test_migrate_multiple(void **state)
{
	enum { N = 48 };
	struct hmm_devmem *mem;
	uint64_t cpages;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 3);

	for (int k = 0; k < 10; k++) {
		assert_int_equal(mt_migrate(mem, p, N), N);
		assert_int_equal(mt_used(mem), N);
	}
	assert_int_equal(hmm_migrate_to_system(mem, (unsigned long)p,
					       (unsigned long)p + N * PAGE,
					       &cpages), 0);
	assert_int_equal(cpages, N);
	assert_int_equal(mt_used(mem), 0);
	for (size_t i = 0; i < N; i++)
		assert_true(mt_present(p + i * PAGE));
	assert_true(mt_check(p, N * PAGE, 3));
	/* Nothing left to bring back. */
	assert_int_equal(hmm_migrate_to_system(mem, (unsigned long)p,
					       (unsigned long)p + N * PAGE,
					       &cpages), 0);
	assert_int_equal(cpages, 0);

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* Linux's migrate_fault: CPU reads half back, migrate again: all of it. */
static void test_migrate_fault(void **state)
{
	enum { N = 64 };
	struct hmm_devmem *mem;
	volatile uint64_t sink = 0;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 11);

	assert_int_equal(mt_migrate(mem, p, N), N);
	for (size_t i = 0; i < N / 2; i++)
		sink += *(volatile uint64_t *)(p + i * PAGE);
	(void)sink;
	assert_int_equal(mt_used(mem), N / 2);
	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(mt_used(mem), N);
	assert_true(mt_check(p, N * PAGE, 11));

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* Shared mappings are refused with -ENOENT, as Linux's test device says. */
static void test_migrate_shared(void **state)
{
	enum { N = 8 };
	struct hmm_devmem *mem;
	uint64_t cpages = 77;
	char path[] = "/tmp/svmcl-migrate-XXXXXX";
	char *p, *f;
	int fd;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map(N, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	mt_fill(p, N * PAGE, 1);
	assert_int_equal(hmm_migrate_to_device(mem, (unsigned long)p,
					       (unsigned long)p + N * PAGE,
					       &cpages), -ENOENT);
	assert_int_equal(cpages, 77);	/* untouched on error */
	assert_int_equal(mt_used(mem), 0);
	assert_true(mt_check(p, N * PAGE, 1));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, N * PAGE), 0);
	f = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(f != MAP_FAILED);
	assert_int_equal(hmm_migrate_to_device(mem, (unsigned long)f,
					       (unsigned long)f + N * PAGE,
					       &cpages), -ENOENT);
	/* A range that is partly private, partly shared: still refused. */
	munmap(f, N * PAGE);
	close(fd);

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

static int mt_tmpfile(size_t bytes, uint64_t bias)
{
	char path[] = "/tmp/svmcl-migrate-XXXXXX";
	uint64_t *buf = malloc(bytes);
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_non_null(buf);
	unlink(path);
	mt_fill(buf, bytes, bias);
	assert_int_equal(pwrite(fd, buf, bytes, 0), (ssize_t)bytes);
	free(buf);
	return fd;
}

/* Linux's migrate_file_private: a private file mapping migrates. */
static void test_migrate_file_private(void **state)
{
	enum { N = 16 };
	struct hmm_devmem *mem;
	char *p, *ro;
	uint64_t *buf;
	int fd;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(2 * N);
	fd = mt_tmpfile(N * PAGE, 100);

	p = mmap(NULL, N * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_true(mt_check(p, N * PAGE, 100));
	mt_fill(p, N * PAGE / 2, 200);		/* half written (COW) */
	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(mt_used(mem), N);
	assert_true(mt_check(p, N * PAGE / 2, 200));
	assert_true(mt_check(p + N * PAGE / 2, N * PAGE / 2, 100 + N * PAGE / 16));
	/* Private: the file did not change. */
	buf = malloc(N * PAGE);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, N * PAGE, 0), N * PAGE);
	assert_true(mt_check(buf, N * PAGE, 100));

	/* A read-only private file mapping too (Linux's migrate_mixed p3). */
	ro = mmap(NULL, N * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(ro != MAP_FAILED);
	assert_int_equal(mt_migrate(mem, ro, N), N);
	assert_int_equal(mt_on_device(mem, ro, N), N);
	assert_true(mt_check(ro, N * PAGE, 100));

	free(buf);
	hmm_devmem_destroy(mem);
	munmap(ro, N * PAGE);
	munmap(p, N * PAGE);
	close(fd);
}

/* A range that is not fully mapped and readable: -EINVAL, nothing moved. */
static void test_migrate_not_mapped(void **state)
{
	enum { N = 8 };
	struct hmm_devmem *mem;
	uint64_t cpages = 5;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 9);
	assert_int_equal(munmap(p + 3 * PAGE, PAGE), 0);
	assert_int_equal(hmm_migrate_to_device(mem, (unsigned long)p,
					       (unsigned long)p + N * PAGE,
					       &cpages), -EINVAL);
	assert_int_equal(cpages, 5);
	assert_int_equal(mt_used(mem), 0);
	assert_true(mt_present(p));
	/* To system over a hole: -EINVAL too (Linux: no VMA). */
	assert_int_equal(hmm_migrate_to_system(mem, (unsigned long)p,
					       (unsigned long)p + N * PAGE,
					       &cpages), -EINVAL);

	/* PROT_NONE (Linux's migrate_mixed: no VM_READ). */
	assert_int_equal(mprotect(p + 5 * PAGE, PAGE, PROT_NONE), 0);
	assert_int_equal(hmm_migrate_to_device(mem, (unsigned long)p + 4 * PAGE,
					       (unsigned long)p + 7 * PAGE,
					       &cpages), -EINVAL);
	assert_int_equal(mt_used(mem), 0);
	/* The mapped, readable part alone is fine. */
	assert_int_equal(mt_migrate(mem, p, 3), 3);
	assert_true(mt_check(p, 3 * PAGE, 9));

	hmm_devmem_destroy(mem);
	munmap(p, 3 * PAGE);
	munmap(p + 4 * PAGE, 4 * PAGE);
}

/* Read-only memory migrates; its device pages are not writable. */
static void test_migrate_readonly(void **state)
{
	enum { N = 4 };
	struct hmm_devmem_page pg;
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(2 * N);
	p = mt_map_anon(2 * N);
	mt_fill(p, 2 * N * PAGE, 5);
	assert_int_equal(mprotect(p, N * PAGE, PROT_READ), 0);
	assert_int_equal(mt_migrate(mem, p, 2 * N), 2 * N);
	assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p, &pg));
	assert_false(pg.writable);
	assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p + N * PAGE, &pg));
	assert_true(pg.writable);
	assert_ptr_equal(pg.owner, &mt.owner);
	assert_ptr_equal(pg.mem, mem);
	assert_true(mt_check(p, 2 * N * PAGE, 5));

	hmm_devmem_destroy(mem);
	munmap(p, 2 * N * PAGE);
}

/* A full pool migrates what fits; the rest stays on the CPU (Linux). */
static void test_pool_exhausted(void **state)
{
	enum { N = 24, POOL = 8 };
	struct hmm_devmem *mem;
	size_t used, total;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(POOL);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 21);
	assert_int_equal(mt_migrate(mem, p, N), POOL);
	hmm_devmem_usage(mem, &used, &total);
	assert_int_equal(used, POOL);
	assert_int_equal(total, POOL);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(mt_present(p + i * PAGE), i >= POOL);
	assert_true(mt_check(p, N * PAGE, 21));

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/*
 * A page in another device's memory is not taken (Linux selects system
 * pages only) and does not count; it moves once the CPU took it back.
 */
static void test_two_pools(void **state)
{
	enum { N = 8 };
	struct hmm_devmem *a, *b;
	struct hmm_devmem_page pg;
	int owner_b;
	uint64_t cpages;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	a = mt_pool(N);
	b = hmm_devmem_create(mt.mm, &owner_b, N * PAGE);
	assert_non_null(b);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 31);

	assert_int_equal(mt_migrate(a, p, 2), 2);
	assert_int_equal(mt_migrate(b, p, N), N - 2);
	assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p, &pg));
	assert_ptr_equal(pg.owner, &mt.owner);
	assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p + 2 * PAGE, &pg));
	assert_ptr_equal(pg.owner, &owner_b);
	/* a's pages are not b's to bring back. */
	assert_int_equal(hmm_migrate_to_system(b, (unsigned long)p,
					       (unsigned long)p + 2 * PAGE,
					       &cpages), 0);
	assert_int_equal(cpages, 0);
	assert_int_equal(hmm_migrate_to_system(a, (unsigned long)p,
					       (unsigned long)p + N * PAGE,
					       &cpages), 0);
	assert_int_equal(cpages, 2);
	assert_int_equal(mt_migrate(b, p, N), N);
	assert_int_equal(mt_used(b), N);
	assert_int_equal(mt_used(a), 0);
	assert_true(mt_check(p, N * PAGE, 31));

	hmm_devmem_destroy(b);
	hmm_devmem_destroy(a);
	munmap(p, N * PAGE);
}

/* RELEASE of the dmirror: evict_all brings everything back. */
static void test_evict_all(void **state)
{
	enum { N = 40 };
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 41);
	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(hmm_devmem_evict_all(mem), 0);
	assert_int_equal(mt_used(mem), 0);
	for (size_t i = 0; i < N; i++)
		assert_true(mt_present(p + i * PAGE));
	assert_true(mt_check(p, N * PAGE, 41));
	/* The pool is still usable. */
	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(hmm_devmem_evict_all(mem), 0);
	assert_int_equal(mt_used(mem), 0);

	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* Destroying a pool brings its pages back first. */
static void test_destroy_migrates_back(void **state)
{
	enum { N = 12 };
	struct hmm_devmem *mem;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 51);
	assert_int_equal(mt_migrate(mem, p, N), N);
	hmm_devmem_destroy(mem);
	for (size_t i = 0; i < N; i++)
		assert_true(mt_present(p + i * PAGE));
	assert_false(hmm_devmem_lookup(mt.mm, (unsigned long)p, NULL));
	assert_true(mt_check(p, N * PAGE, 51));
	munmap(p, N * PAGE);
}

/*
 * The kernel itself touching migrated memory (read(2)/write(2) copy to and
 * from user memory, process_vm_readv) faults it back; Linux's
 * migrate_to_ram() serves those faults too.
 */
static void test_kernel_access(void **state)
{
	enum { N = 4 };
	struct hmm_devmem *mem;
	struct iovec local, remote;
	char *p, buf[64];
	int fds[2];

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(N);
	p = mt_map_anon(N);
	mt_fill(p, N * PAGE, 61);
	assert_int_equal(pipe(fds), 0);

	assert_int_equal(mt_migrate(mem, p, N), N);
	assert_int_equal(write(fds[1], p + PAGE, sizeof(buf)), sizeof(buf));
	assert_int_equal(read(fds[0], buf, sizeof(buf)), sizeof(buf));
	assert_true(mt_check(buf, sizeof(buf), 61 + PAGE / 8));
	assert_int_equal(mt_used(mem), N - 1);

	assert_int_equal(write(fds[1], "0123456789", 10), 10);
	assert_int_equal(read(fds[0], p + 2 * PAGE, 10), 10);
	assert_memory_equal(p + 2 * PAGE, "0123456789", 10);
	assert_int_equal(mt_used(mem), N - 2);

	local = (struct iovec){ buf, sizeof(buf) };
	remote = (struct iovec){ p + 3 * PAGE, sizeof(buf) };
	assert_int_equal(process_vm_readv(getpid(), &local, 1, &remote, 1, 0),
			 sizeof(buf));
	assert_true(mt_check(buf, sizeof(buf), 61 + 3 * PAGE / 8));
	assert_int_equal(mt_used(mem), N - 3);

	close(fds[0]);
	close(fds[1]);
	hmm_devmem_destroy(mem);
	munmap(p, N * PAGE);
}

/* Every bad argument is an error, never a crash. */
static void test_bad_input(void **state)
{
	struct hmm_devmem *mem;
	uint64_t cpages = 0;
	unsigned long a;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(4);
	p = mt_map_anon(4);
	a = (unsigned long)p;

	assert_int_equal(hmm_migrate_to_device(NULL, a, a + PAGE, &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_device(mem, a + 1, a + PAGE, &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_device(mem, a, a + PAGE + 8, &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_device(mem, a, a, &cpages), -EINVAL);
	assert_int_equal(hmm_migrate_to_device(mem, a + PAGE, a, &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_device(mem, 0, PAGE, &cpages), -EINVAL);
	assert_int_equal(hmm_migrate_to_device(mem, ~0ul & ~(PAGE - 1),
					       ~0ul & ~(PAGE - 1), &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_device(mem, a, (1ul << 60), &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_system(NULL, a, a + PAGE, &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_system(mem, a, a + 3, &cpages),
			 -EINVAL);
	assert_int_equal(hmm_migrate_to_system(mem, a + PAGE, a, &cpages),
			 -EINVAL);
	assert_int_equal(hmm_devmem_evict_all(NULL), -EINVAL);
	/* cpages is optional, and so is the lookup's output. */
	assert_int_equal(hmm_migrate_to_device(mem, a, a + PAGE, NULL), 0);
	assert_true(hmm_devmem_lookup(mt.mm, a, NULL));
	assert_false(hmm_devmem_lookup(NULL, a, NULL));
	assert_false(hmm_devmem_lookup(mt.mm, 0, NULL));

	errno = 0;
	assert_null(hmm_devmem_create(NULL, &mt.owner, PAGE));
	assert_int_equal(errno, EINVAL);
	assert_null(hmm_devmem_create(mt.mm, &mt.owner, 0));
	assert_null(hmm_devmem_create(mt.mm, &mt.owner, ~0ul));
	hmm_devmem_destroy(NULL);
	hmm_devmem_usage(NULL, NULL, NULL);

	hmm_devmem_destroy(mem);
	munmap(p, 4 * PAGE);
}

/* The pool's own pages cannot be migrated into a pool. */
static void test_pool_memory_refused(void **state)
{
	struct hmm_devmem *mem, *other;
	struct hmm_devmem_page pg;
	char *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	mem = mt_pool(4);
	other = mt_pool(4);
	p = mt_map_anon(1);
	p[0] = 1;
	assert_int_equal(mt_migrate(mem, p, 1), 1);
	assert_true(hmm_devmem_lookup(mt.mm, (unsigned long)p, &pg));
	assert_int_equal(hmm_migrate_to_device(other, pg.dev_addr,
					       pg.dev_addr + PAGE, NULL),
			 -EINVAL);
	assert_int_equal(p[0], 1);
	hmm_devmem_destroy(other);
	hmm_devmem_destroy(mem);
	munmap(p, PAGE);
}

/*
 * A THP-backed range (PMD aligned, MADV_HUGEPAGE) migrates in 4 KiB
 * device pages (Linux's migrate_anon_huge_* without device THP).
 */
static void test_migrate_thp(void **state)
{
	const size_t pmd = 2ul << 20, n = pmd / PAGE;
	struct hmm_devmem *mem;
	char *raw, *p;

	(void)state;
	MT_SKIP_IF_UNSUPPORTED();
	raw = mt_map_anon(2 * n);
	p = (char *)(((uintptr_t)raw + pmd - 1) & ~(pmd - 1));
	if (madvise(p, pmd, MADV_HUGEPAGE))
		print_message("# note: MADV_HUGEPAGE refused (%s)\n",
			      strerror(errno));
	mt_fill(p, pmd, 71);
	mem = mt_pool(n);
	assert_int_equal(mt_migrate(mem, p, n), n);
	assert_int_equal(mt_used(mem), n);
	assert_true(mt_check(p, pmd, 71));
	assert_int_equal(mt_used(mem), 0);
	hmm_devmem_destroy(mem);
	munmap(raw, 2 * n * PAGE);
}

/*
 * The registry's invariant checker (debug builds) notices a broken reverse
 * map or an unreachable entry; it runs in a child on a registry built
 * here, so that the abort is observed, not suffered.
 */
static void test_checker_catches_corruption(void **state)
{
	static struct devmem_entry slots[64];
	unsigned long rmap[2] = { 0 };
	uint32_t stack[2] = { 1, 0 };
	struct hmm_devmem pool = {
		.npages = 2, .rmap = rmap, .free_stack = stack, .nfree = 1,
	};
	struct devmem_registry reg = {
		.slots = slots, .cap = 64, .pools = &pool, .capacity_pages = 2,
	};
	struct devmem_entry e = {
		.vpn = 0x1000, .mem = &pool, .page = 0, .state = DEVMEM_DEVICE,
	};

	(void)state;
	if (!SVMCL_DEBUG_CHECKS) {
		print_message("# SKIP: built without debug-checks\n");
		skip();
	}
	pthread_mutex_init(&pool.lock, NULL);
	pool.reg = &reg;
	__devmem_insert(&reg, &e);
	rmap[0] = e.vpn;
	__devmem_check(&reg, "test: intact");

	for (int how = 0; how < 2; how++) {
		int status;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(STDERR_FILENO);
			if (how == 0) {
				rmap[0] = 0x1234;
			} else {
				/* Move the entry one slot past a hole. */
				struct devmem_entry *x = __devmem_find(&reg, e.vpn);
				size_t i = (size_t)(x - slots);

				slots[(i + 2) % 64] = *x;
				memset(x, 0, sizeof(*x));
			}
			__devmem_check(&reg, "test: corrupted");
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGABRT);
	}
	pthread_mutex_destroy(&pool.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_then_read),
		cmocka_unit_test(test_migrate_then_write),
		cmocka_unit_test(test_migrate_absent_pages),
		cmocka_unit_test(test_migrate_multiple),
		cmocka_unit_test(test_migrate_fault),
		cmocka_unit_test(test_migrate_shared),
		cmocka_unit_test(test_migrate_file_private),
		cmocka_unit_test(test_migrate_not_mapped),
		cmocka_unit_test(test_migrate_readonly),
		cmocka_unit_test(test_pool_exhausted),
		cmocka_unit_test(test_two_pools),
		cmocka_unit_test(test_evict_all),
		cmocka_unit_test(test_destroy_migrates_back),
		cmocka_unit_test(test_kernel_access),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_pool_memory_refused),
		cmocka_unit_test(test_migrate_thp),
		cmocka_unit_test(test_checker_catches_corruption),
	};

	return cmocka_run_group_tests(tests, mt_group_setup,
				      mt_group_teardown);
}
