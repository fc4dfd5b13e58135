/* SPDX-License-Identifier: MIT */
/*
 * coarse_pipeline - coarse-grained SVM used the way a discrete GPU wants it.
 *
 * A coarse-grained SVM allocation belongs to the device between
 * clEnqueueSVMUnmap and the next clEnqueueSVMMap: the host may touch it
 * only while it has it mapped. The sample runs FRAMES frames through a
 * two-stage pipeline (scale, then a 3-point smoothing) with two sets of
 * buffers, so the host fills frame k + 1 while the device still works on
 * frame k:
 *
 *	host: map(in[b]) write  unmap(in[b])
 *	dev:                               migrate  scale  smooth
 *	host:                                                     map(out[b]) check unmap
 *
 * Every step is an enqueued command ordered by events; only the checks
 * wait. clEnqueueSVMMigrateMem moves the input to device memory before the
 * kernels run, as an application would on a discrete GPU. Run it with
 * svmcl's coarse-grain checking mode on to see that it never touches an
 * allocation the device owns (docs/svm.md).
 *
 * Exit status: 0 when every frame's output is correct, 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample_util.h"

#define N (1u << 18)		/* floats per frame: 1 MiB */
#define FRAMES 8

static const char *kernel_source =
	"kernel void scale(global const float *in, global float *mid, float k)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	mid[i] = in[i] * k;\n"
	"}\n"
	"\n"
	"kernel void smooth(global const float *mid, global float *out, uint n)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	float l = i > 0 ? mid[i - 1] : mid[i];\n"
	"	float r = i + 1 < n ? mid[i + 1] : mid[i];\n"
	"	out[i] = (l + mid[i] + r) / 3.0f;\n"
	"}\n";

static float input_value(unsigned int frame, unsigned int i)
{
	return (float)((i * 7u + frame * 13u) % 1000u) * 0.5f;
}

static float expected(unsigned int frame, unsigned int i, float k)
{
	unsigned int l = i > 0 ? i - 1 : i, r = i + 1 < N ? i + 1 : i;

	return (input_value(frame, l) * k + input_value(frame, i) * k +
		input_value(frame, r) * k) / 3.0f;
}

struct frame_bufs {
	float *in, *mid, *out;
};

static void fill_frame(struct sample_cl *cl, struct frame_bufs *b,
		       unsigned int frame, cl_uint nwait, const cl_event *wait,
		       cl_event *ready)
{
	CHECK(clEnqueueSVMMap(cl->queue, CL_TRUE, CL_MAP_WRITE_INVALIDATE_REGION,
			      b->in, N * sizeof(float), nwait, wait, NULL));
	for (unsigned int i = 0; i < N; i++)
		b->in[i] = input_value(frame, i);
	CHECK(clEnqueueSVMUnmap(cl->queue, b->in, 0, NULL, ready));
}

static unsigned int check_frame(struct sample_cl *cl, struct frame_bufs *b,
				unsigned int frame, float k, cl_event done)
{
	unsigned int bad = 0;

	CHECK(clEnqueueSVMMap(cl->queue, CL_TRUE, CL_MAP_READ, b->out,
			      N * sizeof(float), 1, &done, NULL));
	for (unsigned int i = 0; i < N; i++) {
		float want = expected(frame, i, k);

		if (fabsf(b->out[i] - want) > 1e-3f * fmaxf(1.0f, fabsf(want)) &&
		    bad++ < 5)
			fprintf(stderr, "frame %u out[%u] = %g, expected %g\n",
				frame, i, b->out[i], want);
	}
	CHECK(clEnqueueSVMUnmap(cl->queue, b->out, 0, NULL, NULL));
	return bad;
}

int main(void)
{
	struct frame_bufs bufs[2];
	struct sample_cl cl;
	cl_program prog;
	cl_kernel scale, smooth;
	cl_event done[2] = { NULL, NULL };
	size_t global = N, bytes = N * sizeof(float);
	cl_uint n = N;
	unsigned int bad = 0;
	cl_int err;

	/* Coarse-grained buffers are the baseline every 2.0+ device has. */
	sample_open(&cl, CL_DEVICE_SVM_COARSE_GRAIN_BUFFER, NULL, NULL);
	cl_command_queue q = cl.queue;

	for (int b = 0; b < 2; b++) {
		bufs[b].in = clSVMAlloc(cl.ctx, CL_MEM_READ_ONLY, bytes, 0);
		bufs[b].mid = clSVMAlloc(cl.ctx, CL_MEM_READ_WRITE, bytes, 0);
		bufs[b].out = clSVMAlloc(cl.ctx, CL_MEM_WRITE_ONLY, bytes, 0);
		if (!bufs[b].in || !bufs[b].mid || !bufs[b].out) {
			fprintf(stderr, "clSVMAlloc failed\n");
			return 1;
		}
	}
	prog = sample_build(&cl, kernel_source, NULL);
	scale = sample_kernel(prog, "scale");
	smooth = sample_kernel(prog, "smooth");

	for (unsigned int f = 0; f < FRAMES + 1; f++) {
		/* Launch frame f on buffer set f % 2 ... */
		if (f < FRAMES) {
			struct frame_bufs *b = &bufs[f % 2];
			float k = 1.0f + (float)f;
			const void *ptrs[1] = { b->in };
			cl_event ready, migrated, scaled;

			fill_frame(&cl, b, f, done[f % 2] ? 1 : 0,
				   done[f % 2] ? &done[f % 2] : NULL, &ready);
			if (done[f % 2])
				clReleaseEvent(done[f % 2]);
			CHECK(clEnqueueSVMMigrateMem(q, 1, ptrs, NULL, 0, 1,
						     &ready, &migrated));
			CHECK(clSetKernelArgSVMPointer(scale, 0, b->in));
			CHECK(clSetKernelArgSVMPointer(scale, 1, b->mid));
			CHECK(clSetKernelArg(scale, 2, sizeof(k), &k));
			CHECK(clEnqueueNDRangeKernel(q, scale, 1, NULL, &global,
						     NULL, 1, &migrated, &scaled));
			CHECK(clSetKernelArgSVMPointer(smooth, 0, b->mid));
			CHECK(clSetKernelArgSVMPointer(smooth, 1, b->out));
			CHECK(clSetKernelArg(smooth, 2, sizeof(n), &n));
			err = clEnqueueNDRangeKernel(q, smooth, 1, NULL, &global,
						     NULL, 1, &scaled,
						     &done[f % 2]);
			CHECK(err);
			clReleaseEvent(ready);
			clReleaseEvent(migrated);
			clReleaseEvent(scaled);
			CHECK(clFlush(q));
		}
		/* ... while the host checks frame f - 1 on the other set. */
		if (f > 0) {
			unsigned int pf = f - 1;

			bad += check_frame(&cl, &bufs[pf % 2], pf,
					   1.0f + (float)pf, done[pf % 2]);
		}
	}
	CHECK(clFinish(q));
	printf("%u frames of %u floats through map/unmap, migrate, scale, smooth: %s\n",
	       FRAMES, N, bad ? "MISMATCH" : "all frames correct");

	for (int b = 0; b < 2; b++) {
		if (done[b])
			clReleaseEvent(done[b]);
		clSVMFree(cl.ctx, bufs[b].in);
		clSVMFree(cl.ctx, bufs[b].mid);
		clSVMFree(cl.ctx, bufs[b].out);
	}
	clReleaseKernel(scale);
	clReleaseKernel(smooth);
	clReleaseProgram(prog);
	sample_close(&cl);
	return bad ? 1 : 0;
}
