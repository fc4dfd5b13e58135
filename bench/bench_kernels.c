/* SPDX-License-Identifier: MIT */
/*
 * bench_kernels.c - kernel throughput on SVM memory: STREAM and mandelbrot,
 * every OpenCL platform found side by side, next to the host CPU itself.
 *
 * STREAM (McCalpin's four kernels: copy c = a, scale b = q c, add
 * c = a + b, triad a = b + q c) on clSVMAlloc'd fine-grained buffers: the
 * bandwidth a kernel gets through the device MMU. Mandelbrot: a
 * compute-bound kernel with no memory traffic to speak of.
 *
 * Each kernel runs once to warm up (first-touch faults, JIT), then REPS
 * times; like STREAM the best time is reported, and the median next to it.
 * The "host" rows run the same loops as plain C on all cores (threads), the
 * machine's own limit for this build. Ratios are per platform against the
 * first platform whose name contains "svmcl" (svmcl / other).
 *
 * Element type: double when every platform reports cl_khr_fp64, float
 * otherwise (printed). SVMCL_MMU=off is honoured by svmcl's compiler when
 * present: bench/run.sh runs this twice to show the MMU's own cost.
 *
 *	bench-kernels [MiB per array, default 64]
 */
#define CL_TARGET_OPENCL_VERSION 300

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CL/cl.h>

#include "bench_util.h"

#define REPS 10
#define MAX_PLATFORMS 8
#define MANDEL_W 1024
#define MANDEL_H 1024
#define MANDEL_ITERS 512

enum { K_COPY, K_SCALE, K_ADD, K_TRIAD, K_MANDEL, NR_K };
static const char *const k_name[NR_K] = {
	"copy", "scale", "add", "triad", "mandelbrot"
};
/* Arrays each STREAM kernel touches (reads + writes). */
static const int k_arrays[NR_K] = { 2, 2, 3, 3, 0 };

static const char *src_stream =
	"#ifdef USE_DOUBLE\n"
	"#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"
	"typedef double real;\n"
	"#else\n"
	"typedef float real;\n"
	"#endif\n"
	"kernel void copy(global const real *a, global real *c)\n"
	"{ size_t i = get_global_id(0); c[i] = a[i]; }\n"
	"kernel void scale(global real *b, global const real *c, real q)\n"
	"{ size_t i = get_global_id(0); b[i] = q * c[i]; }\n"
	"kernel void add(global const real *a, global const real *b, global real *c)\n"
	"{ size_t i = get_global_id(0); c[i] = a[i] + b[i]; }\n"
	"kernel void triad(global real *a, global const real *b, global const real *c, real q)\n"
	"{ size_t i = get_global_id(0); a[i] = b[i] + q * c[i]; }\n"
	"kernel void mandelbrot(global int *out, float x0, float y0, float step, int iters)\n"
	"{\n"
	"	int px = get_global_id(0), py = get_global_id(1);\n"
	"	float cr = x0 + px * step, ci = y0 + py * step;\n"
	"	float zr = 0.0f, zi = 0.0f;\n"
	"	int n = 0;\n"
	"	while (n < iters && zr * zr + zi * zi <= 4.0f) {\n"
	"		float t = zr * zr - zi * zi + cr;\n"
	"		zi = 2.0f * zr * zi + ci;\n"
	"		zr = t;\n"
	"		n++;\n"
	"	}\n"
	"	out[py * get_global_size(0) + px] = n;\n"
	"}\n";

struct row {
	char name[64];
	bool ok;
	struct result r[NR_K];		/* seconds */
};

static size_t n_elems;
static size_t elem_size;
static const float mandel_x0 = -2.0f, mandel_y0 = -1.5f;
static const float mandel_step = 3.0f / MANDEL_W;

/* ------------------------------------------------------------------ */
/* The host: the same loops in C on every core.                         */

struct host_job {
	int kernel;
	size_t lo, hi;
	void *a, *b, *c;
	int *out;
};

static void host_stream_part(struct host_job *j)
{
	if (elem_size == sizeof(double)) {
		double *a = j->a, *b = j->b, *c = j->c, q = 3.0;

		switch (j->kernel) {
		case K_COPY: for (size_t i = j->lo; i < j->hi; i++) c[i] = a[i]; break;
		case K_SCALE: for (size_t i = j->lo; i < j->hi; i++) b[i] = q * c[i]; break;
		case K_ADD: for (size_t i = j->lo; i < j->hi; i++) c[i] = a[i] + b[i]; break;
		case K_TRIAD: for (size_t i = j->lo; i < j->hi; i++) a[i] = b[i] + q * c[i]; break;
		}
	} else {
		float *a = j->a, *b = j->b, *c = j->c, q = 3.0f;

		switch (j->kernel) {
		case K_COPY: for (size_t i = j->lo; i < j->hi; i++) c[i] = a[i]; break;
		case K_SCALE: for (size_t i = j->lo; i < j->hi; i++) b[i] = q * c[i]; break;
		case K_ADD: for (size_t i = j->lo; i < j->hi; i++) c[i] = a[i] + b[i]; break;
		case K_TRIAD: for (size_t i = j->lo; i < j->hi; i++) a[i] = b[i] + q * c[i]; break;
		}
	}
}

static void host_mandel_part(struct host_job *j)
{
	for (size_t py = j->lo; py < j->hi; py++) {
		for (int px = 0; px < MANDEL_W; px++) {
			float cr = mandel_x0 + px * mandel_step;
			float ci = mandel_y0 + (float)py * mandel_step;
			float zr = 0.0f, zi = 0.0f;
			int n = 0;

			while (n < MANDEL_ITERS && zr * zr + zi * zi <= 4.0f) {
				float t = zr * zr - zi * zi + cr;

				zi = 2.0f * zr * zi + ci;
				zr = t;
				n++;
			}
			j->out[py * MANDEL_W + (size_t)px] = n;
		}
	}
}

static void *host_worker(void *arg)
{
	struct host_job *j = arg;

	if (j->kernel == K_MANDEL)
		host_mandel_part(j);
	else
		host_stream_part(j);
	return NULL;
}

static double host_run(int kernel, int threads, void *a, void *b, void *c,
		       int *out)
{
	struct host_job jobs[64];
	pthread_t th[64];
	size_t total = kernel == K_MANDEL ? MANDEL_H : n_elems;
	uint64_t t0 = now_ns();

	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct host_job){ kernel, total * t / threads,
					     total * (t + 1) / threads, a, b, c,
					     out };
		if (pthread_create(&th[t], NULL, host_worker, &jobs[t]))
			die("pthread_create");
	}
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	return (double)(now_ns() - t0) / 1e9;
}

static void bench_host(struct row *row)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores;
	void *a = malloc(n_elems * elem_size), *b = malloc(n_elems * elem_size);
	void *c = malloc(n_elems * elem_size);
	int *out = malloc(sizeof(int) * MANDEL_W * MANDEL_H);
	double t[REPS];

	if (!a || !b || !c || !out)
		die("malloc");
	memset(a, 0, n_elems * elem_size);
	memset(b, 0, n_elems * elem_size);
	memset(c, 0, n_elems * elem_size);
	snprintf(row->name, sizeof(row->name), "host C, %d threads", threads);
	for (int k = 0; k < NR_K; k++) {
		host_run(k, threads, a, b, c, out);
		for (int i = 0; i < REPS; i++)
			t[i] = host_run(k, threads, a, b, c, out);
		row->r[k] = summarize(t, REPS);
	}
	row->ok = true;
	free(a);
	free(b);
	free(c);
	free(out);
}

/* ------------------------------------------------------------------ */
/* An OpenCL platform.                                                  */

static bool device_has_fp64(cl_device_id dev)
{
	char ext[8192] = "";

	clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, sizeof(ext), ext, NULL);
	return strstr(ext, "cl_khr_fp64") != NULL;
}

static double cl_run(cl_command_queue q, cl_kernel k, cl_uint dim,
		     const size_t *global)
{
	uint64_t t0 = now_ns();

	if (clEnqueueNDRangeKernel(q, k, dim, NULL, global, NULL, 0, NULL,
				   NULL) != CL_SUCCESS || clFinish(q) != CL_SUCCESS)
		return -1.0;
	return (double)(now_ns() - t0) / 1e9;
}

static bool bench_platform(cl_platform_id p, struct row *row)
{
	const cl_svm_mem_flags fine = CL_MEM_READ_WRITE |
				      CL_MEM_SVM_FINE_GRAIN_BUFFER;
	cl_device_id dev;
	cl_context ctx = NULL;
	cl_command_queue q = NULL;
	cl_program prog = NULL;
	cl_kernel k[NR_K] = { 0 };
	void *a = NULL, *b = NULL, *c = NULL;
	int *out = NULL;
	cl_int err, iters = MANDEL_ITERS;
	double t[REPS];
	const char *opts = elem_size == sizeof(double) ? "-DUSE_DOUBLE" : "";
	double qd = 3.0;
	float qf = 3.0f;
	char dname[64] = "";
	bool ok = false;

	clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof(row->name), row->name,
			  NULL);
	if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS)
		return false;
	clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof(dname), dname, NULL);
	ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
	if (!ctx)
		goto out;
	q = clCreateCommandQueueWithProperties(ctx, dev, NULL, &err);
	prog = clCreateProgramWithSource(ctx, 1, &src_stream, NULL, &err);
	if (!q || !prog || clBuildProgram(prog, 1, &dev, opts, NULL, NULL)) {
		fprintf(stderr, "%s: build failed\n", row->name);
		goto out;
	}
	for (int i = 0; i < NR_K; i++) {
		k[i] = clCreateKernel(prog, k_name[i], &err);
		if (!k[i])
			goto out;
	}
	a = clSVMAlloc(ctx, fine, n_elems * elem_size, 0);
	b = clSVMAlloc(ctx, fine, n_elems * elem_size, 0);
	c = clSVMAlloc(ctx, fine, n_elems * elem_size, 0);
	out = clSVMAlloc(ctx, fine, sizeof(int) * MANDEL_W * MANDEL_H, 0);
	if (!a || !b || !c || !out) {
		fprintf(stderr, "%s: clSVMAlloc failed\n", row->name);
		goto out;
	}
	memset(a, 0, n_elems * elem_size);
	memset(b, 0, n_elems * elem_size);
	memset(c, 0, n_elems * elem_size);

	clSetKernelArgSVMPointer(k[K_COPY], 0, a);
	clSetKernelArgSVMPointer(k[K_COPY], 1, c);
	clSetKernelArgSVMPointer(k[K_SCALE], 0, b);
	clSetKernelArgSVMPointer(k[K_SCALE], 1, c);
	clSetKernelArgSVMPointer(k[K_ADD], 0, a);
	clSetKernelArgSVMPointer(k[K_ADD], 1, b);
	clSetKernelArgSVMPointer(k[K_ADD], 2, c);
	clSetKernelArgSVMPointer(k[K_TRIAD], 0, a);
	clSetKernelArgSVMPointer(k[K_TRIAD], 1, b);
	clSetKernelArgSVMPointer(k[K_TRIAD], 2, c);
	if (elem_size == sizeof(double)) {
		clSetKernelArg(k[K_SCALE], 2, sizeof(qd), &qd);
		clSetKernelArg(k[K_TRIAD], 3, sizeof(qd), &qd);
	} else {
		clSetKernelArg(k[K_SCALE], 2, sizeof(qf), &qf);
		clSetKernelArg(k[K_TRIAD], 3, sizeof(qf), &qf);
	}
	clSetKernelArgSVMPointer(k[K_MANDEL], 0, out);
	clSetKernelArg(k[K_MANDEL], 1, sizeof(float), &mandel_x0);
	clSetKernelArg(k[K_MANDEL], 2, sizeof(float), &mandel_y0);
	clSetKernelArg(k[K_MANDEL], 3, sizeof(float), &mandel_step);
	clSetKernelArg(k[K_MANDEL], 4, sizeof(iters), &iters);

	for (int i = 0; i < NR_K; i++) {
		size_t g1 = n_elems, g2[2] = { MANDEL_W, MANDEL_H };
		cl_uint dim = i == K_MANDEL ? 2 : 1;
		const size_t *g = i == K_MANDEL ? g2 : &g1;

		if (cl_run(q, k[i], dim, g) < 0)
			goto out;
		for (int r = 0; r < REPS; r++)
			if ((t[r] = cl_run(q, k[i], dim, g)) < 0)
				goto out;
		row->r[i] = summarize(t, REPS);
	}
	/* Correctness, so a broken platform cannot look fast. */
	if (out[0] != 1 || out[(MANDEL_H / 2) * MANDEL_W + MANDEL_W / 3] != MANDEL_ITERS) {
		fprintf(stderr, "%s: mandelbrot result is wrong\n", row->name);
		goto out;
	}
	snprintf(row->name + strlen(row->name),
		 sizeof(row->name) - strlen(row->name), " (%.20s)", dname);
	ok = true;
out:
	for (int i = 0; i < NR_K; i++)
		if (k[i])
			clReleaseKernel(k[i]);
	if (ctx) {
		clSVMFree(ctx, a);
		clSVMFree(ctx, b);
		clSVMFree(ctx, c);
		clSVMFree(ctx, out);
	}
	if (prog)
		clReleaseProgram(prog);
	if (q)
		clReleaseCommandQueue(q);
	if (ctx)
		clReleaseContext(ctx);
	row->ok = ok;
	return ok;
}

static double metric(int k, double seconds)
{
	if (k == K_MANDEL)	/* Mpixel/s */
		return (double)MANDEL_W * MANDEL_H / seconds / 1e6;
	/* GB/s, STREAM's convention: bytes read + written, 1e9 */
	return (double)k_arrays[k] * (double)n_elems * (double)elem_size /
	       seconds / 1e9;
}

int main(int argc, char **argv)
{
	struct row rows[MAX_PLATFORMS + 1];
	cl_platform_id ps[MAX_PLATFORMS];
	cl_uint np = 0;
	unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	bool fp64 = true;
	int nrows = 0, ref = -1;
	const char *mmu = getenv("SVMCL_MMU");

	if (!mib || mib > 4096) {
		fprintf(stderr, "usage: bench-kernels [MiB per array, 1..4096]\n");
		return 2;
	}
	if (clGetPlatformIDs(MAX_PLATFORMS, ps, &np) != CL_SUCCESS)
		np = 0;
	for (cl_uint i = 0; i < np; i++) {
		cl_device_id dev;

		if (clGetDeviceIDs(ps[i], CL_DEVICE_TYPE_ALL, 1, &dev, NULL) ==
			    CL_SUCCESS && !device_has_fp64(dev))
			fp64 = false;
	}
	elem_size = fp64 ? sizeof(double) : sizeof(float);
	n_elems = ((size_t)mib << 20) / elem_size;

	printf("bench-kernels: STREAM on fine-grained SVM, %lu MiB per array, %s; "
	       "mandelbrot %dx%d, %d iterations; best (median) of %d%s%s\n",
	       mib, fp64 ? "double" : "float", MANDEL_W, MANDEL_H,
	       MANDEL_ITERS, REPS, mmu ? ", SVMCL_MMU=" : "", mmu ? mmu : "");
	for (cl_uint i = 0; i < np && nrows < MAX_PLATFORMS; i++) {
		memset(&rows[nrows], 0, sizeof(rows[nrows]));
		if (bench_platform(ps[i], &rows[nrows])) {
			if (ref < 0 && strstr(rows[nrows].name, "svmcl"))
				ref = nrows;
			nrows++;
		}
	}
	memset(&rows[nrows], 0, sizeof(rows[nrows]));
	bench_host(&rows[nrows++]);

	printf("\n%-40s", "");
	for (int k = 0; k < NR_K; k++)
		printf(" %20s", k == K_MANDEL ? "mandelbrot Mpix/s" : k_name[k]);
	printf("\n%-40s", "");
	for (int k = 0; k < NR_K; k++)
		printf(" %20s", k == K_MANDEL ? "best (median)" : "GB/s best (median)");
	printf("\n");
	for (int r = 0; r < nrows; r++) {
		printf("%-40.40s", rows[r].name);
		for (int k = 0; k < NR_K; k++)
			printf("      %6.2f (%6.2f)", metric(k, rows[r].r[k].best),
			       metric(k, rows[r].r[k].median));
		printf("\n");
	}
	if (ref >= 0) {
		printf("\nratios, svmcl / other (best):\n");
		for (int r = 0; r < nrows; r++) {
			if (r == ref)
				continue;
			printf("%-40.40s", rows[r].name);
			for (int k = 0; k < NR_K; k++)
				printf(" %19.2fx", metric(k, rows[ref].r[k].best) /
						     metric(k, rows[r].r[k].best));
			printf("\n");
		}
	}
	return 0;
}
