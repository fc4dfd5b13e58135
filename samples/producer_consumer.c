/* SPDX-License-Identifier: MIT */
/*
 * producer_consumer - host and device talk through SVM atomics while the
 * kernel runs.
 *
 * A ring of RING slots lives in a fine-grained SVM allocation with
 * CL_MEM_SVM_ATOMICS. A host thread produces ITEMS items into it while a
 * kernel consumes them on the device at the same time: neither side waits
 * for the other to finish, they synchronise on the slots' sequence numbers
 * with acquire/release atomics at memory_scope_all_svm_devices.
 *
 * Each slot carries a sequence number (a bounded MPMC queue in the style
 * of Vyukov's): slot s is free for item i when seq == i, full when
 * seq == i + 1, and the consumer frees it for item i + RING by storing
 * seq = i + RING. Work-items claim items with an atomic counter, so any
 * number of work-groups on any number of compute units can consume.
 *
 * Exit status: 0 when every item was consumed exactly once with the right
 * result, 1 otherwise.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample_util.h"

#define RING 256
#define ITEMS (1u << 16)

struct slot {
	_Atomic cl_uint seq;
	cl_uint value;
};

struct shared {
	struct slot ring[RING];
	_Atomic cl_uint claim;		/* next item a work-item takes */
	_Atomic cl_uint consumed;	/* items finished by the device */
};

static const char *kernel_source =
	"typedef struct { atomic_uint seq; uint value; } slot_t;\n"
	"typedef struct {\n"
	"	slot_t ring[RING];\n"
	"	atomic_uint claim;\n"
	"	atomic_uint consumed;\n"
	"} shared_t;\n"
	"\n"
	"kernel void consume(global shared_t *sh, global ulong *out)\n"
	"{\n"
	"	for (;;) {\n"
	"		uint i = atomic_fetch_add_explicit(&sh->claim, 1,\n"
	"			memory_order_relaxed, memory_scope_all_svm_devices);\n"
	"		if (i >= ITEMS)\n"
	"			return;\n"
	"		global slot_t *s = &sh->ring[i % RING];\n"
	"		while (atomic_load_explicit(&s->seq, memory_order_acquire,\n"
	"				memory_scope_all_svm_devices) != i + 1)\n"
	"			;\n"
	"		ulong v = s->value;\n"
	"		atomic_store_explicit(&s->seq, i + RING, memory_order_release,\n"
	"				memory_scope_all_svm_devices);\n"
	"		out[i] = v * v + i;\n"
	"		atomic_fetch_add_explicit(&sh->consumed, 1,\n"
	"			memory_order_release, memory_scope_all_svm_devices);\n"
	"	}\n"
	"}\n";

static cl_uint item_value(cl_uint i)
{
	return i * 2654435761u + 12345u;
}

/* The host side: fill slots as fast as the device frees them. */
static void *produce(void *arg)
{
	struct shared *sh = arg;

	for (cl_uint i = 0; i < ITEMS; i++) {
		struct slot *s = &sh->ring[i % RING];
		unsigned int spins = 0;

		while (atomic_load_explicit(&s->seq, memory_order_acquire) != i)
			if (++spins % 64 == 0)
				sched_yield();	/* the device may share our core */
		s->value = item_value(i);
		atomic_store_explicit(&s->seq, i + 1, memory_order_release);
	}
	return NULL;
}

int main(void)
{
	const cl_svm_mem_flags fine_atomic = CL_MEM_READ_WRITE |
		CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS;
	size_t global = 256, local = 64;
	struct sample_cl cl;
	struct shared *sh;
	cl_ulong *out;
	cl_program prog;
	cl_kernel kernel;
	pthread_t producer;
	char options[128];
	unsigned int bad = 0;

	sample_open(&cl, CL_DEVICE_SVM_FINE_GRAIN_BUFFER | CL_DEVICE_SVM_ATOMICS,
		    NULL, NULL);
	sh = clSVMAlloc(cl.ctx, fine_atomic, sizeof(*sh), 0);
	out = clSVMAlloc(cl.ctx, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER,
			 ITEMS * sizeof(*out), 0);
	if (!sh || !out) {
		fprintf(stderr, "clSVMAlloc failed\n");
		return 1;
	}
	for (cl_uint s = 0; s < RING; s++) {
		atomic_init(&sh->ring[s].seq, s);
		sh->ring[s].value = 0;
	}
	atomic_init(&sh->claim, 0);
	atomic_init(&sh->consumed, 0);
	for (cl_uint i = 0; i < ITEMS; i++)
		out[i] = 0;

	snprintf(options, sizeof(options), "-cl-std=CL3.0 -DRING=%u -DITEMS=%u",
		 RING, ITEMS);
	prog = sample_build(&cl, kernel_source, options);
	kernel = sample_kernel(prog, "consume");
	CHECK(clSetKernelArgSVMPointer(kernel, 0, sh));
	CHECK(clSetKernelArgSVMPointer(kernel, 1, out));

	/*
	 * The producer starts first and the kernel runs while it produces:
	 * whichever side gets ahead spins on the slots until the other
	 * catches up.
	 */
	if (pthread_create(&producer, NULL, produce, sh))
		return 1;
	CHECK(clEnqueueNDRangeKernel(cl.queue, kernel, 1, NULL, &global,
				     &local, 0, NULL, NULL));
	CHECK(clFinish(cl.queue));
	pthread_join(producer, NULL);

	for (cl_uint i = 0; i < ITEMS; i++) {
		cl_ulong v = item_value(i);

		if (out[i] != v * v + i && bad++ < 10)
			fprintf(stderr, "item %u: %llu\n", i,
				(unsigned long long)out[i]);
	}
	if (atomic_load(&sh->consumed) != ITEMS) {
		fprintf(stderr, "device consumed %u items, expected %u\n",
			atomic_load(&sh->consumed), ITEMS);
		bad++;
	}
	printf("%u items through a %u-slot SVM ring, host producing while %zu work-items consume: %s\n",
	       ITEMS, RING, global, bad ? "MISMATCH" : "all items correct");

	clReleaseKernel(kernel);
	clReleaseProgram(prog);
	clSVMFree(cl.ctx, out);
	clSVMFree(cl.ctx, sh);
	sample_close(&cl);
	return bad ? 1 : 0;
}
