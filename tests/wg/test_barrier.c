/* SPDX-License-Identifier: MIT */
/*
 * Work-groups through the real ICD loader: barriers (straight code, loops
 * with per-group trip counts, conditionals uniform per group, nesting,
 * helper functions), local memory (static and argument, a reduction, a
 * transpose-style exchange), work-group sizes 1, odd, 3-D and the device
 * maximum, private arrays that stress the work-item stacks, a stack
 * overflow that must become a device fault, async copies (plain, strided,
 * vector elements), barrier kernels on every compute unit at once, the
 * errors of clSetKernelArg and clEnqueueNDRangeKernel for local memory,
 * and a barrier-free kernel as a regression check. Every result is
 * computed again on the host. The last test measures what barriers cost.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <cmocka.h>

#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>

static struct {
	cl_platform_id platform;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue queue;
} E;

#define CHECK(call) assert_int_equal((call), CL_SUCCESS)

static int group_setup(void **state)
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
	return err ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	clReleaseCommandQueue(E.queue);
	clReleaseContext(E.ctx);
	return 0;
}

/* Builds @src with @options; returns the build status, the log on error. */
static cl_int try_build(const char *src, const char *options,
			cl_program *out, char *log, size_t log_size)
{
	cl_int err;
	cl_program p = clCreateProgramWithSource(E.ctx, 1, &src, NULL, &err);

	assert_int_equal(err, CL_SUCCESS);
	err = clBuildProgram(p, 1, &E.dev, options, NULL, NULL);
	if (log) {
		log[0] = 0;
		clGetProgramBuildInfo(p, E.dev, CL_PROGRAM_BUILD_LOG, log_size,
				      log, NULL);
	}
	*out = p;
	return err;
}

static cl_program build(const char *src, const char *options)
{
	char log[8192];
	cl_program p;
	cl_int err = try_build(src, options, &p, log, sizeof(log));

	if (err)
		fprintf(stderr, "build log:\n%s\n", log);
	assert_int_equal(err, CL_SUCCESS);
	return p;
}

static cl_kernel kernel(cl_program p, const char *name)
{
	cl_int err;
	cl_kernel k = clCreateKernel(p, name, &err);

	assert_int_equal(err, CL_SUCCESS);
	return k;
}

/* Sets SVM pointers and by-value arguments: "p" pointer, "i" int, "l"
 * __local size, "u" unsigned. */
static void set_args(cl_kernel k, const char *kinds, ...)
{
	va_list ap;

	va_start(ap, kinds);
	for (cl_uint i = 0; kinds[i]; i++) {
		switch (kinds[i]) {
		case 'p':
			CHECK(clSetKernelArgSVMPointer(k, i, va_arg(ap, void *)));
			break;
		case 'i': {
			cl_int v = va_arg(ap, int);

			CHECK(clSetKernelArg(k, i, sizeof(v), &v));
			break;
		}
		case 'u': {
			cl_uint v = va_arg(ap, unsigned int);

			CHECK(clSetKernelArg(k, i, sizeof(v), &v));
			break;
		}
		case 'l':
			CHECK(clSetKernelArg(k, i, va_arg(ap, size_t), NULL));
			break;
		default:
			fail();
		}
	}
	va_end(ap);
}

static cl_int run(cl_kernel k, cl_uint dim, const size_t *global,
		  const size_t *local)
{
	cl_int err = clEnqueueNDRangeKernel(E.queue, k, dim, NULL, global,
					    local, 0, NULL, NULL);

	if (err)
		return err;
	return clFinish(E.queue);
}

/* ---------------------------------------------------------------------- */

static const char *const barrier_src =
	/* Straight code: each work-item reads what another one wrote. */
	"kernel void reverse(global const int *in, global int *out)\n"
	"{\n"
	"	local int tile[1024];\n"
	"	size_t l = get_local_id(0), n = get_local_size(0);\n"
	"	tile[l] = in[get_global_id(0)];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	out[get_global_id(0)] = tile[n - 1 - l];\n"
	"}\n"
	/* A loop whose trip count differs between groups (uniform inside). */
	"kernel void rotate(global const int *in, global int *out)\n"
	"{\n"
	"	local int a[256];\n"
	"	size_t l = get_local_id(0), n = get_local_size(0);\n"
	"	int trips = (int)get_group_id(0) % 5 + in[0];\n"
	"	a[l] = in[get_global_id(0)];\n"
	"	for (int t = 0; t < trips; t++) {\n"
	"		barrier(CLK_LOCAL_MEM_FENCE);\n"
	"		int v = a[(l + 1) % n] + t;\n"
	"		barrier(CLK_LOCAL_MEM_FENCE);\n"
	"		a[l] = v;\n"
	"	}\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	out[get_global_id(0)] = a[l];\n"
	"}\n"
	/*
	 * Conditionals uniform per group, nested in a loop, barriers in a
	 * helper function that is not inlined.
	 */
	"__attribute__((noinline)) void sync_shift(local int *a, size_t l,\n"
	"					  size_t n, int by)\n"
	"{\n"
	"	int v = a[(l + by) % n];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	a[l] = v;\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"}\n"
	"kernel void nested(global const int *in, global int *out,\n"
	"		    local int *a)\n"
	"{\n"
	"	size_t l = get_local_id(0), n = get_local_size(0);\n"
	"	size_t g = get_group_id(0);\n"
	"	a[l] = in[get_global_id(0)];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	for (size_t i = 0; i < g % 3 + 1; i++) {\n"
	"		if (g % 2) {\n"
	"			sync_shift(a, l, n, 1);\n"
	"			if (i == 0)\n"
	"				sync_shift(a, l, n, 2);\n"
	"		} else {\n"
	"			a[l] += 1;\n"
	"			barrier(CLK_LOCAL_MEM_FENCE |\n"
	"				CLK_GLOBAL_MEM_FENCE);\n"
	"		}\n"
	"	}\n"
	"	out[get_global_id(0)] = a[l];\n"
	"}\n"
	/* Tree reduction in a __local argument. */
	"kernel void reduce(global const int *in, global int *out,\n"
	"		    local int *part)\n"
	"{\n"
	"	size_t l = get_local_id(0), n = get_local_size(0);\n"
	"	part[l] = in[get_global_id(0)];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	for (size_t s = 1; s < n; s *= 2) {\n"
	"		if (l % (2 * s) == 0 && l + s < n)\n"
	"			part[l] += part[l + s];\n"
	"		barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	}\n"
	"	if (l == 0)\n"
	"		out[get_group_id(0)] = part[0];\n"
	"}\n"
	/* Transpose through a static tile, 2-D groups. */
	"kernel void transpose(global const float *in, global float *out,\n"
	"		       uint w, uint h)\n"
	"{\n"
	"	local float tile[16][17];\n"
	"	size_t lx = get_local_id(0), ly = get_local_id(1);\n"
	"	size_t gx = get_group_id(0) * 16, gy = get_group_id(1) * 16;\n"
	"	tile[ly][lx] = in[(gy + ly) * w + gx + lx];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	out[(gx + ly) * h + gy + lx] = tile[lx][ly];\n"
	"}\n"
	/* 3-D groups: reverse the linear local id. */
	"kernel void ids3(global uint *out, local uint *ids)\n"
	"{\n"
	"	size_t lin = get_local_linear_id();\n"
	"	size_t n = get_local_size(0) * get_local_size(1) *\n"
	"		   get_local_size(2);\n"
	"	ids[lin] = (uint)(get_local_id(2) * 10000 + get_local_id(1) * 100\n"
	"			  + get_local_id(0));\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	size_t x = get_global_id(0), y = get_global_id(1),\n"
	"	       z = get_global_id(2);\n"
	"	out[(z * get_global_size(1) + y) * get_global_size(0) + x] =\n"
	"		ids[n - 1 - lin];\n"
	"}\n"
	/* Private arrays: each work-item keeps 32 KiB across a barrier. */
	"kernel void private_big(global const int *in, global int *out)\n"
	"{\n"
	"	int priv[8192];\n"
	"	size_t l = get_local_id(0), n = get_global_size(0);\n"
	"	size_t g = get_global_id(0);\n"
	"	for (int i = 0; i < 8192; i++)\n"
	"		priv[i] = in[(g + i) % n];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	int acc = 0;\n"
	"	for (int i = 0; i < 8192; i++)\n"
	"		acc += priv[(i * 13 + l) & 8191] * (i & 3);\n"
	"	out[g] = acc;\n"
	"}\n"
	/* More private memory than a work-item stack holds. */
	"kernel void private_huge(global const int *in, global int *out)\n"
	"{\n"
	"	int priv[1 << 18];\n"
	"	size_t g = get_global_id(0);\n"
	"	for (int i = 0; i < (1 << 18); i++)\n"
	"		priv[i] = in[(g + i) & 1023];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	out[g] = priv[in[g] & ((1 << 18) - 1)];\n"
	"}\n"
	/* A device fault between two barriers, in one work-item. */
	"kernel void fault_mid(global int *p, global int *bad, int which)\n"
	"{\n"
	"	local int t[64];\n"
	"	size_t l = get_local_id(0);\n"
	"	t[l] = p[get_global_id(0)];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	if ((int)get_global_id(0) == which)\n"
	"		t[l] += bad[0];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	p[get_global_id(0)] = t[(l + 1) % get_local_size(0)];\n"
	"}\n"
	/* No barrier at all: the plain work-item loop. */
	"kernel void saxpy(global const float *x, global float *y, float a)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	y[i] = a * x[i] + y[i];\n"
	"}\n"
	/* The same work as a barrier kernel: load, barrier, compute. */
	"kernel void saxpy_barrier(global const float *x, global float *y,\n"
	"			   float a)\n"
	"{\n"
	"	local float t[256];\n"
	"	size_t i = get_global_id(0), l = get_local_id(0);\n"
	"	t[l] = x[i];\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	y[i] = a * t[l] + y[i];\n"
	"}\n";

static cl_program barrier_prog;

static int barrier_setup(void **state)
{
	if (group_setup(state))
		return -1;
	return 0;
}

static cl_program prog(void)
{
	if (!barrier_prog)
		barrier_prog = build(barrier_src, "-cl-std=CL3.0");
	return barrier_prog;
}

static int barrier_teardown(void **state)
{
	if (barrier_prog)
		clReleaseProgram(barrier_prog);
	return group_teardown(state);
}

static int *int_data(size_t n, unsigned int seed)
{
	int *p = malloc(n * sizeof(*p));

	assert_non_null(p);
	srand(seed);
	for (size_t i = 0; i < n; i++)
		p[i] = rand() % 1000 - 500;
	return p;
}

static void check_reverse(size_t global, size_t local)
{
	cl_kernel k = kernel(prog(), "reverse");
	int *in = int_data(global, 1), *out = calloc(global, sizeof(int));

	set_args(k, "pp", in, out);
	CHECK(run(k, 1, &global, &local));
	for (size_t i = 0; i < global; i++) {
		size_t g = i / local, l = i % local;

		assert_int_equal(out[i], in[g * local + local - 1 - l]);
	}
	free(in);
	free(out);
	clReleaseKernel(k);
}

static void test_straight_sizes(void **state)
{
	size_t max = 0;

	(void)state;
	CHECK(clGetDeviceInfo(E.dev, CL_DEVICE_MAX_WORK_GROUP_SIZE,
			      sizeof(max), &max, NULL));
	assert_int_equal(max, 1024);
	check_reverse(8, 1);		/* groups of one work-item */
	check_reverse(7 * 13, 7);	/* odd */
	check_reverse(17 * 3, 17);
	check_reverse(64 * 8, 64);
	check_reverse(1024 * 6, 1024);	/* the device maximum */
}

static void test_loop_per_group_trips(void **state)
{
	cl_kernel k = kernel(prog(), "rotate");
	size_t local = 96, global = 96 * 11;
	int *in = int_data(global, 2), *out = calloc(global, sizeof(int));
	int *a = malloc(local * sizeof(int));

	(void)state;
	in[0] = 2;
	set_args(k, "pp", in, out);
	CHECK(run(k, 1, &global, &local));
	for (size_t g = 0; g < global / local; g++) {
		int trips = (int)(g % 5) + in[0];

		memcpy(a, in + g * local, local * sizeof(int));
		for (int t = 0; t < trips; t++) {
			int first = a[0];

			for (size_t l = 0; l + 1 < local; l++)
				a[l] = a[l + 1] + t;
			a[local - 1] = first + t;
		}
		for (size_t l = 0; l < local; l++)
			assert_int_equal(out[g * local + l], a[l]);
	}
	free(a);
	free(in);
	free(out);
	clReleaseKernel(k);
}

static void host_shift(int *a, size_t n, int by)
{
	int *t = malloc(n * sizeof(int));

	for (size_t l = 0; l < n; l++)
		t[l] = a[(l + by) % n];
	memcpy(a, t, n * sizeof(int));
	free(t);
}

static void test_nested_conditional(void **state)
{
	cl_kernel k = kernel(prog(), "nested");
	size_t local = 33, global = 33 * 12;
	int *in = int_data(global, 3), *out = calloc(global, sizeof(int));
	int *a = malloc(local * sizeof(int));

	(void)state;
	set_args(k, "ppl", in, out, local * sizeof(int));
	CHECK(run(k, 1, &global, &local));
	for (size_t g = 0; g < global / local; g++) {
		memcpy(a, in + g * local, local * sizeof(int));
		for (size_t i = 0; i < g % 3 + 1; i++) {
			if (g % 2) {
				host_shift(a, local, 1);
				if (i == 0)
					host_shift(a, local, 2);
			} else {
				for (size_t l = 0; l < local; l++)
					a[l] += 1;
			}
		}
		for (size_t l = 0; l < local; l++)
			assert_int_equal(out[g * local + l], a[l]);
	}
	free(a);
	free(in);
	free(out);
	clReleaseKernel(k);
}

static void check_reduce(size_t local, size_t groups)
{
	cl_kernel k = kernel(prog(), "reduce");
	size_t global = local * groups;
	int *in = int_data(global, 4), *out = calloc(groups, sizeof(int));

	set_args(k, "ppl", in, out, local * sizeof(int));
	CHECK(run(k, 1, &global, &local));
	for (size_t g = 0; g < groups; g++) {
		int sum = 0;

		for (size_t l = 0; l < local; l++)
			sum += in[g * local + l];
		assert_int_equal(out[g], sum);
	}
	free(in);
	free(out);
	clReleaseKernel(k);
}

static void test_local_arg_reduction(void **state)
{
	(void)state;
	check_reduce(1, 5);
	check_reduce(37, 9);
	check_reduce(256, 40);
	check_reduce(1024, 4);
}

static void test_transpose_2d(void **state)
{
	cl_kernel k = kernel(prog(), "transpose");
	cl_uint w = 80, h = 48;
	size_t global[2] = { w, h }, local[2] = { 16, 16 };
	float *in = malloc(w * h * sizeof(float));
	float *out = calloc(w * h, sizeof(float));

	(void)state;
	for (size_t i = 0; i < (size_t)w * h; i++)
		in[i] = (float)i * 0.5f;
	set_args(k, "ppuu", in, out, w, h);
	CHECK(run(k, 2, global, local));
	for (size_t y = 0; y < h; y++)
		for (size_t x = 0; x < w; x++)
			assert_true(out[x * h + y] == in[y * w + x]);
	free(in);
	free(out);
	clReleaseKernel(k);
}

static void test_3d_groups(void **state)
{
	cl_kernel k = kernel(prog(), "ids3");
	size_t global[3] = { 8, 9, 4 }, local[3] = { 4, 3, 2 };
	size_t n = global[0] * global[1] * global[2], ln = 4 * 3 * 2;
	cl_uint *out = calloc(n, sizeof(*out));

	(void)state;
	set_args(k, "pl", out, ln * sizeof(cl_uint));
	CHECK(run(k, 3, global, local));
	for (size_t z = 0; z < global[2]; z++)
		for (size_t y = 0; y < global[1]; y++)
			for (size_t x = 0; x < global[0]; x++) {
				size_t lx = x % 4, ly = y % 3, lz = z % 2;
				size_t lin = (lz * 3 + ly) * 4 + lx;
				size_t r = ln - 1 - lin;
				cl_uint want = (cl_uint)((r / 12) * 10000 +
							 (r / 4 % 3) * 100 +
							 r % 4);

				assert_int_equal(out[(z * global[1] + y) *
						     global[0] + x], want);
			}
	free(out);
	clReleaseKernel(k);
}

static void test_private_arrays_stacks(void **state)
{
	cl_kernel k = kernel(prog(), "private_big");
	size_t local = 1024, global = 2048;
	int *in = int_data(global, 5), *out = calloc(global, sizeof(int));

	(void)state;
	set_args(k, "pp", in, out);
	CHECK(run(k, 1, &global, &local));
	for (size_t g = 0; g < global; g++) {
		size_t l = g % local;
		int acc = 0;

		for (int i = 0; i < 8192; i++) {
			size_t j = (size_t)((i * 13 + (int)l) & 8191);

			acc += in[(g + j) % global] * (i & 3);
		}
		assert_int_equal(out[g], acc);
	}
	free(in);
	free(out);
	clReleaseKernel(k);
}

/* A stack overflow is a device fault: reported, and the next run works. */
static void test_stack_overflow_faults(void **state)
{
	cl_kernel k = kernel(prog(), "private_huge");
	size_t local = 4, global = 8;
	int *in = int_data(1024, 6), *out = calloc(global, sizeof(int));

	(void)state;
	set_args(k, "pp", in, out);
	assert_int_equal(run(k, 1, &global, &local), CL_OUT_OF_RESOURCES);
	check_reverse(64, 64);
	free(in);
	free(out);
	clReleaseKernel(k);
}

/*
 * A device fault inside a work-item context (a read of an inaccessible
 * page between two barriers) ends the command with CL_OUT_OF_RESOURCES; the
 * unit unwinds out of its contexts and the next barrier kernel is fine.
 */
static void test_fault_inside_fiber(void **state)
{
	cl_kernel k = kernel(prog(), "fault_mid");
	size_t local = 64, global = 64 * 8;
	int *p = int_data(global, 7);
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	(void)state;
	/*
	 * A PROT_NONE page, not an unmapped one: the address stays reserved,
	 * so no other mapping (a new thread's stack under ASan) can land on
	 * it between the two runs and turn the fault into a valid read.
	 */
	assert_true(hole != MAP_FAILED);
	set_args(k, "ppi", p, hole, 64 * 5 + 17);
	assert_int_equal(run(k, 1, &global, &local), CL_OUT_OF_RESOURCES);
	/* Again, on whichever unit: contexts are rebuilt per group. */
	assert_int_equal(run(k, 1, &global, &local), CL_OUT_OF_RESOURCES);
	check_reverse(64 * 8, 64);
	check_reduce(100, 7);
	munmap(hole, 4096);
	free(p);
	clReleaseKernel(k);
}

/* Many groups: every compute unit runs barrier groups at the same time. */
static void test_all_units_concurrently(void **state)
{
	(void)state;
	for (int rep = 0; rep < 3; rep++) {
		check_reduce(128, 512);
		check_reverse(256 * 256, 256);
	}
}

static void test_barrier_free_regression(void **state)
{
	cl_kernel k = kernel(prog(), "saxpy");
	size_t n = 1 << 16, local = 128;
	float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
	float a = 3.0f;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		x[i] = (float)i;
		y[i] = 1.0f;
	}
	set_args(k, "pp", x, y);
	CHECK(clSetKernelArg(k, 2, sizeof(a), &a));
	CHECK(run(k, 1, &n, &local));
	for (size_t i = 0; i < n; i++)
		assert_true(y[i] == 3.0f * (float)i + 1.0f);
	free(x);
	free(y);
	clReleaseKernel(k);
}

/* ---------------------------------------------------------------------- */

static const char *const copy_src =
	"kernel void copy_in_out(global const float *in, global float *out,\n"
	"			 local float *buf)\n"
	"{\n"
	"	size_t n = get_local_size(0), l = get_local_id(0);\n"
	"	size_t base = get_group_id(0) * n * 2;\n"
	"	event_t e = async_work_group_copy(buf, in + base, n * 2, 0);\n"
	"	wait_group_events(1, &e);\n"
	"	buf[2 * l] *= 2.0f;\n"
	"	buf[2 * l + 1] += 1.0f;\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	e = async_work_group_copy(out + base, buf, n * 2, 0);\n"
	"	wait_group_events(1, &e);\n"
	"}\n"
	/* Column gather and scatter with strides, float4 elements. */
	"kernel void strided(global const float4 *in, global float4 *out,\n"
	"		     uint stride)\n"
	"{\n"
	"	local float4 col[64];\n"
	"	size_t n = get_local_size(0), l = get_local_id(0);\n"
	"	size_t g = get_group_id(0);\n"
	"	event_t e = async_work_group_strided_copy(col, in + g, n,\n"
	"						  stride, 0);\n"
	"	wait_group_events(1, &e);\n"
	"	col[l] = col[l] * 3.0f;\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	e = async_work_group_strided_copy(out + g, col, n, stride, 0);\n"
	"	wait_group_events(1, &e);\n"
	"}\n"
	/* Two copies in flight, one wait; uchar elements; a prefetch. */
	"kernel void two_events(global const uchar *a, global const uchar *b,\n"
	"			global uchar *out)\n"
	"{\n"
	"	local uchar la[100], lb[100];\n"
	"	size_t l = get_local_id(0);\n"
	"	prefetch(a, 100);\n"
	"	event_t ev[2];\n"
	"	ev[0] = async_work_group_copy(la, a, 100, 0);\n"
	"	ev[1] = async_work_group_copy(lb, b, 100, ev[0]);\n"
	"	wait_group_events(2, ev);\n"
	"	for (size_t i = l; i < 100; i += get_local_size(0))\n"
	"		out[i] = la[i] + lb[99 - i];\n"
	"}\n";

static void test_async_copy(void **state)
{
	cl_program p = build(copy_src, NULL);
	cl_kernel k = kernel(p, "copy_in_out");
	size_t local = 50, global = 50 * 6, n = global * 2;
	float *in = malloc(n * sizeof(float)), *out = calloc(n, sizeof(float));

	(void)state;
	for (size_t i = 0; i < n; i++)
		in[i] = (float)i;
	set_args(k, "ppl", in, out, 2 * local * sizeof(float));
	CHECK(run(k, 1, &global, &local));
	for (size_t i = 0; i < n; i++)
		assert_true(out[i] == (i % 2 ? (float)i + 1.0f : 2.0f * (float)i));
	free(in);
	free(out);
	clReleaseKernel(k);
	clReleaseProgram(p);
}

static void test_async_strided_copy(void **state)
{
	cl_program p = build(copy_src, NULL);
	cl_kernel k = kernel(p, "strided");
	cl_uint cols = 5;
	size_t rows = 64, local = 64, global = 64 * cols, n = rows * cols;
	cl_float *in = malloc(n * 4 * sizeof(cl_float));
	cl_float *out = calloc(n * 4, sizeof(cl_float));

	(void)state;
	for (size_t i = 0; i < n * 4; i++)
		in[i] = (float)i;
	set_args(k, "ppu", in, out, cols);
	CHECK(run(k, 1, &global, &local));
	for (size_t i = 0; i < n * 4; i++)
		assert_true(out[i] == 3.0f * (float)i);
	free(in);
	free(out);
	clReleaseKernel(k);
	clReleaseProgram(p);
}

static void test_async_two_events(void **state)
{
	cl_program p = build(copy_src, NULL);
	cl_kernel k = kernel(p, "two_events");
	size_t local = 7, global = 7;
	unsigned char a[100], b[100], out[100];

	(void)state;
	for (int i = 0; i < 100; i++) {
		a[i] = (unsigned char)i;
		b[i] = (unsigned char)(3 * i);
	}
	set_args(k, "ppp", a, b, out);
	CHECK(run(k, 1, &global, &local));
	for (int i = 0; i < 100; i++)
		assert_int_equal(out[i], (unsigned char)(i + 3 * (99 - i)));
	clReleaseKernel(k);
	clReleaseProgram(p);
}

/* ---------------------------------------------------------------------- */

static const char *const cl20_src =
	"kernel void scoped(global int *out)\n"
	"{\n"
	"	local int v[64];\n"
	"	size_t l = get_local_id(0), n = get_local_size(0);\n"
	"	v[l] = (int)l * 3;\n"
	"	work_group_barrier(CLK_LOCAL_MEM_FENCE,\n"
	"			   memory_scope_work_group);\n"
	"	int x = v[n - 1 - l];\n"
	"	work_group_barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	v[l] = x + 1;\n"
	"	work_group_barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE,\n"
	"			   memory_scope_device);\n"
	"	out[get_global_id(0)] = v[(l + 1) % n];\n"
	"}\n";

static void test_work_group_barrier_scopes(void **state)
{
	(void)state;
	{
		cl_program p = build(cl20_src, "-cl-std=CL3.0");
		cl_kernel k = kernel(p, "scoped");
		size_t local = 64, global = 128;
		int out[128];

		set_args(k, "p", out);
		CHECK(run(k, 1, &global, &local));
		for (size_t i = 0; i < global; i++) {
			size_t l = (i % local + 1) % local;

			assert_int_equal(out[i], (int)(local - 1 - l) * 3 + 1);
		}
		clReleaseKernel(k);
		clReleaseProgram(p);
	}
}

/*
 * Generic pointers into local memory (OpenCL C 2.0+): a helper that takes
 * an unqualified pointer is called with local and global arguments; the
 * local ones are recognised by the unit's local range and accessed
 * directly, the global ones go through the MMU, and both must be right.
 */
static const char *const generic_local_src =
	"static void put(int *p, size_t i, int v) { p[i] = v; }\n"
	"static int get(const int *p, size_t i) { return p[i]; }\n"
	"kernel void generic_local(global int *out, local int *arg)\n"
	"{\n"
	"	local int tile[64];\n"
	"	size_t l = get_local_id(0), n = get_local_size(0);\n"
	"	put(tile, l, (int)get_global_id(0));\n"
	"	put(arg, l, 3 * (int)l);\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	put(out, get_global_id(0),\n"
	"	    get(tile, n - 1 - l) + get(arg, (l + 1) % n));\n"
	"}\n";

static void test_generic_pointers_to_local(void **state)
{
	cl_program p = build(generic_local_src, "-cl-std=CL3.0");
	cl_kernel k = kernel(p, "generic_local");
	size_t local = 64, global = 256;
	int out[256];

	(void)state;
	CHECK(clSetKernelArgSVMPointer(k, 0, out));
	CHECK(clSetKernelArg(k, 1, local * sizeof(int), NULL));
	CHECK(run(k, 1, &global, &local));
	for (size_t i = 0; i < global; i++) {
		size_t g = i / local * local, l = i % local;

		assert_int_equal(out[i], (int)(g + local - 1 - l) +
					 3 * (int)((l + 1) % local));
	}
	clReleaseKernel(k);
	clReleaseProgram(p);
}

/* ---------------------------------------------------------------------- */

static const char *const limits_src =
	/* 48 KiB of static locals: only 16 KiB left for arguments. */
	"kernel void big_static(global int *out, local int *extra)\n"
	"{\n"
	"	local int s[12288];\n"
	"	size_t l = get_local_id(0);\n"
	"	s[l] = (int)l;\n"
	"	s[12287 - l] = 1000 + (int)l;\n"
	"	extra[l] = (int)l * 2;\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	out[l] = s[get_local_size(0) - 1 - l] + extra[l]\n"
	"		 + s[12287 - l];\n"
	"}\n"
	/* Another kernel's locals do not add up with big_static's. */
	"kernel void other_static(global int *out)\n"
	"{\n"
	"	local int t[12288];\n"
	"	t[get_local_id(0)] = 5;\n"
	"	barrier(CLK_LOCAL_MEM_FENCE);\n"
	"	out[get_local_id(0)] = t[0];\n"
	"}\n"
	/* Locals without any barrier: the loop still reaches them. */
	"kernel void no_barrier_local(global int *out, local int *a)\n"
	"{\n"
	"	local int b[4];\n"
	"	size_t l = get_local_id(0);\n"
	"	a[l] = (int)l + 10;\n"
	"	b[l % 4] = a[l];\n"
	"	out[get_global_id(0)] = b[l % 4] + a[l];\n"
	"}\n";

static void test_local_memory_limits(void **state)
{
	cl_program p = build(limits_src, NULL);
	cl_kernel k = kernel(p, "big_static");
	cl_device_local_mem_type type = 0;
	cl_ulong size = 0;
	size_t local = 64, global = 64;
	int out[64], dummy = 1;

	(void)state;
	CHECK(clGetDeviceInfo(E.dev, CL_DEVICE_LOCAL_MEM_SIZE, sizeof(size),
			      &size, NULL));
	assert_int_equal(size, 65536);
	CHECK(clGetDeviceInfo(E.dev, CL_DEVICE_LOCAL_MEM_TYPE, sizeof(type),
			      &type, NULL));
	assert_int_equal(type, CL_LOCAL);

	CHECK(clSetKernelArgSVMPointer(k, 0, out));
	/* __local arguments: a size, no value; 0 bytes is an error. */
	assert_int_equal(clSetKernelArg(k, 1, sizeof(dummy), &dummy),
			 CL_INVALID_ARG_VALUE);
	assert_int_equal(clSetKernelArg(k, 1, 0, NULL), CL_INVALID_ARG_SIZE);
	/* Unset __local argument. */
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						&local, 0, NULL, NULL),
			 CL_INVALID_KERNEL_ARGS);
	/* 48 KiB + 16 KiB + 1 byte does not fit. */
	CHECK(clSetKernelArg(k, 1, 16384 + 1, NULL));
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						&local, 0, NULL, NULL),
			 CL_OUT_OF_RESOURCES);
	CHECK(clSetKernelArg(k, 1, (size_t)1 << 40, NULL));
	assert_int_equal(clEnqueueNDRangeKernel(E.queue, k, 1, NULL, &global,
						&local, 0, NULL, NULL),
			 CL_OUT_OF_RESOURCES);
	/* Exactly 64 KiB: the whole block is usable. */
	CHECK(clSetKernelArg(k, 1, 16384, NULL));
	CHECK(run(k, 1, &global, &local));
	for (int l = 0; l < 64; l++)
		assert_int_equal(out[l], (63 - l) + 2 * l + 1000 + l);
	clReleaseKernel(k);

	k = kernel(p, "other_static");
	set_args(k, "p", out);
	CHECK(run(k, 1, &global, &local));
	for (int l = 0; l < 64; l++)
		assert_int_equal(out[l], 5);
	clReleaseKernel(k);

	k = kernel(p, "no_barrier_local");
	local = 4;
	global = 16;
	set_args(k, "pl", out, local * sizeof(int));
	CHECK(run(k, 1, &global, &local));
	for (int i = 0; i < 16; i++)
		assert_int_equal(out[i], 2 * (i % 4 + 10));
	clReleaseKernel(k);
	clReleaseProgram(p);
}

static void test_static_local_too_big(void **state)
{
	static const char *const src =
		"kernel void k(global int *out)\n"
		"{\n"
		"	local int t[16385];\n"
		"	t[get_local_id(0)] = 1;\n"
		"	out[0] = t[3];\n"
		"}\n";
	char log[8192];
	cl_program p;

	(void)state;
	assert_int_equal(try_build(src, NULL, &p, log, sizeof(log)),
			 CL_BUILD_PROGRAM_FAILURE);
	assert_non_null(strstr(log, "local memory"));
	clReleaseProgram(p);
}

static void test_kernel_work_group_size(void **state)
{
	cl_kernel k = kernel(prog(), "reduce");
	size_t wg = 0;

	(void)state;
	CHECK(clGetKernelWorkGroupInfo(k, E.dev, CL_KERNEL_WORK_GROUP_SIZE,
				       sizeof(wg), &wg, NULL));
	assert_int_equal(wg, 1024);
	/* ... and it is honest: a group of that size runs (check_reduce). */
	check_reduce(wg, 2);
	clReleaseKernel(k);
}

/* ---------------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double time_kernel(cl_kernel k, size_t n, size_t local, int reps)
{
	double best = 1e9;

	for (int r = 0; r < reps; r++) {
		double t0 = now_s();

		CHECK(run(k, 1, &n, &local));
		t0 = now_s() - t0;
		if (t0 < best)
			best = t0;
	}
	return best;
}

/*
 * What a barrier costs: the same saxpy with and without one barrier
 * (one context switch per work-item). Printed, not asserted: timing on a
 * shared machine is no verdict; the results are checked.
 */
static void test_barrier_cost(void **state)
{
	cl_kernel plain = kernel(prog(), "saxpy");
	cl_kernel bar = kernel(prog(), "saxpy_barrier");
	size_t n = 1 << 20, local = 256;
	float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
	float a = 2.0f;
	double t_plain, t_bar;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		x[i] = 1.0f;
		y[i] = 0.0f;
	}
	set_args(plain, "pp", x, y);
	CHECK(clSetKernelArg(plain, 2, sizeof(a), &a));
	set_args(bar, "pp", x, y);
	CHECK(clSetKernelArg(bar, 2, sizeof(a), &a));
	t_plain = time_kernel(plain, n, local, 5);
	t_bar = time_kernel(bar, n, local, 5);
	/* 10 runs, each adds 2. */
	for (size_t i = 0; i < n; i++)
		assert_true(y[i] == 20.0f);
	printf("# barrier cost: saxpy 1M items, groups of 256: %.3f ms "
	       "without a barrier, %.3f ms with one (%.1f ns per work-item "
	       "more)\n", t_plain * 1e3, t_bar * 1e3,
	       (t_bar - t_plain) * 1e9 / (double)n);
	free(x);
	free(y);
	clReleaseKernel(plain);
	clReleaseKernel(bar);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_straight_sizes),
		cmocka_unit_test(test_loop_per_group_trips),
		cmocka_unit_test(test_nested_conditional),
		cmocka_unit_test(test_local_arg_reduction),
		cmocka_unit_test(test_transpose_2d),
		cmocka_unit_test(test_3d_groups),
		cmocka_unit_test(test_private_arrays_stacks),
		cmocka_unit_test(test_stack_overflow_faults),
		cmocka_unit_test(test_fault_inside_fiber),
		cmocka_unit_test(test_all_units_concurrently),
		cmocka_unit_test(test_barrier_free_regression),
		cmocka_unit_test(test_async_copy),
		cmocka_unit_test(test_async_strided_copy),
		cmocka_unit_test(test_async_two_events),
		cmocka_unit_test(test_work_group_barrier_scopes),
		cmocka_unit_test(test_generic_pointers_to_local),
		cmocka_unit_test(test_local_memory_limits),
		cmocka_unit_test(test_static_local_too_big),
		cmocka_unit_test(test_kernel_work_group_size),
		cmocka_unit_test(test_barrier_cost),
	};

	return cmocka_run_group_tests(tests, barrier_setup, barrier_teardown);
}
