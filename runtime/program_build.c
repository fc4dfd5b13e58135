/* SPDX-License-Identifier: MIT */
/*
 * program_build.c - clBuildProgram, clCompileProgram, clLinkProgram.
 *
 * DOC: Overview
 *
 * Each entry point checks its arguments, claims the program (status
 * CL_BUILD_IN_PROGRESS), runs the compiler's stages (runtime/compiler/
 * clc.h) without any lock, and commits the result in one step under the
 * program's lock:
 *
 *	clBuildProgram, source	clc_compile + clc_build_bitcode -> EXECUTABLE
 *	clBuildProgram, binary	clc_build_bitcode of the executable binary
 *	clCompileProgram	clc_compile -> COMPILED_OBJECT
 *	clLinkProgram		clc_link (+ clc_build_bitcode) -> LIBRARY or
 *				EXECUTABLE, in a new program object
 *
 * The compiler's errors are mapped here, once:
 *
 *	-ENOTSUP, -E2BIG -> CL_INVALID_BUILD_OPTIONS / _COMPILER_OPTIONS /
 *			    _LINKER_OPTIONS
 *	-ENOENT		 -> CL_COMPILER_NOT_AVAILABLE (no clang)
 *	-ENOMEM		 -> CL_OUT_OF_HOST_MEMORY
 *	anything else	 -> CL_BUILD_PROGRAM_FAILURE / CL_COMPILE_PROGRAM_FAILURE
 *			    / CL_LINK_PROGRAM_FAILURE, with the log saying why
 *
 * Builds are synchronous, with or without pfn_notify: the specification
 * lets an implementation return before the build ends when pfn_notify is
 * given, but does not require it, and a synchronous build keeps the
 * program's state simple (no build thread that could outlive a release).
 * pfn_notify therefore runs on the calling thread, after the result is
 * committed (the callback may query status and log, create kernels or
 * release the program) and with no lock held, just before the entry
 * point returns; the return value is the build's.
 *
 * clLinkProgram follows the specification to the letter on inputs: every
 * input must hold a compiled object or a library (CL_INVALID_OPERATION
 * when only some do); when none does, no link is performed and the new
 * program has no binary (CL_BUILD_NONE). A link failure still returns the
 * new program, with CL_LINK_PROGRAM_FAILURE, so that its log can be read.
 *
 * DOC: Locking
 *
 * program->obj.lock is taken briefly to claim a program and to commit a
 * result; while a build runs the program is CL_BUILD_IN_PROGRESS and only
 * the building thread touches its binary. The inputs of clLinkProgram are
 * copied under each input's lock, one at a time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "platform.h"
#include "program.h"

/* --- the device as the compiler sees it ---------------------------------- */

static pthread_once_t desc_once = PTHREAD_ONCE_INIT;
static char *device_desc;

static void desc_append(char **s, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void desc_append(char **s, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *n;
	int add;

	if (!*s)
		return;
	va_start(ap, fmt);
	add = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	n = add < 0 ? NULL : realloc(*s, *len + (size_t)add + 1);
	if (!n) {
		free(*s);
		*s = NULL;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(n + *len, (size_t)add + 1, fmt, ap);
	va_end(ap);
	*s = n;
	*len += (size_t)add;
}

/*
 * What a kernel's compilation depends on: the extensions, the OpenCL C
 * versions and features, the floating-point configurations and the
 * address width, as the device reports them (so whatever changes there
 * changes the binaries' and the cache's idea of the device).
 */
static void compute_desc(void)
{
	cl_device_id dev = &svmcl_device;
	cl_name_version nv[64];
	cl_device_fp_config fp32 = 0, fp64 = 0;
	cl_uint bits = 0;
	char ext[2048] = "";
	size_t size, len = 0;
	char *s = strdup("");

	svmcl_clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, sizeof(ext), ext,
			      NULL);
	desc_append(&s, &len, "ext=%s", ext);
	size = 0;
	if (!svmcl_clGetDeviceInfo(dev, CL_DEVICE_OPENCL_C_ALL_VERSIONS,
				   sizeof(nv), nv, &size))
		for (size_t i = 0; i < size / sizeof(nv[0]); i++)
			desc_append(&s, &len, ";c=%s@%x", nv[i].name,
				    nv[i].version);
	size = 0;
	if (!svmcl_clGetDeviceInfo(dev, CL_DEVICE_OPENCL_C_FEATURES,
				   sizeof(nv), nv, &size))
		for (size_t i = 0; i < size / sizeof(nv[0]); i++)
			desc_append(&s, &len, ";f=%s@%x", nv[i].name,
				    nv[i].version);
	svmcl_clGetDeviceInfo(dev, CL_DEVICE_SINGLE_FP_CONFIG, sizeof(fp32),
			      &fp32, NULL);
	svmcl_clGetDeviceInfo(dev, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof(fp64),
			      &fp64, NULL);
	svmcl_clGetDeviceInfo(dev, CL_DEVICE_ADDRESS_BITS, sizeof(bits),
			      &bits, NULL);
	desc_append(&s, &len, ";fp32=%llx;fp64=%llx;bits=%u",
		    (unsigned long long)fp32, (unsigned long long)fp64, bits);
	device_desc = s;
}

const char *svmcl_program_device_desc(cl_device_id device)
{
	(void)device;	/* one device: the description is computed once */
	pthread_once(&desc_once, compute_desc);
	return device_desc;
}

/* --- claim and commit ---------------------------------------------------- */

struct build_result {
	cl_build_status status;
	enum clc_binary_type type;
	bool keep_binary;	/* built from the program's own binary */
	void *binary;
	size_t binary_size;
	char *options;
	char *log;
	struct clc_program *clc;
	char *names;
};

/*
 * Mark @p CL_BUILD_IN_PROGRESS. CL_INVALID_OPERATION while another build
 * runs or kernel objects are attached.
 */
static cl_int program_claim(cl_program p, const char *func)
{
	cl_int err = CL_SUCCESS;

	pthread_mutex_lock(&p->obj.lock);
	if (p->status == CL_BUILD_IN_PROGRESS ||
	    atomic_load(&p->num_kernel_objects) > 0)
		err = CL_INVALID_OPERATION;
	else
		p->status = CL_BUILD_IN_PROGRESS;
	pthread_mutex_unlock(&p->obj.lock);
	if (err)
		svmcl_api_error(func, err, "a build is in progress or kernels "
				"are attached");
	return err;
}

/* Publish @r (taking its pointers) and free what it replaces. */
static void program_commit(cl_program p, struct build_result *r)
{
	struct build_result old = { 0 };

	pthread_mutex_lock(&p->obj.lock);
	old.clc = p->clc;
	old.log = p->log;
	old.options = p->options;
	old.names = p->kernel_names;
	p->clc = r->clc;
	p->log = r->log;
	p->options = r->options;
	p->kernel_names = r->names;
	if (!r->keep_binary) {
		old.binary = p->binary;
		p->binary = r->binary;
		p->binary_size = r->binary_size;
		p->binary_type = r->binary ? r->type : CLC_BINARY_NONE;
	}
	p->status = r->status;
	pthread_mutex_unlock(&p->obj.lock);

	/* No kernel objects exist (program_claim): the old build can go. */
	if (old.clc)
		clc_program_destroy(old.clc);
	free(old.binary);
	free(old.log);
	free(old.options);
	free(old.names);
	memset(r, 0, sizeof(*r));
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

static char *join_logs(char *a, char *b)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0;
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a ? a : "", la);
		memcpy(s + la, b ? b : "", lb + 1);
	}
	free(a);
	free(b);
	return s;
}

static cl_int map_compiler_error(int ret, cl_int bad_options, cl_int failure)
{
	switch (ret) {
	case 0:
		return CL_SUCCESS;
	case -ENOMEM:
		return CL_OUT_OF_HOST_MEMORY;
	case -ENOENT:
		return CL_COMPILER_NOT_AVAILABLE;
	case -ENOTSUP:
	case -E2BIG:
		return bad_options;
	default:
		return failure;
	}
}

/*
 * Stage 3 for @bc into @r: the executable, its kernel names and (unless
 * @r keeps the program's binary) the executable binary.
 */
static int build_executable(const void *bc, size_t bc_size, const char *desc,
			    struct build_result *r)
{
	char *log = NULL;
	int ret;

	ret = clc_build_bitcode(bc, bc_size, &r->clc, &log);
	r->log = join_logs(r->log, log);
	if (!ret) {
		r->names = join_kernel_names(r->clc);
		if (!r->names)
			ret = -ENOMEM;
	}
	if (!ret && !r->keep_binary)
		ret = clc_binary_pack(CLC_BINARY_EXECUTABLE, desc, r->options,
				      bc, bc_size, &r->binary, &r->binary_size);
	r->type = CLC_BINARY_EXECUTABLE;
	return ret;
}

/* Undo a failed build_result: it becomes an error with its log. */
static void result_failed(struct build_result *r)
{
	if (r->clc)
		clc_program_destroy(r->clc);
	r->clc = NULL;
	free(r->names);
	r->names = NULL;
	free(r->binary);
	r->binary = NULL;
	r->binary_size = 0;
	r->status = CL_BUILD_ERROR;
}

/* --- clBuildProgram ------------------------------------------------------ */

cl_int CL_API_CALL
svmcl_clBuildProgram(cl_program program, cl_uint num_devices,
		     const cl_device_id *device_list, const char *options,
		     void (CL_CALLBACK *pfn_notify)(cl_program, void *),
		     void *user_data)
{
	struct build_result r = { .status = CL_BUILD_SUCCESS };
	const char *desc;
	void *bc = NULL;
	size_t bc_size = 0;
	cl_int err;
	int ret;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");
	err = svmcl_program_check_devices(__func__, program->context,
					  num_devices, device_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON(pfn_notify == NULL && user_data != NULL,
			      CL_INVALID_VALUE, "user_data without pfn_notify");
	SVMCL_RETURN_ERROR_ON(program->origin == SVMCL_PROGRAM_LINKED,
			      CL_INVALID_OPERATION,
			      "a linked program cannot be built");
	desc = svmcl_program_device_desc(program->context->device);
	SVMCL_RETURN_ERROR_ON(desc == NULL, CL_OUT_OF_HOST_MEMORY,
			      "device description");

	err = program_claim(program, __func__);
	if (err)
		return err;

	if (program->origin == SVMCL_PROGRAM_BINARY) {
		enum clc_binary_type type;
		const void *exe;

		/* "the program binary must be an executable binary" */
		r.keep_binary = true;
		ret = clc_binary_unpack(program->binary, program->binary_size,
					desc, &type, &exe, &bc_size, NULL);
		if (ret || type != CLC_BINARY_EXECUTABLE) {
			r.status = CL_BUILD_ERROR;
			r.options = strdup(options ? options : "");
			r.log = strdup("error: the program binary is not an "
				       "executable\n");
			err = CL_INVALID_BINARY;
			goto commit;
		}
		/* NULL: "as if options were the same as when ... built" */
		r.options = strdup(options ? options :
				   program->binary_options ?
				   program->binary_options : "");
		ret = r.options ? build_executable(exe, bc_size, desc, &r) :
				  -ENOMEM;
		err = map_compiler_error(ret, CL_INVALID_BUILD_OPTIONS,
					 CL_BUILD_PROGRAM_FAILURE);
	} else {
		r.options = strdup(options ? options : "");
		ret = r.options ? clc_compile(program->source, r.options, NULL,
					      0, desc, &bc, &bc_size, &r.log) :
				  -ENOMEM;
		if (!ret)
			ret = build_executable(bc, bc_size, desc, &r);
		err = map_compiler_error(ret, CL_INVALID_BUILD_OPTIONS,
					 CL_BUILD_PROGRAM_FAILURE);
		free(bc);
	}
	if (err)
		result_failed(&r);
	if (!r.log)
		r.log = strdup("");

commit:
	if (err == CL_INVALID_BINARY)
		r.keep_binary = true;
	program_commit(program, &r);
	if (pfn_notify)
		pfn_notify(program, user_data);
	if (err)
		svmcl_api_error(__func__, err, "build failed: see the log");
	return err;
}

/* --- clCompileProgram ---------------------------------------------------- */

cl_int CL_API_CALL
svmcl_clCompileProgram(cl_program program, cl_uint num_devices,
		       const cl_device_id *device_list, const char *options,
		       cl_uint num_input_headers,
		       const cl_program *input_headers,
		       const char **header_include_names,
		       void (CL_CALLBACK *pfn_notify)(cl_program, void *),
		       void *user_data)
{
	struct build_result r = { .status = CL_BUILD_SUCCESS,
				  .type = CLC_BINARY_OBJECT };
	struct clc_header *headers = NULL;
	const char *desc;
	void *bc = NULL;
	size_t bc_size = 0;
	cl_int err;
	int ret;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");
	err = svmcl_program_check_devices(__func__, program->context,
					  num_devices, device_list);
	if (err)
		return err;
	SVMCL_RETURN_ERROR_ON((num_input_headers == 0) !=
			      (input_headers == NULL) ||
			      (num_input_headers == 0) !=
			      (header_include_names == NULL),
			      CL_INVALID_VALUE,
			      "num_input_headers %u with input_headers %p and header_include_names %p",
			      num_input_headers, (const void *)input_headers,
			      (const void *)header_include_names);
	for (cl_uint i = 0; i < num_input_headers; i++) {
		cl_program h = input_headers[i];

		SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(h) || !h->source,
				      CL_INVALID_PROGRAM,
				      "input_headers[%u] is not a program with source",
				      i);
		SVMCL_RETURN_ERROR_ON(h->context != program->context,
				      CL_INVALID_CONTEXT,
				      "input_headers[%u] is of another context",
				      i);
		SVMCL_RETURN_ERROR_ON(header_include_names[i] == NULL,
				      CL_INVALID_VALUE,
				      "header_include_names[%u] is NULL", i);
	}
	SVMCL_RETURN_ERROR_ON(pfn_notify == NULL && user_data != NULL,
			      CL_INVALID_VALUE, "user_data without pfn_notify");
	SVMCL_RETURN_ERROR_ON(program->origin != SVMCL_PROGRAM_SOURCE,
			      CL_INVALID_OPERATION,
			      "the program has no source to compile");
	desc = svmcl_program_device_desc(program->context->device);
	SVMCL_RETURN_ERROR_ON(desc == NULL, CL_OUT_OF_HOST_MEMORY,
			      "device description");
	if (num_input_headers) {
		headers = calloc(num_input_headers, sizeof(*headers));
		SVMCL_RETURN_ERROR_ON(headers == NULL, CL_OUT_OF_HOST_MEMORY,
				      "calloc");
		for (cl_uint i = 0; i < num_input_headers; i++) {
			headers[i].name = header_include_names[i];
			headers[i].source = input_headers[i]->source;
		}
	}

	err = program_claim(program, __func__);
	if (err) {
		free(headers);
		return err;
	}

	r.options = strdup(options ? options : "");
	ret = r.options ? clc_compile(program->source, r.options, headers,
				      num_input_headers, desc, &bc, &bc_size,
				      &r.log) : -ENOMEM;
	if (!ret)
		ret = clc_binary_pack(CLC_BINARY_OBJECT, desc, r.options, bc,
				      bc_size, &r.binary, &r.binary_size);
	err = map_compiler_error(ret, CL_INVALID_COMPILER_OPTIONS,
				 CL_COMPILE_PROGRAM_FAILURE);
	free(bc);
	free(headers);
	if (err)
		result_failed(&r);
	if (!r.log)
		r.log = strdup("");

	program_commit(program, &r);
	if (pfn_notify)
		pfn_notify(program, user_data);
	if (err)
		svmcl_api_error(__func__, err, "compile failed: see the log");
	return err;
}

/* --- clLinkProgram ------------------------------------------------------- */

struct link_input {
	void *binary;	/* a copy of the input's binary */
	size_t size;
	const void *bc;	/* inside @binary */
	size_t bc_size;
};

/*
 * Copy the binaries of the inputs. Return: the number that have a
 * compiled object or library, or -CL_INVALID_OPERATION (an input is being
 * built) or -CL_OUT_OF_HOST_MEMORY.
 */
static int copy_link_inputs(cl_uint n, const cl_program *programs,
			    struct link_input *in)
{
	int have = 0;

	for (cl_uint i = 0; i < n; i++) {
		cl_program p = programs[i];
		int err = 0;

		pthread_mutex_lock(&p->obj.lock);
		if (p->status == CL_BUILD_IN_PROGRESS) {
			err = -CL_INVALID_OPERATION;
		} else if (p->binary && (p->binary_type == CLC_BINARY_OBJECT ||
					 p->binary_type == CLC_BINARY_LIBRARY)) {
			in[i].binary = malloc(p->binary_size);
			if (in[i].binary) {
				memcpy(in[i].binary, p->binary,
				       p->binary_size);
				in[i].size = p->binary_size;
				have++;
			} else {
				err = -CL_OUT_OF_HOST_MEMORY;
			}
		}
		pthread_mutex_unlock(&p->obj.lock);
		if (err)
			return err;
	}
	return have;
}

cl_program CL_API_CALL
svmcl_clLinkProgram(cl_context context, cl_uint num_devices,
		    const cl_device_id *device_list, const char *options,
		    cl_uint num_input_programs,
		    const cl_program *input_programs,
		    void (CL_CALLBACK *pfn_notify)(cl_program, void *),
		    void *user_data, cl_int *errcode_ret)
{
	struct build_result r = { .status = CL_BUILD_SUCCESS };
	struct link_input *in = NULL;
	const void **bcs = NULL;
	size_t *sizes = NULL;
	unsigned int flags = 0;
	const char *desc = NULL;
	cl_program p = NULL;
	void *bc = NULL;
	size_t bc_size = 0;
	cl_int err = CL_SUCCESS;
	int have, ret;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			    "not a valid context");
	err = svmcl_program_check_devices(__func__, context, num_devices,
					  device_list);
	if (err)
		goto ERROR;
	SVMCL_GOTO_ERROR_ON(num_input_programs == 0 || input_programs == NULL,
			    CL_INVALID_VALUE,
			    "num_input_programs %u with input_programs %p",
			    num_input_programs, (const void *)input_programs);
	for (cl_uint i = 0; i < num_input_programs; i++) {
		SVMCL_GOTO_ERROR_ON(!SVMCL_IS_PROGRAM(input_programs[i]),
				    CL_INVALID_PROGRAM,
				    "input_programs[%u] is not a program", i);
		SVMCL_GOTO_ERROR_ON(input_programs[i]->context != context,
				    CL_INVALID_CONTEXT,
				    "input_programs[%u] is of another context",
				    i);
	}
	SVMCL_GOTO_ERROR_ON(pfn_notify == NULL && user_data != NULL,
			    CL_INVALID_VALUE, "user_data without pfn_notify");
	ret = clc_link_options(options, &flags);
	SVMCL_GOTO_ERROR_ON(ret == -ENOMEM, CL_OUT_OF_HOST_MEMORY, "strdup");
	SVMCL_GOTO_ERROR_ON(ret, CL_INVALID_LINKER_OPTIONS,
			    "invalid linker options '%s'", options);
	desc = svmcl_program_device_desc(context->device);
	SVMCL_GOTO_ERROR_ON(desc == NULL, CL_OUT_OF_HOST_MEMORY,
			    "device description");

	in = calloc(num_input_programs, sizeof(*in));
	bcs = calloc(num_input_programs, sizeof(*bcs));
	sizes = calloc(num_input_programs, sizeof(*sizes));
	SVMCL_GOTO_ERROR_ON(!in || !bcs || !sizes, CL_OUT_OF_HOST_MEMORY,
			    "calloc");
	have = copy_link_inputs(num_input_programs, input_programs, in);
	SVMCL_GOTO_ERROR_ON(have < 0, -have,
			    "an input program is being built");
	SVMCL_GOTO_ERROR_ON(have > 0 && (cl_uint)have < num_input_programs,
			    CL_INVALID_OPERATION,
			    "not every input holds a compiled object or library");
	for (cl_uint i = 0; have && i < num_input_programs; i++) {
		enum clc_binary_type type;

		ret = clc_binary_unpack(in[i].binary, in[i].size, desc, &type,
					&in[i].bc, &in[i].bc_size, NULL);
		SVMCL_GOTO_ERROR_ON(ret == -ENOMEM, CL_OUT_OF_HOST_MEMORY,
				    "unpack");
		/* Programs only hold binaries that unpack: a bug otherwise. */
		SVMCL_GOTO_ERROR_ON(ret, CL_INVALID_OPERATION,
				    "input_programs[%u]: unusable binary", i);
		bcs[i] = in[i].bc;
		sizes[i] = in[i].bc_size;
	}

	p = svmcl_program_alloc(context, SVMCL_PROGRAM_LINKED);
	SVMCL_GOTO_ERROR_ON(p == NULL, CL_OUT_OF_HOST_MEMORY, "calloc");
	r.options = strdup(options ? options : "");
	SVMCL_GOTO_ERROR_ON(r.options == NULL, CL_OUT_OF_HOST_MEMORY, "strdup");
	if (!have) {
		/* "no link is performed": a program without a binary. */
		r.status = CL_BUILD_NONE;
		r.log = strdup("");
		program_commit(p, &r);
		goto notify;
	}
	p->status = CL_BUILD_IN_PROGRESS;	/* not visible to anyone yet */

	ret = clc_link(bcs, sizes, num_input_programs, flags, &bc, &bc_size,
		       &r.log);
	if (!ret && (flags & CLC_LINK_LIBRARY)) {
		r.type = CLC_BINARY_LIBRARY;
		ret = clc_binary_pack(CLC_BINARY_LIBRARY, desc, r.options, bc,
				      bc_size, &r.binary, &r.binary_size);
	} else if (!ret) {
		ret = build_executable(bc, bc_size, desc, &r);
	}
	free(bc);
	if (ret == -ENOMEM) {
		result_failed(&r);
		SVMCL_GOTO_ERROR_ON(true, CL_OUT_OF_HOST_MEMORY, "link");
	}
	if (ret) {
		result_failed(&r);
		err = CL_LINK_PROGRAM_FAILURE;
		svmcl_api_error(__func__, err, "link failed: see the log");
	}
	if (!r.log)
		r.log = strdup("");
	program_commit(p, &r);

notify:
	if (pfn_notify)
		pfn_notify(p, user_data);
ERROR:
	if (err != CL_SUCCESS && err != CL_LINK_PROGRAM_FAILURE) {
		free(r.options);
		free(r.log);
		if (p) {
			svmcl_program_put(p);
			p = NULL;
		}
	}
	for (cl_uint i = 0; in && i < num_input_programs; i++)
		free(in[i].binary);
	free(in);
	free(bcs);
	free(sizes);
	if (errcode_ret)
		*errcode_ret = err;
	return p;
}
