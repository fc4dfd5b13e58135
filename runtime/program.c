/* SPDX-License-Identifier: MIT */
/*
 * program.c - programs: OpenCL C source, the build, program queries.
 *
 * DOC: Overview
 *
 * A program is OpenCL C source, a program binary, or the result of a
 * link; clBuildProgram, clCompileProgram and clLinkProgram
 * (program_build.c) turn it into a stage of struct clc_program's
 * pipeline: a compiled object, a library or an executable. This file
 * creates program objects, answers their queries and implements the
 * entry points for what the device does not have (IL, specialization
 * constants, program-scope destructors, built-in kernels), with the
 * errors OpenCL 3.0 gives for such a device.
 *
 * CL_PROGRAM_BINARIES is the struct clc_binary of the last stage (see
 * runtime/compiler/clc_binary.c): LLVM bitcode with a header naming the
 * stage and the device's OpenCL C features. clCreateProgramWithBinary
 * checks that header (CL_INVALID_BINARY for a damaged or foreign binary)
 * and clBuildProgram JIT-compiles the bitcode again.
 *
 * DOC: Locking
 *
 * obj.lock protects the build state (status, binary, options, log, clc and
 * kernel names). It is not held while the compiler runs: the
 * CL_BUILD_IN_PROGRESS status keeps a second build, and kernel creation,
 * away meanwhile. A program with live kernel objects cannot be rebuilt, so
 * a kernel's pointers into the clc_program stay valid for the kernel's
 * life. No lock is held while a user callback runs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "info.h"
#include "platform.h"
#include "program.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_program);

void svmcl_program_get(cl_program program)
{
	svmcl_object_get(SVMCL_HANDLE(program));
}

static void program_destroy(cl_program p)
{
	cl_context ctx = p->context;

	if (p->clc)
		clc_program_destroy(p->clc);
	free(p->binary);
	free(p->binary_options);
	free(p->kernel_names);
	free(p->log);
	free(p->options);
	free(p->source);
	svmcl_object_fini(SVMCL_HANDLE(p));
	free(p);
	svmcl_context_put(ctx);
}

void svmcl_program_put(cl_program program)
{
	if (svmcl_object_put(SVMCL_HANDLE(program)))
		program_destroy(program);
}

cl_program svmcl_program_alloc(cl_context context,
			       enum svmcl_program_origin origin)
{
	cl_program p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	svmcl_object_init(SVMCL_HANDLE(p), SVMCL_HANDLE(context),
			  SVMCL_MAGIC_PROGRAM);
	svmcl_context_get(context);
	p->context = context;
	p->origin = origin;
	p->status = CL_BUILD_NONE;
	p->binary_type = CLC_BINARY_NONE;
	atomic_init(&p->num_kernel_objects, 0);
	return p;
}

cl_int svmcl_program_check_devices(const char *func, cl_context context,
				   cl_uint num, const cl_device_id *list)
{
	if ((num == 0) != (list == NULL)) {
		svmcl_api_error(func, CL_INVALID_VALUE,
				"num_devices %u with device_list %p", num,
				(const void *)list);
		return CL_INVALID_VALUE;
	}
	for (cl_uint i = 0; i < num; i++) {
		if (!SVMCL_IS_DEVICE(list[i]) || list[i] != context->device) {
			svmcl_api_error(func, CL_INVALID_DEVICE,
					"device_list[%u] is not in the context", i);
			return CL_INVALID_DEVICE;
		}
	}
	return CL_SUCCESS;
}

cl_program CL_API_CALL
svmcl_clCreateProgramWithSource(cl_context context, cl_uint count,
				const char **strings, const size_t *lengths,
				cl_int *errcode_ret)
{
	cl_program p = NULL;
	size_t total = 0, pos = 0;
	char *source;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			    "not a valid context");
	SVMCL_GOTO_ERROR_ON(count == 0 || strings == NULL, CL_INVALID_VALUE,
			    "no source strings");
	for (cl_uint i = 0; i < count; i++) {
		size_t len;

		SVMCL_GOTO_ERROR_ON(strings[i] == NULL, CL_INVALID_VALUE,
				    "strings[%u] is NULL", i);
		len = (lengths && lengths[i]) ? lengths[i] : strlen(strings[i]);
		SVMCL_GOTO_ERROR_ON(len > SIZE_MAX - 1 - total,
				    CL_INVALID_VALUE, "source too large");
		total += len;
	}

	source = malloc(total + 1);
	SVMCL_GOTO_ERROR_ON(source == NULL, CL_OUT_OF_HOST_MEMORY, "malloc");
	for (cl_uint i = 0; i < count; i++) {
		size_t len = (lengths && lengths[i]) ? lengths[i] :
						       strlen(strings[i]);

		/* "The concatenation strips any nulls in the ... strings." */
		for (size_t j = 0; j < len; j++)
			if (strings[i][j])
				source[pos++] = strings[i][j];
	}
	source[pos] = '\0';

	p = svmcl_program_alloc(context, SVMCL_PROGRAM_SOURCE);
	if (!p) {
		free(source);
		SVMCL_GOTO_ERROR_ON(true, CL_OUT_OF_HOST_MEMORY, "calloc");
	}
	p->source = source;
	p->source_size = pos;

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return p;
}

cl_program CL_API_CALL
svmcl_clCreateProgramWithBinary(cl_context context, cl_uint num_devices,
				const cl_device_id *device_list,
				const size_t *lengths,
				const unsigned char **binaries,
				cl_int *binary_status, cl_int *errcode_ret)
{
	enum clc_binary_type type = CLC_BINARY_NONE;
	const char *desc;
	char *options = NULL;
	void *copy = NULL;
	cl_program p = NULL;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			    "not a valid context");
	SVMCL_GOTO_ERROR_ON(num_devices == 0 || device_list == NULL,
			    CL_INVALID_VALUE, "no devices");
	err = svmcl_program_check_devices(__func__, context, num_devices,
					  device_list);
	if (err)
		goto ERROR;
	SVMCL_GOTO_ERROR_ON(lengths == NULL || binaries == NULL,
			    CL_INVALID_VALUE, "lengths or binaries is NULL");

	desc = svmcl_program_device_desc(context->device);
	SVMCL_GOTO_ERROR_ON(desc == NULL, CL_OUT_OF_HOST_MEMORY,
			    "device description");
	/*
	 * Every entry is checked so that binary_status is complete; the
	 * first device's binary is the program's (all entries name the
	 * context's one device).
	 */
	for (cl_uint i = 0; i < num_devices; i++) {
		enum clc_binary_type t;
		const void *bc;
		size_t bc_size;
		cl_int st = CL_SUCCESS;
		int ret;

		if (lengths[i] == 0 || binaries[i] == NULL) {
			st = CL_INVALID_VALUE;
		} else {
			ret = clc_binary_unpack(binaries[i], lengths[i], desc, &t,
						&bc, &bc_size,
						i == 0 ? &options : NULL);
			if (ret == -ENOMEM)
				st = CL_OUT_OF_HOST_MEMORY;
			else if (ret)
				st = CL_INVALID_BINARY;
			else if (i == 0)
				type = t;
		}
		if (binary_status)
			binary_status[i] = st;
		/* CL_INVALID_VALUE outranks CL_INVALID_BINARY in the list. */
		if (st && (err == CL_SUCCESS || st == CL_INVALID_VALUE))
			err = st;
	}
	if (err == CL_INVALID_VALUE)
		SVMCL_GOTO_ERROR_ON(true, err, "a length is 0 or a binary NULL");
	SVMCL_GOTO_ERROR_ON(err == CL_INVALID_BINARY, err,
			    "not an svmcl binary for this device");
	SVMCL_GOTO_ERROR_ON(err, err, "cannot load the binary");

	copy = malloc(lengths[0]);
	p = svmcl_program_alloc(context, SVMCL_PROGRAM_BINARY);
	if (!copy || !p) {
		free(copy);
		if (p)
			svmcl_program_put(p);
		p = NULL;
		SVMCL_GOTO_ERROR_ON(true, CL_OUT_OF_HOST_MEMORY, "malloc");
	}
	memcpy(copy, binaries[0], lengths[0]);
	p->binary = copy;
	p->binary_size = lengths[0];
	p->binary_type = type;
	p->binary_options = options;
	options = NULL;

ERROR:
	free(options);
	if (errcode_ret)
		*errcode_ret = err;
	return p;
}

cl_program CL_API_CALL
svmcl_clCreateProgramWithBuiltInKernels(cl_context context,
					cl_uint num_devices,
					const cl_device_id *device_list,
					const char *kernel_names,
					cl_int *errcode_ret)
{
	cl_int err;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			    "not a valid context");
	SVMCL_GOTO_ERROR_ON(num_devices == 0 || device_list == NULL,
			    CL_INVALID_VALUE, "no devices");
	err = svmcl_program_check_devices(__func__, context, num_devices,
					  device_list);
	if (err)
		goto ERROR;
	/* CL_DEVICE_BUILT_IN_KERNELS is empty: every name is unsupported. */
	SVMCL_GOTO_ERROR_ON(true, CL_INVALID_VALUE,
			    "kernel_names %s: svmcl has no built-in kernels",
			    kernel_names ? "names an unknown kernel" : "is NULL");
ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return NULL;
}

/*
 * The device reports no IL (CL_DEVICE_IL_VERSION ""), no program-scope
 * constructors or destructors: the entry points below answer as OpenCL
 * 3.0 prescribes for such a device, after checking what they are given.
 */
cl_program CL_API_CALL svmcl_clCreateProgramWithIL(cl_context context,
						   const void *il,
						   size_t length,
						   cl_int *errcode_ret)
{
	cl_int err;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			    "not a valid context");
	SVMCL_GOTO_ERROR_ON(true, CL_INVALID_OPERATION,
			    "no device in the context supports IL programs");
ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return NULL;
}

cl_int CL_API_CALL
svmcl_clSetProgramSpecializationConstant(cl_program program, cl_uint spec_id,
					 size_t spec_size,
					 const void *spec_value)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");
	/* No program is created from IL: none has specialization constants. */
	return SVMCL_ERROR(CL_INVALID_OPERATION,
			   "no device of the program supports IL programs");
}

cl_int CL_API_CALL
svmcl_clSetProgramReleaseCallback(cl_program program,
				  void (CL_CALLBACK *pfn_notify)(cl_program,
								 void *),
				  void *user_data)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");
	SVMCL_RETURN_ERROR_ON(pfn_notify == NULL, CL_INVALID_VALUE,
			      "pfn_notify is NULL");
	return SVMCL_ERROR(CL_INVALID_OPERATION,
			   "no device supports program-scope destructors");
}

cl_int CL_API_CALL svmcl_clRetainProgram(cl_program program)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");
	svmcl_program_get(program);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clReleaseProgram(cl_program program)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");
	svmcl_program_put(program);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetProgramInfo(cl_program program,
					  cl_program_info param_name,
					  size_t param_value_size,
					  void *param_value,
					  size_t *param_value_size_ret)
{
	cl_program p = program;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(p), CL_INVALID_PROGRAM,
			      "not a valid program");

	switch (param_name) {
	case CL_PROGRAM_REFERENCE_COUNT:
		return SVMCL_INFO_SCALAR(cl_uint,
			svmcl_object_refcount(SVMCL_HANDLE(p)));
	case CL_PROGRAM_CONTEXT:
		return SVMCL_INFO_SCALAR(cl_context, p->context);
	case CL_PROGRAM_NUM_DEVICES:
		return SVMCL_INFO_SCALAR(cl_uint, 1);
	case CL_PROGRAM_DEVICES:
		return SVMCL_INFO_ARRAY(&p->context->device,
					sizeof(p->context->device));
	case CL_PROGRAM_SOURCE:
		/* Binaries and links keep no source: a null string. */
		if (!p->source)
			return SVMCL_INFO_STRING("");
		return SVMCL_INFO_ARRAY(p->source, p->source_size + 1);
	case CL_PROGRAM_IL:	/* never created from IL: size 0 */
		if (param_value_size_ret)
			*param_value_size_ret = 0;
		return CL_SUCCESS;
	case CL_PROGRAM_BINARY_SIZES:
		pthread_mutex_lock(&p->obj.lock);
		err = SVMCL_INFO_SCALAR(size_t, p->binary ? p->binary_size : 0);
		pthread_mutex_unlock(&p->obj.lock);
		return err;
	case CL_PROGRAM_BINARIES:
		/* An array of one pointer (one device), each to a buffer. */
		SVMCL_RETURN_ERROR_ON(param_value &&
				      param_value_size < sizeof(unsigned char *),
				      CL_INVALID_VALUE,
				      "param_value_size too small");
		if (param_value && *(unsigned char **)param_value) {
			pthread_mutex_lock(&p->obj.lock);
			if (p->binary)
				memcpy(*(unsigned char **)param_value,
				       p->binary, p->binary_size);
			pthread_mutex_unlock(&p->obj.lock);
		}
		if (param_value_size_ret)
			*param_value_size_ret = sizeof(unsigned char *);
		return CL_SUCCESS;
	case CL_PROGRAM_NUM_KERNELS:
	case CL_PROGRAM_KERNEL_NAMES:
	case CL_PROGRAM_SCOPE_GLOBAL_CTORS_PRESENT:
	case CL_PROGRAM_SCOPE_GLOBAL_DTORS_PRESENT:
		pthread_mutex_lock(&p->obj.lock);
		if (!p->clc)
			err = SVMCL_ERROR(CL_INVALID_PROGRAM_EXECUTABLE,
					  "the program has no executable");
		else if (param_name == CL_PROGRAM_NUM_KERNELS)
			err = SVMCL_INFO_SCALAR(size_t,
				clc_program_num_kernels(p->clc));
		else if (param_name == CL_PROGRAM_KERNEL_NAMES)
			err = SVMCL_INFO_STRING(p->kernel_names);
		else	/* OpenCL C has no constructors or destructors */
			err = SVMCL_INFO_SCALAR(cl_bool, CL_FALSE);
		pthread_mutex_unlock(&p->obj.lock);
		return err;
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL svmcl_clGetProgramBuildInfo(cl_program program,
					       cl_device_id device,
					       cl_program_build_info param_name,
					       size_t param_value_size,
					       void *param_value,
					       size_t *param_value_size_ret)
{
	static const cl_program_binary_type binary_types[] = {
		[CLC_BINARY_NONE] = CL_PROGRAM_BINARY_TYPE_NONE,
		[CLC_BINARY_OBJECT] = CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT,
		[CLC_BINARY_LIBRARY] = CL_PROGRAM_BINARY_TYPE_LIBRARY,
		[CLC_BINARY_EXECUTABLE] = CL_PROGRAM_BINARY_TYPE_EXECUTABLE,
	};
	cl_program p = program;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(p), CL_INVALID_PROGRAM,
			      "not a valid program");
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_DEVICE(device) ||
			      device != p->context->device,
			      CL_INVALID_DEVICE, "not a device of the program");

	pthread_mutex_lock(&p->obj.lock);
	switch (param_name) {
	case CL_PROGRAM_BUILD_STATUS:
		err = SVMCL_INFO_SCALAR(cl_build_status, p->status);
		break;
	case CL_PROGRAM_BUILD_OPTIONS:	/* "" while CL_BUILD_NONE */
		err = SVMCL_INFO_STRING(p->status == CL_BUILD_NONE ? "" :
					p->options);
		break;
	case CL_PROGRAM_BUILD_LOG:
		err = SVMCL_INFO_STRING(p->status == CL_BUILD_NONE ? "" :
					p->log);
		break;
	case CL_PROGRAM_BINARY_TYPE:
		err = SVMCL_INFO_SCALAR(cl_program_binary_type,
					binary_types[p->binary_type]);
		break;
	case CL_PROGRAM_BUILD_GLOBAL_VARIABLE_TOTAL_SIZE:
		err = SVMCL_INFO_SCALAR(size_t, p->clc ?
			clc_program_global_size(p->clc) : 0);
		break;
	default:
		err = SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				  param_name);
		break;
	}
	pthread_mutex_unlock(&p->obj.lock);
	return err;
}
