/* SPDX-License-Identifier: MIT */
/*
 * linked_list - the svmcl flagship sample: fine-grained system SVM.
 *
 * The host builds a linked list with plain malloc(), one node at a time,
 * so the nodes lie scattered over the heap. The kernel gets nothing but the
 * head pointer and a malloc'd result array: every node it reaches is found
 * by following pointers that the host wrote, through the software GPU's
 * MMU, which faults the pages in through the HMM core on first touch.
 *
 * Work-item i skips i nodes and sums the values of the next WINDOW nodes;
 * the host recomputes every sum and checks it.
 *
 * Exit status: 0 when every result matches, 1 otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sample_util.h"

#define NODES 4096
#define WINDOW 16

struct node {
	cl_long value;
	struct node *next;
};

static const char *kernel_source =
	"typedef struct node { long value; __global struct node *next; } node_t;\n"
	"kernel void walk(global node_t *head, global long *out, int window)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"	global node_t *p = head;\n"
	"	for (size_t k = 0; k < i && p; k++)\n"
	"		p = p->next;\n"
	"	long sum = 0;\n"
	"	for (int k = 0; k < window && p; k++) {\n"
	"		sum += p->value;\n"
	"		p = p->next;\n"
	"	}\n"
	"	out[i] = sum;\n"
	"}\n";

int main(void)
{
	struct node *head = NULL, *tail = NULL;
	struct sample_cl cl;
	cl_program prog;
	cl_kernel kernel;
	cl_long *out, *values;
	size_t global = NODES;
	cl_int window = WINDOW;
	unsigned int bad = 0;

	sample_open(&cl, CL_DEVICE_SVM_FINE_GRAIN_SYSTEM, NULL, NULL);

	/* Plain malloc: no clSVMAlloc anywhere. */
	values = malloc(NODES * sizeof(*values));
	out = malloc(NODES * sizeof(*out));
	if (!values || !out)
		return 1;
	for (int i = 0; i < NODES; i++) {
		struct node *n = malloc(sizeof(*n));

		if (!n)
			return 1;
		n->value = values[i] = (cl_long)i * 7 - 3;
		n->next = NULL;
		if (tail)
			tail->next = n;
		else
			head = n;
		tail = n;
		out[i] = -1;
	}

	prog = sample_build(&cl, kernel_source, NULL);
	kernel = sample_kernel(prog, "walk");
	sample_allow_system_pointers(kernel);
	CHECK(clSetKernelArgSVMPointer(kernel, 0, head));
	CHECK(clSetKernelArgSVMPointer(kernel, 1, out));
	CHECK(clSetKernelArg(kernel, 2, sizeof(window), &window));
	CHECK(clEnqueueNDRangeKernel(cl.queue, kernel, 1, NULL, &global, NULL, 0,
				     NULL, NULL));
	CHECK(clFinish(cl.queue));

	for (int i = 0; i < NODES; i++) {
		cl_long expect = 0;

		for (int k = i; k < i + WINDOW && k < NODES; k++)
			expect += values[k];
		if (out[i] != expect && bad++ < 10)
			fprintf(stderr, "out[%d] = %" PRId64 ", expected %" PRId64
				"\n", i, (int64_t)out[i], (int64_t)expect);
	}
	printf("walked a %d-node malloc'd list from %zu work-items: %s\n",
	       NODES, global, bad ? "MISMATCH" : "all sums correct");

	clReleaseKernel(kernel);
	clReleaseProgram(prog);
	sample_close(&cl);
	while (head) {
		struct node *next = head->next;

		free(head);
		head = next;
	}
	free(out);
	free(values);
	return bad ? 1 : 0;
}
