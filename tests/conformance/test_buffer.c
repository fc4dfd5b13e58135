/* SPDX-License-Identifier: MIT */
/*
 * test_buffer.c - memory objects through the real ICD loader: buffers,
 * sub-buffers, their queries and lifetime, the buffer commands, buffer
 * kernel arguments, and the image/sampler/pipe entry points of a device
 * without images or pipes.
 *
 * Every success path checks the data; every error code the OpenCL 3.0
 * specification lists for these entry points is provoked once. As in
 * test_api.c, a handle of the wrong kind (a context passed as a buffer)
 * stands in for an invalid handle.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <CL/cl.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK(call) assert_int_equal((call), CL_SUCCESS)

static const char kernels_src[] =
	"kernel void scale(global int *out, constant int *in, int k)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	out[i] = in[i] * k;\n"
	"}\n"
	"kernel void add_one(global int *buf)\n"
	"{\n"
	"	buf[get_global_id(0)] += 1;\n"
	"}\n"
	"kernel void is_null(global int *p, global int *out)\n"
	"{\n"
	"	out[0] = p == 0;\n"
	"}\n"
	"kernel void wait_flag(global volatile int *flag, global int *buf)\n"
	"{\n"
	"	while (*flag == 0)\n"
	"		;\n"
	"	buf[0] = 42;\n"
	"}\n"
	"kernel void poke(global int *p)\n"
	"{\n"
	"	p[0] = 1;\n"
	"}\n";

static struct {
	cl_platform_id platform;
	cl_device_id device;
	cl_context context;
	cl_command_queue queue;
	cl_context other;		/* a second context */
	cl_command_queue other_queue;
	cl_program program;		/* kernels_src, built */
	cl_ulong max_alloc;
	cl_uint base_align;		/* CL_DEVICE_MEM_BASE_ADDR_ALIGN, bytes */
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
	cl_uint bits = 0;
	cl_int err;

	E.platform = find_svmcl_platform();
	if (!E.platform) {
		fprintf(stderr, "svmcl platform not found (OCL_ICD_VENDORS?)\n");
		return -1;
	}
	if (clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 1, &E.device,
			   NULL) != CL_SUCCESS)
		return -1;
	E.context = clCreateContext(NULL, 1, &E.device, NULL, NULL, &err);
	E.other = clCreateContext(NULL, 1, &E.device, NULL, NULL, &err);
	if (!E.context || !E.other)
		return -1;
	E.queue = clCreateCommandQueueWithProperties(E.context, E.device, NULL,
						     &err);
	E.other_queue = clCreateCommandQueueWithProperties(E.other, E.device,
							   NULL, &err);
	if (!E.queue || !E.other_queue)
		return -1;
	E.program = clCreateProgramWithSource(E.context, 1, &src, NULL, &err);
	if (!E.program ||
	    clBuildProgram(E.program, 1, &E.device, "", NULL, NULL))
		return -1;
	clGetDeviceInfo(E.device, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
			sizeof(E.max_alloc), &E.max_alloc, NULL);
	clGetDeviceInfo(E.device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof(bits),
			&bits, NULL);
	E.base_align = bits / 8;
	return E.max_alloc && E.base_align ? 0 : -1;
}

static int env_teardown(void **state)
{
	if (E.program)
		clReleaseProgram(E.program);
	if (E.other_queue)
		clReleaseCommandQueue(E.other_queue);
	if (E.queue)
		clReleaseCommandQueue(E.queue);
	if (E.other)
		clReleaseContext(E.other);
	if (E.context)
		clReleaseContext(E.context);
	memset(&E, 0, sizeof(E));
	return 0;
}

static cl_mem buffer(cl_mem_flags flags, size_t size, void *host_ptr)
{
	cl_int err = CL_INVALID_VALUE;
	cl_mem m = clCreateBuffer(E.context, flags, size, host_ptr, &err);

	CHECK(err);
	assert_non_null(m);
	return m;
}

static cl_kernel kernel(const char *name)
{
	cl_int err;
	cl_kernel k = clCreateKernel(E.program, name, &err);

	CHECK(err);
	return k;
}

static cl_int create_err(cl_context ctx, cl_mem_flags flags, size_t size,
			 void *host_ptr)
{
	cl_int err = CL_SUCCESS;
	cl_mem m = clCreateBuffer(ctx, flags, size, host_ptr, &err);

	if (m)
		clReleaseMemObject(m);
	assert_true(m == NULL || err == CL_SUCCESS);
	return err;
}

static cl_uint ref_count(cl_mem m)
{
	cl_uint n = 0;

	CHECK(clGetMemObjectInfo(m, CL_MEM_REFERENCE_COUNT, sizeof(n), &n,
				 NULL));
	return n;
}

static cl_uint map_count(cl_mem m)
{
	cl_uint n = 99;

	CHECK(clGetMemObjectInfo(m, CL_MEM_MAP_COUNT, sizeof(n), &n, NULL));
	return n;
}

static void read_ints(cl_mem m, size_t offset, int *out, size_t n)
{
	CHECK(clEnqueueReadBuffer(E.queue, m, CL_TRUE, offset,
				  n * sizeof(int), out, 0, NULL, NULL));
}

static void fill_seq(int *a, size_t n, int base)
{
	for (size_t i = 0; i < n; i++)
		a[i] = base + (int)i;
}

/* ---- creation --------------------------------------------------------- */

static void test_create_host_ptr_flags(void **state)
{
	int src[64], out[64];
	cl_mem m;
	void *hp;

	fill_seq(src, 64, 100);

	/* COPY_HOST_PTR: a copy; later changes to src do not show. */
	m = buffer(CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof(src), src);
	src[0] = -1;
	read_ints(m, 0, out, 64);
	assert_int_equal(out[0], 100);
	assert_int_equal(out[63], 163);
	CHECK(clGetMemObjectInfo(m, CL_MEM_HOST_PTR, sizeof(hp), &hp, NULL));
	assert_null(hp);
	CHECK(clReleaseMemObject(m));

	/* ALLOC_HOST_PTR | COPY_HOST_PTR */
	src[0] = 7;
	m = buffer(CL_MEM_ALLOC_HOST_PTR | CL_MEM_COPY_HOST_PTR, sizeof(src),
		   src);
	read_ints(m, 0, out, 64);
	assert_int_equal(out[0], 7);
	assert_int_equal(out[5], 105);
	CHECK(clReleaseMemObject(m));

	/* USE_HOST_PTR: the user's array is the storage. */
	m = buffer(CL_MEM_USE_HOST_PTR, sizeof(src), src);
	CHECK(clGetMemObjectInfo(m, CL_MEM_HOST_PTR, sizeof(hp), &hp, NULL));
	assert_ptr_equal(hp, src);
	src[3] = 33;
	read_ints(m, 0, out, 64);
	assert_int_equal(out[3], 33);
	out[0] = 1234;
	CHECK(clEnqueueWriteBuffer(E.queue, m, CL_TRUE, 0, sizeof(int), out, 0,
				   NULL, NULL));
	assert_int_equal(src[0], 1234);
	CHECK(clReleaseMemObject(m));

	/* Every access and host-access flag alone creates a buffer. */
	const cl_mem_flags ok[] = {
		0, CL_MEM_READ_WRITE, CL_MEM_WRITE_ONLY, CL_MEM_READ_ONLY,
		CL_MEM_ALLOC_HOST_PTR, CL_MEM_HOST_WRITE_ONLY,
		CL_MEM_HOST_READ_ONLY, CL_MEM_HOST_NO_ACCESS,
		CL_MEM_READ_ONLY | CL_MEM_HOST_NO_ACCESS | CL_MEM_ALLOC_HOST_PTR,
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		cl_mem_flags f = 0;

		m = buffer(ok[i], 4096, NULL);
		CHECK(clGetMemObjectInfo(m, CL_MEM_FLAGS, sizeof(f), &f, NULL));
		assert_int_equal(f, ok[i]);
		CHECK(clReleaseMemObject(m));
	}
}

static void test_create_errors(void **state)
{
	cl_context not_a_context = (cl_context)(void *)E.queue;
	char host[64];

	assert_int_equal(create_err(not_a_context, 0, 64, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(create_err(NULL, 0, 64, NULL), CL_INVALID_CONTEXT);

	/* flags */
	assert_int_equal(create_err(E.context, CL_MEM_READ_WRITE |
				    CL_MEM_READ_ONLY, 64, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, CL_MEM_WRITE_ONLY |
				    CL_MEM_READ_ONLY, 64, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, CL_MEM_HOST_READ_ONLY |
				    CL_MEM_HOST_WRITE_ONLY, 64, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, CL_MEM_HOST_NO_ACCESS |
				    CL_MEM_HOST_READ_ONLY, 64, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, CL_MEM_USE_HOST_PTR |
				    CL_MEM_ALLOC_HOST_PTR, 64, host),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, CL_MEM_USE_HOST_PTR |
				    CL_MEM_COPY_HOST_PTR, 64, host),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, (cl_mem_flags)1 << 40, 64, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, CL_MEM_KERNEL_READ_AND_WRITE, 64,
				    NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(create_err(E.context, CL_MEM_SVM_FINE_GRAIN_BUFFER, 64,
				    NULL),
			 CL_INVALID_VALUE);

	/* host_ptr */
	assert_int_equal(create_err(E.context, CL_MEM_USE_HOST_PTR, 64, NULL),
			 CL_INVALID_HOST_PTR);
	assert_int_equal(create_err(E.context, CL_MEM_COPY_HOST_PTR, 64, NULL),
			 CL_INVALID_HOST_PTR);
	assert_int_equal(create_err(E.context, 0, 64, host),
			 CL_INVALID_HOST_PTR);
	assert_int_equal(create_err(E.context, CL_MEM_ALLOC_HOST_PTR, 64, host),
			 CL_INVALID_HOST_PTR);

	/* size */
	assert_int_equal(create_err(E.context, 0, 0, NULL),
			 CL_INVALID_BUFFER_SIZE);
	assert_int_equal(create_err(E.context, 0, (size_t)E.max_alloc + 1,
				    NULL),
			 CL_INVALID_BUFFER_SIZE);
	assert_int_equal(create_err(E.context, 0, SIZE_MAX, NULL),
			 CL_INVALID_BUFFER_SIZE);
	/* errcode_ret may be NULL */
	assert_null(clCreateBuffer(E.context, 0, 0, NULL, NULL));
}

static void test_create_with_properties(void **state)
{
	const cl_mem_properties empty[] = { 0 };
	const cl_mem_properties bogus[] = { 0x7fff, 1, 0 };
	cl_mem_properties got[4];
	size_t size = 99;
	cl_int err;
	cl_mem m;

	m = clCreateBufferWithProperties(E.context, NULL, 0, 64, NULL, &err);
	CHECK(err);
	CHECK(clGetMemObjectInfo(m, CL_MEM_PROPERTIES, 0, NULL, &size));
	assert_int_equal(size, 0);
	CHECK(clReleaseMemObject(m));

	m = clCreateBufferWithProperties(E.context, empty, CL_MEM_READ_ONLY, 64,
					 NULL, &err);
	CHECK(err);
	CHECK(clGetMemObjectInfo(m, CL_MEM_PROPERTIES, sizeof(got), got,
				 &size));
	assert_int_equal(size, sizeof(cl_mem_properties));
	assert_int_equal(got[0], 0);
	CHECK(clReleaseMemObject(m));

	/* clCreateBuffer: no properties */
	m = buffer(0, 64, NULL);
	size = 99;
	CHECK(clGetMemObjectInfo(m, CL_MEM_PROPERTIES, 0, NULL, &size));
	assert_int_equal(size, 0);
	CHECK(clReleaseMemObject(m));

	assert_null(clCreateBufferWithProperties(E.context, bogus, 0, 64, NULL,
						 &err));
	assert_int_equal(err, CL_INVALID_PROPERTY);
	assert_null(clCreateBufferWithProperties(E.context, empty, 0, 0, NULL,
						 &err));
	assert_int_equal(err, CL_INVALID_BUFFER_SIZE);
	assert_null(clCreateBufferWithProperties((cl_context)(void *)E.queue,
						 NULL, 0, 64, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreateBufferWithProperties(E.context, NULL,
						 CL_MEM_USE_HOST_PTR, 64, NULL,
						 &err));
	assert_int_equal(err, CL_INVALID_HOST_PTR);
	assert_null(clCreateBufferWithProperties(E.context, NULL,
						 CL_MEM_READ_ONLY |
						 CL_MEM_WRITE_ONLY, 64, NULL,
						 &err));
	assert_int_equal(err, CL_INVALID_VALUE);
}

/* ---- queries and lifetime --------------------------------------------- */

static void test_mem_info(void **state)
{
	cl_mem_object_type type = 0;
	cl_mem m, assoc = (cl_mem)1;
	cl_context ctx = NULL;
	cl_bool svm = CL_TRUE;
	size_t size = 0, off = 7, ret = 0;
	cl_mem_flags f = 0;
	char host[256];
	void *hp = NULL;

	m = buffer(CL_MEM_USE_HOST_PTR | CL_MEM_READ_ONLY, sizeof(host), host);
	CHECK(clGetMemObjectInfo(m, CL_MEM_TYPE, sizeof(type), &type, &ret));
	assert_int_equal(type, CL_MEM_OBJECT_BUFFER);
	assert_int_equal(ret, sizeof(type));
	CHECK(clGetMemObjectInfo(m, CL_MEM_FLAGS, sizeof(f), &f, NULL));
	assert_int_equal(f, CL_MEM_USE_HOST_PTR | CL_MEM_READ_ONLY);
	CHECK(clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof(size), &size, NULL));
	assert_int_equal(size, sizeof(host));
	CHECK(clGetMemObjectInfo(m, CL_MEM_HOST_PTR, sizeof(hp), &hp, NULL));
	assert_ptr_equal(hp, host);
	assert_int_equal(map_count(m), 0);
	assert_int_equal(ref_count(m), 1);
	CHECK(clGetMemObjectInfo(m, CL_MEM_CONTEXT, sizeof(ctx), &ctx, NULL));
	assert_ptr_equal(ctx, E.context);
	CHECK(clGetMemObjectInfo(m, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof(assoc),
				 &assoc, NULL));
	assert_null(assoc);
	CHECK(clGetMemObjectInfo(m, CL_MEM_OFFSET, sizeof(off), &off, NULL));
	assert_int_equal(off, 0);
	CHECK(clGetMemObjectInfo(m, CL_MEM_USES_SVM_POINTER, sizeof(svm), &svm,
				 NULL));
	assert_int_equal(svm, CL_FALSE);

	/* size only; too small; unknown name; bad handle */
	CHECK(clGetMemObjectInfo(m, CL_MEM_SIZE, 0, NULL, &ret));
	assert_int_equal(ret, sizeof(size_t));
	assert_int_equal(clGetMemObjectInfo(m, CL_MEM_SIZE, 1, &size, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetMemObjectInfo(m, 0x7777, sizeof(size), &size,
					    NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetMemObjectInfo((cl_mem)(void *)E.context,
					    CL_MEM_SIZE, sizeof(size), &size,
					    NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clGetMemObjectInfo(NULL, CL_MEM_SIZE, sizeof(size),
					    &size, NULL),
			 CL_INVALID_MEM_OBJECT);
	CHECK(clReleaseMemObject(m));
}

static void test_retain_release(void **state)
{
	cl_mem m = buffer(0, 64, NULL);
	cl_mem not_a_mem = (cl_mem)(void *)E.context;

	CHECK(clRetainMemObject(m));
	CHECK(clRetainMemObject(m));
	assert_int_equal(ref_count(m), 3);
	CHECK(clReleaseMemObject(m));
	assert_int_equal(ref_count(m), 2);
	CHECK(clReleaseMemObject(m));
	CHECK(clReleaseMemObject(m));

	assert_int_equal(clRetainMemObject(not_a_mem), CL_INVALID_MEM_OBJECT);
	assert_int_equal(clReleaseMemObject(not_a_mem), CL_INVALID_MEM_OBJECT);
	assert_int_equal(clRetainMemObject(NULL), CL_INVALID_MEM_OBJECT);
	assert_int_equal(clReleaseMemObject(NULL), CL_INVALID_MEM_OBJECT);
}

/* Destructor callbacks record their order and may call the API. */
static struct {
	pthread_mutex_t lock;
	int order[8];
	int calls;
	cl_int api_err;
} dtor = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void CL_CALLBACK dtor_cb(cl_mem m, void *user_data)
{
	cl_int err;
	cl_mem tmp;

	/* No svmcl lock is held: creating and releasing a buffer works. */
	tmp = clCreateBuffer(E.context, 0, 16, NULL, &err);
	if (tmp)
		err = clReleaseMemObject(tmp);
	pthread_mutex_lock(&dtor.lock);
	if (dtor.calls < (int)ARRAY_SIZE(dtor.order))
		dtor.order[dtor.calls] = (int)(intptr_t)user_data;
	dtor.calls++;
	if (err)
		dtor.api_err = err;
	pthread_mutex_unlock(&dtor.lock);
}

static int dtor_calls(void)
{
	int n;

	pthread_mutex_lock(&dtor.lock);
	n = dtor.calls;
	pthread_mutex_unlock(&dtor.lock);
	return n;
}

static void dtor_reset(void)
{
	pthread_mutex_lock(&dtor.lock);
	memset(dtor.order, 0, sizeof(dtor.order));
	dtor.calls = 0;
	dtor.api_err = CL_SUCCESS;
	pthread_mutex_unlock(&dtor.lock);
}

static void test_destructor_callbacks(void **state)
{
	cl_mem m = buffer(0, 64, NULL), sub;
	cl_buffer_region r = { 0, 64 };
	cl_int err;

	dtor_reset();
	CHECK(clSetMemObjectDestructorCallback(m, dtor_cb, (void *)1));
	CHECK(clSetMemObjectDestructorCallback(m, dtor_cb, (void *)2));
	CHECK(clSetMemObjectDestructorCallback(m, dtor_cb, (void *)3));
	CHECK(clRetainMemObject(m));
	CHECK(clReleaseMemObject(m));
	assert_int_equal(dtor_calls(), 0);
	CHECK(clReleaseMemObject(m));
	/* Called at the last release, newest first. */
	assert_int_equal(dtor_calls(), 3);
	assert_int_equal(dtor.order[0], 3);
	assert_int_equal(dtor.order[1], 2);
	assert_int_equal(dtor.order[2], 1);
	assert_int_equal(dtor.api_err, CL_SUCCESS);

	/* A buffer goes only after its sub-buffers. */
	dtor_reset();
	m = buffer(0, 256, NULL);
	sub = clCreateSubBuffer(m, 0, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
	CHECK(err);
	CHECK(clSetMemObjectDestructorCallback(m, dtor_cb, (void *)10));
	CHECK(clSetMemObjectDestructorCallback(sub, dtor_cb, (void *)20));
	CHECK(clReleaseMemObject(m));
	assert_int_equal(dtor_calls(), 0);
	assert_int_equal(ref_count(sub), 1);
	CHECK(clReleaseMemObject(sub));
	assert_int_equal(dtor_calls(), 2);
	assert_int_equal(dtor.order[0], 20);
	assert_int_equal(dtor.order[1], 10);

	/* errors */
	m = buffer(0, 64, NULL);
	assert_int_equal(clSetMemObjectDestructorCallback(m, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clSetMemObjectDestructorCallback(
				 (cl_mem)(void *)E.context, dtor_cb, NULL),
			 CL_INVALID_MEM_OBJECT);
	CHECK(clReleaseMemObject(m));
}

/*
 * A released buffer stays alive while an enqueued kernel uses it, and its
 * destructor runs only after the kernel completed. The kernel spins on a
 * flag in plain host memory (fine-grain system SVM) until the host sets
 * it; the USE_HOST_PTR buffer shows the kernel's write without a read
 * (zero copy).
 */
static void test_release_while_in_use(void **state)
{
	cl_kernel k = kernel("wait_flag");
	volatile int *flag = calloc(1, sizeof(int));
	int *host = calloc(16, sizeof(int));
	size_t one = 1;
	cl_event ev;
	cl_int status = 0;
	cl_mem m;

	assert_non_null(flag);
	assert_non_null(host);
	dtor_reset();
	m = buffer(CL_MEM_USE_HOST_PTR, 16 * sizeof(int), host);
	CHECK(clSetMemObjectDestructorCallback(m, dtor_cb, (void *)5));
	CHECK(clSetKernelArgSVMPointer(k, 0, (void *)flag));
	CHECK(clSetKernelArg(k, 1, sizeof(m), &m));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &one, &one, 0, NULL,
				     &ev));
	CHECK(clReleaseMemObject(m));

	/* The kernel runs (clFlush starts it) and waits for the flag. */
	CHECK(clFlush(E.queue));
	for (int i = 0; i < 50; i++) {
		CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
				     sizeof(status), &status, NULL));
		if (status == CL_RUNNING)
			break;
		usleep(2000);
	}
	assert_int_equal(dtor_calls(), 0);
	assert_int_equal(host[0], 0);

	*flag = 1;
	CHECK(clWaitForEvents(1, &ev));
	CHECK(clFinish(E.queue));
	assert_int_equal(host[0], 42);		/* zero copy: no read needed */
	assert_int_equal(dtor_calls(), 1);	/* after the kernel, once */
	assert_int_equal(dtor.order[0], 5);

	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseKernel(k));
	free((void *)flag);
	free(host);
}

/* ---- sub-buffers ------------------------------------------------------ */

static cl_int sub_err(cl_mem parent, cl_mem_flags flags, size_t origin,
		      size_t size)
{
	cl_buffer_region r = { origin, size };
	cl_int err = CL_SUCCESS;
	cl_mem s = clCreateSubBuffer(parent, flags,
				     CL_BUFFER_CREATE_TYPE_REGION, &r, &err);

	if (s)
		CHECK(clReleaseMemObject(s));
	return err;
}

static void test_sub_buffer(void **state)
{
	size_t a = E.base_align, off = 0, size = 0;
	size_t n = 4 * a / sizeof(int);
	int *host = calloc(n, sizeof(int)), *out = calloc(n, sizeof(int));
	cl_buffer_region r = { a, 2 * a };
	cl_mem parent, sub, assoc = NULL;
	cl_mem_flags f = 0;
	void *hp = NULL;
	cl_int err;

	fill_seq(host, n, 0);
	parent = buffer(CL_MEM_USE_HOST_PTR | CL_MEM_READ_ONLY |
			CL_MEM_HOST_READ_ONLY, n * sizeof(int), host);
	sub = clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION, &r,
				&err);
	CHECK(err);
	assert_non_null(sub);

	/* Queries: inherited flags, host_ptr + origin, the parent. */
	CHECK(clGetMemObjectInfo(sub, CL_MEM_FLAGS, sizeof(f), &f, NULL));
	assert_int_equal(f, CL_MEM_USE_HOST_PTR | CL_MEM_READ_ONLY |
			    CL_MEM_HOST_READ_ONLY);
	CHECK(clGetMemObjectInfo(sub, CL_MEM_HOST_PTR, sizeof(hp), &hp, NULL));
	assert_ptr_equal(hp, (char *)host + a);
	CHECK(clGetMemObjectInfo(sub, CL_MEM_ASSOCIATED_MEMOBJECT,
				 sizeof(assoc), &assoc, NULL));
	assert_ptr_equal(assoc, parent);
	CHECK(clGetMemObjectInfo(sub, CL_MEM_OFFSET, sizeof(off), &off, NULL));
	assert_int_equal(off, a);
	CHECK(clGetMemObjectInfo(sub, CL_MEM_SIZE, sizeof(size), &size, NULL));
	assert_int_equal(size, 2 * a);
	assert_int_equal(ref_count(parent), 1);

	/* The sub-buffer is a window of the parent's storage. */
	CHECK(clEnqueueReadBuffer(E.queue, sub, CL_TRUE, 0, 2 * a, out, 0,
				  NULL, NULL));
	assert_int_equal(out[0], (int)(a / sizeof(int)));
	host[a / sizeof(int) + 1] = -5;
	CHECK(clEnqueueReadBuffer(E.queue, sub, CL_TRUE, sizeof(int),
				  sizeof(int), out, 0, NULL, NULL));
	assert_int_equal(out[0], -5);

	/* A sub-buffer of a sub-buffer */
	assert_int_equal(sub_err(sub, 0, 0, a), CL_INVALID_MEM_OBJECT);
	CHECK(clReleaseMemObject(sub));

	/* Region checks */
	assert_int_equal(sub_err(parent, 0, 1, a), CL_MISALIGNED_SUB_BUFFER_OFFSET);
	assert_int_equal(sub_err(parent, 0, a / 2, a),
			 CL_MISALIGNED_SUB_BUFFER_OFFSET);
	assert_int_equal(sub_err(parent, 0, a, 0), CL_INVALID_BUFFER_SIZE);
	assert_int_equal(sub_err(parent, 0, 0, 4 * a + 1), CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, 0, 4 * a, 1), CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, 0, SIZE_MAX - 7, 16),
			 CL_INVALID_VALUE);
	CHECK(sub_err(parent, 0, 3 * a, a));
	assert_null(clCreateSubBuffer(parent, 0, CL_BUFFER_CREATE_TYPE_REGION,
				      NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateSubBuffer(parent, 0, 0x5555, &r, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clCreateSubBuffer((cl_mem)(void *)E.context, 0,
				      CL_BUFFER_CREATE_TYPE_REGION, &r, &err));
	assert_int_equal(err, CL_INVALID_MEM_OBJECT);

	/* Flags against a READ_ONLY, HOST_READ_ONLY, USE_HOST_PTR parent */
	CHECK(sub_err(parent, CL_MEM_READ_ONLY, 0, a));
	assert_int_equal(sub_err(parent, CL_MEM_READ_WRITE, 0, a),
			 CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, CL_MEM_WRITE_ONLY, 0, a),
			 CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, CL_MEM_HOST_WRITE_ONLY, 0, a),
			 CL_INVALID_VALUE);
	CHECK(sub_err(parent, CL_MEM_HOST_NO_ACCESS, 0, a));
	assert_int_equal(sub_err(parent, CL_MEM_USE_HOST_PTR, 0, a),
			 CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, CL_MEM_ALLOC_HOST_PTR, 0, a),
			 CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, CL_MEM_COPY_HOST_PTR, 0, a),
			 CL_INVALID_VALUE);
	CHECK(clReleaseMemObject(parent));

	/* WRITE_ONLY / HOST_WRITE_ONLY / HOST_NO_ACCESS parents */
	parent = buffer(CL_MEM_WRITE_ONLY | CL_MEM_HOST_WRITE_ONLY, 4 * a,
			NULL);
	assert_int_equal(sub_err(parent, CL_MEM_READ_WRITE, 0, a),
			 CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, CL_MEM_READ_ONLY, 0, a),
			 CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, CL_MEM_HOST_READ_ONLY, 0, a),
			 CL_INVALID_VALUE);
	CHECK(sub_err(parent, CL_MEM_WRITE_ONLY, 0, a));
	CHECK(clReleaseMemObject(parent));
	parent = buffer(CL_MEM_HOST_NO_ACCESS, 4 * a, NULL);
	assert_int_equal(sub_err(parent, CL_MEM_HOST_READ_ONLY, 0, a),
			 CL_INVALID_VALUE);
	assert_int_equal(sub_err(parent, CL_MEM_HOST_WRITE_ONLY, 0, a),
			 CL_INVALID_VALUE);
	CHECK(clReleaseMemObject(parent));

	/* A READ_WRITE parent: the sub-buffer's own access flag wins. */
	parent = buffer(CL_MEM_READ_WRITE, 4 * a, NULL);
	sub = clCreateSubBuffer(parent, CL_MEM_READ_ONLY |
				CL_MEM_HOST_WRITE_ONLY,
				CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
	CHECK(err);
	CHECK(clGetMemObjectInfo(sub, CL_MEM_FLAGS, sizeof(f), &f, NULL));
	assert_int_equal(f, CL_MEM_READ_ONLY | CL_MEM_HOST_WRITE_ONLY);
	CHECK(clReleaseMemObject(sub));
	CHECK(clReleaseMemObject(parent));

	free(host);
	free(out);
}

static void test_uses_svm_pointer(void **state)
{
	size_t a = E.base_align;
	int *svm = clSVMAlloc(E.context, CL_MEM_READ_WRITE, 4 * a, 0);
	cl_buffer_region r = { a, a };
	cl_bool uses = CL_FALSE;
	int out[4];
	cl_mem m, sub;
	cl_int err;

	assert_non_null(svm);
	fill_seq(svm, 4 * a / sizeof(int), 1);

	m = buffer(CL_MEM_USE_HOST_PTR, 4 * a, svm);
	CHECK(clGetMemObjectInfo(m, CL_MEM_USES_SVM_POINTER, sizeof(uses),
				 &uses, NULL));
	assert_int_equal(uses, CL_TRUE);
	sub = clCreateSubBuffer(m, 0, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
	CHECK(err);
	uses = CL_FALSE;
	CHECK(clGetMemObjectInfo(sub, CL_MEM_USES_SVM_POINTER, sizeof(uses),
				 &uses, NULL));
	assert_int_equal(uses, CL_TRUE);
	CHECK(clEnqueueReadBuffer(E.queue, sub, CL_TRUE, 0, sizeof(out), out, 0,
				  NULL, NULL));
	assert_int_equal(out[0], (int)(a / sizeof(int)) + 1);
	CHECK(clReleaseMemObject(sub));
	CHECK(clReleaseMemObject(m));

	/* An interior pointer, up to the end of the allocation. */
	m = buffer(CL_MEM_USE_HOST_PTR, 2 * a, (char *)svm + 2 * a);
	CHECK(clGetMemObjectInfo(m, CL_MEM_USES_SVM_POINTER, sizeof(uses),
				 &uses, NULL));
	assert_int_equal(uses, CL_TRUE);
	CHECK(clReleaseMemObject(m));

	/* COPY_HOST_PTR from SVM: not backed by it. */
	m = buffer(CL_MEM_COPY_HOST_PTR, 4 * a, svm);
	CHECK(clGetMemObjectInfo(m, CL_MEM_USES_SVM_POINTER, sizeof(uses),
				 &uses, NULL));
	assert_int_equal(uses, CL_FALSE);
	CHECK(clReleaseMemObject(m));

	/* Larger than the SVM allocation */
	assert_int_equal(create_err(E.context, CL_MEM_USE_HOST_PTR, 4 * a + 1,
				    svm),
			 CL_INVALID_BUFFER_SIZE);
	assert_int_equal(create_err(E.context, CL_MEM_USE_HOST_PTR, 2 * a + 1,
				    (char *)svm + 2 * a),
			 CL_INVALID_BUFFER_SIZE);
	assert_int_equal(create_err(E.context, CL_MEM_COPY_HOST_PTR, 4 * a + 4,
				    svm),
			 CL_INVALID_BUFFER_SIZE);
	clSVMFree(E.context, svm);
}

/* ---- read, write, copy ------------------------------------------------ */

static void test_read_write_copy(void **state)
{
	int in[256], out[256];
	cl_mem a, b;
	cl_event ev, ev2;
	cl_command_type type = 0;

	fill_seq(in, 256, 1000);
	a = buffer(0, sizeof(in), NULL);
	b = buffer(0, sizeof(in), NULL);

	/* Non-blocking write, blocking read waiting on it */
	CHECK(clEnqueueWriteBuffer(E.queue, a, CL_FALSE, 0, sizeof(in), in, 0,
				   NULL, &ev));
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_WRITE_BUFFER);
	CHECK(clEnqueueCopyBuffer(E.queue, a, b, 16 * sizeof(int), 0,
				  100 * sizeof(int), 1, &ev, &ev2));
	CHECK(clGetEventInfo(ev2, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_COPY_BUFFER);
	memset(out, 0, sizeof(out));
	CHECK(clEnqueueReadBuffer(E.queue, b, CL_TRUE, 0, 100 * sizeof(int),
				  out, 1, &ev2, NULL));
	for (int i = 0; i < 100; i++)
		assert_int_equal(out[i], 1016 + i);
	CHECK(clReleaseEvent(ev));
	CHECK(clReleaseEvent(ev2));

	/* Non-blocking read completes by clFinish */
	memset(out, 0, sizeof(out));
	CHECK(clEnqueueReadBuffer(E.queue, a, CL_FALSE, 8, 8, out, 0, NULL,
				  &ev));
	CHECK(clFinish(E.queue));
	assert_int_equal(out[0], 1002);
	assert_int_equal(out[1], 1003);
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_READ_BUFFER);
	CHECK(clReleaseEvent(ev));

	/* Copy within one buffer, not overlapping: fine; size 0: fine */
	CHECK(clEnqueueCopyBuffer(E.queue, a, a, 0, 512, 512, 0, NULL, NULL));
	read_ints(a, 512, out, 1);
	assert_int_equal(out[0], 1000);
	CHECK(clEnqueueCopyBuffer(E.queue, a, a, 0, 0, 0, 0, NULL, NULL));
	CHECK(clFinish(E.queue));

	/* Out of range; NULL ptr */
	assert_int_equal(clEnqueueReadBuffer(E.queue, a, CL_TRUE, 1,
					     sizeof(in), out, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueWriteBuffer(E.queue, a, CL_TRUE, sizeof(in),
					      1, in, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBuffer(E.queue, a, CL_TRUE, 0, 4, NULL,
					     0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueWriteBuffer(E.queue, a, CL_FALSE, 0, 4, NULL,
					      0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBuffer(E.queue, a, CL_TRUE, SIZE_MAX, 2,
					     out, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueCopyBuffer(E.queue, a, b, 4, 0, sizeof(in),
					     0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueCopyBuffer(E.queue, a, b, 0, 4, sizeof(in),
					     0, NULL, NULL),
			 CL_INVALID_VALUE);

	/* Overlap */
	assert_int_equal(clEnqueueCopyBuffer(E.queue, a, a, 0, 4, 8, 0, NULL,
					     NULL),
			 CL_MEM_COPY_OVERLAP);
	assert_int_equal(clEnqueueCopyBuffer(E.queue, a, a, 0, 0, 8, 0, NULL,
					     NULL),
			 CL_MEM_COPY_OVERLAP);

	/* Handles, contexts, wait lists */
	assert_int_equal(clEnqueueReadBuffer((cl_command_queue)(void *)E.context,
					     a, CL_TRUE, 0, 4, out, 0, NULL,
					     NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueReadBuffer(E.queue, (cl_mem)(void *)E.context,
					     CL_TRUE, 0, 4, out, 0, NULL, NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clEnqueueWriteBuffer(E.other_queue, a, CL_TRUE, 0, 4,
					      in, 0, NULL, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueCopyBuffer(E.other_queue, a, b, 0, 0, 4, 0,
					     NULL, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueCopyBuffer(E.queue, a,
					     (cl_mem)(void *)E.queue, 0, 0, 4,
					     0, NULL, NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clEnqueueReadBuffer(E.queue, a, CL_TRUE, 0, 4, out, 1,
					     NULL, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	ev = NULL;
	assert_int_equal(clEnqueueWriteBuffer(E.queue, a, CL_TRUE, 0, 4, in, 0,
					      &ev, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	ev = (cl_event)(void *)E.context;
	assert_int_equal(clEnqueueCopyBuffer(E.queue, a, b, 0, 0, 4, 1, &ev,
					     NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	/* An event of another context */
	CHECK(clEnqueueReadBuffer(E.queue, a, CL_FALSE, 0, 4, out, 0, NULL,
				  &ev));
	{
		cl_mem o = clCreateBuffer(E.other, 0, 16, NULL, NULL);

		assert_non_null(o);
		assert_int_equal(clEnqueueReadBuffer(E.other_queue, o, CL_TRUE,
						     0, 4, out, 1, &ev, NULL),
				 CL_INVALID_CONTEXT);
		CHECK(clReleaseMemObject(o));
	}
	CHECK(clWaitForEvents(1, &ev));
	CHECK(clReleaseEvent(ev));

	CHECK(clReleaseMemObject(a));
	CHECK(clReleaseMemObject(b));
}

static void test_copy_sub_buffers(void **state)
{
	size_t al = E.base_align;
	cl_buffer_region r1 = { 0, 2 * al }, r2 = { al, 2 * al },
			 r3 = { 2 * al, 2 * al };
	cl_mem p = buffer(0, 4 * al, NULL), s1, s2, s3;
	unsigned char *in = malloc(4 * al), *out = malloc(4 * al);
	cl_int err;

	for (size_t i = 0; i < 4 * al; i++)
		in[i] = (unsigned char)(i * 7);
	CHECK(clEnqueueWriteBuffer(E.queue, p, CL_TRUE, 0, 4 * al, in, 0, NULL,
				   NULL));
	s1 = clCreateSubBuffer(p, 0, CL_BUFFER_CREATE_TYPE_REGION, &r1, &err);
	s2 = clCreateSubBuffer(p, 0, CL_BUFFER_CREATE_TYPE_REGION, &r2, &err);
	s3 = clCreateSubBuffer(p, 0, CL_BUFFER_CREATE_TYPE_REGION, &r3, &err);
	assert_non_null(s1);
	assert_non_null(s2);
	assert_non_null(s3);

	/* Different sub-buffers of one buffer that overlap */
	assert_int_equal(clEnqueueCopyBuffer(E.queue, s1, s2, 0, 0, al + 1, 0,
					     NULL, NULL),
			 CL_MEM_COPY_OVERLAP);
	assert_int_equal(clEnqueueCopyBuffer(E.queue, s2, p, al, 2 * al, al, 0,
					     NULL, NULL),
			 CL_MEM_COPY_OVERLAP);
	/* Disjoint parts of overlapping sub-buffers: fine */
	CHECK(clEnqueueCopyBuffer(E.queue, s1, s2, 0, al, al, 0, NULL, NULL));
	CHECK(clEnqueueCopyBuffer(E.queue, s1, s3, 0, 0, 2 * al, 0, NULL,
				  NULL));
	CHECK(clEnqueueReadBuffer(E.queue, p, CL_TRUE, 0, 4 * al, out, 0, NULL,
				  NULL));
	/* [2al, 4al) = old [0, 2al); s2's copy put old [0, al) at [2al, 3al) */
	for (size_t i = 0; i < 2 * al; i++)
		assert_int_equal(out[2 * al + i], in[i]);
	assert_memory_equal(out, in, 2 * al);

	CHECK(clReleaseMemObject(s1));
	CHECK(clReleaseMemObject(s2));
	CHECK(clReleaseMemObject(s3));
	CHECK(clReleaseMemObject(p));
	free(in);
	free(out);
}

static void test_host_access_flags(void **state)
{
	int v[4] = { 1, 2, 3, 4 }, out[4];
	size_t origin[3] = { 0, 0, 0 }, region[3] = { 4, 1, 1 };
	cl_mem wo = buffer(CL_MEM_HOST_WRITE_ONLY, sizeof(v), NULL);
	cl_mem ro = buffer(CL_MEM_HOST_READ_ONLY | CL_MEM_COPY_HOST_PTR,
			   sizeof(v), v);
	cl_mem na = buffer(CL_MEM_HOST_NO_ACCESS, sizeof(v), NULL);
	cl_int err;

	CHECK(clEnqueueWriteBuffer(E.queue, wo, CL_TRUE, 0, 4, v, 0, NULL,
				   NULL));
	assert_int_equal(clEnqueueReadBuffer(E.queue, wo, CL_TRUE, 0, 4, out,
					     0, NULL, NULL),
			 CL_INVALID_OPERATION);
	CHECK(clEnqueueReadBuffer(E.queue, ro, CL_TRUE, 0, 4, out, 0, NULL,
				  NULL));
	assert_int_equal(out[0], 1);
	assert_int_equal(clEnqueueWriteBuffer(E.queue, ro, CL_TRUE, 0, 4, v, 0,
					      NULL, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clEnqueueReadBuffer(E.queue, na, CL_TRUE, 0, 4, out,
					     0, NULL, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clEnqueueWriteBuffer(E.queue, na, CL_TRUE, 0, 4, v, 0,
					      NULL, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clEnqueueReadBufferRect(E.queue, wo, CL_TRUE, origin,
						 origin, region, 0, 0, 0, 0,
						 out, 0, NULL, NULL),
			 CL_INVALID_OPERATION);
	assert_int_equal(clEnqueueWriteBufferRect(E.queue, ro, CL_TRUE, origin,
						  origin, region, 0, 0, 0, 0,
						  v, 0, NULL, NULL),
			 CL_INVALID_OPERATION);
	/* Copies ignore host access flags. */
	CHECK(clEnqueueCopyBuffer(E.queue, ro, na, 0, 0, sizeof(v), 0, NULL,
				  NULL));
	/* Map */
	assert_null(clEnqueueMapBuffer(E.queue, wo, CL_TRUE, CL_MAP_READ, 0, 4,
				       0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clEnqueueMapBuffer(E.queue, ro, CL_TRUE, CL_MAP_WRITE, 0,
				       4, 0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clEnqueueMapBuffer(E.queue, ro, CL_TRUE,
				       CL_MAP_WRITE_INVALIDATE_REGION, 0, 4, 0,
				       NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clEnqueueMapBuffer(E.queue, na, CL_TRUE, CL_MAP_READ, 0, 4,
				       0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	CHECK(clFinish(E.queue));

	CHECK(clReleaseMemObject(wo));
	CHECK(clReleaseMemObject(ro));
	CHECK(clReleaseMemObject(na));
}

/* A blocking command whose wait list failed (a device fault). */
static void test_blocking_after_failed_event(void **state)
{
	cl_kernel k = kernel("poke");
	cl_mem m = buffer(0, 64, NULL);
	size_t one = 1;
	cl_event bad;
	int out[4];
	cl_int err;

	/* Page 0 has no CPU mapping: the kernel faults. */
	CHECK(clSetKernelArgSVMPointer(k, 0, (void *)(uintptr_t)16));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &one, NULL, 0, NULL,
				     &bad));
	assert_int_equal(clEnqueueReadBuffer(E.queue, m, CL_TRUE, 0, 4, out, 1,
					     &bad, NULL),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(clEnqueueWriteBufferRect(E.queue, m, CL_TRUE,
						  (size_t[3]){ 0, 0, 0 },
						  (size_t[3]){ 0, 0, 0 },
						  (size_t[3]){ 4, 1, 1 }, 0, 0,
						  0, 0, out, 1, &bad, NULL),
			 CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_null(clEnqueueMapBuffer(E.queue, m, CL_TRUE, CL_MAP_READ, 0, 4,
				       1, &bad, NULL, &err));
	assert_int_equal(err, CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST);
	assert_int_equal(map_count(m), 0);	/* the failed map is undone */
	clFinish(E.queue);			/* consume the queue's error */
	CHECK(clReleaseEvent(bad));
	CHECK(clReleaseMemObject(m));
	CHECK(clReleaseKernel(k));
}

/* ---- rectangles ------------------------------------------------------- */

/* Reference of a rectangle copy between two byte arrays. */
static void ref_rect(unsigned char *dst, const size_t dorg[3], size_t drow,
		     size_t dslice, const unsigned char *src,
		     const size_t sorg[3], size_t srow, size_t sslice,
		     const size_t region[3])
{
	for (size_t z = 0; z < region[2]; z++)
		for (size_t y = 0; y < region[1]; y++)
			memcpy(dst + (dorg[2] + z) * dslice +
			       (dorg[1] + y) * drow + dorg[0],
			       src + (sorg[2] + z) * sslice +
			       (sorg[1] + y) * srow + sorg[0],
			       region[0]);
}

static void test_rect(void **state)
{
	enum { W = 32, H = 16, D = 4, SIZE = W * H * D };
	unsigned char host[SIZE], expect[SIZE], out[SIZE];
	size_t borg[3] = { 3, 2, 1 }, horg[3] = { 1, 4, 0 };
	size_t region[3] = { 10, 5, 2 };
	size_t zero[3] = { 0, 0, 0 };
	cl_mem m = buffer(0, SIZE, NULL), m2 = buffer(0, SIZE, NULL);
	cl_event ev;
	cl_command_type type;

	for (size_t i = 0; i < SIZE; i++)
		host[i] = (unsigned char)(i * 13 + 5);
	memset(out, 0, sizeof(out));
	CHECK(clEnqueueWriteBuffer(E.queue, m, CL_TRUE, 0, SIZE, out, 0, NULL,
				   NULL));

	/* Write a 3D block with explicit pitches on both sides. */
	CHECK(clEnqueueWriteBufferRect(E.queue, m, CL_FALSE, borg, horg, region,
				       W, W * H, W, W * H, host, 0, NULL, &ev));
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_WRITE_BUFFER_RECT);
	CHECK(clWaitForEvents(1, &ev));
	CHECK(clReleaseEvent(ev));
	memset(expect, 0, sizeof(expect));
	ref_rect(expect, borg, W, W * H, host, horg, W, W * H, region);
	CHECK(clEnqueueReadBuffer(E.queue, m, CL_TRUE, 0, SIZE, out, 0, NULL,
				  NULL));
	assert_memory_equal(out, expect, SIZE);

	/* Read it back with default host pitches (packed rows). */
	memset(out, 0, sizeof(out));
	CHECK(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, borg, zero, region,
				      W, W * H, 0, 0, out, 0, NULL, NULL));
	memset(expect, 0, sizeof(expect));
	ref_rect(expect, zero, region[0], region[0] * region[1], host, horg, W,
		 W * H, region);
	assert_memory_equal(out, expect, region[0] * region[1] * region[2]);

	/* Copy a rectangle to another buffer with other pitches. */
	{
		size_t sorg[3] = { 3, 2, 1 }, dorg[3] = { 0, 1, 0 };
		unsigned char full[SIZE];

		CHECK(clEnqueueWriteBuffer(E.queue, m2, CL_TRUE, 0, SIZE,
					   memset(out, 0, SIZE), 0, NULL,
					   NULL));
		CHECK(clEnqueueReadBuffer(E.queue, m, CL_TRUE, 0, SIZE, full, 0,
					  NULL, NULL));
		CHECK(clEnqueueCopyBufferRect(E.queue, m, m2, sorg, dorg,
					      region, W, W * H, 16, 16 * 8, 0,
					      NULL, &ev));
		CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type),
				     &type, NULL));
		assert_int_equal(type, CL_COMMAND_COPY_BUFFER_RECT);
		CHECK(clReleaseEvent(ev));
		memset(expect, 0, sizeof(expect));
		ref_rect(expect, dorg, 16, 16 * 8, full, sorg, W, W * H,
			 region);
		CHECK(clEnqueueReadBuffer(E.queue, m2, CL_TRUE, 0, SIZE, out,
					  0, NULL, NULL));
		assert_memory_equal(out, expect, SIZE);
	}

	/* Same buffer: side by side rectangles do not overlap... */
	{
		size_t a[3] = { 0, 0, 0 }, b[3] = { 16, 0, 0 };
		size_t reg[3] = { 16, H, 1 }, c[3] = { 8, 0, 0 };
		size_t d[3] = { 0, 4, 0 };

		CHECK(clEnqueueCopyBufferRect(E.queue, m, m, a, b, reg, W, 0, W,
					      0, 0, NULL, NULL));
		/* ...shifted by half a row they do. */
		assert_int_equal(clEnqueueCopyBufferRect(E.queue, m, m, a, c,
							 reg, W, 0, W, 0, 0,
							 NULL, NULL),
				 CL_MEM_COPY_OVERLAP);
		assert_int_equal(clEnqueueCopyBufferRect(E.queue, m, m, a, d,
							 reg, W, 0, W, 0, 0,
							 NULL, NULL),
				 CL_MEM_COPY_OVERLAP);
		/* same buffer, different pitches */
		assert_int_equal(clEnqueueCopyBufferRect(E.queue, m, m, a, b,
							 (size_t[3]){ 4, 2, 1 },
							 W, 0, 2 * W, 0, 0,
							 NULL, NULL),
				 CL_INVALID_VALUE);
	}
	CHECK(clFinish(E.queue));

	/* Errors of the Rect forms */
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, NULL,
						 zero, region, 0, 0, 0, 0, out,
						 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, zero,
						 NULL, region, 0, 0, 0, 0, out,
						 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, zero,
						 zero, NULL, 0, 0, 0, 0, out,
						 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, zero,
						 zero, (size_t[3]){ 4, 0, 1 },
						 0, 0, 0, 0, out, 0, NULL,
						 NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, zero,
						 zero, region, 0, 0, 0, 0,
						 NULL, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	/* buffer_row_pitch < region[0] */
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, zero,
						 zero, region, 9, 0, 0, 0, out,
						 0, NULL, NULL),
			 CL_INVALID_VALUE);
	/* buffer_slice_pitch < region[1] * row, and not a multiple */
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, zero,
						 zero, region, W, W * 4, 0, 0,
						 out, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE, zero,
						 zero, region, W, W * 5 + 1, 0,
						 0, out, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	/* host pitches */
	assert_int_equal(clEnqueueWriteBufferRect(E.queue, m, CL_TRUE, zero,
						  zero, region, 0, 0, 9, 0,
						  host, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueWriteBufferRect(E.queue, m, CL_TRUE, zero,
						  zero, region, 0, 0, W, W * 4,
						  host, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueWriteBufferRect(E.queue, m, CL_TRUE, zero,
						  zero, region, 0, 0, W,
						  W * 5 + 3, host, 0, NULL,
						  NULL),
			 CL_INVALID_VALUE);
	/* out of bounds */
	assert_int_equal(clEnqueueWriteBufferRect(E.queue, m, CL_TRUE,
						  (size_t[3]){ 0, 0, D },
						  zero, region, W, W * H, 0, 0,
						  host, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueReadBufferRect(E.queue, m, CL_TRUE,
						 (size_t[3]){ SIZE_MAX, 0, 0 },
						 zero, region, 0, 0, 0, 0, out,
						 0, NULL, NULL),
			 CL_INVALID_VALUE);
	/* copy rect */
	assert_int_equal(clEnqueueCopyBufferRect(E.queue, m, m2, NULL, zero,
						 region, 0, 0, 0, 0, 0, NULL,
						 NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueCopyBufferRect(E.queue, m, m2, zero, zero,
						 (size_t[3]){ 0, 1, 1 }, 0, 0,
						 0, 0, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueCopyBufferRect(E.queue, m, m2, zero, zero,
						 region, 0, 0, 4, 0, 0, NULL,
						 NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueCopyBufferRect(E.queue, m, m2, zero,
						 (size_t[3]){ 0, 0, 100 },
						 region, 0, 0, 0, 0, 0, NULL,
						 NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueCopyBufferRect(E.other_queue, m, m2, zero,
						 zero, region, 0, 0, 0, 0, 0,
						 NULL, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueCopyBufferRect(E.queue, m,
						 (cl_mem)(void *)E.context,
						 zero, zero, region, 0, 0, 0, 0,
						 0, NULL, NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clEnqueueReadBufferRect(
				 (cl_command_queue)(void *)E.context, m,
				 CL_TRUE, zero, zero, region, 0, 0, 0, 0, out,
				 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueWriteBufferRect(E.queue, m, CL_TRUE, zero,
						  zero, region, 0, 0, 0, 0,
						  host, 1, NULL, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);

	CHECK(clReleaseMemObject(m));
	CHECK(clReleaseMemObject(m2));
}

/* ---- fill ------------------------------------------------------------- */

static void test_fill(void **state)
{
	enum { SIZE = 1024 };
	unsigned char pattern[128], out[SIZE];
	cl_mem m = buffer(0, SIZE, NULL);
	cl_command_type type;
	cl_event ev;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(0x80 + i);
	for (size_t ps = 1; ps <= 128; ps *= 2) {
		size_t off = 2 * ps, size = SIZE - 4 * ps;

		memset(out, 0xee, sizeof(out));
		CHECK(clEnqueueWriteBuffer(E.queue, m, CL_TRUE, 0, SIZE, out, 0,
					   NULL, NULL));
		CHECK(clEnqueueFillBuffer(E.queue, m, pattern, ps, off, size, 0,
					  NULL, NULL));
		CHECK(clEnqueueReadBuffer(E.queue, m, CL_TRUE, 0, SIZE, out, 0,
					  NULL, NULL));
		for (size_t i = 0; i < SIZE; i++) {
			unsigned char want = i >= off && i < off + size ?
					     pattern[(i - off) % ps] : 0xee;

			if (out[i] != want)
				fail_msg("pattern %zu: byte %zu is %#x, not %#x",
					 ps, i, out[i], want);
		}
	}
	CHECK(clEnqueueFillBuffer(E.queue, m, pattern, 4, 0, 0, 0, NULL, &ev));
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_FILL_BUFFER);
	CHECK(clWaitForEvents(1, &ev));
	CHECK(clReleaseEvent(ev));

	/* Errors */
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, NULL, 4, 0, 16, 0,
					     NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, pattern, 0, 0, 16, 0,
					     NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, pattern, 3, 0, 12, 0,
					     NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, pattern, 256, 0, 256,
					     0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, pattern, 4, 2, 16, 0,
					     NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, pattern, 4, 0, 18, 0,
					     NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, pattern, 4, SIZE - 4,
					     8, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueFillBuffer(E.other_queue, m, pattern, 4, 0,
					     8, 0, NULL, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueFillBuffer(E.queue, (cl_mem)(void *)E.queue,
					     pattern, 4, 0, 8, 0, NULL, NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clEnqueueFillBuffer((cl_command_queue)(void *)E.context,
					     m, pattern, 4, 0, 8, 0, NULL,
					     NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueFillBuffer(E.queue, m, pattern, 4, 0, 8, 0,
					     &ev, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	CHECK(clReleaseMemObject(m));
}

/* ---- map and unmap ---------------------------------------------------- */

static void test_map_unmap(void **state)
{
	int host[64], out[64], *p, *q;
	cl_mem m = buffer(CL_MEM_USE_HOST_PTR, sizeof(host), host), b;
	cl_command_type type;
	cl_event ev;
	cl_int err;

	fill_seq(host, 64, 0);

	/* USE_HOST_PTR: host_ptr + offset, zero copy. */
	p = clEnqueueMapBuffer(E.queue, m, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE,
			       8 * sizeof(int), 16 * sizeof(int), 0, NULL,
			       &ev, &err);
	CHECK(err);
	assert_ptr_equal(p, host + 8);
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_MAP_BUFFER);
	CHECK(clReleaseEvent(ev));
	assert_int_equal(map_count(m), 1);
	p[0] = -8;
	CHECK(clEnqueueUnmapMemObject(E.queue, m, p, 0, NULL, &ev));
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_UNMAP_MEM_OBJECT);
	CHECK(clWaitForEvents(1, &ev));
	CHECK(clReleaseEvent(ev));
	assert_int_equal(map_count(m), 0);
	read_ints(m, 8 * sizeof(int), out, 1);
	assert_int_equal(out[0], -8);
	/* Unmap of a pointer not mapped (any more) */
	assert_int_equal(clEnqueueUnmapMemObject(E.queue, m, p, 0, NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueUnmapMemObject(E.queue, m, host + 1, 0, NULL,
						 NULL),
			 CL_INVALID_VALUE);
	CHECK(clReleaseMemObject(m));

	/* A buffer of svmcl's own: reads see writes, maps nest. */
	b = buffer(0, sizeof(host), NULL);
	CHECK(clEnqueueWriteBuffer(E.queue, b, CL_TRUE, 0, sizeof(host), host,
				   0, NULL, NULL));
	p = clEnqueueMapBuffer(E.queue, b, CL_FALSE, CL_MAP_READ, 0,
			       sizeof(host), 0, NULL, &ev, &err);
	CHECK(err);
	q = clEnqueueMapBuffer(E.queue, b, CL_TRUE, CL_MAP_READ, 4 * sizeof(int),
			       4, 1, &ev, NULL, &err);
	CHECK(err);
	assert_ptr_equal(q, p + 4);		/* the buffer itself */
	assert_int_equal(map_count(b), 2);
	assert_int_equal(p[10], 10);
	/* Overlapping a read mapping for writing */
	assert_null(clEnqueueMapBuffer(E.queue, b, CL_TRUE, CL_MAP_WRITE, 0, 4,
				       0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	CHECK(clEnqueueUnmapMemObject(E.queue, b, q, 0, NULL, NULL));
	CHECK(clEnqueueUnmapMemObject(E.queue, b, p, 0, NULL, NULL));
	CHECK(clReleaseEvent(ev));
	assert_int_equal(map_count(b), 0);

	/* WRITE_INVALIDATE_REGION: the host writes, the buffer sees it. */
	p = clEnqueueMapBuffer(E.queue, b, CL_TRUE,
			       CL_MAP_WRITE_INVALIDATE_REGION, 0, 16, 0, NULL,
			       NULL, &err);
	CHECK(err);
	p[0] = 77;
	p[3] = 78;
	/* a second write mapping of the same bytes */
	assert_null(clEnqueueMapBuffer(E.queue, b, CL_TRUE, CL_MAP_WRITE, 8, 4,
				       0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	CHECK(clEnqueueUnmapMemObject(E.queue, b, p, 0, NULL, NULL));
	read_ints(b, 0, out, 4);
	assert_int_equal(out[0], 77);
	assert_int_equal(out[3], 78);

	/* Errors */
	assert_null(clEnqueueMapBuffer(E.queue, b, CL_TRUE, CL_MAP_READ, 0, 0,
				       0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clEnqueueMapBuffer(E.queue, b, CL_TRUE, CL_MAP_READ, 4,
				       sizeof(host), 0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clEnqueueMapBuffer(E.queue, b, CL_TRUE, 1 << 7, 0, 4, 0,
				       NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clEnqueueMapBuffer(E.queue, b, CL_TRUE,
				       CL_MAP_READ |
				       CL_MAP_WRITE_INVALIDATE_REGION, 0, 4, 0,
				       NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_VALUE);
	assert_null(clEnqueueMapBuffer(E.other_queue, b, CL_TRUE, CL_MAP_READ,
				       0, 4, 0, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clEnqueueMapBuffer(E.queue, (cl_mem)(void *)E.context,
				       CL_TRUE, CL_MAP_READ, 0, 4, 0, NULL,
				       NULL, &err));
	assert_int_equal(err, CL_INVALID_MEM_OBJECT);
	assert_null(clEnqueueMapBuffer((cl_command_queue)(void *)E.context, b,
				       CL_TRUE, CL_MAP_READ, 0, 4, 0, NULL,
				       NULL, &err));
	assert_int_equal(err, CL_INVALID_COMMAND_QUEUE);
	assert_null(clEnqueueMapBuffer(E.queue, b, CL_TRUE, CL_MAP_READ, 0, 4,
				       1, NULL, NULL, &err));
	assert_int_equal(err, CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(map_count(b), 0);

	p = clEnqueueMapBuffer(E.queue, b, CL_TRUE, CL_MAP_READ, 0, 4, 0, NULL,
			       NULL, &err);
	CHECK(err);
	assert_int_equal(clEnqueueUnmapMemObject(E.other_queue, b, p, 0, NULL,
						 NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueUnmapMemObject(E.queue,
						 (cl_mem)(void *)E.context, p,
						 0, NULL, NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clEnqueueUnmapMemObject(
				 (cl_command_queue)(void *)E.context, b, p, 0,
				 NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueUnmapMemObject(E.queue, b, p, 1, NULL, NULL),
			 CL_INVALID_EVENT_WAIT_LIST);
	assert_int_equal(map_count(b), 1);
	CHECK(clEnqueueUnmapMemObject(E.queue, b, p, 0, NULL, NULL));
	CHECK(clFinish(E.queue));
	CHECK(clReleaseMemObject(b));
}

/* ---- migration -------------------------------------------------------- */

static void test_migrate(void **state)
{
	enum { N = 4096 };
	/* Whole pages: only pages wholly inside a USE_HOST_PTR buffer move. */
	int *host = aligned_alloc(4096, N * sizeof(int));
	int *out = malloc(N * sizeof(int));
	cl_kernel k = kernel("add_one");
	size_t global = N;
	cl_mem m[2];
	cl_event ev;
	cl_command_type type;

	fill_seq(host, N, 0);
	m[0] = buffer(CL_MEM_COPY_HOST_PTR, N * sizeof(int), host);
	m[1] = buffer(CL_MEM_USE_HOST_PTR, N * sizeof(int), host);

	/* To the device, run, back to the host: the data survive. */
	CHECK(clEnqueueMigrateMemObjects(E.queue, 2, m, 0, 0, NULL, &ev));
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(type), &type,
			     NULL));
	assert_int_equal(type, CL_COMMAND_MIGRATE_MEM_OBJECTS);
	CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &m[0]));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global, NULL, 1,
				     &ev, NULL));
	CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &m[1]));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global, NULL, 0,
				     NULL, NULL));
	CHECK(clReleaseEvent(ev));
	CHECK(clEnqueueMigrateMemObjects(E.queue, 2, m,
					 CL_MIGRATE_MEM_OBJECT_HOST, 0, NULL,
					 NULL));
	CHECK(clFinish(E.queue));
	read_ints(m[0], 0, out, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(out[i], i + 1);
	for (int i = 0; i < N; i++)
		assert_int_equal(host[i], i + 1);	/* USE_HOST_PTR */
	/* The CPU reading a page left on the device brings it back. */
	CHECK(clEnqueueMigrateMemObjects(E.queue, 1, &m[1], 0, 0, NULL, NULL));
	CHECK(clFinish(E.queue));
	assert_int_equal(host[N - 1], N);
	CHECK(clEnqueueMigrateMemObjects(E.queue, 1, &m[0],
					 CL_MIGRATE_MEM_OBJECT_CONTENT_UNDEFINED,
					 0, NULL, NULL));
	CHECK(clFinish(E.queue));

	/* Errors */
	assert_int_equal(clEnqueueMigrateMemObjects(E.queue, 0, m, 0, 0, NULL,
						    NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueMigrateMemObjects(E.queue, 1, NULL, 0, 0,
						    NULL, NULL),
			 CL_INVALID_VALUE);
	assert_int_equal(clEnqueueMigrateMemObjects(E.queue, 1, m, 1 << 5, 0,
						    NULL, NULL),
			 CL_INVALID_VALUE);
	{
		cl_mem bad[2] = { m[0], (cl_mem)(void *)E.context };

		assert_int_equal(clEnqueueMigrateMemObjects(E.queue, 2, bad, 0,
							    0, NULL, NULL),
				 CL_INVALID_MEM_OBJECT);
	}
	assert_int_equal(clEnqueueMigrateMemObjects(E.other_queue, 1, m, 0, 0,
						    NULL, NULL),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clEnqueueMigrateMemObjects(
				 (cl_command_queue)(void *)E.context, 1, m, 0,
				 0, NULL, NULL),
			 CL_INVALID_COMMAND_QUEUE);
	assert_int_equal(clEnqueueMigrateMemObjects(E.queue, 1, m, 0, 1, NULL,
						    NULL),
			 CL_INVALID_EVENT_WAIT_LIST);

	CHECK(clReleaseMemObject(m[0]));
	CHECK(clReleaseMemObject(m[1]));
	CHECK(clReleaseKernel(k));
	free(host);
	free(out);
}

/* ---- kernel arguments ------------------------------------------------- */

static void test_kernel_buffer_args(void **state)
{
	enum { N = 1024 };
	int in[N], out[N], *user = calloc(N, sizeof(int));
	cl_kernel k = kernel("scale"), kn = kernel("is_null");
	size_t global = N, half = N / 2, one = 1;
	size_t a = E.base_align;
	cl_buffer_region r = { N * sizeof(int) / 2, N * sizeof(int) / 2 };
	cl_mem bin, bout, zc, sub, null_mem = NULL;
	int factor = 3;
	cl_int err;

	assert_true(r.origin % a == 0);
	fill_seq(in, N, -100);
	bin = buffer(CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sizeof(in), in);
	bout = buffer(CL_MEM_WRITE_ONLY, sizeof(out), NULL);

	/* write a buffer, transform it, read it back */
	CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &bout));
	CHECK(clSetKernelArg(k, 1, sizeof(cl_mem), &bin));
	CHECK(clSetKernelArg(k, 2, sizeof(factor), &factor));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global, NULL, 0,
				     NULL, NULL));
	read_ints(bout, 0, out, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(out[i], (i - 100) * 3);

	/* Zero copy: kernel writes land in the user's array, no read. */
	zc = buffer(CL_MEM_USE_HOST_PTR, N * sizeof(int), user);
	CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &zc));
	factor = -2;
	CHECK(clSetKernelArg(k, 2, sizeof(factor), &factor));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global, NULL, 0,
				     NULL, NULL));
	CHECK(clFinish(E.queue));
	for (int i = 0; i < N; i++)
		assert_int_equal(user[i], (i - 100) * -2);

	/* A sub-buffer argument starts at its origin. */
	sub = clCreateSubBuffer(zc, 0, CL_BUFFER_CREATE_TYPE_REGION, &r, &err);
	CHECK(err);
	CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &sub));
	factor = 1;
	CHECK(clSetKernelArg(k, 2, sizeof(factor), &factor));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &half, NULL, 0, NULL,
				     NULL));
	CHECK(clFinish(E.queue));
	assert_int_equal(user[0], -100 * -2);		/* untouched */
	assert_int_equal(user[N / 2], -100);		/* in[0] * 1 */
	assert_int_equal(user[N - 1], N / 2 - 1 - 100);

	/* Releasing a buffer right after the enqueue is safe. */
	CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &bout));
	CHECK(clRetainMemObject(bin));
	CHECK(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global, NULL, 0,
				     NULL, NULL));
	CHECK(clReleaseMemObject(bin));
	CHECK(clFinish(E.queue));
	read_ints(bout, 0, out, 2);
	assert_int_equal(out[1], -99);

	/* NULL cl_mem (and NULL arg_value) pass a NULL pointer. */
	CHECK(clSetKernelArg(kn, 0, sizeof(cl_mem), &null_mem));
	CHECK(clSetKernelArg(kn, 1, sizeof(cl_mem), &bout));
	CHECK(clEnqueueNDRangeKernel(E.queue, kn, 1, NULL, &one, NULL, 0, NULL,
				     NULL));
	read_ints(bout, 0, out, 1);
	assert_int_equal(out[0], 1);
	CHECK(clSetKernelArg(kn, 0, sizeof(cl_mem), &bin));
	CHECK(clEnqueueNDRangeKernel(E.queue, kn, 1, NULL, &one, NULL, 0, NULL,
				     NULL));
	read_ints(bout, 0, out, 1);
	assert_int_equal(out[0], 0);
	CHECK(clSetKernelArg(kn, 0, sizeof(cl_mem), NULL));
	CHECK(clEnqueueNDRangeKernel(E.queue, kn, 1, NULL, &one, NULL, 0, NULL,
				     NULL));
	read_ints(bout, 0, out, 1);
	assert_int_equal(out[0], 1);

	/* Errors: not a memory object, another context's buffer, size */
	{
		cl_mem not_a_mem = (cl_mem)(void *)E.context;
		cl_mem foreign = clCreateBuffer(E.other, 0, 64, NULL, NULL);

		assert_non_null(foreign);
		assert_int_equal(clSetKernelArg(k, 0, sizeof(cl_mem),
						&not_a_mem),
				 CL_INVALID_MEM_OBJECT);
		assert_int_equal(clSetKernelArg(k, 0, sizeof(cl_mem),
						&foreign),
				 CL_INVALID_MEM_OBJECT);
		assert_int_equal(clSetKernelArg(k, 0, 4, &bout),
				 CL_INVALID_ARG_SIZE);
		CHECK(clReleaseMemObject(foreign));
	}

	CHECK(clReleaseMemObject(sub));
	CHECK(clReleaseMemObject(zc));
	CHECK(clReleaseMemObject(bin));
	CHECK(clReleaseMemObject(bout));
	CHECK(clReleaseKernel(k));
	CHECK(clReleaseKernel(kn));
	free(user);
}

/* ---- images, samplers, pipes: not supported --------------------------- */

static void test_no_images_no_pipes(void **state)
{
	cl_context not_a_context = (cl_context)(void *)E.queue;
	cl_image_format fmt = { CL_RGBA, CL_UNORM_INT8 };
	cl_image_desc desc = { .image_type = CL_MEM_OBJECT_IMAGE2D,
			       .image_width = 4, .image_height = 4 };
	const cl_sampler_properties sprops[] = { 0 };
	cl_image_format formats[4];
	cl_mem m = buffer(0, 64, NULL);
	cl_bool images = CL_TRUE;
	cl_uint n = 99;
	size_t size;
	cl_int err;

	CHECK(clGetDeviceInfo(E.device, CL_DEVICE_IMAGE_SUPPORT,
			      sizeof(images), &images, NULL));
	assert_int_equal(images, CL_FALSE);

	CHECK(clGetSupportedImageFormats(E.context, CL_MEM_READ_WRITE,
					 CL_MEM_OBJECT_IMAGE2D, 4, formats,
					 &n));
	assert_int_equal(n, 0);
	n = 99;
	CHECK(clGetSupportedImageFormats(E.context,
					 CL_MEM_KERNEL_READ_AND_WRITE,
					 CL_MEM_OBJECT_IMAGE1D_BUFFER, 0, NULL,
					 &n));
	assert_int_equal(n, 0);
	assert_int_equal(clGetSupportedImageFormats(not_a_context, 0,
						    CL_MEM_OBJECT_IMAGE2D, 0,
						    NULL, &n),
			 CL_INVALID_CONTEXT);
	assert_int_equal(clGetSupportedImageFormats(E.context, 0,
						    CL_MEM_OBJECT_BUFFER, 0,
						    NULL, &n),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetSupportedImageFormats(E.context, 1ull << 40,
						    CL_MEM_OBJECT_IMAGE2D, 0,
						    NULL, &n),
			 CL_INVALID_VALUE);
	assert_int_equal(clGetSupportedImageFormats(E.context, 0,
						    CL_MEM_OBJECT_IMAGE2D, 0,
						    formats, &n),
			 CL_INVALID_VALUE);

	assert_null(clCreateImage(E.context, 0, &fmt, &desc, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clCreateImage(not_a_context, 0, &fmt, &desc, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreateImageWithProperties(E.context, NULL, 0, &fmt,
						&desc, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clCreateSamplerWithProperties(E.context, sprops, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clCreateSamplerWithProperties(not_a_context, sprops, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	assert_null(clCreatePipe(E.context, 0, 4, 4, NULL, &err));
	assert_int_equal(err, CL_INVALID_OPERATION);
	assert_null(clCreatePipe(not_a_context, 0, 4, 4, NULL, &err));
	assert_int_equal(err, CL_INVALID_CONTEXT);
	/* A buffer is neither an image nor a pipe. */
	assert_int_equal(clGetPipeInfo(m, CL_PIPE_PACKET_SIZE, sizeof(n), &n,
				       NULL),
			 CL_INVALID_MEM_OBJECT);
	assert_int_equal(clGetImageInfo(m, CL_IMAGE_WIDTH, sizeof(size), &size,
					NULL),
			 CL_INVALID_MEM_OBJECT);
	CHECK(clReleaseMemObject(m));
}

int main(void)
{
	const struct CMUnitTest create[] = {
		cmocka_unit_test(test_create_host_ptr_flags),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_create_with_properties),
		cmocka_unit_test(test_mem_info),
		cmocka_unit_test(test_retain_release),
		cmocka_unit_test(test_destructor_callbacks),
		cmocka_unit_test(test_release_while_in_use),
		cmocka_unit_test(test_sub_buffer),
		cmocka_unit_test(test_uses_svm_pointer),
	};
	const struct CMUnitTest commands[] = {
		cmocka_unit_test(test_read_write_copy),
		cmocka_unit_test(test_copy_sub_buffers),
		cmocka_unit_test(test_host_access_flags),
		cmocka_unit_test(test_blocking_after_failed_event),
		cmocka_unit_test(test_rect),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_map_unmap),
		cmocka_unit_test(test_migrate),
		cmocka_unit_test(test_kernel_buffer_args),
		cmocka_unit_test(test_no_images_no_pipes),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("buffer objects", create,
					      env_setup, env_teardown);
	failed += cmocka_run_group_tests_name("buffer commands", commands,
					      env_setup, env_teardown);
	return failed ? 1 : 0;
}
