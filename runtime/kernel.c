/* SPDX-License-Identifier: MIT */
/*
 * kernel.c - kernel objects: argument values and kernel queries.
 *
 * DOC: Overview
 *
 * A kernel is one struct clc_kernel of a built program plus the values of
 * its arguments, kept in the packed argument block the compiled
 * work-group function reads (clc_arg.offset/size give each argument's
 * place). clEnqueueNDRangeKernel copies the block, so later clSetKernelArg
 * calls do not affect enqueued commands.
 *
 * Argument kinds (clc_arg.space):
 *  - private (by value): arg_size must equal clc_arg.size;
 *  - global/constant pointers: clSetKernelArgSVMPointer stores any
 *    pointer (SVM allocation, interior pointer, or with fine-grain system
 *    SVM any host pointer); clSetKernelArg takes a cl_mem and stores its
 *    device address (NULL: 0), remembering the buffer in @mem_args so
 *    that an enqueue can pin it (see svmcl_kernel_pin_mems());
 *  - local: clSetKernelArg(size, NULL) stores the size (8 bytes); the
 *    enqueue's copy of the block gets the offset in local memory instead
 *    (clc_kernel_place_local_args()).
 *
 * clCloneKernel copies the argument block, the set flags and the exec
 * info into a new kernel of the same clc_kernel (a shallow copy: pointers
 * are copied, not what they point to).
 *
 * Argument information (clGetKernelArgInfo) exists only for programs
 * built with -cl-kernel-arg-info, as OpenCL 3.0 says: without it clang
 * records no argument names, and every query answers
 * CL_KERNEL_ARG_INFO_NOT_AVAILABLE. The information lives in the bitcode,
 * so a binary of such a build keeps it. CL_KERNEL_ATTRIBUTES is empty for
 * kernels of programs created from a binary, as the specification says.
 * Sub-groups are not supported: clGetKernelSubGroupInfo answers
 * CL_INVALID_OPERATION once kernel and device are checked.
 *
 * DOC: Locking
 *
 * obj.lock protects the argument block, the set flags and the exec info.
 * It is a leaf lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "info.h"
#include "mem.h"
#include "platform.h"
#include "program.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_kernel);

void svmcl_kernel_get(cl_kernel kernel)
{
	svmcl_object_get(SVMCL_HANDLE(kernel));
}

static void kernel_destroy(cl_kernel k)
{
	cl_program p = k->program;

	free(k->args);
	free(k->arg_set);
	free(k->svm_ptrs);
	free(k->mem_args);
	svmcl_object_fini(SVMCL_HANDLE(k));
	free(k);
	atomic_fetch_sub(&p->num_kernel_objects, 1);
	svmcl_program_put(p);
}

void svmcl_kernel_put(cl_kernel kernel)
{
	if (svmcl_object_put(SVMCL_HANDLE(kernel)))
		kernel_destroy(kernel);
}

/* The compiler's layout must fit its own block; refuse it otherwise. */
static bool layout_ok(const struct clc_kernel *ck)
{
	for (unsigned int i = 0; i < ck->num_args; i++) {
		const struct clc_arg *a = &ck->args[i];

		if (a->space != CLC_ARG_LOCAL &&
		    (a->offset > ck->args_size ||
		     a->size > ck->args_size - a->offset))
			return false;
	}
	return true;
}

/*
 * A kernel object for @ck. The caller has counted it in
 * p->num_kernel_objects (under the program lock); this undoes that count
 * on failure.
 */
static cl_kernel kernel_create(cl_program p, const struct clc_kernel *ck,
			       cl_int *errp)
{
	cl_kernel k;

	if (!layout_ok(ck)) {
		*errp = CL_OUT_OF_RESOURCES;
		svmcl_api_error("clCreateKernel", *errp,
				"kernel '%s': argument layout exceeds its block",
				ck->name);
		goto err_uncount;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		goto err_nomem;
	k->args = calloc(1, ck->args_size ? ck->args_size : 1);
	k->arg_set = calloc(ck->num_args ? ck->num_args : 1, sizeof(bool));
	if (!k->args || !k->arg_set)
		goto err_free;

	svmcl_object_init(SVMCL_HANDLE(k), SVMCL_HANDLE(p), SVMCL_MAGIC_KERNEL);
	svmcl_program_get(p);
	k->program = p;
	k->context = p->context;
	k->ck = ck;
	k->fine_grain_system = CL_TRUE;
	*errp = CL_SUCCESS;
	return k;

err_free:
	free(k->arg_set);
	free(k->args);
	free(k);
err_nomem:
	*errp = CL_OUT_OF_HOST_MEMORY;
err_uncount:
	atomic_fetch_sub(&p->num_kernel_objects, 1);
	return NULL;
}

cl_kernel CL_API_CALL svmcl_clCreateKernel(cl_program program,
					   const char *kernel_name,
					   cl_int *errcode_ret)
{
	const struct clc_kernel *ck = NULL;
	cl_kernel k = NULL;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			    "not a valid program");
	SVMCL_GOTO_ERROR_ON(kernel_name == NULL, CL_INVALID_VALUE,
			    "kernel_name is NULL");

	pthread_mutex_lock(&program->obj.lock);
	if (!program->clc || program->status == CL_BUILD_IN_PROGRESS) {
		err = CL_INVALID_PROGRAM_EXECUTABLE;
	} else {
		ck = clc_program_find_kernel(program->clc, kernel_name);
		if (ck)
			atomic_fetch_add(&program->num_kernel_objects, 1);
		else
			err = CL_INVALID_KERNEL_NAME;
	}
	pthread_mutex_unlock(&program->obj.lock);
	SVMCL_GOTO_ERROR_ON(err == CL_INVALID_PROGRAM_EXECUTABLE, err,
			    "the program is not built");
	SVMCL_GOTO_ERROR_ON(err == CL_INVALID_KERNEL_NAME, err,
			    "no kernel '%s' in the program", kernel_name);

	k = kernel_create(program, ck, &err);

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return k;
}

cl_int CL_API_CALL svmcl_clCreateKernelsInProgram(cl_program program,
						  cl_uint num_kernels,
						  cl_kernel *kernels,
						  cl_uint *num_kernels_ret)
{
	unsigned int n;
	cl_int err = CL_SUCCESS;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_PROGRAM(program), CL_INVALID_PROGRAM,
			      "not a valid program");

	pthread_mutex_lock(&program->obj.lock);
	if (!program->clc || program->status == CL_BUILD_IN_PROGRESS) {
		pthread_mutex_unlock(&program->obj.lock);
		return SVMCL_ERROR(CL_INVALID_PROGRAM_EXECUTABLE,
				   "the program is not built");
	}
	n = clc_program_num_kernels(program->clc);
	if (kernels && num_kernels < n) {
		pthread_mutex_unlock(&program->obj.lock);
		return SVMCL_ERROR(CL_INVALID_VALUE,
				   "num_kernels %u < %u kernels", num_kernels,
				   n);
	}
	if (kernels)
		atomic_fetch_add(&program->num_kernel_objects, n);
	pthread_mutex_unlock(&program->obj.lock);

	if (kernels) {
		unsigned int i;

		for (i = 0; i < n; i++) {
			kernels[i] = kernel_create(program,
					clc_program_kernel(program->clc, i),
					&err);
			if (!kernels[i])
				break;
		}
		if (err) {
			/* Undo: counted kernels not created, then created ones. */
			atomic_fetch_sub(&program->num_kernel_objects,
					 n - i - 1);
			while (i-- > 0) {
				svmcl_kernel_put(kernels[i]);
				kernels[i] = NULL;
			}
			return SVMCL_ERROR(err, "cannot create the kernels");
		}
	}
	if (num_kernels_ret)
		*num_kernels_ret = n;
	return CL_SUCCESS;
}

cl_kernel CL_API_CALL svmcl_clCloneKernel(cl_kernel source_kernel,
					  cl_int *errcode_ret)
{
	cl_kernel src = source_kernel, k = NULL;
	void **ptrs = NULL;
	cl_mem *mems = NULL;
	bool copied = false;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(!SVMCL_IS_KERNEL(src), CL_INVALID_KERNEL,
			    "not a valid kernel");
	/* The source's reference on the program keeps it (and ck) alive. */
	atomic_fetch_add(&src->program->num_kernel_objects, 1);
	k = kernel_create(src->program, src->ck, &err);
	if (!k)
		goto ERROR;

	pthread_mutex_lock(&src->obj.lock);
	if (src->num_svm_ptrs) {
		ptrs = malloc(src->num_svm_ptrs * sizeof(*ptrs));
		if (ptrs)
			memcpy(ptrs, src->svm_ptrs,
			       src->num_svm_ptrs * sizeof(*ptrs));
	}
	/* Buffer arguments: the clone must pin them at enqueue too. */
	if (src->mem_args) {
		mems = calloc(src->ck->num_args, sizeof(*mems));
		if (mems)
			memcpy(mems, src->mem_args,
			       src->ck->num_args * sizeof(*mems));
	}
	if ((!src->num_svm_ptrs || ptrs) && (!src->mem_args || mems)) {
		memcpy(k->args, src->args, src->ck->args_size);
		memcpy(k->arg_set, src->arg_set,
		       src->ck->num_args * sizeof(*k->arg_set));
		k->num_args_set = src->num_args_set;
		k->svm_ptrs = ptrs;
		k->num_svm_ptrs = src->num_svm_ptrs;
		k->fine_grain_system = src->fine_grain_system;
		k->mem_args = mems;
		ptrs = NULL;
		mems = NULL;
		copied = true;
	}
	pthread_mutex_unlock(&src->obj.lock);
	if (!copied) {
		free(ptrs);
		free(mems);
		svmcl_kernel_put(k);
		k = NULL;
		SVMCL_GOTO_ERROR_ON(true, CL_OUT_OF_HOST_MEMORY, "malloc");
	}

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return k;
}

cl_int CL_API_CALL svmcl_clRetainKernel(cl_kernel kernel)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	svmcl_kernel_get(kernel);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clReleaseKernel(cl_kernel kernel)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	svmcl_kernel_put(kernel);
	return CL_SUCCESS;
}

/* Store @size bytes of @value as argument @index; sets the flag. */
static void kernel_store_arg(cl_kernel k, cl_uint index, const void *value,
			     size_t size)
{
	const struct clc_arg *a = &k->ck->args[index];

	pthread_mutex_lock(&k->obj.lock);
	if (value)
		memcpy(k->args + a->offset, value, size);
	else
		memset(k->args + a->offset, 0, size);
	if (!k->arg_set[index]) {
		k->arg_set[index] = true;
		k->num_args_set++;
	}
	if (k->mem_args)
		k->mem_args[index] = NULL;	/* no buffer behind it now */
	pthread_mutex_unlock(&k->obj.lock);
}

/*
 * Store buffer @mem (or NULL) as pointer argument @index: its device
 * address goes into the block, the handle into @mem_args.
 */
static cl_int kernel_store_mem_arg(cl_kernel k, cl_uint index, cl_mem mem)
{
	const struct clc_arg *a = &k->ck->args[index];
	uint64_t va = mem ? svmcl_mem_device_addr(mem) : 0;
	cl_mem *mems = NULL;

	if (mem && !k->mem_args) {
		mems = calloc(k->ck->num_args, sizeof(*mems));
		if (!mems)
			return CL_OUT_OF_HOST_MEMORY;
	}

	pthread_mutex_lock(&k->obj.lock);
	if (mems && !k->mem_args) {
		k->mem_args = mems;
		mems = NULL;
	}
	memcpy(k->args + a->offset, &va, sizeof(va));
	if (!k->arg_set[index]) {
		k->arg_set[index] = true;
		k->num_args_set++;
	}
	if (k->mem_args)
		k->mem_args[index] = mem;
	pthread_mutex_unlock(&k->obj.lock);
	free(mems);	/* another thread installed the array first */
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clSetKernelArg(cl_kernel kernel, cl_uint arg_index,
					size_t arg_size, const void *arg_value)
{
	const struct clc_arg *a;
	cl_mem mem;
	cl_int err;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	SVMCL_RETURN_ERROR_ON(arg_index >= kernel->ck->num_args,
			      CL_INVALID_ARG_INDEX,
			      "kernel '%s' has %u arguments, not %u",
			      kernel->ck->name, kernel->ck->num_args,
			      arg_index + 1);
	a = &kernel->ck->args[arg_index];

	switch (a->space) {
	case CLC_ARG_LOCAL: {
		/* The slot holds the size until enqueue makes it an offset. */
		uint64_t size = arg_size;

		SVMCL_RETURN_ERROR_ON(arg_value != NULL, CL_INVALID_ARG_VALUE,
				      "argument %u is __local: arg_value must be NULL",
				      arg_index);
		SVMCL_RETURN_ERROR_ON(arg_size == 0, CL_INVALID_ARG_SIZE,
				      "argument %u is __local: arg_size must not be 0",
				      arg_index);
		kernel_store_arg(kernel, arg_index, &size, sizeof(size));
		return CL_SUCCESS;
	}
	case CLC_ARG_GLOBAL:
	case CLC_ARG_CONSTANT:
		SVMCL_RETURN_ERROR_ON(arg_size != sizeof(cl_mem),
				      CL_INVALID_ARG_SIZE,
				      "argument %u is a pointer: arg_size must be sizeof(cl_mem), not %zu",
				      arg_index, arg_size);
		SVMCL_RETURN_ERROR_ON(a->size != sizeof(uint64_t),
				      CL_INVALID_ARG_VALUE,
				      "argument %u: %u-byte pointer", arg_index,
				      a->size);
		/* A NULL arg_value or a NULL cl_mem: a NULL pointer. */
		mem = arg_value ? *(const cl_mem *)arg_value : NULL;
		SVMCL_RETURN_ERROR_ON(mem && (!svmcl_mem_is_live(mem) ||
					      mem->context != kernel->context),
				      CL_INVALID_MEM_OBJECT,
				      "argument %u: not a valid memory object of the kernel's context",
				      arg_index);
		err = kernel_store_mem_arg(kernel, arg_index, mem);
		SVMCL_RETURN_ERROR_ON(err, err, "argument %u: out of memory",
				      arg_index);
		return CL_SUCCESS;
	case CLC_ARG_PRIVATE:
	default:
		SVMCL_RETURN_ERROR_ON(arg_size != a->size, CL_INVALID_ARG_SIZE,
				      "argument %u has %u bytes, not %zu",
				      arg_index, a->size, arg_size);
		SVMCL_RETURN_ERROR_ON(arg_value == NULL, CL_INVALID_ARG_VALUE,
				      "argument %u: arg_value is NULL",
				      arg_index);
		kernel_store_arg(kernel, arg_index, arg_value, a->size);
		return CL_SUCCESS;
	}
}

cl_int CL_API_CALL svmcl_clSetKernelArgSVMPointer(cl_kernel kernel,
						  cl_uint arg_index,
						  const void *arg_value)
{
	const struct clc_arg *a;
	uint64_t va = (uintptr_t)arg_value;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	SVMCL_RETURN_ERROR_ON(arg_index >= kernel->ck->num_args,
			      CL_INVALID_ARG_INDEX,
			      "kernel '%s' has %u arguments, not %u",
			      kernel->ck->name, kernel->ck->num_args,
			      arg_index + 1);
	a = &kernel->ck->args[arg_index];
	SVMCL_RETURN_ERROR_ON(a->space != CLC_ARG_GLOBAL &&
			      a->space != CLC_ARG_CONSTANT,
			      CL_INVALID_ARG_VALUE,
			      "argument %u is not a global or constant pointer",
			      arg_index);
	SVMCL_RETURN_ERROR_ON(a->size != sizeof(va), CL_INVALID_ARG_VALUE,
			      "argument %u: %u-byte pointer", arg_index,
			      a->size);

	/*
	 * Any address is valid with fine-grain system SVM: the device VM
	 * mirrors the process, and an address without a CPU mapping becomes
	 * a reported device fault, not a crash.
	 */
	kernel_store_arg(kernel, arg_index, &va, sizeof(va));
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clSetKernelExecInfo(cl_kernel kernel,
					     cl_kernel_exec_info param_name,
					     size_t param_value_size,
					     const void *param_value)
{
	void **ptrs = NULL, **old;
	size_t n;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	SVMCL_RETURN_ERROR_ON(param_value == NULL && param_value_size > 0,
			      CL_INVALID_VALUE,
			      "param_value is NULL with param_value_size %zu",
			      param_value_size);

	switch (param_name) {
	case CL_KERNEL_EXEC_INFO_SVM_PTRS:
		SVMCL_RETURN_ERROR_ON(param_value_size % sizeof(void *),
				      CL_INVALID_VALUE,
				      "param_value_size %zu is not a multiple of sizeof(void *)",
				      param_value_size);
		n = param_value_size / sizeof(void *);
		if (n) {
			ptrs = malloc(param_value_size);
			SVMCL_RETURN_ERROR_ON(ptrs == NULL,
					      CL_OUT_OF_HOST_MEMORY, "malloc");
			memcpy(ptrs, param_value, param_value_size);
		}
		/* Kept for migration hints; every pointer is reachable anyway. */
		pthread_mutex_lock(&kernel->obj.lock);
		old = kernel->svm_ptrs;
		kernel->svm_ptrs = ptrs;
		kernel->num_svm_ptrs = n;
		pthread_mutex_unlock(&kernel->obj.lock);
		free(old);
		return CL_SUCCESS;
	case CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM:
		SVMCL_RETURN_ERROR_ON(param_value_size != sizeof(cl_bool),
				      CL_INVALID_VALUE,
				      "param_value_size %zu is not sizeof(cl_bool)",
				      param_value_size);
		pthread_mutex_lock(&kernel->obj.lock);
		kernel->fine_grain_system = *(const cl_bool *)param_value ?
					    CL_TRUE : CL_FALSE;
		pthread_mutex_unlock(&kernel->obj.lock);
		return CL_SUCCESS;
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int svmcl_kernel_pin_mems(cl_kernel kernel, cl_mem **out, cl_uint *num)
{
	cl_uint n = kernel->ck->num_args;
	cl_mem *pins;

	*out = NULL;
	*num = 0;
	pthread_mutex_lock(&kernel->obj.lock);
	if (!kernel->mem_args) {
		pthread_mutex_unlock(&kernel->obj.lock);
		return CL_SUCCESS;
	}
	pins = calloc(n, sizeof(*pins));
	if (!pins) {
		pthread_mutex_unlock(&kernel->obj.lock);
		return CL_OUT_OF_HOST_MEMORY;
	}
	for (cl_uint i = 0; i < n; i++) {
		cl_mem m = kernel->mem_args[i];

		/* Released by the application since: its own error. */
		if (m && SVMCL_IS_MEM(m)) {
			svmcl_mem_pin(m);
			pins[i] = m;
		}
	}
	pthread_mutex_unlock(&kernel->obj.lock);
	*out = pins;
	*num = n;
	return CL_SUCCESS;
}

cl_int svmcl_kernel_snapshot_args(cl_kernel kernel, void **out)
{
	size_t size = kernel->ck->args_size ? kernel->ck->args_size : 1;
	void *copy = malloc(size);

	if (!copy)
		return CL_OUT_OF_HOST_MEMORY;
	pthread_mutex_lock(&kernel->obj.lock);
	if (kernel->num_args_set < kernel->ck->num_args) {
		pthread_mutex_unlock(&kernel->obj.lock);
		free(copy);
		return CL_INVALID_KERNEL_ARGS;
	}
	memcpy(copy, kernel->args, size);
	pthread_mutex_unlock(&kernel->obj.lock);
	*out = copy;
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetKernelInfo(cl_kernel kernel,
					 cl_kernel_info param_name,
					 size_t param_value_size,
					 void *param_value,
					 size_t *param_value_size_ret)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");

	switch (param_name) {
	case CL_KERNEL_FUNCTION_NAME:
		return SVMCL_INFO_STRING(kernel->ck->name);
	case CL_KERNEL_NUM_ARGS:
		return SVMCL_INFO_SCALAR(cl_uint, kernel->ck->num_args);
	case CL_KERNEL_REFERENCE_COUNT:
		return SVMCL_INFO_SCALAR(cl_uint,
			svmcl_object_refcount(SVMCL_HANDLE(kernel)));
	case CL_KERNEL_CONTEXT:
		return SVMCL_INFO_SCALAR(cl_context, kernel->context);
	case CL_KERNEL_PROGRAM:
		return SVMCL_INFO_SCALAR(cl_program, kernel->program);
	case CL_KERNEL_ATTRIBUTES:
		/* "empty" unless created from clCreateProgramWithSource */
		if (kernel->program->origin == SVMCL_PROGRAM_BINARY)
			return SVMCL_INFO_STRING("");
		return SVMCL_INFO_STRING(kernel->ck->attributes);
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL svmcl_clGetKernelArgInfo(cl_kernel kernel,
					    cl_uint arg_index,
					    cl_kernel_arg_info param_name,
					    size_t param_value_size,
					    void *param_value,
					    size_t *param_value_size_ret)
{
	static const cl_kernel_arg_address_qualifier spaces[] = {
		[CLC_ARG_PRIVATE] = CL_KERNEL_ARG_ADDRESS_PRIVATE,
		[CLC_ARG_GLOBAL] = CL_KERNEL_ARG_ADDRESS_GLOBAL,
		[CLC_ARG_CONSTANT] = CL_KERNEL_ARG_ADDRESS_CONSTANT,
		[CLC_ARG_LOCAL] = CL_KERNEL_ARG_ADDRESS_LOCAL,
	};
	const struct clc_arg *a;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	SVMCL_RETURN_ERROR_ON(arg_index >= kernel->ck->num_args,
			      CL_INVALID_ARG_INDEX, "no argument %u",
			      arg_index);
	a = &kernel->ck->args[arg_index];

	switch (param_name) {
	case CL_KERNEL_ARG_ADDRESS_QUALIFIER:
	case CL_KERNEL_ARG_ACCESS_QUALIFIER:
	case CL_KERNEL_ARG_TYPE_NAME:
	case CL_KERNEL_ARG_TYPE_QUALIFIER:
	case CL_KERNEL_ARG_NAME:
		break;
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
	/* Names are recorded only with -cl-kernel-arg-info (see DOC). */
	SVMCL_RETURN_ERROR_ON(!a->name || !a->name[0],
			      CL_KERNEL_ARG_INFO_NOT_AVAILABLE,
			      "kernel '%s' was not built with -cl-kernel-arg-info",
			      kernel->ck->name);

	switch (param_name) {
	case CL_KERNEL_ARG_ADDRESS_QUALIFIER:
		return SVMCL_INFO_SCALAR(cl_kernel_arg_address_qualifier,
			(unsigned int)a->space < 4 ? spaces[a->space] :
			CL_KERNEL_ARG_ADDRESS_PRIVATE);
	case CL_KERNEL_ARG_ACCESS_QUALIFIER:
		return SVMCL_INFO_SCALAR(cl_kernel_arg_access_qualifier,
			a->access_qual ? a->access_qual :
			CL_KERNEL_ARG_ACCESS_NONE);
	case CL_KERNEL_ARG_TYPE_NAME:
		return SVMCL_INFO_STRING(a->type_name);
	case CL_KERNEL_ARG_TYPE_QUALIFIER:
		return SVMCL_INFO_SCALAR(cl_kernel_arg_type_qualifier,
					 a->type_qual);
	default:	/* CL_KERNEL_ARG_NAME */
		return SVMCL_INFO_STRING(a->name);
	}
}

/*
 * CL_KERNEL_LOCAL_MEM_SIZE: static __local variables plus the sizes given
 * to clSetKernelArg for __local pointer arguments (0 for those not set).
 */
static cl_ulong kernel_local_mem_size(cl_kernel kernel)
{
	uint64_t size;

	pthread_mutex_lock(&kernel->obj.lock);
	size = clc_kernel_local_mem_size(kernel->ck, kernel->args);
	pthread_mutex_unlock(&kernel->obj.lock);
	return size;
}

cl_int CL_API_CALL
svmcl_clGetKernelWorkGroupInfo(cl_kernel kernel, cl_device_id device,
			       cl_kernel_work_group_info param_name,
			       size_t param_value_size, void *param_value,
			       size_t *param_value_size_ret)
{
	const uint64_t *r;
	size_t compile[3];

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	/* NULL is fine: the kernel's context has a single device. */
	SVMCL_RETURN_ERROR_ON(device != NULL &&
			      (!SVMCL_IS_DEVICE(device) ||
			       device != kernel->context->device),
			      CL_INVALID_DEVICE, "not a device of the kernel");
	r = kernel->ck->reqd_wg_size;

	switch (param_name) {
	case CL_KERNEL_WORK_GROUP_SIZE:
		return SVMCL_INFO_SCALAR(size_t, r[0] ?
			(size_t)(r[0] * (r[1] ? r[1] : 1) * (r[2] ? r[2] : 1)) :
			SVMCL_MAX_WORK_GROUP_SIZE);
	case CL_KERNEL_COMPILE_WORK_GROUP_SIZE:
		for (int i = 0; i < 3; i++)
			compile[i] = (size_t)r[i];
		return SVMCL_INFO_ARRAY(compile, sizeof(compile));
	case CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE:
		return SVMCL_INFO_SCALAR(size_t, SVMCL_PREFERRED_WG_MULTIPLE);
	case CL_KERNEL_LOCAL_MEM_SIZE:
		return SVMCL_INFO_SCALAR(cl_ulong, kernel_local_mem_size(kernel));
	case CL_KERNEL_PRIVATE_MEM_SIZE:
		return SVMCL_INFO_SCALAR(cl_ulong, kernel->ck->private_mem_size);
	case CL_KERNEL_GLOBAL_WORK_SIZE:
		return SVMCL_ERROR(CL_INVALID_VALUE,
				   "CL_KERNEL_GLOBAL_WORK_SIZE: not a custom device or built-in kernel");
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL
svmcl_clGetKernelSubGroupInfo(cl_kernel kernel, cl_device_id device,
			      cl_kernel_sub_group_info param_name,
			      size_t input_value_size, const void *input_value,
			      size_t param_value_size, void *param_value,
			      size_t *param_value_size_ret)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_KERNEL(kernel), CL_INVALID_KERNEL,
			      "not a valid kernel");
	/* NULL is fine: the kernel's context has a single device. */
	SVMCL_RETURN_ERROR_ON(device != NULL &&
			      (!SVMCL_IS_DEVICE(device) ||
			       device != kernel->context->device),
			      CL_INVALID_DEVICE, "not a device of the kernel");
	return SVMCL_ERROR(CL_INVALID_OPERATION,
			   "the device does not support sub-groups");
}

cl_int CL_API_CALL
svmcl_clGetKernelSubGroupInfoKHR(cl_kernel kernel, cl_device_id device,
				 cl_kernel_sub_group_info param_name,
				 size_t input_value_size,
				 const void *input_value,
				 size_t param_value_size, void *param_value,
				 size_t *param_value_size_ret)
{
	return svmcl_clGetKernelSubGroupInfo(kernel, device, param_name,
					     input_value_size, input_value,
					     param_value_size, param_value,
					     param_value_size_ret);
}
