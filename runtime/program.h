/* SPDX-License-Identifier: MIT */
/*
 * program.h - programs (built OpenCL C) and kernels (one entry point plus
 * its argument values).
 */
#ifndef SVMCL_PROGRAM_H
#define SVMCL_PROGRAM_H

#include <stdint.h>

#include <CL/cl.h>

#include "compiler/clc.h"
#include "object.h"

/* How a program object came to be: what clBuildProgram may do with it. */
enum svmcl_program_origin {
	SVMCL_PROGRAM_SOURCE,	/* clCreateProgramWithSource */
	SVMCL_PROGRAM_BINARY,	/* clCreateProgramWithBinary */
	SVMCL_PROGRAM_LINKED,	/* clLinkProgram */
};

struct _cl_program {
	SVMCL_ICD_HEADER;

	/* Immutable after creation: no lock. */
	cl_context context;		/* reference */
	enum svmcl_program_origin origin;
	char *source;			/* NUL-terminated concatenation, "" if none */
	size_t source_size;		/* strlen(source) */
	char *binary_options;		/* options recorded in a loaded binary */

	/* Protected by obj.lock. */
	cl_build_status status;		/* of the last build, compile or link */
	enum clc_binary_type binary_type; /* stage of @binary */
	char *options;			/* last build/compile/link options */
	char *log;			/* last build/compile/link log, or NULL */
	void *binary;			/* CL_PROGRAM_BINARIES, or NULL */
	size_t binary_size;
	struct clc_program *clc;	/* the executable, or NULL */
	char *kernel_names;		/* "a;b;c", with clc */

	/*
	 * Kernel objects alive on this program: while non-zero the program
	 * cannot be rebuilt, so @clc (and the kernels' wg_fn) stay valid.
	 */
	atomic_uint num_kernel_objects;
};

struct _cl_kernel {
	SVMCL_ICD_HEADER;

	/* Immutable after creation: no lock. */
	cl_program program;		/* reference; keeps ck valid */
	cl_context context;
	const struct clc_kernel *ck;	/* name, args layout, wg_fn */

	/* Protected by obj.lock. */
	uint8_t *args;			/* packed argument block, ck->args_size */
	bool *arg_set;			/* per argument: a value was set */
	cl_uint num_args_set;
	void **svm_ptrs;		/* CL_KERNEL_EXEC_INFO_SVM_PTRS */
	size_t num_svm_ptrs;
	cl_bool fine_grain_system;	/* ..._SVM_FINE_GRAIN_SYSTEM, default TRUE */
	cl_mem *mem_args;		/* per argument: the buffer clSetKernelArg
					 * stored (no reference), or NULL; lazily
					 * allocated */
};

void svmcl_program_get(cl_program program);
/* A new program of @origin in @context (reference taken), status NONE. */
cl_program svmcl_program_alloc(cl_context context,
			       enum svmcl_program_origin origin);
/*
 * svmcl_program_device_desc() - the device's OpenCL C features as one
 * string: what program binaries and the binary cache are made for.
 */
const char *svmcl_program_device_desc(cl_device_id device);
/* CL_INVALID_VALUE/CL_INVALID_DEVICE for a bad (num_devices, list). */
cl_int svmcl_program_check_devices(const char *func, cl_context context,
				   cl_uint num, const cl_device_id *list);
void svmcl_program_put(cl_program program);

void svmcl_kernel_get(cl_kernel kernel);
void svmcl_kernel_put(cl_kernel kernel);

/*
 * svmcl_kernel_snapshot_args() - copy the argument block for an enqueue.
 * Return: CL_SUCCESS and a malloc'd copy (at least one byte) in *@out,
 * CL_INVALID_KERNEL_ARGS when an argument is unset, or
 * CL_OUT_OF_HOST_MEMORY.
 */
cl_int svmcl_kernel_snapshot_args(cl_kernel kernel, void **out);

/*
 * svmcl_kernel_pin_mems() - pin the buffers set as arguments of @kernel so
 * that an enqueued command keeps them alive until it has run. Return:
 * CL_SUCCESS with a malloc'd array in *@out (*@num entries, NULL ones
 * included; release with svmcl_mem_unpin_array()), or
 * CL_OUT_OF_HOST_MEMORY.
 */
cl_int svmcl_kernel_pin_mems(cl_kernel kernel, cl_mem **out, cl_uint *num);

#endif /* SVMCL_PROGRAM_H */
