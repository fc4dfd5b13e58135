/* SPDX-License-Identifier: MIT */
/*
 * End to end through the real ICD loader: the automatic migration of hot
 * regions (SVMCL_MIGRATE=hot, docs/gpu.md "Automatic migration"). A
 * kernel hammers an 8 MiB fine-grained SVM array, 16 dispatches; the
 * policy notices the array's 2 MiB regions are hot and moves them into
 * the device's VRAM while the kernels run, without any
 * clEnqueueSVMMigrateMem. Checked: the CPU's pages of every complete 2 MiB
 * region of the array are absent from its page table (/proc/self/pagemap,
 * as tests/conformance/test_svm_api.c checks an explicit migration), and
 * every value is right (the CPU reads bring the pages back).
 *
 * The policy's work runs on its own thread, so the test waits (up to 10 s)
 * for the pages to leave. Without device memory (no kernel-mode
 * userfaultfd) it says "# SKIP" and passes.
 *
 * Timing: it prints the time per dispatch and how long after the first
 * dispatch the pages had left. `test-e2e-migrate-hot --baseline` runs the
 * same work with the policy off (SVMCL_MIGRATE=off) and checks only the
 * values, for the cost comparison in docs/gpu.md.
 */
#include <fcntl.h>
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

#include "e2e_env.h"

#define PG 4096ul
#define REGION (2ul << 20)
#define ARRAY (8ul << 20)
#define N (ARRAY / sizeof(cl_uint))
#define PASSES 16

static bool baseline;

static const char *source =
	"kernel void hammer(global uint *a)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	a[i] = a[i] * 3u + 1u;\n"
	"}\n";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Pages of [p, p + len) the CPU's page table maps (pagemap bit 63). */
static size_t pages_present(const void *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t n = 0;

	assert_true(fd >= 0);
	for (size_t off = 0; off < len; off += PG) {
		uint64_t e = 0;

		assert_int_equal(pread(fd, &e, 8,
				       (off_t)(((uintptr_t)p + off) / PG) * 8),
				 8);
		n += e >> 63;
	}
	close(fd);
	return n;
}

/* Can pages leave for VRAM at all? One explicit migration tells. */
static bool have_vram(struct env *e)
{
	cl_svm_mem_flags flags = CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER;
	char *p = clSVMAlloc(e->ctx, flags, 4 * PG, 0);
	const void *ptrs[1] = { p };
	bool moved;

	assert_non_null(p);
	memset(p, 1, 4 * PG);
	assert_int_equal(clEnqueueSVMMigrateMem(e->queue, 1, ptrs, NULL, 0, 0,
						NULL, NULL),
			 CL_SUCCESS);
	assert_int_equal(clFinish(e->queue), CL_SUCCESS);
	moved = pages_present(p, 4 * PG) == 0;
	clSVMFree(e->ctx, p);
	if (!moved)
		printf("# SKIP: the device has no VRAM (no kernel-mode "
		       "userfaultfd)\n");
	return moved;
}

static cl_kernel build_kernel(struct env *e, cl_program *prog_out)
{
	cl_int err;
	cl_program prog = clCreateProgramWithSource(e->ctx, 1, &source, NULL,
						    &err);
	cl_kernel k;

	assert_int_equal(err, CL_SUCCESS);
	assert_int_equal(clBuildProgram(prog, 1, &e->dev, NULL, NULL, NULL),
			 CL_SUCCESS);
	k = clCreateKernel(prog, "hammer", &err);
	assert_int_equal(err, CL_SUCCESS);
	*prog_out = prog;
	return k;
}

static void test_hot_array_moves_to_vram(void **state)
{
	struct env *e = *state;
	cl_svm_mem_flags flags = CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER;
	size_t global = N, local = 256, full, left = 0;
	uintptr_t first, last;
	double t0, t1, t_gone = -1;
	cl_program prog;
	cl_kernel k;
	cl_uint *a;

	if (!baseline && !have_vram(e))
		return;
	a = clSVMAlloc(e->ctx, flags, ARRAY, 0);
	assert_non_null(a);
	for (size_t i = 0; i < N; i++)
		a[i] = (cl_uint)i;
	/* The complete 2 MiB regions inside the array. */
	first = ((uintptr_t)a + REGION - 1) & ~(REGION - 1);
	last = ((uintptr_t)a + ARRAY) & ~(REGION - 1);
	full = (last - first) / PG;
	assert_true(full >= (ARRAY - REGION) / PG);

	k = build_kernel(e, &prog);
	assert_int_equal(clSetKernelArgSVMPointer(k, 0, a), CL_SUCCESS);
	t0 = now_ms();
	for (int p = 0; p < PASSES; p++) {
		assert_int_equal(clEnqueueNDRangeKernel(e->queue, k, 1, NULL,
							&global, &local, 0,
							NULL, NULL),
				 CL_SUCCESS);
		assert_int_equal(clFinish(e->queue), CL_SUCCESS);
	}
	t1 = now_ms();
	if (!baseline) {
		/* The policy's thread may still be moving the last region. */
		for (double t = t1; t < t1 + 10000; t = now_ms()) {
			left = pages_present((void *)first, last - first);
			if (!left) {
				t_gone = now_ms() - t0;
				break;
			}
			usleep(2000);
		}
		assert_int_equal(left, 0);
	}
	printf("# %s: %d dispatches over %lu MiB, %.2f ms per dispatch; "
	       "%zu pages of complete regions in VRAM %.1f ms after the first "
	       "dispatch\n",
	       baseline ? "policy off" : "SVMCL_MIGRATE=hot", PASSES,
	       ARRAY >> 20, (t1 - t0) / PASSES, baseline ? 0 : full, t_gone);

	/* Every value: the CPU's reads bring the pages back. */
	for (size_t i = 0; i < N; i++) {
		cl_uint v = (cl_uint)i;

		for (int p = 0; p < PASSES; p++)
			v = v * 3u + 1u;
		if (a[i] != v)
			fail_msg("a[%zu] = %u, expected %u", i, a[i], v);
	}
	assert_int_equal(pages_present(a, ARRAY), ARRAY / PG);
	clReleaseKernel(k);
	clReleaseProgram(prog);
	clSVMFree(e->ctx, a);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hot_array_moves_to_vram),
	};

	baseline = argc > 1 && !strcmp(argv[1], "--baseline");
	/* Read when the device is created, i.e. at the first OpenCL call. */
	setenv("SVMCL_MIGRATE", baseline ? "off" : "hot", 1);
	return cmocka_run_group_tests_name("e2e-migrate-hot", tests, setup,
					   teardown);
}
