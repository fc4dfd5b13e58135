/* SPDX-License-Identifier: MIT */
/*
 * bench_build.c - clBuildProgram of a small program, cold and cached, on
 * every OpenCL platform the loader offers (svmcl and, when installed,
 * pocl), side by side in one run.
 *
 * Cold: every build gets a source no cache has seen: a unique number in
 * a program-scope constant, which survives into the compiled code (a
 * unique comment would not: the front end's output, and so svmcl's
 * stage-3 cache key, would be the same), so both implementations run
 * their whole compiler. Cached: the same
 * source again, which svmcl's binary cache and pocl's kernel cache serve.
 * "to first result" adds clCreateKernel, one launch and clFinish, because
 * an implementation may defer code generation to the first launch (pocl
 * does). Both caches live in a private XDG_CACHE_HOME, removed at exit.
 *
 *   bench-build [iterations]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CL/cl.h>

#include "bench_util.h"

#define REPS 7

static const char src_fmt[] =
	"/* %s */\n"
	"constant int bench_unique = %d;\n"
	"kernel void saxpy(global float *y, global const float *x, float a)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	y[i] = a * x[i] + y[i];\n"
	"}\n";

static int unique;

/* Build (and optionally run once) a program; its time in ms. */
static double build_once(cl_context ctx, cl_device_id dev, cl_command_queue q,
			 const char *tag, bool fresh, bool run)
{
	char src[512];
	const char *s = src;
	cl_program p;
	cl_kernel k;
	cl_mem x, y;
	cl_int err;
	float a = 2.0f;
	size_t g = 64;
	uint64_t t0;

	snprintf(src, sizeof(src), src_fmt, tag, fresh ? ++unique : 0);
	x = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 256, NULL, &err);
	y = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 256, NULL, &err);
	t0 = now_ns();
	p = clCreateProgramWithSource(ctx, 1, &s, NULL, &err);
	if (clBuildProgram(p, 1, &dev, NULL, NULL, NULL)) {
		fprintf(stderr, "bench-build: %s: build failed\n", tag);
		exit(1);
	}
	if (run) {
		k = clCreateKernel(p, "saxpy", &err);
		if (x && y) {
			clSetKernelArg(k, 0, sizeof(y), &y);
			clSetKernelArg(k, 1, sizeof(x), &x);
		} else {	/* no buffers (yet): SVM pointers */
			static float hx[64], hy[64];

			clSetKernelArgSVMPointer(k, 0, hy);
			clSetKernelArgSVMPointer(k, 1, hx);
		}
		clSetKernelArg(k, 2, sizeof(a), &a);
		clEnqueueNDRangeKernel(q, k, 1, NULL, &g, NULL, 0, NULL, NULL);
		clFinish(q);
		clReleaseKernel(k);
	}
	t0 = now_ns() - t0;
	clReleaseProgram(p);
	if (x)
		clReleaseMemObject(x);
	if (y)
		clReleaseMemObject(y);
	return (double)t0 / 1e6;
}

static struct result measure(cl_context ctx, cl_device_id dev,
			     cl_command_queue q, const char *tag, bool fresh,
			     bool run, int iters)
{
	double v[REPS];

	/* Warm: the process, the loader, the compiler's first-use costs. */
	build_once(ctx, dev, q, tag, false, run);
	for (int r = 0; r < REPS; r++) {
		double sum = 0;

		for (int i = 0; i < iters; i++)
			sum += build_once(ctx, dev, q, tag, fresh, run);
		v[r] = sum / iters;
	}
	return summarize(v, REPS);
}

static void row(const char *what, struct result r, double ref)
{
	printf("| %-44s | %8.2f | %8.2f | %8.2fx |\n", what, r.median, r.best,
	       ref > 0 ? ref / r.median : 1.0);
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 3;
	char cache[] = "/tmp/bench-build-cache-XXXXXX", cmd[128];
	cl_platform_id ps[8];
	cl_uint np = 0;
	struct {
		char name[32];
		struct result cold, warm, cold_run, warm_run;
	} res[8];
	int n = 0;

	if (iters < 1)
		iters = 1;
	if (!mkdtemp(cache))
		die("mkdtemp");
	setenv("XDG_CACHE_HOME", cache, 1);
	unsetenv("SVMCL_CACHE");
	if (clGetPlatformIDs(8, ps, &np) != CL_SUCCESS || !np) {
		printf("(no OpenCL platform: set OCL_ICD_VENDORS)\n");
		return 1;
	}
	for (cl_uint i = 0; i < np && i < 8; i++) {
		cl_command_queue q;
		cl_device_id dev;
		cl_context ctx;
		cl_int err;
		char *name = res[n].name;

		clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof(res[n].name),
				  name, NULL);
		if (clGetDeviceIDs(ps[i], CL_DEVICE_TYPE_ALL, 1, &dev, NULL))
			continue;
		ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
		q = clCreateCommandQueueWithProperties(ctx, dev, NULL, &err);
		res[n].cold = measure(ctx, dev, q, name, true, false, iters);
		res[n].warm = measure(ctx, dev, q, name, false, false, iters);
		res[n].cold_run = measure(ctx, dev, q, name, true, true, iters);
		res[n].warm_run = measure(ctx, dev, q, name, false, true, iters);
		clReleaseCommandQueue(q);
		clReleaseContext(ctx);
		n++;
	}

	printf("# bench-build: small program (saxpy), median of %d runs of %d "
	       "builds (best); ratio = first platform / this one\n\n", REPS,
	       iters);
	printf("| %-44s | %8s | %8s | %9s |\n", "case", "median", "best",
	       "speed-up");
	printf("|%s|%s|%s|%s|\n", "----------------------------------------------",
	       "---------:", "---------:", "----------:");
	for (int i = 0; i < n; i++) {
		char what[96];

		snprintf(what, sizeof(what), "%.16s: clBuildProgram cold, ms",
			 res[i].name);
		row(what, res[i].cold, res[0].cold.median);
		snprintf(what, sizeof(what), "%.16s: clBuildProgram cached, ms",
			 res[i].name);
		row(what, res[i].warm, res[0].warm.median);
		snprintf(what, sizeof(what), "%.16s: cold, to first result, ms",
			 res[i].name);
		row(what, res[i].cold_run, res[0].cold_run.median);
		snprintf(what, sizeof(what), "%.16s: cached, to first result, ms",
			 res[i].name);
		row(what, res[i].warm_run, res[0].warm_run.median);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", cache);
	return 0;
}
