/* SPDX-License-Identifier: MIT */
/*
 * device_fault - a kernel touches memory the CPU no longer maps, on purpose.
 *
 * On a GPU with shared virtual memory a dangling pointer does not crash the
 * host: the device's MMU faults, the driver finds no CPU mapping to mirror
 * and the command fails. This sample shows what svmcl does in that case:
 *
 *  - the command's event ends with a negative status (CL_OUT_OF_RESOURCES),
 *    and clFinish reports the error once;
 *  - the context's pfn_notify receives a report naming the kernel, the
 *    access, the address and the work-group (svmcl also prints it to
 *    stderr);
 *  - the process, the context and the queue keep working: the same kernel
 *    then runs on valid memory and its result is checked.
 *
 * Exit status: 0 when the fault was reported as described and the program
 * carried on correctly, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sample_util.h"

#define N 4096

static const char *kernel_source =
	"kernel void sum_pairs(global const int *in, global int *out)\n"
	"{\n"
	"	size_t i = get_global_id(0);\n"
	"\n"
	"	out[i] = in[2 * i] + in[2 * i + 1];\n"
	"}\n";

struct notify_log {
	int calls;
	char first[1024];
};

static void CL_CALLBACK on_context_error(const char *errinfo,
					 const void *private_info, size_t cb,
					 void *user_data)
{
	struct notify_log *log = user_data;

	(void)private_info;
	(void)cb;
	if (log->calls++ == 0)
		snprintf(log->first, sizeof(log->first), "%s", errinfo);
}

static cl_int run(struct sample_cl *cl, cl_kernel k, const int *in, int *out)
{
	size_t global = N;
	cl_event ev;
	cl_int status = CL_COMPLETE;

	CHECK(clSetKernelArgSVMPointer(k, 0, in));
	CHECK(clSetKernelArgSVMPointer(k, 1, out));
	CHECK(clEnqueueNDRangeKernel(cl->queue, k, 1, NULL, &global, NULL, 0,
				     NULL, &ev));
	clFinish(cl->queue);	/* reports a failed command once */
	CHECK(clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS,
			     sizeof(status), &status, NULL));
	clReleaseEvent(ev);
	return status;
}

int main(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t in_size = 2 * N * sizeof(int);
	struct notify_log log = { 0 };
	struct sample_cl cl;
	cl_program prog;
	cl_kernel kernel;
	int *dangling, *in, *out;
	cl_int status;
	int bad = 0;

	sample_open(&cl, CL_DEVICE_SVM_FINE_GRAIN_SYSTEM, on_context_error,
		    &log);
	prog = sample_build(&cl, kernel_source, NULL);
	kernel = sample_kernel(prog, "sum_pairs");
	sample_allow_system_pointers(kernel);

	in = malloc(in_size);
	out = malloc(N * sizeof(int));
	if (!in || !out)
		return 1;
	for (int i = 0; i < 2 * N; i++)
		in[i] = i;

	/*
	 * First a correct run: it also starts every thread svmcl uses, so no
	 * new thread's stack or allocator arena can land in the hole that
	 * munmap() leaves below (with ASan, thread start-up maps memory).
	 */
	status = run(&cl, kernel, in, out);
	if (status != CL_COMPLETE) {
		fprintf(stderr, "warm-up run failed: %d\n", status);
		return 1;
	}

	/* A pointer that was valid once: the mapping is gone. */
	dangling = mmap(NULL, in_size + page, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dangling == MAP_FAILED)
		return 1;
	memcpy(dangling, in, in_size);
	munmap(dangling, in_size + page);

	printf("running sum_pairs on a pointer whose mapping was unmapped...\n");
	status = run(&cl, kernel, dangling, out);
	printf("event status: %d (%s)\n", status,
	       status == CL_OUT_OF_RESOURCES ? "CL_OUT_OF_RESOURCES" : "?");
	printf("context callback: %s\n", log.calls ? log.first : "(not called)");
	if (status != CL_OUT_OF_RESOURCES) {
		fprintf(stderr, "expected the command to fail with CL_OUT_OF_RESOURCES\n");
		bad = 1;
	}
	if (!log.calls || !strstr(log.first, "sum_pairs")) {
		fprintf(stderr, "expected a report naming the kernel in pfn_notify\n");
		bad = 1;
	}

	printf("running sum_pairs again on valid memory...\n");
	status = run(&cl, kernel, in, out);
	if (status != CL_COMPLETE) {
		fprintf(stderr, "second run failed: %d\n", status);
		bad = 1;
	}
	for (int i = 0; i < N && status == CL_COMPLETE; i++) {
		if (out[i] != 4 * i + 1) {
			fprintf(stderr, "out[%d] = %d, expected %d\n", i,
				out[i], 4 * i + 1);
			bad = 1;
			break;
		}
	}
	printf("%s\n", bad ? "FAILED" :
	       "fault reported, process and context carried on correctly");

	clReleaseKernel(kernel);
	clReleaseProgram(prog);
	sample_close(&cl);
	free(in);
	free(out);
	return bad;
}
