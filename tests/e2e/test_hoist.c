/* SPDX-License-Identifier: MIT */
/*
 * Strip-mined kernels (runtime/compiler/clc_hoist.cpp: one probe per page
 * for affine accesses) through the real ICD loader, checked element by
 * element against the host: unaligned bases, negative and odd strides,
 * accesses that cross pages, trip counts 0, 1 and odd (work-item loops
 * and loops inside the kernel), affine and pointer-chasing accesses in
 * one kernel, pages resident in device memory (a nonzero addend), a fault
 * in the middle of a chunk (reported, the process survives), and kernels
 * that run while another thread migrates their pages to the device and
 * back (every migration invalidates and shoots down the range).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#define PAGE 4096u

static const char *source =
	"kernel void copy_f(global const float *a, global float *c)\n"
	"{ size_t i = get_global_id(0); c[i] = a[i] * 2.0f + 1.0f; }\n"
	/* negative stride: reads run down through the pages */
	"kernel void reverse(global const int *a, global int *c, uint n)\n"
	"{ size_t i = get_global_id(0); c[i] = a[n - 1 - i]; }\n"
	/* odd byte stride, odd base */
	"kernel void stride_bytes(global const uchar *a, global uchar *c,\n"
	"			  uint stride)\n"
	"{ size_t i = get_global_id(0); c[i] = a[i * stride] + 1; }\n"
	/* 16-byte accesses at a 4-byte aligned base: some cross a page */
	"typedef float4 float4_a4 __attribute__((aligned(4)));\n"
	"kernel void cross(global const float4_a4 *a, global float4_a4 *c)\n"
	"{ size_t i = get_global_id(0); c[i] = a[i] + 1.0f; }\n"
	/* a loop in the kernel, trip count m (0, 1, odd) */
	"kernel void rows(global const int *a, global int *c, int m)\n"
	"{ size_t r = get_global_id(0);\n"
	"  for (int j = 0; j < m; j++) c[r * m + j] = a[r * m + j] * 3 + j; }\n"
	/* the same loop backwards, stride -12 bytes */
	"kernel void rows_down(global const int *a, global int *c, int m)\n"
	"{ size_t r = get_global_id(0);\n"
	"  for (int j = m - 1; j >= 0; j--) c[3 * j] = a[3 * j] - (int)r; }\n"
	/* affine next to pointer chasing */
	"typedef struct node { global struct node *next; int v; } node;\n"
	"kernel void chase(global node *head, global const int *a,\n"
	"		   global int *c, int hops)\n"
	"{ size_t i = get_global_id(0); global node *p = head; int s = 0;\n"
	"  for (int h = 0; h < hops; h++) { s += p->v; p = p->next; }\n"
	"  c[i] = a[i] + s; }\n"
	"kernel void chase_inner(global const int *idx, global const int *a,\n"
	"			 global int *c)\n"
	"{ size_t i = get_global_id(0); c[i] = a[idx[i]] + a[i]; }\n";

static struct {
	cl_platform_id platform;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue queue;
	cl_program prog;
} E;

static int setup(void **state)
{
	cl_uint n = 0;
	cl_int err;

	(void)state;
	if (clGetPlatformIDs(1, &E.platform, &n) || !n)
		return -1;
	if (clGetDeviceIDs(E.platform, CL_DEVICE_TYPE_GPU, 1, &E.dev, NULL))
		return -1;
	E.ctx = clCreateContext(NULL, 1, &E.dev, NULL, NULL, &err);
	if (err)
		return -1;
	E.queue = clCreateCommandQueueWithProperties(E.ctx, E.dev, NULL, &err);
	if (err)
		return -1;
	E.prog = clCreateProgramWithSource(E.ctx, 1, &source, NULL, &err);
	if (err || clBuildProgram(E.prog, 1, &E.dev, "", NULL, NULL)) {
		char log[8192] = "";

		clGetProgramBuildInfo(E.prog, E.dev, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fprintf(stderr, "build failed:\n%s\n", log);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	clReleaseProgram(E.prog);
	clReleaseCommandQueue(E.queue);
	clReleaseContext(E.ctx);
	return 0;
}

static void *svm(size_t bytes)
{
	void *p = clSVMAlloc(E.ctx, CL_MEM_READ_WRITE |
			     CL_MEM_SVM_FINE_GRAIN_BUFFER, bytes, 0);

	assert_non_null(p);
	return p;
}

static cl_kernel kernel(const char *name)
{
	cl_int err;
	cl_kernel k = clCreateKernel(E.prog, name, &err);

	assert_int_equal(err, CL_SUCCESS);
	return k;
}

static void arg_ptr(cl_kernel k, cl_uint i, const void *p)
{
	assert_int_equal(clSetKernelArgSVMPointer(k, i, p), CL_SUCCESS);
}

static void arg_int(cl_kernel k, cl_uint i, int v)
{
	assert_int_equal(clSetKernelArg(k, i, sizeof(v), &v), CL_SUCCESS);
}

static cl_int run(cl_kernel k, size_t global, size_t local)
{
	cl_int err = clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
					    local ? &local : NULL, 0, NULL,
					    NULL);

	if (err)
		return err;
	return clFinish(E.queue);
}

/* Bases at odd offsets into their pages; work-item counts 1, odd, large. */
static void test_unaligned_bases_and_counts(void **state)
{
	static const size_t counts[] = { 1, 3, 1023, 1025, 4097, 65537 };
	static const size_t offs[] = { 0, 1, 100, 1021 };	/* floats */
	size_t cap = 65537 + 2048;
	float *a = svm(cap * sizeof(float)), *c = svm(cap * sizeof(float));
	cl_kernel k = kernel("copy_f");

	(void)state;
	for (size_t i = 0; i < cap; i++)
		a[i] = (float)i;
	for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
		for (size_t t = 0; t < sizeof(counts) / sizeof(counts[0]); t++) {
			size_t n = counts[t], off = offs[o];

			for (size_t i = 0; i < cap; i++)
				c[i] = -7.0f;
			arg_ptr(k, 0, a + off);
			arg_ptr(k, 1, c + 2 * off + 3);
			/* local size 0: the runtime picks, often odd */
			assert_int_equal(run(k, n, 0), CL_SUCCESS);
			for (size_t i = 0; i < n; i++)
				assert_true(c[2 * off + 3 + i] ==
					    (float)(off + i) * 2.0f + 1.0f);
			/* nothing written around the range */
			assert_true(c[2 * off + 2] == -7.0f);
			assert_true(c[2 * off + 3 + n] == -7.0f);
		}
	clReleaseKernel(k);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
}

static void test_negative_stride(void **state)
{
	const unsigned int n = 3 * PAGE + 77;
	int *a = svm(n * sizeof(int)), *c = svm(n * sizeof(int));
	cl_kernel k = kernel("reverse");

	(void)state;
	for (unsigned int i = 0; i < n; i++)
		a[i] = (int)(i * 7 + 1);
	arg_ptr(k, 0, a);
	arg_ptr(k, 1, c);
	assert_int_equal(clSetKernelArg(k, 2, sizeof(n), &n), CL_SUCCESS);
	assert_int_equal(run(k, n, 0), CL_SUCCESS);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(c[i], a[n - 1 - i]);
	clReleaseKernel(k);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
}

static void test_odd_byte_strides(void **state)
{
	static const unsigned int strides[] = { 1, 3, 5, 4095, 4097 };
	const size_t n = 3001;
	unsigned char *a = svm(n * 4097 + 16), *c = svm(n + 16);
	cl_kernel k = kernel("stride_bytes");

	(void)state;
	for (size_t i = 0; i < n * 4097 + 16; i++)
		a[i] = (unsigned char)(i * 13 + i / 251);
	for (size_t s = 0; s < sizeof(strides) / sizeof(strides[0]); s++) {
		memset(c, 0, n + 16);
		arg_ptr(k, 0, a + 7);	/* odd base */
		arg_ptr(k, 1, c + 3);
		assert_int_equal(clSetKernelArg(k, 2, sizeof(strides[s]),
						&strides[s]), CL_SUCCESS);
		assert_int_equal(run(k, n, 0), CL_SUCCESS);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(c[3 + i],
					 (unsigned char)(a[7 + i * strides[s]] + 1));
	}
	clReleaseKernel(k);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
}

static void test_page_crossing(void **state)
{
	const size_t n = 3 * PAGE / 16 + 5;	/* float4s */
	float *a = svm((4 * n + 8) * sizeof(float));
	float *c = svm((4 * n + 8) * sizeof(float));
	cl_kernel k = kernel("cross");

	(void)state;
	for (size_t i = 0; i < 4 * n + 8; i++)
		a[i] = (float)i;
	/* 4-byte offsets: one float4 in every 256 straddles a page */
	arg_ptr(k, 0, a + 1);
	arg_ptr(k, 1, c + 3);
	assert_int_equal(run(k, n, 0), CL_SUCCESS);
	for (size_t i = 0; i < 4 * n; i++)
		assert_true(c[3 + i] == (float)(1 + i) + 1.0f);
	clReleaseKernel(k);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
}

/* Loops inside the kernel: trip counts 0, 1, odd, several pages. */
static void test_kernel_loops(void **state)
{
	static const int ms[] = { 0, 1, 3, 1023, 2049 };
	const size_t rows = 5, cap = rows * 2049 + 3 * 2049;
	int *a = svm(cap * sizeof(int)), *c = svm(cap * sizeof(int));
	cl_kernel up = kernel("rows"), down = kernel("rows_down");

	(void)state;
	for (size_t i = 0; i < cap; i++)
		a[i] = (int)i - 50;
	for (size_t t = 0; t < sizeof(ms) / sizeof(ms[0]); t++) {
		int m = ms[t];

		for (size_t i = 0; i < cap; i++)
			c[i] = 12345;
		arg_ptr(up, 0, a);
		arg_ptr(up, 1, c);
		arg_int(up, 2, m);
		assert_int_equal(run(up, rows, 1), CL_SUCCESS);
		for (size_t r = 0; r < rows; r++)
			for (int j = 0; j < m; j++)
				assert_int_equal(c[r * (size_t)m + (size_t)j],
						 a[r * (size_t)m + (size_t)j] * 3 + j);
		assert_int_equal(c[rows * (size_t)m], 12345);

		/* one work-item, so that the result does not race */
		for (size_t i = 0; i < cap; i++)
			c[i] = 12345;
		arg_ptr(down, 0, a + 1);
		arg_ptr(down, 1, c + 2);
		arg_int(down, 2, m);
		assert_int_equal(run(down, 1, 1), CL_SUCCESS);
		for (int j = 0; j < m; j++)
			assert_int_equal(c[2 + 3 * j], a[1 + 3 * j]);
		if (m)
			assert_int_equal(c[3], 12345);
	}
	clReleaseKernel(up);
	clReleaseKernel(down);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
}

struct node {
	struct node *next;
	int v;
};

static void test_affine_and_pointer_chasing(void **state)
{
	const size_t n = 5000, nodes = 64;
	struct node *list = svm(nodes * sizeof(*list));
	int *a = svm(n * sizeof(int)), *c = svm(n * sizeof(int));
	int *idx = svm(n * sizeof(int));
	cl_kernel k = kernel("chase"), k2 = kernel("chase_inner");
	int sum = 0;

	(void)state;
	/* a list that jumps around its pages */
	for (size_t i = 0; i < nodes; i++) {
		list[i].next = &list[(i * 37 + 11) % nodes];
		list[i].v = (int)i + 1;
	}
	for (size_t i = 0, p = 0; i < 20; i++, p = (p * 37 + 11) % nodes)
		sum += list[p].v;
	for (size_t i = 0; i < n; i++) {
		a[i] = (int)(i * 5);
		idx[i] = (int)((i * 7919) % n);
	}
	arg_ptr(k, 0, list);
	arg_ptr(k, 1, a);
	arg_ptr(k, 2, c);
	arg_int(k, 3, 20);
	assert_int_equal(run(k, n, 0), CL_SUCCESS);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(c[i], a[i] + sum);

	arg_ptr(k2, 0, idx);
	arg_ptr(k2, 1, a);
	arg_ptr(k2, 2, c);
	assert_int_equal(run(k2, n, 0), CL_SUCCESS);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(c[i], a[idx[i]] + a[i]);
	clReleaseKernel(k);
	clReleaseKernel(k2);
	clSVMFree(E.ctx, list);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
	clSVMFree(E.ctx, idx);
}

/* Pages in device memory: translations with a nonzero addend. */
static void test_vram_resident(void **state)
{
	const size_t n = 16 * PAGE + 13;
	float *a = svm(n * sizeof(float)), *c = svm(n * sizeof(float));
	const void *ptrs[2] = { a, c };
	cl_kernel k = kernel("copy_f");

	(void)state;
	for (size_t i = 0; i < n; i++) {
		a[i] = (float)(i % 1000);
		c[i] = 0.0f;
	}
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 2, ptrs, NULL, 0, 0,
						NULL, NULL), CL_SUCCESS);
	assert_int_equal(clFinish(E.queue), CL_SUCCESS);
	arg_ptr(k, 0, a + 5);
	arg_ptr(k, 1, c + 9);
	assert_int_equal(run(k, n - 9, 0), CL_SUCCESS);
	assert_int_equal(clEnqueueSVMMigrateMem(E.queue, 2, ptrs, NULL,
						CL_MIGRATE_MEM_OBJECT_HOST, 0,
						NULL, NULL), CL_SUCCESS);
	assert_int_equal(clFinish(E.queue), CL_SUCCESS);
	for (size_t i = 0; i < n - 9; i++)
		assert_true(c[9 + i] == (float)((5 + i) % 1000) * 2.0f + 1.0f);
	clReleaseKernel(k);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
}

/* A page unmapped in the middle of a chunk's array: a device fault. */
static void test_fault_mid_array(void **state)
{
	const size_t pages = 8, n = pages * PAGE / sizeof(float);
	float *a = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	float *c = svm(n * sizeof(float));
	cl_kernel k = kernel("copy_f");
	size_t half = n / 2;

	(void)state;
	assert_true(a != MAP_FAILED);
	for (size_t i = 0; i < n; i++)
		a[i] = 1.0f;
	assert_int_equal(munmap((char *)a + 5 * PAGE, PAGE), 0);
	arg_ptr(k, 0, a);
	arg_ptr(k, 1, c);
	/* The failing command ends with an error; the process goes on. */
	assert_true(run(k, n, 0) != CL_SUCCESS);
	/* ...and the next kernel on the mapped part runs. */
	for (size_t i = 0; i < half; i++)
		c[i] = 0.0f;
	assert_int_equal(run(k, half, 0), CL_SUCCESS);
	for (size_t i = 0; i < half; i++)
		assert_true(c[i] == 3.0f);
	clReleaseKernel(k);
	munmap(a, 5 * PAGE);
	munmap((char *)a + 6 * PAGE, 2 * PAGE);
	clSVMFree(E.ctx, c);
}

struct churn {
	void *p;
	size_t bytes;
	cl_command_queue q;
	atomic_bool stop;
	unsigned int rounds;
};

/* Moves the pages of @p to the device and back until told to stop. */
static void *churn_thread(void *arg)
{
	struct churn *ch = arg;
	unsigned int i = 0;

	while (!atomic_load(&ch->stop)) {
		size_t off = ((size_t)(i * 7) % 13) * PAGE;
		const void *ptr = (char *)ch->p + off;
		size_t size = 3 * PAGE;

		if (off + size > ch->bytes)
			size = ch->bytes - off;
		if (clEnqueueSVMMigrateMem(ch->q, 1, &ptr, &size, 0, 0, NULL,
					   NULL) ||
		    clEnqueueSVMMigrateMem(ch->q, 1, &ptr, &size,
					   CL_MIGRATE_MEM_OBJECT_HOST, 0, NULL,
					   NULL) ||
		    clFinish(ch->q))
			break;
		i++;
		/*
		 * Breathe: back-to-back migrations of the page a fault is
		 * servicing can starve that fault past its 1 s budget (the
		 * retry loop of the fault service), which is not what this
		 * test is about.
		 */
		usleep(200);
	}
	ch->rounds = i;
	return NULL;
}

/* Strip-mined kernels while their pages are invalidated and migrated. */
static void test_invalidate_while_running(void **state)
{
	const size_t n = 16 * PAGE;
	float *a = svm(n * sizeof(float)), *c = svm(n * sizeof(float));
	struct churn ch = { .p = a, .bytes = n * sizeof(float) };
	cl_kernel k = kernel("copy_f");
	pthread_t th;
	cl_int err;

	(void)state;
	for (size_t i = 0; i < n; i++)
		a[i] = (float)(i & 1023);
	ch.q = clCreateCommandQueueWithProperties(E.ctx, E.dev, NULL, &err);
	assert_int_equal(err, CL_SUCCESS);
	atomic_init(&ch.stop, false);
	assert_int_equal(pthread_create(&th, NULL, churn_thread, &ch), 0);
	arg_ptr(k, 0, a);
	arg_ptr(k, 1, c);
	for (int r = 0; r < 40; r++) {
		for (size_t i = 0; i < n; i += 97)
			c[i] = -1.0f;
		assert_int_equal(run(k, n, 0), CL_SUCCESS);
		for (size_t i = 0; i < n; i++)
			if (c[i] != (float)(i & 1023) * 2.0f + 1.0f)
				fail_msg("round %d: c[%zu] = %f", r, i, c[i]);
	}
	atomic_store(&ch.stop, true);
	pthread_join(th, NULL);
	assert_true(ch.rounds > 0);
	clReleaseCommandQueue(ch.q);
	clReleaseKernel(k);
	clSVMFree(E.ctx, a);
	clSVMFree(E.ctx, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unaligned_bases_and_counts),
		cmocka_unit_test(test_negative_stride),
		cmocka_unit_test(test_odd_byte_strides),
		cmocka_unit_test(test_page_crossing),
		cmocka_unit_test(test_kernel_loops),
		cmocka_unit_test(test_affine_and_pointer_chasing),
		cmocka_unit_test(test_vram_resident),
		cmocka_unit_test(test_fault_mid_array),
		cmocka_unit_test(test_invalidate_while_running),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
