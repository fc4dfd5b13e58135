/* SPDX-License-Identifier: MIT */
/*
 * test_svm_api.c - the SVM API of svmcl through the real ICD loader.
 *
 * Every SVM entry point: clSVMAlloc/clSVMFree, clEnqueueSVMFree (with a
 * callback that calls back into the API), clEnqueueSVMMemcpy, MemFill,
 * Map/Unmap, MigrateMem (real migration: the CPU pages are gone while the
 * data is in device memory, a kernel runs on it there, and it comes back
 * intact), clSetKernelArgSVMPointer with interior pointers and
 * clSetKernelExecInfo; the event command types; and the error codes
 * OpenCL 3.0 lists for each of them.
 */
#include <fcntl.h>
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
	"kernel void add(global int *p, int k)\n"
	"{\n"
	"	p[get_global_id(0)] += k;\n"
	"}\n"
	"struct slot { global int *p; };\n"
	"kernel void indirect(global struct slot *tab, int value)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	tab[i].p[0] = value + (int)i;\n"
	"}\n";

static struct {
	cl_platform_id platform;
	cl_device_id device;
	cl_context context;
	cl_context other;	/* for wrong-context errors */
	cl_command_queue queue;
	cl_program program;
	cl_kernel fill, add, indirect;
	long page;
} E;

static cl_platform_id find_svmcl_platform(void)
{
	cl_platform_id ids[16];
	cl_uint n = 0;
	char name[64];

	if (clGetPlatformIDs(ARRAY_SIZE(ids), ids, &n) != CL_SUCCESS)
		return NULL;
	for (cl_uint i = 0; i < n && i < ARRAY_SIZE(ids); i++) {
		if (clGetPlatformInfo(ids[i], CL_PLATFORM_NAME, sizeof(name),
				      name, NULL) == CL_SUCCESS &&
		    strcmp(name, "svmcl") == 0)
			return ids[i];
	}
	return NULL;
}

static int env_setup(void **state)
{
	const char *src = kernels_src;
	char log[4096] = "";
	cl_int err;

	E.page = sysconf(_SC_PAGESIZE);
	E.platform = find_svmcl_platform();
	if (!E.platform ||
	    clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 1, &E.device,
			   NULL) != CL_SUCCESS)
		return -1;
	E.context = clCreateContext(NULL, 1, &E.device, NULL, NULL, &err);
	E.other = clCreateContext(NULL, 1, &E.device, NULL, NULL, &err);
	if (!E.context || !E.other)
		return -1;
	E.queue = clCreateCommandQueueWithProperties(E.context, E.device, NULL,
						     &err);
	E.program = clCreateProgramWithSource(E.context, 1, &src, NULL, &err);
	if (!E.queue || !E.program)
		return -1;
	if (clBuildProgram(E.program, 1, &E.device, "", NULL, NULL)) {
		clGetProgramBuildInfo(E.program, E.device,
				      CL_PROGRAM_BUILD_LOG, sizeof(log), log,
				      NULL);
		fprintf(stderr, "build failed:\n%s\n", log);
		return -1;
	}
	E.fill = clCreateKernel(E.program, "fill", &err);
	E.add = clCreateKernel(E.program, "add", &err);
	E.indirect = clCreateKernel(E.program, "indirect", &err);
	return E.fill && E.add && E.indirect ? 0 : -1;
}

static int env_teardown(void **state)
{
	clReleaseKernel(E.fill);
	clReleaseKernel(E.add);
	clReleaseKernel(E.indirect);
	clReleaseProgram(E.program);
	clReleaseCommandQueue(E.queue);
	clReleaseContext(E.other);
	clReleaseContext(E.context);
	return 0;
}

static cl_command_type event_type(cl_event ev)
{
	cl_command_type t = 0;

	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(t), &t, NULL));
	return t;
}

static cl_int event_status(cl_event ev)
{
	cl_int s = 0;

	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(s),
			     &s, NULL));
	return s;
}

/* Wait for @ev, check its type, release it. */
static void finish_event(cl_event ev, cl_command_type type)
{
	CHECK(clWaitForEvents(1, &ev));
	assert_int_equal(event_status(ev), CL_COMPLETE);
	assert_int_equal(event_type(ev), type);
	CHECK(clReleaseEvent(ev));
}

static void run_add(int *p, size_t n, int k)
{
	CHECK(clSetKernelArgSVMPointer(E.add, 0, p));
	CHECK(clSetKernelArg(E.add, 1, sizeof(k), &k));
	CHECK(clEnqueueNDRangeKernel(E.queue, E.add, 1, NULL, &n, NULL, 0,
				     NULL, NULL));
	CHECK(clFinish(E.queue));
}

/* Is the page at @p present in the CPU's page table? (pagemap bit 63) */
static bool page_present(const void *p)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (off_t)((uintptr_t)p / (uintptr_t)E.page) * 8;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &entry, sizeof(entry), off), 8);
	close(fd);
	return entry >> 63;
}

static size_t pages_present(const void *p, size_t len)
{
	size_t n = 0;

	for (size_t off = 0; off < len; off += (size_t)E.page)
		n += page_present((const char *)p + off);
	return n;
}

/*
 * A page the process cannot read: PROT_NONE, not unmapped, so that no
 * mapping made meanwhile (a new queue's thread stack, ASan's per-thread
 * data) can land on the address and make it readable.
 */
static void *inaccessible_address(void)
{
	void *p = mmap(NULL, (size_t)E.page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* Every standard wait-list error of an enqueue entry point. */
typedef cl_int (*enqueue_fn)(cl_command_queue q, cl_uint n,
			     const cl_event *list, cl_event *ev, void *arg);

static void check_wait_list_errors(enqueue_fn fn, void *arg)
{
	cl_event good, foreign;
	cl_command_queue oq;
	cl_event bogus = (cl_event)E.context;
	int x = 0, y = 0;
	cl_int err;

	assert_int_equal(fn((cl_command_queue)E.context, 0, NULL, NULL, arg),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(fn(E.queue, 1, NULL, NULL, arg),
			 CL_INVALID_EVENT_WAIT_LIST);
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_FALSE, &x, &y, sizeof(x), 0, NULL,
				 &good));
	assert_int_equal(fn(E.queue, 0, &good, NULL, arg),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(fn(E.queue, 1, &bogus, NULL, arg),
			 CL_INVALID_EVENT_WAIT_LIST);
	oq = clCreateCommandQueueWithProperties(E.other, E.device, NULL, &err);
	assert_non_null(oq);
	CHECK(clEnqueueSVMMemcpy(oq, CL_FALSE, &x, &y, sizeof(x), 0, NULL,
				 &foreign));
	assert_int_equal(fn(E.queue, 1, &foreign, NULL, arg),
			 CL_INVALID_CONTEXT);
	CHECK(clFinish(oq));
	CHECK(clFinish(E.queue));
	CHECK(clReleaseEvent(good));
	CHECK(clReleaseEvent(foreign));
	CHECK(clReleaseCommandQueue(oq));
}

/*
 * clSVMAlloc / clSVMFree
 */

static void test_alloc(void **state)
{
	static const cl_svm_mem_flags good[] = {
		0,
		CL_MEM_READ_WRITE,
		CL_MEM_READ_ONLY,
		CL_MEM_WRITE_ONLY,
		CL_MEM_SVM_FINE_GRAIN_BUFFER,
		CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS,
		CL_MEM_READ_ONLY | CL_MEM_SVM_FINE_GRAIN_BUFFER,
		CL_MEM_WRITE_ONLY | CL_MEM_SVM_FINE_GRAIN_BUFFER |
			CL_MEM_SVM_ATOMICS,
	};
	static const cl_uint aligns[] = { 0, 1, 2, 8, 16, 64, 128 };

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(aligns); j++) {
			char *p = clSVMAlloc(E.context, good[i], 1000,
					     aligns[j]);

			assert_non_null(p);
			if (aligns[j])
				assert_int_equal((uintptr_t)p % aligns[j], 0);
			memset(p, (int)i, 1000);
			assert_int_equal(p[999], (char)i);
			clSVMFree(E.context, p);
		}
	}
	/* Byte granularity: a 1-byte allocation, written by a kernel. */
	{
		int *p = clSVMAlloc(E.context, CL_MEM_SVM_FINE_GRAIN_BUFFER,
				    sizeof(int), 0);

		assert_non_null(p);
		*p = 41;
		run_add(p, 1, 1);
		assert_int_equal(*p, 42);
		clSVMFree(E.context, p);
	}
	/* NULL and foreign pointers are ignored, never a crash. */
	clSVMFree(E.context, NULL);
	clSVMFree((cl_context)E.queue, NULL);
	{
		int local;

		clSVMFree(E.context, &local);
	}
}

static void test_alloc_errors(void **state)
{
	cl_ulong max_alloc = 0;

	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
			      sizeof(max_alloc), &max_alloc, NULL));
	/* Invalid context. */
	assert_null(clSVMAlloc((cl_context)E.queue, 0, 64, 0));
	/* ATOMICS without FINE_GRAIN_BUFFER. */
	assert_null(clSVMAlloc(E.context, CL_MEM_SVM_ATOMICS, 64, 0));
	assert_null(clSVMAlloc(E.context, CL_MEM_READ_WRITE |
					  CL_MEM_SVM_ATOMICS, 64, 0));
	/* Mutually exclusive access flags. */
	assert_null(clSVMAlloc(E.context, CL_MEM_READ_WRITE | CL_MEM_READ_ONLY,
			       64, 0));
	assert_null(clSVMAlloc(E.context, CL_MEM_READ_WRITE |
					  CL_MEM_WRITE_ONLY, 64, 0));
	assert_null(clSVMAlloc(E.context, CL_MEM_READ_ONLY | CL_MEM_WRITE_ONLY,
			       64, 0));
	/* Flags that are not SVM flags. */
	assert_null(clSVMAlloc(E.context, CL_MEM_USE_HOST_PTR, 64, 0));
	assert_null(clSVMAlloc(E.context, (cl_svm_mem_flags)1 << 40, 64, 0));
	/* Sizes. */
	assert_null(clSVMAlloc(E.context, 0, 0, 0));
	assert_null(clSVMAlloc(E.context, 0, (size_t)max_alloc + 1, 0));
	/* Alignment: not a power of two, or larger than long16. */
	assert_null(clSVMAlloc(E.context, 0, 64, 3));
	assert_null(clSVMAlloc(E.context, 0, 64, 48));
	assert_null(clSVMAlloc(E.context, 0, 64, 256));
}

/*
 * clEnqueueSVMFree
 */

static struct {
	int calls;
	cl_command_queue queue;
	cl_uint num;
	void *ptrs[4];
	void *user_data;
	cl_uint queue_refs;
	int *scratch;
} freecb;

static void CL_CALLBACK free_callback(cl_command_queue q, cl_uint num,
				      void *ptrs[], void *user_data)
{
	cl_context ctx = NULL;
	const int pattern = 7;

	freecb.calls++;
	freecb.queue = q;
	freecb.num = num;
	freecb.user_data = user_data;
	for (cl_uint i = 0; i < num && i < 4; i++)
		freecb.ptrs[i] = ptrs[i];
	/* Back into the API: queries, frees, even a new command. */
	clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT,
			      sizeof(freecb.queue_refs), &freecb.queue_refs,
			      NULL);
	clGetCommandQueueInfo(q, CL_QUEUE_CONTEXT, sizeof(ctx), &ctx, NULL);
	for (cl_uint i = 0; i < num; i++)
		clSVMFree(ctx, ptrs[i]);
	clEnqueueSVMMemFill(q, freecb.scratch, &pattern, sizeof(pattern),
			    4 * sizeof(int), 0, NULL, NULL);
}

static cl_int enqueue_free_nothing(cl_command_queue q, cl_uint n,
				   const cl_event *list, cl_event *ev,
				   void *arg)
{
	return clEnqueueSVMFree(q, 0, NULL, NULL, NULL, n, list, ev);
}

static void test_enqueue_free(void **state)
{
	void *ptrs[3], *copy[3];
	int scratch[4] = { 0 };
	cl_event ev;
	int tag;

	for (int i = 0; i < 3; i++)
		copy[i] = ptrs[i] = clSVMAlloc(E.context, 0, 4096, 0);
	freecb.scratch = scratch;
	CHECK(clEnqueueSVMFree(E.queue, 3, ptrs, free_callback, &tag, 0, NULL,
			       &ev));
	/* The list is ours again at once. */
	memset(ptrs, 0, sizeof(ptrs));
	finish_event(ev, CL_COMMAND_SVM_FREE);
	CHECK(clFinish(E.queue));	/* the fill the callback queued */
	CHECK(clFinish(E.queue));
	assert_int_equal(freecb.calls, 1);
	assert_ptr_equal(freecb.queue, E.queue);
	assert_ptr_equal(freecb.user_data, &tag);
	assert_int_equal(freecb.num, 3);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(freecb.ptrs[i], copy[i]);
	assert_true(freecb.queue_refs >= 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(scratch[i], 7);

	/* Without a callback svmcl frees them: the pages are gone. */
	for (int i = 0; i < 2; i++)
		ptrs[i] = clSVMAlloc(E.context, CL_MEM_SVM_FINE_GRAIN_BUFFER,
				     3 * (size_t)E.page, 0);
	ptrs[2] = NULL;	/* a NULL entry is a no-op, like clSVMFree(NULL) */
	CHECK(clEnqueueSVMFree(E.queue, 3, ptrs, NULL, NULL, 0, NULL, &ev));
	finish_event(ev, CL_COMMAND_SVM_FREE);
	for (int i = 0; i < 2; i++) {
		unsigned char vec;

		assert_int_equal(mincore(ptrs[i], (size_t)E.page, &vec), -1);
	}
	/* An empty list is a valid command. */
	CHECK(clEnqueueSVMFree(E.queue, 0, NULL, NULL, NULL, 0, NULL, &ev));
	finish_event(ev, CL_COMMAND_SVM_FREE);
}

static void test_enqueue_free_errors(void **state)
{
	void *p = NULL;

	assert_int_equal(clEnqueueSVMFree(E.queue, 0, &p, NULL, NULL, 0, NULL,
					  NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMFree(E.queue, 1, NULL, NULL, NULL, 0,
					  NULL, NULL), CL_INVALID_VALUE);
	check_wait_list_errors(enqueue_free_nothing, NULL);
}

/*
 * clEnqueueSVMMemcpy
 */

static void test_memcpy(void **state)
{
	const size_t n = 10000;
	int *a = clSVMAlloc(E.context, 0, n * sizeof(int), 0);
	int *b = clSVMAlloc(E.context, CL_MEM_SVM_FINE_GRAIN_BUFFER,
			    n * sizeof(int), 0);
	int *host = malloc(n * sizeof(int));
	int stack[16], stack2[16];
	cl_event ev, ev2;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(host);
	for (size_t i = 0; i < n; i++)
		host[i] = (int)i * 3;

	/* host -> coarse SVM, blocking */
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_TRUE, a, host, n * sizeof(int), 0,
				 NULL, NULL));
	assert_memory_equal(a, host, n * sizeof(int));
	/* coarse -> fine, non-blocking with an event, then a kernel */
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_FALSE, b, a, n * sizeof(int), 0,
				 NULL, &ev));
	finish_event(ev, CL_COMMAND_SVM_MEMCPY);
	assert_memory_equal(b, host, n * sizeof(int));
	run_add(b, n, 1);
	/* fine -> malloc, waiting on a previous copy */
	memset(host, 0, n * sizeof(int));
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_FALSE, a, b, n * sizeof(int), 0,
				 NULL, &ev));
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_FALSE, host, a, n * sizeof(int),
				 1, &ev, &ev2));
	finish_event(ev2, CL_COMMAND_SVM_MEMCPY);
	CHECK(clReleaseEvent(ev));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(host[i], (int)i * 3 + 1);
	/* stack -> stack, interior pointers, unaligned sizes */
	for (int i = 0; i < 16; i++) {
		stack[i] = i;
		stack2[i] = -1;
	}
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_TRUE, (char *)stack2 + 3,
				 (char *)stack + 5, 17, 0, NULL, NULL));
	assert_memory_equal((char *)stack2 + 3, (char *)stack + 5, 17);
	assert_int_equal(((unsigned char *)stack2)[2], 0xff);
	assert_int_equal(((unsigned char *)stack2)[20], 0xff);
	/* size 0 does nothing and succeeds */
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_TRUE, a, b, 0, 0, NULL, NULL));

	clSVMFree(E.context, a);
	clSVMFree(E.context, b);
	free(host);
}

static cl_int enqueue_memcpy(cl_command_queue q, cl_uint n,
			     const cl_event *list, cl_event *ev, void *arg)
{
	static int x, y;

	return clEnqueueSVMMemcpy(q, CL_FALSE, &x, &y, sizeof(x), n, list,
				  ev);
}

static void test_memcpy_errors(void **state)
{
	char *a = clSVMAlloc(E.context, 0, 4096, 0);
	void *hole = inaccessible_address();
	cl_event bad, ev;

	assert_non_null(a);
	assert_int_equal(clEnqueueSVMMemcpy(E.queue, CL_TRUE, NULL, a, 16, 0,
					    NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMemcpy(E.queue, CL_TRUE, a, NULL, 16, 0,
					    NULL, NULL), CL_INVALID_VALUE);
	/* Overlap: the same range, and partial overlaps both ways. */
	assert_int_equal(clEnqueueSVMMemcpy(E.queue, CL_TRUE, a, a, 16, 0,
					    NULL, NULL), CL_MEM_COPY_OVERLAP);
	assert_int_equal(clEnqueueSVMMemcpy(E.queue, CL_TRUE, a + 8, a, 16, 0,
					    NULL, NULL), CL_MEM_COPY_OVERLAP);
	assert_int_equal(clEnqueueSVMMemcpy(E.queue, CL_FALSE, a, a + 15, 16,
					    0, NULL, NULL),
			 CL_MEM_COPY_OVERLAP);
	/* Adjacent is not overlapping. */
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_TRUE, a, a + 16, 16, 0, NULL,
				 NULL));
	check_wait_list_errors(enqueue_memcpy, NULL);

	/* Memory the process cannot read: the command fails, we survive. */
	CHECK(clEnqueueSVMMemcpy(E.queue, CL_FALSE, a, hole, 64, 0, NULL,
				 &bad));
	assert_int_equal(clWaitForEvents(1, &bad),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(event_status(bad), CL_OUT_OF_RESOURCES);
	assert_int_equal(clFinish(E.queue), CL_OUT_OF_RESOURCES);
	/* A blocking command after a failed one reports that. */
	assert_int_equal(clEnqueueSVMMemcpy(E.queue, CL_TRUE, a, a + 64, 16, 1,
					    &bad, &ev),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(event_status(ev),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(clEnqueueSVMMap(E.queue, CL_TRUE, CL_MAP_READ, a, 16,
					 1, &bad, NULL),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	clFinish(E.queue);	/* consume the failures */
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(bad));
	CHECK(clFinish(E.queue));
	clSVMFree(E.context, a);
	munmap(hole, (size_t)E.page);
}

/*
 * clEnqueueSVMMemFill
 */

static void test_memfill(void **state)
{
	const size_t size = 3 * 4096 + 256;
	unsigned char *p = clSVMAlloc(E.context, 0, size, 128);
	unsigned char pattern[128];
	unsigned char *host = malloc(1024);
	cl_event ev;

	assert_non_null(p);
	assert_non_null(host);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 7 + 1);
	for (size_t ps = 1; ps <= 128; ps *= 2) {
		memset(p, 0xee, size);
		CHECK(clEnqueueSVMMemFill(E.queue, p + ps, pattern, ps,
					  size - 2 * ps, 0, NULL, &ev));
		finish_event(ev, CL_COMMAND_SVM_MEMFILL);
		for (size_t i = 0; i < ps; i++) {
			assert_int_equal(p[i], 0xee);
			assert_int_equal(p[size - 1 - i], 0xee);
		}
		for (size_t i = ps; i < size - ps; i++)
			assert_int_equal(p[i], pattern[(i - ps) % ps]);
	}
	/* Any host memory; size 0 is a no-op. */
	CHECK(clEnqueueSVMMemFill(E.queue, host, pattern, 4, 1024, 0, NULL,
				  NULL));
	CHECK(clEnqueueSVMMemFill(E.queue, host, pattern, 4, 0, 0, NULL,
				  NULL));
	CHECK(clFinish(E.queue));
	for (size_t i = 0; i < 1024; i++)
		assert_int_equal(host[i], pattern[i % 4]);
	free(host);
	clSVMFree(E.context, p);
}

static cl_int enqueue_fill(cl_command_queue q, cl_uint n,
			   const cl_event *list, cl_event *ev, void *arg)
{
	int v = 0;

	return clEnqueueSVMMemFill(q, arg, &v, sizeof(v), 64, n, list, ev);
}

static void test_memfill_errors(void **state)
{
	char *p = clSVMAlloc(E.context, 0, 4096, 0);
	char pattern[256] = { 0 };

	assert_non_null(p);
	assert_int_equal(clEnqueueSVMMemFill(E.queue, NULL, pattern, 4, 64, 0,
					     NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMemFill(E.queue, p, NULL, 4, 64, 0, NULL,
					     NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMemFill(E.queue, p, pattern, 0, 64, 0,
					     NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMemFill(E.queue, p, pattern, 3, 63, 0,
					     NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMemFill(E.queue, p, pattern, 256, 256, 0,
					     NULL, NULL), CL_INVALID_VALUE);
	/* Not aligned to the pattern size. */
	assert_int_equal(clEnqueueSVMMemFill(E.queue, p + 2, pattern, 4, 64,
					     0, NULL, NULL), CL_INVALID_VALUE);
	/* Size not a multiple of the pattern size. */
	assert_int_equal(clEnqueueSVMMemFill(E.queue, p, pattern, 8, 60, 0,
					     NULL, NULL), CL_INVALID_VALUE);
	check_wait_list_errors(enqueue_fill, p);
	clSVMFree(E.context, p);
}

/*
 * clEnqueueSVMMap / clEnqueueSVMUnmap
 */

static void test_map_unmap(void **state)
{
	const size_t n = 4096;
	int *p = clSVMAlloc(E.context, CL_MEM_READ_WRITE, n * sizeof(int), 0);
	cl_event ev;

	assert_non_null(p);
	/* The coarse-grained pattern: map, write, unmap, kernel, map, read. */
	CHECK(clEnqueueSVMMap(E.queue, CL_TRUE, CL_MAP_WRITE_INVALIDATE_REGION,
			      p, n * sizeof(int), 0, NULL, &ev));
	assert_int_equal(event_status(ev), CL_COMPLETE);
	assert_int_equal(event_type(ev), CL_COMMAND_SVM_MAP);
	CHECK(clReleaseEvent(ev));
	for (size_t i = 0; i < n; i++)
		p[i] = (int)i;
	CHECK(clEnqueueSVMUnmap(E.queue, p, 0, NULL, &ev));
	finish_event(ev, CL_COMMAND_SVM_UNMAP);
	run_add(p, n, 5);
	/* Non-blocking map of an interior range, waited for by event. */
	CHECK(clEnqueueSVMMap(E.queue, CL_FALSE, CL_MAP_READ | CL_MAP_WRITE,
			      p + 100, 16, 0, NULL, &ev));
	finish_event(ev, CL_COMMAND_SVM_MAP);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], (int)i + 5);
	CHECK(clEnqueueSVMUnmap(E.queue, p + 100, 0, NULL, NULL));
	/* Fine-grained and system memory may be mapped too. */
	CHECK(clEnqueueSVMMap(E.queue, CL_TRUE, CL_MAP_READ, &ev, sizeof(ev),
			      0, NULL, NULL));
	CHECK(clEnqueueSVMUnmap(E.queue, &ev, 0, NULL, NULL));
	CHECK(clFinish(E.queue));
	clSVMFree(E.context, p);
}

static cl_int enqueue_map(cl_command_queue q, cl_uint n, const cl_event *list,
			  cl_event *ev, void *arg)
{
	return clEnqueueSVMMap(q, CL_FALSE, CL_MAP_READ, arg, 16, n, list, ev);
}

static cl_int enqueue_unmap(cl_command_queue q, cl_uint n,
			    const cl_event *list, cl_event *ev, void *arg)
{
	return clEnqueueSVMUnmap(q, arg, n, list, ev);
}

static void test_map_unmap_errors(void **state)
{
	char *p = clSVMAlloc(E.context, 0, 4096, 0);

	assert_non_null(p);
	assert_int_equal(clEnqueueSVMMap(E.queue, CL_TRUE, CL_MAP_READ, NULL,
					 16, 0, NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMap(E.queue, CL_TRUE, CL_MAP_READ, p, 0,
					 0, NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMap(E.queue, CL_TRUE, 1u << 7, p, 16, 0,
					 NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMap(E.queue, CL_TRUE,
					 CL_MAP_READ |
					 CL_MAP_WRITE_INVALIDATE_REGION,
					 p, 16, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMUnmap(E.queue, NULL, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	check_wait_list_errors(enqueue_map, p);
	CHECK(clFinish(E.queue));
	check_wait_list_errors(enqueue_unmap, p);
	CHECK(clFinish(E.queue));
	clSVMFree(E.context, p);
}

/*
 * clEnqueueSVMMigrateMem
 */

static void test_migrate(void **state)
{
	const size_t n = 64 * 1024;	/* 256 KiB: 64 pages */
	const size_t bytes = n * sizeof(int);
	size_t npages = bytes / (size_t)E.page;
	int *p = clSVMAlloc(E.context, 0, bytes, 0);
	int *host = malloc(bytes + (size_t)E.page);
	const void *ptrs[2];
	size_t sizes[2];
	cl_event ev;

	assert_non_null(p);
	assert_non_null(host);
	for (size_t i = 0; i < n; i++)
		p[i] = (int)i;
	assert_int_equal(pages_present(p, bytes), npages);

	/* To the device (sizes NULL: whole allocations): CPU pages gone. */
	ptrs[0] = p + 1000;	/* an interior pointer names the allocation */
	CHECK(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, NULL, 0, 0, NULL, &ev));
	finish_event(ev, CL_COMMAND_SVM_MIGRATE_MEM);
	assert_int_equal(pages_present(p, bytes), 0);

	/* A kernel on the migrated pages runs in device memory. */
	{
		int k = 100;

		CHECK(clSetKernelArgSVMPointer(E.add, 0, p));
		CHECK(clSetKernelArg(E.add, 1, sizeof(k), &k));
		CHECK(clEnqueueNDRangeKernel(E.queue, E.add, 1, NULL, &n, NULL,
					     0, NULL, NULL));
		CHECK(clFinish(E.queue));
	}
	assert_int_equal(pages_present(p, bytes), 0);

	/* Back to the host: pages present again, data intact. */
	CHECK(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, NULL,
				     CL_MIGRATE_MEM_OBJECT_HOST, 0, NULL,
				     &ev));
	finish_event(ev, CL_COMMAND_SVM_MIGRATE_MEM);
	assert_int_equal(pages_present(p, bytes), npages);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], (int)i + 100);

	/* Interior and overlapping ranges; size 0 = whole allocation. */
	ptrs[0] = p + 1024;
	sizes[0] = 8 * (size_t)E.page;
	ptrs[1] = p + 2048;
	sizes[1] = 8 * (size_t)E.page;
	CHECK(clEnqueueSVMMigrateMem(E.queue, 2, ptrs, sizes,
				     CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED,
				     0, NULL, NULL));
	CHECK(clFinish(E.queue));
	assert_int_equal(pages_present(p, bytes), npages - 9);	/* pages 1-9 */
	/* A CPU touch brings a page back transparently. */
	assert_int_equal(p[1024], 1124);
	assert_true(page_present(p + 1024));
	sizes[0] = 0;
	CHECK(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, sizes,
				     CL_MIGRATE_MEM_OBJECT_HOST, 0, NULL,
				     NULL));
	CHECK(clFinish(E.queue));
	assert_int_equal(pages_present(p, bytes), npages);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], (int)i + 100);

	/* Fine-grain system memory: malloc'd data migrates too. */
	{
		int *h = (int *)(((uintptr_t)host + (uintptr_t)E.page - 1) &
				 ~((uintptr_t)E.page - 1));
		size_t hn = (bytes - (size_t)E.page) / sizeof(int);

		for (size_t i = 0; i < hn; i++)
			h[i] = (int)i ^ 0x5a5a;
		ptrs[0] = h;
		sizes[0] = hn * sizeof(int);
		CHECK(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, sizes, 0, 0,
					     NULL, NULL));
		CHECK(clFinish(E.queue));
		assert_int_equal(pages_present(h, hn * sizeof(int)), 0);
		run_add(h, hn, 1);
		CHECK(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, sizes,
					     CL_MIGRATE_MEM_OBJECT_HOST, 0,
					     NULL, NULL));
		CHECK(clFinish(E.queue));
		for (size_t i = 0; i < hn; i++)
			assert_int_equal(h[i], ((int)i ^ 0x5a5a) + 1);
	}
	free(host);
	clSVMFree(E.context, p);
}

static cl_int enqueue_migrate(cl_command_queue q, cl_uint n,
			      const cl_event *list, cl_event *ev, void *arg)
{
	const void *ptrs[1] = { arg };

	return clEnqueueSVMMigrateMem(q, 1, ptrs, NULL, 0, n, list, ev);
}

static void test_migrate_errors(void **state)
{
	char *p = clSVMAlloc(E.context, 0, 4096, 0);
	const void *ptrs[2] = { p, NULL };
	size_t sizes[2] = { 4097, 0 };
	int local;

	assert_non_null(p);
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 0, ptrs, NULL, 0, 0,
						NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 1, NULL, NULL, 0, 0,
						NULL, NULL), CL_INVALID_VALUE);
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, NULL, 1u << 5,
						0, NULL, NULL),
			 CL_INVALID_VALUE);
	/* A range that leaves its allocation. */
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, sizes, 0, 0,
						NULL, NULL), CL_INVALID_VALUE);
	ptrs[0] = p + 100;
	sizes[0] = 3997;
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, sizes, 0, 0,
						NULL, NULL), CL_INVALID_VALUE);
	/* A NULL pointer in the list. */
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 2, ptrs, NULL, 0, 0,
						NULL, NULL), CL_INVALID_VALUE);
	/* System memory needs a size: it has no allocation to name. */
	ptrs[0] = &local;
	sizes[0] = 0;
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 1, ptrs, sizes, 0, 0,
						NULL, NULL), CL_INVALID_VALUE);
	check_wait_list_errors(enqueue_migrate, p);
	CHECK(clFinish(E.queue));
	clSVMFree(E.context, p);
}

/*
 * Kernel arguments and exec info
 */

static void test_kernel_arg_interior(void **state)
{
	const size_t n = 256;
	int *p = clSVMAlloc(E.context, CL_MEM_SVM_FINE_GRAIN_BUFFER,
			    (n + 64) * sizeof(int), 0);
	int v = 77;

	assert_non_null(p);
	for (size_t i = 0; i < n + 64; i++)
		p[i] = -1;
	CHECK(clSetKernelArgSVMPointer(E.fill, 0, p + 37));
	CHECK(clSetKernelArg(E.fill, 1, sizeof(v), &v));
	CHECK(clEnqueueNDRangeKernel(E.queue, E.fill, 1, NULL, &n, NULL, 0,
				     NULL, NULL));
	CHECK(clFinish(E.queue));
	for (size_t i = 0; i < n + 64; i++)
		assert_int_equal(p[i], i >= 37 && i < 37 + n ? 77 : -1);

	assert_int_equal(clSetKernelArgSVMPointer((cl_kernel)E.queue, 0, p),
			 CL_INVALID_KERNEL);
	assert_int_equal(clSetKernelArgSVMPointer(E.fill, 2, p),
			 CL_INVALID_ARG_INDEX);
	assert_int_equal(clSetKernelArgSVMPointer(E.fill, 1, p),
			 CL_INVALID_ARG_VALUE);
	clSVMFree(E.context, p);
}

static void test_exec_info(void **state)
{
	const size_t n = 3;
	int **tab = clSVMAlloc(E.context, 0, n * sizeof(int *), 0);
	int *bufs[3];
	cl_bool yes = CL_TRUE, no = CL_FALSE;
	int v = 10;

	assert_non_null(tab);
	for (size_t i = 0; i < n; i++) {
		bufs[i] = clSVMAlloc(E.context, 0, 64, 0);
		assert_non_null(bufs[i]);
		tab[i] = bufs[i] + i;	/* interior pointers */
	}
	/* Pointers the kernel reaches only through another allocation. */
	CHECK(clSetKernelExecInfo(E.indirect, CL_KERNEL_EXEC_INFO_SVM_PTRS,
				  sizeof(bufs), bufs));
	CHECK(clSetKernelExecInfo(E.indirect,
				  CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(no), &no));
	CHECK(clSetKernelArgSVMPointer(E.indirect, 0, tab));
	CHECK(clSetKernelArg(E.indirect, 1, sizeof(v), &v));
	CHECK(clEnqueueNDRangeKernel(E.queue, E.indirect, 1, NULL, &n, NULL,
				     0, NULL, NULL));
	CHECK(clFinish(E.queue));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(bufs[i][i], 10 + (int)i);
	/* The empty set clears; TRUE is accepted (fine-grain system). */
	CHECK(clSetKernelExecInfo(E.indirect, CL_KERNEL_EXEC_INFO_SVM_PTRS, 0,
				  NULL));
	CHECK(clSetKernelExecInfo(E.indirect,
				  CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(yes), &yes));

	/* Errors. */
	assert_int_equal(clSetKernelExecInfo((cl_kernel)E.queue,
					     CL_KERNEL_EXEC_INFO_SVM_PTRS,
					     sizeof(bufs), bufs),
			 CL_INVALID_KERNEL);
	assert_int_equal(clSetKernelExecInfo(E.indirect, 0x12345, sizeof(yes),
					     &yes), CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(E.indirect,
					     CL_KERNEL_EXEC_INFO_SVM_PTRS,
					     sizeof(bufs), NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(E.indirect,
					     CL_KERNEL_EXEC_INFO_SVM_PTRS,
					     sizeof(void *) + 1, bufs),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(E.indirect,
				CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				sizeof(cl_uint) * 2, &yes),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(E.indirect,
				CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				sizeof(yes), NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetKernelExecInfo(E.indirect,
				CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				0, NULL),
			 CL_INVALID_VALUE);

	for (size_t i = 0; i < n; i++)
		clSVMFree(E.context, bufs[i]);
	clSVMFree(E.context, tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_alloc_errors),
		cmocka_unit_test(test_enqueue_free),
		cmocka_unit_test(test_enqueue_free_errors),
		cmocka_unit_test(test_memcpy),
		cmocka_unit_test(test_memcpy_errors),
		cmocka_unit_test(test_memfill),
		cmocka_unit_test(test_memfill_errors),
		cmocka_unit_test(test_map_unmap),
		cmocka_unit_test(test_map_unmap_errors),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_migrate_errors),
		cmocka_unit_test(test_kernel_arg_interior),
		cmocka_unit_test(test_exec_info),
	};

	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
