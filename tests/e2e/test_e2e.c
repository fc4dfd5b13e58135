/* SPDX-License-Identifier: MIT */
/*
 * End-to-end through the real ICD loader: OpenCL C kernels that read and
 * write malloc'd and clSVMAlloc'd memory through the software GPU's MMU,
 * the work-item functions in three dimensions, and the device-fault path
 * (unmapped address -> failed event, error from clFinish, report on stderr,
 * next kernel fine).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <CL/cl.h>

#include "e2e_env.h"

static const char *source =
	"kernel void vadd(global const float *a, global const float *b,\n"
	"		  global float *c)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	c[i] = a[i] + b[i];\n"
	"}\n"
	"kernel void ids(global uint *out)\n"
	"{\n"
	"	size_t x = get_global_id(0), y = get_global_id(1),\n"
	"	       z = get_global_id(2);\n"
	"	size_t lin = (z * get_global_size(1) + y) * get_global_size(0) + x;\n"
	"	uint v = 0;\n"
	"	for (uint d = 0; d < 3; d++)\n"
	"		v = v * 64 + get_local_id(d) * 8 + get_group_id(d);\n"
	"	out[4 * lin + 0] = v;\n"
	"	out[4 * lin + 1] = get_local_size(0) * 100 + get_local_size(1) * 10\n"
	"			   + get_local_size(2);\n"
	"	out[4 * lin + 2] = get_num_groups(0) * 100 + get_num_groups(1) * 10\n"
	"			   + get_num_groups(2);\n"
	"	out[4 * lin + 3] = get_work_dim() * 1000 + get_global_offset(0);\n"
	"}\n"
	"kernel void touch(global int *p, global int *out)\n"
	"{\n"
	"	out[get_global_id(0)] = p[get_global_id(0)] + 1;\n"
	"}\n";

static cl_kernel build_kernel(struct env *e, const char *name,
			      cl_program *prog_out)
{
	cl_int err;
	cl_program prog = clCreateProgramWithSource(e->ctx, 1, &source, NULL,
						    &err);
	cl_kernel k;

	assert_int_equal(err, CL_SUCCESS);
	err = clBuildProgram(prog, 1, &e->dev, NULL, NULL, NULL);
	if (err) {
		char log[4096] = "";

		clGetProgramBuildInfo(prog, e->dev, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fprintf(stderr, "%s\n", log);
	}
	assert_int_equal(err, CL_SUCCESS);
	k = clCreateKernel(prog, name, &err);
	assert_int_equal(err, CL_SUCCESS);
	*prog_out = prog;
	return k;
}

static void run_vadd(struct env *e, float *a, float *b, float *c, size_t n)
{
	cl_program prog;
	cl_kernel k = build_kernel(e, "vadd", &prog);
	size_t local = 64;

	for (size_t i = 0; i < n; i++) {
		a[i] = (float)i;
		b[i] = (float)(2 * i) + 0.5f;
		c[i] = -1.0f;
	}
	assert_int_equal(clSetKernelArgSVMPointer(k, 0, a), CL_SUCCESS);
	assert_int_equal(clSetKernelArgSVMPointer(k, 1, b), CL_SUCCESS);
	assert_int_equal(clSetKernelArgSVMPointer(k, 2, c), CL_SUCCESS);
	assert_int_equal(clEnqueueNDRangeKernel(e->queue, k, 1, NULL, &n, &local,
						0, NULL, NULL),
			 CL_SUCCESS);
	assert_int_equal(clFinish(e->queue), CL_SUCCESS);
	for (size_t i = 0; i < n; i++)
		assert_true(c[i] == (float)(3 * i) + 0.5f);
	clReleaseKernel(k);
	clReleaseProgram(prog);
}

static void test_vadd_malloc(void **state)
{
	size_t n = 1 << 18;
	float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
	float *c = malloc(n * sizeof(float));

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	run_vadd(*state, a, b, c, n);
	free(a);
	free(b);
	free(c);
}

static void test_vadd_svm_alloc(void **state)
{
	struct env *e = *state;
	size_t n = 1 << 16;
	cl_svm_mem_flags flags = CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER;
	float *a = clSVMAlloc(e->ctx, flags, n * sizeof(float), 0);
	float *b = clSVMAlloc(e->ctx, flags, n * sizeof(float), 0);
	float *c = clSVMAlloc(e->ctx, flags, n * sizeof(float), 0);

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	run_vadd(e, a, b, c, n);
	clSVMFree(e->ctx, a);
	clSVMFree(e->ctx, b);
	clSVMFree(e->ctx, c);
}

static void test_work_item_functions_3d(void **state)
{
	struct env *e = *state;
	cl_program prog;
	cl_kernel k = build_kernel(e, "ids", &prog);
	size_t global[3] = { 8, 6, 4 }, local[3] = { 4, 3, 2 };
	size_t total = global[0] * global[1] * global[2];
	cl_uint *out = calloc(4 * total, sizeof(*out));

	assert_non_null(out);
	assert_int_equal(clSetKernelArgSVMPointer(k, 0, out), CL_SUCCESS);
	assert_int_equal(clEnqueueNDRangeKernel(e->queue, k, 3, NULL, global,
						local, 0, NULL, NULL),
			 CL_SUCCESS);
	assert_int_equal(clFinish(e->queue), CL_SUCCESS);
	for (size_t z = 0; z < global[2]; z++)
		for (size_t y = 0; y < global[1]; y++)
			for (size_t x = 0; x < global[0]; x++) {
				size_t lin = (z * global[1] + y) * global[0] + x;
				size_t g[3] = { x, y, z };
				cl_uint v = 0;

				for (int d = 0; d < 3; d++)
					v = v * 64 + (cl_uint)(g[d] % local[d]) * 8 +
					    (cl_uint)(g[d] / local[d]);
				assert_int_equal(out[4 * lin], v);
				assert_int_equal(out[4 * lin + 1], 432);
				assert_int_equal(out[4 * lin + 2], 222);
				assert_int_equal(out[4 * lin + 3], 3000);
			}
	free(out);
	clReleaseKernel(k);
	clReleaseProgram(prog);
}

/* Runs @fn with stderr captured into @buf. */
static void capture_stderr(char *buf, size_t len, void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/svmcl-e2e-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
}

struct fault_run {
	struct env *e;
	cl_kernel k;
	void *bad;
	cl_int finish;
	cl_int status;
};

static void run_faulting_kernel(void *p)
{
	struct fault_run *r = p;
	size_t n = 64;
	int out[64];
	cl_event ev;

	assert_int_equal(clSetKernelArgSVMPointer(r->k, 0, r->bad), CL_SUCCESS);
	assert_int_equal(clSetKernelArgSVMPointer(r->k, 1, out), CL_SUCCESS);
	assert_int_equal(clEnqueueNDRangeKernel(r->e->queue, r->k, 1, NULL, &n,
						NULL, 0, NULL, &ev),
			 CL_SUCCESS);
	r->finish = clFinish(r->e->queue);
	assert_int_equal(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
					sizeof(r->status), &r->status, NULL),
			 CL_SUCCESS);
	clReleaseEvent(ev);
}

/* True when no CPU mapping covers @page (msync fails with ENOMEM). */
static bool page_unmapped(void *page)
{
	return msync(page, 4096, MS_ASYNC) != 0 && errno == ENOMEM;
}

static void test_unmapped_address_fault(void **state)
{
	struct env *e = *state;
	cl_program prog;
	struct fault_run r = { .e = e };
	char log[4096], *at;
	unsigned long long fault_addr;
	int in[64], out[64];
	size_t n = 64;
	int attempt;

	r.k = build_kernel(e, "touch", &prog);
	/* A hole that another thread maps again meanwhile proves nothing. */
	for (attempt = 0; attempt < 8; attempt++) {
		int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(p != MAP_FAILED);
		munmap(p, 4096);
		r.bad = p;
		capture_stderr(log, sizeof(log), run_faulting_kernel, &r);
		if (r.finish == CL_SUCCESS && !page_unmapped(p))
			continue;

		assert_int_not_equal(r.finish, CL_SUCCESS);
		assert_true(r.status < 0);
		assert_non_null(strstr(log, "device fault"));
		assert_non_null(strstr(log, "touch"));
		assert_non_null(strstr(log, "read"));
		/* Whichever work-group faulted first, the address is in the hole. */
		at = strstr(log, " at 0x");
		assert_non_null(at);
		fault_addr = strtoull(at + 4, NULL, 16);
		assert_in_range(fault_addr, (uintptr_t)p, (uintptr_t)p + 4095);
		break;
	}
	assert_true(attempt < 8);

	/* The process survived and the next kernel runs normally. */
	for (int i = 0; i < 64; i++)
		in[i] = i;
	assert_int_equal(clSetKernelArgSVMPointer(r.k, 0, in), CL_SUCCESS);
	assert_int_equal(clSetKernelArgSVMPointer(r.k, 1, out), CL_SUCCESS);
	assert_int_equal(clEnqueueNDRangeKernel(e->queue, r.k, 1, NULL, &n, NULL,
						0, NULL, NULL),
			 CL_SUCCESS);
	assert_int_equal(clFinish(e->queue), CL_SUCCESS);
	for (int i = 0; i < 64; i++)
		assert_int_equal(out[i], i + 1);
	clReleaseKernel(r.k);
	clReleaseProgram(prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vadd_malloc),
		cmocka_unit_test(test_vadd_svm_alloc),
		cmocka_unit_test(test_work_item_functions_3d),
		cmocka_unit_test(test_unmapped_address_fault),
	};

	return cmocka_run_group_tests_name("e2e", tests, setup, teardown);
}
