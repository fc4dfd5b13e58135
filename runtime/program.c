/* SPDX-License-Identifier: MIT */
/*
 * program.c - programs: OpenCL C source, the build, program queries.
 *
 * DOC: Overview
 *
 * A program wraps the compiler's struct clc_program (runtime/compiler):
 * clBuildProgram hands the source and options to clc_build(), which
 * compiles, instruments and JITs every kernel, and maps its result at the
 * API boundary:
 *
 *	0	 -> CL_SUCCESS, status CL_BUILD_SUCCESS
 *	-EINVAL  -> CL_BUILD_PROGRAM_FAILURE (compile error, log has why)
 *	-ENOENT  -> CL_COMPILER_NOT_AVAILABLE (no OpenCL C front end)
 *	-ENOMEM  -> CL_OUT_OF_HOST_MEMORY
 *
 * The build is synchronous: pfn_notify, when given, is called before
 * clBuildProgram returns, with no lock held.
 *
 * Only programs from source exist so far; binaries, IL, compile and link
 * come in later issues (their entry points answer CL_INVALID_OPERATION).
 *
 * DOC: Locking
 *
 * obj.lock protects the build state (status, options, log, clc and kernel
 * names). It is not held while the compiler runs: the CL_BUILD_IN_PROGRESS
 * status keeps a second build, and kernel creation, away meanwhile. A
 * program with live kernel objects cannot be rebuilt, so a kernel's
 * pointers into the clc_program stay valid for the kernel's life.
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

cl_program CL_API_CALL
svmcl_clCreateProgramWithSource(cl_context context, cl_uint count,
				const char **strings, const size_t *lengths,
				cl_int *errcode_ret)
{
	cl_program p = NULL;
	size_t total = 0, pos = 0;
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

	p = calloc(1, sizeof(*p));
	SVMCL_GOTO_ERROR_ON(p == NULL, CL_OUT_OF_HOST_MEMORY, "calloc");
	p->source = malloc(total + 1);
	if (!p->source) {
		free(p);
		p = NULL;
		SVMCL_GOTO_ERROR_ON(true, CL_OUT_OF_HOST_MEMORY, "malloc");
	}
	for (cl_uint i = 0; i < count; i++) {
		size_t len = (lengths && lengths[i]) ? lengths[i] :
						       strlen(strings[i]);

		memcpy(p->source + pos, strings[i], len);
		pos += len;
	}
	p->source[total] = '\0';
	p->source_size = total;

	svmcl_object_init(SVMCL_HANDLE(p), SVMCL_HANDLE(context),
			  SVMCL_MAGIC_PROGRAM);
	svmcl_context_get(context);
	p->context = context;
	p->status = CL_BUILD_NONE;
	atomic_init(&p->num_kernel_objects, 0);

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return p;
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

static cl_int check_devices(const char *func, cl_program p, cl_uint num,
			    const cl_device_id *list)
{
	if ((num == 0) != (list == NULL)) {
		svmcl_api_error(func, CL_INVALID_VALUE,
				"num_devices %u with device_list %p", num,
				(const void *)list);
		return CL_INVALID_VALUE;
	}
	for (cl_uint i = 0; i < num; i++) {
		if (!SVMCL_IS_DEVICE(list[i]) || list[i] != p->context->device) {
			svmcl_api_error(func, CL_INVALID_DEVICE,
					"device_list[%u] is not in the context", i);
			return CL_INVALID_DEVICE;
		}
	}
	return CL_SUCCESS;
}

/* "k1;k2;k3" (empty when the program has no kernels). */
static char *join_kernel_names(const struct clc_program *clc)
{
	unsigned int n = clc_program_num_kernels(clc);
	size_t len = 1;
	char *s;

	for (unsigned int i = 0; i < n; i++)
		len += strlen(clc_program_kernel(clc, i)->name) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		if (i)
			strcat(s, ";");
		strcat(s, clc_program_kernel(clc, i)->name);
	}
	return s;
}

cl_int CL_API_CALL
svmcl_clBuildProgram(cl_program program, cl_uint num_devices,
		     const cl_device_id *device_list, const char *options,
		     void (CL_CALLBACK *pfn_notify)(cl_program, void *),
		     void *user_data)
{
	struct clc_program *clc = NULL, *old_clc;
	char *log = NULL, *opts = NULL, *names = NULL;
	char *old_log, *old_opts, *old_names;
	cl_build_status status;
	cl_int err;
	int ret;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");
	err = check_devices(__func__, program, num_devices, device_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(pfn_notify == NULL && user_data != NULL,
			      CL_INVALID_VALUE, "user_data without pfn_notify");
	opts = strdup(options ? options : "");
	SVMCL_RETURN_ERROR_ON(opts == NULL, CL_OUT_OF_HOST_MEMORY, "strdup");

	pthread_mutex_lock(&program->obj.lock);
	if (program->status == CL_BUILD_IN_PROGRESS ||
	    atomic_load(&program->num_kernel_objects) > 0) {
		pthread_mutex_unlock(&program->obj.lock);
		free(opts);
		return SVMCL_ERROR(CL_INVALID_OPERATION,
				   "a build is in progress or kernels are attached");
	}
	program->status = CL_BUILD_IN_PROGRESS;
	pthread_mutex_unlock(&program->obj.lock);

	ret = clc_build(program->source, opts, &clc, &log);
	switch (ret) {
	case 0:
		err = CL_SUCCESS;
		names = join_kernel_names(clc);
		if (!names) {
			clc_program_destroy(clc);
			clc = NULL;
			err = CL_OUT_OF_HOST_MEMORY;
		}
		break;
	case -ENOMEM:
		err = CL_OUT_OF_HOST_MEMORY;
		break;
	case -ENOENT:
		err = CL_COMPILER_NOT_AVAILABLE;
		break;
	default:	/* -EINVAL: compile error; anything else alike */
		err = CL_BUILD_PROGRAM_FAILURE;
		break;
	}
	if (err)
		clc = NULL;	/* clc_build sets *out only on success */
	status = err ? CL_BUILD_ERROR : CL_BUILD_SUCCESS;

	pthread_mutex_lock(&program->obj.lock);
	old_clc = program->clc;
	old_log = program->log;
	old_opts = program->options;
	old_names = program->kernel_names;
	program->clc = clc;
	program->log = log;
	program->options = opts;
	program->kernel_names = names;
	program->status = status;
	pthread_mutex_unlock(&program->obj.lock);

	/* No kernel objects exist (checked above): the old build can go. */
	if (old_clc)
		clc_program_destroy(old_clc);
	free(old_log);
	free(old_opts);
	free(old_names);

	if (pfn_notify)
		pfn_notify(program, user_data);
	if (err)
		svmcl_api_error(__func__, err, "clc_build: %d", ret);
	return err;
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
		return SVMCL_INFO_ARRAY(p->source, p->source_size + 1);
	case CL_PROGRAM_IL:	/* not created from IL */
		return SVMCL_INFO_ARRAY(NULL, 0);
	case CL_PROGRAM_BINARY_SIZES:
		/* No binaries yet (clCreateProgramWithBinary is a later issue). */
		return SVMCL_INFO_SCALAR(size_t, 0);
	case CL_PROGRAM_BINARIES:
		/* One pointer per device, each to a buffer of size 0: no-op. */
		SVMCL_RETURN_ERROR_ON(param_value &&
				      param_value_size < sizeof(unsigned char *),
				      CL_INVALID_VALUE,
				      "param_value_size too small");
		if (param_value_size_ret)
			*param_value_size_ret = sizeof(unsigned char *);
		return CL_SUCCESS;
	case CL_PROGRAM_NUM_KERNELS:
	case CL_PROGRAM_KERNEL_NAMES:
		pthread_mutex_lock(&p->obj.lock);
		if (p->status != CL_BUILD_SUCCESS)
			err = SVMCL_ERROR(CL_INVALID_PROGRAM_EXECUTABLE,
					  "the program is not built");
		else if (param_name == CL_PROGRAM_NUM_KERNELS)
			err = SVMCL_INFO_SCALAR(size_t,
				clc_program_num_kernels(p->clc));
		else
			err = SVMCL_INFO_STRING(p->kernel_names);
		pthread_mutex_unlock(&p->obj.lock);
		return err;
	case CL_PROGRAM_SCOPE_GLOBAL_CTORS_PRESENT:
	case CL_PROGRAM_SCOPE_GLOBAL_DTORS_PRESENT:
		return SVMCL_INFO_SCALAR(cl_bool, CL_FALSE);
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
	case CL_PROGRAM_BUILD_OPTIONS:
		err = SVMCL_INFO_STRING(p->options);
		break;
	case CL_PROGRAM_BUILD_LOG:
		err = SVMCL_INFO_STRING(p->log);
		break;
	case CL_PROGRAM_BINARY_TYPE:
		err = SVMCL_INFO_SCALAR(cl_program_binary_type,
					p->status == CL_BUILD_SUCCESS ?
					CL_PROGRAM_BINARY_TYPE_EXECUTABLE :
					CL_PROGRAM_BINARY_TYPE_NONE);
		break;
	case CL_PROGRAM_BUILD_GLOBAL_VARIABLE_TOTAL_SIZE:
		err = SVMCL_INFO_SCALAR(size_t, 0);
		break;
	default:
		err = SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				  param_name);
		break;
	}
	pthread_mutex_unlock(&p->obj.lock);
	return err;
}
