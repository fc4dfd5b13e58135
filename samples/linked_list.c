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

#include <CL/cl.h>

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

#define CHECK(call)                                                          \
	do {                                                                 \
		cl_int err_ = (call);                                        \
		if (err_ != CL_SUCCESS) {                                    \
			fprintf(stderr, "%s:%d: %s failed: %d\n", __FILE__,  \
				__LINE__, #call, err_);                      \
			exit(1);                                             \
		}                                                            \
	} while (0)

static cl_device_id find_svm_system_device(cl_platform_id *platform_out)
{
	cl_platform_id platforms[16];
	cl_uint np = 0;

	CHECK(clGetPlatformIDs(16, platforms, &np));
	for (cl_uint p = 0; p < np; p++) {
		cl_device_id dev;
		cl_device_svm_capabilities caps = 0;
		cl_uint nd = 0;

		if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 1, &dev,
				   &nd) != CL_SUCCESS || !nd)
			continue;
		if (clGetDeviceInfo(dev, CL_DEVICE_SVM_CAPABILITIES,
				    sizeof(caps), &caps, NULL) != CL_SUCCESS)
			continue;
		if (caps & CL_DEVICE_SVM_FINE_GRAIN_SYSTEM) {
			*platform_out = platforms[p];
			return dev;
		}
	}
	return NULL;
}

int main(void)
{
	struct node *head = NULL, *tail = NULL;
	cl_platform_id platform;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue queue;
	cl_program prog;
	cl_kernel kernel;
	cl_long *out, *values;
	char name[256];
	size_t global = NODES;
	cl_int window = WINDOW, err;
	cl_bool fine_system = CL_TRUE;
	unsigned int bad = 0;

	dev = find_svm_system_device(&platform);
	if (!dev) {
		fprintf(stderr, "no device with fine-grained system SVM\n");
		return 1;
	}
	CHECK(clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof(name), name,
				NULL));
	printf("platform: %s\n", name);

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

	ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
	CHECK(err);
	queue = clCreateCommandQueueWithProperties(ctx, dev, NULL, &err);
	CHECK(err);
	prog = clCreateProgramWithSource(ctx, 1, &kernel_source, NULL, &err);
	CHECK(err);
	err = clBuildProgram(prog, 1, &dev, NULL, NULL, NULL);
	if (err != CL_SUCCESS) {
		char log[8192];

		clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG,
				      sizeof(log), log, NULL);
		fprintf(stderr, "build failed:\n%s\n", log);
		return 1;
	}
	kernel = clCreateKernel(prog, "walk", &err);
	CHECK(err);

	CHECK(clSetKernelExecInfo(kernel, CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM,
				  sizeof(fine_system), &fine_system));
	CHECK(clSetKernelArgSVMPointer(kernel, 0, head));
	CHECK(clSetKernelArgSVMPointer(kernel, 1, out));
	CHECK(clSetKernelArg(kernel, 2, sizeof(window), &window));
	CHECK(clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, NULL, 0,
				     NULL, NULL));
	CHECK(clFinish(queue));

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
	clReleaseCommandQueue(queue);
	clReleaseContext(ctx);
	while (head) {
		struct node *next = head->next;

		free(head);
		head = next;
	}
	free(out);
	free(values);
	return bad ? 1 : 0;
}
