/* SPDX-License-Identifier: MIT */
/*
 * svm_suite.h - what the files of svmcl's SVM conformance suite share.
 *
 * The suite is written from the OpenCL 3.0 specification and covers the
 * behaviours the Khronos CTS SVM suite checks (see docs/svm.md, "svmcl's
 * SVM conformance suite"). Every test goes through the system's ICD
 * loader (-lOpenCL) with OCL_ICD_VENDORS pointing at the build tree.
 *
 * This header gives each test file:
 *  - svmcl's platform and GPU, a context, two in-order queues and a
 *    program built from the file's own kernels plus the common ones below
 *    (suite_open() from a cmocka group setup, suite_close() to undo it);
 *  - a private binary cache directory, so that no test reads or fills the
 *    user's cache;
 *  - deadlines for bounded waits (a test that waits for the other side of
 *    a handshake fails with a message after SUITE_TIMEOUT seconds instead
 *    of hanging; no test asserts how long anything takes);
 *  - the linked-list harness (struct lists): lists of nodes spread over
 *    two node arrays, built on the device and checked on the host and the
 *    other way round, with the host reaching the nodes directly (fine
 *    grain), through clEnqueueSVMMap (coarse grain, new API) or through
 *    clEnqueueMapBuffer of buffers created over the SVM pointers (coarse
 *    grain, old API, sub-buffers).
 *
 * Include after <cmocka.h>. Header-only: each test file is one program.
 */
#ifndef SVMCL_TEST_SVM_SUITE_H
#define SVMCL_TEST_SVM_SUITE_H

#define CL_TARGET_OPENCL_VERSION 300

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CL/cl.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHECK(call) assert_int_equal((call), CL_SUCCESS)

/* Seconds a bounded wait may take before the test fails (loaded CI). */
#define SUITE_TIMEOUT 120.0

/*
 * Kernels every file gets. Node is the linked-list node of struct lists;
 * its host twin is struct node below (same layout on x86-64 and spir64).
 *
 * build_lists: work-item i builds list i of @len nodes: the head is a[i],
 *	node j lives in b when j is odd and in a when it is even, taken with
 *	atomic_inc from ctr[1] (b) and ctr[0] (a).
 * check_lists: work-item i walks list i and counts it in ctr[2] when every
 *	node has the right id, position and generation, lives in the right
 *	array, and the list ends after @len nodes.
 */
#define SUITE_COMMON_KERNELS						\
	"typedef struct Node {\n"					\
	"	int id;\n"						\
	"	int pos;\n"						\
	"	int gen;\n"						\
	"	int pad;\n"						\
	"	global struct Node *next;\n"				\
	"} Node;\n"							\
	"\n"								\
	"kernel void build_lists(global Node *a, global Node *b,\n"	\
	"			 volatile global int *ctr, int len, int gen)\n" \
	"{\n"								\
	"	int i = (int)get_global_id(0);\n"			\
	"	global Node *n = &a[i];\n"				\
	"\n"								\
	"	n->id = i;\n"						\
	"	n->pos = 0;\n"						\
	"	n->gen = gen;\n"					\
	"	n->next = 0;\n"						\
	"	for (int j = 1; j < len; j++) {\n"			\
	"		global Node *m = (j & 1) ? &b[atomic_inc(&ctr[1])]\n" \
	"					 : &a[atomic_inc(&ctr[0])];\n" \
	"		m->id = i;\n"					\
	"		m->pos = j;\n"					\
	"		m->gen = gen;\n"				\
	"		m->next = 0;\n"					\
	"		n->next = m;\n"					\
	"		n = m;\n"					\
	"	}\n"							\
	"}\n"								\
	"\n"								\
	"kernel void check_lists(global Node *a, global Node *b,\n"	\
	"			 volatile global int *ctr, int len, int gen,\n" \
	"			 ulong cap)\n"				\
	"{\n"								\
	"	int i = (int)get_global_id(0);\n"			\
	"	global Node *n = &a[i];\n"				\
	"	int j;\n"						\
	"\n"								\
	"	for (j = 0; j < len && n; j++) {\n"			\
	"		global Node *base = (j & 1) ? b : a;\n"		\
	"		if (n < base || n >= base + cap)\n"		\
	"			return;\n"				\
	"		if (n->id != i || n->pos != j || n->gen != gen)\n" \
	"			return;\n"				\
	"		n = n->next;\n"					\
	"	}\n"							\
	"	if (j == len && !n)\n"					\
	"		atomic_inc(&ctr[2]);\n"				\
	"}\n"								\
	"\n"								\
	"kernel void copy_ints(global const int *src, global int *dst)\n" \
	"{\n"								\
	"	dst[get_global_id(0)] = src[get_global_id(0)];\n"	\
	"}\n"

struct node {
	int id;
	int pos;
	int gen;
	int pad;
	struct node *next;
};

static struct {
	cl_platform_id platform;
	cl_device_id device;
	cl_context context;
	cl_command_queue queue;		/* in order */
	cl_command_queue queue2;	/* in order, a second one */
	cl_program program;
	cl_kernel build_lists, check_lists, copy_ints;
	size_t page;
	char cache_dir[64];		/* $XDG_CACHE_HOME of this program */
} S;

static inline double suite_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline cl_platform_id suite_find_platform(void)
{
	cl_platform_id ids[16];
	cl_uint n = 0;
	char name[64];

	if (clGetPlatformIDs(ARRAY_SIZE(ids), ids, &n) != CL_SUCCESS)
		return NULL;
	for (cl_uint i = 0; i < n && i < ARRAY_SIZE(ids); i++)
		if (clGetPlatformInfo(ids[i], CL_PLATFORM_NAME, sizeof(name),
				      name, NULL) == CL_SUCCESS &&
		    strcmp(name, "svmcl") == 0)
			return ids[i];
	return NULL;
}

static inline cl_kernel suite_kernel(const char *name)
{
	cl_int err = 1;
	cl_kernel k = clCreateKernel(S.program, name, &err);

	if (!k)
		fprintf(stderr, "clCreateKernel(%s): %d\n", name, err);
	return k;
}

/*
 * Open svmcl's GPU and build @src (the file's kernels; the common ones
 * are prepended) with OpenCL C 3.0. Return: 0, or -1 with a message.
 */
static inline int suite_open(const char *src)
{
	static char log[32768];
	const char *srcs[2] = { SUITE_COMMON_KERNELS, src ? src : "" };
	char tmpl[] = "/tmp/svmcl-svmsuite-XXXXXX";
	cl_int err;

	S.page = (size_t)sysconf(_SC_PAGESIZE);
	if (!mkdtemp(tmpl))
		return -1;
	snprintf(S.cache_dir, sizeof(S.cache_dir), "%s", tmpl);
	setenv("XDG_CACHE_HOME", S.cache_dir, 1);
	unsetenv("SVMCL_CACHE");

	S.platform = suite_find_platform();
	if (!S.platform) {
		fprintf(stderr, "svmcl platform not found (OCL_ICD_VENDORS?)\n");
		return -1;
	}
	if (clGetDeviceIDs(S.platform, CL_DEVICE_TYPE_GPU, 1, &S.device,
			   NULL) != CL_SUCCESS)
		return -1;
	S.context = clCreateContext(NULL, 1, &S.device, NULL, NULL, &err);
	if (!S.context)
		return -1;
	S.queue = clCreateCommandQueueWithProperties(S.context, S.device, NULL,
						     &err);
	S.queue2 = clCreateCommandQueueWithProperties(S.context, S.device,
						      NULL, &err);
	if (!S.queue || !S.queue2)
		return -1;
	S.program = clCreateProgramWithSource(S.context, 2, srcs, NULL, &err);
	if (!S.program)
		return -1;
	err = clBuildProgram(S.program, 1, &S.device, "-cl-std=CL3.0", NULL,
			     NULL);
	if (err != CL_SUCCESS) {
		clGetProgramBuildInfo(S.program, S.device, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fprintf(stderr, "clBuildProgram: %d\n%s\n", err, log);
		return -1;
	}
	S.build_lists = suite_kernel("build_lists");
	S.check_lists = suite_kernel("check_lists");
	S.copy_ints = suite_kernel("copy_ints");
	return S.build_lists && S.check_lists && S.copy_ints ? 0 : -1;
}

static inline void suite_close(void)
{
	char cmd[128];

	if (S.build_lists)
		clReleaseKernel(S.build_lists);
	if (S.check_lists)
		clReleaseKernel(S.check_lists);
	if (S.copy_ints)
		clReleaseKernel(S.copy_ints);
	if (S.program)
		clReleaseProgram(S.program);
	if (S.queue2)
		clReleaseCommandQueue(S.queue2);
	if (S.queue)
		clReleaseCommandQueue(S.queue);
	if (S.context)
		clReleaseContext(S.context);
	if (S.cache_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", S.cache_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", S.cache_dir);
	}
	memset(&S, 0, sizeof(S));
}

static inline cl_int suite_event_status(cl_event ev)
{
	cl_int s = 99;

	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(s),
			     &s, NULL));
	return s;
}

static inline cl_command_type suite_event_type(cl_event ev)
{
	cl_command_type t = 0;

	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_TYPE, sizeof(t), &t, NULL));
	return t;
}

static inline cl_device_svm_capabilities suite_svm_caps(void)
{
	cl_device_svm_capabilities caps = 0;

	CHECK(clGetDeviceInfo(S.device, CL_DEVICE_SVM_CAPABILITIES,
			      sizeof(caps), &caps, NULL));
	return caps;
}

/* A 1-D launch of @k over @n work-items on @q, waited for. */
static inline void suite_run(cl_command_queue q, cl_kernel k, size_t n)
{
	CHECK(clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, NULL));
	CHECK(clFinish(q));
}

/*
 * The linked-list harness.
 */

enum host_access {
	ACCESS_DIRECT,		/* fine grain: the host just touches it */
	ACCESS_SVM_MAP,		/* coarse grain, clEnqueueSVMMap/Unmap */
	ACCESS_BUFFER_MAP,	/* coarse grain, clEnqueueMapBuffer/Unmap */
};

struct lists {
	enum host_access access;
	struct node *a, *b;	/* node arrays of cap nodes (may be equal) */
	int *ctr;		/* next a, next b, lists found correct */
	size_t nlists;
	int len;
	size_t cap;
	/*
	 * ACCESS_BUFFER_MAP: buffers (or sub-buffers) over a, b and a plain
	 * buffer of the counters. Other accesses: abuf, when set, is passed
	 * for a instead of the SVM pointer (a buffer over it).
	 */
	cl_mem abuf, bbuf, cbuf;
};

/* Map (or not) what the host is about to touch. */
static inline void lists_host_begin(struct lists *L)
{
	size_t bytes = L->cap * sizeof(struct node);
	cl_int err = 1;
	void *p;

	switch (L->access) {
	case ACCESS_DIRECT:
		break;
	case ACCESS_SVM_MAP:
		CHECK(clEnqueueSVMMap(S.queue, CL_TRUE,
				      CL_MAP_READ | CL_MAP_WRITE, L->a, bytes,
				      0, NULL, NULL));
		if (L->b != L->a)
			CHECK(clEnqueueSVMMap(S.queue, CL_TRUE,
					      CL_MAP_READ | CL_MAP_WRITE, L->b,
					      bytes, 0, NULL, NULL));
		CHECK(clEnqueueSVMMap(S.queue, CL_TRUE,
				      CL_MAP_READ | CL_MAP_WRITE, L->ctr,
				      3 * sizeof(int), 0, NULL, NULL));
		break;
	case ACCESS_BUFFER_MAP:
		/* A buffer over an SVM pointer maps at that pointer. */
		p = clEnqueueMapBuffer(S.queue, L->abuf, CL_TRUE,
				       CL_MAP_READ | CL_MAP_WRITE, 0, bytes, 0,
				       NULL, NULL, &err);
		CHECK(err);
		assert_ptr_equal(p, L->a);
		if (L->bbuf != L->abuf) {
			p = clEnqueueMapBuffer(S.queue, L->bbuf, CL_TRUE,
					       CL_MAP_READ | CL_MAP_WRITE, 0,
					       bytes, 0, NULL, NULL, &err);
			CHECK(err);
			assert_ptr_equal(p, L->b);
		}
		/* ctr is a plain buffer: the host uses what the map gives. */
		L->ctr = clEnqueueMapBuffer(S.queue, L->cbuf, CL_TRUE,
					    CL_MAP_READ | CL_MAP_WRITE, 0,
					    3 * sizeof(int), 0, NULL, NULL,
					    &err);
		CHECK(err);
		assert_non_null(L->ctr);
		break;
	}
}

static inline void lists_host_end(struct lists *L)
{
	switch (L->access) {
	case ACCESS_DIRECT:
		break;
	case ACCESS_SVM_MAP:
		CHECK(clEnqueueSVMUnmap(S.queue, L->a, 0, NULL, NULL));
		if (L->b != L->a)
			CHECK(clEnqueueSVMUnmap(S.queue, L->b, 0, NULL, NULL));
		CHECK(clEnqueueSVMUnmap(S.queue, L->ctr, 0, NULL, NULL));
		break;
	case ACCESS_BUFFER_MAP:
		CHECK(clEnqueueUnmapMemObject(S.queue, L->abuf, L->a, 0, NULL,
					      NULL));
		if (L->bbuf != L->abuf)
			CHECK(clEnqueueUnmapMemObject(S.queue, L->bbuf, L->b,
						      0, NULL, NULL));
		CHECK(clEnqueueUnmapMemObject(S.queue, L->cbuf, L->ctr, 0,
					      NULL, NULL));
		L->ctr = NULL;
		break;
	}
	CHECK(clFinish(S.queue));
}

static inline void lists_set_args(struct lists *L, cl_kernel k)
{
	if (L->access == ACCESS_BUFFER_MAP) {
		CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &L->abuf));
		CHECK(clSetKernelArg(k, 1, sizeof(cl_mem), &L->bbuf));
		CHECK(clSetKernelArg(k, 2, sizeof(cl_mem), &L->cbuf));
	} else if (L->abuf) {
		/* Mixed: a through its buffer, the rest as SVM pointers. */
		CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &L->abuf));
		CHECK(clSetKernelArgSVMPointer(k, 1, L->b));
		CHECK(clSetKernelArgSVMPointer(k, 2, L->ctr));
	} else {
		CHECK(clSetKernelArgSVMPointer(k, 0, L->a));
		CHECK(clSetKernelArgSVMPointer(k, 1, L->b));
		CHECK(clSetKernelArgSVMPointer(k, 2, L->ctr));
	}
	CHECK(clSetKernelArg(k, 3, sizeof(int), &L->len));
}

/* Counters for a new build: the heads are a[0 .. nlists-1]. */
static inline void lists_reset_counters(struct lists *L)
{
	lists_host_begin(L);
	L->ctr[0] = (int)L->nlists;
	L->ctr[1] = 0;
	L->ctr[2] = 0;
	lists_host_end(L);
}

static inline void lists_build_device(struct lists *L, int gen)
{
	lists_reset_counters(L);
	lists_set_args(L, S.build_lists);
	CHECK(clSetKernelArg(S.build_lists, 4, sizeof(int), &gen));
	suite_run(S.queue, S.build_lists, L->nlists);
}

static inline void lists_build_host(struct lists *L, int gen)
{
	size_t next_a = L->nlists, next_b = 0;

	lists_host_begin(L);
	for (size_t i = 0; i < L->nlists; i++) {
		struct node *n = &L->a[i];

		*n = (struct node){ .id = (int)i, .pos = 0, .gen = gen };
		for (int j = 1; j < L->len; j++) {
			struct node *m = (j & 1) ? &L->b[next_b++]
						 : &L->a[next_a++];

			*m = (struct node){ .id = (int)i, .pos = j, .gen = gen };
			n->next = m;
			n = m;
		}
	}
	lists_host_end(L);
}

/* Return: how many lists the device found correct. */
static inline int lists_check_device(struct lists *L, int gen)
{
	cl_ulong cap = L->cap;
	int found;

	lists_reset_counters(L);
	lists_set_args(L, S.check_lists);
	CHECK(clSetKernelArg(S.check_lists, 4, sizeof(int), &gen));
	CHECK(clSetKernelArg(S.check_lists, 5, sizeof(cap), &cap));
	suite_run(S.queue, S.check_lists, L->nlists);
	lists_host_begin(L);
	found = L->ctr[2];
	lists_host_end(L);
	return found;
}

static inline bool lists_owns(const struct lists *L, const struct node *base,
			    const struct node *n)
{
	return n >= base && n < base + L->cap;
}

/* Return: how many lists the host found correct. */
static inline int lists_check_host(struct lists *L, int gen)
{
	int found = 0;

	lists_host_begin(L);
	for (size_t i = 0; i < L->nlists; i++) {
		const struct node *n = &L->a[i];
		int j;

		for (j = 0; j < L->len && n; j++) {
			if (!lists_owns(L, (j & 1) ? L->b : L->a, n) ||
			    n->id != (int)i || n->pos != j || n->gen != gen)
				break;
			n = n->next;
		}
		found += j == L->len && !n;
	}
	lists_host_end(L);
	return found;
}

/*
 * Build on each side, check on each side (four combinations), each with
 * a new generation so that a check never passes on an older build.
 */
static inline void lists_all_ways(struct lists *L, int first_gen)
{
	int gen = first_gen;

	for (int builder = 0; builder < 2; builder++) {
		for (int checker = 0; checker < 2; checker++, gen++) {
			int found;

			if (builder == 0)
				lists_build_device(L, gen);
			else
				lists_build_host(L, gen);
			found = checker == 0 ? lists_check_device(L, gen)
					     : lists_check_host(L, gen);
			if (found != (int)L->nlists)
				fail_msg("built on the %s, checked on the %s: "
					 "%d of %zu lists correct",
					 builder ? "host" : "device",
					 checker ? "host" : "device", found,
					 L->nlists);
		}
	}
}

#endif /* SVMCL_TEST_SVM_SUITE_H */
