/* SPDX-License-Identifier: MIT */
/*
 * test_svm_errors.c - device memory errors explained, and the coarse-grain
 * checking mode, through the real ICD loader.
 *
 * Each kind of bad device access (a freed SVM allocation, an unmapped
 * range, a read-only mapping, never-mapped addresses) must end the kernel
 * with an error and produce a report that says what the address is, on
 * stderr and in the context's pfn_notify; SVMCL_FAULT_REPORT=0 silences
 * stderr only. A fault in one context leaves another context running
 * kernels. SVMCL_CHECK=coarse must catch host accesses to a coarse-grained
 * allocation the device owns, let the program continue, stay silent for
 * properly mapped accesses and not disturb the device. Environment
 * variables are read once per process, so those cases run in a child
 * process (this program re-executed with a mode argument).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <CL/cl.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK(call) assert_int_equal((call), CL_SUCCESS)

static const char kernels_src[] =
	"kernel void fill(global int *out, int value)\n"
	"{\n"
	"	out[get_global_id(0)] = value;\n"
	"}\n"
	"kernel void sum(global const int *in, global int *out)\n"
	"{\n"
	"	out[get_global_id(0)] = in[get_global_id(0)] + 1;\n"
	"}\n"
	"kernel void add(global int *p, int k)\n"
	"{\n"
	"	p[get_global_id(0)] += k;\n"
	"}\n";

/* One context with its queue and kernels. */
struct env {
	cl_context ctx;
	cl_command_queue queue;
	cl_program program;
	cl_kernel fill, sum, add;
	pthread_mutex_t lock;	/* protects what pfn_notify wrote */
	int notes;
	char last[2048];
};

static cl_device_id device;
static long page;

static void CL_CALLBACK notify(const char *errinfo, const void *priv,
			       size_t cb, void *user_data)
{
	struct env *e = user_data;

	pthread_mutex_lock(&e->lock);
	e->notes++;
	snprintf(e->last, sizeof(e->last), "%s", errinfo);
	pthread_mutex_unlock(&e->lock);
}

static cl_device_id find_device(void)
{
	cl_platform_id ids[16];
	cl_uint n = 0;
	char name[64];
	cl_device_id dev;

	if (clGetPlatformIDs(ARRAY_SIZE(ids), ids, &n) != CL_SUCCESS)
		return NULL;
	for (cl_uint i = 0; i < n && i < ARRAY_SIZE(ids); i++) {
		if (clGetPlatformInfo(ids[i], CL_PLATFORM_NAME, sizeof(name),
				      name, NULL) == CL_SUCCESS &&
		    strcmp(name, "svmcl") == 0 &&
		    clGetDeviceIDs(ids[i], CL_DEVICE_TYPE_GPU, 1, &dev,
				   NULL) == CL_SUCCESS)
			return dev;
	}
	return NULL;
}

static cl_int run_fill(struct env *e, void *p, size_t n);

/* Return: 0, or -1 with the reason on stderr (usable outside cmocka). */
static int env_open(struct env *e)
{
	const char *src = kernels_src;
	char log[4096] = "";
	cl_int err;

	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	e->ctx = clCreateContext(NULL, 1, &device, notify, e, &err);
	if (!e->ctx)
		goto fail;
	e->queue = clCreateCommandQueueWithProperties(e->ctx, device, NULL,
						      &err);
	e->program = clCreateProgramWithSource(e->ctx, 1, &src, NULL, &err);
	if (!e->queue || !e->program)
		goto fail;
	err = clBuildProgram(e->program, 1, &device, "", NULL, NULL);
	if (err) {
		clGetProgramBuildInfo(e->program, device, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fprintf(stderr, "build: %d\n%s\n", err, log);
		goto fail;
	}
	e->fill = clCreateKernel(e->program, "fill", &err);
	e->sum = clCreateKernel(e->program, "sum", &err);
	e->add = clCreateKernel(e->program, "add", &err);
	if (e->fill && e->sum && e->add) {
		/*
		 * One good command first: it starts every thread the queue
		 * and the device use, so none of their memory (stacks, ASan's
		 * per-thread data) can land in a hole a test makes later.
		 */
		int warm[256];

		err = run_fill(e, warm, 256);
		if (err == CL_SUCCESS)
			return 0;
	}
fail:
	fprintf(stderr, "env_open failed (%d)\n", err);
	return -1;
}

static void env_close(struct env *e)
{
	clReleaseKernel(e->fill);
	clReleaseKernel(e->sum);
	clReleaseKernel(e->add);
	clReleaseProgram(e->program);
	clReleaseCommandQueue(e->queue);
	clReleaseContext(e->ctx);
	pthread_mutex_destroy(&e->lock);
}

/* Run fill(@p, 1) over @n work-items. Return: clFinish's result. */
static cl_int run_fill(struct env *e, void *p, size_t n)
{
	int v = 1;
	cl_int err;

	err = clSetKernelArgSVMPointer(e->fill, 0, p);
	if (!err)
		err = clSetKernelArg(e->fill, 1, sizeof(v), &v);
	if (!err)
		err = clEnqueueNDRangeKernel(e->queue, e->fill, 1, NULL, &n,
					     NULL, 0, NULL, NULL);
	return err ? err : clFinish(e->queue);
}

/* Run sum(@in, @out): reads @in. Return: clFinish's result. */
static cl_int run_sum(struct env *e, const void *in, void *out, size_t n)
{
	cl_int err;

	err = clSetKernelArgSVMPointer(e->sum, 0, in);
	if (!err)
		err = clSetKernelArgSVMPointer(e->sum, 1, out);
	if (!err)
		err = clEnqueueNDRangeKernel(e->queue, e->sum, 1, NULL, &n,
					     NULL, 0, NULL, NULL);
	return err ? err : clFinish(e->queue);
}

/*
 * Run a faulting kernel with stderr captured into @err; check the command
 * failed and that pfn_notify got the same report. @write: fill (a write),
 * else sum reading @p.
 */
static void fault_and_capture(struct env *e, void *p, bool is_write,
			      char *err, size_t size)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), notes = e->notes;
	static int out[256];
	size_t got;
	cl_int ret;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	ret = is_write ? run_fill(e, p, 256) : run_sum(e, p, out, 256);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	got = fread(err, 1, size - 1, tmp);
	err[got] = '\0';
	fclose(tmp);
	fputs(err, stderr);	/* visible in the test log */

	assert_int_equal(ret, CL_OUT_OF_RESOURCES);
	assert_non_null(strstr(err, "svmcl: device fault in kernel '"));
	assert_non_null(strstr(err, is_write ? "': write at 0x" : "': read at 0x"));
	assert_non_null(strstr(err, "by one of the work-items with global ids (0..255)"));
	pthread_mutex_lock(&e->lock);
	assert_int_equal(e->notes, notes + 1);
	/* pfn_notify gets the report stderr showed, without the newline. */
	assert_int_equal(strncmp(e->last, err, strlen(e->last)), 0);
	pthread_mutex_unlock(&e->lock);
}

static void test_fault_freed_svm(void **state)
{
	struct env e;
	char err[4096], expect[160];
	char *p;

	assert_int_equal(env_open(&e), 0);
	p = clSVMAlloc(e.ctx, 0, 16 * (size_t)page, 0);
	assert_non_null(p);
	assert_int_equal(run_fill(&e, p, 256), CL_SUCCESS);
	clSVMFree(e.ctx, p);
	fault_and_capture(&e, p + 400, true, err, sizeof(err));
	snprintf(expect, sizeof(expect),
		 "is inside SVM allocation %p+400 freed by clSVMFree (size %zu, coarse-grained)",
		 (void *)p, 16 * (size_t)page);
	assert_non_null(strstr(err, expect));
	assert_non_null(strstr(err, "(no CPU mapping)"));

	/* Freed by a queued free: named as such. */
	p = clSVMAlloc(e.ctx, CL_MEM_SVM_FINE_GRAIN_BUFFER, 8 * (size_t)page,
		       0);
	assert_non_null(p);
	CHECK(clEnqueueSVMFree(e.queue, 1, (void **)&p, NULL, NULL, 0, NULL,
			       NULL));
	CHECK(clFinish(e.queue));
	fault_and_capture(&e, p, false, err, sizeof(err));
	snprintf(expect, sizeof(expect),
		 "is inside SVM allocation %p+0 freed by clEnqueueSVMFree (size %zu, fine-grained)",
		 (void *)p, 8 * (size_t)page);
	assert_non_null(strstr(err, expect));
	env_close(&e);
}

static void test_fault_unmapped_range(void **state)
{
	struct env e;
	char err[4096], expect[160];
	char *p;

	assert_int_equal(env_open(&e), 0);
	p = mmap(NULL, 3 * (size_t)page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	/* Different protections keep the neighbours two mappings. */
	assert_int_equal(mprotect(p + 2 * page, (size_t)page, PROT_READ), 0);
	assert_int_equal(munmap(p + page, (size_t)page), 0);
	fault_and_capture(&e, p + page + 8, true, err, sizeof(err));
	snprintf(expect, sizeof(expect),
		 "is in an unmapped range %p-%p (nearest mapping below: %p-%p rw-p anonymous, 9 bytes before; above: %p-%p r--p anonymous, %ld bytes after)",
		 (void *)(p + page), (void *)(p + 2 * page), (void *)p,
		 (void *)(p + page), (void *)(p + 2 * page),
		 (void *)(p + 3 * page), page - 8);
	assert_non_null(strstr(err, expect));
	munmap(p, (size_t)page);
	munmap(p + 2 * page, (size_t)page);
	env_close(&e);
}

static void test_fault_read_only(void **state)
{
	struct env e;
	char err[4096], expect[160];
	char *p;

	assert_int_equal(env_open(&e), 0);
	p = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	assert_true(p != MAP_FAILED);
	/* Reading is fine... */
	{
		static int out[256];

		assert_int_equal(run_sum(&e, p, out, 256), CL_SUCCESS);
		assert_int_equal(out[255], 1);
	}
	/* ...writing is not. */
	fault_and_capture(&e, p, true, err, sizeof(err));
	assert_non_null(strstr(err, "(write to read-only mapping)"));
	snprintf(expect, sizeof(expect),
		 "is in read-only mapping %p-%p r--p anonymous (write attempted)",
		 (void *)p, (void *)(p + page));
	assert_non_null(strstr(err, expect));
	munmap(p, (size_t)page);
	env_close(&e);
}

static void test_fault_never_mapped(void **state)
{
	struct env e;
	char err[4096];

	assert_int_equal(env_open(&e), 0);
	fault_and_capture(&e, (void *)(uintptr_t)0x1000, false, err,
			  sizeof(err));
	assert_non_null(strstr(err, "0x1000 was never mapped: it is in the NULL pointer region (below 0x"));
	assert_non_null(strstr(err, "), a NULL pointer + 4096"));
	fault_and_capture(&e, (void *)(uintptr_t)0x900000000000ull, true, err,
			  sizeof(err));
	assert_non_null(strstr(err, "0x900000000000 was never mapped: it is outside the user address space"));
	env_close(&e);
}

/* Context B runs and checks kernels while context A faults. */
struct runner {
	struct env *e;
	int rounds;
	int bad;
	volatile bool stop;
};

static void *run_b(void *arg)
{
	struct runner *r = arg;
	const size_t n = 4096;
	int *in = clSVMAlloc(r->e->ctx, CL_MEM_SVM_FINE_GRAIN_BUFFER,
			     n * sizeof(int), 0);
	int *out = clSVMAlloc(r->e->ctx, CL_MEM_SVM_FINE_GRAIN_BUFFER,
			      n * sizeof(int), 0);

	if (!in || !out) {
		r->bad++;
		return NULL;
	}
	while (!r->stop || r->rounds < 20) {
		for (size_t i = 0; i < n; i++)
			in[i] = (int)i + r->rounds;
		if (run_sum(r->e, in, out, n) != CL_SUCCESS)
			r->bad++;
		for (size_t i = 0; i < n; i++)
			if (out[i] != (int)i + r->rounds + 1)
				r->bad++;
		r->rounds++;
	}
	clSVMFree(r->e->ctx, in);
	clSVMFree(r->e->ctx, out);
	return NULL;
}

static void test_fault_other_context_runs(void **state)
{
	struct env a, b;
	struct runner r = { .e = &b };
	pthread_t t;
	char err[4096];
	void *hole;
	int *good;

	assert_int_equal(env_open(&a), 0);
	assert_int_equal(env_open(&b), 0);
	/*
	 * A mapping without access: B's thread cannot get the address for
	 * its own allocations, as it could a hole we unmapped.
	 */
	hole = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	assert_true(hole != MAP_FAILED);
	assert_int_equal(pthread_create(&t, NULL, run_b, &r), 0);
	for (int i = 0; i < 5; i++) {
		fault_and_capture(&a, hole, i & 1, err, sizeof(err));
		assert_non_null(strstr(err, "anonymous with no access (PROT_NONE)"));
	}
	r.stop = true;
	pthread_join(t, NULL);
	assert_int_equal(r.bad, 0);
	assert_true(r.rounds >= 20);
	pthread_mutex_lock(&b.lock);
	assert_int_equal(b.notes, 0);
	pthread_mutex_unlock(&b.lock);

	/* The faulting context keeps working too. */
	good = clSVMAlloc(a.ctx, 0, 256 * sizeof(int), 0);
	assert_non_null(good);
	assert_int_equal(run_fill(&a, good, 256), CL_SUCCESS);
	assert_int_equal(good[255], 1);
	clSVMFree(a.ctx, good);
	munmap(hole, (size_t)page);
	env_close(&b);
	env_close(&a);
}

/*
 * Children: this program again, with a mode and an environment variable.
 */

static char self_path[4096];

/* Run "self @mode" with @envvar set; capture its output. Return: status. */
static int run_child(const char *mode, const char *envvar, char *out,
		     size_t out_size, char *err, size_t err_size)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	int status = -1;
	size_t got;
	pid_t pid;

	assert_non_null(fo);
	assert_non_null(fe);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fileno(fo), 1);
		dup2(fileno(fe), 2);
		if (envvar)
			putenv((char *)envvar);
		execl(self_path, self_path, mode, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rewind(fo);
	rewind(fe);
	got = fread(out, 1, out_size - 1, fo);
	out[got] = '\0';
	got = fread(err, 1, err_size - 1, fe);
	err[got] = '\0';
	fclose(fo);
	fclose(fe);
	fprintf(stderr, "--- child %s (%s) stdout:\n%s--- stderr:\n%s---\n",
		mode, envvar ? envvar : "", out, err);
	return status;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p;
	     p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_fault_report_silenced(void **state)
{
	char out[4096], err[8192];
	int st;

	st = run_child("--fault-child", "SVMCL_FAULT_REPORT=0", out,
		       sizeof(out), err, sizeof(err));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(out, "fault-child: notified: svmcl: device fault in kernel 'fill'"));
	assert_null(strstr(err, "device fault"));

	/* The default prints it. */
	st = run_child("--fault-child", NULL, out, sizeof(out), err,
		       sizeof(err));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(err, "svmcl: device fault in kernel 'fill'"));
}

static void test_check_mode(void **state)
{
	char out[4096], err[16384], expect[256];
	unsigned long long p = 0;
	const char *at;
	int st;

	st = run_child("--check-child", "SVMCL_CHECK=coarse", out, sizeof(out),
		       err, sizeof(err));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(out, "check-child: ok"));
	at = strstr(out, "check-child: coarse at 0x");
	assert_non_null(at);
	p = strtoull(at + strlen("check-child: coarse at "), NULL, 16);
	/* Exactly the three unmapped accesses, each once. */
	assert_int_equal(count(err, "svmcl: check: "), 3);
	snprintf(expect, sizeof(expect),
		 "svmcl: check: host write to coarse-grained SVM allocation 0x%llx(16384 bytes) while the device owns it (not mapped with clEnqueueSVMMap), at 0x%llx+40, pc 0x",
		 p, p);
	assert_non_null(strstr(err, expect));
	snprintf(expect, sizeof(expect),
		 "svmcl: check: host read of coarse-grained SVM allocation 0x%llx(16384 bytes) while the device owns it (not mapped with clEnqueueSVMMap), at 0x%llx+12,",
		 p, p);
	assert_non_null(strstr(err, expect));
	assert_null(strstr(err, "device fault"));

	/* Off by default: the same program, no report. */
	st = run_child("--check-child", NULL, out, sizeof(out), err,
		       sizeof(err));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(strstr(out, "check-child: ok"));
	assert_int_equal(count(err, "svmcl: check: "), 0);
}

/* Outside cmocka: print and exit on failure. */
#define CHILD_CHECK(cond) \
	do { \
		if (!(cond)) { \
			printf("%s: line %d: %s failed\n", __func__, \
			       __LINE__, #cond); \
			exit(1); \
		} \
	} while (0)

static int fault_child(void)
{
	struct env e;

	CHILD_CHECK(env_open(&e) == 0);
	CHILD_CHECK(run_fill(&e, (void *)(uintptr_t)0x1000, 16) ==
		    CL_OUT_OF_RESOURCES);
	pthread_mutex_lock(&e.lock);
	printf("fault-child: notified: %s\n", e.notes ? e.last : "nothing");
	pthread_mutex_unlock(&e.lock);
	env_close(&e);
	return 0;
}

static int check_child(void)
{
	const size_t n = 4096;	/* 16 KiB */
	struct env e;
	volatile int *p;
	int *fine, *host, k = 1;
	const void *ptrs[1];

	CHILD_CHECK(env_open(&e) == 0);
	p = clSVMAlloc(e.ctx, CL_MEM_READ_WRITE, n * sizeof(int), 0);
	fine = clSVMAlloc(e.ctx, CL_MEM_SVM_FINE_GRAIN_BUFFER,
			  n * sizeof(int), 0);
	host = malloc(n * sizeof(int));
	CHILD_CHECK(p && fine && host);
	printf("check-child: coarse at %p\n", (void *)p);
	fflush(stdout);

	/* 1: a host write right after clSVMAlloc: reported, and it lands. */
	p[10] = 5;
	CHILD_CHECK(p[10] == 5);

	/* Properly mapped: no report. */
	CHILD_CHECK(clEnqueueSVMMap(e.queue, CL_TRUE, CL_MAP_WRITE, (void *)p,
				    n * sizeof(int), 0, NULL, NULL) ==
		    CL_SUCCESS);
	for (size_t i = 0; i < n; i++)
		p[i] = (int)i;
	CHILD_CHECK(clEnqueueSVMUnmap(e.queue, (void *)p, 0, NULL, NULL) ==
		    CL_SUCCESS);
	/* The device works while the host view is protected. */
	CHILD_CHECK(clSetKernelArgSVMPointer(e.add, 0, (void *)p) ==
		    CL_SUCCESS);
	CHILD_CHECK(clSetKernelArg(e.add, 1, sizeof(k), &k) == CL_SUCCESS);
	CHILD_CHECK(clEnqueueNDRangeKernel(e.queue, e.add, 1, NULL, &n, NULL,
					   0, NULL, NULL) == CL_SUCCESS);
	CHILD_CHECK(clFinish(e.queue) == CL_SUCCESS);
	ptrs[0] = (const void *)p;
	CHILD_CHECK(clEnqueueSVMMigrateMem(e.queue, 1, ptrs, NULL, 0, 0, NULL,
					   NULL) == CL_SUCCESS);
	CHILD_CHECK(clEnqueueSVMMemcpy(e.queue, CL_TRUE, host, (void *)p,
				       n * sizeof(int), 0, NULL, NULL) ==
		    CL_SUCCESS);
	for (size_t i = 0; i < n; i++)
		CHILD_CHECK(host[i] == (int)i + 1);

	/* 2: a host read while the device owns it. */
	CHILD_CHECK(p[3] == 4);
	CHILD_CHECK(p[3] == 4);	/* once per ownership period */

	/* Mapped for reading: silent; data as the device left it. */
	CHILD_CHECK(clEnqueueSVMMap(e.queue, CL_TRUE, CL_MAP_READ, (void *)p,
				    n * sizeof(int), 0, NULL, NULL) ==
		    CL_SUCCESS);
	for (size_t i = 0; i < n; i++)
		CHILD_CHECK(p[i] == (int)i + 1);
	CHILD_CHECK(clEnqueueSVMUnmap(e.queue, (void *)p, 0, NULL, NULL) ==
		    CL_SUCCESS);
	CHILD_CHECK(clFinish(e.queue) == CL_SUCCESS);

	/* Fine-grained memory is the host's too: never reported. */
	fine[0] = 1;
	CHILD_CHECK(run_sum(&e, fine, host, 1) == CL_SUCCESS);
	CHILD_CHECK(host[0] == 2);

	/* 3: after the unmap the device owns it again. */
	p[0] = 9;

	clSVMFree(e.ctx, (void *)p);
	clSVMFree(e.ctx, fine);
	free(host);
	env_close(&e);
	printf("check-child: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_freed_svm),
		cmocka_unit_test(test_fault_unmapped_range),
		cmocka_unit_test(test_fault_read_only),
		cmocka_unit_test(test_fault_never_mapped),
		cmocka_unit_test(test_fault_other_context_runs),
		cmocka_unit_test(test_fault_report_silenced),
		cmocka_unit_test(test_check_mode),
	};
	ssize_t len;

	page = sysconf(_SC_PAGESIZE);
	len = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (len <= 0)
		return 1;
	self_path[len] = '\0';
	device = find_device();
	if (!device) {
		fprintf(stderr, "svmcl device not found (OCL_ICD_VENDORS?)\n");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--fault-child"))
		return fault_child();
	if (argc > 1 && !strcmp(argv[1], "--check-child"))
		return check_child();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
