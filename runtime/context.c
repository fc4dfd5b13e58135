/* SPDX-License-Identifier: MIT */
/*
 * context.c - context creation, queries and lifetime.
 *
 * DOC: Overview
 *
 * A context owns one device VM, created with KMD_VM_MIRROR_PROCESS: the VM
 * mirrors the whole process address space, so every CPU pointer (SVM
 * allocation, malloc, stack, mmap) is a device pointer with the same value.
 * The kmd handle itself belongs to the device and is shared by contexts.
 *
 * Properties: NULL, or a list with CL_CONTEXT_PLATFORM (svmcl's platform)
 * and CL_CONTEXT_INTEROP_USER_SYNC, each at most once.
 *
 * pfn_notify is called for device faults (see ndrange.c), from the thread
 * that executed the command, with no runtime lock held.
 *
 * Destruction (last release; queues, programs and events hold references,
 * so it happens after they are gone): destructor callbacks newest first,
 * then every SVM allocation still registered is freed, then the VM.
 *
 * DOC: Locking
 *
 * Everything but @destructors is immutable after creation. obj.lock
 * protects @destructors. The SVM registry has its own lock (svm.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "svmcl/kmd.h"

#include "api.h"
#include "api_error.h"
#include "context.h"
#include "info.h"
#include "platform.h"

SVMCL_ASSERT_ICD_LAYOUT(struct _cl_context);

/* Validate @props; Return: CL_SUCCESS and the list's size in bytes. */
static cl_int context_check_props(const char *func,
				  const cl_context_properties *props,
				  size_t *size)
{
	bool have_platform = false, have_sync = false;
	size_t i;

	*size = 0;
	if (!props)
		return CL_SUCCESS;

	for (i = 0; props[i] != 0; i += 2) {
		switch (props[i]) {
		case CL_CONTEXT_PLATFORM:
			if (have_platform)
				goto duplicate;
			have_platform = true;
			if ((cl_platform_id)props[i + 1] != &svmcl_platform) {
				svmcl_api_error(func, CL_INVALID_PLATFORM,
						"CL_CONTEXT_PLATFORM is not svmcl's");
				return CL_INVALID_PLATFORM;
			}
			break;
		case CL_CONTEXT_INTEROP_USER_SYNC:
			if (have_sync)
				goto duplicate;
			have_sync = true;
			if (props[i + 1] != CL_TRUE && props[i + 1] != CL_FALSE) {
				svmcl_api_error(func, CL_INVALID_PROPERTY,
						"CL_CONTEXT_INTEROP_USER_SYNC is not a cl_bool");
				return CL_INVALID_PROPERTY;
			}
			break;
		default:
			svmcl_api_error(func, CL_INVALID_PROPERTY,
					"unsupported property 0x%lx",
					(long)props[i]);
			return CL_INVALID_PROPERTY;
		}
	}
	*size = (i + 1) * sizeof(*props);
	return CL_SUCCESS;

duplicate:
	svmcl_api_error(func, CL_INVALID_PROPERTY, "property 0x%lx given twice",
			(long)props[i]);
	return CL_INVALID_PROPERTY;
}

/* Common tail of clCreateContext and clCreateContextFromType. */
static cl_context context_create(const char *func,
				 const cl_context_properties *props,
				 size_t props_size, cl_device_id dev,
				 svmcl_context_notify_fn notify,
				 void *notify_data, cl_int *errp)
{
	struct kmd_vm_create vm = { .flags = KMD_VM_MIRROR_PROCESS };
	cl_context ctx;
	int fd, ret;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		*errp = CL_OUT_OF_HOST_MEMORY;
		return NULL;
	}
	if (props_size) {
		ctx->props = malloc(props_size);
		if (!ctx->props) {
			*errp = CL_OUT_OF_HOST_MEMORY;
			goto err_free_ctx;
		}
		memcpy(ctx->props, props, props_size);
		ctx->props_size = props_size;
	}

	fd = svmcl_device_kmd(dev);
	if (fd < 0) {
		*errp = fd == -ENOMEM ? CL_OUT_OF_HOST_MEMORY :
					CL_DEVICE_NOT_AVAILABLE;
		svmcl_api_error(func, *errp, "cannot open the kmd: %s",
				strerror(-fd));
		goto err_free_props;
	}
	ret = kmd_ioctl(fd, KMD_IOCTL_VM_CREATE, &vm);
	if (ret < 0) {
		*errp = ret == -ENOMEM ? CL_OUT_OF_HOST_MEMORY :
					 CL_OUT_OF_RESOURCES;
		svmcl_api_error(func, *errp, "KMD_IOCTL_VM_CREATE: %s",
				strerror(-ret));
		goto err_free_props;
	}

	svmcl_object_init(SVMCL_HANDLE(ctx), SVMCL_HANDLE(dev),
			  SVMCL_MAGIC_CONTEXT);
	ctx->device = dev;
	ctx->notify = notify;
	ctx->notify_data = notify_data;
	ctx->kmd_fd = fd;
	ctx->vm_id = vm.vm_id;
	svmcl_svm_registry_init(&ctx->svm);
	*errp = CL_SUCCESS;
	return ctx;

err_free_props:
	free(ctx->props);
err_free_ctx:
	free(ctx);
	return NULL;
}

cl_context CL_API_CALL
svmcl_clCreateContext(const cl_context_properties *properties,
		      cl_uint num_devices, const cl_device_id *devices,
		      svmcl_context_notify_fn pfn_notify, void *user_data,
		      cl_int *errcode_ret)
{
	cl_context ctx = NULL;
	size_t props_size;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(devices == NULL || num_devices == 0,
			    CL_INVALID_VALUE, "no devices given");
	SVMCL_GOTO_ERROR_ON(pfn_notify == NULL && user_data != NULL,
			    CL_INVALID_VALUE, "user_data without pfn_notify");
	for (cl_uint i = 0; i < num_devices; i++)
		SVMCL_GOTO_ERROR_ON(!SVMCL_IS_DEVICE(devices[i]),
				    CL_INVALID_DEVICE,
				    "devices[%u] is not a valid device", i);
	err = context_check_props(__func__, properties, &props_size);
	if (err)
		goto ERROR;

	ctx = context_create(__func__, properties, props_size, devices[0],
			     pfn_notify, user_data, &err);

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return ctx;
}

cl_context CL_API_CALL
svmcl_clCreateContextFromType(const cl_context_properties *properties,
			      cl_device_type device_type,
			      svmcl_context_notify_fn pfn_notify,
			      void *user_data, cl_int *errcode_ret)
{
	cl_context ctx = NULL;
	cl_device_id dev = NULL;
	size_t props_size;
	cl_int err = CL_SUCCESS;

	SVMCL_GOTO_ERROR_ON(pfn_notify == NULL && user_data != NULL,
			    CL_INVALID_VALUE, "user_data without pfn_notify");
	err = context_check_props(__func__, properties, &props_size);
	if (err)
		goto ERROR;
	/* Validates the type and answers CL_DEVICE_NOT_FOUND for non-GPUs. */
	err = svmcl_clGetDeviceIDs(&svmcl_platform, device_type, 1, &dev, NULL);
	if (err)
		goto ERROR;

	ctx = context_create(__func__, properties, props_size, dev,
			     pfn_notify, user_data, &err);

ERROR:
	if (errcode_ret)
		*errcode_ret = err;
	return ctx;
}

void svmcl_context_get(cl_context ctx)
{
	svmcl_object_get(SVMCL_HANDLE(ctx));
}

static void context_destroy(cl_context ctx)
{
	struct kmd_vm_destroy vm = { .vm_id = ctx->vm_id };
	struct svmcl_context_destructor *d, *next;
	int ret;

	/* No lock needed: nobody else holds a reference any more. */
	for (d = ctx->destructors; d; d = next) {
		next = d->next;
		d->fn(ctx, d->user_data);
		free(d);
	}

	svmcl_svm_registry_fini(ctx);
	ret = kmd_ioctl(ctx->kmd_fd, KMD_IOCTL_VM_DESTROY, &vm);
	if (ret < 0)
		svmcl_debug(SVMCL_DBG_API, "KMD_IOCTL_VM_DESTROY(%u): %d",
			    ctx->vm_id, ret);

	free(ctx->props);
	svmcl_object_fini(SVMCL_HANDLE(ctx));
	free(ctx);
}

void svmcl_context_put(cl_context ctx)
{
	if (svmcl_object_put(SVMCL_HANDLE(ctx)))
		context_destroy(ctx);
}

void svmcl_context_notify(cl_context ctx, const char *errinfo)
{
	if (ctx->notify)
		ctx->notify(errinfo, NULL, 0, ctx->notify_data);
}

cl_int CL_API_CALL svmcl_clRetainContext(cl_context context)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			      "not a valid context");
	svmcl_context_get(context);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clReleaseContext(cl_context context)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			      "not a valid context");
	svmcl_context_put(context);
	return CL_SUCCESS;
}

cl_int CL_API_CALL svmcl_clGetContextInfo(cl_context context,
					  cl_context_info param_name,
					  size_t param_value_size,
					  void *param_value,
					  size_t *param_value_size_ret)
{
	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			      "not a valid context");

	switch (param_name) {
	case CL_CONTEXT_REFERENCE_COUNT:
		return SVMCL_INFO_SCALAR(cl_uint,
			svmcl_object_refcount(SVMCL_HANDLE(context)));
	case CL_CONTEXT_NUM_DEVICES:
		return SVMCL_INFO_SCALAR(cl_uint, 1);
	case CL_CONTEXT_DEVICES:
		return SVMCL_INFO_ARRAY(&context->device,
					sizeof(context->device));
	case CL_CONTEXT_PROPERTIES:
		return SVMCL_INFO_ARRAY(context->props, context->props_size);
	default:
		return SVMCL_ERROR(CL_INVALID_VALUE, "unknown param_name 0x%x",
				   param_name);
	}
}

cl_int CL_API_CALL
svmcl_clSetContextDestructorCallback(cl_context context,
				     void (CL_CALLBACK *pfn_notify)(cl_context,
								    void *),
				     void *user_data)
{
	struct svmcl_context_destructor *d;

	SVMCL_RETURN_ERROR_ON(!SVMCL_IS_CONTEXT(context), CL_INVALID_CONTEXT,
			      "not a valid context");
	SVMCL_RETURN_ERROR_ON(pfn_notify == NULL, CL_INVALID_VALUE,
			      "pfn_notify is NULL");
	d = malloc(sizeof(*d));
	SVMCL_RETURN_ERROR_ON(d == NULL, CL_OUT_OF_HOST_MEMORY, "malloc");
	d->fn = pfn_notify;
	d->user_data = user_data;

	pthread_mutex_lock(&context->obj.lock);
	d->next = context->destructors;
	context->destructors = d;
	pthread_mutex_unlock(&context->obj.lock);
	return CL_SUCCESS;
}
